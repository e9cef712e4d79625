/* qr-backup.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qr-backup-private.h"
#include "qr-error.h"
#include "qr-restore-codec-scrypt.h"
#include "qr-restore-codec-stream.h"
#include "qr-restore-codec-volumes.h"

#define QUBES_XML_MEMBER   "qubes.xml.000.enc"
#define QUBES_XML_CHUNK    "qubes.xml.000"

struct _QrBackup
{
  GObject     parent_instance;

  GFile      *file;
  /* A backup file (formats 2 to 4), or the folder of format 1. */
  QrArchive  *archive;
  int         folder_fd;
  /* Read when opened; a backup without one (R2-Beta3, format 1) has the
   * header it would have had. Before the unlock, R2-Beta3's is a guess
   * from unproven bytes. */
  QrHeader   *header;
  GBytes     *header_bytes;

  /* What the backup must hold, and what of it is missing. */
  QrLedger   *ledger;

  /* Set by a successful unlock, on the thread that owns the object (for
   * the async unlock, the main context that called it). */
  GListStore *qubes;
  QrKdfPool  *pool;
  char       *passphrase;
  gboolean    unlocked;

  /* A backup read from a pipe can be restored once; atomic. */
  gint        stream_claimed;
};

G_DEFINE_FINAL_TYPE (QrBackup, qr_backup, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FILE,
  PROP_UNLOCKED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* A backup file begins with its header; R2-Beta3's began with its list
 * of qubes, and its first bytes tell, unproven, what it is. */
static gboolean
read_headerless (QrBackup               *self,
                 const QrArchiveMember  *first,
                 GError                **error)
{
  guint8 start[16];
  gsize len = MIN (first->size, sizeof start);

  if (!qr_archive_read (self->archive, first, 0, start, len, error))
    return FALSE;

  self->header = qr_header_new_headerless (start, len, "SHA1");
  return TRUE;
}

static gboolean
read_header_member (QrBackup               *self,
                    const QrArchiveMember  *first,
                    GError                **error)
{
  gsize len;
  const guint8 *data;

  self->header_bytes = qr_archive_read_member (self->archive, first, QR_HEADER_MAX_SIZE, error);
  if (self->header_bytes == NULL)
    return FALSE;

  data = g_bytes_get_data (self->header_bytes, &len);
  self->header = qr_header_parse (data, len, error);
  return self->header != NULL;
}

static gboolean
check_version (QrBackup  *self,
               GError   **error)
{
  /* A pipe is read once, and the unlock of formats 2 and 3 reads more of
   * it than is kept. */
  if (self->header->version < 4 && qr_archive_is_streaming (self->archive))
    {
      g_set_error (error, QR_ERROR, QR_ERROR_UNSUPPORTED_VERSION,
                   _("This backup was made by Qubes OS 3.2 or older (format version %u), which "
                     "cannot be read from a pipe. Save it to a file first, then open that file."),
                   self->header->version);
      return FALSE;
    }

  if (self->header->version == 4 &&
      (!self->header->encrypted || g_strcmp0 (self->header->hmac_algorithm, "scrypt") != 0))
    {
      g_set_error (error, QR_ERROR, QR_ERROR_UNSUPPORTED_VERSION,
                   _("This backup uses a kind of protection (%s) that this program cannot check."),
                   self->header->hmac_algorithm);
      return FALSE;
    }

  return TRUE;
}

static gboolean
read_header (QrBackup  *self,
             GError   **error)
{
  const QrArchiveMember *first = qr_archive_get_member (self->archive, 0);

  if (g_str_equal (first->name, QR_BACKUP_HEADER_MEMBER) && first->size <= QR_HEADER_MAX_SIZE)
    {
      if (!read_header_member (self, first, error))
        return FALSE;
    }
  else if (g_str_equal (first->name, QR_HEADER_HEADERLESS_FIRST_MEMBER))
    {
      if (!read_headerless (self, first, error))
        return FALSE;
    }
  /* Parts of a backup after a damaged start: a backup, but damaged. */
  else if (qr_archive_get_n_damages (self->archive) > 0 &&
           qr_archive_get_damage (self->archive, 0)->start == 0 &&
           (qr_archive_lookup (self->archive, QUBES_XML_MEMBER) != NULL ||
            qr_archive_lookup (self->archive, QUBES_XML_CHUNK) != NULL))
    {
      g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                   _("The start of the backup file is damaged: its header cannot be read."));
      return FALSE;
    }
  else
    {
      g_set_error (error, QR_ERROR, QR_ERROR_NOT_A_BACKUP,
                   _("This file is not a Qubes OS backup: it does not begin with a backup "
                     "header."));
      return FALSE;
    }

  return check_version (self, error);
}

