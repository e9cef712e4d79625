/* test-kdf-schedule.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "qr-kdf-schedule.h"

/* The schedule runs on a simulated clock here: every ROMix job takes one
 * unit of time ("one ROMix-time"), the two PBKDF2 steps none, and each
 * lane is a worker that asks for a job whenever it is free. */

#define MIB ((guint64) 1 << 20)

typedef struct
{
  QrKdfTicket ticket;
  double      ended_at;
  gboolean    ended;
} Key;

typedef struct
{
  gboolean busy;
  QrKdfJob job;
  double   ends_at;
  guint64  held;
} Lane;

typedef struct
{
  guint    lanes;
  guint64  budget;
  guint    max_keys;
  gboolean claim;     /* the keys are used as soon as they end */
  guint    most_running;
  guint64  most_memory;
} Setup;

static Key *
make_keys (guint          n,
           const guint32 *p,
           guint64        key_memory,
           guint64        job_memory)
{
  Key *keys = g_new0 (Key, n);

  for (guint i = 0; i < n; i++)
    qr_kdf_ticket_init (&keys[i].ticket, key_memory, job_memory, p[i]);

  return keys;
}

static Key *
key_of (QrKdfTicket *ticket)
{
  return (Key *) ticket;
}

/* Hands jobs to free lanes until none can take one. */
static void
fill_lanes (QrKdfSchedule *schedule,
            Setup         *setup,
            Lane          *lanes,
            double         now)
{
  for (guint i = 0; i < setup->lanes; i++)
    {
      Lane *lane = &lanes[i];
      QrKdfTake take;

      if (lane->busy)
        continue;

      take = qr_kdf_schedule_take (schedule, lane->held, &lane->job);
      if (take == QR_KDF_TAKE_JOB)
        {
          lane->busy = TRUE;
          lane->ends_at = now + 1;
          lane->held = lane->job.ticket->job_memory;
          if (lane->job.starts_key)
            qr_kdf_schedule_set_ready (schedule, lane->job.ticket);
        }
      else if (take == QR_KDF_TAKE_IDLE && lane->held > 0)
        {
          qr_kdf_schedule_release_buffer (schedule, lane->held);
          lane->held = 0;
        }

      setup->most_running = MAX (setup->most_running, qr_kdf_schedule_get_running (schedule));
      setup->most_memory = MAX (setup->most_memory, qr_kdf_schedule_get_memory (schedule));
    }
}

/* Ends the jobs due at the earliest end time; returns that time, or a
 * negative one when no lane is busy. */
static double
end_next_jobs (QrKdfSchedule *schedule,
               Setup         *setup,
               Lane          *lanes)
{
  double now = -1;

  for (guint i = 0; i < setup->lanes; i++)
    if (lanes[i].busy && (now < 0 || lanes[i].ends_at < now))
      now = lanes[i].ends_at;

  for (guint i = 0; i < setup->lanes && now >= 0; i++)
    {
      Lane *lane = &lanes[i];

      if (!lane->busy || lane->ends_at != now)
        continue;

      lane->busy = FALSE;
      if (qr_kdf_schedule_finish (schedule, &lane->job))
        {
          Key *key = key_of (lane->job.ticket);

          qr_kdf_schedule_end_key (schedule, &key->ticket);
          key->ended = TRUE;
          key->ended_at = now;
          if (setup->claim)
            qr_kdf_schedule_drop_key (schedule);
        }
    }

  return now;
}

