/* eio-shim.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* An LD_PRELOAD library that makes one file fail to read, as a failing
 * disk does: reads of QR_EIO_FILE that touch the bytes from QR_EIO_OFFSET
 * on, QR_EIO_LENGTH of them, fail with EIO. Everything else is read as
 * usual. */

/* Both pread and pread64 are defined here, whichever the program calls. */
#undef _FILE_OFFSET_BITS
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

typedef ssize_t (*PreadFunc) (int, void *, size_t, off_t);
typedef ssize_t (*ReadFunc) (int, void *, size_t);

ssize_t pread (int fd, void *buf, size_t count, off_t offset);
ssize_t pread64 (int fd, void *buf, size_t count, off64_t offset);
ssize_t read (int fd, void *buf, size_t count);

static int
touches_bad_bytes (int    fd,
                   off_t  offset,
                   size_t count)
{
  const char *path = getenv ("QR_EIO_FILE");
  const char *start = getenv ("QR_EIO_OFFSET");
  const char *length = getenv ("QR_EIO_LENGTH");
  struct stat file_st, fd_st;
  long long bad_start, bad_end;

  if (path == NULL || start == NULL || length == NULL)
    return 0;
  if (stat (path, &file_st) != 0 || fstat (fd, &fd_st) != 0)
    return 0;
  if (file_st.st_dev != fd_st.st_dev || file_st.st_ino != fd_st.st_ino)
    return 0;

  bad_start = atoll (start);
  bad_end = bad_start + atoll (length);
  return offset < bad_end && offset + (long long) count > bad_start;
}

ssize_t
pread (int    fd,
       void  *buf,
       size_t count,
       off_t  offset)
{
  PreadFunc real = (PreadFunc) dlsym (RTLD_NEXT, "pread");

  if (touches_bad_bytes (fd, offset, count))
    {
      errno = EIO;
      return -1;
    }

  return real (fd, buf, count, offset);
}

ssize_t
pread64 (int     fd,
         void   *buf,
         size_t  count,
         off64_t offset)
{
  return pread (fd, buf, count, offset);
}

ssize_t
read (int    fd,
      void  *buf,
      size_t count)
{
  ReadFunc real = (ReadFunc) dlsym (RTLD_NEXT, "read");
  off_t position = lseek (fd, 0, SEEK_CUR);

  if (position >= 0 && touches_bad_bytes (fd, position, count))
    {
      errno = EIO;
      return -1;
    }

  return real (fd, buf, count);
}
