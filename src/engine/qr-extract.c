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

#include "qr-compression.h"
#include "qr-error.h"
#include "qr-extract.h"

/* Zero runs this large (and aligned) are left as holes, so restored images
 * take only the space their data needs. */
#define HOLE_GRANULARITY 4096
#define MAX_PATH_LENGTH  4096
#define COPY_BUFFER_SIZE (1024 * 1024)
#define END_OF_ARCHIVE   1024

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
  /* The last bytes given to libarchive, none for an empty stream: an
   * uncompressed tar that stops without its two zero blocks was cut
   * short. */
  guint8             tail[END_OF_ARCHIVE];
  gsize              tail_len;
} Source;

/* What one pass over an inner stream keeps between its entries. */
typedef struct
{
  QrExtractJob    *job;
  Source          *source;
  struct archive  *archive;
  /* The series' own entry inside the qube's folder: "private.img",
   * "user", or "" when the series is the whole folder (a template). */
  char            *series;
  gboolean         saw_series;
  /* The series' own entry is a symbolic link: R2 and R3.0 kept a qube's
   * icon.png as the link it was. It is restored, but is no file to open. */
  gboolean         series_is_link;
} Extraction;

/* Why a name in an inner tar cannot be mapped into the qube's folder. */
typedef enum
{
  NAME_OK,
  NAME_EMPTY,
  NAME_ABSOLUTE,
  NAME_LEAVES,
  NAME_OUTSIDE,
} NameCheck;

/* Why a folder on the way to an entry could not be opened. */
typedef enum
{
  OPEN_OK,
  OPEN_THROUGH_LINK,
  OPEN_BELOW_FILE,
  OPEN_FAILED,
} OpenResult;

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
  else
    keep_tail (source, *buffer, n);

  return n;
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

/* An entry that reaches outside the qube's folder, or that stands where
 * the series' own file belongs: no writer makes one. */
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

/* An entry that harms nothing but cannot be restored as it stands. */
static void
set_entry_error (GError     **error,
                 const char  *series_path,
                 const char  *pathname,
                 const char  *why)
{
  g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
               _("The backup of “%s” contains an entry “%s” that cannot be restored (%s). "
                 "The backup is damaged."),
               series_path, pathname, why);
}

static void
add_note (Extraction *x,
          const char *format,
          ...) G_GNUC_PRINTF (2, 3);

static void
add_note (Extraction *x,
          const char *format,
          ...)
{
  va_list args;

  if (x->job->notes == NULL)
    return;

  va_start (args, format);
  g_ptr_array_add (x->job->notes, g_strdup_vprintf (format, args));
  va_end (args);
}

/* Maps an inner-tar name to a path inside the qube's folder @folder
 * ("vm12/"), which is dropped. "." components (a template's files are
 * "vm9/./root.img") and a trailing "/" are dropped too. Returns "" for the
 * folder itself, or NULL with the reason in @check. */
static char *
relative_name (const char *folder,
               const char *name,
               NameCheck  *check)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GString) path = NULL;
  gsize folder_len = strlen (folder);

  if (name == NULL || name[0] == '\0' || strlen (name) > MAX_PATH_LENGTH)
    {
      *check = NAME_EMPTY;
      return NULL;
    }

  if (name[0] == '/')
    {
      *check = NAME_ABSOLUTE;
      return NULL;
    }

  parts = g_strsplit (name, "/", -1);
  path = g_string_new (NULL);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      gboolean trailing = parts[i + 1] == NULL && i > 0 && parts[i][0] == '\0';

      if (trailing || g_str_equal (parts[i], "."))
        continue;

      if (parts[i][0] == '\0' || g_str_equal (parts[i], "..") || strlen (parts[i]) > NAME_MAX)
        {
          *check = NAME_LEAVES;
          return NULL;
        }

      g_string_append (path, parts[i]);
      g_string_append_c (path, '/');
    }

  if (!g_str_has_prefix (path->str, folder))
    {
      *check = NAME_OUTSIDE;
      return NULL;
    }

  *check = NAME_OK;
  g_string_erase (path, 0, folder_len);
  if (path->len > 0)
    g_string_truncate (path, path->len - 1);

  return g_string_free (g_steal_pointer (&path), FALSE);
}

