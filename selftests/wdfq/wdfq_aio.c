// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq asynchronous I/O through libaio's system calls (io_setup,
 * io_submit, io_getevents, io_cancel, called with syscall(2) so that no
 * library is linked), readv, writev and preadv2 with RWF_NOWAIT.
 *
 * Runs on /dev/wdfq0 (read_path 0: reads park on the pending queue).
 */
#include <linux/aio_abi.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "wdfq_util.h"
#include "wdfq_async.h"

#define PATH		"/dev/wdfq0"
#define REC		256	/* bytes per write record */

static void fill(char *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (char)(seed * 131 + i * 7 + (i >> 8));
}

FIXTURE(aio) {
	int fd;
	struct wdfq_info info;
	unsigned int parked;
	aio_context_t ctx;
};

FIXTURE_SETUP(aio)
{
	self->ctx = 0;
	self->fd = open(PATH, O_RDWR);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, PATH " not present");
	ASSERT_LE(0, self->fd) TH_LOG("open: %s", strerror(errno));
	if (geteuid())
		SKIP(return, "needs root (INJECT, SET_PARAMS)");
	ASSERT_EQ(0, ioctl(self->fd, WDFQ_IOC_GET_INFO, &self->info));
	self->parked = wq_parked_q(&self->info);
	ASSERT_EQ(0, wq_reset_device(self->fd, PATH));
	ASSERT_EQ(0, wq_io_setup(128, &self->ctx));
}

FIXTURE_TEARDOWN(aio)
{
	if (self->ctx)
		wq_io_destroy(self->ctx);
	if (self->fd >= 0) {
		wq_ctl(self->fd, self->parked, WDFQ_CTL_PURGE, WDFQ_CTL_F_WAIT);
		wq_reset_device(self->fd, PATH);
		close(self->fd);
	}
}

/*
 * Vectored and libaio writes and reads work (read_iter/write_iter): a
 * write of two iovecs loops back whole into a read of three.
 */
TEST_F(aio, readv_writev_and_aio_loop_back)
{
	char out[300], in[300];
	struct iovec wv[2] = { { out, 100 }, { out + 100, 200 } };
	struct iovec rv[3] = { { in, 50 }, { in + 50, 50 }, { in + 100, 200 } };
	struct iocb cb, *cbp = &cb;
	struct io_event ev;

	fill(out, sizeof(out), 3);
	ASSERT_EQ(300, writev(self->fd, wv, 2));
	ASSERT_EQ(0, wq_wait_ring(self->fd, 300));
	ASSERT_EQ(300, readv(self->fd, rv, 3));
	EXPECT_EQ(0, memcmp(out, in, 300));

	wq_iocb(&cb, self->fd, IOCB_CMD_PWRITE, out, 300, 7);
	ASSERT_EQ(1, wq_io_submit(self->ctx, 1, &cbp)) TH_LOG("%s",
							      strerror(errno));
	ASSERT_EQ(1, wq_aio_reap(self->ctx, &ev, 1));
	EXPECT_EQ(7, ev.data);
	EXPECT_EQ(300, ev.res);
	ASSERT_EQ(0, wq_wait_ring(self->fd, 300));
	memset(in, 0, sizeof(in));
	wq_iocb(&cb, self->fd, IOCB_CMD_PREAD, in, 300, 8);
	ASSERT_EQ(1, wq_io_submit(self->ctx, 1, &cbp));
	ASSERT_EQ(1, wq_aio_reap(self->ctx, &ev, 1));
	EXPECT_EQ(8, ev.data);
	EXPECT_EQ(300, ev.res);
	EXPECT_EQ(0, memcmp(out, in, 300));
}

/*
 * One thread submits 32 writes: the write queue reaches its parallel limit
 * and never exceeds it, all complete, and each write's bytes loop back
 * whole (completion order may differ from submission order).
 */
TEST_F(aio, writes_32_reach_parallel_limit)
{
	static char out[32][REC], in[32 * REC];
	struct iocb cb[32], *cbp[32];
	struct io_event ev[32];
	struct wdfq_queue_stats s;
	int i, seen[32] = { 0 };

	/* 20 ms transfers, limit 4: the queue fills while 4 run. */
	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_ALL, 20000, 4, 0, 16384));
	ASSERT_EQ(0, wq_reset_stats(self->fd));
	for (i = 0; i < 32; i++) {
		fill(out[i], REC, i + 10);
		out[i][0] = (char)i;
		wq_iocb(&cb[i], self->fd, IOCB_CMD_PWRITE, out[i], REC, i);
		cbp[i] = &cb[i];
	}
	ASSERT_EQ(32, wq_io_submit(self->ctx, 32, cbp)) TH_LOG("%s",
							       strerror(errno));
	ASSERT_EQ(32, wq_aio_reap(self->ctx, ev, 32));
	for (i = 0; i < 32; i++) {
		EXPECT_EQ(REC, ev[i].res);
		ASSERT_LT(ev[i].data, 32);
		seen[ev[i].data]++;
	}
	for (i = 0; i < 32; i++)
		EXPECT_EQ(1, seen[i]);
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_WRITE, &s));
	EXPECT_EQ(4, s.max_driver_owned);
	EXPECT_EQ(32, s.completed);
	EXPECT_EQ(0, s.queued);
	EXPECT_EQ(0, s.driver_owned);
	ASSERT_EQ(0, wq_wait_ring(self->fd, sizeof(in)));
	for (i = 0; i < 32; i++)
		ASSERT_EQ(REC, read(self->fd, in + i * REC, REC));
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 32; i++) {
		unsigned int k = (unsigned char)in[i * REC];

		ASSERT_LT(k, 32);
		seen[k]++;
		EXPECT_EQ(0, memcmp(in + i * REC, out[k], REC));
	}
	for (i = 0; i < 32; i++)
		EXPECT_EQ(1, seen[i]);
}

