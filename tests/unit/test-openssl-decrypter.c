/* test-openssl-decrypter.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "qr-error.h"
#include "qr-openssl-decrypter.h"

#define PASSPHRASE "qubes"

/* `openssl enc` as the old writers ran it, with the MD5 key derivation of
 * the OpenSSL 1.0 in their dom0. */
static GBytes *
openssl_enc (const char *passphrase,
             GBytes     *plain)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pass = g_strconcat ("pass:", passphrase, NULL);
  GBytes *output = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                              | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, "openssl", "enc", "-e", "-aes-256-cbc", "-md", "md5",
                              "-pass", pass, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate (process, plain, NULL, &output, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (process));
  return output;
}

static GBytes *
some_data (gsize  len,
           guint  seed)
{
  guint8 *data = g_malloc (len + 1);
  GRand *rand = g_rand_new_with_seed (seed);

  for (gsize i = 0; i < len; i++)
    data[i] = g_rand_int (rand);
  g_rand_free (rand);
  return g_bytes_new_take (data, len);
}

static QrOpensslDecrypter *
decrypter_new (void)
{
  g_autoptr(GError) error = NULL;
  QrOpensslDecrypter *decrypter = qr_openssl_decrypter_new ("aes-256-cbc", PASSPHRASE,
                                                            strlen (PASSPHRASE),
                                                            "vm12/private.img", &error);

  g_assert_no_error (error);
  return decrypter;
}

/* Feeds @input in pieces of random sizes, into output buffers of random
 * sizes, as a reader of chunks would; the stream ends with the input. */
static GBytes *
convert_in_pieces (GConverter  *converter,
                   GBytes      *input,
                   GRand       *rand,
                   GError     **error)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize len;
  const guint8 *data = g_bytes_get_data (input, &len);
  gsize pos = 0;
  guint8 buffer[70000];

  for (;;)
    {
      gsize wanted = g_rand_int_range (rand, 0, 40000);
      gsize piece = MIN (len - pos, wanted);
      gsize room = g_rand_int_range (rand, 1, sizeof buffer);
      GConverterFlags flags = pos + piece == len ? G_CONVERTER_INPUT_AT_END : 0;
      GError *local_error = NULL;
      gsize read = 0;
      gsize written = 0;
      GConverterResult result;

      result = g_converter_convert (converter, data + pos, piece, buffer, room, flags, &read,
                                    &written, &local_error);
      if (result == G_CONVERTER_ERROR)
        {
          /* A buffer too small or a piece too short only asks for more. */
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NO_SPACE)
              || g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
            {
              g_clear_error (&local_error);
              continue;
            }
          g_propagate_error (error, local_error);
          return NULL;
        }

      g_assert_cmpuint (read, <=, piece);
      g_assert_cmpuint (written, <=, room);
      g_byte_array_append (out, buffer, written);
      pos += read;
      if (result == G_CONVERTER_FINISHED)
        {
          g_assert_cmpuint (pos, ==, len);
          return g_byte_array_free_to_bytes (g_steal_pointer (&out));
        }
    }
}

static void
test_sizes (void)
{
  const gsize sizes[] = { 0, 1, 15, 16, 17, 4096, 100000, 1000003 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(GBytes) plain = some_data (sizes[i], i);
      g_autoptr(GBytes) cipher = openssl_enc (PASSPHRASE, plain);
      g_autoptr(QrOpensslDecrypter) decrypter = decrypter_new ();
      g_autoptr(GBytes) result = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("size %" G_GSIZE_FORMAT, sizes[i]);
      g_assert_true (memcmp (g_bytes_get_data (cipher, NULL), "Salted__", 8) == 0);
      result = convert_in_pieces (G_CONVERTER (decrypter), cipher, rand, &error);
      g_assert_no_error (error);
      g_assert_true (g_bytes_equal (result, plain));
    }
}

/* Version 3 cut one stream into chunks; a GConverterInputStream reads it
 * as the extractor would pull it. */
static void
test_input_stream (void)
{
  g_autoptr(GBytes) plain = some_data (300000, 9);
  g_autoptr(GBytes) cipher = openssl_enc (PASSPHRASE, plain);
  g_autoptr(QrOpensslDecrypter) decrypter = decrypter_new ();
  g_autoptr(GInputStream) chunks = g_memory_input_stream_new ();
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  gsize len = g_bytes_get_size (cipher);
  guint8 buffer[8192];
  gssize n;

  for (gsize pos = 0; pos < len; pos += 100000)
    {
      g_autoptr(GBytes) chunk = g_bytes_new_from_bytes (cipher, pos, MIN (100000, len - pos));

      g_memory_input_stream_add_bytes (G_MEMORY_INPUT_STREAM (chunks), chunk);
    }

  stream = g_converter_input_stream_new (chunks, G_CONVERTER (decrypter));
  while ((n = g_input_stream_read (stream, buffer, sizeof buffer, NULL, &error)) > 0)
    g_byte_array_append (out, buffer, n);
  g_assert_no_error (error);
  g_assert_cmpmem (out->data, out->len, g_bytes_get_data (plain, NULL), 300000);
}

