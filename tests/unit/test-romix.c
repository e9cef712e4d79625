/* test-romix.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "qr-romix.h"
#include "qr-scrypt-private.h"

/* Every test vector of RFC 7914 (sections 8 to 12), for each kind of
 * ROMix this processor can run. */

static const QrRomixKind kinds[] = { QR_ROMIX_PORTABLE, QR_ROMIX_AVX512 };

static guint8 *
from_hex (const char *hex,
          gsize      *len)
{
  gsize n = strlen (hex) / 2;
  guint8 *bytes = g_malloc (n);

  for (gsize i = 0; i < n; i++)
    bytes[i] = g_ascii_xdigit_value (hex[2 * i]) << 4 | g_ascii_xdigit_value (hex[2 * i + 1]);
  if (len != NULL)
    *len = n;

  return bytes;
}

static char *
to_hex (const guint8 *bytes,
        gsize         len)
{
  GString *hex = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (hex, "%02x", bytes[i]);

  return g_string_free (hex, FALSE);
}

static void
test_salsa20_8 (gconstpointer data)
{
  QrRomixKind kind = GPOINTER_TO_INT (data);
  g_autofree guint8 *in = NULL;
  guint8 blocks[128] = { 0 };
  guint8 out[128];
  g_autofree char *hex = NULL;

  if (!qr_romix_kind_is_supported (kind))
    {
      g_test_skip ("this processor cannot run it");
      return;
    }

  /* With r = 1 and a zero second block, the first block BlockMix gives is
   * Salsa20/8 of its first block. */
  in = from_hex ("7e879a214f3ec9867ca940e641718f26baee555b8c61c1b50df846116dcd3b1d"
                 "ee24f319df9b3d8514121e4b5ac5aa3276021d2909c74829edebc68db8b8c25e", NULL);
  memcpy (blocks, in, 64);
  qr_romix_block_mix (kind, blocks, out, 1);
  hex = to_hex (out, 64);
  g_assert_cmpstr (hex, ==,
                   "a41f859c6608cc993b81cacb020cef05044b2181a2fd337dfd7b1c6396682f29"
                   "b4393168e3c9e6bcfe6bc5b7a06d96bae424cc102c91745c24ad673dc7618f81");
}

#define MIX_INPUT \
  "f7ce0b653d2d72a4108cf5abe912ffdd777616dbbb27a70e8204f3ae2d0f6fad" \
  "89f68f4811d1e87bcc3bd7400a9ffd29094f0184639574f39ae5a1315217bcd7" \
  "894991447213bb226c25b54da86370fbcd984380374666bb8ffcb5bf40c254b0" \
  "67d27c51ce4ad5fed829c90b505a571b7f4d1cad6a523cda770e67bceaaf7e89"

static void
test_block_mix (gconstpointer data)
{
  QrRomixKind kind = GPOINTER_TO_INT (data);
  g_autofree guint8 *in = NULL;
  guint8 out[128];
  g_autofree char *hex = NULL;

  if (!qr_romix_kind_is_supported (kind))
    {
      g_test_skip ("this processor cannot run it");
      return;
    }

  in = from_hex (MIX_INPUT, NULL);
  qr_romix_block_mix (kind, in, out, 1);
  hex = to_hex (out, sizeof out);
  g_assert_cmpstr (hex, ==,
                   "a41f859c6608cc993b81cacb020cef05044b2181a2fd337dfd7b1c6396682f29"
                   "b4393168e3c9e6bcfe6bc5b7a06d96bae424cc102c91745c24ad673dc7618f81"
                   "20edc975323881a80540f64c162dcd3c21077cfe5f8d5fe2b1a4168f953678b7"
                   "7d3b3d803b60e4ab920996e59b4d53b65d2a225877d5edf5842cb9f14eefe425");
}

