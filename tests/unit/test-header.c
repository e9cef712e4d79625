/* test-header.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <archive.h>
#include <string.h>

#include "qr-error.h"
#include "qr-header.h"

#define V4_HEADER \
  "version=4\n" \
  "encrypted=True\n" \
  "compressed=True\n" \
  "compression-filter=gzip\n" \
  "hmac-algorithm=scrypt\n" \
  "backup-id=20230405T123455-1234\n"

#define V3_HEADER \
  "version=3\n" \
  "hmac-algorithm=SHA512\n" \
  "crypto-algorithm=aes-256-cbc\n" \
  "encrypted=True\n" \
  "compressed=True\n"

static QrHeader *
parse (const char  *text,
       GError     **error)
{
  return qr_header_parse ((const guint8 *) text, strlen (text), error);
}

static void
assert_refused (const char *text,
                int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrHeader) header = parse (text, &error);

  g_assert_error (error, QR_ERROR, code);
  g_assert_null (header);
}

static void
assert_refused_with (const char *text,
                     int         code,
                     const char *in_message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrHeader) header = parse (text, &error);

  g_assert_error (error, QR_ERROR, code);
  g_assert_null (header);
  g_assert_nonnull (strstr (error->message, in_message));
}

static void
test_v4 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrHeader) header = parse (V4_HEADER, &error);

  g_assert_no_error (error);
  g_assert_nonnull (header);
  g_assert_cmpuint (header->version, ==, 4);
  g_assert_true (header->encrypted);
  g_assert_true (header->compressed);
  g_assert_cmpstr (header->compression_filter, ==, "gzip");
  g_assert_cmpstr (header->hmac_algorithm, ==, "scrypt");
  g_assert_null (header->crypto_algorithm);
  g_assert_cmpstr (header->backup_id, ==, "20230405T123455-1234");
}

static void
test_no_final_newline (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrHeader) header = NULL;
  g_autofree char *text = g_strndup (V4_HEADER, strlen (V4_HEADER) - 1);

  header = parse (text, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (header->backup_id, ==, "20230405T123455-1234");
}

static void
test_empty_lines (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrHeader) header = parse ("\n\nversion=4\n\n" "encrypted=1\ncompressed=0\n"
                                      "hmac-algorithm=scrypt\n\nbackup-id=x\n\n", &error);

  g_assert_no_error (error);
  g_assert_cmpuint (header->version, ==, 4);
  g_assert_true (header->encrypted);
  g_assert_false (header->compressed);
}

static void
test_uncompressed_has_no_filter (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrHeader) header = parse ("version=4\nencrypted=True\ncompressed=False\n"
                                      "compression-filter=xz\nhmac-algorithm=scrypt\n"
                                      "backup-id=abc\n", &error);

  g_assert_no_error (error);
  g_assert_false (header->compressed);
  g_assert_null (header->compression_filter);
}

static void
test_booleans (void)
{
  const struct { const char *text; gboolean value; } cases[] = {
    { "1", TRUE }, { "true", TRUE }, { "True", TRUE }, { "TRUE", TRUE },
    { "yes", TRUE }, { "YeS", TRUE },
    { "0", FALSE }, { "false", FALSE }, { "no", FALSE }, { "on", FALSE },
    { "2", FALSE }, { "", FALSE }, { "truee", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(QrHeader) header = NULL;
      g_autofree char *text = g_strdup_printf ("version=4\nencrypted=%s\ncompressed=false\n"
                                               "hmac-algorithm=scrypt\nbackup-id=a\n",
                                               cases[i].text);

      header = parse (text, &error);
      g_assert_no_error (error);
      g_assert_cmpint (header->encrypted, ==, cases[i].value);
    }
}

static void
test_too_large (void)
{
  g_autoptr(GString) text = g_string_new (V4_HEADER);
  g_autoptr(GError) error = NULL;
  g_autoptr(QrHeader) header = NULL;

  /* Unknown keys pad the header to exactly the limit, which is allowed. */
  while (text->len < QR_HEADER_MAX_SIZE - 20)
    g_string_append (text, "padding-key=value\n");
  while (text->len < QR_HEADER_MAX_SIZE - 1)
    g_string_append_c (text, 'x');
  g_string_append (text, "=");
  g_assert_cmpuint (text->len, ==, QR_HEADER_MAX_SIZE);

  header = qr_header_parse ((const guint8 *) text->str, text->len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (header);

  g_string_append_c (text, '\n');
  assert_refused (text->str, QR_ERROR_NOT_A_BACKUP);
}

