/* test-mount.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Runs against a real udisksd (see udisks-session) with real loop devices;
 * without either the cases skip and say why. Images are made here with
 * mkfs.ext4, sgdisk and mkswap. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "qr-error.h"
#include "qr-mount.h"
#include "qr-mount-files.h"

#define HELLO_TEXT "Hello from the qube\n"

static char *tmp_dir;

/* A fresh name in the test directory, distinct across cases and
 * subprocesses. */
static char *
tmp_path (const char *name)
{
  static guint counter;

  return g_strdup_printf ("%s/%d-%u-%s", tmp_dir, (int) getpid (), counter++, name);
}

/* Running tools */

static char *
run_capture (const char * const *argv,
             int                *status)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     &out, &err, status, &error))
    g_error ("Could not run %s: %s", argv[0], error->message);

  if (*status != 0)
    g_test_message ("%s: %s", argv[0], err);

  return out;
}

#define RUN(...) run_ok ((const char * const []) { __VA_ARGS__, NULL })

static void
run_ok (const char * const *argv)
{
  g_autofree char *out = NULL;
  int status;

  out = run_capture (argv, &status);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static gboolean
have_program (const char  *name,
              char       **reason)
{
  g_autofree char *path = g_find_program_in_path (name);

  if (path == NULL)
    {
      *reason = g_strdup_printf ("%s is not installed", name);
      return FALSE;
    }

  return TRUE;
}

/* Whether udisks answers on the system bus, or could be started there. */
static gboolean
udisks_reachable (char **reason)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GVariant) activatable = NULL;
  g_autoptr(GError) error = NULL;
  const char **names = NULL;
  gboolean has_owner;

  bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  if (bus == NULL)
    {
      *reason = g_strdup_printf ("no system bus: %s", error->message);
      return FALSE;
    }

  owned = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", "org.freedesktop.UDisks2"),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE,
                                       -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (owned, "(b)", &has_owner);
  if (has_owner)
    return TRUE;

  activatable = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                             "org.freedesktop.DBus", "ListActivatableNames",
                                             NULL, G_VARIANT_TYPE ("(as)"),
                                             G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (activatable, "(^a&s)", &names);
  if (g_strv_contains (names, "org.freedesktop.UDisks2"))
    {
      g_free (names);
      return TRUE;
    }

  g_free (names);
  *reason = g_strdup ("udisks is not on the system bus (run the suite through "
                      "tests/mount/udisks-session)");
  return FALSE;
}

/* Skips the case unless loop devices, udisks and the image tools are all
 * there. */
static gboolean
ready_for_udisks (void)
{
  static const char * const programs[] = { "mkfs.ext4", "sgdisk", "fdisk", "mkswap", "losetup",
                                           "dumpe2fs" };
  g_autofree char *reason = NULL;

  if (!g_file_test ("/dev/loop-control", G_FILE_TEST_EXISTS))
    reason = g_strdup ("this machine has no loop devices (/dev/loop-control is missing)");

  for (guint i = 0; reason == NULL && i < G_N_ELEMENTS (programs); i++)
    have_program (programs[i], &reason);

  if (reason == NULL)
    udisks_reachable (&reason);

  if (reason != NULL)
    {
      g_test_skip (reason);
      return FALSE;
    }

  return TRUE;
}

/* Images */

static char *
make_tree (const char *name)
{
  g_autofree char *dir = tmp_path (name);
  g_autofree char *home = g_build_filename (dir, "home", "user", NULL);
  g_autofree char *hello = g_build_filename (home, "hello.txt", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (home, 0755), ==, 0);
  g_file_set_contents (hello, HELLO_TEXT, -1, &error);
  g_assert_no_error (error);

  return g_steal_pointer (&dir);
}

static char *
make_ext4 (const char *name,
           const char *tree,
           const char *size)
{
  g_autofree char *image = tmp_path (name);

  RUN ("truncate", "-s", size, image);
  RUN ("mkfs.ext4", "-q", "-F", "-d", tree, image);

  return g_steal_pointer (&image);
}

static char *
make_private_img (void)
{
  g_autofree char *tree = make_tree ("private-tree");

  return make_ext4 ("private.img", tree, "32M");
}

