/* test-salvage.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* "Recover What Can Be Read" on the Done page, over real backups with a
 * bit flipped in a part of work's private.img (and vault's), compressed
 * with gzip and not compressed at all, and over a copy cut short inside
 * work's image. The page keeps saying that qubes are damaged and offers
 * the recovery, per qube and for all; recovering
 * runs through the Restore page into the same folder, touches none of the
 * qubes restored whole, and writes only verified data: the recovered
 * image equals the whole backup's on every stretch the engine says it
 * recovered and reads as a hole elsewhere. The rows say what came back
 * with the figures of the engine's reports and of RECOVERY-REPORT.txt.
 * Needs no udisks and no root. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "qr-error.h"
#include "qr-error-view.h"
#include "qr-item-row.h"
#include "qr-page-choose.h"
#include "qr-page-done.h"
#include "qr-page-restore.h"
#include "qr-restore-report.h"
#include "qr-result-row.h"
#include "qr-test-utils.h"

#define MIB (1024 * 1024)

/* Real backups are made once per program and shared by the cases; each
 * damaged copy differs from its whole backup only in the flipped bits. */
static char *fixture_dir;
static char *gzip_backup;
static char *gzip_damaged;
static char *plain_backup;
static char *plain_damaged;
static char *plain_cut;

/* A fresh wizard, and what it asked the file manager or text viewer to
 * show. */
typedef struct
{
  QrTestFixture  base;
  GPtrArray     *launched;
} Fixture;

static void
record_uri (GtkWindow  *parent,
            const char *uri,
            gpointer    user_data)
{
  g_ptr_array_add (user_data, g_strdup (uri));
}

static QrPageDone *
get_done (Fixture *fixture)
{
  return QR_PAGE_DONE (qr_test_find_child (GTK_WIDGET (fixture->base.window), QR_TYPE_PAGE_DONE,
                                           NULL));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  qr_test_fixture_set_up (&fixture->base, data);

  fixture->launched = g_ptr_array_new_with_free_func (g_free);
  qr_mount_tracker_set_launcher (qr_page_done_get_mount_tracker (get_done (fixture)),
                                 record_uri, g_ptr_array_ref (fixture->launched),
                                 (GDestroyNotify) g_ptr_array_unref);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  qr_test_fixture_tear_down (&fixture->base, data);
  g_ptr_array_unref (fixture->launched);
}

/* Driving the wizard */

/* Restores (or checks, with "win.verify-backup") the qubes chosen by
 * default from @backup into a new folder in @parent, and returns it. */
static char *
run_wizard (Fixture    *fixture,
            const char *backup,
            const char *parent,
            const char *action)
{
  g_autoptr(GFile) folder = g_file_new_for_path (parent);
  QrPageChoose *choose;

  g_mkdir_with_parents (parent, 0755);
  qr_test_open_and_unlock (fixture->base.window, backup);
  choose = QR_PAGE_CHOOSE (qr_test_find_child (GTK_WIDGET (fixture->base.window),
                                               QR_TYPE_PAGE_CHOOSE, NULL));
  qr_page_choose_set_parent_folder (choose, folder);
  gtk_widget_activate_action (GTK_WIDGET (fixture->base.window), action, NULL);
  qr_test_wait_for_page (fixture->base.window, "done");

  return g_file_get_path (qr_page_choose_get_destination (choose));
}

static GtkWidget *
row_child (QrResultRow *row,
           const char  *name)
{
  return qr_test_find_child (GTK_WIDGET (row), QR_TYPE_RESULT_ROW, name);
}

static GtkWidget *
page_child (Fixture    *fixture,
            const char *name)
{
  return qr_test_find_child (GTK_WIDGET (get_done (fixture)), QR_TYPE_PAGE_DONE, name);
}

/* The page's own "Recover What Can Be Read", and what it says of it. */
static GtkWidget *
page_recover_button (Fixture *fixture)
{
  return qr_test_find_child (page_child (fixture, "recover_box"), GTK_TYPE_BUTTON, NULL);
}

static const char *
page_recover_text (Fixture *fixture)
{
  return gtk_label_get_label (GTK_LABEL (qr_test_find_child (page_child (fixture, "recover_box"),
                                                             GTK_TYPE_LABEL, NULL)));
}

static QrResultRow *
find_row (Fixture    *fixture,
          const char *qube)
{
  QrResultRow *row = qr_test_find_result_row (fixture->base.window, qube);

  if (row == NULL)
    g_error ("No result row for %s", qube);

  return row;
}

