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
#include <unistd.h>

#include "qr-error.h"
#include "qr-restore-report.h"

/* A file broken in many places lists its first stretches only. */
#define MAX_LISTED_RANGES 20

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

gboolean
qr_restore_report_write (int          dir_fd,
                         const char  *text,
                         GError     **error)
{
  gsize len = strlen (text);
  int fd = openat (dir_fd, QR_RESTORE_REPORT_NAME,
                   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
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
                   _("Cannot write “%s”: %s."), QR_RESTORE_REPORT_NAME, g_strerror (errsv));
      if (fd >= 0)
        close (fd);
      return FALSE;
    }

  close (fd);
  return TRUE;
}
