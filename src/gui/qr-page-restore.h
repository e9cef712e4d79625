/* qr-page-restore.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "qr-page.h"
#include "qr-restore.h"

G_BEGIN_DECLS

#define QR_TYPE_PAGE_RESTORE (qr_page_restore_get_type ())

G_DECLARE_FINAL_TYPE (QrPageRestore, qr_page_restore, QR, PAGE_RESTORE, QrPage)

GtkWidget *qr_page_restore_new              (void);
QrRestore *qr_page_restore_get_restore      (QrPageRestore *self);
void       qr_page_restore_set_restore      (QrPageRestore *self,
                                             QrRestore     *restore);
gboolean   qr_page_restore_get_disk_full    (QrPageRestore *self);
double     qr_page_restore_get_fraction     (QrPageRestore *self);
char      *qr_page_restore_format_time_left (guint64        seconds);

G_END_DECLS
