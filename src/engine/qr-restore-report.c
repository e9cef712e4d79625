/* qr-restore-report.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The report a partly recovered qube's folder holds, in plain words: for
 * each file whether it came back whole, in part (which stretches are
 * missing, and why) or not at all. It is written beside the files so that
 * it travels with them. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qr-error.h"
#include "qr-restore-report.h"

/* A file broken in many places lists its first stretches only. */
#define MAX_LISTED_RANGES 20

/* The list of lost stretches is ours, but read back from a folder anyone
 * could have written into: it is read within bounds. */
#define MAX_LOST_LIST_SIZE (16 * 1024 * 1024)

static guint
percent_recovered (QrRestoreFile *file)
{
  guint64 recovered = qr_restore_file_get_recovered (file);
  guint64 whole = recovered + qr_restore_file_get_missing (file);

  return whole > 0 ? (guint) (recovered * 100 / whole) : 0;
}

static void
append_ranges (GString       *out,
               QrRestoreFile *file)
{
  const GArray *ranges = qr_restore_file_get_missing_ranges (file);

  for (guint i = 0; i < ranges->len && i < MAX_LISTED_RANGES; i++)
    {
      const QrRestoreRange *range = &g_array_index (ranges, QrRestoreRange, i);
      g_autofree char *size = g_format_size (range->length);

      g_string_append (out, "    ");
      g_string_append_printf (out, _("bytes %llu to %llu (%s)"),
                              (unsigned long long) range->offset,
                              (unsigned long long) (range->offset + range->length - 1), size);
      g_string_append_c (out, '\n');
    }

  if (ranges->len > MAX_LISTED_RANGES)
    {
      g_string_append (out, "    ");
      g_string_append_printf (out, g_dngettext (GETTEXT_PACKAGE, "and %u more stretch",
                                                "and %u more stretches",
                                                ranges->len - MAX_LISTED_RANGES),
                              ranges->len - MAX_LISTED_RANGES);
      g_string_append_c (out, '\n');
    }
}

static void
append_partial (GString       *out,
                QrRestoreFile *file)
{
  g_autofree char *recovered = g_format_size (qr_restore_file_get_recovered (file));
  g_autofree char *missing = g_format_size (qr_restore_file_get_missing (file));

  g_string_append_printf (out, _("%s: partly recovered"), qr_restore_file_get_name (file));
  g_string_append (out, "\n  ");
  if (qr_restore_file_get_n_parts (file) > 0)
    {
      g_string_append_printf (out, _("%u of %u parts verified."),
                              qr_restore_file_get_n_good_parts (file),
                              qr_restore_file_get_n_parts (file));
      g_string_append_c (out, ' ');
    }
  g_string_append_printf (out, _("%s of data recovered (%u%%), %s missing."), recovered,
                          percent_recovered (file), missing);
  g_string_append_c (out, '\n');

  if (qr_restore_file_get_missing (file) > 0)
    {
      g_string_append_printf (out, "  %s\n",
                              _("Missing, reading as zeros:"));
      append_ranges (out, file);
    }
}

static void
append_file (GString       *out,
             QrRestoreFile *file)
{
  const char *reason = qr_restore_file_get_reason (file);

  switch (qr_restore_file_get_state (file))
    {
    case QR_RESTORE_FILE_COMPLETE:
      g_string_append_printf (out, _("%s: complete"), qr_restore_file_get_name (file));
      g_string_append_c (out, '\n');
      return;

    case QR_RESTORE_FILE_PARTIAL:
      append_partial (out, file);
      break;

    case QR_RESTORE_FILE_MISSING:
    default:
      g_string_append_printf (out, _("%s: not recovered"), qr_restore_file_get_name (file));
      g_string_append_c (out, '\n');
      break;
    }

  if (reason != NULL)
    {
      g_string_append_printf (out, "  %s", _("Why:"));
      g_string_append_printf (out, " %s\n", reason);
    }
}

/**
 * qr_restore_report_format:
 * @files: (element-type QrRestoreFile): how each file came back
 * @problems: (element-type GError): what the backup was known to lack
 *
 * Returns: the report's text
 */
