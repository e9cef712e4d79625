/* test-open-files.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* "Open Files" and "Eject" on the Done page, against a real udisksd (see
 * tests/mount/udisks-session) and real loop devices; without them the
 * cases that mount skip and say why. No file manager is started: the
 * tracker's launcher is replaced by one that writes down the URIs. */

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "qr-eject-dialog.h"
#include "qr-error-view.h"
#include "qr-mount.h"
#include "qr-page-choose.h"
#include "qr-page-done.h"
#include "qr-result-row.h"
#include "qr-test-utils.h"

/* Real backups are made once per program and shared by the cases. */
static char *fixture_dir;
static char *small_backup;
static char *full_backup;

typedef struct
{
  char      *dir;
  char      *destination;
  QrWindow  *window;
  GPtrArray *launched;
} Fixture;

/* Running tools */

static char *
run_capture (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  return out;
}

/* The loop devices backed by @image, one "/dev/loopN: …" line each. */
static GStrv
dup_loop_devices (const char *image)
{
  g_autofree char *out = run_capture ((const char * const []) { "losetup", "-j", image, NULL });
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      g_strv_builder_add (builder, lines[i]);

  return g_strv_builder_end (builder);
}

/* From /proc/self/mountinfo: the mount options and the source of what is
 * mounted at @mount_point. FALSE when nothing is. */
static gboolean
find_mount (const char  *mount_point,
            char       **options,
            char       **source)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents ("/proc/self/mountinfo", &contents, NULL, &error);
  g_assert_no_error (error);

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], " ", -1);
      guint n = g_strv_length (fields);
      guint dash = 6;

      if (n < 10 || !g_str_equal (fields[4], mount_point))
        continue;

      while (dash < n && !g_str_equal (fields[dash], "-"))
        dash++;
      g_assert_cmpuint (dash + 2, <, n);

      *options = g_strdup (fields[5]);
      *source = g_strdup (fields[dash + 2]);
      return TRUE;
    }

  return FALSE;
}

static gboolean
has_option (const char *options,
            const char *option)
{
  g_auto(GStrv) list = g_strsplit (options, ",", -1);

  return g_strv_contains ((const char * const *) list, option);
}

/* Whether udisks answers on the system bus, and loop devices exist. */
static gboolean
ready_for_udisks (void)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *losetup = g_find_program_in_path ("losetup");
  gboolean has_owner = FALSE;

  if (!g_file_test ("/dev/loop-control", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("This machine has no loop devices (/dev/loop-control is missing)");
      return FALSE;
    }

  if (losetup == NULL)
    {
      g_test_skip ("losetup is not installed");
      return FALSE;
    }

  if (g_getenv ("DBUS_SYSTEM_BUS_ADDRESS") == NULL)
    {
      g_test_skip ("No private system bus: run the suite through tests/mount/udisks-session");
      return FALSE;
    }

  bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  if (bus != NULL)
    owned = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                         "org.freedesktop.DBus", "NameHasOwner",
                                         g_variant_new ("(s)", "org.freedesktop.UDisks2"),
                                         G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE,
                                         -1, NULL, &error);
  if (owned != NULL)
    g_variant_get (owned, "(b)", &has_owner);

  if (!has_owner)
    {
      g_test_skip ("udisks does not answer on the system bus (run the suite through "
                   "tests/mount/udisks-session)");
      return FALSE;
    }

  return TRUE;
}

/* The fixture */

