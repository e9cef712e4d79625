/* qr-screenshot.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "qr-image-browser.h"
#include "qr-page-choose.h"
#include "qr-page-done.h"
#include "qr-page-restore.h"
#include "qr-page-unlock.h"
#include "qr-test-utils.h"

/* Renders every page of the wizard, and each error state, to PNG files,
 * at a desktop and a phone width, in the light and the dark style, and
 * with text one and a half times as large:
 *
 *   qr-screenshot OUTPUT-FOLDER
 *
 * It walks the real wizard over real generated backups, so what it draws
 * is what a user sees. The pictures show where qubes are restored, so the
 * tool restores into an ordinary home folder, /home/alex, on a file system
 * that only it sees and that goes away with it: a private mount namespace
 * (inside a user namespace when not run as root). A second small one,
 * /media/alex/USB STICK, is the disk that fills up. */

#define HOME_DIR "/home/alex"
#define SMALL_DISK_DIR "/media/alex/USB STICK"
#define SMALL_DISK_SIZE "1600k"

typedef struct
{
  char *dir;
  char *out_dir;
  char *fast;
  char *slow;
  char *damaged;
  char *partial;
  char *truncated;
  char *not_backup;
} Backups;

typedef struct
{
  int         width;
  int         height;
  const char *style;
  double      text_scale;
  guint       settle_msec;
} Variant;

static void
write_file (const char *path,
            const char *contents)
{
  g_autoptr(GError) error = NULL;

  if (!g_file_set_contents (path, contents, -1, &error))
    g_error ("Could not write %s: %s", path, error->message);
}

static void
mount_tmpfs (const char *path,
             const char *options)
{
  if (g_mkdir_with_parents (path, 0755) != 0 ||
      mount ("tmpfs", path, "tmpfs", 0, options) != 0)
    g_error ("Could not mount a tmpfs on %s: %s", path, g_strerror (errno));
}

/* Must run before anything starts a thread: a process with threads
 * cannot enter a new user namespace. */
static void
enter_private_home (void)
{
  uid_t uid = getuid ();
  gid_t gid = getgid ();

  if (uid == 0)
    {
      if (unshare (CLONE_NEWNS) != 0)
        g_error ("Could not make a private mount namespace: %s", g_strerror (errno));
    }
  else
    {
      g_autofree char *uid_map = g_strdup_printf ("0 %u 1", (guint) uid);
      g_autofree char *gid_map = g_strdup_printf ("0 %u 1", (guint) gid);

      if (unshare (CLONE_NEWUSER | CLONE_NEWNS) != 0)
        g_error ("Could not make a private user and mount namespace: %s", g_strerror (errno));
      write_file ("/proc/self/setgroups", "deny");
      write_file ("/proc/self/uid_map", uid_map);
      write_file ("/proc/self/gid_map", gid_map);
    }

  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
    g_error ("Could not make the mounts private: %s", g_strerror (errno));

  mount_tmpfs ("/home", "mode=0755");
  mount_tmpfs ("/media", "mode=0755");
  g_mkdir_with_parents (HOME_DIR, 0700);
  mount_tmpfs (SMALL_DISK_DIR, "mode=0755,size=" SMALL_DISK_SIZE);
  g_setenv ("HOME", HOME_DIR, TRUE);
}

static void
save_png (GtkWidget  *widget,
          const char *out_dir,
          const char *state,
          Variant    *variant)
{
  g_autofree char *name = g_strdup_printf ("%s-%d-%s%s.png", state, variant->width,
                                           variant->style,
                                           variant->text_scale > 1.0 ? "-large" : "");
  g_autofree char *path = g_build_filename (out_dir, name, NULL);
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer;
  int width;
  int height;

  qr_test_wait_for_drawn (widget);
  if (variant->settle_msec > 0)
    qr_test_settle (variant->settle_msec);

  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  paintable = gtk_widget_paintable_new (widget);

  /* A widget that has not been drawn since it changed has nothing to
   * give yet: let the next frame come. */
  for (gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
       node == NULL && g_get_monotonic_time () < deadline; )
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();

      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (snapshot);
      if (node == NULL)
        g_main_context_iteration (NULL, TRUE);
    }
  g_assert_nonnull (node);

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    g_error ("Could not write %s", path);

  if (QR_IS_WINDOW (widget))
    {
      GtkWidget *page = qr_window_get_visible_page (QR_WINDOW (widget));
      GtkWidget *child = adw_bin_get_child (ADW_BIN (page));
      int page_min;

      /* The narrowest the page could be: above 360 it would not fit a phone. */
      gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &page_min, NULL, NULL, NULL);
      g_print ("%s (%d×%d, page at least %d wide)\n", path, width, height, page_min);
    }
  else
    {
      g_print ("%s (%d×%d)\n", path, width, height);
    }
}

