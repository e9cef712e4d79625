/* qr-restore-codec-volumes.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The parts of format 2 (Qubes R2): each file is a GNU tar multi-volume
 * archive, one volume a part, and each volume went on its own through
 * `openssl enc`, or gzip, or both as `openssl enc -z` (which compressed
 * after encrypting). A proven part is undone alone, in that order
 * reversed, and its volume joined to the ones before:
 *
 *   part ─► [inflate, -z] ─► [openssl enc -d] ─► [gunzip] ─► joiner ─► tar
 *            per part          per part           per part    per file   */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qr-openssl-decrypter.h"
#include "qr-restore-codec-private.h"
#include "qr-restore-codec-volumes.h"
#include "qr-scrypt-file.h"
#include "qr-volume-joiner.h"

#define MAX_STAGES 4

struct _QrRestoreCodecVolumes
{
  QrRestoreCodec  parent_instance;

  /* Given at construction */
  char           *digest;
  char           *cipher;
  char           *passphrase;
  gboolean        zlib;
  gboolean        gzip;

  /* The file being read: the joining of its volumes, and whether salvage
   * left out a part of it, after which the volumes cannot be joined. */
  QrVolumeJoiner *joiner;
  gboolean        broken;
};

G_DEFINE_FINAL_TYPE (QrRestoreCodecVolumes, qr_restore_codec_volumes, QR_TYPE_RESTORE_CODEC)

/* One stage of a part's way to the tar stream; the last is the output. */
typedef struct
{
  GConverter      *converter;
  /* Whether the stage's stream ends with the part (all but the joiner,
   * whose stream ends with the file). */
  gboolean         ends_with_part;
  const char      *name;
  gpointer         next;
  QrRestoreOutput *output;
} Stage;

static gboolean
stage_sink (gpointer       user_data,
            const guint8  *data,
            gsize          len,
            gboolean       at_end,
            GError       **error)
{
  Stage *stage = user_data;

  if (stage->converter == NULL)
    return _qr_restore_codec_output_sink (stage->output, data, len, at_end, error);

  return _qr_restore_codec_convert (stage->converter, stage->name, data, len,
                                    at_end && stage->ends_with_part, stage_sink, stage->next,
                                    error);
}

static void
qr_restore_codec_volumes_begin_series (QrRestoreCodec *codec,
                                       QrSeries       *series)
{
  QrRestoreCodecVolumes *self = QR_RESTORE_CODEC_VOLUMES (codec);

  g_clear_object (&self->joiner);
  self->joiner = qr_volume_joiner_new (series->path);
  self->broken = FALSE;
}

/* A compressed volume unpacks to the tape length, whatever its size; no
 * writer made volumes larger than a part can be. */
static gsize
qr_restore_codec_volumes_output_size (QrRestoreCodec        *codec,
                                      const QrArchiveMember *member)
{
  QrRestoreCodecVolumes *self = QR_RESTORE_CODEC_VOLUMES (codec);

  return self->zlib || self->gzip ? QR_MAX_CHUNK_SIZE : MAX (member->size, 1);
}

static gboolean
qr_restore_codec_volumes_read_chunk (QrRestoreCodec  *codec,
                                     QrArchive       *archive,
                                     QrSeries        *series,
                                     guint            chunk,
                                     QrScryptKey     *key,
                                     guint8          *buffer,
                                     GCancellable    *cancellable,
                                     GError         **error)
{
  QrRestoreCodecVolumes *self = QR_RESTORE_CODEC_VOLUMES (codec);

  return _qr_restore_codec_read_hmac_chunk (archive, series, chunk, self->digest,
                                            self->passphrase, buffer, cancellable, error);
}

/* The converters that undo one part, in the order they run. */
static guint
part_converters (QrRestoreCodecVolumes  *self,
                 const char             *name,
                 GConverter            **converters,
                 GError                **error)
{
  guint n = 0;

  if (self->zlib)
    converters[n++] = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB));

  if (self->cipher != NULL)
    {
      QrOpensslDecrypter *decrypter = qr_openssl_decrypter_new (self->cipher, self->passphrase,
                                                                strlen (self->passphrase), name,
                                                                error);
      if (decrypter == NULL)
        {
          while (n > 0)
            g_object_unref (converters[--n]);
          return G_MAXUINT;
        }
      converters[n++] = G_CONVERTER (decrypter);
    }

  if (self->gzip)
    converters[n++] = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP));

  return n;
}

