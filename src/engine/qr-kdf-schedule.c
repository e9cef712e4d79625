/* qr-kdf-schedule.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "qr-kdf-schedule.h"

/* The unit of work is one ROMix run, not one key: a key with p = 3 is
 * three jobs that three workers can run at once. Keys start strictly in
 * submission order, and the jobs of the key started last are all handed
 * out before the next key starts, so keys end in about the order the data
 * needs them while no worker idles as long as any job is left.
 *
 * A job may start when a worker is free (max_jobs) and its memory fits
 * in what is left of the budget. A key may start only while fewer than
 * max_keys keys are under way or derived but not yet used, which bounds
 * how far ahead of the data, and how many keys, the pool holds.
 *
 * Memory in use counts the B of every key under way and the ROMix buffer
 * of every worker that holds one, running or not: a worker keeps its
 * buffer between jobs of the same size. */

struct _QrKdfSchedule
{
  guint        max_jobs;
  guint64      budget;
  guint        max_keys;

  GQueue       waiting;   /* of QrKdfTicket, not started, in order */
  QrKdfTicket *current;   /* started, with jobs not handed out yet */
  guint        pending;   /* jobs not handed out, of all tickets */
  guint        running;
  guint        keys;      /* started and not dropped */
  guint64      memory;
};

QrKdfSchedule *
qr_kdf_schedule_new (guint   max_jobs,
                     guint64 budget,
                     guint   max_keys)
{
  QrKdfSchedule *self = g_new0 (QrKdfSchedule, 1);

  g_queue_init (&self->waiting);
  self->max_jobs = max_jobs;
  self->budget = budget;
  self->max_keys = max_keys;

  return self;
}

void
qr_kdf_schedule_free (QrKdfSchedule *self)
{
  if (self == NULL)
    return;

  g_assert (g_queue_is_empty (&self->waiting));
  g_free (self);
}

void
qr_kdf_ticket_init (QrKdfTicket *ticket,
                    guint64      key_memory,
                    guint64      job_memory,
                    guint32      jobs)
{
  *ticket = (QrKdfTicket) {
    .link = { .data = ticket },
    .key_memory = key_memory,
    .job_memory = job_memory,
    .jobs = jobs,
  };
}

/* Written so that no size, however large, can overflow. */
static gboolean
fits (guint64 budget,
      guint64 used,
      guint64 more,
      guint64 more_still)
{
  return used <= budget && more <= budget - used && more_still <= budget - used - more;
}

/* Whether the ticket could ever run, with the whole budget to itself. */
gboolean
qr_kdf_schedule_fits (QrKdfSchedule *self,
                      QrKdfTicket   *ticket)
{
  return fits (self->budget, 0, ticket->key_memory, ticket->job_memory);
}

void
qr_kdf_schedule_push (QrKdfSchedule *self,
                      QrKdfTicket   *ticket)
{
  g_queue_push_tail_link (&self->waiting, &ticket->link);
  self->pending += ticket->jobs;
}

/* For a key somebody waits for now, ahead of those derived in advance. */
void
qr_kdf_schedule_push_front (QrKdfSchedule *self,
                            QrKdfTicket   *ticket)
{
  g_queue_push_head_link (&self->waiting, &ticket->link);
  self->pending += ticket->jobs;
}

/* Returns: (transfer none) (element-type QrKdfTicket): the tickets not
 * started, first to start first. */
GList *
qr_kdf_schedule_get_waiting (QrKdfSchedule *self)
{
  return self->waiting.head;
}

guint
qr_kdf_schedule_get_pending (QrKdfSchedule *self)
{
  return self->pending;
}

/**
 * qr_kdf_schedule_remove:
 *
 * Takes a ticket out: one waiting never starts, one under way gets no more
 * jobs. Returns: %TRUE if none of its jobs is running, so the caller ends
 * it now; %FALSE if the worker of its last running job will.
 */
