/* qr-application.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define QR_TYPE_APPLICATION (qr_application_get_type ())

G_DECLARE_FINAL_TYPE (QrApplication, qr_application, QR, APPLICATION, AdwApplication)

QrApplication *qr_application_new          (void);
GSettings     *qr_application_dup_settings (void);

G_END_DECLS
