/* qr-partition.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <blkid.h>
#include <errno.h>
#include <sys/stat.h>

#include <glib/gi18n-lib.h>

#include "qr-error.h"
#include "qr-partition.h"

/* The partition table of a disk image (a template's root.img), read with
 * libblkid: GPT and MBR with its logical partitions, for disks of 512-byte
 * and of 4 KiB sectors. The table comes from the backup, so each partition
 * is checked to lie inside the file, and their number is bounded. */

#define MAX_PARTITIONS 128

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (blkid_probe, blkid_free_probe, NULL)

/* libblkid counts in 512-byte units whatever the sector size. */
#define BLKID_SECTOR 512

static void
add_partitions (GArray         *partitions,
                blkid_partlist  list,
                guint64         file_size)
{
  int n = blkid_partlist_numof_partitions (list);

  for (int i = 0; i < n && partitions->len < MAX_PARTITIONS; i++)
    {
      blkid_partition partition = blkid_partlist_get_partition (list, i);
      blkid_loff_t start = blkid_partition_get_start (partition);
      blkid_loff_t size = blkid_partition_get_size (partition);
      QrPartition entry;

      /* An extended partition only holds the logical ones, listed too. */
      if (partition == NULL || blkid_partition_is_extended (partition))
        continue;

      if (start <= 0 || size <= 0 ||
          (guint64) start > file_size / BLKID_SECTOR ||
          (guint64) size > file_size / BLKID_SECTOR - (guint64) start)
        {
          g_debug ("Partition %d lies outside the image; left out",
                   blkid_partition_get_partno (partition));
          continue;
        }

      entry.number = MAX (blkid_partition_get_partno (partition), 0);
      entry.offset = (guint64) start * BLKID_SECTOR;
      entry.size = (guint64) size * BLKID_SECTOR;
      g_array_append_val (partitions, entry);
    }
}

/* The partitions found with @sector_size, or NULL when there is no table
 * for that sector size. */
static GArray *
probe (int      fd,
       guint64  file_size,
       guint    sector_size)
{
  g_auto(blkid_probe) pr = blkid_new_probe ();
  blkid_partlist list;
  blkid_parttable table;
  GArray *partitions;

  if (pr == NULL || blkid_probe_set_device (pr, fd, 0, file_size) != 0 ||
      blkid_probe_set_sectorsize (pr, sector_size) != 0)
    return NULL;

  blkid_probe_enable_superblocks (pr, FALSE);
  blkid_probe_enable_partitions (pr, TRUE);

  list = blkid_probe_get_partitions (pr);
  if (list == NULL)
    return NULL;

  /* A GPT's protective MBR alone says only that the GPT was not found
   * with this sector size. */
  table = blkid_partlist_get_table (list);
  if (table == NULL || g_strcmp0 (blkid_parttable_get_type (table), "PMBR") == 0)
    return NULL;

  partitions = g_array_new (FALSE, FALSE, sizeof (QrPartition));
  add_partitions (partitions, list, file_size);

  return partitions;
}

/* The partitions of the image open as @fd, in table order; empty when it
 * has no partition table. */
GArray *
qr_partition_read_table (int      fd,
                         GError **error)
{
  static const guint sector_sizes[] = { 512, 4096 };
  struct stat st;

  g_return_val_if_fail (fd >= 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (fstat (fd, &st) != 0)
    {
      int errsv = errno;

      g_set_error (error, QR_ERROR, qr_error_from_errno (errsv),
                   _("The disk image cannot be read: %s."), g_strerror (errsv));
      return NULL;
    }

  for (guint i = 0; i < G_N_ELEMENTS (sector_sizes); i++)
    {
      GArray *partitions = probe (fd, st.st_size, sector_sizes[i]);

      if (partitions != NULL)
        return partitions;
    }

  return g_array_new (FALSE, FALSE, sizeof (QrPartition));
}
