/* qr-window-restore.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "qr-confirm.h"
#include "qr-window-private.h"

/* Running a restore or a check: the window runs it rather than the
 * Restore page, because it outlives the page; stopping it, trying again
 * what it did not finish, recovering what can be read of damaged qubes,
 * and what the Done page is given. */

/* The qubes of the last restore that are not restored yet. One partly
 * recovered is as restored as it can be. */
GPtrArray *
_qr_window_dup_unfinished (QrWindow *self)
{
  GPtrArray *qubes = g_ptr_array_new_with_free_func (g_object_unref);
  GListModel *items;

  if (self->restore == NULL)
    return qubes;

  items = qr_restore_get_items (self->restore);
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (items, i);

      QrRestoreState state = qr_restore_item_get_state (item);

      if (state != QR_RESTORE_STATE_DONE && state != QR_RESTORE_STATE_PARTIAL)
        g_ptr_array_add (qubes, g_object_ref (qr_restore_item_get_qube (item)));
    }

  return qubes;
}

/* Trying again finishes the last restore in its own folder; once another
 * folder is chosen there is nothing of it to finish there. */
gboolean
_qr_window_can_retry (QrWindow *self)
{
  g_autoptr(GPtrArray) unfinished = _qr_window_dup_unfinished (self);
  GFile *destination;

  if (unfinished->len == 0)
    return FALSE;

  destination = qr_restore_get_destination (self->restore);
  return destination == NULL ||
         g_file_equal (destination, qr_page_choose_get_destination (self->choose_page));
}

/* After a stop: the qubes that were finished stay, and where they are. */
static void
toast_stopped (QrWindow  *self,
               QrRestore *restore)
{
  g_autoptr(GPtrArray) unfinished = _qr_window_dup_unfinished (self);
  guint n_items = g_list_model_get_n_items (qr_restore_get_items (restore));
  guint n_done = n_items - unfinished->len;
  g_autofree char *folder = NULL;
  g_autofree char *title = NULL;
  AdwToast *toast;

  if (qr_restore_get_verify_only (restore))
    {
      _qr_window_add_toast (self, _("The check was stopped"));
      return;
    }

  if (n_done == 0)
    {
      _qr_window_add_toast (self, _("The restore was stopped and its unfinished files removed"));
      return;
    }

  folder = g_file_get_basename (qr_restore_get_destination (restore));
  /* Translators: a number of qubes, then the name of the folder they are in */
  title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                        "Stopped. %u finished qube is kept in “%s”",
                                        "Stopped. %u finished qubes are kept in “%s”",
                                        n_done),
                           n_done, folder);

  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Try Again"));
  adw_toast_set_action_name (toast, "win.retry-restore");
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
save_last_destination (QrWindow *self)
{
  g_autofree char *path = NULL;

  if (self->settings == NULL)
    return;

  path = g_file_get_path (qr_page_choose_get_parent_folder (self->choose_page));
  if (path != NULL)
    g_settings_set_string (self->settings, "last-destination", path);
}

/* After recovering some damaged qubes, the qubes the Done page listed as
 * failed that were not among them are still failed, and still listed
 * with what to do. */
static void
append_still_failed (QrWindow   *self,
                     GListStore *results,
                     GHashTable *listed)
{
  GListModel *shown = qr_page_done_get_results (self->done_page);

  for (guint i = 0; shown != NULL && i < g_list_model_get_n_items (shown); i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (shown, i);
      QrRestoreState state = qr_restore_item_get_state (item);

      if (state != QR_RESTORE_STATE_DONE && state != QR_RESTORE_STATE_PARTIAL &&
          !g_hash_table_contains (listed, qr_restore_item_get_qube (item)))
        g_list_store_append (results, item);
    }
}

/* What the Done page lists: the qubes restored into the same folder by
 * earlier runs, then those of @restore. */
static GListModel *
dup_results (QrWindow  *self,
             QrRestore *restore)
{
  GListModel *finished = qr_page_choose_get_finished (self->choose_page);
  GListModel *items = qr_restore_get_items (restore);
  GListStore *results = g_list_store_new (QR_TYPE_RESTORE_ITEM);
  g_autoptr(GHashTable) listed = g_hash_table_new (NULL, NULL);

  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (items, i);

      g_hash_table_add (listed, qr_restore_item_get_qube (item));
    }

  for (guint i = 0; !qr_restore_get_verify_only (restore) &&
                    i < g_list_model_get_n_items (finished); i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (finished, i);

      if (g_hash_table_add (listed, qr_restore_item_get_qube (item)))
        g_list_store_append (results, item);
    }

  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (items, i);

      g_list_store_append (results, item);
    }

  if (qr_restore_get_salvage (restore))
    append_still_failed (self, results, listed);

  return G_LIST_MODEL (results);
}

