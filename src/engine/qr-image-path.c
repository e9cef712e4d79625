/* qr-image-path.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qr-error.h"
#include "qr-image-private.h"

/* Links and paths inside a disk image: a link's target read with its
 * length checked, and paths followed from the image's own root, never
 * this computer's, through at most as many links as Linux follows. */

/* As Linux allows. */
#define MAX_SYMLINK_FOLLOWS 40
#define MAX_LINK_LENGTH 4095

/* Symbolic links */

char *
_qr_image_read_link_locked (QrImage     *self,
                  guint32      inode,
                  const char  *name,
                  GError     **error)
{
  struct ext2_inode_large raw;
  g_autoptr(QrImageData) data = NULL;
  g_autofree char *target = NULL;
  guint64 size;

  if (!_qr_image_read_inode (self, inode, &raw, name, error))
    return NULL;

  if (!LINUX_S_ISLNK (raw.i_mode))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” in the disk image is not a link."), name);
      return NULL;
    }

  size = EXT2_I_SIZE (&raw);
  if (size == 0 || size > MAX_LINK_LENGTH)
    {
      _qr_image_set_damaged (error, name, _("the link has an impossible length"));
      return NULL;
    }

  target = g_malloc0 (size + 1);

  /* A short target is kept in the inode itself. */
  if ((raw.i_flags & EXT4_INLINE_DATA_FL) == 0 &&
      ext2fs_is_fast_symlink (EXT2_INODE (&raw)))
    {
      memcpy (target, raw.i_block, size);
    }
  else
    {
      data = _qr_image_map_locked (self, inode, &raw, name, error);
      if (data == NULL || qr_image_data_read (self, data, 0, target, size, error) < 0)
        return NULL;
    }

  if (strlen (target) != size)
    {
      _qr_image_set_damaged (error, name, _("the link has an impossible length"));
      return NULL;
    }

  return g_steal_pointer (&target);
}

/* Where the link @inode points, as it is written: never followed. @name
 * is how messages call it. */
char *
qr_image_read_link (QrImage     *self,
                    guint32      inode,
                    const char  *name,
                    GError     **error)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (QR_IS_IMAGE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  locker = g_mutex_locker_new (&self->lock);

  return _qr_image_read_link_locked (self, inode, name, error);
}

/* Paths */

/* Pushes the components of @path in reverse, so that the first comes off
 * the stack first. */
static void
push_components (GPtrArray  *stack,
                 const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);

  for (guint i = g_strv_length (parts); i > 0; i--)
    if (parts[i - 1][0] != '\0' && !g_str_equal (parts[i - 1], "."))
      g_ptr_array_add (stack, g_strdup (parts[i - 1]));
}

guint32
_qr_image_lookup_locked (QrImage     *self,
               const char  *path,
               gboolean     follow_last,
               GError     **error)
{
  g_autoptr(GPtrArray) stack = g_ptr_array_new_with_free_func (g_free);
  guint32 current = QR_IMAGE_ROOT_INODE;
  guint n_follows = 0;

  push_components (stack, path);

  while (stack->len > 0)
    {
      g_autofree char *name = g_ptr_array_steal_index (stack, stack->len - 1);
      g_autofree char *target = NULL;
      struct ext2_inode_large raw;
      guint32 found;

      found = _qr_image_find_entry_locked (self, current, name, path, error);
      if (found == 0)
        return 0;

      if (!_qr_image_read_inode (self, found, &raw, path, error))
        return 0;

      if (!LINUX_S_ISLNK (raw.i_mode) || (stack->len == 0 && !follow_last))
        {
          current = found;
          continue;
        }

      if (++n_follows > MAX_SYMLINK_FOLLOWS)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_LINKS,
                       _("“%s” in the disk image leads through links that go round "
                         "in a circle."), path);
          return 0;
        }

      /* Links are followed inside the image: an absolute one starts again
       * at the image's root, never at this computer's. */
      target = _qr_image_read_link_locked (self, found, path, error);
      if (target == NULL)
        return 0;
      if (target[0] == '/')
        current = QR_IMAGE_ROOT_INODE;
      push_components (stack, target);
    }

  return current;
}

/* The inode at @path, which is taken from the filesystem's root whether
 * it starts with a slash or not; links on the way are followed inside the
 * image, and the last one only with @follow_last. 0 on error. */
guint32
qr_image_lookup (QrImage     *self,
                 const char  *path,
                 gboolean     follow_last,
                 GError     **error)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (QR_IS_IMAGE (self), 0);
  g_return_val_if_fail (path != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  locker = g_mutex_locker_new (&self->lock);

  return _qr_image_lookup_locked (self, path, follow_last, error);
}
