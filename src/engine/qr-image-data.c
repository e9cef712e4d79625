/* qr-image-data.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "qr-error.h"
#include "qr-image-private.h"

/* Where a file's data lies in the image: its extents, or for ext2 and
 * ext3 its block map, as byte ranges of the image file, sorted and
 * checked. Reading goes straight to those ranges (holes and extents not
 * yet written read as zeros), and the same ranges answer whether a file
 * of a partly recovered image is whole. The blocks that say where the
 * data lies (the extent tree below the inode, indirect blocks) are kept
 * too: when one of them was lost, so is the knowledge of where the data
 * is. */

struct _QrImageData
{
  guint64  size;
  GArray  *extents;
  /* The blocks of the extent tree or the block map, as QrImageRanges. */
  GArray  *nodes;
  /* A small file kept in its inode: its bytes. */
  GBytes  *inline_data;
};

typedef struct
{
  QrImage     *image;
  QrImageData *data;
  const char  *name;
  guint64      n_mapped;
  GError      *error;
} Mapping;

void
qr_image_data_free (QrImageData *data)
{
  if (data == NULL)
    return;

  g_clear_pointer (&data->extents, g_array_unref);
  g_clear_pointer (&data->nodes, g_array_unref);
  g_clear_pointer (&data->inline_data, g_bytes_unref);
  g_free (data);
}

/* Adds @n_blocks blocks of data at block @logical of the file, stored at
 * block @physical of the filesystem, after checking them. */
static gboolean
add_blocks (Mapping *mapping,
            guint64  logical,
            guint64  physical,
            guint64  n_blocks)
{
  QrImage *image = mapping->image;
  guint64 block_size = image->block_size;
  GArray *extents = mapping->data->extents;
  QrImageExtent extent;

  if (n_blocks == 0)
    return TRUE;

  /* No file can have more data than its filesystem has room for. */
  mapping->n_mapped += n_blocks;
  if (physical < image->fs->super->s_first_data_block ||
      physical >= image->n_blocks || n_blocks > image->n_blocks - physical ||
      mapping->n_mapped > image->n_blocks)
    {
      _qr_image_set_damaged (&mapping->error, mapping->name,
                             _("its data lies outside the filesystem"));
      return FALSE;
    }

  /* Data past the end of the file is never read. */
  if (logical >= (mapping->data->size + block_size - 1) / block_size)
    return TRUE;

  if (extents->len > 0)
    {
      QrImageExtent *last = &g_array_index (extents, QrImageExtent, extents->len - 1);

      if (last->logical + last->length == logical * block_size &&
          last->physical + last->length == image->offset + physical * block_size)
        {
          last->length += n_blocks * block_size;
          return TRUE;
        }
    }

  if (extents->len >= QR_IMAGE_MAX_EXTENTS)
    {
      _qr_image_set_damaged (&mapping->error, mapping->name,
                             _("its data is cut into too many pieces"));
      return FALSE;
    }

  extent.logical = logical * block_size;
  extent.physical = image->offset + physical * block_size;
  extent.length = n_blocks * block_size;
  g_array_append_val (extents, extent);

  return TRUE;
}

/* A block of the extent tree or of the block map: one that lies outside
 * the filesystem cannot be read, which the walk says on its own. */
static gboolean
add_node (Mapping *mapping,
          guint64  block)
{
  QrImage *image = mapping->image;
  QrImageRange node;

  if (block >= image->n_blocks)
    return TRUE;

  if (mapping->data->nodes->len >= QR_IMAGE_MAX_EXTENTS)
    {
      _qr_image_set_damaged (&mapping->error, mapping->name,
                             _("its data is cut into too many pieces"));
      return FALSE;
    }

  node.offset = image->offset + block * image->block_size;
  node.length = image->block_size;
  g_array_append_val (mapping->data->nodes, node);

  return TRUE;
}

static gboolean
map_extents (Mapping                 *mapping,
             guint32                  inode,
             struct ext2_inode_large *raw)
{
  ext2_extent_handle_t handle = NULL;
  struct ext2fs_extent extent;
  errcode_t code;
  guint64 n_steps = 0;

  code = ext2fs_extent_open2 (mapping->image->fs, inode, EXT2_INODE (raw), &handle);
  if (code != 0)
    {
      _qr_image_set_error (mapping->image, &mapping->error, code, mapping->name);
      return FALSE;
    }

