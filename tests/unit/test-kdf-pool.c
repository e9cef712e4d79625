/* test-kdf-pool.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <gio/gio.h>

#include "qr-error.h"
#include "qr-kdf-pool.h"
#include "qr-secure-memory.h"

#define PASSPHRASE "hunter2"

/* Parameters as a container header would carry them, with a salt that
 * differs per seed so that every request yields a different key. */
static void
make_params (QrScryptParams *params,
             guint8          log_n,
             guint32         r,
             guint32         p,
             guint8          seed)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GError) error = NULL;
  guint8 header[QR_SCRYPT_HEADER_SIZE] = { 0 };
  guint8 digest[32];
  gsize digest_len = sizeof digest;

  memcpy (header, "scrypt", 6);
  header[7] = log_n;
  for (int i = 0; i < 4; i++)
    {
      header[8 + i] = (r >> (24 - 8 * i)) & 0xff;
      header[12 + i] = (p >> (24 - 8 * i)) & 0xff;
    }
  for (int i = 0; i < 32; i++)
    header[16 + i] = seed * 31 + i;

  g_checksum_update (checksum, header, 48);
  g_checksum_get_digest (checksum, digest, &digest_len);
  memcpy (header + 48, digest, 16);

  g_assert_true (qr_scrypt_params_parse (header, sizeof header, params, &error));
  g_assert_no_error (error);
}

static char *
prefix_for (guint i)
{
  return g_strdup_printf ("20230405T123455-1234!vm12/private.img.%03u!", i);
}

static void
assert_request_key (QrKdfRequest         *request,
                    const QrScryptParams *params,
                    guint                 i)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrScryptKey) key = NULL;
  g_autoptr(QrScryptKey) expected = NULL;
  g_autofree char *prefix = prefix_for (i);

  key = qr_kdf_request_wait (request, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (key);
  /* Handed out, not kept: the request holds no key any more. */
  g_assert_false (qr_kdf_request_is_done (request));

  expected = qr_scrypt_key_derive (params, prefix, PASSPHRASE, &error);
  g_assert_no_error (error);
  g_assert_true (qr_scrypt_key_equal (key, expected));
}

static void
test_new_destroy (void)
{
  QrKdfPool *pool = qr_kdf_pool_new (0, 0);

  g_assert_cmpuint (qr_kdf_pool_get_max_jobs (pool), ==, g_get_num_processors ());
  g_assert_cmpuint (qr_kdf_pool_get_memory_budget (pool), >, 0);
  g_assert_cmpuint (qr_kdf_pool_get_memory_budget (pool), <=, qr_memory_available ());
  g_assert_finalize_object (pool);

  pool = qr_kdf_pool_new (3, 12345);
  g_assert_cmpuint (qr_kdf_pool_get_max_jobs (pool), ==, 3);
  g_assert_cmpuint (qr_kdf_pool_get_memory_budget (pool), ==, 12345);
  g_assert_finalize_object (pool);
}

static void
test_memory_available (void)
{
  guint64 available = qr_memory_available ();

  /* Any machine that runs the tests has more than 16 MiB free and less
   * than 1 PiB. */
  g_assert_cmpuint (available, >, 16 << 20);
  g_assert_cmpuint (available, <, (guint64) 1 << 50);
}

static void
test_keys_match (void)
{
  g_autoptr(QrKdfPool) pool = qr_kdf_pool_new (2, 1 << 30);
  QrScryptParams params[4];
  QrKdfRequest *requests[4];

  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *prefix = prefix_for (i);

      make_params (&params[i], 10 + i, 8, 1, i);
      requests[i] = qr_kdf_pool_submit (pool, &params[i], prefix, PASSPHRASE);
    }

  for (guint i = 0; i < 4; i++)
    {
      assert_request_key (requests[i], &params[i], i);
      /* Waiting again derives the same key again. */
      assert_request_key (requests[i], &params[i], i);
      qr_kdf_request_unref (requests[i]);
    }
}