static QrRestore *
last_run (Fixture *fixture)
{
  GtkWidget *page = qr_test_find_child (GTK_WIDGET (fixture->base.window), QR_TYPE_PAGE_RESTORE, NULL);

  return qr_page_restore_get_restore (QR_PAGE_RESTORE (page));
}

/* The damaged qube failed, says why, and offers to recover it. */
static void
assert_offered (Fixture    *fixture,
                const char *qube)
{
  QrResultRow *row = find_row (fixture, qube);
  QrRestoreItem *item = qr_result_row_get_item (row);
  GtkWidget *button = row_child (row, "recover_button");

  g_assert_cmpint (qr_restore_item_get_state (item), ==, QR_RESTORE_STATE_FAILED);
  g_assert_error ((GError *) qr_restore_item_get_error (item), QR_ERROR, QR_ERROR_DAMAGED);
  g_assert_true (gtk_widget_get_mapped (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_assert_true (gtk_widget_get_visible (row_child (row, "help_button")));
  g_assert_false (gtk_widget_get_visible (row_child (row, "buttons_box")));
}

/* The page says what recovering means when @n_offered qubes can be
 * recovered, and has its own button for all of them when there are two
 * or more: with one, the row's would be the same. */
static void
assert_page_offers (Fixture *fixture,
                    guint    n_offered)
{
  GtkWidget *box = page_child (fixture, "recover_box");
  GtkWidget *retry = page_child (fixture, "retry_button");

  g_assert_cmpint (gtk_widget_get_visible (box), ==, n_offered > 0);
  if (n_offered == 0)
    return;

  g_assert_cmpint (gtk_widget_get_mapped (page_recover_button (fixture)), ==, n_offered > 1);
  g_assert_true (gtk_widget_is_sensitive (page_recover_button (fixture)));
  g_assert_false (gtk_widget_has_css_class (retry, "suggested-action"));
  g_assert_nonnull (strstr (page_recover_text (fixture),
                            "only the data that passed its integrity check"));
}

/* Presses @button and waits for the Restore page to come and go. */
static void
press_and_wait (Fixture   *fixture,
                GtkWidget *button)
{
  qr_test_click (button);
  g_assert_cmpstr (qr_window_get_visible_page_name (fixture->base.window), ==, "restore");
  qr_test_wait_for_page (fixture->base.window, "done");
}

/* What came back */

static char *
read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);

  return text;
}

static guint
percent_recovered (QrRestoreFile *file)
{
  guint64 recovered = qr_restore_file_get_recovered (file);
  guint64 missing = qr_restore_file_get_missing (file);

  g_assert_cmpuint (recovered + missing, >, 0);
  return (guint) (recovered * 100 / (recovered + missing));
}

static gboolean
all_zero (const guchar *data,
          gsize         length)
{
  for (gsize i = 0; i < length; i++)
    if (data[i] != 0)
      return FALSE;

  return TRUE;
}

/* A lost stretch reads as zeros, and but for the blocks it shares with
 * recovered data at its ends, holds nothing on the disk. */
static void
assert_hole (int     fd,
             guint64 offset,
             guint64 length)
{
  g_autofree guchar *data = g_malloc (MIN (length, MIB));
  guint64 start = (offset + 4095) / 4096 * 4096;
  guint64 end = (offset + length) / 4096 * 4096;

  for (guint64 done = 0; done < length; )
    {
      gsize n = MIN (length - done, MIB);

      g_assert_cmpint (pread (fd, data, n, offset + done), ==, n);
      g_assert_true (all_zero (data, n));
      done += n;
    }

  if (end > start)
    {
      off_t data_at = lseek (fd, start, SEEK_DATA);

      g_assert_true (data_at < 0 || (guint64) data_at >= end);
    }
}

/* The recovered image is the whole backup's image on every stretch that
 * is not listed as lost, and a hole on every one that is. */
