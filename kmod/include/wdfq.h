/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wdfq: the KMDF I/O queue model as an in-kernel API.
 *
 * A &struct wdfq_device owns queues and routes each incoming request to one
 * of them by type. A queue presents its requests to the driver through
 * handlers (SEQUENTIAL and PARALLEL dispatch) or holds them until the driver
 * retrieves them (MANUAL dispatch). At any moment a request is queued (owned
 * by the engine), driver-owned (presented or retrieved) or completed, and it
 * is completed exactly once.
 *
 * Handlers, ready notifications, cancel routines and state callbacks run in
 * process context and may sleep; they are never called under an engine
 * spinlock. Completion is allowed from any context, hard interrupts included.
 *
 * This header is the whole public API: a driver includes nothing else of the
 * engine. The contract behind it is Documentation/wdfq/queue-model.rst; a
 * "rule N" in the engine's comments names the section "Rule N" there.
 */
#ifndef _WDFQ_H
#define _WDFQ_H

#include <linux/types.h>

struct device;
struct file;
struct wdfq_device;
struct wdfq_queue;
struct wdfq_request;

/**
 * enum wdfq_request_type - what a request asks for
 * @WDFQ_REQ_READ: read into the request's output buffer
 * @WDFQ_REQ_WRITE: write from the request's input buffer
 * @WDFQ_REQ_IOCTL: device control from user space
 * @WDFQ_REQ_INTERNAL_IOCTL: device control from inside the kernel
 * @WDFQ_REQ_TYPES: number of request types
 */
enum wdfq_request_type {
	WDFQ_REQ_READ,
	WDFQ_REQ_WRITE,
	WDFQ_REQ_IOCTL,
	WDFQ_REQ_INTERNAL_IOCTL,
	WDFQ_REQ_TYPES
};

/**
 * enum wdfq_dispatch - how a queue hands requests to the driver
 * @WDFQ_DISPATCH_SEQUENTIAL: at most one driver-owned request at a time
 * @WDFQ_DISPATCH_PARALLEL: at most &wdfq_queue_config.max_presented
 *	driver-owned requests at a time (0 = unlimited)
 * @WDFQ_DISPATCH_MANUAL: never presents; the driver retrieves requests
 */
enum wdfq_dispatch {
	WDFQ_DISPATCH_SEQUENTIAL,
	WDFQ_DISPATCH_PARALLEL,
	WDFQ_DISPATCH_MANUAL,
};

/**
 * enum wdfq_sync_scope - which callbacks the engine serializes
 * @WDFQ_SYNC_NONE: no serialization; callbacks of one queue may overlap
 * @WDFQ_SYNC_QUEUE: every callback of the queue holds a per-queue mutex
 * @WDFQ_SYNC_DEVICE: every callback of the queue holds the device's mutex,
 *	shared by all queues of the device that use this scope
 *
 * A callback may submit to another device (a filter stacked on another
 * driver): that device may present the request inline, under its own scope
 * mutex, nested in the caller's. Submitting to its own device defers
 * presentation to the device's workqueue.
 */
enum wdfq_sync_scope {
	WDFQ_SYNC_NONE,
	WDFQ_SYNC_QUEUE,
	WDFQ_SYNC_DEVICE,
};

/**
 * enum wdfq_cancel_reason - why a request is canceled, for tracing only
 * @WDFQ_CANCEL_CALLER: the submitter gave up (wdfq_request_cancel())
 * @WDFQ_CANCEL_SIGNAL: a signal interrupted wdfq_request_wait()
 * @WDFQ_CANCEL_CLOSE: its file was cleaned up (wdfq_device_file_cleanup())
 * @WDFQ_CANCEL_PURGE: a purge or stop-and-purge of its queue, a queue
 *	deletion, or a removal's power-down
 * @WDFQ_CANCEL_AIO: an asynchronous call was canceled (io_cancel(2), the
 *	end of its aio context)
 *
 * The reason changes nothing in how the request is canceled: it is shown
 * by the wdfq_request_cancel trace event (Documentation/wdfq/tracing.rst).
 */
enum wdfq_cancel_reason {
	WDFQ_CANCEL_CALLER,
	WDFQ_CANCEL_SIGNAL,
	WDFQ_CANCEL_CLOSE,
	WDFQ_CANCEL_PURGE,
	WDFQ_CANCEL_AIO,
};

/*
 * Flags of wdfq_device_power_down() and &wdfq_queue_ops.io_stop.
 * WDFQ_STOP_PURGE purges the power-managed queues before io_stop (see
 * wdfq_device_power_down()). WDFQ_STOP_CANCELABLE is io_stop's only: the
 * request is marked cancelable as io_stop is called.
 */
#define WDFQ_STOP_SUSPEND	0x1	/* power-down; the device comes back */
#define WDFQ_STOP_PURGE		0x2	/* power-down for removal */
#define WDFQ_STOP_CANCELABLE	0x4	/* the request is marked cancelable */

/**
 * typedef wdfq_io_fn - a presentation handler
 * @q: the queue presenting the request
 * @req: the request, now driver-owned
 *
 * The driver must eventually complete @req, forward it, or (manual queues
 * only) requeue it. It may do so before returning.
 */
