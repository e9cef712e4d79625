/* qr-openssl-decrypter.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define QR_TYPE_OPENSSL_DECRYPTER (qr_openssl_decrypter_get_type ())

G_DECLARE_FINAL_TYPE (QrOpensslDecrypter, qr_openssl_decrypter, QR, OPENSSL_DECRYPTER, GObject)

QrOpensslDecrypter *qr_openssl_decrypter_new (const char  *cipher,
                                              const char  *passphrase,
                                              gsize        passphrase_len,
                                              const char  *name,
                                              GError     **error);

G_END_DECLS
