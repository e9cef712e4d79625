/* qr-result-row.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <unistd.h>

#include "qr-error.h"
#include "qr-error-text.h"
#include "qr-error-view.h"
#include "qr-help-window.h"
#include "qr-image-browser.h"
#include "qr-mount-files.h"
#include "qr-recovery-text.h"
#include "qr-restore-report.h"
#include "qr-result-row.h"
#include "qr-swatch.h"

/* How one qube fared, on the Done page: where a restored qube now is, with
 * buttons to see its files; or why it failed and what to do about it.
 *
 * "Copy Files…" reads the qube's disk image in our own process and copies
 * what the user picks into a folder of theirs: it works for any account.
 * "Open Files" mounts the image read-only and shows the files in it; the
 * row then offers "Eject". Whether the image is mounted is the tracker's
 * to know, so that the window can eject what is left when it closes; the
 * row only follows it. Where mounting cannot give this account its files
 * (they belong to another account, there is no udisks, or it refuses),
 * Open Files gives way to Copy Files, with one sentence saying why.
 *
 * A damaged qube can be recovered as far as it can be read; the row then
 * offers it ("Recover What Can Be Read"), and the window does it. A partly
 * recovered qube says what came back of each file, opens its report, and
 * says before Open Files that files whose data was lost may show errors,
 * which Copy Files tells apart. */
struct _QrResultRow
{
  GtkListBoxRow   parent_instance;

  /* Template children */
  QrSwatch       *swatch;
  GtkLabel       *title_label;
  GtkLabel       *summary_label;
  GtkImage       *state_image;
  GtkLabel       *reason_label;
  GtkWidget      *failure_box;
  GtkWidget      *recover_button;
  GtkButton      *help_button;
  GtkExpander    *details_expander;
  GtkLabel       *details_label;
  QrErrorView    *mount_error_view;
  GtkLabel       *blocked_label;
  GtkLabel       *partial_note_label;
  GtkWidget      *buttons_box;
  GtkWidget      *copy_button;
  GtkWidget      *report_button;
  GtkWidget      *show_in_folder_button;
  GtkWidget      *eject_button;
  GtkSpinner     *eject_spinner;
  GtkWidget      *open_button;
  GtkSpinner     *open_spinner;

  /* Owned */
  QrRestoreItem  *item;
  QrMountTracker *tracker;
  GFile          *image;
  GCancellable   *cancellable;

  /* State */
  gboolean        opening;
  gboolean        refocus;
  gboolean        mount_blocked;
  gboolean        partial;
  gboolean        unreadable;
};

G_DEFINE_FINAL_TYPE (QrResultRow, qr_result_row, GTK_TYPE_LIST_BOX_ROW)

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
static GFile *
find_image (QrRestoreItem *item)
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
static void
update_mount_state (QrResultRow *self)
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

static void
tracker_changed_cb (QrResultRow    *self,
                    GFile          *image,
                    QrMountTracker *tracker)
{
  if (self->image != NULL && g_file_equal (image, self->image))
    update_mount_state (self);
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
  update_mount_state (self);
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
  update_mount_state (self);
}

/* Read in our own process: when the user's files in the image belong to
 * another account, mounting would show a folder this one cannot enter. */
