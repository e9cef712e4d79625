/* qr-cli.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The exit codes of qubes-rescue-cli. Scripts depend on them: they are
 * documented in the manual page, --help and the README, and never change
 * meaning. Usage errors share 1 with every failure that has no code of its
 * own, as they always have; a file named on the command line that cannot
 * be opened (the backup, the passphrase file) is a usage error. */
typedef enum
{
  QR_EXIT_OK = 0,
  QR_EXIT_FAILURE = 1,
  QR_EXIT_USAGE = 1,
  QR_EXIT_WRONG_PASSPHRASE = 2,
  QR_EXIT_DAMAGED = 3,
  QR_EXIT_NOT_A_BACKUP = 4,
  QR_EXIT_RESOURCES = 5,
  QR_EXIT_CANCELLED = 130,
} QrExitCode;

/* Each subcommand takes the arguments after its name (argv[0] is the
 * subcommand) and returns the process exit code. */
int  qr_cli_info         (int            argc,
                          char         **argv);
int  qr_cli_verify       (int            argc,
                          char         **argv);
int  qr_cli_restore      (int            argc,
                          char         **argv);
int  qr_cli_mount        (int            argc,
                          char         **argv);
int  qr_cli_unmount      (int            argc,
                          char         **argv);
int  qr_cli_ls           (int            argc,
                          char         **argv);
int  qr_cli_copy         (int            argc,
                          char         **argv);

/* Prints one plain sentence for @error on stderr and returns its exit code. */
int  qr_cli_report_error (const GError  *error);

G_END_DECLS
