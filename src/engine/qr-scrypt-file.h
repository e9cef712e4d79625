/* qr-scrypt-file.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "qr-secure-memory.h"

G_BEGIN_DECLS

/* The tarsnap "scrypt enc" container: a 96-byte header, the ciphertext,
 * and a 32-byte HMAC-SHA256 over everything before it. */
#define QR_SCRYPT_HEADER_SIZE 96
#define QR_SCRYPT_MAC_SIZE    32
#define QR_SCRYPT_OVERHEAD    (QR_SCRYPT_HEADER_SIZE + QR_SCRYPT_MAC_SIZE)

typedef struct
{
  guint8  log_n;
  guint32 r;
  guint32 p;
  guint8  salt[32];
  guint8  header[QR_SCRYPT_HEADER_SIZE];
} QrScryptParams;

typedef struct _QrScryptKey       QrScryptKey;
typedef struct _QrScryptDecryptor QrScryptDecryptor;

gboolean           qr_scrypt_params_parse        (const guint8         *data,
                                                  gsize                 len,
                                                  QrScryptParams       *params,
                                                  GError              **error);
guint64            qr_scrypt_params_get_memory   (const QrScryptParams *params);
double             qr_scrypt_params_get_seconds  (const QrScryptParams *params);

QrScryptKey       *qr_scrypt_key_derive          (const QrScryptParams *params,
                                                  const char           *prefix,
                                                  const char           *passphrase,
                                                  GError              **error);
QrScryptKey       *qr_scrypt_key_copy            (const QrScryptKey    *key);
void               qr_scrypt_key_free            (QrScryptKey          *key);
gboolean           qr_scrypt_key_equal           (const QrScryptKey    *a,
                                                  const QrScryptKey    *b);
gboolean           qr_scrypt_key_check_header    (const QrScryptKey    *key,
                                                  const QrScryptParams *params);

QrScryptDecryptor *qr_scrypt_decryptor_new       (const QrScryptKey    *key,
                                                  const QrScryptParams *params);
void               qr_scrypt_decryptor_update    (QrScryptDecryptor    *self,
                                                  const guint8         *in,
                                                  guint8               *out,
                                                  gsize                 len);
gboolean           qr_scrypt_decryptor_finish    (QrScryptDecryptor    *self,
                                                  const guint8         *mac,
                                                  GError              **error);
void               qr_scrypt_decryptor_free      (QrScryptDecryptor    *self);

GBytes            *qr_scrypt_file_decrypt        (const QrScryptKey    *key,
                                                  const guint8         *data,
                                                  gsize                 len,
                                                  GError              **error);

/* The bare scrypt function, for callers and tests that need other salt
 * or output sizes than the container's. */
gboolean           qr_scrypt_kdf                 (const guint8         *password,
                                                  gsize                 password_len,
                                                  const guint8         *salt,
                                                  gsize                 salt_len,
                                                  guint8                log_n,
                                                  guint32               r,
                                                  guint32               p,
                                                  guint8               *out,
                                                  gsize                 out_len,
                                                  GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrScryptKey, qr_scrypt_key_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrScryptDecryptor, qr_scrypt_decryptor_free)

G_END_DECLS
