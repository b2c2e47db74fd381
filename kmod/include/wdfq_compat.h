/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version differences, in one place. Everything else in the module
 * is written against the newest API and includes this header.
 */
#ifndef _WDFQ_COMPAT_H
#define _WDFQ_COMPAT_H

#include <linux/version.h>

/* ---- queue engine (wdfq_*.c) ---- */

#include <linux/compiler_types.h>

/*
 * Telling sparse that a function returned with a lock held, when it did:
 * __cond_lock() until the kernel moved to compiler context analysis, which
 * dropped it (7.3 has none, and its sparse checks no lock contexts).
 */
#ifdef __cond_lock
#define wdfq_compat_cond_lock(x, c)	__cond_lock(x, c)
#else
#define wdfq_compat_cond_lock(x, c)	((void)sizeof(x), (c))
#endif

/*
 * Trace events: __assign_str() takes only the field since 6.10, the
 * source given to __string() being remembered; before, the source again.
 */
#if KERNEL_VERSION(6, 10, 0) <= LINUX_VERSION_CODE
#define wdfq_compat_assign_str(dst, src)				\
	do {								\
		(void)sizeof(src);	/* given to __string() already */ \
		__assign_str(dst);					\
	} while (0)
#else
#define wdfq_compat_assign_str(dst, src)	__assign_str(dst, src)
#endif

/*
 * Hooks for the engine's KUnit tests (wdfq_kunit.h), built only on kernels
 * with KUnit and exported only into the EXPORTED_FOR_KUNIT_TESTING symbol
 * namespace by EXPORT_SYMBOL_IF_KUNIT() (<kunit/visibility.h>, 6.2+;
 * defined here before). The namespace is a string literal since 6.13, a
 * bare identifier before.
 */
#if IS_ENABLED(CONFIG_KUNIT)
#include <linux/export.h>
#include <linux/module.h>
#if KERNEL_VERSION(6, 2, 0) <= LINUX_VERSION_CODE
#include <kunit/visibility.h>
#else
#define EXPORT_SYMBOL_IF_KUNIT(sym)	\
	EXPORT_SYMBOL_NS(sym, EXPORTED_FOR_KUNIT_TESTING)
#endif
#if KERNEL_VERSION(6, 13, 0) <= LINUX_VERSION_CODE
#define WDFQ_COMPAT_IMPORT_FOR_KUNIT()	\
	MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING")
#else
#define WDFQ_COMPAT_IMPORT_FOR_KUNIT()	\
	MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING)
#endif
#endif

/* ---- reference driver (drv_*.c) ---- */

#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/platform_device.h>
#include <linux/pci.h>
#include <linux/workqueue.h>
#include <linux/pm_runtime.h>

/*
 * hrtimer_setup() replaced hrtimer_init() + assigning ->function in 6.13
 * (6.12 has only hrtimer_init, 7.3 only hrtimer_setup).
 */
typedef enum hrtimer_restart (*wdfq_compat_hrtimer_fn)(struct hrtimer *);

static inline void wdfq_compat_hrtimer_setup(struct hrtimer *timer,
					     wdfq_compat_hrtimer_fn fn,
					     clockid_t clock_id,
					     enum hrtimer_mode mode)
{
#if KERNEL_VERSION(6, 13, 0) <= LINUX_VERSION_CODE
	hrtimer_setup(timer, fn, clock_id, mode);
#else
	hrtimer_init(timer, clock_id, mode);
	timer->function = fn;
#endif
}

/*
 * pm_runtime_get_if_active(): a usage reference if the device is active,
 * whatever its usage count; 6.9 dropped the ign_usage_count argument.
 */
static inline int wdfq_compat_pm_get_if_active(struct device *dev)
{
#if KERNEL_VERSION(6, 9, 0) <= LINUX_VERSION_CODE
	return pm_runtime_get_if_active(dev);
#else
	return pm_runtime_get_if_active(dev, true);
#endif
}

/*
 * PCI (the reference driver's edu backend): pcim_iomap_region() came in
 * 6.11 (7.3 deprecates pcim_iomap_regions()); PCI_IRQ_INTX replaced
 * PCI_IRQ_LEGACY in 6.8. Return: BAR @bar mapped (managed), or an
 * ERR_PTR().
 */
#if KERNEL_VERSION(6, 11, 0) <= LINUX_VERSION_CODE
static inline void __iomem *wdfq_compat_pcim_iomap(struct pci_dev *pdev,
						   int bar, const char *name)
{
	return pcim_iomap_region(pdev, bar, name);
}
#else
static inline void __iomem *wdfq_compat_pcim_iomap(struct pci_dev *pdev,
						   int bar, const char *name)
{
	int ret = pcim_iomap_regions(pdev, BIT(bar), name);

	return ret ? IOMEM_ERR_PTR(ret) : pcim_iomap_table(pdev)[bar];
}
#endif

