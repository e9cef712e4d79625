/* qr-restore-item.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "qr-enums.h"
#include "qr-restore-item.h"

struct _QrRestoreItem
{
  GObject         parent_instance;

  QrQube         *qube;
  GFile          *location;
  GError         *error;
  GPtrArray      *files;
  GPtrArray      *notes;
  GListStore     *reports;
  guint64         size;
  QrRestoreState  state;
};

G_DEFINE_FINAL_TYPE (QrRestoreItem, qr_restore_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_QUBE,
  PROP_STATE,
  PROP_ERROR,
  PROP_LOCATION,
  PROP_SIZE,
  PROP_FILES,
  PROP_NOTES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
qr_restore_item_finalize (GObject *object)
{
  QrRestoreItem *self = (QrRestoreItem *) object;

  g_clear_object (&self->qube);
  g_clear_object (&self->location);
  g_clear_error (&self->error);
  g_clear_pointer (&self->files, g_ptr_array_unref);
  g_clear_pointer (&self->notes, g_ptr_array_unref);
  g_clear_object (&self->reports);

  G_OBJECT_CLASS (qr_restore_item_parent_class)->finalize (object);
}

static void
qr_restore_item_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  QrRestoreItem *self = QR_RESTORE_ITEM (object);

  switch (prop_id)
    {
    case PROP_QUBE:
      g_value_set_object (value, self->qube);
      break;

    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;

    case PROP_LOCATION:
      g_value_set_object (value, self->location);
      break;

    case PROP_SIZE:
      g_value_set_uint64 (value, self->size);
      break;

    case PROP_FILES:
      g_value_take_boxed (value, qr_restore_item_dup_files (self));
      break;

    case PROP_NOTES:
      g_value_take_boxed (value, qr_restore_item_dup_notes (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qr_restore_item_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  QrRestoreItem *self = QR_RESTORE_ITEM (object);

  switch (prop_id)
    {
    case PROP_QUBE:
      self->qube = g_value_dup_object (value);
      break;

    case PROP_STATE:
      qr_restore_item_set_state (self, g_value_get_enum (value));
      break;

    case PROP_ERROR:
      qr_restore_item_set_error (self, g_value_get_boxed (value));
      break;

    case PROP_LOCATION:
      qr_restore_item_set_location (self, g_value_get_object (value));
      break;

    case PROP_SIZE:
      qr_restore_item_set_size (self, g_value_get_uint64 (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qr_restore_item_class_init (QrRestoreItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qr_restore_item_finalize;
  object_class->get_property = qr_restore_item_get_property;
  object_class->set_property = qr_restore_item_set_property;

  properties[PROP_QUBE] =
    g_param_spec_object ("qube", NULL, NULL,
                         QR_TYPE_QUBE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       QR_TYPE_RESTORE_STATE, QR_RESTORE_STATE_WAITING,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL,
                        G_TYPE_ERROR,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_LOCATION] =
    g_param_spec_object ("location", NULL, NULL,
                         G_TYPE_FILE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_SIZE] =
    g_param_spec_uint64 ("size", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_FILES] =
    g_param_spec_boxed ("files", NULL, NULL,
                        G_TYPE_STRV,
                        (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * QrRestoreItem:notes:
   *
   * What was restored differently from the backup (a hard link as a copy)
   * or left out (a device file), one sentence each.
   */
  properties[PROP_NOTES] =
    g_param_spec_boxed ("notes", NULL, NULL,
                        G_TYPE_STRV,
                        (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
qr_restore_item_init (QrRestoreItem *self)
{
  self->files = g_ptr_array_new_with_free_func (g_free);
  self->notes = g_ptr_array_new_with_free_func (g_free);
  self->reports = g_list_store_new (QR_TYPE_RESTORE_FILE);
}

QrRestoreItem *
qr_restore_item_new (QrQube *qube)
{
  g_return_val_if_fail (QR_IS_QUBE (qube), NULL);

  return g_object_new (QR_TYPE_RESTORE_ITEM, "qube", qube, NULL);
}

QrQube *
qr_restore_item_get_qube (QrRestoreItem *self)
{
  g_return_val_if_fail (QR_IS_RESTORE_ITEM (self), NULL);

  return self->qube;
}

QrRestoreState
qr_restore_item_get_state (QrRestoreItem *self)
{
  g_return_val_if_fail (QR_IS_RESTORE_ITEM (self), QR_RESTORE_STATE_WAITING);

  return self->state;
}

void
qr_restore_item_set_state (QrRestoreItem  *self,
                           QrRestoreState  state)
{
  g_return_if_fail (QR_IS_RESTORE_ITEM (self));

  if (self->state == state)
    return;

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

const GError *
qr_restore_item_get_error (QrRestoreItem *self)
{
  g_return_val_if_fail (QR_IS_RESTORE_ITEM (self), NULL);

  return self->error;
}

void
qr_restore_item_set_error (QrRestoreItem *self,
                           const GError  *error)
{
  g_return_if_fail (QR_IS_RESTORE_ITEM (self));

  if (self->error == error)
    return;

  g_clear_error (&self->error);
  if (error != NULL)
    self->error = g_error_copy (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

GFile *
qr_restore_item_get_location (QrRestoreItem *self)
{
  g_return_val_if_fail (QR_IS_RESTORE_ITEM (self), NULL);

  return self->location;
}

void
qr_restore_item_set_location (QrRestoreItem *self,
                              GFile         *location)
{
  g_return_if_fail (QR_IS_RESTORE_ITEM (self));
  g_return_if_fail (!location || G_IS_FILE (location));

  if (g_set_object (&self->location, location))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOCATION]);
}

guint64
qr_restore_item_get_size (QrRestoreItem *self)
{
  g_return_val_if_fail (QR_IS_RESTORE_ITEM (self), 0);

  return self->size;
}

void
qr_restore_item_set_size (QrRestoreItem *self,
                          guint64        size)
{
  g_return_if_fail (QR_IS_RESTORE_ITEM (self));

  if (self->size == size)
    return;

  self->size = size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIZE]);
}

GStrv
qr_restore_item_dup_files (QrRestoreItem *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (QR_IS_RESTORE_ITEM (self), NULL);

  for (guint i = 0; i < self->files->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (self->files, i));

  return g_strv_builder_end (builder);
}

void
qr_restore_item_add_file (QrRestoreItem *self,
                          const char    *relative_path)
{
  g_return_if_fail (QR_IS_RESTORE_ITEM (self));
  g_return_if_fail (relative_path != NULL);

  g_ptr_array_add (self->files, g_strdup (relative_path));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILES]);
}