static void
test_not_ascii (void)
{
  assert_refused ("version=4\nencrypted=True\ncompressed=False\nhmac-algorithm=scrypt\n"
                  "backup-id=caf\xc3\xa9\n", QR_ERROR_NOT_A_BACKUP);
  /* Even in a line that would otherwise be ignored. */
  assert_refused (V4_HEADER "comment=\xff\n", QR_ERROR_NOT_A_BACKUP);
}

static void
test_no_equals (void)
{
  assert_refused_with ("version=4\nencrypted=True\ncompressed\n", QR_ERROR_NOT_A_BACKUP,
                       "line 3");
}

static void
test_two_equals (void)
{
  assert_refused_with ("version=4\nbackup-id=a=b\n", QR_ERROR_NOT_A_BACKUP, "line 2");
  assert_refused (V4_HEADER "unknown==\n", QR_ERROR_NOT_A_BACKUP);
}

static void
test_bad_key (void)
{
  assert_refused (V4_HEADER "hmac_algorithm=scrypt\n", QR_ERROR_NOT_A_BACKUP);
  assert_refused (V4_HEADER " version=4\n", QR_ERROR_NOT_A_BACKUP);
  assert_refused (V4_HEADER "=value\n", QR_ERROR_NOT_A_BACKUP);
}

static void
test_bad_value (void)
{
  assert_refused ("version=4\nencrypted=True\ncompressed=False\nhmac-algorithm=scrypt\n"
                  "backup-id=a.b\n", QR_ERROR_NOT_A_BACKUP);
  assert_refused ("version=4\nencrypted=True \ncompressed=False\nhmac-algorithm=scrypt\n"
                  "backup-id=ab\n", QR_ERROR_NOT_A_BACKUP);
  assert_refused ("version=4\nencrypted=True\ncompressed=False\nhmac-algorithm=../x\n"
                  "backup-id=ab\n", QR_ERROR_NOT_A_BACKUP);
}

static void
test_carriage_return (void)
{
  assert_refused ("version=4\r\nencrypted=True\r\ncompressed=False\r\nhmac-algorithm=scrypt\r\n"
                  "backup-id=ab\r\n", QR_ERROR_NOT_A_BACKUP);
}

static void
test_nul_byte (void)
{
  static const char text[] = "version=4\nencrypted=True\ncompressed=False\n"
                             "hmac-algorithm=scr\0ypt\nbackup-id=ab\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(QrHeader) header = qr_header_parse ((const guint8 *) text, sizeof text - 1, &error);

  g_assert_error (error, QR_ERROR, QR_ERROR_NOT_A_BACKUP);
  g_assert_null (header);
}

static void
test_repeated_key (void)
{
  assert_refused_with (V4_HEADER "backup-id=other\n", QR_ERROR_NOT_A_BACKUP, "backup-id");
  assert_refused ("version=4\nversion=4\n", QR_ERROR_NOT_A_BACKUP);
}

static void
test_unknown_keys (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrHeader) header = NULL;

  /* The reference restore skips unknown keys before looking at their
   * values, so a newer backup with new keys stays readable. */
  header = parse ("future-key=some_value.1\n" V4_HEADER "another=1\n", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (header->backup_id, ==, "20230405T123455-1234");
}

static void
test_backup_id (void)
{
  assert_refused ("version=4\nencrypted=True\ncompressed=False\nhmac-algorithm=scrypt\n"
                  "backup-id=\n", QR_ERROR_NOT_A_BACKUP);
  assert_refused ("version=4\nencrypted=True\ncompressed=False\nhmac-algorithm=scrypt\n"
                  "backup-id=-rf\n", QR_ERROR_NOT_A_BACKUP);
}

static void
test_version_absent (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrHeader) header = parse ("hmac-algorithm=SHA1\ncrypto-algorithm=aes-256-cbc\n"
                                      "encrypted=True\ncompressed=False\n", &error);

  g_assert_no_error (error);
  g_assert_cmpuint (header->version, ==, 2);
  g_assert_cmpstr (header->hmac_algorithm, ==, "SHA1");
  g_assert_cmpstr (header->crypto_algorithm, ==, "aes-256-cbc");
  g_assert_null (header->backup_id);
}