typedef void (*wdfq_io_fn)(struct wdfq_queue *q, struct wdfq_request *req);

/**
 * typedef wdfq_queue_state_fn - a queue state callback
 * @q: the queue
 * @context: the pointer given when the callback was registered
 *
 * Used for ready notification and for the completion callbacks of stop,
 * drain, purge and stop-and-purge.
 */
typedef void (*wdfq_queue_state_fn)(struct wdfq_queue *q, void *context);

/**
 * typedef wdfq_cancel_fn - a driver cancel routine
 * @req: the driver-owned request whose caller gave up, or that a purge
 *	cancels
 *
 * Runs in process context, never concurrently with a successful
 * wdfq_request_unmark_cancelable(). The driver owns @req and must complete it.
 */
typedef void (*wdfq_cancel_fn)(struct wdfq_request *req);

/**
 * typedef wdfq_done_fn - submitter's completion notification
 * @req: the request, now completed
 * @data: the pointer given to wdfq_request_set_done()
 *
 * Called once, in the context of whoever completed the request: possibly a
 * hard interrupt, so only raw-spinlock-safe work is allowed (complete(),
 * queue_work(), irq_work_queue()).
 */
typedef void (*wdfq_done_fn)(struct wdfq_request *req, void *data);

/**
 * struct wdfq_queue_ops - a queue's handlers
 * @io_read: handler for READ requests
 * @io_write: handler for WRITE requests
 * @io_ioctl: handler for IOCTL requests
 * @io_internal_ioctl: handler for INTERNAL_IOCTL requests
 * @io_default: handler for types whose own handler is absent
 * @io_stop: told once per driver-owned request at a forced power-down;
 *	@flags holds WDFQ_STOP_*, with WDFQ_STOP_CANCELABLE computed as it
 *	is called (with the scope's mutex, if any, held: a callback that
 *	marked or unmarked the request meanwhile has finished). The driver
 *	answers with wdfq_request_stop_acknowledge() or by completing the
 *	request. As in KMDF, it is called only when no presentation handler
 *	of the queue is running, so never before or during the request's own
 *	presentation, whatever the scope; and not for a request whose cancel
 *	routine has been claimed (the routine completes it), nor for one
 *	completed meanwhile.
 * @io_resume: called after power-on for each request acknowledged without
 *	requeue
 * @io_canceled_on_queue: receives a queued request that was presented
 *	before (forwarded here by the driver) when its caller gives up; the
 *	driver owns it and must complete it
 *
 * Every member may be NULL. The queue keeps a pointer to the table, not a
 * copy: define it static const, so that it outlives the queue.
 */
struct wdfq_queue_ops {
	wdfq_io_fn io_read;
	wdfq_io_fn io_write;
	wdfq_io_fn io_ioctl;
	wdfq_io_fn io_internal_ioctl;
	wdfq_io_fn io_default;
	void (*io_stop)(struct wdfq_queue *q, struct wdfq_request *req,
			unsigned int flags);
	wdfq_io_fn io_resume;
	wdfq_io_fn io_canceled_on_queue;
};

/**
 * struct wdfq_queue_config - how a queue behaves
 * @name: name for logs and debugging
 * @dispatch: dispatch type
 * @max_presented: PARALLEL only: most driver-owned requests, 0 = unlimited;
 *	1 behaves exactly like SEQUENTIAL
 * @scope: synchronization scope of the queue's callbacks
 * @power_managed: hold the device awake while the queue has work, present
 *	only while the device is powered
 * @allow_zero_length: present zero-length reads and writes instead of
 *	completing them with 0 when they would be presented or retrieved
 *	(as in KMDF, they wait in the queue like any other request until then)
 * @default_queue: receive every request type the device routes nowhere else
 * @ops: the queue's handlers, or NULL for none; must stay valid until the
 *	queue is deleted (see &struct wdfq_queue_ops)
 * @context: driver data, returned by wdfq_queue_context()
 *
 * A MANUAL queue with any presentation handler is a configuration error, and
 * so is a SEQUENTIAL or PARALLEL queue with none.
 */
struct wdfq_queue_config {
	const char *name;
	enum wdfq_dispatch dispatch;
	unsigned int max_presented;
	enum wdfq_sync_scope scope;
	bool power_managed;
	bool allow_zero_length;
	bool default_queue;
	const struct wdfq_queue_ops *ops;
	void *context;
};

/**
 * struct wdfq_device_config - how a device is set up
 * @name: name of the device's workqueue and of its log messages
 * @pm_dev: device whose runtime PM the power-managed queues drive, or NULL
 *	for a device that is always powered
 * @request_ctx_size: bytes of driver context in each request, see
 *	wdfq_request_ctx()
 * @context: driver data, returned by wdfq_device_context()
 */
struct wdfq_device_config {
	const char *name;
	struct device *pm_dev;
	size_t request_ctx_size;
	void *context;
};

