/* qr-restore.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A restore or verification of the selected qubes. Its threads:
 *
 *   caller's main context          run thread (reader)            extractor thread
 *   ---------------------          -------------------            ----------------
 *   qr_restore_run_async  ──────►  plans, destination
 *                                  keys a window ahead ──► KDF pool workers
 *                                  read, verify, decrypt
 *                                  ──(QrRestoreQueue: messages, 3 buffers)──►  unpack, write
 *                                                                              staging → folder
 *   "progress", item states  ◄──── QrRestoreProgress (throttled) ◄───────────  item states
 *   run_finish  ◄──────────────── joins the extractor, summarizes
 *
 * QrRestoreRun holds what the threads share; each of its fields says who
 * owns it. The object's own fields below belong to the main context. */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qr-enums.h"
#include "qr-error.h"
#include "qr-restore.h"
#include "qr-restore-extractor.h"
#include "qr-restore-reader.h"
#include "qr-restore-run.h"

#define PUBLISH_INTERVAL_MS 150
#define N_BUFFERS           3

struct _QrRestore
{
  GObject         parent_instance;

  /* Set at construction or before the run starts. */
  QrBackup       *backup;
  GFile          *destination;
  QrKdfPool      *pool;
  GListStore     *items;
  GPtrArray      *selection;
  gboolean        salvage;
  gboolean        started;

  /* Progress as published on the caller's main context. */
  QrRestoreProgressState published;
  GStrv           removed_unfinished;

  /* The run, shared with its threads as its fields say. */
  QrRestoreRun    run;
  GMainContext   *context;
  GCancellable   *outer_cancellable;
  gulong          outer_handler;
  gulong          wake_handler;
};

G_DEFINE_FINAL_TYPE (QrRestore, qr_restore, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_BACKUP,
  PROP_DESTINATION,
  PROP_VERIFY_ONLY,
  PROP_PHASE,
  PROP_FRACTION,
  PROP_BYTES_DONE,
  PROP_BYTES_TOTAL,
  PROP_RATE,
  PROP_CURRENT_QUBE,
  PROP_CURRENT_FILE,
  PROP_CHUNK,
  PROP_N_CHUNKS,
  PROP_REMOVED_UNFINISHED,
  N_PROPS
};

