/* test-scrypt-file.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "qr-error.h"
#include "qr-scrypt-file.h"

#define PREFIX     "20230405T123455-1234!vm12/private.img.000!"
#define PASSPHRASE "correct horse battery staple"

/* A container made by the real scrypt tool, shared by the tests. */
typedef struct
{
  char   *dir;
  GBytes *plain;
  GBytes *container;
} Fixture;

static Fixture fixture;

static GBytes *
make_plaintext (gsize size)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (size);
  guint8 *data = g_malloc (MAX (size, 1));

  for (gsize i = 0; i < size; i++)
    data[i] = g_rand_int (rand) & 0xff;

  return g_bytes_new_take (data, size);
}

/* Runs "scrypt enc" with the password on its standard input, as the backup
 * tool does. Not having the tool is a failure: the format must be checked
 * against the real thing. */
static GBytes *
scrypt_enc (GBytes     *plain,
            const char *password,
            const char *log_n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *in_path = NULL;
  g_autofree char *out_path = NULL;
  g_autofree char *input = g_strconcat (password, "\n", NULL);
  g_autofree char *err_text = NULL;
  char *contents = NULL;
  gsize len = 0;

  if (fixture.dir == NULL)
    {
      fixture.dir = g_dir_make_tmp ("qr-scrypt-XXXXXX", &error);
      g_assert_no_error (error);
    }

  in_path = g_build_filename (fixture.dir, "plain", NULL);
  out_path = g_build_filename (fixture.dir, "plain.enc", NULL);
  g_file_set_contents (in_path, g_bytes_get_data (plain, NULL), g_bytes_get_size (plain), &error);
  g_assert_no_error (error);
  g_unlink (out_path);

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                           &error,
                           "scrypt", "enc", "-P", "--logN", log_n, "-r", "8", "-p", "1",
                           in_path, out_path, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, input, NULL, NULL, &err_text, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (proc))
    g_error ("scrypt enc failed: %s", err_text);

  g_file_get_contents (out_path, &contents, &len, &error);
  g_assert_no_error (error);
  g_unlink (in_path);
  g_unlink (out_path);

  return g_bytes_new_take (contents, len);
}

static void
ensure_fixture (void)
{
  if (fixture.container != NULL)
    return;

  /* Not a multiple of the AES block size, so the last block is partial. */
  fixture.plain = make_plaintext (100003);
  fixture.container = scrypt_enc (fixture.plain, PREFIX PASSPHRASE, "10");
}

static guint8 *
fixture_copy (gsize *len)
{
  ensure_fixture ();
  return g_memdup2 (g_bytes_get_data (fixture.container, len),
                    g_bytes_get_size (fixture.container));
}

static QrScryptKey *
derive_for (const guint8 *container,
            gsize         len,
            const char   *passphrase,
            GError      **error)
{
  QrScryptParams params;

  if (!qr_scrypt_params_parse (container, len, &params, error))
    return NULL;

  return qr_scrypt_key_derive (&params, PREFIX, passphrase, error);
}

static void
assert_bytes_equal (GBytes       *expected,
                    const guint8 *data,
                    gsize         len)
{
  g_assert_cmpmem (g_bytes_get_data (expected, NULL), g_bytes_get_size (expected), data, len);
}

/* A header with a valid checksum around whatever parameters are given. */
static void
make_header (guint8  header[QR_SCRYPT_HEADER_SIZE],
             guint8  log_n,
             guint32 r,
             guint32 p)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize digest_len = sizeof digest;

  memset (header, 0, QR_SCRYPT_HEADER_SIZE);
  memcpy (header, "scrypt", 6);
  header[7] = log_n;
  for (int i = 0; i < 4; i++)
    {
      header[8 + i] = (r >> (24 - 8 * i)) & 0xff;
      header[12 + i] = (p >> (24 - 8 * i)) & 0xff;
    }
  for (int i = 0; i < 32; i++)
    header[16 + i] = i * 7;

  g_checksum_update (checksum, header, 48);
  g_checksum_get_digest (checksum, digest, &digest_len);
  memcpy (header + 48, digest, 16);
}

static void
check_vector (const char *password,
              const char *salt,
              guint8      log_n,
              guint32     r,
              guint32     p,
              const char *expected_hex)
{
  g_autoptr(GError) error = NULL;
  guint8 out[64];
  g_autoptr(GString) hex = g_string_new (NULL);

  qr_scrypt_kdf ((const guint8 *) password, strlen (password),
                 (const guint8 *) salt, strlen (salt),
                 log_n, r, p, out, sizeof out, &error);
  g_assert_no_error (error);

  for (gsize i = 0; i < sizeof out; i++)
    g_string_append_printf (hex, "%02x", out[i]);
  g_assert_cmpstr (hex->str, ==, expected_hex);
}

