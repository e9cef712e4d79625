/* qr-kdf-worker.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include <openssl/crypto.h>

#include "qr-error.h"
#include "qr-kdf-pool-private.h"
#include "qr-romix.h"
#include "qr-scrypt-private.h"

/* The pool's worker threads: started when requests are scheduled, they
 * take ROMix jobs from the schedule and run them outside the mutex; the
 * first job of a key expands the password, the last one makes the key.
 * The threads and what each field is guarded by: qr-kdf-pool-private.h. */

static void
wipe_blocks (QrKdfRequest *request)
{
  gsize size = _qr_scrypt_get_blocks_size (&request->params);

  if (request->blocks == NULL)
    return;

  OPENSSL_cleanse (request->blocks, size);
  g_clear_pointer (&request->blocks, g_free);
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
ensure_workers (QrKdfShared *shared,
                GPtrArray   *unref)
{
  while (shared->n_threads < shared->max_jobs &&
         shared->n_threads < qr_kdf_schedule_get_pending (shared->schedule))
    {
      g_autoptr(GError) error = NULL;
      GThread *thread;

      thread = g_thread_try_new ("qr-kdf", worker_thread, _qr_kdf_shared_ref (shared), &error);
      if (thread == NULL)
        {
          _qr_kdf_shared_unref (shared);
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

      _qr_kdf_shared_fail_all (shared, error, unref);
    }

  g_cond_broadcast (&shared->work_cond);
}

/* Called with the mutex held. */
void
_qr_kdf_request_schedule (QrKdfRequest *request,
                          gboolean      wanted_now,
                          GPtrArray    *unref)
{
  QrKdfShared *shared = request->shared;

  request->state = QR_KDF_REQUEST_QUEUED;
  qr_kdf_ticket_init (&request->ticket, _qr_scrypt_get_blocks_size (&request->params),
                      _qr_kdf_job_memory (&request->params), request->params.p);
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
  QrKdfShared *shared = request->shared;
  g_autoptr(GPtrArray) unref = _qr_kdf_unref_list_new ();
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
  _qr_kdf_request_complete (request, key, key == NULL ? g_steal_pointer (&request->error) : NULL);
  _qr_kdf_request_leave_schedule (request, unref);
  g_mutex_unlock (&shared->mutex);
}

/* Runs one ROMix job; called and returning without the mutex. */
static void
run_job (QrKdfShared     *shared,
         const QrKdfJob  *job,
         QrRomixBuffer  **buffer)
{
  QrKdfRequest *request = _qr_kdf_request_of (job->ticket);
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
  QrKdfShared *shared = data;
  QrRomixBuffer *buffer = NULL;
  guint64 held = 0;

  g_mutex_lock (&shared->mutex);

  for (;;)
    {
      g_autoptr(GPtrArray) unref = _qr_kdf_unref_list_new ();
      QrKdfTake take;
      QrKdfJob job;

      _qr_kdf_shared_drop_abandoned (shared, unref);
      take = qr_kdf_schedule_take (shared->schedule, held, &job);
      if (take == QR_KDF_TAKE_JOB && job.starts_key)
        _qr_kdf_request_of (job.ticket)->state = QR_KDF_REQUEST_RUNNING;

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
  _qr_kdf_shared_unref (shared);

  return NULL;
}
