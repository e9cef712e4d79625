/* qr-restore-reader.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "qr-restore-run.h"

G_BEGIN_DECLS

/* The two readers of a restore, for a file and for a pipe. Each runs on
 * the thread that runs the restore and feeds the extractor through the
 * run's queue, then returns once it sent every qube's end. */
void qr_restore_read_file   (QrRestoreRun *run);
void qr_restore_read_stream (QrRestoreRun *run);

G_END_DECLS
