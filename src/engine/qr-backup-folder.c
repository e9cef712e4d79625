/* qr-backup-folder.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A backup of format 1 (Qubes R1, R2-Beta1 and 2) is a folder: qubes.xml,
 * plain copies of the qubes' folders as /var/lib/qubes held them
 * ("appvms/work", "servicevms/sys-net", "vm-templates/fedora"), and dom0's
 * home ("dom0-home/user"). Nothing in it is encrypted or proven. It is
 * read relative to the folder, never through a symbolic link, and each
 * file of a qube's folder becomes a series of the ledger. */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qr-backup-private.h"
#include "qr-error.h"
#include "qr-qubes-xml.h"

#define QUBES_XML      "qubes.xml"
#define DOM0_HOME      "dom0-home"

/* Sizes are counted this deep, for the progress bar only. */
#define MAX_SIZE_DEPTH 64

#define OPEN_DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* Whether @file may be a format 1 backup: a folder, or the qubes.xml in
 * one. Anything else is a backup file or nothing. */
gboolean
_qr_backup_folder_is_candidate (GFile        *file,
                                GCancellable *cancellable)
{
  g_autofree char *name = g_file_get_basename (file);
  GFileType type = g_file_query_file_type (file, G_FILE_QUERY_INFO_NONE, cancellable);

  return type == G_FILE_TYPE_DIRECTORY ||
         (type == G_FILE_TYPE_REGULAR && g_strcmp0 (name, QUBES_XML) == 0);
}

/**
 * _qr_backup_folder_open:
 * @file: the backup's folder, or the qubes.xml in it
 *
 * Returns: the folder, open, or -1 with @error set
 */
int
_qr_backup_folder_open (GFile   *file,
                        GError **error)
{
  g_autoptr(GFile) folder = NULL;
  g_autofree char *path = NULL;
  g_autofree char *display = NULL;
  struct stat st;
  int fd;

  if (g_file_query_file_type (file, G_FILE_QUERY_INFO_NONE, NULL) == G_FILE_TYPE_REGULAR)
    folder = g_file_get_parent (file);
  else
    folder = g_object_ref (file);

  /* The folder the user chose may be reached through a link; nothing
   * inside it is. */
  path = g_file_get_path (folder);
  display = g_file_get_parse_name (folder);
  fd = path != NULL ? open (path, OPEN_DIR_FLAGS & ~O_NOFOLLOW) : -1;
  if (fd < 0)
    {
      int errsv = path != NULL ? errno : ENOENT;

      g_set_error (error, QR_ERROR, qr_error_from_errno (errsv),
                   _("Cannot open the folder “%s”: %s."), display, g_strerror (errsv));
      return -1;
    }

  if (fstatat (fd, QUBES_XML, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, QR_ERROR, QR_ERROR_NOT_A_BACKUP,
                   _("The folder “%s” is not a Qubes OS backup: it holds no list of qubes "
                     "(qubes.xml)."),
                   display);
      return -1;
    }

  return fd;
}

/**
 * _qr_backup_folder_open_dir:
 * @relative: a folder inside the backup's folder ("appvms/work")
 *
 * Opens a folder of the backup without following a symbolic link on the
 * way, nor going up.
 *
 * Returns: the folder, or -1 with @error set
 */
int
_qr_backup_folder_open_dir (int          folder_fd,
                            const char  *relative,
                            GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (relative, "/", -1);
  int fd = dup (folder_fd);

  for (guint i = 0; parts[i] != NULL && fd >= 0; i++)
    {
      int next;

      if (parts[i][0] == '\0' || g_str_equal (parts[i], ".") || g_str_equal (parts[i], ".."))
        {
          close (fd);
          fd = -1;
          errno = EINVAL;
          break;
        }

      next = openat (fd, parts[i], OPEN_DIR_FLAGS);
      close (fd);
      fd = next;
    }

  if (fd < 0)
    {
      int errsv = errno;

      g_set_error (error, QR_ERROR, qr_error_from_errno (errsv),
                   _("Cannot open the folder “%s” of the backup: %s."), relative,
                   g_strerror (errsv));
    }

  return fd;
}

static gboolean
folder_exists_cb (const char *folder,
                  gpointer    user_data)
{
  int fd = _qr_backup_folder_open_dir (GPOINTER_TO_INT (user_data), folder, NULL);

  if (fd < 0)
    return FALSE;

  close (fd);
  return TRUE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The names in a folder, sorted, without "." and "..". */
static GPtrArray *
list_folder (int fd)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  int copy = dup (fd);
  DIR *dir = copy >= 0 ? fdopendir (copy) : NULL;
  struct dirent *entry;

  if (dir == NULL)
    {
      if (copy >= 0)
        close (copy);
      return names;
    }

  while ((entry = readdir (dir)) != NULL)
    if (!g_str_equal (entry->d_name, ".") && !g_str_equal (entry->d_name, ".."))
      g_ptr_array_add (names, g_strdup (entry->d_name));
  closedir (dir);

  g_ptr_array_sort (names, compare_names);
  return names;
}

