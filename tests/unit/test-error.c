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
assert_exit_code (GQuark     domain,
                  int        code,
                  QrExitCode expected)
{
  g_autoptr(GError) error = g_error_new_literal (domain, code, "test");

  g_assert_cmpint (qr_error_get_exit_code (error), ==, expected);
}

static void
test_exit_codes (void)
{
  g_assert_cmpint (qr_error_get_exit_code (NULL), ==, QR_EXIT_OK);
  assert_exit_code (QR_ERROR, QR_ERROR_WRONG_PASSPHRASE, QR_EXIT_WRONG_PASSPHRASE);
  assert_exit_code (QR_ERROR, QR_ERROR_DAMAGED, QR_EXIT_DAMAGED);
  assert_exit_code (QR_ERROR, QR_ERROR_TRUNCATED, QR_EXIT_DAMAGED);
  assert_exit_code (QR_ERROR, QR_ERROR_NOT_A_BACKUP, QR_EXIT_NOT_A_BACKUP);
  assert_exit_code (QR_ERROR, QR_ERROR_UNSUPPORTED_VERSION, QR_EXIT_NOT_A_BACKUP);
  assert_exit_code (QR_ERROR, QR_ERROR_NEEDS_MEMORY, QR_EXIT_RESOURCES);
  assert_exit_code (QR_ERROR, QR_ERROR_NO_SPACE, QR_EXIT_RESOURCES);
  assert_exit_code (QR_ERROR, QR_ERROR_EXISTS, QR_EXIT_FAILURE);
  assert_exit_code (G_IO_ERROR, G_IO_ERROR_CANCELLED, QR_EXIT_CANCELLED);
  assert_exit_code (G_IO_ERROR, G_IO_ERROR_NO_SPACE, QR_EXIT_RESOURCES);
  assert_exit_code (G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, QR_EXIT_FAILURE);
}

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

  g_test_add_func ("/qr/error/exit-codes", test_exit_codes);
  g_test_add_func ("/qr/error/from-errno", test_from_errno);

  return g_test_run ();
}
