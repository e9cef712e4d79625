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
#include "qr-mount.h"
#include "qr-partition.h"

#define UDISKS_NAME          "org.freedesktop.UDisks2"
#define UDISKS_PATH          "/org/freedesktop/UDisks2"
#define UDISKS_MANAGER_PATH  "/org/freedesktop/UDisks2/Manager"
#define UDISKS_ERROR         "org.freedesktop.UDisks2.Error."

#define IFACE_MANAGER         "org.freedesktop.UDisks2.Manager"
#define IFACE_BLOCK           "org.freedesktop.UDisks2.Block"
#define IFACE_LOOP            "org.freedesktop.UDisks2.Loop"
#define IFACE_FILESYSTEM      "org.freedesktop.UDisks2.Filesystem"
#define IFACE_PARTITION       "org.freedesktop.UDisks2.Partition"
#define IFACE_PARTITION_TABLE "org.freedesktop.UDisks2.PartitionTable"

/* udev probes a new loop device and its partitions after LoopSetup has
 * returned; on a busy desktop that can take a few seconds. */
#define PROBE_TIMEOUT_SECONDS 10

/* After AlreadyMounted, the MountPoints change may still be on its way. */
#define MOUNT_POINTS_TIMEOUT_SECONDS 5

/* After a detach, until udisks has processed the uevents. */
#define SETTLE_TIMEOUT_SECONDS 5

/* Mount and Unmount may wait for the user to type a password. */
#define CALL_TIMEOUT_MSEC G_MAXINT

typedef void     (*TaskFunc)  (GTask    *task);
typedef gboolean (*CheckFunc) (GTask    *task);
typedef void     (*ThenFunc)  (GTask    *task,
                               gboolean  timed_out);

/* A wait for udisks to show something, driven by the object manager's
 * signals, bounded by a timeout and by the task's cancellable. */
typedef struct
{
  GTask     *task;
  CheckFunc  check;
  ThenFunc   then;
  GSource   *timeout_source;
  GSource   *cancel_source;
  gulong     handler_ids[5];
} Waiter;

/* One queued D-Bus call of a teardown. */
typedef struct
{
  char     *object_path;
  char     *interface;
  char     *method;
  GVariant *parameters;
  char     *device;
} Call;

typedef struct
{
  QrMountFlags        flags;
  char               *display_name;
  char               *backing_path;
  int                 image_fd;

  GDBusObjectManager *manager;
  TaskFunc            with_manager;
  Waiter             *waiter;

  /* Mounting: the loop device being probed, those this call attached,
   * partitions still to map one by one, and filesystems still to mount. */
  char               *loop_path;
  GPtrArray          *attached;
  GArray             *slices;
  GPtrArray          *filesystems;
  GPtrArray          *mount_points;
  gboolean            tried_noload;
  GError             *first_mount_error;

  /* Teardown, of a release or after a failed mount. */
  GQueue              calls;
  TaskFunc            calls_then;
  GError             *error;
} Op;

static void mount_next (GTask        *task);
static void mount_cb   (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data);

static void
call_free (Call *call)
{
  g_free (call->object_path);
  g_free (call->interface);
  g_free (call->method);
  g_clear_pointer (&call->parameters, g_variant_unref);
  g_free (call->device);
  g_free (call);
}

static void waiter_free (Waiter *waiter);

static void
op_free (Op *op)
{
  g_clear_pointer (&op->waiter, waiter_free);
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
  g_queue_clear_full (&op->calls, (GDestroyNotify) call_free);
  g_clear_error (&op->error);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Op, op_free)

/* Errors */

static GError *
unavailable_error (void)
{
  return g_error_new_literal (QR_ERROR, QR_ERROR_UDISKS_UNAVAILABLE,
                              _("The disk service udisks is not installed or not "
                                "running, so the image cannot be mounted."));
}

static gboolean
is_unavailable_name (const char *name)
{
  static const char * const names[] = {
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.NameHasNoOwner",
    "org.freedesktop.DBus.Error.NoServer",
    "org.freedesktop.DBus.Error.Disconnected",
    "org.freedesktop.DBus.Error.NoReply",
    NULL
  };

  if (g_str_has_prefix (name, "org.freedesktop.DBus.Error.Spawn."))
    return TRUE;

  return g_strv_contains ((const char * const *) names, name);
}

/* Turns a udisks reply into one of our errors, without the remote error
 * name. @what says what we tried, for the errors we cannot put better. */
