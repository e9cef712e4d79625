/* qr-qube-row.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "qr-qube-row.h"
#include "qr-swatch.h"

/* One qube of the backup on the Choose page: its colour, name, kind,
 * template and size, with a check box. A qube listed in the backup's
 * qubes.xml whose data was not saved is shown greyed, with the reason. */
struct _QrQubeRow
{
  AdwActionRow    parent_instance;

  /* Template children */
  GtkCheckButton *check;
  QrSwatch       *swatch;

  /* Owned */
  QrQube         *qube;
};

G_DEFINE_FINAL_TYPE (QrQubeRow, qr_qube_row, ADW_TYPE_ACTION_ROW)

enum {
  PROP_0,
  PROP_QUBE,
  PROP_SELECTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static char *
describe_qube (QrQube *qube)
{
  GString *text = g_string_new (qr_qube_row_describe_klass (qube));
  const char *template_name = qr_qube_get_template (qube);
  guint64 size = qr_qube_get_backup_size (qube);

  if (template_name != NULL && template_name[0] != '\0')
    /* Translators: the name of the template a qube is based on */
    g_string_append_printf (text, " · %s", template_name);

  if (size > 0)
    {
      g_autofree char *size_text = g_format_size (size);
      g_string_append_printf (text, " · %s", size_text);
    }

  return g_string_free (text, FALSE);
}

static void
update_row (QrQubeRow *self)
{
  g_autofree char *subtitle = NULL;
  gboolean available = qr_qube_row_get_available (self);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), qr_qube_get_name (self->qube));
  qr_swatch_set_color (self->swatch, qr_qube_get_label_color (self->qube));

  if (!qr_qube_get_included (self->qube))
    subtitle = g_strdup (_("Not in this backup: it was left out when the backup was made"));
  else if (!qr_qube_get_present (self->qube))
    subtitle = g_strdup (_("Not in this backup: its data is missing from the file"));
  else
    subtitle = describe_qube (self->qube);

  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), subtitle);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->check),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, qr_qube_get_name (self->qube),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, subtitle,
                                  -1);
  gtk_widget_set_sensitive (GTK_WIDGET (self), available);

  if (!available)
    gtk_check_button_set_active (self->check, FALSE);
}

static void
check_active_cb (QrQubeRow *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
}

static void
qr_qube_row_dispose (GObject *object)
{
  QrQubeRow *self = QR_QUBE_ROW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), QR_TYPE_QUBE_ROW);

  g_clear_object (&self->qube);

  G_OBJECT_CLASS (qr_qube_row_parent_class)->dispose (object);
}

static void
qr_qube_row_constructed (GObject *object)
{
  QrQubeRow *self = QR_QUBE_ROW (object);

  G_OBJECT_CLASS (qr_qube_row_parent_class)->constructed (object);

  g_assert (self->qube != NULL);

  update_row (self);
  gtk_check_button_set_active (self->check, qr_qube_row_get_available (self));
}

static void
qr_qube_row_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  QrQubeRow *self = QR_QUBE_ROW (object);

  switch (prop_id)
    {
    case PROP_QUBE:
      g_value_set_object (value, self->qube);
      break;

    case PROP_SELECTED:
      g_value_set_boolean (value, qr_qube_row_get_selected (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qr_qube_row_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  QrQubeRow *self = QR_QUBE_ROW (object);

  switch (prop_id)
    {
    case PROP_QUBE:
      self->qube = g_value_dup_object (value);
      break;

    case PROP_SELECTED:
      qr_qube_row_set_selected (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qr_qube_row_class_init (QrQubeRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = qr_qube_row_constructed;
  object_class->dispose = qr_qube_row_dispose;
  object_class->get_property = qr_qube_row_get_property;
  object_class->set_property = qr_qube_row_set_property;

  properties[PROP_QUBE] =
    g_param_spec_object ("qube", NULL, NULL,
                         QR_TYPE_QUBE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  properties[PROP_SELECTED] =
    g_param_spec_boolean ("selected", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/qubesrescue/QubesRescue/ui/qr-qube-row.ui");
  gtk_widget_class_bind_template_child (widget_class, QrQubeRow, check);
  gtk_widget_class_bind_template_child (widget_class, QrQubeRow, swatch);
  gtk_widget_class_bind_template_callback (widget_class, check_active_cb);

  g_type_ensure (QR_TYPE_SWATCH);
}

static void
qr_qube_row_init (QrQubeRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
qr_qube_row_new (QrQube *qube)
{
  g_return_val_if_fail (QR_IS_QUBE (qube), NULL);

  return g_object_new (QR_TYPE_QUBE_ROW,
                       "qube", qube,
                       NULL);
}

QrQube *
qr_qube_row_get_qube (QrQubeRow *self)
{
  g_return_val_if_fail (QR_IS_QUBE_ROW (self), NULL);

  return self->qube;
}

/* Whether the qube's data is in the backup, so it can be restored. */
gboolean
qr_qube_row_get_available (QrQubeRow *self)
{
  g_return_val_if_fail (QR_IS_QUBE_ROW (self), FALSE);

  return qr_qube_get_included (self->qube) && qr_qube_get_present (self->qube);
}

gboolean
qr_qube_row_get_selected (QrQubeRow *self)
{
  g_return_val_if_fail (QR_IS_QUBE_ROW (self), FALSE);

  return gtk_check_button_get_active (self->check);
}

void
qr_qube_row_set_selected (QrQubeRow *self,
                          gboolean   selected)
{
  g_return_if_fail (QR_IS_QUBE_ROW (self));

  selected = !!selected && qr_qube_row_get_available (self);

  /* The check button's notify::active notifies "selected" for us. */
  gtk_check_button_set_active (self->check, selected);
}

/* The kind of a qube as a person who used Qubes would call it. */
const char *
qr_qube_row_describe_klass (QrQube *qube)
{
  const char *klass;

  g_return_val_if_fail (QR_IS_QUBE (qube), NULL);

  if (qr_qube_is_dom0 (qube))
    return _("dom0 home folder");

  klass = qr_qube_get_klass (qube);

  if (g_strcmp0 (klass, "AppVM") == 0)
    return _("App qube");
  if (g_strcmp0 (klass, "TemplateVM") == 0)
    return _("Template");
  if (g_strcmp0 (klass, "StandaloneVM") == 0)
    return _("Standalone qube");
  if (g_strcmp0 (klass, "DispVM") == 0)
    return _("Disposable qube");

  return _("Qube");
}