static void
test_version_unsupported (void)
{
  const char *versions[] = { "0", "1", "5", "10", "99999999999999999999" };

  for (guint i = 0; i < G_N_ELEMENTS (versions); i++)
    {
      g_autofree char *text = g_strdup_printf ("version=%s\n" "encrypted=True\n"
                                               "compressed=False\nhmac-algorithm=scrypt\n"
                                               "backup-id=a\n", versions[i]);
      g_autofree char *expected = g_strdup_printf ("(format version %s)", versions[i]);

      assert_refused_with (text, QR_ERROR_UNSUPPORTED_VERSION, expected);
    }
}

static void
test_version_not_a_number (void)
{
  assert_refused (V4_HEADER "version=four\n", QR_ERROR_NOT_A_BACKUP);
  assert_refused ("version=four\nencrypted=True\ncompressed=False\nhmac-algorithm=scrypt\n"
                  "backup-id=a\n", QR_ERROR_NOT_A_BACKUP);
  assert_refused ("version=\nencrypted=True\ncompressed=False\nhmac-algorithm=scrypt\n"
                  "backup-id=a\n", QR_ERROR_NOT_A_BACKUP);
  assert_refused ("version=-4\nencrypted=True\ncompressed=False\nhmac-algorithm=scrypt\n"
                  "backup-id=a\n", QR_ERROR_NOT_A_BACKUP);
}

static void
test_v4_required (void)
{
  const char *lines[] = {
    "version=4\n", "encrypted=True\n", "compressed=True\n", "compression-filter=gzip\n",
    "hmac-algorithm=scrypt\n", "backup-id=20230405T123455-1234\n",
  };

  /* Leave out each line but the version in turn. */
  for (guint skip = 1; skip < G_N_ELEMENTS (lines); skip++)
    {
      g_autoptr(GString) text = g_string_new (NULL);

      for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
        if (i != skip)
          g_string_append (text, lines[i]);

      assert_refused (text->str, QR_ERROR_NOT_A_BACKUP);
    }
}

static void
test_v3_default_filter (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrHeader) header = parse (V3_HEADER, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (header->version, ==, 3);
  g_assert_true (header->compressed);
  g_assert_cmpstr (header->compression_filter, ==, "gzip");
  g_assert_cmpstr (header->hmac_algorithm, ==, "SHA512");
  g_assert_cmpstr (header->crypto_algorithm, ==, "aes-256-cbc");
}

/* What the restore of R3.2 assumed where a header of format 2 or 3 left
 * a line out; what encrypted and compressed were came from its options,
 * and every real header has them. */
static void
test_old_defaults (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrHeader) v3 = parse ("version=3\nencrypted=True\ncompressed=True\n", &error);
  g_autoptr(QrHeader) plain = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (v3->hmac_algorithm, ==, "SHA512");
  g_assert_cmpstr (v3->crypto_algorithm, ==, "aes-256-cbc");
  g_assert_cmpstr (v3->compression_filter, ==, "gzip");

  plain = parse ("version=3\nencrypted=False\ncompressed=False\n"
                 "compression-filter=gzip\n", &error);
  g_assert_no_error (error);
  g_assert_false (plain->encrypted);
  g_assert_null (plain->compression_filter);

  assert_refused ("version=3\nhmac-algorithm=SHA512\ncompressed=True\n", QR_ERROR_NOT_A_BACKUP);
  assert_refused ("version=3\nhmac-algorithm=SHA512\nencrypted=True\n", QR_ERROR_NOT_A_BACKUP);
  assert_refused ("encrypted=True\n", QR_ERROR_NOT_A_BACKUP);
}

/* Format 3 names the program, any that libarchive reads itself. */
static void
test_v3_filters (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrHeader) lz4 = parse (V3_HEADER "compression-filter=lz4\n", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (lz4->compression_filter, ==, "lz4");

  assert_refused (V3_HEADER "compression-filter=lrzip\n", QR_ERROR_UNSUPPORTED_VERSION);
}

/* Format 2 (R2) wrote no version and no filter: its chunks went through
 * gzip, or through `openssl enc -z` when encrypted too. */
