// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq stress: readers (blocking and not), writers, WAIT_EVENT waiters, an
 * injector, signals, queue control (stop/start, purge, drain), write queue
 * rebuilds and ring resizes, all at once for a few seconds on /dev/wdfq0
 * (and /dev/wdfq1 when present). Afterwards every queue is empty and its
 * counters balance, and no byte was lost or made up:
 *   bytes written + bytes injected =
 *	bytes read + bytes left in the ring + bytes counted as overrun.
 * The kernel log (lockdep, KASAN, kmemleak...) is checked by the harness.
 */
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "wdfq_util.h"

#define SECONDS		6
#define NREAD		6
#define NWRITE		6
#define NWAIT		3

struct ctx {
	const char *path;
	int fd;
	int stop;
	uint64_t written, injected, readb;
	uint64_t eintr, ecanceled, eshutdown, eagain;
	pthread_t th[NREAD + NWRITE + NWAIT + 3];
	int nth;
};

static int stopped(struct ctx *c)
{
	return __atomic_load_n(&c->stop, __ATOMIC_RELAXED);
}

static void on_sig(int sig)
{
}

static unsigned int rnd(unsigned int *seed, unsigned int n)
{
	*seed = *seed * 1103515245 + 12345;
	return (*seed >> 16) % n;
}

static void count_err(struct ctx *c, int err)
{
	switch (err) {
	case EINTR:
		__atomic_add_fetch(&c->eintr, 1, __ATOMIC_RELAXED);
		break;
	case ECANCELED:
		__atomic_add_fetch(&c->ecanceled, 1, __ATOMIC_RELAXED);
		break;
	case ESHUTDOWN:
		__atomic_add_fetch(&c->eshutdown, 1, __ATOMIC_RELAXED);
		break;
	case EAGAIN:
		__atomic_add_fetch(&c->eagain, 1, __ATOMIC_RELAXED);
		break;
	default:
		fprintf(stderr, "# unexpected error %d (%s)\n", err,
			strerror(err));
		abort();
	}
}

static void *reader(void *arg)
{
	struct ctx *c = arg;
	unsigned int seed = (uintptr_t)pthread_self();
	char buf[WDFQ_MAX_IO];
	int nb = open(c->path, O_RDWR | O_NONBLOCK);

	while (!stopped(c)) {
		int fd = rnd(&seed, 4) ? c->fd : nb;
		ssize_t n = read(fd, buf, 1 + rnd(&seed, sizeof(buf)));

		if (n > 0)
			__atomic_add_fetch(&c->readb, n, __ATOMIC_RELAXED);
		else if (n < 0)
			count_err(c, errno);
	}
	close(nb);
	return NULL;
}

static void *writer(void *arg)
{
	struct ctx *c = arg;
	unsigned int seed = (uintptr_t)pthread_self();
	static char buf[WDFQ_MAX_IO];

	while (!stopped(c)) {
		ssize_t n = write(c->fd, buf, 1 + rnd(&seed, 2048));

		if (n > 0)
			__atomic_add_fetch(&c->written, n, __ATOMIC_RELAXED);
		else if (n < 0)
			count_err(c, errno);
	}
	return NULL;
}

static void *waiter(void *arg)
{
	struct ctx *c = arg;
	struct wdfq_event ev;

	while (!stopped(c)) {
		memset(&ev, 0, sizeof(ev));
		if (ioctl(c->fd, WDFQ_IOC_WAIT_EVENT, &ev))
			count_err(c, errno);
	}
	return NULL;
}

static void *injector(void *arg)
{
	struct ctx *c = arg;
	unsigned int seed = 7;
	static char buf[4096];

	while (!stopped(c)) {
		unsigned int n = 1 + rnd(&seed, sizeof(buf));

		if (!wq_inject(c->fd, buf, n, rnd(&seed, 4) ? 0 :
			       WDFQ_INJECT_F_WAKE))
			__atomic_add_fetch(&c->injected, n, __ATOMIC_RELAXED);
		wq_sleep_ms(rnd(&seed, 5));
	}
	return NULL;
}

