/* qr-restore-codec.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "qr-archive.h"
#include "qr-kdf-pool.h"
#include "qr-ledger.h"
#include "qr-scrypt-file.h"

G_BEGIN_DECLS

#define QR_TYPE_RESTORE_CODEC (qr_restore_codec_get_type ())

G_DECLARE_DERIVABLE_TYPE (QrRestoreCodec, qr_restore_codec, QR, RESTORE_CODEC, GObject)

/* What a format does to the parts of a file, and only that: how a part is
 * read and proven, and how the proven bytes become the file's inner
 * stream. One codec serves one run, on the one thread that reads, a file
 * at a time: begin_series() starts each file.
 *
 *   scrypt (format 4)   a key per part, derived ahead; decrypted in place
 *   stream (format 3)   one openssl stream per file, cut into parts
 *   volumes (format 2)  a tar volume per part, each encrypted or
 *                       compressed on its own, joined again */

/* Where the plaintext of a decoded part lies: in the part's own buffer,
 * or in the output buffer decode() was given. */
typedef struct
{
  guint8 *buffer;
  gsize   offset;
  gsize   length;
} QrRestorePlain;

struct _QrRestoreCodecClass
{
  GObjectClass parent_class;

  QrKdfRequest *(*request_key)  (QrRestoreCodec         *self,
                                 QrArchive              *archive,
                                 const QrArchiveMember  *member,
                                 GError                **error);
  void          (*begin_series) (QrRestoreCodec         *self,
                                 QrSeries               *series);
  gsize         (*output_size)  (QrRestoreCodec         *self,
                                 const QrArchiveMember  *member);
  gboolean      (*read_chunk)   (QrRestoreCodec         *self,
                                 QrArchive              *archive,
                                 QrSeries               *series,
                                 guint                   chunk,
                                 QrScryptKey            *key,
                                 guint8                 *buffer,
                                 GCancellable           *cancellable,
                                 GError                **error);
  gboolean      (*decode)       (QrRestoreCodec         *self,
                                 QrSeries               *series,
                                 guint                   chunk,
                                 guint8                 *buffer,
                                 gsize                   size,
                                 gboolean                last,
                                 guint8                 *output,
                                 gsize                   output_size,
                                 QrRestorePlain         *plain,
                                 GError                **error);
  gsize         (*plain_length) (QrRestoreCodec         *self,
                                 QrSeries               *series,
                                 guint                   chunk);
  void          (*skip)         (QrRestoreCodec         *self,
                                 QrSeries               *series,
                                 guint                   chunk);
};

QrKdfRequest *qr_restore_codec_request_key  (QrRestoreCodec         *self,
                                             QrArchive              *archive,
                                             const QrArchiveMember  *member,
                                             GError                **error);
void          qr_restore_codec_begin_series (QrRestoreCodec         *self,
                                             QrSeries               *series);
gsize         qr_restore_codec_output_size  (QrRestoreCodec         *self,
                                             const QrArchiveMember  *member);
gboolean      qr_restore_codec_read_chunk   (QrRestoreCodec         *self,
                                             QrArchive              *archive,
                                             QrSeries               *series,
                                             guint                   chunk,
                                             QrScryptKey            *key,
                                             guint8                 *buffer,
                                             GCancellable           *cancellable,
                                             GError                **error);
gboolean      qr_restore_codec_decode       (QrRestoreCodec         *self,
                                             QrSeries               *series,
                                             guint                   chunk,
                                             guint8                 *buffer,
                                             gsize                   size,
                                             gboolean                last,
                                             guint8                 *output,
                                             gsize                   output_size,
                                             QrRestorePlain         *plain,
                                             GError                **error);
gsize         qr_restore_codec_plain_length (QrRestoreCodec         *self,
                                             QrSeries               *series,
                                             guint                   chunk);
void          qr_restore_codec_skip         (QrRestoreCodec         *self,
                                             QrSeries               *series,
                                             guint                   chunk);

GBytes       *qr_restore_codec_read_series  (QrRestoreCodec         *self,
                                             QrArchive              *archive,
                                             QrSeries               *series,
                                             gsize                   max_size,
                                             GCancellable           *cancellable,
                                             GError                **error);

G_END_DECLS
