/* qr-bench-kdf.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Derives the key of one scrypt container the way a restore does, on one
 * thread, and prints the seconds it took: the figure to compare with
 * `scrypt dec` and with other implementations of scrypt.
 *
 *   qr-bench-kdf [--kind portable|avx512] CONTAINER PREFIX PASSPHRASE
 *
 * Without --kind, the ROMix this processor runs best; with it, that one. */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qr-romix.h"
#include "qr-scrypt-private.h"

static gboolean
kind_from_name (const char  *name,
                QrRomixKind *kind)
{
  for (QrRomixKind k = QR_ROMIX_PORTABLE; k <= QR_ROMIX_AVX512; k++)
    if (g_str_equal (name, qr_romix_kind_get_name (k)))
      {
        *kind = k;
        return qr_romix_kind_is_supported (k);
      }

  return FALSE;
}

/* scrypt as the engine runs it on one thread, with the given ROMix. */
static QrScryptKey *
derive_with_kind (QrRomixKind           kind,
                  const QrScryptParams *params,
                  const char           *prefix,
                  const char           *passphrase)
{
  g_autoptr(QrRomixBuffer) buffer = qr_romix_buffer_new (params->log_n, params->r);
  gsize block_size = (gsize) 128 * params->r;
  gsize blocks_size = block_size * params->p;
  g_autofree guint8 *blocks = g_malloc (blocks_size);
  QrScryptKey *key = _qr_scrypt_key_new ();
  guint8 *password;
  gsize password_len;

  g_assert (buffer != NULL);
  password = _qr_scrypt_dup_password (prefix, passphrase, &password_len);
  _qr_scrypt_pbkdf2 (password, password_len, params->salt, sizeof params->salt,
                     blocks, blocks_size);
  for (guint32 i = 0; i < params->p; i++)
    qr_romix_with_kind (kind, blocks + i * block_size, params->log_n, params->r, buffer);
  _qr_scrypt_pbkdf2 (password, password_len, blocks, blocks_size, key->bytes, sizeof key->bytes);
  _qr_scrypt_free_password (password, password_len);

  return key;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(QrScryptKey) key = NULL;
  QrScryptParams params;
  QrRomixKind kind;
  gboolean with_kind = FALSE;
  gsize len;
  gint64 start;

  if (argc == 6 && g_str_equal (argv[1], "--kind"))
    {
      if (!kind_from_name (argv[2], &kind))
        {
          g_printerr ("qr-bench-kdf: this processor cannot run ROMix “%s”\n", argv[2]);
          return EXIT_FAILURE;
        }
      with_kind = TRUE;
      argv += 2;
      argc -= 2;
    }

  if (argc != 4)
    {
      g_printerr ("usage: qr-bench-kdf [--kind portable|avx512] CONTAINER PREFIX PASSPHRASE\n");
      return EXIT_FAILURE;
    }

  if (!g_file_get_contents (argv[1], &data, &len, &error) ||
      !qr_scrypt_params_parse ((const guint8 *) data, len, &params, &error))
    {
      g_printerr ("qr-bench-kdf: %s\n", error->message);
      return EXIT_FAILURE;
    }

  start = g_get_monotonic_time ();
  if (with_kind)
    key = derive_with_kind (kind, &params, argv[2], argv[3]);
  else
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
