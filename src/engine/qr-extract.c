/* qr-extract.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Unpacks one verified inner stream (a compressed tar) into a qube's
 * folder, entry by entry; the kinds of entries are handled in
 * qr-extract-files.c and qr-extract-links.c. */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qr-compression.h"

#include "qr-error.h"
#include "qr-extract-private.h"

#define END_OF_ARCHIVE   1024

/* No qube's disk is a petabyte: a size beyond this (a sparse map claiming
 * 2^62 bytes, say) is damage, not a reason to fill the destination. */
#define MAX_FILE_SIZE    ((la_int64_t) 1 << 50)

static void
keep_tail (Source     *source,
           const void *buffer,
           gsize       n)
{
  gsize keep = MIN (n, END_OF_ARCHIVE);
  gsize old = MIN (source->tail_len, END_OF_ARCHIVE - keep);

  memmove (source->tail, source->tail + source->tail_len - old, old);
  memcpy (source->tail + old, (const guint8 *) buffer + n - keep, keep);
  source->tail_len = old + keep;
}

/* Why nothing after a gap in a compressed stream can be placed, added to
 * the gap's own reason. xz streams are salvaged past their gaps by
 * qr-extract-xz.c, from the index at their end; the others have none.
 *
 * gzip, bzip2, lzma, lzip and the rest: one stream whose later bytes
 * depend on all earlier ones, with no record of where anything lies.
 *
 * zstd: frames are independent, so a frame after a gap could be decoded
 * if it were known where it begins and how much data the frames before
 * it held. Neither is: a frame does not record its compressed size (its
 * end is found by walking its blocks' headers, at most 128 KiB apart,
 * and a lost part of a backup is far longer), and records its content
 * size only optionally, which zstd, zstdmt and pzstd leave out when they
 * compress a pipe, as in a backup. pzstd's skippable frames give each
 * frame's compressed size but not its content size. Only the seekable
 * format's seek table records both, and no program a backup can name
 * writes it. So nothing of a zstd stream after its first gap is placed. */
static GError *
explain_stop (const char *filter,
              GError     *reason)
{
  GError *error;

  if (qr_compression_get_format (filter) == ARCHIVE_FILTER_ZSTD)
    error = g_error_new (reason->domain, reason->code, "%s %s", reason->message,
                         _("Nothing after it can be put back in place: zstd data as backups hold "
                           "it has no index, and its frames do not record how much data they "
                           "hold."));
  else
    error = g_error_new (reason->domain, reason->code, "%s %s", reason->message,
                         _("Nothing after it can be put back in place: data compressed with "
                           "this method does not record where its later parts belong."));

  g_error_free (reason);
  return error;
}

/* A gap in the stream: filled with zeros where the stream is plain (or
 * decoded here, past its gaps), so that what follows keeps its place;
 * where it is compressed, nothing after it can be read, so the stream
 * ends there with the gap's reason and why. */
static gssize
take_gap (Source  *source,
          gsize    length,
          GError  *reason)
{
  if (!source->fill_gaps)
    reason = explain_stop (source->filter, reason);

  if (source->gap_error == NULL)
    source->gap_error = g_error_copy (reason);

  if (!source->fill_gaps)
    {
      g_propagate_error (&source->error, reason);
      return -1;
    }

  g_clear_error (&reason);
  g_array_append_val (source->gaps, ((QrRestoreRange) { source->position, length }));
  source->zeros_left = length;
  return 0;
}

