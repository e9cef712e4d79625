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

  /* Under the run's mutex; @failed is also read without it (atomic). */
  GError     *error;
  gint        failed;

  /* The extractor thread's. */
  GPtrArray  *files;
  guint64     apparent_size;
} QrRestorePlan;

QrRestorePlan *qr_restore_plan_new     (QrQube               *qube,
                                        QrLedger             *ledger,
                                        gboolean              streaming,
                                        QrRestoreDestination *destination);
void           qr_restore_plan_free    (QrRestorePlan        *plan);
char          *qr_restore_plan_dup_folder_name (QrQube       *qube);

G_END_DECLS
