/* qr-restore-tree.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The reader of a restore of format 1, a folder of plain copies that
 * nothing proves. Each file of a qube's folder is walked without ever
 * following a symbolic link (openat, O_NOFOLLOW) and handed to the
 * extractor as the tar stream GNU tar would make of it, holes left out
 * (SEEK_DATA). So the extractor alone decides what is written and how:
 * the same names, links, named pipes, device files, sparse files, staging
 * folders and reports as for every other format.
 *
 *   run thread                                    extractor thread
 *   walk (openat) ─► libarchive pax writer ─► queue buffers ─► unpack, write */

#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qr-error.h"
#include "qr-restore-tree.h"

/* What the extractor gets at once, and what is read from a file at once. */
#define PIECE_SIZE     (4 * 1024 * 1024)
#define READ_SIZE      (1024 * 1024)
/* Deeper than any real home, and than the extractor's longest path. */
#define MAX_DEPTH      256

typedef struct
{
  QrRestoreRun   *run;
  guint           index;
  QrSeries       *series;
  int             folder_fd;

  /* The tar stream being written, and the piece of it being filled. */
  struct archive *tar;
  struct archive_entry_linkresolver *links;
  guint8         *piece;
  gsize           piece_length;
  /* Of the series' size, what has not been counted as done yet. */
  guint64         weight_left;
  GError         *error;

  guint8         *read_buffer;
} Walk;

static void
set_read_error (GError     **error,
                int          errsv,
                const char  *name)
{
  g_set_error (error, QR_ERROR, qr_error_from_errno (errsv),
               _("Cannot read “%s” in the backup folder: %s."), name, g_strerror (errsv));
}

/* Hands the piece filled so far to the extractor. */
static void
send_piece (Walk *walk)
{
  QrRestoreRun *run = walk->run;
  gsize weight = MIN (walk->piece_length, walk->weight_left);

  walk->weight_left -= weight;
  qr_restore_queue_send_data (run->queue, walk->index, g_steal_pointer (&walk->piece), 0,
                              walk->piece_length, weight);
  walk->piece_length = 0;
}

static la_ssize_t
write_cb (struct archive *tar,
          void           *user_data,
          const void     *buffer,
          size_t          length)
{
  Walk *walk = user_data;
  const guint8 *data = buffer;
  gsize left = length;

  while (left > 0)
    {
      gsize n;

      if (walk->piece == NULL)
        {
          walk->piece = qr_restore_queue_take_buffer (walk->run->queue, PIECE_SIZE,
                                                      walk->run->cancellable);
          if (walk->piece == NULL)
            {
              g_cancellable_set_error_if_cancelled (walk->run->cancellable, &walk->error);
              archive_set_error (tar, ECANCELED, "cancelled");
              return -1;
            }
        }

      n = MIN (left, PIECE_SIZE - walk->piece_length);
      memcpy (walk->piece + walk->piece_length, data, n);
      walk->piece_length += n;
      data += n;
      left -= n;

      if (walk->piece_length == PIECE_SIZE)
        send_piece (walk);
    }

  return length;
}

static gboolean
check_tar (Walk        *walk,
           int          result,
           const char  *name,
           GError     **error)
{
  if (result >= ARCHIVE_WARN)
    return TRUE;

  if (walk->error != NULL)
    g_propagate_error (error, g_steal_pointer (&walk->error));
  else
    g_set_error (error, QR_ERROR, QR_ERROR_FAILED, _("Cannot copy “%s”: %s."), name,
                 archive_error_string (walk->tar));
  return FALSE;
}

/* The data of a file lies in these stretches; the rest are holes. A file
 * that ends in a hole ends with an empty stretch, as GNU tar writes it. */
