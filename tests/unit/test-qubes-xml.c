/* test-qubes-xml.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <libxml/parser.h>

#include "qr-error.h"
#include "qr-qubes-xml.h"

#define LABELS \
  "<labels>" \
  "<label color=\"0x73d216\" id=\"label-4\">green</label>" \
  "<label color=\"0xCC0000\" id=\"label-1\">red</label>" \
  "<label color=\"red\" id=\"label-2\">orange</label>" \
  "</labels>"

#define GLOBALS \
  "<properties>" \
  "<property name=\"default_template\">debian-12-xfce</property>" \
  "<property name=\"default_dispvm\">default-dvm</property>" \
  "</properties>"

#define R4_DOC(domains) "<qubes>" LABELS GLOBALS "<domains>" domains "</domains></qubes>"

#define DOMAIN(klass, properties, features) \
  "<domain class=\"" klass "\"><properties>" properties "</properties>" \
  "<features>" features "</features></domain>"

#define PROP(name, value) "<property name=\"" name "\">" value "</property>"
#define FEAT(name, value) "<feature name=\"" name "\">" value "</feature>"

#define WORK_PROPS PROP ("name", "work") PROP ("qid", "12") PROP ("label", "label-4")
#define INCLUDED(path) FEAT ("backup-content", "True") FEAT ("backup-path", path)

static guint external_loads;

static GPtrArray *
parse (const char  *text,
       GError     **error)
{
  return qr_qubes_xml_parse (text, strlen (text), error);
}

static void
assert_damaged (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) qubes = parse (text, &error);

  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_assert_null (qubes);
  g_assert_true (g_str_has_prefix (error->message,
                                   "The list of qubes in this backup cannot be read: "));
}

static char *
load_sample (const char *name,
             gsize      *len)
{
  const char *dir = g_getenv ("QR_SAMPLES_DIR");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  if (dir != NULL)
    path = g_build_filename (dir, name, NULL);
  else
    path = g_test_build_filename (G_TEST_DIST, "samples", name, NULL);

  g_file_get_contents (path, &contents, len, &error);
  g_assert_no_error (error);

  return contents;
}

static QrQube *
find_qube (GPtrArray  *qubes,
           const char *name)
{
  for (guint i = 0; i < qubes->len; i++)
    if (g_str_equal (qr_qube_get_name (g_ptr_array_index (qubes, i)), name))
      return g_ptr_array_index (qubes, i);

  g_assert_not_reached ();
}

static void
assert_qube (QrQube     *qube,
             const char *klass,
             guint       qid,
             const char *label,
             const char *color,
             const char *template_name)
{
  g_assert_cmpstr (qr_qube_get_klass (qube), ==, klass);
  g_assert_cmpuint (qr_qube_get_qid (qube), ==, qid);
  g_assert_cmpstr (qr_qube_get_label (qube), ==, label);
  g_assert_cmpstr (qr_qube_get_label_color (qube), ==, color);
  g_assert_cmpstr (qr_qube_get_template (qube), ==, template_name);
  g_assert_false (qr_qube_get_present (qube));
}

static void
assert_backup (QrQube     *qube,
               gboolean    included,
               const char *path,
               guint64     size)
{
  g_assert_cmpint (qr_qube_get_included (qube), ==, included);
  g_assert_cmpstr (qr_qube_get_backup_path (qube), ==, path);
  g_assert_cmpuint (qr_qube_get_backup_size (qube), ==, size);
}

static void
test_r4_sample (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) qubes = NULL;
  g_autofree char *data = NULL;
  QrQube *qube;
  gsize len;

  data = load_sample ("r4-qubes.xml", &len);
  qubes = qr_qubes_xml_parse (data, len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (qubes->len, ==, 20);

  /* Document order. */
  g_assert_cmpstr (qr_qube_get_name (g_ptr_array_index (qubes, 0)), ==, "test-d8test");
  g_assert_cmpstr (qr_qube_get_name (g_ptr_array_index (qubes, 3)), ==, "dom0");
  g_assert_cmpstr (qr_qube_get_name (g_ptr_array_index (qubes, 19)), ==, "test-standalonevm");

  qube = find_qube (qubes, "test-d8test");
  assert_qube (qube, "AppVM", 20, "gray", "#555753", "debian-8");
  assert_backup (qube, TRUE, "appvms/test-d8test/", 20971520);

  qube = find_qube (qubes, "test-proxy");
  assert_qube (qube, "AppVM", 30, "red", "#cc0000", "debian-8");
  assert_backup (qube, TRUE, "appvms/test-proxy/", 209715200);

  qube = find_qube (qubes, "debian-8");
  assert_qube (qube, "TemplateVM", 16, "black", "#000000", NULL);
  assert_backup (qube, FALSE, NULL, 0);

  qube = find_qube (qubes, "dom0");
  assert_qube (qube, "AdminVM", 0, "black", "#000000", NULL);
  assert_backup (qube, TRUE, "dom0-home/user", 20971520);
  g_assert_true (qr_qube_is_dom0 (qube));

  qube = find_qube (qubes, "test-fedora-25-clone");
  assert_qube (qube, "TemplateVM", 7, "black", "#000000", NULL);
  assert_backup (qube, TRUE, "vm-templates/test-fedora-25-clone/", 2097152000);

  qube = find_qube (qubes, "test-custom-template-appvm");
  assert_qube (qube, "AppVM", 31, "yellow", "#edd400", "test-fedora-25-clone");
  assert_backup (qube, TRUE, "appvms/test-custom-template-appvm/", 20971520);

  qube = find_qube (qubes, "test-net");
  assert_qube (qube, "AppVM", 6, "scarlet", "#ff2400", "fedora-25");
  assert_backup (qube, TRUE, "appvms/test-net/", 209715200);

  qube = find_qube (qubes, "test-hvm");
  assert_qube (qube, "StandaloneVM", 9, "purple", "#75507b", NULL);
  assert_backup (qube, TRUE, "appvms/test-hvm/", 2097152000);

  qube = find_qube (qubes, "sys-firewall");
  assert_qube (qube, "AppVM", 21, "green", "#73d216", "fedora-25");
  assert_backup (qube, FALSE, NULL, 0);

  qube = find_qube (qubes, "test-standalonevm");
  assert_qube (qube, "StandaloneVM", 4, "blue", "#3465a4", NULL);
  assert_backup (qube, TRUE, "appvms/test-standalonevm/", 2097152000);

  for (guint i = 0; i < qubes->len; i++)
    g_assert_cmpint (qr_qube_is_dom0 (g_ptr_array_index (qubes, i)), ==, i == 3);
}

