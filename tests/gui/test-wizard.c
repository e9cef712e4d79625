/* test-wizard.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "qr-application.h"
#include "qr-confirm.h"
#include "qr-page-choose.h"
#include "qr-page-done.h"
#include "qr-page-open.h"
#include "qr-page-restore.h"
#include "qr-page-unlock.h"
#include "qr-qube-row.h"
#include "qr-result-row.h"
#include "qr-test-utils.h"

/* Real backups are made once per program and shared by the cases. */
static char *fixture_dir;
static char *small_backup;
static char *full_backup;

typedef QrTestFixture Fixture;

static gpointer
find_page (Fixture *fixture,
           GType    type)
{
  return qr_test_find_child (GTK_WIDGET (fixture->window), type, NULL);
}

static void
test_not_a_backup (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "holiday-photos.tar", NULL);
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  QrPageOpen *page = find_page (fixture, QR_TYPE_PAGE_OPEN);

  g_file_set_contents (path, "These are not the bytes of a Qubes backup.\n", -1, &error);
  g_assert_no_error (error);

  file = g_file_new_for_path (path);
  qr_window_open_file (fixture->window, file);
  qr_test_wait_for_page (fixture->window, "open");

  g_assert_cmpstr (qr_page_open_get_error_title (page), ==, "This is not a Qubes backup");
}

typedef struct
{
  QrPageUnlock *page;
} UnlockWait;

static gboolean
unlock_has_error (gpointer data)
{
  return qr_page_unlock_get_error_title (data) != NULL;
}

static void
test_wrong_then_right_passphrase (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(GFile) file = g_file_new_for_path (small_backup);
  QrPageUnlock *page = find_page (fixture, QR_TYPE_PAGE_UNLOCK);
  GtkWidget *entry = qr_test_find_child (GTK_WIDGET (page), QR_TYPE_PAGE_UNLOCK, "entry");
  GtkWidget *focus;

  qr_window_open_file (fixture->window, file);
  qr_test_wait_for_page (fixture->window, "unlock");

  /* Nothing typed: the Unlock button is off. */
  g_assert_false (gtk_widget_is_sensitive (qr_test_find_child (GTK_WIDGET (fixture->window),
                                                               QR_TYPE_WINDOW, "next_button")));

  gtk_editable_set_text (GTK_EDITABLE (entry), "correct horse battery staple");
  qr_test_press_enter (entry);
  g_assert_true (qr_test_wait_until (unlock_has_error, page, QR_TEST_TIMEOUT_SECONDS));
  qr_test_wait_for_page (fixture->window, "unlock");

  g_assert_cmpstr (qr_page_unlock_get_error_title (page), ==, "That passphrase did not work");
  focus = gtk_root_get_focus (GTK_ROOT (fixture->window));
  g_assert_nonnull (focus);
  g_assert_true (focus == entry || gtk_widget_is_ancestor (focus, entry));

  gtk_editable_set_text (GTK_EDITABLE (entry), QR_TEST_PASSPHRASE);
  qr_test_press_enter (entry);
  qr_test_wait_for_page (fixture->window, "choose");

  /* The passphrase does not stay in the entry once it has worked. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
}

static gboolean
dialog_shown (gpointer data)
{
  return qr_test_find_dialog () != NULL;
}

static gboolean
widget_visible (gpointer data)
{
  return gtk_widget_get_visible (data);
}

static gboolean
page_shown (gpointer data)
{
  Fixture *fixture = data;

  return g_strcmp0 (qr_window_get_visible_page_name (fixture->window), "open") == 0;
}

/* A header asking for far more work than Qubes uses: the wizard asks
 * before spending it; refused, the page says why; accepted, it unlocks
 * with the higher limit until the user goes back. */
static void
test_long_unlock (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "slow-header", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  QrPageUnlock *page = find_page (fixture, QR_TYPE_PAGE_UNLOCK);
  GtkWidget *entry = qr_test_find_child (GTK_WIDGET (page), QR_TYPE_PAGE_UNLOCK, "entry");
  GtkWidget *checking = qr_test_find_child (GTK_WIDGET (page), QR_TYPE_PAGE_UNLOCK,
                                            "checking_box");
  AdwMessageDialog *dialog;

  qr_test_copy_with_slow_header (small_backup, path);
  qr_window_open_file (fixture->window, file);
  qr_test_wait_for_page (fixture->window, "unlock");
  gtk_editable_set_text (GTK_EDITABLE (entry), QR_TEST_PASSPHRASE);
  qr_test_press_enter (entry);

  g_assert_true (qr_test_wait_until (dialog_shown, NULL, QR_TEST_TIMEOUT_SECONDS));
  dialog = qr_test_find_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==,
                   "This Backup Needs Much Longer Than Usual");
  g_test_message ("%s", adw_message_dialog_get_body (dialog));
  g_assert_true (g_regex_match_simple ("about [0-9]+ (minutes|hours|days) of work per key",
                                       adw_message_dialog_get_body (dialog), 0, 0));
  qr_test_respond (dialog, QR_CONFIRM_RESPONSE_CANCEL);
  g_assert_true (qr_test_wait_until (unlock_has_error, page, QR_TEST_TIMEOUT_SECONDS));
  g_assert_cmpstr (qr_page_unlock_get_error_title (page), ==,
                   "This backup would take too long to unlock");

  qr_test_press_enter (entry);
  g_assert_true (qr_test_wait_until (dialog_shown, NULL, QR_TEST_TIMEOUT_SECONDS));
  qr_test_respond (qr_test_find_dialog (), QR_CONFIRM_RESPONSE_ACCEPT);
  g_assert_true (qr_test_wait_until (widget_visible, checking, QR_TEST_TIMEOUT_SECONDS));
  qr_test_settle (500);
  g_assert_null (qr_page_unlock_get_error_title (page));
  g_assert_null (qr_test_find_dialog ());

  /* Going back stops the derivation at once. */
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.go-back", NULL);
  g_assert_true (qr_test_wait_until (page_shown, fixture, QR_TEST_TIMEOUT_SECONDS));
}

