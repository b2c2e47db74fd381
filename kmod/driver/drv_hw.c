// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq reference driver: the hardware model common to both backends.
 *
 * The device puts its input (injected bytes, generator records) into its
 * input buffer hw.rx, as a device would DMA into host memory, and raises the
 * input interrupt through its backend (struct drv_hw_ops): the simulated one
 * (drv_hw_sim.c, hrtimers) or QEMU's edu PCI device (drv_hw_edu.c). The
 * backend's ISR only latches: drv_hw_latch_input_locked() moves the count
 * of latched input bytes (at most DRV_LATCH_MAX a time, and only while the
 * hardware FIFO has room), drv_hw_record_irq_locked() records the
 * interrupt, and the ISR schedules the DPC. The DPC, drv_dpc() (tasklet,
 * or BH work where the kernel has it), takes the latched bytes in
 * interrupt order: latched input from hw.rx, then each finished write's
 * bytes (hw.done, simulated backend) from its own buffer, then the write is
 * completed; then it runs the backend's part (the edu DMA engine). Bytes
 * go to parked reads first, in FIFO order, then to the ring; what does not
 * fit the ring is dropped and counted as overrun. The DPC also completes
 * the WAIT_EVENT requests parked before the interrupt.
 *
 * Where bytes are copied (see "Locking rules" in drv.h): inject copies
 * into hw.rx in process context, the generator in a softirq timer, both
 * under hw.rx_lock; the DPC copies in softirq context (a thread on
 * PREEMPT_RT) under data_lock, taken with _bh. Nothing is copied in hard
 * interrupt context or with interrupts off: under hw.lock only counts and
 * the hw.done links change.
 *
 * Disarmed (runtime suspended) hardware raises no interrupt and generates
 * nothing: input waits in the input buffer, latched bytes in the FIFO and
 * the ring, until re-armed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/pm_runtime.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "drv.h"
#include "drv_trace.h"

/**
 * drv_count_overrun() - count bytes dropped
 * @d: the device
 * @lost: bytes; 0 counts nothing
 */
void drv_count_overrun(struct drv_dev *d, size_t lost)
{
	if (!lost)
		return;
	atomic64_add(lost, &d->cnt.overrun_bytes);
	atomic64_inc(&d->cnt.overruns);
}

/**
 * drv_max_update() - raise a maximum
 * @max: the maximum
 * @val: a new value
 */
void drv_max_update(atomic_t *max, int val)
{
	int old = atomic_read(max);

	while (val > old && !atomic_try_cmpxchg(max, &old, val))
		;
}

/**
 * drv_hw_record_irq_locked() - record an interrupt
 * @d: the device
 * @source: WDFQ_EVT_*
 * @bytes: bytes it latched
 *
 * Context: hw.lock held (hard irq).
 */
void drv_hw_record_irq_locked(struct drv_dev *d, u32 source, u32 bytes)
{
	struct drv_hw *hw = &d->hw;

	lockdep_assert_held(&hw->lock);
	hw->irq_seq++;
	hw->last_evt.seq = hw->irq_seq;
	hw->last_evt.source = source;
	hw->last_evt.bytes = bytes;
	hw->last_evt.timestamp_ns = ktime_get_ns();
	atomic64_inc(&d->cnt.interrupts);
	atomic64_add(bytes, &d->cnt.input_bytes);
}

/* Input bytes posted and not latched yet. Hard irq or with hw.lock held. */
static size_t drv_rx_unlatched_locked(struct drv_hw *hw)
{
	lockdep_assert_held(&hw->lock);
	return hw->rx_posted - hw->rx_latched;
}

/**
 * drv_hw_latch_input_locked() - the input ISR's latch
 * @d: the device
 *
 * Moves up to DRV_LATCH_MAX posted input bytes, as many as the hardware
 * FIFO has room for, to "latched": the DPC may take them from now on.
 * Context: hw.lock held (hard irq).
 * Return: the bytes latched.
 */
