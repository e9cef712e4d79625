/* qr-udisks-wait.c
 *
 * Copyright 2026 The qubes-rescue authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "qr-udisks-wait.h"

/* A wait for udisks to show something (a probed loop device, its
 * partitions, a mount point), driven by the object manager's signals
 * rather than by polling, bounded by a timeout and by the task's
 * cancellable. The waiter lives in a slot of its operation, so that the
 * operation can end it when it is freed. */

struct _QrUdisksWaiter
{
  GDBusObjectManager  *manager;
  GTask               *task;
  QrUdisksWaiter     **slot;
  QrUdisksCheckFunc    check;
  QrUdisksThenFunc     then;
  GSource             *timeout_source;
  GSource             *cancel_source;
  gulong               handler_ids[5];
};

void
qr_udisks_waiter_free (QrUdisksWaiter *waiter)
{
  if (waiter == NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (waiter->handler_ids); i++)
    g_clear_signal_handler (&waiter->handler_ids[i], waiter->manager);

  if (waiter->timeout_source != NULL)
    g_source_destroy (waiter->timeout_source);
  g_clear_pointer (&waiter->timeout_source, g_source_unref);
  if (waiter->cancel_source != NULL)
    g_source_destroy (waiter->cancel_source);
  g_clear_pointer (&waiter->cancel_source, g_source_unref);

  g_clear_object (&waiter->manager);
  g_free (waiter);
}

static void
waiter_finish (QrUdisksWaiter *waiter,
               gboolean        timed_out)
{
  g_autoptr(GTask) task = g_object_ref (waiter->task);
  QrUdisksThenFunc then = waiter->then;

  g_assert (*waiter->slot == waiter);
  *waiter->slot = NULL;
  g_clear_object (&waiter->task);
  qr_udisks_waiter_free (waiter);

  then (task, timed_out);
}

static void
waiter_poke_cb (QrUdisksWaiter *waiter)
{
  if (waiter->check (waiter->task))
    waiter_finish (waiter, FALSE);
}

static gboolean
waiter_timeout_cb (gpointer user_data)
{
  waiter_finish (user_data, TRUE);

  return G_SOURCE_REMOVE;
}

static gboolean
waiter_cancelled_cb (GCancellable *cancellable,
                     gpointer      user_data)
{
  waiter_finish (user_data, FALSE);

  return G_SOURCE_REMOVE;
}

/* Calls @then once @check holds, re-checking on every change udisks
 * announces, or with @timed_out set after @timeout_seconds. The waiter
 * sits in *@slot until then. */
void
qr_udisks_wait_until (GDBusObjectManager  *manager,
                      GTask               *task,
                      QrUdisksWaiter     **slot,
                      QrUdisksCheckFunc    check,
                      guint                timeout_seconds,
                      QrUdisksThenFunc     then)
{
  static const char * const signals[] = {
    "object-added",
    "object-removed",
    "interface-added",
    "interface-removed",
    "interface-proxy-properties-changed",
  };
  GCancellable *cancellable = g_task_get_cancellable (task);
  QrUdisksWaiter *waiter;

  g_assert (*slot == NULL);

  if (check (task) || g_cancellable_is_cancelled (cancellable))
    {
      then (task, FALSE);
      return;
    }

  waiter = g_new0 (QrUdisksWaiter, 1);
  waiter->manager = g_object_ref (manager);
  waiter->task = g_object_ref (task);
  waiter->slot = slot;
  waiter->check = check;
  waiter->then = then;
  *slot = waiter;

  G_STATIC_ASSERT (G_N_ELEMENTS (signals) == G_N_ELEMENTS (waiter->handler_ids));
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    waiter->handler_ids[i] = g_signal_connect_swapped (manager, signals[i],
                                                       G_CALLBACK (waiter_poke_cb), waiter);

  waiter->timeout_source = g_timeout_source_new_seconds (timeout_seconds);
  g_source_set_callback (waiter->timeout_source, waiter_timeout_cb, waiter, NULL);
  g_source_attach (waiter->timeout_source, g_task_get_context (task));

  if (cancellable != NULL)
    {
      waiter->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (waiter->cancel_source,
                             G_SOURCE_FUNC (waiter_cancelled_cb), waiter, NULL);
      g_source_attach (waiter->cancel_source, g_task_get_context (task));
    }
}
