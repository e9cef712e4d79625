/* qr-cli-info.c
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

static const QrCliCommandSpec info_spec = {
  "info",
  N_("BACKUP"),
  N_("Show what a backup holds."),
  QR_CLI_OPTIONS_PASSPHRASE | QR_CLI_OPTIONS_KDF | QR_CLI_OPTIONS_JSON,
};

/* What is known to be missing of a qube, before any data is read. */
static void
print_problems (QrBackup *backup,
                QrQube   *qube)
{
  g_autoptr(GPtrArray) problems = qr_backup_dup_problems (backup, qube);

  for (guint i = 0; i < problems->len; i++)
    g_print ("  %s\n", ((GError *) g_ptr_array_index (problems, i))->message);
}

static void
print_qubes (QrBackup *backup)
{
  GListModel *qubes = qr_backup_get_qubes (backup);
  guint n = g_list_model_get_n_items (qubes);

  /* Qube names have up to 31 characters. */
  g_print ("\n%-31s %-14s %-8s %-31s %10s\n", _("QUBE"), _("TYPE"), _("LABEL"), _("TEMPLATE"),
           _("SIZE"));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrQube) qube = g_list_model_get_item (qubes, i);
      g_autofree char *size = g_format_size (qr_qube_get_backup_size (qube));

      if (!qr_qube_get_included (qube))
        continue;

      g_print ("%-31s %-14s %-8s %-31s %10s\n", qr_qube_get_name (qube),
               qr_qube_get_klass (qube) ? qr_qube_get_klass (qube) : "",
               qr_qube_get_label (qube) ? qr_qube_get_label (qube) : "",
               qr_qube_get_template (qube) ? qr_qube_get_template (qube) : "",
               size);
      print_problems (backup, qube);
    }
}

/* Which Qubes OS releases wrote each format. */
static const char *
format_writers (guint version)
{
  switch (version)
    {
    case 1:
      return _("Qubes OS R1 or R2 beta");
    case 2:
      return _("Qubes OS R2");
    case 3:
      return _("Qubes OS R2 to R3.2");
    case 4:
    default:
      return _("Qubes OS 4");
    }
}

static void
print_info (QrBackup *backup)
{
  const QrHeader *header = qr_backup_get_header (backup);
  g_autofree char *size = g_format_size (qr_backup_get_size (backup));

  g_print (_("Format version:  %u (%s)\n"), header->version, format_writers (header->version));
  /* Backups before format 4 had no ID. */
  if (header->backup_id != NULL)
    g_print (_("Backup ID:       %s\n"), header->backup_id);
  g_print (_("Compression:     %s\n"), header->compressed ? header->compression_filter : _("none"));
  g_print (_("Encryption:      %s\n"), header->encrypted ? _("yes") : _("none"));
  /* A backup read from a pipe has no size to tell. */
  if (qr_backup_get_size (backup) > 0)
    g_print (_("Size:            %s\n"), size);
  if (header->version == 1)
    g_print ("\n%s\n", _("This old backup format has no integrity check: its files are restored "
                          "as they are, and damage in them cannot be found."));

  if (!qr_backup_get_unlocked (backup))
    {
      g_print ("\n%s\n", _("The list of qubes needs the backup's passphrase (--passphrase-file FILE)."));
      return;
    }

  print_qubes (backup);
  g_print ("\n");
  qr_cli_print_damage (backup, stdout);
}

int
qr_cli_info (int    argc,
             char **argv)
{
  g_auto(QrCliOptions) options = { 0 };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(QrKdfPool) pool = NULL;
  g_autoptr(QrBackup) backup = NULL;
  g_autoptr(GError) error = NULL;

  if (!qr_cli_options_parse (&options, &info_spec, argc, argv, &error))
    return qr_cli_usage_error (info_spec.name, error->message);

  /* An empty passphrase (or none on standard input) shows the header only. */
  pool = qr_cli_options_create_pool (&options);
  backup = qr_cli_open_unlocked (&options,
                                 _("Passphrase (press Enter to show only the header): "),
                                 TRUE, pool, cancellable, &error);
  if (backup == NULL)
    return qr_cli_report_error (error);

  if (options.json)
    {
      g_autoptr(JsonNode) root = qr_cli_json_info (backup);

      qr_cli_json_print (root);
    }
  else
    print_info (backup);

  return QR_EXIT_OK;
}
