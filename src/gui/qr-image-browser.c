/* qr-image-browser.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "qr-image-browser-private.h"
#include "qr-image-entry.h"
#include "qr-image-entry-factory.h"
#include "qr-mount-files.h"

/* "Copy Files…": the files of a qube's disk image, read in our own
 * process, to choose from and copy into a folder of the user's. It needs
 * no mount, no udisks and no particular account, which is why it is the
 * way that always works.
 *
 * Of a partly recovered image, damaged files are marked as such and left
 * out of a copy unless the user asks for them too.
 *
 * Keyboard: the arrows move in the list, Enter opens a folder, Space
 * chooses the file or folder under the cursor, Ctrl+A chooses all,
 * Backspace or Alt+Up goes up, Alt+D also copies damaged files, Escape
 * closes. */

G_DEFINE_FINAL_TYPE (QrImageBrowser, qr_image_browser, ADW_TYPE_WINDOW)

/* Choosing */

static void
update_chosen (QrImageBrowser *self)
{
  guint n = g_hash_table_size (self->chosen);
  g_autofree char *text = NULL;

  if (n == 0)
    text = g_strdup (_("Choose files and folders with Space, then copy them."));
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u item chosen", "%u items chosen", n), n);

  gtk_label_set_label (self->chosen_label, text);
  _qr_image_browser_update_actions (self);
}

static void
entry_checked_cb (QrImageEntry   *entry,
                  GParamSpec     *pspec,
                  QrImageBrowser *self)
{
  const char *path = qr_image_entry_get_path (entry);

  if (qr_image_entry_get_checked (entry))
    g_hash_table_add (self->chosen, g_strdup (path));
  else
    g_hash_table_remove (self->chosen, path);

  update_chosen (self);
}

/* The chosen paths, without those inside another chosen folder. */
GStrv
_qr_image_browser_dup_chosen_paths (QrImageBrowser *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree const char **paths = (const char **) g_hash_table_get_keys_as_array (self->chosen, NULL);

  for (guint i = 0; paths[i] != NULL; i++)
    {
      gboolean inside = FALSE;

      for (guint j = 0; paths[j] != NULL && !inside; j++)
        {
          g_autofree char *prefix = g_strconcat (paths[j], "/", NULL);

          inside = i != j && g_str_has_prefix (paths[i], prefix);
        }

      if (!inside)
        g_strv_builder_add (builder, paths[i]);
    }

  return g_strv_builder_end (builder);
}

/* The list */

/* Folders first, then by name as people read it. */
static int
compare_entries (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  QrImageEntry *ea = (QrImageEntry *) a;
  QrImageEntry *eb = (QrImageEntry *) b;
  gboolean fa = qr_image_entry_is_folder (ea);
  gboolean fb = qr_image_entry_is_folder (eb);

  if (fa != fb)
    return fa ? -1 : 1;

  return g_utf8_collate (g_file_info_get_display_name (qr_image_entry_get_info (ea)),
                         g_file_info_get_display_name (qr_image_entry_get_info (eb)));
}

static QrImageEntry *
get_selected_entry (QrImageBrowser *self)
{
  return gtk_single_selection_get_selected_item (self->selection);
}

/* Going places */

/* The image, or the folder, cannot be read: the engine's sentence says
 * which and why. */
static void
show_error (QrImageBrowser *self,
            const GError   *error)
{
  adw_status_page_set_title (self->error_page, _("These Files Cannot Be Read"));
  adw_status_page_set_description (self->error_page, error->message);
  gtk_stack_set_visible_child_name (self->stack, "error");
  _qr_image_browser_update_actions (self);
}

static void
listed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(QrImageBrowser) self = user_data;
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func (g_object_unref);
  const char *path = self->pending_path;

  infos = qr_image_list_finish (QR_IMAGE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  gtk_spinner_set_spinning (self->loading_spinner, FALSE);
  if (infos == NULL)
    {
      show_error (self, error);
      return;
    }

  for (guint i = 0; i < infos->len; i++)
    {
      GFileInfo *info = g_ptr_array_index (infos, i);
      g_autofree char *child = g_build_filename (path, g_file_info_get_name (info), NULL);
      QrImageEntry *entry = qr_image_entry_new (info, child);

      qr_image_entry_set_checked (entry, g_hash_table_contains (self->chosen, child));
      g_signal_connect_object (entry, "notify::checked", G_CALLBACK (entry_checked_cb), self, 0);
      g_ptr_array_add (entries, entry);
    }
  g_free (self->path);
  self->path = g_steal_pointer (&self->pending_path);
  path = self->path;
  g_list_store_splice (self->entries, 0, g_list_model_get_n_items (G_LIST_MODEL (self->entries)),
                       entries->pdata, entries->len);
  g_list_store_sort (self->entries, compare_entries, NULL);

  adw_window_title_set_subtitle (self->window_title, path);
  gtk_widget_set_visible (GTK_WIDGET (self->empty_label), entries->len == 0);
  gtk_stack_set_visible_child_name (self->stack, "browse");
  gtk_single_selection_set_selected (self->selection, 0);
  gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
  _qr_image_browser_update_actions (self);
}

