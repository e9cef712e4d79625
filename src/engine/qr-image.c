/* qr-image.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>

#include <et/com_err.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "qr-error.h"
#include "qr-image-private.h"

/* A read-only reader of one ext2, ext3 or ext4 filesystem inside a disk
 * image file, on libext2fs, in our own process: no kernel mount, no root,
 * no udisks. A qube writes its own private.img, so every byte of it is
 * hostile: every size, count and link read from it is bounded here, and
 * anything inconsistent is an error that names the file, never a crash
 * or a hang. The journal is not replayed: what is read is the last state
 * written to the filesystem itself, as a read-only mount with noload. */

/* More group descriptors than a filesystem of 16 TiB has. */
#define MAX_DESCRIPTOR_BYTES (64 * 1024 * 1024)

/* Entries of one folder, empty ones included: a bound on memory and on
 * the time a hostile folder can take. */
#define MAX_FOLDER_ENTRIES (1 << 20)

G_DEFINE_FINAL_TYPE (QrImage, qr_image, G_TYPE_OBJECT)

static void
qr_image_finalize (GObject *object)
{
  QrImage *self = QR_IMAGE (object);

  if (self->fs != NULL)
    ext2fs_close_free (&self->fs);
  if (self->fd >= 0)
    close (self->fd);
  g_mutex_clear (&self->lock);
  g_free (self->path);
  g_free (self->display_name);
  g_clear_pointer (&self->lost, g_array_unref);

  G_OBJECT_CLASS (qr_image_parent_class)->finalize (object);
}

static void
qr_image_class_init (QrImageClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = qr_image_finalize;

  /* So that error_message() has words for libext2fs's codes. */
  add_error_table (&et_ext2_error_table);
}

static void
qr_image_init (QrImage *self)
{
  self->fd = -1;
  g_mutex_init (&self->lock);
}

/* Errors */

void
_qr_image_set_damaged (GError     **error,
                       const char  *name,
                       const char  *why)
{
  g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
               _("“%s” in the disk image is damaged: %s."), name, why);
}

/* A libext2fs error about @name as a sentence; errno values stay what
 * they are (a disk that cannot be read), the rest is damage. Called with
 * the lock held. */
void
_qr_image_set_error (QrImage    *self,
                     GError    **error,
                     errcode_t   code,
                     const char *name)
{
  /* libext2fs 1.47 keeps an inode that failed its checksum in its cache,
   * where it is later taken for another inode. */
  ext2fs_flush_icache (self->fs);

  if (code > 0 && code < 256)
    {
      g_set_error (error, QR_ERROR, qr_error_from_errno (code),
                   _("“%s” cannot be read from “%s”: %s."), name,
                   self->display_name, g_strerror (code));
      return;
    }

  switch (code)
    {
    case EXT2_ET_FILE_NOT_FOUND:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("There is no “%s” in the disk image."), name);
      break;

    case EXT2_ET_NO_DIRECTORY:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY,
                   _("“%s” in the disk image is not a folder."), name);
      break;

    case EXT2_ET_SHORT_READ:
      _qr_image_set_damaged (error, name, _("the image ends before its data"));
      break;

    default:
      _qr_image_set_damaged (error, name, error_message (code));
      break;
    }
}

static void
set_open_error (QrImage    *self,
                GError    **error,
                errcode_t   code)
{
  switch (code)
    {
    case EXT2_ET_BAD_MAGIC:
      g_set_error (error, QR_ERROR, QR_ERROR_NO_FILESYSTEM,
                   _("The image “%s” holds no ext2, ext3 or ext4 filesystem."),
                   self->display_name);
      break;

    case EXT2_ET_UNSUPP_FEATURE:
    case EXT2_ET_RO_UNSUPP_FEATURE:
    case EXT2_ET_UNIMPLEMENTED:
      g_set_error (error, QR_ERROR, QR_ERROR_UNSUPPORTED_FILESYSTEM,
                   _("The filesystem in “%s” uses features this program cannot read."),
                   self->display_name);
      break;

    default:
      if (code > 0 && code < 256)
        g_set_error (error, QR_ERROR, qr_error_from_errno (code),
                     _("“%s” cannot be read: %s."), self->display_name, g_strerror (code));
      else
        g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                     _("The filesystem in “%s” is damaged: %s."),
                     self->display_name, error_message (code));
      break;
    }
}

