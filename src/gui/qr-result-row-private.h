/* qr-result-row-private.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "qr-error-view.h"
#include "qr-result-row.h"
#include "qr-swatch.h"

G_BEGIN_DECLS

/* Shared by qr-result-row.c (how the qube fared) and
 * qr-result-row-files.c (what the user can do with its files); all of it
 * lives on the main thread. */
struct _QrResultRow
{
  GtkListBoxRow   parent_instance;

  /* Template children */
  QrSwatch       *swatch;
  GtkLabel       *title_label;
  GtkLabel       *summary_label;
  GtkImage       *state_image;
  GtkLabel       *reason_label;
  GtkWidget      *failure_box;
  GtkWidget      *recover_button;
  GtkButton      *help_button;
  GtkExpander    *details_expander;
  GtkLabel       *details_label;
  QrErrorView    *mount_error_view;
  GtkLabel       *blocked_label;
  GtkLabel       *partial_note_label;
  GtkWidget      *buttons_box;
  GtkWidget      *copy_button;
  GtkWidget      *report_button;
  GtkWidget      *show_in_folder_button;
  GtkWidget      *eject_button;
  GtkSpinner     *eject_spinner;
  GtkWidget      *open_button;
  GtkSpinner     *open_spinner;

  /* Owned */
  QrRestoreItem  *item;
  QrMountTracker *tracker;
  GFile          *image;
  GCancellable   *cancellable;

  /* State */
  gboolean        opening;
  gboolean        refocus;
  gboolean        mount_blocked;
  gboolean        partial;
  gboolean        unreadable;
};

/* qr-result-row-files.c */
void   _qr_result_row_class_init_files   (GtkWidgetClass *widget_class);
GFile *_qr_result_row_find_image         (QrRestoreItem  *item);
void   _qr_result_row_update_mount_state (QrResultRow    *self);
void   _qr_result_row_tracker_changed_cb (QrResultRow    *self,
                                          GFile          *image,
                                          QrMountTracker *tracker);
void   _qr_result_row_owner_checked_cb   (GObject        *object,
                                          GAsyncResult   *result,
                                          gpointer        user_data);

G_END_DECLS
