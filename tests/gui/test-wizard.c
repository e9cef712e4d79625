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
choose_destination (Fixture *fixture)
{
  g_autoptr(GFile) folder = g_file_new_for_path (fixture->dir);

  qr_page_choose_set_parent_folder (find_page (fixture, QR_TYPE_PAGE_CHOOSE), folder);
}

static char *
sha256_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);

  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
}

/* What a restore of @backup must produce: relative path -> sha256, from
 * the generator's manifest. */
static GHashTable *
load_sums (const char *backup)
{
  g_autofree char *manifest = g_strconcat (backup, ".json", NULL);
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "gui", "manifest-sums.py", NULL);
  const char *argv[] = { "python3", script, manifest, NULL };
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  GHashTable *sums = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH,
                NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *space = strchr (lines[i], ' ');

      if (space == NULL)
        continue;

      *space = '\0';
      g_hash_table_insert (sums, g_strdup (space + 1), g_strdup (lines[i]));
    }

  g_assert_cmpuint (g_hash_table_size (sums), >, 0);
  return sums;
}

/* Every file the generator put in @qube is in @destination, byte for byte. */
static guint
check_qube_files (GHashTable *sums,
                  const char *destination,
                  const char *qube)
{
  g_autofree char *prefix = g_strconcat (qube, "/", NULL);
  GHashTableIter iter;
  gpointer key, value;
  guint n_checked = 0;

  g_hash_table_iter_init (&iter, sums);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autofree char *path = NULL;
      g_autofree char *sum = NULL;

      if (!g_str_has_prefix (key, prefix))
        continue;

      path = g_build_filename (destination, key, NULL);
      sum = sha256_file (path);
      g_assert_cmpstr (sum, ==, value);
      n_checked++;
    }

  return n_checked;
}

static QrResultRow *
find_result_row (Fixture    *fixture,
                 const char *name)
{
  GtkWidget *list = qr_test_find_child (GTK_WIDGET (fixture->window),
                                        QR_TYPE_PAGE_DONE, "result_list");

  for (GtkWidget *child = gtk_widget_get_first_child (list);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      QrRestoreItem *item = qr_result_row_get_item (QR_RESULT_ROW (child));

      if (g_strcmp0 (qr_qube_get_name (qr_restore_item_get_qube (item)), name) == 0)
        return QR_RESULT_ROW (child);
    }

  return NULL;
}

static QrQubeRow *
find_qube_row (Fixture    *fixture,
               const char *name)
{
  GtkWidget *list = qr_test_find_child (GTK_WIDGET (fixture->window),
                                        QR_TYPE_PAGE_CHOOSE, "qube_list");

  for (GtkWidget *child = gtk_widget_get_first_child (list);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (g_strcmp0 (qr_qube_get_name (qr_qube_row_get_qube (QR_QUBE_ROW (child))), name) == 0)
        return QR_QUBE_ROW (child);
    }

  return NULL;
}

/* Every regular file under @destination is complete: one the manifest
 * lists, with the manifest's checksum. A partial file fails this. */
