/* qr-page-choose.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "qr-page-choose.h"
#include "qr-qube-row.h"

/* Which qubes to restore, and where. The destination is always a new
 * folder inside the chosen one, named after the backup's date, so that a
 * restore never mixes with files already there. */
struct _QrPageChoose
{
  QrPage        parent_instance;

  /* Template children */
  GtkListBox   *qube_list;
  AdwActionRow *destination_row;
  AdwActionRow *space_row;
  GtkWidget    *space_warning;
  GtkLabel     *space_warning_label;

  /* Owned */
  QrBackup     *backup;
  GFile        *parent_folder;
  GFile        *destination;
  GCancellable *space_cancellable;

  /* State */
  guint64       free_space;
  gboolean      free_space_known;
  gboolean      space_warning_shown;
};

G_DEFINE_FINAL_TYPE (QrPageChoose, qr_page_choose, QR_TYPE_PAGE)

static guint64
selected_size (QrPageChoose *self,
               guint        *n_selected)
{
  guint64 total = 0;

  *n_selected = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->qube_list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (!QR_IS_QUBE_ROW (child) || !qr_qube_row_get_selected (QR_QUBE_ROW (child)))
        continue;

      total += qr_qube_get_backup_size (qr_qube_row_get_qube (QR_QUBE_ROW (child)));
      (*n_selected)++;
    }

  return total;
}

static void
update_space (QrPageChoose *self)
{
  g_autofree char *needed_text = NULL;
  g_autofree char *subtitle = NULL;
  guint n_selected;
  guint64 needed = selected_size (self, &n_selected);

  qr_page_set_complete (QR_PAGE (self), n_selected > 0);

  needed_text = g_format_size (needed);

  if (self->free_space_known)
    {
      g_autofree char *free_text = g_format_size (self->free_space);

      /* Translators: both are sizes, like "42.1 GB" */
      subtitle = g_strdup_printf (_("%s free · about %s needed"), free_text, needed_text);
    }
  else
    {
      subtitle = g_strdup_printf (_("About %s needed"), needed_text);
    }

  adw_action_row_set_subtitle (self->space_row, subtitle);

  self->space_warning_shown = self->free_space_known && needed > self->free_space;
  gtk_widget_set_visible (self->space_warning, self->space_warning_shown);

  if (self->space_warning_shown)
    {
      g_autofree char *free_text = g_format_size (self->free_space);
      g_autofree char *warning = NULL;

      warning = g_strdup_printf (_("The selected qubes need about %s, but only %s is free "
                                   "there. Choose a folder on a larger disk, or fewer qubes."),
                                 needed_text, free_text);
      gtk_label_set_label (self->space_warning_label, warning);
    }
}

static void
query_space_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(QrPageChoose) self = user_data;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  info = g_file_query_filesystem_info_finish (G_FILE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->free_space_known = info != NULL &&
    g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE);
  if (self->free_space_known)
    self->free_space = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE);
  else if (error != NULL)
    g_debug ("Could not learn the free space: %s", error->message);

  update_space (self);
}

static void
query_space (QrPageChoose *self)
{
  g_cancellable_cancel (self->space_cancellable);
  g_clear_object (&self->space_cancellable);
  self->space_cancellable = g_cancellable_new ();
  self->free_space_known = FALSE;

  g_file_query_filesystem_info_async (self->parent_folder,
                                      G_FILE_ATTRIBUTE_FILESYSTEM_FREE,
                                      G_PRIORITY_DEFAULT,
                                      self->space_cancellable,
                                      query_space_cb,
                                      g_object_ref (self));
}

/* A folder name that is not taken yet: "Qubes Backup 2024-05-01", then
 * "Qubes Backup 2024-05-01 (2)" and so on. */
static GFile *
pick_destination (QrPageChoose *self)
{
  g_autofree char *date = NULL;
  g_autofree char *base = NULL;

  if (self->backup != NULL)
    date = qr_backup_dup_date_string (self->backup);

  if (date != NULL)
    /* Translators: the name of the folder the qubes are restored into; %s is the backup's date */
    base = g_strdup_printf (_("Qubes Backup %s"), date);
  else
    base = g_strdup (_("Qubes Backup"));

  for (guint i = 1; ; i++)
    {
      g_autofree char *name = NULL;
      g_autoptr(GFile) file = NULL;

      name = i == 1 ? g_strdup (base) : g_strdup_printf ("%s (%u)", base, i);
      file = g_file_get_child (self->parent_folder, name);

      if (!g_file_query_exists (file, NULL))
        return g_steal_pointer (&file);
    }
}

static void
update_destination (QrPageChoose *self)
{
  g_autoptr(GFile) destination = pick_destination (self);
  g_autofree char *path = g_file_get_parse_name (destination);

  g_set_object (&self->destination, destination);
  adw_action_row_set_subtitle (self->destination_row, path);
  query_space (self);
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  QrPageChoose *self = user_data;
  GtkWidget *row = qr_qube_row_new (QR_QUBE (item));

  g_signal_connect_object (row, "notify::selected",
                           G_CALLBACK (update_space), self, G_CONNECT_SWAPPED);

  return row;
}

