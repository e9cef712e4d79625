/* qr-swatch.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define QR_TYPE_SWATCH (qr_swatch_get_type ())

G_DECLARE_FINAL_TYPE (QrSwatch, qr_swatch, QR, SWATCH, GtkWidget)

GtkWidget  *qr_swatch_new       (void);
const char *qr_swatch_get_color (QrSwatch   *self);
void        qr_swatch_set_color (QrSwatch   *self,
                                 const char *color);

G_END_DECLS
