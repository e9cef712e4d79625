/* qr-cli-backup.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdio.h>

#include "qr-backup.h"
#include "qr-cli-options.h"

G_BEGIN_DECLS

/* Opens the backup named on the command line. A file that cannot be
 * opened at all, or a folder without a list of qubes (a backup of format
 * 1 is a folder with one), is a QR_CLI_ERROR_NAMED_FILE error naming it;
 * what the engine finds inside keeps the engine's error. */
QrBackup *qr_cli_open_backup   (const char    *path,
                                GCancellable  *cancellable,
                                GError       **error);

/* Opens the backup of @options, reads the passphrase the options say,
 * and unlocks the backup with it; a backup of format 1 has none to read.
 * With @allow_locked, an empty passphrase leaves the backup locked (info
 * shows its header). */
QrBackup *qr_cli_open_unlocked (QrCliOptions  *options,
                                const char    *prompt,
                                gboolean       allow_locked,
                                QrKdfPool     *pool,
                                GCancellable  *cancellable,
                                GError       **error);

/* Prints where the backup file is damaged, if it is, to @stream. */
void      qr_cli_print_damage  (QrBackup      *backup,
                                FILE          *stream);
/* Says, for a backup of format 1, that nothing can prove its files. */
void      qr_cli_print_unchecked (QrBackup    *backup,
                                FILE          *stream);

G_END_DECLS
