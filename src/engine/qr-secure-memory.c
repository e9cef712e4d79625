/* qr-secure-memory.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <openssl/crypto.h>

#include "qr-secure-memory.h"

/* libcrypto's secure heap: one arena mapped between guard pages, locked
 * into RAM where RLIMIT_MEMLOCK allows it, left out of core dumps, and
 * shared out by a buddy allocator. Its size is fixed for the process, so
 * however many keys a backup needs, the number of memory maps and locked
 * pages does not grow (a guard-paged mapping per secret ran out of
 * vm.max_map_count on backups of some ten thousand chunks).
 *
 * What is kept in it is small and short-lived: the passphrase (one copy
 * per holder), the password of each derivation while it runs, and the keys
 * derived ahead of the data, which the KDF pool bounds. */
#define SECURE_HEAP_SIZE      (512 * 1024)
#define SECURE_HEAP_MIN_BLOCK 16

/* Our share of the arena. The rest stays free for libcrypto's own
 * secrets, which it cannot take elsewhere when the arena is full. */
#define OUR_SHARE (SECURE_HEAP_SIZE / 2)

/* Bytes of the arena our allocations hold, as the allocator rounds them. */
static gsize our_used;
G_LOCK_DEFINE_STATIC (our_used);

static void
ensure_heap (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      /* 0 leaves the secure calls on the ordinary heap, and 2 means the
       * arena could not be locked: both still work, and everything is
       * still wiped, so neither is worth failing for. */
      if (!CRYPTO_secure_malloc_initialized ())
        CRYPTO_secure_malloc_init (SECURE_HEAP_SIZE, SECURE_HEAP_MIN_BLOCK);
      g_once_init_leave (&initialised, 1);
    }
}

static gpointer
try_arena (gsize size)
{
  gpointer mem = NULL;

  G_LOCK (our_used);
  if (size <= OUR_SHARE - MIN (our_used, OUR_SHARE))
    {
      mem = OPENSSL_secure_zalloc (size);
      if (mem != NULL && CRYPTO_secure_allocated (mem))
        our_used += CRYPTO_secure_actual_size (mem);
    }
  G_UNLOCK (our_used);

  return mem;
}

/**
 * qr_secure_alloc:
 * @size: bytes
 *
 * Returns zeroed memory for a secret, to free with qr_secure_free_sized().
 * When the arena is full the memory comes from the ordinary heap: not
 * locked, but still wiped. Like g_malloc(), it never returns %NULL.
 */
gpointer
qr_secure_alloc (gsize size)
{
  gpointer mem;

  size = MAX (size, 1);
  ensure_heap ();

  mem = try_arena (size);
  if (mem == NULL)
    mem = OPENSSL_zalloc (size);
  if (mem == NULL)
    g_error ("Could not allocate %" G_GSIZE_FORMAT " bytes", size);

  return mem;
}

void
qr_secure_free_sized (gpointer mem,
                      gsize    size)
{
  if (mem == NULL)
    return;

  if (CRYPTO_secure_allocated (mem))
    {
      G_LOCK (our_used);
      our_used -= CRYPTO_secure_actual_size (mem);
      G_UNLOCK (our_used);
    }

  /* Wipes the whole block, wherever it came from. */
  OPENSSL_secure_clear_free (mem, MAX (size, 1));
}

char *
qr_secure_strdup (const char *str)
{
  char *copy;
  gsize len;

  if (str == NULL)
    return NULL;

  len = strlen (str);
  copy = qr_secure_alloc (len + 1);
  memcpy (copy, str, len + 1);

  return copy;
}

void
qr_secure_free (char *str)
{
  if (str == NULL)
    return;

  qr_secure_free_sized (str, strlen (str) + 1);
}

/* Bytes of the locked arena held by our secrets now; for tests. */
gsize
qr_secure_memory_get_used (void)
{
  gsize used;

  G_LOCK (our_used);
  used = our_used;
  G_UNLOCK (our_used);

  return used;
}
