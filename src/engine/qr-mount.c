/* qr-mount.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "qr-error.h"
#include "qr-mount-files.h"
#include "qr-mount-private.h"
#include "qr-partition.h"
#include "qr-udisks.h"

/* Mounting a restored disk image through udisks: LoopSetup with our own
 * file descriptor, read-only; a wait for udev and udisks to probe the
 * device and its partitions; Filesystem.Mount on each filesystem. A
 * partitioned image the kernel does not split up is mapped partition by
 * partition. Whatever a mount that fails attached is detached again
 * (qr-mount-teardown.c). */

/* udev probes a new loop device and its partitions after LoopSetup has
 * returned; on a busy desktop that can take a few seconds. */
#define PROBE_TIMEOUT_SECONDS 10

/* After AlreadyMounted, the MountPoints change may still be on its way. */
#define MOUNT_POINTS_TIMEOUT_SECONDS 5

static void mount_next (GTask        *task);
static void mount_cb   (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data);

static gboolean
has_filesystem (QrMountOp  *op,
                const char *path)
{
  g_autoptr(UDisksFilesystem) filesystem = qr_udisks_get_filesystem (op->manager, path);

  return filesystem != NULL;
}

/* Mounting */

static gboolean
mount_points_known (GTask *task)
{
  QrMountOp *op = g_task_get_task_data (task);
  g_auto(GStrv) mount_points = qr_udisks_dup_mount_points (op->manager, g_ptr_array_index (op->filesystems, 0));

  return mount_points[0] != NULL;
}

static void
take_mount_points (QrMountOp *op)
{
  g_autofree char *path = g_ptr_array_steal_index (op->filesystems, 0);
  g_auto(GStrv) mount_points = qr_udisks_dup_mount_points (op->manager, path);

  for (guint i = 0; mount_points[i] != NULL; i++)
    g_ptr_array_add (op->mount_points, g_strdup (mount_points[i]));

  op->tried_noload = FALSE;
  g_clear_error (&op->first_mount_error);
}

static void
already_mounted_then (GTask    *task,
                      gboolean  timed_out)
{
  QrMountOp *op = g_task_get_task_data (task);
  g_autofree char *device = NULL;

  if (_qr_mount_fail_if_cancelled (task))
    return;

  if (!mount_points_known (task))
    {
      device = qr_udisks_dup_device_name (op->manager, g_ptr_array_index (op->filesystems, 0));
      _qr_mount_fail (task, g_error_new (QR_ERROR, QR_ERROR_FAILED,
                               _("%s is mounted, but udisks does not say where. "
                                 "Eject the image and open it again."), device));
      return;
    }

  take_mount_points (op);
  mount_next (task);
}

/* ext3 and ext4 refuse a read-only device while their journal needs
 * recovery, which is the usual state of an image copied from a running
 * qube; noload mounts the last committed state without replaying it. */
static gboolean
may_retry_noload (QrMountOp    *op,
                  const GError *error)
{
  g_autoptr(UDisksBlock) block = NULL;
  const char *type;

  if (op->tried_noload || (op->flags & QR_MOUNT_FLAGS_READ_WRITE) != 0)
    return FALSE;

  if (!qr_udisks_remote_error_is (error, QR_UDISKS_ERROR "Failed"))
    return FALSE;

  block = qr_udisks_get_block (op->manager, g_ptr_array_index (op->filesystems, 0));
  type = block != NULL ? udisks_block_get_id_type (block) : NULL;

  return g_strcmp0 (type, "ext3") == 0 || g_strcmp0 (type, "ext4") == 0;
}

