/* test-copy-files.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* "Copy Files…" on the Done page: the browser of a restored qube's disk
 * image, driven through what its keys do, copying real files out of a
 * real backup; and Open Files giving way to Copy Files where mounting
 * cannot work. The browser of a partly recovered image, salvaged from a
 * damaged backup, marks its damaged files and copies them only when
 * asked. Needs no udisks and no root. */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "qr-backup.h"
#include "qr-error.h"
#include "qr-error-view.h"
#include "qr-image.h"
#include "qr-image-browser.h"
#include "qr-image-entry.h"
#include "qr-mount-tracker.h"
#include "qr-page-choose.h"
#include "qr-page-done.h"
#include "qr-restore.h"
#include "qr-result-row.h"
#include "qr-test-utils.h"

#ifdef GDK_WINDOWING_X11
#include <gdk/x11/gdkx.h>
#endif

static char *fixture_dir;
static char *small_backup;
static char *salvaged_image;

typedef struct
{
  char      *dir;
  char      *destination;
  QrWindow  *window;
  GPtrArray *launched;
} Fixture;

static void
record_uri (GtkWindow  *parent,
            const char *uri,
            gpointer    user_data)
{
  g_ptr_array_add (user_data, g_strdup (uri));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) folder = NULL;
  QrPageDone *done;
  QrPageChoose *choose;

  fixture->dir = g_dir_make_tmp ("qr-copy-files-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->window = qr_test_new_window (1000, 700);
  g_object_add_weak_pointer (G_OBJECT (fixture->window), (gpointer *) &fixture->window);

  fixture->launched = g_ptr_array_new_with_free_func (g_free);
  done = QR_PAGE_DONE (qr_test_find_child (GTK_WIDGET (fixture->window), QR_TYPE_PAGE_DONE, NULL));
  qr_mount_tracker_set_launcher (qr_page_done_get_mount_tracker (done),
                                 record_uri, g_ptr_array_ref (fixture->launched),
                                 (GDestroyNotify) g_ptr_array_unref);

  qr_test_open_and_unlock (fixture->window, small_backup);
  folder = g_file_new_for_path (fixture->dir);
  choose = QR_PAGE_CHOOSE (qr_test_find_child (GTK_WIDGET (fixture->window),
                                               QR_TYPE_PAGE_CHOOSE, NULL));
  qr_page_choose_set_parent_folder (choose, folder);
  fixture->destination = g_file_get_path (qr_page_choose_get_destination (choose));
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.go-next", NULL);
  qr_test_wait_for_page (fixture->window, "done");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = g_list_model_get_n_items (toplevels); i > 0; i--)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i - 1);

      if (QR_IS_IMAGE_BROWSER (window))
        gtk_window_destroy (window);
    }
  if (fixture->window != NULL)
    gtk_window_destroy (GTK_WINDOW (fixture->window));
  qr_test_settle (50);

  qr_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->destination);
  g_ptr_array_unref (fixture->launched);
}

static QrResultRow *
find_row (Fixture    *fixture,
          const char *name)
{
  GtkWidget *list = qr_test_find_child (GTK_WIDGET (fixture->window), QR_TYPE_PAGE_DONE,
                                        "result_list");

  for (GtkWidget *child = gtk_widget_get_first_child (list);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      QrRestoreItem *item = qr_result_row_get_item (QR_RESULT_ROW (child));

      if (g_strcmp0 (qr_qube_get_name (qr_restore_item_get_qube (item)), name) == 0)
        return QR_RESULT_ROW (child);
    }

  g_error ("No result row for %s", name);
}

static GtkWidget *
row_child (QrResultRow *row,
           const char  *name)
{
  return qr_test_find_child (GTK_WIDGET (row), QR_TYPE_RESULT_ROW, name);
}

