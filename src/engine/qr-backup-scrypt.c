/* qr-backup-scrypt.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Unlocking a backup of format 4 (Qubes R4): the header and the list of
 * qubes are each an scrypt container, whose key is derived from the
 * passphrase and the member's name. */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qr-backup-private.h"
#include "qr-error.h"
#include "qr-extract.h"
#include "qr-qubes-xml.h"
#include "qr-scrypt-file.h"

#define HEADER_HMAC_MEMBER "backup-header.hmac"
#define QUBES_XML_MEMBER   "qubes.xml.000.enc"
#define QUBES_XML_CHUNK    "qubes.xml.000"

/* The reference restore refuses a qubes.xml archive larger than this. */
#define MAX_QUBES_XML_ARCHIVE (1024 * 1024 + QR_SCRYPT_OVERHEAD)

/* Reads a small container and its scrypt parameters. */
static GBytes *
read_container (QrArchive       *archive,
                const char      *name,
                gsize            max_size,
                QrScryptParams  *params,
                GError         **error)
{
  const QrArchiveMember *member = qr_archive_lookup (archive, name);
  g_autoptr(GBytes) bytes = NULL;
  gsize len;
  const guint8 *data;

  if (member == NULL)
    {
      _qr_backup_set_missing_error (archive, name, error);
      return NULL;
    }

  bytes = qr_archive_read_member (archive, member, max_size, error);
  if (bytes == NULL)
    return NULL;

  data = g_bytes_get_data (bytes, &len);
  if (!qr_scrypt_params_parse (data, len, params, error))
    {
      g_prefix_error (error, "%s: ", name);
      return NULL;
    }

  return g_steal_pointer (&bytes);
}

/* The header's HMAC key proves the passphrase: a mismatch at offset 64
 * is the one moment to say "wrong passphrase". */
static gboolean
check_header (GBytes                *header_bytes,
              GBytes                *container,
              QrScryptKey           *key,
              const QrScryptParams  *params,
              GError               **error)
{
  g_autoptr(GBytes) plain = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (container, &len);

  if (!qr_scrypt_key_check_header (key, params))
    {
      g_set_error (error, QR_ERROR, QR_ERROR_WRONG_PASSPHRASE,
                   _("The passphrase is not correct for this backup."));
      return FALSE;
    }

  plain = qr_scrypt_file_decrypt (key, data, len, error);
  if (plain == NULL)
    return FALSE;

  if (!g_bytes_equal (plain, header_bytes))
    {
      g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                   _("The backup header was changed after the backup was made: the backup "
                     "was damaged or tampered with."));
      return FALSE;
    }

  return TRUE;
}

static GPtrArray *
read_qubes (const QrHeader        *header,
            GBytes                *container,
            QrScryptKey           *key,
            const QrScryptParams  *params,
            GError               **error)
{
  g_autoptr(GBytes) stream = NULL;
  g_autoptr(GBytes) xml = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (container, &len);

  if (!qr_scrypt_key_check_header (key, params))
    {
      g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                   _("The list of qubes does not belong to this backup: the backup was damaged "
                     "or tampered with."));
      return NULL;
    }

  stream = qr_scrypt_file_decrypt (key, data, len, error);
  if (stream == NULL)
    return NULL;

  xml = qr_extract_single_file_from_memory (stream, header->compressed
                                                    ? header->compression_filter : NULL,
                                            "qubes.xml", QR_QUBES_XML_MAX_SIZE, error);
  if (xml == NULL)
    return NULL;

  data = g_bytes_get_data (xml, &len);
  return qr_qubes_xml_parse ((const char *) data, len, error);
}

/**
 * _qr_backup_scrypt_read_qubes:
 * @header_bytes: the header as read, unproven
 * @pool: derives both keys at once
 *
 * Proves the passphrase and the header by the header's container, then
 * reads the list of qubes from its own.
 */
GPtrArray *
_qr_backup_scrypt_read_qubes (QrArchive       *archive,
                              const QrHeader  *header,
                              GBytes          *header_bytes,
                              QrKdfPool       *pool,
                              const char      *passphrase,
                              GCancellable    *cancellable,
                              GError         **error)
{
  QrScryptParams header_params, xml_params;
  g_autoptr(GBytes) header_container = NULL;
  g_autoptr(GBytes) xml_container = NULL;
  g_autoptr(QrKdfRequest) header_request = NULL;
  g_autoptr(QrKdfRequest) xml_request = NULL;
  g_autoptr(QrScryptKey) header_key = NULL;
  g_autoptr(QrScryptKey) xml_key = NULL;
  g_autofree char *xml_prefix = NULL;

  header_container = read_container (archive, HEADER_HMAC_MEMBER,
                                     QR_HEADER_MAX_SIZE + QR_SCRYPT_OVERHEAD,
                                     &header_params, error);
  if (header_container == NULL)
    return NULL;

  xml_container = read_container (archive, QUBES_XML_MEMBER, MAX_QUBES_XML_ARCHIVE,
                                  &xml_params, error);
  if (xml_container == NULL)
    return NULL;

  /* Both keys are derived at once: the backup-id that salts the second is
   * read from the header before it is verified, and trusted only after. */
  xml_prefix = g_strdup_printf ("%s!%s!", header->backup_id, QUBES_XML_CHUNK);
  header_request = qr_kdf_pool_submit (pool, &header_params, QR_BACKUP_HEADER_MEMBER "!",
                                       passphrase);
  xml_request = qr_kdf_pool_submit (pool, &xml_params, xml_prefix, passphrase);

  header_key = qr_kdf_request_wait (header_request, cancellable, error);
  if (header_key == NULL ||
      !check_header (header_bytes, header_container, header_key, &header_params, error))
    return NULL;

  xml_key = qr_kdf_request_wait (xml_request, cancellable, error);
  if (xml_key == NULL)
    return NULL;

  return read_qubes (header, xml_container, xml_key, &xml_params, error);
}
