/* qr-image-copy-private.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "qr-image-copy.h"

G_BEGIN_DECLS

/* What the worker thread is given and fills in. Everything here is the
 * worker's until the task returns, then the owner's. */
typedef struct
{
  QrImage       *image;
  char         **paths;
  char          *destination;
  gboolean       copy_damaged;
  GCancellable  *cancellable;

  /* Filled in by the worker. */
  GPtrArray     *notes;
  GPtrArray     *copied;
} QrImageCopyJob;

/* The worker reports progress through these; they take the copy's
 * progress lock. */
void     _qr_image_copy_set_totals   (QrImageCopy     *self,
                                      guint            files_total,
                                      guint64          bytes_total);
void     _qr_image_copy_add_progress (QrImageCopy     *self,
                                      guint            files,
                                      guint64          bytes,
                                      const char      *current_file);

/* Runs in the worker thread. */
gboolean _qr_image_copy_run_job      (QrImageCopy     *self,
                                      QrImageCopyJob  *job,
                                      GError         **error);

void     _qr_image_copy_note_free    (QrImageCopyNote *note);

G_END_DECLS
