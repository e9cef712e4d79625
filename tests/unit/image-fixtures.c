/* image-fixtures.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Real ext2/3/4 images for the reader's and the copier's tests, made with
 * mke2fs -d from a folder tree and changed with debugfs: no root needed. */

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "image-fixtures.h"

char *
fixture_run_capture (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", argv[0], err);

  return out;
}

void
fixture_run (const char * const *argv)
{
  g_free (fixture_run_capture (argv));
}

void
fixture_debugfs (const char *image,
                 const char *command)
{
  FIXTURE_RUN ("debugfs", "-w", "-R", command, image);
}

/* Runs @command in the folder @dir of @image, for the debugfs commands
 * that take a name rather than a path. */
void
fixture_debugfs_in (const char *image,
                    const char *dir,
                    const char *command)
{
  g_autofree char *script = g_strdup_printf ("cd %s\n%s\n", dir, command);
  g_autofree char *script_path = g_strconcat (image, ".debugfs", NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (script_path, script, -1, &error);
  g_assert_no_error (error);
  FIXTURE_RUN ("debugfs", "-w", "-f", script_path, image);
  g_unlink (script_path);
}

static void
write_file (const char *path,
            const char *contents)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

/* home/user/Documents with a report, a sparse file, a link and a
 * subfolder; a .bashrc; as a qube's private volume has them. */
char *
fixture_make_tree (const char *dir)
{
  g_autofree char *tree = g_build_filename (dir, "tree", NULL);
  g_autofree char *documents = g_build_filename (tree, "home", "user", "Documents", NULL);
  g_autofree char *photos = g_build_filename (documents, "Photos", NULL);
  g_autofree char *path = NULL;
  g_autofree char *big = NULL;
  char block[4096];
  int fd;

  g_assert_cmpint (g_mkdir_with_parents (photos, 0755), ==, 0);

  path = g_build_filename (documents, "report.txt", NULL);
  write_file (path, FIXTURE_REPORT_TEXT);
  g_free (path);
  path = g_build_filename (photos, "cat.jpg", NULL);
  write_file (path, "not really a cat\n");
  g_free (path);
  path = g_build_filename (tree, "home", "user", ".bashrc", NULL);
  write_file (path, "# bash\n");
  g_free (path);
  path = g_build_filename (documents, "latest", NULL);
  g_assert_cmpint (symlink ("report.txt", path), ==, 0);

  /* Data at the start, a hole, data at the end. */
  big = g_build_filename (documents, "sparse.bin", NULL);
  fd = g_open (big, O_WRONLY | O_CREAT | O_TRUNC, 0640);
  g_assert_cmpint (fd, >=, 0);
  for (guint i = 0; i < sizeof block; i++)
    block[i] = (char) (i * 7 + 1);
  g_assert_cmpint (pwrite (fd, block, sizeof block, 0), ==, sizeof block);
  g_assert_cmpint (pwrite (fd, block, sizeof block, FIXTURE_SPARSE_SIZE - sizeof block), ==,
                   sizeof block);
  g_assert_no_errno (close (fd));

  return g_steal_pointer (&tree);
}

char *
fixture_make_fs (const char *dir,
                 const char *name,
                 const char *tree,
                 const char *size,
                 const char *type,
                 const char *features)
{
  char *image = g_build_filename (dir, name, NULL);

  FIXTURE_RUN ("truncate", "-s", size, image);
  if (features != NULL)
    FIXTURE_RUN ("mke2fs", "-q", "-F", "-t", type, "-O", features, "-d", tree, image);
  else
    FIXTURE_RUN ("mke2fs", "-q", "-F", "-t", type, "-d", tree, image);

  return image;
}

/* A qube's private.img: home/user private to uid 1000, as Qubes makes it. */
char *
fixture_make_private (const char *dir)
{
  g_autofree char *tree = fixture_make_tree (dir);
  char *image = fixture_make_fs (dir, "private.img", tree, "32M", "ext4", NULL);

  fixture_debugfs (image, "sif /home/user uid 1000");
  fixture_debugfs (image, "sif /home/user gid 1000");
  fixture_debugfs (image, "sif /home/user mode 040700");

  return image;
}

/* Copies the filesystem image @part into @image at @offset bytes. */
void
fixture_copy_into (const char *image,
                   const char *part,
                   guint64     offset)
{
  g_autofree char *of = g_strconcat ("of=", image, NULL);
  g_autofree char *in = g_strconcat ("if=", part, NULL);
  g_autofree char *seek = g_strdup_printf ("seek=%" G_GUINT64_FORMAT, offset / 512);

  FIXTURE_RUN ("dd", "status=none", "conv=notrunc,sparse", "bs=512", seek, in, of);
}

guint64
fixture_block_size (const char *image)
{
  g_autofree char *out = fixture_run_capture ((const char * const []) {
                                                "debugfs", "-R", "stats", image, NULL
                                              });
  const char *line = strstr (out, "Block size:");
  guint64 block_size;

  g_assert_nonnull (line);
  g_assert_cmpint (sscanf (line, "Block size: %" G_GUINT64_FORMAT, &block_size), ==, 1);

  return block_size;
}

/* Where the inode of @path lies in @image, from debugfs's imap. */
guint64
fixture_inode_position (const char *image,
                        const char *path)
{
  g_autofree char *command = g_strdup_printf ("imap %s", path);
  g_autofree char *out = fixture_run_capture ((const char * const []) {
                                                "debugfs", "-R", command, image, NULL
                                              });
  const char *located = strstr (out, "located at block ");
  guint64 block;
  guint64 offset;

  g_assert_nonnull (located);
  g_assert_cmpint (sscanf (located, "located at block %" G_GUINT64_FORMAT ", offset 0x%" G_GINT64_MODIFIER "x",
                           &block, &offset), ==, 2);

  return block * fixture_block_size (image) + offset;
}
