/* qr-extract.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qr-error.h"
#include "qr-extract.h"

/* Zero runs this large (and aligned) are left as holes, so restored images
 * take only the space their data needs. */
#define HOLE_GRANULARITY 4096
#define MAX_PATH_LENGTH  4096

/* No qube's disk is a petabyte: a size beyond this (a sparse map claiming
 * 2^62 bytes, say) is damage, not a reason to fill the destination. */
#define MAX_FILE_SIZE    ((la_int64_t) 1 << 50)

typedef struct
{
  QrExtractReadFunc  func;
  gpointer           user_data;
  GCancellable      *cancellable;
  GError            *error;
  gboolean           at_end;
} Source;

typedef struct
{
  const char *name;
  int         code;
} FilterName;

/* The compression-filter names the backup tool accepts, and the data
 * format each one writes. */
static const FilterName filters[] = {
  { "gzip", ARCHIVE_FILTER_GZIP },
  { "pigz", ARCHIVE_FILTER_GZIP },
  { "bzip2", ARCHIVE_FILTER_BZIP2 },
  { "pbzip2", ARCHIVE_FILTER_BZIP2 },
  { "xz", ARCHIVE_FILTER_XZ },
  { "lzma", ARCHIVE_FILTER_LZMA },
  { "zstd", ARCHIVE_FILTER_ZSTD },
  { "zstdmt", ARCHIVE_FILTER_ZSTD },
};

static la_ssize_t
source_read_cb (struct archive *a,
                void           *user_data,
                const void    **buffer)
{
  Source *source = user_data;
  gssize n;

  if (source->at_end)
    return 0;

  if (g_cancellable_set_error_if_cancelled (source->cancellable, &source->error))
    {
      archive_set_error (a, ECANCELED, "cancelled");
      return -1;
    }

  n = source->func (source->user_data, buffer, &source->error);
  if (n < 0)
    {
      archive_set_error (a, EIO, "%s", source->error ? source->error->message : "");
      return -1;
    }

  if (n == 0)
    source->at_end = TRUE;

  return n;
}

static struct archive *
inner_reader_new (const char  *compression_filter,
                  GError     **error)
{
  struct archive *a = archive_read_new ();
  int code = ARCHIVE_FILTER_NONE;

  if (compression_filter != NULL)
    {
      code = -1;
      for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
        if (g_str_equal (filters[i].name, compression_filter))
          code = filters[i].code;
    }

  /* Only the named filter, in process: never an external program, never a
   * format guessed from hostile bytes. */
  if (code < 0 || (code != ARCHIVE_FILTER_NONE && archive_read_append_filter (a, code) != ARCHIVE_OK))
    {
      g_set_error (error, QR_ERROR, QR_ERROR_UNSUPPORTED_VERSION,
                   _("This backup is compressed with “%s”, which this program cannot read."),
                   compression_filter);
      archive_read_free (a);
      return NULL;
    }

  archive_read_support_format_tar (a);
  return a;
}

/* Makes a plain sentence of a failure inside an inner stream. A stream that
 * stops before its end means chunks are missing; anything else is damage. */
static void
set_stream_error (GError         **error,
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

static void
set_unsafe_error (GError     **error,
                  const char  *series_path,
                  const char  *pathname,
                  const char  *why)
{
  g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
               _("The backup of “%s” contains an unsafe entry “%s” (%s), so it was not restored. "
                 "The backup was damaged or tampered with."),
               series_path, pathname, why);
}

static gboolean
components_are_safe (const char *relative)
{
  g_auto(GStrv) parts = g_strsplit (relative, "/", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      gboolean last = parts[i + 1] == NULL;

      if (parts[i][0] == '\0' && !(last && i > 0))
        return FALSE;

      if (g_str_equal (parts[i], ".") || g_str_equal (parts[i], "..") ||
          strlen (parts[i]) > NAME_MAX)
        return FALSE;
    }

  return TRUE;
}