/**
 * struct wdfq_queue_state - snapshot of a queue's state and counters
 * @accepting: new requests are taken
 * @dispatching: requests are presented or may be retrieved
 * @powered: the queue is not held off by the device's power state
 * @queued: requests on the queue, including ones being canceled
 * @driver_owned: requests presented or retrieved and not yet completed,
 *	forwarded or requeued
 * @max_driver_owned: highest @driver_owned seen
 * @arrived: requests that came in from outside (submit)
 * @presented: presentations and retrievals
 * @completed: requests the driver completed, and those the engine completed
 *	itself (on arrival at a queue not accepting; zero-length ones where
 *	they would be presented or retrieved)
 * @canceled: queued requests the engine completed as canceled
 * @forwarded_in: requests forwarded onto this queue from another
 * @forwarded_out: requests forwarded from this queue to another
 * @driver_bugs: driver bugs reported against this queue (rule 13)
 *
 * The counters balance at every instant the queue lock is free:
 * @arrived + @forwarded_in = @completed + @canceled + @forwarded_out +
 * @queued + @driver_owned.
 */
struct wdfq_queue_state {
	bool accepting;
	bool dispatching;
	bool powered;
	u32 queued;
	u32 driver_owned;
	u32 max_driver_owned;
	u64 arrived;
	u64 presented;
	u64 completed;
	u64 canceled;
	u64 forwarded_in;
	u64 forwarded_out;
	u64 driver_bugs;
};

/* Devices */

/**
 * wdfq_device_create() - create an engine device
 * @cfg: configuration; copied
 *
 * The device starts powered. If @cfg->pm_dev is set, power-managed queues
 * take runtime-PM usage references on it while they have work, and the
 * driver reports power transitions with wdfq_device_power_down() and
 * wdfq_device_power_up() from its PM callbacks.
 *
 * Context: process context.
 * Return: the device, or an ERR_PTR() (-ENOMEM, -EINVAL).
 */
struct wdfq_device *wdfq_device_create(const struct wdfq_device_config *cfg);

/**
 * wdfq_device_delete() - delete a device and all its queues
 * @dev: the device
 *
 * Deletes every queue as wdfq_queue_delete() does, then frees the device.
 * Called from a callback of @dev it would wait for itself: it is refused,
 * reported as a driver bug, and returns at once with nothing deleted.
 * Context: process context, outside every callback of @dev; sleeps.
 */
void wdfq_device_delete(struct wdfq_device *dev);

/**
 * wdfq_device_flush() - wait for the device's deferred work
 * @dev: the device
 *
 * Returns once every work item the engine had queued on the device's
 * workqueue when called has finished: the presentations, cancel routines
 * and state callbacks deferred to it have run. Work queued later, and
 * callbacks running in other tasks (the driver's own threads, timers), are
 * not waited for. For tests that check that nothing more happens, and for
 * a driver that wants its queues quiet before it changes its own state.
 * Called from a callback of @dev it would wait for itself: it is refused,
 * reported as a driver bug, and returns at once.
 * Context: process context, outside every callback of @dev; sleeps.
 */
void wdfq_device_flush(struct wdfq_device *dev);

/**
 * wdfq_device_context() - driver data given at creation
 * @dev: the device
 *
 * Return: &wdfq_device_config.context.
 */
void *wdfq_device_context(struct wdfq_device *dev);

/**
 * wdfq_device_route() - send every request of a type to a queue
 * @dev: the device
 * @type: request type
 * @q: queue of @dev, or NULL to fall back to the default queue again
 *
 * A SEQUENTIAL or PARALLEL queue must have a handler for @type (or
 * io_default). Context: process context.
 * Return: 0, or -EINVAL for a bad type, a foreign queue or a missing
 * handler.
 */
int wdfq_device_route(struct wdfq_device *dev, enum wdfq_request_type type,
		      struct wdfq_queue *q);

/**
 * wdfq_device_submit() - hand a new request to the device
 * @dev: the device
 * @req: a request from wdfq_request_alloc(), not yet submitted
 *
 * Routes @req to the queue configured for its type, else to the default
 * queue. The request always completes, possibly before this returns:
 * with -ENOTTY when no queue or handler takes its type, -ESHUTDOWN when the
 * queue does not accept, 0 with no bytes for a zero-length read or write
 * once it would be presented or retrieved (unless the queue allows them),
 * otherwise as the driver decides.
 *
 * Outside the callbacks of @dev (a callback of another device included),
 * @req may be presented inline in the caller when it is next in its queue
 * and the queue's scope mutex is free; from inside a callback of @dev it is
 * deferred to the device's workqueue. The callbacks of other requests
 * (handlers, cancel routines, io_stop, state callbacks) never run in the
 * caller's task: they run in the device's workqueue.
 *
 * Context: process context; may sleep.
 */
void wdfq_device_submit(struct wdfq_device *dev, struct wdfq_request *req);

/**
 * wdfq_device_file_cleanup() - cancel the queued requests of a file
 * @dev: the device
 * @file: the file being released
 *
 * Every queued request of every queue of @dev that came from @file is
 * canceled as if its caller had given up (see wdfq_request_cancel()).
 * Driver-owned requests are not touched. Context: process context.
 */
void wdfq_device_file_cleanup(struct wdfq_device *dev, struct file *file);

