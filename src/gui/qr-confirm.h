/* qr-confirm.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* The response ids of the confirmation dialog, for whoever answers it. */
#define QR_CONFIRM_RESPONSE_ACCEPT "accept"
#define QR_CONFIRM_RESPONSE_CANCEL "cancel"

void     qr_confirm_async  (GtkWindow            *parent,
                            const char           *heading,
                            const char           *body,
                            const char           *cancel_label,
                            const char           *accept_label,
                            GCancellable         *cancellable,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data);
gboolean qr_confirm_finish (GAsyncResult         *result,
                            GError              **error);

G_END_DECLS
