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

#include <openssl/crypto.h>

#include "qr-error.h"
#include "qr-kdf-pool.h"
#include "qr-kdf-schedule.h"
#include "qr-romix.h"
#include "qr-scrypt-private.h"

/* One scrypt key needs hundreds of MiB to GiB of memory and p runs of
 * ROMix, each of which can run on its own core. The pool's workers take
 * ROMix jobs as qr-kdf-schedule.c hands them out: in submission order,
 * as many at once as the cores and a memory budget allow.
 *
 *   submit ──> waiting ──> key starts: B = PBKDF2 (P, S)      (1st worker)
 *                          ROMix of block 0 … p-1             (any workers)
 *                          key = PBKDF2 (P, B)                (last worker)
 *   wait <──── done, held until handed out ─────┘
 *
 * Keys are derived ahead of the data, but only so far: the schedule lets
 * a key start only while few enough are under way or done and not yet
 * taken. Callers take keys in submission order; a key that the caller
 * went past without taking (its chunk was skipped) is wiped at once, and
 * one not started is never derived. Waiting for such a request later
 * derives it again. Secrets held therefore stay few whatever the number
 * of chunks: the passphrase once, keys in flight, and the transient
 * passwords of running derivations, all in the fixed secure arena.
 *
 * The queue and the accounting live in a refcounted Shared block rather
 * than in the GObject, so that disposing the pool never waits for a ROMix
 * run, which cannot be interrupted: workers hold their own reference and
 * exit once they see the pool is gone. */

enum
{
  PROP_0,
  PROP_MAX_SECONDS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef enum
{
  REQUEST_QUEUED,   /* in the schedule, not started */
  REQUEST_RUNNING,  /* its ROMix jobs are being handed out or run */
  REQUEST_DONE,     /* a key not yet handed out, or an error */
  REQUEST_IDLE,     /* no key held and none coming: a wait derives it */
} RequestState;

/* The passphrase, one copy shared by the requests that use it. */
typedef struct
{
  gatomicrefcount  ref_count;
  char            *passphrase;  /* secure memory */
  gsize            len;
} Secret;

typedef struct
{
  gatomicrefcount ref_count;

  GMutex mutex;
  GCond  work_cond;  /* workers: a job to take, or shutdown */
  GCond  done_cond;  /* waiters: some request finished */

  /* Under mutex */
  QrKdfSchedule *schedule;       /* holds a reference on each request in it */
  GQueue         ready;          /* of QrKdfRequest: done with a key, by seq */
  guint          n_threads;
  gboolean       shutting_down;
  guint64        next_seq;
  guint64        position;       /* the latest request waited for */
  Secret        *secret;         /* of the latest submission */
  double         max_seconds;
  double         refused_seconds; /* the longest key refused for max_seconds */

  /* Set at creation, read-only afterwards */
  guint          max_jobs;
  guint64        budget;
} Shared;

struct _QrKdfRequest
{
  gatomicrefcount ref_count;
  Shared         *shared;

  /* Set at submission, read-only afterwards */
  QrScryptParams  params;
  char           *prefix;
  Secret         *secret;
  guint64         seq;

  /* Under shared->mutex */
  QrKdfTicket     ticket;
  GList           ready_link;   /* in shared->ready */
  RequestState    state;
  guint           waiters;
  QrScryptKey    *key;          /* DONE: the key, until handed out */
  GError         *error;        /* DONE: why it failed; RUNNING: why it will */
  guint8         *blocks;       /* RUNNING: B, each job writing its own block */
};

struct _QrKdfPool
{
  GObject parent_instance;

