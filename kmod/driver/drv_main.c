// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq reference driver: module parameters, platform devices and driver,
 * probe/remove, power management.
 *
 * The module creates "count" platform devices wdfq.N and registers a
 * platform driver that binds them (simulated hardware, drv_hw_sim.c), and a
 * PCI driver for QEMU's edu device (drv_pci.c, drv_hw_edu.c). Each bound instance has an engine
 * device whose power-managed queues drive the platform device's runtime PM
 * (autosuspend, standard sysfs files under power/), simulated hardware, and
 * the misc device /dev/wdfqN as its child.
 *
 * Power: runtime suspend waits (-EBUSY) while input is on its way to the
 * ring (drv_hw_refuse_suspend()), then tells the engine (power-managed
 * queues stop; running write transfers are stopped and requeued through
 * io_stop), then disarms the hardware; runtime resume re-arms it, then
 * tells the engine.
 * System sleep forces the same path (pm_runtime_force_suspend/resume):
 * nothing to do if the device is runtime-suspended already.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/pm.h>
#include <linux/pm_runtime.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "drv.h"

#define CREATE_TRACE_POINTS
#include "drv_trace.h"

static unsigned int count = 1;
module_param(count, uint, 0444);
MODULE_PARM_DESC(count, "number of simulated instances wdfq.N, /dev/wdfqN (1..16, default 1); edu PCI devices take the numbers after them");

static bool sim = true;
module_param(sim, bool, 0444);
MODULE_PARM_DESC(sim, "create the simulated instances (default Y); N: none, the edu PCI devices are /dev/wdfq0 on");

/* Simulated instances created: count, or 0 with sim=N. */
unsigned int drv_sim_count;

unsigned int drv_param_read_path[DRV_MAX_COUNT];
static unsigned int drv_nr_read_path = 1;	/* shows "0" when not given */
module_param_array_named(read_path, drv_param_read_path, uint,
			 &drv_nr_read_path, 0444);
MODULE_PARM_DESC(read_path, "per instance, comma-separated: 0 = sequential read queue forwarding to a manual pending queue (default), 1 = manual read queue with ready notify");

unsigned int drv_param_write_limit = 4;
module_param_named(write_limit, drv_param_write_limit, uint, 0444);
MODULE_PARM_DESC(write_limit, "write queue parallel limit N for new instances (1..64, default 4)");

unsigned int drv_param_write_latency_us = 1000;
module_param_named(write_latency_us, drv_param_write_latency_us, uint, 0444);
MODULE_PARM_DESC(write_latency_us, "initial duration of a write transfer in microseconds (default 1000)");

unsigned int drv_param_ring_size = 16384;
module_param_named(ring_size, drv_param_ring_size, uint, 0444);
MODULE_PARM_DESC(ring_size, "initial ring buffer size in bytes, power of 2, 64..1048576 (default 16384)");

unsigned int drv_param_gen_rate_hz;
module_param_named(gen_rate_hz, drv_param_gen_rate_hz, uint, 0444);
MODULE_PARM_DESC(gen_rate_hz, "initial generator rate, 8-byte records per second, 0 = off (default)");

static unsigned int autosuspend_ms = 1000;
module_param(autosuspend_ms, uint, 0444);
MODULE_PARM_DESC(autosuspend_ms, "initial runtime PM autosuspend delay in ms (default 1000; see power/autosuspend_delay_ms)");

static struct platform_device *drv_pdevs[DRV_MAX_COUNT];

static int drv_runtime_suspend(struct device *dev)
{
	struct drv_dev *d = dev_get_drvdata(dev);

	/*
	 * Input still on its way to the ring: not now, the DPC asks again
	 * once it is there. System sleep does not wait: that input waits
	 * in the device until the resume.
	 */
	if (!READ_ONCE(d->sys_sleep) && drv_hw_refuse_suspend(d)) {
		pm_runtime_mark_last_busy(dev);
		return -EBUSY;
	}
	wdfq_device_power_down(d->wdev, WDFQ_STOP_SUSPEND);
	drv_hw_disarm(d);
	atomic64_inc(&d->cnt.rpm_suspends);
	dev_dbg(dev, "suspended\n");
	return 0;
}

static int drv_runtime_resume(struct device *dev)
{
	struct drv_dev *d = dev_get_drvdata(dev);

	/*
	 * Counted first: once the hardware is armed and the queues restarted,
	 * a request this resume serves may complete before the callback ends.
	 */
	atomic64_inc(&d->cnt.rpm_resumes);
	drv_hw_arm(d);
	wdfq_device_power_up(d->wdev);
	/* Parked reads may now take what the ring holds. */
	drv_dpc_kick(d);
	dev_dbg(dev, "resumed\n");
	return 0;
}

