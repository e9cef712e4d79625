/* qr-cli-passphrase.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "qr-cli-common.h"
#include "qr-cli-passphrase.h"
#include "qr-scrypt-file.h"

typedef enum
{
  ORIGIN_FILE,
  ORIGIN_FD,
  ORIGIN_TERMINAL,
  ORIGIN_STDIN,
} Origin;

static Origin
resolve_origin (const QrCliPassphraseSource  *source,
                const char                  **file,
                int                          *fd)
{
  const char *env = g_getenv (QR_CLI_PASSPHRASE_FILE_ENV);

  *file = NULL;
  *fd = -1;

  if (source->file != NULL)
    {
      *file = source->file;
      return ORIGIN_FILE;
    }

  if (source->fd >= 0)
    {
      *fd = source->fd;
      return ORIGIN_FD;
    }

  if (env != NULL && env[0] != '\0')
    {
      *file = env;
      return ORIGIN_FILE;
    }

  *fd = STDIN_FILENO;
  return isatty (STDIN_FILENO) ? ORIGIN_TERMINAL : ORIGIN_STDIN;
}

/* Whether @path names the very file or pipe that standard input is. */
static gboolean
is_standard_input (const char *path)
{
  struct stat in, named;

  if (fstat (STDIN_FILENO, &in) != 0 || stat (path, &named) != 0)
    return FALSE;

  return in.st_dev == named.st_dev && in.st_ino == named.st_ino;
}

gboolean
qr_cli_passphrase_check_source (const QrCliPassphraseSource  *source,
                                const char                   *backup_path,
                                GError                      **error)
{
  const char *file;
  int fd;

  if (resolve_origin (source, &file, &fd) == ORIGIN_FILE || fd != STDIN_FILENO)
    return TRUE;

  if (!is_standard_input (backup_path))
    return TRUE;

  g_set_error_literal (error, QR_CLI_ERROR, QR_CLI_ERROR_USAGE,
                       _("The backup is read from standard input, so the passphrase cannot "
                         "be read from there too. Give it with --passphrase-file FILE or "
                         "--passphrase-fd N."));
  return FALSE;
}

/* ---- Reading ---- */

static char *
strip_one_newline (char  *text,
                   gsize  len)
{
  if (len > 0 && text[len - 1] == '\n')
    text[--len] = '\0';
  if (len > 0 && text[len - 1] == '\r')
    text[--len] = '\0';
  return text;
}

/* Checks what was read and copies it to secure memory. @buffer holds
 * @len bytes and room for one more. */
static char *
accept_passphrase (char        *buffer,
                   gsize        len,
                   const char  *origin,
                   GError     **error)
{
  if (len > QR_CLI_MAX_PASSPHRASE_SIZE)
    {
      g_set_error (error, QR_CLI_ERROR, QR_CLI_ERROR_NAMED_FILE,
                   _("The passphrase from %s is longer than %d bytes. Is it the right file?"),
                   origin, QR_CLI_MAX_PASSPHRASE_SIZE);
      return NULL;
    }

  if (memchr (buffer, '\0', len) != NULL)
    {
      g_set_error (error, QR_CLI_ERROR, QR_CLI_ERROR_NAMED_FILE,
                   _("The passphrase from %s holds a NUL byte, so it is not text. "
                     "Is it the right file?"),
                   origin);
      return NULL;
    }

  buffer[len] = '\0';
  return qr_secure_strdup (strip_one_newline (buffer, len));
}

/* Reads everything up to the end of @fd, or up to a newline when
 * @line_only. The buffer is wiped before it is freed: the passphrase
 * lives only in the engine's secure memory afterwards. */
static char *
read_passphrase_fd (int          fd,
                    gboolean     line_only,
                    const char  *origin,
                    GError     **error)
{
  /* One byte more than allowed, to tell a full file from a larger one. */
  const gsize capacity = QR_CLI_MAX_PASSPHRASE_SIZE + 1;
  char *buffer = g_malloc0 (capacity + 1);
  char *passphrase = NULL;
  gsize len = 0;

  while (len < capacity)
    {
      ssize_t n = read (fd, buffer + len, line_only ? 1 : capacity - len);

      if (n < 0 && errno == EINTR)
        continue;

      if (n < 0)
        {
          int errsv = errno;

          g_set_error (error, QR_CLI_ERROR, QR_CLI_ERROR_NAMED_FILE,
                       _("Cannot read the passphrase from %s: %s."),
                       origin, g_strerror (errsv));
          goto out;
        }

      if (n == 0 || (line_only && buffer[len] == '\n'))
        break;

      len += (gsize) n;
    }

  passphrase = accept_passphrase (buffer, len, origin, error);

out:
  explicit_bzero (buffer, capacity + 1);
  g_free (buffer);
  return passphrase;
}