size_t drv_hw_latch_input_locked(struct drv_dev *d)
{
	struct drv_hw *hw = &d->hw;
	size_t n;

	lockdep_assert_held(&hw->lock);
	n = min3((size_t)DRV_LATCH_MAX, drv_rx_unlatched_locked(hw),
		 (size_t)(DRV_FIFO_SIZE - hw->fifo_used));
	hw->rx_latched += n;
	hw->fifo_used += n;
	return n;
}

/**
 * drv_hw_input_pending_locked() - is there input the ISR could latch
 * @d: the device
 *
 * Context: hw.lock held.
 * Return: true if posted bytes wait and the hardware FIFO has room.
 */
bool drv_hw_input_pending_locked(struct drv_dev *d)
{
	struct drv_hw *hw = &d->hw;

	lockdep_assert_held(&hw->lock);
	return drv_rx_unlatched_locked(hw) && hw->fifo_used < DRV_FIFO_SIZE;
}

/* Input or loopback bytes the DPC has not taken yet. hw.lock held. */
static bool drv_hw_busy_locked(struct drv_hw *hw)
{
	lockdep_assert_held(&hw->lock);
	return drv_rx_unlatched_locked(hw) || hw->fifo_used;
}

/**
 * drv_hw_refuse_suspend() - should a runtime suspend wait for input
 * @d: the device
 *
 * Bytes the device has taken in but the DPC has not delivered yet (their
 * interrupt is pending, or their DPC) would otherwise wait in the device
 * until the next resume: INJECT with WDFQ_INJECT_F_WAKE, whose resume
 * lasts only for the injection, would see its bytes stay out of the ring.
 * If so, the refusal is noted and the DPC that delivers them asks for the
 * suspend again (drv_hw_suspend_again()).
 * Context: process.
 * Return: true if the suspend must be refused (-EBUSY).
 */
bool drv_hw_refuse_suspend(struct drv_dev *d)
{
	struct drv_hw *hw = &d->hw;
	unsigned long flags;
	bool busy;

	raw_spin_lock_irqsave(&hw->lock, flags);
	busy = hw->armed && drv_hw_busy_locked(hw);
	if (busy)
		hw->suspend_refused = true;
	raw_spin_unlock_irqrestore(&hw->lock, flags);
	return busy;
}

/*
 * DPC, at its end: the input a runtime suspend was refused for is
 * delivered, so ask for the suspend again (the PM core retries a refused
 * autosuspend by itself only while the delay has not expired).
 */
static void drv_hw_suspend_again(struct drv_dev *d)
{
	struct drv_hw *hw = &d->hw;
	unsigned long flags;
	bool again;

	raw_spin_lock_irqsave(&hw->lock, flags);
	again = hw->suspend_refused && !drv_hw_busy_locked(hw);
	if (again)
		hw->suspend_refused = false;
	raw_spin_unlock_irqrestore(&hw->lock, flags);
	if (again) {
		pm_runtime_mark_last_busy(d->dev);
		pm_request_autosuspend(d->dev);
	}
}

/* Raise the input interrupt (the backend's), if there is input for it. */
static void drv_irq_raise_locked(struct drv_dev *d, enum drv_hw_src src)
{
	struct drv_hw *hw = &d->hw;

	lockdep_assert_held(&hw->lock);
	if (!hw->armed || !drv_rx_unlatched_locked(hw))
		return;
	hw->ops->raise_locked(d, src);
}

/*
 * Put up to @len bytes into the input buffer and post them. Context:
 * hw.rx_lock held. Return: bytes taken (the input buffer holds at most
 * DRV_RX_SIZE bytes not yet latched).
 */
static size_t drv_rx_post_locked(struct drv_dev *d, const void *data,
				 size_t len, enum drv_hw_src src)
{
	struct drv_hw *hw = &d->hw;
	unsigned long flags;
	size_t room, n;

	lockdep_assert_held(&hw->rx_lock);
	raw_spin_lock_irqsave(&hw->lock, flags);
	room = DRV_RX_SIZE - drv_rx_unlatched_locked(hw);
	raw_spin_unlock_irqrestore(&hw->lock, flags);
	/* Interrupts on: only this writer adds to hw.rx, the DPC only takes. */
	n = kfifo_in(&hw->rx, (const u8 *)data, min(len, room));
	raw_spin_lock_irqsave(&hw->lock, flags);
	hw->rx_posted += n;
	drv_irq_raise_locked(d, src);
	raw_spin_unlock_irqrestore(&hw->lock, flags);
	drv_count_overrun(d, len - n);
	return n;
}

