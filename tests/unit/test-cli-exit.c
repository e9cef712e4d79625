/* test-cli-exit.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>

#include "qr-cli-common.h"
#include "qr-error.h"

static void
assert_exit_code (GQuark     domain,
                  int        code,
                  QrExitCode expected)
{
  g_autoptr(GError) error = g_error_new_literal (domain, code, "test");

  g_assert_cmpint (qr_cli_exit_code_for_error (error), ==, expected);
}

/* The documented numbers themselves: scripts depend on them. */
static void
test_numbers (void)
{
  g_assert_cmpint (QR_EXIT_OK, ==, 0);
  g_assert_cmpint (QR_EXIT_USAGE, ==, 1);
  g_assert_cmpint (QR_EXIT_FAILURE, ==, 1);
  g_assert_cmpint (QR_EXIT_WRONG_PASSPHRASE, ==, 2);
  g_assert_cmpint (QR_EXIT_DAMAGED, ==, 3);
  g_assert_cmpint (QR_EXIT_NOT_A_BACKUP, ==, 4);
  g_assert_cmpint (QR_EXIT_RESOURCES, ==, 5);
  g_assert_cmpint (QR_EXIT_CANCELLED, ==, 130);
}

static void
test_table (void)
{
  g_assert_cmpint (qr_cli_exit_code_for_error (NULL), ==, QR_EXIT_OK);
  assert_exit_code (QR_ERROR, QR_ERROR_FAILED, QR_EXIT_FAILURE);
  assert_exit_code (QR_ERROR, QR_ERROR_WRONG_PASSPHRASE, QR_EXIT_WRONG_PASSPHRASE);
  assert_exit_code (QR_ERROR, QR_ERROR_DAMAGED, QR_EXIT_DAMAGED);
  assert_exit_code (QR_ERROR, QR_ERROR_TRUNCATED, QR_EXIT_DAMAGED);
  assert_exit_code (QR_ERROR, QR_ERROR_NOT_A_BACKUP, QR_EXIT_NOT_A_BACKUP);
  assert_exit_code (QR_ERROR, QR_ERROR_UNSUPPORTED_VERSION, QR_EXIT_NOT_A_BACKUP);
  assert_exit_code (QR_ERROR, QR_ERROR_NEEDS_MEMORY, QR_EXIT_RESOURCES);
  assert_exit_code (QR_ERROR, QR_ERROR_NO_SPACE, QR_EXIT_RESOURCES);
  assert_exit_code (QR_ERROR, QR_ERROR_IO, QR_EXIT_RESOURCES);
  assert_exit_code (QR_ERROR, QR_ERROR_EXISTS, QR_EXIT_FAILURE);
  assert_exit_code (QR_ERROR, QR_ERROR_UDISKS_UNAVAILABLE, QR_EXIT_FAILURE);
  assert_exit_code (QR_ERROR, QR_ERROR_NOT_AUTHORIZED, QR_EXIT_FAILURE);
  assert_exit_code (QR_ERROR, QR_ERROR_BUSY, QR_EXIT_FAILURE);
  assert_exit_code (G_IO_ERROR, G_IO_ERROR_CANCELLED, QR_EXIT_CANCELLED);
  assert_exit_code (G_IO_ERROR, G_IO_ERROR_NO_SPACE, QR_EXIT_RESOURCES);
  assert_exit_code (G_FILE_ERROR, G_FILE_ERROR_IO, QR_EXIT_RESOURCES);
  assert_exit_code (G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, QR_EXIT_USAGE);
  assert_exit_code (QR_CLI_ERROR, QR_CLI_ERROR_USAGE, QR_EXIT_USAGE);
  assert_exit_code (QR_CLI_ERROR, QR_CLI_ERROR_NAMED_FILE, QR_EXIT_USAGE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qr/cli-exit/numbers", test_numbers);
  g_test_add_func ("/qr/cli-exit/table", test_table);

  return g_test_run ();
}
