/* qr-space-estimate.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "qr-backup.h"

G_BEGIN_DECLS

guint64 qr_space_estimate_qube (QrBackup *backup,
                                QrQube   *qube);

G_END_DECLS
