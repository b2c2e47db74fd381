/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version differences, in one place. Everything else in the module
 * is written against the newest API and includes this header.
 */
#ifndef _WDFQ_COMPAT_H
#define _WDFQ_COMPAT_H

#include <linux/version.h>

#endif /* _WDFQ_COMPAT_H */
