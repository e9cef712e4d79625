/* qr-error.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <gio/gio.h>

#include "qr-error.h"

G_DEFINE_QUARK (qr-error-quark, qr_error)

QrExitCode
qr_error_get_exit_code (const GError *error)
{
  if (error == NULL)
    return QR_EXIT_OK;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return QR_EXIT_CANCELLED;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    return QR_EXIT_RESOURCES;

  if (error->domain == G_IO_ERROR || error->domain == G_FILE_ERROR)
    return QR_EXIT_RESOURCES;

  if (error->domain != QR_ERROR)
    return QR_EXIT_FAILURE;

  switch ((QrError) error->code)
    {
    case QR_ERROR_WRONG_PASSPHRASE:
      return QR_EXIT_WRONG_PASSPHRASE;

    case QR_ERROR_DAMAGED:
    case QR_ERROR_TRUNCATED:
    /* A key that would take longer than the work limit: real Qubes
     * backups need seconds per key, far below it, so such a header is
     * almost certainly damaged or hostile rather than a real backup that
     * needs a bigger computer. */
    case QR_ERROR_KDF_LIMIT:
      return QR_EXIT_DAMAGED;

    case QR_ERROR_NOT_A_BACKUP:
    case QR_ERROR_UNSUPPORTED_VERSION:
      return QR_EXIT_NOT_A_BACKUP;

    case QR_ERROR_NEEDS_MEMORY:
    case QR_ERROR_NO_SPACE:
    case QR_ERROR_IO:
      return QR_EXIT_RESOURCES;

    case QR_ERROR_FAILED:
    case QR_ERROR_EXISTS:
    case QR_ERROR_UNKNOWN_QUBE:
    case QR_ERROR_UDISKS_UNAVAILABLE:
    case QR_ERROR_NOT_AUTHORIZED:
    case QR_ERROR_NO_FILESYSTEM:
    case QR_ERROR_UNSUPPORTED_FILESYSTEM:
    case QR_ERROR_BUSY:
    default:
      return QR_EXIT_FAILURE;
    }
}

/* Disk-full and quota errors are their own code, so that front ends can say
 * "not enough space" rather than a bare strerror. */
QrError
qr_error_from_errno (int errsv)
{
  switch (errsv)
    {
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      return QR_ERROR_NO_SPACE;

    case ENOMEM:
      return QR_ERROR_NEEDS_MEMORY;

    default:
      return QR_ERROR_IO;
    }
}
