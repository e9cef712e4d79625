/* qr-restore.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qr-error.h"
#include "qr-restore-private.h"

#define PUBLISH_INTERVAL (150 * G_TIME_SPAN_MILLISECOND)

G_DEFINE_FINAL_TYPE (QrRestore, qr_restore, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_BACKUP,
  PROP_DESTINATION,
  PROP_VERIFY_ONLY,
  PROP_PHASE,
  PROP_FRACTION,
  PROP_BYTES_DONE,
  PROP_BYTES_TOTAL,
  PROP_RATE,
  PROP_CURRENT_QUBE,
  PROP_CURRENT_FILE,
  PROP_CHUNK,
  PROP_N_CHUNKS,
  N_PROPS
};

enum {
  SIGNAL_PROGRESS,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

typedef struct
{
  guint           index;
  QrRestoreState  state;
} StateChange;

static void
plan_free (Plan *plan)
{
  g_clear_object (&plan->qube);
  g_free (plan->folder);
  g_free (plan->strip_prefix);
  g_clear_pointer (&plan->series, g_ptr_array_unref);
  g_clear_pointer (&plan->requests, g_ptr_array_unref);
  g_clear_pointer (&plan->files, g_ptr_array_unref);
  g_clear_error (&plan->error);
  g_free (plan);
}

static void
progress_clear (Progress *progress)
{
  g_clear_pointer (&progress->qube, g_free);
  g_clear_pointer (&progress->file, g_free);
}

/* Main context side: apply what the workers reported. */
static void
apply_state_changes (QrRestore *self,
                     GArray    *changes)
{
  for (guint i = 0; i < changes->len; i++)
    {
      StateChange *change = &g_array_index (changes, StateChange, i);
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (G_LIST_MODEL (self->items),
                                                             change->index);
      Plan *plan = g_ptr_array_index (self->plans, change->index);

      if (change->state == QR_RESTORE_STATE_FAILED)
        qr_restore_item_set_error (item, plan->error);

      if (change->state == QR_RESTORE_STATE_DONE && self->destination != NULL)
        {
          g_autoptr(GFile) location = g_file_get_child (self->destination, plan->folder);

          for (guint j = 0; j < plan->files->len; j++)
            qr_restore_item_add_file (item, g_ptr_array_index (plan->files, j));
          qr_restore_item_set_location (item, location);
        }

      if (change->state == QR_RESTORE_STATE_DONE)
        qr_restore_item_set_size (item, plan->apparent_size);

      qr_restore_item_set_state (item, change->state);
    }
}

static void
update_rate (QrRestore *self)
{
  gint64 now = g_get_monotonic_time ();
  double seconds;

  if (self->rate_time == 0)
    {
      self->rate_time = now;
      self->rate_bytes = self->published.bytes_done;
      return;
    }

  /* A rate over the last seconds, smoothed, so that one slow key does not
   * make the estimate jump. */
  seconds = (now - self->rate_time) / (double) G_USEC_PER_SEC;
  if (seconds < 1.0)
    return;

  {
    double current = (self->published.bytes_done - self->rate_bytes) / seconds;

    self->rate = self->rate == 0 ? current : 0.7 * self->rate + 0.3 * current;
    self->rate_time = now;
    self->rate_bytes = self->published.bytes_done;
  }
}

static void
publish (QrRestore *self)
{
  g_autoptr(GArray) changes = NULL;
  Progress old = self->published;
  GObject *object = G_OBJECT (self);

  g_mutex_lock (&self->mutex);
  g_clear_pointer (&self->publish_source, g_source_unref);
  self->last_publish = g_get_monotonic_time ();
  changes = g_steal_pointer (&self->pending_states);
  self->pending_states = g_array_new (FALSE, FALSE, sizeof (StateChange));
  self->published.phase = self->pending.phase;
  self->published.bytes_done = self->pending.bytes_done;
  self->published.bytes_total = self->pending.bytes_total;
  self->published.qube = g_strdup (self->pending.qube);
  self->published.file = g_strdup (self->pending.file);
  self->published.chunk = self->pending.chunk;
  self->published.n_chunks = self->pending.n_chunks;
  g_mutex_unlock (&self->mutex);

  update_rate (self);

  g_object_freeze_notify (object);
  if (old.phase != self->published.phase)
    g_object_notify_by_pspec (object, properties[PROP_PHASE]);
  if (old.bytes_total != self->published.bytes_total)
    g_object_notify_by_pspec (object, properties[PROP_BYTES_TOTAL]);
  if (old.bytes_done != self->published.bytes_done)
    {
      g_object_notify_by_pspec (object, properties[PROP_BYTES_DONE]);
      g_object_notify_by_pspec (object, properties[PROP_FRACTION]);
      g_object_notify_by_pspec (object, properties[PROP_RATE]);
    }
  if (g_strcmp0 (old.qube, self->published.qube) != 0)
    g_object_notify_by_pspec (object, properties[PROP_CURRENT_QUBE]);
  if (g_strcmp0 (old.file, self->published.file) != 0)
    g_object_notify_by_pspec (object, properties[PROP_CURRENT_FILE]);
  if (old.chunk != self->published.chunk)
    g_object_notify_by_pspec (object, properties[PROP_CHUNK]);
  if (old.n_chunks != self->published.n_chunks)
    g_object_notify_by_pspec (object, properties[PROP_N_CHUNKS]);
  progress_clear (&old);

  apply_state_changes (self, changes);
  g_object_thaw_notify (object);

  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0);
}