static void
qr_backup_finalize (GObject *object)
{
  QrBackup *self = (QrBackup *) object;

  g_clear_object (&self->file);
  g_clear_object (&self->archive);
  g_clear_object (&self->qubes);
  g_clear_object (&self->pool);
  g_clear_pointer (&self->header, qr_header_free);
  g_clear_pointer (&self->header_bytes, g_bytes_unref);
  g_clear_object (&self->ledger);
  g_clear_pointer (&self->passphrase, qr_secure_free);
  if (self->folder_fd >= 0)
    close (self->folder_fd);

  G_OBJECT_CLASS (qr_backup_parent_class)->finalize (object);
}

static void
qr_backup_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  QrBackup *self = QR_BACKUP (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;

    case PROP_UNLOCKED:
      g_value_set_boolean (value, self->unlocked);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qr_backup_class_init (QrBackupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qr_backup_finalize;
  object_class->get_property = qr_backup_get_property;

  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL,
                         G_TYPE_FILE,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  properties[PROP_UNLOCKED] =
    g_param_spec_boolean ("unlocked", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
qr_backup_init (QrBackup *self)
{
  self->qubes = g_list_store_new (QR_TYPE_QUBE);
  self->folder_fd = -1;
}

/* Format 1 needs no passphrase: its list of qubes is read at once, and
 * what each qube's folder holds. */
static gboolean
open_folder (QrBackup      *self,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GPtrArray) qubes = NULL;

  self->folder_fd = _qr_backup_folder_open (self->file, error);
  if (self->folder_fd < 0)
    return FALSE;

  qubes = _qr_backup_folder_read_qubes (self->folder_fd, error);
  if (qubes == NULL)
    return FALSE;

  self->ledger = _qr_backup_folder_new_ledger (self->folder_fd, qubes, cancellable, error);
  if (self->ledger == NULL)
    return FALSE;

  self->header = g_new0 (QrHeader, 1);
  self->header->version = 1;

  /* qubes.xml says nothing of sizes: the copies themselves do. */
  for (guint i = 0; i < qubes->len; i++)
    {
      QrQube *qube = g_ptr_array_index (qubes, i);
      g_autoptr(GPtrArray) series = qr_ledger_list_series (self->ledger, qube);
      guint64 size = 0;

      for (guint j = 0; j < series->len; j++)
        size += ((QrSeries *) g_ptr_array_index (series, j))->stored_size;

      qr_qube_set_present (qube, qr_qube_get_included (qube) && series->len > 0);
      qr_qube_set_backup_size (qube, size);
    }

  g_list_store_splice (self->qubes, 0, 0, qubes->pdata, qubes->len);
  qr_ledger_set_qubes (self->ledger, G_LIST_MODEL (self->qubes));
  /* No keys to derive; a restore still asks the pool its size. */
  self->pool = qr_kdf_pool_new (0, 0);
  self->unlocked = TRUE;
  return TRUE;
}

static gboolean
open_file (QrBackup      *self,
           GCancellable  *cancellable,
           GError       **error)
{
  self->archive = qr_archive_open (self->file, cancellable, error);
  if (self->archive == NULL || !read_header (self, error))
    return FALSE;

  self->ledger = qr_ledger_new (self->archive, self->header->version == 4
                                               ? QR_LEDGER_NAMING_SCRYPT
                                               : QR_LEDGER_NAMING_HMAC);
  return TRUE;
}

/**
 * qr_backup_open:
 * @file: a backup file, or the folder of a format 1 backup (or the
 *   qubes.xml in that folder)
 *
 * Returns: the backup, or %NULL with @error set
 */
QrBackup *
qr_backup_open (GFile         *file,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autoptr(QrBackup) self = NULL;
  gboolean ok;

  g_return_val_if_fail (G_IS_FILE (file), NULL);

  self = g_object_new (QR_TYPE_BACKUP, NULL);
  self->file = g_object_ref (file);

  if (_qr_backup_folder_is_candidate (file, cancellable))
    ok = open_folder (self, cancellable, error);
  else
    ok = open_file (self, cancellable, error);

  return ok ? g_steal_pointer (&self) : NULL;
}

static void
open_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  QrBackup *backup = qr_backup_open (task_data, cancellable, &error);

  if (backup == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, backup, g_object_unref);
}

void
qr_backup_open_async (GFile               *file,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, qr_backup_open_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, open_thread);
}

