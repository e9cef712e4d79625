/* qr-restore-extractor.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The extractor thread of a restore: it takes verified plaintext from the
 * reader's queue and turns each qube's inner streams into files in the
 * qube's staging folder, which becomes the qube's folder once every file
 * is complete, and goes again when the qube fails. */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qr-error.h"
#include "qr-extract.h"
#include "qr-restore-extractor.h"

#define SLICE_SIZE (1024 * 1024)

typedef struct
{
  QrRestoreRun     *run;
  QrRestoreMessage *current;
  gboolean          ended;
} StreamState;

/* Gives a message's buffer back; its data now counts as done. */
static void
release_message (QrRestoreRun     *run,
                 QrRestoreMessage *message)
{
  if (message != NULL && message->type == QR_RESTORE_MESSAGE_DATA)
    qr_restore_progress_add_done (run->progress, message->weight);
  qr_restore_queue_release (run->queue, message);
}

/* Hands the extractor a verified chunk a slice at a time, so that a
 * cancellation is noticed within a slice rather than within a chunk. */
static gssize
stream_read_cb (gpointer     user_data,
                const void **buffer,
                GError     **error)
{
  StreamState *state = user_data;
  QrRestoreMessage *message;
  gsize slice;

  if (state->ended)
    return 0;

  /* An empty chunk (a stream ending on a chunk boundary) is no data; a
   * zero return would wrongly tell libarchive the stream ended. */
  while (state->current == NULL || state->current->length == 0)
    {
      release_message (state->run, g_steal_pointer (&state->current));
      message = qr_restore_queue_pop (state->run->queue);

      if (message->type == QR_RESTORE_MESSAGE_END_SERIES)
        {
          state->ended = TRUE;
          g_free (message);
          return 0;
        }

      if (message->type != QR_RESTORE_MESSAGE_DATA)
        {
          /* The reader has already recorded why it gave up on this series. */
          state->ended = message->type != QR_RESTORE_MESSAGE_ABORT;
          g_free (message);
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "aborted");
          return -1;
        }

      state->current = message;
    }

  message = state->current;
  slice = MIN (message->length, SLICE_SIZE);
  *buffer = message->buffer + message->offset;
  message->offset += slice;
  message->length -= slice;
  return slice;
}

/* Discards the rest of a series the extractor gave up on. */
static void
skip_series (QrRestoreRun *run)
{
  for (;;)
    {
      QrRestoreMessage *message = qr_restore_queue_pop (run->queue);
      QrRestoreMessageType type = message->type;

      release_message (run, message);
      if (type == QR_RESTORE_MESSAGE_END_SERIES)
        return;
    }
}

/* A failure while writing: a condition of the machine stops every qube,
 * anything else only this one. */
static void
fail_writing (QrRestoreRun *run,
              guint         index,
              GError       *error)
{
  if (qr_restore_run_stops_all (error, TRUE))
    qr_restore_run_stop (run, error);
  qr_restore_run_fail (run, index, error);
}

/* What one series is, as its backup's format wrote it. dom0's home and a
 * template's whole folder ("vm3/.", formats 2 and 3) are trees. The tar of
 * formats 2 and 3 ran with `--xform s:^<file>:<qube folder>\0:`, which
 * rewrote link targets beginning like the file's name too. */
static void
set_up_job (QrRestoreRun  *run,
            QrRestorePlan *plan,
            QrSeries      *series,
            QrExtractJob  *job)
{
  guint version = qr_backup_get_version (run->backup);
  const char *slash = strrchr (series->path, '/');
  const char *base = slash != NULL ? slash + 1 : series->path;

  job->kind = qr_qube_is_dom0 (plan->qube) || g_str_equal (base, ".") ? QR_EXTRACT_TREE
                                                                      : QR_EXTRACT_SINGLE_FILE;
  job->compression_filter = _qr_backup_get_stream_filter (run->backup);
  job->series_path = series->path;
  job->strip_prefix = plan->strip_prefix;
  job->files = plan->files;
  job->notes = plan->notes;

  if (version == 2 || version == 3)
    {
      job->xform_prefix = plan->strip_prefix;
      job->xform_base = base;
    }
}

