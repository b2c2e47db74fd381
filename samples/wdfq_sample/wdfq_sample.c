// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq_sample: an echo device on the wdfq queue engine, a minimal example
 * of a driver that uses the engine through <wdfq.h> only and builds as its
 * own external module (see the Makefile).
 *
 * /dev/wdfq_sample hands the data of each write(2) to one read(2):
 *
 * - read(2) becomes a READ request routed to a MANUAL queue, where it
 *   parks until a write takes it. Parked reads are served oldest first.
 * - write(2) becomes a WRITE request routed to a PARALLEL queue that
 *   presents at most SAMPLE_WRITERS writes at a time. Its io_write handler
 *   retrieves the oldest parked read, copies as much data as fits into it
 *   and completes both: read(2) returns the bytes it got, write(2) the
 *   bytes it gave (a short count when the reader asked for less).
 * - A write that finds no parked read fails at once with -EAGAIN: a writer
 *   never waits, so the whole data path is the one handler.
 * - Cancellation: when the caller of a parked read gets a signal,
 *   wdfq_request_wait() has the engine take the read off its queue and
 *   complete it with -ECANCELED; read(2) returns -ERESTARTSYS (EINTR, or a
 *   restart under SA_RESTART) and nothing stays queued. A read that a write
 *   has already retrieved is not cancelled: the write completes it with the
 *   data. So the driver needs no cancel routine: it holds a read only
 *   between retrieving and completing it.
 * - Teardown: module exit unregisters the device, purges both queues,
 *   which completes anything still queued (-ECANCELED for a parked read),
 *   then deletes the engine device. Here .owner keeps the module loaded
 *   while the device is open, so the purge finds nothing; a driver whose
 *   hardware can go away under open files (unbind, unplug) relies on it.
 *
 * /sys/class/misc/wdfq_sample/parked shows how many reads are parked.
 * Data passes through a kernel buffer of at most SAMPLE_MAX_IO bytes.
 * Load wdfq_engine.ko first.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>

#include <wdfq.h>

#define SAMPLE_MAX_IO	4096	/* bytes of one read or write */
#define SAMPLE_WRITERS	2	/* writes presented at a time */

static struct wdfq_device *sample_wdev;
static struct wdfq_queue *sample_readq;		/* MANUAL: parked reads */
static struct wdfq_queue *sample_writeq;	/* PARALLEL: writes */

/* Presents a write: give its bytes to the oldest parked read. */
static void sample_io_write(struct wdfq_queue *q, struct wdfq_request *wr)
{
	struct wdfq_request *rd;
	size_t in_len, out_len, n;
	const void *in;
	void *out;

	if (wdfq_queue_retrieve_next(sample_readq, &rd)) {
		/* -ENOENT: no reader */
		wdfq_request_complete(wr, -EAGAIN, 0);
		return;
	}
	in = wdfq_request_in_buf(wr, &in_len);
	out = wdfq_request_out_buf(rd, &out_len);
	n = min(in_len, out_len);
	memcpy(out, in, n);
	wdfq_request_complete(rd, 0, n);
	wdfq_request_complete(wr, 0, n);
}

/* The queues. Every handler of the driver is assigned here. */
static const struct wdfq_queue_config sample_readq_cfg = {
	.name = "sample-read",
	.dispatch = WDFQ_DISPATCH_MANUAL,
	.scope = WDFQ_SYNC_NONE,
};

static const struct wdfq_queue_ops sample_writeq_ops = {
	.io_write = sample_io_write,
};

static const struct wdfq_queue_config sample_writeq_cfg = {
	.name = "sample-write",
	.dispatch = WDFQ_DISPATCH_PARALLEL,
	.max_presented = SAMPLE_WRITERS,
	.scope = WDFQ_SYNC_NONE,
	.ops = &sample_writeq_ops,
};

/*
 * Submit one request and wait for it. A signal cancels a request that is
 * still queued: -ERESTARTSYS.
 *
 * Return: the bytes transferred, or a negative errno.
 */
static ssize_t sample_io(struct file *file, enum wdfq_request_type type,
			 const void *in, size_t in_len, void *out,
			 size_t out_len)
{
	struct wdfq_request *req;
	ssize_t ret;

	req = wdfq_request_alloc(sample_wdev, type, file, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	wdfq_request_set_buffers(req, in, in_len, out, out_len);
	wdfq_device_submit(sample_wdev, req);
	ret = wdfq_request_wait(req);
	if (!ret)
		ret = wdfq_request_status(req);
	if (!ret)
		ret = wdfq_request_information(req);
	wdfq_request_put(req);
	return ret;
}

static ssize_t sample_read(struct file *file, char __user *ubuf, size_t len,
			   loff_t *ppos)
{
	ssize_t ret;
	void *buf;

	len = min_t(size_t, len, SAMPLE_MAX_IO);
	buf = kmalloc(len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = sample_io(file, WDFQ_REQ_READ, NULL, 0, buf, len);
	if (ret > 0 && copy_to_user(ubuf, buf, ret))
		ret = -EFAULT;
	kfree(buf);
	return ret;
}

static ssize_t sample_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *ppos)
{
	ssize_t ret;
	void *buf;

	len = min_t(size_t, len, SAMPLE_MAX_IO);
	buf = memdup_user(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = sample_io(file, WDFQ_REQ_WRITE, buf, len, NULL, 0);
	kfree(buf);
	return ret;
}

static const struct file_operations sample_fops = {
	.owner = THIS_MODULE,
	.read = sample_read,
	.write = sample_write,
};

static ssize_t parked_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct wdfq_queue_state st;

	wdfq_queue_get_state(sample_readq, &st);
	return sysfs_emit(buf, "%u\n", st.queued);
}
static DEVICE_ATTR_RO(parked);

static struct attribute *sample_attrs[] = {
	&dev_attr_parked.attr,
	NULL
};
ATTRIBUTE_GROUPS(sample);

static struct miscdevice sample_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "wdfq_sample",
	.fops = &sample_fops,
	.groups = sample_groups,
};

static int __init sample_init(void)
{
	struct wdfq_device_config dc = { .name = "wdfq_sample" };
	int ret;

	sample_wdev = wdfq_device_create(&dc);
	if (IS_ERR(sample_wdev))
		return PTR_ERR(sample_wdev);
	sample_readq = wdfq_queue_create(sample_wdev, &sample_readq_cfg);
	if (IS_ERR(sample_readq)) {
		ret = PTR_ERR(sample_readq);
		goto err_delete;
	}
	sample_writeq = wdfq_queue_create(sample_wdev, &sample_writeq_cfg);
	if (IS_ERR(sample_writeq)) {
		ret = PTR_ERR(sample_writeq);
		goto err_delete;
	}
	ret = wdfq_device_route(sample_wdev, WDFQ_REQ_READ, sample_readq);
	if (!ret)
		ret = wdfq_device_route(sample_wdev, WDFQ_REQ_WRITE,
					sample_writeq);
	if (!ret)
		ret = misc_register(&sample_misc);
	if (ret)
		goto err_delete;
	return 0;

err_delete:
	wdfq_device_delete(sample_wdev);	/* and its queues */
	return ret;
}

static void __exit sample_exit(void)
{
	misc_deregister(&sample_misc);
	/* Writes first, so that none takes a read while reads are purged. */
	wdfq_queue_purge_sync(sample_writeq);
	wdfq_queue_purge_sync(sample_readq);
	wdfq_device_delete(sample_wdev);
}

module_init(sample_init);
module_exit(sample_exit);

MODULE_DESCRIPTION("wdfq sample: an echo device on the wdfq queue engine");
MODULE_LICENSE("GPL");
