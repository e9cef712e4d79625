/* qr-heading.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "qr-heading.h"

/* The title of a wizard page, and where the focus goes when the page is
 * shown. GTK 4.8 has no way to announce anything to a screen reader, but
 * every screen reader speaks what takes the focus: its name (the title),
 * its role (heading) and its description (what the page says under the
 * title). A plain label cannot take the focus unless it is selectable,
 * and then it shows a caret; so this is a focusable heading around a
 * label that screen readers skip, since the heading already says it. */
struct _QrHeading
{
  GtkWidget  parent_instance;

  GtkLabel  *label;
};

G_DEFINE_FINAL_TYPE (QrHeading, qr_heading, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_LABEL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
qr_heading_dispose (GObject *object)
{
  QrHeading *self = QR_HEADING (object);

  g_clear_pointer ((GtkWidget **) &self->label, gtk_widget_unparent);

  G_OBJECT_CLASS (qr_heading_parent_class)->dispose (object);
}

static void
qr_heading_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  QrHeading *self = QR_HEADING (object);

  switch (prop_id)
    {
    case PROP_LABEL:
      g_value_set_string (value, qr_heading_get_label (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qr_heading_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  QrHeading *self = QR_HEADING (object);

  switch (prop_id)
    {
    case PROP_LABEL:
      qr_heading_set_label (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qr_heading_class_init (QrHeadingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qr_heading_dispose;
  object_class->get_property = qr_heading_get_property;
  object_class->set_property = qr_heading_set_property;

  properties[PROP_LABEL] =
    g_param_spec_string ("label", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "pageheading");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_HEADING);
}

static void
qr_heading_init (QrHeading *self)
{
  self->label = g_object_new (GTK_TYPE_LABEL,
                              "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                              "wrap", TRUE,
                              "wrap-mode", PANGO_WRAP_WORD_CHAR,
                              "justify", GTK_JUSTIFY_CENTER,
                              NULL);
  gtk_widget_set_parent (GTK_WIDGET (self->label), GTK_WIDGET (self));
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
}

GtkWidget *
qr_heading_new (void)
{
  return g_object_new (QR_TYPE_HEADING, NULL);
}

const char *
qr_heading_get_label (QrHeading *self)
{
  g_return_val_if_fail (QR_IS_HEADING (self), NULL);

  return gtk_label_get_label (self->label);
}

void
qr_heading_set_label (QrHeading  *self,
                      const char *label)
{
  g_return_if_fail (QR_IS_HEADING (self));

  if (g_strcmp0 (gtk_label_get_label (self->label), label) == 0)
    return;

  gtk_label_set_label (self->label, label != NULL ? label : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LABEL]);
}

/* What a screen reader says after the title when the heading takes the
 * focus: the page's own explanation, or the outcome it reports. */
void
qr_heading_set_description (QrHeading  *self,
                            const char *description)
{
  g_return_if_fail (QR_IS_HEADING (self));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
}
