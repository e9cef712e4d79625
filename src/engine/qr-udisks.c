/* qr-udisks.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qr-error.h"
#include "qr-udisks.h"

/* UDisks2 on the system bus, through proxies generated from its own
 * introspection data (org.freedesktop.UDisks2.xml): the object manager,
 * the lookups the mount code needs, and its errors in our words. */

#define UDISKS_NAME          "org.freedesktop.UDisks2"
#define UDISKS_PATH          "/org/freedesktop/UDisks2"
#define UDISKS_MANAGER_PATH  "/org/freedesktop/UDisks2/Manager"

/* Errors */

/* A fact: what to do about it is the front end's to say. */
GError *
qr_udisks_unavailable_error (void)
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

gboolean
qr_udisks_remote_error_is (const GError *error,
                           const char   *name)
{
  g_autofree char *remote = g_dbus_error_get_remote_error (error);

  return remote != NULL && g_str_equal (remote, name);
}

/* Turns a udisks reply into one of our errors, without the remote error
 * name. @what says what we tried, for the errors we cannot put better. */
GError *
qr_udisks_translate_error (const GError *error,
                           QrMountFlags  flags,
                           const char   *display_name,
                           const char   *what)
{
  g_autofree char *remote = NULL;
  g_autoptr(GError) stripped = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED))
    return qr_udisks_unavailable_error ();

  remote = g_dbus_error_get_remote_error (error);
  stripped = g_error_copy (error);
  g_dbus_error_strip_remote_error (stripped);
  g_debug ("%s: %s (%s)", what, stripped->message, remote ? remote : "local");

  if (remote == NULL)
    return g_error_new (QR_ERROR, QR_ERROR_FAILED, "%s: %s", what, stripped->message);

  if (is_unavailable_name (remote))
    return qr_udisks_unavailable_error ();

  /* A dismissed password dialog is the user saying no: nothing to show. */
  if (g_str_equal (remote, QR_UDISKS_ERROR "NotAuthorizedDismissed"))
    return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                _("The password request was dismissed"));

  if (g_str_equal (remote, QR_UDISKS_ERROR "NotAuthorizedCanObtain") &&
      (flags & QR_MOUNT_FLAGS_NO_USER_INTERACTION) != 0)
    return g_error_new_literal (QR_ERROR, QR_ERROR_NOT_AUTHORIZED,
                                _("Mounting disk images needs an administrator’s "
                                  "permission here, and no password can be asked "
                                  "for without a terminal."));

  if (g_str_has_prefix (remote, QR_UDISKS_ERROR "NotAuthorized"))
    return g_error_new_literal (QR_ERROR, QR_ERROR_NOT_AUTHORIZED,
                                _("This computer does not allow you to open disk "
                                  "images. Log in at the computer itself rather "
                                  "than remotely, or ask its administrator for "
                                  "permission."));

  if (g_str_equal (remote, QR_UDISKS_ERROR "DeviceBusy"))
    return g_error_new (QR_ERROR, QR_ERROR_BUSY,
                        _("The image “%s” is still in use. Close the windows and "
                          "programs that show its files, then try again."),
                        display_name);

  return g_error_new (QR_ERROR, QR_ERROR_FAILED, "%s: %s", what, stripped->message);
}

/* Nothing on the image that this computer can mount. */
GError *
qr_udisks_no_filesystem_error (const char *display_name)
{
  return g_error_new (QR_ERROR, QR_ERROR_NO_FILESYSTEM,
                      _("The image “%s” holds no files that can be opened: it "
                        "has no filesystem that this computer recognises. The "
                        "qube may never have been started, or the image is "
                        "damaged."), display_name);
}

/* Says why nothing on the loop device @loop_path can be mounted. */
GError *
qr_udisks_unmountable_error (GDBusObjectManager *manager,
                             const char         *loop_path,
                             const char         *display_name)
{
  g_autoptr(GPtrArray) objects = qr_udisks_find_block_objects (manager, loop_path);

  for (guint i = 0; i < objects->len; i++)
    {
      g_autoptr(UDisksBlock) block = qr_udisks_get_block (manager,
                                                          g_ptr_array_index (objects, i));
      const char *usage = block != NULL ? udisks_block_get_id_usage (block) : NULL;
      const char *type = block != NULL ? udisks_block_get_id_type (block) : NULL;

      if (g_strcmp0 (usage, "crypto") == 0)
        return g_error_new (QR_ERROR, QR_ERROR_UNSUPPORTED_FILESYSTEM,
                            _("The image “%s” is encrypted (%s), which this "
                              "program cannot open. GNOME Disks can unlock it "
                              "with its passphrase."), display_name, type);

      if (g_strcmp0 (usage, "filesystem") == 0)
        return g_error_new (QR_ERROR, QR_ERROR_UNSUPPORTED_FILESYSTEM,
                            _("The image “%s” holds a %s filesystem, which this "
                              "computer cannot open. Installing the tools for "
                              "%s may help."), display_name, type, type);
    }

  return qr_udisks_no_filesystem_error (display_name);
}

