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

static void
lookup_qr_error (QrError      code,
                 QrErrorText *text)
{
  switch (code)
    {
    case QR_ERROR_WRONG_PASSPHRASE:
      text->title = _("That passphrase did not work");
      text->body = _("Check the spelling and whether Caps Lock is on, then try again. "
                     "It is the passphrase that was typed when the backup was made, "
                     "which may differ from the disk password.");
      break;

    case QR_ERROR_DAMAGED:
      text->title = _("Part of the backup is damaged");
      text->body = _("Some data in the backup does not match what was saved, so it "
                     "cannot be trusted and was not used. If you have another copy of "
                     "this backup, try that one; other qubes may still restore fine.");
      break;

    case QR_ERROR_TRUNCATED:
      text->title = _("The backup is incomplete");
      text->body = _("The file ends before the backup does, perhaps because copying it "
                     "was interrupted. Copy it again from the original disk and try once more.");
      break;

    case QR_ERROR_NOT_A_BACKUP:
      text->title = _("This is not a Qubes backup");
      text->body = _("The file you chose was not made by the Qubes OS backup tool. "
                     "Qubes backups are usually named like “qubes-backup-2024-05-01T120000”. "
                     "Choose another file.");
      break;

    case QR_ERROR_UNSUPPORTED_VERSION:
      text->title = _("This kind of backup cannot be read yet");
      text->body = _("The backup was made by a version of Qubes OS this program does not "
                     "know. Look for a newer version of Qubes Backup Rescue, or restore it "
                     "on a computer running Qubes OS.");
      break;

    case QR_ERROR_NEEDS_MEMORY:
      text->title = _("Not enough free memory");
      text->body = _("Unlocking this backup needs more memory than is free right now. "
                     "Close other programs, then try again.");
      break;

    case QR_ERROR_NO_SPACE:
      text->title = _("Not enough disk space");
      text->body = _("The destination disk is full. Free some space or choose a folder "
                     "on a larger disk, then restore again.");
      break;

    case QR_ERROR_IO:
      text->title = _("A disk could not be read or written");
      text->body = _("Check that the disk with the backup and the destination disk are "
                     "still connected, then try again.");
      break;

    case QR_ERROR_EXISTS:
      text->title = _("A file with the same name is already there");
      text->body = _("Nothing is ever overwritten. Choose another destination folder, "
                     "then restore again.");
      break;

    case QR_ERROR_UNKNOWN_QUBE:
      text->title = _("This qube is not in the backup");
      text->body = _("The backup lists the qube, but its data was not saved in it. "
                     "Look for a backup made at another time.");
      break;

    case QR_ERROR_UDISKS_UNAVAILABLE:
      text->title = _("The disk service is not available");
      text->body = _("Opening the files needs the udisks service. Install the “udisks2” "
                     "package with your software manager, or type “sudo apt install "
                     "udisks2” in a terminal, then try again.");
      break;

    case QR_ERROR_NOT_AUTHORIZED:
      text->title = _("Permission was refused");
      text->body = _("Your account was not allowed to open these files. The details "
                     "below say why, and what you can do about it.");
      break;

    case QR_ERROR_NO_FILESYSTEM:
      text->title = _("No files in this disk image");
      text->body = _("This qube’s disk image holds no files: it was probably never "
                     "started. If it should hold files, restore it again, or from "
                     "another backup.");
      break;

    case QR_ERROR_UNSUPPORTED_FILESYSTEM:
      text->title = _("This file system cannot be opened here");
      text->body = _("The image uses a file system this computer does not support; "
                     "the details below name it. Try opening it on another Linux "
                     "computer.");
      break;

    case QR_ERROR_BUSY:
      text->title = _("The image is in use");
      text->body = _("Close any window or program that uses these files, then try again.");
      break;

    case QR_ERROR_FAILED:
    default:
      text->title = _("Something went wrong");
      text->body = _("The details below say what happened. Try again; if it happens "
                     "again, the details help whoever you ask for help.");
      break;
    }
}

static gboolean
lookup_io_error (int          code,
                 QrErrorText *text)
{
  switch (code)
    {
    case G_IO_ERROR_NO_SPACE:
      lookup_qr_error (QR_ERROR_NO_SPACE, text);
      return TRUE;

    case G_IO_ERROR_EXISTS:
      lookup_qr_error (QR_ERROR_EXISTS, text);
      return TRUE;

    case G_IO_ERROR_PERMISSION_DENIED:
    case G_IO_ERROR_READ_ONLY:
      text->title = _("Permission was refused");
      text->body = _("This file or folder may not be read or written with your account. "
                     "Choose another folder, for example one in your home folder.");
      return TRUE;

    case G_IO_ERROR_NOT_FOUND:
      text->title = _("The file is no longer there");
      text->body = _("It may have been moved, or its disk was disconnected. "
                     "Connect the disk and choose the file again.");
      return TRUE;

    default:
      return FALSE;
    }
}

void
qr_error_text_lookup (const GError *error,
                      QrErrorText  *text)
{
  g_return_if_fail (error != NULL);
  g_return_if_fail (text != NULL);

  if (error->domain == QR_ERROR)
    lookup_qr_error (error->code, text);
  else if (error->domain == G_IO_ERROR && lookup_io_error (error->code, text))
    return;
  else
    lookup_qr_error (QR_ERROR_FAILED, text);
}
