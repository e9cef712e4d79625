/* qr-image-copy.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <limits.h>

#include <glib/gi18n-lib.h>

#include "qr-image-copy-private.h"

/* Copies files and folders out of a disk image into a folder of the
 * user's, as the user: the copies are theirs, whoever owned them in the
 * qube. The work runs in one worker thread (qr-image-copy-walk.c); it
 * reports progress under progress_lock, and at most one idle at a time,
 * about five a second, publishes it on the owner's main context, where
 * "progress" is emitted. */

#define PUBLISH_INTERVAL (G_USEC_PER_SEC / 5)

/* What counts as an extension to keep at the end of a name: letters and
 * digits, as in ".txt" or ".jpeg", not "3.5 meeting". */
#define MAX_EXTENSION_LENGTH 10

/* Before this much has been copied, a time left would be a guess. */
#define ESTIMATE_AFTER (2 * G_USEC_PER_SEC)

typedef struct
{
  guint64  bytes_done;
  guint64  bytes_total;
  guint    files_done;
  guint    files_total;
  char    *current_file;
} Progress;

struct _QrImageCopy
{
  GObject       parent_instance;

  /* Set at construction, or before the copy runs. */
  QrImage      *image;
  char        **paths;
  GFile        *destination;
  gboolean      copy_damaged;

  /* The owner's: what was last published, and the results. */
  Progress      published;
  gint64        started;
  GMainContext *context;
  gboolean      running;
  GPtrArray    *notes;
  GPtrArray    *copied;

  /* Guarded by progress_lock: the worker's latest progress, and the one
   * publish that may be pending. */
  GMutex        progress_lock;
  Progress      pending;
  GSource      *publish_source;
  gint64        last_publish;
};

G_DEFINE_FINAL_TYPE (QrImageCopy, qr_image_copy, G_TYPE_OBJECT)

enum {
  SIGNAL_PROGRESS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
progress_copy (Progress       *to,
               const Progress *from)
{
  g_free (to->current_file);
  *to = *from;
  to->current_file = g_strdup (from->current_file);
}

/* Publishing, on the owner's context */

static void
publish (QrImageCopy *self)
{
  g_mutex_lock (&self->progress_lock);
  progress_copy (&self->published, &self->pending);
  if (self->publish_source != NULL)
    g_source_destroy (self->publish_source);
  g_clear_pointer (&self->publish_source, g_source_unref);
  self->last_publish = g_get_monotonic_time ();
  g_mutex_unlock (&self->progress_lock);

  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0);
}

static gboolean
publish_cb (gpointer user_data)
{
  publish (user_data);

  return G_SOURCE_REMOVE;
}

/* With progress_lock held. */
static void
schedule_publish_locked (QrImageCopy *self)
{
  gint64 wait;

  if (self->publish_source != NULL)
    return;

  wait = self->last_publish + PUBLISH_INTERVAL - g_get_monotonic_time ();
  self->publish_source = g_timeout_source_new (MAX (wait, 0) / 1000);
  g_source_set_callback (self->publish_source, publish_cb, g_object_ref (self), g_object_unref);
  g_source_attach (self->publish_source, self->context);
}

/* From the worker */

void
_qr_image_copy_set_totals (QrImageCopy *self,
                           guint        files_total,
                           guint64      bytes_total)
{
  g_mutex_lock (&self->progress_lock);
  self->pending.files_total = files_total;
  self->pending.bytes_total = bytes_total;
  schedule_publish_locked (self);
  g_mutex_unlock (&self->progress_lock);
}

void
_qr_image_copy_add_progress (QrImageCopy *self,
                             guint        files,
                             guint64      bytes,
                             const char  *current_file)
{
  g_mutex_lock (&self->progress_lock);
  self->pending.files_done += files;
  self->pending.bytes_done += bytes;
  if (current_file != NULL)
    {
      g_free (self->pending.current_file);
      self->pending.current_file = g_utf8_make_valid (current_file, -1);
    }
  schedule_publish_locked (self);
  g_mutex_unlock (&self->progress_lock);
}

/* Running */