/* The generator: one 8-byte record a tick. Softirq context. */
static enum hrtimer_restart drv_gen_tick(struct hrtimer *t)
{
	struct drv_dev *d = container_of(t, struct drv_dev, hw.gen_timer);
	struct drv_hw *hw = &d->hw;
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	unsigned long flags;
	__le64 rec;
	bool on;

	spin_lock(&hw->rx_lock);
	raw_spin_lock_irqsave(&hw->lock, flags);
	on = hw->armed && hw->gen_rate_hz;
	rec = cpu_to_le64(hw->gen_seq);
	if (on)
		hw->gen_seq++;
	raw_spin_unlock_irqrestore(&hw->lock, flags);
	if (!on)
		goto out;
	drv_rx_post_locked(d, &rec, sizeof(rec), DRV_SRC_GEN);
	raw_spin_lock_irqsave(&hw->lock, flags);
	/* Restarted meanwhile (drv_hw_set_gen_rate()): that start stands. */
	if (!drv_timer_queued(t) && hw->armed && hw->gen_rate_hz) {
		hrtimer_forward_now(t, ns_to_ktime(NSEC_PER_SEC /
						   hw->gen_rate_hz));
		ret = HRTIMER_RESTART;
	}
	raw_spin_unlock_irqrestore(&hw->lock, flags);
out:
	spin_unlock(&hw->rx_lock);
	return ret;
}

/* Start the generator if it should run and is not queued. */
static void drv_gen_start_locked(struct drv_dev *d)
{
	struct drv_hw *hw = &d->hw;

	lockdep_assert_held(&hw->lock);
	if (!hw->armed || !hw->gen_rate_hz ||
	    drv_timer_queued(&hw->gen_timer))
		return;
	hrtimer_start(&hw->gen_timer,
		      ns_to_ktime(NSEC_PER_SEC / hw->gen_rate_hz),
		      HRTIMER_MODE_REL_SOFT);
}

/**
 * drv_hw_inject() - feed bytes into the device input
 * @d: the device
 * @data: the bytes
 * @len: their number
 *
 * Raises the input interrupt if the hardware is armed; otherwise the bytes
 * wait for drv_hw_arm(). Context: process or softirq, not hard irq.
 * Return: bytes taken; the rest was dropped and counted as overrun.
 */
size_t drv_hw_inject(struct drv_dev *d, const void *data, size_t len)
{
	struct drv_hw *hw = &d->hw;
	size_t n;

	spin_lock_bh(&hw->rx_lock);
	n = drv_rx_post_locked(d, data, len, DRV_SRC_INJECT);
	spin_unlock_bh(&hw->rx_lock);
	return n;
}

/**
 * drv_hw_set_gen_rate() - set the generator rate
 * @d: the device
 * @rate: records per second, 0 = off
 *
 * Context: any.
 */
void drv_hw_set_gen_rate(struct drv_dev *d, u32 rate)
{
	struct drv_hw *hw = &d->hw;
	unsigned long flags;

	raw_spin_lock_irqsave(&hw->lock, flags);
	hw->gen_rate_hz = rate;
	drv_gen_start_locked(d);
	raw_spin_unlock_irqrestore(&hw->lock, flags);
}

/**
 * drv_hw_gen_rate() - the generator rate
 * @d: the device
 *
 * Return: records per second, 0 = off.
 */
u32 drv_hw_gen_rate(struct drv_dev *d)
{
	return READ_ONCE(d->hw.gen_rate_hz);
}

/**
 * drv_hw_irq_seq() - sequence number of the last interrupt
 * @d: the device
 *
 * Return: the number of interrupts so far.
 */
