/* qr-extract.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "qr-restore-file.h"

G_BEGIN_DECLS

/* Hands the extractor the next piece of a verified inner stream: sets
 * @buffer and returns its length, 0 at the end, -1 with @error set. The
 * buffer stays valid until the next call. For a salvage (a job with a
 * report), a gap is a positive length with @buffer set to %NULL: that many
 * bytes of the stream could not be verified, and @error says why. */
typedef gssize (*QrExtractReadFunc) (gpointer      user_data,
                                     const void  **buffer,
                                     GError      **error);

typedef enum
{
  /* The stream holds the series' own entry, a regular file or a folder
   * (such as "vm4/apps.templates/"), named like the series. */
  QR_EXTRACT_SINGLE_FILE,
  /* The stream holds a directory tree below the series' name. */
  QR_EXTRACT_TREE,
} QrExtractKind;

/* One inner stream to unpack. Every entry must lie inside the qube's
 * folder, @strip_prefix ("vm12/", "dom0-home/"), which is dropped from its
 * name; @dir_fd is that folder in the destination, or -1 to only check the
 * stream. The caller owns the arrays and the strings. */
typedef struct
{
  QrExtractKind  kind;
  const char    *compression_filter;
  const char    *series_path;
  const char    *strip_prefix;
  /* The writer's `tar --xform s:^<xform_base>:<xform_prefix>\0:` also
   * rewrote symbolic-link targets that begin like <xform_base> (a basic
   * regular expression; "." for a template's folder matches any first
   * character). Such targets get their first form back. NULL: the writer
   * left targets alone. */
  const char    *xform_prefix;
  const char    *xform_base;
  int            dir_fd;
  guint64        bytes_written;
  guint64        apparent_size;
  /* Paths inside the qube's folder of what the series restored. */
  GPtrArray     *files;
  /* Sentences for the report about entries restored differently from the
   * backup (a hard link as a copy) or left out (device files, sockets).
   * May be NULL. */
  GPtrArray     *notes;
  /* Salvage: how the series came back. With a report, a stream with gaps
   * or one that breaks off keeps every verified byte: an uncompressed
   * stream goes on after a gap with the bytes at their own places, an xz
   * one at each later block its index places, any other compressed one
   * stops there; a file cut off keeps its full size, the
   * lost stretches left as holes and listed in the report. NULL: a stream
   * that breaks off fails. */
  QrRestoreFile *report;
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
