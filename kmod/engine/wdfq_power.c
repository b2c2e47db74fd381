// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq power management: runtime-PM references of power-managed queues,
 * and the io_stop / stop_acknowledge / io_resume protocol of a forced
 * power-down (rule 16). The locking rules are in wdfq_internal.h.
 */
#include <linux/export.h>
#include <linux/jiffies.h>
#include <linux/lockdep.h>

#include "wdfq_internal.h"

/**
 * wdfq_pm_sync() - make the queue's usage reference match its business
 * @q: a power-managed queue of a device with a pm_dev
 *
 * Run by the dispatch loop (process context). A busy queue holds one
 * reference, taken asynchronously so that a suspended device starts
 * resuming; an idle one drops it with autosuspend.
 *
 * A queue that serves requests one at a time goes busy and idle once per
 * request, so this is on the fast path. When the device is active already
 * the reference is taken without the resume machinery. The idle time is
 * stamped (pm_runtime_mark_last_busy(), a clock read) at most once per
 * jiffy per queue: the clock is the costly part under emulation, and the
 * stamp is then at most one jiffy old, well within the autosuspend timer's
 * own slack.
 */
void wdfq_pm_sync(struct wdfq_queue *q)
{
	struct device *pm_dev = q->dev->cfg.pm_dev;
	unsigned long irqflags, now;
	bool want;

	mutex_lock(&q->pm_lock);
	raw_spin_lock_irqsave(&q->lock, irqflags);
	want = q->pm_want;
	if (want && !q->pm_held)
		trace_wdfq_power_hold(q);
	else if (!want && q->pm_held)
		trace_wdfq_power_release(q);
	raw_spin_unlock_irqrestore(&q->lock, irqflags);
	if (want && !q->pm_held) {
		if (wdfq_compat_pm_get_if_active(pm_dev) <= 0)
			pm_runtime_get(pm_dev);
		q->pm_held = true;
	} else if (!want && q->pm_held) {
		now = jiffies;
		if (!q->pm_marked || now != q->pm_mark) {
			pm_runtime_mark_last_busy(pm_dev);
			q->pm_mark = now;
			q->pm_marked = true;
		}
		pm_runtime_put_autosuspend(pm_dev);
		q->pm_held = false;
	}
	mutex_unlock(&q->pm_lock);
}

/**
 * wdfq_power_forget_locked() - a request leaves the owned list
 * @q: its queue, locked
 * @req: the request
 *
 * Drops whatever the power protocol still expected of it.
 */
void wdfq_power_forget_locked(struct wdfq_queue *q, struct wdfq_request *req)
{
	lockdep_assert_held(&q->lock);
	if (req->flags & WDFQ_RF_STOP_WAIT)
		q->unacked--;
	if (req->flags & WDFQ_RF_STOP_TODO)
		q->stop_todo--;
	if (req->flags & WDFQ_RF_RESUME_TODO)
		q->resume_todo--;
	req->flags &= ~(WDFQ_RF_STOP_WAIT | WDFQ_RF_STOP_TODO |
			WDFQ_RF_STOP_SENT | WDFQ_RF_STOP_ACKED |
			WDFQ_RF_RESUME_TODO);
}

/**
 * wdfq_power_stop_deliver() - decide, as io_stop is delivered, whether and how
 * @q: the queue
 * @req: the request whose io_stop was claimed
 * @flags: the claim's WDFQ_STOP_* flags; WDFQ_STOP_CANCELABLE is added here
 *
 * Called right before io_stop, with the scope mutex held: a callback that
 * marked or unmarked @req since the claim has finished, so the flag is the
 * current one, as KMDF computes it when it delivers EvtIoStop. As in KMDF,
 * a request whose cancel routine is claimed gets no io_stop (the routine
 * completes it and power-down waits for that), nor does one that was
 * completed or moved on meanwhile. Process context (may sleep while a
 * forward of @req is in flight).
 *
 * Return: true if io_stop is to be called.
 */
