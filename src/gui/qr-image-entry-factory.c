/* qr-image-entry-factory.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "qr-image.h"
#include "qr-image-entry.h"
#include "qr-image-entry-factory.h"

/* How the file browser draws an entry of a disk image: a box to tick, an
 * icon for its kind, its name, and its size and date (or why it cannot
 * be copied) underneath, which fits a phone. A damaged entry has a
 * warning icon and says how much of it was lost, in the warning colour,
 * and its box is named as damaged. */

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *check = gtk_check_button_new ();
  GtkWidget *icon = gtk_image_new ();
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *details = gtk_label_new (NULL);

  /* The row has the focus; Space ticks the box. */
  gtk_widget_set_focusable (check, FALSE);
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_xalign (GTK_LABEL (details), 0);
  gtk_widget_add_css_class (details, "dim-label");
  gtk_widget_add_css_class (details, "caption");
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);

  gtk_box_append (GTK_BOX (labels), name);
  gtk_box_append (GTK_BOX (labels), details);
  gtk_box_append (GTK_BOX (box), check);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), labels);
  gtk_list_item_set_child (item, box);
}

static const char *
icon_name (QrImageEntry *entry)
{
  GFileInfo *info = qr_image_entry_get_info (entry);

  if (qr_image_entry_is_damaged (entry))
    return "dialog-warning-symbolic";

  switch (g_file_info_get_file_type (info))
    {
    case G_FILE_TYPE_DIRECTORY:
      return "folder-symbolic";
    case G_FILE_TYPE_SYMBOLIC_LINK:
      return "emblem-symbolic-link-symbolic";
    case G_FILE_TYPE_REGULAR:
    case G_FILE_TYPE_SPECIAL:
    case G_FILE_TYPE_UNKNOWN:
    case G_FILE_TYPE_SHORTCUT:
    case G_FILE_TYPE_MOUNTABLE:
    default:
      return "text-x-generic-symbolic";
    }
}

static void
set_css_class (GtkWidget  *widget,
               const char *css_class,
               gboolean    set)
{
  if (set)
    gtk_widget_add_css_class (widget, css_class);
  else
    gtk_widget_remove_css_class (widget, css_class);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  user_data)
{
  QrImageEntry *entry = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *check = gtk_widget_get_first_child (box);
  GtkWidget *icon = gtk_widget_get_next_sibling (check);
  GtkWidget *labels = gtk_widget_get_next_sibling (icon);
  GtkWidget *name = gtk_widget_get_first_child (labels);
  GtkWidget *details = gtk_widget_get_next_sibling (name);
  GFileInfo *info = qr_image_entry_get_info (entry);
  g_autofree char *details_text = qr_image_entry_dup_details (entry);
  g_autofree char *accessible_name = qr_image_entry_dup_accessible_name (entry);
  gboolean damaged = qr_image_entry_is_damaged (entry);
  GBinding *binding;

  gtk_image_set_from_icon_name (GTK_IMAGE (icon), icon_name (entry));
  gtk_label_set_label (GTK_LABEL (name), g_file_info_get_display_name (info));
  gtk_label_set_label (GTK_LABEL (details), details_text);
  /* Rows are reused: the colour of damage goes with the entry. */
  set_css_class (icon, "warning", damaged);
  set_css_class (details, "warning", damaged);
  set_css_class (details, "dim-label", !damaged);
  gtk_accessible_update_property (GTK_ACCESSIBLE (check),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible_name,
                                  -1);

  binding = g_object_bind_property (entry, "checked", check, "active",
                                    G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_set_data (G_OBJECT (item), "binding", binding);
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  GBinding *binding = g_object_get_data (G_OBJECT (item), "binding");

  if (binding != NULL)
    g_binding_unbind (binding);
  g_object_set_data (G_OBJECT (item), "binding", NULL);
}

GtkListItemFactory *
qr_image_entry_factory_new (void)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), NULL);

  return factory;
}
