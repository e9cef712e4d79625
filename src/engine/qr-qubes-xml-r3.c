/* qr-qubes-xml-r3.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The R1 to R3 <QubesVmCollection> document: one element per qube, every
 * field an attribute. */

#include "config.h"

#include <string.h>

#include "qr-qubes-xml-private.h"

/* The R3 format keeps every field in an attribute; the template is given
 * by its qid. */
static const char * const r3_attributes[N_FIELDS] = {
  [FIELD_NAME] = "name",
  [FIELD_QID] = "qid",
  [FIELD_LABEL] = "label",
  [FIELD_TEMPLATE] = "template_qid",
  [FIELD_CONTENT] = "backup_content",
  [FIELD_PATH] = "backup_path",
  [FIELD_SIZE] = "backup_size",
  [FIELD_DIR_PATH] = "dir_path",
};

/* Where R1 to R3 kept the qubes' folders, which a format 1 backup copies. */
#define R3_BASE_DIR "/var/lib/qubes/"

/* The R3 element names and the R4 classes they became; an AppVM without a
 * template is a standalone qube. NULL means "AppVM or StandaloneVM". */
static const struct
{
  const char *element;
  const char *klass;
} r3_classes[] = {
  { "QubesAdminVm", "AdminVM" },
  { "QubesTemplateVm", "TemplateVM" },
  { "QubesTemplateHVm", "TemplateVM" },
  { "QubesDisposableVm", "DispVM" },
  { "QubesAppVm", NULL },
  { "QubesNetVm", NULL },
  { "QubesProxyVm", NULL },
  { "QubesHVm", NULL },
};

static gboolean
find_r3_class (xmlNode     *node,
               const char  *template_qid,
               const char **klass)
{
  for (guint i = 0; i < G_N_ELEMENTS (r3_classes); i++)
    {
      if (!_qr_qubes_xml_is_element (node, r3_classes[i].element))
        continue;

      *klass = r3_classes[i].klass;
      if (*klass == NULL)
        {
          gboolean has_template = template_qid != NULL
                                  && g_ascii_strcasecmp (template_qid, "none") != 0;

          *klass = has_template ? "AppVM" : "StandaloneVM";
        }

      return TRUE;
    }

  return FALSE;
}

/* A format 1 backup copied a qube's folder under /var/lib/qubes, and
 * says nothing else: the qube is in it when its folder is. */
static void
find_copied_folder (Collection *collection,
                    char       *values[N_FIELDS])
{
  const char *dir_path = values[FIELD_DIR_PATH];
  g_autofree char *folder = NULL;

  if (values[FIELD_CONTENT] != NULL || dir_path == NULL || !g_str_has_prefix (dir_path, R3_BASE_DIR))
    return;

  /* Only the R3 folders ("appvms/work/"), never a "vm12/" of later formats. */
  folder = _qr_qubes_xml_normalize_path (dir_path + strlen (R3_BASE_DIR), FALSE);
  if (folder == NULL || strchr (folder, '/') == folder + strlen (folder) - 1)
    return;

  /* Asked without its final "/", as the folder it names. */
  folder[strlen (folder) - 1] = '\0';
  if (!collection->folder_exists (folder, collection->folder_data))
    return;

  g_free (values[FIELD_PATH]);
  values[FIELD_PATH] = g_steal_pointer (&folder);
  values[FIELD_CONTENT] = g_strdup ("True");
}

static gboolean
read_r3_domain (xmlNode     *node,
                Collection  *collection,
                GHashTable  *template_qids,
                GError     **error)
{
  char *values[N_FIELDS] = { NULL, };
  g_autoptr(QrQube) qube = NULL;
  const char *klass = NULL;
  gboolean ok = FALSE;

  for (guint i = 0; i < N_FIELDS; i++)
    {
      char *value = _qr_qubes_xml_dup_string (xmlGetNoNsProp (node, BAD_CAST r3_attributes[i]));

      if (value != NULL && !_qr_qubes_xml_take_value (values, i, value, r3_attributes[i], error))
        goto out;
    }

  /* Elements that are not qubes are skipped, as the reference restore does. */
  if (!find_r3_class (node, values[FIELD_TEMPLATE], &klass))
    {
      ok = TRUE;
      goto out;
    }

  if (collection->folder_exists != NULL && !g_str_equal (klass, "AdminVM"))
    find_copied_folder (collection, values);

  qube = _qr_qubes_xml_build_qube (klass, values, error);
  if (qube == NULL || !_qr_qubes_xml_collection_add (collection, qube, error))
    goto out;

  _qr_qubes_xml_apply_label (qube, values[FIELD_LABEL], NULL);

  if (values[FIELD_TEMPLATE] != NULL)
    g_hash_table_insert (template_qids, qube, g_steal_pointer (&values[FIELD_TEMPLATE]));

  ok = TRUE;

out:
  _qr_qubes_xml_clear_values (values);

  return ok;
}

/* R3 names a template by its qid, which may come later in the file. */
static void
resolve_r3_templates (Collection *collection,
                      GHashTable *template_qids)
{
  for (guint i = 0; i < collection->qubes->len; i++)
    {
      QrQube *qube = g_ptr_array_index (collection->qubes, i);
      const char *template_qid = g_hash_table_lookup (template_qids, qube);
      guint64 qid;

      if (template_qid == NULL || !_qr_qubes_xml_is_number (template_qid, MAX_QID, &qid))
        continue;

      for (guint j = 0; j < collection->qubes->len; j++)
        {
          QrQube *other = g_ptr_array_index (collection->qubes, j);

          if (other != qube && qr_qube_get_qid (other) == qid)
            {
              qr_qube_set_template (qube, qr_qube_get_name (other));
              break;
            }
        }
    }
}

gboolean
_qr_qubes_xml_read_r3 (xmlNode     *root,
                       Collection  *collection,
                       GError     **error)
{
  g_autoptr(GHashTable) template_qids = g_hash_table_new_full (NULL, NULL, NULL, g_free);

  for (xmlNode *node = root->children; node != NULL; node = node->next)
    {
      if (node->type == XML_ELEMENT_NODE
          && !read_r3_domain (node, collection, template_qids, error))
        return FALSE;
    }

  resolve_r3_templates (collection, template_qids);

  return TRUE;
}
