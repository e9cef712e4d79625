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
