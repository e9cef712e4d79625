/* qr-image-browser.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "qr-mount-tracker.h"

G_BEGIN_DECLS

#define QR_TYPE_IMAGE_BROWSER (qr_image_browser_get_type ())

G_DECLARE_FINAL_TYPE (QrImageBrowser, qr_image_browser, QR, IMAGE_BROWSER, AdwWindow)

QrImageBrowser *qr_image_browser_new             (GtkWindow      *parent,
                                                  GFile          *image,
                                                  const char     *qube_name,
                                                  QrMountTracker *tracker);
const char     *qr_image_browser_get_path        (QrImageBrowser *self);
const char     *qr_image_browser_get_page        (QrImageBrowser *self);
GFile          *qr_image_browser_get_destination (QrImageBrowser *self);
void            qr_image_browser_set_destination (QrImageBrowser *self,
                                                  GFile          *destination);

G_END_DECLS
