/* qr-accessible.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void qr_accessible_fix_names (GtkWidget *root);

G_END_DECLS
