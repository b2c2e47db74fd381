/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace events of the reference driver's interrupt path, in the engine's
 * trace system "wdfq" (see kmod/engine/wdfq_trace.h) and with its fields
 * "dev" (the device's name) and "queue" (always "": no queue involved).
 * drv_main.c creates them.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM wdfq

#if !defined(_DRV_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _DRV_TRACE_H

#include <linux/tracepoint.h>

#include <wdfq_compat.h>

DECLARE_EVENT_CLASS(wdfq_drv_class,
	TP_PROTO(const char *dev),
	TP_ARGS(dev),
	TP_STRUCT__entry(
		__string(dev, dev)
		__string(queue, "")
	),
	TP_fast_assign(
		wdfq_compat_assign_str(dev, dev);
		wdfq_compat_assign_str(queue, "");
	),
	TP_printk("dev=%s queue=%s", __get_str(dev), __get_str(queue))
);

/* The input ISR (drv_irq_isr(), hard interrupt) starts and returns */
DEFINE_EVENT(wdfq_drv_class, wdfq_isr_enter,
	TP_PROTO(const char *dev),
	TP_ARGS(dev));

DEFINE_EVENT(wdfq_drv_class, wdfq_isr_exit,
	TP_PROTO(const char *dev),
	TP_ARGS(dev));

/* The DPC (drv_dpc(), softirq) starts and returns */
DEFINE_EVENT(wdfq_drv_class, wdfq_dpc_enter,
	TP_PROTO(const char *dev),
	TP_ARGS(dev));

DEFINE_EVENT(wdfq_drv_class, wdfq_dpc_exit,
	TP_PROTO(const char *dev),
	TP_ARGS(dev));

#endif /* _DRV_TRACE_H */

/* Out of the kernel tree: Kbuild adds -I$(src) for drv_main.o */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE drv_trace
#include <trace/define_trace.h>
