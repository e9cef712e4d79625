/* qr-kdf-pool.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>
#include <unistd.h>

#include "qr-error.h"
#include "qr-kdf-pool.h"

/* One scrypt derivation needs hundreds of MiB to GiB of memory, so the pool
 * runs as many at once as both the cores and a memory budget allow. Its own
 * threads take requests strictly in submission order: a request starts only
 * when a worker is free and its memory fits in what is left of the budget.
 *
 * The queue and the accounting live in a refcounted Shared block rather
 * than in the GObject, so that disposing the pool never waits for a
 * derivation that libsodium cannot interrupt: workers hold their own
 * reference and exit once they see the pool is gone. */

typedef enum
{
  REQUEST_QUEUED,
  REQUEST_RUNNING,
  REQUEST_DONE,
} RequestState;

typedef struct
{
  gatomicrefcount ref_count;

  GMutex mutex;
  GCond  work_cond;  /* workers: new work, or memory freed, or shutdown */
  GCond  done_cond;  /* waiters: some request finished */

  GQueue   queue;    /* of QrKdfRequest*, each holding a reference */
  guint    n_threads;
  guint    n_running;
  guint64  memory_in_use;
  gboolean shutting_down;

  guint    max_jobs;
  guint64  budget;
} Shared;

struct _QrKdfRequest
{
  gatomicrefcount ref_count;
  Shared         *shared;

  /* Set at submission, read-only afterwards */
  QrScryptParams  params;
  char           *prefix;
  char           *passphrase;  /* secure memory, wiped once done */
  guint64         need;

  /* Under shared->mutex */
  RequestState    state;
  QrScryptKey    *key;
  GError         *error;
};

struct _QrKdfPool
{
  GObject parent_instance;

  Shared *shared;
};

G_DEFINE_FINAL_TYPE (QrKdfPool, qr_kdf_pool, G_TYPE_OBJECT)

static Shared *
shared_new (guint   max_jobs,
            guint64 budget)
{
  Shared *shared = g_new0 (Shared, 1);

  g_atomic_ref_count_init (&shared->ref_count);
  g_mutex_init (&shared->mutex);
  g_cond_init (&shared->work_cond);
  g_cond_init (&shared->done_cond);
  g_queue_init (&shared->queue);
  shared->max_jobs = max_jobs;
  shared->budget = budget;

  return shared;
}

static Shared *
shared_ref (Shared *shared)
{
  g_atomic_ref_count_inc (&shared->ref_count);
  return shared;
}

static void
shared_unref (Shared *shared)
{
  if (!g_atomic_ref_count_dec (&shared->ref_count))
    return;

  g_assert (g_queue_is_empty (&shared->queue));
  g_mutex_clear (&shared->mutex);
  g_cond_clear (&shared->work_cond);
  g_cond_clear (&shared->done_cond);
  g_free (shared);
}

/* Called with the mutex held. The secret goes as soon as it is not needed. */
static void
request_complete (QrKdfRequest *request,
                  QrScryptKey  *key,
                  GError       *error)
{
  g_assert (request->state != REQUEST_DONE);

  request->state = REQUEST_DONE;
  request->key = key;
  request->error = error;
  g_clear_pointer (&request->passphrase, qr_secure_free);
  g_cond_broadcast (&request->shared->done_cond);
}

/* Called with the mutex held. */
static void
fail_queued (Shared       *shared,
             const GError *error)
{
  QrKdfRequest *request;

  while ((request = g_queue_pop_head (&shared->queue)) != NULL)
    {
      request_complete (request, NULL, g_error_copy (error));
      qr_kdf_request_unref (request);
    }
}

static void
cancel_queued (Shared *shared)
{
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                 _("Operation was cancelled"));

  fail_queued (shared, error);
}

