/* qr-qubes-xml.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "qr-error.h"
#include "qr-qubes-xml.h"

/* Values are untrusted even after the backup has been verified: whoever made
 * the backup controls them. These bounds are far above anything Qubes
 * writes. */
#define MAX_VALUE_LEN   1024
#define MAX_NAME_LEN    31
#define MAX_LABEL_LEN   64
#define MAX_CLASS_LEN   64
#define MAX_USER_LEN    64
#define MAX_QID         65535
#define MAX_DOMAINS     4096
#define MAX_ERROR_LEN   160

/* A document with a DTD is refused outright: qubes.xml never has one, and a
 * DTD is how entity expansion and external entities get in. Errors are taken
 * from the parser context instead of being printed. */
#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR | \
                       XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC)

/* The facts about one domain that a restore needs, as raw text. */
typedef enum
{
  FIELD_NAME,
  FIELD_QID,
  FIELD_LABEL,
  FIELD_TEMPLATE,
  FIELD_CONTENT,
  FIELD_PATH,
  FIELD_SIZE,
  FIELD_DIR_PATH,
  N_FIELDS,
} Field;

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

/* The labels every Qubes release has, in the order of their ids
 * ("label-1" in R4, 1 in R3) and with the colours Qubes gives them. R3
 * names a qube's label, R4 refers to its <labels> by id, and the backups
 * of released R4.x systems write the name there too. */
static const struct
{
  const char *name;
  const char *color;
} standard_labels[] = {
  { "red", "#cc0000" },
  { "orange", "#f57900" },
  { "yellow", "#edd400" },
  { "green", "#73d216" },
  { "gray", "#555753" },
  { "blue", "#3465a4" },
  { "purple", "#75507b" },
  { "black", "#000000" },
};

/* The folders an R3 backup kept its qubes in. */
static const char * const r3_folders[] = { "appvms", "vm-templates", "servicevms", NULL };

typedef struct
{
  char *name;
  char *color;
} Label;

typedef struct
{
  GPtrArray *qubes;
  GHashTable *names;
  GHashTable *paths;
  /* Set for a format 1 backup, a folder that holds what it copied. */
  QrQubesXmlFolderFunc folder_exists;
  gpointer folder_data;
} Collection;

typedef struct
{
  gboolean saw_dtd;
  char *first_error;
  int first_error_line;
} ParseState;

static void
set_damaged (GError     **error,
             const char  *format,
             ...) G_GNUC_PRINTF (2, 3);