/* Opening */

static errcode_t
open_fs (QrImage      *self,
         int           flags,
         ext2_filsys  *fs)
{
  g_autofree char *options = g_strdup_printf ("offset=%" G_GUINT64_FORMAT, self->offset);

  /* Without EXT2_FLAG_RW the image is opened read-only. */
  return ext2fs_open2 (self->path, options, flags | EXT2_FLAG_64BITS, 0, 0,
                       unix_io_manager, fs);
}

/* A partly recovered image whose filesystem cannot be opened because its
 * superblock was lost. (Lost group descriptors are found out later, for
 * the inodes they lead to.) */
static gboolean
superblock_was_lost (QrImage  *self,
                     GError  **error)
{
  if (_qr_image_lost_bytes (self, self->offset + SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE) == 0)
    return FALSE;

  g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
               _("The filesystem in “%s” cannot be read: the part of the image that "
                 "describes it was lost with the damaged part of the backup."),
               self->display_name);
  return TRUE;
}

/* The superblock alone first: its counts decide how much the full open
 * allocates, so they must fit the image before it is attempted. */
static gboolean
check_superblock (QrImage  *self,
                  GError  **error)
{
  ext2_filsys fs = NULL;
  errcode_t code;
  guint64 descriptor_bytes;
  guint64 fs_bytes;

  code = open_fs (self, EXT2_FLAG_SUPER_ONLY, &fs);
  if (code != 0)
    {
      if (!superblock_was_lost (self, error))
        set_open_error (self, error, code);
      return FALSE;
    }

  descriptor_bytes = (guint64) fs->desc_blocks * fs->blocksize;
  fs_bytes = ext2fs_blocks_count (fs->super) * (guint64) fs->blocksize;
  ext2fs_close_free (&fs);

  if (descriptor_bytes > MAX_DESCRIPTOR_BYTES || descriptor_bytes > self->size)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                   _("The filesystem in “%s” is damaged: it claims to be far "
                     "larger than its image."), self->display_name);
      return FALSE;
    }

  if (fs_bytes > self->size)
    g_debug ("The filesystem in %s claims %" G_GUINT64_FORMAT " bytes, its image "
             "has %" G_GUINT64_FORMAT, self->display_name, fs_bytes, self->size);

  return TRUE;
}

static gboolean
open_file (QrImage  *self,
           guint64   size,
           GError  **error)
{
  struct stat st;

  self->fd = g_open (self->path, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0);
  if (self->fd < 0 || fstat (self->fd, &st) != 0)
    {
      int errsv = errno;

      g_set_error (error, QR_ERROR, qr_error_from_errno (errsv),
                   _("Could not open the image “%s”: %s."), self->display_name,
                   g_strerror (errsv));
      return FALSE;
    }

  if (!S_ISREG (st.st_mode) && !S_ISBLK (st.st_mode))
    {
      g_set_error (error, QR_ERROR, QR_ERROR_FAILED,
                   _("“%s” is not a disk image file."), self->display_name);
      return FALSE;
    }

  if (S_ISREG (st.st_mode) && (guint64) st.st_size < self->offset)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                   _("The image “%s” is shorter than its partition table says."),
                   self->display_name);
      return FALSE;
    }

  self->size = size;
  if (size == 0 && S_ISREG (st.st_mode))
    self->size = st.st_size - self->offset;

  return TRUE;
}

/* Opens the filesystem that starts @offset bytes into the image file at
 * @path and takes @size bytes (0: up to the end of the file). Nothing is
 * ever written to the image. When a salvage left a list of what it lost
 * of the file beside it, the image is partly recovered, as
 * qr_image_open_partial() says. */
QrImage *
qr_image_open (const char  *path,
               guint64      offset,
               guint64      size,
               GError     **error)
{
  g_autoptr(GArray) lost = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_qr_image_read_lost_beside (path, &lost, error))
    return NULL;

  if (lost == NULL)
    return qr_image_open_partial (path, offset, size, NULL, 0, error);

  return qr_image_open_partial (path, offset, size, (const QrImageRange *) (gpointer) lost->data,
                                lost->len, error);
}

