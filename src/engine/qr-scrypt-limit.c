/* qr-scrypt-limit.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "qr-error.h"
#include "qr-format.h"
#include "qr-romix.h"
#include "qr-scrypt-private.h"

/* A work limit like the scrypt tool's: `scrypt dec` refuses a file whose
 * key would take more than its time limit to derive, estimated from the
 * speed it measures. Here the speed is that of our own ROMix, measured
 * once per process, and the limit is the KDF pool's. */

/* A generous bound on how slow a computer can be, in seconds per unit of
 * N·r: only requests that a computer this slow would take too long for
 * need the speed of this one measured. */
#define SLOWEST_UNIT_SECONDS 1e-5

/* The two PBKDF2 steps cost about this many units of N·r per block. */
#define PBKDF2_UNITS 4

static double
work_units (const QrScryptParams *params)
{
  return (double) params->r * params->p * (ldexp (1, params->log_n) + PBKDF2_UNITS);
}

/**
 * qr_scrypt_params_get_seconds:
 *
 * Returns: how long one key with these parameters takes on one core of
 *   this computer, from the speed of ROMix measured here once.
 */
double
qr_scrypt_params_get_seconds (const QrScryptParams *params)
{
  g_return_val_if_fail (params != NULL, 0);

  return work_units (params) * qr_romix_get_unit_seconds ();
}

/**
 * _qr_scrypt_check_work:
 * @max_seconds: the limit, in seconds of one core per key
 *
 * The first estimate that is needed measures this computer's speed, which
 * takes some milliseconds. Returns: (nullable): why the parameters are
 * refused, or %NULL.
 */
GError *
_qr_scrypt_check_work (const QrScryptParams *params,
                       double                max_seconds)
{
  g_autofree char *need = NULL;
  g_autofree char *limit = NULL;
  double estimate;

  if (work_units (params) * SLOWEST_UNIT_SECONDS <= max_seconds)
    return NULL;

  estimate = qr_scrypt_params_get_seconds (params);
  if (estimate <= max_seconds)
    return NULL;

  need = qr_format_duration (estimate);
  limit = qr_format_duration (max_seconds);

  /* Translators: the first %s is like "about 3 hours", the second like
   * "about 5 minutes"; N, r and p are the names of scrypt's parameters. */
  return g_error_new (QR_ERROR, QR_ERROR_KDF_LIMIT,
                      _("The file's encryption header asks for N = 2^%u, r = %u, p = %u, which "
                        "would take %s per key on this computer, more than the limit of %s. "
                        "Real Qubes backups need seconds per key, so the file is most likely "
                        "damaged."),
                      params->log_n, params->r, params->p, need, limit);
}
