/* qr-screenshot.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "qr-image-browser.h"
#include "qr-page-choose.h"
#include "qr-page-done.h"
#include "qr-page-restore.h"
#include "qr-page-unlock.h"
#include "qr-test-utils.h"

/* Renders every page of the wizard, and each error state, to PNG files,
 * at a desktop and a phone width, in the light and the dark style:
 *
 *   qr-screenshot OUTPUT-FOLDER
 *
 * It walks the real wizard over real generated backups, so what it draws
 * is what a user sees. */

typedef struct
{
  char *dir;
  char *out_dir;
  char *fast;
  char *slow;
  char *damaged;
  char *partial;
  char *not_backup;
} Backups;

typedef struct
{
  int         width;
  int         height;
  const char *style;
  guint       settle_msec;
} Variant;

static gboolean
is_drawn (gpointer data)
{
  GtkWidget *stack = NULL;

  if (QR_IS_WINDOW (data))
    stack = qr_test_find_child (data, QR_TYPE_WINDOW, "stack");

  return gtk_widget_get_mapped (data) && gtk_widget_get_width (data) > 0 &&
         (stack == NULL || !gtk_stack_get_transition_running (GTK_STACK (stack)));
}

static void
save_png (GtkWidget  *widget,
          const char *out_dir,
          const char *state,
          Variant    *variant)
{
  g_autofree char *name = g_strdup_printf ("%s-%d-%s.png", state, variant->width, variant->style);
  g_autofree char *path = g_build_filename (out_dir, name, NULL);
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;
  GskRenderer *renderer;
  int width;
  int height;

  qr_test_wait_until (is_drawn, widget, 10);
  qr_test_settle (variant->settle_msec);

  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
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

static void
restore_into (QrWindow   *window,
              Backups    *backups,
              const char *path,
              const char *action)
{
  g_autoptr(GFile) folder = g_file_new_for_path (backups->dir);
  GtkWidget *choose;

  qr_test_open_and_unlock (window, path);
  choose = qr_test_find_child (GTK_WIDGET (window), QR_TYPE_PAGE_CHOOSE, NULL);
  qr_page_choose_set_parent_folder (QR_PAGE_CHOOSE (choose), folder);
  gtk_widget_activate_action (GTK_WIDGET (window), action, NULL);
  qr_test_wait_for_page (window, "done");
}

static gboolean
restore_under_way (gpointer data)
{
  QrWindow *window = data;
  GtkWidget *page = qr_test_find_child (GTK_WIDGET (window), QR_TYPE_PAGE_RESTORE, NULL);
  QrRestore *restore = qr_page_restore_get_restore (QR_PAGE_RESTORE (page));

  return restore != NULL && qr_restore_get_fraction (restore) > 0.3;
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

static void
shoot_variant (Backups *backups,
               Variant *variant)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  QrWindow *window;
  g_autoptr(GFile) folder = g_file_new_for_path (backups->dir);
  AdwMessageDialog *dialog;

  adw_style_manager_set_color_scheme (style, g_str_equal (variant->style, "dark")
                                               ? ADW_COLOR_SCHEME_FORCE_DARK
                                               : ADW_COLOR_SCHEME_FORCE_LIGHT);

  window = qr_test_new_window (variant->width, variant->height);

  /* The default size includes the window frame; make the whole window
   * come out at the size asked for. */
  gtk_window_set_default_size (GTK_WINDOW (window),
                               2 * variant->width - gtk_widget_get_width (GTK_WIDGET (window)),
                               2 * variant->height - gtk_widget_get_height (GTK_WIDGET (window)));
  qr_test_settle (200);
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
  qr_page_choose_set_parent_folder (QR_PAGE_CHOOSE (qr_test_find_child (GTK_WIDGET (window),
                                                                        QR_TYPE_PAGE_CHOOSE,
                                                                        NULL)),
                                    folder);
  shoot (window, backups, "choose", variant);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.go-next", NULL);
  qr_test_wait_until (restore_under_way, window, QR_TEST_TIMEOUT_SECONDS);
  shoot (window, backups, "restore", variant);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel-restore", NULL);
  qr_test_wait_until (dialog_shown, NULL, 10);
  dialog = qr_test_find_dialog ();
  save_png (GTK_WIDGET (dialog), backups->out_dir, "restore-cancel-dialog", variant);
  adw_message_dialog_response (dialog, "accept");
  qr_test_wait_for_page (window, "choose");
  shoot (window, backups, "restore-cancelled", variant);

  /* Let the toast go before the next pictures. */
  qr_test_settle (6000);

  restore_into (window, backups, backups->fast, "win.go-next");
  shoot (window, backups, "done", variant);
  shoot_browser (window, backups, variant);

  restore_into (window, backups, backups->fast, "win.verify-backup");
  shoot (window, backups, "done-verified", variant);

  restore_into (window, backups, backups->partial, "win.go-next");
  shoot (window, backups, "done-partly-damaged", variant);

  restore_into (window, backups, backups->damaged, "win.go-next");
  shoot (window, backups, "done-damaged", variant);

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  const char *fast_args[] = { "--qubes", "full", NULL };
  const char *slow_args[] = { "--qubes", "full", "--logN", "18", NULL };
  const char *damaged_args[] = { "--qubes", "small", "--corrupt-member",
                                 "vm12/private.img.003.enc", NULL };
  const char *partial_args[] = { "--qubes", "full", "--corrupt-member",
                                 "vm14/private.img.002.enc", NULL };
  Variant variants[] = {
    { 1000, 700, "light", 400 },
    { 1000, 700, "dark", 400 },
    { 360, 700, "light", 400 },
    { 360, 700, "dark", 400 },
  };
  Backups backups = { 0 };
  g_autoptr(GError) error = NULL;

  if (argc != 2)
    {
      g_printerr ("Usage: %s OUTPUT-FOLDER\n", argv[0]);
      return 2;
    }

  backups.out_dir = g_strdup (argv[1]);

  if (!qr_test_init_display (&argc, &argv))
    {
      g_printerr ("No display; run under xvfb-run\n");
      return 1;
    }

  /* GNOME's default, rather than the X11 fallback with three buttons. */
  g_object_set (gtk_settings_get_default (),
                "gtk-decoration-layout", ":close",
                NULL);

  g_mkdir_with_parents (backups.out_dir, 0755);
  backups.dir = g_dir_make_tmp ("qr-screenshot-XXXXXX", &error);
  g_assert_no_error (error);

  backups.fast = qr_test_make_backup (backups.dir, "qubes-backup-2024-05-01T120000", fast_args);
  backups.slow = qr_test_make_backup (backups.dir, "qubes-backup-2024-04-01T090000", slow_args);
  backups.damaged = qr_test_make_backup (backups.dir, "damaged", damaged_args);
  backups.partial = qr_test_make_backup (backups.dir, "partial", partial_args);
  backups.not_backup = g_build_filename (backups.dir, "holiday-photos.zip", NULL);
  g_file_set_contents (backups.not_backup, "PK\003\004 not a Qubes backup", -1, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    shoot_variant (&backups, &variants[i]);

  g_print ("Backups and restored files are left in %s\n", backups.dir);
  return 0;
}
