/* qr-restore-extractor.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "qr-restore-run.h"

G_BEGIN_DECLS

/* The thread that unpacks verified chunks into the qubes' folders; it
 * ends on the QUIT message. */
gpointer qr_restore_extractor_thread (gpointer data);

G_END_DECLS