static void *controller(void *arg)
{
	struct ctx *c = arg;
	unsigned int seed = 11;
	static const unsigned int qs[] = {
		WDFQ_QUEUE_READ, WDFQ_QUEUE_PENDING, WDFQ_QUEUE_WRITE,
		WDFQ_QUEUE_EVENTS,
	};

	while (!stopped(c)) {
		unsigned int q = qs[rnd(&seed, 4)];
		unsigned int op = 1 + rnd(&seed, 5);

		wq_ctl(c->fd, q, op, rnd(&seed, 2) ? WDFQ_CTL_F_WAIT : 0);
		wq_sleep_ms(rnd(&seed, 20));
		wq_ctl(c->fd, q, WDFQ_CTL_START, 0);
		switch (rnd(&seed, 8)) {
		case 0:
			wq_set(c->fd, WDFQ_PARAM_WRITE_LIMIT, 0,
			       1 + rnd(&seed, 8), 0, 0);
			break;
		case 1:
			/* may be EBUSY when the bytes do not fit */
			wq_set(c->fd, WDFQ_PARAM_RING_SIZE, 0, 0, 0,
			       1024u << rnd(&seed, 6));
			break;
		case 2:
			wq_set(c->fd, WDFQ_PARAM_WRITE_LATENCY,
			       rnd(&seed, 3000), 0, 0, 0);
			break;
		}
		wq_sleep_ms(rnd(&seed, 20));
	}
	return NULL;
}

static void *signaller(void *arg)
{
	struct ctx *c = arg;
	unsigned int seed = 13;

	while (!stopped(c)) {
		pthread_kill(c->th[rnd(&seed, NREAD + NWRITE + NWAIT)],
			     SIGUSR1);
		wq_sleep_ms(1 + rnd(&seed, 10));
	}
	return NULL;
}

static const char *role(int i)
{
	return i < NREAD ? "reader" : i < NREAD + NWRITE ? "writer" :
	       i < NREAD + NWRITE + NWAIT ? "waiter" :
	       i == NREAD + NWRITE + NWAIT ? "injector" : "controller";
}

/* What the stuck threads wait for, for the report. */
static void dump_stuck(struct ctx *c, int joined)
{
	struct wdfq_queue_stats s;
	char path[64], buf[4096];
	int q, i;

	for (q = 0; q < WDFQ_NR_QUEUES; q++) {
		if (wq_stats(c->fd, q, &s))
			continue;
		ksft_print_msg("queue %d: state %#x queued %u owned %u\n",
			       q, s.state, s.queued, s.driver_owned);
		ksft_print_msg("  arrived %llu in %llu completed %llu cancelled %llu out %llu\n",
			       (unsigned long long)s.arrived,
			       (unsigned long long)s.forwarded_in,
			       (unsigned long long)s.completed,
			       (unsigned long long)s.cancelled,
			       (unsigned long long)s.forwarded_out);
	}
	for (i = joined; i < c->nth; i++) {
		if (!pthread_tryjoin_np(c->th[i], NULL))
			continue;
		ksft_print_msg("thread %d (%s) stuck\n", i, role(i));
	}
	snprintf(path, sizeof(path), "/proc/%d/task", getpid());
	for (i = 0; i < 64; i++) {
		char f[128];

		snprintf(f, sizeof(f), "%s/%d/stack", path, getpid() + i);
		if (wq_sysfs_read(f, buf, sizeof(buf)) || !buf[0])
			continue;
		ksft_print_msg("task %d:\n%s\n", getpid() + i, buf);
	}
}

