/* qr-header.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The largest backup-header the reference restore accepts. */
#define QR_HEADER_MAX_SIZE 4096

/* The first member of a backup without a header (R2-Beta3). */
#define QR_HEADER_HEADERLESS_FIRST_MEMBER "qubes.xml.000"

/* The compression of an encrypted version 2 backup: `openssl enc -z`, one
 * zlib (RFC 1950) stream a chunk around the "Salted__" ciphertext. */
#define QR_HEADER_ZLIB "zlib"

/* The parsed "backup-header" member: key=value lines, read before anything
 * is verified, so every rule of the reference restore applies. */
typedef struct
{
  guint     version;
  gboolean  encrypted;
  gboolean  compressed;
  /* The program that compressed the inner tar streams; in version 2,
   * each chunk on its own: "gzip", or QR_HEADER_ZLIB when encrypted too.
   * NULL when not compressed. */
  char     *compression_filter;
  /* An `openssl dgst` digest before version 4, "scrypt" from it */
  char     *hmac_algorithm;
  char     *crypto_algorithm;    /* an `openssl enc` cipher; NULL for version 4 */
  char     *backup_id;           /* required from version 4; NULL when absent */
} QrHeader;

QrHeader *qr_header_parse          (const guint8   *data,
                                    gsize           len,
                                    GError        **error);
QrHeader *qr_header_new_headerless (const guint8   *first_chunk,
                                    gsize           len,
                                    const char     *hmac_algorithm);
QrHeader *qr_header_copy           (const QrHeader *header);
void      qr_header_free           (QrHeader       *header);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrHeader, qr_header_free)

G_END_DECLS
