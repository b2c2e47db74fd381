// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq reference driver: the misc device's file operations.
 *
 * Every read, write and ioctl becomes one engine request with a kernel
 * bounce buffer (at most WDFQ_MAX_IO bytes of data), is submitted to the
 * engine device and waited for with wdfq_request_wait(): a signal cancels a
 * queued request and the call returns -ERESTARTSYS (EINTR, or a restart with
 * SA_RESTART). Each call is charged to its open file and to the device
 * (requests and bounce-buffer bytes); over a limit the call fails with
 * -EAGAIN instead of pinning more kernel memory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/pagemap.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "drv.h"

static int drv_charge(struct drv_file *df, size_t bytes)
{
	struct drv_dev *d = df->d;
	int ret = -EAGAIN;

	if (atomic_inc_return(&df->nr_requests) >
	    READ_ONCE(drv_param_file_max_requests))
		goto undo_file_req;
	if (atomic_long_add_return(bytes, &df->nr_bytes) >
	    READ_ONCE(drv_param_file_max_bytes))
		goto undo_file_bytes;
	if (atomic_inc_return(&d->nr_requests) >
	    READ_ONCE(drv_param_dev_max_requests))
		goto undo_dev_req;
	if (atomic_long_add_return(bytes, &d->nr_bytes) >
	    READ_ONCE(drv_param_dev_max_bytes))
		goto undo_dev_bytes;
	return 0;

undo_dev_bytes:
	atomic_long_sub(bytes, &d->nr_bytes);
undo_dev_req:
	atomic_dec(&d->nr_requests);
undo_file_bytes:
	atomic_long_sub(bytes, &df->nr_bytes);
undo_file_req:
	atomic_dec(&df->nr_requests);
	atomic64_inc(&d->cnt.requests_limited);
	return ret;
}

static void drv_uncharge(struct drv_file *df, size_t bytes)
{
	atomic_long_sub(bytes, &df->d->nr_bytes);
	atomic_dec(&df->d->nr_requests);
	atomic_long_sub(bytes, &df->nr_bytes);
	atomic_dec(&df->nr_requests);
}

static struct wdfq_request *drv_req_new(struct drv_dev *d, struct file *file,
					enum wdfq_request_type type)
{
	struct wdfq_request *req;
	struct drv_req *ctx;

	req = wdfq_request_alloc(d->wdev, type, file, GFP_KERNEL);
	if (!req)
		return NULL;
	ctx = drv_req(req);
	ctx->req = req;
	ctx->d = d;
	return req;
}

/* Submit, remembering the request on its file until its caller is done. */
static void drv_submit(struct drv_file *df, struct wdfq_request *req,
		       struct wdfq_queue *direct)
{
	struct drv_req *ctx = drv_req(req);

	ctx->owner = current->files;
	spin_lock(&df->lock);
	list_add_tail(&ctx->file_node, &df->reqs);
	spin_unlock(&df->lock);
	if (direct)
		wdfq_queue_submit(direct, req);
	else
		wdfq_device_submit(df->d->wdev, req);
}

/*
 * Wait for a submitted request. The caller has dropped rm_sem: it only has
 * to cover the submission. Once submitted, a request is completed by the
 * engine even if the instance goes away (remove() purges every queue), and
 * waiting for it, reading its status and dropping it touch nothing but the
 * request. So no lock is held while the caller sleeps.
 *
 * Return: -ERESTARTSYS if a signal cancelled the request, else its
 * completion status; a request cancelled because the instance was removed
 * reports -ENODEV.
 */
static int drv_wait(struct drv_file *df, struct wdfq_request *req)
{
	struct drv_dev *d = df->d;
	int ret;

	ret = wdfq_request_wait(req);
	spin_lock(&df->lock);
	list_del(&drv_req(req)->file_node);
	spin_unlock(&df->lock);
	if (ret)
		return ret;
	ret = wdfq_request_status(req);
	if (ret && READ_ONCE(d->dead) &&
	    (ret == -ECANCELED || ret == -ESHUTDOWN))
		ret = -ENODEV;
	return ret;
}