/* System sleep: the runtime PM callbacks, forced; counted when they ran. */
static int drv_suspend(struct device *dev)
{
	struct drv_dev *d = dev_get_drvdata(dev);
	s64 before = atomic64_read(&d->cnt.rpm_suspends);
	int ret;

	WRITE_ONCE(d->sys_sleep, true);
	ret = pm_runtime_force_suspend(dev);
	if (ret)
		WRITE_ONCE(d->sys_sleep, false);
	if (atomic64_read(&d->cnt.rpm_suspends) != before)
		atomic64_inc(&d->cnt.sys_suspends);
	return ret;
}

static int drv_resume(struct device *dev)
{
	struct drv_dev *d = dev_get_drvdata(dev);
	s64 before = atomic64_read(&d->cnt.rpm_resumes);
	int ret;

	ret = pm_runtime_force_resume(dev);
	WRITE_ONCE(d->sys_sleep, false);
	if (atomic64_read(&d->cnt.rpm_resumes) != before)
		atomic64_inc(&d->cnt.sys_resumes);
	return ret;
}

const struct dev_pm_ops drv_pm_ops = {
	SYSTEM_SLEEP_PM_OPS(drv_suspend, drv_resume)
	RUNTIME_PM_OPS(drv_runtime_suspend, drv_runtime_resume, NULL)
};

WDFQ_FAIL_POINT(drv, misc_register);

/**
 * drv_instance_probe() - bring up one instance on a bound device
 * @dev: the device (platform wdfq.N, or the edu PCI device); its runtime PM
 *	is enabled by the caller's bus or here (@rpm_enable)
 * @id: N of /dev/wdfqN
 * @ops: the hardware backend
 * @priv: the backend's state (struct drv_hw.priv)
 * @rpm_enable: enable runtime PM here (platform); the PCI core has already
 *	enabled it, with the device active
 *
 * Sets the device's driver data. Context: process, the bus's probe.
 * Return: the instance or an ERR_PTR().
 */
struct drv_dev *drv_instance_probe(struct device *dev, int id,
				   const struct drv_hw_ops *ops, void *priv,
				   bool rpm_enable)
{
	struct wdfq_device_config cfg = { };
	struct drv_dev *d;
	int ret;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return ERR_PTR(-ENOMEM);
	kref_init(&d->ref);
	d->id = id;
	d->dev = dev;
	snprintf(d->name, sizeof(d->name), "wdfq%d", id);
	d->read_path = id < DRV_MAX_COUNT ? drv_param_read_path[id] : 0;
	d->write_limit = drv_param_write_limit;
	d->write_latency_us = drv_param_write_latency_us;
	d->hw.ops = ops;
	d->hw.priv = priv;
	init_waitqueue_head(&d->ctl_wq);
	init_waitqueue_head(&d->poll_wq);
	init_rwsem(&d->qlock);
	init_rwsem(&d->rm_sem);
	mutex_init(&d->ctl_lock);
	dev_set_drvdata(dev, d);

	ret = drv_hw_init(d);
	if (ret)
		goto err_hw;

	cfg.name = d->name;
	cfg.pm_dev = dev;
	cfg.request_ctx_size = sizeof(struct drv_req);
	cfg.context = d;
	d->wdev = wdfq_device_create(&cfg);
	if (IS_ERR(d->wdev)) {
		ret = PTR_ERR(d->wdev);
		d->wdev = NULL;
		goto err_hw;
	}

	/* Powered from the start; idle until the queues take a reference. */
	pm_runtime_get_noresume(dev);
	if (rpm_enable)
		pm_runtime_set_active(dev);
	pm_runtime_set_autosuspend_delay(dev, autosuspend_ms);
	pm_runtime_use_autosuspend(dev);
	if (rpm_enable)
		pm_runtime_enable(dev);

	ret = drv_queues_create(d);
	if (ret)
		goto err_pm;
	drv_hw_arm(d);

	d->misc.minor = MISC_DYNAMIC_MINOR;
	d->misc.name = d->name;
	/* Any user may use it; the privileged ioctls check CAP_SYS_ADMIN. */
	d->misc.mode = 0666;
	d->misc.fops = &drv_fops;
	d->misc.parent = dev;
	ret = drv_fail_misc_register() ?: misc_register(&d->misc);
	if (ret)
		goto err_pm;

	pm_runtime_mark_last_busy(dev);
	pm_runtime_put_autosuspend(dev);
	dev_info(dev, "/dev/%s: %s hardware, read path %s, write limit %u, DPC %s\n",
		 d->name, ops->name, d->read_path ? "notify" : "forward",
		 d->write_limit, WDFQ_COMPAT_BH_KIND);
	return d;

err_pm:
	wdfq_device_delete(d->wdev);
	d->wdev = NULL;
	drv_hw_disarm(d);
	pm_runtime_dont_use_autosuspend(dev);
	if (rpm_enable) {
		pm_runtime_disable(dev);
		pm_runtime_set_suspended(dev);
	}
	pm_runtime_put_noidle(dev);
err_hw:
	drv_hw_fini(d);
	dev_set_drvdata(dev, NULL);
	drv_dev_put(d);
	return ERR_PTR(ret);
}

