/* qr-application.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "qr-application.h"
#include "qr-window.h"

struct _QrApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (QrApplication, qr_application, ADW_TYPE_APPLICATION)

static QrWindow *
get_window (QrApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (QR_IS_WINDOW (window))
    return QR_WINDOW (window);

  return qr_window_new (GTK_APPLICATION (self));
}

static void
qr_application_activate (GApplication *application)
{
  gtk_window_present (GTK_WINDOW (get_window (QR_APPLICATION (application))));
}

/* A backup given on the command line or opened from the file manager.
 * The wizard restores one backup at a time, so only the first counts. */
static void
qr_application_open (GApplication  *application,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  QrWindow *window = get_window (QR_APPLICATION (application));

  if (n_files > 1)
    g_message ("Several files given; opening only the first");

  gtk_window_present (GTK_WINDOW (window));

  if (n_files > 0)
    qr_window_open_file (window, files[0]);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  GtkApplication *application = user_data;
  GList *windows = gtk_application_get_windows (application);

  /* Closing asks before stopping a restore; quitting outright would not. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
}

static void
about_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  GtkApplication *application = user_data;
  static const char *developers[] = { "The qubes-rescue authors", NULL };

  adw_show_about_window (gtk_application_get_active_window (application),
                         "application-name", _("Qubes Backup Rescue"),
                         "application-icon", APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "developer-name", "The qubes-rescue authors",
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "comments", _("Restore a Qubes OS backup on any Linux computer"),
                         NULL);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_action },
  { "about", about_action },
};

static void
qr_application_startup (GApplication *application)
{
  static const char *quit_accels[] = { "<Control>q", NULL };

  G_APPLICATION_CLASS (qr_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (application),
                                   app_actions, G_N_ELEMENTS (app_actions),
                                   application);
  gtk_application_set_accels_for_action (GTK_APPLICATION (application),
                                         "app.quit", quit_accels);

  gtk_window_set_default_icon_name (APPLICATION_ID);
}

static void
qr_application_class_init (QrApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = qr_application_activate;
  app_class->open = qr_application_open;
  app_class->startup = qr_application_startup;
}

static void
qr_application_init (QrApplication *self)
{
}

QrApplication *
qr_application_new (void)
{
  return g_object_new (QR_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/qubesrescue/QubesRescue",
                       NULL);
}

/* The program's settings, or NULL when the schema is not installed (as in
 * an uninstalled build): then nothing is remembered, and nothing breaks. */
GSettings *
qr_application_dup_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);

  if (schema == NULL)
    {
      g_debug ("Settings schema %s not found; nothing will be remembered", APPLICATION_ID);
      return NULL;
    }

  return g_settings_new_full (schema, NULL, NULL);
}
