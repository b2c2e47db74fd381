// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq control path: the parallel write queue, WAIT_EVENT, queue control
 * (stop/start, drain, purge, stop-and-purge) and bad input.
 */
#include <linux/capability.h>
#include <endian.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "wdfq_util.h"

#define DEV	"/dev/wdfq0"

FIXTURE(ctl) {
	int fd;
	struct wdfq_info info;
	unsigned int parked;
};

FIXTURE_SETUP(ctl)
{
	self->fd = open(DEV, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DEV, strerror(errno));
	ASSERT_EQ(0, ioctl(self->fd, WDFQ_IOC_GET_INFO, &self->info));
	if (geteuid())
		SKIP(return, "needs root (INJECT, QUEUE_CTL)");
	self->parked = wq_parked_q(&self->info);
	ASSERT_EQ(0, wq_reset_device(self->fd, DEV));
}

FIXTURE_TEARDOWN(ctl)
{
	if (self->fd >= 0) {
		wq_reset_device(self->fd, DEV);
		close(self->fd);
	}
}

struct writer {
	pthread_t th;
	int fd;
	int count;
	int id;
	int bad;
};

static void *writer_fn(void *arg)
{
	struct writer *w = arg;
	char buf[64];
	int i;

	for (i = 0; i < w->count; i++) {
		memset(buf, 'A' + w->id % 26, sizeof(buf));
		if (write(w->fd, buf, sizeof(buf)) != sizeof(buf))
			w->bad++;
	}
	return NULL;
}

/* 16 writers, n writes each; returns the elapsed milliseconds. */
static uint64_t run_writers(int fd, int nthreads, int count, int *bad)
{
	static struct writer w[16];
	uint64_t t0 = wq_now_ms();
	int i;

	for (i = 0; i < nthreads; i++) {
		w[i] = (struct writer){ .fd = fd, .count = count, .id = i };
		pthread_create(&w[i].th, NULL, writer_fn, &w[i]);
	}
	*bad = 0;
	for (i = 0; i < nthreads; i++) {
		pthread_join(w[i].th, NULL);
		*bad += w[i].bad;
	}
	return wq_now_ms() - t0;
}

/* 16 concurrent writers reach N in flight and never exceed it. */
TEST_F(ctl, parallel_writes_limit)
{
	struct wdfq_queue_stats s;
	int bad;

	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_WRITE_LATENCY, 50000, 0, 0, 0));
	ASSERT_EQ(0, wq_reset_stats(self->fd));
	run_writers(self->fd, 16, 2, &bad);
	EXPECT_EQ(0, bad);
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_WRITE, &s));
	EXPECT_EQ(4, s.max_driver_owned);
	EXPECT_EQ(4, s.write_inflight_max);
	EXPECT_EQ(32, s.completed);
	EXPECT_EQ(0, s.write_inflight);
	EXPECT_TRUE(wq_balanced(&s));
	/* All bytes came back. */
	EXPECT_EQ(32 * 64, wq_drain(DEV, NULL, 0));
}

/*
 * The same 16 writers at N=1 and at N=4: one transfer at a time, then four
 * at once (what makes N=4 faster; the times are printed, not judged: a
 * timing threshold would fail on a loaded machine).
 */
static void writers_at_limit(struct __test_metadata *_metadata, int fd,
			     unsigned int limit, uint64_t *ms)
{
	struct wdfq_queue_stats s;
	int bad;

	ASSERT_EQ(0, wq_set(fd, WDFQ_PARAM_WRITE_LATENCY |
			    WDFQ_PARAM_WRITE_LIMIT, 60000, limit, 0, 0));
	ASSERT_EQ(0, wq_reset_stats(fd));
	*ms = run_writers(fd, 16, 2, &bad);
	EXPECT_EQ(0, bad);
	ASSERT_EQ(0, wq_stats(fd, WDFQ_QUEUE_WRITE, &s));
	EXPECT_EQ(limit, s.write_inflight_max);
	EXPECT_EQ(limit, s.max_driver_owned);
	EXPECT_EQ(32, s.completed);
	EXPECT_EQ(32 * 64, wq_drain(DEV, NULL, 0));
}