static void
shoot (QrWindow   *window,
       Backups    *backups,
       const char *state,
       Variant    *variant)
{
  save_png (GTK_WIDGET (window), backups->out_dir, state, variant);
}

static void
open_file (QrWindow   *window,
           const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  qr_window_open_file (window, file);
}

static void
type_passphrase (QrWindow   *window,
                 const char *passphrase)
{
  GtkWidget *entry = qr_test_find_child (GTK_WIDGET (window), QR_TYPE_PAGE_UNLOCK, "entry");

  gtk_editable_set_text (GTK_EDITABLE (entry), passphrase);
  qr_test_press_enter (entry);
}

static QrPageChoose *
get_choose (QrWindow *window)
{
  return QR_PAGE_CHOOSE (qr_test_find_child (GTK_WIDGET (window), QR_TYPE_PAGE_CHOOSE, NULL));
}

/* A fresh folder in the home folder for each restore, as a person who
 * restores several times gets. */
static void
restore_into (QrWindow   *window,
              const char *path,
              const char *action)
{
  g_autoptr(GFile) home = g_file_new_for_path (g_get_home_dir ());

  qr_test_open_and_unlock (window, path);
  qr_page_choose_set_parent_folder (get_choose (window), home);
  gtk_widget_activate_action (GTK_WIDGET (window), action, NULL);
  qr_test_wait_for_page (window, "done");
}

static gboolean
restore_under_way (gpointer data)
{
  QrWindow *window = data;
  GtkWidget *page = qr_test_find_child (GTK_WIDGET (window), QR_TYPE_PAGE_RESTORE, NULL);

  return qr_page_restore_get_fraction (QR_PAGE_RESTORE (page)) > 0.3;
}

static gboolean
some_qube_done (gpointer data)
{
  QrWindow *window = data;
  GtkWidget *page = qr_test_find_child (GTK_WIDGET (window), QR_TYPE_PAGE_RESTORE, NULL);
  QrRestore *restore = qr_page_restore_get_restore (QR_PAGE_RESTORE (page));
  GListModel *items = qr_restore_get_items (restore);

  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (items, i);

      if (qr_restore_item_get_state (item) == QR_RESTORE_STATE_DONE)
        return TRUE;
    }

  return FALSE;
}

static gboolean
disk_full_shown (gpointer data)
{
  QrWindow *window = data;
  GtkWidget *page = qr_test_find_child (GTK_WIDGET (window), QR_TYPE_PAGE_RESTORE, NULL);

  return qr_page_restore_get_disk_full (QR_PAGE_RESTORE (page)) ||
         g_strcmp0 (qr_window_get_visible_page_name (window), "done") == 0;
}

static gboolean
space_warning_shown (gpointer data)
{
  return qr_page_choose_get_space_warning (data);
}

static gboolean
dialog_shown (gpointer data)
{
  return qr_test_find_dialog () != NULL;
}

static gboolean
browser_on_page (gpointer data)
{
  return g_strcmp0 (qr_image_browser_get_page (data), g_object_get_data (data, "want")) == 0;
}

/* "Copy Files…" of the first qube with a disk image: its files, chosen,
 * and copied. */
