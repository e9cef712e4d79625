/* qr-page-open.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "qr-accessible.h"
#include "qr-error-view.h"
#include "qr-page-open.h"

/* The first step: which file is the backup. Applying the page opens the
 * file with the engine, which says at once whether it is a Qubes backup;
 * if not, the reason stays on this page. */
struct _QrPageOpen
{
  QrPage       parent_instance;

  /* Template children */
  GtkWidget   *choose_button;
  GtkWidget   *opening_box;
  QrErrorView *error_view;

  /* Owned */
  GFile       *file;
  QrBackup    *backup;
};

G_DEFINE_FINAL_TYPE (QrPageOpen, qr_page_open, QR_TYPE_PAGE)

static void
open_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  QrPageOpen *self = g_task_get_source_object (task);
  g_autoptr(QrBackup) backup = NULL;
  g_autoptr(GError) error = NULL;

  gtk_widget_set_visible (self->opening_box, FALSE);
  qr_page_set_complete (QR_PAGE (self), self->file != NULL);

  backup = qr_backup_open_finish (result, &error);
  if (backup == NULL)
    {
      /* The focus goes to the error, so that screen readers say it. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          qr_error_view_set_error (self->error_view, error);
          gtk_widget_grab_focus (GTK_WIDGET (self->error_view));
        }
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_set_object (&self->backup, backup);
  g_task_return_boolean (task, TRUE);
}

static void
qr_page_open_apply_async (QrPage              *page,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  QrPageOpen *self = QR_PAGE_OPEN (page);
  g_autoptr(GTask) task = NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qr_page_open_apply_async);

  g_clear_object (&self->backup);
  qr_error_view_set_error (self->error_view, NULL);
  gtk_widget_set_visible (self->opening_box, TRUE);

  /* Not complete while opening, so a second press does not open twice. */
  qr_page_set_complete (page, FALSE);

  qr_backup_open_async (self->file, cancellable, open_cb, g_steal_pointer (&task));
}

static gboolean
qr_page_open_apply_finish (QrPage        *page,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, page), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
qr_page_open_shown (QrPage *page)
{
  QrPageOpen *self = QR_PAGE_OPEN (page);

  if (gtk_widget_get_visible (GTK_WIDGET (self->error_view)))
    gtk_widget_grab_focus (GTK_WIDGET (self->error_view));
  else
    gtk_widget_grab_focus (self->choose_button);
}

static void
folder_chooser_response_cb (QrPageOpen           *self,
                            int                   response,
                            GtkFileChooserNative *native)
{
  g_autoptr(GFile) folder = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));

  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (native));
  g_object_unref (native);

  if (folder != NULL)
    {
      qr_page_open_set_file (self, folder);
      gtk_widget_activate_action (GTK_WIDGET (self), "win.go-next", NULL);
    }
}

/* Backups of Qubes R1 and R2's first betas (format 1) are folders, which
 * the file chooser for backup files cannot pick. */
static void
choose_folder_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  GtkFileChooserNative *native;

  native = gtk_file_chooser_native_new (_("Choose a Qubes Backup Folder"),
                                        GTK_WINDOW (gtk_widget_get_root (widget)),
                                        GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                        _("_Open"),
                                        _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);

  g_signal_connect_object (native, "response",
                           G_CALLBACK (folder_chooser_response_cb), widget, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
qr_page_open_dispose (GObject *object)
{
  QrPageOpen *self = QR_PAGE_OPEN (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), QR_TYPE_PAGE_OPEN);

  g_clear_object (&self->file);
  g_clear_object (&self->backup);

  G_OBJECT_CLASS (qr_page_open_parent_class)->dispose (object);
}

static void
qr_page_open_class_init (QrPageOpenClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  QrPageClass *page_class = QR_PAGE_CLASS (klass);

  object_class->dispose = qr_page_open_dispose;

  page_class->shown = qr_page_open_shown;
  page_class->apply_async = qr_page_open_apply_async;
  page_class->apply_finish = qr_page_open_apply_finish;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/qubesrescue/QubesRescue/ui/qr-page-open.ui");
  gtk_widget_class_bind_template_child (widget_class, QrPageOpen, choose_button);
  gtk_widget_class_bind_template_child (widget_class, QrPageOpen, opening_box);
  gtk_widget_class_bind_template_child (widget_class, QrPageOpen, error_view);

  gtk_widget_class_install_action (widget_class, "open.choose-folder", NULL, choose_folder_action);

  g_type_ensure (QR_TYPE_ERROR_VIEW);
}

static void
qr_page_open_init (QrPageOpen *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  qr_accessible_fix_names (GTK_WIDGET (self));
  qr_page_set_can_go_back (QR_PAGE (self), FALSE);
}

GtkWidget *
qr_page_open_new (void)
{
  return g_object_new (QR_TYPE_PAGE_OPEN, NULL);
}

GFile *
qr_page_open_get_file (QrPageOpen *self)
{
  g_return_val_if_fail (QR_IS_PAGE_OPEN (self), NULL);

  return self->file;
}

/* Choosing a file forgets the previous backup and any error about it. */
void
qr_page_open_set_file (QrPageOpen *self,
                       GFile      *file)
{
  g_return_if_fail (QR_IS_PAGE_OPEN (self));
  g_return_if_fail (!file || G_IS_FILE (file));

  g_set_object (&self->file, file);
  g_clear_object (&self->backup);
  qr_error_view_set_error (self->error_view, NULL);
  qr_page_set_complete (QR_PAGE (self), file != NULL);
}

QrBackup *
qr_page_open_get_backup (QrPageOpen *self)
{
  g_return_val_if_fail (QR_IS_PAGE_OPEN (self), NULL);

  return self->backup;
}

/* The title of the error shown in place, or NULL. */
const char *
qr_page_open_get_error_title (QrPageOpen *self)
{
  g_return_val_if_fail (QR_IS_PAGE_OPEN (self), NULL);

  return qr_error_view_get_title (self->error_view);
}
