/* qr-page-restore.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "qr-accessible.h"
#include "qr-error.h"
#include "qr-heading.h"
#include "qr-item-row.h"
#include "qr-page-restore.h"

/* The first seconds of a restore are dominated by key derivation, so a
 * time estimate made then would be wildly wrong. */
#define ESTIMATE_DELAY_USEC (5 * G_USEC_PER_SEC)

/* The engine counts the bytes it has read, checked and handed on to be
 * written. A qube is finished only when its last parts are written and
 * flushed to the disk, which can take a while after they were read, so
 * the bar gives that writing a share of its own: each qube counts for a
 * tenth of its weight when it is finished. The bar then never shows 99 %
 * while qubes are still being written, and it moves as each one is. */
#define READ_SHARE 0.9

/* Shows a running restore or verification. The window runs it; this page
 * renders its progress properties and items. When the disk fills up, it
 * says so at once, while the engine stops and cleans up. */
struct _QrPageRestore
{
  QrPage             parent_instance;

  /* Template children */
  GtkScrolledWindow *scrolled_window;
  QrHeading         *heading;
  GtkLabel          *intro_label;
  GtkProgressBar    *progress_bar;
  GtkLabel          *percent_label;
  GtkLabel          *speed_label;
  GtkLabel          *current_label;
  GtkLabel          *file_label;
  GtkLabel          *part_label;
  GtkLabel          *count_label;
  GtkListBox        *item_list;
  GtkWidget         *cancel_button;

  /* Owned */
  QrRestore         *restore;

  /* State */
  gint64             started_at;
  gboolean           disk_full;
};

G_DEFINE_FINAL_TYPE (QrPageRestore, qr_page_restore, QR_TYPE_PAGE)

static gboolean
is_finished (QrRestoreItem *item)
{
  QrRestoreState state = qr_restore_item_get_state (item);

  return state == QR_RESTORE_STATE_DONE || state == QR_RESTORE_STATE_PARTIAL ||
         state == QR_RESTORE_STATE_FAILED;
}

/* How much of the work is done, reading and writing together, and how
 * many qubes are finished. */
static double
compute_fraction (QrPageRestore *self,
                  guint         *n_finished,
                  guint         *n_items)
{
  GListModel *items = qr_restore_get_items (self->restore);
  QrBackup *backup = qr_restore_get_backup (self->restore);
  double read = qr_restore_get_fraction (self->restore);
  guint64 weight_total = 0;
  guint64 weight_finished = 0;

  *n_items = g_list_model_get_n_items (items);
  *n_finished = 0;

  for (guint i = 0; i < *n_items; i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (items, i);
      /* From a pipe sizes are unknown; then each qube weighs the same. */
      guint64 weight = MAX (qr_backup_get_stored_size (backup, qr_restore_item_get_qube (item)), 1);

      weight_total += weight;
      if (is_finished (item))
        {
          weight_finished += weight;
          (*n_finished)++;
        }
    }

  if (weight_total == 0)
    return read;

  return READ_SHARE * CLAMP (read, 0.0, 1.0) +
         (1.0 - READ_SHARE) * (double) weight_finished / weight_total;
}

static char *
format_speed (QrPageRestore *self)
{
  double rate = qr_restore_get_rate (self->restore);
  guint64 done = qr_restore_get_bytes_done (self->restore);
  guint64 total = qr_restore_get_bytes_total (self->restore);
  g_autofree char *size_text = NULL;
  g_autofree char *rate_text = NULL;
  g_autofree char *left_text = NULL;

  if (rate < 1.0 || done >= total)
    return g_strdup ("");

  size_text = g_format_size ((guint64) rate);
  /* Translators: a speed, like "42.1 MB/s" */
  rate_text = g_strdup_printf (_("%s/s"), size_text);

  if (g_get_monotonic_time () - self->started_at < ESTIMATE_DELAY_USEC)
    return g_steal_pointer (&rate_text);

  left_text = qr_page_restore_format_time_left ((guint64) ((total - done) / rate));

  /* Translators: a speed, then the time left, like "42.1 MB/s · About 5 minutes left" */
  return g_strdup_printf (_("%s · %s"), rate_text, left_text);
}

