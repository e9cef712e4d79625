/* qr-cli-image.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "qr-cli.h"
#include "qr-cli-common.h"
#include "qr-format.h"
#include "qr-error.h"
#include "qr-image-copy.h"
#include "qr-mount-files.h"

/* "ls" and "copy": a restored disk image read in this process, without
 * mounting, for any account. */

/* A name from the image as it can be shown on a terminal: valid UTF-8,
 * and no control characters that could move the cursor or change the
 * terminal. */
static char *
printable (const char *name)
{
  g_autofree char *valid = g_utf8_make_valid (name, -1);
  GString *out = g_string_new (NULL);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c))
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_unichar (out, c);
    }

  return g_string_free (out, FALSE);
}

static QrImage *
open_image (const char  *path,
            char       **files_path,
            GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);
  g_autofree char *local = g_file_get_path (file);

  return qr_mount_files_open_image (local != NULL ? local : path, files_path, error);
}

/* A path that cannot be found in the image is the user's mistake, or the
 * image's damage; neither is a matter of disk space. */
static int
report_lookup_error (const GError *error)
{
  if (error->domain != G_IO_ERROR)
    return qr_cli_report_error (error);

  g_printerr ("qubes-rescue-cli: %s\n", error->message);

  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_LINKS)
         ? QR_EXIT_DAMAGED : QR_EXIT_FAILURE;
}

/* ---- ls ---- */

static const char *
type_name (GFileType type)
{
  switch (type)
    {
    case G_FILE_TYPE_DIRECTORY:
      return "folder";
    case G_FILE_TYPE_REGULAR:
      return "file";
    case G_FILE_TYPE_SYMBOLIC_LINK:
      return "link";
    case G_FILE_TYPE_SPECIAL:
      return "special";
    case G_FILE_TYPE_UNKNOWN:
    case G_FILE_TYPE_SHORTCUT:
    case G_FILE_TYPE_MOUNTABLE:
    default:
      return "unknown";
    }
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  GFileInfo *ia = *(GFileInfo **) a;
  GFileInfo *ib = *(GFileInfo **) b;

  return strcmp (g_file_info_get_name (ia), g_file_info_get_name (ib));
}

static char *
dup_link_target (QrImage   *image,
                 GFileInfo *info)
{
  guint32 inode = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_UNIX_INODE);

  if (g_file_info_get_file_type (info) != G_FILE_TYPE_SYMBOLIC_LINK)
    return NULL;

  return qr_image_read_link (image, inode, g_file_info_get_name (info), NULL);
}

/* Of a partly recovered image, what was lost of an entry, as a marker
 * after its name; NULL for an intact one. */
static char *
dup_damage_marker (GFileInfo *info)
{
  g_autofree char *missing = NULL;
  g_autofree char *size = NULL;

  if (!g_file_info_get_attribute_boolean (info, QR_IMAGE_ATTRIBUTE_DAMAGED))
    return NULL;

  missing = g_format_size (g_file_info_get_attribute_uint64 (info, QR_IMAGE_ATTRIBUTE_MISSING));
  size = g_format_size (g_file_info_get_size (info));

  /* Translators: after the name of a damaged file in a listing, how much
   * of it was lost, as in "[DAMAGED: 65.5 kB of 1.0 MB lost]" */
  return g_strdup_printf (_("[DAMAGED: %s of %s lost]"), missing, size);
}

