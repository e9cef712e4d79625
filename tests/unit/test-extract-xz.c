/* test-extract-xz.c: salvage of xz streams with gaps, and what a hostile
 * index in verified data can make of it.
 *
 * The streams are real: a tar made by libarchive, compressed by liblzma
 * as xz does (in blocks, as `xz -T`, or in one, as plain `xz`), handed to
 * qr_extract_stream() in parts, some of which are gaps.
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qr-error.h"
#include "qr-extract-xz-private.h"
#include "qr-restore-file.h"

#define FILE_SIZE   (1024 * 1024)
#define BLOCK_SIZE  (64 * 1024)
#define PART_SIZE   (16 * 1024)
#define HEADER      512

typedef struct
{
  guint8     *plain;
  GBytes     *tar;
  char       *dir;
  int         dir_fd;
} Fixture;

/* Half random, half text: each block compresses to about half its size. */
static guint8 *
make_content (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  guint8 *data = g_malloc (FILE_SIZE);

  for (gsize i = 0; i < FILE_SIZE; i++)
    data[i] = (g_rand_int (rand) & 0x0f) | 0x40;
  return data;
}

static GBytes *
make_tar (const guint8 *content)
{
  struct archive *writer = archive_write_new ();
  struct archive_entry *entry = archive_entry_new ();
  gsize capacity = FILE_SIZE + 64 * 1024;
  guint8 *buffer = g_malloc (capacity);
  size_t used = 0;

  archive_write_set_format (writer, ARCHIVE_FORMAT_TAR_USTAR);
  archive_write_set_bytes_in_last_block (writer, 1);
  g_assert_cmpint (archive_write_open_memory (writer, buffer, capacity, &used), ==, ARCHIVE_OK);
  archive_entry_set_pathname (entry, "vm12/private.img");
  archive_entry_set_filetype (entry, AE_IFREG);
  archive_entry_set_perm (entry, 0644);
  archive_entry_set_size (entry, FILE_SIZE);
  g_assert_cmpint (archive_write_header (writer, entry), ==, ARCHIVE_OK);
  g_assert_cmpint (archive_write_data (writer, content, FILE_SIZE), ==, FILE_SIZE);
  archive_entry_free (entry);
  archive_write_close (writer);
  archive_write_free (writer);
  return g_bytes_new_take (buffer, used);
}

/* @block_size 0: one block, as xz writes without threads. */
static GBytes *
compress (GBytes *tar,
          gsize   block_size)
{
  lzma_stream strm = LZMA_STREAM_INIT;
  lzma_mt mt = { .threads = 1, .block_size = block_size, .preset = 1, .check = LZMA_CHECK_CRC64 };
  gsize len, capacity;
  const guint8 *data = g_bytes_get_data (tar, &len);
  guint8 *out;

  capacity = len + len / 2 + 4096;
  out = g_malloc (capacity);
  if (block_size > 0)
    g_assert_cmpint (lzma_stream_encoder_mt (&strm, &mt), ==, LZMA_OK);
  else
    g_assert_cmpint (lzma_easy_encoder (&strm, 1, LZMA_CHECK_CRC64), ==, LZMA_OK);

  strm.next_in = data;
  strm.avail_in = len;
  strm.next_out = out;
  strm.avail_out = capacity;
  g_assert_cmpint (lzma_code (&strm, LZMA_FINISH), ==, LZMA_STREAM_END);
  len = strm.total_out;
  lzma_end (&strm);
  return g_bytes_new_take (out, len);
}

/* ------------------------------------------------------------ index */

static gsize
index_start (GBytes            *stream,
             lzma_stream_flags *footer)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (stream, &len);

  g_assert_cmpint (lzma_stream_footer_decode (footer, data + len - LZMA_STREAM_HEADER_SIZE), ==,
                   LZMA_OK);
  return len - LZMA_STREAM_HEADER_SIZE - footer->backward_size;
}

