/* qr-mount-tracker.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "qr-mount.h"
#include "qr-mount-tracker.h"

/* The restored disk images this window opened, in one place: the rows of
 * the Done page come and go (going back and restoring again makes new
 * ones), but whatever they mounted must still be ejected when the window
 * closes. Rows ask it to mount and eject, and follow "changed" to show the
 * state of their image. It also opens the folders, so that the tests can
 * see what would have been shown without starting a file manager. */
struct _QrMountTracker
{
  GObject         parent_instance;

  /* Owned: GFile → Image */
  GHashTable     *images;
  QrUriLauncher   launcher;
  gpointer        launcher_data;
  GDestroyNotify  launcher_destroy;

  /* State */
  guint           n_mounted;
};

/* An image that is mounted, or has an operation under way. */
typedef struct
{
  char **mount_points;
  guint  n_pending;
} Image;

G_DEFINE_FINAL_TYPE (QrMountTracker, qr_mount_tracker, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_N_MOUNTED,
  N_PROPS
};

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* What release_all works through. */
typedef struct
{
  GQueue  images;
  GError *first_error;
} ReleaseAll;

static void
image_free (Image *image)
{
  g_strfreev (image->mount_points);
  g_free (image);
}

static void
release_all_free (ReleaseAll *state)
{
  g_queue_clear_full (&state->images, g_object_unref);
  g_clear_error (&state->first_error);
  g_free (state);
}

static void
show_uri_launcher (GtkWindow  *parent,
                   const char *uri,
                   gpointer    user_data)
{
  gtk_show_uri (parent, uri, GDK_CURRENT_TIME);
}

static Image *
ensure_image (QrMountTracker *self,
              GFile          *file)
{
  Image *image = g_hash_table_lookup (self->images, file);

  if (image == NULL)
    {
      image = g_new0 (Image, 1);
      g_hash_table_insert (self->images, g_object_ref (file), image);
    }

  return image;
}

static void
update_n_mounted (QrMountTracker *self)
{
  GHashTableIter iter;
  gpointer value;
  guint n_mounted = 0;

  g_hash_table_iter_init (&iter, self->images);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Image *image = value;

      if (image->mount_points != NULL)
        n_mounted++;
    }

  if (n_mounted == self->n_mounted)
    return;

  self->n_mounted = n_mounted;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_MOUNTED]);
}

/* Records what is now known of @file and tells whoever shows it. */
static void
image_changed (QrMountTracker  *self,
               GFile           *file,
               char           **mount_points)
{
  Image *image = g_hash_table_lookup (self->images, file);

  g_assert (image != NULL);

  if (mount_points != image->mount_points)
    {
      g_strfreev (image->mount_points);
      image->mount_points = mount_points;
    }

  /* Forgotten once nothing is mounted or under way. */
  if (image->mount_points == NULL && image->n_pending == 0)
    g_hash_table_remove (self->images, file);

  update_n_mounted (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0, file);
}

static void
begin_operation (QrMountTracker *self,
                 GFile          *file)
{
  Image *image = ensure_image (self, file);

  image->n_pending++;
  image_changed (self, file, image->mount_points);
}

/* Ends an operation on @file; @mount_points (owned) is what is mounted now,
 * NULL when nothing is. */
static void
end_operation (QrMountTracker  *self,
               GFile           *file,
               char           **mount_points)
{
  Image *image = g_hash_table_lookup (self->images, file);

  g_assert (image != NULL && image->n_pending > 0);

  image->n_pending--;
  image_changed (self, file, mount_points);
}

static char **
dup_current_mount_points (QrMountTracker *self,
                          GFile          *file)
{
  Image *image = g_hash_table_lookup (self->images, file);

  return image != NULL ? g_strdupv (image->mount_points) : NULL;
}

static void
mount_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  QrMountTracker *self = g_task_get_source_object (task);
  GFile *file = g_task_get_task_data (task);
  g_auto(GStrv) mount_points = NULL;
  GError *error = NULL;

  mount_points = qr_mount_image_finish (result, &error);
  if (mount_points == NULL)
    {
      end_operation (self, file, dup_current_mount_points (self, file));
      g_task_return_error (task, error);
      return;
    }

  end_operation (self, file, g_strdupv (mount_points));
  g_task_return_pointer (task, g_steal_pointer (&mount_points), (GDestroyNotify) g_strfreev);
}

