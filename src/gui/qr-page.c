/* qr-page.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "qr-page.h"

typedef struct
{
  char     *title;
  char     *next_label;
  gboolean  complete;
  gboolean  can_go_back;
} QrPagePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (QrPage, qr_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_NEXT_LABEL,
  PROP_COMPLETE,
  PROP_CAN_GO_BACK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
qr_page_real_apply_async (QrPage              *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qr_page_real_apply_async);
  g_task_return_boolean (task, TRUE);
}

static gboolean
qr_page_real_apply_finish (QrPage        *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
qr_page_finalize (GObject *object)
{
  QrPage *self = QR_PAGE (object);
  QrPagePrivate *priv = qr_page_get_instance_private (self);

  g_clear_pointer (&priv->title, g_free);
  g_clear_pointer (&priv->next_label, g_free);

  G_OBJECT_CLASS (qr_page_parent_class)->finalize (object);
}

static void
qr_page_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  QrPage *self = QR_PAGE (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, qr_page_get_title (self));
      break;

    case PROP_NEXT_LABEL:
      g_value_set_string (value, qr_page_get_next_label (self));
      break;

    case PROP_COMPLETE:
      g_value_set_boolean (value, qr_page_get_complete (self));
      break;

    case PROP_CAN_GO_BACK:
      g_value_set_boolean (value, qr_page_get_can_go_back (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qr_page_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  QrPage *self = QR_PAGE (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      qr_page_set_title (self, g_value_get_string (value));
      break;

    case PROP_NEXT_LABEL:
      qr_page_set_next_label (self, g_value_get_string (value));
      break;

    case PROP_COMPLETE:
      qr_page_set_complete (self, g_value_get_boolean (value));
      break;

    case PROP_CAN_GO_BACK:
      qr_page_set_can_go_back (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qr_page_class_init (QrPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qr_page_finalize;
  object_class->get_property = qr_page_get_property;
  object_class->set_property = qr_page_set_property;

  klass->apply_async = qr_page_real_apply_async;
  klass->apply_finish = qr_page_real_apply_finish;

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_NEXT_LABEL] =
    g_param_spec_string ("next-label", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_COMPLETE] =
    g_param_spec_boolean ("complete", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_CAN_GO_BACK] =
    g_param_spec_boolean ("can-go-back", NULL, NULL,
                          TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
qr_page_init (QrPage *self)
{
  QrPagePrivate *priv = qr_page_get_instance_private (self);

  priv->can_go_back = TRUE;
}

const char *
qr_page_get_title (QrPage *self)
{
  QrPagePrivate *priv = qr_page_get_instance_private (self);

  g_return_val_if_fail (QR_IS_PAGE (self), NULL);

  return priv->title;
}

void
qr_page_set_title (QrPage     *self,
                   const char *title)
{
  QrPagePrivate *priv = qr_page_get_instance_private (self);

  g_return_if_fail (QR_IS_PAGE (self));

  if (g_strcmp0 (priv->title, title) == 0)
    return;

  g_free (priv->title);
  priv->title = g_strdup (title);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

const char *
qr_page_get_next_label (QrPage *self)
{
  QrPagePrivate *priv = qr_page_get_instance_private (self);

  g_return_val_if_fail (QR_IS_PAGE (self), NULL);

  return priv->next_label;
}

/* A page without a next label has no forward button in the header bar:
 * it moves on through its own content (or not at all). */
void
qr_page_set_next_label (QrPage     *self,
                        const char *next_label)
{
  QrPagePrivate *priv = qr_page_get_instance_private (self);

  g_return_if_fail (QR_IS_PAGE (self));

  if (g_strcmp0 (priv->next_label, next_label) == 0)
    return;

  g_free (priv->next_label);
  priv->next_label = g_strdup (next_label);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NEXT_LABEL]);
}

gboolean
qr_page_get_complete (QrPage *self)
{
  QrPagePrivate *priv = qr_page_get_instance_private (self);

  g_return_val_if_fail (QR_IS_PAGE (self), FALSE);

  return priv->complete;
}

void
qr_page_set_complete (QrPage   *self,
                      gboolean  complete)
{
  QrPagePrivate *priv = qr_page_get_instance_private (self);

  g_return_if_fail (QR_IS_PAGE (self));

  complete = !!complete;

  if (priv->complete == complete)
    return;

  priv->complete = complete;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPLETE]);
}

gboolean
qr_page_get_can_go_back (QrPage *self)
{
  QrPagePrivate *priv = qr_page_get_instance_private (self);

  g_return_val_if_fail (QR_IS_PAGE (self), FALSE);

  return priv->can_go_back;
}

void
qr_page_set_can_go_back (QrPage   *self,
                         gboolean  can_go_back)
{
  QrPagePrivate *priv = qr_page_get_instance_private (self);

  g_return_if_fail (QR_IS_PAGE (self));

  can_go_back = !!can_go_back;

  if (priv->can_go_back == can_go_back)
    return;

  priv->can_go_back = can_go_back;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_GO_BACK]);
}

/* Called by the window each time the page becomes the visible one. */
void
qr_page_shown (QrPage *self)
{
  g_return_if_fail (QR_IS_PAGE (self));

  if (QR_PAGE_GET_CLASS (self)->shown != NULL)
    QR_PAGE_GET_CLASS (self)->shown (self);
}

void
qr_page_apply_async (QrPage              *self,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_return_if_fail (QR_IS_PAGE (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  QR_PAGE_GET_CLASS (self)->apply_async (self, cancellable, callback, user_data);
}

gboolean
qr_page_apply_finish (QrPage        *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (QR_IS_PAGE (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  return QR_PAGE_GET_CLASS (self)->apply_finish (self, result, error);
}
