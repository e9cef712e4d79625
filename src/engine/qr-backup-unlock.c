/* qr-backup-unlock.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qr-backup-private.h"
#include "qr-error.h"

/* Unlocking an open backup: the passphrase is checked and the list of
 * qubes read in a worker thread, by the reader of the backup's format
 * (qr-backup-scrypt.c, qr-backup-hmac.c), touching nothing of the backup;
 * what it found is applied on the thread that owns the backup. */

/* Why a member the unlock needs is not there: the disk could not read
 * it, the pipe brought it too late, or the file lacks it. */
void
_qr_backup_set_missing_error (QrArchive   *archive,
                              const char  *name,
                              GError     **error)
{
  guint n = qr_archive_get_n_damages (archive);

  for (guint i = 0; i < n; i++)
    {
      const QrArchiveDamage *damage = qr_archive_get_damage (archive, i);

      if (damage->kind == QR_ARCHIVE_DAMAGE_UNREADABLE)
        {
          g_set_error (error, QR_ERROR, QR_ERROR_IO,
                       _("The backup lacks “%s”: bytes %llu to %llu of the file cannot be "
                         "read."),
                       name, (unsigned long long) damage->start,
                       (unsigned long long) damage->end);
          return;
        }
    }

  if (qr_archive_is_streaming (archive))
    g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                 _("The backup's parts are not in the order the backup tool writes them: "
                   "“%s” is not among its first parts. The backup was damaged, or save it "
                   "to a file first."),
                 name);
  else
    g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                 _("The backup lacks “%s”: it is damaged or incomplete."), name);
}

/* What an unlock found, applied on the thread that owns the backup. */
typedef struct
{
  GPtrArray *qubes;
  QrKdfPool *pool;
  char      *passphrase;
  /* A backup without a header: the one its proven start makes. */
  QrHeader  *header;
} Unlocked;

static void
unlocked_free (Unlocked *unlocked)
{
  g_clear_pointer (&unlocked->qubes, g_ptr_array_unref);
  g_clear_pointer (&unlocked->header, qr_header_free);
  g_clear_object (&unlocked->pool);
  g_clear_pointer (&unlocked->passphrase, qr_secure_free);
  g_free (unlocked);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Unlocked, unlocked_free)

static void
apply_unlocked (QrBackup *self,
                Unlocked *unlocked)
{
  GPtrArray *qubes = unlocked->qubes;

  for (guint i = 0; i < qubes->len; i++)
    {
      QrQube *qube = g_ptr_array_index (qubes, i);
      g_autoptr(GPtrArray) series = qr_ledger_list_series (self->ledger, qube);

      /* From a pipe, what is in the backup is known only once read. */
      qr_qube_set_present (qube, qr_qube_get_included (qube) &&
                                 (series->len > 0 ||
                                  qr_archive_is_streaming (self->archive)));
    }

  g_list_store_splice (self->qubes, 0, 0, qubes->pdata, qubes->len);
  qr_ledger_set_qubes (self->ledger, G_LIST_MODEL (self->qubes));
  if (unlocked->header != NULL)
    {
      qr_header_free (self->header);
      self->header = g_steal_pointer (&unlocked->header);
    }
  g_set_object (&self->pool, unlocked->pool);
  self->passphrase = g_steal_pointer (&unlocked->passphrase);
  self->unlocked = TRUE;
}

/* Formats 2 and 3: the passphrase is the key of every HMAC. */
static Unlocked *
unlock_hmac (QrBackup      *self,
             const char    *passphrase,
             QrKdfPool     *pool,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(Unlocked) unlocked = g_new0 (Unlocked, 1);
  g_autoptr(QrHeader) header = NULL;

  if (self->header_bytes != NULL)
    header = _qr_backup_hmac_check_header (self->archive, self->header_bytes, self->header,
                                           passphrase, error)
             ? qr_header_copy (self->header) : NULL;
  else
    header = _qr_backup_hmac_find_headerless (self->archive, passphrase, error);

  if (header == NULL)
    return NULL;

  unlocked->qubes = _qr_backup_hmac_read_qubes (self->archive, self->ledger, header, passphrase,
                                                cancellable, error);
  if (unlocked->qubes == NULL)
    return NULL;

  /* No keys to derive; a restore still asks the pool its size. */
  unlocked->pool = pool ? g_object_ref (pool) : qr_kdf_pool_new (0, 0);
  unlocked->header = g_steal_pointer (&header);
  unlocked->passphrase = qr_secure_strdup (passphrase);
  return g_steal_pointer (&unlocked);
}

