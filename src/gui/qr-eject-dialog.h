/* qr-eject-dialog.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "qr-mount-tracker.h"

G_BEGIN_DECLS

/* The response ids of the question, for whoever answers it. */
#define QR_EJECT_RESPONSE_EJECT  "eject"
#define QR_EJECT_RESPONSE_KEEP   "keep"
#define QR_EJECT_RESPONSE_CANCEL "cancel"

void     qr_eject_dialog_run_async  (GtkWindow            *parent,
                                     QrMountTracker       *tracker,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data);
gboolean qr_eject_dialog_run_finish (GAsyncResult         *result,
                                     GError              **error);

G_END_DECLS
