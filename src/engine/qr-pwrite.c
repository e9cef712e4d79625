/* qr-pwrite.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "qr-pwrite.h"

/**
 * qr_pwrite_all:
 *
 * Writes all of @data at @offset of @fd, however many calls pwrite()
 * takes. Returns: FALSE with errno set; a write that makes no progress
 * is EIO, rather than a loop without end.
 */
gboolean
qr_pwrite_all (int           fd,
               gconstpointer data,
               gsize         len,
               guint64       offset)
{
  const guint8 *bytes = data;

  while (len > 0)
    {
      gssize n = pwrite (fd, bytes, len, offset);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      if (n == 0)
        {
          errno = EIO;
          return FALSE;
        }

      bytes += n;
      len -= n;
      offset += n;
    }

  return TRUE;
}