TEST_F(ctl, parallel_limit_one_then_four)
{
	uint64_t t1, t4;

	writers_at_limit(_metadata, self->fd, 1, &t1);
	writers_at_limit(_metadata, self->fd, 4, &t4);
	ksft_print_msg("32 writes of 60 ms: N=1 %.1f/s (%llu ms), N=4 %.1f/s (%llu ms), x%.2f\n",
		       32000.0 / t1, (unsigned long long)t1,
		       32000.0 / t4, (unsigned long long)t4, (double)t1 / t4);
}

struct waiter {
	pthread_t th;
	int fd;
	int ret;
	struct wdfq_event ev;
};

static void *waiter_fn(void *arg)
{
	struct waiter *w = arg;

	memset(&w->ev, 0, sizeof(w->ev));
	w->ret = ioctl(w->fd, WDFQ_IOC_WAIT_EVENT, &w->ev);
	return NULL;
}

/* 5 WAIT_EVENT waiters all complete on the next interrupt, same record. */
TEST_F(ctl, wait_event_5)
{
	static struct waiter w[5];
	struct wdfq_queue_stats s;
	int i;

	for (i = 0; i < 5; i++) {
		w[i].fd = self->fd;
		ASSERT_EQ(0, pthread_create(&w[i].th, NULL, waiter_fn, &w[i]));
	}
	ASSERT_EQ(0, wq_wait_queued(self->fd, WDFQ_QUEUE_EVENTS, 5));
	wq_sleep_ms(50);
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, pthread_tryjoin_np(w[i].th, NULL) == 0);
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &s));
	ASSERT_EQ(0, wq_inject(self->fd, "event!", 6, WDFQ_INJECT_F_WAKE));
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, wq_join(w[i].th, WQ_WAIT_MS));
		ASSERT_EQ(0, w[i].ret);
		EXPECT_EQ(WDFQ_EVT_INPUT, w[i].ev.source);
		EXPECT_EQ(6, w[i].ev.bytes);
		EXPECT_LT(0, w[i].ev.seq);
		EXPECT_EQ(w[0].ev.seq, w[i].ev.seq);
		EXPECT_EQ(w[0].ev.timestamp_ns, w[i].ev.timestamp_ns);
	}
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_EVENTS, &s));
	EXPECT_EQ(0, s.queued);
	EXPECT_EQ(5, s.completed);
	EXPECT_TRUE(wq_balanced(&s));
}

/* stop holds, start releases. */
TEST_F(ctl, stop_start)
{
	struct wdfq_queue_stats s;
	struct wq_reader r[2];
	int i;

	ASSERT_EQ(0, wq_ctl(self->fd, WDFQ_QUEUE_READ, WDFQ_CTL_STOP,
			    WDFQ_CTL_F_WAIT));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_READ, &s));
	EXPECT_FALSE(s.state & WDFQ_QS_DISPATCHING);
	EXPECT_TRUE(s.state & WDFQ_QS_ACCEPTING);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, wq_reader_start(&r[i], self->fd, 4));
		ASSERT_EQ(0, wq_wait_queued(self->fd, WDFQ_QUEUE_READ, i + 1));
	}
	ASSERT_EQ(0, wq_inject(self->fd, "abcdefgh", 8, 0));
	ASSERT_EQ(0, wq_wait_ring(self->fd, 8));
	wq_sleep_ms(200);
	EXPECT_FALSE(wq_reader_done(&r[0]));
	EXPECT_FALSE(wq_reader_done(&r[1]));
	ASSERT_EQ(0, wq_ctl(self->fd, WDFQ_QUEUE_READ, WDFQ_CTL_START, 0));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, wq_join(r[i].th, WQ_WAIT_MS));
		EXPECT_EQ(4, r[i].ret);
	}
	EXPECT_EQ(0, memcmp(r[0].buf, "abcd", 4));
	EXPECT_EQ(0, memcmp(r[1].buf, "efgh", 4));
}