static void
test_r3_sample (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) qubes = NULL;
  g_autofree char *data = NULL;
  QrQube *qube;
  gsize len;

  data = load_sample ("r3-qubes.xml", &len);
  qubes = qr_qubes_xml_parse (data, len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (qubes->len, ==, 17);

  g_assert_cmpstr (qr_qube_get_name (g_ptr_array_index (qubes, 0)), ==, "dom0");
  g_assert_cmpstr (qr_qube_get_name (g_ptr_array_index (qubes, 16)), ==, "test-net");

  qube = find_qube (qubes, "dom0");
  assert_qube (qube, "AdminVM", 0, "black", "#000000", NULL);
  assert_backup (qube, TRUE, "dom0-home/user", 837570560);
  g_assert_true (qr_qube_is_dom0 (qube));

  qube = find_qube (qubes, "fedora-20-x64");
  assert_qube (qube, "TemplateVM", 1, "black", "#000000", NULL);
  assert_backup (qube, FALSE, NULL, 0);

  qube = find_qube (qubes, "netvm");
  assert_qube (qube, "AppVM", 2, "red", "#cc0000", "fedora-20-x64");
  assert_backup (qube, FALSE, NULL, 0);

  qube = find_qube (qubes, "test-work");
  assert_qube (qube, "AppVM", 5, "green", "#73d216", "fedora-20-x64");
  assert_backup (qube, TRUE, "appvms/test-work/", 0);

  /* The template comes earlier in the file; its qid is 9. */
  qube = find_qube (qubes, "test-custom-template-appvm");
  assert_qube (qube, "AppVM", 10, "yellow", "#edd400", "test-template-clone");
  assert_backup (qube, TRUE, "appvms/test-custom-template-appvm/", 104857600);

  qube = find_qube (qubes, "test-template-clone");
  assert_qube (qube, "TemplateVM", 9, "green", "#73d216", NULL);
  assert_backup (qube, TRUE, "vm-templates/test-template-clone/", 104857600);

  qube = find_qube (qubes, "test-standalonevm");
  assert_qube (qube, "StandaloneVM", 11, "blue", "#3465a4", NULL);
  assert_backup (qube, TRUE, "appvms/test-standalonevm/", 104857600);

  qube = find_qube (qubes, "test-testproxy");
  assert_qube (qube, "AppVM", 12, "red", "#cc0000", "fedora-20-x64");
  assert_backup (qube, TRUE, "servicevms/test-testproxy/", 104857600);

  qube = find_qube (qubes, "test-testhvm");
  assert_qube (qube, "StandaloneVM", 14, "purple", "#75507b", NULL);
  assert_backup (qube, TRUE, "appvms/test-testhvm/", 104857600);

  qube = find_qube (qubes, "disp50");
  assert_qube (qube, "DispVM", 15, "red", "#cc0000", "fedora-20-x64");
  assert_backup (qube, FALSE, NULL, 0);
}

