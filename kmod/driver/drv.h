/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wdfq reference driver: private header shared by drv_*.c.
 *
 * The driver uses the queue engine only through wdfq.h.
 *
 * Locking rules
 * -------------
 * hw.lock (raw spinlock, taken with irqsave from every context, hard
 *	interrupts included): the simulated hardware's status: hw.armed, the
 *	byte counts of the input buffer (hw.rx_posted, hw.rx_latched) and of
 *	the hardware FIFO (hw.fifo_used), hw.suspend_refused, the list of
 *	finished write transfers hw.done, hw.gen_rate_hz, hw.gen_seq and the
 *	last interrupt record hw.last_evt. Only counts, pointers and list links
 *	change under it: no data is copied with it held (so none with
 *	interrupts off). Nothing else is taken inside it except the hrtimer
 *	base lock (hrtimer_start), and no engine call is made under it. It is
 *	never held around hrtimer_cancel(). The backend's raise_locked() runs
 *	under it (edu: one register write). The edu ISR takes it too.
 *
 * hw.rx_lock (spinlock_t, _bh in process context, plain in the generator's
 *	softirq timer): serializes the writers of the input buffer hw.rx
 *	(inject, generator), which copy into it with it held and then post the
 *	count under hw.lock. The DPC is the only reader of hw.rx (a kfifo with
 *	one reader and one writer needs no lock between them); it reads only
 *	bytes an interrupt latched, so never a byte that is still being copied.
 *
 * data_lock (spinlock_t, taken with _bh; the DPC runs in softirq context,
 *	or a thread on PREEMPT_RT, never in hard irq): the ring and the rule
 *	"a read is parked only while the ring is empty". Whoever looks at the
 *	ring and then parks, retrieves or completes a read holds it across both
 *	steps, so a DPC can never put data into the ring while a read is on its
 *	way to the parked queue. Engine calls made under it (retrieve, forward,
 *	requeue, complete, get_state) never call back into the driver.
 *
 * qlock (rw_semaphore): the pointer to the write queue, which SET_PARAMS
 *	(write_limit) replaces, and write_retiring, the old one it drains.
 *	Readers: ioctl handlers, poll, the removal's purge (which holds it
 *	while it purges write_retiring, so the rebuild cannot delete that
 *	queue meanwhile). The DPC and the handlers never need it: they do not touch the
 *	write queue pointer. remove() sets "dead" under it for writing;
 *	QUEUE_CTL and the write queue rebuild check "dead" under it, so that
 *	once the removal purges the queues none is reopened or replaced.
 *
 * rm_sem (rw_semaphore): held for reading by every file operation from its
 *	"dead" check until its request is submitted (never while it waits:
 *	a submitted request is completed whatever happens, and waiting on it
 *	touches only the request); remove() purges every queue, then takes
 *	it for writing, then deletes the engine device.
 *
 * ctl_lock (mutex): serializes SET_PARAMS with itself (ring resize, write
 *	queue rebuild).
 *
 * evt_lock (spinlock_t, taken with _bh): WAIT_EVENT's snapshot of the
 *	interrupt sequence and its forward to the events queue are one step
 *	under it, and the DPC scans the events queue under it. So the queue
 *	is in snapshot order (the waiters an interrupt releases are at its
 *	head), and an interrupt recorded after a snapshot schedules a DPC
 *	whose scan comes after the forward. Inside it: hw.lock (snapshot) and
 *	engine calls that never call back into the driver (forward, find,
 *	retrieve, complete).
 *
 * drv_users_lock (spinlock_t, drv_budget.c, process context only): the
 *	module-wide table of per-user charges. Innermost: nothing is taken
 *	inside it, and capable() is called with it dropped.
 *
 * Order: rm_sem -> ctl_lock -> qlock -> data_lock -> hw.lock;
 * evt_lock -> hw.lock; hw.rx_lock -> hw.lock; edu's dma_lock -> hw.lock
 * (drv_hw_edu.c).
 *
 * Request ownership: the write queue uses WDFQ_SYNC_QUEUE scope so that its
 * presentation handler, io_stop and the cancel routine never overlap; the
 * transfer timer (a hard interrupt) synchronizes with them through
 * wdfq_request_unmark_cancelable(); a transfer it finishes is the DPC's to
 * complete (hw.done).
 */