typedef struct
{
  QrKdfRequest         *request;
  const QrScryptParams *params;
} SameRequest;

static gpointer
wait_thread (gpointer data)
{
  SameRequest *same = data;

  assert_request_key (same->request, same->params, 0);
  return NULL;
}

/* Two threads waiting for one request at once both get its key: one the
 * key derived, the other the same key derived again. */
static void
test_two_waiters (void)
{
  g_autoptr(QrKdfPool) pool = qr_kdf_pool_new (2, 1 << 30);
  g_autoptr(QrKdfRequest) request = NULL;
  g_autofree char *prefix = prefix_for (0);
  QrScryptParams params;
  SameRequest same;
  GThread *threads[2];

  make_params (&params, 14, 8, 2, 9);
  request = qr_kdf_pool_submit (pool, &params, prefix, PASSPHRASE);
  same = (SameRequest) { request, &params };
  for (guint i = 0; i < 2; i++)
    threads[i] = g_thread_new ("wait", wait_thread, &same);
  for (guint i = 0; i < 2; i++)
    g_thread_join (threads[i]);
}

/* With one worker the requests run one after another in submission order:
 * when the first is done, the last, three derivations later, is not. */
static void
test_fifo (void)
{
  g_autoptr(QrKdfPool) pool = qr_kdf_pool_new (1, 1 << 30);
  QrScryptParams params;
  QrKdfRequest *requests[4];

  make_params (&params, 14, 8, 1, 1);
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *prefix = prefix_for (i);

      requests[i] = qr_kdf_pool_submit (pool, &params, prefix, PASSPHRASE);
    }

  assert_request_key (requests[0], &params, 0);
  g_assert_false (qr_kdf_request_is_done (requests[3]));
  for (guint i = 1; i < 4; i++)
    assert_request_key (requests[i], &params, i);
  for (guint i = 0; i < 4; i++)
    qr_kdf_request_unref (requests[i]);
}

/* A key with p > 1 is p ROMix jobs, shared among the workers: whatever the
 * number of workers, the key is the one scrypt gives. */
static void
test_parallel_blocks (void)
{
  static const guint32 ps[] = { 2, 3, 5, 16 };
  static const guint jobs[] = { 1, 2, 3, 8 };

  for (guint j = 0; j < G_N_ELEMENTS (jobs); j++)
    {
      g_autoptr(QrKdfPool) pool = qr_kdf_pool_new (jobs[j], 1 << 30);
      QrScryptParams params[G_N_ELEMENTS (ps)];
      QrKdfRequest *requests[G_N_ELEMENTS (ps)];

      for (guint i = 0; i < G_N_ELEMENTS (ps); i++)
        {
          g_autofree char *prefix = prefix_for (i);

          make_params (&params[i], 10, 8, ps[i], i + 10 * j);
          requests[i] = qr_kdf_pool_submit (pool, &params[i], prefix, PASSPHRASE);
        }

      for (guint i = 0; i < G_N_ELEMENTS (ps); i++)
        {
          assert_request_key (requests[i], &params[i], i);
          qr_kdf_request_unref (requests[i]);
        }
    }
}

static void
test_over_budget (void)
{
  g_autoptr(GError) error = NULL;
  QrScryptParams params;
  g_autoptr(QrKdfPool) pool = NULL;
  g_autoptr(QrKdfRequest) request = NULL;
  g_autoptr(QrScryptKey) key = NULL;
  g_autofree char *need_size = NULL;
  g_autofree char *budget_size = NULL;
  g_autofree char *need_text = NULL;
  g_autofree char *budget_text = NULL;
  gint64 start;

  make_params (&params, 14, 8, 1, 0);
  pool = qr_kdf_pool_new (2, 10 << 20);
  need_size = g_format_size (qr_scrypt_params_get_memory (&params));
  budget_size = g_format_size (10 << 20);

  start = g_get_monotonic_time ();
  request = qr_kdf_pool_submit (pool, &params, "backup-header!", PASSPHRASE);
  g_assert_true (qr_kdf_request_is_done (request));
  key = qr_kdf_request_wait (request, NULL, &error);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC / 10);

  g_assert_error (error, QR_ERROR, QR_ERROR_NEEDS_MEMORY);
  g_assert_null (key);
  need_text = g_strdup_printf ("needs %s of memory", need_size);
  budget_text = g_strdup_printf ("only %s is available", budget_size);
  g_assert_nonnull (strstr (error->message, need_text));
  g_assert_nonnull (strstr (error->message, budget_text));
  g_test_message ("%s", error->message);
}

