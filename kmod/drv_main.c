// SPDX-License-Identifier: GPL-2.0
/*
 * Placeholder reference driver: registers /dev/wdfq0 so the test pipe can be
 * shown end to end. Replaced by the real driver.
 */
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>

static ssize_t wdfq_stub_read(struct file *file, char __user *buf,
			      size_t len, loff_t *ppos)
{
	return 0;
}

static const struct file_operations wdfq_stub_fops = {
	.owner = THIS_MODULE,
	.read = wdfq_stub_read,
};

static struct miscdevice wdfq_stub_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "wdfq0",
	.fops = &wdfq_stub_fops,
};

static int __init wdfq_init(void)
{
	return misc_register(&wdfq_stub_misc);
}
module_init(wdfq_init);

static void __exit wdfq_exit(void)
{
	misc_deregister(&wdfq_stub_misc);
}
module_exit(wdfq_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KMDF-style I/O queues and their reference character device");