static void
assert_only_verified (const char    *salvaged,
                      const char    *whole,
                      QrRestoreFile *report)
{
  const GArray *lost = qr_restore_file_get_missing_ranges (report);
  g_autofree guchar *a = g_malloc (MIB);
  g_autofree guchar *b = g_malloc (MIB);
  int fa = g_open (salvaged, O_RDONLY | O_CLOEXEC, 0);
  int fb = g_open (whole, O_RDONLY | O_CLOEXEC, 0);
  GStatBuf sa, sb;
  guint64 position = 0;

  g_assert_cmpint (fa, >=, 0);
  g_assert_cmpint (fb, >=, 0);
  g_assert_cmpint (fstat (fa, &sa), ==, 0);
  g_assert_cmpint (fstat (fb, &sb), ==, 0);
  g_assert_cmpint (sa.st_size, ==, sb.st_size);
  g_assert_cmpuint (qr_restore_file_get_size (report), ==, sb.st_size);
  g_assert_cmpuint (lost->len, >, 0);

  for (guint i = 0; i <= lost->len; i++)
    {
      guint64 next = i < lost->len ? g_array_index (lost, QrRestoreRange, i).offset
                                   : (guint64) sb.st_size;

      g_assert_cmpuint (next, >=, position);
      while (position < next)
        {
          gsize n = MIN (next - position, MIB);

          g_assert_cmpint (pread (fa, a, n, position), ==, n);
          g_assert_cmpint (pread (fb, b, n, position), ==, n);
          if (memcmp (a, b, n) != 0)
            g_error ("%s differs from the whole image near byte %" G_GUINT64_FORMAT,
                     salvaged, position);
          position += n;
        }

      if (i < lost->len)
        {
          const QrRestoreRange *range = &g_array_index (lost, QrRestoreRange, i);

          assert_hole (fa, range->offset, range->length);
          position = range->offset + range->length;
        }
    }

  g_assert_no_errno (close (fa));
  g_assert_no_errno (close (fb));
}

static void
assert_same_file (const char *a,
                  const char *b)
{
  g_autofree char *text_a = read_text (a);
  g_autofree char *text_b = read_text (b);

  g_assert_cmpstr (text_a, ==, text_b);
}

/* The row of @qube says it is partly recovered, where, and what came
 * back of each file, in the figures of the engine's reports, which
 * RECOVERY-REPORT.txt gives too; and the files are what they say. */