static void
record_uri (GtkWindow  *parent,
            const char *uri,
            gpointer    user_data)
{
  GPtrArray *launched = user_data;

  g_ptr_array_add (launched, g_strdup (uri));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  QrPageDone *done;

  /* Named so that udisks-session detaches what a crashed case left. */
  fixture->dir = g_dir_make_tmp ("qr-mount-test-gui-XXXXXX", &error);
  g_assert_no_error (error);

  fixture->window = qr_test_new_window (1000, 700);
  g_object_add_weak_pointer (G_OBJECT (fixture->window), (gpointer *) &fixture->window);

  fixture->launched = g_ptr_array_new_with_free_func (g_free);
  done = QR_PAGE_DONE (qr_test_find_child (GTK_WIDGET (fixture->window), QR_TYPE_PAGE_DONE, NULL));
  qr_mount_tracker_set_launcher (qr_page_done_get_mount_tracker (done),
                                 record_uri, g_ptr_array_ref (fixture->launched),
                                 (GDestroyNotify) g_ptr_array_unref);
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* Lets go of @path as another program would, behind the window's back. */
static gboolean
release_image (const char  *path,
               GError     **error)
{
  g_autoptr(GFile) image = g_file_new_for_path (path);
  g_autoptr(GAsyncResult) result = NULL;

  qr_mount_release_async (image, QR_MOUNT_FLAGS_NO_USER_INTERACTION, NULL,
                          store_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return qr_mount_release_finish (result, error);
}

/* Lets go of whatever a failed case left of the work qube's image. */
static void
release_leftover (const char *destination)
{
  g_autofree char *path = g_build_filename (destination, "work", "private.img", NULL);
  g_auto(GStrv) devices = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return;

  devices = dup_loop_devices (path);
  if (devices[0] != NULL && !release_image (path, &error))
    g_test_message ("Could not release %s: %s", path, error->message);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->window != NULL)
    gtk_window_destroy (GTK_WINDOW (fixture->window));
  qr_test_settle (50);

  if (fixture->destination != NULL)
    release_leftover (fixture->destination);
  qr_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->destination);
  g_ptr_array_unref (fixture->launched);
}

/* Driving the wizard */

static void
restore (Fixture    *fixture,
         const char *backup)
{
  g_autoptr(GFile) folder = g_file_new_for_path (fixture->dir);
  QrPageChoose *choose;

  qr_test_open_and_unlock (fixture->window, backup);

  choose = QR_PAGE_CHOOSE (qr_test_find_child (GTK_WIDGET (fixture->window),
                                               QR_TYPE_PAGE_CHOOSE, NULL));
  qr_page_choose_set_parent_folder (choose, folder);
  fixture->destination = g_file_get_path (qr_page_choose_get_destination (choose));
  /* Templates are not chosen by default; these cases open theirs too. */
  gtk_widget_activate_action (GTK_WIDGET (choose), "choose.select-all", NULL);

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.go-next", NULL);
  qr_test_wait_for_page (fixture->window, "done");
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

  g_error ("No result row for %s", name);
}

static GtkWidget *
row_child (QrResultRow *row,
           const char  *name)
{
  return qr_test_find_child (GTK_WIDGET (row), QR_TYPE_RESULT_ROW, name);
}

static QrMountTracker *
get_tracker (Fixture *fixture)
{
  return qr_page_done_get_mount_tracker (QR_PAGE_DONE (qr_test_find_child (GTK_WIDGET (fixture->window),
                                                                            QR_TYPE_PAGE_DONE, NULL)));
}

typedef struct
{
  Fixture     *fixture;
  QrResultRow *row;
  guint        n_launched;
} RowWait;

static gboolean
row_is_idle (RowWait *wait)
{
  return !qr_mount_tracker_get_busy (get_tracker (wait->fixture),
                                     qr_result_row_get_image (wait->row));
}

static gboolean
launched_or_idle (gpointer data)
{
  RowWait *wait = data;

  return wait->fixture->launched->len > wait->n_launched || row_is_idle (wait);
}

static gboolean
idle (gpointer data)
{
  return row_is_idle (data);
}

/* Activates "Open Files" on @row, which must mount, and returns the path
 * the file manager was asked to show. */
static char *
open_files (Fixture     *fixture,
            QrResultRow *row)
{
  RowWait wait = { fixture, row, fixture->launched->len };
  GtkWidget *open_button = row_child (row, "open_button");
  GtkWidget *error_view = row_child (row, "mount_error_view");
  const char *uri;

  gtk_widget_activate_action (GTK_WIDGET (row), "row.open-files", NULL);

  /* While it mounts, the button spins and cannot be pressed again. */
  g_assert_false (gtk_widget_is_sensitive (open_button));
  g_assert_true (gtk_widget_get_visible (row_child (row, "open_spinner")));

  g_assert_true (qr_test_wait_until (launched_or_idle, &wait, QR_TEST_TIMEOUT_SECONDS));
  g_assert_true (qr_test_wait_until (idle, &wait, QR_TEST_TIMEOUT_SECONDS));
  if (gtk_widget_get_visible (error_view))
    g_error ("Open Files failed: %s", qr_error_view_get_title (QR_ERROR_VIEW (error_view)));

  g_assert_cmpuint (fixture->launched->len, ==, wait.n_launched + 1);
  uri = g_ptr_array_index (fixture->launched, wait.n_launched);

  return g_filename_from_uri (uri, NULL, NULL);
}