static void
test_v2 (void)
{
  const struct
  {
    const char *encrypted;
    const char *compressed;
    const char *filter;
  } cases[] = {
    { "False", "False", NULL },
    { "False", "True", "gzip" },
    { "True", "False", NULL },
    { "True", "True", QR_HEADER_ZLIB },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *text = g_strdup_printf ("hmac-algorithm=SHA1\ncrypto-algorithm=aes-256-cbc\n"
                                               "encrypted=%s\ncompressed=%s\n"
                                               "compression-filter=bzip2\n",
                                               cases[i].encrypted, cases[i].compressed);
      g_autoptr(QrHeader) header = parse (text, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (header->version, ==, 2);
      g_assert_cmpstr (header->compression_filter, ==, cases[i].filter);
      g_assert_cmpstr (header->hmac_algorithm, ==, "SHA1");
      g_assert_null (header->backup_id);
    }
}

/* R2-Beta3 wrote no header: its first chunk tells. */
static void
test_headerless (void)
{
  const struct
  {
    const char *start;
    gsize       len;
    gboolean    encrypted;
    gboolean    compressed;
    const char *filter;
  } cases[] = {
    { "Salted__\x01\x02\x03\x04\x05\x06\x07\x08", 16, TRUE, FALSE, NULL },
    { "\x78\x9c\x01\x02", 4, TRUE, TRUE, QR_HEADER_ZLIB },
    { "\x78\xda\x01\x02", 4, TRUE, TRUE, QR_HEADER_ZLIB },
    { "\x1f\x8b\x08\x00", 4, FALSE, TRUE, "gzip" },
    { "qubes.xml\0\0\0", 12, FALSE, FALSE, NULL },
    /* A tar member named "xml": not a zlib header. */
    { "xml\0\0\0", 6, FALSE, FALSE, NULL },
    { "", 0, FALSE, FALSE, NULL },
  };

  g_assert_cmpstr (QR_HEADER_HEADERLESS_FIRST_MEMBER, ==, "qubes.xml.000");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(QrHeader) header = qr_header_new_headerless ((const guint8 *) cases[i].start,
                                                             cases[i].len, "SHA256");

      g_test_message ("case %u", i);
      g_assert_cmpuint (header->version, ==, 2);
      g_assert_cmpint (header->encrypted, ==, cases[i].encrypted);
      g_assert_cmpint (header->compressed, ==, cases[i].compressed);
      g_assert_cmpstr (header->compression_filter, ==, cases[i].filter);
      g_assert_cmpstr (header->hmac_algorithm, ==, "SHA256");
      g_assert_cmpstr (header->crypto_algorithm, ==, "aes-256-cbc");
      g_assert_null (header->backup_id);
    }
}

static QrHeader *
parse_with_filter (const char  *filter,
                   GError     **error)
{
  g_autofree char *text = g_strdup_printf ("version=4\nencrypted=True\ncompressed=True\n"
                                           "compression-filter=%s\nhmac-algorithm=scrypt\n"
                                           "backup-id=a\n", filter);

  return parse (text, error);
}

static void
test_compression_filters (void)
{
  const char *allowed[] = {
    "gzip", "bzip2", "xz", "lzma", "pigz", "pbzip2", "zstd", "zstdmt", "lz4", "lzip", "plzip",
    "pxz", "pixz", "lbzip2", "pzstd", "compress",
  };
  /* libarchive reads these only by running the program. */
  const char *refused[] = { "lrzip", "grzip", "rot13", "GZIP", "gzip-9" };

  for (guint i = 0; i < G_N_ELEMENTS (allowed); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(QrHeader) header = parse_with_filter (allowed[i], &error);

      g_assert_no_error (error);
      g_assert_cmpstr (header->compression_filter, ==, allowed[i]);
    }

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(QrHeader) header = parse_with_filter (refused[i], &error);
      g_autofree char *program = g_strdup_printf ("“%s”", refused[i]);
      g_autofree char *command = g_strdup_printf ("“%s -d”", refused[i]);

      g_assert_error (error, QR_ERROR, QR_ERROR_UNSUPPORTED_VERSION);
      g_assert_null (header);
      /* The message names the program and the way to undo it. */
      g_assert_nonnull (strstr (error->message, program));
      g_assert_nonnull (strstr (error->message, command));
    }

  assert_refused ("version=4\nencrypted=True\ncompressed=True\ncompression-filter=\n"
                  "hmac-algorithm=scrypt\nbackup-id=a\n", QR_ERROR_NOT_A_BACKUP);
}

