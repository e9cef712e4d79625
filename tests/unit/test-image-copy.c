/* test-image-copy.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Copying files out of real ext4 images: byte for byte, as the user who
 * copies, sparse, links as links, nothing replaced, nothing half-written
 * left after a failure or a cancel. */

#include "config.h"

#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "image-fixtures.h"
#include "qr-error.h"
#include "qr-image-copy.h"

/* Another account than the image's uid 1000, as on a second desktop
 * account or a live system. */
#define OTHER_UID 1234

typedef struct
{
  char    *dir;
  char    *tree;
  char    *image_path;
  char    *dest;
  QrImage *image;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("qr-copy-test-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_no_errno (chmod (fixture->dir, 0755));
  fixture->image_path = fixture_make_private (fixture->dir);
  fixture->tree = g_build_filename (fixture->dir, "tree", NULL);
  fixture->dest = g_build_filename (fixture->dir, "Recovered Files", "work", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->image);
  FIXTURE_RUN ("rm", "-rf", fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->tree);
  g_free (fixture->image_path);
  g_free (fixture->dest);
}

static QrImage *
open_image (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  g_clear_object (&fixture->image);
  fixture->image = qr_image_open (fixture->image_path, 0, 0, &error);
  g_assert_no_error (error);

  return fixture->image;
}

typedef struct
{
  GAsyncResult *result;
  guint         n_progress;
  GCancellable *cancel_on_progress;
} Run;

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Run *run = user_data;

  run->result = g_object_ref (result);
}

static void
progress_cb (QrImageCopy *copy,
             Run         *run)
{
  run->n_progress++;
  g_assert_cmpuint (qr_image_copy_get_bytes_done (copy), <=, qr_image_copy_get_bytes_total (copy));
  if (run->cancel_on_progress != NULL && qr_image_copy_get_bytes_total (copy) > 0)
    g_cancellable_cancel (run->cancel_on_progress);
}

/* Copies @paths of the image into the fixture's destination. */
static gboolean
copy (Fixture             *fixture,
      const char * const  *paths,
      GCancellable        *cancel_on_progress,
      QrImageCopy        **out,
      GError             **error)
{
  g_autoptr(GFile) dest = g_file_new_for_path (fixture->dest);
  g_autoptr(QrImageCopy) copy = qr_image_copy_new (open_image (fixture), paths, dest);
  Run run = { NULL, 0, cancel_on_progress };
  gboolean ok;

  g_signal_connect (copy, "progress", G_CALLBACK (progress_cb), &run);
  qr_image_copy_run_async (copy, cancel_on_progress, done_cb, &run);
  while (run.result == NULL)
    g_main_context_iteration (NULL, TRUE);

  ok = qr_image_copy_run_finish (copy, run.result, error);
  g_object_unref (run.result);
  g_assert_cmpuint (run.n_progress, >, 0);
  g_signal_handlers_disconnect_by_data (copy, &run);

  if (out != NULL)
    *out = g_steal_pointer (&copy);

  return ok;
}

static void
assert_same_file (const char *expected,
                  const char *actual)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  gsize length_a;
  gsize length_b;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (expected, &a, &length_a, &error);
  g_assert_no_error (error);
  g_file_get_contents (actual, &b, &length_b, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (a, length_a, b, length_b);
}

/* No temporary names anywhere below @dir. */
static void
assert_no_partial (const char *dir)
{
  g_autofree char *out = fixture_run_capture ((const char * const []) {
                                                "find", dir, "-name", ".qr-partial-*", NULL
                                              });

  g_assert_cmpstr (out, ==, "");
}

/* Documents as the fixture tree has it, owned by @uid. */
static void
assert_documents (Fixture *fixture,
                  uid_t    uid)
{
  g_autofree char *documents = g_build_filename (fixture->dest, "Documents", NULL);
  g_autofree char *source = g_build_filename (fixture->tree, "home", "user", "Documents", NULL);
  static const char * const files[] = { "report.txt", "sparse.bin", "Photos/cat.jpg" };
  g_autofree char *link = g_build_filename (documents, "latest", NULL);
  g_autofree char *target = NULL;
  g_autofree char *sparse = g_build_filename (documents, "sparse.bin", NULL);
  g_autofree char *source_sparse = g_build_filename (source, "sparse.bin", NULL);
  g_autoptr(GError) error = NULL;
  GStatBuf st;
  GStatBuf source_st;

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *a = g_build_filename (source, files[i], NULL);
      g_autofree char *b = g_build_filename (documents, files[i], NULL);

      assert_same_file (a, b);
      g_assert_no_errno (g_lstat (b, &st));
      g_assert_cmpuint (st.st_uid, ==, uid);
    }

  /* The link is a link, to what it pointed to. */
  target = g_file_read_link (link, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (target, ==, "report.txt");

  /* Sparse stays sparse; modes and times are kept. */
  g_assert_no_errno (g_lstat (sparse, &st));
  g_assert_no_errno (g_lstat (source_sparse, &source_st));
  g_assert_cmpint (st.st_size, ==, FIXTURE_SPARSE_SIZE);
  g_assert_cmpint (st.st_blocks * 512, <, 64 * 1024);
  g_assert_cmpuint (st.st_mode & 07777, ==, 0640);
  g_assert_cmpint (st.st_mtime, ==, source_st.st_mtime);

  g_assert_no_errno (g_lstat (documents, &st));
  g_assert_true (S_ISDIR (st.st_mode));
  g_assert_cmpuint (st.st_uid, ==, uid);
  g_assert_cmpuint (st.st_mode & 0700, ==, 0700);

  assert_no_partial (fixture->dest);
}

