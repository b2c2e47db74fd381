// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq power management: runtime PM with autosuspend through the standard
 * sysfs files of /dev/wdfq0's device (platform wdfq.0, or the edu PCI
 * device), and system sleep
 * (pm_test=devices, freeze) with parked reads and writes in flight.
 */
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "wdfq_util.h"
#include "wdfq_async.h"

#define DEV	"/dev/wdfq0"
#define PWR	"/sys/class/misc/wdfq0/device/power/"

static int rpm_status(char *buf, size_t len)
{
	return wq_sysfs_read(PWR "runtime_status", buf, len);
}

static int wait_status(const char *want, unsigned int ms)
{
	uint64_t end = wq_now_ms() + ms;
	char buf[32];

	do {
		if (rpm_status(buf, sizeof(buf)))
			return -1;
		if (!strcmp(buf, want))
			return 0;
		wq_sleep_ms(10);
	} while (wq_now_ms() < end);
	return -1;
}

FIXTURE(pm) {
	int fd;
	char old_delay[32];
	char old_control[32];
};

FIXTURE_SETUP(pm)
{
	char buf[32];

	self->fd = -1;
	if (geteuid())
		SKIP(return, "needs root");
	if (rpm_status(buf, sizeof(buf)))
		SKIP(return, "no %s (CONFIG_PM?)", PWR "runtime_status");
	self->fd = open(DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, wq_reset_device(self->fd, DEV));
	ASSERT_EQ(0, wq_sysfs_read(PWR "autosuspend_delay_ms", self->old_delay,
				   sizeof(self->old_delay)));
	ASSERT_EQ(0, wq_sysfs_read(PWR "control", self->old_control,
				   sizeof(self->old_control)));
	ASSERT_EQ(0, wq_sysfs_write(PWR "autosuspend_delay_ms", "200"));
	ASSERT_EQ(0, wq_sysfs_write(PWR "control", "auto"));
}

FIXTURE_TEARDOWN(pm)
{
	if (self->fd < 0)
		return;
	wq_sysfs_write(PWR "autosuspend_delay_ms", self->old_delay);
	wq_sysfs_write(PWR "control", self->old_control);
	wq_reset_device(self->fd, DEV);
	close(self->fd);
}

/* Idle: suspends after the delay; a stats ioctl does not wake it. */
TEST_F(pm, autosuspend_and_stats_do_not_wake)
{
	struct wdfq_queue_stats s0, s;
	char buf[32];
	int i;

	ASSERT_EQ(0, wait_status("suspended", WQ_WAIT_MS));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_READ, &s0));
	EXPECT_TRUE(s0.dev_state & WDFQ_DS_RPM_SUSPENDED);
	EXPECT_FALSE(s0.dev_state & WDFQ_DS_ARMED);
	EXPECT_FALSE(s0.state & WDFQ_QS_POWERED);
	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, wq_stats(self->fd, i % WDFQ_NR_QUEUES, &s));
		wq_sleep_ms(10);
	}
	ASSERT_EQ(0, rpm_status(buf, sizeof(buf)));
	EXPECT_STREQ("suspended", buf);
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &s));
	EXPECT_EQ(s0.rpm_resumes, s.rpm_resumes);
	EXPECT_TRUE(s.state & WDFQ_QS_POWERED);	/* control: not managed */
}

/* A write wakes it and completes; a read then gets the bytes. */
TEST_F(pm, write_and_read_wake)
{
	struct wdfq_queue_stats s0, s;
	char buf[16];

	ASSERT_EQ(0, wait_status("suspended", WQ_WAIT_MS));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &s0));
	ASSERT_EQ(5, write(self->fd, "hello", 5));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &s));
	EXPECT_LT(s0.rpm_resumes, s.rpm_resumes);
	ASSERT_EQ(5, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));

	/* Input injected while suspended waits in the device; a read wakes it. */
	ASSERT_EQ(0, wait_status("suspended", WQ_WAIT_MS));
	ASSERT_EQ(0, wq_inject(self->fd, "asleep", 6, 0));
	wq_sleep_ms(100);
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &s0));
	EXPECT_EQ(0, s0.ring_bytes);
	EXPECT_TRUE(s0.dev_state & WDFQ_DS_RPM_SUSPENDED);
	ASSERT_EQ(6, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "asleep", 6));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &s));
	EXPECT_LT(s0.rpm_resumes, s.rpm_resumes);
	ASSERT_EQ(0, wait_status("suspended", WQ_WAIT_MS));
}

