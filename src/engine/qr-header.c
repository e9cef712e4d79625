/* qr-header.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "qr-compression.h"
#include "qr-error.h"
#include "qr-header.h"

/* The keys the reference restore knows; any other key is ignored. */
typedef enum
{
  KEY_VERSION,
  KEY_ENCRYPTED,
  KEY_COMPRESSED,
  KEY_COMPRESSION_FILTER,
  KEY_HMAC_ALGORITHM,
  KEY_CRYPTO_ALGORITHM,
  KEY_BACKUP_ID,
  N_KEYS,
} HeaderKey;

/* What the restore of R3.2 assumed when a header left them out. */
#define DEFAULT_HMAC_ALGORITHM   "SHA512"
#define DEFAULT_CRYPTO_ALGORITHM "aes-256-cbc"

static const char * const key_names[N_KEYS] = {
  [KEY_VERSION] = "version",
  [KEY_ENCRYPTED] = "encrypted",
  [KEY_COMPRESSED] = "compressed",
  [KEY_COMPRESSION_FILTER] = "compression-filter",
  [KEY_HMAC_ALGORITHM] = "hmac-algorithm",
  [KEY_CRYPTO_ALGORITHM] = "crypto-algorithm",
  [KEY_BACKUP_ID] = "backup-id",
};

static void
set_invalid (GError     **error,
             const char  *format,
             ...) G_GNUC_PRINTF (2, 3);

static void
set_invalid (GError     **error,
             const char  *format,
             ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, QR_ERROR, QR_ERROR_NOT_A_BACKUP,
               _("The backup header is not valid: %s"), reason);
}

static gboolean
is_header_char (char c)
{
  return g_ascii_isalnum (c) || c == '-';
}

static gboolean
is_header_word (const char *start,
                gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if (!is_header_char (start[i]))
      return FALSE;

  return TRUE;
}

static int
lookup_key (const char *key,
            gsize       len)
{
  for (int i = 0; i < N_KEYS; i++)
    if (strlen (key_names[i]) == len && memcmp (key_names[i], key, len) == 0)
      return i;

  return -1;
}

static gboolean
parse_boolean (const char *value)
{
  return g_ascii_strcasecmp (value, "1") == 0
         || g_ascii_strcasecmp (value, "true") == 0
         || g_ascii_strcasecmp (value, "yes") == 0;
}

/* Checks one "key=value" line and stores the value of a known key in
 * @values. Unknown keys are skipped without looking at their values, as
 * the reference restore does, so that a newer backup stays readable. */
static gboolean
parse_line (const char  *line,
            gsize        len,
            guint        line_number,
            char        *values[N_KEYS],
            GError     **error)
{
  const char *equals = memchr (line, '=', len);
  const char *value;
  gsize key_len, value_len;
  int key;

  if (equals == NULL)
    {
      set_invalid (error, _("line %u has no “=”."), line_number);
      return FALSE;
    }

  key_len = equals - line;
  value = equals + 1;
  value_len = len - key_len - 1;

  if (memchr (value, '=', value_len) != NULL)
    {
      set_invalid (error, _("line %u has more than one “=”."), line_number);
      return FALSE;
    }

  if (key_len == 0)
    {
      set_invalid (error, _("line %u has no name before the “=”."), line_number);
      return FALSE;
    }

  if (!is_header_word (line, key_len))
    {
      set_invalid (error, _("the name on line %u contains characters that are not allowed."),
                   line_number);
      return FALSE;
    }

  key = lookup_key (line, key_len);
  if (key < 0)
    return TRUE;

  if (values[key] != NULL)
    {
      set_invalid (error, _("“%s” is given twice (again on line %u)."),
                   key_names[key], line_number);
      return FALSE;
    }

  if (!is_header_word (value, value_len))
    {
      set_invalid (error, _("the value on line %u contains characters that are not allowed."),
                   line_number);
      return FALSE;
    }

  values[key] = g_strndup (value, value_len);

  return TRUE;
}

