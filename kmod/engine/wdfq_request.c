// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq requests: allocation and references, completion, forwarding,
 * requeue, cancellation. The locking rules are in wdfq_internal.h.
 */
#include <linux/export.h>
#include <linux/lockdep.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include <wdfq_compat.h>
#include <wdfq_inject.h>
#include "wdfq_internal.h"

/* Request ids, see wdfq_request_id() */
static atomic64_t wdfq_request_ids = ATOMIC64_INIT(0);

WDFQ_FAIL_POINT(wdfq, request_alloc);

struct wdfq_request *wdfq_request_alloc(struct wdfq_device *dev,
					enum wdfq_request_type type,
					struct file *file, gfp_t gfp)
{
	struct wdfq_request *req;
	int ret;

	if (type >= WDFQ_REQ_TYPES)
		return ERR_PTR(-EINVAL);
	ret = wdfq_fail_request_alloc();
	if (ret)
		return ERR_PTR(ret);
	req = kzalloc(struct_size(req, ctx, 0) + dev->cfg.request_ctx_size,
		      gfp);
	if (!req)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&req->node);
	req->dev = dev;
	req->id = atomic64_inc_return(&wdfq_request_ids);
	req->type = type;
	req->file = file;
	req->state = WDFQ_RS_NEW;
	/* for the debugfs dump: who asked, and since when */
	req->owner = in_task() ? task_tgid_nr(current) : 0;
	req->born = ktime_get_coarse();
	refcount_set(&req->ref, 1);
	init_completion(&req->done);
	return req;
}
EXPORT_SYMBOL_GPL(wdfq_request_alloc);

void wdfq_request_set_buffers(struct wdfq_request *req, const void *in,
			      size_t in_len, void *out, size_t out_len)
{
	req->in = in;
	req->in_len = in ? in_len : 0;
	req->out = out;
	req->out_len = out ? out_len : 0;
}
EXPORT_SYMBOL_GPL(wdfq_request_set_buffers);

void wdfq_request_set_ioctl_code(struct wdfq_request *req, unsigned int code)
{
	req->code = code;
}
EXPORT_SYMBOL_GPL(wdfq_request_set_ioctl_code);

void wdfq_request_set_done(struct wdfq_request *req, wdfq_done_fn fn,
			   void *data)
{
	req->done_fn = fn;
	req->done_data = data;
}
EXPORT_SYMBOL_GPL(wdfq_request_set_done);

static void wdfq_request_free_rcu(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct wdfq_request, rcu));
}

void wdfq_request_put(struct wdfq_request *req)
{
	if (!req || !refcount_dec_and_test(&req->ref))
		return;
	/*
	 * The slab allocator may sleep on PREEMPT_RT. Free at once only where
	 * the caller could be preempted; anywhere else (hard or soft irq,
	 * interrupts or preemption off, a raw spinlock) after a grace period:
	 * call_rcu() is allowed in every context. Without CONFIG_PREEMPT_COUNT
	 * preemptible() is always false and every free is deferred.
	 */
	if (preemptible())
		kfree(req);
	else
		call_rcu(&req->rcu, wdfq_request_free_rcu);
}
EXPORT_SYMBOL_GPL(wdfq_request_put);

/**
 * wdfq_request_finish() - tell the submitter; the request is completed
 * @req: a request whose state just became COMPLETED under its queue lock
 *
 * Drops the engine's reference. Touches nothing but @req: its queue may be
 * gone already. Any context.
 */
void wdfq_request_finish(struct wdfq_request *req)
{
	if (req->done_fn)
		req->done_fn(req, req->done_data);
	complete(&req->done);
	wdfq_request_put(req);
}

/**
 * wdfq_complete_now() - complete a request that never reached a queue list
 * @req: the request, on no list, engine reference taken; its state becomes
 *	COMPLETED here, after the status
 * @status: completion status
 * @info: completion information
 */
void wdfq_complete_now(struct wdfq_request *req, int status, size_t info)
{
	wdfq_request_publish(req, status, info);
	wdfq_request_finish(req);
}

void wdfq_device_submit(struct wdfq_device *dev, struct wdfq_request *req)
{
	might_sleep();
	if (req->state != WDFQ_RS_NEW || req->dev != dev) {
		WARN_ONCE(1, "wdfq: request submitted twice or to another device\n");
		return;
	}
	wdfq_device_submit_routed(dev, req);
}
EXPORT_SYMBOL_GPL(wdfq_device_submit);

/*
 * Lock the queue a request is on. Its queue may be deleted once the request
 * completes; queues are freed after an RCU grace period, so the lock is
 * valid memory here, and a completed request is reported as such.
 * Return: the locked queue, or NULL (not submitted, or completed).
 */