#ifndef _WDFQ_DRV_H
#define _WDFQ_DRV_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/kfifo.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uio.h>
#include <linux/wait.h>

#include <wdfq_compat.h>
#include <wdfq_inject.h>
#include <wdfq.h>
#include "../../uapi/linux/wdfq.h"

#define DRV_NAME		"wdfq"
/* Most instances (module parameter count). */
#define DRV_MAX_COUNT		16
/* Bytes the input interrupt moves from the input buffer per interrupt. */
#define DRV_LATCH_MAX		4096
/* Bytes the DPC takes from the hardware FIFO at a time. */
#define DRV_DPC_CHUNK		WDFQ_MAX_IO
/*
 * Device input not yet latched (inject, generator) and hardware FIFO
 * (latched, not yet taken by the DPC) limits. Latched input stays in the
 * input buffer until the DPC takes it, so that buffer holds both.
 */
#define DRV_RX_SIZE		65536
#define DRV_FIFO_SIZE		262144
#define DRV_RX_BUF		524288
/* Delay between an input arriving and its interrupt. */
#define DRV_IRQ_DELAY_NS	(20 * NSEC_PER_USEC)
#define DRV_RING_MIN		64
#define DRV_RING_MAX		1048576
#define DRV_WRITE_LIMIT_MAX	64
#define DRV_LATENCY_MAX_US	10000000
#define DRV_GEN_RATE_MAX	100000

struct drv_dev;
struct drv_req;

/* Module parameters (drv_main.c). */
extern unsigned int drv_param_read_path[];
extern unsigned int drv_param_write_limit;
extern unsigned int drv_param_write_latency_us;
extern unsigned int drv_param_ring_size;
extern unsigned int drv_param_gen_rate_hz;
extern unsigned int drv_param_file_max_requests;
extern unsigned long drv_param_file_max_bytes;
extern unsigned int drv_param_dev_max_requests;
extern unsigned long drv_param_dev_max_bytes;
extern unsigned int drv_param_user_max_requests;
extern unsigned long drv_param_user_max_bytes;

/**
 * struct drv_counters - device counters reported by GET_QUEUE_STATS
 * @interrupts: interrupts raised (input latches, write completions)
 * @dpc_runs: DPC runs
 * @input_bytes: bytes latched by interrupts
 * @direct_bytes: bytes the DPC gave straight to parked reads
 * @overrun_bytes: bytes dropped (ring, FIFO or input buffer full)
 * @overruns: drops
 * @events: WAIT_EVENT requests completed
 * @rpm_suspends: runtime suspends (forced ones included)
 * @rpm_resumes: runtime resumes (forced ones included)
 * @sys_suspends: system sleeps that powered the device down
 * @sys_resumes: system resumes that powered it up
 * @requests_limited: calls refused by the per-file/per-user/per-device
 *	limits
 * @write_inflight: write transfers running
 * @write_inflight_max: most write transfers running at once
 *
 * Atomic so that every context (hard interrupt, DPC, handlers) can update
 * them without a lock; see struct wdfq_queue_stats in the uapi header.
 */
struct drv_counters {
	atomic64_t interrupts;
	atomic64_t dpc_runs;
	atomic64_t input_bytes;
	atomic64_t direct_bytes;
	atomic64_t overrun_bytes;
	atomic64_t overruns;
	atomic64_t events;
	atomic64_t rpm_suspends;
	atomic64_t rpm_resumes;
	atomic64_t sys_suspends;
	atomic64_t sys_resumes;
	atomic64_t requests_limited;
	atomic_t write_inflight;
	atomic_t write_inflight_max;
};

