/* qr-fuzz-backup.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void qr_fuzz_backup_check (GFile *file);

G_END_DECLS
