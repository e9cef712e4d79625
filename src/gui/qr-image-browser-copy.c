/* qr-image-browser-copy.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "qr-error.h"
#include "qr-image-browser-private.h"
#include "qr-page-restore.h"

/* Copying what was chosen out of the image: the copy's progress, its
 * cancellation, and the page that says what was copied, what could not
 * be and why, with the ways on from there. */

static void
copy_progress_cb (QrImageBrowser *self,
                  QrImageCopy    *copy)
{
  g_autofree char *done = g_format_size (qr_image_copy_get_bytes_done (copy));
  g_autofree char *total = g_format_size (qr_image_copy_get_bytes_total (copy));
  g_autofree char *text = NULL;
  gint64 seconds = qr_image_copy_get_seconds_left (copy);
  const char *current = qr_image_copy_get_current_file (copy);

  gtk_progress_bar_set_fraction (self->progress_bar, qr_image_copy_get_fraction (copy));

  if (seconds >= 0)
    {
      g_autofree char *left = qr_page_restore_format_time_left (seconds);

      /* Translators: files done and in all, bytes done and in all, then the time left */
      text = g_strdup_printf (_("%u of %u files · %s of %s · %s"),
                              qr_image_copy_get_files_done (copy),
                              qr_image_copy_get_files_total (copy), done, total, left);
    }
  else
    {
      /* Translators: files done and in all, bytes done and in all */
      text = g_strdup_printf (_("%u of %u files · %s of %s"),
                              qr_image_copy_get_files_done (copy),
                              qr_image_copy_get_files_total (copy), done, total);
    }

  gtk_label_set_label (self->progress_label, text);
  gtk_label_set_label (self->current_label, current != NULL ? current : "");
}

static void
append_note (GString         *text,
             QrImageCopyNote *note)
{
  switch (note->kind)
    {
    case QR_IMAGE_COPY_NOTE_SKIPPED:
      /* Translators: a file that was left out on purpose, and why */
      g_string_append_printf (text, _("Left out: %s: %s"), note->path, note->error->message);
      break;

    case QR_IMAGE_COPY_NOTE_DAMAGED:
      /* Translators: a damaged file that was left out, then how much of it was lost */
      g_string_append_printf (text, _("%s: damaged, left out. %s"), note->path,
                              note->error->message);
      break;

    case QR_IMAGE_COPY_NOTE_COPIED_DAMAGED:
      /* Translators: a damaged file, the name of its copy, then how much of it was lost */
      g_string_append_printf (text, _("%s: damaged, copied as “%s”. %s"), note->path,
                              note->copied_as, note->error->message);
      break;

    case QR_IMAGE_COPY_NOTE_FAILED:
    default:
      g_string_append (text, note->error->message);
      break;
    }
}

static char *
format_notes (QrImageCopy *copy)
{
  GPtrArray *notes = qr_image_copy_get_notes (copy);
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < notes->len; i++)
    {
      if (text->len > 0)
        g_string_append_c (text, '\n');
      append_note (text, g_ptr_array_index (notes, i));
    }

  return g_string_free (text, FALSE);
}

static guint
count_notes (QrImageCopy         *copy,
             QrImageCopyNoteKind  kind)
{
  GPtrArray *notes = qr_image_copy_get_notes (copy);
  guint n = 0;

  for (guint i = 0; i < notes->len; i++)
    n += ((QrImageCopyNote *) g_ptr_array_index (notes, i))->kind == kind;

  return n;
}

/* A file that could not be copied ends as a note; anything else ended
 * the copy itself. */
static gboolean
is_per_file (const GError *error)
{
  return error->domain == QR_ERROR &&
         (error->code == QR_ERROR_DAMAGED || error->code == QR_ERROR_EXISTS ||
          error->code == QR_ERROR_FAILED);
}