static QrImageBrowser *
find_browser (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (QR_IS_IMAGE_BROWSER (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return QR_IMAGE_BROWSER (window);
    }

  return NULL;
}

typedef struct
{
  QrImageBrowser *browser;
  const char     *page;
  const char     *path;
} BrowserWait;

static gboolean
browser_at (gpointer data)
{
  BrowserWait *wait = data;

  return g_strcmp0 (qr_image_browser_get_page (wait->browser), wait->page) == 0 &&
         (wait->path == NULL || g_strcmp0 (qr_image_browser_get_path (wait->browser), wait->path) == 0);
}

static void
wait_for (QrImageBrowser *browser,
          const char     *page,
          const char     *path)
{
  BrowserWait wait = { browser, page, path };

  if (!qr_test_wait_until (browser_at, &wait, QR_TEST_TIMEOUT_SECONDS))
    g_error ("Timed out waiting for %s at %s; %s at %s is shown", page, path,
             qr_image_browser_get_page (browser), qr_image_browser_get_path (browser));
}

static GtkWidget *
browser_child (QrImageBrowser *browser,
               const char     *name)
{
  return qr_test_find_child (GTK_WIDGET (browser), QR_TYPE_IMAGE_BROWSER, name);
}

static GtkSingleSelection *
get_selection (QrImageBrowser *browser)
{
  return GTK_SINGLE_SELECTION (gtk_list_view_get_model (GTK_LIST_VIEW (browser_child (browser,
                                                                                       "list_view"))));
}

static GStrv
dup_names (QrImageBrowser *browser)
{
  GListModel *model = G_LIST_MODEL (get_selection (browser));
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(QrImageEntry) entry = g_list_model_get_item (model, i);

      g_strv_builder_add (builder, g_file_info_get_name (qr_image_entry_get_info (entry)));
    }

  return g_strv_builder_end (builder);
}

/* Moves the cursor to @name, as the arrow keys do. */
static void
move_to (QrImageBrowser *browser,
         const char     *name)
{
  g_auto(GStrv) names = dup_names (browser);

  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], name))
      {
        gtk_single_selection_set_selected (get_selection (browser), i);
        return;
      }

  g_error ("No %s here", name);
}

/* As a key press would: the action that key is bound to. */
static void
press (QrImageBrowser *browser,
       const char     *action)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (browser), action, NULL));
}