u64 drv_hw_irq_seq(struct drv_dev *d)
{
	unsigned long flags;
	u64 seq;

	raw_spin_lock_irqsave(&d->hw.lock, flags);
	seq = d->hw.irq_seq;
	raw_spin_unlock_irqrestore(&d->hw.lock, flags);
	return seq;
}

/**
 * drv_hw_arm() - power the hardware: interrupts may fire
 * @d: the device
 *
 * Input that arrived while disarmed raises its interrupt now, and the DPC
 * runs to hand buffered data to parked reads. Context: process.
 */
void drv_hw_arm(struct drv_dev *d)
{
	struct drv_hw *hw = &d->hw;
	unsigned long flags;

	if (hw->ops->arm)
		hw->ops->arm(d);
	raw_spin_lock_irqsave(&hw->lock, flags);
	hw->armed = true;
	drv_irq_raise_locked(d, DRV_SRC_ANY);
	drv_gen_start_locked(d);
	raw_spin_unlock_irqrestore(&hw->lock, flags);
	drv_dpc_kick(d);
}

/**
 * drv_hw_disarm() - unpower the hardware: no more interrupts
 * @d: the device
 *
 * Returns once the backend's interrupts and the generator can no longer
 * run. Nothing buffered is lost.
 * Write transfers are stopped through the write queue's io_stop before.
 * Context: process.
 */
void drv_hw_disarm(struct drv_dev *d)
{
	struct drv_hw *hw = &d->hw;
	unsigned long flags;

	raw_spin_lock_irqsave(&hw->lock, flags);
	hw->armed = false;
	raw_spin_unlock_irqrestore(&hw->lock, flags);
	hw->ops->disarm(d);
	hrtimer_cancel(&hw->gen_timer);
}

/**
 * drv_dpc_kick() - run the DPC soon
 * @d: the device
 *
 * Context: any.
 */
void drv_dpc_kick(struct drv_dev *d)
{
	wdfq_compat_bh_schedule(&d->hw.dpc);
}

/* Satisfy one retrieved read from @buf; returns the bytes taken. */
static size_t drv_read_fill(struct wdfq_request *req, const u8 *buf,
			    size_t avail)
{
	size_t len, n;
	void *out = drv_read_buf(req, &len);

	n = min(len, avail);
	memcpy(out, buf, n);
	wdfq_request_complete(req, 0, n);
	return n;
}

/**
 * drv_ring_to_readers_locked() - hand buffered bytes to parked reads
 * @d: the device
 *
 * Parked reads are retrieved in FIFO order while the ring holds data.
 * Context: data_lock held.
 */
void drv_ring_to_readers_locked(struct drv_dev *d)
{
	struct wdfq_request *req;

	lockdep_assert_held(&d->data_lock);
	while (!kfifo_is_empty(&d->ring)) {
		size_t len, n;
		void *out;

		if (wdfq_queue_retrieve_next(d->parked, &req))
			break;
		out = drv_read_buf(req, &len);
		n = kfifo_out(&d->ring, (u8 *)out, len);
		wdfq_request_complete(req, 0, n);
	}
}

/**
 * drv_ring_to_iter_locked() - copy ring bytes straight to a caller's buffers
 * @d: the device
 * @to: the buffers of the task that runs this (user memory)
 * @len: at most this many bytes
 *
 * Page faults are disabled (data_lock is held): if any byte faults, nothing
 * is taken from the ring and @to is left as it was, so that the caller can
 * fault its buffers in and take the bounce-buffer path, and a bad buffer
 * fails before any data is taken. The ring is read through its linear
 * parts (the kfifo's own fields: this driver owns it) to copy only once.
 * Context: data_lock held, in the task that owns @to.
 * Return: the bytes taken, 0 if the ring is empty or a byte faulted.
 */
size_t drv_ring_to_iter_locked(struct drv_dev *d, struct iov_iter *to,
			       size_t len)
{
	struct __kfifo *f = &d->ring.kfifo;
	unsigned int off = f->out & f->mask;
	size_t want = min_t(size_t, len, kfifo_len(&d->ring));
	size_t first = min_t(size_t, want, f->mask + 1 - off);
	size_t n;

	lockdep_assert_held(&d->data_lock);
	pagefault_disable();
	n = copy_to_iter((u8 *)f->data + off, first, to);
	if (n == first && want > first)
		n += copy_to_iter(f->data, want - first, to);
	pagefault_enable();
	if (n < want) {
		iov_iter_revert(to, n);
		return 0;
	}
	f->out += want;
	return want;
}

