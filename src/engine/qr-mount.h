/* qr-mount.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  QR_MOUNT_FLAGS_NONE                = 0,
  /* Attach and mount writable. Recovery never needs it; only on request. */
  QR_MOUNT_FLAGS_READ_WRITE          = 1 << 0,
  /* Fail with QR_ERROR_NOT_AUTHORIZED rather than have polkit ask for a
   * password: for a command line without a terminal. */
  QR_MOUNT_FLAGS_NO_USER_INTERACTION = 1 << 1,
} QrMountFlags;

/* Attaches @image (a local file) through udisks as a loop device and mounts
 * every filesystem on it: the image itself for a private.img, each
 * partition that carries one for a partitioned root.img. An image already
 * mounted (by an earlier run, or by the desktop) is shown as it is. The
 * result is a NULL-terminated array of mount points, never empty. On
 * failure, whatever this call attached is detached again. */
void       qr_mount_image_async        (GFile                *image,
                                        QrMountFlags          flags,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
char     **qr_mount_image_finish       (GAsyncResult         *result,
                                        GError              **error);

/* Unmounts every filesystem of every loop device backed by @image and
 * detaches those devices, whoever attached them. Nothing attached is
 * success. Only QR_MOUNT_FLAGS_NO_USER_INTERACTION is used. */
void       qr_mount_release_async      (GFile                *image,
                                        QrMountFlags          flags,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
gboolean   qr_mount_release_finish     (GAsyncResult         *result,
                                        GError              **error);

/* The current mount points of @image's filesystems, as a NULL-terminated
 * array that is empty when the image is not mounted. */
void       qr_mount_find_async         (GFile                *image,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
char     **qr_mount_find_finish        (GAsyncResult         *result,
                                        GError              **error);

G_END_DECLS