/* Called with the mutex held: the head of the queue, if it may start now. */
static QrKdfRequest *
take_next (Shared *shared)
{
  QrKdfRequest *head;

  while ((head = g_queue_peek_head (&shared->queue)) != NULL)
    {
      /* Nobody but the queue holds it: its key would never be read. */
      if (g_atomic_ref_count_compare (&head->ref_count, 1))
        {
          g_queue_pop_head (&shared->queue);
          request_complete (head, NULL,
                            g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                 _("Operation was cancelled")));
          qr_kdf_request_unref (head);
          continue;
        }

      /* Written so that no need, however large, can overflow. */
      if (head->need > shared->budget - shared->memory_in_use)
        return NULL;

      return g_queue_pop_head (&shared->queue);
    }

  return NULL;
}

static void
run_request (Shared       *shared,
             QrKdfRequest *request)
{
  GError *error = NULL;
  QrScryptKey *key;

  /* The passphrase is only freed on completion, which happens here. */
  key = qr_scrypt_key_derive (&request->params, request->prefix,
                              request->passphrase, &error);

  g_mutex_lock (&shared->mutex);
  shared->n_running--;
  shared->memory_in_use -= request->need;
  request_complete (request, key, error);
  g_cond_broadcast (&shared->work_cond);
  g_mutex_unlock (&shared->mutex);
}

static gpointer
worker_thread (gpointer data)
{
  Shared *shared = data;

  g_mutex_lock (&shared->mutex);

  while (!shared->shutting_down)
    {
      QrKdfRequest *request = take_next (shared);

      if (request == NULL)
        {
          g_cond_wait (&shared->work_cond, &shared->mutex);
          continue;
        }

      request->state = REQUEST_RUNNING;
      shared->n_running++;
      shared->memory_in_use += request->need;
      g_mutex_unlock (&shared->mutex);

      run_request (shared, request);
      qr_kdf_request_unref (request);

      g_mutex_lock (&shared->mutex);
    }

  shared->n_threads--;
  g_mutex_unlock (&shared->mutex);
  shared_unref (shared);

  return NULL;
}

/* Called with the mutex held. Threads start lazily, so a pool that is
 * never used costs nothing, and only while requests outnumber the threads
 * that could take them. */
static void
ensure_workers (Shared *shared)
{
  while (shared->n_threads < shared->max_jobs
         && shared->n_threads - shared->n_running < g_queue_get_length (&shared->queue))
    {
      g_autoptr(GError) error = NULL;
      GThread *thread;

      thread = g_thread_try_new ("qr-kdf", worker_thread, shared_ref (shared), &error);
      if (thread == NULL)
        {
          shared_unref (shared);
          g_warning ("Could not start a key derivation thread: %s", error->message);
          break;
        }

      /* Detached: nothing ever waits for a worker to end. */
      g_thread_unref (thread);
      shared->n_threads++;
    }
}

static void
qr_kdf_pool_dispose (GObject *object)
{
  QrKdfPool *self = QR_KDF_POOL (object);

  if (self->shared != NULL)
    {
      Shared *shared = self->shared;

      g_mutex_lock (&shared->mutex);
      shared->shutting_down = TRUE;
      cancel_queued (shared);
      g_cond_broadcast (&shared->work_cond);
      g_mutex_unlock (&shared->mutex);

      g_clear_pointer (&self->shared, shared_unref);
    }

  G_OBJECT_CLASS (qr_kdf_pool_parent_class)->dispose (object);
}

static void
qr_kdf_pool_class_init (QrKdfPoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = qr_kdf_pool_dispose;
}

static void
qr_kdf_pool_init (QrKdfPool *self)
{
}

/**
 * qr_kdf_pool_new:
 * @max_jobs: how many derivations may run at once, or 0 for one per core
 * @memory_budget: bytes all running derivations may use together, or 0 for
 *   half of the memory available now
 */
QrKdfPool *
qr_kdf_pool_new (guint   max_jobs,
                 guint64 memory_budget)
{
  QrKdfPool *self;

  if (max_jobs == 0)
    max_jobs = MAX (1, g_get_num_processors ());
  if (memory_budget == 0)
    memory_budget = MAX (1, qr_memory_available () / 2);

  self = g_object_new (QR_TYPE_KDF_POOL, NULL);
  self->shared = shared_new (max_jobs, memory_budget);

  return self;
}

