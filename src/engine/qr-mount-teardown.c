/* qr-mount-teardown.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qr-mount-private.h"
#include "qr-udisks.h"

/* Letting go of loop devices: unmount each filesystem, then detach, one
 * call after the other from a queue, in the order GNOME Disks uses. A
 * release (qr_mount_release_async(), here too) runs it; so does a mount
 * that went wrong, for whatever it attached itself, and then it carries
 * on past errors to the end. */

typedef enum
{
  CALL_SET_AUTOCLEAR_OFF,
  CALL_UNMOUNT,
  CALL_DELETE,
} CallKind;

typedef struct
{
  CallKind  kind;
  char     *object_path;
  char     *device;
} Call;

static void
call_free (Call *call)
{
  g_free (call->object_path);
  g_free (call->device);
  g_free (call);
}

void
_qr_mount_op_clear_calls (QrMountOp *op)
{
  g_queue_clear_full (&op->calls, (GDestroyNotify) call_free);
}

static void
queue_call (QrMountOp  *op,
            CallKind    kind,
            const char *object_path)
{
  Call *call = g_new0 (Call, 1);

  call->kind = kind;
  call->object_path = g_strdup (object_path);
  call->device = qr_udisks_dup_device_name (op->manager, object_path);
  g_queue_push_tail (&op->calls, call);
}

/* Autoclear off first, or the kernel would drop the device under us once
 * its last filesystem is unmounted. */
void
_qr_mount_queue_release_loop (QrMountOp  *op,
                              const char *loop_path)
{
  g_autoptr(UDisksLoop) loop = qr_udisks_get_loop (op->manager, loop_path);
  g_autoptr(GPtrArray) objects = qr_udisks_find_block_objects (op->manager, loop_path);

  if (loop != NULL && udisks_loop_get_autoclear (loop))
    queue_call (op, CALL_SET_AUTOCLEAR_OFF, loop_path);

  for (guint i = objects->len; i > 0; i--)
    {
      const char *path = g_ptr_array_index (objects, i - 1);
      g_auto(GStrv) mount_points = qr_udisks_dup_mount_points (op->manager, path);

      if (mount_points[0] != NULL)
        queue_call (op, CALL_UNMOUNT, path);
    }

  queue_call (op, CALL_DELETE, loop_path);
}

/* Forgets @loop_path as ours and detaches it. */
void
_qr_mount_queue_detach_attached (QrMountOp  *op,
                                 const char *loop_path)
{
  g_autofree char *path = g_strdup (loop_path);
  guint index;

  if (g_ptr_array_find_with_equal_func (op->attached, path, g_str_equal, &index))
    g_ptr_array_remove_index (op->attached, index);
  _qr_mount_queue_release_loop (op, path);
}

/* Ends a release, or a mount that went wrong. */
static void
calls_done (GTask *task)
{
  QrMountOp *op = g_task_get_task_data (task);

  if (op->error != NULL)
    g_task_return_error (task, g_steal_pointer (&op->error));
  else
    g_task_return_boolean (task, TRUE);
}

/* Gives up with @error, after detaching whatever this call attached. */
void
_qr_mount_fail (GTask  *task,
                GError *error)
{
  QrMountOp *op = g_task_get_task_data (task);

  g_assert (op->error == NULL);
  op->error = error;
  _qr_mount_op_clear_calls (op);

  for (guint i = 0; i < op->attached->len; i++)
    {
      g_debug ("Detaching %s again after: %s",
               (char *) g_ptr_array_index (op->attached, i), error->message);
      _qr_mount_queue_release_loop (op, g_ptr_array_index (op->attached, i));
    }

  _qr_mount_run_calls (task, calls_done);
}

gboolean
_qr_mount_fail_if_cancelled (GTask *task)
{
  if (!g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    return FALSE;

  _qr_mount_fail (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                             _("Operation was cancelled")));
  return TRUE;
}

static char *
describe_call (Call *call)
{
  if (call->kind == CALL_UNMOUNT)
    return g_strdup_printf (_("Could not unmount %s"), call->device);

  return g_strdup_printf (_("Could not detach %s"), call->device);
}

static gboolean
finish_call (Call          *call,
             GObject       *source,
             GAsyncResult  *result,
             GError       **error)
{
  switch (call->kind)
    {
    case CALL_SET_AUTOCLEAR_OFF:
      return udisks_loop_call_set_autoclear_finish (UDISKS_LOOP (source), result, error);

    case CALL_UNMOUNT:
      return udisks_filesystem_call_unmount_finish (UDISKS_FILESYSTEM (source), result, error);

    case CALL_DELETE:
    default:
      return udisks_loop_call_delete_finish (UDISKS_LOOP (source), result, error);
    }
}

