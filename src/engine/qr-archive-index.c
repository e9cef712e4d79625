/* qr-archive-index.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Indexing a backup file: every member found by its tar header, the data
 * seeked over, and damage recorded and read past. */

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <unistd.h>

#include "qr-archive-private.h"
#include "qr-error.h"


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
          _qr_archive_begin_damage (self, QR_ARCHIVE_DAMAGE_UNREADABLE, pos);
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
      _qr_archive_begin_damage (self, QR_ARCHIVE_DAMAGE_CUT_SHORT, before);
      return FALSE;
    }

  if (!_qr_archive_entry_is_member (entry))
    {
      _qr_archive_begin_damage (self, QR_ARCHIVE_DAMAGE_GARBLED, before);
      self->garbled_blocks += MIN_MEMBER_BLOCKS;
      return TRUE;
    }

  _qr_archive_end_damage (self, offset >= BLOCK_SIZE ? offset - BLOCK_SIZE : offset);
  _qr_archive_add_member (self, archive_entry_pathname (entry), offset, archive_entry_size (entry),
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
      _qr_archive_begin_damage (self, QR_ARCHIVE_DAMAGE_CUT_SHORT, end);
      _qr_archive_end_damage (self, self->size);
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
  struct archive *a = _qr_archive_reader_new (self, start);
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
        _qr_archive_begin_damage (self, QR_ARCHIVE_DAMAGE_UNREADABLE, start);
      else
        _qr_archive_begin_damage (self, QR_ARCHIVE_DAMAGE_GARBLED, start);
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
          _qr_archive_end_damage (self, self->size);
          check_end (self);
          break;
        }

      if (r == ARCHIVE_RETRY)
        {
          /* One block that is not a header, the last one libarchive read:
           * it steps over it. */
          _qr_archive_begin_damage (self, QR_ARCHIVE_DAMAGE_GARBLED,
                        MAX (before, start + archive_filter_bytes (a, 0) - BLOCK_SIZE));
          self->garbled_blocks++;
          continue;
        }

      /* Fatal for libarchive: a read error, a header cut short by the end
       * of the file, or a header it cannot make sense of. */
      if (self->read_errno != 0)
        {
          _qr_archive_begin_damage (self, QR_ARCHIVE_DAMAGE_UNREADABLE, self->read_error_offset);
          *resume = self->read_error_offset + UNREADABLE_SKIP;
        }
      else
        {
          _qr_archive_begin_damage (self, QR_ARCHIVE_DAMAGE_GARBLED, before);
          self->garbled_blocks++;
          *resume = MAX (before + BLOCK_SIZE, start + archive_filter_bytes (a, 0));
        }
      result = PASS_RESYNC;
      break;
    }

  archive_read_free (a);
  return result;
}

gboolean
_qr_archive_build_index (QrArchive     *self,
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
  _qr_archive_end_damage (self, self->size);

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
