/* qr-scrypt-private.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "qr-scrypt-file.h"

G_BEGIN_DECLS

/* AES-256 key, then HMAC-SHA256 key. */
#define QR_SCRYPT_KEY_ENC_SIZE  32
#define QR_SCRYPT_KEY_HMAC_SIZE 32
#define QR_SCRYPT_KEY_SIZE      (QR_SCRYPT_KEY_ENC_SIZE + QR_SCRYPT_KEY_HMAC_SIZE)

/* Lives in secure memory: see qr-secure-memory.c. */
struct _QrScryptKey
{
  guint8 bytes[QR_SCRYPT_KEY_SIZE];
};

/* The pieces of scrypt (RFC 7914, section 6) the KDF pool runs apart:
 * B = PBKDF2 (P, S, 1, p·128·r), p runs of ROMix over the blocks of B,
 * then the key = PBKDF2 (P, B, 1, dkLen). */
gboolean     _qr_scrypt_check_cost         (const QrScryptParams  *params,
                                            GError               **error);
guint64      _qr_scrypt_get_blocks_size    (const QrScryptParams  *params);
void         _qr_scrypt_pbkdf2             (const guint8          *password,
                                            gsize                  password_len,
                                            const guint8          *salt,
                                            gsize                  salt_len,
                                            guint8                *out,
                                            gsize                  out_len);
guint8      *_qr_scrypt_dup_password       (const char            *prefix,
                                            const char            *passphrase,
                                            gsize                 *len);
void         _qr_scrypt_free_password      (guint8                *password,
                                            gsize                  len);
QrScryptKey *_qr_scrypt_key_new            (void);
GError      *_qr_scrypt_check_work         (const QrScryptParams  *params,
                                            double                 max_seconds);

G_END_DECLS
