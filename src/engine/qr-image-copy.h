/* qr-image-copy.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "qr-image.h"

G_BEGIN_DECLS

#define QR_TYPE_IMAGE_COPY (qr_image_copy_get_type ())

G_DECLARE_FINAL_TYPE (QrImageCopy, qr_image_copy, QR, IMAGE_COPY, GObject)

typedef enum
{
  /* Left out on purpose: a device, a pipe or a socket. */
  QR_IMAGE_COPY_NOTE_SKIPPED,
  /* Could not be copied: damaged, a name the destination does not allow,
   * or a name already taken there. */
  QR_IMAGE_COPY_NOTE_FAILED,
} QrImageCopyNoteKind;

/* What happened to one file that was not copied. */
typedef struct
{
  QrImageCopyNoteKind  kind;
  char                *path;
  GError              *error;
} QrImageCopyNote;

QrImageCopy        *qr_image_copy_new              (QrImage              *image,
                                                    const char * const   *paths,
                                                    GFile                *destination);
void                qr_image_copy_run_async        (QrImageCopy          *self,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
gboolean            qr_image_copy_run_finish       (QrImageCopy          *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);

GFile              *qr_image_copy_get_destination  (QrImageCopy          *self);
guint64             qr_image_copy_get_bytes_done   (QrImageCopy          *self);
guint64             qr_image_copy_get_bytes_total  (QrImageCopy          *self);
guint               qr_image_copy_get_files_done   (QrImageCopy          *self);
guint               qr_image_copy_get_files_total  (QrImageCopy          *self);
double              qr_image_copy_get_fraction     (QrImageCopy          *self);
gint64              qr_image_copy_get_seconds_left (QrImageCopy          *self);
const char         *qr_image_copy_get_current_file (QrImageCopy          *self);
GPtrArray          *qr_image_copy_get_notes        (QrImageCopy          *self);
const char * const *qr_image_copy_get_copied       (QrImageCopy          *self);

G_END_DECLS
