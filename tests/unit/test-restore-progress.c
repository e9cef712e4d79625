/* test-restore-progress.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "qr-restore-progress.h"

typedef struct
{
  GMainContext           *context;
  QrRestoreProgress      *progress;
  GThread                *main_thread;
  guint                   publishes;
  QrRestoreProgressState  last;
  GArray                 *changes;
} Fixture;

static void
publish_cb (gpointer                      user_data,
            const QrRestoreProgressState *state,
            GArray                       *changes)
{
  Fixture *fixture = user_data;

  /* Always on the owner's context, never on a worker. */
  g_assert_true (g_thread_self () == fixture->main_thread);

  fixture->publishes++;
  qr_restore_progress_state_clear (&fixture->last);
  fixture->last = *state;
  fixture->last.qube = g_strdup (state->qube);
  fixture->last.file = g_strdup (state->file);
  g_array_append_vals (fixture->changes, changes->data, changes->len);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->context = g_main_context_new ();
  fixture->main_thread = g_thread_self ();
  fixture->changes = g_array_new (FALSE, FALSE, sizeof (QrRestoreStateChange));
  fixture->progress = qr_restore_progress_new (fixture->context, 50, publish_cb, fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  qr_restore_progress_free (fixture->progress);
  qr_restore_progress_state_clear (&fixture->last);
  g_array_unref (fixture->changes);
  g_main_context_unref (fixture->context);
}

static void
iterate_until (Fixture *fixture,
               guint    publishes)
{
  while (fixture->publishes < publishes)
    g_main_context_iteration (fixture->context, TRUE);
}

/* Many reports between two publishes become one publish of the latest. */
static void
test_coalesce (Fixture       *fixture,
               gconstpointer  data)
{
  for (guint i = 0; i < 1000; i++)
    {
      qr_restore_progress_add_done (fixture->progress, 1);
      qr_restore_progress_report_chunk (fixture->progress, QR_RESTORE_PHASE_VERIFYING, "work",
                                        "private.img", i + 1, 1000);
    }

  iterate_until (fixture, 1);
  g_assert_false (g_main_context_pending (fixture->context));
  g_assert_cmpuint (fixture->publishes, ==, 1);
  g_assert_cmpuint (fixture->last.bytes_done, ==, 1000);
  g_assert_cmpuint (fixture->last.chunk, ==, 1000);
  g_assert_cmpstr (fixture->last.qube, ==, "work");
  g_assert_cmpint (fixture->last.phase, ==, QR_RESTORE_PHASE_VERIFYING);
}

/* Two publishes are at least the interval apart. */
static void
test_throttle (Fixture       *fixture,
               gconstpointer  data)
{
  gint64 first;

  qr_restore_progress_add_done (fixture->progress, 1);
  iterate_until (fixture, 1);
  first = g_get_monotonic_time ();

  qr_restore_progress_add_done (fixture->progress, 1);
  iterate_until (fixture, 2);
  g_assert_cmpint (g_get_monotonic_time () - first, >=, 45 * G_TIME_SPAN_MILLISECOND);
}

typedef struct
{
  QrRestoreProgress *progress;
  guint              index;
} Worker;

static gpointer
report_thread (gpointer data)
{
  Worker *worker = data;

  for (guint i = 0; i < 100; i++)
    {
      qr_restore_progress_add_done (worker->progress, 10);
      qr_restore_progress_add_total (worker->progress, 10);
    }
  qr_restore_progress_report_state (worker->progress, worker->index, QR_RESTORE_STATE_DONE);
  return NULL;
}

/* Reports from several threads all arrive, each item change once. */
static void
test_threads (Fixture       *fixture,
              gconstpointer  data)
{
  Worker workers[4];
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      workers[i] = (Worker) { fixture->progress, i };
      threads[i] = g_thread_new ("reporter", report_thread, &workers[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  qr_restore_progress_finish (fixture->progress);
  g_assert_cmpuint (fixture->last.bytes_done, ==, 4000);
  g_assert_cmpuint (fixture->last.bytes_total, ==, 4000);
  g_assert_cmpuint (fixture->changes->len, ==, 4);
}

/* Once finished, the phase stays FINISHED: a publish that was pending is
 * dropped, and later reports schedule nothing. */
static void
test_finish (Fixture       *fixture,
             gconstpointer  data)
{
  guint publishes;

  qr_restore_progress_report_chunk (fixture->progress, QR_RESTORE_PHASE_WRITING, "work",
                                    "private.img", 3, 9);
  qr_restore_progress_report_state (fixture->progress, 0, QR_RESTORE_STATE_DONE);
  g_assert_true (g_main_context_pending (fixture->context));

  qr_restore_progress_finish (fixture->progress);
  publishes = fixture->publishes;
  g_assert_cmpint (fixture->last.phase, ==, QR_RESTORE_PHASE_FINISHED);
  g_assert_cmpuint (fixture->changes->len, ==, 1);

  qr_restore_progress_report_chunk (fixture->progress, QR_RESTORE_PHASE_WRITING, "work",
                                    "private.img", 4, 9);
  qr_restore_progress_add_done (fixture->progress, 1);
  while (g_main_context_pending (fixture->context))
    g_main_context_iteration (fixture->context, FALSE);
  g_assert_cmpuint (fixture->publishes, ==, publishes);
  g_assert_cmpint (fixture->last.phase, ==, QR_RESTORE_PHASE_FINISHED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/qr/restore-progress/coalesce", Fixture, NULL, fixture_set_up, test_coalesce,
              fixture_tear_down);
  g_test_add ("/qr/restore-progress/throttle", Fixture, NULL, fixture_set_up, test_throttle,
              fixture_tear_down);
  g_test_add ("/qr/restore-progress/threads", Fixture, NULL, fixture_set_up, test_threads,
              fixture_tear_down);
  g_test_add ("/qr/restore-progress/finish", Fixture, NULL, fixture_set_up, test_finish,
              fixture_tear_down);

  return g_test_run ();
}
