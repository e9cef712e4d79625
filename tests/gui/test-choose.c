/* test-choose.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The Choose page: what it picks for the user and why, what it says about
 * a backup file that ends too early, and how honest its estimate of the
 * space a restore takes is, measured against real restores. */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "qr-confirm.h"
#include "qr-page-choose.h"
#include "qr-page-done.h"
#include "qr-page-unlock.h"
#include "qr-space-estimate.h"
#include "qr-test-utils.h"

/* Real backups are made once per program and shared by the cases. */
static char *fixture_dir;
static char *full_backup;
static char *plain_backup;

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

/* The space the files under @path take on the disk, in bytes. */
static guint64
disk_usage (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;
  GStatBuf st;
  guint64 total;

  g_assert_cmpint (g_lstat (path, &st), ==, 0);
  total = (guint64) st.st_blocks * 512;
  if (!S_ISDIR (st.st_mode))
    return total;

  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      total += disk_usage (child);
    }

  return total;
}

static guint64
selected_estimate (Fixture *fixture)
{
  QrPageChoose *choose = find_page (fixture, QR_TYPE_PAGE_CHOOSE);
  g_autoptr(GPtrArray) selection = qr_page_choose_dup_selection (choose);
  QrBackup *backup = qr_page_choose_get_backup (choose);
  guint64 total = 0;

  for (guint i = 0; i < selection->len; i++)
    total += qr_space_estimate_qube (backup, g_ptr_array_index (selection, i));

  return total;
}

/* Restores everything that can be restored of @backup, and compares what
 * was written with what the page said it would take. */
static void
check_estimate (Fixture    *fixture,
                const char *backup)
{
  QrPageChoose *choose = find_page (fixture, QR_TYPE_PAGE_CHOOSE);
  g_autofree char *destination = NULL;
  guint64 estimate;
  guint64 upper = 0;
  guint64 stored = 0;
  guint64 written;

  qr_test_open_and_unlock (fixture->window, backup);
  qr_test_choose_parent (fixture->window, fixture->dir);
  gtk_widget_activate_action (GTK_WIDGET (choose), "choose.select-all", NULL);
  destination = g_file_get_path (qr_page_choose_get_destination (choose));
  estimate = selected_estimate (fixture);

  {
    g_autoptr(GPtrArray) selection = qr_page_choose_dup_selection (choose);

    for (guint i = 0; i < selection->len; i++)
      {
        QrQube *qube = g_ptr_array_index (selection, i);
        guint64 one = qr_space_estimate_qube (qr_page_choose_get_backup (choose), qube);

        /* Never above what Qubes measured, never below what the file holds. */
        g_assert_cmpuint (one, <=, qr_qube_get_backup_size (qube));
        g_assert_cmpuint (one, >=, MIN (qr_backup_get_stored_size (qr_page_choose_get_backup (choose),
                                                                   qube),
                                        qr_qube_get_backup_size (qube)));
        upper += qr_qube_get_backup_size (qube);
        stored += qr_backup_get_stored_size (qr_page_choose_get_backup (choose), qube);
      }
  }

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.go-next", NULL);
  qr_test_wait_for_page (fixture->window, "done");
  g_assert_true (qr_page_done_get_succeeded (find_page (fixture, QR_TYPE_PAGE_DONE)));

  written = disk_usage (destination);
  g_test_message ("%s: %" G_GUINT64_FORMAT " bytes in the file, %" G_GUINT64_FORMAT
                  " estimated, %" G_GUINT64_FORMAT " written, %" G_GUINT64_FORMAT
                  " the upper bound",
                  backup, stored, estimate, written, upper);

  /* Enough for what was written, and closer to it than the upper bound
   * that raised the false alarms. */
  g_assert_cmpuint (estimate, >=, written);
  g_assert_cmpuint (estimate, <, upper);
}

static void
test_estimate_compressed (Fixture       *fixture,
                          gconstpointer  data)
{
  check_estimate (fixture, full_backup);
}

static void
test_estimate_uncompressed (Fixture       *fixture,
                            gconstpointer  data)
{
  check_estimate (fixture, plain_backup);
}

/* What holds the user's files is chosen, a template is not and says why,
 * and the whole list can be chosen or cleared at once. */