/* dom0's home is the one folder in "dom0-home/". */
static char *
find_dom0_home (int folder_fd)
{
  g_autoptr(GPtrArray) names = NULL;
  int fd = _qr_backup_folder_open_dir (folder_fd, DOM0_HOME, NULL);
  struct stat st;

  if (fd < 0)
    return NULL;

  names = list_folder (fd);
  if (names->len != 1 ||
      fstatat (fd, g_ptr_array_index (names, 0), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
      !S_ISDIR (st.st_mode))
    {
      close (fd);
      return NULL;
    }

  close (fd);
  return g_strconcat (DOM0_HOME "/", (const char *) g_ptr_array_index (names, 0), NULL);
}

static GBytes *
read_qubes_xml (int      folder_fd,
                GError **error)
{
  g_autofree char *data = NULL;
  struct stat st;
  gsize done = 0;
  int fd = openat (folder_fd, QUBES_XML, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int errsv = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, QR_ERROR, qr_error_from_errno (errsv),
                   _("Cannot read the list of qubes (qubes.xml): %s."), g_strerror (errsv));
      return NULL;
    }

  if (!S_ISREG (st.st_mode) || st.st_size > QR_QUBES_XML_MAX_SIZE)
    {
      close (fd);
      g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                   _("The list of qubes of this backup (qubes.xml) is larger than any real "
                     "one: the backup is damaged."));
      return NULL;
    }

  data = g_malloc (st.st_size + 1);
  while (done < (gsize) st.st_size)
    {
      ssize_t n = read (fd, data + done, st.st_size - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int errsv = n < 0 ? errno : EIO;

          close (fd);
          g_set_error (error, QR_ERROR, qr_error_from_errno (errsv),
                       _("Cannot read the list of qubes (qubes.xml): %s."), g_strerror (errsv));
          return NULL;
        }
      done += n;
    }

  close (fd);
  return g_bytes_new_take (g_steal_pointer (&data), done);
}

/**
 * _qr_backup_folder_read_qubes:
 *
 * Reads qubes.xml: a qube is in the backup when its folder is, and dom0's
 * home when "dom0-home/" holds one folder.
 */
GPtrArray *
_qr_backup_folder_read_qubes (int      folder_fd,
                              GError **error)
{
  g_autoptr(GBytes) xml = read_qubes_xml (folder_fd, error);
  g_autofree char *home = NULL;
  GPtrArray *qubes;
  const char *data;
  gsize len;

  if (xml == NULL)
    return NULL;

  data = g_bytes_get_data (xml, &len);
  qubes = qr_qubes_xml_parse_folder_backup (data, len, folder_exists_cb,
                                            GINT_TO_POINTER (folder_fd), error);
  if (qubes != NULL && (home = find_dom0_home (folder_fd)) != NULL)
    qr_qubes_xml_set_dom0_home (qubes, home);

  return qubes;
}

/* The bytes a file, or a folder and all below it, take on the disk:
 * about what restoring it reads. */
static guint64
entry_size (int         parent_fd,
            const char *name,
            guint       depth)
{
  g_autoptr(GPtrArray) names = NULL;
  struct stat st;
  guint64 total;
  int fd;

  if (fstatat (parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
    return 0;

  total = (guint64) st.st_blocks * 512;
  if (!S_ISDIR (st.st_mode) || depth >= MAX_SIZE_DEPTH ||
      (fd = openat (parent_fd, name, OPEN_DIR_FLAGS)) < 0)
    return total;

  names = list_folder (fd);
  for (guint i = 0; i < names->len; i++)
    total += entry_size (fd, g_ptr_array_index (names, i), depth + 1);

  close (fd);
  return total;
}

/* Every file of a qube's folder ("appvms/work/") is a series. */
static void
add_qube_folder (QrLedger   *ledger,
                 int         folder_fd,
                 const char *path)
{
  g_autofree char *folder = g_strndup (path, strlen (path) - 1);
  g_autoptr(GPtrArray) names = NULL;
  int fd = _qr_backup_folder_open_dir (folder_fd, folder, NULL);

  if (fd < 0)
    return;

  names = list_folder (fd);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *series = g_strconcat (path, name, NULL);

      qr_ledger_add_file (ledger, series, entry_size (fd, name, 0));
    }

  close (fd);
}

/* dom0's home ("dom0-home/user") is one series. */
static void
add_home (QrLedger   *ledger,
          int         folder_fd,
          const char *path)
{
  const char *slash = strrchr (path, '/');
  g_autofree char *parent = g_strndup (path, slash - path);
  int fd = _qr_backup_folder_open_dir (folder_fd, parent, NULL);

  if (fd < 0)
    return;

  qr_ledger_add_file (ledger, path, entry_size (fd, slash + 1, 0));
  close (fd);
}

/**
 * _qr_backup_folder_new_ledger:
 *
 * Returns: the ledger of the files of every qube in the backup
 */
QrLedger *
_qr_backup_folder_new_ledger (int            folder_fd,
                              GPtrArray     *qubes,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_autoptr(QrLedger) ledger = qr_ledger_new (NULL, QR_LEDGER_NAMING_FOLDER);

  for (guint i = 0; i < qubes->len; i++)
    {
      QrQube *qube = g_ptr_array_index (qubes, i);
      const char *path = qr_qube_get_backup_path (qube);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;

      if (!qr_qube_get_included (qube) || path == NULL || strchr (path, '/') == NULL)
        continue;

      if (g_str_has_suffix (path, "/"))
        add_qube_folder (ledger, folder_fd, path);
      else
        add_home (ledger, folder_fd, path);
    }

  return g_steal_pointer (&ledger);
}