/* Version 2 encrypted each chunk on its own, with its own salt. */
static void
test_reset (void)
{
  g_autoptr(QrOpensslDecrypter) decrypter = decrypter_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GBytes) plain = some_data (50000 + i, 20 + i);
      g_autoptr(GBytes) cipher = openssl_enc (PASSPHRASE, plain);
      g_autoptr(GBytes) result = NULL;
      g_autoptr(GError) error = NULL;

      g_converter_reset (G_CONVERTER (decrypter));
      result = convert_in_pieces (G_CONVERTER (decrypter), cipher, rand, &error);
      g_assert_no_error (error);
      g_assert_true (g_bytes_equal (result, plain));
    }
}

/* R2-Beta3 ran `openssl enc -z`, which compresses after encrypting: each
 * chunk is a zlib stream around "Salted__", salt and ciphertext. */
static void
test_zlib_container (void)
{
  g_autoptr(GBytes) plain = some_data (200000, 11);
  g_autoptr(GBytes) cipher = openssl_enc (PASSPHRASE, plain);
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 6);
  g_autoptr(GZlibDecompressor) inflater = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB);
  g_autoptr(QrOpensslDecrypter) decrypter = decrypter_new ();
  g_autoptr(GInputStream) raw = g_memory_input_stream_new_from_bytes (cipher);
  g_autoptr(GInputStream) compressed = g_converter_input_stream_new (raw,
                                                                     G_CONVERTER (compressor));
  g_autoptr(GOutputStream) sink = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) decrypting = g_converter_output_stream_new (sink,
                                                                       G_CONVERTER (decrypter));
  g_autoptr(GOutputStream) inflating = g_converter_output_stream_new (decrypting,
                                                                      G_CONVERTER (inflater));
  g_autoptr(GBytes) chunk = NULL;
  g_autoptr(GBytes) result = NULL;
  g_autoptr(GError) error = NULL;

  /* The chunk, as the old writer stored it. */
  {
    g_autoptr(GOutputStream) all = g_memory_output_stream_new_resizable ();

    g_output_stream_splice (all, compressed, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
    g_assert_no_error (error);
    chunk = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (all));
  }
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (chunk, NULL))[0], ==, 0x78);

  g_output_stream_write_bytes (inflating, chunk, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (inflating, NULL, &error);
  g_assert_no_error (error);

  result = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (sink));
  g_assert_true (g_bytes_equal (result, plain));
}

static GError *
decrypt_error (GBytes *cipher)
{
  g_autoptr(QrOpensslDecrypter) decrypter = decrypter_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);
  g_autoptr(GBytes) result = NULL;
  GError *error = NULL;

  result = convert_in_pieces (G_CONVERTER (decrypter), cipher, rand, &error);
  g_assert_null (result);
  return error;
}

/* A missing last chunk shows only as a bad end. */
static void
test_truncated (void)
{
  g_autoptr(GBytes) plain = some_data (100000, 2);
  g_autoptr(GBytes) cipher = openssl_enc (PASSPHRASE, plain);
  gsize len = g_bytes_get_size (cipher);
  const gsize cuts[] = { 0, 5, 16, len - 16, len - 1, len - 32 };

  for (guint i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      g_autoptr(GBytes) cut = g_bytes_new_from_bytes (cipher, 0, cuts[i]);
      g_autoptr(GError) error = decrypt_error (cut);

      g_test_message ("cut at %" G_GSIZE_FORMAT, cuts[i]);
      g_assert_error (error, QR_ERROR, QR_ERROR_TRUNCATED);
      g_assert_nonnull (strstr (error->message, "“vm12/private.img”"));
    }
}

static void
test_not_encrypted (void)
{
  g_autoptr(GBytes) plain = some_data (1000, 4);
  g_autoptr(GError) error = decrypt_error (plain);

  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
}

static void
test_unknown_cipher (void)
{
  const char *names[] = { "aes-256-gcm", "no-such-cipher", "sha512", "id-aes256-wrap" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(QrOpensslDecrypter) decrypter = qr_openssl_decrypter_new (names[i], "x", 1, "x",
                                                                          &error);

      g_assert_null (decrypter);
      g_assert_error (error, QR_ERROR, QR_ERROR_UNSUPPORTED_VERSION);
      g_assert_nonnull (strstr (error->message, names[i]));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qr/openssl-decrypter/sizes", test_sizes);
  g_test_add_func ("/qr/openssl-decrypter/input-stream", test_input_stream);
  g_test_add_func ("/qr/openssl-decrypter/reset", test_reset);
  g_test_add_func ("/qr/openssl-decrypter/zlib-container", test_zlib_container);
  g_test_add_func ("/qr/openssl-decrypter/truncated", test_truncated);
  g_test_add_func ("/qr/openssl-decrypter/not-encrypted", test_not_encrypted);
  g_test_add_func ("/qr/openssl-decrypter/unknown-cipher", test_unknown_cipher);

  return g_test_run ();
}
