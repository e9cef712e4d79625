/* qr-restore-report.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "qr-qube.h"
#include "qr-restore-file.h"

G_BEGIN_DECLS

/* The name of the report a partly recovered qube's folder holds, and of
 * the same for programs: which stretches of each file were lost. */
#define QR_RESTORE_REPORT_NAME        "RECOVERY-REPORT.txt"
#define QR_RESTORE_REPORT_RANGES_NAME ".qubes-rescue-lost.json"

char     *qr_restore_report_format  (QrQube      *qube,
                                     GPtrArray   *files,
                                     GPtrArray   *problems);
char     *qr_restore_report_summary (GPtrArray   *files);
gboolean  qr_restore_report_write   (int          dir_fd,
                                     const char  *text,
                                     GPtrArray   *files,
                                     GError     **error);
GArray   *qr_restore_report_read_lost (const char  *folder,
                                       const char  *name,
                                       GError     **error);

G_END_DECLS