  Shared *shared;
};

G_DEFINE_FINAL_TYPE (QrKdfPool, qr_kdf_pool, G_TYPE_OBJECT)

static QrKdfRequest *
request_of (QrKdfTicket *ticket)
{
  return (QrKdfRequest *) ((guint8 *) ticket - G_STRUCT_OFFSET (QrKdfRequest, ticket));
}

static Secret *
secret_new (const char *passphrase)
{
  Secret *secret = g_new0 (Secret, 1);

  g_atomic_ref_count_init (&secret->ref_count);
  secret->passphrase = qr_secure_strdup (passphrase);
  secret->len = strlen (passphrase);

  return secret;
}

static Secret *
secret_ref (Secret *secret)
{
  g_atomic_ref_count_inc (&secret->ref_count);
  return secret;
}

static void
secret_unref (Secret *secret)
{
  if (!g_atomic_ref_count_dec (&secret->ref_count))
    return;

  qr_secure_free (secret->passphrase);
  g_free (secret);
}

static gboolean
secret_matches (Secret     *secret,
                const char *passphrase)
{
  gsize len = strlen (passphrase);

  return secret->len == len && CRYPTO_memcmp (secret->passphrase, passphrase, len) == 0;
}

/* How many keys may be under way or derived and not yet used: enough for
 * every worker to start a key of its own while as many again, and a few
 * more, wait to be used. */
static guint
max_keys_for (guint max_jobs)
{
  return 2 * MIN (max_jobs, 64) + 8;
}

static Shared *
shared_new (guint   max_jobs,
            guint64 budget)
{
  Shared *shared = g_new0 (Shared, 1);

  g_atomic_ref_count_init (&shared->ref_count);
  g_mutex_init (&shared->mutex);
  g_cond_init (&shared->work_cond);
  g_cond_init (&shared->done_cond);
  g_queue_init (&shared->ready);
  shared->schedule = qr_kdf_schedule_new (max_jobs, budget, max_keys_for (max_jobs));
  shared->max_seconds = QR_KDF_POOL_DEFAULT_MAX_SECONDS;
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

  g_assert (g_queue_is_empty (&shared->ready));
  g_clear_pointer (&shared->schedule, qr_kdf_schedule_free);
  g_clear_pointer (&shared->secret, secret_unref);
  g_mutex_clear (&shared->mutex);
  g_cond_clear (&shared->work_cond);
  g_cond_clear (&shared->done_cond);
  g_free (shared);
}

static void
wipe_blocks (QrKdfRequest *request)
{
  gsize size = _qr_scrypt_get_blocks_size (&request->params);

  if (request->blocks == NULL)
    return;

  OPENSSL_cleanse (request->blocks, size);
  g_clear_pointer (&request->blocks, g_free);
}

/* Called with the mutex held: a started key gives back its place among
 * the keys the pool may hold, and a worker may start another. */
static void
drop_key (Shared *shared)
{
  qr_kdf_schedule_drop_key (shared->schedule);
  g_cond_broadcast (&shared->work_cond);
}

/* Called with the mutex held. A key goes to whoever waits for it, unless
 * its caller already went past it. */
static void
request_complete (QrKdfRequest *request,
                  QrScryptKey  *key,
                  GError       *error)
{
  Shared *shared = request->shared;
  gboolean started = request->state == REQUEST_RUNNING;

  g_assert (request->state == REQUEST_QUEUED || request->state == REQUEST_RUNNING);
  g_assert ((key == NULL) != (error == NULL));

  request->state = REQUEST_DONE;
  request->error = error;
  if (key != NULL && request->seq < shared->position && request->waiters == 0)
    {
      qr_scrypt_key_free (key);
      request->state = REQUEST_IDLE;
    }
  else if (key != NULL)
    {
      GList *after = shared->ready.tail;

      request->key = key;
      while (after != NULL && ((QrKdfRequest *) after->data)->seq > request->seq)
        after = after->prev;
      if (after != NULL)
        g_queue_insert_after_link (&shared->ready, after, &request->ready_link);
      else
        g_queue_push_head_link (&shared->ready, &request->ready_link);
    }

  if (started && request->key == NULL)
    drop_key (shared);

  g_cond_broadcast (&shared->done_cond);
}

/* Called with the mutex held: the caller took the key or went past it. */
static QrScryptKey *
request_take_key (QrKdfRequest *request)
{
  g_assert (request->state == REQUEST_DONE && request->key != NULL);

  g_queue_unlink (&request->shared->ready, &request->ready_link);
  request->state = REQUEST_IDLE;
  drop_key (request->shared);
  /* Anyone else waiting for it must now have it derived again. */
  g_cond_broadcast (&request->shared->done_cond);

  return g_steal_pointer (&request->key);
}

/* Called with the mutex held. Requests leaving the schedule lose the
 * pool's reference, which must be dropped once the mutex is released:
 * they are added to @unref. */
static void
leave_schedule (QrKdfRequest *request,
                GPtrArray    *unref)
{
  g_ptr_array_add (unref, request);
}

static GPtrArray *
unref_list_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) qr_kdf_request_unref);
}

