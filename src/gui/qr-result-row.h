/* qr-result-row.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "qr-mount-tracker.h"
#include "qr-restore-item.h"

G_BEGIN_DECLS

#define QR_TYPE_RESULT_ROW (qr_result_row_get_type ())

G_DECLARE_FINAL_TYPE (QrResultRow, qr_result_row, QR, RESULT_ROW, GtkListBoxRow)

GtkWidget     *qr_result_row_new             (QrRestoreItem  *item,
                                              gboolean        verify_only,
                                              QrMountTracker *tracker);
void           qr_result_row_set_recoverable (QrResultRow    *self,
                                              gboolean        recoverable);
QrRestoreItem *qr_result_row_get_item        (QrResultRow    *self);
GFile         *qr_result_row_get_image       (QrResultRow    *self);
const char    *qr_result_row_get_summary     (QrResultRow    *self);

G_END_DECLS
