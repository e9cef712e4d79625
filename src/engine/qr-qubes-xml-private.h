/* qr-qubes-xml-private.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libxml/tree.h>

#include "qr-qubes-xml.h"

G_BEGIN_DECLS

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

#define DIGITS "0123456789"
#define LETTERS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

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

/* The qubes read so far, with their names and folders, which must each
 * be given once. */
typedef struct
{
  GPtrArray *qubes;
  GHashTable *names;
  GHashTable *paths;
  /* Set for a format 1 backup, a folder that holds what it copied. */
  QrQubesXmlFolderFunc folder_exists;
  gpointer folder_data;
} Collection;

void        _qr_qubes_xml_set_damaged      (GError             **error,
                                            const char          *format,
                                            ...) G_GNUC_PRINTF (2, 3);
gboolean    _qr_qubes_xml_is_element       (xmlNode             *node,
                                            const char          *name);
gboolean    _qr_qubes_xml_is_one_of        (const char          *value,
                                            const char          *accept);
gboolean    _qr_qubes_xml_is_qube_name     (const char          *name);
gboolean    _qr_qubes_xml_is_number        (const char          *text,
                                            guint64              max,
                                            guint64             *number);
gboolean    _qr_qubes_xml_parse_boolean    (const char          *value);
char       *_qr_qubes_xml_normalize_path   (const char          *path,
                                            gboolean             is_dom0);
char       *_qr_qubes_xml_dup_string       (xmlChar             *text);

gboolean    _qr_qubes_xml_take_value       (char                *values[N_FIELDS],
                                            Field                field,
                                            char                *value,
                                            const char          *key,
                                            GError             **error);
void        _qr_qubes_xml_clear_values     (char                *values[N_FIELDS]);
gboolean    _qr_qubes_xml_collect_items    (xmlNode             *section,
                                            const char          *item_name,
                                            const char * const   keys[N_FIELDS],
                                            char                *values[N_FIELDS],
                                            GError             **error);
QrQube     *_qr_qubes_xml_build_qube       (const char          *klass,
                                            char                *values[N_FIELDS],
                                            GError             **error);

gboolean    _qr_qubes_xml_collection_add   (Collection          *collection,
                                            QrQube              *qube,
                                            GError             **error);
void        _qr_qubes_xml_collection_clear (Collection          *collection);

GHashTable *_qr_qubes_xml_read_labels      (xmlNode             *root);
void        _qr_qubes_xml_apply_label      (QrQube              *qube,
                                            const char          *value,
                                            GHashTable          *labels);

gboolean    _qr_qubes_xml_read_r4          (xmlNode             *root,
                                            Collection          *collection,
                                            GError             **error);
gboolean    _qr_qubes_xml_read_r3          (xmlNode             *root,
                                            Collection          *collection,
                                            GError             **error);

G_END_DECLS