void
_qr_image_browser_navigate (QrImageBrowser *self,
                            const char     *path)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  g_free (self->pending_path);
  self->pending_path = g_strdup (path);
  qr_image_list_async (self->image, path, self->cancellable, listed_cb, g_object_ref (self));
}

static void
list_activate_cb (QrImageBrowser *self,
                  guint           position)
{
  g_autoptr(QrImageEntry) entry = g_list_model_get_item (G_LIST_MODEL (self->entries), position);

  if (entry == NULL)
    return;

  if (qr_image_entry_is_folder (entry))
    _qr_image_browser_navigate (self, qr_image_entry_get_path (entry));
  else
    qr_image_entry_set_checked (entry, !qr_image_entry_get_checked (entry));
}

/* Actions */

static void
go_up_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  QrImageBrowser *self = QR_IMAGE_BROWSER (widget);
  g_autofree char *parent = NULL;

  if (self->path == NULL || g_str_equal (self->path, "/"))
    return;

  parent = g_path_get_dirname (self->path);
  _qr_image_browser_navigate (self, parent);
}

static void
toggle_selected_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *param)
{
  QrImageBrowser *self = QR_IMAGE_BROWSER (widget);
  QrImageEntry *entry = get_selected_entry (self);

  if (entry != NULL)
    qr_image_entry_set_checked (entry, !qr_image_entry_get_checked (entry));
}

static void
open_selected_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  QrImageBrowser *self = QR_IMAGE_BROWSER (widget);

  list_activate_cb (self, gtk_single_selection_get_selected (self->selection));
}

/* Chooses everything here; when everything is chosen already, nothing. */
static void
select_all_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  QrImageBrowser *self = QR_IMAGE_BROWSER (widget);
  GListModel *model = G_LIST_MODEL (self->entries);
  guint n = g_list_model_get_n_items (model);
  gboolean all = TRUE;

  for (guint i = 0; i < n && all; i++)
    {
      g_autoptr(QrImageEntry) entry = g_list_model_get_item (model, i);

      all = qr_image_entry_get_checked (entry);
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrImageEntry) entry = g_list_model_get_item (model, i);

      qr_image_entry_set_checked (entry, !all);
    }
}

static void
show_destination (QrImageBrowser *self)
{
  g_autofree char *where = g_file_get_parse_name (self->destination);
  g_autofree char *text = NULL;

  /* Translators: where the files will be copied, a folder like "~/Recovered Files/work" */
  text = g_strdup_printf (_("Into “%s”"), where);
  gtk_label_set_label (self->destination_label, text);
}

static void
chooser_response_cb (QrImageBrowser       *self,
                     int                   response,
                     GtkFileChooserNative *chooser)
{
  g_autoptr(GFile) folder = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  if (folder != NULL)
    qr_image_browser_set_destination (self, folder);

  g_clear_object (&self->chooser);
}

static void
choose_destination_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *param)
{
  QrImageBrowser *self = QR_IMAGE_BROWSER (widget);
  g_autoptr(GFile) parent = g_file_get_parent (self->destination);

  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Copy Files Into"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                               _("_Choose"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  if (parent != NULL && g_file_query_exists (parent, NULL))
    gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), parent, NULL);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}


