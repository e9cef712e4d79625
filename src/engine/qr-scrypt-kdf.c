/* qr-scrypt-kdf.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "qr-error.h"
#include "qr-romix.h"
#include "qr-scrypt-private.h"
#include "qr-secure-memory.h"

/* scrypt as RFC 7914 defines it: PBKDF2-HMAC-SHA256 from libcrypto around
 * our own ROMix (qr-romix.c), which is faster than libcrypto's whole
 * scrypt and can be run one block at a time (libcrypto's cannot). */

/* Set-up failures of libcrypto with fixed, valid arguments mean the
 * process is out of memory or the library is broken; neither can be
 * recovered from here, just as GLib aborts when g_malloc fails. */
#define CHECK_SSL(expr) \
  G_STMT_START { \
    if (G_UNLIKELY (!(expr))) \
      g_error ("libcrypto failed: %s", #expr); \
  } G_STMT_END

static gboolean
damaged (GError    **error,
         const char *message)
{
  g_set_error_literal (error, QR_ERROR, QR_ERROR_DAMAGED, message);
  return FALSE;
}

/* Checks the parameters a hostile header may carry, without any arithmetic
 * that could overflow. The limits are those of the scrypt algorithm
 * itself (RFC 7914: r * p < 2^30, N a power of two above 1). */
gboolean
_qr_scrypt_check_cost (const QrScryptParams  *params,
                       GError               **error)
{
  if (params->log_n == 0 || params->log_n >= 64)
    return damaged (error, _("The file's encryption header asks for an impossible "
                           "work factor, so the file is damaged."));

  if (params->r == 0 || params->p == 0)
    return damaged (error, _("The file's encryption header has a zero cost "
                           "parameter, so the file is damaged."));

  if ((guint64) params->r * params->p >= ((guint64) 1 << 30))
    return damaged (error, _("The file's encryption header asks for more parallel "
                           "work than scrypt allows, so the file is damaged."));

  if (qr_romix_get_memory (params->log_n, params->r) == G_MAXUINT64)
    return damaged (error, _("The file's encryption header asks for more memory "
                           "than any computer has, so the file is damaged."));

  return TRUE;
}

/* B, the p blocks of 128·r bytes that go through ROMix. */
guint64
_qr_scrypt_get_blocks_size (const QrScryptParams *params)
{
  guint64 size;

  if (!g_uint64_checked_mul (&size, (guint64) 128 * params->r, params->p))
    return G_MAXUINT64;

  return size;
}

/**
 * qr_scrypt_params_get_memory:
 *
 * Returns: the bytes one derivation with these parameters needs on one
 *   core: V and the working blocks of ROMix, and B. Each further core that
 *   runs one of its p blocks at the same time needs the ROMix part again.
 */
guint64
qr_scrypt_params_get_memory (const QrScryptParams *params)
{
  guint64 total;

  g_return_val_if_fail (params != NULL, G_MAXUINT64);

  if (!g_uint64_checked_add (&total, qr_romix_get_memory (params->log_n, params->r),
                             _qr_scrypt_get_blocks_size (params)))
    return G_MAXUINT64;

  return total;
}

static EVP_KDF *
get_pbkdf2 (void)
{
  static EVP_KDF *pbkdf2 = NULL;

  if (g_once_init_enter (&pbkdf2))
    {
      EVP_KDF *fetched = EVP_KDF_fetch (NULL, OSSL_KDF_NAME_PBKDF2, NULL);

      CHECK_SSL (fetched != NULL);
      g_once_init_leave (&pbkdf2, fetched);
    }

  return pbkdf2;
}

/* PBKDF2-HMAC-SHA256 with one iteration, as scrypt uses it. Unlike
 * PKCS5_PBKDF2_HMAC(), the EVP interface takes sizes beyond 2 GiB. */
void
_qr_scrypt_pbkdf2 (const guint8 *password,
                   gsize         password_len,
                   const guint8 *salt,
                   gsize         salt_len,
                   guint8       *out,
                   gsize         out_len)
{
  static const guint8 empty[1] = { 0 };
  unsigned int iterations = 1;
  int pkcs5 = 1;  /* no SP 800-132 minimums: RFC 7914 asks for one iteration */
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_PASSWORD,
                                       (void *) (password_len > 0 ? password : empty),
                                       password_len),
    OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_SALT,
                                       (void *) (salt_len > 0 ? salt : empty), salt_len),
    OSSL_PARAM_construct_uint (OSSL_KDF_PARAM_ITER, &iterations),
    OSSL_PARAM_construct_utf8_string (OSSL_KDF_PARAM_DIGEST, (char *) "SHA256", 0),
    OSSL_PARAM_construct_int (OSSL_KDF_PARAM_PKCS5, &pkcs5),
    OSSL_PARAM_construct_end (),
  };
  EVP_KDF_CTX *ctx = EVP_KDF_CTX_new (get_pbkdf2 ());

  CHECK_SSL (ctx != NULL);
  CHECK_SSL (EVP_KDF_derive (ctx, out, out_len, params) == 1);
  EVP_KDF_CTX_free (ctx);
}

