/* test-hmac-file.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "qr-error.h"
#include "qr-hmac-file.h"

#define PASSPHRASE "correct horse battery staple"

/* What `openssl dgst [-DIGEST] -hmac PASSPHRASE < data` prints. */
static GBytes *
openssl_dgst (const char *digest,
              const char *passphrase,
              GBytes     *data)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *option = digest ? g_strconcat ("-", digest, NULL) : NULL;
  const char *argv[] = { "openssl", "dgst", "-hmac", passphrase, NULL, NULL };
  GBytes *output = NULL;

  if (option != NULL)
    {
      argv[4] = argv[3];
      argv[3] = argv[2];
      argv[2] = option;
    }

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate (process, data, NULL, &output, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (process));
  return output;
}

/* OpenSSL 1.0, which every real dom0 ran, printed "(stdin)= <hex>". */
static GBytes *
as_openssl_1_0 (GBytes *openssl_3_output)
{
  const char *text = g_bytes_get_data (openssl_3_output, NULL);
  const char *equals = memchr (text, '=', g_bytes_get_size (openssl_3_output));
  g_autofree char *rest = g_strndup (equals, g_bytes_get_size (openssl_3_output)
                                             - (equals - text));
  char *old = g_strconcat ("(stdin)", rest, NULL);

  return g_bytes_new_take (old, strlen (old));
}

static GBytes *
parse (GBytes  *text,
       GError **error)
{
  return qr_hmac_file_parse (g_bytes_get_data (text, NULL), g_bytes_get_size (text),
                             "vm12/private.img.000.hmac", error);
}

static gboolean
check (const char *digest,
       const char *passphrase,
       GBytes     *data,
       GBytes     *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrHmac) hmac = qr_hmac_new (digest, passphrase, strlen (passphrase), &error);
  gsize len;
  const guint8 *bytes = g_bytes_get_data (data, &len);

  g_assert_no_error (error);
  /* In uneven pieces, as chunks arrive. */
  for (gsize pos = 0; pos < len; pos += 1000)
    qr_hmac_update (hmac, bytes + pos, MIN (1000, len - pos));
  return qr_hmac_matches (hmac, expected);
}

static GBytes *
some_data (gsize len)
{
  guint8 *data = g_malloc (len);

  for (gsize i = 0; i < len; i++)
    data[i] = (i * 7 + i / 256) & 0xff;
  return g_bytes_new_take (data, len);
}

typedef struct
{
  const char *header_name;
  const char *openssl_name;
} Digest;

/* Digest names as the backup header types them, and as openssl takes
 * them on its command line. */
static const Digest digests[] = {
  { "SHA512", "sha512" },
  { "sha512", "sha512" },
  { "SHA256", "sha256" },
  { "SHA1", "sha1" },
  { "MD5", "md5" },
};

static void
test_digest (gconstpointer user_data)
{
  const Digest *digest = user_data;
  g_autoptr(GBytes) data = some_data (100000);
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GBytes) text = openssl_dgst (digest->openssl_name, PASSPHRASE, data);
  g_autoptr(GBytes) old_text = as_openssl_1_0 (text);
  g_autoptr(GBytes) empty_text = openssl_dgst (digest->openssl_name, PASSPHRASE, empty);
  g_autoptr(GBytes) expected = NULL;
  g_autoptr(GBytes) old_expected = NULL;
  g_autoptr(GBytes) empty_expected = NULL;
  g_autoptr(GBytes) changed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *flipped = g_bytes_unref_to_data (g_bytes_ref (data), &(gsize) { 0 });

  expected = parse (text, &error);
  g_assert_no_error (error);
  old_expected = parse (old_text, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (expected, old_expected));

  g_assert_true (check (digest->header_name, PASSPHRASE, data, expected));
  g_assert_false (check (digest->header_name, "correct horse battery stapler", data, expected));

  flipped[50000] ^= 0x10;
  changed = g_bytes_new (flipped, 100000);
  g_assert_false (check (digest->header_name, PASSPHRASE, changed, expected));

  /* An empty trailing chunk carries the HMAC of nothing. */
  empty_expected = parse (empty_text, &error);
  g_assert_no_error (error);
  g_assert_true (check (digest->header_name, PASSPHRASE, empty, empty_expected));
  g_assert_false (check (digest->header_name, PASSPHRASE, empty, expected));
}

