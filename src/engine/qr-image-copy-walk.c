/* qr-image-copy-walk.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "qr-error.h"
#include "qr-extract.h"
#include "qr-image-copy-private.h"

/* The worker of a copy out of a disk image: it walks the chosen trees
 * twice, once to count what there is (for the progress), once to copy.
 * The walk is a loop over a stack of folders, not a recursion: a hostile
 * image decides how deep its trees go. Every folder is entered at most
 * once, which ends loops, and the destination is only ever written
 * through folders this walk made itself, by file descriptor, so that no
 * name from the image can lead outside it.
 *
 * Files are written under a temporary name and get theirs when complete;
 * a chosen folder is filled under a temporary name and gets its own when
 * everything in it is done. What a failed or cancelled copy leaves is
 * removed. A file that cannot be read is noted and the copy goes on; a
 * destination that cannot be written ends it.
 *
 * Of a partly recovered image, damaged files and folders are left out
 * with a note, or when asked copied under names that say so: of a file,
 * what was recovered, with the lost stretches left as holes; of a folder,
 * the entries whose names were recovered. */

/* Deeper than this, and a folder is left out with a note: every level
 * holds a file descriptor open. */
#define MAX_DEPTH 256

typedef struct
{
  guint32    inode;
  char      *path;
  GPtrArray *entries;
  guint      next;
  int        fd;
  GFileInfo *info;
} Frame;

static void
frame_free (Frame *frame)
{
  if (frame->fd >= 0)
    close (frame->fd);
  g_free (frame->path);
  g_clear_pointer (&frame->entries, g_ptr_array_unref);
  g_clear_object (&frame->info);
  g_free (frame);
}

void
_qr_image_copy_note_free (QrImageCopyNote *note)
{
  g_free (note->path);
  g_clear_error (&note->error);
  g_free (note->copied_as);
  g_free (note);
}

/* Notes */

/* The note, or NULL while counting. */
QrImageCopyNote *
_qr_image_copy_walk_note (QrImageCopyWalk     *walk,
                          QrImageCopyNoteKind  kind,
                          const char          *path,
                          GError              *error)
{
  QrImageCopyNote *note;

  if (walk->counting)
    {
      g_error_free (error);
      return NULL;
    }

  note = g_new0 (QrImageCopyNote, 1);
  note->kind = kind;
  note->path = g_utf8_make_valid (path, -1);
  note->error = error;
  g_debug ("Noted: %s: %s", note->path, error->message);
  g_ptr_array_add (walk->job->notes, note);

  return note;
}

static void
note_failed (QrImageCopyWalk *walk,
             const char      *path,
             int              code,
             const char      *message)
{
  _qr_image_copy_walk_note (walk, QR_IMAGE_COPY_NOTE_FAILED, path,
                            g_error_new_literal (QR_ERROR, code, message));
}

static void
note_damaged (QrImageCopyWalk *walk,
              const char      *path,
              const char      *why)
{
  g_autofree char *display = g_utf8_make_valid (path, -1);
  g_autofree char *message = g_strdup_printf (_("“%s” in the disk image is damaged: %s."),
                                              display, why);

  note_failed (walk, path, QR_ERROR_DAMAGED, message);
}

static gboolean
is_damaged (GFileInfo *info)
{
  return g_file_info_get_attribute_boolean (info, QR_IMAGE_ATTRIBUTE_DAMAGED);
}

static gboolean
is_folder (GFileInfo *info)
{
  return g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY;
}

/* The name the copy of @info, called @name in the image, gets: its own,
 * or for a damaged one copied as asked, one that says so. */
static char *
destination_name (QrImageCopyWalk *walk,
                  const char      *name,
                  GFileInfo       *info)
{
  if (is_damaged (info) && walk->job->copy_damaged)
    return qr_image_copy_dup_damaged_name (name, is_folder (info));

  return g_strdup (name);
}