static void
assert_same_tree (const char *expected,
                  const char *actual)
{
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_spawn_sync (NULL, (char *[]) { "diff", "-r", "--no-dereference", (char *) expected,
                                   (char *) actual, NULL },
                NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("The copies differ: %s", out);
}

/* Opens the browser from the row as Enter on its button does. */
static QrImageBrowser *
open_browser (QrResultRow *row)
{
  QrImageBrowser *browser;

  g_assert_true (gtk_widget_get_visible (row_child (row, "copy_button")));
  gtk_widget_grab_focus (row_child (row, "copy_button"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "row.copy-files", NULL));
  browser = find_browser ();
  g_assert_nonnull (browser);

  return browser;
}

static void
test_copy_documents (Fixture       *fixture,
                     gconstpointer  data)
{
  QrResultRow *row = find_row (fixture, "work");
  g_autofree char *image = g_file_get_path (qr_result_row_get_image (row));
  g_autofree char *dest = g_build_filename (fixture->dir, "Recovered Files", "work", NULL);
  g_autofree char *expected = g_build_filename (fixture->dir, "expected", NULL);
  g_autofree char *copied = g_build_filename (dest, "Documents", NULL);
  g_autofree char *dest_uri = NULL;
  g_autoptr(GFile) dest_file = g_file_new_for_path (dest);
  g_auto(GStrv) names = NULL;
  g_autofree char *rdump = NULL;
  g_autofree char *default_dest = NULL;
  QrImageBrowser *browser;
  QrImageEntry *entry;

  browser = open_browser (row);
  default_dest = g_file_get_path (qr_image_browser_get_destination (browser));
  g_assert_true (g_str_has_suffix (default_dest, "/Recovered Files/work"));

  /* It starts in the user's home, folders first, the cursor on the first. */
  wait_for (browser, "browse", "/home/user");
  names = dup_names (browser);
  g_assert_cmpstr (names[0], ==, "Documents");
  g_assert_true (g_strv_contains ((const char * const *) names, ".bashrc"));
  g_assert_true (gtk_widget_has_focus (browser_child (browser, "list_view")) ||
                 gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (browser)),
                                         browser_child (browser, "list_view")));
  g_assert_false (gtk_widget_is_sensitive (browser_child (browser, "copy_button")));

  /* Space chooses and unchooses. */
  press (browser, "browser.toggle-selected");
  entry = gtk_single_selection_get_selected_item (get_selection (browser));
  g_assert_true (qr_image_entry_get_checked (entry));
  g_assert_true (gtk_widget_is_sensitive (browser_child (browser, "copy_button")));
  press (browser, "browser.toggle-selected");
  g_assert_false (qr_image_entry_get_checked (entry));

  /* Enter opens the folder, Backspace comes back. */
  move_to (browser, "Documents");
  press (browser, "browser.open-selected");
  wait_for (browser, "browse", "/home/user/Documents");
  press (browser, "browser.go-up");
  wait_for (browser, "browse", "/home/user");

  /* Documents chosen, then copied into a folder of the test's. */
  move_to (browser, "Documents");
  press (browser, "browser.toggle-selected");
  qr_image_browser_set_destination (browser, dest_file);
  press (browser, "browser.copy");
  wait_for (browser, "done", NULL);
  g_assert_false (gtk_widget_get_visible (browser_child (browser, "notes_label")));

  /* Byte for byte what debugfs reads from the same image. */
  g_assert_cmpint (g_mkdir (expected, 0755), ==, 0);
  rdump = g_strdup_printf ("rdump /home/user/Documents %s", expected);
  g_assert_true (g_spawn_sync (NULL, (char *[]) { "debugfs", "-R", rdump, image, NULL }, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                               G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  g_clear_pointer (&rdump, g_free);
  rdump = g_build_filename (expected, "Documents", NULL);
  assert_same_tree (rdump, copied);

  /* Show in Folder shows the destination. */
  press (browser, "browser.show-in-folder");
  dest_uri = g_file_get_uri (dest_file);
  g_assert_cmpuint (fixture->launched->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->launched, 0), ==, dest_uri);

  /* Copying the same again replaces nothing, and says so. */
  press (browser, "browser.copy-more");
  wait_for (browser, "browse", "/home/user");
  press (browser, "browser.select-all");
  g_clear_pointer (&names, g_strfreev);
  names = dup_names (browser);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr(QrImageEntry) each = g_list_model_get_item (G_LIST_MODEL (get_selection (browser)), i);

      g_assert_true (qr_image_entry_get_checked (each));
    }
  press (browser, "browser.copy");
  wait_for (browser, "done", NULL);
  g_assert_true (gtk_widget_get_visible (browser_child (browser, "notes_label")));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (browser_child (browser, "notes_label"))),
                            "Documents"));
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (browser_child (browser, "status_page"))),
                   ==, "Some Files Could Not Be Copied");

  /* Only what is there already: nothing is copied, and that is said. */
  press (browser, "browser.copy-more");
  wait_for (browser, "browse", "/home/user");
  move_to (browser, "Documents");
  press (browser, "browser.toggle-selected");
  press (browser, "browser.copy");
  wait_for (browser, "done", NULL);
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (browser_child (browser, "status_page"))),
                   ==, "Nothing Was Copied");
  g_assert_false (gtk_widget_is_sensitive (browser_child (browser, "show_button")));
  g_assert_true (gtk_widget_has_focus (browser_child (browser, "copy_more_button")));

  /* Escape closes. */
  press (browser, "window.close");
  qr_test_settle (50);
  g_assert_null (find_browser ());
}

#ifdef GDK_WINDOWING_X11
/* Real key presses through the X server, as a keyboard makes them. */
static void
type_keys (QrImageBrowser *browser,
           const char     *keys)
{
  g_autofree char *window = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (browser));
  int status;

  window = g_strdup_printf ("%lu", (gulong) gdk_x11_surface_get_xid (surface));
  g_spawn_sync (NULL, (char *[]) { "xdotool", "windowfocus", "--sync", window, NULL }, NULL,
                G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);

  argv = g_strsplit (g_strconcat ("xdotool key --delay 50 ", keys, NULL), " ", -1);
  g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  qr_test_settle (300);
}

/* The whole way with the keyboard alone: into a folder and back, choose
 * with Space, copy with the button's access key, close with Escape. */