static GError *
translate_error (Op           *op,
                 const GError *error,
                 const char   *what)
{
  g_autofree char *remote = NULL;
  g_autofree char *message = NULL;
  g_autoptr(GError) stripped = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED))
    return unavailable_error ();

  remote = g_dbus_error_get_remote_error (error);
  stripped = g_error_copy (error);
  g_dbus_error_strip_remote_error (stripped);
  g_debug ("%s: %s (%s)", what, stripped->message, remote ? remote : "local");

  if (remote == NULL)
    return g_error_new (QR_ERROR, QR_ERROR_FAILED, "%s: %s", what, stripped->message);

  if (is_unavailable_name (remote))
    return unavailable_error ();

  /* A dismissed password dialog is the user saying no: nothing to show. */
  if (g_str_equal (remote, UDISKS_ERROR "NotAuthorizedDismissed"))
    return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                _("The password request was dismissed"));

  if (g_str_equal (remote, UDISKS_ERROR "NotAuthorizedCanObtain") &&
      (op->flags & QR_MOUNT_FLAGS_NO_USER_INTERACTION) != 0)
    return g_error_new_literal (QR_ERROR, QR_ERROR_NOT_AUTHORIZED,
                                _("Mounting disk images needs an administrator’s "
                                  "permission here, and no password can be asked "
                                  "for without a terminal."));

  if (g_str_has_prefix (remote, UDISKS_ERROR "NotAuthorized"))
    return g_error_new_literal (QR_ERROR, QR_ERROR_NOT_AUTHORIZED,
                                _("This computer does not allow you to open disk "
                                "images. Log in at the computer itself rather "
                                "than remotely, or ask its administrator for "
                                "permission."));

  if (g_str_equal (remote, UDISKS_ERROR "DeviceBusy"))
    return g_error_new (QR_ERROR, QR_ERROR_BUSY,
                        _("The image “%s” is still in use. Close the windows and "
                        "programs that show its files, then try again."),
                        op->display_name);

  message = g_strdup_printf ("%s: %s", what, stripped->message);

  return g_error_new_literal (QR_ERROR, QR_ERROR_FAILED, message);
}

static gboolean
remote_error_is (const GError *error,
                 const char   *name)
{
  g_autofree char *remote = g_dbus_error_get_remote_error (error);

  return remote != NULL && g_str_equal (remote, name);
}

/* Reading udisks objects */

static GDBusProxy *
get_iface (Op         *op,
           const char *object_path,
           const char *interface)
{
  return (GDBusProxy *) g_dbus_object_manager_get_interface (op->manager,
                                                             object_path,
                                                             interface);
}

static GVariant *
get_property (GDBusProxy         *proxy,
              const char         *name,
              const GVariantType *type)
{
  g_autoptr(GVariant) value = NULL;

  if (proxy == NULL)
    return NULL;

  value = g_dbus_proxy_get_cached_property (proxy, name);
  if (value == NULL || !g_variant_is_of_type (value, type))
    return NULL;

  return g_steal_pointer (&value);
}

static char *
dup_bytestring_property (GDBusProxy *proxy,
                         const char *name)
{
  g_autoptr(GVariant) value = get_property (proxy, name, G_VARIANT_TYPE_BYTESTRING);

  return value != NULL ? g_variant_dup_bytestring (value, NULL) : NULL;
}

static char *
dup_string_property (GDBusProxy *proxy,
                     const char *name)
{
  g_autoptr(GVariant) value = get_property (proxy, name, G_VARIANT_TYPE_STRING);

  return value != NULL ? g_variant_dup_string (value, NULL) : NULL;
}

static gboolean
get_boolean_property (GDBusProxy *proxy,
                      const char *name)
{
  g_autoptr(GVariant) value = get_property (proxy, name, G_VARIANT_TYPE_BOOLEAN);

  return value != NULL && g_variant_get_boolean (value);
}

static char **
dup_mount_points (Op         *op,
                  const char *object_path)
{
  g_autoptr(GDBusProxy) fs = get_iface (op, object_path, IFACE_FILESYSTEM);
  g_autoptr(GVariant) value = get_property (fs, "MountPoints",
                                            G_VARIANT_TYPE_BYTESTRING_ARRAY);

  if (value == NULL)
    return g_new0 (char *, 1);

  return g_variant_dup_bytestring_array (value, NULL);
}

/* A short name for messages, such as "loop0p3". */
static char *
dup_device_name (Op         *op,
                 const char *object_path)
{
  g_autoptr(GDBusProxy) block = get_iface (op, object_path, IFACE_BLOCK);
  g_autofree char *device = dup_bytestring_property (block, "Device");

  if (device == NULL || *device == '\0')
    return g_path_get_basename (object_path);

  return g_path_get_basename (device);
}

/* Whether the kernel still has @loop_path backed by our image. udisks
 * learns of a detach only from a later uevent, so its objects can show a
 * device that is gone; when sysfs cannot say, we trust udisks. */
static gboolean
kernel_agrees (Op         *op,
               const char *loop_path)
{
  g_autofree char *name = dup_device_name (op, loop_path);
  g_autofree char *sys_path = g_build_filename ("/sys/class/block", name, NULL);
  g_autofree char *backing_path = g_build_filename (sys_path, "loop", "backing_file", NULL);
  g_autofree char *backing = NULL;

  if (!g_file_test (sys_path, G_FILE_TEST_IS_DIR))
    return TRUE;

  if (!g_file_get_contents (backing_path, &backing, NULL, NULL))
    return FALSE;

  g_strchomp (backing);

  return g_str_equal (backing, op->backing_path);
}