static void
test_r4_defaults (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) qubes = NULL;
  QrQube *qube;

  qubes = parse (R4_DOC (DOMAIN ("AppVM", PROP ("name", "bare"), "")
                         DOMAIN ("DispVM", PROP ("name", "disp1"), "")
                         DOMAIN ("TemplateVM", PROP ("name", "tpl"), "")
                         DOMAIN ("AppVM", PROP ("name", "vm12") PROP ("label", "label-1")
                                          PROP ("template", "tpl"),
                                 INCLUDED ("vm12/") FEAT ("backup-size", "2147483648"))
                         DOMAIN ("AppVM", PROP ("name", "colourless") PROP ("label", "label-2"),
                                 FEAT ("backup-content", "False")
                                 FEAT ("backup-path", "../not/used"))),
                 &error);
  g_assert_no_error (error);
  g_assert_cmpuint (qubes->len, ==, 5);

  /* An AppVM or DispVM without a template uses the default one. */
  qube = find_qube (qubes, "bare");
  assert_qube (qube, "AppVM", 0, NULL, NULL, "debian-12-xfce");
  assert_backup (qube, FALSE, NULL, 0);

  qube = find_qube (qubes, "disp1");
  assert_qube (qube, "DispVM", 0, NULL, NULL, "default-dvm");

  qube = find_qube (qubes, "tpl");
  assert_qube (qube, "TemplateVM", 0, NULL, NULL, NULL);

  qube = find_qube (qubes, "vm12");
  assert_qube (qube, "AppVM", 0, "red", "#cc0000", "tpl");
  assert_backup (qube, TRUE, "vm12/", G_GUINT64_CONSTANT (2147483648));

  /* A colour that is not 0xRRGGBB is dropped, the label kept; the folder
   * of a qube that is not in the backup is ignored. */
  qube = find_qube (qubes, "colourless");
  assert_qube (qube, "AppVM", 0, "orange", NULL, "debian-12-xfce");
  assert_backup (qube, FALSE, NULL, 0);
}

static void
test_included_values (void)
{
  const char *values[] = { "True", "true", "1", "yes", "YES", "False", "0", "", "no", "Truth" };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) qubes = NULL;
      g_autofree char *text = NULL;
      gboolean expected = i < 5;

      text = g_strdup_printf (R4_DOC (DOMAIN ("AppVM", WORK_PROPS,
                                              FEAT ("backup-content", "%s")
                                              FEAT ("backup-path", "vm12/"))),
                              values[i]);
      qubes = parse (text, &error);
      g_assert_no_error (error);
      g_assert_cmpint (qr_qube_get_included (g_ptr_array_index (qubes, 0)), ==, expected);
    }
}

static void
test_unknown_label (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) qubes = NULL;
  QrQube *qube;

  qubes = parse (R4_DOC (DOMAIN ("AppVM", PROP ("name", "work") PROP ("label", "label-99"), "")
                         DOMAIN ("AppVM", PROP ("name", "other") PROP ("label", ""), "")),
                 &error);
  g_assert_no_error (error);

  qube = find_qube (qubes, "work");
  g_assert_null (qr_qube_get_label (qube));
  g_assert_null (qr_qube_get_label_color (qube));

  qube = find_qube (qubes, "other");
  g_assert_null (qr_qube_get_label (qube));
}

/* Backups of released R4.x systems write the label's name where the
 * label's id belongs; R3 writes names, and ids are numbers there. */
static void
test_label_names_and_ids (void)
{
  static const char *standard[][2] = {
    { "red", "#cc0000" }, { "orange", "#f57900" }, { "yellow", "#edd400" },
    { "green", "#73d216" }, { "gray", "#555753" }, { "blue", "#3465a4" },
    { "purple", "#75507b" }, { "black", "#000000" },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) qubes = NULL;
  g_autoptr(GPtrArray) r3 = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (standard); i++)
    {
      g_autofree char *by_name = g_strdup_printf ("<qubes><domains>" DOMAIN ("AppVM",
                                                  PROP ("name", "a") PROP ("label", "%s"), "")
                                                  "</domains></qubes>", standard[i][0]);
      g_autofree char *by_id = g_strdup_printf ("<QubesVmCollection><QubesAppVm name=\"a\" "
                                                "qid=\"3\" label=\"%u\"/>"
                                                "</QubesVmCollection>", i + 1);
      g_autoptr(GPtrArray) named = parse (by_name, &error);
      g_autoptr(GPtrArray) numbered = NULL;

      g_assert_no_error (error);
      numbered = parse (by_id, &error);
      g_assert_no_error (error);
      assert_qube (g_ptr_array_index (named, 0), "AppVM", 0, standard[i][0], standard[i][1], NULL);
      assert_qube (g_ptr_array_index (numbered, 0), "StandaloneVM", 3, standard[i][0],
                   standard[i][1], NULL);
    }

  qubes = parse ("<qubes><labels>"
                 "<label color=\"0x73d216\" id=\"label-4\">green</label>"
                 "<label color=\"0xff2400\" id=\"label-9\">scarlet</label>"
                 "</labels><domains>"
                 DOMAIN ("AppVM", PROP ("name", "by-table-name") PROP ("label", "scarlet"), "")
                 DOMAIN ("AppVM", PROP ("name", "by-standard-name") PROP ("label", "blue"), "")
                 DOMAIN ("AppVM", PROP ("name", "by-standard-id") PROP ("label", "label-2"), "")
                 DOMAIN ("AppVM", PROP ("name", "unknown") PROP ("label", "mauve"), "")
                 DOMAIN ("AppVM", PROP ("name", "beyond") PROP ("label", "label-10"), "")
                 "</domains></qubes>", &error);
  g_assert_no_error (error);
  assert_qube (find_qube (qubes, "by-table-name"), "AppVM", 0, "scarlet", "#ff2400", NULL);
  assert_qube (find_qube (qubes, "by-standard-name"), "AppVM", 0, "blue", "#3465a4", NULL);
  assert_qube (find_qube (qubes, "by-standard-id"), "AppVM", 0, "orange", "#f57900", NULL);
  assert_qube (find_qube (qubes, "unknown"), "AppVM", 0, NULL, NULL, NULL);
  assert_qube (find_qube (qubes, "beyond"), "AppVM", 0, NULL, NULL, NULL);

  r3 = parse ("<QubesVmCollection>"
              "<QubesAppVm name=\"a\" qid=\"3\" label=\"label-6\"/>"
              "<QubesAppVm name=\"b\" qid=\"4\" label=\"0\"/>"
              "<QubesAppVm name=\"c\" qid=\"5\" label=\"../x\"/>"
              "</QubesVmCollection>", &error);
  g_assert_no_error (error);
  assert_qube (find_qube (r3, "a"), "StandaloneVM", 3, "blue", "#3465a4", NULL);
  assert_qube (find_qube (r3, "b"), "StandaloneVM", 4, NULL, NULL, NULL);
  assert_qube (find_qube (r3, "c"), "StandaloneVM", 5, NULL, NULL, NULL);
}

