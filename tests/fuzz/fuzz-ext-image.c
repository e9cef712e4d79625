/* fuzz-ext-image.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* libFuzzer target for the disk image reader: the input is a whole disk
 * image. Its partition table is read, then each filesystem found (the
 * image itself, or each partition) is opened and walked as the copy would
 * walk it: every folder listed, every link read, every file's data mapped
 * and read, paths looked up with links followed. Built by hand, e.g.:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *     -I_build -Isrc/engine tests/fuzz/fuzz-ext-image.c \
 *     src/engine/qr-image.c src/engine/qr-image-data.c src/engine/qr-image-path.c \
 *     src/engine/qr-partition.c src/engine/qr-error.c \
 *     $(pkg-config --cflags --libs gio-2.0 ext2fs com_err blkid) -o fuzz-ext-image
 *   ./fuzz-ext-image -max_len=1048576 -rss_limit_mb=1024 CORPUS
 *
 * with a corpus of small images made by mke2fs -d. To see into libext2fs
 * too, build e2fsprogs' lib/et and lib/ext2fs with CC=clang and
 * CFLAGS="-fsanitize=address,undefined,fuzzer-no-link", and link their
 * libcom_err.a and libext2fs.a instead of the system's (with their lib/
 * after this project's include folders). */

#include "config.h"

#include <sys/mman.h>
#include <unistd.h>

#include "qr-image.h"
#include "qr-partition.h"

/* A bound on the walk, so that one input cannot take long for reasons
 * that are the walk's, not the reader's. */
#define MAX_VISITS 512

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

static void
read_file (QrImage    *image,
           guint32     inode,
           const char *name)
{
  g_autoptr(QrImageData) map = NULL;
  g_autoptr(GError) error = NULL;
  QrImageRange range = { 0, 1 << 20 };
  guint64 missing;
  guint n_extents;
  char buffer[65536];

  map = qr_image_read_data_map (image, inode, name, &error);
  if (map == NULL)
    return;

  qr_image_data_get_extents (map, &n_extents);
  qr_image_data_is_within (map, &range, 1, &missing);
  qr_image_data_read (image, map, 0, buffer, sizeof buffer, NULL);
  qr_image_data_read (image, map, qr_image_data_get_size (map) / 2, buffer, sizeof buffer, NULL);
}

static void
walk (QrImage *image)
{
  g_autoptr(GArray) folders = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  guint32 root = QR_IMAGE_ROOT_INODE;
  guint visits = 0;

  g_array_append_val (folders, root);

  while (folders->len > 0 && visits < MAX_VISITS)
    {
      guint32 folder = g_array_index (folders, guint32, folders->len - 1);
      g_autoptr(GPtrArray) infos = NULL;

      g_array_set_size (folders, folders->len - 1);
      if (!g_hash_table_add (seen, GUINT_TO_POINTER (folder)))
        continue;

      infos = qr_image_list (image, folder, "folder", NULL, NULL);
      for (guint i = 0; infos != NULL && i < infos->len && visits < MAX_VISITS; i++, visits++)
        {
          GFileInfo *info = g_ptr_array_index (infos, i);
          guint32 inode = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_UNIX_INODE);
          g_autofree char *target = NULL;

          switch (g_file_info_get_file_type (info))
            {
            case G_FILE_TYPE_DIRECTORY:
              g_array_append_val (folders, inode);
              break;

            case G_FILE_TYPE_REGULAR:
              read_file (image, inode, g_file_info_get_name (info));
              break;

            case G_FILE_TYPE_SYMBOLIC_LINK:
              target = qr_image_read_link (image, inode, g_file_info_get_name (info), NULL);
              break;

            default:
              break;
            }
        }
    }

  qr_image_lookup (image, "home/user/Documents/../.bashrc", TRUE, NULL);
  qr_image_lookup (image, "lost+found/x/y", TRUE, NULL);
}

static void
fuzz_filesystem (const char *path,
                 guint64     offset,
                 guint64     length)
{
  g_autoptr(QrImage) image = qr_image_open (path, offset, length, NULL);

  if (image != NULL)
    walk (image);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GArray) partitions = NULL;
  g_autofree char *path = NULL;
  int fd = memfd_create ("fuzz-image", MFD_CLOEXEC);

  g_assert (fd >= 0);
  g_assert (write (fd, data, size) == (gssize) size);
  path = g_strdup_printf ("/proc/self/fd/%d", fd);

  partitions = qr_partition_read_table (fd, NULL);
  for (guint i = 0; partitions != NULL && i < partitions->len; i++)
    {
      QrPartition *partition = &g_array_index (partitions, QrPartition, i);

      fuzz_filesystem (path, partition->offset, partition->size);
    }

  fuzz_filesystem (path, 0, 0);
  close (fd);

  return 0;
}
