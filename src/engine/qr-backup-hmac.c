/* qr-backup-hmac.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Unlocking a backup of format 2 or 3 (Qubes R2 to R3.2), whose members
 * each have an HMAC keyed with the passphrase. The header's HMAC proves
 * the passphrase: no digest makes it match, the passphrase is wrong; a
 * digest other than the one the header names makes it match, the header
 * was changed. A backup of R2-Beta3 has no header, and its first member,
 * qubes.xml.000, proves the passphrase instead. */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qr-backup-private.h"
#include "qr-error.h"
#include "qr-extract.h"
#include "qr-hmac-file.h"
#include "qr-qubes-xml.h"
#include "qr-restore-codec-stream.h"
#include "qr-restore-codec-volumes.h"

#define HEADER_HMAC_MEMBER "backup-header.hmac"
#define HMAC_SUFFIX        ".hmac"
#define DOM0_HOME_FOLDER   "dom0-home/"

/* The list of qubes, stored; the reference restore allows 1 MiB. */
#define MAX_QUBES_XML_STORED (1024 * 1024 + 64)

/* What `openssl dgst` offered, for a header whose HMAC does not match
 * with the digest it names. */
static const char * const any_digests[] = {
  "SHA512", "SHA256", "SHA1", "SHA384", "SHA224", "MD5", "SHA512-256", "SHA512-224",
  "SHA3-512", "SHA3-384", "SHA3-256", "SHA3-224", "BLAKE2b512", "BLAKE2s256", "SM3",
  "RIPEMD160", "MD5-SHA1", NULL
};

/* R2-Beta3 named no digest: OpenSSL 1.0, in its dom0, took SHA-1, and
 * later versions take SHA-256. */
static const char * const headerless_digests[] = { "SHA1", "SHA256", "SHA512", "MD5", NULL };

/* Reads the digest in the ".hmac" member after @name. */
static GBytes *
read_expected (QrArchive   *archive,
               const char  *name,
               GError     **error)
{
  g_autofree char *hmac_name = g_strconcat (name, HMAC_SUFFIX, NULL);
  const QrArchiveMember *member = qr_archive_lookup (archive, hmac_name);
  g_autoptr(GBytes) text = NULL;
  const guint8 *data;
  gsize len;

  if (member == NULL)
    {
      _qr_backup_set_missing_error (archive, hmac_name, error);
      return NULL;
    }

  text = qr_archive_read_member (archive, member, QR_HMAC_FILE_MAX_SIZE, error);
  if (text == NULL)
    return NULL;

  data = g_bytes_get_data (text, &len);
  return qr_hmac_file_parse (data, len, member->name, error);
}

/* Whether the passphrase proves "qubes.xml.000" with any digest: then a
 * header it does not prove was damaged. */
static gboolean
list_is_proven (QrArchive  *archive,
                const char *passphrase)
{
  const QrArchiveMember *member = qr_archive_lookup (archive, QR_HEADER_HEADERLESS_FIRST_MEMBER);
  g_autoptr(GBytes) expected = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *found = NULL;
  const guint8 *data;
  gsize len;

  if (member == NULL || (expected = read_expected (archive, member->name, NULL)) == NULL ||
      (bytes = qr_archive_read_member (archive, member, MAX_QUBES_XML_STORED, NULL)) == NULL)
    return FALSE;

  data = g_bytes_get_data (bytes, &len);
  found = qr_hmac_find_digest (data, len, expected, passphrase, strlen (passphrase), any_digests);
  return found != NULL;
}

static void
set_wrong_passphrase (GError **error)
{
  g_set_error (error, QR_ERROR, QR_ERROR_WRONG_PASSPHRASE,
               _("The passphrase is not correct for this backup."));
}

/**
 * _qr_backup_hmac_check_header:
 * @header_bytes: the "backup-header" member, as stored
 *
 * Proves the passphrase, and the header, with "backup-header.hmac".
 */
