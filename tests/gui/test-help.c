/* test-help.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "qr-error.h"
#include "qr-error-text.h"
#include "qr-error-view.h"
#include "qr-help-window.h"
#include "qr-page-open.h"
#include "qr-page-unlock.h"
#include "qr-test-utils.h"

#define PASSPHRASE_HEADING "If you forgot the passphrase"

static char *small_backup;

typedef QrTestFixture Fixture;

static gpointer
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) &&
          gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }

  return NULL;
}

static guint
count_toplevels (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type))
        n++;
    }

  return n;
}

static gboolean
help_window_shown (gpointer data)
{
  QrHelpWindow *help = find_toplevel (QR_TYPE_HELP_WINDOW);

  return help != NULL && gtk_widget_get_mapped (GTK_WIDGET (help));
}

static QrHelpWindow *
wait_for_help_window (void)
{
  QrHelpWindow *help;

  if (!qr_test_wait_until (help_window_shown, NULL, 10))
    g_error ("The help window did not open");

  help = find_toplevel (QR_TYPE_HELP_WINDOW);
  qr_test_wait_for_drawn (GTK_WIDGET (help));
  return help;
}

static GtkLabel *
find_label (GtkWidget  *root,
            const char *text)
{
  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (root)), text) == 0)
    return GTK_LABEL (root);

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found = find_label (child, text);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* Where @heading's top is, in the visible part of the help. */
static double
heading_offset (QrHelpWindow *help,
                GtkWidget    *heading)
{
  GtkWidget *scrolled = qr_test_find_child (GTK_WIDGET (help), QR_TYPE_HELP_WINDOW,
                                            "scrolled_window");
  graphene_point_t point;

  g_assert_true (gtk_widget_compute_point (heading, scrolled, &GRAPHENE_POINT_INIT (0, 0),
                                           &point));
  return point.y;
}

typedef struct
{
  QrHelpWindow *help;
  GtkWidget    *heading;
} TopicWait;

/* The heading is at the top of what is shown, not somewhere below. */
static gboolean
heading_at_top (gpointer data)
{
  TopicWait *wait = data;
  double offset = heading_offset (wait->help, wait->heading);

  return offset >= 0 && offset < 48;
}

static void
assert_shows_topic (QrHelpWindow *help,
                    const char   *topic,
                    const char   *heading_name)
{
  TopicWait wait = { help, NULL };

  wait.heading = qr_test_find_child (GTK_WIDGET (help), QR_TYPE_HELP_WINDOW, heading_name);
  g_assert_nonnull (wait.heading);
  g_assert_cmpstr (qr_help_window_get_topic (help), ==, topic);

  if (!qr_test_wait_until (heading_at_top, &wait, 10))
    g_error ("The help did not scroll to “%s”: its heading is %.0f pixels down",
             topic, heading_offset (help, wait.heading));
}

static gboolean
menu_has_action (GMenuModel *model,
                 const char *action)
{
  for (int i = 0; i < g_menu_model_get_n_items (model); i++)
    {
      g_autofree char *name = NULL;
      g_autoptr(GMenuModel) section = NULL;

      if (g_menu_model_get_item_attribute (model, i, G_MENU_ATTRIBUTE_ACTION, "s", &name) &&
          g_str_equal (name, action))
        return TRUE;

      section = g_menu_model_get_item_link (model, i, G_MENU_LINK_SECTION);
      if (section != NULL && menu_has_action (section, action))
        return TRUE;
    }

  return FALSE;
}

static gboolean
strv_has (char       **strv,
          const char  *str)
{
  return strv != NULL && g_strv_contains ((const char * const *) strv, str);
}

static gboolean
scrolled_to_top (gpointer data)
{
  GtkWidget *scrolled = qr_test_find_child (data, QR_TYPE_HELP_WINDOW, "scrolled_window");
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));

  return gtk_adjustment_get_value (adjustment) == 0;
}

static gboolean
is_laid_out (gpointer data)
{
  return gtk_widget_get_height (data) > 0;
}

