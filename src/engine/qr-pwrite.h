/* qr-pwrite.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean qr_pwrite_all (int            fd,
                        gconstpointer  data,
                        gsize          len,
                        guint64        offset);

G_END_DECLS
