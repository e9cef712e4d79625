/* qr-cli-backup.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <termios.h>
#include <unistd.h>

#include "qr-backup.h"
#include "qr-cli.h"
#include "qr-cli-private.h"
#include "qr-error.h"
#include "qr-kdf-pool.h"
#include "qr-restore.h"
#include "qr-scrypt-file.h"

#define MAX_PASSPHRASE_SIZE 4096

typedef struct
{
  char          *passphrase_file;
  char          *dest;
  char          *max_memory;
  int            jobs;
  gboolean       json;
  char         **arguments;
} Options;

static void
options_clear (Options *options)
{
  g_clear_pointer (&options->passphrase_file, g_free);
  g_clear_pointer (&options->dest, g_free);
  g_clear_pointer (&options->max_memory, g_free);
  g_clear_pointer (&options->arguments, g_strfreev);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

/* ---- Passphrase ---- */

static char *
strip_one_newline (char *text)
{
  gsize len = strlen (text);

  if (len > 0 && text[len - 1] == '\n')
    text[--len] = '\0';
  if (len > 0 && text[len - 1] == '\r')
    text[--len] = '\0';
  return text;
}

/* Reads into memory that is wiped before it is freed: the passphrase
 * lives only in the engine's secure memory afterwards. */
static char *
read_stream_secure (FILE     *stream,
                    gboolean  line_only)
{
  char *buffer = g_malloc0 (MAX_PASSPHRASE_SIZE + 1);
  char *result;
  gsize len = 0;
  int c;

  setvbuf (stream, NULL, _IONBF, 0);
  while (len < MAX_PASSPHRASE_SIZE && (c = fgetc (stream)) != EOF)
    {
      if (line_only && c == '\n')
        break;
      buffer[len++] = (char) c;
    }

  result = qr_secure_strdup (strip_one_newline (buffer));
  explicit_bzero (buffer, MAX_PASSPHRASE_SIZE + 1);
  g_free (buffer);
  return result;
}

static char *
read_passphrase_file (const char  *path,
                      GError     **error)
{
  FILE *stream = fopen (path, "re");
  char *passphrase;

  if (stream == NULL)
    {
      int errsv = errno;

      g_set_error (error, QR_ERROR, QR_ERROR_FAILED, _("Cannot read the passphrase file “%s”: %s."),
                   path, g_strerror (errsv));
      return NULL;
    }

  passphrase = read_stream_secure (stream, FALSE);
  fclose (stream);
  return passphrase;
}

static char *
read_passphrase_terminal (const char *prompt)
{
  struct termios saved, quiet;
  char *passphrase;

  g_printerr ("%s", prompt);
  tcgetattr (STDIN_FILENO, &saved);
  quiet = saved;
  quiet.c_lflag &= ~ECHO;
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);

  passphrase = read_stream_secure (stdin, TRUE);

  tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);
  g_printerr ("\n");
  return passphrase;
}

/* From --passphrase-file, else from the terminal without echo, else from
 * standard input. */
static char *
get_passphrase (Options     *options,
                const char  *prompt,
                GError     **error)
{
  if (options->passphrase_file != NULL)
    return read_passphrase_file (options->passphrase_file, error);

  if (isatty (STDIN_FILENO))
    return read_passphrase_terminal (prompt);

  return read_stream_secure (stdin, FALSE);
}

/* ---- Options ---- */

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

