/* main.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "qr-cli.h"
#include "qr-cli-private.h"
#include "qr-error.h"

typedef struct
{
  const char *name;
  int       (*run) (int    argc,
                    char **argv);
} Command;

static const Command commands[] = {
  { "info", qr_cli_info },
  { "verify", qr_cli_verify },
  { "restore", qr_cli_restore },
  { "mount", qr_cli_mount },
  { "unmount", qr_cli_unmount },
  { "ls", qr_cli_ls },
  { "copy", qr_cli_copy },
};

static void
print_usage (FILE *stream)
{
  fprintf (stream, "%s",
           _("Usage:\n"
             "  qubes-rescue-cli info    BACKUP [--json] [--passphrase-file FILE]\n"
             "  qubes-rescue-cli verify  BACKUP [QUBE...] [--passphrase-file FILE] [--jobs N] [--max-memory SIZE]\n"
             "  qubes-rescue-cli restore BACKUP --dest DIR [QUBE...] [--passphrase-file FILE] [--jobs N] [--max-memory SIZE]\n"
             "  qubes-rescue-cli mount   IMAGE [--read-write]\n"
             "  qubes-rescue-cli unmount IMAGE\n"
             "  qubes-rescue-cli ls      IMAGE [PATH] [--json]\n"
             "  qubes-rescue-cli copy    IMAGE PATH... --to DIR\n"
             "\n"
             "Restores Qubes OS backups without Qubes. QUBE is a qube's name; “dom0” is dom0's home folder.\n"
             "The passphrase is read from --passphrase-file, else from the terminal, else from standard input.\n"
             "Run “qubes-rescue-cli COMMAND --help” for a command's options.\n"
             "\n"
             "Exit status:\n"
             "  0    done\n"
             "  1    wrong usage, or another error\n"
             "  2    wrong passphrase\n"
             "  3    the backup is damaged, tampered with, or incomplete\n"
             "  4    not a Qubes OS backup, or a format version that is not supported\n"
             "  5    not enough memory or disk space, or a read or write error\n"
             "  130  cancelled\n"));
}

int
qr_cli_report_error (const GError *error)
{
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_printerr ("qubes-rescue-cli: %s\n", error->message);
  else
    g_printerr ("qubes-rescue-cli: %s\n", _("Cancelled. Nothing partial was left behind."));

  return qr_error_get_exit_code (error);
}

gboolean
qr_cli_usage_error (GOptionContext *context,
                    const char     *message)
{
  g_printerr ("qubes-rescue-cli: %s\n", message);
  g_printerr (_("Run “qubes-rescue-cli --help” for usage.\n"));
  return FALSE;
}

typedef struct
{
  GCancellable *cancellable;
  guint         presses;
} SignalState;

static gboolean
on_interrupt_cb (gpointer user_data)
{
  SignalState *state = user_data;

  /* The first Ctrl+C stops cleanly and removes partial files; a second
   * one does not wait for that. */
  if (state->presses++ > 0)
    exit (QR_EXIT_CANCELLED);

  g_printerr ("\n%s\n", _("Cancelling… (press Ctrl+C again to quit at once)"));
  g_cancellable_cancel (state->cancellable);
  return G_SOURCE_CONTINUE;
}

void
qr_cli_wait (gboolean     *done,
             GCancellable *cancellable)
{
  SignalState state = { cancellable, 0 };
  guint sigint = g_unix_signal_add (SIGINT, on_interrupt_cb, &state);
  guint sigterm = g_unix_signal_add (SIGTERM, on_interrupt_cb, &state);

  while (!*done)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (sigint);
  g_source_remove (sigterm);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2)
    {
      print_usage (stderr);
      return QR_EXIT_FAILURE;
    }

  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") ||
      g_str_equal (argv[1], "help"))
    {
      print_usage (stdout);
      return QR_EXIT_OK;
    }

  if (g_str_equal (argv[1], "--version"))
    {
      g_print ("qubes-rescue-cli %s\n", PACKAGE_VERSION);
      return QR_EXIT_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      return commands[i].run (argc - 1, argv + 1);

  g_printerr (_("qubes-rescue-cli: unknown command “%s”.\n"), argv[1]);
  print_usage (stderr);
  return QR_EXIT_FAILURE;
}
