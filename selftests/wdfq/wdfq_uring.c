// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq through io_uring, with a minimal ring of our own (io_uring_setup,
 * io_uring_enter and mmap through syscall(2), no liburing).
 *
 * Runs on /dev/wdfq0 (read_path 0: reads park on the pending queue).
 */
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "wdfq_util.h"
#include "wdfq_async.h"

#define PATH		"/dev/wdfq0"
#define REC		256
#define ENTRIES		64

static void fill(char *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (char)(seed * 131 + i * 7 + (i >> 8));
}

FIXTURE(uring) {
	int fd;
	struct wdfq_info info;
	unsigned int parked;
	struct wq_ring r;
};

FIXTURE_SETUP(uring)
{
	self->r.fd = 0;
	self->fd = open(PATH, O_RDWR);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, PATH " not present");
	ASSERT_LE(0, self->fd) TH_LOG("open: %s", strerror(errno));
	if (geteuid())
		SKIP(return, "needs root (INJECT, SET_PARAMS)");
	ASSERT_EQ(0, ioctl(self->fd, WDFQ_IOC_GET_INFO, &self->info));
	self->parked = wq_parked_q(&self->info);
	ASSERT_EQ(0, wq_reset_device(self->fd, PATH));
	if (wq_ring_init(&self->r, ENTRIES) && (errno == ENOSYS || errno == EPERM))
		SKIP(return, "io_uring not available");
	ASSERT_LT(0, self->r.fd) TH_LOG("io_uring_setup: %s",
					strerror(errno));
}

FIXTURE_TEARDOWN(uring)
{
	wq_ring_exit(&self->r);
	if (self->fd >= 0) {
		wq_ctl(self->fd, self->parked, WDFQ_CTL_PURGE, WDFQ_CTL_F_WAIT);
		wq_reset_device(self->fd, PATH);
		close(self->fd);
	}
}

/*
 * One thread submits 32 writes: the write queue reaches its parallel limit
 * and never exceeds it, all complete, each write's bytes loop back whole.
 */
TEST_F(uring, writes_32_reach_parallel_limit)
{
	static char out[32][REC], in[32 * REC];
	struct io_uring_cqe cqe[32];
	struct wdfq_queue_stats s;
	int i, seen[32] = { 0 };

	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_ALL, 20000, 4, 0, 16384));
	ASSERT_EQ(0, wq_reset_stats(self->fd));
	for (i = 0; i < 32; i++) {
		fill(out[i], REC, i + 20);
		out[i][0] = (char)i;
		wq_prep_rw(wq_ring_sqe(&self->r), IORING_OP_WRITE, self->fd, out[i],
			   REC, i);
	}
	ASSERT_EQ(32, wq_ring_enter(&self->r, 32, 0)) TH_LOG("%s",
							     strerror(errno));
	ASSERT_EQ(32, wq_ring_reap(&self->r, cqe, 32));
	for (i = 0; i < 32; i++) {
		EXPECT_EQ(REC, cqe[i].res);
		ASSERT_LT(cqe[i].user_data, 32);
		seen[cqe[i].user_data]++;
	}
	for (i = 0; i < 32; i++)
		EXPECT_EQ(1, seen[i]);
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_WRITE, &s));
	EXPECT_EQ(4, s.max_driver_owned);
	EXPECT_EQ(0, s.queued);
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

/*
 * A read with no data waits in io_uring's poll, not in the driver:
 * IORING_OP_ASYNC_CANCEL ends it with -ECANCELED and nothing was queued.
 */
