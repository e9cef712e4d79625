/* qr-qubes-xml-r4.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The R4 <qubes> document: properties and features under each <domain>. */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "qr-qubes-xml-private.h"

/* Where each field is kept in the R4 format: a <property> or a <feature>. */
static const char * const r4_properties[N_FIELDS] = {
  [FIELD_NAME] = "name",
  [FIELD_QID] = "qid",
  [FIELD_LABEL] = "label",
  [FIELD_TEMPLATE] = "template",
};

static const char * const r4_features[N_FIELDS] = {
  [FIELD_CONTENT] = "backup-content",
  [FIELD_PATH] = "backup-path",
  [FIELD_SIZE] = "backup-size",
};

/* Reads one of the global properties, such as the default template. */
static char *
read_r4_global_property (xmlNode    *root,
                         const char *key)
{
  for (xmlNode *section = root->children; section != NULL; section = section->next)
    {
      if (!_qr_qubes_xml_is_element (section, "properties"))
        continue;

      for (xmlNode *node = section->children; node != NULL; node = node->next)
        {
          g_autofree char *name = NULL;

          if (!_qr_qubes_xml_is_element (node, "property"))
            continue;

          name = _qr_qubes_xml_dup_string (xmlGetNoNsProp (node, BAD_CAST "name"));
          if (g_strcmp0 (name, key) == 0)
            return _qr_qubes_xml_dup_string (xmlNodeGetContent (node));
        }
    }

  return NULL;
}

/* A qube based on the default template may leave its template out. */
static void
apply_r4_template (QrQube      *qube,
                   const char  *template_name,
                   const char  *default_template,
                   const char  *default_dispvm)
{
  const char *klass = qr_qube_get_klass (qube);

  if (template_name == NULL || *template_name == '\0')
    {
      if (g_strcmp0 (klass, "AppVM") == 0)
        template_name = default_template;
      else if (g_strcmp0 (klass, "DispVM") == 0)
        template_name = default_dispvm;
    }

  if (template_name != NULL && _qr_qubes_xml_is_qube_name (template_name))
    qr_qube_set_template (qube, template_name);
}

/* The volumes the backup tool saves: those kept when the qube stops. Their
 * names become file names, so only plain names count. */
static GStrv
read_r4_saved_volumes (xmlNode *domain)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (xmlNode *section = domain->children; section != NULL; section = section->next)
    {
      if (!_qr_qubes_xml_is_element (section, "volume-config"))
        continue;

      for (xmlNode *volume = section->children; volume != NULL; volume = volume->next)
        {
          g_autofree char *name = NULL;
          g_autofree char *saved = NULL;

          if (!_qr_qubes_xml_is_element (volume, "volume"))
            continue;

          name = _qr_qubes_xml_dup_string (xmlGetNoNsProp (volume, BAD_CAST "name"));
          saved = _qr_qubes_xml_dup_string (xmlGetNoNsProp (volume, BAD_CAST "save_on_stop"));
          if (name != NULL && _qr_qubes_xml_is_qube_name (name) && _qr_qubes_xml_parse_boolean (saved))
            g_strv_builder_add (builder, name);
        }
    }

  return g_strv_builder_end (builder);
}

static QrQube *
read_r4_domain (xmlNode     *domain,
                GHashTable  *labels,
                const char  *default_template,
                const char  *default_dispvm,
                GError     **error)
{
  g_autofree char *klass = NULL;
  char *values[N_FIELDS] = { NULL, };
  QrQube *qube = NULL;

  klass = _qr_qubes_xml_dup_string (xmlGetNoNsProp (domain, BAD_CAST "class"));
  if (klass == NULL || *klass == '\0' || strlen (klass) > MAX_CLASS_LEN
      || !_qr_qubes_xml_is_one_of (klass, LETTERS DIGITS))
    {
      _qr_qubes_xml_set_damaged (error, _("a qube has no valid type."));
      return NULL;
    }

  for (xmlNode *section = domain->children; section != NULL; section = section->next)
    {
      gboolean ok = TRUE;

      if (_qr_qubes_xml_is_element (section, "properties"))
        ok = _qr_qubes_xml_collect_items (section, "property", r4_properties, values, error);
      else if (_qr_qubes_xml_is_element (section, "features"))
        ok = _qr_qubes_xml_collect_items (section, "feature", r4_features, values, error);

      if (!ok)
        goto out;
    }

  qube = _qr_qubes_xml_build_qube (klass, values, error);
  if (qube != NULL)
    {
      g_auto(GStrv) volumes = read_r4_saved_volumes (domain);

      _qr_qubes_xml_apply_label (qube, values[FIELD_LABEL], labels);
      apply_r4_template (qube, values[FIELD_TEMPLATE], default_template, default_dispvm);
      qr_qube_set_saved_volumes (qube, (const char * const *) volumes);
    }

out:
  _qr_qubes_xml_clear_values (values);

  return qube;
}

gboolean
_qr_qubes_xml_read_r4 (xmlNode     *root,
                       Collection  *collection,
                       GError     **error)
{
  g_autoptr(GHashTable) labels = _qr_qubes_xml_read_labels (root);
  g_autofree char *default_template = read_r4_global_property (root, "default_template");
  g_autofree char *default_dispvm = read_r4_global_property (root, "default_dispvm");

  for (xmlNode *section = root->children; section != NULL; section = section->next)
    {
      if (!_qr_qubes_xml_is_element (section, "domains"))
        continue;

      for (xmlNode *node = section->children; node != NULL; node = node->next)
        {
          g_autoptr(QrQube) qube = NULL;

          if (!_qr_qubes_xml_is_element (node, "domain"))
            continue;

          qube = read_r4_domain (node, labels, default_template, default_dispvm, error);
          if (qube == NULL || !_qr_qubes_xml_collection_add (collection, qube, error))
            return FALSE;
        }
    }

  return TRUE;
}
