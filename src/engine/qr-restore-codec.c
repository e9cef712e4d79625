/* qr-restore-codec.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The base of the three codecs, and what those of formats 2 and 3 share:
 * a part proven by the HMAC of its ".hmac" member before a byte of it is
 * decrypted or parsed, and GConverters (openssl enc, zlib, the joining of
 * tar volumes) run over a proven part piece by piece. */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qr-error.h"
#include "qr-hmac-file.h"
#include "qr-restore-codec-private.h"

#define READ_PIECE_SIZE    (1024 * 1024)
#define CONVERT_PIECE_SIZE (256 * 1024)

G_DEFINE_ABSTRACT_TYPE (QrRestoreCodec, qr_restore_codec, G_TYPE_OBJECT)

static QrKdfRequest *
qr_restore_codec_real_request_key (QrRestoreCodec         *self,
                                   QrArchive              *archive,
                                   const QrArchiveMember  *member,
                                   GError                **error)
{
  return NULL;
}

static void
qr_restore_codec_real_begin_series (QrRestoreCodec *self,
                                    QrSeries       *series)
{
}

static gsize
qr_restore_codec_real_output_size (QrRestoreCodec        *self,
                                   const QrArchiveMember *member)
{
  return 0;
}

static gsize
qr_restore_codec_real_plain_length (QrRestoreCodec *self,
                                    QrSeries       *series,
                                    guint           chunk)
{
  return 0;
}

static void
qr_restore_codec_real_skip (QrRestoreCodec *self,
                            QrSeries       *series,
                            guint           chunk)
{
}

static void
qr_restore_codec_class_init (QrRestoreCodecClass *klass)
{
  klass->request_key = qr_restore_codec_real_request_key;
  klass->begin_series = qr_restore_codec_real_begin_series;
  klass->output_size = qr_restore_codec_real_output_size;
  klass->plain_length = qr_restore_codec_real_plain_length;
  klass->skip = qr_restore_codec_real_skip;
}

static void
qr_restore_codec_init (QrRestoreCodec *self)
{
}

/**
 * qr_restore_codec_request_key:
 *
 * Asks the KDF pool for the key of a part, from what can be read of it
 * before its data; the reader does so a window ahead.
 *
 * Returns: (transfer full) (nullable): the request, or %NULL: with @error
 *   set when the part cannot be read, without when this format has no keys.
 */
QrKdfRequest *
qr_restore_codec_request_key (QrRestoreCodec         *self,
                              QrArchive              *archive,
                              const QrArchiveMember  *member,
                              GError                **error)
{
  g_return_val_if_fail (QR_IS_RESTORE_CODEC (self), NULL);
  g_return_val_if_fail (member != NULL, NULL);

  return QR_RESTORE_CODEC_GET_CLASS (self)->request_key (self, archive, member, error);
}

/* The parts that follow belong to @series, from its first. */
void
qr_restore_codec_begin_series (QrRestoreCodec *self,
                               QrSeries       *series)
{
  g_return_if_fail (QR_IS_RESTORE_CODEC (self));
  g_return_if_fail (series != NULL);

  QR_RESTORE_CODEC_GET_CLASS (self)->begin_series (self, series);
}

/**
 * qr_restore_codec_output_size:
 *
 * Returns: the size of the output buffer decode() needs for the part, or 0
 *   when its plaintext stays in the part's own buffer.
 */
gsize
qr_restore_codec_output_size (QrRestoreCodec        *self,
                              const QrArchiveMember *member)
{
  g_return_val_if_fail (QR_IS_RESTORE_CODEC (self), 0);
  g_return_val_if_fail (member != NULL, 0);

  return QR_RESTORE_CODEC_GET_CLASS (self)->output_size (self, member);
}

/**
 * qr_restore_codec_read_chunk:
 * @key: (nullable): the part's key, for a format that has keys
 * @buffer: room for the part's stored bytes
 *
 * Reads a part into @buffer and proves it. Nothing of it may be used
 * unless this returns %TRUE.
 */
gboolean
qr_restore_codec_read_chunk (QrRestoreCodec  *self,
                             QrArchive       *archive,
                             QrSeries        *series,
                             guint            chunk,
                             QrScryptKey     *key,
                             guint8          *buffer,
                             GCancellable    *cancellable,
                             GError         **error)
{
  g_return_val_if_fail (QR_IS_RESTORE_CODEC (self), FALSE);
  g_return_val_if_fail (chunk < series->chunks->len, FALSE);
  g_return_val_if_fail (g_ptr_array_index (series->chunks, chunk) != NULL, FALSE);

  return QR_RESTORE_CODEC_GET_CLASS (self)->read_chunk (self, archive, series, chunk, key, buffer,
                                                        cancellable, error);
}

/**
 * qr_restore_codec_decode:
 * @buffer: the proven stored bytes of the part, @size of them
 * @last: whether it is the file's last part
 * @output: (nullable): an output buffer of @output_size bytes, at most
 *   qr_restore_codec_output_size(); more output than that is damage
 * @plain: (out): where the part's plaintext lies
 *
 * Turns a proven part into the next piece of the file's inner stream.
 */
