/* qr-mount-files.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "qr-error.h"
#include "qr-mount-files.h"
#include "qr-partition.h"
#include "qr-restore-report.h"

/* Every partition table and filesystem starts within this much of the
 * start of its image. */
#define BLANK_START_SIZE (1024 * 1024)

/* Where a restored qube's files are, for both front ends and both ways to
 * them (mounting, and reading the image in our own process): which disk
 * image holds them, which of its filesystems, which folder to show, and
 * whether this account may open it. */

/* Tells whether @relative is a folder below the filesystem @root. */
typedef gboolean (*HasFolderFunc) (gpointer    root,
                                   const char *relative);

/* The filesystem to show of @roots, and whether the user's files are its
 * home/user. A private volume (the qube's /rw) has home/user and no usr/.
 * A root filesystem may have a home/user too, but there the whole tree is
 * what the user came for; of several (a template's image may carry an
 * EFI partition too), the one with usr/ is the root. */
static guint
choose_root (gpointer      *roots,
             guint          n_roots,
             HasFolderFunc  has_folder,
             gboolean      *at_home)
{
  g_assert (n_roots > 0);

  for (guint i = 0; i < n_roots; i++)
    if (has_folder (roots[i], "usr"))
      {
        *at_home = FALSE;
        return i;
      }

  *at_home = has_folder (roots[0], "home/user");

  return 0;
}

/* Which image */

/* The qube's disk image in its restored folder: private.img holds the
 * user's files, so it comes first; a template or standalone qube may have
 * only a root.img. @restored_files, when given, lists what the restore
 * wrote there. NULL when there is neither. */
GFile *
qr_mount_files_find_image (GFile              *qube_folder,
                           const char * const *restored_files)
{
  static const char * const names[] = { "private.img", "root.img" };

  g_return_val_if_fail (G_IS_FILE (qube_folder), NULL);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GFile) image = NULL;

      if (restored_files != NULL && !g_strv_contains (restored_files, names[i]))
        continue;

      image = g_file_get_child (qube_folder, names[i]);
      if (g_file_query_file_type (image, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL) ==
          G_FILE_TYPE_REGULAR)
        return g_steal_pointer (&image);
    }

  return NULL;
}

/* Mounted */

static gboolean
mount_has_folder (gpointer    root,
                  const char *relative)
{
  g_autofree char *path = g_build_filename (root, relative, NULL);

  return g_file_test (path, G_FILE_TEST_IS_DIR);
}

/* The folder to show of an image mounted at @mount_points (at least
 * one): the user's home on a private volume, else the root filesystem. */
char *
qr_mount_files_dup_folder (const char * const *mount_points)
{
  gboolean at_home;
  guint chosen;

  g_return_val_if_fail (mount_points != NULL && mount_points[0] != NULL, NULL);

  chosen = choose_root ((gpointer *) mount_points, g_strv_length ((char **) mount_points),
                        mount_has_folder, &at_home);
  if (at_home)
    return g_build_filename (mount_points[chosen], "home", "user", NULL);

  return g_strdup (mount_points[chosen]);
}

/* Whether the current user may open @path. Qubes keeps home/user owned by
 * uid 1000 with mode 0700, which another account cannot enter; the error
 * (QR_ERROR_NOT_AUTHORIZED) says so, and the front ends what to do. */
gboolean
qr_mount_files_check_access (const char  *path,
                             GError     **error)
{
  g_autofree char *display = NULL;
  struct stat st;
  int errsv;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (access (path, R_OK | X_OK) == 0)
    return TRUE;

  errsv = errno;
  display = g_filename_display_name (path);
  if (errsv != EACCES && errsv != EPERM)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_FAILED,
                   _("The folder “%s” cannot be opened: %s. The image may have "
                     "been ejected."), display, g_strerror (errsv));
      return FALSE;
    }

  if (stat (path, &st) == 0 && st.st_uid != geteuid ())
    {
      g_set_error (error, QR_ERROR, QR_ERROR_NOT_AUTHORIZED,
                   _("The folder “%s” belongs to another user account (number %u), "
                     "so your account (number %u) may not open it where it is."),
                   display, (guint) st.st_uid, (guint) geteuid ());
      return FALSE;
    }

  g_set_error (error, QR_ERROR, QR_ERROR_NOT_AUTHORIZED,
               _("Your account may not open the folder “%s”."), display);
  return FALSE;
}

