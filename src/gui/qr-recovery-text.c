/* qr-recovery-text.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "qr-recovery-text.h"

/* What a salvage got back of a qube, in words for the Done page: one line
 * for each file that is not whole, saying how much of it came back, and
 * one for the files that did. The figures are those of the engine's
 * reports, which RECOVERY-REPORT.txt gives too, so that both agree. */

/* Of the complete files, this many are named; more are counted. */
#define MAX_NAMED_COMPLETE 3

/* The share of the file's data that was recovered, rounded down as the
 * report rounds it. Holes of a sparse image are not data. */
static guint
percent_recovered (QrRestoreFile *file)
{
  guint64 recovered = qr_restore_file_get_recovered (file);
  guint64 whole = recovered + qr_restore_file_get_missing (file);

  return whole > 0 ? (guint) (recovered * 100 / whole) : 0;
}

static char *
dup_partial_line (QrRestoreFile *file)
{
  const char *name = qr_restore_file_get_name (file);
  guint n_parts = qr_restore_file_get_n_parts (file);

  if (n_parts == 0)
    /* Translators: a partly recovered file, like "private.img: 48% of its data recovered" */
    return g_strdup_printf (_("%s: %u%% of its data recovered"), name, percent_recovered (file));

  /* Translators: a partly recovered file, like "private.img: 22 of 46 parts read, 48% of
   * its data recovered"; a part is a piece of the backup that is checked on its own */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "%s: %u of %u part read, %u%% of its data recovered",
                                       "%s: %u of %u parts read, %u%% of its data recovered",
                                       n_parts),
                          name, qr_restore_file_get_n_good_parts (file), n_parts,
                          percent_recovered (file));
}

static char *
dup_complete_line (GPtrArray *names,
                   gboolean   others)
{
  g_autofree char *list = NULL;

  if (names->len > MAX_NAMED_COMPLETE)
    {
      if (others)
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "%u other file is complete",
                                             "%u other files are complete",
                                             names->len),
                                names->len);

      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "%u file is complete",
                                           "%u files are complete",
                                           names->len),
                              names->len);
    }

  g_ptr_array_add (names, NULL);
  /* Translators: the separator of a list of file names */
  list = g_strjoinv (_(", "), (char **) names->pdata);
  g_ptr_array_remove_index (names, names->len - 1);

  /* Translators: the files of a partly recovered qube that came back whole, like
   * "Complete: notes.txt, firewall.xml" */
  return g_strdup_printf (_("Complete: %s"), list);
}

/**
 * qr_recovery_text_dup_files:
 * @reports: (element-type QrRestoreFile): how each file of a qube came back
 *
 * Returns: one line for each file that is not whole, then one for those
 *   that are, such as "private.img: 22 of 46 parts read, 48% of its data
 *   recovered\nComplete: notes.txt, firewall.xml"
 */
char *
qr_recovery_text_dup_files (GListModel *reports)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) complete = g_ptr_array_new ();

  g_return_val_if_fail (G_IS_LIST_MODEL (reports), NULL);

  for (guint i = 0; i < g_list_model_get_n_items (reports); i++)
    {
      g_autoptr(QrRestoreFile) file = g_list_model_get_item (reports, i);

      switch (qr_restore_file_get_state (file))
        {
        case QR_RESTORE_FILE_COMPLETE:
          g_ptr_array_add (complete, (gpointer) qr_restore_file_get_name (file));
          break;

        case QR_RESTORE_FILE_PARTIAL:
          g_ptr_array_add (lines, dup_partial_line (file));
          break;

        case QR_RESTORE_FILE_MISSING:
        default:
          /* Translators: a file of which nothing could be recovered */
          g_ptr_array_add (lines, g_strdup_printf (_("%s: nothing could be recovered"),
                                                   qr_restore_file_get_name (file)));
          break;
        }
    }

  /* The names stay valid: the model holds the reports. */
  if (complete->len > 0)
    g_ptr_array_add (lines, dup_complete_line (complete, lines->len > 0));

  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("\n", (char **) lines->pdata);
}

/**
 * qr_recovery_text_dup_reasons:
 * @reports: (element-type QrRestoreFile): how each file of a qube came back
 *
 * Returns: (nullable): why each file that is not whole is not, one line
 *   each, or %NULL when the reports say of none
 */
char *
qr_recovery_text_dup_reasons (GListModel *reports)
{
  g_autoptr(GString) out = g_string_new (NULL);

  g_return_val_if_fail (G_IS_LIST_MODEL (reports), NULL);

  for (guint i = 0; i < g_list_model_get_n_items (reports); i++)
    {
      g_autoptr(QrRestoreFile) file = g_list_model_get_item (reports, i);
      const char *reason = qr_restore_file_get_reason (file);

      if (reason == NULL || qr_restore_file_get_state (file) == QR_RESTORE_FILE_COMPLETE)
        continue;

      if (out->len > 0)
        g_string_append_c (out, '\n');
      /* Translators: a file, then why it could not be recovered whole */
      g_string_append_printf (out, _("%s: %s"), qr_restore_file_get_name (file), reason);
    }

  return out->len > 0 ? g_string_free (g_steal_pointer (&out), FALSE) : NULL;
}