static void
test_from_menu (Fixture       *fixture,
                gconstpointer  data)
{
  GtkApplication *application = qr_test_get_application ();
  GtkWidget *menu_button = qr_test_find_child (GTK_WIDGET (fixture->window),
                                               GTK_TYPE_MENU_BUTTON, NULL);
  GMenuModel *menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (menu_button));
  g_auto(GStrv) help_accels = gtk_application_get_accels_for_action (application, "app.help");
  g_auto(GStrv) overlay_accels = gtk_application_get_accels_for_action (application,
                                                                        "win.show-help-overlay");
  QrHelpWindow *help;
  GtkLabel *heading;

  /* The main menu offers the help, the shortcuts and About; F1 is help. */
  g_assert_true (menu_has_action (menu, "app.help"));
  g_assert_true (menu_has_action (menu, "win.show-help-overlay"));
  g_assert_true (menu_has_action (menu, "app.about"));
  g_assert_true (strv_has (help_accels, "F1"));
  g_assert_true (strv_has (overlay_accels, "<Control>question"));

  g_assert_null (find_toplevel (QR_TYPE_HELP_WINDOW));
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "app.help", NULL);
  help = wait_for_help_window ();

  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (help)));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (help)), ==, "Help");
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (help)) == GTK_WINDOW (fixture->window));
  g_assert_false (gtk_window_get_modal (GTK_WINDOW (help)));
  g_assert_true (gtk_window_get_destroy_with_parent (GTK_WINDOW (help)));
  g_assert_null (qr_help_window_get_topic (help));

  heading = find_label (GTK_WIDGET (help), PASSPHRASE_HEADING);
  g_assert_nonnull (heading);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (heading), "title-2"));
  g_assert_true (GTK_WIDGET (heading) == qr_test_find_child (GTK_WIDGET (help),
                                                             QR_TYPE_HELP_WINDOW,
                                                             "passphrase_heading"));
  /* Opened from the menu, it starts at the top. */
  g_assert_true (qr_test_wait_until (is_laid_out, heading, 10));
  g_assert_true (qr_test_wait_until (scrolled_to_top, help, 10));
  g_assert_cmpfloat (heading_offset (help, GTK_WIDGET (heading)), >, 300);

  /* The manual procedure is there, selectable, in monospace. */
  {
    GtkLabel *commands = find_label (GTK_WIDGET (help),
                                     "tar -i -xf BACKUP \\\n"
                                     "  backup-header backup-header.hmac qubes.xml.000.enc");

    g_assert_nonnull (commands);
    g_assert_true (gtk_label_get_selectable (commands));
    g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (commands), "monospace"));
  }

  /* Asking again brings back the same window rather than a second one. */
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "app.help", NULL);
  g_assert_cmpuint (count_toplevels (QR_TYPE_HELP_WINDOW), ==, 1);

  /* And the wizard stays the window that backups open in. */
  g_assert_true (QR_IS_WINDOW (gtk_application_get_active_window (application)) ||
                 QR_IS_HELP_WINDOW (gtk_application_get_active_window (application)));
}

static void
test_topic (Fixture       *fixture,
            gconstpointer  data)
{
  QrHelpWindow *help;

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "app.help-topic", "s",
                              QR_HELP_TOPIC_MANUAL);
  help = wait_for_help_window ();
  assert_shows_topic (help, QR_HELP_TOPIC_MANUAL, "manual_heading");

  /* Already open, it moves to the new topic. */
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "app.help-topic", "s",
                              QR_HELP_TOPIC_PASSPHRASE);
  assert_shows_topic (help, QR_HELP_TOPIC_PASSPHRASE, "passphrase_heading");

  /* An unknown topic is the top, not an error. */
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "app.help-topic", "s", "no-such");
  g_assert_null (qr_help_window_get_topic (help));
  g_assert_true (qr_test_wait_until (scrolled_to_top, help, 10));
}

static void
read_text_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  char **text = user_data;
  g_autoptr(GError) error = NULL;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, &error);
  g_assert_no_error (error);
}