static void
check_recovered (Fixture    *fixture,
                 const char *destination,
                 const char *whole_destination,
                 const char *qube)
{
  QrResultRow *row = find_row (fixture, qube);
  QrRestoreItem *item = qr_result_row_get_item (row);
  GListModel *reports = qr_restore_item_get_reports (item);
  g_autofree char *folder_name = g_strdup_printf ("%s (partly recovered)", qube);
  g_autofree char *folder = g_build_filename (destination, folder_name, NULL);
  g_autofree char *whole_folder = g_build_filename (whole_destination, qube, NULL);
  g_autofree char *location = g_file_get_path (qr_restore_item_get_location (item));
  g_autofree char *report_path = g_build_filename (folder, QR_RESTORE_REPORT_NAME, NULL);
  g_autofree char *report = read_text (report_path);
  g_autofree char *expected_summary = g_strdup_printf ("Partly recovered · %s", folder);
  const char *lines = gtk_label_get_label (GTK_LABEL (row_child (row, "reason_label")));
  GtkImage *state_image = GTK_IMAGE (row_child (row, "state_image"));
  g_autoptr(GStrvBuilder) expected_names = g_strv_builder_new ();
  g_autoptr(GString) complete = g_string_new ("Complete: ");
  guint n_complete = 0;
  g_auto(GStrv) names = NULL;
  g_auto(GStrv) listed = NULL;
  guint n_partial = 0;

  g_assert_cmpint (qr_restore_item_get_state (item), ==, QR_RESTORE_STATE_PARTIAL);
  g_assert_cmpstr (location, ==, folder);
  g_assert_cmpstr (qr_result_row_get_summary (row), ==, expected_summary);
  g_assert_cmpstr (gtk_image_get_icon_name (state_image), ==, "qr-partly-recovered-symbolic");
  g_assert_true (gtk_widget_get_visible (row_child (row, "reason_label")));
  g_assert_false (gtk_widget_get_visible (row_child (row, "recover_button")));
  g_test_message ("%s: %s", qube, lines);

  g_assert_cmpuint (g_list_model_get_n_items (reports), >, 0);
  for (guint i = 0; i < g_list_model_get_n_items (reports); i++)
    {
      g_autoptr(QrRestoreFile) file = g_list_model_get_item (reports, i);
      const char *name = qr_restore_file_get_name (file);
      g_autofree char *path = g_build_filename (folder, name, NULL);
      g_autofree char *whole_path = g_build_filename (whole_folder, name, NULL);

      g_strv_builder_add (expected_names, name);

      if (qr_restore_file_get_state (file) == QR_RESTORE_FILE_COMPLETE)
        {
          g_autofree char *in_report = g_strdup_printf ("%s: complete", name);

          g_string_append_printf (complete, "%s%s", n_complete++ > 0 ? ", " : "", name);
          g_assert_nonnull (strstr (report, in_report));
          assert_same_file (path, whole_path);
          continue;
        }

      /* Only the damaged image here, read up to or past its bad part. */
      g_assert_cmpint (qr_restore_file_get_state (file), ==, QR_RESTORE_FILE_PARTIAL);
      g_assert_cmpuint (qr_restore_file_get_n_parts (file), >, 1);
      g_assert_cmpuint (qr_restore_file_get_n_good_parts (file), <, qr_restore_file_get_n_parts (file));
      g_assert_cmpuint (qr_restore_file_get_recovered (file), >, 0);
      n_partial++;

      {
        g_autofree char *in_row = g_strdup_printf ("%s: %u of %u parts read, %u%% of its data "
                                                   "recovered", name,
                                                   qr_restore_file_get_n_good_parts (file),
                                                   qr_restore_file_get_n_parts (file),
                                                   percent_recovered (file));
        g_autofree char *parts = g_strdup_printf ("%u of %u parts verified.",
                                                  qr_restore_file_get_n_good_parts (file),
                                                  qr_restore_file_get_n_parts (file));
        g_autofree char *percent = g_strdup_printf ("(%u%%)", percent_recovered (file));
        const QrRestoreRange *first = &g_array_index (qr_restore_file_get_missing_ranges (file),
                                                      QrRestoreRange, 0);
        g_autofree char *range = g_strdup_printf ("bytes %" G_GUINT64_FORMAT " to %"
                                                  G_GUINT64_FORMAT, first->offset,
                                                  first->offset + first->length - 1);

        g_assert_nonnull (strstr (lines, in_row));
        g_assert_nonnull (strstr (report, parts));
        g_assert_nonnull (strstr (report, percent));
        g_assert_nonnull (strstr (report, range));
      }

      assert_only_verified (path, whole_path, file);
    }

  g_assert_cmpuint (n_partial, ==, 1);
  if (n_complete > 0)
    g_assert_nonnull (strstr (lines, complete->str));

  /* Nothing else was written but the report and the list of lost
   * stretches for the programs that read the image. */
  g_strv_builder_add (expected_names, QR_RESTORE_REPORT_NAME);
  g_strv_builder_add (expected_names, QR_RESTORE_REPORT_RANGES_NAME);
  names = g_strv_builder_end (expected_names);
  listed = qr_test_list_folder (folder);
  g_assert_cmpuint (g_strv_length (listed), ==, g_strv_length (names));
  for (guint i = 0; names[i] != NULL; i++)
    g_assert_true (g_strv_contains ((const char * const *) listed, names[i]));

  /* Its buttons: the usual ones, the report, and before mounting a word
   * on what a partly recovered image shows. */
  g_assert_true (gtk_widget_get_mapped (row_child (row, "copy_button")));
  g_assert_true (gtk_widget_get_mapped (row_child (row, "open_button")));
  g_assert_true (gtk_widget_get_mapped (row_child (row, "show_in_folder_button")));
  g_assert_true (gtk_widget_get_mapped (row_child (row, "report_button")));
  g_assert_true (gtk_widget_get_mapped (row_child (row, "partial_note_label")));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (row_child (row, "partial_note_label"))),
                            "Parts of this disk image are missing."));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (row_child (row, "partial_note_label"))),
                            "Copy Files… tells the intact files from the damaged ones"));

  {
    g_autofree char *uri = NULL;
    g_autoptr(GFile) report_file = g_file_new_for_path (report_path);
    guint n_launched = fixture->launched->len;

    qr_test_click (row_child (row, "report_button"));
    g_assert_cmpuint (fixture->launched->len, ==, n_launched + 1);
    uri = g_file_get_uri (report_file);
    g_assert_cmpstr (g_ptr_array_index (fixture->launched, n_launched), ==, uri);
  }
}

/* Every file outside the partly recovered folders is one the backup
 * holds, byte for byte. */
