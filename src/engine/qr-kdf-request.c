/* qr-kdf-request.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "qr-kdf-pool-private.h"
#include "qr-romix.h"
#include "qr-scrypt-private.h"

/* A request's life under the pool's mutex: the passphrase it shares with
 * others, its key going to whoever waits for it, the keys and requests a
 * caller went past, and the waits themselves. The threads and what each
 * field is guarded by: qr-kdf-pool-private.h. */

QrKdfRequest *
_qr_kdf_request_of (QrKdfTicket *ticket)
{
  return (QrKdfRequest *) ((guint8 *) ticket - G_STRUCT_OFFSET (QrKdfRequest, ticket));
}

static QrKdfSecret *
secret_new (const char *passphrase)
{
  QrKdfSecret *secret = g_new0 (QrKdfSecret, 1);

  g_atomic_ref_count_init (&secret->ref_count);
  secret->passphrase = qr_secure_strdup (passphrase);
  secret->len = strlen (passphrase);

  return secret;
}

static QrKdfSecret *
secret_ref (QrKdfSecret *secret)
{
  g_atomic_ref_count_inc (&secret->ref_count);
  return secret;
}

void
_qr_kdf_secret_unref (QrKdfSecret *secret)
{
  if (!g_atomic_ref_count_dec (&secret->ref_count))
    return;

  qr_secure_free (secret->passphrase);
  g_free (secret);
}

static gboolean
secret_matches (QrKdfSecret *secret,
                const char  *passphrase)
{
  gsize len = strlen (passphrase);

  return secret->len == len && CRYPTO_memcmp (secret->passphrase, passphrase, len) == 0;
}

guint64
_qr_kdf_job_memory (const QrScryptParams *params)
{
  return qr_romix_get_memory (params->log_n, params->r);
}

/* Called with the mutex held: a started key gives back its place among
 * the keys the pool may hold, and a worker may start another. */
static void
drop_key (QrKdfShared *shared)
{
  qr_kdf_schedule_drop_key (shared->schedule);
  g_cond_broadcast (&shared->work_cond);
}

/* Called with the mutex held. A key goes to whoever waits for it, unless
 * its caller already went past it. */
void
_qr_kdf_request_complete (QrKdfRequest *request,
                          QrScryptKey  *key,
                          GError       *error)
{
  QrKdfShared *shared = request->shared;
  gboolean started = request->state == QR_KDF_REQUEST_RUNNING;

  g_assert (request->state == QR_KDF_REQUEST_QUEUED || request->state == QR_KDF_REQUEST_RUNNING);
  g_assert ((key == NULL) != (error == NULL));

  request->state = QR_KDF_REQUEST_DONE;
  request->error = error;
  if (key != NULL && request->seq < shared->position && request->waiters == 0)
    {
      qr_scrypt_key_free (key);
      request->state = QR_KDF_REQUEST_IDLE;
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
  g_assert (request->state == QR_KDF_REQUEST_DONE && request->key != NULL);

  g_queue_unlink (&request->shared->ready, &request->ready_link);
  request->state = QR_KDF_REQUEST_IDLE;
  drop_key (request->shared);
  /* Anyone else waiting for it must now have it derived again. */
  g_cond_broadcast (&request->shared->done_cond);

  return g_steal_pointer (&request->key);
}

/* Called with the mutex held. Requests leaving the schedule lose the
 * pool's reference, which must be dropped once the mutex is released:
 * they are added to @unref. */
void
_qr_kdf_request_leave_schedule (QrKdfRequest *request,
                                GPtrArray    *unref)
{
  g_ptr_array_add (unref, request);
}

GPtrArray *
_qr_kdf_unref_list_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) qr_kdf_request_unref);
}

/* Called with the mutex held. Fails every request not started; keys under
 * way go on to the end. */