/* Called with the mutex held. Fails every request not started; keys under
 * way go on to the end. */
static void
fail_all (Shared       *shared,
          const GError *error,
          GPtrArray    *unref)
{
  GList *link;

  while ((link = qr_kdf_schedule_get_waiting (shared->schedule)) != NULL)
    {
      QrKdfRequest *request = request_of (link->data);

      qr_kdf_schedule_remove (shared->schedule, &request->ticket);
      request_complete (request, NULL, g_error_copy (error));
      leave_schedule (request, unref);
    }
}

static GError *
cancelled_error (void)
{
  return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Operation was cancelled"));
}

/* Called with the mutex held: requests waiting at the head of the queue
 * that nobody but the pool holds would never be read. */
static void
drop_abandoned (Shared    *shared,
                GPtrArray *unref)
{
  GList *link;

  while ((link = qr_kdf_schedule_get_waiting (shared->schedule)) != NULL)
    {
      QrKdfRequest *request = request_of (link->data);

      if (!g_atomic_ref_count_compare (&request->ref_count, 1))
        return;

      qr_kdf_schedule_remove (shared->schedule, &request->ticket);
      request->state = REQUEST_IDLE;
      leave_schedule (request, unref);
    }
}

/* Called with the mutex held: the caller went on to the request @seq, so
 * keys of earlier ones nobody waits for will not be read. */
static void
go_past (Shared    *shared,
         guint64    seq,
         GPtrArray *unref)
{
  GList *link, *next;

  if (seq <= shared->position)
    return;
  shared->position = seq;

  for (link = shared->ready.head; link != NULL; link = next)
    {
      QrKdfRequest *request = link->data;

      next = link->next;
      if (request->seq >= seq)
        break;
      if (request->waiters == 0)
        qr_scrypt_key_free (request_take_key (request));
    }

  for (link = qr_kdf_schedule_get_waiting (shared->schedule); link != NULL; link = next)
    {
      QrKdfRequest *request = request_of (link->data);

      next = link->next;
      if (request->seq >= seq)
        break;
      if (request->waiters == 0)
        {
          qr_kdf_schedule_remove (shared->schedule, &request->ticket);
          request->state = REQUEST_IDLE;
          leave_schedule (request, unref);
        }
    }
}

static guint64
job_memory (const QrScryptParams *params)
{
  return qr_romix_get_memory (params->log_n, params->r);
}

static GError *
start_error (void)
{
  return g_error_new_literal (QR_ERROR, QR_ERROR_FAILED,
                              _("Could not start the work of unlocking the backup. Close "
                                "other programs and try again."));
}

static gpointer worker_thread (gpointer data);

/* Called with the mutex held. Threads start lazily, so a pool that is
 * never used costs nothing, and only while jobs outnumber the threads. */
static void
ensure_workers (Shared    *shared,
                GPtrArray *unref)
{
  while (shared->n_threads < shared->max_jobs &&
         shared->n_threads < qr_kdf_schedule_get_pending (shared->schedule))
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

  if (shared->n_threads == 0)
    {
      g_autoptr(GError) error = start_error ();

      fail_all (shared, error, unref);
    }

  g_cond_broadcast (&shared->work_cond);
}

/* Called with the mutex held. */
static void
schedule_request (QrKdfRequest *request,
                  gboolean      wanted_now,
                  GPtrArray    *unref)
{
  Shared *shared = request->shared;

  request->state = REQUEST_QUEUED;
  qr_kdf_ticket_init (&request->ticket, _qr_scrypt_get_blocks_size (&request->params),
                      job_memory (&request->params), request->params.p);
  qr_kdf_request_ref (request);
  if (wanted_now)
    qr_kdf_schedule_push_front (shared->schedule, &request->ticket);
  else
    qr_kdf_schedule_push (shared->schedule, &request->ticket);
  ensure_workers (shared, unref);
}