static void
assert_rest_verified (const char *destination,
                      GHashTable *sums)
{
  g_auto(GStrv) folders = qr_test_list_folder (destination);

  for (guint i = 0; folders[i] != NULL; i++)
    if (!g_str_has_suffix (folders[i], " (partly recovered)"))
      g_assert_cmpuint (qr_test_count_unverified_files (destination, folders[i], sums), ==, 0);
}

/* The Restore page's row of @qube says where it stands in words. */
static void
assert_item_row_says (Fixture    *fixture,
                      const char *qube,
                      const char *text)
{
  GtkWidget *page = qr_test_find_child (GTK_WIDGET (fixture->base.window), QR_TYPE_PAGE_RESTORE,
                                        "item_list");

  for (GtkWidget *child = gtk_widget_get_first_child (page);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      QrRestoreItem *item = qr_item_row_get_item (QR_ITEM_ROW (child));

      if (g_str_equal (qr_qube_get_name (qr_restore_item_get_qube (item)), qube))
        {
          g_assert_cmpstr (qr_item_row_get_state_text (QR_ITEM_ROW (child)), ==, text);
          return;
        }
    }

  g_error ("No item row for %s", qube);
}

/* Cases */

/* gzip: a file stops at its bad part. The row's button recovers the one
 * damaged qube; the others stay as they were. */
static void
test_gzip (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree char *whole_parent = g_build_filename (fixture->base.dir, "whole", NULL);
  g_autofree char *parent = g_build_filename (fixture->base.dir, "damaged", NULL);
  g_autofree char *whole = run_wizard (fixture, gzip_backup, whole_parent, "win.go-next");
  g_autofree char *destination = NULL;
  g_autoptr(GHashTable) sums = qr_test_load_sums (gzip_backup);
  g_autoptr(GPtrArray) kept = NULL;
  g_auto(GStrv) restored = NULL;
  QrPageDone *done = get_done (fixture);

  g_assert_true (qr_page_done_get_succeeded (done));
  destination = run_wizard (fixture, gzip_damaged, parent, "win.go-next");

  /* Honest first: the qube could not be restored, and can be recovered. */
  g_assert_cmpstr (qr_page_done_get_summary_title (done), ==, "Some Qubes Could Not Be Restored");
  assert_offered (fixture, "work");
  assert_page_offers (fixture, 1);
  g_assert_false (gtk_widget_get_visible (row_child (find_row (fixture, "vault"),
                                                     "recover_button")));
  restored = qr_test_list_folder (destination);
  g_assert_false (g_strv_contains ((const char * const *) restored, "work"));
  kept = qr_test_remember_files (destination, restored);

  press_and_wait (fixture, row_child (find_row (fixture, "work"), "recover_button"));

  /* Only the damaged qube was run, with salvage, into the same folder. */
  g_assert_true (qr_restore_get_salvage (last_run (fixture)));
  g_assert_cmpuint (g_list_model_get_n_items (qr_restore_get_items (last_run (fixture))), ==, 1);
  assert_item_row_says (fixture, "work", "Partly recovered");

  g_assert_false (qr_page_done_get_succeeded (done));
  g_assert_cmpstr (qr_page_done_get_summary_title (done), ==, "A Qube Was Partly Recovered");
  g_assert_nonnull (strstr (qr_page_done_get_summary (done), destination));
  g_assert_nonnull (strstr (qr_page_done_get_summary (done), "1 qube was partly recovered"));
  g_assert_nonnull (strstr (qr_page_done_get_summary (done), "were restored whole"));
  assert_page_offers (fixture, 0);
  g_assert_false (gtk_widget_get_visible (page_child (fixture, "retry_button")));
  g_assert_false (gtk_widget_get_visible (page_child (fixture, "error_view")));

  check_recovered (fixture, destination, whole, "work");
  qr_test_assert_untouched (kept);
  assert_rest_verified (destination, sums);
  for (guint i = 0; restored[i] != NULL; i++)
    {
      const char *name = g_str_equal (restored[i], "dom0-home") ? "dom0" : restored[i];

      g_assert_cmpint (qr_restore_item_get_state (qr_result_row_get_item (find_row (fixture, name))),
                       ==, QR_RESTORE_STATE_DONE);
    }

  /* Back on the Choose page, the recovered qube is in the folder and
   * cannot be chosen again there. */
  gtk_widget_activate_action (GTK_WIDGET (fixture->base.window), "win.go-back", NULL);
  qr_test_wait_for_page (fixture->base.window, "choose");
  g_assert_true (qr_qube_row_get_restored (qr_test_find_qube_row (fixture->base.window, "work")));
}

