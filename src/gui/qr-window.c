/* qr-window.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "qr-accessible.h"
#include "qr-application.h"
#include "qr-confirm.h"
#include "qr-eject-dialog.h"
#include "qr-page-choose.h"
#include "qr-page-done.h"
#include "qr-page-open.h"
#include "qr-page-restore.h"
#include "qr-page-unlock.h"
#include "qr-window.h"

/* The wizard. Pages say what they need through their properties; the
 * window moves between them, hands each one what the previous produced,
 * and runs the restore itself, because the restore outlives its page. */
struct _QrWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template children */
  GtkButton            *back_button;
  GtkButton            *next_button;
  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
  QrPageOpen           *open_page;
  QrPageUnlock         *unlock_page;
  QrPageChoose         *choose_page;
  QrPageRestore        *restore_page;
  QrPageDone           *done_page;

  /* Owned */
  GSettings            *settings;
  GCancellable         *cancellable;
  QrRestore            *restore;
  GCancellable         *restore_cancellable;
  QrMountTracker       *mount_tracker;

  /* State */
  guint                 inhibit_cookie;
  gboolean              applying;
  gboolean              close_asked;
  gboolean              close_after_cancel;
  gboolean              asking_eject;
  gboolean              eject_answered;
};

G_DEFINE_FINAL_TYPE (QrWindow, qr_window, ADW_TYPE_APPLICATION_WINDOW)

static QrPage *
visible_page (QrWindow *self)
{
  return QR_PAGE (gtk_stack_get_visible_child (self->stack));
}

static gboolean
is_running (QrWindow *self)
{
  return self->restore_cancellable != NULL;
}

/* The qubes of the last restore that are not restored yet. */
static GPtrArray *
dup_unfinished (QrWindow *self)
{
  GPtrArray *qubes = g_ptr_array_new_with_free_func (g_object_unref);
  GListModel *items;

  if (self->restore == NULL)
    return qubes;

  items = qr_restore_get_items (self->restore);
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (items, i);

      if (qr_restore_item_get_state (item) != QR_RESTORE_STATE_DONE)
        g_ptr_array_add (qubes, g_object_ref (qr_restore_item_get_qube (item)));
    }

  return qubes;
}

/* Trying again finishes the last restore in its own folder; once another
 * folder is chosen there is nothing of it to finish there. */
static gboolean
can_retry (QrWindow *self)
{
  g_autoptr(GPtrArray) unfinished = dup_unfinished (self);
  GFile *destination;

  if (unfinished->len == 0)
    return FALSE;

  destination = qr_restore_get_destination (self->restore);
  return destination == NULL ||
         g_file_equal (destination, qr_page_choose_get_destination (self->choose_page));
}

static void
update_actions (QrWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  QrPage *page = visible_page (self);
  gboolean running = is_running (self);
  gboolean complete = qr_page_get_complete (page);

  gtk_widget_action_set_enabled (widget, "win.go-back",
                                 qr_page_get_can_go_back (page) && !running);
  gtk_widget_action_set_enabled (widget, "win.go-next",
                                 complete && !self->applying && !running);
  gtk_widget_action_set_enabled (widget, "win.choose-file", !running);
  gtk_widget_action_set_enabled (widget, "win.verify-backup",
                                 page == QR_PAGE (self->choose_page) && complete && !running);
  gtk_widget_action_set_enabled (widget, "win.cancel-restore", running);
  gtk_widget_action_set_enabled (widget, "win.retry-restore",
                                 !running && !self->applying && can_retry (self));
}

/* One place for everything in the header bar that depends on the page. */
static void
update_navigation (QrWindow *self)
{
  QrPage *page = visible_page (self);
  const char *next_label = qr_page_get_next_label (page);

  /* The window list and screen readers name the window after the page. */
  gtk_window_set_title (GTK_WINDOW (self), qr_page_get_title (page));
  gtk_widget_set_visible (GTK_WIDGET (self->back_button),
                          qr_page_get_can_go_back (page) && !is_running (self));
  gtk_widget_set_visible (GTK_WIDGET (self->next_button), next_label != NULL);

  if (next_label != NULL)
    {
      gtk_button_set_label (self->next_button, next_label);
      qr_accessible_fix_mnemonics (GTK_WIDGET (self->next_button));
    }

  update_actions (self);
}

