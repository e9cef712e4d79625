/* qr-qubes-xml-values.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The checks every value of qubes.xml passes, and the qubes made of them. */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "qr-error.h"
#include "qr-qubes-xml-private.h"

/* The folders an R3 backup kept its qubes in. */
static const char * const r3_folders[] = { "appvms", "vm-templates", "servicevms", NULL };

void
_qr_qubes_xml_set_damaged (GError     **error,
                           const char  *format,
                           ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
               _("The list of qubes in this backup cannot be read: %s"), reason);
}

void
_qr_qubes_xml_collection_clear (Collection *collection)
{
  g_clear_pointer (&collection->qubes, g_ptr_array_unref);
  g_clear_pointer (&collection->names, g_hash_table_unref);
  g_clear_pointer (&collection->paths, g_hash_table_unref);
}

gboolean
_qr_qubes_xml_is_element (xmlNode    *node,
                          const char *name)
{
  return node->type == XML_ELEMENT_NODE && xmlStrEqual (node->name, BAD_CAST name);
}

gboolean
_qr_qubes_xml_is_one_of (const char *value,
                         const char *accept)
{
  return strspn (value, accept) == strlen (value);
}

/* The rule Qubes itself applies to qube names. The name later becomes a
 * folder on the user's disk, so it must never be a path. */
gboolean
_qr_qubes_xml_is_qube_name (const char *name)
{
  gsize len = strlen (name);

  return len > 0 && len <= MAX_NAME_LEN
         && g_ascii_isalpha (name[0])
         && _qr_qubes_xml_is_one_of (name, LETTERS DIGITS "_.-");
}

static gboolean
is_user_name (const char *name)
{
  gsize len = strlen (name);

  return len > 0 && len <= MAX_USER_LEN
         && name[0] != '.' && name[0] != '-'
         && _qr_qubes_xml_is_one_of (name, LETTERS DIGITS "_.-");
}

gboolean
_qr_qubes_xml_is_number (const char *text,
                         guint64     max,
                         guint64    *number)
{
  return *text != '\0'
         && _qr_qubes_xml_is_one_of (text, DIGITS)
         && g_ascii_string_to_unsigned (text, 10, 0, max, number, NULL);
}

gboolean
_qr_qubes_xml_parse_boolean (const char *value)
{
  return value != NULL
         && (g_ascii_strcasecmp (value, "true") == 0
             || g_ascii_strcasecmp (value, "1") == 0
             || g_ascii_strcasecmp (value, "yes") == 0);
}

/* A qube's folder: "vm12/" in R4, "appvms/work" in R3 (R4 backups of R3
 * systems keep it), and "dom0-home/<user>" for dom0. Nothing else is allowed,
 * as it names where files are read from and written to. Returns the path in
 * one spelling, a qube's folder ending in "/" and dom0's home not, or NULL. */
char *
_qr_qubes_xml_normalize_path (const char *path,
                              gboolean    is_dom0)
{
  g_auto(GStrv) parts = NULL;
  guint n_parts;

  if (strlen (path) > MAX_VALUE_LEN)
    return NULL;

  parts = g_strsplit (path, "/", -1);
  n_parts = g_strv_length (parts);

  /* One trailing slash is allowed. */
  if (n_parts > 1 && *parts[n_parts - 1] == '\0')
    n_parts--;

  if (is_dom0)
    {
      if (n_parts == 2 && g_str_equal (parts[0], "dom0-home") && is_user_name (parts[1]))
        return g_strconcat (parts[0], "/", parts[1], NULL);

      return NULL;
    }

  if (n_parts == 1
      && g_str_has_prefix (parts[0], "vm")
      && strlen (parts[0]) > 2 && strlen (parts[0]) <= 7
      && _qr_qubes_xml_is_one_of (parts[0] + 2, DIGITS))
    return g_strconcat (parts[0], "/", NULL);

  if (n_parts == 2 && g_strv_contains (r3_folders, parts[0])
      && _qr_qubes_xml_is_qube_name (parts[1]))
    return g_strconcat (parts[0], "/", parts[1], "/", NULL);

  return NULL;
}

char *
_qr_qubes_xml_dup_string (xmlChar *text)
{
  char *copy = g_strdup ((const char *) text);

  xmlFree (text);

  return copy;
}

gboolean
_qr_qubes_xml_take_value (char        *values[N_FIELDS],
                          Field        field,
                          char        *value,
                          const char  *key,
                          GError     **error)
{
  if (strlen (value) > MAX_VALUE_LEN)
    {
      _qr_qubes_xml_set_damaged (error, _("the value of “%s” is too long."), key);
      g_free (value);
      return FALSE;
    }

  if (values[field] != NULL)
    {
      _qr_qubes_xml_set_damaged (error, _("a qube has more than one “%s”."), key);
      g_free (value);
      return FALSE;
    }

  values[field] = value;

  return TRUE;
}

