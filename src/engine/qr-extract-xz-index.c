/* qr-extract-xz-index.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The index of an xz stream being salvaged. At its end, each xz stream
 * keeps an index: the size of every block, compressed and not. Read
 * backwards from the stream's footer, it gives every block's place in
 * both streams, since the length of every gap is known.
 *
 * Only an index that lies wholly in verified data is read, and it is
 * believed only when it agrees with what is known: walked back from the
 * end, the streams must begin exactly where the stream being decoded at
 * the first gap began, and the blocks decoded before the gap must end
 * where the decoder stood. */

#include "config.h"

#include "qr-extract-xz-private.h"

/* The index of a terabyte in blocks of a megabyte takes some 16 MiB. */
#define MAX_INDEX_MEMORY  ((guint64) 64 << 20)

/* LZMA2 turns at best a few hundred bytes into the 2 MiB of one chunk. A
 * lost block claiming more than this many times its compressed size is
 * not believed, so that a lying index cannot make the tar reader wade
 * through endless zeros. */
#define MAX_EXPANSION     65536

/* Goes back over the stream padding before @end: zeros, in fours. */
static gboolean
skip_padding_back (QrXzSpool  *spool,
                   guint64    *end,
                   guint64    *padding,
                   GError    **error)
{
  g_autofree guint8 *buffer = g_malloc (QR_XZ_PIECE_SIZE);

  *padding = 0;
  for (;;)
    {
      gsize len = MIN (QR_XZ_PIECE_SIZE, *end - _qr_extract_xz_spool_run_start (spool, *end));
      gsize zeros = 0;

      len = len / 4 * 4;
      if (len == 0 || !_qr_extract_xz_spool_read (spool, *end - len, len, buffer, error))
        return FALSE;

      while (zeros < len && memcmp (buffer + len - zeros - 4, "\0\0\0\0", 4) == 0)
        zeros += 4;

      *end -= zeros;
      *padding += zeros;
      if (zeros < len)
        return TRUE;
    }
}

/* Decodes the index from @start, @size bytes long, within what memory is
 * left for indexes. */
static gboolean
decode_index (QrXzSpool    *spool,
              guint64       start,
              guint64       size,
              guint64      *memory,
              lzma_index  **index,
              GError      **error)
{
  lzma_stream strm = LZMA_STREAM_INIT;
  g_autofree guint8 *buffer = g_malloc (QR_XZ_PIECE_SIZE);
  lzma_ret ret = LZMA_OK;
  guint64 pos = start;

  *index = NULL;
  if (*memory == 0 || lzma_index_decoder (&strm, index, *memory) != LZMA_OK)
    return FALSE;

  while (ret == LZMA_OK && pos < start + size)
    {
      gsize len = MIN (QR_XZ_PIECE_SIZE, start + size - pos);

      if (!_qr_extract_xz_spool_read (spool, pos, len, buffer, error))
        break;

      strm.next_in = buffer;
      strm.avail_in = len;
      ret = lzma_code (&strm, LZMA_RUN);
      pos += len - strm.avail_in;
    }

  lzma_end (&strm);
  if (ret == LZMA_STREAM_END && pos == start + size && lzma_index_size (*index) == size)
    {
      *memory -= MIN (*memory, lzma_index_memused (*index));
      return TRUE;
    }

  if (*index != NULL)
    lzma_index_end (*index, NULL);
  *index = NULL;
  return FALSE;
}

/* An index that was decoded but cannot be believed. Returns FALSE. */
static gboolean
drop_index (lzma_index **index)
{
  lzma_index_end (*index, NULL);
  *index = NULL;
  return FALSE;
}

/* Reads the xz stream that ends at @end, from its footer back to its
 * header: its index and where it begins. */
static gboolean
read_stream_back (QrXzSpool    *spool,
                  guint64       anchor_c,
                  guint64       end,
                  guint64      *memory,
                  lzma_index  **index,
                  guint64      *start,
                  QrXzStop     *why,
                  GError      **error)
{
  guint8 bytes[LZMA_STREAM_HEADER_SIZE];
  lzma_stream_flags footer, header;
  guint64 index_start, blocks;

  *why = QR_XZ_STOP_INDEX_LOST;
  if (end < anchor_c + 2 * LZMA_STREAM_HEADER_SIZE
      || !_qr_extract_xz_spool_read (spool, end - LZMA_STREAM_HEADER_SIZE,
                                     LZMA_STREAM_HEADER_SIZE, bytes, error))
    return FALSE;

  *why = QR_XZ_STOP_INDEX_WRONG;
  if (lzma_stream_footer_decode (&footer, bytes) != LZMA_OK
      || footer.backward_size > end - anchor_c - 2 * LZMA_STREAM_HEADER_SIZE)
    return FALSE;

  index_start = end - LZMA_STREAM_HEADER_SIZE - footer.backward_size;
  if (!_qr_extract_xz_spool_is_verified (spool, index_start, index_start + footer.backward_size))
    {
      *why = QR_XZ_STOP_INDEX_LOST;
      return FALSE;
    }

  if (!decode_index (spool, index_start, footer.backward_size, memory, index, error))
    return FALSE;

  blocks = lzma_index_total_size (*index);
  if (lzma_index_stream_flags (*index, &footer) != LZMA_OK
      || blocks > index_start - anchor_c - LZMA_STREAM_HEADER_SIZE)
    return drop_index (index);

  /* A header in verified data must say what the footer says; one in a
   * gap or before it (checked by the decoder then) need not be read. */
  *start = index_start - blocks - LZMA_STREAM_HEADER_SIZE;
  if (_qr_extract_xz_spool_is_verified (spool, *start, *start + LZMA_STREAM_HEADER_SIZE)
      && (!_qr_extract_xz_spool_read (spool, *start, LZMA_STREAM_HEADER_SIZE, bytes, error)
          || lzma_stream_header_decode (&header, bytes) != LZMA_OK
          || lzma_stream_flags_compare (&header, &footer) != LZMA_OK))
    return drop_index (index);

  return TRUE;
}

