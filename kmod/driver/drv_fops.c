// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq reference driver: the misc device's file operations.
 *
 * Every read, write and ioctl becomes one engine request with a kernel
 * bounce buffer (at most WDFQ_MAX_IO bytes of data; a synchronous read of
 * the forwarding path gets one only if its direct copy faults), is
 * submitted to the engine device and waited for with wdfq_request_wait()
 * (an IOCB_NOWAIT read: wdfq_request_wait_nofreeze(), see
 * drv_read_submitted()): a signal cancels a queued request and the call
 * returns -ERESTARTSYS (EINTR, or a restart with SA_RESTART); an io_uring
 * read or write, which waits there in io_uring's worker, gets -EINTR (see
 * drv_kiocb_ret()).
 *
 * The calls that can wait for the device (read, write, WAIT_EVENT) are
 * charged (drv_budget.c) before their request exists; over a limit they
 * fail with -EAGAIN.
 *
 * close(2) of a descriptor does nothing to the requests in progress through
 * the open file, whichever descriptor they came through: as for any Linux
 * file, a call blocked on it keeps it open and goes on. The last close
 * (release) cancels what the file still has queued, like IRP_MJ_CLEANUP. A
 * process that exits kills its threads; the fatal signal cancels their
 * requests in wdfq_request_wait(), so exit is prompt without a .flush.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/aio.h>
#include <linux/kthread.h>
#include <linux/minmax.h>
#include <linux/pagemap.h>
#include <linux/pm_runtime.h>
#include <linux/sched/mm.h>
#include <linux/workqueue.h>
#include <linux/poll.h>
#include <linux/uio.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "drv.h"

static struct wdfq_request *drv_req_new(struct drv_dev *d, struct file *file,
					enum wdfq_request_type type)
{
	struct wdfq_request *req;
	struct drv_req *ctx;

	req = wdfq_request_alloc(d->wdev, type, file, GFP_KERNEL);
	if (IS_ERR(req))
		return NULL;
	ctx = drv_req(req);
	ctx->req = req;
	ctx->d = d;
	return req;
}

/*
 * A completed request's status, as the caller sees it; a request cancelled
 * because the instance was removed reports -ENODEV.
 */
static long drv_status(struct drv_dev *d, struct wdfq_request *req)
{
	int ret = wdfq_request_status(req);

	if (ret && READ_ONCE(d->dead) &&
	    (ret == -ECANCELED || ret == -ESHUTDOWN))
		ret = -ENODEV;
	return ret;
}

/*
 * Wait for a submitted request. The caller has dropped rm_sem: it only has
 * to cover the submission. Once submitted, a request is completed by the
 * engine even if the instance goes away (remove() purges every queue), and
 * waiting for it, reading its status and dropping it touch nothing but the
 * request. So the driver holds no lock while the caller sleeps; the caller
 * may hold its own: @nowait (IOCB_NOWAIT) takes a wait that is not
 * freezable (see drv_read_submitted()).
 *
 * Return: -ERESTARTSYS if a signal cancelled the request, else its
 * completion status; a request cancelled because the instance was removed
 * reports -ENODEV.
 */
static int drv_wait(struct drv_file *df, struct wdfq_request *req,
		    bool nowait)
{
	int ret;

	ret = nowait ? wdfq_request_wait_nofreeze(req) : wdfq_request_wait(req);
	if (ret)
		return ret;
	return drv_status(df->d, req);
}

/* A queue's state; the write queue pointer needs qlock (SET_PARAMS). */
static void drv_q_state(struct drv_dev *d, unsigned int id,
			struct wdfq_queue_state *st)
{
	down_read(&d->qlock);
	wdfq_queue_get_state(d->q[id], st);
	up_read(&d->qlock);
}

/*
 * Is the read queue stopped (by QUEUE_CTL), so that a read would wait for
 * START? A powered-down queue is not: the read wakes the device.
 */
static bool drv_read_held(struct drv_dev *d)
{
	struct wdfq_queue_state st;

	drv_q_state(d, WDFQ_QUEUE_READ, &st);
	return st.accepting && !st.dispatching;
}

