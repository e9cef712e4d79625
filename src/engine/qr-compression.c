/* qr-compression.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qr-compression.h"
#include "qr-error.h"

typedef struct
{
  const char *name;
  int         code;
  int       (*enable) (struct archive *archive);
} Filter;

/* The programs a backup may name, and the data format each one writes:
 * the parallel tools write the same format as the plain ones. A filter
 * libarchive would read by running the program (lzop, lrzip and grzip,
 * unless it was built with their libraries) is refused like an unknown
 * one. */
static const Filter filters[] = {
  { "gzip", ARCHIVE_FILTER_GZIP, archive_read_support_filter_gzip },
  { "pigz", ARCHIVE_FILTER_GZIP, archive_read_support_filter_gzip },
  { "bzip2", ARCHIVE_FILTER_BZIP2, archive_read_support_filter_bzip2 },
  { "pbzip2", ARCHIVE_FILTER_BZIP2, archive_read_support_filter_bzip2 },
  { "lbzip2", ARCHIVE_FILTER_BZIP2, archive_read_support_filter_bzip2 },
  { "xz", ARCHIVE_FILTER_XZ, archive_read_support_filter_xz },
  { "pxz", ARCHIVE_FILTER_XZ, archive_read_support_filter_xz },
  { "pixz", ARCHIVE_FILTER_XZ, archive_read_support_filter_xz },
  { "lzma", ARCHIVE_FILTER_LZMA, archive_read_support_filter_lzma },
  { "lzip", ARCHIVE_FILTER_LZIP, archive_read_support_filter_lzip },
  { "plzip", ARCHIVE_FILTER_LZIP, archive_read_support_filter_lzip },
  { "zstd", ARCHIVE_FILTER_ZSTD, archive_read_support_filter_zstd },
  { "zstdmt", ARCHIVE_FILTER_ZSTD, archive_read_support_filter_zstd },
  { "pzstd", ARCHIVE_FILTER_ZSTD, archive_read_support_filter_zstd },
  { "lz4", ARCHIVE_FILTER_LZ4, archive_read_support_filter_lz4 },
  { "compress", ARCHIVE_FILTER_COMPRESS, archive_read_support_filter_compress },
  { "lzop", ARCHIVE_FILTER_LZOP, archive_read_support_filter_lzop },
  { "lrzip", ARCHIVE_FILTER_LRZIP, archive_read_support_filter_lrzip },
  { "grzip", ARCHIVE_FILTER_GRZIP, archive_read_support_filter_grzip },
};

static const Filter *
lookup (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
    if (g_str_equal (filters[i].name, name))
      return &filters[i];

  return NULL;
}

static void
set_unreadable (GError     **error,
                const char  *name)
{
  /* Qubes undoes every filter with "<program> -d". */
  g_set_error (error, QR_ERROR, QR_ERROR_UNSUPPORTED_VERSION,
               _("This backup is compressed with “%s”, which this program cannot read. "
                 "The program “%s” can decompress it (Qubes OS runs “%s -d”)."),
               name, name, name);
}

/* Lets @archive read the filter's data, and only that, when libarchive
 * can do it in process: it answers ARCHIVE_WARN when it would run the
 * program instead. */
gboolean
qr_compression_enable (struct archive  *archive,
                       const char      *filter,
                       GError         **error)
{
  const Filter *entry;

  g_return_val_if_fail (archive != NULL, FALSE);
  g_return_val_if_fail (filter != NULL, FALSE);

  entry = lookup (filter);
  if (entry == NULL || entry->enable (archive) != ARCHIVE_OK)
    {
      set_unreadable (error, filter);
      return FALSE;
    }

  return TRUE;
}

gboolean
qr_compression_check (const char  *filter,
                      GError     **error)
{
  struct archive *archive;
  gboolean ret;

  g_return_val_if_fail (filter != NULL, FALSE);

  archive = archive_read_new ();
  ret = qr_compression_enable (archive, filter, error);
  archive_read_free (archive);

  return ret;
}

/* After archive_read_open(): whether the data was in the filter's format,
 * once, and not plain or wrapped twice. A mismatch is damage, never a
 * reason to guess. */
gboolean
qr_compression_found (struct archive *archive,
                      const char     *filter)
{
  const Filter *entry;

  g_return_val_if_fail (archive != NULL, FALSE);

  if (filter == NULL)
    return archive_filter_count (archive) == 1;

  entry = lookup (filter);
  return entry != NULL && archive_filter_count (archive) == 2
         && archive_filter_code (archive, 0) == entry->code;
}

/* The data format a filter writes (ARCHIVE_FILTER_XZ for "pixz"), or
 * ARCHIVE_FILTER_NONE for a name this program does not know. */
int
qr_compression_get_format (const char *filter)
{
  const Filter *entry;

  g_return_val_if_fail (filter != NULL, ARCHIVE_FILTER_NONE);

  entry = lookup (filter);
  return entry != NULL ? entry->code : ARCHIVE_FILTER_NONE;
}
