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
  QR_ERROR_UDISKS_UNAVAILABLE,
  QR_ERROR_NOT_AUTHORIZED,
  QR_ERROR_NO_FILESYSTEM,
  QR_ERROR_UNSUPPORTED_FILESYSTEM,
  QR_ERROR_BUSY,
  QR_ERROR_KDF_LIMIT,
} QrError;

/* The engine states what happened; each front end decides what that means
 * for its user (the CLI's exit codes are in src/cli/qr-cli-common.c). */
GQuark  qr_error_quark      (void);
QrError qr_error_from_errno (int errsv);

G_END_DECLS