/* Does the read side refuse reads (read or parked queue drained/purged)? */
static bool drv_read_shut(struct drv_dev *d)
{
	struct wdfq_queue_state st;

	drv_q_state(d, WDFQ_QUEUE_READ, &st);
	if (!st.accepting)
		return true;
	wdfq_queue_get_state(d->parked, &st);
	return !st.accepting;
}

/* Wake poll/epoll waiters after a change the DPC does not report. */
static void drv_poll_wake(struct drv_dev *d, __poll_t events)
{
	if (wq_has_sleeper(&d->poll_wq))
		wake_up_interruptible_poll(&d->poll_wq, events);
}

/**
 * struct drv_call - a read, write or ioctl on its way through the engine
 * @file: the open file
 * @ops: what differs between read, write and ioctl
 * @kbuf: the bounce buffer; NULL: drv_call() allocates @len bytes once the
 *	call is charged, unless @prefaulted is false for a read (see
 *	drv_read_iter()). drv_call() frees it.
 * @len: its size in bytes; charged even while no buffer is allocated
 * @charged: the call is charged to its file, user and device (see the top)
 * @nonblock: O_NONBLOCK or IOCB_NOWAIT
 * @nowait: IOCB_NOWAIT (a read): never wait for the device, and never in a
 *	freezable sleep (see drv_read_submitted())
 * @ubuf: the ioctl argument
 * @to: the caller's buffers (read)
 * @cmd: the ioctl command
 * @direct: set by ->prepare(): submit to this queue, not through routing
 * @gave_up: a non-blocking read taken back after submission
 * @prefaulted: a read whose buffers were faulted in before submission
 * @aio: a libaio read or write: drv_call() returns -EIOCBQUEUED after the
 *	submission and drv_aio_work() finishes the call
 */
struct drv_call {
	struct file *file;
	const struct drv_call_ops *ops;
	void *kbuf;
	size_t len;
	bool charged;
	bool nonblock;
	bool nowait;
	void __user *ubuf;
	struct iov_iter *to;
	unsigned int cmd;
	struct wdfq_queue *direct;
	bool gave_up;
	bool prefaulted;
	struct drv_aio *aio;
};

/**
 * struct drv_call_ops - the steps of drv_call() that differ per call
 * @type: the request type
 * @refuse: optional, under rm_sem before the charge: a negative errno
 *	fails the call at once (O_NONBLOCK)
 * @prepare: under rm_sem: set up the new request (buffers, context)
 * @submitted: optional, under rm_sem right after the submission
 * @done: after the wait, before the request and the charge are dropped:
 *	copy the result out; returns the call's result
 */
struct drv_call_ops {
	enum wdfq_request_type type;
	int (*refuse)(struct drv_call *c);
	void (*prepare)(struct drv_call *c, struct wdfq_request *req);
	void (*submitted)(struct drv_call *c, struct wdfq_request *req);
	long (*done)(struct drv_call *c, struct wdfq_request *req, long ret);
};

/**
 * struct drv_aio - a libaio read or write, or io_uring write, in progress
 * @c: the call; @c.to points to @iter
 * @iocb: the caller's kiocb; ki_complete() ends the call
 * @iter: the caller's buffers (read), duplicated: the caller's iterator
 *	and iovec array are gone once io_submit(2) returns
 * @iov: the duplicated iovec array, or NULL
 * @mm: the caller's address space (read), grabbed: the worker copies the
 *	data into it with kthread_use_mm(), as functionfs does
 * @req: the engine request
 * @user: the charge's user entry
 * @ref: one for the submission, one for the completion; the last one
 *	queues @work, so the worker never runs while drv_call() still looks
 *	at the call
 * @work: runs drv_aio_work() in process context
 *
 * Read data is copied from the worker through the caller's mm rather than
 * into pinned pages: the bounce buffer exists anyway, nothing is pinned
 * while a read is parked, and a read whose process has gone (mm_users 0,
 * exit_aio() cancelling it) simply skips the copy.
 */
struct drv_aio {
	struct drv_call c;
	struct kiocb *iocb;
	struct iov_iter iter;
	const void *iov;
	struct mm_struct *mm;
	struct wdfq_request *req;
	struct drv_user *user;
	refcount_t ref;
	struct work_struct work;
};