/* Cases */

static void
test_mount_and_eject (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *expected_image = NULL;
  g_autofree char *image = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *home = NULL;
  g_autofree char *mount_point = NULL;
  g_autofree char *report = NULL;
  g_autofree char *options = NULL;
  g_autofree char *source = NULL;
  g_autofree char *device_prefix = NULL;
  g_autofree char *source_after = NULL;
  g_autofree char *options_after = NULL;
  g_auto(GStrv) devices = NULL;
  g_auto(GStrv) devices_after = NULL;
  QrResultRow *row;
  RowWait wait;

  if (!ready_for_udisks ())
    return;

  restore (fixture, small_backup);
  row = find_result_row (fixture, "work");
  wait = (RowWait) { fixture, row, 0 };

  image = g_file_get_path (qr_result_row_get_image (row));
  expected_image = g_build_filename (fixture->destination, "work", "private.img", NULL);
  g_assert_cmpstr (image, ==, expected_image);
  g_assert_false (gtk_widget_get_visible (row_child (row, "eject_button")));

  /* As if the keyboard pressed it: the focus comes back to the row. */
  gtk_widget_grab_focus (row_child (row, "open_button"));
  folder = open_files (fixture, row);
  g_assert_true (gtk_widget_is_focus (row_child (row, "open_button")));
  g_assert_true (g_str_has_suffix (g_ptr_array_index (fixture->launched, 0), "/home/user"));

  /* The user's documents are there, read-only, from a loop device on the
   * restored image. */
  report = g_build_filename (folder, "Documents", "report.txt", NULL);
  g_assert_true (g_file_test (report, G_FILE_TEST_IS_REGULAR));

  home = g_path_get_dirname (folder);
  mount_point = g_path_get_dirname (home);
  g_assert_true (find_mount (mount_point, &options, &source));
  g_assert_true (has_option (options, "ro"));
  g_assert_true (g_str_has_prefix (source, "/dev/loop"));

  devices = dup_loop_devices (image);
  g_assert_cmpuint (g_strv_length (devices), ==, 1);
  device_prefix = g_strconcat (source, ":", NULL);
  g_assert_true (g_str_has_prefix (devices[0], device_prefix));

  /* The row now offers Eject, and Open Files again. */
  g_assert_true (gtk_widget_get_visible (row_child (row, "eject_button")));
  g_assert_true (gtk_widget_is_sensitive (row_child (row, "eject_button")));
  g_assert_true (gtk_widget_is_sensitive (row_child (row, "open_button")));
  g_assert_false (gtk_widget_get_visible (row_child (row, "open_spinner")));
  g_assert_cmpuint (qr_mount_tracker_get_n_mounted (get_tracker (fixture)), ==, 1);

  /* Opening again shows the same folder without mounting again. */
  g_clear_pointer (&folder, g_free);
  folder = open_files (fixture, row);
  g_assert_cmpstr (g_ptr_array_index (fixture->launched, 1), ==,
                   g_ptr_array_index (fixture->launched, 0));
  devices_after = dup_loop_devices (image);
  g_assert_cmpstrv (devices_after, devices);

  /* Ejected elsewhere, as from the file manager's side bar: Open Files
   * mounts it again rather than show a folder that is gone. */
  g_assert_true (release_image (image, NULL));
  g_assert_false (find_mount (mount_point, &options_after, &source_after));
  g_clear_pointer (&folder, g_free);
  folder = open_files (fixture, row);
  g_assert_true (g_str_has_suffix (folder, "/home/user"));
  g_clear_pointer (&report, g_free);
  report = g_build_filename (folder, "Documents", "report.txt", NULL);
  g_assert_true (g_file_test (report, G_FILE_TEST_IS_REGULAR));
  g_clear_pointer (&devices_after, g_strfreev);
  devices_after = dup_loop_devices (image);
  g_assert_cmpuint (g_strv_length (devices_after), ==, 1);
  g_clear_pointer (&home, g_free);
  g_clear_pointer (&mount_point, g_free);
  home = g_path_get_dirname (folder);
  mount_point = g_path_get_dirname (home);

  /* Eject lets go of everything and returns the row to where it began. */
  gtk_widget_grab_focus (row_child (row, "eject_button"));
  gtk_widget_activate_action (GTK_WIDGET (row), "row.eject", NULL);
  g_assert_false (gtk_widget_is_sensitive (row_child (row, "eject_button")));
  g_assert_true (gtk_widget_get_visible (row_child (row, "eject_spinner")));
  g_assert_false (gtk_widget_get_visible (row_child (row, "open_spinner")));
  g_assert_true (qr_test_wait_until (idle, &wait, QR_TEST_TIMEOUT_SECONDS));

  g_clear_pointer (&devices, g_strfreev);
  devices = dup_loop_devices (image);
  g_assert_cmpuint (g_strv_length (devices), ==, 0);
  g_assert_false (find_mount (mount_point, &options_after, &source_after));
  g_assert_true (gtk_widget_is_focus (row_child (row, "open_button")));

  g_assert_false (gtk_widget_get_visible (row_child (row, "eject_button")));
  g_assert_false (gtk_widget_get_visible (row_child (row, "mount_error_view")));
  g_assert_true (gtk_widget_is_sensitive (row_child (row, "open_button")));
  g_assert_cmpuint (qr_mount_tracker_get_n_mounted (get_tracker (fixture)), ==, 0);
}