static void
extract_series (QrRestoreRun *run,
                guint         index,
                QrSeries     *series,
                int           qube_fd)
{
  QrRestorePlan *plan = g_ptr_array_index (run->plans, index);
  StreamState state = { run, NULL, FALSE };
  QrExtractJob job = { 0 };
  GError *error = NULL;

  set_up_job (run, plan, series, &job);
  job.dir_fd = qube_fd;

  if (!qr_extract_stream (&job, stream_read_cb, &state, run->cancellable, &error))
    {
      release_message (run, g_steal_pointer (&state.current));
      if (!state.ended)
        skip_series (run);

      /* A stream the reader aborted failed for the reader's reason. */
      if (g_atomic_int_get (&plan->failed))
        g_clear_error (&error);
      else
        fail_writing (run, index, g_steal_pointer (&error));
    }

  release_message (run, g_steal_pointer (&state.current));
  plan->apparent_size += job.apparent_size;
}

static int
begin_item (QrRestoreRun *run,
            guint         index)
{
  QrRestorePlan *plan = g_ptr_array_index (run->plans, index);
  GError *error = NULL;
  int fd;

  if (run->destination == NULL || g_atomic_int_get (&plan->failed))
    return -1;

  fd = qr_restore_destination_begin (run->destination, plan->folder,
                                     qr_qube_get_name (plan->qube), &error);
  if (fd < 0)
    fail_writing (run, index, error);

  return fd;
}

/* A qube is either complete in its own folder, or gone. */
static void
finish_item (QrRestoreRun *run,
             guint         index,
             int           qube_fd)
{
  QrRestorePlan *plan = g_ptr_array_index (run->plans, index);
  GError *error = NULL;

  if (g_atomic_int_get (&plan->failed))
    {
      if (qube_fd >= 0)
        qr_restore_destination_abort (run->destination);
      qr_restore_run_report_failed (run, index);
      return;
    }

  if (qube_fd >= 0 && !qr_restore_destination_commit (run->destination, &error))
    {
      fail_writing (run, index, error);
      qr_restore_run_report_failed (run, index);
      return;
    }

  qr_restore_progress_report_state (run->progress, index, QR_RESTORE_STATE_DONE);
}

/* A qube already finished turned out to be incomplete (more of it came
 * later, out of place): it goes, like any failed qube. */
static void
retract_item (QrRestoreRun *run,
              guint         index)
{
  QrRestorePlan *plan = g_ptr_array_index (run->plans, index);

  if (run->destination != NULL)
    qr_restore_destination_remove (run->destination, plan->folder);
  qr_restore_progress_report_state (run->progress, index, QR_RESTORE_STATE_FAILED);
}

gpointer
qr_restore_extractor_thread (gpointer data)
{
  QrRestoreRun *run = data;
  int qube_fd = -1;

  for (;;)
    {
      QrRestoreMessage *message = qr_restore_queue_pop (run->queue);

      switch (message->type)
        {
        case QR_RESTORE_MESSAGE_BEGIN_ITEM:
          qube_fd = begin_item (run, message->item);
          break;

        case QR_RESTORE_MESSAGE_BEGIN_SERIES:
          if (qr_restore_run_is_failed (run, message->item))
            skip_series (run);
          else
            extract_series (run, message->item, message->series, qube_fd);
          break;

        case QR_RESTORE_MESSAGE_END_ITEM:
          finish_item (run, message->item, qube_fd);
          qube_fd = -1;
          break;

        case QR_RESTORE_MESSAGE_RETRACT_ITEM:
          retract_item (run, message->item);
          break;

        case QR_RESTORE_MESSAGE_QUIT:
          g_free (message);
          return NULL;

        case QR_RESTORE_MESSAGE_DATA:
        case QR_RESTORE_MESSAGE_END_SERIES:
        case QR_RESTORE_MESSAGE_ABORT:
        default:
          break;
        }

      release_message (run, message);
    }
}
