/* qr-test-utils.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "qr-application.h"
#include "qr-page-choose.h"
#include "qr-page-done.h"
#include "qr-page-unlock.h"
#include "qr-test-utils.h"

static GtkApplication *application;

/* What gtk_test_init() does, except that a missing display is reported
 * rather than fatal, so the tests can skip. */
gboolean
qr_test_init_display (int    *argc,
                      char ***argv)
{
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);

  g_test_init (argc, argv, NULL);
  gtk_disable_setlocale ();
  setlocale (LC_ALL, "C.UTF-8");

  return gtk_init_check ();
}

static void
skip_cb (gconstpointer data)
{
  g_test_skip (data);
}

/* Sets a gui test program up, or, when it cannot run here (no display, or
 * no fixture generator where it needs one), registers a single skipped
 * case named @skip_path that says why, and returns FALSE. */
gboolean
qr_test_init_suite (int         *argc,
                    char      ***argv,
                    const char  *skip_path,
                    gboolean     needs_generator)
{
  const char *why = NULL;

  if (!qr_test_init_display (argc, argv))
    why = "No display: run the gui suite under xvfb-run";
  else if (needs_generator && g_getenv ("QR_FIXTURE_GENERATOR") == NULL)
    why = "QR_FIXTURE_GENERATOR is not set";

  if (why != NULL)
    g_test_add_data_func (skip_path, why, skip_cb);

  return why == NULL;
}

/* Removes a test's folder and everything in it, never following a link. */
void
qr_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        qr_test_remove_tree (child);
      else
        g_unlink (child);
    }

  g_rmdir (path);
}

/* Makes a real backup with the fixture generator, with QR_TEST_PASSPHRASE
 * and a manifest at PATH.json. Returns the backup's path. */
char *
qr_test_make_backup (const char         *dir,
                     const char         *name,
                     const char * const *extra_args)
{
  const char *generator = g_getenv ("QR_FIXTURE_GENERATOR");
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *manifest = g_strconcat (path, ".json", NULL);
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_nonnull (generator);

  g_ptr_array_add (argv, g_strdup ("python3"));
  g_ptr_array_add (argv, g_strdup (generator));
  g_ptr_array_add (argv, g_strdup ("--passphrase"));
  g_ptr_array_add (argv, g_strdup (QR_TEST_PASSPHRASE));
  g_ptr_array_add (argv, g_strdup ("--chunk-size"));
  g_ptr_array_add (argv, g_strdup ("65536"));
  g_ptr_array_add (argv, g_strdup ("--manifest"));
  g_ptr_array_add (argv, g_strdup (manifest));
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (extra_args[i]));
  g_ptr_array_add (argv, g_strdup (path));
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("The fixture generator failed: %s", err);

  return g_steal_pointer (&path);
}

/* Copies the backup at @source to @path as a copy that stopped before the
 * first member whose name starts with @member_prefix (like "vm14/"): the
 * qubes from there on are listed in it but have no data. */
void
qr_test_copy_truncated (const char *source,
                        const char *path,
                        const char *member_prefix)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  g_file_get_contents (source, &contents, &length, &error);
  g_assert_no_error (error);

  /* Every tar member, and the pax header GNU tar writes before it (named
   * "vm14/PaxHeaders/..."), starts at a 512-byte block with its name. */
  for (gsize offset = 0; offset + 512 <= length; offset += 512)
    {
      g_autofree char *name = g_strndup (contents + offset, 100);

      if (g_str_has_prefix (name, member_prefix))
        {
          g_file_set_contents (path, contents, offset, &error);
          g_assert_no_error (error);
          return;
        }
    }

  g_error ("No member %s in %s", member_prefix, source);
}

/* Copies the backup at @source to @path with one bit flipped in the middle
 * of each member named in @members (like "vm12/private.img.005.enc"): the
 * damage of an ageing disk, in parts of the backup that are otherwise the
 * same as @source's. */
void
qr_test_copy_damaged (const char         *source,
                      const char         *path,
                      const char * const *members)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  guint n_damaged = 0;
  gsize length;

  g_file_get_contents (source, &contents, &length, &error);
  g_assert_no_error (error);

  /* Every tar member starts at a 512-byte block with its name, and its
   * size in octal at byte 124; its data follows the header. */
  for (gsize offset = 0; offset + 512 <= length; offset += 512)
    {
      g_autofree char *name = g_strndup (contents + offset, 100);
      g_autofree char *size_text = NULL;
      guint64 size;

      if (!g_strv_contains (members, name))
        continue;

      size_text = g_strndup (contents + offset + 124, 12);
      size = g_ascii_strtoull (size_text, NULL, 8);
      g_assert_cmpuint (offset + 512 + size, <=, length);
      contents[offset + 512 + size / 2] ^= 0x40;
      n_damaged++;
    }

  g_assert_cmpuint (n_damaged, ==, g_strv_length ((char **) members));
  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
}