static void
owner_checked_cb (GObject      *object,
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

static void
set_state_icon (QrResultRow *self,
                const char  *icon_name,
                const char  *css_class)
{
  gtk_image_set_from_icon_name (self->state_image, icon_name);
  gtk_widget_add_css_class (GTK_WIDGET (self->state_image), css_class);
}

static void
show_done (QrResultRow *self,
           gboolean     verify_only)
{
  g_autofree char *path = NULL;
  g_autofree char *size = NULL;
  g_autofree char *summary = NULL;
  GFile *location = qr_restore_item_get_location (self->item);

  set_state_icon (self, "emblem-ok-symbolic", "success");

  if (verify_only || location == NULL)
    {
      gtk_label_set_label (self->summary_label,
                           _("Every part was checked and is intact"));
      return;
    }

  path = g_file_get_parse_name (location);
  size = g_format_size (qr_restore_item_get_size (self->item));
  /* Translators: a folder, then a size, like "~/Qubes Backup/work · 2.1 GB" */
  summary = g_strdup_printf (_("%s · %s"), path, size);
  gtk_label_set_label (self->summary_label, summary);
  gtk_widget_set_visible (self->buttons_box, TRUE);
}

/* Salvaged: where the qube is, what came back of each file, and why the
 * rest did not. */
static void
show_partial (QrResultRow *self)
{
  GListModel *reports = qr_restore_item_get_reports (self->item);
  const GError *error = qr_restore_item_get_error (self->item);
  g_autofree char *path = g_file_get_parse_name (qr_restore_item_get_location (self->item));
  g_autofree char *summary = NULL;
  g_autofree char *files = qr_recovery_text_dup_files (reports);
  g_autofree char *reasons = qr_recovery_text_dup_reasons (reports);

  self->partial = TRUE;
  set_state_icon (self, "qr-partly-recovered-symbolic", "warning");

  /* Translators: a qube restored only in part, then its folder, like
   * "Partly recovered · ~/Qubes Backup/work (partly recovered)" */
  summary = g_strdup_printf (_("Partly recovered · %s"), path);
  gtk_label_set_label (self->summary_label, summary);

  /* Files the backup lacks altogether have no report: the engine's
   * summary says so. */
  if (files[0] == '\0' && error != NULL)
    {
      g_free (files);
      files = g_strdup (error->message);
    }
  gtk_label_set_label (self->reason_label, files);
  gtk_widget_set_visible (GTK_WIDGET (self->reason_label), files[0] != '\0');

  if (reasons != NULL)
    {
      gtk_label_set_label (self->details_label, reasons);
      gtk_widget_set_visible (GTK_WIDGET (self->details_expander), TRUE);
    }

  gtk_widget_set_visible (self->report_button, TRUE);
  gtk_widget_set_visible (self->buttons_box, TRUE);
}

static void
show_failed (QrResultRow *self)
{
  const GError *error = qr_restore_item_get_error (self->item);
  QrErrorText text;

  set_state_icon (self, "dialog-error-symbolic", "error");

  if (error == NULL)
    {
      gtk_label_set_label (self->summary_label, _("Could not be restored"));
      return;
    }

  qr_error_text_lookup (error, &text);
  gtk_label_set_label (self->summary_label, text.title);
  gtk_label_set_label (self->reason_label, text.body);
  gtk_label_set_label (self->details_label, error->message);
  gtk_widget_set_visible (GTK_WIDGET (self->reason_label), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->details_expander), TRUE);

  /* The help opens at what this failure means; an empty topic at the top. */
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->help_button), "s",
                                    text.help_topic != NULL ? text.help_topic : "");
  gtk_widget_set_visible (GTK_WIDGET (self->help_button), TRUE);
  gtk_widget_set_visible (self->failure_box, TRUE);
}

static void
show_not_reached (QrResultRow *self,
                  gboolean     verify_only)
{
  set_state_icon (self, "dialog-warning-symbolic", "warning");

  gtk_label_set_label (self->summary_label,
                       verify_only ? _("Not checked") : _("Not restored"));
  gtk_label_set_label (self->reason_label,
                       _("The work stopped before this qube was reached. "
                         "Go back and choose this qube on its own to try again."));
  gtk_widget_set_visible (GTK_WIDGET (self->reason_label), TRUE);
}

static void
qr_result_row_dispose (GObject *object)
{
  QrResultRow *self = QR_RESULT_ROW (object);

  /* Kept until finalize, so that callbacks still running can tell. */
  g_cancellable_cancel (self->cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), QR_TYPE_RESULT_ROW);

  g_clear_object (&self->item);
  g_clear_object (&self->tracker);
  g_clear_object (&self->image);

  G_OBJECT_CLASS (qr_result_row_parent_class)->dispose (object);
}

static void
qr_result_row_finalize (GObject *object)
{
  QrResultRow *self = QR_RESULT_ROW (object);

  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (qr_result_row_parent_class)->finalize (object);
}

static void
qr_result_row_class_init (QrResultRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qr_result_row_dispose;
  object_class->finalize = qr_result_row_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/qubesrescue/QubesRescue/ui/qr-result-row.ui");
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, swatch);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, summary_label);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, state_image);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, reason_label);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, failure_box);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, recover_button);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, help_button);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, details_expander);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, details_label);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, mount_error_view);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, blocked_label);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, partial_note_label);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, copy_button);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, report_button);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, buttons_box);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, show_in_folder_button);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, eject_button);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, eject_spinner);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, open_button);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, open_spinner);

  gtk_widget_class_install_action (widget_class, "row.open-files", NULL, open_files_action);
  gtk_widget_class_install_action (widget_class, "row.eject", NULL, eject_action);
  gtk_widget_class_install_action (widget_class, "row.copy-files", NULL, copy_files_action);
  gtk_widget_class_install_action (widget_class, "row.show-in-folder", NULL,
                                   show_in_folder_action);
  gtk_widget_class_install_action (widget_class, "row.open-report", NULL, open_report_action);

  g_type_ensure (QR_TYPE_ERROR_VIEW);
  g_type_ensure (QR_TYPE_SWATCH);
}

