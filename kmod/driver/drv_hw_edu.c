// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq reference driver: the edu backend, QEMU's educational PCI device
 * (1234:11e8; QEMU's docs/specs/edu.rst), bound by drv_pci.c.
 *
 * Every interrupt is the device's (MSI, INTx as a fallback); the ISR,
 * drv_edu_isr(), reads the interrupt status register and acknowledges what
 * it read, latches (input, see drv_hw.c; "DMA done"), records the interrupt
 * and schedules the DPC. How the driver's events map to the device:
 *
 *   INJECT       bytes posted to hw.rx, then the raise register (0x60)
 *                with DRV_EDU_IRQ_INPUT: the device interrupts at once
 *   generator    a record posted to hw.rx, then the factorial unit (0x08)
 *                started with "interrupt when done" (status 0x20 bit 0x80):
 *                its completion interrupt (status bit 0x1) latches it
 *   write        its bytes are DMAed, EDU_DMA_CHUNK bytes at a time (the
 *                device buffer at 0x40000 holds 4 KiB), into the device
 *                (RAM to device), then back into host memory (device to
 *                RAM); each DMA ends with
 *                the DMA interrupt (status bit 0x100). After the DMA back
 *                the DPC delivers the chunk (parked reads, then the ring);
 *                after the last chunk it completes the write.
 *
 * The device runs one DMA at a time (QEMU completes it from a timer about
 * 100 ms after the command), so writes wait in a list and the DPC runs the
 * DMA engine: it starts each DMA and advances on each DMA interrupt. A
 * write's first DMA starts no sooner than write_latency_us after the write
 * started (SET_PARAMS keeps its meaning: the transfer takes at least that
 * long; a soft hrtimer, drv_edu.start_timer, only kicks the DPC then): its
 * completion still comes from the device's DMA interrupt.
 * Host memory for DMA is one coherent buffer below 2^28 (the device's DMA
 * mask): a 4 KiB half to send from, a 4 KiB half to receive into.
 *
 * Power: armed = the device's interrupt line enabled (enable_irq());
 * disarm disables it and waits for a running ISR. Nothing latched is lost
 * (the status register keeps what was not acknowledged; an interrupt that
 * came while disabled is replayed on enable).
 *
 * Locking (besides drv.h's): drv_edu.dma_lock (spinlock_t, _bh) guards the
 * write list, the active write and the DMA engine state; the DPC copies a
 * chunk into the DMA buffer under it (interrupts on). Order: dma_lock ->
 * hw.lock, and dma_lock -> the engine's queue lock (mark/unmark
 * cancelable). No engine call that may present a request is made under it
 * (completion runs with it dropped: completing may present the next write,
 * whose handler takes it). The write queue's QUEUE scope keeps its
 * presentation handler, io_stop and cancel routine apart; only the DPC
 * races with them, under dma_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/iopoll.h>
#include <linux/kernel.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "drv.h"
#include "drv_edu.h"
#include "drv_trace.h"

/* Registers (BAR 0) and bits, QEMU's docs/specs/edu.rst. */
#define EDU_REG_ID		0x00
#define EDU_REG_FACT		0x08
#define EDU_REG_STATUS		0x20
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_RAISE	0x60
#define EDU_REG_IRQ_ACK		0x64
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_CNT		0x90
#define EDU_REG_DMA_CMD		0x98

#define EDU_STATUS_IRQFACT	0x80
#define EDU_IRQ_FACT		0x00000001
#define EDU_IRQ_DMA		0x00000100
#define EDU_DMA_RUN		0x1
#define EDU_DMA_TO_RAM		0x2
#define EDU_DMA_IRQ		0x4
#define EDU_DMA_BUF		0x40000
#define EDU_DMA_SIZE		4096
/*
 * Bytes one DMA moves: QEMU 7.2's edu stops the machine (hw_error) on a
 * transfer that ends at the buffer's end, or an empty one, so at most one
 * byte less than the buffer.
 */
#define EDU_DMA_CHUNK		(EDU_DMA_SIZE - 1)
/* The factorial the generator asks for: any small number does. */
#define EDU_GEN_FACT		5

/**
 * enum drv_edu_dma - the DMA engine's state
 * @EDU_IDLE: no DMA running
 * @EDU_TO_DEV: a chunk going from the send buffer into the device
 * @EDU_TO_RAM: that chunk coming back into the receive buffer
 */
enum drv_edu_dma {
	EDU_IDLE,
	EDU_TO_DEV,
	EDU_TO_RAM,
};

/**
 * struct drv_edu - the edu backend's state (struct drv_hw.priv)
 * @d: the instance
 * @pdev: the PCI device
 * @mmio: BAR 0
 * @irq: its interrupt (vector 0)
 * @msi: @irq is an MSI (never shared)
 * @irq_on: @irq requested and enabled (armed); process context only
 * @irq_req: @irq requested
 * @dma_done: a DMA interrupt came that the DPC has not handled; hw.lock
 * @dma_lock: see "Locking" above
 * @pending: writes waiting for the DMA engine (drv_req.done_node)
 * @active: the write whose chunk is in the engine; NULL when none, or when
 *	it was cancelled (the DMA then runs out into the buffer, unused)
 * @state: the DMA engine's state
 * @off: bytes of @active delivered so far
 * @chunk: bytes of the chunk in the engine
 * @buf: the coherent DMA buffer: send half, receive half
 * @buf_dma: its device address
 * @start_timer: kicks the DPC when the oldest waiting write may start
 */
struct drv_edu {
	struct drv_dev *d;
	struct pci_dev *pdev;
	void __iomem *mmio;
	int irq;
	bool msi;
	bool irq_on;
	bool irq_req;
	bool dma_done;
	spinlock_t dma_lock;	/* see "Locking" above */
	struct list_head pending;
	struct drv_req *active;
	enum drv_edu_dma state;
	size_t off;
	size_t chunk;
	u8 *buf;
	dma_addr_t buf_dma;
	struct hrtimer start_timer;
};

/*
 * The device's interrupt. Hard interrupt context: read and acknowledge the
 * status, latch, schedule the DPC. Every call that is the device's is
 * counted (GET_QUEUE_STATS interrupts), so the count matches the
 * interrupt's line in /proc/interrupts.
 */
static irqreturn_t drv_edu_isr(int irq, void *arg)
{
	struct drv_dev *d = arg;
	struct drv_hw *hw = &d->hw;
	struct drv_edu *e = hw->priv;
	unsigned long flags;
	size_t n = 0;
	u32 st;

	st = ioread32(e->mmio + EDU_REG_IRQ_STATUS);
	/* INTx may be shared; an MSI is always ours (maybe coalesced). */
	if (!st && !e->msi)
		return IRQ_NONE;
	trace_wdfq_isr_enter(d->name);
	if (st)
		iowrite32(st, e->mmio + EDU_REG_IRQ_ACK);
	raw_spin_lock_irqsave(&hw->lock, flags);
	if (hw->armed)
		n = drv_hw_latch_input_locked(d);
	if (st & EDU_IRQ_DMA)
		e->dma_done = true;
	drv_hw_record_irq_locked(d, st & EDU_IRQ_DMA ? WDFQ_EVT_WRITE_DONE :
				 WDFQ_EVT_INPUT, n);
	/* More input than one latch takes: interrupt again for the rest. */
	if (hw->armed && drv_hw_input_pending_locked(d))
		iowrite32(DRV_EDU_IRQ_INPUT, e->mmio + EDU_REG_IRQ_RAISE);
	raw_spin_unlock_irqrestore(&hw->lock, flags);
	wdfq_compat_bh_schedule(&hw->dpc);
	trace_wdfq_isr_exit(d->name);
	return IRQ_HANDLED;
}

static void drv_edu_raise_locked(struct drv_dev *d, enum drv_hw_src src)
{
	struct drv_edu *e = d->hw.priv;

	lockdep_assert_held(&d->hw.lock);
	/*
	 * A start while the unit computes is ignored by the device; the
	 * computation running then interrupts after this post and latches it.
	 */
	if (src == DRV_SRC_GEN)
		iowrite32(EDU_GEN_FACT, e->mmio + EDU_REG_FACT);
	else
		iowrite32(DRV_EDU_IRQ_INPUT, e->mmio + EDU_REG_IRQ_RAISE);
}

static void drv_edu_arm(struct drv_dev *d)
{
	struct drv_edu *e = d->hw.priv;

	iowrite32(EDU_STATUS_IRQFACT, e->mmio + EDU_REG_STATUS);
	if (e->irq_req && !e->irq_on) {
		enable_irq(e->irq);
		e->irq_on = true;
	}
	/* A DMA interrupt that came while disarmed may have been latched. */
	wdfq_compat_bh_schedule(&d->hw.dpc);
}

static void drv_edu_disarm(struct drv_dev *d)
{
	struct drv_edu *e = d->hw.priv;

	hrtimer_cancel(&e->start_timer);
	if (e->irq_on) {
		disable_irq(e->irq);
		e->irq_on = false;
	}
}

/* Program one DMA. Context: dma_lock held. */
static void drv_edu_dma_start(struct drv_edu *e, bool to_ram)
{
	dma_addr_t host = e->buf_dma + (to_ram ? EDU_DMA_SIZE : 0);

	lockdep_assert_held(&e->dma_lock);
	iowrite32(to_ram ? EDU_DMA_BUF : lower_32_bits(host),
		  e->mmio + EDU_REG_DMA_SRC);
	iowrite32(to_ram ? lower_32_bits(host) : EDU_DMA_BUF,
		  e->mmio + EDU_REG_DMA_DST);
	iowrite32(e->chunk, e->mmio + EDU_REG_DMA_CNT);
	iowrite32(EDU_DMA_RUN | EDU_DMA_IRQ | (to_ram ? EDU_DMA_TO_RAM : 0),
		  e->mmio + EDU_REG_DMA_CMD);
	e->state = to_ram ? EDU_TO_RAM : EDU_TO_DEV;
}

/* Copy the active write's next chunk into the send buffer and send it. */
static void drv_edu_send_next(struct drv_edu *e)
{
	const u8 *data;
	size_t len;

	lockdep_assert_held(&e->dma_lock);
	data = wdfq_request_in_buf(e->active->req, &len);
	e->chunk = min_t(size_t, len - e->off, EDU_DMA_CHUNK);
	memcpy(e->buf, data + e->off, e->chunk);
	drv_edu_dma_start(e, false);
}

/*
 * Make the oldest waiting write the active one, if its start time has
 * come; otherwise have the DPC run again then. Context: dma_lock held.
 */
static void drv_edu_take_next(struct drv_dev *d, struct drv_edu *e)
{
	struct drv_req *next;
	u64 now = ktime_get_ns();

	lockdep_assert_held(&e->dma_lock);
	next = list_first_entry_or_null(&e->pending, struct drv_req,
					done_node);
	if (!next)
		return;
	if (next->loop_mark > now) {
		if (READ_ONCE(d->hw.armed))
			hrtimer_start(&e->start_timer,
				      ns_to_ktime(next->loop_mark - now),
				      HRTIMER_MODE_REL_SOFT);
		return;
	}
	list_del_init(&next->done_node);
	e->active = next;
	e->off = 0;
}

static enum hrtimer_restart drv_edu_start_tick(struct hrtimer *t)
{
	struct drv_edu *e = container_of(t, struct drv_edu, start_timer);

	wdfq_compat_bh_schedule(&e->d->hw.dpc);
	return HRTIMER_NORESTART;
}

/*
 * The backend's part of the DPC: the DMA engine. On a DMA interrupt it
 * sends the chunk back (after RAM to device), or delivers it (after device
 * to RAM) and sends the next one; a write whose last chunk came back is
 * completed. When idle it starts the oldest waiting write.
 */
static void drv_edu_dpc(struct drv_dev *d)
{
	struct drv_edu *e = d->hw.priv;
	struct drv_req *finished = NULL;
	unsigned long flags;
	size_t got = 0, len = 0;
	bool done;

	raw_spin_lock_irqsave(&d->hw.lock, flags);
	done = e->dma_done;
	e->dma_done = false;
	raw_spin_unlock_irqrestore(&d->hw.lock, flags);

	spin_lock_bh(&e->dma_lock);
	if (e->state != EDU_IDLE && !done) {
		spin_unlock_bh(&e->dma_lock);
		return;		/* the DMA runs: wait for its interrupt */
	}
	if (e->state == EDU_TO_DEV && e->active) {
		drv_edu_dma_start(e, true);
		spin_unlock_bh(&e->dma_lock);
		return;
	}
	if (e->state == EDU_TO_RAM && e->active) {
		got = e->chunk;
		e->off += got;
		wdfq_request_in_buf(e->active->req, &len);
		if (e->off >= len) {
			finished = e->active;
			e->active = NULL;
		}
	}
	/* Idle until the next send below: the receive half stays as it is. */
	e->state = EDU_IDLE;
	spin_unlock_bh(&e->dma_lock);

	if (got)
		drv_deliver(d, e->buf + EDU_DMA_SIZE, got);
	/* Lost to the cancel routine: it completes the write. */
	if (finished && !wdfq_request_unmark_cancelable(finished->req)) {
		/* Last: the writer may free the request at once. */
		atomic_dec(&d->cnt.write_inflight);
		wdfq_request_complete(finished->req, 0, len);
	}

	spin_lock_bh(&e->dma_lock);
	if (e->state == EDU_IDLE && !e->active)
		drv_edu_take_next(d, e);
	if (e->state == EDU_IDLE && e->active)
		drv_edu_send_next(e);
	spin_unlock_bh(&e->dma_lock);
}

/*
 * Cancel routine of a write: off the list, or no longer the active one (a
 * DMA of it that runs goes on into the buffer, unused); then complete it.
 * Context: process (engine), QUEUE scope of the write queue.
 */
static void drv_edu_write_cancel(struct wdfq_request *req)
{
	struct drv_req *ctx = drv_req(req);
	struct drv_edu *e = ctx->d->hw.priv;

	spin_lock_bh(&e->dma_lock);
	if (e->active == ctx)
		e->active = NULL;
	else
		list_del_init(&ctx->done_node);
	spin_unlock_bh(&e->dma_lock);
	atomic_dec(&ctx->d->cnt.write_inflight);
	wdfq_request_complete(req, -ECANCELED, 0);
}

static void drv_edu_write_init(struct drv_req *ctx)
{
	INIT_LIST_HEAD(&ctx->done_node);
}

static void drv_edu_write_start(struct drv_dev *d, struct wdfq_request *req)
{
	struct drv_req *ctx = drv_req(req);
	struct drv_edu *e = d->hw.priv;
	bool idle;
	size_t len;

	wdfq_request_in_buf(req, &len);
	if (!len) {
		wdfq_request_complete(req, 0, 0);
		return;
	}
	if (wdfq_request_mark_cancelable(req, drv_edu_write_cancel)) {
		wdfq_request_complete(req, -ECANCELED, 0);
		return;
	}
	drv_max_update(&d->cnt.write_inflight_max,
		       atomic_inc_return(&d->cnt.write_inflight));
	/* Its first DMA starts no sooner than this (ns, CLOCK_MONOTONIC). */
	ctx->loop_mark = ktime_get_ns() +
			 (u64)READ_ONCE(d->write_latency_us) * NSEC_PER_USEC;
	spin_lock_bh(&e->dma_lock);
	list_add_tail(&ctx->done_node, &e->pending);
	idle = e->state == EDU_IDLE && !e->active;
	spin_unlock_bh(&e->dma_lock);
	if (idle)
		wdfq_compat_bh_schedule(&d->hw.dpc);
}

/* A write still waiting for the engine is requeued; the active one ends. */
static bool drv_edu_write_stop(struct drv_dev *d, struct wdfq_request *req)
{
	struct drv_req *ctx = drv_req(req);
	struct drv_edu *e = d->hw.priv;

	spin_lock_bh(&e->dma_lock);
	if (e->active == ctx || list_empty(&ctx->done_node) ||
	    wdfq_request_unmark_cancelable(req)) {
		spin_unlock_bh(&e->dma_lock);
		return false;
	}
	list_del_init(&ctx->done_node);
	spin_unlock_bh(&e->dma_lock);
	atomic_dec(&d->cnt.write_inflight);
	wdfq_request_stop_acknowledge(req, true);
	return true;
}

static int drv_edu_init(struct drv_dev *d)
{
	struct drv_edu *e = d->hw.priv;
	int ret;

	spin_lock_init(&e->dma_lock);
	INIT_LIST_HEAD(&e->pending);
	e->d = d;
	wdfq_compat_hrtimer_setup(&e->start_timer, drv_edu_start_tick,
				  CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	e->buf = dma_alloc_coherent(&e->pdev->dev, 2 * EDU_DMA_SIZE,
				    &e->buf_dma, GFP_KERNEL);
	if (!e->buf)
		return -ENOMEM;
	/* Nothing left latched from an earlier binding. */
	iowrite32(~0U, e->mmio + EDU_REG_IRQ_ACK);
	/* Requested disarmed: drv_hw_arm() enables it. */
	ret = request_irq(e->irq, drv_edu_isr, e->msi ? 0 : IRQF_SHARED,
			  d->name, d);
	if (ret)
		return ret;
	disable_irq(e->irq);
	e->irq_req = true;
	return 0;
}

/* Wait for a DMA that still runs (its buffer is freed next). */
static void drv_edu_dma_quiesce(struct drv_edu *e)
{
	u32 cmd;

	if (readl_poll_timeout(e->mmio + EDU_REG_DMA_CMD, cmd,
			       !(cmd & EDU_DMA_RUN), 1000, 2 * USEC_PER_SEC))
		dev_warn(&e->pdev->dev, "DMA still running\n");
}

static void drv_edu_fini(struct drv_dev *d)
{
	struct drv_edu *e = d->hw.priv;

	/* The DPC is killed: nothing starts it again. */
	hrtimer_cancel(&e->start_timer);
	if (e->irq_req) {
		free_irq(e->irq, d);
		e->irq_req = false;
	}
	if (e->buf) {
		drv_edu_dma_quiesce(e);
		dma_free_coherent(&e->pdev->dev, 2 * EDU_DMA_SIZE, e->buf,
				  e->buf_dma);
		e->buf = NULL;
	}
}

/* The edu backend: QEMU's edu PCI device (drv_pci.c). */
const struct drv_hw_ops drv_hw_edu_ops = {
	.name = "edu",
	.init = drv_edu_init,
	.fini = drv_edu_fini,
	.arm = drv_edu_arm,
	.disarm = drv_edu_disarm,
	.raise_locked = drv_edu_raise_locked,
	.write_init = drv_edu_write_init,
	.write_start = drv_edu_write_start,
	.write_stop = drv_edu_write_stop,
	.dpc = drv_edu_dpc,
};

/**
 * drv_edu_new() - the backend state for a probed edu device
 * @pdev: the device, enabled, bus master, DMA mask set, one vector
 * @mmio: BAR 0
 *
 * Context: process.
 * Return: the state (kfree() it) or NULL.
 */
struct drv_edu *drv_edu_new(struct pci_dev *pdev, void __iomem *mmio)
{
	struct drv_edu *e = kzalloc(sizeof(*e), GFP_KERNEL);

	if (!e)
		return NULL;
	e->pdev = pdev;
	e->mmio = mmio;
	e->irq = pci_irq_vector(pdev, 0);
	e->msi = pdev->msi_enabled;
	return e;
}

/**
 * drv_edu_check() - is this an edu device
 * @mmio: its BAR 0
 *
 * Return: true when the identification register reads as edu's.
 */
bool drv_edu_check(void __iomem *mmio)
{
	return (ioread32(mmio + EDU_REG_ID) & 0xff) == 0xed;
}