typedef struct
{
  QrPageRestore *page;
  guint          n_checked;
} BarWatch;

/* The bar counts writing, not only reading: while a qube is not finished
 * a tenth of its share is still to come, so it never sits near 100 %
 * while qubes are being written. */
static void
fraction_cb (GtkProgressBar *bar,
             GParamSpec     *pspec,
             BarWatch       *watch)
{
  QrRestore *restore = qr_page_restore_get_restore (watch->page);
  GListModel *items;
  QrBackup *backup;
  guint64 total = 0;
  guint64 unfinished = 0;

  if (restore == NULL)
    return;

  items = qr_restore_get_items (restore);
  if (g_list_model_get_n_items (items) == 0)
    return;

  backup = qr_restore_get_backup (restore);
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (items, i);
      guint64 size = qr_backup_get_stored_size (backup, qr_restore_item_get_qube (item));
      QrRestoreState state = qr_restore_item_get_state (item);

      total += size;
      if (state != QR_RESTORE_STATE_DONE && state != QR_RESTORE_STATE_FAILED)
        unfinished += size;
    }

  g_assert_cmpuint (total, >, 0);
  g_assert_cmpfloat (gtk_progress_bar_get_fraction (bar), <=,
                     1.0 - 0.1 * unfinished / total + 1e-9);
  watch->n_checked++;
}

