/* test-extract.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qr-error.h"
#include "qr-extract.h"

/* An inner tar built in memory with libarchive's writer. */
typedef struct
{
  struct archive *writer;
  void           *data;
  size_t          used;
} Tar;

static Tar *
tar_new (gboolean gzip)
{
  Tar *tar = g_new0 (Tar, 1);
  gsize capacity = 64 * 1024 * 1024;

  tar->data = g_malloc (capacity);
  tar->writer = archive_write_new ();
  archive_write_set_format_pax_restricted (tar->writer);
  if (gzip)
    archive_write_add_filter_gzip (tar->writer);
  archive_write_set_bytes_in_last_block (tar->writer, 1);
  g_assert_cmpint (archive_write_open_memory (tar->writer, tar->data, capacity, &tar->used), ==,
                   ARCHIVE_OK);
  return tar;
}

static void
tar_add (Tar          *tar,
         const char   *name,
         mode_t        type,
         const char   *content_or_target,
         gsize         size)
{
  struct archive_entry *entry = archive_entry_new ();

  archive_entry_set_pathname (entry, name);
  archive_entry_set_filetype (entry, type);
  archive_entry_set_perm (entry, 0644);
  if (type == AE_IFLNK)
    archive_entry_set_symlink (entry, content_or_target);
  if (type == AE_IFREG)
    archive_entry_set_size (entry, size);
  g_assert_cmpint (archive_write_header (tar->writer, entry), ==, ARCHIVE_OK);
  if (type == AE_IFREG && size > 0)
    g_assert_cmpint (archive_write_data (tar->writer, content_or_target, size), ==, size);
  archive_entry_free (entry);
}

static void
tar_add_hardlink (Tar        *tar,
                  const char *name,
                  const char *target)
{
  struct archive_entry *entry = archive_entry_new ();

  archive_entry_set_pathname (entry, name);
  archive_entry_set_filetype (entry, AE_IFREG);
  archive_entry_set_hardlink (entry, target);
  archive_entry_set_perm (entry, 0644);
  g_assert_cmpint (archive_write_header (tar->writer, entry), ==, ARCHIVE_OK);
  archive_entry_free (entry);
}

static void
tar_free (Tar *tar)
{
  archive_write_free (tar->writer);
  g_free (tar->data);
  g_free (tar);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Tar, tar_free)

typedef struct
{
  const guint8 *data;
  gsize         len;
  gsize         pos;
  gsize         piece;
} Reader;

static gssize
read_cb (gpointer      user_data,
         const void  **buffer,
         GError      **error)
{
  Reader *reader = user_data;
  gsize n = MIN (reader->piece, reader->len - reader->pos);

  *buffer = reader->data + reader->pos;
  reader->pos += n;
  return n;
}

typedef struct
{
  char      *dir;
  int        dir_fd;
  GPtrArray *files;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->dir = g_dir_make_tmp ("qr-extract-XXXXXX", NULL);
  fixture->dir_fd = open (fixture->dir, O_RDONLY | O_DIRECTORY);
  fixture->files = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *parent = g_path_get_dirname (fixture->dir);
  g_autofree char *name = g_path_get_basename (fixture->dir);
  int parent_fd = open (parent, O_RDONLY | O_DIRECTORY);

  g_assert_true (qr_extract_remove_tree (parent_fd, name));
  g_assert_false (g_file_test (fixture->dir, G_FILE_TEST_EXISTS));
  close (parent_fd);
  close (fixture->dir_fd);
  g_free (fixture->dir);
  g_ptr_array_unref (fixture->files);
}

static gboolean
extract (Fixture        *fixture,
         Tar            *tar,
         QrExtractKind   kind,
         const char     *compression,
         const char     *series,
         const char     *prefix,
         gboolean        verify_only,
         QrExtractJob   *job_out,
         GError        **error)
{
  Reader reader = { NULL, 0, 0, 7000 };
  QrExtractJob job = { 0 };
  gboolean ret;

  g_assert_cmpint (archive_write_close (tar->writer), ==, ARCHIVE_OK);
  reader.data = tar->data;
  reader.len = tar->used;

  job.kind = kind;
  job.compression_filter = compression;
  job.series_path = series;
  job.strip_prefix = prefix;
  job.dir_fd = verify_only ? -1 : fixture->dir_fd;
  job.files = fixture->files;

  ret = qr_extract_stream (&job, read_cb, &reader, NULL, error);
  if (job_out != NULL)
    *job_out = job;
  return ret;
}

static char **
list_dir (Fixture *fixture)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->dir, 0, NULL);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  const char *name;

  while ((name = g_dir_read_name (dir)) != NULL)
    g_strv_builder_add (builder, name);

  return g_strv_builder_end (builder);
}

