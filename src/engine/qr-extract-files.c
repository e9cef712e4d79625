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
#include "qr-pwrite.h"

/* Zero runs this large (and aligned) are left as holes, so restored images
 * take only the space their data needs. */
#define HOLE_GRANULARITY 4096

gboolean
_qr_extract_is_zero (const guint8 *data,
                     gsize         len)
{
  return len == 0 || (data[0] == 0 && memcmp (data, data + 1, len - 1) == 0);
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

      if (!qr_pwrite_all (fd, data + pos, end - pos, offset + pos))
        return FALSE;

      *written += end - pos;
      pos = end;
    }

  return TRUE;
}

/* Whether the entry being written is the series' own file, the one a
 * salvage report speaks of stretch by stretch. */
static gboolean
is_series_file (Extraction *x)
{
  return x->job->kind == QR_EXTRACT_SINGLE_FILE;
}

/* Writes one data block. In a salvage, the stretches of it that came from
 * a gap in the stream are not data: they are left as holes and listed. */
static gboolean
write_block (Extraction   *x,
             int           fd,
             const guint8 *block,
             gsize         size,
             guint64       offset)
{
  QrRestoreFile *report = x->job->report;
  guint64 input = x->source->fill_gaps ? archive_filter_bytes (x->archive, 0) : 0;
  gsize done = 0;

  x->reached = MAX (x->reached, offset + size);

  while (done < size)
    {
      gboolean in_gap = FALSE;
      gsize run = x->source->fill_gaps ? _qr_extract_next_run (x->source, input + done,
                                                               size - done, &in_gap)
                                       : size - done;

      if (in_gap && is_series_file (x))
        qr_restore_file_add_missing (report, offset + done, run);
      else if (!in_gap)
        {
          if (fd >= 0 && !_qr_extract_write_block_sparse (fd, block + done, run, offset + done,
                                                          &x->job->bytes_written))
            return FALSE;
          if (report != NULL)
            qr_restore_file_add_recovered (report, run);
        }

      done += run;
    }

  return TRUE;
}

/* Writes an entry's data; a stream that breaks off sets @broken, as
 * opposed to the destination failing. */
static gboolean
write_data (Extraction  *x,
            int          fd,
            const char  *relative,
            gboolean    *broken,
            GError     **error)
{
  const void *block;
  size_t size;
  la_int64_t offset;
  int r;

  *broken = FALSE;
  x->reached = 0;
  while ((r = archive_read_data_block (x->archive, &block, &size, &offset)) == ARCHIVE_OK)
    {
      if (!write_block (x, fd, block, size, offset))
        return _qr_extract_set_io_error (error, errno, relative);
    }

  if (r != ARCHIVE_EOF)
    {
      *broken = TRUE;
      _qr_extract_set_stream_error (error, x->source, x->archive, x->job->series_path);
      return FALSE;
    }

  return TRUE;
}

/* Salvage: the data stretches of a file broken off at @from that never
 * came, from its sparse map. */
static void
add_missing_after (QrRestoreFile        *report,
                   struct archive_entry *entry,
                   guint64               from)
{
  guint64 size = archive_entry_size (entry);
  la_int64_t offset, length;

  if (archive_entry_sparse_reset (entry) == 0)
    {
      if (from < size)
        qr_restore_file_add_missing (report, from, size - from);
      return;
    }

  while (archive_entry_sparse_next (entry, &offset, &length) == ARCHIVE_OK)
    {
      guint64 start = MAX ((guint64) offset, from);
      guint64 end = MIN ((guint64) offset + length, size);

      if (end > start)
        qr_restore_file_add_missing (report, start, end - start);
    }
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

/* Salvage: a file whose stream broke off keeps what came of it, at its
 * full size, under its own name; the report says what is missing. */
static void
keep_broken_file (Extraction            *x,
                  struct archive_entry  *entry,
                  int                    parent,
                  char                 **temp_name,
                  int                    fd,
                  const char            *leaf,
                  const char            *relative,
                  const GError          *why)
{
  QrRestoreFile *report = x->job->report;
  struct timespec mtime = { archive_entry_mtime (entry), 0 };

  if (is_series_file (x))
    add_missing_after (report, entry, x->reached);

  qr_restore_file_set_state (report, QR_RESTORE_FILE_PARTIAL, why->message);
  if (fd >= 0 && _qr_extract_install_temp (x, parent, temp_name, fd, leaf, relative,
                                           archive_entry_size (entry),
                                           archive_entry_perm (entry), &mtime, NULL))
    {
      x->job->apparent_size += archive_entry_size (entry);
      x->kept_broken_file = is_series_file (x);
    }
}

gboolean
_qr_extract_regular (Extraction            *x,
                     struct archive_entry  *entry,
                     const char            *relative,
                     GError               **error)
{
  g_autofree char *temp_name = NULL;
  const char *leaf = NULL;
  la_int64_t size = archive_entry_size (entry);
  struct timespec mtime = { archive_entry_mtime (entry), 0 };
  gboolean broken = FALSE;
  int parent = -1;
  int fd = -1;
  gboolean ret = FALSE;

  if (x->job->report != NULL && is_series_file (x))
    qr_restore_file_set_size (x->job->report, size);

  if (x->job->dir_fd >= 0)
    {
      if ((parent = _qr_extract_open_parent (x, relative, &leaf, error)) < 0)
        return FALSE;
      if ((fd = _qr_extract_create_temp (parent, &temp_name)) < 0)
        {
          _qr_extract_set_io_error (error, errno, relative);
          goto out;
        }
    }

  if (!write_data (x, fd, relative, &broken, error))
    {
      if (broken && x->job->report != NULL)
        keep_broken_file (x, entry, parent, &temp_name, fd, leaf, relative, *error);
      goto out;
    }

  ret = fd < 0 || _qr_extract_install_temp (x, parent, &temp_name, fd, leaf, relative, size,
                                            archive_entry_perm (entry), &mtime, error);
  if (ret)
    x->job->apparent_size += size;

out:
  if (temp_name != NULL)
    unlinkat (parent, temp_name, 0);
  if (fd >= 0)
    close (fd);
  if (parent >= 0)
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