void
_qr_qubes_xml_clear_values (char *values[N_FIELDS])
{
  for (guint i = 0; i < N_FIELDS; i++)
    g_clear_pointer (&values[i], g_free);
}

/* Reads the <property> or <feature> children of @section that are listed in
 * @keys into @values. */
gboolean
_qr_qubes_xml_collect_items (xmlNode            *section,
                             const char         *item_name,
                             const char * const  keys[N_FIELDS],
                             char               *values[N_FIELDS],
                             GError            **error)
{
  for (xmlNode *item = section->children; item != NULL; item = item->next)
    {
      g_autofree char *key = NULL;

      if (!_qr_qubes_xml_is_element (item, item_name))
        continue;

      key = _qr_qubes_xml_dup_string (xmlGetNoNsProp (item, BAD_CAST "name"));
      if (key == NULL)
        continue;

      for (guint i = 0; i < N_FIELDS; i++)
        {
          if (keys[i] != NULL && g_str_equal (keys[i], key)
              && !_qr_qubes_xml_take_value (values, i, _qr_qubes_xml_dup_string (xmlNodeGetContent (item)), keys[i],
                              error))
            return FALSE;
        }
    }

  return TRUE;
}

/* Checks the fields every format shares and makes the qube from them. */
QrQube *
_qr_qubes_xml_build_qube (const char  *klass,
                          char        *values[N_FIELDS],
                          GError     **error)
{
  g_autoptr(QrQube) qube = NULL;
  gboolean is_admin = g_strcmp0 (klass, "AdminVM") == 0;
  const char *name = is_admin ? QR_QUBE_DOM0_NAME : values[FIELD_NAME];
  g_autofree char *path = NULL;
  guint64 number = 0;

  if (name == NULL)
    {
      _qr_qubes_xml_set_damaged (error, _("a qube has no name."));
      return NULL;
    }

  if (!_qr_qubes_xml_is_qube_name (name) || (!is_admin && g_str_equal (name, QR_QUBE_DOM0_NAME)))
    {
      _qr_qubes_xml_set_damaged (error, _("a qube has a name that is not allowed."));
      return NULL;
    }

  if (values[FIELD_QID] != NULL && !_qr_qubes_xml_is_number (values[FIELD_QID], MAX_QID, &number))
    {
      _qr_qubes_xml_set_damaged (error, _("the qube “%s” has a number that is not valid."), name);
      return NULL;
    }

  qube = qr_qube_new (name);
  qr_qube_set_klass (qube, klass);
  qr_qube_set_qid (qube, number);

  /* Where a qube that is not in the backup would have been is of no use,
   * so only the qubes in it need a valid folder and size. */
  if (!_qr_qubes_xml_parse_boolean (values[FIELD_CONTENT]))
    return g_steal_pointer (&qube);

  if (values[FIELD_PATH] != NULL)
    path = _qr_qubes_xml_normalize_path (values[FIELD_PATH], is_admin);

  if (path == NULL)
    {
      _qr_qubes_xml_set_damaged (error, _("the folder of the qube “%s” is missing or not allowed."), name);
      return NULL;
    }

  number = 0;
  if (values[FIELD_SIZE] != NULL && !_qr_qubes_xml_is_number (values[FIELD_SIZE], G_MAXUINT64, &number))
    {
      _qr_qubes_xml_set_damaged (error, _("the size of the qube “%s” is not a number."), name);
      return NULL;
    }

  qr_qube_set_included (qube, TRUE);
  qr_qube_set_backup_path (qube, path);
  qr_qube_set_backup_size (qube, number);

  return g_steal_pointer (&qube);
}

/* Adds a qube, refusing a second qube of the same name or the same folder:
 * either would make two qubes' files land in one place. */
gboolean
_qr_qubes_xml_collection_add (Collection  *collection,
                              QrQube      *qube,
                              GError     **error)
{
  const char *name = qr_qube_get_name (qube);
  const char *path = qr_qube_get_backup_path (qube);

  if (collection->qubes->len >= MAX_DOMAINS)
    {
      _qr_qubes_xml_set_damaged (error, _("it lists more than %d qubes."), MAX_DOMAINS);
      return FALSE;
    }

  if (g_hash_table_contains (collection->names, name))
    {
      _qr_qubes_xml_set_damaged (error, _("the name “%s” is given to more than one qube."), name);
      return FALSE;
    }

  if (path != NULL && g_hash_table_contains (collection->paths, path))
    {
      _qr_qubes_xml_set_damaged (error, _("the qubes “%s” and “%s” share one folder."),
                   qr_qube_get_name (g_hash_table_lookup (collection->paths, path)), name);
      return FALSE;
    }

  g_hash_table_insert (collection->names, (gpointer) name, qube);
  if (path != NULL)
    g_hash_table_insert (collection->paths, (gpointer) path, qube);
  g_ptr_array_add (collection->qubes, g_object_ref (qube));

  return TRUE;
}