/**
 * wdfq_device_power_down() - the device is about to lose power
 * @dev: the device
 * @flags: WDFQ_STOP_SUSPEND, or WDFQ_STOP_PURGE when it is being removed
 *
 * Power-managed queues stop presenting (retrieval reports -EBUSY). For each
 * driver-owned request of those queues the queue's io_stop handler is
 * called once with @flags (plus WDFQ_STOP_CANCELABLE if the request is
 * marked cancelable); the call returns when every such request has been
 * acknowledged with wdfq_request_stop_acknowledge() or completed. A queue
 * without io_stop waits for its requests to complete. Calling it again
 * while powered down does nothing, unless @flags has WDFQ_STOP_PURGE.
 * io_stop waits until no presentation handler of its queue is running.
 *
 * With WDFQ_STOP_PURGE (removal), each power-managed queue is first purged
 * as by wdfq_queue_purge(), as KMDF does: queued requests are canceled,
 * cancelable driver-owned ones get their cancel routine instead of
 * io_stop, new requests complete with -ESHUTDOWN, and an acknowledgment
 * with requeue cancels the request. The queues stay purged after
 * wdfq_device_power_up() until wdfq_queue_start(). Queues that are not
 * power-managed are left alone (wdfq_device_delete() purges them). Like
 * KMDF at removal, this is done even when the device is already down
 * (once per queue): the requests the driver kept through the earlier
 * power-down get io_stop again, with WDFQ_STOP_PURGE.
 *
 * The wait is not made under the device's lock: meanwhile callbacks of any
 * scope may call wdfq_device_route(), wdfq_queue_create(),
 * wdfq_queue_delete() and wdfq_device_file_cleanup(). Power-down and
 * power-up are serialized with each other.
 *
 * Context: process context (a runtime or system PM callback), outside
 * every callback of @dev; sleeps.
 */
void wdfq_device_power_down(struct wdfq_device *dev, unsigned int flags);

/**
 * wdfq_device_power_up() - the device has power again
 * @dev: the device
 *
 * Every power-managed queue is marked powered before any of them restarts;
 * then requests acknowledged without requeue get io_resume, ready
 * notification is re-armed on non-empty manual queues, and presentation
 * resumes. Queues purged by a WDFQ_STOP_PURGE power-down still do not
 * accept until started. Context: process context, outside every callback
 * of @dev.
 */
void wdfq_device_power_up(struct wdfq_device *dev);

/* Queues */

/**
 * wdfq_queue_create() - create a queue on a device
 * @dev: the device
 * @cfg: configuration; copied, except the table at @cfg->ops, which is
 *	referenced and must outlive the queue
 *
 * The queue starts accepting and dispatching. If @cfg->default_queue is set
 * it becomes the device's default queue.
 *
 * Context: process context.
 * Return: the queue, or an ERR_PTR(): -EINVAL for an invalid configuration
 * (a MANUAL queue with handlers, a presenting queue without any, two default
 * queues, an unknown dispatch type or scope), -ENOMEM.
 */
struct wdfq_queue *wdfq_queue_create(struct wdfq_device *dev,
				     const struct wdfq_queue_config *cfg);

/**
 * wdfq_queue_delete() - purge a queue and free it
 * @q: the queue
 *
 * Stops accepting, cancels queued requests and the cancelable driver-owned
 * ones, waits until every request has completed and every callback and work
 * item of the queue has finished, releases its power reference, then frees
 * it. Called from one of the queue's own callbacks (or, for a DEVICE-scope
 * queue, from any DEVICE-scope callback) it would wait for itself: it is
 * refused, reported as a driver bug, and the queue stays as it was, to be
 * deleted later from outside, or with its device.
 * Context: process context, outside the queue's callbacks; sleeps.
 */
void wdfq_queue_delete(struct wdfq_queue *q);

/**
 * wdfq_queue_context() - driver data given at creation
 * @q: the queue
 *
 * Return: &wdfq_queue_config.context.
 */
void *wdfq_queue_context(struct wdfq_queue *q);

/**
 * wdfq_queue_device() - the device that owns a queue
 * @q: the queue
 *
 * Return: the owning device.
 */
struct wdfq_device *wdfq_queue_device(struct wdfq_queue *q);

/**
 * wdfq_queue_submit() - hand a new request to one queue, bypassing routing
 * @q: the queue
 * @req: a request of @q's device, not yet submitted
 *
 * Like wdfq_device_submit(), but the request goes to @q whatever its type.
 * Context: process context; may sleep.
 */
void wdfq_queue_submit(struct wdfq_queue *q, struct wdfq_request *req);

/**
 * wdfq_queue_start() - accept and dispatch
 * @q: the queue
 *
 * Re-arms ready notification if requests are queued. As in KMDF, a purge
 * or stop-and-purge that has not finished yet no longer cancels: requests
 * marked cancelable, requeued or arriving afterwards are served. Its
 * callback still fires once its condition holds. Does nothing on a queue
 * being deleted. Context: any.
 */
void wdfq_queue_start(struct wdfq_queue *q);

/**
 * wdfq_queue_stop() - keep accepting, stop dispatching
 * @q: the queue
 * @fn: called once no request of @q is driver-owned, or NULL
 * @ctx: passed to @fn
 *
 * Queued requests stay queued. @fn runs in process context from the
 * engine, never inside this call. Context: any.
 * Return: 0; -EBUSY if a stop callback is already pending; -ENODEV if the
 * queue is being deleted.
 */
