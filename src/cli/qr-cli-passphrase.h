/* qr-cli-passphrase.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A passphrase file holds one line of text; anything larger is the wrong
 * file, and is refused rather than cut. */
#define QR_CLI_MAX_PASSPHRASE_SIZE 4096

/* Read when neither --passphrase-file nor --passphrase-fd is given. */
#define QR_CLI_PASSPHRASE_FILE_ENV "QUBES_RESCUE_PASSPHRASE_FILE"

/* Where the passphrase comes from, first match wins: --passphrase-file,
 * --passphrase-fd, $QUBES_RESCUE_PASSPHRASE_FILE, the terminal (without
 * echo) when standard input is one, else standard input. */
typedef struct
{
  const char *file;
  int         fd;
} QrCliPassphraseSource;

/* Fails with a usage error when the backup at @backup_path is standard
 * input itself and the passphrase would be read from there too. */
gboolean qr_cli_passphrase_check_source (const QrCliPassphraseSource  *source,
                                         const char                   *backup_path,
                                         GError                      **error);

/* The passphrase in the engine's secure memory (free it with
 * qr_secure_free()), with one trailing newline removed; @prompt is shown
 * on a terminal. A source that cannot be read, is a folder, holds a NUL
 * byte or more than QR_CLI_MAX_PASSPHRASE_SIZE bytes is a
 * QR_CLI_ERROR_NAMED_FILE error naming it. */
char    *qr_cli_passphrase_read         (const QrCliPassphraseSource  *source,
                                         const char                   *prompt,
                                         GError                      **error);

G_END_DECLS