static la_ssize_t
source_read_cb (struct archive *a,
                void           *user_data,
                const void    **buffer)
{
  static const guint8 zeros[64 * 1024];
  Source *source = user_data;
  GError *reason = NULL;
  gssize n;

  if (source->at_end)
    return 0;

  if (g_cancellable_set_error_if_cancelled (source->cancellable, &source->error))
    {
      archive_set_error (a, ECANCELED, "cancelled");
      return -1;
    }

  if (source->zeros_left == 0)
    {
      n = source->func (source->user_data, buffer, &reason);
      if (n > 0 && *buffer == NULL)
        n = take_gap (source, n, g_steal_pointer (&reason));
      else if (n < 0)
        g_propagate_error (&source->error, g_steal_pointer (&reason));
    }
  else
    n = 0;

  if (source->zeros_left > 0)
    {
      n = MIN (source->zeros_left, sizeof zeros);
      source->zeros_left -= n;
      *buffer = zeros;
    }

  if (n < 0)
    {
      archive_set_error (a, EIO, "%s", source->error ? source->error->message : "");
      return -1;
    }

  if (n == 0)
    source->at_end = TRUE;
  else
    keep_tail (source, *buffer, n);

  source->position += n;
  return n;
}

/* Salvage: the length of the run of bytes from @start (at most @length)
 * that lies either wholly in a gap or wholly outside gaps, and which. */
gsize
_qr_extract_next_run (Source   *source,
                      guint64   start,
                      gsize     length,
                      gboolean *in_gap)
{
  guint64 end = start + length;

  *in_gap = FALSE;
  for (guint i = 0; source->gaps != NULL && i < source->gaps->len; i++)
    {
      const QrRestoreRange *gap = &g_array_index (source->gaps, QrRestoreRange, i);
      guint64 gap_start = gap->offset;
      guint64 gap_end = gap->offset + gap->length;

      if (gap_end <= start || gap_start >= end)
        continue;

      if (gap_start <= start)
        {
          *in_gap = TRUE;
          return MIN (end, gap_end) - start;
        }

      end = gap_start;
    }

  return end - start;
}

/* Only the named filter, in process: never an external program, never a
 * format guessed from hostile bytes. */
static struct archive *
inner_reader_new (const char  *compression_filter,
                  GError     **error)
{
  struct archive *a = archive_read_new ();

  if (compression_filter != NULL && !qr_compression_enable (a, compression_filter, error))
    {
      archive_read_free (a);
      return NULL;
    }

  archive_read_support_format_tar (a);
  return a;
}

/* Makes a plain sentence of a failure inside an inner stream. A stream that
 * stops before its end means chunks are missing; anything else is damage. */
void
_qr_extract_set_stream_error (GError         **error,
                              Source          *source,
                              struct archive  *a,
                              const char      *series_path)
{
  if (source->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&source->error));
      return;
    }

  if (source->at_end)
    g_set_error (error, QR_ERROR, QR_ERROR_TRUNCATED,
                 _("The backup is incomplete: “%s” ends early, so its last part is missing. "
                   "The backup file was probably cut short while being copied."),
                 series_path);
  else
    g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                 _("The data of “%s” cannot be unpacked (%s): the backup is damaged."),
                 series_path, archive_error_string (a) ? archive_error_string (a) : "?");
}

static gboolean
extract_by_type (Extraction            *x,
                 struct archive_entry  *entry,
                 const char            *relative,
                 GError               **error)
{
  switch (archive_entry_filetype (entry))
    {
    case AE_IFREG:
      if (archive_entry_size (entry) < 0 || archive_entry_size (entry) > MAX_FILE_SIZE)
        {
          _qr_extract_set_entry_error (error, x->job->series_path, archive_entry_pathname (entry),
                           _("an impossible size"));
          return FALSE;
        }
      return _qr_extract_regular (x, entry, relative, error);

    case AE_IFDIR:
      return _qr_extract_directory (x, entry, relative, error);

    case AE_IFLNK:
      return _qr_extract_symlink (x, entry, relative, error);

    case AE_IFIFO:
      return _qr_extract_fifo (x, entry, relative, error);

    /* Device files and sockets are never made: they would give whoever
     * made the backup a way into this computer's devices, and a socket is
     * no use without the program that made it. */
    case AE_IFCHR:
    case AE_IFBLK:
      _qr_extract_add_note (x, _("“%s” is a device file, which is not restored."), relative);
      return TRUE;

    case AE_IFSOCK:
      _qr_extract_add_note (x, _("“%s” is a socket, which is not restored."), relative);
      return TRUE;

    default:
      _qr_extract_set_entry_error (error, x->job->series_path, archive_entry_pathname (entry),
                       _("an entry of an unknown kind"));
      return FALSE;
    }
}

