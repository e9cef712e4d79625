/* test-archive.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qr-archive.h"
#include "qr-error.h"

typedef struct
{
  char *dir;
  char *archive;
} Fixture;

static void
write_member (Fixture    *fixture,
              const char *name,
              gsize       size)
{
  g_autofree char *path = g_build_filename (fixture->dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autofree guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (i * 7 + strlen (name));

  g_assert_no_errno (g_mkdir_with_parents (parent, 0700));
  g_assert_true (g_file_set_contents (path, (char *) data, size, NULL));
}

/* The outer archive is made the way the backup tool makes it: one
 * `tar -cO --posix` per member, appended. */
static void
append_member (Fixture    *fixture,
               const char *name)
{
  g_autofree char *command = g_strdup_printf ("tar -cO --posix -C '%s' '%s' >> '%s'",
                                              fixture->dir, name, fixture->archive);
  const char *argv[] = { "/bin/sh", "-c", command, NULL };
  g_autoptr(GError) error = NULL;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->dir = g_dir_make_tmp ("qr-archive-XXXXXX", NULL);
  fixture->archive = g_build_filename (fixture->dir, "backup", NULL);

  write_member (fixture, "backup-header", 120);
  /* Larger than the members kept in memory when read from a pipe. */
  write_member (fixture, "vm12/private.img.000.enc", 1500000);
  write_member (fixture, "vm12/private.img.001.enc", 1000);
  append_member (fixture, "backup-header");
  append_member (fixture, "vm12/private.img.000.enc");
  append_member (fixture, "vm12/private.img.001.enc");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", fixture->dir);

  g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL));
  g_free (fixture->archive);
  g_free (fixture->dir);
}

static void
assert_member_data (QrArchive  *archive,
                    Fixture    *fixture,
                    const char *name)
{
  const QrArchiveMember *member = qr_archive_lookup (archive, name);
  g_autofree char *path = g_build_filename (fixture->dir, name, NULL);
  g_autofree char *expected = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  gsize expected_len;

  g_assert_nonnull (member);
  g_assert_true (g_file_get_contents (path, &expected, &expected_len, NULL));
  bytes = qr_archive_read_member (archive, member, G_MAXSIZE, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   expected, expected_len);
}

static void
test_index (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GFile) file = g_file_new_for_path (fixture->archive);
  g_autoptr(QrArchive) archive = NULL;
  g_autoptr(GError) error = NULL;

  archive = qr_archive_open (file, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (qr_archive_get_n_members (archive), ==, 3);
  g_assert_cmpuint (qr_archive_get_n_damages (archive), ==, 0);
  g_assert_cmpstr (qr_archive_get_member (archive, 0)->name, ==, "backup-header");
  g_assert_cmpstr (qr_archive_get_member (archive, 2)->name, ==, "vm12/private.img.001.enc");
  g_assert_cmpuint (qr_archive_get_member (archive, 1)->size, ==, 1500000);

  assert_member_data (archive, fixture, "backup-header");
  assert_member_data (archive, fixture, "vm12/private.img.000.enc");
  assert_member_data (archive, fixture, "vm12/private.img.001.enc");
  g_assert_finalize_object (g_steal_pointer (&archive));
}

static QrArchive *
open_damaged (Fixture *fixture)
{
  g_autoptr(GFile) file = g_file_new_for_path (fixture->archive);
  g_autoptr(GError) error = NULL;
  QrArchive *archive = qr_archive_open (file, NULL, &error);

  g_assert_no_error (error);
  return archive;
}

static void
patch (Fixture      *fixture,
       goffset       offset,
       const char   *bytes,
       gsize         len)
{
  int fd = open (fixture->archive, O_WRONLY);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, bytes, len, offset), ==, len);
  close (fd);
}

static void
append (Fixture    *fixture,
        const char *bytes,
        gsize       len)
{
  g_autoptr(GFileOutputStream) stream = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (fixture->archive);

  stream = g_file_append_to (file, G_FILE_CREATE_NONE, NULL, NULL);
  g_assert_true (g_output_stream_write_all (G_OUTPUT_STREAM (stream), bytes, len, NULL, NULL,
                                            NULL));
}