/* The loop devices whose backing file is our image, as udisks shows them,
 * or with @check_kernel only those the kernel confirms. */
static GPtrArray *
find_loops (Op       *op,
            gboolean  check_kernel)
{
  g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects (op->manager);
  GPtrArray *loops = g_ptr_array_new_with_free_func (g_free);

  for (GList *l = objects; l != NULL; l = l->next)
    {
      const char *path = g_dbus_object_get_object_path (l->data);
      g_autoptr(GDBusProxy) loop = get_iface (op, path, IFACE_LOOP);
      g_autofree char *backing = dup_bytestring_property (loop, "BackingFile");

      if (backing == NULL || !g_str_equal (backing, op->backing_path))
        continue;

      if (check_kernel && !kernel_agrees (op, path))
        continue;

      g_ptr_array_add (loops, g_strdup (path));
    }

  return loops;
}

/* Whether udisks has caught up with the image's loop devices going away. */
static gboolean
no_loops_left (GTask *task)
{
  g_autoptr(GPtrArray) loops = find_loops (g_task_get_task_data (task), FALSE);

  return loops->len == 0;
}

static int
compare_partition_numbers (gconstpointer a,
                           gconstpointer b,
                           gpointer      user_data)
{
  Op *op = user_data;
  g_autoptr(GDBusProxy) pa = get_iface (op, *(const char **) a, IFACE_PARTITION);
  g_autoptr(GDBusProxy) pb = get_iface (op, *(const char **) b, IFACE_PARTITION);
  g_autoptr(GVariant) na = get_property (pa, "Number", G_VARIANT_TYPE_UINT32);
  g_autoptr(GVariant) nb = get_property (pb, "Number", G_VARIANT_TYPE_UINT32);
  guint32 number_a = na != NULL ? g_variant_get_uint32 (na) : 0;
  guint32 number_b = nb != NULL ? g_variant_get_uint32 (nb) : 0;

  return (number_a > number_b) - (number_a < number_b);
}

/* The partition objects of @loop_path, in partition order. */
static GPtrArray *
find_partitions (Op         *op,
                 const char *loop_path)
{
  g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects (op->manager);
  GPtrArray *partitions = g_ptr_array_new_with_free_func (g_free);

  for (GList *l = objects; l != NULL; l = l->next)
    {
      const char *path = g_dbus_object_get_object_path (l->data);
      g_autoptr(GDBusProxy) partition = get_iface (op, path, IFACE_PARTITION);
      g_autoptr(GVariant) table = get_property (partition, "Table",
                                                G_VARIANT_TYPE_OBJECT_PATH);

      if (table != NULL && g_str_equal (g_variant_get_string (table, NULL), loop_path))
        g_ptr_array_add (partitions, g_strdup (path));
    }

  g_ptr_array_sort_with_data (partitions, compare_partition_numbers, op);

  return partitions;
}

/* The loop device itself and its partitions. */
static GPtrArray *
find_block_objects (Op         *op,
                    const char *loop_path)
{
  GPtrArray *objects = find_partitions (op, loop_path);

  g_ptr_array_insert (objects, 0, g_strdup (loop_path));

  return objects;
}

static gboolean
has_iface (Op         *op,
           const char *object_path,
           const char *interface)
{
  g_autoptr(GDBusInterface) iface = g_dbus_object_manager_get_interface (op->manager,
                                                                         object_path,
                                                                         interface);

  return iface != NULL;
}

/* The filesystems to mount: the loop device's own, or those of its
 * partitions that udisks does not tell us to leave alone. */
static GPtrArray *
find_filesystems (Op *op)
{
  g_autoptr(GPtrArray) objects = find_block_objects (op, op->loop_path);
  GPtrArray *filesystems = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < objects->len; i++)
    {
      const char *path = g_ptr_array_index (objects, i);
      g_autoptr(GDBusProxy) block = get_iface (op, path, IFACE_BLOCK);

      if (!has_iface (op, path, IFACE_FILESYSTEM) ||
          get_boolean_property (block, "HintIgnore"))
        continue;

      g_ptr_array_add (filesystems, g_strdup (path));
    }

  return filesystems;
}

/* How many partitions the kernel found on the loop device, from sysfs, so
 * that we know when udisks has shown them all; -1 when sysfs can't say. */
static int
count_kernel_partitions (Op *op)
{
  g_autofree char *name = dup_device_name (op, op->loop_path);
  g_autofree char *sys_path = g_build_filename ("/sys/class/block", name, NULL);
  g_autoptr(GDir) dir = g_dir_open (sys_path, 0, NULL);
  const char *entry;
  int n = 0;

  if (dir == NULL)
    return -1;

  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *partition = NULL;

      if (!g_str_has_prefix (entry, name))
        continue;

      partition = g_build_filename (sys_path, entry, "partition", NULL);
      if (g_file_test (partition, G_FILE_TEST_EXISTS))
        n++;
    }

  return n;
}

