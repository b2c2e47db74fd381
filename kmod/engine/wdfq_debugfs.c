// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq debugfs: /sys/kernel/debug/wdfq/<device>/queues and .../power, a
 * read-only dump of an engine device for debugging (the format is in
 * Documentation/wdfq/debugfs.rst). The locking rules are in
 * wdfq_internal.h.
 *
 * One "queues" file per device rather than a file per queue: queue names
 * are optional and need not be unique, queues come and go from callbacks,
 * and one file is one walk of the device's queue list under dev->lock, so
 * every queue it prints is alive.
 *
 * Lifetime: the files are made by debugfs_create_file(), whose proxy counts
 * the tasks inside a file operation. wdfq_device_delete() removes the
 * directory before it deletes a queue or frees anything; debugfs_remove()
 * waits for those tasks, and a file still open afterwards reads -EIO.
 */
#include <linux/debugfs.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "wdfq_internal.h"

static unsigned int debugfs_max_requests = 256;
module_param(debugfs_max_requests, uint, 0644);
MODULE_PARM_DESC(debugfs_max_requests,
		 "requests listed per queue in debugfs, the rest counted (default 256, at most 65536)");

#define WDFQ_DBG_MAX_REQUESTS	65536

static struct dentry *wdfq_debugfs_root;
/* makes a directory name's choice and its creation one step */
static DEFINE_MUTEX(wdfq_debugfs_names);
static unsigned int wdfq_debugfs_dup;

/* A request as copied under its queue's lock. */
struct wdfq_dbg_req {
	u64 id;
	ktime_t born;
	pid_t owner;
	u16 flags;
	u8 type;
	u8 state;
	bool canceled;
};

/* A queue as copied under its lock. */
struct wdfq_dbg_queue {
	struct wdfq_queue_state st;
	u32 cancel_run;
	u32 stop_todo;
	u32 resume_todo;
	u32 unacked;
	unsigned int dispatching;
	unsigned int in_callbacks;
	unsigned int presenting;
	bool deleting;
	bool stop_pending;
	bool purge_pending;
	bool cancel_owned;
	bool ready_armed;
	bool pm_want;
	u32 listed;
	bool truncated;
};

static const char * const wdfq_dbg_types[WDFQ_REQ_TYPES] = {
	[WDFQ_REQ_READ] = "read",
	[WDFQ_REQ_WRITE] = "write",
	[WDFQ_REQ_IOCTL] = "ioctl",
	[WDFQ_REQ_INTERNAL_IOCTL] = "internal_ioctl",
};

static const char *wdfq_dbg_type(u8 type)
{
	return type < WDFQ_REQ_TYPES ? wdfq_dbg_types[type] : "?";
}

static const char *wdfq_dbg_state(u8 state)
{
	switch (state) {
	case WDFQ_RS_QUEUED:
		return "queued";
	case WDFQ_RS_IN_CANCEL:
		return "canceling";
	case WDFQ_RS_OWNED:
		return "owned";
	default:
		return "?";
	}
}

static const char *wdfq_dbg_dispatch(enum wdfq_dispatch d)
{
	switch (d) {
	case WDFQ_DISPATCH_SEQUENTIAL:
		return "sequential";
	case WDFQ_DISPATCH_PARALLEL:
		return "parallel";
	case WDFQ_DISPATCH_MANUAL:
		return "manual";
	default:
		return "?";
	}
}

static const char *wdfq_dbg_scope(enum wdfq_sync_scope s)
{
	switch (s) {
	case WDFQ_SYNC_NONE:
		return "none";
	case WDFQ_SYNC_QUEUE:
		return "queue";
	case WDFQ_SYNC_DEVICE:
		return "device";
	default:
		return "?";
	}
}

static const char *wdfq_dbg_name(struct wdfq_queue *q)
{
	return q->cfg.name ?: "-";
}

/* Copy the requests of @list while there is room; q->lock held. */
static void wdfq_dbg_copy_list(struct wdfq_queue *q, struct list_head *list,
			       struct wdfq_dbg_queue *dq,
			       struct wdfq_dbg_req *reqs, u32 room)
{
	struct wdfq_request *req;
	struct wdfq_dbg_req *r;

	lockdep_assert_held(&q->lock);
	list_for_each_entry(req, list, node) {
		if (dq->listed == room) {
			dq->truncated = true;
			return;
		}
		r = &reqs[dq->listed++];
		r->id = req->id;
		r->born = req->born;
		r->owner = req->owner;
		r->flags = req->flags;
		r->type = req->type;
		r->state = req->state;
		r->canceled = test_bit(WDFQ_RA_CANCELED, &req->atomic_flags);
	}
}

