/* qr-archive.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qr-archive.h"
#include "qr-error.h"

/* A backup holds a few members per 100 MiB of data; far more than this
 * means the file is not what it claims to be. */
#define MAX_MEMBERS       (1024 * 1024)
#define MAX_NAME_LENGTH   1024
#define INDEX_BUFFER_SIZE (64 * 1024)

/* Read from a pipe, the small members at the start (the header, its HMAC
 * and the list of qubes) are kept in memory, since they cannot be read
 * again. */
#define MAX_PRELOADED_MEMBERS 3
#define MAX_PRELOADED_SIZE    (1024 * 1024 + 4096)

struct _QrArchive
{
  GObject     parent_instance;

  /* The backup file, opened once and read with pread(). */
  int         fd;
  guint64     size;

  /* Members in archive order, and by name. */
  GPtrArray  *members;
  GHashTable *by_name;

  /* Whether the file ends inside a member (a copy cut short). */
  gboolean    truncated;

  /* A pipe is read once, front to back: the reader stays open, the first
   * members are kept in memory, and the member after them waits. */
  gboolean    streaming;
  struct archive *stream;
  GHashTable *preloaded;
  QrArchiveMember *waiting;
  gboolean    stream_ended;

  /* Index pass: position of the libarchive read callbacks. */
  guint64     position;
  guint8     *buffer;
};

G_DEFINE_FINAL_TYPE (QrArchive, qr_archive, G_TYPE_OBJECT)

static void
member_free (QrArchiveMember *member)
{
  g_free (member->name);
  g_free (member);
}

static la_ssize_t
index_read_cb (struct archive *a,
               void           *user_data,
               const void    **out)
{
  QrArchive *self = user_data;
  ssize_t n;

  do
    n = self->streaming ? read (self->fd, self->buffer, INDEX_BUFFER_SIZE)
                        : pread (self->fd, self->buffer, INDEX_BUFFER_SIZE, self->position);
  while (n < 0 && errno == EINTR);

  if (n < 0)
    {
      archive_set_error (a, errno, "%s", g_strerror (errno));
      return -1;
    }

  self->position += n;
  *out = self->buffer;
  return n;
}

/* Skipping seeks over member data, so indexing a 100 GB backup reads only
 * its tar headers. A skip past the end reports what was left, which
 * libarchive treats as a truncated archive. */
static la_int64_t
index_skip_cb (struct archive *a,
               void           *user_data,
               la_int64_t      request)
{
  QrArchive *self = user_data;
  guint64 left = self->size > self->position ? self->size - self->position : 0;
  guint64 skip = MIN ((guint64) request, left);

  self->position += skip;
  return skip;
}

static gboolean
member_name_is_sane (const char *name)
{
  gsize len = strlen (name);

  return len > 0 && len <= MAX_NAME_LENGTH && g_utf8_validate (name, len, NULL);
}

static gboolean
add_member (QrArchive            *self,
            struct archive       *a,
            struct archive_entry *entry,
            GError              **error)
{
  const char *name = archive_entry_pathname (entry);
  QrArchiveMember *member;
  la_int64_t size = archive_entry_size (entry);

  if (name == NULL || !member_name_is_sane (name) || size < 0)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                   _("The backup's table of contents is damaged: member %u has an invalid name."),
                   self->members->len + 1);
      return FALSE;
    }

  if (archive_entry_filetype (entry) != AE_IFREG)
    return TRUE;

  if (g_hash_table_contains (self->by_name, name))
    {
      g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                   _("The backup contains “%s” twice: it was damaged or tampered with."), name);
      return FALSE;
    }

  if (self->members->len >= MAX_MEMBERS)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                   _("The backup contains more files than any real backup does."));
      return FALSE;
    }

  member = g_new0 (QrArchiveMember, 1);
  member->name = g_strdup (name);
  member->offset = archive_filter_bytes (a, 0);
  member->size = size;

  g_ptr_array_add (self->members, member);
  g_hash_table_insert (self->by_name, member->name, member);
  return TRUE;
}

