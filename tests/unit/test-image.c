/* test-image.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The in-process reader of disk images, on images made by mke2fs, sgdisk,
 * sfdisk and fdisk, and made hostile with debugfs and dd. */

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "image-fixtures.h"
#include "qr-error.h"
#include "qr-image.h"
#include "qr-mount-files.h"
#include "qr-partition.h"

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("qr-image-test-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  FIXTURE_RUN ("rm", "-rf", fixture->dir);
  g_free (fixture->dir);
}

static QrImage *
open_image (const char *path,
            guint64     offset)
{
  g_autoptr(GError) error = NULL;
  QrImage *image = qr_image_open (path, offset, 0, &error);

  g_assert_no_error (error);
  g_assert_nonnull (image);

  return image;
}

/* The whole file at @path, read through the data map. */
static GBytes *
read_whole (QrImage     *image,
            const char  *path,
            GError     **error)
{
  g_autoptr(QrImageData) data = NULL;
  g_autofree char *buffer = NULL;
  guint32 inode;
  gssize n;

  inode = qr_image_lookup (image, path, TRUE, error);
  if (inode == 0)
    return NULL;

  data = qr_image_read_data_map (image, inode, path, error);
  if (data == NULL)
    return NULL;

  g_assert_cmpuint (qr_image_data_get_size (data), <, 64 * 1024 * 1024);
  buffer = g_malloc (qr_image_data_get_size (data) + 1);
  n = qr_image_data_read (image, data, 0, buffer, qr_image_data_get_size (data) + 1, error);
  if (n < 0)
    return NULL;
  g_assert_cmpuint (n, ==, qr_image_data_get_size (data));

  return g_bytes_new (buffer, n);
}

static void
assert_report (QrImage *image)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  bytes = read_whole (image, "/home/user/Documents/report.txt", &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   FIXTURE_REPORT_TEXT, strlen (FIXTURE_REPORT_TEXT));
}

static void
assert_sparse (QrImage *image)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  const guchar *data;
  gsize size;

  bytes = read_whole (image, "home/user/Documents/sparse.bin", &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (bytes, &size);
  g_assert_cmpuint (size, ==, FIXTURE_SPARSE_SIZE);
  g_assert_cmpuint (data[0], ==, 1);
  g_assert_cmpuint (data[4095], ==, (guchar) (4095 * 7 + 1));
  g_assert_cmpuint (data[4096], ==, 0);
  g_assert_cmpuint (data[FIXTURE_SPARSE_SIZE / 2], ==, 0);
  g_assert_cmpuint (data[FIXTURE_SPARSE_SIZE - 4096], ==, 1);
  g_assert_cmpuint (data[FIXTURE_SPARSE_SIZE - 1], ==, (guchar) (4095 * 7 + 1));
}

static gboolean
contains_name (GPtrArray  *infos,
               const char *name)
{
  for (guint i = 0; i < infos->len; i++)
    if (g_str_equal (g_file_info_get_name (g_ptr_array_index (infos, i)), name))
      return TRUE;

  return FALSE;
}

