/* qr-hmac-file.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The largest ".hmac" file the reference restore accepts. */
#define QR_HMAC_FILE_MAX_SIZE 4096

/* Backups of formats 2 and 3 store, next to every member X, a file
 * "X.hmac": what `openssl dgst -<digest> -hmac <passphrase> < X` printed,
 * an HMAC keyed with the passphrase's bytes over X's stored bytes. */

typedef struct _QrHmac QrHmac;

GBytes   *qr_hmac_file_parse   (const guint8       *text,
                                gsize               len,
                                const char         *name,
                                GError            **error);

QrHmac   *qr_hmac_new          (const char         *digest,
                                const char         *passphrase,
                                gsize               passphrase_len,
                                GError            **error);
void      qr_hmac_update       (QrHmac             *self,
                                const void         *data,
                                gsize               len);
gboolean  qr_hmac_matches      (QrHmac             *self,
                                GBytes             *expected);
void      qr_hmac_free         (QrHmac             *self);

char     *qr_hmac_find_digest  (const void         *data,
                                gsize               len,
                                GBytes             *expected,
                                const char         *passphrase,
                                gsize               passphrase_len,
                                const char * const *candidates);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrHmac, qr_hmac_free)

G_END_DECLS
