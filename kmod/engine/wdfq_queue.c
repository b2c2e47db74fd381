// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq queues: state, the dispatch loop, retrieval and ready notification.
 * The locking rules are in wdfq_internal.h.
 */
#include <linux/export.h>
#include <linux/lockdep.h>
#include <linux/slab.h>

#include <wdfq_inject.h>
#include "wdfq_internal.h"

/* One step of the dispatch loop, chosen under the queue lock. */
enum wdfq_act_type {
	WDFQ_ACT_NONE,
	WDFQ_ACT_CANCEL_QUEUED,	/* complete as cancelled, or canceled-on-queue */
	WDFQ_ACT_CANCEL_ROUTINE,
	WDFQ_ACT_PM,
	WDFQ_ACT_IO_STOP,
	WDFQ_ACT_IO_RESUME,
	WDFQ_ACT_WAKE_POWER,
	WDFQ_ACT_STOP_DONE,
	WDFQ_ACT_PURGE_DONE,
	WDFQ_ACT_GONE,
	WDFQ_ACT_READY,
	WDFQ_ACT_PRESENT,
	WDFQ_ACT_ZERO_LENGTH,	/* completed where it would be presented */
};

static inline u32 wdfq_total(struct wdfq_queue *q)
{
	return q->queued + q->owned;
}

static bool wdfq_pm_tracked(struct wdfq_queue *q)
{
	return q->cfg.power_managed && q->dev->cfg.pm_dev;
}

static bool wdfq_can_present_locked(struct wdfq_queue *q)
{
	if (!q->powered || !q->dispatch_on || list_empty(&q->fifo))
		return false;
	switch (q->cfg.dispatch) {
	case WDFQ_DISPATCH_SEQUENTIAL:
		return q->owned == 0;
	case WDFQ_DISPATCH_PARALLEL:
		return !q->cfg.max_presented || q->owned < q->cfg.max_presented;
	default:
		return false;
	}
}

static bool wdfq_zero_length(struct wdfq_queue *q, struct wdfq_request *req)
{
	if (q->cfg.allow_zero_length)
		return false;
	return (req->type == WDFQ_REQ_READ && !req->out_len) ||
	       (req->type == WDFQ_REQ_WRITE && !req->in_len);
}

/* What the loop would do next; pure, so it also answers "is there work". */
static enum wdfq_act_type wdfq_pick_locked(struct wdfq_queue *q)
{
	bool alone = q->dispatching <= 1;

	lockdep_assert_held(&q->lock);
	if (!list_empty(&q->cancel_list))
		return WDFQ_ACT_CANCEL_QUEUED;
	if (q->cancel_run)
		return WDFQ_ACT_CANCEL_ROUTINE;
	if (wdfq_pm_tracked(q) && q->pm_want != !!wdfq_total(q))
		return WDFQ_ACT_PM;
	/* as KMDF, io_stop waits until no presentation is in progress */
	if (q->stop_todo && !q->presenting)
		return WDFQ_ACT_IO_STOP;
	if (q->resume_todo && q->powered)
		return WDFQ_ACT_IO_RESUME;
	if (q->power_waiter && !q->unacked)
		return WDFQ_ACT_WAKE_POWER;
	if (alone && q->stop_pending && !q->owned)
		return WDFQ_ACT_STOP_DONE;
	if (alone && q->purge_pending && !wdfq_total(q))
		return WDFQ_ACT_PURGE_DONE;
	if (alone && q->gone && !q->in_callbacks && !wdfq_total(q) &&
	    !q->stop_pending && !q->purge_pending)
		return WDFQ_ACT_GONE;
	if (q->cfg.dispatch == WDFQ_DISPATCH_MANUAL) {
		if (q->ready_fn && q->transition && q->powered &&
		    q->dispatch_on && !list_empty(&q->fifo))
			return WDFQ_ACT_READY;
		return WDFQ_ACT_NONE;
	}
	if (wdfq_can_present_locked(q))
		return wdfq_zero_length(q, list_first_entry(&q->fifo,
							    struct wdfq_request,
							    node)) ?
		       WDFQ_ACT_ZERO_LENGTH : WDFQ_ACT_PRESENT;
	return WDFQ_ACT_NONE;
}

/*
 * Claim the first driver-owned request with @flag (one is): clear the flag
 * and its count @todo.
 */
static struct wdfq_request *wdfq_claim_flagged(struct wdfq_queue *q, u16 flag,
					       u32 *todo)
{
	struct wdfq_request *req;

	list_for_each_entry(req, &q->owned_list, node) {
		if (req->flags & flag) {
			req->flags &= ~flag;
			(*todo)--;
			return req;
		}
	}
	return NULL;
}

static void wdfq_update_cancel_owned(struct wdfq_queue *q)
{
	q->cancel_owned = q->stop_cancels || q->purge_cancels;
}

/* A request in mid-cancel that io_canceled_on_queue gets back. */
static bool wdfq_coq_due(struct wdfq_queue *q, struct wdfq_request *req)
{
	return (req->flags & WDFQ_RF_PRESENTED) && q->ops->io_canceled_on_queue;
}

/* Does the action picked call into the driver (see wdfq_step_unlock())? */
static bool wdfq_pick_calls_driver(struct wdfq_queue *q,
				   enum wdfq_act_type type)
{
	switch (type) {
	case WDFQ_ACT_CANCEL_QUEUED:
		return wdfq_coq_due(q, list_first_entry(&q->cancel_list,
							struct wdfq_request,
							node));
	case WDFQ_ACT_STOP_DONE:
		return q->stop_fn;
	case WDFQ_ACT_PURGE_DONE:
		return q->purge_fn;
	case WDFQ_ACT_NONE:
	case WDFQ_ACT_PM:
	case WDFQ_ACT_WAKE_POWER:
	case WDFQ_ACT_GONE:
	case WDFQ_ACT_ZERO_LENGTH:
		return false;
	default:
		return true;
	}
}

