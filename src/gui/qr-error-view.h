/* qr-error-view.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define QR_TYPE_ERROR_VIEW (qr_error_view_get_type ())

G_DECLARE_FINAL_TYPE (QrErrorView, qr_error_view, QR, ERROR_VIEW, AdwBin)

GtkWidget  *qr_error_view_new       (void);
void        qr_error_view_set_error (QrErrorView  *self,
                                     const GError *error);
const char *qr_error_view_get_title (QrErrorView  *self);

G_END_DECLS