/* Maps an inner-tar path to a path inside the qube's folder: the qube's
 * own folder in the backup (vm12/ or dom0-home/) is dropped; what remains
 * must be the series' own file, or lie below it for a tree. */
static char *
relative_path_for_entry (QrExtractJob  *job,
                         const char    *pathname,
                         GError       **error)
{
  const char *series = job->series_path;
  gsize series_len = strlen (series);
  g_autofree char *trimmed = NULL;
  gboolean inside;

  if (pathname == NULL || pathname[0] == '\0' || strlen (pathname) > MAX_PATH_LENGTH)
    {
      set_unsafe_error (error, series, pathname ? pathname : "", _("an empty or overlong name"));
      return NULL;
    }

  if (pathname[0] == '/')
    {
      set_unsafe_error (error, series, pathname, _("an absolute path"));
      return NULL;
    }

  trimmed = g_strdup (pathname);
  if (job->kind == QR_EXTRACT_TREE && g_str_has_suffix (trimmed, "/"))
    trimmed[strlen (trimmed) - 1] = '\0';

  if (job->kind == QR_EXTRACT_SINGLE_FILE)
    inside = g_str_equal (trimmed, series);
  else
    inside = g_str_equal (trimmed, series) ||
             (g_str_has_prefix (trimmed, series) && trimmed[series_len] == '/');

  if (!inside)
    {
      set_unsafe_error (error, series, pathname, _("a name outside its own folder"));
      return NULL;
    }

  if (!g_str_has_prefix (trimmed, job->strip_prefix) ||
      !components_are_safe (trimmed + strlen (job->strip_prefix)))
    {
      set_unsafe_error (error, series, pathname, _("a name that leaves its folder"));
      return NULL;
    }

  return g_strdup (trimmed + strlen (job->strip_prefix));
}

static gboolean
set_io_error (GError    **error,
              int         errsv,
              const char *what)
{
  QrError code = qr_error_from_errno (errsv);

  if (errsv == EFBIG)
    g_set_error (error, QR_ERROR, code,
                 _("“%s” is larger than the file system of the destination folder can hold "
                   "(FAT file systems hold at most 4 GB in one file)."),
                 what);
  else if (code == QR_ERROR_NO_SPACE)
    g_set_error (error, QR_ERROR, code,
                 _("There is not enough free space to write “%s”. Free some space or choose "
                   "another destination folder, then try again."),
                 what);
  else
    g_set_error (error, QR_ERROR, code, _("Cannot write “%s”: %s."), what, g_strerror (errsv));

  return FALSE;
}

