/* test-error.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <gio/gio.h>

#include "qr-error.h"

static void
test_from_errno (void)
{
  g_assert_cmpint (qr_error_from_errno (ENOSPC), ==, QR_ERROR_NO_SPACE);
  g_assert_cmpint (qr_error_from_errno (EDQUOT), ==, QR_ERROR_NO_SPACE);
  g_assert_cmpint (qr_error_from_errno (ENOMEM), ==, QR_ERROR_NEEDS_MEMORY);
  g_assert_cmpint (qr_error_from_errno (EIO), ==, QR_ERROR_IO);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qr/error/from-errno", test_from_errno);

  return g_test_run ();
}
