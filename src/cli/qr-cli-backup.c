/* qr-cli-backup.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qr-cli-backup.h"
#include "qr-cli-common.h"
#include "qr-scrypt-file.h"

/* Opening does not read, so a pipe loses nothing; O_NONBLOCK keeps a
 * named pipe without a writer from hanging here. */
static gboolean
check_named_file (const char  *path,
                  GError     **error)
{
  struct stat st;
  int fd;

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int errsv = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, QR_CLI_ERROR, QR_CLI_ERROR_NAMED_FILE, _("Cannot open “%s”: %s."),
                   path, g_strerror (errsv));
      return FALSE;
    }
  close (fd);

  /* A backup of format 1 is a folder that holds qubes.xml; any other
   * folder holds the backup file, if anything. */
  if (S_ISDIR (st.st_mode))
    {
      g_autofree char *list = g_build_filename (path, "qubes.xml", NULL);

      if (lstat (list, &st) == 0 && S_ISREG (st.st_mode))
        return TRUE;

      g_set_error (error, QR_CLI_ERROR, QR_CLI_ERROR_NAMED_FILE,
                   _("“%s” is a folder. Choose the backup file inside it."), path);
      return FALSE;
    }

  return TRUE;
}

QrBackup *
qr_cli_open_backup (const char    *path,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  if (!check_named_file (path, error))
    return NULL;

  file = g_file_new_for_commandline_arg (path);
  qr_backup_open_async (file, cancellable, qr_cli_result_cb, &result);
  qr_cli_wait (cancellable, &result);
  return qr_backup_open_finish (result, error);
}

static gboolean
unlock (QrBackup      *backup,
        const char    *passphrase,
        QrKdfPool     *pool,
        GCancellable  *cancellable,
        GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  qr_backup_unlock_async (backup, passphrase, pool, cancellable, qr_cli_result_cb, &result);
  qr_cli_wait (cancellable, &result);
  return qr_backup_unlock_finish (backup, result, error);
}

QrBackup *
qr_cli_open_unlocked (QrCliOptions  *options,
                      const char    *prompt,
                      gboolean       allow_locked,
                      QrKdfPool     *pool,
                      GCancellable  *cancellable,
                      GError       **error)
{
  const char *path = qr_cli_options_get_backup (options);
  g_autoptr(QrBackup) backup = NULL;
  char *passphrase;
  gboolean unlocked;

  /* Before anything is read: a pipe read for the passphrase would be
   * lost to the backup. */
  if (!qr_cli_passphrase_check_source (&options->passphrase, path, error))
    return NULL;

  backup = qr_cli_open_backup (path, cancellable, error);
  if (backup == NULL)
    return NULL;

  /* A backup of format 1 has no passphrase. */
  if (qr_backup_get_unlocked (backup))
    return g_steal_pointer (&backup);

  passphrase = qr_cli_passphrase_read (&options->passphrase, prompt, error);
  if (passphrase == NULL)
    return NULL;

  if (allow_locked && passphrase[0] == '\0')
    {
      qr_secure_free (passphrase);
      return g_steal_pointer (&backup);
    }

  unlocked = unlock (backup, passphrase, pool, cancellable, error);
  qr_secure_free (passphrase);

  return unlocked ? g_steal_pointer (&backup) : NULL;
}

/* Format 1 has nothing that proves its files; the user hears so before
 * they are used. */
void
qr_cli_print_unchecked (QrBackup *backup,
                        FILE     *stream)
{
  if (qr_backup_get_version (backup) == 1)
    fprintf (stream, "%s\n",
             _("This old backup format has no integrity check: its files are restored as they "
               "are, and damage in them cannot be found."));
}

void
qr_cli_print_damage (QrBackup *backup,
                     FILE     *stream)
{
  g_autoptr(GPtrArray) notes = qr_backup_dup_damage_notes (backup);

  if (notes->len > 0)
    fprintf (stream, "%s\n", _("The backup file is damaged:"));
  for (guint i = 0; i < notes->len; i++)
    fprintf (stream, "  %s\n", (const char *) g_ptr_array_index (notes, i));
}
