/* qr-result-row-files.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <unistd.h>

#include "qr-error.h"
#include "qr-image-browser.h"
#include "qr-mount-files.h"
#include "qr-restore-report.h"
#include "qr-result-row-private.h"

/* The row's actions on the files of a restored qube: Open Files (mount
 * and show), Eject, Copy Files (read in our own process), Show in Folder
 * and the recovery report, and the state of the image they follow. */

static GtkWindow *
get_window (QrResultRow *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

/* The folder that holds the qube's files: its location when that is a
 * folder, otherwise the folder the location is in. */
static GFile *
dup_folder (QrResultRow *self)
{
  GFile *location = qr_restore_item_get_location (self->item);

  if (location == NULL)
    return NULL;

  if (g_file_query_file_type (location, G_FILE_QUERY_INFO_NONE, NULL) == G_FILE_TYPE_DIRECTORY)
    return g_object_ref (location);

  return g_file_get_parent (location);
}

static void
launch (QrResultRow *self,
        GFile       *folder)
{
  g_autofree char *uri = g_file_get_uri (folder);

  qr_mount_tracker_launch (self->tracker, get_window (self), uri);
}

/* The qube's disk image, or NULL for dom0's home, which was restored as
 * plain files. */
GFile *
_qr_result_row_find_image (QrRestoreItem *item)
{
  GFile *location = qr_restore_item_get_location (item);
  g_auto(GStrv) files = qr_restore_item_dup_files (item);

  if (location == NULL)
    return NULL;

  return qr_mount_files_find_image (location, (const char * const *) files);
}

static void
show_mount_error (QrResultRow  *self,
                  const GError *error)
{
  g_debug ("Could not open the files of %s: %s",
           qr_qube_get_name (qr_restore_item_get_qube (self->item)), error->message);
  qr_error_view_set_error (self->mount_error_view, error);
}

/* A button turns insensitive while its work runs, which takes the
 * keyboard focus away; give it back to the button that is there after. */
static void
begin_work (QrResultRow *self)
{
  self->refocus = gtk_widget_is_focus (self->open_button) ||
                  gtk_widget_is_focus (self->eject_button);
}

static void
end_work (QrResultRow *self)
{
  if (self->refocus)
    gtk_widget_grab_focus (self->open_button);
  self->refocus = FALSE;
}

/* Mounting cannot give this account its files: Copy Files takes the
 * place of Open Files, and @reason says why in one sentence. */
static void
block_mount (QrResultRow *self,
             const char  *reason)
{
  gboolean had_focus = gtk_widget_has_focus (self->open_button);

  self->mount_blocked = TRUE;
  qr_error_view_set_error (self->mount_error_view, NULL);
  gtk_label_set_label (self->blocked_label, reason);
  gtk_widget_set_visible (GTK_WIDGET (self->blocked_label), TRUE);
  gtk_widget_set_visible (self->open_button, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->partial_note_label), FALSE);
  gtk_widget_add_css_class (self->copy_button, "suggested-action");
  if (had_focus || self->refocus)
    gtk_widget_grab_focus (self->copy_button);
  self->refocus = FALSE;
}

/* Whether @error means that mounting will not work for this account here,
 * and if so, why, in one sentence. */
static const char *
blocking_reason (const GError *error)
{
  if (g_error_matches (error, QR_ERROR, QR_ERROR_UDISKS_UNAVAILABLE))
    return _("Opening the files in place needs the disk service udisks, which is not "
             "running here, so copy them out instead.");

  if (g_error_matches (error, QR_ERROR, QR_ERROR_NOT_AUTHORIZED))
    return _("Your account may not open these files in place, so copy them out "
             "instead: the copies will be yours.");

  return NULL;
}

static void
show_mounted_files (QrResultRow        *self,
                    const char * const *mount_points)
{
  g_autofree char *path = qr_mount_files_dup_folder (mount_points);
  g_autoptr(GFile) folder = NULL;
  g_autoptr(GError) error = NULL;

  /* A file manager would only say "permission denied"; say why here, and
   * leave the image mounted so that the way forward can be followed. */
  if (!qr_mount_files_check_access (path, &error))
    {
      g_debug ("Could not open %s: %s", path, error->message);
      if (blocking_reason (error) != NULL)
        block_mount (self, blocking_reason (error));
      else
        show_mount_error (self, error);
      return;
    }

  qr_error_view_set_error (self->mount_error_view, NULL);
  folder = g_file_new_for_path (path);
  launch (self, folder);
}