/* Format 4: the passphrase and the header are proven by the header's
 * scrypt container, the list of qubes by its own. */
static Unlocked *
unlock_scrypt (QrBackup      *self,
               const char    *passphrase,
               QrKdfPool     *pool,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autoptr(Unlocked) unlocked = g_new0 (Unlocked, 1);

  /* The pool that unlocked the backup also derives the restore's keys. */
  unlocked->pool = pool ? g_object_ref (pool) : qr_kdf_pool_new (0, 0);
  unlocked->qubes = _qr_backup_scrypt_read_qubes (self->archive, self->header, self->header_bytes,
                                                  unlocked->pool, passphrase, cancellable, error);
  if (unlocked->qubes == NULL)
    return NULL;

  unlocked->passphrase = qr_secure_strdup (passphrase);
  return g_steal_pointer (&unlocked);
}

/* Checks the passphrase and reads the list of qubes, touching nothing of
 * the backup that another thread could see. */
static Unlocked *
unlock_in_thread (QrBackup      *self,
                  const char    *passphrase,
                  QrKdfPool     *pool,
                  GCancellable  *cancellable,
                  GError       **error)
{
  if (self->header->version == 4)
    return unlock_scrypt (self, passphrase, pool, cancellable, error);

  return unlock_hmac (self, passphrase, pool, cancellable, error);
}

gboolean
qr_backup_unlock (QrBackup      *self,
                  const char    *passphrase,
                  QrKdfPool     *pool,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(Unlocked) unlocked = NULL;

  g_return_val_if_fail (QR_IS_BACKUP (self), FALSE);
  g_return_val_if_fail (passphrase != NULL, FALSE);
  g_return_val_if_fail (!pool || QR_IS_KDF_POOL (pool), FALSE);
  g_return_val_if_fail (!self->unlocked, FALSE);

  unlocked = unlock_in_thread (self, passphrase, pool ? pool : self->pool, cancellable, error);
  if (unlocked == NULL)
    return FALSE;

  apply_unlocked (self, unlocked);
  _qr_backup_notify_unlocked (self);
  return TRUE;
}

typedef struct
{
  char         *passphrase;
  QrKdfPool    *pool;
} UnlockData;

static void
unlock_data_free (UnlockData *data)
{
  g_clear_pointer (&data->passphrase, qr_secure_free);
  g_clear_object (&data->pool);
  g_free (data);
}

static void
unlock_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  UnlockData *data = task_data;
  GError *error = NULL;
  Unlocked *unlocked;

  unlocked = unlock_in_thread (source_object, data->passphrase, data->pool, cancellable, &error);
  if (unlocked != NULL)
    g_task_return_pointer (task, unlocked, (GDestroyNotify) unlocked_free);
  else
    g_task_return_error (task, error);
}

static void
unlock_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  QrBackup *self = QR_BACKUP (object);
  g_autoptr(GTask) task = user_data;
  g_autoptr(Unlocked) unlocked = NULL;
  GError *error = NULL;

  /* The list of qubes and "unlocked" change on the caller's main context,
   * where its list models are watched. */
  unlocked = g_task_propagate_pointer (G_TASK (result), &error);
  if (unlocked == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  apply_unlocked (self, unlocked);
  _qr_backup_notify_unlocked (self);
  g_task_return_boolean (task, TRUE);
}

void
qr_backup_unlock_async (QrBackup            *self,
                        const char          *passphrase,
                        QrKdfPool           *pool,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) worker = NULL;
  UnlockData *data;

  g_return_if_fail (QR_IS_BACKUP (self));
  g_return_if_fail (passphrase != NULL);
  g_return_if_fail (!pool || QR_IS_KDF_POOL (pool));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qr_backup_unlock_async);

  data = g_new0 (UnlockData, 1);
  data->passphrase = qr_secure_strdup (passphrase);
  data->pool = pool ? g_object_ref (pool) : self->pool ? g_object_ref (self->pool) : NULL;

  worker = g_task_new (self, cancellable, unlock_done_cb, g_steal_pointer (&task));
  g_task_set_task_data (worker, data, (GDestroyNotify) unlock_data_free);
  g_task_run_in_thread (worker, unlock_thread);
}

gboolean
qr_backup_unlock_finish (QrBackup      *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
