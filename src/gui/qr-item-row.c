/* qr-item-row.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "qr-item-row.h"
#include "qr-swatch.h"

/* A qube on the Restore page, with where it stands: waiting, deriving its
 * key, restoring, done, partly recovered or failed. */
struct _QrItemRow
{
  AdwActionRow   parent_instance;

  /* Template children */
  QrSwatch      *swatch;
  GtkSpinner    *spinner;
  GtkImage      *state_image;
  GtkLabel      *state_label;

  /* Owned */
  QrRestoreItem *item;

  /* State */
  gboolean       verify_only;
};

G_DEFINE_FINAL_TYPE (QrItemRow, qr_item_row, ADW_TYPE_ACTION_ROW)

static void
set_icon (QrItemRow  *self,
          const char *icon_name,
          const char *css_class)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->state_image), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->state_image), "warning");
  gtk_widget_remove_css_class (GTK_WIDGET (self->state_image), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->state_image), icon_name != NULL);
  gtk_image_set_from_icon_name (self->state_image, icon_name);

  if (css_class != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->state_image), css_class);
}

static void
update_state (QrItemRow *self)
{
  QrRestoreState state = qr_restore_item_get_state (self->item);
  const char *text = NULL;
  gboolean busy = FALSE;

  switch (state)
    {
    case QR_RESTORE_STATE_WAITING:
      text = _("Waiting");
      set_icon (self, NULL, NULL);
      break;

    case QR_RESTORE_STATE_DERIVING_KEY:
      text = _("Unlocking");
      busy = TRUE;
      set_icon (self, NULL, NULL);
      break;

    case QR_RESTORE_STATE_RESTORING:
      text = self->verify_only ? _("Checking") : _("Restoring");
      busy = TRUE;
      set_icon (self, NULL, NULL);
      break;

    case QR_RESTORE_STATE_DONE:
      text = self->verify_only ? _("Intact") : _("Done");
      set_icon (self, "emblem-ok-symbolic", "success");
      break;

    case QR_RESTORE_STATE_PARTIAL:
      /* Translators: a damaged qube of which what could be read was restored */
      text = _("Partly recovered");
      set_icon (self, "qr-partly-recovered-symbolic", "warning");
      break;

    case QR_RESTORE_STATE_FAILED:
      text = _("Failed");
      set_icon (self, "dialog-error-symbolic", "error");
      break;

    default:
      g_assert_not_reached ();
    }

  gtk_label_set_label (self->state_label, text);
  /* A screen reader on the row says where the qube stands, not only its
   * name. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text,
                                  -1);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
}

static void
qr_item_row_dispose (GObject *object)
{
  QrItemRow *self = QR_ITEM_ROW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), QR_TYPE_ITEM_ROW);

  g_clear_object (&self->item);

  G_OBJECT_CLASS (qr_item_row_parent_class)->dispose (object);
}

static void
qr_item_row_class_init (QrItemRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qr_item_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/qubesrescue/QubesRescue/ui/qr-item-row.ui");
  gtk_widget_class_bind_template_child (widget_class, QrItemRow, swatch);
  gtk_widget_class_bind_template_child (widget_class, QrItemRow, spinner);
  gtk_widget_class_bind_template_child (widget_class, QrItemRow, state_image);
  gtk_widget_class_bind_template_child (widget_class, QrItemRow, state_label);

  g_type_ensure (QR_TYPE_SWATCH);
}

static void
qr_item_row_init (QrItemRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
qr_item_row_new (QrRestoreItem *item,
                 gboolean       verify_only)
{
  QrItemRow *self;
  QrQube *qube;

  g_return_val_if_fail (QR_IS_RESTORE_ITEM (item), NULL);

  self = g_object_new (QR_TYPE_ITEM_ROW, NULL);
  self->item = g_object_ref (item);
  self->verify_only = verify_only;

  qube = qr_restore_item_get_qube (item);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), qr_qube_get_name (qube));
  qr_swatch_set_color (self->swatch, qr_qube_get_label_color (qube));

  g_signal_connect_object (item, "notify::state",
                           G_CALLBACK (update_state), self, G_CONNECT_SWAPPED);
  update_state (self);

  return GTK_WIDGET (self);
}

QrRestoreItem *
qr_item_row_get_item (QrItemRow *self)
{
  g_return_val_if_fail (QR_IS_ITEM_ROW (self), NULL);

  return self->item;
}

const char *
qr_item_row_get_state_text (QrItemRow *self)
{
  g_return_val_if_fail (QR_IS_ITEM_ROW (self), NULL);

  return gtk_label_get_label (self->state_label);
}
