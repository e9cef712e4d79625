/* test-image-damaged.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Partly recovered disk images. A real salvage first: a backup made by
 * the fixture generator with one byte of a part of work's private.img
 * flipped, restored with salvage by the engine, and every file of the
 * image judged against where debugfs says its blocks lie; then what is
 * copied of it. Then images made by mke2fs with chosen stretches lost:
 * a folder's blocks, an inode, an extent tree, an indirect block, a
 * link's target, the superblock. */

#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "image-fixtures.h"
#include "qr-backup.h"
#include "qr-error.h"
#include "qr-image.h"
#include "qr-image-copy.h"
#include "qr-mount-files.h"
#include "qr-restore.h"
#include "qr-restore-report.h"

#define PASSPHRASE "correct horse battery staple"

/* The salvage all cases of the first kind share. */
static char *salvage_dir;
static char *salvaged_image;
static JsonNode *manifest;

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("qr-damaged-test-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  FIXTURE_RUN ("rm", "-rf", fixture->dir);
  g_free (fixture->dir);
}

/* The salvage */

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GAsyncResult *
wait_for_result (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return *result;
}

/* Flips one byte in the middle of the middle part of work's private.img,
 * as a failing disk would. */
static void
damage_backup (const char *backup)
{
  static const char script[] =
    "import sys, tarfile\n"
    "path = sys.argv[1]\n"
    "with tarfile.open(path, ignore_zeros=True) as archive:\n"
    "    parts = sorted((m.name, m.offset_data, m.size) for m in archive.getmembers()\n"
    "                   if m.name.startswith('vm12/private.img.'))\n"
    "name, offset, size = parts[len(parts) // 2]\n"
    "with open(path, 'r+b') as f:\n"
    "    f.seek(offset + size // 2)\n"
    "    byte = f.read(1)[0]\n"
    "    f.seek(offset + size // 2)\n"
    "    f.write(bytes([byte ^ 0x40]))\n";

  FIXTURE_RUN ("python3", "-c", script, backup);
}