/* Take a queued request off the FIFO: it becomes driver-owned. */
static void wdfq_take_locked(struct wdfq_queue *q, struct wdfq_request *req)
{
	list_move_tail(&req->node, &q->owned_list);
	req->state = WDFQ_RS_OWNED;
	req->flags |= WDFQ_RF_PRESENTED;
	q->queued--;
	q->owned++;
	q->max_owned = max(q->max_owned, q->owned);
	q->stats.presented++;
}

/*
 * Complete a queued zero-length request where it would be presented or
 * retrieved, as KMDF does (a stopped or powered-off queue keeps it); the
 * caller finishes it with the lock dropped.
 */
static void wdfq_zero_length_locked(struct wdfq_queue *q,
				    struct wdfq_request *req)
{
	list_del_init(&req->node);
	q->queued--;
	q->stats.completed++;
	wdfq_request_publish(req, 0, 0);
}

static wdfq_io_fn wdfq_handler(struct wdfq_queue *q, enum wdfq_request_type t)
{
	const struct wdfq_queue_ops *c = q->ops;
	wdfq_io_fn fn = NULL;

	switch (t) {
	case WDFQ_REQ_READ:
		fn = c->io_read;
		break;
	case WDFQ_REQ_WRITE:
		fn = c->io_write;
		break;
	case WDFQ_REQ_IOCTL:
		fn = c->io_ioctl;
		break;
	case WDFQ_REQ_INTERNAL_IOCTL:
		fn = c->io_internal_ioctl;
		break;
	default:
		break;
	}
	return fn ?: c->io_default;
}

bool wdfq_queue_accepts_type(struct wdfq_queue *q, enum wdfq_request_type t)
{
	return q->cfg.dispatch == WDFQ_DISPATCH_MANUAL || wdfq_handler(q, t);
}

static struct mutex *wdfq_scope_mutex(struct wdfq_queue *q)
{
	switch (q->cfg.scope) {
	case WDFQ_SYNC_QUEUE:
		return &q->cb_mutex;
	case WDFQ_SYNC_DEVICE:
		return &q->dev->cb_mutex;
	default:
		return NULL;
	}
}

/*
 * One action of the dispatch loop. Each wdfq_act_*() below is called with
 * q->lock held, right after wdfq_pick_locked() chose it, and reads top to
 * bottom: claim under the lock, wdfq_step_unlock(), perform, then
 * wdfq_step_relock(), which returns with the lock held again.
 */
struct wdfq_step {
	unsigned long irqflags;	/* of the queue lock */
	bool held;		/* the inline caller trylocked the scope mutex */
	bool callback;		/* this action calls into the driver */
	struct mutex *m;	/* the scope mutex, for a callback */
	struct wdfq_frame frame;
};

/*
 * Drop the queue lock to perform the action claimed. A @callback (into the
 * driver) is counted in q->in_callbacks and runs in a frame, with the scope
 * mutex held (taken here unless the inline caller trylocked it already).
 */
static void wdfq_step_unlock(struct wdfq_queue *q, struct wdfq_step *s,
			     bool callback)
	__releases(&q->lock)
{
	s->callback = callback;
	if (callback)
		q->in_callbacks++;
	raw_spin_unlock_irqrestore(&q->lock, s->irqflags);
	if (!callback)
		return;
	s->m = wdfq_scope_mutex(q);
	wdfq_frame_push(q->dev, &s->frame, q);
	if (s->m && !s->held)
		mutex_lock(s->m);
}

/*
 * The action was performed: leave its callback, put @put (the reference
 * the claim took, or NULL) with no lock held, and re-take the queue lock.
 */
static void wdfq_step_relock(struct wdfq_queue *q, struct wdfq_step *s,
			     struct wdfq_request *put)
	__acquires(&q->lock)
{
	if (s->callback) {
		if (s->m)
			mutex_unlock(s->m);
		wdfq_frame_pop(q->dev, &s->frame);
	}
	wdfq_request_put(put);
	raw_spin_lock_irqsave(&q->lock, s->irqflags);
	if (s->callback)
		q->in_callbacks--;
}

/*
 * A request cancelled while queued: back to the driver through
 * io_canceled_on_queue when it was presented before, else completed as
 * cancelled.
 */
static void wdfq_act_cancel_queued(struct wdfq_queue *q, struct wdfq_step *s)
	__must_hold(&q->lock)
{
	struct wdfq_request *req = list_first_entry(&q->cancel_list,
						    struct wdfq_request, node);
	bool coq = wdfq_coq_due(q, req);

	q->queued--;
	if (coq) {
		list_move_tail(&req->node, &q->owned_list);
		req->state = WDFQ_RS_OWNED;
		q->owned++;
		q->max_owned = max(q->max_owned, q->owned);
		trace_wdfq_request_canceled_on_queue(q, req);
	} else {
		list_del_init(&req->node);
		wdfq_request_publish(req, -ECANCELED, 0);
		q->stats.canceled++;
	}
	wdfq_step_unlock(q, s, coq);
	if (coq)
		q->ops->io_canceled_on_queue(q, req);
	else
		wdfq_request_finish(req);
	wdfq_step_relock(q, s, NULL);
}

/* The cancel routine of a driver-owned request, claimed by a cancel. */
static void wdfq_act_cancel_routine(struct wdfq_queue *q, struct wdfq_step *s)
	__must_hold(&q->lock)
{
	struct wdfq_request *req = wdfq_claim_flagged(q, WDFQ_RF_CANCEL_RUN,
						     &q->cancel_run);

	wdfq_step_unlock(q, s, true);
	req->cancel_fn(req);
	/* the reference wdfq_queue_cancel_locked() took for the claim */
	wdfq_step_relock(q, s, req);
}

/* Make the runtime-PM usage reference match the queue's business. */
static void wdfq_act_pm(struct wdfq_queue *q, struct wdfq_step *s)
	__must_hold(&q->lock)
{
	q->pm_want = wdfq_total(q) != 0;
	wdfq_step_unlock(q, s, false);
	wdfq_pm_sync(q);
	wdfq_step_relock(q, s, NULL);
}

