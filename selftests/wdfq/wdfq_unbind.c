// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq QUEUE_CTL waits and unbind races: a WDFQ_CTL_F_WAIT wait ends only
 * when its own operation finished, and with ENODEV when the instance is
 * removed; unbind against write queue rebuilds (SET_PARAMS write_limit),
 * queue starts and pending administrator drains completes every request
 * and leaves nothing running (the debug kernel's log must stay silent).
 *
 * Every test binds wdfq.0 again before it ends.
 */
#include "kselftest_harness.h"
#include "wdfq_util.h"

#define DEV	"/dev/wdfq0"
#define DRVDIR	"/sys/bus/platform/drivers/wdfq/"
#define PWR	"/sys/bus/platform/devices/wdfq.0/power/"

static int can_unbind(void)
{
	return !geteuid() && !access(DRVDIR "unbind", W_OK);
}

static int unbind0(void)
{
	if (wq_sysfs_write(DRVDIR "unbind", "wdfq.0"))
		return -1;
	return wq_wait_path(DEV, 0);
}

static int bind0(void)
{
	if (access(DEV, F_OK) && wq_sysfs_write(DRVDIR "bind", "wdfq.0"))
		return -1;
	return wq_wait_path(DEV, 1);
}

/* Wait until queue @q's state has @bit set (@set) or clear. */
static int wait_state(int fd, unsigned int q, unsigned int bit, int set)
{
	uint64_t end = wq_now_ms() + WQ_WAIT_MS;
	struct wdfq_queue_stats s;

	do {
		if (wq_stats(fd, q, &s))
			return -1;
		if (!!(s.state & bit) == set)
			return 0;
		wq_sleep_ms(5);
	} while (wq_now_ms() < end);
	errno = ETIMEDOUT;
	return -1;
}

static int write_limit(int fd)
{
	struct wdfq_params p = { 0 };

	return ioctl(fd, WDFQ_IOC_GET_PARAMS, &p) ? -1 : (int)p.write_limit;
}

/* One blocking call in a thread. */
struct call {
	pthread_t th;
	int fd;
	int kind;		/* 0 write 1 byte, 1 QUEUE_CTL, 2 SET_PARAMS */
	unsigned int queue, op, flags, limit;
	int ret;
	int err;
	int done;
};

static void *call_fn(void *arg)
{
	struct call *c = arg;

	switch (c->kind) {
	case 0:
		c->ret = write(c->fd, "w", 1);
		break;
	case 1:
		c->ret = wq_ctl(c->fd, c->queue, c->op, c->flags);
		break;
	default:
		c->ret = wq_set(c->fd, WDFQ_PARAM_WRITE_LIMIT, 0, c->limit,
				0, 0);
		break;
	}
	c->err = c->ret < 0 ? errno : 0;
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int call_start(struct call *c, int fd, int kind)
{
	c->fd = fd;
	c->kind = kind;
	c->done = 0;
	return pthread_create(&c->th, NULL, call_fn, c);
}

/*
 * STOP with WDFQ_CTL_F_WAIT on the write queue while a write is in
 * progress, then unbind: the wait ends with ENODEV, not 0 (the stop did
 * not finish; the instance went away).
 */
TEST(ctl_wait_unbind_enodev)
{
	struct call w = { 0 }, c = { 0 };
	int fd;

	if (!can_unbind())
		SKIP(return, "needs root and %s", DRVDIR "unbind");
	ASSERT_EQ(0, bind0());
	fd = open(DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, wq_reset_device(fd, DEV));
	ASSERT_EQ(0, wq_set(fd, WDFQ_PARAM_WRITE_LATENCY, 10000000, 0, 0, 0));
	ASSERT_EQ(0, call_start(&w, fd, 0));
	ASSERT_EQ(0, wq_wait_owned(fd, WDFQ_QUEUE_WRITE, 1));
	c.queue = WDFQ_QUEUE_WRITE;
	c.op = WDFQ_CTL_STOP;
	c.flags = WDFQ_CTL_F_WAIT;
	ASSERT_EQ(0, call_start(&c, fd, 1));
	/* The stop was issued: the write queue no longer dispatches. */
	ASSERT_EQ(0, wait_state(fd, WDFQ_QUEUE_WRITE, WDFQ_QS_DISPATCHING, 0));
	wq_sleep_ms(50);
	EXPECT_FALSE(__atomic_load_n(&c.done, __ATOMIC_ACQUIRE));

	ASSERT_EQ(0, unbind0());
	ASSERT_EQ(0, wq_join(c.th, WQ_WAIT_MS));
	ASSERT_EQ(0, wq_join(w.th, WQ_WAIT_MS));
	EXPECT_EQ(-1, c.ret);
	EXPECT_EQ(ENODEV, c.err) TH_LOG("QUEUE_CTL wait: ret %d %s", c.ret,
					strerror(c.err));
	EXPECT_EQ(-1, w.ret);
	EXPECT_EQ(ENODEV, w.err);
	close(fd);
	ASSERT_EQ(0, bind0());
}

/*
 * A wait ends on its own operation's completion, not on an earlier
 * operation's callback. STOP (no wait) on the write queue while write 1 is
 * in progress leaves that stop pending on the old queue; SET_PARAMS
 * write_limit rebuilds the write queue (the old one drains); write 2 starts
 * on the new queue; STOP with WAIT on the new queue must not return when
 * write 1 finishes (the old stop's callback), only when write 2 did.
 */
TEST(ctl_wait_not_ended_by_previous_stop)
{
	struct wdfq_queue_stats s;
	struct call w1 = { 0 }, w2 = { 0 }, set = { 0 };
	int fd;

	fd = open(DEV, O_RDWR);
	ASSERT_LE(0, fd);
	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_EQ(0, wq_reset_device(fd, DEV));
	ASSERT_EQ(0, wq_set(fd, WDFQ_PARAM_WRITE_LATENCY, 2000000, 0, 0, 0));
	ASSERT_EQ(0, call_start(&w1, fd, 0));
	ASSERT_EQ(0, wq_wait_owned(fd, WDFQ_QUEUE_WRITE, 1));
	ASSERT_EQ(0, wq_ctl(fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_STOP, 0));

	set.limit = 2;
	ASSERT_EQ(0, call_start(&set, fd, 2));
	while (write_limit(fd) != 2 && !set.done)
		wq_sleep_ms(5);
	ASSERT_EQ(2, write_limit(fd));
	/* Write 2 ends well after write 1. */
	wq_sleep_ms(700);
	ASSERT_EQ(0, call_start(&w2, fd, 0));
	ASSERT_EQ(0, wq_wait_owned(fd, WDFQ_QUEUE_WRITE, 1));
	EXPECT_FALSE(__atomic_load_n(&w1.done, __ATOMIC_ACQUIRE));

	ASSERT_EQ(0, wq_ctl(fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_STOP,
			    WDFQ_CTL_F_WAIT));
	ASSERT_EQ(0, wq_stats(fd, WDFQ_QUEUE_WRITE, &s));
	EXPECT_EQ(0, s.driver_owned)
		TH_LOG("STOP|WAIT returned with a write still in progress");

	ASSERT_EQ(0, wq_ctl(fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_START, 0));
	ASSERT_EQ(0, wq_join(w1.th, WQ_WAIT_MS));
	ASSERT_EQ(0, wq_join(w2.th, WQ_WAIT_MS));
	ASSERT_EQ(0, wq_join(set.th, WQ_WAIT_MS));
	EXPECT_EQ(1, w1.ret);
	EXPECT_EQ(1, w2.ret);
	EXPECT_EQ(0, set.ret);
	wq_reset_device(fd, DEV);
	close(fd);
}

/*
 * Unbind while an administrator's DRAIN is pending on the write queue
 * (transfers running, more queued) and its DRAIN|WAIT caller waits:
 * removal still cancels everything: every write and the waiter end with
 * ENODEV, and the instance binds again.
 */
TEST(unbind_with_admin_drain_pending)
{
	struct call w[8], c = { 0 };
	int fd, i;

	if (!can_unbind())
		SKIP(return, "needs root and %s", DRVDIR "unbind");
	ASSERT_EQ(0, bind0());
	fd = open(DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, wq_reset_device(fd, DEV));
	ASSERT_EQ(0, wq_set(fd, WDFQ_PARAM_WRITE_LATENCY, 10000000, 0, 0, 0));
	memset(w, 0, sizeof(w));
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, call_start(&w[i], fd, 0));
	ASSERT_EQ(0, wq_wait_owned(fd, WDFQ_QUEUE_WRITE, 4));
	ASSERT_EQ(0, wq_wait_queued(fd, WDFQ_QUEUE_WRITE, 4));
	c.queue = WDFQ_QUEUE_WRITE;
	c.op = WDFQ_CTL_DRAIN;
	c.flags = WDFQ_CTL_F_WAIT;
	ASSERT_EQ(0, call_start(&c, fd, 1));
	/* The drain was issued: the queue no longer accepts. */
	ASSERT_EQ(0, wait_state(fd, WDFQ_QUEUE_WRITE, WDFQ_QS_ACCEPTING, 0));
	/* A purge is refused while the drain is pending. */
	EXPECT_EQ(-1, wq_ctl(fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_PURGE, 0));
	EXPECT_EQ(EBUSY, errno);

	ASSERT_EQ(0, unbind0());
	ASSERT_EQ(0, wq_join(c.th, WQ_WAIT_MS));
	EXPECT_EQ(-1, c.ret);
	EXPECT_EQ(ENODEV, c.err);
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, wq_join(w[i].th, WQ_WAIT_MS));
		EXPECT_EQ(-1, w[i].ret);
		EXPECT_EQ(ENODEV, w[i].err);
	}
	close(fd);
	ASSERT_EQ(0, bind0());
}

