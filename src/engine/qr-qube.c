/* qr-qube.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "qr-qube.h"

struct _QrQube
{
  GObject parent_instance;

  /* What qubes.xml says about the qube */
  char *name;
  guint qid;
  char *klass;
  char *label;
  char *label_color;
  char *template_name;

  /* Where its files sit in the backup */
  char *backup_path;
  guint64 backup_size;
  /* The volumes the backup tool saves (save_on_stop), so the images the
   * backup must hold: "private", "root" */
  GStrv saved_volumes;
  guint included : 1;
  guint present : 1;
};

G_DEFINE_FINAL_TYPE (QrQube, qr_qube, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_QID,
  PROP_KLASS,
  PROP_LABEL,
  PROP_LABEL_COLOR,
  PROP_TEMPLATE,
  PROP_BACKUP_PATH,
  PROP_BACKUP_SIZE,
  PROP_INCLUDED,
  PROP_PRESENT,
  PROP_IS_DOM0,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Replaces a string field and notifies only when the value really changed. */
static void
set_string (QrQube      *self,
            char       **field,
            const char  *value,
            int          prop_id)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
qr_qube_finalize (GObject *object)
{
  QrQube *self = (QrQube *)object;

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->klass, g_free);
  g_clear_pointer (&self->label, g_free);
  g_clear_pointer (&self->label_color, g_free);
  g_clear_pointer (&self->template_name, g_free);
  g_clear_pointer (&self->backup_path, g_free);
  g_clear_pointer (&self->saved_volumes, g_strfreev);

  G_OBJECT_CLASS (qr_qube_parent_class)->finalize (object);
}

