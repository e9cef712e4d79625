/* qr-page-done.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "qr-mount-tracker.h"
#include "qr-page.h"
#include "qr-restore.h"

G_BEGIN_DECLS

#define QR_TYPE_PAGE_DONE (qr_page_done_get_type ())

G_DECLARE_FINAL_TYPE (QrPageDone, qr_page_done, QR, PAGE_DONE, QrPage)

GtkWidget      *qr_page_done_new               (void);
void            qr_page_done_set_result        (QrPageDone     *self,
                                                QrRestore      *restore,
                                                GListModel     *results,
                                                const GError   *error);
GListModel     *qr_page_done_get_results       (QrPageDone     *self);
GPtrArray      *qr_page_done_dup_recoverable   (QrPageDone     *self);
const char     *qr_page_done_get_summary_title (QrPageDone     *self);
const char     *qr_page_done_get_summary       (QrPageDone     *self);
gboolean        qr_page_done_get_succeeded     (QrPageDone     *self);
gboolean        qr_page_done_get_disk_full     (QrPageDone     *self);
void            qr_page_done_set_mount_tracker (QrPageDone     *self,
                                                QrMountTracker *tracker);
QrMountTracker *qr_page_done_get_mount_tracker (QrPageDone     *self);

G_END_DECLS