static void
test_one_at_a_time (void)
{
  QrScryptParams params[4];
  g_autoptr(QrKdfPool) pool = NULL;
  QrKdfRequest *requests[4];

  for (guint i = 0; i < 4; i++)
    make_params (&params[i], 12, 8, 1, i);

  /* Four jobs allowed, but memory for one only. */
  pool = qr_kdf_pool_new (4, qr_scrypt_params_get_memory (&params[0]));
  g_assert_cmpuint (qr_kdf_pool_get_lanes (pool, &params[0]), ==, 1);

  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *prefix = prefix_for (i);

      requests[i] = qr_kdf_pool_submit (pool, &params[i], prefix, PASSPHRASE);
    }

  for (guint i = 0; i < 4; i++)
    {
      assert_request_key (requests[i], &params[i], i);
      qr_kdf_request_unref (requests[i]);
    }
}

static void
test_lanes (void)
{
  QrScryptParams params;
  QrScryptParams huge = { .log_n = 63, .r = 1u << 31, .p = 1 };
  guint64 need;

  make_params (&params, 14, 8, 1, 0);
  need = qr_scrypt_params_get_memory (&params);
  g_assert_cmpuint (need, >, 16 << 20);

  {
    g_autoptr(QrKdfPool) pool = qr_kdf_pool_new (8, 3 * need + 1);
    g_assert_cmpuint (qr_kdf_pool_get_lanes (pool, &params), ==, 3);
    g_assert_cmpuint (qr_kdf_pool_get_lanes (pool, &huge), ==, 0);
  }
  {
    g_autoptr(QrKdfPool) pool = qr_kdf_pool_new (2, 3 * need);
    g_assert_cmpuint (qr_kdf_pool_get_lanes (pool, &params), ==, 2);
  }
  {
    g_autoptr(QrKdfPool) pool = qr_kdf_pool_new (8, need - 1);
    g_assert_cmpuint (qr_kdf_pool_get_lanes (pool, &params), ==, 0);
  }
  {
    g_autoptr(QrKdfPool) pool = qr_kdf_pool_new (G_MAXUINT, G_MAXUINT64);
    g_assert_cmpuint (qr_kdf_pool_get_lanes (pool, &params), ==, G_MAXUINT);
  }
}

typedef struct
{
  GCancellable *cancellable;
  gint64        cancelled_at;
} CancelLater;

static gpointer
cancel_later_thread (gpointer data)
{
  CancelLater *later = data;

  g_usleep (G_USEC_PER_SEC / 20);
  later->cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (later->cancellable);
  return NULL;
}

/* Slow without needing much memory: p multiplies the time only. */
static void
make_slow_params (QrScryptParams *params,
                  guint8          seed)
{
  make_params (params, 12, 8, 64, seed);
}

static void
test_cancel_wait (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrKdfPool) pool = qr_kdf_pool_new (1, 1 << 30);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(QrKdfRequest) request = NULL;
  g_autoptr(QrScryptKey) key = NULL;
  g_autofree char *prefix = prefix_for (0);
  CancelLater later = { cancellable, 0 };
  QrScryptParams params;
  GThread *thread;
  gint64 returned_at;

  make_slow_params (&params, 0);
  request = qr_kdf_pool_submit (pool, &params, prefix, PASSPHRASE);

  thread = g_thread_new ("cancel", cancel_later_thread, &later);
  key = qr_kdf_request_wait (request, cancellable, &error);
  returned_at = g_get_monotonic_time ();
  g_thread_join (thread);

  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (key);
  g_clear_error (&error);
  /* It returned without waiting for the derivation. */
  g_assert_false (qr_kdf_request_is_done (request));
  g_assert_cmpint (later.cancelled_at, >, 0);
  g_assert_cmpint (returned_at - later.cancelled_at, <, G_USEC_PER_SEC / 2);

  /* An already cancelled wait returns at once, too. */
  key = qr_kdf_request_wait (request, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (key);
  g_clear_error (&error);

  /* The derivation itself went on and still gives the right key. */
  assert_request_key (request, &params, 0);
}

