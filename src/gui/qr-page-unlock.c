/* qr-page-unlock.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "qr-confirm.h"
#include "qr-error.h"
#include "qr-error-text.h"
#include "qr-error-view.h"
#include "qr-format.h"
#include "qr-page-unlock.h"

/* The passphrase step. The entry keeps the passphrase in GTK's
 * non-pageable password buffer; our own copy lives only while the engine
 * checks it and is wiped afterwards. */
struct _QrPageUnlock
{
  QrPage        parent_instance;

  /* Template children */
  AdwStatusPage *status_page;
  GtkWidget     *passphrase_box;
  GtkEditable   *entry;
  GtkLabel      *privacy_label;
  GtkWidget     *checking_box;
  QrErrorView   *error_view;

  /* Owned */
  QrBackup      *backup;
  /* Derives the keys of the backup: its work limit is raised only when the
   * user says so. */
  QrKdfPool     *pool;

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

static gboolean
is_unlocked (QrPageUnlock *self)
{
  return self->backup != NULL && qr_backup_get_unlocked (self->backup);
}

static void
update_complete (QrPageUnlock *self)
{
  const char *text = gtk_editable_get_text (self->entry);

  qr_page_set_complete (QR_PAGE (self),
                        is_unlocked (self) ||
                        (self->backup != NULL && !self->checking && text[0] != '\0'));
}

static char *
describe_backup (QrBackup *backup)
{
  g_autofree char *basename = g_file_get_basename (qr_backup_get_file (backup));
  g_autofree char *size = g_format_size (qr_backup_get_size (backup));

  if (qr_backup_get_unlocked (backup))
    /* Translators: the first %s is the backup's file name, the second its size */
    return g_strdup_printf (_("“%s” (%s) is unlocked. Continue to choose what to restore."),
                            basename, size);

  /* Translators: the first %s is the backup's file name, the second its size */
  return g_strdup_printf (_("“%s” (%s) is a Qubes OS backup. Type the passphrase that was "
                            "chosen when it was made."),
                          basename, size);
}

/* Coming back from the qubes, the backup is still unlocked: the page says
 * so and moves on without asking for the passphrase again. */
static void
update_unlocked (QrPageUnlock *self)
{
  gboolean unlocked = is_unlocked (self);
  g_autofree char *description = NULL;

  if (self->backup != NULL)
    description = describe_backup (self->backup);

  adw_status_page_set_description (self->status_page, description);
  adw_status_page_set_title (self->status_page,
                             unlocked ? _("Your Backup Is Unlocked")
                                      : _("Your Backup Is Ready to Unlock"));
  gtk_widget_set_visible (self->passphrase_box, !unlocked);
  qr_page_set_next_label (QR_PAGE (self), unlocked ? _("_Continue") : _("_Unlock"));
  update_complete (self);
}

/* A wrong passphrase marks the entry invalid and says why in its
 * description; the focus stays in it for the next try, and screen readers
 * speak a change of the focused entry's description. */
static void
show_error (QrPageUnlock *self,
            const GError *error)
{
  g_autofree char *description = NULL;
  QrErrorText text;

  qr_error_view_set_error (self->error_view, error);

  /* Without an error, the entry is described by what the page says
   * around it, since the focus goes straight to it. */
  if (error == NULL)
    {
      const char *page_text = adw_status_page_get_description (self->status_page);

      description = g_strdup_printf ("%s %s", page_text != NULL ? page_text : "",
                                     gtk_label_get_label (self->privacy_label));
      gtk_accessible_reset_state (GTK_ACCESSIBLE (self->entry), GTK_ACCESSIBLE_STATE_INVALID);
      gtk_accessible_update_relation (GTK_ACCESSIBLE (self->entry),
                                      GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, self->privacy_label, NULL,
                                      -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->entry),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, g_strstrip (description),
                                      -1);
      return;
    }

  qr_error_text_lookup (error, &text);
  description = g_strdup_printf ("%s. %s", text.title, text.body);

  gtk_accessible_update_state (GTK_ACCESSIBLE (self->entry),
                               GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE,
                               -1);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->entry),
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, self->error_view, NULL,
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->entry),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
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

static void start_unlock (GTask *task);

static void
fail_unlock (GTask  *task,
             GError *error)
{
  QrPageUnlock *self = g_task_get_source_object (task);

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      show_error (self, error);

      /* Ready for another try without reaching for the mouse. */
      gtk_widget_grab_focus (GTK_WIDGET (self->entry));
      gtk_editable_select_region (self->entry, 0, -1);
    }

  g_task_return_error (task, error);
}