static struct archive *
index_reader_new (QrArchive *self)
{
  struct archive *a = archive_read_new ();

  archive_read_support_filter_none (a);
  archive_read_support_format_tar (a);
  archive_read_set_options (a, "tar:read_concatenated_archives");
  archive_read_set_callback_data (a, self);
  archive_read_set_read_callback (a, index_read_cb);
  if (!self->streaming)
    archive_read_set_skip_callback (a, index_skip_cb);
  return a;
}

static gboolean
build_index (QrArchive     *self,
             GCancellable  *cancellable,
             GError       **error)
{
  struct archive *a = index_reader_new (self);
  struct archive_entry *entry;
  gboolean ret = FALSE;
  int r;

  self->buffer = g_malloc (INDEX_BUFFER_SIZE);

  if (archive_read_open1 (a) != ARCHIVE_OK)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_NOT_A_BACKUP,
                   _("This file is not a Qubes OS backup: it is not an archive."));
      goto out;
    }

  while ((r = archive_read_next_header (a, &entry)) == ARCHIVE_OK ||
         r == ARCHIVE_WARN)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto out;

      if (!add_member (self, a, entry, error))
        goto out;

      /* The data is skipped by seeking; an error here means it runs past
       * the end of the file. */
      if (archive_read_data_skip (a) != ARCHIVE_OK ||
          self->position > self->size)
        {
          QrArchiveMember *partial = g_ptr_array_index (self->members, self->members->len - 1);

          self->truncated = TRUE;
          g_hash_table_remove (self->by_name, partial->name);
          g_ptr_array_remove_index (self->members, self->members->len - 1);
          break;
        }
    }

  if (r == ARCHIVE_FATAL && self->members->len > 0)
    self->truncated = TRUE;

  if (self->members->len == 0)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_NOT_A_BACKUP,
                   _("This file is not a Qubes OS backup: it is not an archive."));
      goto out;
    }

  ret = TRUE;

out:
  archive_read_free (a);
  g_clear_pointer (&self->buffer, g_free);
  return ret;
}

static void
qr_archive_finalize (GObject *object)
{
  QrArchive *self = (QrArchive *) object;

  if (self->stream != NULL)
    archive_read_free (self->stream);
  g_clear_pointer (&self->preloaded, g_hash_table_unref);
  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_pointer (&self->members, g_ptr_array_unref);
  g_clear_pointer (&self->buffer, g_free);
  if (self->fd >= 0)
    close (self->fd);

  G_OBJECT_CLASS (qr_archive_parent_class)->finalize (object);
}

static void
qr_archive_class_init (QrArchiveClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qr_archive_finalize;
}

static void
qr_archive_init (QrArchive *self)
{
  self->fd = -1;
  self->members = g_ptr_array_new_with_free_func ((GDestroyNotify) member_free);
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  self->preloaded = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                           (GDestroyNotify) g_bytes_unref);
}

static gboolean
open_file (QrArchive  *self,
           GFile      *file,
           GError    **error)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *display = g_file_get_parse_name (file);
  struct stat st;

  if (path == NULL)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_IO,
                   _("“%s” is not a local file. Copy the backup to this computer first."),
                   display);
      return FALSE;
    }

  self->fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (self->fd < 0 || fstat (self->fd, &st) != 0)
    {
      int errsv = errno;

      g_set_error (error, QR_ERROR, QR_ERROR_IO, _("Cannot open “%s”: %s."),
                   display, g_strerror (errsv));
      return FALSE;
    }

  if (S_ISDIR (st.st_mode))
    {
      g_set_error (error, QR_ERROR, QR_ERROR_NOT_A_BACKUP,
                   _("“%s” is a folder. Choose the backup file inside it."), display);
      return FALSE;
    }

  self->streaming = S_ISFIFO (st.st_mode) || S_ISSOCK (st.st_mode) || S_ISCHR (st.st_mode);
  if (self->streaming)
    return TRUE;

  if (!S_ISREG (st.st_mode) && !S_ISBLK (st.st_mode))
    {
      g_set_error (error, QR_ERROR, QR_ERROR_NOT_A_BACKUP,
                   _("“%s” is not a regular file. Save the backup to a file first."), display);
      return FALSE;
    }

  self->size = S_ISREG (st.st_mode) ? (guint64) st.st_size
                                    : (guint64) lseek (self->fd, 0, SEEK_END);
  return TRUE;
}