/* Splits the text into lines and collects the known values. */
static gboolean
parse_lines (const guint8  *data,
             gsize          len,
             char          *values[N_KEYS],
             GError       **error)
{
  const char *text = (const char *) data;
  const char *end = text + len;
  guint line_number = 0;

  for (gsize i = 0; i < len; i++)
    {
      if (data[i] > 0x7f)
        {
          set_invalid (error, _("it contains characters that are not plain ASCII."));
          return FALSE;
        }
    }

  while (text < end)
    {
      const char *newline = memchr (text, '\n', end - text);
      const char *line_end = newline != NULL ? newline : end;

      line_number++;

      if (line_end > text
          && !parse_line (text, line_end - text, line_number, values, error))
        return FALSE;

      text = line_end + 1;
    }

  return TRUE;
}

static gboolean
parse_version (const char  *value,
               guint       *version,
               GError     **error)
{
  guint64 number;

  if (value == NULL)
    {
      /* Headers before format 3 did not always carry a version. */
      *version = 2;
      return TRUE;
    }

  if (*value == '\0' || strspn (value, "0123456789") != strlen (value))
    {
      set_invalid (error, _("the version “%s” is not a number."), value);
      return FALSE;
    }

  if (!g_ascii_string_to_unsigned (value, 10, 2, 4, &number, NULL))
    {
      g_set_error (error, QR_ERROR, QR_ERROR_UNSUPPORTED_VERSION,
                   _("This backup was made by a version of Qubes OS that is not supported "
                     "(format version %s)."),
                   value);
      return FALSE;
    }

  *version = number;

  return TRUE;
}

