// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq reference driver: the simulated hardware backend.
 *
 * Its interrupts are hard-mode hrtimers. The input interrupt, drv_sim_isr(),
 * fires DRV_IRQ_DELAY_NS after input is posted; it latches input (see
 * drv_hw.c) and re-fires while more waits and the FIFO has room. A write
 * transfer is another hard-mode hrtimer, the request's own; its expiry is
 * the transfer's completion interrupt, drv_sim_write_isr(), which latches
 * the count of written bytes the FIFO takes (loopback) and queues the write
 * on hw.done for the DPC, which copies them and completes the write.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/minmax.h>

#include "drv.h"
#include "drv_trace.h"

/*
 * The input ISR. Hard interrupt context, also on PREEMPT_RT: it latches
 * counts only, the DPC copies the bytes.
 */
static enum hrtimer_restart drv_sim_isr(struct hrtimer *t)
{
	struct drv_dev *d = container_of(t, struct drv_dev, hw.irq_timer);
	struct drv_hw *hw = &d->hw;
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	unsigned long flags;
	size_t n;

	trace_wdfq_isr_enter(d->name);
	raw_spin_lock_irqsave(&hw->lock, flags);
	if (!hw->armed)
		goto out;
	n = drv_hw_latch_input_locked(d);
	if (n) {
		drv_hw_record_irq_locked(d, WDFQ_EVT_INPUT, n);
		wdfq_compat_bh_schedule(&hw->dpc);
	}
	/*
	 * While this callback runs the timer is not queued, so
	 * drv_sim_raise_locked() on another CPU may have started it again
	 * before we took the lock: that start stands (forwarding a queued
	 * timer is not allowed).
	 */
	if (drv_timer_queued(t))
		goto out;
	if (drv_hw_input_pending_locked(d)) {
		hrtimer_forward_now(t, ns_to_ktime(DRV_IRQ_DELAY_NS));
		ret = HRTIMER_RESTART;
	}
out:
	raw_spin_unlock_irqrestore(&hw->lock, flags);
	trace_wdfq_isr_exit(d->name);
	return ret;
}

/* Raise the input interrupt soon, unless it is already pending. */
static void drv_sim_raise_locked(struct drv_dev *d, enum drv_hw_src src)
{
	struct drv_hw *hw = &d->hw;

	lockdep_assert_held(&hw->lock);
	if (drv_timer_queued(&hw->irq_timer))
		return;
	hrtimer_start(&hw->irq_timer, ns_to_ktime(DRV_IRQ_DELAY_NS),
		      HRTIMER_MODE_REL_HARD);
}

static void drv_sim_disarm(struct drv_dev *d)
{
	hrtimer_cancel(&d->hw.irq_timer);
}

/*
 * The write transfer's completion interrupt. Hard interrupt context: it
 * latches how many of the written bytes the FIFO takes and hands the write
 * to the DPC, which copies them and completes it.
 */
static enum hrtimer_restart drv_sim_write_isr(struct hrtimer *t)
{
	struct drv_req *ctx = container_of(t, struct drv_req, timer);
	struct wdfq_request *req = ctx->req;
	struct drv_dev *d = ctx->d;
	struct drv_hw *hw = &d->hw;
	unsigned long flags;
	size_t len, n;

	/* Lost the race with the cancel routine: it completes the request. */
	if (wdfq_request_unmark_cancelable(req))
		return HRTIMER_NORESTART;
	wdfq_request_in_buf(req, &len);
	atomic_dec(&d->cnt.write_inflight);
	raw_spin_lock_irqsave(&hw->lock, flags);
	n = min_t(size_t, len, DRV_FIFO_SIZE - hw->fifo_used);
	hw->fifo_used += n;
	drv_count_overrun(d, len - n);
	drv_hw_record_irq_locked(d, WDFQ_EVT_WRITE_DONE, n);
	ctx->loop_mark = hw->rx_latched;
	ctx->loop_bytes = n;
	list_add_tail(&ctx->done_node, &hw->done);
	raw_spin_unlock_irqrestore(&hw->lock, flags);
	/* The DPC may complete the write from here on: ctx is not touched. */
	wdfq_compat_bh_schedule(&hw->dpc);
	return HRTIMER_NORESTART;
}

static void drv_sim_write_init(struct drv_req *ctx)
{
	wdfq_compat_hrtimer_setup(&ctx->timer, drv_sim_write_isr,
				  CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
}

/*
 * Cancel routine of a running write transfer: stops the transfer (waiting
 * for a completion interrupt that is running, which then backs off) and
 * completes the write with -ECANCELED. Context: process (engine), QUEUE
 * scope of the write queue.
 */
static void drv_sim_write_cancel(struct wdfq_request *req)
{
	struct drv_req *ctx = drv_req(req);

	hrtimer_cancel(&ctx->timer);
	atomic_dec(&ctx->d->cnt.write_inflight);
	wdfq_request_complete(req, -ECANCELED, 0);
}

/* Marks the request cancelable and starts its timer. */
static void drv_sim_write_start(struct drv_dev *d, struct wdfq_request *req)
{
	struct drv_req *ctx = drv_req(req);
	u64 ns = (u64)READ_ONCE(d->write_latency_us) * NSEC_PER_USEC;

	if (wdfq_request_mark_cancelable(req, drv_sim_write_cancel)) {
		wdfq_request_complete(req, -ECANCELED, 0);
		return;
	}
	drv_max_update(&d->cnt.write_inflight_max,
		       atomic_inc_return(&d->cnt.write_inflight));
	hrtimer_start(&ctx->timer, ns_to_ktime(ns), HRTIMER_MODE_REL_HARD);
}

/*
 * If the transfer has not finished it is stopped and the write requeued;
 * otherwise the DPC or the cancel routine completes it.
 */
static bool drv_sim_write_stop(struct drv_dev *d, struct wdfq_request *req)
{
	struct drv_req *ctx = drv_req(req);

	if (hrtimer_try_to_cancel(&ctx->timer) != 1)
		return false;
	/* The timer will not fire: take cancellation back, then requeue. */
	if (wdfq_request_unmark_cancelable(req))
		return false;	/* the cancel routine completes it */
	atomic_dec(&d->cnt.write_inflight);
	wdfq_request_stop_acknowledge(req, true);
	return true;
}

static int drv_sim_init(struct drv_dev *d)
{
	wdfq_compat_hrtimer_setup(&d->hw.irq_timer, drv_sim_isr,
				  CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	return 0;
}

static void drv_sim_fini(struct drv_dev *d)
{
}

/* The simulated backend: platform devices wdfq.N (drv_main.c). */
const struct drv_hw_ops drv_hw_sim_ops = {
	.name = "simulated",
	.init = drv_sim_init,
	.fini = drv_sim_fini,
	.disarm = drv_sim_disarm,
	.raise_locked = drv_sim_raise_locked,
	.write_init = drv_sim_write_init,
	.write_start = drv_sim_write_start,
	.write_stop = drv_sim_write_stop,
};
