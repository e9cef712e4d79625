/* qr-page-done.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "qr-accessible.h"
#include "qr-error.h"
#include "qr-error-view.h"
#include "qr-heading.h"
#include "qr-mount-tracker.h"
#include "qr-page-done.h"
#include "qr-result-row.h"

/* The honest result of a restore or verification. The summary counts the
 * qubes that really finished, so it never speaks of success when one of
 * them failed or was never reached, and says where the finished ones
 * are. A full disk is said as such: what was restored, what was not, and
 * that nothing half-written is left. Damaged qubes can be recovered as
 * far as they can be read ("Recover What Can Be Read", one or all, which
 * the window runs); those that were are said to be partly recovered, and
 * never count as restored. */
struct _QrPageDone
{
  QrPage             parent_instance;

  /* Template children */
  GtkScrolledWindow *scrolled_window;
  GtkImage          *status_icon;
  QrHeading         *heading;
  GtkLabel          *description_label;
  QrErrorView       *error_view;
  GtkWidget         *recover_box;
  GtkWidget         *recover_button;
  GtkListBox        *result_list;
  GtkWidget         *retry_button;

  /* Owned */
  QrRestore         *restore;
  GListModel        *results;
  QrMountTracker    *mount_tracker;

  /* State */
  gboolean           succeeded;
  gboolean           disk_full;
  GHashTable        *recovery_tried;   /* QrRestoreItems of salvage runs, owned */
};

G_DEFINE_FINAL_TYPE (QrPageDone, qr_page_done, QR_TYPE_PAGE)

typedef struct
{
  guint         n_items;
  guint         n_done;
  guint         n_partial;
  guint         n_failed;
  guint         n_recoverable;
  const GError *no_space;
} Counts;

static gboolean
is_no_space (const GError *error)
{
  return g_error_matches (error, QR_ERROR, QR_ERROR_NO_SPACE) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
}

/* A damaged qube whose data is in the backup file: a salvage gives back
 * whatever of it passes its check. One the file holds nothing of has
 * nothing to give, one a salvage could not recover has given all it
 * can, and other failures are not damage. */
static gboolean
is_recoverable (QrPageDone    *self,
                QrRestoreItem *item)
{
  const GError *error = qr_restore_item_get_error (item);

  return qr_restore_item_get_state (item) == QR_RESTORE_STATE_FAILED &&
         !g_hash_table_contains (self->recovery_tried, item) &&
         (g_error_matches (error, QR_ERROR, QR_ERROR_DAMAGED) ||
          g_error_matches (error, QR_ERROR, QR_ERROR_TRUNCATED)) &&
         qr_qube_get_present (qr_restore_item_get_qube (item));
}

static void
remember_tried (QrPageDone *self,
                GListModel *items)
{
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    g_hash_table_add (self->recovery_tried, g_list_model_get_item (items, i));
}

static void
count_items (QrPageDone *self,
             GListModel *items,
             Counts     *counts)
{
  counts->n_items = g_list_model_get_n_items (items);
  counts->n_done = 0;
  counts->n_partial = 0;
  counts->n_failed = 0;
  counts->n_recoverable = 0;
  counts->no_space = NULL;

  for (guint i = 0; i < counts->n_items; i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (items, i);
      const GError *error = qr_restore_item_get_error (item);

      switch (qr_restore_item_get_state (item))
        {
        case QR_RESTORE_STATE_DONE:
          counts->n_done++;
          break;

        case QR_RESTORE_STATE_PARTIAL:
          counts->n_partial++;
          break;

        case QR_RESTORE_STATE_FAILED:
          counts->n_failed++;
          if (is_recoverable (self, item))
            counts->n_recoverable++;
          if (counts->no_space == NULL && is_no_space (error))
            counts->no_space = error;
          break;

        case QR_RESTORE_STATE_WAITING:
        case QR_RESTORE_STATE_DERIVING_KEY:
        case QR_RESTORE_STATE_RESTORING:
        default:
          break;
        }
    }
}

static void
set_status (QrPageDone *self,
            const char *icon_name,
            const char *css_class,
            const char *title,
            const char *description)
{
  GtkWidget *icon = GTK_WIDGET (self->status_icon);

  /* Our own classes: libadwaita's .warning and .error would colour the
   * text as well as the icon. */
  gtk_widget_remove_css_class (icon, "result-success");
  gtk_widget_remove_css_class (icon, "result-warning");
  gtk_widget_remove_css_class (icon, "result-error");
  gtk_widget_add_css_class (icon, css_class);

  gtk_image_set_from_icon_name (self->status_icon, icon_name);
  qr_heading_set_label (self->heading, title);
  qr_heading_set_description (self->heading, description);
  gtk_label_set_label (self->description_label, description);
  qr_page_set_title (QR_PAGE (self), title);
}

