/* qr-scrypt-file.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "qr-error.h"
#include "qr-scrypt-private.h"

#define CHECKSUM_OFFSET 48
#define CHECKSUM_SIZE   16
#define HEADER_MAC_OFFSET 64

/* EVP_DecryptUpdate takes an int length. */
#define MAX_EVP_PIECE ((gsize) 1 << 30)

struct _QrScryptDecryptor
{
  EVP_CIPHER_CTX *cipher;
  EVP_MAC_CTX    *mac;
};

/* Allocation or set-up failures of libcrypto with fixed, valid arguments
 * mean the process is out of memory or the library is broken; neither can
 * be recovered from here, just as GLib aborts when g_malloc fails. */
#define CHECK_SSL(expr) \
  G_STMT_START { \
    if (G_UNLIKELY (!(expr))) \
      g_error ("libcrypto failed: %s", #expr); \
  } G_STMT_END

static EVP_MAC *
get_hmac (void)
{
  static EVP_MAC *hmac = NULL;

  if (g_once_init_enter (&hmac))
    {
      EVP_MAC *fetched = EVP_MAC_fetch (NULL, "HMAC", NULL);

      CHECK_SSL (fetched != NULL);
      g_once_init_leave (&hmac, fetched);
    }

  return hmac;
}

static EVP_MAC_CTX *
hmac_new (const QrScryptKey *key)
{
  EVP_MAC_CTX *ctx;
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST, (char *) "SHA256", 0),
    OSSL_PARAM_construct_end (),
  };

  ctx = EVP_MAC_CTX_new (get_hmac ());
  CHECK_SSL (ctx != NULL);
  CHECK_SSL (EVP_MAC_init (ctx, key->bytes + QR_SCRYPT_KEY_ENC_SIZE, QR_SCRYPT_KEY_HMAC_SIZE,
                           params));

  return ctx;
}

static void
hmac_final (EVP_MAC_CTX *ctx,
            guint8       out[QR_SCRYPT_MAC_SIZE])
{
  gsize out_len = 0;

  CHECK_SSL (EVP_MAC_final (ctx, out, &out_len, QR_SCRYPT_MAC_SIZE));
  g_assert (out_len == QR_SCRYPT_MAC_SIZE);
}

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static gboolean
damaged (GError    **error,
         const char *message)
{
  g_set_error_literal (error, QR_ERROR, QR_ERROR_DAMAGED, message);
  return FALSE;
}

gboolean
qr_scrypt_params_parse (const guint8    *data,
                        gsize            len,
                        QrScryptParams  *params,
                        GError         **error)
{
  guint8 digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  QrScryptParams parsed = { 0 };

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (params != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (len < QR_SCRYPT_HEADER_SIZE)
    return damaged (error, _("The file is too short to hold an encryption header."));

  if (memcmp (data, "scrypt", 6) != 0 || data[6] != 0)
    return damaged (error, _("The file does not start with a known encryption header."));

  CHECK_SSL (EVP_Digest (data, CHECKSUM_OFFSET, digest, &digest_len, EVP_sha256 (), NULL));
  if (CRYPTO_memcmp (digest, data + CHECKSUM_OFFSET, CHECKSUM_SIZE) != 0)
    return damaged (error, _("The file's encryption header is damaged."));

  parsed.log_n = data[7];
  parsed.r = read_be32 (data + 8);
  parsed.p = read_be32 (data + 12);
  memcpy (parsed.salt, data + 16, sizeof parsed.salt);
  memcpy (parsed.header, data, QR_SCRYPT_HEADER_SIZE);

  if (!_qr_scrypt_check_cost (&parsed, error))
    return FALSE;

  *params = parsed;
  return TRUE;
}

gboolean
qr_scrypt_key_check_header (const QrScryptKey    *key,
                            const QrScryptParams *params)
{
  EVP_MAC_CTX *ctx;
  guint8 mac[QR_SCRYPT_MAC_SIZE];
  gboolean ok;

  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (params != NULL, FALSE);

  ctx = hmac_new (key);
  CHECK_SSL (EVP_MAC_update (ctx, params->header, HEADER_MAC_OFFSET));
  hmac_final (ctx, mac);
  EVP_MAC_CTX_free (ctx);

  ok = CRYPTO_memcmp (mac, params->header + HEADER_MAC_OFFSET, QR_SCRYPT_MAC_SIZE) == 0;
  OPENSSL_cleanse (mac, sizeof mac);

  return ok;
}

QrScryptDecryptor *
qr_scrypt_decryptor_new (const QrScryptKey    *key,
                         const QrScryptParams *params)
{
  static const guint8 zero_iv[16] = { 0 };
  QrScryptDecryptor *self;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (params != NULL, NULL);

  self = g_new0 (QrScryptDecryptor, 1);

  self->cipher = EVP_CIPHER_CTX_new ();
  CHECK_SSL (self->cipher != NULL);
  CHECK_SSL (EVP_DecryptInit_ex (self->cipher, EVP_aes_256_ctr (), NULL, key->bytes, zero_iv));

  /* The final MAC covers the header too. */
  self->mac = hmac_new (key);
  CHECK_SSL (EVP_MAC_update (self->mac, params->header, QR_SCRYPT_HEADER_SIZE));

  return self;
}

void
qr_scrypt_decryptor_update (QrScryptDecryptor *self,
                            const guint8      *in,
                            guint8            *out,
                            gsize              len)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->cipher != NULL);
  g_return_if_fail (in != NULL || len == 0);
  g_return_if_fail (out != NULL || len == 0);

  while (len > 0)
    {
      gsize piece = MIN (len, MAX_EVP_PIECE);
      int out_len = 0;

      /* The MAC is over the ciphertext, so it must see the input before an
       * in-place decryption overwrites it. */
      CHECK_SSL (EVP_MAC_update (self->mac, in, piece));
      CHECK_SSL (EVP_DecryptUpdate (self->cipher, out, &out_len, in, (int) piece));
      g_assert ((gsize) out_len == piece);

      in += piece;
      out += piece;
      len -= piece;
    }
}

