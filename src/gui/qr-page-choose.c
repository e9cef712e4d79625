/* qr-page-choose.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "qr-accessible.h"
#include "qr-confirm.h"
#include "qr-heading.h"
#include "qr-page-choose.h"
#include "qr-qube-row.h"
#include "qr-space-estimate.h"

/* Which qubes to restore, and where. The destination is a new folder
 * inside the chosen one, named after the backup's date, so that a restore
 * never mixes with files already there. It stays the same for the backup
 * until another folder is chosen: restoring again, after a failure, a
 * stop or to add qubes, fills the same folder, and the qubes already
 * restored into it are kept and cannot be chosen again. */
struct _QrPageChoose
{
  QrPage             parent_instance;

  /* Template children */
  GtkWidget         *banner;
  GtkLabel          *banner_label;
  GtkScrolledWindow *scrolled_window;
  QrHeading         *heading;
  GtkLabel          *intro_label;
  GtkListBox        *qube_list;
  AdwActionRow      *destination_row;
  GtkWidget         *change_button;
  GtkWidget         *space_bar;
  GtkImage          *space_icon;
  GtkLabel          *space_label;

  /* Owned */
  QrBackup          *backup;
  GFile             *parent_folder;
  GFile             *destination;
  GListStore        *finished;
  GCancellable      *space_cancellable;

  /* State */
  guint64            free_space;
  gboolean           free_space_known;
  gboolean           space_warning_shown;
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

      total += qr_qube_row_get_estimate (QR_QUBE_ROW (child));
      (*n_selected)++;
    }

  return total;
}

static char *
describe_space (QrPageChoose *self,
                guint         n_selected,
                guint64       needed)
{
  g_autofree char *needed_text = g_format_size (needed);
  g_autofree char *free_text = g_format_size (self->free_space);

  if (n_selected == 0)
    return g_strdup (_("No qube selected"));

  if (self->space_warning_shown)
    /* Translators: both are sizes, like "42.1 GB" */
    return g_strdup_printf (_("About %s to write, but only %s is free there. It may not fit."),
                            needed_text, free_text);

  if (self->free_space_known)
    /* Translators: the number of qubes chosen, then two sizes */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "%u qube selected · about %s to write · %s free there",
                                         "%u qubes selected · about %s to write · %s free there",
                                         n_selected),
                            n_selected, needed_text, free_text);

  /* Translators: the number of qubes chosen, then a size */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "%u qube selected · about %s to write",
                                       "%u qubes selected · about %s to write",
                                       n_selected),
                          n_selected, needed_text);
}

static void
update_space (QrPageChoose *self)
{
  g_autofree char *text = NULL;
  guint n_selected;
  guint64 needed = selected_size (self, &n_selected);

  qr_page_set_complete (QR_PAGE (self), n_selected > 0);

  self->space_warning_shown = n_selected > 0 && self->free_space_known &&
                              needed > self->free_space;

  text = describe_space (self, n_selected, needed);
  gtk_label_set_label (self->space_label, text);
  gtk_image_set_from_icon_name (self->space_icon,
                                self->space_warning_shown ? "dialog-warning-symbolic"
                                                          : "drive-harddisk-symbolic");
  if (self->space_warning_shown)
    gtk_widget_add_css_class (self->space_bar, "short");
  else
    gtk_widget_remove_css_class (self->space_bar, "short");
}

static void
set_free_space (QrPageChoose *self,
                GFileInfo    *info,
                const GError *error)
{
  self->free_space_known = info != NULL &&
    g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE);
  if (self->free_space_known)
    self->free_space = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE);
  else if (error != NULL)
    g_debug ("Could not learn the free space: %s", error->message);

  update_space (self);
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

  set_free_space (self, info, error);
}