static lzma_index *
index_of (GBytes *stream)
{
  lzma_stream_flags footer;
  gsize start = index_start (stream, &footer), pos = start;
  const guint8 *data = g_bytes_get_data (stream, NULL);
  guint64 memlimit = G_MAXUINT64;
  lzma_index *index = NULL;

  g_assert_cmpint (lzma_index_buffer_decode (&index, &memlimit, NULL, data, &pos,
                                             start + footer.backward_size), ==, LZMA_OK);
  return index;
}

/* A block's sizes, as an index records them. */
typedef struct
{
  lzma_vli  unpadded;
  lzma_vli  uncompressed;
} Record;

static GArray *
records_of (GBytes *stream)
{
  lzma_index *index = index_of (stream);
  GArray *records = g_array_new (FALSE, FALSE, sizeof (Record));
  lzma_index_iter iter;

  lzma_index_iter_init (&iter, index);
  while (!lzma_index_iter_next (&iter, LZMA_INDEX_ITER_BLOCK))
    g_array_append_val (records, ((Record) { iter.block.unpadded_size,
                                             iter.block.uncompressed_size }));
  lzma_index_end (index, NULL);
  return records;
}

/* The stream with its blocks, and an index of @records in place of its
 * own, as a hostile writer would make it: every checksum right. NULL when
 * liblzma refuses the records. */
static GBytes *
with_index (GBytes *stream,
            GArray *records)
{
  lzma_stream_flags footer;
  gsize start = index_start (stream, &footer), pos = start, size;
  lzma_index *index = lzma_index_init (NULL);
  guint8 *out;

  for (guint i = 0; i < records->len; i++)
    {
      const Record *r = &g_array_index (records, Record, i);

      if (lzma_index_append (index, NULL, r->unpadded, r->uncompressed) != LZMA_OK)
        {
          lzma_index_end (index, NULL);
          return NULL;
        }
    }

  size = start + lzma_index_size (index) + LZMA_STREAM_HEADER_SIZE;
  out = g_malloc (size);
  memcpy (out, g_bytes_get_data (stream, NULL), start);
  g_assert_cmpint (lzma_index_buffer_encode (index, out, &pos, size), ==, LZMA_OK);
  footer.backward_size = lzma_index_size (index);
  g_assert_cmpint (lzma_stream_footer_encode (&footer, out + pos), ==, LZMA_OK);
  lzma_index_end (index, NULL);
  return g_bytes_new_take (out, size);
}

/* ----------------------------------------------------------- reading */

/* Hands the stream on in parts of PART_SIZE; the parts in @gaps are
 * gaps of their length. */
typedef struct
{
  const guint8  *data;
  gsize          len;
  gsize          pos;
  guint64        gaps;
} Reader;

static gssize
read_cb (gpointer      user_data,
         const void  **buffer,
         GError      **error)
{
  Reader *reader = user_data;
  guint part = reader->pos / PART_SIZE;
  gsize n = MIN (PART_SIZE, reader->len - reader->pos);

  *buffer = reader->data + reader->pos;
  reader->pos += n;
  if (n > 0 && part < 64 && (reader->gaps & ((guint64) 1 << part)) != 0)
    {
      *buffer = NULL;
      g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED, "Part %u is damaged.", part + 1);
    }
  return n;
}

/* Nothing but the file was left: no spool, no temporary file. */
static void
assert_empty (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);

  g_assert_nonnull (dir);
  g_assert_null (g_dir_read_name (dir));
}

typedef struct
{
  gboolean        ok;
  GError         *error;
  QrRestoreFile  *report;
  guint8         *output;
  gsize           size;
} Result;

