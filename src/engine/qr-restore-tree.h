/* qr-restore-tree.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "qr-restore-run.h"

G_BEGIN_DECLS

/* The reader of a restore of format 1, whose backup is a folder; it runs
 * on the thread that runs the restore, as the other readers do. */
void qr_restore_read_tree (QrRestoreRun *run);

G_END_DECLS
