/* qr-backup-private.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "qr-archive.h"
#include "qr-backup.h"

G_BEGIN_DECLS

/* The largest chunk container: 100 MiB of data plus the scrypt framing. */
#define QR_MAX_CHUNK_SIZE (100 * 1024 * 1024 + 128)

/* One backed-up file: the chunks `<path>.000.enc`, `.001.enc`, ... */
typedef struct
{
  char      *path;
  GPtrArray *chunks;
  GError    *error;
} QrSeries;

void        _qr_series_free                (QrSeries     *series);

QrArchive  *_qr_backup_get_archive         (QrBackup     *self);
QrKdfPool  *_qr_backup_get_pool            (QrBackup     *self);
const char *_qr_backup_get_passphrase      (QrBackup     *self);
GPtrArray  *_qr_backup_list_series         (QrBackup     *self,
                                            QrQube       *qube);
char       *_qr_backup_dup_chunk_prefix    (QrBackup     *self,
                                            const QrArchiveMember *chunk);
gboolean    _qr_backup_parse_chunk_name    (const char   *name,
                                            char        **path,
                                            guint        *index);
gboolean    _qr_backup_series_belongs_to   (const char   *series_path,
                                            QrQube       *qube);
gboolean    _qr_backup_claim_stream        (QrBackup     *self,
                                            GError      **error);

G_END_DECLS
