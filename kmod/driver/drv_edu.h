/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wdfq reference driver: the edu backend (drv_hw_edu.c) as the PCI driver
 * (drv_pci.c) sees it.
 */
#ifndef _WDFQ_DRV_EDU_H
#define _WDFQ_DRV_EDU_H

#include <linux/compiler_types.h>
#include <linux/types.h>

struct pci_dev;
struct drv_edu;

/* edu's PCI IDs (QEMU's hw/misc/edu.c). */
#define DRV_EDU_VENDOR		0x1234
#define DRV_EDU_DEVICE		0x11e8
/* edu's DMA engine addresses 28 bits. */
#define DRV_EDU_DMA_BITS	28
/* The interrupt status bit INJECT raises (the device's own are lower). */
#define DRV_EDU_IRQ_INPUT	0x00010000

extern const struct drv_hw_ops drv_hw_edu_ops;
struct drv_edu *drv_edu_new(struct pci_dev *pdev, void __iomem *mmio);
bool drv_edu_check(void __iomem *mmio);

#endif /* _WDFQ_DRV_EDU_H */