/* Voluntary context switches of the calling thread so far. */
static long nvcsw(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_THREAD, &ru) ? -1 : ru.ru_nvcsw;
}

/* Suspended, with @len bytes of @data in the ring. */
static int suspended_with(int fd, const char *data, size_t len)
{
	struct wdfq_queue_stats s;

	if (wait_status("suspended", WQ_WAIT_MS) ||
	    write(fd, data, len) != (ssize_t)len ||
	    wait_status("suspended", WQ_WAIT_MS) ||
	    wq_stats(fd, WDFQ_QUEUE_CONTROL, &s))
		return -1;
	return s.ring_bytes == len ? 0 : -1;
}

/* Wait until the device has resumed more often than @before times. */
static int wait_resumed(int fd, uint64_t before)
{
	uint64_t end = wq_now_ms() + WQ_WAIT_MS;
	struct wdfq_queue_stats s;

	do {
		if (wq_stats(fd, WDFQ_QUEUE_CONTROL, &s))
			return -1;
		if (s.rpm_resumes > before)
			return 0;
		wq_sleep_ms(5);
	} while (wq_now_ms() < end);
	return -1;
}

/*
 * RWF_NOWAIT (IOCB_NOWAIT, as io_uring's inline issue) never sleeps in the
 * driver, not even for a runtime resume: io_uring issues it holding its
 * submission lock, and system sleep would freeze a task sleeping there
 * with that lock held. At a suspended device whose ring holds data the
 * read gets EAGAIN without a voluntary context switch and starts the
 * resume; a blocking read then gets the bytes, nothing lost.
 */
TEST_F(pm, nowait_read_does_not_sleep_for_resume)
{
	struct wdfq_queue_stats s0, s;
	struct iovec iov;
	char buf[16];
	long before, after;
	ssize_t n;

	memset(buf, 0, sizeof(buf));	/* faulted in: no sleep for that */
	ASSERT_EQ(0, suspended_with(self->fd, "hello", 5));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &s0));
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	before = nvcsw();
	n = preadv2(self->fd, &iov, 1, -1, RWF_NOWAIT);
	after = nvcsw();
	EXPECT_EQ(before, after) TH_LOG("the NOWAIT read slept");
	ASSERT_EQ(-1, n);
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, wait_resumed(self->fd, s0.rpm_resumes));
	ASSERT_EQ(5, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &s));
	EXPECT_EQ(0, s.ring_bytes);
}

/*
 * O_NONBLOCK means "do not wait for data", not "do not wake the device":
 * at a suspended device whose ring holds data, read(2) on a non-blocking
 * descriptor (a fresh one each round, as a drain loop opens it) returns
 * the bytes at once, every time, as poll's EPOLLIN promises.
 */
TEST_F(pm, nonblock_read_at_suspended_device)
{
	char buf[16];
	int i, fd;

	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, suspended_with(self->fd, "hello", 5));
		fd = open(DEV, O_RDWR | O_NONBLOCK);
		ASSERT_LE(0, fd);
		memset(buf, 0, sizeof(buf));
		EXPECT_EQ(5, read(fd, buf, sizeof(buf))) {
			TH_LOG("round %d: %s", i, strerror(errno));
		}
		EXPECT_EQ(0, memcmp(buf, "hello", 5));
		close(fd);
		wq_drain(DEV, NULL, 0);
	}
}

/*
 * INJECT with WDFQ_INJECT_F_WAKE resumes the device for the injection, and
 * its bytes reach the ring even when the device may suspend again at once
 * (autosuspend delay 0): a suspend that comes before the device's input
 * interrupt has delivered them waits, rather than leave them in the device
 * until something else wakes it.
 */