static gboolean
check_required (char        *values[N_KEYS],
                guint        version,
                gboolean     compressed,
                GError     **error)
{
  HeaderKey required[N_KEYS];
  guint n_required = 0;

  required[n_required++] = KEY_ENCRYPTED;
  required[n_required++] = KEY_COMPRESSED;

  /* Older restores took the rest from their defaults. */
  if (version >= 4)
    {
      required[n_required++] = KEY_HMAC_ALGORITHM;
      required[n_required++] = KEY_BACKUP_ID;
      if (compressed)
        required[n_required++] = KEY_COMPRESSION_FILTER;
    }

  for (guint i = 0; i < n_required; i++)
    {
      if (values[required[i]] == NULL)
        {
          set_invalid (error, _("the line “%s” is missing."), key_names[required[i]]);
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
check_string_values (char    *values[N_KEYS],
                     GError **error)
{
  static const HeaderKey names[] = {
    KEY_COMPRESSION_FILTER, KEY_HMAC_ALGORITHM, KEY_CRYPTO_ALGORITHM,
  };
  const char *backup_id = values[KEY_BACKUP_ID];

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      if (values[names[i]] != NULL && *values[names[i]] == '\0')
        {
          set_invalid (error, _("“%s” has no value."), key_names[names[i]]);
          return FALSE;
        }
    }

  /* The backup ID becomes the first part of every chunk's password. */
  if (backup_id != NULL && (*backup_id == '\0' || *backup_id == '-'))
    {
      set_invalid (error, _("the backup ID “%s” is not allowed."), backup_id);
      return FALSE;
    }

  return TRUE;
}

static QrHeader *
build_header (char    *values[N_KEYS],
              GError **error)
{
  g_autoptr(QrHeader) header = g_new0 (QrHeader, 1);

  if (!parse_version (values[KEY_VERSION], &header->version, error))
    return NULL;

  header->encrypted = values[KEY_ENCRYPTED] != NULL && parse_boolean (values[KEY_ENCRYPTED]);
  header->compressed = values[KEY_COMPRESSED] != NULL && parse_boolean (values[KEY_COMPRESSED]);

  if (!check_required (values, header->version, header->compressed, error)
      || !check_string_values (values, error))
    return NULL;

  header->hmac_algorithm = g_strdup (values[KEY_HMAC_ALGORITHM] != NULL
                                     ? values[KEY_HMAC_ALGORITHM]
                                     : DEFAULT_HMAC_ALGORITHM);
  header->backup_id = g_strdup (values[KEY_BACKUP_ID]);
  if (header->version < 4)
    header->crypto_algorithm = g_strdup (values[KEY_CRYPTO_ALGORITHM] != NULL
                                         ? values[KEY_CRYPTO_ALGORITHM]
                                         : DEFAULT_CRYPTO_ALGORITHM);

  if (!header->compressed)
    return g_steal_pointer (&header);

  /* Version 2 had no filter to name: its chunks went through gzip, or
   * through `openssl enc -z` when encrypted too. Version 3 used gzip
   * unless it said otherwise. */
  if (header->version == 2)
    header->compression_filter = g_strdup (header->encrypted ? QR_HEADER_ZLIB : "gzip");
  else if (values[KEY_COMPRESSION_FILTER] != NULL)
    header->compression_filter = g_strdup (values[KEY_COMPRESSION_FILTER]);
  else
    header->compression_filter = g_strdup ("gzip");

  if (header->version > 2 && !qr_compression_check (header->compression_filter, error))
    return NULL;

  return g_steal_pointer (&header);
}

/**
 * qr_header_new_headerless:
 * @first_chunk: the verified bytes of "qubes.xml.000"
 * @hmac_algorithm: the digest its ".hmac" file was found to use
 *
 * A backup of R2-Beta3 had no header, and begins with "qubes.xml.000"
 * (%QR_HEADER_HEADERLESS_FIRST_MEMBER). It is format 2, encrypted and
 * compressed as that chunk's first bytes show: "Salted__" from `openssl
 * enc`, a zlib stream from `openssl enc -z`, gzip's magic, or else the
 * plain tar of "qubes.xml".
 */
QrHeader *
qr_header_new_headerless (const guint8 *first_chunk,
                          gsize         len,
                          const char   *hmac_algorithm)
{
  static const guint8 gzip_magic[] = { 0x1f, 0x8b };
  QrHeader *header;

  g_return_val_if_fail (first_chunk != NULL || len == 0, NULL);
  g_return_val_if_fail (hmac_algorithm != NULL, NULL);

  header = g_new0 (QrHeader, 1);
  header->version = 2;
  header->hmac_algorithm = g_strdup (hmac_algorithm);
  header->crypto_algorithm = g_strdup (DEFAULT_CRYPTO_ALGORITHM);

  if (len >= 8 && memcmp (first_chunk, "Salted__", 8) == 0)
    {
      header->encrypted = TRUE;
    }
  else if (len >= 2 && first_chunk[0] == 0x78 && (first_chunk[0] << 8 | first_chunk[1]) % 31 == 0)
    {
      header->encrypted = TRUE;
      header->compressed = TRUE;
      header->compression_filter = g_strdup (QR_HEADER_ZLIB);
    }
  else if (len >= 2 && memcmp (first_chunk, gzip_magic, 2) == 0)
    {
      header->compressed = TRUE;
      header->compression_filter = g_strdup ("gzip");
    }

  return header;
}

QrHeader *
qr_header_parse (const guint8  *data,
                 gsize          len,
                 GError       **error)
{
  char *values[N_KEYS] = { NULL, };
  QrHeader *header = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (len > QR_HEADER_MAX_SIZE)
    {
      set_invalid (error, _("it is %lu bytes long, more than the %d allowed."),
                   (gulong) len, QR_HEADER_MAX_SIZE);
      return NULL;
    }

  if (parse_lines (data, len, values, error))
    header = build_header (values, error);

  for (int i = 0; i < N_KEYS; i++)
    g_free (values[i]);

  return header;
}

QrHeader *
qr_header_copy (const QrHeader *header)
{
  QrHeader *copy;

  g_return_val_if_fail (header != NULL, NULL);

  copy = g_memdup2 (header, sizeof *header);
  copy->compression_filter = g_strdup (header->compression_filter);
  copy->hmac_algorithm = g_strdup (header->hmac_algorithm);
  copy->crypto_algorithm = g_strdup (header->crypto_algorithm);
  copy->backup_id = g_strdup (header->backup_id);

  return copy;
}

void
qr_header_free (QrHeader *header)
{
  if (header == NULL)
    return;

  g_free (header->compression_filter);
  g_free (header->hmac_algorithm);
  g_free (header->crypto_algorithm);
  g_free (header->backup_id);
  g_free (header);
}