gboolean
qr_restore_codec_decode (QrRestoreCodec  *self,
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
  g_return_val_if_fail (QR_IS_RESTORE_CODEC (self), FALSE);
  g_return_val_if_fail (plain != NULL, FALSE);

  return QR_RESTORE_CODEC_GET_CLASS (self)->decode (self, series, chunk, buffer, size, last, output,
                                                    output_size, plain, error);
}

/**
 * qr_restore_codec_plain_length:
 *
 * Salvage: how many bytes of the inner stream a part that could not be
 * read stood for.
 *
 * Returns: the length, or 0 when it cannot be known.
 */
gsize
qr_restore_codec_plain_length (QrRestoreCodec *self,
                               QrSeries       *series,
                               guint           chunk)
{
  g_return_val_if_fail (QR_IS_RESTORE_CODEC (self), 0);

  return QR_RESTORE_CODEC_GET_CLASS (self)->plain_length (self, series, chunk);
}

/* Salvage: a part of the file was left out; the codec reads on after it
 * if its format allows. */
void
qr_restore_codec_skip (QrRestoreCodec *self,
                       QrSeries       *series,
                       guint           chunk)
{
  g_return_if_fail (QR_IS_RESTORE_CODEC (self));

  QR_RESTORE_CODEC_GET_CLASS (self)->skip (self, series, chunk);
}

static void
append_plain (GByteArray           *stream,
              const QrRestorePlain *plain)
{
  g_byte_array_append (stream, plain->buffer + plain->offset, plain->length);
}

/**
 * qr_restore_codec_read_series:
 * @max_size: the most the stored parts and the stream may each hold
 *
 * Reads a small file whole, such as the list of qubes, with a codec that
 * has no keys (formats 2 and 3).
 *
 * Returns: (transfer full): the file's inner stream, or %NULL with @error
 */
GBytes *
qr_restore_codec_read_series (QrRestoreCodec  *self,
                              QrArchive       *archive,
                              QrSeries        *series,
                              gsize            max_size,
                              GCancellable    *cancellable,
                              GError         **error)
{
  g_autoptr(GByteArray) stream = g_byte_array_new ();

  g_return_val_if_fail (QR_IS_RESTORE_CODEC (self), NULL);
  g_return_val_if_fail (series != NULL, NULL);

  /* A part missing or out of order is known before anything is read. */
  if (series->error != NULL)
    {
      g_propagate_error (error, g_error_copy (series->error));
      return NULL;
    }

  qr_restore_codec_begin_series (self, series);
  for (guint chunk = 0; chunk < series->chunks->len; chunk++)
    {
      const QrArchiveMember *member = g_ptr_array_index (series->chunks, chunk);
      gsize output_size = MIN (qr_restore_codec_output_size (self, member), max_size + 1);
      g_autofree guint8 *buffer = NULL;
      g_autofree guint8 *output = NULL;
      QrRestorePlain plain;

      g_assert (member != NULL);
      if (member->size > max_size)
        {
          g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                       _("“%s” is larger than any real one: the backup is damaged."),
                       series->path);
          return NULL;
        }

      buffer = g_malloc (MAX (member->size, 1));
      output = output_size > 0 ? g_malloc (output_size) : NULL;
      if (!qr_restore_codec_read_chunk (self, archive, series, chunk, NULL, buffer, cancellable,
                                        error) ||
          !qr_restore_codec_decode (self, series, chunk, buffer, member->size,
                                    chunk + 1 == series->chunks->len, output, output_size, &plain,
                                    error))
        {
          g_prefix_error (error, _("Part %u of %u: "), chunk + 1, series->chunks->len);
          return NULL;
        }

      append_plain (stream, &plain);
      if (stream->len > max_size)
        {
          g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                       _("“%s” is larger than any real one: the backup is damaged."),
                       series->path);
          return NULL;
        }
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&stream));
}

/* ---- What the codecs of formats 2 and 3 share ---- */

/* Reads a part of a file of format 2 or 3 into @buffer and checks it
 * against its ".hmac" member, in constant time, before anything else
 * looks at it. */
