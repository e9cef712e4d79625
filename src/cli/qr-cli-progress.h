/* qr-cli-progress.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "qr-restore.h"

G_BEGIN_DECLS

typedef struct _QrCliProgress QrCliProgress;

/* Shows how @restore goes, on stderr: on a terminal one line rewritten in
 * place, never wider than the terminal; otherwise a line each time the
 * qube, file, part or phase changes. Each qube's failure is printed on
 * stderr as it happens; with @print_results each success is printed on
 * standard output too. Create it right after qr_restore_run_async(), which
 * makes the items. */
QrCliProgress *qr_cli_progress_new  (QrRestore     *restore,
                                     gboolean       print_results);
/* Clears the progress line and stops listening. */
void           qr_cli_progress_free (QrCliProgress *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrCliProgress, qr_cli_progress_free)

G_END_DECLS
