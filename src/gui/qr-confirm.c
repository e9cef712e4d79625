/* qr-confirm.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "qr-accessible.h"
#include "qr-confirm.h"

/* An AdwMessageDialog that asks before something that loses work. The
 * safe answer is the default and what Escape gives, so a stray key press
 * never throws anything away. The task resolves to TRUE only when the user
 * chose the destructive answer. */

static void
cancelled_cb (GCancellable *cancellable,
              GtkWindow    *dialog)
{
  /* Closing gives the close response, which settles the task. */
  gtk_window_close (dialog);
}

static void
response_cb (AdwMessageDialog *dialog,
             const char       *response,
             GTask            *task)
{
  GCancellable *cancellable = g_task_get_cancellable (task);

  g_signal_handlers_disconnect_by_func (dialog, response_cb, task);
  if (cancellable != NULL)
    g_signal_handlers_disconnect_by_func (cancellable, cancelled_cb, dialog);

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  g_task_return_boolean (task, g_strcmp0 (response, QR_CONFIRM_RESPONSE_ACCEPT) == 0);
  g_object_unref (task);
}

void
qr_confirm_async (GtkWindow           *parent,
                  const char          *heading,
                  const char          *body,
                  const char          *cancel_label,
                  const char          *accept_label,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  AdwMessageDialog *dialog;

  g_return_if_fail (!parent || GTK_IS_WINDOW (parent));
  g_return_if_fail (heading != NULL);
  g_return_if_fail (cancel_label != NULL);
  g_return_if_fail (accept_label != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, qr_confirm_async);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent, heading, body));
  adw_message_dialog_add_responses (dialog,
                                    QR_CONFIRM_RESPONSE_CANCEL, cancel_label,
                                    QR_CONFIRM_RESPONSE_ACCEPT, accept_label,
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog,
                                              QR_CONFIRM_RESPONSE_ACCEPT,
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, QR_CONFIRM_RESPONSE_CANCEL);
  adw_message_dialog_set_close_response (dialog, QR_CONFIRM_RESPONSE_CANCEL);

  qr_accessible_fix_names (GTK_WIDGET (dialog));
  g_signal_connect (dialog, "response", G_CALLBACK (response_cb), g_object_ref (task));

  if (cancellable != NULL)
    g_signal_connect_object (cancellable, "cancelled",
                             G_CALLBACK (cancelled_cb), dialog, 0);

  gtk_window_present (GTK_WINDOW (dialog));
}

gboolean
qr_confirm_finish (GAsyncResult  *result,
                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == qr_confirm_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