static char *
dup_destination_path (QrRestore *restore)
{
  return g_file_get_parse_name (qr_restore_get_destination (restore));
}

static void
show_success (QrPageDone *self,
              QrRestore  *restore)
{
  g_autofree char *path = NULL;
  g_autofree char *description = NULL;

  /* A backup of format 1 has nothing that proves its files. */
  gboolean checked = qr_backup_get_version (qr_restore_get_backup (restore)) > 1;

  if (qr_restore_get_verify_only (restore))
    {
      set_status (self, "emblem-ok-symbolic", "result-success",
                  checked ? _("Your Backup Is Intact") : _("Your Backup Can Be Read"),
                  checked ? _("Every part of the selected qubes was checked and matches what "
                              "was saved. Nothing was written to this computer.")
                          : _("Every file of the selected qubes was read. This old backup "
                              "format has no integrity check, so damage in the files cannot "
                              "be found. Nothing was written to this computer."));
      return;
    }

  path = dup_destination_path (restore);
  description = g_strdup_printf (checked ? _("Everything was checked and copied into “%s”. "
                                             "Open the files of a qube below.")
                                         : _("Everything was copied into “%s”. This old backup "
                                             "format has no integrity check, so damage in the "
                                             "files cannot be found. Open the files of a qube "
                                             "below."),
                                 path);
  set_status (self, "emblem-ok-symbolic", "result-success",
              _("Your Qubes Are Restored"), description);
}

/* The disk filled up: the engine stopped at once and removed what it had
 * not finished, so the page can say that nothing half-written is left. */
static void
show_disk_full (QrPageDone   *self,
                QrRestore    *restore,
                const Counts *counts)
{
  g_autofree char *path = dup_destination_path (restore);
  g_autofree char *description = NULL;

  if (counts->n_done > 0)
    /* Translators: two numbers of qubes, then a folder */
    description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                "%u of %u qube was restored into “%s” and is kept there. "
                                                "The others were not restored, because the disk filled up; "
                                                "their unfinished files were removed, so nothing half-written "
                                                "is left. Free some space, then try again.",
                                                "%u of %u qubes were restored into “%s” and are kept there. "
                                                "The others were not restored, because the disk filled up; "
                                                "their unfinished files were removed, so nothing half-written "
                                                "is left. Free some space, then try again.",
                                                counts->n_items),
                                   counts->n_done, counts->n_items, path);
  else
    description = g_strdup (_("No qube was restored, because the disk filled up. The unfinished "
                              "files were removed, so nothing half-written is left. Free some "
                              "space or choose a folder on a larger disk, then try again."));

  set_status (self, "dialog-error-symbolic", "result-error",
              _("The Disk Is Full"), description);
}

static void
show_partial (QrPageDone   *self,
              QrRestore    *restore,
              const Counts *counts)
{
  g_autofree char *description = NULL;
  gboolean verify_only = qr_restore_get_verify_only (restore);

  if (verify_only)
    {
      description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                  "%u of %u qube is intact. The others are listed below with what to do.",
                                                  "%u of %u qubes are intact. The others are listed below with what to do.",
                                                  counts->n_items),
                                     counts->n_done, counts->n_items);
    }
  else
    {
      g_autofree char *path = dup_destination_path (restore);

      /* Translators: two numbers of qubes, then a folder */
      description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                  "%u of %u qube was restored into “%s”. The others are listed below with what to do.",
                                                  "%u of %u qubes were restored into “%s”. The others are listed below with what to do.",
                                                  counts->n_items),
                                     counts->n_done, counts->n_items, path);
    }

  set_status (self, "dialog-warning-symbolic", "result-warning",
              verify_only ? _("Some Qubes Are Damaged") : _("Some Qubes Could Not Be Restored"),
              description);
}

/* Some qubes came back only in part. They count neither as restored nor
 * as failed: the summary says how many, where, and that only verified
 * data was written. */
