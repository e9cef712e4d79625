/* qr-test-utils.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "qr-qube-row.h"
#include "qr-result-row.h"
#include "qr-window.h"

G_BEGIN_DECLS

#define QR_TEST_PASSPHRASE "correct horse battery"
#define QR_TEST_TIMEOUT_SECONDS 120

typedef gboolean (*QrTestCondition) (gpointer data);

/* What every case of a gui test program starts with: a folder of its own,
 * removed afterwards, and a fresh wizard window at 1000×700. */
typedef struct
{
  char     *dir;
  QrWindow *window;
} QrTestFixture;

gboolean        qr_test_init_suite        (int              *argc,
                                           char           ***argv,
                                           const char       *skip_path,
                                           gboolean          needs_generator);
void            qr_test_remove_tree       (const char       *path);
gboolean        qr_test_init_display      (int              *argc,
                                           char           ***argv);
char           *qr_test_make_backup       (const char       *dir,
                                           const char       *name,
                                           const char * const *extra_args);
void            qr_test_copy_truncated    (const char       *source,
                                           const char       *path,
                                           const char       *member_prefix);
void            qr_test_copy_damaged      (const char       *source,
                                           const char       *path,
                                           const char * const *members);
GtkLabel       *qr_test_find_label_containing (GtkWidget  *root,
                                               const char *text);
void            qr_test_copy_with_slow_header (const char   *source,
                                               const char   *path);
GtkApplication *qr_test_get_application   (void);
QrWindow       *qr_test_new_window        (int               width,
                                           int               height);
gboolean        qr_test_wait_until        (QrTestCondition   condition,
                                           gpointer          data,
                                           guint             timeout_seconds);
void            qr_test_wait_for_page     (QrWindow         *window,
                                           const char       *name);
void            qr_test_settle            (guint             msec);
void            qr_test_fixture_set_up    (QrTestFixture    *fixture,
                                           gconstpointer     data);
void            qr_test_fixture_tear_down (QrTestFixture    *fixture,
                                           gconstpointer     data);
void            qr_test_wait_for_drawn    (GtkWidget        *widget);
GtkWidget      *qr_test_find_child        (GtkWidget        *root,
                                           GType             type,
                                           const char       *template_child);
void            qr_test_press_enter       (GtkWidget        *entry);
void            qr_test_open_and_unlock   (QrWindow         *window,
                                           const char       *path);
AdwMessageDialog *qr_test_find_dialog     (void);
void            qr_test_click             (GtkWidget        *button);
void            qr_test_respond           (AdwMessageDialog *dialog,
                                           const char       *response);
void            qr_test_choose_parent     (QrWindow         *window,
                                           const char       *dir);
QrQubeRow      *qr_test_find_qube_row     (QrWindow         *window,
                                           const char       *name);
QrResultRow    *qr_test_find_result_row   (QrWindow         *window,
                                           const char       *name);
GStrv           qr_test_list_folder       (const char       *path);
GPtrArray      *qr_test_remember_files    (const char       *destination,
                                           GStrv             folders);
void            qr_test_assert_untouched  (GPtrArray        *kept);
GHashTable     *qr_test_load_sums         (const char       *backup);
guint           qr_test_check_qube_files  (GHashTable       *sums,
                                           const char       *destination,
                                           const char       *qube);
guint           qr_test_count_unverified_files (const char *destination,
                                                const char *relative,
                                                GHashTable *sums);

G_END_DECLS
