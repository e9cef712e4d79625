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

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qr-archive.h"
#include "qr-error.h"

/* A backup holds a few members per 100 MiB of data; far more than this
 * means the file is not what it claims to be. */
#define MAX_MEMBERS       (1024 * 1024)
#define MAX_NAME_LENGTH   1024
#define INDEX_BUFFER_SIZE (64 * 1024)
#define BLOCK_SIZE        512

/* The backup tool writes every member with `tar --posix`: a pax header
 * and its data, the ustar header and at least one block of data. A
 * damaged stretch of fewer blocks cannot have held a whole member. */
#define MIN_MEMBER_BLOCKS 4

/* After a read error, the index tries again this far on. */
#define UNREADABLE_SKIP (64 * 1024)

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
  char       *display_name;

  /* Members in archive order, and by name; damage in file order. */
  GPtrArray  *members;
  GHashTable *by_name;
  GArray     *damages;

  /* A pipe is read once, front to back: the reader stays open, the first
   * members are kept in memory, and the member after them waits. */
  gboolean    streaming;
  struct archive *stream;
  GHashTable *preloaded;
  QrArchiveMember *waiting;
  gboolean    stream_ended;

  /* The libarchive read callbacks' state: where the next read starts, the
   * cancellable of the call in progress, and the last read error. All of
   * it belongs to the one thread reading the archive at a time. */
  guint64       position;
  guint8       *buffer;
  GCancellable *cancellable;
  int           read_errno;
  guint64       read_error_offset;

  /* The damage being followed while indexing, if any. */
  gboolean    in_damage;
  QrArchiveDamage current;
  guint       garbled_blocks;
};

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

