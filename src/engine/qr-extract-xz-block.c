/* qr-extract-xz-block.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* One block of an xz stream being salvaged, decoded on its own from the
 * spool: only a block that lies wholly in verified data, checked against
 * its own header, the index and its check. */

#include "config.h"

#include "qr-extract-xz-private.h"

struct _QrXzBlock
{
  /* Borrowed. */
  QrXzSpool     *spool;
  GCancellable  *cancellable;

  /* The decoder reads and fills in its options as it goes, so they live
   * as long as it does. */
  lzma_stream    decoder;
  lzma_block     options;
  guint8        *in;
  /* How far into the compressed stream the block was read, where it
   * ends, and whether it came to its proper end. */
  guint64        pos;
  guint64        end;
  gboolean       done;
};

QrXzBlock *
_qr_extract_xz_block_new (QrXzSpool    *spool,
                          GCancellable *cancellable)
{
  QrXzBlock *block = g_new0 (QrXzBlock, 1);
  lzma_stream init = LZMA_STREAM_INIT;

  block->spool = spool;
  block->cancellable = cancellable;
  block->decoder = init;
  block->in = g_malloc (QR_XZ_PIECE_SIZE);
  return block;
}

void
_qr_extract_xz_block_free (QrXzBlock *block)
{
  if (block == NULL)
    return;

  lzma_end (&block->decoder);
  g_free (block->in);
  g_free (block);
}

/* Reads the header of the block at @c and sets the decoder up from it;
 * whether it agrees with the index. */
static gboolean
set_up_decoder (QrXzBlock              *block,
                const lzma_index_iter  *iter,
                guint64                 c,
                guint32                *header_size,
                GError                **error)
{
  guint8 header[LZMA_BLOCK_HEADER_SIZE_MAX];
  lzma_filter filters[LZMA_FILTERS_MAX + 1];
  lzma_block *options = &block->options;
  gboolean ok;

  if (!_qr_extract_xz_spool_read (block->spool, c, 1, header, error) || header[0] == 0)
    return FALSE;

  *options = (lzma_block) { 0 };
  options->version = 1;
  options->header_size = lzma_block_header_size_decode (header[0]);
  options->check = iter->stream.flags->check;
  options->filters = filters;
  if (options->header_size >= iter->block.total_size
      || !_qr_extract_xz_spool_read (block->spool, c, options->header_size, header, error)
      || lzma_block_header_decode (options, NULL, header) != LZMA_OK)
    return FALSE;

  ok = lzma_block_compressed_size (options, iter->block.unpadded_size) == LZMA_OK
       && (options->uncompressed_size == LZMA_VLI_UNKNOWN
           || options->uncompressed_size == iter->block.uncompressed_size)
       && lzma_raw_decoder_memusage (filters) <= QR_XZ_MAX_DECODER_MEMORY
       && lzma_check_is_supported (options->check);

  /* The decoder then checks that the block holds exactly this much. The
   * filters' options are needed only to set it up (as liblzma's own
   * stream decoder does). */
  options->uncompressed_size = iter->block.uncompressed_size;
  ok = ok && lzma_block_decoder (&block->decoder, options) == LZMA_OK;
  lzma_filters_free (filters, NULL);
  options->filters = NULL;

  *header_size = options->header_size;
  return ok;
}

/* Sets the decoder up for the block @iter is at, which lies at @place;
 * FALSE with @error set when reading failed, without when the block cannot
 * be decoded. */
gboolean
_qr_extract_xz_block_start (QrXzBlock              *block,
                            const lzma_index_iter  *iter,
                            const QrXzPlace        *place,
                            GError                **error)
{
  guint32 header_size = 0;

  block->done = FALSE;
  block->decoder.next_in = NULL;
  block->decoder.avail_in = 0;
  if (!set_up_decoder (block, iter, place->c, &header_size, error))
    return FALSE;

  block->pos = place->c + header_size;
  block->end = place->c_end;
  return TRUE;
}

/* Decodes the next piece of the block into @out (QR_XZ_PIECE_SIZE bytes):
 * its length, the block done at its proper end; -1 when it does not decode
 * as its header and the index say, @error set only when the machine
 * failed or the work was cancelled. */
gssize
_qr_extract_xz_block_step (QrXzBlock  *block,
                           guint8     *out,
                           GError    **error)
{
  lzma_stream *strm = &block->decoder;
  gsize produced;
  lzma_ret ret;

  if (g_cancellable_set_error_if_cancelled (block->cancellable, error))
    return -1;

  if (strm->avail_in == 0 && block->pos < block->end)
    {
      gsize len = MIN (QR_XZ_PIECE_SIZE, block->end - block->pos);

      if (!_qr_extract_xz_spool_read (block->spool, block->pos, len, block->in, error))
        return -1;
      strm->next_in = block->in;
      strm->avail_in = len;
      block->pos += len;
    }

  strm->next_out = out;
  strm->avail_out = QR_XZ_PIECE_SIZE;
  ret = lzma_code (strm, LZMA_RUN);
  produced = QR_XZ_PIECE_SIZE - strm->avail_out;

  /* The block decoder checks the sizes and the check itself; what is
   * left here is that the block used exactly its own bytes. A block cut
   * short stops making progress, which liblzma says with LZMA_BUF_ERROR. */
  if (ret == LZMA_STREAM_END)
    {
      if (strm->avail_in != 0 || block->pos != block->end)
        return -1;
      block->done = TRUE;
    }
  else if (ret != LZMA_OK)
    return -1;

  return produced;
}

gboolean
_qr_extract_xz_block_is_done (QrXzBlock *block)
{
  return block->done;
}

/* Decodes the block @iter is at through, giving nothing out: whether it
 * is whole and matches its check. */
static gboolean
decodes_whole (QrXzBlock              *block,
               const lzma_index_iter  *iter,
               const QrXzPlace        *place,
               GError                **error)
{
  g_autofree guint8 *out = g_malloc (QR_XZ_PIECE_SIZE);

  if (!_qr_extract_xz_block_start (block, iter, place, error))
    return FALSE;

  while (!block->done)
    {
      if (_qr_extract_xz_block_step (block, out, error) < 0)
        return FALSE;
    }

  return TRUE;
}

/* Every block past the first gap that lies in verified data must decode
 * whole, as its header and the index say, before any is given out: the
 * data is verified, so a block that does not is proof that the index
 * does not tell where things are, and nothing is placed by it. Counts
 * those blocks in @placeable. */
gboolean
_qr_extract_xz_blocks_check (QrXzBlock         *block,
                             const lzma_index  *index,
                             const QrXzLayout  *layout,
                             guint             *placeable,
                             GError           **error)
{
  lzma_index_iter iter;

  *placeable = 0;
  lzma_index_iter_init (&iter, index);
  while (!lzma_index_iter_next (&iter, LZMA_INDEX_ITER_BLOCK))
    {
      QrXzPlace place;

      _qr_extract_xz_place (layout, &iter, &place);
      if (place.c_end <= layout->gap_c
          || !_qr_extract_xz_spool_is_verified (block->spool, place.c, place.c_end))
        continue;

      if (!decodes_whole (block, &iter, &place, error))
        return FALSE;
      (*placeable)++;
    }

  return TRUE;
}