static void
test_guidance (Fixture       *fixture,
               gconstpointer  data)
{
  QrPageChoose *choose = find_page (fixture, QR_TYPE_PAGE_CHOOSE);
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) none = NULL;
  const char *template_text;

  qr_test_open_and_unlock (fixture->window, full_backup);

  g_assert_true (qr_qube_row_get_selected (qr_test_find_qube_row (fixture->window, "work")));
  g_assert_true (qr_qube_row_get_selected (qr_test_find_qube_row (fixture->window, "vault")));
  g_assert_true (qr_qube_row_get_selected (qr_test_find_qube_row (fixture->window, "dom0")));
  g_assert_false (qr_qube_row_get_selected (qr_test_find_qube_row (fixture->window, "debian-12")));

  template_text = adw_action_row_get_subtitle (ADW_ACTION_ROW (qr_test_find_qube_row (fixture->window,
                                                                                      "debian-12")));
  g_assert_nonnull (strstr (template_text, "Template: programs, not your files; "
                                           "restore only if you need them"));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (qr_test_find_qube_row (fixture->window,
                                                                                               "dom0"))),
                            "dom0 home folder: "));
  g_assert_false (qr_page_choose_get_banner_shown (choose));

  gtk_widget_activate_action (GTK_WIDGET (choose), "choose.select-all", NULL);
  all = qr_page_choose_dup_selection (choose);
  g_assert_cmpuint (all->len, ==, 4);

  gtk_widget_activate_action (GTK_WIDGET (choose), "choose.select-none", NULL);
  none = qr_page_choose_dup_selection (choose);
  g_assert_cmpuint (none->len, ==, 0);
  g_assert_false (qr_page_get_complete (QR_PAGE (choose)));
  g_assert_cmpstr (qr_page_choose_get_space_text (choose), ==, "No qube selected");
}

/* A copy that stopped early: the page says so at the top, in words a
 * person can act on, and the qubes whose data is missing cannot be chosen. */
static void
test_truncated_banner (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *copy = g_build_filename (fixture->dir, "copy-of-backup", NULL);
  QrPageChoose *choose = find_page (fixture, QR_TYPE_PAGE_CHOOSE);
  GtkWidget *banner_label = qr_test_find_child (GTK_WIDGET (choose), QR_TYPE_PAGE_CHOOSE,
                                                "banner_label");
  QrQubeRow *vault;

  qr_test_copy_truncated (full_backup, copy, "vm14/");
  qr_test_open_and_unlock (fixture->window, copy);

  g_assert_true (qr_page_choose_get_banner_shown (choose));
  g_assert_true (gtk_widget_get_mapped (banner_label));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (banner_label)), ==,
                   "The backup file ends too early: 2 qubes it lists have no data in them. "
                   "Copy the file again from the original disk.");

  vault = qr_test_find_qube_row (fixture->window, "vault");
  g_assert_false (qr_qube_row_get_available (vault));
  g_assert_false (qr_qube_row_get_selected (vault));
  g_assert_true (qr_qube_row_get_selected (qr_test_find_qube_row (fixture->window, "work")));

  /* The banner is in view without scrolling: above what scrolls. */
  {
    GtkWidget *scrolled = qr_test_find_child (GTK_WIDGET (choose), QR_TYPE_PAGE_CHOOSE,
                                              "scrolled_window");

    g_assert_false (gtk_widget_is_ancestor (banner_label, scrolled));
  }
}

static gboolean
free_space_known (gpointer data)
{
  return strstr (qr_page_choose_get_space_text (data), "free there") != NULL;
}

/* The estimate and the free space are in view at 1000×700, above nothing
 * that has to be scrolled, and agree with the rows. */
static void
test_space_in_view (Fixture       *fixture,
                    gconstpointer  data)
{
  QrPageChoose *choose = find_page (fixture, QR_TYPE_PAGE_CHOOSE);
  GtkWidget *space = qr_test_find_child (GTK_WIDGET (choose), QR_TYPE_PAGE_CHOOSE, "space_label");
  GtkWidget *scrolled = qr_test_find_child (GTK_WIDGET (choose), QR_TYPE_PAGE_CHOOSE,
                                            "scrolled_window");
  g_autofree char *needed = NULL;
  graphene_point_t point;

  qr_test_open_and_unlock (fixture->window, full_backup);
  qr_test_choose_parent (fixture->window, fixture->dir);
  g_assert_true (qr_test_wait_until (free_space_known, choose, 10));

  needed = g_format_size (selected_estimate (fixture));
  g_assert_nonnull (strstr (qr_page_choose_get_space_text (choose), needed));
  g_assert_nonnull (strstr (qr_page_choose_get_space_text (choose), "3 qubes selected · about"));
  g_assert_false (qr_page_choose_get_space_warning (choose));

  g_assert_false (gtk_widget_is_ancestor (space, scrolled));
  qr_test_wait_for_drawn (space);
  g_assert_true (gtk_widget_compute_point (space, GTK_WIDGET (fixture->window),
                                           &GRAPHENE_POINT_INIT (0, 0), &point));
  g_assert_cmpfloat (point.y + gtk_widget_get_height (space), <=,
                     gtk_widget_get_height (GTK_WIDGET (fixture->window)));
}

/* The dialog GtkFileChooserNative shows where there is no portal. */
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
space_warning_shown (gpointer data)
{
  return qr_page_choose_get_space_warning (data);
}

/* Choosing another folder from the question about space asks for the
 * folder, and does not start the restore. */