void
_qr_image_browser_update_actions (QrImageBrowser *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  const char *page = gtk_stack_get_visible_child_name (self->stack);
  gboolean browsing = g_strcmp0 (page, "browse") == 0;

  gtk_widget_action_set_enabled (widget, "browser.go-up",
                                 browsing && self->path != NULL && !g_str_equal (self->path, "/"));
  gtk_widget_action_set_enabled (widget, "browser.select-all", browsing);
  gtk_widget_action_set_enabled (widget, "browser.toggle-selected", browsing);
  gtk_widget_action_set_enabled (widget, "browser.open-selected", browsing);
  gtk_widget_action_set_enabled (widget, "browser.choose-destination", browsing);
  gtk_widget_action_set_enabled (widget, "browser.copy",
                                 browsing && g_hash_table_size (self->chosen) > 0);
  gtk_widget_action_set_enabled (widget, "browser.cancel", self->copy_cancellable != NULL);
  gtk_widget_action_set_enabled (widget, "browser.show-in-folder",
                                 self->copy != NULL && self->copy_cancellable == NULL &&
                                 qr_image_copy_get_copied (self->copy)[0] != NULL);
  gtk_widget_action_set_enabled (widget, "browser.copy-more",
                                 g_strcmp0 (page, "done") == 0);
}

/* Opening */

static void
opened_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(QrImageBrowser) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *files_path = NULL;

  self->image = qr_mount_files_open_image_finish (result, &files_path, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (self->image == NULL)
    {
      gtk_spinner_set_spinning (self->loading_spinner, FALSE);
      show_error (self, error);
      return;
    }

  gtk_widget_set_visible (GTK_WIDGET (self->damaged_check), qr_image_is_partial (self->image));
  _qr_image_browser_navigate (self, files_path);
}

/* The object */

static gboolean
close_request_cb (GtkWindow *window)
{
  QrImageBrowser *self = QR_IMAGE_BROWSER (window);

  /* A copy under way stops and removes what it began. */
  g_cancellable_cancel (self->copy_cancellable);
  g_cancellable_cancel (self->cancellable);

  return FALSE;
}

static void
qr_image_browser_dispose (GObject *object)
{
  QrImageBrowser *self = QR_IMAGE_BROWSER (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->copy_cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);

  gtk_widget_dispose_template (GTK_WIDGET (self), QR_TYPE_IMAGE_BROWSER);

  g_clear_object (&self->image);
  g_clear_object (&self->copy);
  g_clear_object (&self->tracker);
  g_clear_object (&self->selection);
  g_clear_object (&self->entries);

  G_OBJECT_CLASS (qr_image_browser_parent_class)->dispose (object);
}

static void
qr_image_browser_finalize (GObject *object)
{
  QrImageBrowser *self = QR_IMAGE_BROWSER (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->copy_cancellable);
  g_clear_object (&self->image_file);
  g_clear_object (&self->destination);
  g_clear_pointer (&self->chosen, g_hash_table_unref);
  g_free (self->qube_name);
  g_free (self->path);
  g_free (self->pending_path);

  G_OBJECT_CLASS (qr_image_browser_parent_class)->finalize (object);
}

static void
qr_image_browser_class_actions_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "browser.go-up", NULL, go_up_action);
  gtk_widget_class_install_action (widget_class, "browser.open-selected", NULL,
                                   open_selected_action);
  gtk_widget_class_install_action (widget_class, "browser.toggle-selected", NULL,
                                   toggle_selected_action);
  gtk_widget_class_install_action (widget_class, "browser.select-all", NULL, select_all_action);
  gtk_widget_class_install_action (widget_class, "browser.choose-destination", NULL,
                                   choose_destination_action);
  _qr_image_browser_class_copy_actions_init (widget_class);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_BackSpace, 0, "browser.go-up", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Up, GDK_ALT_MASK, "browser.go-up", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_a, GDK_CONTROL_MASK,
                                       "browser.select-all", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
qr_image_browser_class_init (QrImageBrowserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = qr_image_browser_dispose;
  object_class->finalize = qr_image_browser_finalize;
  window_class->close_request = close_request_cb;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/qubesrescue/QubesRescue/ui/qr-image-browser.ui");
  gtk_widget_class_bind_template_child (widget_class, QrImageBrowser, window_title);
  gtk_widget_class_bind_template_child (widget_class, QrImageBrowser, stack);
  gtk_widget_class_bind_template_child (widget_class, QrImageBrowser, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, QrImageBrowser, error_page);
  gtk_widget_class_bind_template_child (widget_class, QrImageBrowser, list_view);
  gtk_widget_class_bind_template_child (widget_class, QrImageBrowser, empty_label);
  gtk_widget_class_bind_template_child (widget_class, QrImageBrowser, chosen_label);
  gtk_widget_class_bind_template_child (widget_class, QrImageBrowser, damaged_check);
  gtk_widget_class_bind_template_child (widget_class, QrImageBrowser, destination_label);
  gtk_widget_class_bind_template_child (widget_class, QrImageBrowser, copy_button);
  gtk_widget_class_bind_template_child (widget_class, QrImageBrowser, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, QrImageBrowser, progress_label);
  gtk_widget_class_bind_template_child (widget_class, QrImageBrowser, current_label);
  gtk_widget_class_bind_template_child (widget_class, QrImageBrowser, status_page);
  gtk_widget_class_bind_template_child (widget_class, QrImageBrowser, notes_label);
  gtk_widget_class_bind_template_child (widget_class, QrImageBrowser, show_button);
  gtk_widget_class_bind_template_child (widget_class, QrImageBrowser, copy_more_button);
  gtk_widget_class_bind_template_callback (widget_class, list_activate_cb);

  qr_image_browser_class_actions_init (widget_class);
}

