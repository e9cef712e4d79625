/* qr-hmac-file.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "qr-error.h"
#include "qr-hmac-file.h"

struct _QrHmac
{
  EVP_MAC_CTX *context;
  gboolean     finished;
};

static void
set_damaged (GError     **error,
             const char  *name,
             const char  *why)
{
  g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
               _("The checksum file “%s” is damaged (%s)."), name, why);
}

/**
 * qr_hmac_file_parse:
 *
 * Reads the digest out of an ".hmac" file: what follows the first "=",
 * trimmed, in hexadecimal. OpenSSL 1.0, which every real dom0 ran, printed
 * "(stdin)= <hex>"; OpenSSL 3 prints "SHA2-512(stdin)= <hex>".
 *
 * Returns: the digest's bytes, or %NULL with @error set.
 */
GBytes *
qr_hmac_file_parse (const guint8  *text,
                    gsize          len,
                    const char    *name,
                    GError       **error)
{
  g_autofree char *copy = NULL;
  g_autofree guint8 *digest = NULL;
  const char *equals;
  const char *hex;
  gsize hex_len;

  g_return_val_if_fail (text != NULL || len == 0, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (len > QR_HMAC_FILE_MAX_SIZE)
    {
      set_damaged (error, name, _("it is larger than any real one"));
      return NULL;
    }

  for (gsize i = 0; i < len; i++)
    {
      if (text[i] == 0 || text[i] > 0x7f)
        {
          set_damaged (error, name, _("it is not plain text"));
          return NULL;
        }
    }

  copy = g_strndup ((const char *) text, len);
  equals = strchr (copy, '=');
  hex = equals != NULL ? g_strstrip ((char *) equals + 1) : "";
  hex_len = strlen (hex);

  if (hex_len == 0 || hex_len % 2 != 0 || strspn (hex, "0123456789abcdefABCDEF") != hex_len)
    {
      set_damaged (error, name, _("it holds no checksum"));
      return NULL;
    }

  digest = g_malloc (hex_len / 2);
  for (gsize i = 0; i < hex_len / 2; i++)
    digest[i] = g_ascii_xdigit_value (hex[2 * i]) << 4 | g_ascii_xdigit_value (hex[2 * i + 1]);

  return g_bytes_new_take (g_steal_pointer (&digest), hex_len / 2);
}

/**
 * qr_hmac_new:
 * @digest: an `openssl dgst` digest name as the backup header gives it
 *   ("SHA512", "sha1")
 *
 * Starts an HMAC keyed with the passphrase's bytes, as `openssl dgst
 * -hmac` computes it.
 */
QrHmac *
qr_hmac_new (const char  *digest,
             const char  *passphrase,
             gsize        passphrase_len,
             GError     **error)
{
  g_autoptr(QrHmac) self = g_new0 (QrHmac, 1);
  OSSL_PARAM params[2];
  EVP_MD *md;
  EVP_MAC *mac;
  gboolean usable;

  g_return_val_if_fail (digest != NULL, NULL);
  g_return_val_if_fail (passphrase != NULL || passphrase_len == 0, NULL);

  /* An extendable-output function has no fixed size to keep an HMAC. */
  md = EVP_MD_fetch (NULL, digest, NULL);
  usable = md != NULL && (EVP_MD_get_flags (md) & EVP_MD_FLAG_XOF) == 0;
  if (!usable)
    {
      EVP_MD_free (md);
      g_set_error (error, QR_ERROR, QR_ERROR_UNSUPPORTED_VERSION,
                   _("The backup's checksums use “%s”, which this program does not know."),
                   digest);
      return NULL;
    }

  mac = EVP_MAC_fetch (NULL, OSSL_MAC_NAME_HMAC, NULL);
  self->context = mac != NULL ? EVP_MAC_CTX_new (mac) : NULL;
  params[0] = OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST,
                                                (char *) EVP_MD_get0_name (md), 0);
  params[1] = OSSL_PARAM_construct_end ();

  /* OpenSSL takes an empty key only through a non-NULL pointer. */
  if (self->context == NULL
      || !EVP_MAC_init (self->context, (const guint8 *) (passphrase_len > 0 ? passphrase : ""),
                        passphrase_len, params))
    g_clear_pointer (&self->context, EVP_MAC_CTX_free);

  EVP_MAC_free (mac);
  EVP_MD_free (md);

  if (self->context == NULL)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_UNSUPPORTED_VERSION,
                   _("The backup's checksums use “%s”, which this program does not know."),
                   digest);
      return NULL;
    }

  return g_steal_pointer (&self);
}

void
qr_hmac_update (QrHmac     *self,
                const void *data,
                gsize       len)
{
  g_return_if_fail (self != NULL && !self->finished);
  g_return_if_fail (data != NULL || len == 0);

  if (len > 0)
    EVP_MAC_update (self->context, data, len);
}

/**
 * qr_hmac_matches:
 *
 * Finishes the HMAC and compares it with @expected in constant time; no
 * more data may be added afterwards.
 */
gboolean
qr_hmac_matches (QrHmac *self,
                 GBytes *expected)
{
  guint8 mac[EVP_MAX_MD_SIZE];
  gsize mac_len = 0;
  gsize expected_len;
  const guint8 *expected_data;

  g_return_val_if_fail (self != NULL && !self->finished, FALSE);
  g_return_val_if_fail (expected != NULL, FALSE);

  self->finished = TRUE;
  if (!EVP_MAC_final (self->context, mac, &mac_len, sizeof mac))
    return FALSE;

  expected_data = g_bytes_get_data (expected, &expected_len);
  return expected_len == mac_len && CRYPTO_memcmp (mac, expected_data, mac_len) == 0;
}

void
qr_hmac_free (QrHmac *self)
{
  if (self == NULL)
    return;

  EVP_MAC_CTX_free (self->context);
  g_free (self);
}

/**
 * qr_hmac_find_digest:
 * @candidates: digest names to try, in order
 *
 * Finds the digest with which @expected was made over @data. A backup
 * without a header does not name it: R2-Beta3 ran `openssl dgst -hmac`
 * without one, which OpenSSL 1.0 took for SHA-1 and later versions for
 * SHA-256.
 *
 * Returns: the first matching candidate, or %NULL: then the passphrase is
 * wrong.
 */
char *
qr_hmac_find_digest (const void         *data,
                     gsize               len,
                     GBytes             *expected,
                     const char         *passphrase,
                     gsize               passphrase_len,
                     const char * const *candidates)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (expected != NULL, NULL);
  g_return_val_if_fail (candidates != NULL, NULL);

  for (guint i = 0; candidates[i] != NULL; i++)
    {
      g_autoptr(QrHmac) hmac = qr_hmac_new (candidates[i], passphrase, passphrase_len, NULL);

      if (hmac == NULL)
        continue;

      qr_hmac_update (hmac, data, len);
      if (qr_hmac_matches (hmac, expected))
        return g_strdup (candidates[i]);
    }

  return NULL;
}
