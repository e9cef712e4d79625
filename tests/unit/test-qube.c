/* test-qube.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "qr-qube.h"

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

static guint
connect_counter (QrQube     *qube,
                 const char *property,
                 guint      *count)
{
  g_autofree char *signal = g_strconcat ("notify::", property, NULL);

  *count = 0;
  return g_signal_connect (qube, signal, G_CALLBACK (count_notify_cb), count);
}

static void
test_new (void)
{
  QrQube *qube = qr_qube_new ("work");
  g_autofree char *name = NULL;

  g_assert_true (QR_IS_QUBE (qube));
  g_assert_cmpstr (qr_qube_get_name (qube), ==, "work");
  g_assert_cmpuint (qr_qube_get_qid (qube), ==, 0);
  g_assert_null (qr_qube_get_klass (qube));
  g_assert_null (qr_qube_get_label (qube));
  g_assert_null (qr_qube_get_label_color (qube));
  g_assert_null (qr_qube_get_template (qube));
  g_assert_null (qr_qube_get_backup_path (qube));
  g_assert_cmpuint (qr_qube_get_backup_size (qube), ==, 0);
  g_assert_false (qr_qube_get_included (qube));
  g_assert_false (qr_qube_get_present (qube));
  g_assert_false (qr_qube_is_dom0 (qube));

  g_object_get (qube, "name", &name, NULL);
  g_assert_cmpstr (name, ==, "work");

  g_assert_finalize_object (qube);
}

static void
test_string_properties (void)
{
  const struct
  {
    const char *property;
    void (*set) (QrQube *, const char *);
    const char *(*get) (QrQube *);
  } cases[] = {
    { "klass", qr_qube_set_klass, qr_qube_get_klass },
    { "label", qr_qube_set_label, qr_qube_get_label },
    { "label-color", qr_qube_set_label_color, qr_qube_get_label_color },
    { "template", qr_qube_set_template, qr_qube_get_template },
    { "backup-path", qr_qube_set_backup_path, qr_qube_get_backup_path },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      QrQube *qube = qr_qube_new ("work");
      g_autofree char *value = NULL;
      char buffer[16];
      guint count;

      connect_counter (qube, cases[i].property, &count);

      cases[i].set (qube, "first");
      g_assert_cmpuint (count, ==, 1);
      g_assert_cmpstr (cases[i].get (qube), ==, "first");

      /* The same text from another buffer is not a change. */
      g_strlcpy (buffer, "first", sizeof buffer);
      cases[i].set (qube, buffer);
      g_assert_cmpuint (count, ==, 1);

      g_object_set (qube, cases[i].property, "second", NULL);
      g_assert_cmpuint (count, ==, 2);
      g_object_get (qube, cases[i].property, &value, NULL);
      g_assert_cmpstr (value, ==, "second");

      cases[i].set (qube, NULL);
      g_assert_cmpuint (count, ==, 3);
      g_assert_null (cases[i].get (qube));
      cases[i].set (qube, NULL);
      g_assert_cmpuint (count, ==, 3);

      g_assert_finalize_object (qube);
    }
}

static void
test_qid (void)
{
  QrQube *qube = qr_qube_new ("work");
  guint count;
  guint qid;

  connect_counter (qube, "qid", &count);

  qr_qube_set_qid (qube, 12);
  g_assert_cmpuint (count, ==, 1);
  qr_qube_set_qid (qube, 12);
  g_assert_cmpuint (count, ==, 1);
  g_object_set (qube, "qid", 13, NULL);
  g_assert_cmpuint (count, ==, 2);
  g_object_get (qube, "qid", &qid, NULL);
  g_assert_cmpuint (qid, ==, 13);
  g_assert_cmpuint (qr_qube_get_qid (qube), ==, 13);

  g_assert_finalize_object (qube);
}

static void
test_backup_size (void)
{
  QrQube *qube = qr_qube_new ("work");
  guint64 size;
  guint count;

  connect_counter (qube, "backup-size", &count);

  qr_qube_set_backup_size (qube, G_GUINT64_CONSTANT (2147483648));
  g_assert_cmpuint (count, ==, 1);
  qr_qube_set_backup_size (qube, G_GUINT64_CONSTANT (2147483648));
  g_assert_cmpuint (count, ==, 1);
  g_object_set (qube, "backup-size", G_MAXUINT64, NULL);
  g_assert_cmpuint (count, ==, 2);
  g_object_get (qube, "backup-size", &size, NULL);
  g_assert_cmpuint (size, ==, G_MAXUINT64);

  g_assert_finalize_object (qube);
}

static void
test_booleans (void)
{
  const struct
  {
    const char *property;
    void (*set) (QrQube *, gboolean);
    gboolean (*get) (QrQube *);
  } cases[] = {
    { "included", qr_qube_set_included, qr_qube_get_included },
    { "present", qr_qube_set_present, qr_qube_get_present },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      QrQube *qube = qr_qube_new ("work");
      gboolean value;
      guint count;

      connect_counter (qube, cases[i].property, &count);

      cases[i].set (qube, FALSE);
      g_assert_cmpuint (count, ==, 0);
      cases[i].set (qube, TRUE);
      g_assert_cmpuint (count, ==, 1);
      g_assert_true (cases[i].get (qube));

      /* Any non-zero value is the same TRUE. */
      cases[i].set (qube, 2);
      g_assert_cmpuint (count, ==, 1);

      g_object_set (qube, cases[i].property, FALSE, NULL);
      g_assert_cmpuint (count, ==, 2);
      g_object_get (qube, cases[i].property, &value, NULL);
      g_assert_false (value);

      g_assert_finalize_object (qube);
    }
}

static void
test_dom0 (void)
{
  QrQube *by_name = qr_qube_new (QR_QUBE_DOM0_NAME);
  QrQube *by_class = qr_qube_new ("admin");
  gboolean is_dom0;
  guint count;

  g_assert_true (qr_qube_is_dom0 (by_name));
  g_object_get (by_name, "is-dom0", &is_dom0, NULL);
  g_assert_true (is_dom0);

  connect_counter (by_class, "is-dom0", &count);
  g_assert_false (qr_qube_is_dom0 (by_class));

  qr_qube_set_klass (by_class, "AppVM");
  g_assert_cmpuint (count, ==, 0);
  g_assert_false (qr_qube_is_dom0 (by_class));

  qr_qube_set_klass (by_class, "AdminVM");
  g_assert_cmpuint (count, ==, 1);
  g_assert_true (qr_qube_is_dom0 (by_class));
  g_object_get (by_class, "is-dom0", &is_dom0, NULL);
  g_assert_true (is_dom0);

  qr_qube_set_klass (by_class, "TemplateVM");
  g_assert_cmpuint (count, ==, 2);
  g_assert_false (qr_qube_is_dom0 (by_class));

  g_assert_finalize_object (by_name);
  g_assert_finalize_object (by_class);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qr/qube/new", test_new);
  g_test_add_func ("/qr/qube/string-properties", test_string_properties);
  g_test_add_func ("/qr/qube/qid", test_qid);
  g_test_add_func ("/qr/qube/backup-size", test_backup_size);
  g_test_add_func ("/qr/qube/booleans", test_booleans);
  g_test_add_func ("/qr/qube/dom0", test_dom0);

  return g_test_run ();
}
