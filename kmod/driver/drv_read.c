// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq reference driver: the read queues' handlers.
 *
 * read_path=0: the SEQUENTIAL read queue's handler satisfies a read from
 * the ring or parks it on the MANUAL "pending" queue, where the DPC
 * completes it. read_path=1: a MANUAL read queue whose ready notification
 * takes reads while the ring holds data; the DPC completes the others.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>

#include "drv.h"

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
void drv_io_read(struct wdfq_queue *q, struct wdfq_request *req)
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
 * The naive callback retrieves the head and requeues it when the ring is
 * empty.
 * Requeueing the only request makes the queued count go from 0 to 1 again,
 * which re-arms the notification: the callback would run again at once,
 * find the ring still empty, requeue, and spin until data arrives. So the
 * head is looked at (find) and only taken when it can be completed.
 */
void drv_read_ready(struct wdfq_queue *q, void *context)
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