static void
find_after_failure_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  QrMountTracker *self = g_task_get_source_object (task);
  GFile *file = g_task_get_task_data (task);
  GError *release_error = g_object_get_data (G_OBJECT (task), "release-error");
  g_auto(GStrv) found = NULL;
  g_autoptr(GError) error = NULL;

  found = qr_mount_find_finish (result, &error);
  if (found == NULL)
    {
      /* Nothing more is known than before. */
      g_debug ("Could not look up the mounts of an image after a failed eject: %s",
               error->message);
      end_operation (self, file, dup_current_mount_points (self, file));
    }
  else
    {
      end_operation (self, file, found[0] != NULL ? g_steal_pointer (&found) : NULL);
    }

  g_task_return_error (task, g_error_copy (release_error));
}

static void
release_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  QrMountTracker *self = g_task_get_source_object (task);
  GFile *file = g_task_get_task_data (task);
  GError *error = NULL;

  if (qr_mount_release_finish (result, &error))
    {
      end_operation (self, file, NULL);
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* A failed eject may have let go of part of the image: ask what is
   * still mounted rather than guess. */
  g_object_set_data_full (G_OBJECT (task), "release-error", error, (GDestroyNotify) g_error_free);
  qr_mount_find_async (file, NULL, find_after_failure_cb, g_steal_pointer (&task));
}

static void release_next (GTask *task);

static void
release_one_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ReleaseAll *state = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!qr_mount_tracker_release_finish (QR_MOUNT_TRACKER (object), result, &error))
    {
      g_debug ("Could not eject an image: %s", error->message);
      if (state->first_error == NULL)
        state->first_error = g_steal_pointer (&error);
    }

  release_next (g_steal_pointer (&task));
}

/* One after the other, so that at most one password prompt is shown. A
 * dismissed prompt stops the rest. */