int wdfq_queue_stop(struct wdfq_queue *q, wdfq_queue_state_fn fn, void *ctx);

/**
 * wdfq_queue_stop_sync() - stop and wait until nothing is driver-owned
 * @q: the queue
 *
 * Context: process context; sleeps.
 * Return: 0; -EBUSY or -ENODEV as wdfq_queue_stop(); -EDEADLK (with a
 * one-time warning) when called from one of @q's own callbacks, or from any
 * DEVICE-scope callback of the device when @q has DEVICE scope.
 */
int wdfq_queue_stop_sync(struct wdfq_queue *q);

/**
 * wdfq_queue_drain() - stop accepting, finish what is there
 * @q: the queue
 * @fn: called once nothing is queued or driver-owned, or NULL
 * @ctx: passed to @fn
 *
 * The dispatching state is left as it is: a stopped queue that is drained
 * finishes draining only once started. New requests complete with
 * -ESHUTDOWN. Context: any.
 * Return: 0; -EBUSY if a drain or purge callback is already pending;
 * -ENODEV if the queue is being deleted.
 */
int wdfq_queue_drain(struct wdfq_queue *q, wdfq_queue_state_fn fn, void *ctx);

/**
 * wdfq_queue_drain_sync() - drain and wait
 * @q: the queue
 *
 * Context: process context; sleeps.
 * Return: as wdfq_queue_drain(), or -EDEADLK as wdfq_queue_stop_sync().
 */
int wdfq_queue_drain_sync(struct wdfq_queue *q);

/**
 * wdfq_queue_purge() - stop accepting and cancel everything
 * @q: the queue
 * @fn: called once nothing is queued or driver-owned, or NULL
 * @ctx: passed to @fn
 *
 * Queued requests are canceled (completed with -ECANCELED, or handed to
 * io_canceled_on_queue if they were presented before); driver-owned
 * requests marked cancelable get their cancel routine. Until the purge
 * finishes, wdfq_request_requeue() and wdfq_request_mark_cancelable() turn
 * into cancellation. Context: any.
 * Return: as wdfq_queue_drain().
 */
int wdfq_queue_purge(struct wdfq_queue *q, wdfq_queue_state_fn fn, void *ctx);

/**
 * wdfq_queue_purge_sync() - purge and wait
 * @q: the queue
 *
 * Context: process context; sleeps.
 * Return: as wdfq_queue_purge(), or -EDEADLK as wdfq_queue_stop_sync().
 */
int wdfq_queue_purge_sync(struct wdfq_queue *q);

/**
 * wdfq_queue_stop_and_purge() - stop, and cancel what is there now
 * @q: the queue
 * @fn: called once no request of @q is driver-owned, or NULL
 * @ctx: passed to @fn
 *
 * Cancels the requests queued at the time of the call and the cancelable
 * driver-owned ones; keeps accepting; dispatches nothing until started.
 * Context: any.
 * Return: as wdfq_queue_stop().
 */
int wdfq_queue_stop_and_purge(struct wdfq_queue *q, wdfq_queue_state_fn fn,
			      void *ctx);

/**
 * wdfq_queue_stop_and_purge_sync() - stop-and-purge and wait
 * @q: the queue
 *
 * Context: process context; sleeps.
 * Return: as wdfq_queue_stop_and_purge(), or -EDEADLK as
 * wdfq_queue_stop_sync().
 */
int wdfq_queue_stop_and_purge_sync(struct wdfq_queue *q);

/**
 * wdfq_queue_ready_notify() - register or remove a manual queue's ready callback
 * @q: a MANUAL queue
 * @fn: the callback, or NULL to remove it
 * @ctx: passed to @fn
 *
 * @fn runs each time the queued count goes from 0 to 1 while the queue
 * dispatches and is powered, after start and power-up if requests are
 * queued, and on the next insertion after a retrieval that found nothing
 * while requests were still being canceled. It must retrieve until
 * retrieval reports -ENOENT. It may run before this call returns. With
 * scope NONE two runs may overlap; with QUEUE or DEVICE scope they never do.
 *
 * Context: process context.
 * Return: 0; -EINVAL if @q is not MANUAL or there is nothing to remove;
 * -EBUSY if a callback is already registered, or on removal while the queue
 * is dispatching (stop it first).
 */
int wdfq_queue_ready_notify(struct wdfq_queue *q, wdfq_queue_state_fn fn,
			    void *ctx);

/**
 * wdfq_queue_retrieve_next() - take the request at the head of a queue
 * @q: a MANUAL or SEQUENTIAL queue
 * @reqp: receives the request, now driver-owned
 *
 * Zero-length reads and writes met on the way are completed with 0 (unless
 * the queue allows them), as KMDF does. Context: any.
 * Return: 0; -ENOENT if nothing is queued; -EBUSY if the queue is stopped
 * or powered off; -EINVAL on a PARALLEL queue.
 */
int wdfq_queue_retrieve_next(struct wdfq_queue *q, struct wdfq_request **reqp);