/* B = PBKDF2 (P, S, 1, p·128·r); outside the mutex. */
static GError *
expand_password (QrKdfRequest *request,
                 guint8      **blocks)
{
  gsize size = _qr_scrypt_get_blocks_size (&request->params);
  guint8 *password;
  gsize password_len;

  *blocks = g_try_malloc (size);
  if (*blocks == NULL)
    return g_error_new_literal (QR_ERROR, QR_ERROR_NEEDS_MEMORY,
                                _("There is not enough memory to unlock this backup. Close "
                                  "other programs, or use a computer with more memory."));

  password = _qr_scrypt_dup_password (request->prefix, request->secret->passphrase,
                                      &password_len);
  _qr_scrypt_pbkdf2 (password, password_len, request->params.salt,
                     sizeof request->params.salt, *blocks, size);
  _qr_scrypt_free_password (password, password_len);

  return NULL;
}

/* key = PBKDF2 (P, B, 1, 64); outside the mutex. */
static QrScryptKey *
compress_blocks (QrKdfRequest *request)
{
  QrScryptKey *key = _qr_scrypt_key_new ();
  guint8 *password;
  gsize password_len;

  password = _qr_scrypt_dup_password (request->prefix, request->secret->passphrase,
                                      &password_len);
  _qr_scrypt_pbkdf2 (password, password_len, request->blocks,
                     _qr_scrypt_get_blocks_size (&request->params),
                     key->bytes, sizeof key->bytes);
  _qr_scrypt_free_password (password, password_len);

  return key;
}

/* Called with the mutex held: a key under way gets no more jobs, and
 * fails when the running ones are over. */
static void
fail_key (QrKdfRequest *request,
          GError       *error)
{
  gboolean idle;

  if (request->error == NULL)
    request->error = error;
  else
    g_error_free (error);

  /* The caller's own job still runs, so it ends the key. */
  idle = qr_kdf_schedule_remove (request->shared->schedule, &request->ticket);
  g_assert (!idle);
}

/* Its last job is over: the key is made, or its failure reported. Called
 * without the mutex, which it takes. */
static void
end_request (QrKdfRequest *request)
{
  Shared *shared = request->shared;
  g_autoptr(GPtrArray) unref = unref_list_new ();
  QrScryptKey *key = NULL;
  gboolean failed;

  g_mutex_lock (&shared->mutex);
  failed = request->error != NULL;
  g_mutex_unlock (&shared->mutex);

  if (!failed)
    key = compress_blocks (request);

  g_mutex_lock (&shared->mutex);
  qr_kdf_schedule_end_key (shared->schedule, &request->ticket);
  wipe_blocks (request);
  request_complete (request, key, key == NULL ? g_steal_pointer (&request->error) : NULL);
  leave_schedule (request, unref);
  g_mutex_unlock (&shared->mutex);
}

/* Runs one ROMix job; called and returning without the mutex. */
static void
run_job (Shared         *shared,
         const QrKdfJob *job,
         QrRomixBuffer **buffer)
{
  QrKdfRequest *request = request_of (job->ticket);
  const QrScryptParams *params = &request->params;
  GError *error = NULL;
  guint8 *blocks;
  gboolean last;

  if (*buffer == NULL || qr_romix_buffer_get_size (*buffer) != job->ticket->job_memory)
    {
      g_clear_pointer (buffer, qr_romix_buffer_free);
      *buffer = qr_romix_buffer_new (params->log_n, params->r);
    }

  if (job->starts_key)
    {
      error = expand_password (request, &blocks);

      g_mutex_lock (&shared->mutex);
      request->blocks = blocks;
      qr_kdf_schedule_set_ready (shared->schedule, &request->ticket);
      if (error != NULL)
        fail_key (request, g_steal_pointer (&error));
      g_cond_broadcast (&shared->work_cond);
      g_mutex_unlock (&shared->mutex);
    }

  /* Set under the mutex before any other job of the key was handed out,
   * and freed only once all its jobs are over. */
  blocks = request->blocks;
  if (*buffer == NULL)
    error = g_error_new_literal (QR_ERROR, QR_ERROR_NEEDS_MEMORY,
                                 _("There is not enough memory to unlock this backup. Close "
                                   "other programs, or use a computer with more memory."));
  else if (blocks != NULL)
    qr_romix (blocks + (gsize) job->index * 128 * params->r, params->log_n, params->r, *buffer);

  g_mutex_lock (&shared->mutex);
  if (error != NULL)
    fail_key (request, error);
  last = qr_kdf_schedule_finish (shared->schedule, job);
  g_mutex_unlock (&shared->mutex);

  if (last)
    end_request (request);
}