static void
show_partly_recovered (QrPageDone   *self,
                       QrRestore    *restore,
                       const Counts *counts)
{
  g_autofree char *path = dup_destination_path (restore);
  g_autoptr(GString) description = g_string_new (NULL);
  guint n_others = counts->n_items - counts->n_done - counts->n_partial;

  /* Translators: a number of qubes, then a folder */
  g_string_append_printf (description,
                          g_dngettext (GETTEXT_PACKAGE,
                                       "%u qube was partly recovered into “%s”: only data that "
                                       "passed its integrity check was written, and what was "
                                       "lost is listed in its folder.",
                                       "%u qubes were partly recovered into “%s”: only data that "
                                       "passed its integrity check was written, and what was "
                                       "lost is listed in their folders.",
                                       counts->n_partial),
                          counts->n_partial, path);

  if (counts->n_done > 0)
    {
      g_string_append_c (description, ' ');
      g_string_append_printf (description,
                              g_dngettext (GETTEXT_PACKAGE,
                                           "%u qube was restored whole.",
                                           "%u qubes were restored whole.",
                                           counts->n_done),
                              counts->n_done);
    }

  if (n_others > 0)
    {
      g_string_append_c (description, ' ');
      g_string_append (description, _("The others are listed below with what to do."));
    }

  set_status (self, "qr-partly-recovered-symbolic", "result-warning",
              g_dngettext (GETTEXT_PACKAGE,
                           "A Qube Was Partly Recovered",
                           "Some Qubes Were Partly Recovered",
                           counts->n_partial),
              description->str);
}

static void
show_failure (QrPageDone *self,
              QrRestore  *restore)
{
  if (qr_restore_get_verify_only (restore))
    set_status (self, "dialog-error-symbolic", "result-error",
                _("The Backup Could Not Be Verified"),
                _("None of the selected qubes could be checked. What went wrong and "
                  "what to do is said below."));
  else
    set_status (self, "dialog-error-symbolic", "result-error",
                _("The Qubes Could Not Be Restored"),
                _("None of the selected qubes was restored. What went wrong and "
                  "what to do is said below."));
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  QrPageDone *self = user_data;
  GtkWidget *row = qr_result_row_new (QR_RESTORE_ITEM (item),
                                      qr_restore_get_verify_only (self->restore),
                                      self->mount_tracker);

  qr_result_row_set_recoverable (QR_RESULT_ROW (row), is_recoverable (self, item));
  qr_accessible_fix_names (row);
  return row;
}

static void
qr_page_done_shown (QrPage *page)
{
  QrPageDone *self = QR_PAGE_DONE (page);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scrolled_window);

  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_lower (adjustment));

  /* Screen readers say the outcome: the heading's name and description. */
  gtk_widget_grab_focus (GTK_WIDGET (self->heading));
}

static void
qr_page_done_dispose (GObject *object)
{
  QrPageDone *self = QR_PAGE_DONE (object);

  /* The scrolled window is the bin's own child: let AdwBin forget it
   * before the template unparents it, or AdwBin would unparent it again. */
  adw_bin_set_child (ADW_BIN (object), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), QR_TYPE_PAGE_DONE);

  g_clear_object (&self->restore);
  g_clear_object (&self->results);
  g_clear_object (&self->mount_tracker);
  g_clear_pointer (&self->recovery_tried, g_hash_table_unref);

  G_OBJECT_CLASS (qr_page_done_parent_class)->dispose (object);
}

static void
qr_page_done_class_init (QrPageDoneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  QrPageClass *page_class = QR_PAGE_CLASS (klass);

  object_class->dispose = qr_page_done_dispose;

  page_class->shown = qr_page_done_shown;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/qubesrescue/QubesRescue/ui/qr-page-done.ui");
  gtk_widget_class_bind_template_child (widget_class, QrPageDone, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, QrPageDone, status_icon);
  gtk_widget_class_bind_template_child (widget_class, QrPageDone, heading);
  gtk_widget_class_bind_template_child (widget_class, QrPageDone, description_label);
  gtk_widget_class_bind_template_child (widget_class, QrPageDone, error_view);
  gtk_widget_class_bind_template_child (widget_class, QrPageDone, recover_box);
  gtk_widget_class_bind_template_child (widget_class, QrPageDone, recover_button);
  gtk_widget_class_bind_template_child (widget_class, QrPageDone, result_list);
  gtk_widget_class_bind_template_child (widget_class, QrPageDone, retry_button);

  g_type_ensure (QR_TYPE_ERROR_VIEW);
  g_type_ensure (QR_TYPE_HEADING);
}

static void
qr_page_done_init (QrPageDone *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  qr_accessible_fix_names (GTK_WIDGET (self));

  /* Try Again is there when the window's action has something to try:
   * not after a success, nor for qubes recovered as far as they can be. */
  g_object_bind_property (self->retry_button, "sensitive", self->retry_button, "visible",
                          G_BINDING_SYNC_CREATE);

  /* The window gives its own, so that it can eject on closing. */
  self->mount_tracker = qr_mount_tracker_new ();
  self->recovery_tried = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
}

GtkWidget *
qr_page_done_new (void)
{
  return g_object_new (QR_TYPE_PAGE_DONE, NULL);
}

/* @results are the qubes to report: those of @restore, after those that
 * earlier restores put into the same folder. @error is what the whole run
 * ended with, or NULL. An error that no failed qube accounts for (a
 * backup-wide problem) is shown on its own, and so is a full disk, which
 * stopped every qube that was not finished. */
