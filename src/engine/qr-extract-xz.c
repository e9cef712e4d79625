/* qr-extract-xz.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Salvage of an xz stream with gaps. The stream is decoded here, in front
 * of the tar reader, which then reads a plain tar whose lost stretches are
 * gaps of their exact uncompressed length, as in an uncompressed backup.
 *
 *   verified pieces and gaps --> decoded in order --> plain tar --> tar reader
 *                     |  (from the first gap on)          ^
 *                     +--> spool --> index --> blocks that can be placed
 *
 * Up to the first gap the stream is decoded as it comes. Past it nothing
 * can be decoded in order, so the rest of the compressed stream, its gaps
 * left as holes, goes to a spool (qr-extract-xz-spool.c). At its end, the
 * index (qr-extract-xz-index.c) gives every block's place in both
 * streams; a block that lies wholly in verified data is decoded on its own
 * (qr-extract-xz-block.c) and given out at its place. The blocks touching
 * a gap are lost, and given out as gaps of their uncompressed size.
 *
 * Without an index that can be believed (the stream was cut short, its
 * end was damaged too, or the index does not agree with the data), or
 * with no block past the gap that lies wholly in verified data (xz wrote
 * the stream as one block, as it does unless it runs on several threads),
 * the stream stops at the first gap, and the reason says why. */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qr-error.h"
#include "qr-extract-xz-private.h"

typedef enum
{
  PHASE_DECODING,
  PHASE_PLACING,
  PHASE_DONE,
} Phase;

/* Where the decoding in order stands between two xz streams. */
typedef enum
{
  SEQ_START,
  SEQ_STREAM,
  SEQ_PADDING,
} Sequence;

struct _QrExtractXz
{
  /* The verified compressed stream, borrowed. */
  QrExtractReadFunc  func;
  gpointer           user_data;
  GCancellable      *cancellable;
  char              *series_path;
  int                spool_dir;

  Phase              phase;
  guint8            *out;

  /* Decoding in order: the piece being decoded, how far into the
   * compressed (c) and the plain (u) stream it came, and where the
   * padding after the last stream began. layout.anchor_c and anchor_u
   * say where the xz stream being decoded began. */
  lzma_stream        decoder;
  Sequence           sequence;
  const guint8      *in;
  gsize              in_len;
  gboolean           out_full;
  guint64            c_pos;
  guint64            u_pos;
  guint64            padding_start;
  QrXzLayout         layout;

  /* Placing: the rest of the compressed stream, the index of every stream
   * from the anchor on, the block at hand, and how far the plain stream
   * was given out. */
  QrXzSpool         *spool;
  lzma_index        *index;
  lzma_index_iter    iter;
  QrXzBlock         *block;
  gboolean           in_block;
  gboolean           placed_all;
  guint64            u_given;
};

QrExtractXz *
_qr_extract_xz_new (QrExtractReadFunc  func,
                    gpointer           user_data,
                    int                spool_dir,
                    const char        *series_path,
                    GCancellable      *cancellable)
{
  QrExtractXz *self = g_new0 (QrExtractXz, 1);
  lzma_stream init = LZMA_STREAM_INIT;

  self->func = func;
  self->user_data = user_data;
  self->spool_dir = spool_dir;
  self->series_path = g_strdup (series_path);
  self->cancellable = cancellable;
  self->decoder = init;
  self->out = g_malloc (QR_XZ_PIECE_SIZE);
  return self;
}

void
_qr_extract_xz_free (QrExtractXz *self)
{
  if (self == NULL)
    return;

  lzma_end (&self->decoder);
  if (self->index != NULL)
    lzma_index_end (self->index, NULL);
  _qr_extract_xz_block_free (self->block);
  _qr_extract_xz_spool_free (self->spool);
  g_free (self->out);
  g_free (self->series_path);
  g_free (self);
}

static gssize
set_damaged (QrExtractXz  *self,
             const char   *what,
             GError      **error)
{
  g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
               _("The data of “%s” cannot be unpacked (%s): the backup is damaged."),
               self->series_path, what);
  self->phase = PHASE_DONE;
  return -1;
}