struct wdfq_queue *__wdfq_lock_request(struct wdfq_request *req,
				       unsigned long *irqflags)
{
	struct wdfq_queue *q;

	rcu_read_lock();
	for (;;) {
		q = READ_ONCE(req->queue);
		if (!q || READ_ONCE(req->state) == WDFQ_RS_COMPLETED) {
			q = NULL;
			break;
		}
		raw_spin_lock_irqsave(&q->lock, *irqflags);
		if (req->queue == q && req->state != WDFQ_RS_COMPLETED) {
			/* held on return: wdfq_lock_request() tells sparse */
			__release(&q->lock);
			break;
		}
		raw_spin_unlock_irqrestore(&q->lock, *irqflags);
	}
	/* q counts req, which is not completed: q cannot be freed now */
	rcu_read_unlock();
	return q;
}

/* A driver-owned request leaves its queue's owned list. */
static void wdfq_leave_owned_locked(struct wdfq_queue *q,
				    struct wdfq_request *req)
{
	lockdep_assert_held(&q->lock);
	list_del_init(&req->node);
	q->owned--;
	wdfq_power_forget_locked(q, req);
}

int wdfq_request_complete(struct wdfq_request *req, int status,
			  size_t information)
{
	unsigned long irqflags;
	struct wdfq_queue *q;
	bool put_claim = false;
	int ret = 0;

	if (!wdfq_lock_request(req, &q, &irqflags)) {
		/* not submitted, or completed already: its queue may be gone */
		if (READ_ONCE(req->queue))
			wdfq_request_bug(req, "completing a completed request");
		return -EINVAL;
	}
	if (req->state != WDFQ_RS_OWNED) {
		wdfq_driver_bug(q, "completing a request the driver does not own");
		raw_spin_unlock_irqrestore(&q->lock, irqflags);
		return -EINVAL;
	}
	if (req->flags & WDFQ_RF_CANCELABLE) {
		wdfq_driver_bug(q, "completing a request still marked cancelable");
		req->flags &= ~WDFQ_RF_CANCELABLE;
		ret = -EINVAL;
	}
	if (req->flags & WDFQ_RF_CANCEL_RUN) {
		/* claimed cancel routine not run yet: it never will */
		req->flags &= ~WDFQ_RF_CANCEL_RUN;
		q->cancel_run--;
		put_claim = true;
	}
	wdfq_leave_owned_locked(q, req);
	q->stats.completed++;
	/* flags and status are final: pairs with the acquires of readers */
	wdfq_request_publish(req, status, information);
	wdfq_queue_kick(q, irqflags, false);

	if (put_claim)
		wdfq_request_put(req);
	wdfq_request_finish(req);
	return ret;
}
EXPORT_SYMBOL_GPL(wdfq_request_complete);

/*
 * May the driver move @req off its queue (forward, requeue)? Not once its
 * cancel routine was claimed: the routine runs or ran, and completes it.
 */
static int wdfq_movable_locked(struct wdfq_queue *q, struct wdfq_request *req,
			       const char *what)
{
	lockdep_assert_held(&q->lock);
	if (req->state != WDFQ_RS_OWNED || (req->flags & WDFQ_RF_CANCELABLE))
		return -EINVAL;
	if (req->flags & WDFQ_RF_CANCEL_CLAIMED) {
		wdfq_driver_bug(q, what);
		return -ECANCELED;
	}
	return 0;
}

int wdfq_request_forward(struct wdfq_request *req, struct wdfq_queue *dest)
{
	unsigned long irqflags;
	struct wdfq_queue *q;
	unsigned int power;
	int ret = -EINVAL;

	if (!wdfq_lock_request(req, &q, &irqflags))
		return -EINVAL;
	if (dest != q && dest->dev == q->dev)
		ret = wdfq_movable_locked(q, req,
					  "forward after the cancel routine was claimed");
	if (ret) {
		raw_spin_unlock_irqrestore(&q->lock, irqflags);
		return ret;
	}
	/*
	 * In transit: on no list, still counted as owned by q, and by a
	 * power-down waiting for it until dest has it.
	 */
	power = wdfq_power_transit_locked(q, req);
	list_del_init(&req->node);
	req->state = WDFQ_RS_TRANSIT;
	raw_spin_unlock_irqrestore(&q->lock, irqflags);

	raw_spin_lock_irqsave(&dest->lock, irqflags);
	if (!dest->accepting) {
		raw_spin_unlock_irqrestore(&dest->lock, irqflags);
		raw_spin_lock_irqsave(&q->lock, irqflags);
		list_add_tail(&req->node, &q->owned_list);
		req->state = WDFQ_RS_OWNED;
		/* still the driver's: io_stop and io_resume still apply */
		wdfq_power_rejoin_locked(q, req, power);
		wdfq_queue_kick(q, irqflags, false);
		return -ESHUTDOWN;
	}
	dest->stats.forwarded_in++;
	trace_wdfq_request_forward(q, dest, req);
	wdfq_queue_insert_locked(dest, req, false);
	wdfq_queue_kick(dest, irqflags, false);

	raw_spin_lock_irqsave(&q->lock, irqflags);
	q->owned--;
	q->stats.forwarded_out++;
	wdfq_power_transit_done_locked(q, power);
	wdfq_queue_kick(q, irqflags, false);
	return 0;
}
EXPORT_SYMBOL_GPL(wdfq_request_forward);

