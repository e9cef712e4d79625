/* test-restore-codec.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "qr-error.h"
#include "qr-restore-codec-stream.h"
#include "qr-restore-codec-volumes.h"

#define PASSPHRASE "correct horse battery staple"
#define TAPE_KIB   100

/* Parts of formats 2 and 3 as the real tools make them, decoded part by
 * part, the way the file reader hands them over once proven. */

static char *workdir;

static guint8 *
random_data (gsize  len,
             guint  seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint8 *data = g_malloc (len);

  for (gsize i = 0; i < len; i++)
    data[i] = g_rand_int (rand);
  return data;
}

static GBytes *
run_with_input (const char * const *argv,
                GBytes             *input)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GError) error = NULL;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate (process, input, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (process));
  return g_steal_pointer (&out);
}

/* `openssl enc`, as the writers of formats 2 and 3 ran it. */
static GBytes *
openssl_enc (GBytes *plain)
{
  const char *argv[] = { "openssl", "enc", "-e", "-aes-256-cbc", "-md", "md5",
                         "-pass", "pass:" PASSPHRASE, NULL };

  return run_with_input (argv, plain);
}

static QrHeader *
header_new (guint       version,
            gboolean    encrypted,
            const char *filter)
{
  QrHeader *header = g_new0 (QrHeader, 1);

  header->version = version;
  header->encrypted = encrypted;
  header->compressed = filter != NULL;
  header->compression_filter = g_strdup (filter);
  header->hmac_algorithm = g_strdup ("SHA512");
  header->crypto_algorithm = g_strdup ("aes-256-cbc");
  return header;
}

/* A series of @n parts whose members only say how large each part is;
 * decode() reads nothing else of them. */
static QrSeries *
series_new (const gsize *sizes,
            guint        n)
{
  QrSeries *series = g_new0 (QrSeries, 1);

  series->path = g_strdup ("vm5/private.img");
  series->chunks = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < n; i++)
    {
      QrArchiveMember *member = g_new0 (QrArchiveMember, 1);

      member->size = sizes[i];
      g_ptr_array_add (series->chunks, member);
    }
  return series;
}

static void
series_free (QrSeries *series)
{
  g_free (series->path);
  g_ptr_array_unref (series->chunks);
  g_free (series);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrSeries, series_free)

/* Decodes @stored, cut into parts of @sizes; returns the joined plaintext,
 * or %NULL with @error from the part that failed. */
static GBytes *
decode_parts (QrRestoreCodec  *codec,
              GBytes          *stored,
              const gsize     *sizes,
              guint            n,
              GError         **error)
{
  g_autoptr(QrSeries) series = series_new (sizes, n);
  g_autoptr(GByteArray) plain = g_byte_array_new ();
  const guint8 *data = g_bytes_get_data (stored, NULL);
  gsize offset = 0;

  qr_restore_codec_begin_series (codec, series);
  for (guint i = 0; i < n; i++)
    {
      const QrArchiveMember *member = g_ptr_array_index (series->chunks, i);
      gsize output_size = qr_restore_codec_output_size (codec, member);
      g_autofree guint8 *buffer = g_memdup2 (data + offset, MAX (sizes[i], 1));
      g_autofree guint8 *output = output_size > 0 ? g_malloc (output_size) : NULL;
      QrRestorePlain result;

      if (!qr_restore_codec_decode (codec, series, i, buffer, sizes[i], i + 1 == n, output,
                                    output_size, &result, error))
        return NULL;

      /* Plaintext stays in the part's own buffer only when nothing decodes it. */
      g_assert_true (result.buffer == (output_size > 0 ? output : buffer));
      g_byte_array_append (plain, result.buffer + result.offset, result.length);
      offset += sizes[i];
    }

  g_assert_cmpuint (offset, ==, g_bytes_get_size (stored));
  return g_byte_array_free_to_bytes (g_steal_pointer (&plain));
}