static void
test_restore_selected (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GHashTable) sums = qr_test_load_sums (full_backup);
  QrPageChoose *choose = find_page (fixture, QR_TYPE_PAGE_CHOOSE);
  QrPageDone *done = find_page (fixture, QR_TYPE_PAGE_DONE);
  g_autoptr(GPtrArray) selection = NULL;
  g_autofree char *destination = NULL;
  g_autofree char *vault = NULL;
  const char *restored[] = { "work", "debian-12", "dom0-home" };
  QrQubeRow *vault_row;
  QrQubeRow *template_row;
  BarWatch watch = { find_page (fixture, QR_TYPE_PAGE_RESTORE), 0 };
  GtkWidget *bar;
  gulong handler;
  guint n_checked = 0;

  qr_test_open_and_unlock (fixture->window, full_backup);
  qr_test_choose_parent (fixture->window, fixture->dir);

  /* Qubes not saved in the backup are listed but cannot be chosen. */
  g_assert_false (qr_qube_row_get_available (qr_test_find_qube_row (fixture->window, "sys-net")));
  g_assert_false (qr_qube_row_get_selected (qr_test_find_qube_row (fixture->window, "sys-net")));

  /* What holds the user's files is chosen; a template is not, and says
   * why. */
  g_assert_true (qr_qube_row_get_selected (qr_test_find_qube_row (fixture->window, "work")));
  g_assert_true (qr_qube_row_get_selected (qr_test_find_qube_row (fixture->window, "dom0")));
  template_row = qr_test_find_qube_row (fixture->window, "debian-12");
  g_assert_false (qr_qube_row_get_selected (template_row));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (template_row)),
                            "programs, not your files; restore only if you need them"));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (qr_test_find_qube_row (fixture->window,
                                                                                         "work"))),
                            "holds your files"));

  /* Choose and leave out qubes the way a person does: activate the row. */
  gtk_widget_activate (GTK_WIDGET (template_row));
  g_assert_true (qr_qube_row_get_selected (template_row));
  vault_row = qr_test_find_qube_row (fixture->window, "vault");
  g_assert_true (qr_qube_row_get_selected (vault_row));
  gtk_widget_activate (GTK_WIDGET (vault_row));
  g_assert_false (qr_qube_row_get_selected (vault_row));

  selection = qr_page_choose_dup_selection (choose);
  g_assert_cmpuint (selection->len, ==, 3);
  destination = g_file_get_path (qr_page_choose_get_destination (choose));
  g_assert_true (g_str_has_prefix (destination, fixture->dir));

  bar = qr_test_find_child (GTK_WIDGET (fixture->window), QR_TYPE_PAGE_RESTORE, "progress_bar");
  handler = g_signal_connect (bar, "notify::fraction", G_CALLBACK (fraction_cb), &watch);
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.go-next", NULL);
  qr_test_wait_for_page (fixture->window, "done");
  g_signal_handler_disconnect (bar, handler);
  g_assert_cmpuint (watch.n_checked, >, 0);
  g_assert_cmpfloat (gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (bar)), ==, 1.0);

  g_assert_true (qr_page_done_get_succeeded (done));
  g_assert_cmpstr (qr_page_done_get_summary_title (done), ==, "Your Qubes Are Restored");

  for (guint i = 0; i < G_N_ELEMENTS (restored); i++)
    n_checked += qr_test_check_qube_files (sums, destination, restored[i]);

  /* work: private.img, notes.txt, firewall.xml; debian-12: root.img and
   * private.img; dom0's home: at least one document. */
  g_assert_cmpuint (n_checked, >=, 6);

  {
    g_autofree char *folder = g_build_filename (destination, "work", NULL);
    QrResultRow *row = qr_test_find_result_row (fixture->window, "work");
    g_autofree char *location = NULL;

    g_assert_nonnull (row);
    location = g_file_get_path (qr_restore_item_get_location (qr_result_row_get_item (row)));
    g_assert_cmpstr (location, ==, folder);
  }

  /* The folder it was restored in is offered first next time. */
  {
    g_autoptr(GSettings) settings = qr_application_dup_settings ();

    if (settings != NULL)
      {
        g_autofree char *last = g_settings_get_string (settings, "last-destination");

        g_assert_cmpstr (last, ==, fixture->dir);
      }
  }

  /* The deselected qube was not restored. */
  vault = g_build_filename (destination, "vault", NULL);
  g_assert_false (g_file_test (vault, G_FILE_TEST_EXISTS));
  g_assert_null (qr_test_find_result_row (fixture->window, "vault"));
}

static void
test_verify_only (Fixture       *fixture,
                  gconstpointer  data)
{
  QrPageDone *done = find_page (fixture, QR_TYPE_PAGE_DONE);
  g_autoptr(GDir) dir = NULL;

  qr_test_open_and_unlock (fixture->window, small_backup);
  qr_test_choose_parent (fixture->window, fixture->dir);

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.verify-backup", NULL);
  qr_test_wait_for_page (fixture->window, "done");

  g_assert_true (qr_page_done_get_succeeded (done));
  g_assert_cmpstr (qr_page_done_get_summary_title (done), ==, "Your Backup Is Intact");

  /* Nothing was written. */
  dir = g_dir_open (fixture->dir, 0, NULL);
  g_assert_nonnull (dir);
  g_assert_null (g_dir_read_name (dir));
}