static void
qr_qube_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  QrQube *self = QR_QUBE (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_QID:
      g_value_set_uint (value, self->qid);
      break;

    case PROP_KLASS:
      g_value_set_string (value, self->klass);
      break;

    case PROP_LABEL:
      g_value_set_string (value, self->label);
      break;

    case PROP_LABEL_COLOR:
      g_value_set_string (value, self->label_color);
      break;

    case PROP_TEMPLATE:
      g_value_set_string (value, self->template_name);
      break;

    case PROP_BACKUP_PATH:
      g_value_set_string (value, self->backup_path);
      break;

    case PROP_BACKUP_SIZE:
      g_value_set_uint64 (value, self->backup_size);
      break;

    case PROP_INCLUDED:
      g_value_set_boolean (value, self->included);
      break;

    case PROP_PRESENT:
      g_value_set_boolean (value, self->present);
      break;

    case PROP_IS_DOM0:
      g_value_set_boolean (value, qr_qube_is_dom0 (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qr_qube_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  QrQube *self = QR_QUBE (object);

  switch (prop_id)
    {
    case PROP_NAME:
      self->name = g_value_dup_string (value);
      break;

    case PROP_QID:
      qr_qube_set_qid (self, g_value_get_uint (value));
      break;

    case PROP_KLASS:
      qr_qube_set_klass (self, g_value_get_string (value));
      break;

    case PROP_LABEL:
      qr_qube_set_label (self, g_value_get_string (value));
      break;

    case PROP_LABEL_COLOR:
      qr_qube_set_label_color (self, g_value_get_string (value));
      break;

    case PROP_TEMPLATE:
      qr_qube_set_template (self, g_value_get_string (value));
      break;

    case PROP_BACKUP_PATH:
      qr_qube_set_backup_path (self, g_value_get_string (value));
      break;

    case PROP_BACKUP_SIZE:
      qr_qube_set_backup_size (self, g_value_get_uint64 (value));
      break;

    case PROP_INCLUDED:
      qr_qube_set_included (self, g_value_get_boolean (value));
      break;

    case PROP_PRESENT:
      qr_qube_set_present (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qr_qube_class_init (QrQubeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qr_qube_finalize;
  object_class->get_property = qr_qube_get_property;
  object_class->set_property = qr_qube_set_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_QID] =
    g_param_spec_uint ("qid", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_KLASS] =
    g_param_spec_string ("klass", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_LABEL] =
    g_param_spec_string ("label", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_LABEL_COLOR] =
    g_param_spec_string ("label-color", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_TEMPLATE] =
    g_param_spec_string ("template", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_BACKUP_PATH] =
    g_param_spec_string ("backup-path", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_BACKUP_SIZE] =
    g_param_spec_uint64 ("backup-size", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_INCLUDED] =
    g_param_spec_boolean ("included", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_PRESENT] =
    g_param_spec_boolean ("present", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_IS_DOM0] =
    g_param_spec_boolean ("is-dom0", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
qr_qube_init (QrQube *self)
{
}

QrQube *
qr_qube_new (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  return g_object_new (QR_TYPE_QUBE,
                       "name", name,
                       NULL);
}

const char *
qr_qube_get_name (QrQube *self)
{
  g_return_val_if_fail (QR_IS_QUBE (self), NULL);

  return self->name;
}

guint
qr_qube_get_qid (QrQube *self)
{
  g_return_val_if_fail (QR_IS_QUBE (self), 0);

  return self->qid;
}

void
qr_qube_set_qid (QrQube *self,
                 guint   qid)
{
  g_return_if_fail (QR_IS_QUBE (self));

  if (self->qid == qid)
    return;

  self->qid = qid;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QID]);
}

const char *
qr_qube_get_klass (QrQube *self)
{
  g_return_val_if_fail (QR_IS_QUBE (self), NULL);

  return self->klass;
}

void
qr_qube_set_klass (QrQube     *self,
                   const char *klass)
{
  gboolean was_dom0;

  g_return_if_fail (QR_IS_QUBE (self));

  if (g_strcmp0 (self->klass, klass) == 0)
    return;

  was_dom0 = qr_qube_is_dom0 (self);

  g_object_freeze_notify (G_OBJECT (self));
  set_string (self, &self->klass, klass, PROP_KLASS);
  if (was_dom0 != qr_qube_is_dom0 (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_DOM0]);
  g_object_thaw_notify (G_OBJECT (self));
}

const char *
qr_qube_get_label (QrQube *self)
{
  g_return_val_if_fail (QR_IS_QUBE (self), NULL);

  return self->label;
}

void
qr_qube_set_label (QrQube     *self,
                   const char *label)
{
  g_return_if_fail (QR_IS_QUBE (self));

  set_string (self, &self->label, label, PROP_LABEL);
}

const char *
qr_qube_get_label_color (QrQube *self)
{
  g_return_val_if_fail (QR_IS_QUBE (self), NULL);

  return self->label_color;
}

void
qr_qube_set_label_color (QrQube     *self,
                         const char *label_color)
{
  g_return_if_fail (QR_IS_QUBE (self));

  set_string (self, &self->label_color, label_color, PROP_LABEL_COLOR);
}

const char *
qr_qube_get_template (QrQube *self)
{
  g_return_val_if_fail (QR_IS_QUBE (self), NULL);

  return self->template_name;
}

void
qr_qube_set_template (QrQube     *self,
                      const char *template_name)
{
  g_return_if_fail (QR_IS_QUBE (self));

  set_string (self, &self->template_name, template_name, PROP_TEMPLATE);
}

const char *
qr_qube_get_backup_path (QrQube *self)
{
  g_return_val_if_fail (QR_IS_QUBE (self), NULL);

  return self->backup_path;
}

void
qr_qube_set_backup_path (QrQube     *self,
                         const char *backup_path)
{
  g_return_if_fail (QR_IS_QUBE (self));

  set_string (self, &self->backup_path, backup_path, PROP_BACKUP_PATH);
}

guint64
qr_qube_get_backup_size (QrQube *self)
{
  g_return_val_if_fail (QR_IS_QUBE (self), 0);

  return self->backup_size;
}

void
qr_qube_set_backup_size (QrQube  *self,
                         guint64  backup_size)
{
  g_return_if_fail (QR_IS_QUBE (self));

  if (self->backup_size == backup_size)
    return;

  self->backup_size = backup_size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BACKUP_SIZE]);
}

gboolean
qr_qube_get_included (QrQube *self)
{
  g_return_val_if_fail (QR_IS_QUBE (self), FALSE);

  return self->included;
}

void
qr_qube_set_included (QrQube   *self,
                      gboolean  included)
{
  g_return_if_fail (QR_IS_QUBE (self));

  included = !!included;
  if (self->included == included)
    return;

  self->included = included;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INCLUDED]);
}

gboolean
qr_qube_get_present (QrQube *self)
{
  g_return_val_if_fail (QR_IS_QUBE (self), FALSE);

  return self->present;
}

void
qr_qube_set_present (QrQube   *self,
                     gboolean  present)
{
  g_return_if_fail (QR_IS_QUBE (self));

  present = !!present;
  if (self->present == present)
    return;

  self->present = present;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRESENT]);
}

gboolean
qr_qube_is_dom0 (QrQube *self)
{
  g_return_val_if_fail (QR_IS_QUBE (self), FALSE);

  return g_strcmp0 (self->klass, "AdminVM") == 0
         || g_strcmp0 (self->name, QR_QUBE_DOM0_NAME) == 0;
}

/**
 * qr_qube_get_saved_volumes:
 *
 * The names of the qube's volumes that the backup tool saves, whose images
 * (`<name>.img`) the backup must therefore hold; empty when qubes.xml does
 * not say.
 */
const char * const *
qr_qube_get_saved_volumes (QrQube *self)
{
  static const char * const none[] = { NULL };

  g_return_val_if_fail (QR_IS_QUBE (self), NULL);

  return self->saved_volumes ? (const char * const *) self->saved_volumes : none;
}

void
qr_qube_set_saved_volumes (QrQube             *self,
                           const char * const *volumes)
{
  g_return_if_fail (QR_IS_QUBE (self));

  g_clear_pointer (&self->saved_volumes, g_strfreev);
  self->saved_volumes = g_strdupv ((char **) volumes);
}