static void
salvage (const char *backup_path,
         const char *dest_path)
{
  g_autoptr(GFile) file = g_file_new_for_path (backup_path);
  g_autoptr(GFile) dest = g_file_new_for_path (dest_path);
  g_autoptr(QrBackup) backup = NULL;
  g_autoptr(QrRestore) restore = NULL;
  g_autoptr(GAsyncResult) unlocked = NULL;
  g_autoptr(GAsyncResult) restored = NULL;
  g_autoptr(GError) error = NULL;

  backup = qr_backup_open (file, NULL, &error);
  g_assert_no_error (error);
  qr_backup_unlock_async (backup, PASSPHRASE, NULL, NULL, store_result_cb, &unlocked);
  g_assert_true (qr_backup_unlock_finish (backup, wait_for_result (&unlocked), &error));
  g_assert_no_error (error);

  restore = qr_restore_new (backup, dest);
  qr_restore_set_salvage (restore, TRUE);
  qr_restore_run_async (restore, NULL, store_result_cb, &restored);
  g_assert_false (qr_restore_run_finish (restore, wait_for_result (&restored), &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
}

/* An uncompressed backup, so that the parts after the damaged one are
 * placed too: the lost stretch is in the middle of the image. */
static void
make_salvage (void)
{
  const char *generator = g_getenv ("QR_FIXTURE_GENERATOR");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *backup = NULL;
  g_autofree char *manifest_path = NULL;
  g_autofree char *dest = NULL;
  g_autofree char *folder = NULL;

  g_assert_nonnull (generator);
  salvage_dir = g_dir_make_tmp ("qr-salvage-XXXXXX", &error);
  g_assert_no_error (error);
  backup = g_build_filename (salvage_dir, "backup", NULL);
  manifest_path = g_build_filename (salvage_dir, "manifest.json", NULL);
  FIXTURE_RUN ("python3", generator, "--qubes", "small", "--compression", "none",
               "--chunk-size", "65536", "--manifest", manifest_path, backup);
  json_parser_load_from_file (parser, manifest_path, &error);
  g_assert_no_error (error);
  manifest = json_node_copy (json_parser_get_root (parser));

  damage_backup (backup);
  dest = g_build_filename (salvage_dir, "restored", NULL);
  salvage (backup, dest);

  folder = g_build_filename (dest, "work (partly recovered)", NULL);
  salvaged_image = g_build_filename (folder, "private.img", NULL);
  g_assert_true (g_file_test (salvaged_image, G_FILE_TEST_IS_REGULAR));
}

/* The sha256 the generator wrote down for @path in work's private.img. */
static const char *
manifest_sha256 (const char *path)
{
  JsonArray *qubes = json_object_get_array_member (json_node_get_object (manifest), "qubes");

  for (guint i = 0; i < json_array_get_length (qubes); i++)
    {
      JsonObject *qube = json_array_get_object_element (qubes, i);
      JsonObject *files, *image, *contents;

      if (!g_str_equal (json_object_get_string_member (qube, "name"), "work"))
        continue;

      files = json_object_get_object_member (qube, "files");
      image = json_object_get_object_member (files, "private.img");
      contents = json_object_get_object_member (image, "contents");
      if (!json_object_has_member (contents, path))
        return NULL;
      return json_object_get_string_member (json_object_get_object_member (contents, path),
                                            "sha256");
    }

  return NULL;
}

static GArray *
read_lost (const char *image)
{
  g_autofree char *folder = g_path_get_dirname (image);
  g_autofree char *name = g_path_get_basename (image);
  g_autoptr(GError) error = NULL;
  GArray *lost = qr_restore_report_read_lost (folder, name, &error);

  g_assert_no_error (error);
  g_assert_nonnull (lost);

  return lost;
}

static guint64
inode_size (const char *image)
{
  g_autofree char *out = fixture_run_capture ((const char * const []) {
                                                "debugfs", "-R", "stats", image, NULL
                                              });
  const char *line = strstr (out, "Inode size:");

  g_assert_nonnull (line);

  return g_ascii_strtoull (line + strlen ("Inode size:"), NULL, 10);
}

static guint64
overlap (GArray  *lost,
         guint64  offset,
         guint64  length)
{
  guint64 total = 0;

  for (guint i = 0; i < lost->len; i++)
    {
      QrRestoreRange *range = &g_array_index (lost, QrRestoreRange, i);
      guint64 start = MAX (range->offset, offset);
      guint64 end = MIN (range->offset + range->length, offset + length);

      if (end > start)
        total += end - start;
    }

  return total;
}

/* What debugfs says of @path: its blocks (data and the blocks that map
 * it), in the order of the file. */
static GArray *
debugfs_blocks (const char *image,
                const char *path)
{
  g_autofree char *command = g_strdup_printf ("blocks \"%s\"", path);
  g_autofree char *out = fixture_run_capture ((const char * const []) {
                                                "debugfs", "-R", command, image, NULL
                                              });
  g_auto(GStrv) words = g_strsplit_set (out, " \n", -1);
  GArray *blocks = g_array_new (FALSE, FALSE, sizeof (guint64));

  for (guint i = 0; words[i] != NULL; i++)
    if (words[i][0] != '\0')
      {
        guint64 block = g_ascii_strtoull (words[i], NULL, 10);

        g_array_append_val (blocks, block);
      }

  return blocks;
}

typedef struct
{
  guint64 inode_size;
  guint   n_files;
  guint   n_damaged;
  guint   n_exact;
} Tally;

/* The reader's verdict on @info at @path against debugfs's blocks. */
static void
check_verdict (GArray     *lost,
               guint64     block_size,
               const char *path,
               GFileInfo  *info,
               Tally      *tally)
{
  g_autoptr(GArray) blocks = debugfs_blocks (salvaged_image, path);
  guint64 size = g_file_info_get_size (info);
  guint64 position = fixture_inode_position (salvaged_image, path);
  gboolean inode_lost = overlap (lost, position, tally->inode_size) > 0;
  gboolean any_lost = inode_lost;
  guint64 expected = 0;

  g_assert_true (g_file_info_has_attribute (info, QR_IMAGE_ATTRIBUTE_DAMAGED));

  for (guint i = 0; i < blocks->len; i++)
    {
      guint64 block = g_array_index (blocks, guint64, i);

      any_lost |= overlap (lost, block * block_size, block_size) > 0;
      if (i * block_size < size)
        expected += overlap (lost, block * block_size, MIN (block_size, size - i * block_size));
    }

  g_test_message ("%s: %u blocks, %s", path, blocks->len, any_lost ? "damaged" : "intact");
  g_assert_cmpint (g_file_info_get_attribute_boolean (info, QR_IMAGE_ATTRIBUTE_DAMAGED), ==,
                   any_lost);
  tally->n_files++;
  tally->n_damaged += any_lost;

  /* Data in one block after another from the start, and nothing else:
   * how much is missing is known exactly. */
  if (!inode_lost && blocks->len == (size + block_size - 1) / block_size)
    {
      g_assert_cmpuint (g_file_info_get_attribute_uint64 (info, QR_IMAGE_ATTRIBUTE_MISSING), ==,
                        expected);
      tally->n_exact++;
    }
}

static void
walk_and_check (QrImage    *image,
                GArray     *lost,
                guint64     block_size,
                guint32     folder,
                const char *folder_path,
                Tally      *tally)
{
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(GError) error = NULL;

  infos = qr_image_list (image, folder, folder_path, NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < infos->len; i++)
    {
      GFileInfo *info = g_ptr_array_index (infos, i);
      g_autofree char *path = g_build_filename (folder_path, g_file_info_get_name (info), NULL);

      check_verdict (lost, block_size, path, info, tally);
      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY &&
          !g_str_equal (g_file_info_get_name (info), "lost+found"))
        walk_and_check (image, lost, block_size,
                        g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_UNIX_INODE),
                        path, tally);
    }
}

/* Every file of the salvaged image: damaged exactly when one of its blocks
 * lies in what was lost, and missing what lies there. */
static void
test_salvaged_verdicts (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrImage) image = NULL;
  g_autoptr(GArray) lost = read_lost (salvaged_image);
  Tally tally = { inode_size (salvaged_image), 0, 0, 0 };
  const QrImageRange *ranges;
  guint n_ranges;

  image = qr_image_open (salvaged_image, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_true (qr_image_is_partial (image));
  ranges = qr_image_get_lost_ranges (image, &n_ranges);
  g_assert_cmpuint (n_ranges, ==, lost->len);
  g_assert_cmpuint (ranges[0].offset, ==, g_array_index (lost, QrRestoreRange, 0).offset);

  walk_and_check (image, lost, fixture_block_size (salvaged_image), QR_IMAGE_ROOT_INODE, "/",
                  &tally);

  /* The damage hit a file, and not all of them. */
  g_test_message ("%u files, %u damaged, %u exactly", tally.n_files, tally.n_damaged,
                  tally.n_exact);
  g_assert_cmpuint (tally.n_damaged, >, 0);
  g_assert_cmpuint (tally.n_damaged, <, tally.n_files);
  g_assert_cmpuint (tally.n_exact, >, tally.n_files / 2);
}