/* Not compressed: every verified part is back at its place. One qube's
 * own button recovers it alone; the other damaged qube stays listed with
 * its own, which then recovers it, leaving the first as it is. */
static void
test_uncompressed (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *whole_parent = g_build_filename (fixture->base.dir, "whole", NULL);
  g_autofree char *parent = g_build_filename (fixture->base.dir, "damaged", NULL);
  g_autofree char *whole = run_wizard (fixture, plain_backup, whole_parent, "win.go-next");
  g_autofree char *destination = run_wizard (fixture, plain_damaged, parent, "win.go-next");
  g_autoptr(GHashTable) sums = qr_test_load_sums (plain_backup);
  g_autoptr(GPtrArray) kept = NULL;
  g_auto(GStrv) restored = qr_test_list_folder (destination);
  g_auto(GStrv) recovered = NULL;
  QrPageDone *done = get_done (fixture);

  assert_offered (fixture, "work");
  assert_offered (fixture, "vault");
  assert_page_offers (fixture, 2);
  kept = qr_test_remember_files (destination, restored);

  press_and_wait (fixture, row_child (find_row (fixture, "work"), "recover_button"));
  g_assert_cmpuint (g_list_model_get_n_items (qr_restore_get_items (last_run (fixture))), ==, 1);
  g_assert_cmpstr (qr_page_done_get_summary_title (done), ==, "A Qube Was Partly Recovered");
  g_assert_nonnull (strstr (qr_page_done_get_summary (done), "The others are listed below"));
  check_recovered (fixture, destination, whole, "work");
  assert_offered (fixture, "vault");
  assert_page_offers (fixture, 1);
  qr_test_assert_untouched (kept);

  recovered = g_strdupv ((char *[]) { (char *) "work (partly recovered)", NULL });
  g_ptr_array_extend_and_steal (kept, qr_test_remember_files (destination, recovered));

  press_and_wait (fixture, row_child (find_row (fixture, "vault"), "recover_button"));
  g_assert_cmpuint (g_list_model_get_n_items (qr_restore_get_items (last_run (fixture))), ==, 1);
  g_assert_cmpstr (qr_page_done_get_summary_title (done), ==, "Some Qubes Were Partly Recovered");
  g_assert_nonnull (strstr (qr_page_done_get_summary (done), "2 qubes were partly recovered"));
  check_recovered (fixture, destination, whole, "work");
  check_recovered (fixture, destination, whole, "vault");
  assert_page_offers (fixture, 0);
  qr_test_assert_untouched (kept);
  assert_rest_verified (destination, sums);
}

/* A check that found damage offers the same, into the folder the Choose
 * page would have restored to, and the page's button recovers all the
 * damaged qubes in one run; the qubes found intact are not written. */
static void
test_after_check (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *whole_parent = g_build_filename (fixture->base.dir, "whole", NULL);
  g_autofree char *parent = g_build_filename (fixture->base.dir, "damaged", NULL);
  g_autofree char *whole = run_wizard (fixture, plain_backup, whole_parent, "win.go-next");
  g_autofree char *destination = run_wizard (fixture, plain_damaged, parent, "win.verify-backup");
  g_auto(GStrv) written = NULL;
  QrPageDone *done = get_done (fixture);

  g_assert_cmpstr (qr_page_done_get_summary_title (done), ==, "Some Qubes Are Damaged");
  g_assert_false (g_file_test (destination, G_FILE_TEST_EXISTS));
  assert_offered (fixture, "work");
  assert_offered (fixture, "vault");
  assert_page_offers (fixture, 2);

  press_and_wait (fixture, page_recover_button (fixture));
  g_assert_cmpuint (g_list_model_get_n_items (qr_restore_get_items (last_run (fixture))), ==, 2);
  g_assert_cmpstr (qr_page_done_get_summary_title (done), ==, "Some Qubes Were Partly Recovered");
  g_assert_nonnull (strstr (qr_page_done_get_summary (done), "2 qubes were partly recovered"));
  assert_page_offers (fixture, 0);
  check_recovered (fixture, destination, whole, "work");
  check_recovered (fixture, destination, whole, "vault");
  written = qr_test_list_folder (destination);
  g_assert_cmpuint (g_strv_length (written), ==, 2);
  g_assert_cmpstr (written[0], ==, "vault (partly recovered)");
  g_assert_cmpstr (written[1], ==, "work (partly recovered)");
}