static void
call_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  QrMountOp *op = g_task_get_task_data (task);
  Call *call = g_queue_pop_head (&op->calls);
  g_autoptr(GError) error = NULL;
  g_autofree char *what = describe_call (call);
  gboolean ok = finish_call (call, source, result, &error);

  call_free (call);

  if (!ok &&
      !qr_udisks_remote_error_is (error, QR_UDISKS_ERROR "NotMounted") &&
      !qr_udisks_remote_error_is (error, "org.freedesktop.DBus.Error.UnknownObject"))
    {
      g_autoptr(GError) translated = qr_udisks_translate_error (error, op->flags,
                                                                op->display_name, what);

      /* Cleaning up after a failure carries on regardless. */
      if (op->error == NULL)
        {
          _qr_mount_fail (task, g_steal_pointer (&translated));
          return;
        }

      g_debug ("%s", translated->message);
    }

  _qr_mount_run_calls (task, op->calls_then);
}

/* Starts @call; FALSE when its object is gone already, which is as good
 * as done. */
static gboolean
start_call (GTask        *task,
            Call         *call,
            GCancellable *cancellable)
{
  QrMountOp *op = g_task_get_task_data (task);
  g_autoptr(GVariant) options = g_variant_ref_sink (qr_udisks_options (op->flags, NULL, NULL));
  g_autoptr(UDisksLoop) loop = NULL;
  g_autoptr(UDisksFilesystem) filesystem = NULL;

  if (call->kind == CALL_UNMOUNT)
    {
      filesystem = qr_udisks_get_filesystem (op->manager, call->object_path);
      if (filesystem == NULL)
        return FALSE;

      qr_udisks_wait_for_user (filesystem);
      udisks_filesystem_call_unmount (filesystem, options, cancellable, call_cb,
                                      g_object_ref (task));
      return TRUE;
    }

  loop = qr_udisks_get_loop (op->manager, call->object_path);
  if (loop == NULL)
    return FALSE;

  qr_udisks_wait_for_user (loop);
  if (call->kind == CALL_SET_AUTOCLEAR_OFF)
    udisks_loop_call_set_autoclear (loop, FALSE, options, cancellable, call_cb,
                                    g_object_ref (task));
  else
    udisks_loop_call_delete (loop, options, cancellable, call_cb, g_object_ref (task));

  return TRUE;
}

/* Makes the queued calls one after the other, then calls @then. Teardown
 * after a failure passes no cancellable, so that it runs to the end. */
void
_qr_mount_run_calls (GTask           *task,
                     QrMountTaskFunc  then)
{
  QrMountOp *op = g_task_get_task_data (task);
  GCancellable *cancellable = op->error != NULL ? NULL : g_task_get_cancellable (task);
  Call *call;

  op->calls_then = then;

  while ((call = g_queue_peek_head (&op->calls)) != NULL)
    {
      if (start_call (task, call, cancellable))
        return;

      g_debug ("%s is gone already", call->object_path);
      call_free (g_queue_pop_head (&op->calls));
    }

  then (task);
}

/* Releasing */

static void
release_settled_then (GTask    *task,
                      gboolean  timed_out)
{
  if (timed_out)
    g_debug ("udisks still shows loop devices of the released image");

  g_task_return_boolean (task, TRUE);
}

/* Returns once udisks shows the image detached, so that whoever asks next
 * (this process or another) does not find stale devices. */
static void
release_settle (GTask *task)
{
  _qr_mount_wait_until (task, _qr_mount_no_loops_left, QR_MOUNT_SETTLE_TIMEOUT_SECONDS, release_settled_then);
}

static void
release_with_manager (GTask *task)
{
  QrMountOp *op = g_task_get_task_data (task);
  g_autoptr(GPtrArray) loops = qr_udisks_find_loops (op->manager, op->backing_path, TRUE);

  for (guint i = 0; i < loops->len; i++)
    _qr_mount_queue_release_loop (op, g_ptr_array_index (loops, i));

  _qr_mount_run_calls (task, release_settle);
}

void
qr_mount_release_async (GFile               *image,
                        QrMountFlags         flags,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (G_IS_FILE (image));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = _qr_mount_start_op (image, flags, cancellable, callback, user_data, qr_mount_release_async);
  if (task == NULL)
    return;

  _qr_mount_get_manager (task, release_with_manager);
}

gboolean
qr_mount_release_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == qr_mount_release_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