/* Everything that depends on the state of the image, in one place. */
void
_qr_result_row_update_mount_state (QrResultRow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean mounted = FALSE;
  gboolean busy = FALSE;
  gboolean ejecting;

  if (self->image != NULL)
    {
      mounted = qr_mount_tracker_get_mount_points (self->tracker, self->image) != NULL;
      busy = qr_mount_tracker_get_busy (self->tracker, self->image);
    }

  /* Whatever this row did not start itself is an eject: the window's
   * before closing. */
  ejecting = busy && mounted && !self->opening;

  gtk_widget_action_set_enabled (widget, "row.open-files", !busy);
  gtk_widget_action_set_enabled (widget, "row.copy-files", self->image != NULL && !self->unreadable);
  gtk_widget_set_visible (self->copy_button, self->image != NULL && !self->unreadable);
  gtk_widget_action_set_enabled (widget, "row.eject", mounted && !busy);

  /* Eject takes the place of Show in Folder, which would only show the
   * image file: two buttons still fit a phone. */
  gtk_widget_set_visible (self->show_in_folder_button, !mounted);
  gtk_widget_set_visible (self->eject_button, mounted);
  gtk_widget_set_visible (GTK_WIDGET (self->open_spinner), busy && !ejecting);
  gtk_spinner_set_spinning (self->open_spinner, busy && !ejecting);
  gtk_widget_set_visible (GTK_WIDGET (self->eject_spinner), ejecting);
  gtk_spinner_set_spinning (self->eject_spinner, ejecting);
}

void
_qr_result_row_tracker_changed_cb (QrResultRow    *self,
                                   GFile          *image,
                                   QrMountTracker *tracker)
{
  if (self->image != NULL && g_file_equal (image, self->image))
    _qr_result_row_update_mount_state (self);
}

static void
mount_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(QrResultRow) self = user_data;
  g_auto(GStrv) mount_points = NULL;
  g_autoptr(GError) error = NULL;

  mount_points = qr_mount_tracker_mount_finish (QR_MOUNT_TRACKER (object), result, &error);

  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  self->opening = FALSE;
  _qr_result_row_update_mount_state (self);
  end_work (self);

  /* The password prompt dismissed: nothing to say. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (mount_points == NULL && blocking_reason (error) != NULL)
    {
      g_debug ("Could not mount: %s", error->message);
      block_mount (self, blocking_reason (error));
      return;
    }

  /* The kernel refuses a filesystem that lost what it needs to start;
   * the files that came back whole can still be copied. */
  if (mount_points == NULL && self->partial)
    {
      g_debug ("Could not mount the partly recovered image: %s", error->message);
      block_mount (self, _("This computer could not open the partly recovered disk image in "
                           "place, probably because part of what describes its files was lost; "
                           "Copy Files… can still copy every file that was recovered intact."));
      return;
    }

  if (mount_points == NULL)
    {
      show_mount_error (self, error);
      return;
    }

  show_mounted_files (self, (const char * const *) mount_points);
}

/* dom0's home was restored as plain files: its folder is shown as it is.
 * A qube's image is mounted first. When it is mounted already, asking
 * again costs little and mounts nothing new, but notices when the desktop
 * ejected it meanwhile. */
static void
open_files_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  QrResultRow *self = QR_RESULT_ROW (widget);

  if (self->image == NULL)
    {
      g_autoptr(GFile) folder = dup_folder (self);

      if (folder != NULL)
        launch (self, folder);
      return;
    }

  if (qr_mount_tracker_get_busy (self->tracker, self->image))
    return;

  qr_error_view_set_error (self->mount_error_view, NULL);
  self->opening = TRUE;
  begin_work (self);
  qr_mount_tracker_mount_async (self->tracker, self->image, self->cancellable,
                                mount_cb, g_object_ref (self));
}

static void
copy_files_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  QrResultRow *self = QR_RESULT_ROW (widget);
  QrImageBrowser *browser;

  if (self->image == NULL)
    return;

  browser = qr_image_browser_new (get_window (self), self->image,
                                  qr_qube_get_name (qr_restore_item_get_qube (self->item)),
                                  self->tracker);
  gtk_window_present (GTK_WINDOW (browser));
}

/* A partly recovered image whose files cannot be found: @error says why,
 * and neither Copy Files nor Open Files is offered. */
static void
show_unreadable (QrResultRow  *self,
                 const GError *error)
{
  g_debug ("Cannot read the partly recovered image: %s", error->message);
  self->unreadable = TRUE;
  self->mount_blocked = TRUE;
  gtk_widget_set_visible (self->open_button, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->partial_note_label), FALSE);
  qr_error_view_set_error (self->mount_error_view, error);
  _qr_result_row_update_mount_state (self);
}

