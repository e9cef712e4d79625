/* qr-restore-destination.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The folder a restore writes into. A qube is written into a hidden
 * staging folder and renamed to its own name only once every file of it
 * is complete and on the disk, so a restore stopped at any instant (even
 * by a power cut) leaves nothing that looks complete.
 *
 * Each staging folder has a marker file beside it, locked for as long as
 * the restore that made it runs. The next restore into the same folder
 * removes the staging folders whose markers nobody holds any more: only
 * those, found by name and marker, never anything else.
 *
 * Opened and closed by the thread running the restore; the extractor
 * thread alone begins, commits and aborts qubes in between. */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qr-error.h"
#include "qr-extract.h"
#include "qr-restore-destination.h"

#define STAGING_PREFIX  ".qubes-rescue-"
#define STAGING_SUFFIX  ".partial"
#define MARKER_SUFFIX   ".unfinished"
#define MAX_MARKER_SIZE 256

struct _QrRestoreDestination
{
  GFile     *folder;
  char      *path;
  int        fd;
  gboolean   created;
  GPtrArray *removed;

  /* The qube being written: its staging folder and the marker beside it. */
  char      *staging;
  char      *marker;
  char      *final_name;
  int        staging_fd;
  int        marker_fd;
};

/* The qube a marker names, from its first line. */
static char *
read_marker_qube (int fd)
{
  char buffer[MAX_MARKER_SIZE + 1];
  ssize_t n = pread (fd, buffer, MAX_MARKER_SIZE, 0);
  char *newline;

  if (n <= 0)
    return NULL;

  buffer[n] = '\0';
  newline = strchr (buffer, '\n');
  if (newline != NULL)
    *newline = '\0';

  return g_utf8_make_valid (buffer, -1);
}

/* Removes one stale staging folder, if its marker is free. */
static void
remove_if_stale (QrRestoreDestination *self,
                 const char           *marker)
{
  g_autofree char *base = g_strndup (marker, strlen (marker) - strlen (MARKER_SUFFIX));
  g_autofree char *staging = g_strconcat (base, STAGING_SUFFIX, NULL);
  g_autofree char *qube = NULL;
  struct stat st;
  int fd;

  fd = openat (self->fd, marker, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return;

  /* A restore that still runs holds its marker. */
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      close (fd);
      return;
    }

  qube = read_marker_qube (fd);
  if (fstatat (self->fd, staging, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR (st.st_mode))
    {
      if (qr_extract_remove_tree (self->fd, staging))
        g_ptr_array_add (self->removed, g_strdup (qube ? qube : "?"));
    }
  unlinkat (self->fd, marker, 0);
  close (fd);
}

static void
remove_stale (QrRestoreDestination *self)
{
  g_autoptr(GPtrArray) markers = g_ptr_array_new_with_free_func (g_free);
  int fd = dup (self->fd);
  DIR *dir = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *entry;

  if (dir == NULL)
    {
      if (fd >= 0)
        close (fd);
      return;
    }

  while ((entry = readdir (dir)) != NULL)
    if (g_str_has_prefix (entry->d_name, STAGING_PREFIX) &&
        g_str_has_suffix (entry->d_name, MARKER_SUFFIX))
      g_ptr_array_add (markers, g_strdup (entry->d_name));
  closedir (dir);

  for (guint i = 0; i < markers->len; i++)
    remove_if_stale (self, g_ptr_array_index (markers, i));
}

QrRestoreDestination *
qr_restore_destination_open (GFile   *folder,
                             GError **error)
{
  QrRestoreDestination *self;
  g_autofree char *path = g_file_get_path (folder);

  if (path == NULL)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_IO,
                   _("The destination must be a folder on this computer."));
      return NULL;
    }

  self = g_new0 (QrRestoreDestination, 1);
  self->folder = g_object_ref (folder);
  self->path = g_steal_pointer (&path);
  self->fd = -1;
  self->staging_fd = -1;
  self->marker_fd = -1;
  self->removed = g_ptr_array_new_with_free_func (g_free);

  if (!g_file_test (self->path, G_FILE_TEST_EXISTS))
    {
      if (g_mkdir_with_parents (self->path, 0700) != 0)
        {
          g_set_error (error, QR_ERROR, qr_error_from_errno (errno),
                   _("Cannot create the destination folder “%s”: %s."),
                   self->path, g_strerror (errno));
          qr_restore_destination_close (self);
          return NULL;
        }
      self->created = TRUE;
    }

  self->fd = open (self->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (self->fd < 0)
    {
      g_set_error (error, QR_ERROR, qr_error_from_errno (errno),
                   _("Cannot open the destination folder “%s”: %s."),
                   self->path, g_strerror (errno));
      qr_restore_destination_close (self);
      return NULL;
    }

  remove_stale (self);
  return self;
}

void
qr_restore_destination_close (QrRestoreDestination *self)
{
  if (self == NULL)
    return;

  if (self->staging != NULL)
    qr_restore_destination_abort (self);

  if (self->fd >= 0)
    close (self->fd);

  /* A folder this restore created and left empty goes again. */
  if (self->created)
    g_rmdir (self->path);

  g_clear_object (&self->folder);
  g_free (self->path);
  g_ptr_array_unref (self->removed);
  g_free (self);
}

/* The qubes whose unfinished restores, left by an earlier run that was
 * stopped, were removed when the folder was opened. */
GStrv
qr_restore_destination_dup_removed (QrRestoreDestination *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < self->removed->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (self->removed, i));

  return g_strv_builder_end (builder);
}

