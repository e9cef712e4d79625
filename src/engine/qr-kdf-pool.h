/* qr-kdf-pool.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "qr-scrypt-file.h"

G_BEGIN_DECLS

#define QR_TYPE_KDF_POOL (qr_kdf_pool_get_type ())

G_DECLARE_FINAL_TYPE (QrKdfPool, qr_kdf_pool, QR, KDF_POOL, GObject)

typedef struct _QrKdfRequest QrKdfRequest;

/* Like `scrypt dec`, which refuses files needing more than 300 seconds. */
#define QR_KDF_POOL_DEFAULT_MAX_SECONDS 300.0

QrKdfPool    *qr_kdf_pool_new               (guint                 max_jobs,
                                             guint64               memory_budget);
guint         qr_kdf_pool_get_max_jobs      (QrKdfPool            *self);
guint64       qr_kdf_pool_get_memory_budget (QrKdfPool            *self);
guint         qr_kdf_pool_get_lanes         (QrKdfPool            *self,
                                             const QrScryptParams *params);
QrKdfRequest *qr_kdf_pool_submit            (QrKdfPool            *self,
                                             const QrScryptParams *params,
                                             const char           *prefix,
                                             const char           *passphrase);
void          qr_kdf_pool_cancel            (QrKdfPool            *self);
double        qr_kdf_pool_get_max_seconds   (QrKdfPool            *self);
void          qr_kdf_pool_set_max_seconds   (QrKdfPool            *self,
                                             double                seconds);
double        qr_kdf_pool_get_refused_seconds (QrKdfPool          *self);

QrScryptKey  *qr_kdf_request_wait           (QrKdfRequest         *request,
                                             GCancellable         *cancellable,
                                             GError              **error);
gboolean      qr_kdf_request_is_done        (QrKdfRequest         *request);
QrKdfRequest *qr_kdf_request_ref            (QrKdfRequest         *request);
void          qr_kdf_request_unref          (QrKdfRequest         *request);

guint64       qr_memory_available           (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrKdfRequest, qr_kdf_request_unref)

G_END_DECLS