static void
add_sparse_map (struct archive_entry *entry,
                int                   fd,
                off_t                 size)
{
  g_autoptr(GArray) stretches = g_array_new (FALSE, FALSE, sizeof (off_t) * 2);
  off_t pos = 0;

  while (pos < size)
    {
      off_t stretch[2];
      off_t data = lseek (fd, pos, SEEK_DATA);
      off_t hole;

      /* No data after @pos; or no holes known here, and a plain file. */
      if (data < 0 && errno == ENXIO)
        break;
      if (data < 0)
        return;

      hole = lseek (fd, data, SEEK_HOLE);
      hole = hole < 0 ? size : MIN (hole, size);
      stretch[0] = data;
      stretch[1] = hole - data;
      g_array_append_vals (stretches, stretch, 1);
      pos = hole;
    }

  if (stretches->len == 1 && g_array_index (stretches, off_t, 0) == 0 &&
      g_array_index (stretches, off_t, 1) == size)
    return;

  for (guint i = 0; i < stretches->len; i++)
    archive_entry_sparse_add_entry (entry, g_array_index (stretches, off_t, 2 * i),
                                    g_array_index (stretches, off_t, 2 * i + 1));

  if (stretches->len == 0 || pos < size)
    archive_entry_sparse_add_entry (entry, size, 0);
}

