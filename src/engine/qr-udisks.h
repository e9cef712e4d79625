/* qr-udisks.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "qr-mount.h"
#include "qr-udisks-generated.h"

G_BEGIN_DECLS

#define QR_UDISKS_ERROR "org.freedesktop.UDisks2.Error."

/* Errors */
GError      *qr_udisks_unavailable_error       (void);
GError      *qr_udisks_translate_error         (const GError        *error,
                                                QrMountFlags         flags,
                                                const char          *display_name,
                                                const char          *what);
gboolean     qr_udisks_remote_error_is         (const GError        *error,
                                                const char          *name);
GError      *qr_udisks_no_filesystem_error     (const char          *display_name);
GError      *qr_udisks_unmountable_error       (GDBusObjectManager  *manager,
                                                const char          *loop_path,
                                                const char          *display_name);

/* Calls */
GVariant    *qr_udisks_options                 (QrMountFlags         flags,
                                                const char          *key,
                                                GVariant            *value);
void         qr_udisks_wait_for_user           (gpointer             proxy);
void         qr_udisks_manager_new_async       (GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
GDBusObjectManager *qr_udisks_manager_new_finish (GAsyncResult      *result,
                                                GError             **error);
UDisksManager *qr_udisks_get_manager           (GDBusObjectManager  *manager);

/* Lookups: interfaces of the object at a path, NULL when it has none. */
UDisksBlock       *qr_udisks_get_block         (GDBusObjectManager  *manager,
                                                const char          *path);
UDisksLoop        *qr_udisks_get_loop          (GDBusObjectManager  *manager,
                                                const char          *path);
UDisksFilesystem  *qr_udisks_get_filesystem    (GDBusObjectManager  *manager,
                                                const char          *path);
gboolean     qr_udisks_has_partition_table     (GDBusObjectManager  *manager,
                                                const char          *path);
char       **qr_udisks_dup_mount_points        (GDBusObjectManager  *manager,
                                                const char          *path);
char        *qr_udisks_dup_device_name         (GDBusObjectManager  *manager,
                                                const char          *path);
GPtrArray   *qr_udisks_find_loops              (GDBusObjectManager  *manager,
                                                const char          *backing_path,
                                                gboolean             check_kernel);
GPtrArray   *qr_udisks_find_partitions         (GDBusObjectManager  *manager,
                                                const char          *loop_path);
GPtrArray   *qr_udisks_find_block_objects      (GDBusObjectManager  *manager,
                                                const char          *loop_path);
GPtrArray   *qr_udisks_find_filesystems        (GDBusObjectManager  *manager,
                                                const char          *loop_path);
int          qr_udisks_count_kernel_partitions (GDBusObjectManager  *manager,
                                                const char          *loop_path);

G_END_DECLS
