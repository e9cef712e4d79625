/* qr-cli-json.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>

#include "qr-cli-common.h"
#include "qr-cli-json.h"

/* Strings that may be missing are null, never left out. */
static void
add_string_member (JsonBuilder *builder,
                   const char  *name,
                   const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

/* ---- info ---- */

static void
add_strings (JsonBuilder *builder,
             const char  *name,
             GPtrArray   *strings)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; i < strings->len; i++)
    json_builder_add_string_value (builder, g_ptr_array_index (strings, i));
  json_builder_end_array (builder);
}

static GPtrArray *
dup_problem_messages (QrBackup *backup,
                      QrQube   *qube)
{
  g_autoptr(GPtrArray) problems = qr_backup_dup_problems (backup, qube);
  GPtrArray *messages = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < problems->len; i++)
    g_ptr_array_add (messages, g_strdup (((GError *) g_ptr_array_index (problems, i))->message));

  return messages;
}

static void
add_qube (JsonBuilder *builder,
          QrBackup    *backup,
          QrQube      *qube)
{
  g_autoptr(GPtrArray) problems = dup_problem_messages (backup, qube);

  json_builder_begin_object (builder);
  add_string_member (builder, "name", qr_qube_get_name (qube));
  add_string_member (builder, "class", qr_qube_get_klass (qube));
  add_string_member (builder, "label", qr_qube_get_label (qube));
  add_string_member (builder, "template", qr_qube_get_template (qube));
  add_string_member (builder, "backup_path", qr_qube_get_backup_path (qube));
  json_builder_set_member_name (builder, "size");
  json_builder_add_int_value (builder, (gint64) qr_qube_get_backup_size (qube));
  json_builder_set_member_name (builder, "included");
  json_builder_add_boolean_value (builder, qr_qube_get_included (qube));
  json_builder_set_member_name (builder, "present");
  json_builder_add_boolean_value (builder, qr_qube_get_present (qube));
  add_strings (builder, "problems", problems);
  json_builder_end_object (builder);
}

JsonNode *
qr_cli_json_info (QrBackup *backup)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const QrHeader *header = qr_backup_get_header (backup);
  GListModel *qubes = qr_backup_get_qubes (backup);
  gboolean unlocked = qr_backup_get_unlocked (backup);
  guint n = unlocked ? g_list_model_get_n_items (qubes) : 0;
  g_autoptr(GPtrArray) damage = qr_backup_dup_damage_notes (backup);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "schema");
  json_builder_add_int_value (builder, QR_CLI_JSON_SCHEMA);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, header->version);
  add_string_member (builder, "backup_id", header->backup_id);
  json_builder_set_member_name (builder, "encrypted");
  json_builder_add_boolean_value (builder, header->encrypted);
  json_builder_set_member_name (builder, "integrity_check");
  json_builder_add_boolean_value (builder, header->version > 1);
  json_builder_set_member_name (builder, "compressed");
  json_builder_add_boolean_value (builder, header->compressed);
  add_string_member (builder, "compression_filter",
                     header->compressed ? header->compression_filter : NULL);
  json_builder_set_member_name (builder, "size");
  json_builder_add_int_value (builder, (gint64) qr_backup_get_size (backup));
  json_builder_set_member_name (builder, "unlocked");
  json_builder_add_boolean_value (builder, unlocked);
  add_strings (builder, "damage", damage);

  json_builder_set_member_name (builder, "qubes");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrQube) qube = g_list_model_get_item (qubes, i);

      add_qube (builder, backup, qube);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/* ---- restore and verify ---- */

static const char *
state_name (QrRestoreItem *item)
{
  const GError *error = qr_restore_item_get_error (item);

  switch (qr_restore_item_get_state (item))
    {
    case QR_RESTORE_STATE_DONE:
      return "done";

    case QR_RESTORE_STATE_FAILED:
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return "cancelled";
      return "failed";

    case QR_RESTORE_STATE_PARTIAL:
      return "partial";

    case QR_RESTORE_STATE_WAITING:
    case QR_RESTORE_STATE_DERIVING_KEY:
    case QR_RESTORE_STATE_RESTORING:
    default:
      /* The run stopped before it reached this qube. */
      return "not-finished";
    }
}