/*
 * A write_limit change rebuilds the write queue and waits for the old one
 * to drain (a 10 s transfer); a second change waits behind it. Unbind
 * meanwhile: the old queue's transfer is cancelled too (the unbind does
 * not wait for it), and the second change, which would build a queue for
 * a removed instance, fails with ENODEV.
 */
TEST(unbind_during_write_queue_rebuild)
{
	struct wdfq_queue_stats s;
	struct call w = { 0 }, set1 = { 0 }, set2 = { 0 };
	uint64_t t0;
	int fd;

	if (!can_unbind())
		SKIP(return, "needs root and %s", DRVDIR "unbind");
	ASSERT_EQ(0, bind0());
	fd = open(DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, wq_reset_device(fd, DEV));
	ASSERT_EQ(0, wq_set(fd, WDFQ_PARAM_WRITE_LATENCY, 10000000, 0, 0, 0));
	ASSERT_EQ(0, call_start(&w, fd, 0));
	ASSERT_EQ(0, wq_wait_owned(fd, WDFQ_QUEUE_WRITE, 1));
	set1.limit = 2;
	ASSERT_EQ(0, call_start(&set1, fd, 2));
	while (write_limit(fd) != 2 && !set1.done)
		wq_sleep_ms(5);
	ASSERT_EQ(2, write_limit(fd));
	set2.limit = 3;
	ASSERT_EQ(0, call_start(&set2, fd, 2));
	/* Both changes are in the control queue's handler. */
	t0 = wq_now_ms() + WQ_WAIT_MS;
	do {
		ASSERT_EQ(0, wq_stats(fd, WDFQ_QUEUE_CONTROL, &s));
		wq_sleep_ms(5);
	} while (s.driver_owned < 3 && wq_now_ms() < t0);
	ASSERT_LE(3, s.driver_owned) TH_LOG("second change not presented");
	EXPECT_FALSE(__atomic_load_n(&set1.done, __ATOMIC_ACQUIRE));
	EXPECT_FALSE(__atomic_load_n(&set2.done, __ATOMIC_ACQUIRE));

	t0 = wq_now_ms();
	ASSERT_EQ(0, unbind0());
	ASSERT_EQ(0, wq_join(w.th, WQ_WAIT_MS));
	ASSERT_EQ(0, wq_join(set1.th, WQ_WAIT_MS));
	ASSERT_EQ(0, wq_join(set2.th, WQ_WAIT_MS));
	EXPECT_GT(5000, wq_now_ms() - t0)
		TH_LOG("unbind waited %llu ms for the old queue's transfer",
		       (unsigned long long)(wq_now_ms() - t0));
	EXPECT_EQ(-1, w.ret);
	EXPECT_EQ(ENODEV, w.err);
	EXPECT_EQ(-1, set2.ret);
	EXPECT_EQ(ENODEV, set2.err)
		TH_LOG("second write_limit change: ret %d %s", set2.ret,
		       strerror(set2.err));
	close(fd);
	ASSERT_EQ(0, bind0());
}