/* As qr_image_open(), for an image file of which the @n_lost ranges
 * @lost (bytes of the file, partitions and all) were lost: every file is
 * then said to be intact or damaged (QR_IMAGE_ATTRIBUTE_DAMAGED), and
 * damaged folders give what is left of them. No ranges: a whole image,
 * whatever lies beside it. */
QrImage *
qr_image_open_partial (const char          *path,
                       guint64              offset,
                       guint64              size,
                       const QrImageRange  *lost,
                       guint                n_lost,
                       GError             **error)
{
  g_autoptr(QrImage) self = NULL;
  errcode_t code;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (lost != NULL || n_lost == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (QR_TYPE_IMAGE, NULL);
  self->path = g_strdup (path);
  self->display_name = g_filename_display_basename (path);
  self->offset = offset;
  _qr_image_set_lost (self, lost, n_lost);

  if (!open_file (self, size, error) || !check_superblock (self, error))
    return NULL;

  code = open_fs (self, 0, &self->fs);
  if (code != 0)
    {
      self->fs = NULL;
      set_open_error (self, error, code);
      return NULL;
    }

  self->block_size = self->fs->blocksize;
  self->n_blocks = ext2fs_blocks_count (self->fs->super);
  /* What extents can address: 2^32 blocks. */
  self->max_file_size = ((guint64) 1 << 32) * self->block_size;

  return g_steal_pointer (&self);
}

const char *
qr_image_get_path (QrImage *self)
{
  g_return_val_if_fail (QR_IS_IMAGE (self), NULL);

  return self->path;
}

guint64
qr_image_get_offset (QrImage *self)
{
  g_return_val_if_fail (QR_IS_IMAGE (self), 0);

  return self->offset;
}

/* Inodes */

gboolean
_qr_image_read_inode (QrImage                  *self,
                      guint32                   inode,
                      struct ext2_inode_large  *raw,
                      const char               *name,
                      GError                  **error)
{
  errcode_t code;

  memset (raw, 0, sizeof *raw);
  code = ext2fs_read_inode_full (self->fs, inode, (struct ext2_inode *) raw, sizeof *raw);
  if (code != 0 && _qr_image_inode_was_lost (self, inode))
    {
      ext2fs_flush_icache (self->fs);
      _qr_image_set_damaged (error, name, _("the part of the image that describes it was lost"));
      return FALSE;
    }

  if (code != 0)
    {
      _qr_image_set_error (self, error, code, name);
      return FALSE;
    }

  return TRUE;
}

static GFileType
file_type (guint16 mode)
{
  if (LINUX_S_ISREG (mode))
    return G_FILE_TYPE_REGULAR;
  if (LINUX_S_ISDIR (mode))
    return G_FILE_TYPE_DIRECTORY;
  if (LINUX_S_ISLNK (mode))
    return G_FILE_TYPE_SYMBOLIC_LINK;
  if (LINUX_S_ISCHR (mode) || LINUX_S_ISBLK (mode) || LINUX_S_ISFIFO (mode) ||
      LINUX_S_ISSOCK (mode))
    return G_FILE_TYPE_SPECIAL;

  return G_FILE_TYPE_UNKNOWN;
}

/* The modification time with its nanoseconds and the epoch bits that
 * carry it past 2038, where the inode has room for them. */
static void
set_mtime (GFileInfo                     *info,
           const struct ext2_inode_large *raw)
{
  gint64 seconds = (gint32) raw->i_mtime;
  guint32 nsec = 0;
  gsize extra_end = offsetof (struct ext2_inode_large, i_mtime_extra) + sizeof raw->i_mtime_extra;

  if (EXT2_GOOD_OLD_INODE_SIZE + (gsize) raw->i_extra_isize >= extra_end)
    {
      seconds += (gint64) (raw->i_mtime_extra & EXT4_EPOCH_MASK) << 32;
      nsec = MIN (raw->i_mtime_extra >> EXT4_EPOCH_BITS, 999999999);
    }

  g_file_info_set_attribute_uint64 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED, MAX (seconds, 0));
  g_file_info_set_attribute_uint32 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC, nsec / 1000);
}

