/* qr-application.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "qr-application.h"
#include "qr-help-window.h"
#include "qr-window.h"


struct _QrApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (QrApplication, qr_application, ADW_TYPE_APPLICATION)

/* The application's windows, most recently focused first, of @type. */
static GtkWindow *
find_window (GtkApplication *application,
             GType           type)
{
  for (GList *l = gtk_application_get_windows (application); l != NULL; l = l->next)
    {
      if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type))
        return l->data;
    }

  return NULL;
}

/* The wizard, even when the help window is the one in front. */
static QrWindow *
get_window (QrApplication *self)
{
  GtkWindow *window = find_window (GTK_APPLICATION (self), QR_TYPE_WINDOW);

  if (window != NULL)
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
  /* Translators: your names, one per line, as you want them credited. */
  const char *translators = _("translator-credits");
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", find_window (application, QR_TYPE_WINDOW),
                        "application-name", _("Qubes Backup Rescue"),
                        "application-icon", APPLICATION_ID,
                        "version", PACKAGE_VERSION,
                        "developer-name", "The qubes-rescue authors",
                        "developers", developers,
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "website", PACKAGE_URL,
                        "issue-url", PACKAGE_URL "/issues",
                        "comments", _("Restore the qubes and files of a Qubes OS backup on "
                                      "any Linux computer, without Qubes OS. The backup "
                                      "itself is never changed."),
                        NULL);

  /* Untranslated, the marker itself would be credited as a name. */
  if (g_strcmp0 (translators, "translator-credits") != 0)
    adw_about_window_set_translator_credits (ADW_ABOUT_WINDOW (about), translators);

  gtk_window_present (GTK_WINDOW (about));
}

/* One help window, beside the wizard rather than over it, so that its
 * advice can be followed while reading it. */
static void
show_help (GtkApplication *application,
           const char     *topic)
{
  GtkWindow *help = find_window (application, QR_TYPE_HELP_WINDOW);

  if (help == NULL)
    {
      help = GTK_WINDOW (qr_help_window_new ());
      gtk_window_set_transient_for (help, find_window (application, QR_TYPE_WINDOW));
      gtk_window_set_destroy_with_parent (help, TRUE);
      gtk_window_set_application (help, application);
    }

  qr_help_window_show_topic (QR_HELP_WINDOW (help), topic);
  gtk_window_present (help);
}

static void
help_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  show_help (user_data, NULL);
}

/* From an error: the part of the help about it; "" for the top. */
static void
help_topic_action (GSimpleAction *action,
                   GVariant      *param,
                   gpointer       user_data)
{
  const char *topic = g_variant_get_string (param, NULL);

  show_help (user_data, topic[0] != '\0' ? topic : NULL);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_action },
  { "about", about_action },
  { "help", help_action },
  { "help-topic", help_topic_action, "s" },
};

static void
qr_application_startup (GApplication *application)
{
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *help_accels[] = { "F1", NULL };

  G_APPLICATION_CLASS (qr_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (application),
                                   app_actions, G_N_ELEMENTS (app_actions),
                                   application);
  gtk_application_set_accels_for_action (GTK_APPLICATION (application),
                                         "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (application),
                                         "app.help", help_accels);

  gtk_window_set_default_icon_name (APPLICATION_ID);
}

/* --version is answered by the process that was started, without a window. */
static int
qr_application_handle_local_options (GApplication *application,
                                     GVariantDict *options)
{
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("qubes-rescue %s\n", PACKAGE_VERSION);
      return 0;
    }

  return -1;
}

static void
qr_application_class_init (QrApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->handle_local_options = qr_application_handle_local_options;
  app_class->activate = qr_application_activate;
  app_class->open = qr_application_open;
  app_class->startup = qr_application_startup;
}

static void
qr_application_init (QrApplication *self)
{
  const GOptionEntry entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and quit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), _("[BACKUP]"));
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Restore the qubes and files of a Qubes OS "
                                              "backup, opening BACKUP if it is given."));
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
