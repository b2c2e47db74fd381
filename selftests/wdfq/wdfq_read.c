// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq read path: loopback, the sequential read queue, the ring, the
 * R1,R2,R3,delay,R4,R5 example of Documentation/wdfq/queue-model.rst,
 * cancellation, O_NONBLOCK, poll and epoll.
 *
 * Each test runs on two variants: "forward" (/dev/wdfq0, sequential read
 * queue forwarding to a manual pending queue) and "notify" (/dev/wdfq1,
 * loaded with read_path=0,1: a manual read queue with ready notify). A
 * variant whose device is missing or has the other read path is skipped.
 */
#include <poll.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/epoll.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "wdfq_util.h"

FIXTURE(rd) {
	int fd;
	struct wdfq_info info;
	unsigned int parked;
};

FIXTURE_VARIANT(rd) {
	const char *path;
	unsigned int read_path;
};

FIXTURE_VARIANT_ADD(rd, forward) {
	.path = "/dev/wdfq0",
	.read_path = WDFQ_READ_PATH_FORWARD,
};

FIXTURE_VARIANT_ADD(rd, notify) {
	.path = "/dev/wdfq1",
	.read_path = WDFQ_READ_PATH_NOTIFY,
};

FIXTURE_SETUP(rd)
{
	self->fd = open(variant->path, O_RDWR);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "%s not present (module loaded with count=1?)",
		     variant->path);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", variant->path,
				      strerror(errno));
	ASSERT_EQ(0, ioctl(self->fd, WDFQ_IOC_GET_INFO, &self->info));
	if (self->info.read_path != variant->read_path)
		SKIP(return, "%s has read path %u", variant->path,
		     self->info.read_path);
	if (geteuid())
		SKIP(return, "needs root (INJECT, QUEUE_CTL)");
	self->parked = wq_parked_q(&self->info);
	ASSERT_EQ(0, wq_reset_device(self->fd, variant->path));
}

FIXTURE_TEARDOWN(rd)
{
	if (self->fd >= 0) {
		wq_reset_device(self->fd, variant->path);
		close(self->fd);
	}
}

static void fill(char *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (char)(seed * 131 + i * 7 + (i >> 8));
}

/*
 * A write completes once the DPC has delivered its bytes: when write(2)
 * returns, they are in the ring already (no reader, nothing overrun).
 */
TEST_F(rd, write_returns_after_its_bytes_are_in_the_ring)
{
	struct wdfq_queue_stats s0, s;
	char data[100], in[200];
	int i;

	fill(data, sizeof(data), 9);
	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &s0));
		ASSERT_EQ(0, s0.ring_bytes);
		ASSERT_EQ(sizeof(data), write(self->fd, data, sizeof(data)));
		ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &s));
		EXPECT_EQ(s0.overrun_bytes, s.overrun_bytes);
		ASSERT_EQ(sizeof(data), s.ring_bytes) TH_LOG("round %d", i);
		ASSERT_EQ(sizeof(data), read(self->fd, in, sizeof(in)));
		EXPECT_EQ(0, memcmp(in, data, sizeof(data)));
	}
}

/* Written bytes come back, in order, through reads shorter and longer. */
TEST_F(rd, loopback)
{
	static char out[12000], in[12000];
	size_t want = 0, got = 0, sizes[] = { 100, 5000, 1, 3000, 16384 };
	int i, shorter = 0, partial = 0;

	fill(out, sizeof(out), 1);
	/* 3 writes of 4000: each loops back through its completion irq. */
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(4000, write(self->fd, out + i * 4000, 4000));
		want += 4000;
	}
	i = 0;
	while (got < want) {
		size_t len = sizes[i++ % 5];
		ssize_t n = read(self->fd, in + got,
				 len < sizeof(in) - got ? len : sizeof(in) - got);

		ASSERT_LT(0, n) TH_LOG("read: %s", strerror(errno));
		if ((size_t)n < len)
			partial++;	/* longer than buffered */
		if (len == 100 || len == 1)
			shorter++;	/* shorter than buffered */
		got += n;
	}
	EXPECT_EQ(want, got);
	EXPECT_EQ(0, memcmp(out, in, want));
	EXPECT_LT(0, shorter);
	EXPECT_LT(0, partial);
	/* Nothing extra. */
	EXPECT_EQ(0, wq_drain(variant->path, NULL, 0));
}