static gboolean
extract_entry (Extraction            *x,
               struct archive_entry  *entry,
               GError               **error)
{
  const char *pathname = archive_entry_pathname (entry);
  g_autofree char *relative = NULL;
  mode_t type = archive_entry_filetype (entry);
  gboolean hardlink = archive_entry_hardlink (entry) != NULL;
  gboolean is_series;

  if ((relative = _qr_extract_entry_relative_path (x, pathname, error)) == NULL)
    return FALSE;

  is_series = g_str_equal (relative, x->series);

  /* Where the series' own file belongs, nothing else may stand. */
  if (is_series && x->job->kind == QR_EXTRACT_SINGLE_FILE && !hardlink
      && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
    {
      _qr_extract_set_unsafe_error (error, x->job->series_path, pathname, _("not a regular file"));
      return FALSE;
    }

  if (relative[0] == '\0' && (hardlink || type != AE_IFDIR))
    {
      _qr_extract_set_unsafe_error (error, x->job->series_path, pathname, _("a name outside its own folder"));
      return FALSE;
    }

  if (relative[0] != '\0'
      && !(hardlink ? _qr_extract_hardlink (x, entry, relative, error)
                    : extract_by_type (x, entry, relative, error)))
    return FALSE;

  x->saw_series = x->saw_series || is_series;
  x->series_is_link = x->series_is_link || (is_series && !hardlink && type == AE_IFLNK);

  /* A series that is the qube's whole folder (a template's) lists the
   * files at its top. */
  if (x->job->kind == QR_EXTRACT_TREE && x->series[0] == '\0' && type == AE_IFREG
      && strchr (relative, '/') == NULL)
    g_ptr_array_add (x->job->files, g_strdup (relative));

  return TRUE;
}

/* Reads what is left of the stream, so that the producer always sees its
 * series consumed; the padding after the end of the tar is not data. */
static gboolean
drain_source (Source  *source,
              GError **error)
{
  const void *buffer;

  while (!source->at_end)
    {
      GError *reason = NULL;
      gssize n = source->raw_func (source->raw_user_data, &buffer, &reason);

      if (n < 0)
        {
          g_propagate_error (error, reason);
          return FALSE;
        }

      /* A gap after the end of the archive loses nothing. */
      g_clear_error (&reason);
      if (n == 0)
        source->at_end = TRUE;
    }

  return TRUE;
}

/* Salvage: what a stream that broke off or had gaps gave back. A file kept
 * whole says so; one with lost stretches, or a tree that ended in a gap
 * (its later entries lost), is partly recovered; a series whose own file
 * never came is not recovered. */
static void
finish_report (Extraction   *x,
               gboolean      complete,
               const GError *error)
{
  QrRestoreFile *report = x->job->report;
  Source *source = x->source;
  gboolean tail_in_gap = FALSE;
  const char *why = error != NULL ? error->message
                                  : source->gap_error ? source->gap_error->message : NULL;

  if (qr_restore_file_get_state (report) != QR_RESTORE_FILE_COMPLETE)
    return;

  if (source->position >= END_OF_ARCHIVE)
    _qr_extract_next_run (source, source->position - END_OF_ARCHIVE, END_OF_ARCHIVE,
                          &tail_in_gap);

  /* A file never met, after a gap, was lost in the gap. */
  if (x->job->kind == QR_EXTRACT_SINGLE_FILE && !x->saw_series)
    qr_restore_file_set_state (report, QR_RESTORE_FILE_MISSING,
                               source->gap_error ? source->gap_error->message : why);
  else if (qr_restore_file_get_missing (report) > 0 ||
           (x->job->kind == QR_EXTRACT_TREE && (!complete || tail_in_gap)))
    qr_restore_file_set_state (report, QR_RESTORE_FILE_PARTIAL, why);
}

/* Salvage: a stream that broke off after the series' own file was whole
 * lost nothing of it; otherwise the report says what came back, and the
 * error stays for the caller to tell a broken stream from a machine's
 * failure. */
static gboolean
salvage_outcome (Extraction  *x,
                 gboolean     ret,
                 GError     **error)
{
  const GError *why = error != NULL ? *error : NULL;

  finish_report (x, ret, why);

  if (x->kept_broken_file)
    g_ptr_array_add (x->job->files, g_strdup (x->series));

  if (!ret && x->job->kind == QR_EXTRACT_SINGLE_FILE && x->saw_series &&
      qr_restore_file_get_state (x->job->report) == QR_RESTORE_FILE_COMPLETE)
    {
      g_clear_error (error);
      return TRUE;
    }

  return ret;
}

gboolean
qr_extract_stream (QrExtractJob       *job,
                   QrExtractReadFunc   read_func,
                   gpointer            user_data,
                   GCancellable       *cancellable,
                   GError            **error)
{
  Source source = { .func = read_func, .user_data = user_data, .raw_func = read_func,
                    .raw_user_data = user_data, .cancellable = cancellable,
                    .filter = job->compression_filter };
  Extraction x = { job, &source, NULL, NULL, FALSE, FALSE, 0, FALSE };
  QrExtractXz *xz = NULL;
  struct archive_entry *entry;
  NameCheck check;
  gboolean ret = FALSE;
  int r;

  g_return_val_if_fail (job != NULL, FALSE);
  g_return_val_if_fail (read_func != NULL, FALSE);
  g_return_val_if_fail (job->series_path != NULL && job->strip_prefix != NULL, FALSE);

  x.series = _qr_extract_relative_name (job->strip_prefix, job->series_path, &check);
  if (x.series == NULL)
    {
      _qr_extract_set_unsafe_error (error, job->series_path, job->series_path,
                        _("a name outside its own folder"));
      return FALSE;
    }

  /* Salvaged, an xz stream is decoded here and read as a plain one. */
  if (job->report != NULL && source.filter != NULL
      && qr_compression_get_format (source.filter) == ARCHIVE_FILTER_XZ)
    {
      xz = _qr_extract_xz_new (read_func, user_data, job->dir_fd, job->series_path, cancellable);
      source.func = _qr_extract_xz_read;
      source.user_data = xz;
      source.filter = NULL;
    }

  source.fill_gaps = job->report != NULL && source.filter == NULL;
  source.gaps = g_array_new (FALSE, FALSE, sizeof (QrRestoreRange));

  if ((x.archive = inner_reader_new (source.filter, error)) == NULL)
    goto out;

  if (archive_read_open (x.archive, &source, NULL, source_read_cb, NULL) != ARCHIVE_OK)
    {
      _qr_extract_set_stream_error (error, &source, x.archive, job->series_path);
      goto out;
    }

  /* Only a stream with nothing at all in it lacks its chunks; data in
   * another format is damage, however short. */
  if (!qr_compression_found (x.archive, source.filter))
    {
      archive_set_error (x.archive, EINVAL, "not %s data",
                         source.filter ? source.filter : "tar");
      if (source.tail_len == 0)
        _qr_extract_set_stream_error (error, &source, x.archive, job->series_path);
      else
        g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                     _("The data of “%s” cannot be unpacked (%s): the backup is damaged."),
                     job->series_path, archive_error_string (x.archive));
      goto out;
    }

  while ((r = archive_read_next_header (x.archive, &entry)) == ARCHIVE_OK)
    {
      if (!extract_entry (&x, entry, error))
        goto out;
    }

  if (r != ARCHIVE_EOF)
    {
      _qr_extract_set_stream_error (error, &source, x.archive, job->series_path);
      goto out;
    }

  /* libarchive takes the end of its input for the end of the archive; a
   * tar cut between two members ends in the data of the last one, a whole
   * one in its two zero blocks. A compressor notices a cut itself. */
  if (source.filter == NULL && source.at_end
      && (source.tail_len < END_OF_ARCHIVE || !_qr_extract_is_zero (source.tail, END_OF_ARCHIVE)))
    {
      _qr_extract_set_stream_error (error, &source, x.archive, job->series_path);
      goto out;
    }

  if (job->kind == QR_EXTRACT_SINGLE_FILE && !x.saw_series)
    {
      g_set_error (error, QR_ERROR, source.at_end ? QR_ERROR_TRUNCATED : QR_ERROR_DAMAGED,
                   _("The backup of “%s” holds no file: the backup is damaged or incomplete."),
                   job->series_path);
      goto out;
    }

  if (x.series[0] != '\0' && !x.series_is_link)
    g_ptr_array_add (job->files, g_strdup (x.series));

  ret = drain_source (&source, error);

out:
  if (job->report != NULL)
    ret = salvage_outcome (&x, ret, error);
  g_clear_error (&source.error);
  g_clear_error (&source.gap_error);
  g_clear_pointer (&source.gaps, g_array_unref);
  g_clear_pointer (&x.archive, archive_read_free);
  g_clear_pointer (&xz, _qr_extract_xz_free);
  g_free (x.series);
  return ret;
}