bool wdfq_power_stop_deliver(struct wdfq_queue *q, struct wdfq_request *req,
			     unsigned int *flags)
{
	unsigned long irqflags;
	bool owned, deliver;

	for (;;) {
		raw_spin_lock_irqsave(&q->lock, irqflags);
		if (req->queue != q || req->state != WDFQ_RS_TRANSIT)
			break;
		/*
		 * A forward is in flight: it ends without sleeping, either on
		 * the other queue or back here with its power flags (then
		 * io_stop is still owed).
		 */
		raw_spin_unlock_irqrestore(&q->lock, irqflags);
		schedule_timeout_uninterruptible(1);
	}
	owned = req->queue == q && req->state == WDFQ_RS_OWNED &&
		(req->flags & WDFQ_RF_STOP_SENT);
	deliver = owned && !(req->flags & WDFQ_RF_CANCEL_DONE);
	if (deliver && (req->flags & WDFQ_RF_CANCELABLE))
		*flags |= WDFQ_STOP_CANCELABLE;
	else if (owned && !deliver)
		req->flags &= ~WDFQ_RF_STOP_SENT;	/* no answer expected */
	if (deliver)
		trace_wdfq_io_stop(q, req, *flags);
	raw_spin_unlock_irqrestore(&q->lock, irqflags);
	return deliver;
}

#define WDFQ_RF_POWER	(WDFQ_RF_STOP_WAIT | WDFQ_RF_STOP_TODO | \
			 WDFQ_RF_STOP_SENT | WDFQ_RF_STOP_ACKED | \
			 WDFQ_RF_RESUME_TODO)

/**
 * wdfq_power_transit_locked() - a forward takes a request off the owned list
 * @q: its queue, locked
 * @req: the request
 *
 * Takes the power flags off @req, so that no other queue ever sees them,
 * and the to-do counts that need it on the owned list. A power-down keeps
 * waiting for it (q->unacked) until the forward has succeeded.
 *
 * Return: the flags, for wdfq_power_transit_done_locked() on success or
 * wdfq_power_rejoin_locked() on failure.
 */
unsigned int wdfq_power_transit_locked(struct wdfq_queue *q,
				       struct wdfq_request *req)
{
	unsigned int power = req->flags & WDFQ_RF_POWER;

	lockdep_assert_held(&q->lock);
	if (power & WDFQ_RF_STOP_TODO)
		q->stop_todo--;
	if (power & WDFQ_RF_RESUME_TODO)
		q->resume_todo--;
	req->flags &= ~WDFQ_RF_POWER;
	return power;
}

/**
 * wdfq_power_transit_done_locked() - the forward succeeded
 * @q: the request's former queue, locked
 * @power: what wdfq_power_transit_locked() returned
 */
void wdfq_power_transit_done_locked(struct wdfq_queue *q, unsigned int power)
{
	lockdep_assert_held(&q->lock);
	if (power & WDFQ_RF_STOP_WAIT)
		q->unacked--;
}

/**
 * wdfq_power_rejoin_locked() - the forward failed: the driver keeps @req
 * @q: its queue, locked; @req is back on its owned list
 * @req: the request
 * @power: what wdfq_power_transit_locked() returned
 *
 * Restores the power flags, then catches up with a power-down or power-up
 * that walked the owned list while @req was not on it.
 */