/* A damaged file or folder, left out or copied as @copied_as. */
static void
note_damage (QrImageCopyWalk     *walk,
             QrImageCopyNoteKind  kind,
             const char          *path,
             GFileInfo           *info,
             const char          *copied_as)
{
  guint64 missing = g_file_info_get_attribute_uint64 (info, QR_IMAGE_ATTRIBUTE_MISSING);
  guint64 size = g_file_info_get_size (info);
  g_autofree char *missing_text = g_format_size (missing);
  g_autofree char *size_text = g_format_size (size);
  QrImageCopyNote *note;
  GError *error;

  if (is_folder (info))
    error = g_error_new_literal (QR_ERROR, QR_ERROR_DAMAGED,
                                 _("Part of this folder was lost: the names of some of the "
                                   "files in it are missing."));
  else
    /* Translators: how much of a damaged file was lost, as in "4.1 kB of
     * its 6.0 kB were lost." */
    error = g_error_new (QR_ERROR, QR_ERROR_DAMAGED, _("%s of its %s were lost."),
                         missing_text, size_text);

  note = _qr_image_copy_walk_note (walk, kind, path, error);
  if (note == NULL)
    return;

  note->missing = missing;
  note->size = size;
  note->copied_as = g_strdup (copied_as);
}

/* A destination error: a name it does not take is that file's problem;
 * anything else (full, read-only, gone) ends the copy. */
void
_qr_image_copy_walk_destination_error (QrImageCopyWalk *walk,
                                       const char      *path,
                                       int              errsv)
{
  g_autofree char *display = g_utf8_make_valid (path, -1);
  GError *error;

  switch (errsv)
    {
    case EINVAL:
    case EILSEQ:
    case ENAMETOOLONG:
      error = g_error_new (QR_ERROR, QR_ERROR_FAILED,
                           _("The name “%s” is not allowed on the destination disk."),
                           display);
      break;

    case EEXIST:
    case ENOTEMPTY:
      error = g_error_new (QR_ERROR, QR_ERROR_EXISTS,
                           _("“%s” is already in the destination folder; it was left "
                             "as it is."), display);
      break;

    case EFBIG:
      error = g_error_new (QR_ERROR, QR_ERROR_FAILED,
                           _("“%s” is too large for the destination disk."), display);
      break;

    case EPERM:
      error = g_error_new (QR_ERROR, QR_ERROR_FAILED,
                           _("“%s” is a link, which the destination disk cannot hold."),
                           display);
      break;

    default:
      if (walk->fatal == NULL)
        walk->fatal = g_error_new (QR_ERROR, qr_error_from_errno (errsv),
                                   _("Could not write “%s” into the destination folder: %s."),
                                   display, g_strerror (errsv));
      return;
    }

  _qr_image_copy_walk_note (walk, QR_IMAGE_COPY_NOTE_FAILED, path, error);
}

static gboolean
is_valid_name (const char *name)
{
  return name[0] != '\0' && strchr (name, '/') == NULL &&
         !g_str_equal (name, ".") && !g_str_equal (name, "..");
}

gboolean
_qr_image_copy_walk_check_cancelled (QrImageCopyWalk *walk)
{
  if (walk->fatal == NULL)
    g_cancellable_set_error_if_cancelled (walk->job->cancellable, &walk->fatal);

  return walk->fatal != NULL;
}

/* Folders */

/* Lists the folder @info at @path and, when copying, makes it as @name
 * in @dir_fd; then it is on the stack, to be filled, and TRUE. */