static void
show_page (QrWindow *self,
           QrPage   *page)
{
  GtkWidget *focus;

  gtk_stack_set_visible_child (self->stack, GTK_WIDGET (page));
  update_navigation (self);

  /* Each page puts the focus where its work starts; one with nothing to
   * do there leaves it to the forward button. */
  qr_page_shown (page);
  focus = gtk_root_get_focus (GTK_ROOT (self));
  if ((focus == NULL || !gtk_widget_is_ancestor (focus, GTK_WIDGET (page))) &&
      gtk_widget_get_visible (GTK_WIDGET (self->next_button)))
    gtk_widget_grab_focus (GTK_WIDGET (self->next_button));
}

static void
reset_cancellable (QrWindow *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->applying = FALSE;
}

static void
add_toast (QrWindow   *self,
           const char *title)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (title));
}

/* After a stop: the qubes that were finished stay, and where they are. */
static void
toast_stopped (QrWindow  *self,
               QrRestore *restore)
{
  g_autoptr(GPtrArray) unfinished = dup_unfinished (self);
  guint n_items = g_list_model_get_n_items (qr_restore_get_items (restore));
  guint n_done = n_items - unfinished->len;
  g_autofree char *folder = NULL;
  g_autofree char *title = NULL;
  AdwToast *toast;

  if (qr_restore_get_verify_only (restore))
    {
      add_toast (self, _("The check was stopped"));
      return;
    }

  if (n_done == 0)
    {
      add_toast (self, _("The restore was stopped and its unfinished files removed"));
      return;
    }

  folder = g_file_get_basename (qr_restore_get_destination (restore));
  /* Translators: %s is the name of the folder the qubes were restored into */
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

/* What the Done page lists: the qubes restored into the same folder by
 * earlier runs, then those of @restore. */
static GListModel *
dup_results (QrWindow  *self,
             QrRestore *restore)
{
  GListModel *finished = qr_page_choose_get_finished (self->choose_page);
  GListModel *items = qr_restore_get_items (restore);
  GListStore *results = g_list_store_new (QR_TYPE_RESTORE_ITEM);
  g_autoptr(GHashTable) current = g_hash_table_new (NULL, NULL);

  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (items, i);

      g_hash_table_add (current, qr_restore_item_get_qube (item));
    }

  for (guint i = 0; !qr_restore_get_verify_only (restore) &&
                    i < g_list_model_get_n_items (finished); i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (finished, i);

      if (!g_hash_table_contains (current, qr_restore_item_get_qube (item)))
        g_list_store_append (results, item);
    }

  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (items, i);

      g_list_store_append (results, item);
    }

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
      show_page (self, QR_PAGE (self->choose_page));
      toast_stopped (self, restore);
      return;
    }

  results = dup_results (self, restore);
  qr_page_done_set_result (self->done_page, restore, results, ok ? NULL : error);
  show_page (self, QR_PAGE (self->done_page));
}

static void
start_restore (QrWindow *self,
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

  g_set_object (&self->restore, restore);
  self->restore_cancellable = g_cancellable_new ();

  qr_page_restore_set_restore (self->restore_page, restore);
  show_page (self, QR_PAGE (self->restore_page));

  self->inhibit_cookie =
    gtk_application_inhibit (gtk_window_get_application (GTK_WINDOW (self)),
                             GTK_WINDOW (self),
                             GTK_APPLICATION_INHIBIT_SUSPEND | GTK_APPLICATION_INHIBIT_LOGOUT,
                             verify_only ? _("Checking a backup") : _("Restoring a backup"));

  qr_restore_run_async (restore, self->restore_cancellable, restore_cb, g_object_ref (self));
}