static void
test_dom0_name (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) qubes = NULL;

  /* dom0 is always called dom0, whatever its name property says. */
  qubes = parse (R4_DOC (DOMAIN ("AdminVM", PROP ("name", "../../evil"),
                                 INCLUDED ("dom0-home/alice"))),
                 &error);
  g_assert_no_error (error);
  g_assert_cmpstr (qr_qube_get_name (g_ptr_array_index (qubes, 0)), ==, "dom0");
  g_assert_cmpstr (qr_qube_get_backup_path (g_ptr_array_index (qubes, 0)), ==,
                   "dom0-home/alice");

  assert_damaged (R4_DOC (DOMAIN ("AppVM", PROP ("name", "dom0"), "")));
}

static void
test_duplicate_names (void)
{
  assert_damaged (R4_DOC (DOMAIN ("AppVM", WORK_PROPS, "")
                          DOMAIN ("TemplateVM", PROP ("name", "work"), "")));
  assert_damaged (R4_DOC (DOMAIN ("AdminVM", "", "") DOMAIN ("AdminVM", "", "")));
}

static void
test_duplicate_properties (void)
{
  assert_damaged (R4_DOC (DOMAIN ("AppVM", WORK_PROPS PROP ("name", "work2"), "")));
  assert_damaged (R4_DOC (DOMAIN ("AppVM", WORK_PROPS,
                                  INCLUDED ("vm12/") FEAT ("backup-path", "vm13/"))));
}

static void
test_shared_folder (void)
{
  assert_damaged (R4_DOC (DOMAIN ("AppVM", WORK_PROPS, INCLUDED ("vm12/"))
                          DOMAIN ("AppVM", PROP ("name", "other"), INCLUDED ("vm12/"))));
  assert_damaged (R4_DOC (DOMAIN ("AppVM", WORK_PROPS, INCLUDED ("vm12"))
                          DOMAIN ("AppVM", PROP ("name", "other"), INCLUDED ("vm12/"))));
}

static void
test_bad_names (void)
{
  assert_damaged (R4_DOC (DOMAIN ("AppVM", PROP ("name", "../evil"), "")));
  assert_damaged (R4_DOC (DOMAIN ("AppVM", PROP ("name", "a/b"), "")));
  assert_damaged (R4_DOC (DOMAIN ("AppVM", PROP ("name", ".hidden"), "")));
  assert_damaged (R4_DOC (DOMAIN ("AppVM", PROP ("name", "1st"), "")));
  assert_damaged (R4_DOC (DOMAIN ("AppVM", PROP ("name", ""), "")));
  assert_damaged (R4_DOC (DOMAIN ("AppVM", PROP ("name", "caf\xc3\xa9"), "")));
  assert_damaged (R4_DOC (DOMAIN ("AppVM", PROP ("name", "a234567890123456789012345678901x"),
                                  "")));
  assert_damaged (R4_DOC (DOMAIN ("AppVM", PROP ("qid", "12"), "")));
}

