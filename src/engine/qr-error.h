/* qr-error.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define QR_ERROR (qr_error_quark ())

/* Every failure a front end can meet. Cancellation is G_IO_ERROR_CANCELLED. */
typedef enum
{
  QR_ERROR_FAILED,
  QR_ERROR_WRONG_PASSPHRASE,
  QR_ERROR_DAMAGED,
  QR_ERROR_TRUNCATED,
  QR_ERROR_NOT_A_BACKUP,
  QR_ERROR_UNSUPPORTED_VERSION,
  QR_ERROR_NEEDS_MEMORY,
  QR_ERROR_NO_SPACE,
  QR_ERROR_IO,
  QR_ERROR_EXISTS,
  QR_ERROR_UNKNOWN_QUBE,
  QR_ERROR_UDISKS_UNAVAILABLE,
  QR_ERROR_NOT_AUTHORIZED,
  QR_ERROR_NO_FILESYSTEM,
  QR_ERROR_UNSUPPORTED_FILESYSTEM,
  QR_ERROR_BUSY,
  QR_ERROR_KDF_LIMIT,
} QrError;

/* The exit codes of qubes-rescue-cli, documented in its --help and README. */
typedef enum
{
  QR_EXIT_OK = 0,
  QR_EXIT_FAILURE = 1,
  QR_EXIT_WRONG_PASSPHRASE = 2,
  QR_EXIT_DAMAGED = 3,
  QR_EXIT_NOT_A_BACKUP = 4,
  QR_EXIT_RESOURCES = 5,
  QR_EXIT_CANCELLED = 130,
} QrExitCode;

GQuark     qr_error_quark         (void);
QrExitCode qr_error_get_exit_code (const GError *error);
QrError    qr_error_from_errno    (int          errsv);

G_END_DECLS
