/* test-keyboard.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The wizard without a mouse: every key the shortcuts window lists does
 * what it says in the main window, each page puts the focus where its
 * work starts, a qube is one stop for the keyboard, and pages come back
 * scrolled to their top. */

#include "config.h"

#include <string.h>

#include "qr-heading.h"
#include "qr-page-choose.h"
#include "qr-page-open.h"
#include "qr-page-unlock.h"
#include "qr-test-utils.h"

static char *fixture_dir;
static char *full_backup;

typedef QrTestFixture Fixture;

/* The shortcut of @widget's own controllers that @trigger sets off. */
static GtkShortcut *
find_shortcut (GtkWidget          *widget,
               GtkShortcutTrigger *trigger)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;

      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);

          if (gtk_shortcut_trigger_equal (gtk_shortcut_get_trigger (shortcut), trigger))
            return shortcut;
        }
    }

  return NULL;
}

static void
collect_shortcuts (GtkWidget *root,
                   GPtrArray *found)
{
  if (GTK_IS_SHORTCUTS_SHORTCUT (root))
    g_ptr_array_add (found, root);

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_shortcuts (child, found);
}

static gboolean
is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Every line of the shortcuts window shows keys, and the keys it shows
 * for the window do that in the main window. Ctrl+W closes it. */
static void
test_shortcuts (Fixture       *fixture,
                gconstpointer  data)
{
  GtkApplication *application = qr_test_get_application ();
  g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource ("/io/github/qubesrescue/QubesRescue/gtk/help-overlay.ui");
  GtkWidget *overlay = GTK_WIDGET (gtk_builder_get_object (builder, "help_overlay"));
  g_autoptr(GPtrArray) shortcuts = g_ptr_array_new ();
  GtkShortcut *close = NULL;
  guint n_window = 0;

  collect_shortcuts (overlay, shortcuts);
  g_assert_cmpuint (shortcuts->len, >=, 8);

  for (guint i = 0; i < shortcuts->len; i++)
    {
      g_autofree char *title = NULL;
      g_autofree char *accelerator = NULL;
      g_autofree char *action_name = NULL;

      g_object_get (g_ptr_array_index (shortcuts, i),
                    "title", &title,
                    "accelerator", &accelerator,
                    "action-name", &action_name,
                    NULL);

      if (action_name != NULL)
        {
          g_auto(GStrv) accels = gtk_application_get_accels_for_action (application, action_name);

          g_test_message ("%s: %s", title, action_name);
          g_assert_nonnull (accels);
          g_assert_nonnull (accels[0]);
          continue;
        }

      g_test_message ("%s: %s", title, accelerator);
      g_assert_nonnull (accelerator);

      /* Keys of the window itself, not of a widget in it (Return in an
       * entry, F10 for the main menu). */
      if (strchr (accelerator, '<') != NULL)
        {
          g_autoptr(GtkShortcutTrigger) trigger = gtk_shortcut_trigger_parse_string (accelerator);
          GtkShortcut *shortcut = find_shortcut (GTK_WIDGET (fixture->window), trigger);

          g_assert_nonnull (shortcut);
          n_window++;
          if (g_str_equal (accelerator, "<Control>w"))
            close = shortcut;
        }
    }

  g_assert_cmpuint (n_window, >=, 3);
  g_assert_nonnull (close);
  gtk_window_destroy (GTK_WINDOW (overlay));

  /* Ctrl+W in the main window closes it. */
  g_assert_true (gtk_shortcut_action_activate (gtk_shortcut_get_action (close),
                                               GTK_SHORTCUT_ACTION_EXCLUSIVE,
                                               GTK_WIDGET (fixture->window), NULL));
  g_assert_true (qr_test_wait_until (is_null, &fixture->window, 10));
}

static GtkWidget *
get_focus (Fixture *fixture)
{
  return gtk_root_get_focus (GTK_ROOT (fixture->window));
}

/* What the Tab key does: the window's binding for it. */
static void
press_tab (Fixture *fixture)
{
  g_signal_emit_by_name (fixture->window, "move-focus", GTK_DIR_TAB_FORWARD);
}

static gboolean
focus_is_in (GtkWidget *focus,
             GtkWidget *widget)
{
  return focus != NULL && (focus == widget || gtk_widget_is_ancestor (focus, widget));
}

/* Each page puts the focus where its work starts, and the focus is shown
 * from the first key press on. */
static void
test_initial_focus (Fixture       *fixture,
                    gconstpointer  data)
{
  GtkWidget *choose_button = qr_test_find_child (GTK_WIDGET (fixture->window), QR_TYPE_PAGE_OPEN,
                                                 "choose_button");
  GtkWidget *entry = qr_test_find_child (GTK_WIDGET (fixture->window), QR_TYPE_PAGE_UNLOCK, "entry");
  GtkWidget *heading = qr_test_find_child (GTK_WIDGET (fixture->window), QR_TYPE_PAGE_CHOOSE,
                                           "heading");
  g_autoptr(GFile) file = g_file_new_for_path (full_backup);

  g_assert_true (gtk_window_get_focus_visible (GTK_WINDOW (fixture->window)));
  g_assert_true (get_focus (fixture) == choose_button);

  qr_window_open_file (fixture->window, file);
  qr_test_wait_for_page (fixture->window, "unlock");
  g_assert_true (focus_is_in (get_focus (fixture), entry));

  gtk_editable_set_text (GTK_EDITABLE (entry), QR_TEST_PASSPHRASE);
  qr_test_press_enter (entry);
  qr_test_wait_for_page (fixture->window, "choose");
  g_assert_true (get_focus (fixture) == heading);
  g_assert_true (gtk_widget_get_state_flags (heading) & GTK_STATE_FLAG_FOCUS_VISIBLE);
  g_assert_cmpstr (qr_heading_get_label (QR_HEADING (heading)), ==, "Choose What to Restore");
}