/*
 * With data in the ring: a read into a buffer it may not write fails with
 * EFAULT and takes nothing; one into pages not yet mapped (no fault-in
 * before the copy) gets the bytes; a readv whose second buffer is bad
 * takes nothing either.
 */
TEST_F(rd, buffer_faults_keep_ring_data)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *ro, *fresh, head[4];
	struct iovec iov[2];

	ro = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fresh = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_NE(MAP_FAILED, fresh);
	ASSERT_EQ(0, wq_inject(self->fd, "0123456789", 10, 0));
	ASSERT_EQ(0, wq_wait_ring(self->fd, 10));

	EXPECT_EQ(-1, read(self->fd, ro, 4));
	EXPECT_EQ(EFAULT, errno);
	iov[0].iov_base = head;
	iov[0].iov_len = 2;
	iov[1].iov_base = ro;
	iov[1].iov_len = 2;
	EXPECT_EQ(-1, readv(self->fd, iov, 2));
	EXPECT_EQ(EFAULT, errno);
	/* Straddles two untouched pages. */
	EXPECT_EQ(4, read(self->fd, fresh + 2 * pg - 2, 4));
	EXPECT_EQ(0, memcmp(fresh + 2 * pg - 2, "0123", 4));
	EXPECT_EQ(4, read(self->fd, head, 4));
	EXPECT_EQ(2, read(self->fd, fresh + 3 * pg, 2));
	EXPECT_EQ(0, memcmp(head, "4567", 4));
	EXPECT_EQ(0, memcmp(fresh + 3 * pg, "89", 2));
	munmap(ro, pg);
	munmap(fresh, 4 * pg);
}

/* A read parked before the data arrives gets it from the DPC. */
TEST_F(rd, parked_read_satisfied_by_interrupt)
{
	struct wdfq_queue_stats s;
	struct wq_reader r;
	char data[64];

	fill(data, sizeof(data), 2);
	ASSERT_EQ(0, wq_reader_start(&r, self->fd, 64));
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 1));
	ASSERT_EQ(0, wq_inject(self->fd, data, sizeof(data), 0));
	ASSERT_EQ(0, wq_join(r.th, WQ_WAIT_MS));
	ASSERT_EQ(64, r.ret);
	EXPECT_EQ(0, memcmp(r.buf, data, 64));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &s));
	EXPECT_LE(1, s.interrupts);
	EXPECT_LE(1, s.dpc_runs);
	EXPECT_EQ(64, s.direct_bytes);
}

/* 8 blocked readers: the read queue owns at most 1; FIFO satisfaction. */
TEST_F(rd, sequential_fifo_8_readers)
{
	static struct wq_reader r[8];
	struct wdfq_queue_stats s;
	char data[8 * 16];
	int i;

	fill(data, sizeof(data), 3);
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, wq_reader_start(&r[i], self->fd, 16));
		/* arrival order = i */
		ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, i + 1));
	}
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_READ, &s));
	/* notify path: nothing was retrieved yet, the callback only looked */
	EXPECT_GE(1, s.max_driver_owned);
	EXPECT_TRUE(wq_balanced(&s));
	ASSERT_EQ(0, wq_inject(self->fd, data, sizeof(data), 0));
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, wq_join(r[i].th, WQ_WAIT_MS));
		ASSERT_EQ(16, r[i].ret) TH_LOG("reader %d: %s", i,
					       strerror(r[i].err));
		EXPECT_EQ(0, memcmp(r[i].buf, data + 16 * i, 16))
			TH_LOG("reader %d got another reader's bytes", i);
	}
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_READ, &s));
	EXPECT_EQ(1, s.max_driver_owned);
	EXPECT_EQ(0, s.queued);
	EXPECT_EQ(0, s.driver_owned);
	EXPECT_TRUE(wq_balanced(&s));
	ASSERT_EQ(0, wq_stats(self->fd, self->parked, &s));
	EXPECT_TRUE(wq_balanced(&s));
}

