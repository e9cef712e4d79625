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
#include "qr-restore-report.h"

#define SLICE_SIZE (1024 * 1024)

typedef struct
{
  QrRestoreRun     *run;
  QrRestoreMessage *current;
  gboolean          ended;
  /* Salvage: the parts of the series that came verified, and that did not. */
  guint             good_parts;
  guint             gaps;
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

/* Salvage: a part that could not be verified is a gap of its length in
 * the stream; a gap of unknown length ends it. */
static gssize
take_gap (StreamState       *state,
          QrRestoreMessage  *message,
          const void       **buffer,
          GError           **error)
{
  gssize length = message->length;

  state->gaps++;
  g_propagate_error (error, g_steal_pointer (&message->error));
  release_message (state->run, message);

  *buffer = NULL;
  return length > 0 ? length : -1;
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

      if (message->type == QR_RESTORE_MESSAGE_GAP)
        return take_gap (state, message, buffer, error);

      if (message->type != QR_RESTORE_MESSAGE_DATA)
        {
          /* The reader has already recorded why it gave up on this series. */
          state->ended = message->type != QR_RESTORE_MESSAGE_ABORT;
          g_free (message);
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "aborted");
          return -1;
        }

      state->good_parts++;
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

/* The name of a series' file inside the qube's folder. */
static const char *
series_name (QrRestorePlan *plan,
             QrSeries      *series)
{
  gsize prefix = strlen (plan->strip_prefix);

  return strncmp (series->path, plan->strip_prefix, prefix) == 0 ? series->path + prefix
                                                                   : series->path;
}

/* Salvage: every series is reported with what came back of it, and one
 * that broke off does not fail its qube; only the machine failing does. */
static gboolean
record_report (QrRestorePlan *plan,
               QrExtractJob  *job,
               StreamState   *state,
               GError       **error)
{
  if (*error != NULL && qr_restore_run_stops_all (*error, TRUE))
    return FALSE;

  if (*error != NULL && qr_restore_file_get_state (job->report) == QR_RESTORE_FILE_COMPLETE)
    qr_restore_file_set_state (job->report, QR_RESTORE_FILE_MISSING, (*error)->message);
  qr_restore_file_set_parts (job->report, state->good_parts + state->gaps, state->good_parts);
  g_ptr_array_add (plan->reports, g_object_ref (job->report));
  g_clear_error (error);
  return TRUE;
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
  StreamState state = { run, NULL, FALSE, 0, 0 };
  g_autoptr(QrRestoreFile) report = NULL;
  QrExtractJob job = { 0 };
  GError *error = NULL;
  gboolean ok;

  set_up_job (run, plan, series, &job);
  job.dir_fd = qube_fd;
  if (run->salvage)
    job.report = report = qr_restore_file_new (series_name (plan, series));

  ok = qr_extract_stream (&job, stream_read_cb, &state, run->cancellable, &error);
  release_message (run, g_steal_pointer (&state.current));
  if (!ok && !state.ended)
    skip_series (run);

  if (run->salvage && !g_atomic_int_get (&plan->failed))
    ok = record_report (plan, &job, &state, &error);

  /* A stream the reader aborted failed for the reader's reason. */
  if (!ok && g_atomic_int_get (&plan->failed))
    g_clear_error (&error);
  else if (!ok)
    fail_writing (run, index, g_steal_pointer (&error));

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

/* Salvage: whether the qube came back whole after all. */
static gboolean
salvaged_whole (QrRestorePlan *plan)
{
  if (plan->problems->len > 0)
    return FALSE;

  for (guint i = 0; i < plan->reports->len; i++)
    if (qr_restore_file_get_state (g_ptr_array_index (plan->reports, i)) !=
        QR_RESTORE_FILE_COMPLETE)
      return FALSE;

  return TRUE;
}

/* Salvage: a qube not whole goes to "<qube> (partly recovered)", with the
 * report beside its files, and says so; one with nothing at all recovered
 * fails like any other. */
static gboolean
finish_salvaged (QrRestoreRun  *run,
                 guint          index,
                 int            qube_fd,
                 GError       **error)
{
  QrRestorePlan *plan = g_ptr_array_index (run->plans, index);
  g_autofree char *partial = qr_restore_plan_dup_partial_name (plan->folder);
  g_autofree char *text = qr_restore_report_format (plan->qube, plan->reports, plan->problems);
  g_autofree char *summary = qr_restore_report_summary (plan->reports);

  if (plan->files->len == 0)
    {
      g_set_error_literal (error, QR_ERROR, QR_ERROR_DAMAGED, summary);
      qr_restore_run_fail (run, index, g_error_copy (*error));
      g_clear_error (error);
      return FALSE;
    }

  if (qube_fd >= 0 &&
      (!qr_restore_report_write (qube_fd, text, plan->reports, error) ||
       !qr_restore_destination_commit (run->destination, partial, error)))
    return FALSE;

  g_mutex_lock (&run->mutex);
  g_clear_error (&plan->error);
  plan->error = g_error_new_literal (QR_ERROR, QR_ERROR_DAMAGED, summary);
  g_mutex_unlock (&run->mutex);
  return TRUE;
}

/* A qube is either complete in its own folder, or gone; or, salvaged,
 * complete as far as it could be in a folder that says so. */
static void
finish_item (QrRestoreRun *run,
             guint         index,
             int           qube_fd)
{
  QrRestorePlan *plan = g_ptr_array_index (run->plans, index);
  gboolean partial = run->salvage && !salvaged_whole (plan);
  GError *error = NULL;

  if (g_atomic_int_get (&plan->failed))
    {
      if (qube_fd >= 0)
        qr_restore_destination_abort (run->destination);
      qr_restore_run_report_failed (run, index);
      return;
    }

  if (partial ? !finish_salvaged (run, index, qube_fd, &error)
              : (qube_fd >= 0 && !qr_restore_destination_commit (run->destination, NULL, &error)))
    {
      if (error != NULL)
        fail_writing (run, index, error);
      if (qube_fd >= 0)
        qr_restore_destination_abort (run->destination);
      qr_restore_run_report_failed (run, index);
      return;
    }

  qr_restore_progress_report_state (run->progress, index,
                                    partial ? QR_RESTORE_STATE_PARTIAL : QR_RESTORE_STATE_DONE);
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
