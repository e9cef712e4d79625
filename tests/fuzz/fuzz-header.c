/* fuzz-header.c: the "backup-header" member, the first thing read from a
 * file and read before anything is verified.
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "qr-error.h"
#include "qr-fuzz-utils.h"
#include "qr-header.h"

/* Letters, digits and '-': what a header value may hold. The backup ID
 * in particular becomes part of every chunk's password. */
static gboolean
is_header_word (const char *value)
{
  for (const char *p = value; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-')
      return FALSE;

  return TRUE;
}

/* What qr-header.h promises of every header it returns. */
static void
check_header (const QrHeader *header)
{
  g_assert_cmpuint (header->version, >=, 2);
  g_assert_cmpuint (header->version, <=, 4);
  g_assert_true (header->compressed == (header->compression_filter != NULL));
  g_assert_nonnull (header->hmac_algorithm);
  g_assert_cmpstr (header->hmac_algorithm, !=, "");
  g_assert_true (is_header_word (header->hmac_algorithm));

  if (header->compression_filter != NULL)
    g_assert_true (is_header_word (header->compression_filter));

  if (header->version == 4)
    {
      g_assert_nonnull (header->backup_id);
      g_assert_null (header->crypto_algorithm);
    }

  if (header->backup_id != NULL)
    {
      g_assert_cmpstr (header->backup_id, !=, "");
      g_assert_cmpint (header->backup_id[0], !=, '-');
      g_assert_true (is_header_word (header->backup_id));
    }
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  qr_fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  g_autoptr(QrHeader) header = NULL;
  g_autoptr(QrHeader) copy = NULL;
  g_autoptr(GError) error = NULL;

  header = qr_header_parse (data, size, &error);
  if (header == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == QR_ERROR);
      return 0;
    }

  g_assert_null (error);
  check_header (header);

  copy = qr_header_copy (header);
  g_assert_cmpuint (copy->version, ==, header->version);
  g_assert_cmpstr (copy->compression_filter, ==, header->compression_filter);
  g_assert_cmpstr (copy->hmac_algorithm, ==, header->hmac_algorithm);
  g_assert_cmpstr (copy->crypto_algorithm, ==, header->crypto_algorithm);
  g_assert_cmpstr (copy->backup_id, ==, header->backup_id);

  return 0;
}