static void run(struct __test_metadata *_metadata, const char *path)
{
	struct wdfq_queue_stats s0, s;
	struct wdfq_info info;
	struct sigaction sa;
	char ctl[32], pwr[128];
	struct ctx c;
	uint64_t left, end;
	int i, q, joined, have_pm;

	memset(&c, 0, sizeof(c));
	c.path = path;
	c.fd = open(path, O_RDWR);
	if (c.fd < 0)
		return;
	ASSERT_EQ(0, ioctl(c.fd, WDFQ_IOC_GET_INFO, &info));
	snprintf(pwr, sizeof(pwr),
		 "/sys/bus/platform/devices/wdfq.%u/power/control",
		 info.instance);
	ASSERT_EQ(0, wq_reset_device(c.fd, path));
	ASSERT_EQ(0, wq_set(c.fd, WDFQ_PARAM_WRITE_LATENCY |
			    WDFQ_PARAM_RING_SIZE, 500, 0, 0, 65536));
	ASSERT_EQ(0, wq_stats(c.fd, WDFQ_QUEUE_CONTROL, &s0));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sigaction(SIGUSR1, &sa, NULL);

	for (i = 0; i < NREAD; i++)
		pthread_create(&c.th[c.nth++], NULL, reader, &c);
	for (i = 0; i < NWRITE; i++)
		pthread_create(&c.th[c.nth++], NULL, writer, &c);
	for (i = 0; i < NWAIT; i++)
		pthread_create(&c.th[c.nth++], NULL, waiter, &c);
	pthread_create(&c.th[c.nth++], NULL, injector, &c);
	pthread_create(&c.th[c.nth++], NULL, controller, &c);
	pthread_create(&c.th[c.nth++], NULL, signaller, &c);
	wq_sleep_ms(SECONDS * 1000);
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELAXED);

	/* The signaller first: it names the other threads. */
	pthread_join(c.th[--c.nth], NULL);
	/*
	 * Unblock everyone: start all queues, cancel parked reads and waiters
	 * (stop-and-purge: a drain the controller left pending would refuse a
	 * purge with EBUSY), and feed some input so such a drain finishes.
	 */
	end = wq_now_ms() + 60000;
	joined = 0;
	while (joined < c.nth && wq_now_ms() < end) {
		for (q = 0; q < WDFQ_NR_QUEUES; q++)
			if (q != WDFQ_QUEUE_CONTROL)
				wq_ctl(c.fd, q, WDFQ_CTL_START, 0);
		wq_ctl(c.fd, WDFQ_QUEUE_EVENTS, WDFQ_CTL_STOP_PURGE, 0);
		wq_ctl(c.fd, wq_parked_q(&info), WDFQ_CTL_STOP_PURGE, 0);
		wq_ctl(c.fd, WDFQ_QUEUE_EVENTS, WDFQ_CTL_START, 0);
		wq_ctl(c.fd, wq_parked_q(&info), WDFQ_CTL_START, 0);
		if (!wq_inject(c.fd, "unblock!", 8, WDFQ_INJECT_F_WAKE))
			__atomic_add_fetch(&c.injected, 8, __ATOMIC_RELAXED);
		wq_sleep_ms(50);
		while (joined < c.nth &&
		       !pthread_tryjoin_np(c.th[joined], NULL))
			joined++;
	}
	if (joined < c.nth)
		dump_stuck(&c, joined);
	ASSERT_EQ(c.nth, joined) TH_LOG("threads stuck");
	for (q = 0; q < WDFQ_NR_QUEUES; q++)
		if (q != WDFQ_QUEUE_CONTROL)
			wq_ctl(c.fd, q, WDFQ_CTL_START, 0);

	/* Everything delivered: keep it powered until input and FIFO are empty. */
	have_pm = !wq_sysfs_read(pwr, ctl, sizeof(ctl)) &&
		  !wq_sysfs_write(pwr, "on");
	do {
		wq_sleep_ms(200);
		left = wq_drain(path, NULL, 0);
		c.readb += left;
	} while (left);
	if (have_pm)
		wq_sysfs_write(pwr, ctl);
	ASSERT_EQ(0, wq_stats(c.fd, WDFQ_QUEUE_CONTROL, &s));
	ksft_print_msg("%s: written %llu, injected %llu, read %llu, overrun %llu\n",
		       path, (unsigned long long)c.written,
		       (unsigned long long)c.injected,
		       (unsigned long long)c.readb,
		       (unsigned long long)(s.overrun_bytes - s0.overrun_bytes));
	ksft_print_msg("  EINTR %llu ECANCELED %llu ESHUTDOWN %llu EAGAIN %llu; %llu interrupts\n",
		       (unsigned long long)c.eintr,
		       (unsigned long long)c.ecanceled,
		       (unsigned long long)c.eshutdown,
		       (unsigned long long)c.eagain,
		       (unsigned long long)(s.interrupts - s0.interrupts));
	EXPECT_EQ(c.written + c.injected,
		  c.readb + s.ring_bytes + s.overrun_bytes - s0.overrun_bytes);
	EXPECT_EQ(0, s.write_inflight);
	for (q = 0; q < WDFQ_NR_QUEUES; q++) {
		if (wq_stats(c.fd, q, &s))
			continue;
		EXPECT_TRUE(wq_balanced(&s)) TH_LOG("queue %d", q);
		EXPECT_EQ(q == WDFQ_QUEUE_CONTROL, s.driver_owned)
			TH_LOG("queue %d", q);
		EXPECT_EQ(0, s.queued) TH_LOG("queue %d", q);
	}
	wq_reset_device(c.fd, path);
	close(c.fd);
}

FIXTURE(stress) {
	int unused;
};

FIXTURE_SETUP(stress)
{
	if (geteuid())
		SKIP(return, "needs root");
}

FIXTURE_TEARDOWN(stress)
{
}

TEST_F_TIMEOUT(stress, everything_at_once, 240)
{
	run(_metadata, "/dev/wdfq0");
	run(_metadata, "/dev/wdfq1");
}

TEST_HARNESS_MAIN
