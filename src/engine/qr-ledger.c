/* qr-ledger.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The ledger says what a backup must hold and what of it is missing,
 * from authenticated facts only: the list of qubes (which qubes are in the
 * backup, which disk images each must have), the chunk names (each chunk's
 * key is salted with its own name, so a chunk cannot pass as another) and
 * the damage the outer archive found. A restore is complete only when
 * every file the ledger lists for the selection came back whole.
 *
 * From a file, the ledger is built when the backup is opened; from a pipe,
 * the thread reading the pipe adds chunks as they come, and nothing else
 * reads the series meanwhile.
 *
 * Formats 2 and 3 authenticate a chunk's bytes only, with the HMAC in the
 * member after it, never its name: there, a part is in its place only when
 * it comes right after the part before it, and its HMAC right after it.
 * Format 1, a folder, has one series of no chunks for each copied file. */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qr-error.h"
#include "qr-hmac-file.h"
#include "qr-ledger.h"
#include "qr-scrypt-file.h"

#define SCRYPT_SUFFIX ".enc"
#define HMAC_SUFFIX   ".hmac"

struct _QrLedger
{
  GObject         parent_instance;

  QrArchive      *archive;
  QrLedgerNaming  naming;
  GListModel     *qubes;

  /* Backed-up files by path, and in archive order; the list of qubes is
   * in the first only. */
  GHashTable     *series;
  GPtrArray      *series_order;
};

G_DEFINE_FINAL_TYPE (QrLedger, qr_ledger, G_TYPE_OBJECT)

static void
series_free (QrSeries *series)
{
  g_free (series->path);
  g_ptr_array_unref (series->chunks);
  g_clear_pointer (&series->hmacs, g_ptr_array_unref);
  g_clear_error (&series->error);
  g_free (series);
}

static void
qr_ledger_finalize (GObject *object)
{
  QrLedger *self = (QrLedger *) object;

  g_clear_object (&self->archive);
  g_clear_object (&self->qubes);
  g_clear_pointer (&self->series, g_hash_table_unref);
  g_clear_pointer (&self->series_order, g_ptr_array_unref);

  G_OBJECT_CLASS (qr_ledger_parent_class)->finalize (object);
}

static void
qr_ledger_class_init (QrLedgerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = qr_ledger_finalize;
}

static void
qr_ledger_init (QrLedger *self)
{
  self->series = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                        (GDestroyNotify) series_free);
  self->series_order = g_ptr_array_new ();
}

/**
 * qr_ledger_parse_chunk_name:
 *
 * Splits a chunk's name into its file and number: "vm12/private.img.003.enc"
 * (format 4) or "vm5/private.img.003" (formats 2 and 3) into
 * "vm12/private.img" and 3. A template's whole folder, "vm3/.", makes
 * "vm3/..000".
 */
gboolean
qr_ledger_parse_chunk_name (QrLedgerNaming   naming,
                            const char      *name,
                            char           **path,
                            guint           *index)
{
  const char *suffix = naming == QR_LEDGER_NAMING_SCRYPT ? SCRYPT_SUFFIX : "";
  const char *digits;
  const char *end;

  if (naming == QR_LEDGER_NAMING_FOLDER || !g_str_has_suffix (name, suffix))
    return FALSE;

  end = name + strlen (name) - strlen (suffix);
  digits = end;
  while (digits > name && g_ascii_isdigit (digits[-1]))
    digits--;

  if (end - digits < 3 || end - digits > 6 || digits == name || digits[-1] != '.' ||
      digits - 1 == name)
    return FALSE;

  *index = (guint) g_ascii_strtoull (digits, NULL, 10);
  *path = g_strndup (name, digits - 1 - name);
  return TRUE;
}

/* "vm5/private.img.003.hmac" names the HMAC of part 3 of "vm5/private.img". */
static gboolean
parse_hmac_name (const char  *name,
                 char       **path,
                 guint       *index)
{
  g_autofree char *chunk = NULL;

  if (!g_str_has_suffix (name, HMAC_SUFFIX))
    return FALSE;

  chunk = g_strndup (name, strlen (name) - strlen (HMAC_SUFFIX));
  return qr_ledger_parse_chunk_name (QR_LEDGER_NAMING_HMAC, chunk, path, index);
}

