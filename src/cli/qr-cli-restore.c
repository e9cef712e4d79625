/* qr-cli-restore.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "qr-cli.h"
#include "qr-cli-backup.h"
#include "qr-cli-common.h"
#include "qr-cli-json.h"
#include "qr-cli-options.h"
#include "qr-cli-progress.h"
#include "qr-restore.h"

static const QrCliCommandSpec verify_spec = {
  "verify",
  N_("BACKUP [QUBE…]"),
  N_("Check every part of a backup without writing anything."),
  QR_CLI_OPTIONS_PASSPHRASE | QR_CLI_OPTIONS_KDF | QR_CLI_OPTIONS_JSON,
};

static const QrCliCommandSpec restore_spec = {
  "restore",
  N_("BACKUP --dest DIR [QUBE…]"),
  N_("Restore qubes from a backup into a folder: DIR/QUBE/private.img and so on."),
  QR_CLI_OPTIONS_PASSPHRASE | QR_CLI_OPTIONS_DEST | QR_CLI_OPTIONS_KDF | QR_CLI_OPTIONS_JSON,
};

static void
print_qube_names (QrBackup *backup)
{
  GListModel *qubes = qr_backup_get_qubes (backup);
  g_autoptr(GString) names = g_string_new (NULL);
  guint n = g_list_model_get_n_items (qubes);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrQube) qube = g_list_model_get_item (qubes, i);

      if (!qr_qube_get_included (qube))
        continue;
      if (names->len > 0)
        g_string_append (names, ", ");
      g_string_append (names, qr_qube_get_name (qube));
    }

  g_printerr (_("The qubes in this backup are: %s.\n"), names->str);
}

static gboolean
select_qubes (QrRestore  *restore,
              QrBackup   *backup,
              char      **names)
{
  for (guint i = 0; names[i] != NULL; i++)
    {
      QrQube *qube = qr_backup_lookup_qube (backup, names[i]);

      if (qube == NULL || !qr_qube_get_included (qube))
        {
          g_printerr (qube == NULL ? _("qubes-rescue-cli: there is no qube named “%s” in this backup.\n")
                                   : _("qubes-rescue-cli: the qube “%s” was not included in this backup.\n"),
                      names[i]);
          print_qube_names (backup);
          return FALSE;
        }

      qr_restore_select (restore, qube);
    }

  return TRUE;
}

/* The qubes that failed for a reason of their own; cancelled ones are
 * counted by the cancellation. */
static guint
count_failed (GListModel *items)
{
  guint n = g_list_model_get_n_items (items);
  guint failed = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (items, i);
      const GError *error = qr_restore_item_get_error (item);

      if (qr_restore_item_get_state (item) == QR_RESTORE_STATE_FAILED &&
          !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        failed++;
    }

  return failed;
}

/* Unfinished restores of an earlier run that was stopped, removed before
 * this one started. */
static void
print_removed_unfinished (QrRestore *restore)
{
  const char * const *removed = qr_restore_get_removed_unfinished (restore);

  for (guint i = 0; removed[i] != NULL; i++)
    g_printerr (_("Removed the unfinished restore of “%s” that an earlier, interrupted run "
                  "left in the destination folder.\n"),
                removed[i]);
}

static gboolean
run (QrRestore     *restore,
     gboolean       print_results,
     GCancellable  *cancellable,
     GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(QrCliProgress) progress = NULL;

  qr_restore_run_async (restore, cancellable, qr_cli_result_cb, &result);
  progress = qr_cli_progress_new (restore, print_results);
  qr_cli_wait (cancellable, &result);

  return qr_restore_run_finish (restore, result, error);
}

static int
restore_or_verify (QrCliOptions *options)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(QrKdfPool) pool = qr_cli_options_create_pool (options);
  g_autoptr(QrBackup) backup = NULL;
  g_autoptr(QrRestore) restore = NULL;
  g_autoptr(GFile) dest = NULL;
  g_autoptr(GError) error = NULL;
  GListModel *items;
  guint n_failed;
  gboolean ok;

  backup = qr_cli_open_unlocked (options, _("Passphrase: "), FALSE, pool, cancellable, &error);
  if (backup == NULL)
    return qr_cli_report_error (error);

  qr_cli_print_damage (backup, stderr);
  qr_cli_print_unchecked (backup, stderr);
  if (options->dest != NULL)
    dest = g_file_new_for_commandline_arg (options->dest);

  restore = qr_restore_new (backup, dest);
  qr_restore_set_kdf_pool (restore, pool);
  qr_restore_set_salvage (restore, options->salvage);
  if (!select_qubes (restore, backup, qr_cli_options_get_qubes (options)))
    return QR_EXIT_USAGE;

  ok = run (restore, !options->json, cancellable, &error);
  print_removed_unfinished (restore);
  items = qr_restore_get_items (restore);
  n_failed = count_failed (items);

  if (options->json)
    {
      g_autoptr(JsonNode) root = qr_cli_json_restore (restore);

      qr_cli_json_print (root);
    }

  if (ok)
    return QR_EXIT_OK;

  /* Each failed qube already said why; end with how many. */
  if (n_failed == 0)
    return qr_cli_report_error (error);

  g_printerr (g_dngettext (GETTEXT_PACKAGE,
                           "qubes-rescue-cli: %u of %u qube failed.\n",
                           "qubes-rescue-cli: %u of %u qubes failed.\n",
                           g_list_model_get_n_items (items)),
              n_failed, g_list_model_get_n_items (items));
  return qr_cli_exit_code_for_error (error);
}

static int
run_command (const QrCliCommandSpec  *spec,
             int                      argc,
             char                   **argv)
{
  g_auto(QrCliOptions) options = { 0 };
  g_autoptr(GError) error = NULL;

  if (!qr_cli_options_parse (&options, spec, argc, argv, &error))
    return qr_cli_usage_error (spec->name, error->message);

  return restore_or_verify (&options);
}

int
qr_cli_verify (int    argc,
               char **argv)
{
  return run_command (&verify_spec, argc, argv);
}

int
qr_cli_restore (int    argc,
                char **argv)
{
  return run_command (&restore_spec, argc, argv);
}