int wdfq_request_requeue(struct wdfq_request *req)
{
	unsigned long irqflags;
	struct wdfq_queue *q;
	int ret = -EINVAL;

	if (!wdfq_lock_request(req, &q, &irqflags))
		return -EINVAL;
	if (q->cfg.dispatch == WDFQ_DISPATCH_MANUAL)
		ret = wdfq_movable_locked(q, req,
					  "requeue after the cancel routine was claimed");
	if (ret) {
		raw_spin_unlock_irqrestore(&q->lock, irqflags);
		return ret;
	}
	trace_wdfq_request_requeue(q, req);
	wdfq_leave_owned_locked(q, req);
	/* while purging, the insertion cancels it: rule 7 */
	wdfq_queue_insert_locked(q, req, true);
	wdfq_queue_kick(q, irqflags, false);
	return 0;
}
EXPORT_SYMBOL_GPL(wdfq_request_requeue);

int wdfq_request_mark_cancelable(struct wdfq_request *req, wdfq_cancel_fn fn)
{
	unsigned long irqflags;
	struct wdfq_queue *q;
	int ret = 0;

	if (!fn)
		return -EINVAL;
	if (!wdfq_lock_request(req, &q, &irqflags))
		return -EINVAL;
	if (req->state != WDFQ_RS_OWNED || (req->flags & WDFQ_RF_CANCELABLE)) {
		ret = -EINVAL;
	} else if (test_bit(WDFQ_RA_CANCELED, &req->atomic_flags) ||
		   q->cancel_owned) {
		/* traced only if new: then the queue is purging */
		wdfq_set_canceled_locked(q, req, WDFQ_CANCEL_PURGE);
		ret = -ECANCELED;
	} else {
		req->cancel_fn = fn;
		req->flags |= WDFQ_RF_CANCELABLE;
	}
	trace_wdfq_request_mark_cancelable(q, req, ret);
	raw_spin_unlock_irqrestore(&q->lock, irqflags);
	return ret;
}
EXPORT_SYMBOL_GPL(wdfq_request_mark_cancelable);

int wdfq_request_unmark_cancelable(struct wdfq_request *req)
{
	unsigned long irqflags;
	struct wdfq_queue *q;
	int ret;

	if (!wdfq_lock_request(req, &q, &irqflags)) {
		/* the cancel routine may have completed it already */
		if (smp_load_acquire(&req->state) == WDFQ_RS_COMPLETED &&
		    (req->flags & WDFQ_RF_CANCEL_DONE))
			return -ECANCELED;
		return -EINVAL;
	}
	if (req->state == WDFQ_RS_OWNED && (req->flags & WDFQ_RF_CANCELABLE)) {
		req->flags &= ~WDFQ_RF_CANCELABLE;
		req->cancel_fn = NULL;
		ret = 0;
	} else if (req->flags & WDFQ_RF_CANCEL_DONE) {
		ret = -ECANCELED;
	} else {
		ret = -EINVAL;
	}
	trace_wdfq_request_unmark_cancelable(q, req, ret);
	raw_spin_unlock_irqrestore(&q->lock, irqflags);
	return ret;
}
EXPORT_SYMBOL_GPL(wdfq_request_unmark_cancelable);

static void __wdfq_request_cancel(struct wdfq_request *req, bool may_run,
				  enum wdfq_cancel_reason reason)
{
	unsigned long irqflags;
	struct wdfq_queue *q;

	/* a full barrier: pairs with smp_mb() in wdfq_queue_insert_locked() */
	if (test_and_set_bit(WDFQ_RA_CANCELED, &req->atomic_flags))
		return;
	if (!wdfq_lock_request(req, &q, &irqflags))
		return;		/* not submitted yet, or completed */
	trace_wdfq_request_cancel(q, req, reason);
	wdfq_queue_cancel_locked(q, req);
	wdfq_queue_kick(q, irqflags, may_run && !wdfq_in_callback(q->dev, NULL));
}

