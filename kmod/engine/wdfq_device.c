// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq devices: creation and teardown, routing, file cleanup, and the
 * callback frames that tell whether the current task is inside a callback.
 * The locking rules are in wdfq_internal.h.
 */
#include <linux/export.h>
#include <linux/module.h>
#include <linux/lockdep.h>
#include <linux/slab.h>

#include <wdfq_inject.h>
#include <wdfq_kunit.h>
#include "wdfq_internal.h"

WDFQ_FAIL_POINT(wdfq, device_create);

struct wdfq_device *wdfq_device_create(const struct wdfq_device_config *cfg)
{
	struct wdfq_device *dev;
	int ret;

	ret = wdfq_fail_device_create();
	if (ret)
		return ERR_PTR(ret);
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	dev->cfg = *cfg;
	strscpy(dev->name, cfg->name ?: "wdfq", sizeof(dev->name));
	dev->cfg.name = dev->name;
	mutex_init(&dev->lock);
	INIT_LIST_HEAD(&dev->queues);
	mutex_init(&dev->cb_mutex);
	raw_spin_lock_init(&dev->frames_lock);
	INIT_LIST_HEAD(&dev->frames);
	mutex_init(&dev->power_lock);
	init_waitqueue_head(&dev->power_wq);
	dev->powered = true;
	dev->wq = alloc_workqueue("wdfq-%s", WQ_UNBOUND | WQ_HIGHPRI, 0,
				  dev->name);
	if (!dev->wq) {
		kfree(dev);
		return ERR_PTR(-ENOMEM);
	}
	wdfq_debugfs_add_device(dev);
	return dev;
}
EXPORT_SYMBOL_GPL(wdfq_device_create);

void wdfq_device_delete(struct wdfq_device *dev)
{
	struct wdfq_queue *q;

	might_sleep();
	/* it would wait for the caller's own callback to return */
	if (wdfq_in_callback(dev, NULL)) {
		wdfq_device_bug(dev, "device deleted from one of its callbacks");
		return;
	}
	/* first: waits for its readers, which use the queues and dev */
	wdfq_debugfs_remove_device(dev);
	for (;;) {
		mutex_lock(&dev->lock);
		q = list_first_entry_or_null(&dev->queues, struct wdfq_queue,
					     dev_node);
		mutex_unlock(&dev->lock);
		if (!q)
			break;
		wdfq_queue_delete(q);
	}
	destroy_workqueue(dev->wq);
	/* queues are freed after a grace period; they point to dev */
	rcu_barrier();
	mutex_destroy(&dev->cb_mutex);
	mutex_destroy(&dev->power_lock);
	mutex_destroy(&dev->lock);
	kfree(dev);
}
EXPORT_SYMBOL_GPL(wdfq_device_delete);

void wdfq_device_flush(struct wdfq_device *dev)
{
	might_sleep();
	/* it would wait for the caller's own callback to return */
	if (wdfq_in_callback(dev, NULL)) {
		wdfq_device_bug(dev, "device flushed from one of its callbacks");
		return;
	}
	flush_workqueue(dev->wq);
}
EXPORT_SYMBOL_GPL(wdfq_device_flush);

void *wdfq_device_context(struct wdfq_device *dev)
{
	return dev->cfg.context;
}
EXPORT_SYMBOL_GPL(wdfq_device_context);

int wdfq_device_route(struct wdfq_device *dev, enum wdfq_request_type type,
		      struct wdfq_queue *q)
{
	if (type >= WDFQ_REQ_TYPES || (q && q->dev != dev))
		return -EINVAL;
	if (q && !wdfq_queue_accepts_type(q, type))
		return -EINVAL;
	mutex_lock(&dev->lock);
	if (q && q->deleting) {
		mutex_unlock(&dev->lock);
		return -EINVAL;
	}
	rcu_assign_pointer(dev->routes[type], q);
	mutex_unlock(&dev->lock);
	return 0;
}
EXPORT_SYMBOL_GPL(wdfq_device_route);

void wdfq_device_file_cleanup(struct wdfq_device *dev, struct file *file)
{
	struct wdfq_request *req, *tmp;
	unsigned long irqflags;
	struct wdfq_queue *q;

	mutex_lock(&dev->lock);
	list_for_each_entry(q, &dev->queues, dev_node) {
		raw_spin_lock_irqsave(&q->lock, irqflags);
		list_for_each_entry_safe(req, tmp, &q->fifo, node) {
			if (req->file != file)
				continue;
			wdfq_set_canceled_locked(q, req, WDFQ_CANCEL_CLOSE);
			wdfq_queue_cancel_locked(q, req);
		}
		/* not inline: callbacks must not run under dev->lock */
		wdfq_queue_kick(q, irqflags, false);
	}
	mutex_unlock(&dev->lock);
}
EXPORT_SYMBOL_GPL(wdfq_device_file_cleanup);

void wdfq_frame_push(struct wdfq_device *dev, struct wdfq_frame *f,
		     struct wdfq_queue *q)
{
	unsigned long irqflags;

	f->task = current;
	f->q = q;
	f->device_scope = q->cfg.scope == WDFQ_SYNC_DEVICE;
	raw_spin_lock_irqsave(&dev->frames_lock, irqflags);
	list_add(&f->node, &dev->frames);
	raw_spin_unlock_irqrestore(&dev->frames_lock, irqflags);
}

