/* qr-mount-files.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "qr-image.h"

G_BEGIN_DECLS

GFile    *qr_mount_files_find_image        (GFile                *qube_folder,
                                            const char * const   *restored_files);
char     *qr_mount_files_dup_folder        (const char * const   *mount_points);
gboolean  qr_mount_files_check_access      (const char           *path,
                                            GError              **error);
gboolean  qr_mount_files_check_image_access (QrImage             *image,
                                            const char           *files_path,
                                            guint                 uid,
                                            GError              **error);
gboolean  qr_mount_files_range_is_blank    (int                   fd,
                                            guint64               offset,
                                            guint64               size);

QrImage  *qr_mount_files_open_image        (const char           *path,
                                            char                **files_path,
                                            GError              **error);
void      qr_mount_files_open_image_async  (GFile                *image,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
QrImage  *qr_mount_files_open_image_finish (GAsyncResult         *result,
                                            char                **files_path,
                                            GError              **error);

G_END_DECLS