gboolean
qr_restore_destination_exists (QrRestoreDestination *self,
                               const char           *name)
{
  struct stat st;

  return fstatat (self->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

GFile *
qr_restore_destination_get_child (QrRestoreDestination *self,
                                  const char           *name)
{
  return g_file_get_child (self->folder, name);
}

/* Creates the marker, locked, under a name nobody has. */
static int
create_marker (QrRestoreDestination *self,
               const char           *qube,
               GError              **error)
{
  for (guint attempt = 0; attempt < 100; attempt++)
    {
      g_autofree char *base = g_strdup_printf (STAGING_PREFIX "%08x", g_random_int ());
      g_autofree char *text = NULL;
      int fd;

      g_free (self->marker);
      self->marker = g_strconcat (base, MARKER_SUFFIX, NULL);
      fd = openat (self->fd, self->marker,
                   O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd < 0 && errno == EEXIST)
        continue;
      if (fd < 0)
        {
          g_set_error (error, QR_ERROR, qr_error_from_errno (errno),
                   _("Cannot write into the destination folder “%s”: %s."),
                   self->path, g_strerror (errno));
          g_clear_pointer (&self->marker, g_free);
          return -1;
        }

      flock (fd, LOCK_EX);
      text = g_strdup_printf ("%s\n%s\n", qube,
                              "An unfinished restore by Qubes Backup Rescue. The next restore "
                              "into this folder removes it.");
      /* Without its text the marker still works: the lock is what tells a
       * running restore from a stopped one. */
      if (write (fd, text, strlen (text)) < 0)
        g_debug ("Could not describe the marker %s: %s", self->marker, g_strerror (errno));

      self->staging = g_strconcat (base, STAGING_SUFFIX, NULL);
      return fd;
    }

  g_set_error (error, QR_ERROR, QR_ERROR_IO,
               _("Cannot write into the destination folder “%s”: %s."), self->path,
               g_strerror (EEXIST));
  return -1;
}

/**
 * qr_restore_destination_begin:
 *
 * Starts writing a qube whose folder will be called @name, in a hidden
 * staging folder. Returns: a descriptor of the staging folder, owned by
 * the destination until the qube is committed or aborted, or -1.
 */
int
qr_restore_destination_begin (QrRestoreDestination  *self,
                              const char            *name,
                              const char            *qube,
                              GError               **error)
{
  g_return_val_if_fail (self->staging == NULL, -1);

  if (qr_restore_destination_exists (self, name))
    {
      g_set_error (error, QR_ERROR, QR_ERROR_EXISTS,
                   _("A folder named “%s” already exists in the destination, so the qube was "
                     "not restored. Choose another destination folder."),
                   name);
      return -1;
    }

  self->marker_fd = create_marker (self, qube, error);
  if (self->marker_fd < 0)
    return -1;

  self->final_name = g_strdup (name);
  if (mkdirat (self->fd, self->staging, 0700) != 0 ||
      (self->staging_fd = openat (self->fd, self->staging,
                                  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
    {
      g_set_error (error, QR_ERROR, qr_error_from_errno (errno),
                   _("Cannot create the folder “%s”: %s."),
                   name, g_strerror (errno));
      qr_restore_destination_abort (self);
      return -1;
    }

  return self->staging_fd;
}

static void
forget_qube (QrRestoreDestination *self)
{
  if (self->staging_fd >= 0)
    close (self->staging_fd);
  self->staging_fd = -1;

  if (self->marker != NULL)
    unlinkat (self->fd, self->marker, 0);
  if (self->marker_fd >= 0)
    close (self->marker_fd);
  self->marker_fd = -1;

  g_clear_pointer (&self->marker, g_free);
  g_clear_pointer (&self->staging, g_free);
  g_clear_pointer (&self->final_name, g_free);
}

/* The qube's files are complete: they go to the disk, then the folder gets
 * its real name (the one it began with, or @name), and only then does the
 * marker go. */
gboolean
qr_restore_destination_commit (QrRestoreDestination  *self,
                               const char            *name,
                               GError               **error)
{
  g_return_val_if_fail (self->staging != NULL, FALSE);

  if (name != NULL)
    {
      g_free (self->final_name);
      self->final_name = g_strdup (name);
    }

  if (syncfs (self->staging_fd) != 0)
    {
      g_set_error (error, QR_ERROR, qr_error_from_errno (errno),
                   _("Cannot save “%s” to the disk: %s."),
                   self->final_name, g_strerror (errno));
      qr_restore_destination_abort (self);
      return FALSE;
    }

  if (renameat2 (self->fd, self->staging, self->fd, self->final_name, RENAME_NOREPLACE) != 0)
    {
      if (errno == EEXIST)
        g_set_error (error, QR_ERROR, QR_ERROR_EXISTS,
                     _("A folder named “%s” already exists in the destination, so the qube "
                       "was not restored. Choose another destination folder."),
                     self->final_name);
      else
        g_set_error (error, QR_ERROR, qr_error_from_errno (errno),
                   _("Cannot name the folder “%s”: %s."),
                   self->final_name, g_strerror (errno));
      qr_restore_destination_abort (self);
      return FALSE;
    }

  fsync (self->fd);
  forget_qube (self);
  return TRUE;
}

/* The qube failed: nothing of it is left. */
void
qr_restore_destination_abort (QrRestoreDestination *self)
{
  if (self->staging == NULL)
    return;

  if (self->staging_fd >= 0)
    close (self->staging_fd);
  self->staging_fd = -1;
  qr_extract_remove_tree (self->fd, self->staging);
  forget_qube (self);
}

/* Removes a qube this restore already finished. */
void
qr_restore_destination_remove (QrRestoreDestination *self,
                               const char           *name)
{
  qr_extract_remove_tree (self->fd, name);
}