struct ctl_call {
	pthread_t th;
	int fd;
	unsigned int q, op, flags;
	int ret, err;
};

static void *ctl_fn(void *arg)
{
	struct ctl_call *c = arg;

	c->ret = wq_ctl(c->fd, c->q, c->op, c->flags);
	c->err = errno;
	return NULL;
}

/* drain refuses new requests (ESHUTDOWN) and finishes old ones. */
TEST_F(ctl, drain)
{
	struct ctl_call c = {
		.fd = self->fd, .q = self->parked, .op = WDFQ_CTL_DRAIN,
		.flags = WDFQ_CTL_F_WAIT,
	};
	struct writer w = { .fd = self->fd, .count = 1 };
	struct wdfq_queue_stats s;
	struct wq_reader r[2];
	char buf[4];
	int i;

	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, wq_reader_start(&r[i], self->fd, 4));
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 2));
	ASSERT_EQ(0, pthread_create(&c.th, NULL, ctl_fn, &c));
	wq_sleep_ms(200);
	EXPECT_NE(0, pthread_tryjoin_np(c.th, NULL)) TH_LOG("drain did not wait");
	EXPECT_EQ(-1, read(self->fd, buf, 4));
	EXPECT_EQ(ESHUTDOWN, errno);
	ASSERT_EQ(0, wq_inject(self->fd, "12345678", 8, 0));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, wq_join(r[i].th, WQ_WAIT_MS));
		EXPECT_EQ(4, r[i].ret);
	}
	ASSERT_EQ(0, wq_join(c.th, WQ_WAIT_MS));
	EXPECT_EQ(0, c.ret);
	/* A drained write queue too: in-flight writes finish. */
	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_WRITE_LATENCY, 300000, 0, 0, 0));
	ASSERT_EQ(0, pthread_create(&w.th, NULL, writer_fn, &w));
	do {
		ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_WRITE, &s));
	} while (!s.driver_owned && (wq_sleep_ms(2), 1));
	ASSERT_EQ(0, wq_ctl(self->fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_DRAIN, 0));
	EXPECT_EQ(-1, write(self->fd, "x", 1));
	EXPECT_EQ(ESHUTDOWN, errno);
	ASSERT_EQ(0, wq_join(w.th, WQ_WAIT_MS));
	EXPECT_EQ(0, w.bad);
	ASSERT_EQ(0, wq_ctl(self->fd, self->parked, WDFQ_CTL_START, 0));
	ASSERT_EQ(0, wq_ctl(self->fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_START, 0));
	ASSERT_EQ(1, write(self->fd, "y", 1));
}

/* purge completes blocked readers with ECANCELED and refuses new ones. */
TEST_F(ctl, purge)
{
	struct wdfq_queue_stats s;
	struct wq_reader r[3];
	char buf[4];
	int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, wq_reader_start(&r[i], self->fd, 4));
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 3));
	ASSERT_EQ(0, wq_ctl(self->fd, self->parked, WDFQ_CTL_PURGE,
			    WDFQ_CTL_F_WAIT));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, wq_join(r[i].th, WQ_WAIT_MS));
		EXPECT_EQ(-1, r[i].ret);
		EXPECT_EQ(ECANCELED, r[i].err);
	}
	EXPECT_EQ(-1, read(self->fd, buf, 4));
	EXPECT_EQ(ESHUTDOWN, errno);
	ASSERT_EQ(0, wq_stats(self->fd, self->parked, &s));
	EXPECT_FALSE(s.state & WDFQ_QS_ACCEPTING);
	EXPECT_EQ(0, s.queued);
	EXPECT_TRUE(wq_balanced(&s));
	ASSERT_EQ(0, wq_ctl(self->fd, self->parked, WDFQ_CTL_START, 0));
	ASSERT_EQ(0, wq_inject(self->fd, "ok", 2, 0));
	ASSERT_EQ(2, read(self->fd, buf, 4));
}

