/* mount-helper.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A second process for the mount tests: "mount-helper release IMAGE"
 * lets go of what another process attached. Exits 0 on success, 1 with
 * the message on stderr otherwise. */

#include "config.h"

#include <gio/gio.h>

#include "qr-mount.h"

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GFile) image = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (argc != 3 || !g_str_equal (argv[1], "release"))
    {
      g_printerr ("usage: %s release IMAGE\n", argv[0]);
      return 2;
    }

  image = g_file_new_for_commandline_arg (argv[2]);
  qr_mount_release_async (image, QR_MOUNT_FLAGS_NO_USER_INTERACTION, NULL, done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  if (!qr_mount_release_finish (result, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  return 0;
}