/* Whether a backed-up file belongs to a qube: a file of its folder
 * ("vm12/"), or dom0's home ("dom0-home/user"). */
gboolean
qr_ledger_series_belongs_to (const char *series_path,
                             QrQube     *qube)
{
  const char *path = qr_qube_get_backup_path (qube);
  gsize len;

  if (path == NULL || path[0] == '\0')
    return FALSE;

  len = strlen (path);
  if (path[len - 1] == '/')
    return g_str_has_prefix (series_path, path) &&
           series_path[len] != '\0' && strchr (series_path + len, '/') == NULL;

  return g_str_equal (series_path, path);
}

static void set_series_error (QrSeries   *series,
                              const char *format,
                              ...) G_GNUC_PRINTF (2, 3);

/* Records the first reason the series cannot be complete. */
static void
set_series_error (QrSeries   *series,
                  const char *format,
                  ...)
{
  va_list args;

  if (series->error != NULL)
    return;

  va_start (args, format);
  series->error = g_error_new_valist (QR_ERROR, QR_ERROR_DAMAGED, format, args);
  va_end (args);
}

/* The highest part number a file can have: every part takes a member of
 * at least a kilobyte, so a number beyond that is made up. */
static guint
max_part_number (QrLedger *self)
{
  return MAX (qr_archive_get_n_members (self->archive), qr_archive_get_size (self->archive) / 1024);
}

static QrSeries *
get_series (QrLedger  *self,
            char     **path)
{
  QrSeries *series = g_hash_table_lookup (self->series, *path);

  if (series != NULL)
    return series;

  series = g_new0 (QrSeries, 1);
  series->path = g_steal_pointer (path);
  series->chunks = g_ptr_array_new ();
  if (self->naming == QR_LEDGER_NAMING_HMAC)
    series->hmacs = g_ptr_array_new ();
  g_hash_table_insert (self->series, series->path, series);

  /* The list of qubes is nobody's file. */
  if (!g_str_equal (series->path, QR_LEDGER_QUBES_XML))
    g_ptr_array_add (self->series_order, series);

  return series;
}

static gboolean
chunk_size_is_possible (QrLedger *self,
                        guint64   size)
{
  if (self->naming == QR_LEDGER_NAMING_SCRYPT)
    return size >= QR_SCRYPT_OVERHEAD && size <= QR_MAX_CHUNK_SIZE;

  /* A stream that ended on a part's boundary leaves an empty last part. */
  return size <= QR_MAX_CHUNK_SIZE;
}

/* Makes room for part @index, keeping %NULL where parts are missing. */
static void
grow_series (QrSeries *series,
             guint     index)
{
  if (index < series->chunks->len)
    return;

  g_ptr_array_set_size (series->chunks, index + 1);
  if (series->hmacs != NULL)
    g_ptr_array_set_size (series->hmacs, index + 1);
}

/* Formats 2 and 3: the HMAC of a part must come right after the part. One
 * whose part is not in the backup shows that part missing. */
static QrSeries *
add_hmac (QrLedger              *self,
          const QrArchiveMember *member,
          char                 **path,
          guint                  index)
{
  QrSeries *series = get_series (self, path);
  const QrArchiveMember *chunk;

  if (index > max_part_number (self))
    {
      set_series_error (series, _("Part %u of “%s” has an impossible number: the backup is "
                                  "damaged."), index + 1, series->path);
      return series;
    }

  if (index < series->hmacs->len && g_ptr_array_index (series->hmacs, index) != NULL)
    return series;

  grow_series (series, index);
  chunk = g_ptr_array_index (series->chunks, index);
  if (chunk == NULL)
    set_series_error (series, _("Part %u of “%s” is missing from the backup: the backup is "
                                "damaged or incomplete."), index + 1, series->path);
  else if (member->index != chunk->index + 1)
    set_series_error (series, _("The checksum of part %u of “%s” is not where the backup tool "
                                "writes it: the backup was damaged or tampered with."),
                      index + 1, series->path);

  if (member->size > QR_HMAC_FILE_MAX_SIZE)
    set_series_error (series, _("The checksum of part %u of “%s” has an impossible size: the "
                                "backup is damaged."), index + 1, series->path);

  g_ptr_array_index (series->hmacs, index) = (gpointer) member;
  return series;
}