/* DPC: new bytes from the FIFO go to parked reads, then to the ring. */
static void drv_deliver_locked(struct drv_dev *d, const u8 *buf, size_t n)
{
	struct wdfq_request *req;
	size_t in;

	lockdep_assert_held(&d->data_lock);
	drv_ring_to_readers_locked(d);
	while (n && kfifo_is_empty(&d->ring)) {
		size_t took;

		if (wdfq_queue_retrieve_next(d->parked, &req))
			break;
		took = drv_read_fill(req, buf, n);
		atomic64_add(took, &d->cnt.direct_bytes);
		buf += took;
		n -= took;
	}
	if (!n)
		return;
	in = kfifo_in(&d->ring, buf, n);
	drv_count_overrun(d, n - in);
}

/*
 * DPC: complete WAIT_EVENT requests that arrived before @evt. Under evt_lock
 * the events queue is in arrival (snapshot) order, so they are the ones at
 * its head: stop at the first that arrived after @evt. No cursor is kept,
 * a waiter cancelled meanwhile only moves the head.
 */
static void drv_events_complete(struct drv_dev *d, const struct wdfq_event *evt)
{
	struct wdfq_queue *q = d->q[WDFQ_QUEUE_EVENTS];
	struct wdfq_request *found;
	int ret;

	spin_lock_bh(&d->evt_lock);
	while (!wdfq_queue_find_request(q, NULL, NULL, &found)) {
		size_t len;
		void *out;

		if (drv_req(found)->evt_seq >= evt->seq) {
			/* Arrived after this interrupt: wait for the next. */
			wdfq_request_put(found);
			break;
		}
		ret = wdfq_queue_retrieve_found(q, found);
		if (ret) {
			wdfq_request_put(found);
			/*
			 * -ENOENT: cancelled meanwhile, off the FIFO: look at
			 * the new head. Otherwise the queue is stopped: leave
			 * the rest for the DPC that runs when it starts again
			 * (drv_ioc_queue_ctl() kicks it).
			 */
			if (ret != -ENOENT)
				break;
			continue;
		}
		out = wdfq_request_out_buf(found, &len);
		if (len >= sizeof(*evt))
			memcpy(out, evt, sizeof(*evt));
		atomic64_inc(&d->cnt.events);
		wdfq_request_complete(found, 0, sizeof(*evt));
		wdfq_request_put(found);
	}
	spin_unlock_bh(&d->evt_lock);
}

/**
 * drv_deliver() - DPC: hand new bytes to parked reads, then to the ring
 * @d: the device
 * @buf: the bytes
 * @n: their number
 *
 * Context: the DPC (interrupts on, data_lock taken here).
 */
void drv_deliver(struct drv_dev *d, const u8 *buf, size_t n)
{
	spin_lock_bh(&d->data_lock);
	drv_deliver_locked(d, buf, n);
	spin_unlock_bh(&d->data_lock);
}

/*
 * The DPC: softirq context (a thread on PREEMPT_RT). It takes what the
 * interrupts latched, in their order: the input bytes latched before the
 * oldest finished write, then that write's bytes, and so on. All copies are
 * made here with interrupts on; hw.lock is taken only to read and update
 * the counts.
 */