static char *
entry_relative_path (Extraction  *x,
                     const char  *pathname,
                     GError     **error)
{
  const char *series = x->job->series_path;
  NameCheck check;
  char *relative = relative_name (x->job->strip_prefix, pathname, &check);

  switch (check)
    {
    case NAME_OK:
      break;

    case NAME_EMPTY:
      set_entry_error (error, series, pathname ? pathname : "", _("an empty or overlong name"));
      break;

    case NAME_ABSOLUTE:
      set_unsafe_error (error, series, pathname, _("an absolute path"));
      break;

    case NAME_LEAVES:
      set_unsafe_error (error, series, pathname, _("a name that leaves its folder"));
      break;

    case NAME_OUTSIDE:
    default:
      set_unsafe_error (error, series, pathname, _("a name outside its own folder"));
      break;
    }

  return relative;
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

/* Opens each directory of @relative below @dir_fd, never following a
 * symbolic link, and creates the missing ones when @create is set. Returns
 * the directory that holds the last component, whose name is set in
 * @leaf, or -1 with the reason in @result. */
static int
open_dirs (int          dir_fd,
           const char  *relative,
           gboolean     create,
           const char **leaf,
           OpenResult  *result,
           int         *errsv)
{
  g_auto(GStrv) parts = g_strsplit (relative, "/", -1);
  guint n = g_strv_length (parts);
  int fd = dup (dir_fd);

  *result = fd < 0 ? OPEN_FAILED : OPEN_OK;
  *errsv = errno;

  for (guint i = 0; fd >= 0 && i + 1 < n; i++)
    {
      struct stat st;
      int next;

      if (create && mkdirat (fd, parts[i], 0700) != 0 && errno != EEXIST)
        next = -1;
      else
        next = openat (fd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

      if (next < 0)
        {
          *errsv = errno;
          if (fstatat (fd, parts[i], &st, AT_SYMLINK_NOFOLLOW) != 0)
            *result = OPEN_FAILED;
          else if (S_ISLNK (st.st_mode))
            *result = OPEN_THROUGH_LINK;
          else if (!S_ISDIR (st.st_mode))
            *result = OPEN_BELOW_FILE;
          else
            *result = OPEN_FAILED;
        }

      close (fd);
      fd = next;
    }

  *leaf = relative + (strrchr (relative, '/') ? strrchr (relative, '/') - relative + 1 : 0);
  return fd;
}

static void
set_through_link_error (GError     **error,
                        const char  *relative)
{
  g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
               _("The backup contains an unsafe entry “%s” that would write through a "
                 "link, so it was not restored. The backup was damaged or tampered with."),
               relative);
}

/* Opens, creating it where missing, the folder an entry goes into. */
static int
open_parent (Extraction  *x,
             const char  *relative,
             const char **leaf,
             GError     **error)
{
  OpenResult result;
  int errsv;
  int fd = open_dirs (x->job->dir_fd, relative, TRUE, leaf, &result, &errsv);

  if (fd >= 0)
    return fd;

  if (result == OPEN_THROUGH_LINK)
    set_through_link_error (error, relative);
  else if (result == OPEN_BELOW_FILE)
    set_entry_error (error, x->job->series_path, relative, _("a name below a file"));
  else
    set_io_error (error, errsv, relative);

  return -1;
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
      if (fd >= 0 && !write_block_sparse (fd, block, size, offset, &x->job->bytes_written))
        return set_io_error (error, errno, relative);
    }

  if (r != ARCHIVE_EOF)
    {
      set_stream_error (error, x->source, x->archive, x->job->series_path);
      return FALSE;
    }

  return TRUE;
}

/* A file is written under a temporary name and gets its real name only
 * once complete. */
