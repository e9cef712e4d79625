/* qr-restore-plan.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What to restore of one qube, and whether it can be, checked before any
 * of it is read: where its files go, which of them the backup holds, and
 * what the ledger already knows to be missing. */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qr-error.h"
#include "qr-restore-plan.h"

#define DOM0_FOLDER "dom0-home"

/* A qube's name may be a folder name this program uses itself; such a
 * qube gets a name no qube can have (qube names have no spaces). */
#define RESERVED_SUFFIX " (qube)"

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

/**
 * qr_restore_plan_dup_folder_name:
 *
 * The folder a qube is restored into: its name, "dom0-home" for dom0's
 * home, and a qube named "dom0-home" gets "dom0-home (qube)".
 */
char *
qr_restore_plan_dup_folder_name (QrQube *qube)
{
  const char *name = qr_qube_get_name (qube);

  if (qr_qube_is_dom0 (qube))
    return g_strdup (DOM0_FOLDER);

  if (g_str_equal (name, DOM0_FOLDER))
    return g_strconcat (name, RESERVED_SUFFIX, NULL);

  return g_strdup (name);
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

/**
 * qr_restore_plan_dup_partial_name:
 *
 * The folder a salvaged qube that could not be recovered whole goes to, so
 * that it cannot be mistaken for a complete one.
 */
char *
qr_restore_plan_dup_partial_name (const char *folder)
{
  /* Translators: the folder of a qube restored only in part; %s is the
   * qube's own folder name. */
  return g_strdup_printf (_("%s (partly recovered)"), folder);
}

static GError *
folder_exists_error (const char *folder)
{
  return g_error_new (QR_ERROR, QR_ERROR_EXISTS,
                      _("A folder named “%s” already exists in the destination, so the qube "
                        "was not restored. Choose another destination folder."),
                      folder);
}

static GError *
check_destination (QrRestorePlan        *plan,
                   gboolean              salvage,
                   QrRestoreDestination *destination)
{
  g_autofree char *partial = NULL;

  if (destination == NULL)
    return NULL;

  if (qr_restore_destination_exists (destination, plan->folder))
    return folder_exists_error (plan->folder);

  partial = qr_restore_plan_dup_partial_name (plan->folder);
  if (salvage && qr_restore_destination_exists (destination, partial))
    return folder_exists_error (partial);

  return NULL;
}

/* Without salvage, a qube with anything missing is not restored at all;
 * with it, what is missing is kept for the report, and only a qube with
 * nothing in the file is given up. */
static GError *
check_plan (QrRestorePlan        *plan,
            QrLedger             *ledger,
            gboolean              streaming,
            gboolean              salvage,
            QrRestoreDestination *destination)
{
  const char *name = qr_qube_get_name (plan->qube);

  if (!folder_name_is_safe (name))
    return g_error_new (QR_ERROR, QR_ERROR_DAMAGED,
                        _("The qube name “%s” is not a safe folder name, so it was not restored."),
                        name);

  /* From a pipe, what is missing is known only once it is read. */
  if (!streaming)
    {
      g_autoptr(GPtrArray) problems = qr_ledger_dup_problems (ledger, plan->qube);

      if (problems->len > 0 && (!salvage || plan->series->len == 0))
        return g_error_copy (g_ptr_array_index (problems, 0));

      for (guint i = 0; i < problems->len; i++)
        g_ptr_array_add (plan->problems, g_error_copy (g_ptr_array_index (problems, i)));
    }

  return check_destination (plan, salvage, destination);
}

QrRestorePlan *
qr_restore_plan_new (QrQube               *qube,
                     QrLedger             *ledger,
                     gboolean              streaming,
                     gboolean              salvage,
                     QrRestoreDestination *destination)
{
  QrRestorePlan *plan = g_new0 (QrRestorePlan, 1);

  plan->qube = g_object_ref (qube);
  plan->folder = qr_restore_plan_dup_folder_name (qube);
  plan->strip_prefix = dup_strip_prefix (qube);
  plan->series = streaming ? g_ptr_array_new () : qr_ledger_list_series (ledger, qube);
  plan->files = g_ptr_array_new_with_free_func (g_free);
  plan->notes = g_ptr_array_new_with_free_func (g_free);
  plan->problems = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  plan->reports = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < plan->series->len; i++)
    plan->stored_size += ((QrSeries *) g_ptr_array_index (plan->series, i))->stored_size;

  plan->error = check_plan (plan, ledger, streaming, salvage, destination);
  plan->failed = plan->error != NULL;

  return plan;
}

void
qr_restore_plan_free (QrRestorePlan *plan)
{
  g_clear_object (&plan->qube);
  g_free (plan->folder);
  g_free (plan->strip_prefix);
  g_clear_pointer (&plan->series, g_ptr_array_unref);
  g_clear_pointer (&plan->files, g_ptr_array_unref);
  g_clear_pointer (&plan->notes, g_ptr_array_unref);
  g_clear_pointer (&plan->problems, g_ptr_array_unref);
  g_clear_pointer (&plan->reports, g_ptr_array_unref);
  g_clear_error (&plan->error);
  g_free (plan);
}

/* By default every qube the backup's list says it holds is restored,
 * including those whose data is missing: they are reported, not skipped. */
void
qr_restore_plan_select_default (GListModel *qubes,
                                GPtrArray  *selection)
{
  guint n = g_list_model_get_n_items (qubes);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrQube) qube = g_list_model_get_item (qubes, i);

      if (qr_qube_get_included (qube))
        g_ptr_array_add (selection, g_object_ref (qube));
    }
}

/* Where a qube's first part lies in the file; a qube with none comes last. */
static guint64
archive_position (QrLedger *ledger,
                  QrQube   *qube)
{
  g_autoptr(GPtrArray) series = qr_ledger_list_series (ledger, qube);

  for (guint i = 0; i < series->len; i++)
    {
      QrSeries *s = g_ptr_array_index (series, i);

      for (guint j = 0; j < s->chunks->len; j++)
        if (g_ptr_array_index (s->chunks, j) != NULL)
          return ((const QrArchiveMember *) g_ptr_array_index (s->chunks, j))->offset;
    }

  return G_MAXUINT64;
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

/* Orders the qubes as their data lies in the backup, so the disk holding
 * it is read front to back. */
void
qr_restore_plan_sort_selection (GPtrArray *selection,
                                QrLedger  *ledger)
{
  g_ptr_array_sort_with_data (selection, compare_position, ledger);
}
