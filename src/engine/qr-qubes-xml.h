/* qr-qubes-xml.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "qr-qube.h"

G_BEGIN_DECLS

/* The largest qubes.xml accepted (after decompression). */
#define QR_QUBES_XML_MAX_SIZE (16 * 1024 * 1024)

/* Returns every domain as a QrQube, in document order. The backup path of
 * an included qube is checked and spelled one way: a qube's folder ends in
 * "/" ("vm12/", or "appvms/work/" in older backups), dom0's home does not
 * ("dom0-home/user"). Reads both the R4 <qubes> and the R3
 * <QubesVmCollection> formats. */
typedef gboolean (*QrQubesXmlFolderFunc) (const char *folder,
                                          gpointer    user_data);

GPtrArray *qr_qubes_xml_parse               (const char            *data,
                                             gsize                  len,
                                             GError               **error);
GPtrArray *qr_qubes_xml_parse_folder_backup (const char            *data,
                                             gsize                  len,
                                             QrQubesXmlFolderFunc   folder_exists,
                                             gpointer               user_data,
                                             GError               **error);
gboolean   qr_qubes_xml_set_dom0_home       (GPtrArray             *qubes,
                                             const char            *backup_path);

G_END_DECLS
