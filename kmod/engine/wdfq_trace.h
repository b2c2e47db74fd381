/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace events of the queue engine, system "wdfq" (events/wdfq/ in
 * tracefs); the reference driver adds its ISR and DPC events to the same
 * system (kmod/driver/drv_trace.h). Documentation/wdfq/tracing.rst lists
 * them.
 *
 * Every event has the strings "dev" (the device's name) and "queue" (the
 * queue's name, "" when none); every request event the u64 "req", the
 * request's id (wdfq_request_id()), so that one request's life can be
 * followed from arrive to its one complete.
 *
 * Request events are emitted with the request's queue lock held and the
 * request not yet completed (complete itself marks the end), so that with
 * a global trace clock they appear in the order they happened. Included
 * through wdfq_internal.h; wdfq_trace.c creates the events.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM wdfq

#if !defined(_WDFQ_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _WDFQ_TRACE_H

#include <linux/tracepoint.h>

#include <wdfq_compat.h>
#include <wdfq.h>

/* Enum values in the formats, for user-space tools that parse them. */
TRACE_DEFINE_ENUM(WDFQ_REQ_READ);
TRACE_DEFINE_ENUM(WDFQ_REQ_WRITE);
TRACE_DEFINE_ENUM(WDFQ_REQ_IOCTL);
TRACE_DEFINE_ENUM(WDFQ_REQ_INTERNAL_IOCTL);
TRACE_DEFINE_ENUM(WDFQ_CANCEL_CALLER);
TRACE_DEFINE_ENUM(WDFQ_CANCEL_SIGNAL);
TRACE_DEFINE_ENUM(WDFQ_CANCEL_CLOSE);
TRACE_DEFINE_ENUM(WDFQ_CANCEL_PURGE);
TRACE_DEFINE_ENUM(WDFQ_CANCEL_AIO);

#define wdfq_show_type(t)						\
	__print_symbolic(t,						\
			 { WDFQ_REQ_READ, "read" },			\
			 { WDFQ_REQ_WRITE, "write" },			\
			 { WDFQ_REQ_IOCTL, "ioctl" },			\
			 { WDFQ_REQ_INTERNAL_IOCTL, "internal_ioctl" })

#define wdfq_show_reason(r)						\
	__print_symbolic(r,						\
			 { WDFQ_CANCEL_CALLER, "caller" },		\
			 { WDFQ_CANCEL_SIGNAL, "signal" },		\
			 { WDFQ_CANCEL_CLOSE, "close" },		\
			 { WDFQ_CANCEL_PURGE, "purge" },		\
			 { WDFQ_CANCEL_AIO, "aio" })

#define wdfq_show_stop_flags(f)						\
	__print_flags(f, "|",						\
		      { WDFQ_STOP_SUSPEND, "suspend" },			\
		      { WDFQ_STOP_PURGE, "purge" },			\
		      { WDFQ_STOP_CANCELABLE, "cancelable" })

/* The queue state change that finished (wdfq_queue_done) */
#define WDFQ_TRACE_STOP			0
#define WDFQ_TRACE_STOP_AND_PURGE	1
#define WDFQ_TRACE_DRAIN		2
#define WDFQ_TRACE_PURGE		3

#define wdfq_show_change(c)						\
	__print_symbolic(c,						\
			 { WDFQ_TRACE_STOP, "stop" },			\
			 { WDFQ_TRACE_STOP_AND_PURGE, "stop_and_purge" }, \
			 { WDFQ_TRACE_DRAIN, "drain" },			\
			 { WDFQ_TRACE_PURGE, "purge" })

/* Requests: dev, queue, req, type */
DECLARE_EVENT_CLASS(wdfq_request_class,
	TP_PROTO(const struct wdfq_queue *q, const struct wdfq_request *req),
	TP_ARGS(q, req),
	TP_STRUCT__entry(
		__string(dev, req->dev->name)
		__string(queue, wdfq_trace_qname(q))
		__field(u64, req)
		__field(u8, type)
	),
	TP_fast_assign(
		wdfq_compat_assign_str(dev, req->dev->name);
		wdfq_compat_assign_str(queue, wdfq_trace_qname(q));
		__entry->req = req->id;
		__entry->type = req->type;
	),
	TP_printk("dev=%s queue=%s req=%llu type=%s",
		  __get_str(dev), __get_str(queue), __entry->req,
		  wdfq_show_type(__entry->type))
);

/* Submitted: queued on @q, or refused (then completed) */
DEFINE_EVENT(wdfq_request_class, wdfq_request_arrive,
	TP_PROTO(const struct wdfq_queue *q, const struct wdfq_request *req),
	TP_ARGS(q, req));

/* Presented to a handler of @q: driver-owned */
DEFINE_EVENT(wdfq_request_class, wdfq_request_present,
	TP_PROTO(const struct wdfq_queue *q, const struct wdfq_request *req),
	TP_ARGS(q, req));

/* Retrieved from @q by the driver: driver-owned */
DEFINE_EVENT(wdfq_request_class, wdfq_request_retrieve,
	TP_PROTO(const struct wdfq_queue *q, const struct wdfq_request *req),
	TP_ARGS(q, req));

/* Put back at the head of @q by the driver */
DEFINE_EVENT(wdfq_request_class, wdfq_request_requeue,
	TP_PROTO(const struct wdfq_queue *q, const struct wdfq_request *req),
	TP_ARGS(q, req));

/* Canceled while queued, handed to @q's io_canceled_on_queue */
DEFINE_EVENT(wdfq_request_class, wdfq_request_canceled_on_queue,
	TP_PROTO(const struct wdfq_queue *q, const struct wdfq_request *req),
	TP_ARGS(q, req));

/* io_resume is called after power-up */
DEFINE_EVENT(wdfq_request_class, wdfq_io_resume,
	TP_PROTO(const struct wdfq_queue *q, const struct wdfq_request *req),
	TP_ARGS(q, req));

/* Moved from @q to the tail of @dest */
TRACE_EVENT(wdfq_request_forward,
	TP_PROTO(const struct wdfq_queue *q, const struct wdfq_queue *dest,
		 const struct wdfq_request *req),
	TP_ARGS(q, dest, req),
	TP_STRUCT__entry(
		__string(dev, req->dev->name)
		__string(queue, wdfq_trace_qname(q))
		__field(u64, req)
		__string(to, wdfq_trace_qname(dest))
	),
	TP_fast_assign(
		wdfq_compat_assign_str(dev, req->dev->name);
		wdfq_compat_assign_str(queue, wdfq_trace_qname(q));
		__entry->req = req->id;
		wdfq_compat_assign_str(to, wdfq_trace_qname(dest));
	),
	TP_printk("dev=%s queue=%s req=%llu to=%s",
		  __get_str(dev), __get_str(queue), __entry->req,
		  __get_str(to))
);

/* Completed, the final event of every request */
TRACE_EVENT(wdfq_request_complete,
	TP_PROTO(const struct wdfq_queue *q, const struct wdfq_request *req,
		 int status, size_t information),
	TP_ARGS(q, req, status, information),
	TP_STRUCT__entry(
		__string(dev, req->dev->name)
		__string(queue, wdfq_trace_qname(q))
		__field(u64, req)
		__field(int, status)
		__field(u64, information)
	),
	TP_fast_assign(
		wdfq_compat_assign_str(dev, req->dev->name);
		wdfq_compat_assign_str(queue, wdfq_trace_qname(q));
		__entry->req = req->id;
		__entry->status = status;
		__entry->information = information;
	),
	TP_printk("dev=%s queue=%s req=%llu status=%d information=%llu",
		  __get_str(dev), __get_str(queue), __entry->req,
		  __entry->status, __entry->information)
);

/* Its caller gave up (or a purge): once per request, with the reason */
TRACE_EVENT(wdfq_request_cancel,
	TP_PROTO(const struct wdfq_queue *q, const struct wdfq_request *req,
		 enum wdfq_cancel_reason reason),
	TP_ARGS(q, req, reason),
	TP_STRUCT__entry(
		__string(dev, req->dev->name)
		__string(queue, wdfq_trace_qname(q))
		__field(u64, req)
		__field(u8, reason)
	),
	TP_fast_assign(
		wdfq_compat_assign_str(dev, req->dev->name);
		wdfq_compat_assign_str(queue, wdfq_trace_qname(q));
		__entry->req = req->id;
		__entry->reason = reason;
	),
	TP_printk("dev=%s queue=%s req=%llu reason=%s",
		  __get_str(dev), __get_str(queue), __entry->req,
		  wdfq_show_reason(__entry->reason))
);

/* The driver's mark or unmark cancelable, with what it returned */
DECLARE_EVENT_CLASS(wdfq_request_ret_class,
	TP_PROTO(const struct wdfq_queue *q, const struct wdfq_request *req,
		 int ret),
	TP_ARGS(q, req, ret),
	TP_STRUCT__entry(
		__string(dev, req->dev->name)
		__string(queue, wdfq_trace_qname(q))
		__field(u64, req)
		__field(int, ret)
	),
	TP_fast_assign(
		wdfq_compat_assign_str(dev, req->dev->name);
		wdfq_compat_assign_str(queue, wdfq_trace_qname(q));
		__entry->req = req->id;
		__entry->ret = ret;
	),
	TP_printk("dev=%s queue=%s req=%llu ret=%d",
		  __get_str(dev), __get_str(queue), __entry->req,
		  __entry->ret)
);

DEFINE_EVENT(wdfq_request_ret_class, wdfq_request_mark_cancelable,
	TP_PROTO(const struct wdfq_queue *q, const struct wdfq_request *req,
		 int ret),
	TP_ARGS(q, req, ret));

DEFINE_EVENT(wdfq_request_ret_class, wdfq_request_unmark_cancelable,
	TP_PROTO(const struct wdfq_queue *q, const struct wdfq_request *req,
		 int ret),
	TP_ARGS(q, req, ret));

/* io_stop is called, with its WDFQ_STOP_* flags */
TRACE_EVENT(wdfq_io_stop,
	TP_PROTO(const struct wdfq_queue *q, const struct wdfq_request *req,
		 unsigned int flags),
	TP_ARGS(q, req, flags),
	TP_STRUCT__entry(
		__string(dev, req->dev->name)
		__string(queue, wdfq_trace_qname(q))
		__field(u64, req)
		__field(unsigned int, flags)
	),
	TP_fast_assign(
		wdfq_compat_assign_str(dev, req->dev->name);
		wdfq_compat_assign_str(queue, wdfq_trace_qname(q));
		__entry->req = req->id;
		__entry->flags = flags;
	),
	TP_printk("dev=%s queue=%s req=%llu flags=%s",
		  __get_str(dev), __get_str(queue), __entry->req,
		  wdfq_show_stop_flags(__entry->flags))
);

/* The driver answered io_stop: requeued, or kept until io_resume */
TRACE_EVENT(wdfq_stop_acknowledge,
	TP_PROTO(const struct wdfq_queue *q, const struct wdfq_request *req,
		 bool requeue),
	TP_ARGS(q, req, requeue),
	TP_STRUCT__entry(
		__string(dev, req->dev->name)
		__string(queue, wdfq_trace_qname(q))
		__field(u64, req)
		__field(bool, requeue)
	),
	TP_fast_assign(
		wdfq_compat_assign_str(dev, req->dev->name);
		wdfq_compat_assign_str(queue, wdfq_trace_qname(q));
		__entry->req = req->id;
		__entry->requeue = requeue;
	),
	TP_printk("dev=%s queue=%s req=%llu requeue=%d",
		  __get_str(dev), __get_str(queue), __entry->req,
		  __entry->requeue)
);

/* Queues: dev, queue and the state after the change (queue lock held) */
DECLARE_EVENT_CLASS(wdfq_queue_class,
	TP_PROTO(const struct wdfq_queue *q),
	TP_ARGS(q),
	TP_STRUCT__entry(
		__string(dev, q->dev->name)
		__string(queue, wdfq_trace_qname(q))
		__field(bool, accepting)
		__field(bool, dispatching)
		__field(bool, powered)
		__field(u32, queued)
		__field(u32, owned)
	),
	TP_fast_assign(
		wdfq_compat_assign_str(dev, q->dev->name);
		wdfq_compat_assign_str(queue, wdfq_trace_qname(q));
		__entry->accepting = q->accepting;
		__entry->dispatching = q->dispatch_on;
		__entry->powered = q->powered;
		__entry->queued = q->queued;
		__entry->owned = q->owned;
	),
	TP_printk("dev=%s queue=%s accepting=%d dispatching=%d powered=%d queued=%u owned=%u",
		  __get_str(dev), __get_str(queue), __entry->accepting,
		  __entry->dispatching, __entry->powered, __entry->queued,
		  __entry->owned)
);

DEFINE_EVENT(wdfq_queue_class, wdfq_queue_start,
	TP_PROTO(const struct wdfq_queue *q),
	TP_ARGS(q));

DEFINE_EVENT(wdfq_queue_class, wdfq_queue_stop,
	TP_PROTO(const struct wdfq_queue *q),
	TP_ARGS(q));

DEFINE_EVENT(wdfq_queue_class, wdfq_queue_drain,
	TP_PROTO(const struct wdfq_queue *q),
	TP_ARGS(q));

DEFINE_EVENT(wdfq_queue_class, wdfq_queue_purge,
	TP_PROTO(const struct wdfq_queue *q),
	TP_ARGS(q));

DEFINE_EVENT(wdfq_queue_class, wdfq_queue_stop_and_purge,
	TP_PROTO(const struct wdfq_queue *q),
	TP_ARGS(q));

DEFINE_EVENT(wdfq_queue_class, wdfq_queue_delete,
	TP_PROTO(const struct wdfq_queue *q),
	TP_ARGS(q));

/* A manual queue's ready notification is called */
DEFINE_EVENT(wdfq_queue_class, wdfq_ready_notify,
	TP_PROTO(const struct wdfq_queue *q),
	TP_ARGS(q));

/* A power-managed queue takes or drops its runtime-PM usage reference */
DEFINE_EVENT(wdfq_queue_class, wdfq_power_hold,
	TP_PROTO(const struct wdfq_queue *q),
	TP_ARGS(q));

DEFINE_EVENT(wdfq_queue_class, wdfq_power_release,
	TP_PROTO(const struct wdfq_queue *q),
	TP_ARGS(q));

/* A stop, drain, purge or stop-and-purge finished; its callback runs */
TRACE_EVENT(wdfq_queue_done,
	TP_PROTO(const struct wdfq_queue *q, unsigned int change,
		 bool callback),
	TP_ARGS(q, change, callback),
	TP_STRUCT__entry(
		__string(dev, q->dev->name)
		__string(queue, wdfq_trace_qname(q))
		__field(u8, change)
		__field(bool, callback)
	),
	TP_fast_assign(
		wdfq_compat_assign_str(dev, q->dev->name);
		wdfq_compat_assign_str(queue, wdfq_trace_qname(q));
		__entry->change = change;
		__entry->callback = callback;
	),
	TP_printk("dev=%s queue=%s change=%s callback=%d",
		  __get_str(dev), __get_str(queue),
		  wdfq_show_change(__entry->change), __entry->callback)
);

/* Devices: power transitions, queue "" */
DECLARE_EVENT_CLASS(wdfq_device_class,
	TP_PROTO(const struct wdfq_device *dev, unsigned int flags),
	TP_ARGS(dev, flags),
	TP_STRUCT__entry(
		__string(dev, dev->name)
		__string(queue, "")
		__field(unsigned int, flags)
	),
	TP_fast_assign(
		wdfq_compat_assign_str(dev, dev->name);
		wdfq_compat_assign_str(queue, "");
		__entry->flags = flags;
	),
	TP_printk("dev=%s queue=%s flags=%s",
		  __get_str(dev), __get_str(queue),
		  wdfq_show_stop_flags(__entry->flags))
);

/* wdfq_device_power_down() starts (io_stop follows) and returns */
DEFINE_EVENT(wdfq_device_class, wdfq_device_power_down,
	TP_PROTO(const struct wdfq_device *dev, unsigned int flags),
	TP_ARGS(dev, flags));

DEFINE_EVENT(wdfq_device_class, wdfq_device_power_down_done,
	TP_PROTO(const struct wdfq_device *dev, unsigned int flags),
	TP_ARGS(dev, flags));

DEFINE_EVENT(wdfq_device_class, wdfq_device_power_up,
	TP_PROTO(const struct wdfq_device *dev, unsigned int flags),
	TP_ARGS(dev, flags));

#endif /* _WDFQ_TRACE_H */

/* Out of the kernel tree: Kbuild adds -I$(src) for wdfq_trace.o */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE wdfq_trace
#include <trace/define_trace.h>
