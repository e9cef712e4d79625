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

/* No member: a damaged stretch at the very start or the very end. */
#define QR_ARCHIVE_NO_MEMBER G_MAXUINT

/* One member of the outer archive: where its data lies in the file. */
typedef struct
{
  char    *name;
  guint64  offset;
  guint64  size;
  guint    index;
} QrArchiveMember;

typedef enum
{
  /* Bytes between members that are neither a tar header nor padding. */
  QR_ARCHIVE_DAMAGE_GARBLED,
  /* Bytes the disk could not read. */
  QR_ARCHIVE_DAMAGE_UNREADABLE,
  /* The file ends inside a member, or before the end of the last one. */
  QR_ARCHIVE_DAMAGE_CUT_SHORT,
} QrArchiveDamageKind;

/* A stretch of the file that is not what the backup tool writes. The
 * members on either side are named by index; whatever lay inside it is
 * lost unless the stretch is too small to have held a member. */
typedef struct
{
  QrArchiveDamageKind  kind;
  guint64              start;
  guint64              end;
  guint                before;
  guint                after;
  gboolean             may_hide_members;
} QrArchiveDamage;

QrArchive             *qr_archive_open          (GFile            *file,
                                                 GCancellable     *cancellable,
                                                 GError          **error);
guint64                qr_archive_get_size      (QrArchive        *self);
guint                  qr_archive_get_n_members (QrArchive        *self);
const QrArchiveMember *qr_archive_get_member    (QrArchive        *self,
                                                 guint             index);
const QrArchiveMember *qr_archive_lookup        (QrArchive        *self,
                                                 const char       *name);
guint                  qr_archive_get_n_damages (QrArchive        *self);
const QrArchiveDamage *qr_archive_get_damage    (QrArchive        *self,
                                                 guint             index);
gboolean               qr_archive_read          (QrArchive        *self,
                                                 const QrArchiveMember *member,
                                                 guint64           offset,
                                                 void             *buffer,
                                                 gsize             length,
                                                 GError          **error);
GBytes                *qr_archive_read_member   (QrArchive        *self,
                                                 const QrArchiveMember *member,
                                                 gsize             max_size,
                                                 GError          **error);
void                   qr_archive_advise_sequential (QrArchive    *self,
                                                 const QrArchiveMember *member);
gboolean               qr_archive_is_streaming  (QrArchive        *self);
const QrArchiveMember *qr_archive_next_member   (QrArchive        *self,
                                                 GCancellable     *cancellable,
                                                 GError          **error);
gboolean               qr_archive_read_data     (QrArchive        *self,
                                                 void             *buffer,
                                                 gsize             length,
                                                 GCancellable     *cancellable,
                                                 GError          **error);

G_END_DECLS