static gboolean
parse_options (Options     *options,
               const char  *parameter,
               const char  *summary,
               gboolean     with_dest,
               gboolean     with_pool,
               gboolean     with_json,
               int          argc,
               char       **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (parameter);
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[8];
  guint n = 0;

  entries[n++] = (GOptionEntry) { "passphrase-file", 0, 0, G_OPTION_ARG_FILENAME,
                                  &options->passphrase_file,
                                  N_("Read the passphrase from FILE"), N_("FILE") };
  if (with_dest)
    entries[n++] = (GOptionEntry) { "dest", 'd', 0, G_OPTION_ARG_FILENAME, &options->dest,
                                    N_("Restore into the folder DIR"), N_("DIR") };
  if (with_pool)
    {
      entries[n++] = (GOptionEntry) { "jobs", 'j', 0, G_OPTION_ARG_INT, &options->jobs,
                                      N_("Derive at most N keys at once (default: one per core)"),
                                      N_("N") };
      entries[n++] = (GOptionEntry) { "max-memory", 0, 0, G_OPTION_ARG_STRING,
                                      &options->max_memory,
                                      N_("Use at most SIZE of memory for keys, such as 4G "
                                         "(default: half of the available memory)"),
                                      N_("SIZE") };
    }
  if (with_json)
    entries[n++] = (GOptionEntry) { "json", 0, 0, G_OPTION_ARG_NONE, &options->json,
                                    N_("Print the information as JSON"), NULL };
  entries[n++] = (GOptionEntry) { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY,
                                  &options->arguments, NULL, NULL };
  entries[n] = (GOptionEntry) { NULL };

  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    return qr_cli_usage_error (context, error->message);

  if (options->arguments == NULL || options->arguments[0] == NULL)
    return qr_cli_usage_error (context, _("Name the backup file."));

  if (with_dest && options->dest == NULL)
    return qr_cli_usage_error (context, _("Name the destination folder with --dest DIR."));

  if (options->jobs < 0)
    return qr_cli_usage_error (context, _("--jobs takes a positive number."));

  if (options->max_memory != NULL)
    {
      guint64 size;

      if (!parse_size (options->max_memory, &size))
        return qr_cli_usage_error (context, _("--max-memory takes a size such as 4G or 512M."));
    }

  return TRUE;
}

static QrKdfPool *
create_pool (Options *options)
{
  guint64 budget = 0;

  if (options->max_memory != NULL)
    parse_size (options->max_memory, &budget);

  return qr_kdf_pool_new (options->jobs, budget);
}

/* ---- Opening and unlocking, driven by the main loop ---- */

typedef struct
{
  gboolean      done;
  GAsyncResult *result;
} Wait;

static void
wait_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

static QrBackup *
open_backup (const char    *path,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);
  Wait wait = { FALSE, NULL };
  QrBackup *backup;

  qr_backup_open_async (file, cancellable, wait_cb, &wait);
  qr_cli_wait (&wait.done, cancellable);
  backup = qr_backup_open_finish (wait.result, error);
  g_object_unref (wait.result);
  return backup;
}

static gboolean
unlock_backup (QrBackup      *backup,
               const char    *passphrase,
               QrKdfPool     *pool,
               GCancellable  *cancellable,
               GError       **error)
{
  Wait wait = { FALSE, NULL };
  gboolean ret;

  qr_backup_unlock_async (backup, passphrase, pool, cancellable, wait_cb, &wait);
  qr_cli_wait (&wait.done, cancellable);
  ret = qr_backup_unlock_finish (backup, wait.result, error);
  g_object_unref (wait.result);
  return ret;
}

/* ---- info ---- */

static void
print_json_string (GString    *out,
                   const char *value)
{
  if (value == NULL)
    {
      g_string_append (out, "null");
      return;
    }

  g_string_append_c (out, '"');
  for (const char *p = value; *p; p++)
    {
      guchar c = *p;

      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", c);
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, c);
    }
  g_string_append_c (out, '"');
}