QrBackup *
qr_backup_open_finish (GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

GFile *
qr_backup_get_file (QrBackup *self)
{
  g_return_val_if_fail (QR_IS_BACKUP (self), NULL);

  return self->file;
}

const QrHeader *
qr_backup_get_header (QrBackup *self)
{
  g_return_val_if_fail (QR_IS_BACKUP (self), NULL);

  return self->header;
}

/**
 * qr_backup_get_version:
 *
 * Returns: the backup's format: 1 (Qubes R1, R2-Beta1 and 2), 2 (R2),
 *   3 (R2 updates to R3.2) or 4 (R4.0 and later)
 */
guint
qr_backup_get_version (QrBackup *self)
{
  g_return_val_if_fail (QR_IS_BACKUP (self), 0);

  return self->header->version;
}

/**
 * qr_backup_get_size:
 *
 * Returns: the size of the backup file, or the bytes the files of a
 *   format 1 backup take; 0 for a pipe
 */
guint64
qr_backup_get_size (QrBackup *self)
{
  guint64 total = 0;
  guint n;

  g_return_val_if_fail (QR_IS_BACKUP (self), 0);

  if (self->archive != NULL)
    return qr_archive_get_size (self->archive);

  n = qr_ledger_get_n_series (self->ledger);
  for (guint i = 0; i < n; i++)
    total += qr_ledger_get_series (self->ledger, i)->stored_size;

  return total;
}

/* Whether the backup is read from a pipe, once, front to back. */
gboolean
qr_backup_is_streaming (QrBackup *self)
{
  g_return_val_if_fail (QR_IS_BACKUP (self), FALSE);

  return self->archive != NULL && qr_archive_is_streaming (self->archive);
}

gboolean
qr_backup_get_unlocked (QrBackup *self)
{
  g_return_val_if_fail (QR_IS_BACKUP (self), FALSE);

  return self->unlocked;
}

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
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNLOCKED]);
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
  g_object_notify_by_pspec (object, properties[PROP_UNLOCKED]);
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

GListModel *
qr_backup_get_qubes (QrBackup *self)
{
  g_return_val_if_fail (QR_IS_BACKUP (self), NULL);

  return G_LIST_MODEL (self->qubes);
}

QrQube *
qr_backup_lookup_qube (QrBackup   *self,
                       const char *name)
{
  guint n;

  g_return_val_if_fail (QR_IS_BACKUP (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->qubes));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrQube) qube = g_list_model_get_item (G_LIST_MODEL (self->qubes), i);

      if (g_str_equal (qr_qube_get_name (qube), name))
        return qube;
    }

  return NULL;
}

/**
 * qr_backup_get_stored_size:
 *
 * The bytes the qube's parts take in the backup file: its compressed and
 * encrypted data, a lower bound of what restoring it writes. 0 when the
 * backup is read from a pipe, where nothing is known before it is read.
 */
guint64
qr_backup_get_stored_size (QrBackup *self,
                           QrQube   *qube)
{
  g_autoptr(GPtrArray) series = NULL;
  guint64 total = 0;

  g_return_val_if_fail (QR_IS_BACKUP (self), 0);
  g_return_val_if_fail (QR_IS_QUBE (qube), 0);

  series = qr_ledger_list_series (self->ledger, qube);
  for (guint i = 0; i < series->len; i++)
    total += ((QrSeries *) g_ptr_array_index (series, i))->stored_size;

  return total;
}

/**
 * qr_backup_dup_problems:
 *
 * What is known, before any data is read, to be missing of the qube's
 * files. From a pipe, only what came before the list of qubes is known.
 *
 * Returns: (transfer full) (element-type GError): the problems, empty when
 *   nothing is known to be missing
 */