  code = ext2fs_extent_get (handle, EXT2_EXTENT_ROOT, &extent);
  while (code == 0)
    {
      /* Every step visits a node or a leaf; a tree of more than a bounded
       * number of them is not one that a real file has. */
      if (++n_steps > 4 * (guint64) QR_IMAGE_MAX_EXTENTS)
        {
          _qr_image_set_damaged (&mapping->error, mapping->name,
                                 _("its data is cut into too many pieces"));
          break;
        }

      /* Every node is visited, an index entry on the way down (and
       * again on the way up), to know where the tree itself lies. */
      if ((extent.e_flags & EXT2_EXTENT_FLAGS_LEAF) == 0)
        {
          if ((extent.e_flags & EXT2_EXTENT_FLAGS_SECOND_VISIT) == 0 &&
              !add_node (mapping, extent.e_pblk))
            break;
        }
      else if ((extent.e_flags & EXT2_EXTENT_FLAGS_UNINIT) == 0 &&
               !add_blocks (mapping, extent.e_lblk, extent.e_pblk, extent.e_len))
        {
          break;
        }

      code = ext2fs_extent_get (handle, EXT2_EXTENT_NEXT, &extent);
    }

  ext2fs_extent_free (handle);

  if (mapping->error != NULL)
    return FALSE;

  if (code != EXT2_ET_EXTENT_NO_NEXT)
    {
      _qr_image_set_error (mapping->image, &mapping->error, code, mapping->name);
      return FALSE;
    }

  return TRUE;
}

static int
map_block_cb (ext2_filsys  fs,
              blk64_t     *block,
              e2_blkcnt_t  index,
              blk64_t      ref_block,
              int          ref_offset,
              void        *user_data)
{
  Mapping *mapping = user_data;

  /* An indirect block: where the data of the blocks it lists lies. */
  if (index < 0)
    return add_node (mapping, *block) ? 0 : BLOCK_ABORT;

  return add_blocks (mapping, index, *block, 1) ? 0 : BLOCK_ABORT;
}

static gboolean
map_blocks (Mapping *mapping,
            guint32  inode)
{
  errcode_t code;

  code = ext2fs_block_iterate3 (mapping->image->fs, inode, BLOCK_FLAG_READ_ONLY, NULL,
                                map_block_cb, mapping);
  if (mapping->error != NULL)
    return FALSE;

  if (code != 0)
    {
      _qr_image_set_error (mapping->image, &mapping->error, code, mapping->name);
      return FALSE;
    }

  return TRUE;
}

/* Where the inode itself lies, which holds the data of a small file. */
guint64
_qr_image_inode_position (QrImage *image,
                          guint32  inode)
{
  ext2_filsys fs = image->fs;
  guint32 per_group = EXT2_INODES_PER_GROUP (fs->super);
  guint64 index = (inode - 1) % per_group;
  guint64 table = ext2fs_inode_table_loc (fs, (inode - 1) / per_group);

  return image->offset + table * image->block_size + index * EXT2_INODE_SIZE (fs->super);
}

static gboolean
map_inline (Mapping *mapping,
            guint32  inode)
{
  QrImage *image = mapping->image;
  g_autofree char *buffer = NULL;
  size_t size = 0;
  errcode_t code;
  QrImageExtent extent;

  code = ext2fs_inline_data_size (image->fs, inode, &size);
  if (code == 0 && (size > image->block_size || size < mapping->data->size))
    {
      _qr_image_set_damaged (&mapping->error, mapping->name,
                             _("its size does not match its data"));
      return FALSE;
    }

  if (code == 0)
    {
      buffer = g_malloc0 (MAX (size, 1));
      code = ext2fs_inline_data_get (image->fs, inode, NULL, buffer, &size);
    }

  if (code != 0)
    {
      _qr_image_set_error (image, &mapping->error, code, mapping->name);
      return FALSE;
    }

  mapping->data->inline_data = g_bytes_new (buffer, mapping->data->size);
  extent.logical = 0;
  extent.physical = _qr_image_inode_position (image, inode);
  extent.length = EXT2_INODE_SIZE (image->fs->super);
  g_array_append_val (mapping->data->extents, extent);

  return TRUE;
}

static int
compare_extents (gconstpointer a,
                 gconstpointer b)
{
  const QrImageExtent *ea = a;
  const QrImageExtent *eb = b;

  return (ea->logical > eb->logical) - (ea->logical < eb->logical);
}