static void
mount_filesystem (GTask *task)
{
  QrMountOp *op = g_task_get_task_data (task);
  g_autoptr(UDisksFilesystem) filesystem = NULL;
  const char *options;

  if ((op->flags & QR_MOUNT_FLAGS_READ_WRITE) != 0)
    options = "rw";
  else if (op->tried_noload)
    options = "ro,noload";
  else
    options = "ro";

  filesystem = qr_udisks_get_filesystem (op->manager, g_ptr_array_index (op->filesystems, 0));
  if (filesystem == NULL)
    {
      _qr_mount_fail (task, qr_udisks_no_filesystem_error (op->display_name));
      return;
    }

  qr_udisks_wait_for_user (filesystem);
  udisks_filesystem_call_mount (filesystem,
                                qr_udisks_options (op->flags, "options",
                                                   g_variant_new_string (options)),
                                g_task_get_cancellable (task), mount_cb, g_object_ref (task));
}

static void
mount_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  QrMountOp *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *device = NULL;
  g_autofree char *what = NULL;
  g_autofree char *mount_point = NULL;

  if (udisks_filesystem_call_mount_finish (UDISKS_FILESYSTEM (source), &mount_point, result,
                                           &error))
    {
      g_free (g_ptr_array_steal_index (op->filesystems, 0));
      g_ptr_array_add (op->mount_points, g_steal_pointer (&mount_point));
      op->tried_noload = FALSE;
      g_clear_error (&op->first_mount_error);
      mount_next (task);
      return;
    }

  /* The desktop (gvfs) automounts loop devices its user attached. */
  if (qr_udisks_remote_error_is (error, QR_UDISKS_ERROR "AlreadyMounted"))
    {
      _qr_mount_wait_until (task, mount_points_known, MOUNT_POINTS_TIMEOUT_SECONDS,
                  already_mounted_then);
      return;
    }

  if (may_retry_noload (op, error))
    {
      g_debug ("Mounting without journal replay after: %s", error->message);
      op->tried_noload = TRUE;
      op->first_mount_error = g_steal_pointer (&error);
      mount_filesystem (task);
      return;
    }

  device = qr_udisks_dup_device_name (op->manager, g_ptr_array_index (op->filesystems, 0));
  what = g_strdup_printf (_("Could not mount %s of “%s”"), device, op->display_name);
  _qr_mount_fail (task, qr_udisks_translate_error (op->first_mount_error ? op->first_mount_error : error,
                                                   op->flags, op->display_name, what));
}

static void
mount_next (GTask *task)
{
  QrMountOp *op = g_task_get_task_data (task);
  g_auto(GStrv) mount_points = NULL;

  if (_qr_mount_fail_if_cancelled (task))
    return;

  if (op->filesystems->len == 0)
    {
      g_ptr_array_add (op->mount_points, NULL);
      g_task_return_pointer (task,
                             g_ptr_array_steal (op->mount_points, NULL),
                             (GDestroyNotify) g_strfreev);
      return;
    }

  mount_points = qr_udisks_dup_mount_points (op->manager, g_ptr_array_index (op->filesystems, 0));
  if (mount_points[0] != NULL)
    {
      take_mount_points (op);
      mount_next (task);
      return;
    }

  mount_filesystem (task);
}

static gboolean
probe_done (GTask *task)
{
  QrMountOp *op = g_task_get_task_data (task);
  g_autoptr(UDisksBlock) block = qr_udisks_get_block (op->manager, op->loop_path);
  const char *usage = block != NULL ? udisks_block_get_id_usage (block) : NULL;
  g_autoptr(GPtrArray) partitions = NULL;
  int expected;

  if (block == NULL)
    return FALSE;

  if (has_filesystem (op, op->loop_path))
    return TRUE;

  if (qr_udisks_has_partition_table (op->manager, op->loop_path))
    {
      partitions = qr_udisks_find_partitions (op->manager, op->loop_path);
      expected = qr_udisks_count_kernel_partitions (op->manager, op->loop_path);

      return expected >= 0 ? (int) partitions->len >= expected : partitions->len > 0;
    }

  /* Something udisks recognised but cannot mount: no use waiting. */
  return usage != NULL && *usage != '\0' && !g_str_equal (usage, "filesystem");
}

/* The partitions of the image that hold data, for kernels that cannot
 * read partition tables themselves (some virtual machine kernels leave the
 * partition parsers out) or not this one (a disk of 4 KiB sectors). */