/**
 * wdfq_queue_retrieve_by_file() - take the first request of a file
 * @q: a MANUAL or SEQUENTIAL queue
 * @file: the file
 * @reqp: receives the request, now driver-owned
 *
 * Context: any.
 * Return: as wdfq_queue_retrieve_next().
 */
int wdfq_queue_retrieve_by_file(struct wdfq_queue *q, struct file *file,
				struct wdfq_request **reqp);

/**
 * wdfq_queue_find_request() - look at a queued request without taking it
 * @q: the queue
 * @after: start after this queued request, or NULL to start at the head
 * @file: only requests of this file, or NULL for any
 * @foundp: receives the request, with a reference the caller must drop with
 *	wdfq_request_put()
 *
 * The request stays queued; take it with wdfq_queue_retrieve_found().
 * Context: any.
 * Return: 0; -ENOENT if there is no such request or @after is no longer
 * queued on @q.
 */
int wdfq_queue_find_request(struct wdfq_queue *q, struct wdfq_request *after,
			    struct file *file, struct wdfq_request **foundp);

/**
 * wdfq_queue_retrieve_found() - take a request found by wdfq_queue_find_request()
 * @q: a MANUAL queue
 * @found: the request
 *
 * The caller still drops its reference from the find. A zero-length read
 * or write is completed with 0 instead (unless the queue allows them).
 * Context: any.
 * Return: 0 and @found is driver-owned; -ENOENT if it is no longer queued
 * on @q (retrieved, canceled or completed meanwhile, or zero-length);
 * -EBUSY as wdfq_queue_retrieve_next(); -EINVAL on a queue that is not
 * MANUAL (as in KMDF 1.11 and later: a presenting queue's requests are the
 * dispatcher's).
 */
int wdfq_queue_retrieve_found(struct wdfq_queue *q,
			      struct wdfq_request *found);

/**
 * wdfq_queue_get_state() - snapshot of state and counters
 * @q: the queue
 * @st: filled in, consistent under the queue lock
 *
 * Context: any.
 */
void wdfq_queue_get_state(struct wdfq_queue *q, struct wdfq_queue_state *st);

/**
 * wdfq_queue_reset_stats() - restart the counters from the current state
 * @q: the queue
 *
 * @arrived becomes @queued + @driver_owned, @max_driver_owned becomes
 * @driver_owned, and every other counter 0, so the balance still holds.
 * Context: any.
 */
void wdfq_queue_reset_stats(struct wdfq_queue *q);

/* Requests: the submitter's side */

/**
 * wdfq_request_alloc() - allocate a request
 * @dev: the device it will be submitted to
 * @type: request type
 * @file: the file it comes from, or NULL
 * @gfp: allocation flags
 *
 * The caller holds one reference, dropped with wdfq_request_put() once it no
 * longer needs the request (after completion, or instead of submitting it).
 * The driver context (&wdfq_device_config.request_ctx_size bytes) is zeroed.
 *
 * Return: the request, or an ERR_PTR() (-ENOMEM, or -EINVAL for an unknown
 * @type).
 */
struct wdfq_request *wdfq_request_alloc(struct wdfq_device *dev,
					enum wdfq_request_type type,
					struct file *file, gfp_t gfp);

/**
 * wdfq_request_set_buffers() - attach the data buffers
 * @req: a request not yet submitted
 * @in: data for the driver (WRITE, IOCTL input), or NULL
 * @in_len: bytes at @in
 * @out: room for the driver's answer (READ, IOCTL output), or NULL
 * @out_len: bytes at @out
 *
 * The buffers are kernel memory that must stay valid until completion.
 */
void wdfq_request_set_buffers(struct wdfq_request *req, const void *in,
			      size_t in_len, void *out, size_t out_len);

/**
 * wdfq_request_set_ioctl_code() - set the control code of an IOCTL request
 * @req: a request not yet submitted
 * @code: the code
 */
void wdfq_request_set_ioctl_code(struct wdfq_request *req, unsigned int code);

/**
 * wdfq_request_set_done() - be told when the request completes
 * @req: a request not yet submitted
 * @fn: called once at completion, in the completer's context (see
 *	&wdfq_done_fn)
 * @data: passed to @fn
 */
void wdfq_request_set_done(struct wdfq_request *req, wdfq_done_fn fn,
			   void *data);

/**
 * wdfq_request_wait() - sleep until a submitted request completes
 * @req: the request
 *
 * If a signal arrives first, the request is canceled as by
 * wdfq_request_cancel() and the call keeps waiting, uninterruptibly, until
 * the request completes (the driver must complete a driver-owned request
 * that it did not mark cancelable). The sleep is freezable: system sleep
 * freezes the caller in place and the request stays where it is (queued,
 * or driver-owned and handed to io_stop). Waiting again, or from several
 * tasks, returns at once when the request has completed. The cancellation
 * runs no driver callback of another request in the caller's task (whose
 * signal is pending): those run in the device's workqueue.
 *
 * Context: process context; sleeps.
 * Return: 0 when the request completed on its own; -ERESTARTSYS when a
 * signal canceled it (its status is then -ECANCELED). A request that
 * completed successfully despite the signal returns 0: no data is lost.
 */
