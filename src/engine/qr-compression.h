/* qr-compression.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <archive.h>
#include <glib.h>

G_BEGIN_DECLS

/* The compression filter a backup header names is the program Qubes ran
 * (`tar --use-compress-program`, `qvm-backup --compress-filter`); these
 * read its data in this process, with libarchive, never by running it. */

gboolean qr_compression_check  (const char      *filter,
                                GError         **error);
gboolean qr_compression_enable (struct archive  *archive,
                                const char      *filter,
                                GError         **error);
gboolean qr_compression_found  (struct archive  *archive,
                                const char      *filter);
int      qr_compression_get_format (const char  *filter);

G_END_DECLS
