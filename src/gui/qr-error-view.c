/* qr-error-view.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "qr-accessible.h"
#include "qr-error-text.h"
#include "qr-error-view.h"

/* An error said in place: plain words first, a way into the help that
 * says more about it, and the engine's exact message folded away
 * underneath for whoever helps the user. Hidden while there is no error.
 * For screen readers it is an alert named by its title and described by
 * the words under it; it can take the focus, which is how a page has it
 * read out (GTK 4.8 announces nothing by itself). */
struct _QrErrorView
{
  AdwBin       parent_instance;

  /* Template children */
  GtkLabel    *title_label;
  GtkLabel    *body_label;
  GtkExpander *details_expander;
  GtkLabel    *details_label;
  GtkButton   *help_button;
};

G_DEFINE_FINAL_TYPE (QrErrorView, qr_error_view, ADW_TYPE_BIN)

static void
qr_error_view_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), QR_TYPE_ERROR_VIEW);

  G_OBJECT_CLASS (qr_error_view_parent_class)->dispose (object);
}

static void
qr_error_view_class_init (QrErrorViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qr_error_view_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/qubesrescue/QubesRescue/ui/qr-error-view.ui");
  gtk_widget_class_bind_template_child (widget_class, QrErrorView, title_label);
  gtk_widget_class_bind_template_child (widget_class, QrErrorView, body_label);
  gtk_widget_class_bind_template_child (widget_class, QrErrorView, details_expander);
  gtk_widget_class_bind_template_child (widget_class, QrErrorView, details_label);
  gtk_widget_class_bind_template_child (widget_class, QrErrorView, help_button);

  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_ALERT);
  gtk_widget_class_set_css_name (widget_class, "errorview");
}

static void
qr_error_view_init (QrErrorView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  qr_accessible_fix_names (GTK_WIDGET (self));
}

GtkWidget *
qr_error_view_new (void)
{
  return g_object_new (QR_TYPE_ERROR_VIEW, NULL);
}

/* A NULL @error hides the view. */
void
qr_error_view_set_error (QrErrorView  *self,
                         const GError *error)
{
  QrErrorText text;

  g_return_if_fail (QR_IS_ERROR_VIEW (self));

  if (error == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      gtk_label_set_label (self->title_label, "");
      gtk_label_set_label (self->body_label, "");
      gtk_label_set_label (self->details_label, "");
      return;
    }

  g_debug ("Showing error %s:%d: %s",
           g_quark_to_string (error->domain), error->code, error->message);

  qr_error_text_lookup (error, &text);
  gtk_label_set_label (self->title_label, text.title);
  gtk_label_set_label (self->body_label, text.body);
  gtk_label_set_label (self->details_label, error->message);
  gtk_expander_set_expanded (self->details_expander, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text.title,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text.body,
                                  -1);

  /* An empty topic opens the help from the top. */
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->help_button), "s",
                                    text.help_topic != NULL ? text.help_topic : "");
  gtk_widget_set_visible (GTK_WIDGET (self), TRUE);
}

const char *
qr_error_view_get_title (QrErrorView *self)
{
  g_return_val_if_fail (QR_IS_ERROR_VIEW (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self)))
    return NULL;

  return gtk_label_get_label (self->title_label);
}