gboolean
_qr_backup_hmac_check_header (QrArchive       *archive,
                              GBytes          *header_bytes,
                              const QrHeader  *header,
                              const char      *passphrase,
                              GError         **error)
{
  const char * const named[] = { header->hmac_algorithm, NULL };
  g_autoptr(GBytes) expected = read_expected (archive, QR_BACKUP_HEADER_MEMBER, error);
  g_autoptr(QrHmac) probe = NULL;
  g_autofree char *found = NULL;
  gsize len, passphrase_len = strlen (passphrase);
  const guint8 *data = g_bytes_get_data (header_bytes, &len);

  if (expected == NULL)
    return FALSE;

  found = qr_hmac_find_digest (data, len, expected, passphrase, passphrase_len, named);
  if (found != NULL)
    return TRUE;

  found = qr_hmac_find_digest (data, len, expected, passphrase, passphrase_len, any_digests);
  if (found != NULL)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                   _("The backup header was changed after the backup was made: it names the "
                     "checksum “%s”, but its own was made with “%s”. The backup was damaged or "
                     "tampered with."),
                   header->hmac_algorithm, found);
      return FALSE;
    }

  if (list_is_proven (archive, passphrase))
    {
      g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                   _("The backup header was changed after the backup was made: it does not "
                     "match its checksum, although the passphrase is right. The backup was "
                     "damaged or tampered with."));
      return FALSE;
    }

  /* A digest this program does not know cannot say the passphrase is wrong. */
  probe = qr_hmac_new (header->hmac_algorithm, passphrase, passphrase_len, error);
  if (probe == NULL)
    return FALSE;

  set_wrong_passphrase (error);
  return FALSE;
}

/**
 * _qr_backup_hmac_find_headerless:
 *
 * A backup of R2-Beta3: finds the digest that proves the passphrase on
 * "qubes.xml.000", whose proven first bytes tell how it was encrypted and
 * compressed.
 *
 * Returns: (transfer full): the header the backup would have had
 */
QrHeader *
_qr_backup_hmac_find_headerless (QrArchive   *archive,
                                 const char  *passphrase,
                                 GError     **error)
{
  const QrArchiveMember *member = qr_archive_lookup (archive, QR_HEADER_HEADERLESS_FIRST_MEMBER);
  g_autoptr(GBytes) expected = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *digest = NULL;
  const guint8 *data;
  gsize len;

  g_assert (member != NULL);

  expected = read_expected (archive, member->name, error);
  bytes = expected ? qr_archive_read_member (archive, member, MAX_QUBES_XML_STORED, error) : NULL;
  if (bytes == NULL)
    return NULL;

  data = g_bytes_get_data (bytes, &len);
  digest = qr_hmac_find_digest (data, len, expected, passphrase, strlen (passphrase),
                                headerless_digests);
  if (digest == NULL)
    {
      set_wrong_passphrase (error);
      return NULL;
    }

  return qr_header_new_headerless (data, len, digest);
}

/* Neither R3.0-rc1 nor format 1 named dom0's home in qubes.xml; its parts
 * ("dom0-home/<user>.000") do. */
static void
find_dom0_home (QrLedger  *ledger,
                GPtrArray *qubes)
{
  guint n = qr_ledger_get_n_series (ledger);

  for (guint i = 0; i < n; i++)
    {
      const char *path = qr_ledger_get_series (ledger, i)->path;

      if (g_str_has_prefix (path, DOM0_HOME_FOLDER) &&
          strchr (path + strlen (DOM0_HOME_FOLDER), '/') == NULL)
        {
          qr_qubes_xml_set_dom0_home (qubes, path);
          return;
        }
    }
}

/**
 * _qr_backup_hmac_read_qubes:
 *
 * Reads the list of qubes, every part of it proven, through the codec of
 * the backup's format.
 */
GPtrArray *
_qr_backup_hmac_read_qubes (QrArchive       *archive,
                            QrLedger        *ledger,
                            const QrHeader  *header,
                            const char      *passphrase,
                            GCancellable    *cancellable,
                            GError         **error)
{
  QrSeries *series = qr_ledger_lookup_series (ledger, QR_LEDGER_QUBES_XML);
  g_autoptr(QrRestoreCodec) codec = NULL;
  g_autoptr(GBytes) stream = NULL;
  g_autoptr(GBytes) xml = NULL;
  GPtrArray *qubes;
  const guint8 *data;
  gsize len;

  if (series == NULL)
    {
      _qr_backup_set_missing_error (archive, QR_HEADER_HEADERLESS_FIRST_MEMBER, error);
      return NULL;
    }

  codec = header->version == 3 ? qr_restore_codec_stream_new (header, passphrase)
                               : qr_restore_codec_volumes_new (header, passphrase);
  stream = qr_restore_codec_read_series (codec, archive, series, MAX_QUBES_XML_STORED,
                                         cancellable, error);
  if (stream == NULL)
    {
      g_prefix_error (error, _("The list of qubes cannot be read: "));
      return NULL;
    }

  /* Format 2 undid its compression part by part already. */
  xml = qr_extract_single_file_from_memory (stream, header->version == 3 && header->compressed
                                                    ? header->compression_filter : NULL,
                                            "qubes.xml", QR_QUBES_XML_MAX_SIZE, error);
  if (xml == NULL)
    return NULL;

  data = g_bytes_get_data (xml, &len);
  qubes = qr_qubes_xml_parse ((const char *) data, len, error);
  if (qubes != NULL)
    find_dom0_home (ledger, qubes);

  return qubes;
}
