/* qr-fuzz-backup.c: what the front ends do with a backup file, for the
 * whole-path targets: open it, unlock it with the seed backups' passphrase,
 * and verify every qube it holds.
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "qr-backup.h"
#include "qr-error.h"
#include "qr-fuzz-backup.h"
#include "qr-fuzz-utils.h"
#include "qr-restore.h"

/* One derivation at a time: the seeds' keys are cheap, and the fuzzer
 * shares the machine. Made once, its thread kept for every input. */
static QrKdfPool *pool;

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* Every selected qube ends done or failed with a reason; a run that
 * succeeds has every one done. */
static void
check_items (QrRestore *restore,
             gboolean   ok)
{
  GListModel *items = qr_restore_get_items (restore);

  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (items, i);
      QrRestoreState state = qr_restore_item_get_state (item);

      g_assert_true (state == QR_RESTORE_STATE_DONE || state == QR_RESTORE_STATE_FAILED);
      g_assert_true (state == QR_RESTORE_STATE_DONE || qr_restore_item_get_error (item) != NULL);
      g_assert_true (!ok || state == QR_RESTORE_STATE_DONE);
    }
}

typedef struct
{
  GMutex   mutex;
  GCond    cond;
  gboolean finalized;
} Finalized;

static void
finalized_cb (gpointer  user_data,
              GObject  *where_the_object_was)
{
  Finalized *finalized = user_data;

  g_mutex_lock (&finalized->mutex);
  finalized->finalized = TRUE;
  g_cond_signal (&finalized->cond);
  g_mutex_unlock (&finalized->mutex);
}

/* Lets go of @object and asserts that nothing else holds it. The last
 * reference may be a worker thread's, dropped just after the result of
 * its task arrived, so this waits a little for that. */
static void
assert_finalized (gpointer object)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  Finalized finalized = { 0 };

  g_mutex_init (&finalized.mutex);
  g_cond_init (&finalized.cond);
  g_object_weak_ref (object, finalized_cb, &finalized);
  g_object_unref (object);

  g_mutex_lock (&finalized.mutex);
  while (!finalized.finalized &&
         g_cond_wait_until (&finalized.cond, &finalized.mutex, deadline))
    ;
  g_assert_true (finalized.finalized);
  g_mutex_unlock (&finalized.mutex);

  g_mutex_clear (&finalized.mutex);
  g_cond_clear (&finalized.cond);
}

static void
verify (QrBackup *backup)
{
  QrRestore *restore = qr_restore_new (backup, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  qr_restore_set_kdf_pool (restore, pool);
  qr_restore_run_async (restore, NULL, store_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  ok = qr_restore_run_finish (restore, result, &error);
  g_assert_true (ok == (error == NULL));
  g_assert_true (error == NULL || error->domain == QR_ERROR);
  g_assert_cmpint (qr_restore_get_phase (restore), ==, QR_RESTORE_PHASE_FINISHED);
  check_items (restore, ok);

  /* Nothing is published after the end: no update may still be pending. */
  g_assert_false (g_main_context_pending (NULL));

  g_clear_object (&result);
  assert_finalized (restore);
}

static void
check_unlocked (QrBackup *backup)
{
  GListModel *qubes = qr_backup_get_qubes (backup);

  for (guint i = 0; i < g_list_model_get_n_items (qubes); i++)
    {
      g_autoptr(QrQube) qube = g_list_model_get_item (qubes, i);

      g_assert_true (qr_backup_lookup_qube (backup, qr_qube_get_name (qube)) == qube);
      qr_backup_get_stored_size (backup, qube);
    }
}

void
qr_fuzz_backup_check (GFile *file)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *date = NULL;
  QrBackup *backup;

  if (pool == NULL)
    pool = qr_kdf_pool_new (1, 64 * 1024 * 1024);

  backup = qr_backup_open (file, NULL, &error);
  if (backup == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == QR_ERROR);
      return;
    }

  g_assert_nonnull (qr_backup_get_header (backup));
  date = qr_backup_dup_date_string (backup);

  if (qr_backup_unlock (backup, QR_FUZZ_PASSPHRASE, pool, NULL, &error))
    {
      g_assert_true (qr_backup_get_unlocked (backup));
      check_unlocked (backup);
      verify (backup);
    }
  else
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == QR_ERROR);
      g_assert_false (qr_backup_get_unlocked (backup));
    }

  assert_finalized (backup);
}