gboolean
qr_kdf_schedule_remove (QrKdfSchedule *self,
                        QrKdfTicket   *ticket)
{
  if (!ticket->started)
    {
      g_queue_unlink (&self->waiting, &ticket->link);
      self->pending -= ticket->jobs;
      return TRUE;
    }

  self->pending -= ticket->jobs - ticket->handed_out;
  ticket->jobs = ticket->handed_out;
  if (self->current == ticket)
    self->current = NULL;

  return ticket->finished == ticket->handed_out;
}

static void
hand_out (QrKdfSchedule *self,
          QrKdfTicket   *ticket,
          guint64        held,
          QrKdfJob      *job)
{
  job->ticket = ticket;
  job->index = ticket->handed_out++;
  job->starts_key = job->index == 0;

  self->running++;
  self->pending--;
  self->memory = self->memory - held + ticket->job_memory;
  if (ticket->handed_out == ticket->jobs)
    self->current = NULL;
}

/**
 * qr_kdf_schedule_take:
 * @held: the size of the ROMix buffer the asking worker holds, or 0
 * @job: (out): the job, when %QR_KDF_TAKE_JOB
 *
 * The worker's buffer then has the job's size: it keeps its buffer if the
 * size is the same, or gives it back and gets another.
 */
QrKdfTake
qr_kdf_schedule_take (QrKdfSchedule *self,
                      guint64        held,
                      QrKdfJob      *job)
{
  QrKdfTicket *next;
  guint64 others = self->memory - held;

  if (self->running >= self->max_jobs)
    return QR_KDF_TAKE_WAIT;

  if (self->current != NULL)
    {
      /* Its B takes microseconds; then its jobs are for the taking. */
      if (!self->current->ready)
        return QR_KDF_TAKE_WAIT;

      if (!fits (self->budget, others, self->current->job_memory, 0))
        return QR_KDF_TAKE_IDLE;

      hand_out (self, self->current, held, job);
      return QR_KDF_TAKE_JOB;
    }

  next = g_queue_peek_head (&self->waiting);
  if (next == NULL || self->keys >= self->max_keys ||
      !fits (self->budget, others, next->key_memory, next->job_memory))
    return QR_KDF_TAKE_IDLE;

  g_queue_unlink (&self->waiting, &next->link);
  next->started = TRUE;
  self->current = next;
  self->keys++;
  self->memory += next->key_memory;
  hand_out (self, next, held, job);

  return QR_KDF_TAKE_JOB;
}

void
qr_kdf_schedule_set_ready (QrKdfSchedule *self,
                           QrKdfTicket   *ticket)
{
  ticket->ready = TRUE;
}

/* Returns: %TRUE if that was the ticket's last job: its key can be
 * finished (or, once removed, ended). */
gboolean
qr_kdf_schedule_finish (QrKdfSchedule  *self,
                        const QrKdfJob *job)
{
  QrKdfTicket *ticket = job->ticket;

  g_assert (self->running > 0);
  self->running--;
  ticket->finished++;

  return ticket->finished == ticket->jobs;
}

/* A key that started is over, done or not: its B is freed. */
void
qr_kdf_schedule_end_key (QrKdfSchedule *self,
                         QrKdfTicket   *ticket)
{
  g_assert (ticket->started && self->memory >= ticket->key_memory);
  self->memory -= ticket->key_memory;
}

/* A key that started is no longer held: used, dropped or failed. */
void
qr_kdf_schedule_drop_key (QrKdfSchedule *self)
{
  g_assert (self->keys > 0);
  self->keys--;
}

void
qr_kdf_schedule_release_buffer (QrKdfSchedule *self,
                                guint64        held)
{
  g_assert (self->memory >= held);
  self->memory -= held;
}

guint
qr_kdf_schedule_get_running (QrKdfSchedule *self)
{
  return self->running;
}

guint64
qr_kdf_schedule_get_memory (QrKdfSchedule *self)
{
  return self->memory;
}