enum {
  SIGNAL_PROGRESS,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- On the main context: what the threads reported ---- */

/* A finished qube: where it went, what it holds, and for a salvaged one
 * how each file came back and why it is not whole. */
static void
publish_result (QrRestore      *self,
                QrRestoreItem  *item,
                QrRestorePlan  *plan,
                QrRestoreState  state)
{
  if (self->destination != NULL)
    {
      g_autofree char *partial = qr_restore_plan_dup_partial_name (plan->folder);
      g_autoptr(GFile) location = g_file_get_child (self->destination,
                                                    state == QR_RESTORE_STATE_PARTIAL ? partial
                                                                                      : plan->folder);

      for (guint j = 0; j < plan->files->len; j++)
        qr_restore_item_add_file (item, g_ptr_array_index (plan->files, j));
      qr_restore_item_set_location (item, location);
    }

  for (guint j = 0; j < plan->reports->len; j++)
    qr_restore_item_add_report (item, g_ptr_array_index (plan->reports, j));

  for (guint j = 0; j < plan->notes->len; j++)
    qr_restore_item_add_note (item, g_ptr_array_index (plan->notes, j));

  if (state == QR_RESTORE_STATE_PARTIAL)
    {
      g_mutex_lock (&self->run.mutex);
      qr_restore_item_set_error (item, plan->error);
      g_mutex_unlock (&self->run.mutex);
    }

  qr_restore_item_set_size (item, plan->apparent_size);
}

static void
apply_state_changes (QrRestore *self,
                     GArray    *changes)
{
  for (guint i = 0; i < changes->len; i++)
    {
      QrRestoreStateChange *change = &g_array_index (changes, QrRestoreStateChange, i);
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (G_LIST_MODEL (self->items),
                                                             change->index);
      QrRestorePlan *plan = g_ptr_array_index (self->run.plans, change->index);

      if (change->state == QR_RESTORE_STATE_FAILED)
        {
          g_mutex_lock (&self->run.mutex);
          qr_restore_item_set_error (item, plan->error);
          g_mutex_unlock (&self->run.mutex);
        }

      if (change->state == QR_RESTORE_STATE_DONE || change->state == QR_RESTORE_STATE_PARTIAL)
        publish_result (self, item, plan, change->state);

      qr_restore_item_set_state (item, change->state);
    }
}

static void
notify_changes (QrRestore                    *self,
                const QrRestoreProgressState *old)
{
  GObject *object = G_OBJECT (self);
  const QrRestoreProgressState *now = &self->published;

  if (old->phase != now->phase)
    g_object_notify_by_pspec (object, properties[PROP_PHASE]);
  if (old->bytes_total != now->bytes_total)
    g_object_notify_by_pspec (object, properties[PROP_BYTES_TOTAL]);
  if (old->bytes_done != now->bytes_done)
    {
      g_object_notify_by_pspec (object, properties[PROP_BYTES_DONE]);
      g_object_notify_by_pspec (object, properties[PROP_FRACTION]);
      g_object_notify_by_pspec (object, properties[PROP_RATE]);
    }
  if (g_strcmp0 (old->qube, now->qube) != 0)
    g_object_notify_by_pspec (object, properties[PROP_CURRENT_QUBE]);
  if (g_strcmp0 (old->file, now->file) != 0)
    g_object_notify_by_pspec (object, properties[PROP_CURRENT_FILE]);
  if (old->chunk != now->chunk)
    g_object_notify_by_pspec (object, properties[PROP_CHUNK]);
  if (old->n_chunks != now->n_chunks)
    g_object_notify_by_pspec (object, properties[PROP_N_CHUNKS]);
}

static void
publish_cb (gpointer                      user_data,
            const QrRestoreProgressState *state,
            GArray                       *changes)
{
  QrRestore *self = user_data;
  QrRestoreProgressState old = self->published;

  self->published = *state;
  self->published.qube = g_strdup (state->qube);
  self->published.file = g_strdup (state->file);

  g_object_freeze_notify (G_OBJECT (self));
  notify_changes (self, &old);
  apply_state_changes (self, changes);
  g_object_thaw_notify (G_OBJECT (self));
  qr_restore_progress_state_clear (&old);

  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0);
}

typedef struct
{
  QrRestore *self;
  GStrv      removed;
} Removed;

static gboolean
set_removed_cb (gpointer user_data)
{
  Removed *removed = user_data;
  QrRestore *self = removed->self;

  g_strfreev (self->removed_unfinished);
  self->removed_unfinished = g_steal_pointer (&removed->removed);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMOVED_UNFINISHED]);

  g_object_unref (self);
  g_free (removed);
  return G_SOURCE_REMOVE;
}

/* ---- The run thread ---- */

static gboolean
open_destination (QrRestore  *self,
                  GError    **error)
{
  Removed *removed;

  if (self->destination == NULL)
    return TRUE;

  self->run.destination = qr_restore_destination_open (self->destination, error);
  if (self->run.destination == NULL)
    return FALSE;

  removed = g_new0 (Removed, 1);
  removed->self = g_object_ref (self);
  removed->removed = qr_restore_destination_dup_removed (self->run.destination);
  g_main_context_invoke (self->context, set_removed_cb, removed);
  return TRUE;
}

