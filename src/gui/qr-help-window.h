/* qr-help-window.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* The sections of the help, to open it where it answers a question. */
#define QR_HELP_TOPIC_BACKUP     "backup"
#define QR_HELP_TOPIC_PROGRAM    "program"
#define QR_HELP_TOPIC_PASSPHRASE "passphrase"
#define QR_HELP_TOPIC_DAMAGED    "damaged"
#define QR_HELP_TOPIC_SPACE      "space"
#define QR_HELP_TOPIC_FILES      "files"
#define QR_HELP_TOPIC_MANUAL     "manual"

#define QR_TYPE_HELP_WINDOW (qr_help_window_get_type ())

G_DECLARE_FINAL_TYPE (QrHelpWindow, qr_help_window, QR, HELP_WINDOW, AdwWindow)

GtkWidget  *qr_help_window_new        (void);
void        qr_help_window_show_topic (QrHelpWindow *self,
                                       const char   *topic);
const char *qr_help_window_get_topic  (QrHelpWindow *self);

G_END_DECLS
