/* qr-restore-file.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define QR_TYPE_RESTORE_FILE (qr_restore_file_get_type ())

G_DECLARE_FINAL_TYPE (QrRestoreFile, qr_restore_file, QR, RESTORE_FILE, GObject)

typedef enum
{
  QR_RESTORE_FILE_COMPLETE,
  QR_RESTORE_FILE_PARTIAL,
  QR_RESTORE_FILE_MISSING,
} QrRestoreFileState;

/* A stretch of a file whose data could not be recovered. */
typedef struct
{
  guint64 offset;
  guint64 length;
} QrRestoreRange;

/* One file of a qube, and how much of it a restore got back. Made by the
 * restore's extractor and never changed once handed to the main context. */
QrRestoreFile      *qr_restore_file_new             (const char         *name);
const char         *qr_restore_file_get_name        (QrRestoreFile      *self);
QrRestoreFileState  qr_restore_file_get_state       (QrRestoreFile      *self);
guint64             qr_restore_file_get_size        (QrRestoreFile      *self);
guint64             qr_restore_file_get_recovered   (QrRestoreFile      *self);
guint64             qr_restore_file_get_missing     (QrRestoreFile      *self);
const GArray       *qr_restore_file_get_missing_ranges (QrRestoreFile   *self);
guint               qr_restore_file_get_n_parts     (QrRestoreFile      *self);
guint               qr_restore_file_get_n_good_parts (QrRestoreFile     *self);
const char         *qr_restore_file_get_reason      (QrRestoreFile      *self);

void                qr_restore_file_set_state       (QrRestoreFile      *self,
                                                     QrRestoreFileState  state,
                                                     const char         *reason);
void                qr_restore_file_set_size        (QrRestoreFile      *self,
                                                     guint64             size);
void                qr_restore_file_add_recovered   (QrRestoreFile      *self,
                                                     guint64             bytes);
void                qr_restore_file_add_missing     (QrRestoreFile      *self,
                                                     guint64             offset,
                                                     guint64             length);
void                qr_restore_file_set_parts       (QrRestoreFile      *self,
                                                     guint               n_parts,
                                                     guint               n_good_parts);

G_END_DECLS