/* R1, R2, R3, a delay, R4, R5 -- all complete, FIFO. */
TEST_F(rd, ready_notify_r1_to_r5_all_complete_in_order)
{
	static struct wq_reader r[5];
	char data[5 * 8];
	int i;

	fill(data, sizeof(data), 4);
	for (i = 0; i < 5; i++) {
		if (i == 3) {
			/* some data arrives during the delay: R1 takes it */
			ASSERT_EQ(0, wq_inject(self->fd, data, 8, 0));
			ASSERT_EQ(0, wq_join(r[0].th, WQ_WAIT_MS));
			wq_sleep_ms(200);
		}
		ASSERT_EQ(0, wq_reader_start(&r[i], self->fd, 8));
		ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked,
					    i < 3 ? i + 1 : i));
	}
	ASSERT_EQ(0, wq_inject(self->fd, data + 8, 32, 0));
	ASSERT_EQ(8, r[0].ret);
	EXPECT_EQ(0, memcmp(r[0].buf, data, 8));
	for (i = 1; i < 5; i++) {
		ASSERT_EQ(0, wq_join(r[i].th, WQ_WAIT_MS))
			TH_LOG("R%d did not complete", i + 1);
		ASSERT_EQ(8, r[i].ret);
		EXPECT_EQ(0, memcmp(r[i].buf, data + 8 * i, 8))
			TH_LOG("R%d out of order", i + 1);
	}
}

/* Data with no reader is buffered; a full ring counts the overrun. */
TEST_F(rd, ring_buffer_and_overrun)
{
	struct wdfq_queue_stats s0, s;
	char data[300], in[512];
	ssize_t n;

	fill(data, sizeof(data), 5);
	ASSERT_EQ(0, wq_inject(self->fd, data, 100, 0));
	ASSERT_EQ(0, wq_wait_ring(self->fd, 100));
	wq_sleep_ms(100);
	n = read(self->fd, in, sizeof(in));
	ASSERT_EQ(100, n);
	EXPECT_EQ(0, memcmp(in, data, 100));

	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_RING_SIZE, 0, 0, 0, 256));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &s0));
	EXPECT_EQ(256, s0.ring_size);
	ASSERT_EQ(0, wq_inject(self->fd, data, 300, 0));
	ASSERT_EQ(0, wq_wait_ring(self->fd, 256));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &s));
	EXPECT_EQ(256, s.ring_bytes);
	EXPECT_EQ(44, s.overrun_bytes - s0.overrun_bytes);
	EXPECT_LE(1, s.overruns - s0.overruns);
	n = read(self->fd, in, sizeof(in));
	ASSERT_EQ(256, n);
	EXPECT_EQ(0, memcmp(in, data, 256));
	EXPECT_EQ(0, wq_drain(variant->path, NULL, 0));
}

static void on_sig(int sig)
{
}

static void set_handler(int restart)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGUSR1, &sa, NULL);
}

/* A signal gives EINTR; the request leaves the queue; nothing leaks. */
TEST_F(rd, signal_eintr)
{
	struct wdfq_queue_stats s0, s;
	struct wq_reader r;

	set_handler(0);
	ASSERT_EQ(0, wq_stats(self->fd, self->parked, &s0));
	ASSERT_EQ(0, wq_reader_start(&r, self->fd, 32));
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 1));
	ASSERT_EQ(0, pthread_kill(r.th, SIGUSR1));
	ASSERT_EQ(0, wq_join(r.th, WQ_WAIT_MS));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EINTR, r.err);
	ASSERT_EQ(0, wq_stats(self->fd, self->parked, &s));
	EXPECT_EQ(0, s.queued);
	EXPECT_EQ(0, s.driver_owned);
	EXPECT_EQ(s0.cancelled + 1, s.cancelled);
	EXPECT_TRUE(wq_balanced(&s));
}