static const QrArchiveDamage *
only_damage (QrArchive *archive)
{
  g_assert_cmpuint (qr_archive_get_n_damages (archive), ==, 1);
  return qr_archive_get_damage (archive, 0);
}

/* The members of the fixture start at 0, 10240 and 10240 * 2 +
 * 1500000 rounded to a 10 KiB record. */
#define SECOND_MEMBER 10240
#define THIRD_MEMBER  (10240 * 148)

static void
test_truncated (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(QrArchive) archive = NULL;
  const QrArchiveDamage *damage;

  /* Cut the file in the middle of the second member's data. */
  g_assert_no_errno (truncate (fixture->archive, 10240 * 2 + 150000));

  archive = open_damaged (fixture);
  g_assert_cmpuint (qr_archive_get_n_members (archive), ==, 1);
  g_assert_null (qr_archive_lookup (archive, "vm12/private.img.000.enc"));
  damage = only_damage (archive);
  g_assert_cmpint (damage->kind, ==, QR_ARCHIVE_DAMAGE_CUT_SHORT);
  g_assert_cmpuint (damage->before, ==, 0);
  g_assert_cmpuint (damage->after, ==, QR_ARCHIVE_NO_MEMBER);
  g_assert_true (damage->may_hide_members);
}

/* A file that ends right after the last member's data, without the zero
 * blocks its archive ends with, was cut there. */
static void
test_cut_after_data (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(QrArchive) archive = NULL;
  const QrArchiveMember *last;
  guint64 end;

  archive = open_damaged (fixture);
  last = qr_archive_get_member (archive, 2);
  end = (last->offset + last->size + 511) / 512 * 512;
  g_clear_object (&archive);
  g_assert_no_errno (truncate (fixture->archive, end));

  archive = open_damaged (fixture);
  g_assert_cmpuint (qr_archive_get_n_members (archive), ==, 3);
  g_assert_cmpint (only_damage (archive)->kind, ==, QR_ARCHIVE_DAMAGE_CUT_SHORT);
  g_assert_cmpuint (only_damage (archive)->before, ==, 2);
}

/* Flipped bytes in a member's ustar header lose that member, and only
 * that one: the index carries on at the next header. */
static void
test_damaged_header (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(QrArchive) archive = NULL;
  const QrArchiveDamage *damage;

  patch (fixture, SECOND_MEMBER + 1024 + 10, "XYZ", 3);

  archive = open_damaged (fixture);
  g_assert_cmpuint (qr_archive_get_n_members (archive), ==, 2);
  g_assert_null (qr_archive_lookup (archive, "vm12/private.img.000.enc"));
  g_assert_nonnull (qr_archive_lookup (archive, "vm12/private.img.001.enc"));
  damage = only_damage (archive);
  g_assert_cmpint (damage->kind, ==, QR_ARCHIVE_DAMAGE_GARBLED);
  g_assert_cmpuint (damage->before, ==, 0);
  g_assert_cmpuint (damage->after, ==, 1);
  g_assert_true (damage->may_hide_members);
}

/* A damaged pax header costs only the member's extended attributes. */
static void
test_damaged_pax_header (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(QrArchive) archive = NULL;

  patch (fixture, SECOND_MEMBER + 10, "XYZ", 3);

  archive = open_damaged (fixture);
  g_assert_cmpuint (qr_archive_get_n_members (archive), ==, 3);
  g_assert_cmpuint (qr_archive_lookup (archive, "vm12/private.img.000.enc")->size, ==, 1500000);
  assert_member_data (archive, fixture, "vm12/private.img.000.enc");
  g_assert_false (only_damage (archive)->may_hide_members);
}

/* Two flipped bits in the padding between members are damage, but
 * nothing can have been lost in one block. */
static void
test_damaged_padding (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(QrArchive) archive = NULL;
  const QrArchiveDamage *damage;

  patch (fixture, SECOND_MEMBER - 600, "\x01\x02", 2);

  archive = open_damaged (fixture);
  g_assert_cmpuint (qr_archive_get_n_members (archive), ==, 3);
  damage = only_damage (archive);
  g_assert_cmpuint (damage->before, ==, 0);
  g_assert_cmpuint (damage->after, ==, 1);
  g_assert_false (damage->may_hide_members);
}

