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
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uio.h>

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
 * Fill @req from the ring, or park it, or fail it (O_NONBLOCK); see
 * drv_io_read(). @direct: the current task may write the caller's buffers.
 */
static void drv_io_read_locked(struct drv_dev *d, struct wdfq_request *req,
			       bool direct)
{
	struct drv_req *ctx = drv_req(req);
	size_t len, n;
	void *out;
	int ret;

	out = drv_read_buf(req, &len);
again:
	spin_lock_bh(&d->data_lock);
	drv_ring_to_readers_locked(d);
	if (!kfifo_is_empty(&d->ring) && !drv_reads_parked(d)) {
		n = 0;
		if (direct)
			n = drv_ring_to_iter_locked(d, ctx->to, len);
		if (n)
			ctx->direct = true;
		else if (ctx->prefaulted)
			n = kfifo_out(&d->ring, (u8 *)out, len);
		if (n) {
			wdfq_request_complete(req, 0, n);
			goto out;
		}
	} else if (ctx->nonblock) {
		struct wdfq_queue_state st;

		/* Not EAGAIN once pending refuses reads: poll says EPOLLHUP. */
		wdfq_queue_get_state(d->parked, &st);
		wdfq_request_complete(req, st.accepting ? -EAGAIN : -ESHUTDOWN,
				      0);
		goto out;
	} else if (ctx->prefaulted) {
		ret = wdfq_request_forward(req, d->parked);
		if (ret)
			wdfq_request_complete(req, ret, 0);
		goto out;
	}
	spin_unlock_bh(&d->data_lock);
	/* The bounce-buffer path: the buffers must be good first. */
	if (!direct) {
		WARN_ONCE(1, "wdfq: read neither faulted in nor direct\n");
		wdfq_request_complete(req, -EIO, 0);
		return;
	}
	if (fault_in_iov_iter_writeable(ctx->to, len)) {
		wdfq_request_complete(req, -EFAULT, 0);
		return;
	}
	/* Allocated only now: a direct copy needs none (see drv_call()). */
	if (!out) {
		out = kmalloc(len, GFP_KERNEL);
		if (!out) {
			wdfq_request_complete(req, -ENOMEM, 0);
			return;
		}
		ctx->bounce = out;
	}
	ctx->prefaulted = true;
	direct = false;
	goto again;
out:
	spin_unlock_bh(&d->data_lock);
}

/*
 * Sequential read queue: one read at a time. Under data_lock, older parked
 * reads get the ring's bytes first; then this one is satisfied from the ring
 * or joins them, so bytes always go to reads in arrival order.
 *
 * A read whose caller waits for it (@ctx->to) is filled straight from the
 * ring into the caller's buffers: one copy, and no fault-in beforehand.
 * Presented in the caller's task (inline, the common case) the buffers are
 * current's; presented by the queue's work item (reads queued behind
 * another), the worker enters the caller's address space for the call, as
 * drv_aio_work() does: the caller waits for the request, so its mm and its
 * iterator stay valid. Bytes go through the bounce buffer only for a read
 * whose buffers were faulted in, so that a bad buffer fails with -EFAULT
 * before any data is taken: here that fault-in happens with data_lock
 * dropped, the bounce buffer is allocated if the read has none yet, and
 * the decision is made again.
 */
void drv_io_read(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct drv_dev *d = drv_q_dev(q);
	struct drv_req *ctx = drv_req(req);
	/* Once completed, @req may be freed at once: keep the mm here. */
	struct mm_struct *mm = ctx->mm;
	bool use_mm;

	if (!ctx->to || ctx->caller == current) {
		drv_io_read_locked(d, req, ctx->to);
		return;
	}
	/* The device's workqueue: a kthread without an mm of its own. */
	use_mm = (current->flags & PF_KTHREAD) && !current->mm &&
		 mmget_not_zero(mm);
	if (use_mm)
		kthread_use_mm(mm);
	drv_io_read_locked(d, req, use_mm);
	if (use_mm) {
		kthread_unuse_mm(mm);
		mmput(mm);
	}
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
