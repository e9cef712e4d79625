/* qr-cli.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Each subcommand takes the arguments after its name (argv[0] is the
 * subcommand) and returns the process exit code (see QrExitCode). */
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