static int drv_open(struct inode *inode, struct file *file)
{
	struct miscdevice *misc = file->private_data;
	struct drv_dev *d = container_of(misc, struct drv_dev, misc);
	struct drv_file *df;

	/* misc_open() holds misc_mtx: remove() cannot free @d meanwhile. */
	if (READ_ONCE(d->dead))
		return -ENODEV;
	df = kzalloc(sizeof(*df), GFP_KERNEL);
	if (!df)
		return -ENOMEM;
	kref_get(&d->ref);
	df->d = d;
	spin_lock_init(&df->lock);
	INIT_LIST_HEAD(&df->reqs);
	file->private_data = df;
	return stream_open(inode, file);
}

static ssize_t drv_read(struct file *file, char __user *buf, size_t len,
			loff_t *ppos)
{
	struct drv_file *df = file->private_data;
	struct drv_dev *d = df->d;
	bool nonblock = file->f_flags & O_NONBLOCK;
	struct wdfq_request *req;
	struct wdfq_queue *direct = NULL;
	void *kbuf;
	ssize_t ret;
	size_t n;

	if (!len)
		return 0;
	len = min_t(size_t, len, WDFQ_MAX_IO);
	/* Fail bad buffers before data is taken from the device. */
	if (fault_in_writeable(buf, len))
		return -EFAULT;

	down_read(&d->rm_sem);
	ret = -ENODEV;
	if (d->dead)
		goto out_unlock;
	ret = -EAGAIN;
	if (nonblock && (!drv_ring_len(d) || drv_reads_parked(d)))
		goto out_unlock;
	ret = drv_charge(df, len);
	if (ret)
		goto out_unlock;
	ret = -ENOMEM;
	kbuf = kmalloc(len, GFP_KERNEL);
	if (!kbuf)
		goto out_uncharge;
	req = drv_req_new(d, file, WDFQ_REQ_READ);
	if (!req)
		goto out_free;
	drv_req(req)->nonblock = nonblock;
	wdfq_request_set_buffers(req, NULL, 0, kbuf, len);
	if (d->read_path == WDFQ_READ_PATH_NOTIFY)
		direct = d->q[WDFQ_QUEUE_READ];
	drv_submit(df, req, direct);
	up_read(&d->rm_sem);
	ret = drv_wait(df, req);
	if (!ret) {
		n = min(wdfq_request_information(req), len);
		ret = copy_to_user(buf, kbuf, n) ? -EFAULT : n;
	}
	wdfq_request_put(req);
	kfree(kbuf);
	drv_uncharge(df, len);
	return ret;

out_free:
	kfree(kbuf);
out_uncharge:
	drv_uncharge(df, len);
out_unlock:
	up_read(&d->rm_sem);
	return ret;
}

static ssize_t drv_write(struct file *file, const char __user *buf,
			 size_t len, loff_t *ppos)
{
	struct drv_file *df = file->private_data;
	struct drv_dev *d = df->d;
	struct wdfq_request *req;
	void *kbuf;
	ssize_t ret;

	if (!len)
		return 0;
	len = min_t(size_t, len, WDFQ_MAX_IO);
	kbuf = memdup_user(buf, len);
	if (IS_ERR(kbuf))
		return PTR_ERR(kbuf);

	down_read(&d->rm_sem);
	ret = -ENODEV;
	if (d->dead)
		goto out_unlock;
	ret = -EAGAIN;
	if ((file->f_flags & O_NONBLOCK) && drv_write_would_park(d))
		goto out_unlock;
	ret = drv_charge(df, len);
	if (ret)
		goto out_unlock;
	ret = -ENOMEM;
	req = drv_req_new(d, file, WDFQ_REQ_WRITE);
	if (!req)
		goto out_uncharge;
	drv_write_timer_init(drv_req(req));
	wdfq_request_set_buffers(req, kbuf, len, NULL, 0);
	drv_submit(df, req, NULL);
	up_read(&d->rm_sem);
	ret = drv_wait(df, req);
	if (!ret)
		ret = wdfq_request_information(req);
	wdfq_request_put(req);
	drv_uncharge(df, len);
	kfree(kbuf);
	return ret;

out_uncharge:
	drv_uncharge(df, len);
out_unlock:
	up_read(&d->rm_sem);
	kfree(kbuf);
	return ret;
}

