/* qr-space-estimate.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "qr-space-estimate.h"

/* What is known before a restore about what it will write:
 *
 * - The bytes the qube's parts take in the backup file: its compressed,
 *   encrypted data. The disk images in it are sparse archives, which hold
 *   only the parts of an image that have data, so this is near what is
 *   written once the compression is undone.
 * - The qube's "backup-size" in qubes.xml: what Qubes measured of its
 *   volumes when the backup was made. Nothing restored is larger, but it
 *   can be far larger than what is restored (a 100 GB image that holds
 *   3 GB), so alone it raises false alarms.
 *
 * Compression shrinks the data of disk images two to four times: program
 * files about three times (the files under /usr of a Debian system, which
 * make a template, measured 2.7 to 3.4 times with gzip), text and
 * documents more, photos, videos and archives hardly at all. Four times
 * what the backup holds therefore covers nearly every qube; a qube that
 * shrank even more than that is caught by the restore itself, which stops
 * at once when the disk is full and leaves no half-written file. An
 * uncompressed backup holds the data as it is, in 512-byte records; on the
 * disk each file, and each stretch of data in a sparse image, takes whole
 * blocks of 4 KiB, and every folder one more. For the generated test
 * backups, whose home folders hold many small files, that came to an
 * eighth more than the backup holds (tests/gui/test-choose.c measures it);
 * a quarter more keeps the estimate above it. */
#define COMPRESSED_MARGIN   4.0
#define UNCOMPRESSED_MARGIN 1.25

/* About how many bytes restoring @qube of @backup writes. */
guint64
qr_space_estimate_qube (QrBackup *backup,
                        QrQube   *qube)
{
  const QrHeader *header;
  guint64 stored;
  guint64 upper;
  guint64 estimate;

  g_return_val_if_fail (QR_IS_BACKUP (backup), 0);
  g_return_val_if_fail (QR_IS_QUBE (qube), 0);

  header = qr_backup_get_header (backup);
  stored = qr_backup_get_stored_size (backup, qube);
  upper = qr_qube_get_backup_size (qube);

  /* From a pipe nothing is known before it is read but the upper bound. */
  if (stored == 0)
    return upper;

  estimate = (guint64) (stored * (header->compressed ? COMPRESSED_MARGIN : UNCOMPRESSED_MARGIN));

  return upper > 0 ? MIN (estimate, upper) : estimate;
}