static void drv_dpc(struct wdfq_compat_bh *bh)
{
	struct drv_dev *d = container_of(bh, struct drv_dev, hw.dpc);
	struct drv_hw *hw = &d->hw;
	struct drv_req *w = NULL;
	struct wdfq_event evt;
	unsigned long flags;
	size_t took = 0, avail;

	trace_wdfq_dpc_enter(d->name);
	atomic64_inc(&d->cnt.dpc_runs);
	spin_lock_bh(&d->data_lock);
	drv_ring_to_readers_locked(d);
	spin_unlock_bh(&d->data_lock);
	for (;;) {
		raw_spin_lock_irqsave(&hw->lock, flags);
		if (took) {
			/* The FIFO has room again: let pending input in. */
			hw->fifo_used -= took;
			took = 0;
			drv_irq_raise_locked(d, DRV_SRC_ANY);
		}
		evt = hw->last_evt;
		w = list_first_entry_or_null(&hw->done, struct drv_req,
					     done_node);
		avail = (w ? w->loop_mark : hw->rx_latched) - hw->rx_taken;
		if (w && !avail)
			list_del(&w->done_node);
		raw_spin_unlock_irqrestore(&hw->lock, flags);

		if (avail) {
			/* Latched input: posted before, so all in hw.rx. */
			took = kfifo_out(&hw->rx, hw->dpc_buf,
					 min_t(size_t, avail, DRV_DPC_CHUNK));
			if (WARN_ON_ONCE(!took))
				break;
			hw->rx_taken += took;
			drv_deliver(d, hw->dpc_buf, took);
		} else if (w) {
			struct wdfq_request *req = w->req;
			const void *data;
			size_t len;

			data = wdfq_request_in_buf(req, &len);
			took = w->loop_bytes;
			drv_deliver(d, data, took);
			/* Last: the writer may free the request at once. */
			wdfq_request_complete(req, 0, len);
		} else {
			break;
		}
	}

	if (hw->ops->dpc) {
		hw->ops->dpc(d);
		raw_spin_lock_irqsave(&hw->lock, flags);
		evt = hw->last_evt;
		raw_spin_unlock_irqrestore(&hw->lock, flags);
	}
	if (evt.seq)
		drv_events_complete(d, &evt);
	wake_up_interruptible_poll(&d->poll_wq, EPOLLIN | EPOLLOUT |
				   EPOLLRDNORM | EPOLLWRNORM);
	drv_hw_suspend_again(d);
	trace_wdfq_dpc_exit(d->name);
}

/**
 * drv_ring_len() - bytes in the ring
 * @d: the device
 *
 * Return: the bytes buffered now.
 */
size_t drv_ring_len(struct drv_dev *d)
{
	size_t n;

	spin_lock_bh(&d->data_lock);
	n = kfifo_len(&d->ring);
	spin_unlock_bh(&d->data_lock);
	return n;
}

/**
 * drv_ring_size() - capacity of the ring
 * @d: the device
 *
 * Return: bytes.
 */
unsigned int drv_ring_size(struct drv_dev *d)
{
	unsigned int n;

	spin_lock_bh(&d->data_lock);
	n = kfifo_size(&d->ring);
	spin_unlock_bh(&d->data_lock);
	return n;
}

WDFQ_FAIL_POINT(drv, ring_resize);

/**
 * drv_ring_resize() - give the ring a new size, keeping its bytes
 * @d: the device
 * @size: a power of 2 within DRV_RING_MIN..DRV_RING_MAX
 *
 * Context: process, ctl_lock held.
 * Return: 0, -EINVAL for a bad size, -ENOMEM, -EBUSY when the buffered
 * bytes do not fit.
 */
int drv_ring_resize(struct drv_dev *d, unsigned int size)
{
	struct kfifo nf;
	void *nbuf, *old;
	int ret = 0;

	lockdep_assert_held(&d->ctl_lock);
	if (size < DRV_RING_MIN || size > DRV_RING_MAX || !is_power_of_2(size))
		return -EINVAL;
	ret = drv_fail_ring_resize();
	if (ret)
		return ret;
	nbuf = kvzalloc(size, GFP_KERNEL);
	if (!nbuf)
		return -ENOMEM;
	ret = kfifo_init(&nf, nbuf, size);
	if (ret) {
		kvfree(nbuf);
		return ret;
	}
	spin_lock_bh(&d->data_lock);
	if (kfifo_len(&d->ring) > size) {
		spin_unlock_bh(&d->data_lock);
		kvfree(nbuf);
		return -EBUSY;
	}
	while (!kfifo_is_empty(&d->ring)) {
		u8 tmp[64];
		unsigned int n = kfifo_out(&d->ring, tmp, sizeof(tmp));

		kfifo_in(&nf, tmp, n);
	}
	old = d->ring_buf;
	d->ring = nf;
	d->ring_buf = nbuf;
	spin_unlock_bh(&d->data_lock);
	kvfree(old);
	return 0;
}