static void
test_keyboard (Fixture       *fixture,
               gconstpointer  data)
{
  QrResultRow *row = find_row (fixture, "work");
  g_autofree char *dest = g_build_filename (fixture->dir, "Keyboard", NULL);
  g_autofree char *copied = g_build_filename (dest, "Documents", "report.txt", NULL);
  g_autoptr(GFile) dest_file = g_file_new_for_path (dest);
  g_autofree char *xdotool = g_find_program_in_path ("xdotool");
  QrImageBrowser *browser;

  if (xdotool == NULL || !GDK_IS_X11_DISPLAY (gdk_display_get_default ()))
    {
      g_test_skip ("Real key presses need xdotool and an X server");
      return;
    }

  browser = open_browser (row);
  qr_image_browser_set_destination (browser, dest_file);
  wait_for (browser, "browse", "/home/user");

  /* The cursor starts on Documents, the first folder. */
  type_keys (browser, "Return");
  wait_for (browser, "browse", "/home/user/Documents");
  type_keys (browser, "BackSpace");
  wait_for (browser, "browse", "/home/user");

  type_keys (browser, "space");
  g_assert_true (gtk_widget_is_sensitive (browser_child (browser, "copy_button")));
  type_keys (browser, "alt+c");
  wait_for (browser, "done", NULL);
  g_assert_true (g_file_test (copied, G_FILE_TEST_IS_REGULAR));

  type_keys (browser, "Escape");
  g_assert_null (find_browser ());
}
#endif

/* Without udisks, Open Files gives way to Copy Files, with why in one
 * sentence and no command to type. */
static void
test_no_udisks (Fixture       *fixture,
                gconstpointer  data)
{
  QrResultRow *row = find_row (fixture, "work");
  GtkWidget *blocked = row_child (row, "blocked_label");
  GtkWidget *copy_button = row_child (row, "copy_button");
  g_autofree char *saved = g_strdup (g_getenv ("DBUS_SYSTEM_BUS_ADDRESS"));
  const char *reason;

  g_assert_true (gtk_widget_get_visible (row_child (row, "open_button")));
  g_assert_false (gtk_widget_get_visible (blocked));

  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/qr-copy-test/socket", TRUE);
  gtk_widget_grab_focus (row_child (row, "open_button"));
  gtk_widget_activate_action (GTK_WIDGET (row), "row.open-files", NULL);
  g_assert_true (qr_test_wait_until ((QrTestCondition) gtk_widget_get_visible, blocked,
                                     QR_TEST_TIMEOUT_SECONDS));
  if (saved != NULL)
    g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", saved, TRUE);
  else
    g_unsetenv ("DBUS_SYSTEM_BUS_ADDRESS");

  reason = gtk_label_get_label (GTK_LABEL (blocked));
  g_assert_nonnull (strstr (reason, "copy them out"));
  g_assert_null (strstr (reason, "sudo"));
  g_assert_null (strstr (reason, "apt"));
  g_assert_false (gtk_widget_get_visible (row_child (row, "open_button")));
  g_assert_false (gtk_widget_get_visible (row_child (row, "mount_error_view")));
  g_assert_true (gtk_widget_has_css_class (copy_button, "suggested-action"));
  g_assert_true (gtk_widget_has_focus (copy_button));
  g_assert_cmpuint (fixture->launched->len, ==, 0);
}

/* A folder that cannot be read says so, and the browser goes on. */
static void
test_damaged_image (Fixture       *fixture,
                    gconstpointer  data)
{
  QrResultRow *row = find_row (fixture, "work");
  g_autofree char *image = g_file_get_path (qr_result_row_get_image (row));
  QrImageBrowser *browser;

  /* Counts that do not add up: the filesystem cannot be opened. */
  g_assert_true (g_spawn_sync (NULL, (char *[]) { "debugfs", "-w", "-R", "ssv inodes_count 12345",
                                                  image, NULL }, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                               G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, NULL, NULL));

  browser = open_browser (row);
  wait_for (browser, "error", NULL);
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (browser_child (browser, "error_page"))),
                   ==, "These Files Cannot Be Read");
  g_assert_nonnull (strstr (adw_status_page_get_description (ADW_STATUS_PAGE (browser_child (browser,
                                                                                              "error_page"))),
                            "private.img"));
}