static gboolean
dialog_shown (gpointer data)
{
  return qr_test_find_dialog () != NULL;
}

/* As a click on its button does. */
static void
answer (AdwMessageDialog *dialog,
        const char       *response)
{
  adw_message_dialog_response (dialog, response);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static gboolean
window_gone (gpointer data)
{
  Fixture *fixture = data;

  return fixture->window == NULL;
}

static void
test_close_ejects (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *image = NULL;
  g_autofree char *folder = NULL;
  g_auto(GStrv) devices = NULL;
  AdwMessageDialog *dialog;
  QrResultRow *row;

  if (!ready_for_udisks ())
    return;

  restore (fixture, small_backup);
  row = find_result_row (fixture, "work");
  image = g_file_get_path (qr_result_row_get_image (row));
  folder = open_files (fixture, row);

  /* Closing asks first; Cancel keeps the window and the image. */
  gtk_window_close (GTK_WINDOW (fixture->window));
  g_assert_true (qr_test_wait_until (dialog_shown, NULL, 10));
  dialog = qr_test_find_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==,
                   "Eject the restored disk images before closing?");
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==,
                   QR_EJECT_RESPONSE_EJECT);
  g_assert_cmpstr (adw_message_dialog_get_close_response (dialog), ==,
                   QR_EJECT_RESPONSE_CANCEL);
  g_assert_true (adw_message_dialog_has_response (dialog, QR_EJECT_RESPONSE_KEEP));

  /* As Escape does. */
  gtk_window_close (GTK_WINDOW (dialog));
  qr_test_settle (100);

  g_assert_nonnull (fixture->window);
  g_assert_null (qr_test_find_dialog ());
  devices = dup_loop_devices (image);
  g_assert_cmpuint (g_strv_length (devices), ==, 1);

  /* "Eject and Close" ejects, then closes. */
  gtk_window_close (GTK_WINDOW (fixture->window));
  g_assert_true (qr_test_wait_until (dialog_shown, NULL, 10));
  answer (qr_test_find_dialog (), QR_EJECT_RESPONSE_EJECT);
  g_assert_true (qr_test_wait_until (window_gone, fixture, QR_TEST_TIMEOUT_SECONDS));

  g_clear_pointer (&devices, g_strfreev);
  devices = dup_loop_devices (image);
  g_assert_cmpuint (g_strv_length (devices), ==, 0);
}

/* An image in use cannot be ejected: said in the row, and again when the
 * window closes, until whatever uses it lets go. */