/* Copies @source to @path with a header container that asks for 2^20 ROMix runs of
 * N = 2^10: a real backup never does, and they would take half an hour
 * or more. Its checksum is made right, so only the work is absurd. */
void
qr_test_copy_with_slow_header (const char *source,
                               const char *path)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  g_file_get_contents (source, &contents, &length, &error);
  g_assert_no_error (error);

  for (gsize offset = 0; offset + 1024 <= length; offset += 512)
    if (g_str_equal (contents + offset, "backup-header.hmac"))
      {
        guint8 *header = (guint8 *) contents + offset + 512;
        const guint32 r = GUINT32_TO_BE (8), p = GUINT32_TO_BE (1 << 20);
        g_autoptr(GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
        guint8 digest[32];
        gsize digest_len = sizeof digest;

        g_assert_cmpmem (header, 6, "scrypt", 6);
        header[7] = 10;
        memcpy (header + 8, &r, 4);
        memcpy (header + 12, &p, 4);
        g_checksum_update (sha, header, 48);
        g_checksum_get_digest (sha, digest, &digest_len);
        memcpy (header + 48, digest, 16);

        g_file_set_contents (path, contents, length, &error);
        g_assert_no_error (error);
        return;
      }

  g_error ("No backup-header.hmac in %s", source);
}

/* The first label under @root whose text contains @text, or NULL. */
GtkLabel *
qr_test_find_label_containing (GtkWidget  *root,
                               const char *text)
{
  if (GTK_IS_LABEL (root) && strstr (gtk_label_get_label (GTK_LABEL (root)), text) != NULL)
    return GTK_LABEL (root);

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found = qr_test_find_label_containing (child, text);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* One application for the whole test program, registered without a bus
 * name so that tests never meet a running instance. */
GtkApplication *
qr_test_get_application (void)
{
  g_autoptr(GError) error = NULL;

  if (application != NULL)
    return application;

  application = GTK_APPLICATION (qr_application_new ());
  g_application_set_flags (G_APPLICATION (application),
                           G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (application), NULL, &error);
  g_assert_no_error (error);

  return application;
}

static gboolean
is_drawn (gpointer data)
{
  GtkWidget *widget = data;
  GtkWidget *stack = NULL;

  if (QR_IS_WINDOW (widget))
    stack = qr_test_find_child (widget, QR_TYPE_WINDOW, "stack");

  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0 &&
         (stack == NULL || !gtk_stack_get_transition_running (GTK_STACK (stack)));
}

/* Waits until @widget is on the screen with its size, and a page change
 * in it has finished. */
void
qr_test_wait_for_drawn (GtkWidget *widget)
{
  if (!qr_test_wait_until (is_drawn, widget, 10))
    g_error ("%s was not drawn", G_OBJECT_TYPE_NAME (widget));
}

QrWindow *
qr_test_new_window (int width,
                    int height)
{
  QrWindow *window = qr_window_new (qr_test_get_application ());

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_present (GTK_WINDOW (window));
  qr_test_wait_for_drawn (GTK_WIDGET (window));

  return window;
}

void
qr_test_fixture_set_up (QrTestFixture *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("qr-gui-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->window = qr_test_new_window (1000, 700);
  g_object_add_weak_pointer (G_OBJECT (fixture->window), (gpointer *) &fixture->window);
}

static gboolean
is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Closes every window the case opened and waits until the wizard is gone
 * for good: whatever it still ran has let go of it, so nothing it owned
 * writes into the folder while it is removed. */
void
qr_test_fixture_tear_down (QrTestFixture *fixture,
                           gconstpointer  data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = g_list_model_get_n_items (toplevels); i > 0; i--)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i - 1);

      gtk_window_destroy (window);
    }

  if (!qr_test_wait_until (is_null, &fixture->window, QR_TEST_TIMEOUT_SECONDS))
    g_error ("The wizard window was never freed");

  qr_test_remove_tree (fixture->dir);
  g_clear_pointer (&fixture->dir, g_free);
}

static gboolean
timeout_cb (gpointer data)
{
  gboolean *timed_out = data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
qr_test_wait_until (QrTestCondition condition,
                    gpointer        data,
                    guint           timeout_seconds)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (timeout_seconds, timeout_cb, &timed_out);

  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (id);

  return !timed_out;
}

/* Lets time pass, for pictures meant to show what a person sees after
 * a moment; never a way to wait for something in a test. */
void
qr_test_settle (guint msec)
{
  gboolean timed_out = FALSE;

  g_timeout_add (msec, timeout_cb, &timed_out);
  while (!timed_out)
    g_main_context_iteration (NULL, TRUE);
}