WDFQ_FAIL_POINT(drv, kfifo_alloc);

static int drv_kfifo_alloc(struct kfifo *f, size_t size)
{
	int ret = drv_fail_kfifo_alloc();
	void *buf;

	if (ret)
		return ret;
	buf = kvzalloc(size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	return kfifo_init(f, buf, size);
}

/**
 * drv_hw_init() - set up the hardware and the ring, disarmed
 * @d: the device
 *
 * Return: 0 or -ENOMEM.
 */
int drv_hw_init(struct drv_dev *d)
{
	struct drv_hw *hw = &d->hw;
	int ret;

	raw_spin_lock_init(&hw->lock);
	spin_lock_init(&hw->rx_lock);
	INIT_LIST_HEAD(&hw->done);
	spin_lock_init(&d->data_lock);
	spin_lock_init(&d->evt_lock);
	wdfq_compat_hrtimer_setup(&hw->gen_timer, drv_gen_tick, CLOCK_MONOTONIC,
				  HRTIMER_MODE_REL_SOFT);
	wdfq_compat_bh_init(&hw->dpc, drv_dpc);
	/* First: drv_hw_fini() disarms, whatever failed after. */
	ret = hw->ops->init(d);
	if (ret)
		return ret;
	hw->dpc_buf = kmalloc(DRV_DPC_CHUNK, GFP_KERNEL);
	if (!hw->dpc_buf)
		return -ENOMEM;
	ret = drv_kfifo_alloc(&hw->rx, DRV_RX_BUF);
	if (!ret)
		ret = drv_kfifo_alloc(&d->ring, drv_param_ring_size);
	if (ret)
		return ret;
	d->ring_buf = d->ring.kfifo.data;
	hw->gen_rate_hz = min(drv_param_gen_rate_hz, DRV_GEN_RATE_MAX);
	return 0;
}

/**
 * drv_hw_fini() - stop everything and free the buffers
 * @d: the device, with no request left
 *
 * Idempotent; also undoes a partial drv_hw_init(). Context: process.
 */
void drv_hw_fini(struct drv_dev *d)
{
	struct drv_hw *hw = &d->hw;

	drv_hw_disarm(d);
	wdfq_compat_bh_kill(&hw->dpc);
	hw->ops->fini(d);
	kvfree(hw->rx.kfifo.data);
	hw->rx.kfifo.data = NULL;
	kvfree(d->ring.kfifo.data);
	d->ring.kfifo.data = NULL;
	d->ring_buf = NULL;
	kfree(hw->dpc_buf);
	hw->dpc_buf = NULL;
}

/**
 * drv_write_timer_init() - set up a write request's transfer state
 * @ctx: the request context, before submission (@ctx->d set)
 */
void drv_write_timer_init(struct drv_req *ctx)
{
	ctx->d->hw.ops->write_init(ctx);
}

/**
 * drv_write_start() - start the transfer of a presented write
 * @d: the device
 * @req: the write, driver-owned
 *
 * The backend marks the request cancelable and starts its transfer; the
 * transfer's completion interrupt and the DPC complete it. Context: the
 * write queue's presentation handler (QUEUE scope: never concurrent with
 * its io_stop or cancel routine).
 */
void drv_write_start(struct drv_dev *d, struct wdfq_request *req)
{
	d->hw.ops->write_start(d, req);
}

/**
 * drv_write_stop() - io_stop of a running write transfer
 * @d: the device
 * @req: the write
 *
 * If the transfer can be stopped the write is requeued, to be presented
 * again after power-up; otherwise the DPC (after its completion interrupt)
 * or the cancel routine completes it.
 * Context: process, QUEUE scope of the write queue.
 * Return: true if the request was requeued.
 */
bool drv_write_stop(struct drv_dev *d, struct wdfq_request *req)
{
	return d->hw.ops->write_stop(d, req);
}
