/* fuzz-archive-pipe.c: the outer tar archive read once, from a pipe that
 * a thread fills: the members kept in memory at the start, then each
 * following member's data, read whole or in part.
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "qr-archive.h"
#include "qr-error.h"
#include "qr-fuzz-utils.h"

#define PIECE (64 * 1024)

/* Reads @member's data from the stream: all of it, or, for every other
 * member, only the first piece, leaving the rest to be skipped. */
static gboolean
read_member_data (QrArchive             *archive,
                  const QrArchiveMember *member,
                  gboolean               whole)
{
  g_autofree guint8 *buffer = g_malloc (PIECE);
  g_autoptr(GError) error = NULL;
  guint64 left = whole ? member->size : MIN (member->size, PIECE) / 2;

  while (left > 0)
    {
      gsize n = MIN (left, PIECE);

      if (!qr_archive_read_data (archive, buffer, n, NULL, &error))
        {
          g_assert_nonnull (error);
          g_assert_true (error->domain == QR_ERROR);
          return FALSE;
        }
      left -= n;
    }

  return TRUE;
}

/* The members before the first that qr_archive_next_member() returns
 * were read into memory when the archive was opened. */
static void
read_preloaded (QrArchive             *archive,
                const QrArchiveMember *first_streamed)
{
  guint n = qr_archive_get_n_members (archive);

  for (guint i = 0; i < n; i++)
    {
      const QrArchiveMember *member = qr_archive_get_member (archive, i);
      g_autoptr(GBytes) bytes = NULL;

      if (member == first_streamed)
        break;

      g_assert_true (qr_archive_lookup (archive, member->name) == member);
      bytes = qr_archive_read_member (archive, member, G_MAXSIZE, NULL);
      g_assert_nonnull (bytes);
      g_assert_cmpuint (g_bytes_get_size (bytes), ==, member->size);
    }
}

static void
walk (QrArchive *archive)
{
  const QrArchiveMember *member;
  g_autoptr(GError) error = NULL;
  gboolean whole = TRUE;

  member = qr_archive_next_member (archive, NULL, &error);
  read_preloaded (archive, member);

  while (member != NULL)
    {
      g_assert_true (qr_archive_lookup (archive, member->name) == member);
      if (!read_member_data (archive, member, whole))
        return;

      whole = !whole;
      member = qr_archive_next_member (archive, NULL, &error);
    }

  g_assert_true (error == NULL || error->domain == QR_ERROR);
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
  g_autoptr(QrFuzzPipe) pipe = qr_fuzz_pipe_new (data, size);
  g_autoptr(QrArchive) archive = NULL;
  g_autoptr(GError) error = NULL;

  archive = qr_archive_open (qr_fuzz_pipe_get_file (pipe), NULL, &error);
  if (archive == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == QR_ERROR);
      return 0;
    }

  g_assert_no_error (error);
  g_assert_true (qr_archive_is_streaming (archive));
  g_assert_cmpuint (qr_archive_get_n_members (archive), >, 0);

  walk (archive);

  /* The archive lets go of the pipe before its writer is waited for. */
  g_clear_object (&archive);
  return 0;
}