static void
folder_response_cb (QrPageChoose         *self,
                    int                   response,
                    GtkFileChooserNative *native)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));

      if (folder != NULL)
        qr_page_choose_set_parent_folder (self, folder);
    }

  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (native));
  g_object_unref (native);
}

static void
change_destination_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *param)
{
  QrPageChoose *self = QR_PAGE_CHOOSE (widget);
  GtkFileChooserNative *native;
  GtkRoot *root = gtk_widget_get_root (widget);

  native = gtk_file_chooser_native_new (_("Choose Where to Restore"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                        _("_Select"),
                                        _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (native), self->parent_folder, NULL);

  g_signal_connect_object (native, "response",
                           G_CALLBACK (folder_response_cb), self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
qr_page_choose_shown (QrPage *page)
{
  QrPageChoose *self = QR_PAGE_CHOOSE (page);

  /* After a restore the old folder exists, so pick a fresh one. */
  update_destination (self);
}

static void
qr_page_choose_dispose (GObject *object)
{
  QrPageChoose *self = QR_PAGE_CHOOSE (object);

  g_cancellable_cancel (self->space_cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), QR_TYPE_PAGE_CHOOSE);

  g_clear_object (&self->space_cancellable);
  g_clear_object (&self->backup);
  g_clear_object (&self->parent_folder);
  g_clear_object (&self->destination);

  G_OBJECT_CLASS (qr_page_choose_parent_class)->dispose (object);
}

static void
qr_page_choose_class_init (QrPageChooseClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  QrPageClass *page_class = QR_PAGE_CLASS (klass);

  object_class->dispose = qr_page_choose_dispose;

  page_class->shown = qr_page_choose_shown;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/qubesrescue/QubesRescue/ui/qr-page-choose.ui");
  gtk_widget_class_bind_template_child (widget_class, QrPageChoose, qube_list);
  gtk_widget_class_bind_template_child (widget_class, QrPageChoose, destination_row);
  gtk_widget_class_bind_template_child (widget_class, QrPageChoose, space_row);
  gtk_widget_class_bind_template_child (widget_class, QrPageChoose, space_warning);
  gtk_widget_class_bind_template_child (widget_class, QrPageChoose, space_warning_label);

  gtk_widget_class_install_action (widget_class, "choose.change-destination", NULL,
                                   change_destination_action);
}

static void
qr_page_choose_init (QrPageChoose *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->parent_folder = g_file_new_for_path (g_get_home_dir ());
}

GtkWidget *
qr_page_choose_new (void)
{
  return g_object_new (QR_TYPE_PAGE_CHOOSE, NULL);
}

QrBackup *
qr_page_choose_get_backup (QrPageChoose *self)
{
  g_return_val_if_fail (QR_IS_PAGE_CHOOSE (self), NULL);

  return self->backup;
}

void
qr_page_choose_set_backup (QrPageChoose *self,
                           QrBackup     *backup)
{
  g_return_if_fail (QR_IS_PAGE_CHOOSE (self));
  g_return_if_fail (!backup || QR_IS_BACKUP (backup));

  if (!g_set_object (&self->backup, backup))
    return;

  gtk_list_box_bind_model (self->qube_list,
                           backup != NULL ? qr_backup_get_qubes (backup) : NULL,
                           create_row, self, NULL);
  update_destination (self);
  update_space (self);
}

GFile *
qr_page_choose_get_parent_folder (QrPageChoose *self)
{
  g_return_val_if_fail (QR_IS_PAGE_CHOOSE (self), NULL);

  return self->parent_folder;
}

/* The folder in which the new destination folder is made. */
void
qr_page_choose_set_parent_folder (QrPageChoose *self,
                                  GFile        *parent_folder)
{
  g_return_if_fail (QR_IS_PAGE_CHOOSE (self));
  g_return_if_fail (G_IS_FILE (parent_folder));

  if (g_file_equal (self->parent_folder, parent_folder))
    return;

  g_set_object (&self->parent_folder, parent_folder);
  update_destination (self);
}

GFile *
qr_page_choose_get_destination (QrPageChoose *self)
{
  g_return_val_if_fail (QR_IS_PAGE_CHOOSE (self), NULL);

  return self->destination;
}

/* The selected qubes, in the backup's order. */
GPtrArray *
qr_page_choose_dup_selection (QrPageChoose *self)
{
  GPtrArray *selection;

  g_return_val_if_fail (QR_IS_PAGE_CHOOSE (self), NULL);

  selection = g_ptr_array_new_with_free_func (g_object_unref);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->qube_list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (QR_IS_QUBE_ROW (child) && qr_qube_row_get_selected (QR_QUBE_ROW (child)))
        g_ptr_array_add (selection, g_object_ref (qr_qube_row_get_qube (QR_QUBE_ROW (child))));
    }

  return selection;
}

gboolean
qr_page_choose_get_space_warning (QrPageChoose *self)
{
  g_return_val_if_fail (QR_IS_PAGE_CHOOSE (self), FALSE);

  return self->space_warning_shown;
}