static struct archive *
reader_new (QrArchive *self,
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

static void
begin_damage (QrArchive           *self,
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

static void
end_damage (QrArchive *self,
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
static const QrArchiveMember *
add_member (QrArchive   *self,
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
static gboolean
entry_is_member (struct archive_entry *entry)
{
  const char *name = archive_entry_pathname (entry);

  return archive_entry_filetype (entry) == AE_IFREG && archive_entry_hardlink (entry) == NULL &&
         name != NULL && member_name_is_sane (name) && archive_entry_size (entry) >= 0;
}

/* ---- Indexing a file ---- */

static guint64
round_up_block (guint64 offset)
{
  return (offset + BLOCK_SIZE - 1) / BLOCK_SIZE * BLOCK_SIZE;
}

/* A 512-byte block that is a ustar header: its checksum and magic match.
 * Only used to find where to start reading again after damage. */
static gboolean
block_is_header (const guint8 *block)
{
  guint64 stored = 0, sum = 0;
  guint i;

  if (memcmp (block + 257, "ustar", 5) != 0)
    return FALSE;

  for (i = 148; i < 156 && block[i] == ' '; i++)
    ;
  for (; i < 156 && block[i] >= '0' && block[i] <= '7'; i++)
    stored = stored * 8 + (block[i] - '0');

  for (i = 0; i < BLOCK_SIZE; i++)
    sum += (i >= 148 && i < 156) ? ' ' : block[i];

  return sum == stored;
}

static gboolean
block_is_zero (const guint8 *block)
{
  return block[0] == 0 && memcmp (block, block + 1, BLOCK_SIZE - 1) == 0;
}

/* Finds the next tar header at or after @from, counting the non-zero
 * blocks passed as garbled. Returns the file's size when there is none.
 * Unreadable stretches are stepped over and recorded. */
static guint64
find_next_header (QrArchive    *self,
                  guint64       from,
                  GCancellable *cancellable)
{
  g_autofree guint8 *buffer = g_malloc (INDEX_BUFFER_SIZE);
  guint64 pos = round_up_block (from);

  while (pos + BLOCK_SIZE <= self->size && !g_cancellable_is_cancelled (cancellable))
    {
      gsize want = MIN (INDEX_BUFFER_SIZE, (self->size - pos) / BLOCK_SIZE * BLOCK_SIZE);
      ssize_t n = pread (self->fd, buffer, want, pos);

      if (n < 0 && errno == EINTR)
        continue;

      if (n <= 0)
        {
          begin_damage (self, QR_ARCHIVE_DAMAGE_UNREADABLE, pos);
          pos += UNREADABLE_SKIP;
          continue;
        }

      for (gsize i = 0; i + BLOCK_SIZE <= (gsize) n; i += BLOCK_SIZE, pos += BLOCK_SIZE)
        {
          if (block_is_header (buffer + i))
            return pos;
          if (!block_is_zero (buffer + i))
            self->garbled_blocks++;
        }
    }

  return self->size;
}

typedef enum
{
  PASS_DONE,
  PASS_RESYNC,
  PASS_FAILED,
} PassResult;

/* Takes one entry's header and skips its data. FALSE when the data runs
 * past the end of the file (the member was cut short), or with @error set. */
static gboolean
take_entry (QrArchive            *self,
            struct archive       *a,
            struct archive_entry *entry,
            guint64               start,
            guint64               before,
            GError              **error)
{
  guint64 offset = start + archive_filter_bytes (a, 0);
  GError *local_error = NULL;

  if (archive_read_data_skip (a) != ARCHIVE_OK || self->position > self->size)
    {
      begin_damage (self, QR_ARCHIVE_DAMAGE_CUT_SHORT, before);
      return FALSE;
    }

  if (!entry_is_member (entry))
    {
      begin_damage (self, QR_ARCHIVE_DAMAGE_GARBLED, before);
      self->garbled_blocks += MIN_MEMBER_BLOCKS;
      return TRUE;
    }

  end_damage (self, offset >= BLOCK_SIZE ? offset - BLOCK_SIZE : offset);
  add_member (self, archive_entry_pathname (entry), offset, archive_entry_size (entry),
              &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  return TRUE;
}

/* The last member must be followed by its two zero blocks; a file that
 * ends right after the data was cut there. */
static void
check_end (QrArchive *self)
{
  const QrArchiveMember *last;
  guint64 end;

  if (self->members->len == 0 || self->in_damage)
    return;

  last = g_ptr_array_index (self->members, self->members->len - 1);
  end = round_up_block (last->offset + last->size);
  if (self->size < end + 2 * BLOCK_SIZE)
    {
      begin_damage (self, QR_ARCHIVE_DAMAGE_CUT_SHORT, end);
      end_damage (self, self->size);
    }
}

/* Indexes from @start until the end or the next damage that libarchive
 * cannot read past; sets @resume to where reading should start again. */
static PassResult
index_pass (QrArchive     *self,
            guint64        start,
            guint64       *resume,
            GCancellable  *cancellable,
            GError       **error)
{
  struct archive *a = reader_new (self, start);
  struct archive_entry *entry;
  PassResult result = PASS_DONE;

  if (archive_read_open1 (a) != ARCHIVE_OK)
    {
      archive_read_free (a);
      /* A backup begins with a tar header; anything else is another kind
       * of file, which is not worth searching for headers. */
      if (start == 0 && self->read_errno == 0)
        {
          g_set_error (error, QR_ERROR, QR_ERROR_NOT_A_BACKUP,
                       _("“%s” is not a Qubes OS backup: it is not an archive."),
                       self->display_name);
          return PASS_FAILED;
        }
      if (self->read_errno != 0)
        begin_damage (self, QR_ARCHIVE_DAMAGE_UNREADABLE, start);
      else
        begin_damage (self, QR_ARCHIVE_DAMAGE_GARBLED, start);
      *resume = start + (self->read_errno != 0 ? UNREADABLE_SKIP : BLOCK_SIZE);
      return PASS_RESYNC;
    }

  for (;;)
    {
      guint64 before = start + archive_filter_bytes (a, 0);
      int r = archive_read_next_header (a, &entry);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          result = PASS_FAILED;
          break;
        }

      if (r == ARCHIVE_OK || r == ARCHIVE_WARN)
        {
          GError *local_error = NULL;

          if (!take_entry (self, a, entry, start, before, &local_error))
            {
              result = local_error != NULL ? PASS_FAILED : PASS_DONE;
              if (local_error != NULL)
                g_propagate_error (error, local_error);
              break;
            }
          continue;
        }

      if (r == ARCHIVE_EOF)
        {
          end_damage (self, self->size);
          check_end (self);
          break;
        }

      if (r == ARCHIVE_RETRY)
        {
          /* One block that is not a header, the last one libarchive read:
           * it steps over it. */
          begin_damage (self, QR_ARCHIVE_DAMAGE_GARBLED,
                        MAX (before, start + archive_filter_bytes (a, 0) - BLOCK_SIZE));
          self->garbled_blocks++;
          continue;
        }

      /* Fatal for libarchive: a read error, a header cut short by the end
       * of the file, or a header it cannot make sense of. */
      if (self->read_errno != 0)
        {
          begin_damage (self, QR_ARCHIVE_DAMAGE_UNREADABLE, self->read_error_offset);
          *resume = self->read_error_offset + UNREADABLE_SKIP;
        }
      else
        {
          begin_damage (self, QR_ARCHIVE_DAMAGE_GARBLED, before);
          self->garbled_blocks++;
          *resume = MAX (before + BLOCK_SIZE, start + archive_filter_bytes (a, 0));
        }
      result = PASS_RESYNC;
      break;
    }

  archive_read_free (a);
  return result;
}

static gboolean
build_index (QrArchive     *self,
             GCancellable  *cancellable,
             GError       **error)
{
  guint64 start = 0;
  PassResult result;

  self->buffer = g_malloc (INDEX_BUFFER_SIZE);

  do
    {
      guint64 resume = 0;

      result = index_pass (self, start, &resume, cancellable, error);
      if (result == PASS_RESYNC)
        start = find_next_header (self, resume, cancellable);
    }
  while (result == PASS_RESYNC && start < self->size);

  g_clear_pointer (&self->buffer, g_free);

  if (result == PASS_FAILED)
    return FALSE;

  /* Damage that runs to the end of the file: the file was cut there, or
   * what follows cannot be read. */
  if (self->in_damage && self->current.kind == QR_ARCHIVE_DAMAGE_GARBLED &&
      self->garbled_blocks == 0)
    self->current.kind = QR_ARCHIVE_DAMAGE_CUT_SHORT;
  end_damage (self, self->size);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  if (self->members->len == 0)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_NOT_A_BACKUP,
                   _("“%s” is not a Qubes OS backup: it is not an archive."),
                   self->display_name);
      return FALSE;
    }

  return TRUE;
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

/* ---- Reading a pipe ---- */

static void
set_stream_error (QrArchive  *self,
                  GError    **error)
{
  const char *why = archive_error_string (self->stream);

  if (g_cancellable_set_error_if_cancelled (self->cancellable, error))
    return;

  if (self->read_errno != 0)
    g_set_error (error, QR_ERROR, QR_ERROR_IO,
                 _("Reading the backup failed after %llu bytes: %s."),
                 (unsigned long long) self->position, g_strerror (self->read_errno));
  else
    g_set_error (error, QR_ERROR, QR_ERROR_TRUNCATED,
                 _("The backup ends early or is damaged after %llu bytes (%s): "
                   "it was probably cut short while being sent or copied."),
                 (unsigned long long) self->position, why ? why : "?");
}

/* Reads the next member's header from the stream and records it. */
static const QrArchiveMember *
stream_next (QrArchive  *self,
             GError    **error)
{
  struct archive_entry *entry;
  guint64 before;
  int r;

  while (!self->stream_ended)
    {
      before = archive_filter_bytes (self->stream, 0);
      r = archive_read_next_header (self->stream, &entry);

      if (r == ARCHIVE_EOF)
        {
          self->stream_ended = TRUE;
          end_damage (self, before);
          return NULL;
        }

      if (r == ARCHIVE_RETRY)
        {
          begin_damage (self, QR_ARCHIVE_DAMAGE_GARBLED, before);
          self->garbled_blocks++;
          continue;
        }

      if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
        {
          self->stream_ended = TRUE;
          set_stream_error (self, error);
          if (g_cancellable_is_cancelled (self->cancellable))
            return NULL;
          begin_damage (self, self->read_errno != 0 ? QR_ARCHIVE_DAMAGE_UNREADABLE
                                                    : QR_ARCHIVE_DAMAGE_CUT_SHORT, before);
          end_damage (self, self->position);
          return NULL;
        }

      if (!entry_is_member (entry))
        {
          begin_damage (self, QR_ARCHIVE_DAMAGE_GARBLED, before);
          self->garbled_blocks += MIN_MEMBER_BLOCKS;
          continue;
        }

      {
        GError *local_error = NULL;
        guint64 offset = archive_filter_bytes (self->stream, 0);
        const QrArchiveMember *member;

        end_damage (self, offset);
        member = add_member (self, archive_entry_pathname (entry), offset,
                             archive_entry_size (entry), &local_error);
        if (local_error != NULL)
          {
            self->stream_ended = TRUE;
            g_propagate_error (error, local_error);
            return NULL;
          }
        if (member != NULL)
          return member;
      }
    }

  return NULL;
}

static gboolean
open_stream (QrArchive     *self,
             GCancellable  *cancellable,
             GError       **error)
{
  const QrArchiveMember *member;
  GError *local_error = NULL;

  self->buffer = g_malloc (INDEX_BUFFER_SIZE);
  self->stream = reader_new (self, 0);
  self->cancellable = cancellable;

  if (archive_read_open1 (self->stream) != ARCHIVE_OK ||
      (member = stream_next (self, NULL)) == NULL)
    {
      if (!g_cancellable_set_error_if_cancelled (cancellable, error))
        g_set_error (error, QR_ERROR, QR_ERROR_NOT_A_BACKUP,
                     _("“%s” is not a Qubes OS backup: it is not an archive."),
                     self->display_name);
      self->cancellable = NULL;
      return FALSE;
    }

  while (member != NULL && member->size <= MAX_PRELOADED_SIZE &&
         g_hash_table_size (self->preloaded) < MAX_PRELOADED_MEMBERS)
    {
      g_autofree guint8 *data = g_malloc (MAX (member->size, 1));

      if (!qr_archive_read_data (self, data, member->size, cancellable, &local_error))
        break;

      g_hash_table_insert (self->preloaded, member->name,
                           g_bytes_new_take (g_steal_pointer (&data), member->size));
      self->cancellable = cancellable;
      member = stream_next (self, &local_error);
      if (local_error != NULL)
        break;
    }

  self->cancellable = NULL;
  self->waiting = (QrArchiveMember *) member;

  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

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

  if (self->streaming ? !open_stream (self, cancellable, &local_error)
                      : !build_index (self, cancellable, &local_error))
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

/* From a pipe: the member after the ones read so far, NULL at the end (or
 * with @error set). What was not read of the previous member is skipped. */
const QrArchiveMember *
qr_archive_next_member (QrArchive     *self,
                        GCancellable  *cancellable,
                        GError       **error)
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

  self->cancellable = cancellable;
  member = stream_next (self, error);
  self->cancellable = NULL;
  return member;
}

/* From a pipe: the next @length bytes of the current member's data. */
gboolean
qr_archive_read_data (QrArchive     *self,
                      void          *buffer,
                      gsize          length,
                      GCancellable  *cancellable,
                      GError       **error)
{
  guint8 *out = buffer;
  gsize done = 0;
  gboolean ok = TRUE;

  g_return_val_if_fail (QR_IS_ARCHIVE (self), FALSE);
  g_return_val_if_fail (self->streaming, FALSE);

  self->cancellable = cancellable;
  while (done < length)
    {
      la_ssize_t n = archive_read_data (self->stream, out + done, length - done);

      if (n <= 0)
        {
          if (n == 0)
            archive_set_error (self->stream, EPIPE, "%s", _("end of data"));
          set_stream_error (self, error);
          ok = FALSE;
          break;
        }

      done += n;
    }
  self->cancellable = NULL;

  return ok;
}