static void
release_next (GTask *task)
{
  QrMountTracker *self = g_task_get_source_object (task);
  ReleaseAll *state = g_task_get_task_data (task);
  g_autoptr(GFile) file = NULL;

  if (g_error_matches (state->first_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_queue_is_empty (&state->images))
    {
      if (state->first_error != NULL)
        g_task_return_error (task, g_steal_pointer (&state->first_error));
      else
        g_task_return_boolean (task, TRUE);

      g_object_unref (task);
      return;
    }

  file = g_queue_pop_head (&state->images);
  qr_mount_tracker_release_async (self, file, g_task_get_cancellable (task),
                                  release_one_cb, task);
}

static void
qr_mount_tracker_finalize (GObject *object)
{
  QrMountTracker *self = QR_MOUNT_TRACKER (object);

  g_clear_pointer (&self->images, g_hash_table_unref);
  if (self->launcher_destroy != NULL)
    self->launcher_destroy (self->launcher_data);

  G_OBJECT_CLASS (qr_mount_tracker_parent_class)->finalize (object);
}

static void
qr_mount_tracker_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  QrMountTracker *self = QR_MOUNT_TRACKER (object);

  switch (prop_id)
    {
    case PROP_N_MOUNTED:
      g_value_set_uint (value, self->n_mounted);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qr_mount_tracker_class_init (QrMountTrackerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qr_mount_tracker_finalize;
  object_class->get_property = qr_mount_tracker_get_property;

  /* How many images are mounted through this tracker. */
  properties[PROP_N_MOUNTED] =
    g_param_spec_uint ("n-mounted", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* An image was mounted or ejected, or an operation on it began or
   * ended. */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_FILE);
}

static void
qr_mount_tracker_init (QrMountTracker *self)
{
  self->images = g_hash_table_new_full (g_file_hash, (GEqualFunc) g_file_equal,
                                        g_object_unref, (GDestroyNotify) image_free);
  self->launcher = show_uri_launcher;
}

QrMountTracker *
qr_mount_tracker_new (void)
{
  return g_object_new (QR_TYPE_MOUNT_TRACKER, NULL);
}

/* Attaches and mounts @image read-only; a password may be asked for. The
 * result is its mount points, as qr_mount_image_finish() gives them. */
void
qr_mount_tracker_mount_async (QrMountTracker      *self,
                              GFile               *image,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (QR_IS_MOUNT_TRACKER (self));
  g_return_if_fail (G_IS_FILE (image));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qr_mount_tracker_mount_async);
  g_task_set_task_data (task, g_object_ref (image), g_object_unref);

  begin_operation (self, image);
  qr_mount_image_async (image, QR_MOUNT_FLAGS_NONE, cancellable,
                        mount_cb, g_steal_pointer (&task));
}

char **
qr_mount_tracker_mount_finish (QrMountTracker  *self,
                               GAsyncResult    *result,
                               GError         **error)
{
  g_return_val_if_fail (QR_IS_MOUNT_TRACKER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == qr_mount_tracker_mount_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Unmounts and detaches @image, whoever attached it. */
void
qr_mount_tracker_release_async (QrMountTracker      *self,
                                GFile               *image,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (QR_IS_MOUNT_TRACKER (self));
  g_return_if_fail (G_IS_FILE (image));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qr_mount_tracker_release_async);
  g_task_set_task_data (task, g_object_ref (image), g_object_unref);

  begin_operation (self, image);
  qr_mount_release_async (image, QR_MOUNT_FLAGS_NONE, cancellable,
                          release_cb, g_steal_pointer (&task));
}

gboolean
qr_mount_tracker_release_finish (QrMountTracker  *self,
                                 GAsyncResult    *result,
                                 GError         **error)
{
  g_return_val_if_fail (QR_IS_MOUNT_TRACKER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == qr_mount_tracker_release_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Ejects every image mounted through this tracker. Fails with the first
 * error, after trying the others. */
void
qr_mount_tracker_release_all_async (QrMountTracker      *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task;
  ReleaseAll *state;
  GHashTableIter iter;
  gpointer key, value;

  g_return_if_fail (QR_IS_MOUNT_TRACKER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qr_mount_tracker_release_all_async);

  state = g_new0 (ReleaseAll, 1);
  g_queue_init (&state->images);
  g_task_set_task_data (task, state, (GDestroyNotify) release_all_free);

  g_hash_table_iter_init (&iter, self->images);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Image *image = value;

      if (image->mount_points != NULL)
        g_queue_push_tail (&state->images, g_object_ref (key));
    }

  release_next (task);
}

gboolean
qr_mount_tracker_release_all_finish (QrMountTracker  *self,
                                     GAsyncResult    *result,
                                     GError         **error)
{
  g_return_val_if_fail (QR_IS_MOUNT_TRACKER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        qr_mount_tracker_release_all_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Where @image is mounted, or NULL when it is not mounted through this
 * tracker. */
const char * const *
qr_mount_tracker_get_mount_points (QrMountTracker *self,
                                   GFile          *image)
{
  Image *found;

  g_return_val_if_fail (QR_IS_MOUNT_TRACKER (self), NULL);
  g_return_val_if_fail (G_IS_FILE (image), NULL);

  found = g_hash_table_lookup (self->images, image);

  return found != NULL ? (const char * const *) found->mount_points : NULL;
}

/* Whether @image is being mounted or ejected. */
gboolean
qr_mount_tracker_get_busy (QrMountTracker *self,
                           GFile          *image)
{
  Image *found;

  g_return_val_if_fail (QR_IS_MOUNT_TRACKER (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (image), FALSE);

  found = g_hash_table_lookup (self->images, image);

  return found != NULL && found->n_pending > 0;
}

guint
qr_mount_tracker_get_n_mounted (QrMountTracker *self)
{
  g_return_val_if_fail (QR_IS_MOUNT_TRACKER (self), 0);

  return self->n_mounted;
}

/* Replaces how folders are shown; NULL restores gtk_show_uri(). */
void
qr_mount_tracker_set_launcher (QrMountTracker *self,
                               QrUriLauncher   launcher,
                               gpointer        user_data,
                               GDestroyNotify  destroy)
{
  g_return_if_fail (QR_IS_MOUNT_TRACKER (self));

  if (self->launcher_destroy != NULL)
    self->launcher_destroy (self->launcher_data);

  self->launcher = launcher != NULL ? launcher : show_uri_launcher;
  self->launcher_data = launcher != NULL ? user_data : NULL;
  self->launcher_destroy = launcher != NULL ? destroy : NULL;
}

/* Shows @uri in the file manager, through the OpenURI portal in a
 * sandbox. */
void
qr_mount_tracker_launch (QrMountTracker *self,
                         GtkWindow      *parent,
                         const char     *uri)
{
  g_return_if_fail (QR_IS_MOUNT_TRACKER (self));
  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (uri != NULL);

  self->launcher (parent, uri, self->launcher_data);
}
