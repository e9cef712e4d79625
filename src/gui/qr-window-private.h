/* qr-window-private.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "qr-eject-dialog.h"
#include "qr-mount-tracker.h"
#include "qr-page-choose.h"
#include "qr-page-done.h"
#include "qr-page-open.h"
#include "qr-page-restore.h"
#include "qr-page-unlock.h"
#include "qr-window.h"

G_BEGIN_DECLS

/* The wizard. Pages say what they need through their properties; the
 * window moves between them, hands each one what the previous produced,
 * and runs the restore itself, because the restore outlives its page.
 * It lives on the main thread, and so does everything here. */
struct _QrWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template children */
  GtkButton            *back_button;
  GtkButton            *next_button;
  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
  QrPageOpen           *open_page;
  QrPageUnlock         *unlock_page;
  QrPageChoose         *choose_page;
  QrPageRestore        *restore_page;
  QrPageDone           *done_page;

  /* Owned */
  GSettings            *settings;
  GCancellable         *cancellable;
  QrRestore            *restore;
  GCancellable         *restore_cancellable;
  QrMountTracker       *mount_tracker;

  /* State */
  guint                 inhibit_cookie;
  gboolean              applying;
  gboolean              close_asked;
  gboolean              close_after_cancel;
  gboolean              asking_eject;
  gboolean              eject_answered;
};

QrPage    *_qr_window_visible_page       (QrWindow       *self);
gboolean   _qr_window_is_running         (QrWindow       *self);
void       _qr_window_update_actions     (QrWindow       *self);
void       _qr_window_update_navigation  (QrWindow       *self);
void       _qr_window_show_page          (QrWindow       *self,
                                          QrPage         *page);
void       _qr_window_reset_cancellable  (QrWindow       *self);
void       _qr_window_add_toast          (QrWindow       *self,
                                          const char     *title);
void       _qr_window_start_restore      (QrWindow       *self,
                                          gboolean        verify_only);
void       _qr_window_start_salvage      (QrWindow       *self,
                                          GPtrArray      *qubes);
GPtrArray *_qr_window_dup_unfinished     (QrWindow       *self);
gboolean   _qr_window_can_retry          (QrWindow       *self);
void       _qr_window_confirm_cancel     (QrWindow       *self,
                                          gboolean        close_after);
void       _qr_window_class_actions_init (GtkWidgetClass *widget_class);

G_END_DECLS