static gboolean
text_read (gpointer data)
{
  return *(char **) data != NULL;
}

static gboolean
shows_copied (gpointer data)
{
  return g_strcmp0 (gtk_button_get_icon_name (data), "object-select-symbolic") == 0;
}

static void
test_copy (Fixture       *fixture,
           gconstpointer  data)
{
  QrHelpWindow *help;
  GtkWidget *label;
  GtkWidget *card;
  GtkWidget *button;
  GdkClipboard *clipboard;
  g_autofree char *text = NULL;

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "app.help-topic", "s",
                              QR_HELP_TOPIC_MANUAL);
  help = wait_for_help_window ();

  /* The commands that check the passphrase, copied whole by their button. */
  label = GTK_WIDGET (qr_test_find_label_containing (GTK_WIDGET (help),
                                             "backup-header.hmac header.checked"));
  g_assert_nonnull (label);
  g_assert_true (gtk_label_get_selectable (GTK_LABEL (label)));
  card = gtk_widget_get_parent (gtk_widget_get_ancestor (label, GTK_TYPE_SCROLLED_WINDOW));
  button = qr_test_find_child (card, GTK_TYPE_BUTTON, NULL);
  g_assert_nonnull (button);
  g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (button)), ==, "edit-copy-symbolic");

  clipboard = gtk_widget_get_clipboard (label);
  gdk_clipboard_set_text (clipboard, "something else");
  gtk_widget_activate (button);
  g_assert_true (qr_test_wait_until (shows_copied, button, 10));

  gdk_clipboard_read_text_async (clipboard, NULL, read_text_cb, &text);
  g_assert_true (qr_test_wait_until (text_read, &text, 10));
  g_assert_cmpstr (text, ==, gtk_label_get_label (GTK_LABEL (label)));
}

static void
test_narrow (Fixture       *fixture,
             gconstpointer  data)
{
  QrHelpWindow *help;
  GtkWidget *clamp;
  int minimum;

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "app.help", NULL);
  help = wait_for_help_window ();
  clamp = qr_test_find_child (GTK_WIDGET (help), QR_TYPE_HELP_WINDOW, "clamp");

  /* Long commands scroll inside their box instead of widening the page,
   * so the help fits a phone. */
  gtk_widget_measure (clamp, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
  g_assert_cmpint (minimum, <=, 360 - 2 * 12);
}

static void
test_about (Fixture       *fixture,
            gconstpointer  data)
{
  AdwAboutWindow *about;

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "app.about", NULL);
  about = find_toplevel (ADW_TYPE_ABOUT_WINDOW);
  g_assert_nonnull (about);

  g_assert_cmpstr (adw_about_window_get_application_name (about), ==, "Qubes Backup Rescue");
  g_assert_cmpstr (adw_about_window_get_version (about), ==, PACKAGE_VERSION);
  g_assert_cmpstr (adw_about_window_get_application_icon (about), ==, APPLICATION_ID);
  g_assert_cmpstr (adw_about_window_get_developer_name (about), ==, "The qubes-rescue authors");
  g_assert_cmpstr (adw_about_window_get_website (about), ==,
                   "https://github.com/qubesrescue/qubesrescue");
  g_assert_cmpstr (adw_about_window_get_issue_url (about), ==,
                   "https://github.com/qubesrescue/qubesrescue/issues");
  g_assert_cmpint (adw_about_window_get_license_type (about), ==, GTK_LICENSE_GPL_3_0);
  g_assert_nonnull (adw_about_window_get_comments (about));

  /* Untranslated, nobody is credited as “translator-credits”. */
  g_assert_cmpstr (adw_about_window_get_translator_credits (about), !=, "translator-credits");
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (about)) == GTK_WINDOW (fixture->window));
}

/* The Help button of the error shown on @page, ready to be pressed. */
static GtkWidget *
find_help_button (GtkWidget *page)
{
  GtkWidget *button = qr_test_find_child (page, QR_TYPE_ERROR_VIEW, "help_button");

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_mapped (button));
  g_assert_true (gtk_widget_is_sensitive (button));

  return button;
}