static void
test_rfc7914_vectors (void)
{
  check_vector ("", "", 4, 1, 1,
                "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
                "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906");
  check_vector ("password", "NaCl", 10, 8, 16,
                "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
                "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640");
  check_vector ("pleaseletmein", "SodiumChloride", 14, 8, 1,
                "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
                "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887");
  check_vector ("pleaseletmein", "SodiumChloride", 20, 8, 1,
                "2101cb9b6a511aaeaddbbe09cf70f881ec568d574a2ffd4dabe5ee9820adaa47"
                "8e56fd8f4ba5d09ffa1c6d927c40f4c337304049e8a952fbcbf45c6fa77a41a4");
}

static void
test_parse (void)
{
  g_autoptr(GError) error = NULL;
  QrScryptParams params;
  const guint8 *data;
  gsize len;

  ensure_fixture ();
  data = g_bytes_get_data (fixture.container, &len);

  g_assert_true (qr_scrypt_params_parse (data, len, &params, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (params.log_n, ==, 10);
  g_assert_cmpuint (params.r, ==, 8);
  g_assert_cmpuint (params.p, ==, 1);
  g_assert_cmpmem (params.salt, 32, data + 16, 32);
  g_assert_cmpmem (params.header, QR_SCRYPT_HEADER_SIZE, data, QR_SCRYPT_HEADER_SIZE);

  /* V and the two working blocks of ROMix, and B. */
  g_assert_cmpuint (qr_scrypt_params_get_memory (&params), ==,
                    128 * 8 * 1024 + 256 * 8 + 128 * 8 * 1);
}

static void
test_decrypt_whole (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrScryptKey) key = NULL;
  g_autoptr(GBytes) plain = NULL;
  const guint8 *data;
  gsize len;

  ensure_fixture ();
  data = g_bytes_get_data (fixture.container, &len);
  g_assert_cmpuint (len, ==, g_bytes_get_size (fixture.plain) + QR_SCRYPT_OVERHEAD);

  key = derive_for (data, len, PASSPHRASE, &error);
  g_assert_no_error (error);

  plain = qr_scrypt_file_decrypt (key, data, len, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (plain, fixture.plain));
}

static void
test_decrypt_empty (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GBytes) container = scrypt_enc (empty, PREFIX PASSPHRASE, "10");
  g_autoptr(QrScryptKey) key = NULL;
  g_autoptr(GBytes) plain = NULL;
  const guint8 *data;
  gsize len;

  data = g_bytes_get_data (container, &len);
  g_assert_cmpuint (len, ==, QR_SCRYPT_OVERHEAD);

  key = derive_for (data, len, PASSPHRASE, &error);
  g_assert_no_error (error);
  plain = qr_scrypt_file_decrypt (key, data, len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (plain), ==, 0);
}

/* Decrypts in pieces of the given sizes, cycling through them, either into
 * a separate buffer or in place. */
static gboolean
decrypt_streaming (const guint8  *data,
                   gsize          len,
                   const gsize   *pieces,
                   gsize          n_pieces,
                   gboolean       in_place,
                   guint8       **plain_out,
                   GError       **error)
{
  g_autoptr(QrScryptKey) key = NULL;
  g_autoptr(QrScryptDecryptor) decryptor = NULL;
  g_autofree guint8 *work = g_memdup2 (data, len);
  g_autofree guint8 *plain = g_malloc (len);
  QrScryptParams params;
  gsize body_len = len - QR_SCRYPT_OVERHEAD;
  gsize done = 0;

  if (!qr_scrypt_params_parse (data, len, &params, error))
    return FALSE;
  key = qr_scrypt_key_derive (&params, PREFIX, PASSPHRASE, error);
  g_assert_nonnull (key);
  g_assert_true (qr_scrypt_key_check_header (key, &params));

  decryptor = qr_scrypt_decryptor_new (key, &params);
  for (gsize i = 0; done < body_len; i++)
    {
      gsize piece = MIN (pieces[i % n_pieces], body_len - done);
      guint8 *in = work + QR_SCRYPT_HEADER_SIZE + done;

      qr_scrypt_decryptor_update (decryptor, in, in_place ? in : plain + done, piece);
      if (in_place)
        memcpy (plain + done, in, piece);
      done += piece;
    }

  if (!qr_scrypt_decryptor_finish (decryptor, data + len - QR_SCRYPT_MAC_SIZE, error))
    return FALSE;

  *plain_out = g_steal_pointer (&plain);
  return TRUE;
}