/* Completion and cancellation of libaio calls happen here. */
static struct workqueue_struct *drv_aio_wq;

static void drv_aio_put(struct drv_aio *a)
{
	if (refcount_dec_and_test(&a->ref))
		queue_work(drv_aio_wq, &a->work);
}

/* The engine completed the request: any context, the ISR's included. */
static void drv_aio_done(struct wdfq_request *req, void *data)
{
	drv_aio_put(data);
}

/*
 * io_cancel(2), io_destroy(2) and the exit of the caller's process: called
 * under the aio context's spinlock (irqs off), and never after
 * ki_complete(): aio takes the kiocb off its list there under that lock.
 * The request completes with -ECANCELED; the engine defers the
 * callbacks it would run in atomic context.
 */
static int drv_aio_cancel(struct kiocb *iocb)
{
	struct drv_aio *a = iocb->private;

	wdfq_request_cancel_reason(a->req, WDFQ_CANCEL_AIO);
	return 0;
}

/*
 * Finish a libaio call in process context: copy the read data out through
 * the caller's mm, drop the charge (before ki_complete(), after which the
 * file may be released), complete the kiocb. ki_complete() is never called
 * from the ISR or under a spinlock: on PREEMPT_RT it takes sleeping locks.
 */
static void drv_aio_work(struct work_struct *work)
{
	struct drv_aio *a = container_of(work, struct drv_aio, work);
	struct drv_file *df = a->c.file->private_data;
	struct wdfq_request *req = a->req;
	long ret = drv_status(df->d, req);

	if (a->mm) {
		if (mmget_not_zero(a->mm)) {
			kthread_use_mm(a->mm);
			ret = a->c.ops->done(&a->c, req, ret);
			kthread_unuse_mm(a->mm);
			mmput(a->mm);
		} else {
			/* The process is gone: nobody reads the data. */
			ret = a->c.ops->done(&a->c, req, ret ? ret : -EFAULT);
		}
		mmdrop(a->mm);
	} else {
		ret = a->c.ops->done(&a->c, req, ret);
	}
	drv_uncharge(df, a->user, a->c.len);
	kfree(a->c.kbuf);
	kfree(a->iov);
	a->iocb->ki_complete(a->iocb, ret);
	wdfq_request_put(req);
	kfree(a);
}

/*
 * A libaio read or write, or an io_uring write that could start at once
 * (IOCB_NOWAIT): set up what drv_call() needs to return at once.
 * Return: the call; NULL to take the blocking path (a kiocb that cannot be
 * cancelled, an iterator that is not the caller's memory); ERR_PTR(-ENOMEM):
 * an asynchronous call never falls back to blocking the submitter.
 */
WDFQ_FAIL_POINT(drv, aio_new);

static struct drv_aio *drv_aio_new(struct kiocb *iocb, struct drv_call *c,
				   struct iov_iter *to)
{
	struct drv_aio *a;
	int ret;

	if (!drv_aio_wq)
		return NULL;
	/* Without a cancel hook only a write, which ends on its own. */
	if (!wdfq_compat_kiocb_is_libaio(iocb) &&
	    (to || !(iocb->ki_flags & IOCB_NOWAIT)))
		return NULL;
	if (to && !iter_is_ubuf(to) && !iter_is_iovec(to))
		return NULL;
	ret = drv_fail_aio_new();
	if (ret)
		return ERR_PTR(ret);
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return ERR_PTR(-ENOMEM);
	a->c = *c;
	a->c.aio = a;
	a->iocb = iocb;
	refcount_set(&a->ref, 2);
	INIT_WORK(&a->work, drv_aio_work);
	if (to) {
		a->iov = dup_iter(&a->iter, to, GFP_KERNEL);
		if (!a->iov && !iter_is_ubuf(to)) {
			kfree(a);
			return ERR_PTR(-ENOMEM);
		}
		a->c.to = &a->iter;
		a->mm = current->mm;
		mmgrab(a->mm);
	}
	return a;
}