static void
test_busy (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree char *image = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *report = NULL;
  g_auto(GStrv) devices = NULL;
  GtkWidget *error_view;
  AdwMessageDialog *dialog;
  QrResultRow *row;
  RowWait wait;
  int fd;

  if (!ready_for_udisks ())
    return;

  restore (fixture, small_backup);
  row = find_result_row (fixture, "work");
  wait = (RowWait) { fixture, row, 0 };
  image = g_file_get_path (qr_result_row_get_image (row));
  folder = open_files (fixture, row);

  report = g_build_filename (folder, "Documents", "report.txt", NULL);
  fd = g_open (report, O_RDONLY | O_CLOEXEC, 0);
  g_assert_cmpint (fd, >=, 0);

  gtk_widget_activate_action (GTK_WIDGET (row), "row.eject", NULL);
  g_assert_true (qr_test_wait_until (idle, &wait, QR_TEST_TIMEOUT_SECONDS));
  error_view = row_child (row, "mount_error_view");
  g_assert_true (gtk_widget_get_visible (error_view));
  g_assert_cmpstr (qr_error_view_get_title (QR_ERROR_VIEW (error_view)), ==,
                   "The image is in use");
  g_assert_true (gtk_widget_get_visible (row_child (row, "eject_button")));
  g_assert_true (gtk_widget_is_sensitive (row_child (row, "eject_button")));

  /* Closing: the eject fails, and the question comes again with why. */
  gtk_window_close (GTK_WINDOW (fixture->window));
  g_assert_true (qr_test_wait_until (dialog_shown, NULL, 10));
  answer (qr_test_find_dialog (), QR_EJECT_RESPONSE_EJECT);
  g_assert_true (qr_test_wait_until (dialog_shown, NULL, QR_TEST_TIMEOUT_SECONDS));
  dialog = qr_test_find_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "The image is in use");
  g_assert_nonnull (fixture->window);
  devices = dup_loop_devices (image);
  g_assert_cmpuint (g_strv_length (devices), ==, 1);

  g_assert_no_errno (close (fd));
  answer (dialog, QR_EJECT_RESPONSE_EJECT);
  g_assert_true (qr_test_wait_until (window_gone, fixture, QR_TEST_TIMEOUT_SECONDS));

  g_clear_pointer (&devices, g_strfreev);
  devices = dup_loop_devices (image);
  g_assert_cmpuint (g_strv_length (devices), ==, 0);
}

/* A never-started qube's image is one sparse hole: said in place, and
 * nothing stays attached. */
static void
test_no_filesystem (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *image = NULL;
  g_auto(GStrv) devices = NULL;
  GtkWidget *error_view;
  QrResultRow *row;
  RowWait wait;
  GStatBuf st;
  int fd;

  if (!ready_for_udisks ())
    return;

  restore (fixture, small_backup);
  row = find_result_row (fixture, "work");
  wait = (RowWait) { fixture, row, 0 };
  image = g_file_get_path (qr_result_row_get_image (row));

  g_assert_cmpint (g_stat (image, &st), ==, 0);
  fd = g_open (image, O_WRONLY | O_TRUNC | O_CLOEXEC, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, st.st_size), ==, 0);
  g_assert_no_errno (close (fd));

  gtk_widget_activate_action (GTK_WIDGET (row), "row.open-files", NULL);
  g_assert_true (qr_test_wait_until (idle, &wait, QR_TEST_TIMEOUT_SECONDS));

  error_view = row_child (row, "mount_error_view");
  g_assert_true (gtk_widget_get_visible (error_view));
  g_assert_cmpstr (qr_error_view_get_title (QR_ERROR_VIEW (error_view)), ==,
                   "No files in this disk image");
  g_assert_cmpuint (fixture->launched->len, ==, 0);
  g_assert_false (gtk_widget_get_visible (row_child (row, "eject_button")));
  g_assert_true (gtk_widget_is_sensitive (row_child (row, "open_button")));

  devices = dup_loop_devices (image);
  g_assert_cmpuint (g_strv_length (devices), ==, 0);
}

/* Which image a row mounts, and dom0's home, which has none: its folder
 * is shown as it is. Needs no udisks. */
