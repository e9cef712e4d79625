/* image-fixtures.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FIXTURE_REPORT_TEXT "Quarterly report: all is well.\n"
#define FIXTURE_SPARSE_SIZE (3 * 1024 * 1024)

void   fixture_run          (const char * const *argv);
char  *fixture_run_capture  (const char * const *argv);
void   fixture_debugfs      (const char         *image,
                             const char         *command);
void   fixture_debugfs_in   (const char         *image,
                             const char         *dir,
                             const char         *command);
char  *fixture_make_tree    (const char         *dir);
char  *fixture_make_fs      (const char         *dir,
                             const char         *name,
                             const char         *tree,
                             const char         *size,
                             const char         *type,
                             const char         *features);
char  *fixture_make_private (const char         *dir);
void   fixture_copy_into    (const char         *image,
                             const char         *part,
                             guint64             offset);
guint64 fixture_block_size (const char         *image);
guint64 fixture_inode_position (const char      *image,
                             const char         *path);

#define FIXTURE_RUN(...) fixture_run ((const char * const []) { __VA_ARGS__, NULL })

G_END_DECLS