/* io_stop of one driver-owned request, for a power-down. */
static void wdfq_act_io_stop(struct wdfq_queue *q, struct wdfq_step *s)
	__must_hold(&q->lock)
{
	struct wdfq_request *req = wdfq_claim_flagged(q, WDFQ_RF_STOP_TODO,
						     &q->stop_todo);
	unsigned int flags = q->stop_flags;	/* CANCELABLE added on delivery */

	req->flags |= WDFQ_RF_STOP_SENT;
	refcount_inc(&req->ref);
	wdfq_step_unlock(q, s, true);
	if (wdfq_power_stop_deliver(q, req, &flags))
		q->ops->io_stop(q, req, flags);
	wdfq_step_relock(q, s, req);
}

/* io_resume of one request the driver kept across a power-down. */
static void wdfq_act_io_resume(struct wdfq_queue *q, struct wdfq_step *s)
	__must_hold(&q->lock)
{
	struct wdfq_request *req = wdfq_claim_flagged(q, WDFQ_RF_RESUME_TODO,
						     &q->resume_todo);

	trace_wdfq_io_resume(q, req);
	refcount_inc(&req->ref);
	wdfq_step_unlock(q, s, true);
	q->ops->io_resume(q, req);
	wdfq_step_relock(q, s, req);
}

/* Every io_stop is answered: wake wdfq_device_power_down(). */
static void wdfq_act_wake_power(struct wdfq_queue *q, struct wdfq_step *s)
	__must_hold(&q->lock)
{
	q->power_waiter = false;
	wdfq_step_unlock(q, s, false);
	/* pairs with the acquire in wdfq_device_power_down() */
	atomic_inc(&q->dev->power_seq);
	wake_up_all(&q->dev->power_wq);
	wdfq_step_relock(q, s, NULL);
}

/* Call a state callback claimed (the driver may have passed none). */
static void wdfq_act_state_call(struct wdfq_queue *q, struct wdfq_step *s,
				wdfq_queue_state_fn fn, void *ctx)
	__must_hold(&q->lock)
{
	wdfq_step_unlock(q, s, fn);
	if (fn)
		fn(q, ctx);
	wdfq_step_relock(q, s, NULL);
}

/*
 * A stop finished (@stop: nothing is driver-owned), or a drain or purge
 * (the queue is empty): its callback.
 */
static void wdfq_act_change_done(struct wdfq_queue *q, struct wdfq_step *s,
				 bool stop)
	__must_hold(&q->lock)
{
	wdfq_queue_state_fn fn = stop ? q->stop_fn : q->purge_fn;
	void *ctx = stop ? q->stop_ctx : q->purge_ctx;

	if (stop)
		trace_wdfq_queue_done(q, q->stop_cancels ?
				      WDFQ_TRACE_STOP_AND_PURGE : WDFQ_TRACE_STOP,
				      !!fn);
	else
		trace_wdfq_queue_done(q, q->purge_cancels ? WDFQ_TRACE_PURGE :
				      WDFQ_TRACE_DRAIN, !!fn);
	if (stop) {
		q->stop_fn = NULL;
		q->stop_pending = false;
		q->stop_cancels = false;
	} else {
		q->purge_fn = NULL;
		q->purge_pending = false;
		q->purge_cancels = false;
	}
	wdfq_update_cancel_owned(q);
	wdfq_act_state_call(q, s, fn, ctx);
}

/* A manual queue's ready notification, armed by the 0 -> 1 edge. */
static void wdfq_act_ready(struct wdfq_queue *q, struct wdfq_step *s)
	__must_hold(&q->lock)
{
	q->transition = false;
	trace_wdfq_ready_notify(q);
	wdfq_act_state_call(q, s, q->ready_fn, q->ready_ctx);
}

/*
 * Present the next request to its handler. io_stop waits while any
 * presentation is in progress (q->presenting).
 */
static void wdfq_act_present(struct wdfq_queue *q, struct wdfq_step *s)
	__must_hold(&q->lock)
{
	struct wdfq_request *req = list_first_entry(&q->fifo,
						    struct wdfq_request, node);

	wdfq_take_locked(q, req);
	trace_wdfq_request_present(q, req);
	q->presenting++;
	wdfq_step_unlock(q, s, true);
	wdfq_handler(q, req->type)(q, req);
	wdfq_step_relock(q, s, NULL);
	q->presenting--;
}

/* A zero-length request where one would be presented: completed. */
static void wdfq_act_zero_length(struct wdfq_queue *q, struct wdfq_step *s)
	__must_hold(&q->lock)
{
	struct wdfq_request *req = list_first_entry(&q->fifo,
						    struct wdfq_request, node);

	wdfq_zero_length_locked(q, req);
	wdfq_step_unlock(q, s, false);
	wdfq_request_finish(req);
	wdfq_step_relock(q, s, NULL);
}

/* The queue may be freed: the last touch of q by the loop. */
static void wdfq_act_gone(struct wdfq_queue *q, struct wdfq_step *s)
	__releases(&q->lock)
{
	struct completion *gone = q->gone;

	/* wdfq_queue_delete() frees q once this completes */
	q->gone = NULL;
	q->dispatching--;
	raw_spin_unlock_irqrestore(&q->lock, s->irqflags);
	complete(gone);
}

/* Take the action @type; q->lock held before and after. */
static void wdfq_act(struct wdfq_queue *q, enum wdfq_act_type type,
		     struct wdfq_step *s)
	__must_hold(&q->lock)
{
	switch (type) {
	case WDFQ_ACT_CANCEL_QUEUED:
		wdfq_act_cancel_queued(q, s);
		break;
	case WDFQ_ACT_CANCEL_ROUTINE:
		wdfq_act_cancel_routine(q, s);
		break;
	case WDFQ_ACT_PM:
		wdfq_act_pm(q, s);
		break;
	case WDFQ_ACT_IO_STOP:
		wdfq_act_io_stop(q, s);
		break;
	case WDFQ_ACT_IO_RESUME:
		wdfq_act_io_resume(q, s);
		break;
	case WDFQ_ACT_WAKE_POWER:
		wdfq_act_wake_power(q, s);
		break;
	case WDFQ_ACT_STOP_DONE:
		wdfq_act_change_done(q, s, true);
		break;
	case WDFQ_ACT_PURGE_DONE:
		wdfq_act_change_done(q, s, false);
		break;
	case WDFQ_ACT_READY:
		wdfq_act_ready(q, s);
		break;
	case WDFQ_ACT_PRESENT:
		wdfq_act_present(q, s);
		break;
	case WDFQ_ACT_ZERO_LENGTH:
		wdfq_act_zero_length(q, s);
		break;
	default:
		break;
	}
}

