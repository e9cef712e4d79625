/* qr-restore-progress.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Carries a restore's progress from its worker threads to the main context
 * of whoever runs it: workers report under a lock, and at most one publish
 * is pending on the main context, at most every interval. Once finished,
 * nothing is published again, whatever a worker still reports. */

#include "config.h"

#include "qr-restore-progress.h"

struct _QrRestoreProgress
{
  /* Set at creation, read-only afterwards. */
  GMainContext         *context;
  gint64                interval;
  QrRestorePublishFunc  func;
  gpointer              user_data;

  /* Under mutex: what the workers reported since the last publish, and
   * the publish pending on the context. */
  GMutex                  mutex;
  QrRestoreProgressState  pending;
  GArray                 *changes;
  GSource                *source;
  gint64                  last_publish;
  gboolean                finished;

  /* The owner's context's: the rate, and where it was last measured. */
  double                  rate;
  gint64                  rate_time;
  guint64                 rate_bytes;
};

void
qr_restore_progress_state_clear (QrRestoreProgressState *state)
{
  g_clear_pointer (&state->qube, g_free);
  g_clear_pointer (&state->file, g_free);
}

QrRestoreProgress *
qr_restore_progress_new (GMainContext         *context,
                         guint                 interval_ms,
                         QrRestorePublishFunc  func,
                         gpointer              user_data)
{
  QrRestoreProgress *self = g_new0 (QrRestoreProgress, 1);

  g_mutex_init (&self->mutex);
  self->context = g_main_context_ref (context);
  self->interval = interval_ms * G_TIME_SPAN_MILLISECOND;
  self->func = func;
  self->user_data = user_data;
  self->changes = g_array_new (FALSE, FALSE, sizeof (QrRestoreStateChange));

  return self;
}

void
qr_restore_progress_free (QrRestoreProgress *self)
{
  if (self == NULL)
    return;

  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_source_unref (self->source);
    }

  qr_restore_progress_state_clear (&self->pending);
  g_array_unref (self->changes);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->mutex);
  g_free (self);
}

/* With the mutex held: a copy of what is pending, and its changes. */
static GArray *
take_locked (QrRestoreProgress      *self,
             QrRestoreProgressState *snapshot)
{
  GArray *changes = self->changes;

  *snapshot = self->pending;
  snapshot->qube = g_strdup (self->pending.qube);
  snapshot->file = g_strdup (self->pending.file);
  self->changes = g_array_new (FALSE, FALSE, sizeof (QrRestoreStateChange));
  self->last_publish = g_get_monotonic_time ();

  return changes;
}

/* On the owner's context: a rate over the last seconds, smoothed, so that
 * one slow key does not make the estimate jump. */
static void
update_rate (QrRestoreProgress      *self,
             QrRestoreProgressState *snapshot)
{
  gint64 now = g_get_monotonic_time ();
  double seconds = (now - self->rate_time) / (double) G_USEC_PER_SEC;

  if (self->rate_time == 0 || snapshot->bytes_done < self->rate_bytes)
    {
      self->rate_time = now;
      self->rate_bytes = snapshot->bytes_done;
    }
  else if (seconds >= 1.0)
    {
      double current = (snapshot->bytes_done - self->rate_bytes) / seconds;

      self->rate = self->rate == 0 ? current : 0.7 * self->rate + 0.3 * current;
      self->rate_time = now;
      self->rate_bytes = snapshot->bytes_done;
    }

  snapshot->rate = self->rate;
}

static gboolean
publish_cb (gpointer user_data)
{
  QrRestoreProgress *self = user_data;
  QrRestoreProgressState snapshot;
  g_autoptr(GArray) changes = NULL;

  g_mutex_lock (&self->mutex);
  /* The source is being dispatched and goes once this returns. */
  g_clear_pointer (&self->source, g_source_unref);
  changes = take_locked (self, &snapshot);
  g_mutex_unlock (&self->mutex);

  update_rate (self, &snapshot);
  self->func (self->user_data, &snapshot, changes);
  qr_restore_progress_state_clear (&snapshot);

  return G_SOURCE_REMOVE;
}

/* With the mutex held: make sure one publish is pending. */
static void
schedule_locked (QrRestoreProgress *self)
{
  gint64 wait;

  if (self->source != NULL || self->finished)
    return;

  wait = self->last_publish + self->interval - g_get_monotonic_time ();
  self->source = g_timeout_source_new (MAX (wait, 0) / G_TIME_SPAN_MILLISECOND);
  g_source_set_callback (self->source, publish_cb, self, NULL);
  g_source_set_priority (self->source, G_PRIORITY_DEFAULT);
  g_source_attach (self->source, self->context);
}

/* Any thread: which chunk of which file is being worked on. */
void
qr_restore_progress_report_chunk (QrRestoreProgress *self,
                                  QrRestorePhase     phase,
                                  const char        *qube,
                                  const char        *file,
                                  guint              chunk,
                                  guint              n_chunks)
{
  g_mutex_lock (&self->mutex);
  self->pending.phase = phase;
  g_free (self->pending.qube);
  self->pending.qube = g_strdup (qube);
  g_free (self->pending.file);
  self->pending.file = g_strdup (file);
  self->pending.chunk = chunk;
  self->pending.n_chunks = n_chunks;
  schedule_locked (self);
  g_mutex_unlock (&self->mutex);
}

void
qr_restore_progress_add_total (QrRestoreProgress *self,
                               guint64            bytes)
{
  g_mutex_lock (&self->mutex);
  self->pending.bytes_total += bytes;
  schedule_locked (self);
  g_mutex_unlock (&self->mutex);
}

void
qr_restore_progress_add_done (QrRestoreProgress *self,
                              guint64            bytes)
{
  g_mutex_lock (&self->mutex);
  self->pending.bytes_done += bytes;
  schedule_locked (self);
  g_mutex_unlock (&self->mutex);
}

void
qr_restore_progress_report_state (QrRestoreProgress *self,
                                  guint              index,
                                  QrRestoreState     state)
{
  QrRestoreStateChange change = { index, state };

  g_mutex_lock (&self->mutex);
  g_array_append_val (self->changes, change);
  schedule_locked (self);
  g_mutex_unlock (&self->mutex);
}

/**
 * qr_restore_progress_finish:
 *
 * On the owner's main context, once the workers are done: publishes what
 * is left, with the phase FINISHED, and nothing ever after.
 */
void
qr_restore_progress_finish (QrRestoreProgress *self)
{
  QrRestoreProgressState snapshot;
  g_autoptr(GArray) changes = NULL;

  g_mutex_lock (&self->mutex);
  self->finished = TRUE;
  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_clear_pointer (&self->source, g_source_unref);
    }
  self->pending.phase = QR_RESTORE_PHASE_FINISHED;
  changes = take_locked (self, &snapshot);
  g_mutex_unlock (&self->mutex);

  update_rate (self, &snapshot);
  self->func (self->user_data, &snapshot, changes);
  qr_restore_progress_state_clear (&snapshot);
}
