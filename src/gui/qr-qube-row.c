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

/* One qube of the backup on the Choose page: its colour, name, kind with
 * what that kind holds, template and the space restoring it takes, with a
 * check box. A qube that cannot be chosen says why: it was left out of
 * the backup, its data is missing from the file, or it is already
 * restored in the destination folder. */
struct _QrQubeRow
{
  AdwActionRow    parent_instance;

  /* Template children */
  GtkCheckButton *check;
  QrSwatch       *swatch;

  /* Owned */
  QrQube         *qube;

  /* State */
  guint64         estimate;
  gboolean        restored;
};

G_DEFINE_FINAL_TYPE (QrQubeRow, qr_qube_row, ADW_TYPE_ACTION_ROW)

enum {
  PROP_0,
  PROP_QUBE,
  PROP_SELECTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* What a qube of this kind holds, in a line that follows its kind, so
 * that a person who never used Qubes can tell which qubes have their
 * files. */
static const char *
explain_klass (QrQube *qube)
{
  const char *klass = qr_qube_get_klass (qube);

  if (qr_qube_is_dom0 (qube))
    return _("the files and settings of the Qubes desktop itself");
  if (g_strcmp0 (klass, "AppVM") == 0)
    return _("holds your files and settings");
  if (g_strcmp0 (klass, "TemplateVM") == 0)
    return _("programs, not your files; restore only if you need them");
  if (g_strcmp0 (klass, "StandaloneVM") == 0)
    return _("holds your files and its own programs");
  if (g_strcmp0 (klass, "DispVM") == 0)
    return _("starts empty each time, so it holds none of your files");

  return NULL;
}

static char *
describe_qube (QrQubeRow *self)
{
  GString *text = g_string_new (qr_qube_row_describe_klass (self->qube));
  const char *explanation = explain_klass (self->qube);
  const char *template_name = qr_qube_get_template (self->qube);
  g_autofree char *size_text = NULL;

  if (explanation != NULL)
    /* Translators: a kind of qube, then what it holds, like "App qube: holds your files and settings" */
    g_string_printf (text, _("%s: %s"), qr_qube_row_describe_klass (self->qube), explanation);

  g_string_append_c (text, '\n');

  if (self->estimate > 0)
    size_text = g_format_size (self->estimate);

  if (template_name != NULL && template_name[0] != '\0' && size_text != NULL)
    /* Translators: the template a qube is based on, then the space restoring it takes */
    g_string_append_printf (text, _("Based on %s · about %s"), template_name, size_text);
  else if (template_name != NULL && template_name[0] != '\0')
    g_string_append_printf (text, _("Based on %s"), template_name);
  else if (size_text != NULL)
    /* Translators: the space restoring a qube takes, like "About 1.2 GB" */
    g_string_append_printf (text, _("About %s"), size_text);
  else
    g_string_truncate (text, text->len - 1);

  return g_string_free (text, FALSE);
}

static void
update_row (QrQubeRow *self)
{
  g_autofree char *subtitle = NULL;

  if (!qr_qube_get_included (self->qube))
    subtitle = g_strdup (_("Not in this backup: it was left out when the backup was made"));
  else if (!qr_qube_get_present (self->qube))
    subtitle = g_strdup (_("Not in this backup: its data is missing from the file"));
  else if (self->restored)
    subtitle = g_strdup (_("Already restored into the destination folder below"));
  else
    subtitle = describe_qube (self);

  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), subtitle);
  /* GTK 4.8 passes the subtitle on only as a relation, which screen
   * readers may not follow; the check box says it itself. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, subtitle,
                                  -1);
  gtk_widget_set_sensitive (GTK_WIDGET (self), qr_qube_row_get_selectable (self));

  if (!qr_qube_row_get_selectable (self))
    gtk_check_button_set_active (self->check, FALSE);
}

static void
check_active_cb (QrQubeRow *self)
{
  gtk_accessible_update_state (GTK_ACCESSIBLE (self),
                               GTK_ACCESSIBLE_STATE_CHECKED,
                               gtk_check_button_get_active (self->check),
                               -1);
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

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), qr_qube_get_name (self->qube));
  qr_swatch_set_color (self->swatch, qr_qube_get_label_color (self->qube));
  update_row (self);
  check_active_cb (self);
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

  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_CHECKBOX);

  g_type_ensure (QR_TYPE_SWATCH);
}

static void
qr_qube_row_init (QrQubeRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* @estimate is about what restoring the qube writes, or 0 if unknown. */
GtkWidget *
qr_qube_row_new (QrQube  *qube,
                 guint64  estimate)
{
  QrQubeRow *self;

  g_return_val_if_fail (QR_IS_QUBE (qube), NULL);

  self = g_object_new (QR_TYPE_QUBE_ROW,
                       "qube", qube,
                       NULL);
  self->estimate = estimate;
  update_row (self);

  return GTK_WIDGET (self);
}

QrQube *
qr_qube_row_get_qube (QrQubeRow *self)
{
  g_return_val_if_fail (QR_IS_QUBE_ROW (self), NULL);

  return self->qube;
}

guint64
qr_qube_row_get_estimate (QrQubeRow *self)
{
  g_return_val_if_fail (QR_IS_QUBE_ROW (self), 0);

  return self->estimate;
}

/* Whether the qube's data is in the backup, so it can be restored. */
gboolean
qr_qube_row_get_available (QrQubeRow *self)
{
  g_return_val_if_fail (QR_IS_QUBE_ROW (self), FALSE);

  return qr_qube_get_included (self->qube) && qr_qube_get_present (self->qube);
}

gboolean
qr_qube_row_get_restored (QrQubeRow *self)
{
  g_return_val_if_fail (QR_IS_QUBE_ROW (self), FALSE);

  return self->restored;
}

/* A qube already restored into the destination is kept as it is, so it
 * cannot be chosen again there. */
void
qr_qube_row_set_restored (QrQubeRow *self,
                          gboolean   restored)
{
  g_return_if_fail (QR_IS_QUBE_ROW (self));

  restored = !!restored;
  if (self->restored == restored)
    return;

  self->restored = restored;
  update_row (self);
}

gboolean
qr_qube_row_get_selectable (QrQubeRow *self)
{
  g_return_val_if_fail (QR_IS_QUBE_ROW (self), FALSE);

  return qr_qube_row_get_available (self) && !self->restored;
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

  selected = !!selected && qr_qube_row_get_selectable (self);

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

/* Whether a qube of this kind holds the user's own files, and so is
 * chosen unless the user says otherwise. Templates hold programs that a
 * new Qubes installation brings anyway, and a disposable qube forgets
 * everything when it stops. A kind this program does not know is chosen,
 * since it may hold anything. */
gboolean
qr_qube_row_holds_user_files (QrQube *qube)
{
  const char *klass;

  g_return_val_if_fail (QR_IS_QUBE (qube), FALSE);

  klass = qr_qube_get_klass (qube);

  return qr_qube_is_dom0 (qube) ||
         (g_strcmp0 (klass, "TemplateVM") != 0 && g_strcmp0 (klass, "DispVM") != 0);
}
