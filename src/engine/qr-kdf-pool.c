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
#include "qr-kdf-pool-private.h"
#include "qr-scrypt-private.h"

/* The pool as an object: its shared block, its limits, submission and
 * cancellation. The threads and what each field is guarded by:
 * qr-kdf-pool-private.h. */

struct _QrKdfPool
{
  GObject parent_instance;

  QrKdfShared *shared;
};

G_DEFINE_FINAL_TYPE (QrKdfPool, qr_kdf_pool, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_MAX_SECONDS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* How many keys may be under way or derived and not yet used: enough for
 * every worker to start a key of its own while as many again, and a few
 * more, wait to be used. */
static guint
max_keys_for (guint max_jobs)
{
  return 2 * MIN (max_jobs, 64) + 8;
}

static QrKdfShared *
shared_new (guint   max_jobs,
            guint64 budget)
{
  QrKdfShared *shared = g_new0 (QrKdfShared, 1);

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

QrKdfShared *
_qr_kdf_shared_ref (QrKdfShared *shared)
{
  g_atomic_ref_count_inc (&shared->ref_count);
  return shared;
}

void
_qr_kdf_shared_unref (QrKdfShared *shared)
{
  if (!g_atomic_ref_count_dec (&shared->ref_count))
    return;

  g_assert (g_queue_is_empty (&shared->ready));
  g_clear_pointer (&shared->schedule, qr_kdf_schedule_free);
  g_clear_pointer (&shared->secret, _qr_kdf_secret_unref);
  g_mutex_clear (&shared->mutex);
  g_cond_clear (&shared->work_cond);
  g_cond_clear (&shared->done_cond);
  g_free (shared);
}

static void
qr_kdf_pool_dispose (GObject *object)
{
  QrKdfPool *self = QR_KDF_POOL (object);

  if (self->shared != NULL)
    {
      QrKdfShared *shared = self->shared;
      g_autoptr(GPtrArray) unref = _qr_kdf_unref_list_new ();
      g_autoptr(GError) error = _qr_kdf_cancelled_error ();

      g_mutex_lock (&shared->mutex);
      shared->shutting_down = TRUE;
      _qr_kdf_shared_fail_all (shared, error, unref);
      /* The requests still held keep their own reference to it. */
      g_clear_pointer (&shared->secret, _qr_kdf_secret_unref);
      g_cond_broadcast (&shared->work_cond);
      g_mutex_unlock (&shared->mutex);

      g_clear_pointer (&unref, g_ptr_array_unref);
      g_clear_pointer (&self->shared, _qr_kdf_shared_unref);
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
  job = MAX (_qr_kdf_job_memory (params), 1);
  if (blocks > self->shared->budget)
    return 0;

  fit = (self->shared->budget - blocks) / job;
  return (guint) MIN (fit, (guint64) self->shared->max_jobs);
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
  QrKdfShared *shared;
  QrKdfRequest *request;
  g_autoptr(GPtrArray) unref = _qr_kdf_unref_list_new ();
  GError *error;

  g_return_val_if_fail (QR_IS_KDF_POOL (self), NULL);
  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (passphrase != NULL, NULL);

  shared = self->shared;
  request = _qr_kdf_request_new (shared, params, prefix);
  error = _qr_scrypt_check_work (params, qr_kdf_pool_get_max_seconds (self));

  g_mutex_lock (&shared->mutex);

  request->seq = shared->next_seq++;
  request->secret = _qr_kdf_shared_get_secret (shared, passphrase);

  if (g_error_matches (error, QR_ERROR, QR_ERROR_KDF_LIMIT))
    shared->refused_seconds = MAX (shared->refused_seconds,
                                   qr_scrypt_params_get_seconds (params));

  /* Waiting could never help: fail now, with sizes the user can act on. */
  if (error == NULL && !qr_kdf_schedule_fits (shared->schedule, &request->ticket))
    error = needs_memory_error (qr_scrypt_params_get_memory (params), shared->budget);

  if (error != NULL)
    _qr_kdf_request_complete (request, NULL, error);
  else
    _qr_kdf_request_schedule (request, FALSE, unref);

  g_mutex_unlock (&shared->mutex);

  return request;
}

/* Fails every request that has not started yet. Running ROMix jobs go on
 * to the end, since they cannot be interrupted. */
void
qr_kdf_pool_cancel (QrKdfPool *self)
{
  g_autoptr(GPtrArray) unref = _qr_kdf_unref_list_new ();
  g_autoptr(GError) error = _qr_kdf_cancelled_error ();

  g_return_if_fail (QR_IS_KDF_POOL (self));

  g_mutex_lock (&self->shared->mutex);
  _qr_kdf_shared_fail_all (self->shared, error, unref);
  g_mutex_unlock (&self->shared->mutex);
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