/* A qube is one stop for the keyboard, with the arrows as with Tab; its
 * check box is never one of its own, and activating the row chooses the
 * qube. */
static void
test_one_stop_per_qube (Fixture       *fixture,
                        gconstpointer  data)
{
  GtkWidget *list = qr_test_find_child (GTK_WIDGET (fixture->window), QR_TYPE_PAGE_CHOOSE,
                                        "qube_list");
  GtkWidget *focus;
  QrQubeRow *first;

  qr_test_open_and_unlock (fixture->window, full_backup);

  /* Into the list from the heading, past Select All and Select None. */
  do
    {
      press_tab (fixture);
      focus = get_focus (fixture);
    }
  while (!focus_is_in (focus, list));

  g_assert_true (QR_IS_QUBE_ROW (focus));
  first = QR_QUBE_ROW (focus);

  /* Down through the qubes that can be chosen, one row each, as the
   * arrow key does; the rows that cannot be chosen are passed over. */
  {
    g_autoptr(GHashTable) visited = g_hash_table_new (NULL, NULL);

    g_hash_table_add (visited, focus);
    for (guint i = 0; i < 10; i++)
      {
        g_signal_emit_by_name (list, "move-cursor", GTK_MOVEMENT_DISPLAY_LINES, 1, FALSE, FALSE);
        focus = get_focus (fixture);
        g_assert_true (QR_IS_QUBE_ROW (focus));
        g_assert_true (qr_qube_row_get_selectable (QR_QUBE_ROW (focus)));
        g_hash_table_add (visited, focus);
      }
    g_assert_cmpuint (g_hash_table_size (visited), ==, 4);
  }

  /* Tab, too, goes from qube to qube, each one stop, never into a row's
   * check box, and then out of the list. */
  {
    g_autoptr(GHashTable) stops = g_hash_table_new (NULL, NULL);

    gtk_widget_grab_focus (GTK_WIDGET (first));
    for (focus = GTK_WIDGET (first); focus_is_in (focus, list); focus = get_focus (fixture))
      {
        g_assert_true (QR_IS_QUBE_ROW (focus));
        g_assert_false (g_hash_table_contains (stops, focus));
        g_hash_table_add (stops, focus);
        press_tab (fixture);
      }
    g_assert_cmpuint (g_hash_table_size (stops), ==, 4);
  }

  /* Activating the row chooses the qube. */
  {
    gboolean selected = qr_qube_row_get_selected (first);

    gtk_widget_activate (GTK_WIDGET (first));
    g_assert_true (qr_qube_row_get_selected (first) != selected);
  }
}

static gboolean
is_scrollable (gpointer data)
{
  GtkAdjustment *adjustment = data;

  return gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment) > 0;
}

/* Coming back, the Choose page is at its top, not where it was left. */
static void
test_scroll_reset (Fixture       *fixture,
                   gconstpointer  data)
{
  GtkWidget *scrolled = qr_test_find_child (GTK_WIDGET (fixture->window), QR_TYPE_PAGE_CHOOSE,
                                            "scrolled_window");
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));

  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1000, 500);
  qr_test_open_and_unlock (fixture->window, full_backup);
  g_assert_true (qr_test_wait_until (is_scrollable, adjustment, 10));
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), >, 0);

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.go-back", NULL);
  qr_test_wait_for_page (fixture->window, "unlock");
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.go-next", NULL);
  qr_test_wait_for_page (fixture->window, "choose");

  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  const char *full_args[] = { "--qubes", "full", NULL };
  int ret;

  if (!qr_test_init_suite (&argc, &argv, "/qr/keyboard/skipped", TRUE))
    return g_test_run ();

  fixture_dir = g_dir_make_tmp ("qr-gui-fixtures-XXXXXX", &error);
  g_assert_no_error (error);
  full_backup = qr_test_make_backup (fixture_dir, "full-backup", full_args);

  g_test_add ("/qr/keyboard/shortcuts", Fixture, NULL,
              qr_test_fixture_set_up, test_shortcuts, qr_test_fixture_tear_down);
  g_test_add ("/qr/keyboard/initial-focus", Fixture, NULL,
              qr_test_fixture_set_up, test_initial_focus, qr_test_fixture_tear_down);
  g_test_add ("/qr/keyboard/one-stop-per-qube", Fixture, NULL,
              qr_test_fixture_set_up, test_one_stop_per_qube, qr_test_fixture_tear_down);
  g_test_add ("/qr/keyboard/scroll-reset", Fixture, NULL,
              qr_test_fixture_set_up, test_scroll_reset, qr_test_fixture_tear_down);

  ret = g_test_run ();

  qr_test_remove_tree (fixture_dir);
  return ret;
}