static void
print_entry_text (QrImage   *image,
                  GFileInfo *info)
{
  const char *problem = g_file_info_get_attribute_string (info, QR_IMAGE_ATTRIBUTE_ERROR);
  guint32 mode = g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_MODE);
  g_autofree char *name = printable (g_file_info_get_name (info));
  g_autofree char *target = dup_link_target (image, info);
  g_autofree char *shown_target = target != NULL ? printable (target) : NULL;
  g_autofree char *size = g_format_size (g_file_info_get_size (info));
  g_autofree char *marker = dup_damage_marker (info);
  g_autoptr(GDateTime) mtime = NULL;
  g_autofree char *date = NULL;
  gboolean folder = g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY;

  if (problem != NULL)
    {
      g_print ("%-7s %s  (%s)\n", type_name (G_FILE_TYPE_UNKNOWN), name, problem);
      return;
    }

  mtime = g_date_time_new_from_unix_local (g_file_info_get_attribute_uint64 (info,
                                                                             G_FILE_ATTRIBUTE_TIME_MODIFIED));
  date = mtime != NULL ? g_date_time_format (mtime, "%Y-%m-%d %H:%M") : g_strdup ("?");

  g_print ("%-7s %04o %6u %10s  %s  %s%s%s%s%s%s\n",
           type_name (g_file_info_get_file_type (info)), mode & 07777,
           g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_UID),
           folder ? "" : size, date, name, folder ? "/" : "",
           shown_target != NULL ? " -> " : "", shown_target != NULL ? shown_target : "",
           marker != NULL ? "  " : "", marker != NULL ? marker : "");
}

static void
add_entry_json (JsonBuilder *builder,
                QrImage     *image,
                GFileInfo   *info)
{
  const char *problem = g_file_info_get_attribute_string (info, QR_IMAGE_ATTRIBUTE_ERROR);
  g_autofree char *name = g_utf8_make_valid (g_file_info_get_name (info), -1);
  g_autofree char *target = dup_link_target (image, info);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type_name (g_file_info_get_file_type (info)));
  json_builder_set_member_name (builder, "size");
  json_builder_add_int_value (builder, g_file_info_get_size (info));
  json_builder_set_member_name (builder, "mode");
  json_builder_add_int_value (builder, g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_MODE) & 07777);
  json_builder_set_member_name (builder, "uid");
  json_builder_add_int_value (builder, g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_UID));
  json_builder_set_member_name (builder, "gid");
  json_builder_add_int_value (builder, g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_GID));
  json_builder_set_member_name (builder, "modified");
  json_builder_add_int_value (builder, g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED));
  if (target != NULL)
    {
      g_autofree char *valid = g_utf8_make_valid (target, -1);

      json_builder_set_member_name (builder, "target");
      json_builder_add_string_value (builder, valid);
    }
  if (problem != NULL)
    {
      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, problem);
    }
  /* Whether some of its data was lost, which only a partly recovered
   * image knows of, and how many bytes. */
  json_builder_set_member_name (builder, "damaged");
  json_builder_add_boolean_value (builder,
                                  g_file_info_get_attribute_boolean (info,
                                                                     QR_IMAGE_ATTRIBUTE_DAMAGED));
  json_builder_set_member_name (builder, "missing");
  json_builder_add_int_value (builder, g_file_info_get_attribute_uint64 (info,
                                                                         QR_IMAGE_ATTRIBUTE_MISSING));
  json_builder_end_object (builder);
}

static void
print_json (QrImage    *image,
            const char *path,
            GPtrArray  *infos)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *valid = g_utf8_make_valid (path, -1);
  g_autofree char *text = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, valid);
  json_builder_set_member_name (builder, "entries");
  json_builder_begin_array (builder);
  for (guint i = 0; i < infos->len; i++)
    add_entry_json (builder, image, g_ptr_array_index (infos, i));
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

/* The entries of @path, or the one entry it is when it is not a folder. */
static GPtrArray *
list_path (QrImage     *image,
           const char  *path,
           GError     **error)
{
  g_autoptr(GFileInfo) info = NULL;
  g_autofree char *name = g_path_get_basename (path);
  GPtrArray *infos;
  guint32 inode;

  inode = qr_image_lookup (image, path, TRUE, error);
  if (inode == 0)
    return NULL;

  info = qr_image_query_info (image, inode, name, error);
  if (info == NULL)
    return NULL;

  if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
    return qr_image_list (image, inode, path, NULL, error);

  infos = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (infos, g_steal_pointer (&info));
  return infos;
}