guint
qr_kdf_pool_get_max_jobs (QrKdfPool *self)
{
  g_return_val_if_fail (QR_IS_KDF_POOL (self), 0);

  return self->shared->max_jobs;
}

guint64
qr_kdf_pool_get_memory_budget (QrKdfPool *self)
{
  g_return_val_if_fail (QR_IS_KDF_POOL (self), 0);

  return self->shared->budget;
}

/* How many derivations with these parameters can run side by side. */
guint
qr_kdf_pool_get_lanes (QrKdfPool            *self,
                       const QrScryptParams *params)
{
  guint64 need, fit;

  g_return_val_if_fail (QR_IS_KDF_POOL (self), 0);
  g_return_val_if_fail (params != NULL, 0);

  need = qr_scrypt_params_get_memory (params);
  fit = self->shared->budget / MAX (need, 1);

  return (guint) MIN (fit, (guint64) self->shared->max_jobs);
}

static QrKdfRequest *
request_new (Shared               *shared,
             const QrScryptParams *params,
             const char           *prefix,
             const char           *passphrase)
{
  QrKdfRequest *request = g_new0 (QrKdfRequest, 1);

  g_atomic_ref_count_init (&request->ref_count);
  request->shared = shared_ref (shared);
  request->params = *params;
  request->prefix = g_strdup (prefix);
  request->passphrase = qr_secure_strdup (passphrase);
  request->need = qr_scrypt_params_get_memory (params);
  request->state = REQUEST_QUEUED;

  return request;
}

static GError *
needs_memory_error (guint64 need,
                    guint64 budget)
{
  g_autofree char *need_str = g_format_size (need);
  g_autofree char *budget_str = g_format_size (budget);

  return g_error_new (QR_ERROR, QR_ERROR_NEEDS_MEMORY,
                      _("Unlocking this backup needs %s of memory for each file, "
                      "but only %s is available. Close other programs, or use "
                      "a computer with more memory."),
                      need_str, budget_str);
}

/**
 * qr_kdf_pool_submit:
 *
 * Queues the derivation of the key for one container. The parameters,
 * prefix and passphrase are copied. Returns: (transfer full): a request to
 * wait on.
 */
QrKdfRequest *
qr_kdf_pool_submit (QrKdfPool            *self,
                    const QrScryptParams *params,
                    const char           *prefix,
                    const char           *passphrase)
{
  Shared *shared;
  QrKdfRequest *request;

  g_return_val_if_fail (QR_IS_KDF_POOL (self), NULL);
  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (passphrase != NULL, NULL);

  shared = self->shared;
  request = request_new (shared, params, prefix, passphrase);

  g_mutex_lock (&shared->mutex);

  /* Waiting could never help: fail now, with sizes the user can act on. */
  if (request->need > shared->budget)
    {
      request_complete (request, NULL, needs_memory_error (request->need, shared->budget));
    }
  else
    {
      g_queue_push_tail (&shared->queue, qr_kdf_request_ref (request));
      ensure_workers (shared);
      g_cond_broadcast (&shared->work_cond);

      if (shared->n_threads == 0)
        {
          g_autoptr(GError) error = g_error_new_literal (QR_ERROR, QR_ERROR_FAILED,
                                                         _("Could not start the work of unlocking "
                                                         "the backup. Close other programs and "
                                                         "try again."));

          fail_queued (shared, error);
        }
    }

  g_mutex_unlock (&shared->mutex);

  return request;
}

/* Fails every request that has not started yet. Running derivations go on
 * to the end, since libsodium cannot be interrupted. */
void
qr_kdf_pool_cancel (QrKdfPool *self)
{
  g_return_if_fail (QR_IS_KDF_POOL (self));

  g_mutex_lock (&self->shared->mutex);
  cancel_queued (self->shared);
  g_mutex_unlock (&self->shared->mutex);
}

