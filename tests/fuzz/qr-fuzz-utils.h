/* qr-fuzz-utils.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The passphrase of the seed backups (the fixture generator's default). */
#define QR_FUZZ_PASSPHRASE "correct horse battery staple"

typedef struct _QrFuzzPipe QrFuzzPipe;

/* What libFuzzer calls; each target defines both. */
int         LLVMFuzzerInitialize   (int           *argc,
                                    char        ***argv);
int         LLVMFuzzerTestOneInput (const guint8  *data,
                                    gsize          size);

void        qr_fuzz_init          (void);

GFile      *qr_fuzz_file_new      (const guint8 *data,
                                   gsize         len);

QrFuzzPipe *qr_fuzz_pipe_new      (const guint8 *data,
                                   gsize         len);
GFile      *qr_fuzz_pipe_get_file (QrFuzzPipe   *self);
void        qr_fuzz_pipe_free     (QrFuzzPipe   *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrFuzzPipe, qr_fuzz_pipe_free)

G_END_DECLS