/* Waiting for udisks */

static void
waiter_free (Waiter *waiter)
{
  GObject *manager = G_OBJECT (((Op *) g_task_get_task_data (waiter->task))->manager);

  for (guint i = 0; i < G_N_ELEMENTS (waiter->handler_ids); i++)
    g_clear_signal_handler (&waiter->handler_ids[i], manager);

  if (waiter->timeout_source != NULL)
    g_source_destroy (waiter->timeout_source);
  g_clear_pointer (&waiter->timeout_source, g_source_unref);
  if (waiter->cancel_source != NULL)
    g_source_destroy (waiter->cancel_source);
  g_clear_pointer (&waiter->cancel_source, g_source_unref);

  g_clear_object (&waiter->task);
  g_free (waiter);
}

static void
waiter_finish (Waiter   *waiter,
               gboolean  timed_out)
{
  g_autoptr(GTask) task = g_object_ref (waiter->task);
  Op *op = g_task_get_task_data (task);
  ThenFunc then = waiter->then;

  g_assert (op->waiter == waiter);
  g_clear_pointer (&op->waiter, waiter_free);

  then (task, timed_out);
}

static void
waiter_poke_cb (Waiter *waiter)
{
  if (waiter->check (waiter->task))
    waiter_finish (waiter, FALSE);
}

static gboolean
waiter_timeout_cb (gpointer user_data)
{
  waiter_finish (user_data, TRUE);

  return G_SOURCE_REMOVE;
}

static gboolean
waiter_cancelled_cb (GCancellable *cancellable,
                     gpointer      user_data)
{
  waiter_finish (user_data, FALSE);

  return G_SOURCE_REMOVE;
}

/* Calls @then once @check holds, re-checking on every change udisks
 * announces, or with @timed_out set after @timeout_seconds. */
static void
wait_until (GTask     *task,
            CheckFunc  check,
            guint      timeout_seconds,
            ThenFunc   then)
{
  static const char * const signals[] = {
    "object-added",
    "object-removed",
    "interface-added",
    "interface-removed",
    "interface-proxy-properties-changed",
  };
  Op *op = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  Waiter *waiter;

  g_assert (op->waiter == NULL);

  if (check (task) || g_cancellable_is_cancelled (cancellable))
    {
      then (task, FALSE);
      return;
    }

  waiter = g_new0 (Waiter, 1);
  waiter->task = g_object_ref (task);
  waiter->check = check;
  waiter->then = then;
  op->waiter = waiter;

  G_STATIC_ASSERT (G_N_ELEMENTS (signals) == G_N_ELEMENTS (waiter->handler_ids));
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    waiter->handler_ids[i] = g_signal_connect_swapped (op->manager, signals[i],
                                                       G_CALLBACK (waiter_poke_cb),
                                                       waiter);

  waiter->timeout_source = g_timeout_source_new_seconds (timeout_seconds);
  g_source_set_callback (waiter->timeout_source, waiter_timeout_cb, waiter, NULL);
  g_source_attach (waiter->timeout_source, g_task_get_context (task));

  if (cancellable != NULL)
    {
      waiter->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (waiter->cancel_source,
                             G_SOURCE_FUNC (waiter_cancelled_cb), waiter, NULL);
      g_source_attach (waiter->cancel_source, g_task_get_context (task));
    }
}

/* Calling udisks */

static GVariant *
build_options (Op         *op,
               const char *key,
               GVariant   *value)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  if ((op->flags & QR_MOUNT_FLAGS_NO_USER_INTERACTION) != 0)
    g_variant_builder_add (&builder, "{sv}", "auth.no_user_interaction",
                           g_variant_new_boolean (TRUE));
  if (key != NULL)
    g_variant_builder_add (&builder, "{sv}", key, value);

  return g_variant_builder_end (&builder);
}

static GDBusConnection *
get_connection (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  return g_dbus_object_manager_client_get_connection (G_DBUS_OBJECT_MANAGER_CLIENT (op->manager));
}

/* The task's reference goes to the call; @callback takes it back. Teardown
 * after a failure passes no cancellable, so that it runs to the end. */
static void
call_udisks (GTask               *task,
             const char          *object_path,
             const char          *interface,
             const char          *method,
             GVariant            *parameters,
             GUnixFDList         *fd_list,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback)
{
  g_dbus_connection_call_with_unix_fd_list (get_connection (task), UDISKS_NAME,
                                            object_path, interface, method, parameters,
                                            NULL, G_DBUS_CALL_FLAGS_NONE,
                                            CALL_TIMEOUT_MSEC, fd_list, cancellable,
                                            callback, g_object_ref (task));
}

static GVariant *
call_udisks_finish (GTask         *task,
                    GAsyncResult  *result,
                    GError       **error)
{
  GDBusConnection *connection = get_connection (task);

  return g_dbus_connection_call_with_unix_fd_list_finish (connection, NULL, result, error);
}