static void
test_bad_paths (void)
{
  const char *paths[] = {
    "../etc", "/abs", "/vm12/", "vm12/../../x", "vm12//", "vm12/private.img", "vm", "vmx/",
    "vm-12/", "vm12345678/", "appvms/", "appvms/../x", "appvms/a/b", "home/work",
    "dom0-home/user", "", "./vm12", "vm12/.", "\\vm12",
  };
  const char *dom0_paths[] = {
    "dom0-home", "dom0-home/", "dom0-home/..", "dom0-home/../x", "dom0-home/a/b", "/dom0-home/a",
    "vm0/", "dom0-home/.user", "dom0-home/-rf",
  };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *text = g_strdup_printf (R4_DOC (DOMAIN ("AppVM", WORK_PROPS,
                                                               INCLUDED ("%s"))), paths[i]);

      g_test_message ("path '%s'", paths[i]);
      assert_damaged (text);
    }

  for (guint i = 0; i < G_N_ELEMENTS (dom0_paths); i++)
    {
      g_autofree char *text = g_strdup_printf (R4_DOC (DOMAIN ("AdminVM", "",
                                                               INCLUDED ("%s"))), dom0_paths[i]);

      g_test_message ("dom0 path '%s'", dom0_paths[i]);
      assert_damaged (text);
    }

  /* Included without a folder. */
  assert_damaged (R4_DOC (DOMAIN ("AppVM", WORK_PROPS, FEAT ("backup-content", "True"))));
}

static void
test_good_paths (void)
{
  /* A qube's folder always ends in "/", dom0's home never does. */
  const struct { const char *klass; const char *path; const char *normal; } cases[] = {
    { "AppVM", "vm12/", "vm12/" },
    { "AppVM", "vm12", "vm12/" },
    { "AppVM", "vm1", "vm1/" },
    { "AppVM", "appvms/work", "appvms/work/" },
    { "TemplateVM", "vm-templates/debian-12/", "vm-templates/debian-12/" },
    { "AppVM", "servicevms/sys-net", "servicevms/sys-net/" },
    { "AdminVM", "dom0-home/user", "dom0-home/user" },
    { "AdminVM", "dom0-home/alice.b/", "dom0-home/alice.b" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) qubes = NULL;
      g_autofree char *text = g_strdup_printf (R4_DOC (DOMAIN ("%s", WORK_PROPS,
                                                               INCLUDED ("%s"))),
                                               cases[i].klass, cases[i].path);

      qubes = parse (text, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (qr_qube_get_backup_path (g_ptr_array_index (qubes, 0)), ==,
                       cases[i].normal);
    }
}

static void
test_bad_numbers (void)
{
  const char *qids[] = { "twelve", "12a", "-1", "", " 12", "+12", "0x12", "99999999999" };
  const char *sizes[] = { "big", "-1", "1e9", "", "18446744073709551616" };

  for (guint i = 0; i < G_N_ELEMENTS (qids); i++)
    {
      g_autofree char *text = g_strdup_printf (R4_DOC (DOMAIN ("AppVM", PROP ("name", "work")
                                                               PROP ("qid", "%s"), "")),
                                               qids[i]);

      assert_damaged (text);
    }

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *text = g_strdup_printf (R4_DOC (DOMAIN ("AppVM", WORK_PROPS,
                                                               INCLUDED ("vm12/")
                                                               FEAT ("backup-size", "%s"))),
                                               sizes[i]);

      assert_damaged (text);
    }
}

static void
test_bad_class (void)
{
  assert_damaged (R4_DOC ("<domain><properties>" WORK_PROPS "</properties></domain>"));
  assert_damaged (R4_DOC (DOMAIN ("", WORK_PROPS, "")));
  assert_damaged (R4_DOC (DOMAIN ("App VM", WORK_PROPS, "")));
}

static void
test_huge_values (void)
{
  g_autoptr(GString) text = NULL;
  g_autofree char *big = g_strnfill (2 * 1024 * 1024, 'A');
  g_autofree char *huge = g_strnfill (12 * 1024 * 1024, 'A');

  text = g_string_new (NULL);
  g_string_printf (text, R4_DOC ("<domain class=\"%s\"><properties>" WORK_PROPS
                                 "</properties></domain>"), big);
  assert_damaged (text->str);

  g_string_printf (text, R4_DOC (DOMAIN ("AppVM", PROP ("name", "%s"), "")), big);
  assert_damaged (text->str);

  g_string_printf (text, R4_DOC (DOMAIN ("AppVM", WORK_PROPS, INCLUDED ("vm12/%s"))), big);
  assert_damaged (text->str);

  /* Beyond what libxml2 accepts in one attribute. */
  g_string_printf (text, "<qubes a=\"%s\"/>", huge);
  assert_damaged (text->str);

  /* A long label or template is dropped, not kept. */
  {
    g_autoptr(GPtrArray) qubes = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *long_name = g_strnfill (200, 'x');

    g_string_printf (text, "<qubes><labels><label color=\"0x000000\" id=\"l\">%s</label>"
                     "</labels><domains>" DOMAIN ("AppVM", PROP ("name", "work")
                                                  PROP ("label", "l") PROP ("template", "%s"),
                                                  "")
                     "</domains></qubes>", long_name, long_name);
    qubes = parse (text->str, &error);
    g_assert_no_error (error);
    g_assert_null (qr_qube_get_label (g_ptr_array_index (qubes, 0)));
    g_assert_null (qr_qube_get_template (g_ptr_array_index (qubes, 0)));
  }
}