static void
test_shortened (void)
{
  g_autoptr(GBytes) data = some_data (1000);
  g_autoptr(GBytes) text = openssl_dgst ("sha512", PASSPHRASE, data);
  g_autoptr(GBytes) expected = parse (text, NULL);
  g_autoptr(GBytes) shortened = g_bytes_new_from_bytes (expected, 0, 32);

  /* Half a SHA-512 is not a SHA-512, even when it is right. */
  g_assert_false (check ("SHA512", PASSPHRASE, data, shortened));
}

static void
test_find_digest (void)
{
  const char *candidates[] = { "SHA1", "SHA256", "SHA512", "MD5", NULL };
  const char *unknown_first[] = { "no-such-digest", "SHA256", NULL };
  g_autoptr(GBytes) data = some_data (5000);
  /* R2-Beta3 named no digest: OpenSSL 3 takes SHA-256. */
  g_autoptr(GBytes) text = openssl_dgst (NULL, "qubes", data);
  g_autoptr(GBytes) expected = parse (text, NULL);
  g_autofree char *found = NULL;
  g_autofree char *wrong = NULL;
  g_autofree char *skipped = NULL;

  found = qr_hmac_find_digest (g_bytes_get_data (data, NULL), 5000, expected, "qubes", 5,
                               candidates);
  g_assert_cmpstr (found, ==, "SHA256");

  wrong = qr_hmac_find_digest (g_bytes_get_data (data, NULL), 5000, expected, "qube", 4,
                               candidates);
  g_assert_null (wrong);

  skipped = qr_hmac_find_digest (g_bytes_get_data (data, NULL), 5000, expected, "qubes", 5,
                                 unknown_first);
  g_assert_cmpstr (skipped, ==, "SHA256");
}

static void
test_unknown_digest (void)
{
  const char *names[] = { "SHA999", "SHAKE256", "", "aes-256-cbc" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(QrHmac) hmac = qr_hmac_new (names[i], "x", 1, &error);

      g_assert_null (hmac);
      g_assert_error (error, QR_ERROR, QR_ERROR_UNSUPPORTED_VERSION);
    }
}

static void
test_bad_files (void)
{
  g_autofree char *huge = g_strnfill (QR_HMAC_FILE_MAX_SIZE - 8, 'a');
  g_autofree char *too_large = g_strconcat ("(stdin)= ", huge, NULL);
  const char *texts[] = {
    "", "\n", "(stdin)=\n", "(stdin)= \n", "(stdin) abcd\n", "(stdin)= abc\n",
    "(stdin)= abcg\n", "(stdin)= ab cd\n", "(stdin)= \xc3\xa9\xc3\xa9\n", too_large,
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) digest = qr_hmac_file_parse ((const guint8 *) texts[i], strlen (texts[i]),
                                                     "qubes.xml.000.hmac", &error);

      g_test_message ("text %u", i);
      g_assert_null (digest);
      g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
      g_assert_nonnull (strstr (error->message, "“qubes.xml.000.hmac”"));
    }

  /* A NUL byte is not text either. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) digest = qr_hmac_file_parse ((const guint8 *) "(stdin)= ab\0cd", 14,
                                                   "x.hmac", &error);

    g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  }

  /* Upper-case hexadecimal and no newline are still the digest. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) digest = qr_hmac_file_parse ((const guint8 *) "SHA1(stdin)= ABcd01", 19,
                                                   "x.hmac", &error);
    const guint8 want[] = { 0xab, 0xcd, 0x01 };

    g_assert_no_error (error);
    g_assert_cmpmem (g_bytes_get_data (digest, NULL), g_bytes_get_size (digest), want, 3);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (digests); i++)
    {
      g_autofree char *path = g_strdup_printf ("/qr/hmac-file/digest/%s", digests[i].header_name);

      g_test_add_data_func (path, &digests[i], test_digest);
    }

  g_test_add_func ("/qr/hmac-file/shortened", test_shortened);
  g_test_add_func ("/qr/hmac-file/find-digest", test_find_digest);
  g_test_add_func ("/qr/hmac-file/unknown-digest", test_unknown_digest);
  g_test_add_func ("/qr/hmac-file/bad-files", test_bad_files);

  return g_test_run ();
}
