/* qr-image-copy-write.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qr-image-copy-private.h"
#include "qr-pwrite.h"

/* Writing what the walk finds into the destination, by file descriptor
 * and never replacing anything: a file or link under a temporary name
 * that it gives up only when complete, a folder made empty and given its
 * own mode and time once filled. Of a partly recovered image, what was
 * lost of a file stays a hole. Whatever fails is noted, or ends the copy,
 * through the walk. */

char *
_qr_image_copy_temp_name (void)
{
  static guint counter;

  return g_strdup_printf (".qr-partial-%u-%u", (guint) getpid (),
                          g_atomic_int_add (&counter, 1));
}

/* Gives the finished @temp its @name, never replacing anything: the
 * destination may be a disk that knows neither RENAME_NOREPLACE nor hard
 * links. */
int
_qr_image_copy_give_name (int         dir_fd,
                          const char *temp,
                          const char *name)
{
  if (renameat2 (dir_fd, temp, dir_fd, name, RENAME_NOREPLACE) == 0)
    return 0;
  if (errno != EINVAL && errno != ENOSYS)
    return errno;

  if (linkat (dir_fd, temp, dir_fd, name, 0) == 0)
    {
      unlinkat (dir_fd, temp, 0);
      return 0;
    }
  if (errno != EPERM && errno != ENOSYS && errno != EOPNOTSUPP)
    return errno;

  if (faccessat (dir_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    return EEXIST;
  if (renameat (dir_fd, temp, dir_fd, name) != 0)
    return errno;

  return 0;
}

/* What the file's owner may do, and what others may: kept, with read and
 * write for the user always, and no set-id bits. */
static mode_t
copy_mode (GFileInfo *info,
           mode_t     always)
{
  return (g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_MODE) & 0777) | always;
}

static void
get_times (GFileInfo       *info,
           struct timespec  times[2])
{
  times[1].tv_sec = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED);
  times[1].tv_nsec = g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC) * 1000;
  times[0] = times[1];
}

/* Regular files */

/* Copies @count bytes of @map at @offset, which lie at @physical in the
 * image file, into @fd: those that were recovered; what was lost of a
 * partly recovered image stays a hole. FALSE with a note, or with
 * walk->fatal set. */
static gboolean
copy_piece (QrImageCopyWalk *walk,
            QrImageData     *map,
            int              fd,
            const char      *path,
            guint64          offset,
            guint64          physical,
            gsize            count)
{
  while (count > 0)
    {
      g_autoptr(GError) error = NULL;
      gboolean lost;
      gsize span = qr_image_get_span (walk->job->image, physical, count, &lost);
      gssize n = span;

      if (!lost)
        n = qr_image_data_read (walk->job->image, map, offset, walk->buffer, span, &error);
      if (n < 0)
        {
          _qr_image_copy_walk_note (walk, QR_IMAGE_COPY_NOTE_FAILED, path,
                                    g_steal_pointer (&error));
          return FALSE;
        }

      if (!lost && !qr_pwrite_all (fd, walk->buffer, n, offset))
        {
          _qr_image_copy_walk_destination_error (walk, path, errno);
          return FALSE;
        }

      _qr_image_copy_add_progress (walk->self, 0, n, NULL);
      offset += n;
      physical += n;
      count -= n;
    }

  return TRUE;
}

/* Copies the data of @map into @fd: only the extents, so that holes stay
 * holes. FALSE with a note, or with walk->fatal set. */
static gboolean
copy_data (QrImageCopyWalk *walk,
           QrImageData     *map,
           int              fd,
           const char      *path)
{
  guint64 size = qr_image_data_get_size (map);
  const QrImageExtent *extents;
  guint n_extents;

  extents = qr_image_data_get_extents (map, &n_extents);

  for (guint i = 0; i < n_extents; i++)
    {
      guint64 end = MIN (extents[i].logical + extents[i].length, size);

      for (guint64 offset = extents[i].logical; offset < end; offset += QR_IMAGE_COPY_PIECE_SIZE)
        {
          if (_qr_image_copy_walk_check_cancelled (walk))
            return FALSE;

          if (!copy_piece (walk, map, fd, path, offset,
                           extents[i].physical + (offset - extents[i].logical),
                           MIN (QR_IMAGE_COPY_PIECE_SIZE, end - offset)))
            return FALSE;
        }
    }

  return TRUE;
}

