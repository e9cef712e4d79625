/* qr-cli-private.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Runs the default main context until *done is TRUE; Ctrl+C cancels
 * @cancellable once, and a second Ctrl+C ends the program. */
void     qr_cli_wait       (gboolean      *done,
                            GCancellable  *cancellable);
gboolean qr_cli_usage_error (GOptionContext *context,
                            const char     *message);

G_END_DECLS