/* Loopers for the race tests: each repeats its call until ENODEV. */
struct looper {
	pthread_t th;
	int fd;
	int kind;		/* 0 write, 1 write_limit 1<->2, 2 START */
	int stop;
	unsigned long calls;
	int last_err;
	int bad_err;
};

static void *looper_fn(void *arg)
{
	struct looper *l = arg;
	unsigned int i = 0;
	int ret;

	while (!__atomic_load_n(&l->stop, __ATOMIC_ACQUIRE)) {
		switch (l->kind) {
		case 0:
			ret = write(l->fd, "r", 1) == 1 ? 0 : -1;
			break;
		case 1:
			ret = wq_set(l->fd, WDFQ_PARAM_WRITE_LIMIT, 0,
				     1 + (i & 1), 0, 0);
			break;
		default:
			ret = wq_ctl(l->fd, i % 3 == 0 ? WDFQ_QUEUE_READ :
				     i % 3 == 1 ? WDFQ_QUEUE_WRITE :
				     WDFQ_QUEUE_EVENTS, WDFQ_CTL_START, 0);
			break;
		}
		i++;
		__atomic_add_fetch(&l->calls, 1, __ATOMIC_RELAXED);
		if (!ret)
			continue;
		l->last_err = errno;
		if (errno == ENODEV)
			break;
		/* Cancelled by the removal's purge. */
		if (errno != ECANCELED && errno != ESHUTDOWN)
			l->bad_err = errno;
	}
	return NULL;
}