int
qr_cli_ls (int    argc,
           char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the list as JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(QrImage) image = NULL;
  g_autoptr(GPtrArray) infos = NULL;
  g_autofree char *files_path = NULL;
  const char *path;

  context = g_option_context_new (_("IMAGE [PATH] - list a folder in a restored disk image"));
  g_option_context_set_summary (context,
                                _("Lists a folder of IMAGE (a private.img or root.img) without "
                                  "mounting it. PATH is taken from the root of the image's "
                                  "filesystem; without it, the folder with the user's files "
                                  "(home/user of a private image)."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    return qr_cli_usage_error ("ls", error->message);
  if (argc < 2 || argc > 3)
    return qr_cli_usage_error ("ls", argc < 2 ? _("Name the image file to read, such as "
                                                  "private.img.")
                                              : _("Name one image and at most one folder in "
                                                  "it."));

  image = open_image (argv[1], &files_path, &error);
  if (image == NULL)
    return qr_cli_report_error (error);

  path = argc == 3 ? argv[2] : files_path;
  infos = list_path (image, path, &error);
  if (infos == NULL)
    return report_lookup_error (error);

  g_ptr_array_sort (infos, compare_names);
  if (json)
    print_json (image, path, infos);
  else
    for (guint i = 0; i < infos->len; i++)
      print_entry_text (image, g_ptr_array_index (infos, i));

  return QR_EXIT_OK;
}

/* ---- copy ---- */

typedef struct
{
  gboolean terminal;
  gsize    line_width;
  int      last_tenth;
} Printer;

static void
on_progress_cb (QrImageCopy *copy,
                Printer     *printer)
{
  g_autofree char *done = g_format_size (qr_image_copy_get_bytes_done (copy));
  g_autofree char *total = g_format_size (qr_image_copy_get_bytes_total (copy));
  g_autofree char *left = qr_format_seconds_left (qr_image_copy_get_seconds_left (copy));
  g_autofree char *line = NULL;
  int percent = (int) (qr_image_copy_get_fraction (copy) * 100);
  char bar[21];

  if (qr_image_copy_get_files_total (copy) == 0)
    return;

  if (!printer->terminal)
    {
      /* Without a terminal, a line at every tenth. */
      if (percent / 10 == printer->last_tenth)
        return;
      printer->last_tenth = percent / 10;
    }

  for (int i = 0; i < 20; i++)
    bar[i] = i < percent / 5 ? '#' : '-';
  bar[20] = '\0';

  /* Translators: files done and in all, bytes done and in all, time left */
  line = g_strdup_printf (_("[%s] %3d%%  %u of %u files  %s of %s  %s"), bar, percent,
                          qr_image_copy_get_files_done (copy),
                          qr_image_copy_get_files_total (copy), done, total, left ? left : "");

  if (!printer->terminal)
    {
      g_printerr ("%s\n", line);
      return;
    }

  g_printerr ("\r%-*s", (int) printer->line_width, line);
  printer->line_width = MAX (printer->line_width, strlen (line));
}

static void
clear_progress_line (Printer *printer)
{
  if (printer->terminal && printer->line_width > 0)
    g_printerr ("\r%*s\r", (int) printer->line_width, "");
  printer->line_width = 0;
}

static void
print_note (QrImageCopyNote *note)
{
  g_autofree char *path = printable (note->path);
  g_autofree char *copied_as = note->copied_as != NULL ? printable (note->copied_as) : NULL;

  switch (note->kind)
    {
    case QR_IMAGE_COPY_NOTE_SKIPPED:
      g_printerr (_("%s: skipped: %s\n"), path, note->error->message);
      break;

    case QR_IMAGE_COPY_NOTE_DAMAGED:
      /* Translators: a damaged file left out of a copy, with how many of
       * its bytes were lost */
      g_printerr (_("%s: not copied: damaged, %llu of %llu bytes lost\n"), path,
                  (unsigned long long) note->missing, (unsigned long long) note->size);
      break;

    case QR_IMAGE_COPY_NOTE_COPIED_DAMAGED:
      /* Translators: a damaged file copied as asked, the name of its copy,
       * and how many of its bytes were lost (they read as zeros) */
      g_printerr (_("%s: copied damaged as “%s”, %llu of %llu bytes lost\n"), path, copied_as,
                  (unsigned long long) note->missing, (unsigned long long) note->size);
      break;

    case QR_IMAGE_COPY_NOTE_FAILED:
    default:
      g_printerr (_("%s: NOT COPIED: %s\n"), path, note->error->message);
      break;
    }
}

static void
print_notes (QrImageCopy *copy)
{
  GPtrArray *notes = qr_image_copy_get_notes (copy);

  for (guint i = 0; i < notes->len; i++)
    print_note (g_ptr_array_index (notes, i));
}

int
qr_cli_copy (int    argc,
             char **argv)
{
  char *to = NULL;
  gboolean damaged = FALSE;
  const GOptionEntry entries[] = {
    { "to", 0, 0, G_OPTION_ARG_FILENAME, &to,
      N_("The folder to copy into (made when missing)"), N_("DIR") },
    { "damaged", 0, 0, G_OPTION_ARG_NONE, &damaged,
      N_("Also copy damaged files of a partly recovered image, as “NAME (damaged).EXT”"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(QrImage) image = NULL;
  g_autoptr(QrImageCopy) copy = NULL;
  g_autoptr(GFile) destination = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *files_path = NULL;
  g_autofree char *dest_display = NULL;
  const char * const *copied;
  Printer printer = { isatty (STDERR_FILENO), 0, -1 };
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ok;

  context = g_option_context_new (_("IMAGE PATH… --to DIR - copy files out of a restored disk image"));
  g_option_context_set_summary (context,
                                _("Copies files and folders of IMAGE (a private.img or root.img) "
                                  "into DIR without mounting it, for any account: the copies are "
                                  "yours. PATH is taken from the root of the image's filesystem, "
                                  "such as home/user/Documents. Nothing in DIR is replaced. "
                                  "Of a partly recovered image, files whose data was partly "
                                  "lost are left out unless --damaged is given."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_free (to);
      return qr_cli_usage_error ("copy", error->message);
    }
  if (argc < 3 || to == NULL)
    {
      g_free (to);
      return qr_cli_usage_error ("copy", argc < 3 ? _("Name the image and what to copy out of "
                                                      "it, such as private.img "
                                                      "home/user/Documents.")
                                                  : _("Say where to copy to with --to DIR."));
    }

  destination = g_file_new_for_commandline_arg (to);
  g_free (to);

  image = open_image (argv[1], &files_path, &error);
  if (image == NULL)
    return qr_cli_report_error (error);

  copy = qr_image_copy_new (image, (const char * const *) argv + 2, destination);
  qr_image_copy_set_copy_damaged (copy, damaged);
  g_signal_connect (copy, "progress", G_CALLBACK (on_progress_cb), &printer);
  qr_image_copy_run_async (copy, cancellable, qr_cli_result_cb, &result);
  qr_cli_wait (cancellable, &result);
  ok = qr_image_copy_run_finish (copy, result, &error);
  g_signal_handlers_disconnect_by_data (copy, &printer);
  clear_progress_line (&printer);

  print_notes (copy);

  if (!ok)
    return qr_cli_report_error (error);

  dest_display = g_file_get_parse_name (destination);
  copied = qr_image_copy_get_copied (copy);
  if (copied[0] != NULL)
    {
      g_autofree char *size = g_format_size (qr_image_copy_get_bytes_done (copy));

      g_print (g_dngettext (GETTEXT_PACKAGE, "Copied %u file (%s) into %s\n",
                            "Copied %u files (%s) into %s\n",
                            qr_image_copy_get_files_done (copy)),
               qr_image_copy_get_files_done (copy), size, dest_display);
    }

  return QR_EXIT_OK;
}
