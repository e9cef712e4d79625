/* qr-restore-codec-scrypt.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "qr-restore-codec.h"

G_BEGIN_DECLS

#define QR_TYPE_RESTORE_CODEC_SCRYPT (qr_restore_codec_scrypt_get_type ())

G_DECLARE_FINAL_TYPE (QrRestoreCodecScrypt, qr_restore_codec_scrypt, QR, RESTORE_CODEC_SCRYPT,
                      QrRestoreCodec)

QrRestoreCodec *qr_restore_codec_scrypt_new        (const char            *backup_id,
                                                    const char            *passphrase,
                                                    QrKdfPool             *pool);
char           *qr_restore_codec_scrypt_dup_prefix (const char            *backup_id,
                                                    const QrArchiveMember *member);

G_END_DECLS
