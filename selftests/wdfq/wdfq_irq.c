// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq device interrupts: on the edu backend (scripts/vm.sh --hw edu) every
 * interrupt the driver counts (GET_QUEUE_STATS interrupts) is one of the
 * PCI device's, so the count on its line in /proc/interrupts (named after
 * the instance, "wdfq0") rises with the driver's, by the same amount. The
 * simulated backend has no interrupt line: the test skips there.
 */
#include "kselftest_harness.h"
#include "wdfq_util.h"

#define DEV	"/dev/wdfq0"
#define NAME	"wdfq0"

/*
 * The interrupt line of @name in /proc/interrupts: its count summed over
 * the CPUs, and whether it is an MSI. Return: 0, or -1 if there is none.
 */
static int proc_irq(const char *name, uint64_t *count, int *msi)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[1024];
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p, *end, *last;
		uint64_t sum = 0;

		line[strcspn(line, "\n")] = '\0';
		last = strrchr(line, ' ');
		if (!last || strcmp(last + 1, name))
			continue;
		p = strchr(line, ':');
		if (!p)
			continue;
		p++;
		for (;;) {
			unsigned long long v = strtoull(p, &end, 10);

			if (end == p)
				break;
			sum += v;
			p = end;
		}
		*count = sum;
		*msi = !!strstr(line, "MSI");
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

/*
 * Both counts at one moment: the line's count, the driver's, and the line's
 * again until no interrupt came in between (a DMA of a write an earlier
 * test cancelled may still end). Return: 0, or -1.
 */
static int snapshot(int fd, uint64_t *line, uint64_t *drv, int *msi)
{
	struct wdfq_queue_stats s;
	uint64_t again;
	int i;

	for (i = 0; i < 100; i++) {
		if (proc_irq(NAME, line, msi) ||
		    wq_stats(fd, WDFQ_QUEUE_CONTROL, &s) ||
		    proc_irq(NAME, &again, msi))
			return -1;
		if (again == *line) {
			*drv = s.interrupts;
			return 0;
		}
	}
	return -1;
}

static int cmdline_has(const char *word)
{
	char buf[4096] = "";
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	return !!strstr(buf, word);
}

FIXTURE(irq) {
	int fd;
};

FIXTURE_SETUP(irq)
{
	uint64_t n;
	int msi;

	self->fd = open(DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	if (proc_irq(NAME, &n, &msi))
		SKIP(return, "no " NAME " in /proc/interrupts: simulated backend");
	ASSERT_EQ(0, wq_reset_device(self->fd, DEV));
}

FIXTURE_TEARDOWN(irq)
{
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * Injects and a write, each waited for (the ring holds their bytes): the
 * interrupts that latched them were taken and counted by then, by the
 * kernel's line count first. Whatever else interrupts meanwhile is counted
 * by both too, so both rise by the same amount.
 */
TEST_F(irq, msi_count_matches_driver)
{
	const unsigned int rounds = 8;
	uint64_t p0, p1, s0, s1;
	char buf[64];
	unsigned int i;
	size_t want;
	int msi;

	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_GEN_RATE, 0, 0, 0, 0));
	memset(buf, 'i', sizeof(buf));
	ASSERT_EQ(0, snapshot(self->fd, &p0, &s0, &msi));

	for (i = 1; i <= rounds; i++) {
		ASSERT_EQ(0, wq_inject(self->fd, buf, 16, 0));
		ASSERT_EQ(0, wq_wait_ring(self->fd, 16 * i));
	}
	want = 16 * rounds + sizeof(buf);
	ASSERT_EQ((ssize_t)sizeof(buf), write(self->fd, buf, sizeof(buf)));
	ASSERT_EQ(0, wq_wait_ring(self->fd, want));

	ASSERT_EQ(0, snapshot(self->fd, &p1, &s1, &msi));
	TH_LOG("%s: /proc/interrupts +%llu, driver +%llu",
	       msi ? "MSI" : "INTx", (unsigned long long)(p1 - p0),
	       (unsigned long long)(s1 - s0));
	/* MSI unless the kernel was told not to (the INTx fallback). */
	if (!cmdline_has("pci=nomsi"))
		EXPECT_TRUE(msi);
	/* One per inject, and the write's two DMAs at least. */
	EXPECT_LE(rounds + 2, s1 - s0);
	EXPECT_EQ(p1 - p0, s1 - s0);
}

TEST_HARNESS_MAIN