/**
 * drv_instance_remove() - take an instance down
 * @d: the instance
 * @rpm_disable: disable runtime PM here (platform; the PCI core does it)
 *
 * Completes every request, stops the hardware, drops the binding's
 * reference. Context: process, the bus's remove.
 */
void drv_instance_remove(struct drv_dev *d, bool rpm_disable)
{
	struct device *dev = d->dev;

	/*
	 * The driver core drops its runtime-PM reference before it calls
	 * remove(): hold the device active ourselves, so that no runtime
	 * suspend (an autosuspend timer, power/control) reaches the engine
	 * device while it is taken apart. Released after pm_runtime_disable().
	 */
	pm_runtime_get_sync(dev);
	/*
	 * "dead" is set under qlock: a QUEUE_CTL or write queue rebuild that
	 * has not checked it yet will see it, and one that has is finished,
	 * so nothing reopens or replaces a queue after the purge below.
	 */
	down_write(&d->qlock);
	WRITE_ONCE(d->dead, true);
	up_write(&d->qlock);
	wake_up_all(&d->ctl_wq);
	wake_up_all(&d->poll_wq);
	misc_deregister(&d->misc);

	/* Complete every request; file operations then see "dead". */
	drv_queues_purge(d);
	down_write(&d->rm_sem);
	drv_hw_disarm(d);
	wdfq_compat_bh_kill(&d->hw.dpc);
	wdfq_device_delete(d->wdev);
	d->wdev = NULL;
	up_write(&d->rm_sem);

	drv_hw_fini(d);
	pm_runtime_dont_use_autosuspend(dev);
	if (rpm_disable) {
		pm_runtime_disable(dev);
		pm_runtime_set_suspended(dev);
	}
	pm_runtime_put_noidle(dev);
	dev_info(dev, "removed\n");
	drv_dev_put(d);
}

static int drv_probe(struct platform_device *pdev)
{
	struct drv_dev *d;

	d = drv_instance_probe(&pdev->dev, pdev->id, &drv_hw_sim_ops, NULL,
			       true);
	return PTR_ERR_OR_ZERO(d);
}

static void drv_remove(struct platform_device *pdev)
{
	drv_instance_remove(platform_get_drvdata(pdev), true);
}

static struct platform_driver drv_platform_driver = {
	.driver = {
		.name = DRV_NAME,
		.pm = pm_ptr(&drv_pm_ops),
	},
	.probe = drv_probe,
	WDFQ_COMPAT_PLATFORM_REMOVE(drv_remove),
};

static void drv_pdevs_unregister(void)
{
	int i;

	for (i = DRV_MAX_COUNT - 1; i >= 0; i--) {
		if (drv_pdevs[i])
			platform_device_unregister(drv_pdevs[i]);
		drv_pdevs[i] = NULL;
	}
}

static int __init drv_init(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < drv_nr_read_path; i++) {
		if (drv_param_read_path[i] > WDFQ_READ_PATH_NOTIFY) {
			pr_err("invalid read_path\n");
			return -EINVAL;
		}
	}
	if (!count || count > DRV_MAX_COUNT ||
	    !drv_param_write_limit ||
	    drv_param_write_limit > DRV_WRITE_LIMIT_MAX ||
	    drv_param_write_latency_us > DRV_LATENCY_MAX_US ||
	    drv_param_ring_size < DRV_RING_MIN ||
	    drv_param_ring_size > DRV_RING_MAX ||
	    !is_power_of_2(drv_param_ring_size) ||
	    drv_param_gen_rate_hz > DRV_GEN_RATE_MAX) {
		pr_err("invalid module parameter\n");
		return -EINVAL;
	}

	drv_sim_count = sim ? count : 0;
	ret = drv_fops_init();
	if (ret)
		return ret;
	ret = platform_driver_register(&drv_platform_driver);
	if (ret)
		goto err_fops;
	ret = pci_register_driver(&drv_pci_driver);
	if (ret)
		goto err_plat;
	for (i = 0; i < drv_sim_count; i++) {
		struct platform_device *pdev;

		pdev = platform_device_register_simple(DRV_NAME, i, NULL, 0);
		if (IS_ERR(pdev)) {
			ret = PTR_ERR(pdev);
			goto err;
		}
		drv_pdevs[i] = pdev;
	}
	return 0;

err:
	drv_pdevs_unregister();
	pci_unregister_driver(&drv_pci_driver);
err_plat:
	platform_driver_unregister(&drv_platform_driver);
err_fops:
	drv_fops_exit();
	return ret;
}
module_init(drv_init);

static void __exit drv_exit(void)
{
	drv_pdevs_unregister();
	pci_unregister_driver(&drv_pci_driver);
	platform_driver_unregister(&drv_platform_driver);
	drv_fops_exit();
	/* the engine frees some requests after a grace period */
	rcu_barrier();
}
module_exit(drv_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Reference character device on the wdfq queue engine");
