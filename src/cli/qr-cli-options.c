/* qr-cli-options.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>

#include "qr-cli-common.h"
#include "qr-cli-options.h"

/* --passphrase-fd was not given. */
#define NO_FD G_MININT

void
qr_cli_options_clear (QrCliOptions *options)
{
  g_clear_pointer (&options->passphrase_file, g_free);
  g_clear_pointer (&options->dest, g_free);
  g_clear_pointer (&options->max_memory, g_free);
  g_clear_pointer (&options->arguments, g_strfreev);
}

static gboolean
parse_size (const char *text,
            guint64    *size)
{
  char *end = NULL;
  double value;
  guint64 unit = 1;

  errno = 0;
  value = g_ascii_strtod (text, &end);
  if (errno != 0 || end == text || value <= 0)
    return FALSE;

  switch (g_ascii_toupper (*end))
    {
    case '\0':
    case 'B':
      unit = 1;
      break;
    case 'K':
      unit = G_GUINT64_CONSTANT (1) << 10;
      break;
    case 'M':
      unit = G_GUINT64_CONSTANT (1) << 20;
      break;
    case 'G':
      unit = G_GUINT64_CONSTANT (1) << 30;
      break;
    case 'T':
      unit = G_GUINT64_CONSTANT (1) << 40;
      break;
    default:
      return FALSE;
    }

  if (*end != '\0' && end[1] != '\0' && g_ascii_strcasecmp (end + 1, "iB") != 0 &&
      g_ascii_strcasecmp (end + 1, "B") != 0)
    return FALSE;

  *size = (guint64) (value * unit);
  return *size > 0;
}

/* ---- The groups of options ---- */

static void
add_passphrase_entries (GOptionContext *context,
                        QrCliOptions   *options)
{
  const GOptionEntry entries[] = {
    { "passphrase-file", 0, 0, G_OPTION_ARG_FILENAME, &options->passphrase_file,
      N_("Read the passphrase from FILE"), N_("FILE") },
    { "passphrase-fd", 0, 0, G_OPTION_ARG_INT, &options->passphrase.fd,
      N_("Read the passphrase from the open file descriptor N"), N_("N") },
    { NULL }
  };

  options->passphrase.fd = NO_FD;
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
}

static void
add_dest_entries (GOptionContext *context,
                  QrCliOptions   *options)
{
  const GOptionEntry entries[] = {
    { "dest", 'd', 0, G_OPTION_ARG_FILENAME, &options->dest,
      N_("Restore into the folder DIR"), N_("DIR") },
    { "salvage", 0, 0, G_OPTION_ARG_NONE, &options->salvage,
      N_("Of a damaged qube, restore what can be verified into “QUBE (partly recovered)”, "
         "with a report of what is missing"), NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
}

static void
add_kdf_entries (GOptionContext *context,
                 QrCliOptions   *options)
{
  const GOptionEntry entries[] = {
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &options->jobs,
      N_("Derive at most N keys at once (default: one per core)"), N_("N") },
    { "max-memory", 0, 0, G_OPTION_ARG_STRING, &options->max_memory,
      N_("Use at most SIZE of memory for keys, such as 4G "
         "(default: half of the available memory)"), N_("SIZE") },
    { "max-kdf-time", 0, 0, G_OPTION_ARG_DOUBLE, &options->max_kdf_time,
      N_("Refuse keys that would take more than SECONDS each to derive "
         "(default: 300, like the scrypt tool)"), N_("SECONDS") },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
}

static void
add_json_entries (GOptionContext *context,
                  QrCliOptions   *options)
{
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &options->json,
      N_("Print the result as JSON on standard output"), NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
}

/* ---- Checks after parsing ---- */

static gboolean
usage_error (GError     **error,
             const char  *message)
{
  g_set_error_literal (error, QR_CLI_ERROR, QR_CLI_ERROR_USAGE, message);
  return FALSE;
}

static gboolean
check_passphrase (QrCliOptions  *options,
                  GError       **error)
{
  if (options->passphrase.fd == NO_FD)
    options->passphrase.fd = -1;
  else if (options->passphrase.fd < 0)
    return usage_error (error, _("--passphrase-fd takes a file descriptor: 0 or more."));

  if (options->passphrase_file != NULL && options->passphrase.fd >= 0)
    return usage_error (error, _("Give the passphrase with --passphrase-file or with "
                                 "--passphrase-fd, not both."));

  options->passphrase.file = options->passphrase_file;
  return TRUE;
}

static gboolean
check_kdf (QrCliOptions  *options,
           GError       **error)
{
  if (options->jobs < 0)
    return usage_error (error, _("--jobs takes a positive number."));

  if (options->max_memory != NULL &&
      !parse_size (options->max_memory, &options->max_memory_bytes))
    return usage_error (error, _("--max-memory takes a size such as 4G or 512M."));

  /* The negation also refuses NaN. */
  if (!(options->max_kdf_time > 0))
    return usage_error (error, _("--max-kdf-time takes a number of seconds above 0."));

  return TRUE;
}

gboolean
qr_cli_options_parse (QrCliOptions            *options,
                      const QrCliCommandSpec  *spec,
                      int                      argc,
                      char                   **argv,
                      GError                 **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_(spec->parameter));
  const GOptionEntry remaining[] = {
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &options->arguments, NULL, NULL },
    { NULL }
  };
  g_autoptr(GError) parse_error = NULL;

  options->spec = spec;
  options->passphrase.fd = -1;
  options->max_kdf_time = QR_KDF_POOL_DEFAULT_MAX_SECONDS;

  if (spec->flags & QR_CLI_OPTIONS_PASSPHRASE)
    add_passphrase_entries (context, options);
  if (spec->flags & QR_CLI_OPTIONS_DEST)
    add_dest_entries (context, options);
  if (spec->flags & QR_CLI_OPTIONS_KDF)
    add_kdf_entries (context, options);
  if (spec->flags & QR_CLI_OPTIONS_JSON)
    add_json_entries (context, options);
  g_option_context_add_main_entries (context, remaining, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _(spec->summary));

  if (!g_option_context_parse (context, &argc, &argv, &parse_error))
    return usage_error (error, parse_error->message);

  if (options->arguments == NULL || options->arguments[0] == NULL)
    return usage_error (error, _("Name the backup file."));

  if ((spec->flags & QR_CLI_OPTIONS_DEST) && options->dest == NULL)
    return usage_error (error, _("Name the destination folder with --dest DIR."));

  if ((spec->flags & QR_CLI_OPTIONS_PASSPHRASE) && !check_passphrase (options, error))
    return FALSE;

  return !(spec->flags & QR_CLI_OPTIONS_KDF) || check_kdf (options, error);
}

const char *
qr_cli_options_get_backup (QrCliOptions *options)
{
  return options->arguments[0];
}

char **
qr_cli_options_get_qubes (QrCliOptions *options)
{
  return options->arguments + 1;
}

QrKdfPool *
qr_cli_options_create_pool (QrCliOptions *options)
{
  QrKdfPool *pool = qr_kdf_pool_new (options->jobs, options->max_memory_bytes);

  qr_kdf_pool_set_max_seconds (pool, options->max_kdf_time);
  return pool;
}
