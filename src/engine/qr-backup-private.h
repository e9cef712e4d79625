/* qr-backup-private.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "qr-archive.h"
#include "qr-backup.h"
#include "qr-ledger.h"

G_BEGIN_DECLS

/* What a restore of an unlocked backup reads from it. */
QrArchive  *_qr_backup_get_archive         (QrBackup     *self);
QrLedger   *_qr_backup_get_ledger          (QrBackup     *self);
QrKdfPool  *_qr_backup_get_pool            (QrBackup     *self);
const char *_qr_backup_get_passphrase      (QrBackup     *self);
char       *_qr_backup_dup_chunk_prefix    (QrBackup     *self,
                                            const QrArchiveMember *chunk);
gboolean    _qr_backup_claim_stream        (QrBackup     *self,
                                            GError      **error);

G_END_DECLS
