/* qr-restore-reader.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The reader of a restore from a file. What a part of a file is, how it
 * is proven and how it becomes the file's inner stream belongs to the
 * backup's format, its codec; what is read when, and what a failure costs,
 * is the same for every format and lives here.
 *
 * A key (format 4) needs only its chunk's 96-byte header, so keys are
 * asked for a window ahead of the chunk being read, in archive order, and
 * derived while earlier chunks are read, verified and decrypted. Only the
 * chunks in the window hold keys: the state of a backup of any size stays
 * small. A chunk's plaintext goes to the extractor only once it is proven. */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qr-error.h"
#include "qr-restore-reader.h"
#include "qr-restore-tree.h"

typedef struct
{
  guint     plan;
  QrSeries *series;
  guint     chunk;
} ChunkRef;

typedef struct
{
  QrRestoreRun   *run;
  QrRestoreCodec *codec;
  GArray         *chunks;
  GPtrArray      *requests;
  guint           next_request;
  guint           window;
} Reader;

static void
fail_chunk (Reader   *reader,
            ChunkRef *ref,
            GError   *error)
{
  qr_restore_run_fail_chunk (reader->run, ref->plan, ref->series, ref->chunk,
                             ref->series->chunks->len, error);
}

static const QrArchiveMember *
chunk_member (ChunkRef *ref)
{
  return g_ptr_array_index (ref->series->chunks, ref->chunk);
}

/* Asks for the key of one chunk, from its header; %NULL without an error
 * when the format has no keys. */
static QrKdfRequest *
request_key (Reader   *reader,
             ChunkRef *ref,
             GError  **error)
{
  const QrArchiveMember *member = chunk_member (ref);

  if (member == NULL)
    {
      g_set_error_literal (error, QR_ERROR, QR_ERROR_TRUNCATED,
                           _("it is missing from the backup file."));
      return NULL;
    }

  return qr_restore_codec_request_key (reader->codec, reader->run->archive, member, error);
}

/* Asks for the keys of the chunks up to a window ahead of @current. A
 * chunk whose key cannot be asked for says why once it is reached. */
static void
request_ahead (Reader *reader,
               guint   current)
{
  QrRestoreRun *run = reader->run;

  for (; reader->next_request < reader->chunks->len &&
         reader->next_request < current + reader->window; reader->next_request++)
    {
      ChunkRef *ref = &g_array_index (reader->chunks, ChunkRef, reader->next_request);

      if (!qr_restore_run_is_failed (run, ref->plan))
        g_ptr_array_index (reader->requests, reader->next_request) =
          request_key (reader, ref, NULL);
    }
}

/* Waits for the chunk's key, if its format has keys; FALSE with @error
 * when there is none to be had. */
static gboolean
wait_key (Reader        *reader,
          guint          index,
          QrScryptKey  **key,
          GError       **error)
{
  QrRestoreRun *run = reader->run;
  ChunkRef *ref = &g_array_index (reader->chunks, ChunkRef, index);
  QrRestorePlan *plan = g_ptr_array_index (run->plans, ref->plan);
  g_autoptr(QrKdfRequest) request = NULL;
  GError *local_error = NULL;

  *key = NULL;
  request_ahead (reader, index);
  request = g_steal_pointer (&g_ptr_array_index (reader->requests, index));
  if (request == NULL && (request = request_key (reader, ref, &local_error)) == NULL)
    {
      if (local_error == NULL)
        return TRUE;

      g_propagate_error (error, local_error);
      return FALSE;
    }

  qr_restore_run_report_chunk (run, QR_RESTORE_PHASE_DERIVING_KEY, plan, ref->series,
                               ref->chunk);
  *key = qr_kdf_request_wait (request, run->cancellable, error);
  return *key != NULL;
}

/* The plaintext of a proven chunk goes to the extractor, which gives its
 * buffer back once unpacked; @weight is the backup's bytes it stands for. */
static void
queue_plain (Reader               *reader,
             ChunkRef             *ref,
             const QrRestorePlain *plain,
             gsize                 weight)
{
  QrRestoreRun *run = reader->run;
  QrRestorePlan *plan = g_ptr_array_index (run->plans, ref->plan);

  qr_restore_run_report_chunk (run, run->destination ? QR_RESTORE_PHASE_WRITING
                                                     : QR_RESTORE_PHASE_VERIFYING,
                               plan, ref->series, ref->chunk);
  qr_restore_queue_send_data (run->queue, ref->plan, plain->buffer, plain->offset, plain->length,
                              weight);
}