static void
assert_cancelled (QrKdfRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrScryptKey) key = qr_kdf_request_wait (request, NULL, &error);

  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (key);
}

/* The first request may or may not have started; the rest cannot have. */
static void
assert_first_done_rest_cancelled (QrKdfRequest  **requests,
                                  guint           n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrScryptKey) key = qr_kdf_request_wait (requests[0], NULL, &error);

  g_assert_true (key != NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  for (guint i = 1; i < n; i++)
    assert_cancelled (requests[i]);
}

static void
test_pool_cancel (void)
{
  g_autoptr(QrKdfPool) pool = qr_kdf_pool_new (1, 1 << 30);
  g_autoptr(QrKdfRequest) later = NULL;
  QrScryptParams params;
  QrKdfRequest *requests[4];

  make_slow_params (&params, 0);
  for (guint i = 0; i < 4; i++)
    requests[i] = qr_kdf_pool_submit (pool, &params, "backup-header!", PASSPHRASE);

  qr_kdf_pool_cancel (pool);
  for (guint i = 1; i < 4; i++)
    g_assert_true (qr_kdf_request_is_done (requests[i]));
  assert_first_done_rest_cancelled (requests, 4);

  /* The pool still works after a cancel. */
  make_params (&params, 10, 8, 1, 5);
  later = qr_kdf_pool_submit (pool, &params, "x!", PASSPHRASE);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(QrScryptKey) key = qr_kdf_request_wait (later, NULL, &error);

    g_assert_no_error (error);
    g_assert_nonnull (key);
  }

  for (guint i = 0; i < 4; i++)
    qr_kdf_request_unref (requests[i]);
}

static void
test_unref_in_flight (void)
{
  QrKdfPool *pool = qr_kdf_pool_new (2, 1 << 30);
  QrScryptParams params;
  QrKdfRequest *requests[6];
  gint64 start;

  make_slow_params (&params, 0);
  for (guint i = 0; i < 6; i++)
    requests[i] = qr_kdf_pool_submit (pool, &params, "backup-header!", PASSPHRASE);

  /* Let the workers start, then drop the pool under them. */
  g_usleep (G_USEC_PER_SEC / 50);
  start = g_get_monotonic_time ();
  g_assert_finalize_object (pool);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC / 10);

  for (guint i = 2; i < 6; i++)
    assert_cancelled (requests[i]);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(QrScryptKey) key = qr_kdf_request_wait (requests[i], NULL, &error);

      g_assert_true (key != NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
    }

  for (guint i = 0; i < 6; i++)
    qr_kdf_request_unref (requests[i]);
}

/* Requests nobody holds any more are skipped, and dropping the pool and
 * every request while a derivation runs leaves nothing behind to crash. */
static void
test_abandoned (void)
{
  QrKdfPool *pool = qr_kdf_pool_new (1, 1 << 30);
  QrScryptParams params;

  make_slow_params (&params, 0);
  for (guint i = 0; i < 3; i++)
    qr_kdf_request_unref (qr_kdf_pool_submit (pool, &params, "a!", PASSPHRASE));

  g_usleep (G_USEC_PER_SEC / 50);
  g_assert_finalize_object (pool);
}

static guint
count_memory_maps (void)
{
  g_autofree char *maps = NULL;
  guint lines = 0;

  g_assert_true (g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL));
  for (const char *p = maps; *p != '\0'; p++)
    lines += *p == '\n';

  return lines;
}

