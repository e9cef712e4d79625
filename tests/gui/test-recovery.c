/* test-recovery.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* When a restore does not go all the way: a disk that fills up, a qube
 * that fails, a stop. The wizard says what happened at once, leaves
 * nothing half-written, and "Try Again" finishes the job in the same
 * folder, keeping what was restored. */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "qr-confirm.h"
#include "qr-error-view.h"
#include "qr-page-choose.h"
#include "qr-page-done.h"
#include "qr-page-restore.h"
#include "qr-test-utils.h"

/* Real backups are made once per program and shared by the cases. */
static char *fixture_dir;
static char *full_backup;
static char *slow_backup;

typedef QrTestFixture Fixture;

static gpointer
find_page (Fixture *fixture,
           GType    type)
{
  return qr_test_find_child (GTK_WIDGET (fixture->window), type, NULL);
}

static gboolean
dialog_shown (gpointer data)
{
  return qr_test_find_dialog () != NULL;
}

static gboolean
space_warning_shown (gpointer data)
{
  return qr_page_choose_get_space_warning (data);
}

typedef struct
{
  QrPageRestore *page;
  gboolean       disk_full_before_done;
} StopWatch;

/* The Restore page must say that the disk is full before the run has
 * finished cleaning up, not only the Done page after it. */
static void
visible_page_cb (GtkStack   *stack,
                 GParamSpec *pspec,
                 StopWatch  *watch)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (stack), "done") == 0)
    watch->disk_full_before_done = qr_page_restore_get_disk_full (watch->page);
}

/* "Try Again" on the Done page: what was missing is restored into the
 * same folder, what was there stays as it was, no second folder is made,
 * and the result lists every qube with where it is. */
static void
try_again_and_check (Fixture    *fixture,
                     const char *destination,
                     GStrv       restored,
                     GHashTable *sums)
{
  g_autoptr(GPtrArray) kept = qr_test_remember_files (destination, restored);
  g_autofree char *parent = g_path_get_dirname (destination);
  g_auto(GStrv) parent_before = qr_test_list_folder (parent);
  g_auto(GStrv) parent_after = NULL;
  g_auto(GStrv) now = NULL;
  QrPageDone *done = find_page (fixture, QR_TYPE_PAGE_DONE);
  QrPageChoose *choose = find_page (fixture, QR_TYPE_PAGE_CHOOSE);
  GtkWidget *retry = qr_test_find_child (GTK_WIDGET (done), QR_TYPE_PAGE_DONE, "retry_button");

  g_assert_true (gtk_widget_get_visible (retry));
  g_assert_true (gtk_widget_is_sensitive (retry));
  qr_test_click (retry);
  g_assert_cmpstr (qr_window_get_visible_page_name (fixture->window), !=, "done");
  qr_test_wait_for_page (fixture->window, "done");

  g_assert_true (qr_page_done_get_succeeded (done));
  g_assert_cmpstr (qr_page_done_get_summary_title (done), ==, "Your Qubes Are Restored");
  g_assert_false (gtk_widget_get_visible (retry));

  /* The same folder, and no other. */
  {
    g_autofree char *now_destination = g_file_get_path (qr_page_choose_get_destination (choose));

    g_assert_cmpstr (now_destination, ==, destination);
  }
  parent_after = qr_test_list_folder (parent);
  g_assert_true (g_strv_equal ((const char * const *) parent_before,
                               (const char * const *) parent_after));

  /* What was kept was not written again; everything is there now. */
  qr_test_assert_untouched (kept);
  g_assert_cmpuint (qr_test_count_unverified_files (destination, "", sums), ==, 0);
  now = qr_test_list_folder (destination);
  g_assert_cmpuint (g_strv_length (now), >, g_strv_length (restored));
  for (guint i = 0; now[i] != NULL; i++)
    {
      const char *name = g_str_equal (now[i], "dom0-home") ? "dom0" : now[i];
      QrResultRow *row = qr_test_find_result_row (fixture->window, name);
      g_autofree char *expected = g_build_filename (destination, now[i], NULL);
      g_autofree char *location = NULL;

      g_assert_nonnull (row);
      location = g_file_get_path (qr_restore_item_get_location (qr_result_row_get_item (row)));
      g_assert_cmpstr (location, ==, expected);
    }
}

