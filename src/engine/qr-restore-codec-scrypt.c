/* qr-restore-codec-scrypt.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The parts of format 4: each one a scrypt container whose key needs only
 * its 96-byte header, its name and the passphrase, so keys are derived
 * ahead. A part is read a piece at a time and decrypted in place while the
 * disk reads ahead; its plaintext counts only once its final HMAC passed. */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qr-error.h"
#include "qr-restore-codec-scrypt.h"
#include "qr-restore-run.h"

#define READ_PIECE_SIZE (1024 * 1024)
#define CHUNK_SUFFIX    ".enc"

struct _QrRestoreCodecScrypt
{
  QrRestoreCodec  parent_instance;

  char           *backup_id;
  char           *passphrase;
  QrKdfPool      *pool;
};

G_DEFINE_FINAL_TYPE (QrRestoreCodecScrypt, qr_restore_codec_scrypt, QR_TYPE_RESTORE_CODEC)

/**
 * qr_restore_codec_scrypt_dup_prefix:
 *
 * What comes before the passphrase in a part's password: the backup-id and
 * the part's name without ".enc", "20230405T123455-1234!vm12/private.img.000!".
 */
char *
qr_restore_codec_scrypt_dup_prefix (const char            *backup_id,
                                    const QrArchiveMember *member)
{
  gsize len = strlen (member->name);

  g_return_val_if_fail (g_str_has_suffix (member->name, CHUNK_SUFFIX), NULL);

  return g_strdup_printf ("%s!%.*s!", backup_id, (int) (len - strlen (CHUNK_SUFFIX)),
                          member->name);
}

static QrKdfRequest *
qr_restore_codec_scrypt_request_key (QrRestoreCodec         *codec,
                                     QrArchive              *archive,
                                     const QrArchiveMember  *member,
                                     GError                **error)
{
  QrRestoreCodecScrypt *self = QR_RESTORE_CODEC_SCRYPT (codec);
  g_autofree char *prefix = NULL;
  guint8 header[QR_SCRYPT_HEADER_SIZE];
  QrScryptParams params;

  if (!qr_archive_read (archive, member, 0, header, sizeof header, error) ||
      !qr_scrypt_params_parse (header, sizeof header, &params, error))
    return NULL;

  prefix = qr_restore_codec_scrypt_dup_prefix (self->backup_id, member);
  return qr_kdf_pool_submit (self->pool, &params, prefix, self->passphrase);
}

static gboolean
qr_restore_codec_scrypt_read_chunk (QrRestoreCodec  *codec,
                                    QrArchive       *archive,
                                    QrSeries        *series,
                                    guint            chunk,
                                    QrScryptKey     *key,
                                    guint8          *buffer,
                                    GCancellable    *cancellable,
                                    GError         **error)
{
  const QrArchiveMember *member = g_ptr_array_index (series->chunks, chunk);
  g_autoptr(QrScryptDecryptor) decryptor = NULL;
  QrScryptParams params;
  guint64 end = member->size - QR_SCRYPT_MAC_SIZE;

  g_return_val_if_fail (key != NULL, FALSE);

  qr_archive_advise_sequential (archive, member);

  if (!qr_archive_read (archive, member, 0, buffer, QR_SCRYPT_HEADER_SIZE, error) ||
      !qr_restore_run_check_header (key, buffer, &params, error))
    return FALSE;

  decryptor = qr_scrypt_decryptor_new (key, &params);
  for (guint64 pos = QR_SCRYPT_HEADER_SIZE; pos < end; pos += READ_PIECE_SIZE)
    {
      gsize piece = MIN (READ_PIECE_SIZE, end - pos);

      if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
          !qr_archive_read (archive, member, pos, buffer + pos, piece, error))
        return FALSE;

      qr_scrypt_decryptor_update (decryptor, buffer + pos, buffer + pos, piece);
    }

  return qr_archive_read (archive, member, end, buffer + end, QR_SCRYPT_MAC_SIZE, error) &&
         qr_scrypt_decryptor_finish (decryptor, buffer + end, error);
}

/* The plaintext lies between the container's header and its MAC. */
static gboolean
qr_restore_codec_scrypt_decode (QrRestoreCodec  *codec,
                                QrSeries        *series,
                                guint            chunk,
                                guint8          *buffer,
                                gsize            size,
                                gboolean         last,
                                guint8          *output,
                                gsize            output_size,
                                QrRestorePlain  *plain,
                                GError         **error)
{
  plain->buffer = buffer;
  plain->offset = QR_SCRYPT_HEADER_SIZE;
  plain->length = size - QR_SCRYPT_OVERHEAD;
  return TRUE;
}

/* Every part but the last is as long as the others; the last is not known. */
static gsize
qr_restore_codec_scrypt_plain_length (QrRestoreCodec *codec,
                                      QrSeries       *series,
                                      guint           chunk)
{
  const QrArchiveMember *member = g_ptr_array_index (series->chunks, chunk);

  if (member != NULL)
    return member->size - QR_SCRYPT_OVERHEAD;

  if (chunk + 1 >= series->chunks->len)
    return 0;

  for (guint i = 0; i + 1 < series->chunks->len; i++)
    if ((member = g_ptr_array_index (series->chunks, i)) != NULL)
      return member->size - QR_SCRYPT_OVERHEAD;

  return 0;
}

static void
qr_restore_codec_scrypt_finalize (GObject *object)
{
  QrRestoreCodecScrypt *self = (QrRestoreCodecScrypt *) object;

  g_clear_pointer (&self->backup_id, g_free);
  g_clear_pointer (&self->passphrase, qr_secure_free);
  g_clear_object (&self->pool);

  G_OBJECT_CLASS (qr_restore_codec_scrypt_parent_class)->finalize (object);
}

static void
qr_restore_codec_scrypt_class_init (QrRestoreCodecScryptClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  QrRestoreCodecClass *codec_class = QR_RESTORE_CODEC_CLASS (klass);

  object_class->finalize = qr_restore_codec_scrypt_finalize;

  codec_class->request_key = qr_restore_codec_scrypt_request_key;
  codec_class->read_chunk = qr_restore_codec_scrypt_read_chunk;
  codec_class->decode = qr_restore_codec_scrypt_decode;
  codec_class->plain_length = qr_restore_codec_scrypt_plain_length;
}

static void
qr_restore_codec_scrypt_init (QrRestoreCodecScrypt *self)
{
}

QrRestoreCodec *
qr_restore_codec_scrypt_new (const char *backup_id,
                             const char *passphrase,
                             QrKdfPool  *pool)
{
  QrRestoreCodecScrypt *self;

  g_return_val_if_fail (backup_id != NULL, NULL);
  g_return_val_if_fail (passphrase != NULL, NULL);
  g_return_val_if_fail (QR_IS_KDF_POOL (pool), NULL);

  self = g_object_new (QR_TYPE_RESTORE_CODEC_SCRYPT, NULL);
  self->backup_id = g_strdup (backup_id);
  self->passphrase = qr_secure_strdup (passphrase);
  self->pool = g_object_ref (pool);

  return QR_RESTORE_CODEC (self);
}
