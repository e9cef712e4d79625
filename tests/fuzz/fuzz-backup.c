/* fuzz-backup.c: the whole path, open → unlock → verify, of a backup file.
 * The input is the file itself; the seeds are small real backups whose
 * keys are cheap to derive (see make-corpora.py).
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
  g_autoptr(GFile) file = qr_fuzz_file_new (data, size);

  qr_fuzz_backup_check (file);
  return 0;
}