static const char *
file_state_name (QrRestoreFileState state)
{
  switch (state)
    {
    case QR_RESTORE_FILE_COMPLETE:
      return "complete";
    case QR_RESTORE_FILE_PARTIAL:
      return "partial";
    case QR_RESTORE_FILE_MISSING:
    default:
      return "missing";
    }
}

static void
add_uint_member (JsonBuilder *builder,
                 const char  *name,
                 guint64      value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, (gint64) value);
}

/* Salvage: how each file came back, with its lost stretches. */
static void
add_recovery (JsonBuilder *builder,
              GListModel  *reports)
{
  guint n = g_list_model_get_n_items (reports);

  json_builder_set_member_name (builder, "recovery");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrRestoreFile) file = g_list_model_get_item (reports, i);
      const GArray *ranges = qr_restore_file_get_missing_ranges (file);

      json_builder_begin_object (builder);
      add_string_member (builder, "file", qr_restore_file_get_name (file));
      add_string_member (builder, "state", file_state_name (qr_restore_file_get_state (file)));
      add_uint_member (builder, "size", qr_restore_file_get_size (file));
      add_uint_member (builder, "recovered", qr_restore_file_get_recovered (file));
      add_uint_member (builder, "missing", qr_restore_file_get_missing (file));
      add_uint_member (builder, "parts", qr_restore_file_get_n_parts (file));
      add_uint_member (builder, "verified_parts", qr_restore_file_get_n_good_parts (file));
      add_string_member (builder, "reason", qr_restore_file_get_reason (file));

      json_builder_set_member_name (builder, "missing_ranges");
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
  json_builder_end_array (builder);
}

static void
add_item (JsonBuilder   *builder,
          QrRestoreItem *item)
{
  const GError *error = qr_restore_item_get_error (item);
  GFile *location = qr_restore_item_get_location (item);
  g_autofree char *folder = location != NULL ? g_file_get_path (location) : NULL;
  g_auto(GStrv) files = qr_restore_item_dup_files (item);
  g_auto(GStrv) notes = qr_restore_item_dup_notes (item);
  QrExitCode code = QR_EXIT_OK;

  if (qr_restore_item_get_state (item) != QR_RESTORE_STATE_DONE)
    code = error != NULL ? qr_cli_exit_code_for_error (error) : QR_EXIT_FAILURE;

  json_builder_begin_object (builder);
  add_string_member (builder, "name", qr_qube_get_name (qr_restore_item_get_qube (item)));
  add_string_member (builder, "state", state_name (item));
  add_string_member (builder, "error", error != NULL ? error->message : NULL);
  json_builder_set_member_name (builder, "exit_code");
  json_builder_add_int_value (builder, code);
  add_string_member (builder, "folder", folder);
  json_builder_set_member_name (builder, "size");
  json_builder_add_int_value (builder, (gint64) qr_restore_item_get_size (item));

  json_builder_set_member_name (builder, "files");
  json_builder_begin_array (builder);
  for (guint i = 0; files != NULL && files[i] != NULL; i++)
    json_builder_add_string_value (builder, files[i]);
  json_builder_end_array (builder);

  add_recovery (builder, qr_restore_item_get_reports (item));
  json_builder_set_member_name (builder, "notes");
  json_builder_begin_array (builder);
  for (guint i = 0; notes[i] != NULL; i++)
    json_builder_add_string_value (builder, notes[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

JsonNode *
qr_cli_json_restore (QrRestore *restore)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  GFile *destination = qr_restore_get_destination (restore);
  g_autofree char *dest = destination != NULL ? g_file_get_path (destination) : NULL;
  GListModel *items = qr_restore_get_items (restore);
  guint n = g_list_model_get_n_items (items);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "schema");
  json_builder_add_int_value (builder, QR_CLI_JSON_SCHEMA);
  add_string_member (builder, "operation",
                     qr_restore_get_verify_only (restore) ? "verify" : "restore");
  add_string_member (builder, "destination", dest);

  json_builder_set_member_name (builder, "qubes");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (items, i);

      add_item (builder, item);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

void
qr_cli_json_print (JsonNode *root)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);

  /* Not g_print(): JSON is UTF-8 whatever the locale's character set. */
  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}
