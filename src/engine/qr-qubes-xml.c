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

#include "qr-error.h"
#include "qr-qubes-xml-private.h"

/* Of the parser's first error, kept in the message to the user. */
#define MAX_ERROR_LEN   160

/* A document with a DTD is refused outright: qubes.xml never has one, and a
 * DTD is how entity expansion and external entities get in. Errors are taken
 * from the parser context instead of being printed. */
#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR | \
                       XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC)

typedef struct
{
  gboolean saw_dtd;
  char *first_error;
  int first_error_line;
} ParseState;

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
      _qr_qubes_xml_set_damaged (error, _("it contains a document type declaration, which a backup never has."));
    }
  else if (doc == NULL)
    {
      _qr_qubes_xml_set_damaged (error, _("the file is not well-formed XML (line %d: %s)."),
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
      _qr_qubes_xml_set_damaged (error, _("it is larger than %d MiB."), QR_QUBES_XML_MAX_SIZE / (1024 * 1024));
      return NULL;
    }

  if (len == 0)
    {
      _qr_qubes_xml_set_damaged (error, _("the file is empty."));
      return NULL;
    }

  doc = read_document (data, len, error);
  if (doc == NULL)
    return NULL;

  collection->qubes = g_ptr_array_new_with_free_func (g_object_unref);
  collection->names = g_hash_table_new (g_str_hash, g_str_equal);
  collection->paths = g_hash_table_new (g_str_hash, g_str_equal);

  root = xmlDocGetRootElement (doc);
  if (root != NULL && _qr_qubes_xml_is_element (root, "qubes") && collection->folder_exists == NULL)
    ok = _qr_qubes_xml_read_r4 (root, collection, error);
  else if (root != NULL && _qr_qubes_xml_is_element (root, "QubesVmCollection"))
    ok = _qr_qubes_xml_read_r3 (root, collection, error);
  else
    _qr_qubes_xml_set_damaged (error, _("it is not a Qubes configuration."));

  xmlFreeDoc (doc);

  if (ok)
    {
      GPtrArray *qubes = g_steal_pointer (&collection->qubes);

      _qr_qubes_xml_collection_clear (collection);
      return qubes;
    }

  _qr_qubes_xml_collection_clear (collection);

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

  path = _qr_qubes_xml_normalize_path (backup_path, TRUE);
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
      _qr_qubes_xml_apply_label (dom0, "black", NULL);
      g_ptr_array_add (qubes, dom0);
    }

  if (qr_qube_get_included (dom0))
    return g_strcmp0 (qr_qube_get_backup_path (dom0), path) == 0;

  qr_qube_set_included (dom0, TRUE);
  qr_qube_set_backup_path (dom0, path);
  return TRUE;
}