static void
result_clear (Result *result)
{
  g_clear_error (&result->error);
  g_clear_object (&result->report);
  g_clear_pointer (&result->output, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

static void
extract (Fixture *fixture,
         GBytes  *stream,
         guint64  gaps,
         Result  *result)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  QrExtractJob job = { 0 };
  Reader reader = { 0 };
  struct stat st;

  reader.data = g_bytes_get_data (stream, &reader.len);
  reader.gaps = gaps;
  job.kind = QR_EXTRACT_SINGLE_FILE;
  job.compression_filter = "xz";
  job.series_path = "vm12/private.img";
  job.strip_prefix = "vm12/";
  job.dir_fd = fixture->dir_fd;
  job.files = files;
  job.report = result->report = qr_restore_file_new ("private.img");

  result->ok = qr_extract_stream (&job, read_cb, &reader, NULL, &result->error);
  g_assert_true (result->ok == (result->error == NULL));

  /* Only the file itself, never larger than its tar header says, and
   * nothing stored on the disk beyond its size. */
  if (fstatat (fixture->dir_fd, "private.img", &st, AT_SYMLINK_NOFOLLOW) == 0)
    {
      g_autofree char *path = g_build_filename (fixture->dir, "private.img", NULL);

      g_assert_true (S_ISREG (st.st_mode));
      g_assert_cmpint (st.st_size, ==, FILE_SIZE);
      g_assert_cmpint (st.st_blocks * 512, <=, FILE_SIZE + 4096);
      g_assert_true (g_file_get_contents (path, (char **) &result->output, &result->size, NULL));
      g_assert_cmpint (unlinkat (fixture->dir_fd, "private.img", 0), ==, 0);
    }
  assert_empty (fixture->dir);
}

/* --------------------------------------------------------- reference */

/* Where a block lies, from the index of the whole stream. */
static void
block_at (GBytes    *stream,
          guint      n,
          QrXzPlace *place)
{
  QrXzLayout layout = { 0 };
  lzma_index *index = index_of (stream);
  lzma_index_iter iter;

  lzma_index_iter_init (&iter, index);
  for (guint i = 0; i <= n; i++)
    g_assert_false (lzma_index_iter_next (&iter, LZMA_INDEX_ITER_BLOCK));
  _qr_extract_xz_place (&layout, &iter, place);
  lzma_index_end (index, NULL);
}

/* How much a decoder in order gives from the first @len bytes. */
static gsize
decodable_front (GBytes *stream,
                 gsize   len)
{
  lzma_stream strm = LZMA_STREAM_INIT;
  g_autofree guint8 *out = g_malloc (FILE_SIZE * 2);

  g_assert_cmpint (lzma_stream_decoder (&strm, G_MAXUINT64, 0), ==, LZMA_OK);
  strm.next_in = g_bytes_get_data (stream, NULL);
  strm.avail_in = len;
  strm.next_out = out;
  strm.avail_out = FILE_SIZE * 2;
  g_assert_cmpint (lzma_code (&strm, LZMA_RUN), ==, LZMA_OK);
  len = strm.total_out;
  lzma_end (&strm);
  return len;
}

/* Every byte of the file outside its missing ranges is the original,
 * every byte inside reads as zero. */
static void
assert_recovered_bytes (Fixture *fixture,
                        Result  *result)
{
  const GArray *missing = qr_restore_file_get_missing_ranges (result->report);
  guint64 pos = 0;

  g_assert_nonnull (result->output);
  for (guint i = 0; i <= missing->len; i++)
    {
      const QrRestoreRange *range = i < missing->len
                                    ? &g_array_index (missing, QrRestoreRange, i) : NULL;
      guint64 end = range != NULL ? range->offset : FILE_SIZE;

      g_assert_cmpuint (end, >=, pos);
      g_assert_true (memcmp (result->output + pos, fixture->plain + pos, end - pos) == 0);
      if (range == NULL)
        break;
      g_assert_cmpuint (range->offset + range->length, <=, FILE_SIZE);
      for (guint64 j = range->offset; j < range->offset + range->length; j++)
        g_assert_cmpint (result->output[j], ==, 0);
      pos = range->offset + range->length;
    }
}

/* ---------------------------------------------------------- fixtures */

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->plain = make_content ();
  fixture->tar = make_tar (fixture->plain);
  fixture->dir = g_dir_make_tmp ("qr-test-xz-XXXXXX", NULL);
  g_assert_nonnull (fixture->dir);
  fixture->dir_fd = open (fixture->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  g_assert_cmpint (fixture->dir_fd, >=, 0);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  close (fixture->dir_fd);
  g_assert_cmpint (g_rmdir (fixture->dir), ==, 0);
  g_free (fixture->dir);
  g_bytes_unref (fixture->tar);
  g_free (fixture->plain);
}

/* ------------------------------------------------------------- tests */

/* The part lost in the middle: exactly the blocks it touches are
 * missing, from where the decoder in order stopped to the end of the last
 * block it touches; every later block is back at its place. */
static void
test_blocks_after_gap (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GBytes) stream = compress (fixture->tar, BLOCK_SIZE);
  g_auto(Result) result = { 0 };
  guint gap = 6, last_lost = 0, placed = 0;
  gsize front = decodable_front (stream, gap * PART_SIZE);
  const GArray *missing;
  lzma_index *index = index_of (stream);
  guint n_blocks = lzma_index_block_count (index);

  lzma_index_end (index, NULL);
  g_assert_cmpuint (n_blocks, >, 10);
  g_assert_cmpuint (g_bytes_get_size (stream), >, (gap + 8) * PART_SIZE);

  for (guint i = 0; i < n_blocks; i++)
    {
      QrXzPlace place;

      block_at (stream, i, &place);
      if (place.c < (gap + 1) * PART_SIZE && place.c_end > gap * PART_SIZE)
        last_lost = i;
      else if (place.c >= (gap + 1) * PART_SIZE)
        placed++;
    }
  g_assert_cmpuint (placed, >, 3);

  extract (fixture, stream, (guint64) 1 << gap, &result);
  g_assert_true (result.ok);
  g_assert_cmpint (qr_restore_file_get_state (result.report), ==, QR_RESTORE_FILE_PARTIAL);
  assert_recovered_bytes (fixture, &result);

  missing = qr_restore_file_get_missing_ranges (result.report);
  g_assert_cmpuint (missing->len, ==, 1);
  {
    QrXzPlace lost;

    block_at (stream, last_lost, &lost);
    g_assert_cmpuint (g_array_index (missing, QrRestoreRange, 0).offset, ==, front - HEADER);
    g_assert_cmpuint (g_array_index (missing, QrRestoreRange, 0).length, ==, lost.u_end - front);
  }
}