static void
qr_result_row_init (QrResultRow *self)
{
  GtkWidget *buttons[5];

  gtk_widget_init_template (GTK_WIDGET (self));

  /* The buttons wrap onto a second line on a phone. A hidden button's
   * place in the flow box goes with it. */
  buttons[0] = self->show_in_folder_button;
  buttons[1] = self->eject_button;
  buttons[2] = self->report_button;
  buttons[3] = self->copy_button;
  buttons[4] = self->open_button;
  for (guint i = 0; i < G_N_ELEMENTS (buttons); i++)
    g_object_bind_property (buttons[i], "visible", gtk_widget_get_parent (buttons[i]), "visible",
                            G_BINDING_SYNC_CREATE);

  self->cancellable = g_cancellable_new ();
}

/* A screen reader names a partly recovered qube as such, and says where
 * it is and what came back of it. */
static void
set_accessible_text (QrResultRow *self)
{
  const char *name = qr_qube_get_name (qr_restore_item_get_qube (self->item));
  g_autofree char *label = NULL;
  g_autofree char *description = NULL;

  if (!self->partial)
    {
      gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      gtk_label_get_label (self->summary_label),
                                      -1);
      return;
    }

  /* Translators: how a screen reader names a qube restored only in part, as in
   * "work, partly recovered" */
  label = g_strdup_printf (_("%s, partly recovered"), name);
  description = g_strdup_printf ("%s\n%s", gtk_label_get_label (self->summary_label),
                                 gtk_label_get_label (self->reason_label));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
}

/* @tracker mounts the qube's image for "Open Files" and knows whether it
 * is mounted. */
GtkWidget *
qr_result_row_new (QrRestoreItem  *item,
                   gboolean        verify_only,
                   QrMountTracker *tracker)
{
  QrResultRow *self;
  QrQube *qube;

  g_return_val_if_fail (QR_IS_RESTORE_ITEM (item), NULL);
  g_return_val_if_fail (QR_IS_MOUNT_TRACKER (tracker), NULL);

  self = g_object_new (QR_TYPE_RESULT_ROW, NULL);
  self->item = g_object_ref (item);
  self->tracker = g_object_ref (tracker);

  qube = qr_restore_item_get_qube (item);
  gtk_label_set_label (self->title_label, qr_qube_get_name (qube));
  qr_swatch_set_color (self->swatch, qr_qube_get_label_color (qube));

  switch (qr_restore_item_get_state (item))
    {
    case QR_RESTORE_STATE_DONE:
      show_done (self, verify_only);
      if (!verify_only)
        self->image = find_image (item);
      if (self->image != NULL)
        qr_mount_files_open_image_async (self->image, self->cancellable,
                                         owner_checked_cb, g_object_ref (self));
      break;

    case QR_RESTORE_STATE_PARTIAL:
      show_partial (self);
      self->image = find_image (item);
      if (self->image != NULL)
        qr_mount_files_open_image_async (self->image, self->cancellable,
                                         owner_checked_cb, g_object_ref (self));
      break;

    case QR_RESTORE_STATE_FAILED:
      show_failed (self);
      break;

    case QR_RESTORE_STATE_WAITING:
    case QR_RESTORE_STATE_DERIVING_KEY:
    case QR_RESTORE_STATE_RESTORING:
    default:
      show_not_reached (self, verify_only);
      break;
    }

  /* Said before mounting, and to a screen reader on the button. */
  if (self->partial && self->image != NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->partial_note_label), TRUE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->open_button),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      gtk_label_get_label (self->partial_note_label),
                                      -1);
    }

  set_accessible_text (self);

  g_signal_connect_object (tracker, "changed",
                           G_CALLBACK (tracker_changed_cb), self, G_CONNECT_SWAPPED);
  update_mount_state (self);

  return GTK_WIDGET (self);
}

/* Offers to recover what can be read of the qube, a damaged one that
 * failed: the window's "win.recover-damaged" does it. */
void
qr_result_row_set_recoverable (QrResultRow *self,
                               gboolean     recoverable)
{
  const char *name;

  g_return_if_fail (QR_IS_RESULT_ROW (self));

  name = qr_qube_get_name (qr_restore_item_get_qube (self->item));
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->recover_button), "s", name);
  gtk_widget_set_visible (self->recover_button, recoverable);
  if (recoverable)
    gtk_widget_set_visible (self->failure_box, TRUE);
}

QrRestoreItem *
qr_result_row_get_item (QrResultRow *self)
{
  g_return_val_if_fail (QR_IS_RESULT_ROW (self), NULL);

  return self->item;
}

/* The disk image that "Open Files" mounts, or NULL when the qube's files
 * are plain files (dom0's home) or it was not restored. */
GFile *
qr_result_row_get_image (QrResultRow *self)
{
  g_return_val_if_fail (QR_IS_RESULT_ROW (self), NULL);

  return self->image;
}

const char *
qr_result_row_get_summary (QrResultRow *self)
{
  g_return_val_if_fail (QR_IS_RESULT_ROW (self), NULL);

  return gtk_label_get_label (self->summary_label);
}
