/* qr-format.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qr-format.h"

char *
qr_format_time_left (guint64 bytes_done,
                     guint64 bytes_total,
                     double  rate)
{
  if (bytes_total == 0 || bytes_done >= bytes_total || rate < 1.0)
    return NULL;

  return qr_format_seconds_left ((double) (bytes_total - bytes_done) / rate);
}

/* "About 5 minutes left" for @seconds; NULL for no estimate (a negative
 * or absurd number of seconds). */
char *
qr_format_seconds_left (double seconds)
{
  guint minutes;
  guint hours;

  /* Compared as doubles, so that no cast below can overflow. */
  if (seconds < 0 || seconds >= QR_FORMAT_MAX_HOURS_LEFT * 3600.0)
    return NULL;

  if (seconds < 60)
    return g_strdup (_("Less than a minute left"));

  minutes = ((guint) seconds + 59) / 60;
  if (minutes < 60)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "About %u minute left",
                                         "About %u minutes left",
                                         minutes),
                            minutes);

  hours = (minutes + 30) / 60;
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "About %u hour left",
                                       "About %u hours left",
                                       hours),
                          hours);
}