static gpointer
worker_thread (gpointer data)
{
  Shared *shared = data;
  QrRomixBuffer *buffer = NULL;
  guint64 held = 0;

  g_mutex_lock (&shared->mutex);

  for (;;)
    {
      g_autoptr(GPtrArray) unref = unref_list_new ();
      QrKdfTake take;
      QrKdfJob job;

      drop_abandoned (shared, unref);
      take = qr_kdf_schedule_take (shared->schedule, held, &job);
      if (take == QR_KDF_TAKE_JOB && job.starts_key)
        request_of (job.ticket)->state = REQUEST_RUNNING;

      if (unref->len > 0 || take == QR_KDF_TAKE_JOB || (take == QR_KDF_TAKE_IDLE && held > 0))
        {
          g_mutex_unlock (&shared->mutex);
          g_clear_pointer (&unref, g_ptr_array_unref);

          if (take == QR_KDF_TAKE_JOB)
            {
              held = job.ticket->job_memory;
              run_job (shared, &job, &buffer);
            }
          else if (take == QR_KDF_TAKE_IDLE && held > 0)
            {
              g_clear_pointer (&buffer, qr_romix_buffer_free);
              g_mutex_lock (&shared->mutex);
              qr_kdf_schedule_release_buffer (shared->schedule, held);
              held = 0;
              g_cond_broadcast (&shared->work_cond);
              g_mutex_unlock (&shared->mutex);
            }

          g_mutex_lock (&shared->mutex);
          continue;
        }

      if (shared->shutting_down && held == 0)
        break;

      g_cond_wait (&shared->work_cond, &shared->mutex);
    }

  shared->n_threads--;
  g_mutex_unlock (&shared->mutex);
  shared_unref (shared);

  return NULL;
}

static void
qr_kdf_pool_dispose (GObject *object)
{
  QrKdfPool *self = QR_KDF_POOL (object);

  if (self->shared != NULL)
    {
      Shared *shared = self->shared;
      g_autoptr(GPtrArray) unref = unref_list_new ();
      g_autoptr(GError) error = cancelled_error ();

      g_mutex_lock (&shared->mutex);
      shared->shutting_down = TRUE;
      fail_all (shared, error, unref);
      /* The requests still held keep their own reference to it. */
      g_clear_pointer (&shared->secret, secret_unref);
      g_cond_broadcast (&shared->work_cond);
      g_mutex_unlock (&shared->mutex);

      g_clear_pointer (&unref, g_ptr_array_unref);
      g_clear_pointer (&self->shared, shared_unref);
    }

  G_OBJECT_CLASS (qr_kdf_pool_parent_class)->dispose (object);
}