static gboolean
publish_cb (gpointer user_data)
{
  publish (user_data);
  return G_SOURCE_REMOVE;
}

/* Worker side, with the mutex held: make sure one publish is pending, at
 * most a few times a second. */
static void
schedule_publish_locked (QrRestore *self)
{
  gint64 wait;

  if (self->publish_source != NULL)
    return;

  wait = self->last_publish + PUBLISH_INTERVAL - g_get_monotonic_time ();
  self->publish_source = g_timeout_source_new (MAX (wait, 0) / 1000);
  g_source_set_callback (self->publish_source, publish_cb, g_object_ref (self), g_object_unref);
  g_source_set_priority (self->publish_source, G_PRIORITY_DEFAULT);
  g_source_attach (self->publish_source, self->context);
}

void
_qr_restore_report_chunk (QrRestore      *self,
                          QrRestorePhase  phase,
                          Plan           *plan,
                          QrSeries       *series,
                          guint           chunk)
{
  const char *slash = strchr (series->path, '/');

  g_mutex_lock (&self->mutex);
  self->pending.phase = phase;
  g_free (self->pending.qube);
  self->pending.qube = g_strdup (qr_qube_get_name (plan->qube));
  g_free (self->pending.file);
  self->pending.file = g_strdup (slash ? slash + 1 : series->path);
  self->pending.chunk = chunk + 1;
  /* From a pipe, how many parts a file has is known only at its end. */
  self->pending.n_chunks = self->streaming ? 0 : series->chunks->len;
  schedule_publish_locked (self);
  g_mutex_unlock (&self->mutex);
}

void
_qr_restore_report_bytes (QrRestore *self,
                          guint64    bytes)
{
  g_mutex_lock (&self->mutex);
  self->pending.bytes_done += bytes;
  schedule_publish_locked (self);
  g_mutex_unlock (&self->mutex);
}

void
_qr_restore_report_state (QrRestore      *self,
                          guint           index,
                          QrRestoreState  state)
{
  StateChange change = { index, state };

  g_mutex_lock (&self->mutex);
  g_array_append_val (self->pending_states, change);
  schedule_publish_locked (self);
  g_mutex_unlock (&self->mutex);
}

/* Records why a qube failed; the first reason wins. */
void
_qr_restore_fail_plan (QrRestore *self,
                       guint      index,
                       GError    *error)
{
  Plan *plan = g_ptr_array_index (self->plans, index);

  g_mutex_lock (&self->mutex);
  if (plan->error == NULL)
    plan->error = error;
  else
    g_error_free (error);
  g_atomic_int_set (&plan->failed, TRUE);
  g_mutex_unlock (&self->mutex);
}

gboolean
_qr_restore_is_fatal (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
         g_error_matches (error, QR_ERROR, QR_ERROR_NO_SPACE) ||
         g_error_matches (error, QR_ERROR, QR_ERROR_NEEDS_MEMORY) ||
         g_error_matches (error, QR_ERROR, QR_ERROR_IO);
}

void
_qr_restore_set_fatal (QrRestore    *self,
                       const GError *error)
{
  g_mutex_lock (&self->mutex);
  if (self->fatal_error == NULL)
    self->fatal_error = g_error_copy (error);
  g_mutex_unlock (&self->mutex);
  g_cancellable_cancel (self->cancellable);
}

/* Buffers: the reader takes a free one, the extractor gives it back. */
int
_qr_restore_take_buffer (QrRestore *self,
                         gsize      size)
{
  int index = -1;

  g_mutex_lock (&self->mutex);
  while (index < 0 && !g_cancellable_is_cancelled (self->cancellable))
    {
      for (int i = 0; i < N_BUFFERS && index < 0; i++)
        if (!self->buffer_busy[i])
          index = i;

      if (index < 0)
        g_cond_wait (&self->cond, &self->mutex);
    }

  if (index >= 0)
    {
      self->buffer_busy[index] = TRUE;
      if (self->buffer_sizes[index] < size)
        {
          g_free (self->buffers[index]);
          self->buffers[index] = g_malloc (size);
          self->buffer_sizes[index] = size;
        }
    }
  g_mutex_unlock (&self->mutex);

  return index;
}