/**
 * qr_ledger_add_member:
 * @chunk: (out) (optional): which chunk of its series the member is
 *
 * Adds one member of the outer archive. A part that comes out of its place,
 * or after a gap, still takes its own place: in format 4 its key is salted
 * with its number, so it cannot stand for another; in formats 2 and 3 its
 * series is marked incomplete, since nothing else proves its place.
 *
 * Returns: (transfer none) (nullable): the series it is a chunk (or a
 *   chunk's HMAC) of, or %NULL for a member that is neither.
 */
QrSeries *
qr_ledger_add_member (QrLedger              *self,
                      const QrArchiveMember *member,
                      guint                 *chunk)
{
  g_autofree char *path = NULL;
  QrSeries *series;
  guint index;

  g_return_val_if_fail (QR_IS_LEDGER (self), NULL);
  g_return_val_if_fail (self->naming != QR_LEDGER_NAMING_FOLDER, NULL);

  if (self->naming == QR_LEDGER_NAMING_HMAC && parse_hmac_name (member->name, &path, &index))
    {
      if (chunk != NULL)
        *chunk = index;
      return add_hmac (self, member, &path, index);
    }

  if (!qr_ledger_parse_chunk_name (self->naming, member->name, &path, &index))
    return NULL;

  series = get_series (self, &path);
  if (chunk != NULL)
    *chunk = index;

  /* From a pipe, the members read when the backup was opened come again. */
  if (index < series->chunks->len && g_ptr_array_index (series->chunks, index) != NULL)
    return series;

  if (index > max_part_number (self))
    {
      set_series_error (series, _("Part %u of “%s” has an impossible number: the backup is "
                                  "damaged."), index + 1, series->path);
      return series;
    }

  if (!chunk_size_is_possible (self, member->size))
    {
      set_series_error (series, _("Part %u of “%s” has an impossible size: the backup is "
                                  "damaged."), index + 1, series->path);
      return series;
    }

  if (index != series->chunks->len)
    set_series_error (series, _("Part %u of “%s” is missing or out of order in the backup: "
                                "the backup was damaged or tampered with."),
                      MIN (index, series->chunks->len) + 1, series->path);

  grow_series (series, index);
  g_ptr_array_index (series->chunks, index) = (gpointer) member;
  series->stored_size += member->size;

  return series;
}

/* Formats 2 and 3: a part without its HMAC cannot be trusted. */
static void
check_hmacs (QrLedger *self)
{
  GHashTableIter iter;
  QrSeries *series;

  g_hash_table_iter_init (&iter, self->series);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &series))
    {
      for (guint i = 0; i < series->chunks->len; i++)
        if (g_ptr_array_index (series->chunks, i) != NULL &&
            g_ptr_array_index (series->hmacs, i) == NULL)
          set_series_error (series, _("The checksum of part %u of “%s” is missing from the "
                                      "backup: the backup is damaged."), i + 1, series->path);
    }
}

/**
 * qr_ledger_new:
 * @archive: (nullable): the backup file; %NULL for a folder
 *   (%QR_LEDGER_NAMING_FOLDER)
 *
 * Returns: the ledger of every chunk the backup file holds.
 */
QrLedger *
qr_ledger_new (QrArchive      *archive,
               QrLedgerNaming  naming)
{
  QrLedger *self;
  guint n;

  g_return_val_if_fail (naming == QR_LEDGER_NAMING_FOLDER ? archive == NULL
                                                          : QR_IS_ARCHIVE (archive), NULL);

  self = g_object_new (QR_TYPE_LEDGER, NULL);
  self->naming = naming;
  if (archive == NULL)
    return self;

  self->archive = g_object_ref (archive);
  n = qr_archive_get_n_members (archive);
  for (guint i = 0; i < n; i++)
    qr_ledger_add_member (self, qr_archive_get_member (archive, i), NULL);

  /* From a pipe, a part's HMAC has not been read yet. */
  if (naming == QR_LEDGER_NAMING_HMAC && !qr_archive_is_streaming (archive))
    check_hmacs (self);

  return self;
}

