// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq reference driver: the PCI driver for QEMU's edu device, the second
 * hardware backend (drv_hw_edu.c). Each bound device is an instance like
 * the platform ones: same queues, same /dev/wdfqN, with N after the
 * simulated instances (module parameter sim=0 makes the first edu device
 * /dev/wdfq0).
 *
 * Runtime PM: the PCI core enables it with the device active and forbidden
 * (power/control "on") and holds a usage count over probe; the instance
 * takes the device's autosuspend from there like the platform one. The PM
 * callbacks are the platform driver's (drv_main.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/idr.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/pm_runtime.h>
#include <linux/slab.h>

#include "drv.h"
#include "drv_edu.h"

/* Instance numbers of edu devices: after the simulated ones. */
static DEFINE_IDA(drv_pci_ida);

static int drv_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	void __iomem *mmio;
	struct drv_edu *e;
	struct drv_dev *d;
	int ret, n;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	mmio = wdfq_compat_pcim_iomap(pdev, 0, DRV_NAME);
	if (IS_ERR(mmio))
		return PTR_ERR(mmio);
	if (!drv_edu_check(mmio))
		return -ENODEV;
	pci_set_master(pdev);
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(DRV_EDU_DMA_BITS));
	if (ret)
		return ret;
	ret = pci_alloc_irq_vectors(pdev, 1, 1,
				    PCI_IRQ_MSI | WDFQ_COMPAT_PCI_IRQ_INTX);
	if (ret < 0)
		return ret;
	n = ida_alloc_range(&drv_pci_ida, drv_sim_count, DRV_MAX_COUNT - 1,
			    GFP_KERNEL);
	if (n < 0) {
		ret = n;
		goto err_vec;
	}
	e = drv_edu_new(pdev, mmio);
	if (!e) {
		ret = -ENOMEM;
		goto err_ida;
	}
	d = drv_instance_probe(dev, n, &drv_hw_edu_ops, e, false);
	if (IS_ERR(d)) {
		ret = PTR_ERR(d);
		kfree(e);
		goto err_ida;
	}
	dev_info(dev, "edu: %s interrupt %d\n", pdev->msi_enabled ? "MSI" :
		 "INTx", pci_irq_vector(pdev, 0));
	/* The instance manages runtime PM from here: drop the core's count. */
	pm_runtime_put_noidle(dev);
	return 0;

err_ida:
	ida_free(&drv_pci_ida, n);
err_vec:
	pci_free_irq_vectors(pdev);
	return ret;
}

static void drv_pci_remove(struct pci_dev *pdev)
{
	struct drv_dev *d = pci_get_drvdata(pdev);
	void *e = d->hw.priv;
	int n = d->id;

	/* Balance the probe's put: the core drops one after remove(). */
	pm_runtime_get_noresume(&pdev->dev);
	drv_instance_remove(d, false);
	kfree(e);
	ida_free(&drv_pci_ida, n);
	pci_free_irq_vectors(pdev);
}

static const struct pci_device_id drv_pci_ids[] = {
	{ PCI_DEVICE(DRV_EDU_VENDOR, DRV_EDU_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, drv_pci_ids);

struct pci_driver drv_pci_driver = {
	.name = DRV_NAME,
	.id_table = drv_pci_ids,
	.probe = drv_pci_probe,
	.remove = drv_pci_remove,
	.driver.pm = pm_ptr(&drv_pm_ops),
};
