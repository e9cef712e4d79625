/* qr-format.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>

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

static gulong
count_of (double seconds,
          double unit)
{
  return (gulong) MIN (round (seconds / unit), (double) G_MAXULONG);
}

/* "about 3 hours" for @seconds: in the largest unit of which there are
 * two or more, so "90 minutes" rather than "2 hours". */
char *
qr_format_duration (double seconds)
{
  const double minute = 60, hour = 60 * minute, day = 24 * hour, year = 365.25 * day;
  gulong n;

  if (seconds >= 2 * year)
    {
      n = count_of (seconds, year);
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "about %lu year",
                                           "about %lu years", n), n);
    }
  if (seconds >= 2 * day)
    {
      n = count_of (seconds, day);
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "about %lu day",
                                           "about %lu days", n), n);
    }
  if (seconds >= 2 * hour)
    {
      n = count_of (seconds, hour);
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "about %lu hour",
                                           "about %lu hours", n), n);
    }
  if (seconds >= 2 * minute)
    {
      n = count_of (seconds, minute);
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "about %lu minute",
                                           "about %lu minutes", n), n);
    }

  if (seconds < 1)
    return g_strdup (_("less than a second"));

  n = count_of (seconds, 1);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "about %lu second",
                                       "about %lu seconds", n), n);
}
