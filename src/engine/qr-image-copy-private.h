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

/* The walk of one copy (qr-image-copy-walk.c) and the writing of what it
 * finds (qr-image-copy-write.c). All of it is the worker thread's. */

/* The most of a file read and written at once. */
#define QR_IMAGE_COPY_PIECE_SIZE (1024 * 1024)

typedef struct
{
  QrImageCopy    *self;
  QrImageCopyJob *job;
  gboolean        counting;
  guint           files;
  guint64         bytes;
  GHashTable     *visited;
  GPtrArray      *stack;
  int             dest_fd;
  guchar         *buffer;
  /* A destination failure or cancellation: the end of the copy. */
  GError         *fatal;
} QrImageCopyWalk;

/* qr-image-copy-walk.c */
QrImageCopyNote *_qr_image_copy_walk_note              (QrImageCopyWalk     *walk,
                                                        QrImageCopyNoteKind  kind,
                                                        const char          *path,
                                                        GError              *error);
void             _qr_image_copy_walk_destination_error (QrImageCopyWalk     *walk,
                                                        const char          *path,
                                                        int                  errsv);
gboolean         _qr_image_copy_walk_check_cancelled   (QrImageCopyWalk     *walk);

/* qr-image-copy-write.c */
char            *_qr_image_copy_temp_name              (void);
int              _qr_image_copy_give_name              (int                  dir_fd,
                                                        const char          *temp,
                                                        const char          *name);
gboolean         _qr_image_copy_write_file             (QrImageCopyWalk     *walk,
                                                        int                  dir_fd,
                                                        const char          *name,
                                                        const char          *path,
                                                        GFileInfo           *info);
gboolean         _qr_image_copy_write_link             (QrImageCopyWalk     *walk,
                                                        int                  dir_fd,
                                                        const char          *name,
                                                        const char          *path,
                                                        GFileInfo           *info);
int              _qr_image_copy_write_folder           (QrImageCopyWalk     *walk,
                                                        int                  dir_fd,
                                                        const char          *name,
                                                        const char          *path);
void             _qr_image_copy_finish_folder          (QrImageCopyWalk     *walk,
                                                        int                  fd,
                                                        GFileInfo           *info,
                                                        const char          *path);

G_END_DECLS
