// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq WAIT_EVENT against interrupts and cancellation: a waiter cancelled
 * among others does not keep the others parked; waiters that arrive while
 * interrupts land, and get cancelled while the DPC releases others, are
 * each released by an interrupt that came after them and are never left
 * behind on an idle device.
 */
#include "kselftest_harness.h"
#include "wdfq_util.h"

#define DEV	"/dev/wdfq0"

static void on_usr1(int sig)
{
}

FIXTURE(ev) {
	int fd;
};

FIXTURE_SETUP(ev)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	/* No SA_RESTART: a signal cancels a parked WAIT_EVENT (EINTR). */
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	self->fd = open(DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	if (geteuid())
		SKIP(return, "needs root (INJECT)");
	ASSERT_EQ(0, wq_reset_device(self->fd, DEV));
}

FIXTURE_TEARDOWN(ev)
{
	if (self->fd >= 0) {
		wq_reset_device(self->fd, DEV);
		close(self->fd);
	}
}

struct waiter {
	pthread_t th;
	int fd;
	int ret;
	int err;
	int done;
	struct wdfq_event ev;
};

static void *waiter_fn(void *arg)
{
	struct waiter *w = arg;

	memset(&w->ev, 0, sizeof(w->ev));
	w->ret = ioctl(w->fd, WDFQ_IOC_WAIT_EVENT, &w->ev);
	w->err = w->ret ? errno : 0;
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Four waiters parked in order; the second is cancelled by a signal; one
 * interrupt releases the other three with the same record.
 */
TEST_F(ev, cancelled_waiter_does_not_hold_others)
{
	struct waiter w[4];
	struct wdfq_queue_stats s;
	int i;

	memset(w, 0, sizeof(w));
	for (i = 0; i < 4; i++) {
		w[i].fd = self->fd;
		ASSERT_EQ(0, pthread_create(&w[i].th, NULL, waiter_fn, &w[i]));
		ASSERT_EQ(0, wq_wait_queued(self->fd, WDFQ_QUEUE_EVENTS,
					    i + 1));
	}
	ASSERT_EQ(0, pthread_kill(w[1].th, SIGUSR1));
	ASSERT_EQ(0, wq_join(w[1].th, WQ_WAIT_MS));
	EXPECT_EQ(-1, w[1].ret);
	EXPECT_EQ(EINTR, w[1].err);
	ASSERT_EQ(0, wq_wait_queued(self->fd, WDFQ_QUEUE_EVENTS, 3));
	ASSERT_EQ(0, wq_inject(self->fd, "ev", 2, WDFQ_INJECT_F_WAKE));
	for (i = 0; i < 4; i++) {
		if (i == 1)
			continue;
		ASSERT_EQ(0, wq_join(w[i].th, WQ_WAIT_MS))
			TH_LOG("waiter %d left parked", i);
		EXPECT_EQ(0, w[i].ret);
		EXPECT_EQ(WDFQ_EVT_INPUT, w[i].ev.source);
		EXPECT_EQ(w[0].ev.seq, w[i].ev.seq);
	}
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_EVENTS, &s));
	EXPECT_EQ(0, s.queued);
	EXPECT_TRUE(wq_balanced(&s));
}

/* Storm: waiters loop, an injector fires, a signaller cancels. */
struct storm_waiter {
	pthread_t th;
	int fd;
	int stop;
	int exited;
	uint64_t last_seq;
	unsigned long released;
	unsigned long eintr;
	int bad;
};

static void *storm_waiter_fn(void *arg)
{
	struct storm_waiter *me = arg;
	struct wdfq_event ev;

	while (!__atomic_load_n(&me->stop, __ATOMIC_ACQUIRE)) {
		memset(&ev, 0, sizeof(ev));
		if (ioctl(me->fd, WDFQ_IOC_WAIT_EVENT, &ev)) {
			if (errno != EINTR)
				me->bad = errno;
			me->eintr++;
			continue;
		}
		/* Each record comes after the previous one. */
		if (ev.seq <= me->last_seq)
			me->bad = -1;
		me->last_seq = ev.seq;
		me->released++;
	}
	__atomic_store_n(&me->exited, 1, __ATOMIC_RELEASE);
	return NULL;
}

TEST_F(ev, storm_waiters_interrupts_cancels)
{
	static struct storm_waiter w[6];
	struct wdfq_queue_stats s;
	uint64_t end;
	unsigned int i, n = 0, nr = 6, left;

	memset(w, 0, sizeof(w));
	for (i = 0; i < nr; i++) {
		w[i].fd = self->fd;
		ASSERT_EQ(0, pthread_create(&w[i].th, NULL, storm_waiter_fn,
					    &w[i]));
	}
	end = wq_now_ms() + 3000;
	while (wq_now_ms() < end) {
		ASSERT_EQ(0, wq_inject(self->fd, "s", 1, WDFQ_INJECT_F_WAKE));
		if (n++ % 3 == 0)
			pthread_kill(w[n % nr].th, SIGUSR1);
		if (n % 5)
			wq_sleep_ms(n % 4);
	}
	/* Interrupts go on until every waiter has seen the stop. */
	for (i = 0; i < nr; i++)
		__atomic_store_n(&w[i].stop, 1, __ATOMIC_RELEASE);
	end = wq_now_ms() + WQ_WAIT_MS;
	do {
		left = 0;
		for (i = 0; i < nr; i++)
			left += !__atomic_load_n(&w[i].exited,
						 __ATOMIC_ACQUIRE);
		if (left)
			ASSERT_EQ(0, wq_inject(self->fd, "e", 1,
					       WDFQ_INJECT_F_WAKE));
		wq_sleep_ms(5);
	} while (left && wq_now_ms() < end);
	EXPECT_EQ(0, left);
	for (i = 0; i < nr; i++) {
		ASSERT_EQ(0, wq_join(w[i].th, WQ_WAIT_MS))
			TH_LOG("waiter %u left parked", i);
		EXPECT_EQ(0, w[i].bad);
		EXPECT_LT(0, w[i].released);
	}
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_EVENTS, &s));
	EXPECT_EQ(0, s.queued);
	EXPECT_TRUE(wq_balanced(&s));
}

TEST_HARNESS_MAIN