static void
set_stream_error (QrArchive  *self,
                  GError    **error)
{
  const char *why = archive_error_string (self->stream);

  if (archive_errno (self->stream) == EIO || archive_errno (self->stream) == EINTR)
    g_set_error (error, QR_ERROR, QR_ERROR_IO,
                 _("Cannot read the backup: %s. Check where it comes from."), why ? why : "?");
  else
    g_set_error (error, QR_ERROR, QR_ERROR_TRUNCATED,
                 _("The backup ends early or is damaged where it ends (%s): it was probably "
                   "cut short while being sent or copied."),
                 why ? why : "?");
}

/* Reads the next member's header from the stream and records it. */
static const QrArchiveMember *
stream_next (QrArchive  *self,
             GError    **error)
{
  struct archive_entry *entry;
  int r;

  if (self->stream_ended)
    return NULL;

  do
    {
      r = archive_read_next_header (self->stream, &entry);
      if (r == ARCHIVE_EOF)
        {
          self->stream_ended = TRUE;
          return NULL;
        }

      if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
        {
          set_stream_error (self, error);
          return NULL;
        }

      if (!add_member (self, self->stream, entry, error))
        return NULL;
    }
  while (archive_entry_filetype (entry) != AE_IFREG);

  return g_ptr_array_index (self->members, self->members->len - 1);
}

static gboolean
open_stream (QrArchive  *self,
             GError    **error)
{
  const QrArchiveMember *member;

  self->buffer = g_malloc (INDEX_BUFFER_SIZE);
  self->stream = index_reader_new (self);

  if (archive_read_open1 (self->stream) != ARCHIVE_OK ||
      (member = stream_next (self, NULL)) == NULL)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_NOT_A_BACKUP,
                   _("This file is not a Qubes OS backup: it is not an archive."));
      return FALSE;
    }

  while (member != NULL && member->size <= MAX_PRELOADED_SIZE &&
         g_hash_table_size (self->preloaded) < MAX_PRELOADED_MEMBERS)
    {
      g_autofree guint8 *data = g_malloc (MAX (member->size, 1));

      if (!qr_archive_read_data (self, data, member->size, error))
        return FALSE;

      g_hash_table_insert (self->preloaded, member->name,
                           g_bytes_new_take (g_steal_pointer (&data), member->size));
      member = stream_next (self, error);
      if (member == NULL && error != NULL && *error != NULL)
        return FALSE;
    }

  self->waiting = (QrArchiveMember *) member;
  return TRUE;
}

QrArchive *
qr_archive_open (GFile         *file,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(QrArchive) self = NULL;

  g_return_val_if_fail (G_IS_FILE (file), NULL);

  self = g_object_new (QR_TYPE_ARCHIVE, NULL);

  if (!open_file (self, file, error))
    return NULL;

  if (self->streaming ? !open_stream (self, error) : !build_index (self, cancellable, error))
    return NULL;

  return g_steal_pointer (&self);
}

guint64
qr_archive_get_size (QrArchive *self)
{
  g_return_val_if_fail (QR_IS_ARCHIVE (self), 0);

  return self->size;
}

gboolean
qr_archive_is_truncated (QrArchive *self)
{
  g_return_val_if_fail (QR_IS_ARCHIVE (self), FALSE);

  return self->truncated;
}

guint
qr_archive_get_n_members (QrArchive *self)
{
  g_return_val_if_fail (QR_IS_ARCHIVE (self), 0);

  return self->members->len;
}

const QrArchiveMember *
qr_archive_get_member (QrArchive *self,
                       guint      index)
{
  g_return_val_if_fail (QR_IS_ARCHIVE (self), NULL);
  g_return_val_if_fail (index < self->members->len, NULL);

  return g_ptr_array_index (self->members, index);
}

