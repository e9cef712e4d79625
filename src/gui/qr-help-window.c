/* qr-help-window.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "qr-accessible.h"
#include "qr-help-window.h"

/* The built-in help: what a backup is, what to do when something goes
 * wrong, and the manual procedure as the last resort. It is all in the
 * program, because whoever needs it may well have no internet, and it
 * stays open beside the wizard while they follow it. */
struct _QrHelpWindow
{
  AdwWindow          parent_instance;

  /* Template children */
  GtkScrolledWindow *scrolled_window;
  GtkWidget         *clamp;
  GtkWidget         *backup_heading;
  GtkWidget         *program_heading;
  GtkWidget         *passphrase_heading;
  GtkWidget         *damaged_heading;
  GtkWidget         *space_heading;
  GtkWidget         *files_heading;
  GtkWidget         *manual_heading;

  /* State */
  char              *topic;
  guint              scroll_tick;
};

G_DEFINE_FINAL_TYPE (QrHelpWindow, qr_help_window, ADW_TYPE_WINDOW)

/* Room left above a heading scrolled to the top. */
#define HEADING_MARGIN 12

static GtkWidget *
get_heading (QrHelpWindow *self,
             const char   *topic)
{
  const struct {
    const char *topic;
    GtkWidget  *heading;
  } headings[] = {
    { QR_HELP_TOPIC_BACKUP, self->backup_heading },
    { QR_HELP_TOPIC_PROGRAM, self->program_heading },
    { QR_HELP_TOPIC_PASSPHRASE, self->passphrase_heading },
    { QR_HELP_TOPIC_DAMAGED, self->damaged_heading },
    { QR_HELP_TOPIC_SPACE, self->space_heading },
    { QR_HELP_TOPIC_FILES, self->files_heading },
    { QR_HELP_TOPIC_MANUAL, self->manual_heading },
  };

  for (guint i = 0; i < G_N_ELEMENTS (headings); i++)
    {
      if (g_strcmp0 (topic, headings[i].topic) == 0)
        return headings[i].heading;
    }

  return NULL;
}

/* Where the topic's heading is depends on how its text wrapped, which is
 * known only once the window has been laid out at its real width; so this
 * waits for a frame in which the heading has a size. */
static gboolean
scroll_tick_cb (GtkWidget     *widget,
                GdkFrameClock *frame_clock,
                gpointer       user_data)
{
  QrHelpWindow *self = QR_HELP_WINDOW (widget);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scrolled_window);
  GtkWidget *heading = get_heading (self, self->topic);
  GtkWidget *viewport = gtk_widget_get_parent (self->clamp);
  graphene_point_t point;

  if (heading == NULL)
    {
      gtk_adjustment_set_value (adjustment, 0);
      self->scroll_tick = 0;
      return G_SOURCE_REMOVE;
    }

  if (gtk_widget_get_height (heading) == 0 ||
      !gtk_widget_compute_point (heading, viewport, &GRAPHENE_POINT_INIT (0, 0), &point))
    return G_SOURCE_CONTINUE;

  gtk_adjustment_set_value (adjustment,
                            gtk_adjustment_get_value (adjustment) + point.y - HEADING_MARGIN);
  self->scroll_tick = 0;
  return G_SOURCE_REMOVE;
}

static gboolean
restore_copy_icon_cb (gpointer user_data)
{
  GtkButton *button = user_data;

  gtk_button_set_icon_name (button, "edit-copy-symbolic");
  return G_SOURCE_REMOVE;
}

/* Commands are for pasting into a terminal: typing them is where mistakes
 * would come from. The tick mark says it worked. */
static void
copy_clicked_cb (GtkLabel  *label,
                 GtkButton *button)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (label)),
                          gtk_label_get_text (label));

  gtk_button_set_icon_name (button, "object-select-symbolic");
  g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, 2, restore_copy_icon_cb,
                              g_object_ref (button), g_object_unref);
}

static void
qr_help_window_dispose (GObject *object)
{
  QrHelpWindow *self = QR_HELP_WINDOW (object);

  if (self->scroll_tick != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->scroll_tick);
      self->scroll_tick = 0;
    }

  gtk_widget_dispose_template (GTK_WIDGET (self), QR_TYPE_HELP_WINDOW);

  G_OBJECT_CLASS (qr_help_window_parent_class)->dispose (object);
}

static void
qr_help_window_finalize (GObject *object)
{
  QrHelpWindow *self = QR_HELP_WINDOW (object);

  g_free (self->topic);

  G_OBJECT_CLASS (qr_help_window_parent_class)->finalize (object);
}

static void
qr_help_window_class_init (QrHelpWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qr_help_window_dispose;
  object_class->finalize = qr_help_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/qubesrescue/QubesRescue/ui/qr-help-window.ui");
  gtk_widget_class_bind_template_child (widget_class, QrHelpWindow, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, QrHelpWindow, clamp);
  gtk_widget_class_bind_template_child (widget_class, QrHelpWindow, backup_heading);
  gtk_widget_class_bind_template_child (widget_class, QrHelpWindow, program_heading);
  gtk_widget_class_bind_template_child (widget_class, QrHelpWindow, passphrase_heading);
  gtk_widget_class_bind_template_child (widget_class, QrHelpWindow, damaged_heading);
  gtk_widget_class_bind_template_child (widget_class, QrHelpWindow, space_heading);
  gtk_widget_class_bind_template_child (widget_class, QrHelpWindow, files_heading);
  gtk_widget_class_bind_template_child (widget_class, QrHelpWindow, manual_heading);
  gtk_widget_class_bind_template_callback (widget_class, copy_clicked_cb);

  /* A window to read beside the wizard: Escape puts it away, as in
   * other help viewers. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK,
                                       "window.close", NULL);
}

static void
qr_help_window_init (QrHelpWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  qr_accessible_fix_names (GTK_WIDGET (self));

  /* Start with the page itself focused, so Page Down reads on. Left to
   * GTK, the first selectable command would take the focus and show all
   * its text selected. */
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->scrolled_window));
}

GtkWidget *
qr_help_window_new (void)
{
  return g_object_new (QR_TYPE_HELP_WINDOW, NULL);
}

/* Scrolls to @topic, one of the QR_HELP_TOPIC_* names, or to the top for
 * NULL or a name this help does not know. */
void
qr_help_window_show_topic (QrHelpWindow *self,
                           const char   *topic)
{
  g_return_if_fail (QR_IS_HELP_WINDOW (self));

  if (topic != NULL && get_heading (self, topic) == NULL)
    {
      g_debug ("No help topic “%s”; showing the help from the top", topic);
      topic = NULL;
    }

  g_free (self->topic);
  self->topic = g_strdup (topic);

  if (self->scroll_tick == 0)
    self->scroll_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), scroll_tick_cb,
                                                      NULL, NULL);
}

/* The topic last asked for, or NULL for the top. */
const char *
qr_help_window_get_topic (QrHelpWindow *self)
{
  g_return_val_if_fail (QR_IS_HELP_WINDOW (self), NULL);

  return self->topic;
}
