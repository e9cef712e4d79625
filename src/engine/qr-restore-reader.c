/* qr-restore-reader.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The reader of a restore from a file. A key needs only its chunk's
 * 96-byte header, so keys are asked for a window ahead of the chunk being
 * read, in archive order, and derived while earlier chunks are read,
 * verified and decrypted. Only the chunks in the window hold keys: the
 * state of a backup of any size stays small.
 *
 * Each chunk is read a piece at a time and decrypted while the disk reads
 * ahead; its plaintext goes to the extractor only after its HMAC passed. */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qr-error.h"
#include "qr-restore-reader.h"

#define READ_PIECE_SIZE (1024 * 1024)

typedef struct
{
  guint     plan;
  QrSeries *series;
  guint     chunk;
} ChunkRef;

typedef struct
{
  QrRestoreRun *run;
  GArray       *chunks;
  GPtrArray    *requests;
  guint         next_request;
  guint         window;
} Reader;

static void
fail_chunk (Reader   *reader,
            ChunkRef *ref,
            GError   *error)
{
  qr_restore_run_fail_chunk (reader->run, ref->plan, ref->series, ref->chunk,
                             ref->series->chunks->len, error);
}

/* Asks for the key of one chunk, from its header. */
static QrKdfRequest *
request_key (QrRestoreRun     *run,
             ChunkRef         *ref,
             GError          **error)
{
  const QrArchiveMember *member = g_ptr_array_index (ref->series->chunks, ref->chunk);
  g_autofree char *prefix = NULL;
  guint8 header[QR_SCRYPT_HEADER_SIZE];
  QrScryptParams params;

  if (member == NULL)
    {
      g_set_error_literal (error, QR_ERROR, QR_ERROR_TRUNCATED,
                           _("it is missing from the backup file."));
      return NULL;
    }

  if (!qr_archive_read (run->archive, member, 0, header, sizeof header, error) ||
      !qr_scrypt_params_parse (header, sizeof header, &params, error))
    return NULL;

  prefix = _qr_backup_dup_chunk_prefix (run->backup, member);
  return qr_kdf_pool_submit (run->pool, &params, prefix, run->passphrase);
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
          request_key (run, ref, NULL);
    }
}

/* Reads a chunk a piece at a time, decrypting each piece while the disk
 * reads ahead the next; TRUE once its HMAC passed. */
static gboolean
decrypt_chunk (QrRestoreRun           *run,
               const QrArchiveMember  *member,
               QrScryptKey            *key,
               guint8                 *buffer,
               GError                **error)
{
  g_autoptr(QrScryptDecryptor) decryptor = NULL;
  QrScryptParams params;
  guint64 end = member->size - QR_SCRYPT_MAC_SIZE;

  qr_archive_advise_sequential (run->archive, member);

  if (!qr_archive_read (run->archive, member, 0, buffer, QR_SCRYPT_HEADER_SIZE, error) ||
      !qr_restore_run_check_header (key, buffer, &params, error))
    return FALSE;

  decryptor = qr_scrypt_decryptor_new (key, &params);
  for (guint64 pos = QR_SCRYPT_HEADER_SIZE; pos < end; pos += READ_PIECE_SIZE)
    {
      gsize piece = MIN (READ_PIECE_SIZE, end - pos);

      if (g_cancellable_set_error_if_cancelled (run->cancellable, error) ||
          !qr_archive_read (run->archive, member, pos, buffer + pos, piece, error))
        return FALSE;

      qr_scrypt_decryptor_update (decryptor, buffer + pos, buffer + pos, piece);
    }

  return qr_archive_read (run->archive, member, end, buffer + end, QR_SCRYPT_MAC_SIZE, error) &&
         qr_scrypt_decryptor_finish (decryptor, buffer + end, error);
}

/* Verifies one chunk and queues its plaintext; FALSE with @error when it
 * cannot be verified. */
static gboolean
process_chunk (Reader  *reader,
               guint    index,
               GError **error)
{
  QrRestoreRun *run = reader->run;
  ChunkRef *ref = &g_array_index (reader->chunks, ChunkRef, index);
  QrRestorePlan *plan = g_ptr_array_index (run->plans, ref->plan);
  const QrArchiveMember *member = g_ptr_array_index (ref->series->chunks, ref->chunk);
  g_autoptr(QrKdfRequest) request = NULL;
  g_autoptr(QrScryptKey) key = NULL;
  guint8 *buffer;

  request_ahead (reader, index);
  request = g_steal_pointer (&g_ptr_array_index (reader->requests, index));
  if (request == NULL && (request = request_key (run, ref, error)) == NULL)
    return FALSE;

  qr_restore_run_report_chunk (run, QR_RESTORE_PHASE_DERIVING_KEY, plan, ref->series,
                               ref->chunk);
  key = qr_kdf_request_wait (request, run->cancellable, error);
  if (key == NULL)
    return FALSE;

  if (ref->chunk == 0 && ref->series == g_ptr_array_index (plan->series, 0))
    qr_restore_progress_report_state (run->progress, ref->plan, QR_RESTORE_STATE_RESTORING);

  qr_restore_run_report_chunk (run, QR_RESTORE_PHASE_VERIFYING, plan, ref->series, ref->chunk);
  buffer = qr_restore_queue_take_buffer (run->queue, member->size, run->cancellable);
  if (buffer == NULL)
    {
      /* Only a cancellation leaves the reader without a buffer. */
      g_cancellable_set_error_if_cancelled (run->cancellable, error);
      return FALSE;
    }

  if (!decrypt_chunk (run, member, key, buffer, error))
    {
      qr_restore_queue_give_buffer (run->queue, buffer);
      return FALSE;
    }

  qr_restore_run_queue_verified (run, ref->plan, ref->series, ref->chunk, buffer, member->size);
  return TRUE;
}

/* Salvage: how long the plaintext of a part that could not be read was.
 * Every part but the last is as long as the others; the last is not known. */
static gsize
part_length (QrSeries *series,
             guint     chunk)
{
  const QrArchiveMember *member = g_ptr_array_index (series->chunks, chunk);

  if (member != NULL)
    return member->size - QR_SCRYPT_OVERHEAD;

  if (chunk + 1 >= series->chunks->len)
    return 0;

  for (guint i = 0; i + 1 < series->chunks->len; i++)
    if ((member = g_ptr_array_index (series->chunks, i)) != NULL)
      return member->size - QR_SCRYPT_OVERHEAD;

  return 0;
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

  qr_restore_queue_send_gap (run->queue, index, part_length (series, chunk),
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
  Reader reader = { run, g_array_new (FALSE, FALSE, sizeof (ChunkRef)),
                    g_ptr_array_new_with_free_func (request_unref0),
                    0, 2 * qr_kdf_pool_get_max_jobs (run->pool) + 2 };
  guint next = 0;

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
}
