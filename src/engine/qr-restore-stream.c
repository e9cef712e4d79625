/* qr-restore-stream.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A restore from a pipe: the backup is read once, front to back. Chunks of
 * the chosen qubes are read whole as they arrive, their keys are derived a
 * few ahead, and everything else is skipped by reading on. */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qr-error.h"
#include "qr-restore-private.h"

/* Chunks read and waiting for their keys. With the one being unpacked,
 * this uses every buffer, so memory stays as bounded as from a file. */
#define STREAM_WINDOW (N_BUFFERS - 1)

/* Decrypts a chunk that is already whole in memory (read from a pipe). */
static gboolean
decrypt_chunk_in_place (QrScryptKey  *key,
                        guint8       *buffer,
                        gsize         size,
                        GError      **error)
{
  g_autoptr(QrScryptDecryptor) decryptor = NULL;
  QrScryptParams params;
  gsize end = size - QR_SCRYPT_MAC_SIZE;

  if (!_qr_restore_check_chunk_header (key, buffer, &params, error))
    return FALSE;

  decryptor = qr_scrypt_decryptor_new (key, &params);
  qr_scrypt_decryptor_update (decryptor, buffer + QR_SCRYPT_HEADER_SIZE,
                              buffer + QR_SCRYPT_HEADER_SIZE, end - QR_SCRYPT_HEADER_SIZE);
  return qr_scrypt_decryptor_finish (decryptor, buffer + end, error);
}

typedef struct
{
  guint         index;
  QrSeries     *series;
  guint         chunk;
  int           buffer;
  gsize         size;
  QrKdfRequest *request;
} Pending;

typedef struct
{
  QrRestore *self;
  GQueue     pending;
  GPtrArray *all_series;
  gboolean  *begun;
  int        item;
  QrSeries  *series;
} Stream;

static void
fail_stream_series (Stream *stream,
                    GError *error)
{
  _qr_restore_fail_plan (stream->self, stream->item, error);
  _qr_restore_send (stream->self, MESSAGE_ABORT, stream->item, stream->series);
}

static void
process_oldest (Stream *stream)
{
  QrRestore *self = stream->self;
  Pending *pending = g_queue_pop_head (&stream->pending);
  Plan *plan = g_ptr_array_index (self->plans, pending->index);
  g_autoptr(QrScryptKey) key = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_atomic_int_get (&plan->failed))
    {
      _qr_restore_report_chunk (self, QR_RESTORE_PHASE_DERIVING_KEY, plan, pending->series,
                                pending->chunk);
      key = qr_kdf_request_wait (pending->request, self->cancellable, &error);
      if (key != NULL && pending->chunk == 0 &&
          pending->series == g_ptr_array_index (plan->series, 0))
        _qr_restore_report_state (self, pending->index, QR_RESTORE_STATE_RESTORING);

      if (key != NULL &&
          decrypt_chunk_in_place (key, self->buffers[pending->buffer], pending->size, &error))
        {
          _qr_restore_queue_verified (self, pending->index, pending->series, pending->chunk,
                                      pending->buffer, pending->size);
          pending->buffer = -1;
        }
      else
        {
          if (_qr_restore_is_fatal (error))
            _qr_restore_set_fatal (self, error);
          fail_stream_series (stream, _qr_restore_chunk_error (plan, pending->series,
                                                               pending->chunk,
                                                               g_steal_pointer (&error)));
        }
    }

  if (pending->buffer >= 0)
    _qr_restore_give_buffer (self, self->buffers[pending->buffer]);
  qr_kdf_request_unref (pending->request);
  g_free (pending);
}

static void
close_series (Stream *stream)
{
  if (stream->series == NULL)
    return;

  while (!g_queue_is_empty (&stream->pending))
    process_oldest (stream);

  _qr_restore_send (stream->self, MESSAGE_END_SERIES, stream->item, stream->series);
  stream->series = NULL;
}

