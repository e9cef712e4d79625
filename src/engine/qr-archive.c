/* qr-archive.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The outer archive: a concatenation of small tar archives, one per member.
 *
 * From a file, every member is indexed up front by reading only the tar
 * headers and seeking over the data. Nothing in a header is trusted to end
 * the index: a stretch that is not a header (flipped bits, a read error, a
 * member cut short) is recorded as damage, and the index carries on at the
 * next valid header. Members are authenticated later, one by one, by their
 * own MACs, so finding the next header again is safe.
 *
 * From a pipe, the first members are kept in memory and the rest are handed
 * out in order, as they come; damage is recorded the same way as long as
 * the tar reader can carry on. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qr-archive-private.h"
#include "qr-error.h"

/* A backup holds a few members per 100 MiB of data; far more than this
 * means the file is not what it claims to be. */
#define MAX_MEMBERS       (1024 * 1024)
#define MAX_NAME_LENGTH   1024

G_DEFINE_FINAL_TYPE (QrArchive, qr_archive, G_TYPE_OBJECT)

static void
member_free (QrArchiveMember *member)
{
  g_free (member->name);
  g_free (member);
}

/* Waits until @fd can be read or the cancellable fires; FALSE on cancel. */
static gboolean
wait_readable (int           fd,
               GCancellable *cancellable)
{
  struct pollfd fds[2] = { { fd, POLLIN, 0 }, { -1, POLLIN, 0 } };
  gboolean ok;

  if (cancellable == NULL)
    return TRUE;

  if (!g_cancellable_make_pollfd (cancellable, (GPollFD *) &fds[1]))
    return TRUE;

  while (poll (fds, 2, -1) < 0 && errno == EINTR)
    ;

  ok = !g_cancellable_is_cancelled (cancellable);
  g_cancellable_release_fd (cancellable);
  return ok;
}