/* Two parts lost far apart: two missing ranges, the blocks between them
 * and after the second back at their places. */
static void
test_two_gaps (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GBytes) stream = compress (fixture->tar, BLOCK_SIZE);
  g_auto(Result) result = { 0 };

  extract (fixture, stream, ((guint64) 1 << 3) | ((guint64) 1 << 20), &result);
  g_assert_true (result.ok);
  g_assert_cmpuint (qr_restore_file_get_missing_ranges (result.report)->len, ==, 2);
  g_assert_cmpuint (qr_restore_file_get_recovered (result.report), >, FILE_SIZE / 2);
  assert_recovered_bytes (fixture, &result);
}

/* One block, as xz writes without threads: it stops at the gap and says
 * why; the front is kept. */
static void
test_one_block (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GBytes) stream = compress (fixture->tar, 0);
  g_auto(Result) result = { 0 };
  gsize front = decodable_front (stream, 6 * PART_SIZE);
  const GArray *missing;

  extract (fixture, stream, (guint64) 1 << 6, &result);
  g_assert_false (result.ok);
  g_assert_nonnull (strstr (result.error->message, "Part 7 is damaged."));
  g_assert_nonnull (strstr (result.error->message, "one single block"));
  assert_recovered_bytes (fixture, &result);
  missing = qr_restore_file_get_missing_ranges (result.report);
  g_assert_cmpuint (missing->len, ==, 1);
  g_assert_cmpuint (g_array_index (missing, QrRestoreRange, 0).offset, ==, front - HEADER);
  g_assert_cmpuint (g_array_index (missing, QrRestoreRange, 0).length, ==,
                    FILE_SIZE + HEADER - front);
}

