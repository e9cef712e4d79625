/* test-compression.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <gio/gio.h>
#include <string.h>

#include "qr-compression.h"
#include "qr-error.h"
#include "qr-extract.h"

#define CONTENT_SIZE (300 * 1024)
#define RECORD       10240

typedef struct
{
  const char *filter;
  const char *argv[4];
  gboolean    padded;
  gboolean    members;
} Program;

/* The real programs, as `tar --use-compress-program` runs them, and
 * whether the data may end in the zeros tar adds when it writes to a pipe,
 * and whether it may be several streams one after the other, as the
 * parallel tools (pigz, pbzip2, pzstd, plzip) write it.
 * libarchive's zstd reader, like `zstd -d`, takes those zeros for a broken
 * next frame. */
static const Program programs[] = {
  { "gzip", { "gzip", "-c", NULL }, TRUE, TRUE },
  { "bzip2", { "bzip2", "-c", NULL }, TRUE, TRUE },
  { "xz", { "xz", "-c", NULL }, TRUE, TRUE },
  { "lzma", { "xz", "--format=lzma", "-c", NULL }, TRUE, FALSE },
  { "zstd", { "zstd", "-q", "-c", NULL }, FALSE, TRUE },
  { "lz4", { "lz4", "-q", "-c", NULL }, TRUE, TRUE },
  { "lzip", { "lzip", "-c", NULL }, TRUE, TRUE },
  { "compress", { "compress", "-c", "-f", NULL }, TRUE, FALSE },
};

/* One tar member, "vm12/private.img", with text that compresses. */
static GBytes *
make_tar (guint8 **content)
{
  struct archive *writer = archive_write_new ();
  struct archive_entry *entry = archive_entry_new ();
  gsize capacity = CONTENT_SIZE + 64 * 1024;
  guint8 *data = g_malloc (capacity);
  size_t used = 0;

  *content = g_malloc (CONTENT_SIZE);
  for (guint i = 0; i < CONTENT_SIZE; i++)
    (*content)[i] = "qubes backup "[i % 13] + (i / 4096) % 7;

  archive_write_set_format_gnutar (writer);
  archive_write_set_bytes_in_last_block (writer, 1);
  g_assert_cmpint (archive_write_open_memory (writer, data, capacity, &used), ==, ARCHIVE_OK);
  archive_entry_set_pathname (entry, "vm12/private.img");
  archive_entry_set_filetype (entry, AE_IFREG);
  archive_entry_set_perm (entry, 0644);
  archive_entry_set_size (entry, CONTENT_SIZE);
  g_assert_cmpint (archive_write_header (writer, entry), ==, ARCHIVE_OK);
  g_assert_cmpint (archive_write_data (writer, *content, CONTENT_SIZE), ==, CONTENT_SIZE);
  g_assert_cmpint (archive_write_close (writer), ==, ARCHIVE_OK);
  archive_entry_free (entry);
  archive_write_free (writer);

  return g_bytes_new_take (data, used);
}

/* NULL when the program is not installed. */
static GBytes *
run_program (const char * const *argv,
             GBytes             *input)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_find_program_in_path (argv[0]);
  GBytes *output = NULL;

  if (path == NULL)
    return NULL;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate (process, input, NULL, &output, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (process));
  return output;
}

/* What GNU tar writes to a pipe: the compressor's output in whole
 * 10240-byte records, the last one filled with zeros. */
static GBytes *
pad_to_record (GBytes *data)
{
  gsize len = g_bytes_get_size (data);
  gsize padded = (len + RECORD - 1) / RECORD * RECORD;
  guint8 *copy = g_malloc0 (padded);

  memcpy (copy, g_bytes_get_data (data, NULL), len);
  return g_bytes_new_take (copy, padded);
}

static GBytes *
concat (GBytes *a,
        GBytes *b)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  g_byte_array_append (out, g_bytes_get_data (a, NULL), g_bytes_get_size (a));
  g_byte_array_append (out, g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

typedef struct
{
  const guint8 *data;
  gsize         len;
  gsize         pos;
} Reader;

static gssize
read_cb (gpointer      user_data,
         const void  **buffer,
         GError      **error)
{
  Reader *reader = user_data;
  gsize n = MIN (4000, reader->len - reader->pos);

  *buffer = reader->data + reader->pos;
  reader->pos += n;
  return n;
}

static gboolean
extract (GBytes      *stream,
         const char  *filter,
         guint64     *apparent_size,
         GError     **error)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  Reader reader = { g_bytes_get_data (stream, NULL), g_bytes_get_size (stream), 0 };
  QrExtractJob job = { 0 };
  gboolean ret;

  job.kind = QR_EXTRACT_SINGLE_FILE;
  job.compression_filter = filter;
  job.series_path = "vm12/private.img";
  job.strip_prefix = "vm12/";
  job.dir_fd = -1;
  job.files = files;

  ret = qr_extract_stream (&job, read_cb, &reader, NULL, error);
  if (apparent_size != NULL)
    *apparent_size = job.apparent_size;
  return ret;
}

