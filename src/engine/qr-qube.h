/* qr-qube.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define QR_TYPE_QUBE (qr_qube_get_type ())

G_DECLARE_FINAL_TYPE (QrQube, qr_qube, QR, QUBE, GObject)

/* The name by which dom0's home directory is selected. */
#define QR_QUBE_DOM0_NAME "dom0"

QrQube     *qr_qube_new             (const char *name);
const char *qr_qube_get_name        (QrQube     *self);
guint       qr_qube_get_qid         (QrQube     *self);
void        qr_qube_set_qid         (QrQube     *self,
                                     guint       qid);
const char *qr_qube_get_klass       (QrQube     *self);
void        qr_qube_set_klass       (QrQube     *self,
                                     const char *klass);
const char *qr_qube_get_label       (QrQube     *self);
void        qr_qube_set_label       (QrQube     *self,
                                     const char *label);
const char *qr_qube_get_label_color (QrQube     *self);
void        qr_qube_set_label_color (QrQube     *self,
                                     const char *label_color);
const char *qr_qube_get_template    (QrQube     *self);
void        qr_qube_set_template    (QrQube     *self,
                                     const char *template_name);
const char *qr_qube_get_backup_path (QrQube     *self);
void        qr_qube_set_backup_path (QrQube     *self,
                                     const char *backup_path);
guint64     qr_qube_get_backup_size (QrQube     *self);
void        qr_qube_set_backup_size (QrQube     *self,
                                     guint64     backup_size);
gboolean    qr_qube_get_included    (QrQube     *self);
void        qr_qube_set_included    (QrQube     *self,
                                     gboolean    included);
gboolean    qr_qube_get_present     (QrQube     *self);
void        qr_qube_set_present     (QrQube     *self,
                                     gboolean    present);
gboolean    qr_qube_is_dom0         (QrQube     *self);
const char * const *qr_qube_get_saved_volumes (QrQube *self);
void        qr_qube_set_saved_volumes (QrQube    *self,
                                       const char * const *volumes);

G_END_DECLS