static void
query_space (QrPageChoose *self)
{
  g_cancellable_cancel (self->space_cancellable);
  g_clear_object (&self->space_cancellable);
  self->space_cancellable = g_cancellable_new ();

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

static gboolean
is_finished (QrPageChoose *self,
             QrQube       *qube)
{
  GListModel *finished = G_LIST_MODEL (self->finished);

  for (guint i = 0; i < g_list_model_get_n_items (finished); i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (finished, i);

      if (qr_restore_item_get_qube (item) == qube)
        return TRUE;
    }

  return FALSE;
}

static void
update_rows (QrPageChoose *self)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->qube_list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      QrQubeRow *row = QR_QUBE_ROW (child);

      qr_qube_row_set_restored (row, is_finished (self, qr_qube_row_get_qube (row)));
    }

  update_space (self);
}

/* A new folder inside the parent folder: nothing is restored there yet. */
static void
update_destination (QrPageChoose *self)
{
  g_autoptr(GFile) destination = pick_destination (self);
  g_autofree char *path = g_file_get_parse_name (destination);
  g_autofree char *description = NULL;

  g_set_object (&self->destination, destination);
  g_list_store_remove_all (self->finished);
  adw_action_row_set_subtitle (self->destination_row, path);

  /* Translators: %s is a folder, like "/home/alex/Qubes Backup 2024-05-01" */
  description = g_strdup_printf (_("Restore to %s"), path);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->change_button),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);

  update_rows (self);
  query_space (self);
}

/* A qube listed as saved in the backup whose data is not in the file: the
 * file ends before the backup does. */
static guint
count_missing (QrBackup *backup)
{
  GListModel *qubes = qr_backup_get_qubes (backup);
  guint n_missing = 0;

  for (guint i = 0; i < g_list_model_get_n_items (qubes); i++)
    {
      g_autoptr(QrQube) qube = g_list_model_get_item (qubes, i);

      if (qr_qube_get_included (qube) && !qr_qube_get_present (qube))
        n_missing++;
    }

  return n_missing;
}

static void
update_banner (QrPageChoose *self)
{
  guint n_missing = self->backup != NULL ? count_missing (self->backup) : 0;
  g_autofree char *text = NULL;

  gtk_widget_set_visible (self->banner, n_missing > 0);
  if (n_missing == 0)
    {
      qr_heading_set_description (self->heading, gtk_label_get_label (self->intro_label));
      return;
    }

  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "The backup file ends too early: %u qube it lists has no "
                                       "data in it. Copy the file again from the original disk.",
                                       "The backup file ends too early: %u qubes it lists have no "
                                       "data in them. Copy the file again from the original disk.",
                                       n_missing),
                          n_missing);
  gtk_label_set_label (self->banner_label, text);

  {
    g_autofree char *description = g_strdup_printf ("%s %s", text,
                                                    gtk_label_get_label (self->intro_label));

    qr_heading_set_description (self->heading, description);
  }
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  QrPageChoose *self = user_data;
  QrQube *qube = QR_QUBE (item);
  GtkWidget *row = qr_qube_row_new (qube, qr_space_estimate_qube (self->backup, qube));

  qr_qube_row_set_restored (QR_QUBE_ROW (row), is_finished (self, qube));
  qr_qube_row_set_selected (QR_QUBE_ROW (row), qr_qube_row_holds_user_files (qube));
  g_signal_connect_object (row, "notify::selected",
                           G_CALLBACK (update_space), self, G_CONNECT_SWAPPED);

  return row;
}

static void
select_rows (QrPageChoose *self,
             gboolean      selected)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->qube_list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    qr_qube_row_set_selected (QR_QUBE_ROW (child), selected);
}

static void
select_all_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  select_rows (QR_PAGE_CHOOSE (widget), TRUE);
}

static void
select_none_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  select_rows (QR_PAGE_CHOOSE (widget), FALSE);
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
confirm_space_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  QrPageChoose *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (qr_confirm_finish (result, &error))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  gtk_widget_grab_focus (self->change_button);
  gtk_widget_activate_action (GTK_WIDGET (self), "choose.change-destination", NULL);
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                           "The selected qubes may not fit into the destination");
}

