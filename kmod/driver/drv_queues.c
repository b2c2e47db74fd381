// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq reference driver: the engine queues, their creation, routing and
 * purge at removal. Their handlers live with what they handle:
 *
 *   read     SEQUENTIAL, power-managed: satisfy from the ring, else park
 *            the read on "pending" (forward); drv_read.c
 *   pending  MANUAL, power-managed: parked reads, completed by the DPC
 *   write    PARALLEL(write_limit), power-managed, QUEUE scope: start a
 *            transfer; its completion interrupt completes the write;
 *            drv_write.c (which also creates and rebuilds it)
 *   control  PARALLEL(unlimited), not power-managed: every ioctl;
 *            drv_ioctl.c
 *   events   MANUAL, not power-managed: WAIT_EVENT, completed by the DPC
 *
 * With read_path=1 (the pattern of the R1..R5 example of
 * Documentation/wdfq/queue-model.rst) reads go straight to a MANUAL,
 * power-managed read queue with a ready notification, and there is no
 * pending queue.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kernel.h>

#include "drv.h"

static const struct wdfq_queue_ops drv_read_ops = {
	.io_read = drv_io_read,
};

static const struct wdfq_queue_ops drv_control_ops = {
	.io_ioctl = drv_io_control,
};

/**
 * drv_queues_create() - create the queues and route requests to them
 * @d: the device, with d->wdev created
 *
 * On failure the queues created so far are left for wdfq_device_delete().
 * Context: process.
 * Return: 0 or a negative errno.
 */
int drv_queues_create(struct drv_dev *d)
{
	struct wdfq_queue_config read_cfg = {
		.name = "read",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL,
		.scope = WDFQ_SYNC_NONE,
		.power_managed = true,
		.ops = &drv_read_ops,
		.context = d,
	};
	struct wdfq_queue_config manual_cfg = {
		.name = "pending",
		.dispatch = WDFQ_DISPATCH_MANUAL,
		.scope = WDFQ_SYNC_NONE,
		.power_managed = true,
		.context = d,
	};
	struct wdfq_queue_config control_cfg = {
		.name = "control",
		.dispatch = WDFQ_DISPATCH_PARALLEL,
		.max_presented = 0,
		.scope = WDFQ_SYNC_NONE,
		.power_managed = false,
		.ops = &drv_control_ops,
		.context = d,
	};
	struct wdfq_queue_config events_cfg = {
		.name = "events",
		.dispatch = WDFQ_DISPATCH_MANUAL,
		.scope = WDFQ_SYNC_NONE,
		.power_managed = false,
		.context = d,
	};
	struct wdfq_queue *q;
	int ret, i;

	for (i = 0; i < WDFQ_NR_QUEUES; i++)
		d->qctl[i].d = d;

	if (d->read_path == WDFQ_READ_PATH_NOTIFY) {
		/* QUEUE scope: notifications never overlap (R1..R5 example). */
		manual_cfg.name = "read";
		manual_cfg.scope = WDFQ_SYNC_QUEUE;
		q = wdfq_queue_create(d->wdev, &manual_cfg);
		if (IS_ERR(q))
			return PTR_ERR(q);
		d->q[WDFQ_QUEUE_READ] = q;
		d->parked = q;
	} else {
		/*
		 * A read has no output buffer until it needs one (see
		 * drv_call()); drv_read_iter() never submits an empty read.
		 */
		read_cfg.allow_zero_length = true;
		manual_cfg.allow_zero_length = true;
		q = wdfq_queue_create(d->wdev, &read_cfg);
		if (IS_ERR(q))
			return PTR_ERR(q);
		d->q[WDFQ_QUEUE_READ] = q;
		q = wdfq_queue_create(d->wdev, &manual_cfg);
		if (IS_ERR(q))
			return PTR_ERR(q);
		d->q[WDFQ_QUEUE_PENDING] = q;
		d->parked = q;
	}

	q = drv_write_queue_new(d, d->write_limit);
	if (IS_ERR(q))
		return PTR_ERR(q);
	d->q[WDFQ_QUEUE_WRITE] = q;

	q = wdfq_queue_create(d->wdev, &control_cfg);
	if (IS_ERR(q))
		return PTR_ERR(q);
	d->q[WDFQ_QUEUE_CONTROL] = q;

	q = wdfq_queue_create(d->wdev, &events_cfg);
	if (IS_ERR(q))
		return PTR_ERR(q);
	d->q[WDFQ_QUEUE_EVENTS] = q;

	ret = wdfq_device_route(d->wdev, WDFQ_REQ_WRITE, d->q[WDFQ_QUEUE_WRITE]);
	if (!ret)
		ret = wdfq_device_route(d->wdev, WDFQ_REQ_IOCTL,
					d->q[WDFQ_QUEUE_CONTROL]);
	if (ret)
		return ret;
	if (d->read_path == WDFQ_READ_PATH_NOTIFY) {
		/* A MANUAL queue has no handler to route to: submit directly. */
		return wdfq_queue_ready_notify(d->q[WDFQ_QUEUE_READ],
					       drv_read_ready, d);
	}
	return wdfq_device_route(d->wdev, WDFQ_REQ_READ, d->q[WDFQ_QUEUE_READ]);
}

/* Purge one queue for the removal; returns when it holds no request. */
static void drv_queue_purge(struct drv_dev *d, struct wdfq_queue *q,
			    struct drv_qctl *qc)
{
	/* A stopped queue would keep its driver-owned requests. */
	wdfq_queue_start(q);
	/*
	 * An administrator's drain or purge, or a rebuild's drain of the old
	 * write queue, holds the engine's purge slot (-EBUSY): cancel
	 * everything under it, let it finish, then purge for real.
	 */
	while (wdfq_queue_purge_sync(q) == -EBUSY) {
		wdfq_queue_purge(q, NULL, NULL);
		if (atomic_read(&qc->flush_pending))
			wait_event_timeout(d->ctl_wq,
					   !atomic_read(&qc->flush_pending),
					   HZ / 10);
		else
			usleep_range(1000, 2000);
	}
}

/**
 * drv_queues_purge() - cancel everything before removal
 * @d: the device, marked dead
 *
 * Every queue stops accepting; queued requests complete with -ECANCELED
 * and running transfers are cancelled. Returns when no request is left.
 * "dead" was set under qlock: d->q[] no longer changes and no QUEUE_CTL
 * reopens a queue. Context: process.
 */
void drv_queues_purge(struct drv_dev *d)
{
	static const int order[] = {
		WDFQ_QUEUE_EVENTS, WDFQ_QUEUE_READ, WDFQ_QUEUE_PENDING,
		WDFQ_QUEUE_WRITE, WDFQ_QUEUE_CONTROL,
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(order); i++) {
		struct wdfq_queue *q;

		down_read(&d->qlock);
		q = d->q[order[i]];
		up_read(&d->qlock);
		if (q)
			drv_queue_purge(d, q, &d->qctl[order[i]]);
		if (order[i] != WDFQ_QUEUE_WRITE)
			continue;
		/*
		 * The write queue a rebuild is draining: qlock keeps the
		 * rebuild from deleting it until it is purged.
		 */
		down_read(&d->qlock);
		if (d->write_retiring)
			drv_queue_purge(d, d->write_retiring,
					&d->qctl[WDFQ_QUEUE_WRITE]);
		up_read(&d->qlock);
	}
}