/**
 * enum drv_hw_src - why the input interrupt is raised
 * @DRV_SRC_ANY: input waits (power-up, the FIFO has room again)
 * @DRV_SRC_INJECT: INJECT posted bytes
 * @DRV_SRC_GEN: the generator posted a record
 */
enum drv_hw_src {
	DRV_SRC_ANY,
	DRV_SRC_INJECT,
	DRV_SRC_GEN,
};

/**
 * struct drv_hw_ops - a hardware backend
 * @name: shown at probe
 * @init: set up the backend's interrupt sources, disarmed; first in
 *	drv_hw_init(); @fini must undo a partial one
 * @fini: free what @init set up; idempotent. Process context.
 * @arm: optional: power up: let the device's interrupts through (before
 *	hw.armed is set). Process context.
 * @disarm: power down: return once no interrupt of the device can run
 *	(after hw.armed is cleared). Process context.
 * @raise_locked: input waits (hw.armed, posted bytes not latched): make
 *	the device raise its input interrupt. hw.lock held.
 * @write_init: set up a write request's context before submission
 * @write_start: the write queue's presentation handler: mark the request
 *	cancelable and start its transfer
 * @write_stop: the write queue's io_stop: stop and requeue the transfer if
 *	it can (true), else it completes on its own (false)
 * @dpc: optional: the backend's part of the DPC, after latched input and
 *	finished writes were delivered. DPC context.
 */
struct drv_hw_ops {
	const char *name;
	int (*init)(struct drv_dev *d);
	void (*fini)(struct drv_dev *d);
	void (*arm)(struct drv_dev *d);
	void (*disarm)(struct drv_dev *d);
	void (*raise_locked)(struct drv_dev *d, enum drv_hw_src src);
	void (*write_init)(struct drv_req *ctx);
	void (*write_start)(struct drv_dev *d, struct wdfq_request *req);
	bool (*write_stop)(struct drv_dev *d, struct wdfq_request *req);
	void (*dpc)(struct drv_dev *d);
};

/**
 * struct drv_hw - the device model; see "Locking rules" in drv.h
 * @ops: the backend (simulated, or edu)
 * @priv: the backend's own state (edu: struct drv_edu)
 * @lock: raw spinlock, see above
 * @armed: powered: the interrupt source may fire
 * @rx_lock: serializes the writers of @rx, see above
 * @rx: device input buffer: bytes posted by inject and the generator, read
 *	by the DPC once latched; DRV_RX_BUF bytes, of which at most
 *	DRV_RX_SIZE not yet latched and DRV_FIFO_SIZE latched
 * @rx_posted: input bytes posted to @rx so far
 * @rx_latched: input bytes latched by the input interrupt so far
 * @rx_taken: input bytes the DPC took from @rx so far; DPC only
 * @fifo_used: bytes latched (input, and write loopback) that the DPC has
 *	not taken yet: the hardware FIFO's fill level, at most DRV_FIFO_SIZE
 * @suspend_refused: a runtime suspend was refused because input was on its
 *	way to the ring; the DPC asks for the suspend again once it is there
 * @done: write transfers whose completion interrupt fired, oldest first
 *	(struct drv_req.done_node); the DPC delivers and completes them
 *	(simulated backend)
 * @irq_timer: simulated backend: the input interrupt (hrtimer, hard mode)
 * @gen_timer: the generator (hrtimer, soft mode): posts one record a tick
 * @gen_rate_hz: generator rate, 0 = off
 * @gen_seq: next generator record
 * @irq_seq: interrupts so far; sequence number of the last one
 * @last_evt: record of the last interrupt
 * @dpc: the DPC (tasklet or BH work, see compat.h)
 * @dpc_buf: DPC scratch buffer, DRV_DPC_CHUNK bytes; DPC only
 */