const QrArchiveMember *
qr_archive_lookup (QrArchive  *self,
                   const char *name)
{
  g_return_val_if_fail (QR_IS_ARCHIVE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return g_hash_table_lookup (self->by_name, name);
}

gboolean
qr_archive_read (QrArchive             *self,
                 const QrArchiveMember *member,
                 guint64                offset,
                 void                  *buffer,
                 gsize                  length,
                 GError               **error)
{
  guint8 *out = buffer;
  gsize done = 0;

  GBytes *preloaded;

  g_return_val_if_fail (QR_IS_ARCHIVE (self), FALSE);
  g_return_val_if_fail (offset <= member->size && length <= member->size - offset, FALSE);

  preloaded = g_hash_table_lookup (self->preloaded, member->name);
  if (preloaded != NULL)
    {
      memcpy (buffer, (const guint8 *) g_bytes_get_data (preloaded, NULL) + offset, length);
      return TRUE;
    }

  g_return_val_if_fail (!self->streaming, FALSE);

  while (done < length)
    {
      ssize_t n = pread (self->fd, out + done, length - done, member->offset + offset + done);

      if (n < 0 && errno == EINTR)
        continue;

      if (n < 0)
        {
          int errsv = errno;

          g_set_error (error, QR_ERROR, QR_ERROR_IO,
                       _("Cannot read the backup file: %s. Check that the disk holding it is still connected."),
                       g_strerror (errsv));
          return FALSE;
        }

      if (n == 0)
        {
          g_set_error (error, QR_ERROR, QR_ERROR_TRUNCATED,
                       _("The backup file ends early, inside “%s”: it was probably cut short while being copied."),
                       member->name);
          return FALSE;
        }

      done += n;
    }

  return TRUE;
}

GBytes *
qr_archive_read_member (QrArchive             *self,
                        const QrArchiveMember *member,
                        gsize                  max_size,
                        GError               **error)
{
  g_autofree guint8 *data = NULL;

  g_return_val_if_fail (QR_IS_ARCHIVE (self), NULL);
  g_return_val_if_fail (member != NULL, NULL);

  if (member->size > max_size)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                   _("“%s” in the backup is far larger than it can be: the backup is damaged."),
                   member->name);
      return NULL;
    }

  data = g_malloc (MAX (member->size, 1));
  if (!qr_archive_read (self, member, 0, data, member->size, error))
    return NULL;

  return g_bytes_new_take (g_steal_pointer (&data), member->size);
}

/* Chunks are read once, front to back: ask the kernel to read ahead, so
 * that the disk works while the previous piece is being decrypted. */
void
qr_archive_advise_sequential (QrArchive             *self,
                              const QrArchiveMember *member)
{
  g_return_if_fail (QR_IS_ARCHIVE (self));

  if (self->streaming)
    return;

  posix_fadvise (self->fd, member->offset, member->size, POSIX_FADV_SEQUENTIAL);
  posix_fadvise (self->fd, member->offset, member->size, POSIX_FADV_WILLNEED);
}

gboolean
qr_archive_is_streaming (QrArchive *self)
{
  g_return_val_if_fail (QR_IS_ARCHIVE (self), FALSE);

  return self->streaming;
}

/* From a pipe: the member after the ones read so far, NULL at the end (or
 * with @error set). What was not read of the previous member is skipped. */
const QrArchiveMember *
qr_archive_next_member (QrArchive  *self,
                        GError    **error)
{
  const QrArchiveMember *member;

  g_return_val_if_fail (QR_IS_ARCHIVE (self), NULL);
  g_return_val_if_fail (self->streaming, NULL);

  if (self->waiting != NULL)
    {
      member = self->waiting;
      self->waiting = NULL;
      return member;
    }

  return stream_next (self, error);
}

/* From a pipe: the next @length bytes of the current member's data. */
gboolean
qr_archive_read_data (QrArchive  *self,
                      void       *buffer,
                      gsize       length,
                      GError    **error)
{
  guint8 *out = buffer;
  gsize done = 0;

  g_return_val_if_fail (QR_IS_ARCHIVE (self), FALSE);
  g_return_val_if_fail (self->streaming, FALSE);

  while (done < length)
    {
      la_ssize_t n = archive_read_data (self->stream, out + done, length - done);

      if (n <= 0)
        {
          if (n == 0)
            archive_set_error (self->stream, EPIPE, "%s", _("end of data"));
          set_stream_error (self, error);
          return FALSE;
        }

      done += n;
    }

  return TRUE;
}