/* Undo drv_aio_new() for a call that failed before its submission. */
static void drv_aio_free(struct drv_aio *a)
{
	if (a->mm)
		mmdrop(a->mm);
	kfree(a->iov);
	kfree(a);
}

/**
 * drv_fops_init() - module init of the file operations
 *
 * Return: 0 or -ENOMEM.
 */
int drv_fops_init(void)
{
	drv_aio_wq = alloc_workqueue("wdfq_aio", WQ_UNBOUND, 0);
	return drv_aio_wq ? 0 : -ENOMEM;
}

/**
 * drv_fops_exit() - module exit: every libaio call has finished its work
 */
void drv_fops_exit(void)
{
	destroy_workqueue(drv_aio_wq);
}

/*
 * One read, write or ioctl: under rm_sem, check "dead", charge the call,
 * allocate its request and submit it; then, with rm_sem dropped, wait for
 * it and drop the request, the charge and the bounce buffer. A libaio call
 * (@c->aio) returns -EIOCBQUEUED instead of waiting, with the charge held
 * until drv_aio_work() ends it; it fails at once (before its submission,
 * the kiocb completes with the error) like the synchronous call.
 */
static long drv_call(struct drv_call *c)
{
	struct drv_file *df = c->file->private_data;
	struct drv_dev *d = df->d;
	struct wdfq_request *req;
	struct drv_user *u = NULL;
	long ret;

	down_read(&d->rm_sem);
	ret = -ENODEV;
	if (d->dead)
		goto out_unlock;
	ret = c->ops->refuse ? c->ops->refuse(c) : 0;
	if (ret)
		goto out_unlock;
	if (c->charged) {
		u = drv_charge(df, c->len);
		ret = PTR_ERR(u);
		if (IS_ERR(u))
			goto out_unlock;
	}
	ret = -ENOMEM;
	/*
	 * A read that copies straight into the caller's buffers gets its
	 * bounce buffer from its handler only if that copy faults
	 * (drv_io_read()); the charge above covers it either way.
	 */
	if (!c->kbuf && (c->ops->type != WDFQ_REQ_READ || c->prefaulted)) {
		c->kbuf = kmalloc(c->len, GFP_KERNEL);
		if (!c->kbuf)
			goto out_uncharge;
	}
	req = drv_req_new(d, c->file, c->ops->type);
	if (!req)
		goto out_uncharge;
	c->ops->prepare(c, req);
	if (c->aio) {
		c->aio->req = req;
		c->aio->user = u;
		wdfq_request_set_done(req, drv_aio_done, c->aio);
		if (wdfq_compat_kiocb_is_libaio(c->aio->iocb)) {
			c->aio->iocb->private = c->aio;
			kiocb_set_cancel_fn(c->aio->iocb, drv_aio_cancel);
		}
	}
	if (c->direct)
		wdfq_queue_submit(c->direct, req);
	else
		wdfq_device_submit(d->wdev, req);
	if (c->ops->submitted)
		c->ops->submitted(c, req);
	up_read(&d->rm_sem);
	if (c->aio) {
		drv_aio_put(c->aio);
		return -EIOCBQUEUED;
	}
	ret = c->ops->done(c, req, drv_wait(df, req, c->nowait));
	wdfq_request_put(req);
	if (u)
		drv_uncharge(df, u, c->len);
	kfree(c->kbuf);
	return ret;

out_uncharge:
	if (u)
		drv_uncharge(df, u, c->len);
out_unlock:
	up_read(&d->rm_sem);
	kfree(c->kbuf);
	if (c->aio)
		drv_aio_free(c->aio);
	return ret;
}

WDFQ_FAIL_POINT(drv, open);