static gboolean
is_zero (const guint8 *data,
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
static gboolean
write_block_sparse (int           fd,
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

      if (is_zero (data + pos, step))
        {
          pos += step;
          continue;
        }

      end = pos + step;
      while (end < len)
        {
          gsize next = MIN (len - end, HOLE_GRANULARITY);

          if (is_zero (data + end, next))
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

/* Opens (creating where missing) each directory of @relative below the
 * qube's folder, never following a symbolic link. Returns the directory
 * that holds the last component, whose name is set in @leaf. */
static int
open_parent (int          dir_fd,
             const char  *relative,
             const char **leaf,
             GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (relative, "/", -1);
  guint n = g_strv_length (parts);
  int fd = dup (dir_fd);

  for (guint i = 0; fd >= 0 && i + 1 < n; i++)
    {
      int next;

      if (mkdirat (fd, parts[i], 0700) != 0 && errno != EEXIST)
        {
          close (fd);
          set_io_error (error, errno, relative);
          return -1;
        }

      next = openat (fd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      close (fd);
      fd = next;
    }

  if (fd < 0)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                   _("The backup contains an unsafe entry “%s” that would write through a "
                     "link, so it was not restored. The backup was damaged or tampered with."),
                   relative);
      return -1;
    }

  *leaf = relative + (strrchr (relative, '/') ? strrchr (relative, '/') - relative + 1 : 0);
  return fd;
}

static gboolean
write_data (struct archive  *a,
            int              fd,
            QrExtractJob    *job,
            Source          *source,
            const char      *relative,
            GError         **error)
{
  const void *block;
  size_t size;
  la_int64_t offset;
  int r;

  while ((r = archive_read_data_block (a, &block, &size, &offset)) == ARCHIVE_OK)
    {
      if (fd >= 0 && !write_block_sparse (fd, block, size, offset, &job->bytes_written))
        return set_io_error (error, errno, relative);
    }

  if (r != ARCHIVE_EOF)
    {
      set_stream_error (error, source, a, job->series_path);
      return FALSE;
    }

  return TRUE;
}

/* A file is written under a temporary name and gets its real name only
 * once complete, and never replaces anything. */
static gboolean
extract_regular (struct archive       *a,
                 struct archive_entry *entry,
                 QrExtractJob         *job,
                 Source               *source,
                 const char           *relative,
                 GError              **error)
{
  static guint counter;
  g_autofree char *temp_name = NULL;
  const char *leaf;
  la_int64_t size = archive_entry_size (entry);
  struct timespec times[2] = { { 0, UTIME_OMIT }, { archive_entry_mtime (entry), 0 } };
  int parent = -1;
  int fd = -1;
  gboolean ret = FALSE;

  if (job->dir_fd < 0)
    {
      if (!write_data (a, -1, job, source, relative, error))
        return FALSE;
      job->apparent_size += size;
      return TRUE;
    }

  if ((parent = open_parent (job->dir_fd, relative, &leaf, error)) < 0)
    return FALSE;

  temp_name = g_strdup_printf (".qr-partial-%u", g_atomic_int_add (&counter, 1));
  fd = openat (parent, temp_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      set_io_error (error, errno, relative);
      goto out;
    }

  if (!write_data (a, fd, job, source, relative, error))
    goto out;

  if (ftruncate (fd, size) != 0 ||
      fchmod (fd, (archive_entry_perm (entry) & 0777) | 0600) != 0 ||
      futimens (fd, times) != 0)
    {
      set_io_error (error, errno, relative);
      goto out;
    }

  if (renameat2 (parent, temp_name, parent, leaf, RENAME_NOREPLACE) != 0)
    {
      if (errno == EEXIST)
        set_unsafe_error (error, job->series_path, relative, _("a name that appears twice"));
      else
        set_io_error (error, errno, relative);
      goto out;
    }

  g_clear_pointer (&temp_name, g_free);
  job->apparent_size += size;
  ret = TRUE;

out:
  if (temp_name != NULL)
    unlinkat (parent, temp_name, 0);
  if (fd >= 0)
    close (fd);
  close (parent);
  return ret;
}

static gboolean
extract_directory (struct archive_entry *entry,
                   QrExtractJob         *job,
                   const char           *relative,
                   GError              **error)
{
  g_autofree char *child = g_strconcat (relative, "/.", NULL);
  const char *leaf;
  int parent;

  if (job->dir_fd < 0)
    return TRUE;

  /* Opening the parent of "dir/." creates "dir" itself, safely. */
  if ((parent = open_parent (job->dir_fd, child, &leaf, error)) < 0)
    return FALSE;

  fchmod (parent, (archive_entry_perm (entry) & 0777) | 0700);
  close (parent);
  return TRUE;
}

static gboolean
extract_symlink (struct archive_entry *entry,
                 QrExtractJob         *job,
                 const char           *relative,
                 GError              **error)
{
  const char *target = archive_entry_symlink (entry);
  const char *leaf;
  int parent;
  gboolean ret = TRUE;

  if (target == NULL || target[0] == '\0' || strlen (target) > MAX_PATH_LENGTH)
    {
      set_unsafe_error (error, job->series_path, relative, _("a link to nowhere"));
      return FALSE;
    }

  if (job->dir_fd < 0)
    return TRUE;

  if ((parent = open_parent (job->dir_fd, relative, &leaf, error)) < 0)
    return FALSE;

  /* The link is recreated as it was, and never followed while writing. */
  if (symlinkat (target, parent, leaf) != 0)
    {
      if (errno == EEXIST)
        set_unsafe_error (error, job->series_path, relative, _("a name that appears twice"));
      else
        set_io_error (error, errno, relative);
      ret = FALSE;
    }

  close (parent);
  return ret;
}

static gboolean
extract_entry (struct archive       *a,
               struct archive_entry *entry,
               QrExtractJob         *job,
               Source               *source,
               GError              **error)
{
  const char *pathname = archive_entry_pathname (entry);
  g_autofree char *relative = NULL;
  mode_t type = archive_entry_filetype (entry);

  if (archive_entry_hardlink (entry) != NULL)
    {
      set_unsafe_error (error, job->series_path, pathname, _("a hard link"));
      return FALSE;
    }

  if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
    {
      set_unsafe_error (error, job->series_path, pathname, _("a device, pipe or socket"));
      return FALSE;
    }

  if ((relative = relative_path_for_entry (job, pathname, error)) == NULL)
    return FALSE;

  if (job->kind == QR_EXTRACT_SINGLE_FILE && type != AE_IFREG)
    {
      set_unsafe_error (error, job->series_path, pathname, _("not a regular file"));
      return FALSE;
    }

  switch (type)
    {
    case AE_IFREG:
      if (archive_entry_size (entry) < 0 || archive_entry_size (entry) > MAX_FILE_SIZE)
        {
          set_unsafe_error (error, job->series_path, pathname, _("an impossible size"));
          return FALSE;
        }
      if (!extract_regular (a, entry, job, source, relative, error))
        return FALSE;
      if (job->kind == QR_EXTRACT_SINGLE_FILE)
        g_ptr_array_add (job->files, g_strdup (relative));
      return TRUE;

    case AE_IFDIR:
      return extract_directory (entry, job, relative, error);

    case AE_IFLNK:
      return extract_symlink (entry, job, relative, error);

    default:
      g_assert_not_reached ();
    }
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
      gssize n = source->func (source->user_data, &buffer, &source->error);

      if (n < 0)
        {
          g_propagate_error (error, g_steal_pointer (&source->error));
          return FALSE;
        }
      if (n == 0)
        source->at_end = TRUE;
    }

  return TRUE;
}

gboolean
qr_extract_stream (QrExtractJob       *job,
                   QrExtractReadFunc   read_func,
                   gpointer            user_data,
                   GCancellable       *cancellable,
                   GError            **error)
{
  Source source = { read_func, user_data, cancellable, NULL, FALSE };
  struct archive *a;
  struct archive_entry *entry;
  guint n_entries = 0;
  gboolean ret = FALSE;
  int r;

  g_return_val_if_fail (job != NULL, FALSE);
  g_return_val_if_fail (read_func != NULL, FALSE);

  if ((a = inner_reader_new (job->compression_filter, error)) == NULL)
    return FALSE;

  if (archive_read_open (a, &source, NULL, source_read_cb, NULL) != ARCHIVE_OK)
    {
      set_stream_error (error, &source, a, job->series_path);
      goto out;
    }

  while ((r = archive_read_next_header (a, &entry)) == ARCHIVE_OK)
    {
      if (!extract_entry (a, entry, job, &source, error))
        goto out;
      n_entries++;
    }

  if (r != ARCHIVE_EOF)
    {
      set_stream_error (error, &source, a, job->series_path);
      goto out;
    }

  if (job->kind == QR_EXTRACT_SINGLE_FILE && n_entries != 1)
    {
      g_set_error (error, QR_ERROR, source.at_end ? QR_ERROR_TRUNCATED : QR_ERROR_DAMAGED,
                   _("The backup of “%s” holds no file: the backup is damaged or incomplete."),
                   job->series_path);
      goto out;
    }

  if (job->kind == QR_EXTRACT_TREE)
    g_ptr_array_add (job->files, g_strdup (job->series_path + strlen (job->strip_prefix)));

  ret = drain_source (&source, error);

out:
  g_clear_error (&source.error);
  archive_read_free (a);
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
