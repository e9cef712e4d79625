/* test-volume-joiner.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qr-error.h"
#include "qr-extract.h"
#include "qr-volume-joiner.h"

#define TAPE_KIB 100

typedef struct
{
  char      *dir;
  char      *source;
  GPtrArray *volumes;
} Fixture;

static void
write_file (const char   *path,
            const guint8 *data,
            gsize         len)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_no_errno (g_mkdir_with_parents (parent, 0755));
  g_file_set_contents (path, (const char *) data, len, &error);
  g_assert_no_error (error);
}

static guint8 *
random_data (gsize  len,
             guint  seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint8 *data = g_malloc (len);

  for (gsize i = 0; i < len; i++)
    data[i] = g_rand_int (rand);
  return data;
}

/* A home as GNU tar sees it: big and small files, a sparse image, a long
 * name, a hard link and a symbolic link. */
static void
make_source (Fixture *fixture)
{
  g_autofree char *long_dir = g_strnfill (120, 'd');
  g_autofree char *long_name = g_build_filename (fixture->source, "home", long_dir, "file.bin",
                                                 NULL);
  g_autofree char *big = g_build_filename (fixture->source, "home", "big.bin", NULL);
  g_autofree char *sparse = g_build_filename (fixture->source, "home", "sparse.img", NULL);
  g_autofree char *second_name = g_build_filename (fixture->source, "home", "big.link", NULL);
  g_autofree char *link_name = g_build_filename (fixture->source, "home", "to-big", NULL);
  g_autofree guint8 *data = random_data (300000, 1);
  int fd;

  write_file (big, data, 300000);
  write_file (long_name, data + 1000, 150000);
  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s/home/small/%u.txt", fixture->source, i);

      write_file (name, data + i * 700, i * 173);
    }

  fd = open (sparse, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_assert_no_errno (ftruncate (fd, 8 * 1024 * 1024));
  for (guint i = 0; i < 8 * 1024 * 1024; i += 300000)
    g_assert_cmpint (pwrite (fd, data + i % 1000, 20000, i), ==, 20000);
  close (fd);

  g_assert_no_errno (link (big, second_name));
  g_assert_no_errno (symlink ("big.bin", link_name));
}

/* GNU tar's multi-volume output, one file a volume, as the writer of
 * format 2 made it: `tar -Pc --sparse --tape-length`. */
static GPtrArray *
make_volumes (Fixture            *fixture,
              const char * const *members)
{
  static guint counter;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_strdup_printf ("%s/volumes-%u", fixture->dir, counter++);
  GPtrArray *volumes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  int status;

  g_assert_no_errno (g_mkdir (dir, 0700));

  g_ptr_array_add (argv, g_strdup ("tar"));
  g_ptr_array_add (argv, g_strdup ("-c"));
  g_ptr_array_add (argv, g_strdup ("--sparse"));
  g_ptr_array_add (argv, g_strdup ("--format=gnu"));
  g_ptr_array_add (argv, g_strdup ("-M"));
  g_ptr_array_add (argv, g_strdup_printf ("--tape-length=%d", TAPE_KIB));
  g_ptr_array_add (argv, g_strdup ("--xform=s:^:vm5/\\0:"));
  g_ptr_array_add (argv, g_strdup ("-C"));
  g_ptr_array_add (argv, g_strdup (fixture->source));
  for (guint i = 0; i < 200; i++)
    g_ptr_array_add (argv, g_strdup_printf ("--file=%s/vol.%03u", dir, i));
  for (guint i = 0; members[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (members[i]));
  g_ptr_array_add (argv, NULL);

  /* It warns that the long name is cut short in its continuation header. */
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/vol.%03u", dir, i);
      g_autofree char *data = NULL;
      gsize len;

      if (!g_file_get_contents (path, &data, &len, NULL))
        break;
      g_ptr_array_add (volumes, g_bytes_new_take (g_steal_pointer (&data), len));
    }

  return volumes;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->dir = g_dir_make_tmp ("qr-volumes-XXXXXX", NULL);
  fixture->source = g_build_filename (fixture->dir, "source", NULL);
  make_source (fixture);
  fixture->volumes = make_volumes (fixture, (const char *[]) { "home", NULL });
  g_assert_cmpuint (fixture->volumes->len, >, 5);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *parent = g_path_get_dirname (fixture->dir);
  g_autofree char *name = g_path_get_basename (fixture->dir);
  int parent_fd = open (parent, O_RDONLY | O_DIRECTORY);

  g_assert_true (qr_extract_remove_tree (parent_fd, name));
  close (parent_fd);
  g_ptr_array_unref (fixture->volumes);
  g_free (fixture->source);
  g_free (fixture->dir);
}

