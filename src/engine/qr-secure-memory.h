/* qr-secure-memory.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Memory for secrets: passphrases, the passwords built from them and the
 * keys derived from them. One small locked arena serves the whole process;
 * everything is wiped when freed. */
gpointer qr_secure_alloc           (gsize       size);
void     qr_secure_free_sized      (gpointer    mem,
                                    gsize       size);
char    *qr_secure_strdup          (const char *str);
void     qr_secure_free            (char       *str);
gsize    qr_secure_memory_get_used (void);

G_END_DECLS
