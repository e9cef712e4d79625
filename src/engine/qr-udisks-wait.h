/* qr-udisks-wait.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef gboolean (*QrUdisksCheckFunc) (GTask    *task);
typedef void     (*QrUdisksThenFunc)  (GTask    *task,
                                       gboolean  timed_out);

typedef struct _QrUdisksWaiter QrUdisksWaiter;

void qr_udisks_wait_until  (GDBusObjectManager  *manager,
                            GTask               *task,
                            QrUdisksWaiter     **slot,
                            QrUdisksCheckFunc    check,
                            guint                timeout_seconds,
                            QrUdisksThenFunc     then);
void qr_udisks_waiter_free (QrUdisksWaiter      *waiter);

G_END_DECLS