static void
manager_ready_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *owner = NULL;

  op->manager = g_dbus_object_manager_client_new_for_bus_finish (result, &error);
  if (op->manager == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      g_debug ("No system bus: %s", error->message);
      g_task_return_error (task, unavailable_error ());
      return;
    }

  /* Creating the client starts udisks if the bus can; no owner now means
   * that udisks is not installed or failed to start. */
  owner = g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (op->manager));
  if (owner == NULL)
    {
      g_task_return_error (task, unavailable_error ());
      return;
    }

  op->with_manager (task);
}

static GTask *
start_op (GFile               *image,
          QrMountFlags         flags,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data,
          gpointer             source_tag)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *path = g_file_get_path (image);
  g_autofree char *real = NULL;
  Op *op;

  g_task_set_source_tag (task, source_tag);

  op = g_new0 (Op, 1);
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
get_manager (GTask    *task,
             TaskFunc  with_manager)
{
  Op *op = g_task_get_task_data (task);

  op->with_manager = with_manager;
  g_dbus_object_manager_client_new_for_bus (G_BUS_TYPE_SYSTEM,
                                            G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                            UDISKS_NAME, UDISKS_PATH,
                                            NULL, NULL, NULL,
                                            g_task_get_cancellable (task),
                                            manager_ready_cb, g_object_ref (task));
}

/* Teardown: unmount, then detach */

static void
queue_call (Op         *op,
            const char *object_path,
            const char *interface,
            const char *method,
            GVariant   *parameters)
{
  Call *call = g_new0 (Call, 1);

  call->object_path = g_strdup (object_path);
  call->interface = g_strdup (interface);
  call->method = g_strdup (method);
  call->parameters = g_variant_ref_sink (parameters);
  call->device = dup_device_name (op, object_path);
  g_queue_push_tail (&op->calls, call);
}

/* In the order GNOME Disks uses: autoclear off first, or the kernel would
 * drop the device under us once its last filesystem is unmounted. */
static void
queue_release_loop (Op         *op,
                    const char *loop_path)
{
  g_autoptr(GDBusProxy) loop = get_iface (op, loop_path, IFACE_LOOP);
  g_autoptr(GPtrArray) objects = find_block_objects (op, loop_path);

  if (get_boolean_property (loop, "Autoclear"))
    queue_call (op, loop_path, IFACE_LOOP, "SetAutoclear",
                g_variant_new ("(b@a{sv})", FALSE, build_options (op, NULL, NULL)));

  for (guint i = objects->len; i > 0; i--)
    {
      const char *path = g_ptr_array_index (objects, i - 1);
      g_auto(GStrv) mount_points = dup_mount_points (op, path);

      if (mount_points[0] != NULL)
        queue_call (op, path, IFACE_FILESYSTEM, "Unmount",
                    g_variant_new ("(@a{sv})", build_options (op, NULL, NULL)));
    }

  queue_call (op, loop_path, IFACE_LOOP, "Delete",
              g_variant_new ("(@a{sv})", build_options (op, NULL, NULL)));
}

static void run_calls (GTask    *task,
                       TaskFunc  then);

/* Ends a release, or a mount that went wrong. */
static void
calls_done (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  if (op->error != NULL)
    g_task_return_error (task, g_steal_pointer (&op->error));
  else
    g_task_return_boolean (task, TRUE);
}

/* Gives up with @error, after detaching whatever this call attached. */
static void
fail (GTask  *task,
      GError *error)
{
  Op *op = g_task_get_task_data (task);

  g_assert (op->error == NULL);
  op->error = error;
  g_queue_clear_full (&op->calls, (GDestroyNotify) call_free);

  for (guint i = 0; i < op->attached->len; i++)
    {
      g_debug ("Detaching %s again after: %s",
               (char *) g_ptr_array_index (op->attached, i), error->message);
      queue_release_loop (op, g_ptr_array_index (op->attached, i));
    }

  run_calls (task, calls_done);
}

static gboolean
fail_if_cancelled (GTask *task)
{
  if (!g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    return FALSE;

  fail (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                   _("Operation was cancelled")));
  return TRUE;
}

static char *
describe_call (Call *call)
{
  if (g_str_equal (call->method, "Unmount"))
    return g_strdup_printf (_("Could not unmount %s"), call->device);

  return g_strdup_printf (_("Could not detach %s"), call->device);
}

static void
call_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  Call *call = g_queue_pop_head (&op->calls);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *what = describe_call (call);

  call_free (call);

  reply = call_udisks_finish (task, result, &error);
  if (reply == NULL &&
      !remote_error_is (error, UDISKS_ERROR "NotMounted") &&
      !remote_error_is (error, "org.freedesktop.DBus.Error.UnknownObject"))
    {
      g_autoptr(GError) translated = translate_error (op, error, what);

      /* Cleaning up after a failure carries on regardless. */
      if (op->error == NULL)
        {
          fail (task, g_steal_pointer (&translated));
          return;
        }

      g_debug ("%s", translated->message);
    }

  run_calls (task, op->calls_then);
}

