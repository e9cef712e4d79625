/* qr-cli-common.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "qr-cli-common.h"
#include "qr-error.h"

G_DEFINE_QUARK (qr-cli-error-quark, qr_cli_error)

/* ---- Exit codes ---- */

static QrExitCode
exit_code_for_qr_error (QrError code)
{
  switch (code)
    {
    case QR_ERROR_WRONG_PASSPHRASE:
      return QR_EXIT_WRONG_PASSPHRASE;

    case QR_ERROR_DAMAGED:
    case QR_ERROR_TRUNCATED:
    /* Real Qubes backups need seconds per key, far below the limit, so a
     * key over it almost certainly comes from a damaged or hostile header
     * rather than from a real backup that needs a bigger computer. */
    case QR_ERROR_KDF_LIMIT:
      return QR_EXIT_DAMAGED;

    case QR_ERROR_NOT_A_BACKUP:
    case QR_ERROR_UNSUPPORTED_VERSION:
      return QR_EXIT_NOT_A_BACKUP;

    case QR_ERROR_NEEDS_MEMORY:
    case QR_ERROR_NO_SPACE:
    case QR_ERROR_IO:
      return QR_EXIT_RESOURCES;

    case QR_ERROR_FAILED:
    case QR_ERROR_EXISTS:
    case QR_ERROR_UDISKS_UNAVAILABLE:
    case QR_ERROR_NOT_AUTHORIZED:
    case QR_ERROR_NO_FILESYSTEM:
    case QR_ERROR_UNSUPPORTED_FILESYSTEM:
    case QR_ERROR_BUSY:
    default:
      return QR_EXIT_FAILURE;
    }
}

QrExitCode
qr_cli_exit_code_for_error (const GError *error)
{
  if (error == NULL)
    return QR_EXIT_OK;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return QR_EXIT_CANCELLED;

  if (error->domain == QR_ERROR)
    return exit_code_for_qr_error ((QrError) error->code);

  /* Reading and writing files once they are open. */
  if (error->domain == G_IO_ERROR || error->domain == G_FILE_ERROR)
    return QR_EXIT_RESOURCES;

  /* QR_CLI_ERROR, G_OPTION_ERROR and anything else. */
  return QR_EXIT_FAILURE;
}

/* The engine says what happened. Where what to do about it depends on
 * where the program runs, the CLI says it instead: no package manager's
 * command works inside the Flatpak sandbox, and none fits every system. */
static const char *
message_for_error (const GError *error)
{
  gboolean sandboxed = g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return _("Cancelled. Nothing partial was left behind.");

  if (g_error_matches (error, QR_ERROR, QR_ERROR_UDISKS_UNAVAILABLE) && sandboxed)
    return _("The disk service udisks of this computer cannot be reached, so the image "
             "cannot be opened. Install the udisks2 package on the computer with its "
             "software manager, then try again.");

  if (g_error_matches (error, QR_ERROR, QR_ERROR_UDISKS_UNAVAILABLE))
    return _("The disk service udisks is not installed or not running, so the image cannot "
             "be opened. Install the udisks2 package with the software manager of your "
             "distribution, then try again.");

  return error->message;
}

void
qr_cli_print_remedy (const GError *error)
{
  if (g_error_matches (error, QR_ERROR, QR_ERROR_KDF_LIMIT))
    g_printerr (_("To derive such a key anyway, run the command again with a larger "
                  "--max-kdf-time.\n"));
}

int
qr_cli_report_error (const GError *error)
{
  g_printerr ("qubes-rescue-cli: %s\n", message_for_error (error));
  qr_cli_print_remedy (error);

  return qr_cli_exit_code_for_error (error);
}

int
qr_cli_usage_error (const char *command,
                    const char *message)
{
  g_printerr ("qubes-rescue-cli: %s\n", message);
  if (command != NULL)
    g_printerr (_("Run “qubes-rescue-cli help %s” for its usage.\n"), command);
  else
    g_printerr (_("Run “qubes-rescue-cli --help” for usage.\n"));

  return QR_EXIT_USAGE;
}

/* ---- Output ---- */

static void
print_transliterated (const char *string,
                      FILE       *stream)
{
  const char *charset;
  g_autofree char *to_codeset = NULL;
  g_autofree char *converted = NULL;

  g_get_charset (&charset);
  to_codeset = g_strconcat (charset, "//TRANSLIT", NULL);
  converted = g_convert_with_fallback (string, -1, to_codeset, "UTF-8", "?", NULL, NULL, NULL);

  fputs (converted != NULL ? converted : string, stream);
  fflush (stream);
}

static void
print_stdout_cb (const char *string)
{
  print_transliterated (string, stdout);
}

static void
print_stderr_cb (const char *string)
{
  print_transliterated (string, stderr);
}

void
qr_cli_setup_output (void)
{
  /* In a UTF-8 locale GLib prints as it is; only other character sets
   * need help, and GLib's own conversion turns “ and the non-breaking
   * space of sizes into "?". */
  if (g_get_charset (NULL))
    return;

  g_set_print_handler (print_stdout_cb);
  g_set_printerr_handler (print_stderr_cb);
}

/* ---- Running async calls ---- */

typedef struct
{
  GCancellable *cancellable;
  guint         presses;
} Interrupt;

static gboolean
interrupt_cb (gpointer user_data)
{
  Interrupt *interrupt = user_data;

  /* The first Ctrl+C stops cleanly and removes partial files; a second
   * one does not wait for that. */
  if (interrupt->presses++ > 0)
    exit (QR_EXIT_CANCELLED);

  g_printerr ("\n%s\n", _("Cancelling… (press Ctrl+C again to quit at once)"));
  g_cancellable_cancel (interrupt->cancellable);
  return G_SOURCE_CONTINUE;
}

void
qr_cli_result_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

void
qr_cli_wait (GCancellable  *cancellable,
             GAsyncResult **result)
{
  static const int signals[] = { SIGINT, SIGTERM, SIGHUP };
  Interrupt interrupt = { cancellable, 0 };
  guint sources[G_N_ELEMENTS (signals)];

  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    sources[i] = g_unix_signal_add (signals[i], interrupt_cb, &interrupt);

  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    g_source_remove (sources[i]);
}