char *
qr_restore_report_format (QrQube    *qube,
                          GPtrArray *files,
                          GPtrArray *problems)
{
  g_autoptr(GString) out = g_string_new (NULL);

  g_string_append_printf (out, _("Qubes Backup Rescue: what was recovered of qube “%s”"),
                          qr_qube_get_name (qube));
  g_string_append (out, "\n\n");
  g_string_append (out, _("The backup of this qube is damaged or incomplete. Only data that "
                          "passed its integrity check was written; what could not be recovered "
                          "reads as zeros. Programs may show errors for files whose data was "
                          "lost."));
  g_string_append (out, "\n\n");

  for (guint i = 0; i < files->len; i++)
    {
      append_file (out, g_ptr_array_index (files, i));
      g_string_append_c (out, '\n');
    }

  if (problems != NULL && problems->len > 0)
    {
      g_string_append_printf (out, "%s\n", _("Also known to be missing:"));
      for (guint i = 0; i < problems->len; i++)
        g_string_append_printf (out, "  %s\n",
                                ((GError *) g_ptr_array_index (problems, i))->message);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * qr_restore_report_summary:
 * @files: (element-type QrRestoreFile): how each file came back
 *
 * Returns: one sentence on what is not whole, such as "Partly recovered:
 *   private.img 48 % (the rest is lost), root.img not recovered."
 */
char *
qr_restore_report_summary (GPtrArray *files)
{
  g_autoptr(GString) list = g_string_new (NULL);

  for (guint i = 0; i < files->len; i++)
    {
      QrRestoreFile *file = g_ptr_array_index (files, i);
      QrRestoreFileState state = qr_restore_file_get_state (file);

      if (state == QR_RESTORE_FILE_COMPLETE)
        continue;

      if (list->len > 0)
        g_string_append (list, ", ");
      if (state == QR_RESTORE_FILE_PARTIAL)
        g_string_append_printf (list, _("%s %u%% recovered"), qr_restore_file_get_name (file),
                                percent_recovered (file));
      else
        g_string_append_printf (list, _("%s not recovered"), qr_restore_file_get_name (file));
    }

  if (list->len == 0)
    return g_strdup (_("Partly recovered: files the backup should hold are missing from it."));

  return g_strdup_printf (_("Partly recovered: %s. See %s in its folder."), list->str,
                          QR_RESTORE_REPORT_NAME);
}

static gboolean
write_file (int          dir_fd,
            const char  *name,
            const char  *text,
            GError     **error)
{
  gsize len = strlen (text);
  int fd = openat (dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  gsize done = 0;

  while (fd >= 0 && done < len)
    {
      ssize_t n = write (fd, text + done, len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      done += n;
    }

  if (fd < 0 || done < len)
    {
      int errsv = errno;

      g_set_error (error, QR_ERROR, qr_error_from_errno (errsv),
                   _("Cannot write “%s”: %s."), name, g_strerror (errsv));
      if (fd >= 0)
        close (fd);
      return FALSE;
    }

  close (fd);
  return TRUE;
}

/* The lost stretches of each partly recovered file, for the programs that
 * read the files later (Copy Files tells intact files from damaged ones):
 * {"schema": 1, "files": {"private.img": {"size": N, "lost": [[offset,
 * length], ...]}}}. */
static char *
format_lost (GPtrArray *files)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "schema");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "files");
  json_builder_begin_object (builder);
  for (guint i = 0; i < files->len; i++)
    {
      QrRestoreFile *file = g_ptr_array_index (files, i);
      const GArray *ranges = qr_restore_file_get_missing_ranges (file);

      if (qr_restore_file_get_state (file) != QR_RESTORE_FILE_PARTIAL)
        continue;

      json_builder_set_member_name (builder, qr_restore_file_get_name (file));
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "size");
      json_builder_add_int_value (builder, (gint64) qr_restore_file_get_size (file));
      json_builder_set_member_name (builder, "lost");
      json_builder_begin_array (builder);
      for (guint j = 0; j < ranges->len; j++)
        {
          const QrRestoreRange *range = &g_array_index (ranges, QrRestoreRange, j);

          json_builder_begin_array (builder);
          json_builder_add_int_value (builder, (gint64) range->offset);
          json_builder_add_int_value (builder, (gint64) range->length);
          json_builder_end_array (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/**
 * qr_restore_report_write:
 * @files: (element-type QrRestoreFile): how each file came back
 *
 * Writes the report and the list of lost stretches into a qube's folder.
 */
gboolean
qr_restore_report_write (int          dir_fd,
                         const char  *text,
                         GPtrArray   *files,
                         GError     **error)
{
  g_autofree char *lost = format_lost (files);

  return write_file (dir_fd, QR_RESTORE_REPORT_NAME, text, error) &&
         write_file (dir_fd, QR_RESTORE_REPORT_RANGES_NAME, lost, error);
}

static gboolean
lost_list_damaged (GError     **error,
                   const char  *folder)
{
  g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
               _("The list of lost parts in “%s” is damaged."), folder);
  return FALSE;
}

/* The list is ours, but read back from a disk anything may have written
 * to: every member is checked for its type before it is used. */
static gboolean
node_get_int (JsonNode *node,
              gint64   *value)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;

  *value = json_node_get_int (node);
  return TRUE;
}

static JsonNode *
object_get_node (JsonObject *object,
                 const char *name,
                 JsonNodeType type)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_TYPE (node) == type ? node : NULL;
}

static gboolean
read_ranges (JsonArray  *lost,
             gint64      size,
             GArray     *ranges)
{
  guint n = json_array_get_length (lost);

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (lost, i);
      JsonArray *pair;
      gint64 offset, length;

      if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (pair = json_node_get_array (node)) != 2 ||
          !node_get_int (json_array_get_element (pair, 0), &offset) ||
          !node_get_int (json_array_get_element (pair, 1), &length))
        return FALSE;

      if (offset < 0 || length <= 0 || offset > size || length > size - offset)
        return FALSE;

      g_array_append_val (ranges, ((QrRestoreRange) { offset, length }));
    }

  return TRUE;
}

