/* qr-restore-stream.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The reader of a restore from a pipe: the backup is read once, front to
 * back. Chunks of the chosen qubes are read whole as they arrive, their
 * keys are derived a few ahead, and everything else is skipped by reading
 * on. What a qube must hold is checked once its last part went by, and
 * what never came is reported at the end. */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qr-error.h"
#include "qr-restore-reader.h"

/* Chunks read and waiting for their keys. With the one being unpacked,
 * this uses every buffer, so memory stays as bounded as from a file. */
#define STREAM_WINDOW 2

typedef struct
{
  guint         index;
  QrSeries     *series;
  guint         chunk;
  guint8       *buffer;
  gsize         size;
  QrKdfRequest *request;
} Pending;

typedef struct
{
  QrRestoreRun *run;
  GQueue        pending;
  gboolean     *begun;
  int           item;
  QrSeries     *series;
  /* Salvage: the current series' stream was ended by a gap. */
  gboolean      series_ended;
} Stream;

/* Decrypts a chunk that is already whole in memory. */
static gboolean
decrypt_chunk_in_place (QrScryptKey  *key,
                        guint8       *buffer,
                        gsize         size,
                        GError      **error)
{
  g_autoptr(QrScryptDecryptor) decryptor = NULL;
  QrScryptParams params;
  gsize end = size - QR_SCRYPT_MAC_SIZE;

  if (!qr_restore_run_check_header (key, buffer, &params, error))
    return FALSE;

  decryptor = qr_scrypt_decryptor_new (key, &params);
  qr_scrypt_decryptor_update (decryptor, buffer + QR_SCRYPT_HEADER_SIZE,
                              buffer + QR_SCRYPT_HEADER_SIZE, end - QR_SCRYPT_HEADER_SIZE);
  return qr_scrypt_decryptor_finish (decryptor, buffer + end, error);
}

static void
fail_series (Stream *stream,
             GError *error)
{
  qr_restore_run_fail (stream->run, stream->item, error);
  qr_restore_queue_send (stream->run->queue, QR_RESTORE_MESSAGE_ABORT, stream->item,
                         stream->series);
}

static void
fail_pending (Stream  *stream,
              Pending *pending,
              GError  *error)
{
  qr_restore_run_fail_chunk (stream->run, pending->index, pending->series, pending->chunk, 0,
                             error);
  qr_restore_queue_send (stream->run->queue, QR_RESTORE_MESSAGE_ABORT, stream->item,
                         stream->series);
}

/* Salvage: a chunk that could not be verified is a gap of its length, and
 * the file goes on; without salvage, or when the machine failed, its
 * qube fails. */
static void
fail_or_gap (Stream  *stream,
             Pending *pending,
             GError  *error)
{
  QrRestoreRun *run = stream->run;
  QrRestorePlan *plan = g_ptr_array_index (run->plans, pending->index);

  if (!run->salvage || qr_restore_run_stops_all (error, FALSE))
    {
      fail_pending (stream, pending, error);
      return;
    }

  qr_restore_queue_send_gap (run->queue, pending->index, pending->size - QR_SCRYPT_OVERHEAD,
                             pending->size,
                             qr_restore_run_chunk_error (plan, pending->series, pending->chunk, 0,
                                                         error));
}

static void
process_oldest (Stream *stream)
{
  QrRestoreRun *run = stream->run;
  Pending *pending = g_queue_pop_head (&stream->pending);
  QrRestorePlan *plan = g_ptr_array_index (run->plans, pending->index);
  g_autoptr(QrScryptKey) key = NULL;
  GError *error = NULL;

  if (!g_atomic_int_get (&plan->failed))
    {
      qr_restore_run_report_chunk (run, QR_RESTORE_PHASE_DERIVING_KEY, plan, pending->series,
                                   pending->chunk);
      key = qr_kdf_request_wait (pending->request, run->cancellable, &error);
      if (key != NULL && pending->chunk == 0 &&
          pending->series == g_ptr_array_index (plan->series, 0))
        qr_restore_progress_report_state (run->progress, pending->index,
                                          QR_RESTORE_STATE_RESTORING);

      if (key != NULL && decrypt_chunk_in_place (key, pending->buffer, pending->size, &error))
        {
          qr_restore_run_queue_verified (run, pending->index, pending->series, pending->chunk,
                                         pending->buffer, pending->size);
          pending->buffer = NULL;
        }
      else
        fail_or_gap (stream, pending, error);
    }

  if (pending->buffer != NULL)
    qr_restore_queue_give_buffer (run->queue, pending->buffer);
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

  qr_restore_queue_send (stream->run->queue, QR_RESTORE_MESSAGE_END_SERIES, stream->item,
                         stream->series);
  stream->series = NULL;
}

