/* qr-restore-plan.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "qr-ledger.h"
#include "qr-qube.h"
#include "qr-restore-destination.h"

G_BEGIN_DECLS

/* One selected qube, as a restore sees it. */
typedef struct
{
  /* Set before the threads start, read-only afterwards. From a pipe, the
   * reader thread alone adds to @series as the qube's files come. */
  QrQube     *qube;
  char       *folder;
  char       *strip_prefix;
  GPtrArray  *series;
  guint64     stored_size;
  /* Salvage: what the ledger knew to be missing before reading (GError). */
  GPtrArray  *problems;

  /* Under the run's mutex; @failed is also read without it (atomic). */
  GError     *error;
  gint        failed;

  /* The extractor thread's. @notes: what was restored differently from
   * the backup, or left out (utf8). */
  GPtrArray  *files;
  GPtrArray  *notes;
  guint64     apparent_size;
  /* Salvage: how each file came back (QrRestoreFile). */
  GPtrArray  *reports;
} QrRestorePlan;

QrRestorePlan *qr_restore_plan_new     (QrQube               *qube,
                                        QrLedger             *ledger,
                                        gboolean              streaming,
                                        gboolean              salvage,
                                        QrRestoreDestination *destination);
void           qr_restore_plan_free    (QrRestorePlan        *plan);
char          *qr_restore_plan_dup_folder_name (QrQube       *qube);
char          *qr_restore_plan_dup_partial_name (const char  *folder);
void           qr_restore_plan_select_default  (GListModel  *qubes,
                                                GPtrArray   *selection);
void           qr_restore_plan_sort_selection  (GPtrArray   *selection,
                                                QrLedger    *ledger);

G_END_DECLS