static void
test_decrypt_streaming (void)
{
  static const gsize odd[] = { 1, 7, 15, 16, 17, 31, 4093, 65537, 3 };
  static const gsize one[] = { 1 };
  static const gsize big[] = { 1 << 20 };
  struct { const gsize *pieces; gsize n; } cases[] = {
    { odd, G_N_ELEMENTS (odd) },
    { one, 1 },
    { big, 1 },
  };
  const guint8 *data;
  gsize len;

  ensure_fixture ();
  data = g_bytes_get_data (fixture.container, &len);

  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    for (int in_place = 0; in_place <= 1; in_place++)
      {
        g_autoptr(GError) error = NULL;
        g_autofree guint8 *plain = NULL;

        g_assert_true (decrypt_streaming (data, len, cases[c].pieces, cases[c].n,
                                          in_place, &plain, &error));
        g_assert_no_error (error);
        assert_bytes_equal (fixture.plain, plain, len - QR_SCRYPT_OVERHEAD);
      }
}

static void
test_wrong_passphrase (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrScryptKey) key = NULL;
  g_autoptr(QrScryptKey) right = NULL;
  g_autoptr(QrScryptKey) wrong_prefix = NULL;
  g_autoptr(GBytes) plain = NULL;
  QrScryptParams params;
  const guint8 *data;
  gsize len;

  ensure_fixture ();
  data = g_bytes_get_data (fixture.container, &len);
  g_assert_true (qr_scrypt_params_parse (data, len, &params, &error));

  key = qr_scrypt_key_derive (&params, PREFIX, "Correct horse battery staple", &error);
  g_assert_no_error (error);
  g_assert_false (qr_scrypt_key_check_header (key, &params));

  plain = qr_scrypt_file_decrypt (key, data, len, &error);
  g_assert_error (error, QR_ERROR, QR_ERROR_WRONG_PASSPHRASE);
  g_assert_null (plain);
  g_clear_error (&error);

  /* A chunk under another name or in another backup does not open either. */
  wrong_prefix = qr_scrypt_key_derive (&params, "20230405T123455-1234!vm12/private.img.001!",
                                       PASSPHRASE, &error);
  g_assert_no_error (error);
  g_assert_false (qr_scrypt_key_check_header (wrong_prefix, &params));

  right = qr_scrypt_key_derive (&params, PREFIX, PASSPHRASE, &error);
  g_assert_no_error (error);
  g_assert_true (qr_scrypt_key_check_header (right, &params));
  g_assert_false (qr_scrypt_key_equal (right, key));
  g_assert_false (qr_scrypt_key_equal (right, wrong_prefix));
}

static void
assert_decrypt_fails (const guint8 *data,
                      gsize         len,
                      int           code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrScryptKey) key = NULL;
  g_autoptr(GBytes) plain = NULL;

  ensure_fixture ();
  key = derive_for (g_bytes_get_data (fixture.container, NULL),
                    g_bytes_get_size (fixture.container), PASSPHRASE, &error);
  g_assert_no_error (error);

  plain = qr_scrypt_file_decrypt (key, data, len, &error);
  g_assert_error (error, QR_ERROR, code);
  g_assert_null (plain);
}