/* In file order, with no two pieces of the file stored twice. */
static gboolean
sort_extents (Mapping *mapping)
{
  GArray *extents = mapping->data->extents;

  g_array_sort (extents, compare_extents);

  for (guint i = 1; i < extents->len; i++)
    {
      QrImageExtent *previous = &g_array_index (extents, QrImageExtent, i - 1);
      QrImageExtent *extent = &g_array_index (extents, QrImageExtent, i);

      if (previous->logical + previous->length > extent->logical)
        {
          _qr_image_set_damaged (&mapping->error, mapping->name,
                                 _("parts of its data overlap"));
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
nodes_were_lost (QrImage *self,
                 GArray  *nodes)
{
  if (self->lost == NULL)
    return FALSE;

  for (guint i = 0; i < nodes->len; i++)
    {
      QrImageRange *node = &g_array_index (nodes, QrImageRange, i);

      if (_qr_image_lost_bytes (self, node->offset, node->length) > 0)
        return TRUE;
    }

  return FALSE;
}

QrImageData *
_qr_image_map_locked (QrImage                  *self,
                      guint32                   inode,
                      struct ext2_inode_large  *raw,
                      const char               *name,
                      GError                  **error)
{
  g_autoptr(QrImageData) data = g_new0 (QrImageData, 1);
  Mapping mapping = { self, data, name, 0, NULL };
  gboolean mapped;

  data->size = EXT2_I_SIZE (raw);
  data->extents = g_array_new (FALSE, FALSE, sizeof (QrImageExtent));
  data->nodes = g_array_new (FALSE, FALSE, sizeof (QrImageRange));

  if ((raw->i_flags & EXT4_ENCRYPT_FL) != 0)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_UNSUPPORTED_FILESYSTEM,
                   _("“%s” in the disk image is encrypted, which this program "
                     "cannot read."), name);
      return NULL;
    }

  if (data->size > self->max_file_size)
    {
      _qr_image_set_damaged (error, name, _("it claims to be larger than any file "
                                            "its filesystem can hold"));
      return NULL;
    }

  if ((raw->i_flags & EXT4_INLINE_DATA_FL) != 0)
    mapped = map_inline (&mapping, inode);
  else if ((raw->i_flags & EXT4_EXTENTS_FL) != 0)
    mapped = map_extents (&mapping, inode, raw) && sort_extents (&mapping);
  else
    mapped = map_blocks (&mapping, inode) && sort_extents (&mapping);

  /* A lost block of the tree reads as zeros: a walk that failed there,
   * or one that took its block numbers for holes. */
  if (nodes_were_lost (self, data->nodes))
    {
      g_clear_error (&mapping.error);
      _qr_image_set_damaged (error, name, _("where its data lies in the image was lost"));
      return NULL;
    }

  if (!mapped)
    {
      g_propagate_error (error, mapping.error);
      return NULL;
    }

  return g_steal_pointer (&data);
}

/* Where the data of the regular file @inode lies. @name is how messages
 * call it. */
QrImageData *
qr_image_read_data_map (QrImage     *self,
                        guint32      inode,
                        const char  *name,
                        GError     **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  struct ext2_inode_large raw;

  g_return_val_if_fail (QR_IS_IMAGE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  locker = g_mutex_locker_new (&self->lock);

  if (!_qr_image_read_inode (self, inode, &raw, name, error))
    return NULL;

  if (!LINUX_S_ISREG (raw.i_mode))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                   _("“%s” in the disk image is not a regular file."), name);
      return NULL;
    }

  return _qr_image_map_locked (self, inode, &raw, name, error);
}

guint64
qr_image_data_get_size (QrImageData *data)
{
  g_return_val_if_fail (data != NULL, 0);

  return data->size;
}

/* The file's data in file order; for a small file kept in its inode, the
 * inode's own place. */
const QrImageExtent *
qr_image_data_get_extents (QrImageData *data,
                           guint       *n_extents)
{
  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (n_extents != NULL, NULL);

  *n_extents = data->extents->len;

  return (const QrImageExtent *) (gpointer) data->extents->data;
}

/* The first extent that ends after @offset. */
static guint
find_extent (QrImageData *data,
             guint64      offset)
{
  guint low = 0;
  guint high = data->extents->len;

  while (low < high)
    {
      guint middle = low + (high - low) / 2;
      QrImageExtent *extent = &g_array_index (data->extents, QrImageExtent, middle);

      if (extent->logical + extent->length <= offset)
        low = middle + 1;
      else
        high = middle;
    }

  return low;
}

static gboolean
read_extent (QrImage             *self,
             const QrImageExtent *extent,
             guint64              offset,
             guchar              *buffer,
             gsize                count,
             GError             **error)
{
  guint64 position = extent->physical + (offset - extent->logical);

  while (count > 0)
    {
      gssize n = pread (self->fd, buffer, count, position);

      if (n < 0 && errno == EINTR)
        continue;

      if (n < 0)
        {
          int errsv = errno;

          g_set_error (error, QR_ERROR, qr_error_from_errno (errsv),
                       _("The image “%s” cannot be read: %s."), self->display_name,
                       g_strerror (errsv));
          return FALSE;
        }

      if (n == 0)
        {
          g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                       _("The image “%s” ends before the data of a file in it."),
                       self->display_name);
          return FALSE;
        }

      buffer += n;
      count -= n;
      position += n;
    }

  return TRUE;
}

