/* qr-cli-progress.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "qr-cli-common.h"
#include "qr-cli-progress.h"
#include "qr-format.h"

/* The first seconds are all key derivation: no honest estimate yet. */
#define ESTIMATE_DELAY_USEC (5 * G_USEC_PER_SEC)

/* Without a size from the terminal, the classic width. */
#define DEFAULT_COLUMNS 80

struct _QrCliProgress
{
  QrRestore  *restore;
  GListModel *items;
  gboolean    terminal;
  gboolean    print_results;
  gint64      started;

  /* The last step printed without a terminal, to print each once. */
  char       *last_step;
  /* Cells taken by the line on the terminal now, to blank them. */
  guint       line_width;
};

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
format_done (QrRestore *restore)
{
  int percent = (int) (qr_restore_get_fraction (restore) * 100);
  char bar[21];

  if (qr_restore_get_bytes_total (restore) == 0)
    {
      g_autofree char *done = g_format_size (qr_restore_get_bytes_done (restore));

      return g_strdup_printf (_("%s read"), done);
    }

  percent = CLAMP (percent, 0, 100);
  for (int i = 0; i < 20; i++)
    bar[i] = i < percent / 5 ? '#' : '-';
  bar[20] = '\0';

  return g_strdup_printf ("[%s] %3d%%", bar, percent);
}

static char *
format_time_left (QrCliProgress *self)
{
  if (g_get_monotonic_time () - self->started < ESTIMATE_DELAY_USEC)
    return NULL;

  return qr_format_time_left (qr_restore_get_bytes_done (self->restore),
                              qr_restore_get_bytes_total (self->restore),
                              qr_restore_get_rate (self->restore));
}