static const char *
explain (QrXzStop why)
{
  switch (why)
    {
    case QR_XZ_STOP_INDEX_LOST:
      return _("Nothing after it can be put back in place: the index at the end of the xz "
               "data, which tells where each of its blocks belongs, was lost as well.");

    case QR_XZ_STOP_INDEX_WRONG:
      return _("Nothing after it can be put back in place: the index at the end of the xz "
               "data does not match the data.");

    case QR_XZ_STOP_ONE_BLOCK:
      return _("Nothing after it can be put back in place: the data was compressed by xz as "
               "one single block, as xz does unless it runs on several threads, so "
               "everything after the damage depends on the lost part.");

    case QR_XZ_STOP_NO_WHOLE_BLOCK:
    default:
      return _("Nothing after it can be put back in place: none of the later blocks of the "
               "xz data lies wholly in parts that could be read.");
    }
}

/* The stream ends at its first gap, which it could not go past. */
static gssize
stop (QrExtractXz  *self,
      QrXzStop      why,
      GError      **error)
{
  const GError *reason = _qr_extract_xz_spool_get_reason (self->spool);

  g_set_error (error, reason->domain, reason->code, "%s %s", reason->message, explain (why));
  self->phase = PHASE_DONE;
  return -1;
}

/* ---------------------------------------------------------- in order */

/* Stream padding: zeros, in fours, up to the next stream. */
static gssize
skip_padding (QrExtractXz  *self,
              GError      **error)
{
  while (self->in_len > 0 && self->in[0] == 0)
    {
      self->in++;
      self->in_len--;
      self->c_pos++;
    }

  if (self->in_len == 0)
    return 0;

  if ((self->c_pos - self->padding_start) % 4 != 0)
    return set_damaged (self, "xz stream padding", error);

  self->sequence = SEQ_START;
  return 0;
}

static gboolean
start_stream (QrExtractXz *self)
{
  if (lzma_stream_decoder (&self->decoder, QR_XZ_MAX_DECODER_MEMORY, 0) != LZMA_OK)
    return FALSE;

  self->layout.anchor_c = self->c_pos;
  self->layout.anchor_u = self->u_pos;
  self->sequence = SEQ_STREAM;
  return TRUE;
}

/* One step of the decoder: the bytes it gave, 0 for none yet, or -1. */
static gssize
decode_step (QrExtractXz  *self,
             GError      **error)
{
  lzma_stream *strm = &self->decoder;
  gsize produced;
  lzma_ret ret;

  if (self->sequence == SEQ_PADDING)
    return skip_padding (self, error);

  if (self->sequence == SEQ_START && !start_stream (self))
    return set_damaged (self, "xz", error);

  strm->next_in = self->in;
  strm->avail_in = self->in_len;
  strm->next_out = self->out;
  strm->avail_out = QR_XZ_PIECE_SIZE;
  ret = lzma_code (strm, LZMA_RUN);

  self->c_pos += self->in_len - strm->avail_in;
  self->in = strm->next_in;
  self->in_len = strm->avail_in;
  produced = QR_XZ_PIECE_SIZE - strm->avail_out;
  self->u_pos += produced;
  self->out_full = strm->avail_out == 0;

  if (ret == LZMA_STREAM_END)
    {
      self->sequence = SEQ_PADDING;
      self->padding_start = self->c_pos;
      self->out_full = FALSE;
    }
  else if (ret == LZMA_FORMAT_ERROR)
    return set_damaged (self, "not xz data", error);
  else if (ret != LZMA_OK && !(ret == LZMA_BUF_ERROR && self->in_len == 0))
    return set_damaged (self, "xz data error", error);

  return produced;
}

/* ----------------------------------------------------------- placing */

