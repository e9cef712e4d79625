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
#include "qr-window-private.h"

G_DEFINE_FINAL_TYPE (QrWindow, qr_window, ADW_TYPE_APPLICATION_WINDOW)

QrPage *
_qr_window_visible_page (QrWindow *self)
{
  return QR_PAGE (gtk_stack_get_visible_child (self->stack));
}

gboolean
_qr_window_is_running (QrWindow *self)
{
  return self->restore_cancellable != NULL;
}

void
_qr_window_update_actions (QrWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  QrPage *page = _qr_window_visible_page (self);
  gboolean running = _qr_window_is_running (self);
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
                                 !running && !self->applying && _qr_window_can_retry (self));
  gtk_widget_action_set_enabled (widget, "win.recover-damaged",
                                 page == QR_PAGE (self->done_page) && !running && !self->applying);
}

/* One place for everything in the header bar that depends on the page. */
void
_qr_window_update_navigation (QrWindow *self)
{
  QrPage *page = _qr_window_visible_page (self);
  const char *next_label = qr_page_get_next_label (page);

  /* The window list and screen readers name the window after the page. */
  gtk_window_set_title (GTK_WINDOW (self), qr_page_get_title (page));
  gtk_widget_set_visible (GTK_WIDGET (self->back_button),
                          qr_page_get_can_go_back (page) && !_qr_window_is_running (self));
  gtk_widget_set_visible (GTK_WIDGET (self->next_button), next_label != NULL);

  if (next_label != NULL)
    {
      gtk_button_set_label (self->next_button, next_label);
      qr_accessible_fix_names (GTK_WIDGET (self->next_button));
    }

  _qr_window_update_actions (self);
}

void
_qr_window_show_page (QrWindow *self,
                      QrPage   *page)
{
  GtkWidget *focus;

  gtk_stack_set_visible_child (self->stack, GTK_WIDGET (page));
  _qr_window_update_navigation (self);

  /* Each page puts the focus where its work starts; one with nothing to
   * do there leaves it to the forward button. */
  qr_page_shown (page);
  focus = gtk_root_get_focus (GTK_ROOT (self));
  if ((focus == NULL || !gtk_widget_is_ancestor (focus, GTK_WIDGET (page))) &&
      gtk_widget_get_visible (GTK_WIDGET (self->next_button)))
    gtk_widget_grab_focus (GTK_WIDGET (self->next_button));
}

void
_qr_window_reset_cancellable (QrWindow *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->applying = FALSE;
}

void
_qr_window_add_toast (QrWindow   *self,
                      const char *title)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (title));
}

static gboolean
drop_cb (QrWindow      *self,
         const GValue  *value,
         double         x,
         double         y,
         GtkDropTarget *target)
{
  GFile *file = NULL;

  if (_qr_window_is_running (self))
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
  if (page == _qr_window_visible_page (self))
    _qr_window_update_navigation (self);
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

  if (_qr_window_is_running (self))
    {
      _qr_window_confirm_cancel (self, TRUE);
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

/* Keyboard users see where the focus is from the start, on the first
 * row or button, not only after GTK has seen them press Tab; GTK hides it
 * whenever a window is mapped. */
static void
qr_window_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (qr_window_parent_class)->map (widget);

  gtk_window_set_focus_visible (GTK_WINDOW (widget), TRUE);
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
qr_window_class_init (QrWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = qr_window_dispose;

  widget_class->map = qr_window_map;

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

  _qr_window_class_actions_init (widget_class);

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

  qr_accessible_fix_names (GTK_WIDGET (self));

  load_settings (self);
  _qr_window_show_page (self, QR_PAGE (self->open_page));
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

  if (_qr_window_is_running (self))
    {
      _qr_window_add_toast (self, _("Finish or stop the current restore first"));
      return;
    }

  _qr_window_reset_cancellable (self);
  qr_page_open_set_file (self->open_page, file);
  _qr_window_show_page (self, QR_PAGE (self->open_page));
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

  return self->applying || _qr_window_is_running (self);
}
