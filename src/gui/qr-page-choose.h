/* qr-page-choose.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "qr-backup.h"
#include "qr-page.h"
#include "qr-restore.h"

G_BEGIN_DECLS

#define QR_TYPE_PAGE_CHOOSE (qr_page_choose_get_type ())

G_DECLARE_FINAL_TYPE (QrPageChoose, qr_page_choose, QR, PAGE_CHOOSE, QrPage)

GtkWidget  *qr_page_choose_new               (void);
QrBackup   *qr_page_choose_get_backup        (QrPageChoose *self);
void        qr_page_choose_set_backup        (QrPageChoose *self,
                                              QrBackup     *backup);
GFile      *qr_page_choose_get_parent_folder (QrPageChoose *self);
void        qr_page_choose_set_parent_folder (QrPageChoose *self,
                                              GFile        *parent_folder);
GFile      *qr_page_choose_get_destination   (QrPageChoose *self);
GPtrArray  *qr_page_choose_dup_selection     (QrPageChoose *self);
void        qr_page_choose_set_selection     (QrPageChoose *self,
                                              GPtrArray    *qubes);
void        qr_page_choose_add_finished      (QrPageChoose *self,
                                              QrRestore    *restore);
GListModel *qr_page_choose_get_finished      (QrPageChoose *self);
gboolean    qr_page_choose_get_space_warning (QrPageChoose *self);
const char *qr_page_choose_get_space_text    (QrPageChoose *self);
gboolean    qr_page_choose_get_banner_shown  (QrPageChoose *self);

G_END_DECLS