/* Runs every key to its end; returns when the last one ended. */
static double
simulate (Setup *setup,
          Key   *keys,
          guint  n_keys)
{
  g_autoptr(QrKdfSchedule) schedule = qr_kdf_schedule_new (setup->lanes, setup->budget,
                                                           setup->max_keys);
  g_autofree Lane *lanes = g_new0 (Lane, setup->lanes);
  double now = 0, last = 0;

  for (guint i = 0; i < n_keys; i++)
    qr_kdf_schedule_push (schedule, &keys[i].ticket);

  while (now >= 0)
    {
      fill_lanes (schedule, setup, lanes, now);
      g_assert_cmpuint (qr_kdf_schedule_get_memory (schedule), <=, setup->budget);
      last = MAX (last, now);
      now = end_next_jobs (schedule, setup, lanes);
    }

  for (guint i = 0; i < setup->lanes; i++)
    qr_kdf_schedule_release_buffer (schedule, lanes[i].held);
  g_assert_cmpuint (qr_kdf_schedule_get_memory (schedule), ==, 0);
  g_assert_cmpuint (qr_kdf_schedule_get_pending (schedule), ==, 0);

  return last;
}

static Setup
roomy_setup (guint lanes)
{
  return (Setup) {
    .lanes = lanes,
    .budget = 64 * 1024 * MIB,
    .max_keys = 2 * lanes + 8,
    .claim = TRUE,
  };
}

/* The unlock of a backup with p = 3: the header's key and qubes.xml's,
 * six ROMix jobs, end after ceil (2p / lanes) ROMix-times. */
static void
test_unlock (void)
{
  static const guint lane_counts[] = { 2, 4, 8, 16 };
  static const guint32 p[] = { 3, 3 };

  for (guint i = 0; i < G_N_ELEMENTS (lane_counts); i++)
    {
      Setup setup = roomy_setup (lane_counts[i]);
      g_autofree Key *keys = make_keys (2, p, 1024, 256 * MIB);
      double end = simulate (&setup, keys, 2);

      g_test_message ("%u lanes: unlocked after %.0f ROMix-times", setup.lanes, end);
      g_assert_cmpfloat (end, ==, (2 * 3 + setup.lanes - 1) / setup.lanes);
      g_assert_true (keys[0].ended && keys[1].ended);
      g_assert_cmpfloat (keys[0].ended_at, <=, keys[1].ended_at);
      g_assert_cmpuint (setup.most_running, ==, MIN (6, setup.lanes));
    }
}

/* Three keys with p = 3 on two lanes: nine jobs in five ROMix-times, not
 * six as when each key ran on one lane and the last one alone. */
static void
test_three_keys_two_lanes (void)
{
  static const guint32 p[] = { 3, 3, 3 };
  Setup setup = roomy_setup (2);
  g_autofree Key *keys = make_keys (3, p, 1024, 256 * MIB);

  g_assert_cmpfloat (simulate (&setup, keys, 3), ==, 5);
  g_assert_cmpfloat (keys[0].ended_at, ==, 2);
  g_assert_cmpfloat (keys[1].ended_at, ==, 3);
  g_assert_cmpfloat (keys[2].ended_at, ==, 5);
}

/* Keys end in the order they were submitted, whatever their p, and no
 * lane idles while a job is left. */
static void
test_order_and_no_idling (void)
{
  static const guint32 p[] = { 5, 1, 3, 2, 1, 1, 4, 16, 1, 2 };
  static const guint lane_counts[] = { 1, 2, 3, 4, 8, 16 };
  guint jobs = 0;

  for (guint i = 0; i < G_N_ELEMENTS (p); i++)
    jobs += p[i];

  for (guint i = 0; i < G_N_ELEMENTS (lane_counts); i++)
    {
      Setup setup = roomy_setup (lane_counts[i]);
      g_autofree Key *keys = make_keys (G_N_ELEMENTS (p), p, 1024, 256 * MIB);
      double end = simulate (&setup, keys, G_N_ELEMENTS (p));

      g_assert_cmpfloat (end, ==, (jobs + setup.lanes - 1) / setup.lanes);
      for (guint k = 1; k < G_N_ELEMENTS (p); k++)
        g_assert_cmpfloat (keys[k - 1].ended_at, <=, keys[k].ended_at);
    }
}

/* With memory for two ROMix jobs only, eight lanes run two at a time:
 * the budget counts jobs, and B of the key under way with them. */
