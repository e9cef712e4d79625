/* test-format.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <locale.h>

#include "qr-format.h"

#define MIB (G_GUINT64_CONSTANT (1) << 20)

static void
assert_left (guint64     done,
             guint64     total,
             double      rate,
             const char *expected)
{
  g_autofree char *left = qr_format_time_left (done, total, rate);

  g_assert_cmpstr (left, ==, expected);
}

static void
test_estimates (void)
{
  assert_left (0, 30 * MIB, MIB, "Less than a minute left");
  assert_left (0, 60 * MIB, MIB, "About 1 minute left");
  assert_left (0, 61 * MIB, MIB, "About 2 minutes left");
  assert_left (10 * MIB, 10 * MIB + 3540 * MIB, MIB, "About 59 minutes left");
  assert_left (0, 3599 * MIB, MIB, "About 1 hour left");
  assert_left (0, 3600 * MIB, MIB, "About 1 hour left");
  assert_left (0, 5 * 3600 * MIB, MIB, "About 5 hours left");
  assert_left (0, 999 * 3600 * MIB, MIB, "About 999 hours left");
}

/* A pipe has no total: reading on would once print "4104926372 h". */
static void
test_no_estimate (void)
{
  assert_left (5 * MIB, 0, MIB, NULL);
  assert_left (5 * MIB, 4 * MIB, MIB, NULL);
  assert_left (4 * MIB, 4 * MIB, MIB, NULL);
  assert_left (0, 4 * MIB, 0.0, NULL);
  assert_left (0, 4 * MIB, 0.5, NULL);
  assert_left (0, G_MAXUINT64, 1.0, NULL);
  assert_left (0, (guint64) QR_FORMAT_MAX_HOURS_LEFT * 3600 * MIB, MIB, NULL);
}

int
main (int   argc,
      char *argv[])
{
  /* The English texts, whatever the environment's language. */
  g_setenv ("LANGUAGE", "C", TRUE);
  setlocale (LC_ALL, "C");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qr/format/estimates", test_estimates);
  g_test_add_func ("/qr/format/no-estimate", test_no_estimate);

  return g_test_run ();
}
