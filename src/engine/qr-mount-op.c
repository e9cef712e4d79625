/* qr-mount-op.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "qr-error.h"
#include "qr-mount-private.h"
#include "qr-udisks.h"

/* What mount, release and find share: the operation's state as its
 * task's data, the udisks object manager it works with, and waiting on
 * it. */

static void
op_free (QrMountOp *op)
{
  g_clear_pointer (&op->waiter, qr_udisks_waiter_free);
  g_free (op->display_name);
  g_free (op->backing_path);
  if (op->image_fd >= 0)
    close (op->image_fd);
  g_clear_object (&op->manager);
  g_free (op->loop_path);
  g_clear_pointer (&op->attached, g_ptr_array_unref);
  g_clear_pointer (&op->slices, g_array_unref);
  g_clear_pointer (&op->filesystems, g_ptr_array_unref);
  g_clear_pointer (&op->mount_points, g_ptr_array_unref);
  g_clear_error (&op->first_mount_error);
  _qr_mount_op_clear_calls (op);
  g_clear_error (&op->error);
  g_free (op);
}

/* Whether udisks has caught up with the image's loop devices going away. */
gboolean
_qr_mount_no_loops_left (GTask *task)
{
  QrMountOp *op = g_task_get_task_data (task);
  g_autoptr(GPtrArray) loops = qr_udisks_find_loops (op->manager, op->backing_path, FALSE);

  return loops->len == 0;
}

/* Waits on the operation's own waiter; see qr-udisks-wait.c. */
void
_qr_mount_wait_until (GTask             *task,
            QrUdisksCheckFunc  check,
            guint              timeout_seconds,
            QrUdisksThenFunc   then)
{
  QrMountOp *op = g_task_get_task_data (task);

  qr_udisks_wait_until (op->manager, task, &op->waiter, check, timeout_seconds, then);
}

/* Starting */

GTask *
_qr_mount_start_op (GFile               *image,
          QrMountFlags         flags,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data,
          gpointer             source_tag)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *path = g_file_get_path (image);
  g_autofree char *real = NULL;
  QrMountOp *op;

  g_task_set_source_tag (task, source_tag);

  op = g_new0 (QrMountOp, 1);
  op->flags = flags;
  op->display_name = g_file_get_basename (image);
  op->image_fd = -1;
  op->mount_points = g_ptr_array_new_with_free_func (g_free);
  op->attached = g_ptr_array_new_with_free_func (g_free);
  g_queue_init (&op->calls);
  g_task_set_task_data (task, op, (GDestroyNotify) op_free);

  if (path == NULL)
    {
      g_task_return_new_error (task, QR_ERROR, QR_ERROR_FAILED,
                               _("“%s” is not a file on this computer; only local "
                                 "image files can be opened."), op->display_name);
      return NULL;
    }

  /* The kernel, and so Loop.BackingFile, names the file by its real path. */
  real = realpath (path, NULL);
  op->backing_path = real != NULL ? g_strdup (real) : g_steal_pointer (&path);

  return g_steal_pointer (&task);
}

static void
manager_ready_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  QrMountOp *op = g_task_get_task_data (task);
  GError *error = NULL;

  op->manager = qr_udisks_manager_new_finish (result, &error);
  if (op->manager == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  op->with_manager (task);
}

void
_qr_mount_get_manager (GTask           *task,
             QrMountTaskFunc  with_manager)
{
  QrMountOp *op = g_task_get_task_data (task);

  op->with_manager = with_manager;
  qr_udisks_manager_new_async (g_task_get_cancellable (task), manager_ready_cb,
                               g_object_ref (task));
}