/* What comes after a page once it has applied. */
static void
advance (QrWindow *self,
         QrPage   *page)
{
  if (page == QR_PAGE (self->open_page))
    {
      qr_page_unlock_set_backup (self->unlock_page, qr_page_open_get_backup (self->open_page));
      show_page (self, QR_PAGE (self->unlock_page));
    }
  else if (page == QR_PAGE (self->unlock_page))
    {
      qr_page_choose_set_backup (self->choose_page, qr_page_unlock_get_backup (self->unlock_page));
      show_page (self, QR_PAGE (self->choose_page));
    }
  else if (page == QR_PAGE (self->choose_page))
    {
      start_restore (self, FALSE);
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
  if (!ok || page != visible_page (self))
    {
      update_navigation (self);
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
  QrPage *page = visible_page (self);

  if (self->applying || !qr_page_get_complete (page))
    return;

  self->applying = TRUE;
  update_actions (self);

  qr_page_apply_async (page, self->cancellable, apply_cb, g_object_ref (self));
}

static void
go_back_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  QrWindow *self = QR_WINDOW (widget);
  QrPage *page = visible_page (self);

  if (!qr_page_get_can_go_back (page) || is_running (self))
    return;

  reset_cancellable (self);

  /* Back from the qubes keeps the backup unlocked: going forward again
   * needs no passphrase. */
  if (page == QR_PAGE (self->done_page))
    show_page (self, QR_PAGE (self->choose_page));
  else if (page == QR_PAGE (self->choose_page))
    show_page (self, QR_PAGE (self->unlock_page));
  else
    show_page (self, QR_PAGE (self->open_page));
}

static void
verify_backup_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  QrWindow *self = QR_WINDOW (widget);

  if (visible_page (self) != QR_PAGE (self->choose_page) || is_running (self))
    return;

  start_restore (self, TRUE);
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

  if (is_running (self) || self->applying || !can_retry (self))
    return;

  verify_only = qr_restore_get_verify_only (self->restore);
  unfinished = dup_unfinished (self);
  qr_page_choose_set_selection (self->choose_page, unfinished);

  reset_cancellable (self);
  show_page (self, QR_PAGE (self->choose_page));

  if (verify_only)
    start_restore (self, TRUE);
  else
    gtk_widget_activate_action (widget, "win.go-next", NULL);
}

static void
confirm_cancel_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(QrWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!qr_confirm_finish (result, &error) || !is_running (self))
    return;

  self->close_after_cancel = self->close_asked;
  g_cancellable_cancel (self->restore_cancellable);
}

static void
confirm_cancel (QrWindow *self,
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

static void
cancel_restore_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  QrWindow *self = QR_WINDOW (widget);

  if (is_running (self))
    confirm_cancel (self, FALSE);
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

static gboolean
drop_cb (QrWindow      *self,
         const GValue  *value,
         double         x,
         double         y,
         GtkDropTarget *target)
{
  GFile *file = NULL;

  if (is_running (self))
    return FALSE;

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *files = g_value_get_boxed (value);

      if (files != NULL)
        file = files->data;
    }
  else if (G_VALUE_HOLDS (value, G_TYPE_FILE))
    {
      file = g_value_get_object (value);
    }

  if (file == NULL)
    return FALSE;

  qr_window_open_file (self, file);
  return TRUE;
}

static void
page_changed_cb (QrWindow   *self,
                 GParamSpec *pspec,
                 QrPage     *page)
{
  if (page == visible_page (self))
    update_navigation (self);
}

static void
save_window_state (QrWindow *self)
{
  int width;
  int height;

  if (self->settings == NULL)
    return;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
}

static void
load_settings (QrWindow *self)
{
  g_autofree char *last_destination = NULL;

  self->settings = qr_application_dup_settings ();
  if (self->settings == NULL)
    return;

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  last_destination = g_settings_get_string (self->settings, "last-destination");
  if (last_destination != NULL && last_destination[0] != '\0' &&
      g_file_test (last_destination, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GFile) folder = g_file_new_for_path (last_destination);

      qr_page_choose_set_parent_folder (self->choose_page, folder);
    }
}

static void
eject_dialog_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(QrWindow) self = user_data;

  self->asking_eject = FALSE;
  if (!qr_eject_dialog_run_finish (result, NULL))
    return;

  self->eject_answered = TRUE;
  gtk_window_close (GTK_WINDOW (self));
}

static gboolean
qr_window_close_request (GtkWindow *window)
{
  QrWindow *self = QR_WINDOW (window);

  if (is_running (self))
    {
      confirm_cancel (self, TRUE);
      return TRUE;
    }

  /* Restored images opened with "Open Files" stay attached to the
   * computer until they are ejected. */
  if (self->asking_eject)
    return TRUE;
  if (!self->eject_answered && qr_mount_tracker_get_n_mounted (self->mount_tracker) > 0)
    {
      self->asking_eject = TRUE;
      qr_eject_dialog_run_async (window, self->mount_tracker, self->cancellable,
                                 eject_dialog_cb, g_object_ref (self));
      return TRUE;
    }

  save_window_state (self);

  return GTK_WINDOW_CLASS (qr_window_parent_class)->close_request (window);
}

