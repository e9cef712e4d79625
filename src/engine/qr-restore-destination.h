/* qr-restore-destination.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _QrRestoreDestination QrRestoreDestination;

QrRestoreDestination *qr_restore_destination_open       (GFile                 *folder,
                                                         GError               **error);
void                  qr_restore_destination_close      (QrRestoreDestination  *self);
GStrv                 qr_restore_destination_dup_removed (QrRestoreDestination *self);
gboolean              qr_restore_destination_exists     (QrRestoreDestination  *self,
                                                         const char            *name);
GFile                *qr_restore_destination_get_child  (QrRestoreDestination  *self,
                                                         const char            *name);
int                   qr_restore_destination_begin      (QrRestoreDestination  *self,
                                                         const char            *name,
                                                         const char            *qube,
                                                         GError               **error);
gboolean              qr_restore_destination_commit     (QrRestoreDestination  *self,
                                                         const char            *name,
                                                         GError               **error);
void                  qr_restore_destination_abort      (QrRestoreDestination  *self);
void                  qr_restore_destination_remove     (QrRestoreDestination  *self,
                                                         const char            *name);

G_END_DECLS
