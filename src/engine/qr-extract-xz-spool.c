/* qr-extract-xz-spool.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The spool of an xz stream being salvaged: the compressed stream from
 * its first gap on, in a temporary file beside the files being restored,
 * so that memory stays bounded whatever the size of the stream. Verified
 * stretches are written at their places in the stream; gaps are only
 * listed, and left as holes, so nothing unverified is ever written, and
 * nothing can be read back from the spool but verified data. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "qr-extract-xz-private.h"
#include "qr-pwrite.h"

struct _QrXzSpool
{
  int       fd;
  char     *series_path;
  /* Where in the compressed stream the spool begins and ends, its gaps
   * (QrRestoreRange, in order, none touching the next), and why the
   * first is one. */
  guint64   start;
  guint64   end;
  GArray   *gaps;
  GError   *reason;
};

static int
open_unnamed (int dir_fd)
{
  static guint counter;
  g_autofree char *name = NULL;
  int fd = openat (dir_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

  if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
    return fd;

  /* A file system without unnamed files: a name, gone at once. */
  name = g_strdup_printf (".qr-spool-%u", g_atomic_int_add (&counter, 1));
  fd = openat (dir_fd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0)
    unlinkat (dir_fd, name, 0);
  return fd;
}

/* The spool lies in @dir_fd, where the files are restored and the space
 * is; a stream only being checked (@dir_fd -1) spools to the temporary
 * folder. */
QrXzSpool *
_qr_extract_xz_spool_new (int          dir_fd,
                          guint64      start,
                          const char  *series_path,
                          GError     **error)
{
  QrXzSpool *spool;
  int dir = dir_fd;
  int fd, errsv;

  if (dir < 0 && (dir = open (g_get_tmp_dir (), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    {
      _qr_extract_set_io_error (error, errno, g_get_tmp_dir ());
      return NULL;
    }

  fd = open_unnamed (dir);
  errsv = errno;
  if (dir != dir_fd)
    close (dir);

  if (fd < 0)
    {
      _qr_extract_set_io_error (error, errsv, series_path);
      return NULL;
    }

  spool = g_new0 (QrXzSpool, 1);
  spool->fd = fd;
  spool->series_path = g_strdup (series_path);
  spool->start = start;
  spool->end = start;
  spool->gaps = g_array_new (FALSE, FALSE, sizeof (QrRestoreRange));
  return spool;
}

void
_qr_extract_xz_spool_free (QrXzSpool *spool)
{
  if (spool == NULL)
    return;

  close (spool->fd);
  g_array_unref (spool->gaps);
  g_clear_error (&spool->reason);
  g_free (spool->series_path);
  g_free (spool);
}

guint64
_qr_extract_xz_spool_get_end (QrXzSpool *spool)
{
  return spool->end;
}

/* Why the first gap is one; NULL before it. */
const GError *
_qr_extract_xz_spool_get_reason (QrXzSpool *spool)
{
  return spool->reason;
}

/* Verified data, written where it lies in the stream. */
gboolean
_qr_extract_xz_spool_write (QrXzSpool     *spool,
                            const guint8  *data,
                            gsize          len,
                            GError       **error)
{
  if (len > QR_XZ_MAX_STREAM_SIZE - (spool->end - spool->start))
    {
      _qr_extract_set_io_error (error, EFBIG, spool->series_path);
      return FALSE;
    }

  if (!qr_pwrite_all (spool->fd, data, len, spool->end - spool->start))
    return _qr_extract_set_io_error (error, errno, spool->series_path);

  spool->end += len;
  return TRUE;
}

/* A stretch of the stream that was not verified, @reason why (taken).
 * FALSE when it would take the stream beyond any real size: its end,
 * and what comes after it, cannot be known then. */
gboolean
_qr_extract_xz_spool_add_gap (QrXzSpool *spool,
                              guint64    length,
                              GError    *reason)
{
  QrRestoreRange *last = NULL;

  if (spool->reason == NULL)
    spool->reason = g_steal_pointer (&reason);
  g_clear_error (&reason);

  if (length > QR_XZ_MAX_STREAM_SIZE - (spool->end - spool->start))
    return FALSE;

  if (spool->gaps->len > 0)
    last = &g_array_index (spool->gaps, QrRestoreRange, spool->gaps->len - 1);

  if (last != NULL && last->offset + last->length == spool->end)
    last->length += length;
  else
    g_array_append_val (spool->gaps, ((QrRestoreRange) { spool->end, length }));

  spool->end += length;
  return TRUE;
}

/* The index of the first gap that ends after @offset, or gaps->len. */
static guint
gap_after (QrXzSpool *spool,
           guint64    offset)
{
  guint low = 0, high = spool->gaps->len;

  while (low < high)
    {
      guint mid = low + (high - low) / 2;
      const QrRestoreRange *gap = &g_array_index (spool->gaps, QrRestoreRange, mid);

      if (gap->offset + gap->length <= offset)
        low = mid + 1;
      else
        high = mid;
    }

  return low;
}

/* Whether the stretch from @start to @end of the compressed stream was
 * verified and is in the spool. */
gboolean
_qr_extract_xz_spool_is_verified (QrXzSpool *spool,
                                  guint64    start,
                                  guint64    end)
{
  guint i;

  if (start < spool->start || end > spool->end || start > end)
    return FALSE;

  i = gap_after (spool, start);
  return i == spool->gaps->len || g_array_index (spool->gaps, QrRestoreRange, i).offset >= end;
}

/* Where the run of verified data that ends at @end begins. */
guint64
_qr_extract_xz_spool_run_start (QrXzSpool *spool,
                                guint64    end)
{
  guint i = gap_after (spool, end);
  guint64 start = spool->start;

  if (i > 0)
    {
      const QrRestoreRange *gap = &g_array_index (spool->gaps, QrRestoreRange, i - 1);

      start = gap->offset + gap->length;
    }

  return MIN (start, end);
}

/* Reads a stretch of the compressed stream from the spool: FALSE with
 * @error set when reading failed, without when it is not verified data. */
gboolean
_qr_extract_xz_spool_read (QrXzSpool  *spool,
                           guint64     start,
                           gsize       len,
                           guint8     *buffer,
                           GError    **error)
{
  gsize done = 0;

  if (len > G_MAXUINT64 - start || !_qr_extract_xz_spool_is_verified (spool, start, start + len))
    return FALSE;

  while (done < len)
    {
      ssize_t n = pread (spool->fd, buffer + done, len - done, start - spool->start + done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return _qr_extract_set_io_error (error, n < 0 ? errno : EIO, spool->series_path);
      done += n;
    }

  return TRUE;
}
