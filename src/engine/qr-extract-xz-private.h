/* qr-extract-xz-private.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <lzma.h>

#include "qr-extract-private.h"

G_BEGIN_DECLS

/* What the salvage of an xz stream (qr-extract-xz.c) shares with its
 * spool, its index and its blocks (qr-extract-xz-spool.c, -index.c,
 * -block.c). Everything here runs on the thread that runs
 * qr_extract_stream(). */

/* What one step hands on, and what is read of the spool at once. */
#define QR_XZ_PIECE_SIZE          (64 * 1024)

/* The memory libarchive allows for the xz data it decodes. */
#define QR_XZ_MAX_DECODER_MEMORY  ((guint64) 1 << 30)

/* No qube's disk is a petabyte (see MAX_FILE_SIZE in qr-extract.c): a
 * stream claiming more is damage. */
#define QR_XZ_MAX_STREAM_SIZE     ((guint64) 1 << 50)

/* Why nothing after the first gap can be put back in place. */
typedef enum
{
  QR_XZ_STOP_INDEX_LOST,
  QR_XZ_STOP_INDEX_WRONG,
  QR_XZ_STOP_ONE_BLOCK,
  QR_XZ_STOP_NO_WHOLE_BLOCK,
} QrXzStop;

/* Where the xz streams an index describes begin, in the compressed (c)
 * and the plain (u) stream, where the first gap began in the compressed
 * one, and how far the plain stream was given out before it. */
typedef struct
{
  guint64  anchor_c;
  guint64  anchor_u;
  guint64  gap_c;
  guint64  u_reached;
} QrXzLayout;

/* Where one block lies, in both streams. */
typedef struct
{
  guint64  c;
  guint64  c_end;
  guint64  u;
  guint64  u_end;
} QrXzPlace;

/* qr-extract-xz-spool.c: the compressed stream from its first gap on, in
 * a temporary file, its gaps left as holes */
typedef struct _QrXzSpool QrXzSpool;

QrXzSpool    *_qr_extract_xz_spool_new        (int                     dir_fd,
                                               guint64                 start,
                                               const char             *series_path,
                                               GError                **error);
void          _qr_extract_xz_spool_free       (QrXzSpool              *spool);
guint64       _qr_extract_xz_spool_get_end    (QrXzSpool              *spool);
const GError *_qr_extract_xz_spool_get_reason (QrXzSpool              *spool);
gboolean      _qr_extract_xz_spool_write      (QrXzSpool              *spool,
                                               const guint8           *data,
                                               gsize                   len,
                                               GError                **error);
gboolean      _qr_extract_xz_spool_add_gap    (QrXzSpool              *spool,
                                               guint64                 length,
                                               GError                 *reason);
gboolean      _qr_extract_xz_spool_is_verified (QrXzSpool             *spool,
                                               guint64                 start,
                                               guint64                 end);
guint64       _qr_extract_xz_spool_run_start  (QrXzSpool              *spool,
                                               guint64                 end);
gboolean      _qr_extract_xz_spool_read       (QrXzSpool              *spool,
                                               guint64                 start,
                                               gsize                   len,
                                               guint8                 *buffer,
                                               GError                **error);

/* qr-extract-xz-index.c: the indexes at the ends of the streams, and
 * where they put each block */
gboolean      _qr_extract_xz_index_read       (QrXzSpool              *spool,
                                               guint64                 anchor_c,
                                               lzma_index            **index,
                                               QrXzStop               *why,
                                               GError                **error);
gboolean      _qr_extract_xz_index_check      (const lzma_index       *index,
                                               const QrXzLayout       *layout);
void          _qr_extract_xz_place            (const QrXzLayout       *layout,
                                               const lzma_index_iter  *iter,
                                               QrXzPlace              *place);

/* qr-extract-xz-block.c: one block of the spool, decoded on its own */
typedef struct _QrXzBlock QrXzBlock;

QrXzBlock    *_qr_extract_xz_block_new        (QrXzSpool              *spool,
                                               GCancellable           *cancellable);
void          _qr_extract_xz_block_free       (QrXzBlock              *block);
gboolean      _qr_extract_xz_block_start      (QrXzBlock              *block,
                                               const lzma_index_iter  *iter,
                                               const QrXzPlace        *place,
                                               GError                **error);
gssize        _qr_extract_xz_block_step       (QrXzBlock              *block,
                                               guint8                 *out,
                                               GError                **error);
gboolean      _qr_extract_xz_block_is_done    (QrXzBlock              *block);
gboolean      _qr_extract_xz_blocks_check     (QrXzBlock              *block,
                                               const lzma_index       *index,
                                               const QrXzLayout       *layout,
                                               guint                  *placeable,
                                               GError                **error);

G_END_DECLS