static la_ssize_t
index_read_cb (struct archive *a,
               void           *user_data,
               const void    **out)
{
  QrArchive *self = user_data;
  ssize_t n;

  do
    {
      if (self->streaming && !wait_readable (self->fd, self->cancellable))
        {
          archive_set_error (a, ECANCELED, "%s", _("cancelled"));
          return -1;
        }

      n = self->streaming ? read (self->fd, self->buffer, INDEX_BUFFER_SIZE)
                          : pread (self->fd, self->buffer, INDEX_BUFFER_SIZE, self->position);

      /* A bad sector anywhere in a large read should not cost the header
       * at its start: try the one block that is needed. */
      if (n < 0 && errno != EINTR && !self->streaming)
        n = pread (self->fd, self->buffer, BLOCK_SIZE, self->position);
    }
  while (n < 0 && errno == EINTR);

  if (n < 0)
    {
      self->read_errno = errno;
      self->read_error_offset = self->position;
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

struct archive *
_qr_archive_reader_new (QrArchive *self,
                        guint64    start)
{
  struct archive *a = archive_read_new ();

  self->position = start;
  self->read_errno = 0;
  archive_read_support_filter_none (a);
  archive_read_support_format_tar (a);
  archive_read_set_options (a, "tar:read_concatenated_archives");
  archive_read_set_callback_data (a, self);
  archive_read_set_read_callback (a, index_read_cb);
  if (!self->streaming)
    archive_read_set_skip_callback (a, index_skip_cb);
  return a;
}

static guint
last_member_index (QrArchive *self)
{
  return self->members->len > 0 ? self->members->len - 1 : QR_ARCHIVE_NO_MEMBER;
}

/* ---- Damage ---- */

void
_qr_archive_begin_damage (QrArchive           *self,
                          QrArchiveDamageKind  kind,
                          guint64              start)
{
  if (self->in_damage)
    {
      /* An unreadable stretch inside a garbled one makes it unreadable. */
      if (kind != QR_ARCHIVE_DAMAGE_GARBLED)
        self->current.kind = kind;
      return;
    }

  self->in_damage = TRUE;
  self->garbled_blocks = 0;
  self->current = (QrArchiveDamage) { kind, start, start, last_member_index (self),
                                      QR_ARCHIVE_NO_MEMBER, FALSE };
}

void
_qr_archive_end_damage (QrArchive *self,
                        guint64    end)
{
  if (!self->in_damage)
    return;

  self->in_damage = FALSE;
  self->current.end = MAX (end, self->current.start);
  /* At the end of the file, a cut or unreadable stretch may have held
   * anything; between members, only enough garbled blocks could. */
  self->current.may_hide_members = self->current.kind != QR_ARCHIVE_DAMAGE_GARBLED ||
                                   self->garbled_blocks >= MIN_MEMBER_BLOCKS ||
                                   self->members->len == 0;
  g_array_append_val (self->damages, self->current);
}

/* The damage just closed ends at the member just added. */
static void
link_damage_to_member (QrArchive *self)
{
  QrArchiveDamage *last;

  if (self->damages->len == 0)
    return;

  last = &g_array_index (self->damages, QrArchiveDamage, self->damages->len - 1);
  if (last->after == QR_ARCHIVE_NO_MEMBER && last->before != last_member_index (self))
    last->after = last_member_index (self);
}

/* ---- Members ---- */

static gboolean
member_name_is_sane (const char *name)
{
  gsize len = strlen (name);

  return len > 0 && len <= MAX_NAME_LENGTH && g_utf8_validate (name, len, NULL);
}

/* Records a regular member. A name seen twice is kept once: the second one
 * cannot be the right one for both, and whichever is kept must still pass
 * its MAC. Returns NULL for a second name, or with @error set. */
const QrArchiveMember *
_qr_archive_add_member (QrArchive   *self,
                        const char  *name,
                        guint64      offset,
                        guint64      size,
                        GError     **error)
{
  QrArchiveMember *member;

  if (self->members->len >= MAX_MEMBERS)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                   _("“%s” holds more parts than any real backup does."),
                   self->display_name);
      return NULL;
    }

  if (g_hash_table_contains (self->by_name, name))
    return NULL;

  member = g_new0 (QrArchiveMember, 1);
  member->name = g_strdup (name);
  member->offset = offset;
  member->size = size;
  member->index = self->members->len;

  g_ptr_array_add (self->members, member);
  g_hash_table_insert (self->by_name, member->name, member);
  link_damage_to_member (self);
  return member;
}

/* Whether a tar entry is a member the backup tool could have written: a
 * regular file with a sane name and size. Anything else is damage. */
gboolean
_qr_archive_entry_is_member (struct archive_entry *entry)
{
  const char *name = archive_entry_pathname (entry);

  return archive_entry_filetype (entry) == AE_IFREG && archive_entry_hardlink (entry) == NULL &&
         name != NULL && member_name_is_sane (name) && archive_entry_size (entry) >= 0;
}

/* ---- The object ---- */

static void
qr_archive_finalize (GObject *object)
{
  QrArchive *self = (QrArchive *) object;

  if (self->stream != NULL)
    archive_read_free (self->stream);
  g_clear_pointer (&self->preloaded, g_hash_table_unref);
  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_pointer (&self->members, g_ptr_array_unref);
  g_clear_pointer (&self->damages, g_array_unref);
  g_clear_pointer (&self->buffer, g_free);
  g_clear_pointer (&self->display_name, g_free);
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
  self->damages = g_array_new (FALSE, FALSE, sizeof (QrArchiveDamage));
  self->preloaded = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                           (GDestroyNotify) g_bytes_unref);
}