static void
test_too_large (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) qubes = NULL;
  gsize len = QR_QUBES_XML_MAX_SIZE + 1;
  g_autofree char *data = g_malloc (len);

  memset (data, ' ', len);
  memcpy (data, "<qubes>", 7);
  qubes = qr_qubes_xml_parse (data, len, &error);
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_assert_null (qubes);
}

static void
test_truncated (void)
{
  g_autofree char *data = NULL;
  gsize len;

  data = load_sample ("r4-qubes.xml", &len);

  for (gsize cut = 0; cut < len - 16; cut += len / 7)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) qubes = NULL;

      qubes = qr_qubes_xml_parse (data, cut, &error);
      g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
      g_assert_null (qubes);
    }

  assert_damaged ("<qubes><domains><domain class=\"AppVM\"><properties>");
}

static void
test_not_xml (void)
{
  assert_damaged ("");
  assert_damaged ("version=4\n");
  assert_damaged ("<qubes></qubes><qubes></qubes>");
  assert_damaged ("<html><body/></html>");
  assert_damaged ("<qubes><a>\xff\xfe</a></qubes>");
  assert_damaged ("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><qubes>\xe9</qubes>");
  /* Without a DTD, an entity reference is not well-formed. */
  assert_damaged (R4_DOC (DOMAIN ("AppVM", PROP ("name", "&xxe;"), "")));
}

static xmlParserInputPtr
counting_loader (const char       *url,
                 const char       *id,
                 xmlParserCtxtPtr  ctxt)
{
  external_loads++;

  return NULL;
}

static void
test_billion_laughs (void)
{
  g_autoptr(GString) text = g_string_new ("<?xml version=\"1.0\"?>\n"
                                          "<!DOCTYPE qubes [\n <!ENTITY lol \"lol\">\n");
  g_autoptr(GTimer) timer = g_timer_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) qubes = NULL;

  for (guint i = 1; i < 10; i++)
    {
      g_string_append_printf (text, " <!ENTITY lol%u \"", i);
      for (guint j = 0; j < 10; j++)
        g_string_append_printf (text, "&lol%.0u;", i - 1);
      g_string_append (text, "\">\n");
    }
  g_string_append (text, "]>\n" R4_DOC (DOMAIN ("AppVM", PROP ("name", "&lol9;"), "")));

  /* The first entity is "lol", the rest reference the one before. */
  g_assert_nonnull (strstr (text->str, "<!ENTITY lol1 \"&lol;&lol;"));

  qubes = parse (text->str, &error);
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_assert_null (qubes);
  g_assert_cmpfloat (g_timer_elapsed (timer, NULL), <, 2.0);

  /* Refused at the declaration, before any entity is looked at. */
  g_assert_nonnull (strstr (error->message, "document type declaration"));
}

static void
test_external_entities (void)
{
  xmlExternalEntityLoader old_loader = xmlGetExternalEntityLoader ();

  xmlSetExternalEntityLoader (counting_loader);
  external_loads = 0;

  assert_damaged ("<!DOCTYPE qubes [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
                  R4_DOC (DOMAIN ("AppVM", PROP ("name", "&xxe;"), "")));
  assert_damaged ("<!DOCTYPE qubes SYSTEM \"file:///etc/passwd\">"
                  R4_DOC (DOMAIN ("AppVM", PROP ("name", "work"), "")));
  assert_damaged ("<!DOCTYPE qubes [<!ENTITY % dtd SYSTEM \"http://127.0.0.1:1/x.dtd\"> %dtd;]>"
                  R4_DOC (""));
  assert_damaged ("<!DOCTYPE qubes>" R4_DOC (""));

  g_assert_cmpuint (external_loads, ==, 0);

  /* The loader does count what the parser loads when asked to. */
  {
    const char *text = "<!DOCTYPE qubes SYSTEM \"file:///nonexistent.dtd\"><qubes/>";
    xmlDoc *doc = xmlReadMemory (text, strlen (text), "test.xml", NULL,
                                 XML_PARSE_DTDLOAD | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

    g_clear_pointer (&doc, xmlFreeDoc);
    g_assert_cmpuint (external_loads, >, 0);
  }

  xmlSetExternalEntityLoader (old_loader);
}

static gpointer
parse_sample_thread (gpointer data)
{
  GBytes *bytes = data;
  gsize len;
  const char *text = g_bytes_get_data (bytes, &len);

  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) qubes = qr_qubes_xml_parse (text, len, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (qubes->len, ==, 20);
    }

  return NULL;
}