static void
print_info_json (QrBackup *backup)
{
  const QrHeader *header = qr_backup_get_header (backup);
  g_autoptr(GString) out = g_string_new ("{");
  GListModel *qubes = qr_backup_get_qubes (backup);
  guint n = g_list_model_get_n_items (qubes);

  g_string_append_printf (out, "\"version\": %u, \"backup_id\": ", header->version);
  print_json_string (out, header->backup_id);
  g_string_append_printf (out, ", \"compressed\": %s, \"compression_filter\": ",
                          header->compressed ? "true" : "false");
  print_json_string (out, header->compression_filter);
  g_string_append (out, ", \"qubes\": ");

  if (!qr_backup_get_unlocked (backup))
    g_string_append (out, "null");
  else
    {
      g_string_append_c (out, '[');
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(QrQube) qube = g_list_model_get_item (qubes, i);

          g_string_append (out, i > 0 ? ", {\"name\": " : "{\"name\": ");
          print_json_string (out, qr_qube_get_name (qube));
          g_string_append (out, ", \"class\": ");
          print_json_string (out, qr_qube_get_klass (qube));
          g_string_append (out, ", \"label\": ");
          print_json_string (out, qr_qube_get_label (qube));
          g_string_append (out, ", \"template\": ");
          print_json_string (out, qr_qube_get_template (qube));
          g_string_append (out, ", \"backup_path\": ");
          print_json_string (out, qr_qube_get_backup_path (qube));
          g_string_append_printf (out,
                                  ", \"size\": %" G_GUINT64_FORMAT ", \"included\": %s, "
                                  "\"present\": %s}",
                                  qr_qube_get_backup_size (qube),
                                  qr_qube_get_included (qube) ? "true" : "false",
                                  qr_qube_get_present (qube) ? "true" : "false");
        }
      g_string_append_c (out, ']');
    }

  g_string_append (out, "}\n");
  fputs (out->str, stdout);
}

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
print_damage (QrBackup *backup,
              FILE     *stream)
{
  g_autoptr(GPtrArray) notes = qr_backup_dup_damage_notes (backup);

  if (notes->len > 0)
    fprintf (stream, "%s\n", _("The backup file is damaged:"));
  for (guint i = 0; i < notes->len; i++)
    fprintf (stream, "  %s\n", (const char *) g_ptr_array_index (notes, i));
}

static void
print_info_text (QrBackup *backup)
{
  const QrHeader *header = qr_backup_get_header (backup);
  GListModel *qubes = qr_backup_get_qubes (backup);
  guint n = g_list_model_get_n_items (qubes);
  g_autofree char *size = g_format_size (qr_backup_get_size (backup));

  g_print (_("Format version:  %u\n"), header->version);
  g_print (_("Backup ID:       %s\n"), header->backup_id);
  g_print (_("Compression:     %s\n"), header->compressed ? header->compression_filter : _("none"));
  /* A backup read from a pipe has no size to tell. */
  if (qr_backup_get_size (backup) > 0)
    g_print (_("Size:            %s\n"), size);

  if (!qr_backup_get_unlocked (backup))
    {
      g_print ("\n%s\n", _("The list of qubes needs the backup's passphrase (--passphrase-file FILE)."));
      return;
    }

  g_print ("\n%-24s %-14s %-8s %-24s %10s\n", _("QUBE"), _("TYPE"), _("LABEL"), _("TEMPLATE"),
           _("SIZE"));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrQube) qube = g_list_model_get_item (qubes, i);
      g_autofree char *qube_size = g_format_size (qr_qube_get_backup_size (qube));

      if (!qr_qube_get_included (qube))
        continue;

      g_print ("%-24s %-14s %-8s %-24s %10s\n", qr_qube_get_name (qube),
               qr_qube_get_klass (qube) ? qr_qube_get_klass (qube) : "",
               qr_qube_get_label (qube) ? qr_qube_get_label (qube) : "",
               qr_qube_get_template (qube) ? qr_qube_get_template (qube) : "",
               qube_size);
      print_problems (backup, qube);
    }

  g_print ("\n");
  print_damage (backup, stdout);
}