gboolean
_qr_image_copy_write_file (QrImageCopyWalk *walk,
                           int              dir_fd,
                           const char      *name,
                           const char      *path,
                           GFileInfo       *info)
{
  guint32 inode = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_UNIX_INODE);
  g_autoptr(QrImageData) map = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *temp = _qr_image_copy_temp_name ();
  struct timespec times[2];
  gboolean done = FALSE;
  int errsv = 0;
  int fd;

  map = qr_image_read_data_map (walk->job->image, inode, path, &error);
  if (map == NULL)
    {
      _qr_image_copy_walk_note (walk, QR_IMAGE_COPY_NOTE_FAILED, path, g_steal_pointer (&error));
      return FALSE;
    }

  fd = openat (dir_fd, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      _qr_image_copy_walk_destination_error (walk, path, errno);
      return FALSE;
    }

  get_times (info, times);
  if (copy_data (walk, map, fd, path))
    {
      if (ftruncate (fd, qr_image_data_get_size (map)) != 0 ||
          fchmod (fd, copy_mode (info, 0600)) != 0 ||
          futimens (fd, times) != 0 ||
          (errsv = _qr_image_copy_give_name (dir_fd, temp, name)) != 0)
        _qr_image_copy_walk_destination_error (walk, path, errsv != 0 ? errsv : errno);
      else
        done = TRUE;
    }

  close (fd);
  if (!done)
    unlinkat (dir_fd, temp, 0);

  return done;
}

/* Links, copied as links and never followed */

gboolean
_qr_image_copy_write_link (QrImageCopyWalk *walk,
                           int              dir_fd,
                           const char      *name,
                           const char      *path,
                           GFileInfo       *info)
{
  guint32 inode = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_UNIX_INODE);
  g_autofree char *target = NULL;
  g_autofree char *temp = _qr_image_copy_temp_name ();
  g_autoptr(GError) error = NULL;
  struct timespec times[2];
  int errsv;

  target = qr_image_read_link (walk->job->image, inode, path, &error);
  if (target == NULL)
    {
      _qr_image_copy_walk_note (walk, QR_IMAGE_COPY_NOTE_FAILED, path, g_steal_pointer (&error));
      return FALSE;
    }

  if (symlinkat (target, dir_fd, temp) != 0)
    {
      _qr_image_copy_walk_destination_error (walk, path, errno);
      return FALSE;
    }

  get_times (info, times);
  utimensat (dir_fd, temp, times, AT_SYMLINK_NOFOLLOW);
  errsv = _qr_image_copy_give_name (dir_fd, temp, name);
  if (errsv != 0)
    {
      unlinkat (dir_fd, temp, 0);
      _qr_image_copy_walk_destination_error (walk, path, errsv);
      return FALSE;
    }

  return TRUE;
}

/* Folders */

/* Makes the folder @name in @dir_fd, for @path in the image, and opens
 * it: its descriptor, or -1 with a note or with walk->fatal set. */
int
_qr_image_copy_write_folder (QrImageCopyWalk *walk,
                             int              dir_fd,
                             const char      *name,
                             const char      *path)
{
  int fd;

  if (mkdirat (dir_fd, name, 0700) != 0)
    {
      _qr_image_copy_walk_destination_error (walk, path, errno);
      return -1;
    }

  fd = openat (dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    _qr_image_copy_walk_destination_error (walk, path, errno);

  return fd;
}

/* A folder's own mode and time, once nothing more is written into it. */
void
_qr_image_copy_finish_folder (QrImageCopyWalk *walk,
                              int              fd,
                              GFileInfo       *info,
                              const char      *path)
{
  struct timespec times[2];

  get_times (info, times);
  if (fchmod (fd, copy_mode (info, 0700)) != 0 || futimens (fd, times) != 0)
    _qr_image_copy_walk_destination_error (walk, path, errno);
}
