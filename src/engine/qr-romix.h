/* qr-romix.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* scryptROMix of RFC 7914, section 5: the memory-hard part of scrypt, one
 * 128·r-byte block at a time. A key with parallelism p is p independent
 * ROMix runs between two PBKDF2 steps, so they can run on p cores. */

typedef enum
{
  QR_ROMIX_PORTABLE,
  QR_ROMIX_AVX512,
} QrRomixKind;

typedef struct _QrRomixBuffer QrRomixBuffer;

guint64        qr_romix_get_memory          (guint8         log_n,
                                             guint32        r);

QrRomixBuffer *qr_romix_buffer_new          (guint8         log_n,
                                             guint32        r);
gsize          qr_romix_buffer_get_size     (QrRomixBuffer *buffer);
void           qr_romix_buffer_free         (QrRomixBuffer *buffer);

void           qr_romix                     (guint8        *block,
                                             guint8         log_n,
                                             guint32        r,
                                             QrRomixBuffer *buffer);
double         qr_romix_get_unit_seconds    (void);

/* Both kinds give the same bytes; these let tests and benchmarks check and
 * time each one that this processor can run. */
gboolean       qr_romix_kind_is_supported   (QrRomixKind    kind);
const char    *qr_romix_kind_get_name       (QrRomixKind    kind);
void           qr_romix_with_kind           (QrRomixKind    kind,
                                             guint8        *block,
                                             guint8         log_n,
                                             guint32        r,
                                             QrRomixBuffer *buffer);
void           qr_romix_block_mix           (QrRomixKind    kind,
                                             const guint8  *in,
                                             guint8        *out,
                                             guint32        r);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrRomixBuffer, qr_romix_buffer_free)

G_END_DECLS
