/* qr-image-damage.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qr-error.h"
#include "qr-image-private.h"
#include "qr-restore-report.h"

/* A partly recovered image: a salvage wrote the verified parts of a
 * damaged disk image at their places, left the rest as holes reading as
 * zeros, and listed those holes beside it. A file of such an image is
 * intact when all it is made of lies in what was recovered: its inode,
 * the blocks that say where its data lies, and its data up to its size.
 * Otherwise it is damaged, and how many of its bytes were lost is known.
 * A damaged folder still gives the names in those of its blocks that
 * were recovered. */

static int
compare_ranges (gconstpointer a,
                gconstpointer b)
{
  const QrImageRange *ra = a;
  const QrImageRange *rb = b;

  return (ra->offset > rb->offset) - (ra->offset < rb->offset);
}

/* Keeps @lost sorted and merged, so that a byte is found by bisection
 * and never counted twice. */
void
_qr_image_set_lost (QrImage            *self,
                    const QrImageRange *lost,
                    guint               n_lost)
{
  g_autoptr(GArray) merged = g_array_sized_new (FALSE, FALSE, sizeof (QrImageRange), n_lost);

  for (guint i = 0; i < n_lost; i++)
    {
      QrImageRange range = lost[i];

      range.length = MIN (range.length, G_MAXUINT64 - range.offset);
      if (range.length > 0)
        g_array_append_val (merged, range);
    }
  g_array_sort (merged, compare_ranges);

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

  g_clear_pointer (&self->lost, g_array_unref);
  if (merged->len > 0)
    self->lost = g_steal_pointer (&merged);
}

/* What a salvage listed beside the image file at @path as lost of it:
 * the stretches of the file, which are those of the image. *@lost stays
 * NULL for a whole image. */