/* Feeds the volumes in random pieces and collects the joined stream. */
static GBytes *
join (GPtrArray  *volumes,
      guint       seed,
      GError    **error)
{
  g_autoptr(QrVolumeJoiner) joiner = qr_volume_joiner_new ("vm5/home");
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint8 buffer[20000];

  for (guint v = 0; v < volumes->len; v++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (g_ptr_array_index (volumes, v), &len);
      gboolean last = v + 1 == volumes->len;
      gsize pos = 0;

      if (v > 0 && !qr_volume_joiner_next_volume (joiner, error))
        return NULL;

      for (;;)
        {
          gsize wanted = g_rand_int_range (rand, 0, 30000);
          gsize piece = MIN (len - pos, wanted);
          gsize room = g_rand_int_range (rand, 1, sizeof buffer);
          gboolean rest = pos + piece == len;
          GConverterFlags flags = !rest ? 0 : last ? G_CONVERTER_INPUT_AT_END : G_CONVERTER_FLUSH;
          g_autoptr(GError) local_error = NULL;
          gsize read = 0;
          gsize written = 0;
          GConverterResult result;

          result = g_converter_convert (G_CONVERTER (joiner), data + pos, piece, buffer, room,
                                        flags, &read, &written, &local_error);
          if (result == G_CONVERTER_ERROR)
            {
              if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NO_SPACE)
                  || g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
                continue;
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }

          g_assert_cmpuint (read, <=, piece);
          g_byte_array_append (out, buffer, written);
          pos += read;
          if (result == G_CONVERTER_FINISHED || result == G_CONVERTER_FLUSHED)
            break;
        }
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

typedef struct
{
  const guint8 *data;
  gsize         len;
  gsize         pos;
} Reader;

static gssize
read_cb (gpointer      user_data,
         const void  **buffer,
         GError      **error)
{
  Reader *reader = user_data;
  gsize n = MIN (reader->len - reader->pos, 65536);

  *buffer = reader->data + reader->pos;
  reader->pos += n;
  return n;
}

static void
assert_same_file (const char *a,
                  const char *b)
{
  g_autofree char *content_a = NULL;
  g_autofree char *content_b = NULL;
  gsize len_a, len_b;

  g_assert_true (g_file_get_contents (a, &content_a, &len_a, NULL));
  g_assert_true (g_file_get_contents (b, &content_b, &len_b, NULL));
  g_assert_cmpmem (content_a, len_a, content_b, len_b);
}

/* The joined stream unpacks to the very files tar was given. */
static void
test_join (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree char *dest = g_build_filename (fixture->dir, "dest", NULL);
  g_autofree char *long_dir = g_strnfill (120, 'd');
  const char *files[] = { "big.bin", "sparse.img", "small/39.txt", "small/0.txt" };
  g_autoptr(GPtrArray) restored = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) joined = NULL;
  QrExtractJob job = { 0 };
  Reader reader = { NULL };
  struct stat st_big, st_link;
  int dest_fd;

  for (guint seed = 0; seed < 3; seed++)
    {
      g_autoptr(GBytes) again = NULL;

      g_clear_pointer (&joined, g_bytes_unref);
      joined = join (fixture->volumes, seed, &error);
      g_assert_no_error (error);
      again = join (fixture->volumes, seed + 10, &error);
      g_assert_true (g_bytes_equal (joined, again));
    }

  g_assert_no_errno (g_mkdir (dest, 0700));
  dest_fd = open (dest, O_RDONLY | O_DIRECTORY);
  reader.data = g_bytes_get_data (joined, &reader.len);
  job.kind = QR_EXTRACT_TREE;
  job.series_path = "vm5/home";
  job.strip_prefix = "vm5/";
  /* tar's --xform put "vm5/" before every name, link targets too. */
  job.xform_prefix = "vm5/";
  job.xform_base = "";
  job.dir_fd = dest_fd;
  job.files = restored;
  g_assert_true (qr_extract_stream (&job, read_cb, &reader, NULL, &error));
  g_assert_no_error (error);
  close (dest_fd);

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *a = g_build_filename (fixture->source, "home", files[i], NULL);
      g_autofree char *b = g_build_filename (dest, "home", files[i], NULL);

      assert_same_file (a, b);
    }

  {
    g_autofree char *a = g_build_filename (fixture->source, "home", long_dir, "file.bin", NULL);
    g_autofree char *b = g_build_filename (dest, "home", long_dir, "file.bin", NULL);
    g_autofree char *big = g_build_filename (dest, "home", "big.bin", NULL);
    g_autofree char *second_name = g_build_filename (dest, "home", "big.link", NULL);
    g_autofree char *link_name = g_build_filename (dest, "home", "to-big", NULL);
    g_autofree char *target = g_file_read_link (link_name, NULL);

    assert_same_file (a, b);
    g_assert_no_errno (lstat (big, &st_big));
    g_assert_no_errno (lstat (second_name, &st_link));
    g_assert_cmpuint (st_big.st_ino, ==, st_link.st_ino);
    g_assert_cmpstr (target, ==, "big.bin");
  }
}