static gboolean
restore_shown (gpointer data)
{
  return g_strcmp0 (qr_window_get_visible_page_name (data), "restore") == 0;
}

/* Some of the backup has been read and handed on to be written. */
static gboolean
restore_started_writing (gpointer data)
{
  GtkWidget *page = qr_test_find_child (data, QR_TYPE_PAGE_RESTORE, NULL);
  QrRestore *restore = qr_page_restore_get_restore (QR_PAGE_RESTORE (page));

  return restore != NULL && qr_restore_get_bytes_done (restore) > 0;
}

static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GHashTable) sums = NULL;
  g_autofree char *backup = NULL;
  g_autofree char *destination = NULL;
  const char *args[] = { "--qubes", "full", "--logN", "15", NULL };
  AdwMessageDialog *dialog;

  backup = qr_test_make_backup (fixture_dir, "slow-backup", args);
  sums = qr_test_load_sums (backup);

  qr_test_open_and_unlock (fixture->window, backup);
  qr_test_choose_parent (fixture->window, fixture->dir);
  destination = g_file_get_path (qr_page_choose_get_destination (find_page (fixture,
                                                                            QR_TYPE_PAGE_CHOOSE)));

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.go-next", NULL);
  g_assert_true (qr_test_wait_until (restore_shown, fixture->window, 10));
  g_assert_true (qr_test_wait_until (restore_started_writing, fixture->window, 60));
  g_assert_true (qr_window_get_busy (fixture->window));

  /* Closing the window asks too, and says that it stops and closes;
   * keeping on keeps the window. */
  gtk_window_close (GTK_WINDOW (fixture->window));
  g_assert_true (qr_test_wait_until (dialog_shown, NULL, 10));
  dialog = qr_test_find_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_response_label (dialog, QR_CONFIRM_RESPONSE_ACCEPT), ==,
                   "_Stop and Close");
  qr_test_respond (dialog, QR_CONFIRM_RESPONSE_CANCEL);
  g_assert_null (qr_test_find_dialog ());
  g_assert_true (qr_window_get_busy (fixture->window));

  /* Cancel asks first; keeping on is the safe answer. */
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.cancel-restore", NULL);
  g_assert_true (qr_test_wait_until (dialog_shown, NULL, 10));
  dialog = qr_test_find_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==,
                   QR_CONFIRM_RESPONSE_CANCEL);
  g_assert_cmpstr (adw_message_dialog_get_response_label (dialog, QR_CONFIRM_RESPONSE_ACCEPT), ==,
                   "_Stop");
  qr_test_respond (dialog, QR_CONFIRM_RESPONSE_ACCEPT);

  qr_test_wait_for_page (fixture->window, "choose");
  g_assert_cmpuint (qr_test_count_unverified_files (destination, "", sums), ==, 0);

  /* Back where the user chose, ready to try again. */
  g_assert_true (qr_page_get_complete (find_page (fixture, QR_TYPE_PAGE_CHOOSE)));
}

static GtkWindow *
find_file_chooser (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (GTK_IS_FILE_CHOOSER (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }

  return NULL;
}

static gboolean
file_chooser_shown (gpointer data)
{
  return find_file_chooser () != NULL;
}

/* The file chooser shows Qubes backups first, and everything on asking. */
static void
test_file_filter (Fixture       *fixture,
                  gconstpointer  data)
{
  GtkFileChooser *chooser;
  g_autoptr(GListModel) filters = NULL;
  g_autoptr(GtkFileFilter) all = NULL;

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.choose-file", NULL);
  g_assert_true (qr_test_wait_until (file_chooser_shown, NULL, 10));
  chooser = GTK_FILE_CHOOSER (find_file_chooser ());

  g_assert_cmpstr (gtk_file_filter_get_name (gtk_file_chooser_get_filter (chooser)), ==,
                   "Qubes Backups");
  filters = gtk_file_chooser_get_filters (chooser);
  g_assert_cmpuint (g_list_model_get_n_items (filters), ==, 2);
  all = g_list_model_get_item (filters, 1);
  g_assert_cmpstr (gtk_file_filter_get_name (all), ==, "All Files");

  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_CANCEL);
  g_assert_null (find_file_chooser ());
}