/* Junk after the last member is damage, and the last member stays. */
static void
test_junk_trailer (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(QrArchive) archive = NULL;
  char junk[4096];

  memset (junk, 'j', sizeof junk);
  append (fixture, junk, sizeof junk);

  archive = open_damaged (fixture);
  g_assert_cmpuint (qr_archive_get_n_members (archive), ==, 3);
  g_assert_nonnull (qr_archive_lookup (archive, "vm12/private.img.001.enc"));
  g_assert_cmpuint (only_damage (archive)->before, ==, 2);
  g_assert_cmpuint (only_damage (archive)->after, ==, QR_ARCHIVE_NO_MEMBER);
}

/* A tar whose first entry is a GNU dumpdir or multivolume entry with data
 * past the end of the file is not a backup, and must not crash anything. */
static void
test_hostile_first_entry (gconstpointer data)
{
  char type = GPOINTER_TO_INT (data);
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  guint8 block[1536] = { 0 };
  guint sum = 0;
  int fd;

  strcpy ((char *) block, "vm12/");
  memcpy (block + 100, "0000755", 7);
  memcpy (block + 124, "77777777777", 11);
  block[156] = type;
  memcpy (block + 257, "ustar  ", 8);
  memset (block + 148, ' ', 8);
  for (guint i = 0; i < 512; i++)
    sum += block[i];
  g_snprintf ((char *) block + 148, 8, "%06o", sum);

  fd = g_file_open_tmp ("qr-archive-XXXXXX", &path, NULL);
  g_assert_cmpint (write (fd, block, sizeof block), ==, sizeof block);
  close (fd);

  file = g_file_new_for_path (path);
  g_assert_null (qr_archive_open (file, NULL, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_NOT_A_BACKUP);
  g_unlink (path);
}

static gpointer
feed_fifo_thread (gpointer data)
{
  Fixture *fixture = data;
  g_autofree char *fifo = g_build_filename (fixture->dir, "fifo", NULL);
  g_autofree char *contents = NULL;
  gsize len;
  int fd;

  g_assert_true (g_file_get_contents (fixture->archive, &contents, &len, NULL));
  fd = open (fifo, O_WRONLY);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, contents, len), ==, len);
  close (fd);
  return NULL;
}

