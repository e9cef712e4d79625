/* qr-image-private.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <ext2fs/ext2fs.h>

#include "qr-image.h"

G_BEGIN_DECLS

/* A file's data may not be cut into more pieces than this: enough for any
 * real file, and a bound on what a hostile one costs. */
#define QR_IMAGE_MAX_EXTENTS (1 << 20)

/* What ext2fs_dir_iterate2() hands each entry of a folder to. */
typedef int (*QrImageEntryFunc) (ext2_ino_t             dir,
                                 int                    entry,
                                 struct ext2_dir_entry *dirent,
                                 int                    offset,
                                 int                    block_size,
                                 char                  *buf,
                                 void                  *user_data);

struct _QrImage
{
  GObject      parent_instance;

  /* Set when opened, read-only after: any thread may read them. */
  char        *path;
  char        *display_name;
  guint64      offset;
  guint64      size;
  int          fd;
  guint        block_size;
  guint64      n_blocks;
  guint64      max_file_size;
  /* Of a partly recovered image, the bytes of the image file that were
   * lost, as QrImageRanges, sorted and merged; NULL when it is whole. */
  GArray      *lost;

  /* libext2fs keeps caches in the filesystem handle, so every use of it
   * holds the lock. */
  GMutex       lock;
  ext2_filsys  fs;
};

/* Called with the lock held. */
gboolean _qr_image_read_inode (QrImage                  *self,
                               guint32                   inode,
                               struct ext2_inode_large  *raw,
                               const char               *name,
                               GError                  **error);
void     _qr_image_set_error  (QrImage                  *self,
                               GError                  **error,
                               errcode_t                 code,
                               const char               *name);
void     _qr_image_set_damaged (GError                 **error,
                               const char               *name,
                               const char               *why);
char    *_qr_image_read_link_locked (QrImage               *self,
                                    guint32                inode,
                                    const char            *name,
                                    GError               **error);
guint32  _qr_image_lookup_locked    (QrImage               *self,
                                    const char            *path,
                                    gboolean               follow_last,
                                    GError               **error);
QrImageData *_qr_image_map_locked (QrImage              *self,
                               guint32                   inode,
                               struct ext2_inode_large  *raw,
                               const char               *name,
                               GError                  **error);
guint64  _qr_image_inode_position   (QrImage               *self,
                                    guint32                inode);
guint64  _qr_image_data_count_lost  (QrImage               *self,
                                    QrImageData           *data);

/* Partly recovered images (qr-image-damage.c); with the lock held, but
 * for the first three, which only touch what is set when opened. */
gboolean _qr_image_read_lost_beside (const char            *path,
                                    GArray               **lost,
                                    GError               **error);
void     _qr_image_set_lost         (QrImage               *self,
                                    const QrImageRange    *lost,
                                    guint                  n_lost);
guint64  _qr_image_lost_bytes       (QrImage               *self,
                                    guint64                offset,
                                    guint64                length);
gboolean _qr_image_inode_was_lost   (QrImage               *self,
                                    guint32                inode);
void     _qr_image_judge_locked     (QrImage               *self,
                                    GFileInfo             *info,
                                    guint32                inode,
                                    struct ext2_inode_large *raw);
errcode_t _qr_image_iterate_folder_locked (QrImage          *self,
                                    guint32                inode,
                                    struct ext2_inode_large *raw,
                                    QrImageEntryFunc       func,
                                    void                  *user_data);
guint32  _qr_image_find_entry_locked (QrImage              *self,
                                    guint32                folder,
                                    const char            *name,
                                    const char            *path,
                                    GError               **error);

G_END_DECLS
