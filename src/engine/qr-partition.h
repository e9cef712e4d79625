/* qr-partition.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One partition of a disk image, in bytes from the start of the file. */
typedef struct
{
  guint   number;
  guint64 offset;
  guint64 size;
} QrPartition;

GArray *qr_partition_read_table (int       fd,
                                 GError  **error);

G_END_DECLS