typedef struct
{
  QrWindow   *window;
  const char *name;
} PageWait;

static gboolean
page_is_visible (gpointer data)
{
  PageWait *wait = data;

  return g_strcmp0 (qr_window_get_visible_page_name (wait->window), wait->name) == 0 &&
         !qr_window_get_busy (wait->window);
}

void
qr_test_wait_for_page (QrWindow   *window,
                       const char *name)
{
  PageWait wait = { window, name };

  if (!qr_test_wait_until (page_is_visible, &wait, QR_TEST_TIMEOUT_SECONDS))
    g_error ("Timed out waiting for page “%s”; “%s” is shown",
             name, qr_window_get_visible_page_name (window));
}

/* The first widget of @type below @root, or, with @template_child, that
 * child of the first such widget's template. */
GtkWidget *
qr_test_find_child (GtkWidget  *root,
                    GType       type,
                    const char *template_child)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    {
      if (template_child == NULL)
        return root;

      return GTK_WIDGET (gtk_widget_get_template_child (root, type, template_child));
    }

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = qr_test_find_child (child, type, template_child);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* Enter in an entry makes its text widget emit "activate", which the
 * entry forwards as its own. */
void
qr_test_press_enter (GtkWidget *entry)
{
  GtkWidget *text = qr_test_find_child (entry, GTK_TYPE_TEXT, NULL);

  g_assert_nonnull (text);
  g_signal_emit_by_name (text, "activate");
}

/* Opens the backup as the file manager would, and types the passphrase. */
void
qr_test_open_and_unlock (QrWindow   *window,
                         const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  GtkWidget *entry;

  qr_window_open_file (window, file);
  qr_test_wait_for_page (window, "unlock");

  entry = qr_test_find_child (GTK_WIDGET (window), QR_TYPE_PAGE_UNLOCK, "entry");
  gtk_editable_set_text (GTK_EDITABLE (entry), QR_TEST_PASSPHRASE);
  qr_test_press_enter (entry);
  qr_test_wait_for_page (window, "choose");
}

AdwMessageDialog *
qr_test_find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }

  return NULL;
}

