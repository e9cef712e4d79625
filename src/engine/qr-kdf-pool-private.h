/* qr-kdf-pool-private.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "qr-kdf-pool.h"
#include "qr-kdf-schedule.h"

G_BEGIN_DECLS

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
 * The queue and the accounting live in a refcounted QrKdfShared block
 * rather than in the GObject, so that disposing the pool never waits for
 * a ROMix run, which cannot be interrupted: workers hold their own
 * reference and exit once they see the pool is gone.
 *
 * qr-kdf-pool.c holds the object and submission, qr-kdf-request.c a
 * request's life and the waits, qr-kdf-worker.c the worker threads. */

typedef enum
{
  QR_KDF_REQUEST_QUEUED,   /* in the schedule, not started */
  QR_KDF_REQUEST_RUNNING,  /* its ROMix jobs are being handed out or run */
  QR_KDF_REQUEST_DONE,     /* a key not yet handed out, or an error */
  QR_KDF_REQUEST_IDLE,     /* no key held and none coming: a wait derives it */
} QrKdfRequestState;

/* The passphrase, one copy shared by the requests that use it. */
typedef struct
{
  gatomicrefcount  ref_count;
  char            *passphrase;  /* secure memory */
  gsize            len;
} QrKdfSecret;

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
  QrKdfSecret   *secret;         /* of the latest submission */
  double         max_seconds;
  double         refused_seconds; /* the longest key refused for max_seconds */

  /* Set at creation, read-only afterwards */
  guint          max_jobs;
  guint64        budget;
} QrKdfShared;

struct _QrKdfRequest
{
  gatomicrefcount    ref_count;
  QrKdfShared       *shared;

  /* Set at submission, read-only afterwards */
  QrScryptParams     params;
  char              *prefix;
  QrKdfSecret       *secret;
  guint64            seq;

  /* Under shared->mutex */
  QrKdfTicket        ticket;
  GList              ready_link;   /* in shared->ready */
  QrKdfRequestState  state;
  guint              waiters;
  QrScryptKey       *key;          /* DONE: the key, until handed out */
  GError            *error;        /* DONE: why it failed; RUNNING: why it will */
  guint8            *blocks;       /* RUNNING: B, each job writing its own block */
};

/* qr-kdf-pool.c */
QrKdfShared  *_qr_kdf_shared_ref                (QrKdfShared          *shared);
void          _qr_kdf_shared_unref              (QrKdfShared          *shared);

/* qr-kdf-request.c; those "with the mutex held" say so. */
guint64       _qr_kdf_job_memory                (const QrScryptParams *params);
QrKdfRequest *_qr_kdf_request_of                (QrKdfTicket          *ticket);
QrKdfRequest *_qr_kdf_request_new               (QrKdfShared          *shared,
                                                 const QrScryptParams *params,
                                                 const char           *prefix);
void          _qr_kdf_request_complete          (QrKdfRequest         *request,
                                                 QrScryptKey          *key,
                                                 GError               *error);
void          _qr_kdf_request_leave_schedule    (QrKdfRequest         *request,
                                                 GPtrArray            *unref);
GPtrArray    *_qr_kdf_unref_list_new            (void);
GError       *_qr_kdf_cancelled_error           (void);
void          _qr_kdf_shared_fail_all           (QrKdfShared          *shared,
                                                 const GError         *error,
                                                 GPtrArray            *unref);
void          _qr_kdf_shared_drop_abandoned     (QrKdfShared          *shared,
                                                 GPtrArray            *unref);
QrKdfSecret  *_qr_kdf_shared_get_secret         (QrKdfShared          *shared,
                                                 const char           *passphrase);
void          _qr_kdf_secret_unref              (QrKdfSecret          *secret);

/* qr-kdf-worker.c, with the mutex held */
void          _qr_kdf_request_schedule          (QrKdfRequest         *request,
                                                 gboolean              wanted_now,
                                                 GPtrArray            *unref);

G_END_DECLS
