// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq reference driver: the ioctls, as the control queue's handler.
 *
 * The handler runs in the engine's process context, not in the caller's:
 * drv_fops.c has already copied the argument into a kernel buffer (the
 * request's input and output buffer), checked CAP_SYS_ADMIN and the
 * command's size; it copies the answer back after completion. Here the
 * arguments are validated and the work is done; nothing here wakes the
 * device (the control queue is not power-managed) except INJECT with
 * WDFQ_INJECT_F_WAKE.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/device.h>
#include <linux/pm_runtime.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "drv.h"

static bool drv_mem_is_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

static int drv_ioc_get_info(struct drv_dev *d, struct wdfq_info *info)
{
	int i;

	memset(info, 0, sizeof(*info));
	info->version = WDFQ_API_VERSION;
	info->instance = d->id;
	info->read_path = d->read_path;
	info->nr_queues = WDFQ_NR_QUEUES;
	info->max_io = WDFQ_MAX_IO;
	info->max_inject = WDFQ_MAX_INJECT;
	info->file_max_requests = READ_ONCE(drv_param_file_max_requests);
	info->dev_max_requests = READ_ONCE(drv_param_dev_max_requests);
	info->file_max_bytes = READ_ONCE(drv_param_file_max_bytes);
	info->dev_max_bytes = READ_ONCE(drv_param_dev_max_bytes);
	info->user_max_requests = READ_ONCE(drv_param_user_max_requests);
	info->user_max_bytes = READ_ONCE(drv_param_user_max_bytes);
	for (i = 0; i < WDFQ_NR_QUEUES; i++) {
		struct wdfq_queue_info *qi = &info->queues[i];

		qi->id = i;
		if (!d->q[i])
			qi->flags |= WDFQ_QUEUE_F_ABSENT;
	}
	strscpy(info->queues[WDFQ_QUEUE_PENDING].name, "pending",
		sizeof(info->queues[0].name));
	info->queues[WDFQ_QUEUE_PENDING].dispatch = WDFQ_DISP_MANUAL;
	info->queues[WDFQ_QUEUE_PENDING].flags |= WDFQ_QUEUE_F_POWER_MANAGED;

	strscpy(info->queues[WDFQ_QUEUE_READ].name, "read",
		sizeof(info->queues[0].name));
	info->queues[WDFQ_QUEUE_READ].flags |= WDFQ_QUEUE_F_POWER_MANAGED;
	if (d->read_path == WDFQ_READ_PATH_NOTIFY) {
		info->queues[WDFQ_QUEUE_READ].dispatch = WDFQ_DISP_MANUAL;
		info->queues[WDFQ_QUEUE_READ].flags |= WDFQ_QUEUE_F_READY_NOTIFY;
	} else {
		info->queues[WDFQ_QUEUE_READ].dispatch =
			WDFQ_DISP_SEQUENTIAL;
		info->queues[WDFQ_QUEUE_READ].max_presented = 1;
	}

	strscpy(info->queues[WDFQ_QUEUE_WRITE].name, "write",
		sizeof(info->queues[0].name));
	info->queues[WDFQ_QUEUE_WRITE].dispatch = WDFQ_DISP_PARALLEL;
	info->queues[WDFQ_QUEUE_WRITE].max_presented = READ_ONCE(d->write_limit);
	info->queues[WDFQ_QUEUE_WRITE].flags |= WDFQ_QUEUE_F_POWER_MANAGED;

	strscpy(info->queues[WDFQ_QUEUE_CONTROL].name, "control",
		sizeof(info->queues[0].name));
	info->queues[WDFQ_QUEUE_CONTROL].dispatch = WDFQ_DISP_PARALLEL;

	strscpy(info->queues[WDFQ_QUEUE_EVENTS].name, "events",
		sizeof(info->queues[0].name));
	info->queues[WDFQ_QUEUE_EVENTS].dispatch = WDFQ_DISP_MANUAL;
	return 0;
}

static int drv_ioc_get_stats(struct drv_dev *d, struct wdfq_queue_stats *s)
{
	struct device *pm = d->dev;
	struct wdfq_queue_state st;
	u32 id = s->queue;

	if (s->flags || id >= WDFQ_NR_QUEUES || !d->q[id])
		return -EINVAL;
	down_read(&d->qlock);
	wdfq_queue_get_state(d->q[id], &st);
	up_read(&d->qlock);

	memset(s, 0, sizeof(*s));
	s->queue = id;
	s->state = (st.accepting ? WDFQ_QS_ACCEPTING : 0) |
		   (st.dispatching ? WDFQ_QS_DISPATCHING : 0) |
		   (st.powered ? WDFQ_QS_POWERED : 0);
	s->queued = st.queued;
	s->driver_owned = st.driver_owned;
	s->max_driver_owned = st.max_driver_owned;
	s->arrived = st.arrived;
	s->presented = st.presented;
	s->completed = st.completed;
	s->cancelled = st.canceled;
	s->forwarded_in = st.forwarded_in;
	s->forwarded_out = st.forwarded_out;
	s->driver_bugs = st.driver_bugs;

	s->dev_state = (READ_ONCE(d->hw.armed) ? WDFQ_DS_ARMED : 0) |
		       (pm_runtime_status_suspended(pm) ?
			WDFQ_DS_RPM_SUSPENDED : 0);
	s->write_inflight = atomic_read(&d->cnt.write_inflight);
	s->write_inflight_max = atomic_read(&d->cnt.write_inflight_max);
	s->ring_size = drv_ring_size(d);
	s->ring_bytes = drv_ring_len(d);
	s->interrupts = atomic64_read(&d->cnt.interrupts);
	s->dpc_runs = atomic64_read(&d->cnt.dpc_runs);
	s->input_bytes = atomic64_read(&d->cnt.input_bytes);
	s->direct_bytes = atomic64_read(&d->cnt.direct_bytes);
	s->overrun_bytes = atomic64_read(&d->cnt.overrun_bytes);
	s->overruns = atomic64_read(&d->cnt.overruns);
	s->events = atomic64_read(&d->cnt.events);
	s->rpm_suspends = atomic64_read(&d->cnt.rpm_suspends);
	s->rpm_resumes = atomic64_read(&d->cnt.rpm_resumes);
	s->sys_suspends = atomic64_read(&d->cnt.sys_suspends);
	s->sys_resumes = atomic64_read(&d->cnt.sys_resumes);
	s->requests_limited = atomic64_read(&d->cnt.requests_limited);
	return 0;
}

static void drv_ctl_op_put(struct drv_ctl_op *op)
{
	if (refcount_dec_and_test(&op->ref))
		kfree(op);
}

/*
 * Completion callback of a QUEUE_CTL stop/drain/purge: process context,
 * from the engine. One finished by the removal's purge reports -ENODEV.
 */
static void drv_ctl_done(struct wdfq_queue *q, void *context)
{
	struct drv_ctl_op *op = context;
	struct drv_dev *d = op->d;

	op->status = READ_ONCE(d->dead) ? -ENODEV : 0;
	/* Pairs with drv_ctl_wait(): @status is written before @done. */
	smp_store_release(&op->done, true);
	atomic_dec(op->pending);
	wake_up_all(&d->ctl_wq);
	drv_ctl_op_put(op);
}

static bool drv_ctl_op_done(struct drv_ctl_op *op)
{
	/* Pairs with drv_ctl_done(): @status is read after @done. */
	return smp_load_acquire(&op->done);
}

/**
 * drv_ctl_wait() - wait for a QUEUE_CTL operation (WDFQ_CTL_F_WAIT)
 * @d: the device
 * @op: the operation; the caller's reference is dropped
 *
 * Task work queued to the caller with TWA_SIGNAL (io_uring posting a
 * completion of the caller's ring) wakes the wait through TIF_NOTIFY_SIGNAL
 * without any signal. The call cannot restart (it would issue a second
 * operation), so the flag is set aside while the wait goes on and raised
 * again before the return, which then runs the task work. The work never
 * holds up the operation: the engine completes requests on its own.
 *
 * Context: process, outside the control queue (the caller of ioctl(2)).
 * Return: 0 once it finished; -ENODEV if the instance was removed first;
 * -EINTR on a signal (the operation goes on).
 */
int drv_ctl_wait(struct drv_dev *d, struct drv_ctl_op *op)
{
	bool notify = false;
	int ret;

	while ((ret = wait_event_interruptible(d->ctl_wq,
					       drv_ctl_op_done(op) ||
					       READ_ONCE(d->dead))) &&
	       !task_sigpending(current) && test_thread_flag(TIF_NOTIFY_SIGNAL)) {
		clear_notify_signal();
		notify = true;
	}
	if (notify)
		set_thread_flag(TIF_NOTIFY_SIGNAL);
	if (ret)
		ret = -EINTR;
	else if (drv_ctl_op_done(op))
		ret = op->status;
	else
		ret = -ENODEV;
	drv_ctl_op_put(op);
	return ret;
}

static int drv_ioc_queue_ctl(struct drv_dev *d, struct wdfq_request *req,
			     const struct wdfq_queue_ctl *c)
{
	bool wait = c->flags & WDFQ_CTL_F_WAIT;
	struct drv_ctl_op *op = NULL;
	struct drv_qctl *qc;
	struct wdfq_queue *q;
	int ret;

	if (c->reserved || (c->flags & ~WDFQ_CTL_F_WAIT) ||
	    c->queue >= WDFQ_NR_QUEUES || c->queue == WDFQ_QUEUE_CONTROL ||
	    !d->q[c->queue])
		return -EINVAL;
	qc = &d->qctl[c->queue];
	switch (c->op) {
	case WDFQ_CTL_START:
		break;
	case WDFQ_CTL_STOP:
	case WDFQ_CTL_STOP_PURGE:
	case WDFQ_CTL_DRAIN:
	case WDFQ_CTL_PURGE:
		op = kzalloc(sizeof(*op), GFP_KERNEL);
		if (!op)
			return -ENOMEM;
		refcount_set(&op->ref, wait ? 2 : 1);
		op->d = d;
		op->pending = c->op == WDFQ_CTL_STOP ||
			      c->op == WDFQ_CTL_STOP_PURGE ?
			      &qc->stop_pending : &qc->flush_pending;
		atomic_inc(op->pending);
		break;
	default:
		return -EINVAL;
	}

	/*
	 * qlock: the write queue is not replaced meanwhile, and the removal
	 * sets "dead" under it for writing: once it purges the queues, no
	 * operation (a START above all) can reopen one.
	 */
	down_read(&d->qlock);
	q = d->q[c->queue];
	if (READ_ONCE(d->dead)) {
		ret = -ENODEV;
		goto out;
	}
	switch (c->op) {
	case WDFQ_CTL_START:
		wdfq_queue_start(q);
		ret = 0;
		break;
	case WDFQ_CTL_STOP:
		ret = wdfq_queue_stop(q, drv_ctl_done, op);
		break;
	case WDFQ_CTL_STOP_PURGE:
		ret = wdfq_queue_stop_and_purge(q, drv_ctl_done, op);
		break;
	case WDFQ_CTL_DRAIN:
		ret = wdfq_queue_drain(q, drv_ctl_done, op);
		break;
	default:
		ret = wdfq_queue_purge(q, drv_ctl_done, op);
		break;
	}
out:
	up_read(&d->qlock);
	if (op && ret) {
		atomic_dec(op->pending);
		kfree(op);
	} else if (op && wait) {
		drv_req(req)->ctl_op = op;
	}
	/* Bytes may wait in the ring for reads that were held. */
	if (!ret && c->op == WDFQ_CTL_START)
		drv_dpc_kick(d);
	dev_dbg(d->dev, "queue %u op %u: %d\n", c->queue, c->op, ret);
	return ret;
}

static int drv_ioc_set_params(struct drv_dev *d, const struct wdfq_params *p)
{
	int ret = 0;

	if (!drv_mem_is_zero(p->reserved, sizeof(p->reserved)) ||
	    (p->mask & ~WDFQ_PARAM_ALL))
		return -EINVAL;
	if ((p->mask & WDFQ_PARAM_WRITE_LATENCY) &&
	    p->write_latency_us > DRV_LATENCY_MAX_US)
		return -EINVAL;
	if ((p->mask & WDFQ_PARAM_WRITE_LIMIT) &&
	    (!p->write_limit || p->write_limit > DRV_WRITE_LIMIT_MAX))
		return -EINVAL;
	if ((p->mask & WDFQ_PARAM_GEN_RATE) &&
	    p->gen_rate_hz > DRV_GEN_RATE_MAX)
		return -EINVAL;
	if ((p->mask & WDFQ_PARAM_RING_SIZE) &&
	    (p->ring_size < DRV_RING_MIN || p->ring_size > DRV_RING_MAX ||
	     !is_power_of_2(p->ring_size)))
		return -EINVAL;

	mutex_lock(&d->ctl_lock);
	if (p->mask & WDFQ_PARAM_RING_SIZE)
		ret = drv_ring_resize(d, p->ring_size);
	if (!ret && (p->mask & WDFQ_PARAM_WRITE_LIMIT) &&
	    p->write_limit != READ_ONCE(d->write_limit))
		ret = drv_write_queue_rebuild(d, p->write_limit);
	if (!ret && (p->mask & WDFQ_PARAM_WRITE_LATENCY))
		WRITE_ONCE(d->write_latency_us, p->write_latency_us);
	if (!ret && (p->mask & WDFQ_PARAM_GEN_RATE))
		drv_hw_set_gen_rate(d, p->gen_rate_hz);
	mutex_unlock(&d->ctl_lock);
	return ret;
}

static int drv_ioc_get_params(struct drv_dev *d, struct wdfq_params *p)
{
	if (p->mask || !drv_mem_is_zero(p->reserved, sizeof(p->reserved)))
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->write_latency_us = READ_ONCE(d->write_latency_us);
	p->write_limit = READ_ONCE(d->write_limit);
	p->gen_rate_hz = drv_hw_gen_rate(d);
	p->ring_size = drv_ring_size(d);
	return 0;
}

/* The bytes follow the structure in the request's buffer (drv_fops.c). */
static int drv_ioc_inject(struct drv_dev *d, const struct wdfq_inject *inj,
			  size_t buf_len)
{
	struct device *pm = d->dev;
	int ret;

	if (inj->reserved || (inj->flags & ~WDFQ_INJECT_F_WAKE) ||
	    !inj->len || inj->len > WDFQ_MAX_INJECT ||
	    buf_len < sizeof(*inj) + inj->len)
		return -EINVAL;
	if (inj->flags & WDFQ_INJECT_F_WAKE) {
		ret = pm_runtime_resume_and_get(pm);
		if (ret)
			return ret;
	}
	drv_hw_inject(d, inj + 1, inj->len);
	if (inj->flags & WDFQ_INJECT_F_WAKE) {
		pm_runtime_mark_last_busy(pm);
		pm_runtime_put_autosuspend(pm);
	}
	return 0;
}

static int drv_ioc_wait_event(struct drv_dev *d, struct wdfq_request *req,
			      const struct wdfq_event *evt)
{
	struct drv_req *ctx = drv_req(req);
	int ret;

	if (evt->flags || evt->reserved)
		return -EINVAL;
	/*
	 * Snapshot and forward in one step under evt_lock: an interrupt that
	 * lands in between would otherwise have its DPC scan the queue before
	 * the request is there, and the request wait for the next interrupt.
	 * The DPC completes it; the driver gives up ownership here.
	 */
	spin_lock_bh(&d->evt_lock);
	ctx->evt_seq = drv_hw_irq_seq(d);
	ret = wdfq_request_forward(req, d->q[WDFQ_QUEUE_EVENTS]);
	spin_unlock_bh(&d->evt_lock);
	return ret;
}

static int drv_ioc_reset_stats(struct drv_dev *d,
			       const struct wdfq_reset_stats *r)
{
	struct drv_counters *c = &d->cnt;
	int i;

	if (r->flags || r->reserved)
		return -EINVAL;
	down_read(&d->qlock);
	for (i = 0; i < WDFQ_NR_QUEUES; i++)
		if (d->q[i])
			wdfq_queue_reset_stats(d->q[i]);
	up_read(&d->qlock);
	atomic64_set(&c->interrupts, 0);
	atomic64_set(&c->dpc_runs, 0);
	atomic64_set(&c->input_bytes, 0);
	atomic64_set(&c->direct_bytes, 0);
	atomic64_set(&c->overrun_bytes, 0);
	atomic64_set(&c->overruns, 0);
	atomic64_set(&c->events, 0);
	atomic64_set(&c->rpm_suspends, 0);
	atomic64_set(&c->rpm_resumes, 0);
	atomic64_set(&c->sys_suspends, 0);
	atomic64_set(&c->sys_resumes, 0);
	atomic64_set(&c->requests_limited, 0);
	atomic_set(&c->write_inflight_max, atomic_read(&c->write_inflight));
	return 0;
}

/**
 * drv_io_control() - the control queue's presentation handler
 * @q: the control queue
 * @req: an IOCTL request whose input and output buffer is the argument
 *
 * Completes @req, or forwards it (WAIT_EVENT). Context: process (engine).
 */
void drv_io_control(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct drv_dev *d = drv_q_dev(q);
	unsigned int code = wdfq_request_ioctl_code(req);
	size_t len;
	void *buf = wdfq_request_out_buf(req, &len);
	int ret;

	if (!buf || len < _IOC_SIZE(code)) {
		wdfq_request_complete(req, -EINVAL, 0);
		return;
	}
	switch (code) {
	case WDFQ_IOC_GET_INFO:
		ret = drv_ioc_get_info(d, buf);
		break;
	case WDFQ_IOC_GET_QUEUE_STATS:
		ret = drv_ioc_get_stats(d, buf);
		break;
	case WDFQ_IOC_QUEUE_CTL:
		ret = drv_ioc_queue_ctl(d, req, buf);
		break;
	case WDFQ_IOC_SET_PARAMS:
		ret = drv_ioc_set_params(d, buf);
		break;
	case WDFQ_IOC_GET_PARAMS:
		ret = drv_ioc_get_params(d, buf);
		break;
	case WDFQ_IOC_INJECT:
		ret = drv_ioc_inject(d, buf, len);
		break;
	case WDFQ_IOC_WAIT_EVENT:
		ret = drv_ioc_wait_event(d, req, buf);
		if (!ret)
			return;	/* forwarded */
		break;
	case WDFQ_IOC_RESET_STATS:
		ret = drv_ioc_reset_stats(d, buf);
		break;
	default:
		ret = -ENOTTY;
		break;
	}
	wdfq_request_complete(req, ret, ret ? 0 : _IOC_SIZE(code));
}