/* Makes the queued calls one after the other, then calls @then. */
static void
run_calls (GTask    *task,
           TaskFunc  then)
{
  Op *op = g_task_get_task_data (task);
  Call *call = g_queue_peek_head (&op->calls);
  GCancellable *cancellable = op->error != NULL ? NULL : g_task_get_cancellable (task);

  op->calls_then = then;

  if (call == NULL)
    {
      then (task);
      return;
    }

  call_udisks (task, call->object_path, call->interface, call->method,
               call->parameters, NULL, cancellable, call_cb);
}

/* Forgets @loop_path as ours and detaches it. */
static void
queue_detach_attached (Op         *op,
                       const char *loop_path)
{
  g_autofree char *path = g_strdup (loop_path);
  guint index;

  if (g_ptr_array_find_with_equal_func (op->attached, path, g_str_equal, &index))
    g_ptr_array_remove_index (op->attached, index);
  queue_release_loop (op, path);
}

/* Mounting */

static gboolean
mount_points_known (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_auto(GStrv) mount_points = dup_mount_points (op, g_ptr_array_index (op->filesystems, 0));

  return mount_points[0] != NULL;
}

static void
take_mount_points (Op *op)
{
  g_autofree char *path = g_ptr_array_steal_index (op->filesystems, 0);
  g_auto(GStrv) mount_points = dup_mount_points (op, path);

  for (guint i = 0; mount_points[i] != NULL; i++)
    g_ptr_array_add (op->mount_points, g_strdup (mount_points[i]));

  op->tried_noload = FALSE;
  g_clear_error (&op->first_mount_error);
}