static gboolean
unmounted (gpointer data)
{
  return umount (data) == 0;
}

static void
test_disk_full (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *small = g_build_filename (fixture->dir, "small-disk", NULL);
  g_autoptr(GHashTable) sums = qr_test_load_sums (full_backup);
  g_autofree char *destination = NULL;
  g_auto(GStrv) restored = NULL;
  QrPageChoose *choose = find_page (fixture, QR_TYPE_PAGE_CHOOSE);
  QrPageDone *done = find_page (fixture, QR_TYPE_PAGE_DONE);
  GtkWidget *stack = qr_test_find_child (GTK_WIDGET (fixture->window), QR_TYPE_WINDOW, "stack");
  StopWatch watch = { find_page (fixture, QR_TYPE_PAGE_RESTORE), FALSE };
  AdwMessageDialog *dialog;
  GtkWidget *error_view;
  gulong handler;

  if (geteuid () != 0)
    {
      g_test_skip ("Needs root to mount a small tmpfs");
      return;
    }

  /* Room for some of the chosen qubes, not for all of them. */
  g_assert_cmpint (g_mkdir (small, 0755), ==, 0);
  if (mount ("tmpfs", small, "tmpfs", 0, "size=1600k") != 0)
    g_error ("Could not mount a tmpfs: %s", g_strerror (errno));

  qr_test_open_and_unlock (fixture->window, full_backup);
  qr_test_choose_parent (fixture->window, small);
  destination = g_file_get_path (qr_page_choose_get_destination (choose));

  /* The page warns, in view, before anything is written... */
  g_assert_true (qr_test_wait_until (space_warning_shown, choose, 10));
  g_assert_nonnull (strstr (qr_page_choose_get_space_text (choose), "may not fit"));

  /* ...and asks before starting; going on is the user's choice. */
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.go-next", NULL);
  g_assert_true (qr_test_wait_until (dialog_shown, NULL, 10));
  dialog = qr_test_find_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "The Qubes May Not Fit");
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==,
                   QR_CONFIRM_RESPONSE_CANCEL);
  handler = g_signal_connect (stack, "notify::visible-child", G_CALLBACK (visible_page_cb), &watch);
  qr_test_respond (dialog, QR_CONFIRM_RESPONSE_ACCEPT);

  qr_test_wait_for_page (fixture->window, "done");
  g_signal_handler_disconnect (stack, handler);
  g_assert_true (watch.disk_full_before_done);

  /* The result says what happened, and what was kept. */
  g_assert_true (qr_page_done_get_disk_full (done));
  g_assert_cmpstr (qr_page_done_get_summary_title (done), ==, "The Disk Is Full");
  g_assert_nonnull (strstr (qr_page_done_get_summary (done), "nothing half-written is left"));
  error_view = qr_test_find_child (GTK_WIDGET (done), QR_TYPE_ERROR_VIEW, NULL);
  g_assert_cmpstr (qr_error_view_get_title (QR_ERROR_VIEW (error_view)), ==,
                   "Not enough disk space");

  /* Whatever is on the disk is complete and verified; every qube that is
   * not there failed, none is left as if it would still come. */
  g_assert_cmpuint (qr_test_count_unverified_files (destination, "", sums), ==, 0);
  restored = qr_test_list_folder (destination);
  {
    GListModel *items = qr_restore_get_items (qr_page_restore_get_restore (watch.page));
    guint n_done = 0;

    for (guint i = 0; i < g_list_model_get_n_items (items); i++)
      {
        g_autoptr(QrRestoreItem) item = g_list_model_get_item (items, i);
        QrRestoreState state = qr_restore_item_get_state (item);

        g_assert_true (state == QR_RESTORE_STATE_DONE || state == QR_RESTORE_STATE_FAILED);
        if (state == QR_RESTORE_STATE_DONE)
          {
            g_autofree char *folder = g_file_get_basename (qr_restore_item_get_location (item));

            g_assert_true (g_strv_contains ((const char * const *) restored, folder));
            n_done++;
          }
      }

    g_assert_cmpuint (n_done, >, 0);
    g_assert_cmpuint (n_done, <, g_list_model_get_n_items (items));
    g_assert_cmpuint (g_strv_length (restored), ==, n_done);
  }

  /* Space is freed (here: the disk grows), and Try Again finishes the
   * job in the same folder, without touching what is there. */
  if (mount ("tmpfs", small, "tmpfs", MS_REMOUNT, "size=64m") != 0)
    g_error ("Could not grow the tmpfs: %s", g_strerror (errno));
  try_again_and_check (fixture, destination, restored, sums);

  gtk_window_destroy (GTK_WINDOW (fixture->window));
  qr_test_remove_tree (destination);
  /* The rows' checks of the images, still in flight, hold them open
   * until their answers come back. */
  if (!qr_test_wait_until (unmounted, small, 10))
    g_error ("Could not unmount %s: %s", small, g_strerror (errno));
}

