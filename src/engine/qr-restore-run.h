/* qr-restore-run.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "qr-backup-private.h"
#include "qr-kdf-pool.h"
#include "qr-restore-destination.h"
#include "qr-restore-plan.h"
#include "qr-restore-progress.h"
#include "qr-restore-queue.h"
#include "qr-scrypt-file.h"

G_BEGIN_DECLS

/* The state one restore or verification shares between its threads: the
 * thread that runs it (and reads the backup) and the extractor. */
typedef struct
{
  /* Set before the threads start, read-only afterwards. */
  QrBackup             *backup;
  QrArchive            *archive;
  QrLedger             *ledger;
  QrKdfPool            *pool;
  const QrHeader       *header;
  const char           *passphrase;
  GPtrArray            *plans;
  QrRestoreDestination *destination;
  QrRestoreQueue       *queue;
  QrRestoreProgress    *progress;
  GCancellable         *cancellable;
  gboolean              streaming;
  gboolean              salvage;

  /* Under mutex: why the whole run stopped, if a condition of the machine
   * stopped it. @cancellable is cancelled then too. */
  GMutex                mutex;
  GError               *stop_error;
} QrRestoreRun;

void           qr_restore_run_init             (QrRestoreRun     *run);
void           qr_restore_run_clear            (QrRestoreRun     *run);
void           qr_restore_run_fail             (QrRestoreRun     *run,
                                                guint             index,
                                                GError           *error);
gboolean       qr_restore_run_is_failed        (QrRestoreRun     *run,
                                                guint             index);
void           qr_restore_run_stop             (QrRestoreRun     *run,
                                                const GError     *error);
gboolean       qr_restore_run_is_stopped       (QrRestoreRun     *run);
GError        *qr_restore_run_dup_stop_reason  (QrRestoreRun     *run);
gboolean       qr_restore_run_stops_all        (const GError     *error,
                                                gboolean          writing);
GError        *qr_restore_run_chunk_error      (QrRestorePlan    *plan,
                                                QrSeries         *series,
                                                guint             chunk,
                                                guint             n_chunks,
                                                GError           *error);
void           qr_restore_run_fail_chunk       (QrRestoreRun     *run,
                                                guint             index,
                                                QrSeries         *series,
                                                guint             chunk,
                                                guint             n_chunks,
                                                GError           *error);
void           qr_restore_run_report_chunk     (QrRestoreRun     *run,
                                                QrRestorePhase    phase,
                                                QrRestorePlan    *plan,
                                                QrSeries         *series,
                                                guint             chunk);
gboolean       qr_restore_run_check_header     (QrScryptKey      *key,
                                                const guint8     *header,
                                                QrScryptParams   *params,
                                                GError          **error);
void           qr_restore_run_queue_verified   (QrRestoreRun     *run,
                                                guint             index,
                                                QrSeries         *series,
                                                guint             chunk,
                                                guint8           *buffer,
                                                gsize             size);
void           qr_restore_run_report_failed    (QrRestoreRun     *run,
                                                guint             index);
GError        *qr_restore_run_summarize        (QrRestoreRun     *run);

G_END_DECLS
