/* qr-page-unlock.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "qr-backup.h"
#include "qr-page.h"

G_BEGIN_DECLS

#define QR_TYPE_PAGE_UNLOCK (qr_page_unlock_get_type ())

G_DECLARE_FINAL_TYPE (QrPageUnlock, qr_page_unlock, QR, PAGE_UNLOCK, QrPage)

GtkWidget  *qr_page_unlock_new              (void);
QrBackup   *qr_page_unlock_get_backup       (QrPageUnlock *self);
void        qr_page_unlock_set_backup       (QrPageUnlock *self,
                                             QrBackup     *backup);
const char *qr_page_unlock_get_error_title  (QrPageUnlock *self);

G_END_DECLS