static void
ask_about_space (QrPageChoose *self,
                 GTask        *task)
{
  g_autofree char *needed_text = NULL;
  g_autofree char *free_text = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *body = NULL;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  guint n_selected;

  needed_text = g_format_size (selected_size (self, &n_selected));
  free_text = g_format_size (self->free_space);
  folder = g_file_get_parse_name (self->parent_folder);
  /* Translators: two sizes, then a folder */
  body = g_strdup_printf (_("Restoring the selected qubes writes about %s, but only %s is free "
                            "in “%s”. If the disk fills up, the restore stops and removes "
                            "what it had not finished."),
                          needed_text, free_text, folder);

  qr_confirm_async (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                    _("The Qubes May Not Fit"),
                    body,
                    _("_Choose Another Folder"),
                    _("_Restore Anyway"),
                    g_task_get_cancellable (task),
                    confirm_space_cb,
                    task);
}

static void
apply_space_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  QrPageChoose *self = g_task_get_source_object (task);
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  info = g_file_query_filesystem_info_finish (G_FILE (object), result, &error);
  if (g_task_return_error_if_cancelled (task))
    return;

  set_free_space (self, info, error);

  if (!self->space_warning_shown)
    g_task_return_boolean (task, TRUE);
  else
    ask_about_space (self, g_steal_pointer (&task));
}

/* Restoring onto a disk that is too small only fails later, so the page
 * asks first, with the free space as it is now (the user may just have
 * made room); the estimate is honest but not exact, so the user decides. */
static void
qr_page_choose_apply_async (QrPage              *page,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  QrPageChoose *self = QR_PAGE_CHOOSE (page);
  g_autoptr(GTask) task = NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qr_page_choose_apply_async);

  g_file_query_filesystem_info_async (self->parent_folder,
                                      G_FILE_ATTRIBUTE_FILESYSTEM_FREE,
                                      G_PRIORITY_DEFAULT,
                                      cancellable,
                                      apply_space_cb,
                                      g_steal_pointer (&task));
}

static gboolean
qr_page_choose_apply_finish (QrPage        *page,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, page), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
qr_page_choose_shown (QrPage *page)
{
  QrPageChoose *self = QR_PAGE_CHOOSE (page);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scrolled_window);

  /* A restore wrote to the disk since the page was last shown. */
  query_space (self);

  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_lower (adjustment));
  gtk_widget_grab_focus (GTK_WIDGET (self->heading));
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
  g_clear_object (&self->finished);

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
  page_class->apply_async = qr_page_choose_apply_async;
  page_class->apply_finish = qr_page_choose_apply_finish;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/qubesrescue/QubesRescue/ui/qr-page-choose.ui");
  gtk_widget_class_bind_template_child (widget_class, QrPageChoose, banner);
  gtk_widget_class_bind_template_child (widget_class, QrPageChoose, banner_label);
  gtk_widget_class_bind_template_child (widget_class, QrPageChoose, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, QrPageChoose, heading);
  gtk_widget_class_bind_template_child (widget_class, QrPageChoose, intro_label);
  gtk_widget_class_bind_template_child (widget_class, QrPageChoose, qube_list);
  gtk_widget_class_bind_template_child (widget_class, QrPageChoose, destination_row);
  gtk_widget_class_bind_template_child (widget_class, QrPageChoose, change_button);
  gtk_widget_class_bind_template_child (widget_class, QrPageChoose, space_bar);
  gtk_widget_class_bind_template_child (widget_class, QrPageChoose, space_icon);
  gtk_widget_class_bind_template_child (widget_class, QrPageChoose, space_label);

  gtk_widget_class_install_action (widget_class, "choose.change-destination", NULL,
                                   change_destination_action);
  gtk_widget_class_install_action (widget_class, "choose.select-all", NULL, select_all_action);
  gtk_widget_class_install_action (widget_class, "choose.select-none", NULL, select_none_action);

  g_type_ensure (QR_TYPE_HEADING);
}

