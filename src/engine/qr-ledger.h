/* qr-ledger.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "qr-archive.h"
#include "qr-qube.h"

G_BEGIN_DECLS

#define QR_TYPE_LEDGER (qr_ledger_get_type ())

G_DECLARE_FINAL_TYPE (QrLedger, qr_ledger, QR, LEDGER, GObject)

/* The largest chunk container: 100 MiB of data plus the scrypt framing. */
#define QR_MAX_CHUNK_SIZE (100 * 1024 * 1024 + 128)

/* One backed-up file: the chunks `<path>.000.enc`, `.001.enc`, ... by
 * number, %NULL where a part is missing from the file. @error says the
 * first reason the series cannot be complete (a part missing or out of
 * order, an impossible size). */
typedef struct
{
  char      *path;
  GPtrArray *chunks;
  GError    *error;
  guint64    stored_size;
} QrSeries;

QrLedger       *qr_ledger_new               (QrArchive    *archive);
void            qr_ledger_set_qubes         (QrLedger     *self,
                                             GListModel   *qubes);
QrSeries       *qr_ledger_add_member        (QrLedger     *self,
                                             const QrArchiveMember *member,
                                             guint        *chunk);
guint           qr_ledger_get_n_series      (QrLedger     *self);
QrSeries       *qr_ledger_get_series        (QrLedger     *self,
                                             guint         index);
GPtrArray      *qr_ledger_list_series       (QrLedger     *self,
                                             QrQube       *qube);
QrQube         *qr_ledger_find_owner        (QrLedger     *self,
                                             const char   *series_path);
GPtrArray      *qr_ledger_dup_problems      (QrLedger     *self,
                                             QrQube       *qube);
GPtrArray      *qr_ledger_dup_damage_notes  (QrLedger     *self);
gboolean        qr_ledger_is_cut_short      (QrLedger     *self);

gboolean        qr_ledger_parse_chunk_name  (const char   *name,
                                             char        **path,
                                             guint        *index);
gboolean        qr_ledger_series_belongs_to (const char   *series_path,
                                             QrQube       *qube);

G_END_DECLS