/* Read in our own process: when the user's files in the image belong to
 * another account, mounting would show a folder this one cannot enter. */
void
_qr_result_row_owner_checked_cb (GObject      *object,
                                 GAsyncResult *result,
                                 gpointer      user_data)
{
  g_autoptr(QrResultRow) self = user_data;
  g_autoptr(QrImage) image = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *files_path = NULL;

  image = qr_mount_files_open_image_finish (result, &files_path, &error);
  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  /* A whole image that cannot be read here may still mount, and says why
   * not when it does not. A partly recovered one whose filesystem cannot
   * be found lost what says where its files are: neither way leads to
   * them. */
  if (image == NULL)
    {
      if (self->partial)
        show_unreadable (self, error);
      return;
    }

  if (qr_mount_files_check_image_access (image, files_path, geteuid (), &error) ||
      !g_error_matches (error, QR_ERROR, QR_ERROR_NOT_AUTHORIZED))
    return;

  g_debug ("%s", error->message);
  block_mount (self, _("Your files in this qube belong to another user account, so "
                       "opening them in place would not let you in: copy them out "
                       "instead, and the copies will be yours."));
}

static void
eject_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(QrResultRow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = qr_mount_tracker_release_finish (QR_MOUNT_TRACKER (object), result, &error);

  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  end_work (self);

  if (!ok && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_mount_error (self, error);
}

static void
eject_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  QrResultRow *self = QR_RESULT_ROW (widget);

  if (self->image == NULL ||
      qr_mount_tracker_get_mount_points (self->tracker, self->image) == NULL ||
      qr_mount_tracker_get_busy (self->tracker, self->image))
    return;

  qr_error_view_set_error (self->mount_error_view, NULL);
  begin_work (self);
  qr_mount_tracker_release_async (self->tracker, self->image, self->cancellable,
                                  eject_cb, g_object_ref (self));
}

static void
show_items_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(QrResultRow) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  GFile *location;
  g_autoptr(GFile) parent = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply != NULL || g_cancellable_is_cancelled (self->cancellable))
    return;

  /* Without a file manager that can select an item, opening the folder
   * that holds it is the next best thing. */
  g_debug ("Could not select the item in the file manager: %s", error->message);

  location = qr_restore_item_get_location (self->item);
  parent = g_file_get_parent (location);
  launch (self, parent != NULL ? parent : location);
}

static void
show_in_folder_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  QrResultRow *self = QR_RESULT_ROW (widget);
  GFile *location = qr_restore_item_get_location (self->item);
  g_autofree char *uri = NULL;
  GDBusConnection *bus;
  const char *uris[2] = { NULL, NULL };

  if (location == NULL)
    return;

  uri = g_file_get_uri (location);
  uris[0] = uri;

  bus = g_application_get_dbus_connection (g_application_get_default ());
  if (bus == NULL)
    {
      g_autoptr(GFile) parent = g_file_get_parent (location);

      launch (self, parent != NULL ? parent : location);
      return;
    }

  g_dbus_connection_call (bus,
                          "org.freedesktop.FileManager1",
                          "/org/freedesktop/FileManager1",
                          "org.freedesktop.FileManager1",
                          "ShowItems",
                          g_variant_new ("(^ass)", uris, ""),
                          NULL,
                          G_DBUS_CALL_FLAGS_NONE,
                          -1,
                          self->cancellable,
                          show_items_cb,
                          g_object_ref (self));
}

/* The report of a partly recovered qube, in the desktop's text viewer. */
static void
open_report_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  QrResultRow *self = QR_RESULT_ROW (widget);
  GFile *location = qr_restore_item_get_location (self->item);
  g_autoptr(GFile) report = NULL;

  if (!self->partial || location == NULL)
    return;

  report = g_file_get_child (location, QR_RESTORE_REPORT_NAME);
  launch (self, report);
}


void
_qr_result_row_class_init_files (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "row.open-files", NULL, open_files_action);
  gtk_widget_class_install_action (widget_class, "row.eject", NULL, eject_action);
  gtk_widget_class_install_action (widget_class, "row.copy-files", NULL, copy_files_action);
  gtk_widget_class_install_action (widget_class, "row.show-in-folder", NULL,
                                   show_in_folder_action);
  gtk_widget_class_install_action (widget_class, "row.open-report", NULL, open_report_action);
}