static void
restore_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  QrRestore *restore = QR_RESTORE (object);
  g_autoptr(QrWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) results = NULL;
  gboolean ok;

  ok = qr_restore_run_finish (restore, result, &error);

  g_clear_object (&self->restore_cancellable);
  if (self->inhibit_cookie != 0)
    {
      gtk_application_uninhibit (gtk_window_get_application (GTK_WINDOW (self)),
                                 self->inhibit_cookie);
      self->inhibit_cookie = 0;
    }

  if (self->close_after_cancel)
    {
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }

  /* What was restored stays, and restoring again leaves it be. */
  qr_page_choose_add_finished (self->choose_page, restore);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      _qr_window_show_page (self, QR_PAGE (self->choose_page));
      toast_stopped (self, restore);
      return;
    }

  results = dup_results (self, restore);
  qr_page_done_set_result (self->done_page, restore, results, ok ? NULL : error);
  _qr_window_show_page (self, QR_PAGE (self->done_page));
}

static void
run_restore (QrWindow  *self,
             QrRestore *restore)
{
  gboolean verify_only = qr_restore_get_verify_only (restore);

  g_set_object (&self->restore, restore);
  self->restore_cancellable = g_cancellable_new ();

  qr_page_restore_set_restore (self->restore_page, restore);
  _qr_window_show_page (self, QR_PAGE (self->restore_page));

  self->inhibit_cookie =
    gtk_application_inhibit (gtk_window_get_application (GTK_WINDOW (self)),
                             GTK_WINDOW (self),
                             GTK_APPLICATION_INHIBIT_SUSPEND | GTK_APPLICATION_INHIBIT_LOGOUT,
                             verify_only ? _("Checking a backup") : _("Restoring a backup"));

  qr_restore_run_async (restore, self->restore_cancellable, restore_cb, g_object_ref (self));
}

void
_qr_window_start_restore (QrWindow *self,
                          gboolean  verify_only)
{
  g_autoptr(GPtrArray) selection = qr_page_choose_dup_selection (self->choose_page);
  QrBackup *backup = qr_page_choose_get_backup (self->choose_page);
  GFile *destination = NULL;
  g_autoptr(QrRestore) restore = NULL;

  if (!verify_only)
    {
      destination = qr_page_choose_get_destination (self->choose_page);
      save_last_destination (self);
    }

  restore = qr_restore_new (backup, destination);
  for (guint i = 0; i < selection->len; i++)
    qr_restore_select (restore, g_ptr_array_index (selection, i));

  run_restore (self, restore);
}

/* Restores what can be read of the damaged @qubes, into the folder the
 * Choose page holds: the one the last restore went into, or, after a
 * check, the one it would have. Qubes already there are not touched. */
void
_qr_window_start_salvage (QrWindow  *self,
                          GPtrArray *qubes)
{
  QrBackup *backup = qr_page_choose_get_backup (self->choose_page);
  GFile *destination = qr_page_choose_get_destination (self->choose_page);
  g_autoptr(QrRestore) restore = qr_restore_new (backup, destination);

  save_last_destination (self);
  qr_restore_set_salvage (restore, TRUE);
  for (guint i = 0; i < qubes->len; i++)
    qr_restore_select (restore, g_ptr_array_index (qubes, i));

  run_restore (self, restore);
}

static void
confirm_cancel_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(QrWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!qr_confirm_finish (result, &error) || !_qr_window_is_running (self))
    return;

  self->close_after_cancel = self->close_asked;
  g_cancellable_cancel (self->restore_cancellable);
}

void
_qr_window_confirm_cancel (QrWindow *self,
                           gboolean  close_after)
{
  gboolean verify_only = qr_restore_get_verify_only (self->restore);

  self->close_asked = close_after;
  qr_confirm_async (GTK_WINDOW (self),
                    verify_only ? _("Stop Checking?") : _("Stop Restoring?"),
                    verify_only
                      ? _("The check is not finished. You can start it again later.")
                      : _("Files that are not finished will be removed. Qubes that are "
                          "already restored are kept. You can restore again later."),
                    verify_only ? _("_Keep Checking") : _("_Keep Restoring"),
                    close_after ? _("_Stop and Close") : _("_Stop"),
                    self->restore_cancellable,
                    confirm_cancel_cb,
                    g_object_ref (self));
}