static void
test_memory_budget (void)
{
  static const guint32 p[] = { 3, 3 };
  guint64 job = 256 * MIB, key = 3 * 1024;
  Setup setup = roomy_setup (8);
  g_autofree Key *keys = make_keys (2, p, key, job);

  setup.budget = 2 * job + 2 * key;
  g_assert_cmpfloat (simulate (&setup, keys, 2), ==, 3);
  g_assert_cmpuint (setup.most_running, ==, 2);
  g_assert_cmpuint (setup.most_memory, <=, setup.budget);

  /* One byte less, and only one job fits beside the keys' B. */
  memset (keys, 0, 2 * sizeof (Key));
  for (guint i = 0; i < 2; i++)
    qr_kdf_ticket_init (&keys[i].ticket, key, job, p[i]);
  setup = roomy_setup (8);
  setup.budget = 2 * job + key - 1;
  g_assert_cmpfloat (simulate (&setup, keys, 2), ==, 6);
  g_assert_cmpuint (setup.most_running, ==, 1);
}

/* Keys nobody has used yet hold their place: with room for four, four
 * start, and the fifth only once one is used. */
static void
test_keys_held (void)
{
  static const guint32 p[] = { 1, 1, 1, 1, 1, 1 };
  g_autoptr(QrKdfSchedule) schedule = qr_kdf_schedule_new (8, 64 * 1024 * MIB, 4);
  g_autofree Key *keys = make_keys (6, p, 128, MIB);
  QrKdfJob jobs[6];

  for (guint i = 0; i < 6; i++)
    qr_kdf_schedule_push (schedule, &keys[i].ticket);

  for (guint i = 0; i < 4; i++)
    {
      g_assert_cmpint (qr_kdf_schedule_take (schedule, 0, &jobs[i]), ==, QR_KDF_TAKE_JOB);
      g_assert_true (jobs[i].ticket == &keys[i].ticket);
      g_assert_true (jobs[i].starts_key);
      qr_kdf_schedule_set_ready (schedule, jobs[i].ticket);
    }
  g_assert_cmpint (qr_kdf_schedule_take (schedule, 0, &jobs[4]), ==, QR_KDF_TAKE_IDLE);

  /* Ended is not enough: the key must be used (or dropped). */
  for (guint i = 0; i < 4; i++)
    {
      g_assert_true (qr_kdf_schedule_finish (schedule, &jobs[i]));
      qr_kdf_schedule_end_key (schedule, jobs[i].ticket);
    }
  g_assert_cmpint (qr_kdf_schedule_take (schedule, 0, &jobs[4]), ==, QR_KDF_TAKE_IDLE);

  qr_kdf_schedule_drop_key (schedule);
  g_assert_cmpint (qr_kdf_schedule_take (schedule, 0, &jobs[4]), ==, QR_KDF_TAKE_JOB);
  g_assert_true (jobs[4].ticket == &keys[4].ticket);

  /* The rest is taken out: nothing left to hand out. */
  g_assert_true (qr_kdf_schedule_remove (schedule, &keys[5].ticket));
  g_assert_cmpuint (qr_kdf_schedule_get_pending (schedule), ==, 0);
  qr_kdf_schedule_set_ready (schedule, jobs[4].ticket);
  g_assert_true (qr_kdf_schedule_finish (schedule, &jobs[4]));
  qr_kdf_schedule_end_key (schedule, jobs[4].ticket);
  qr_kdf_schedule_release_buffer (schedule, qr_kdf_schedule_get_memory (schedule));
}

/* The jobs of a key wait for its B; a key taken out while some of its
 * jobs run ends with the last of them, and gives out no more. */
