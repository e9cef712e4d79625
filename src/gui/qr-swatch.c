/* qr-swatch.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "qr-swatch.h"

#define SWATCH_SIZE 14

/* The dot in a qube's label colour, as Qubes shows it next to each qube.
 * Colours come from the backup, so an unparsable one draws a neutral dot
 * rather than failing. */
struct _QrSwatch
{
  GtkWidget  parent_instance;

  char      *color;
  GdkRGBA    rgba;
  gboolean   has_rgba;
};

G_DEFINE_FINAL_TYPE (QrSwatch, qr_swatch, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_COLOR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
qr_swatch_measure (GtkWidget      *widget,
                   GtkOrientation  orientation,
                   int             for_size,
                   int            *minimum,
                   int            *natural,
                   int            *minimum_baseline,
                   int            *natural_baseline)
{
  *minimum = *natural = SWATCH_SIZE;
}

static void
qr_swatch_snapshot (GtkWidget   *widget,
                    GtkSnapshot *snapshot)
{
  QrSwatch *self = QR_SWATCH (widget);
  GskRoundedRect outline;
  GdkRGBA fill;
  GdkRGBA border;
  float width = gtk_widget_get_width (widget);
  float height = gtk_widget_get_height (widget);
  float size = MIN (width, height);
  float border_width[4] = { 1, 1, 1, 1 };
  GdkRGBA border_color[4];

  /* The foreground colour keeps the outline visible in both styles. */
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &border);

  if (self->has_rgba)
    {
      fill = self->rgba;
    }
  else
    {
      fill = border;
      fill.alpha = 0.3f;
    }

  border.alpha = 0.25f;
  for (guint i = 0; i < G_N_ELEMENTS (border_color); i++)
    border_color[i] = border;

  gsk_rounded_rect_init_from_rect (&outline,
                                   &GRAPHENE_RECT_INIT ((width - size) / 2,
                                                        (height - size) / 2,
                                                        size, size),
                                   size / 2);
  gtk_snapshot_push_rounded_clip (snapshot, &outline);
  gtk_snapshot_append_color (snapshot, &fill, &outline.bounds);
  gtk_snapshot_pop (snapshot);
  gtk_snapshot_append_border (snapshot, &outline, border_width, border_color);
}

static void
qr_swatch_finalize (GObject *object)
{
  QrSwatch *self = QR_SWATCH (object);

  g_clear_pointer (&self->color, g_free);

  G_OBJECT_CLASS (qr_swatch_parent_class)->finalize (object);
}

static void
qr_swatch_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  QrSwatch *self = QR_SWATCH (object);

  switch (prop_id)
    {
    case PROP_COLOR:
      g_value_set_string (value, self->color);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qr_swatch_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  QrSwatch *self = QR_SWATCH (object);

  switch (prop_id)
    {
    case PROP_COLOR:
      qr_swatch_set_color (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qr_swatch_class_init (QrSwatchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = qr_swatch_finalize;
  object_class->get_property = qr_swatch_get_property;
  object_class->set_property = qr_swatch_set_property;

  widget_class->measure = qr_swatch_measure;
  widget_class->snapshot = qr_swatch_snapshot;

  properties[PROP_COLOR] =
    g_param_spec_string ("color", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "swatch");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_PRESENTATION);
}

static void
qr_swatch_init (QrSwatch *self)
{
  gtk_widget_set_valign (GTK_WIDGET (self), GTK_ALIGN_CENTER);
}

GtkWidget *
qr_swatch_new (void)
{
  return g_object_new (QR_TYPE_SWATCH, NULL);
}

const char *
qr_swatch_get_color (QrSwatch *self)
{
  g_return_val_if_fail (QR_IS_SWATCH (self), NULL);

  return self->color;
}

void
qr_swatch_set_color (QrSwatch   *self,
                     const char *color)
{
  g_return_if_fail (QR_IS_SWATCH (self));

  if (g_strcmp0 (self->color, color) == 0)
    return;

  g_free (self->color);
  self->color = g_strdup (color);
  self->has_rgba = color != NULL && gdk_rgba_parse (&self->rgba, color);
  if (self->has_rgba)
    self->rgba.alpha = 1.0f;

  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COLOR]);
}