/* Like a template's root.img: a BIOS boot partition with nothing on it,
 * a swap partition, and the root filesystem on partition 3. */
static char *
make_root_img (void)
{
  g_autofree char *tree = make_tree ("root-tree");
  g_autofree char *usr = g_build_filename (tree, "usr", "bin", NULL);
  g_autofree char *image = tmp_path ("root.img");
  g_autofree char *swap = tmp_path ("swap.part");
  g_autofree char *root_fs = NULL;
  g_autofree char *of_image = g_strconcat ("of=", image, NULL);
  g_autofree char *if_swap = g_strconcat ("if=", swap, NULL);
  g_autofree char *if_root = NULL;

  g_assert_cmpint (g_mkdir_with_parents (usr, 0755), ==, 0);

  RUN ("truncate", "-s", "48M", image);
  RUN ("sgdisk", "--clear",
       "--new=1:2048:4095", "--typecode=1:ef02",
       "--new=2:4096:20479", "--typecode=2:8200",
       "--new=3:20480:81919", "--typecode=3:8300",
       image);

  RUN ("truncate", "-s", "8M", swap);
  RUN ("mkswap", "-q", swap);
  RUN ("dd", "status=none", "conv=notrunc", "bs=512", "seek=4096", if_swap, of_image);

  /* Made apart and copied in, as mkfs.ext4 -d cannot write a partition. */
  root_fs = make_ext4 ("root.part", tree, "30M");
  if_root = g_strconcat ("if=", root_fs, NULL);
  RUN ("dd", "status=none", "conv=notrunc", "bs=512", "seek=20480", if_root, of_image);

  return g_steal_pointer (&image);
}

/* Driving the async API */

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

static GAsyncResult *
wait_for_result (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return *result;
}

static char **
mount_image (const char    *path,
             QrMountFlags   flags,
             GError       **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GAsyncResult) result = NULL;

  qr_mount_image_async (file, flags | QR_MOUNT_FLAGS_NO_USER_INTERACTION, NULL,
                        store_result_cb, &result);

  return qr_mount_image_finish (wait_for_result (&result), error);
}

static gboolean
release_image (const char  *path,
               GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GAsyncResult) result = NULL;

  qr_mount_release_async (file, QR_MOUNT_FLAGS_NO_USER_INTERACTION, NULL,
                          store_result_cb, &result);

  return qr_mount_release_finish (wait_for_result (&result), error);
}

static char **
find_mounts (const char  *path,
             GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GAsyncResult) result = NULL;

  qr_mount_find_async (file, NULL, store_result_cb, &result);

  return qr_mount_find_finish (wait_for_result (&result), error);
}

/* Checking the system */

/* The mount and superblock options of @mount_point from mountinfo, or NULL
 * when nothing is mounted there. */
static char *
dup_mount_options (const char *mount_point)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents ("/proc/self/mountinfo", &contents, NULL, &error);
  g_assert_no_error (error);

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], " ", -1);
      guint n = g_strv_length (fields);

      if (n >= 10 && g_str_equal (fields[4], mount_point))
        return g_strconcat (fields[5], ",", fields[n - 1], NULL);
    }

  return NULL;
}

static gboolean
has_option (const char *options,
            const char *option)
{
  g_auto(GStrv) list = g_strsplit (options, ",", -1);

  return g_strv_contains ((const char * const *) list, option);
}

static void
assert_no_loop_device (const char *image)
{
  g_autofree char *out = NULL;
  int status;

  out = run_capture ((const char * const []) { "losetup", "-j", image, NULL }, &status);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpstr (out, ==, "");
}

static void
assert_released (const char  *image,
                 char       **mount_points)
{
  g_auto(GStrv) found = NULL;
  g_autoptr(GError) error = NULL;

  assert_no_loop_device (image);

  for (guint i = 0; mount_points[i] != NULL; i++)
    {
      g_autofree char *options = dup_mount_options (mount_points[i]);

      g_assert_null (options);
    }

  found = find_mounts (image, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (found), ==, 0);
}

static void
assert_hello (const char *mount_point)
{
  g_autofree char *hello = g_build_filename (mount_point, "home", "user", "hello.txt", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (hello, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, HELLO_TEXT);
}

static void
release_and_check (const char  *image,
                   char       **mount_points)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (release_image (image, &error));
  g_assert_no_error (error);
  assert_released (image, mount_points);
}