TEST_F(pm, inject_wake_reaches_ring_before_suspend)
{
	struct wdfq_queue_stats s;
	char buf[16];
	int i;

	ASSERT_EQ(0, wq_sysfs_write(PWR "autosuspend_delay_ms", "0"));
	for (i = 0; i < 50; i++) {
		ASSERT_EQ(0, wq_inject(self->fd, "wakewake", 8,
				       WDFQ_INJECT_F_WAKE));
		ASSERT_EQ(0, wq_wait_ring(self->fd, 8)) {
			wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &s);
			TH_LOG("round %d: ring %llu, dev_state %#x", i,
			       (unsigned long long)s.ring_bytes, s.dev_state);
		}
		ASSERT_EQ(8, read(self->fd, buf, sizeof(buf)));
		EXPECT_EQ(0, memcmp(buf, "wakewake", 8));
	}
	/* Nothing keeps it awake afterwards. */
	ASSERT_EQ(0, wait_status("suspended", WQ_WAIT_MS));
}

/*
 * The same through io_uring: the inline issue gets EAGAIN, io_uring
 * retries (its poll reports the data at once, then its worker waits for
 * the resume), and the read completes with the bytes, once.
 */
TEST_F(pm, uring_read_at_suspended_device)
{
	struct io_uring_cqe cqe[2];
	struct wdfq_queue_stats s;
	struct wq_ring r;
	char buf[16];

	if (wq_ring_init(&r, 4))
		SKIP(return, "io_uring: %s", strerror(errno));
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, suspended_with(self->fd, "hello", 5));
	wq_prep_rw(wq_ring_sqe(&r), IORING_OP_READ, self->fd, buf,
		   sizeof(buf), 7);
	ASSERT_EQ(1, wq_ring_enter(&r, 1, 0));
	ASSERT_EQ(1, wq_ring_reap(&r, cqe, 1));
	EXPECT_EQ(7, cqe[0].user_data);
	EXPECT_EQ(5, cqe[0].res);
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	EXPECT_EQ(0, wq_ring_ready(&r));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &s));
	EXPECT_EQ(0, s.ring_bytes);
	wq_ring_exit(&r);
}

/* power/control=on keeps it active. */
TEST_F(pm, control_on)
{
	ASSERT_EQ(0, wait_status("suspended", WQ_WAIT_MS));
	ASSERT_EQ(0, wq_sysfs_write(PWR "control", "on"));
	ASSERT_EQ(0, wait_status("active", WQ_WAIT_MS));
	wq_sleep_ms(1000);
	EXPECT_EQ(0, wait_status("active", 0));
	ASSERT_EQ(0, wq_sysfs_write(PWR "control", "auto"));
	EXPECT_EQ(0, wait_status("suspended", WQ_WAIT_MS));
}

/* A parked reader keeps it awake. */
TEST_F(pm, parked_reader_keeps_awake)
{
	struct wq_reader r;

	ASSERT_EQ(0, wait_status("suspended", WQ_WAIT_MS));
	ASSERT_EQ(0, wq_reader_start(&r, self->fd, 8));
	ASSERT_EQ(0, wait_status("active", WQ_WAIT_MS));
	wq_sleep_ms(1000);	/* 5x the delay */
	EXPECT_EQ(0, wait_status("active", 0));
	ASSERT_EQ(0, wq_inject(self->fd, "12345678", 8, 0));
	ASSERT_EQ(0, wq_join(r.th, WQ_WAIT_MS));
	EXPECT_EQ(8, r.ret);
	EXPECT_EQ(0, wait_status("suspended", WQ_WAIT_MS));
}

struct blk_writer {
	pthread_t th;
	int fd;
	char blk[32];
	ssize_t ret;
};

static void *blk_writer_fn(void *arg)
{
	struct blk_writer *w = arg;

	w->ret = write(w->fd, w->blk, sizeof(w->blk));
	return NULL;
}

/*
 * System sleep with parked reads and writes in flight: everything completes
 * after resume, nothing lost, nothing duplicated. power/control=on across
 * the sleep: the way from "freeze" to the device's suspend can take
 * seconds on a loaded machine, long enough for the transfers to end and
 * the device to autosuspend first; its system-sleep callbacks then had
 * nothing to power down or up. With runtime suspend forbidden, the sleep
 * always finds it powered. Whether a transfer is still running then
 * (io_stop requeues it) depends on that time: the checks hold either way.
 */
