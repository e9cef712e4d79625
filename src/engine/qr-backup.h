/* qr-backup.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "qr-header.h"
#include "qr-kdf-pool.h"
#include "qr-qube.h"

G_BEGIN_DECLS

#define QR_TYPE_BACKUP (qr_backup_get_type ())

G_DECLARE_FINAL_TYPE (QrBackup, qr_backup, QR, BACKUP, GObject)

/* Opening walks the outer archive's headers and reads backup-header: cheap,
 * and enough to say whether a file is a Qubes backup at all. Unlocking
 * checks the passphrase and reads the list of qubes. A backup of format 1
 * (Qubes R1, R2-Beta1 and 2) is a folder with no passphrase: it is
 * unlocked once opened. */
void            qr_backup_open_async         (GFile                *file,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
QrBackup       *qr_backup_open_finish        (GAsyncResult         *result,
                                              GError              **error);
QrBackup       *qr_backup_open               (GFile                *file,
                                              GCancellable         *cancellable,
                                              GError              **error);

GFile          *qr_backup_get_file           (QrBackup             *self);
const QrHeader *qr_backup_get_header         (QrBackup             *self);
guint           qr_backup_get_version        (QrBackup             *self);
guint64         qr_backup_get_size           (QrBackup             *self);
gboolean        qr_backup_is_streaming       (QrBackup             *self);
gboolean        qr_backup_get_unlocked       (QrBackup             *self);

void            qr_backup_unlock_async       (QrBackup             *self,
                                              const char           *passphrase,
                                              QrKdfPool            *pool,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean        qr_backup_unlock_finish      (QrBackup             *self,
                                              GAsyncResult         *result,
                                              GError              **error);
gboolean        qr_backup_unlock             (QrBackup             *self,
                                              const char           *passphrase,
                                              QrKdfPool            *pool,
                                              GCancellable         *cancellable,
                                              GError              **error);

GListModel     *qr_backup_get_qubes          (QrBackup             *self);
QrQube         *qr_backup_lookup_qube        (QrBackup             *self,
                                              const char           *name);
guint64         qr_backup_get_stored_size    (QrBackup             *self,
                                              QrQube               *qube);
GPtrArray      *qr_backup_dup_problems       (QrBackup             *self,
                                              QrQube               *qube);
GPtrArray      *qr_backup_dup_damage_notes   (QrBackup             *self);
char           *qr_backup_dup_date_string    (QrBackup             *self);

G_END_DECLS