static void
confirm_long_unlock_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  QrPageUnlock *self = g_task_get_source_object (task);
  GError *refusal = g_object_get_data (G_OBJECT (task), "refusal");
  g_autoptr(GError) error = NULL;

  if (!qr_confirm_finish (result, &error))
    {
      fail_unlock (task, error != NULL ? g_steal_pointer (&error) : g_error_copy (refusal));
      return;
    }

  /* Some room above the estimate, which is measured, not exact. */
  qr_kdf_pool_set_max_seconds (self->pool, 2 * qr_kdf_pool_get_refused_seconds (self->pool));
  start_unlock (g_steal_pointer (&task));
}

/* A real Qubes backup needs seconds per key; one that asks for far more is
 * most likely damaged, but it is the user's data and the user's time. */
static void
confirm_long_unlock (GTask  *task,
                     GError *refusal)
{
  QrPageUnlock *self = g_task_get_source_object (task);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *duration = qr_format_duration (qr_kdf_pool_get_refused_seconds (self->pool));
  g_autofree char *body = NULL;

  /* Translators: %s is like "about 3 hours". */
  body = g_strdup_printf (_("Unlocking it would take %s of work per key on this computer, and "
                            "restoring needs a key for every part of the backup. Qubes backups "
                            "usually need a few seconds per key, so this file is most likely "
                            "damaged. Try another copy of the backup first if you have one."),
                          duration);
  g_object_set_data_full (G_OBJECT (task), "refusal", refusal, (GDestroyNotify) g_error_free);
  qr_confirm_async (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                    _("This Backup Needs Much Longer Than Usual"), body,
                    _("_Cancel"), _("_Continue Anyway"),
                    g_task_get_cancellable (task), confirm_long_unlock_cb, task);
}

static void
unlock_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  QrBackup *backup = QR_BACKUP (object);
  g_autoptr(GTask) task = user_data;
  QrPageUnlock *self = g_task_get_source_object (task);
  GError *error = NULL;

  set_checking (self, FALSE);

  if (qr_backup_unlock_finish (backup, result, &error))
    {
      gtk_editable_set_text (self->entry, "");
      update_unlocked (self);
      g_task_return_boolean (task, TRUE);
    }
  else if (g_error_matches (error, QR_ERROR, QR_ERROR_KDF_LIMIT) &&
           qr_kdf_pool_get_refused_seconds (self->pool) > 0)
    confirm_long_unlock (g_steal_pointer (&task), error);
  else
    fail_unlock (task, error);
}

static void
start_unlock (GTask *task)
{
  QrPageUnlock *self = g_task_get_source_object (task);

  show_error (self, NULL);
  set_checking (self, TRUE);
  qr_backup_unlock_async (self->backup, g_task_get_task_data (task), self->pool,
                          g_task_get_cancellable (task), unlock_cb, task);
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

  if (is_unlocked (self))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  passphrase = g_strdup (gtk_editable_get_text (self->entry));
  g_task_set_task_data (task, passphrase, (GDestroyNotify) wipe_passphrase);
  start_unlock (g_steal_pointer (&task));
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

  update_unlocked (self);

  /* An unlocked backup has nothing to type: the window's Continue button
   * takes the focus. */
  if (!is_unlocked (self))
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
  g_clear_object (&self->pool);

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
  gtk_widget_class_bind_template_child (widget_class, QrPageUnlock, passphrase_box);
  gtk_widget_class_bind_template_child (widget_class, QrPageUnlock, entry);
  gtk_widget_class_bind_template_child (widget_class, QrPageUnlock, privacy_label);
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

void
qr_page_unlock_set_backup (QrPageUnlock *self,
                           QrBackup     *backup)
{
  g_return_if_fail (QR_IS_PAGE_UNLOCK (self));
  g_return_if_fail (!backup || QR_IS_BACKUP (backup));

  if (!g_set_object (&self->backup, backup))
    return;

  /* Each backup starts from the default work limit. */
  g_clear_object (&self->pool);
  self->pool = qr_kdf_pool_new (0, 0);

  gtk_editable_set_text (self->entry, "");
  update_unlocked (self);
  show_error (self, NULL);
}

const char *
qr_page_unlock_get_error_title (QrPageUnlock *self)
{
  g_return_val_if_fail (QR_IS_PAGE_UNLOCK (self), NULL);

  return qr_error_view_get_title (self->error_view);
}