static void
test_images_and_dom0 (Fixture       *fixture,
                      gconstpointer  data)
{
  QrResultRow *template_row;
  QrResultRow *dom0_row;
  g_autofree char *template_image = NULL;
  g_autofree char *dom0_uri = NULL;
  GFile *dom0_location;

  restore (fixture, full_backup);

  /* A template has root.img and private.img; the user's files are in
   * the latter. */
  template_row = find_result_row (fixture, "debian-12");
  template_image = g_file_get_basename (qr_result_row_get_image (template_row));
  g_assert_cmpstr (template_image, ==, "private.img");

  dom0_row = find_result_row (fixture, "dom0");
  g_assert_null (qr_result_row_get_image (dom0_row));
  dom0_location = qr_restore_item_get_location (qr_result_row_get_item (dom0_row));
  g_assert_nonnull (dom0_location);
  dom0_uri = g_file_get_uri (dom0_location);

  gtk_widget_activate_action (GTK_WIDGET (dom0_row), "row.open-files", NULL);
  g_assert_cmpuint (fixture->launched->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->launched, 0), ==, dom0_uri);
  g_assert_false (gtk_widget_get_visible (row_child (dom0_row, "eject_button")));
  g_assert_cmpuint (qr_mount_tracker_get_n_mounted (get_tracker (fixture)), ==, 0);

  /* Nothing mounted: closing does not ask. */
  gtk_window_close (GTK_WINDOW (fixture->window));
  g_assert_true (qr_test_wait_until (window_gone, fixture, 10));
}

static void
record_count (GtkWindow  *parent,
              const char *uri,
              gpointer    user_data)
{
  guint *n_launched = user_data;

  g_assert_cmpstr (uri, ==, "file:///tmp");
  (*n_launched)++;
}

static void
test_tracker_new_destroy (void)
{
  QrMountTracker *tracker = qr_mount_tracker_new ();
  guint *n_launched = g_new0 (guint, 1);
  g_autoptr(GFile) image = g_file_new_for_path ("/tmp/qr-not-an-image.img");

  g_assert_cmpuint (qr_mount_tracker_get_n_mounted (tracker), ==, 0);
  g_assert_null (qr_mount_tracker_get_mount_points (tracker, image));
  g_assert_false (qr_mount_tracker_get_busy (tracker, image));

  qr_mount_tracker_set_launcher (tracker, record_count, n_launched, g_free);
  qr_mount_tracker_launch (tracker, NULL, "file:///tmp");
  g_assert_cmpuint (*n_launched, ==, 1);

  g_assert_finalize_object (tracker);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  const char *small_args[] = { "--qubes", "small", NULL };
  const char *full_args[] = { "--qubes", "full", NULL };
  int ret;

  if (!qr_test_init_suite (&argc, &argv, "/qr/open-files/skipped", TRUE))
    return g_test_run ();

  g_test_add_func ("/qr/open-files/tracker-new-destroy", test_tracker_new_destroy);

  fixture_dir = g_dir_make_tmp ("qr-gui-fixtures-XXXXXX", &error);
  g_assert_no_error (error);
  small_backup = qr_test_make_backup (fixture_dir, "small-backup", small_args);
  full_backup = qr_test_make_backup (fixture_dir, "full-backup", full_args);

  g_test_add ("/qr/open-files/mount-and-eject", Fixture, NULL,
              fixture_set_up, test_mount_and_eject, fixture_tear_down);
  g_test_add ("/qr/open-files/close-ejects", Fixture, NULL,
              fixture_set_up, test_close_ejects, fixture_tear_down);
  g_test_add ("/qr/open-files/busy", Fixture, NULL,
              fixture_set_up, test_busy, fixture_tear_down);
  g_test_add ("/qr/open-files/no-filesystem", Fixture, NULL,
              fixture_set_up, test_no_filesystem, fixture_tear_down);
  g_test_add ("/qr/open-files/images-and-dom0", Fixture, NULL,
              fixture_set_up, test_images_and_dom0, fixture_tear_down);

  ret = g_test_run ();

  qr_test_remove_tree (fixture_dir);
  g_free (small_backup);
  g_free (full_backup);
  g_free (fixture_dir);
  return ret;
}