/* Reads up to @count bytes of the file at @offset into @buffer: fewer
 * only at the end of the file, 0 past it, -1 on error. Holes read as
 * zeros. Safe from any thread: it does not use libext2fs. */
gssize
qr_image_data_read (QrImage      *self,
                    QrImageData  *data,
                    guint64       offset,
                    void         *buffer,
                    gsize         count,
                    GError      **error)
{
  guchar *out = buffer;
  guint64 end;
  guint64 position = offset;

  g_return_val_if_fail (QR_IS_IMAGE (self), -1);
  g_return_val_if_fail (data != NULL, -1);
  g_return_val_if_fail (count <= G_MAXSSIZE, -1);

  if (offset >= data->size)
    return 0;

  end = offset + MIN (count, data->size - offset);

  if (data->inline_data != NULL)
    {
      memcpy (out, (const guchar *) g_bytes_get_data (data->inline_data, NULL) + offset,
              end - offset);
      return end - offset;
    }

  for (guint i = find_extent (data, offset); position < end; i++)
    {
      const QrImageExtent *extent = i < data->extents->len
                                    ? &g_array_index (data->extents, QrImageExtent, i)
                                    : NULL;
      guint64 hole_end = extent != NULL ? MIN (MAX (extent->logical, position), end) : end;
      guint64 piece_end;

      memset (out + (position - offset), 0, hole_end - position);
      position = hole_end;
      if (extent == NULL || position >= end)
        break;

      piece_end = MIN (extent->logical + extent->length, end);
      if (!read_extent (self, extent, position, out + (position - offset),
                        piece_end - position, error))
        return -1;
      position = piece_end;
    }

  return end - offset;
}

static int
compare_ranges (gconstpointer a,
                gconstpointer b)
{
  const QrImageRange *ra = a;
  const QrImageRange *rb = b;

  return (ra->offset > rb->offset) - (ra->offset < rb->offset);
}

/* How many bytes of [start, start + length) lie in the sorted, merged
 * @ranges. */
static guint64
covered_bytes (GArray  *ranges,
               guint64  start,
               guint64  length)
{
  guint64 end = start + length;
  guint64 covered = 0;

  for (guint i = 0; i < ranges->len; i++)
    {
      QrImageRange *range = &g_array_index (ranges, QrImageRange, i);
      guint64 range_end = range->offset + range->length;

      if (range->offset >= end)
        break;
      if (range_end > start)
        covered += MIN (range_end, end) - MAX (range->offset, start);
    }

  return covered;
}

/* Whether all data of the file lies in @ranges of the image file (what
 * was recovered of a damaged image); @missing_bytes says how much of it
 * does not. */
gboolean
qr_image_data_is_within (QrImageData        *data,
                         const QrImageRange *ranges,
                         guint               n_ranges,
                         guint64            *missing_bytes)
{
  g_autoptr(GArray) merged = g_array_sized_new (FALSE, FALSE, sizeof (QrImageRange), n_ranges);
  guint64 missing = 0;

  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (ranges != NULL || n_ranges == 0, FALSE);

  g_array_append_vals (merged, ranges, n_ranges);
  g_array_sort (merged, compare_ranges);

  /* Merged, so that no byte counts twice. */
  for (guint i = 1; i < merged->len; i++)
    {
      QrImageRange *previous = &g_array_index (merged, QrImageRange, i - 1);
      QrImageRange *range = &g_array_index (merged, QrImageRange, i);

      if (range->offset <= previous->offset + previous->length)
        {
          previous->length = MAX (previous->offset + previous->length,
                                  range->offset + range->length) - previous->offset;
          g_array_remove_index (merged, i--);
        }
    }

  for (guint i = 0; i < data->extents->len; i++)
    {
      QrImageExtent *extent = &g_array_index (data->extents, QrImageExtent, i);

      missing += extent->length - covered_bytes (merged, extent->physical, extent->length);
    }

  if (missing_bytes != NULL)
    *missing_bytes = missing;

  return missing == 0;
}

/* How many bytes of the file, up to its size, lie where a partly
 * recovered image was lost. A small file kept in its inode is lost with
 * it, which the inode's own place says. */
guint64
_qr_image_data_count_lost (QrImage     *self,
                           QrImageData *data)
{
  guint64 lost = 0;

  if (data->inline_data != NULL)
    return 0;

  for (guint i = 0; i < data->extents->len; i++)
    {
      QrImageExtent *extent = &g_array_index (data->extents, QrImageExtent, i);
      guint64 end = MIN (extent->logical + extent->length, data->size);

      if (end > extent->logical)
        lost += _qr_image_lost_bytes (self, extent->physical, end - extent->logical);
    }

  return lost;
}