/* Cases with udisks */

static void
test_private_read_only (void)
{
  g_autofree char *image = NULL;
  g_autofree char *options = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *new_file = NULL;
  g_autofree char *expected_folder = NULL;
  g_auto(GStrv) mount_points = NULL;
  g_auto(GStrv) again = NULL;
  g_auto(GStrv) found = NULL;
  g_autoptr(GError) error = NULL;
  int fd;

  if (!ready_for_udisks ())
    return;

  image = make_private_img ();
  mount_points = mount_image (image, QR_MOUNT_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (mount_points), ==, 1);

  options = dup_mount_options (mount_points[0]);
  g_assert_nonnull (options);
  g_assert_true (has_option (options, "ro"));
  assert_hello (mount_points[0]);

  new_file = g_build_filename (mount_points[0], "home", "user", "new.txt", NULL);
  fd = g_open (new_file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  g_assert_cmpint (fd, ==, -1);
  g_assert_cmpint (errno, ==, EROFS);

  folder = qr_mount_files_dup_folder ((const char * const *) mount_points);
  expected_folder = g_build_filename (mount_points[0], "home", "user", NULL);
  g_assert_cmpstr (folder, ==, expected_folder);

  /* Opening it again reuses the attachment rather than adding another. */
  again = mount_image (image, QR_MOUNT_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (again, mount_points);

  found = find_mounts (image, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (found, mount_points);

  release_and_check (image, mount_points);

  /* Releasing what is not attached is no error. */
  g_assert_true (release_image (image, &error));
  g_assert_no_error (error);
}

static void
test_gpt_root (void)
{
  g_autofree char *image = NULL;
  g_autofree char *folder = NULL;
  g_auto(GStrv) mount_points = NULL;
  g_autoptr(GError) error = NULL;

  if (!ready_for_udisks ())
    return;

  image = make_root_img ();
  mount_points = mount_image (image, QR_MOUNT_FLAGS_NONE, &error);
  g_assert_no_error (error);

  /* Partition 3 only: the others hold nothing and swap. */
  g_assert_cmpuint (g_strv_length (mount_points), ==, 1);
  assert_hello (mount_points[0]);

  folder = qr_mount_files_dup_folder ((const char * const *) mount_points);
  g_assert_cmpstr (folder, ==, mount_points[0]);

  release_and_check (image, mount_points);
}

/* A root.img made for a disk of 4 KiB sectors: a loop device of 512-byte
 * sectors shows no partitions, so each is mapped on its own. */
static void
test_gpt_4k (void)
{
  g_autofree char *tree = NULL;
  g_autofree char *image = NULL;
  g_autofree char *root_fs = NULL;
  g_autofree char *command = NULL;
  g_autofree char *of_image = NULL;
  g_autofree char *if_root = NULL;
  g_autofree char *folder = NULL;
  g_auto(GStrv) mount_points = NULL;
  g_autoptr(GError) error = NULL;

  if (!ready_for_udisks ())
    return;

  tree = make_tree ("root-4k-tree");
  image = tmp_path ("root-4k.img");
  RUN ("truncate", "-s", "64M", image);
  command = g_strdup_printf ("printf 'g\\nn\\n1\\n256\\n+1M\\nn\\n2\\n\\n+2M\\nn\\n3\\n\\n\\nw\\n' | "
                             "fdisk -b 4096 '%s' > /dev/null", image);
  RUN ("sh", "-c", command);

  root_fs = tmp_path ("root-4k.part");
  RUN ("truncate", "-s", "40M", root_fs);
  RUN ("mkfs.ext4", "-q", "-F", "-b", "4096", "-d", tree, root_fs);
  of_image = g_strconcat ("of=", image, NULL);
  if_root = g_strconcat ("if=", root_fs, NULL);
  RUN ("dd", "status=none", "conv=notrunc", "bs=4096", "seek=1024", if_root, of_image);

  mount_points = mount_image (image, QR_MOUNT_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (mount_points), ==, 1);
  assert_hello (mount_points[0]);

  release_and_check (image, mount_points);
}

/* An image copied while its filesystem was mounted read-write has a
 * journal that needs recovery, as a backup of a running qube has. */
static void
test_journal_recovery (void)
{
  g_autofree char *image = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *written = NULL;
  g_autofree char *features = NULL;
  g_autofree char *options = NULL;
  g_auto(GStrv) rw_mount_points = NULL;
  g_auto(GStrv) mount_points = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  if (!ready_for_udisks ())
    return;

  image = make_private_img ();
  rw_mount_points = mount_image (image, QR_MOUNT_FLAGS_READ_WRITE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (rw_mount_points), ==, 1);
  options = dup_mount_options (rw_mount_points[0]);
  g_assert_true (has_option (options, "rw"));

  written = g_build_filename (rw_mount_points[0], "written-while-running.txt", NULL);
  g_file_set_contents (written, "unsaved\n", -1, &error);
  g_assert_no_error (error);

  copy = tmp_path ("private-copy.img");
  RUN ("cp", "--sparse=always", image, copy);
  release_and_check (image, rw_mount_points);

  /* Without this the case would prove nothing. */
  features = run_capture ((const char * const []) { "dumpe2fs", "-h", copy, NULL }, &status);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (features, "needs_recovery"));

  mount_points = mount_image (copy, QR_MOUNT_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (mount_points), ==, 1);
  g_clear_pointer (&options, g_free);
  options = dup_mount_options (mount_points[0]);
  g_assert_true (has_option (options, "ro"));
  g_assert_true (has_option (options, "norecovery"));
  assert_hello (mount_points[0]);

  release_and_check (copy, mount_points);
}

static void
test_second_process (void)
{
  const char *helper = g_getenv ("QR_MOUNT_HELPER");
  g_autofree char *image = NULL;
  g_auto(GStrv) mount_points = NULL;
  g_autoptr(GError) error = NULL;

  if (!ready_for_udisks ())
    return;

  g_assert_nonnull (helper);
  image = make_private_img ();
  mount_points = mount_image (image, QR_MOUNT_FLAGS_NONE, &error);
  g_assert_no_error (error);

  RUN (helper, "release", image);

  assert_released (image, mount_points);
}

/* Attached and mounted by someone else, as the desktop does when the user
 * opens an image in the file manager: shown as it is, and still released. */
static void
test_opened_elsewhere (void)
{
  g_autofree char *image = NULL;
  g_autofree char *setup = NULL;
  g_autofree char *device = NULL;
  g_autofree char *losetup = NULL;
  g_auto(GStrv) mount_points = NULL;
  g_auto(GStrv) words = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  int status;

  if (!ready_for_udisks ())
    return;
  if (!have_program ("udisksctl", &reason))
    {
      g_test_skip (reason);
      return;
    }

  image = make_private_img ();
  setup = run_capture ((const char * const []) {
                         "udisksctl", "loop-setup", "--no-user-interaction",
                         "--read-only", "--file", image, NULL
                       }, &status);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  /* "Mapped file IMAGE as /dev/loopN." */
  words = g_strsplit (g_strstrip (setup), " ", -1);
  g_assert_cmpuint (g_strv_length (words), >=, 2);
  device = g_strdup (words[g_strv_length (words) - 1]);
  device[strlen (device) - 1] = '\0';
  RUN ("udisksctl", "mount", "--no-user-interaction", "--block-device", device);

  mount_points = mount_image (image, QR_MOUNT_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (mount_points), ==, 1);
  assert_hello (mount_points[0]);

  /* Still the one loop device. */
  losetup = run_capture ((const char * const []) { "losetup", "-j", image, NULL }, &status);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  lines = g_strsplit (g_strstrip (losetup), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
  g_assert_true (g_str_has_prefix (lines[0], device));

  release_and_check (image, mount_points);
}

static void
test_busy (void)
{
  g_autofree char *image = NULL;
  g_autofree char *hello = NULL;
  g_auto(GStrv) mount_points = NULL;
  g_autoptr(GError) error = NULL;
  int fd;

  if (!ready_for_udisks ())
    return;

  image = make_private_img ();
  mount_points = mount_image (image, QR_MOUNT_FLAGS_NONE, &error);
  g_assert_no_error (error);

  hello = g_build_filename (mount_points[0], "home", "user", "hello.txt", NULL);
  fd = g_open (hello, O_RDONLY | O_CLOEXEC, 0);
  g_assert_cmpint (fd, >=, 0);

  g_assert_false (release_image (image, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_BUSY);
  g_assert_null (strstr (error->message, "org.freedesktop"));
  g_clear_error (&error);

  g_assert_no_errno (close (fd));
  release_and_check (image, mount_points);
}

static void
test_no_filesystem (void)
{
  g_autofree char *blank = NULL;
  g_autofree char *swap = NULL;
  g_auto(GStrv) mount_points = NULL;
  g_autoptr(GError) error = NULL;

  if (!ready_for_udisks ())
    return;

  /* A never-started qube's image: one sparse hole. */
  blank = tmp_path ("blank.img");
  RUN ("truncate", "-s", "16M", blank);
  mount_points = mount_image (blank, QR_MOUNT_FLAGS_NONE, &error);
  g_assert_null (mount_points);
  g_assert_error (error, QR_ERROR, QR_ERROR_NO_FILESYSTEM);
  g_clear_error (&error);
  assert_no_loop_device (blank);

  /* Something udisks recognises but cannot mount; what was attached for
   * the attempt is detached again. */
  swap = tmp_path ("swap.img");
  RUN ("truncate", "-s", "16M", swap);
  RUN ("mkswap", "-q", swap);
  mount_points = mount_image (swap, QR_MOUNT_FLAGS_NONE, &error);
  g_assert_null (mount_points);
  g_assert_error (error, QR_ERROR, QR_ERROR_NO_FILESYSTEM);
  assert_no_loop_device (swap);
}

/* Cases without udisks */

/* Not blank, so that the call gets as far as the bus. */
static char *
make_plain_file (void)
{
  g_autofree char *path = tmp_path ("plain.img");
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, "not a filesystem, but not empty either", -1, &error);
  g_assert_no_error (error);

  return g_steal_pointer (&path);
}

static void
assert_unavailable (const char *image)
{
  g_auto(GStrv) mount_points = NULL;
  g_auto(GStrv) found = NULL;
  g_autoptr(GError) error = NULL;

  mount_points = mount_image (image, QR_MOUNT_FLAGS_NONE, &error);
  g_assert_null (mount_points);
  g_assert_error (error, QR_ERROR, QR_ERROR_UDISKS_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "udisks"));
  g_assert_null (strstr (error->message, "sudo"));
  g_clear_error (&error);

  g_assert_false (release_image (image, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_UDISKS_UNAVAILABLE);
  g_clear_error (&error);

  found = find_mounts (image, &error);
  g_assert_null (found);
  g_assert_error (error, QR_ERROR, QR_ERROR_UDISKS_UNAVAILABLE);
}

/* Runs the current case again in a child whose system bus is @address. */
static void
trap_with_system_bus (const char *address)
{
  g_autofree char *saved = g_strdup (g_getenv ("DBUS_SYSTEM_BUS_ADDRESS"));

  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", address, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  if (saved != NULL)
    g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", saved, TRUE);
  else
    g_unsetenv ("DBUS_SYSTEM_BUS_ADDRESS");

  g_test_trap_assert_passed ();
}

static void
test_unavailable_no_bus (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *image = make_plain_file ();

      assert_unavailable (image);
      return;
    }

  trap_with_system_bus ("unix:path=/nonexistent/qr-mount-test/system_bus_socket");
}

static void
test_unavailable_no_service (void)
{
  g_autoptr(GTestDBus) bus = NULL;
  g_autofree char *reason = NULL;

  if (g_test_subprocess ())
    {
      g_autofree char *image = make_plain_file ();

      assert_unavailable (image);
      return;
    }

  if (!have_program ("dbus-daemon", &reason))
    {
      g_test_skip (reason);
      return;
    }

  /* A bus of our own, on which nobody provides udisks. */
  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);
  trap_with_system_bus (g_test_dbus_get_bus_address (bus));
  g_test_dbus_down (bus);
}

static void
test_files_folder (void)
{
  g_autofree char *root = tmp_path ("folder-test");
  g_autofree char *home = g_build_filename (root, "home", "user", NULL);
  g_autofree char *usr = g_build_filename (root, "usr", NULL);
  g_autofree char *folder = NULL;

  g_assert_cmpint (g_mkdir_with_parents (root, 0755), ==, 0);
  folder = qr_mount_files_dup_folder ((const char * const []) { root, NULL });
  g_assert_cmpstr (folder, ==, root);
  g_clear_pointer (&folder, g_free);

  g_assert_cmpint (g_mkdir_with_parents (home, 0700), ==, 0);
  folder = qr_mount_files_dup_folder ((const char * const []) { root, NULL });
  g_assert_cmpstr (folder, ==, home);
  g_clear_pointer (&folder, g_free);

  /* A root filesystem: show all of it. */
  g_assert_cmpint (g_mkdir (usr, 0755), ==, 0);
  folder = qr_mount_files_dup_folder ((const char * const []) { root, NULL });
  g_assert_cmpstr (folder, ==, root);
}

static void
test_check_access (void)
{
  g_autofree char *root = g_build_filename (tmp_dir, "access-test", NULL);
  g_autofree char *parent = g_build_filename (root, "home", NULL);
  g_autofree char *home = g_build_filename (parent, "user", NULL);
  g_autofree char *missing = g_build_filename (root, "missing", NULL);
  g_autoptr(GError) error = NULL;

  if (g_test_subprocess ())
    {
      /* As another user than the owner, uid 1000. */
      g_assert_no_errno (setresgid (65534, 65534, 65534));
      g_assert_no_errno (setresuid (65534, 65534, 65534));

      g_assert_false (qr_mount_files_check_access (home, &error));
      g_assert_error (error, QR_ERROR, QR_ERROR_NOT_AUTHORIZED);
      g_assert_nonnull (strstr (error->message, "(number 1000)"));
      g_assert_nonnull (strstr (error->message, "(number 65534)"));
      /* The engine states the fact; the way forward is the front end's. */
      g_assert_null (strstr (error->message, "sudo"));
      g_assert_nonnull (strstr (error->message, home));
      return;
    }

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (home, 0700), ==, 0);
  g_assert_true (qr_mount_files_check_access (home, &error));
  g_assert_no_error (error);

  g_assert_false (qr_mount_files_check_access (missing, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_FAILED);
  g_clear_error (&error);

  if (geteuid () != 0)
    {
      g_test_skip ("changing owners needs root");
      return;
    }

  g_assert_no_errno (chmod (tmp_dir, 0755));
  g_assert_no_errno (chown (home, 1000, 1000));
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_assert_no_errno (chmod (tmp_dir, 0700));
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  /* Subprocesses share the parent's directory, so that they can use what
   * it made. The name lets udisks-session find leftovers of a crash. */
  if (g_test_subprocess ())
    {
      tmp_dir = g_strdup (g_getenv ("QR_MOUNT_TEST_DIR"));
    }
  else
    {
      tmp_dir = g_dir_make_tmp ("qr-mount-test-XXXXXX", &error);
      g_assert_no_error (error);
      g_setenv ("QR_MOUNT_TEST_DIR", tmp_dir, TRUE);
    }

  /* First, before anything has connected to the system bus. */
  g_test_add_func ("/qr/mount/unavailable-no-bus", test_unavailable_no_bus);
  g_test_add_func ("/qr/mount/unavailable-no-service", test_unavailable_no_service);
  g_test_add_func ("/qr/mount/files-folder", test_files_folder);
  g_test_add_func ("/qr/mount/check-access", test_check_access);
  g_test_add_func ("/qr/mount/private-read-only", test_private_read_only);
  g_test_add_func ("/qr/mount/gpt-root", test_gpt_root);
  g_test_add_func ("/qr/mount/gpt-4k", test_gpt_4k);
  g_test_add_func ("/qr/mount/journal-recovery", test_journal_recovery);
  g_test_add_func ("/qr/mount/second-process", test_second_process);
  g_test_add_func ("/qr/mount/opened-elsewhere", test_opened_elsewhere);
  g_test_add_func ("/qr/mount/busy", test_busy);
  g_test_add_func ("/qr/mount/no-filesystem", test_no_filesystem);

  status = g_test_run ();

  if (!g_test_subprocess ())
    RUN ("rm", "-rf", tmp_dir);
  g_free (tmp_dir);

  return status;
}