static void
test_damaged (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GHashTable) sums = NULL;
  g_autofree char *backup = NULL;
  g_autofree char *destination = NULL;
  const char *args[] = { "--qubes", "small",
                         "--corrupt-member", "vm12/private.img.003.enc",
                         "--corrupt-offset", "3000", NULL };
  QrPageDone *done = find_page (fixture, QR_TYPE_PAGE_DONE);
  QrResultRow *row;
  GtkWidget *help;
  const char *title;

  backup = qr_test_make_backup (fixture->dir, "damaged-backup", args);
  sums = qr_test_load_sums (backup);

  qr_test_open_and_unlock (fixture->window, backup);
  qr_test_choose_parent (fixture->window, fixture->dir);
  destination = g_file_get_path (qr_page_choose_get_destination (find_page (fixture,
                                                                            QR_TYPE_PAGE_CHOOSE)));

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.go-next", NULL);
  qr_test_wait_for_page (fixture->window, "done");

  g_assert_false (qr_page_done_get_succeeded (done));
  title = qr_page_done_get_summary_title (done);
  g_assert_cmpstr (title, ==, "The Qubes Could Not Be Restored");
  g_assert_null (strstr (title, "Are Restored"));

  row = qr_test_find_result_row (fixture->window, "work");
  g_assert_nonnull (row);
  g_assert_cmpint (qr_restore_item_get_state (qr_result_row_get_item (row)), ==,
                   QR_RESTORE_STATE_FAILED);
  g_assert_cmpstr (qr_result_row_get_summary (row), ==, "Part of the backup is damaged");

  /* The failed qube offers the help about damaged backups. */
  help = qr_test_find_child (GTK_WIDGET (row), QR_TYPE_RESULT_ROW, "help_button");
  g_assert_true (gtk_widget_get_visible (help));
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (help)), ==, "app.help-topic");
  g_assert_cmpstr (g_variant_get_string (gtk_actionable_get_action_target_value (GTK_ACTIONABLE (help)),
                                         NULL),
                   !=, "");

  g_assert_cmpuint (qr_test_count_unverified_files (destination, "", sums), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  const char *small_args[] = { "--qubes", "small", NULL };
  const char *full_args[] = { "--qubes", "full", NULL };
  int ret;

  if (!qr_test_init_suite (&argc, &argv, "/qr/wizard/skipped", TRUE))
    return g_test_run ();

  fixture_dir = g_dir_make_tmp ("qr-gui-fixtures-XXXXXX", &error);
  g_assert_no_error (error);
  small_backup = qr_test_make_backup (fixture_dir, "small-backup", small_args);
  full_backup = qr_test_make_backup (fixture_dir, "full-backup", full_args);

  g_test_add ("/qr/wizard/not-a-backup", Fixture, NULL,
              qr_test_fixture_set_up, test_not_a_backup, qr_test_fixture_tear_down);
  g_test_add ("/qr/wizard/wrong-then-right-passphrase", Fixture, NULL,
              qr_test_fixture_set_up, test_wrong_then_right_passphrase, qr_test_fixture_tear_down);
  g_test_add ("/qr/wizard/long-unlock", Fixture, NULL,
              qr_test_fixture_set_up, test_long_unlock, qr_test_fixture_tear_down);
  g_test_add ("/qr/wizard/restore-selected", Fixture, NULL,
              qr_test_fixture_set_up, test_restore_selected, qr_test_fixture_tear_down);
  g_test_add ("/qr/wizard/verify-only", Fixture, NULL,
              qr_test_fixture_set_up, test_verify_only, qr_test_fixture_tear_down);
  g_test_add ("/qr/wizard/cancel", Fixture, NULL,
              qr_test_fixture_set_up, test_cancel, qr_test_fixture_tear_down);
  g_test_add ("/qr/wizard/file-filter", Fixture, NULL,
              qr_test_fixture_set_up, test_file_filter, qr_test_fixture_tear_down);
  g_test_add ("/qr/wizard/damaged", Fixture, NULL,
              qr_test_fixture_set_up, test_damaged, qr_test_fixture_tear_down);

  ret = g_test_run ();

  qr_test_remove_tree (fixture_dir);
  return ret;
}