gboolean
_qr_restore_codec_read_hmac_chunk (QrArchive     *archive,
                                   QrSeries      *series,
                                   guint          chunk,
                                   const char    *digest,
                                   const char    *passphrase,
                                   guint8        *buffer,
                                   GCancellable  *cancellable,
                                   GError       **error)
{
  const QrArchiveMember *member = g_ptr_array_index (series->chunks, chunk);
  const QrArchiveMember *hmac_member = g_ptr_array_index (series->hmacs, chunk);
  g_autoptr(GBytes) text = NULL;
  g_autoptr(GBytes) expected = NULL;
  g_autoptr(QrHmac) hmac = NULL;
  const guint8 *data;
  gsize len;

  if (hmac_member == NULL)
    {
      g_set_error_literal (error, QR_ERROR, QR_ERROR_DAMAGED,
                           _("its checksum is missing from the backup: the backup is damaged."));
      return FALSE;
    }

  text = qr_archive_read_member (archive, hmac_member, QR_HMAC_FILE_MAX_SIZE, error);
  if (text == NULL)
    return FALSE;

  data = g_bytes_get_data (text, &len);
  expected = qr_hmac_file_parse (data, len, hmac_member->name, error);
  hmac = expected != NULL ? qr_hmac_new (digest, passphrase, strlen (passphrase), error) : NULL;
  if (hmac == NULL)
    return FALSE;

  qr_archive_advise_sequential (archive, member);
  for (guint64 pos = 0; pos < member->size; pos += READ_PIECE_SIZE)
    {
      gsize piece = MIN (READ_PIECE_SIZE, member->size - pos);

      if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
          !qr_archive_read (archive, member, pos, buffer + pos, piece, error))
        return FALSE;

      qr_hmac_update (hmac, buffer + pos, piece);
    }

  if (!qr_hmac_matches (hmac, expected))
    {
      g_set_error_literal (error, QR_ERROR, QR_ERROR_DAMAGED,
                           _("it does not match its checksum: the backup was damaged or tampered "
                             "with."));
      return FALSE;
    }

  return TRUE;
}

static void
set_unpack_error (GError     **error,
                  const char  *name,
                  const char  *why)
{
  g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
               _("The data of “%s” cannot be unpacked (%s): the backup is damaged."), name, why);
}

/* A converter's own words go into a plain sentence; ours already are one.
 * A stream that needs more at its end was cut short. */
static void
propagate_convert_error (GError      **error,
                         GError       *local_error,
                         const char   *name,
                         gboolean      at_end)
{
  if (local_error->domain == QR_ERROR)
    g_propagate_error (error, local_error);
  else if (at_end && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
    {
      g_set_error (error, QR_ERROR, QR_ERROR_TRUNCATED,
                   _("The backup is incomplete: “%s” ends early, so its last part is missing. "
                     "The backup file was probably cut short while being copied."),
                   name);
      g_error_free (local_error);
    }
  else
    {
      set_unpack_error (error, name, local_error->message);
      g_error_free (local_error);
    }
}

/**
 * _qr_restore_codec_convert:
 * @name: the file, for messages
 * @at_end: whether the converter's input ends with @data
 *
 * Runs @data through @converter, handing its output to @sink a piece at a
 * time, and @sink's end once the converter finished. Data after the end of
 * the converter's stream is damage.
 */
gboolean
_qr_restore_codec_convert (GConverter         *converter,
                           const char         *name,
                           const guint8       *data,
                           gsize               len,
                           gboolean            at_end,
                           QrRestoreSinkFunc   sink,
                           gpointer            sink_data,
                           GError            **error)
{
  g_autofree guint8 *out = g_malloc (CONVERT_PIECE_SIZE);
  GConverterFlags flags = at_end ? G_CONVERTER_INPUT_AT_END : G_CONVERTER_NO_FLAGS;
  GConverterResult result = G_CONVERTER_CONVERTED;

  while (len > 0 || (at_end && result != G_CONVERTER_FINISHED))
    {
      GError *local_error = NULL;
      gsize bytes_read = 0;
      gsize bytes_written = 0;

      if (result == G_CONVERTER_FINISHED)
        {
          set_unpack_error (error, name, _("data after its end"));
          return FALSE;
        }

      result = g_converter_convert (converter, data, len, out, CONVERT_PIECE_SIZE, flags,
                                    &bytes_read, &bytes_written, &local_error);
      if (result == G_CONVERTER_ERROR)
        {
          propagate_convert_error (error, local_error, name, at_end);
          return FALSE;
        }

      g_assert (bytes_read <= len);
      data += bytes_read;
      len -= bytes_read;
      if (bytes_written > 0 && !sink (sink_data, out, bytes_written, FALSE, error))
        return FALSE;

      /* Every converter here takes what it is given or says why not. */
      if (bytes_read == 0 && bytes_written == 0 && result != G_CONVERTER_FINISHED)
        {
          set_unpack_error (error, name, _("the decoding went no further"));
          return FALSE;
        }
    }

  return !at_end || sink (sink_data, NULL, 0, TRUE, error);
}

/* The end of a chain: fills a QrRestoreOutput, and no more. */
gboolean
_qr_restore_codec_output_sink (gpointer       user_data,
                               const guint8  *data,
                               gsize          len,
                               gboolean       at_end,
                               GError       **error)
{
  QrRestoreOutput *output = user_data;

  if (len > output->size - output->length)
    {
      set_unpack_error (error, output->name, _("a part unpacks to more than any part holds"));
      return FALSE;
    }

  if (len > 0)
    memcpy (output->data + output->length, data, len);
  output->length += len;
  return TRUE;
}

/* Salvage: a part after a missing one, in a format whose parts cannot be
 * read without the one before. */
void
_qr_restore_codec_set_broken (GError     **error,
                              const char  *name)
{
  g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
               _("it cannot be read without the part of “%s” before it, which is missing or "
                 "damaged."),
               name);
}
