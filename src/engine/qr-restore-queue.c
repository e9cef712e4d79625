/* qr-restore-queue.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What the reader hands the extractor: messages in order, and a few chunk
 * buffers that go back and forth. The reader takes a free buffer, fills it
 * with a verified chunk and sends it; the extractor gives it back once
 * unpacked. With a fixed number of buffers, memory stays bounded whatever
 * the size of the backup. */

#include "config.h"

#include "qr-restore-queue.h"

#define MAX_BUFFERS 8

struct _QrRestoreQueue
{
  /* Messages, from the reader thread to the extractor thread. */
  GAsyncQueue *messages;

  /* Under mutex: the buffers and which of them are in use. */
  GMutex   mutex;
  GCond    cond;
  guint    n_buffers;
  guint8  *buffers[MAX_BUFFERS];
  gsize    sizes[MAX_BUFFERS];
  gboolean busy[MAX_BUFFERS];
};

QrRestoreQueue *
qr_restore_queue_new (guint n_buffers)
{
  QrRestoreQueue *self = g_new0 (QrRestoreQueue, 1);

  g_return_val_if_fail (n_buffers > 0 && n_buffers <= MAX_BUFFERS, NULL);

  self->messages = g_async_queue_new ();
  self->n_buffers = n_buffers;
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);

  return self;
}

void
qr_restore_queue_free (QrRestoreQueue *self)
{
  QrRestoreMessage *message;

  if (self == NULL)
    return;

  while ((message = g_async_queue_try_pop (self->messages)) != NULL)
    qr_restore_queue_release (self, message);
  g_async_queue_unref (self->messages);

  for (guint i = 0; i < self->n_buffers; i++)
    g_free (self->buffers[i]);

  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self);
}

/* A free buffer of at least @size bytes, waiting for one if needed;
 * %NULL once @cancellable is cancelled. */
guint8 *
qr_restore_queue_take_buffer (QrRestoreQueue *self,
                              gsize           size,
                              GCancellable   *cancellable)
{
  int index = -1;
  guint8 *buffer = NULL;

  g_mutex_lock (&self->mutex);
  while (index < 0 && !g_cancellable_is_cancelled (cancellable))
    {
      for (guint i = 0; i < self->n_buffers && index < 0; i++)
        if (!self->busy[i])
          index = i;

      if (index < 0)
        g_cond_wait (&self->cond, &self->mutex);
    }

  if (index >= 0)
    {
      self->busy[index] = TRUE;
      if (self->sizes[index] < size)
        {
          g_free (self->buffers[index]);
          self->buffers[index] = g_malloc (size);
          self->sizes[index] = size;
        }
      buffer = self->buffers[index];
    }
  g_mutex_unlock (&self->mutex);

  return buffer;
}

void
qr_restore_queue_give_buffer (QrRestoreQueue *self,
                              guint8         *buffer)
{
  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->n_buffers; i++)
    if (self->buffers[i] == buffer)
      self->busy[i] = FALSE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
}

/* Wakes a reader waiting for a buffer, so that it sees a cancellation. */
void
qr_restore_queue_wake (QrRestoreQueue *self)
{
  g_mutex_lock (&self->mutex);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
}

void
qr_restore_queue_send (QrRestoreQueue       *self,
                       QrRestoreMessageType  type,
                       guint                 item,
                       QrSeries             *series)
{
  QrRestoreMessage *message = g_new0 (QrRestoreMessage, 1);

  message->type = type;
  message->item = item;
  message->series = series;
  g_async_queue_push (self->messages, message);
}

void
qr_restore_queue_send_data (QrRestoreQueue *self,
                            guint           item,
                            guint8         *buffer,
                            gsize           offset,
                            gsize           length,
                            gsize           weight)
{
  QrRestoreMessage *message = g_new0 (QrRestoreMessage, 1);

  message->type = QR_RESTORE_MESSAGE_DATA;
  message->item = item;
  message->buffer = buffer;
  message->offset = offset;
  message->length = length;
  message->weight = weight;
  g_async_queue_push (self->messages, message);
}

/* Takes @error. */
void
qr_restore_queue_send_gap (QrRestoreQueue *self,
                           guint           item,
                           gsize           length,
                           gsize           weight,
                           GError         *error)
{
  QrRestoreMessage *message = g_new0 (QrRestoreMessage, 1);

  message->type = QR_RESTORE_MESSAGE_GAP;
  message->item = item;
  message->length = length;
  message->weight = weight;
  message->error = error;
  g_async_queue_push (self->messages, message);
}

QrRestoreMessage *
qr_restore_queue_pop (QrRestoreQueue *self)
{
  return g_async_queue_pop (self->messages);
}

/* Frees a message, giving back the buffer it carried. */
void
qr_restore_queue_release (QrRestoreQueue   *self,
                          QrRestoreMessage *message)
{
  if (message == NULL)
    return;

  if (message->buffer != NULL)
    qr_restore_queue_give_buffer (self, message->buffer);
  g_clear_error (&message->error);
  g_free (message);
}