static void
set_names (GFileInfo  *info,
           const char *name)
{
  g_autofree char *display = g_utf8_make_valid (name, -1);

  g_file_info_set_name (info, name);
  g_file_info_set_display_name (info, display);
  g_file_info_set_is_hidden (info, name[0] == '.');
}

static void
fill_info (QrImage                 *self,
           GFileInfo               *info,
           guint32                  inode,
           struct ext2_inode_large *raw)
{
  guint64 size = EXT2_I_SIZE (raw);

  g_file_info_set_file_type (info, file_type (raw->i_mode));
  g_file_info_set_is_symlink (info, LINUX_S_ISLNK (raw->i_mode));
  g_file_info_set_size (info, (goffset) MIN (size, (guint64) G_MAXINT64));
  g_file_info_set_attribute_uint64 (info, G_FILE_ATTRIBUTE_STANDARD_ALLOCATED_SIZE,
                                    ext2fs_get_stat_i_blocks (self->fs,
                                                              EXT2_INODE (raw)) * 512);
  g_file_info_set_attribute_uint64 (info, G_FILE_ATTRIBUTE_UNIX_INODE, inode);
  g_file_info_set_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_MODE, raw->i_mode);
  g_file_info_set_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_UID,
                                    inode_uid (*raw));
  g_file_info_set_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_GID,
                                    inode_gid (*raw));
  g_file_info_set_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_NLINK, raw->i_links_count);
  set_mtime (info, raw);

  if (LINUX_S_ISREG (raw->i_mode) && size > self->max_file_size)
    {
      g_autoptr(GError) error = NULL;

      _qr_image_set_damaged (&error, g_file_info_get_display_name (info),
                             _("it claims to be larger than any file its filesystem can hold"));
      g_file_info_set_attribute_string (info, QR_IMAGE_ATTRIBUTE_ERROR, error->message);
    }
}

static GFileInfo *
query_info_locked (QrImage     *self,
                   guint32      inode,
                   const char  *name,
                   GError     **error)
{
  struct ext2_inode_large raw;
  g_autoptr(GFileInfo) info = NULL;

  if (!_qr_image_read_inode (self, inode, &raw, name, error))
    return NULL;

  info = g_file_info_new ();
  set_names (info, name);
  fill_info (self, info, inode, &raw);
  _qr_image_judge_locked (self, info, inode, &raw);

  return g_steal_pointer (&info);
}

/* What a file is, as GIO says it: name, type, size, modification time and
 * the unix::mode, uid, gid, inode and nlink attributes; the owner is that
 * in the image, not of this computer. */
GFileInfo *
qr_image_query_info (QrImage     *self,
                     guint32      inode,
                     const char  *name,
                     GError     **error)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (QR_IS_IMAGE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  locker = g_mutex_locker_new (&self->lock);

  return query_info_locked (self, inode, name, error);
}

/* Folders */

typedef struct
{
  GPtrArray    *names;
  GArray       *inodes;
  GCancellable *cancellable;
  guint         n_seen;
  gboolean      too_large;
} Listing;

static int
list_entry_cb (ext2_ino_t             dir,
               int                    entry,
               struct ext2_dir_entry *dirent,
               int                    offset,
               int                    block_size,
               char                  *buf,
               void                  *user_data)
{
  Listing *listing = user_data;
  int length = ext2fs_dirent_name_len (dirent);
  guint32 inode = dirent->inode;
  char *name;

  /* Empty entries are counted too, so that a folder of empty blocks
   * cannot keep us reading for ever. */
  if (++listing->n_seen > MAX_FOLDER_ENTRIES)
    {
      listing->too_large = TRUE;
      return DIRENT_ABORT;
    }

  if (g_cancellable_is_cancelled (listing->cancellable))
    return DIRENT_ABORT;

  if (inode == 0 || length == 0)
    return 0;

  name = g_strndup (dirent->name, length);
  if (g_str_equal (name, ".") || g_str_equal (name, ".."))
    {
      g_free (name);
      return 0;
    }

  g_ptr_array_add (listing->names, name);
  g_array_append_val (listing->inodes, inode);

  return 0;
}