void
qr_page_done_set_result (QrPageDone   *self,
                         QrRestore    *restore,
                         GListModel   *results,
                         const GError *error)
{
  Counts counts;
  const GError *shown_error;

  g_return_if_fail (QR_IS_PAGE_DONE (self));
  g_return_if_fail (QR_IS_RESTORE (restore));
  g_return_if_fail (G_IS_LIST_MODEL (results));

  /* What a salvage could not recover has given all it can. Only a
   * salvage lists failures of earlier runs again, so the others forget
   * them. */
  if (!qr_restore_get_salvage (restore))
    g_hash_table_remove_all (self->recovery_tried);
  else
    remember_tried (self, qr_restore_get_items (restore));

  count_items (self, results, &counts);
  if (counts.no_space == NULL && is_no_space (error))
    counts.no_space = error;

  self->succeeded = error == NULL && counts.n_items > 0 && counts.n_done == counts.n_items;
  self->disk_full = counts.no_space != NULL;

  if (self->succeeded)
    show_success (self, restore);
  else if (self->disk_full && !qr_restore_get_verify_only (restore))
    show_disk_full (self, restore, &counts);
  else if (counts.n_partial > 0)
    show_partly_recovered (self, restore, &counts);
  else if (counts.n_done > 0)
    show_partial (self, restore, &counts);
  else
    show_failure (self, restore);

  /* The damage of partly recovered qubes is said in their rows; the
   * restore's own word on it would say that nothing of it was used. */
  shown_error = self->disk_full ? counts.no_space :
                counts.n_failed == 0 && counts.n_partial == 0 ? error : NULL;
  qr_error_view_set_error (self->error_view, shown_error);

  /* Recovering is the way forward for damage; trying again would only
   * meet the same damage. Each row offers it; the page's own button,
   * which does them all, only where there are two or more. */
  gtk_widget_set_visible (self->recover_box, counts.n_recoverable > 0);
  gtk_widget_set_visible (self->recover_button, counts.n_recoverable > 1);
  if (counts.n_recoverable > 0)
    gtk_widget_remove_css_class (self->retry_button, "suggested-action");
  else
    gtk_widget_add_css_class (self->retry_button, "suggested-action");

  g_set_object (&self->restore, restore);
  g_set_object (&self->results, results);
  gtk_list_box_bind_model (self->result_list, results, create_row, self, NULL);
}

/* What the page lists, as QrRestoreItems. */
GListModel *
qr_page_done_get_results (QrPageDone *self)
{
  g_return_val_if_fail (QR_IS_PAGE_DONE (self), NULL);

  return self->results;
}

/* The damaged qubes of which a salvage could recover what can be read,
 * in the order listed. */
GPtrArray *
qr_page_done_dup_recoverable (QrPageDone *self)
{
  GPtrArray *qubes;

  g_return_val_if_fail (QR_IS_PAGE_DONE (self), NULL);

  qubes = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; self->results != NULL && i < g_list_model_get_n_items (self->results); i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (self->results, i);

      if (is_recoverable (self, item))
        g_ptr_array_add (qubes, g_object_ref (qr_restore_item_get_qube (item)));
    }

  return qubes;
}

const char *
qr_page_done_get_summary_title (QrPageDone *self)
{
  g_return_val_if_fail (QR_IS_PAGE_DONE (self), NULL);

  return qr_heading_get_label (self->heading);
}

const char *
qr_page_done_get_summary (QrPageDone *self)
{
  g_return_val_if_fail (QR_IS_PAGE_DONE (self), NULL);

  return gtk_label_get_label (self->description_label);
}

/* What mounts the restored images for "Open Files" and remembers them.
 * Rows made before this call keep the tracker they were made with. */
void
qr_page_done_set_mount_tracker (QrPageDone     *self,
                                QrMountTracker *tracker)
{
  g_return_if_fail (QR_IS_PAGE_DONE (self));
  g_return_if_fail (QR_IS_MOUNT_TRACKER (tracker));

  g_set_object (&self->mount_tracker, tracker);
}

QrMountTracker *
qr_page_done_get_mount_tracker (QrPageDone *self)
{
  g_return_val_if_fail (QR_IS_PAGE_DONE (self), NULL);

  return self->mount_tracker;
}

gboolean
qr_page_done_get_succeeded (QrPageDone *self)
{
  g_return_val_if_fail (QR_IS_PAGE_DONE (self), FALSE);

  return self->succeeded;
}

/* Whether the run stopped because the destination disk filled up. */
gboolean
qr_page_done_get_disk_full (QrPageDone *self)
{
  g_return_val_if_fail (QR_IS_PAGE_DONE (self), FALSE);

  return self->disk_full;
}
