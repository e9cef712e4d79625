/* qr-cli-mount.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "qr-cli.h"
#include "qr-cli-common.h"
#include "qr-error.h"
#include "qr-mount.h"
#include "qr-mount-files.h"

/* Without a terminal, polkit has nobody to ask for a password. */
static QrMountFlags
interaction_flags (void)
{
  return isatty (STDIN_FILENO) ? QR_MOUNT_FLAGS_NONE : QR_MOUNT_FLAGS_NO_USER_INTERACTION;
}

/* Parses "SUBCOMMAND IMAGE [options]" and returns the image, or NULL after
 * reporting a usage error. */
static GFile *
parse_image (GOptionContext  *context,
             int             *argc,
             char          ***argv,
             GError         **error)
{
  if (!g_option_context_parse (context, argc, argv, error))
    return NULL;

  if (*argc != 2)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           *argc < 2 ? _("Name the image file to use, such as private.img.")
                                     : _("Name exactly one image file."));
      return NULL;
    }

  return g_file_new_for_commandline_arg ((*argv)[1]);
}

/* Qubes keeps home/user private to uid 1000; say so now rather than leave
 * the user in front of a folder that will not open, with the way around. */
static void
warn_unreadable (const char         *image,
                 const char * const *mount_points)
{
  g_autofree char *folder = qr_mount_files_dup_folder (mount_points);
  g_autofree char *quoted = g_shell_quote (image);
  g_autoptr(GError) error = NULL;

  if (qr_mount_files_check_access (folder, &error))
    return;

  g_printerr ("%s\n", error->message);
  if (g_error_matches (error, QR_ERROR, QR_ERROR_NOT_AUTHORIZED))
    g_printerr (_("To get a copy that is yours, run: qubes-rescue-cli copy %s home/user --to DIR\n"),
                quoted);
}

/* What went wrong, and the way around it that needs no mounting. */
static int
report_mount_error (const char   *image,
                    const GError *error)
{
  g_autofree char *quoted = g_shell_quote (image);
  int code = qr_cli_report_error (error);

  if (g_error_matches (error, QR_ERROR, QR_ERROR_UDISKS_UNAVAILABLE) ||
      g_error_matches (error, QR_ERROR, QR_ERROR_NOT_AUTHORIZED))
    g_printerr (_("To copy the files out without mounting, run: "
                  "qubes-rescue-cli copy %s home/user --to DIR\n"), quoted);

  return code;
}

int
qr_cli_mount (int    argc,
              char **argv)
{
  gboolean read_write = FALSE;
  const GOptionEntry entries[] = {
    { "read-write", 0, 0, G_OPTION_ARG_NONE, &read_write,
      N_("Attach and mount the image writable (recovery never needs this)"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) image = NULL;
  g_auto(GStrv) mount_points = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  QrMountFlags flags;

  context = g_option_context_new (_("IMAGE - mount a restored disk image"));
  g_option_context_set_summary (context,
                                _("Attaches IMAGE (a private.img or root.img) read-only "
                                  "and mounts its filesystems.\nPrints each mount point "
                                  "on its own line."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  image = parse_image (context, &argc, &argv, &error);
  if (image == NULL)
    return qr_cli_usage_error ("mount", error->message);

  flags = interaction_flags ();
  if (read_write)
    flags |= QR_MOUNT_FLAGS_READ_WRITE;

  /* Ctrl+C cancels, so that whatever was attached is detached again. */
  qr_mount_image_async (image, flags, cancellable, qr_cli_result_cb, &result);
  qr_cli_wait (cancellable, &result);
  mount_points = qr_mount_image_finish (result, &error);

  if (mount_points == NULL)
    return report_mount_error (argv[1], error);

  for (guint i = 0; mount_points[i] != NULL; i++)
    g_print ("%s\n", mount_points[i]);

  warn_unreadable (argv[1], (const char * const *) mount_points);

  return QR_EXIT_OK;
}

int
qr_cli_unmount (int    argc,
                char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) image = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;

  context = g_option_context_new (_("IMAGE - unmount and detach a disk image"));
  g_option_context_set_summary (context,
                                _("Unmounts every filesystem of IMAGE and detaches it, "
                                  "whichever program attached it."));

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);

  image = parse_image (context, &argc, &argv, &error);
  if (image == NULL)
    return qr_cli_usage_error ("unmount", error->message);

  qr_mount_release_async (image, interaction_flags (), cancellable, qr_cli_result_cb, &result);
  qr_cli_wait (cancellable, &result);
  if (!qr_mount_release_finish (result, &error))
    return qr_cli_report_error (error);

  return QR_EXIT_OK;
}