static void
test_romix (gconstpointer data)
{
  QrRomixKind kind = GPOINTER_TO_INT (data);
  g_autoptr(QrRomixBuffer) buffer = NULL;
  g_autofree guint8 *block = NULL;
  g_autofree char *hex = NULL;

  if (!qr_romix_kind_is_supported (kind))
    {
      g_test_skip ("this processor cannot run it");
      return;
    }

  block = from_hex (MIX_INPUT, NULL);
  buffer = qr_romix_buffer_new (4, 1);
  g_assert_nonnull (buffer);
  qr_romix_with_kind (kind, block, 4, 1, buffer);
  hex = to_hex (block, 128);
  g_assert_cmpstr (hex, ==,
                   "79ccc193629debca047f0b70604bf6b62ce3dd4a9626e355fafc6198e6ea2b46"
                   "d58413673b99b029d665c357601fb426a0b2f4bba200ee9f0a43d19b571a9c71"
                   "ef1142e65d5a266fddca832ce59faa7cac0b9cf1be2bffca300d01ee387619c4"
                   "ae12fd4438f203a0e4e1c47ec314861f4e9087cb33396a6873e8f9d2539a4b8e");
}

static void
test_pbkdf2 (void)
{
  guint8 out[64];
  g_autofree char *hex = NULL;

  _qr_scrypt_pbkdf2 ((const guint8 *) "passwd", 6, (const guint8 *) "salt", 4, out, sizeof out);
  hex = to_hex (out, sizeof out);
  g_assert_cmpstr (hex, ==,
                   "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
                   "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
}

/* scrypt put together the way the KDF pool does it, one block at a time. */
static char *
scrypt_with_kind (QrRomixKind  kind,
                  const char  *password,
                  const char  *salt,
                  guint8       log_n,
                  guint32      r,
                  guint32      p)
{
  g_autoptr(QrRomixBuffer) buffer = qr_romix_buffer_new (log_n, r);
  g_autofree guint8 *blocks = g_malloc ((gsize) 128 * r * p);
  guint8 out[64];

  g_assert_nonnull (buffer);
  _qr_scrypt_pbkdf2 ((const guint8 *) password, strlen (password),
                     (const guint8 *) salt, strlen (salt), blocks, (gsize) 128 * r * p);
  for (guint32 i = 0; i < p; i++)
    qr_romix_with_kind (kind, blocks + (gsize) 128 * r * i, log_n, r, buffer);
  _qr_scrypt_pbkdf2 ((const guint8 *) password, strlen (password),
                     blocks, (gsize) 128 * r * p, out, sizeof out);

  return to_hex (out, sizeof out);
}

static void
test_scrypt (gconstpointer data)
{
  QrRomixKind kind = GPOINTER_TO_INT (data);
  g_autofree char *empty = NULL;
  g_autofree char *nacl = NULL;
  g_autofree char *sodium_chloride = NULL;

  if (!qr_romix_kind_is_supported (kind))
    {
      g_test_skip ("this processor cannot run it");
      return;
    }

  empty = scrypt_with_kind (kind, "", "", 4, 1, 1);
  g_assert_cmpstr (empty, ==,
                   "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
                   "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906");
  nacl = scrypt_with_kind (kind, "password", "NaCl", 10, 8, 16);
  g_assert_cmpstr (nacl, ==,
                   "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
                   "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640");
  sodium_chloride = scrypt_with_kind (kind, "pleaseletmein", "SodiumChloride", 14, 8, 1);
  g_assert_cmpstr (sodium_chloride, ==,
                   "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
                   "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887");
}

/* The last vector takes 1 GiB and a few seconds per kind: test-scrypt-file
 * checks it with the kind in use, this for every kind when asked to. */
static void
test_scrypt_1gib (gconstpointer data)
{
  QrRomixKind kind = GPOINTER_TO_INT (data);
  g_autofree char *hex = NULL;

  if (!g_test_slow ())
    {
      g_test_skip ("slow: run with -m slow");
      return;
    }
  if (!qr_romix_kind_is_supported (kind))
    {
      g_test_skip ("this processor cannot run it");
      return;
    }

  hex = scrypt_with_kind (kind, "pleaseletmein", "SodiumChloride", 20, 8, 1);
  g_assert_cmpstr (hex, ==,
                   "2101cb9b6a511aaeaddbbe09cf70f881ec568d574a2ffd4dabe5ee9820adaa47"
                   "8e56fd8f4ba5d09ffa1c6d927c40f4c337304049e8a952fbcbf45c6fa77a41a4");
}

/* Beyond the vectors: every kind gives the same bytes for odd r, larger N
 * and random input, and a buffer serves one run after another. */
static void
test_kinds_agree (void)
{
  static const struct
  {
    guint8  log_n;
    guint32 r;
  } shapes[] = { { 1, 1 }, { 3, 3 }, { 8, 5 }, { 12, 8 }, { 14, 2 } };
  g_autoptr(GRand) rand = g_rand_new_with_seed (7914);

  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    {
      g_autoptr(QrRomixBuffer) buffer = qr_romix_buffer_new (shapes[s].log_n, shapes[s].r);
      gsize size = (gsize) 128 * shapes[s].r;
      g_autofree guint8 *input = g_malloc (size);
      g_autofree guint8 *first = NULL;

      for (gsize i = 0; i < size; i++)
        input[i] = g_rand_int (rand) & 0xff;

      for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
        {
          g_autofree guint8 *block = g_memdup2 (input, size);

          if (!qr_romix_kind_is_supported (kinds[k]))
            continue;

          qr_romix_with_kind (kinds[k], block, shapes[s].log_n, shapes[s].r, buffer);
          g_assert_true (memcmp (block, input, size) != 0);
          if (first == NULL)
            first = g_steal_pointer (&block);
          else
            g_assert_cmpmem (block, size, first, size);
        }
    }
}

static void
test_memory (void)
{
  g_autoptr(QrRomixBuffer) buffer = qr_romix_buffer_new (10, 8);

  g_assert_cmpuint (qr_romix_get_memory (10, 8), ==, 128 * 8 * 1024 + 2 * 128 * 8);
  g_assert_cmpuint (qr_romix_buffer_get_size (buffer), ==, qr_romix_get_memory (10, 8));
  g_assert_cmpuint (qr_romix_get_memory (56, 1), ==, ((guint64) 1 << 63) + 256);
  g_assert_cmpuint (qr_romix_get_memory (57, 1), ==, G_MAXUINT64);
  g_assert_cmpuint (qr_romix_get_memory (64, 1), ==, G_MAXUINT64);
  g_assert_cmpuint (qr_romix_get_memory (40, G_MAXUINT32), ==, G_MAXUINT64);

  /* More than the address space: no buffer, and no crash. */
  g_assert_null (qr_romix_buffer_new (56, 1));
}

static void
test_unit_seconds (void)
{
  double unit = qr_romix_get_unit_seconds ();

  /* Between a picosecond and a millisecond per unit of N·r, and the same
   * on every call. */
  g_test_message ("%.3g s per unit of N·r", unit);
  g_assert_cmpfloat (unit, >, 1e-12);
  g_assert_cmpfloat (unit, <, 1e-3);
  g_assert_cmpfloat (qr_romix_get_unit_seconds (), ==, unit);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      const char *name = qr_romix_kind_get_name (kinds[k]);
      gconstpointer kind = GINT_TO_POINTER (kinds[k]);
      g_autofree char *salsa = g_strdup_printf ("/qr/romix/%s/salsa20-8", name);
      g_autofree char *mix = g_strdup_printf ("/qr/romix/%s/block-mix", name);
      g_autofree char *romix = g_strdup_printf ("/qr/romix/%s/romix", name);
      g_autofree char *scrypt = g_strdup_printf ("/qr/romix/%s/scrypt", name);
      g_autofree char *big = g_strdup_printf ("/qr/romix/%s/scrypt-1gib", name);

      g_test_add_data_func (salsa, kind, test_salsa20_8);
      g_test_add_data_func (mix, kind, test_block_mix);
      g_test_add_data_func (romix, kind, test_romix);
      g_test_add_data_func (scrypt, kind, test_scrypt);
      g_test_add_data_func (big, kind, test_scrypt_1gib);
    }
  g_test_add_func ("/qr/romix/pbkdf2", test_pbkdf2);
  g_test_add_func ("/qr/romix/kinds-agree", test_kinds_agree);
  g_test_add_func ("/qr/romix/memory", test_memory);
  g_test_add_func ("/qr/romix/unit-seconds", test_unit_seconds);

  return g_test_run ();
}