static void
update_current (QrPageRestore *self)
{
  const char *qube = qr_restore_get_current_qube (self->restore);
  const char *file = qr_restore_get_current_file (self->restore);
  guint part = qr_restore_get_chunk (self->restore);
  guint n_parts = qr_restore_get_n_chunks (self->restore);
  gboolean verify_only = qr_restore_get_verify_only (self->restore);
  gboolean all_read = qr_restore_get_bytes_total (self->restore) > 0 &&
                      qr_restore_get_bytes_done (self->restore) >= qr_restore_get_bytes_total (self->restore);
  g_autofree char *current = NULL;
  g_autofree char *part_text = NULL;

  /* Keys are derived ahead of the data, so the phase says little about the
   * qube being written; each qube's row shows its own state. */
  if (qube == NULL)
    current = g_strdup (_("Getting ready…"));
  else if (all_read && !verify_only)
    current = g_strdup (_("Writing the last parts to the disk…"));
  else if (verify_only)
    current = g_strdup_printf (_("Checking “%s”"), qube);
  else
    current = g_strdup_printf (_("Restoring “%s”"), qube);

  gtk_label_set_label (self->current_label, current);
  gtk_label_set_label (self->file_label, file != NULL && !all_read ? file : "");
  gtk_widget_set_visible (GTK_WIDGET (self->file_label), file != NULL && !all_read);

  /* The engine counts parts from 1, as people do. */
  if (n_parts > 0 && part > 0 && !all_read)
    /* Translators: a file in the backup is stored in numbered parts */
    part_text = g_strdup_printf (_("Part %u of %u"), MIN (part, n_parts), n_parts);

  gtk_label_set_label (self->part_label, part_text != NULL ? part_text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->part_label), part_text != NULL);
}

static void
update_progress (QrPageRestore *self)
{
  g_autofree char *percent = NULL;
  g_autofree char *count = NULL;
  guint n_finished;
  guint n_items;
  double fraction = compute_fraction (self, &n_finished, &n_items);

  gtk_progress_bar_set_fraction (self->progress_bar, fraction);

  /* Translators: the share of the work done, like "42%"; put a space
   * before the percent sign if your language does */
  percent = g_strdup_printf (_("%d%%"), (int) (fraction * 100.0));
  gtk_label_set_label (self->percent_label, percent);

  count = g_strdup_printf (qr_restore_get_verify_only (self->restore)
                             ? g_dngettext (GETTEXT_PACKAGE,
                                            "%u of %u qube checked",
                                            "%u of %u qubes checked",
                                            n_items)
                             : g_dngettext (GETTEXT_PACKAGE,
                                            "%u of %u qube finished",
                                            "%u of %u qubes finished",
                                            n_items),
                           n_finished, n_items);
  gtk_label_set_label (self->count_label, count);
}

static void
progress_cb (QrPageRestore *self)
{
  g_autofree char *speed = NULL;

  if (self->disk_full)
    return;

  update_progress (self);
  speed = format_speed (self);
  gtk_label_set_label (self->speed_label, speed);
  update_current (self);
}

/* The destination is full: nothing more can be restored, and the engine
 * is stopping. Say so now rather than when it has finished cleaning up,
 * and move the focus to the news, so that screen readers say it too. */
static void
show_disk_full (QrPageRestore *self)
{
  self->disk_full = TRUE;

  qr_page_set_title (QR_PAGE (self), _("Stopping"));
  qr_heading_set_label (self->heading, _("The Disk Is Full"));
  gtk_label_set_label (self->intro_label,
                       _("Nothing more fits on the destination disk, so the restore is "
                         "stopping. Unfinished files are being removed; the qubes that are "
                         "finished are kept."));
  qr_heading_set_description (self->heading, gtk_label_get_label (self->intro_label));
  gtk_label_set_label (self->current_label, _("Stopping…"));
  gtk_label_set_label (self->speed_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->file_label), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->part_label), FALSE);
  gtk_widget_set_sensitive (self->cancel_button, FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->heading));
}

static void
item_state_cb (QrPageRestore *self,
               GParamSpec    *pspec,
               QrRestoreItem *item)
{
  const GError *error = qr_restore_item_get_error (item);

  if (!self->disk_full && qr_restore_item_get_state (item) == QR_RESTORE_STATE_FAILED &&
      (g_error_matches (error, QR_ERROR, QR_ERROR_NO_SPACE) ||
       g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE)))
    show_disk_full (self);

  update_progress (self);
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  QrPageRestore *self = user_data;

  g_signal_connect_object (item, "notify::state",
                           G_CALLBACK (item_state_cb), self, G_CONNECT_SWAPPED);

  return qr_item_row_new (QR_RESTORE_ITEM (item), qr_restore_get_verify_only (self->restore));
}

static void
qr_page_restore_shown (QrPage *page)
{
  QrPageRestore *self = QR_PAGE_RESTORE (page);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scrolled_window);

  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_lower (adjustment));
  gtk_widget_grab_focus (GTK_WIDGET (self->heading));
}

