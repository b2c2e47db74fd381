/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Failure points of the engine and the driver, for the kernel's
 * fail_function fault injection (Documentation/fault-injection in the
 * kernel's sources): one small function per allocation or set-up step,
 * called just before the step, whose caller takes the step's own error
 * path when it returns -errno.
 *
 * Each returns 0. On a kernel with CONFIG_FUNCTION_ERROR_INJECTION, its
 * name in /sys/kernel/debug/fail_function/inject makes it return the
 * value written to fail_function/NAME/retval instead, when the fault
 * attributes (probability, times, space, task-filter) say so; see
 * selftests/wdfq/wdfq_faults.c. Elsewhere ALLOW_ERROR_INJECTION() is empty
 * and the call costs a function call returning 0.
 */
#ifndef _WDFQ_INJECT_H
#define _WDFQ_INJECT_H

#include <linux/compiler.h>
#include <linux/error-injection.h>

/*
 * WDFQ_FAIL_POINT() - define the failure point prefix_fail_step(): a
 * static int function of no argument, e.g. WDFQ_FAIL_POINT(drv, open)
 * defines drv_fail_open(). fail_function overrides a real call of this
 * very function: __noipa (noinline, and no merging of the identical
 * bodies of two points, no folding of the result into the caller). The
 * hidden 0 does the last for a compiler without noipa.
 */
#define WDFQ_FAIL_POINT(prefix, step)					\
	static noinline __noipa int prefix##_fail_##step(void)		\
	{								\
		int ret = 0;						\
									\
		OPTIMIZER_HIDE_VAR(ret);				\
		return ret;						\
	}								\
	ALLOW_ERROR_INJECTION(prefix##_fail_##step, ERRNO)

#endif /* _WDFQ_INJECT_H */