/* An entry whose inode cannot be read is still listed, with its reason. */
static GFileInfo *
entry_info (QrImage    *self,
            guint32     inode,
            const char *name,
            gsize       name_length)
{
  g_autoptr(GError) error = NULL;
  GFileInfo *info;

  /* A name with a slash or a zero byte in it cannot be a file name. */
  if (strlen (name) == name_length && strchr (name, '/') == NULL)
    info = query_info_locked (self, inode, name, &error);
  else
    info = NULL;

  if (info == NULL)
    {
      info = g_file_info_new ();
      set_names (info, name[0] != '\0' ? name : "?");
      g_file_info_set_file_type (info, G_FILE_TYPE_UNKNOWN);
      g_file_info_set_attribute_uint64 (info, G_FILE_ATTRIBUTE_UNIX_INODE, inode);
      if (error == NULL)
        _qr_image_set_damaged (&error, g_file_info_get_display_name (info),
                               _("its name is not valid"));
      g_file_info_set_attribute_string (info, QR_IMAGE_ATTRIBUTE_ERROR, error->message);
      /* Unreadable, perhaps because it was lost. */
      _qr_image_judge_locked (self, info, inode, NULL);
    }

  return info;
}

static GPtrArray *
list_locked (QrImage       *self,
             guint32        inode,
             const char    *name,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) inodes = g_array_new (FALSE, FALSE, sizeof (guint32));
  Listing listing = { names, inodes, cancellable, 0, FALSE };
  struct ext2_inode_large raw;
  GPtrArray *infos;
  errcode_t code;

  if (!_qr_image_read_inode (self, inode, &raw, name, error))
    return NULL;

  if (!LINUX_S_ISDIR (raw.i_mode))
    {
      _qr_image_set_error (self, error, EXT2_ET_NO_DIRECTORY, name);
      return NULL;
    }

  if ((raw.i_flags & EXT4_ENCRYPT_FL) != 0)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_UNSUPPORTED_FILESYSTEM,
                   _("The folder “%s” in the disk image is encrypted, which this "
                     "program cannot read."), name);
      return NULL;
    }

  code = _qr_image_iterate_folder_locked (self, inode, &raw, list_entry_cb, &listing);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if (listing.too_large)
    {
      _qr_image_set_damaged (error, name, _("it holds too many entries"));
      return NULL;
    }
  if (code != 0)
    {
      _qr_image_set_error (self, error, code, name);
      return NULL;
    }

  infos = g_ptr_array_new_full (names->len, g_object_unref);
  for (guint i = 0; i < names->len; i++)
    {
      const char *entry = g_ptr_array_index (names, i);

      g_ptr_array_add (infos, entry_info (self, g_array_index (inodes, guint32, i),
                                          entry, strlen (entry)));
    }

  return infos;
}

/* The entries of the folder @inode but "." and "..", as GFileInfos (see
 * qr_image_query_info()), in the order of the folder. @name is how
 * messages call it. */
GPtrArray *
qr_image_list (QrImage       *self,
               guint32        inode,
               const char    *name,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (QR_IS_IMAGE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  locker = g_mutex_locker_new (&self->lock);

  return list_locked (self, inode, name, cancellable, error);
}

static void
list_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  QrImage *self = source_object;
  const char *path = task_data;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  GPtrArray *infos;
  GError *error = NULL;
  guint32 inode;

  inode = _qr_image_lookup_locked (self, path, TRUE, &error);
  if (inode == 0)
    {
      g_task_return_error (task, error);
      return;
    }

  infos = list_locked (self, inode, path, cancellable, &error);
  if (infos == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, infos, (GDestroyNotify) g_ptr_array_unref);
}

/* Lists the folder at @path (links followed inside the image) in a
 * worker thread. */
void
qr_image_list_async (QrImage             *self,
                     const char          *path,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (QR_IS_IMAGE (self));
  g_return_if_fail (path != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qr_image_list_async);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, list_thread);
}

GPtrArray *
qr_image_list_finish (QrImage       *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == qr_image_list_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
