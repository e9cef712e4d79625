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
 *                     +--> spool file --> index --> blocks that can be placed
 *
 * Up to the first gap the stream is decoded as it comes. Past it nothing
 * can be decoded in order, so the rest of the compressed stream, its gaps
 * left as holes, goes to a temporary file (the spool) beside the files
 * being restored; memory stays bounded whatever the size of the stream.
 * At its end, xz keeps an index: the size of every block, compressed and
 * not. Read backwards from the stream's footer, it gives every block's
 * place in both streams, since the length of every gap is known. A block
 * that lies wholly in verified data is decoded on its own, checked against
 * its own header, the index and its check, and only then given out, at its
 * place. The blocks touching a gap are lost, and given out as gaps of
 * their uncompressed size.
 *
 * Nothing is placed unless the index agrees with what is known: walked
 * back from the end, its streams must begin exactly where the stream being
 * decoded at the first gap began, and the blocks decoded before the gap
 * must end where the decoder stood. Without the index (the stream was cut
 * short, or its end was damaged too), or when it does not agree, the
 * stream stops at the first gap, and the reason says why.
 *
 * Everything here runs on the thread that runs qr_extract_stream(). */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <lzma.h>
#include <unistd.h>

#include "qr-error.h"
#include "qr-extract-private.h"

/* What one step hands on, and what is read of the spool at once. */
#define PIECE_SIZE          (64 * 1024)

/* The memory libarchive allows for the xz data it decodes. */
#define MAX_DECODER_MEMORY  ((guint64) 1 << 30)

/* The index of a terabyte in blocks of a megabyte takes some 16 MiB. */
#define MAX_INDEX_MEMORY    ((guint64) 64 << 20)

/* LZMA2 turns at best a few hundred bytes into the 2 MiB of one chunk. A
 * lost block claiming more than this many times its compressed size is
 * not believed, so that a lying index cannot make the tar reader wade
 * through endless zeros. */
#define MAX_EXPANSION       65536

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

/* Why the stream stops at its first gap. */
typedef enum
{
  STOP_INDEX_LOST,
  STOP_INDEX_WRONG,
} Stop;

typedef struct
{
  guint64  offset;
  guint64  length;
  GError  *reason;
} Gap;

struct _QrExtractXz
{
  /* The verified compressed stream, borrowed. */
  QrExtractReadFunc  func;
  gpointer           user_data;
  GCancellable      *cancellable;
  char              *series_path;
  int                spool_dir;

  Phase              phase;
  lzma_stream        decoder;
  guint8            *out;
  guint8            *in_buffer;

  /* Decoding in order: the piece being decoded, how far into the
   * compressed (c) and the plain (u) stream it came, and where the xz
   * stream being decoded began, or the padding after the last one. */
  Sequence           sequence;
  const guint8      *in;
  gsize              in_len;
  gboolean           out_full;
  guint64            c_pos;
  guint64            u_pos;
  guint64            anchor_c;
  guint64            anchor_u;
  guint64            padding_start;

  /* From the first gap on: where it began in both streams, the spool
   * (holding the compressed stream from gap_c on), its gaps (Gap, in
   * order) and its end. */
  guint64            gap_c;
  guint64            u_reached;
  gboolean           anchored;
  int                spool_fd;
  GArray            *gaps;
  guint64            spool_end;

  /* Placing: the index of every stream from the anchor on, the block at
   * hand, and how far the plain stream was given out. */
  lzma_index        *index;
  lzma_index_iter    iter;
  gboolean           in_block;
  gboolean           block_done;
  gboolean           placed_all;
  guint64            block_pos;
  guint64            block_end;
  guint64            u_given;
};