static void
qr_window_dispose (GObject *object)
{
  QrWindow *self = QR_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->restore_cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), QR_TYPE_WINDOW);

  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->restore);
  g_clear_object (&self->restore_cancellable);
  g_clear_object (&self->mount_tracker);

  G_OBJECT_CLASS (qr_window_parent_class)->dispose (object);
}

static void
qr_window_class_actions_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.go-back", NULL, go_back_action);
  gtk_widget_class_install_action (widget_class, "win.go-next", NULL, go_next_action);
  gtk_widget_class_install_action (widget_class, "win.choose-file", NULL, choose_file_action);
  gtk_widget_class_install_action (widget_class, "win.verify-backup", NULL, verify_backup_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-restore", NULL,
                                   cancel_restore_action);
  gtk_widget_class_install_action (widget_class, "win.retry-restore", NULL,
                                   retry_restore_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK,
                                       "win.go-back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK,
                                       "win.choose-file", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK,
                                       "window.close", NULL);
}

static void
qr_window_class_init (QrWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = qr_window_dispose;

  window_class->close_request = qr_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/qubesrescue/QubesRescue/ui/qr-window.ui");
  gtk_widget_class_bind_template_child (widget_class, QrWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, QrWindow, next_button);
  gtk_widget_class_bind_template_child (widget_class, QrWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, QrWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, QrWindow, open_page);
  gtk_widget_class_bind_template_child (widget_class, QrWindow, unlock_page);
  gtk_widget_class_bind_template_child (widget_class, QrWindow, choose_page);
  gtk_widget_class_bind_template_child (widget_class, QrWindow, restore_page);
  gtk_widget_class_bind_template_child (widget_class, QrWindow, done_page);

  qr_window_class_actions_init (widget_class);

  g_type_ensure (QR_TYPE_PAGE_OPEN);
  g_type_ensure (QR_TYPE_PAGE_UNLOCK);
  g_type_ensure (QR_TYPE_PAGE_CHOOSE);
  g_type_ensure (QR_TYPE_PAGE_RESTORE);
  g_type_ensure (QR_TYPE_PAGE_DONE);
}

static void
qr_window_init (QrWindow *self)
{
  GtkDropTarget *target;
  GType drop_types[] = { GDK_TYPE_FILE_LIST, G_TYPE_FILE };

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->mount_tracker = qr_mount_tracker_new ();
  qr_page_done_set_mount_tracker (self->done_page, self->mount_tracker);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->stack));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      static const char * const signals[] = {
        "notify::title", "notify::next-label", "notify::complete", "notify::can-go-back",
      };

      for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
        g_signal_connect_object (child, signals[i],
                                 G_CALLBACK (page_changed_cb), self, G_CONNECT_SWAPPED);
    }

  target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (target, drop_types, G_N_ELEMENTS (drop_types));
  g_signal_connect_object (target, "drop", G_CALLBACK (drop_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));

  /* Keyboard users see where the focus is from the first key press on,
   * not only after GTK has seen them use the arrow keys. */
  gtk_window_set_focus_visible (GTK_WINDOW (self), TRUE);
  qr_accessible_fix_mnemonics (GTK_WIDGET (self));

  load_settings (self);
  show_page (self, QR_PAGE (self->open_page));
}

QrWindow *
qr_window_new (GtkApplication *application)
{
  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);

  return g_object_new (QR_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

/* Opens @file as the backup to restore, from the file chooser, a drop,
 * the command line or the file manager. */
void
qr_window_open_file (QrWindow *self,
                     GFile    *file)
{
  g_return_if_fail (QR_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  if (is_running (self))
    {
      add_toast (self, _("Finish or stop the current restore first"));
      return;
    }

  reset_cancellable (self);
  qr_page_open_set_file (self->open_page, file);
  show_page (self, QR_PAGE (self->open_page));
  gtk_widget_activate_action (GTK_WIDGET (self), "win.go-next", NULL);
}

GtkWidget *
qr_window_get_visible_page (QrWindow *self)
{
  g_return_val_if_fail (QR_IS_WINDOW (self), NULL);

  return gtk_stack_get_visible_child (self->stack);
}

const char *
qr_window_get_visible_page_name (QrWindow *self)
{
  g_return_val_if_fail (QR_IS_WINDOW (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

/* Whether a page is being applied or a restore runs. */
gboolean
qr_window_get_busy (QrWindow *self)
{
  g_return_val_if_fail (QR_IS_WINDOW (self), FALSE);

  return self->applying || is_running (self);
}
