/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Engine hooks for the engine's own KUnit tests. Not part of the API (that
 * is wdfq.h alone): they exist only on kernels with KUnit and are exported
 * only into the EXPORTED_FOR_KUNIT_TESTING symbol namespace, which the
 * tests import (see wdfq_compat.h).
 */
#ifndef _WDFQ_KUNIT_H
#define _WDFQ_KUNIT_H

struct wdfq_device;

/**
 * wdfq_kunit_quiet_driver_bugs() - report a device's driver bugs quietly
 * @dev: a device just created, with no queue yet
 *
 * Driver bugs concerning @dev (misuses of the API, counted in
 * &wdfq_queue_state.driver_bugs when a queue is concerned) are logged with
 * pr_notice() instead of WARN_ONCE(), for tests that provoke them on
 * purpose and check the counter instead of the log.
 * Context: process context.
 */
void wdfq_kunit_quiet_driver_bugs(struct wdfq_device *dev);

#endif /* _WDFQ_KUNIT_H */