static void
test_choose_another_folder (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *small = g_build_filename (fixture->dir, "small-disk", NULL);
  QrPageChoose *choose = find_page (fixture, QR_TYPE_PAGE_CHOOSE);
  AdwMessageDialog *dialog;

  if (geteuid () != 0)
    {
      g_test_skip ("Needs root to mount a small tmpfs");
      return;
    }

  g_assert_cmpint (g_mkdir (small, 0755), ==, 0);
  if (mount ("tmpfs", small, "tmpfs", 0, "size=64k") != 0)
    g_error ("Could not mount a tmpfs: %s", g_strerror (errno));

  qr_test_open_and_unlock (fixture->window, full_backup);
  qr_test_choose_parent (fixture->window, small);
  g_assert_true (qr_test_wait_until (space_warning_shown, choose, 10));

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.go-next", NULL);
  g_assert_true (qr_test_wait_until (dialog_shown, NULL, 10));
  dialog = qr_test_find_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_response_label (dialog, QR_CONFIRM_RESPONSE_CANCEL), ==,
                   "_Choose Another Folder");
  g_assert_cmpstr (adw_message_dialog_get_response_label (dialog, QR_CONFIRM_RESPONSE_ACCEPT), ==,
                   "_Restore Anyway");
  qr_test_respond (dialog, QR_CONFIRM_RESPONSE_CANCEL);

  /* The folder chooser opens; nothing was started or written. */
  g_assert_true (qr_test_wait_until (folder_chooser_shown, NULL, 10));
  g_assert_cmpstr (qr_window_get_visible_page_name (fixture->window), ==, "choose");
  g_assert_false (qr_window_get_busy (fixture->window));
  {
    g_autoptr(GDir) dir = g_dir_open (small, 0, NULL);

    g_assert_null (g_dir_read_name (dir));
  }

  gtk_dialog_response (GTK_DIALOG (find_folder_chooser ()), GTK_RESPONSE_CANCEL);

  if (umount (small) != 0)
    g_error ("Could not unmount %s: %s", small, g_strerror (errno));
}

/* Back from the qubes keeps the backup unlocked; forward again needs no
 * passphrase and keeps the choices. */
static void
test_back_keeps_unlock (Fixture       *fixture,
                        gconstpointer  data)
{
  QrPageUnlock *unlock = find_page (fixture, QR_TYPE_PAGE_UNLOCK);
  QrPageChoose *choose = find_page (fixture, QR_TYPE_PAGE_CHOOSE);
  QrBackup *backup;

  qr_test_open_and_unlock (fixture->window, full_backup);
  backup = qr_page_choose_get_backup (choose);
  gtk_widget_activate_action (GTK_WIDGET (choose), "choose.select-none", NULL);
  qr_qube_row_set_selected (qr_test_find_qube_row (fixture->window, "vault"), TRUE);

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.go-back", NULL);
  qr_test_wait_for_page (fixture->window, "unlock");
  g_assert_true (qr_page_get_complete (QR_PAGE (unlock)));
  g_assert_cmpstr (qr_page_get_next_label (QR_PAGE (unlock)), ==, "_Continue");

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.go-next", NULL);
  qr_test_wait_for_page (fixture->window, "choose");
  g_assert_true (qr_page_choose_get_backup (choose) == backup);
  g_assert_true (qr_qube_row_get_selected (qr_test_find_qube_row (fixture->window, "vault")));
  g_assert_false (qr_qube_row_get_selected (qr_test_find_qube_row (fixture->window, "work")));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  const char *full_args[] = { "--qubes", "full", NULL };
  const char *plain_args[] = { "--qubes", "full", "--compression", "none", NULL };
  int ret;

  if (!qr_test_init_suite (&argc, &argv, "/qr/choose/skipped", TRUE))
    return g_test_run ();

  fixture_dir = g_dir_make_tmp ("qr-gui-fixtures-XXXXXX", &error);
  g_assert_no_error (error);
  full_backup = qr_test_make_backup (fixture_dir, "full-backup", full_args);
  plain_backup = qr_test_make_backup (fixture_dir, "plain-backup", plain_args);

  g_test_add ("/qr/choose/guidance", Fixture, NULL,
              qr_test_fixture_set_up, test_guidance, qr_test_fixture_tear_down);
  g_test_add ("/qr/choose/truncated-banner", Fixture, NULL,
              qr_test_fixture_set_up, test_truncated_banner, qr_test_fixture_tear_down);
  g_test_add ("/qr/choose/space-in-view", Fixture, NULL,
              qr_test_fixture_set_up, test_space_in_view, qr_test_fixture_tear_down);
  g_test_add ("/qr/choose/estimate-compressed", Fixture, NULL,
              qr_test_fixture_set_up, test_estimate_compressed, qr_test_fixture_tear_down);
  g_test_add ("/qr/choose/estimate-uncompressed", Fixture, NULL,
              qr_test_fixture_set_up, test_estimate_uncompressed, qr_test_fixture_tear_down);
  g_test_add ("/qr/choose/choose-another-folder", Fixture, NULL,
              qr_test_fixture_set_up, test_choose_another_folder, qr_test_fixture_tear_down);
  g_test_add ("/qr/choose/back-keeps-unlock", Fixture, NULL,
              qr_test_fixture_set_up, test_back_keeps_unlock, qr_test_fixture_tear_down);

  ret = g_test_run ();

  qr_test_remove_tree (fixture_dir);
  return ret;
}