/* Cuts @total bytes into parts of the given sizes, the rest in the last. */
static guint
cut (gsize        total,
     const gsize *first,
     guint        n_first,
     gsize       *sizes)
{
  gsize used = 0;

  for (guint i = 0; i < n_first; i++)
    {
      sizes[i] = first[i];
      used += first[i];
    }
  sizes[n_first] = total - used;
  return n_first + 1;
}

/* Format 3 cut a file's one openssl stream anywhere: even the salt may be
 * split, and only the first part begins with "Salted__". */
static void
test_stream_across_parts (void)
{
  g_autoptr(QrHeader) header = header_new (3, TRUE, "gzip");
  g_autoptr(QrRestoreCodec) codec = qr_restore_codec_stream_new (header, PASSPHRASE);
  g_autofree guint8 *data = random_data (100000, 3);
  g_autoptr(GBytes) plain = g_bytes_new (data, 100000);
  g_autoptr(GBytes) stored = openssl_enc (plain);
  g_autoptr(GBytes) decoded = NULL;
  g_autoptr(GError) error = NULL;
  const gsize first[] = { 1, 9, 7, 4096, 333, 16, 17 };
  gsize sizes[G_N_ELEMENTS (first) + 1];
  guint n = cut (g_bytes_get_size (stored), first, G_N_ELEMENTS (first), sizes);

  decoded = decode_parts (codec, stored, sizes, n, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (decoded, plain));

  /* A stream that ended on a part's boundary leaves an empty last part. */
  {
    gsize whole[] = { g_bytes_get_size (stored), 0 };

    g_clear_pointer (&decoded, g_bytes_unref);
    decoded = decode_parts (codec, stored, whole, 2, &error);
    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (decoded, plain));
  }
}

/* Its last part missing, the stream ends without its padding: the file
 * is cut short, whatever it held until then. */
static void
test_stream_cut_short (void)
{
  g_autoptr(QrHeader) header = header_new (3, TRUE, NULL);
  g_autoptr(QrRestoreCodec) codec = qr_restore_codec_stream_new (header, PASSPHRASE);
  g_autofree guint8 *data = random_data (50000, 4);
  g_autoptr(GBytes) plain = g_bytes_new (data, 50000);
  g_autoptr(GBytes) whole = openssl_enc (plain);
  g_autoptr(GBytes) stored = g_bytes_new_from_bytes (whole, 0, 40000);
  g_autoptr(GBytes) decoded = NULL;
  g_autoptr(GError) error = NULL;
  const gsize sizes[] = { 20000, 20000 };

  decoded = decode_parts (codec, stored, sizes, 2, &error);
  g_assert_error (error, QR_ERROR, QR_ERROR_TRUNCATED);
  g_assert_null (decoded);
}

/* Unencrypted, a part is its own plaintext, even after a part left out
 * (salvage); encrypted, a part cannot be read without the one before. */