/* A lost stretch of the plain stream, up to @until. */
static gssize
give_gap (QrExtractXz  *self,
          guint64       until,
          const void  **buffer,
          GError      **error)
{
  gssize length = until - self->u_given;

  self->u_given = until;
  *buffer = NULL;
  g_propagate_error (error, g_error_copy (_qr_extract_xz_spool_get_reason (self->spool)));
  return length;
}

/* Gives out the next piece of the block at hand. */
static gssize
block_piece (QrExtractXz  *self,
             const void  **buffer,
             GError      **error)
{
  g_autoptr(GError) local = NULL;
  gssize n = _qr_extract_xz_block_step (self->block, self->out, &local);

  /* Every block given out proved whole before any was. */
  if (n < 0 && local == NULL)
    return set_damaged (self, "xz block", error);
  if (n < 0)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      self->phase = PHASE_DONE;
      return -1;
    }

  self->in_block = !_qr_extract_xz_block_is_done (self->block);
  self->u_given += n;
  *buffer = self->out;
  return n;
}

/* Moves on to the next block that lies in verified data past the first
 * gap; FALSE when there is none. */
static gboolean
next_block (QrExtractXz *self,
            QrXzPlace   *place)
{
  while (!self->placed_all)
    {
      if (lzma_index_iter_next (&self->iter, LZMA_INDEX_ITER_BLOCK))
        self->placed_all = TRUE;
      else
        {
          _qr_extract_xz_place (&self->layout, &self->iter, place);
          if (place->c_end > self->layout.gap_c
              && _qr_extract_xz_spool_is_verified (self->spool, place->c, place->c_end))
            return TRUE;
        }
    }

  return FALSE;
}

/* Gives out the next piece of the plain stream after the first gap: a
 * block's data, or the lost stretch before the next block that decodes. */
static gssize
place_next (QrExtractXz  *self,
            const void  **buffer,
            GError      **error)
{
  for (;;)
    {
      g_autoptr(GError) local = NULL;
      QrXzPlace place;
      gssize n;

      if (self->in_block && (n = block_piece (self, buffer, error)) != 0)
        return n;
      if (self->in_block)
        continue;

      if (!next_block (self, &place))
        {
          guint64 total = self->layout.anchor_u + lzma_index_uncompressed_size (self->index);

          if (self->u_given < total)
            return give_gap (self, total, buffer, error);
          self->phase = PHASE_DONE;
          return 0;
        }

      if (!_qr_extract_xz_block_start (self->block, &self->iter, &place, &local))
        {
          if (local == NULL)
            return set_damaged (self, "xz block", error);
          g_propagate_error (error, g_steal_pointer (&local));
          self->phase = PHASE_DONE;
          return -1;
        }

      self->in_block = TRUE;
      if (place.u > self->u_given)
        return give_gap (self, place.u, buffer, error);
    }
}

/* Takes the rest of the compressed stream into the spool; FALSE with
 * @error set when the machine failed, with @why when the stream cannot go
 * on. */
static gboolean
spool_rest (QrExtractXz  *self,
            QrXzStop     *why,
            GError      **error)
{
  for (;;)
    {
      const void *buffer = NULL;
      GError *reason = NULL;
      gssize n;

      if (g_cancellable_set_error_if_cancelled (self->cancellable, error))
        return FALSE;

      n = self->func (self->user_data, &buffer, &reason);
      if (n > 0 && buffer == NULL && !_qr_extract_xz_spool_add_gap (self->spool, n, reason))
        break;
      else if (n > 0 && buffer != NULL
               && !_qr_extract_xz_spool_write (self->spool, buffer, n, error))
        return FALSE;
      else if (n == 0)
        return TRUE;
      else if (n < 0 && g_error_matches (reason, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, reason);
          return FALSE;
        }
      else if (n < 0)
        {
          g_clear_error (&reason);
          break;
        }
    }

  /* A gap of unknown length: the end, and its index, is lost. */
  *why = QR_XZ_STOP_INDEX_LOST;
  return FALSE;
}

/* Reads the index at the end of the spool, checks it against the stream
 * and every block it puts in verified data; FALSE with @error set when
 * the machine failed, with @why when nothing can be placed. */