static int drv_open(struct inode *inode, struct file *file)
{
	struct miscdevice *misc = file->private_data;
	struct drv_dev *d = container_of(misc, struct drv_dev, misc);
	struct drv_file *df;
	int ret;

	/* misc_open() holds misc_mtx: remove() cannot free @d meanwhile. */
	if (READ_ONCE(d->dead))
		return -ENODEV;
	ret = drv_fail_open();
	if (ret)
		return ret;
	df = kzalloc(sizeof(*df), GFP_KERNEL);
	if (!df)
		return -ENOMEM;
	/* IOCB_NOWAIT is honoured: see drv_read_iter(), drv_write_iter(). */
	file->f_mode |= FMODE_NOWAIT;
	kref_get(&d->ref);
	df->d = d;
	file->private_data = df;
	/*
	 * Not stream_open(): like /dev/zero, pread/pwrite and lseek are
	 * accepted and the offset is ignored (fio's sync and psync engines
	 * need them). Nothing here reads or moves the position, so it stays
	 * 0 (noop_llseek returns it) and FMODE_ATOMIC_POS is not needed.
	 */
	return 0;
}

/* Is the read queue powered down (runtime suspend), so a read would wait? */
static bool drv_read_unpowered(struct drv_dev *d)
{
	struct wdfq_queue_state st;

	drv_q_state(d, WDFQ_QUEUE_READ, &st);
	return !st.powered;
}

/*
 * O_NONBLOCK: no data for us now, or the read queue is stopped. A read side
 * that refuses reads fails them at once instead, with the queue's error
 * (poll reports EPOLLHUP for it). IOCB_NOWAIT also at a powered-down read
 * queue, which the read would wait for: the resume is started, and a retry
 * finds the queue powered (io_uring's retries end in its worker, which
 * waits).
 */
static int drv_read_refuse(struct drv_call *c)
{
	struct drv_file *df = c->file->private_data;
	struct drv_dev *d = df->d;

	if (!c->nonblock || drv_read_shut(d))
		return 0;
	if (!drv_ring_len(d) || drv_reads_parked(d) || drv_read_held(d))
		return -EAGAIN;
	if (c->nowait && drv_read_unpowered(d)) {
		pm_request_resume(d->dev);
		return -EAGAIN;
	}
	return 0;
}

static void drv_read_prepare(struct drv_call *c, struct wdfq_request *req)
{
	struct drv_req *ctx = drv_req(req);
	struct drv_dev *d = ctx->d;

	ctx->nonblock = c->nonblock;
	ctx->prefaulted = c->prefaulted;
	ctx->len = c->len;
	/* Not libaio: its worker copies the data out later. */
	if (!c->aio) {
		ctx->to = c->to;
		ctx->caller = current;
		ctx->mm = current->mm;
	}
	wdfq_request_set_buffers(req, NULL, 0, c->kbuf, c->len);
	if (d->read_path == WDFQ_READ_PATH_NOTIFY)
		c->direct = d->q[WDFQ_QUEUE_READ];
}

/*
 * Stopped meanwhile: take it back rather than wait for START.
 *
 * IOCB_NOWAIT: io_uring issues it inline holding its submission lock, so
 * the read must not wait for the device, and its wait must not be
 * freezable: system sleep would freeze the task with that lock held. A
 * request not completed at once (the queue stopped or powered down after
 * drv_read_refuse() looked, or its presentation left to the queue's work
 * item) is taken back: wdfq_request_cancel_now() completes a still queued
 * read in this task. Only a read a handler already has (it never parks a
 * non-blocking read), or a cancel another thread's dispatch loop runs,
 * is waited for. A read completed despite the cancel keeps its data.
 */
static void drv_read_submitted(struct drv_call *c, struct wdfq_request *req)
{
	if (!c->nonblock || wdfq_request_is_completed(req))
		return;
	/* A libaio read does not wait here: drv_aio_work() finishes it. */
	if ((c->nowait && !c->aio) || drv_read_held(drv_req(req)->d)) {
		wdfq_request_cancel_now(req);
		c->gave_up = true;
	}
}

static long drv_read_done(struct drv_call *c, struct wdfq_request *req,
			  long ret)
{
	size_t n;

	/* Allocated by the handler (drv_io_read()): drv_call() frees it. */
	if (!c->kbuf)
		c->kbuf = drv_req(req)->bounce;
	/* Our own cancel, even if a signal came meanwhile. */
	if (c->gave_up && (ret == -ECANCELED || ret == -ERESTARTSYS))
		ret = -EAGAIN;
	if (!ret) {
		n = min(wdfq_request_information(req), c->len);
		if (drv_req(req)->direct)
			ret = n;	/* already in the caller's buffers */
		else
			ret = copy_to_iter(c->kbuf, n, c->to) != n ? -EFAULT : n;
	}
	/* A parked read that gave up no longer holds the ring's bytes back. */
	if (ret < 0 && ret != -EAGAIN)
		drv_poll_wake(drv_req(req)->d, EPOLLIN | EPOLLRDNORM);
	return ret;
}

