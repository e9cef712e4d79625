/* qr-mount-private.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "qr-mount.h"
#include "qr-udisks-wait.h"

G_BEGIN_DECLS

typedef void (*QrMountTaskFunc) (GTask *task);

/* One mount, release or find, as the data of its GTask. All of it lives
 * on the main context that started the operation. */
typedef struct
{
  QrMountFlags         flags;
  char                *display_name;
  char                *backing_path;
  int                  image_fd;

  GDBusObjectManager  *manager;
  QrMountTaskFunc      with_manager;
  QrUdisksWaiter      *waiter;

  /* Mounting: the loop device being probed, those this call attached,
   * partitions still to map one by one (QrPartition), and filesystems
   * still to mount. */
  char                *loop_path;
  GPtrArray           *attached;
  GArray              *slices;
  GPtrArray           *filesystems;
  GPtrArray           *mount_points;
  gboolean             tried_noload;
  GError              *first_mount_error;

  /* Teardown, of a release or after a failed mount: queued calls. */
  GQueue               calls;
  QrMountTaskFunc      calls_then;
  GError              *error;
} QrMountOp;

GTask   *_qr_mount_start_op              (GFile               *image,
                                          QrMountFlags         flags,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data,
                                          gpointer             source_tag);
void     _qr_mount_get_manager           (GTask           *task,
                                          QrMountTaskFunc  with_manager);
void     _qr_mount_wait_until            (GTask             *task,
                                          QrUdisksCheckFunc  check,
                                          guint              timeout_seconds,
                                          QrUdisksThenFunc   then);
gboolean _qr_mount_no_loops_left         (GTask           *task);

void     _qr_mount_op_clear_calls        (QrMountOp       *op);
void     _qr_mount_queue_release_loop    (QrMountOp       *op,
                                          const char      *loop_path);
void     _qr_mount_queue_detach_attached (QrMountOp       *op,
                                          const char      *loop_path);
void     _qr_mount_run_calls             (GTask           *task,
                                          QrMountTaskFunc  then);
void     _qr_mount_fail                  (GTask           *task,
                                          GError          *error);
gboolean _qr_mount_fail_if_cancelled     (GTask           *task);

/* After a detach, until udisks has processed the uevents. */
#define QR_MOUNT_SETTLE_TIMEOUT_SECONDS 5

G_END_DECLS