void wdfq_request_cancel(struct wdfq_request *req)
{
	__wdfq_request_cancel(req, false, WDFQ_CANCEL_CALLER);
}
EXPORT_SYMBOL_GPL(wdfq_request_cancel);

void wdfq_request_cancel_reason(struct wdfq_request *req,
				enum wdfq_cancel_reason reason)
{
	__wdfq_request_cancel(req, false, reason);
}
EXPORT_SYMBOL_GPL(wdfq_request_cancel_reason);

bool wdfq_request_cancel_now(struct wdfq_request *req)
{
	might_sleep();
	__wdfq_request_cancel(req, true, WDFQ_CANCEL_CALLER);
	return wdfq_request_is_completed(req);
}
EXPORT_SYMBOL_GPL(wdfq_request_cancel_now);

static int __wdfq_request_wait(struct wdfq_request *req, unsigned int freeze)
{
	int ret = 0;

	might_sleep();
	if (wait_for_completion_state(&req->done, TASK_INTERRUPTIBLE | freeze)) {
		__wdfq_request_cancel(req, true, WDFQ_CANCEL_SIGNAL);
		wait_for_completion_state(&req->done,
					  TASK_UNINTERRUPTIBLE | freeze);
		if (req->status == -ECANCELED)
			ret = -ERESTARTSYS;
	}
	/*
	 * Leave the completion done for the next waiter: the completer only
	 * calls complete(), as complete_all() is not allowed from hard irq
	 * on PREEMPT_RT.
	 */
	complete(&req->done);
	return ret;
}

int wdfq_request_wait(struct wdfq_request *req)
{
	/*
	 * Freezable: system sleep freezes the waiter in place instead of
	 * cancelling its request with the freezer's fake signal, so queued
	 * requests ride through suspend and driver-owned ones meet io_stop.
	 */
	return __wdfq_request_wait(req, TASK_FREEZABLE);
}
EXPORT_SYMBOL_GPL(wdfq_request_wait);

int wdfq_request_wait_nofreeze(struct wdfq_request *req)
{
	/*
	 * Not freezable: the caller may hold locks (io_uring's submission
	 * lock), and a task frozen holding one can stall others and the
	 * freezer. The freezer's fake signal interrupts the wait instead.
	 */
	return __wdfq_request_wait(req, 0);
}
EXPORT_SYMBOL_GPL(wdfq_request_wait_nofreeze);

bool wdfq_request_is_completed(struct wdfq_request *req)
{
	/* pairs with wdfq_request_publish(): status and information follow */
	return smp_load_acquire(&req->state) == WDFQ_RS_COMPLETED;
}
EXPORT_SYMBOL_GPL(wdfq_request_is_completed);

bool wdfq_request_is_canceled(struct wdfq_request *req)
{
	return test_bit(WDFQ_RA_CANCELED, &req->atomic_flags);
}
EXPORT_SYMBOL_GPL(wdfq_request_is_canceled);

u64 wdfq_request_id(struct wdfq_request *req)
{
	return req->id;
}
EXPORT_SYMBOL_GPL(wdfq_request_id);

enum wdfq_request_type wdfq_request_type(struct wdfq_request *req)
{
	return req->type;
}
EXPORT_SYMBOL_GPL(wdfq_request_type);

struct file *wdfq_request_file(struct wdfq_request *req)
{
	return req->file;
}
EXPORT_SYMBOL_GPL(wdfq_request_file);

unsigned int wdfq_request_ioctl_code(struct wdfq_request *req)
{
	return req->code;
}
EXPORT_SYMBOL_GPL(wdfq_request_ioctl_code);

const void *wdfq_request_in_buf(struct wdfq_request *req, size_t *len)
{
	if (len)
		*len = req->in_len;
	return req->in;
}
EXPORT_SYMBOL_GPL(wdfq_request_in_buf);

void *wdfq_request_out_buf(struct wdfq_request *req, size_t *len)
{
	if (len)
		*len = req->out_len;
	return req->out;
}
EXPORT_SYMBOL_GPL(wdfq_request_out_buf);

void *wdfq_request_ctx(struct wdfq_request *req)
{
	return req->ctx;
}
EXPORT_SYMBOL_GPL(wdfq_request_ctx);

struct wdfq_queue *wdfq_request_queue(struct wdfq_request *req)
{
	return READ_ONCE(req->queue);
}
EXPORT_SYMBOL_GPL(wdfq_request_queue);

int wdfq_request_status(struct wdfq_request *req)
{
	return req->status;
}
EXPORT_SYMBOL_GPL(wdfq_request_status);

size_t wdfq_request_information(struct wdfq_request *req)
{
	return req->information;
}
EXPORT_SYMBOL_GPL(wdfq_request_information);
