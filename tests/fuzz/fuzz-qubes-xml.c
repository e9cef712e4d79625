/* fuzz-qubes-xml.c: the list of qubes, both the R4 and the R3 format.
 * What it yields names folders on the user's disk, so every name and
 * backup path it returns is checked to stay where it belongs.
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <limits.h>

#include "qr-error.h"
#include "qr-fuzz-utils.h"
#include "qr-qubes-xml.h"

/* One name a folder can have, never a path. */
static gboolean
is_folder_name (const char *name)
{
  return name[0] != '\0' && strchr (name, '/') == NULL && strlen (name) <= NAME_MAX &&
         !g_str_equal (name, ".") && !g_str_equal (name, "..");
}

/* "vm12/", "appvms/work/", "dom0-home/user": relative, made of folder
 * names; a qube's folder ends in "/", dom0's home does not. */
static void
check_backup_path (QrQube *qube)
{
  const char *path = qr_qube_get_backup_path (qube);
  g_auto(GStrv) parts = NULL;
  guint n;

  if (path == NULL)
    return;

  g_assert_true (g_utf8_validate (path, -1, NULL));
  g_assert_true (g_str_has_suffix (path, "/") != qr_qube_is_dom0 (qube));
  if (qr_qube_is_dom0 (qube))
    g_assert_true (g_str_has_prefix (path, "dom0-home/"));

  parts = g_strsplit (path, "/", -1);
  n = g_strv_length (parts);
  g_assert_cmpuint (n, >=, 2);
  for (guint i = 0; i < n; i++)
    g_assert_true (is_folder_name (parts[i]) || (i == n - 1 && parts[i][0] == '\0'));
}

static void
check_qubes (GPtrArray *qubes)
{
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) paths = g_hash_table_new (g_str_hash, g_str_equal);
  guint n_dom0 = 0;

  for (guint i = 0; i < qubes->len; i++)
    {
      QrQube *qube = g_ptr_array_index (qubes, i);
      const char *name = qr_qube_get_name (qube);
      const char *path = qr_qube_get_backup_path (qube);

      g_assert_true (QR_IS_QUBE (qube));
      g_assert_nonnull (name);
      g_assert_true (is_folder_name (name));
      g_assert_true (g_hash_table_add (names, (gpointer) name));
      n_dom0 += qr_qube_is_dom0 (qube);

      if (qr_qube_get_included (qube))
        {
          g_assert_nonnull (path);
          g_assert_true (g_hash_table_add (paths, (gpointer) path));
        }
      check_backup_path (qube);

      /* The rest is shown to the user: it must at least be text. */
      g_assert_true (qr_qube_get_klass (qube) == NULL ||
                     g_utf8_validate (qr_qube_get_klass (qube), -1, NULL));
      g_assert_true (qr_qube_get_label (qube) == NULL ||
                     g_utf8_validate (qr_qube_get_label (qube), -1, NULL));
      g_assert_true (qr_qube_get_template (qube) == NULL ||
                     g_utf8_validate (qr_qube_get_template (qube), -1, NULL));
      qr_qube_get_label_color (qube);
      qr_qube_get_qid (qube);
      qr_qube_get_backup_size (qube);
    }

  g_assert_cmpuint (n_dom0, <=, 1);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  qr_fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  g_autoptr(GPtrArray) qubes = NULL;
  g_autoptr(GError) error = NULL;

  qubes = qr_qubes_xml_parse ((const char *) data, size, &error);
  if (qubes == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == QR_ERROR);
      return 0;
    }

  g_assert_no_error (error);
  check_qubes (qubes);
  return 0;
}