/* A copy cut short inside work's image: work is offered like a damaged
 * qube and comes back with the parts that came, the end of its image a
 * hole; no other qube is offered. */
static void
test_cut_short (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *whole_parent = g_build_filename (fixture->base.dir, "whole", NULL);
  g_autofree char *parent = g_build_filename (fixture->base.dir, "cut", NULL);
  g_autofree char *whole = run_wizard (fixture, plain_backup, whole_parent, "win.go-next");
  g_autofree char *destination = run_wizard (fixture, plain_cut, parent, "win.go-next");
  g_autofree char *folder = g_build_filename (destination, "work (partly recovered)", NULL);
  g_autofree char *image = g_build_filename (folder, "private.img", NULL);
  g_autofree char *whole_image = g_build_filename (whole, "work", "private.img", NULL);
  g_autofree char *report_path = g_build_filename (folder, QR_RESTORE_REPORT_NAME, NULL);
  GtkWidget *list = page_child (fixture, "result_list");
  QrRestoreFile *image_report = NULL;
  QrRestoreItem *item;
  GListModel *reports;
  const GArray *lost;
  const QrRestoreRange *first;
  int fd;

  item = qr_result_row_get_item (find_row (fixture, "work"));
  g_assert_cmpint (qr_restore_item_get_state (item), ==, QR_RESTORE_STATE_FAILED);
  g_assert_error ((GError *) qr_restore_item_get_error (item), QR_ERROR, QR_ERROR_TRUNCATED);
  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      QrRestoreItem *each = qr_result_row_get_item (QR_RESULT_ROW (row));

      g_assert_cmpint (gtk_widget_get_visible (row_child (QR_RESULT_ROW (row), "recover_button")),
                       ==, each == item);
    }
  assert_page_offers (fixture, 1);

  press_and_wait (fixture, row_child (find_row (fixture, "work"), "recover_button"));

  item = qr_result_row_get_item (find_row (fixture, "work"));
  g_assert_cmpint (qr_restore_item_get_state (item), ==, QR_RESTORE_STATE_PARTIAL);
  g_assert_cmpstr (qr_page_done_get_summary_title (get_done (fixture)), ==,
                   "A Qube Was Partly Recovered");
  g_assert_true (g_file_test (report_path, G_FILE_TEST_IS_REGULAR));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (row_child (find_row (fixture, "work"),
                                                                        "reason_label"))),
                            "private.img: "));

  reports = qr_restore_item_get_reports (item);
  for (guint i = 0; i < g_list_model_get_n_items (reports); i++)
    {
      g_autoptr(QrRestoreFile) file = g_list_model_get_item (reports, i);

      /* The model keeps the report. */
      if (g_str_equal (qr_restore_file_get_name (file), "private.img"))
        image_report = file;
    }
  g_assert_nonnull (image_report);
  g_assert_cmpint (qr_restore_file_get_state (image_report), ==, QR_RESTORE_FILE_PARTIAL);
  g_assert_cmpuint (qr_restore_file_get_recovered (image_report), >, 0);

  /* What is missing is the end, where the copy stopped: from the first
   * lost byte on, the image holds no data at all. */
  lost = qr_restore_file_get_missing_ranges (image_report);
  g_assert_cmpuint (lost->len, >, 0);
  first = &g_array_index (lost, QrRestoreRange, 0);
  fd = g_open (image, O_RDONLY | O_CLOEXEC, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (lseek (fd, (first->offset + 4095) / 4096 * 4096, SEEK_DATA), ==, -1);
  g_assert_cmpint (errno, ==, ENXIO);
  g_assert_no_errno (close (fd));
  assert_only_verified (image, whole_image, image_report);
}

static gboolean
error_shown (gpointer data)
{
  return gtk_widget_get_visible (row_child (data, "mount_error_view"));
}

/* A partly recovered image whose start was lost has nothing that says
 * where its files are: the row says so, and offers neither way to them. */