/*
 * Copy @q and at most @room of its requests. The irq-off section is one
 * pass over at most @room list entries and a few words each: printing
 * happens after it.
 */
static void wdfq_dbg_copy_queue(struct wdfq_queue *q, struct wdfq_dbg_queue *dq,
				struct wdfq_dbg_req *reqs, u32 room)
{
	unsigned long irqflags;

	memset(dq, 0, sizeof(*dq));
	raw_spin_lock_irqsave(&q->lock, irqflags);
	dq->st = q->stats;
	dq->st.accepting = q->accepting;
	dq->st.dispatching = q->dispatch_on;
	dq->st.powered = q->powered;
	dq->st.queued = q->queued;
	dq->st.driver_owned = q->owned;
	dq->st.max_driver_owned = q->max_owned;
	dq->cancel_run = q->cancel_run;
	dq->stop_todo = q->stop_todo;
	dq->resume_todo = q->resume_todo;
	dq->unacked = q->unacked;
	dq->dispatching = q->dispatching;
	dq->in_callbacks = q->in_callbacks;
	dq->presenting = q->presenting;
	dq->deleting = q->deleting;
	dq->stop_pending = q->stop_pending;
	dq->purge_pending = q->purge_pending;
	dq->cancel_owned = q->cancel_owned;
	dq->ready_armed = q->ready_fn;
	dq->pm_want = q->pm_want;
	wdfq_dbg_copy_list(q, &q->fifo, dq, reqs, room);
	wdfq_dbg_copy_list(q, &q->cancel_list, dq, reqs, room);
	wdfq_dbg_copy_list(q, &q->owned_list, dq, reqs, room);
	raw_spin_unlock_irqrestore(&q->lock, irqflags);
}

static void wdfq_dbg_flag(struct seq_file *m, bool on, const char *name,
			  bool *first)
{
	if (!on)
		return;
	seq_printf(m, "%s%s", *first ? "" : ",", name);
	*first = false;
}

static void wdfq_dbg_show_req(struct seq_file *m, const struct wdfq_dbg_req *r,
			      ktime_t now)
{
	bool first = true;

	/* id: the req field of the trace events (wdfq_request_id()) */
	seq_printf(m, "  request id=%llu type=%s state=%s age_ms=%lld pid=%d flags=",
		   r->id, wdfq_dbg_type(r->type), wdfq_dbg_state(r->state),
		   max_t(s64, ktime_ms_delta(now, r->born), 0), r->owner);
	wdfq_dbg_flag(m, r->flags & WDFQ_RF_PRESENTED, "presented", &first);
	wdfq_dbg_flag(m, r->flags & WDFQ_RF_CANCELABLE, "cancelable", &first);
	wdfq_dbg_flag(m, r->canceled, "canceled", &first);
	wdfq_dbg_flag(m, r->flags & WDFQ_RF_CANCEL_RUN, "cancel_running",
		      &first);
	/* io_stop still to call, or called and not answered yet */
	wdfq_dbg_flag(m, r->flags & (WDFQ_RF_STOP_TODO | WDFQ_RF_STOP_WAIT),
		      "stop_pending", &first);
	wdfq_dbg_flag(m, r->flags & WDFQ_RF_STOP_ACKED, "stop_acked", &first);
	wdfq_dbg_flag(m, r->flags & WDFQ_RF_RESUME_TODO, "resume_pending",
		      &first);
	seq_puts(m, first ? "-\n" : "\n");
}

/* The request types routed to @q; dev->lock held. */
static void wdfq_dbg_show_routes(struct seq_file *m, struct wdfq_queue *q)
{
	struct wdfq_device *dev = q->dev;
	bool first = true;
	int t;

	seq_puts(m, " routes=");
	for (t = 0; t < WDFQ_REQ_TYPES; t++)
		wdfq_dbg_flag(m, rcu_access_pointer(dev->routes[t]) == q,
			      wdfq_dbg_types[t], &first);
	if (rcu_access_pointer(dev->default_q) == q)
		wdfq_dbg_flag(m, true, "default", &first);
	if (first)
		seq_puts(m, "-");
}

