/* qr-openssl-decrypter.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Undoes `openssl enc -e -<cipher> -pass pass:<passphrase>`, as backups of
 * formats 2 and 3 were encrypted: "Salted__", an 8-byte salt, then the
 * ciphertext, whose key and IV come from EVP_BytesToKey with MD5 and one
 * iteration (what OpenSSL 1.0 did, and `-md md5` still does). A GConverter:
 * the stream may arrive in any pieces, a version 3 file as all its chunks
 * one after the other; g_converter_reset() starts a new stream, as each
 * chunk of version 2 is. The padding is checked at the end only. */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "qr-error.h"
#include "qr-openssl-decrypter.h"

#define MAGIC         "Salted__"
#define MAGIC_LEN     8
#define SALT_LEN      8
#define HEADER_LEN    (MAGIC_LEN + SALT_LEN)

struct _QrOpensslDecrypter
{
  GObject          parent_instance;

  /* Given at construction */
  EVP_CIPHER      *cipher;
  char            *passphrase;
  gsize            passphrase_len;
  char            *name;

  /* The stream so far */
  guint8           header[HEADER_LEN];
  gsize            header_len;
  EVP_CIPHER_CTX  *context;
  gboolean         finished;
};

static void converter_iface_init (GConverterIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (QrOpensslDecrypter, qr_openssl_decrypter, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_CONVERTER, converter_iface_init))

static void
set_truncated (QrOpensslDecrypter  *self,
               GError             **error)
{
  g_set_error (error, QR_ERROR, QR_ERROR_TRUNCATED,
               _("The backup is incomplete: “%s” ends early, so its last part is missing. "
                 "The backup file was probably cut short while being copied."),
               self->name);
}

static void
set_failed (QrOpensslDecrypter  *self,
            GError             **error)
{
  g_set_error (error, QR_ERROR, QR_ERROR_FAILED,
               _("The data of “%s” cannot be decrypted: OpenSSL failed."), self->name);
}

/* The key and IV follow from the salt, which has just been read. */
static gboolean
start_cipher (QrOpensslDecrypter  *self,
              GError             **error)
{
  guint8 key[EVP_MAX_KEY_LENGTH];
  guint8 iv[EVP_MAX_IV_LENGTH];
  gboolean ok;

  if (memcmp (self->header, MAGIC, MAGIC_LEN) != 0)
    {
      g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
                   _("The data of “%s” cannot be unpacked (%s): the backup is damaged."),
                   self->name, "no Salted__ header");
      return FALSE;
    }

  self->context = EVP_CIPHER_CTX_new ();
  ok = self->context != NULL
       && EVP_BytesToKey (self->cipher, EVP_md5 (), self->header + MAGIC_LEN,
                          (const guint8 *) self->passphrase, self->passphrase_len, 1, key, iv) > 0
       && EVP_DecryptInit_ex (self->context, self->cipher, NULL, key, iv);
  OPENSSL_cleanse (key, sizeof key);
  OPENSSL_cleanse (iv, sizeof iv);

  if (!ok)
    set_failed (self, error);

  return ok;
}


/* Takes the first bytes of the stream, up to the end of the salt. */
static gsize
read_header (QrOpensslDecrypter *self,
             const guint8       *inbuf,
             gsize               inbuf_size)
{
  gsize take = MIN (HEADER_LEN - self->header_len, inbuf_size);

  memcpy (self->header + self->header_len, inbuf, take);
  self->header_len += take;
  return take;
}

static GConverterResult
finish (QrOpensslDecrypter  *self,
        guint8              *outbuf,
        gsize                room,
        gsize               *bytes_read,
        gsize               *bytes_written,
        GError             **error)
{
  int len = 0;

  /* The last block, less its padding, needs up to one block of room;
   * input taken in this call must not be reported as an error. */
  if (room < (gsize) EVP_CIPHER_CTX_get_block_size (self->context))
    {
      if (*bytes_written > 0 || *bytes_read > 0)
        return G_CONVERTER_CONVERTED;

      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "no room for the last block");
      return G_CONVERTER_ERROR;
    }

  if (!EVP_DecryptFinal_ex (self->context, outbuf, &len))
    {
      set_truncated (self, error);
      return G_CONVERTER_ERROR;
    }

  *bytes_written += len;
  self->finished = TRUE;
  return G_CONVERTER_FINISHED;
}

