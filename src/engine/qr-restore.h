/* qr-restore.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "qr-backup.h"
#include "qr-kdf-pool.h"
#include "qr-restore-item.h"
#include "qr-restore-progress.h"

G_BEGIN_DECLS

#define QR_TYPE_RESTORE (qr_restore_get_type ())

G_DECLARE_FINAL_TYPE (QrRestore, qr_restore, QR, RESTORE, GObject)

/* A restore of the selected qubes into @destination, or with a NULL
 * destination a verification that writes nothing. Progress properties are
 * updated on the main context that called run_async (at most a few times a
 * second); "progress" is emitted after each update. */
QrRestore      *qr_restore_new               (QrBackup             *backup,
                                              GFile                *destination);
QrBackup       *qr_restore_get_backup        (QrRestore            *self);
GFile          *qr_restore_get_destination   (QrRestore            *self);
gboolean        qr_restore_get_verify_only   (QrRestore            *self);
void            qr_restore_set_kdf_pool      (QrRestore            *self,
                                              QrKdfPool            *pool);
void            qr_restore_select            (QrRestore            *self,
                                              QrQube               *qube);
void            qr_restore_set_salvage       (QrRestore            *self,
                                              gboolean              salvage);
gboolean        qr_restore_get_salvage       (QrRestore            *self);
GListModel     *qr_restore_get_items         (QrRestore            *self);

void            qr_restore_run_async         (QrRestore            *self,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean        qr_restore_run_finish        (QrRestore            *self,
                                              GAsyncResult         *result,
                                              GError              **error);

QrRestorePhase  qr_restore_get_phase         (QrRestore            *self);
double          qr_restore_get_fraction      (QrRestore            *self);
guint64         qr_restore_get_bytes_done    (QrRestore            *self);
guint64         qr_restore_get_bytes_total   (QrRestore            *self);
double          qr_restore_get_rate          (QrRestore            *self);
const char     *qr_restore_get_current_qube  (QrRestore            *self);
const char     *qr_restore_get_current_file  (QrRestore            *self);
guint           qr_restore_get_chunk         (QrRestore            *self);
guint           qr_restore_get_n_chunks      (QrRestore            *self);
const char * const *qr_restore_get_removed_unfinished (QrRestore        *self);

G_END_DECLS
