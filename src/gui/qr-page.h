/* qr-page.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define QR_TYPE_PAGE (qr_page_get_type ())

G_DECLARE_DERIVABLE_TYPE (QrPage, qr_page, QR, PAGE, AdwBin)

/* One step of the wizard. A page publishes its title, whether the user
 * may move on ("complete") and the label of the forward button; the window
 * does the navigation. apply_async validates the step before the window
 * leaves it; a page that refuses shows why in place and returns an error. */
struct _QrPageClass
{
  AdwBinClass parent_class;

  void     (*shown)        (QrPage               *self);
  void     (*apply_async)  (QrPage               *self,
                            GCancellable         *cancellable,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data);
  gboolean (*apply_finish) (QrPage               *self,
                            GAsyncResult         *result,
                            GError              **error);

  /*< private >*/
  gpointer padding[8];
};

const char *qr_page_get_title        (QrPage               *self);
void        qr_page_set_title        (QrPage               *self,
                                      const char           *title);
const char *qr_page_get_next_label   (QrPage               *self);
void        qr_page_set_next_label   (QrPage               *self,
                                      const char           *next_label);
gboolean    qr_page_get_complete     (QrPage               *self);
void        qr_page_set_complete     (QrPage               *self,
                                      gboolean              complete);
gboolean    qr_page_get_can_go_back  (QrPage               *self);
void        qr_page_set_can_go_back  (QrPage               *self,
                                      gboolean              can_go_back);
void        qr_page_shown            (QrPage               *self);
void        qr_page_apply_async      (QrPage               *self,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
gboolean    qr_page_apply_finish     (QrPage               *self,
                                      GAsyncResult         *result,
                                      GError              **error);

G_END_DECLS
