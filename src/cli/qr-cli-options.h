/* qr-cli-options.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "qr-cli-passphrase.h"
#include "qr-kdf-pool.h"

G_BEGIN_DECLS

/* The groups of options a backup command takes. A new option goes into
 * its group's add_*_entries() in qr-cli-options.c, a field below, and the
 * manual page; every command of the group then has it. */
typedef enum
{
  QR_CLI_OPTIONS_PASSPHRASE = 1 << 0,  /* --passphrase-file, --passphrase-fd */
  QR_CLI_OPTIONS_DEST       = 1 << 1,  /* --dest (required) */
  QR_CLI_OPTIONS_KDF        = 1 << 2,  /* --jobs, --max-memory, --max-kdf-time */
  QR_CLI_OPTIONS_JSON       = 1 << 3,  /* --json */
} QrCliOptionsFlags;

/* What a command is, for its --help and its usage errors. */
typedef struct
{
  const char        *name;
  const char        *parameter;
  const char        *summary;
  QrCliOptionsFlags  flags;
} QrCliCommandSpec;

typedef struct
{
  const QrCliCommandSpec *spec;

  QrCliPassphraseSource   passphrase;
  char                   *passphrase_file;
  char                   *dest;
  char                   *max_memory;
  guint64                 max_memory_bytes;
  double                  max_kdf_time;
  int                     jobs;
  gboolean                json;
  gboolean                salvage;

  /* The backup, then the names of the qubes. */
  char                  **arguments;
} QrCliOptions;

/* Parses argv (argv[0] is the command); a usage error is
 * QR_CLI_ERROR_USAGE. --help prints and exits, as GOption does. */
gboolean    qr_cli_options_parse       (QrCliOptions            *options,
                                        const QrCliCommandSpec  *spec,
                                        int                      argc,
                                        char                   **argv,
                                        GError                 **error);
void        qr_cli_options_clear       (QrCliOptions            *options);

const char *qr_cli_options_get_backup  (QrCliOptions            *options);
char      **qr_cli_options_get_qubes   (QrCliOptions            *options);

/* The key-derivation pool the options ask for. */
QrKdfPool  *qr_cli_options_create_pool (QrCliOptions            *options);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (QrCliOptions, qr_cli_options_clear)

G_END_DECLS