struct drv_hw {
	const struct drv_hw_ops *ops;
	void *priv;
	raw_spinlock_t lock;
	bool armed;
	spinlock_t rx_lock;	/* writers of @rx; see "Locking rules" */
	struct kfifo rx;
	u64 rx_posted;
	u64 rx_latched;
	u64 rx_taken;
	u32 fifo_used;
	bool suspend_refused;
	struct list_head done;
	struct hrtimer irq_timer;
	struct hrtimer gen_timer;
	u32 gen_rate_hz;
	u64 gen_seq;
	u64 irq_seq;
	struct wdfq_event last_evt;
	struct wdfq_compat_bh dpc;
	u8 *dpc_buf;
};

/**
 * struct drv_qctl - per-queue state for QUEUE_CTL
 * @d: the device
 * @stop_pending: QUEUE_CTL stops (and stop-and-purges) whose completion
 *	callback has not run yet
 * @flush_pending: the same for drains and purges
 */
struct drv_qctl {
	struct drv_dev *d;
	atomic_t stop_pending;
	atomic_t flush_pending;
};

/**
 * struct drv_ctl_op - one QUEUE_CTL stop, stop-and-purge, drain or purge
 * @ref: held by the engine's completion callback and by a
 *	WDFQ_CTL_F_WAIT caller
 * @d: the device
 * @pending: &drv_qctl.stop_pending or &drv_qctl.flush_pending
 * @status: 0, or -ENODEV when the instance was removed before it finished
 * @done: set (release) by its completion callback
 *
 * Each operation has its own, so that a wait ends on this operation's
 * completion only, never on an earlier one's callback that ran late.
 */
struct drv_ctl_op {
	refcount_t ref;
	struct drv_dev *d;
	atomic_t *pending;
	int status;
	bool done;
};

/**
 * struct drv_dev - one instance: a device (platform wdfq.N or edu PCI)
 *	and /dev/wdfqN
 * @ref: held by the device binding and by every open file
 * @id: N
 * @dev: the bound device (runtime PM device)
 * @misc: the misc device /dev/wdfqN
 * @name: "wdfqN"
 * @wdev: the engine device; NULL once removed
 * @q: the queues by WDFQ_QUEUE_* id; NULL when absent
 * @read_path: WDFQ_READ_PATH_*
 * @parked: the queue parked reads wait on (pending, or read with notify)
 * @write_retiring: the old write queue a rebuild drains; NULL otherwise
 * @write_limit: limit of the current write queue
 * @write_latency_us: transfer duration
 * @qctl: QUEUE_CTL state, by queue id
 * @ctl_wq: QUEUE_CTL waiters (WDFQ_CTL_F_WAIT)
 * @poll_wq: poll/epoll waiters; woken by the DPC
 * @data_lock: see "Locking rules"
 * @evt_lock: see "Locking rules"
 * @ring: bytes delivered by the DPC that no read has taken yet
 * @ring_buf: storage of @ring
 * @hw: the hardware model
 * @cnt: device counters
 * @nr_requests: requests in progress from all files
 * @nr_bytes: bounce-buffer bytes of those
 * @qlock: see "Locking rules"
 * @rm_sem: see "Locking rules"
 * @ctl_lock: see "Locking rules"
 * @dead: the instance was removed; file operations return -ENODEV
 * @sys_sleep: system sleep is forcing the runtime suspend callback, which
 *	then does not wait for input (READ_ONCE/WRITE_ONCE: a runtime
 *	suspend may be starting meanwhile)
 */
struct drv_dev {
	struct kref ref;
	int id;
	struct device *dev;
	struct miscdevice misc;
	char name[16];
	struct wdfq_device *wdev;
	struct wdfq_queue *q[WDFQ_NR_QUEUES];
	unsigned int read_path;
	struct wdfq_queue *parked;
	struct wdfq_queue *write_retiring;
	unsigned int write_limit;
	unsigned int write_latency_us;
	struct drv_qctl qctl[WDFQ_NR_QUEUES];
	wait_queue_head_t ctl_wq;
	wait_queue_head_t poll_wq;
	spinlock_t data_lock;	/* see "Locking rules" */
	spinlock_t evt_lock;	/* see "Locking rules" */
	struct kfifo ring;
	void *ring_buf;
	struct drv_hw hw;
	struct drv_counters cnt;
	atomic_t nr_requests;
	atomic_long_t nr_bytes;
	struct rw_semaphore qlock;
	struct rw_semaphore rm_sem;
	struct mutex ctl_lock;	/* see "Locking rules" */
	bool dead;
	bool sys_sleep;
};

