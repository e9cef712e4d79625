/* qr-heading.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define QR_TYPE_HEADING (qr_heading_get_type ())

G_DECLARE_FINAL_TYPE (QrHeading, qr_heading, QR, HEADING, GtkWidget)

GtkWidget  *qr_heading_new             (void);
const char *qr_heading_get_label       (QrHeading  *self);
void        qr_heading_set_label       (QrHeading  *self,
                                        const char *label);
void        qr_heading_set_description (QrHeading  *self,
                                        const char *description);

G_END_DECLS