static void
test_sparse_file (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(Tar) tar = tar_new (TRUE);
  g_autofree guint8 *content = g_malloc0 (8 * 1024 * 1024);
  g_autofree char *path = g_build_filename (fixture->dir, "private.img", NULL);
  g_autofree char *restored = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;
  QrExtractJob job;
  gsize len;
  struct stat st;

  memset (content + 4096, 0xab, 10000);
  memset (content + 6 * 1024 * 1024, 0xcd, 5);
  tar_add (tar, "vm12/private.img", AE_IFREG, (char *) content, 8 * 1024 * 1024);

  g_assert_true (extract (fixture, tar, QR_EXTRACT_SINGLE_FILE, "gzip", "vm12/private.img",
                          "vm12/", FALSE, &job, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (job.apparent_size, ==, 8 * 1024 * 1024);

  g_assert_true (g_file_get_contents (path, &restored, &len, NULL));
  g_assert_cmpmem (restored, len, content, 8 * 1024 * 1024);

  /* Runs of zeros became holes: only the two data regions take space. */
  g_assert_no_errno (stat (path, &st));
  g_assert_cmpint (st.st_blocks * 512, <=, 32 * 1024);

  /* Nothing else, in particular no temporary file, is left. */
  names = list_dir (fixture);
  g_assert_cmpuint (g_strv_length (names), ==, 1);
}

static void
test_verify_writes_nothing (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(Tar) tar = tar_new (FALSE);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;

  tar_add (tar, "vm12/notes.txt", AE_IFREG, "hello", 5);
  g_assert_true (extract (fixture, tar, QR_EXTRACT_SINGLE_FILE, NULL, "vm12/notes.txt", "vm12/",
                          TRUE, NULL, &error));
  g_assert_no_error (error);

  names = list_dir (fixture);
  g_assert_cmpuint (g_strv_length (names), ==, 0);
}

typedef struct
{
  const char *name;
  mode_t      type;
  const char *target;
} HostileCase;

static void
test_hostile_single (Fixture       *fixture,
                     gconstpointer  data)
{
  const HostileCase *hostile = data;
  g_autoptr(Tar) tar = tar_new (FALSE);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;

  tar_add (tar, hostile->name, hostile->type, hostile->target,
           hostile->type == AE_IFREG ? strlen (hostile->target) : 0);
  g_assert_false (extract (fixture, tar, QR_EXTRACT_SINGLE_FILE, NULL, "vm12/private.img",
                           "vm12/", FALSE, NULL, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_assert_nonnull (strstr (error->message, "unsafe"));

  names = list_dir (fixture);
  g_assert_cmpuint (g_strv_length (names), ==, 0);
}

static void
test_hardlink (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(Tar) tar = tar_new (FALSE);
  g_autoptr(GError) error = NULL;

  tar_add (tar, "dom0-home/user/a", AE_IFREG, "a", 1);
  tar_add_hardlink (tar, "dom0-home/user/b", "/etc/passwd");
  g_assert_false (extract (fixture, tar, QR_EXTRACT_TREE, NULL, "dom0-home/user", "dom0-home/",
                           FALSE, NULL, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_assert_nonnull (strstr (error->message, "hard link"));
}

static void
test_tree_with_links (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(Tar) tar = tar_new (TRUE);
  g_autoptr(GError) error = NULL;
  g_autofree char *link = g_build_filename (fixture->dir, "user", "passwd", NULL);
  g_autofree char *target = NULL;
  g_autofree char *file = g_build_filename (fixture->dir, "user", "Documents", "ü.txt", NULL);
  QrExtractJob job;

  tar_add (tar, "dom0-home/user/", AE_IFDIR, NULL, 0);
  tar_add (tar, "dom0-home/user/Documents/ü.txt", AE_IFREG, "text", 4);
  tar_add (tar, "dom0-home/user/passwd", AE_IFLNK, "/etc/passwd", 0);
  tar_add (tar, "dom0-home/user/empty/", AE_IFDIR, NULL, 0);

  g_assert_true (extract (fixture, tar, QR_EXTRACT_TREE, "gzip", "dom0-home/user", "dom0-home/",
                          FALSE, &job, &error));
  g_assert_no_error (error);

  target = g_file_read_link (link, NULL);
  g_assert_cmpstr (target, ==, "/etc/passwd");
  g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (job.files->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (job.files, 0), ==, "user");
}

static void
test_write_through_symlink (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(Tar) tar = tar_new (FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *outside = g_dir_make_tmp ("qr-outside-XXXXXX", NULL);
  g_autofree char *escaped = g_build_filename (outside, "pwned", NULL);

  /* A link to a folder outside, then a file "inside" the link. */
  tar_add (tar, "dom0-home/user/escape", AE_IFLNK, outside, 0);
  tar_add (tar, "dom0-home/user/escape/pwned", AE_IFREG, "x", 1);
  g_assert_false (extract (fixture, tar, QR_EXTRACT_TREE, NULL, "dom0-home/user", "dom0-home/",
                           FALSE, NULL, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_assert_false (g_file_test (escaped, G_FILE_TEST_EXISTS));
  g_rmdir (outside);
}

static void
test_duplicate_name (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(Tar) tar = tar_new (FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (fixture->dir, "user", "a", NULL);
  g_autofree char *content = NULL;

  tar_add (tar, "dom0-home/user/a", AE_IFREG, "first", 5);
  tar_add (tar, "dom0-home/user/a", AE_IFREG, "second", 6);
  g_assert_false (extract (fixture, tar, QR_EXTRACT_TREE, NULL, "dom0-home/user", "dom0-home/",
                           FALSE, NULL, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_assert_true (g_file_get_contents (path, &content, NULL, NULL));
  g_assert_cmpstr (content, ==, "first");
}

static void
test_truncated_stream (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(Tar) tar = tar_new (TRUE);
  g_autofree guint8 *content = g_malloc (300000);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;
  QrExtractJob job = { 0 };
  Reader reader = { NULL, 0, 0, 4096 };

  for (guint i = 0; i < 300000; i++)
    content[i] = g_random_int ();
  tar_add (tar, "vm12/private.img", AE_IFREG, (char *) content, 300000);
  archive_write_close (tar->writer);

  reader.data = tar->data;
  reader.len = tar->used / 2;
  job.kind = QR_EXTRACT_SINGLE_FILE;
  job.compression_filter = "gzip";
  job.series_path = "vm12/private.img";
  job.strip_prefix = "vm12/";
  job.dir_fd = fixture->dir_fd;
  job.files = files;

  g_assert_false (qr_extract_stream (&job, read_cb, &reader, NULL, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_TRUNCATED);

  names = list_dir (fixture);
  g_assert_cmpuint (g_strv_length (names), ==, 0);
}

static void
test_unknown_filter (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(Tar) tar = tar_new (FALSE);
  g_autoptr(GError) error = NULL;

  tar_add (tar, "vm12/notes.txt", AE_IFREG, "hello", 5);
  g_assert_false (extract (fixture, tar, QR_EXTRACT_SINGLE_FILE, "rot13", "vm12/notes.txt",
                           "vm12/", FALSE, NULL, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_UNSUPPORTED_VERSION);
}

static void
test_wrong_filter (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(Tar) tar = tar_new (FALSE);
  g_autoptr(GError) error = NULL;

  /* A plain tar where the header promised bzip2 is damage, not a guess. */
  tar_add (tar, "vm12/notes.txt", AE_IFREG, "hello", 5);
  g_assert_false (extract (fixture, tar, QR_EXTRACT_SINGLE_FILE, "bzip2", "vm12/notes.txt",
                           "vm12/", FALSE, NULL, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
}

static const HostileCase hostile_cases[] = {
  { "/etc/passwd", AE_IFREG, "x" },
  { "vm12/../../evil", AE_IFREG, "x" },
  { "vm12/../vm12/private.img", AE_IFREG, "x" },
  { "vm13/private.img", AE_IFREG, "x" },
  { "vm12/other.img", AE_IFREG, "x" },
  { "vm12/private.img", AE_IFLNK, "/etc/passwd" },
  { "vm12/private.img", AE_IFIFO, NULL },
  { "vm12/private.img", AE_IFCHR, NULL },
  { "vm12/private.img", AE_IFBLK, NULL },
  { "vm12/private.img", AE_IFDIR, NULL },
};

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* Member names are UTF-8, as in real backups. */
  setlocale (LC_ALL, "C.UTF-8");

#define ADD(path, func, data) \
  g_test_add (path, Fixture, data, fixture_set_up, func, fixture_tear_down)

  ADD ("/qr/extract/sparse-file", test_sparse_file, NULL);
  ADD ("/qr/extract/verify-writes-nothing", test_verify_writes_nothing, NULL);
  ADD ("/qr/extract/hardlink", test_hardlink, NULL);
  ADD ("/qr/extract/tree-with-links", test_tree_with_links, NULL);
  ADD ("/qr/extract/write-through-symlink", test_write_through_symlink, NULL);
  ADD ("/qr/extract/duplicate-name", test_duplicate_name, NULL);
  ADD ("/qr/extract/truncated-stream", test_truncated_stream, NULL);
  ADD ("/qr/extract/unknown-filter", test_unknown_filter, NULL);
  ADD ("/qr/extract/wrong-filter", test_wrong_filter, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (hostile_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/qr/extract/hostile/%u", i);

      ADD (path, test_hostile_single, &hostile_cases[i]);
    }

#undef ADD

  return g_test_run ();
}