static void
test_start_lost (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *parent = g_build_filename (fixture->base.dir, "damaged", NULL);
  g_autofree char *destination = run_wizard (fixture, gzip_damaged, parent, "win.go-next");
  g_autofree char *image = NULL;
  g_autofree char *list = NULL;
  g_autoptr(GError) error = NULL;
  QrRestoreItem *item;
  GtkWidget *window;
  GtkWidget *box;
  GtkWidget *row;
  QrErrorView *error_view;
  int fd;

  press_and_wait (fixture, row_child (find_row (fixture, "work"), "recover_button"));
  item = qr_result_row_get_item (find_row (fixture, "work"));

  /* As a salvage that lost the image's first mebibyte leaves it. */
  image = g_build_filename (destination, "work (partly recovered)", "private.img", NULL);
  fd = g_open (image, O_WRONLY | O_CLOEXEC, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_no_errno (fallocate (fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, MIB));
  g_assert_no_errno (close (fd));
  list = g_build_filename (destination, "work (partly recovered)", QR_RESTORE_REPORT_RANGES_NAME,
                           NULL);
  g_file_set_contents (list, "{\"schema\": 1, \"files\": {\"private.img\": {\"size\": 67108864, "
                       "\"lost\": [[0, 1048576]]}}}", -1, &error);
  g_assert_no_error (error);

  window = gtk_window_new ();
  box = gtk_list_box_new ();
  row = qr_result_row_new (item, FALSE, qr_page_done_get_mount_tracker (get_done (fixture)));
  gtk_list_box_append (GTK_LIST_BOX (box), row);
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));

  g_assert_true (qr_test_wait_until (error_shown, row, QR_TEST_TIMEOUT_SECONDS));
  error_view = QR_ERROR_VIEW (row_child (QR_RESULT_ROW (row), "mount_error_view"));
  g_assert_cmpstr (qr_error_view_get_title (error_view), ==, "Part of the backup is damaged");
  g_assert_false (gtk_widget_get_visible (row_child (QR_RESULT_ROW (row), "copy_button")));
  g_assert_false (gtk_widget_get_visible (row_child (QR_RESULT_ROW (row), "open_button")));
  g_assert_false (gtk_widget_get_visible (row_child (QR_RESULT_ROW (row), "partial_note_label")));
  g_assert_true (gtk_widget_get_visible (row_child (QR_RESULT_ROW (row), "report_button")));
  /* The action behind Copy Files is off too, not only its button. */
  g_assert_false (gtk_widget_get_sensitive (row_child (QR_RESULT_ROW (row), "copy_button")));

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  const char *gzip_args[] = { "--qubes", "full", NULL };
  const char *plain_args[] = { "--qubes", "full", "--compression", "none", NULL };
  const char *work_part[] = { "vm12/private.img.005.enc", NULL };
  const char *both_parts[] = { "vm12/private.img.005.enc", "vm14/private.img.002.enc", NULL };
  int ret;

  if (!qr_test_init_suite (&argc, &argv, "/qr/salvage/skipped", TRUE))
    return g_test_run ();

  fixture_dir = g_dir_make_tmp ("qr-gui-fixtures-XXXXXX", &error);
  g_assert_no_error (error);
  gzip_backup = qr_test_make_backup (fixture_dir, "gzip-backup", gzip_args);
  gzip_damaged = g_build_filename (fixture_dir, "gzip-damaged", NULL);
  qr_test_copy_damaged (gzip_backup, gzip_damaged, work_part);
  plain_backup = qr_test_make_backup (fixture_dir, "plain-backup", plain_args);
  plain_damaged = g_build_filename (fixture_dir, "plain-damaged", NULL);
  qr_test_copy_damaged (plain_backup, plain_damaged, both_parts);
  plain_cut = g_build_filename (fixture_dir, "plain-cut", NULL);
  qr_test_copy_truncated (plain_backup, plain_cut, "vm12/private.img.006");

  g_test_add ("/qr/salvage/gzip", Fixture, NULL,
              fixture_set_up, test_gzip, fixture_tear_down);
  g_test_add ("/qr/salvage/uncompressed", Fixture, NULL,
              fixture_set_up, test_uncompressed, fixture_tear_down);
  g_test_add ("/qr/salvage/after-check", Fixture, NULL,
              fixture_set_up, test_after_check, fixture_tear_down);
  g_test_add ("/qr/salvage/cut-short", Fixture, NULL,
              fixture_set_up, test_cut_short, fixture_tear_down);
  g_test_add ("/qr/salvage/start-lost", Fixture, NULL,
              fixture_set_up, test_start_lost, fixture_tear_down);

  ret = g_test_run ();

  qr_test_remove_tree (fixture_dir);
  g_free (gzip_backup);
  g_free (gzip_damaged);
  g_free (plain_backup);
  g_free (plain_damaged);
  g_free (plain_cut);
  g_free (fixture_dir);
  return ret;
}