static void
test_not_a_backup (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "holiday-photos.tar", NULL);
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *page = qr_test_find_child (GTK_WIDGET (fixture->window), QR_TYPE_PAGE_OPEN, NULL);
  QrHelpWindow *help;

  g_file_set_contents (path, "These are not the bytes of a Qubes backup.\n", -1, &error);
  g_assert_no_error (error);

  file = g_file_new_for_path (path);
  qr_window_open_file (fixture->window, file);
  qr_test_wait_for_page (fixture->window, "open");
  g_assert_cmpstr (qr_page_open_get_error_title (QR_PAGE_OPEN (page)), ==,
                   "This is not a Qubes backup");

  g_assert_null (find_toplevel (QR_TYPE_HELP_WINDOW));
  gtk_widget_activate (find_help_button (page));
  help = wait_for_help_window ();

  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (help)), ==, "Help");
  assert_shows_topic (help, QR_HELP_TOPIC_DAMAGED, "damaged_heading");
}

static gboolean
unlock_has_error (gpointer data)
{
  return qr_page_unlock_get_error_title (data) != NULL;
}

static void
test_wrong_passphrase (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GFile) file = g_file_new_for_path (small_backup);
  GtkWidget *page = qr_test_find_child (GTK_WIDGET (fixture->window), QR_TYPE_PAGE_UNLOCK, NULL);
  GtkWidget *entry = qr_test_find_child (page, QR_TYPE_PAGE_UNLOCK, "entry");
  QrHelpWindow *help;

  qr_window_open_file (fixture->window, file);
  qr_test_wait_for_page (fixture->window, "unlock");

  gtk_editable_set_text (GTK_EDITABLE (entry), "not the passphrase");
  qr_test_press_enter (entry);
  g_assert_true (qr_test_wait_until (unlock_has_error, page, QR_TEST_TIMEOUT_SECONDS));
  qr_test_wait_for_page (fixture->window, "unlock");

  gtk_widget_activate (find_help_button (page));
  help = wait_for_help_window ();
  assert_shows_topic (help, QR_HELP_TOPIC_PASSPHRASE, "passphrase_heading");
  g_assert_nonnull (find_label (GTK_WIDGET (help), PASSPHRASE_HEADING));
}

/* The one table of error words: every code the engine raises has its own
 * title and body, and the help topic that says more. */
static void
test_error_table (void)
{
  const struct {
    GQuark      domain;
    int         code;
    const char *topic;
  } cases[] = {
    { 0, QR_ERROR_WRONG_PASSPHRASE, QR_HELP_TOPIC_PASSPHRASE },
    { 0, QR_ERROR_DAMAGED, QR_HELP_TOPIC_DAMAGED },
    { 0, QR_ERROR_TRUNCATED, QR_HELP_TOPIC_DAMAGED },
    { 0, QR_ERROR_NOT_A_BACKUP, QR_HELP_TOPIC_DAMAGED },
    { 0, QR_ERROR_IO, QR_HELP_TOPIC_DAMAGED },
    { 0, QR_ERROR_NEEDS_MEMORY, QR_HELP_TOPIC_SPACE },
    { 0, QR_ERROR_NO_SPACE, QR_HELP_TOPIC_SPACE },
    { 0, QR_ERROR_UNSUPPORTED_VERSION, QR_HELP_TOPIC_MANUAL },
    { 0, QR_ERROR_EXISTS, QR_HELP_TOPIC_PROGRAM },
    { 0, QR_ERROR_UDISKS_UNAVAILABLE, QR_HELP_TOPIC_FILES },
    { 0, QR_ERROR_NOT_AUTHORIZED, QR_HELP_TOPIC_FILES },
    { 0, QR_ERROR_NO_FILESYSTEM, QR_HELP_TOPIC_FILES },
    { 0, QR_ERROR_UNSUPPORTED_FILESYSTEM, QR_HELP_TOPIC_FILES },
    { 0, QR_ERROR_BUSY, QR_HELP_TOPIC_FILES },
    { 0, QR_ERROR_KDF_LIMIT, QR_HELP_TOPIC_DAMAGED },
  };
  g_autoptr(GError) failed = g_error_new_literal (QR_ERROR, QR_ERROR_FAILED, "test");
  QrErrorText fallback;

  qr_error_text_lookup (failed, &fallback);
  g_assert_cmpstr (fallback.title, ==, "Something went wrong");
  g_assert_null (fallback.help_topic);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = g_error_new_literal (QR_ERROR, cases[i].code, "test");
      QrErrorText text;

      qr_error_text_lookup (error, &text);
      g_assert_cmpstr (text.title, !=, fallback.title);
      g_assert_cmpstr (text.body, !=, "");
      g_assert_cmpstr (text.help_topic, ==, cases[i].topic);

      /* The wizard never sends anyone to a terminal. */
      g_assert_null (strstr (text.body, "sudo"));
    }

  /* GIO's own errors that the engine can pass on. */
  {
    g_autoptr(GError) full = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NO_SPACE, "full");
    g_autoptr(GError) other = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "other");
    QrErrorText text;

    qr_error_text_lookup (full, &text);
    g_assert_cmpstr (text.title, ==, "Not enough disk space");
    g_assert_cmpstr (text.help_topic, ==, QR_HELP_TOPIC_SPACE);

    qr_error_text_lookup (other, &text);
    g_assert_cmpstr (text.title, ==, fallback.title);
    g_assert_null (text.help_topic);
  }
}