static void
shoot_browser (QrWindow *window,
               Backups  *backups,
               Variant  *variant)
{
  GtkWidget *list = qr_test_find_child (GTK_WIDGET (window), QR_TYPE_PAGE_DONE, "result_list");
  g_autofree char *dest = g_build_filename (backups->dir, "Recovered Files", NULL);
  g_autoptr(GFile) dest_file = g_file_new_for_path (dest);
  GListModel *toplevels = gtk_window_get_toplevels ();
  QrImageBrowser *browser = NULL;
  GtkWidget *row;

  for (row = gtk_widget_get_first_child (list); row != NULL; row = gtk_widget_get_next_sibling (row))
    if (gtk_widget_activate_action (row, "row.copy-files", NULL))
      break;
  g_assert_nonnull (row);

  for (guint i = 0; i < g_list_model_get_n_items (toplevels) && browser == NULL; i++)
    {
      g_autoptr(GObject) each = g_list_model_get_item (toplevels, i);

      if (QR_IS_IMAGE_BROWSER (each))
        browser = QR_IMAGE_BROWSER (each);
    }
  g_assert_nonnull (browser);
  gtk_window_set_default_size (GTK_WINDOW (browser), MIN (variant->width, 640), 600);

  g_object_set_data (G_OBJECT (browser), "want", (gpointer) "browse");
  qr_test_wait_until (browser_on_page, browser, QR_TEST_TIMEOUT_SECONDS);
  gtk_widget_activate_action (GTK_WIDGET (browser), "browser.toggle-selected", NULL);
  save_png (GTK_WIDGET (browser), backups->out_dir, "copy-files", variant);

  qr_image_browser_set_destination (browser, dest_file);
  gtk_widget_activate_action (GTK_WIDGET (browser), "browser.copy", NULL);
  g_object_set_data (G_OBJECT (browser), "want", (gpointer) "done");
  qr_test_wait_until (browser_on_page, browser, QR_TEST_TIMEOUT_SECONDS);
  save_png (GTK_WIDGET (browser), backups->out_dir, "copy-files-done", variant);
  gtk_window_destroy (GTK_WINDOW (browser));
}

static AdwMessageDialog *
wait_for_dialog (void)
{
  if (!qr_test_wait_until (dialog_shown, NULL, 10))
    g_error ("No dialog was shown");

  return qr_test_find_dialog ();
}

static void
shoot_open_and_unlock (QrWindow *window,
                       Backups  *backups,
                       Variant  *variant)
{
  shoot (window, backups, "open", variant);

  open_file (window, backups->not_backup);
  qr_test_wait_for_page (window, "open");
  shoot (window, backups, "open-not-a-backup", variant);

  open_file (window, backups->slow);
  qr_test_wait_for_page (window, "unlock");
  shoot (window, backups, "unlock", variant);

  type_passphrase (window, "wrong passphrase");
  variant->settle_msec = 50;
  shoot (window, backups, "unlock-checking", variant);
  variant->settle_msec = 400;
  qr_test_wait_for_page (window, "unlock");
  shoot (window, backups, "unlock-wrong-passphrase", variant);

  type_passphrase (window, QR_TEST_PASSPHRASE);
  qr_test_wait_for_page (window, "choose");
  shoot (window, backups, "choose", variant);
}

static void
shoot_long_unlock (QrWindow *window,
                   Backups  *backups,
                   Variant  *variant)
{
  g_autofree char *path = g_build_filename (backups->dir, "slow-header", NULL);
  AdwMessageDialog *dialog;

  qr_test_copy_with_slow_header (backups->slow, path);
  open_file (window, path);
  qr_test_wait_for_page (window, "unlock");
  type_passphrase (window, QR_TEST_PASSPHRASE);
  dialog = wait_for_dialog ();
  save_png (GTK_WIDGET (dialog), backups->out_dir, "unlock-long-dialog", variant);
  qr_test_respond (dialog, "cancel");
  qr_test_wait_for_page (window, "unlock");
  shoot (window, backups, "unlock-long-refused", variant);
}