GStrv
qr_restore_item_dup_notes (QrRestoreItem *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (QR_IS_RESTORE_ITEM (self), NULL);

  for (guint i = 0; i < self->notes->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (self->notes, i));

  return g_strv_builder_end (builder);
}

void
qr_restore_item_add_note (QrRestoreItem *self,
                          const char    *note)
{
  g_return_if_fail (QR_IS_RESTORE_ITEM (self));
  g_return_if_fail (note != NULL);

  g_ptr_array_add (self->notes, g_strdup (note));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NOTES]);
}

/**
 * qr_restore_item_get_reports:
 *
 * How each file of a salvaged qube came back: complete, partly or not at
 * all. Empty for a qube restored whole.
 *
 * Returns: (transfer none): a list of #QrRestoreFile
 */
GListModel *
qr_restore_item_get_reports (QrRestoreItem *self)
{
  g_return_val_if_fail (QR_IS_RESTORE_ITEM (self), NULL);

  return G_LIST_MODEL (self->reports);
}

void
qr_restore_item_add_report (QrRestoreItem *self,
                            QrRestoreFile *report)
{
  g_return_if_fail (QR_IS_RESTORE_ITEM (self));
  g_return_if_fail (QR_IS_RESTORE_FILE (report));

  g_list_store_append (self->reports, report);
}
