/* fuzz-extract.c: a qube's verified inner stream (compressed tar) unpacked
 * into a temporary folder, as one file or as dom0's home tree.
 *
 * The first byte of the input chooses how; the rest is the stream. After
 * each run, nothing may exist outside the destination folder, and nothing
 * inside it but files, folders and links under their final names.
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qr-error.h"
#include "qr-extract.h"
#include "qr-fuzz-utils.h"

/* The first byte of the input. */
#define KIND_TREE    (1 << 0)
#define FILTER_SHIFT 1     /* bits 1-3: the compression filter */
#define PIECE_SHIFT  4     /* bits 4-5: how the stream is cut */
#define VERIFY_ONLY  (1 << 6)
#define CANCEL       (1 << 7)

/* What the fixture backups hold: vm12's private.img, and dom0's home. */
#define FILE_SERIES "vm12/private.img"
#define FILE_PREFIX "vm12/"
#define FILE_NAME   "private.img"
#define TREE_SERIES "dom0-home/user"
#define TREE_PREFIX "dom0-home/"
#define TREE_NAME   "user"

/* No filter, then each data format the backup tool can write. */
static const char * const filters[] = { NULL, "gzip", "bzip2", "xz", "lzma", "zstd" };
static const gsize pieces[] = { G_MAXSIZE, 512, 4093, 65536 };

/* The sandbox: SANDBOX/outer/dest, so that an escape by ".." or through a
 * link shows. */
static char *sandbox;
static int sandbox_fd = -1;
static int outer_fd = -1;

typedef struct
{
  const guint8 *data;
  gsize         len;
  gsize         pos;
  gsize         piece;
  guint         reads;
  GCancellable *cancel_on_second_read;
} Reader;

static gssize
read_cb (gpointer      user_data,
         const void  **buffer,
         GError      **error)
{
  Reader *reader = user_data;
  gsize n = MIN (reader->piece, reader->len - reader->pos);

  if (++reader->reads == 2 && reader->cancel_on_second_read != NULL)
    g_cancellable_cancel (reader->cancel_on_second_read);

  *buffer = reader->data + reader->pos;
  reader->pos += n;
  return n;
}

/* Asserts that @fd holds exactly the one entry @name, a folder. */
static void
check_only_child (int         fd,
                  const char *name)
{
  DIR *dir = fdopendir (dup (fd));
  struct dirent *de;
  guint n = 0;

  g_assert_nonnull (dir);
  rewinddir (dir);
  while ((de = readdir (dir)) != NULL)
    {
      if (g_str_equal (de->d_name, ".") || g_str_equal (de->d_name, ".."))
        continue;
      g_assert_cmpstr (de->d_name, ==, name);
      n++;
    }
  closedir (dir);
  g_assert_cmpuint (n, ==, 1);
}

/* Walks what was written, never following a link: only files, folders
 * and links, none left under a temporary name. Returns how many. */
static guint
check_tree (int fd)
{
  DIR *dir = fdopendir (dup (fd));
  struct dirent *de;
  guint n = 0;

  g_assert_nonnull (dir);
  rewinddir (dir);
  while ((de = readdir (dir)) != NULL)
    {
      struct stat st;

      if (g_str_equal (de->d_name, ".") || g_str_equal (de->d_name, ".."))
        continue;

      n++;
      g_assert_false (g_str_has_prefix (de->d_name, ".qr-partial-"));
      g_assert_cmpint (fstatat (dirfd (dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW), ==, 0);
      /* Named pipes are restored as GNU tar keeps them; devices and
       * sockets never are. */
      g_assert_true (S_ISREG (st.st_mode) || S_ISDIR (st.st_mode) || S_ISLNK (st.st_mode) ||
                     S_ISFIFO (st.st_mode));

      if (S_ISDIR (st.st_mode))
        {
          int child = openat (dirfd (dir), de->d_name,
                              O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

          g_assert_cmpint (child, >=, 0);
          n += check_tree (child);
          close (child);
        }
    }
  closedir (dir);

  return n;
}

static void
check_single_file (int           dest_fd,
                   QrExtractJob *job)
{
  struct stat st;

  /* The series' own entry came back: a file or a folder to open, or a
   * link (as old writers kept an icon), which is not one. */
  g_assert_cmpuint (job->files->len, <=, 1);
  if (job->files->len == 1)
    g_assert_cmpstr (g_ptr_array_index (job->files, 0), ==, FILE_NAME);

  if (job->dir_fd < 0)
    return;

  g_assert_cmpint (fstatat (dest_fd, FILE_NAME, &st, AT_SYMLINK_NOFOLLOW), ==, 0);
  if (job->files->len == 0)
    g_assert_true (S_ISLNK (st.st_mode));
  else if (S_ISREG (st.st_mode))
    g_assert_cmpuint (st.st_size, ==, job->apparent_size);
  else
    g_assert_true (S_ISDIR (st.st_mode));
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  qr_fuzz_init ();

  sandbox = g_dir_make_tmp ("qr-fuzz-extract-XXXXXX", NULL);
  g_assert_nonnull (sandbox);
  sandbox_fd = open (sandbox, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  g_assert_cmpint (mkdirat (sandbox_fd, "outer", 0700), ==, 0);
  outer_fd = openat (sandbox_fd, "outer", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  g_assert_cmpint (outer_fd, >=, 0);

  return 0;
}

/* The sandbox goes when the process ends, however it ends normally. */
static void __attribute__((destructor))
remove_sandbox (void)
{
  if (sandbox_fd >= 0)
    qr_extract_remove_tree (AT_FDCWD, sandbox);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  QrExtractJob job = { 0 };
  Reader reader = { 0 };
  guint8 flags;
  gboolean tree, ok;
  guint n_entries;
  int dest_fd;

  if (size < 1)
    return 0;

  flags = data[0];
  tree = (flags & KIND_TREE) != 0;

  g_assert_cmpint (mkdirat (outer_fd, "dest", 0700), ==, 0);
  dest_fd = openat (outer_fd, "dest", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  g_assert_cmpint (dest_fd, >=, 0);

  job.kind = tree ? QR_EXTRACT_TREE : QR_EXTRACT_SINGLE_FILE;
  job.compression_filter = filters[((flags >> FILTER_SHIFT) & 7) % G_N_ELEMENTS (filters)];
  job.series_path = tree ? TREE_SERIES : FILE_SERIES;
  job.strip_prefix = tree ? TREE_PREFIX : FILE_PREFIX;
  job.dir_fd = (flags & VERIFY_ONLY) ? -1 : dest_fd;
  job.files = files;

  reader.data = data + 1;
  reader.len = size - 1;
  reader.piece = pieces[(flags >> PIECE_SHIFT) & 3];
  reader.cancel_on_second_read = (flags & CANCEL) ? cancellable : NULL;

  ok = qr_extract_stream (&job, read_cb, &reader, cancellable, &error);
  g_assert_true (ok == (error == NULL));
  g_assert_true (error == NULL || error->domain == QR_ERROR ||
                 g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));

  /* Nothing outside the destination; inside it, nothing half-written. */
  check_only_child (sandbox_fd, "outer");
  check_only_child (outer_fd, "dest");
  n_entries = check_tree (dest_fd);
  if (job.dir_fd < 0)
    g_assert_cmpuint (n_entries, ==, 0);

  if (ok && !tree)
    check_single_file (dest_fd, &job);
  if (ok && tree)
    g_assert_cmpstr (g_ptr_array_index (files, files->len - 1), ==, TREE_NAME);

  close (dest_fd);
  g_assert_true (qr_extract_remove_tree (outer_fd, "dest"));
  return 0;
}