/* stop-and-purge: cancels what is there, keeps accepting, holds new ones. */
TEST_F(ctl, stop_and_purge)
{
	struct wdfq_queue_stats s;
	struct wq_reader r[3];
	int i;

	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, wq_reader_start(&r[i], self->fd, 4));
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 2));
	ASSERT_EQ(0, wq_ctl(self->fd, self->parked, WDFQ_CTL_STOP_PURGE,
			    WDFQ_CTL_F_WAIT));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, wq_join(r[i].th, WQ_WAIT_MS));
		EXPECT_EQ(-1, r[i].ret);
		EXPECT_EQ(ECANCELED, r[i].err);
	}
	ASSERT_EQ(0, wq_stats(self->fd, self->parked, &s));
	EXPECT_TRUE(s.state & WDFQ_QS_ACCEPTING);
	EXPECT_FALSE(s.state & WDFQ_QS_DISPATCHING);
	ASSERT_EQ(0, wq_reader_start(&r[2], self->fd, 4));
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 1));
	ASSERT_EQ(0, wq_inject(self->fd, "wxyz", 4, 0));
	ASSERT_EQ(0, wq_wait_ring(self->fd, 4));
	wq_sleep_ms(200);
	EXPECT_FALSE(wq_reader_done(&r[2]));
	ASSERT_EQ(0, wq_ctl(self->fd, self->parked, WDFQ_CTL_START, 0));
	ASSERT_EQ(0, wq_join(r[2].th, WQ_WAIT_MS));
	ASSERT_EQ(4, r[2].ret);
	EXPECT_EQ(0, memcmp(r[2].buf, "wxyz", 4));
}

/* A pointer the compiler cannot see through (no -Wnonnull/overread). */
static __attribute__((noipa)) void *opaque_ptr(long v)
{
	return (void *)v;
}

static int drop_caps(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	return syscall(SYS_capset, &h, d);
}