static void
test_private (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *path = fixture_make_private (fixture->dir);
  g_autoptr(QrImage) image = open_image (path, 0);
  g_autoptr(GFileInfo) home = NULL;
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *target = NULL;
  guint32 documents;
  guint32 link;
  guint32 report;

  home = qr_image_query_info (image, qr_image_lookup (image, "home/user", TRUE, &error),
                              "user", &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_file_info_get_file_type (home), ==, G_FILE_TYPE_DIRECTORY);
  g_assert_cmpuint (g_file_info_get_attribute_uint32 (home, G_FILE_ATTRIBUTE_UNIX_UID), ==, 1000);
  g_assert_cmpuint (g_file_info_get_attribute_uint32 (home, G_FILE_ATTRIBUTE_UNIX_MODE), ==, 040700);

  documents = qr_image_lookup (image, "/home/user/Documents", TRUE, &error);
  g_assert_no_error (error);
  infos = qr_image_list (image, documents, "Documents", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (infos->len, ==, 4);
  g_assert_true (contains_name (infos, "report.txt"));
  g_assert_true (contains_name (infos, "Photos"));
  g_assert_true (contains_name (infos, "latest"));
  g_assert_true (contains_name (infos, "sparse.bin"));

  assert_report (image);
  assert_sparse (image);

  /* The link is read, not followed, unless asked. */
  link = qr_image_lookup (image, "home/user/Documents/latest", FALSE, &error);
  g_assert_no_error (error);
  target = qr_image_read_link (image, link, "latest", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (target, ==, "report.txt");
  report = qr_image_lookup (image, "home/user/Documents/report.txt", FALSE, &error);
  g_assert_cmpuint (qr_image_lookup (image, "home/user/Documents/latest", TRUE, &error), ==, report);
  g_assert_cmpuint (qr_image_lookup (image, "home/user/./Documents/../Documents/latest", TRUE, &error),
                    ==, report);
  g_assert_no_error (error);

  g_assert_cmpuint (qr_image_lookup (image, "home/user/missing", TRUE, &error), ==, 0);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpuint (qr_image_lookup (image, "home/user/Documents/report.txt/x", TRUE, &error), ==, 0);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_clear_error (&error);

  g_assert_null (qr_image_list (image, report, "report.txt", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
}

/* The sparse file's data lies in two pieces; a range list that misses
 * the second says how much is missing. */
static void
test_ranges (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *path = fixture_make_private (fixture->dir);
  g_autoptr(QrImage) image = open_image (path, 0);
  g_autoptr(QrImageData) map = NULL;
  g_autoptr(GError) error = NULL;
  const QrImageExtent *extents;
  QrImageRange ranges[2];
  guint64 missing = 0;
  guint n_extents;

  map = qr_image_read_data_map (image,
                                qr_image_lookup (image, "home/user/Documents/sparse.bin",
                                                 FALSE, &error),
                                "sparse.bin", &error);
  g_assert_no_error (error);
  extents = qr_image_data_get_extents (map, &n_extents);
  g_assert_cmpuint (n_extents, ==, 2);
  g_assert_cmpuint (extents[0].logical, ==, 0);
  g_assert_cmpuint (extents[1].logical + extents[1].length, ==, FIXTURE_SPARSE_SIZE);

  ranges[0] = (QrImageRange) { extents[0].physical, extents[0].length };
  ranges[1] = (QrImageRange) { extents[1].physical, extents[1].length };
  g_assert_true (qr_image_data_is_within (map, ranges, 2, &missing));
  g_assert_cmpuint (missing, ==, 0);

  /* Overlapping and out of order is still the same set of bytes. */
  ranges[0] = (QrImageRange) { extents[1].physical, extents[1].length };
  ranges[1] = (QrImageRange) { extents[0].physical, extents[0].length + 1 };
  g_assert_true (qr_image_data_is_within (map, ranges, 2, &missing));

  ranges[0] = (QrImageRange) { extents[1].physical + 512, extents[1].length };
  g_assert_false (qr_image_data_is_within (map, ranges, 1, &missing));
  g_assert_cmpuint (missing, ==, extents[0].length + 512);
  g_assert_false (qr_image_data_is_within (map, NULL, 0, &missing));
  g_assert_cmpuint (missing, ==, extents[0].length + extents[1].length);
}

/* ext2 and ext3 map blocks through indirect blocks, not extents; 1 KiB
 * blocks make the file long enough to need them. */
static void
test_block_maps (Fixture       *fixture,
                 gconstpointer  data)
{
  static const char * const types[] = { "ext2", "ext3" };
  g_autofree char *tree = fixture_make_tree (fixture->dir);
  g_autofree char *long_path = g_build_filename (tree, "home", "user", "long.bin", NULL);
  g_autoptr(GByteArray) contents = g_byte_array_new ();
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 300 * 1024; i++)
    g_byte_array_append (contents, (guint8[]) { (guint8) (i % 251) }, 1);
  g_file_set_contents (long_path, (const char *) contents->data, contents->len, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autofree char *name = g_strconcat (types[i], ".img", NULL);
      g_autofree char *path = NULL;
      g_autoptr(QrImage) image = NULL;
      g_autoptr(GBytes) bytes = NULL;

      path = g_build_filename (fixture->dir, name, NULL);
      FIXTURE_RUN ("truncate", "-s", "16M", path);
      FIXTURE_RUN ("mke2fs", "-q", "-F", "-t", types[i], "-b", "1024", "-d", tree, path);
      image = open_image (path, 0);

      assert_report (image);
      assert_sparse (image);
      bytes = read_whole (image, "home/user/long.bin", &error);
      g_assert_no_error (error);
      g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                       contents->data, contents->len);
    }
}

/* Small files kept in the inode itself; their data is where the inode is. */
static void
test_inline_data (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *tree = fixture_make_tree (fixture->dir);
  g_autofree char *path = fixture_make_fs (fixture->dir, "inline.img", tree, "16M", "ext4",
                                           "inline_data");
  g_autoptr(QrImage) image = open_image (path, 0);
  g_autoptr(QrImageData) map = NULL;
  g_autoptr(GError) error = NULL;
  guint64 position = fixture_inode_position (path, "/home/user/Documents/report.txt");
  QrImageRange range = { position, 256 };
  guint64 missing;

  assert_report (image);
  assert_sparse (image);

  map = qr_image_read_data_map (image,
                                qr_image_lookup (image, "home/user/Documents/report.txt",
                                                 FALSE, &error),
                                "report.txt", &error);
  g_assert_no_error (error);
  g_assert_true (qr_image_data_is_within (map, &range, 1, &missing));
  range.offset += 64;
  g_assert_false (qr_image_data_is_within (map, &range, 1, &missing));
  g_assert_cmpuint (missing, ==, 64);
}

/* A template's root.img: GPT with the root filesystem in partition 3. */
static void
test_gpt (Fixture       *fixture,
          gconstpointer  data)
{
  g_autofree char *tree = fixture_make_tree (fixture->dir);
  g_autofree char *part = fixture_make_fs (fixture->dir, "root.part", tree, "30M", "ext4", NULL);
  g_autofree char *path = g_build_filename (fixture->dir, "root.img", NULL);
  g_autoptr(GArray) partitions = NULL;
  g_autoptr(QrImage) image = NULL;
  g_autoptr(GError) error = NULL;
  QrPartition *p3;
  int fd;

  FIXTURE_RUN ("truncate", "-s", "48M", path);
  FIXTURE_RUN ("sgdisk", "--clear",
               "--new=1:2048:4095", "--typecode=1:ef02",
               "--new=2:4096:20479", "--typecode=2:8200",
               "--new=3:20480:81919", "--typecode=3:8300", path);
  fixture_copy_into (path, part, 20480 * 512);

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  partitions = qr_partition_read_table (fd, &error);
  g_assert_no_errno (close (fd));
  g_assert_no_error (error);
  g_assert_cmpuint (partitions->len, ==, 3);
  p3 = &g_array_index (partitions, QrPartition, 2);
  g_assert_cmpuint (p3->number, ==, 3);
  g_assert_cmpuint (p3->offset, ==, 20480 * 512);
  g_assert_cmpuint (p3->size, ==, (81919 - 20480 + 1) * 512);

  image = open_image (path, p3->offset);
  assert_report (image);

  /* Partition 1 holds no filesystem. */
  g_assert_null (qr_image_open (path, g_array_index (partitions, QrPartition, 0).offset,
                                0, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_NO_FILESYSTEM);
}

/* An MBR whose filesystem is in a logical partition of an extended one. */
static void
test_mbr_logical (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *tree = fixture_make_tree (fixture->dir);
  g_autofree char *part = fixture_make_fs (fixture->dir, "logical.part", tree, "20M", "ext4", NULL);
  g_autofree char *path = g_build_filename (fixture->dir, "mbr.img", NULL);
  g_autofree char *script_path = g_build_filename (fixture->dir, "table", NULL);
  g_autofree char *command = NULL;
  g_autoptr(GArray) partitions = NULL;
  g_autoptr(QrImage) image = NULL;
  g_autoptr(GError) error = NULL;
  QrPartition *logical = NULL;
  int fd;

  g_file_set_contents (script_path,
                       "label: dos\n"
                       "start=2048, size=8192, type=83\n"
                       "start=10240, type=5\n"
                       "start=12288, size=40960, type=83\n", -1, &error);
  g_assert_no_error (error);
  FIXTURE_RUN ("truncate", "-s", "64M", path);
  command = g_strdup_printf ("sfdisk -q '%s' < '%s'", path, script_path);
  FIXTURE_RUN ("sh", "-c", command);

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  partitions = qr_partition_read_table (fd, &error);
  g_assert_no_errno (close (fd));
  g_assert_no_error (error);

  /* The extended partition only holds the logical one. */
  g_assert_cmpuint (partitions->len, ==, 2);
  logical = &g_array_index (partitions, QrPartition, 1);
  g_assert_cmpuint (logical->number, ==, 5);
  g_assert_cmpuint (logical->offset, ==, 12288 * 512);

  fixture_copy_into (path, part, logical->offset);
  image = open_image (path, logical->offset);
  assert_report (image);
}

/* A GPT written for a disk of 4 KiB sectors. */
static void
test_gpt_4k (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *tree = fixture_make_tree (fixture->dir);
  g_autofree char *part = NULL;
  g_autofree char *path = g_build_filename (fixture->dir, "gpt4k.img", NULL);
  g_autofree char *command = NULL;
  g_autoptr(GArray) partitions = NULL;
  g_autoptr(QrImage) image = NULL;
  g_autoptr(GError) error = NULL;
  QrPartition *p3;
  int fd;

  part = g_build_filename (fixture->dir, "4k.part", NULL);
  FIXTURE_RUN ("truncate", "-s", "40M", part);
  FIXTURE_RUN ("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-d", tree, part);

  FIXTURE_RUN ("truncate", "-s", "64M", path);
  command = g_strdup_printf ("printf 'g\\nn\\n1\\n256\\n+1M\\nn\\n2\\n\\n+2M\\nn\\n3\\n\\n\\nw\\n' | "
                             "fdisk -b 4096 '%s' > /dev/null", path);
  FIXTURE_RUN ("sh", "-c", command);

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  partitions = qr_partition_read_table (fd, &error);
  g_assert_no_errno (close (fd));
  g_assert_no_error (error);
  g_assert_cmpuint (partitions->len, ==, 3);
  p3 = &g_array_index (partitions, QrPartition, 2);
  g_assert_cmpuint (p3->number, ==, 3);
  g_assert_cmpuint (p3->offset % 4096, ==, 0);
  g_assert_cmpuint (p3->offset, ==, (256 + 256 + 512) * (guint64) 4096);

  fixture_copy_into (path, part, p3->offset);
  image = open_image (path, p3->offset);
  assert_report (image);
}

/* Which filesystem and folder of an image hold the user's files, and
 * whether mounting would let an account in. */
static void
test_files_folder (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *path = fixture_make_private (fixture->dir);
  g_autofree char *files_path = NULL;
  g_autoptr(QrImage) image = NULL;
  g_autoptr(GError) error = NULL;

  image = qr_mount_files_open_image (path, &files_path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (files_path, ==, "/home/user");

  g_assert_true (qr_mount_files_check_image_access (image, files_path, 1000, &error));
  g_assert_true (qr_mount_files_check_image_access (image, files_path, 0, &error));
  g_assert_false (qr_mount_files_check_image_access (image, files_path, 1234, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_NOT_AUTHORIZED);
  g_assert_nonnull (strstr (error->message, "(number 1000)"));
  g_assert_null (strstr (error->message, "sudo"));
  g_clear_error (&error);

  /* Open to all, it is anyone's to open. */
  g_clear_object (&image);
  fixture_debugfs (path, "sif /home/user mode 040755");
  g_clear_pointer (&files_path, g_free);
  image = qr_mount_files_open_image (path, &files_path, &error);
  g_assert_true (qr_mount_files_check_image_access (image, files_path, 1234, &error));
  g_assert_no_error (error);
}

static void
test_no_table (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *path = fixture_make_private (fixture->dir);
  g_autoptr(GArray) partitions = NULL;
  g_autoptr(GError) error = NULL;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);

  partitions = qr_partition_read_table (fd, &error);
  g_assert_no_errno (close (fd));
  g_assert_no_error (error);
  g_assert_cmpuint (partitions->len, ==, 0);
}

/* Partition tables that point outside the file or round in a circle:
 * read promptly, and only partitions inside the file are given. */
static void
test_hostile_tables (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *gpt = g_build_filename (fixture->dir, "short.img", NULL);
  g_autofree char *mbr = g_build_filename (fixture->dir, "loop.img", NULL);
  g_autofree char *script_path = g_build_filename (fixture->dir, "table", NULL);
  g_autofree char *command = NULL;
  g_autoptr(GArray) partitions = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 zero[4] = { 0 };
  int fd;

  /* A GPT whose third partition lies past the end of a cut file. */
  FIXTURE_RUN ("truncate", "-s", "48M", gpt);
  FIXTURE_RUN ("sgdisk", "--clear", "--new=1:2048:4095", "--new=2:4096:20479",
               "--new=3:20480:81919", gpt);
  FIXTURE_RUN ("truncate", "-s", "20M", gpt);
  fd = g_open (gpt, O_RDONLY | O_CLOEXEC, 0);
  partitions = qr_partition_read_table (fd, &error);
  g_assert_no_errno (close (fd));
  g_assert_no_error (error);
  for (guint i = 0; i < partitions->len; i++)
    {
      QrPartition *partition = &g_array_index (partitions, QrPartition, i);

      g_assert_cmpuint (partition->number, !=, 3);
      g_assert_cmpuint (partition->offset + partition->size, <=, 20 * 1024 * 1024);
    }
  g_clear_pointer (&partitions, g_array_unref);

  /* An MBR whose chain of logical partitions leads back to its start. */
  g_file_set_contents (script_path,
                       "label: dos\n"
                       "start=2048, size=8192, type=83\n"
                       "start=10240, type=5\n"
                       "start=12288, size=8192, type=83\n"
                       "start=22528, size=8192, type=83\n", -1, &error);
  g_assert_no_error (error);
  FIXTURE_RUN ("truncate", "-s", "64M", mbr);
  command = g_strdup_printf ("sfdisk -q '%s' < '%s'", mbr, script_path);
  FIXTURE_RUN ("sh", "-c", command);

  /* The first logical partition's link to the next now points at itself. */
  fd = g_open (mbr, O_RDWR | O_CLOEXEC, 0);
  g_assert_cmpint (pwrite (fd, zero, sizeof zero, 10240 * 512 + 446 + 16 + 8), ==, sizeof zero);
  partitions = qr_partition_read_table (fd, &error);
  g_assert_no_errno (close (fd));
  g_assert_no_error (error);
  g_test_message ("%u partitions read from the looping table", partitions->len);
  g_assert_cmpuint (partitions->len, <=, 128);
  for (guint i = 0; i < partitions->len; i++)
    g_assert_cmpuint (g_array_index (partitions, QrPartition, i).offset, <, 64 * 1024 * 1024);
}

/* Hostile and damaged images */

static void
assert_open_fails (const char *path,
                   int         code)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_path_get_basename (path);

  g_assert_null (qr_image_open (path, 0, 0, &error));
  g_assert_error (error, QR_ERROR, code);
  g_assert_nonnull (strstr (error->message, name));
}

static void
test_not_a_filesystem (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *blank = g_build_filename (fixture->dir, "blank.img", NULL);
  g_autofree char *missing = g_build_filename (fixture->dir, "missing.img", NULL);
  g_autoptr(GError) error = NULL;

  FIXTURE_RUN ("truncate", "-s", "8M", blank);
  assert_open_fails (blank, QR_ERROR_NO_FILESYSTEM);

  g_assert_null (qr_image_open (missing, 0, 0, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_IO);
  g_clear_error (&error);

  /* An offset past the end of the file. */
  g_assert_null (qr_image_open (blank, 64 * 1024 * 1024, 0, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
}

static void
test_corrupt_superblock (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *path = fixture_make_private (fixture->dir);
  g_autofree char *of = g_strconcat ("of=", path, NULL);

  /* Counts that do not add up, with a correct checksum. */
  fixture_debugfs (path, "ssv inodes_count 12345");
  assert_open_fails (path, QR_ERROR_DAMAGED);

  /* Far more blocks than the image could hold. */
  fixture_debugfs (path, "ssv inodes_count 8192");
  fixture_debugfs (path, "ssv blocks_count 0xffffffffff");
  assert_open_fails (path, QR_ERROR_DAMAGED);

  /* A flipped byte: the checksum no longer matches. */
  fixture_debugfs (path, "ssv blocks_count 32768");
  FIXTURE_RUN ("dd", "status=none", "conv=notrunc", "bs=1", "seek=1124", "count=1",
               "if=/dev/urandom", of);
  assert_open_fails (path, QR_ERROR_DAMAGED);
}

static void
test_symlink_cycle (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *path = fixture_make_private (fixture->dir);
  g_autoptr(QrImage) image = NULL;
  g_autoptr(GError) error = NULL;

  fixture_debugfs (path, "symlink /home/user/a /home/user/b");
  fixture_debugfs (path, "symlink /home/user/b a");
  fixture_debugfs (path, "symlink /home/user/self /home/user/self");
  image = open_image (path, 0);

  g_assert_cmpuint (qr_image_lookup (image, "home/user/a", TRUE, &error), ==, 0);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_LINKS);
  g_clear_error (&error);
  g_assert_cmpuint (qr_image_lookup (image, "home/user/self/x", FALSE, &error), ==, 0);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_LINKS);
  g_clear_error (&error);

  /* Not followed, they are only links. */
  g_assert_cmpuint (qr_image_lookup (image, "home/user/a", FALSE, &error), !=, 0);
  g_assert_no_error (error);
}

/* A folder that holds one of its own ancestors: listing it is fine, and
 * it is only a loop to whoever walks down. */
static void
test_directory_loop (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *path = fixture_make_private (fixture->dir);
  g_autoptr(QrImage) image = NULL;
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(GError) error = NULL;
  guint32 home;
  guint32 loop;

  fixture_debugfs (path, "ln /home/user /home/user/Documents/Photos/loop");
  image = open_image (path, 0);

  home = qr_image_lookup (image, "home/user", TRUE, &error);
  loop = qr_image_lookup (image, "home/user/Documents/Photos/loop/Documents/Photos/loop", TRUE,
                          &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loop, ==, home);

  infos = qr_image_list (image, loop, "loop", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (contains_name (infos, "Documents"));
}

static void
assert_read_damaged (QrImage    *image,
                     const char *path)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  bytes = read_whole (image, path, &error);
  g_assert_null (bytes);
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_test_message ("%s", error->message);
}

/* An inode that claims 2^60 bytes, an extent far outside the filesystem,
 * an extent longer than the filesystem, and a link longer than any. */
static void
test_impossible_sizes (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *path = fixture_make_private (fixture->dir);
  g_autoptr(QrImage) image = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  guint32 inode;

  fixture_debugfs (path, "sif /home/user/Documents/report.txt size 0x1000000000000000");
  fixture_debugfs (path, "sif /home/user/Documents/Photos/cat.jpg block[5] 0xfffffff0");
  fixture_debugfs (path, "sif /home/user/.bashrc block[4] 0x7fff");
  fixture_debugfs (path, "sif /home/user/Documents/latest size 70000");
  image = open_image (path, 0);

  assert_read_damaged (image, "home/user/Documents/report.txt");
  assert_read_damaged (image, "home/user/Documents/Photos/cat.jpg");
  assert_read_damaged (image, "home/user/.bashrc");

  inode = qr_image_lookup (image, "home/user/Documents/report.txt", FALSE, &error);
  info = qr_image_query_info (image, inode, "report.txt", &error);
  g_assert_no_error (error);
  g_assert_nonnull (g_file_info_get_attribute_string (info, QR_IMAGE_ATTRIBUTE_ERROR));

  inode = qr_image_lookup (image, "home/user/Documents/latest", FALSE, &error);
  g_assert_null (qr_image_read_link (image, inode, "latest", &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
}

/* Metadata checksums that do not match: an inode and a folder block. */
static void
test_bad_checksums (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *path = fixture_make_private (fixture->dir);
  g_autofree char *of = g_strconcat ("of=", path, NULL);
  g_autofree char *seek = NULL;
  g_autofree char *blocks = NULL;
  g_autoptr(QrImage) image = NULL;
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(GError) error = NULL;
  guint64 position = fixture_inode_position (path, "/home/user/Documents/report.txt");
  guint32 inode;

  /* The inode's modification time. */
  seek = g_strdup_printf ("seek=%" G_GUINT64_FORMAT, position + 16);
  FIXTURE_RUN ("dd", "status=none", "conv=notrunc", "bs=1", "count=4", "if=/dev/urandom",
               of, seek);

  /* A name in the first block of Photos. */
  blocks = fixture_run_capture ((const char * const []) {
                                  "debugfs", "-R", "blocks /home/user/Documents/Photos", path, NULL
                                });
  g_clear_pointer (&seek, g_free);
  seek = g_strdup_printf ("seek=%" G_GUINT64_FORMAT, g_ascii_strtoull (blocks, NULL, 10) * fixture_block_size (path) + 30);
  FIXTURE_RUN ("dd", "status=none", "conv=notrunc", "bs=1", "count=2", "if=/dev/urandom",
               of, seek);

  image = open_image (path, 0);
  assert_read_damaged (image, "home/user/Documents/report.txt");

  /* The folder still lists, and shows the damaged entry as such. */
  inode = qr_image_lookup (image, "home/user/Documents", TRUE, &error);
  g_assert_no_error (error);
  infos = qr_image_list (image, inode, "Documents", NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < infos->len; i++)
    {
      GFileInfo *info = g_ptr_array_index (infos, i);

      g_assert_true (g_str_equal (g_file_info_get_name (info), "report.txt") ==
                     (g_file_info_get_attribute_string (info, QR_IMAGE_ATTRIBUTE_ERROR) != NULL));
    }

  inode = qr_image_lookup (image, "home/user/Documents/Photos", TRUE, &error);
  g_assert_no_error (error);
  g_assert_null (qr_image_list (image, inode, "Photos", NULL, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* Listing in a worker thread, by path, with the link followed. */
static void
test_list_async (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *path = fixture_make_private (fixture->dir);
  g_autoptr(QrImage) image = open_image (path, 0);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(GError) error = NULL;

  fixture_debugfs (path, "symlink /docs home/user/Documents");
  g_clear_object (&image);
  image = open_image (path, 0);

  qr_image_list_async (image, "/docs", NULL, store_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  infos = qr_image_list_finish (image, result, &error);
  g_assert_no_error (error);
  g_assert_true (contains_name (infos, "report.txt"));
  g_assert_cmpuint (infos->len, ==, 4);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/qr/image/private", test_private);
  ADD ("/qr/image/ranges", test_ranges);
  ADD ("/qr/image/block-maps", test_block_maps);
  ADD ("/qr/image/inline-data", test_inline_data);
  ADD ("/qr/image/gpt", test_gpt);
  ADD ("/qr/image/mbr-logical", test_mbr_logical);
  ADD ("/qr/image/gpt-4k", test_gpt_4k);
  ADD ("/qr/image/no-table", test_no_table);
  ADD ("/qr/image/files-folder", test_files_folder);
  ADD ("/qr/image/hostile/partition-tables", test_hostile_tables);
  ADD ("/qr/image/hostile/not-a-filesystem", test_not_a_filesystem);
  ADD ("/qr/image/hostile/corrupt-superblock", test_corrupt_superblock);
  ADD ("/qr/image/hostile/symlink-cycle", test_symlink_cycle);
  ADD ("/qr/image/hostile/directory-loop", test_directory_loop);
  ADD ("/qr/image/hostile/impossible-sizes", test_impossible_sizes);
  ADD ("/qr/image/hostile/bad-checksums", test_bad_checksums);
  ADD ("/qr/image/list-async", test_list_async);
#undef ADD

  return g_test_run ();
}