static void
test_threads (void)
{
  g_autoptr(GBytes) bytes = NULL;
  GThread *threads[4];
  char *data;
  gsize len;

  data = load_sample ("r4-qubes.xml", &len);
  bytes = g_bytes_new_take (data, len);

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("parse", parse_sample_thread, bytes);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
}

static void
test_r3_hostile (void)
{
  assert_damaged ("<QubesVmCollection><QubesAppVm name=\"../x\" qid=\"3\"/></QubesVmCollection>");
  assert_damaged ("<QubesVmCollection><QubesAppVm name=\"a\" qid=\"x\"/></QubesVmCollection>");
  assert_damaged ("<QubesVmCollection><QubesAppVm name=\"a\" qid=\"3\" backup_content=\"True\" "
                  "backup_path=\"appvms/../../etc\"/></QubesVmCollection>");
  assert_damaged ("<QubesVmCollection><QubesAppVm name=\"a\" qid=\"3\"/>"
                  "<QubesNetVm name=\"a\" qid=\"4\"/></QubesVmCollection>");

  /* A template qid that names no qube leaves the template unknown. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) qubes = NULL;

    qubes = parse ("<QubesVmCollection><QubesAppVm name=\"a\" qid=\"3\" template_qid=\"77\" "
                   "label=\"mauve\"/><QubesFutureVm name=\"b\"/></QubesVmCollection>", &error);
    g_assert_no_error (error);
    g_assert_cmpuint (qubes->len, ==, 1);
    assert_qube (g_ptr_array_index (qubes, 0), "AppVM", 3, "mauve", NULL, NULL);
  }
}

/* R3.0-rc1 wrote no backup_* on dom0: its home is found from the
 * backup's "dom0-home/<user>" members. */
static void
test_dom0_home (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) qubes = NULL;
  g_autoptr(GPtrArray) none = NULL;
  QrQube *dom0;

  qubes = parse ("<QubesVmCollection><QubesAdminVm name=\"dom0\" qid=\"0\" label=\"black\"/>"
                 "<QubesAppVm name=\"work\" qid=\"5\" template_qid=\"1\" backup_content=\"True\" "
                 "backup_path=\"vm5\"/></QubesVmCollection>", &error);
  g_assert_no_error (error);
  dom0 = find_qube (qubes, "dom0");
  g_assert_false (qr_qube_get_included (dom0));

  g_assert_false (qr_qubes_xml_set_dom0_home (qubes, "dom0-home/../etc"));
  g_assert_false (qr_qubes_xml_set_dom0_home (qubes, "vm0/"));
  g_assert_false (qr_qubes_xml_set_dom0_home (qubes, "dom0-home/a/b"));
  g_assert_false (qr_qube_get_included (dom0));

  g_assert_true (qr_qubes_xml_set_dom0_home (qubes, "dom0-home/user"));
  assert_backup (dom0, TRUE, "dom0-home/user", 0);
  g_assert_cmpuint (qubes->len, ==, 2);

  /* One home only; the same one again changes nothing. */
  g_assert_true (qr_qubes_xml_set_dom0_home (qubes, "dom0-home/user/"));
  g_assert_false (qr_qubes_xml_set_dom0_home (qubes, "dom0-home/other"));
  assert_backup (dom0, TRUE, "dom0-home/user", 0);

  /* A list without dom0 gets one. */
  none = parse ("<QubesVmCollection><QubesAppVm name=\"work\" qid=\"5\"/></QubesVmCollection>",
                &error);
  g_assert_no_error (error);
  g_assert_true (qr_qubes_xml_set_dom0_home (none, "dom0-home/alice"));
  g_assert_cmpuint (none->len, ==, 2);
  dom0 = find_qube (none, "dom0");
  g_assert_true (qr_qube_is_dom0 (dom0));
  assert_backup (dom0, TRUE, "dom0-home/alice", 0);
}

static gboolean
folder_exists_cb (const char *folder,
                  gpointer    user_data)
{
  GPtrArray *asked = user_data;
  const char *present[] = { "appvms/work", "vm-templates/fedora-14-x64", "servicevms/netvm",
                            "appvms/evil", NULL };

  /* Nothing that could leave the backup's folder is ever asked about. */
  g_assert_null (strstr (folder, ".."));
  g_assert_false (g_path_is_absolute (folder));
  g_ptr_array_add (asked, g_strdup (folder));
  return g_strv_contains (present, folder);
}

/* Format 1 (R1, R2-Beta1 and 2): a folder with qubes.xml and copies of
 * the qubes' folders; a qube is in the backup when its folder is. */