/* Unknown ioctl, bad pointers, sizes, flags, reserved fields, privileges. */
TEST_F(ctl, bad_input)
{
	struct wdfq_queue_stats s;
	struct wdfq_queue_ctl c;
	struct wdfq_params p;
	struct wdfq_event ev;
	static char big[100000];
	struct wdfq_inject inj;
	void *bad_ptr = opaque_ptr(8);
	void *kernel_ptr = opaque_ptr(-4096L);
	ssize_t n;
	pid_t pid;
	int st;

	EXPECT_EQ(-1, ioctl(self->fd, _IO(WDFQ_IOC_MAGIC, 0x7f)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOR('x', 1, int), &st));
	EXPECT_EQ(ENOTTY, errno);
	/* Same number, wrong size: another command. */
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(WDFQ_IOC_MAGIC, 0x01, int), &st));
	EXPECT_EQ(ENOTTY, errno);

	EXPECT_EQ(-1, ioctl(self->fd, WDFQ_IOC_GET_QUEUE_STATS, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, WDFQ_IOC_GET_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, write(self->fd, bad_ptr, 10));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, read(self->fd, kernel_ptr, 10));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, wq_inject(self->fd, (void *)8, 4, 0));
	EXPECT_EQ(EFAULT, errno);

	memset(&s, 0, sizeof(s));
	s.queue = 99;
	EXPECT_EQ(-1, ioctl(self->fd, WDFQ_IOC_GET_QUEUE_STATS, &s));
	EXPECT_EQ(EINVAL, errno);
	s.queue = 0;
	s.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, WDFQ_IOC_GET_QUEUE_STATS, &s));
	EXPECT_EQ(EINVAL, errno);

	c = (struct wdfq_queue_ctl){ .queue = 0, .op = 99 };
	EXPECT_EQ(-1, ioctl(self->fd, WDFQ_IOC_QUEUE_CTL, &c));
	EXPECT_EQ(EINVAL, errno);
	c = (struct wdfq_queue_ctl){ .queue = 0, .op = WDFQ_CTL_START,
				     .reserved = 1 };
	EXPECT_EQ(-1, ioctl(self->fd, WDFQ_IOC_QUEUE_CTL, &c));
	EXPECT_EQ(EINVAL, errno);
	c = (struct wdfq_queue_ctl){ .queue = 0, .op = WDFQ_CTL_START,
				     .flags = 0x80 };
	EXPECT_EQ(-1, ioctl(self->fd, WDFQ_IOC_QUEUE_CTL, &c));
	EXPECT_EQ(EINVAL, errno);
	c = (struct wdfq_queue_ctl){ .queue = WDFQ_QUEUE_CONTROL,
				     .op = WDFQ_CTL_STOP };
	EXPECT_EQ(-1, ioctl(self->fd, WDFQ_IOC_QUEUE_CTL, &c));
	EXPECT_EQ(EINVAL, errno);

	memset(&p, 0, sizeof(p));
	p.mask = WDFQ_PARAM_RING_SIZE;
	p.ring_size = 100;
	EXPECT_EQ(-1, ioctl(self->fd, WDFQ_IOC_SET_PARAMS, &p));
	EXPECT_EQ(EINVAL, errno);
	p.mask = 0x100;
	EXPECT_EQ(-1, ioctl(self->fd, WDFQ_IOC_SET_PARAMS, &p));
	EXPECT_EQ(EINVAL, errno);
	memset(&p, 0, sizeof(p));
	p.reserved[2] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, WDFQ_IOC_GET_PARAMS, &p));
	EXPECT_EQ(EINVAL, errno);
	p.mask = WDFQ_PARAM_WRITE_LIMIT;
	p.reserved[2] = 0;
	p.write_limit = 0;
	EXPECT_EQ(-1, ioctl(self->fd, WDFQ_IOC_SET_PARAMS, &p));
	EXPECT_EQ(EINVAL, errno);

	memset(&ev, 0, sizeof(ev));
	ev.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, WDFQ_IOC_WAIT_EVENT, &ev));
	EXPECT_EQ(EINVAL, errno);

	EXPECT_EQ(-1, wq_inject(self->fd, big, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, wq_inject(self->fd, big, WDFQ_MAX_INJECT + 1, 0));
	EXPECT_EQ(EINVAL, errno);
	memset(&inj, 0, sizeof(inj));
	inj.data = (uintptr_t)big;
	inj.len = 4;
	inj.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, WDFQ_IOC_INJECT, &inj));
	EXPECT_EQ(EINVAL, errno);

	/* Oversize: a write takes at most WDFQ_MAX_IO, a read returns as much. */
	EXPECT_EQ(WDFQ_MAX_IO, write(self->fd, big, sizeof(big)));
	n = read(self->fd, big, sizeof(big));
	EXPECT_LT(0, n);
	EXPECT_GE(WDFQ_MAX_IO, n);
	EXPECT_EQ(WDFQ_MAX_IO, n + wq_drain(DEV, NULL, 0));
	EXPECT_EQ(0, read(self->fd, big, 0));
	EXPECT_EQ(0, write(self->fd, big, 0));

	/* Privileged ioctls without CAP_SYS_ADMIN. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct wdfq_info info;
		int bad = 0;

		if (drop_caps())
			_exit(2);
		bad |= wq_ctl(self->fd, 0, WDFQ_CTL_START, 0) != -1 ||
		       errno != EPERM;
		bad |= wq_inject(self->fd, "x", 1, 0) != -1 || errno != EPERM;
		bad |= wq_set(self->fd, 0, 0, 0, 0, 0) != -1 || errno != EPERM;
		bad |= wq_reset_stats(self->fd) != -1 || errno != EPERM;
		bad |= ioctl(self->fd, WDFQ_IOC_GET_INFO, &info) != 0;
		bad |= wq_stats(self->fd, 0, &s) != 0;
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

/* The generator: 8-byte little-endian sequence numbers, none lost. */
TEST_F(ctl, generator)
{
	struct wdfq_queue_stats s0, s;
	uint64_t rec[8], next = 0;
	int i, j, first = 1;
	ssize_t n;

	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &s0));
	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_GEN_RATE, 0, 0, 2000, 0));
	for (i = 0; i < 20; i++) {
		n = read(self->fd, rec, sizeof(rec));
		ASSERT_LT(0, n);
		ASSERT_EQ(0, n % 8);
		for (j = 0; j < n / 8; j++) {
			if (!first)
				ASSERT_EQ(next, le64toh(rec[j]));
			first = 0;
			next = le64toh(rec[j]) + 1;
		}
	}
	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_GEN_RATE, 0, 0, 0, 0));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &s));
	EXPECT_EQ(s0.overrun_bytes, s.overrun_bytes);
	EXPECT_LT(s0.interrupts + 10, s.interrupts);
}