static guint64
resident_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "VmRSS:");
  g_assert_nonnull (line);

  return g_ascii_strtoull (line + strlen ("VmRSS:"), NULL, 10);
}

/* AddressSanitizer keeps freed memory in quarantine, so resident memory
 * says nothing of ours under it. */
#if defined(__SANITIZE_ADDRESS__)
#define RESIDENT_MEANINGFUL FALSE
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RESIDENT_MEANINGFUL FALSE
#endif
#endif
#ifndef RESIDENT_MEANINGFUL
#define RESIDENT_MEANINGFUL TRUE
#endif

#define MANY 50000

/* Tiny keys of varying shape, N from 2 to 16 and p from 1 to 3. */
static void
make_tiny_params (QrScryptParams *params,
                  guint           i)
{
  make_params (params, 1 + (i / 100) % 4, 1 + i % 2, 1 + i % 3, i & 0xff);
}

typedef struct
{
  gsize most_secure;
  guint most_maps;
} Peaks;

static void
take_key (QrKdfRequest *request,
          guint         i,
          Peaks        *peaks)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrScryptKey) key = qr_kdf_request_wait (request, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (key);

  /* Now and then, that it is the right key. */
  if (i % 997 == 0)
    {
      g_autofree char *prefix = prefix_for (i);
      g_autoptr(QrScryptKey) expected = NULL;
      QrScryptParams params;

      make_tiny_params (&params, i);
      expected = qr_scrypt_key_derive (&params, prefix, PASSPHRASE, &error);
      g_assert_no_error (error);
      g_assert_true (qr_scrypt_key_equal (key, expected));
    }

  peaks->most_secure = MAX (peaks->most_secure, qr_secure_memory_get_used ());
  if (i % 1000 == 0)
    peaks->most_maps = MAX (peaks->most_maps, count_memory_maps ());
}

/* A backup of 16,400 chunks once ran out of memory maps, each request
 * holding guard-paged locked memory until the end. Here 50,000 requests,
 * all submitted first as a restore does, are held to the end; the locked
 * memory and the memory maps stay what a handful of keys take. */
static void
test_many_requests (void)
{
  g_autoptr(QrKdfPool) pool = qr_kdf_pool_new (2, 1 << 30);
  g_autofree QrKdfRequest **requests = g_new (QrKdfRequest *, MANY);
  gsize secure_before = qr_secure_memory_get_used ();
  guint maps_before = count_memory_maps ();
  Peaks peaks = { 0, 0 };

  for (guint i = 0; i < MANY; i++)
    {
      g_autofree char *prefix = prefix_for (i);
      QrScryptParams params;

      make_tiny_params (&params, i);
      requests[i] = qr_kdf_pool_submit (pool, &params, prefix, PASSPHRASE);
    }

  for (guint i = 0; i < MANY; i++)
    take_key (requests[i], i, &peaks);

  g_test_message ("locked memory: %" G_GSIZE_FORMAT " bytes at most; memory maps: %u, "
                  "then %u at most", peaks.most_secure, maps_before, peaks.most_maps);
  g_assert_cmpuint (peaks.most_secure, <=, secure_before + 4096);
  g_assert_cmpuint (peaks.most_maps, <=, maps_before + 32);

  for (guint i = 0; i < MANY; i++)
    qr_kdf_request_unref (requests[i]);
  g_clear_object (&pool);
  g_assert_cmpuint (qr_secure_memory_get_used (), ==, secure_before);
}

/* As the reader of a pipe does: a few requests ahead, each dropped once
 * its key is used. Nothing grows with the number of chunks. */