/* The password of one container, prefix then passphrase, in secure
 * memory since it contains the passphrase. */
guint8 *
_qr_scrypt_dup_password (const char *prefix,
                         const char *passphrase,
                         gsize      *len)
{
  gsize prefix_len = prefix != NULL ? strlen (prefix) : 0;
  gsize passphrase_len = strlen (passphrase);
  guint8 *password = qr_secure_alloc (prefix_len + passphrase_len);

  if (prefix_len > 0)
    memcpy (password, prefix, prefix_len);
  memcpy (password + prefix_len, passphrase, passphrase_len);
  *len = prefix_len + passphrase_len;

  return password;
}

void
_qr_scrypt_free_password (guint8 *password,
                          gsize   len)
{
  qr_secure_free_sized (password, len);
}

QrScryptKey *
_qr_scrypt_key_new (void)
{
  return qr_secure_alloc (sizeof (QrScryptKey));
}

static guint64
physical_memory (void)
{
  long pages = sysconf (_SC_PHYS_PAGES);
  long page_size = sysconf (_SC_PAGESIZE);

  if (pages <= 0 || page_size <= 0)
    return G_MAXUINT64;

  return (guint64) pages * (guint64) page_size;
}

static gboolean
needs_memory (GError **error,
              guint64  need)
{
  g_autofree char *size = g_format_size (need);

  g_set_error (error, QR_ERROR, QR_ERROR_NEEDS_MEMORY,
               _("Unlocking this file needs %s of memory, which this computer "
               "could not provide. Close other programs, or use a computer "
               "with more memory."),
               size);
  return FALSE;
}

static void
wipe_and_free (gpointer data,
               gsize    len)
{
  OPENSSL_cleanse (data, len);
  g_free (data);
}

/**
 * qr_scrypt_kdf:
 *
 * scrypt on this thread, its p blocks one after another. The KDF pool
 * runs the blocks of a key on several cores instead.
 */
gboolean
qr_scrypt_kdf (const guint8 *password,
               gsize         password_len,
               const guint8 *salt,
               gsize         salt_len,
               guint8        log_n,
               guint32       r,
               guint32       p,
               guint8       *out,
               gsize         out_len,
               GError      **error)
{
  QrScryptParams cost = { .log_n = log_n, .r = r, .p = p };
  g_autoptr(QrRomixBuffer) buffer = NULL;
  guint8 *blocks;
  gsize blocks_size, block_size;
  guint64 need;

  g_return_val_if_fail (password != NULL || password_len == 0, FALSE);
  g_return_val_if_fail (salt != NULL || salt_len == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_qr_scrypt_check_cost (&cost, error))
    return FALSE;

  /* Asking for more than the machine has would only end with the kernel
   * killing the process once the pages are touched. */
  need = qr_scrypt_params_get_memory (&cost);
  if (need > physical_memory () || need > G_MAXSIZE / 2)
    return needs_memory (error, need);

  block_size = (gsize) 128 * r;
  blocks_size = _qr_scrypt_get_blocks_size (&cost);
  blocks = g_try_malloc (blocks_size);
  buffer = qr_romix_buffer_new (log_n, r);
  if (blocks == NULL || buffer == NULL)
    {
      g_free (blocks);
      return needs_memory (error, need);
    }

  _qr_scrypt_pbkdf2 (password, password_len, salt, salt_len, blocks, blocks_size);
  for (guint32 i = 0; i < p; i++)
    qr_romix (blocks + i * block_size, log_n, r, buffer);
  _qr_scrypt_pbkdf2 (password, password_len, blocks, blocks_size, out, out_len);
  wipe_and_free (blocks, blocks_size);

  return TRUE;
}

QrScryptKey *
qr_scrypt_key_derive (const QrScryptParams  *params,
                      const char            *prefix,
                      const char            *passphrase,
                      GError               **error)
{
  QrScryptKey *key;
  guint8 *password;
  gsize password_len;
  gboolean ok;

  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (passphrase != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  password = _qr_scrypt_dup_password (prefix, passphrase, &password_len);
  key = _qr_scrypt_key_new ();
  ok = qr_scrypt_kdf (password, password_len, params->salt, sizeof params->salt,
                      params->log_n, params->r, params->p,
                      key->bytes, sizeof key->bytes, error);
  _qr_scrypt_free_password (password, password_len);

  if (!ok)
    {
      qr_scrypt_key_free (key);
      return NULL;
    }

  return key;
}

QrScryptKey *
qr_scrypt_key_copy (const QrScryptKey *key)
{
  QrScryptKey *copy;

  g_return_val_if_fail (key != NULL, NULL);

  copy = _qr_scrypt_key_new ();
  memcpy (copy->bytes, key->bytes, sizeof copy->bytes);

  return copy;
}

void
qr_scrypt_key_free (QrScryptKey *key)
{
  qr_secure_free_sized (key, sizeof *key);
}

gboolean
qr_scrypt_key_equal (const QrScryptKey *a,
                     const QrScryptKey *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  return CRYPTO_memcmp (a->bytes, b->bytes, sizeof a->bytes) == 0;
}