void wdfq_frame_pop(struct wdfq_device *dev, struct wdfq_frame *f)
{
	unsigned long irqflags;

	raw_spin_lock_irqsave(&dev->frames_lock, irqflags);
	list_del(&f->node);
	raw_spin_unlock_irqrestore(&dev->frames_lock, irqflags);
}

static bool wdfq_find_frame(struct wdfq_device *dev, struct wdfq_queue *q,
			    bool device_scope)
{
	unsigned long irqflags;
	struct wdfq_frame *f;
	bool found = false;

	/* callbacks run in task context only (bottom halves may be off) */
	if (!in_task())
		return false;
	raw_spin_lock_irqsave(&dev->frames_lock, irqflags);
	list_for_each_entry(f, &dev->frames, node) {
		if (f->task != current)
			continue;
		if ((!q || f->q == q) && (!device_scope || f->device_scope)) {
			found = true;
			break;
		}
	}
	raw_spin_unlock_irqrestore(&dev->frames_lock, irqflags);
	return found;
}

/**
 * wdfq_in_callback() - is the current task inside an engine callback
 * @dev: the device
 * @q: of this queue, or NULL for any queue of @dev
 *
 * Return: true if so.
 */
bool wdfq_in_callback(struct wdfq_device *dev, struct wdfq_queue *q)
{
	return wdfq_find_frame(dev, q, false);
}

/**
 * wdfq_in_device_scope_callback() - inside a DEVICE-scope callback of @dev
 * @dev: the device
 *
 * Return: true if so.
 */
bool wdfq_in_device_scope_callback(struct wdfq_device *dev)
{
	return wdfq_find_frame(dev, NULL, true);
}

/* The innermost callback of @dev the current task is in, or NULL. */
static struct wdfq_queue *wdfq_callback_queue(struct wdfq_device *dev)
{
	struct wdfq_queue *q = NULL;
	unsigned long irqflags;
	struct wdfq_frame *f;

	if (!in_task())
		return NULL;
	raw_spin_lock_irqsave(&dev->frames_lock, irqflags);
	list_for_each_entry(f, &dev->frames, node) {
		if (f->task == current) {
			q = f->q;
			break;
		}
	}
	raw_spin_unlock_irqrestore(&dev->frames_lock, irqflags);
	return q;
}

/**
 * wdfq_device_bug() - report a misuse of the API that concerns no queue
 * @dev: the device
 * @what: what went wrong
 *
 * Counted against the queue whose callback the current task is in, if any
 * (that queue cannot go away meanwhile).
 */
void wdfq_device_bug(struct wdfq_device *dev, const char *what)
{
	struct wdfq_queue *q = wdfq_callback_queue(dev);
	unsigned long irqflags;

	if (q) {
		raw_spin_lock_irqsave(&q->lock, irqflags);
		wdfq_driver_bug(q, what);
		raw_spin_unlock_irqrestore(&q->lock, irqflags);
	} else if (dev->quiet_bugs) {
		pr_notice("wdfq %s: driver misuse: %s\n", dev->name, what);
	} else {
		WARN_ONCE(1, "wdfq %s: driver misuse: %s\n", dev->name, what);
	}
}

/**
 * wdfq_request_bug() - report a misuse concerning a completed request
 * @req: the request; its device must exist, its queue may be gone
 * @what: what went wrong
 *
 * Counted against the request's last queue if that queue still exists:
 * queues leave the device's list before they are freed, a grace period
 * later. Any context.
 */
void wdfq_request_bug(struct wdfq_request *req, const char *what)
{
	struct wdfq_queue *q, *last = READ_ONCE(req->queue);
	struct wdfq_device *dev = req->dev;
	unsigned long irqflags;

	rcu_read_lock();
	list_for_each_entry_rcu(q, &dev->queues, dev_node) {
		if (q != last)
			continue;
		raw_spin_lock_irqsave(&q->lock, irqflags);
		wdfq_driver_bug(q, what);
		raw_spin_unlock_irqrestore(&q->lock, irqflags);
		rcu_read_unlock();
		return;
	}
	rcu_read_unlock();
	if (dev->quiet_bugs)
		pr_notice("wdfq %s: driver misuse: %s\n", dev->name, what);
	else
		WARN_ONCE(1, "wdfq %s: driver misuse: %s\n", dev->name, what);
}

/**
 * wdfq_driver_bug() - report a misuse of the API (rule 13)
 * @q: the queue it concerns, locked
 * @what: what went wrong
 */
void wdfq_driver_bug(struct wdfq_queue *q, const char *what)
{
	lockdep_assert_held(&q->lock);
	q->stats.driver_bugs++;
	if (q->dev->quiet_bugs)
		pr_notice("wdfq %s/%s: driver misuse: %s\n", q->dev->name,
			  q->cfg.name ?: "queue", what);
	else
		WARN_ONCE(1, "wdfq %s/%s: driver misuse: %s\n", q->dev->name,
			  q->cfg.name ?: "queue", what);
}

#if IS_ENABLED(CONFIG_KUNIT)
void wdfq_kunit_quiet_driver_bugs(struct wdfq_device *dev)
{
	dev->quiet_bugs = true;
}
EXPORT_SYMBOL_IF_KUNIT(wdfq_kunit_quiet_driver_bugs);
#endif

static int __init wdfq_engine_init(void)
{
	wdfq_debugfs_init();
	return 0;
}
module_init(wdfq_engine_init);

static void __exit wdfq_engine_exit(void)
{
	wdfq_debugfs_exit();
}
module_exit(wdfq_engine_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KMDF-style I/O queues: a library for drivers");
