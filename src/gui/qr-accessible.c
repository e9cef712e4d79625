/* qr-accessible.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "qr-accessible.h"

/* "_Restore" without the mark that underlines its access key. */
static char *
strip_mnemonic (const char *text)
{
  GString *plain = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '_')
        {
          p++;
          if (*p == '\0')
            break;
        }
      g_string_append_c (plain, *p);
    }

  return g_string_free (plain, FALSE);
}

/* GTK 4.8 names a button with an access key by its label property, mark
 * and all, followed by the label it is labelled by: screen readers say
 * "_Restore Restore". Without the property the name is the label's text
 * alone. A button with only an icon is named after the icon's type,
 * "GtkImage", even when it has a tooltip; the tooltip says what it does,
 * so it is the name. An expander with an access key gets no name at all,
 * only its type name, so it is given its text. */
static void
fix_widget (GtkWidget *widget)
{
  if (GTK_IS_BUTTON (widget) && gtk_button_get_use_underline (GTK_BUTTON (widget)) &&
      gtk_button_get_label (GTK_BUTTON (widget)) != NULL)
    {
      gtk_accessible_reset_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL);
    }
  else if (GTK_IS_BUTTON (widget) && gtk_button_get_icon_name (GTK_BUTTON (widget)) != NULL &&
           gtk_widget_get_tooltip_text (widget) != NULL)
    {
      gtk_accessible_update_property (GTK_ACCESSIBLE (widget),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      gtk_widget_get_tooltip_text (widget),
                                      -1);
    }
  else if (GTK_IS_EXPANDER (widget) && gtk_expander_get_label (GTK_EXPANDER (widget)) != NULL)
    {
      g_autofree char *name = NULL;

      if (gtk_expander_get_use_underline (GTK_EXPANDER (widget)))
        name = strip_mnemonic (gtk_expander_get_label (GTK_EXPANDER (widget)));
      else
        name = g_strdup (gtk_expander_get_label (GTK_EXPANDER (widget)));

      gtk_accessible_update_property (GTK_ACCESSIBLE (widget),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                      -1);
    }
}

/* Works around GTK 4.8's names of widgets with access keys and of
 * buttons with only an icon, below @root and @root itself. Call it again
 * after changing such a widget's label. */
void
qr_accessible_fix_names (GtkWidget *root)
{
  g_return_if_fail (GTK_IS_WIDGET (root));

  fix_widget (root);

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    qr_accessible_fix_names (child);
}
