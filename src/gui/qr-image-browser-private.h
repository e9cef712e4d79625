/* qr-image-browser-private.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "qr-image-browser.h"
#include "qr-image-copy.h"

G_BEGIN_DECLS

/* All of it the main thread's: qr-image-browser.c lists the image and
 * lets the user choose, qr-image-browser-copy.c copies what was chosen. */
struct _QrImageBrowser
{
  AdwWindow       parent_instance;

  /* Template children */
  AdwWindowTitle *window_title;
  GtkStack       *stack;
  GtkSpinner     *loading_spinner;
  AdwStatusPage  *error_page;
  GtkListView    *list_view;
  GtkLabel       *empty_label;
  GtkLabel       *chosen_label;
  GtkCheckButton *damaged_check;
  GtkLabel       *destination_label;
  GtkWidget      *copy_button;
  GtkProgressBar *progress_bar;
  GtkLabel       *progress_label;
  GtkLabel       *current_label;
  AdwStatusPage  *status_page;
  GtkLabel       *notes_label;
  GtkWidget      *show_button;
  GtkWidget      *copy_more_button;

  /* Owned */
  GFile          *image_file;
  char           *qube_name;
  QrMountTracker *tracker;
  QrImage        *image;
  GListStore     *entries;
  GtkSingleSelection *selection;
  GHashTable     *chosen;
  GFile          *destination;
  QrImageCopy    *copy;
  GCancellable   *cancellable;
  GCancellable   *copy_cancellable;

  /* State: the folder shown, and the one being listed. */
  char           *path;
  char           *pending_path;
  GtkFileChooserNative *chooser;
};

/* qr-image-browser.c */
GStrv _qr_image_browser_dup_chosen_paths        (QrImageBrowser *self);
void  _qr_image_browser_navigate                (QrImageBrowser *self,
                                                 const char     *path);
void  _qr_image_browser_update_actions          (QrImageBrowser *self);

/* qr-image-browser-copy.c */
void  _qr_image_browser_class_copy_actions_init (GtkWidgetClass *widget_class);

G_END_DECLS
