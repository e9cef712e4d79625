/* qr-page-restore.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "qr-item-row.h"
#include "qr-page-restore.h"

/* The first seconds of a restore are dominated by key derivation, so a
 * time estimate made then would be wildly wrong. */
#define ESTIMATE_DELAY_USEC (5 * G_USEC_PER_SEC)

/* Shows a running restore or verification. The window runs it; this page
 * only renders its progress properties and items. */
struct _QrPageRestore
{
  QrPage          parent_instance;

  /* Template children */
  GtkLabel       *heading_label;
  GtkProgressBar *progress_bar;
  GtkLabel       *percent_label;
  GtkLabel       *speed_label;
  GtkLabel       *current_label;
  GtkLabel       *file_label;
  GtkLabel       *chunk_label;
  GtkListBox     *item_list;

  /* Owned */
  QrRestore      *restore;
  GBinding       *fraction_binding;

  /* State */
  gint64          started_at;
};

G_DEFINE_FINAL_TYPE (QrPageRestore, qr_page_restore, QR_TYPE_PAGE)

static char *
format_speed (QrPageRestore *self)
{
  double rate = qr_restore_get_rate (self->restore);
  guint64 done = qr_restore_get_bytes_done (self->restore);
  guint64 total = qr_restore_get_bytes_total (self->restore);
  g_autofree char *size_text = NULL;
  g_autofree char *rate_text = NULL;
  g_autofree char *left_text = NULL;

  if (rate < 1.0)
    return g_strdup ("");

  size_text = g_format_size ((guint64) rate);
  /* Translators: a speed, like "42.1 MB/s" */
  rate_text = g_strdup_printf (_("%s/s"), size_text);

  if (g_get_monotonic_time () - self->started_at < ESTIMATE_DELAY_USEC || total <= done)
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
  guint chunk = qr_restore_get_chunk (self->restore);
  guint n_chunks = qr_restore_get_n_chunks (self->restore);
  g_autofree char *current = NULL;
  g_autofree char *chunk_text = NULL;

  /* Keys are derived ahead of the data, so the phase says little about the
   * qube being written; each qube's row shows its own state. */
  if (qube == NULL)
    current = g_strdup (_("Getting ready…"));
  else if (qr_restore_get_verify_only (self->restore))
    current = g_strdup_printf (_("Checking “%s”"), qube);
  else
    current = g_strdup_printf (_("Restoring “%s”"), qube);

  gtk_label_set_label (self->current_label, current);
  gtk_label_set_label (self->file_label, file != NULL ? file : "");
  gtk_widget_set_visible (GTK_WIDGET (self->file_label), file != NULL);

  /* The engine counts chunks from 1, as people do. */
  if (n_chunks > 0 && chunk > 0)
    /* Translators: a file in the backup is stored in numbered chunks */
    chunk_text = g_strdup_printf (_("Chunk %u of %u"), MIN (chunk, n_chunks), n_chunks);

  gtk_label_set_label (self->chunk_label, chunk_text != NULL ? chunk_text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->chunk_label), chunk_text != NULL);
}

static void
progress_cb (QrPageRestore *self)
{
  g_autofree char *percent = NULL;
  g_autofree char *speed = NULL;
  double fraction = qr_restore_get_fraction (self->restore);

  /* Translators: the share of the work done, like "42 %" */
  percent = g_strdup_printf (_("%d %%"), (int) (CLAMP (fraction, 0.0, 1.0) * 100.0));
  gtk_label_set_label (self->percent_label, percent);

  speed = format_speed (self);
  gtk_label_set_label (self->speed_label, speed);

  update_current (self);
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  QrPageRestore *self = user_data;

  return qr_item_row_new (QR_RESTORE_ITEM (item), qr_restore_get_verify_only (self->restore));
}

static void
qr_page_restore_dispose (GObject *object)
{
  QrPageRestore *self = QR_PAGE_RESTORE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), QR_TYPE_PAGE_RESTORE);

  g_clear_pointer (&self->fraction_binding, g_binding_unbind);
  g_clear_object (&self->restore);

  G_OBJECT_CLASS (qr_page_restore_parent_class)->dispose (object);
}

static void
qr_page_restore_class_init (QrPageRestoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qr_page_restore_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/qubesrescue/QubesRescue/ui/qr-page-restore.ui");
  gtk_widget_class_bind_template_child (widget_class, QrPageRestore, heading_label);
  gtk_widget_class_bind_template_child (widget_class, QrPageRestore, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, QrPageRestore, percent_label);
  gtk_widget_class_bind_template_child (widget_class, QrPageRestore, speed_label);
  gtk_widget_class_bind_template_child (widget_class, QrPageRestore, current_label);
  gtk_widget_class_bind_template_child (widget_class, QrPageRestore, file_label);
  gtk_widget_class_bind_template_child (widget_class, QrPageRestore, chunk_label);
  gtk_widget_class_bind_template_child (widget_class, QrPageRestore, item_list);
}

static void
qr_page_restore_init (QrPageRestore *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
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
  g_clear_pointer (&self->fraction_binding, g_binding_unbind);

  if (!g_set_object (&self->restore, restore) || restore == NULL)
    {
      gtk_list_box_bind_model (self->item_list, NULL, NULL, NULL, NULL);
      return;
    }

  verify_only = qr_restore_get_verify_only (restore);
  self->started_at = g_get_monotonic_time ();

  qr_page_set_title (QR_PAGE (self), verify_only ? _("Checking") : _("Restoring"));
  gtk_label_set_label (self->heading_label,
                       verify_only ? _("Checking Your Backup") : _("Restoring Your Qubes"));

  self->fraction_binding = g_object_bind_property (restore, "fraction",
                                                   self->progress_bar, "fraction",
                                                   G_BINDING_SYNC_CREATE);
  g_signal_connect_object (restore, "progress",
                           G_CALLBACK (progress_cb), self, G_CONNECT_SWAPPED);
  gtk_list_box_bind_model (self->item_list, qr_restore_get_items (restore),
                           create_row, self, NULL);
  progress_cb (self);
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