static gboolean
enter_folder (QrImageCopyWalk *walk,
              int              dir_fd,
              const char      *name,
              const char      *path,
              GFileInfo       *info)
{
  guint32 inode = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_UNIX_INODE);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  Frame *frame;
  int fd = -1;

  if (!g_hash_table_add (walk->visited, GUINT_TO_POINTER (inode)))
    {
      note_damaged (walk, path, _("the folder holds itself, in a loop"));
      return FALSE;
    }

  if (walk->stack->len >= MAX_DEPTH)
    {
      note_damaged (walk, path, _("its folders are nested too deeply"));
      return FALSE;
    }

  entries = qr_image_list (walk->job->image, inode, path, walk->job->cancellable, &error);
  if (entries == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _qr_image_copy_walk_check_cancelled (walk);
      else
        _qr_image_copy_walk_note (walk, QR_IMAGE_COPY_NOTE_FAILED, path, g_steal_pointer (&error));
      return FALSE;
    }

  if (!walk->counting)
    {
      fd = _qr_image_copy_write_folder (walk, dir_fd, name, path);
      if (fd < 0)
        return FALSE;
    }

  frame = g_new0 (Frame, 1);
  frame->inode = inode;
  frame->path = g_strdup (path);
  frame->entries = g_steal_pointer (&entries);
  frame->fd = fd;
  frame->info = g_object_ref (info);
  g_ptr_array_add (walk->stack, frame);

  return TRUE;
}

/* Done with the folder on top of the stack, which now gets its own mode
 * and time. */
static void
leave_folder (QrImageCopyWalk *walk)
{
  Frame *frame = g_ptr_array_index (walk->stack, walk->stack->len - 1);

  if (frame->fd >= 0 && walk->fatal == NULL)
    _qr_image_copy_finish_folder (walk, frame->fd, frame->info, frame->path);

  g_ptr_array_remove_index (walk->stack, walk->stack->len - 1);
}

/* Copies the entry @info, called @name in the image, at @path, into
 * @dir_fd as @dest_name. */
static void
visit (QrImageCopyWalk *walk,
       int              dir_fd,
       const char      *name,
       const char      *dest_name,
       const char      *path,
       GFileInfo       *info)
{
  const char *problem = g_file_info_get_attribute_string (info, QR_IMAGE_ATTRIBUTE_ERROR);
  gboolean copied = FALSE;

  if (problem != NULL)
    {
      note_failed (walk, path, QR_ERROR_DAMAGED, problem);
      return;
    }

  if (!is_valid_name (name))
    {
      note_damaged (walk, path, _("its name is not valid"));
      return;
    }

  if (is_damaged (info) && !walk->job->copy_damaged)
    {
      note_damage (walk, QR_IMAGE_COPY_NOTE_DAMAGED, path, info, NULL);
      return;
    }

  switch (g_file_info_get_file_type (info))
    {
    case G_FILE_TYPE_DIRECTORY:
      copied = enter_folder (walk, dir_fd, dest_name, path, info);
      break;

    case G_FILE_TYPE_REGULAR:
      walk->files++;
      walk->bytes += MIN ((guint64) g_file_info_get_size (info),
                          g_file_info_get_attribute_uint64 (info,
                                                            G_FILE_ATTRIBUTE_STANDARD_ALLOCATED_SIZE));
      if (!walk->counting)
        {
          _qr_image_copy_add_progress (walk->self, 0, 0, path);
          copied = _qr_image_copy_write_file (walk, dir_fd, dest_name, path, info);
          _qr_image_copy_add_progress (walk->self, 1, 0, NULL);
        }
      break;

    case G_FILE_TYPE_SYMBOLIC_LINK:
      walk->files++;
      if (!walk->counting)
        {
          copied = _qr_image_copy_write_link (walk, dir_fd, dest_name, path, info);
          _qr_image_copy_add_progress (walk->self, 1, 0, NULL);
        }
      break;

    case G_FILE_TYPE_SPECIAL:
      _qr_image_copy_walk_note (walk, QR_IMAGE_COPY_NOTE_SKIPPED, path,
                                g_error_new_literal (QR_ERROR, QR_ERROR_FAILED,
                                                     _("A device, pipe or socket: it holds "
                                                       "no data to copy.")));
      break;

    case G_FILE_TYPE_UNKNOWN:
    case G_FILE_TYPE_SHORTCUT:
    case G_FILE_TYPE_MOUNTABLE:
    default:
      note_damaged (walk, path, _("it is of no known kind"));
      break;
    }

  if (copied && is_damaged (info))
    {
      g_autofree char *copied_as = destination_name (walk, name, info);

      note_damage (walk, QR_IMAGE_COPY_NOTE_COPIED_DAMAGED, path, info, copied_as);
    }
}

