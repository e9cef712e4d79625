/* qr-format.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Estimates above this are no estimate at all: the rate of the first
 * minutes says little about the next weeks. */
#define QR_FORMAT_MAX_HOURS_LEFT 1000

/* "About 5 minutes left" for @bytes_done of @bytes_total at @rate bytes a
 * second, rounded as a person would say it; NULL when there is no honest
 * estimate: the total is not known (a pipe), nothing is left, nothing has
 * been measured yet, or it would be more than QR_FORMAT_MAX_HOURS_LEFT. */
char *qr_format_time_left (guint64 bytes_done,
                           guint64 bytes_total,
                           double  rate);

char *qr_format_seconds_left (double  seconds);

/* "about 3 hours": how long something takes, from "less than a second"
 * to years. */
char *qr_format_duration     (double  seconds);

G_END_DECLS