static void
test_many_requests_window (void)
{
  g_autoptr(QrKdfPool) pool = qr_kdf_pool_new (2, 1 << 30);
  g_autoptr(GQueue) window = g_queue_new ();
  gsize secure_before = qr_secure_memory_get_used ();
  guint64 resident_early = 0;
  Peaks peaks = { 0, 0 };
  guint next = 0;

  for (guint i = 0; i < MANY; i++)
    {
      QrKdfRequest *request;

      while (next < MANY && g_queue_get_length (window) < 8)
        {
          g_autofree char *prefix = prefix_for (next);
          QrScryptParams params;

          make_tiny_params (&params, next++);
          g_queue_push_tail (window, qr_kdf_pool_submit (pool, &params, prefix, PASSPHRASE));
        }

      request = g_queue_pop_head (window);
      take_key (request, i, &peaks);
      qr_kdf_request_unref (request);
      if (i == MANY / 10)
        resident_early = resident_kib ();
    }

  g_test_message ("resident: %" G_GUINT64_FORMAT " KiB after %u keys, %" G_GUINT64_FORMAT
                  " KiB after %u", resident_early, MANY / 10, resident_kib (), MANY);
  if (RESIDENT_MEANINGFUL)
    g_assert_cmpuint (resident_kib (), <=, resident_early + 4096);
  g_assert_cmpuint (peaks.most_secure, <=, secure_before + 4096);
}

/* Going on to a later request gives up the keys of earlier ones nobody
 * waits for: the pool never waits for them to be taken, skipped ones are
 * not derived, and a late wait for one derives it after all. */
static void
test_go_past (void)
{
  g_autoptr(QrKdfPool) pool = qr_kdf_pool_new (2, 1 << 30);
  QrScryptParams params[100];
  QrKdfRequest *requests[100];

  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *prefix = prefix_for (i);

      make_params (&params[i], 8, 8, 1 + i % 2, i);
      requests[i] = qr_kdf_pool_submit (pool, &params[i], prefix, PASSPHRASE);
    }

  /* The first half is never waited for, as when a qube fails early: far
   * more keys than the pool derives ahead. */
  for (guint i = 50; i < 100; i++)
    assert_request_key (requests[i], &params[i], i);
  for (guint i = 0; i < 50; i++)
    g_assert_false (qr_kdf_request_is_done (requests[i]));

  assert_request_key (requests[7], &params[7], 7);
  assert_request_key (requests[0], &params[0], 0);

  for (guint i = 0; i < 100; i++)
    qr_kdf_request_unref (requests[i]);

  /* Again and again, each time going past keys still being derived: if
   * those kept their place among the keys the pool may hold once done,
   * none would soon be left for the next. */
  for (guint round = 0; round < 20; round++)
    {
      for (guint i = 0; i < 10; i++)
        {
          g_autofree char *prefix = prefix_for (i);

          make_params (&params[i], 12, 8, 2, round * 10 + i);
          requests[i] = qr_kdf_pool_submit (pool, &params[i], prefix, PASSPHRASE);
        }
      assert_request_key (requests[1], &params[1], 1);
      for (guint i = 0; i < 10; i++)
        qr_kdf_request_unref (requests[i]);
    }
}

static void
assert_over_limit (QrKdfPool  *pool,
                   guint8      log_n,
                   guint32     r,
                   guint32     p,
                   const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrKdfRequest) request = NULL;
  g_autoptr(QrScryptKey) key = NULL;
  QrScryptParams params;
  gint64 start = g_get_monotonic_time ();

  make_params (&params, log_n, r, p, 3);
  request = qr_kdf_pool_submit (pool, &params, "backup-header!", PASSPHRASE);
  g_assert_true (qr_kdf_request_is_done (request));
  key = qr_kdf_request_wait (request, NULL, &error);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC / 2);

  g_assert_error (error, QR_ERROR, QR_ERROR_KDF_LIMIT);
  g_assert_null (key);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, text));
  g_assert_nonnull (strstr (error->message, "per key"));
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  (*(guint *) user_data)++;
}

/* Like `scrypt dec`, parameters that would keep the computer busy for
 * hours are refused in milliseconds, with the time they would take. */