QrLedgerNaming
qr_ledger_get_naming (QrLedger *self)
{
  g_return_val_if_fail (QR_IS_LEDGER (self), QR_LEDGER_NAMING_SCRYPT);

  return self->naming;
}

/**
 * qr_ledger_add_file:
 * @path: the file's path in the backup folder ("appvms/work/private.img")
 * @size: the bytes it takes there
 *
 * Format 1: adds a copied file, a series of no chunks.
 */
QrSeries *
qr_ledger_add_file (QrLedger   *self,
                    const char *path,
                    guint64     size)
{
  g_autofree char *copy = g_strdup (path);
  QrSeries *series;

  g_return_val_if_fail (QR_IS_LEDGER (self), NULL);
  g_return_val_if_fail (self->naming == QR_LEDGER_NAMING_FOLDER, NULL);

  series = get_series (self, &copy);
  series->stored_size = size;
  return series;
}

/* The series of @path, the list of qubes' too, or %NULL. */
QrSeries *
qr_ledger_lookup_series (QrLedger   *self,
                         const char *path)
{
  g_return_val_if_fail (QR_IS_LEDGER (self), NULL);

  return g_hash_table_lookup (self->series, path);
}

/* The qubes the backup's list names, once it is unlocked. */
void
qr_ledger_set_qubes (QrLedger   *self,
                     GListModel *qubes)
{
  g_return_if_fail (QR_IS_LEDGER (self));
  g_return_if_fail (G_IS_LIST_MODEL (qubes));

  g_set_object (&self->qubes, qubes);
}

guint
qr_ledger_get_n_series (QrLedger *self)
{
  g_return_val_if_fail (QR_IS_LEDGER (self), 0);

  return self->series_order->len;
}

QrSeries *
qr_ledger_get_series (QrLedger *self,
                      guint     index)
{
  g_return_val_if_fail (QR_IS_LEDGER (self), NULL);
  g_return_val_if_fail (index < self->series_order->len, NULL);

  return g_ptr_array_index (self->series_order, index);
}

/* The series of a qube, in archive order. */
GPtrArray *
qr_ledger_list_series (QrLedger *self,
                       QrQube   *qube)
{
  GPtrArray *list;

  g_return_val_if_fail (QR_IS_LEDGER (self), NULL);
  g_return_val_if_fail (QR_IS_QUBE (qube), NULL);

  list = g_ptr_array_new ();
  for (guint i = 0; i < self->series_order->len; i++)
    {
      QrSeries *series = g_ptr_array_index (self->series_order, i);

      if (qr_ledger_series_belongs_to (series->path, qube))
        g_ptr_array_add (list, series);
    }

  return list;
}

/* The included qube whose folder holds @series_path, if any. */
QrQube *
qr_ledger_find_owner (QrLedger   *self,
                      const char *series_path)
{
  guint n;

  g_return_val_if_fail (QR_IS_LEDGER (self), NULL);

  if (self->qubes == NULL || series_path == NULL)
    return NULL;

  n = g_list_model_get_n_items (self->qubes);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrQube) qube = g_list_model_get_item (self->qubes, i);

      if (qr_qube_get_included (qube) && qr_ledger_series_belongs_to (series_path, qube))
        return qube;
    }

  return NULL;
}

gboolean
qr_ledger_is_cut_short (QrLedger *self)
{
  guint n;

  g_return_val_if_fail (QR_IS_LEDGER (self), FALSE);

  n = self->archive != NULL ? qr_archive_get_n_damages (self->archive) : 0;
  for (guint i = 0; i < n; i++)
    if (qr_archive_get_damage (self->archive, i)->kind == QR_ARCHIVE_DAMAGE_CUT_SHORT)
      return TRUE;

  return FALSE;
}