/* Calls */

/* The options of a call, with auth.no_user_interaction when asked, and
 * with @key set to @value when given. */
GVariant *
qr_udisks_options (QrMountFlags  flags,
                   const char   *key,
                   GVariant     *value)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  if ((flags & QR_MOUNT_FLAGS_NO_USER_INTERACTION) != 0)
    g_variant_builder_add (&builder, "{sv}", "auth.no_user_interaction",
                           g_variant_new_boolean (TRUE));
  if (key != NULL)
    g_variant_builder_add (&builder, "{sv}", key, value);

  return g_variant_builder_end (&builder);
}

/* Mount, Unmount and the others may wait for the user to type a
 * password: no timeout on @proxy's calls. */
void
qr_udisks_wait_for_user (gpointer proxy)
{
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (proxy), G_MAXINT);
}

static void
manager_ready_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *owner = NULL;

  manager = udisks_object_manager_client_new_for_bus_finish (result, &error);
  if (manager == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      g_debug ("No system bus: %s", error->message);
      g_task_return_error (task, qr_udisks_unavailable_error ());
      return;
    }

  /* Creating the client starts udisks if the bus can; no owner now means
   * that udisks is not installed or failed to start. */
  owner = g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (manager));
  if (owner == NULL)
    {
      g_task_return_error (task, qr_udisks_unavailable_error ());
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&manager), g_object_unref);
}

/* The object manager of udisks on the system bus; QR_ERROR_UDISKS_UNAVAILABLE
 * when there is no bus or no udisks on it. */
void
qr_udisks_manager_new_async (GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, qr_udisks_manager_new_async);
  udisks_object_manager_client_new_for_bus (G_BUS_TYPE_SYSTEM,
                                            G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                            UDISKS_NAME, UDISKS_PATH, cancellable,
                                            manager_ready_cb, task);
}

GDBusObjectManager *
qr_udisks_manager_new_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The Manager interface, with its own reference. */
UDisksManager *
qr_udisks_get_manager (GDBusObjectManager *manager)
{
  return UDISKS_MANAGER (g_dbus_object_manager_get_interface (manager, UDISKS_MANAGER_PATH,
                                                              "org.freedesktop.UDisks2.Manager"));
}

/* Lookups */

static UDisksObject *
get_object (GDBusObjectManager *manager,
            const char         *path)
{
  GDBusObject *object = g_dbus_object_manager_get_object (manager, path);

  return object != NULL ? UDISKS_OBJECT (object) : NULL;
}

UDisksBlock *
qr_udisks_get_block (GDBusObjectManager *manager,
                     const char         *path)
{
  g_autoptr(UDisksObject) object = get_object (manager, path);

  return object != NULL ? udisks_object_get_block (object) : NULL;
}

UDisksLoop *
qr_udisks_get_loop (GDBusObjectManager *manager,
                    const char         *path)
{
  g_autoptr(UDisksObject) object = get_object (manager, path);

  return object != NULL ? udisks_object_get_loop (object) : NULL;
}

UDisksFilesystem *
qr_udisks_get_filesystem (GDBusObjectManager *manager,
                          const char         *path)
{
  g_autoptr(UDisksObject) object = get_object (manager, path);

  return object != NULL ? udisks_object_get_filesystem (object) : NULL;
}

gboolean
qr_udisks_has_partition_table (GDBusObjectManager *manager,
                               const char         *path)
{
  g_autoptr(UDisksObject) object = get_object (manager, path);

  return object != NULL && udisks_object_peek_partition_table (object) != NULL;
}

char **
qr_udisks_dup_mount_points (GDBusObjectManager *manager,
                            const char         *path)
{
  g_autoptr(UDisksFilesystem) filesystem = qr_udisks_get_filesystem (manager, path);
  const char * const *mount_points = NULL;

  if (filesystem != NULL)
    mount_points = udisks_filesystem_get_mount_points (filesystem);

  if (mount_points == NULL)
    return g_new0 (char *, 1);

  return g_strdupv ((char **) mount_points);
}

/* A short name for messages, such as "loop0p3". */
char *
qr_udisks_dup_device_name (GDBusObjectManager *manager,
                           const char         *path)
{
  g_autoptr(UDisksBlock) block = qr_udisks_get_block (manager, path);
  const char *device = block != NULL ? udisks_block_get_device (block) : NULL;

  if (device == NULL || *device == '\0')
    return g_path_get_basename (path);

  return g_path_get_basename (device);
}