/* A qube's parts all went by: what the ledger now knows to be missing of
 * it (a disk image, damage next to its parts) fails it before it is
 * finished. */
static void
close_item (Stream *stream)
{
  QrRestoreRun *run = stream->run;
  QrRestorePlan *plan;
  g_autoptr(GPtrArray) problems = NULL;

  close_series (stream);
  if (stream->item < 0)
    return;

  plan = g_ptr_array_index (run->plans, stream->item);
  problems = qr_ledger_dup_problems (run->ledger, plan->qube);
  if (problems->len > 0)
    qr_restore_run_fail (run, stream->item, g_error_copy (g_ptr_array_index (problems, 0)));

  qr_restore_queue_send (run->queue, QR_RESTORE_MESSAGE_END_ITEM, stream->item, NULL);
  stream->item = -1;
}

static int
plan_for_series (QrRestoreRun *run,
                 const char   *path)
{
  for (guint i = 0; i < run->plans->len; i++)
    {
      QrRestorePlan *plan = g_ptr_array_index (run->plans, i);

      if (qr_ledger_series_belongs_to (path, plan->qube))
        return i;
    }

  return -1;
}

static gboolean
enter_item (Stream *stream,
            int     index)
{
  QrRestoreRun *run = stream->run;
  QrRestorePlan *plan = g_ptr_array_index (run->plans, index);

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

      qr_restore_run_fail (run, index, error);
      qr_restore_queue_send (run->queue, QR_RESTORE_MESSAGE_RETRACT_ITEM, index, NULL);
      return FALSE;
    }

  stream->begun[index] = TRUE;
  stream->item = index;
  qr_restore_queue_send (run->queue, QR_RESTORE_MESSAGE_BEGIN_ITEM, index, NULL);
  qr_restore_progress_report_state (run->progress, index, QR_RESTORE_STATE_DERIVING_KEY);
  return TRUE;
}

static void
enter_series (Stream   *stream,
              QrSeries *series)
{
  QrRestorePlan *plan = g_ptr_array_index (stream->run->plans, stream->item);

  if (stream->series == series)
    return;

  close_series (stream);
  g_ptr_array_add (plan->series, series);
  stream->series = series;
  stream->series_ended = FALSE;
  qr_restore_queue_send (stream->run->queue, QR_RESTORE_MESSAGE_BEGIN_SERIES, stream->item,
                         series);
}

/* Reads one chunk whole and asks for its key; FALSE when the pipe failed. */
static gboolean
read_chunk (Stream                *stream,
            const QrArchiveMember *member,
            guint                  chunk)
{
  QrRestoreRun *run = stream->run;
  QrRestorePlan *plan = g_ptr_array_index (run->plans, stream->item);
  g_autofree char *prefix = _qr_backup_dup_chunk_prefix (run->backup, member);
  GError *error = NULL;
  QrScryptParams params;
  Pending *pending;
  guint8 *buffer;

  while (g_queue_get_length (&stream->pending) >= STREAM_WINDOW)
    process_oldest (stream);

  if (g_atomic_int_get (&plan->failed))
    return TRUE;

  qr_restore_run_report_chunk (run, QR_RESTORE_PHASE_VERIFYING, plan, stream->series, chunk);
  if ((buffer = qr_restore_queue_take_buffer (run->queue, member->size, run->cancellable)) == NULL)
    return FALSE;

  if (!qr_archive_read_data (run->archive, buffer, member->size, run->cancellable, &error))
    {
      /* A pipe cut short loses what did not come; any other failure to
       * read it loses everything after. */
      qr_restore_queue_give_buffer (run->queue, buffer);
      if (!g_error_matches (error, QR_ERROR, QR_ERROR_TRUNCATED))
        qr_restore_run_stop (run, error);
      fail_series (stream, qr_restore_run_chunk_error (plan, stream->series, chunk, 0, error));
      return FALSE;
    }

  if (!qr_scrypt_params_parse (buffer, member->size, &params, &error))
    {
      qr_restore_queue_give_buffer (run->queue, buffer);
      fail_series (stream, qr_restore_run_chunk_error (plan, stream->series, chunk, 0, error));
      return TRUE;
    }

  pending = g_new0 (Pending, 1);
  pending->index = stream->item;
  pending->series = stream->series;
  pending->chunk = chunk;
  pending->buffer = buffer;
  pending->size = member->size;
  pending->request = qr_kdf_pool_submit (run->pool, &params, prefix, run->passphrase);
  g_queue_push_tail (&stream->pending, pending);
  return TRUE;
}

