/* qr-restore-queue.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "qr-ledger.h"

G_BEGIN_DECLS

typedef enum
{
  QR_RESTORE_MESSAGE_BEGIN_ITEM,
  QR_RESTORE_MESSAGE_BEGIN_SERIES,
  QR_RESTORE_MESSAGE_DATA,
  /* Salvage: a part that could not be verified; its plaintext would have
   * been @length bytes (0: not known), and @error says why. */
  QR_RESTORE_MESSAGE_GAP,
  QR_RESTORE_MESSAGE_END_SERIES,
  QR_RESTORE_MESSAGE_ABORT,
  QR_RESTORE_MESSAGE_END_ITEM,
  QR_RESTORE_MESSAGE_RETRACT_ITEM,
  QR_RESTORE_MESSAGE_QUIT,
} QrRestoreMessageType;

/* One message from the reader to the extractor. A DATA message carries a
 * verified plaintext slice of a buffer taken from the queue, and the bytes
 * of the backup it stands for (its @weight, for progress). */
typedef struct
{
  QrRestoreMessageType  type;
  guint                 item;
  QrSeries             *series;
  guint8               *buffer;
  gsize                 offset;
  gsize                 length;
  gsize                 weight;
  GError               *error;
} QrRestoreMessage;

typedef struct _QrRestoreQueue QrRestoreQueue;

QrRestoreQueue   *qr_restore_queue_new          (guint                  n_buffers);
void              qr_restore_queue_free         (QrRestoreQueue        *self);
guint8           *qr_restore_queue_take_buffer  (QrRestoreQueue        *self,
                                                 gsize                  size,
                                                 GCancellable          *cancellable);
void              qr_restore_queue_give_buffer  (QrRestoreQueue        *self,
                                                 guint8                *buffer);
void              qr_restore_queue_wake         (QrRestoreQueue        *self);
void              qr_restore_queue_send         (QrRestoreQueue        *self,
                                                 QrRestoreMessageType   type,
                                                 guint                  item,
                                                 QrSeries              *series);
void              qr_restore_queue_send_data    (QrRestoreQueue        *self,
                                                 guint                  item,
                                                 guint8                *buffer,
                                                 gsize                  offset,
                                                 gsize                  length,
                                                 gsize                  weight);
void              qr_restore_queue_send_gap     (QrRestoreQueue        *self,
                                                 guint                  item,
                                                 gsize                  length,
                                                 gsize                  weight,
                                                 GError                *error);
QrRestoreMessage *qr_restore_queue_pop          (QrRestoreQueue        *self);
void              qr_restore_queue_release      (QrRestoreQueue        *self,
                                                 QrRestoreMessage      *message);

G_END_DECLS