int wdfq_request_wait(struct wdfq_request *req);

/**
 * wdfq_request_wait_nofreeze() - wait for a request, not freezable
 * @req: the request
 *
 * As wdfq_request_wait(), but the sleep is not freezable: for a caller
 * that may hold locks while it waits, such as a file operation called by
 * io_uring's inline issue (``IOCB_NOWAIT``) under the ring's submission
 * lock. A task frozen there would keep the lock through system sleep. The
 * freezer's wake-up then interrupts the wait like a signal: the request
 * is canceled and the call waits, uninterruptibly and still not
 * freezable, until it completes. Use it only where the request completes
 * or can be canceled without help from user space (frozen first), e.g.
 * one the caller has canceled itself already.
 *
 * Context: process context; sleeps.
 * Return: as wdfq_request_wait(); -ERESTARTSYS also when system sleep
 * interrupted the wait and canceled the request.
 */
int wdfq_request_wait_nofreeze(struct wdfq_request *req);

/**
 * wdfq_request_cancel() - the caller gives up on a submitted request
 * @req: the request
 *
 * Queued: it is removed and completed with -ECANCELED, unless it was
 * presented before and its queue has io_canceled_on_queue, which then
 * receives it. Driver-owned and marked cancelable: its cancel routine runs.
 * Driver-owned otherwise: it is flagged (wdfq_request_is_canceled(), and
 * wdfq_request_mark_cancelable() fails). Completed: nothing happens.
 * Callbacks run later from the engine when called from atomic context or
 * from a callback. Context: any.
 */
void wdfq_request_cancel(struct wdfq_request *req);

/**
 * wdfq_request_cancel_now() - give up on a request, the engine's part now
 * @req: the request
 *
 * As wdfq_request_cancel(), but the engine's own part of the cancellation
 * runs in the caller's task before the call returns: a queued request for
 * which no driver callback is due (see Rule 11 of
 * Documentation/wdfq/queue-model.rst) is completed with -ECANCELED here,
 * so a caller that must not sleep (an ``IOCB_NOWAIT`` read) takes its own
 * request back at once. What needs a driver callback (a cancel routine,
 * io_canceled_on_queue) still runs in the device's workqueue, and so does
 * everything when another thread is in the queue's dispatch loop or the
 * caller is inside one of the device's callbacks.
 *
 * Context: process context, not under a spinlock; may take the queue's
 * power mutex briefly.
 * Return: true if the request has completed when the call returns (by this
 * cancel or before it); false if it is still driver-owned or its
 * cancellation was left to the workqueue: wait for it.
 */
bool wdfq_request_cancel_now(struct wdfq_request *req);

/**
 * wdfq_request_cancel_reason() - wdfq_request_cancel(), saying why
 * @req: the request
 * @reason: why its caller gives up, shown by the trace event
 *
 * Exactly wdfq_request_cancel(), which is this with %WDFQ_CANCEL_CALLER.
 * Context: any.
 */
void wdfq_request_cancel_reason(struct wdfq_request *req,
				enum wdfq_cancel_reason reason);

/**
 * wdfq_request_is_completed() - has the request completed
 * @req: the request
 *
 * Needs no lock: it reads the state with acquire semantics, and the state
 * is published after the status and information.
 * Return: true once completed; its status and information are then final.
 */
bool wdfq_request_is_completed(struct wdfq_request *req);

/**
 * wdfq_request_put() - drop a reference; the last one frees the request
 * @req: the request, or NULL
 *
 * The memory is freed at once only from a preemptible context; from any
 * other (interrupts, bottom halves, preemption off, a raw spinlock held)
 * after an RCU grace period, since the slab allocator may sleep on
 * PREEMPT_RT. Context: any.
 */
void wdfq_request_put(struct wdfq_request *req);

/* Requests: the driver's side */

/**
 * wdfq_request_id() - the request's id
 * @req: the request
 *
 * Unique among the requests allocated since the engine was loaded (a
 * global counter, from 1), fixed at allocation: the "req" field of the
 * engine's trace events, for following one request's life in a trace.
 *
 * Return: the id.
 */
u64 wdfq_request_id(struct wdfq_request *req);

/**
 * wdfq_request_type() - the request's type
 * @req: the request
 *
 * Return: its &enum wdfq_request_type.
 */
enum wdfq_request_type wdfq_request_type(struct wdfq_request *req);

/**
 * wdfq_request_file() - the file the request came from
 * @req: the request
 *
 * Return: the file, or NULL.
 */
struct file *wdfq_request_file(struct wdfq_request *req);

/**
 * wdfq_request_ioctl_code() - the control code of an IOCTL request
 * @req: the request
 *
 * Return: the code, 0 for other types.
 */
unsigned int wdfq_request_ioctl_code(struct wdfq_request *req);

/**
 * wdfq_request_in_buf() - the data the caller gave
 * @req: the request
 * @len: receives its length, if not NULL
 *
 * Return: the input buffer, or NULL.
 */
const void *wdfq_request_in_buf(struct wdfq_request *req, size_t *len);

/**
 * wdfq_request_out_buf() - room for the driver's answer
 * @req: the request
 * @len: receives its length, if not NULL
 *
 * Return: the output buffer, or NULL.
 */
