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
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <locale.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
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
tar_new_format (gboolean gzip,
                int      format)
{
  Tar *tar = g_new0 (Tar, 1);
  gsize capacity = 64 * 1024 * 1024;

  tar->data = g_malloc (capacity);
  tar->writer = archive_write_new ();
  archive_write_set_format (tar->writer, format);
  if (gzip)
    archive_write_add_filter_gzip (tar->writer);
  archive_write_set_bytes_in_last_block (tar->writer, 1);
  g_assert_cmpint (archive_write_open_memory (tar->writer, tar->data, capacity, &tar->used), ==,
                   ARCHIVE_OK);
  return tar;
}

static Tar *
tar_new (gboolean gzip)
{
  return tar_new_format (gzip, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
}

/* The format the GNU tar of Qubes' writers uses for inner archives. */
static Tar *
tar_new_gnu (void)
{
  return tar_new_format (FALSE, ARCHIVE_FORMAT_TAR_GNUTAR);
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
  if (type == AE_IFCHR || type == AE_IFBLK)
    archive_entry_set_rdev (entry, makedev (1, 3));
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
  GPtrArray *notes;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->dir = g_dir_make_tmp ("qr-extract-XXXXXX", NULL);
  fixture->dir_fd = open (fixture->dir, O_RDONLY | O_DIRECTORY);
  fixture->files = g_ptr_array_new_with_free_func (g_free);
  fixture->notes = g_ptr_array_new_with_free_func (g_free);
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
  g_ptr_array_unref (fixture->notes);
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
  job.notes = fixture->notes;

  ret = qr_extract_stream (&job, read_cb, &reader, NULL, error);
  if (job_out != NULL)
    *job_out = job;
  return ret;
}

/* A tree whose link targets the writer's --xform rewrote. */
static gboolean
extract_xform (Fixture       *fixture,
               Tar           *tar,
               const char    *series,
               const char    *prefix,
               const char    *xform_prefix,
               const char    *xform_base,
               QrExtractJob  *job_out,
               GError       **error)
{
  Reader reader = { NULL, 0, 0, 7000 };
  QrExtractJob job = { 0 };
  gboolean ret;

  g_assert_cmpint (archive_write_close (tar->writer), ==, ARCHIVE_OK);
  reader.data = tar->data;
  reader.len = tar->used;

  job.kind = QR_EXTRACT_TREE;
  job.series_path = series;
  job.strip_prefix = prefix;
  job.xform_prefix = xform_prefix;
  job.xform_base = xform_base;
  job.dir_fd = fixture->dir_fd;
  job.files = fixture->files;
  job.notes = fixture->notes;

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

  if (hostile->type == 0)
    tar_add_hardlink (tar, hostile->name, hostile->target);
  else
    tar_add (tar, hostile->name, hostile->type, hostile->target,
             hostile->type == AE_IFREG ? strlen (hostile->target) : 0);
  g_assert_false (extract (fixture, tar, QR_EXTRACT_SINGLE_FILE, NULL, "vm12/private.img",
                           "vm12/", FALSE, NULL, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_assert_nonnull (strstr (error->message, "unsafe"));
  g_assert_nonnull (strstr (error->message, "tampered"));
  /* The message names the entry as it is in the backup. */
  g_assert_nonnull (strstr (error->message, hostile->name));

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
  g_assert_nonnull (strstr (error->message, "“dom0-home/user/b”"));
  g_assert_nonnull (strstr (error->message, "tampered"));
}

static void
assert_same_file (Fixture    *fixture,
                  const char *a,
                  const char *b,
                  gboolean    same_inode)
{
  g_autofree char *path_a = g_build_filename (fixture->dir, a, NULL);
  g_autofree char *path_b = g_build_filename (fixture->dir, b, NULL);
  g_autofree char *content_a = NULL;
  g_autofree char *content_b = NULL;
  struct stat st_a, st_b;

  g_assert_no_errno (lstat (path_a, &st_a));
  g_assert_no_errno (lstat (path_b, &st_b));
  g_assert_true (S_ISREG (st_a.st_mode) && S_ISREG (st_b.st_mode));
  g_assert_cmpint (st_a.st_ino == st_b.st_ino, ==, same_inode);
  g_assert_cmpuint (st_a.st_nlink > 1, ==, same_inode);
  g_assert_true (g_file_get_contents (path_a, &content_a, NULL, NULL));
  g_assert_true (g_file_get_contents (path_b, &content_b, NULL, NULL));
  g_assert_cmpstr (content_a, ==, content_b);
}

/* GNU tar stores the second name of a file as a hard-link entry, and a
 * named pipe as a FIFO entry: a real home holds both. */
static void
test_gnu_home (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(Tar) tar = tar_new_gnu ();
  g_autoptr(GError) error = NULL;
  g_autofree char *fifo = g_build_filename (fixture->dir, "user", ".cache", "lock", NULL);
  g_autofree char *device = g_build_filename (fixture->dir, "user", "null", NULL);
  struct stat st;

  tar_add (tar, "dom0-home/user/", AE_IFDIR, NULL, 0);
  tar_add (tar, "dom0-home/user/.bashrc", AE_IFREG, "# bashrc\n", 9);
  tar_add_hardlink (tar, "dom0-home/user/.bashrc.link", "dom0-home/user/.bashrc");
  tar_add (tar, "dom0-home/user/mail/", AE_IFDIR, NULL, 0);
  tar_add_hardlink (tar, "dom0-home/user/mail/spool", "dom0-home/user/./.bashrc");
  tar_add (tar, "dom0-home/user/.cache/lock", AE_IFIFO, NULL, 0);
  tar_add (tar, "dom0-home/user/null", AE_IFCHR, NULL, 0);
  tar_add (tar, "dom0-home/user/disk", AE_IFBLK, NULL, 0);

  g_assert_true (extract (fixture, tar, QR_EXTRACT_TREE, NULL, "dom0-home/user", "dom0-home/",
                          FALSE, NULL, &error));
  g_assert_no_error (error);

  assert_same_file (fixture, "user/.bashrc", "user/.bashrc.link", TRUE);
  g_assert_no_errno (lstat (fifo, &st));
  g_assert_true (S_ISFIFO (st.st_mode));
  g_assert_cmpint (st.st_mode & 0777, ==, 0644);

  /* Device files are never made, and each is reported once. */
  g_assert_false (g_file_test (device, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (fixture->notes->len, ==, 2);
  g_assert_nonnull (strstr (g_ptr_array_index (fixture->notes, 0), "“user/null”"));
  g_assert_nonnull (strstr (g_ptr_array_index (fixture->notes, 0), "device"));
  g_assert_nonnull (strstr (g_ptr_array_index (fixture->notes, 1), "“user/disk”"));

  {
    g_autofree char *spool = g_build_filename (fixture->dir, "user", "mail", "spool", NULL);
    struct stat st_spool;

    g_assert_no_errno (lstat (spool, &st_spool));
    g_assert_cmpuint (st_spool.st_nlink, ==, 3);
  }
}

static void
test_gnu_home_verify (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(Tar) tar = tar_new_gnu ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;

  tar_add (tar, "dom0-home/user/a", AE_IFREG, "a", 1);
  tar_add_hardlink (tar, "dom0-home/user/b", "dom0-home/user/a");
  tar_add (tar, "dom0-home/user/fifo", AE_IFIFO, NULL, 0);
  g_assert_true (extract (fixture, tar, QR_EXTRACT_TREE, NULL, "dom0-home/user", "dom0-home/",
                          TRUE, NULL, &error));
  g_assert_no_error (error);

  names = list_dir (fixture);
  g_assert_cmpuint (g_strv_length (names), ==, 0);
}

/* Hard links that cannot be made: not accusations, but damage. */
static void
test_hardlink_damaged (Fixture       *fixture,
                       gconstpointer  data)
{
  const char *targets[] = {
    "dom0-home/user/later", "dom0-home/user/dir", "dom0-home/user/link", "dom0-home/user",
    "dom0-home/user/fifo",
  };

  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autoptr(Tar) tar = tar_new_gnu ();
      g_autoptr(GError) error = NULL;
      g_autofree char *dest = g_strdup_printf ("dom0-home/home%u", i);

      tar_add (tar, "dom0-home/user/dir/", AE_IFDIR, NULL, 0);
      tar_add (tar, "dom0-home/user/link", AE_IFLNK, "dir", 0);
      tar_add (tar, "dom0-home/user/fifo", AE_IFIFO, NULL, 0);
      tar_add_hardlink (tar, dest, targets[i]);
      tar_add (tar, "dom0-home/user/later", AE_IFREG, "x", 1);

      g_test_message ("target %s", targets[i]);
      g_assert_false (extract (fixture, tar, QR_EXTRACT_TREE, NULL, "dom0-home/user",
                               "dom0-home/", FALSE, NULL, &error));
      g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
      g_assert_nonnull (strstr (error->message, dest));
      g_assert_null (strstr (error->message, "tampered"));

      g_assert_true (qr_extract_remove_tree (fixture->dir_fd, "user"));
    }
}

/* A hard link may not reach its target through a link, even inside. */
static void
test_hardlink_through_symlink (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(Tar) tar = tar_new_gnu ();
  g_autoptr(GError) error = NULL;
  g_autofree char *outside = g_dir_make_tmp ("qr-outside-XXXXXX", NULL);
  g_autofree char *secret = g_build_filename (outside, "secret", NULL);
  g_autofree char *linked = g_build_filename (fixture->dir, "user", "b", NULL);

  g_assert_true (g_file_set_contents (secret, "secret", -1, NULL));
  tar_add (tar, "dom0-home/user/out", AE_IFLNK, outside, 0);
  tar_add_hardlink (tar, "dom0-home/user/b", "dom0-home/user/out/secret");
  g_assert_false (extract (fixture, tar, QR_EXTRACT_TREE, NULL, "dom0-home/user", "dom0-home/",
                           FALSE, NULL, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_assert_nonnull (strstr (error->message, "tampered"));
  g_assert_false (g_file_test (linked, G_FILE_TEST_EXISTS));

  g_unlink (secret);
  g_rmdir (outside);
}

/* Makes linkat() fail as on a FAT file system, in this process only. */
static gboolean
refuse_hard_links (void)
{
  struct sock_filter filter[] = {
    BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
    BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_linkat, 0, 1),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog program = { G_N_ELEMENTS (filter), filter };

  return prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
         && syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) == 0;
}

static void
test_hardlink_as_copy (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(Tar) tar = tar_new_gnu ();
  g_autofree guint8 *content = g_malloc0 (3 * 1024 * 1024);
  g_autofree char *copy = g_build_filename (fixture->dir, "user", "Documents", "copy.img", NULL);
  struct stat st;
  int status;
  pid_t pid;

  memset (content + 2 * 1024 * 1024, 0x5a, 4096);
  tar_add (tar, "dom0-home/user/disk.img", AE_IFREG, (char *) content, 3 * 1024 * 1024);
  tar_add_hardlink (tar, "dom0-home/user/Documents/copy.img", "dom0-home/user/disk.img");
  g_assert_cmpint (archive_write_close (tar->writer), ==, ARCHIVE_OK);

  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
      Reader reader = { tar->data, tar->used, 0, 7000 };
      QrExtractJob job = { 0 };

      if (!refuse_hard_links ())
        _exit (77);

      job.kind = QR_EXTRACT_TREE;
      job.series_path = "dom0-home/user";
      job.strip_prefix = "dom0-home/";
      job.dir_fd = fixture->dir_fd;
      job.files = fixture->files;
      job.notes = notes;
      if (!qr_extract_stream (&job, read_cb, &reader, NULL, &error) || notes->len != 1
          || strstr (g_ptr_array_index (notes, 0), "“user/Documents/copy.img” is a copy of "
                                                   "“user/disk.img”") == NULL
          || job.apparent_size != 2 * 3 * 1024 * 1024)
        _exit (1);
      _exit (0);
    }

  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  if (WEXITSTATUS (status) == 77)
    {
      g_test_skip ("system calls cannot be filtered here");
      return;
    }
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);

  assert_same_file (fixture, "user/disk.img", "user/Documents/copy.img", FALSE);
  /* The copy keeps the holes. */
  g_assert_no_errno (stat (copy, &st));
  g_assert_cmpint (st.st_size, ==, 3 * 1024 * 1024);
  g_assert_cmpint (st.st_blocks * 512, <=, 64 * 1024);
}

/* A folder backed up as one series: R3's apps.templates, Qubes' own
 * test writer for R4. */
static void
test_folder_series (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(Tar) tar = tar_new_gnu ();
  g_autoptr(GError) error = NULL;
  g_autofree char *desktop = g_build_filename (fixture->dir, "apps.templates", "firefox.desktop",
                                               NULL);

  tar_add (tar, "vm4/apps.templates/", AE_IFDIR, NULL, 0);
  tar_add (tar, "vm4/apps.templates/firefox.desktop", AE_IFREG, "[Desktop Entry]\n", 16);
  g_assert_true (extract (fixture, tar, QR_EXTRACT_SINGLE_FILE, NULL, "vm4/apps.templates",
                          "vm4/", FALSE, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (desktop, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (fixture->files->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->files, 0), ==, "apps.templates");
}

/* Entries beside the series' file, inside the qube's folder, harm
 * nothing: a second name of the image, a pipe. */
static void
test_single_with_extras (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(Tar) tar = tar_new (FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *pipe = g_build_filename (fixture->dir, "pipe", NULL);

  tar_add (tar, "vm12/pipe", AE_IFIFO, NULL, 0);
  tar_add (tar, "vm12/private.img", AE_IFREG, "image", 5);
  tar_add_hardlink (tar, "vm12/second.img", "vm12/private.img");
  g_assert_true (extract (fixture, tar, QR_EXTRACT_SINGLE_FILE, NULL, "vm12/private.img",
                          "vm12/", FALSE, NULL, &error));
  g_assert_no_error (error);
  assert_same_file (fixture, "private.img", "second.img", TRUE);
  g_assert_true (g_file_test (pipe, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (fixture->files->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->files, 0), ==, "private.img");
}

/* R2 and R3.0 backed up a qube's icon.png, a link, as it was: it comes
 * back as that link, and is no file to open. */
static void
test_link_series (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(Tar) tar = tar_new_gnu ();
  g_autoptr(GError) error = NULL;
  g_autofree char *icon = g_build_filename (fixture->dir, "icon.png", NULL);
  g_autofree char *target = NULL;

  tar_add (tar, "vm5/icon.png", AE_IFLNK, "/usr/share/qubes/icons/green.png", 0);
  g_assert_true (extract (fixture, tar, QR_EXTRACT_SINGLE_FILE, NULL, "vm5/icon.png", "vm5/",
                          FALSE, NULL, &error));
  g_assert_no_error (error);
  target = g_file_read_link (icon, NULL);
  g_assert_cmpstr (target, ==, "/usr/share/qubes/icons/green.png");
  g_assert_cmpuint (fixture->files->len, ==, 0);
}

/* A template is backed up as its whole folder "vm9/.": its names are
 * "vm9/./root.img", and the writer's --xform put "vm9/" before every link
 * target, which is undone. */
static void
test_template_folder (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(Tar) tar = tar_new_gnu ();
  g_autoptr(GError) error = NULL;
  g_autofree char *icon = g_build_filename (fixture->dir, "icon.png", NULL);
  g_autofree char *kernel = g_build_filename (fixture->dir, "kernels", "vmlinuz", NULL);
  g_autofree char *target = NULL;
  g_autofree char *kernel_target = NULL;
  QrExtractJob job;

  tar_add (tar, "vm9/./", AE_IFDIR, NULL, 0);
  tar_add (tar, "vm9/./root.img", AE_IFREG, "root", 4);
  tar_add (tar, "vm9/./icon.png", AE_IFLNK, "vm9//usr/share/icons/green.png", 0);
  tar_add (tar, "vm9/./apps/", AE_IFDIR, NULL, 0);
  tar_add (tar, "vm9/./apps/firefox.desktop", AE_IFREG, "x", 1);
  tar_add (tar, "vm9/./kernels/vmlinuz", AE_IFLNK, "vm9/../../vm-kernels/vmlinuz", 0);

  g_assert_true (extract_xform (fixture, tar, "vm9/.", "vm9/", "vm9/", ".", &job, &error));
  g_assert_no_error (error);

  target = g_file_read_link (icon, NULL);
  g_assert_cmpstr (target, ==, "/usr/share/icons/green.png");
  kernel_target = g_file_read_link (kernel, NULL);
  g_assert_cmpstr (kernel_target, ==, "../../vm-kernels/vmlinuz");
  g_assert_cmpuint (job.files->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (job.files, 0), ==, "root.img");
}

/* dom0's home: only targets that began with the user's name were
 * rewritten ("user-notes.txt" became "dom0-home/user-notes.txt"). */
static void
test_home_link_targets (Fixture       *fixture,
                        gconstpointer  data)
{
  const char *links[][2] = {
    { "dom0-home/user-notes.txt", "user-notes.txt" },
    { "dom0-home/users/x", "users/x" },
    { "dom0-home/other", "dom0-home/other" },
    { "Documents/letter.txt", "Documents/letter.txt" },
    { "/etc/passwd", "/etc/passwd" },
    { "dom0-home/use", "dom0-home/use" },
  };
  g_autoptr(Tar) tar = tar_new_gnu ();
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (links); i++)
    {
      g_autofree char *name = g_strdup_printf ("dom0-home/user/link%u", i);

      tar_add (tar, name, AE_IFLNK, links[i][0], 0);
    }

  g_assert_true (extract_xform (fixture, tar, "dom0-home/user", "dom0-home/", "dom0-home/",
                                "user", NULL, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (links); i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/user/link%u", fixture->dir, i);
      g_autofree char *target = g_file_read_link (path, NULL);

      g_assert_cmpstr (target, ==, links[i][1]);
    }
}

/* Not a threat, so not called one. */
static void
test_damaged_entries (Fixture       *fixture,
                      gconstpointer  data)
{
  const char *names[][2] = {
    { "dom0-home/user/a", "dom0-home/user/a" },
    { "dom0-home/user/a", "dom0-home/user/a/b" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(Tar) tar = tar_new_gnu ();
      g_autoptr(GError) error = NULL;

      tar_add (tar, names[i][0], AE_IFREG, "1", 1);
      tar_add (tar, names[i][1], AE_IFREG, "2", 1);
      g_assert_false (extract (fixture, tar, QR_EXTRACT_TREE, NULL, "dom0-home/user",
                               "dom0-home/", FALSE, NULL, &error));
      g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
      g_assert_null (strstr (error->message, "tampered"));
      g_assert_nonnull (strstr (error->message, "“user/a"));
      g_assert_true (qr_extract_remove_tree (fixture->dir_fd, "user"));
    }
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
  g_assert_null (strstr (error->message, "tampered"));
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

/* A plain tar cut between two members reads like a shorter archive: only
 * its missing zero blocks tell. */
static void
test_cut_between_members (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(Tar) tar = tar_new_gnu ();
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  QrExtractJob job = { 0 };
  Reader reader = { NULL, 0, 0, 700 };

  tar_add (tar, "dom0-home/user/a", AE_IFREG, "first", 5);
  tar_add (tar, "dom0-home/user/b", AE_IFREG, "second", 6);
  g_assert_cmpint (archive_write_close (tar->writer), ==, ARCHIVE_OK);

  /* Two members of a header and one data block each. */
  reader.data = tar->data;
  reader.len = 4 * 512;
  job.kind = QR_EXTRACT_TREE;
  job.series_path = "dom0-home/user";
  job.strip_prefix = "dom0-home/";
  job.dir_fd = -1;
  job.files = files;
  g_assert_false (qr_extract_stream (&job, read_cb, &reader, NULL, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_TRUNCATED);
  g_clear_error (&error);

  /* With its end, the same archive is whole. */
  reader.len = 6 * 512;
  reader.pos = 0;
  g_assert_true (qr_extract_stream (&job, read_cb, &reader, NULL, &error));
  g_assert_no_error (error);
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

/* Entries no writer makes: outside the qube's folder, or standing where
 * the series' own file belongs. Type 0 is a hard link. */
static const HostileCase hostile_cases[] = {
  { "/etc/passwd", AE_IFREG, "x" },
  { "vm12/../../evil", AE_IFREG, "x" },
  { "vm12/../vm12/private.img", AE_IFREG, "x" },
  { "vm13/private.img", AE_IFREG, "x" },
  { "vm12", AE_IFREG, "x" },
  { "vm12//private.img", AE_IFREG, "x" },
  { "vm12/private.img", AE_IFIFO, NULL },
  { "vm12/private.img", AE_IFCHR, NULL },
  { "vm12/private.img", AE_IFBLK, NULL },
  { "vm12/private.img", 0, "/etc/passwd" },
  { "vm12/private.img", 0, "vm12/../../etc/passwd" },
  { "vm12/other.img", 0, "vm13/private.img" },
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
  ADD ("/qr/extract/gnu-home", test_gnu_home, NULL);
  ADD ("/qr/extract/gnu-home-verify", test_gnu_home_verify, NULL);
  ADD ("/qr/extract/hardlink-damaged", test_hardlink_damaged, NULL);
  ADD ("/qr/extract/hardlink-through-symlink", test_hardlink_through_symlink, NULL);
  ADD ("/qr/extract/hardlink-as-copy", test_hardlink_as_copy, NULL);
  ADD ("/qr/extract/folder-series", test_folder_series, NULL);
  ADD ("/qr/extract/single-with-extras", test_single_with_extras, NULL);
  ADD ("/qr/extract/link-series", test_link_series, NULL);
  ADD ("/qr/extract/template-folder", test_template_folder, NULL);
  ADD ("/qr/extract/home-link-targets", test_home_link_targets, NULL);
  ADD ("/qr/extract/damaged-entries", test_damaged_entries, NULL);
  ADD ("/qr/extract/tree-with-links", test_tree_with_links, NULL);
  ADD ("/qr/extract/write-through-symlink", test_write_through_symlink, NULL);
  ADD ("/qr/extract/duplicate-name", test_duplicate_name, NULL);
  ADD ("/qr/extract/truncated-stream", test_truncated_stream, NULL);
  ADD ("/qr/extract/cut-between-members", test_cut_between_members, NULL);
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
