/* qr-fuzz-utils.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "qr-fuzz-utils.h"

/* The input handed to the engine as a file: one memfd, rewritten for each
 * input, opened by the engine through its /proc path like any backup. */
static int memfd = -1;

struct _QrFuzzPipe
{
  /* The caller's thread: the read end, which the engine opens again by
   * its /proc path, kept until qr_fuzz_pipe_free(). */
  int           read_fd;
  GFile        *file;
  GThread      *writer;

  /* The writer thread's: set before it starts, then only read by it; it
   * closes the write end when all is written or the reader is gone. */
  int           write_fd;
  const guint8 *data;
  gsize         len;
};

/* A warning or a critical is a failure, as in the test suites; abort()
 * rather than GLib's breakpoint trap, so that libFuzzer catches it and
 * keeps the input. */
static GLogWriterOutput
fatal_writer (GLogLevelFlags   log_level,
              const GLogField *fields,
              gsize            n_fields,
              gpointer         user_data)
{
  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    {
      g_log_writer_standard_streams (log_level, fields, n_fields, user_data);
      abort ();
    }

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/* A reader that gave up on a pipe makes the writer see EPIPE rather than
 * die of SIGPIPE. */
void
qr_fuzz_init (void)
{
  g_log_set_writer_func (fatal_writer, NULL, NULL);
  g_setenv ("GIO_USE_VFS", "local", TRUE);
  signal (SIGPIPE, SIG_IGN);
}

static GFile *
file_for_fd (int fd)
{
  g_autofree char *path = g_strdup_printf ("/proc/self/fd/%d", fd);

  return g_file_new_for_path (path);
}

static void
write_all (int           fd,
           const guint8 *data,
           gsize         len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      /* EPIPE: the reader stopped early, which it may. */
      if (n < 0)
        return;

      data += n;
      len -= n;
    }
}

/* A regular file holding @data, valid until the next call. */
GFile *
qr_fuzz_file_new (const guint8 *data,
                  gsize         len)
{
  if (memfd < 0)
    memfd = memfd_create ("qr-fuzz-input", MFD_CLOEXEC);
  g_assert_cmpint (memfd, >=, 0);

  g_assert_cmpint (ftruncate (memfd, 0), ==, 0);
  g_assert_cmpint (lseek (memfd, 0, SEEK_SET), ==, 0);
  write_all (memfd, data, len);
  g_assert_cmpint (lseek (memfd, 0, SEEK_CUR), ==, (off_t) len);

  return file_for_fd (memfd);
}

static gpointer
writer_thread (gpointer user_data)
{
  QrFuzzPipe *self = user_data;

  write_all (self->write_fd, self->data, self->len);
  close (self->write_fd);
  return NULL;
}

/* A pipe that a thread fills with @data, which must stay valid until the
 * pipe is freed. */
QrFuzzPipe *
qr_fuzz_pipe_new (const guint8 *data,
                  gsize         len)
{
  QrFuzzPipe *self = g_new0 (QrFuzzPipe, 1);
  int fds[2];

  g_assert_cmpint (pipe2 (fds, O_CLOEXEC), ==, 0);
  self->read_fd = fds[0];
  self->write_fd = fds[1];
  self->data = data;
  self->len = len;
  self->file = file_for_fd (self->read_fd);
  self->writer = g_thread_new ("qr-fuzz-pipe", writer_thread, self);

  return self;
}

GFile *
qr_fuzz_pipe_get_file (QrFuzzPipe *self)
{
  return self->file;
}

/* Call only once the engine has closed the pipe: the writer ends when its
 * reader is gone. */
void
qr_fuzz_pipe_free (QrFuzzPipe *self)
{
  close (self->read_fd);
  g_thread_join (self->writer);
  g_object_unref (self->file);
  g_free (self);
}