static QrImageCopy *
run_copy (QrImage    *image,
          const char *path,
          const char *destination,
          gboolean    copy_damaged,
          GError    **error)
{
  const char *paths[] = { path, NULL };
  g_autoptr(GFile) dest = g_file_new_for_path (destination);
  g_autoptr(GAsyncResult) result = NULL;
  QrImageCopy *copy = qr_image_copy_new (image, paths, dest);

  qr_image_copy_set_copy_damaged (copy, copy_damaged);
  qr_image_copy_run_async (copy, NULL, store_result_cb, &result);
  qr_image_copy_run_finish (copy, wait_for_result (&result), error);

  return copy;
}

static char *
sha256_of (const char *path)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);

  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
}

/* Whether [offset, offset + length) of the file at @path holds no data
 * on the disk, but for the blocks it shares with data at its ends. */
static gboolean
is_hole (const char *path,
         guint64     offset,
         guint64     length)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  guint64 start = (offset + 4095) / 4096 * 4096;
  guint64 end = (offset + length) / 4096 * 4096;
  off_t data;

  g_assert_cmpint (fd, >=, 0);
  data = end > start ? lseek (fd, start, SEEK_DATA) : -1;
  g_assert_no_errno (close (fd));

  return end <= start || data < 0 || (guint64) data >= end;
}

typedef struct
{
  char    *path;
  guint64  missing;
  guint64  size;
} Damaged;

static void
damaged_free (Damaged *damaged)
{
  g_free (damaged->path);
  g_free (damaged);
}

static void
collect_damaged (QrImage    *image,
                 guint32     folder,
                 const char *folder_path,
                 GPtrArray  *out)
{
  g_autoptr(GPtrArray) infos = qr_image_list (image, folder, folder_path, NULL, NULL);

  for (guint i = 0; infos != NULL && i < infos->len; i++)
    {
      GFileInfo *info = g_ptr_array_index (infos, i);
      g_autofree char *path = g_build_filename (folder_path, g_file_info_get_name (info), NULL);

      if (g_file_info_get_attribute_boolean (info, QR_IMAGE_ATTRIBUTE_DAMAGED))
        {
          Damaged *damaged = g_new0 (Damaged, 1);

          /* What the damage of this backup hits: file data. */
          g_assert_cmpint (g_file_info_get_file_type (info), ==, G_FILE_TYPE_REGULAR);

          damaged->path = g_strdup (path);
          damaged->missing = g_file_info_get_attribute_uint64 (info, QR_IMAGE_ATTRIBUTE_MISSING);
          damaged->size = g_file_info_get_size (info);
          g_ptr_array_add (out, damaged);
        }
      else if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        {
          collect_damaged (image, g_file_info_get_attribute_uint64 (info,
                                                                    G_FILE_ATTRIBUTE_UNIX_INODE),
                           path, out);
        }
    }
}

/* Copied out of the salvaged image: the intact files byte for byte, the
 * damaged ones left out with a note, or on request under a name that
 * says so, with holes where their data was lost. */
static void
test_salvaged_copy (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrImage) image = qr_image_open (salvaged_image, 0, 0, &error);
  g_autoptr(GPtrArray) damaged = g_ptr_array_new_with_free_func ((GDestroyNotify) damaged_free);
  g_autoptr(GArray) lost = read_lost (salvaged_image);
  g_autofree char *plain = g_build_filename (fixture->dir, "plain", NULL);
  g_autofree char *all = g_build_filename (fixture->dir, "all", NULL);
  g_autoptr(QrImageCopy) copy = NULL;
  const char *report_sha;
  GPtrArray *notes;

  g_assert_no_error (error);
  collect_damaged (image, qr_image_lookup (image, "/home/user", TRUE, &error), "/home/user",
                   damaged);
  g_assert_cmpuint (damaged->len, >, 0);

  /* Left out, each with a note that says how much was lost. */
  copy = run_copy (image, "/home/user", plain, FALSE, &error);
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_clear_error (&error);
  notes = qr_image_copy_get_notes (copy);
  g_assert_cmpuint (notes->len, ==, damaged->len);
  for (guint i = 0; i < notes->len; i++)
    {
      QrImageCopyNote *note = g_ptr_array_index (notes, i);
      Damaged *expected = g_ptr_array_index (damaged, i);
      g_autofree char *copy_path = NULL;

      g_assert_cmpint (note->kind, ==, QR_IMAGE_COPY_NOTE_DAMAGED);
      g_assert_cmpstr (note->path, ==, expected->path);
      g_assert_cmpuint (note->missing, ==, expected->missing);
      g_assert_cmpuint (note->size, ==, expected->size);
      g_assert_null (note->copied_as);
      copy_path = g_build_filename (plain, "user", expected->path + strlen ("/home/user/"), NULL);
      g_assert_false (g_file_test (copy_path, G_FILE_TEST_EXISTS));
    }

  /* The intact ones, as the backup held them. */
  report_sha = manifest_sha256 ("home/user/Documents/report.txt");
  g_assert_nonnull (report_sha);
  {
    g_autofree char *report = g_build_filename (plain, "user", "Documents", "report.txt", NULL);
    g_autofree char *sum = sha256_of (report);

    g_assert_cmpstr (sum, ==, report_sha);
  }
  g_clear_object (&copy);

  /* On request: under names that say so, lost stretches as holes. */
  copy = run_copy (image, "/home/user", all, TRUE, &error);
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_clear_error (&error);
  notes = qr_image_copy_get_notes (copy);
  g_assert_cmpuint (notes->len, ==, damaged->len);
  for (guint i = 0; i < notes->len; i++)
    {
      QrImageCopyNote *note = g_ptr_array_index (notes, i);
      Damaged *expected = g_ptr_array_index (damaged, i);
      g_autofree char *folder = g_path_get_dirname (expected->path + strlen ("/home/"));
      g_autofree char *name = g_path_get_basename (expected->path);
      g_autofree char *copy_name = qr_image_copy_dup_damaged_name (name, FALSE);
      g_autofree char *copy_path = g_build_filename (all, folder, copy_name, NULL);
      g_autofree char *command = g_strdup_printf ("dump \"%s\" \"%s.expected\"", expected->path,
                                                  copy_path);
      g_autofree char *expected_path = g_strconcat (copy_path, ".expected", NULL);
      g_autofree char *sum = NULL;
      g_autofree char *expected_sum = NULL;
      g_autoptr(QrImageData) map = NULL;
      const QrImageExtent *extents;
      guint n_extents;

      g_assert_cmpint (note->kind, ==, QR_IMAGE_COPY_NOTE_COPIED_DAMAGED);
      g_assert_cmpstr (note->copied_as, ==, copy_name);
      g_assert_nonnull (strstr (copy_name, " (damaged)"));
      g_assert_true (g_file_test (copy_path, G_FILE_TEST_IS_REGULAR));

      /* What the salvage wrote of it, zeros where it was lost. */
      FIXTURE_RUN ("debugfs", "-R", command, salvaged_image);
      sum = sha256_of (copy_path);
      expected_sum = sha256_of (expected_path);
      g_assert_cmpstr (sum, ==, expected_sum);
      g_assert_cmpstr (sum, !=, manifest_sha256 (expected->path + 1));

      /* Holes where the image was lost. */
      map = qr_image_read_data_map (image, qr_image_lookup (image, expected->path, FALSE, &error),
                                    expected->path, &error);
      g_assert_no_error (error);
      extents = qr_image_data_get_extents (map, &n_extents);
      for (guint e = 0; e < n_extents; e++)
        for (guint r = 0; r < lost->len; r++)
          {
            QrRestoreRange *range = &g_array_index (lost, QrRestoreRange, r);
            guint64 start = MAX (range->offset, extents[e].physical);
            guint64 end = MIN (range->offset + range->length,
                               extents[e].physical + extents[e].length);

            if (end > start)
              g_assert_true (is_hole (copy_path, extents[e].logical + start - extents[e].physical,
                                      end - start));
          }
    }
}