GBytes *
qr_extract_single_file_from_memory (GBytes      *stream,
                                    const char  *compression_filter,
                                    const char  *member_name,
                                    gsize        max_size,
                                    GError     **error)
{
  struct archive *a;
  struct archive_entry *entry;
  g_autofree guint8 *data = NULL;
  GBytes *ret = NULL;
  la_int64_t size;
  gsize len;
  const guint8 *bytes = g_bytes_get_data (stream, &len);

  if ((a = inner_reader_new (compression_filter, error)) == NULL)
    return NULL;

  if (archive_read_open_memory (a, bytes, len) != ARCHIVE_OK ||
      !qr_compression_found (a, compression_filter) ||
      archive_read_next_header (a, &entry) != ARCHIVE_OK ||
      g_strcmp0 (archive_entry_pathname (entry), member_name) != 0 ||
      archive_entry_filetype (entry) != AE_IFREG ||
      (size = archive_entry_size (entry)) < 0 || (guint64) size > max_size)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                   _("“%s” cannot be unpacked from the backup: the backup is damaged."),
                   member_name);
      goto out;
    }

  data = g_malloc (size + 1);
  if (archive_read_data (a, data, size) != size)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                   _("“%s” cannot be unpacked from the backup: the backup is damaged."),
                   member_name);
      goto out;
    }

  data[size] = 0;
  ret = g_bytes_new_take (g_steal_pointer (&data), size);

out:
  archive_read_free (a);
  return ret;
}

static gboolean
remove_children (int fd)
{
  DIR *dir = fdopendir (fd);
  struct dirent *de;
  gboolean ret = TRUE;

  if (dir == NULL)
    {
      close (fd);
      return FALSE;
    }

  while ((de = readdir (dir)) != NULL)
    {
      if (g_str_equal (de->d_name, ".") || g_str_equal (de->d_name, ".."))
        continue;

      if (unlinkat (dirfd (dir), de->d_name, 0) == 0)
        continue;

      ret = qr_extract_remove_tree (dirfd (dir), de->d_name) && ret;
    }

  closedir (dir);
  return ret;
}

/* Removes a folder this program created, without following any link. */
gboolean
qr_extract_remove_tree (int         parent_fd,
                        const char *name)
{
  int fd = openat (parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

  if (fd < 0)
    return unlinkat (parent_fd, name, 0) == 0;

  if (!remove_children (fd))
    return FALSE;

  return unlinkat (parent_fd, name, AT_REMOVEDIR) == 0;
}
