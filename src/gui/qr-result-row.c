/* qr-result-row.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "qr-error-text.h"
#include "qr-mount-files.h"
#include "qr-recovery-text.h"
#include "qr-result-row-private.h"

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
G_DEFINE_FINAL_TYPE (QrResultRow, qr_result_row, GTK_TYPE_LIST_BOX_ROW)

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

  _qr_result_row_class_init_files (widget_class);

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
        self->image = _qr_result_row_find_image (item);
      if (self->image != NULL)
        qr_mount_files_open_image_async (self->image, self->cancellable,
                                         _qr_result_row_owner_checked_cb, g_object_ref (self));
      break;

    case QR_RESTORE_STATE_PARTIAL:
      show_partial (self);
      self->image = _qr_result_row_find_image (item);
      if (self->image != NULL)
        qr_mount_files_open_image_async (self->image, self->cancellable,
                                         _qr_result_row_owner_checked_cb, g_object_ref (self));
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
                           G_CALLBACK (_qr_result_row_tracker_changed_cb), self, G_CONNECT_SWAPPED);
  _qr_result_row_update_mount_state (self);

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
