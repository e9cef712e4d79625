/* qr-restore-progress.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "qr-restore-item.h"

G_BEGIN_DECLS

typedef enum
{
  QR_RESTORE_PHASE_IDLE,
  QR_RESTORE_PHASE_DERIVING_KEY,
  QR_RESTORE_PHASE_VERIFYING,
  QR_RESTORE_PHASE_WRITING,
  QR_RESTORE_PHASE_FINISHED,
} QrRestorePhase;

/* A snapshot of a restore's progress. */
typedef struct
{
  QrRestorePhase  phase;
  guint64         bytes_done;
  guint64         bytes_total;
  char           *qube;
  char           *file;
  guint           chunk;
  guint           n_chunks;
  /* Bytes a second, smoothed over the last seconds; set when published. */
  double          rate;
} QrRestoreProgressState;

/* A change of one item's state, in the order the workers reported it. */
typedef struct
{
  guint           index;
  QrRestoreState  state;
} QrRestoreStateChange;

/* Called on the owner's main context with the latest state and the item
 * changes since the last call. */
typedef void (*QrRestorePublishFunc) (gpointer                      user_data,
                                      const QrRestoreProgressState *state,
                                      GArray                       *changes);

typedef struct _QrRestoreProgress QrRestoreProgress;

QrRestoreProgress *qr_restore_progress_new          (GMainContext         *context,
                                                     guint                 interval_ms,
                                                     QrRestorePublishFunc  func,
                                                     gpointer              user_data);
void               qr_restore_progress_free         (QrRestoreProgress    *self);
void               qr_restore_progress_report_chunk (QrRestoreProgress    *self,
                                                     QrRestorePhase        phase,
                                                     const char           *qube,
                                                     const char           *file,
                                                     guint                 chunk,
                                                     guint                 n_chunks);
void               qr_restore_progress_add_total    (QrRestoreProgress    *self,
                                                     guint64               bytes);
void               qr_restore_progress_add_done     (QrRestoreProgress    *self,
                                                     guint64               bytes);
void               qr_restore_progress_report_state (QrRestoreProgress    *self,
                                                     guint                 index,
                                                     QrRestoreState        state);
void               qr_restore_progress_finish       (QrRestoreProgress    *self);

void               qr_restore_progress_state_clear  (QrRestoreProgressState *state);

G_END_DECLS
