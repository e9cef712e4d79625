/* qr-image-entry.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "qr-image.h"
#include "qr-image-entry.h"

/* One file or folder of a disk image in the file browser: what the image
 * says of it, its path there, and whether the user chose it. */
struct _QrImageEntry
{
  GObject    parent_instance;

  GFileInfo *info;
  char      *path;
  gboolean   checked;
};

G_DEFINE_FINAL_TYPE (QrImageEntry, qr_image_entry, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CHECKED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
qr_image_entry_finalize (GObject *object)
{
  QrImageEntry *self = QR_IMAGE_ENTRY (object);

  g_clear_object (&self->info);
  g_free (self->path);

  G_OBJECT_CLASS (qr_image_entry_parent_class)->finalize (object);
}

static void
qr_image_entry_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  QrImageEntry *self = QR_IMAGE_ENTRY (object);

  switch (prop_id)
    {
    case PROP_CHECKED:
      g_value_set_boolean (value, self->checked);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qr_image_entry_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  QrImageEntry *self = QR_IMAGE_ENTRY (object);

  switch (prop_id)
    {
    case PROP_CHECKED:
      qr_image_entry_set_checked (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qr_image_entry_class_init (QrImageEntryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qr_image_entry_finalize;
  object_class->get_property = qr_image_entry_get_property;
  object_class->set_property = qr_image_entry_set_property;

  properties[PROP_CHECKED] =
    g_param_spec_boolean ("checked", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
qr_image_entry_init (QrImageEntry *self)
{
}

QrImageEntry *
qr_image_entry_new (GFileInfo  *info,
                    const char *path)
{
  QrImageEntry *self;

  g_return_val_if_fail (G_IS_FILE_INFO (info), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (QR_TYPE_IMAGE_ENTRY, NULL);
  self->info = g_object_ref (info);
  self->path = g_strdup (path);

  return self;
}

GFileInfo *
qr_image_entry_get_info (QrImageEntry *self)
{
  g_return_val_if_fail (QR_IS_IMAGE_ENTRY (self), NULL);

  return self->info;
}

/* Where it is in the image, from its root. */
const char *
qr_image_entry_get_path (QrImageEntry *self)
{
  g_return_val_if_fail (QR_IS_IMAGE_ENTRY (self), NULL);

  return self->path;
}

gboolean
qr_image_entry_is_folder (QrImageEntry *self)
{
  g_return_val_if_fail (QR_IS_IMAGE_ENTRY (self), FALSE);

  return g_file_info_get_file_type (self->info) == G_FILE_TYPE_DIRECTORY &&
         !g_file_info_has_attribute (self->info, QR_IMAGE_ATTRIBUTE_ERROR);
}

/* Damaged: it cannot be read at all, or some of its data was lost with
 * the damaged part of a backup (of a folder, some of its names). */
gboolean
qr_image_entry_is_damaged (QrImageEntry *self)
{
  g_return_val_if_fail (QR_IS_IMAGE_ENTRY (self), FALSE);

  return g_file_info_has_attribute (self->info, QR_IMAGE_ATTRIBUTE_ERROR) ||
         g_file_info_get_attribute_boolean (self->info, QR_IMAGE_ATTRIBUTE_DAMAGED);
}

gboolean
qr_image_entry_get_checked (QrImageEntry *self)
{
  g_return_val_if_fail (QR_IS_IMAGE_ENTRY (self), FALSE);

  return self->checked;
}

void
qr_image_entry_set_checked (QrImageEntry *self,
                            gboolean      checked)
{
  g_return_if_fail (QR_IS_IMAGE_ENTRY (self));

  checked = !!checked;
  if (self->checked == checked)
    return;

  self->checked = checked;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHECKED]);
}

/* Of a damaged folder, that names in it were lost; of a file, how much
 * of it was. */
static char *
dup_damage (QrImageEntry *self)
{
  g_autofree char *missing = NULL;
  g_autofree char *size = NULL;

  if (g_file_info_get_file_type (self->info) == G_FILE_TYPE_DIRECTORY)
    return g_strdup (_("Damaged folder · some names in it were lost"));

  missing = g_format_size (g_file_info_get_attribute_uint64 (self->info,
                                                             QR_IMAGE_ATTRIBUTE_MISSING));
  size = g_format_size (g_file_info_get_size (self->info));
  /* Translators: a damaged file's details, like "Damaged · 65.5 kB of 2.1 MB lost" */
  return g_strdup_printf (_("Damaged · %s of %s lost"), missing, size);
}

/* What the browser shows under the name: size and date, or why it is
 * damaged. */
char *
qr_image_entry_dup_details (QrImageEntry *self)
{
  const char *problem;
  g_autoptr(GDateTime) mtime = NULL;
  g_autofree char *date = NULL;
  g_autofree char *size = NULL;

  g_return_val_if_fail (QR_IS_IMAGE_ENTRY (self), NULL);

  problem = g_file_info_get_attribute_string (self->info, QR_IMAGE_ATTRIBUTE_ERROR);
  if (problem != NULL)
    return g_strdup (_("Damaged: it cannot be copied"));

  if (qr_image_entry_is_damaged (self))
    return dup_damage (self);

  mtime = g_date_time_new_from_unix_local (g_file_info_get_attribute_uint64 (self->info,
                                                                             G_FILE_ATTRIBUTE_TIME_MODIFIED));
  date = mtime != NULL ? g_date_time_format (mtime, "%x") : g_strdup ("");

  switch (g_file_info_get_file_type (self->info))
    {
    case G_FILE_TYPE_DIRECTORY:
      /* Translators: a folder's details, with its date, like "Folder · 01/12/2026" */
      return g_strdup_printf (_("Folder · %s"), date);

    case G_FILE_TYPE_SYMBOLIC_LINK:
      /* Translators: a link's details, with its date */
      return g_strdup_printf (_("Link · %s"), date);

    case G_FILE_TYPE_REGULAR:
      size = g_format_size (g_file_info_get_size (self->info));
      /* Translators: a file's size and date, like "12.3 kB · 01/12/2026" */
      return g_strdup_printf (_("%s · %s"), size, date);

    case G_FILE_TYPE_SPECIAL:
    case G_FILE_TYPE_UNKNOWN:
    case G_FILE_TYPE_SHORTCUT:
    case G_FILE_TYPE_MOUNTABLE:
    default:
      return g_strdup (_("Not a file: it is left out"));
    }
}

/* What a screen reader says of the entry: its name, and that it is
 * damaged when it is. */
char *
qr_image_entry_dup_accessible_name (QrImageEntry *self)
{
  const char *name;

  g_return_val_if_fail (QR_IS_IMAGE_ENTRY (self), NULL);

  name = g_file_info_get_display_name (self->info);
  if (!qr_image_entry_is_damaged (self))
    return g_strdup (name);

  /* Translators: how a screen reader names a damaged file, as in "holiday.jpg, damaged" */
  return g_strdup_printf (_("%s, damaged"), name);
}