/* Actions a caller runs inline before handing the rest to the worker. */
#define WDFQ_INLINE_BUDGET	8

/*
 * May the caller running the loop inline take this action? Only engine
 * work (no driver callback), and the presentation of @own, the request the
 * caller itself submitted, when it is next and the scope mutex is free:
 * every other callback runs in the device's workqueue, never in the task
 * of an unrelated submitter or canceller. The scope mutex is only
 * trylocked here (a handler of another device may be up the stack, holding
 * its own), so stacked devices nest without lock-order dependencies.
 * Sets *@held when it took the scope mutex.
 */
static bool wdfq_inline_ok(struct wdfq_queue *q, enum wdfq_act_type type,
			   struct wdfq_request *own, bool *held)
{
	struct mutex *m;	/* the scope mutex, if any */

	*held = false;
	if (!wdfq_pick_calls_driver(q, type))
		return true;
	if (type != WDFQ_ACT_PRESENT || !own ||
	    list_first_entry(&q->fifo, struct wdfq_request, node) != own)
		return false;
	m = wdfq_scope_mutex(q);
	/* trylock: allowed in atomic context, also on PREEMPT_RT */
	if (m && !mutex_trylock(m))
		return false;
	*held = !!m;
	return true;
}

/*
 * The dispatch loop. Called with q->lock held and q->dispatching already
 * counting this thread; returns with the lock released. Process context.
 * The worker passes @worker; a caller running it inline passes the request
 * it submitted as @own (or NULL), see wdfq_inline_ok(), and takes at most
 * WDFQ_INLINE_BUDGET actions.
 */
static void wdfq_queue_run(struct wdfq_queue *q, unsigned long irqflags,
			   bool worker, struct wdfq_request *own)
	__releases(&q->lock)
{
	unsigned int budget = worker ? UINT_MAX : WDFQ_INLINE_BUDGET;
	struct wdfq_step s = { .irqflags = irqflags };
	enum wdfq_act_type type;

	lockdep_assert_held(&q->lock);
	for (;;) {
		type = wdfq_pick_locked(q);
		if (type == WDFQ_ACT_NONE)
			break;
		if (!worker && (!budget || !wdfq_inline_ok(q, type, own, &s.held))) {
			queue_work(q->dev->wq, &q->work);
			break;
		}
		if (type == WDFQ_ACT_GONE) {
			wdfq_act_gone(q, &s);
			return;
		}
		if (type == WDFQ_ACT_PRESENT)
			own = NULL;	/* presented at most once inline */
		budget--;
		wdfq_act(q, type, &s);
	}
	q->dispatching--;
	raw_spin_unlock_irqrestore(&q->lock, s.irqflags);
}

static void wdfq_queue_work_fn(struct work_struct *work)
{
	struct wdfq_queue *q = container_of(work, struct wdfq_queue, work);
	unsigned long irqflags;

	raw_spin_lock_irqsave(&q->lock, irqflags);
	q->dispatching++;
	wdfq_queue_run(q, irqflags, true, NULL);
}

/**
 * wdfq_queue_kick() - make sure someone acts on a state change
 * @q: the queue, locked
 * @irqflags: from the raw_spin_lock_irqsave() that locked it
 * @may_run: the caller may sleep and is not inside a callback of the device
 *
 * Releases the lock. If a thread is in the dispatch loop outside a callback,
 * or the current task is inside one of @q's callbacks (its loop resumes when
 * the callback returns), nothing more is needed. Otherwise the caller runs
 * the loop itself when @may_run, for engine work only (no driver callback),
 * and the queue's work item does the rest.
 */
void wdfq_queue_kick(struct wdfq_queue *q, unsigned long irqflags,
		     bool may_run)
	__releases(&q->lock)
{
	lockdep_assert_held(&q->lock);
	if (q->dispatching > q->in_callbacks ||
	    wdfq_pick_locked(q) == WDFQ_ACT_NONE ||
	    (q->in_callbacks && wdfq_in_callback(q->dev, q))) {
		raw_spin_unlock_irqrestore(&q->lock, irqflags);
		return;
	}
	if (may_run) {
		q->dispatching++;
		wdfq_queue_run(q, irqflags, false, NULL);
		return;
	}
	queue_work(q->dev->wq, &q->work);
	raw_spin_unlock_irqrestore(&q->lock, irqflags);
}

/**
 * wdfq_queue_cancel_locked() - act on a request whose CANCELED bit is set
 * @q: its queue, locked
 * @req: the request
 *
 * Queued: moved to the cancel list, still counted as queued until the loop
 * processes it (rule 9's "mid-cancel"). Driver-owned and cancelable: its
 * cancel routine is claimed for the loop to run. Otherwise nothing.
 */
void wdfq_queue_cancel_locked(struct wdfq_queue *q, struct wdfq_request *req)
{
	lockdep_assert_held(&q->lock);
	switch (req->state) {
	case WDFQ_RS_QUEUED:
		list_move_tail(&req->node, &q->cancel_list);
		req->state = WDFQ_RS_IN_CANCEL;
		break;
	case WDFQ_RS_OWNED:
		if (!(req->flags & WDFQ_RF_CANCELABLE))
			break;
		req->flags &= ~WDFQ_RF_CANCELABLE;
		req->flags |= WDFQ_RF_CANCEL_RUN | WDFQ_RF_CANCEL_DONE;
		q->cancel_run++;
		refcount_inc(&req->ref);
		break;
	default:
		break;
	}
}

/**
 * wdfq_queue_insert_locked() - put a request on a queue's FIFO
 * @q: the queue, locked
 * @req: a request that is on no list
 * @head: at the head (requeue) rather than the tail
 *
 * Arms ready notification on the 0 -> 1 edge (or when forced), and cancels
 * the request at once if its caller already gave up, or if it is requeued
 * while the queue purges (rule 7).
 */