/*
 * Unbind/bind against write queue rebuilds (write_limit 1<->2), writes and
 * queue starts: no use of a deleted write queue, no queue reopened after
 * the removal purged it, every caller ends with ENODEV.
 */
TEST(unbind_races_rebuild_and_start)
{
	struct looper l[4];
	uint64_t end;
	int fd, round, i;

	if (!can_unbind())
		SKIP(return, "needs root and %s", DRVDIR "unbind");
	for (round = 0; round < 20; round++) {
		ASSERT_EQ(0, bind0());
		fd = open(DEV, O_RDWR);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, wq_set(fd, WDFQ_PARAM_WRITE_LATENCY, 200, 0, 0,
				    0));
		memset(l, 0, sizeof(l));
		for (i = 0; i < 4; i++) {
			l[i].fd = fd;
			l[i].kind = i == 3 ? 2 : i;
			ASSERT_EQ(0, pthread_create(&l[i].th, NULL, looper_fn,
						    &l[i]));
		}
		/* Let the rebuilds get going; vary the moment of the unbind. */
		end = wq_now_ms() + WQ_WAIT_MS;
		while (__atomic_load_n(&l[1].calls, __ATOMIC_RELAXED) <
		       1 + (unsigned int)round % 4 && wq_now_ms() < end)
			wq_sleep_ms(1);
		ASSERT_EQ(0, unbind0());
		for (i = 0; i < 4; i++) {
			ASSERT_EQ(0, wq_join(l[i].th, WQ_WAIT_MS))
				TH_LOG("round %d: looper %d stuck", round, i);
			EXPECT_EQ(ENODEV, l[i].last_err)
				TH_LOG("round %d looper %d: %s", round, i,
				       strerror(l[i].last_err));
			EXPECT_EQ(0, l[i].bad_err)
				TH_LOG("round %d looper %d: %s", round, i,
				       strerror(l[i].bad_err));
		}
		close(fd);
	}
	ASSERT_EQ(0, bind0());
}

/*
 * The driver core drops its runtime-PM reference before it calls remove(),
 * so a runtime suspend can be requested while remove() runs: here by a
 * thread that flips power/control between "on" and "auto" (with no
 * autosuspend delay, "auto" suspends at once). It must not reach a device
 * that remove() is taking apart.
 */
static void *pm_toggler_fn(void *arg)
{
	int *stop = arg;

	while (!__atomic_load_n(stop, __ATOMIC_RELAXED)) {
		wq_sysfs_write(PWR "autosuspend_delay_ms", "0");
		wq_sysfs_write(PWR "control", "on");
		wq_sysfs_write(PWR "control", "auto");
	}
	return NULL;
}

TEST(unbind_while_runtime_suspend_requested)
{
	pthread_t th;
	int stop = 0;
	int round;

	if (!can_unbind())
		SKIP(return, "needs root and %s", DRVDIR "unbind");
	ASSERT_EQ(0, pthread_create(&th, NULL, pm_toggler_fn, &stop));
	for (round = 0; round < 40; round++) {
		ASSERT_EQ(0, bind0()) TH_LOG("round %d", round);
		ASSERT_EQ(0, unbind0()) TH_LOG("round %d", round);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(0, wq_join(th, WQ_WAIT_MS));
	ASSERT_EQ(0, wq_sysfs_write(PWR "control", "auto"));
	ASSERT_EQ(0, bind0());
}

TEST_HARNESS_MAIN