void
_qr_restore_give_buffer (QrRestore *self,
                         guint8    *buffer)
{
  g_mutex_lock (&self->mutex);
  for (int i = 0; i < N_BUFFERS; i++)
    if (self->buffers[i] == buffer)
      self->buffer_busy[i] = FALSE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
}

static void
wake_waiters_cb (GCancellable *cancellable,
                 QrRestore    *self)
{
  g_mutex_lock (&self->mutex);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
}

void
_qr_restore_send (QrRestore   *self,
                  MessageType  type,
                  guint        item,
                  QrSeries    *series)
{
  Message *message = g_new0 (Message, 1);

  message->type = type;
  message->item = item;
  message->series = series;
  g_async_queue_push (self->queue, message);
}

/* ---- The reader: chunks to verified plaintext. ---- */

/* A chunk passed its HMAC: its plaintext, in @buffer, goes to the
 * extractor, which gives the buffer back once it is unpacked. */
void
_qr_restore_queue_verified (QrRestore *self,
                            guint      index,
                            QrSeries  *series,
                            guint      chunk,
                            int        buffer,
                            gsize      size)
{
  Plan *plan = g_ptr_array_index (self->plans, index);
  Message *message = g_new0 (Message, 1);

  _qr_restore_report_bytes (self, size);
  _qr_restore_report_chunk (self,
                            self->dest_fd >= 0 ? QR_RESTORE_PHASE_WRITING
                                               : QR_RESTORE_PHASE_VERIFYING,
                            plan, series, chunk);

  message->type = MESSAGE_DATA;
  message->item = index;
  message->buffer = self->buffers[buffer];
  message->offset = QR_SCRYPT_HEADER_SIZE;
  message->length = size - QR_SCRYPT_OVERHEAD;
  g_async_queue_push (self->queue, message);
}

GError *
_qr_restore_chunk_error (Plan     *plan,
                         QrSeries *series,
                         guint     chunk,
                         GError   *error)
{
  if (error->domain == QR_ERROR && error->code != QR_ERROR_NEEDS_MEMORY &&
      error->code != QR_ERROR_IO)
    g_prefix_error (&error, _("Qube “%s”, file “%s”, part %u of %u: "),
                    qr_qube_get_name (plan->qube), series->path, chunk + 1, series->chunks->len);
  return error;
}

/* With the passphrase already proven, a header that this key does not
 * match means the chunk was renamed, moved or taken from elsewhere. */
gboolean
_qr_restore_check_chunk_header (QrScryptKey     *key,
                                const guint8    *header,
                                QrScryptParams  *params,
                                GError         **error)
{
  if (!qr_scrypt_params_parse (header, QR_SCRYPT_HEADER_SIZE, params, error))
    return FALSE;

  if (!qr_scrypt_key_check_header (key, params))
    {
      g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                   _("this part does not belong here (it was renamed, reordered or taken from "
                     "another backup): the backup was tampered with or damaged."));
      return FALSE;
    }

  return TRUE;
}

/* Reads a chunk from the backup file a piece at a time, decrypting each
 * piece while the disk reads ahead the next. */
static gboolean
decrypt_chunk (QrRestore              *self,
               const QrArchiveMember  *member,
               QrScryptKey            *key,
               guint8                 *buffer,
               GError                **error)
{
  QrArchive *archive = _qr_backup_get_archive (self->backup);
  g_autoptr(QrScryptDecryptor) decryptor = NULL;
  QrScryptParams params;
  guint64 end = member->size - QR_SCRYPT_MAC_SIZE;

  qr_archive_advise_sequential (archive, member);

  if (!qr_archive_read (archive, member, 0, buffer, QR_SCRYPT_HEADER_SIZE, error) ||
      !_qr_restore_check_chunk_header (key, buffer, &params, error))
    return FALSE;

  decryptor = qr_scrypt_decryptor_new (key, &params);
  for (guint64 pos = QR_SCRYPT_HEADER_SIZE; pos < end; pos += READ_PIECE_SIZE)
    {
      gsize piece = MIN (READ_PIECE_SIZE, end - pos);

      if (g_cancellable_set_error_if_cancelled (self->cancellable, error) ||
          !qr_archive_read (archive, member, pos, buffer + pos, piece, error))
        return FALSE;

      qr_scrypt_decryptor_update (decryptor, buffer + pos, buffer + pos, piece);
    }

  return qr_archive_read (archive, member, end, buffer + end, QR_SCRYPT_MAC_SIZE, error) &&
         qr_scrypt_decryptor_finish (decryptor, buffer + end, error);
}