/*
 * Is @t queued? A lockless peek, as the hrtimer API means it (a READ_ONCE of
 * the timer's state). gcc's thread sanitizer instruments the READ_ONCE of a
 * bool (7.x kernels' is_queued) as a plain read when -fsanitize=bool is on,
 * so KCSAN would report the intended race with the hrtimer core; the
 * callers decide under hw.lock and cope with a stale answer (see the ISRs).
 */
static inline bool drv_timer_queued(struct hrtimer *t)
{
	return data_race(hrtimer_is_queued(t));
}

static inline void drv_dev_release(struct kref *ref)
{
	kfree(container_of(ref, struct drv_dev, ref));
}

/**
 * drv_dev_put() - drop a reference to an instance
 * @d: the instance
 *
 * The last reference (the binding's, or the last open file's) frees it.
 */
static inline void drv_dev_put(struct drv_dev *d)
{
	kref_put(&d->ref, drv_dev_release);
}

/**
 * struct drv_file - per-open state
 * @d: the device (a reference)
 * @nr_requests: requests in progress from this file
 * @nr_bytes: bounce-buffer bytes of those
 */
struct drv_file {
	struct drv_dev *d;
	atomic_t nr_requests;
	atomic_long_t nr_bytes;
};

/**
 * struct drv_req - driver context of every engine request
 * @req: the request this context belongs to
 * @d: the device
 * @timer: simulated write transfer (hard mode hrtimer): its expiry is the
 *	completion interrupt
 * @done_node: a write whose transfer finished: in hw.done until the DPC
 *	completes it
 * @loop_mark: that write's bytes follow the first @loop_mark input bytes
 *	latched (hw.rx_latched when its interrupt fired)
 * @loop_bytes: its bytes the hardware FIFO took (the rest were overrun)
 * @nonblock: O_NONBLOCK: complete with -EAGAIN instead of parking
 * @evt_seq: WAIT_EVENT: the last interrupt before the request arrived
 * @ctl_op: QUEUE_CTL with WDFQ_CTL_F_WAIT: the operation issued, with a
 *	reference for the caller
 * @to: a read waited for by its caller (not libaio): the caller's buffers,
 *	which the handler fills straight from the ring (see drv_io_read())
 * @caller: the task that submitted the read, waiting in it
 * @mm: its address space, in which @to's user addresses are
 * @prefaulted: the read's buffers were faulted in: bytes may go through
 *	the bounce buffer
 * @direct: the handler copied the data to @to; no bounce buffer copy
 * @len: the read's length (charged as bounce-buffer bytes)
 * @bounce: a read without a bounce buffer from drv_call() (no output
 *	buffer: its queues allow that, see drv_queues_create()): the one its
 *	handler allocated when the direct copy faulted; the caller frees it
 */
struct drv_req {
	struct wdfq_request *req;
	struct drv_dev *d;
	struct hrtimer timer;
	struct list_head done_node;
	u64 loop_mark;
	u32 loop_bytes;
	bool nonblock;
	u64 evt_seq;
	struct drv_ctl_op *ctl_op;
	struct iov_iter *to;
	struct task_struct *caller;
	struct mm_struct *mm;
	bool prefaulted;
	bool direct;
	size_t len;
	void *bounce;
};

static inline struct drv_req *drv_req(struct wdfq_request *req)
{
	return wdfq_request_ctx(req);
}

/*
 * A read's bounce buffer: the request's output buffer, or the one its
 * handler allocated (@ctx->bounce, NULL until then; see drv_io_read()).
 */
