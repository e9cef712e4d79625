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
#include "qr-restore-codec.h"

G_BEGIN_DECLS

#define QR_BACKUP_HEADER_MEMBER "backup-header"

/* What a restore of an unlocked backup reads from it. */
QrArchive      *_qr_backup_get_archive         (QrBackup        *self);
QrLedger       *_qr_backup_get_ledger          (QrBackup        *self);
QrKdfPool      *_qr_backup_get_pool            (QrBackup        *self);
const char     *_qr_backup_get_passphrase      (QrBackup        *self);
char           *_qr_backup_dup_chunk_prefix    (QrBackup        *self,
                                                const QrArchiveMember *chunk);
gboolean        _qr_backup_claim_stream        (QrBackup        *self,
                                                GError         **error);
QrRestoreCodec *_qr_backup_new_codec           (QrBackup        *self,
                                                QrKdfPool       *pool);
const char     *_qr_backup_get_stream_filter   (QrBackup        *self);
int             _qr_backup_get_folder_fd       (QrBackup        *self);
void            _qr_backup_set_missing_error   (QrArchive       *archive,
                                                const char      *name,
                                                GError         **error);

/* qr-backup-scrypt.c: format 4 */
GPtrArray      *_qr_backup_scrypt_read_qubes    (QrArchive       *archive,
                                                 const QrHeader  *header,
                                                 GBytes          *header_bytes,
                                                 QrKdfPool       *pool,
                                                 const char      *passphrase,
                                                 GCancellable    *cancellable,
                                                 GError         **error);

/* qr-backup-hmac.c: formats 2 and 3 */
gboolean        _qr_backup_hmac_check_header    (QrArchive       *archive,
                                                 GBytes          *header_bytes,
                                                 const QrHeader  *header,
                                                 const char      *passphrase,
                                                 GError         **error);
QrHeader       *_qr_backup_hmac_find_headerless (QrArchive       *archive,
                                                 const char      *passphrase,
                                                 GError         **error);
GPtrArray      *_qr_backup_hmac_read_qubes      (QrArchive       *archive,
                                                 QrLedger        *ledger,
                                                 const QrHeader  *header,
                                                 const char      *passphrase,
                                                 GCancellable    *cancellable,
                                                 GError         **error);

/* qr-backup-folder.c: format 1, a folder */
gboolean        _qr_backup_folder_is_candidate  (GFile           *file,
                                                 GCancellable    *cancellable);
int             _qr_backup_folder_open          (GFile           *file,
                                                 GError         **error);
GPtrArray      *_qr_backup_folder_read_qubes    (int              folder_fd,
                                                 GError         **error);
QrLedger       *_qr_backup_folder_new_ledger    (int              folder_fd,
                                                 GPtrArray       *qubes,
                                                 GCancellable    *cancellable,
                                                 GError         **error);
int             _qr_backup_folder_open_dir      (int              folder_fd,
                                                 const char      *relative,
                                                 GError         **error);

G_END_DECLS