static void
index_end (gpointer index)
{
  lzma_index_end (index, NULL);
}

/* Joins the indexes found from the last stream back to the first, in the
 * order of their streams. */
static lzma_index *
join_indexes (GPtrArray *found)
{
  lzma_index *index = g_ptr_array_steal_index (found, found->len - 1);

  while (found->len > 0)
    {
      lzma_index *next = g_ptr_array_steal_index (found, found->len - 1);

      if (lzma_index_cat (index, next, NULL) != LZMA_OK)
        {
          lzma_index_end (next, NULL);
          lzma_index_end (index, NULL);
          return NULL;
        }
    }

  return index;
}

/* Walks the streams back from the end of the spool to @anchor_c, where
 * the stream being decoded at the first gap began, and joins their
 * indexes in order into @index. FALSE with @error set when reading failed,
 * with @why when no index can be believed. */
gboolean
_qr_extract_xz_index_read (QrXzSpool    *spool,
                           guint64       anchor_c,
                           lzma_index  **index,
                           QrXzStop     *why,
                           GError      **error)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (index_end);
  guint64 memory = MAX_INDEX_MEMORY;
  guint64 end = _qr_extract_xz_spool_get_end (spool);

  *index = NULL;
  while (end > anchor_c)
    {
      lzma_index *stream;
      guint64 padding;

      *why = QR_XZ_STOP_INDEX_LOST;
      if (!skip_padding_back (spool, &end, &padding, error)
          || !read_stream_back (spool, anchor_c, end, &memory, &stream, &end, why, error))
        return FALSE;

      g_ptr_array_add (found, stream);
      *why = QR_XZ_STOP_INDEX_WRONG;
      if (lzma_index_stream_padding (stream, padding) != LZMA_OK)
        return FALSE;
    }

  *why = QR_XZ_STOP_INDEX_WRONG;
  if (end != anchor_c || found->len == 0)
    return FALSE;

  *index = join_indexes (found);
  return *index != NULL;
}

/* Where a block of the index lies, in both streams. */
void
_qr_extract_xz_place (const QrXzLayout       *layout,
                      const lzma_index_iter  *iter,
                      QrXzPlace              *place)
{
  place->c = layout->anchor_c + iter->block.compressed_file_offset;
  place->c_end = place->c + iter->block.total_size;
  place->u = layout->anchor_u + iter->block.uncompressed_file_offset;
  place->u_end = place->u + iter->block.uncompressed_size;
}

/* Whether the first block that reaches past the first gap begins where
 * the plain stream stood there: at that very point when it lies after the
 * gap, no later than it when the gap cut it. */
static gboolean
first_after_gap_fits (const QrXzLayout *layout,
                      const QrXzPlace  *place)
{
  if (place->c < layout->gap_c)
    return place->u <= layout->u_reached && layout->u_reached <= place->u_end;

  return place->u == layout->u_reached;
}

/* Whether @index agrees with the stream as far as it was decoded: the
 * blocks the decoder went through before the first gap end where it
 * stood, the first one past it begins there, and no block claims more
 * than it can hold, or the streams more than any disk. */
gboolean
_qr_extract_xz_index_check (const lzma_index *index,
                            const QrXzLayout *layout)
{
  lzma_index_iter iter;
  gboolean first = TRUE;

  if (layout->anchor_u > QR_XZ_MAX_STREAM_SIZE
      || lzma_index_uncompressed_size (index) > QR_XZ_MAX_STREAM_SIZE - layout->anchor_u)
    return FALSE;

  lzma_index_iter_init (&iter, index);
  while (!lzma_index_iter_next (&iter, LZMA_INDEX_ITER_BLOCK))
    {
      QrXzPlace place;

      _qr_extract_xz_place (layout, &iter, &place);
      if (place.c_end <= layout->gap_c)
        {
          if (place.u_end > layout->u_reached)
            return FALSE;
          continue;
        }

      if (first && !first_after_gap_fits (layout, &place))
        return FALSE;
      first = FALSE;

      if (iter.block.uncompressed_size / MAX_EXPANSION > iter.block.unpadded_size)
        return FALSE;
    }

  /* With no block past the gap, the gap lay in the index or after it. */
  return !first || layout->anchor_u + lzma_index_uncompressed_size (index) == layout->u_reached;
}