static gboolean
open_file (QrArchive  *self,
           GFile      *file,
           GError    **error)
{
  g_autofree char *path = g_file_get_path (file);
  struct stat st;

  if (path == NULL)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_IO,
                   _("“%s” is not a local file. Copy the backup to this computer first."),
                   self->display_name);
      return FALSE;
    }

  self->fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (self->fd < 0 || fstat (self->fd, &st) != 0)
    {
      int errsv = errno;

      g_set_error (error, QR_ERROR, QR_ERROR_IO, _("Cannot open “%s”: %s."),
                   self->display_name, g_strerror (errsv));
      return FALSE;
    }

  if (S_ISDIR (st.st_mode))
    {
      g_set_error (error, QR_ERROR, QR_ERROR_NOT_A_BACKUP,
                   _("“%s” is a folder. Choose the backup file inside it."), self->display_name);
      return FALSE;
    }

  self->streaming = S_ISFIFO (st.st_mode) || S_ISSOCK (st.st_mode) || S_ISCHR (st.st_mode);
  if (self->streaming)
    return TRUE;

  if (!S_ISREG (st.st_mode) && !S_ISBLK (st.st_mode))
    {
      g_set_error (error, QR_ERROR, QR_ERROR_NOT_A_BACKUP,
                   _("“%s” is not a regular file. Save the backup to a file first."),
                   self->display_name);
      return FALSE;
    }

  self->size = S_ISREG (st.st_mode) ? (guint64) st.st_size
                                    : (guint64) lseek (self->fd, 0, SEEK_END);
  return TRUE;
}

QrArchive *
qr_archive_open (GFile         *file,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(QrArchive) self = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (G_IS_FILE (file), NULL);

  self = g_object_new (QR_TYPE_ARCHIVE, NULL);
  self->display_name = g_file_get_parse_name (file);

  if (!open_file (self, file, error))
    return NULL;

  if (self->streaming ? !_qr_archive_open_stream (self, cancellable, &local_error)
                      : !_qr_archive_build_index (self, cancellable, &local_error))
    {
      g_propagate_error (error, local_error);
      return NULL;
    }

  return g_steal_pointer (&self);
}

guint64
qr_archive_get_size (QrArchive *self)
{
  g_return_val_if_fail (QR_IS_ARCHIVE (self), 0);

  return self->size;
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

guint
qr_archive_get_n_damages (QrArchive *self)
{
  g_return_val_if_fail (QR_IS_ARCHIVE (self), 0);

  return self->damages->len;
}

const QrArchiveDamage *
qr_archive_get_damage (QrArchive *self,
                       guint      index)
{
  g_return_val_if_fail (QR_IS_ARCHIVE (self), NULL);
  g_return_val_if_fail (index < self->damages->len, NULL);

  return &g_array_index (self->damages, QrArchiveDamage, index);
}

static gboolean
set_read_error (QrArchive             *self,
                const QrArchiveMember *member,
                guint64                offset,
                int                    errsv,
                GError               **error)
{
  g_set_error (error, QR_ERROR, QR_ERROR_IO,
               _("Reading the backup failed at byte %llu (inside “%s”): %s."),
               (unsigned long long) offset, member->name, g_strerror (errsv));
  return FALSE;
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
  g_return_val_if_fail (member != NULL, FALSE);
  g_return_val_if_fail (offset <= member->size && length <= member->size - offset, FALSE);

  preloaded = g_hash_table_lookup (self->preloaded, member->name);
  if (preloaded != NULL)
    {
      memcpy (buffer, (const guint8 *) g_bytes_get_data (preloaded, NULL) + offset, length);
      return TRUE;
    }

  /* From a pipe, only the members kept at the start can be read again. */
  if (self->streaming)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                   _("The backup's parts are not in the order the backup tool writes them: "
                     "“%s” is not among its first parts. The backup was damaged, or save it "
                     "to a file first."),
                   member->name);
      return FALSE;
    }

  while (done < length)
    {
      guint64 at = member->offset + offset + done;
      ssize_t n = pread (self->fd, out + done, length - done, at);

      if (n < 0 && errno == EINTR)
        continue;

      if (n < 0)
        return set_read_error (self, member, at, errno, error);

      if (n == 0)
        {
          g_set_error (error, QR_ERROR, QR_ERROR_TRUNCATED,
                       _("The backup file ends early, inside “%s”: it was probably cut short "
                         "while being copied."),
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