static void
qr_page_restore_dispose (GObject *object)
{
  QrPageRestore *self = QR_PAGE_RESTORE (object);

  /* The scrolled window is the bin's own child: let AdwBin forget it
   * before the template unparents it, or AdwBin would unparent it again. */
  adw_bin_set_child (ADW_BIN (object), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), QR_TYPE_PAGE_RESTORE);

  g_clear_object (&self->restore);

  G_OBJECT_CLASS (qr_page_restore_parent_class)->dispose (object);
}

static void
qr_page_restore_class_init (QrPageRestoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  QrPageClass *page_class = QR_PAGE_CLASS (klass);

  object_class->dispose = qr_page_restore_dispose;

  page_class->shown = qr_page_restore_shown;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/qubesrescue/QubesRescue/ui/qr-page-restore.ui");
  gtk_widget_class_bind_template_child (widget_class, QrPageRestore, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, QrPageRestore, heading);
  gtk_widget_class_bind_template_child (widget_class, QrPageRestore, intro_label);
  gtk_widget_class_bind_template_child (widget_class, QrPageRestore, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, QrPageRestore, percent_label);
  gtk_widget_class_bind_template_child (widget_class, QrPageRestore, speed_label);
  gtk_widget_class_bind_template_child (widget_class, QrPageRestore, current_label);
  gtk_widget_class_bind_template_child (widget_class, QrPageRestore, file_label);
  gtk_widget_class_bind_template_child (widget_class, QrPageRestore, part_label);
  gtk_widget_class_bind_template_child (widget_class, QrPageRestore, count_label);
  gtk_widget_class_bind_template_child (widget_class, QrPageRestore, item_list);
  gtk_widget_class_bind_template_child (widget_class, QrPageRestore, cancel_button);

  g_type_ensure (QR_TYPE_HEADING);
}

static void
qr_page_restore_init (QrPageRestore *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  qr_accessible_fix_names (GTK_WIDGET (self));
  qr_page_set_can_go_back (QR_PAGE (self), FALSE);
}

GtkWidget *
qr_page_restore_new (void)
{
  return g_object_new (QR_TYPE_PAGE_RESTORE, NULL);
}

QrRestore *
qr_page_restore_get_restore (QrPageRestore *self)
{
  g_return_val_if_fail (QR_IS_PAGE_RESTORE (self), NULL);

  return self->restore;
}

void
qr_page_restore_set_restore (QrPageRestore *self,
                             QrRestore     *restore)
{
  gboolean verify_only;

  g_return_if_fail (QR_IS_PAGE_RESTORE (self));
  g_return_if_fail (!restore || QR_IS_RESTORE (restore));

  if (self->restore != NULL)
    g_signal_handlers_disconnect_by_data (self->restore, self);

  if (!g_set_object (&self->restore, restore) || restore == NULL)
    {
      gtk_list_box_bind_model (self->item_list, NULL, NULL, NULL, NULL);
      return;
    }

  verify_only = qr_restore_get_verify_only (restore);
  self->started_at = g_get_monotonic_time ();
  self->disk_full = FALSE;

  qr_page_set_title (QR_PAGE (self), verify_only ? _("Checking") : _("Restoring"));
  qr_heading_set_label (self->heading,
                        verify_only ? _("Checking Your Backup") : _("Restoring Your Qubes"));
  gtk_label_set_label (self->intro_label,
                       _("This can take a while. You can keep using the computer; it will "
                         "not go to sleep until this is finished."));
  qr_heading_set_description (self->heading, gtk_label_get_label (self->intro_label));
  gtk_widget_set_sensitive (self->cancel_button, TRUE);

  g_signal_connect_object (restore, "progress",
                           G_CALLBACK (progress_cb), self, G_CONNECT_SWAPPED);
  gtk_list_box_bind_model (self->item_list, qr_restore_get_items (restore),
                           create_row, self, NULL);
  progress_cb (self);
}

/* Whether the restore is stopping because the destination is full. */
gboolean
qr_page_restore_get_disk_full (QrPageRestore *self)
{
  g_return_val_if_fail (QR_IS_PAGE_RESTORE (self), FALSE);

  return self->disk_full;
}

/* The share of the work done that the bar shows, 0 to 1. */
double
qr_page_restore_get_fraction (QrPageRestore *self)
{
  g_return_val_if_fail (QR_IS_PAGE_RESTORE (self), 0.0);

  return gtk_progress_bar_get_fraction (self->progress_bar);
}

char *
qr_page_restore_format_time_left (guint64 seconds)
{
  guint64 minutes = (seconds + 59) / 60;
  guint64 hours;

  if (seconds < 60)
    return g_strdup (_("Less than a minute left"));

  if (minutes < 60)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "About %u minute left",
                                         "About %u minutes left",
                                         minutes),
                            (guint) minutes);

  hours = (minutes + 30) / 60;
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "About %u hour left",
                                       "About %u hours left",
                                       hours),
                          (guint) hours);
}