/* A partly recovered image */

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
has_result (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

/* What "Recover What Can Be Read" makes of a backup with one damaged
 * part of work's private.img: an uncompressed one, so that what follows
 * the damage is recovered too. */
static char *
make_salvaged_image (const char *dir)
{
  const char *args[] = { "--qubes", "small", "--compression", "none", "--corrupt-member",
                         "vm12/private.img.017.enc", NULL };
  g_autofree char *backup_path = qr_test_make_backup (dir, "damaged-backup", args);
  g_autofree char *dest_path = g_build_filename (dir, "salvaged", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (backup_path);
  g_autoptr(GFile) dest = g_file_new_for_path (dest_path);
  g_autoptr(QrBackup) backup = NULL;
  g_autoptr(QrRestore) restore = NULL;
  g_autoptr(GAsyncResult) unlocked = NULL;
  g_autoptr(GAsyncResult) restored = NULL;
  g_autoptr(GError) error = NULL;

  backup = qr_backup_open (file, NULL, &error);
  g_assert_no_error (error);
  qr_backup_unlock_async (backup, QR_TEST_PASSPHRASE, NULL, NULL, store_result_cb, &unlocked);
  g_assert_true (qr_test_wait_until (has_result, &unlocked, QR_TEST_TIMEOUT_SECONDS));
  g_assert_true (qr_backup_unlock_finish (backup, unlocked, &error));

  restore = qr_restore_new (backup, dest);
  qr_restore_set_salvage (restore, TRUE);
  qr_restore_run_async (restore, NULL, store_result_cb, &restored);
  g_assert_true (qr_test_wait_until (has_result, &restored, QR_TEST_TIMEOUT_SECONDS));
  g_assert_false (qr_restore_run_finish (restore, restored, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);

  return g_build_filename (dest_path, "work (partly recovered)", "private.img", NULL);
}

/* The row that shows the entry called @name: its box to tick and its
 * details. */
static void
find_row_widgets (QrImageBrowser  *browser,
                  const char      *name,
                  GtkWidget      **check,
                  GtkWidget      **details)
{
  GtkWidget *list = browser_child (browser, "list_view");
  g_autoptr(GPtrArray) stack = g_ptr_array_new ();

  g_ptr_array_add (stack, list);
  while (stack->len > 0)
    {
      GtkWidget *widget = g_ptr_array_steal_index (stack, stack->len - 1);
      GtkWidget *name_label;

      for (GtkWidget *child = gtk_widget_get_first_child (widget);
           child != NULL;
           child = gtk_widget_get_next_sibling (child))
        g_ptr_array_add (stack, child);

      /* The row: a box to tick, an icon, and the two labels. */
      if (!GTK_IS_CHECK_BUTTON (gtk_widget_get_first_child (widget)) || !GTK_IS_BOX (widget))
        continue;
      name_label = gtk_widget_get_first_child (gtk_widget_get_last_child (widget));
      if (g_strcmp0 (gtk_label_get_label (GTK_LABEL (name_label)), name) != 0)
        continue;

      *check = gtk_widget_get_first_child (widget);
      *details = gtk_widget_get_next_sibling (name_label);
      return;
    }

  g_error ("No row shows %s", name);
}

static const char *
status_title (QrImageBrowser *browser)
{
  return adw_status_page_get_title (ADW_STATUS_PAGE (browser_child (browser, "status_page")));
}

static const char *
status_description (QrImageBrowser *browser)
{
  return adw_status_page_get_description (ADW_STATUS_PAGE (browser_child (browser,
                                                                          "status_page")));
}

/* The damaged file of a partly recovered image: marked, in words and for
 * a screen reader; left out unless the box is ticked, and said so; then
 * copied under a name that says so. */
static void
test_damaged_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("qr-damaged-files-XXXXXX", &error);
  g_autofree char *dest = g_build_filename (dir, "Recovered", NULL);
  g_autofree char *intact = g_build_filename (dest, "report.txt", NULL);
  g_autofree char *left_out = g_build_filename (dest, "holiday.jpg", NULL);
  g_autofree char *damaged_copy = g_build_filename (dest, "holiday (damaged).jpg", NULL);
  g_autoptr(GFile) image = g_file_new_for_path (salvaged_image);
  g_autoptr(GFile) dest_file = g_file_new_for_path (dest);
  g_autoptr(QrMountTracker) tracker = qr_mount_tracker_new ();
  GtkWidget *damaged_check;
  GtkWidget *check = NULL;
  GtkWidget *details = NULL;
  QrImageBrowser *browser;
  QrImageEntry *entry;
  const char *notes;

  g_assert_no_error (error);
  browser = qr_image_browser_new (NULL, image, "work", tracker);
  gtk_window_present (GTK_WINDOW (browser));
  qr_image_browser_set_destination (browser, dest_file);
  wait_for (browser, "browse", "/home/user");

  /* Offered for a partly recovered image, and off. */
  damaged_check = browser_child (browser, "damaged_check");
  g_assert_true (gtk_widget_get_visible (damaged_check));
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (damaged_check)));

  move_to (browser, "Pictures");
  press (browser, "browser.open-selected");
  wait_for (browser, "browse", "/home/user/Pictures");
  qr_test_settle (100);

  /* Marked: in words, in colour, and for a screen reader. */
  move_to (browser, "holiday.jpg");
  entry = gtk_single_selection_get_selected_item (get_selection (browser));
  g_assert_true (qr_image_entry_is_damaged (entry));
  find_row_widgets (browser, "holiday.jpg", &check, &details);
  g_assert_true (g_str_has_prefix (gtk_label_get_label (GTK_LABEL (details)), "Damaged · "));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (details)), "lost"));
  g_assert_true (gtk_widget_has_css_class (details, "warning"));
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "holiday.jpg, damaged");

  /* Left out, and the summary says how many and how to get them. */
  press (browser, "browser.select-all");
  press (browser, "browser.go-up");
  wait_for (browser, "browse", "/home/user");
  move_to (browser, "Documents");
  press (browser, "browser.open-selected");
  wait_for (browser, "browse", "/home/user/Documents");
  move_to (browser, "report.txt");
  find_row_widgets (browser, "report.txt", &check, &details);
  g_assert_false (gtk_widget_has_css_class (details, "warning"));
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "report.txt");
  press (browser, "browser.toggle-selected");
  press (browser, "browser.copy");
  wait_for (browser, "done", NULL);
  g_assert_cmpstr (status_title (browser), ==, "Damaged Files Were Left Out");
  g_assert_nonnull (strstr (status_description (browser), "1 damaged file or folder was left out"));
  g_assert_nonnull (strstr (status_description (browser), "Also copy damaged files"));
  notes = gtk_label_get_label (GTK_LABEL (browser_child (browser, "notes_label")));
  g_assert_nonnull (strstr (notes, "holiday.jpg"));
  g_assert_true (g_file_test (intact, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (left_out, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (damaged_copy, G_FILE_TEST_EXISTS));

  /* Asked for: copied, named as damaged. */
  press (browser, "browser.copy-more");
  wait_for (browser, "browse", "/home/user/Documents");
  press (browser, "browser.go-up");
  wait_for (browser, "browse", "/home/user");
  move_to (browser, "Pictures");
  press (browser, "browser.open-selected");
  wait_for (browser, "browse", "/home/user/Pictures");
  press (browser, "browser.select-all");
  g_assert_true (gtk_widget_mnemonic_activate (gtk_check_button_get_child (GTK_CHECK_BUTTON (damaged_check)),
                                               FALSE));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (damaged_check)));
  press (browser, "browser.copy");
  wait_for (browser, "done", NULL);
  g_assert_cmpstr (status_title (browser), ==, "Your Files Are Copied");
  g_assert_nonnull (strstr (status_description (browser), "“damaged” in its name"));
  g_assert_true (g_file_test (damaged_copy, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (left_out, G_FILE_TEST_EXISTS));
  g_assert_true (gtk_widget_is_sensitive (browser_child (browser, "show_button")));

  gtk_window_destroy (GTK_WINDOW (browser));
  qr_test_settle (50);
  qr_test_remove_tree (dir);
}

