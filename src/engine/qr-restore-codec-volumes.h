/* qr-restore-codec-volumes.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "qr-header.h"
#include "qr-restore-codec.h"

G_BEGIN_DECLS

#define QR_TYPE_RESTORE_CODEC_VOLUMES (qr_restore_codec_volumes_get_type ())

G_DECLARE_FINAL_TYPE (QrRestoreCodecVolumes, qr_restore_codec_volumes, QR, RESTORE_CODEC_VOLUMES,
                      QrRestoreCodec)

QrRestoreCodec *qr_restore_codec_volumes_new (const QrHeader *header,
                                              const char     *passphrase);

G_END_DECLS