static void
already_mounted_then (GTask    *task,
                      gboolean  timed_out)
{
  Op *op = g_task_get_task_data (task);
  g_autofree char *device = NULL;

  if (fail_if_cancelled (task))
    return;

  if (!mount_points_known (task))
    {
      device = dup_device_name (op, g_ptr_array_index (op->filesystems, 0));
      fail (task, g_error_new (QR_ERROR, QR_ERROR_FAILED,
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
may_retry_noload (Op           *op,
                  const GError *error)
{
  g_autoptr(GDBusProxy) block = NULL;
  g_autofree char *type = NULL;

  if (op->tried_noload || (op->flags & QR_MOUNT_FLAGS_READ_WRITE) != 0)
    return FALSE;

  if (!remote_error_is (error, UDISKS_ERROR "Failed"))
    return FALSE;

  block = get_iface (op, g_ptr_array_index (op->filesystems, 0), IFACE_BLOCK);
  type = dup_string_property (block, "IdType");

  return g_strcmp0 (type, "ext3") == 0 || g_strcmp0 (type, "ext4") == 0;
}

static void
mount_filesystem (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  const char *options;

  if ((op->flags & QR_MOUNT_FLAGS_READ_WRITE) != 0)
    options = "rw";
  else if (op->tried_noload)
    options = "ro,noload";
  else
    options = "ro";

  call_udisks (task, g_ptr_array_index (op->filesystems, 0), IFACE_FILESYSTEM, "Mount",
               g_variant_new ("(@a{sv})",
                              build_options (op, "options", g_variant_new_string (options))),
               NULL, g_task_get_cancellable (task), mount_cb);
}

static void
mount_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *device = NULL;
  g_autofree char *what = NULL;
  const char *mount_point;

  reply = call_udisks_finish (task, result, &error);
  if (reply != NULL)
    {
      g_free (g_ptr_array_steal_index (op->filesystems, 0));
      g_variant_get (reply, "(&s)", &mount_point);
      g_ptr_array_add (op->mount_points, g_strdup (mount_point));
      op->tried_noload = FALSE;
      g_clear_error (&op->first_mount_error);
      mount_next (task);
      return;
    }

  /* The desktop (gvfs) automounts loop devices its user attached. */
  if (remote_error_is (error, UDISKS_ERROR "AlreadyMounted"))
    {
      wait_until (task, mount_points_known, MOUNT_POINTS_TIMEOUT_SECONDS,
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

  device = dup_device_name (op, g_ptr_array_index (op->filesystems, 0));
  what = g_strdup_printf (_("Could not mount %s of “%s”"), device, op->display_name);
  fail (task, translate_error (op, op->first_mount_error ? op->first_mount_error : error,
                               what));
}

static void
mount_next (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_auto(GStrv) mount_points = NULL;

  if (fail_if_cancelled (task))
    return;

  if (op->filesystems->len == 0)
    {
      g_ptr_array_add (op->mount_points, NULL);
      g_task_return_pointer (task,
                             g_ptr_array_steal (op->mount_points, NULL),
                             (GDestroyNotify) g_strfreev);
      return;
    }

  mount_points = dup_mount_points (op, g_ptr_array_index (op->filesystems, 0));
  if (mount_points[0] != NULL)
    {
      take_mount_points (op);
      mount_next (task);
      return;
    }

  mount_filesystem (task);
}

static GError *
no_filesystem_error (Op *op)
{
  return g_error_new (QR_ERROR, QR_ERROR_NO_FILESYSTEM,
                      _("The image “%s” holds no files that can be opened: it "
                        "has no filesystem that this computer recognises. The "
                        "qube may never have been started, or the image is "
                        "damaged."), op->display_name);
}

/* Says why nothing on the image can be mounted. */
static GError *
unmountable_error (Op *op)
{
  g_autoptr(GPtrArray) objects = find_block_objects (op, op->loop_path);

  for (guint i = 0; i < objects->len; i++)
    {
      g_autoptr(GDBusProxy) block = get_iface (op, g_ptr_array_index (objects, i),
                                               IFACE_BLOCK);
      g_autofree char *usage = dup_string_property (block, "IdUsage");
      g_autofree char *type = dup_string_property (block, "IdType");

      if (g_strcmp0 (usage, "crypto") == 0)
        return g_error_new (QR_ERROR, QR_ERROR_UNSUPPORTED_FILESYSTEM,
                            _("The image “%s” is encrypted (%s), which this "
                              "program cannot open. GNOME Disks can unlock it "
                              "with its passphrase."), op->display_name, type);

      if (g_strcmp0 (usage, "filesystem") == 0)
        return g_error_new (QR_ERROR, QR_ERROR_UNSUPPORTED_FILESYSTEM,
                            _("The image “%s” holds a %s filesystem, which this "
                              "computer cannot open. Installing the tools for "
                              "%s may help."), op->display_name, type, type);
    }

  return no_filesystem_error (op);
}

static gboolean
probe_done (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autoptr(GDBusProxy) block = get_iface (op, op->loop_path, IFACE_BLOCK);
  g_autofree char *usage = dup_string_property (block, "IdUsage");
  g_autoptr(GPtrArray) partitions = NULL;
  int expected;

  if (block == NULL)
    return FALSE;

  if (has_iface (op, op->loop_path, IFACE_FILESYSTEM))
    return TRUE;

  if (has_iface (op, op->loop_path, IFACE_PARTITION_TABLE))
    {
      partitions = find_partitions (op, op->loop_path);
      expected = count_kernel_partitions (op);

      return expected >= 0 ? (int) partitions->len >= expected : partitions->len > 0;
    }

  /* Something udisks recognised but cannot mount: no use waiting. */
  return usage != NULL && *usage != '\0' && !g_str_equal (usage, "filesystem");
}

/* Whether the first mebibyte of a range of the image holds no data at all.
 * Every partition table and filesystem we can mount starts there; restored
 * images are sparse, so a qube that never ran is one hole. */
static gboolean
range_is_blank (int     fd,
                guint64 offset,
                guint64 size)
{
  off_t data = lseek (fd, offset, SEEK_DATA);

  if (data < 0)
    return errno == ENXIO;

  return (guint64) data - offset >= MIN (size, 1024 * 1024);
}

/* The partitions of the image that hold data, for kernels that cannot
 * read partition tables themselves (some virtual machine kernels leave the
 * partition parsers out) or not this one (a disk of 4 KiB sectors). */
static GArray *
read_slices (Op *op)
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

      if (!range_is_blank (op->image_fd, partition->offset, partition->size))
        g_array_append_val (slices, *partition);
    }

  return slices;
}

static void loop_setup (GTask               *task,
                        const QrPartition         *slice,
                        GAsyncReadyCallback  callback);
static void slice_attached_cb (GObject      *source,
                               GAsyncResult *result,
                               gpointer      user_data);

static void
attach_next_slice (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  QrPartition slice;

  if (fail_if_cancelled (task))
    return;

  if (op->slices->len == 0)
    {
      if (op->filesystems->len == 0)
        fail (task, no_filesystem_error (op));
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
  Op *op = g_task_get_task_data (task);
  g_autoptr(GPtrArray) filesystems = NULL;

  if (fail_if_cancelled (task))
    return;

  filesystems = find_filesystems (op);
  if (filesystems->len == 0)
    {
      g_debug ("Nothing to mount on %s", op->loop_path);
      queue_detach_attached (op, op->loop_path);
      run_calls (task, attach_next_slice);
      return;
    }

  g_ptr_array_extend_and_steal (op->filesystems, g_steal_pointer (&filesystems));
  attach_next_slice (task);
}

static void
image_probed_then (GTask    *task,
                   gboolean  timed_out)
{
  Op *op = g_task_get_task_data (task);

  if (fail_if_cancelled (task))
    return;

  if (timed_out)
    g_debug ("udisks did not finish probing %s in time", op->loop_path);

  /* A partition table the kernel did not split up: map each partition as a
   * loop device of its own instead of the whole image. */
  if (!has_iface (op, op->loop_path, IFACE_FILESYSTEM) && count_kernel_partitions (op) == 0)
    {
      op->slices = read_slices (op);
      if (op->slices->len > 0)
        {
          g_debug ("The kernel shows no partitions on %s; mapping them one by one",
                   op->loop_path);
          queue_detach_attached (op, op->loop_path);
          run_calls (task, attach_next_slice);
          return;
        }
    }

  op->filesystems = find_filesystems (op);
  if (op->filesystems->len == 0)
    {
      fail (task, unmountable_error (op));
      return;
    }

  mount_next (task);
}

static gboolean
take_loop_path (GTask         *task,
                GAsyncResult  *result)
{
  Op *op = g_task_get_task_data (task);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *what = NULL;

  reply = call_udisks_finish (task, result, &error);
  if (reply == NULL)
    {
      what = g_strdup_printf (_("Could not attach the image “%s”"), op->display_name);
      fail (task, translate_error (op, error, what));
      return FALSE;
    }

  g_clear_pointer (&op->loop_path, g_free);
  g_variant_get (reply, "(o)", &op->loop_path);
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

  if (take_loop_path (task, result))
    wait_until (task, probe_done, PROBE_TIMEOUT_SECONDS, slice_probed_then);
}

static void
image_attached_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  if (take_loop_path (task, result))
    wait_until (task, probe_done, PROBE_TIMEOUT_SECONDS, image_probed_then);
}

/* Attaches the image, or with @slice one range of it. */
static void
loop_setup (GTask               *task,
            const QrPartition         *slice,
            GAsyncReadyCallback  callback)
{
  Op *op = g_task_get_task_data (task);
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(GUnixFDList) fd_list = g_unix_fd_list_new ();
  g_autoptr(GError) error = NULL;

  if (g_unix_fd_list_append (fd_list, op->image_fd, &error) < 0)
    {
      fail (task, g_error_new (QR_ERROR, QR_ERROR_FAILED,
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

  call_udisks (task, UDISKS_MANAGER_PATH, IFACE_MANAGER, "LoopSetup",
               g_variant_new ("(h@a{sv})", 0, g_variant_builder_end (&builder)),
               fd_list, g_task_get_cancellable (task), callback);
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
  if (!fail_if_cancelled (task))
    attach_image (task);
}

static void
settle_then_attach (GTask *task)
{
  wait_until (task, no_loops_left, SETTLE_TIMEOUT_SECONDS, settled_then_attach);
}

/* Every mount point of the filesystems on @loops. */
static void
collect_mount_points (Op        *op,
                      GPtrArray *loops)
{
  for (guint i = 0; i < loops->len; i++)
    {
      g_autoptr(GPtrArray) objects = find_block_objects (op, g_ptr_array_index (loops, i));

      for (guint j = 0; j < objects->len; j++)
        {
          g_auto(GStrv) mount_points = dup_mount_points (op, g_ptr_array_index (objects, j));

          for (guint k = 0; mount_points[k] != NULL; k++)
            g_ptr_array_add (op->mount_points, g_strdup (mount_points[k]));
        }
    }
}

static void
return_mount_points (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  g_ptr_array_add (op->mount_points, NULL);
  g_task_return_pointer (task, g_ptr_array_steal (op->mount_points, NULL),
                         (GDestroyNotify) g_strfreev);
}

static void
mount_with_manager (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autoptr(GPtrArray) loops = find_loops (op, TRUE);
  g_autoptr(GDBusProxy) block = NULL;

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
      block = get_iface (op, g_ptr_array_index (loops, 0), IFACE_BLOCK);
      if ((op->flags & QR_MOUNT_FLAGS_READ_WRITE) != 0 &&
          get_boolean_property (block, "ReadOnly"))
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
    queue_release_loop (op, g_ptr_array_index (loops, i));
  run_calls (task, settle_then_attach);
}

static gboolean
open_image (Op      *op,
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

  if (range_is_blank (fd, 0, st.st_size))
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

  task = start_op (image, flags, cancellable, callback, user_data, qr_mount_image_async);
  if (task == NULL)
    return;

  if (!open_image (g_task_get_task_data (task), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  get_manager (task, mount_with_manager);
}

char **
qr_mount_image_finish (GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == qr_mount_image_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
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
  wait_until (task, no_loops_left, SETTLE_TIMEOUT_SECONDS, release_settled_then);
}

static void
release_with_manager (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autoptr(GPtrArray) loops = find_loops (op, TRUE);

  for (guint i = 0; i < loops->len; i++)
    queue_release_loop (op, g_ptr_array_index (loops, i));

  run_calls (task, release_settle);
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

  task = start_op (image, flags, cancellable, callback, user_data, qr_mount_release_async);
  if (task == NULL)
    return;

  get_manager (task, release_with_manager);
}

gboolean
qr_mount_release_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == qr_mount_release_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Finding */

static void
find_with_manager (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autoptr(GPtrArray) loops = find_loops (op, TRUE);

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

  task = start_op (image, QR_MOUNT_FLAGS_NONE, cancellable, callback, user_data,
                   qr_mount_find_async);
  if (task == NULL)
    return;

  get_manager (task, find_with_manager);
}

char **
qr_mount_find_finish (GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == qr_mount_find_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
