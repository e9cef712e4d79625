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

/* The parsed "backup-header" member: key=value lines, read before anything
 * is verified, so every rule of the reference restore applies. */
typedef struct
{
  guint     version;
  gboolean  encrypted;
  gboolean  compressed;
  char     *compression_filter;  /* NULL when not compressed */
  char     *hmac_algorithm;
  char     *crypto_algorithm;    /* NULL for version 4 */
  char     *backup_id;           /* required from version 4; NULL when absent */
} QrHeader;

QrHeader *qr_header_parse (const guint8  *data,
                           gsize          len,
                           GError       **error);
QrHeader *qr_header_copy  (const QrHeader *header);
void      qr_header_free  (QrHeader      *header);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrHeader, qr_header_free)

G_END_DECLS
