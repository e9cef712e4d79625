/* qr-cli-common.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "qr-cli.h"

G_BEGIN_DECLS

#define QR_CLI_ERROR (qr_cli_error_quark ())

/* Failures of the command line itself, before the engine is involved. */
typedef enum
{
  /* Wrong options or arguments; the message is followed by a pointer to
   * --help. */
  QR_CLI_ERROR_USAGE,
  /* A file named on the command line cannot be used at all: missing,
   * unreadable, a folder, or not what it should be. */
  QR_CLI_ERROR_NAMED_FILE,
} QrCliError;

GQuark     qr_cli_error_quark         (void);

/* The one table from an error to the exit code. */
QrExitCode qr_cli_exit_code_for_error (const GError  *error);

/* Where the way forward from @error is an option of this program, says
 * which on standard error. */
void       qr_cli_print_remedy        (const GError  *error);

/* Prints @message and where to find the usage of @command; returns
 * QR_EXIT_USAGE. */
int        qr_cli_usage_error         (const char    *command,
                                       const char    *message);

/* Makes g_print() and g_printerr() write plain ASCII when the locale's
 * character set cannot show UTF-8 (the C locale): quotes, dashes and
 * spaces are transliterated rather than printed as question marks. */
void       qr_cli_setup_output        (void);

/* The way every command runs an async call to its end: start the call
 * with qr_cli_result_cb and a pointer to a NULL GAsyncResult, then
 * qr_cli_wait() runs the default main context until the result is in.
 * The first Ctrl+C (or SIGTERM, SIGHUP) cancels @cancellable, so the
 * call ends cleanly and removes what it left partial; a second one ends
 * the process at once with QR_EXIT_CANCELLED. */
void       qr_cli_result_cb           (GObject       *source,
                                       GAsyncResult  *result,
                                       gpointer       user_data);
void       qr_cli_wait                (GCancellable  *cancellable,
                                       GAsyncResult **result);

G_END_DECLS