/* GET_INFO describes the topology. */
TEST_F(ctl, info)
{
	struct wdfq_info *i = &self->info;

	EXPECT_EQ(WDFQ_API_VERSION, i->version);
	EXPECT_EQ(WDFQ_NR_QUEUES, i->nr_queues);
	EXPECT_EQ(WDFQ_MAX_IO, i->max_io);
	EXPECT_EQ(WDFQ_DISP_PARALLEL, i->queues[WDFQ_QUEUE_WRITE].dispatch);
	EXPECT_EQ(4, i->queues[WDFQ_QUEUE_WRITE].max_presented);
	EXPECT_EQ(WDFQ_DISP_MANUAL, i->queues[WDFQ_QUEUE_EVENTS].dispatch);
	EXPECT_FALSE(i->queues[WDFQ_QUEUE_CONTROL].flags &
		     WDFQ_QUEUE_F_POWER_MANAGED);
	EXPECT_TRUE(i->queues[WDFQ_QUEUE_WRITE].flags &
		    WDFQ_QUEUE_F_POWER_MANAGED);
	EXPECT_STREQ("events", i->queues[WDFQ_QUEUE_EVENTS].name);
}

/*
 * A test leaves the ring larger than the default and fuller than it (as the
 * fuzzer can): putting the device back must still succeed, since shrinking
 * a ring below what it holds is refused with EBUSY.
 */
TEST_F(ctl, reset_after_large_ring_filled)
{
	static char chunk[WDFQ_MAX_INJECT];
	struct wdfq_params p = { 0 };
	int i;

	memset(chunk, 'r', sizeof(chunk));
	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_RING_SIZE, 0, 0, 0, 65536));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, wq_inject(self->fd, chunk, sizeof(chunk),
				       WDFQ_INJECT_F_WAKE));
	ASSERT_EQ(0, wq_wait_ring(self->fd, 3 * sizeof(chunk)));
	ASSERT_EQ(-1, wq_set(self->fd, WDFQ_PARAM_RING_SIZE, 0, 0, 0, 16384));
	EXPECT_EQ(EBUSY, errno);

	ASSERT_EQ(0, wq_reset_device(self->fd, DEV));
	ASSERT_EQ(0, ioctl(self->fd, WDFQ_IOC_GET_PARAMS, &p));
	EXPECT_EQ(16384, p.ring_size);
	EXPECT_EQ(0, wq_drain(DEV, NULL, 0));
}

TEST_HARNESS_MAIN
