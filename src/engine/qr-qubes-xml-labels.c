/* qr-qubes-xml-labels.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Labels: the colours of qubes, named or numbered as each release did. */

#include "config.h"

#include <string.h>

#include "qr-qubes-xml-private.h"

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

typedef struct
{
  char *name;
  char *color;
} Label;

static void
label_free (Label *label)
{
  g_free (label->name);
  g_free (label->color);
  g_free (label);
}

/* Turns "0x73d216" into "#73d216"; anything else has no colour. */
static char *
parse_color (const char *value)
{
  g_autofree char *hex = NULL;

  if (value == NULL || strlen (value) != 8
      || value[0] != '0' || (value[1] != 'x' && value[1] != 'X')
      || !_qr_qubes_xml_is_one_of (value + 2, DIGITS "abcdefABCDEF"))
    return NULL;

  hex = g_ascii_strdown (value + 2, -1);

  return g_strconcat ("#", hex, NULL);
}

static gboolean
is_label_name (const char *name)
{
  gsize len = strlen (name);

  return len > 0 && len <= MAX_LABEL_LEN && _qr_qubes_xml_is_one_of (name, LETTERS DIGITS "_-");
}

/* The standard label with the id "label-N" or "N", or NULL. */
static int
standard_label_by_id (const char *value)
{
  const char *number = g_str_has_prefix (value, "label-") ? value + strlen ("label-") : value;
  guint64 id;

  if (!_qr_qubes_xml_is_number (number, G_N_ELEMENTS (standard_labels), &id) || id == 0)
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
void
_qr_qubes_xml_apply_label (QrQube      *qube,
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
  else if (labels == NULL && is_label_name (value) && !_qr_qubes_xml_is_one_of (value, DIGITS)
           && !g_str_has_prefix (value, "label-"))
    {
      qr_qube_set_label (qube, value);
    }
}

GHashTable *
_qr_qubes_xml_read_labels (xmlNode *root)
{
  GHashTable *labels = g_hash_table_new_full (g_str_hash, g_str_equal,
                                              g_free, (GDestroyNotify) label_free);

  for (xmlNode *section = root->children; section != NULL; section = section->next)
    {
      if (!_qr_qubes_xml_is_element (section, "labels"))
        continue;

      for (xmlNode *node = section->children; node != NULL; node = node->next)
        {
          g_autofree char *id = NULL;
          g_autofree char *name = NULL;
          g_autofree char *color = NULL;
          Label *label;

          if (!_qr_qubes_xml_is_element (node, "label"))
            continue;

          id = _qr_qubes_xml_dup_string (xmlGetNoNsProp (node, BAD_CAST "id"));
          name = _qr_qubes_xml_dup_string (xmlNodeGetContent (node));
          color = _qr_qubes_xml_dup_string (xmlGetNoNsProp (node, BAD_CAST "color"));

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
