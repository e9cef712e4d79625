/* qr-window-actions.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "qr-window-private.h"

/* The window's actions: moving between the pages, starting, stopping and
 * retrying a restore, recovering damaged qubes, and choosing the backup
 * file. */

/* What comes after a page once it has applied. */
static void
advance (QrWindow *self,
         QrPage   *page)
{
  if (page == QR_PAGE (self->open_page))
    {
      qr_page_unlock_set_backup (self->unlock_page, qr_page_open_get_backup (self->open_page));
      _qr_window_show_page (self, QR_PAGE (self->unlock_page));
    }
  else if (page == QR_PAGE (self->unlock_page))
    {
      qr_page_choose_set_backup (self->choose_page, qr_page_unlock_get_backup (self->unlock_page));
      _qr_window_show_page (self, QR_PAGE (self->choose_page));
    }
  else if (page == QR_PAGE (self->choose_page))
    {
      _qr_window_start_restore (self, FALSE);
    }
}

static void
apply_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  QrPage *page = QR_PAGE (object);
  g_autoptr(QrWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = qr_page_apply_finish (page, result, &error);

  /* Going back while a page applied cancels it and moves on without us. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->applying = FALSE;

  /* A page that refuses has said why in place. */
  if (!ok || page != _qr_window_visible_page (self))
    {
      _qr_window_update_navigation (self);
      return;
    }

  advance (self, page);
}

static void
go_next_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  QrWindow *self = QR_WINDOW (widget);
  QrPage *page = _qr_window_visible_page (self);

  if (self->applying || !qr_page_get_complete (page))
    return;

  self->applying = TRUE;
  _qr_window_update_actions (self);

  qr_page_apply_async (page, self->cancellable, apply_cb, g_object_ref (self));
}

static void
go_back_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  QrWindow *self = QR_WINDOW (widget);
  QrPage *page = _qr_window_visible_page (self);

  if (!qr_page_get_can_go_back (page) || _qr_window_is_running (self))
    return;

  _qr_window_reset_cancellable (self);

  /* Back from the qubes keeps the backup unlocked: going forward again
   * needs no passphrase. */
  if (page == QR_PAGE (self->done_page))
    _qr_window_show_page (self, QR_PAGE (self->choose_page));
  else if (page == QR_PAGE (self->choose_page))
    _qr_window_show_page (self, QR_PAGE (self->unlock_page));
  else
    _qr_window_show_page (self, QR_PAGE (self->open_page));
}

static void
verify_backup_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  QrWindow *self = QR_WINDOW (widget);

  if (_qr_window_visible_page (self) != QR_PAGE (self->choose_page) || _qr_window_is_running (self))
    return;

  _qr_window_start_restore (self, TRUE);
}

/* Restores, or checks, what the last run did not finish, into the same
 * folder: the qubes it finished are kept there and not touched again. */
static void
retry_restore_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  QrWindow *self = QR_WINDOW (widget);
  g_autoptr(GPtrArray) unfinished = NULL;
  gboolean verify_only;

  if (_qr_window_is_running (self) || self->applying || !_qr_window_can_retry (self))
    return;

  verify_only = qr_restore_get_verify_only (self->restore);
  unfinished = _qr_window_dup_unfinished (self);
  _qr_window_reset_cancellable (self);

  /* What a recovery did not finish (the disk filled up, say) is tried
   * again as a recovery: a strict restore would only meet the damage. */
  if (qr_restore_get_salvage (self->restore))
    {
      _qr_window_start_salvage (self, unfinished);
      return;
    }

  qr_page_choose_set_selection (self->choose_page, unfinished);
  _qr_window_show_page (self, QR_PAGE (self->choose_page));

  if (verify_only)
    _qr_window_start_restore (self, TRUE);
  else
    gtk_widget_activate_action (widget, "win.go-next", NULL);
}

/* "Recover What Can Be Read" of the damaged qube named @param on the Done
 * page, or of all of them with an empty name. */
static void
recover_damaged_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *param)
{
  QrWindow *self = QR_WINDOW (widget);
  const char *name = g_variant_get_string (param, NULL);
  g_autoptr(GPtrArray) recoverable = NULL;
  g_autoptr(GPtrArray) qubes = g_ptr_array_new_with_free_func (g_object_unref);

  if (_qr_window_is_running (self) || self->applying ||
      _qr_window_visible_page (self) != QR_PAGE (self->done_page))
    return;

  recoverable = qr_page_done_dup_recoverable (self->done_page);
  for (guint i = 0; i < recoverable->len; i++)
    {
      QrQube *qube = g_ptr_array_index (recoverable, i);

      if (name[0] == '\0' || g_str_equal (qr_qube_get_name (qube), name))
        g_ptr_array_add (qubes, g_object_ref (qube));
    }

  if (qubes->len == 0)
    return;

  _qr_window_reset_cancellable (self);
  _qr_window_start_salvage (self, qubes);
}

static void
cancel_restore_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  QrWindow *self = QR_WINDOW (widget);

  if (_qr_window_is_running (self))
    _qr_window_confirm_cancel (self, FALSE);
}

static void
file_chooser_response_cb (QrWindow             *self,
                          int                   response,
                          GtkFileChooserNative *native)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));

      if (file != NULL)
        qr_window_open_file (self, file);
    }

  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (native));
  g_object_unref (native);
}

/* Backups are found by their content type, which the program installs,
 * and by the names the Qubes backup tool gives; a renamed copy on a disk
 * where content types are not known still shows under "All Files". */
static void
add_filters (GtkFileChooser *chooser)
{
  g_autoptr(GtkFileFilter) backups = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  gtk_file_filter_set_name (backups, _("Qubes Backups"));
  gtk_file_filter_add_mime_type (backups, "application/x-qubes-backup");
  gtk_file_filter_add_pattern (backups, "qubes-backup-*");
  gtk_file_filter_add_pattern (backups, "qubes-20*");

  gtk_file_filter_set_name (all, _("All Files"));
  gtk_file_filter_add_pattern (all, "*");

  gtk_file_chooser_add_filter (chooser, backups);
  gtk_file_chooser_add_filter (chooser, all);
  gtk_file_chooser_set_filter (chooser, backups);
}

static void
choose_file_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  QrWindow *self = QR_WINDOW (widget);
  GtkFileChooserNative *native;

  native = gtk_file_chooser_native_new (_("Choose a Qubes Backup"),
                                        GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN,
                                        _("_Open"),
                                        _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  add_filters (GTK_FILE_CHOOSER (native));

  g_signal_connect_object (native, "response",
                           G_CALLBACK (file_chooser_response_cb), self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

void
_qr_window_class_actions_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.go-back", NULL, go_back_action);
  gtk_widget_class_install_action (widget_class, "win.go-next", NULL, go_next_action);
  gtk_widget_class_install_action (widget_class, "win.choose-file", NULL, choose_file_action);
  gtk_widget_class_install_action (widget_class, "win.verify-backup", NULL, verify_backup_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-restore", NULL,
                                   cancel_restore_action);
  gtk_widget_class_install_action (widget_class, "win.retry-restore", NULL,
                                   retry_restore_action);
  gtk_widget_class_install_action (widget_class, "win.recover-damaged", "s",
                                   recover_damaged_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK,
                                       "win.go-back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK,
                                       "win.choose-file", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK,
                                       "window.close", NULL);
}