static int
create_temp (int    parent,
             char **temp_name)
{
  static guint counter;

  *temp_name = g_strdup_printf (".qr-partial-%u", g_atomic_int_add (&counter, 1));
  return openat (parent, *temp_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

/* Gives a complete temporary file its size, mode, time and real name,
 * never replacing anything. The temporary name is gone either way. */
static gboolean
install_temp (Extraction       *x,
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
    set_io_error (error, errno, relative);
  else if (renameat2 (parent, *temp_name, parent, leaf, RENAME_NOREPLACE) == 0)
    ret = TRUE;
  else if (errno == EEXIST)
    set_entry_error (error, x->job->series_path, relative, _("a name that appears twice"));
  else
    set_io_error (error, errno, relative);

  if (!ret)
    unlinkat (parent, *temp_name, 0);
  g_clear_pointer (temp_name, g_free);
  return ret;
}

static gboolean
extract_regular (Extraction            *x,
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

  if ((parent = open_parent (x, relative, &leaf, error)) < 0)
    return FALSE;

  fd = create_temp (parent, &temp_name);
  if (fd < 0)
    set_io_error (error, errno, relative);
  else if (!write_data (x, fd, relative, error))
    unlinkat (parent, temp_name, 0);
  else
    ret = install_temp (x, parent, &temp_name, fd, leaf, relative, size,
                        archive_entry_perm (entry), &mtime, error);

  if (ret)
    x->job->apparent_size += size;
  if (fd >= 0)
    close (fd);
  close (parent);
  return ret;
}

static gboolean
extract_directory (Extraction            *x,
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
  if ((parent = open_parent (x, child, &leaf, error)) < 0)
    return FALSE;

  fchmod (parent, (archive_entry_perm (entry) & 0777) | 0700);
  close (parent);
  return TRUE;
}

/* GNU tar's --xform rewrites link targets like names: "/usr/share/x" in a
 * template became "vm9//usr/share/x". The prefix comes off again. */
static const char *
original_link_target (QrExtractJob *job,
                      const char   *target)
{
  const char *rest;

  if (job->xform_prefix == NULL || job->xform_base == NULL
      || !g_str_has_prefix (target, job->xform_prefix))
    return target;

  rest = target + strlen (job->xform_prefix);
  for (gsize i = 0; job->xform_base[i] != '\0'; i++)
    {
      if (rest[i] == '\0' || (job->xform_base[i] != '.' && job->xform_base[i] != rest[i]))
        return target;
    }

  return rest;
}

static gboolean
extract_symlink (Extraction            *x,
                 struct archive_entry  *entry,
                 const char            *relative,
                 GError               **error)
{
  const char *target = archive_entry_symlink (entry);
  const char *leaf;
  int parent;
  gboolean ret = TRUE;

  if (target == NULL || target[0] == '\0' || strlen (target) > MAX_PATH_LENGTH)
    {
      set_entry_error (error, x->job->series_path, archive_entry_pathname (entry),
                       _("a link to nowhere"));
      return FALSE;
    }

  if (x->job->dir_fd < 0)
    return TRUE;

  if ((parent = open_parent (x, relative, &leaf, error)) < 0)
    return FALSE;

  /* The link is recreated as it was, and never followed while writing. */
  if (symlinkat (original_link_target (x->job, target), parent, leaf) != 0)
    {
      if (errno == EEXIST)
        set_entry_error (error, x->job->series_path, relative, _("a name that appears twice"));
      else
        set_io_error (error, errno, relative);
      ret = FALSE;
    }

  close (parent);
  return ret;
}

/* The errors of a destination that holds no hard links (FAT, exFAT) or no
 * more of them for this file. */
static gboolean
refuses_links (int errsv)
{
  return errsv == EPERM || errsv == EMLINK || errsv == EOPNOTSUPP || errsv == EXDEV
         || errsv == ENOSYS;
}

/* Where the destination refuses a hard link, the second name becomes a
 * copy of the first. */
static gboolean
copy_file (Extraction  *x,
           int          from_parent,
           const char  *from_leaf,
           int          parent,
           const char  *leaf,
           const char  *relative,
           GError     **error)
{
  g_autofree guint8 *buffer = NULL;
  g_autofree char *temp_name = NULL;
  struct stat st;
  guint64 offset = 0;
  int in = openat (from_parent, from_leaf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  int out = -1;
  gboolean ret = FALSE;

  if (in < 0 || fstat (in, &st) != 0 || (out = create_temp (parent, &temp_name)) < 0)
    {
      set_io_error (error, errno, relative);
      goto out;
    }

  buffer = g_malloc (COPY_BUFFER_SIZE);
  for (;;)
    {
      ssize_t n = pread (in, buffer, COPY_BUFFER_SIZE, offset);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 || !write_block_sparse (out, buffer, n, offset, &x->job->bytes_written))
        {
          set_io_error (error, errno, relative);
          unlinkat (parent, temp_name, 0);
          goto out;
        }
      if (n == 0)
        break;
      offset += n;

      if (g_cancellable_set_error_if_cancelled (x->source->cancellable, error))
        {
          unlinkat (parent, temp_name, 0);
          goto out;
        }
    }

  ret = install_temp (x, parent, &temp_name, out, leaf, relative, offset, st.st_mode,
                      &st.st_mtim, error);
  if (ret)
    x->job->apparent_size += offset;

out:
  if (in >= 0)
    close (in);
  if (out >= 0)
    close (out);
  return ret;
}

/* A hard link's target, inside the qube's folder. */
static char *
link_target_relative_path (Extraction  *x,
                           const char  *pathname,
                           const char  *target,
                           GError     **error)
{
  g_autofree char *why = NULL;
  NameCheck check;
  char *relative = relative_name (x->job->strip_prefix, target, &check);

  if (check == NAME_OK && relative[0] != '\0')
    return relative;

  g_free (relative);
  if (check == NAME_OK || check == NAME_EMPTY)
    {
      set_entry_error (error, x->job->series_path, pathname, _("a link to nowhere"));
      return NULL;
    }

  why = g_strdup_printf (_("a hard link to “%s”, outside its folder"), target);
  set_unsafe_error (error, x->job->series_path, pathname, why);
  return NULL;
}

/* Opens the folder of a hard link's target, which must be a regular file
 * this stream has already put in the qube's folder. */
static int
open_link_target (Extraction  *x,
                  const char  *pathname,
                  const char  *target,
                  const char  *relative,
                  const char **leaf,
                  GError     **error)
{
  g_autofree char *why = NULL;
  OpenResult result;
  struct stat st;
  int errsv;
  int parent = open_dirs (x->job->dir_fd, relative, FALSE, leaf, &result, &errsv);

  if (parent >= 0 && fstatat (parent, *leaf, &st, AT_SYMLINK_NOFOLLOW) == 0
      && S_ISREG (st.st_mode))
    return parent;

  if (parent >= 0)
    close (parent);

  /* Reaching a target through a link is as unsafe as writing through one. */
  if (result == OPEN_THROUGH_LINK)
    {
      set_through_link_error (error, relative);
      return -1;
    }

  why = g_strdup_printf (_("a hard link to “%s”, which is not a file restored before it"), target);
  set_entry_error (error, x->job->series_path, pathname, why);
  return -1;
}

static gboolean
extract_hardlink (Extraction            *x,
                  struct archive_entry  *entry,
                  const char            *relative,
                  GError               **error)
{
  const char *pathname = archive_entry_pathname (entry);
  const char *target = archive_entry_hardlink (entry);
  g_autofree char *target_relative = NULL;
  const char *target_leaf;
  const char *leaf;
  int target_parent;
  int parent = -1;
  gboolean ret = FALSE;

  if ((target_relative = link_target_relative_path (x, pathname, target, error)) == NULL)
    return FALSE;

  /* Without a destination there is nothing to check the target against
   * but its name. */
  if (x->job->dir_fd < 0)
    return TRUE;

  target_parent = open_link_target (x, pathname, target, target_relative, &target_leaf, error);
  if (target_parent < 0)
    return FALSE;

  if ((parent = open_parent (x, relative, &leaf, error)) < 0)
    goto out;

  if (linkat (target_parent, target_leaf, parent, leaf, 0) == 0)
    ret = TRUE;
  else if (errno == EEXIST)
    set_entry_error (error, x->job->series_path, relative, _("a name that appears twice"));
  else if (!refuses_links (errno))
    set_io_error (error, errno, relative);
  else if ((ret = copy_file (x, target_parent, target_leaf, parent, leaf, relative, error)))
    add_note (x, _("“%s” is a copy of “%s”, not a second name for it: the destination folder "
                   "does not allow hard links."),
              relative, target_relative);

out:
  if (parent >= 0)
    close (parent);
  close (target_parent);
  return ret;
}

static gboolean
extract_fifo (Extraction            *x,
              struct archive_entry  *entry,
              const char            *relative,
              GError               **error)
{
  struct timespec times[2] = { { 0, UTIME_OMIT }, { archive_entry_mtime (entry), 0 } };
  const char *leaf;
  int parent;
  gboolean ret = TRUE;

  if (x->job->dir_fd < 0)
    return TRUE;

  if ((parent = open_parent (x, relative, &leaf, error)) < 0)
    return FALSE;

  if (mkfifoat (parent, leaf, (archive_entry_perm (entry) & 0777) | 0600) == 0)
    utimensat (parent, leaf, times, AT_SYMLINK_NOFOLLOW);
  else if (errno == EEXIST)
    ret = (set_entry_error (error, x->job->series_path, relative, _("a name that appears twice")),
           FALSE);
  else if (errno == EPERM || errno == EOPNOTSUPP)
    add_note (x, _("“%s” is a named pipe, which the destination folder cannot hold: it was "
                   "left out."),
              relative);
  else
    ret = set_io_error (error, errno, relative);

  close (parent);
  return ret;
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
          set_entry_error (error, x->job->series_path, archive_entry_pathname (entry),
                           _("an impossible size"));
          return FALSE;
        }
      return extract_regular (x, entry, relative, error);

    case AE_IFDIR:
      return extract_directory (x, entry, relative, error);

    case AE_IFLNK:
      return extract_symlink (x, entry, relative, error);

    case AE_IFIFO:
      return extract_fifo (x, entry, relative, error);

    /* Device files and sockets are never made: they would give whoever
     * made the backup a way into this computer's devices, and a socket is
     * no use without the program that made it. */
    case AE_IFCHR:
    case AE_IFBLK:
      add_note (x, _("“%s” is a device file, which is not restored."), relative);
      return TRUE;

    case AE_IFSOCK:
      add_note (x, _("“%s” is a socket, which is not restored."), relative);
      return TRUE;

    default:
      set_entry_error (error, x->job->series_path, archive_entry_pathname (entry),
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

  if ((relative = entry_relative_path (x, pathname, error)) == NULL)
    return FALSE;

  is_series = g_str_equal (relative, x->series);

  /* Where the series' own file belongs, nothing else may stand. */
  if (is_series && x->job->kind == QR_EXTRACT_SINGLE_FILE && !hardlink
      && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
    {
      set_unsafe_error (error, x->job->series_path, pathname, _("not a regular file"));
      return FALSE;
    }

  if (relative[0] == '\0' && (hardlink || type != AE_IFDIR))
    {
      set_unsafe_error (error, x->job->series_path, pathname, _("a name outside its own folder"));
      return FALSE;
    }

  if (relative[0] != '\0'
      && !(hardlink ? extract_hardlink (x, entry, relative, error)
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
  Extraction x = { job, &source, NULL, NULL, FALSE, FALSE };
  struct archive_entry *entry;
  NameCheck check;
  gboolean ret = FALSE;
  int r;

  g_return_val_if_fail (job != NULL, FALSE);
  g_return_val_if_fail (read_func != NULL, FALSE);
  g_return_val_if_fail (job->series_path != NULL && job->strip_prefix != NULL, FALSE);

  x.series = relative_name (job->strip_prefix, job->series_path, &check);
  if (x.series == NULL)
    {
      set_unsafe_error (error, job->series_path, job->series_path,
                        _("a name outside its own folder"));
      return FALSE;
    }

  if ((x.archive = inner_reader_new (job->compression_filter, error)) == NULL)
    goto out;

  if (archive_read_open (x.archive, &source, NULL, source_read_cb, NULL) != ARCHIVE_OK)
    {
      set_stream_error (error, &source, x.archive, job->series_path);
      goto out;
    }

  /* Only a stream with nothing at all in it lacks its chunks; data in
   * another format is damage, however short. */
  if (!qr_compression_found (x.archive, job->compression_filter))
    {
      archive_set_error (x.archive, EINVAL, "not %s data",
                         job->compression_filter ? job->compression_filter : "tar");
      if (source.tail_len == 0)
        set_stream_error (error, &source, x.archive, job->series_path);
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
      set_stream_error (error, &source, x.archive, job->series_path);
      goto out;
    }

  /* libarchive takes the end of its input for the end of the archive; a
   * tar cut between two members ends in the data of the last one, a whole
   * one in its two zero blocks. A compressor notices a cut itself. */
  if (job->compression_filter == NULL && source.at_end
      && (source.tail_len < END_OF_ARCHIVE || !is_zero (source.tail, END_OF_ARCHIVE)))
    {
      set_stream_error (error, &source, x.archive, job->series_path);
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
  g_clear_error (&source.error);
  g_clear_pointer (&x.archive, archive_read_free);
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