static void
job_free (QrImageCopyJob *job)
{
  g_clear_object (&job->image);
  g_strfreev (job->paths);
  g_free (job->destination);
  g_clear_object (&job->cancellable);
  g_clear_pointer (&job->notes, g_ptr_array_unref);
  g_clear_pointer (&job->copied, g_ptr_array_unref);
  g_free (job);
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  GError *error = NULL;

  if (_qr_image_copy_run_job (source_object, task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* Copies the chosen paths, each to a file or folder of its own name in
 * the destination. Nothing there is replaced. */
void
qr_image_copy_run_async (QrImageCopy         *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  QrImageCopyJob *job;

  g_return_if_fail (QR_IS_IMAGE_COPY (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (!self->running);

  self->running = TRUE;
  self->started = g_get_monotonic_time ();
  self->context = g_main_context_ref_thread_default ();

  job = g_new0 (QrImageCopyJob, 1);
  job->image = g_object_ref (self->image);
  job->paths = g_strdupv (self->paths);
  job->destination = g_file_get_path (self->destination);
  job->copy_damaged = self->copy_damaged;
  job->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  job->notes = g_ptr_array_new_with_free_func ((GDestroyNotify) _qr_image_copy_note_free);
  job->copied = g_ptr_array_new_with_free_func (g_free);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qr_image_copy_run_async);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, run_thread);
}

/* FALSE when the copy stopped (cancelled, or the destination failed), or
 * when something could not be copied: the notes then say what and why. */
gboolean
qr_image_copy_run_finish (QrImageCopy   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  QrImageCopyJob *job;

  g_return_val_if_fail (QR_IS_IMAGE_COPY (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == qr_image_copy_run_async, FALSE);

  /* The worker is done: its results and its last progress are ours. */
  job = g_task_get_task_data (G_TASK (result));
  g_clear_pointer (&self->notes, g_ptr_array_unref);
  self->notes = g_steal_pointer (&job->notes);
  g_clear_pointer (&self->copied, g_ptr_array_unref);
  g_ptr_array_add (job->copied, NULL);
  self->copied = g_steal_pointer (&job->copied);
  self->running = FALSE;
  publish (self);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The object */

static void
qr_image_copy_finalize (GObject *object)
{
  QrImageCopy *self = QR_IMAGE_COPY (object);

  g_clear_object (&self->image);
  g_strfreev (self->paths);
  g_clear_object (&self->destination);
  g_free (self->published.current_file);
  g_free (self->pending.current_file);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->notes, g_ptr_array_unref);
  g_clear_pointer (&self->copied, g_ptr_array_unref);
  g_mutex_clear (&self->progress_lock);
  g_assert (self->publish_source == NULL);

  G_OBJECT_CLASS (qr_image_copy_parent_class)->finalize (object);
}

static void
qr_image_copy_class_init (QrImageCopyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qr_image_copy_finalize;

  /* Emitted on the main context that started the copy, a few times a
   * second while it runs and once at its end. */
  signals[SIGNAL_PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 0);
}

static void
qr_image_copy_init (QrImageCopy *self)
{
  g_mutex_init (&self->progress_lock);
  self->notes = g_ptr_array_new_with_free_func ((GDestroyNotify) _qr_image_copy_note_free);
}

/* A copy of @paths (taken from the image's root; links in them followed,
 * the last one not) into the folder @destination, made when missing. */
QrImageCopy *
qr_image_copy_new (QrImage            *image,
                   const char * const *paths,
                   GFile              *destination)
{
  QrImageCopy *self;

  g_return_val_if_fail (QR_IS_IMAGE (image), NULL);
  g_return_val_if_fail (paths != NULL, NULL);
  g_return_val_if_fail (G_IS_FILE (destination), NULL);
  g_return_val_if_fail (g_file_is_native (destination), NULL);

  self = g_object_new (QR_TYPE_IMAGE_COPY, NULL);
  self->image = g_object_ref (image);
  self->paths = g_strdupv ((char **) paths);
  self->destination = g_object_ref (destination);

  return self;
}

/* Whether the damaged files of a partly recovered image are copied too,
 * under names that say so (see qr_image_copy_dup_damaged_name()); by
 * default they are left out, with a note. */
void
qr_image_copy_set_copy_damaged (QrImageCopy *self,
                                gboolean     copy_damaged)
{
  g_return_if_fail (QR_IS_IMAGE_COPY (self));
  g_return_if_fail (!self->running);

  self->copy_damaged = !!copy_damaged;
}

gboolean
qr_image_copy_get_copy_damaged (QrImageCopy *self)
{
  g_return_val_if_fail (QR_IS_IMAGE_COPY (self), FALSE);

  return self->copy_damaged;
}

GFile *
qr_image_copy_get_destination (QrImageCopy *self)
{
  g_return_val_if_fail (QR_IS_IMAGE_COPY (self), NULL);

  return self->destination;
}

guint64
qr_image_copy_get_bytes_done (QrImageCopy *self)
{
  g_return_val_if_fail (QR_IS_IMAGE_COPY (self), 0);

  return MIN (self->published.bytes_done, self->published.bytes_total);
}

guint64
qr_image_copy_get_bytes_total (QrImageCopy *self)
{
  g_return_val_if_fail (QR_IS_IMAGE_COPY (self), 0);

  return self->published.bytes_total;
}

guint
qr_image_copy_get_files_done (QrImageCopy *self)
{
  g_return_val_if_fail (QR_IS_IMAGE_COPY (self), 0);

  return self->published.files_done;
}

guint
qr_image_copy_get_files_total (QrImageCopy *self)
{
  g_return_val_if_fail (QR_IS_IMAGE_COPY (self), 0);

  return self->published.files_total;
}

double
qr_image_copy_get_fraction (QrImageCopy *self)
{
  g_return_val_if_fail (QR_IS_IMAGE_COPY (self), 0.0);

  if (self->published.bytes_total > 0)
    return (double) qr_image_copy_get_bytes_done (self) / self->published.bytes_total;

  if (self->published.files_total > 0)
    return (double) MIN (self->published.files_done, self->published.files_total) /
           self->published.files_total;

  return 0.0;
}

/* Seconds until the copy is done at the rate so far, or -1 while that
 * cannot be said yet. */
gint64
qr_image_copy_get_seconds_left (QrImageCopy *self)
{
  gint64 elapsed;
  guint64 done;

  g_return_val_if_fail (QR_IS_IMAGE_COPY (self), -1);

  elapsed = g_get_monotonic_time () - self->started;
  done = qr_image_copy_get_bytes_done (self);
  if (!self->running || elapsed < ESTIMATE_AFTER || done == 0)
    return -1;

  return (gint64) ((double) (self->published.bytes_total - done) * elapsed / done /
                   G_USEC_PER_SEC);
}

/* The file being copied, as a path in the image. */
const char *
qr_image_copy_get_current_file (QrImageCopy *self)
{
  g_return_val_if_fail (QR_IS_IMAGE_COPY (self), NULL);

  return self->published.current_file;
}

/* What was not copied, and why, as QrImageCopyNotes: once finished. */
GPtrArray *
qr_image_copy_get_notes (QrImageCopy *self)
{
  g_return_val_if_fail (QR_IS_IMAGE_COPY (self), NULL);

  return self->notes;
}

/* The files and folders that now stand in the destination, once
 * finished. */
const char * const *
qr_image_copy_get_copied (QrImageCopy *self)
{
  static const char * const none[] = { NULL };

  g_return_val_if_fail (QR_IS_IMAGE_COPY (self), NULL);

  return self->copied != NULL ? (const char * const *) self->copied->pdata : none;
}

/* Damaged copies */

static gboolean
is_extension (const char *dot)
{
  gsize length = strlen (dot + 1);

  if (length == 0 || length > MAX_EXTENSION_LENGTH)
    return FALSE;

  for (const char *c = dot + 1; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c))
      return FALSE;

  return TRUE;
}

/* Where the extension of @name begins ("report.txt": ".txt", and
 * "photos.tar.gz": ".tar.gz"), or its end when it has none. A folder's
 * name and a hidden file's leading dot are names, not extensions. */
static const char *
find_extension (const char *name,
                gboolean    is_folder)
{
  const char *end = name + strlen (name);
  const char *dot = strrchr (name, '.');
  const char *tar;

  if (is_folder || dot == NULL || dot == name || !is_extension (dot))
    return end;

  tar = dot - strlen (".tar");
  if (tar > name && g_ascii_strncasecmp (tar, ".tar", strlen (".tar")) == 0)
    return tar;

  return dot;
}

/* The name of the copy of a damaged file or folder: "report.txt" is
 * copied as "report (damaged).txt", so that it still opens with the
 * program its kind calls for, and never passes for the whole file. It
 * fits the longest name Linux allows: a long name loses the end of its
 * stem, never its extension. */
char *
qr_image_copy_dup_damaged_name (const char *name,
                                gboolean    is_folder)
{
  const char *extension;
  g_autofree char *stem = NULL;
  g_autofree char *empty = NULL;
  gsize room;

  g_return_val_if_fail (name != NULL, NULL);

  extension = find_extension (name, is_folder);
  stem = g_strndup (name, extension - name);

  /* Translators: the name of a copy of a damaged file: its name, then
   * its extension, as in "report (damaged).txt". Keep the extension
   * (the second %s) last. */
  empty = g_strdup_printf (_("%s (damaged)%s"), "", extension);
  room = NAME_MAX > strlen (empty) ? NAME_MAX - strlen (empty) : 0;
  if (strlen (stem) > room)
    {
      gsize cut = room;

      /* Not in the middle of a character. */
      while (cut > 0 && ((guchar) stem[cut] & 0xc0) == 0x80)
        cut--;
      stem[cut] = '\0';
    }

  return g_strdup_printf (_("%s (damaged)%s"), stem, extension);
}
