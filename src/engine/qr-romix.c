/* qr-romix.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "qr-romix.h"

/* Almost all of scrypt's time is spent in Salsa20/8, which is one chain of
 * dependent 32-bit additions, rotations and xors over a 4x4 matrix. Kept
 * in four vectors of four lanes, one column or diagonal per instruction,
 * a round is four vector steps and three lane rotations. The vectors are
 * GCC's generic ones, so the same source becomes SSE2 on x86-64 and NEON
 * on ARM; compiled a second time for AVX-512, each rotation is a single
 * instruction, which cuts the time by about a third.
 *
 * The lanes need the words of each 64-byte block in the order
 * 0 5 10 15 | 4 9 14 3 | 8 13 2 7 | 12 1 6 11 (word 5i mod 16 at i), so a
 * block is rearranged once on the way in and once on the way out, and V
 * holds blocks in that order. */

typedef guint32 Vec __attribute__ ((vector_size (16)));

#define ALWAYS_INLINE inline __attribute__ ((always_inline))
#define ROTATE(v, n)  (((v) << (n)) | ((v) >> (32 - (n))))

/* A 64-byte Salsa20 block is four vectors; a 128·r-byte scrypt block,
 * 2·r Salsa20 blocks, is 8·r. */
#define VECS_PER_SALSA 4

/* Where the work-factor estimate is measured: 8 MiB, past the core's own
 * caches as real parameters are, and a few milliseconds long. */
#define CALIBRATION_LOG_N 13
#define CALIBRATION_R     8

struct _QrRomixBuffer
{
  Vec   *v;      /* N blocks, then the two working blocks X and Y */
  gsize  size;   /* bytes mapped */
};

static ALWAYS_INLINE void
salsa20_8_xor (Vec       *x,
               const Vec *in,
               const Vec *in2,
               Vec       *out)
{
  Vec a = x[0] ^ in[0], b = x[1] ^ in[1], c = x[2] ^ in[2], d = x[3] ^ in[3];
  Vec a0, b0, c0, d0;

  if (in2 != NULL)
    {
      a ^= in2[0];
      b ^= in2[1];
      c ^= in2[2];
      d ^= in2[3];
    }
  a0 = a, b0 = b, c0 = c, d0 = d;

  for (int i = 0; i < 4; i++)
    {
      /* Columns: b holds words 4 9 14 3, c 8 13 2 7, d 12 1 6 11. */
      b ^= ROTATE (a + d, 7);
      c ^= ROTATE (b + a, 9);
      d ^= ROTATE (c + b, 13);
      a ^= ROTATE (d + c, 18);

      /* Rows, with the lanes turned so each row lines up with a. */
      b = __builtin_shufflevector (b, b, 3, 0, 1, 2);
      c = __builtin_shufflevector (c, c, 2, 3, 0, 1);
      d = __builtin_shufflevector (d, d, 1, 2, 3, 0);
      d ^= ROTATE (a + b, 7);
      c ^= ROTATE (d + a, 9);
      b ^= ROTATE (c + d, 13);
      a ^= ROTATE (b + c, 18);
      b = __builtin_shufflevector (b, b, 1, 2, 3, 0);
      c = __builtin_shufflevector (c, c, 2, 3, 0, 1);
      d = __builtin_shufflevector (d, d, 3, 0, 1, 2);
    }

  x[0] = out[0] = a + a0;
  x[1] = out[1] = b + b0;
  x[2] = out[2] = c + c0;
  x[3] = out[3] = d + d0;
}

/* scryptBlockMix of in, xored with in2 first when given: the even output
 * blocks go to the first half of out, the odd ones to the second. */
static ALWAYS_INLINE void
block_mix (const Vec *in,
           const Vec *in2,
           Vec       *out,
           guint32    r)
{
  const gsize last = (2 * (gsize) r - 1) * VECS_PER_SALSA;
  Vec x[VECS_PER_SALSA];

  for (int k = 0; k < VECS_PER_SALSA; k++)
    x[k] = in2 != NULL ? in[last + k] ^ in2[last + k] : in[last + k];

  for (gsize i = 0; i < r; i++)
    {
      const gsize even = 2 * i * VECS_PER_SALSA;
      const gsize odd = even + VECS_PER_SALSA;

      salsa20_8_xor (x, in + even, in2 != NULL ? in2 + even : NULL, out + i * VECS_PER_SALSA);
      salsa20_8_xor (x, in + odd, in2 != NULL ? in2 + odd : NULL,
                     out + (r + i) * VECS_PER_SALSA);
    }
}

/* Integerify (RFC 7914): the first 64 bits of the last Salsa20 block, which
 * sit in lane 0 of its first vector and lane 1 of its last. */
static ALWAYS_INLINE guint64
integerify (const Vec *x,
            guint32    r)
{
  const Vec *last = x + (2 * (gsize) r - 1) * VECS_PER_SALSA;

  return (guint64) last[0][0] | ((guint64) last[3][1] << 32);
}

