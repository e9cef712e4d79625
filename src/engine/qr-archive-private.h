/* qr-archive-private.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "qr-archive.h"

G_BEGIN_DECLS

/* QrArchive is split over qr-archive.c (the object, members, damage and
 * reading a file), qr-archive-index.c (indexing a file) and
 * qr-archive-stream.c (reading a pipe). */

/* Read from a pipe or indexed in pieces this large. */
#define INDEX_BUFFER_SIZE (64 * 1024)
#define BLOCK_SIZE        512

/* The backup tool writes every member with `tar --posix`: a pax header
 * and its data, the ustar header and at least one block of data. A
 * damaged stretch of fewer blocks cannot have held a whole member. */
#define MIN_MEMBER_BLOCKS 4

/* After a read error, the index tries again this far on. */
#define UNREADABLE_SKIP (64 * 1024)

/* Read from a pipe, the small members at the start (the header, its HMAC
 * and the list of qubes) are kept in memory, since they cannot be read
 * again. */
#define MAX_PRELOADED_MEMBERS 3
#define MAX_PRELOADED_SIZE    (1024 * 1024 + 4096)

struct _QrArchive
{
  GObject     parent_instance;

  /* The backup file, opened once and read with pread(). */
  int         fd;
  guint64     size;
  char       *display_name;

  /* Members in archive order, and by name; damage in file order. */
  GPtrArray  *members;
  GHashTable *by_name;
  GArray     *damages;

  /* A pipe is read once, front to back: the reader stays open, the first
   * members are kept in memory, and the member after them waits. */
  gboolean    streaming;
  struct archive *stream;
  GHashTable *preloaded;
  QrArchiveMember *waiting;
  gboolean    stream_ended;

  /* The libarchive read callbacks' state: where the next read starts, the
   * cancellable of the call in progress, and the last read error. All of
   * it belongs to the one thread reading the archive at a time. */
  guint64       position;
  guint8       *buffer;
  GCancellable *cancellable;
  int           read_errno;
  guint64       read_error_offset;

  /* The damage being followed while indexing, if any. */
  gboolean    in_damage;
  QrArchiveDamage current;
  guint       garbled_blocks;
};

struct archive          *_qr_archive_reader_new      (QrArchive            *self,
                                                      guint64               start);
void                     _qr_archive_begin_damage    (QrArchive            *self,
                                                      QrArchiveDamageKind   kind,
                                                      guint64               start);
void                     _qr_archive_end_damage      (QrArchive            *self,
                                                      guint64               end);
const QrArchiveMember   *_qr_archive_add_member      (QrArchive            *self,
                                                      const char           *name,
                                                      guint64               offset,
                                                      guint64               size,
                                                      GError              **error);
gboolean                 _qr_archive_entry_is_member (struct archive_entry *entry);
gboolean                 _qr_archive_build_index     (QrArchive            *self,
                                                      GCancellable         *cancellable,
                                                      GError              **error);
gboolean                 _qr_archive_open_stream     (QrArchive            *self,
                                                      GCancellable         *cancellable,
                                                      GError              **error);

G_END_DECLS