/* Verifies one chunk and queues its plaintext; FALSE stops the series. */
static gboolean
process_chunk (QrRestore    *self,
               guint         index,
               QrSeries     *series,
               guint         chunk,
               QrKdfRequest *request)
{
  Plan *plan = g_ptr_array_index (self->plans, index);
  const QrArchiveMember *member = g_ptr_array_index (series->chunks, chunk);
  g_autoptr(QrScryptKey) key = NULL;
  g_autoptr(GError) error = NULL;
  int buffer;

  _qr_restore_report_chunk (self, QR_RESTORE_PHASE_DERIVING_KEY, plan, series, chunk);
  key = qr_kdf_request_wait (request, self->cancellable, &error);
  if (key == NULL)
    goto failed;

  if (chunk == 0 && series == g_ptr_array_index (plan->series, 0))
    _qr_restore_report_state (self, index, QR_RESTORE_STATE_RESTORING);

  _qr_restore_report_chunk (self, QR_RESTORE_PHASE_VERIFYING, plan, series, chunk);
  buffer = _qr_restore_take_buffer (self, member->size);
  if (buffer < 0)
    {
      g_cancellable_set_error_if_cancelled (self->cancellable, &error);
      goto failed;
    }

  if (!decrypt_chunk (self, member, key, self->buffers[buffer], &error))
    {
      _qr_restore_give_buffer (self, self->buffers[buffer]);
      goto failed;
    }

  _qr_restore_queue_verified (self, index, series, chunk, buffer, member->size);
  return TRUE;

failed:
  if (_qr_restore_is_fatal (error))
    _qr_restore_set_fatal (self, error);
  _qr_restore_fail_plan (self, index,
                         _qr_restore_chunk_error (plan, series, chunk, g_steal_pointer (&error)));
  return FALSE;
}

static gboolean
should_stop (QrRestore *self,
             Plan      *plan)
{
  return g_atomic_int_get (&plan->failed) || g_cancellable_is_cancelled (self->cancellable);
}

static void
read_item (QrRestore *self,
           guint      index)
{
  Plan *plan = g_ptr_array_index (self->plans, index);
  guint request = 0;

  _qr_restore_send (self, MESSAGE_BEGIN_ITEM, index, NULL);
  _qr_restore_report_state (self, index, QR_RESTORE_STATE_DERIVING_KEY);

  for (guint i = 0; i < plan->series->len && !should_stop (self, plan); i++)
    {
      QrSeries *series = g_ptr_array_index (plan->series, i);

      _qr_restore_send (self, MESSAGE_BEGIN_SERIES, index, series);
      for (guint chunk = 0; chunk < series->chunks->len; chunk++, request++)
        {
          if (should_stop (self, plan) ||
              !process_chunk (self, index, series, chunk,
                              g_ptr_array_index (plan->requests, request)))
            {
              _qr_restore_send (self, MESSAGE_ABORT, index, series);
              break;
            }
        }
      _qr_restore_send (self, MESSAGE_END_SERIES, index, series);
    }

  _qr_restore_send (self, MESSAGE_END_ITEM, index, NULL);
}

/* ---- Planning: what to restore, checked before anything is written. ---- */

static gboolean
folder_name_is_safe (const char *name)
{
  if (name == NULL || name[0] == '\0' || name[0] == '.' || name[0] == '-' || strlen (name) > 64)
    return FALSE;

  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != '.')
      return FALSE;

  return TRUE;
}

GError *
_qr_restore_missing_files_error (Plan *plan)
{
  return g_error_new (QR_ERROR, QR_ERROR_TRUNCATED,
                      _("The backup does not contain the files of qube “%s”, although its list "
                        "of qubes says it should: the backup is incomplete."),
                      qr_qube_get_name (plan->qube));
}

static GError *
check_plan (QrRestore *self,
            Plan      *plan)
{
  struct stat st;

  if (!folder_name_is_safe (plan->folder))
    return g_error_new (QR_ERROR, QR_ERROR_DAMAGED,
                        _("The qube name “%s” is not a safe folder name, so it was not restored."),
                        plan->folder);

  if (plan->series->len == 0 && !self->streaming)
    return _qr_restore_missing_files_error (plan);

  for (guint i = 0; i < plan->series->len; i++)
    {
      QrSeries *series = g_ptr_array_index (plan->series, i);

      if (series->error != NULL)
        return g_error_copy (series->error);
    }

  if (self->dest_fd >= 0 && fstatat (self->dest_fd, plan->folder, &st, AT_SYMLINK_NOFOLLOW) == 0)
    return g_error_new (QR_ERROR, QR_ERROR_EXISTS,
                        _("A folder named “%s” already exists in the destination, so the qube "
                          "was not restored. Choose another destination folder."),
                        plan->folder);

  return NULL;
}