static void
close_item (Stream *stream)
{
  close_series (stream);
  if (stream->item < 0)
    return;

  _qr_restore_send (stream->self, MESSAGE_END_ITEM, stream->item, NULL);
  stream->item = -1;
}

static int
plan_for_series (QrRestore  *self,
                 const char *path)
{
  for (guint i = 0; i < self->plans->len; i++)
    {
      Plan *plan = g_ptr_array_index (self->plans, i);

      if (_qr_backup_series_belongs_to (path, plan->qube))
        return i;
    }

  return -1;
}

static gboolean
enter_item (Stream *stream,
            int     index)
{
  QrRestore *self = stream->self;
  Plan *plan = g_ptr_array_index (self->plans, index);

  if (index == stream->item)
    return TRUE;

  if (g_atomic_int_get (&plan->failed))
    return FALSE;

  close_item (stream);
  if (stream->begun[index])
    {
      /* A qube's files come one after the other; parts of it found again
       * later were moved there. */
      GError *error = g_error_new (QR_ERROR, QR_ERROR_DAMAGED,
                                   _("The parts of qube “%s” are not together in the "
                                     "backup: the backup was damaged or tampered with."),
                                   qr_qube_get_name (plan->qube));

      _qr_restore_fail_plan (self, index, error);
      _qr_restore_send (self, MESSAGE_RETRACT_ITEM, index, NULL);
      return FALSE;
    }

  stream->begun[index] = TRUE;
  stream->item = index;
  _qr_restore_send (self, MESSAGE_BEGIN_ITEM, index, NULL);
  _qr_restore_report_state (self, index, QR_RESTORE_STATE_DERIVING_KEY);
  return TRUE;
}

static void
enter_series (Stream     *stream,
              const char *path)
{
  Plan *plan = g_ptr_array_index (stream->self->plans, stream->item);
  QrSeries *series;

  if (stream->series != NULL && g_str_equal (stream->series->path, path))
    return;

  close_series (stream);
  series = g_new0 (QrSeries, 1);
  series->path = g_strdup (path);
  series->chunks = g_ptr_array_new ();
  g_ptr_array_add (stream->all_series, series);
  g_ptr_array_add (plan->series, series);
  stream->series = series;
  _qr_restore_send (stream->self, MESSAGE_BEGIN_SERIES, stream->item, series);
}

/* Reads one chunk whole and asks for its key; FALSE when the pipe failed. */
static gboolean
read_stream_chunk (Stream                *stream,
                   const QrArchiveMember *member,
                   guint                  chunk)
{
  QrRestore *self = stream->self;
  QrArchive *archive = _qr_backup_get_archive (self->backup);
  Plan *plan = g_ptr_array_index (self->plans, stream->item);
  QrKdfPool *pool = self->pool ? self->pool : _qr_backup_get_pool (self->backup);
  g_autofree char *prefix = _qr_backup_dup_chunk_prefix (self->backup, member);
  g_autoptr(GError) error = NULL;
  QrScryptParams params;
  Pending *pending;
  int buffer;

  while (g_queue_get_length (&stream->pending) >= STREAM_WINDOW)
    process_oldest (stream);

  if (g_atomic_int_get (&plan->failed))
    return TRUE;

  _qr_restore_report_chunk (self, QR_RESTORE_PHASE_VERIFYING, plan, stream->series, chunk);
  if ((buffer = _qr_restore_take_buffer (self, member->size)) < 0)
    return FALSE;

  if (!qr_archive_read_data (archive, self->buffers[buffer], member->size, &error))
    {
      _qr_restore_give_buffer (self, self->buffers[buffer]);
      _qr_restore_set_fatal (self, error);
      fail_stream_series (stream, _qr_restore_chunk_error (plan, stream->series, chunk,
                                                           g_steal_pointer (&error)));
      return FALSE;
    }

  if (!qr_scrypt_params_parse (self->buffers[buffer], member->size, &params, &error))
    {
      _qr_restore_give_buffer (self, self->buffers[buffer]);
      fail_stream_series (stream, _qr_restore_chunk_error (plan, stream->series, chunk,
                                                           g_steal_pointer (&error)));
      return TRUE;
    }

  pending = g_new0 (Pending, 1);
  pending->index = stream->item;
  pending->series = stream->series;
  pending->chunk = chunk;
  pending->buffer = buffer;
  pending->size = member->size;
  pending->request = qr_kdf_pool_submit (pool, &params, prefix,
                                         _qr_backup_get_passphrase (self->backup));
  g_queue_push_tail (&stream->pending, pending);
  return TRUE;
}