static const struct drv_call_ops drv_read_ops = {
	.type = WDFQ_REQ_READ,
	.refuse = drv_read_refuse,
	.prepare = drv_read_prepare,
	.submitted = drv_read_submitted,
	.done = drv_read_done,
};

/*
 * The result of a read or write for @iocb. An io_uring read or write that
 * had to wait runs in io_uring's worker, where cancelling it is a signal:
 * no system call is restarted there, and io_uring up to 6.12 at least puts
 * -ERESTARTSYS into the completion as it is. Report -EINTR for it, as the
 * API documents. (libaio calls return -EIOCBQUEUED and end elsewhere.)
 */
static ssize_t drv_kiocb_ret(struct kiocb *iocb, ssize_t ret)
{
	if (ret == -ERESTARTSYS && !is_sync_kiocb(iocb))
		return -EINTR;
	return ret;
}

/*
 * read(2), readv(2), io_uring: wait for the data. libaio: return at once,
 * the read completes later (see struct drv_aio). IOCB_NOWAIT (io_uring's
 * first try, RWF_NOWAIT) acts as O_NONBLOCK: -EAGAIN instead of parking,
 * exactly when poll does not report EPOLLIN, so io_uring waits in its own
 * poll, where its cancellation reaches the read; a read taken never parks
 * (the handler completes it with -EAGAIN if the data went meanwhile).
 */
static ssize_t drv_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct file *file = iocb->ki_filp;
	struct drv_call c = {
		.file = file,
		.ops = &drv_read_ops,
		.charged = true,
		.nonblock = (file->f_flags & O_NONBLOCK) ||
			    (iocb->ki_flags & IOCB_NOWAIT),
		.nowait = iocb->ki_flags & IOCB_NOWAIT,
		.to = to,
	};

	struct drv_file *df = file->private_data;

	if (!iov_iter_count(to))
		return 0;
	c.len = min_t(size_t, iov_iter_count(to), WDFQ_MAX_IO);
	/*
	 * Fail bad buffers before data is taken from the device. A
	 * synchronous read of the forwarding path skips this: its handler
	 * copies straight into the buffers, faulting them in only when the
	 * bytes go through the bounce buffer (drv_io_read()).
	 */
	if (!is_sync_kiocb(iocb) ||
	    df->d->read_path != WDFQ_READ_PATH_FORWARD) {
		if (fault_in_iov_iter_writeable(to, c.len))
			return -EFAULT;
		c.prefaulted = true;
	}
	if (!is_sync_kiocb(iocb)) {
		struct drv_aio *a = drv_aio_new(iocb, &c, to);

		if (IS_ERR(a))
			return PTR_ERR(a);
		if (a)
			return drv_call(&a->c);
	}
	return drv_kiocb_ret(iocb, drv_call(&c));
}

static int drv_write_refuse(struct drv_call *c)
{
	struct drv_file *df = c->file->private_data;

	if (c->nonblock && drv_write_would_park(df->d))
		return -EAGAIN;
	return 0;
}

static void drv_write_prepare(struct drv_call *c, struct wdfq_request *req)
{
	drv_write_timer_init(drv_req(req));
	wdfq_request_set_buffers(req, c->kbuf, c->len, NULL, 0);
}

static long drv_write_done(struct drv_call *c, struct wdfq_request *req,
			   long ret)
{
	if (!ret)
		ret = wdfq_request_information(req);
	/*
	 * Its slot is free. The completion interrupt's DPC wakes pollers
	 * too, but a write ended by its cancel routine, a purge or a failed
	 * start has no interrupt.
	 */
	drv_poll_wake(drv_req(req)->d, EPOLLOUT | EPOLLWRNORM);
	return ret;
}