/* The part holding the index lost: nothing after the gap is placed. */
static void
test_index_lost (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GBytes) stream = compress (fixture->tar, BLOCK_SIZE);
  g_auto(Result) result = { 0 };
  guint last = (g_bytes_get_size (stream) - 1) / PART_SIZE;

  extract (fixture, stream, ((guint64) 1 << 5) | ((guint64) 1 << last), &result);
  g_assert_false (result.ok);
  g_assert_nonnull (strstr (result.error->message, "was lost as well"));
  assert_recovered_bytes (fixture, &result);
}

/* A block after the gap said by the index to hold more than it does. */
static void
test_index_lies_about_a_block (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GBytes) stream = compress (fixture->tar, BLOCK_SIZE);
  g_autoptr(GArray) records = records_of (stream);
  g_autoptr(GBytes) hostile = NULL;
  g_auto(Result) result = { 0 };

  g_array_index (records, Record, records->len - 3).uncompressed += 4096;
  hostile = with_index (stream, records);
  extract (fixture, hostile, (guint64) 1 << 4, &result);
  g_assert_false (result.ok);
  g_assert_nonnull (strstr (result.error->message, "does not match the data"));
  assert_recovered_bytes (fixture, &result);
}

/* A block's place shifted by the index, the sizes still adding up. */
static void
test_index_shifts_blocks (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GBytes) stream = compress (fixture->tar, BLOCK_SIZE);
  g_autoptr(GArray) records = records_of (stream);
  g_autoptr(GBytes) hostile = NULL;
  g_auto(Result) result = { 0 };

  g_array_index (records, Record, records->len - 4).unpadded += 4;
  g_array_index (records, Record, records->len - 3).unpadded -= 4;
  hostile = with_index (stream, records);
  extract (fixture, hostile, (guint64) 1 << 4, &result);
  g_assert_false (result.ok);
  g_assert_nonnull (strstr (result.error->message, "does not match the data"));
  assert_recovered_bytes (fixture, &result);
}

/* A lost block claiming a terabyte: not believed. */
static void
test_index_absurd_size (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GBytes) stream = compress (fixture->tar, BLOCK_SIZE);
  g_autoptr(GArray) records = records_of (stream);
  g_autoptr(GBytes) hostile = NULL;
  g_auto(Result) result = { 0 };
  QrXzPlace place;
  guint lost = 0;

  /* The block that holds the start of part 5. */
  for (guint i = 0; i < records->len; i++)
    {
      block_at (stream, i, &place);
      if (place.c <= 4 * PART_SIZE && place.c_end > 4 * PART_SIZE)
        lost = i;
    }

  g_array_index (records, Record, lost).uncompressed = (guint64) 1 << 40;
  hostile = with_index (stream, records);
  extract (fixture, hostile, (guint64) 1 << 4, &result);
  g_assert_false (result.ok);
  g_assert_nonnull (strstr (result.error->message, "does not match the data"));
  assert_recovered_bytes (fixture, &result);
}

/* Indexes of random lies, every checksum right, and gaps anywhere:
 * nothing crashes, nothing is written outside the file's size, and the
 * bytes in front of the first gap are always the original ones. */