static void
qr_image_browser_init (QrImageBrowser *self)
{
  g_autoptr(GtkListItemFactory) factory = qr_image_entry_factory_new ();
  GtkEventController *controller = gtk_shortcut_controller_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->chosen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->entries = g_list_store_new (QR_TYPE_IMAGE_ENTRY);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->entries)));
  gtk_single_selection_set_can_unselect (self->selection, FALSE);

  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  /* Space chooses, before the list's own Space would only select; Enter
   * opens the folder under the cursor. */
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_space, 0),
                                                          gtk_named_action_new ("browser.toggle-selected")));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_alternative_trigger_new (gtk_keyval_trigger_new (GDK_KEY_Return, 0),
                                                                                       gtk_keyval_trigger_new (GDK_KEY_KP_Enter, 0)),
                                                          gtk_named_action_new ("browser.open-selected")));
  gtk_widget_add_controller (GTK_WIDGET (self->list_view), controller);

  self->cancellable = g_cancellable_new ();
}

/* A browser of @image (a qube's private.img or root.img) named after
 * @qube_name; @tracker shows the destination folder when asked. It opens
 * the image at once, and starts at the user's files. */
QrImageBrowser *
qr_image_browser_new (GtkWindow      *parent,
                      GFile          *image,
                      const char     *qube_name,
                      QrMountTracker *tracker)
{
  QrImageBrowser *self;
  g_autofree char *title = NULL;
  g_autofree char *destination = NULL;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_FILE (image), NULL);
  g_return_val_if_fail (qube_name != NULL, NULL);
  g_return_val_if_fail (QR_IS_MOUNT_TRACKER (tracker), NULL);

  self = g_object_new (QR_TYPE_IMAGE_BROWSER,
                       "transient-for", parent,
                       "application", parent != NULL ? gtk_window_get_application (parent) : NULL,
                       NULL);
  self->image_file = g_object_ref (image);
  self->qube_name = g_strdup (qube_name);
  self->tracker = g_object_ref (tracker);

  /* Translators: the title of the file browser, with the qube's name */
  title = g_strdup_printf (_("Copy Files from “%s”"), qube_name);
  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_window_title_set_title (self->window_title, title);

  destination = g_build_filename (g_get_home_dir (), "Recovered Files", qube_name, NULL);
  self->destination = g_file_new_for_path (destination);
  show_destination (self);
  update_chosen (self);

  gtk_stack_set_visible_child_name (self->stack, "loading");
  gtk_spinner_set_spinning (self->loading_spinner, TRUE);
  _qr_image_browser_update_actions (self);
  qr_mount_files_open_image_async (image, self->cancellable, opened_cb, g_object_ref (self));

  return self;
}

/* The folder shown, from the image's root; NULL until one is. */
const char *
qr_image_browser_get_path (QrImageBrowser *self)
{
  g_return_val_if_fail (QR_IS_IMAGE_BROWSER (self), NULL);

  return self->path;
}

GFile *
qr_image_browser_get_destination (QrImageBrowser *self)
{
  g_return_val_if_fail (QR_IS_IMAGE_BROWSER (self), NULL);

  return self->destination;
}

void
qr_image_browser_set_destination (QrImageBrowser *self,
                                  GFile          *destination)
{
  g_return_if_fail (QR_IS_IMAGE_BROWSER (self));
  g_return_if_fail (G_IS_FILE (destination));

  g_set_object (&self->destination, destination);
  show_destination (self);
}

/* The page shown: "loading", "error", "browse", "copying" or "done". */
const char *
qr_image_browser_get_page (QrImageBrowser *self)
{
  g_return_val_if_fail (QR_IS_IMAGE_BROWSER (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}