static void
test_stream_skip (void)
{
  g_autoptr(QrHeader) plain_header = header_new (3, FALSE, NULL);
  g_autoptr(QrHeader) header = header_new (3, TRUE, NULL);
  g_autoptr(QrRestoreCodec) plain_codec = qr_restore_codec_stream_new (plain_header, PASSPHRASE);
  g_autoptr(QrRestoreCodec) codec = qr_restore_codec_stream_new (header, PASSPHRASE);
  const gsize sizes[] = { 64, 64, 64 };
  g_autoptr(QrSeries) series = series_new (sizes, 3);
  g_autofree guint8 *data = random_data (64, 5);
  guint8 output[64 + 64];
  g_autoptr(GError) error = NULL;
  QrRestorePlain result;

  qr_restore_codec_begin_series (plain_codec, series);
  qr_restore_codec_skip (plain_codec, series, 0);
  g_assert_cmpuint (qr_restore_codec_plain_length (plain_codec, series, 0), ==, 64);
  g_assert_true (qr_restore_codec_decode (plain_codec, series, 1, data, 64, FALSE, NULL, 0,
                                          &result, &error));
  g_assert_no_error (error);
  g_assert_true (result.buffer == data && result.offset == 0 && result.length == 64);

  qr_restore_codec_begin_series (codec, series);
  g_assert_cmpuint (qr_restore_codec_plain_length (codec, series, 0), ==, 64 - 16);
  qr_restore_codec_skip (codec, series, 0);
  g_assert_false (qr_restore_codec_decode (codec, series, 1, data, 64, FALSE, output,
                                           sizeof output, &result, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
}

static void
remove_tree (const char *path)
{
  const char *argv[] = { "rm", "-rf", path, NULL };
  int status;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               NULL, NULL, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* A volume a part, as `tar --tape-length` wrote them. */
static GPtrArray *
make_volumes (const char *source)
{
  g_autofree char *dir = g_build_filename (workdir, "volumes", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *volumes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GError) error = NULL;
  int status;

  remove_tree (dir);
  g_assert_no_errno (g_mkdir (dir, 0700));

  g_ptr_array_add (argv, g_strdup ("tar"));
  g_ptr_array_add (argv, g_strdup ("-c"));
  g_ptr_array_add (argv, g_strdup ("--sparse"));
  g_ptr_array_add (argv, g_strdup ("--format=gnu"));
  g_ptr_array_add (argv, g_strdup ("-M"));
  g_ptr_array_add (argv, g_strdup_printf ("--tape-length=%d", TAPE_KIB));
  g_ptr_array_add (argv, g_strdup ("--xform=s:^:vm5/\\0:"));
  g_ptr_array_add (argv, g_strdup ("-C"));
  g_ptr_array_add (argv, g_strdup (source));
  for (guint i = 0; i < 20; i++)
    g_ptr_array_add (argv, g_strdup_printf ("--file=%s/vol.%02u", dir, i));
  g_ptr_array_add (argv, g_strdup ("home"));
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL,
                G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/vol.%02u", dir, i);
      g_autofree char *contents = NULL;
      gsize len;

      if (!g_file_get_contents (path, &contents, &len, NULL))
        break;
      g_ptr_array_add (volumes, g_bytes_new_take (g_steal_pointer (&contents), len));
    }

  g_assert_cmpuint (volumes->len, >=, 3);
  return volumes;
}

/* Each volume alone through gzip, openssl enc, or openssl enc and then
 * zlib (`openssl enc -z`), decoded part by part and joined again. */
static void
check_volumes (const char *filter,
               gboolean    encrypted)
{
  g_autofree char *source = g_build_filename (workdir, "source", NULL);
  g_autofree char *home = g_build_filename (source, "home", NULL);
  g_autofree char *big = g_build_filename (home, "big.bin", NULL);
  g_autofree guint8 *data = random_data (700000, 6);
  g_autoptr(GPtrArray) volumes = NULL;
  g_autoptr(GByteArray) stored = g_byte_array_new ();
  g_autoptr(GBytes) stored_bytes = NULL;
  g_autoptr(GBytes) joined = NULL;
  g_autoptr(GBytes) restored = NULL;
  g_autoptr(QrHeader) header = header_new (2, encrypted, filter);
  g_autoptr(QrRestoreCodec) codec = qr_restore_codec_volumes_new (header, PASSPHRASE);
  g_autoptr(GError) error = NULL;
  g_autofree gsize *sizes = NULL;

  if (!g_file_test (big, G_FILE_TEST_EXISTS))
    {
      g_assert_no_errno (g_mkdir_with_parents (home, 0755));
      g_file_set_contents (big, (const char *) data, 700000, &error);
      g_assert_no_error (error);
    }

  volumes = make_volumes (source);
  sizes = g_new (gsize, volumes->len);
  for (guint i = 0; i < volumes->len; i++)
    {
      g_autoptr(GBytes) part = g_bytes_ref (g_ptr_array_index (volumes, i));
      const char *gzip[] = { "gzip", "-c", NULL };

      if (encrypted)
        {
          g_autoptr(GBytes) ciphertext = openssl_enc (part);

          g_bytes_unref (part);
          part = g_bytes_ref (ciphertext);
          if (filter != NULL)
            {
              g_autoptr(GConverter) zlib =
                G_CONVERTER (g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, -1));
              g_autoptr(GInputStream) in = g_memory_input_stream_new_from_bytes (ciphertext);
              g_autoptr(GInputStream) z = g_converter_input_stream_new (in, zlib);
              g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

              g_output_stream_splice (out, z, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
              g_assert_no_error (error);
              g_bytes_unref (part);
              part = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
            }
        }
      else if (filter != NULL)
        {
          g_autoptr(GBytes) compressed = run_with_input (gzip, part);

          g_bytes_unref (part);
          part = g_bytes_ref (compressed);
        }

      sizes[i] = g_bytes_get_size (part);
      g_byte_array_append (stored, g_bytes_get_data (part, NULL), sizes[i]);
    }

  stored_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&stored));
  joined = decode_parts (codec, stored_bytes, sizes, volumes->len, &error);
  g_assert_no_error (error);

  /* The joined stream is one tar, which GNU tar reads without -M. */
  {
    g_autofree char *tar = g_build_filename (workdir, "joined.tar", NULL);
    g_autofree char *out = g_build_filename (workdir, "out", NULL);
    const char *argv[] = { "tar", "-xf", tar, "-C", out, NULL };
    g_autofree char *restored_path = g_build_filename (out, "vm5", "home", "big.bin", NULL);
    g_autofree char *contents = NULL;
    gsize len;
    int status;

    remove_tree (out);
    g_assert_no_errno (g_mkdir (out, 0700));
    g_file_set_contents (tar, g_bytes_get_data (joined, NULL), g_bytes_get_size (joined), &error);
    g_assert_no_error (error);
    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                  &status, &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
    g_file_get_contents (restored_path, &contents, &len, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (contents, len, data, 700000);
  }
}

static void
test_volumes_encrypted (void)
{
  check_volumes (NULL, TRUE);
}

static void
test_volumes_encrypted_zlib (void)
{
  check_volumes (QR_HEADER_ZLIB, TRUE);
}

static void
test_volumes_gzip (void)
{
  check_volumes ("gzip", FALSE);
}

static void
test_volumes_plain (void)
{
  check_volumes (NULL, FALSE);
}

/* A volume that unpacks to more than its output can hold is damage. */
static void
test_volumes_overflow (void)
{
  g_autoptr(QrHeader) header = header_new (2, FALSE, "gzip");
  g_autoptr(QrRestoreCodec) codec = qr_restore_codec_volumes_new (header, PASSPHRASE);
  g_autofree guint8 *zeros = g_malloc0 (1024 * 1024);
  g_autoptr(GBytes) plain = g_bytes_new_static (zeros, 1024 * 1024);
  const char *gzip[] = { "gzip", "-c", NULL };
  g_autoptr(GBytes) compressed = run_with_input (gzip, plain);
  gsize size = g_bytes_get_size (compressed);
  g_autoptr(QrSeries) series = series_new (&size, 1);
  g_autofree guint8 *buffer = g_memdup2 (g_bytes_get_data (compressed, NULL), size);
  guint8 output[4096];
  g_autoptr(GError) error = NULL;
  QrRestorePlain result;

  qr_restore_codec_begin_series (codec, series);
  g_assert_false (qr_restore_codec_decode (codec, series, 0, buffer, size, TRUE, output,
                                           sizeof output, &result, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  workdir = g_dir_make_tmp ("qr-codec-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/qr/restore-codec/stream/across-parts", test_stream_across_parts);
  g_test_add_func ("/qr/restore-codec/stream/cut-short", test_stream_cut_short);
  g_test_add_func ("/qr/restore-codec/stream/skip", test_stream_skip);
  g_test_add_func ("/qr/restore-codec/volumes/encrypted", test_volumes_encrypted);
  g_test_add_func ("/qr/restore-codec/volumes/encrypted-zlib", test_volumes_encrypted_zlib);
  g_test_add_func ("/qr/restore-codec/volumes/gzip", test_volumes_gzip);
  g_test_add_func ("/qr/restore-codec/volumes/plain", test_volumes_plain);
  g_test_add_func ("/qr/restore-codec/volumes/overflow", test_volumes_overflow);

  ret = g_test_run ();

  remove_tree (workdir);
  g_free (workdir);
  return ret;
}
