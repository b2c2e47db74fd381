// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq reference driver: the write queue.
 *
 *   write    PARALLEL(write_limit), power-managed, QUEUE scope: start a
 *            transfer (drv_hw.c); its completion interrupt completes the
 *            write
 *
 * SET_PARAMS replaces the queue with one of another limit; see qlock in
 * drv.h for who may look at d->q[WDFQ_QUEUE_WRITE] meanwhile.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/device.h>

#include "drv.h"

static void drv_io_write(struct wdfq_queue *q, struct wdfq_request *req)
{
	drv_write_start(drv_q_dev(q), req);
}

static void drv_io_write_stop(struct wdfq_queue *q, struct wdfq_request *req,
			      unsigned int flags)
{
	struct drv_dev *d = drv_q_dev(q);

	/* Not requeued: completion is on its way; power-down waits for it. */
	if (!drv_write_stop(d, req))
		dev_dbg(d->dev, "write finishing during power-down\n");
}

static const struct wdfq_queue_ops drv_write_ops = {
	.io_write = drv_io_write,
	.io_stop = drv_io_write_stop,
};

/**
 * drv_write_queue_new() - create a write queue
 * @d: the device, with d->wdev created
 * @limit: its parallel limit
 *
 * Context: process.
 * Return: the queue or an ERR_PTR().
 */
struct wdfq_queue *drv_write_queue_new(struct drv_dev *d, unsigned int limit)
{
	struct wdfq_queue_config cfg = {
		.name = "write",
		.dispatch = WDFQ_DISPATCH_PARALLEL,
		.max_presented = limit,
		.scope = WDFQ_SYNC_QUEUE,
		.power_managed = true,
		.ops = &drv_write_ops,
		.context = d,
	};

	return wdfq_queue_create(d->wdev, &cfg);
}

WDFQ_FAIL_POINT(drv, write_route);

/**
 * drv_write_queue_rebuild() - replace the write queue with one of a new limit
 * @d: the device
 * @limit: the new parallel limit
 *
 * New writes go to the new queue at once; the old one drains (its writes
 * finish) and is deleted. Context: process, ctl_lock held, from the control
 * queue's handler.
 * Return: 0 or a negative errno (the old queue stays).
 */
int drv_write_queue_rebuild(struct drv_dev *d, unsigned int limit)
{
	struct wdfq_queue *nq, *old;
	int ret;

	lockdep_assert_held(&d->ctl_lock);
	nq = drv_write_queue_new(d, limit);
	if (IS_ERR(nq))
		return PTR_ERR(nq);
	/* Not once the removal began: it purges the queue it finds. */
	down_write(&d->qlock);
	ret = READ_ONCE(d->dead) ? -ENODEV :
	      drv_fail_write_route() ?:
	      wdfq_device_route(d->wdev, WDFQ_REQ_WRITE, nq);
	if (ret) {
		up_write(&d->qlock);
		wdfq_queue_delete(nq);
		return ret;
	}
	old = d->q[WDFQ_QUEUE_WRITE];
	d->q[WDFQ_QUEUE_WRITE] = nq;
	d->write_retiring = old;
	WRITE_ONCE(d->write_limit, limit);
	up_write(&d->qlock);
	/*
	 * A stopped old queue would never drain: let it run out. A removal
	 * meanwhile purges it (the drain then ends early, or fails with
	 * -EBUSY); it is deleted once the removal no longer looks at it.
	 */
	wdfq_queue_start(old);
	wdfq_queue_drain_sync(old);
	down_write(&d->qlock);
	d->write_retiring = NULL;
	up_write(&d->qlock);
	wdfq_queue_delete(old);
	return 0;
}

/**
 * drv_write_would_park() - would a write wait on the write queue
 * @d: the device
 *
 * Return: true when a new write would be queued rather than started at
 * once (queue stopped or full); false when it would start, or fail at once
 * because the queue does not accept requests (drained, purged).
 */
bool drv_write_would_park(struct drv_dev *d)
{
	struct wdfq_queue_state st;

	down_read(&d->qlock);
	wdfq_queue_get_state(d->q[WDFQ_QUEUE_WRITE], &st);
	up_read(&d->qlock);
	return st.accepting &&
	       (!st.dispatching || st.queued ||
		st.driver_owned >= READ_ONCE(d->write_limit));
}
