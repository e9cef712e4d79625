/* test-old-formats.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "qr-page-choose.h"
#include "qr-page-done.h"
#include "qr-page-open.h"
#include "qr-page-unlock.h"
#include "qr-test-utils.h"

/* Backups of Qubes R1 to R3.2 through the wizard, as a person goes: a
 * format 3 file with its passphrase, and a format 1 folder picked with
 * "Choose Backup Folder…", which has none. */

typedef struct
{
  char     *dir;
  QrWindow *window;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("qr-gui-old-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->window = qr_test_new_window (1000, 700);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  qr_test_settle (50);
  qr_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
}

static gpointer
find_page (Fixture *fixture,
           GType    type)
{
  return qr_test_find_child (GTK_WIDGET (fixture->window), type, NULL);
}

/* Every regular file the generator's manifest lists, byte for byte;
 * returns how many. */
static guint
check_files (const char *backup,
             const char *destination)
{
  g_autofree char *manifest = g_strconcat (backup, ".json", NULL);
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "gui", "manifest-sums.py", NULL);
  const char *argv[] = { "python3", script, manifest, NULL };
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  guint n_checked = 0;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *space = strchr (lines[i], ' ');
      g_autofree char *path = NULL;
      g_autofree char *contents = NULL;
      g_autofree char *sum = NULL;
      gsize length;

      if (space == NULL)
        continue;

      *space = '\0';
      path = g_build_filename (destination, space + 1, NULL);
      g_file_get_contents (path, &contents, &length, &error);
      g_assert_no_error (error);
      sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
      g_assert_cmpstr (sum, ==, lines[i]);
      n_checked++;
    }

  return n_checked;
}

static char *
restore_into (Fixture *fixture)
{
  QrPageChoose *choose = find_page (fixture, QR_TYPE_PAGE_CHOOSE);
  g_autofree char *parent = g_build_filename (fixture->dir, "restored", NULL);
  g_autoptr(GFile) folder = g_file_new_for_path (parent);

  g_assert_cmpint (g_mkdir (parent, 0700), ==, 0);
  qr_page_choose_set_parent_folder (choose, folder);
  /* Templates are not chosen at first; the checks cover every kind. */
  gtk_widget_activate_action (GTK_WIDGET (choose), "choose.select-all", NULL);

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.go-next", NULL);
  qr_test_wait_for_page (fixture->window, "done");
  g_assert_true (qr_page_done_get_succeeded (find_page (fixture, QR_TYPE_PAGE_DONE)));

  return g_file_get_path (qr_page_choose_get_destination (choose));
}

static void
test_format_3 (Fixture       *fixture,
               gconstpointer  data)
{
  const char *args[] = { "--qubes", "full", "--format-version", "3", "--compression", "bzip2",
                         NULL };
  g_autofree char *backup = qr_test_make_backup (fixture->dir, "r3-backup", args);
  g_autofree char *destination = NULL;

  qr_test_open_and_unlock (fixture->window, backup);
  destination = restore_into (fixture);

  g_assert_cmpstr (qr_page_done_get_summary_title (find_page (fixture, QR_TYPE_PAGE_DONE)), ==,
                   "Your Qubes Are Restored");
  /* work's files, the template's whole folder, the standalone qube's and
   * dom0's home. */
  g_assert_cmpuint (check_files (backup, destination), >=, 15);
}

static GtkWindow *
find_folder_chooser (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (GTK_IS_FILE_CHOOSER (window) && gtk_widget_get_visible (GTK_WIDGET (window)) &&
          gtk_file_chooser_get_action (GTK_FILE_CHOOSER (window)) ==
            GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER)
        return window;
    }

  return NULL;
}

static gboolean
folder_chooser_shown (gpointer data)
{
  return find_folder_chooser () != NULL;
}

static gboolean
unlock_shown (gpointer data)
{
  return g_strcmp0 (qr_window_get_visible_page_name (data), "unlock") == 0;
}

static void
test_format_1_folder (Fixture       *fixture,
                      gconstpointer  data)
{
  const char *args[] = { "--qubes", "full", "--format-version", "1", NULL };
  g_autofree char *backup = qr_test_make_backup (fixture->dir, "r1-backup", args);
  g_autoptr(GFile) folder = g_file_new_for_path (backup);
  g_autoptr(GError) error = NULL;
  g_autofree char *destination = NULL;
  QrPageOpen *open = find_page (fixture, QR_TYPE_PAGE_OPEN);
  QrPageUnlock *unlock = find_page (fixture, QR_TYPE_PAGE_UNLOCK);
  GtkWindow *chooser;

  gtk_widget_activate_action (GTK_WIDGET (open), "open.choose-folder", NULL);
  g_assert_true (qr_test_wait_until (folder_chooser_shown, NULL, 10));
  chooser = find_folder_chooser ();
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, &error);
  g_assert_no_error (error);
  qr_test_settle (200);
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);

  /* No passphrase to ask for: the page lets the user go on at once. */
  g_assert_true (qr_test_wait_until (unlock_shown, fixture->window, QR_TEST_TIMEOUT_SECONDS));
  g_assert_true (g_file_equal (qr_page_open_get_file (open), folder));
  g_assert_true (qr_page_get_complete (QR_PAGE (unlock)));
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.go-next", NULL);
  qr_test_wait_for_page (fixture->window, "choose");

  destination = restore_into (fixture);
  g_assert_nonnull (strstr (qr_page_done_get_summary_title (find_page (fixture, QR_TYPE_PAGE_DONE)),
                            "Restored"));
  g_assert_cmpuint (check_files (backup, destination), >=, 15);
}

int
main (int   argc,
      char *argv[])
{
  if (!qr_test_init_suite (&argc, &argv, "/qr/old-formats/skipped", TRUE))
    return g_test_run ();

  g_test_add ("/qr/old-formats/format-3", Fixture, NULL,
              fixture_set_up, test_format_3, fixture_tear_down);
  g_test_add ("/qr/old-formats/format-1-folder", Fixture, NULL,
              fixture_set_up, test_format_1_folder, fixture_tear_down);

  return g_test_run ();
}