static const struct drv_call_ops drv_write_ops = {
	.type = WDFQ_REQ_WRITE,
	.refuse = drv_write_refuse,
	.prepare = drv_write_prepare,
	.done = drv_write_done,
};

/*
 * write(2), writev(2), libaio: see drv_read_iter(). IOCB_NOWAIT: -EAGAIN
 * when the transfer could not start at once (poll reports no EPOLLOUT); an
 * io_uring write that can start completes asynchronously like a libaio
 * one (it has no cancel hook, but a transfer ends in bounded time).
 */
static ssize_t drv_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct file *file = iocb->ki_filp;
	struct drv_call c = {
		.file = file,
		.ops = &drv_write_ops,
		.charged = true,
		.nonblock = (file->f_flags & O_NONBLOCK) ||
			    (iocb->ki_flags & IOCB_NOWAIT),
	};

	if (!iov_iter_count(from))
		return 0;
	c.len = min_t(size_t, iov_iter_count(from), WDFQ_MAX_IO);
	c.kbuf = kmalloc(c.len, GFP_KERNEL);
	if (!c.kbuf)
		return -ENOMEM;
	if (!copy_from_iter_full(c.kbuf, c.len, from)) {
		kfree(c.kbuf);
		return -EFAULT;
	}
	if (!is_sync_kiocb(iocb)) {
		struct drv_aio *a = drv_aio_new(iocb, &c, NULL);

		if (IS_ERR(a)) {
			kfree(c.kbuf);
			return PTR_ERR(a);
		}
		if (a)
			return drv_call(&a->c);
	}
	return drv_kiocb_ret(iocb, drv_call(&c));
}

static __poll_t drv_poll(struct file *file, poll_table *wait)
{
	struct drv_file *df = file->private_data;
	struct drv_dev *d = df->d;
	struct wdfq_queue_state rs, ps, ws;
	__poll_t mask = 0;

	poll_wait(file, &d->poll_wq, wait);
	down_read(&d->rm_sem);
	if (d->dead) {
		mask = EPOLLERR | EPOLLHUP;
		goto out;
	}
	/*
	 * A side whose queue no longer accepts requests (drained, purged)
	 * fails them at once, like a pipe whose other end is gone: the read
	 * side reports EPOLLHUP, the write side EPOLLERR.
	 */
	drv_q_state(d, WDFQ_QUEUE_READ, &rs);
	wdfq_queue_get_state(d->parked, &ps);
	if (!rs.accepting || !ps.accepting)
		mask |= EPOLLHUP;
	else if (rs.dispatching && drv_ring_len(d) && !ps.queued)
		mask |= EPOLLIN | EPOLLRDNORM;
	drv_q_state(d, WDFQ_QUEUE_WRITE, &ws);
	if (!ws.accepting)
		mask |= EPOLLERR;
	else if (!drv_write_would_park(d))
		mask |= EPOLLOUT | EPOLLWRNORM;
out:
	up_read(&d->rm_sem);
	return mask;
}

/* Known commands; a privileged one needs CAP_SYS_ADMIN. */
static int drv_ioctl_check(unsigned int cmd)
{
	switch (cmd) {
	case WDFQ_IOC_GET_INFO:
	case WDFQ_IOC_GET_QUEUE_STATS:
	case WDFQ_IOC_GET_PARAMS:
	case WDFQ_IOC_WAIT_EVENT:
		return 0;
	case WDFQ_IOC_QUEUE_CTL:
	case WDFQ_IOC_SET_PARAMS:
	case WDFQ_IOC_INJECT:
	case WDFQ_IOC_RESET_STATS:
		return capable(CAP_SYS_ADMIN) ? 0 : -EPERM;
	default:
		return -ENOTTY;
	}
}