static void
test_flipped_body (void)
{
  static const gsize pieces[] = { 4096 };
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *plain = NULL;
  gsize len;
  g_autofree guint8 *data = fixture_copy (&len);

  data[QR_SCRYPT_HEADER_SIZE + 50000] ^= 0x10;
  assert_decrypt_fails (data, len, QR_ERROR_DAMAGED);

  g_assert_false (decrypt_streaming (data, len, pieces, 1, FALSE, &plain, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_assert_null (plain);
}

static void
test_flipped_mac (void)
{
  gsize len;
  g_autofree guint8 *data = fixture_copy (&len);

  data[len - 1] ^= 0x01;
  assert_decrypt_fails (data, len, QR_ERROR_DAMAGED);
}

static void
test_flipped_header (void)
{
  g_autoptr(GError) error = NULL;
  QrScryptParams params;
  gsize len;
  g_autofree guint8 *data = fixture_copy (&len);

  /* The checksum itself. */
  data[50] ^= 0x80;
  g_assert_false (qr_scrypt_params_parse (data, len, &params, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_clear_error (&error);
  assert_decrypt_fails (data, len, QR_ERROR_DAMAGED);
  data[50] ^= 0x80;

  /* A salt byte, which the checksum covers. */
  data[20] ^= 0x01;
  g_assert_false (qr_scrypt_params_parse (data, len, &params, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_clear_error (&error);
  data[20] ^= 0x01;

  /* The magic and the version. */
  data[0] = 'S';
  g_assert_false (qr_scrypt_params_parse (data, len, &params, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_clear_error (&error);
  data[0] = 's';
  data[6] = 1;
  g_assert_false (qr_scrypt_params_parse (data, len, &params, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_clear_error (&error);
  data[6] = 0;

  /* The header's MAC cannot tell damage from a wrong key. */
  data[70] ^= 0x01;
  assert_decrypt_fails (data, len, QR_ERROR_WRONG_PASSPHRASE);
}

static void
test_truncated (void)
{
  g_autoptr(GError) error = NULL;
  QrScryptParams params;
  gsize len;
  g_autofree guint8 *data = fixture_copy (&len);

  assert_decrypt_fails (data, QR_SCRYPT_OVERHEAD - 1, QR_ERROR_TRUNCATED);
  assert_decrypt_fails (data, 10, QR_ERROR_TRUNCATED);
  assert_decrypt_fails (data, 0, QR_ERROR_TRUNCATED);
  assert_decrypt_fails (data, len - 10, QR_ERROR_DAMAGED);
  assert_decrypt_fails (data, QR_SCRYPT_OVERHEAD, QR_ERROR_DAMAGED);

  g_assert_false (qr_scrypt_params_parse (data, QR_SCRYPT_HEADER_SIZE - 1, &params, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_clear_error (&error);
  g_assert_true (qr_scrypt_params_parse (data, QR_SCRYPT_HEADER_SIZE, &params, &error));
  g_assert_no_error (error);
}

static void
assert_refused (guint8  log_n,
                guint32 r,
                guint32 p)
{
  g_autoptr(GError) error = NULL;
  guint8 header[QR_SCRYPT_HEADER_SIZE];
  QrScryptParams params = { 0 };
  guint8 out[64];

  make_header (header, log_n, r, p);
  g_assert_false (qr_scrypt_params_parse (header, sizeof header, &params, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_assert_cmpuint (params.r, ==, 0);
  g_clear_error (&error);

  /* The bare function refuses them too, without ever asking for memory. */
  g_assert_false (qr_scrypt_kdf ((const guint8 *) "x", 1, header + 16, 32,
                                 log_n, r, p, out, sizeof out, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
}

static void
test_absurd_params (void)
{
  g_autoptr(GError) error = NULL;
  guint8 header[QR_SCRYPT_HEADER_SIZE];
  QrScryptParams params;

  assert_refused (0, 8, 1);
  assert_refused (64, 8, 1);
  assert_refused (255, 8, 1);
  assert_refused (10, 0, 1);
  assert_refused (10, 8, 0);
  assert_refused (10, 1 << 15, 1 << 15);
  assert_refused (10, 1, 1 << 30);
  assert_refused (10, G_MAXUINT32, G_MAXUINT32);
  assert_refused (63, 1 << 29, 1);
  assert_refused (57, 1, 1);
  g_test_message ("control: the largest N and r that still fit 64 bits parse");
  make_header (header, 56, 1, 1);
  g_assert_true (qr_scrypt_params_parse (header, sizeof header, &params, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (qr_scrypt_params_get_memory (&params), ==,
                    ((guint64) 1 << 63) + 256 + 128);
}

static void
test_memory_overflow (void)
{
  g_autoptr(GError) error = NULL;
  QrScryptParams params = { .log_n = 63, .r = 1u << 31, .p = 1 };
  g_autoptr(QrScryptKey) key = NULL;

  g_assert_cmpuint (qr_scrypt_params_get_memory (&params), ==, G_MAXUINT64);

  params = (QrScryptParams) { .log_n = 30, .r = G_MAXUINT32, .p = G_MAXUINT32 };
  g_assert_cmpuint (qr_scrypt_params_get_memory (&params), ==, G_MAXUINT64);

  params = (QrScryptParams) { .log_n = 200, .r = 1, .p = 1 };
  g_assert_cmpuint (qr_scrypt_params_get_memory (&params), ==, G_MAXUINT64);

  /* Valid, but far more than this machine has: a clear error, not an
   * allocation the kernel would answer by killing the process. */
  params = (QrScryptParams) { .log_n = 45, .r = 8, .p = 1 };
  key = qr_scrypt_key_derive (&params, PREFIX, PASSPHRASE, &error);
  g_assert_error (error, QR_ERROR, QR_ERROR_NEEDS_MEMORY);
  g_assert_null (key);
  g_assert_nonnull (strstr (error->message, "memory"));
}

static void
test_key_copy (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrScryptKey) key = NULL;
  g_autoptr(QrScryptKey) copy = NULL;
  g_autoptr(GBytes) plain = NULL;
  const guint8 *data;
  gsize len;

  ensure_fixture ();
  data = g_bytes_get_data (fixture.container, &len);
  key = derive_for (data, len, PASSPHRASE, &error);
  g_assert_no_error (error);

  copy = qr_scrypt_key_copy (key);
  g_clear_pointer (&key, qr_scrypt_key_free);
  plain = qr_scrypt_file_decrypt (copy, data, len, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (plain, fixture.plain));
}

static void
test_secure_strdup (void)
{
  gsize before = qr_secure_memory_get_used ();
  char *copy = qr_secure_strdup (PASSPHRASE);

  g_assert_cmpstr (copy, ==, PASSPHRASE);
  g_assert_true (copy != (char *) PASSPHRASE);
  g_assert_cmpuint (qr_secure_memory_get_used (), >, before);
  qr_secure_free (copy);
  g_assert_cmpuint (qr_secure_memory_get_used (), ==, before);

  copy = qr_secure_strdup ("");
  g_assert_cmpstr (copy, ==, "");
  qr_secure_free (copy);

  g_assert_null (qr_secure_strdup (NULL));
  qr_secure_free (NULL);
}

/* The locked arena is small and fixed; what does not fit in it comes from
 * the ordinary heap, still zeroed and still wiped, and never fails. */
static void
test_secure_arena_full (void)
{
  gsize before = qr_secure_memory_get_used ();
  GPtrArray *blocks = g_ptr_array_new ();
  guint8 *big;

  for (guint i = 0; i < 4096; i++)
    {
      guint8 *block = qr_secure_alloc (64);

      g_assert_true (block[0] == 0 && block[63] == 0);
      memset (block, 0xa5, 64);
      g_ptr_array_add (blocks, block);
    }
  g_assert_cmpuint (qr_secure_memory_get_used (), <=, 256 * 1024);

  big = qr_secure_alloc (1 << 20);
  g_assert_true (big[0] == 0 && big[(1 << 20) - 1] == 0);
  qr_secure_free_sized (big, 1 << 20);

  for (guint i = 0; i < blocks->len; i++)
    qr_secure_free_sized (blocks->pdata[i], 64);
  g_ptr_array_free (blocks, TRUE);
  g_assert_cmpuint (qr_secure_memory_get_used (), ==, before);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qr/scrypt-file/rfc7914-vectors", test_rfc7914_vectors);
  g_test_add_func ("/qr/scrypt-file/parse", test_parse);
  g_test_add_func ("/qr/scrypt-file/decrypt-whole", test_decrypt_whole);
  g_test_add_func ("/qr/scrypt-file/decrypt-empty", test_decrypt_empty);
  g_test_add_func ("/qr/scrypt-file/decrypt-streaming", test_decrypt_streaming);
  g_test_add_func ("/qr/scrypt-file/wrong-passphrase", test_wrong_passphrase);
  g_test_add_func ("/qr/scrypt-file/flipped-body", test_flipped_body);
  g_test_add_func ("/qr/scrypt-file/flipped-mac", test_flipped_mac);
  g_test_add_func ("/qr/scrypt-file/flipped-header", test_flipped_header);
  g_test_add_func ("/qr/scrypt-file/truncated", test_truncated);
  g_test_add_func ("/qr/scrypt-file/absurd-params", test_absurd_params);
  g_test_add_func ("/qr/scrypt-file/memory-overflow", test_memory_overflow);
  g_test_add_func ("/qr/scrypt-file/key-copy", test_key_copy);
  g_test_add_func ("/qr/scrypt-file/secure-strdup", test_secure_strdup);
  g_test_add_func ("/qr/scrypt-file/secure-arena-full", test_secure_arena_full);

  ret = g_test_run ();

  g_clear_pointer (&fixture.plain, g_bytes_unref);
  g_clear_pointer (&fixture.container, g_bytes_unref);
  if (fixture.dir != NULL)
    g_rmdir (fixture.dir);
  g_clear_pointer (&fixture.dir, g_free);

  return ret;
}