static void
test_folder_backup (void)
{
  const char *text =
    "<QubesVmCollection clockvm=\"2\" default_template=\"1\">"
    "<QubesTemplateVm qid=\"1\" name=\"fedora-14-x64\" label=\"black\" template_qid=\"none\" "
    "dir_path=\"/var/lib/qubes/vm-templates/fedora-14-x64\"/>"
    "<QubesNetVm qid=\"2\" name=\"netvm\" label=\"red\" template_qid=\"1\" "
    "dir_path=\"/var/lib/qubes/servicevms/netvm\"/>"
    "<QubesAppVm qid=\"3\" name=\"work\" label=\"green\" template_qid=\"1\" "
    "dir_path=\"/var/lib/qubes/appvms/work\"/>"
    "<QubesAppVm qid=\"4\" name=\"personal\" label=\"yellow\" template_qid=\"1\" "
    "dir_path=\"/var/lib/qubes/appvms/personal\"/>"
    "<QubesAppVm qid=\"5\" name=\"evil\" label=\"red\" template_qid=\"1\" "
    "dir_path=\"/var/lib/qubes/appvms/../../../etc\"/>"
    "<QubesAppVm qid=\"6\" name=\"outside\" label=\"red\" template_qid=\"1\" "
    "dir_path=\"/etc/qubes\"/>"
    "<QubesAppVm qid=\"7\" name=\"numbered\" label=\"red\" template_qid=\"1\" "
    "dir_path=\"/var/lib/qubes/vm7\"/>"
    "</QubesVmCollection>";
  g_autoptr(GPtrArray) asked = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) qubes = NULL;

  qubes = qr_qubes_xml_parse_folder_backup (text, strlen (text), folder_exists_cb, asked, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (qubes->len, ==, 7);

  assert_qube (find_qube (qubes, "work"), "AppVM", 3, "green", "#73d216", "fedora-14-x64");
  assert_backup (find_qube (qubes, "work"), TRUE, "appvms/work/", 0);
  assert_backup (find_qube (qubes, "fedora-14-x64"), TRUE, "vm-templates/fedora-14-x64/", 0);
  assert_backup (find_qube (qubes, "netvm"), TRUE, "servicevms/netvm/", 0);
  assert_backup (find_qube (qubes, "personal"), FALSE, NULL, 0);
  assert_backup (find_qube (qubes, "evil"), FALSE, NULL, 0);
  assert_backup (find_qube (qubes, "outside"), FALSE, NULL, 0);
  assert_backup (find_qube (qubes, "numbered"), FALSE, NULL, 0);
  g_assert_cmpuint (asked->len, ==, 4);

  g_assert_true (qr_qubes_xml_set_dom0_home (qubes, "dom0-home/user"));
  assert_backup (find_qube (qubes, "dom0"), TRUE, "dom0-home/user", 0);

  /* The folders of R4 backups are no format 1 backup. */
  g_clear_pointer (&qubes, g_ptr_array_unref);
  qubes = qr_qubes_xml_parse_folder_backup (R4_DOC (""), strlen (R4_DOC ("")), folder_exists_cb,
                                            asked, &error);
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_assert_null (qubes);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qr/qubes-xml/r4-sample", test_r4_sample);
  g_test_add_func ("/qr/qubes-xml/r3-sample", test_r3_sample);
  g_test_add_func ("/qr/qubes-xml/r4-defaults", test_r4_defaults);
  g_test_add_func ("/qr/qubes-xml/included-values", test_included_values);
  g_test_add_func ("/qr/qubes-xml/unknown-label", test_unknown_label);
  g_test_add_func ("/qr/qubes-xml/label-names-and-ids", test_label_names_and_ids);
  g_test_add_func ("/qr/qubes-xml/dom0-name", test_dom0_name);
  g_test_add_func ("/qr/qubes-xml/duplicate-names", test_duplicate_names);
  g_test_add_func ("/qr/qubes-xml/duplicate-properties", test_duplicate_properties);
  g_test_add_func ("/qr/qubes-xml/shared-folder", test_shared_folder);
  g_test_add_func ("/qr/qubes-xml/bad-names", test_bad_names);
  g_test_add_func ("/qr/qubes-xml/bad-paths", test_bad_paths);
  g_test_add_func ("/qr/qubes-xml/good-paths", test_good_paths);
  g_test_add_func ("/qr/qubes-xml/bad-numbers", test_bad_numbers);
  g_test_add_func ("/qr/qubes-xml/bad-class", test_bad_class);
  g_test_add_func ("/qr/qubes-xml/huge-values", test_huge_values);
  g_test_add_func ("/qr/qubes-xml/too-large", test_too_large);
  g_test_add_func ("/qr/qubes-xml/truncated", test_truncated);
  g_test_add_func ("/qr/qubes-xml/not-xml", test_not_xml);
  g_test_add_func ("/qr/qubes-xml/billion-laughs", test_billion_laughs);
  g_test_add_func ("/qr/qubes-xml/external-entities", test_external_entities);
  g_test_add_func ("/qr/qubes-xml/threads", test_threads);
  g_test_add_func ("/qr/qubes-xml/r3-hostile", test_r3_hostile);
  g_test_add_func ("/qr/qubes-xml/dom0-home", test_dom0_home);
  g_test_add_func ("/qr/qubes-xml/folder-backup", test_folder_backup);

  return g_test_run ();
}