static gboolean
read_index (QrExtractXz  *self,
            QrXzStop     *why,
            GError      **error)
{
  gboolean anchored = self->sequence != SEQ_PADDING
                      || (self->c_pos - self->padding_start) % 4 == 0;
  guint placeable;

  *why = QR_XZ_STOP_INDEX_WRONG;
  if (!anchored
      || !_qr_extract_xz_index_read (self->spool, self->layout.anchor_c, &self->index, why, error))
    return FALSE;

  *why = QR_XZ_STOP_INDEX_WRONG;
  self->block = _qr_extract_xz_block_new (self->spool, self->cancellable);
  if (!_qr_extract_xz_index_check (self->index, &self->layout)
      || !_qr_extract_xz_blocks_check (self->block, self->index, &self->layout, &placeable, error))
    return FALSE;

  *why = lzma_index_block_count (self->index) == 1 ? QR_XZ_STOP_ONE_BLOCK
                                                   : QR_XZ_STOP_NO_WHOLE_BLOCK;
  return placeable > 0;
}

/* The first gap: the rest of the stream goes to the spool, and then its
 * blocks are placed, or the stream stops here. */
static gssize
begin_placing (QrExtractXz  *self,
               gsize         length,
               GError       *reason,
               const void  **buffer,
               GError      **error)
{
  g_autoptr(GError) local = NULL;
  QrXzStop why = QR_XZ_STOP_INDEX_LOST;

  /* Between two streams, the next begins at the gap, or in it. */
  if (self->sequence != SEQ_STREAM)
    {
      self->layout.anchor_c = self->c_pos;
      self->layout.anchor_u = self->u_pos;
    }
  self->layout.gap_c = self->c_pos;
  self->layout.u_reached = self->u_pos;
  self->u_given = self->u_pos;
  lzma_end (&self->decoder);

  self->spool = _qr_extract_xz_spool_new (self->spool_dir, self->c_pos, self->series_path, &local);
  if (self->spool == NULL)
    {
      g_error_free (reason);
      g_propagate_error (error, g_steal_pointer (&local));
      self->phase = PHASE_DONE;
      return -1;
    }

  if (!_qr_extract_xz_spool_add_gap (self->spool, length, reason)
      || !spool_rest (self, &why, &local) || !read_index (self, &why, &local))
    {
      if (local == NULL)
        return stop (self, why, error);
      g_propagate_error (error, g_steal_pointer (&local));
      self->phase = PHASE_DONE;
      return -1;
    }

  lzma_index_iter_init (&self->iter, self->index);
  self->phase = PHASE_PLACING;
  return place_next (self, buffer, error);
}

/* ------------------------------------------------------------- start */

static gssize
decode_in_order (QrExtractXz  *self,
                 const void  **buffer,
                 GError      **error)
{
  for (;;)
    {
      const void *piece = NULL;
      GError *reason = NULL;
      gssize n;

      if (self->in_len > 0 || self->out_full)
        {
          if ((n = decode_step (self, error)) != 0)
            {
              *buffer = self->out;
              return n;
            }
          continue;
        }

      n = self->func (self->user_data, &piece, &reason);
      if (n > 0 && piece == NULL)
        return begin_placing (self, n, reason, buffer, error);

      if (n <= 0)
        {
          self->phase = PHASE_DONE;
          g_propagate_error (error, reason);
          return n;
        }

      self->in = piece;
      self->in_len = n;
    }
}

/* A QrExtractReadFunc: the plain stream, its lost stretches as gaps. */
gssize
_qr_extract_xz_read (gpointer      user_data,
                     const void  **buffer,
                     GError      **error)
{
  QrExtractXz *self = user_data;

  switch (self->phase)
    {
    case PHASE_DECODING:
      return decode_in_order (self, buffer, error);

    case PHASE_PLACING:
      return place_next (self, buffer, error);

    case PHASE_DONE:
    default:
      return 0;
    }
}