/* A whole image offers no such choice. */
static void
test_whole_image_has_no_damage (Fixture       *fixture,
                                gconstpointer  data)
{
  QrImageBrowser *browser = open_browser (find_row (fixture, "work"));

  wait_for (browser, "browse", "/home/user");
  g_assert_false (gtk_widget_get_visible (browser_child (browser, "damaged_check")));
}

static void
count_cb (guint *count)
{
  (*count)++;
}

static void
test_entry_new_destroy (void)
{
  g_autoptr(GFileInfo) info = g_file_info_new ();
  QrImageEntry *entry;
  guint notified = 0;
  g_autofree char *details = NULL;

  g_file_info_set_name (info, "report.txt");
  g_file_info_set_file_type (info, G_FILE_TYPE_REGULAR);
  g_file_info_set_size (info, 2048);
  entry = qr_image_entry_new (info, "/home/user/report.txt");
  g_signal_connect_swapped (entry, "notify::checked", G_CALLBACK (count_cb), &notified);

  qr_image_entry_set_checked (entry, TRUE);
  qr_image_entry_set_checked (entry, TRUE);
  g_assert_true (qr_image_entry_get_checked (entry));
  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpstr (qr_image_entry_get_path (entry), ==, "/home/user/report.txt");
  g_assert_false (qr_image_entry_is_folder (entry));
  details = qr_image_entry_dup_details (entry);
  g_assert_nonnull (strstr (details, "2.0"));

  g_assert_finalize_object (entry);
}