TEST_F(uring, read_waits_in_poll_and_cancels)
{
	struct io_uring_cqe cqe[2];
	struct io_uring_sqe *sqe;
	struct wdfq_queue_stats s;
	char in[64], data[64];
	int i;

	wq_prep_rw(wq_ring_sqe(&self->r), IORING_OP_READ, self->fd, in, 64, 1);
	ASSERT_EQ(1, wq_ring_enter(&self->r, 1, 0));
	wq_sleep_ms(200);
	ASSERT_EQ(0, wq_stats(self->fd, self->parked, &s));
	EXPECT_EQ(0, s.queued);
	sqe = wq_ring_sqe(&self->r);
	sqe->opcode = IORING_OP_ASYNC_CANCEL;
	sqe->addr = 1;
	sqe->user_data = 2;
	ASSERT_EQ(1, wq_ring_enter(&self->r, 1, 0));
	ASSERT_EQ(2, wq_ring_reap(&self->r, cqe, 2));
	for (i = 0; i < 2; i++) {
		/* the cancelled read (1) and the cancel request itself (2) */
		EXPECT_EQ(cqe[i].user_data == 1 ? -ECANCELED : 0, cqe[i].res);
	}
	/* A read waiting in poll gets data that arrives later. */
	fill(data, sizeof(data), 4);
	wq_prep_rw(wq_ring_sqe(&self->r), IORING_OP_READ, self->fd, in, 64, 3);
	ASSERT_EQ(1, wq_ring_enter(&self->r, 1, 0));
	wq_sleep_ms(100);
	ASSERT_EQ(0, wq_inject(self->fd, data, sizeof(data), 0));
	ASSERT_EQ(1, wq_ring_reap(&self->r, cqe, 1));
	EXPECT_EQ(3, cqe[0].user_data);
	EXPECT_EQ(64, cqe[0].res);
	EXPECT_EQ(0, memcmp(in, data, 64));
}

/*
 * A read that io_uring runs in its worker (io-wq), blocked in the driver,
 * then cancelled: it ends with -EINTR or -ECANCELED, never with the
 * kernel-internal -ERESTARTSYS (512), which io_uring before 7.x passes on
 * from the worker as it is. To get it there: with the write queue purged,
 * poll reports EPOLLERR, so the worker of an IOSQE_ASYNC read finds the
 * file ready instead of waiting in poll and reads blocking.
 */
TEST_F(uring, worker_read_cancelled_no_restart_code)
{
	struct io_uring_cqe cqe[2];
	struct io_uring_sqe *sqe;
	char in[64];
	int i, res = 0;

	ASSERT_EQ(0, wq_ctl(self->fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_PURGE,
			    WDFQ_CTL_F_WAIT));
	sqe = wq_ring_sqe(&self->r);
	wq_prep_rw(sqe, IORING_OP_READ, self->fd, in, 64, 1);
	sqe->flags |= IOSQE_ASYNC;
	ASSERT_EQ(1, wq_ring_enter(&self->r, 1, 0));
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 1));
	sqe = wq_ring_sqe(&self->r);
	sqe->opcode = IORING_OP_ASYNC_CANCEL;
	sqe->addr = 1;
	sqe->user_data = 2;
	ASSERT_EQ(1, wq_ring_enter(&self->r, 1, 0));
	ASSERT_EQ(2, wq_ring_reap(&self->r, cqe, 2));
	for (i = 0; i < 2; i++)
		if (cqe[i].user_data == 1)
			res = cqe[i].res;
	EXPECT_TRUE(res == -EINTR || res == -ECANCELED)
		TH_LOG("the read ended with %d", res);
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 0));
}

/* A process exits with io_uring reads waiting: prompt, nothing queued. */
TEST_F(uring, exit_with_waiting_reads)
{
	uint64_t end;
	pid_t pid;
	int st;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		static char in[8][64];
		struct wq_ring r;
		int i;

		if (wq_ring_init(&r, ENTRIES))
			_exit(2);
		for (i = 0; i < 8; i++)
			wq_prep_rw(wq_ring_sqe(&r), IORING_OP_READ, self->fd, in[i],
				   64, i);
		if (wq_ring_enter(&r, 8, 0) != 8)
			_exit(3);
		wq_sleep_ms(200);
		_exit(0);
	}
	end = wq_now_ms() + WQ_WAIT_MS;
	while (waitpid(pid, &st, WNOHANG) != pid && wq_now_ms() < end)
		wq_sleep_ms(10);
	ASSERT_GT(end, wq_now_ms());
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(0, WEXITSTATUS(st));
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 0));
}

TEST_HARNESS_MAIN
