/* qr-cli-json.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "qr-backup.h"
#include "qr-restore.h"

G_BEGIN_DECLS

/* The version of the JSON documents below, their "schema" member. It
 * changes only when a member is removed or changes type; members may be
 * added within a version. The manual page documents every member. */
#define QR_CLI_JSON_SCHEMA 1

/* What `info --json` prints: the header, and the qubes once unlocked
 * ("qubes" is an empty array while the backup is locked). */
JsonNode *qr_cli_json_info    (QrBackup  *backup);

/* What `restore --json` and `verify --json` print once the run is over:
 * each selected qube with its state, error, folder and files. */
JsonNode *qr_cli_json_restore (QrRestore *restore);

/* Prints @root on standard output as UTF-8, whatever the locale. */
void      qr_cli_json_print   (JsonNode  *root);

G_END_DECLS
