/* qr-restore-run.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The bookkeeping both threads of a restore share: why a qube failed, why
 * the whole run stopped, and the progress they report.
 *
 * A qube whose data is damaged fails on its own and the others go on. Only
 * conditions of the machine stop the whole run: the destination is full or
 * cannot be written, the keys need more memory than allowed, or the user
 * cancelled. Every qube not finished by then is reported as not restored,
 * with the reason. */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qr-error.h"
#include "qr-restore-run.h"

void
qr_restore_run_init (QrRestoreRun *run)
{
  g_mutex_init (&run->mutex);
  run->plans = g_ptr_array_new_with_free_func ((GDestroyNotify) qr_restore_plan_free);
}

void
qr_restore_run_clear (QrRestoreRun *run)
{
  g_clear_pointer (&run->plans, g_ptr_array_unref);
  g_clear_pointer (&run->queue, qr_restore_queue_free);
  g_clear_pointer (&run->destination, qr_restore_destination_close);
  g_clear_object (&run->cancellable);
  g_clear_object (&run->pool);
  g_clear_error (&run->stop_error);
  g_mutex_clear (&run->mutex);
}

/* Records why a qube failed; the first reason wins. */
void
qr_restore_run_fail (QrRestoreRun *run,
                     guint         index,
                     GError       *error)
{
  QrRestorePlan *plan = g_ptr_array_index (run->plans, index);

  g_mutex_lock (&run->mutex);
  if (plan->error == NULL)
    plan->error = error;
  else
    g_error_free (error);
  g_atomic_int_set (&plan->failed, TRUE);
  g_mutex_unlock (&run->mutex);
}

gboolean
qr_restore_run_is_failed (QrRestoreRun *run,
                          guint         index)
{
  QrRestorePlan *plan = g_ptr_array_index (run->plans, index);

  return g_atomic_int_get (&plan->failed) || g_cancellable_is_cancelled (run->cancellable);
}

/* Whether @error is a condition of the machine that no other qube could
 * escape: then the whole run stops. A read error of the backup costs only
 * the qube that was being read; a write error costs them all. */
gboolean
qr_restore_run_stops_all (const GError *error,
                          gboolean      writing)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
         g_error_matches (error, QR_ERROR, QR_ERROR_NO_SPACE) ||
         g_error_matches (error, QR_ERROR, QR_ERROR_NEEDS_MEMORY) ||
         (writing && g_error_matches (error, QR_ERROR, QR_ERROR_IO));
}

