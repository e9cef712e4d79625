/* qr-archive-stream.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Reading a backup from a pipe: once, front to back; the first members are
 * kept, the rest handed out as they come. */

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>

#include "qr-archive-private.h"
#include "qr-error.h"


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
          _qr_archive_end_damage (self, before);
          return NULL;
        }

      if (r == ARCHIVE_RETRY)
        {
          _qr_archive_begin_damage (self, QR_ARCHIVE_DAMAGE_GARBLED, before);
          self->garbled_blocks++;
          continue;
        }

      if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
        {
          self->stream_ended = TRUE;
          set_stream_error (self, error);
          if (g_cancellable_is_cancelled (self->cancellable))
            return NULL;
          _qr_archive_begin_damage (self, self->read_errno != 0 ? QR_ARCHIVE_DAMAGE_UNREADABLE
                                                    : QR_ARCHIVE_DAMAGE_CUT_SHORT, before);
          _qr_archive_end_damage (self, self->position);
          return NULL;
        }

      if (!_qr_archive_entry_is_member (entry))
        {
          _qr_archive_begin_damage (self, QR_ARCHIVE_DAMAGE_GARBLED, before);
          self->garbled_blocks += MIN_MEMBER_BLOCKS;
          continue;
        }

      {
        GError *local_error = NULL;
        guint64 offset = archive_filter_bytes (self->stream, 0);
        const QrArchiveMember *member;

        _qr_archive_end_damage (self, offset);
        member = _qr_archive_add_member (self, archive_entry_pathname (entry), offset,
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

gboolean
_qr_archive_open_stream (QrArchive     *self,
                         GCancellable  *cancellable,
                         GError       **error)
{
  const QrArchiveMember *member;
  GError *local_error = NULL;

  self->buffer = g_malloc (INDEX_BUFFER_SIZE);
  self->stream = _qr_archive_reader_new (self, 0);
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