static void
show_done (QrImageBrowser *self,
           const GError   *error)
{
  g_autofree char *where = g_file_get_parse_name (self->destination);
  g_autofree char *description = NULL;
  g_autofree char *notes = format_notes (self->copy);
  gboolean some_copied = qr_image_copy_get_copied (self->copy)[0] != NULL;
  guint n_failed = count_notes (self->copy, QR_IMAGE_COPY_NOTE_FAILED);
  guint n_left_out = count_notes (self->copy, QR_IMAGE_COPY_NOTE_DAMAGED);
  const char *icon = "dialog-warning-symbolic";
  const char *title;

  if (error == NULL)
    {
      icon = "emblem-ok-symbolic";
      title = _("Your Files Are Copied");
      description = g_strdup_printf (_("They are in “%s” and belong to you."), where);
    }
  else if (is_per_file (error) && some_copied && n_failed == 0 && n_left_out == 0)
    {
      /* All copied, damaged ones too, as asked. */
      title = _("Your Files Are Copied");
      description = g_strdup_printf (_("They are in “%s” and belong to you. %s"), where,
                                     error->message);
    }
  else if (is_per_file (error) && n_failed == 0)
    {
      title = _("Damaged Files Were Left Out");
      if (some_copied)
        description = g_strdup_printf (_("The rest is in “%s”. %s"), where, error->message);
      else
        description = g_strdup (error->message);
    }
  else if (is_per_file (error) && some_copied)
    {
      title = _("Some Files Could Not Be Copied");
      description = g_strdup_printf (_("The rest is in “%s”. %s"), where, error->message);
    }
  else if (is_per_file (error))
    {
      title = _("Nothing Was Copied");
      description = g_strdup_printf (_("Nothing in “%s” was replaced. %s"), where, error->message);
    }
  else
    {
      icon = "dialog-error-symbolic";
      title = g_error_matches (error, QR_ERROR, QR_ERROR_NO_SPACE)
              ? _("The Destination Disk Is Full") : _("The Files Could Not Be Copied");
      description = g_strdup_printf (_("%s Nothing half-written was left behind."), error->message);
    }

  /* The way to what is left of the damaged ones. */
  if (n_left_out > 0)
    {
      g_autofree char *with_remedy = NULL;

      /* Translators: “Also copy damaged files” is the check box of the file browser */
      with_remedy = g_strdup_printf (_("%s To copy what is left of them, choose “Also copy "
                                       "damaged files” and copy them again."), description);
      g_free (description);
      description = g_steal_pointer (&with_remedy);
    }

  adw_status_page_set_icon_name (self->status_page, icon);
  adw_status_page_set_title (self->status_page, title);
  adw_status_page_set_description (self->status_page, description);
  gtk_label_set_label (self->notes_label, notes);
  gtk_widget_set_visible (GTK_WIDGET (self->notes_label), notes[0] != '\0');
  gtk_stack_set_visible_child_name (self->stack, "done");
  _qr_image_browser_update_actions (self);

  /* Not the notes, whose text would show as selected. */
  gtk_widget_grab_focus (some_copied ? self->show_button : self->copy_more_button);
}

static void
copied_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(QrImageBrowser) self = user_data;
  g_autoptr(GError) error = NULL;

  qr_image_copy_run_finish (QR_IMAGE_COPY (object), result, &error);
  g_clear_object (&self->copy_cancellable);

  /* Closed meanwhile: the copy has removed what it began. */
  if (self->image == NULL)
    return;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_object (&self->copy);
      gtk_stack_set_visible_child_name (self->stack, "browse");
      gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
      _qr_image_browser_update_actions (self);
      return;
    }

  show_done (self, error);
}

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  QrImageBrowser *self = QR_IMAGE_BROWSER (widget);
  g_auto(GStrv) paths = _qr_image_browser_dup_chosen_paths (self);

  if (paths[0] == NULL || self->copy_cancellable != NULL)
    return;

  g_clear_object (&self->copy);
  self->copy = qr_image_copy_new (self->image, (const char * const *) paths, self->destination);
  qr_image_copy_set_copy_damaged (self->copy,
                                  qr_image_is_partial (self->image) &&
                                  gtk_check_button_get_active (self->damaged_check));
  self->copy_cancellable = g_cancellable_new ();
  g_signal_connect_object (self->copy, "progress", G_CALLBACK (copy_progress_cb), self,
                           G_CONNECT_SWAPPED);

  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  gtk_label_set_label (self->progress_label, _("Counting the files…"));
  gtk_label_set_label (self->current_label, "");
  gtk_stack_set_visible_child_name (self->stack, "copying");
  _qr_image_browser_update_actions (self);

  qr_image_copy_run_async (self->copy, self->copy_cancellable, copied_cb, g_object_ref (self));
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  QrImageBrowser *self = QR_IMAGE_BROWSER (widget);

  g_cancellable_cancel (self->copy_cancellable);
}

static void
show_in_folder_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  QrImageBrowser *self = QR_IMAGE_BROWSER (widget);
  g_autofree char *uri = g_file_get_uri (self->destination);

  qr_mount_tracker_launch (self->tracker, GTK_WINDOW (self), uri);
}

/* Back to the files, with nothing chosen. */
static void
copy_more_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  QrImageBrowser *self = QR_IMAGE_BROWSER (widget);

  g_hash_table_remove_all (self->chosen);
  g_clear_object (&self->copy);
  _qr_image_browser_navigate (self, self->path);
}

void
_qr_image_browser_class_copy_actions_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "browser.copy", NULL, copy_action);
  gtk_widget_class_install_action (widget_class, "browser.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "browser.show-in-folder", NULL,
                                   show_in_folder_action);
  gtk_widget_class_install_action (widget_class, "browser.copy-more", NULL, copy_more_action);
}
