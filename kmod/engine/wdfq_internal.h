/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wdfq engine internals: shared by wdfq_*.c only, never by a driver.
 * "Rule N" in comments: the section "Rule N" of
 * Documentation/wdfq/queue-model.rst.
 *
 * Locking rules
 * -------------
 * q->lock (raw spinlock, irqsave): everything about a queue and the requests
 *   it holds: the FIFO, owned and cancel lists, counters, state bits, the
 *   callback slots, req->state, req->flags and req->queue of its requests.
 *   Raw because requests complete from hard interrupts, PREEMPT_RT included.
 *   Never held while calling a driver callback, a done callback, runtime PM
 *   or anything that sleeps. Two queue locks are never held together: a
 *   request moving between queues is TRANSIT in between (see forward).
 *
 * req->atomic_flags: bit WDFQ_RA_CANCELED is set without any lock by the
 *   cancelling side (test_and_set_bit, a full barrier) and read under the
 *   queue lock; whoever moves a request onto a queue checks it after the
 *   move (smp_mb()), so a cancel racing with a forward is never lost.
 *
 * dev->frames_lock (raw spinlock, irqsave): the list of callback frames, one
 *   per running callback, used to tell whether the current task is inside a
 *   callback of the device or of one queue. Leaf lock.
 *
 * Scope mutexes (q->cb_mutex, dev->cb_mutex): held around driver callbacks
 *   of QUEUE and DEVICE scope queues. Taken only by the dispatch loop: with
 *   mutex_lock() only in the device's workqueue, whose task holds nothing
 *   else; a submitter presenting its own request inline only trylocks it
 *   (under q->lock, which trylock allows) and leaves the request to the
 *   workqueue when it is busy. So when a handler of one device submits to
 *   another (stacked devices) and the lower device presents inline, the
 *   nested scope mutexes of one lock class form no lock-order dependency.
 *   The engine never runs a dispatch loop inline in a task that is inside a
 *   callback of the target device, so they never nest within one device.
 *
 * q->pm_lock (mutex): serializes the queue's runtime-PM get/put with
 *   pm_held, pm_marked and pm_mark. Taken by the dispatch loop, teardown
 *   and the debugfs readers (under dev->lock), outside q->lock.
 *
 * dev->lock (mutex): the queue list and routing changes; process context.
 *   Routing is read under RCU by submitters, and the queue list by the
 *   reports of driver bugs on completed requests (queues are unlinked
 *   before, and freed a grace period after, their deletion). Never held
 *   while waiting for a callback, so callbacks may route, create and
 *   delete queues and clean up files at any time, power-down included.
 *
 * dev->power_lock (mutex): serializes wdfq_device_power_down() (across its
 *   wait for io_stop answers) and wdfq_device_power_up(). Taken before
 *   dev->lock; never by callbacks.
 *
 * debugfs readers (wdfq_debugfs.c): hold dev->lock across one read(2)
 *   (the queue list cannot change under them), and per queue take
 *   q->pm_lock, then q->lock only to copy what they print (a bounded number
 *   of requests): they format after dropping it. They never take
 *   dev->power_lock. wdfq_device_delete() removes the device's files before
 *   anything else, and debugfs_remove() waits for the readers inside a file
 *   operation; a file still open afterwards reads -EIO.
 *
 * Dispatch
 * --------
 * Every state change is made under q->lock and followed by a kick: if no
 * thread is inside the dispatch loop outside a callback, the kicker runs the
 * loop itself when it may sleep and is not inside a callback of the device,
 * else it queues q->work. The loop (wdfq_queue_run()) is a dispatcher:
 * under the lock, wdfq_pick_locked() chooses the next action (cancel
 * processing, runtime PM, io_stop, io_resume, the power-down wake-up, state
 * callbacks, ready notify, zero-length completion, presentation, the
 * deleted queue's release) and one function, wdfq_act_*(), takes it: claims
 * it under the lock, drops the lock (wdfq_step_unlock(), which also enters
 * a driver callback: in_callbacks, frame, scope mutex), performs it, and
 * re-takes the lock (wdfq_step_relock()). q->dispatching counts
 * threads inside the loop; state callbacks fire only when a single thread is
 * in it, as KMDF does. A thread running the loop inline (not the workqueue)
 * calls no driver callback except the presentation of the request it
 * submitted itself: the rest is left to q->work, so a submitter or a
 * signalled waiter never runs other requests' callbacks in its own task.
 * io_stop is not delivered while any presentation of the queue is in
 * progress (q->presenting), as KMDF lets presentation finish first.
 */
#ifndef _WDFQ_INTERNAL_H
#define _WDFQ_INTERNAL_H

#include <linux/completion.h>
#include <linux/device.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pm_runtime.h>
#include <linux/rculist.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <wdfq_compat.h>
#include <wdfq.h>

/* Request life cycle; see the contract: queued, driver-owned, completed. */
enum wdfq_rstate {
	WDFQ_RS_NEW,		/* allocated, not submitted */
	WDFQ_RS_QUEUED,		/* on q->fifo */
	WDFQ_RS_IN_CANCEL,	/* on q->cancel_list, still counted queued */
	WDFQ_RS_OWNED,		/* on q->owned_list, driver-owned */
	WDFQ_RS_TRANSIT,	/* between two queues during a forward */
	WDFQ_RS_COMPLETED,	/* terminal */
};

/* req->flags, under the queue lock */
#define WDFQ_RF_PRESENTED	BIT(0)	/* ever presented or retrieved */
#define WDFQ_RF_CANCELABLE	BIT(1)	/* cancel routine armed */
#define WDFQ_RF_CANCEL_RUN	BIT(2)	/* cancel routine claimed, to call */
#define WDFQ_RF_CANCEL_DONE	BIT(3)	/* cancel routine claimed (unmark fails) */
#define WDFQ_RF_STOP_SENT	BIT(4)	/* io_stop called for this power-down */
#define WDFQ_RF_STOP_TODO	BIT(5)	/* io_stop still to call */
#define WDFQ_RF_STOP_ACKED	BIT(6)	/* acknowledged, kept by the driver */
#define WDFQ_RF_RESUME_TODO	BIT(7)	/* io_resume still to call */
#define WDFQ_RF_STOP_WAIT	BIT(8)	/* power-down waits for it (unacked) */

/* The driver may no longer forward or requeue: the cancel routine has it */
#define WDFQ_RF_CANCEL_CLAIMED	(WDFQ_RF_CANCEL_RUN | WDFQ_RF_CANCEL_DONE)

/* req->atomic_flags */
#define WDFQ_RA_CANCELED	0	/* caller gave up, or purge */

struct wdfq_request {
	union {
		struct list_head node;
		struct rcu_head rcu;	/* freed from hard irq */
	};
	struct wdfq_device *dev;
	struct wdfq_queue *queue;
	u64 id;			/* wdfq_request_id(), for tracing */
	refcount_t ref;
	u8 state;
	u8 type;
	u16 flags;
	unsigned long atomic_flags;
	unsigned int code;
	int status;
	size_t information;
	struct file *file;
	const void *in;
	size_t in_len;
	void *out;
	size_t out_len;
	wdfq_cancel_fn cancel_fn;
	wdfq_done_fn done_fn;
	void *done_data;
	pid_t owner;			/* tgid of the allocating task, or 0 */
	ktime_t born;			/* allocation (coarse clock), its age */
	struct completion done;
	unsigned long long ctx[];
};

/* A callback in progress, on its caller's stack. */
struct wdfq_frame {
	struct list_head node;
	struct task_struct *task;
	struct wdfq_queue *q;
	bool device_scope;
};

struct wdfq_queue {
	raw_spinlock_t lock;
	struct wdfq_device *dev;
	struct wdfq_queue_config cfg;	/* cfg.ops: use ops */
	const struct wdfq_queue_ops *ops;	/* never NULL */
	struct list_head dev_node;	/* dev->queues, under dev->lock */

	struct list_head fifo;
	struct list_head owned_list;
	struct list_head cancel_list;
	u32 queued;			/* fifo + cancel_list */
	u32 owned;
	u32 max_owned;
	u32 cancel_run;			/* owned requests with CANCEL_RUN */
	u32 stop_todo;			/* owned requests with STOP_TODO */
	u32 resume_todo;		/* owned requests with RESUME_TODO */
	u32 unacked;			/* owned, io_stop pending an answer */

	bool accepting;
	bool dispatch_on;		/* started (dispatch state bit) */
	bool powered;
	bool transition;		/* ready notify armed by 0 -> 1 */
	bool force_transition;		/* next insertion arms ready notify */
	bool cancel_owned;		/* stop_cancels || purge_cancels */
	bool stop_cancels;		/* stop-and-purge in progress */
	bool purge_cancels;		/* purge in progress: rule 7 */
	unsigned int stop_flags;	/* WDFQ_STOP_* of this power-down */
	bool deleting;
	bool power_waiter;		/* power_down sleeping on dev->power_wq */
	unsigned int dispatching;	/* threads inside the dispatch loop */
	unsigned int in_callbacks;	/* of which inside a driver callback */
	unsigned int presenting;	/* presentations claimed, not returned */

	wdfq_queue_state_fn stop_fn;	/* pending stop callback */
	void *stop_ctx;
	bool stop_pending;
	wdfq_queue_state_fn purge_fn;	/* pending drain/purge callback */
	void *purge_ctx;
	bool purge_pending;
	wdfq_queue_state_fn ready_fn;
	void *ready_ctx;
	struct completion *gone;	/* signalled when teardown may free */

	struct mutex cb_mutex;		/* QUEUE scope */
	struct work_struct work;	/* deferred dispatch */
	/* its own class: a callback in one queue's work deletes another */
	struct lock_class_key work_key;

	struct mutex pm_lock;		/* see locking rules */
	bool pm_want;			/* busy, as last seen by a PM action */
	bool pm_held;			/* holds a runtime-PM usage reference */
	bool pm_marked;			/* pm_mark is set */
	unsigned long pm_mark;		/* jiffies of the last last-busy stamp */
	struct rcu_head rcu;

	struct wdfq_queue_state stats;	/* counters only; state is above */
};

struct wdfq_device {
	struct wdfq_device_config cfg;
	char name[32];
	bool quiet_bugs;		/* KUnit: pr_notice(), not WARN_ONCE() */
	struct mutex lock;		/* queue list and routing changes */
	struct list_head queues;
	struct wdfq_queue __rcu *routes[WDFQ_REQ_TYPES];
	struct wdfq_queue __rcu *default_q;
	bool powered;

	struct mutex cb_mutex;		/* DEVICE scope */
	raw_spinlock_t frames_lock;
	struct list_head frames;

	struct workqueue_struct *wq;
	struct mutex power_lock;	/* see locking rules */
	wait_queue_head_t power_wq;
	atomic_t power_seq;		/* bumped when a queue settles */
	struct dentry *debugfs;		/* its directory, or NULL */
};

/* Names for the trace events: a queue's, "" for none. */
static inline const char *wdfq_trace_qname(const struct wdfq_queue *q)
{
	return q && q->cfg.name ? q->cfg.name : "";
}

#include "wdfq_trace.h"

/* wdfq_queue.c */
void wdfq_queue_insert_locked(struct wdfq_queue *q, struct wdfq_request *req,
			      bool head);
void wdfq_queue_cancel_locked(struct wdfq_queue *q, struct wdfq_request *req);
void wdfq_queue_purge_locked(struct wdfq_queue *q);
void wdfq_queue_kick(struct wdfq_queue *q, unsigned long irqflags,
		     bool may_run) __releases(&q->lock);
bool wdfq_queue_accepts_type(struct wdfq_queue *q, enum wdfq_request_type t);
void wdfq_device_submit_routed(struct wdfq_device *dev,
			       struct wdfq_request *req);

/* wdfq_request.c */
void wdfq_request_finish(struct wdfq_request *req);
void wdfq_complete_now(struct wdfq_request *req, int status, size_t info);
struct wdfq_queue *__wdfq_lock_request(struct wdfq_request *req,
				       unsigned long *irqflags);

/* Evaluates to the locked queue of @req, or NULL; see __wdfq_lock_request. */
#define wdfq_lock_request(req, qp, irqflags)				\
({									\
	struct wdfq_queue **__qp = (qp);				\
									\
	wdfq_compat_cond_lock(&(*__qp)->lock,				\
			      (*__qp = __wdfq_lock_request(req, irqflags))); \
})

/*
 * Status and information, then the state: a reader that sees COMPLETED
 * with an acquire (wdfq_request_is_completed()) sees them final.
 */
static inline void wdfq_request_publish(struct wdfq_request *req, int status,
					size_t info)
{
	req->status = status;
	req->information = info;
	trace_wdfq_request_complete(READ_ONCE(req->queue), req, status, info);
	/* pairs with smp_load_acquire() in wdfq_request_is_completed() */
	smp_store_release(&req->state, WDFQ_RS_COMPLETED);
}

/*
 * The request's caller gave up, for @reason: set the CANCELED bit (a full
 * barrier, as test_and_set_bit() in wdfq_request_cancel()) and trace it
 * the first time. The caller acts on it with wdfq_queue_cancel_locked().
 */
static inline void wdfq_set_canceled_locked(struct wdfq_queue *q,
					    struct wdfq_request *req,
					    enum wdfq_cancel_reason reason)
{
	lockdep_assert_held(&q->lock);
	if (!test_and_set_bit(WDFQ_RA_CANCELED, &req->atomic_flags))
		trace_wdfq_request_cancel(q, req, reason);
}

/* wdfq_device.c */
bool wdfq_in_callback(struct wdfq_device *dev, struct wdfq_queue *q);
bool wdfq_in_device_scope_callback(struct wdfq_device *dev);
void wdfq_frame_push(struct wdfq_device *dev, struct wdfq_frame *f,
		     struct wdfq_queue *q);
void wdfq_frame_pop(struct wdfq_device *dev, struct wdfq_frame *f);
void wdfq_driver_bug(struct wdfq_queue *q, const char *what);
void wdfq_device_bug(struct wdfq_device *dev, const char *what);
void wdfq_request_bug(struct wdfq_request *req, const char *what);

/* wdfq_debugfs.c */
void wdfq_debugfs_init(void);
void wdfq_debugfs_exit(void);
void wdfq_debugfs_add_device(struct wdfq_device *dev);
void wdfq_debugfs_remove_device(struct wdfq_device *dev);

/* wdfq_power.c */
void wdfq_pm_sync(struct wdfq_queue *q);
void wdfq_power_forget_locked(struct wdfq_queue *q, struct wdfq_request *req);
bool wdfq_power_stop_deliver(struct wdfq_queue *q, struct wdfq_request *req,
			     unsigned int *flags);
unsigned int wdfq_power_transit_locked(struct wdfq_queue *q,
				       struct wdfq_request *req);
void wdfq_power_transit_done_locked(struct wdfq_queue *q, unsigned int power);
void wdfq_power_rejoin_locked(struct wdfq_queue *q, struct wdfq_request *req,
			      unsigned int power);

#endif /* _WDFQ_INTERNAL_H */