/* Keys need only each chunk's 96-byte header, so every key of the
 * restore is queued now, in archive order, and derived ahead of the data. */
static void
queue_keys (QrRestore *self,
            Plan      *plan)
{
  QrArchive *archive = _qr_backup_get_archive (self->backup);
  QrKdfPool *pool = self->pool ? self->pool : _qr_backup_get_pool (self->backup);
  const char *passphrase = _qr_backup_get_passphrase (self->backup);

  for (guint i = 0; i < plan->series->len && plan->error == NULL; i++)
    {
      QrSeries *series = g_ptr_array_index (plan->series, i);

      for (guint chunk = 0; chunk < series->chunks->len; chunk++)
        {
          const QrArchiveMember *member = g_ptr_array_index (series->chunks, chunk);
          g_autofree char *prefix = _qr_backup_dup_chunk_prefix (self->backup, member);
          guint8 header[QR_SCRYPT_HEADER_SIZE];
          QrScryptParams params;
          GError *error = NULL;

          if (!qr_archive_read (archive, member, 0, header, sizeof header, &error) ||
              !qr_scrypt_params_parse (header, sizeof header, &params, &error))
            {
              plan->error = _qr_restore_chunk_error (plan, series, chunk, error);
              return;
            }

          g_ptr_array_add (plan->requests, qr_kdf_pool_submit (pool, &params, prefix, passphrase));
          g_mutex_lock (&self->mutex);
          self->pending.bytes_total += member->size;
          g_mutex_unlock (&self->mutex);
        }
    }
}

/* What of an inner tar's paths names the qube's folder in the backup:
 * "vm12/" for vm12/private.img, "dom0-home/" for dom0-home/user/... */
static char *
dup_strip_prefix (QrQube *qube)
{
  const char *path = qr_qube_get_backup_path (qube);
  const char *slash;

  if (path == NULL)
    return g_strdup ("");

  if (g_str_has_suffix (path, "/"))
    return g_strdup (path);

  slash = strrchr (path, '/');
  return slash ? g_strndup (path, slash - path + 1) : g_strdup ("");
}

static void
make_plans (QrRestore *self)
{
  for (guint i = 0; i < self->selection->len; i++)
    {
      QrQube *qube = g_ptr_array_index (self->selection, i);
      Plan *plan = g_new0 (Plan, 1);

      plan->qube = g_object_ref (qube);
      plan->folder = g_strdup (qr_qube_is_dom0 (qube) ? "dom0-home" : qr_qube_get_name (qube));
      plan->strip_prefix = dup_strip_prefix (qube);
      plan->series = _qr_backup_list_series (self->backup, qube);
      plan->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) qr_kdf_request_unref);
      plan->files = g_ptr_array_new_with_free_func (g_free);
      plan->error = check_plan (self, plan);
      g_ptr_array_add (self->plans, plan);
    }

  /* From a pipe, keys are derived as chunks arrive, a few ahead. */
  for (guint i = 0; i < self->plans->len && !self->streaming; i++)
    queue_keys (self, g_ptr_array_index (self->plans, i));
}

static gboolean
open_destination (QrRestore  *self,
                  GError    **error)
{
  g_autofree char *path = NULL;

  if (self->destination == NULL)
    return TRUE;

  path = g_file_get_path (self->destination);
  if (path == NULL)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_IO,
                   _("The destination must be a folder on this computer."));
      return FALSE;
    }

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      if (g_mkdir_with_parents (path, 0700) != 0)
        {
          int errsv = errno;

          g_set_error (error, QR_ERROR, qr_error_from_errno (errsv),
                       _("Cannot create the destination folder “%s”: %s."),
                       path, g_strerror (errsv));
          return FALSE;
        }
      self->dest_created = TRUE;
    }

  self->dest_fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (self->dest_fd < 0)
    {
      int errsv = errno;

      g_set_error (error, QR_ERROR, qr_error_from_errno (errsv),
                   _("Cannot open the destination folder “%s”: %s."), path, g_strerror (errsv));
      return FALSE;
    }

  return TRUE;
}

