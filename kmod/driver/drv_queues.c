// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq reference driver: the engine queues and their handlers.
 *
 *   read     SEQUENTIAL, power-managed: satisfy from the ring, else park
 *            the read on "pending" (forward)
 *   pending  MANUAL, power-managed: parked reads, completed by the DPC
 *   write    PARALLEL(write_limit), power-managed, QUEUE scope: start a
 *            transfer; its completion interrupt completes the write
 *   control  PARALLEL(unlimited), not power-managed: every ioctl
 *   events   MANUAL, not power-managed: WAIT_EVENT, completed by the DPC
 *
 * With read_path=1 (seed 000's alternative) reads go straight to a MANUAL,
 * power-managed read queue with a ready notification, and there is no
 * pending queue.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/platform_device.h>

#include "drv.h"

static struct drv_dev *drv_q_dev(struct wdfq_queue *q)
{
	return wdfq_device_context(wdfq_queue_device(q));
}

/**
 * drv_reads_parked() - are reads waiting for data
 * @d: the device
 *
 * Return: true if the parked-read queue holds requests.
 */
bool drv_reads_parked(struct drv_dev *d)
{
	struct wdfq_queue_state st;

	wdfq_queue_get_state(d->parked, &st);
	return st.queued > 0;
}

/*
 * Sequential read queue: one read at a time. Under data_lock, older parked
 * reads get the ring's bytes first; then this one is satisfied from the ring
 * or joins them, so bytes always go to reads in arrival order.
 */
static void drv_io_read(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct drv_dev *d = drv_q_dev(q);
	struct drv_req *ctx = drv_req(req);
	size_t len, n;
	void *out;
	int ret;

	out = wdfq_request_out_buf(req, &len);
	spin_lock_bh(&d->data_lock);
	drv_ring_to_readers_locked(d);
	if (!kfifo_is_empty(&d->ring) && !drv_reads_parked(d)) {
		n = kfifo_out(&d->ring, (u8 *)out, len);
		wdfq_request_complete(req, 0, n);
	} else if (ctx->nonblock) {
		struct wdfq_queue_state st;

		/* Not EAGAIN once pending refuses reads: poll says EPOLLHUP. */
		wdfq_queue_get_state(d->parked, &st);
		wdfq_request_complete(req, st.accepting ? -EAGAIN : -ESHUTDOWN,
				      0);
	} else {
		ret = wdfq_request_forward(req, d->parked);
		if (ret)
			wdfq_request_complete(req, ret, 0);
	}
	spin_unlock_bh(&d->data_lock);
}

/*
 * Ready notification of the manual read queue (read_path=1): the queue went
 * from empty to non-empty. Take reads while the ring holds data. When it is
 * empty, a non-blocking read at the head completes with -EAGAIN and blocking
 * ones stay queued: the DPC completes them when data arrives, since the
 * notification is edge-triggered and will not fire again while they wait.
 *
 * Seed 000 would retrieve the head and requeue it when the ring is empty.
 * Requeueing the only request makes the queued count go from 0 to 1 again,
 * which re-arms the notification: the callback would run again at once,
 * find the ring still empty, requeue, and spin until data arrives. So the
 * head is looked at (find) and only taken when it can be completed.
 */
static void drv_read_ready(struct wdfq_queue *q, void *context)
{
	struct drv_dev *d = context;
	struct wdfq_request *req;
	bool more = true;

	while (more) {
		spin_lock_bh(&d->data_lock);
		if (!kfifo_is_empty(&d->ring)) {
			more = !wdfq_queue_retrieve_next(q, &req);
			if (more) {
				size_t len, n;
				void *out = wdfq_request_out_buf(req, &len);

				n = kfifo_out(&d->ring, (u8 *)out, len);
				wdfq_request_complete(req, 0, n);
			}
		} else if (!wdfq_queue_find_request(q, NULL, NULL, &req)) {
			more = drv_req(req)->nonblock &&
			       !wdfq_queue_retrieve_found(q, req);
			if (more)
				wdfq_request_complete(req, -EAGAIN, 0);
			wdfq_request_put(req);
		} else {
			more = false;
		}
		spin_unlock_bh(&d->data_lock);
	}
}

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
		dev_dbg(&d->pdev->dev, "write finishing during power-down\n");
}

static void drv_io_control(struct wdfq_queue *q, struct wdfq_request *req)
{
	drv_ioctl_handle(drv_q_dev(q), req);
}

static const struct wdfq_queue_ops drv_write_ops = {
	.io_write = drv_io_write,
	.io_stop = drv_io_write_stop,
};

static const struct wdfq_queue_ops drv_read_ops = {
	.io_read = drv_io_read,
};

static const struct wdfq_queue_ops drv_control_ops = {
	.io_ioctl = drv_io_control,
};

static struct wdfq_queue *drv_write_queue_new(struct drv_dev *d,
					      unsigned int limit)
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
		/* QUEUE scope: notifications never overlap (seed 000). */
		manual_cfg.name = "read";
		manual_cfg.scope = WDFQ_SYNC_QUEUE;
		q = wdfq_queue_create(d->wdev, &manual_cfg);
		if (IS_ERR(q))
			return PTR_ERR(q);
		d->q[WDFQ_QUEUE_READ] = q;
		d->parked = q;
	} else {
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
