/* qr-restore-extractor.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The extractor thread of a restore: it takes verified plaintext from the
 * reader's queue and turns each qube's inner streams into files in the
 * qube's own folder, which it creates first and removes again when the
 * qube fails. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qr-error.h"
#include "qr-extract.h"
#include "qr-restore-private.h"

typedef struct
{
  QrRestore *self;
  Message   *current;
  gboolean   ended;
} StreamState;

static void
release_message (QrRestore *self,
                 Message   *message)
{
  if (message == NULL)
    return;

  if (message->buffer != NULL)
    _qr_restore_give_buffer (self, message->buffer);
  g_free (message);
}

/* Hands the extractor a verified chunk a slice at a time, so that a
 * cancellation is noticed within a slice rather than within a chunk. */
static gssize
stream_read_cb (gpointer     user_data,
                const void **buffer,
                GError     **error)
{
  StreamState *state = user_data;
  QrRestore *self = state->self;
  Message *message;
  gsize slice;

  if (state->ended)
    return 0;

  /* An empty chunk (a stream ending on a chunk boundary) is no data; a
   * zero return would wrongly tell libarchive the stream ended. */
  while (state->current == NULL || state->current->length == 0)
    {
      release_message (self, g_steal_pointer (&state->current));

      message = g_async_queue_pop (self->queue);

      if (message->type == MESSAGE_END_SERIES)
        {
          state->ended = TRUE;
          g_free (message);
          return 0;
        }

      if (message->type != MESSAGE_DATA)
        {
          /* The reader has already recorded why it gave up on this series. */
          state->ended = message->type != MESSAGE_ABORT;
          g_free (message);
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "aborted");
          return -1;
        }

      state->current = message;
    }

  message = state->current;
  slice = MIN (message->length, READ_PIECE_SIZE);
  *buffer = message->buffer + message->offset;
  message->offset += slice;
  message->length -= slice;
  return slice;
}

/* Discards the rest of a series the extractor gave up on. */
static void
skip_series (QrRestore *self)
{
  for (;;)
    {
      Message *message = g_async_queue_pop (self->queue);
      MessageType type = message->type;

      release_message (self, message);
      if (type == MESSAGE_END_SERIES)
        return;
    }
}

static void
extract_series (QrRestore *self,
                guint      index,
                QrSeries  *series,
                int        qube_fd)
{
  Plan *plan = g_ptr_array_index (self->plans, index);
  const QrHeader *header = qr_backup_get_header (self->backup);
  StreamState state = { self, NULL, FALSE };
  QrExtractJob job = { 0 };
  g_autoptr(GError) error = NULL;

  job.kind = qr_qube_is_dom0 (plan->qube) ? QR_EXTRACT_TREE : QR_EXTRACT_SINGLE_FILE;
  job.compression_filter = header->compressed ? header->compression_filter : NULL;
  job.series_path = series->path;
  job.strip_prefix = plan->strip_prefix;
  job.dir_fd = qube_fd;
  job.files = plan->files;

  if (!qr_extract_stream (&job, stream_read_cb, &state, self->cancellable, &error))
    {
      release_message (self, g_steal_pointer (&state.current));
      if (!state.ended)
        skip_series (self);
      /* A stream the reader aborted failed for the reader's reason. */
      if (!g_atomic_int_get (&plan->failed) && _qr_restore_is_fatal (error))
        _qr_restore_set_fatal (self, error);
      _qr_restore_fail_plan (self, index, g_steal_pointer (&error));
    }

  release_message (self, g_steal_pointer (&state.current));
  plan->apparent_size += job.apparent_size;
}

static int
begin_item (QrRestore *self,
            guint      index)
{
  Plan *plan = g_ptr_array_index (self->plans, index);
  GError *error;
  int fd;

  if (self->dest_fd < 0)
    return -1;

  if (mkdirat (self->dest_fd, plan->folder, 0700) != 0)
    {
      int errsv = errno;

      if (errsv == EEXIST)
        error = g_error_new (QR_ERROR, QR_ERROR_EXISTS,
                             _("A folder named “%s” already exists in the "
                               "destination, so the qube was not restored. "
                               "Choose another destination folder."),
                             plan->folder);
      else
        error = g_error_new (QR_ERROR, qr_error_from_errno (errsv),
                             _("Cannot create the folder “%s”: %s."),
                             plan->folder, g_strerror (errsv));

      _qr_restore_fail_plan (self, index, error);
      return -1;
    }

  fd = openat (self->dest_fd, plan->folder, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      error = g_error_new (QR_ERROR, QR_ERROR_IO, _("Cannot open the folder “%s”: %s."),
                           plan->folder, g_strerror (errno));
      _qr_restore_fail_plan (self, index, error);
    }

  return fd;
}

/* A qube is either complete or gone: a failed one leaves nothing behind. */
static void
finish_item (QrRestore *self,
             guint      index,
             int        qube_fd)
{
  Plan *plan = g_ptr_array_index (self->plans, index);
  gboolean failed = g_atomic_int_get (&plan->failed);

  if (qube_fd >= 0)
    {
      if (!failed && syncfs (qube_fd) != 0)
        {
          GError *error = g_error_new (QR_ERROR, qr_error_from_errno (errno),
                                       _("Cannot save “%s” to the disk: %s."),
                                       plan->folder, g_strerror (errno));

          _qr_restore_fail_plan (self, index, error);
          failed = TRUE;
        }

      close (qube_fd);
      if (failed)
        qr_extract_remove_tree (self->dest_fd, plan->folder);
    }

  _qr_restore_report_state (self, index, failed ? QR_RESTORE_STATE_FAILED : QR_RESTORE_STATE_DONE);
}

/* A qube already finished turned out to be incomplete (more of it came
 * later, out of place): it goes, like any failed qube. */
static void
retract_item (QrRestore *self,
              guint      index)
{
  Plan *plan = g_ptr_array_index (self->plans, index);

  if (self->dest_fd >= 0)
    qr_extract_remove_tree (self->dest_fd, plan->folder);
  _qr_restore_report_state (self, index, QR_RESTORE_STATE_FAILED);
}

gpointer
_qr_restore_extractor_thread (gpointer data)
{
  QrRestore *self = data;
  int qube_fd = -1;

  for (;;)
    {
      Message *message = g_async_queue_pop (self->queue);
      Plan *plan = message->type == MESSAGE_QUIT ? NULL
                                                 : g_ptr_array_index (self->plans, message->item);

      switch (message->type)
        {
        case MESSAGE_BEGIN_ITEM:
          qube_fd = begin_item (self, message->item);
          break;

        case MESSAGE_BEGIN_SERIES:
          if (g_atomic_int_get (&plan->failed))
            skip_series (self);
          else
            extract_series (self, message->item, message->series, qube_fd);
          break;

        case MESSAGE_END_ITEM:
          finish_item (self, message->item, qube_fd);
          qube_fd = -1;
          break;

        case MESSAGE_RETRACT_ITEM:
          retract_item (self, message->item);
          break;

        case MESSAGE_QUIT:
          g_free (message);
          return NULL;

        case MESSAGE_DATA:
        case MESSAGE_END_SERIES:
        case MESSAGE_ABORT:
        default:
          break;
        }

      release_message (self, message);
    }
}
