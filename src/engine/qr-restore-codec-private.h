/* qr-restore-codec-private.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "qr-restore-codec.h"

G_BEGIN_DECLS

/* What the codecs of formats 2 and 3 share. */

/* Receives the output of a converter: @at_end once, after the last piece,
 * with or without data. */
typedef gboolean (*QrRestoreSinkFunc) (gpointer       user_data,
                                       const guint8  *data,
                                       gsize          len,
                                       gboolean       at_end,
                                       GError       **error);

/* The end of a chain of converters: a buffer of fixed size. */
typedef struct
{
  const char *name;
  guint8     *data;
  gsize       size;
  gsize       length;
} QrRestoreOutput;

gboolean _qr_restore_codec_read_hmac_chunk (QrArchive          *archive,
                                            QrSeries           *series,
                                            guint               chunk,
                                            const char         *digest,
                                            const char         *passphrase,
                                            guint8             *buffer,
                                            GCancellable       *cancellable,
                                            GError            **error);
gboolean _qr_restore_codec_convert         (GConverter         *converter,
                                            const char         *name,
                                            const guint8       *data,
                                            gsize               len,
                                            gboolean            at_end,
                                            QrRestoreSinkFunc   sink,
                                            gpointer            sink_data,
                                            GError            **error);
gboolean _qr_restore_codec_output_sink     (gpointer            user_data,
                                            const guint8       *data,
                                            gsize               len,
                                            gboolean            at_end,
                                            GError            **error);
void     _qr_restore_codec_set_broken      (GError            **error,
                                            const char         *name);

G_END_DECLS