static GArray *
read_slices (QrMountOp *op)
{
  g_autoptr(GArray) partitions = NULL;
  g_autoptr(GError) error = NULL;
  GArray *slices = g_array_new (FALSE, FALSE, sizeof (QrPartition));

  partitions = qr_partition_read_table (op->image_fd, &error);
  if (partitions == NULL)
    {
      g_debug ("No partitions read from %s: %s", op->display_name, error->message);
      return slices;
    }

  for (guint i = 0; i < partitions->len; i++)
    {
      QrPartition *partition = &g_array_index (partitions, QrPartition, i);

      if (!qr_mount_files_range_is_blank (op->image_fd, partition->offset, partition->size))
        g_array_append_val (slices, *partition);
    }

  return slices;
}

static void loop_setup (GTask               *task,
                        const QrPartition   *slice,
                        GAsyncReadyCallback  callback);
static void slice_attached_cb (GObject      *source,
                               GAsyncResult *result,
                               gpointer      user_data);

static void
attach_next_slice (GTask *task)
{
  QrMountOp *op = g_task_get_task_data (task);
  QrPartition slice;

  if (_qr_mount_fail_if_cancelled (task))
    return;

  if (op->slices->len == 0)
    {
      if (op->filesystems->len == 0)
        _qr_mount_fail (task, qr_udisks_no_filesystem_error (op->display_name));
      else
        mount_next (task);
      return;
    }

  slice = g_array_index (op->slices, QrPartition, 0);
  g_array_remove_index (op->slices, 0);
  loop_setup (task, &slice, slice_attached_cb);
}

static void
slice_probed_then (GTask    *task,
                   gboolean  timed_out)
{
  QrMountOp *op = g_task_get_task_data (task);
  g_autoptr(GPtrArray) filesystems = NULL;

  if (_qr_mount_fail_if_cancelled (task))
    return;

  filesystems = qr_udisks_find_filesystems (op->manager, op->loop_path);
  if (filesystems->len == 0)
    {
      g_debug ("Nothing to mount on %s", op->loop_path);
      _qr_mount_queue_detach_attached (op, op->loop_path);
      _qr_mount_run_calls (task, attach_next_slice);
      return;
    }

  g_ptr_array_extend_and_steal (op->filesystems, g_steal_pointer (&filesystems));
  attach_next_slice (task);
}

static void
image_probed_then (GTask    *task,
                   gboolean  timed_out)
{
  QrMountOp *op = g_task_get_task_data (task);

  if (_qr_mount_fail_if_cancelled (task))
    return;

  if (timed_out)
    g_debug ("udisks did not finish probing %s in time", op->loop_path);

  /* A partition table the kernel did not split up: map each partition as a
   * loop device of its own instead of the whole image. */
  if (!has_filesystem (op, op->loop_path) &&
      qr_udisks_count_kernel_partitions (op->manager, op->loop_path) == 0)
    {
      op->slices = read_slices (op);
      if (op->slices->len > 0)
        {
          g_debug ("The kernel shows no partitions on %s; mapping them one by one",
                   op->loop_path);
          _qr_mount_queue_detach_attached (op, op->loop_path);
          _qr_mount_run_calls (task, attach_next_slice);
          return;
        }
    }

  op->filesystems = qr_udisks_find_filesystems (op->manager, op->loop_path);
  if (op->filesystems->len == 0)
    {
      _qr_mount_fail (task, qr_udisks_unmountable_error (op->manager, op->loop_path, op->display_name));
      return;
    }

  mount_next (task);
}

