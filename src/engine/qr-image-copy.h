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
  /* Of a partly recovered image, damaged (some of its data was lost), and
   * left out: damaged files are copied only when asked. */
  QR_IMAGE_COPY_NOTE_DAMAGED,
  /* Damaged, and copied as asked, under a name that says so; what was
   * lost of a file is a hole, reading as zeros. */
  QR_IMAGE_COPY_NOTE_COPIED_DAMAGED,
} QrImageCopyNoteKind;

/* What happened to one file that was not copied, or was copied damaged.
 * For the damaged ones, @missing of its @size bytes were lost (of a
 * folder, of its list of names), and a copy's name is @copied_as. */
typedef struct
{
  QrImageCopyNoteKind  kind;
  char                *path;
  GError              *error;
  guint64              missing;
  guint64              size;
  char                *copied_as;
} QrImageCopyNote;

QrImageCopy        *qr_image_copy_new              (QrImage              *image,
                                                    const char * const   *paths,
                                                    GFile                *destination);
void                qr_image_copy_set_copy_damaged (QrImageCopy          *self,
                                                    gboolean              copy_damaged);
gboolean            qr_image_copy_get_copy_damaged (QrImageCopy          *self);
char               *qr_image_copy_dup_damaged_name (const char           *name,
                                                    gboolean              is_folder);
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
