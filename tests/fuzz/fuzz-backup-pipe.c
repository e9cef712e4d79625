/* fuzz-backup-pipe.c: the whole path, open → unlock → verify, of a backup
 * read once from a pipe, as from `qvm-backup ... | ssh ...`. The input is
 * the backup file that a thread sends down the pipe.
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "qr-fuzz-backup.h"
#include "qr-fuzz-utils.h"

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
  g_autoptr(QrFuzzPipe) pipe = qr_fuzz_pipe_new (data, size);

  /* The backup, and the pipe with it, is closed before the writer is
   * waited for. */
  qr_fuzz_backup_check (qr_fuzz_pipe_get_file (pipe));
  return 0;
}