static GConverterResult
qr_openssl_decrypter_convert (GConverter       *converter,
                              const void       *inbuf,
                              gsize             inbuf_size,
                              void             *outbuf,
                              gsize             outbuf_size,
                              GConverterFlags   flags,
                              gsize            *bytes_read,
                              gsize            *bytes_written,
                              GError          **error)
{
  QrOpensslDecrypter *self = QR_OPENSSL_DECRYPTER (converter);
  gboolean at_end = (flags & G_CONVERTER_INPUT_AT_END) != 0;
  const guint8 *in = inbuf;
  gsize block;
  gsize take;
  int len = 0;

  *bytes_read = 0;
  *bytes_written = 0;

  if (self->finished)
    return G_CONVERTER_FINISHED;

  if (self->context == NULL)
    {
      *bytes_read = read_header (self, in, inbuf_size);
      if (self->header_len < HEADER_LEN)
        {
          if (at_end)
            {
              set_truncated (self, error);
              return G_CONVERTER_ERROR;
            }
          if (*bytes_read > 0)
            return G_CONVERTER_CONVERTED;

          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT, "need the salt");
          return G_CONVERTER_ERROR;
        }

      if (!start_cipher (self, error))
        return G_CONVERTER_ERROR;
    }

  /* One update writes at most its input and one block held back before. */
  block = EVP_CIPHER_CTX_get_block_size (self->context);
  take = MIN (inbuf_size - *bytes_read, outbuf_size >= block ? outbuf_size - block : 0);
  if (take > 0)
    {
      if (!EVP_DecryptUpdate (self->context, outbuf, &len, in + *bytes_read, take))
        {
          set_failed (self, error);
          return G_CONVERTER_ERROR;
        }
      *bytes_read += take;
      *bytes_written = len;
    }

  if (at_end && *bytes_read == inbuf_size)
    return finish (self, (guint8 *) outbuf + *bytes_written, outbuf_size - *bytes_written,
                   bytes_read, bytes_written, error);

  if (*bytes_read == 0 && *bytes_written == 0)
    {
      if (inbuf_size > 0)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "no room for a block");
      else
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT, "need more data");
      return G_CONVERTER_ERROR;
    }

  if ((flags & G_CONVERTER_FLUSH) != 0 && *bytes_read == inbuf_size)
    return G_CONVERTER_FLUSHED;

  return G_CONVERTER_CONVERTED;
}

static void
qr_openssl_decrypter_reset (GConverter *converter)
{
  QrOpensslDecrypter *self = QR_OPENSSL_DECRYPTER (converter);

  g_clear_pointer (&self->context, EVP_CIPHER_CTX_free);
  OPENSSL_cleanse (self->header, sizeof self->header);
  self->header_len = 0;
  self->finished = FALSE;
}

static void
converter_iface_init (GConverterIface *iface)
{
  iface->convert = qr_openssl_decrypter_convert;
  iface->reset = qr_openssl_decrypter_reset;
}

static void
qr_openssl_decrypter_finalize (GObject *object)
{
  QrOpensslDecrypter *self = (QrOpensslDecrypter *) object;

  qr_openssl_decrypter_reset (G_CONVERTER (self));
  g_clear_pointer (&self->cipher, EVP_CIPHER_free);
  if (self->passphrase != NULL)
    OPENSSL_cleanse (self->passphrase, self->passphrase_len);
  g_clear_pointer (&self->passphrase, g_free);
  g_clear_pointer (&self->name, g_free);

  G_OBJECT_CLASS (qr_openssl_decrypter_parent_class)->finalize (object);
}

static void
qr_openssl_decrypter_class_init (QrOpensslDecrypterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qr_openssl_decrypter_finalize;
}

static void
qr_openssl_decrypter_init (QrOpensslDecrypter *self)
{
}

/* The modes `openssl enc` works with; it refuses the others (AEAD, XTS,
 * key wrapping). */
static gboolean
is_enc_cipher (const EVP_CIPHER *cipher)
{
  switch (EVP_CIPHER_get_mode (cipher))
    {
    case EVP_CIPH_ECB_MODE:
    case EVP_CIPH_CBC_MODE:
    case EVP_CIPH_CFB_MODE:
    case EVP_CIPH_OFB_MODE:
    case EVP_CIPH_CTR_MODE:
    case EVP_CIPH_STREAM_CIPHER:
      return (EVP_CIPHER_get_flags (cipher) & EVP_CIPH_FLAG_AEAD_CIPHER) == 0;
    default:
      return FALSE;
    }
}

/**
 * qr_openssl_decrypter_new:
 * @cipher: the backup header's crypto-algorithm, an `openssl enc` cipher
 *   name ("aes-256-cbc")
 * @name: the file being decrypted, for messages
 *
 * Returns: a converter from the ciphertext to the plaintext, or %NULL
 *   when OpenSSL does not know @cipher for `openssl enc`.
 */
QrOpensslDecrypter *
qr_openssl_decrypter_new (const char  *cipher,
                          const char  *passphrase,
                          gsize        passphrase_len,
                          const char  *name,
                          GError     **error)
{
  QrOpensslDecrypter *self;
  EVP_CIPHER *evp_cipher;

  g_return_val_if_fail (cipher != NULL, NULL);
  g_return_val_if_fail (passphrase != NULL || passphrase_len == 0, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  evp_cipher = EVP_CIPHER_fetch (NULL, cipher, NULL);
  if (evp_cipher == NULL || !is_enc_cipher (evp_cipher))
    {
      EVP_CIPHER_free (evp_cipher);
      g_set_error (error, QR_ERROR, QR_ERROR_UNSUPPORTED_VERSION,
                   _("This backup is encrypted with “%s”, which this program does not know."),
                   cipher);
      return NULL;
    }

  self = g_object_new (QR_TYPE_OPENSSL_DECRYPTER, NULL);
  self->cipher = evp_cipher;
  self->passphrase = g_malloc0 (passphrase_len + 1);
  if (passphrase_len > 0)
    memcpy (self->passphrase, passphrase, passphrase_len);
  self->passphrase_len = passphrase_len;
  self->name = g_strdup (name);

  return self;
}