static void
set_damaged (GError     **error,
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

static void
label_free (Label *label)
{
  g_free (label->name);
  g_free (label->color);
  g_free (label);
}

static void
collection_clear (Collection *collection)
{
  g_clear_pointer (&collection->qubes, g_ptr_array_unref);
  g_clear_pointer (&collection->names, g_hash_table_unref);
  g_clear_pointer (&collection->paths, g_hash_table_unref);
}

static gboolean
is_element (xmlNode    *node,
            const char *name)
{
  return node->type == XML_ELEMENT_NODE && xmlStrEqual (node->name, BAD_CAST name);
}

static gboolean
is_one_of (const char *value,
           const char *accept)
{
  return strspn (value, accept) == strlen (value);
}

#define DIGITS "0123456789"
#define LETTERS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

/* The rule Qubes itself applies to qube names. The name later becomes a
 * folder on the user's disk, so it must never be a path. */
static gboolean
is_qube_name (const char *name)
{
  gsize len = strlen (name);

  return len > 0 && len <= MAX_NAME_LEN
         && g_ascii_isalpha (name[0])
         && is_one_of (name, LETTERS DIGITS "_.-");
}

static gboolean
is_user_name (const char *name)
{
  gsize len = strlen (name);

  return len > 0 && len <= MAX_USER_LEN
         && name[0] != '.' && name[0] != '-'
         && is_one_of (name, LETTERS DIGITS "_.-");
}

static gboolean
is_number (const char *text,
           guint64     max,
           guint64    *number)
{
  return *text != '\0'
         && is_one_of (text, DIGITS)
         && g_ascii_string_to_unsigned (text, 10, 0, max, number, NULL);
}

static gboolean
parse_boolean (const char *value)
{
  return value != NULL
         && (g_ascii_strcasecmp (value, "true") == 0
             || g_ascii_strcasecmp (value, "1") == 0
             || g_ascii_strcasecmp (value, "yes") == 0);
}

/* Turns "0x73d216" into "#73d216"; anything else has no colour. */
static char *
parse_color (const char *value)
{
  g_autofree char *hex = NULL;

  if (value == NULL || strlen (value) != 8
      || value[0] != '0' || (value[1] != 'x' && value[1] != 'X')
      || !is_one_of (value + 2, DIGITS "abcdefABCDEF"))
    return NULL;

  hex = g_ascii_strdown (value + 2, -1);

  return g_strconcat ("#", hex, NULL);
}

static gboolean
is_label_name (const char *name)
{
  gsize len = strlen (name);

  return len > 0 && len <= MAX_LABEL_LEN && is_one_of (name, LETTERS DIGITS "_-");
}

/* The standard label with the id "label-N" or "N", or NULL. */
static int
standard_label_by_id (const char *value)
{
  const char *number = g_str_has_prefix (value, "label-") ? value + strlen ("label-") : value;
  guint64 id;

  if (!is_number (number, G_N_ELEMENTS (standard_labels), &id) || id == 0)
    return -1;

  return id - 1;
}

static int
standard_label_by_name (const char *value)
{
  for (guint i = 0; i < G_N_ELEMENTS (standard_labels); i++)
    if (g_str_equal (value, standard_labels[i].name))
      return i;

  return -1;
}

/* The document's label with the id or the name @value, or NULL. */
static Label *
lookup_label (GHashTable *labels,
              const char *value)
{
  GHashTableIter iter;
  Label *label;

  if (labels == NULL)
    return NULL;

  if ((label = g_hash_table_lookup (labels, value)) != NULL)
    return label;

  g_hash_table_iter_init (&iter, labels);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &label))
    if (g_str_equal (label->name, value))
      return label;

  return NULL;
}

/* Gives @qube the label @value stands for: an id or a name of the
 * document's <labels> (NULL in R3), then of the standard labels. R3 keeps
 * any other name, without a colour; any other value refers to nothing. */
static void
apply_label (QrQube      *qube,
             const char  *value,
             GHashTable  *labels)
{
  Label *label;
  int standard;

  if (value == NULL)
    return;

  label = lookup_label (labels, value);

  if (label != NULL)
    {
      qr_qube_set_label (qube, label->name);
      qr_qube_set_label_color (qube, label->color);
      return;
    }

  standard = standard_label_by_name (value);
  if (standard < 0)
    standard = standard_label_by_id (value);

  if (standard >= 0)
    {
      qr_qube_set_label (qube, standard_labels[standard].name);
      qr_qube_set_label_color (qube, standard_labels[standard].color);
    }
  else if (labels == NULL && is_label_name (value) && !is_one_of (value, DIGITS)
           && !g_str_has_prefix (value, "label-"))
    {
      qr_qube_set_label (qube, value);
    }
}

/* A qube's folder: "vm12/" in R4, "appvms/work" in R3 (R4 backups of R3
 * systems keep it), and "dom0-home/<user>" for dom0. Nothing else is allowed,
 * as it names where files are read from and written to. Returns the path in
 * one spelling, a qube's folder ending in "/" and dom0's home not, or NULL. */
static char *
normalize_backup_path (const char *path,
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
      && is_one_of (parts[0] + 2, DIGITS))
    return g_strconcat (parts[0], "/", NULL);

  if (n_parts == 2 && g_strv_contains (r3_folders, parts[0])
      && is_qube_name (parts[1]))
    return g_strconcat (parts[0], "/", parts[1], "/", NULL);

  return NULL;
}

static char *
dup_xml_string (xmlChar *text)
{
  char *copy = g_strdup ((const char *) text);

  xmlFree (text);

  return copy;
}

static gboolean
take_value (char        *values[N_FIELDS],
            Field        field,
            char        *value,
            const char  *key,
            GError     **error)
{
  if (strlen (value) > MAX_VALUE_LEN)
    {
      set_damaged (error, _("the value of “%s” is too long."), key);
      g_free (value);
      return FALSE;
    }

  if (values[field] != NULL)
    {
      set_damaged (error, _("a qube has more than one “%s”."), key);
      g_free (value);
      return FALSE;
    }

  values[field] = value;

  return TRUE;
}