static void wdfq_dbg_show_queue(struct seq_file *m, struct wdfq_queue *q)
{
	u32 room = min(READ_ONCE(debugfs_max_requests), WDFQ_DBG_MAX_REQUESTS);
	struct wdfq_dbg_req *reqs = NULL;
	struct wdfq_dbg_queue dq;
	ktime_t now;
	u32 i, held;

	if (room) {
		reqs = kvmalloc_array(room, sizeof(*reqs), GFP_KERNEL);
		if (!reqs)
			room = 0;
	}
	wdfq_dbg_copy_queue(q, &dq, reqs, room);
	now = ktime_get_coarse();

	seq_printf(m, "queue %s dispatch=%s max_presented=%u scope=%s power_managed=%d allow_zero_length=%d",
		   wdfq_dbg_name(q), wdfq_dbg_dispatch(q->cfg.dispatch),
		   q->cfg.max_presented, wdfq_dbg_scope(q->cfg.scope),
		   q->cfg.power_managed, q->cfg.allow_zero_length);
	wdfq_dbg_show_routes(m, q);
	seq_putc(m, '\n');
	seq_printf(m, "  state accepting=%d dispatching=%d powered=%d deleting=%d stop_pending=%d purge_pending=%d cancel_owned=%d ready_notify=%d busy=%d\n",
		   dq.st.accepting, dq.st.dispatching, dq.st.powered,
		   dq.deleting, dq.stop_pending, dq.purge_pending,
		   dq.cancel_owned, dq.ready_armed, dq.pm_want);
	seq_printf(m, "  counters queued=%u driver_owned=%u max_driver_owned=%u arrived=%llu presented=%llu completed=%llu canceled=%llu forwarded_in=%llu forwarded_out=%llu driver_bugs=%llu\n",
		   dq.st.queued, dq.st.driver_owned, dq.st.max_driver_owned,
		   dq.st.arrived, dq.st.presented, dq.st.completed,
		   dq.st.canceled, dq.st.forwarded_in, dq.st.forwarded_out,
		   dq.st.driver_bugs);
	seq_printf(m, "  engine dispatch_threads=%u in_callbacks=%u presenting=%u cancel_routines_due=%u io_stop_todo=%u io_stop_unanswered=%u io_resume_todo=%u\n",
		   dq.dispatching, dq.in_callbacks, dq.presenting,
		   dq.cancel_run, dq.stop_todo, dq.unacked, dq.resume_todo);
	for (i = 0; i < dq.listed; i++)
		wdfq_dbg_show_req(m, &reqs[i], now);
	/* queued + owned counts the owned requests in transit, on no list */
	held = dq.st.queued + dq.st.driver_owned;
	if (dq.truncated)
		seq_printf(m, "  ... %u more\n", held - dq.listed);
	else if (held > dq.listed)
		seq_printf(m, "  ... %u in transit to another queue\n",
			   held - dq.listed);
	kvfree(reqs);
}

static void wdfq_dbg_show_device(struct seq_file *m, struct wdfq_device *dev)
{
	struct wdfq_queue *q;
	unsigned int n = 0;

	lockdep_assert_held(&dev->lock);
	list_for_each_entry(q, &dev->queues, dev_node)
		n++;
	seq_printf(m, "device %s powered=%d queues=%u\n", dev->name,
		   dev->powered, n);
}

/* seq_file over the queue list: the device line, then one queue per step */
static void *wdfq_queues_start(struct seq_file *m, loff_t *pos)
{
	struct wdfq_device *dev = m->private;

	/* held until wdfq_queues_stop(): no queue leaves the list meanwhile */
	mutex_lock(&dev->lock);
	return seq_list_start_head(&dev->queues, *pos);
}

static void *wdfq_queues_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct wdfq_device *dev = m->private;

	return seq_list_next(v, &dev->queues, pos);
}

static void wdfq_queues_stop(struct seq_file *m, void *v)
{
	struct wdfq_device *dev = m->private;

	mutex_unlock(&dev->lock);
}

static int wdfq_queues_show(struct seq_file *m, void *v)
{
	struct wdfq_device *dev = m->private;

	if (v == &dev->queues)
		wdfq_dbg_show_device(m, dev);
	else
		wdfq_dbg_show_queue(m, list_entry(v, struct wdfq_queue,
						  dev_node));
	return 0;
}

static const struct seq_operations wdfq_queues_sops = {
	.start = wdfq_queues_start,
	.next = wdfq_queues_next,
	.stop = wdfq_queues_stop,
	.show = wdfq_queues_show,
};
DEFINE_SEQ_ATTRIBUTE(wdfq_queues);