static char *
read_passphrase_file (const char  *path,
                      GError     **error)
{
  g_autofree char *origin = g_strdup_printf (_("the file “%s”"), path);
  char *passphrase;
  int fd;

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    {
      int errsv = errno;

      g_set_error (error, QR_CLI_ERROR, QR_CLI_ERROR_NAMED_FILE,
                   _("Cannot read the passphrase from %s: %s."),
                   origin, g_strerror (errsv));
      return NULL;
    }

  /* A folder opens, and read() then says so: "Is a directory". */
  passphrase = read_passphrase_fd (fd, FALSE, origin, error);
  close (fd);
  return passphrase;
}

/* ---- The terminal ---- */

/* What a signal handler needs to put the terminal back. Written only
 * while the handlers are not installed. */
static struct termios saved_termios;
static struct termios quiet_termios;
static const char *shown_prompt;

static const int terminal_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP };

static void terminal_signal_cb (int sig);

static void
install_terminal_handlers (struct sigaction *saved)
{
  struct sigaction action = { 0 };

  action.sa_handler = terminal_signal_cb;
  action.sa_flags = SA_RESTART;
  sigemptyset (&action.sa_mask);
  for (guint i = 0; i < G_N_ELEMENTS (terminal_signals); i++)
    sigaddset (&action.sa_mask, terminal_signals[i]);

  for (guint i = 0; i < G_N_ELEMENTS (terminal_signals); i++)
    sigaction (terminal_signals[i], &action, saved != NULL ? &saved[i] : NULL);
}

/* Async-signal-safe: the echo comes back before the signal does what it
 * would have done. Only a stop (Ctrl+Z) returns here, after "fg", and
 * then the typing is hidden again. */
static void
terminal_signal_cb (int sig)
{
  int saved_errno = errno;
  struct sigaction action = { 0 };
  sigset_t unblock;

  tcsetattr (STDIN_FILENO, TCSANOW, &saved_termios);
  if (write (STDERR_FILENO, "\n", 1) < 0)
    {
      /* Nothing can be done about a closed stderr here. */
    }

  action.sa_handler = SIG_DFL;
  sigemptyset (&action.sa_mask);
  sigaction (sig, &action, NULL);
  sigemptyset (&unblock);
  sigaddset (&unblock, sig);
  sigprocmask (SIG_UNBLOCK, &unblock, NULL);
  raise (sig);

  install_terminal_handlers (NULL);
  tcsetattr (STDIN_FILENO, TCSANOW, &quiet_termios);
  if (write (STDERR_FILENO, shown_prompt, strlen (shown_prompt)) < 0)
    {
      /* As above. */
    }
  errno = saved_errno;
}

static char *
read_passphrase_terminal (const char  *prompt,
                          GError     **error)
{
  struct sigaction saved_actions[G_N_ELEMENTS (terminal_signals)];
  char *passphrase;

  if (tcgetattr (STDIN_FILENO, &saved_termios) != 0)
    return read_passphrase_fd (STDIN_FILENO, TRUE, _("the terminal"), error);

  quiet_termios = saved_termios;
  quiet_termios.c_lflag &= ~(tcflag_t) ECHO;
  shown_prompt = prompt;

  /* Echo goes off before the prompt appears, and without discarding
   * input: whatever is typed after the prompt is hidden and kept. */
  install_terminal_handlers (saved_actions);
  tcsetattr (STDIN_FILENO, TCSANOW, &quiet_termios);
  g_printerr ("%s", prompt);

  passphrase = read_passphrase_fd (STDIN_FILENO, TRUE, _("the terminal"), error);

  tcsetattr (STDIN_FILENO, TCSANOW, &saved_termios);
  for (guint i = 0; i < G_N_ELEMENTS (terminal_signals); i++)
    sigaction (terminal_signals[i], &saved_actions[i], NULL);
  g_printerr ("\n");

  return passphrase;
}

char *
qr_cli_passphrase_read (const QrCliPassphraseSource  *source,
                        const char                   *prompt,
                        GError                      **error)
{
  const char *file;
  int fd;

  switch (resolve_origin (source, &file, &fd))
    {
    case ORIGIN_FILE:
      return read_passphrase_file (file, error);

    case ORIGIN_FD:
      {
        g_autofree char *origin = g_strdup_printf (_("file descriptor %d"), fd);

        return read_passphrase_fd (fd, FALSE, origin, error);
      }

    case ORIGIN_TERMINAL:
      return read_passphrase_terminal (prompt, error);

    case ORIGIN_STDIN:
    default:
      return read_passphrase_fd (STDIN_FILENO, FALSE, _("standard input"), error);
    }
}