static ALWAYS_INLINE void
romix_body (Vec     *x,
            guint64  n,
            guint32  r,
            Vec     *v)
{
  const gsize vecs = 8 * (gsize) r;
  Vec *y = x + vecs;

  /* V[i] = X, X = BlockMix (X), written straight into V[i + 1]. */
  memcpy (v, x, vecs * sizeof (Vec));
  for (guint64 i = 0; i + 1 < n; i++)
    block_mix (v + i * vecs, NULL, v + (i + 1) * vecs, r);
  block_mix (v + (n - 1) * vecs, NULL, x, r);

  /* X = BlockMix (X xor V[j]), alternating between X and Y; N is even. */
  for (guint64 i = 0; i < n; i += 2)
    {
      block_mix (x, v + (integerify (x, r) & (n - 1)) * vecs, y, r);
      block_mix (y, v + (integerify (y, r) & (n - 1)) * vecs, x, r);
    }
}

static void
romix_portable (Vec     *x,
                guint64  n,
                guint32  r,
                Vec     *v)
{
  romix_body (x, n, r, v);
}

static void
block_mix_portable (const Vec *in,
                    Vec       *out,
                    guint32    r)
{
  block_mix (in, NULL, out, r);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_AVX512 1

__attribute__ ((target ("avx512f,avx512vl")))
static void
romix_avx512 (Vec     *x,
              guint64  n,
              guint32  r,
              Vec     *v)
{
  romix_body (x, n, r, v);
}

__attribute__ ((target ("avx512f,avx512vl")))
static void
block_mix_avx512 (const Vec *in,
                  Vec       *out,
                  guint32    r)
{
  block_mix (in, NULL, out, r);
}
#endif

gboolean
qr_romix_kind_is_supported (QrRomixKind kind)
{
  switch (kind)
    {
    case QR_ROMIX_PORTABLE:
      return TRUE;

    case QR_ROMIX_AVX512:
#ifdef HAVE_AVX512
      return __builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512vl");
#else
      return FALSE;
#endif

    default:
      return FALSE;
    }
}

const char *
qr_romix_kind_get_name (QrRomixKind kind)
{
  switch (kind)
    {
    case QR_ROMIX_PORTABLE:
      return "portable";

    case QR_ROMIX_AVX512:
      return "avx512";

    default:
      g_return_val_if_reached (NULL);
    }
}

static QrRomixKind
best_kind (void)
{
  static gsize kind = 0;

  if (g_once_init_enter (&kind))
    {
      QrRomixKind best = qr_romix_kind_is_supported (QR_ROMIX_AVX512) ? QR_ROMIX_AVX512
                                                                     : QR_ROMIX_PORTABLE;

      /* Stored plus one: g_once needs a value other than zero. */
      g_once_init_leave (&kind, best + 1);
    }

  return kind - 1;
}

/* Between the byte order of RFC 7914 and the lanes of the vectors. */
static void
to_lanes (const guint8 *block,
          Vec          *x,
          guint32       r)
{
  for (gsize k = 0; k < 2 * (gsize) r; k++)
    {
      guint32 words[16];

      for (gsize i = 0; i < 16; i++)
        {
          guint32 word;

          memcpy (&word, block + 64 * k + 4 * ((5 * i) % 16), sizeof word);
          words[i] = GUINT32_FROM_LE (word);
        }
      memcpy (x + k * VECS_PER_SALSA, words, sizeof words);
    }
}

static void
from_lanes (const Vec *x,
            guint8    *block,
            guint32    r)
{
  for (gsize k = 0; k < 2 * (gsize) r; k++)
    {
      guint32 words[16];

      memcpy (words, x + k * VECS_PER_SALSA, sizeof words);
      for (gsize i = 0; i < 16; i++)
        {
          guint32 word = GUINT32_TO_LE (words[i]);

          memcpy (block + 64 * k + 4 * ((5 * i) % 16), &word, sizeof word);
        }
    }
}

/**
 * qr_romix_get_memory:
 *
 * Returns: the bytes one ROMix run needs (V and two working blocks), or
 *   %G_MAXUINT64 when that does not fit 64 bits.
 */
guint64
qr_romix_get_memory (guint8  log_n,
                     guint32 r)
{
  guint64 block = (guint64) 128 * r;
  guint64 v, total;

  if (log_n >= 64 || !g_uint64_checked_mul (&v, block, (guint64) 1 << log_n) ||
      !g_uint64_checked_add (&total, v, 2 * block))
    return G_MAXUINT64;

  return total;
}

/**
 * qr_romix_buffer_new:
 *
 * Maps the memory of one ROMix run. A worker keeps it for consecutive runs
 * of the same size, which spares the kernel faulting in and zeroing
 * hundreds of MiB for each. Returns: (nullable): the buffer, or %NULL when
 * the memory cannot be had.
 */
QrRomixBuffer *
qr_romix_buffer_new (guint8  log_n,
                     guint32 r)
{
  QrRomixBuffer *buffer;
  guint64 need = qr_romix_get_memory (log_n, r);
  void *mem;

  if (need == 0 || need > G_MAXSIZE / 2)
    return NULL;

  mem = mmap (NULL, need, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED)
    return NULL;

  /* V is read at random: huge pages save most of the TLB misses and
   * page faults. Only advice, so its failure changes nothing. */
#ifdef MADV_HUGEPAGE
  madvise (mem, need, MADV_HUGEPAGE);
#endif
  /* What V holds is derived from the password: never in a core dump. */
#ifdef MADV_DONTDUMP
  madvise (mem, need, MADV_DONTDUMP);
#endif

  buffer = g_new0 (QrRomixBuffer, 1);
  buffer->v = mem;
  buffer->size = need;

  return buffer;
}

gsize
qr_romix_buffer_get_size (QrRomixBuffer *buffer)
{
  g_return_val_if_fail (buffer != NULL, 0);

  return buffer->size;
}

/* Unmapped, not wiped: the pages go back to the kernel, which clears them
 * before anything else can map them, and nothing in this process can read
 * them any more. Wiping a GiB first would cost a tenth of a second. */
void
qr_romix_buffer_free (QrRomixBuffer *buffer)
{
  if (buffer == NULL)
    return;

  munmap (buffer->v, buffer->size);
  g_free (buffer);
}

/**
 * qr_romix_with_kind:
 * @block: (inout): 128·@r bytes, replaced by scryptROMix of them
 * @buffer: from qr_romix_buffer_new() with the same @log_n and @r
 */
void
qr_romix_with_kind (QrRomixKind    kind,
                    guint8        *block,
                    guint8         log_n,
                    guint32        r,
                    QrRomixBuffer *buffer)
{
  guint64 n;
  Vec *x;

  g_return_if_fail (qr_romix_kind_is_supported (kind));
  g_return_if_fail (block != NULL);
  g_return_if_fail (buffer != NULL);
  g_return_if_fail (log_n >= 1 && log_n < 64 && r >= 1);
  g_return_if_fail (buffer->size == qr_romix_get_memory (log_n, r));

  n = (guint64) 1 << log_n;
  x = buffer->v + n * 8 * r;
  to_lanes (block, x, r);

#ifdef HAVE_AVX512
  if (kind == QR_ROMIX_AVX512)
    romix_avx512 (x, n, r, buffer->v);
  else
#endif
    romix_portable (x, n, r, buffer->v);

  from_lanes (x, block, r);
}

void
qr_romix (guint8        *block,
          guint8         log_n,
          guint32        r,
          QrRomixBuffer *buffer)
{
  qr_romix_with_kind (best_kind (), block, log_n, r, buffer);
}

/* scryptBlockMix alone, for the test vectors of RFC 7914 (with r = 1 and
 * a zero second block, its first output block is Salsa20/8 of the first). */
void
qr_romix_block_mix (QrRomixKind   kind,
                    const guint8 *in,
                    guint8       *out,
                    guint32       r)
{
  g_autofree Vec *x = NULL;
  g_autofree Vec *y = NULL;

  g_return_if_fail (qr_romix_kind_is_supported (kind));
  g_return_if_fail (in != NULL && out != NULL && r >= 1);

  x = g_new (Vec, 8 * (gsize) r);
  y = g_new (Vec, 8 * (gsize) r);
  to_lanes (in, x, r);

#ifdef HAVE_AVX512
  if (kind == QR_ROMIX_AVX512)
    block_mix_avx512 (x, y, r);
  else
#endif
    block_mix_portable (x, y, r);

  from_lanes (y, out, r);
}

/**
 * qr_romix_get_unit_seconds:
 *
 * How long ROMix takes here per unit of N·r, measured once per process on
 * a small run: what the work limit of the KDF pool estimates times with.
 */
double
qr_romix_get_unit_seconds (void)
{
  static double unit_seconds;
  static gsize measured = 0;

  if (g_once_init_enter (&measured))
    {
      g_autoptr(QrRomixBuffer) buffer = qr_romix_buffer_new (CALIBRATION_LOG_N, CALIBRATION_R);
      guint8 block[128 * CALIBRATION_R] = { 0 };
      gint64 start = g_get_monotonic_time ();

      if (buffer != NULL)
        {
          qr_romix (block, CALIBRATION_LOG_N, CALIBRATION_R, buffer);
          unit_seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC /
                         ((double) ((guint64) 1 << CALIBRATION_LOG_N) * CALIBRATION_R);
        }
      /* A clock too coarse to see it, or no memory for it: assume a
       * fast machine, which only makes the limit more lenient. */
      unit_seconds = MAX (unit_seconds, 1e-9);
      g_once_init_leave (&measured, 1);
    }

  return unit_seconds;
}