static guint
terminal_columns (void)
{
  struct winsize size;

  if (ioctl (STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
    return size.ws_col;

  return DEFAULT_COLUMNS;
}

/* Cuts @line to at most @columns terminal cells; returns the cells it
 * takes. */
static guint
fit_line (GString *line,
          guint    columns)
{
  guint width = 0;

  for (const char *p = line->str; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      guint cells = g_unichar_iszerowidth (c) ? 0 : g_unichar_iswide (c) ? 2 : 1;

      if (width + cells > columns)
        {
          g_string_truncate (line, p - line->str);
          break;
        }
      width += cells;
    }

  return width;
}

static void
clear_line (QrCliProgress *self)
{
  if (self->terminal && self->line_width > 0)
    g_printerr ("\r%*s\r", (int) self->line_width, "");
  self->line_width = 0;
}

static void
show_on_terminal (QrCliProgress *self,
                  const char    *qube,
                  const char    *file)
{
  QrRestore *restore = self->restore;
  g_autofree char *done = format_done (restore);
  g_autofree char *part = format_part (restore);
  g_autofree char *size = g_format_size ((guint64) qr_restore_get_rate (restore));
  g_autofree char *left = format_time_left (self);
  g_autoptr(GString) line = g_string_new (NULL);
  guint width;

  g_string_printf (line, "%s  %s/%s %s %s  ", done, qube, file, part,
                   phase_label (qr_restore_get_phase (restore)));
  g_string_append_printf (line, _("%s/s"), size);
  if (left != NULL)
    g_string_append_printf (line, "  %s", left);

  /* The last column stays free: writing into it wraps on some terminals. */
  width = fit_line (line, terminal_columns () - 1);
  g_printerr ("\r%s%*s", line->str,
              (int) (self->line_width > width ? self->line_width - width : 0), "");
  self->line_width = MAX (width, self->line_width);
}

static void
progress_cb (QrRestore     *restore,
             QrCliProgress *self)
{
  const char *qube = qr_restore_get_current_qube (restore);
  const char *file = qr_restore_get_current_file (restore);
  g_autofree char *part = NULL;
  g_autofree char *step = NULL;

  if (qube == NULL || qr_restore_get_phase (restore) == QR_RESTORE_PHASE_FINISHED)
    return;

  if (self->terminal)
    {
      show_on_terminal (self, qube, file);
      return;
    }

  part = format_part (restore);
  step = g_strdup_printf (_("%s: %s %s: %s"), qube, file, part,
                          phase_label (qr_restore_get_phase (restore)));
  if (g_strcmp0 (step, self->last_step) != 0)
    g_printerr ("%s\n", step);
  g_free (self->last_step);
  self->last_step = g_steal_pointer (&step);
}

static void
print_done (QrCliProgress *self,
            QrRestoreItem *item)
{
  const char *name = qr_qube_get_name (qr_restore_item_get_qube (item));
  g_autofree char *size = g_format_size (qr_restore_item_get_size (item));
  g_autofree char *where = NULL;
  g_auto(GStrv) notes = qr_restore_item_dup_notes (item);
  gboolean checked = qr_backup_get_version (qr_restore_get_backup (self->restore)) > 1;

  if (qr_restore_get_verify_only (self->restore) && checked)
    g_print (_("%s: verified, %s, no damage found\n"), name, size);
  else if (qr_restore_get_verify_only (self->restore))
    g_print (_("%s: read, %s; it could not be checked for damage\n"), name, size);
  else
    {
      where = g_file_get_path (qr_restore_item_get_location (item));
      g_print (_("%s: restored to %s (%s)\n"), name, where, size);
    }

  /* What came back differently from the backup, or not at all. */
  for (guint i = 0; notes[i] != NULL; i++)
    g_print ("  %s\n", notes[i]);
}

static void
print_partial (QrCliProgress *self,
               QrRestoreItem *item)
{
  const char *name = qr_qube_get_name (qr_restore_item_get_qube (item));
  const GError *error = qr_restore_item_get_error (item);
  g_autofree char *where = NULL;

  if (qr_restore_get_verify_only (self->restore))
    {
      g_print (_("%s: damaged: %s\n"), name, error->message);
      return;
    }

  where = g_file_get_path (qr_restore_item_get_location (item));
  g_print (_("%s: PARTLY recovered to %s: %s\n"), name, where, error->message);
}

static void
item_state_cb (QrRestoreItem *item,
               GParamSpec    *pspec,
               QrCliProgress *self)
{
  const char *name = qr_qube_get_name (qr_restore_item_get_qube (item));
  const GError *error = qr_restore_item_get_error (item);

  switch (qr_restore_item_get_state (item))
    {
    case QR_RESTORE_STATE_DONE:
      clear_line (self);
      if (self->print_results)
        print_done (self, item);
      break;

    case QR_RESTORE_STATE_FAILED:
      clear_line (self);
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_printerr (_("%s: FAILED: %s\n"), name, error->message);
          qr_cli_print_remedy (error);
        }
      break;

    case QR_RESTORE_STATE_PARTIAL:
      clear_line (self);
      if (self->print_results)
        print_partial (self, item);
      break;

    case QR_RESTORE_STATE_WAITING:
    case QR_RESTORE_STATE_DERIVING_KEY:
    case QR_RESTORE_STATE_RESTORING:
    default:
      break;
    }
}

QrCliProgress *
qr_cli_progress_new (QrRestore *restore,
                     gboolean   print_results)
{
  QrCliProgress *self = g_new0 (QrCliProgress, 1);
  guint n_items;

  self->restore = g_object_ref (restore);
  self->items = g_object_ref (qr_restore_get_items (restore));
  self->terminal = isatty (STDERR_FILENO);
  self->print_results = print_results;
  self->started = g_get_monotonic_time ();

  g_signal_connect (restore, "progress", G_CALLBACK (progress_cb), self);

  n_items = g_list_model_get_n_items (self->items);
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (self->items, i);

      g_signal_connect (item, "notify::state", G_CALLBACK (item_state_cb), self);
    }

  return self;
}

void
qr_cli_progress_free (QrCliProgress *self)
{
  guint n_items = g_list_model_get_n_items (self->items);

  clear_line (self);
  g_signal_handlers_disconnect_by_data (self->restore, self);
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(QrRestoreItem) item = g_list_model_get_item (self->items, i);

      g_signal_handlers_disconnect_by_data (item, self);
    }

  g_clear_object (&self->items);
  g_clear_object (&self->restore);
  g_free (self->last_step);
  g_free (self);
}