static void
clear_values (char *values[N_FIELDS])
{
  for (guint i = 0; i < N_FIELDS; i++)
    g_clear_pointer (&values[i], g_free);
}

/* Reads the <property> or <feature> children of @section that are listed in
 * @keys into @values. */
static gboolean
collect_items (xmlNode            *section,
               const char         *item_name,
               const char * const  keys[N_FIELDS],
               char               *values[N_FIELDS],
               GError            **error)
{
  for (xmlNode *item = section->children; item != NULL; item = item->next)
    {
      g_autofree char *key = NULL;

      if (!is_element (item, item_name))
        continue;

      key = dup_xml_string (xmlGetNoNsProp (item, BAD_CAST "name"));
      if (key == NULL)
        continue;

      for (guint i = 0; i < N_FIELDS; i++)
        {
          if (keys[i] != NULL && g_str_equal (keys[i], key)
              && !take_value (values, i, dup_xml_string (xmlNodeGetContent (item)), keys[i],
                              error))
            return FALSE;
        }
    }

  return TRUE;
}

/* Checks the fields every format shares and makes the qube from them. */
static QrQube *
build_qube (const char  *klass,
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
      set_damaged (error, _("a qube has no name."));
      return NULL;
    }

  if (!is_qube_name (name) || (!is_admin && g_str_equal (name, QR_QUBE_DOM0_NAME)))
    {
      set_damaged (error, _("a qube has a name that is not allowed."));
      return NULL;
    }

  if (values[FIELD_QID] != NULL && !is_number (values[FIELD_QID], MAX_QID, &number))
    {
      set_damaged (error, _("the qube “%s” has a number that is not valid."), name);
      return NULL;
    }

  qube = qr_qube_new (name);
  qr_qube_set_klass (qube, klass);
  qr_qube_set_qid (qube, number);

  /* Where a qube that is not in the backup would have been is of no use,
   * so only the qubes in it need a valid folder and size. */
  if (!parse_boolean (values[FIELD_CONTENT]))
    return g_steal_pointer (&qube);

  if (values[FIELD_PATH] != NULL)
    path = normalize_backup_path (values[FIELD_PATH], is_admin);

  if (path == NULL)
    {
      set_damaged (error, _("the folder of the qube “%s” is missing or not allowed."), name);
      return NULL;
    }

  number = 0;
  if (values[FIELD_SIZE] != NULL && !is_number (values[FIELD_SIZE], G_MAXUINT64, &number))
    {
      set_damaged (error, _("the size of the qube “%s” is not a number."), name);
      return NULL;
    }

  qr_qube_set_included (qube, TRUE);
  qr_qube_set_backup_path (qube, path);
  qr_qube_set_backup_size (qube, number);

  return g_steal_pointer (&qube);
}

/* Adds a qube, refusing a second qube of the same name or the same folder:
 * either would make two qubes' files land in one place. */
static gboolean
collection_add (Collection  *collection,
                QrQube      *qube,
                GError     **error)
{
  const char *name = qr_qube_get_name (qube);
  const char *path = qr_qube_get_backup_path (qube);

  if (collection->qubes->len >= MAX_DOMAINS)
    {
      set_damaged (error, _("it lists more than %d qubes."), MAX_DOMAINS);
      return FALSE;
    }

  if (g_hash_table_contains (collection->names, name))
    {
      set_damaged (error, _("the name “%s” is given to more than one qube."), name);
      return FALSE;
    }

  if (path != NULL && g_hash_table_contains (collection->paths, path))
    {
      set_damaged (error, _("the qubes “%s” and “%s” share one folder."),
                   qr_qube_get_name (g_hash_table_lookup (collection->paths, path)), name);
      return FALSE;
    }

  g_hash_table_insert (collection->names, (gpointer) name, qube);
  if (path != NULL)
    g_hash_table_insert (collection->paths, (gpointer) path, qube);
  g_ptr_array_add (collection->qubes, g_object_ref (qube));

  return TRUE;
}

/* R4 */