/* Holes: the writer is given their zeros, and stores none of them. */
static gboolean
write_zeros (Walk        *walk,
             la_int64_t   length,
             const char  *name,
             GError     **error)
{
  static const guint8 zeros[READ_SIZE];

  for (la_int64_t n; length > 0; length -= n)
    {
      n = MIN (READ_SIZE, length);
      if (!check_tar (walk, archive_write_data (walk->tar, zeros, n), name, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
write_stretch (Walk        *walk,
               int          fd,
               la_int64_t   offset,
               la_int64_t   length,
               const char  *name,
               GError     **error)
{
  la_int64_t end = offset + length;

  for (la_int64_t pos = offset; pos < end; )
    {
      ssize_t n = pread (fd, walk->read_buffer, MIN (READ_SIZE, end - pos), pos);

      if (n < 0 && errno == EINTR)
        continue;

      /* A file that shrank while being read. */
      if (n <= 0)
        {
          set_read_error (error, n < 0 ? errno : EIO, name);
          return FALSE;
        }

      if (g_cancellable_set_error_if_cancelled (walk->run->cancellable, error) ||
          !check_tar (walk, archive_write_data (walk->tar, walk->read_buffer, n), name, error))
        return FALSE;
      pos += n;
    }

  return TRUE;
}

/* The data of a regular file, its holes as the sparse map says. */
static gboolean
write_file_data (Walk                  *walk,
                 struct archive_entry  *entry,
                 int                    fd,
                 const char            *name,
                 GError               **error)
{
  la_int64_t size = archive_entry_size (entry);
  la_int64_t pos = 0;
  la_int64_t offset, length;

  if (archive_entry_sparse_reset (entry) == 0)
    return write_stretch (walk, fd, 0, size, name, error);

  while (archive_entry_sparse_next (entry, &offset, &length) == ARCHIVE_OK)
    {
      if (!write_zeros (walk, offset - pos, name, error) ||
          !write_stretch (walk, fd, offset, length, name, error))
        return FALSE;
      pos = offset + length;
    }

  return write_zeros (walk, size - pos, name, error);
}

static gboolean walk_entry (Walk        *walk,
                            int          parent_fd,
                            const char  *leaf,
                            const char  *name,
                            guint        depth,
                            GError     **error);

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* A folder's entries, in order of name. */
static gboolean
walk_folder (Walk        *walk,
             int          fd,
             const char  *name,
             guint        depth,
             GError     **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  DIR *dir = fdopendir (dup (fd));
  struct dirent *child;

  if (dir == NULL)
    {
      set_read_error (error, errno, name);
      return FALSE;
    }

  while ((child = readdir (dir)) != NULL)
    if (!g_str_equal (child->d_name, ".") && !g_str_equal (child->d_name, ".."))
      g_ptr_array_add (names, g_strdup (child->d_name));
  closedir (dir);
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      const char *leaf = g_ptr_array_index (names, i);
      g_autofree char *child_name = g_strconcat (name, "/", leaf, NULL);

      if (!walk_entry (walk, fd, leaf, child_name, depth + 1, error))
        return FALSE;
    }

  return TRUE;
}

/* Opens a file or folder found by fstatat(), checking it is still what
 * was found. */
static int
open_entry (int                 parent_fd,
            const char         *leaf,
            const struct stat  *st,
            const char         *name,
            GError            **error)
{
  int flags = O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC;
  struct stat now;
  int fd = openat (parent_fd, leaf, S_ISDIR (st->st_mode) ? flags | O_DIRECTORY : flags);

  if (fd < 0 || fstat (fd, &now) != 0)
    {
      set_read_error (error, errno, name);
      if (fd >= 0)
        close (fd);
      return -1;
    }

  if (now.st_dev != st->st_dev || now.st_ino != st->st_ino)
    {
      close (fd);
      g_set_error (error, QR_ERROR, QR_ERROR_IO,
                   _("“%s” in the backup folder changed while it was being read."), name);
      return -1;
    }

  return fd;
}

static gboolean
write_entry (Walk                  *walk,
             struct archive_entry  *entry,
             int                    fd,
             const char            *name,
             GError               **error)
{
  gboolean data = fd >= 0 && archive_entry_filetype (entry) == AE_IFREG &&
                  archive_entry_hardlink (entry) == NULL && archive_entry_size (entry) > 0;

  if (data)
    add_sparse_map (entry, fd, archive_entry_size (entry));

  return check_tar (walk, archive_write_header (walk->tar, entry), name, error) &&
         (!data || write_file_data (walk, entry, fd, name, error));
}

static gboolean
walk_entry (Walk        *walk,
            int          parent_fd,
            const char  *leaf,
            const char  *name,
            guint        depth,
            GError     **error)
{
  struct archive_entry *entry = NULL;
  struct archive_entry *deferred = NULL;
  char target[4097];
  struct stat st;
  gboolean ok = FALSE;
  int fd = -1;

  if (depth > MAX_DEPTH)
    {
      set_read_error (error, ELOOP, name);
      return FALSE;
    }

  if (fstatat (parent_fd, leaf, &st, AT_SYMLINK_NOFOLLOW) != 0)
    {
      set_read_error (error, errno, name);
      return FALSE;
    }

  /* A socket cannot be copied, by tar or by anyone. */
  if (S_ISSOCK (st.st_mode))
    return TRUE;

  if ((S_ISREG (st.st_mode) || S_ISDIR (st.st_mode)) &&
      (fd = open_entry (parent_fd, leaf, &st, name, error)) < 0)
    return FALSE;

  entry = archive_entry_new ();
  archive_entry_copy_stat (entry, &st);
  archive_entry_set_pathname (entry, name);

  if (S_ISLNK (st.st_mode))
    {
      ssize_t n = readlinkat (parent_fd, leaf, target, sizeof target - 1);

      if (n < 0)
        {
          set_read_error (error, errno, name);
          goto out;
        }
      target[n] = '\0';
      archive_entry_set_symlink (entry, target);
    }

  /* A second name of a file becomes a hard link to its first, as tar makes it. */
  if (S_ISREG (st.st_mode) && st.st_nlink > 1)
    archive_entry_linkify (walk->links, &entry, &deferred);

  ok = write_entry (walk, entry, fd, name, error) &&
       (!S_ISDIR (st.st_mode) || walk_folder (walk, fd, name, depth, error));

out:
  if (fd >= 0)
    close (fd);
  archive_entry_free (entry);
  archive_entry_free (deferred);
  return ok;
}

/* Writes the tar stream of one series and ends it. */
static gboolean
walk_series (Walk    *walk,
             GError **error)
{
  const char *path = walk->series->path;
  const char *slash = strrchr (path, '/');
  g_autofree char *parent = g_strndup (path, slash - path);
  int parent_fd = _qr_backup_folder_open_dir (walk->folder_fd, parent, error);
  gboolean ok;

  if (parent_fd < 0)
    return FALSE;

  ok = check_tar (walk, archive_write_open2 (walk->tar, walk, NULL, write_cb, NULL, NULL),
                  path, error) &&
       walk_entry (walk, parent_fd, slash + 1, path, 0, error) &&
       check_tar (walk, archive_write_close (walk->tar), path, error);

  close (parent_fd);
  return ok;
}

static void
report (QrRestoreRun  *run,
        QrRestorePlan *plan,
        QrSeries      *series)
{
  const char *slash = strrchr (series->path, '/');

  qr_restore_progress_report_chunk (run->progress, run->destination ? QR_RESTORE_PHASE_WRITING
                                                                    : QR_RESTORE_PHASE_VERIFYING,
                                    qr_qube_get_name (plan->qube), slash + 1, 1, 1);
}

/* Reads one file of a qube; returns the bytes counted as done. */
static guint64
read_series (QrRestoreRun *run,
             guint         index,
             QrSeries     *series,
             guint8       *read_buffer)
{
  QrRestorePlan *plan = g_ptr_array_index (run->plans, index);
  Walk walk = { run, index, series, _qr_backup_get_folder_fd (run->backup) };
  GError *error = NULL;

  walk.tar = archive_write_new ();
  walk.links = archive_entry_linkresolver_new ();
  walk.weight_left = series->stored_size;
  walk.read_buffer = read_buffer;
  archive_write_set_format_pax_restricted (walk.tar);
  archive_entry_linkresolver_set_strategy (walk.links, archive_format (walk.tar));

  report (run, plan, series);
  qr_restore_queue_send (run->queue, QR_RESTORE_MESSAGE_BEGIN_SERIES, index, series);

  if (walk_series (&walk, &error))
    {
      if (walk.piece != NULL)
        send_piece (&walk);
      /* What the walk did not count (the size was the disk's) is done. */
      if (walk.weight_left > 0)
        qr_restore_queue_send_data (run->queue, index, NULL, 0, 0, walk.weight_left);
    }
  else
    {
      if (walk.piece != NULL)
        qr_restore_queue_give_buffer (run->queue, walk.piece);
      qr_restore_run_fail_chunk (run, index, series, 0, 1, error);
      qr_restore_queue_send (run->queue, QR_RESTORE_MESSAGE_ABORT, index, series);
    }
  qr_restore_queue_send (run->queue, QR_RESTORE_MESSAGE_END_SERIES, index, series);

  archive_write_free (walk.tar);
  archive_entry_linkresolver_free (walk.links);
  g_clear_error (&walk.error);
  return series->stored_size - walk.weight_left;
}

static void
read_item (QrRestoreRun *run,
           guint         index,
           guint8       *read_buffer)
{
  QrRestorePlan *plan = g_ptr_array_index (run->plans, index);
  guint64 done = 0;

  qr_restore_queue_send (run->queue, QR_RESTORE_MESSAGE_BEGIN_ITEM, index, NULL);
  qr_restore_progress_report_state (run->progress, index, QR_RESTORE_STATE_RESTORING);

  for (guint i = 0; i < plan->series->len && !qr_restore_run_is_failed (run, index); i++)
    done += read_series (run, index, g_ptr_array_index (plan->series, i), read_buffer);

  qr_restore_progress_add_done (run->progress, plan->stored_size - done);
  qr_restore_queue_send (run->queue, QR_RESTORE_MESSAGE_END_ITEM, index, NULL);
}

void
qr_restore_read_tree (QrRestoreRun *run)
{
  g_autofree guint8 *read_buffer = g_malloc (READ_SIZE);
  guint64 total = 0;

  for (guint i = 0; i < run->plans->len; i++)
    if (!qr_restore_run_is_failed (run, i))
      total += ((QrRestorePlan *) g_ptr_array_index (run->plans, i))->stored_size;
  qr_restore_progress_add_total (run->progress, total);

  for (guint i = 0; i < run->plans->len; i++)
    {
      if (qr_restore_run_is_failed (run, i))
        qr_restore_run_report_failed (run, i);
      else
        read_item (run, i, read_buffer);
    }
}