static void
clear_gap (gpointer data)
{
  g_clear_error (&((Gap *) data)->reason);
}

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
  self->out = g_malloc (PIECE_SIZE);
  self->in_buffer = g_malloc (PIECE_SIZE);
  self->spool_fd = -1;
  self->gaps = g_array_new (FALSE, FALSE, sizeof (Gap));
  g_array_set_clear_func (self->gaps, clear_gap);
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
  if (self->spool_fd >= 0)
    close (self->spool_fd);
  g_array_unref (self->gaps);
  g_free (self->out);
  g_free (self->in_buffer);
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

static const GError *
first_reason (QrExtractXz *self)
{
  return g_array_index (self->gaps, Gap, 0).reason;
}

/* The stream ends at its first gap, which it could not go past. */
static gssize
stop (QrExtractXz  *self,
      Stop          why,
      GError      **error)
{
  const GError *reason = first_reason (self);
  const char *explanation;

  if (why == STOP_INDEX_LOST)
    explanation = _("Nothing after it can be put back in place: the index at the end of the "
                    "xz data, which tells where each of its blocks belongs, was lost as well.");
  else
    explanation = _("Nothing after it can be put back in place: the index at the end of the "
                    "xz data does not match the data.");

  g_set_error (error, reason->domain, reason->code, "%s %s", reason->message, explanation);
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

  if (self->sequence == SEQ_START)
    {
      if (lzma_stream_decoder (strm, MAX_DECODER_MEMORY, 0) != LZMA_OK)
        return set_damaged (self, "xz", error);
      self->anchor_c = self->c_pos;
      self->anchor_u = self->u_pos;
      self->sequence = SEQ_STREAM;
    }

  strm->next_in = self->in;
  strm->avail_in = self->in_len;
  strm->next_out = self->out;
  strm->avail_out = PIECE_SIZE;
  ret = lzma_code (strm, LZMA_RUN);

  self->c_pos += self->in_len - strm->avail_in;
  self->in = strm->next_in;
  self->in_len = strm->avail_in;
  produced = PIECE_SIZE - strm->avail_out;
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

/* ------------------------------------------------------------- spool */

static int
open_spool (int dir_fd)
{
  static guint counter;
  g_autofree char *name = NULL;
  int fd = openat (dir_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

  if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
    return fd;

  /* A file system without unnamed files: a name, gone at once. */
  name = g_strdup_printf (".qr-spool-%u", g_atomic_int_add (&counter, 1));
  fd = openat (dir_fd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0)
    unlinkat (dir_fd, name, 0);
  return fd;
}

/* The spool lies beside the files being restored, where the space is; a
 * stream only being checked spools to the temporary folder. */
static gboolean
create_spool (QrExtractXz  *self,
              GError      **error)
{
  int dir = self->spool_dir;
  int errsv;

  if (dir < 0 && (dir = open (g_get_tmp_dir (), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return _qr_extract_set_io_error (error, errno, g_get_tmp_dir ());

  self->spool_fd = open_spool (dir);
  errsv = errno;
  if (dir != self->spool_dir)
    close (dir);

  if (self->spool_fd < 0)
    return _qr_extract_set_io_error (error, errsv, self->series_path);

  return TRUE;
}

static gboolean
spool_write (QrExtractXz   *self,
             const guint8  *data,
             gsize          len,
             GError       **error)
{
  guint64 offset = self->spool_end - self->gap_c;

  while (len > 0)
    {
      ssize_t n = pwrite (self->spool_fd, data, len, offset);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return _qr_extract_set_io_error (error, errno, self->series_path);

      data += n;
      len -= n;
      offset += n;
      self->spool_end += n;
    }

  return TRUE;
}

static void
add_gap (QrExtractXz *self,
         gsize        length,
         GError      *reason)
{
  Gap gap = { self->spool_end, length, reason };

  g_array_append_val (self->gaps, gap);
  self->spool_end += length;
}

/* Whether the stretch from @start to @end of the compressed stream was
 * verified and is in the spool. */
static gboolean
is_verified (QrExtractXz *self,
             guint64      start,
             guint64      end)
{
  if (start < self->gap_c || end > self->spool_end || start > end)
    return FALSE;

  for (guint i = 0; i < self->gaps->len; i++)
    {
      const Gap *gap = &g_array_index (self->gaps, Gap, i);

      if (gap->offset < end && gap->offset + gap->length > start)
        return FALSE;
    }

  return TRUE;
}

/* Reads a stretch of the compressed stream from the spool: FALSE with
 * @error set when reading failed, without when it is not verified data. */
static gboolean
read_verified (QrExtractXz  *self,
               guint64       start,
               gsize         len,
               guint8       *buffer,
               GError      **error)
{
  gsize done = 0;

  if (!is_verified (self, start, start + len))
    return FALSE;

  while (done < len)
    {
      ssize_t n = pread (self->spool_fd, buffer + done, len - done, start - self->gap_c + done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return _qr_extract_set_io_error (error, n < 0 ? errno : EIO, self->series_path);
      done += n;
    }

  return TRUE;
}

/* ------------------------------------------------------------- index */

/* Where the run of verified data that ends at @end begins. */
static guint64
verified_run_start (QrExtractXz *self,
                    guint64      end)
{
  guint64 start = self->gap_c;

  for (guint i = 0; i < self->gaps->len; i++)
    {
      const Gap *gap = &g_array_index (self->gaps, Gap, i);

      if (gap->offset + gap->length <= end)
        start = MAX (start, gap->offset + gap->length);
    }

  return MIN (start, end);
}

/* Goes back over the stream padding before @end: zeros, in fours. */
static gboolean
skip_padding_back (QrExtractXz  *self,
                   guint64      *end,
                   guint64      *padding,
                   GError      **error)
{
  guint8 *buffer = self->in_buffer;

  *padding = 0;
  for (;;)
    {
      gsize len = MIN (PIECE_SIZE, *end - verified_run_start (self, *end)) / 4 * 4;
      gsize zeros = 0;

      if (len == 0 || !read_verified (self, *end - len, len, buffer, error))
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
decode_index (QrExtractXz  *self,
              guint64       start,
              guint64       size,
              guint64      *memory,
              lzma_index  **index,
              GError      **error)
{
  lzma_stream strm = LZMA_STREAM_INIT;
  lzma_ret ret = LZMA_OK;
  guint64 pos = start;

  *index = NULL;
  if (lzma_index_decoder (&strm, index, *memory) != LZMA_OK)
    return FALSE;

  while (ret == LZMA_OK && pos < start + size)
    {
      gsize len = MIN (PIECE_SIZE, start + size - pos);

      if (!read_verified (self, pos, len, self->in_buffer, error))
        break;

      strm.next_in = self->in_buffer;
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

/* Reads the xz stream that ends at @end, from its footer back to its
 * header: its index and where it begins. */
static gboolean
read_stream_back (QrExtractXz  *self,
                  guint64       end,
                  guint64      *memory,
                  lzma_index  **index,
                  guint64      *start,
                  Stop         *why,
                  GError      **error)
{
  guint8 bytes[LZMA_STREAM_HEADER_SIZE];
  lzma_stream_flags footer, header;
  guint64 index_start, blocks;

  *why = STOP_INDEX_LOST;
  if (end < self->anchor_c + 2 * LZMA_STREAM_HEADER_SIZE
      || !read_verified (self, end - LZMA_STREAM_HEADER_SIZE, LZMA_STREAM_HEADER_SIZE, bytes,
                         error))
    return FALSE;

  *why = STOP_INDEX_WRONG;
  if (lzma_stream_footer_decode (&footer, bytes) != LZMA_OK
      || footer.backward_size > end - self->anchor_c - 2 * LZMA_STREAM_HEADER_SIZE)
    return FALSE;

  index_start = end - LZMA_STREAM_HEADER_SIZE - footer.backward_size;
  if (!is_verified (self, index_start, index_start + footer.backward_size))
    {
      *why = STOP_INDEX_LOST;
      return FALSE;
    }

  if (!decode_index (self, index_start, footer.backward_size, memory, index, error))
    return FALSE;

  blocks = lzma_index_total_size (*index);
  if (lzma_index_stream_flags (*index, &footer) != LZMA_OK
      || blocks > index_start - self->anchor_c - LZMA_STREAM_HEADER_SIZE)
    return FALSE;

  /* A header in verified data must say what the footer says; one in a
   * gap or before it (checked by the decoder then) need not be read. */
  *start = index_start - blocks - LZMA_STREAM_HEADER_SIZE;
  if (is_verified (self, *start, *start + LZMA_STREAM_HEADER_SIZE)
      && (!read_verified (self, *start, LZMA_STREAM_HEADER_SIZE, bytes, error)
          || lzma_stream_header_decode (&header, bytes) != LZMA_OK
          || lzma_stream_flags_compare (&header, &footer) != LZMA_OK))
    return FALSE;

  return TRUE;
}

static void
index_end (gpointer index)
{
  lzma_index_end (index, NULL);
}

/* Walks the streams back from the end of the spool to the anchor, and
 * joins their indexes in order. */
static gboolean
find_streams (QrExtractXz  *self,
              Stop         *why,
              GError      **error)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (index_end);
  guint64 memory = MAX_INDEX_MEMORY;
  guint64 end = self->spool_end;

  *why = STOP_INDEX_WRONG;
  if (!self->anchored)
    return FALSE;

  while (end > self->anchor_c)
    {
      lzma_index *index;
      guint64 padding;

      *why = STOP_INDEX_LOST;
      if (!skip_padding_back (self, &end, &padding, error)
          || !read_stream_back (self, end, &memory, &index, &end, why, error))
        return FALSE;

      g_ptr_array_add (found, index);
      if (lzma_index_stream_padding (index, padding) != LZMA_OK)
        return FALSE;
    }

  if (end != self->anchor_c || found->len == 0)
    return FALSE;

  /* The earliest stream first; each takes the next after it. */
  self->index = g_ptr_array_steal_index (found, found->len - 1);
  while (found->len > 0)
    {
      lzma_index *next = g_ptr_array_steal_index (found, found->len - 1);

      if (lzma_index_cat (self->index, next, NULL) != LZMA_OK)
        {
          lzma_index_end (next, NULL);
          return FALSE;
        }
    }

  return TRUE;
}

/* Where a block of the index lies, in both streams. */
static void
block_place (QrExtractXz           *self,
             const lzma_index_iter *iter,
             guint64               *c,
             guint64               *c_end,
             guint64               *u,
             guint64               *u_end)
{
  *c = self->anchor_c + iter->block.compressed_file_offset;
  *c_end = *c + iter->block.total_size;
  *u = self->anchor_u + iter->block.uncompressed_file_offset;
  *u_end = *u + iter->block.uncompressed_size;
}

/* The blocks the decoder went through before the first gap must end where
 * it stood, and no lost block may claim more than it can hold. */
static gboolean
check_blocks (QrExtractXz *self)
{
  lzma_index_iter iter;
  gboolean first = TRUE;

  lzma_index_iter_init (&iter, self->index);
  while (!lzma_index_iter_next (&iter, LZMA_INDEX_ITER_BLOCK))
    {
      guint64 c, c_end, u, u_end;

      block_place (self, &iter, &c, &c_end, &u, &u_end);
      if (c_end <= self->gap_c)
        {
          if (u_end > self->u_reached)
            return FALSE;
          continue;
        }

      if (first && (c < self->gap_c ? u > self->u_reached || self->u_reached > u_end
                                    : u != self->u_reached))
        return FALSE;
      first = FALSE;

      if (iter.block.uncompressed_size / MAX_EXPANSION > iter.block.unpadded_size)
        return FALSE;
    }

  return !first || self->anchor_u + lzma_index_uncompressed_size (self->index) == self->u_reached;
}

/* ----------------------------------------------------------- placing */

/* Sets the decoder up for the block at hand, from its own header, which
 * must agree with the index; FALSE with @error set when reading failed,
 * without when the block cannot be decoded. */
static gboolean
start_block (QrExtractXz  *self,
             GError      **error)
{
  guint8 header[LZMA_BLOCK_HEADER_SIZE_MAX];
  lzma_filter filters[LZMA_FILTERS_MAX + 1];
  lzma_block block = { 0 };
  guint64 c, c_end, u, u_end;
  gboolean ok;

  block_place (self, &self->iter, &c, &c_end, &u, &u_end);
  self->block_done = FALSE;
  self->decoder.next_in = NULL;
  self->decoder.avail_in = 0;
  if (!read_verified (self, c, 1, header, error) || header[0] == 0)
    return FALSE;

  block.version = 1;
  block.header_size = lzma_block_header_size_decode (header[0]);
  block.check = self->iter.stream.flags->check;
  block.filters = filters;
  if (block.header_size >= self->iter.block.total_size
      || !read_verified (self, c, block.header_size, header, error)
      || lzma_block_header_decode (&block, NULL, header) != LZMA_OK)
    return FALSE;

  ok = lzma_block_compressed_size (&block, self->iter.block.unpadded_size) == LZMA_OK
       && (block.uncompressed_size == LZMA_VLI_UNKNOWN
           || block.uncompressed_size == self->iter.block.uncompressed_size)
       && lzma_raw_decoder_memusage (filters) <= MAX_DECODER_MEMORY
       && lzma_check_is_supported (block.check);

  block.uncompressed_size = self->iter.block.uncompressed_size;
  ok = ok && lzma_block_decoder (&self->decoder, &block) == LZMA_OK;
  lzma_filters_free (filters, NULL);

  self->block_pos = c + block.header_size;
  self->block_end = c_end;
  return ok;
}

/* Decodes the next piece of the block at hand into self->out: its length,
 * and block_done set at the block's proper end; -1 when it does not decode
 * as its header and the index say, @error set only when the machine
 * failed. */
static gssize
block_step (QrExtractXz  *self,
            GError      **error)
{
  lzma_stream *strm = &self->decoder;
  gsize produced;
  lzma_ret ret;

  if (g_cancellable_set_error_if_cancelled (self->cancellable, error))
    return -1;

  if (strm->avail_in == 0 && self->block_pos < self->block_end)
    {
      gsize len = MIN (PIECE_SIZE, self->block_end - self->block_pos);

      if (!read_verified (self, self->block_pos, len, self->in_buffer, error))
        return -1;
      strm->next_in = self->in_buffer;
      strm->avail_in = len;
      self->block_pos += len;
    }

  strm->next_out = self->out;
  strm->avail_out = PIECE_SIZE;
  ret = lzma_code (strm, LZMA_RUN);
  produced = PIECE_SIZE - strm->avail_out;

  /* The block decoder checks the sizes and the check itself; what is
   * left here is that the block used exactly its own bytes. A block cut
   * short stops making progress, which liblzma says with LZMA_BUF_ERROR. */
  if (ret == LZMA_STREAM_END)
    {
      if (strm->avail_in != 0 || self->block_pos != self->block_end)
        return -1;
      self->block_done = TRUE;
    }
  else if (ret != LZMA_OK)
    return -1;

  return produced;
}

/* Decodes the block at hand through, giving nothing out: whether it is
 * whole and matches its check. */
static gboolean
verify_block (QrExtractXz  *self,
              GError      **error)
{
  if (!start_block (self, error))
    return FALSE;

  while (!self->block_done)
    {
      if (block_step (self, error) < 0)
        return FALSE;
    }

  return TRUE;
}

/* Every block past the first gap that lies in verified data must decode
 * whole, as its header and the index say, before any is given out: the
 * data is verified, so a block that does not is proof that the index
 * does not tell where things are, and nothing is placed by it. */
static gboolean
verify_blocks (QrExtractXz  *self,
               GError      **error)
{
  lzma_index_iter_init (&self->iter, self->index);
  while (!lzma_index_iter_next (&self->iter, LZMA_INDEX_ITER_BLOCK))
    {
      guint64 c, c_end, u, u_end;

      block_place (self, &self->iter, &c, &c_end, &u, &u_end);
      if (c_end > self->gap_c && is_verified (self, c, c_end) && !verify_block (self, error))
        return FALSE;
    }

  lzma_index_iter_rewind (&self->iter);
  return TRUE;
}

/* Takes the rest of the compressed stream into the spool, then reads its
 * index; FALSE with @error set when the machine failed, with @why when
 * the stream cannot go on. */
static gboolean
spool_rest (QrExtractXz  *self,
            Stop         *why,
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
      if (n > 0 && buffer == NULL)
        add_gap (self, n, reason);
      else if (n > 0 && !spool_write (self, buffer, n, error))
        return FALSE;
      else if (n == 0)
        break;
      else if (n < 0 && g_error_matches (reason, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, reason);
          return FALSE;
        }
      else if (n < 0)
        {
          /* A gap of unknown length: the end, and its index, is lost. */
          g_clear_error (&reason);
          *why = STOP_INDEX_LOST;
          return FALSE;
        }
    }

  if (!find_streams (self, why, error))
    return FALSE;

  *why = STOP_INDEX_WRONG;
  return check_blocks (self) && verify_blocks (self, error);
}

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
  g_propagate_error (error, g_error_copy (first_reason (self)));
  return length;
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
      guint64 c, c_end, u, u_end, total;

      if (self->in_block)
        {
          gssize n = block_step (self, &local);

          if (n < 0 && local != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return -1;
            }
          if (n < 0)
            return set_damaged (self, "xz block", error);

          self->in_block = !self->block_done;
          self->u_given += n;
          if (n == 0)
            continue;

          *buffer = self->out;
          return n;
        }

      total = self->anchor_u + lzma_index_uncompressed_size (self->index);
      if (self->placed_all || lzma_index_iter_next (&self->iter, LZMA_INDEX_ITER_BLOCK))
        {
          self->placed_all = TRUE;
          if (self->u_given < total)
            return give_gap (self, total, buffer, error);
          self->phase = PHASE_DONE;
          return 0;
        }

      block_place (self, &self->iter, &c, &c_end, &u, &u_end);
      if (c_end <= self->gap_c || !is_verified (self, c, c_end))
        continue;

      /* Every such block proved whole before any was given out. */
      if (!start_block (self, &local))
        {
          if (local == NULL)
            return set_damaged (self, "xz block", error);
          g_propagate_error (error, g_steal_pointer (&local));
          return -1;
        }

      self->in_block = TRUE;
      if (u > self->u_given)
        return give_gap (self, u, buffer, error);
    }
}

/* ------------------------------------------------------------- start */

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
  Stop why = STOP_INDEX_LOST;

  self->gap_c = self->c_pos;
  self->spool_end = self->c_pos;
  self->u_reached = self->u_pos;
  self->u_given = self->u_pos;
  self->anchored = self->sequence != SEQ_PADDING
                   || (self->c_pos - self->padding_start) % 4 == 0;
  if (self->sequence != SEQ_STREAM)
    {
      self->anchor_c = self->c_pos;
      self->anchor_u = self->u_pos;
    }
  add_gap (self, length, reason);

  if (!create_spool (self, &local) || !spool_rest (self, &why, &local))
    {
      if (local == NULL)
        return stop (self, why, error);
      g_propagate_error (error, g_steal_pointer (&local));
      self->phase = PHASE_DONE;
      return -1;
    }

  self->phase = PHASE_PLACING;
  return place_next (self, buffer, error);
}

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
