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

G_END_DECLS