int
qr_cli_info (int    argc,
             char **argv)
{
  g_auto(Options) options = { 0 };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(QrBackup) backup = NULL;
  g_autoptr(QrKdfPool) pool = NULL;
  g_autoptr(GError) error = NULL;
  char *passphrase;

  if (!parse_options (&options, _("BACKUP"), _("Show what a backup holds."),
                      FALSE, FALSE, TRUE, argc, argv))
    return QR_EXIT_FAILURE;

  backup = open_backup (options.arguments[0], cancellable, &error);
  if (backup == NULL)
    return qr_cli_report_error (error);

  /* An empty passphrase (or none on standard input) shows the header only. */
  passphrase = get_passphrase (&options, _("Passphrase (press Enter to show only the header): "),
                               &error);
  if (passphrase == NULL)
    return qr_cli_report_error (error);

  if (passphrase[0] != '\0')
    {
      pool = qr_kdf_pool_new (0, 0);
      if (!unlock_backup (backup, passphrase, pool, cancellable, &error))
        {
          qr_secure_free (passphrase);
          return qr_cli_report_error (error);
        }
    }
  g_clear_pointer (&passphrase, qr_secure_free);

  if (options.json)
    print_info_json (backup);
  else
    print_info_text (backup);

  return QR_EXIT_OK;
}

/* ---- verify and restore ---- */

typedef struct
{
  QrRestore *restore;
  gboolean   terminal;
  gint64     started;
  char      *last_line;
  gsize      line_width;
  guint      n_failed;
} Printer;

static const char *
phase_label (QrRestorePhase phase)
{
  switch (phase)
    {
    case QR_RESTORE_PHASE_DERIVING_KEY:
      return _("deriving key");
    case QR_RESTORE_PHASE_VERIFYING:
      return _("verifying");
    case QR_RESTORE_PHASE_WRITING:
      return _("writing");
    case QR_RESTORE_PHASE_IDLE:
    case QR_RESTORE_PHASE_FINISHED:
    default:
      return "";
    }
}

static char *
format_time_left (Printer *printer)
{
  double rate = qr_restore_get_rate (printer->restore);
  guint64 left = qr_restore_get_bytes_total (printer->restore) -
                 qr_restore_get_bytes_done (printer->restore);
  gint64 elapsed = (g_get_monotonic_time () - printer->started) / G_USEC_PER_SEC;
  guint64 seconds;

  /* The first seconds are all key derivation: no honest estimate yet. */
  if (rate <= 0 || elapsed < 5)
    return g_strdup ("");

  seconds = (guint64) (left / rate);
  if (seconds < 60)
    return g_strdup_printf (_("%u s left"), (guint) seconds);
  if (seconds < 3600)
    return g_strdup_printf (_("%u min left"), (guint) ((seconds + 59) / 60));
  return g_strdup_printf (_("%u h %02u min left"), (guint) (seconds / 3600),
                          (guint) ((seconds % 3600) / 60));
}

/* "part 3 of 7", or "part 3" when the count is not known yet (a pipe). */
static char *
format_part (QrRestore *restore)
{
  guint chunk = qr_restore_get_chunk (restore);
  guint n_chunks = qr_restore_get_n_chunks (restore);

  if (n_chunks == 0)
    return g_strdup_printf (_("part %u"), chunk);

  return g_strdup_printf (_("part %u of %u"), chunk, n_chunks);
}

/* A bar with the percentage, or the amount read when the total is not
 * known (a pipe). */
static char *
format_done (QrRestore *restore,
             int        percent)
{
  char bar[21];

  if (qr_restore_get_bytes_total (restore) == 0)
    {
      g_autofree char *done = g_format_size (qr_restore_get_bytes_done (restore));

      return g_strdup_printf (_("%s read"), done);
    }

  for (int i = 0; i < 20; i++)
    bar[i] = i < percent / 5 ? '#' : '-';
  bar[20] = '\0';

  return g_strdup_printf ("[%s] %3d%%", bar, percent);
}