static void
test_index_random_lies (Fixture       *fixture,
                        gconstpointer  data)
{
  static const lzma_vli deltas[] = { 1, 4, 512, 4096, 65536, (lzma_vli) 1 << 31,
                                     (lzma_vli) 1 << 50, LZMA_VLI_MAX / 2 };
  g_autoptr(GBytes) stream = compress (fixture->tar, BLOCK_SIZE);
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);
  guint n_parts = (g_bytes_get_size (stream) + PART_SIZE - 1) / PART_SIZE;

  for (guint round = 0; round < 150; round++)
    {
      g_autoptr(GArray) records = records_of (stream);
      g_autoptr(GBytes) hostile = NULL;
      g_auto(Result) result = { 0 };
      guint64 gaps = (guint64) 1 << g_rand_int_range (rand, 1, n_parts - 1);

      for (guint lies = g_rand_int_range (rand, 1, 4); lies > 0; lies--)
        {
          Record *r = &g_array_index (records, Record, g_rand_int_range (rand, 0, records->len));
          lzma_vli *field = g_rand_boolean (rand) ? &r->unpadded : &r->uncompressed;
          lzma_vli delta = deltas[g_rand_int_range (rand, 0, G_N_ELEMENTS (deltas))];

          *field = g_rand_boolean (rand) ? *field + delta : *field - MIN (*field, delta);
        }

      if (g_rand_boolean (rand))
        gaps |= (guint64) 1 << g_rand_int_range (rand, 1, n_parts - 1);

      if ((hostile = with_index (stream, records)) == NULL)
        continue;
      extract (fixture, hostile, gaps, &result);
      g_assert_true (result.error == NULL || result.error->domain == QR_ERROR);
      if (result.output != NULL)
        {
          const GArray *missing = qr_restore_file_get_missing_ranges (result.report);
          gsize front = missing->len > 0 ? g_array_index (missing, QrRestoreRange, 0).offset
                                         : FILE_SIZE;

          g_assert_true (memcmp (result.output, fixture->plain, front) == 0);
        }
    }
}

/* The placement of blocks by an index: what agrees with the decoding in
 * order, and what does not. Five blocks of 100 compressed and 1000 plain
 * bytes, the first at 12, after the stream header. */
static void
test_index_check (void)
{
  lzma_index *index = lzma_index_init (NULL);
  QrXzLayout layout = { 0 };
  lzma_index_iter iter;
  QrXzPlace place;

  for (guint i = 0; i < 5; i++)
    g_assert_cmpint (lzma_index_append (index, NULL, 100, 1000), ==, LZMA_OK);

  lzma_index_iter_init (&iter, index);
  g_assert_false (lzma_index_iter_next (&iter, LZMA_INDEX_ITER_BLOCK));
  g_assert_false (lzma_index_iter_next (&iter, LZMA_INDEX_ITER_BLOCK));
  layout.anchor_c = 1000;
  layout.anchor_u = 50000;
  _qr_extract_xz_place (&layout, &iter, &place);
  g_assert_cmpuint (place.c, ==, 1000 + 12 + 100);
  g_assert_cmpuint (place.c_end, ==, 1000 + 12 + 200);
  g_assert_cmpuint (place.u, ==, 51000);
  g_assert_cmpuint (place.u_end, ==, 52000);

  /* The gap in block 2, the decoder 300 bytes into it. */
  layout.gap_c = 1000 + 12 + 250;
  layout.u_reached = 52300;
  g_assert_true (_qr_extract_xz_index_check (index, &layout));

  /* The decoder beyond the block the gap cut, or before its start. */
  layout.u_reached = 53001;
  g_assert_false (_qr_extract_xz_index_check (index, &layout));
  layout.u_reached = 51999;
  g_assert_false (_qr_extract_xz_index_check (index, &layout));

  /* The gap at the start of block 2: the decoder exactly at its start. */
  layout.gap_c = 1000 + 12 + 200;
  layout.u_reached = 52000;
  g_assert_true (_qr_extract_xz_index_check (index, &layout));
  layout.u_reached = 52001;
  g_assert_false (_qr_extract_xz_index_check (index, &layout));

  /* The gap in the index: the decoder went through every block. */
  layout.gap_c = 1000 + 12 + 500 + 4;
  layout.u_reached = 55000;
  g_assert_true (_qr_extract_xz_index_check (index, &layout));
  layout.u_reached = 54999;
  g_assert_false (_qr_extract_xz_index_check (index, &layout));

  /* A stream beyond any disk. */
  layout.gap_c = 1000 + 12 + 200;
  layout.u_reached = 52000;
  layout.anchor_u = QR_XZ_MAX_STREAM_SIZE - 4000;
  g_assert_false (_qr_extract_xz_index_check (index, &layout));
  lzma_index_end (index, NULL);

  /* A block of 100 bytes claiming more than LZMA2 can make of them. */
  index = lzma_index_init (NULL);
  g_assert_cmpint (lzma_index_append (index, NULL, 100, 1000), ==, LZMA_OK);
  g_assert_cmpint (lzma_index_append (index, NULL, 100, (guint64) 100 * 65536 + 65536), ==,
                   LZMA_OK);
  layout = (QrXzLayout) { 0, 0, 12 + 100, 1000 };
  g_assert_false (_qr_extract_xz_index_check (index, &layout));
  lzma_index_end (index, NULL);
}

