/* qr-result-row.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "qr-error-text.h"
#include "qr-result-row.h"
#include "qr-swatch.h"

/* How one qube fared, on the Done page: where a restored qube now is, with
 * buttons to see its files; or why it failed and what to do about it. */
struct _QrResultRow
{
  GtkListBoxRow  parent_instance;

  /* Template children */
  QrSwatch      *swatch;
  GtkLabel      *title_label;
  GtkLabel      *summary_label;
  GtkImage      *state_image;
  GtkLabel      *reason_label;
  GtkExpander   *details_expander;
  GtkLabel      *details_label;
  GtkWidget     *buttons_box;

  /* Owned */
  QrRestoreItem *item;
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
open_files_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  QrResultRow *self = QR_RESULT_ROW (widget);
  g_autoptr(GFile) folder = dup_folder (self);
  g_autofree char *uri = NULL;

  if (folder == NULL)
    return;

  uri = g_file_get_uri (folder);
  gtk_show_uri (get_window (self), uri, GDK_CURRENT_TIME);
}

static void
show_items_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(QrResultRow) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  GFile *location = qr_restore_item_get_location (self->item);
  g_autoptr(GFile) parent = NULL;
  g_autofree char *uri = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply != NULL)
    return;

  /* Without a file manager that can select an item, opening the folder
   * that holds it is the next best thing. */
  g_debug ("Could not select the item in the file manager: %s", error->message);

  parent = g_file_get_parent (location);
  uri = g_file_get_uri (parent != NULL ? parent : location);
  gtk_show_uri (get_window (self), uri, GDK_CURRENT_TIME);
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
      g_autofree char *parent_uri = g_file_get_uri (parent != NULL ? parent : location);

      gtk_show_uri (get_window (self), parent_uri, GDK_CURRENT_TIME);
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
                          NULL,
                          show_items_cb,
                          g_object_ref (self));
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

  gtk_widget_dispose_template (GTK_WIDGET (self), QR_TYPE_RESULT_ROW);

  g_clear_object (&self->item);

  G_OBJECT_CLASS (qr_result_row_parent_class)->dispose (object);
}

static void
qr_result_row_class_init (QrResultRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qr_result_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/qubesrescue/QubesRescue/ui/qr-result-row.ui");
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, swatch);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, summary_label);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, state_image);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, reason_label);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, details_expander);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, details_label);
  gtk_widget_class_bind_template_child (widget_class, QrResultRow, buttons_box);

  gtk_widget_class_install_action (widget_class, "row.open-files", NULL, open_files_action);
  gtk_widget_class_install_action (widget_class, "row.show-in-folder", NULL,
                                   show_in_folder_action);

  g_type_ensure (QR_TYPE_SWATCH);
}

static void
qr_result_row_init (QrResultRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
qr_result_row_new (QrRestoreItem *item,
                   gboolean       verify_only)
{
  QrResultRow *self;
  QrQube *qube;

  g_return_val_if_fail (QR_IS_RESTORE_ITEM (item), NULL);

  self = g_object_new (QR_TYPE_RESULT_ROW, NULL);
  self->item = g_object_ref (item);

  qube = qr_restore_item_get_qube (item);
  gtk_label_set_label (self->title_label, qr_qube_get_name (qube));
  qr_swatch_set_color (self->swatch, qr_qube_get_label_color (qube));

  switch (qr_restore_item_get_state (item))
    {
    case QR_RESTORE_STATE_DONE:
      show_done (self, verify_only);
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

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, qr_qube_get_name (qube),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  gtk_label_get_label (self->summary_label),
                                  -1);

  return GTK_WIDGET (self);
}

QrRestoreItem *
qr_result_row_get_item (QrResultRow *self)
{
  g_return_val_if_fail (QR_IS_RESULT_ROW (self), NULL);

  return self->item;
}

const char *
qr_result_row_get_summary (QrResultRow *self)
{
  g_return_val_if_fail (QR_IS_RESULT_ROW (self), NULL);

  return gtk_label_get_label (self->summary_label);
}
