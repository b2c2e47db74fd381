// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq restart: START ends a stop-and-purge or purge that has not finished
 * yet (QUEUE_CTL without WDFQ_CTL_F_WAIT); requests that arrive afterwards
 * are served, not cancelled.
 */
#include "kselftest_harness.h"
#include "wdfq_util.h"

#define DEV		"/dev/wdfq0"
#define INFLIGHT	32
#define ROUNDS		6
#define LONG_US		2000000	/* in-flight writes outlast each round */
#define LATE		8	/* writers started after the STOP_PURGE */

FIXTURE(restart) {
	int fd;
};

FIXTURE_SETUP(restart)
{
	self->fd = open(DEV, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DEV, strerror(errno));
	if (geteuid())
		SKIP(return, "needs root (QUEUE_CTL, SET_PARAMS)");
	ASSERT_EQ(0, wq_reset_device(self->fd, DEV));
}

FIXTURE_TEARDOWN(restart)
{
	if (self->fd >= 0) {
		wq_reset_device(self->fd, DEV);
		close(self->fd);
	}
}

struct rs_writer {
	pthread_t th;
	int fd;
	ssize_t ret;
	int err;
};

static void *rs_writer_fn(void *arg)
{
	struct rs_writer *w = arg;
	char buf[64];

	memset(buf, 'w', sizeof(buf));
	w->ret = write(w->fd, buf, sizeof(buf));
	w->err = w->ret < 0 ? errno : 0;
	return NULL;
}

/* QUEUE_CTL, retrying while the previous operation's callback is pending. */
static int rs_ctl(int fd, unsigned int op)
{
	uint64_t end = wq_now_ms() + WQ_WAIT_MS;
	int ret;

	while ((ret = wq_ctl(fd, WDFQ_QUEUE_WRITE, op, 0)) && errno == EBUSY &&
	       wq_now_ms() < end)
		wq_sleep_ms(5);
	return ret;
}

static void rs_round(struct __test_metadata *_metadata, int fd,
		     unsigned int op, int round)
{
	static struct rs_writer w[INFLIGHT], late[LATE];
	int nlate = op == WDFQ_CTL_STOP_PURGE ? LATE : 0;
	struct wdfq_queue_stats s;
	char buf[64] = { 0 };
	ssize_t ret;
	int i, err;

	ASSERT_EQ(0, wq_set(fd, WDFQ_PARAM_WRITE_LATENCY, LONG_US, 0, 0, 0));
	for (i = 0; i < INFLIGHT; i++) {
		w[i] = (struct rs_writer){ .fd = fd };
		ASSERT_EQ(0, pthread_create(&w[i].th, NULL, rs_writer_fn,
					    &w[i]));
	}
	ASSERT_EQ(0, wq_wait_owned(fd, WDFQ_QUEUE_WRITE, INFLIGHT));
	/* new transfers are short */
	ASSERT_EQ(0, wq_set(fd, WDFQ_PARAM_WRITE_LATENCY, 1000, 0, 0, 0));
	/* no WAIT: the in-flight writes are still being cancelled */
	ASSERT_EQ(0, rs_ctl(fd, op));
	/* a stopped queue keeps accepting: these wait for the START */
	for (i = 0; i < nlate; i++) {
		late[i] = (struct rs_writer){ .fd = fd };
		ASSERT_EQ(0, pthread_create(&late[i].th, NULL, rs_writer_fn,
					    &late[i]));
	}
	ASSERT_EQ(0, rs_ctl(fd, WDFQ_CTL_START));
	ret = write(fd, buf, sizeof(buf));
	err = ret < 0 ? errno : 0;
	EXPECT_EQ(sizeof(buf), ret)
		TH_LOG("round %d: write after START: %s", round,
		       strerror(err));
	for (i = 0; i < INFLIGHT; i++) {
		ASSERT_EQ(0, wq_join(w[i].th, WQ_WAIT_MS));
		if (w[i].ret < 0)
			EXPECT_EQ(ECANCELED, w[i].err);
	}
	for (i = 0; i < nlate; i++) {
		ASSERT_EQ(0, wq_join(late[i].th, WQ_WAIT_MS));
		EXPECT_EQ(sizeof(buf), late[i].ret)
			TH_LOG("round %d: write after STOP_PURGE: %s", round,
			       strerror(late[i].err));
	}
	ASSERT_EQ(0, wq_stats(fd, WDFQ_QUEUE_WRITE, &s));
	EXPECT_TRUE(s.state & WDFQ_QS_ACCEPTING);
	EXPECT_TRUE(s.state & WDFQ_QS_DISPATCHING);
	EXPECT_TRUE(wq_balanced(&s));
}

/* STOP_PURGE without WAIT, START at once, then a new write succeeds. */
TEST_F(restart, stop_purge_then_start_serves_new_writes)
{
	int r;

	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_WRITE_LIMIT, 0, INFLIGHT, 0,
			    0));
	for (r = 0; r < ROUNDS; r++)
		rs_round(_metadata, self->fd, WDFQ_CTL_STOP_PURGE, r);
}

/* The same with PURGE (stop accepting) instead of stop-and-purge. */
TEST_F(restart, purge_then_start_serves_new_writes)
{
	int r;

	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_WRITE_LIMIT, 0, INFLIGHT, 0,
			    0));
	for (r = 0; r < ROUNDS; r++)
		rs_round(_metadata, self->fd, WDFQ_CTL_PURGE, r);
}

TEST_HARNESS_MAIN
