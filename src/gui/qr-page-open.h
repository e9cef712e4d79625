/* qr-page-open.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "qr-backup.h"
#include "qr-page.h"

G_BEGIN_DECLS

#define QR_TYPE_PAGE_OPEN (qr_page_open_get_type ())

G_DECLARE_FINAL_TYPE (QrPageOpen, qr_page_open, QR, PAGE_OPEN, QrPage)

GtkWidget  *qr_page_open_new         (void);
GFile      *qr_page_open_get_file    (QrPageOpen *self);
void        qr_page_open_set_file    (QrPageOpen *self,
                                      GFile      *file);
QrBackup   *qr_page_open_get_backup  (QrPageOpen *self);
const char *qr_page_open_get_error_title (QrPageOpen *self);

G_END_DECLS