static void
qr_page_choose_init (QrPageChoose *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  qr_accessible_fix_names (GTK_WIDGET (self));

  self->parent_folder = g_file_new_for_path (g_get_home_dir ());
  self->finished = g_list_store_new (QR_TYPE_RESTORE_ITEM);
  update_banner (self);
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

  g_list_store_remove_all (self->finished);
  gtk_list_box_bind_model (self->qube_list,
                           backup != NULL ? qr_backup_get_qubes (backup) : NULL,
                           create_row, self, NULL);
  update_banner (self);
  update_destination (self);
}

GFile *
qr_page_choose_get_parent_folder (QrPageChoose *self)
{
  g_return_val_if_fail (QR_IS_PAGE_CHOOSE (self), NULL);

  return self->parent_folder;
}

/* The folder in which a new destination folder is made. Choosing a
 * folder, even the same one again, starts a new destination. */
void
qr_page_choose_set_parent_folder (QrPageChoose *self,
                                  GFile        *parent_folder)
{
  g_return_if_fail (QR_IS_PAGE_CHOOSE (self));
  g_return_if_fail (G_IS_FILE (parent_folder));

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

/* Selects the qubes in @qubes that can still be restored, and no other. */
void
qr_page_choose_set_selection (QrPageChoose *self,
                              GPtrArray    *qubes)
{
  g_return_if_fail (QR_IS_PAGE_CHOOSE (self));
  g_return_if_fail (qubes != NULL);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->qube_list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      QrQubeRow *row = QR_QUBE_ROW (child);

      qr_qube_row_set_selected (row, g_ptr_array_find (qubes, qr_qube_row_get_qube (row), NULL));
    }
}

/* The qubes of @restore that were restored, whole or as far as they
 * could be read, are in the destination now, and stay there: they are
 * kept when restoring again. */
void
qr_page_choose_add_finished (QrPageChoose *self,
                             QrRestore    *restore)
{
  GListModel *items;

  g_return_if_fail (QR_IS_PAGE_CHOOSE (self));
  g_return_if_fail (QR_IS_RESTORE (restore));

  if (qr_restore_get_verify_only (restore) ||
      !g_file_equal (qr_restore_get_destination (restore), self->destination))
    return;

  items = qr_restore_get_items (restore);
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (items, i);
      QrRestoreState state = qr_restore_item_get_state (item);

      if ((state == QR_RESTORE_STATE_DONE || state == QR_RESTORE_STATE_PARTIAL) &&
          !is_finished (self, qr_restore_item_get_qube (item)))
        g_list_store_append (self->finished, item);
    }

  update_rows (self);
}

/* The qubes restored into the destination so far, as QrRestoreItems. */
GListModel *
qr_page_choose_get_finished (QrPageChoose *self)
{
  g_return_val_if_fail (QR_IS_PAGE_CHOOSE (self), NULL);

  return G_LIST_MODEL (self->finished);
}

gboolean
qr_page_choose_get_space_warning (QrPageChoose *self)
{
  g_return_val_if_fail (QR_IS_PAGE_CHOOSE (self), FALSE);

  return self->space_warning_shown;
}

/* What the page says about the space needed and free, as shown. */
const char *
qr_page_choose_get_space_text (QrPageChoose *self)
{
  g_return_val_if_fail (QR_IS_PAGE_CHOOSE (self), NULL);

  return gtk_label_get_label (self->space_label);
}

gboolean
qr_page_choose_get_banner_shown (QrPageChoose *self)
{
  g_return_val_if_fail (QR_IS_PAGE_CHOOSE (self), FALSE);

  return gtk_widget_get_visible (self->banner);
}
