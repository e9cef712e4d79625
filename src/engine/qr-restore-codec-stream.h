/* qr-restore-codec-stream.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "qr-header.h"
#include "qr-restore-codec.h"

G_BEGIN_DECLS

#define QR_TYPE_RESTORE_CODEC_STREAM (qr_restore_codec_stream_get_type ())

G_DECLARE_FINAL_TYPE (QrRestoreCodecStream, qr_restore_codec_stream, QR, RESTORE_CODEC_STREAM,
                      QrRestoreCodec)

QrRestoreCodec *qr_restore_codec_stream_new (const QrHeader *header,
                                             const char     *passphrase);

G_END_DECLS