static gboolean
some_qube_done (gpointer data)
{
  QrPageRestore *page = data;
  QrRestore *restore = qr_page_restore_get_restore (page);
  GListModel *items = restore != NULL ? qr_restore_get_items (restore) : NULL;

  for (guint i = 0; items != NULL && i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (items, i);

      if (qr_restore_item_get_state (item) == QR_RESTORE_STATE_DONE)
        return TRUE;
    }

  return FALSE;
}

/* Stopped after a qube was finished: the qube is kept, the page says
 * where, and trying again restores the others into the same folder. */
static void
test_stop_then_try_again (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GHashTable) sums = qr_test_load_sums (slow_backup);
  QrPageChoose *choose = find_page (fixture, QR_TYPE_PAGE_CHOOSE);
  QrPageRestore *restore_page = find_page (fixture, QR_TYPE_PAGE_RESTORE);
  g_autofree char *destination = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *toast_text = NULL;
  g_auto(GStrv) restored = NULL;
  AdwMessageDialog *dialog;
  GtkLabel *toast;

  qr_test_open_and_unlock (fixture->window, slow_backup);
  qr_test_choose_parent (fixture->window, fixture->dir);
  gtk_widget_activate_action (GTK_WIDGET (choose), "choose.select-all", NULL);
  destination = g_file_get_path (qr_page_choose_get_destination (choose));

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.go-next", NULL);
  g_assert_true (qr_test_wait_until (some_qube_done, restore_page, QR_TEST_TIMEOUT_SECONDS));
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.cancel-restore", NULL);
  g_assert_true (qr_test_wait_until (dialog_shown, NULL, 10));
  dialog = qr_test_find_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Stop Restoring?");
  qr_test_respond (dialog, QR_CONFIRM_RESPONSE_ACCEPT);
  qr_test_wait_for_page (fixture->window, "choose");

  /* The toast says that the finished qubes are kept, and where. */
  folder = g_path_get_basename (destination);
  toast_text = g_strdup_printf ("kept in “%s”", folder);
  toast = qr_test_find_label_containing (GTK_WIDGET (fixture->window), toast_text);
  g_assert_nonnull (toast);

  /* The kept qubes cannot be chosen again there; the others still are. */
  restored = qr_test_list_folder (destination);
  g_assert_cmpuint (g_strv_length (restored), >, 0);
  for (guint i = 0; restored[i] != NULL; i++)
    {
      const char *name = g_str_equal (restored[i], "dom0-home") ? "dom0" : restored[i];
      QrQubeRow *row = qr_test_find_qube_row (fixture->window, name);

      g_assert_true (qr_qube_row_get_restored (row));
      g_assert_false (qr_qube_row_get_selected (row));
    }
  g_assert_true (qr_page_get_complete (QR_PAGE (choose)));

  /* The toast's Try Again: the rest, into the same folder. */
  {
    g_autoptr(GPtrArray) kept = qr_test_remember_files (destination, restored);
    g_auto(GStrv) now = NULL;

    gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.retry-restore", NULL);
    qr_test_wait_for_page (fixture->window, "done");
    g_assert_true (qr_page_done_get_succeeded (find_page (fixture, QR_TYPE_PAGE_DONE)));
    qr_test_assert_untouched (kept);
    g_assert_cmpuint (qr_test_count_unverified_files (destination, "", sums), ==, 0);
    now = qr_test_list_folder (destination);
    g_assert_cmpuint (g_strv_length (now), ==, 4);
  }
}