static void
qr_kdf_pool_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  QrKdfPool *self = QR_KDF_POOL (object);

  switch (prop_id)
    {
    case PROP_MAX_SECONDS:
      g_value_set_double (value, qr_kdf_pool_get_max_seconds (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qr_kdf_pool_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  QrKdfPool *self = QR_KDF_POOL (object);

  switch (prop_id)
    {
    case PROP_MAX_SECONDS:
      qr_kdf_pool_set_max_seconds (self, g_value_get_double (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qr_kdf_pool_class_init (QrKdfPoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = qr_kdf_pool_dispose;
  object_class->get_property = qr_kdf_pool_get_property;
  object_class->set_property = qr_kdf_pool_set_property;

  /**
   * QrKdfPool:max-seconds:
   *
   * The most work one key may take, in seconds of one core of this
   * computer, as estimated before it starts; requests above it fail with
   * %QR_ERROR_KDF_LIMIT. Like the time limit of `scrypt dec`, it keeps a
   * damaged or hostile header from keeping the computer busy for days.
   */
  properties[PROP_MAX_SECONDS] =
    g_param_spec_double ("max-seconds", NULL, NULL,
                         0, G_MAXDOUBLE, QR_KDF_POOL_DEFAULT_MAX_SECONDS,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
qr_kdf_pool_init (QrKdfPool *self)
{
}

/**
 * qr_kdf_pool_new:
 * @max_jobs: how many ROMix runs may go on at once, or 0 for one per core
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

double
qr_kdf_pool_get_max_seconds (QrKdfPool *self)
{
  double seconds;

  g_return_val_if_fail (QR_IS_KDF_POOL (self), 0);

  g_mutex_lock (&self->shared->mutex);
  seconds = self->shared->max_seconds;
  g_mutex_unlock (&self->shared->mutex);

  return seconds;
}

/**
 * qr_kdf_pool_set_max_seconds:
 * @seconds: the work limit per key, in seconds of one core; see
 *   #QrKdfPool:max-seconds
 *
 * Applies to requests submitted from now on.
 */
void
qr_kdf_pool_set_max_seconds (QrKdfPool *self,
                             double     seconds)
{
  gboolean changed;

  g_return_if_fail (QR_IS_KDF_POOL (self));
  g_return_if_fail (seconds >= 0);

  g_mutex_lock (&self->shared->mutex);
  changed = self->shared->max_seconds != seconds;
  self->shared->max_seconds = seconds;
  g_mutex_unlock (&self->shared->mutex);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_SECONDS]);
}

/**
 * qr_kdf_pool_get_refused_seconds:
 *
 * Returns: how long the longest key refused for the work limit would take
 *   on one core of this computer, or 0 when none was refused: what a front
 *   end asks the user about before raising the limit.
 */
double
qr_kdf_pool_get_refused_seconds (QrKdfPool *self)
{
  double seconds;

  g_return_val_if_fail (QR_IS_KDF_POOL (self), 0);

  g_mutex_lock (&self->shared->mutex);
  seconds = self->shared->refused_seconds;
  g_mutex_unlock (&self->shared->mutex);

  return seconds;
}

/* How many ROMix runs with these parameters can go on side by side. */
guint
qr_kdf_pool_get_lanes (QrKdfPool            *self,
                       const QrScryptParams *params)
{
  guint64 blocks, job, fit;

  g_return_val_if_fail (QR_IS_KDF_POOL (self), 0);
  g_return_val_if_fail (params != NULL, 0);

  blocks = _qr_scrypt_get_blocks_size (params);
  job = MAX (job_memory (params), 1);
  if (blocks > self->shared->budget)
    return 0;

  fit = (self->shared->budget - blocks) / job;
  return (guint) MIN (fit, (guint64) self->shared->max_jobs);
}

static QrKdfRequest *
request_new (Shared               *shared,
             const QrScryptParams *params,
             const char           *prefix)
{
  QrKdfRequest *request = g_new0 (QrKdfRequest, 1);

  g_atomic_ref_count_init (&request->ref_count);
  request->shared = shared_ref (shared);
  request->params = *params;
  request->prefix = g_strdup (prefix);
  request->ready_link.data = request;
  qr_kdf_ticket_init (&request->ticket, _qr_scrypt_get_blocks_size (params),
                      job_memory (params), params->p);

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

/* Called with the mutex held: the passphrase, shared with the requests
 * submitted before that used the same one. */
static Secret *
get_secret (Shared     *shared,
            const char *passphrase)
{
  if (shared->secret == NULL || !secret_matches (shared->secret, passphrase))
    {
      g_clear_pointer (&shared->secret, secret_unref);
      shared->secret = secret_new (passphrase);
    }

  return secret_ref (shared->secret);
}

/**
 * qr_kdf_pool_submit:
 *
 * Queues the derivation of the key for one container. The parameters,
 * prefix and passphrase are copied. Requests that fail at once (over the
 * work limit or the memory budget) are returned done.
 *
 * Returns: (transfer full): a request to wait on.
 */
QrKdfRequest *
qr_kdf_pool_submit (QrKdfPool            *self,
                    const QrScryptParams *params,
                    const char           *prefix,
                    const char           *passphrase)
{
  Shared *shared;
  QrKdfRequest *request;
  g_autoptr(GPtrArray) unref = unref_list_new ();
  GError *error;

  g_return_val_if_fail (QR_IS_KDF_POOL (self), NULL);
  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (passphrase != NULL, NULL);

  shared = self->shared;
  request = request_new (shared, params, prefix);
  error = _qr_scrypt_check_work (params, qr_kdf_pool_get_max_seconds (self));

  g_mutex_lock (&shared->mutex);

  request->seq = shared->next_seq++;
  request->secret = get_secret (shared, passphrase);

  if (g_error_matches (error, QR_ERROR, QR_ERROR_KDF_LIMIT))
    shared->refused_seconds = MAX (shared->refused_seconds,
                                   qr_scrypt_params_get_seconds (params));

  /* Waiting could never help: fail now, with sizes the user can act on. */
  if (error == NULL && !qr_kdf_schedule_fits (shared->schedule, &request->ticket))
    error = needs_memory_error (qr_scrypt_params_get_memory (params), shared->budget);

  if (error != NULL)
    request_complete (request, NULL, error);
  else
    schedule_request (request, FALSE, unref);

  g_mutex_unlock (&shared->mutex);

  return request;
}

/* Fails every request that has not started yet. Running ROMix jobs go on
 * to the end, since they cannot be interrupted. */
void
qr_kdf_pool_cancel (QrKdfPool *self)
{
  g_autoptr(GPtrArray) unref = unref_list_new ();
  g_autoptr(GError) error = cancelled_error ();

  g_return_if_fail (QR_IS_KDF_POOL (self));

  g_mutex_lock (&self->shared->mutex);
  fail_all (self->shared, error, unref);
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
 * The key is handed out, not copied: the request keeps no copy. Waiting
 * again derives it again, as does waiting for a request that the caller
 * went past before (a wait for a later request gives up the keys of all
 * earlier requests nobody waits for).
 *
 * Returns: (transfer full): the key, to free with qr_scrypt_key_free()
 */
QrScryptKey *
qr_kdf_request_wait (QrKdfRequest  *request,
                     GCancellable  *cancellable,
                     GError       **error)
{
  Shared *shared;
  g_autoptr(GPtrArray) unref = unref_list_new ();
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

  request->waiters++;
  go_past (shared, request->seq, unref);

  /* No key held and none coming (not derived, or handed out, also to
   * another thread waiting at the same time): derive it again. */
  while (request->state != REQUEST_DONE && !g_cancellable_is_cancelled (cancellable))
    {
      if (request->state == REQUEST_IDLE)
        schedule_request (request, TRUE, unref);
      else
        g_cond_wait (&shared->done_cond, &shared->mutex);
    }

  if (request->state == REQUEST_DONE)
    {
      if (request->key != NULL)
        key = request_take_key (request);
      else
        failure = g_error_copy (request->error);
    }
  request->waiters--;

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

/* Whether the request has an outcome to collect: a key or an error. */
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
  Shared *shared;

  g_return_if_fail (request != NULL);

  if (!g_atomic_ref_count_dec (&request->ref_count))
    return;

  /* Nothing in the pool refers to it any more, except the list of keys
   * ready when it has one. */
  shared = request->shared;
  g_mutex_lock (&shared->mutex);
  if (request->key != NULL)
    qr_scrypt_key_free (request_take_key (request));
  g_mutex_unlock (&shared->mutex);

  g_assert (request->blocks == NULL);
  g_clear_error (&request->error);
  g_clear_pointer (&request->secret, secret_unref);
  g_free (request->prefix);
  shared_unref (shared);
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