static gboolean
take_loop_path (GTask         *task,
                GObject       *source,
                GAsyncResult  *result)
{
  QrMountOp *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *what = NULL;
  g_autofree char *loop_path = NULL;

  if (!udisks_manager_call_loop_setup_finish (UDISKS_MANAGER (source), &loop_path, NULL, result,
                                              &error))
    {
      what = g_strdup_printf (_("Could not attach the image “%s”"), op->display_name);
      _qr_mount_fail (task, qr_udisks_translate_error (error, op->flags, op->display_name, what));
      return FALSE;
    }

  g_free (op->loop_path);
  op->loop_path = g_steal_pointer (&loop_path);
  g_ptr_array_add (op->attached, g_strdup (op->loop_path));
  g_debug ("Attached %s as %s", op->backing_path, op->loop_path);

  return TRUE;
}

static void
slice_attached_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  if (take_loop_path (task, source, result))
    _qr_mount_wait_until (task, probe_done, PROBE_TIMEOUT_SECONDS, slice_probed_then);
}

static void
image_attached_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  if (take_loop_path (task, source, result))
    _qr_mount_wait_until (task, probe_done, PROBE_TIMEOUT_SECONDS, image_probed_then);
}

/* Attaches the image, or with @slice one range of it. */
static void
loop_setup (GTask               *task,
            const QrPartition   *slice,
            GAsyncReadyCallback  callback)
{
  QrMountOp *op = g_task_get_task_data (task);
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(GUnixFDList) fd_list = g_unix_fd_list_new ();
  g_autoptr(UDisksManager) manager = qr_udisks_get_manager (op->manager);
  g_autoptr(GError) error = NULL;

  if (manager == NULL)
    {
      _qr_mount_fail (task, qr_udisks_unavailable_error ());
      return;
    }

  if (g_unix_fd_list_append (fd_list, op->image_fd, &error) < 0)
    {
      _qr_mount_fail (task, g_error_new (QR_ERROR, QR_ERROR_FAILED,
                               _("Could not attach the image “%s”: %s"),
                               op->display_name, error->message));
      return;
    }

  g_variant_builder_add (&builder, "{sv}", "read-only",
                         g_variant_new_boolean ((op->flags & QR_MOUNT_FLAGS_READ_WRITE) == 0));
  if ((op->flags & QR_MOUNT_FLAGS_NO_USER_INTERACTION) != 0)
    g_variant_builder_add (&builder, "{sv}", "auth.no_user_interaction",
                           g_variant_new_boolean (TRUE));
  if (slice != NULL)
    {
      g_variant_builder_add (&builder, "{sv}", "offset", g_variant_new_uint64 (slice->offset));
      g_variant_builder_add (&builder, "{sv}", "size", g_variant_new_uint64 (slice->size));
      g_variant_builder_add (&builder, "{sv}", "no-part-scan", g_variant_new_boolean (TRUE));
    }

  qr_udisks_wait_for_user (manager);
  udisks_manager_call_loop_setup (manager, g_variant_new_handle (0),
                                  g_variant_builder_end (&builder), fd_list,
                                  g_task_get_cancellable (task), callback, g_object_ref (task));
}

static void
attach_image (GTask *task)
{
  loop_setup (task, NULL, image_attached_cb);
}

static void
settled_then_attach (GTask    *task,
                     gboolean  timed_out)
{
  if (!_qr_mount_fail_if_cancelled (task))
    attach_image (task);
}

static void
settle_then_attach (GTask *task)
{
  _qr_mount_wait_until (task, _qr_mount_no_loops_left, QR_MOUNT_SETTLE_TIMEOUT_SECONDS, settled_then_attach);
}

/* Every mount point of the filesystems on @loops. */
static void
collect_mount_points (QrMountOp *op,
                      GPtrArray *loops)
{
  for (guint i = 0; i < loops->len; i++)
    {
      g_autoptr(GPtrArray) objects = qr_udisks_find_block_objects (op->manager, g_ptr_array_index (loops, i));

      for (guint j = 0; j < objects->len; j++)
        {
          g_auto(GStrv) mount_points = qr_udisks_dup_mount_points (op->manager, g_ptr_array_index (objects, j));

          for (guint k = 0; mount_points[k] != NULL; k++)
            g_ptr_array_add (op->mount_points, g_strdup (mount_points[k]));
        }
    }
}