void wdfq_queue_insert_locked(struct wdfq_queue *q, struct wdfq_request *req,
			      bool head)
{
	lockdep_assert_held(&q->lock);
	if (head)
		list_add(&req->node, &q->fifo);
	else
		list_add_tail(&req->node, &q->fifo);
	req->state = WDFQ_RS_QUEUED;
	WRITE_ONCE(req->queue, q);
	if (q->queued++ == 0 || q->force_transition) {
		q->transition = true;
		q->force_transition = false;
	}
	/* pairs with test_and_set_bit() in wdfq_request_cancel() */
	smp_mb();
	if (head && q->cancel_owned)
		wdfq_set_canceled_locked(q, req, WDFQ_CANCEL_PURGE);
	if (test_bit(WDFQ_RA_CANCELED, &req->atomic_flags))
		wdfq_queue_cancel_locked(q, req);
}

/**
 * wdfq_queue_arrive() - a new request arrives at a queue
 * @q: the queue
 * @req: the request (state NEW); the engine takes its own reference
 * @may_run: the caller may run the dispatch loop itself
 *
 * Return: true if the caller must run the loop: q->dispatching already
 * counts it and wdfq_queue_run_entered() does the rest.
 */
static bool wdfq_queue_arrive(struct wdfq_queue *q, struct wdfq_request *req,
			      bool may_run)
{
	unsigned long irqflags;
	int early = 1;

	refcount_inc(&req->ref);
	raw_spin_lock_irqsave(&q->lock, irqflags);
	q->stats.arrived++;
	trace_wdfq_request_arrive(q, req);
	if (!q->accepting)
		early = -ESHUTDOWN;
	if (early <= 0) {
		q->stats.completed++;
		WRITE_ONCE(req->queue, q);
		raw_spin_unlock_irqrestore(&q->lock, irqflags);
		wdfq_complete_now(req, early, 0);
		return false;
	}
	wdfq_queue_insert_locked(q, req, false);
	if (may_run) {
		q->dispatching++;
		raw_spin_unlock_irqrestore(&q->lock, irqflags);
		return true;
	}
	wdfq_queue_kick(q, irqflags, false);
	return false;
}

/* Run the loop inline for the submitter of @own; see wdfq_inline_ok(). */
static void wdfq_queue_run_entered(struct wdfq_queue *q,
				   struct wdfq_request *own)
{
	unsigned long irqflags;

	raw_spin_lock_irqsave(&q->lock, irqflags);
	wdfq_queue_run(q, irqflags, false, own);
}

void wdfq_queue_submit(struct wdfq_queue *q, struct wdfq_request *req)
{
	might_sleep();
	if (req->state != WDFQ_RS_NEW || req->dev != q->dev) {
		WARN_ONCE(1, "wdfq: request submitted twice or to another device\n");
		return;
	}
	if (wdfq_queue_arrive(q, req, !wdfq_in_callback(q->dev, NULL)))
		wdfq_queue_run_entered(q, req);
}
EXPORT_SYMBOL_GPL(wdfq_queue_submit);

/**
 * wdfq_device_submit_routed() - route and submit, pinning the queue by RCU
 * @dev: the device
 * @req: the request
 *
 * Called by wdfq_device_submit(); here because it needs the arrival helper.
 */
void wdfq_device_submit_routed(struct wdfq_device *dev,
			       struct wdfq_request *req)
{
	struct wdfq_queue *q;
	bool run = false;

	rcu_read_lock();
	q = rcu_dereference(dev->routes[req->type]);
	if (!q)
		q = rcu_dereference(dev->default_q);
	if (q && wdfq_queue_accepts_type(q, req->type))
		run = wdfq_queue_arrive(q, req, !wdfq_in_callback(dev, NULL));
	else
		q = NULL;
	rcu_read_unlock();

	if (!q) {
		refcount_inc(&req->ref);
		trace_wdfq_request_arrive(NULL, req);
		wdfq_complete_now(req, -ENOTTY, 0);
		return;
	}
	/* q->dispatching counts us, so q outlives the RCU section */
	if (run)
		wdfq_queue_run_entered(q, req);
}

/* Cancel every request on the FIFO, and the cancelable owned ones. */
static void wdfq_queue_cancel_all_locked(struct wdfq_queue *q, bool owned)
{
	struct wdfq_request *req, *tmp;

	list_for_each_entry_safe(req, tmp, &q->fifo, node) {
		wdfq_set_canceled_locked(q, req, WDFQ_CANCEL_PURGE);
		wdfq_queue_cancel_locked(q, req);
	}
	if (!owned)
		return;
	list_for_each_entry(req, &q->owned_list, node) {
		if (!(req->flags & WDFQ_RF_CANCELABLE))
			continue;
		wdfq_set_canceled_locked(q, req, WDFQ_CANCEL_PURGE);
		wdfq_queue_cancel_locked(q, req);
	}
}

/**
 * wdfq_queue_purge_locked() - purge without a completion callback
 * @q: the queue, locked
 *
 * As wdfq_queue_purge(): stop accepting, cancel the queued requests and
 * the cancelable driver-owned ones, and turn requeue and mark-cancelable
 * into cancellation until nothing is left. The caller kicks.
 */
void wdfq_queue_purge_locked(struct wdfq_queue *q)
{
	lockdep_assert_held(&q->lock);
	q->purge_pending = true;
	q->accepting = false;
	q->purge_cancels = true;
	wdfq_update_cancel_owned(q);
	trace_wdfq_queue_purge(q);
	wdfq_queue_cancel_all_locked(q, true);
}

