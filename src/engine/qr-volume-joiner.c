/* qr-volume-joiner.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Joins the volumes of a GNU tar multi-volume archive into one tar
 * stream, as `tar -x -M` reads them: backups of format 2 hold each file
 * as `tar --tape-length` volumes, one per chunk. Every volume after the
 * first begins with a GNU "M" header (maybe after long-name headers),
 * which says where the member cut at the end of the volume before goes
 * on; it goes, and the rest is the archive. The first volumes end without
 * end-of-archive blocks and are all the same size. A GConverter: call
 * qr_volume_joiner_next_volume() between volumes. */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "qr-error.h"
#include "qr-volume-joiner.h"

#define BLOCK        512
/* Long-name headers before a continuation: far more than a path needs. */
#define MAX_LEADING  (64 * 1024)

typedef enum
{
  /* Copying the volume's data. */
  STATE_PASS,
  /* Reading a header block at the start of a volume. */
  STATE_HEADER,
  /* Reading the name that a long-name header there carries. */
  STATE_LONG_NAME,
} State;

struct _QrVolumeJoiner
{
  GObject     parent_instance;

  char       *name;

  State       state;
  guint       volume;
  guint64     volume_size;
  guint64     first_size;
  guint8      block[BLOCK];
  gsize       block_len;
  /* Long-name headers read at a volume's start, kept until the header
   * after them tells whether they introduce a continuation. */
  GByteArray *leading;
  gsize       long_left;
  /* Output decided on but not given out yet. */
  GByteArray *pending;
  gsize       pending_pos;
};

static void converter_iface_init (GConverterIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (QrVolumeJoiner, qr_volume_joiner, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_CONVERTER, converter_iface_init))

static void
set_damaged (QrVolumeJoiner  *self,
             GError         **error,
             const char      *why)
{
  g_set_error (error, QR_ERROR, QR_ERROR_DAMAGED,
               _("The data of “%s” cannot be unpacked (%s): the backup is damaged."),
               self->name, why);
}

static gboolean
parse_octal (const guint8 *field,
             gsize         len,
             guint64      *value)
{
  gsize i = 0;

  *value = 0;
  while (i < len && field[i] == ' ')
    i++;
  if (i == len || field[i] < '0' || field[i] > '7')
    return FALSE;

  for (; i < len && field[i] >= '0' && field[i] <= '7'; i++)
    {
      if (*value > G_MAXUINT64 >> 3)
        return FALSE;
      *value = *value << 3 | (field[i] - '0');
    }

  for (; i < len; i++)
    if (field[i] != ' ' && field[i] != '\0')
      return FALSE;

  return TRUE;
}

/* The tar checksum: the sum of the header's bytes, its own field counted
 * as spaces; some old writers summed signed bytes. */
static gboolean
checksum_is_valid (const guint8 *block)
{
  guint64 stored;
  guint64 sum = 0;
  gint64 signed_sum = 0;

  if (!parse_octal (block + 148, 8, &stored))
    return FALSE;

  for (gsize i = 0; i < BLOCK; i++)
    {
      guint8 byte = i >= 148 && i < 156 ? ' ' : block[i];

      sum += byte;
      signed_sum += (gint8) byte;
    }

  return stored == sum || (gint64) stored == signed_sum;
}

static gboolean
is_zero_block (const guint8 *block)
{
  return block[0] == 0 && memcmp (block, block + 1, BLOCK - 1) == 0;
}

static void
emit (QrVolumeJoiner *self,
      const guint8   *data,
      gsize           len)
{
  g_byte_array_append (self->pending, data, len);
}

/* Decides on a whole header block read at the start of a volume. */
static gboolean
examine_block (QrVolumeJoiner  *self,
               GError         **error)
{
  guint8 type = self->block[156];
  guint64 size;

  /* A volume that holds only the end of the archive. */
  if (is_zero_block (self->block))
    type = 0;
  else if (!checksum_is_valid (self->block))
    {
      g_autofree char *why = g_strdup_printf (_("part %u does not begin with a tar header"),
                                              self->volume + 1);

      set_damaged (self, error, why);
      return FALSE;
    }

  if (type == 'L' || type == 'K')
    {
      if (!parse_octal (self->block + 124, 12, &size)
          || size > MAX_LEADING || self->leading->len + BLOCK + size > MAX_LEADING)
        {
          set_damaged (self, error, _("a name longer than any real one"));
          return FALSE;
        }

      g_byte_array_append (self->leading, self->block, BLOCK);
      self->long_left = (size + BLOCK - 1) / BLOCK * BLOCK;
      self->state = self->long_left > 0 ? STATE_LONG_NAME : STATE_HEADER;
      return TRUE;
    }

  /* The continuation header goes, with the long names it came with;
   * anything else belongs to the archive. */
  if (type != 'M')
    {
      emit (self, self->leading->data, self->leading->len);
      emit (self, self->block, BLOCK);
    }

  g_byte_array_set_size (self->leading, 0);
  self->state = STATE_PASS;
  return TRUE;
}

/* Gives out what was decided on before, as far as there is room. */
static gsize
give_pending (QrVolumeJoiner *self,
              guint8         *outbuf,
              gsize           outbuf_size)
{
  gsize n = MIN (self->pending->len - self->pending_pos, outbuf_size);

  /* An empty array's data may be NULL, which memcpy must never get. */
  if (n == 0)
    return 0;
  memcpy (outbuf, self->pending->data + self->pending_pos, n);
  self->pending_pos += n;
  if (self->pending_pos == self->pending->len)
    {
      g_byte_array_set_size (self->pending, 0);
      self->pending_pos = 0;
    }

  return n;
}