/* What a damaged entry says of itself, file and folder. */
static void
test_entry_damaged (void)
{
  g_autoptr(GFileInfo) info = g_file_info_new ();
  g_autoptr(QrImageEntry) entry = NULL;
  g_autoptr(QrImageEntry) folder = NULL;
  g_autofree char *details = NULL;
  g_autofree char *name = NULL;

  g_file_info_set_name (info, "report.txt");
  g_file_info_set_display_name (info, "report.txt");
  g_file_info_set_file_type (info, G_FILE_TYPE_REGULAR);
  g_file_info_set_size (info, 6000);
  g_file_info_set_attribute_boolean (info, QR_IMAGE_ATTRIBUTE_DAMAGED, FALSE);
  g_file_info_set_attribute_uint64 (info, QR_IMAGE_ATTRIBUTE_MISSING, 0);
  entry = qr_image_entry_new (info, "/home/user/report.txt");
  g_assert_false (qr_image_entry_is_damaged (entry));
  name = qr_image_entry_dup_accessible_name (entry);
  g_assert_cmpstr (name, ==, "report.txt");
  g_clear_object (&entry);
  g_clear_pointer (&name, g_free);

  g_file_info_set_attribute_boolean (info, QR_IMAGE_ATTRIBUTE_DAMAGED, TRUE);
  g_file_info_set_attribute_uint64 (info, QR_IMAGE_ATTRIBUTE_MISSING, 4096);
  entry = qr_image_entry_new (info, "/home/user/report.txt");
  g_assert_true (qr_image_entry_is_damaged (entry));
  details = qr_image_entry_dup_details (entry);
  g_assert_cmpstr (details, ==, "Damaged · 4.1\u00a0kB of 6.0\u00a0kB lost");
  name = qr_image_entry_dup_accessible_name (entry);
  g_assert_cmpstr (name, ==, "report.txt, damaged");
  g_clear_pointer (&details, g_free);

  /* A damaged folder can still be opened, for what is left in it. */
  g_file_info_set_file_type (info, G_FILE_TYPE_DIRECTORY);
  folder = qr_image_entry_new (info, "/home/user/Documents");
  g_assert_true (qr_image_entry_is_folder (folder));
  details = qr_image_entry_dup_details (folder);
  g_assert_cmpstr (details, ==, "Damaged folder · some names in it were lost");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  const char *small_args[] = { "--qubes", "small", NULL };
  int ret;

  if (!qr_test_init_suite (&argc, &argv, "/qr/copy-files/skipped", TRUE))
    return g_test_run ();

  /* GTK's own accessibility backend for tests rather than none, which
   * keeps what a screen reader would be told, so that it can be checked.
   * GTK reads this when it makes the first widget. */
  g_setenv ("GTK_A11Y", "test", TRUE);

  g_test_add_func ("/qr/copy-files/entry-new-destroy", test_entry_new_destroy);
  g_test_add_func ("/qr/copy-files/entry-damaged", test_entry_damaged);

  fixture_dir = g_dir_make_tmp ("qr-gui-fixtures-XXXXXX", &error);
  g_assert_no_error (error);
  small_backup = qr_test_make_backup (fixture_dir, "small-backup", small_args);

  g_test_add ("/qr/copy-files/copy-documents", Fixture, NULL,
              fixture_set_up, test_copy_documents, fixture_tear_down);
#ifdef GDK_WINDOWING_X11
  g_test_add ("/qr/copy-files/keyboard", Fixture, NULL,
              fixture_set_up, test_keyboard, fixture_tear_down);
#endif
  g_test_add ("/qr/copy-files/no-udisks", Fixture, NULL,
              fixture_set_up, test_no_udisks, fixture_tear_down);
  g_test_add ("/qr/copy-files/damaged-image", Fixture, NULL,
              fixture_set_up, test_damaged_image, fixture_tear_down);
  g_test_add ("/qr/copy-files/whole-image", Fixture, NULL,
              fixture_set_up, test_whole_image_has_no_damage, fixture_tear_down);

  salvaged_image = make_salvaged_image (fixture_dir);
  g_test_add_func ("/qr/copy-files/damaged-files", test_damaged_files);

  ret = g_test_run ();

  qr_test_remove_tree (fixture_dir);
  g_free (small_backup);
  g_free (salvaged_image);
  g_free (fixture_dir);
  return ret;
}
