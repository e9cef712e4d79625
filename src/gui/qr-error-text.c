/* qr-error-text.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "qr-error.h"
#include "qr-error-text.h"
#include "qr-help-window.h"

/* The one place where the wizard decides what an error is called, what the
 * user can do about it, and where the help says more. The engine states
 * facts; the remedies are the front end's. A code missing here gets the
 * QR_ERROR_FAILED words. */
typedef struct
{
  GQuark    (*domain) (void);
  int         code;
  const char *title;
  const char *body;
  const char *help_topic;
} ErrorEntry;

static const ErrorEntry entries[] = {
  { qr_error_quark, QR_ERROR_WRONG_PASSPHRASE,
    N_("That passphrase did not work"),
    N_("Check the spelling and whether Caps Lock is on, then try again. It is the "
       "passphrase that was typed when the backup was made, which may differ from the "
       "disk password."),
    QR_HELP_TOPIC_PASSPHRASE },
  { qr_error_quark, QR_ERROR_DAMAGED,
    N_("Part of the backup is damaged"),
    N_("Some data in the backup does not match what was saved, so it cannot be trusted "
       "and was not used. If you have another copy of this backup, try that one; other "
       "qubes may still restore fine."),
    QR_HELP_TOPIC_DAMAGED },
  { qr_error_quark, QR_ERROR_TRUNCATED,
    N_("The backup is incomplete"),
    N_("The file ends before the backup does, perhaps because copying it was "
       "interrupted. Copy it again from the original disk and try once more."),
    QR_HELP_TOPIC_DAMAGED },
  { qr_error_quark, QR_ERROR_KDF_LIMIT,
    N_("This backup would take too long to unlock"),
    N_("Its encryption settings ask for far more work than Qubes ever uses, so this part "
       "of the file is most likely damaged. If you have another copy of this backup, try "
       "that one."),
    QR_HELP_TOPIC_DAMAGED },
  { qr_error_quark, QR_ERROR_NOT_A_BACKUP,
    N_("This is not a Qubes backup"),
    N_("The file you chose was not made by the Qubes OS backup tool. Qubes backups are "
       "usually named like “qubes-backup-2024-05-01T120000”. Choose another file."),
    QR_HELP_TOPIC_DAMAGED },
  { qr_error_quark, QR_ERROR_UNSUPPORTED_VERSION,
    N_("This kind of backup cannot be read yet"),
    N_("The backup was made by a version of Qubes OS this program does not know. Look "
       "for a newer version of Qubes Backup Rescue, or restore it on a computer running "
       "Qubes OS."),
    QR_HELP_TOPIC_MANUAL },
  { qr_error_quark, QR_ERROR_NEEDS_MEMORY,
    N_("Not enough free memory"),
    N_("Unlocking this backup needs more memory than is free right now. Close other "
       "programs, then try again."),
    QR_HELP_TOPIC_SPACE },
  { qr_error_quark, QR_ERROR_NO_SPACE,
    N_("Not enough disk space"),
    N_("The destination disk is full. Free some space on it, or choose a folder on a "
       "larger disk, then try again."),
    QR_HELP_TOPIC_SPACE },
  { g_io_error_quark, G_IO_ERROR_NO_SPACE,
    N_("Not enough disk space"),
    N_("The destination disk is full. Free some space on it, or choose a folder on a "
       "larger disk, then try again."),
    QR_HELP_TOPIC_SPACE },
  { qr_error_quark, QR_ERROR_IO,
    N_("A disk could not be read or written"),
    N_("Check that the disk with the backup and the destination disk are still "
       "connected, then try again."),
    QR_HELP_TOPIC_DAMAGED },
  { qr_error_quark, QR_ERROR_EXISTS,
    N_("A folder with the same name is already there"),
    N_("Nothing is ever overwritten. Choose another destination folder, then restore "
       "again."),
    QR_HELP_TOPIC_PROGRAM },
  { g_io_error_quark, G_IO_ERROR_EXISTS,
    N_("Something with the same name is already there"),
    N_("Nothing is ever overwritten. Choose another destination folder, then restore "
       "again."),
    QR_HELP_TOPIC_PROGRAM },
  { qr_error_quark, QR_ERROR_UDISKS_UNAVAILABLE,
    N_("The disk service is not available"),
    N_("Opening the files needs the udisks service, which is not installed or not "
       "running. Install the “udisks2” package with your software manager, then try "
       "again."),
    QR_HELP_TOPIC_FILES },
  { qr_error_quark, QR_ERROR_NOT_AUTHORIZED,
    N_("Permission was refused"),
    N_("Your account was not allowed to open these files. The details below say why, "
       "and what you can do about it."),
    QR_HELP_TOPIC_FILES },
  { qr_error_quark, QR_ERROR_NO_FILESYSTEM,
    N_("No files in this disk image"),
    N_("This qube’s disk image holds no files: it was probably never started. If it "
       "should hold files, restore it again, or from another backup."),
    QR_HELP_TOPIC_FILES },
  { qr_error_quark, QR_ERROR_UNSUPPORTED_FILESYSTEM,
    N_("This file system cannot be opened here"),
    N_("The image uses a file system this computer does not support; the details below "
       "name it. Try opening it on another Linux computer."),
    QR_HELP_TOPIC_FILES },
  { qr_error_quark, QR_ERROR_BUSY,
    N_("The image is in use"),
    N_("Close any window or program that uses these files, then try again."),
    QR_HELP_TOPIC_FILES },
  { g_io_error_quark, G_IO_ERROR_PERMISSION_DENIED,
    N_("Permission was refused"),
    N_("This file or folder may not be read or written with your account. Choose "
       "another folder, for example one in your home folder."),
    NULL },
  { g_io_error_quark, G_IO_ERROR_READ_ONLY,
    N_("This disk can only be read"),
    N_("Nothing can be written to it. Choose a folder on another disk, for example one "
       "in your home folder."),
    NULL },
  { g_io_error_quark, G_IO_ERROR_NOT_FOUND,
    N_("The file is no longer there"),
    N_("It may have been moved, or its disk was disconnected. Connect the disk and "
       "choose the file again."),
    NULL },
};

static const ErrorEntry fallback = {
  qr_error_quark, QR_ERROR_FAILED,
  N_("Something went wrong"),
  N_("The details below say what happened. Try again; if it happens again, the details "
     "help whoever you ask for help."),
  NULL,
};

void
qr_error_text_lookup (const GError *error,
                      QrErrorText  *text)
{
  const ErrorEntry *entry = &fallback;

  g_return_if_fail (error != NULL);
  g_return_if_fail (text != NULL);

  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      if (error->domain == entries[i].domain () && error->code == entries[i].code)
        {
          entry = &entries[i];
          break;
        }
    }

  text->title = _(entry->title);
  text->body = _(entry->body);
  text->help_topic = entry->help_topic;
}