/* The series a member is a chunk of, and which chunk. */
static QrSeries *
series_of_member (QrLedger *self,
                  guint     index,
                  guint    *chunk)
{
  const QrArchiveMember *member;
  g_autofree char *path = NULL;

  if (index == QR_ARCHIVE_NO_MEMBER || index >= qr_archive_get_n_members (self->archive))
    return NULL;

  member = qr_archive_get_member (self->archive, index);
  if (!qr_ledger_parse_chunk_name (self->naming, member->name, &path, chunk) &&
      (self->naming != QR_LEDGER_NAMING_HMAC || !parse_hmac_name (member->name, &path, chunk)))
    return NULL;

  return g_hash_table_lookup (self->series, path);
}

/* Whether a damaged stretch may have swallowed a file of @qube: it lies
 * next to one of the qube's parts, and not simply between two chunks of
 * one file, where nothing else is ever stored. dom0's home is one file
 * whose end its own archive marks, so nothing of it can go unnoticed. */
static gboolean
damage_may_concern (QrLedger              *self,
                    const QrArchiveDamage *damage,
                    QrQube                *qube)
{
  guint chunk_before = 0, chunk_after = 0;
  QrSeries *before = series_of_member (self, damage->before, &chunk_before);
  QrSeries *after = series_of_member (self, damage->after, &chunk_after);

  if (!damage->may_hide_members || qr_qube_is_dom0 (qube))
    return FALSE;

  if (before != NULL && before == after && chunk_after == chunk_before + 1)
    return FALSE;

  return (before != NULL && qr_ledger_series_belongs_to (before->path, qube)) ||
         (after != NULL && qr_ledger_series_belongs_to (after->path, qube));
}

static GError *
damage_near_error (const QrArchiveDamage *damage,
                   QrQube                *qube)
{
  if (damage->kind == QR_ARCHIVE_DAMAGE_CUT_SHORT)
    return g_error_new (QR_ERROR, QR_ERROR_TRUNCATED,
                        _("The backup file is cut short at byte %llu, among the "
                          "parts of qube “%s”: its files stored after that are missing."),
                        (unsigned long long) damage->start, qr_qube_get_name (qube));

  if (damage->kind == QR_ARCHIVE_DAMAGE_UNREADABLE)
    return g_error_new (QR_ERROR, QR_ERROR_IO,
                        _("Bytes %llu to %llu of the backup "
                          "file cannot be read, next to the parts of qube “%s”: a file of it "
                          "stored there may be lost."),
                        (unsigned long long) damage->start,
                        (unsigned long long) damage->end, qr_qube_get_name (qube));

  return g_error_new (QR_ERROR, QR_ERROR_DAMAGED,
                      _("The backup file is damaged between bytes %llu and %llu, next to the "
                        "parts of qube “%s”: a file of it stored there may be lost."),
                      (unsigned long long) damage->start,
                        (unsigned long long) damage->end, qr_qube_get_name (qube));
}

static GError *
no_files_error (QrLedger *self,
                QrQube   *qube)
{
  if (qr_ledger_is_cut_short (self))
    return g_error_new (QR_ERROR, QR_ERROR_TRUNCATED,
                        _("The backup file holds none of the files of qube “%s”: the file was "
                          "cut short before them."),
                        qr_qube_get_name (qube));

  return g_error_new (QR_ERROR, QR_ERROR_TRUNCATED,
                      _("The backup does not contain the files of qube “%s”, although its list "
                        "of qubes says it should: the backup is incomplete."),
                      qr_qube_get_name (qube));
}

static void
check_saved_volumes (QrLedger  *self,
                     QrQube    *qube,
                     GPtrArray *problems)
{
  const char *folder = qr_qube_get_backup_path (qube);
  const char * const *volumes = qr_qube_get_saved_volumes (qube);

  if (folder == NULL || !g_str_has_suffix (folder, "/"))
    return;

  for (guint i = 0; volumes[i] != NULL; i++)
    {
      g_autofree char *path = g_strconcat (folder, volumes[i], ".img", NULL);

      if (!g_hash_table_contains (self->series, path))
        g_ptr_array_add (problems,
                         g_error_new (QR_ERROR, QR_ERROR_TRUNCATED,
                                      _("The backup lacks the disk image “%s.img” of qube “%s”: "
                                        "the backup is incomplete or damaged."),
                                      volumes[i], qr_qube_get_name (qube)));
    }
}