/* A member that fills a volume exactly: the next volume begins with the
 * end of the archive alone, or with a continuation header of nothing
 * before the next member. */
static void
test_exact_fit (Fixture       *fixture,
                gconstpointer  data)
{
  const gsize tape = TAPE_KIB * 1024;
  g_autofree guint8 *content = random_data (tape, 7);
  g_autofree char *exact = g_build_filename (fixture->source, "exact", "a.bin", NULL);
  g_autofree char *after = g_build_filename (fixture->source, "exact", "b.bin", NULL);
  g_autoptr(GPtrArray) alone = NULL;
  g_autoptr(GPtrArray) volumes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) joined_alone = NULL;
  g_autoptr(GBytes) joined = NULL;
  const guint8 *second;

  /* Its header and data end where the volume does. */
  write_file (exact, content, tape - 512);
  alone = make_volumes (fixture, (const char *[]) { "exact/a.bin", NULL });
  g_assert_cmpuint (alone->len, ==, 2);
  second = g_bytes_get_data (g_ptr_array_index (alone, 1), NULL);
  g_assert_cmpuint (second[0], ==, 0);
  joined_alone = join (alone, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (joined_alone), ==,
                    tape + g_bytes_get_size (g_ptr_array_index (alone, 1)));

  write_file (after, content, 5000);
  volumes = make_volumes (fixture, (const char *[]) { "exact/a.bin", "exact/b.bin", NULL });
  g_assert_cmpuint (volumes->len, ==, 2);
  second = g_bytes_get_data (g_ptr_array_index (volumes, 1), NULL);
  g_assert_cmpuint (second[156], ==, 'M');
  joined = join (volumes, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (joined), ==,
                    tape + g_bytes_get_size (g_ptr_array_index (volumes, 1)) - 512);
  g_assert_cmpmem ((const guint8 *) g_bytes_get_data (joined, NULL) + tape, 512, second + 512,
                   512);
}

static GPtrArray *
copy_volumes (GPtrArray *volumes)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (guint i = 0; i < volumes->len; i++)
    g_ptr_array_add (copy, g_bytes_ref (g_ptr_array_index (volumes, i)));
  return copy;
}

static void
replace (GPtrArray    *volumes,
         guint         index,
         const guint8 *data,
         gsize         len)
{
  g_bytes_unref (g_ptr_array_index (volumes, index));
  volumes->pdata[index] = g_bytes_new (data, len);
}

static void
test_damaged (Fixture       *fixture,
              gconstpointer  data)
{
  GBytes *second = g_ptr_array_index (fixture->volumes, 1);
  gsize len;
  const guint8 *bytes = g_bytes_get_data (second, &len);
  g_autofree guint8 *flipped = g_memdup2 (bytes, len);

  /* A flipped bit in the continuation header. */
  {
    g_autoptr(GPtrArray) volumes = copy_volumes (fixture->volumes);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) joined = NULL;

    flipped[3] ^= 1;
    replace (volumes, 1, flipped, len);
    joined = join (volumes, 1, &error);
    g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
    g_assert_nonnull (strstr (error->message, "part 2"));
  }

  /* A volume cut short, or not whole blocks. */
  {
    g_autoptr(GPtrArray) volumes = copy_volumes (fixture->volumes);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) joined = NULL;

    replace (volumes, 1, bytes, len - 512);
    joined = join (volumes, 1, &error);
    g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
    g_clear_error (&error);

    replace (volumes, 1, bytes, len - 100);
    g_clear_pointer (&joined, g_bytes_unref);
    joined = join (volumes, 1, &error);
    g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  }

  /* The last volume ends inside the header it begins with. */
  {
    g_autoptr(GPtrArray) volumes = copy_volumes (fixture->volumes);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) joined = NULL;

    g_ptr_array_set_size (volumes, 3);
    replace (volumes, 2, bytes, 300);
    joined = join (volumes, 1, &error);
    g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  }

  /* A long-name header longer than any name. */
  {
    g_autoptr(GPtrArray) volumes = copy_volumes (fixture->volumes);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) joined = NULL;
    guint8 header[512] = { 0 };
    guint sum = 0;

    memcpy (header, "././@LongLink", 13);
    memcpy (header + 124, "77777777777", 11);
    header[156] = 'L';
    memset (header + 148, ' ', 8);
    for (guint i = 0; i < 512; i++)
      sum += header[i];
    g_snprintf ((char *) header + 148, 8, "%06o", sum);
    memcpy (flipped, header, 512);
    g_ptr_array_set_size (volumes, 2);
    replace (volumes, 1, flipped, len);
    joined = join (volumes, 1, &error);
    g_assert_error (error, QR_ERROR, QR_ERROR_DAMAGED);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/qr/volume-joiner/join", test_join);
  ADD ("/qr/volume-joiner/exact-fit", test_exact_fit);
  ADD ("/qr/volume-joiner/damaged", test_damaged);

#undef ADD

  return g_test_run ();
}