static void
make_plans (QrRestore *self)
{
  for (guint i = 0; i < self->selection->len; i++)
    g_ptr_array_add (self->run.plans,
                     qr_restore_plan_new (g_ptr_array_index (self->selection, i),
                                          self->run.ledger, self->run.streaming,
                                          self->run.salvage, self->run.destination));
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  QrRestore *self = source_object;
  QrRestoreRun *run = &self->run;
  g_autoptr(GThread) extractor = NULL;
  GError *error = NULL;

  if (!_qr_backup_claim_stream (self->backup, &error) || !open_destination (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  make_plans (self);
  extractor = g_thread_new ("qr-extract", qr_restore_extractor_thread, run);

  if (run->streaming)
    qr_restore_read_stream (run);
  else
    qr_restore_read_file (run);

  qr_restore_queue_send (run->queue, QR_RESTORE_MESSAGE_QUIT, 0, NULL);
  g_thread_join (g_steal_pointer (&extractor));
  g_clear_pointer (&run->destination, qr_restore_destination_close);

  if ((error = qr_restore_run_summarize (run)) != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* ---- Starting and ending, on the main context ---- */

static void
on_outer_cancelled_cb (GCancellable *cancellable,
                       QrRestore    *self)
{
  g_cancellable_cancel (self->run.cancellable);
}

/* A cancellation wakes a reader waiting for a free buffer. */
static void
on_run_cancelled_cb (GCancellable *cancellable,
                     QrRestore    *self)
{
  qr_restore_queue_wake (self->run.queue);
}

static void
disconnect_cancellables (QrRestore *self)
{
  if (self->outer_cancellable != NULL)
    g_cancellable_disconnect (self->outer_cancellable, self->outer_handler);
  self->outer_handler = 0;
  g_clear_object (&self->outer_cancellable);

  if (self->run.cancellable != NULL)
    g_cancellable_disconnect (self->run.cancellable, self->wake_handler);
  self->wake_handler = 0;
}

static void
run_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  QrRestore *self = QR_RESTORE (object);
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  /* The last progress and item states, and the phase FINISHED for good,
   * are published before the caller hears that the run ended. */
  disconnect_cancellables (self);
  qr_restore_progress_finish (self->run.progress);

  if (g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* Qubes are restored in the order their data lies in the backup, so the
 * disk holding it is read front to back. */
static void
create_items (QrRestore *self)
{
  if (self->selection->len == 0)
    qr_restore_plan_select_default (qr_backup_get_qubes (self->backup), self->selection);
  qr_restore_plan_sort_selection (self->selection, self->run.ledger);

  for (guint i = 0; i < self->selection->len; i++)
    {
      g_autoptr(QrRestoreItem) item = qr_restore_item_new (g_ptr_array_index (self->selection, i));

      g_list_store_append (self->items, item);
    }
}

static void
prepare_run (QrRestore *self)
{
  QrRestoreRun *run = &self->run;

  run->backup = self->backup;
  run->archive = _qr_backup_get_archive (self->backup);
  run->ledger = _qr_backup_get_ledger (self->backup);
  run->header = qr_backup_get_header (self->backup);
  run->passphrase = _qr_backup_get_passphrase (self->backup);
  run->pool = g_object_ref (self->pool ? self->pool : _qr_backup_get_pool (self->backup));
  run->streaming = qr_backup_is_streaming (self->backup);
  run->salvage = self->salvage;
  run->queue = qr_restore_queue_new (N_BUFFERS);
  run->progress = qr_restore_progress_new (self->context, PUBLISH_INTERVAL_MS, publish_cb, self);
  run->cancellable = g_cancellable_new ();
}

/* ---- GObject ---- */

static void
qr_restore_dispose (GObject *object)
{
  QrRestore *self = (QrRestore *) object;

  if (self->run.cancellable != NULL)
    g_cancellable_cancel (self->run.cancellable);
  disconnect_cancellables (self);

  G_OBJECT_CLASS (qr_restore_parent_class)->dispose (object);
}

static void
qr_restore_finalize (GObject *object)
{
  QrRestore *self = (QrRestore *) object;

  g_clear_pointer (&self->run.progress, qr_restore_progress_free);
  qr_restore_run_clear (&self->run);
  g_clear_object (&self->backup);
  g_clear_object (&self->destination);
  g_clear_object (&self->pool);
  g_clear_object (&self->items);
  g_clear_pointer (&self->selection, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->removed_unfinished, g_strfreev);
  qr_restore_progress_state_clear (&self->published);

  G_OBJECT_CLASS (qr_restore_parent_class)->finalize (object);
}

static void
qr_restore_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  QrRestore *self = QR_RESTORE (object);

  switch (prop_id)
    {
    case PROP_BACKUP:
      g_value_set_object (value, self->backup);
      break;

    case PROP_DESTINATION:
      g_value_set_object (value, self->destination);
      break;

    case PROP_VERIFY_ONLY:
      g_value_set_boolean (value, qr_restore_get_verify_only (self));
      break;

    case PROP_PHASE:
      g_value_set_enum (value, self->published.phase);
      break;

    case PROP_FRACTION:
      g_value_set_double (value, qr_restore_get_fraction (self));
      break;

    case PROP_BYTES_DONE:
      g_value_set_uint64 (value, self->published.bytes_done);
      break;

    case PROP_BYTES_TOTAL:
      g_value_set_uint64 (value, self->published.bytes_total);
      break;

    case PROP_RATE:
      g_value_set_double (value, self->published.rate);
      break;

    case PROP_CURRENT_QUBE:
      g_value_set_string (value, self->published.qube);
      break;

    case PROP_CURRENT_FILE:
      g_value_set_string (value, self->published.file);
      break;

    case PROP_CHUNK:
      g_value_set_uint (value, self->published.chunk);
      break;

    case PROP_N_CHUNKS:
      g_value_set_uint (value, self->published.n_chunks);
      break;

    case PROP_REMOVED_UNFINISHED:
      g_value_set_boxed (value, self->removed_unfinished);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qr_restore_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  QrRestore *self = QR_RESTORE (object);

  switch (prop_id)
    {
    case PROP_BACKUP:
      self->backup = g_value_dup_object (value);
      break;

    case PROP_DESTINATION:
      self->destination = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qr_restore_class_init (QrRestoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags read_only = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = qr_restore_dispose;
  object_class->finalize = qr_restore_finalize;
  object_class->get_property = qr_restore_get_property;
  object_class->set_property = qr_restore_set_property;

  properties[PROP_BACKUP] =
    g_param_spec_object ("backup", NULL, NULL,
                         QR_TYPE_BACKUP,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  properties[PROP_DESTINATION] =
    g_param_spec_object ("destination", NULL, NULL,
                         G_TYPE_FILE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  properties[PROP_VERIFY_ONLY] =
    g_param_spec_boolean ("verify-only", NULL, NULL, FALSE, read_only);

  properties[PROP_PHASE] =
    g_param_spec_enum ("phase", NULL, NULL,
                       QR_TYPE_RESTORE_PHASE, QR_RESTORE_PHASE_IDLE,
                       read_only);

  properties[PROP_FRACTION] =
    g_param_spec_double ("fraction", NULL, NULL, 0.0, 1.0, 0.0, read_only);

  properties[PROP_BYTES_DONE] =
    g_param_spec_uint64 ("bytes-done", NULL, NULL, 0, G_MAXUINT64, 0, read_only);

  properties[PROP_BYTES_TOTAL] =
    g_param_spec_uint64 ("bytes-total", NULL, NULL, 0, G_MAXUINT64, 0, read_only);

  properties[PROP_RATE] =
    g_param_spec_double ("rate", NULL, NULL, 0.0, G_MAXDOUBLE, 0.0, read_only);

  properties[PROP_CURRENT_QUBE] =
    g_param_spec_string ("current-qube", NULL, NULL, NULL, read_only);

  properties[PROP_CURRENT_FILE] =
    g_param_spec_string ("current-file", NULL, NULL, NULL, read_only);

  properties[PROP_CHUNK] =
    g_param_spec_uint ("chunk", NULL, NULL, 0, G_MAXUINT, 0, read_only);

  properties[PROP_N_CHUNKS] =
    g_param_spec_uint ("n-chunks", NULL, NULL, 0, G_MAXUINT, 0, read_only);

  /**
   * QrRestore:removed-unfinished:
   *
   * The qubes whose unfinished restores, left in the destination by an
   * earlier run that was stopped, this run removed before it started.
   */
  properties[PROP_REMOVED_UNFINISHED] =
    g_param_spec_boxed ("removed-unfinished", NULL, NULL, G_TYPE_STRV, read_only);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * QrRestore::progress:
   *
   * Emitted on the caller's main context after the progress properties
   * and item states were updated.
   */
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
qr_restore_init (QrRestore *self)
{
  self->items = g_list_store_new (QR_TYPE_RESTORE_ITEM);
  self->selection = g_ptr_array_new_with_free_func (g_object_unref);
  qr_restore_run_init (&self->run);
}

/* ---- Public API ---- */

QrRestore *
qr_restore_new (QrBackup *backup,
                GFile    *destination)
{
  g_return_val_if_fail (QR_IS_BACKUP (backup), NULL);
  g_return_val_if_fail (!destination || G_IS_FILE (destination), NULL);

  return g_object_new (QR_TYPE_RESTORE,
                       "backup", backup,
                       "destination", destination,
                       NULL);
}

QrBackup *
qr_restore_get_backup (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), NULL);

  return self->backup;
}

GFile *
qr_restore_get_destination (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), NULL);

  return self->destination;
}

gboolean
qr_restore_get_verify_only (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), FALSE);

  return self->destination == NULL;
}

void
qr_restore_set_kdf_pool (QrRestore *self,
                         QrKdfPool *pool)
{
  g_return_if_fail (QR_IS_RESTORE (self));
  g_return_if_fail (!pool || QR_IS_KDF_POOL (pool));
  g_return_if_fail (!self->started);

  g_set_object (&self->pool, pool);
}

void
qr_restore_select (QrRestore *self,
                   QrQube    *qube)
{
  g_return_if_fail (QR_IS_RESTORE (self));
  g_return_if_fail (QR_IS_QUBE (qube));
  g_return_if_fail (!self->started);

  for (guint i = 0; i < self->selection->len; i++)
    if (g_ptr_array_index (self->selection, i) == qube)
      return;

  g_ptr_array_add (self->selection, g_object_ref (qube));
}

/**
 * qr_restore_set_salvage:
 *
 * With salvage, a damaged qube gives back whatever of it can be verified:
 * its intact files whole, and of a damaged file every verified part at its
 * place, the rest left as holes, in "<qube> (partly recovered)" with a
 * report of what is missing. Nothing unverified is ever written.
 */
void
qr_restore_set_salvage (QrRestore *self,
                        gboolean   salvage)
{
  g_return_if_fail (QR_IS_RESTORE (self));
  g_return_if_fail (!self->started);

  self->salvage = !!salvage;
}

gboolean
qr_restore_get_salvage (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), FALSE);

  return self->salvage;
}

GListModel *
qr_restore_get_items (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), NULL);

  return G_LIST_MODEL (self->items);
}

