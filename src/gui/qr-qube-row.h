/* qr-qube-row.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "qr-qube.h"

G_BEGIN_DECLS

#define QR_TYPE_QUBE_ROW (qr_qube_row_get_type ())

G_DECLARE_FINAL_TYPE (QrQubeRow, qr_qube_row, QR, QUBE_ROW, AdwActionRow)

GtkWidget  *qr_qube_row_new                 (QrQube    *qube,
                                             guint64    estimate);
QrQube     *qr_qube_row_get_qube            (QrQubeRow *self);
guint64     qr_qube_row_get_estimate        (QrQubeRow *self);
gboolean    qr_qube_row_get_available       (QrQubeRow *self);
gboolean    qr_qube_row_get_restored        (QrQubeRow *self);
void        qr_qube_row_set_restored        (QrQubeRow *self,
                                             gboolean   restored);
gboolean    qr_qube_row_get_selectable      (QrQubeRow *self);
gboolean    qr_qube_row_get_selected        (QrQubeRow *self);
void        qr_qube_row_set_selected        (QrQubeRow *self,
                                             gboolean   selected);
const char *qr_qube_row_describe_klass      (QrQube    *qube);
gboolean    qr_qube_row_holds_user_files    (QrQube    *qube);

G_END_DECLS