/* Takes one member of the pipe: a chunk of a selected qube is read, and
 * anything else is skipped by reading on. FALSE stops the stream. */
static gboolean
stream_member (Stream                *stream,
               const QrArchiveMember *member)
{
  QrRestore *self = stream->self;
  g_autofree char *path = NULL;
  guint chunk;
  int index;

  if (!_qr_backup_parse_chunk_name (member->name, &path, &chunk) ||
      (index = plan_for_series (self, path)) < 0 ||
      !enter_item (stream, index))
    return TRUE;

  if (g_atomic_int_get (&((Plan *) g_ptr_array_index (self->plans, index))->failed))
    return TRUE;

  enter_series (stream, path);

  if (chunk != stream->series->chunks->len)
    fail_stream_series (stream, g_error_new (QR_ERROR, QR_ERROR_DAMAGED,
                                             _("Part %u of “%s” is missing or out of order in "
                                               "the backup: the backup was damaged or tampered "
                                               "with."),
                                             stream->series->chunks->len + 1, path));
  else if (member->size < QR_SCRYPT_OVERHEAD || member->size > QR_MAX_CHUNK_SIZE)
    fail_stream_series (stream, g_error_new (QR_ERROR, QR_ERROR_DAMAGED,
                                             _("Part %u of “%s” has an impossible size: the "
                                               "backup is damaged."),
                                             chunk + 1, path));
  else
    {
      g_ptr_array_add (stream->series->chunks, (gpointer) member);
      return read_stream_chunk (stream, member, chunk);
    }

  return TRUE;
}

void
_qr_restore_read_stream (QrRestore *self)
{
  QrArchive *archive = _qr_backup_get_archive (self->backup);
  Stream stream = { self, G_QUEUE_INIT, NULL, NULL, -1, NULL };
  const QrArchiveMember *member;
  g_autoptr(GError) error = NULL;

  /* Series met in the pipe live as long as the plans that list them. */
  self->stream_series = g_ptr_array_new_with_free_func ((GDestroyNotify) _qr_series_free);
  stream.all_series = self->stream_series;
  stream.begun = g_new0 (gboolean, self->plans->len);

  for (guint i = 0; i < self->plans->len; i++)
    {
      Plan *plan = g_ptr_array_index (self->plans, i);

      if (plan->error != NULL)
        {
          _qr_restore_fail_plan (self, i, g_error_copy (plan->error));
          _qr_restore_report_state (self, i, QR_RESTORE_STATE_FAILED);
          stream.begun[i] = TRUE;
        }
    }

  while (!g_cancellable_is_cancelled (self->cancellable) &&
         (member = qr_archive_next_member (archive, &error)) != NULL)
    {
      if (!stream_member (&stream, member))
        break;
    }

  if (error != NULL)
    {
      _qr_restore_set_fatal (self, error);
      if (stream.series != NULL)
        fail_stream_series (&stream, g_error_copy (error));
    }
  close_item (&stream);

  /* What was selected and never met is not in the backup. */
  for (guint i = 0; i < self->plans->len; i++)
    {
      Plan *plan = g_ptr_array_index (self->plans, i);

      if (stream.begun[i])
        continue;

      if (g_cancellable_is_cancelled (self->cancellable))
        _qr_restore_fail_plan (self, i, _qr_restore_stop_reason (self));
      else
        _qr_restore_fail_plan (self, i, _qr_restore_missing_files_error (plan));
      _qr_restore_report_state (self, i, QR_RESTORE_STATE_FAILED);
    }

  g_free (stream.begun);
}