/* Whether mounting @image would let the account @uid into its folder
 * @files_path: root may go anywhere, others only into a folder that is
 * theirs or open to all. FALSE with QR_ERROR_NOT_AUTHORIZED when not, as
 * for the home Qubes keeps private to uid 1000. */
gboolean
qr_mount_files_check_image_access (QrImage     *image,
                                   const char  *files_path,
                                   guint        uid,
                                   GError     **error)
{
  g_autoptr(GFileInfo) info = NULL;
  guint32 inode;
  guint owner;

  g_return_val_if_fail (QR_IS_IMAGE (image), FALSE);
  g_return_val_if_fail (files_path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  inode = qr_image_lookup (image, files_path, TRUE, error);
  if (inode != 0)
    info = qr_image_query_info (image, inode, files_path, error);
  if (info == NULL)
    return FALSE;

  owner = g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_UID);
  if (uid == 0 || owner == uid ||
      (g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_MODE) & 05) == 05)
    return TRUE;

  g_set_error (error, QR_ERROR, QR_ERROR_NOT_AUTHORIZED,
               _("The folder “%s” belongs to another user account (number %u), "
                 "so your account (number %u) may not open it where it is."),
               files_path, owner, uid);
  return FALSE;
}

/* Read in our own process */

static gboolean
image_has_folder (gpointer    root,
                  const char *relative)
{
  g_autoptr(GFileInfo) info = NULL;
  guint32 inode = qr_image_lookup (root, relative, TRUE, NULL);

  if (inode != 0)
    info = qr_image_query_info (root, inode, relative, NULL);

  return info != NULL && g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY;
}

/* Whether the first mebibyte of a range of the image open as @fd holds no
 * data at all. Every partition table and filesystem starts there, and
 * restored images are sparse, so a qube that never ran is one hole. */
gboolean
qr_mount_files_range_is_blank (int     fd,
                               guint64 offset,
                               guint64 size)
{
  off_t data = lseek (fd, offset, SEEK_DATA);

  if (data < 0)
    return errno == ENXIO;

  return (guint64) data - offset >= MIN (size, BLANK_START_SIZE);
}

static gboolean
is_blank (const char *path)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  struct stat st;
  gboolean blank;

  if (fd < 0)
    return FALSE;

  blank = fstat (fd, &st) == 0 && S_ISREG (st.st_mode) &&
          qr_mount_files_range_is_blank (fd, 0, st.st_size);
  close (fd);

  return blank;
}

/* Why the image at @path has nothing at its start: a qube that never ran
 * leaves it empty, but a salvage that lost the start of the image lists
 * that beside it, and then the image is not empty at all. */
static void
set_blank_error (const char  *path,
                 GError     **error)
{
  g_autofree char *folder = g_path_get_dirname (path);
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *display = g_filename_display_basename (path);
  g_autoptr(GArray) lost = NULL;
  GError *list_error = NULL;

  lost = qr_restore_report_read_lost (folder, name, &list_error);
  if (list_error != NULL)
    {
      g_propagate_error (error, list_error);
      return;
    }

  for (guint i = 0; lost != NULL && i < lost->len; i++)
    {
      if (g_array_index (lost, QrRestoreRange, i).offset < BLANK_START_SIZE)
        {
          g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                       _("The start of the disk image “%s” was lost with the damaged part "
                         "of the backup, and with it what says where its files are, so "
                         "they cannot be read."), display);
          return;
        }
    }

  g_set_error (error, QR_ERROR, QR_ERROR_NO_FILESYSTEM,
               _("The image “%s” is empty, so it holds no files. The qube "
                 "may never have been started."), display);
}