static void
test_documents (Fixture       *fixture,
                gconstpointer  data)
{
  const char * const paths[] = { "home/user/Documents", NULL };
  g_autoptr(QrImageCopy) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = g_build_filename (fixture->dest, "Documents", NULL);

  g_assert_true (copy (fixture, paths, NULL, &result, &error));
  g_assert_no_error (error);
  assert_documents (fixture, geteuid ());

  g_assert_cmpuint (qr_image_copy_get_notes (result)->len, ==, 0);
  g_assert_cmpuint (qr_image_copy_get_files_total (result), ==, 4);
  g_assert_cmpuint (qr_image_copy_get_files_done (result), ==, 4);
  g_assert_cmpuint (qr_image_copy_get_bytes_done (result), ==,
                    qr_image_copy_get_bytes_total (result));
  g_assert_cmpfloat (qr_image_copy_get_fraction (result), ==, 1.0);
  g_assert_cmpint (qr_image_copy_get_seconds_left (result), ==, -1);
  g_assert_cmpstrv (qr_image_copy_get_copied (result), ((const char * const []) { expected, NULL }));
}

/* home/user is uid 1000's alone (mode 700); another account copies it
 * all the same, and the copies are its own. */
static void
test_other_account (Fixture       *fixture,
                    gconstpointer  data)
{
  const char * const paths[] = { "home/user/Documents", "home/user/.bashrc", NULL };
  g_autoptr(GError) error = NULL;

  if (g_test_subprocess ())
    {
      g_autofree char *owner = g_strdup_printf ("%u:%u", OTHER_UID, OTHER_UID);

      /* The child may write in its test folder, no more. */
      FIXTURE_RUN ("chown", "-R", owner, fixture->dir);
      g_assert_no_errno (setgroups (0, NULL));
      g_assert_no_errno (setresgid (OTHER_UID, OTHER_UID, OTHER_UID));
      g_assert_no_errno (setresuid (OTHER_UID, OTHER_UID, OTHER_UID));

      g_assert_true (copy (fixture, paths, NULL, NULL, &error));
      g_assert_no_error (error);
      assert_documents (fixture, OTHER_UID);
      return;
    }

  if (geteuid () != 0)
    {
      g_test_skip ("Changing accounts needs root");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_special_skipped (Fixture       *fixture,
                      gconstpointer  data)
{
  const char * const paths[] = { "home/user", NULL };
  g_autoptr(QrImageCopy) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *fifo = g_build_filename (fixture->dest, "user", "pipe", NULL);
  QrImageCopyNote *note;

  fixture_debugfs_in (fixture->image_path, "/home/user", "mknod pipe p");
  g_assert_true (copy (fixture, paths, NULL, &result, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (qr_image_copy_get_notes (result)->len, ==, 1);
  note = g_ptr_array_index (qr_image_copy_get_notes (result), 0);
  g_assert_cmpint (note->kind, ==, QR_IMAGE_COPY_NOTE_SKIPPED);
  g_assert_cmpstr (note->path, ==, "home/user/pipe");
  g_assert_false (g_file_test (fifo, G_FILE_TEST_EXISTS));
}

/* What is already in the destination is left as it is. */
static void
test_never_overwrite (Fixture       *fixture,
                      gconstpointer  data)
{
  const char * const paths[] = { "home/user/Documents", "home/user/.bashrc", NULL };
  g_autofree char *existing = g_build_filename (fixture->dest, "Documents", NULL);
  g_autofree char *bashrc = g_build_filename (fixture->dest, ".bashrc", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(QrImageCopy) result = NULL;
  g_autoptr(GError) error = NULL;
  QrImageCopyNote *note;

  g_assert_cmpint (g_mkdir_with_parents (fixture->dest, 0755), ==, 0);
  g_file_set_contents (existing, "mine", -1, &error);
  g_assert_no_error (error);

  g_assert_false (copy (fixture, paths, NULL, &result, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_EXISTS);

  g_file_get_contents (existing, &contents, NULL, NULL);
  g_assert_cmpstr (contents, ==, "mine");
  g_assert_true (g_file_test (bashrc, G_FILE_TEST_IS_REGULAR));
  note = g_ptr_array_index (qr_image_copy_get_notes (result), 0);
  g_assert_cmpint (note->kind, ==, QR_IMAGE_COPY_NOTE_FAILED);
  g_assert_error (note->error, QR_ERROR, QR_ERROR_EXISTS);
  assert_no_partial (fixture->dest);
}

/* A damaged file and a folder that holds its own ancestor: noted, and
 * everything else copied. */
static void
test_damaged (Fixture       *fixture,
              gconstpointer  data)
{
  const char * const paths[] = { "home/user", NULL };
  g_autofree char *report = g_build_filename (fixture->dest, "user", "Documents", "report.txt", NULL);
  g_autofree char *cat = g_build_filename (fixture->dest, "user", "Documents", "Photos", "cat.jpg", NULL);
  g_autofree char *loop = g_build_filename (fixture->dest, "user", "Documents", "Photos", "loop", NULL);
  g_autoptr(QrImageCopy) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *notes;

  fixture_debugfs (fixture->image_path, "sif /home/user/Documents/report.txt size 0x1000000000000000");
  fixture_debugfs (fixture->image_path, "ln /home/user /home/user/Documents/Photos/loop");

  g_assert_false (copy (fixture, paths, NULL, &result, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);

  notes = qr_image_copy_get_notes (result);
  g_assert_cmpuint (notes->len, ==, 2);
  for (guint i = 0; i < notes->len; i++)
    {
      QrImageCopyNote *note = g_ptr_array_index (notes, i);

      g_assert_cmpint (note->kind, ==, QR_IMAGE_COPY_NOTE_FAILED);
      g_assert_error (note->error, QR_ERROR, QR_ERROR_DAMAGED);
      g_assert_true (g_str_equal (note->path, "home/user/Documents/report.txt") ||
                     g_str_equal (note->path, "home/user/Documents/Photos/loop"));
    }

  g_assert_false (g_file_test (report, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (loop, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (cat, G_FILE_TEST_IS_REGULAR));
  assert_no_partial (fixture->dest);
}

/* Cancelled while the data of a large file is being written: nothing of
 * the chosen folder is left. */
static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  const char * const paths[] = { "home/user", NULL };
  g_autofree char *large = g_build_filename (fixture->tree, "home", "user", "large.bin", NULL);
  g_autofree char *of = g_strconcat ("of=", large, NULL);
  g_autofree char *user = g_build_filename (fixture->dest, "user", NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;

  FIXTURE_RUN ("dd", "status=none", "bs=1M", "count=256", "if=/dev/urandom", of);
  g_free (fixture->image_path);
  fixture->image_path = fixture_make_fs (fixture->dir, "large.img", fixture->tree, "300M",
                                         "ext4", NULL);

  g_assert_false (copy (fixture, paths, cancellable, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  g_assert_false (g_file_test (user, G_FILE_TEST_EXISTS));
  dir = g_dir_open (fixture->dest, 0, &error);
  g_assert_no_error (error);
  g_assert_null (g_dir_read_name (dir));
}

/* A destination that cannot be written ends the copy with why. */
static void
test_destination_fails (Fixture       *fixture,
                        gconstpointer  data)
{
  const char * const paths[] = { "home/user/Documents", NULL };
  g_autoptr(GError) error = NULL;

  g_free (fixture->dest);
  fixture->dest = g_build_filename (fixture->image_path, "inside-a-file", NULL);
  g_assert_false (copy (fixture, paths, NULL, NULL, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_IO);
}

static void
test_missing_path (Fixture       *fixture,
                   gconstpointer  data)
{
  const char * const paths[] = { "home/user/Nothing", "/", NULL };
  g_autoptr(QrImageCopy) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *notes;

  g_assert_false (copy (fixture, paths, NULL, &result, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_FAILED);
  notes = qr_image_copy_get_notes (result);
  g_assert_cmpuint (notes->len, ==, 2);
  g_assert_error (((QrImageCopyNote *) g_ptr_array_index (notes, 0))->error,
                  G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_error (((QrImageCopyNote *) g_ptr_array_index (notes, 1))->error,
                  G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

static void
test_new_destroy (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("qr-copy-test-XXXXXX", &error);
  g_autofree char *path = fixture_make_private (dir);
  QrImage *image = qr_image_open (path, 0, 0, &error);
  g_autoptr(GFile) dest = g_file_new_for_path (dir);
  const char * const paths[] = { "home", NULL };
  QrImageCopy *copy;

  g_assert_no_error (error);
  copy = qr_image_copy_new (image, paths, dest);
  g_assert_true (qr_image_copy_get_destination (copy) == dest);
  g_assert_cmpuint (qr_image_copy_get_files_total (copy), ==, 0);
  g_assert_cmpstrv (qr_image_copy_get_copied (copy), ((const char * const []) { NULL }));
  g_assert_finalize_object (copy);
  g_assert_finalize_object (image);
  FIXTURE_RUN ("rm", "-rf", dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qr/image-copy/new-destroy", test_new_destroy);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/qr/image-copy/documents", test_documents);
  ADD ("/qr/image-copy/other-account", test_other_account);
  ADD ("/qr/image-copy/special-skipped", test_special_skipped);
  ADD ("/qr/image-copy/never-overwrite", test_never_overwrite);
  ADD ("/qr/image-copy/damaged", test_damaged);
  ADD ("/qr/image-copy/cancel", test_cancel);
  ADD ("/qr/image-copy/destination-fails", test_destination_fails);
  ADD ("/qr/image-copy/missing-path", test_missing_path);
#undef ADD

  return g_test_run ();
}
