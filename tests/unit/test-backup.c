/* test-backup.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qr-backup.h"
#include "qr-error.h"
#include "qr-restore.h"

#define PASSPHRASE "correct horse battery staple"

static char *workdir;
static char *backup_path;

/* One small backup made with the real tools, shared by every case. */
static void
make_backup (void)
{
  const char *generator = g_getenv ("QR_FIXTURE_GENERATOR");
  g_autoptr(GError) error = NULL;
  g_autofree char *stdout_text = NULL;
  int status;

  g_assert_nonnull (generator);
  workdir = g_dir_make_tmp ("qr-backup-XXXXXX", &error);
  g_assert_no_error (error);
  backup_path = g_build_filename (workdir, "qubes-backup-2023-04-05T123456", NULL);

  {
    const char *argv[] = { "python3", generator, "--qubes", "small", "--chunk-size", "65536",
                           "--backup-id", "20230405T123455-1234", backup_path, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &stdout_text,
                  NULL, &status, &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
}

static void
remove_workdir (void)
{
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", workdir);

  g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL));
}

typedef struct
{
  GAsyncResult *result;
} Wait;

static void
wait_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
}

static GAsyncResult *
iterate_until_done (Wait *wait)
{
  while (wait->result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return wait->result;
}

static QrBackup *
open_backup (void)
{
  g_autoptr(GFile) file = g_file_new_for_path (backup_path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  Wait wait = { NULL };
  QrBackup *backup;

  qr_backup_open_async (file, NULL, wait_cb, &wait);
  result = iterate_until_done (&wait);
  backup = qr_backup_open_finish (result, &error);
  g_assert_no_error (error);
  return backup;
}

static gboolean
unlock (QrBackup    *backup,
        const char  *passphrase,
        GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  Wait wait = { NULL };

  qr_backup_unlock_async (backup, passphrase, NULL, NULL, wait_cb, &wait);
  result = iterate_until_done (&wait);
  return qr_backup_unlock_finish (backup, result, error);
}

static void
test_open (void)
{
  g_autoptr(QrBackup) backup = open_backup ();
  const QrHeader *header = qr_backup_get_header (backup);
  g_autofree char *date = qr_backup_dup_date_string (backup);

  g_assert_cmpuint (header->version, ==, 4);
  g_assert_cmpstr (header->backup_id, ==, "20230405T123455-1234");
  g_assert_cmpstr (header->compression_filter, ==, "gzip");
  g_assert_false (qr_backup_get_unlocked (backup));
  g_assert_cmpuint (g_list_model_get_n_items (qr_backup_get_qubes (backup)), ==, 0);
  g_assert_cmpstr (date, ==, "2023-04-05");
  g_assert_finalize_object (g_steal_pointer (&backup));
}

static void
test_not_a_backup (void)
{
  g_autoptr(GFile) file = g_file_new_for_path (g_test_get_filename (G_TEST_DIST, "meson.build",
                                                                    NULL));
  g_autoptr(GError) error = NULL;

  g_assert_null (qr_backup_open (file, NULL, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_NOT_A_BACKUP);
}

static void
test_wrong_passphrase (void)
{
  g_autoptr(QrBackup) backup = open_backup ();
  g_autoptr(GError) error = NULL;

  g_assert_false (unlock (backup, "hunter2", &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_WRONG_PASSPHRASE);
  g_assert_false (qr_backup_get_unlocked (backup));
}

static void
count_cb (GObject    *object,
          GParamSpec *pspec,
          guint      *count)
{
  (*count)++;
}

static void
test_unlock (void)
{
  g_autoptr(QrBackup) backup = open_backup ();
  g_autoptr(GError) error = NULL;
  guint notified = 0;
  QrQube *work;
  QrQube *personal;

  g_signal_connect (backup, "notify::unlocked", G_CALLBACK (count_cb), &notified);
  g_assert_true (unlock (backup, PASSPHRASE, &error));
  g_assert_no_error (error);
  g_assert_true (qr_backup_get_unlocked (backup));
  g_assert_cmpuint (notified, ==, 1);

  work = qr_backup_lookup_qube (backup, "work");
  g_assert_nonnull (work);
  g_assert_true (qr_qube_get_included (work));
  g_assert_true (qr_qube_get_present (work));
  g_assert_cmpstr (qr_qube_get_backup_path (work), ==, "vm12/");
  /* Its parts are encrypted and compressed: more than the scrypt framing
   * of each, less than the whole file. */
  g_assert_cmpuint (qr_backup_get_stored_size (backup, work), >, 3 * 128);
  g_assert_cmpuint (qr_backup_get_stored_size (backup, work), <, qr_backup_get_size (backup));

  personal = qr_backup_lookup_qube (backup, "personal");
  g_assert_nonnull (personal);
  g_assert_false (qr_qube_get_included (personal));
  g_assert_false (qr_qube_get_present (personal));
  g_assert_cmpuint (qr_backup_get_stored_size (backup, personal), ==, 0);
  g_assert_null (qr_backup_lookup_qube (backup, "no-such-qube"));
}

typedef struct
{
  guint   progress;
  double  last_fraction;
  GThread *thread;
} ProgressCount;

static void
progress_cb (QrRestore     *restore,
             ProgressCount *count)
{
  /* Progress arrives on the thread that runs the main context. */
  g_assert_true (count->thread == g_thread_self ());
  g_assert_cmpfloat (qr_restore_get_fraction (restore), >=, count->last_fraction);
  count->last_fraction = qr_restore_get_fraction (restore);
  count->progress++;
}

static QrRestore *
run_restore (QrBackup  *backup,
             GFile     *destination,
             gboolean  *ok,
             GError   **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  ProgressCount count = { 0, 0.0, g_thread_self () };
  QrRestore *restore = qr_restore_new (backup, destination);
  Wait wait = { NULL };

  g_signal_connect (restore, "progress", G_CALLBACK (progress_cb), &count);
  qr_restore_run_async (restore, NULL, wait_cb, &wait);
  result = iterate_until_done (&wait);
  *ok = qr_restore_run_finish (restore, result, error);
  g_signal_handlers_disconnect_by_data (restore, &count);

  g_assert_cmpuint (count.progress, >, 0);
  return restore;
}

static void
test_restore (void)
{
  g_autoptr(QrBackup) backup = open_backup ();
  g_autofree char *dest_path = g_build_filename (workdir, "restored", NULL);
  g_autoptr(GFile) dest = g_file_new_for_path (dest_path);
  g_autoptr(QrRestore) restore = NULL;
  g_autoptr(QrRestoreItem) item = NULL;
  g_autoptr(GFile) expected = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) files = NULL;
  g_autofree char *image = NULL;
  GStatBuf st;
  gboolean ok;

  g_assert_true (unlock (backup, PASSPHRASE, &error));
  restore = run_restore (backup, dest, &ok, &error);
  g_assert_no_error (error);
  g_assert_true (ok);

  g_assert_cmpint (qr_restore_get_phase (restore), ==, QR_RESTORE_PHASE_FINISHED);
  g_assert_cmpfloat (qr_restore_get_fraction (restore), ==, 1.0);
  g_assert_cmpuint (qr_restore_get_bytes_done (restore), ==, qr_restore_get_bytes_total (restore));

  /* The small preset holds one qube: work. */
  g_assert_cmpuint (g_list_model_get_n_items (qr_restore_get_items (restore)), ==, 1);
  item = g_list_model_get_item (qr_restore_get_items (restore), 0);
  g_assert_cmpstr (qr_qube_get_name (qr_restore_item_get_qube (item)), ==, "work");
  g_assert_cmpint (qr_restore_item_get_state (item), ==, QR_RESTORE_STATE_DONE);
  g_assert_null (qr_restore_item_get_error (item));

  expected = g_file_get_child (dest, "work");
  g_assert_true (g_file_equal (qr_restore_item_get_location (item), expected));
  files = qr_restore_item_dup_files (item);
  g_assert_true (g_strv_contains ((const char * const *) files, "private.img"));
  g_assert_true (g_strv_contains ((const char * const *) files, "notes.txt"));

  image = g_build_filename (dest_path, "work", "private.img", NULL);
  g_assert_no_errno (g_stat (image, &st));
  g_assert_cmpuint (qr_restore_item_get_size (item), >=, st.st_size);
  g_assert_cmpuint (st.st_size, ==, 64 * 1024 * 1024);
}

static void
test_verify_only (void)
{
  g_autoptr(QrBackup) backup = open_backup ();
  g_autoptr(QrRestore) restore = NULL;
  g_autoptr(QrRestoreItem) item = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_assert_true (unlock (backup, PASSPHRASE, &error));
  restore = run_restore (backup, NULL, &ok, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_true (qr_restore_get_verify_only (restore));

  item = g_list_model_get_item (qr_restore_get_items (restore), 0);
  g_assert_cmpint (qr_restore_item_get_state (item), ==, QR_RESTORE_STATE_DONE);
  g_assert_null (qr_restore_item_get_location (item));
}

static void
test_existing_folder (void)
{
  g_autoptr(QrBackup) backup = open_backup ();
  g_autofree char *dest_path = g_build_filename (workdir, "existing", NULL);
  g_autofree char *work_path = g_build_filename (dest_path, "work", NULL);
  g_autoptr(GFile) dest = g_file_new_for_path (dest_path);
  g_autoptr(QrRestore) restore = NULL;
  g_autoptr(QrRestoreItem) item = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_assert_no_errno (g_mkdir_with_parents (work_path, 0700));
  g_assert_true (unlock (backup, PASSPHRASE, &error));
  restore = run_restore (backup, dest, &ok, &error);
  g_assert_false (ok);
  g_assert_error (error, QR_ERROR, QR_ERROR_EXISTS);

  item = g_list_model_get_item (qr_restore_get_items (restore), 0);
  g_assert_cmpint (qr_restore_item_get_state (item), ==, QR_RESTORE_STATE_FAILED);
  g_assert_true (g_error_matches (qr_restore_item_get_error (item), QR_ERROR, QR_ERROR_EXISTS));
}

static void
test_cancel_before_start (void)
{
  g_autoptr(QrBackup) backup = open_backup ();
  g_autofree char *dest_path = g_build_filename (workdir, "cancelled", NULL);
  g_autoptr(GFile) dest = g_file_new_for_path (dest_path);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(QrRestore) restore = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Wait wait = { NULL };

  g_assert_true (unlock (backup, PASSPHRASE, &error));
  restore = qr_restore_new (backup, dest);
  g_cancellable_cancel (cancellable);
  qr_restore_run_async (restore, cancellable, wait_cb, &wait);
  result = iterate_until_done (&wait);
  g_assert_false (qr_restore_run_finish (restore, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_file_test (dest_path, G_FILE_TEST_EXISTS));
}

static gpointer
feed_fifo_thread (gpointer data)
{
  const char *fifo = data;
  g_autofree char *contents = NULL;
  gsize len;
  int fd;

  g_assert_true (g_file_get_contents (backup_path, &contents, &len, NULL));
  fd = open (fifo, O_WRONLY);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, contents, len), ==, len);
  close (fd);
  return NULL;
}

static void
test_pipe_read_once (void)
{
  g_autofree char *fifo = g_build_filename (workdir, "fifo", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (fifo);
  g_autoptr(GThread) feeder = NULL;
  g_autoptr(QrBackup) backup = NULL;
  g_autoptr(QrRestore) first = NULL;
  g_autoptr(QrRestore) second = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_assert_no_errno (mkfifo (fifo, 0600));
  feeder = g_thread_new ("feeder", feed_fifo_thread, fifo);

  backup = qr_backup_open (file, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (unlock (backup, PASSPHRASE, &error));
  g_assert_true (qr_qube_get_present (qr_backup_lookup_qube (backup, "work")));

  first = run_restore (backup, NULL, &ok, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_thread_join (g_steal_pointer (&feeder));

  /* What a pipe sent is gone: a second run says so plainly. */
  second = run_restore (backup, NULL, &ok, &error);
  g_assert_false (ok);
  g_assert_error (error, QR_ERROR, QR_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "pipe"));
  g_unlink (fifo);
}

static void
assert_main_thread (gpointer object)
{
  g_assert_true (g_thread_self () == g_object_get_data (object, "main-thread"));
}

static void
notify_on_main_thread_cb (GObject    *object,
                          GParamSpec *pspec,
                          gpointer    data)
{
  assert_main_thread (object);
}

static void
items_changed_on_main_thread_cb (GListModel *model,
                                 guint       position,
                                 guint       removed,
                                 guint       added,
                                 gpointer    data)
{
  assert_main_thread (model);
}

static void
progress_on_main_thread_cb (QrRestore *restore,
                            gpointer   data)
{
  assert_main_thread (restore);
}

static void
watch_on_main_thread (gpointer    object,
                      const char *signal)
{
  GCallback callback = G_CALLBACK (notify_on_main_thread_cb);

  if (g_str_equal (signal, "items-changed"))
    callback = G_CALLBACK (items_changed_on_main_thread_cb);
  else if (g_str_equal (signal, "progress"))
    callback = G_CALLBACK (progress_on_main_thread_cb);

  g_object_set_data (object, "main-thread", g_thread_self ());
  g_signal_connect (object, signal, callback, NULL);
}

static gboolean
set_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
count_progress_cb (QrRestore *restore,
                   guint     *count)
{
  (*count)++;
}

/* The list of qubes, the items and the progress change only on the main
 * context; once finished, a restore stays finished. */
static void
test_main_thread_only (void)
{
  g_autoptr(QrBackup) backup = open_backup ();
  g_autoptr(QrRestore) restore = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GListModel *items;
  Wait wait = { NULL };
  gboolean waited = FALSE;
  guint late_progress = 0;

  watch_on_main_thread (qr_backup_get_qubes (backup), "items-changed");
  watch_on_main_thread (backup, "notify");
  g_assert_true (unlock (backup, PASSPHRASE, &error));

  restore = qr_restore_new (backup, NULL);
  watch_on_main_thread (restore, "notify");
  watch_on_main_thread (restore, "progress");
  qr_restore_run_async (restore, NULL, wait_cb, &wait);

  items = qr_restore_get_items (restore);
  watch_on_main_thread (items, "items-changed");
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (items, i);

      watch_on_main_thread (item, "notify");
    }

  result = iterate_until_done (&wait);
  g_assert_true (qr_restore_run_finish (restore, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (qr_restore_get_phase (restore), ==, QR_RESTORE_PHASE_FINISHED);

  /* Nothing may come after the end, however long one waits for it. */
  g_signal_connect (restore, "progress", G_CALLBACK (count_progress_cb), &late_progress);
  g_timeout_add (600, set_flag_cb, &waited);
  while (!waited)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (late_progress, ==, 0);
  g_assert_cmpint (qr_restore_get_phase (restore), ==, QR_RESTORE_PHASE_FINISHED);
}

static void
test_item_notify (void)
{
  g_autoptr(QrQube) qube = qr_qube_new ("work");
  g_autoptr(QrRestoreItem) item = qr_restore_item_new (qube);
  g_autoptr(GError) error = g_error_new_literal (QR_ERROR, QR_ERROR_DAMAGED, "damaged");
  guint notified = 0;

  g_signal_connect (item, "notify::state", G_CALLBACK (count_cb), &notified);
  qr_restore_item_set_state (item, QR_RESTORE_STATE_RESTORING);
  qr_restore_item_set_state (item, QR_RESTORE_STATE_RESTORING);
  g_assert_cmpuint (notified, ==, 1);

  qr_restore_item_set_error (item, error);
  g_assert_true (g_error_matches (qr_restore_item_get_error (item), QR_ERROR, QR_ERROR_DAMAGED));
  qr_restore_item_add_file (item, "private.img");
  g_assert_finalize_object (g_steal_pointer (&item));
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  make_backup ();

  g_test_add_func ("/qr/backup/open", test_open);
  g_test_add_func ("/qr/backup/not-a-backup", test_not_a_backup);
  g_test_add_func ("/qr/backup/wrong-passphrase", test_wrong_passphrase);
  g_test_add_func ("/qr/backup/unlock", test_unlock);
  g_test_add_func ("/qr/restore/restore", test_restore);
  g_test_add_func ("/qr/restore/verify-only", test_verify_only);
  g_test_add_func ("/qr/restore/existing-folder", test_existing_folder);
  g_test_add_func ("/qr/restore/cancel-before-start", test_cancel_before_start);
  g_test_add_func ("/qr/restore/pipe-read-once", test_pipe_read_once);
  g_test_add_func ("/qr/restore/item-notify", test_item_notify);
  g_test_add_func ("/qr/restore/main-thread-only", test_main_thread_only);

  ret = g_test_run ();
  remove_workdir ();
  return ret;
}