/* The ext filesystems in the partitions of @path; the first error when
 * there is none. */
static GPtrArray *
open_partitions (const char  *path,
                 GError     **error)
{
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) partitions = NULL;
  g_autoptr(GError) first_error = NULL;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0)
    return g_steal_pointer (&images);

  partitions = qr_partition_read_table (fd, NULL);
  close (fd);

  for (guint i = 0; partitions != NULL && i < partitions->len; i++)
    {
      QrPartition *partition = &g_array_index (partitions, QrPartition, i);
      g_autoptr(GError) local_error = NULL;
      QrImage *image = qr_image_open (path, partition->offset, partition->size, &local_error);

      if (image != NULL)
        g_ptr_array_add (images, image);
      else if (first_error == NULL &&
               !g_error_matches (local_error, QR_ERROR, QR_ERROR_NO_FILESYSTEM))
        first_error = g_steal_pointer (&local_error);
    }

  if (images->len == 0 && first_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&first_error));
      return NULL;
    }

  return g_steal_pointer (&images);
}

/* Opens the filesystem of the qube's image @path that holds the user's
 * files (the image itself for a private.img, the root partition of a
 * root.img), for reading in this process; @files_path is the folder to
 * show first: home/user, or the root. */
QrImage *
qr_mount_files_open_image (const char  *path,
                           char       **files_path,
                           GError     **error)
{
  g_autoptr(GPtrArray) images = NULL;
  g_autoptr(GError) whole_error = NULL;
  QrImage *image;
  gboolean at_home;
  guint chosen;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (files_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (is_blank (path))
    {
      set_blank_error (path, error);
      return NULL;
    }

  images = g_ptr_array_new_with_free_func (g_object_unref);
  image = qr_image_open (path, 0, 0, &whole_error);
  if (image != NULL)
    g_ptr_array_add (images, image);
  else if (g_error_matches (whole_error, QR_ERROR, QR_ERROR_NO_FILESYSTEM))
    {
      g_clear_pointer (&images, g_ptr_array_unref);
      images = open_partitions (path, error);
      if (images == NULL)
        return NULL;
    }

  if (images->len == 0)
    {
      g_propagate_error (error, g_steal_pointer (&whole_error));
      return NULL;
    }

  chosen = choose_root (images->pdata, images->len, image_has_folder, &at_home);
  *files_path = g_strdup (at_home ? "/home/user" : "/");

  return g_object_ref (g_ptr_array_index (images, chosen));
}

typedef struct
{
  QrImage *image;
  char    *files_path;
} Opened;

static void
opened_free (Opened *opened)
{
  g_clear_object (&opened->image);
  g_free (opened->files_path);
  g_free (opened);
}

static void
open_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Opened *opened = g_new0 (Opened, 1);
  GError *error = NULL;

  opened->image = qr_mount_files_open_image (task_data, &opened->files_path, &error);
  if (opened->image == NULL)
    {
      opened_free (opened);
      g_task_return_error (task, error);
      return;
    }

  g_task_return_pointer (task, opened, (GDestroyNotify) opened_free);
}

/* As qr_mount_files_open_image(), in a worker thread. */
void
qr_mount_files_open_image_async (GFile               *image,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (G_IS_FILE (image));
  g_return_if_fail (g_file_is_native (image));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, qr_mount_files_open_image_async);
  g_task_set_task_data (task, g_file_get_path (image), g_free);
  g_task_run_in_thread (task, open_thread);
}

QrImage *
qr_mount_files_open_image_finish (GAsyncResult  *result,
                                  char         **files_path,
                                  GError       **error)
{
  Opened *opened;
  QrImage *image;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == qr_mount_files_open_image_async,
                        NULL);
  g_return_val_if_fail (files_path != NULL, NULL);

  opened = g_task_propagate_pointer (G_TASK (result), error);
  if (opened == NULL)
    return NULL;

  image = g_steal_pointer (&opened->image);
  *files_path = g_steal_pointer (&opened->files_path);
  opened_free (opened);

  return image;
}
