/* qr-restore-file.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "qr-restore-file.h"

struct _QrRestoreFile
{
  GObject             parent_instance;

  char               *name;
  QrRestoreFileState  state;
  char               *reason;
  guint64             size;
  guint64             recovered;
  GArray             *missing;
  guint               n_parts;
  guint               n_good_parts;
};

G_DEFINE_FINAL_TYPE (QrRestoreFile, qr_restore_file, G_TYPE_OBJECT)

static void
qr_restore_file_finalize (GObject *object)
{
  QrRestoreFile *self = (QrRestoreFile *) object;

  g_free (self->name);
  g_free (self->reason);
  g_array_unref (self->missing);

  G_OBJECT_CLASS (qr_restore_file_parent_class)->finalize (object);
}

static void
qr_restore_file_class_init (QrRestoreFileClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = qr_restore_file_finalize;
}

static void
qr_restore_file_init (QrRestoreFile *self)
{
  self->missing = g_array_new (FALSE, FALSE, sizeof (QrRestoreRange));
}

/* @name: the file's path inside the qube's folder */
QrRestoreFile *
qr_restore_file_new (const char *name)
{
  QrRestoreFile *self;

  g_return_val_if_fail (name != NULL, NULL);

  self = g_object_new (QR_TYPE_RESTORE_FILE, NULL);
  self->name = g_strdup (name);
  return self;
}

const char *
qr_restore_file_get_name (QrRestoreFile *self)
{
  g_return_val_if_fail (QR_IS_RESTORE_FILE (self), NULL);

  return self->name;
}

QrRestoreFileState
qr_restore_file_get_state (QrRestoreFile *self)
{
  g_return_val_if_fail (QR_IS_RESTORE_FILE (self), QR_RESTORE_FILE_MISSING);

  return self->state;
}

/* The file's full size, holes included; 0 when it was not recovered. */
guint64
qr_restore_file_get_size (QrRestoreFile *self)
{
  g_return_val_if_fail (QR_IS_RESTORE_FILE (self), 0);

  return self->size;
}

/* The bytes of data written, verified; holes are not data. */
guint64
qr_restore_file_get_recovered (QrRestoreFile *self)
{
  g_return_val_if_fail (QR_IS_RESTORE_FILE (self), 0);

  return self->recovered;
}

/* The bytes of data that could not be recovered. */
guint64
qr_restore_file_get_missing (QrRestoreFile *self)
{
  guint64 total = 0;

  g_return_val_if_fail (QR_IS_RESTORE_FILE (self), 0);

  for (guint i = 0; i < self->missing->len; i++)
    total += g_array_index (self->missing, QrRestoreRange, i).length;

  return total;
}

/**
 * qr_restore_file_get_missing_ranges:
 *
 * Returns: (element-type QrRestoreRange): the stretches of the file whose
 *   data was lost, in order; they read as zeros
 */
const GArray *
qr_restore_file_get_missing_ranges (QrRestoreFile *self)
{
  g_return_val_if_fail (QR_IS_RESTORE_FILE (self), NULL);

  return self->missing;
}

guint
qr_restore_file_get_n_parts (QrRestoreFile *self)
{
  g_return_val_if_fail (QR_IS_RESTORE_FILE (self), 0);

  return self->n_parts;
}

guint
qr_restore_file_get_n_good_parts (QrRestoreFile *self)
{
  g_return_val_if_fail (QR_IS_RESTORE_FILE (self), 0);

  return self->n_good_parts;
}

/* Why the file is not complete, in plain words; NULL when it is. */
const char *
qr_restore_file_get_reason (QrRestoreFile *self)
{
  g_return_val_if_fail (QR_IS_RESTORE_FILE (self), NULL);

  return self->reason;
}

void
qr_restore_file_set_state (QrRestoreFile      *self,
                           QrRestoreFileState  state,
                           const char         *reason)
{
  g_return_if_fail (QR_IS_RESTORE_FILE (self));

  self->state = state;
  g_free (self->reason);
  self->reason = g_strdup (reason);
}

void
qr_restore_file_set_size (QrRestoreFile *self,
                          guint64        size)
{
  g_return_if_fail (QR_IS_RESTORE_FILE (self));

  self->size = size;
}

void
qr_restore_file_add_recovered (QrRestoreFile *self,
                               guint64        bytes)
{
  g_return_if_fail (QR_IS_RESTORE_FILE (self));

  self->recovered += bytes;
}

/* Adds a lost stretch, joining it to the previous one when they touch. */
void
qr_restore_file_add_missing (QrRestoreFile *self,
                             guint64        offset,
                             guint64        length)
{
  QrRestoreRange range = { offset, length };

  g_return_if_fail (QR_IS_RESTORE_FILE (self));

  if (length == 0)
    return;

  if (self->missing->len > 0)
    {
      QrRestoreRange *last = &g_array_index (self->missing, QrRestoreRange,
                                             self->missing->len - 1);

      if (last->offset + last->length == offset)
        {
          last->length += length;
          return;
        }
    }

  g_array_append_val (self->missing, range);
}

void
qr_restore_file_set_parts (QrRestoreFile *self,
                           guint          n_parts,
                           guint          n_good_parts)
{
  g_return_if_fail (QR_IS_RESTORE_FILE (self));

  self->n_parts = n_parts;
  self->n_good_parts = n_good_parts;
}
