/* qr-restore-codec-stream.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The parts of format 3 (Qubes R2 updates to R3.2): each file is one
 * stream, `tar | <compressor> | openssl enc`, cut into parts, and each part
 * has its HMAC. Only the first part begins with "Salted__": the decryption
 * runs across the parts of a file, and the padding is checked at the end
 * of the last one. Each part is proven before a byte of it is decrypted;
 * the compression is left to the extractor. */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <openssl/evp.h>

#include "qr-openssl-decrypter.h"
#include "qr-restore-codec-private.h"
#include "qr-restore-codec-stream.h"
#include "qr-scrypt-file.h"

/* "Salted__" and the salt, before the first part's ciphertext. */
#define SALT_HEADER_SIZE 16

struct _QrRestoreCodecStream
{
  QrRestoreCodec      parent_instance;

  /* Given at construction */
  char               *digest;
  char               *cipher;
  char               *passphrase;

  /* The file being read: its decryption, and whether salvage left out a
   * part of it, which the decryption cannot step over. */
  QrOpensslDecrypter *decrypter;
  gboolean            broken;
};

G_DEFINE_FINAL_TYPE (QrRestoreCodecStream, qr_restore_codec_stream, QR_TYPE_RESTORE_CODEC)

static void
qr_restore_codec_stream_begin_series (QrRestoreCodec *codec,
                                      QrSeries       *series)
{
  QrRestoreCodecStream *self = QR_RESTORE_CODEC_STREAM (codec);

  g_clear_object (&self->decrypter);
  self->broken = FALSE;
}

/* The decrypted part can be longer than the part by the block held back
 * from the part before. */
static gsize
qr_restore_codec_stream_output_size (QrRestoreCodec        *codec,
                                     const QrArchiveMember *member)
{
  QrRestoreCodecStream *self = QR_RESTORE_CODEC_STREAM (codec);

  return self->cipher != NULL ? member->size + 2 * EVP_MAX_BLOCK_LENGTH : 0;
}

static gboolean
qr_restore_codec_stream_read_chunk (QrRestoreCodec  *codec,
                                    QrArchive       *archive,
                                    QrSeries        *series,
                                    guint            chunk,
                                    QrScryptKey     *key,
                                    guint8          *buffer,
                                    GCancellable    *cancellable,
                                    GError         **error)
{
  QrRestoreCodecStream *self = QR_RESTORE_CODEC_STREAM (codec);

  return _qr_restore_codec_read_hmac_chunk (archive, series, chunk, self->digest,
                                            self->passphrase, buffer, cancellable, error);
}

static gboolean
qr_restore_codec_stream_decode (QrRestoreCodec  *codec,
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
  QrRestoreCodecStream *self = QR_RESTORE_CODEC_STREAM (codec);
  QrRestoreOutput out = { series->path, output, output_size, 0 };

  if (self->broken)
    {
      _qr_restore_codec_set_broken (error, series->path);
      return FALSE;
    }

  if (self->cipher == NULL)
    {
      *plain = (QrRestorePlain) { buffer, 0, size };
      return TRUE;
    }

  if (self->decrypter == NULL)
    {
      self->decrypter = qr_openssl_decrypter_new (self->cipher, self->passphrase,
                                                  strlen (self->passphrase), series->path, error);
      if (self->decrypter == NULL)
        return FALSE;
    }

  if (!_qr_restore_codec_convert (G_CONVERTER (self->decrypter), series->path, buffer, size, last,
                                  _qr_restore_codec_output_sink, &out, error))
    return FALSE;

  *plain = (QrRestorePlain) { output, 0, out.length };
  return TRUE;
}

/* Each part decrypts to as many bytes as it holds, but the first, which
 * begins with the salt; the last is less its padding. */
static gsize
qr_restore_codec_stream_plain_length (QrRestoreCodec *codec,
                                      QrSeries       *series,
                                      guint           chunk)
{
  QrRestoreCodecStream *self = QR_RESTORE_CODEC_STREAM (codec);
  const QrArchiveMember *member = g_ptr_array_index (series->chunks, chunk);

  if (member == NULL || (self->cipher != NULL && chunk + 1 == series->chunks->len))
    return 0;

  if (self->cipher != NULL && chunk == 0)
    return member->size > SALT_HEADER_SIZE ? member->size - SALT_HEADER_SIZE : 0;

  return member->size;
}

static void
qr_restore_codec_stream_skip (QrRestoreCodec *codec,
                              QrSeries       *series,
                              guint           chunk)
{
  QrRestoreCodecStream *self = QR_RESTORE_CODEC_STREAM (codec);

  self->broken = self->cipher != NULL;
}

static void
qr_restore_codec_stream_finalize (GObject *object)
{
  QrRestoreCodecStream *self = (QrRestoreCodecStream *) object;

  g_clear_object (&self->decrypter);
  g_clear_pointer (&self->digest, g_free);
  g_clear_pointer (&self->cipher, g_free);
  g_clear_pointer (&self->passphrase, qr_secure_free);

  G_OBJECT_CLASS (qr_restore_codec_stream_parent_class)->finalize (object);
}

static void
qr_restore_codec_stream_class_init (QrRestoreCodecStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  QrRestoreCodecClass *codec_class = QR_RESTORE_CODEC_CLASS (klass);

  object_class->finalize = qr_restore_codec_stream_finalize;

  codec_class->begin_series = qr_restore_codec_stream_begin_series;
  codec_class->output_size = qr_restore_codec_stream_output_size;
  codec_class->read_chunk = qr_restore_codec_stream_read_chunk;
  codec_class->decode = qr_restore_codec_stream_decode;
  codec_class->plain_length = qr_restore_codec_stream_plain_length;
  codec_class->skip = qr_restore_codec_stream_skip;
}

static void
qr_restore_codec_stream_init (QrRestoreCodecStream *self)
{
}

/**
 * qr_restore_codec_stream_new:
 * @header: the backup's header, whose HMAC digest and cipher apply
 */
QrRestoreCodec *
qr_restore_codec_stream_new (const QrHeader *header,
                             const char     *passphrase)
{
  QrRestoreCodecStream *self;

  g_return_val_if_fail (header != NULL && header->hmac_algorithm != NULL, NULL);
  g_return_val_if_fail (passphrase != NULL, NULL);

  self = g_object_new (QR_TYPE_RESTORE_CODEC_STREAM, NULL);
  self->digest = g_strdup (header->hmac_algorithm);
  self->cipher = header->encrypted ? g_strdup (header->crypto_algorithm) : NULL;
  self->passphrase = qr_secure_strdup (passphrase);

  return QR_RESTORE_CODEC (self);
}
