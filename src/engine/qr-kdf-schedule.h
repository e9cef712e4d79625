/* qr-kdf-schedule.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Which ROMix job runs next: the deciding part of the KDF pool, without
 * threads or clocks, so that it can be run on a simulated clock too. The
 * caller serialises every call (the pool's mutex). */

typedef struct _QrKdfSchedule QrKdfSchedule;

/* One key to derive, embedded in whatever stands for it. */
typedef struct
{
  /*< private >*/
  GList    link;         /* in the waiting list */
  guint64  key_memory;   /* B, held from the start of the key to its end */
  guint64  job_memory;   /* V and the working blocks of one ROMix */
  guint32  jobs;         /* p, or how many were handed out once aborted */
  guint32  handed_out;
  guint32  finished;
  gboolean started;
  gboolean ready;        /* B is computed: its other jobs may start */
} QrKdfTicket;

/* What a worker that asked for a job does next. */
typedef enum
{
  QR_KDF_TAKE_JOB,   /* run the job it was given */
  QR_KDF_TAKE_WAIT,  /* wait: a job it can run is moments away */
  QR_KDF_TAKE_IDLE,  /* wait, and give back its ROMix buffer meanwhile */
} QrKdfTake;

typedef struct
{
  QrKdfTicket *ticket;
  guint32      index;       /* which of the p blocks */
  gboolean     starts_key;  /* compute B first, then qr_kdf_schedule_set_ready() */
} QrKdfJob;

QrKdfSchedule *qr_kdf_schedule_new            (guint           max_jobs,
                                               guint64         budget,
                                               guint           max_keys);
void           qr_kdf_schedule_free           (QrKdfSchedule  *self);

void           qr_kdf_ticket_init             (QrKdfTicket    *ticket,
                                               guint64         key_memory,
                                               guint64         job_memory,
                                               guint32         jobs);
gboolean       qr_kdf_schedule_fits           (QrKdfSchedule  *self,
                                               QrKdfTicket    *ticket);
void           qr_kdf_schedule_push           (QrKdfSchedule  *self,
                                               QrKdfTicket    *ticket);
void           qr_kdf_schedule_push_front     (QrKdfSchedule  *self,
                                               QrKdfTicket    *ticket);
GList         *qr_kdf_schedule_get_waiting    (QrKdfSchedule  *self);
gboolean       qr_kdf_schedule_remove         (QrKdfSchedule  *self,
                                               QrKdfTicket    *ticket);
guint          qr_kdf_schedule_get_pending    (QrKdfSchedule  *self);

QrKdfTake      qr_kdf_schedule_take           (QrKdfSchedule  *self,
                                               guint64         held,
                                               QrKdfJob       *job);
void           qr_kdf_schedule_set_ready      (QrKdfSchedule  *self,
                                               QrKdfTicket    *ticket);
gboolean       qr_kdf_schedule_finish         (QrKdfSchedule  *self,
                                               const QrKdfJob *job);
void           qr_kdf_schedule_end_key        (QrKdfSchedule  *self,
                                               QrKdfTicket    *ticket);
void           qr_kdf_schedule_drop_key       (QrKdfSchedule  *self);
void           qr_kdf_schedule_release_buffer (QrKdfSchedule  *self,
                                               guint64         held);

guint          qr_kdf_schedule_get_running    (QrKdfSchedule  *self);
guint64        qr_kdf_schedule_get_memory     (QrKdfSchedule  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrKdfSchedule, qr_kdf_schedule_free)

G_END_DECLS
