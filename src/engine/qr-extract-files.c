/* qr-extract-files.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Regular files and folders: a file is written sparse under a temporary
 * name and gets its real name only once complete. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qr-error.h"
#include "qr-extract-private.h"

/* Zero runs this large (and aligned) are left as holes, so restored images
 * take only the space their data needs. */
#define HOLE_GRANULARITY 4096

gboolean
_qr_extract_is_zero (const guint8 *data,
                     gsize         len)
{
  return len == 0 || (data[0] == 0 && memcmp (data, data + 1, len - 1) == 0);
}

static gboolean
pwrite_all (int           fd,
            const guint8 *data,
            gsize         len,
            guint64       offset)
{
  while (len > 0)
    {
      ssize_t n = pwrite (fd, data, len, offset);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;

      data += n;
      len -= n;
      offset += n;
    }

  return TRUE;
}

/* Writes one block of a file, leaving aligned runs of zeros as holes. */
gboolean
_qr_extract_write_block_sparse (int           fd,
                                const guint8 *data,
                                gsize         len,
                                guint64       offset,
                                guint64      *written)
{
  gsize pos = 0;

  while (pos < len)
    {
      gsize step = MIN (len - pos, HOLE_GRANULARITY - (offset + pos) % HOLE_GRANULARITY);
      gsize end;

      if (_qr_extract_is_zero (data + pos, step))
        {
          pos += step;
          continue;
        }

      end = pos + step;
      while (end < len)
        {
          gsize next = MIN (len - end, HOLE_GRANULARITY);

          if (_qr_extract_is_zero (data + end, next))
            break;
          end += next;
        }

      if (!pwrite_all (fd, data + pos, end - pos, offset + pos))
        return FALSE;

      *written += end - pos;
      pos = end;
    }

  return TRUE;
}

static gboolean
write_data (Extraction  *x,
            int          fd,
            const char  *relative,
            GError     **error)
{
  const void *block;
  size_t size;
  la_int64_t offset;
  int r;

  while ((r = archive_read_data_block (x->archive, &block, &size, &offset)) == ARCHIVE_OK)
    {
      if (fd >= 0 && !_qr_extract_write_block_sparse (fd, block, size, offset, &x->job->bytes_written))
        return _qr_extract_set_io_error (error, errno, relative);
    }

  if (r != ARCHIVE_EOF)
    {
      _qr_extract_set_stream_error (error, x->source, x->archive, x->job->series_path);
      return FALSE;
    }

  return TRUE;
}

/* A file is written under a temporary name and gets its real name only
 * once complete. */
int
_qr_extract_create_temp (int    parent,
                         char **temp_name)
{
  static guint counter;

  *temp_name = g_strdup_printf (".qr-partial-%u", g_atomic_int_add (&counter, 1));
  return openat (parent, *temp_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

/* Gives a complete temporary file its size, mode, time and real name,
 * never replacing anything. The temporary name is gone either way. */
gboolean
_qr_extract_install_temp (Extraction       *x,
                          int               parent,
                          char            **temp_name,
                          int               fd,
                          const char       *leaf,
                          const char       *relative,
                          guint64           size,
                          mode_t            perm,
                          struct timespec  *mtime,
                          GError          **error)
{
  struct timespec times[2] = { { 0, UTIME_OMIT }, *mtime };
  gboolean ret = FALSE;

  if (ftruncate (fd, size) != 0 || fchmod (fd, (perm & 0777) | 0600) != 0
      || futimens (fd, times) != 0)
    _qr_extract_set_io_error (error, errno, relative);
  else if (renameat2 (parent, *temp_name, parent, leaf, RENAME_NOREPLACE) == 0)
    ret = TRUE;
  else if (errno == EEXIST)
    _qr_extract_set_entry_error (error, x->job->series_path, relative, _("a name that appears twice"));
  else
    _qr_extract_set_io_error (error, errno, relative);

  if (!ret)
    unlinkat (parent, *temp_name, 0);
  g_clear_pointer (temp_name, g_free);
  return ret;
}

gboolean
_qr_extract_regular (Extraction            *x,
                     struct archive_entry  *entry,
                     const char            *relative,
                     GError               **error)
{
  g_autofree char *temp_name = NULL;
  const char *leaf;
  la_int64_t size = archive_entry_size (entry);
  struct timespec mtime = { archive_entry_mtime (entry), 0 };
  int parent;
  int fd;
  gboolean ret = FALSE;

  if (x->job->dir_fd < 0)
    {
      if (!write_data (x, -1, relative, error))
        return FALSE;
      x->job->apparent_size += size;
      return TRUE;
    }

  if ((parent = _qr_extract_open_parent (x, relative, &leaf, error)) < 0)
    return FALSE;

  fd = _qr_extract_create_temp (parent, &temp_name);
  if (fd < 0)
    _qr_extract_set_io_error (error, errno, relative);
  else if (!write_data (x, fd, relative, error))
    unlinkat (parent, temp_name, 0);
  else
    ret = _qr_extract_install_temp (x, parent, &temp_name, fd, leaf, relative, size,
                        archive_entry_perm (entry), &mtime, error);

  if (ret)
    x->job->apparent_size += size;
  if (fd >= 0)
    close (fd);
  close (parent);
  return ret;
}

gboolean
_qr_extract_directory (Extraction            *x,
                       struct archive_entry  *entry,
                       const char            *relative,
                       GError               **error)
{
  g_autofree char *child = g_strconcat (relative, "/.", NULL);
  const char *leaf;
  int parent;

  if (x->job->dir_fd < 0)
    return TRUE;

  /* Opening the parent of "dir/." creates "dir" itself, safely. */
  if ((parent = _qr_extract_open_parent (x, child, &leaf, error)) < 0)
    return FALSE;

  fchmod (parent, (archive_entry_perm (entry) & 0777) | 0700);
  close (parent);
  return TRUE;
}