/* Works through the stack until it is empty or the copy ends. */
static void
walk_stack (QrImageCopyWalk *walk)
{
  while (walk->stack->len > 0)
    {
      Frame *frame = g_ptr_array_index (walk->stack, walk->stack->len - 1);
      g_autofree char *path = NULL;
      g_autofree char *dest_name = NULL;
      const char *name;
      GFileInfo *info;

      if (_qr_image_copy_walk_check_cancelled (walk))
        return;

      if (frame->next >= frame->entries->len)
        {
          leave_folder (walk);
          continue;
        }

      info = g_ptr_array_index (frame->entries, frame->next++);
      name = g_file_info_get_name (info);
      path = g_build_filename (frame->path, name, NULL);
      dest_name = destination_name (walk, name, info);
      visit (walk, frame->fd, name, dest_name, path, info);
    }
}

/* The chosen items */

static GFileInfo *
lookup_item (QrImageCopyWalk  *walk,
             const char       *path,
             char            **name)
{
  g_autoptr(GError) error = NULL;
  guint32 inode;

  *name = g_path_get_basename (path);
  inode = qr_image_lookup (walk->job->image, path, FALSE, &error);
  if (inode != 0 && is_valid_name (*name))
    return qr_image_query_info (walk->job->image, inode, *name, &error);

  if (error == NULL)
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                         _("Choose files or folders inside the disk image, not all of it."));
  _qr_image_copy_walk_note (walk, QR_IMAGE_COPY_NOTE_FAILED, path, g_steal_pointer (&error));

  return NULL;
}

/* A chosen folder is made under a temporary name and given its own when
 * all of it is copied. */