/* With SA_RESTART the read restarts and completes with the data. */
TEST_F(rd, signal_restart)
{
	struct wdfq_queue_stats s0, s;
	struct wq_reader r;
	char data[32];

	fill(data, sizeof(data), 6);
	set_handler(1);
	ASSERT_EQ(0, wq_stats(self->fd, self->parked, &s0));
	ASSERT_EQ(0, wq_reader_start(&r, self->fd, 32));
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 1));
	ASSERT_EQ(0, pthread_kill(r.th, SIGUSR1));
	/* The cancelled request is gone and the restarted one parks. */
	do {
		ASSERT_EQ(0, wq_stats(self->fd, self->parked, &s));
	} while (s.cancelled == s0.cancelled && (wq_sleep_ms(5), 1));
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 1));
	EXPECT_FALSE(wq_reader_done(&r));
	ASSERT_EQ(0, wq_inject(self->fd, data, sizeof(data), 0));
	ASSERT_EQ(0, wq_join(r.th, WQ_WAIT_MS));
	ASSERT_EQ(32, r.ret);
	EXPECT_EQ(0, memcmp(r.buf, data, 32));
	ASSERT_EQ(0, wq_stats(self->fd, self->parked, &s));
	EXPECT_EQ(s0.cancelled + 1, s.cancelled);
	EXPECT_TRUE(wq_balanced(&s));
}

/*
 * close() of the only descriptor while other threads of the process are
 * blocked in reads on it: close(2) ends the descriptor, not the reads. The
 * blocked calls keep the open file alive; their reads stay parked and are
 * satisfied by the next input. The release (and the cancellation of what
 * is left) comes when the last of them returns.
 */
TEST_F(rd, close_with_parked_reads)
{
	static struct wq_reader r[3];
	struct wdfq_queue_stats s0, s;
	char data[48];
	int fd2, i;

	fill(data, sizeof(data), 7);
	fd2 = open(variant->path, O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, wq_stats(self->fd, self->parked, &s0));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, wq_reader_start(&r[i], fd2, 16));
		ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, i + 1));
	}
	ASSERT_EQ(0, close(fd2));
	ASSERT_EQ(0, wq_stats(self->fd, self->parked, &s));
	EXPECT_EQ(3, s.queued);
	EXPECT_EQ(s0.cancelled, s.cancelled);
	ASSERT_EQ(0, wq_inject(self->fd, data, sizeof(data),
			       WDFQ_INJECT_F_WAKE));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, wq_join(r[i].th, WQ_WAIT_MS));
		EXPECT_EQ(16, r[i].ret) TH_LOG("reader %d: %s", i,
					       strerror(r[i].err));
		EXPECT_EQ(0, memcmp(r[i].buf, data + 16 * i, 16));
	}
	ASSERT_EQ(0, wq_stats(self->fd, self->parked, &s));
	EXPECT_EQ(0, s.queued);
	EXPECT_EQ(0, s.driver_owned);
	EXPECT_TRUE(wq_balanced(&s));
}

/*
 * A child closing its inherited descriptor cancels nothing of the parent's:
 * the parked read stays parked and is satisfied by the next input.
 */