/* At most MAX_LOST_LIST_SIZE bytes, checked before they are read. */
static char *
read_list (const char  *path,
           gsize       *len)
{
  g_autofree char *text = NULL;
  struct stat st;
  ssize_t n;
  int fd;

  fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return NULL;

  if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && st.st_size <= MAX_LOST_LIST_SIZE)
    {
      text = g_malloc (st.st_size + 1);
      n = pread (fd, text, st.st_size, 0);
      if (n == st.st_size)
        {
          text[n] = '\0';
          *len = n;
        }
      else
        g_clear_pointer (&text, g_free);
    }

  close (fd);
  return g_steal_pointer (&text);
}

/**
 * qr_restore_report_read_lost:
 * @folder: a restored qube's folder
 * @name: a file's name in it
 *
 * Returns: (nullable): the stretches of @name that a salvage could not
 *   recover, or %NULL when it is whole (no list, or not on it); %NULL with
 *   @error set when the list cannot be read
 */
GArray *
qr_restore_report_read_lost (const char  *folder,
                             const char  *name,
                             GError     **error)
{
  g_autofree char *path = g_build_filename (folder, QR_RESTORE_REPORT_RANGES_NAME, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GArray) ranges = g_array_new (FALSE, FALSE, sizeof (QrRestoreRange));
  g_autofree char *text = NULL;
  JsonNode *root, *files, *file, *lost;
  gint64 size;
  gsize len = 0;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;

  text = read_list (path, &len);
  if (text == NULL || !json_parser_load_from_data (parser, text, len, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      (files = object_get_node (json_node_get_object (root), "files", JSON_NODE_OBJECT)) == NULL)
    {
      lost_list_damaged (error, folder);
      return NULL;
    }

  if (!json_object_has_member (json_node_get_object (files), name))
    return NULL;

  file = object_get_node (json_node_get_object (files), name, JSON_NODE_OBJECT);
  lost = file != NULL ? object_get_node (json_node_get_object (file), "lost", JSON_NODE_ARRAY) : NULL;
  if (lost == NULL ||
      !node_get_int (json_object_get_member (json_node_get_object (file), "size"), &size) ||
      !read_ranges (json_node_get_array (lost), size, ranges))
    {
      lost_list_damaged (error, folder);
      return NULL;
    }

  return g_steal_pointer (&ranges);
}
