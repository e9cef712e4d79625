/* qr-image-entry.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define QR_TYPE_IMAGE_ENTRY (qr_image_entry_get_type ())

G_DECLARE_FINAL_TYPE (QrImageEntry, qr_image_entry, QR, IMAGE_ENTRY, GObject)

QrImageEntry *qr_image_entry_new         (GFileInfo    *info,
                                          const char   *path);
GFileInfo    *qr_image_entry_get_info    (QrImageEntry *self);
const char   *qr_image_entry_get_path    (QrImageEntry *self);
gboolean      qr_image_entry_is_folder   (QrImageEntry *self);
gboolean      qr_image_entry_is_damaged  (QrImageEntry *self);
gboolean      qr_image_entry_get_checked (QrImageEntry *self);
void          qr_image_entry_set_checked (QrImageEntry *self,
                                          gboolean      checked);
char         *qr_image_entry_dup_details (QrImageEntry *self);
char         *qr_image_entry_dup_accessible_name (QrImageEntry *self);

G_END_DECLS
