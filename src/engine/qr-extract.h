/* qr-extract.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Hands the extractor the next piece of a verified inner stream: sets
 * @buffer and returns its length, 0 at the end, -1 with @error set. The
 * buffer stays valid until the next call. */
typedef gssize (*QrExtractReadFunc) (gpointer      user_data,
                                     const void  **buffer,
                                     GError      **error);

typedef enum
{
  /* The stream holds exactly one regular file, named like the series. */
  QR_EXTRACT_SINGLE_FILE,
  /* The stream holds a directory tree below the series' name. */
  QR_EXTRACT_TREE,
} QrExtractKind;

typedef struct
{
  QrExtractKind  kind;
  const char    *compression_filter;
  const char    *series_path;
  const char    *strip_prefix;
  int            dir_fd;
  guint64        bytes_written;
  guint64        apparent_size;
  GPtrArray     *files;
} QrExtractJob;

gboolean        qr_extract_stream     (QrExtractJob       *job,
                                       QrExtractReadFunc   read_func,
                                       gpointer            user_data,
                                       GCancellable       *cancellable,
                                       GError            **error);
GBytes         *qr_extract_single_file_from_memory (GBytes      *stream,
                                       const char         *compression_filter,
                                       const char         *member_name,
                                       gsize               max_size,
                                       GError            **error);
gboolean        qr_extract_remove_tree (int                 parent_fd,
                                       const char         *name);

G_END_DECLS