static void
test_ready_and_remove (void)
{
  static const guint32 p[] = { 4, 1 };
  g_autoptr(QrKdfSchedule) schedule = qr_kdf_schedule_new (4, 64 * 1024 * MIB, 8);
  g_autofree Key *keys = make_keys (2, p, 4096, MIB);
  QrKdfJob first, second, other;

  qr_kdf_schedule_push (schedule, &keys[0].ticket);
  qr_kdf_schedule_push (schedule, &keys[1].ticket);
  g_assert_cmpuint (qr_kdf_schedule_get_pending (schedule), ==, 5);

  g_assert_cmpint (qr_kdf_schedule_take (schedule, 0, &first), ==, QR_KDF_TAKE_JOB);
  g_assert_true (first.starts_key);
  g_assert_cmpint (qr_kdf_schedule_take (schedule, 0, &second), ==, QR_KDF_TAKE_WAIT);

  qr_kdf_schedule_set_ready (schedule, first.ticket);
  g_assert_cmpint (qr_kdf_schedule_take (schedule, 0, &second), ==, QR_KDF_TAKE_JOB);
  g_assert_true (second.ticket == first.ticket);
  g_assert_false (second.starts_key);
  g_assert_cmpuint (second.index, ==, 1);
  g_assert_cmpuint (qr_kdf_schedule_get_memory (schedule), ==, 4096 + 2 * MIB);

  /* Two of four jobs handed out, one of them done: removing it leaves
   * the other to end the key. */
  g_assert_false (qr_kdf_schedule_finish (schedule, &first));
  g_assert_false (qr_kdf_schedule_remove (schedule, &keys[0].ticket));
  g_assert_cmpuint (qr_kdf_schedule_get_pending (schedule), ==, 1);
  g_assert_true (qr_kdf_schedule_finish (schedule, &second));
  qr_kdf_schedule_end_key (schedule, &keys[0].ticket);
  qr_kdf_schedule_drop_key (schedule);

  /* The next key starts with the worker's buffer kept. */
  g_assert_cmpint (qr_kdf_schedule_take (schedule, MIB, &other), ==, QR_KDF_TAKE_JOB);
  g_assert_true (other.ticket == &keys[1].ticket);
  g_assert_cmpuint (qr_kdf_schedule_get_memory (schedule), ==, 4096 + 2 * MIB);
  qr_kdf_schedule_set_ready (schedule, other.ticket);
  g_assert_true (qr_kdf_schedule_finish (schedule, &other));
  qr_kdf_schedule_end_key (schedule, &keys[1].ticket);
  qr_kdf_schedule_drop_key (schedule);
  qr_kdf_schedule_release_buffer (schedule, 2 * MIB);
  g_assert_cmpuint (qr_kdf_schedule_get_memory (schedule), ==, 0);
}

/* A key that could never fit is known before it is queued. */
static void
test_fits (void)
{
  g_autoptr(QrKdfSchedule) schedule = qr_kdf_schedule_new (2, 100, 8);
  QrKdfTicket ticket;

  qr_kdf_ticket_init (&ticket, 40, 60, 1);
  g_assert_true (qr_kdf_schedule_fits (schedule, &ticket));
  qr_kdf_ticket_init (&ticket, 41, 60, 1);
  g_assert_false (qr_kdf_schedule_fits (schedule, &ticket));
  qr_kdf_ticket_init (&ticket, G_MAXUINT64, G_MAXUINT64, 1);
  g_assert_false (qr_kdf_schedule_fits (schedule, &ticket));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qr/kdf-schedule/unlock", test_unlock);
  g_test_add_func ("/qr/kdf-schedule/three-keys-two-lanes", test_three_keys_two_lanes);
  g_test_add_func ("/qr/kdf-schedule/order-and-no-idling", test_order_and_no_idling);
  g_test_add_func ("/qr/kdf-schedule/memory-budget", test_memory_budget);
  g_test_add_func ("/qr/kdf-schedule/keys-held", test_keys_held);
  g_test_add_func ("/qr/kdf-schedule/ready-and-remove", test_ready_and_remove);
  g_test_add_func ("/qr/kdf-schedule/fits", test_fits);

  return g_test_run ();
}