static void
test_new_destroy (void)
{
  GtkWidget *help = qr_help_window_new ();

  g_object_ref (help);
  gtk_window_present (GTK_WINDOW (help));
  qr_help_window_show_topic (QR_HELP_WINDOW (help), QR_HELP_TOPIC_FILES);
  qr_test_wait_for_drawn (help);

  gtk_window_destroy (GTK_WINDOW (help));
  g_assert_finalize_object (help);
}

int
main (int   argc,
      char *argv[])
{
  const char *small_args[] = { "--qubes", "small", NULL };
  g_autofree char *fixture_dir = NULL;
  g_autoptr(GError) error = NULL;
  int ret;

  if (!qr_test_init_suite (&argc, &argv, "/qr/help/skipped", TRUE))
    return g_test_run ();

  qr_test_get_application ();

  g_test_add_func ("/qr/help/new-destroy", test_new_destroy);
  g_test_add_func ("/qr/help/error-table", test_error_table);
  g_test_add ("/qr/help/from-menu", Fixture, NULL,
              qr_test_fixture_set_up, test_from_menu, qr_test_fixture_tear_down);
  g_test_add ("/qr/help/topic", Fixture, NULL,
              qr_test_fixture_set_up, test_topic, qr_test_fixture_tear_down);
  g_test_add ("/qr/help/copy", Fixture, NULL,
              qr_test_fixture_set_up, test_copy, qr_test_fixture_tear_down);
  g_test_add ("/qr/help/narrow", Fixture, NULL,
              qr_test_fixture_set_up, test_narrow, qr_test_fixture_tear_down);
  g_test_add ("/qr/help/about", Fixture, NULL,
              qr_test_fixture_set_up, test_about, qr_test_fixture_tear_down);
  g_test_add ("/qr/help/not-a-backup", Fixture, NULL,
              qr_test_fixture_set_up, test_not_a_backup, qr_test_fixture_tear_down);

  fixture_dir = g_dir_make_tmp ("qr-help-fixtures-XXXXXX", &error);
  g_assert_no_error (error);
  small_backup = qr_test_make_backup (fixture_dir, "small-backup", small_args);
  g_test_add ("/qr/help/wrong-passphrase", Fixture, NULL,
              qr_test_fixture_set_up, test_wrong_passphrase, qr_test_fixture_tear_down);

  ret = g_test_run ();

  qr_test_remove_tree (fixture_dir);
  g_free (small_backup);
  return ret;
}
