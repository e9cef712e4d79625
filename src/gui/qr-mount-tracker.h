/* qr-mount-tracker.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define QR_TYPE_MOUNT_TRACKER (qr_mount_tracker_get_type ())

G_DECLARE_FINAL_TYPE (QrMountTracker, qr_mount_tracker, QR, MOUNT_TRACKER, GObject)

/* Shows @uri to the user; gtk_show_uri() unless replaced. */
typedef void (*QrUriLauncher) (GtkWindow  *parent,
                               const char *uri,
                               gpointer    user_data);

QrMountTracker      *qr_mount_tracker_new                 (void);

void                 qr_mount_tracker_mount_async         (QrMountTracker       *self,
                                                           GFile                *image,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
char               **qr_mount_tracker_mount_finish        (QrMountTracker       *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);
void                 qr_mount_tracker_release_async       (QrMountTracker       *self,
                                                           GFile                *image,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
gboolean             qr_mount_tracker_release_finish      (QrMountTracker       *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);
void                 qr_mount_tracker_release_all_async   (QrMountTracker       *self,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
gboolean             qr_mount_tracker_release_all_finish  (QrMountTracker       *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);

const char * const  *qr_mount_tracker_get_mount_points    (QrMountTracker       *self,
                                                           GFile                *image);
gboolean             qr_mount_tracker_get_busy            (QrMountTracker       *self,
                                                           GFile                *image);
guint                qr_mount_tracker_get_n_mounted       (QrMountTracker       *self);

void                 qr_mount_tracker_set_launcher        (QrMountTracker       *self,
                                                           QrUriLauncher         launcher,
                                                           gpointer              user_data,
                                                           GDestroyNotify        destroy);
void                 qr_mount_tracker_launch              (QrMountTracker       *self,
                                                           GtkWindow            *parent,
                                                           const char           *uri);

G_END_DECLS