TEST_F(rd, close_in_child_leaves_parent_reads)
{
	static struct wq_reader r;
	struct wdfq_queue_stats s;
	char data[16] = "from the device";
	int fd2, status;
	pid_t pid;

	fd2 = open(variant->path, O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, wq_reader_start(&r, fd2, sizeof(data)));
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 1));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(fd2);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	wq_sleep_ms(100);
	ASSERT_EQ(0, wq_stats(self->fd, self->parked, &s));
	EXPECT_EQ(1, s.queued);
	ASSERT_EQ(0, wq_inject(self->fd, data, sizeof(data),
			       WDFQ_INJECT_F_WAKE));
	ASSERT_EQ(0, wq_join(r.th, WQ_WAIT_MS));
	EXPECT_EQ((ssize_t)sizeof(data), r.ret);
	EXPECT_EQ(0, memcmp(r.buf, data, sizeof(data)));
	close(fd2);
	ASSERT_EQ(0, wq_stats(self->fd, self->parked, &s));
	EXPECT_TRUE(wq_balanced(&s));
}

/* O_NONBLOCK gives EAGAIN; poll and epoll report readiness. */
TEST_F(rd, nonblock_poll_epoll)
{
	struct epoll_event ev = { .events = EPOLLIN }, got;
	struct pollfd pfd;
	char buf[64], data[10] = "0123456789";
	int nfd, ep;

	nfd = open(variant->path, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, nfd);
	EXPECT_EQ(-1, read(nfd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);

	pfd.fd = nfd;
	pfd.events = POLLIN | POLLOUT;
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_FALSE(pfd.revents & POLLIN);
	EXPECT_TRUE(pfd.revents & POLLOUT);

	ep = epoll_create1(0);
	ASSERT_LE(0, ep);
	ev.data.fd = nfd;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, nfd, &ev));
	ASSERT_EQ(0, epoll_wait(ep, &got, 1, 0));

	ASSERT_EQ(0, wq_inject(self->fd, data, sizeof(data), 0));
	ASSERT_EQ(1, epoll_wait(ep, &got, 1, WQ_WAIT_MS));
	EXPECT_TRUE(got.events & EPOLLIN);
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, WQ_WAIT_MS));
	EXPECT_TRUE(pfd.revents & POLLIN);
	ASSERT_EQ(10, read(nfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, data, 10));
	EXPECT_EQ(-1, read(nfd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, poll(&pfd, 1, 0));

	/* A stopped write queue would park a write: no POLLOUT, EAGAIN. */
	ASSERT_EQ(0, wq_ctl(self->fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_STOP,
			    WDFQ_CTL_F_WAIT));
	pfd.events = POLLOUT;
	ASSERT_EQ(0, poll(&pfd, 1, 0));
	EXPECT_EQ(-1, write(nfd, data, 4));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, wq_ctl(self->fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_START, 0));
	ASSERT_EQ(1, poll(&pfd, 1, WQ_WAIT_MS));
	EXPECT_TRUE(pfd.revents & POLLOUT);
	close(ep);
	close(nfd);
}

/* Per-open limit on queued requests: EAGAIN beyond it. */
TEST_F(rd, per_file_limit)
{
	static const char *param = "/sys/module/wdfq/parameters/file_max_requests";
	static struct wq_reader r[3];
	char old[32], buf[8];
	int fd2, i;

	if (wq_sysfs_read(param, old, sizeof(old)))
		SKIP(return, "no %s", param);
	ASSERT_EQ(0, wq_sysfs_write(param, "2"));
	fd2 = open(variant->path, O_RDWR);
	ASSERT_LE(0, fd2);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, wq_reader_start(&r[i], fd2, 8));
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 2));
	EXPECT_EQ(-1, read(fd2, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	/* Another open file has its own budget. */
	ASSERT_EQ(0, wq_reader_start(&r[2], self->fd, 8));
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 3));
	ASSERT_EQ(0, wq_sysfs_write(param, old));
	ASSERT_EQ(0, wq_inject(self->fd, "abcdefghABCDEFGH12345678", 24, 0));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, wq_join(r[i].th, WQ_WAIT_MS));
		EXPECT_EQ(8, r[i].ret);
	}
	close(fd2);
}

TEST_HARNESS_MAIN