/* lzop is read only where libarchive was built with liblzo2. */
static void
test_lzop (void)
{
  struct archive *probe = archive_read_new ();
  gboolean in_process = archive_read_support_filter_lzop (probe) == ARCHIVE_OK;
  g_autoptr(GError) error = NULL;
  g_autoptr(QrHeader) header = parse_with_filter ("lzop", &error);

  archive_read_free (probe);
  if (in_process)
    {
      g_assert_no_error (error);
      return;
    }

  g_assert_error (error, QR_ERROR, QR_ERROR_UNSUPPORTED_VERSION);
  g_assert_nonnull (strstr (error->message, "“lzop -d”"));
}

static void
test_empty (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrHeader) header = qr_header_parse (NULL, 0, &error);

  g_assert_error (error, QR_ERROR, QR_ERROR_NOT_A_BACKUP);
  g_assert_null (header);
}

static void
test_copy (void)
{
  g_autoptr(QrHeader) header = parse (V3_HEADER "backup-id=abc\n", NULL);
  g_autoptr(QrHeader) copy = qr_header_copy (header);

  g_assert_cmpuint (copy->version, ==, header->version);
  g_assert_cmpint (copy->encrypted, ==, header->encrypted);
  g_assert_cmpint (copy->compressed, ==, header->compressed);
  g_assert_cmpstr (copy->compression_filter, ==, "gzip");
  g_assert_true (copy->compression_filter != header->compression_filter);
  g_assert_cmpstr (copy->hmac_algorithm, ==, "SHA512");
  g_assert_cmpstr (copy->crypto_algorithm, ==, "aes-256-cbc");
  g_assert_cmpstr (copy->backup_id, ==, "abc");
  g_assert_true (copy->backup_id != header->backup_id);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qr/header/v4", test_v4);
  g_test_add_func ("/qr/header/no-final-newline", test_no_final_newline);
  g_test_add_func ("/qr/header/empty-lines", test_empty_lines);
  g_test_add_func ("/qr/header/uncompressed-has-no-filter", test_uncompressed_has_no_filter);
  g_test_add_func ("/qr/header/booleans", test_booleans);
  g_test_add_func ("/qr/header/too-large", test_too_large);
  g_test_add_func ("/qr/header/not-ascii", test_not_ascii);
  g_test_add_func ("/qr/header/no-equals", test_no_equals);
  g_test_add_func ("/qr/header/two-equals", test_two_equals);
  g_test_add_func ("/qr/header/bad-key", test_bad_key);
  g_test_add_func ("/qr/header/bad-value", test_bad_value);
  g_test_add_func ("/qr/header/carriage-return", test_carriage_return);
  g_test_add_func ("/qr/header/nul-byte", test_nul_byte);
  g_test_add_func ("/qr/header/repeated-key", test_repeated_key);
  g_test_add_func ("/qr/header/unknown-keys", test_unknown_keys);
  g_test_add_func ("/qr/header/backup-id", test_backup_id);
  g_test_add_func ("/qr/header/version-absent", test_version_absent);
  g_test_add_func ("/qr/header/version-unsupported", test_version_unsupported);
  g_test_add_func ("/qr/header/version-not-a-number", test_version_not_a_number);
  g_test_add_func ("/qr/header/v4-required", test_v4_required);
  g_test_add_func ("/qr/header/v3-default-filter", test_v3_default_filter);
  g_test_add_func ("/qr/header/old-defaults", test_old_defaults);
  g_test_add_func ("/qr/header/v3-filters", test_v3_filters);
  g_test_add_func ("/qr/header/v2", test_v2);
  g_test_add_func ("/qr/header/headerless", test_headerless);
  g_test_add_func ("/qr/header/compression-filters", test_compression_filters);
  g_test_add_func ("/qr/header/lzop", test_lzop);
  g_test_add_func ("/qr/header/empty", test_empty);
  g_test_add_func ("/qr/header/copy", test_copy);

  return g_test_run ();
}