void
_qr_kdf_shared_fail_all (QrKdfShared  *shared,
                         const GError *error,
                         GPtrArray    *unref)
{
  GList *link;

  while ((link = qr_kdf_schedule_get_waiting (shared->schedule)) != NULL)
    {
      QrKdfRequest *request = _qr_kdf_request_of (link->data);

      qr_kdf_schedule_remove (shared->schedule, &request->ticket);
      _qr_kdf_request_complete (request, NULL, g_error_copy (error));
      _qr_kdf_request_leave_schedule (request, unref);
    }
}

GError *
_qr_kdf_cancelled_error (void)
{
  return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Operation was cancelled"));
}

/* Called with the mutex held: requests waiting at the head of the queue
 * that nobody but the pool holds would never be read. */
void
_qr_kdf_shared_drop_abandoned (QrKdfShared *shared,
                               GPtrArray   *unref)
{
  GList *link;

  while ((link = qr_kdf_schedule_get_waiting (shared->schedule)) != NULL)
    {
      QrKdfRequest *request = _qr_kdf_request_of (link->data);

      if (!g_atomic_ref_count_compare (&request->ref_count, 1))
        return;

      qr_kdf_schedule_remove (shared->schedule, &request->ticket);
      request->state = QR_KDF_REQUEST_IDLE;
      _qr_kdf_request_leave_schedule (request, unref);
    }
}

/* Called with the mutex held: the caller went on to the request @seq, so
 * keys of earlier ones nobody waits for will not be read. */
static void
go_past (QrKdfShared *shared,
         guint64      seq,
         GPtrArray   *unref)
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
      QrKdfRequest *request = _qr_kdf_request_of (link->data);

      next = link->next;
      if (request->seq >= seq)
        break;
      if (request->waiters == 0)
        {
          qr_kdf_schedule_remove (shared->schedule, &request->ticket);
          request->state = QR_KDF_REQUEST_IDLE;
          _qr_kdf_request_leave_schedule (request, unref);
        }
    }
}

QrKdfRequest *
_qr_kdf_request_new (QrKdfShared          *shared,
                     const QrScryptParams *params,
                     const char           *prefix)
{
  QrKdfRequest *request = g_new0 (QrKdfRequest, 1);

  g_atomic_ref_count_init (&request->ref_count);
  request->shared = _qr_kdf_shared_ref (shared);
  request->params = *params;
  request->prefix = g_strdup (prefix);
  request->ready_link.data = request;
  qr_kdf_ticket_init (&request->ticket, _qr_scrypt_get_blocks_size (params),
                      _qr_kdf_job_memory (params), params->p);

  return request;
}

/* Called with the mutex held: the passphrase, shared with the requests
 * submitted before that used the same one. */
QrKdfSecret *
_qr_kdf_shared_get_secret (QrKdfShared *shared,
                           const char  *passphrase)
{
  if (shared->secret == NULL || !secret_matches (shared->secret, passphrase))
    {
      g_clear_pointer (&shared->secret, _qr_kdf_secret_unref);
      shared->secret = secret_new (passphrase);
    }

  return secret_ref (shared->secret);
}

static void
wake_waiters_cb (GCancellable *cancellable,
                 gpointer      user_data)
{
  QrKdfShared *shared = user_data;

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
  QrKdfShared *shared;
  g_autoptr(GPtrArray) unref = _qr_kdf_unref_list_new ();
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
  while (request->state != QR_KDF_REQUEST_DONE && !g_cancellable_is_cancelled (cancellable))
    {
      if (request->state == QR_KDF_REQUEST_IDLE)
        _qr_kdf_request_schedule (request, TRUE, unref);
      else
        g_cond_wait (&shared->done_cond, &shared->mutex);
    }

  if (request->state == QR_KDF_REQUEST_DONE)
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
  done = request->state == QR_KDF_REQUEST_DONE;
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
  QrKdfShared *shared;

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
  g_clear_pointer (&request->secret, _qr_kdf_secret_unref);
  g_free (request->prefix);
  _qr_kdf_shared_unref (shared);
  g_free (request);
}
