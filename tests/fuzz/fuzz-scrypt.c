/* fuzz-scrypt.c: the scrypt container of every encrypted member: its
 * header, and its decryption in one piece and streamed.
 *
 * A fuzzer cannot forge the container's checksum and MACs, so the first
 * byte of the input asks for some of them to be recomputed with a key
 * derived once, with cheap parameters; the rest is the container. With
 * every flag set, a well-formed container decrypts, and what lies past
 * the MAC checks is reached too.
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "qr-error.h"
#include "qr-fuzz-utils.h"
#include "qr-scrypt-file.h"

#define KEY_PREFIX "fuzz!"
#define CHECKSUM_OFFSET 48
#define CHECKSUM_SIZE 16
#define HEADER_MAC_OFFSET 64

/* The first byte of the input. */
#define FIX_CHECKSUM     (1 << 0)
#define FIX_HEADER_MAC   (1 << 1)
#define FIX_FINAL_MAC    (1 << 2)
#define PIECE_SHIFT      3          /* bits 3-6: streamed pieces of 2^k bytes */
#define DECRYPT_IN_PLACE (1 << 7)
#define ALL_FIXES        (FIX_CHECKSUM | FIX_HEADER_MAC | FIX_FINAL_MAC)

/* Deriving a key from a fuzzed header is worth it only while it is fast. */
#define MAX_FUZZED_WORK ((guint64) 1 << 14)

/* Derived once: the key as the engine holds it, and its raw bytes (AES key,
 * then HMAC key) to re-sign inputs with. */
static QrScryptKey *key;
static guint8 key_bytes[64];

static void
hmac_sha256 (const guint8 *data,
             gsize         len,
             guint8        out[QR_SCRYPT_MAC_SIZE])
{
  unsigned int out_len = 0;

  g_assert_nonnull (HMAC (EVP_sha256 (), key_bytes + 32, 32, data, len, out, &out_len));
  g_assert_cmpuint (out_len, ==, QR_SCRYPT_MAC_SIZE);
}

/* What the flags ask for, on a copy of the container. */
static guint8 *
fix_container (const guint8 *data,
               gsize         len,
               guint8        flags)
{
  guint8 *copy = g_malloc (MAX (len, 1));

  memcpy (copy, data, len);

  if (len >= QR_SCRYPT_HEADER_SIZE && (flags & FIX_CHECKSUM))
    {
      guint8 digest[EVP_MAX_MD_SIZE];
      unsigned int digest_len = 0;

      g_assert_true (EVP_Digest (copy, CHECKSUM_OFFSET, digest, &digest_len, EVP_sha256 (), NULL));
      memcpy (copy + CHECKSUM_OFFSET, digest, CHECKSUM_SIZE);
    }

  if (len >= QR_SCRYPT_HEADER_SIZE && (flags & FIX_HEADER_MAC))
    hmac_sha256 (copy, HEADER_MAC_OFFSET, copy + HEADER_MAC_OFFSET);

  if (len >= QR_SCRYPT_OVERHEAD && (flags & FIX_FINAL_MAC))
    hmac_sha256 (copy, len - QR_SCRYPT_MAC_SIZE, copy + len - QR_SCRYPT_MAC_SIZE);

  return copy;
}

/* The streamed decryption, as the restore does it: returns the plaintext,
 * or NULL where qr_scrypt_file_decrypt() must fail too. */
static guint8 *
decrypt_streamed (const guint8 *data,
                  gsize         len,
                  guint8        flags)
{
  g_autoptr(QrScryptDecryptor) decryptor = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *buffer = NULL;
  g_autofree guint8 *plain = NULL;
  QrScryptParams params;
  gsize body_len, piece = (gsize) 1 << ((flags >> PIECE_SHIFT) & 0xf);
  gboolean in_place = (flags & DECRYPT_IN_PLACE) != 0;

  if (len < QR_SCRYPT_OVERHEAD ||
      !qr_scrypt_params_parse (data, QR_SCRYPT_HEADER_SIZE, &params, NULL) ||
      !qr_scrypt_key_check_header (key, &params))
    return NULL;

  body_len = len - QR_SCRYPT_OVERHEAD;
  buffer = g_malloc (MAX (body_len, 1));
  plain = g_malloc (MAX (body_len, 1));
  memcpy (buffer, data + QR_SCRYPT_HEADER_SIZE, body_len);

  decryptor = qr_scrypt_decryptor_new (key, &params);
  for (gsize done = 0; done < body_len; done += MIN (piece, body_len - done))
    qr_scrypt_decryptor_update (decryptor, buffer + done, in_place ? buffer + done : plain + done,
                                MIN (piece, body_len - done));

  if (!qr_scrypt_decryptor_finish (decryptor, data + len - QR_SCRYPT_MAC_SIZE, &error))
    {
      g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
      return NULL;
    }

  return in_place ? g_steal_pointer (&buffer) : g_steal_pointer (&plain);
}