/* Turns a proven chunk in @buffer into plaintext, in place or in a buffer
 * of its own, and queues it. Takes @buffer. */
static gboolean
decode_chunk (Reader    *reader,
              ChunkRef  *ref,
              guint8    *buffer,
              GError   **error)
{
  QrRestoreRun *run = reader->run;
  const QrArchiveMember *member = chunk_member (ref);
  gsize output_size = qr_restore_codec_output_size (reader->codec, member);
  gboolean last = ref->chunk + 1 == ref->series->chunks->len;
  guint8 *output = NULL;
  QrRestorePlain plain;

  if (output_size > 0 &&
      (output = qr_restore_queue_take_buffer (run->queue, output_size, run->cancellable)) == NULL)
    {
      qr_restore_queue_give_buffer (run->queue, buffer);
      g_cancellable_set_error_if_cancelled (run->cancellable, error);
      return FALSE;
    }

  if (!qr_restore_codec_decode (reader->codec, ref->series, ref->chunk, buffer, member->size,
                                last, output, output_size, &plain, error))
    {
      qr_restore_queue_give_buffer (run->queue, buffer);
      if (output != NULL)
        qr_restore_queue_give_buffer (run->queue, output);
      return FALSE;
    }

  if (output != NULL)
    qr_restore_queue_give_buffer (run->queue, buffer);
  queue_plain (reader, ref, &plain, member->size);
  return TRUE;
}

/* Proves one chunk and queues its plaintext; FALSE with @error when it
 * cannot be proven or decoded. */
static gboolean
process_chunk (Reader  *reader,
               guint    index,
               GError **error)
{
  QrRestoreRun *run = reader->run;
  ChunkRef *ref = &g_array_index (reader->chunks, ChunkRef, index);
  QrRestorePlan *plan = g_ptr_array_index (run->plans, ref->plan);
  const QrArchiveMember *member = chunk_member (ref);
  g_autoptr(QrScryptKey) key = NULL;
  guint8 *buffer;

  if (!wait_key (reader, index, &key, error))
    return FALSE;

  if (ref->chunk == 0 && ref->series == g_ptr_array_index (plan->series, 0))
    qr_restore_progress_report_state (run->progress, ref->plan, QR_RESTORE_STATE_RESTORING);

  qr_restore_run_report_chunk (run, QR_RESTORE_PHASE_VERIFYING, plan, ref->series, ref->chunk);
  buffer = qr_restore_queue_take_buffer (run->queue, MAX (member->size, 1), run->cancellable);
  if (buffer == NULL)
    {
      /* Only a cancellation leaves the reader without a buffer. */
      g_cancellable_set_error_if_cancelled (run->cancellable, error);
      return FALSE;
    }

  if (!qr_restore_codec_read_chunk (reader->codec, run->archive, ref->series, ref->chunk, key,
                                    buffer, run->cancellable, error))
    {
      qr_restore_queue_give_buffer (run->queue, buffer);
      return FALSE;
    }

  return decode_chunk (reader, ref, buffer, error);
}

/* Salvage: a part that could not be verified becomes a gap in its file,
 * and reading goes on with the next part. */
static void
send_gap (Reader   *reader,
          guint     index,
          QrSeries *series,
          guint     chunk,
          GError   *error)
{
  QrRestoreRun *run = reader->run;
  QrRestorePlan *plan = g_ptr_array_index (run->plans, index);
  const QrArchiveMember *member = g_ptr_array_index (series->chunks, chunk);

  qr_restore_codec_skip (reader->codec, series, chunk);
  qr_restore_queue_send_gap (run->queue, index,
                             qr_restore_codec_plain_length (reader->codec, series, chunk),
                             member != NULL ? member->size : 0,
                             qr_restore_run_chunk_error (plan, series, chunk,
                                                         series->chunks->len, error));
}

