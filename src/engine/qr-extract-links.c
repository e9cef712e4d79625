/* qr-extract-links.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Symbolic links (recreated, never followed), hard links (to files this
 * stream restored, or copies where the destination refuses them) and
 * named pipes. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qr-error.h"
#include "qr-extract-private.h"

#define COPY_BUFFER_SIZE (1024 * 1024)

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

gboolean
_qr_extract_symlink (Extraction            *x,
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
      _qr_extract_set_entry_error (error, x->job->series_path, archive_entry_pathname (entry),
                       _("a link to nowhere"));
      return FALSE;
    }

  if (x->job->dir_fd < 0)
    return TRUE;

  if ((parent = _qr_extract_open_parent (x, relative, &leaf, error)) < 0)
    return FALSE;

  /* The link is recreated as it was, and never followed while writing. */
  if (symlinkat (original_link_target (x->job, target), parent, leaf) != 0)
    {
      if (errno == EEXIST)
        _qr_extract_set_entry_error (error, x->job->series_path, relative, _("a name that appears twice"));
      else
        _qr_extract_set_io_error (error, errno, relative);
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

  if (in < 0 || fstat (in, &st) != 0 || (out = _qr_extract_create_temp (parent, &temp_name)) < 0)
    {
      _qr_extract_set_io_error (error, errno, relative);
      goto out;
    }

  buffer = g_malloc (COPY_BUFFER_SIZE);
  for (;;)
    {
      ssize_t n = pread (in, buffer, COPY_BUFFER_SIZE, offset);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 || !_qr_extract_write_block_sparse (out, buffer, n, offset, &x->job->bytes_written))
        {
          _qr_extract_set_io_error (error, errno, relative);
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

  ret = _qr_extract_install_temp (x, parent, &temp_name, out, leaf, relative, offset, st.st_mode,
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
  char *relative = _qr_extract_relative_name (x->job->strip_prefix, target, &check);

  if (check == NAME_OK && relative[0] != '\0')
    return relative;

  g_free (relative);
  if (check == NAME_OK || check == NAME_EMPTY)
    {
      _qr_extract_set_entry_error (error, x->job->series_path, pathname, _("a link to nowhere"));
      return NULL;
    }

  why = g_strdup_printf (_("a hard link to “%s”, outside its folder"), target);
  _qr_extract_set_unsafe_error (error, x->job->series_path, pathname, why);
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
  int parent = _qr_extract_open_dirs (x->job->dir_fd, relative, FALSE, leaf, &result, &errsv);

  if (parent >= 0 && fstatat (parent, *leaf, &st, AT_SYMLINK_NOFOLLOW) == 0
      && S_ISREG (st.st_mode))
    return parent;

  if (parent >= 0)
    close (parent);

  /* Reaching a target through a link is as unsafe as writing through one. */
  if (result == OPEN_THROUGH_LINK)
    {
      _qr_extract_set_through_link_error (error, relative);
      return -1;
    }

  why = g_strdup_printf (_("a hard link to “%s”, which is not a file restored before it"), target);
  _qr_extract_set_entry_error (error, x->job->series_path, pathname, why);
  return -1;
}

gboolean
_qr_extract_hardlink (Extraction            *x,
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

  if ((parent = _qr_extract_open_parent (x, relative, &leaf, error)) < 0)
    goto out;

  if (linkat (target_parent, target_leaf, parent, leaf, 0) == 0)
    ret = TRUE;
  else if (errno == EEXIST)
    _qr_extract_set_entry_error (error, x->job->series_path, relative, _("a name that appears twice"));
  else if (!refuses_links (errno))
    _qr_extract_set_io_error (error, errno, relative);
  else if ((ret = copy_file (x, target_parent, target_leaf, parent, leaf, relative, error)))
    _qr_extract_add_note (x, _("“%s” is a copy of “%s”, not a second name for it: the destination folder "
                   "does not allow hard links."),
              relative, target_relative);

out:
  if (parent >= 0)
    close (parent);
  close (target_parent);
  return ret;
}

gboolean
_qr_extract_fifo (Extraction            *x,
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

  if ((parent = _qr_extract_open_parent (x, relative, &leaf, error)) < 0)
    return FALSE;

  if (mkfifoat (parent, leaf, (archive_entry_perm (entry) & 0777) | 0600) == 0)
    utimensat (parent, leaf, times, AT_SYMLINK_NOFOLLOW);
  else if (errno == EEXIST)
    ret = (_qr_extract_set_entry_error (error, x->job->series_path, relative, _("a name that appears twice")),
           FALSE);
  else if (errno == EPERM || errno == EOPNOTSUPP)
    _qr_extract_add_note (x, _("“%s” is a named pipe, which the destination folder cannot hold: it was "
                   "left out."),
              relative);
  else
    ret = _qr_extract_set_io_error (error, errno, relative);

  close (parent);
  return ret;
}