GPtrArray *
qr_backup_dup_problems (QrBackup *self,
                        QrQube   *qube)
{
  g_return_val_if_fail (QR_IS_BACKUP (self), NULL);
  g_return_val_if_fail (QR_IS_QUBE (qube), NULL);

  if (qr_backup_is_streaming (self))
    return g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);

  return qr_ledger_dup_problems (self->ledger, qube);
}

/**
 * qr_backup_dup_damage_notes:
 *
 * Returns: (transfer full) (element-type utf8): every damaged stretch of
 *   the backup file, in plain words
 */
GPtrArray *
qr_backup_dup_damage_notes (QrBackup *self)
{
  g_return_val_if_fail (QR_IS_BACKUP (self), NULL);

  return qr_ledger_dup_damage_notes (self->ledger);
}

/* "20230405T123455-1234" becomes "2023-04-05"; a backup-id of another
 * shape falls back to the file's modification date. */
char *
qr_backup_dup_date_string (QrBackup *self)
{
  const char *id;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GDateTime) modified = NULL;

  g_return_val_if_fail (QR_IS_BACKUP (self), NULL);

  id = self->header->backup_id;
  if (id != NULL && strlen (id) >= 8)
    {
      gboolean digits = TRUE;

      for (guint i = 0; i < 8; i++)
        digits = digits && g_ascii_isdigit (id[i]);

      if (digits)
        return g_strdup_printf ("%.4s-%.2s-%.2s", id, id + 4, id + 6);
    }

  info = g_file_query_info (self->file, G_FILE_ATTRIBUTE_TIME_MODIFIED,
                            G_FILE_QUERY_INFO_NONE, NULL, NULL);
  if (info != NULL && (modified = g_file_info_get_modification_date_time (info)) != NULL)
    return g_date_time_format (modified, "%Y-%m-%d");

  return NULL;
}

QrArchive *
_qr_backup_get_archive (QrBackup *self)
{
  return self->archive;
}

QrLedger *
_qr_backup_get_ledger (QrBackup *self)
{
  return self->ledger;
}

QrKdfPool *
_qr_backup_get_pool (QrBackup *self)
{
  return self->pool;
}

const char *
_qr_backup_get_passphrase (QrBackup *self)
{
  return self->passphrase;
}

/* A pipe can be read only once: the first restore of it claims it. */
gboolean
_qr_backup_claim_stream (QrBackup  *self,
                         GError   **error)
{
  if (!qr_backup_is_streaming (self))
    return TRUE;

  if (!g_atomic_int_compare_and_exchange (&self->stream_claimed, FALSE, TRUE))
    {
      g_set_error (error, QR_ERROR, QR_ERROR_FAILED,
                   _("This backup was read from a pipe, which can be read only once. "
                     "Send it again, or save it to a file first."));
      return FALSE;
    }

  return TRUE;
}

char *
_qr_backup_dup_chunk_prefix (QrBackup              *self,
                             const QrArchiveMember *chunk)
{
  return qr_restore_codec_scrypt_dup_prefix (self->header->backup_id, chunk);
}

/* The codec of the backup's format, for a restore whose keys (format 4)
 * @pool derives. */
QrRestoreCodec *
_qr_backup_new_codec (QrBackup  *self,
                      QrKdfPool *pool)
{
  g_return_val_if_fail (self->unlocked && self->archive != NULL, NULL);

  switch (self->header->version)
    {
    case 2:
      return qr_restore_codec_volumes_new (self->header, self->passphrase);
    case 3:
      return qr_restore_codec_stream_new (self->header, self->passphrase);
    case 4:
    default:
      return qr_restore_codec_scrypt_new (self->header->backup_id, self->passphrase, pool);
    }
}

/* The compression the extractor undoes: formats 3 and 4 compressed whole
 * files, format 2 each part (its codec undoes that), format 1 nothing. */
const char *
_qr_backup_get_stream_filter (QrBackup *self)
{
  if (self->header->version < 3 || !self->header->compressed)
    return NULL;

  return self->header->compression_filter;
}

int
_qr_backup_get_folder_fd (QrBackup *self)
{
  return self->folder_fd;
}
