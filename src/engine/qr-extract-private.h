/* qr-extract-private.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "qr-extract.h"

G_BEGIN_DECLS

/* What qr-extract.c, qr-extract-names.c, qr-extract-files.c and
 * qr-extract-links.c share: the stream being read and the extraction in
 * progress, both owned by the one thread that runs qr_extract_stream(). */

#define MAX_PATH_LENGTH  4096

typedef struct
{
  QrExtractReadFunc  func;
  gpointer           user_data;
  /* What func reads from when it decodes the stream itself (an xz stream
   * being salvaged): the rest of the stream is drained from here. */
  QrExtractReadFunc  raw_func;
  gpointer           raw_user_data;
  GCancellable      *cancellable;
  GError            *error;
  gboolean           at_end;
  /* The last bytes given to libarchive, none for an empty stream: an
   * uncompressed tar that stops without its two zero blocks was cut
   * short. */
  guint8             tail[1024];
  gsize              tail_len;
  /* Salvage: how far into the stream libarchive has been given bytes,
   * the stretches of it that were gaps filled with zeros (pairs of
   * offset and length), the zeros still to give, and why the first gap is
   * one (QrRestoreRange). Gaps are filled only in an uncompressed stream,
   * where a byte's place in the stream says where it belongs. */
  guint64            position;
  gboolean           fill_gaps;
  GArray            *gaps;
  gsize              zeros_left;
  GError            *gap_error;
  /* The compression filter the tar reader undoes, NULL for none. */
  const char        *filter;
} Source;

/* What one pass over an inner stream keeps between its entries. */
typedef struct
{
  QrExtractJob    *job;
  Source          *source;
  struct archive  *archive;
  /* The series' own entry inside the qube's folder: "private.img",
   * "user", or "" when the series is the whole folder (a template). */
  char            *series;
  gboolean         saw_series;
  /* The series' own entry is a symbolic link: R2 and R3.0 kept a qube's
   * icon.png as the link it was. It is restored, but is no file to open. */
  gboolean         series_is_link;
  /* Salvage: how far into the file being written its data came, and
   * whether the series' own file was kept although its stream broke off. */
  guint64          reached;
  gboolean         kept_broken_file;
} Extraction;

/* Why a name in an inner tar cannot be mapped into the qube's folder. */
typedef enum
{
  NAME_OK,
  NAME_EMPTY,
  NAME_ABSOLUTE,
  NAME_LEAVES,
  NAME_OUTSIDE,
} NameCheck;

/* Why a folder on the way to an entry could not be opened. */
typedef enum
{
  OPEN_OK,
  OPEN_THROUGH_LINK,
  OPEN_BELOW_FILE,
  OPEN_FAILED,
} OpenResult;

/* qr-extract.c */
void      _qr_extract_set_stream_error      (GError               **error,
                                             Source                *source,
                                             struct archive        *a,
                                             const char            *series_path);
gsize     _qr_extract_next_run              (Source                *source,
                                             guint64                start,
                                             gsize                  length,
                                             gboolean              *in_gap);

/* qr-extract-xz.c: an xz stream salvaged past its gaps, read as a plain
 * one (QrExtractReadFunc) */
typedef struct _QrExtractXz QrExtractXz;

QrExtractXz *_qr_extract_xz_new             (QrExtractReadFunc      func,
                                             gpointer               user_data,
                                             int                    spool_dir,
                                             const char            *series_path,
                                             GCancellable          *cancellable);
gssize    _qr_extract_xz_read               (gpointer               user_data,
                                             const void           **buffer,
                                             GError               **error);
void      _qr_extract_xz_free               (QrExtractXz           *self);

/* qr-extract-names.c: names, folders on the way, and the words of errors */
void      _qr_extract_set_unsafe_error      (GError               **error,
                                             const char            *series_path,
                                             const char            *pathname,
                                             const char            *why);
void      _qr_extract_set_entry_error       (GError               **error,
                                             const char            *series_path,
                                             const char            *pathname,
                                             const char            *why);
void      _qr_extract_set_through_link_error (GError              **error,
                                             const char            *relative);
gboolean  _qr_extract_set_io_error          (GError               **error,
                                             int                    errsv,
                                             const char            *what);
void      _qr_extract_add_note              (Extraction            *x,
                                             const char            *format,
                                             ...) G_GNUC_PRINTF (2, 3);
char     *_qr_extract_relative_name         (const char            *folder,
                                             const char            *name,
                                             NameCheck             *check);
char     *_qr_extract_entry_relative_path   (Extraction            *x,
                                             const char            *pathname,
                                             GError               **error);
int       _qr_extract_open_dirs             (int                    dir_fd,
                                             const char            *relative,
                                             gboolean               create,
                                             const char           **leaf,
                                             OpenResult            *result,
                                             int                   *errsv);
int       _qr_extract_open_parent           (Extraction            *x,
                                             const char            *relative,
                                             const char           **leaf,
                                             GError               **error);

/* qr-extract-files.c: regular files and folders */
gboolean  _qr_extract_is_zero               (const guint8          *data,
                                             gsize                  len);
gboolean  _qr_extract_write_block_sparse    (int                    fd,
                                             const guint8          *data,
                                             gsize                  len,
                                             guint64                offset,
                                             guint64               *written);
int       _qr_extract_create_temp           (int                    parent,
                                             char                 **temp_name);
gboolean  _qr_extract_install_temp          (Extraction            *x,
                                             int                    parent,
                                             char                 **temp_name,
                                             int                    fd,
                                             const char            *leaf,
                                             const char            *relative,
                                             guint64                size,
                                             mode_t                 perm,
                                             struct timespec       *mtime,
                                             GError               **error);
gboolean  _qr_extract_regular               (Extraction            *x,
                                             struct archive_entry  *entry,
                                             const char            *relative,
                                             GError               **error);
gboolean  _qr_extract_directory             (Extraction            *x,
                                             struct archive_entry  *entry,
                                             const char            *relative,
                                             GError               **error);

/* qr-extract-links.c: symbolic and hard links, named pipes */
gboolean  _qr_extract_symlink               (Extraction            *x,
                                             struct archive_entry  *entry,
                                             const char            *relative,
                                             GError               **error);
gboolean  _qr_extract_hardlink              (Extraction            *x,
                                             struct archive_entry  *entry,
                                             const char            *relative,
                                             GError               **error);
gboolean  _qr_extract_fifo                  (Extraction            *x,
                                             struct archive_entry  *entry,
                                             const char            *relative,
                                             GError               **error);

G_END_DECLS