/* A key from the header's own parameters, when they are cheap. */
static void
derive_from_header (const QrScryptParams *params)
{
  g_autoptr(QrScryptKey) derived = NULL;
  g_autoptr(GError) error = NULL;
  guint64 work;

  if (!g_uint64_checked_mul (&work, (guint64) 1 << params->log_n, params->r) ||
      !g_uint64_checked_mul (&work, work, params->p) || work > MAX_FUZZED_WORK)
    return;

  derived = qr_scrypt_key_derive (params, KEY_PREFIX, QR_FUZZ_PASSPHRASE, &error);
  g_assert_true ((derived == NULL) != (error == NULL));
  if (derived != NULL)
    qr_scrypt_key_check_header (derived, params);
}

static void
check_params (const guint8 *data,
              gsize         len)
{
  g_autoptr(GError) error = NULL;
  QrScryptParams params;
  guint64 v_size;

  if (!qr_scrypt_params_parse (data, len, &params, &error))
    {
      g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
      return;
    }

  g_assert_cmpuint (len, >=, QR_SCRYPT_HEADER_SIZE);
  g_assert_cmpmem (params.header, QR_SCRYPT_HEADER_SIZE, data, QR_SCRYPT_HEADER_SIZE);
  g_assert_cmpuint (params.log_n, ==, data[7]);
  g_assert_cmpuint (params.log_n, >, 0);
  g_assert_cmpuint (params.r, >, 0);
  g_assert_cmpuint (params.p, >, 0);
  /* At least the scrypt's big array, 128 r N bytes, is counted. */
  if (g_uint64_checked_mul (&v_size, (guint64) 128 * params.r, (guint64) 1 << params.log_n))
    g_assert_cmpuint (qr_scrypt_params_get_memory (&params), >=, v_size);
  else
    g_assert_cmpuint (qr_scrypt_params_get_memory (&params), ==, G_MAXUINT64);

  derive_from_header (&params);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  QrScryptParams params = { .log_n = 1, .r = 8, .p = 1 };
  g_autofree char *password = g_strconcat (KEY_PREFIX, QR_FUZZ_PASSPHRASE, NULL);

  qr_fuzz_init ();

  memset (params.salt, 0x5a, sizeof params.salt);
  key = qr_scrypt_key_derive (&params, KEY_PREFIX, QR_FUZZ_PASSPHRASE, NULL);
  g_assert_nonnull (key);
  g_assert_true (qr_scrypt_kdf ((const guint8 *) password, strlen (password),
                                params.salt, sizeof params.salt, params.log_n, params.r, params.p,
                                key_bytes, sizeof key_bytes, NULL));
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  g_autofree guint8 *container = NULL;
  g_autofree guint8 *streamed = NULL;
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GError) error = NULL;
  QrScryptParams params;
  guint8 flags;
  gsize len;

  if (size < 1)
    return 0;

  flags = data[0];
  len = size - 1;
  check_params (data + 1, len);

  container = fix_container (data + 1, len, flags);
  plain = qr_scrypt_file_decrypt (key, container, len, &error);
  streamed = decrypt_streamed (container, len, flags);

  /* A container signed with the key opens, if its parameters are sound. */
  if ((flags & ALL_FIXES) == ALL_FIXES && len >= QR_SCRYPT_OVERHEAD &&
      qr_scrypt_params_parse (container, len, &params, NULL))
    g_assert_nonnull (plain);

  /* Both ways agree, on the verdict and on every byte. */
  g_assert_true ((plain == NULL) == (streamed == NULL));
  if (plain == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == QR_ERROR);
      return 0;
    }

  g_assert_cmpuint (g_bytes_get_size (plain), ==, len - QR_SCRYPT_OVERHEAD);
  g_assert_cmpmem (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain),
                   streamed, len - QR_SCRYPT_OVERHEAD);

  return 0;
}