/* Copy an ioctl argument in; INJECT's bytes follow the structure. */
static void *drv_ioctl_copy_in(unsigned int cmd, void __user *argp,
			       size_t *lenp)
{
	size_t size = _IOC_SIZE(cmd), len = size;
	void *kbuf;

	kbuf = kzalloc(size, GFP_KERNEL);
	if (!kbuf)
		return ERR_PTR(-ENOMEM);
	if ((_IOC_DIR(cmd) & _IOC_WRITE) && copy_from_user(kbuf, argp, size)) {
		kfree(kbuf);
		return ERR_PTR(-EFAULT);
	}
	if (cmd == WDFQ_IOC_INJECT) {
		struct wdfq_inject *inj = kbuf;
		void *nbuf;

		if (!inj->len || inj->len > WDFQ_MAX_INJECT) {
			kfree(kbuf);
			return ERR_PTR(-EINVAL);
		}
		len = size + inj->len;
		nbuf = krealloc(kbuf, len, GFP_KERNEL);
		if (!nbuf) {
			kfree(kbuf);
			return ERR_PTR(-ENOMEM);
		}
		kbuf = nbuf;
		inj = kbuf;
		if (copy_from_user((u8 *)kbuf + size,
				   u64_to_user_ptr(inj->data), inj->len)) {
			kfree(kbuf);
			return ERR_PTR(-EFAULT);
		}
	}
	*lenp = len;
	return kbuf;
}

static void drv_ioctl_prepare(struct drv_call *c, struct wdfq_request *req)
{
	wdfq_request_set_ioctl_code(req, c->cmd);
	wdfq_request_set_buffers(req, c->kbuf, c->len, c->kbuf, c->len);
}

static long drv_ioctl_done(struct drv_call *c, struct wdfq_request *req,
			   long ret)
{
	/* Set only by a QUEUE_CTL with WDFQ_CTL_F_WAIT that was issued. */
	struct drv_ctl_op *op = drv_req(req)->ctl_op;
	struct drv_dev *d = drv_req(req)->d;

	/* Wait outside the control queue: a signal ends it, not the op. */
	if (op)
		ret = drv_ctl_wait(d, op);
	if (!ret && (_IOC_DIR(c->cmd) & _IOC_READ) &&
	    copy_to_user(c->ubuf, c->kbuf, _IOC_SIZE(c->cmd)))
		ret = -EFAULT;
	/* Queue states and the write limit decide what poll reports. */
	if (c->cmd == WDFQ_IOC_QUEUE_CTL || c->cmd == WDFQ_IOC_SET_PARAMS)
		drv_poll_wake(d, EPOLLIN | EPOLLRDNORM | EPOLLOUT |
			      EPOLLWRNORM | EPOLLERR | EPOLLHUP);
	return ret;
}

static const struct drv_call_ops drv_ioctl_ops = {
	.type = WDFQ_REQ_IOCTL,
	.prepare = drv_ioctl_prepare,
	.done = drv_ioctl_done,
};

static long drv_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct drv_call c = {
		.file = file,
		.ops = &drv_ioctl_ops,
		/* Only the ioctl that waits for the device; see the top. */
		.charged = cmd == WDFQ_IOC_WAIT_EVENT,
		.ubuf = (void __user *)arg,
		.cmd = cmd,
	};
	long ret;

	ret = drv_ioctl_check(cmd);
	if (ret)
		return ret;
	c.kbuf = drv_ioctl_copy_in(cmd, c.ubuf, &c.len);
	if (IS_ERR(c.kbuf))
		return PTR_ERR(c.kbuf);
	return drv_call(&c);
}

/*
 * The last close: whatever is still queued from this file is cancelled, in
 * every queue (like IRP_MJ_CLEANUP), then the file's state goes. A read or
 * write blocked on the file holds a reference to it, so in practice nothing
 * of theirs is left here; there is no .flush: close(2) of one descriptor
 * leaves the calls made through the others alone.
 */
static int drv_release(struct inode *inode, struct file *file)
{
	struct drv_file *df = file->private_data;
	struct drv_dev *d = df->d;

	down_read(&d->rm_sem);
	if (!d->dead)
		wdfq_device_file_cleanup(d->wdev, file);
	up_read(&d->rm_sem);
	drv_dev_put(d);
	kfree(df);
	return 0;
}

const struct file_operations drv_fops = {
	.owner = THIS_MODULE,
	.open = drv_open,
	.llseek = noop_llseek,
	.read_iter = drv_read_iter,
	.write_iter = drv_write_iter,
	.poll = drv_poll,
	.unlocked_ioctl = drv_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = drv_release,
};