static void
wake_waiters_cb (GCancellable *cancellable,
                 gpointer      user_data)
{
  Shared *shared = user_data;

  /* Taking the lock orders the wake-up after the waiter's check. */
  g_mutex_lock (&shared->mutex);
  g_cond_broadcast (&shared->done_cond);
  g_mutex_unlock (&shared->mutex);
}

/**
 * qr_kdf_request_wait:
 *
 * Blocks until the key is ready. A cancellation returns at once, while the
 * derivation itself may still finish in the background.
 *
 * Returns: (transfer full): a copy of the key, to free with
 *   qr_scrypt_key_free()
 */
QrScryptKey *
qr_kdf_request_wait (QrKdfRequest  *request,
                     GCancellable  *cancellable,
                     GError       **error)
{
  Shared *shared;
  QrScryptKey *key = NULL;
  GError *failure = NULL;
  gulong handler = 0;

  g_return_val_if_fail (request != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  shared = request->shared;

  /* Connected before locking: an already cancelled cancellable runs the
   * handler right here, and the handler takes the lock itself. */
  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (wake_waiters_cb), shared, NULL);

  g_mutex_lock (&shared->mutex);

  while (request->state != REQUEST_DONE && !g_cancellable_is_cancelled (cancellable))
    g_cond_wait (&shared->done_cond, &shared->mutex);

  if (request->state == REQUEST_DONE)
    {
      if (request->key != NULL)
        key = qr_scrypt_key_copy (request->key);
      else
        failure = g_error_copy (request->error);
    }

  g_mutex_unlock (&shared->mutex);

  /* After unlocking: disconnecting waits for a running handler, which
   * needs the lock. */
  if (cancellable != NULL)
    g_cancellable_disconnect (cancellable, handler);

  if (key == NULL && failure == NULL)
    {
      g_cancellable_set_error_if_cancelled (cancellable, error);
      return NULL;
    }

  if (failure != NULL)
    g_propagate_error (error, failure);

  return key;
}

gboolean
qr_kdf_request_is_done (QrKdfRequest *request)
{
  gboolean done;

  g_return_val_if_fail (request != NULL, FALSE);

  g_mutex_lock (&request->shared->mutex);
  done = request->state == REQUEST_DONE;
  g_mutex_unlock (&request->shared->mutex);

  return done;
}

QrKdfRequest *
qr_kdf_request_ref (QrKdfRequest *request)
{
  g_return_val_if_fail (request != NULL, NULL);

  g_atomic_ref_count_inc (&request->ref_count);
  return request;
}

void
qr_kdf_request_unref (QrKdfRequest *request)
{
  g_return_if_fail (request != NULL);

  if (!g_atomic_ref_count_dec (&request->ref_count))
    return;

  g_clear_pointer (&request->key, qr_scrypt_key_free);
  g_clear_error (&request->error);
  g_clear_pointer (&request->passphrase, qr_secure_free);
  g_free (request->prefix);
  shared_unref (request->shared);
  g_free (request);
}

static guint64
meminfo_available (void)
{
  g_autofree char *contents = NULL;
  const char *line;
  guint64 kib;

  if (!g_file_get_contents ("/proc/meminfo", &contents, NULL, NULL))
    return 0;

  line = strstr (contents, "MemAvailable:");
  if (line == NULL)
    return 0;

  kib = g_ascii_strtoull (line + strlen ("MemAvailable:"), NULL, 10);
  if (kib > G_MAXUINT64 / 1024)
    return 0;

  return kib * 1024;
}

/* Memory the system can give us without swapping: the kernel's own
 * estimate where it offers one, free pages otherwise. */
guint64
qr_memory_available (void)
{
  guint64 available = meminfo_available ();
  long pages, page_size;

  if (available > 0)
    return available;

  pages = sysconf (_SC_AVPHYS_PAGES);
  page_size = sysconf (_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0)
    return 0;

  return (guint64) pages * (guint64) page_size;
}