static inline void *drv_read_buf(struct wdfq_request *req, size_t *len)
{
	struct drv_req *ctx = drv_req(req);
	void *out = wdfq_request_out_buf(req, len);

	if (out)
		return out;
	*len = ctx->len;
	return ctx->bounce;
}

/* The instance a queue belongs to (its engine device's context). */
static inline struct drv_dev *drv_q_dev(struct wdfq_queue *q)
{
	return wdfq_device_context(wdfq_queue_device(q));
}

/* drv_budget.c */
struct drv_user;
struct drv_user *drv_charge(struct drv_file *df, size_t bytes);
void drv_uncharge(struct drv_file *df, struct drv_user *u, size_t bytes);

/* drv_main.c */
extern unsigned int drv_sim_count;
extern const struct dev_pm_ops drv_pm_ops;
struct drv_dev *drv_instance_probe(struct device *dev, int id,
				   const struct drv_hw_ops *ops, void *priv,
				   bool rpm_enable);
void drv_instance_remove(struct drv_dev *d, bool rpm_disable);

/* drv_hw.c */
void drv_count_overrun(struct drv_dev *d, size_t lost);
void drv_max_update(atomic_t *max, int val);
void drv_hw_record_irq_locked(struct drv_dev *d, u32 source, u32 bytes);
size_t drv_hw_latch_input_locked(struct drv_dev *d);
bool drv_hw_input_pending_locked(struct drv_dev *d);
bool drv_hw_refuse_suspend(struct drv_dev *d);
void drv_deliver(struct drv_dev *d, const u8 *buf, size_t n);
int drv_hw_init(struct drv_dev *d);
void drv_hw_fini(struct drv_dev *d);
void drv_hw_arm(struct drv_dev *d);
void drv_hw_disarm(struct drv_dev *d);
void drv_dpc_kick(struct drv_dev *d);
size_t drv_hw_inject(struct drv_dev *d, const void *data, size_t len);
void drv_hw_set_gen_rate(struct drv_dev *d, u32 rate);
u32 drv_hw_gen_rate(struct drv_dev *d);
u64 drv_hw_irq_seq(struct drv_dev *d);
int drv_ring_resize(struct drv_dev *d, unsigned int size);
unsigned int drv_ring_size(struct drv_dev *d);
size_t drv_ring_len(struct drv_dev *d);
void drv_ring_to_readers_locked(struct drv_dev *d);
size_t drv_ring_to_iter_locked(struct drv_dev *d, struct iov_iter *to,
			       size_t len);
void drv_write_start(struct drv_dev *d, struct wdfq_request *req);
bool drv_write_stop(struct drv_dev *d, struct wdfq_request *req);
void drv_write_timer_init(struct drv_req *ctx);

/* drv_hw_sim.c */
extern const struct drv_hw_ops drv_hw_sim_ops;

/* drv_pci.c */
extern struct pci_driver drv_pci_driver;

/* drv_read.c */
bool drv_reads_parked(struct drv_dev *d);
void drv_io_read(struct wdfq_queue *q, struct wdfq_request *req);
void drv_read_ready(struct wdfq_queue *q, void *context);

/* drv_write.c */
struct wdfq_queue *drv_write_queue_new(struct drv_dev *d, unsigned int limit);
int drv_write_queue_rebuild(struct drv_dev *d, unsigned int limit);
bool drv_write_would_park(struct drv_dev *d);

/* drv_ioctl.c */
void drv_io_control(struct wdfq_queue *q, struct wdfq_request *req);
int drv_ctl_wait(struct drv_dev *d, struct drv_ctl_op *op);

/* drv_queues.c */
int drv_queues_create(struct drv_dev *d);
void drv_queues_purge(struct drv_dev *d);

/* drv_fops.c */
extern const struct file_operations drv_fops;
int drv_fops_init(void);
void drv_fops_exit(void);

#endif /* _WDFQ_DRV_H */
