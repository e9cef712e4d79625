/* qr-page-unlock.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "qr-error.h"
#include "qr-error-view.h"
#include "qr-page-unlock.h"

/* The passphrase step. The entry keeps the passphrase in GTK's
 * non-pageable password buffer; our own copy lives only while the engine
 * checks it and is wiped afterwards. */
struct _QrPageUnlock
{
  QrPage        parent_instance;

  /* Template children */
  AdwStatusPage *status_page;
  GtkEditable   *entry;
  GtkWidget     *checking_box;
  QrErrorView   *error_view;

  /* Owned */
  QrBackup      *backup;

  /* State */
  gboolean       checking;
};

G_DEFINE_FINAL_TYPE (QrPageUnlock, qr_page_unlock, QR_TYPE_PAGE)

static void
wipe_passphrase (char *passphrase)
{
  explicit_bzero (passphrase, strlen (passphrase));
  g_free (passphrase);
}

/* A backup of format 1, a folder, has no passphrase: it is unlocked as
 * soon as it is opened. */
static void
update_complete (QrPageUnlock *self)
{
  const char *text = gtk_editable_get_text (self->entry);

  qr_page_set_complete (QR_PAGE (self),
                        (self->backup != NULL && qr_backup_get_unlocked (self->backup)) ||
                        (self->backup != NULL && !self->checking && text[0] != '\0'));
}

static void
set_checking (QrPageUnlock *self,
              gboolean      checking)
{
  self->checking = checking;
  gtk_widget_set_visible (self->checking_box, checking);
  /* Read-only rather than insensitive, so that focus stays in the entry
   * for the next try. */
  gtk_editable_set_editable (self->entry, !checking);
  update_complete (self);
}

static void
entry_changed_cb (QrPageUnlock *self)
{
  update_complete (self);
}

static void
entry_activate_cb (QrPageUnlock *self)
{
  if (qr_page_get_complete (QR_PAGE (self)))
    gtk_widget_activate_action (GTK_WIDGET (self), "win.go-next", NULL);
}

static void
unlock_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  QrBackup *backup = QR_BACKUP (object);
  g_autoptr(GTask) task = user_data;
  QrPageUnlock *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  set_checking (self, FALSE);

  if (!qr_backup_unlock_finish (backup, result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          qr_error_view_set_error (self->error_view, error);

          /* Ready for another try without reaching for the mouse. */
          gtk_widget_grab_focus (GTK_WIDGET (self->entry));
          gtk_editable_select_region (self->entry, 0, -1);
        }

      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  gtk_editable_set_text (self->entry, "");
  g_task_return_boolean (task, TRUE);
}

static void
qr_page_unlock_apply_async (QrPage              *page,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  QrPageUnlock *self = QR_PAGE_UNLOCK (page);
  g_autoptr(GTask) task = NULL;
  char *passphrase;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qr_page_unlock_apply_async);

  if (qr_backup_get_unlocked (self->backup))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  passphrase = g_strdup (gtk_editable_get_text (self->entry));
  g_task_set_task_data (task, passphrase, (GDestroyNotify) wipe_passphrase);

  qr_error_view_set_error (self->error_view, NULL);
  set_checking (self, TRUE);

  qr_backup_unlock_async (self->backup, passphrase, NULL, cancellable,
                          unlock_cb, g_steal_pointer (&task));
}

static gboolean
qr_page_unlock_apply_finish (QrPage        *page,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, page), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
qr_page_unlock_shown (QrPage *page)
{
  QrPageUnlock *self = QR_PAGE_UNLOCK (page);

  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
}

static void
qr_page_unlock_dispose (GObject *object)
{
  QrPageUnlock *self = QR_PAGE_UNLOCK (object);

  /* The status page is the bin's own child: let AdwBin forget it before
   * the template unparents it, or AdwBin would unparent it again. */
  adw_bin_set_child (ADW_BIN (object), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), QR_TYPE_PAGE_UNLOCK);

  g_clear_object (&self->backup);

  G_OBJECT_CLASS (qr_page_unlock_parent_class)->dispose (object);
}

static void
qr_page_unlock_class_init (QrPageUnlockClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  QrPageClass *page_class = QR_PAGE_CLASS (klass);

  object_class->dispose = qr_page_unlock_dispose;

  page_class->shown = qr_page_unlock_shown;
  page_class->apply_async = qr_page_unlock_apply_async;
  page_class->apply_finish = qr_page_unlock_apply_finish;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/qubesrescue/QubesRescue/ui/qr-page-unlock.ui");
  gtk_widget_class_bind_template_child (widget_class, QrPageUnlock, status_page);
  gtk_widget_class_bind_template_child (widget_class, QrPageUnlock, entry);
  gtk_widget_class_bind_template_child (widget_class, QrPageUnlock, checking_box);
  gtk_widget_class_bind_template_child (widget_class, QrPageUnlock, error_view);
  gtk_widget_class_bind_template_callback (widget_class, entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_activate_cb);

  g_type_ensure (QR_TYPE_ERROR_VIEW);
}

static void
qr_page_unlock_init (QrPageUnlock *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
qr_page_unlock_new (void)
{
  return g_object_new (QR_TYPE_PAGE_UNLOCK, NULL);
}

QrBackup *
qr_page_unlock_get_backup (QrPageUnlock *self)
{
  g_return_val_if_fail (QR_IS_PAGE_UNLOCK (self), NULL);

  return self->backup;
}

static char *
describe_backup (QrBackup *backup)
{
  g_autofree char *basename = g_file_get_basename (qr_backup_get_file (backup));
  g_autofree char *size = g_format_size (qr_backup_get_size (backup));

  /* Translators: the first %s is the backup's file name, the second its size */
  return g_strdup_printf (_("“%s” (%s) is a Qubes OS backup. Type the passphrase that was "
                            "chosen when it was made."),
                          basename, size);
}

void
qr_page_unlock_set_backup (QrPageUnlock *self,
                           QrBackup     *backup)
{
  g_autofree char *description = NULL;

  g_return_if_fail (QR_IS_PAGE_UNLOCK (self));
  g_return_if_fail (!backup || QR_IS_BACKUP (backup));

  if (!g_set_object (&self->backup, backup))
    return;

  if (backup != NULL)
    description = describe_backup (backup);

  adw_status_page_set_description (self->status_page, description);
  gtk_editable_set_text (self->entry, "");
  qr_error_view_set_error (self->error_view, NULL);
  update_complete (self);
}

const char *
qr_page_unlock_get_error_title (QrPageUnlock *self)
{
  g_return_val_if_fail (QR_IS_PAGE_UNLOCK (self), NULL);

  return qr_error_view_get_title (self->error_view);
}
