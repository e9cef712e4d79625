/* qr-item-row.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "qr-restore-item.h"

G_BEGIN_DECLS

#define QR_TYPE_ITEM_ROW (qr_item_row_get_type ())

G_DECLARE_FINAL_TYPE (QrItemRow, qr_item_row, QR, ITEM_ROW, AdwActionRow)

GtkWidget     *qr_item_row_new            (QrRestoreItem *item,
                                           gboolean       verify_only);
QrRestoreItem *qr_item_row_get_item       (QrItemRow     *self);
const char    *qr_item_row_get_state_text (QrItemRow     *self);

G_END_DECLS