static GtkWidget *
find_button_labelled (GtkWidget  *root,
                      const char *label)
{
  if (GTK_IS_BUTTON (root) && gtk_widget_get_mapped (root) &&
      g_strcmp0 (gtk_button_get_label (GTK_BUTTON (root)), label) == 0)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button_labelled (child, label);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* What a click on @button does, at once: gtk_widget_activate() would
 * show the button pressed and click it only a moment later. */
void
qr_test_click (GtkWidget *button)
{
  g_assert_true (GTK_IS_BUTTON (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_assert_true (gtk_widget_get_mapped (button));

  g_signal_emit_by_name (button, "clicked");
}

/* Answers @dialog as a click on the button of @response does: the dialog
 * closes too, which adw_message_dialog_response() alone does not do. */
void
qr_test_respond (AdwMessageDialog *dialog,
                 const char       *response)
{
  const char *label = adw_message_dialog_get_response_label (dialog, response);
  GtkWidget *button;

  qr_test_wait_for_drawn (GTK_WIDGET (dialog));
  button = find_button_labelled (GTK_WIDGET (dialog), label);

  g_assert_nonnull (button);
  qr_test_click (button);
}

/* Makes the wizard restore into a new folder inside @dir. */
void
qr_test_choose_parent (QrWindow   *window,
                       const char *dir)
{
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  GtkWidget *choose = qr_test_find_child (GTK_WIDGET (window), QR_TYPE_PAGE_CHOOSE, NULL);

  qr_page_choose_set_parent_folder (QR_PAGE_CHOOSE (choose), folder);
}

/* The row of qube @name on the Done page, or NULL. */
QrResultRow *
qr_test_find_result_row (QrWindow   *window,
                         const char *name)
{
  GtkWidget *list = qr_test_find_child (GTK_WIDGET (window), QR_TYPE_PAGE_DONE, "result_list");

  for (GtkWidget *child = gtk_widget_get_first_child (list);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      QrRestoreItem *item = qr_result_row_get_item (QR_RESULT_ROW (child));

      if (g_strcmp0 (qr_qube_get_name (qr_restore_item_get_qube (item)), name) == 0)
        return QR_RESULT_ROW (child);
    }

  return NULL;
}

/* The row of qube @name on the Choose page, or NULL. */
QrQubeRow *
qr_test_find_qube_row (QrWindow   *window,
                       const char *name)
{
  GtkWidget *list = qr_test_find_child (GTK_WIDGET (window), QR_TYPE_PAGE_CHOOSE, "qube_list");

  for (GtkWidget *child = gtk_widget_get_first_child (list);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (g_strcmp0 (qr_qube_get_name (qr_qube_row_get_qube (QR_QUBE_ROW (child))), name) == 0)
        return QR_QUBE_ROW (child);
    }

  return NULL;
}

static char *
sha256_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);

  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
}

static int
compare_names (const void *a,
               const void *b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

/* The names of the folders and files directly in @path, sorted. */
GStrv
qr_test_list_folder (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  const char *name;
  GStrv names;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_strv_builder_add (builder, name);

  names = g_strv_builder_end (builder);
  qsort (names, g_strv_length (names), sizeof (char *), compare_names);
  return names;
}

typedef struct
{
  char   *path;
  guint64 inode;
  gint64  mtime;
  glong   mtime_nsec;
} Kept;

static void
kept_free (Kept *kept)
{
  g_free (kept->path);
  g_free (kept);
}

/* Where each file of the qubes in @folders is, as it is now, to tell
 * later whether anything rewrote it. */
GPtrArray *
qr_test_remember_files (const char *destination,
                        GStrv       folders)
{
  GPtrArray *kept = g_ptr_array_new_with_free_func ((GDestroyNotify) kept_free);

  for (guint i = 0; folders[i] != NULL; i++)
    {
      g_autofree char *folder = g_build_filename (destination, folders[i], NULL);
      g_auto(GStrv) names = qr_test_list_folder (folder);

      for (guint j = 0; names[j] != NULL; j++)
        {
          Kept *file = g_new0 (Kept, 1);
          GStatBuf st;

          file->path = g_build_filename (folder, names[j], NULL);
          g_assert_cmpint (g_lstat (file->path, &st), ==, 0);
          file->inode = st.st_ino;
          file->mtime = st.st_mtime;
          file->mtime_nsec = st.st_mtim.tv_nsec;
          g_ptr_array_add (kept, file);
        }
    }

  g_assert_cmpuint (kept->len, >, 0);
  return kept;
}

/* Nothing that qr_test_remember_files() saw was written again. */
void
qr_test_assert_untouched (GPtrArray *kept)
{
  for (guint i = 0; i < kept->len; i++)
    {
      Kept *file = g_ptr_array_index (kept, i);
      GStatBuf st;

      g_assert_cmpint (g_lstat (file->path, &st), ==, 0);
      g_assert_cmpuint (st.st_ino, ==, file->inode);
      g_assert_cmpint (st.st_mtime, ==, file->mtime);
      g_assert_cmpint (st.st_mtim.tv_nsec, ==, file->mtime_nsec);
    }
}

/* What a restore of @backup must produce: relative path -> sha256, from
 * the generator's manifest. */
GHashTable *
qr_test_load_sums (const char *backup)
{
  g_autofree char *manifest = g_strconcat (backup, ".json", NULL);
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "gui", "manifest-sums.py", NULL);
  const char *argv[] = { "python3", script, manifest, NULL };
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  GHashTable *sums = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH,
                NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *space = strchr (lines[i], ' ');

      if (space == NULL)
        continue;

      *space = '\0';
      g_hash_table_insert (sums, g_strdup (space + 1), g_strdup (lines[i]));
    }

  g_assert_cmpuint (g_hash_table_size (sums), >, 0);
  return sums;
}

/* Every file the generator put in @qube is in @destination, byte for byte. */
guint
qr_test_check_qube_files (GHashTable *sums,
                          const char *destination,
                          const char *qube)
{
  g_autofree char *prefix = g_strconcat (qube, "/", NULL);
  GHashTableIter iter;
  gpointer key, value;
  guint n_checked = 0;

  g_hash_table_iter_init (&iter, sums);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autofree char *path = NULL;
      g_autofree char *sum = NULL;

      if (!g_str_has_prefix (key, prefix))
        continue;

      path = g_build_filename (destination, key, NULL);
      sum = sha256_file (path);
      g_assert_cmpstr (sum, ==, value);
      n_checked++;
    }

  return n_checked;
}

/* Every regular file under @destination is complete: one the manifest
 * lists, with the manifest's checksum. A partial file fails this. */
guint
qr_test_count_unverified_files (const char *destination,
                                const char *relative,
                                GHashTable *sums)
{
  g_autofree char *path = g_build_filename (destination, relative, NULL);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint n_bad = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child_relative = relative[0] != '\0'
                                        ? g_build_filename (relative, name, NULL)
                                        : g_strdup (name);
      g_autofree char *child = g_build_filename (destination, child_relative, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        continue;

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        {
          n_bad += qr_test_count_unverified_files (destination, child_relative, sums);
        }
      else
        {
          g_autofree char *sum = sha256_file (child);

          if (g_strcmp0 (g_hash_table_lookup (sums, child_relative), sum) != 0)
            {
              g_test_message ("Unverified file left behind: %s", child);
              n_bad++;
            }
        }
    }

  return n_bad;
}