static void
test_stream (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *fifo = g_build_filename (fixture->dir, "fifo", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (fifo);
  g_autoptr(QrArchive) archive = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GThread) feeder = NULL;
  g_autofree guint8 *data_read = g_malloc (1000);
  g_autofree char *expected = NULL;
  g_autofree char *expected_path = g_build_filename (fixture->dir, "vm12/private.img.001.enc",
                                                     NULL);
  const QrArchiveMember *member;

  g_assert_no_errno (mkfifo (fifo, 0600));
  feeder = g_thread_new ("feeder", feed_fifo_thread, fixture);

  archive = qr_archive_open (file, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (qr_archive_is_streaming (archive));

  /* The small first member is kept; the large one waits to be read. */
  assert_member_data (archive, fixture, "backup-header");
  member = qr_archive_next_member (archive, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (member->name, ==, "vm12/private.img.000.enc");

  /* Not reading it skips it. */
  member = qr_archive_next_member (archive, NULL, &error);
  g_assert_cmpstr (member->name, ==, "vm12/private.img.001.enc");
  g_assert_true (qr_archive_read_data (archive, data_read, member->size, NULL, &error));
  g_assert_true (g_file_get_contents (expected_path, &expected, NULL, NULL));
  g_assert_cmpmem (data_read, member->size, expected, 1000);

  g_assert_null (qr_archive_next_member (archive, NULL, &error));
  g_assert_no_error (error);
  g_thread_join (g_steal_pointer (&feeder));
}

/* A member read from a pipe that is not among the first ones cannot be
 * read again: an error, never an assertion or a hang. */
static void
test_stream_late_member (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *fifo = g_build_filename (fixture->dir, "fifo", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (fifo);
  g_autoptr(QrArchive) archive = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GThread) feeder = NULL;
  const QrArchiveMember *member;
  guint8 byte;

  g_assert_no_errno (mkfifo (fifo, 0600));
  feeder = g_thread_new ("feeder", feed_fifo_thread, fixture);

  archive = qr_archive_open (file, NULL, &error);
  g_assert_no_error (error);
  member = qr_archive_next_member (archive, NULL, &error);
  g_assert_false (qr_archive_read (archive, member, 0, &byte, 1, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  g_clear_error (&error);

  while (qr_archive_next_member (archive, NULL, &error) != NULL)
    ;
  g_thread_join (g_steal_pointer (&feeder));
}

static gboolean
cancel_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static gpointer
cancel_later_thread (gpointer data)
{
  g_usleep (200 * G_TIME_SPAN_MILLISECOND);
  cancel_cb (data);
  return NULL;
}

/* A pipe that stops sending: cancelling ends the wait. */
static void
test_stream_cancel (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *fifo = g_build_filename (fixture->dir, "fifo", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (fifo);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(QrArchive) archive = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GThread) canceller = NULL;
  g_autofree char *contents = NULL;
  gsize len;
  int writer;

  g_assert_no_errno (mkfifo (fifo, 0600));
  g_assert_true (g_file_get_contents (fixture->archive, &contents, &len, NULL));
  writer = open (fifo, O_RDWR);
  g_assert_cmpint (write (writer, contents, 20480), ==, 20480);

  archive = qr_archive_open (file, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (qr_archive_next_member (archive, NULL, &error));

  canceller = g_thread_new ("canceller", cancel_later_thread, cancellable);
  g_assert_null (qr_archive_next_member (archive, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_thread_join (g_steal_pointer (&canceller));
  close (writer);
}

static void
test_not_an_archive (void)
{
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  int fd = g_file_open_tmp ("qr-archive-XXXXXX", &path, NULL);
  const char garbage[] = "this is not a tar archive at all, just some words";

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, garbage, sizeof garbage), ==, sizeof garbage);
  close (fd);

  file = g_file_new_for_path (path);
  g_assert_null (qr_archive_open (file, NULL, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_NOT_A_BACKUP);
  g_clear_error (&error);

  g_assert_no_errno (truncate (path, 0));
  g_assert_null (qr_archive_open (file, NULL, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_NOT_A_BACKUP);
  g_unlink (path);
}

static void
test_directory (void)
{
  g_autoptr(GFile) file = g_file_new_for_path (g_get_tmp_dir ());
  g_autoptr(GError) error = NULL;

  g_assert_null (qr_archive_open (file, NULL, &error));
  g_assert_error (error, QR_ERROR, QR_ERROR_NOT_A_BACKUP);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/qr/archive/index", Fixture, NULL, fixture_set_up, test_index, fixture_tear_down);
  g_test_add ("/qr/archive/truncated", Fixture, NULL, fixture_set_up, test_truncated,
              fixture_tear_down);
  g_test_add ("/qr/archive/cut-after-data", Fixture, NULL, fixture_set_up, test_cut_after_data,
              fixture_tear_down);
  g_test_add ("/qr/archive/damaged-header", Fixture, NULL, fixture_set_up, test_damaged_header,
              fixture_tear_down);
  g_test_add ("/qr/archive/damaged-pax-header", Fixture, NULL, fixture_set_up,
              test_damaged_pax_header, fixture_tear_down);
  g_test_add ("/qr/archive/damaged-padding", Fixture, NULL, fixture_set_up,
              test_damaged_padding, fixture_tear_down);
  g_test_add ("/qr/archive/junk-trailer", Fixture, NULL, fixture_set_up, test_junk_trailer,
              fixture_tear_down);
  g_test_add_data_func ("/qr/archive/dumpdir-first", GINT_TO_POINTER ('D'),
                        test_hostile_first_entry);
  g_test_add_data_func ("/qr/archive/multivolume-first", GINT_TO_POINTER ('M'),
                        test_hostile_first_entry);
  g_test_add ("/qr/archive/stream", Fixture, NULL, fixture_set_up, test_stream, fixture_tear_down);
  g_test_add ("/qr/archive/stream-late-member", Fixture, NULL, fixture_set_up,
              test_stream_late_member, fixture_tear_down);
  g_test_add ("/qr/archive/stream-cancel", Fixture, NULL, fixture_set_up, test_stream_cancel,
              fixture_tear_down);
  g_test_add_func ("/qr/archive/not-an-archive", test_not_an_archive);
  g_test_add_func ("/qr/archive/directory", test_directory);

  return g_test_run ();
}
