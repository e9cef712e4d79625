/* qr-recovery-text.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "qr-restore-file.h"

G_BEGIN_DECLS

char *qr_recovery_text_dup_files   (GListModel *reports);
char *qr_recovery_text_dup_reasons (GListModel *reports);

G_END_DECLS