static GHashTable *
read_r4_labels (xmlNode *root)
{
  GHashTable *labels = g_hash_table_new_full (g_str_hash, g_str_equal,
                                              g_free, (GDestroyNotify) label_free);

  for (xmlNode *section = root->children; section != NULL; section = section->next)
    {
      if (!is_element (section, "labels"))
        continue;

      for (xmlNode *node = section->children; node != NULL; node = node->next)
        {
          g_autofree char *id = NULL;
          g_autofree char *name = NULL;
          g_autofree char *color = NULL;
          Label *label;

          if (!is_element (node, "label"))
            continue;

          id = dup_xml_string (xmlGetNoNsProp (node, BAD_CAST "id"));
          name = dup_xml_string (xmlNodeGetContent (node));
          color = dup_xml_string (xmlGetNoNsProp (node, BAD_CAST "color"));

          /* A label only colours the list: one that makes no sense is
           * left out rather than failing the restore. */
          if (id == NULL || name == NULL || !is_label_name (name)
              || g_hash_table_contains (labels, id))
            continue;

          label = g_new0 (Label, 1);
          label->name = g_steal_pointer (&name);
          label->color = parse_color (color);
          g_hash_table_insert (labels, g_steal_pointer (&id), label);
        }
    }

  return labels;
}