gboolean
_qr_image_read_lost_beside (const char  *path,
                            GArray     **lost,
                            GError     **error)
{
  g_autofree char *folder = g_path_get_dirname (path);
  g_autofree char *name = g_path_get_basename (path);
  g_autoptr(GArray) listed = NULL;
  GError *local_error = NULL;

  *lost = NULL;
  listed = qr_restore_report_read_lost (folder, name, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if (listed == NULL)
    return TRUE;

  *lost = g_array_sized_new (FALSE, FALSE, sizeof (QrImageRange), listed->len);
  for (guint i = 0; i < listed->len; i++)
    {
      QrRestoreRange *range = &g_array_index (listed, QrRestoreRange, i);

      g_array_append_val (*lost, ((QrImageRange) { range->offset, range->length }));
    }

  return TRUE;
}

/* The first lost range that ends after @offset. */
static guint
find_range (GArray  *lost,
            guint64  offset)
{
  guint low = 0;
  guint high = lost->len;

  while (low < high)
    {
      guint middle = low + (high - low) / 2;
      QrImageRange *range = &g_array_index (lost, QrImageRange, middle);

      if (range->offset + range->length <= offset)
        low = middle + 1;
      else
        high = middle;
    }

  return low;
}

/* How many bytes of [offset, offset + length) of the image file were
 * lost. */
guint64
_qr_image_lost_bytes (QrImage *self,
                      guint64  offset,
                      guint64  length)
{
  guint64 end = offset + MIN (length, G_MAXUINT64 - offset);
  guint64 lost = 0;

  if (self->lost == NULL)
    return 0;

  for (guint i = find_range (self->lost, offset); i < self->lost->len; i++)
    {
      QrImageRange *range = &g_array_index (self->lost, QrImageRange, i);

      if (range->offset >= end)
        break;
      lost += MIN (range->offset + range->length, end) - MAX (range->offset, offset);
    }

  return lost;
}

/* Whether the image was only partly recovered: then every GFileInfo it
 * gives says whether its file is damaged (QR_IMAGE_ATTRIBUTE_DAMAGED). */
gboolean
qr_image_is_partial (QrImage *self)
{
  g_return_val_if_fail (QR_IS_IMAGE (self), FALSE);

  return self->lost != NULL;
}

/* The bytes of the image file that were lost, sorted and merged; none
 * for a whole image. */
const QrImageRange *
qr_image_get_lost_ranges (QrImage *self,
                          guint   *n_ranges)
{
  g_return_val_if_fail (QR_IS_IMAGE (self), NULL);
  g_return_val_if_fail (n_ranges != NULL, NULL);

  *n_ranges = self->lost != NULL ? self->lost->len : 0;

  return self->lost != NULL ? (const QrImageRange *) (gpointer) self->lost->data : NULL;
}

/* How many bytes from @offset of the image file on, at most @length, are
 * alike: all lost, or all recovered (@lost says which). A copy of a
 * damaged file reads the one and leaves the other as a hole. Safe from
 * any thread. */
guint64
qr_image_get_span (QrImage  *self,
                   guint64   offset,
                   guint64   length,
                   gboolean *lost)
{
  QrImageRange *range;
  guint i;

  g_return_val_if_fail (QR_IS_IMAGE (self), 0);
  g_return_val_if_fail (lost != NULL, 0);

  *lost = FALSE;
  if (self->lost == NULL || (i = find_range (self->lost, offset)) >= self->lost->len)
    return length;

  range = &g_array_index (self->lost, QrImageRange, i);
  if (range->offset > offset)
    return MIN (length, range->offset - offset);

  *lost = TRUE;
  return MIN (length, range->offset + range->length - offset);
}

/* Verdicts */

static void
set_verdict (GFileInfo *info,
             gboolean   damaged,
             guint64    missing)
{
  g_file_info_set_attribute_boolean (info, QR_IMAGE_ATTRIBUTE_DAMAGED, damaged);
  g_file_info_set_attribute_uint64 (info, QR_IMAGE_ATTRIBUTE_MISSING, missing);
}

/* Files, folders and links whose data is in blocks of their own, rather
 * than in the inode. */
static gboolean
has_own_blocks (struct ext2_inode_large *raw)
{
  if ((raw->i_flags & EXT4_INLINE_DATA_FL) != 0)
    return FALSE;

  if (LINUX_S_ISLNK (raw->i_mode))
    return !ext2fs_is_fast_symlink (EXT2_INODE (raw));

  return LINUX_S_ISREG (raw->i_mode) || LINUX_S_ISDIR (raw->i_mode);
}

/* Whether what says where the inode is (its group's descriptor), or the
 * inode itself, was lost. */
gboolean
_qr_image_inode_was_lost (QrImage *self,
                          guint32  inode)
{
  struct ext2_super_block *super = self->fs->super;
  guint32 group;
  guint64 per_block;
  guint64 descriptor;

  if (self->lost == NULL || inode == 0 || inode > super->s_inodes_count)
    return FALSE;

  group = (inode - 1) / EXT2_INODES_PER_GROUP (super);
  per_block = self->block_size / EXT2_DESC_SIZE (super);
  descriptor = self->offset +
               ext2fs_descriptor_block_loc2 (self->fs, super->s_first_data_block,
                                             group / per_block) * self->block_size +
               (group % per_block) * EXT2_DESC_SIZE (super);
  if (_qr_image_lost_bytes (self, descriptor, EXT2_DESC_SIZE (super)) > 0)
    return TRUE;

  return _qr_image_lost_bytes (self, _qr_image_inode_position (self, inode),
                               EXT2_INODE_SIZE (super)) > 0;
}

/* Says on @info whether the file @inode of a partly recovered image is
 * damaged and how much of it was lost; @raw is its inode, or NULL when it
 * could not be read. A file whose inode or whose map of blocks was lost
 * cannot be read at all: that is its error. */
void
_qr_image_judge_locked (QrImage                 *self,
                        GFileInfo               *info,
                        guint32                  inode,
                        struct ext2_inode_large *raw)
{
  g_autoptr(QrImageData) data = NULL;
  g_autoptr(GError) error = NULL;
  const char *name = g_file_info_get_display_name (info);
  guint64 size = g_file_info_get_size (info);
  guint64 missing;

  if (self->lost == NULL)
    return;

  if (_qr_image_inode_was_lost (self, inode))
    {
      _qr_image_set_damaged (&error, name,
                             _("the part of the image that describes it was lost"));
      g_file_info_set_attribute_string (info, QR_IMAGE_ATTRIBUTE_ERROR, error->message);
      set_verdict (info, TRUE, size);
      return;
    }

  if (raw == NULL || !has_own_blocks (raw))
    {
      set_verdict (info, FALSE, 0);
      return;
    }

  data = _qr_image_map_locked (self, inode, raw, name, &error);
  if (data == NULL)
    {
      if (!g_file_info_has_attribute (info, QR_IMAGE_ATTRIBUTE_ERROR))
        g_file_info_set_attribute_string (info, QR_IMAGE_ATTRIBUTE_ERROR, error->message);
      set_verdict (info, TRUE, size);
      return;
    }

  missing = _qr_image_data_count_lost (self, data);
  set_verdict (info, missing > 0, missing);
}

/* Folders */

/* Hands every entry of one folder block to @func, with the checks that
 * libext2fs makes on them. */
static errcode_t
walk_block (QrImage          *self,
            guint32           inode,
            char             *buffer,
            QrImageEntryFunc  func,
            void             *user_data,
            gboolean         *stop)
{
  guint offset = 0;

  while (offset < self->block_size)
    {
      struct ext2_dir_entry *dirent = (struct ext2_dir_entry *) (gpointer) (buffer + offset);
      unsigned int rec_len = 0;

      if (self->block_size - offset < 8 ||
          ext2fs_get_rec_len (self->fs, dirent, &rec_len) != 0 ||
          rec_len < 8 || rec_len % 4 != 0 || rec_len > self->block_size - offset ||
          (guint) ext2fs_dirent_name_len (dirent) + 8 > rec_len)
        return EXT2_ET_DIR_CORRUPTED;

      if ((func (inode, DIRENT_OTHER_FILE, dirent, offset, self->block_size, buffer,
                 user_data) & DIRENT_ABORT) != 0)
        {
          *stop = TRUE;
          return 0;
        }

      offset += rec_len;
    }

  return 0;
}

/* The blocks of a damaged folder that were recovered, one by one; those
 * lost, even in part, are passed over with the names they held. */
static errcode_t
walk_recovered_blocks (QrImage          *self,
                       guint32           inode,
                       QrImageData      *data,
                       QrImageEntryFunc  func,
                       void             *user_data)
{
  g_autofree char *buffer = g_malloc (self->block_size);
  const QrImageExtent *extents;
  gboolean stop = FALSE;
  guint n_extents;

  extents = qr_image_data_get_extents (data, &n_extents);

  for (guint i = 0; i < n_extents && !stop; i++)
    {
      for (guint64 done = 0; done < extents[i].length && !stop; done += self->block_size)
        {
          guint64 physical = extents[i].physical + done;
          errcode_t code;

          if (_qr_image_lost_bytes (self, physical, self->block_size) > 0)
            continue;

          code = ext2fs_read_dir_block4 (self->fs, (physical - self->offset) / self->block_size,
                                         buffer, 0, inode);
          if (code == 0)
            code = walk_block (self, inode, buffer, func, user_data, &stop);
          if (code != 0)
            return code;
        }
    }

  return 0;
}

/* The folder's own blocks, when some of them were lost; NULL when it is
 * whole, or what it is made of cannot be told (the usual walk then says
 * why). */
static QrImageData *
map_damaged_folder (QrImage                 *self,
                    guint32                  inode,
                    struct ext2_inode_large *raw)
{
  g_autoptr(QrImageData) data = NULL;

  if (self->lost == NULL || !LINUX_S_ISDIR (raw->i_mode) || !has_own_blocks (raw))
    return NULL;

  data = _qr_image_map_locked (self, inode, raw, "", NULL);
  if (data == NULL || _qr_image_data_count_lost (self, data) == 0)
    return NULL;

  return g_steal_pointer (&data);
}

/* Hands every entry of the folder @inode to @func, as
 * ext2fs_dir_iterate2() does with empty entries included; of a damaged
 * folder, those in the blocks that were recovered. */
errcode_t
_qr_image_iterate_folder_locked (QrImage                 *self,
                                 guint32                  inode,
                                 struct ext2_inode_large *raw,
                                 QrImageEntryFunc         func,
                                 void                    *user_data)
{
  g_autoptr(QrImageData) damaged = map_damaged_folder (self, inode, raw);

  if (damaged != NULL)
    return walk_recovered_blocks (self, inode, damaged, func, user_data);

  return ext2fs_dir_iterate2 (self->fs, inode, DIRENT_FLAG_INCLUDE_EMPTY, NULL, func, user_data);
}

typedef struct
{
  const char *name;
  int         length;
  guint32     found;
} Finding;

static int
find_entry_cb (ext2_ino_t             dir,
               int                    entry,
               struct ext2_dir_entry *dirent,
               int                    offset,
               int                    block_size,
               char                  *buf,
               void                  *user_data)
{
  Finding *finding = user_data;

  if (dirent->inode == 0 || ext2fs_dirent_name_len (dirent) != finding->length ||
      memcmp (dirent->name, finding->name, finding->length) != 0)
    return 0;

  finding->found = dirent->inode;
  return DIRENT_ABORT;
}

/* The inode named @name in the folder @folder, 0 with @error set when it
 * is not there; @path is how messages call it. In a damaged folder the
 * name may have been lost, and that is said. */
guint32
_qr_image_find_entry_locked (QrImage     *self,
                             guint32      folder,
                             const char  *name,
                             const char  *path,
                             GError     **error)
{
  g_autoptr(QrImageData) damaged = NULL;
  struct ext2_inode_large raw;
  Finding finding = { name, strlen (name), 0 };
  errcode_t code;

  if (self->lost != NULL)
    {
      if (!_qr_image_read_inode (self, folder, &raw, path, error))
        return 0;
      damaged = map_damaged_folder (self, folder, &raw);
    }

  if (damaged == NULL)
    {
      code = ext2fs_lookup (self->fs, folder, name, finding.length, NULL, &finding.found);
      if (code != 0)
        _qr_image_set_error (self, error, code, path);
      return code == 0 ? finding.found : 0;
    }

  code = walk_recovered_blocks (self, folder, damaged, find_entry_cb, &finding);
  if (code != 0)
    {
      _qr_image_set_error (self, error, code, path);
      return 0;
    }

  if (finding.found == 0)
    _qr_image_set_damaged (error, path, _("the part of the image that held its name was lost"));

  return finding.found;
}
