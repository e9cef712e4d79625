/* fuzz-archive-file.c: the index of the outer tar archive, built from a
 * file by walking its headers, then looked up and read.
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "qr-archive.h"
#include "qr-error.h"
#include "qr-fuzz-utils.h"

#define MAX_READ (64 * 1024)

static const char * const backup_names[] = {
  "backup-header", "backup-header.hmac", "qubes.xml.000.enc", "vm12/private.img.000.enc",
};

static void
check_member (QrArchive             *archive,
              const QrArchiveMember *member,
              guint64                previous_end)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  guint8 tail[512];
  gsize tail_len = MIN (member->size, sizeof tail);

  g_assert_nonnull (member->name);
  g_assert_cmpstr (member->name, !=, "");
  g_assert_true (g_utf8_validate (member->name, -1, NULL));
  g_assert_true (qr_archive_lookup (archive, member->name) == member);

  /* Members follow each other, each after its own tar header, and the
   * index holds no member that the file does not hold whole. */
  g_assert_cmpuint (member->offset, >=, previous_end + 512);
  g_assert_cmpuint (member->offset, <=, qr_archive_get_size (archive));
  g_assert_cmpuint (member->size, <=, qr_archive_get_size (archive) - member->offset);

  qr_archive_advise_sequential (archive, member);

  bytes = qr_archive_read_member (archive, member, MAX_READ, &error);
  if (member->size <= MAX_READ)
    {
      g_assert_no_error (error);
      g_assert_cmpuint (g_bytes_get_size (bytes), ==, member->size);
    }
  else
    {
      g_assert_null (bytes);
      g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
    }

  g_assert_true (qr_archive_read (archive, member, member->size - tail_len, tail, tail_len,
                                  NULL));
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
  g_autoptr(GFile) file = qr_fuzz_file_new (data, size);
  g_autoptr(QrArchive) archive = NULL;
  g_autoptr(GError) error = NULL;
  guint64 end = 0;
  guint n;

  archive = qr_archive_open (file, NULL, &error);
  if (archive == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == QR_ERROR);
      return 0;
    }

  g_assert_no_error (error);
  g_assert_false (qr_archive_is_streaming (archive));
  g_assert_cmpuint (qr_archive_get_size (archive), ==, size);

  n = qr_archive_get_n_members (archive);
  g_assert_cmpuint (n, >, 0);
  for (guint i = 0; i < n; i++)
    {
      const QrArchiveMember *member = qr_archive_get_member (archive, i);

      check_member (archive, member, end);
      end = member->offset + member->size;
    }

  for (guint i = 0; i < G_N_ELEMENTS (backup_names); i++)
    {
      const QrArchiveMember *member = qr_archive_lookup (archive, backup_names[i]);

      g_assert_true (member == NULL || g_str_equal (member->name, backup_names[i]));
    }

  /* Damage lies between members, in file order, naming real members. */
  for (guint i = 0; i < qr_archive_get_n_damages (archive); i++)
    {
      const QrArchiveDamage *damage = qr_archive_get_damage (archive, i);

      g_assert_cmpuint (damage->start, <=, damage->end);
      g_assert_true (damage->before == QR_ARCHIVE_NO_MEMBER ||
                     damage->before < qr_archive_get_n_members (archive));
      g_assert_true (damage->after == QR_ARCHIVE_NO_MEMBER ||
                     damage->after < qr_archive_get_n_members (archive));
    }

  return 0;
}
