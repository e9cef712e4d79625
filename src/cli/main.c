/* main.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>

#include "qr-cli.h"
#include "qr-cli-common.h"

typedef struct
{
  const char *name;
  int       (*run) (int    argc,
                    char **argv);
  /* What follows the name in the usage; may be left out. */
  const char *synopsis;
} Command;

/* Every command; its options are in its --help and the manual page, and
 * the shell completions in data/completions list it too. */
static const Command commands[] = {
  { "info", qr_cli_info, N_("BACKUP [OPTION…]") },
  { "verify", qr_cli_verify, N_("BACKUP [QUBE…] [OPTION…]") },
  { "restore", qr_cli_restore, N_("BACKUP --dest DIR [QUBE…] [OPTION…]") },
  { "mount", qr_cli_mount, N_("IMAGE [--read-write]") },
  { "unmount", qr_cli_unmount, N_("IMAGE") },
  { "ls", qr_cli_ls, N_("IMAGE [PATH] [--json]") },
  { "copy", qr_cli_copy, N_("IMAGE PATH… --to DIR") },
};

static void
print_usage (FILE *stream)
{
  g_autoptr(GString) text = g_string_new (_("Usage:\n"));

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (text, "  qubes-rescue-cli %-7s %s\n", commands[i].name,
                            commands[i].synopsis != NULL ? _(commands[i].synopsis) : "");
  g_string_append_printf (text, "  qubes-rescue-cli %-7s %s\n", "help", _("[COMMAND]"));
  g_string_append (text, "  qubes-rescue-cli --version\n\n");

  g_string_append (text,
                   _("Restores Qubes OS backups without Qubes. QUBE is a qube's name; “dom0” is "
                     "dom0's home folder.\n"
                     "The passphrase is read from --passphrase-file, --passphrase-fd or the file "
                     "named by $QUBES_RESCUE_PASSPHRASE_FILE, else from the terminal, else from "
                     "standard input.\n"
                     "Run “qubes-rescue-cli help COMMAND” for a command's options, and "
                     "“man qubes-rescue-cli” for the whole manual.\n"
                     "\n"
                     "Exit status:\n"
                     "  0    done\n"
                     "  1    wrong usage, a file named on the command line that cannot be "
                     "opened, or another error\n"
                     "  2    wrong passphrase\n"
                     "  3    the backup is damaged, tampered with, or incomplete\n"
                     "  4    not a Qubes OS backup, or a format version that is not supported\n"
                     "  5    not enough memory or disk space, or a read or write error\n"
                     "  130  cancelled\n"));

  if (stream == stdout)
    g_print ("%s", text->str);
  else
    g_printerr ("%s", text->str);
}

static const Command *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (name, commands[i].name))
      return &commands[i];

  return NULL;
}

static int
unknown_command (const char *name)
{
  g_autofree char *message = g_strdup_printf (_("Unknown command “%s”."), name);

  return qr_cli_usage_error (NULL, message);
}

/* Runs @command with argv[0] its name. GOption's --help and messages show
 * the program's name, which is the command's too. */
static int
run_command (const Command  *command,
             int             argc,
             char          **argv)
{
  g_autofree char *prgname = g_strdup_printf ("qubes-rescue-cli %s", command->name);

  g_set_prgname (prgname);
  return command->run (argc, argv);
}

/* "help COMMAND" is "COMMAND --help". */
static int
show_help (const char *name)
{
  const Command *command;
  char *argv[] = { NULL, "--help", NULL };

  if (name == NULL || g_str_equal (name, "help"))
    {
      print_usage (stdout);
      return QR_EXIT_OK;
    }

  command = find_command (name);
  if (command == NULL)
    return unknown_command (name);

  argv[0] = (char *) command->name;
  return run_command (command, 2, argv);
}

int
main (int   argc,
      char *argv[])
{
  const Command *command;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  qr_cli_setup_output ();

  if (argc < 2)
    {
      print_usage (stderr);
      return QR_EXIT_USAGE;
    }

  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    return show_help (NULL);

  if (g_str_equal (argv[1], "help"))
    return show_help (argv[2]);

  if (g_str_equal (argv[1], "--version"))
    {
      g_print ("qubes-rescue-cli %s\n", PACKAGE_VERSION);
      return QR_EXIT_OK;
    }

  command = find_command (argv[1]);
  if (command == NULL)
    return unknown_command (argv[1]);

  return run_command (command, argc - 1, argv + 1);
}