static void
test_work_limit (void)
{
  g_autoptr(QrKdfPool) pool = qr_kdf_pool_new (2, 1 << 30);
  g_autoptr(GError) error = NULL;
  g_autoptr(QrKdfRequest) request = NULL;
  g_autoptr(QrScryptKey) key = NULL;
  QrScryptParams params;
  double estimate;
  guint notified = 0;

  g_assert_cmpfloat (qr_kdf_pool_get_max_seconds (pool), ==, QR_KDF_POOL_DEFAULT_MAX_SECONDS);
  g_assert_cmpfloat (qr_kdf_pool_get_refused_seconds (pool), ==, 0);
  assert_over_limit (pool, 10, 8, 1 << 20, "N = 2^10, r = 8, p = 1048576,");
  make_params (&params, 10, 8, 1 << 20, 0);
  g_assert_cmpfloat (qr_kdf_pool_get_refused_seconds (pool), ==,
                     qr_scrypt_params_get_seconds (&params));
  assert_over_limit (pool, 40, 8, 1, "N = 2^40, r = 8, p = 1,");
  assert_over_limit (pool, 2, 1, (1 << 30) - 1, "p = 1073741823,");
  assert_over_limit (pool, 56, 1, 1, "years");
  /* What the user is asked about is the longest key refused. */
  make_params (&params, 56, 1, 1, 0);
  g_assert_cmpfloat (qr_kdf_pool_get_refused_seconds (pool), ==,
                     qr_scrypt_params_get_seconds (&params));

  /* The limit is the pool's: just below a key's estimate refuses it, just
   * above lets it through. */
  make_params (&params, 12, 8, 2, 4);
  estimate = qr_scrypt_params_get_seconds (&params);
  g_assert_cmpfloat (estimate, >, 0);
  g_signal_connect (pool, "notify::max-seconds", G_CALLBACK (count_notify_cb), &notified);

  qr_kdf_pool_set_max_seconds (pool, estimate / 2);
  g_assert_cmpuint (notified, ==, 1);
  qr_kdf_pool_set_max_seconds (pool, estimate / 2);
  g_assert_cmpuint (notified, ==, 1);
  assert_over_limit (pool, 12, 8, 2, "N = 2^12, r = 8, p = 2,");

  g_object_set (pool, "max-seconds", estimate * 2, NULL);
  g_assert_cmpuint (notified, ==, 2);
  request = qr_kdf_pool_submit (pool, &params, "x!", PASSPHRASE);
  key = qr_kdf_request_wait (request, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (key);

  /* Twice the work, about twice the estimate. */
  params.p = 4;
  g_assert_cmpfloat (qr_scrypt_params_get_seconds (&params), ==, 2 * estimate);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qr/kdf-pool/new-destroy", test_new_destroy);
  g_test_add_func ("/qr/kdf-pool/memory-available", test_memory_available);
  g_test_add_func ("/qr/kdf-pool/keys-match", test_keys_match);
  g_test_add_func ("/qr/kdf-pool/fifo", test_fifo);
  g_test_add_func ("/qr/kdf-pool/parallel-blocks", test_parallel_blocks);
  g_test_add_func ("/qr/kdf-pool/two-waiters", test_two_waiters);
  g_test_add_func ("/qr/kdf-pool/over-budget", test_over_budget);
  g_test_add_func ("/qr/kdf-pool/one-at-a-time", test_one_at_a_time);
  g_test_add_func ("/qr/kdf-pool/lanes", test_lanes);
  g_test_add_func ("/qr/kdf-pool/cancel-wait", test_cancel_wait);
  g_test_add_func ("/qr/kdf-pool/pool-cancel", test_pool_cancel);
  g_test_add_func ("/qr/kdf-pool/unref-in-flight", test_unref_in_flight);
  g_test_add_func ("/qr/kdf-pool/abandoned", test_abandoned);
  g_test_add_func ("/qr/kdf-pool/many-requests", test_many_requests);
  g_test_add_func ("/qr/kdf-pool/many-requests-window", test_many_requests_window);
  g_test_add_func ("/qr/kdf-pool/go-past", test_go_past);
  g_test_add_func ("/qr/kdf-pool/work-limit", test_work_limit);

  return g_test_run ();
}