gboolean
qr_scrypt_decryptor_finish (QrScryptDecryptor  *self,
                            const guint8       *mac,
                            GError            **error)
{
  guint8 computed[QR_SCRYPT_MAC_SIZE];
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (self->cipher != NULL, FALSE);
  g_return_val_if_fail (mac != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  hmac_final (self->mac, computed);
  ok = CRYPTO_memcmp (computed, mac, QR_SCRYPT_MAC_SIZE) == 0;
  OPENSSL_cleanse (computed, sizeof computed);

  /* A decryptor is good for one file only. */
  g_clear_pointer (&self->cipher, EVP_CIPHER_CTX_free);
  g_clear_pointer (&self->mac, EVP_MAC_CTX_free);

  if (!ok)
    return damaged (error, _("The file failed its integrity check: it is damaged "
                           "or was tampered with."));

  return TRUE;
}

void
qr_scrypt_decryptor_free (QrScryptDecryptor *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->cipher, EVP_CIPHER_CTX_free);
  g_clear_pointer (&self->mac, EVP_MAC_CTX_free);
  g_free (self);
}

static void
wipe_and_free (gpointer data,
               gsize    len)
{
  OPENSSL_cleanse (data, len);
  g_free (data);
}

GBytes *
qr_scrypt_file_decrypt (const QrScryptKey  *key,
                        const guint8       *data,
                        gsize               len,
                        GError            **error)
{
  g_autoptr(QrScryptDecryptor) decryptor = NULL;
  QrScryptParams params;
  guint8 *plain;
  gsize body_len;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (len < QR_SCRYPT_OVERHEAD)
    {
      g_set_error_literal (error, QR_ERROR, QR_ERROR_TRUNCATED,
                           _("The file is cut short: it ends before its "
                           "integrity check."));
      return NULL;
    }

  if (!qr_scrypt_params_parse (data, len, &params, error))
    return NULL;

  if (!qr_scrypt_key_check_header (key, &params))
    {
      g_set_error_literal (error, QR_ERROR, QR_ERROR_WRONG_PASSPHRASE,
                           _("The passphrase is not correct."));
      return NULL;
    }

  body_len = len - QR_SCRYPT_OVERHEAD;
  plain = g_malloc (MAX (body_len, 1));

  decryptor = qr_scrypt_decryptor_new (key, &params);
  qr_scrypt_decryptor_update (decryptor, data + QR_SCRYPT_HEADER_SIZE, plain, body_len);
  if (!qr_scrypt_decryptor_finish (decryptor, data + len - QR_SCRYPT_MAC_SIZE, error))
    {
      wipe_and_free (plain, body_len);
      return NULL;
    }

  return g_bytes_new_take (plain, body_len);
}