void
qr_restore_run_stop (QrRestoreRun *run,
                     const GError *error)
{
  g_mutex_lock (&run->mutex);
  if (run->stop_error == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    run->stop_error = g_error_copy (error);
  g_mutex_unlock (&run->mutex);

  g_cancellable_cancel (run->cancellable);
}

gboolean
qr_restore_run_is_stopped (QrRestoreRun *run)
{
  return g_cancellable_is_cancelled (run->cancellable);
}

/* Why a qube that was not finished will not be: a condition of the machine
 * met while restoring another, or the user's cancel. */
GError *
qr_restore_run_dup_stop_reason (QrRestoreRun *run)
{
  GError *error = NULL;

  g_mutex_lock (&run->mutex);
  if (run->stop_error != NULL)
    error = g_error_new (run->stop_error->domain, run->stop_error->code,
                         _("Not restored: the restore stopped because of an earlier problem: %s"),
                         run->stop_error->message);
  g_mutex_unlock (&run->mutex);

  if (error == NULL)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The restore was cancelled."));

  return error;
}

/* Reports a qube as failed: for its own reason, or the run's when it had
 * none (it was not finished when the run stopped). */
void
qr_restore_run_report_failed (QrRestoreRun *run,
                               guint         index)
{
  QrRestorePlan *plan = g_ptr_array_index (run->plans, index);

  if (!g_atomic_int_get (&plan->failed))
    qr_restore_run_fail (run, index, qr_restore_run_dup_stop_reason (run));
  qr_restore_progress_report_state (run->progress, index, QR_RESTORE_STATE_FAILED);
}

/* Names the qube, file and part in the message of a damaged chunk. */
GError *
qr_restore_run_chunk_error (QrRestorePlan *plan,
                            QrSeries      *series,
                            guint          chunk,
                            guint          n_chunks,
                            GError        *error)
{
  if (error->domain != QR_ERROR || error->code == QR_ERROR_NEEDS_MEMORY)
    return error;

  if (n_chunks == 0)
    g_prefix_error (&error, _("Qube “%s”, file “%s”, part %u: "),
                    qr_qube_get_name (plan->qube), series->path, chunk + 1);
  else
    g_prefix_error (&error, _("Qube “%s”, file “%s”, part %u of %u: "),
                    qr_qube_get_name (plan->qube), series->path, chunk + 1, n_chunks);
  return error;
}

/* A chunk of @series failed while being read: a condition of the machine
 * stops the run, and the qube fails, for the stop's reason when the
 * failure was only the stop reaching it. */
void
qr_restore_run_fail_chunk (QrRestoreRun *run,
                           guint         index,
                           QrSeries     *series,
                           guint         chunk,
                           guint         n_chunks,
                           GError       *error)
{
  QrRestorePlan *plan = g_ptr_array_index (run->plans, index);

  if (qr_restore_run_stops_all (error, FALSE))
    qr_restore_run_stop (run, error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_error_free (error);
      error = qr_restore_run_dup_stop_reason (run);
    }

  qr_restore_run_fail (run, index,
                       qr_restore_run_chunk_error (plan, series, chunk, n_chunks, error));
}

void
qr_restore_run_report_chunk (QrRestoreRun   *run,
                             QrRestorePhase  phase,
                             QrRestorePlan  *plan,
                             QrSeries       *series,
                             guint           chunk)
{
  const char *slash = strchr (series->path, '/');
  const char *file = slash ? slash + 1 : series->path;

  /* Formats 2 and 3 saved a template's whole folder as one file, "vm3/.". */
  if (g_str_equal (file, "."))
    file = _("its whole folder");

  /* From a pipe, how many parts a file has is known only at its end. */
  qr_restore_progress_report_chunk (run->progress, phase, qr_qube_get_name (plan->qube),
                                    file, chunk + 1, run->streaming ? 0 : series->chunks->len);
}

/* With the passphrase already proven, a header that this key does not
 * match means the chunk was renamed, moved or taken from elsewhere. */
gboolean
qr_restore_run_check_header (QrScryptKey     *key,
                             const guint8    *header,
                             QrScryptParams  *params,
                             GError         **error)
{
  if (!qr_scrypt_params_parse (header, QR_SCRYPT_HEADER_SIZE, params, error))
    return FALSE;

  if (!qr_scrypt_key_check_header (key, params))
    {
      g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                   _("this part does not belong here (it was renamed, reordered or taken from "
                     "another backup): the backup was tampered with or damaged."));
      return FALSE;
    }

  return TRUE;
}

/* A chunk passed its HMAC: its plaintext, in @buffer, goes to the
 * extractor, which gives the buffer back once it is unpacked. */
void
qr_restore_run_queue_verified (QrRestoreRun *run,
                               guint         index,
                               QrSeries     *series,
                               guint         chunk,
                               guint8       *buffer,
                               gsize         size)
{
  QrRestorePlan *plan = g_ptr_array_index (run->plans, index);

  qr_restore_run_report_chunk (run, run->destination ? QR_RESTORE_PHASE_WRITING
                                                     : QR_RESTORE_PHASE_VERIFYING,
                               plan, series, chunk);
  qr_restore_queue_send_data (run->queue, index, buffer, QR_SCRYPT_HEADER_SIZE,
                              size - QR_SCRYPT_OVERHEAD, size);
}

/* How much a failure tells the user: a stop of the whole run first, then
 * a read error of the backup, then damage, then anything else. */
static int
severity (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return 4;
  if (error->domain == QR_ERROR && (error->code == QR_ERROR_IO ||
                                    error->code == QR_ERROR_NO_SPACE ||
                                    error->code == QR_ERROR_NEEDS_MEMORY))
    return 3;
  if (error->domain == QR_ERROR && (error->code == QR_ERROR_DAMAGED ||
                                    error->code == QR_ERROR_TRUNCATED))
    return 2;
  return 1;
}

/* The error a run ends with: none when every selected qube came back whole,
 * else the one that says most. */
GError *
qr_restore_run_summarize (QrRestoreRun *run)
{
  const GError *worst = NULL;
  GError *result;

  g_mutex_lock (&run->mutex);
  for (guint i = 0; i < run->plans->len; i++)
    {
      QrRestorePlan *plan = g_ptr_array_index (run->plans, i);

      if (plan->error != NULL && (worst == NULL || severity (plan->error) > severity (worst)))
        worst = plan->error;
    }

  /* What stopped the run says most, unless the user cancelled it. */
  if (run->stop_error != NULL &&
      (worst == NULL || !g_error_matches (worst, G_IO_ERROR, G_IO_ERROR_CANCELLED)))
    worst = run->stop_error;
  result = worst ? g_error_copy (worst) : NULL;
  g_mutex_unlock (&run->mutex);

  return result;
}