/* Reads one series; returns the bytes queued for the extractor. */
static guint64
read_series (Reader   *reader,
             guint     index,
             QrSeries *series,
             guint     first)
{
  QrRestoreRun *run = reader->run;
  guint64 queued = 0;

  qr_restore_codec_begin_series (reader->codec, series);
  qr_restore_queue_send (run->queue, QR_RESTORE_MESSAGE_BEGIN_SERIES, index, series);
  for (guint chunk = 0; chunk < series->chunks->len; chunk++)
    {
      ChunkRef *ref = &g_array_index (reader->chunks, ChunkRef, first + chunk);
      const QrArchiveMember *member = g_ptr_array_index (series->chunks, chunk);
      GError *error = NULL;

      if (!qr_restore_run_is_failed (run, index) && process_chunk (reader, first + chunk, &error))
        {
          queued += member->size;
          continue;
        }

      if (error != NULL && run->salvage && !qr_restore_run_stops_all (error, FALSE))
        {
          send_gap (reader, index, series, chunk, error);
          queued += member != NULL ? member->size : 0;
          continue;
        }

      if (error != NULL)
        fail_chunk (reader, ref, error);
      qr_restore_queue_send (run->queue, QR_RESTORE_MESSAGE_ABORT, index, series);
      break;
    }
  qr_restore_queue_send (run->queue, QR_RESTORE_MESSAGE_END_SERIES, index, series);

  return queued;
}

/* Reads one qube's chunks, which start at @first in reader->chunks;
 * returns where the next qube's start. */
static guint
read_item (Reader *reader,
           guint   index,
           guint   first)
{
  QrRestoreRun *run = reader->run;
  QrRestorePlan *plan = g_ptr_array_index (run->plans, index);
  guint64 queued = 0;
  guint next = first;

  qr_restore_queue_send (run->queue, QR_RESTORE_MESSAGE_BEGIN_ITEM, index, NULL);
  qr_restore_progress_report_state (run->progress, index, QR_RESTORE_STATE_DERIVING_KEY);

  for (guint i = 0; i < plan->series->len; i++)
    {
      QrSeries *series = g_ptr_array_index (plan->series, i);

      if (!qr_restore_run_is_failed (run, index))
        queued += read_series (reader, index, series, next);
      next += series->chunks->len;
    }

  /* Keys of a failed qube are not needed any more; what was not read of
   * it counts as done for the bar. */
  for (guint i = first; i < next; i++)
    g_clear_pointer (&g_ptr_array_index (reader->requests, i), qr_kdf_request_unref);
  qr_restore_progress_add_done (run->progress, plan->stored_size - queued);
  qr_restore_queue_send (run->queue, QR_RESTORE_MESSAGE_END_ITEM, index, NULL);
  return next;
}

/* Every chunk to read, in order, and the bytes they make. */
static void
list_chunks (Reader *reader)
{
  QrRestoreRun *run = reader->run;
  guint64 total = 0;

  for (guint i = 0; i < run->plans->len; i++)
    {
      QrRestorePlan *plan = g_ptr_array_index (run->plans, i);

      if (qr_restore_run_is_failed (run, i))
        continue;

      total += plan->stored_size;
      for (guint j = 0; j < plan->series->len; j++)
        {
          QrSeries *series = g_ptr_array_index (plan->series, j);

          for (guint chunk = 0; chunk < series->chunks->len; chunk++)
            {
              ChunkRef ref = { i, series, chunk };

              g_array_append_val (reader->chunks, ref);
            }
        }
    }

  g_ptr_array_set_size (reader->requests, reader->chunks->len);
  qr_restore_progress_add_total (run->progress, total);
}

static void
request_unref0 (gpointer request)
{
  if (request != NULL)
    qr_kdf_request_unref (request);
}

void
qr_restore_read_file (QrRestoreRun *run)
{
  /* Enough keys ahead to keep every derivation lane busy. */
  Reader reader = { run, NULL, NULL, NULL, 0, 2 * qr_kdf_pool_get_max_jobs (run->pool) + 2 };
  guint next = 0;

  /* A folder (format 1) has no parts to read. */
  if (qr_backup_get_version (run->backup) == 1)
    {
      qr_restore_read_tree (run);
      return;
    }

  reader.codec = _qr_backup_new_codec (run->backup, run->pool);
  reader.chunks = g_array_new (FALSE, FALSE, sizeof (ChunkRef));
  reader.requests = g_ptr_array_new_with_free_func (request_unref0);
  list_chunks (&reader);

  for (guint i = 0; i < run->plans->len; i++)
    {
      if (qr_restore_run_is_failed (run, i))
        {
          qr_restore_run_report_failed (run, i);
          continue;
        }

      next = read_item (&reader, i, next);
    }

  g_ptr_array_unref (reader.requests);
  g_array_unref (reader.chunks);
  g_object_unref (reader.codec);
}