static void
on_progress_cb (QrRestore *restore,
                Printer   *printer)
{
  const char *qube = qr_restore_get_current_qube (restore);
  const char *file = qr_restore_get_current_file (restore);
  g_autofree char *rate = g_format_size ((guint64) qr_restore_get_rate (restore));
  g_autofree char *left = format_time_left (printer);
  g_autofree char *line = NULL;
  g_autofree char *part = format_part (restore);
  int percent = (int) (qr_restore_get_fraction (restore) * 100);

  if (qube == NULL || qr_restore_get_phase (restore) == QR_RESTORE_PHASE_FINISHED)
    return;

  if (printer->terminal)
    {
      g_autofree char *done = format_done (restore, percent);

      line = g_strdup_printf ("%s  %s/%s %s %s  %s/s  %s", done, qube, file, part,
                              phase_label (qr_restore_get_phase (restore)), rate, left);
      g_printerr ("\r%-*s", (int) printer->line_width, line);
      printer->line_width = MAX (printer->line_width, strlen (line));
      return;
    }

  /* Without a terminal, one line per step, and only when the step changes. */
  line = g_strdup_printf (_("%s: %s %s: %s"), qube, file, part,
                          phase_label (qr_restore_get_phase (restore)));
  if (g_strcmp0 (line, printer->last_line) != 0)
    g_printerr ("%s\n", line);
  g_free (printer->last_line);
  printer->last_line = g_steal_pointer (&line);
}

static void
clear_progress_line (Printer *printer)
{
  if (printer->terminal && printer->line_width > 0)
    g_printerr ("\r%*s\r", (int) printer->line_width, "");
  printer->line_width = 0;
}

static void
on_item_state_cb (QrRestoreItem *item,
                  GParamSpec    *pspec,
                  Printer       *printer)
{
  QrQube *qube = qr_restore_item_get_qube (item);
  const GError *error = qr_restore_item_get_error (item);
  g_autofree char *size = g_format_size (qr_restore_item_get_size (item));
  g_autofree char *where = NULL;

  switch (qr_restore_item_get_state (item))
    {
    case QR_RESTORE_STATE_DONE:
      clear_progress_line (printer);
      if (qr_restore_get_verify_only (printer->restore))
        g_print (_("%s: verified, %s, no damage found\n"), qr_qube_get_name (qube), size);
      else
        {
          where = g_file_get_path (qr_restore_item_get_location (item));
          g_print (_("%s: restored to %s (%s)\n"), qr_qube_get_name (qube), where, size);
        }
      break;

    case QR_RESTORE_STATE_FAILED:
      clear_progress_line (printer);
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_printerr (_("%s: FAILED: %s\n"), qr_qube_get_name (qube), error->message);
          printer->n_failed++;
        }
      break;

    case QR_RESTORE_STATE_WAITING:
    case QR_RESTORE_STATE_DERIVING_KEY:
    case QR_RESTORE_STATE_RESTORING:
    default:
      break;
    }
}

static void
print_qube_names (QrBackup *backup)
{
  GListModel *qubes = qr_backup_get_qubes (backup);
  g_autoptr(GString) names = g_string_new (NULL);
  guint n = g_list_model_get_n_items (qubes);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrQube) qube = g_list_model_get_item (qubes, i);

      if (!qr_qube_get_included (qube))
        continue;
      if (names->len > 0)
        g_string_append (names, ", ");
      g_string_append (names, qr_qube_get_name (qube));
    }

  g_printerr (_("The qubes in this backup are: %s.\n"), names->str);
}

static gboolean
select_qubes (QrRestore  *restore,
              QrBackup   *backup,
              char      **names)
{
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      QrQube *qube = qr_backup_lookup_qube (backup, names[i]);

      if (qube == NULL || !qr_qube_get_included (qube))
        {
          g_printerr (qube == NULL ? _("qubes-rescue-cli: there is no qube named “%s” in this backup.\n")
                                   : _("qubes-rescue-cli: the qube “%s” was not included in this backup.\n"),
                      names[i]);
          print_qube_names (backup);
          return FALSE;
        }

      qr_restore_select (restore, qube);
    }

  return TRUE;
}

/* Unfinished restores of an earlier run that was stopped, removed before
 * this one started. */
