/* qr-eject-dialog.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "qr-eject-dialog.h"
#include "qr-error-text.h"

/* Asks, before the window closes, whether to eject the disk images it
 * opened, and ejects them. Unlike qr_confirm_async() it has three answers,
 * because keeping the images open is a fair choice too (to go on reading
 * the files), and it asks again when ejecting fails. The task resolves to
 * TRUE when the window may close. */

typedef struct
{
  GtkWindow      *parent;
  QrMountTracker *tracker;
} Run;

static void ask (GTask      *task,
                 const char *heading,
                 const char *body);

static void
run_free (Run *run)
{
  g_clear_object (&run->parent);
  g_clear_object (&run->tracker);
  g_free (run);
}

static void
cancelled_cb (GCancellable *cancellable,
              GtkWindow    *dialog)
{
  /* Closing gives the close response, which settles the task. */
  gtk_window_close (dialog);
}

static void
release_all_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  QrErrorText text;

  if (qr_mount_tracker_release_all_finish (QR_MOUNT_TRACKER (object), result, &error))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* A dismissed password prompt, or the window going away: stay open. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_boolean (task, FALSE);
      return;
    }

  g_debug ("Could not eject before closing: %s", error->message);
  qr_error_text_lookup (error, &text);
  ask (g_steal_pointer (&task), text.title, text.body);
}

static void
response_cb (AdwMessageDialog *dialog,
             const char       *response,
             GTask            *task)
{
  GCancellable *cancellable = g_task_get_cancellable (task);
  Run *run = g_task_get_task_data (task);

  g_signal_handlers_disconnect_by_func (dialog, response_cb, task);
  if (cancellable != NULL)
    g_signal_handlers_disconnect_by_func (cancellable, cancelled_cb, dialog);

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  /* The task goes on to the eject, which settles it. */
  if (g_strcmp0 (response, QR_EJECT_RESPONSE_EJECT) == 0)
    {
      qr_mount_tracker_release_all_async (run->tracker, cancellable, release_all_cb, task);
      return;
    }

  g_task_return_boolean (task, g_strcmp0 (response, QR_EJECT_RESPONSE_KEEP) == 0);
  g_object_unref (task);
}

/* Takes over @task. */
static void
ask (GTask      *task,
     const char *heading,
     const char *body)
{
  GCancellable *cancellable = g_task_get_cancellable (task);
  Run *run = g_task_get_task_data (task);
  AdwMessageDialog *dialog;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (run->parent, heading, body));
  adw_message_dialog_add_responses (dialog,
                                    QR_EJECT_RESPONSE_CANCEL, _("_Cancel"),
                                    QR_EJECT_RESPONSE_KEEP, _("Close _Without Ejecting"),
                                    QR_EJECT_RESPONSE_EJECT, _("_Eject and Close"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, QR_EJECT_RESPONSE_EJECT,
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, QR_EJECT_RESPONSE_EJECT);
  adw_message_dialog_set_close_response (dialog, QR_EJECT_RESPONSE_CANCEL);

  g_signal_connect (dialog, "response", G_CALLBACK (response_cb), task);

  if (cancellable != NULL)
    g_signal_connect_object (cancellable, "cancelled", G_CALLBACK (cancelled_cb), dialog, 0);

  gtk_window_present (GTK_WINDOW (dialog));
}

void
qr_eject_dialog_run_async (GtkWindow           *parent,
                           QrMountTracker      *tracker,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;
  Run *run;

  g_return_if_fail (GTK_IS_WINDOW (parent));
  g_return_if_fail (QR_IS_MOUNT_TRACKER (tracker));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, qr_eject_dialog_run_async);

  run = g_new0 (Run, 1);
  run->parent = g_object_ref (parent);
  run->tracker = g_object_ref (tracker);
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);

  ask (task,
       _("Eject the restored disk images before closing?"),
       _("The files of some restored qubes are still open from their disk images. "
         "Ejecting lets go of the images safely; the restored files stay where they are."));
}

gboolean
qr_eject_dialog_run_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == qr_eject_dialog_run_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