void wdfq_power_rejoin_locked(struct wdfq_queue *q, struct wdfq_request *req,
			      unsigned int power)
{
	lockdep_assert_held(&q->lock);
	req->flags |= power;
	if (power & WDFQ_RF_STOP_TODO)
		q->stop_todo++;
	if (power & WDFQ_RF_RESUME_TODO)
		q->resume_todo++;
	if (power & WDFQ_RF_STOP_WAIT)
		return;		/* a power-down waits for it: nothing missed */
	if (q->powered && (power & (WDFQ_RF_STOP_SENT | WDFQ_RF_STOP_ACKED))) {
		/* missed a power-up */
		if ((power & WDFQ_RF_STOP_ACKED) && q->ops->io_resume) {
			req->flags |= WDFQ_RF_RESUME_TODO;
			q->resume_todo++;
		}
		req->flags &= ~(WDFQ_RF_STOP_SENT | WDFQ_RF_STOP_ACKED);
	} else if (!q->powered && q->cfg.power_managed &&
		   !(power & WDFQ_RF_STOP_ACKED)) {
		/* missed a power-down: late, but io_stop still comes */
		req->flags |= WDFQ_RF_STOP_WAIT;
		q->unacked++;
		q->power_waiter = true;
		if (q->ops->io_stop) {
			req->flags |= WDFQ_RF_STOP_TODO;
			q->stop_todo++;
		}
	}
}

static bool wdfq_power_settled(struct wdfq_device *dev)
{
	unsigned long irqflags;
	struct wdfq_queue *q;
	u32 unacked = 0;

	lockdep_assert_held(&dev->lock);
	list_for_each_entry(q, &dev->queues, dev_node) {
		raw_spin_lock_irqsave(&q->lock, irqflags);
		unacked += q->unacked;
		raw_spin_unlock_irqrestore(&q->lock, irqflags);
	}
	return !unacked;
}

void wdfq_device_power_down(struct wdfq_device *dev, unsigned int flags)
{
	struct wdfq_request *req;
	unsigned long irqflags;
	struct wdfq_queue *q;
	bool was_powered;
	bool settled;
	int seq;

	might_sleep();
	mutex_lock(&dev->power_lock);
	mutex_lock(&dev->lock);
	/* a removal purges a device that is already down too, as KMDF does */
	if (!dev->powered && !(flags & WDFQ_STOP_PURGE)) {
		mutex_unlock(&dev->lock);
		mutex_unlock(&dev->power_lock);
		return;
	}
	trace_wdfq_device_power_down(dev, flags);
	was_powered = dev->powered;
	dev->powered = false;
	list_for_each_entry(q, &dev->queues, dev_node) {
		if (!q->cfg.power_managed)
			continue;
		raw_spin_lock_irqsave(&q->lock, irqflags);
		if (!was_powered && (q->stop_flags & WDFQ_STOP_PURGE)) {
			/* purged by an earlier removal */
			raw_spin_unlock_irqrestore(&q->lock, irqflags);
			continue;
		}
		q->powered = false;
		q->stop_flags = flags & (WDFQ_STOP_SUSPEND | WDFQ_STOP_PURGE);
		/* removal: purge before io_stop, as KMDF does */
		if ((flags & WDFQ_STOP_PURGE) && !q->deleting)
			wdfq_queue_purge_locked(q);
		list_for_each_entry(req, &q->owned_list, node) {
			if (req->flags & WDFQ_RF_STOP_WAIT)
				continue;
			/* kept since an earlier power-down: told again */
			req->flags &= ~(WDFQ_RF_STOP_SENT | WDFQ_RF_STOP_ACKED);
			req->flags |= WDFQ_RF_STOP_WAIT;
			q->unacked++;
			if (q->ops->io_stop) {
				req->flags |= WDFQ_RF_STOP_TODO;
				q->stop_todo++;
			}
		}
		if (q->unacked)
			q->power_waiter = true;
		wdfq_queue_kick(q, irqflags, false);
	}
	mutex_unlock(&dev->lock);
	/*
	 * Wait without dev->lock: io_stop and the other callbacks may route,
	 * create or delete queues and clean up files meanwhile. A queue that
	 * settles bumps power_seq after its last answer, so a change is never
	 * missed between the check and the wait.
	 */
	for (;;) {
		/* acquire: read before the queues' counters below */
		seq = atomic_read_acquire(&dev->power_seq);
		mutex_lock(&dev->lock);
		settled = wdfq_power_settled(dev);
		mutex_unlock(&dev->lock);
		if (settled)
			break;
		wait_event(dev->power_wq,
			   atomic_read(&dev->power_seq) != seq);
	}
	trace_wdfq_device_power_down_done(dev, flags);
	mutex_unlock(&dev->power_lock);
}
EXPORT_SYMBOL_GPL(wdfq_device_power_down);