static void
test_program (gconstpointer data)
{
  const Program *program = data;
  g_autofree guint8 *content = NULL;
  g_autoptr(GBytes) tar = make_tar (&content);
  g_autoptr(GBytes) compressed = run_program (program->argv, tar);
  g_autoptr(GBytes) padded = NULL;
  g_autoptr(GBytes) twice = NULL;
  g_autoptr(GError) error = NULL;
  guint64 size = 0;

  if (compressed == NULL)
    {
      g_test_skip ("the program is not installed");
      return;
    }

  g_assert_true (qr_compression_check (program->filter, &error));
  g_assert_no_error (error);

  g_assert_true (extract (compressed, program->filter, &size, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (size, ==, CONTENT_SIZE);

  padded = pad_to_record (compressed);
  g_assert_cmpuint (g_bytes_get_size (padded), >, g_bytes_get_size (compressed));
  g_assert_cmpint (extract (padded, program->filter, NULL, &error), ==, program->padded);
  g_assert_true (program->padded || g_error_matches (error, QR_ERROR, QR_ERROR_DAMAGED));
  g_clear_error (&error);

  /* The same data compressed twice is not what the header says. */
  twice = run_program (program->argv, compressed);
  g_assert_false (extract (twice, program->filter, NULL, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
}

/* pigz, pbzip2 and pzstd write several streams one after the other. */
static void
test_concatenated (gconstpointer data)
{
  const Program *program = data;
  g_autofree guint8 *content = NULL;
  g_autoptr(GBytes) tar = make_tar (&content);
  gsize half = g_bytes_get_size (tar) / 2;
  g_autoptr(GBytes) first = g_bytes_new_from_bytes (tar, 0, half);
  g_autoptr(GBytes) second = g_bytes_new_from_bytes (tar, half, g_bytes_get_size (tar) - half);
  g_autoptr(GBytes) a = run_program (program->argv, first);
  g_autoptr(GBytes) b = run_program (program->argv, second);
  g_autoptr(GBytes) both = NULL;
  g_autoptr(GError) error = NULL;
  guint64 size = 0;

  if (a == NULL)
    {
      g_test_skip ("the program is not installed");
      return;
    }

  if (!program->members)
    {
      g_test_skip ("the format has a single stream");
      return;
    }

  both = concat (a, b);
  g_assert_true (extract (both, program->filter, &size, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (size, ==, CONTENT_SIZE);
}

static void
test_wrong_format (void)
{
  g_autofree guint8 *content = NULL;
  g_autoptr(GBytes) tar = make_tar (&content);
  const char *gzip[] = { "gzip", "-c", NULL };
  g_autoptr(GBytes) compressed = run_program (gzip, tar);
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GError) error = NULL;

  /* gzip data where xz was promised, and plain tar where gzip was. */
  g_assert_false (extract (compressed, "xz", NULL, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_clear_error (&error);

  g_assert_false (extract (tar, "gzip", NULL, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_clear_error (&error);

  /* Compressed data where none was promised. */
  g_assert_false (extract (compressed, NULL, NULL, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_clear_error (&error);

  /* Nothing at all: the stream's chunks are missing. */
  g_assert_false (extract (empty, "gzip", NULL, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_TRUNCATED);
}

/* A filter libarchive would read only by running it is refused by name,
 * with the program to use instead, before any data is read. */
static void
test_external_program (void)
{
  const char *filters[] = { "lrzip", "grzip", "no-such-compressor" };

  for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) stream = g_bytes_new_static ("x", 1);
      g_autofree char *command = g_strdup_printf ("“%s -d”", filters[i]);

      g_assert_false (qr_compression_check (filters[i], &error));
      g_assert_error (error, QR_ERROR, QR_ERROR_UNSUPPORTED_VERSION);
      g_assert_nonnull (strstr (error->message, command));
      g_clear_error (&error);

      g_assert_false (extract (stream, filters[i], NULL, &error));
      g_assert_error (error, QR_ERROR, QR_ERROR_UNSUPPORTED_VERSION);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (programs); i++)
    {
      g_autofree char *path = g_strdup_printf ("/qr/compression/program/%s", programs[i].filter);
      g_autofree char *concat_path = g_strdup_printf ("/qr/compression/concatenated/%s",
                                                      programs[i].filter);

      g_test_add_data_func (path, &programs[i], test_program);
      g_test_add_data_func (concat_path, &programs[i], test_concatenated);
    }

  g_test_add_func ("/qr/compression/wrong-format", test_wrong_format);
  g_test_add_func ("/qr/compression/external-program", test_external_program);

  return g_test_run ();
}