/* Whether the kernel still has @loop_path backed by @backing_path. udisks
 * learns of a detach only from a later uevent, so its objects can show a
 * device that is gone; when sysfs cannot say, we trust udisks. */
static gboolean
kernel_agrees (GDBusObjectManager *manager,
               const char         *loop_path,
               const char         *backing_path)
{
  g_autofree char *name = qr_udisks_dup_device_name (manager, loop_path);
  g_autofree char *sys_path = g_build_filename ("/sys/class/block", name, NULL);
  g_autofree char *file = g_build_filename (sys_path, "loop", "backing_file", NULL);
  g_autofree char *backing = NULL;

  if (!g_file_test (sys_path, G_FILE_TEST_IS_DIR))
    return TRUE;

  if (!g_file_get_contents (file, &backing, NULL, NULL))
    return FALSE;

  g_strchomp (backing);

  return g_str_equal (backing, backing_path);
}

/* The loop devices whose backing file is @backing_path, as udisks shows
 * them, or with @check_kernel only those the kernel confirms. */
GPtrArray *
qr_udisks_find_loops (GDBusObjectManager *manager,
                      const char         *backing_path,
                      gboolean            check_kernel)
{
  g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects (manager);
  GPtrArray *loops = g_ptr_array_new_with_free_func (g_free);

  for (GList *l = objects; l != NULL; l = l->next)
    {
      const char *path = g_dbus_object_get_object_path (l->data);
      UDisksLoop *loop = udisks_object_peek_loop (UDISKS_OBJECT (l->data));
      const char *backing = loop != NULL ? udisks_loop_get_backing_file (loop) : NULL;

      if (backing == NULL || !g_str_equal (backing, backing_path))
        continue;

      if (check_kernel && !kernel_agrees (manager, path, backing_path))
        continue;

      g_ptr_array_add (loops, g_strdup (path));
    }

  return loops;
}

static int
compare_partition_numbers (gconstpointer a,
                           gconstpointer b,
                           gpointer      user_data)
{
  GHashTable *numbers = user_data;
  guint number_a = GPOINTER_TO_UINT (g_hash_table_lookup (numbers, *(const char **) a));
  guint number_b = GPOINTER_TO_UINT (g_hash_table_lookup (numbers, *(const char **) b));

  return (number_a > number_b) - (number_a < number_b);
}

/* The partition objects of @loop_path, in partition order. */
GPtrArray *
qr_udisks_find_partitions (GDBusObjectManager *manager,
                           const char         *loop_path)
{
  g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects (manager);
  g_autoptr(GHashTable) numbers = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *partitions = g_ptr_array_new_with_free_func (g_free);

  for (GList *l = objects; l != NULL; l = l->next)
    {
      const char *path = g_dbus_object_get_object_path (l->data);
      UDisksPartition *partition = udisks_object_peek_partition (UDISKS_OBJECT (l->data));
      char *copy;

      if (partition == NULL || g_strcmp0 (udisks_partition_get_table (partition), loop_path) != 0)
        continue;

      copy = g_strdup (path);
      g_ptr_array_add (partitions, copy);
      g_hash_table_insert (numbers, copy, GUINT_TO_POINTER (udisks_partition_get_number (partition)));
    }

  g_ptr_array_sort_with_data (partitions, compare_partition_numbers, numbers);

  return partitions;
}

/* The loop device itself and its partitions. */
GPtrArray *
qr_udisks_find_block_objects (GDBusObjectManager *manager,
                              const char         *loop_path)
{
  GPtrArray *objects = qr_udisks_find_partitions (manager, loop_path);

  g_ptr_array_insert (objects, 0, g_strdup (loop_path));

  return objects;
}

/* The filesystems to mount: the loop device's own, or those of its
 * partitions that udisks does not tell us to leave alone. */
GPtrArray *
qr_udisks_find_filesystems (GDBusObjectManager *manager,
                            const char         *loop_path)
{
  g_autoptr(GPtrArray) objects = qr_udisks_find_block_objects (manager, loop_path);
  GPtrArray *filesystems = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < objects->len; i++)
    {
      const char *path = g_ptr_array_index (objects, i);
      g_autoptr(UDisksObject) object = get_object (manager, path);

      if (object == NULL || udisks_object_peek_filesystem (object) == NULL ||
          (udisks_object_peek_block (object) != NULL &&
           udisks_block_get_hint_ignore (udisks_object_peek_block (object))))
        continue;

      g_ptr_array_add (filesystems, g_strdup (path));
    }

  return filesystems;
}

/* How many partitions the kernel found on the loop device, from sysfs, so
 * that we know when udisks has shown them all; -1 when sysfs can't say. */
int
qr_udisks_count_kernel_partitions (GDBusObjectManager *manager,
                                   const char         *loop_path)
{
  g_autofree char *name = qr_udisks_dup_device_name (manager, loop_path);
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