static void
print_removed_unfinished (QrRestore *restore)
{
  const char * const *removed = qr_restore_get_removed_unfinished (restore);

  for (guint i = 0; removed[i] != NULL; i++)
    g_printerr (_("Removed the unfinished restore of “%s” that an earlier, interrupted run "
                  "left in the destination folder.\n"),
                removed[i]);
}

static int
run_restore (Options      *options,
             GCancellable *cancellable)
{
  g_autoptr(QrBackup) backup = NULL;
  g_autoptr(QrKdfPool) pool = NULL;
  g_autoptr(QrRestore) restore = NULL;
  g_autoptr(GFile) dest = NULL;
  g_autoptr(GError) error = NULL;
  Printer printer = { 0 };
  Wait wait = { FALSE, NULL };
  GListModel *items;
  char *passphrase;
  gboolean ok;

  backup = open_backup (options->arguments[0], cancellable, &error);
  if (backup == NULL)
    return qr_cli_report_error (error);

  passphrase = get_passphrase (options, _("Passphrase: "), &error);
  if (passphrase == NULL)
    return qr_cli_report_error (error);

  pool = create_pool (options);
  ok = unlock_backup (backup, passphrase, pool, cancellable, &error);
  qr_secure_free (passphrase);
  if (!ok)
    return qr_cli_report_error (error);

  print_damage (backup, stderr);
  if (options->dest != NULL)
    dest = g_file_new_for_commandline_arg (options->dest);

  restore = qr_restore_new (backup, dest);
  qr_restore_set_kdf_pool (restore, pool);
  if (!select_qubes (restore, backup, options->arguments + 1))
    return QR_EXIT_FAILURE;

  printer.restore = restore;
  printer.terminal = isatty (STDERR_FILENO);
  printer.started = g_get_monotonic_time ();
  g_signal_connect (restore, "progress", G_CALLBACK (on_progress_cb), &printer);

  qr_restore_run_async (restore, cancellable, wait_cb, &wait);
  items = qr_restore_get_items (restore);
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (items, i);

      g_signal_connect (item, "notify::state", G_CALLBACK (on_item_state_cb), &printer);
    }

  qr_cli_wait (&wait.done, cancellable);
  ok = qr_restore_run_finish (restore, wait.result, &error);
  g_object_unref (wait.result);
  clear_progress_line (&printer);
  g_signal_handlers_disconnect_by_data (restore, &printer);
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (items, i);

      g_signal_handlers_disconnect_by_data (item, &printer);
    }
  g_free (printer.last_line);
  print_removed_unfinished (restore);

  /* Each failed qube already said why; end with how many. */
  if (!ok && printer.n_failed > 0)
    {
      g_printerr (g_dngettext (GETTEXT_PACKAGE,
                               "qubes-rescue-cli: %u of %u qube failed.\n",
                               "qubes-rescue-cli: %u of %u qubes failed.\n",
                               g_list_model_get_n_items (items)),
                  printer.n_failed, g_list_model_get_n_items (items));
      return qr_error_get_exit_code (error);
    }

  if (!ok)
    return qr_cli_report_error (error);

  return QR_EXIT_OK;
}

int
qr_cli_verify (int    argc,
               char **argv)
{
  g_auto(Options) options = { 0 };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  if (!parse_options (&options, _("BACKUP [QUBE…]"),
                      _("Check every part of a backup without writing anything."),
                      FALSE, TRUE, FALSE, argc, argv))
    return QR_EXIT_FAILURE;

  return run_restore (&options, cancellable);
}

int
qr_cli_restore (int    argc,
                char **argv)
{
  g_auto(Options) options = { 0 };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  if (!parse_options (&options, _("BACKUP --dest DIR [QUBE…]"),
                      _("Restore qubes from a backup into a folder: DIR/QUBE/private.img and so on."),
                      TRUE, TRUE, FALSE, argc, argv))
    return QR_EXIT_FAILURE;

  return run_restore (&options, cancellable);
}