void wdfq_queue_start(struct wdfq_queue *q)
{
	unsigned long irqflags;

	raw_spin_lock_irqsave(&q->lock, irqflags);
	if (q->deleting) {
		raw_spin_unlock_irqrestore(&q->lock, irqflags);
		return;
	}
	q->accepting = true;
	q->dispatch_on = true;
	/* as KMDF: an unfinished (stop-and-)purge no longer cancels */
	q->stop_cancels = false;
	q->purge_cancels = false;
	wdfq_update_cancel_owned(q);
	if (q->queued) {
		q->transition = true;
		q->force_transition = false;
	}
	trace_wdfq_queue_start(q);
	wdfq_queue_kick(q, irqflags, false);
}
EXPORT_SYMBOL_GPL(wdfq_queue_start);

/*
 * Stop (@stop: keep accepting, stop dispatching; callback when nothing is
 * driver-owned) or stop accepting (drain/purge; callback when nothing is
 * queued or owned), cancelling what is there when @cancel.
 */
static int wdfq_queue_change(struct wdfq_queue *q, wdfq_queue_state_fn fn,
			     void *ctx, bool stop, bool cancel)
{
	wdfq_queue_state_fn *slot = stop ? &q->stop_fn : &q->purge_fn;
	unsigned long irqflags;

	raw_spin_lock_irqsave(&q->lock, irqflags);
	if (q->deleting || (fn && *slot)) {
		raw_spin_unlock_irqrestore(&q->lock, irqflags);
		return q->deleting ? -ENODEV : -EBUSY;
	}
	if (fn) {
		*slot = fn;
		if (stop)
			q->stop_ctx = ctx;
		else
			q->purge_ctx = ctx;
	}
	if (stop) {
		q->stop_pending = true;
		q->accepting = true;
		q->dispatch_on = false;
		q->stop_cancels |= cancel;
	} else {
		q->purge_pending = true;
		q->accepting = false;
		q->purge_cancels |= cancel;
	}
	if (stop && cancel)
		trace_wdfq_queue_stop_and_purge(q);
	else if (stop)
		trace_wdfq_queue_stop(q);
	else if (cancel)
		trace_wdfq_queue_purge(q);
	else
		trace_wdfq_queue_drain(q);
	if (cancel) {
		wdfq_update_cancel_owned(q);
		wdfq_queue_cancel_all_locked(q, true);
	}
	wdfq_queue_kick(q, irqflags, false);
	return 0;
}

int wdfq_queue_stop(struct wdfq_queue *q, wdfq_queue_state_fn fn, void *ctx)
{
	return wdfq_queue_change(q, fn, ctx, true, false);
}
EXPORT_SYMBOL_GPL(wdfq_queue_stop);

int wdfq_queue_stop_and_purge(struct wdfq_queue *q, wdfq_queue_state_fn fn,
			      void *ctx)
{
	return wdfq_queue_change(q, fn, ctx, true, true);
}
EXPORT_SYMBOL_GPL(wdfq_queue_stop_and_purge);

int wdfq_queue_drain(struct wdfq_queue *q, wdfq_queue_state_fn fn, void *ctx)
{
	return wdfq_queue_change(q, fn, ctx, false, false);
}
EXPORT_SYMBOL_GPL(wdfq_queue_drain);

int wdfq_queue_purge(struct wdfq_queue *q, wdfq_queue_state_fn fn, void *ctx)
{
	return wdfq_queue_change(q, fn, ctx, false, true);
}
EXPORT_SYMBOL_GPL(wdfq_queue_purge);

static void wdfq_sync_done(struct wdfq_queue *q, void *ctx)
{
	complete(ctx);
}

/* Refuse a sleeping call that would wait for the caller's own callback. */
static bool wdfq_sync_deadlocks(struct wdfq_queue *q, const char *what)
{
	struct wdfq_device *dev = q->dev;
	unsigned long irqflags;

	if (!wdfq_in_callback(dev, q) &&
	    !(q->cfg.scope == WDFQ_SYNC_DEVICE &&
	      wdfq_in_device_scope_callback(dev)))
		return false;
	raw_spin_lock_irqsave(&q->lock, irqflags);
	wdfq_driver_bug(q, what);
	raw_spin_unlock_irqrestore(&q->lock, irqflags);
	return true;
}

static int wdfq_queue_sync(struct wdfq_queue *q,
			   int (*op)(struct wdfq_queue *q,
				     wdfq_queue_state_fn fn, void *ctx),
			   const char *what)
{
	DECLARE_COMPLETION_ONSTACK(done);
	int ret;

	might_sleep();
	if (wdfq_sync_deadlocks(q, what))
		return -EDEADLK;
	ret = op(q, wdfq_sync_done, &done);
	if (ret)
		return ret;
	wait_for_completion(&done);
	return 0;
}

int wdfq_queue_stop_sync(struct wdfq_queue *q)
{
	return wdfq_queue_sync(q, wdfq_queue_stop,
			       "stop_sync from the queue's own callback");
}
EXPORT_SYMBOL_GPL(wdfq_queue_stop_sync);

int wdfq_queue_drain_sync(struct wdfq_queue *q)
{
	return wdfq_queue_sync(q, wdfq_queue_drain,
			       "drain_sync from the queue's own callback");
}
EXPORT_SYMBOL_GPL(wdfq_queue_drain_sync);

int wdfq_queue_purge_sync(struct wdfq_queue *q)
{
	return wdfq_queue_sync(q, wdfq_queue_purge,
			       "purge_sync from the queue's own callback");
}
EXPORT_SYMBOL_GPL(wdfq_queue_purge_sync);

int wdfq_queue_stop_and_purge_sync(struct wdfq_queue *q)
{
	return wdfq_queue_sync(q, wdfq_queue_stop_and_purge,
			       "stop_and_purge_sync from the queue's own callback");
}
EXPORT_SYMBOL_GPL(wdfq_queue_stop_and_purge_sync);

int wdfq_queue_ready_notify(struct wdfq_queue *q, wdfq_queue_state_fn fn,
			    void *ctx)
{
	unsigned long irqflags;

	if (q->cfg.dispatch != WDFQ_DISPATCH_MANUAL)
		return -EINVAL;
	raw_spin_lock_irqsave(&q->lock, irqflags);
	if (fn && q->ready_fn) {
		raw_spin_unlock_irqrestore(&q->lock, irqflags);
		return -EBUSY;
	}
	if (!fn && !q->ready_fn) {
		raw_spin_unlock_irqrestore(&q->lock, irqflags);
		return -EINVAL;
	}
	if (!fn && q->dispatch_on) {
		raw_spin_unlock_irqrestore(&q->lock, irqflags);
		return -EBUSY;
	}
	q->ready_fn = fn;
	q->ready_ctx = fn ? ctx : NULL;
	wdfq_queue_kick(q, irqflags, !wdfq_in_callback(q->dev, NULL));
	return 0;
}
EXPORT_SYMBOL_GPL(wdfq_queue_ready_notify);