/* Reads one of the global properties, such as the default template. */
static char *
read_r4_global_property (xmlNode    *root,
                         const char *key)
{
  for (xmlNode *section = root->children; section != NULL; section = section->next)
    {
      if (!is_element (section, "properties"))
        continue;

      for (xmlNode *node = section->children; node != NULL; node = node->next)
        {
          g_autofree char *name = NULL;

          if (!is_element (node, "property"))
            continue;

          name = dup_xml_string (xmlGetNoNsProp (node, BAD_CAST "name"));
          if (g_strcmp0 (name, key) == 0)
            return dup_xml_string (xmlNodeGetContent (node));
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

  if (template_name != NULL && is_qube_name (template_name))
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
      if (!is_element (section, "volume-config"))
        continue;

      for (xmlNode *volume = section->children; volume != NULL; volume = volume->next)
        {
          g_autofree char *name = NULL;
          g_autofree char *saved = NULL;

          if (!is_element (volume, "volume"))
            continue;

          name = dup_xml_string (xmlGetNoNsProp (volume, BAD_CAST "name"));
          saved = dup_xml_string (xmlGetNoNsProp (volume, BAD_CAST "save_on_stop"));
          if (name != NULL && is_qube_name (name) && parse_boolean (saved))
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

  klass = dup_xml_string (xmlGetNoNsProp (domain, BAD_CAST "class"));
  if (klass == NULL || *klass == '\0' || strlen (klass) > MAX_CLASS_LEN
      || !is_one_of (klass, LETTERS DIGITS))
    {
      set_damaged (error, _("a qube has no valid type."));
      return NULL;
    }

  for (xmlNode *section = domain->children; section != NULL; section = section->next)
    {
      gboolean ok = TRUE;

      if (is_element (section, "properties"))
        ok = collect_items (section, "property", r4_properties, values, error);
      else if (is_element (section, "features"))
        ok = collect_items (section, "feature", r4_features, values, error);

      if (!ok)
        goto out;
    }

  qube = build_qube (klass, values, error);
  if (qube != NULL)
    {
      g_auto(GStrv) volumes = read_r4_saved_volumes (domain);

      apply_label (qube, values[FIELD_LABEL], labels);
      apply_r4_template (qube, values[FIELD_TEMPLATE], default_template, default_dispvm);
      qr_qube_set_saved_volumes (qube, (const char * const *) volumes);
    }

out:
  clear_values (values);

  return qube;
}

static gboolean
read_r4 (xmlNode     *root,
         Collection  *collection,
         GError     **error)
{
  g_autoptr(GHashTable) labels = read_r4_labels (root);
  g_autofree char *default_template = read_r4_global_property (root, "default_template");
  g_autofree char *default_dispvm = read_r4_global_property (root, "default_dispvm");

  for (xmlNode *section = root->children; section != NULL; section = section->next)
    {
      if (!is_element (section, "domains"))
        continue;

      for (xmlNode *node = section->children; node != NULL; node = node->next)
        {
          g_autoptr(QrQube) qube = NULL;

          if (!is_element (node, "domain"))
            continue;

          qube = read_r4_domain (node, labels, default_template, default_dispvm, error);
          if (qube == NULL || !collection_add (collection, qube, error))
            return FALSE;
        }
    }

  return TRUE;
}

/* R3 */

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
      if (!is_element (node, r3_classes[i].element))
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
  folder = normalize_backup_path (dir_path + strlen (R3_BASE_DIR), FALSE);
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
      char *value = dup_xml_string (xmlGetNoNsProp (node, BAD_CAST r3_attributes[i]));

      if (value != NULL && !take_value (values, i, value, r3_attributes[i], error))
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

  qube = build_qube (klass, values, error);
  if (qube == NULL || !collection_add (collection, qube, error))
    goto out;

  apply_label (qube, values[FIELD_LABEL], NULL);

  if (values[FIELD_TEMPLATE] != NULL)
    g_hash_table_insert (template_qids, qube, g_steal_pointer (&values[FIELD_TEMPLATE]));

  ok = TRUE;

out:
  clear_values (values);

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

      if (template_qid == NULL || !is_number (template_qid, MAX_QID, &qid))
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

static gboolean
read_r3 (xmlNode     *root,
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

/* Parsing */

static void
ensure_libxml (void)
{
  static gsize initialized = 0;

  /* libxml2 sets up its global state lazily, which is not thread-safe. */
  if (g_once_init_enter (&initialized))
    {
      xmlInitParser ();
      g_once_init_leave (&initialized, 1);
    }
}

static void
dtd_found_cb (void          *user_data,
              const xmlChar *name,
              const xmlChar *external_id,
              const xmlChar *system_id)
{
  xmlParserCtxtPtr ctxt = user_data;
  ParseState *state = ctxt->_private;

  state->saw_dtd = TRUE;
  xmlStopParser (ctxt);
}

static void
entity_found_cb (void          *user_data,
                 const xmlChar *name,
                 int            type,
                 const xmlChar *public_id,
                 const xmlChar *system_id,
                 xmlChar       *content)
{
  dtd_found_cb (user_data, name, public_id, system_id);
}

static void
error_cb (void        *user_data,
          xmlErrorPtr  xml_error)
{
  xmlParserCtxtPtr ctxt = user_data;
  ParseState *state = ctxt->_private;
  const char *message;
  gsize len;

  if (state->first_error != NULL || xml_error == NULL || xml_error->message == NULL)
    return;

  /* The message may quote the document: keep one short line of it. */
  message = xml_error->message;
  len = MIN (strcspn (message, "\r\n"), MAX_ERROR_LEN);
  state->first_error = g_utf8_make_valid (message, len);
  state->first_error_line = xml_error->line;
}

static xmlDoc *
read_document (const char  *data,
               gsize        len,
               GError     **error)
{
  ParseState state = { FALSE, NULL, 0 };
  xmlParserCtxtPtr ctxt;
  xmlDoc *doc;

  ensure_libxml ();

  ctxt = xmlNewParserCtxt ();
  if (ctxt == NULL)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_NEEDS_MEMORY,
                   _("There is not enough memory to read the list of qubes. "
                     "Close other programs and try again."));
      return NULL;
    }

  ctxt->_private = &state;
  ctxt->sax->internalSubset = dtd_found_cb;
  ctxt->sax->entityDecl = entity_found_cb;
  ctxt->sax->serror = error_cb;

  /* The encoding is forced so that no declared encoding can disguise
   * markup; Qubes always writes UTF-8. */
  doc = xmlCtxtReadMemory (ctxt, data, (int) len, "qubes.xml", "UTF-8", PARSE_OPTIONS);
  xmlFreeParserCtxt (ctxt);

  if (state.saw_dtd)
    {
      g_clear_pointer (&doc, xmlFreeDoc);
      set_damaged (error, _("it contains a document type declaration, which a backup never has."));
    }
  else if (doc == NULL)
    {
      set_damaged (error, _("the file is not well-formed XML (line %d: %s)."),
                   state.first_error_line,
                   state.first_error != NULL ? state.first_error : _("unknown error"));
    }

  g_free (state.first_error);

  return doc;
}

static GPtrArray *
parse_collection (Collection  *collection,
                  const char  *data,
                  gsize        len,
                  GError     **error)
{
  xmlDoc *doc;
  xmlNode *root;
  gboolean ok = FALSE;

  if (len > QR_QUBES_XML_MAX_SIZE)
    {
      set_damaged (error, _("it is larger than %d MiB."), QR_QUBES_XML_MAX_SIZE / (1024 * 1024));
      return NULL;
    }

  if (len == 0)
    {
      set_damaged (error, _("the file is empty."));
      return NULL;
    }

  doc = read_document (data, len, error);
  if (doc == NULL)
    return NULL;

  collection->qubes = g_ptr_array_new_with_free_func (g_object_unref);
  collection->names = g_hash_table_new (g_str_hash, g_str_equal);
  collection->paths = g_hash_table_new (g_str_hash, g_str_equal);

  root = xmlDocGetRootElement (doc);
  if (root != NULL && is_element (root, "qubes") && collection->folder_exists == NULL)
    ok = read_r4 (root, collection, error);
  else if (root != NULL && is_element (root, "QubesVmCollection"))
    ok = read_r3 (root, collection, error);
  else
    set_damaged (error, _("it is not a Qubes configuration."));

  xmlFreeDoc (doc);

  if (ok)
    {
      GPtrArray *qubes = g_steal_pointer (&collection->qubes);

      collection_clear (collection);
      return qubes;
    }

  collection_clear (collection);

  return NULL;
}

GPtrArray *
qr_qubes_xml_parse (const char  *data,
                    gsize        len,
                    GError     **error)
{
  Collection collection = { NULL, };

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return parse_collection (&collection, data, len, error);
}

/**
 * qr_qubes_xml_parse_folder_backup:
 * @folder_exists: tells whether the backup holds a folder ("appvms/work")
 *
 * Reads the qubes.xml of a format 1 backup (R1, R2-Beta1 and 2): a folder
 * that holds qubes.xml and copies of the qubes' folders, with no word in
 * qubes.xml on what was backed up. A qube is in the backup when the
 * folder of its dir_path is; its backup path is that folder. dom0's home
 * is the one folder in "dom0-home/": see qr_qubes_xml_set_dom0_home().
 */
GPtrArray *
qr_qubes_xml_parse_folder_backup (const char            *data,
                                  gsize                  len,
                                  QrQubesXmlFolderFunc   folder_exists,
                                  gpointer               user_data,
                                  GError               **error)
{
  Collection collection = { NULL, };

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (folder_exists != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  collection.folder_exists = folder_exists;
  collection.folder_data = user_data;
  return parse_collection (&collection, data, len, error);
}

/**
 * qr_qubes_xml_set_dom0_home:
 * @backup_path: "dom0-home/<user>", found from the backup's members
 *
 * Puts dom0's home in the list when qubes.xml does not say where it is:
 * format 1 wrote no backup_path, R3.0-rc1 none for dom0. dom0 is added
 * when the list lacks it.
 *
 * Returns: %FALSE when @backup_path is not a home's, or when qubes.xml
 *   put dom0's home elsewhere.
 */
gboolean
qr_qubes_xml_set_dom0_home (GPtrArray  *qubes,
                            const char *backup_path)
{
  g_autofree char *path = NULL;
  QrQube *dom0 = NULL;

  g_return_val_if_fail (qubes != NULL, FALSE);
  g_return_val_if_fail (backup_path != NULL, FALSE);

  path = normalize_backup_path (backup_path, TRUE);
  if (path == NULL)
    return FALSE;

  for (guint i = 0; i < qubes->len && dom0 == NULL; i++)
    if (qr_qube_is_dom0 (g_ptr_array_index (qubes, i)))
      dom0 = g_ptr_array_index (qubes, i);

  /* dom0's label is black in every Qubes release. */
  if (dom0 == NULL)
    {
      dom0 = qr_qube_new (QR_QUBE_DOM0_NAME);
      qr_qube_set_klass (dom0, "AdminVM");
      apply_label (dom0, "black", NULL);
      g_ptr_array_add (qubes, dom0);
    }

  if (qr_qube_get_included (dom0))
    return g_strcmp0 (qr_qube_get_backup_path (dom0), path) == 0;

  qr_qube_set_included (dom0, TRUE);
  qr_qube_set_backup_path (dom0, path);
  return TRUE;
}
