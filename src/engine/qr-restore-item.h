/* qr-restore-item.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "qr-qube.h"
#include "qr-restore-file.h"

G_BEGIN_DECLS

#define QR_TYPE_RESTORE_ITEM (qr_restore_item_get_type ())

G_DECLARE_FINAL_TYPE (QrRestoreItem, qr_restore_item, QR, RESTORE_ITEM, GObject)

typedef enum
{
  QR_RESTORE_STATE_WAITING,
  QR_RESTORE_STATE_DERIVING_KEY,
  QR_RESTORE_STATE_RESTORING,
  QR_RESTORE_STATE_DONE,
  QR_RESTORE_STATE_FAILED,
  /* Salvaged: what could be verified is in "<qube> (partly recovered)". */
  QR_RESTORE_STATE_PARTIAL,
} QrRestoreState;

/* One selected qube of a restore or verification, and how it went. Its
 * properties change only on the main context of whoever runs the restore. */
QrRestoreItem  *qr_restore_item_new           (QrQube         *qube);
QrQube         *qr_restore_item_get_qube      (QrRestoreItem  *self);
QrRestoreState  qr_restore_item_get_state     (QrRestoreItem  *self);
void            qr_restore_item_set_state     (QrRestoreItem  *self,
                                               QrRestoreState  state);
const GError   *qr_restore_item_get_error     (QrRestoreItem  *self);
void            qr_restore_item_set_error     (QrRestoreItem  *self,
                                               const GError   *error);
GFile          *qr_restore_item_get_location  (QrRestoreItem  *self);
void            qr_restore_item_set_location  (QrRestoreItem  *self,
                                               GFile          *location);
guint64         qr_restore_item_get_size      (QrRestoreItem  *self);
void            qr_restore_item_set_size      (QrRestoreItem  *self,
                                               guint64         size);
GStrv           qr_restore_item_dup_files     (QrRestoreItem  *self);
void            qr_restore_item_add_file      (QrRestoreItem  *self,
                                               const char     *relative_path);
GStrv           qr_restore_item_dup_notes     (QrRestoreItem  *self);
void            qr_restore_item_add_note      (QrRestoreItem  *self,
                                               const char     *note);
GListModel     *qr_restore_item_get_reports   (QrRestoreItem  *self);
void            qr_restore_item_add_report    (QrRestoreItem  *self,
                                               QrRestoreFile  *report);

G_END_DECLS