/* The request a retrieval would take, or NULL; see wdfq_retrieve(). */
static struct wdfq_request *wdfq_retrieve_pick(struct wdfq_queue *q,
					       struct file *file,
					       struct wdfq_request *found)
{
	struct wdfq_request *req;

	if (found)
		return found->state == WDFQ_RS_QUEUED && found->queue == q ?
		       found : NULL;
	list_for_each_entry(req, &q->fifo, node)
		if (!file || req->file == file)
			return req;
	return NULL;
}

/* Unlock after a retrieval and finish the zero-length requests it met. */
static void wdfq_retrieve_unlock(struct wdfq_queue *q, unsigned long irqflags,
				 struct list_head *zero)
	__releases(&q->lock)
{
	struct wdfq_request *req, *tmp;

	if (list_empty(zero)) {
		raw_spin_unlock_irqrestore(&q->lock, irqflags);
		return;
	}
	/* the queue shrank: a power or state callback may be due */
	wdfq_queue_kick(q, irqflags, false);
	list_for_each_entry_safe(req, tmp, zero, node) {
		list_del_init(&req->node);
		wdfq_request_finish(req);
	}
}

/* Common part of the retrieval calls; @found is NULL or a found request. */
static int wdfq_retrieve(struct wdfq_queue *q, struct file *file,
			 struct wdfq_request *found, struct wdfq_request **reqp)
{
	struct wdfq_request *hit;
	unsigned long irqflags;
	LIST_HEAD(zero);

	if (q->cfg.dispatch == WDFQ_DISPATCH_PARALLEL)
		return -EINVAL;
	raw_spin_lock_irqsave(&q->lock, irqflags);
	if (!q->powered || !q->dispatch_on) {
		raw_spin_unlock_irqrestore(&q->lock, irqflags);
		return -EBUSY;
	}
	/* zero-length requests are completed on the way, as in KMDF */
	while ((hit = wdfq_retrieve_pick(q, file, found)) &&
	       wdfq_zero_length(q, hit)) {
		wdfq_zero_length_locked(q, hit);
		list_add_tail(&hit->node, &zero);
	}
	if (!hit) {
		/* only requests in mid-cancel remain: rule 9 */
		if (!file && !found && q->queued)
			q->force_transition = true;
		wdfq_retrieve_unlock(q, irqflags, &zero);
		return -ENOENT;
	}
	wdfq_take_locked(q, hit);
	trace_wdfq_request_retrieve(q, hit);
	wdfq_retrieve_unlock(q, irqflags, &zero);
	if (reqp)
		*reqp = hit;
	return 0;
}

int wdfq_queue_retrieve_next(struct wdfq_queue *q, struct wdfq_request **reqp)
{
	return wdfq_retrieve(q, NULL, NULL, reqp);
}
EXPORT_SYMBOL_GPL(wdfq_queue_retrieve_next);

int wdfq_queue_retrieve_by_file(struct wdfq_queue *q, struct file *file,
				struct wdfq_request **reqp)
{
	if (!file)
		return -EINVAL;
	return wdfq_retrieve(q, file, NULL, reqp);
}
EXPORT_SYMBOL_GPL(wdfq_queue_retrieve_by_file);

int wdfq_queue_retrieve_found(struct wdfq_queue *q, struct wdfq_request *found)
{
	/* manual queues only, as in KMDF 1.11 and later */
	if (!found || q->cfg.dispatch != WDFQ_DISPATCH_MANUAL)
		return -EINVAL;
	return wdfq_retrieve(q, NULL, found, NULL);
}
EXPORT_SYMBOL_GPL(wdfq_queue_retrieve_found);

int wdfq_queue_find_request(struct wdfq_queue *q, struct wdfq_request *after,
			    struct file *file, struct wdfq_request **foundp)
{
	struct wdfq_request *req;
	struct list_head *pos;
	unsigned long irqflags;
	int ret = -ENOENT;

	raw_spin_lock_irqsave(&q->lock, irqflags);
	if (after && (after->state != WDFQ_RS_QUEUED || after->queue != q))
		goto out;
	pos = after ? &after->node : &q->fifo;
	for (pos = pos->next; pos != &q->fifo; pos = pos->next) {
		req = list_entry(pos, struct wdfq_request, node);
		if (file && req->file != file)
			continue;
		refcount_inc(&req->ref);
		*foundp = req;
		ret = 0;
		break;
	}
out:
	raw_spin_unlock_irqrestore(&q->lock, irqflags);
	return ret;
}
EXPORT_SYMBOL_GPL(wdfq_queue_find_request);

void wdfq_queue_get_state(struct wdfq_queue *q, struct wdfq_queue_state *st)
{
	unsigned long irqflags;

	raw_spin_lock_irqsave(&q->lock, irqflags);
	*st = q->stats;
	st->accepting = q->accepting;
	st->dispatching = q->dispatch_on;
	st->powered = q->powered;
	st->queued = q->queued;
	st->driver_owned = q->owned;
	st->max_driver_owned = q->max_owned;
	raw_spin_unlock_irqrestore(&q->lock, irqflags);
}
EXPORT_SYMBOL_GPL(wdfq_queue_get_state);

void wdfq_queue_reset_stats(struct wdfq_queue *q)
{
	unsigned long irqflags;

	raw_spin_lock_irqsave(&q->lock, irqflags);
	memset(&q->stats, 0, sizeof(q->stats));
	q->stats.arrived = wdfq_total(q);
	q->max_owned = q->owned;
	raw_spin_unlock_irqrestore(&q->lock, irqflags);
}
EXPORT_SYMBOL_GPL(wdfq_queue_reset_stats);

