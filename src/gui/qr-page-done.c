/* qr-page-done.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "qr-error-view.h"
#include "qr-mount-tracker.h"
#include "qr-page-done.h"
#include "qr-result-row.h"

/* The honest result of a restore or verification. The summary counts the
 * qubes that really finished, so it never speaks of success when one of
 * them failed or was never reached. */
struct _QrPageDone
{
  QrPage          parent_instance;

  /* Template children */
  AdwStatusPage  *status_page;
  QrErrorView    *error_view;
  GtkListBox     *result_list;

  /* Owned */
  QrRestore      *restore;
  QrMountTracker *mount_tracker;

  /* State */
  gboolean        succeeded;
};

G_DEFINE_FINAL_TYPE (QrPageDone, qr_page_done, QR_TYPE_PAGE)

typedef struct
{
  guint n_items;
  guint n_done;
  guint n_failed;
} Counts;

static void
count_items (GListModel *items,
             Counts     *counts)
{
  counts->n_items = g_list_model_get_n_items (items);
  counts->n_done = 0;
  counts->n_failed = 0;

  for (guint i = 0; i < counts->n_items; i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (items, i);

      switch (qr_restore_item_get_state (item))
        {
        case QR_RESTORE_STATE_DONE:
          counts->n_done++;
          break;

        case QR_RESTORE_STATE_FAILED:
          counts->n_failed++;
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
  GtkWidget *widget = GTK_WIDGET (self->status_page);

  /* Our own classes: libadwaita's .warning and .error would colour the
   * text as well as the icon. */
  gtk_widget_remove_css_class (widget, "result-success");
  gtk_widget_remove_css_class (widget, "result-warning");
  gtk_widget_remove_css_class (widget, "result-error");
  gtk_widget_add_css_class (widget, css_class);

  adw_status_page_set_icon_name (self->status_page, icon_name);
  adw_status_page_set_title (self->status_page, title);
  adw_status_page_set_description (self->status_page, description);
  qr_page_set_title (QR_PAGE (self), title);
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

  path = g_file_get_parse_name (qr_restore_get_destination (restore));
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

static void
show_partial (QrPageDone   *self,
              QrRestore    *restore,
              const Counts *counts)
{
  g_autofree char *description = NULL;
  gboolean verify_only = qr_restore_get_verify_only (restore);

  if (verify_only)
    description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                "%u of %u qube is intact. The others are listed below with what to do.",
                                                "%u of %u qubes are intact. The others are listed below with what to do.",
                                                counts->n_items),
                                   counts->n_done, counts->n_items);
  else
    description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                "%u of %u qube was restored. The others are listed below with what to do.",
                                                "%u of %u qubes were restored. The others are listed below with what to do.",
                                                counts->n_items),
                                   counts->n_done, counts->n_items);

  set_status (self, "dialog-warning-symbolic", "result-warning",
              verify_only ? _("Some Qubes Are Damaged") : _("Some Qubes Could Not Be Restored"),
              description);
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

  return qr_result_row_new (QR_RESTORE_ITEM (item),
                            qr_restore_get_verify_only (self->restore),
                            self->mount_tracker);
}

static void
qr_page_done_dispose (GObject *object)
{
  QrPageDone *self = QR_PAGE_DONE (object);

  /* The status page is the bin's own child: let AdwBin forget it before
   * the template unparents it, or AdwBin would unparent it again. */
  adw_bin_set_child (ADW_BIN (object), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), QR_TYPE_PAGE_DONE);

  g_clear_object (&self->restore);
  g_clear_object (&self->mount_tracker);

  G_OBJECT_CLASS (qr_page_done_parent_class)->dispose (object);
}

static void
qr_page_done_class_init (QrPageDoneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qr_page_done_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/qubesrescue/QubesRescue/ui/qr-page-done.ui");
  gtk_widget_class_bind_template_child (widget_class, QrPageDone, status_page);
  gtk_widget_class_bind_template_child (widget_class, QrPageDone, error_view);
  gtk_widget_class_bind_template_child (widget_class, QrPageDone, result_list);

  g_type_ensure (QR_TYPE_ERROR_VIEW);
}

static void
qr_page_done_init (QrPageDone *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* The window gives its own, so that it can eject on closing. */
  self->mount_tracker = qr_mount_tracker_new ();
}

GtkWidget *
qr_page_done_new (void)
{
  return g_object_new (QR_TYPE_PAGE_DONE, NULL);
}

/* @error is what the whole run ended with, or NULL. An error that no
 * failed qube accounts for (a backup-wide problem) is shown on its own. */
void
qr_page_done_set_result (QrPageDone   *self,
                         QrRestore    *restore,
                         const GError *error)
{
  GListModel *items;
  Counts counts;

  g_return_if_fail (QR_IS_PAGE_DONE (self));
  g_return_if_fail (QR_IS_RESTORE (restore));

  items = qr_restore_get_items (restore);
  count_items (items, &counts);

  self->succeeded = error == NULL && counts.n_items > 0 && counts.n_done == counts.n_items;

  if (self->succeeded)
    show_success (self, restore);
  else if (counts.n_done > 0)
    show_partial (self, restore, &counts);
  else
    show_failure (self, restore);

  qr_error_view_set_error (self->error_view, counts.n_failed == 0 ? error : NULL);
  g_set_object (&self->restore, restore);
  gtk_list_box_bind_model (self->result_list, items, create_row, self, NULL);
}

const char *
qr_page_done_get_summary_title (QrPageDone *self)
{
  g_return_val_if_fail (QR_IS_PAGE_DONE (self), NULL);

  return adw_status_page_get_title (self->status_page);
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