static void
shoot_restore_and_stop (QrWindow *window,
                        Backups  *backups,
                        Variant  *variant)
{
  AdwMessageDialog *dialog;

  gtk_widget_activate_action (GTK_WIDGET (window), "win.go-next", NULL);
  qr_test_wait_until (restore_under_way, window, QR_TEST_TIMEOUT_SECONDS);
  shoot (window, backups, "restore", variant);

  /* Stopped once a qube is finished: it is kept, and the page says where. */
  qr_test_wait_until (some_qube_done, window, QR_TEST_TIMEOUT_SECONDS);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel-restore", NULL);
  dialog = wait_for_dialog ();
  save_png (GTK_WIDGET (dialog), backups->out_dir, "restore-cancel-dialog", variant);
  qr_test_respond (dialog, "accept");
  qr_test_wait_for_page (window, "choose");
  shoot (window, backups, "restore-stopped", variant);

  /* Back on the Choose page, the finished qubes are kept. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.go-back", NULL);
  qr_test_wait_for_page (window, "unlock");
  shoot (window, backups, "unlock-unlocked", variant);
}

/* A disk too small for the selection: the warning, the question before
 * starting, the restore stopping, and what it left. */
static void
shoot_small_disk (QrWindow *window,
                  Backups  *backups,
                  Variant  *variant)
{
  g_autoptr(GFile) small = g_file_new_for_path (SMALL_DISK_DIR);
  g_autofree char *leftover = NULL;
  AdwMessageDialog *dialog;

  /* The slow backup, so that the Restore page is seen saying that the
   * disk is full while the restore stops. */
  qr_test_open_and_unlock (window, backups->slow);
  qr_page_choose_set_parent_folder (get_choose (window), small);
  if (!qr_test_wait_until (space_warning_shown, get_choose (window), 10))
    g_error ("The selection fits %s, which was meant to be too small", SMALL_DISK_DIR);
  shoot (window, backups, "choose-no-space", variant);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.go-next", NULL);
  dialog = wait_for_dialog ();
  save_png (GTK_WIDGET (dialog), backups->out_dir, "choose-no-space-dialog", variant);
  qr_test_respond (dialog, "accept");

  variant->settle_msec = 0;
  if (qr_test_wait_until (disk_full_shown, window, QR_TEST_TIMEOUT_SECONDS) &&
      g_strcmp0 (qr_window_get_visible_page_name (window), "restore") == 0)
    shoot (window, backups, "restore-disk-full", variant);
  variant->settle_msec = 400;

  qr_test_wait_for_page (window, "done");
  shoot (window, backups, "done-disk-full", variant);

  /* Empty the small disk for the next variant. */
  leftover = g_file_get_path (qr_page_choose_get_destination (get_choose (window)));
  qr_test_remove_tree (leftover);
}

/* "Recover What Can Be Read" of every damaged qube on the Done page, and
 * what the page says of them afterwards. */
static void
shoot_recovered (QrWindow   *window,
                 Backups    *backups,
                 const char *state,
                 Variant    *variant)
{
  gtk_widget_activate_action (GTK_WIDGET (window), "win.recover-damaged", "s", "");
  g_assert_cmpstr (qr_window_get_visible_page_name (window), ==, "restore");
  qr_test_wait_for_page (window, "done");
  shoot (window, backups, state, variant);
}

static void
shoot_variant (Backups *backups,
               Variant *variant)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  QrWindow *window;

  adw_style_manager_set_color_scheme (style, g_str_equal (variant->style, "dark")
                                               ? ADW_COLOR_SCHEME_FORCE_DARK
                                               : ADW_COLOR_SCHEME_FORCE_LIGHT);
  g_object_set (gtk_settings_get_default (),
                "gtk-xft-dpi", (int) (96 * 1024 * variant->text_scale),
                NULL);

  window = qr_test_new_window (variant->width, variant->height);

  /* The default size includes the window frame; make the whole window
   * come out at the size asked for. */
  gtk_window_set_default_size (GTK_WINDOW (window),
                               2 * variant->width - gtk_widget_get_width (GTK_WIDGET (window)),
                               2 * variant->height - gtk_widget_get_height (GTK_WIDGET (window)));
  qr_test_wait_for_drawn (GTK_WIDGET (window));

  shoot_open_and_unlock (window, backups, variant);
  shoot_restore_and_stop (window, backups, variant);

  /* Let the toast go before the next pictures. */
  qr_test_settle (6000);

  restore_into (window, backups->fast, "win.go-next");
  shoot (window, backups, "done", variant);
  shoot_browser (window, backups, variant);

  restore_into (window, backups->fast, "win.verify-backup");
  shoot (window, backups, "done-verified", variant);

  restore_into (window, backups->partial, "win.go-next");
  shoot (window, backups, "done-partly-damaged", variant);
  shoot_recovered (window, backups, "done-partly-recovered", variant);

  restore_into (window, backups->damaged, "win.go-next");
  shoot (window, backups, "done-damaged", variant);
  shoot_recovered (window, backups, "done-recovered", variant);

  qr_test_open_and_unlock (window, backups->truncated);
  shoot (window, backups, "choose-truncated", variant);

  shoot_small_disk (window, backups, variant);
  shoot_long_unlock (window, backups, variant);

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  const char *fast_args[] = { "--qubes", "full", "--backup-id", "20240501T120000-4242", NULL };
  const char *slow_args[] = { "--qubes", "full", "--logN", "18",
                              "--backup-id", "20240401T090000-4242", NULL };
  const char *damaged_args[] = { "--qubes", "small", "--backup-id", "20240301T080000-4242",
                                 "--corrupt-member", "vm12/private.img.003.enc", NULL };
  const char *partial_args[] = { "--qubes", "full", "--backup-id", "20240201T070000-4242",
                                 "--corrupt-member", "vm14/private.img.002.enc", NULL };
  Variant variants[] = {
    { 1000, 700, "light", 1.0, 400 },
    { 1000, 700, "dark", 1.0, 400 },
    { 360, 700, "light", 1.0, 400 },
    { 360, 700, "dark", 1.0, 400 },
    { 360, 700, "light", 1.5, 400 },
    { 1000, 700, "dark", 1.5, 400 },
  };
  Backups backups = { 0 };
  g_autoptr(GError) error = NULL;

  if (argc != 2)
    {
      g_printerr ("Usage: %s OUTPUT-FOLDER\n", argv[0]);
      return 2;
    }

  backups.out_dir = g_canonicalize_filename (argv[1], NULL);
  if (g_str_has_prefix (backups.out_dir, "/home/") || g_str_has_prefix (backups.out_dir, "/media/"))
    {
      g_printerr ("The pictures cannot go under /home or /media, which the tool replaces\n");
      return 2;
    }
  g_mkdir_with_parents (backups.out_dir, 0755);

  enter_private_home ();

  if (!qr_test_init_display (&argc, &argv))
    {
      g_printerr ("No display; run under xvfb-run\n");
      return 1;
    }

  /* GNOME's default, rather than the X11 fallback with three buttons. */
  g_object_set (gtk_settings_get_default (),
                "gtk-decoration-layout", ":close",
                NULL);

  backups.dir = g_dir_make_tmp ("qr-screenshot-XXXXXX", &error);
  g_assert_no_error (error);

  backups.fast = qr_test_make_backup (backups.dir, "qubes-backup-2024-05-01T120000", fast_args);
  backups.slow = qr_test_make_backup (backups.dir, "qubes-backup-2024-04-01T090000", slow_args);
  backups.damaged = qr_test_make_backup (backups.dir, "damaged", damaged_args);
  backups.partial = qr_test_make_backup (backups.dir, "partial", partial_args);
  backups.truncated = g_build_filename (backups.dir, "qubes-backup-2024-05-01T120000-copy", NULL);
  qr_test_copy_truncated (backups.fast, backups.truncated, "vm14/");
  backups.not_backup = g_build_filename (backups.dir, "holiday-photos.zip", NULL);
  g_file_set_contents (backups.not_backup, "PK\003\004 not a Qubes backup", -1, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    shoot_variant (&backups, &variants[i]);

  qr_test_remove_tree (backups.dir);
  return 0;
}
