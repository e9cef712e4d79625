/* qr-window.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define QR_TYPE_WINDOW (qr_window_get_type ())

G_DECLARE_FINAL_TYPE (QrWindow, qr_window, QR, WINDOW, AdwApplicationWindow)

QrWindow   *qr_window_new                   (GtkApplication *application);
void        qr_window_open_file             (QrWindow       *self,
                                             GFile          *file);
GtkWidget  *qr_window_get_visible_page      (QrWindow       *self);
const char *qr_window_get_visible_page_name (QrWindow       *self);
gboolean    qr_window_get_busy              (QrWindow       *self);

G_END_DECLS