void wdfq_device_power_up(struct wdfq_device *dev)
{
	struct wdfq_request *req;
	unsigned long irqflags;
	struct wdfq_queue *q;

	might_sleep();
	mutex_lock(&dev->power_lock);
	mutex_lock(&dev->lock);
	if (dev->powered) {
		mutex_unlock(&dev->lock);
		mutex_unlock(&dev->power_lock);
		return;
	}
	dev->powered = true;
	trace_wdfq_device_power_up(dev, 0);
	/* every queue is powered before any restarts */
	list_for_each_entry(q, &dev->queues, dev_node) {
		if (!q->cfg.power_managed)
			continue;
		raw_spin_lock_irqsave(&q->lock, irqflags);
		q->powered = true;
		list_for_each_entry(req, &q->owned_list, node) {
			if ((req->flags & WDFQ_RF_STOP_ACKED) &&
			    q->ops->io_resume) {
				req->flags |= WDFQ_RF_RESUME_TODO;
				q->resume_todo++;
			}
			req->flags &= ~(WDFQ_RF_STOP_SENT | WDFQ_RF_STOP_ACKED);
		}
		if (q->queued) {
			q->transition = true;
			q->force_transition = false;
		}
		raw_spin_unlock_irqrestore(&q->lock, irqflags);
	}
	list_for_each_entry(q, &dev->queues, dev_node) {
		if (!q->cfg.power_managed)
			continue;
		raw_spin_lock_irqsave(&q->lock, irqflags);
		wdfq_queue_kick(q, irqflags, false);
	}
	mutex_unlock(&dev->lock);
	mutex_unlock(&dev->power_lock);
}
EXPORT_SYMBOL_GPL(wdfq_device_power_up);

void wdfq_request_stop_acknowledge(struct wdfq_request *req, bool requeue)
{
	unsigned long irqflags;
	struct wdfq_queue *q;

	if (!wdfq_lock_request(req, &q, &irqflags)) {
		/* not submitted, or completed: its queue may be gone */
		wdfq_request_bug(req, "stop_acknowledge without io_stop");
		return;
	}
	if (req->state != WDFQ_RS_OWNED ||
	    !(req->flags & WDFQ_RF_STOP_SENT) ||
	    (req->flags & WDFQ_RF_STOP_ACKED)) {
		wdfq_driver_bug(q, "stop_acknowledge without io_stop");
		raw_spin_unlock_irqrestore(&q->lock, irqflags);
		return;
	}
	if (requeue && (req->flags & WDFQ_RF_CANCELABLE)) {
		wdfq_driver_bug(q, "requeue of a request still cancelable");
		requeue = false;
	}
	if (requeue && (req->flags & WDFQ_RF_CANCEL_CLAIMED)) {
		/* the cancel routine runs or ran: the driver keeps it */
		wdfq_driver_bug(q, "requeue after the cancel routine was claimed");
		requeue = false;
	}
	trace_wdfq_stop_acknowledge(q, req, requeue);
	if (requeue) {
		list_del_init(&req->node);
		q->owned--;
		wdfq_power_forget_locked(q, req);
		wdfq_queue_insert_locked(q, req, true);
	} else {
		req->flags &= ~WDFQ_RF_STOP_WAIT;
		req->flags |= WDFQ_RF_STOP_ACKED;
		q->unacked--;
	}
	wdfq_queue_kick(q, irqflags, false);
}
EXPORT_SYMBOL_GPL(wdfq_request_stop_acknowledge);