/**
 * qr_ledger_dup_problems:
 *
 * What is known, before reading any data, to be missing from the qube's
 * files: none at all, a disk image its list says it has, a part of a file,
 * or damage next to its parts that may have swallowed a file.
 *
 * Returns: (transfer full) (element-type GError): the problems, empty when
 *   every file the qube should have is there
 */
GPtrArray *
qr_ledger_dup_problems (QrLedger *self,
                        QrQube   *qube)
{
  GPtrArray *problems;
  g_autoptr(GPtrArray) series = NULL;
  guint n;

  g_return_val_if_fail (QR_IS_LEDGER (self), NULL);
  g_return_val_if_fail (QR_IS_QUBE (qube), NULL);

  problems = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  if (!qr_qube_get_included (qube))
    return problems;

  series = qr_ledger_list_series (self, qube);
  if (series->len == 0)
    {
      g_ptr_array_add (problems, no_files_error (self, qube));
      return problems;
    }

  check_saved_volumes (self, qube, problems);

  for (guint i = 0; i < series->len; i++)
    {
      QrSeries *s = g_ptr_array_index (series, i);

      if (s->error != NULL)
        g_ptr_array_add (problems, g_error_copy (s->error));
    }

  n = self->archive != NULL ? qr_archive_get_n_damages (self->archive) : 0;
  for (guint i = 0; i < n; i++)
    {
      const QrArchiveDamage *damage = qr_archive_get_damage (self->archive, i);

      if (damage_may_concern (self, damage, qube))
        g_ptr_array_add (problems, damage_near_error (damage, qube));
    }

  return problems;
}

/**
 * qr_ledger_dup_damage_notes:
 *
 * Every damaged stretch of the outer archive, in plain words, including
 * those too small to have lost anything.
 *
 * Returns: (transfer full) (element-type utf8): the notes
 */
GPtrArray *
qr_ledger_dup_damage_notes (QrLedger *self)
{
  GPtrArray *notes;
  guint n;

  g_return_val_if_fail (QR_IS_LEDGER (self), NULL);

  notes = g_ptr_array_new_with_free_func (g_free);
  n = self->archive != NULL ? qr_archive_get_n_damages (self->archive) : 0;
  for (guint i = 0; i < n; i++)
    {
      const QrArchiveDamage *damage = qr_archive_get_damage (self->archive, i);

      if (damage->kind == QR_ARCHIVE_DAMAGE_CUT_SHORT)
        g_ptr_array_add (notes, g_strdup_printf (_("The backup file is cut short at byte "
                                                   "%llu: whatever followed is missing. Copy "
                                                   "it again from where it came from."),
                                                 (unsigned long long) damage->start));
      else if (damage->kind == QR_ARCHIVE_DAMAGE_UNREADABLE)
        g_ptr_array_add (notes, g_strdup_printf (_("Bytes %llu to %llu of the backup file could "
                                                   "not be read: the disk holding it may be "
                                                   "failing."),
                                                 (unsigned long long) damage->start,
                                                 (unsigned long long) damage->end));
      else if (damage->may_hide_members)
        g_ptr_array_add (notes, g_strdup_printf (_("Bytes %llu to %llu of the backup file are "
                                                   "damaged: parts stored there are lost."),
                                                 (unsigned long long) damage->start,
                                                 (unsigned long long) damage->end));
      else
        g_ptr_array_add (notes, g_strdup_printf (_("Bytes %llu to %llu of the backup file are "
                                                   "damaged, but too few to have held any part: "
                                                   "nothing was lost there."),
                                                 (unsigned long long) damage->start,
                                                 (unsigned long long) damage->end));
    }

  return notes;
}