void
qr_restore_run_async (QrRestore           *self,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) worker = NULL;

  g_return_if_fail (QR_IS_RESTORE (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (!self->started);
  g_return_if_fail (qr_backup_get_unlocked (self->backup));

  self->started = TRUE;
  self->context = g_main_context_ref_thread_default ();
  prepare_run (self);

  create_items (self);

  /* The run's own cancellable is cancelled by the caller's, and also by a
   * condition of the machine, which must stop every stage. */
  self->wake_handler = g_cancellable_connect (self->run.cancellable,
                                              G_CALLBACK (on_run_cancelled_cb), self, NULL);
  if (cancellable != NULL)
    {
      self->outer_cancellable = g_object_ref (cancellable);
      self->outer_handler = g_cancellable_connect (cancellable,
                                                   G_CALLBACK (on_outer_cancelled_cb),
                                                   self, NULL);
    }

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qr_restore_run_async);

  worker = g_task_new (self, NULL, run_done_cb, g_steal_pointer (&task));
  g_task_set_return_on_cancel (worker, FALSE);
  g_task_run_in_thread (worker, run_thread);
}

gboolean
qr_restore_run_finish (QrRestore     *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

QrRestorePhase
qr_restore_get_phase (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), QR_RESTORE_PHASE_IDLE);

  return self->published.phase;
}

double
qr_restore_get_fraction (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), 0.0);

  if (self->published.bytes_total == 0)
    return 0.0;

  return MIN (1.0, (double) self->published.bytes_done / self->published.bytes_total);
}

guint64
qr_restore_get_bytes_done (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), 0);

  return self->published.bytes_done;
}

guint64
qr_restore_get_bytes_total (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), 0);

  return self->published.bytes_total;
}

double
qr_restore_get_rate (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), 0.0);

  return self->published.rate;
}

const char *
qr_restore_get_current_qube (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), NULL);

  return self->published.qube;
}

const char *
qr_restore_get_current_file (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), NULL);

  return self->published.file;
}

guint
qr_restore_get_chunk (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), 0);

  return self->published.chunk;
}

guint
qr_restore_get_n_chunks (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), 0);

  return self->published.n_chunks;
}

/* The qubes whose unfinished restores this run removed; see
 * #QrRestore:removed-unfinished. */
const char * const *
qr_restore_get_removed_unfinished (QrRestore *self)
{
  static const char * const none[] = { NULL };

  g_return_val_if_fail (QR_IS_RESTORE (self), NULL);

  return self->removed_unfinished ? (const char * const *) self->removed_unfinished : none;
}