static __poll_t drv_poll(struct file *file, poll_table *wait)
{
	struct drv_file *df = file->private_data;
	struct drv_dev *d = df->d;
	__poll_t mask = 0;

	poll_wait(file, &d->poll_wq, wait);
	down_read(&d->rm_sem);
	if (d->dead) {
		mask = EPOLLERR | EPOLLHUP;
	} else {
		if (drv_ring_len(d) && !drv_reads_parked(d))
			mask |= EPOLLIN | EPOLLRDNORM;
		if (!drv_write_would_park(d))
			mask |= EPOLLOUT | EPOLLWRNORM;
	}
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

static long drv_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct drv_file *df = file->private_data;
	struct drv_dev *d = df->d;
	void __user *argp = (void __user *)arg;
	struct wdfq_request *req;
	struct drv_ctl_op *op;
	size_t len;
	void *kbuf;
	long ret;

	ret = drv_ioctl_check(cmd);
	if (ret)
		return ret;
	kbuf = drv_ioctl_copy_in(cmd, argp, &len);
	if (IS_ERR(kbuf))
		return PTR_ERR(kbuf);

	down_read(&d->rm_sem);
	ret = -ENODEV;
	if (d->dead)
		goto out_unlock;
	ret = drv_charge(df, len);
	if (ret)
		goto out_unlock;
	ret = -ENOMEM;
	req = drv_req_new(d, file, WDFQ_REQ_IOCTL);
	if (!req)
		goto out_uncharge;
	wdfq_request_set_ioctl_code(req, cmd);
	wdfq_request_set_buffers(req, kbuf, len, kbuf, len);
	drv_submit(df, req, NULL);
	up_read(&d->rm_sem);
	ret = drv_wait(df, req);
	/* Set only by a QUEUE_CTL with WDFQ_CTL_F_WAIT that was issued. */
	op = drv_req(req)->ctl_op;
	wdfq_request_put(req);
	/* Wait outside the control queue: a signal ends it, not the op. */
	if (op)
		ret = drv_ctl_wait(d, op);
	if (!ret && (_IOC_DIR(cmd) & _IOC_READ) &&
	    copy_to_user(argp, kbuf, _IOC_SIZE(cmd)))
		ret = -EFAULT;
	drv_uncharge(df, len);
	kfree(kbuf);
	return ret;

out_uncharge:
	drv_uncharge(df, len);
out_unlock:
	up_read(&d->rm_sem);
	kfree(kbuf);
	return ret;
}

/*
 * close(2) cancels the requests that the closing process submitted through
 * this open file and still waits for, as a signal would: queued ones
 * complete with ECANCELED, cancelable ones in progress get their cancel
 * routine. Threads of that process blocked on them return ECANCELED.
 * Another process's requests on the same open file (an inherited or passed
 * descriptor) are left alone.
 */
static int drv_flush(struct file *file, fl_owner_t id)
{
	struct drv_file *df = file->private_data;
	struct drv_req *ctx;

	spin_lock(&df->lock);
	list_for_each_entry(ctx, &df->reqs, file_node)
		if (ctx->owner == id)
			wdfq_request_cancel(ctx->req);
	spin_unlock(&df->lock);
	return 0;
}

/*
 * The last close: whatever is still queued from this file is cancelled, in
 * every queue (like IRP_MJ_CLEANUP), then the file's state goes.
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
	.read = drv_read,
	.write = drv_write,
	.poll = drv_poll,
	.unlocked_ioctl = drv_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.flush = drv_flush,
	.release = drv_release,
};
