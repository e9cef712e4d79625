/* qr-archive.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define QR_TYPE_ARCHIVE (qr_archive_get_type ())

G_DECLARE_FINAL_TYPE (QrArchive, qr_archive, QR, ARCHIVE, GObject)

/* One member of the outer archive: where its data lies in the file. */
typedef struct
{
  char    *name;
  guint64  offset;
  guint64  size;
} QrArchiveMember;

QrArchive             *qr_archive_open         (GFile            *file,
                                                GCancellable     *cancellable,
                                                GError          **error);
guint64                qr_archive_get_size     (QrArchive        *self);
gboolean               qr_archive_is_truncated (QrArchive        *self);
guint                  qr_archive_get_n_members (QrArchive       *self);
const QrArchiveMember *qr_archive_get_member   (QrArchive        *self,
                                                guint             index);
const QrArchiveMember *qr_archive_lookup       (QrArchive        *self,
                                                const char       *name);
gboolean               qr_archive_read         (QrArchive        *self,
                                                const QrArchiveMember *member,
                                                guint64           offset,
                                                void             *buffer,
                                                gsize             length,
                                                GError          **error);
GBytes                *qr_archive_read_member  (QrArchive        *self,
                                                const QrArchiveMember *member,
                                                gsize             max_size,
                                                GError          **error);
void                   qr_archive_advise_sequential (QrArchive   *self,
                                                const QrArchiveMember *member);
gboolean               qr_archive_is_streaming (QrArchive        *self);
const QrArchiveMember *qr_archive_next_member  (QrArchive        *self,
                                                GError          **error);
gboolean               qr_archive_read_data    (QrArchive        *self,
                                                void             *buffer,
                                                gsize             length,
                                                GError          **error);

G_END_DECLS