/* Takes one member of the pipe: a chunk of a selected qube is read, and
 * anything else is skipped by reading on. FALSE stops the stream. */
static gboolean
take_member (Stream                *stream,
             const QrArchiveMember *member)
{
  QrRestoreRun *run = stream->run;
  guint chunk = 0;
  QrSeries *series = qr_ledger_add_member (run->ledger, member, &chunk);
  int index;

  if (series == NULL || (index = plan_for_series (run, series->path)) < 0 ||
      !enter_item (stream, index))
    return TRUE;

  if (g_atomic_int_get (&((QrRestorePlan *) g_ptr_array_index (run->plans, index))->failed))
    return TRUE;

  enter_series (stream, series);

  /* A part out of its place, or after a gap, fails the file; salvaged, the
   * file ends there, since a pipe tells nothing of how much is missing. */
  if (series->error != NULL && run->salvage)
    {
      if (!stream->series_ended)
        qr_restore_queue_send_gap (run->queue, stream->item, 0, 0,
                                   g_error_copy (series->error));
      stream->series_ended = TRUE;
      return TRUE;
    }

  if (series->error != NULL)
    {
      fail_series (stream, g_error_copy (series->error));
      return TRUE;
    }

  return read_chunk (stream, member, chunk);
}

/* What was selected and never met is not in the backup, or not read. */
static void
fail_unmet (Stream *stream)
{
  QrRestoreRun *run = stream->run;

  for (guint i = 0; i < run->plans->len; i++)
    {
      QrRestorePlan *plan = g_ptr_array_index (run->plans, i);

      if (stream->begun[i])
        continue;

      if (!qr_restore_run_is_stopped (run))
        {
          g_autoptr(GPtrArray) problems = qr_ledger_dup_problems (run->ledger, plan->qube);

          if (problems->len > 0)
            qr_restore_run_fail (run, i, g_error_copy (g_ptr_array_index (problems, 0)));
        }
      qr_restore_run_report_failed (run, i);
    }
}

void
qr_restore_read_stream (QrRestoreRun *run)
{
  Stream stream = { run, G_QUEUE_INIT, g_new0 (gboolean, run->plans->len), -1, NULL, FALSE };
  const QrArchiveMember *member;
  GError *error = NULL;

  for (guint i = 0; i < run->plans->len; i++)
    {
      if (qr_restore_run_is_failed (run, i))
        {
          qr_restore_run_report_failed (run, i);
          stream.begun[i] = TRUE;
        }
    }

  while (!qr_restore_run_is_stopped (run) &&
         (member = qr_archive_next_member (run->archive, run->cancellable, &error)) != NULL)
    {
      if (!take_member (&stream, member))
        break;
    }

  if (error != NULL)
    {
      if (stream.series != NULL)
        fail_series (&stream, g_error_copy (error));
      if (!g_error_matches (error, QR_ERROR, QR_ERROR_TRUNCATED))
        qr_restore_run_stop (run, error);
      g_clear_error (&error);
    }

  close_item (&stream);
  fail_unmet (&stream);
  g_free (stream.begun);
}
