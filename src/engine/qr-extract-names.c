/* qr-extract-names.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Maps the names in an inner tar to paths inside the qube's folder, opens
 * the folders on the way without ever following a link, and puts what
 * goes wrong into words. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qr-error.h"
#include "qr-extract-private.h"

/* An entry that reaches outside the qube's folder, or that stands where
 * the series' own file belongs: no writer makes one. */
void
_qr_extract_set_unsafe_error (GError     **error,
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
void
_qr_extract_set_entry_error (GError     **error,
                             const char  *series_path,
                             const char  *pathname,
                             const char  *why)
{
  g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
               _("The backup of “%s” contains an entry “%s” that cannot be restored (%s). "
                 "The backup is damaged."),
               series_path, pathname, why);
}

void
_qr_extract_add_note (Extraction *x,
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
char *
_qr_extract_relative_name (const char *folder,
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

char *
_qr_extract_entry_relative_path (Extraction  *x,
                                 const char  *pathname,
                                 GError     **error)
{
  const char *series = x->job->series_path;
  NameCheck check;
  char *relative = _qr_extract_relative_name (x->job->strip_prefix, pathname, &check);

  switch (check)
    {
    case NAME_OK:
      break;

    case NAME_EMPTY:
      _qr_extract_set_entry_error (error, series, pathname ? pathname : "", _("an empty or overlong name"));
      break;

    case NAME_ABSOLUTE:
      _qr_extract_set_unsafe_error (error, series, pathname, _("an absolute path"));
      break;

    case NAME_LEAVES:
      _qr_extract_set_unsafe_error (error, series, pathname, _("a name that leaves its folder"));
      break;

    case NAME_OUTSIDE:
    default:
      _qr_extract_set_unsafe_error (error, series, pathname, _("a name outside its own folder"));
      break;
    }

  return relative;
}

gboolean
_qr_extract_set_io_error (GError    **error,
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

/* Opens each directory of @relative below @dir_fd, never following a
 * symbolic link, and creates the missing ones when @create is set. Returns
 * the directory that holds the last component, whose name is set in
 * @leaf, or -1 with the reason in @result. */
int
_qr_extract_open_dirs (int          dir_fd,
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

void
_qr_extract_set_through_link_error (GError     **error,
                                    const char  *relative)
{
  g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
               _("The backup contains an unsafe entry “%s” that would write through a "
                 "link, so it was not restored. The backup was damaged or tampered with."),
               relative);
}

/* Opens, creating it where missing, the folder an entry goes into. */
int
_qr_extract_open_parent (Extraction  *x,
                         const char  *relative,
                         const char **leaf,
                         GError     **error)
{
  OpenResult result;
  int errsv;
  int fd = _qr_extract_open_dirs (x->job->dir_fd, relative, TRUE, leaf, &result, &errsv);

  if (fd >= 0)
    return fd;

  if (result == OPEN_THROUGH_LINK)
    _qr_extract_set_through_link_error (error, relative);
  else if (result == OPEN_BELOW_FILE)
    _qr_extract_set_entry_error (error, x->job->series_path, relative, _("a name below a file"));
  else
    _qr_extract_set_io_error (error, errsv, relative);

  return -1;
}