static void
close_destination (QrRestore *self)
{
  g_autofree char *path = NULL;

  if (self->dest_fd < 0)
    return;

  close (self->dest_fd);
  self->dest_fd = -1;

  /* A folder this restore created and left empty goes again. */
  if (self->dest_created)
    {
      path = g_file_get_path (self->destination);
      g_rmdir (path);
    }
}

static GError *
summarize (QrRestore *self)
{
  if (self->fatal_error != NULL)
    return g_error_copy (self->fatal_error);

  for (guint i = 0; i < self->plans->len; i++)
    {
      Plan *plan = g_ptr_array_index (self->plans, i);

      if (plan->error != NULL)
        return g_error_copy (plan->error);
    }

  return NULL;
}

/* Why a qube that was never started will not be: a fatal error of an
 * earlier one, or the user's cancel. */
GError *
_qr_restore_stop_reason (QrRestore *self)
{
  GError *error = NULL;

  g_mutex_lock (&self->mutex);
  if (self->fatal_error != NULL)
    error = g_error_copy (self->fatal_error);
  g_mutex_unlock (&self->mutex);

  if (error == NULL)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The restore was cancelled."));

  return error;
}

static void
read_items (QrRestore *self)
{
  for (guint i = 0; i < self->plans->len; i++)
    {
      Plan *plan = g_ptr_array_index (self->plans, i);

      if (plan->error != NULL || g_cancellable_is_cancelled (self->cancellable))
        {
          _qr_restore_fail_plan (self, i, _qr_restore_stop_reason (self));
          _qr_restore_report_state (self, i, QR_RESTORE_STATE_FAILED);
          continue;
        }

      read_item (self, i);
    }
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  QrRestore *self = source_object;
  g_autoptr(GThread) extractor = NULL;
  GError *error = NULL;
  gulong handler;

  self->streaming = qr_archive_is_streaming (_qr_backup_get_archive (self->backup));
  if (!_qr_backup_claim_stream (self->backup, &error) || !open_destination (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  handler = g_cancellable_connect (self->cancellable, G_CALLBACK (wake_waiters_cb), self, NULL);
  make_plans (self);
  extractor = g_thread_new ("qr-extract", _qr_restore_extractor_thread, self);

  if (self->streaming)
    _qr_restore_read_stream (self);
  else
    read_items (self);

  _qr_restore_send (self, MESSAGE_QUIT, 0, NULL);
  g_thread_join (g_steal_pointer (&extractor));
  g_cancellable_disconnect (self->cancellable, handler);
  close_destination (self);

  if ((error = summarize (self)) != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_outer_cancelled_cb (GCancellable *cancellable,
                       QrRestore    *self)
{
  g_cancellable_cancel (self->cancellable);
}

static void
disconnect_outer (QrRestore *self)
{
  if (self->outer_cancellable != NULL)
    g_cancellable_disconnect (self->outer_cancellable, self->outer_handler);
  self->outer_handler = 0;
  g_clear_object (&self->outer_cancellable);
}

static void
run_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  QrRestore *self = QR_RESTORE (object);
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  /* The last progress and item states are published before the caller
   * hears that the run ended. */
  disconnect_outer (self);
  publish (self);
  self->published.phase = QR_RESTORE_PHASE_FINISHED;
  g_object_notify_by_pspec (object, properties[PROP_PHASE]);

  if (g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}


/* By default every qube whose files are in the backup is restored. */
static void
select_default (QrRestore *self)
{
  GListModel *qubes = qr_backup_get_qubes (self->backup);
  guint n = g_list_model_get_n_items (qubes);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrQube) qube = g_list_model_get_item (qubes, i);

      if (qr_qube_get_included (qube) && qr_qube_get_present (qube))
        g_ptr_array_add (self->selection, g_object_ref (qube));
    }
}

static guint64
archive_position (QrRestore *self,
                  QrQube    *qube)
{
  g_autoptr(GPtrArray) series = _qr_backup_list_series (self->backup, qube);
  QrSeries *first;

  if (series->len == 0)
    return 0;

  first = g_ptr_array_index (series, 0);
  if (first->chunks->len == 0)
    return 0;

  return ((const QrArchiveMember *) g_ptr_array_index (first->chunks, 0))->offset;
}

static int
compare_position (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  guint64 pa = archive_position (user_data, *(QrQube **) a);
  guint64 pb = archive_position (user_data, *(QrQube **) b);

  return pa < pb ? -1 : pa > pb;
}

/* Qubes are restored in the order their data lies in the backup, so the
 * disk holding it is read front to back. */
static void
create_items (QrRestore *self)
{
  g_ptr_array_sort_with_data (self->selection, compare_position, self);

  for (guint i = 0; i < self->selection->len; i++)
    {
      g_autoptr(QrRestoreItem) item = qr_restore_item_new (g_ptr_array_index (self->selection, i));

      g_list_store_append (self->items, item);
    }
}

static void
qr_restore_dispose (GObject *object)
{
  QrRestore *self = (QrRestore *) object;

  g_cancellable_cancel (self->cancellable);
  disconnect_outer (self);

  G_OBJECT_CLASS (qr_restore_parent_class)->dispose (object);
}

static void
qr_restore_finalize (GObject *object)
{
  QrRestore *self = (QrRestore *) object;

  for (guint i = 0; i < N_BUFFERS; i++)
    g_free (self->buffers[i]);

  g_clear_object (&self->backup);
  g_clear_object (&self->destination);
  g_clear_object (&self->pool);
  g_clear_object (&self->items);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->selection, g_ptr_array_unref);
  g_clear_pointer (&self->plans, g_ptr_array_unref);
  g_clear_pointer (&self->stream_series, g_ptr_array_unref);
  g_clear_pointer (&self->queue, g_async_queue_unref);
  g_clear_pointer (&self->pending_states, g_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_error (&self->fatal_error);
  progress_clear (&self->pending);
  progress_clear (&self->published);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (qr_restore_parent_class)->finalize (object);
}

static void
qr_restore_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  QrRestore *self = QR_RESTORE (object);

  switch (prop_id)
    {
    case PROP_BACKUP:
      g_value_set_object (value, self->backup);
      break;

    case PROP_DESTINATION:
      g_value_set_object (value, self->destination);
      break;

    case PROP_VERIFY_ONLY:
      g_value_set_boolean (value, qr_restore_get_verify_only (self));
      break;

    case PROP_PHASE:
      g_value_set_int (value, self->published.phase);
      break;

    case PROP_FRACTION:
      g_value_set_double (value, qr_restore_get_fraction (self));
      break;

    case PROP_BYTES_DONE:
      g_value_set_uint64 (value, self->published.bytes_done);
      break;

    case PROP_BYTES_TOTAL:
      g_value_set_uint64 (value, self->published.bytes_total);
      break;

    case PROP_RATE:
      g_value_set_double (value, self->rate);
      break;

    case PROP_CURRENT_QUBE:
      g_value_set_string (value, self->published.qube);
      break;

    case PROP_CURRENT_FILE:
      g_value_set_string (value, self->published.file);
      break;

    case PROP_CHUNK:
      g_value_set_uint (value, self->published.chunk);
      break;

    case PROP_N_CHUNKS:
      g_value_set_uint (value, self->published.n_chunks);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qr_restore_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  QrRestore *self = QR_RESTORE (object);

  switch (prop_id)
    {
    case PROP_BACKUP:
      self->backup = g_value_dup_object (value);
      break;

    case PROP_DESTINATION:
      self->destination = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qr_restore_class_init (QrRestoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags read_only = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = qr_restore_dispose;
  object_class->finalize = qr_restore_finalize;
  object_class->get_property = qr_restore_get_property;
  object_class->set_property = qr_restore_set_property;

  properties[PROP_BACKUP] =
    g_param_spec_object ("backup", NULL, NULL,
                         QR_TYPE_BACKUP,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  properties[PROP_DESTINATION] =
    g_param_spec_object ("destination", NULL, NULL,
                         G_TYPE_FILE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  properties[PROP_VERIFY_ONLY] =
    g_param_spec_boolean ("verify-only", NULL, NULL, FALSE, read_only);

  properties[PROP_PHASE] =
    g_param_spec_int ("phase", NULL, NULL,
                      QR_RESTORE_PHASE_IDLE, QR_RESTORE_PHASE_FINISHED, QR_RESTORE_PHASE_IDLE,
                      read_only);

  properties[PROP_FRACTION] =
    g_param_spec_double ("fraction", NULL, NULL, 0.0, 1.0, 0.0, read_only);

  properties[PROP_BYTES_DONE] =
    g_param_spec_uint64 ("bytes-done", NULL, NULL, 0, G_MAXUINT64, 0, read_only);

  properties[PROP_BYTES_TOTAL] =
    g_param_spec_uint64 ("bytes-total", NULL, NULL, 0, G_MAXUINT64, 0, read_only);

  properties[PROP_RATE] =
    g_param_spec_double ("rate", NULL, NULL, 0.0, G_MAXDOUBLE, 0.0, read_only);

  properties[PROP_CURRENT_QUBE] =
    g_param_spec_string ("current-qube", NULL, NULL, NULL, read_only);

  properties[PROP_CURRENT_FILE] =
    g_param_spec_string ("current-file", NULL, NULL, NULL, read_only);

  properties[PROP_CHUNK] =
    g_param_spec_uint ("chunk", NULL, NULL, 0, G_MAXUINT, 0, read_only);

  properties[PROP_N_CHUNKS] =
    g_param_spec_uint ("n-chunks", NULL, NULL, 0, G_MAXUINT, 0, read_only);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * QrRestore::progress:
   *
   * Emitted on the caller's main context after the progress properties
   * and item states were updated.
   */
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
qr_restore_init (QrRestore *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->dest_fd = -1;
  self->items = g_list_store_new (QR_TYPE_RESTORE_ITEM);
  self->selection = g_ptr_array_new_with_free_func (g_object_unref);
  self->plans = g_ptr_array_new_with_free_func ((GDestroyNotify) plan_free);
  self->queue = g_async_queue_new ();
  self->pending_states = g_array_new (FALSE, FALSE, sizeof (StateChange));
  self->cancellable = g_cancellable_new ();
}

QrRestore *
qr_restore_new (QrBackup *backup,
                GFile    *destination)
{
  g_return_val_if_fail (QR_IS_BACKUP (backup), NULL);
  g_return_val_if_fail (!destination || G_IS_FILE (destination), NULL);

  return g_object_new (QR_TYPE_RESTORE,
                       "backup", backup,
                       "destination", destination,
                       NULL);
}

QrBackup *
qr_restore_get_backup (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), NULL);

  return self->backup;
}

GFile *
qr_restore_get_destination (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), NULL);

  return self->destination;
}

gboolean
qr_restore_get_verify_only (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), FALSE);

  return self->destination == NULL;
}

void
qr_restore_set_kdf_pool (QrRestore *self,
                         QrKdfPool *pool)
{
  g_return_if_fail (QR_IS_RESTORE (self));
  g_return_if_fail (!pool || QR_IS_KDF_POOL (pool));
  g_return_if_fail (!self->started);

  g_set_object (&self->pool, pool);
}

void
qr_restore_select (QrRestore *self,
                   QrQube    *qube)
{
  g_return_if_fail (QR_IS_RESTORE (self));
  g_return_if_fail (QR_IS_QUBE (qube));
  g_return_if_fail (!self->started);

  for (guint i = 0; i < self->selection->len; i++)
    if (g_ptr_array_index (self->selection, i) == qube)
      return;

  g_ptr_array_add (self->selection, g_object_ref (qube));
}

GListModel *
qr_restore_get_items (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), NULL);

  return G_LIST_MODEL (self->items);
}