void *wdfq_request_out_buf(struct wdfq_request *req, size_t *len);

/**
 * wdfq_request_ctx() - the driver's per-request context
 * @req: the request
 *
 * Return: &wdfq_device_config.request_ctx_size bytes, aligned for any type.
 */
void *wdfq_request_ctx(struct wdfq_request *req);

/**
 * wdfq_request_queue() - the queue the request is on or was taken from
 * @req: the request
 *
 * Return: the queue, or NULL before submission.
 */
struct wdfq_queue *wdfq_request_queue(struct wdfq_request *req);

/**
 * wdfq_request_status() - completion status
 * @req: a completed request
 *
 * Return: 0 or a negative errno.
 */
int wdfq_request_status(struct wdfq_request *req);

/**
 * wdfq_request_information() - completion information (bytes transferred)
 * @req: a completed request
 *
 * Return: the value given at completion.
 */
size_t wdfq_request_information(struct wdfq_request *req);

/**
 * wdfq_request_complete() - complete a driver-owned request
 * @req: the request
 * @status: 0 or a negative errno
 * @information: bytes transferred, or other type-specific information
 *
 * The request must be driver-owned and not marked cancelable. Completing a
 * queued or already completed request, or a cancelable one, is a driver bug:
 * it is reported (with WARN_ONCE()) and counted against the queue, and
 * nothing else happens, except that a cancelable request is unmarked and
 * completed. The queue's next request may be presented from the engine's
 * workqueue. Context: any, hard interrupts included.
 * Return: 0, or -EINVAL on a driver bug.
 */
int wdfq_request_complete(struct wdfq_request *req, int status,
			  size_t information);

/**
 * wdfq_request_forward() - move a driver-owned request to another queue
 * @req: a driver-owned request, not marked cancelable
 * @dest: another queue of the same device
 *
 * @req goes to the tail of @dest and stops counting against its queue once
 * @dest has it. It stays marked as presented, so a later cancellation while
 * queued on @dest goes to @dest's io_canceled_on_queue if it has one.
 * Context: any.
 * Return: 0; -ESHUTDOWN if @dest does not accept (the driver still owns
 * @req, and a power-down in progress still sends it io_stop); -ECANCELED if
 * its cancel routine was claimed (it runs or ran, and completes @req; a
 * driver bug, reported); -EINVAL if @req is not driver-owned, is
 * cancelable, or @dest is its own queue or on another device.
 */
int wdfq_request_forward(struct wdfq_request *req, struct wdfq_queue *dest);

/**
 * wdfq_request_requeue() - put a retrieved request back at the head
 * @req: a driver-owned request of a MANUAL queue, not marked cancelable
 *
 * While the queue is purging, the request is canceled instead (see
 * wdfq_request_cancel()) and the call still returns 0. Putting back the only
 * request is a 0 -> 1 transition that fires ready notification again, as in
 * KMDF: a ready callback should not requeue what it cannot serve yet, but
 * look with wdfq_queue_find_request() and leave it queued. Context: any.
 * Return: 0; -ECANCELED if the cancel routine of @req was claimed (as for
 * wdfq_request_forward()); -EINVAL if the queue is not MANUAL or @req is
 * not driver-owned or is cancelable.
 */
int wdfq_request_requeue(struct wdfq_request *req);

/**
 * wdfq_request_mark_cancelable() - let the caller's cancellation reach the driver
 * @req: a driver-owned request
 * @fn: cancel routine, see &wdfq_cancel_fn
 *
 * Context: any.
 * Return: 0; -ECANCELED if the request is already canceled or its queue is
 * purging (@fn is not called; the driver still owns and must complete
 * @req); -EINVAL if @req is not driver-owned or already cancelable.
 */
int wdfq_request_mark_cancelable(struct wdfq_request *req, wdfq_cancel_fn fn);

/**
 * wdfq_request_unmark_cancelable() - take cancellation back
 * @req: a request marked cancelable
 *
 * Context: any.
 * Return: 0; -ECANCELED if the cancel routine won (it runs or ran, and
 * completes the request: the caller must not complete it); -EINVAL if @req
 * was not marked cancelable.
 */
int wdfq_request_unmark_cancelable(struct wdfq_request *req);

/**
 * wdfq_request_is_canceled() - has the caller given up on the request
 * @req: the request
 *
 * Return: true once it has been canceled by its caller, a purge or a file
 * cleanup.
 */
bool wdfq_request_is_canceled(struct wdfq_request *req);

/**
 * wdfq_request_stop_acknowledge() - answer io_stop
 * @req: the request io_stop was called for
 * @requeue: put it back at the head of its queue, to be presented again
 *	after power-up; otherwise the driver keeps it and gets io_resume
 *	after power-up
 *
 * A requeue of a request still cancelable, or whose cancel routine was
 * claimed, is a driver bug: it is reported and the request is kept, as
 * with @requeue false. Acknowledging a request that got no io_stop, or is
 * completed, is reported and ignored. Context: any.
 */
void wdfq_request_stop_acknowledge(struct wdfq_request *req, bool requeue);

#endif /* _WDFQ_H */