TEST_F(pm, system_sleep)
{
	static struct wq_reader r[3];
	static struct blk_writer w[4];
	static char all[4096];
	struct wdfq_queue_stats s0, s, ws0;
	struct wdfq_info info;
	char old_delay[16] = "";
	size_t got = 0;
	int i, j, fd, found;

	if (access("/sys/power/pm_test", W_OK) ||
	    access("/sys/power/state", W_OK))
		SKIP(return, "no /sys/power/pm_test (CONFIG_PM_DEBUG)");
	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_WRITE_LATENCY, 500000, 0, 0, 0));
	ASSERT_EQ(0, wq_sysfs_write(PWR "control", "on"));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &s0));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_WRITE, &ws0));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, wq_reader_start(&r[i], self->fd, 32));
	ASSERT_EQ(0, ioctl(self->fd, WDFQ_IOC_GET_INFO, &info));
	ASSERT_EQ(0, wq_wait_queued(self->fd, wq_parked_q(&info), 3));
	for (i = 0; i < 4; i++) {
		w[i].fd = self->fd;
		memset(w[i].blk, 'a' + i, sizeof(w[i].blk));
		w[i].blk[0] = '0' + i;
		ASSERT_EQ(0, pthread_create(&w[i].th, NULL, blk_writer_fn,
					    &w[i]));
	}
	do {
		ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_WRITE, &s));
	} while (s.driver_owned + s.queued < 4 && (wq_sleep_ms(2), 1));

	wq_sysfs_read("/sys/module/suspend/parameters/pm_test_delay",
		      old_delay, sizeof(old_delay));
	wq_sysfs_write("/sys/module/suspend/parameters/pm_test_delay", "1");
	ASSERT_EQ(0, wq_sysfs_write("/sys/power/pm_test", "devices"));
	fd = open("/sys/power/state", O_WRONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(6, write(fd, "freeze", 6))
		TH_LOG("freeze: %s", strerror(errno));
	close(fd);
	wq_sysfs_write("/sys/power/pm_test", "none");
	if (old_delay[0])
		wq_sysfs_write("/sys/module/suspend/parameters/pm_test_delay",
			       old_delay);
	ASSERT_EQ(0, wq_sysfs_write(PWR "control", "auto"));

	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, wq_join(w[i].th, WQ_WAIT_MS));
		EXPECT_EQ(32, w[i].ret);
	}
	/* Writes looped back 128 bytes: 96 to the readers, 32 to the ring. */
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, wq_join(r[i].th, WQ_WAIT_MS));
		ASSERT_EQ(32, r[i].ret);
		memcpy(all + got, r[i].buf, 32);
		got += 32;
	}
	got += wq_drain(DEV, all + got, sizeof(all) - got);
	EXPECT_EQ(128, got);
	for (i = 0; i < 4; i++) {
		found = 0;
		for (j = 0; j + 32 <= (int)got; j += 32)
			found += !memcmp(all + j, w[i].blk, 32);
		EXPECT_EQ(1, found) TH_LOG("block %d seen %d times", i, found);
	}
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &s));
	ksft_print_msg("system sleep: %llu suspends, %llu resumes (runtime %llu/%llu)\n",
		       (unsigned long long)(s.sys_suspends - s0.sys_suspends),
		       (unsigned long long)(s.sys_resumes - s0.sys_resumes),
		       (unsigned long long)(s.rpm_suspends - s0.rpm_suspends),
		       (unsigned long long)(s.rpm_resumes - s0.rpm_resumes));
	EXPECT_LE(1, s.sys_suspends - s0.sys_suspends);
	EXPECT_LE(1, s.sys_resumes - s0.sys_resumes);
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_WRITE, &s));
	/* Transfers stopped by io_stop were requeued and presented again. */
	ksft_print_msg("write queue: %llu presentations for %llu writes\n",
		       (unsigned long long)(s.presented - ws0.presented),
		       (unsigned long long)(s.completed - ws0.completed));
	EXPECT_EQ(4, s.completed - ws0.completed);
	EXPECT_TRUE(wq_balanced(&s));
}

TEST_HARNESS_MAIN
