/* qr-restore-private.h
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "qr-backup-private.h"
#include "qr-kdf-pool.h"
#include "qr-restore.h"
#include "qr-scrypt-file.h"

G_BEGIN_DECLS

/* Verified chunks in flight: one being read, one queued, one being
 * unpacked. This bounds memory whatever the size of the backup. */
#define N_BUFFERS        3
#define READ_PIECE_SIZE  (1024 * 1024)

typedef enum
{
  MESSAGE_BEGIN_ITEM,
  MESSAGE_BEGIN_SERIES,
  MESSAGE_DATA,
  MESSAGE_END_SERIES,
  MESSAGE_ABORT,
  MESSAGE_END_ITEM,
  MESSAGE_RETRACT_ITEM,
  MESSAGE_QUIT,
} MessageType;

typedef struct
{
  MessageType  type;
  guint        item;
  QrSeries    *series;
  guint8      *buffer;
  gsize        offset;
  gsize        length;
} Message;

/* What the worker knows of one selected qube. */
typedef struct
{
  QrQube     *qube;
  char       *folder;
  char       *strip_prefix;
  GPtrArray  *series;
  GPtrArray  *requests;
  GError     *error;
  GPtrArray  *files;
  guint64     apparent_size;
  gint        failed;
} Plan;

typedef struct
{
  QrRestorePhase  phase;
  guint64         bytes_done;
  guint64         bytes_total;
  char           *qube;
  char           *file;
  guint           chunk;
  guint           n_chunks;
} Progress;

struct _QrRestore
{
  GObject         parent_instance;

  QrBackup       *backup;
  GFile          *destination;
  QrKdfPool      *pool;
  GListStore     *items;
  GPtrArray      *selection;
  gboolean        started;

  /* Progress as published on the owner's main context. */
  Progress        published;
  double          rate;
  gint64          rate_time;
  guint64         rate_bytes;

  /* Shared with the worker threads. */
  GMutex          mutex;
  GCond           cond;
  Progress        pending;
  GArray         *pending_states;
  GSource        *publish_source;
  GMainContext   *context;
  gint64          last_publish;

  /* Worker state. */
  GPtrArray      *plans;
  GAsyncQueue    *queue;
  guint8         *buffers[N_BUFFERS];
  gsize           buffer_sizes[N_BUFFERS];
  gboolean        buffer_busy[N_BUFFERS];
  GError         *fatal_error;
  GCancellable   *cancellable;
  GCancellable   *outer_cancellable;
  gulong          outer_handler;
  int             dest_fd;
  gboolean        dest_created;
  gboolean        streaming;
  GPtrArray      *stream_series;
};

void     _qr_restore_send                (QrRestore       *self,
                                          MessageType      type,
                                          guint            item,
                                          QrSeries        *series);
int      _qr_restore_take_buffer         (QrRestore       *self,
                                          gsize            size);
void     _qr_restore_give_buffer         (QrRestore       *self,
                                          guint8          *buffer);
void     _qr_restore_report_chunk        (QrRestore       *self,
                                          QrRestorePhase   phase,
                                          Plan            *plan,
                                          QrSeries        *series,
                                          guint            chunk);
void     _qr_restore_report_bytes        (QrRestore       *self,
                                          guint64          bytes);
void     _qr_restore_report_state        (QrRestore       *self,
                                          guint            index,
                                          QrRestoreState   state);
void     _qr_restore_fail_plan           (QrRestore       *self,
                                          guint            index,
                                          GError          *error);
gboolean _qr_restore_is_fatal            (const GError    *error);
void     _qr_restore_set_fatal           (QrRestore       *self,
                                          const GError    *error);
GError  *_qr_restore_chunk_error         (Plan            *plan,
                                          QrSeries        *series,
                                          guint            chunk,
                                          GError          *error);
GError  *_qr_restore_stop_reason         (QrRestore       *self);
GError  *_qr_restore_missing_files_error (Plan            *plan);
gboolean _qr_restore_check_chunk_header  (QrScryptKey     *key,
                                          const guint8    *header,
                                          QrScryptParams  *params,
                                          GError         **error);
void     _qr_restore_queue_verified      (QrRestore       *self,
                                          guint            index,
                                          QrSeries        *series,
                                          guint            chunk,
                                          int              buffer,
                                          gsize            size);
void     _qr_restore_read_stream         (QrRestore       *self);
gpointer _qr_restore_extractor_thread    (gpointer         data);

G_END_DECLS
