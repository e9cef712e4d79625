/* qr-bench-kdf.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Derives the key of one scrypt container the way a restore does, and
 * prints the seconds it took: the figure to compare with `scrypt dec`. */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "qr-scrypt-file.h"

int
main (int   argc,
      char *argv[])
{
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(QrScryptKey) key = NULL;
  QrScryptParams params;
  gsize len;
  gint64 start;

  if (argc != 4)
    {
      g_printerr ("usage: qr-bench-kdf CONTAINER PREFIX PASSPHRASE\n");
      return EXIT_FAILURE;
    }

  if (!g_file_get_contents (argv[1], &data, &len, &error) ||
      !qr_scrypt_params_parse ((const guint8 *) data, len, &params, &error))
    {
      g_printerr ("qr-bench-kdf: %s\n", error->message);
      return EXIT_FAILURE;
    }

  start = g_get_monotonic_time ();
  key = qr_scrypt_key_derive (&params, argv[2], argv[3], &error);
  if (key == NULL)
    {
      g_printerr ("qr-bench-kdf: %s\n", error->message);
      return EXIT_FAILURE;
    }

  if (!qr_scrypt_key_check_header (key, &params))
    {
      g_printerr ("qr-bench-kdf: wrong passphrase or prefix\n");
      return EXIT_FAILURE;
    }

  printf ("%.3f\n", (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  return EXIT_SUCCESS;
}