static void
return_mount_points (GTask *task)
{
  QrMountOp *op = g_task_get_task_data (task);

  g_ptr_array_add (op->mount_points, NULL);
  g_task_return_pointer (task, g_ptr_array_steal (op->mount_points, NULL),
                         (GDestroyNotify) g_strfreev);
}

static void
mount_with_manager (GTask *task)
{
  QrMountOp *op = g_task_get_task_data (task);
  g_autoptr(GPtrArray) loops = qr_udisks_find_loops (op->manager, op->backing_path, TRUE);
  g_autoptr(UDisksBlock) block = NULL;

  op->filesystems = g_ptr_array_new_with_free_func (g_free);

  if (loops->len == 0)
    {
      attach_image (task);
      return;
    }

  /* Open already, perhaps from an earlier run: show it as it is, unless it
   * is read-only and writing was asked for. */
  collect_mount_points (op, loops);
  if (op->mount_points->len > 0)
    {
      block = qr_udisks_get_block (op->manager, g_ptr_array_index (loops, 0));
      if ((op->flags & QR_MOUNT_FLAGS_READ_WRITE) != 0 &&
          block != NULL && udisks_block_get_read_only (block))
        {
          g_task_return_new_error (task, QR_ERROR, QR_ERROR_BUSY,
                                   _("The image “%s” is already open read-only. "
                                     "Eject it first, then open it again for "
                                     "writing."), op->display_name);
          return;
        }

      return_mount_points (task);
      return;
    }

  /* Attached but not mounted: start again from a clean state. */
  for (guint i = 0; i < loops->len; i++)
    _qr_mount_queue_release_loop (op, g_ptr_array_index (loops, i));
  _qr_mount_run_calls (task, settle_then_attach);
}

static gboolean
open_image (QrMountOp *op,
            GError **error)
{
  gboolean read_only = (op->flags & QR_MOUNT_FLAGS_READ_WRITE) == 0;
  struct stat st;
  int fd;

  /* Opened here, so that our own permissions on the file count, not the
   * daemon's. */
  fd = g_open (op->backing_path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY, 0);
  if (fd < 0)
    {
      int errsv = errno;

      g_set_error (error, QR_ERROR, QR_ERROR_FAILED,
                   _("Could not open the image “%s”: %s."), op->display_name,
                   g_strerror (errsv));
      return FALSE;
    }

  op->image_fd = fd;

  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, QR_ERROR, QR_ERROR_FAILED,
                   _("“%s” is not a disk image file."), op->display_name);
      return FALSE;
    }

  if (qr_mount_files_range_is_blank (fd, 0, st.st_size))
    {
      g_set_error (error, QR_ERROR, QR_ERROR_NO_FILESYSTEM,
                   _("The image “%s” is empty, so it holds no files. The qube "
                     "may never have been started."), op->display_name);
      return FALSE;
    }

  return TRUE;
}

void
qr_mount_image_async (GFile               *image,
                      QrMountFlags         flags,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (G_IS_FILE (image));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = _qr_mount_start_op (image, flags, cancellable, callback, user_data, qr_mount_image_async);
  if (task == NULL)
    return;

  if (!open_image (g_task_get_task_data (task), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  _qr_mount_get_manager (task, mount_with_manager);
}

char **
qr_mount_image_finish (GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == qr_mount_image_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Finding */

static void
find_with_manager (GTask *task)
{
  QrMountOp *op = g_task_get_task_data (task);
  g_autoptr(GPtrArray) loops = qr_udisks_find_loops (op->manager, op->backing_path, TRUE);

  collect_mount_points (op, loops);
  return_mount_points (task);
}

void
qr_mount_find_async (GFile               *image,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (G_IS_FILE (image));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = _qr_mount_start_op (image, QR_MOUNT_FLAGS_NONE, cancellable, callback, user_data,
                   qr_mount_find_async);
  if (task == NULL)
    return;

  _qr_mount_get_manager (task, find_with_manager);
}

char **
qr_mount_find_finish (GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == qr_mount_find_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