static void
copy_item (QrImageCopyWalk *walk,
           const char      *path)
{
  g_autofree char *name = NULL;
  g_autofree char *final = NULL;
  g_autofree char *temp = NULL;
  g_autoptr(GFileInfo) info = lookup_item (walk, path, &name);
  int errsv;

  if (info == NULL)
    return;

  /* Left out, which its note says. */
  if (is_damaged (info) && !walk->job->copy_damaged)
    {
      visit (walk, walk->dest_fd, name, name, path, info);
      return;
    }

  final = destination_name (walk, name, info);
  if (!walk->counting && faccessat (walk->dest_fd, final, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    {
      _qr_image_copy_walk_destination_error (walk, path, EEXIST);
      return;
    }

  if (!is_folder (info) || walk->counting)
    {
      visit (walk, walk->dest_fd, name, final, path, info);
      walk_stack (walk);
      if (!walk->counting && walk->fatal == NULL &&
          faccessat (walk->dest_fd, final, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        g_ptr_array_add (walk->job->copied, g_build_filename (walk->job->destination, final, NULL));
      return;
    }

  temp = _qr_image_copy_temp_name ();
  visit (walk, walk->dest_fd, name, temp, path, info);
  if (walk->stack->len == 0)
    return;
  walk_stack (walk);

  if (walk->fatal != NULL)
    {
      g_ptr_array_set_size (walk->stack, 0);
      qr_extract_remove_tree (walk->dest_fd, temp);
      return;
    }

  errsv = _qr_image_copy_give_name (walk->dest_fd, temp, final);
  if (errsv != 0)
    {
      qr_extract_remove_tree (walk->dest_fd, temp);
      _qr_image_copy_walk_destination_error (walk, path, errsv);
      return;
    }

  g_ptr_array_add (walk->job->copied, g_build_filename (walk->job->destination, final, NULL));
}

static void
walk_items (QrImageCopyWalk *walk)
{
  for (guint i = 0; walk->job->paths[i] != NULL && walk->fatal == NULL; i++)
    {
      g_hash_table_remove_all (walk->visited);
      copy_item (walk, walk->job->paths[i]);
    }
}

static int
open_destination (QrImageCopyJob  *job,
                  GError         **error)
{
  int fd;

  if (g_mkdir_with_parents (job->destination, 0755) != 0 ||
      (fd = open (job->destination, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    {
      int errsv = errno;
      g_autofree char *display = g_filename_display_name (job->destination);

      g_set_error (error, QR_ERROR, qr_error_from_errno (errsv),
                   _("The folder “%s” cannot be used: %s."), display, g_strerror (errsv));
      return -1;
    }

  return fd;
}

/* What the copy could not do, in one error: FALSE from the copy whenever
 * it left anything out or copied anything damaged. */
static GError *
failed_error (QrImageCopyJob *job)
{
  g_autoptr(GString) message = g_string_new (NULL);
  guint n_failed = 0;
  guint n_left_out = 0;
  guint n_damaged_copies = 0;
  int code = QR_ERROR_FAILED;

  for (guint i = 0; i < job->notes->len; i++)
    {
      QrImageCopyNote *note = g_ptr_array_index (job->notes, i);

      if (note->kind == QR_IMAGE_COPY_NOTE_DAMAGED)
        n_left_out++;
      else if (note->kind == QR_IMAGE_COPY_NOTE_COPIED_DAMAGED)
        n_damaged_copies++;
      if (note->kind != QR_IMAGE_COPY_NOTE_FAILED)
        continue;
      if (n_failed++ == 0 && note->error->domain == QR_ERROR)
        code = note->error->code;
      if (g_error_matches (note->error, QR_ERROR, QR_ERROR_DAMAGED))
        code = QR_ERROR_DAMAGED;
    }

  if (n_failed > 0)
    g_string_append_printf (message,
                            g_dngettext (GETTEXT_PACKAGE,
                                         "%u file or folder could not be copied.",
                                         "%u files or folders could not be copied.",
                                         n_failed),
                            n_failed);

  if (n_left_out > 0)
    {
      if (message->len > 0)
        g_string_append_c (message, ' ');
      g_string_append_printf (message,
                              g_dngettext (GETTEXT_PACKAGE,
                                           "%u damaged file or folder was left out.",
                                           "%u damaged files or folders were left out.",
                                           n_left_out),
                              n_left_out);
    }

  if (n_damaged_copies > 0)
    {
      if (message->len > 0)
        g_string_append_c (message, ' ');
      /* Translators: “damaged” as in the names of damaged copies, such as
       * "report (damaged).txt" */
      g_string_append_printf (message,
                              g_dngettext (GETTEXT_PACKAGE,
                                           "%u damaged file or folder was copied with "
                                           "“damaged” in its name.",
                                           "%u damaged files or folders were copied with "
                                           "“damaged” in their names.",
                                           n_damaged_copies),
                              n_damaged_copies);
    }

  if (message->len == 0)
    return NULL;

  if (n_left_out > 0 || n_damaged_copies > 0)
    code = QR_ERROR_DAMAGED;

  return g_error_new_literal (QR_ERROR, code, message->str);
}

gboolean
_qr_image_copy_run_job (QrImageCopy     *self,
                        QrImageCopyJob  *job,
                        GError         **error)
{
  g_autoptr(GHashTable) visited = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) stack = g_ptr_array_new_with_free_func ((GDestroyNotify) frame_free);
  g_autofree guchar *buffer = g_malloc (QR_IMAGE_COPY_PIECE_SIZE);
  QrImageCopyWalk walk = { self, job, TRUE, 0, 0, visited, stack, -1, buffer, NULL };

  walk.dest_fd = open_destination (job, error);
  if (walk.dest_fd < 0)
    return FALSE;

  walk_items (&walk);
  _qr_image_copy_set_totals (self, walk.files, walk.bytes);

  walk.counting = FALSE;
  if (walk.fatal == NULL)
    walk_items (&walk);

  close (walk.dest_fd);

  if (walk.fatal == NULL)
    walk.fatal = failed_error (job);

  if (walk.fatal != NULL)
    {
      g_propagate_error (error, walk.fatal);
      return FALSE;
    }

  return TRUE;
}