/* Images with chosen stretches lost */

static QrImage *
open_losing (const char         *path,
             const QrImageRange *lost,
             guint               n_lost)
{
  g_autoptr(GError) error = NULL;
  QrImage *image = qr_image_open_partial (path, 0, 0, lost, n_lost, &error);

  g_assert_no_error (error);
  g_assert_nonnull (image);

  return image;
}

static guint64
first_block (const char *image,
             const char *path)
{
  g_autoptr(GArray) blocks = debugfs_blocks (image, path);

  g_assert_cmpuint (blocks->len, >, 0);

  return g_array_index (blocks, guint64, 0);
}

static GFileInfo *
info_at (QrImage    *image,
         const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_path_get_basename (path);
  guint32 inode = qr_image_lookup (image, path, FALSE, &error);
  GFileInfo *info;

  g_assert_no_error (error);
  info = qr_image_query_info (image, inode, name, &error);
  g_assert_no_error (error);

  return info;
}

static gboolean
damaged (GFileInfo *info)
{
  return g_file_info_get_attribute_boolean (info, QR_IMAGE_ATTRIBUTE_DAMAGED);
}

/* A folder whose one block was lost: damaged, empty, and what was in it
 * cannot be found, which is said; the rest is intact. */
static void
test_lost_folder (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *path = fixture_make_private (fixture->dir);
  guint64 block_size = fixture_block_size (path);
  QrImageRange lost = { first_block (path, "/home/user/Documents/Photos") * block_size,
                        block_size };
  g_autoptr(QrImage) image = open_losing (path, &lost, 1);
  g_autoptr(GFileInfo) photos = info_at (image, "/home/user/Documents/Photos");
  g_autoptr(GFileInfo) report = info_at (image, "/home/user/Documents/report.txt");
  g_autoptr(GFileInfo) documents = info_at (image, "/home/user/Documents");
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (damaged (photos));
  g_assert_cmpuint (g_file_info_get_attribute_uint64 (photos, QR_IMAGE_ATTRIBUTE_MISSING), ==,
                    block_size);
  g_assert_false (damaged (report));
  g_assert_false (damaged (documents));
  g_assert_cmpuint (g_file_info_get_attribute_uint64 (report, QR_IMAGE_ATTRIBUTE_MISSING), ==, 0);

  infos = qr_image_list (image, g_file_info_get_attribute_uint64 (photos,
                                                                  G_FILE_ATTRIBUTE_UNIX_INODE),
                         "Photos", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (infos->len, ==, 0);

  g_assert_cmpuint (qr_image_lookup (image, "/home/user/Documents/Photos/cat.jpg", FALSE,
                                     &error), ==, 0);
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_assert_nonnull (strstr (error->message, "lost"));
}

/* A folder of many blocks with one of them lost gives the names in the
 * others, and only the names in the lost one are missing. */
static void
test_partly_lost_folder (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *tree = fixture_make_tree (fixture->dir);
  g_autofree char *many = g_build_filename (tree, "home", "user", "many", NULL);
  g_autofree char *path = NULL;
  g_autoptr(GArray) blocks = NULL;
  g_autoptr(QrImage) whole = NULL;
  g_autoptr(QrImage) image = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) left = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *raw = g_malloc (4096);
  QrImageRange lost;
  guint64 block_size;
  guint32 inode;
  guint n_in_lost = 0;
  int fd;

  g_assert_cmpint (g_mkdir (many, 0755), ==, 0);
  for (guint i = 0; i < 120; i++)
    {
      g_autofree char *file = g_strdup_printf ("%s/a-long-file-name-%04u-for-several-blocks",
                                               many, i);

      g_file_set_contents (file, "x", 1, &error);
      g_assert_no_error (error);
    }
  path = fixture_make_fs (fixture->dir, "many.img", tree, "16M", "ext4", "^dir_index");
  block_size = fixture_block_size (path);
  blocks = debugfs_blocks (path, "/home/user/many");
  g_assert_cmpuint (blocks->len, >=, 3);

  /* The second block, whose names are known from its bytes. */
  lost.offset = g_array_index (blocks, guint64, 1) * block_size;
  lost.length = block_size;
  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  g_assert_cmpint (pread (fd, raw, block_size, lost.offset), ==, (gssize) block_size);
  g_assert_no_errno (close (fd));

  whole = open_losing (path, NULL, 0);
  g_assert_false (qr_image_is_partial (whole));
  image = open_losing (path, &lost, 1);
  inode = qr_image_lookup (whole, "/home/user/many", TRUE, &error);
  all = qr_image_list (whole, inode, "many", NULL, &error);
  g_assert_no_error (error);
  left = qr_image_list (image, inode, "many", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 120);

  for (guint i = 0; i < all->len; i++)
    {
      const char *name = g_file_info_get_name (g_ptr_array_index (all, i));
      gboolean in_lost = memmem (raw, block_size, name, strlen (name)) != NULL;
      gboolean listed = FALSE;

      for (guint j = 0; j < left->len && !listed; j++)
        listed = g_str_equal (g_file_info_get_name (g_ptr_array_index (left, j)), name);

      g_assert_cmpint (listed, ==, !in_lost);
      n_in_lost += in_lost;
    }
  g_assert_cmpuint (n_in_lost, >, 0);
  g_assert_cmpuint (left->len, ==, all->len - n_in_lost);

  /* Names in the recovered blocks are still found by path. */
  {
    const char *name = g_file_info_get_name (g_ptr_array_index (left, left->len - 1));
    g_autofree char *file = g_build_filename ("/home/user/many", name, NULL);

    g_assert_cmpuint (qr_image_lookup (image, file, FALSE, &error), !=, 0);
    g_assert_no_error (error);
  }

  /* Copied: not by default; on request under a name that says so, with
   * what is left in it. */
  {
    g_autofree char *plain = g_build_filename (fixture->dir, "plain", NULL);
    g_autofree char *asked = g_build_filename (fixture->dir, "asked", NULL);
    g_autofree char *copied = g_build_filename (asked, "many (damaged)", NULL);
    g_autoptr(QrImageCopy) copy = run_copy (image, "/home/user/many", plain, FALSE, &error);
    QrImageCopyNote *note;
    GDir *folder;
    guint n_copied = 0;

    g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
    g_clear_error (&error);
    g_assert_cmpuint (qr_image_copy_get_notes (copy)->len, ==, 1);
    note = g_ptr_array_index (qr_image_copy_get_notes (copy), 0);
    g_assert_cmpint (note->kind, ==, QR_IMAGE_COPY_NOTE_DAMAGED);
    g_assert_cmpuint (note->missing, ==, block_size);
    g_assert_nonnull (strstr (note->error->message, "names"));
    g_assert_null (qr_image_copy_get_copied (copy)[0]);
    g_clear_object (&copy);

    copy = run_copy (image, "/home/user/many", asked, TRUE, &error);
    g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
    g_clear_error (&error);
    note = g_ptr_array_index (qr_image_copy_get_notes (copy), 0);
    g_assert_cmpint (note->kind, ==, QR_IMAGE_COPY_NOTE_COPIED_DAMAGED);
    g_assert_cmpstr (note->copied_as, ==, "many (damaged)");
    g_assert_cmpstr (qr_image_copy_get_copied (copy)[0], ==, copied);
    folder = g_dir_open (copied, 0, &error);
    g_assert_no_error (error);
    while (g_dir_read_name (folder) != NULL)
      n_copied++;
    g_dir_close (folder);
    g_assert_cmpuint (n_copied, ==, left->len);
  }
}