static gboolean
run_stages (QrRestoreCodecVolumes  *self,
            const char             *name,
            const guint8           *data,
            gsize                   len,
            gboolean                last,
            QrRestoreOutput        *output,
            GError                **error)
{
  GConverter *converters[MAX_STAGES];
  Stage stages[MAX_STAGES + 1];
  guint n = part_converters (self, name, converters, error);
  gboolean ok;

  if (n == G_MAXUINT)
    return FALSE;

  converters[n++] = G_CONVERTER (g_object_ref (self->joiner));
  for (guint i = 0; i <= n; i++)
    stages[i] = (Stage) { i < n ? converters[i] : NULL, i + 1 < n, name,
                          i < n ? &stages[i + 1] : NULL, output };

  ok = stage_sink (&stages[0], data, len, TRUE, error);

  /* The joiner's stream ends with the file, not the volume. */
  if (ok && last)
    ok = _qr_restore_codec_convert (G_CONVERTER (self->joiner), name, NULL, 0, TRUE,
                                    stage_sink, &stages[n], error);
  else if (ok)
    ok = qr_volume_joiner_next_volume (self->joiner, error);

  for (guint i = 0; i < n; i++)
    g_object_unref (converters[i]);
  return ok;
}

static gboolean
qr_restore_codec_volumes_decode (QrRestoreCodec  *codec,
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
  QrRestoreCodecVolumes *self = QR_RESTORE_CODEC_VOLUMES (codec);
  QrRestoreOutput out = { series->path, output, output_size, 0 };

  if (self->broken)
    {
      _qr_restore_codec_set_broken (error, series->path);
      return FALSE;
    }

  if (!run_stages (self, series->path, buffer, size, last, &out, error))
    return FALSE;

  *plain = (QrRestorePlain) { output, 0, out.length };
  return TRUE;
}

static void
qr_restore_codec_volumes_skip (QrRestoreCodec *codec,
                               QrSeries       *series,
                               guint           chunk)
{
  QR_RESTORE_CODEC_VOLUMES (codec)->broken = TRUE;
}

static void
qr_restore_codec_volumes_finalize (GObject *object)
{
  QrRestoreCodecVolumes *self = (QrRestoreCodecVolumes *) object;

  g_clear_object (&self->joiner);
  g_clear_pointer (&self->digest, g_free);
  g_clear_pointer (&self->cipher, g_free);
  g_clear_pointer (&self->passphrase, qr_secure_free);

  G_OBJECT_CLASS (qr_restore_codec_volumes_parent_class)->finalize (object);
}

static void
qr_restore_codec_volumes_class_init (QrRestoreCodecVolumesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  QrRestoreCodecClass *codec_class = QR_RESTORE_CODEC_CLASS (klass);

  object_class->finalize = qr_restore_codec_volumes_finalize;

  codec_class->begin_series = qr_restore_codec_volumes_begin_series;
  codec_class->output_size = qr_restore_codec_volumes_output_size;
  codec_class->read_chunk = qr_restore_codec_volumes_read_chunk;
  codec_class->decode = qr_restore_codec_volumes_decode;
  codec_class->skip = qr_restore_codec_volumes_skip;
}

static void
qr_restore_codec_volumes_init (QrRestoreCodecVolumes *self)
{
}

/**
 * qr_restore_codec_volumes_new:
 * @header: the backup's header: its digest and cipher, and whether its
 *   parts were compressed with gzip or, encrypted too, with openssl's zlib
 */
QrRestoreCodec *
qr_restore_codec_volumes_new (const QrHeader *header,
                              const char     *passphrase)
{
  QrRestoreCodecVolumes *self;

  g_return_val_if_fail (header != NULL && header->hmac_algorithm != NULL, NULL);
  g_return_val_if_fail (passphrase != NULL, NULL);

  self = g_object_new (QR_TYPE_RESTORE_CODEC_VOLUMES, NULL);
  self->digest = g_strdup (header->hmac_algorithm);
  self->cipher = header->encrypted ? g_strdup (header->crypto_algorithm) : NULL;
  self->passphrase = qr_secure_strdup (passphrase);
  self->zlib = header->compressed && g_strcmp0 (header->compression_filter, QR_HEADER_ZLIB) == 0;
  self->gzip = header->compressed && !self->zlib;

  return QR_RESTORE_CODEC (self);
}
