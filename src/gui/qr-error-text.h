/* qr-error-text.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Plain words for an error: a short title, a sentence or two that say
 * what happened and what to do next, and the part of the help that says
 * more (a QR_HELP_TOPIC_*, or NULL when the text is all there is). The
 * engine's own message, which names the file and part, is meant for a
 * details expander underneath. */
typedef struct
{
  const char *title;
  const char *body;
  const char *help_topic;
} QrErrorText;

void qr_error_text_lookup (const GError *error,
                           QrErrorText  *text);

G_END_DECLS
