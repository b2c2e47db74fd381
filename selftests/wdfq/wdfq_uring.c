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

#define PATH		"/dev/wdfq0"
#define REC		256
#define ENTRIES		64

struct ring {
	int fd;
	unsigned int *sq_head, *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	void *sq_ptr, *cq_ptr;
	size_t sq_len, cq_len, sqe_len;
};

static int ring_init(struct ring *r)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	memset(r, 0, sizeof(*r));
	r->fd = syscall(__NR_io_uring_setup, ENTRIES, &p);
	if (r->fd < 0)
		return -1;
	r->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	r->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	r->sqe_len = p.sq_entries * sizeof(struct io_uring_sqe);
	r->sq_ptr = mmap(NULL, r->sq_len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	r->cq_ptr = mmap(NULL, r->cq_len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, r->sqe_len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (r->sq_ptr == MAP_FAILED || r->cq_ptr == MAP_FAILED ||
	    r->sqes == MAP_FAILED)
		return -1;
	r->sq_head = (unsigned int *)((char *)r->sq_ptr + p.sq_off.head);
	r->sq_tail = (unsigned int *)((char *)r->sq_ptr + p.sq_off.tail);
	r->sq_mask = (unsigned int *)((char *)r->sq_ptr + p.sq_off.ring_mask);
	r->sq_array = (unsigned int *)((char *)r->sq_ptr + p.sq_off.array);
	r->cq_head = (unsigned int *)((char *)r->cq_ptr + p.cq_off.head);
	r->cq_tail = (unsigned int *)((char *)r->cq_ptr + p.cq_off.tail);
	r->cq_mask = (unsigned int *)((char *)r->cq_ptr + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)((char *)r->cq_ptr + p.cq_off.cqes);
	return 0;
}

static void ring_exit(struct ring *r)
{
	if (r->fd <= 0)
		return;
	munmap(r->sqes, r->sqe_len);
	munmap(r->cq_ptr, r->cq_len);
	munmap(r->sq_ptr, r->sq_len);
	close(r->fd);
	r->fd = 0;
}

static struct io_uring_sqe *ring_sqe(struct ring *r)
{
	unsigned int tail = *r->sq_tail;
	unsigned int i = tail & *r->sq_mask;
	struct io_uring_sqe *sqe = &r->sqes[i];

	memset(sqe, 0, sizeof(*sqe));
	r->sq_array[i] = i;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	return sqe;
}

static int ring_enter(struct ring *r, unsigned int submit, unsigned int wait)
{
	return syscall(__NR_io_uring_enter, r->fd, submit, wait,
		       wait ? IORING_ENTER_GETEVENTS : 0, NULL, 0);
}

/* Collect @n completions (generous limit); returns how many came. */
static int ring_reap(struct ring *r, struct io_uring_cqe *out, int n)
{
	uint64_t end = wq_now_ms() + WQ_WAIT_MS;
	int got = 0;

	while (got < n && wq_now_ms() < end) {
		unsigned int head = *r->cq_head;

		if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE)) {
			wq_sleep_ms(5);
			continue;
		}
		out[got++] = r->cqes[head & *r->cq_mask];
		__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	}
	return got;
}

static void prep_rw(struct io_uring_sqe *sqe, int op, int fd, void *buf,
		    unsigned int len, uint64_t data)
{
	sqe->opcode = op;
	sqe->fd = fd;
	sqe->addr = (uintptr_t)buf;
	sqe->len = len;
	sqe->off = -1ULL;	/* current position: the device is a stream */
	sqe->user_data = data;
}

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
	struct ring r;
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
	if (ring_init(&self->r) && (errno == ENOSYS || errno == EPERM))
		SKIP(return, "io_uring not available");
	ASSERT_LT(0, self->r.fd) TH_LOG("io_uring_setup: %s",
					strerror(errno));
}

FIXTURE_TEARDOWN(uring)
{
	ring_exit(&self->r);
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
		prep_rw(ring_sqe(&self->r), IORING_OP_WRITE, self->fd, out[i],
			REC, i);
	}
	ASSERT_EQ(32, ring_enter(&self->r, 32, 0)) TH_LOG("%s",
							  strerror(errno));
	ASSERT_EQ(32, ring_reap(&self->r, cqe, 32));
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

	prep_rw(ring_sqe(&self->r), IORING_OP_READ, self->fd, in, 64, 1);
	ASSERT_EQ(1, ring_enter(&self->r, 1, 0));
	wq_sleep_ms(200);
	ASSERT_EQ(0, wq_stats(self->fd, self->parked, &s));
	EXPECT_EQ(0, s.queued);
	sqe = ring_sqe(&self->r);
	sqe->opcode = IORING_OP_ASYNC_CANCEL;
	sqe->addr = 1;
	sqe->user_data = 2;
	ASSERT_EQ(1, ring_enter(&self->r, 1, 0));
	ASSERT_EQ(2, ring_reap(&self->r, cqe, 2));
	for (i = 0; i < 2; i++) {
		/* the cancelled read (1) and the cancel request itself (2) */
		EXPECT_EQ(cqe[i].user_data == 1 ? -ECANCELED : 0, cqe[i].res);
	}
	/* A read waiting in poll gets data that arrives later. */
	fill(data, sizeof(data), 4);
	prep_rw(ring_sqe(&self->r), IORING_OP_READ, self->fd, in, 64, 3);
	ASSERT_EQ(1, ring_enter(&self->r, 1, 0));
	wq_sleep_ms(100);
	ASSERT_EQ(0, wq_inject(self->fd, data, sizeof(data), 0));
	ASSERT_EQ(1, ring_reap(&self->r, cqe, 1));
	EXPECT_EQ(3, cqe[0].user_data);
	EXPECT_EQ(64, cqe[0].res);
	EXPECT_EQ(0, memcmp(in, data, 64));
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
		struct ring r;
		int i;

		if (ring_init(&r))
			_exit(2);
		for (i = 0; i < 8; i++)
			prep_rw(ring_sqe(&r), IORING_OP_READ, self->fd, in[i],
				64, i);
		if (ring_enter(&r, 8, 0) != 8)
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