static guint
count_unverified_files (const char *destination,
                        const char *relative,
                        GHashTable *sums)
{
  g_autofree char *path = g_build_filename (destination, relative, NULL);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint n_bad = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child_relative = relative[0] != '\0'
                                        ? g_build_filename (relative, name, NULL)
                                        : g_strdup (name);
      g_autofree char *child = g_build_filename (destination, child_relative, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        continue;

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        {
          n_bad += count_unverified_files (destination, child_relative, sums);
        }
      else
        {
          g_autofree char *sum = sha256_file (child);

          if (g_strcmp0 (g_hash_table_lookup (sums, child_relative), sum) != 0)
            {
              g_test_message ("Unverified file left behind: %s", child);
              n_bad++;
            }
        }
    }

  return n_bad;
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

static void
test_restore_selected (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GHashTable) sums = load_sums (full_backup);
  QrPageChoose *choose = find_page (fixture, QR_TYPE_PAGE_CHOOSE);
  QrPageDone *done = find_page (fixture, QR_TYPE_PAGE_DONE);
  g_autoptr(GPtrArray) selection = NULL;
  g_autofree char *destination = NULL;
  g_autofree char *vault = NULL;
  const char *restored[] = { "work", "debian-12", "dom0-home" };
  QrQubeRow *vault_row;
  guint n_checked = 0;

  qr_test_open_and_unlock (fixture->window, full_backup);
  choose_destination (fixture);

  /* Qubes not saved in the backup are listed but cannot be chosen. */
  g_assert_false (qr_qube_row_get_available (find_qube_row (fixture, "sys-net")));
  g_assert_false (qr_qube_row_get_selected (find_qube_row (fixture, "sys-net")));

  /* Deselect one qube the way a person does: activate its row. */
  vault_row = find_qube_row (fixture, "vault");
  g_assert_true (qr_qube_row_get_selected (vault_row));
  gtk_widget_activate (GTK_WIDGET (vault_row));
  g_assert_false (qr_qube_row_get_selected (vault_row));

  selection = qr_page_choose_dup_selection (choose);
  g_assert_cmpuint (selection->len, ==, 3);
  destination = g_file_get_path (qr_page_choose_get_destination (choose));
  g_assert_true (g_str_has_prefix (destination, fixture->dir));

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.go-next", NULL);
  qr_test_wait_for_page (fixture->window, "done");

  g_assert_true (qr_page_done_get_succeeded (done));
  g_assert_cmpstr (qr_page_done_get_summary_title (done), ==, "Your Qubes Are Restored");

  for (guint i = 0; i < G_N_ELEMENTS (restored); i++)
    n_checked += check_qube_files (sums, destination, restored[i]);

  /* work: private.img, notes.txt, firewall.xml; debian-12: root.img and
   * private.img; dom0's home: at least one document. */
  g_assert_cmpuint (n_checked, >=, 6);

  {
    g_autofree char *folder = g_build_filename (destination, "work", NULL);
    QrResultRow *row = find_result_row (fixture, "work");
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
  g_assert_null (find_result_row (fixture, "vault"));
}

static void
test_verify_only (Fixture       *fixture,
                  gconstpointer  data)
{
  QrPageDone *done = find_page (fixture, QR_TYPE_PAGE_DONE);
  g_autoptr(GDir) dir = NULL;

  qr_test_open_and_unlock (fixture->window, small_backup);
  choose_destination (fixture);

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
dialog_shown (gpointer data)
{
  return qr_test_find_dialog () != NULL;
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
  sums = load_sums (backup);

  qr_test_open_and_unlock (fixture->window, backup);
  choose_destination (fixture);
  destination = g_file_get_path (qr_page_choose_get_destination (find_page (fixture,
                                                                            QR_TYPE_PAGE_CHOOSE)));

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.go-next", NULL);
  g_assert_true (qr_test_wait_until (restore_shown, fixture->window, 10));
  g_assert_true (qr_test_wait_until (restore_started_writing, fixture->window, 60));
  g_assert_true (qr_window_get_busy (fixture->window));

  /* Cancel asks first; keeping on is the safe answer. */
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.cancel-restore", NULL);
  g_assert_true (qr_test_wait_until (dialog_shown, NULL, 10));
  dialog = qr_test_find_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==,
                   QR_CONFIRM_RESPONSE_CANCEL);
  adw_message_dialog_response (dialog, QR_CONFIRM_RESPONSE_ACCEPT);

  qr_test_wait_for_page (fixture->window, "choose");
  g_assert_cmpuint (count_unverified_files (destination, "", sums), ==, 0);

  /* Back where the user chose, ready to try again. */
  g_assert_true (qr_page_get_complete (find_page (fixture, QR_TYPE_PAGE_CHOOSE)));
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
  sums = load_sums (backup);

  qr_test_open_and_unlock (fixture->window, backup);
  choose_destination (fixture);
  destination = g_file_get_path (qr_page_choose_get_destination (find_page (fixture,
                                                                            QR_TYPE_PAGE_CHOOSE)));

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.go-next", NULL);
  qr_test_wait_for_page (fixture->window, "done");

  g_assert_false (qr_page_done_get_succeeded (done));
  title = qr_page_done_get_summary_title (done);
  g_assert_cmpstr (title, ==, "The Qubes Could Not Be Restored");
  g_assert_null (strstr (title, "Are Restored"));

  row = find_result_row (fixture, "work");
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

  g_assert_cmpuint (count_unverified_files (destination, "", sums), ==, 0);
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
  g_test_add ("/qr/wizard/restore-selected", Fixture, NULL,
              qr_test_fixture_set_up, test_restore_selected, qr_test_fixture_tear_down);
  g_test_add ("/qr/wizard/verify-only", Fixture, NULL,
              qr_test_fixture_set_up, test_verify_only, qr_test_fixture_tear_down);
  g_test_add ("/qr/wizard/cancel", Fixture, NULL,
              qr_test_fixture_set_up, test_cancel, qr_test_fixture_tear_down);
  g_test_add ("/qr/wizard/damaged", Fixture, NULL,
              qr_test_fixture_set_up, test_damaged, qr_test_fixture_tear_down);

  ret = g_test_run ();

  qr_test_remove_tree (fixture_dir);
  return ret;
}