/* The gaps of a spool found wherever they lie, touching ones joined. */
static void
test_spool_gaps (void)
{
  g_autoptr(GError) error = NULL;
  QrXzSpool *spool = _qr_extract_xz_spool_new (-1, 1000, "vm12/private.img", &error);
  guint8 data[100] = { 1 }, back[100];

  g_assert_no_error (error);
  g_assert_true (_qr_extract_xz_spool_add_gap (spool, 50,
                                               g_error_new_literal (QR_ERROR, QR_ERROR_DAMAGED,
                                                                    "first")));
  g_assert_true (_qr_extract_xz_spool_add_gap (spool, 50,
                                               g_error_new_literal (QR_ERROR, QR_ERROR_DAMAGED,
                                                                    "second")));
  g_assert_true (_qr_extract_xz_spool_write (spool, data, 100, &error));
  g_assert_true (_qr_extract_xz_spool_add_gap (spool, 10, NULL));
  g_assert_true (_qr_extract_xz_spool_write (spool, data, 100, &error));

  g_assert_cmpstr (_qr_extract_xz_spool_get_reason (spool)->message, ==, "first");
  g_assert_cmpuint (_qr_extract_xz_spool_get_end (spool), ==, 1310);
  g_assert_false (_qr_extract_xz_spool_is_verified (spool, 999, 1000));
  g_assert_false (_qr_extract_xz_spool_is_verified (spool, 1099, 1101));
  g_assert_true (_qr_extract_xz_spool_is_verified (spool, 1100, 1200));
  g_assert_false (_qr_extract_xz_spool_is_verified (spool, 1100, 1201));
  g_assert_false (_qr_extract_xz_spool_is_verified (spool, 1205, 1215));
  g_assert_true (_qr_extract_xz_spool_is_verified (spool, 1210, 1310));
  g_assert_false (_qr_extract_xz_spool_is_verified (spool, 1210, 1311));
  g_assert_cmpuint (_qr_extract_xz_spool_run_start (spool, 1300), ==, 1210);
  g_assert_cmpuint (_qr_extract_xz_spool_run_start (spool, 1150), ==, 1100);
  g_assert_true (_qr_extract_xz_spool_read (spool, 1210, 100, back, &error));
  g_assert_cmpint (memcmp (back, data, 100), ==, 0);
  g_assert_false (_qr_extract_xz_spool_read (spool, 1050, 100, back, &error));
  g_assert_no_error (error);

  /* A gap that would take the stream past any real size. */
  g_assert_false (_qr_extract_xz_spool_add_gap (spool, QR_XZ_MAX_STREAM_SIZE, NULL));
  g_assert_false (_qr_extract_xz_spool_add_gap (spool, G_MAXUINT64, NULL));
  _qr_extract_xz_spool_free (spool);
}

static void
add (const char *path,
     void (*func) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  add ("/extract-xz/blocks-after-gap", test_blocks_after_gap);
  add ("/extract-xz/two-gaps", test_two_gaps);
  add ("/extract-xz/one-block", test_one_block);
  add ("/extract-xz/index-lost", test_index_lost);
  add ("/extract-xz/hostile/index-lies-about-a-block", test_index_lies_about_a_block);
  add ("/extract-xz/hostile/index-shifts-blocks", test_index_shifts_blocks);
  add ("/extract-xz/hostile/index-absurd-size", test_index_absurd_size);
  add ("/extract-xz/hostile/index-random-lies", test_index_random_lies);
  g_test_add_func ("/extract-xz/index-check", test_index_check);
  g_test_add_func ("/extract-xz/spool-gaps", test_spool_gaps);

  return g_test_run ();
}