#if KERNEL_VERSION(6, 8, 0) <= LINUX_VERSION_CODE
#define WDFQ_COMPAT_PCI_IRQ_INTX	PCI_IRQ_INTX
#else
#define WDFQ_COMPAT_PCI_IRQ_INTX	PCI_IRQ_LEGACY
#endif

/*
 * The driver's DPC: a BH workqueue item on kernels that have system_bh_wq
 * (6.9+; 6.12 and 7.3 have it), a tasklet before (6.1). Either way it runs
 * in softirq context (a thread on PREEMPT_RT), never concurrently with
 * itself, and may be scheduled from a hard interrupt.
 */
#if KERNEL_VERSION(6, 9, 0) <= LINUX_VERSION_CODE
#define WDFQ_COMPAT_BH_KIND "bh-workqueue"
struct wdfq_compat_bh {
	struct work_struct work;
	void (*fn)(struct wdfq_compat_bh *bh);
};

static inline void wdfq_compat_bh_run(struct work_struct *work)
{
	struct wdfq_compat_bh *bh = container_of(work, struct wdfq_compat_bh,
						 work);

	bh->fn(bh);
}

static inline void wdfq_compat_bh_init(struct wdfq_compat_bh *bh,
				       void (*fn)(struct wdfq_compat_bh *bh))
{
	bh->fn = fn;
	INIT_WORK(&bh->work, wdfq_compat_bh_run);
}

static inline void wdfq_compat_bh_schedule(struct wdfq_compat_bh *bh)
{
	queue_work(system_bh_wq, &bh->work);
}

/* Wait for a running DPC and drop a scheduled one. Process context. */
static inline void wdfq_compat_bh_kill(struct wdfq_compat_bh *bh)
{
	cancel_work_sync(&bh->work);
}
#else
#define WDFQ_COMPAT_BH_KIND "tasklet"
struct wdfq_compat_bh {
	struct tasklet_struct tasklet;
	void (*fn)(struct wdfq_compat_bh *bh);
};

static inline void wdfq_compat_bh_run(struct tasklet_struct *t)
{
	struct wdfq_compat_bh *bh = from_tasklet(bh, t, tasklet);

	bh->fn(bh);
}

static inline void wdfq_compat_bh_init(struct wdfq_compat_bh *bh,
				       void (*fn)(struct wdfq_compat_bh *bh))
{
	bh->fn = fn;
	tasklet_setup(&bh->tasklet, wdfq_compat_bh_run);
}

static inline void wdfq_compat_bh_schedule(struct wdfq_compat_bh *bh)
{
	tasklet_schedule(&bh->tasklet);
}

static inline void wdfq_compat_bh_kill(struct wdfq_compat_bh *bh)
{
	tasklet_kill(&bh->tasklet);
}
#endif

/*
 * struct platform_driver.remove returns void since 6.11 (6.12 and 7.3);
 * before, the void variant is .remove_new (6.3+, and in Debian's 6.1).
 */
#if KERNEL_VERSION(6, 11, 0) <= LINUX_VERSION_CODE
#define WDFQ_COMPAT_PLATFORM_REMOVE(fn)	.remove = (fn)
#else
#define WDFQ_COMPAT_PLATFORM_REMOVE(fn)	.remove_new = (fn)
#endif

/*
 * Not needed by the driver, checked against 6.1, 6.12 and 7.3: it uses
 * stream_open() and no .llseek, so no_llseek (gone in 6.12) is never named;
 * no timer_list, so from_timer/timer_container_of (6.16) are not used;
 * misc devices, so no class_create (owner argument dropped in 6.4).
 */

/* ---- reference driver: asynchronous I/O ---- */

#include <linux/fs.h>

/*
 * Is @iocb a libaio read or write (io_submit(2)) that may complete later?
 * kiocb_set_cancel_fn() only accepts those since 6.8 (and the 6.1.80 and
 * 6.6.19 stable updates), which mark them IOCB_AIO_RW; io_uring's async
 * kiocbs have no cancel hook here, so they keep the blocking path, where
 * io_uring's worker cancellation interrupts the wait. Kernels without the
 * flag cannot tell the two apart: everything blocks there.
 */
static inline bool wdfq_compat_kiocb_is_libaio(const struct kiocb *iocb)
{
#ifdef IOCB_AIO_RW
	return !is_sync_kiocb((struct kiocb *)iocb) &&
	       (iocb->ki_flags & IOCB_AIO_RW);
#else
	return false;
#endif
}

#endif /* _WDFQ_COMPAT_H */