void *wdfq_queue_context(struct wdfq_queue *q)
{
	return q->cfg.context;
}
EXPORT_SYMBOL_GPL(wdfq_queue_context);

struct wdfq_device *wdfq_queue_device(struct wdfq_queue *q)
{
	return q->dev;
}
EXPORT_SYMBOL_GPL(wdfq_queue_device);

/* The table of a queue configured without one: every handler absent. */
static const struct wdfq_queue_ops wdfq_no_ops;

static int wdfq_queue_check_config(struct wdfq_device *dev,
				   const struct wdfq_queue_config *cfg)
{
	const struct wdfq_queue_ops *ops = cfg->ops ?: &wdfq_no_ops;
	bool any = ops->io_read || ops->io_write || ops->io_ioctl ||
		   ops->io_internal_ioctl || ops->io_default;

	if (cfg->scope > WDFQ_SYNC_DEVICE)
		return -EINVAL;
	switch (cfg->dispatch) {
	case WDFQ_DISPATCH_MANUAL:
		return any ? -EINVAL : 0;
	case WDFQ_DISPATCH_SEQUENTIAL:
	case WDFQ_DISPATCH_PARALLEL:
		return any ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

/*
 * Every queue's work item in a lockdep class of its own: a callback run by
 * one queue's work may delete another queue, which waits for that queue's
 * work (cancel_work_sync()); with one class for all, lockdep would take it
 * for a work waiting for itself.
 */
static void wdfq_queue_work_class(struct wdfq_queue *q)
{
	lockdep_register_key(&q->work_key);
#ifdef CONFIG_LOCKDEP
	lockdep_init_map(&q->work.lockdep_map, "&q->work", &q->work_key, 0);
#endif
}

WDFQ_FAIL_POINT(wdfq, queue_create);

struct wdfq_queue *wdfq_queue_create(struct wdfq_device *dev,
				     const struct wdfq_queue_config *cfg)
{
	struct wdfq_queue *q;
	int ret;

	ret = wdfq_queue_check_config(dev, cfg) ?: wdfq_fail_queue_create();
	if (ret)
		return ERR_PTR(ret);
	q = kzalloc(sizeof(*q), GFP_KERNEL);
	if (!q)
		return ERR_PTR(-ENOMEM);
	raw_spin_lock_init(&q->lock);
	q->dev = dev;
	q->cfg = *cfg;
	q->ops = cfg->ops ?: &wdfq_no_ops;
	if (q->cfg.dispatch == WDFQ_DISPATCH_SEQUENTIAL)
		q->cfg.max_presented = 1;
	INIT_LIST_HEAD(&q->fifo);
	INIT_LIST_HEAD(&q->owned_list);
	INIT_LIST_HEAD(&q->cancel_list);
	mutex_init(&q->cb_mutex);
	INIT_WORK(&q->work, wdfq_queue_work_fn);
	wdfq_queue_work_class(q);
	mutex_init(&q->pm_lock);
	q->accepting = true;
	q->dispatch_on = true;

	mutex_lock(&dev->lock);
	if (cfg->default_queue && rcu_access_pointer(dev->default_q)) {
		mutex_unlock(&dev->lock);
		mutex_destroy(&q->pm_lock);
		mutex_destroy(&q->cb_mutex);
		lockdep_unregister_key(&q->work_key);
		kfree(q);
		return ERR_PTR(-EINVAL);
	}
	q->powered = dev->powered || !cfg->power_managed;
	list_add_tail_rcu(&q->dev_node, &dev->queues);
	if (cfg->default_queue)
		rcu_assign_pointer(dev->default_q, q);
	mutex_unlock(&dev->lock);
	return q;
}
EXPORT_SYMBOL_GPL(wdfq_queue_create);

/* Unlink @q from its device; dev->lock held. */
static void wdfq_queue_unlink(struct wdfq_queue *q)
{
	struct wdfq_device *dev = q->dev;
	int t;

	lockdep_assert_held(&dev->lock);
	for (t = 0; t < WDFQ_REQ_TYPES; t++)
		if (rcu_access_pointer(dev->routes[t]) == q)
			RCU_INIT_POINTER(dev->routes[t], NULL);
	if (rcu_access_pointer(dev->default_q) == q)
		RCU_INIT_POINTER(dev->default_q, NULL);
	list_del_rcu(&q->dev_node);
}

void wdfq_queue_delete(struct wdfq_queue *q)
{
	DECLARE_COMPLETION_ONSTACK(gone);
	struct wdfq_device *dev = q->dev;
	unsigned long irqflags;

	might_sleep();
	if (wdfq_sync_deadlocks(q, "queue deleted from its own callback"))
		return;

	raw_spin_lock_irqsave(&q->lock, irqflags);
	q->deleting = true;
	q->accepting = false;
	q->gone = &gone;
	q->purge_cancels = true;
	wdfq_update_cancel_owned(q);
	trace_wdfq_queue_delete(q);
	wdfq_queue_cancel_all_locked(q, true);
	raw_spin_unlock_irqrestore(&q->lock, irqflags);

	mutex_lock(&dev->lock);
	wdfq_queue_unlink(q);
	mutex_unlock(&dev->lock);
	/* submitters that found q through a route now see it not accepting */
	synchronize_rcu();

	raw_spin_lock_irqsave(&q->lock, irqflags);
	wdfq_queue_kick(q, irqflags, !wdfq_in_callback(dev, NULL));
	wait_for_completion(&gone);
	cancel_work_sync(&q->work);

	mutex_lock(&q->pm_lock);
	if (q->pm_held) {
		pm_runtime_mark_last_busy(dev->cfg.pm_dev);
		pm_runtime_put_autosuspend(dev->cfg.pm_dev);
		q->pm_held = false;
	}
	mutex_unlock(&q->pm_lock);
	mutex_destroy(&q->pm_lock);
	mutex_destroy(&q->cb_mutex);
	lockdep_unregister_key(&q->work_key);
	kfree_rcu(q, rcu);
}
EXPORT_SYMBOL_GPL(wdfq_queue_delete);