/* A damaged qube fails again when tried again, and only it is tried: the
 * restored ones are kept and listed, nothing is numbered "(2)". */
static void
test_try_again_after_damage (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *backup = NULL;
  g_autofree char *destination = NULL;
  g_auto(GStrv) restored = NULL;
  g_auto(GStrv) parent = NULL;
  const char *args[] = { "--qubes", "full", "--corrupt-member", "vm14/private.img.002.enc", NULL };
  QrPageChoose *choose = find_page (fixture, QR_TYPE_PAGE_CHOOSE);
  QrPageDone *done = find_page (fixture, QR_TYPE_PAGE_DONE);
  QrPageRestore *restore_page = find_page (fixture, QR_TYPE_PAGE_RESTORE);

  backup = qr_test_make_backup (fixture->dir, "damaged-backup", args);
  qr_test_open_and_unlock (fixture->window, backup);
  qr_test_choose_parent (fixture->window, fixture->dir);
  destination = g_file_get_path (qr_page_choose_get_destination (choose));

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.go-next", NULL);
  qr_test_wait_for_page (fixture->window, "done");
  g_assert_cmpstr (qr_page_done_get_summary_title (done), ==, "Some Qubes Could Not Be Restored");
  g_assert_nonnull (strstr (qr_page_done_get_summary (done), destination));
  restored = qr_test_list_folder (destination);

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.retry-restore", NULL);
  qr_test_wait_for_page (fixture->window, "done");

  /* Only the damaged qube was tried... */
  {
    GListModel *items = qr_restore_get_items (qr_page_restore_get_restore (restore_page));
    g_autoptr(QrRestoreItem) item = g_list_model_get_item (items, 0);

    g_assert_cmpuint (g_list_model_get_n_items (items), ==, 1);
    g_assert_cmpstr (qr_qube_get_name (qr_restore_item_get_qube (item)), ==, "vault");
  }

  /* ...the others are still reported, with where they are... */
  g_assert_cmpstr (qr_page_done_get_summary_title (done), ==, "Some Qubes Could Not Be Restored");
  g_assert_nonnull (qr_test_find_result_row (fixture->window, "work"));
  g_assert_nonnull (qr_test_find_result_row (fixture->window, "vault"));

  /* ...and nothing new was made beside or in the folder. */
  {
    g_auto(GStrv) now = qr_test_list_folder (destination);

    g_assert_true (g_strv_equal ((const char * const *) now, (const char * const *) restored));
  }
  parent = qr_test_list_folder (fixture->dir);
  g_assert_cmpuint (g_strv_length (parent), ==, 3);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  const char *full_args[] = { "--qubes", "full", NULL };
  const char *slow_args[] = { "--qubes", "full", "--logN", "15", NULL };
  int ret;

  if (!qr_test_init_suite (&argc, &argv, "/qr/recovery/skipped", TRUE))
    return g_test_run ();

  fixture_dir = g_dir_make_tmp ("qr-gui-fixtures-XXXXXX", &error);
  g_assert_no_error (error);
  full_backup = qr_test_make_backup (fixture_dir, "full-backup", full_args);
  slow_backup = qr_test_make_backup (fixture_dir, "slow-backup", slow_args);

  g_test_add ("/qr/recovery/disk-full", Fixture, NULL,
              qr_test_fixture_set_up, test_disk_full, qr_test_fixture_tear_down);
  g_test_add ("/qr/recovery/stop-then-try-again", Fixture, NULL,
              qr_test_fixture_set_up, test_stop_then_try_again, qr_test_fixture_tear_down);
  g_test_add ("/qr/recovery/try-again-after-damage", Fixture, NULL,
              qr_test_fixture_set_up, test_try_again_after_damage, qr_test_fixture_tear_down);

  ret = g_test_run ();

  qr_test_remove_tree (fixture_dir);
  return ret;
}