/* 16 async reads park, then data arrives: arrival order, right bytes. */
TEST_F(aio, reads_16_parked_complete_in_order)
{
	static char data[16 * 64], in[16][64];
	struct iocb cb[16], *cbp[16];
	struct io_event ev[16];
	int i;

	fill(data, sizeof(data), 5);
	for (i = 0; i < 16; i++) {
		wq_iocb(&cb[i], self->fd, IOCB_CMD_PREAD, in[i], 64, i);
		cbp[i] = &cb[i];
	}
	ASSERT_EQ(16, wq_io_submit(self->ctx, 16, cbp)) TH_LOG("%s",
							       strerror(errno));
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 16));
	ASSERT_EQ(0, wq_inject(self->fd, data, sizeof(data), 0));
	ASSERT_EQ(16, wq_aio_reap(self->ctx, ev, 16));
	for (i = 0; i < 16; i++) {
		ASSERT_LT(ev[i].data, 16);
		EXPECT_EQ(64, ev[i].res);
	}
	for (i = 0; i < 16; i++)
		EXPECT_EQ(0, memcmp(in[i], data + i * 64, 64)) TH_LOG("read %d",
								      i);
}

/*
 * io_cancel of a parked read: its completion comes with -ECANCELED and the
 * request is gone from the queue.
 */
TEST_F(aio, cancel_parked_read)
{
	struct iocb cb, *cbp = &cb;
	struct io_event ev;
	struct wdfq_queue_stats s;
	char in[64];

	wq_iocb(&cb, self->fd, IOCB_CMD_PREAD, in, 64, 42);
	ASSERT_EQ(1, wq_io_submit(self->ctx, 1, &cbp)) TH_LOG("%s",
							      strerror(errno));
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 1));
	/* The event always comes through the ring (EINPROGRESS). */
	EXPECT_EQ(-1, wq_io_cancel(self->ctx, &cb, &ev));
	EXPECT_EQ(EINPROGRESS, errno);
	ASSERT_EQ(1, wq_aio_reap(self->ctx, &ev, 1));
	EXPECT_EQ(42, ev.data);
	EXPECT_EQ(-ECANCELED, (long)ev.res);
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 0));
	ASSERT_EQ(0, wq_stats(self->fd, self->parked, &s));
	EXPECT_EQ(1, s.cancelled);
	EXPECT_EQ(0, s.driver_owned);
}

/* Returns the child's status, or -1 if it did not end in time. */
static int child_parks_reads(int fd, unsigned int parked, int kill_it)
{
	static char in[8][64];
	struct iocb cb[8], *cbp[8];
	uint64_t end;
	int i, st;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		aio_context_t ctx = 0;

		if (wq_io_setup(8, &ctx))
			_exit(2);
		for (i = 0; i < 8; i++) {
			wq_iocb(&cb[i], fd, IOCB_CMD_PREAD, in[i], 64, i);
			cbp[i] = &cb[i];
		}
		if (wq_io_submit(ctx, 8, cbp) != 8)
			_exit(3);
		if (kill_it)
			for (;;)
				pause();
		if (wq_wait_queued(fd, parked, 8))
			_exit(4);
		_exit(0);
	}
	if (kill_it) {
		if (wq_wait_queued(fd, parked, 8))
			return -1;
		kill(pid, SIGKILL);
	}
	end = wq_now_ms() + WQ_WAIT_MS;
	while (wq_now_ms() < end) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		wq_sleep_ms(10);
	}
	kill(pid, SIGKILL);
	return -1;
}

/* Exit and SIGKILL with parked async reads: prompt, nothing left. */
TEST_F(aio, exit_and_sigkill_with_parked_reads)
{
	struct wdfq_queue_stats s;
	char buf[64];
	int st;

	st = child_parks_reads(self->fd, self->parked, 0);
	ASSERT_NE(-1, st);
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(0, WEXITSTATUS(st));
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 0));
	st = child_parks_reads(self->fd, self->parked, 1);
	ASSERT_NE(-1, st);
	ASSERT_TRUE(WIFSIGNALED(st));
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 0));
	ASSERT_EQ(0, wq_stats(self->fd, self->parked, &s));
	EXPECT_EQ(16, s.cancelled);
	EXPECT_EQ(0, s.driver_owned);
	/* The budget is whole again: data goes to a read of ours. */
	fill(buf, sizeof(buf), 9);
	ASSERT_EQ(0, wq_inject(self->fd, buf, sizeof(buf), 0));
	ASSERT_EQ(0, wq_wait_ring(self->fd, sizeof(buf)));
}

/* RWF_NOWAIT read with no data: EAGAIN at once. */
TEST_F(aio, nowait_read_without_data)
{
	struct iovec v;
	char in[64];
	uint64_t t0;

	v.iov_base = in;
	v.iov_len = sizeof(in);
	t0 = wq_now_ms();
	EXPECT_EQ(-1, preadv2(self->fd, &v, 1, -1, RWF_NOWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_GT(5000, wq_now_ms() - t0);
	EXPECT_EQ(0, wq_wait_queued(self->fd, self->parked, 0));
}

TEST_HARNESS_MAIN
