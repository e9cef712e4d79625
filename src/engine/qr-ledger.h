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

/* How a backup names the parts of its files. */
typedef enum
{
  /* Format 4: "<path>.000.enc", ".001.enc" ..., each a scrypt container
   * whose key is salted with its name. */
  QR_LEDGER_NAMING_SCRYPT,
  /* Formats 2 and 3: "<path>.000", ".001" ..., each followed by its HMAC
   * "<path>.000.hmac". Names are not authenticated: only the order of
   * the parts, checked here, guards their places. */
  QR_LEDGER_NAMING_HMAC,
  /* Format 1: a folder of plain copies; each file of a qube's folder is a
   * series of no chunks, added with qr_ledger_add_file(). */
  QR_LEDGER_NAMING_FOLDER,
} QrLedgerNaming;

/* One backed-up file: its chunks by number, %NULL where a part is missing
 * from the backup, and for the HMAC naming each chunk's ".hmac" member in
 * @hmacs (%NULL where missing). @error says the first reason the series
 * cannot be complete (a part or its HMAC missing or out of order, an
 * impossible size). */
typedef struct
{
  char      *path;
  GPtrArray *chunks;
  GPtrArray *hmacs;
  GError    *error;
  guint64    stored_size;
} QrSeries;

/* The series of the list of qubes, which belongs to no qube. */
#define QR_LEDGER_QUBES_XML "qubes.xml"

QrLedger       *qr_ledger_new               (QrArchive    *archive,
                                             QrLedgerNaming naming);
QrLedgerNaming  qr_ledger_get_naming        (QrLedger     *self);
QrSeries       *qr_ledger_add_file          (QrLedger     *self,
                                             const char   *path,
                                             guint64       size);
QrSeries       *qr_ledger_lookup_series     (QrLedger     *self,
                                             const char   *path);
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

gboolean        qr_ledger_parse_chunk_name  (QrLedgerNaming naming,
                                             const char   *name,
                                             char        **path,
                                             guint        *index);
gboolean        qr_ledger_series_belongs_to (const char   *series_path,
                                             QrQube       *qube);

G_END_DECLS