void
qr_restore_run_async (QrRestore           *self,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) worker = NULL;

  g_return_if_fail (QR_IS_RESTORE (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (!self->started);
  g_return_if_fail (qr_backup_get_unlocked (self->backup));

  self->started = TRUE;
  self->context = g_main_context_ref_thread_default ();

  if (self->selection->len == 0)
    select_default (self);
  create_items (self);

  /* The worker's own cancellable is cancelled by the caller's, and also
   * by a fatal error, which must stop every stage. */
  if (cancellable != NULL)
    {
      self->outer_cancellable = g_object_ref (cancellable);
      self->outer_handler = g_cancellable_connect (cancellable,
                                                   G_CALLBACK (on_outer_cancelled_cb),
                                                   self, NULL);
    }

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qr_restore_run_async);

  worker = g_task_new (self, NULL, run_done_cb, g_steal_pointer (&task));
  g_task_set_return_on_cancel (worker, FALSE);
  g_task_run_in_thread (worker, run_thread);
}

gboolean
qr_restore_run_finish (QrRestore     *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

QrRestorePhase
qr_restore_get_phase (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), QR_RESTORE_PHASE_IDLE);

  return self->published.phase;
}

double
qr_restore_get_fraction (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), 0.0);

  if (self->published.bytes_total == 0)
    return 0.0;

  return MIN (1.0, (double) self->published.bytes_done / self->published.bytes_total);
}

guint64
qr_restore_get_bytes_done (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), 0);

  return self->published.bytes_done;
}

guint64
qr_restore_get_bytes_total (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), 0);

  return self->published.bytes_total;
}

double
qr_restore_get_rate (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), 0.0);

  return self->rate;
}

const char *
qr_restore_get_current_qube (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), NULL);

  return self->published.qube;
}

const char *
qr_restore_get_current_file (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), NULL);

  return self->published.file;
}

guint
qr_restore_get_chunk (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), 0);

  return self->published.chunk;
}

guint
qr_restore_get_n_chunks (QrRestore *self)
{
  g_return_val_if_fail (QR_IS_RESTORE (self), 0);

  return self->published.n_chunks;
}