/* Takes input into the header block or the long name being read. */
static gsize
take_leading (QrVolumeJoiner *self,
              const guint8   *in,
              gsize           len)
{
  gsize n;

  if (self->state == STATE_LONG_NAME)
    {
      n = MIN (len, self->long_left);
      g_byte_array_append (self->leading, in, n);
      self->long_left -= n;
      if (self->long_left == 0)
        self->state = STATE_HEADER;
      return n;
    }

  n = MIN (len, BLOCK - self->block_len);
  memcpy (self->block + self->block_len, in, n);
  self->block_len += n;
  return n;
}

static GConverterResult
qr_volume_joiner_convert (GConverter       *converter,
                          const void       *inbuf,
                          gsize             inbuf_size,
                          void             *outbuf,
                          gsize             outbuf_size,
                          GConverterFlags   flags,
                          gsize            *bytes_read,
                          gsize            *bytes_written,
                          GError          **error)
{
  QrVolumeJoiner *self = QR_VOLUME_JOINER (converter);
  const guint8 *in = inbuf;
  guint8 *out = outbuf;
  gboolean drained;

  *bytes_read = 0;
  *bytes_written = give_pending (self, out, outbuf_size);

  while (*bytes_read < inbuf_size && self->pending->len == 0)
    {
      gsize n;

      if (self->state == STATE_PASS)
        {
          n = MIN (inbuf_size - *bytes_read, outbuf_size - *bytes_written);
          if (n == 0)
            break;
          memcpy (out + *bytes_written, in + *bytes_read, n);
          *bytes_written += n;
        }
      else
        {
          n = take_leading (self, in + *bytes_read, inbuf_size - *bytes_read);
        }

      *bytes_read += n;
      self->volume_size += n;

      if (self->state == STATE_HEADER && self->block_len == BLOCK)
        {
          self->block_len = 0;
          if (!examine_block (self, error))
            return G_CONVERTER_ERROR;
          *bytes_written += give_pending (self, out + *bytes_written,
                                          outbuf_size - *bytes_written);
        }
    }

  drained = *bytes_read == inbuf_size && self->pending->len == 0;

  if (drained && (flags & G_CONVERTER_INPUT_AT_END) != 0)
    {
      if (self->state == STATE_PASS)
        return G_CONVERTER_FINISHED;

      set_damaged (self, error, _("the last part ends within its first header"));
      return G_CONVERTER_ERROR;
    }

  if (*bytes_read == 0 && *bytes_written == 0)
    {
      if (inbuf_size > 0 || self->pending->len > 0)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "no room for output");
      else
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT, "need more data");
      return G_CONVERTER_ERROR;
    }

  if (drained && (flags & G_CONVERTER_FLUSH) != 0)
    return G_CONVERTER_FLUSHED;

  return G_CONVERTER_CONVERTED;
}

static void
qr_volume_joiner_reset (GConverter *converter)
{
  QrVolumeJoiner *self = QR_VOLUME_JOINER (converter);

  self->state = STATE_PASS;
  self->volume = 0;
  self->volume_size = 0;
  self->first_size = 0;
  self->block_len = 0;
  self->long_left = 0;
  g_byte_array_set_size (self->leading, 0);
  g_byte_array_set_size (self->pending, 0);
  self->pending_pos = 0;
}

static void
converter_iface_init (GConverterIface *iface)
{
  iface->convert = qr_volume_joiner_convert;
  iface->reset = qr_volume_joiner_reset;
}

static void
qr_volume_joiner_finalize (GObject *object)
{
  QrVolumeJoiner *self = (QrVolumeJoiner *) object;

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->leading, g_byte_array_unref);
  g_clear_pointer (&self->pending, g_byte_array_unref);

  G_OBJECT_CLASS (qr_volume_joiner_parent_class)->finalize (object);
}

static void
qr_volume_joiner_class_init (QrVolumeJoinerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qr_volume_joiner_finalize;
}

static void
qr_volume_joiner_init (QrVolumeJoiner *self)
{
  self->leading = g_byte_array_new ();
  self->pending = g_byte_array_new ();
}

/**
 * qr_volume_joiner_new:
 * @name: the file whose volumes are joined, for messages
 */
QrVolumeJoiner *
qr_volume_joiner_new (const char *name)
{
  QrVolumeJoiner *self;

  g_return_val_if_fail (name != NULL, NULL);

  self = g_object_new (QR_TYPE_VOLUME_JOINER, NULL);
  self->name = g_strdup (name);
  return self;
}

/**
 * qr_volume_joiner_next_volume:
 *
 * Ends the volume given so far, which tar filled to the tape length, and
 * begins the next one. The volume's data must have gone through
 * g_converter_convert() whole.
 */
gboolean
qr_volume_joiner_next_volume (QrVolumeJoiner  *self,
                              GError         **error)
{
  g_autofree char *why = NULL;

  g_return_val_if_fail (QR_IS_VOLUME_JOINER (self), FALSE);

  if (self->state != STATE_PASS || self->block_len > 0)
    why = g_strdup_printf (_("part %u ends within its first header"), self->volume + 1);
  else if (self->volume_size == 0 || self->volume_size % BLOCK != 0)
    why = g_strdup_printf (_("part %u is not whole tar blocks"), self->volume + 1);
  else if (self->volume > 0 && self->volume_size != self->first_size)
    why = g_strdup_printf (_("part %u is not the size of the first"), self->volume + 1);

  if (why != NULL)
    {
      set_damaged (self, error, why);
      return FALSE;
    }

  if (self->volume == 0)
    self->first_size = self->volume_size;
  self->volume++;
  self->volume_size = 0;
  self->state = STATE_HEADER;
  return TRUE;
}
