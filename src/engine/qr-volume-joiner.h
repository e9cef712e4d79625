/* qr-volume-joiner.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define QR_TYPE_VOLUME_JOINER (qr_volume_joiner_get_type ())

G_DECLARE_FINAL_TYPE (QrVolumeJoiner, qr_volume_joiner, QR, VOLUME_JOINER, GObject)

QrVolumeJoiner *qr_volume_joiner_new         (const char      *name);
gboolean        qr_volume_joiner_next_volume (QrVolumeJoiner  *self,
                                              GError         **error);

G_END_DECLS