/* An inode lost: what the file is cannot be known, and that is said. */
static void
test_lost_inode (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *path = fixture_make_private (fixture->dir);
  QrImageRange lost = { fixture_inode_position (path, "/home/user/Documents/report.txt"), 256 };
  g_autoptr(QrImage) image = open_losing (path, &lost, 1);
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(GError) error = NULL;
  guint32 documents;
  gboolean seen = FALSE;

  documents = qr_image_lookup (image, "/home/user/Documents", TRUE, &error);
  infos = qr_image_list (image, documents, "Documents", NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < infos->len; i++)
    {
      GFileInfo *info = g_ptr_array_index (infos, i);
      const char *problem = g_file_info_get_attribute_string (info, QR_IMAGE_ATTRIBUTE_ERROR);

      if (!g_str_equal (g_file_info_get_name (info), "report.txt"))
        {
          g_assert_false (damaged (info));
          continue;
        }

      seen = TRUE;
      g_assert_true (damaged (info));
      g_assert_nonnull (problem);
      g_assert_nonnull (strstr (problem, "describes it was lost"));
    }
  g_assert_true (seen);
}

/* The block of a file's extent tree lost: where its data lies is not
 * known, so it cannot be read at all. */
static void
test_lost_extent_tree (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *tree = fixture_make_tree (fixture->dir);
  g_autofree char *frag = g_build_filename (tree, "home", "user", "frag.bin", NULL);
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autoptr(QrImage) image = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(QrImageData) map = NULL;
  g_autoptr(GError) error = NULL;
  char block[4096] = { 1 };
  QrImageRange lost;
  guint64 node;
  int fd;

  /* Nine pieces of data: more than the inode holds, so a tree block. */
  fd = g_open (frag, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  for (guint i = 0; i < 9; i++)
    g_assert_cmpint (pwrite (fd, block, sizeof block, i * 65536), ==, sizeof block);
  g_assert_no_errno (close (fd));
  path = fixture_make_fs (fixture->dir, "frag.img", tree, "16M", "ext4", NULL);

  /* debugfs's first line of the tree is the index entry, with the node's
   * block: " 0/ 1   1/  1     0 -   451  2346            452". */
  out = fixture_run_capture ((const char * const []) {
                               "debugfs", "-R", "ex /home/user/frag.bin", path, NULL
                             });
  g_assert_nonnull (strstr (out, " 0/ 1 "));
  g_assert_cmpint (sscanf (strstr (out, " 0/ 1 "), " 0/ 1 %*u/ %*u %*u - %*u %" G_GUINT64_FORMAT,
                           &node), ==, 1);
  lost.offset = node * fixture_block_size (path);
  lost.length = 1;
  image = open_losing (path, &lost, 1);

  info = info_at (image, "/home/user/frag.bin");
  g_assert_true (damaged (info));
  g_assert_nonnull (strstr (g_file_info_get_attribute_string (info, QR_IMAGE_ATTRIBUTE_ERROR),
                            "where its data lies"));
  map = qr_image_read_data_map (image, qr_image_lookup (image, "/home/user/frag.bin", FALSE,
                                                         &error),
                                "frag.bin", &error);
  g_assert_null (map);
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
}

/* ext3's indirect block lost: its block numbers would read as holes;
 * they are known to be lost instead. */
static void
test_lost_indirect_block (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *tree = fixture_make_tree (fixture->dir);
  g_autofree char *long_path = g_build_filename (tree, "home", "user", "long.bin", NULL);
  g_autofree char *path = g_build_filename (fixture->dir, "ext3.img", NULL);
  g_autofree char *out = NULL;
  g_autofree char *contents = g_strnfill (40 * 1024, 'x');
  g_autoptr(QrImage) image = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  QrImageRange lost;
  guint64 indirect;

  g_file_set_contents (long_path, contents, 40 * 1024, &error);
  g_assert_no_error (error);
  FIXTURE_RUN ("truncate", "-s", "16M", path);
  FIXTURE_RUN ("mke2fs", "-q", "-F", "-t", "ext3", "-b", "1024", "-d", tree, path);
  out = fixture_run_capture ((const char * const []) {
                               "debugfs", "-R", "stat /home/user/long.bin", path, NULL
                             });
  g_assert_nonnull (strstr (out, "(IND):"));
  indirect = g_ascii_strtoull (strstr (out, "(IND):") + strlen ("(IND):"), NULL, 10);
  lost.offset = indirect * 1024;
  lost.length = 1024;
  image = open_losing (path, &lost, 1);

  info = info_at (image, "/home/user/long.bin");
  g_assert_true (damaged (info));
  g_assert_nonnull (g_file_info_get_attribute_string (info, QR_IMAGE_ATTRIBUTE_ERROR));
}

/* A link whose target is in a block of its own, lost; one kept in its
 * inode is not. */
static void
test_lost_link (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *tree = fixture_make_tree (fixture->dir);
  g_autofree char *link = g_build_filename (tree, "home", "user", "far", NULL);
  g_autofree char *target = g_strnfill (100, 'a');
  g_autofree char *path = NULL;
  g_autoptr(QrImage) image = NULL;
  g_autoptr(GFileInfo) far = NULL;
  g_autoptr(GFileInfo) latest = NULL;
  guint64 block_size;
  QrImageRange lost;

  g_assert_no_errno (symlink (target, link));
  path = fixture_make_fs (fixture->dir, "links.img", tree, "16M", "ext4", NULL);
  block_size = fixture_block_size (path);
  lost.offset = first_block (path, "/home/user/far") * block_size;
  lost.length = block_size;
  image = open_losing (path, &lost, 1);

  far = info_at (image, "/home/user/far");
  latest = info_at (image, "/home/user/Documents/latest");
  g_assert_true (damaged (far));
  g_assert_cmpuint (g_file_info_get_attribute_uint64 (far, QR_IMAGE_ATTRIBUTE_MISSING), ==, 100);
  g_assert_false (damaged (latest));
}

/* Part of a sparse file's second piece of data lost: exactly that many
 * bytes are missing, and the spans around them say so. */
static void
test_lost_bytes (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *path = fixture_make_private (fixture->dir);
  g_autoptr(QrImage) whole = open_losing (path, NULL, 0);
  g_autoptr(QrImageData) map = NULL;
  g_autoptr(QrImage) image = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  const QrImageExtent *extents;
  QrImageRange lost[3];
  const QrImageRange *merged;
  guint n_extents;
  guint n_merged;
  gboolean is_lost;

  map = qr_image_read_data_map (whole, qr_image_lookup (whole, "/home/user/Documents/sparse.bin",
                                                         FALSE, &error),
                                "sparse.bin", &error);
  g_assert_no_error (error);
  extents = qr_image_data_get_extents (map, &n_extents);
  g_assert_cmpuint (n_extents, ==, 2);

  /* Out of order and overlapping: one stretch of 100 bytes. */
  lost[0] = (QrImageRange) { extents[1].physical + 60, 40 };
  lost[1] = (QrImageRange) { extents[1].physical + 10, 60 };
  lost[2] = (QrImageRange) { extents[1].physical + 10, 0 };
  image = open_losing (path, lost, 3);
  merged = qr_image_get_lost_ranges (image, &n_merged);
  g_assert_cmpuint (n_merged, ==, 1);
  g_assert_cmpuint (merged[0].offset, ==, extents[1].physical + 10);
  g_assert_cmpuint (merged[0].length, ==, 90);

  info = info_at (image, "/home/user/Documents/sparse.bin");
  g_assert_true (damaged (info));
  g_assert_cmpuint (g_file_info_get_attribute_uint64 (info, QR_IMAGE_ATTRIBUTE_MISSING), ==, 90);

  g_assert_cmpuint (qr_image_get_span (image, extents[1].physical, 4096, &is_lost), ==, 10);
  g_assert_false (is_lost);
  g_assert_cmpuint (qr_image_get_span (image, extents[1].physical + 10, 4096, &is_lost), ==, 90);
  g_assert_true (is_lost);
  g_assert_cmpuint (qr_image_get_span (image, extents[1].physical + 50, 20, &is_lost), ==, 20);
  g_assert_true (is_lost);
  g_assert_cmpuint (qr_image_get_span (image, extents[1].physical + 100, 4096, &is_lost), ==,
                    4096);
  g_assert_false (is_lost);
  g_assert_cmpuint (qr_image_get_span (whole, 0, 4096, &is_lost), ==, 4096);
  g_assert_false (is_lost);
}

/* The superblock lost: the filesystem cannot be opened, and the words say
 * why. A group descriptor lost: the inodes of its group cannot be found,
 * which is said of them. */
static void
test_lost_superblock (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *path = fixture_make_private (fixture->dir);
  g_autofree char *copy = g_build_filename (fixture->dir, "descriptors.img", NULL);
  g_autofree char *of = g_strconcat ("of=", path, NULL);
  g_autofree char *copy_of = g_strconcat ("of=", copy, NULL);
  g_autofree char *seek = NULL;
  guint64 block_size = fixture_block_size (path);
  QrImageRange superblock = { 1024, 1024 };
  QrImageRange descriptors = { (block_size == 1024 ? 2 : 1) * block_size, 64 };
  g_autoptr(QrImage) image = NULL;
  g_autoptr(GError) error = NULL;

  FIXTURE_RUN ("cp", "--sparse=always", path, copy);

  /* The salvage wrote zeros, a hole, where it lost data. */
  FIXTURE_RUN ("dd", "status=none", "conv=notrunc", "bs=1024", "seek=1", "count=1",
               "if=/dev/zero", of);
  g_assert_null (qr_image_open_partial (path, 0, 0, &superblock, 1, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_assert_nonnull (strstr (error->message, "was lost"));
  g_clear_error (&error);

  /* Only a filesystem that cannot be opened is said to be lost. */
  image = qr_image_open_partial (copy, 0, 0, &descriptors, 1, &error);
  g_assert_no_error (error);
  g_clear_object (&image);

  /* Without the first group's descriptor, where its inodes are is not
   * known: the root folder's among them. */
  seek = g_strdup_printf ("seek=%" G_GUINT64_FORMAT, descriptors.offset / 64);
  FIXTURE_RUN ("dd", "status=none", "conv=notrunc", "bs=64", "count=1", "if=/dev/zero", copy_of,
               seek);
  image = qr_image_open_partial (copy, 0, 0, &descriptors, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (qr_image_lookup (image, "/home/user", TRUE, &error), ==, 0);
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_assert_nonnull (strstr (error->message, "describes it was lost"));
}

/* An image whose first mebibyte holds nothing: a qube that never ran,
 * unless a salvage listed its start as lost, and then it says so rather
 * than call the image empty. */
static void
test_lost_start (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *path = fixture_make_private (fixture->dir);
  g_autofree char *list = g_build_filename (fixture->dir, ".qubes-rescue-lost.json", NULL);
  g_autofree char *files_path = NULL;
  g_autoptr(GError) error = NULL;

  /* The salvage left holes where it lost data. */
  FIXTURE_RUN ("fallocate", "--punch-hole", "--offset", "0", "--length", "1048576", path);

  g_assert_null (qr_mount_files_open_image (path, &files_path, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_NO_FILESYSTEM);
  g_assert_nonnull (strstr (error->message, "is empty"));
  g_clear_error (&error);

  /* Lost further on only: the start was never there. */
  g_file_set_contents (list, "{\"schema\": 1, \"files\": {\"private.img\": {\"size\": "
                       "33554432, \"lost\": [[4194304, 65536]]}}}", -1, &error);
  g_assert_no_error (error);
  g_assert_null (qr_mount_files_open_image (path, &files_path, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_NO_FILESYSTEM);
  g_clear_error (&error);

  /* Its start listed as lost, in any order. */
  g_file_set_contents (list, "{\"schema\": 1, \"files\": {\"private.img\": {\"size\": "
                       "33554432, \"lost\": [[4194304, 65536], [0, 1048576]]}}}", -1, &error);
  g_assert_no_error (error);
  g_assert_null (qr_mount_files_open_image (path, &files_path, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_assert_nonnull (strstr (error->message, "The start of the disk image “private.img” was lost"));
  g_assert_null (strstr (error->message, "empty"));
  g_clear_error (&error);

  /* A list that cannot be read is said to be so, as opening the image
   * says it. */
  g_file_set_contents (list, "not json at all", -1, &error);
  g_assert_no_error (error);
  g_assert_null (qr_mount_files_open_image (path, &files_path, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_assert_nonnull (strstr (error->message, "list of lost parts"));
  g_assert_null (files_path);
}

static const char *const bad_lists[] = {
  "{\"schema\": 1, \"files\": {\"private.img\": {\"lost\": [[-1]]}}}",
  "{\"schema\": 1, \"files\": []}",
  "{\"schema\": 1}",
  "[1, 2]",
  "{\"files\": {\"private.img\": []}}",
  "{\"files\": {\"private.img\": {\"size\": \"big\", \"lost\": []}}}",
  "{\"files\": {\"private.img\": {\"size\": 1024, \"lost\": {}}}}",
  "{\"files\": {\"private.img\": {\"size\": 1024, \"lost\": [[0, \"8\"]]}}}",
  "{\"files\": {\"private.img\": {\"size\": 1024, \"lost\": [[[0], 8]]}}}",
  "{\"files\": {\"private.img\": {\"size\": 1024, \"lost\": [[1000, 100]]}}}",
  "{\"files\": {\"private.img\": {\"size\": 1024, \"lost\": [[0, 9223372036854775807]]}}}",
  "{\"files\": {\"private.img\": {\"size\": 1.5, \"lost\": []}}}",
  "not json at all",
};

/* The list a salvage writes beside the image is what qr_image_open()
 * goes by; without it the image is whole, and a list that cannot be
 * read is an error rather than a guess. */
static void
test_list_beside (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *path = fixture_make_private (fixture->dir);
  g_autofree char *list = g_build_filename (fixture->dir, ".qubes-rescue-lost.json", NULL);
  guint64 position = fixture_inode_position (path, "/home/user/.bashrc");
  g_autofree char *json = g_strdup_printf ("{\"schema\": 1, \"files\": {\"private.img\": "
                                           "{\"size\": 33554432, \"lost\": [[%" G_GUINT64_FORMAT
                                           ", 256]]}}}", position);
  g_autoptr(QrImage) image = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  image = qr_image_open (path, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_false (qr_image_is_partial (image));
  info = info_at (image, "/home/user/.bashrc");
  g_assert_false (g_file_info_has_attribute (info, QR_IMAGE_ATTRIBUTE_DAMAGED));
  g_clear_object (&info);
  g_clear_object (&image);

  g_file_set_contents (list, json, -1, &error);
  g_assert_no_error (error);
  image = qr_image_open (path, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_true (qr_image_is_partial (image));
  info = info_at (image, "/home/user/.bashrc");
  g_assert_true (damaged (info));
  g_clear_object (&image);

  /* Whatever shape the list has, it is read without a warning. */
  for (guint i = 0; i < G_N_ELEMENTS (bad_lists); i++)
    {
      g_file_set_contents (list, bad_lists[i], -1, &error);
      g_assert_no_error (error);
      g_assert_null (qr_image_open (path, 0, 0, &error));
      g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
      g_clear_error (&error);
    }

  /* Larger than any list a salvage writes: refused before it is read. */
  g_assert_cmpint (truncate (list, 17 * 1024 * 1024), ==, 0);
  g_assert_null (qr_image_open (path, 0, 0, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
}

/* The names of damaged copies keep the extension last. */
static void
test_damaged_names (void)
{
  static const struct
  {
    const char *name;
    gboolean    folder;
    const char *expected;
  } cases[] = {
    { "report.txt", FALSE, "report (damaged).txt" },
    { "holiday.JPEG", FALSE, "holiday (damaged).JPEG" },
    { "photos.tar.gz", FALSE, "photos (damaged).tar.gz" },
    { ".bashrc", FALSE, ".bashrc (damaged)" },
    { "Makefile", FALSE, "Makefile (damaged)" },
    { "notes 3.5 meeting", FALSE, "notes 3.5 meeting (damaged)" },
    { "trailing.", FALSE, "trailing. (damaged)" },
    { "Documents.old", TRUE, "Documents.old (damaged)" },
  };
  g_autofree char *long_name = NULL;
  g_autofree char *result = NULL;
  g_autofree char *stem = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = qr_image_copy_dup_damaged_name (cases[i].name, cases[i].folder);

      g_assert_cmpstr (name, ==, cases[i].expected);
    }

  /* The longest name there is: its stem gives way, at a character. */
  stem = g_strnfill (251 - strlen ("é"), 'a');
  long_name = g_strconcat (stem, "é", ".txt", NULL);
  g_assert_cmpuint (strlen (long_name), ==, NAME_MAX);
  result = qr_image_copy_dup_damaged_name (long_name, FALSE);
  g_assert_cmpuint (strlen (result), <=, NAME_MAX);
  g_assert_true (g_str_has_suffix (result, " (damaged).txt"));
  g_assert_true (g_utf8_validate (result, -1, NULL));
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qr/image-damaged/names", test_damaged_names);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/qr/image-damaged/lost-folder", test_lost_folder);
  ADD ("/qr/image-damaged/partly-lost-folder", test_partly_lost_folder);
  ADD ("/qr/image-damaged/lost-inode", test_lost_inode);
  ADD ("/qr/image-damaged/lost-extent-tree", test_lost_extent_tree);
  ADD ("/qr/image-damaged/lost-indirect-block", test_lost_indirect_block);
  ADD ("/qr/image-damaged/lost-link", test_lost_link);
  ADD ("/qr/image-damaged/lost-bytes", test_lost_bytes);
  ADD ("/qr/image-damaged/lost-superblock", test_lost_superblock);
  ADD ("/qr/image-damaged/list-beside", test_list_beside);
  ADD ("/qr/image-damaged/lost-start", test_lost_start);

  make_salvage ();
  g_test_add_func ("/qr/image-damaged/salvaged/verdicts", test_salvaged_verdicts);
  ADD ("/qr/image-damaged/salvaged/copy", test_salvaged_copy);
#undef ADD

  ret = g_test_run ();

  FIXTURE_RUN ("rm", "-rf", salvage_dir);
  g_free (salvage_dir);
  g_free (salvaged_image);
  json_node_unref (manifest);

  return ret;
}
