/* qr-image.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define QR_TYPE_IMAGE (qr_image_get_type ())

G_DECLARE_FINAL_TYPE (QrImage, qr_image, QR, IMAGE, GObject)

/* Set on a GFileInfo that cannot be read: why, as a sentence. */
#define QR_IMAGE_ATTRIBUTE_ERROR "qr::error"

/* Set on every GFileInfo of a partly recovered image (see
 * qr_image_is_partial()): whether some of the file's own data lies where
 * the image was not recovered (a boolean), and how many of its bytes do
 * (a uint64). A folder's own data is its list of names, a link's its
 * target. */
#define QR_IMAGE_ATTRIBUTE_DAMAGED "qr::damaged"
#define QR_IMAGE_ATTRIBUTE_MISSING "qr::missing"

/* The root folder of every ext2/3/4 filesystem. */
#define QR_IMAGE_ROOT_INODE 2

/* A range of bytes of the image file. */
typedef struct
{
  guint64 offset;
  guint64 length;
} QrImageRange;

/* Where a piece of a file's data lies: @length bytes at @logical in the
 * file are stored at @physical in the image file. */
typedef struct
{
  guint64 logical;
  guint64 physical;
  guint64 length;
} QrImageExtent;

typedef struct _QrImageData QrImageData;

QrImage          *qr_image_open            (const char           *path,
                                            guint64               offset,
                                            guint64               size,
                                            GError              **error);
QrImage          *qr_image_open_partial    (const char           *path,
                                            guint64               offset,
                                            guint64               size,
                                            const QrImageRange   *lost,
                                            guint                 n_lost,
                                            GError              **error);
const char       *qr_image_get_path        (QrImage              *self);
guint64           qr_image_get_offset      (QrImage              *self);
gboolean          qr_image_is_partial      (QrImage              *self);
const QrImageRange *qr_image_get_lost_ranges (QrImage            *self,
                                            guint                *n_ranges);
guint64           qr_image_get_span        (QrImage              *self,
                                            guint64               offset,
                                            guint64               length,
                                            gboolean             *lost);

guint32           qr_image_lookup          (QrImage              *self,
                                            const char           *path,
                                            gboolean              follow_last,
                                            GError              **error);
GFileInfo        *qr_image_query_info      (QrImage              *self,
                                            guint32               inode,
                                            const char           *name,
                                            GError              **error);
GPtrArray        *qr_image_list            (QrImage              *self,
                                            guint32               inode,
                                            const char           *name,
                                            GCancellable         *cancellable,
                                            GError              **error);
void              qr_image_list_async      (QrImage              *self,
                                            const char           *path,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
GPtrArray        *qr_image_list_finish     (QrImage              *self,
                                            GAsyncResult         *result,
                                            GError              **error);
char             *qr_image_read_link       (QrImage              *self,
                                            guint32               inode,
                                            const char           *name,
                                            GError              **error);

QrImageData      *qr_image_read_data_map   (QrImage              *self,
                                            guint32               inode,
                                            const char           *name,
                                            GError              **error);
guint64           qr_image_data_get_size   (QrImageData          *data);
const QrImageExtent *qr_image_data_get_extents (QrImageData      *data,
                                            guint                *n_extents);
gssize            qr_image_data_read       (QrImage              *self,
                                            QrImageData          *data,
                                            guint64               offset,
                                            void                 *buffer,
                                            gsize                 count,
                                            GError              **error);
gboolean          qr_image_data_is_within  (QrImageData          *data,
                                            const QrImageRange   *ranges,
                                            guint                 n_ranges,
                                            guint64              *missing_bytes);
void              qr_image_data_free       (QrImageData          *data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrImageData, qr_image_data_free)

G_END_DECLS