static const char *wdfq_dbg_rpm_status(struct device *pm_dev)
{
#ifdef CONFIG_PM
	int status;

	spin_lock_irq(&pm_dev->power.lock);
	status = pm_dev->power.runtime_status;
	spin_unlock_irq(&pm_dev->power.lock);
	switch (status) {
	case RPM_ACTIVE:
		return "active";
	case RPM_RESUMING:
		return "resuming";
	case RPM_SUSPENDED:
		return "suspended";
	case RPM_SUSPENDING:
		return "suspending";
	default:
		return "other";
	}
#else
	return "no_pm";
#endif
}

static int wdfq_dbg_rpm_usage(struct device *pm_dev)
{
#ifdef CONFIG_PM
	return atomic_read(&pm_dev->power.usage_count);
#else
	return 0;
#endif
}

/*
 * The power file: the device's power state, its runtime-PM device, and per
 * queue whether it holds one of that device's usage references (the engine's
 * share of the count) and what a power-down still waits for.
 */
static int wdfq_power_show(struct seq_file *m, void *v)
{
	struct wdfq_device *dev = m->private;
	struct device *pm_dev = dev->cfg.pm_dev;
	unsigned long irqflags;
	struct wdfq_queue *q;
	bool held, busy, powered;
	u32 unacked, stop_todo, resume_todo;
	unsigned int holders = 0;

	mutex_lock(&dev->lock);
	/* a power-down in progress holds power_lock across its wait */
	seq_printf(m, "device %s powered=%d power_transition=%d\n", dev->name,
		   dev->powered, mutex_is_locked(&dev->power_lock));
	if (pm_dev)
		seq_printf(m, "pm_dev %s runtime_status=%s usage_count=%d\n",
			   dev_name(pm_dev), wdfq_dbg_rpm_status(pm_dev),
			   wdfq_dbg_rpm_usage(pm_dev));
	else
		seq_puts(m, "pm_dev -\n");
	list_for_each_entry(q, &dev->queues, dev_node) {
		mutex_lock(&q->pm_lock);
		held = q->pm_held;
		mutex_unlock(&q->pm_lock);
		raw_spin_lock_irqsave(&q->lock, irqflags);
		busy = q->pm_want;
		powered = q->powered;
		unacked = q->unacked;
		stop_todo = q->stop_todo;
		resume_todo = q->resume_todo;
		raw_spin_unlock_irqrestore(&q->lock, irqflags);
		holders += held;
		seq_printf(m, "queue %s power_managed=%d powered=%d busy=%d holds_pm_ref=%d io_stop_todo=%u io_stop_unanswered=%u io_resume_todo=%u\n",
			   wdfq_dbg_name(q), q->cfg.power_managed, powered,
			   busy, held, stop_todo, unacked, resume_todo);
	}
	seq_printf(m, "engine_pm_refs=%u\n", holders);
	mutex_unlock(&dev->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(wdfq_power);

/**
 * wdfq_debugfs_add_device() - make the debugfs directory of a new device
 * @dev: the device, fully initialized
 *
 * Named after the device; a second device of the same name gets ".N"
 * appended. Without debugfs the device simply has no directory.
 */
void wdfq_debugfs_add_device(struct wdfq_device *dev)
{
	struct dentry *dir, *old;
	char name[sizeof(dev->name) + 12];

	if (IS_ERR_OR_NULL(wdfq_debugfs_root))
		return;
	mutex_lock(&wdfq_debugfs_names);
	strscpy(name, dev->name, sizeof(name));
	while ((old = debugfs_lookup(name, wdfq_debugfs_root))) {
		dput(old);
		snprintf(name, sizeof(name), "%s.%u", dev->name,
			 ++wdfq_debugfs_dup);
	}
	dir = debugfs_create_dir(name, wdfq_debugfs_root);
	mutex_unlock(&wdfq_debugfs_names);
	if (IS_ERR(dir))
		return;
	debugfs_create_file("queues", 0400, dir, dev, &wdfq_queues_fops);
	debugfs_create_file("power", 0400, dir, dev, &wdfq_power_fops);
	dev->debugfs = dir;
}

/**
 * wdfq_debugfs_remove_device() - remove a device's debugfs directory
 * @dev: the device
 *
 * Returns once no reader is inside one of its files; before the device's
 * queues or the device itself are freed. Process context, no engine lock.
 */
void wdfq_debugfs_remove_device(struct wdfq_device *dev)
{
	debugfs_remove(dev->debugfs);
	dev->debugfs = NULL;
}

void wdfq_debugfs_init(void)
{
	wdfq_debugfs_root = debugfs_create_dir("wdfq", NULL);
}

void wdfq_debugfs_exit(void)
{
	debugfs_remove(wdfq_debugfs_root);
	wdfq_debugfs_root = NULL;
}
