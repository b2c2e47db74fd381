// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq descriptors: what close(2), process exit, O_NONBLOCK and poll do.
 *
 * - Closing one descriptor leaves I/O through the other descriptors of the
 *   same open file alone; the last close (release) cancels what is left.
 * - A process that exits with reads parked exits at once.
 * - O_NONBLOCK never parks, not even at a stopped queue.
 * - poll: a freed write slot wakes EPOLLOUT waiters whoever completed the
 *   write; a write queue that no longer accepts requests (drained, purged)
 *   reports EPOLLERR, a read side that no longer accepts them EPOLLHUP.
 *
 * Each test runs on both read paths, like wdfq_read.
 */
#include <poll.h>
#include <sys/epoll.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "wdfq_util.h"

FIXTURE(fd) {
	int fd;
	struct wdfq_info info;
	unsigned int parked;
};

FIXTURE_VARIANT(fd) {
	const char *path;
	unsigned int read_path;
};

FIXTURE_VARIANT_ADD(fd, forward) {
	.path = "/dev/wdfq0",
	.read_path = WDFQ_READ_PATH_FORWARD,
};

FIXTURE_VARIANT_ADD(fd, notify) {
	.path = "/dev/wdfq1",
	.read_path = WDFQ_READ_PATH_NOTIFY,
};

FIXTURE_SETUP(fd)
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

FIXTURE_TEARDOWN(fd)
{
	if (self->fd >= 0) {
		wq_reset_device(self->fd, variant->path);
		close(self->fd);
	}
}

static void on_sig(int sig)
{
}

/* SIGUSR1 interrupts (no SA_RESTART) without killing. */
static void set_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sigaction(SIGUSR1, &sa, NULL);
}

/* A thread blocked in one write(2). */
struct writer {
	pthread_t th;
	int fd;
	ssize_t ret;
	int err;
	char buf[64];
};

static void *writer_fn(void *arg)
{
	struct writer *w = arg;

	w->ret = write(w->fd, w->buf, sizeof(w->buf));
	w->err = w->ret < 0 ? errno : 0;
	return NULL;
}

/*
 * close(dup(fd)) closes a descriptor, not the open file: a read blocked on
 * fd in another thread stays parked and gets the next input.
 */
TEST_F(fd, close_dup_leaves_read_parked)
{
	static struct wq_reader r;
	struct wdfq_queue_stats s0, s;
	char data[16] = "still parked!!!";
	int fd2;

	fd2 = open(variant->path, O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, wq_stats(self->fd, self->parked, &s0));
	ASSERT_EQ(0, wq_reader_start(&r, fd2, sizeof(data)));
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 1));
	ASSERT_EQ(0, close(dup(fd2)));
	ASSERT_EQ(0, wq_stats(self->fd, self->parked, &s));
	EXPECT_EQ(1, s.queued);
	EXPECT_EQ(s0.cancelled, s.cancelled);
	ASSERT_EQ(0, wq_inject(self->fd, data, sizeof(data),
			       WDFQ_INJECT_F_WAKE));
	ASSERT_EQ(0, wq_join(r.th, WQ_WAIT_MS));
	EXPECT_EQ((ssize_t)sizeof(data), r.ret) TH_LOG("read: %s",
						       strerror(r.err));
	EXPECT_EQ(0, memcmp(r.buf, data, sizeof(data)));
	close(fd2);
	ASSERT_EQ(0, wq_stats(self->fd, self->parked, &s));
	EXPECT_EQ(0, s.queued);
	EXPECT_TRUE(wq_balanced(&s));
}

/* The same for a write queued behind a stopped write queue. */
TEST_F(fd, close_dup_leaves_write_queued)
{
	static struct writer w;
	struct wdfq_queue_stats s;
	int fd2;

	fd2 = open(variant->path, O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, wq_ctl(self->fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_STOP,
			    WDFQ_CTL_F_WAIT));
	w.fd = fd2;
	memset(w.buf, 'w', sizeof(w.buf));
	ASSERT_EQ(0, pthread_create(&w.th, NULL, writer_fn, &w));
	ASSERT_EQ(0, wq_wait_queued(self->fd, WDFQ_QUEUE_WRITE, 1));
	ASSERT_EQ(0, close(dup(fd2)));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_WRITE, &s));
	EXPECT_EQ(1, s.queued);
	ASSERT_EQ(0, wq_ctl(self->fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_START, 0));
	ASSERT_EQ(0, wq_join(w.th, WQ_WAIT_MS));
	EXPECT_EQ((ssize_t)sizeof(w.buf), w.ret) TH_LOG("write: %s",
							strerror(w.err));
	close(fd2);
}

/*
 * A process that exits while its threads are blocked in reads and writes
 * exits at once: exit kills its threads and their requests are cancelled.
 * Both ways out: exit_group() from another thread, and SIGKILL.
 */
static void exit_with_parked(struct __test_metadata *_metadata, int fd,
			     unsigned int parked, const char *path,
			     bool by_kill)
{
	struct wdfq_queue_stats s;
	uint64_t t0;
	int status, i, go[2];
	pid_t pid, got;

	ASSERT_EQ(0, wq_ctl(fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_STOP,
			    WDFQ_CTL_F_WAIT));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		static struct wq_reader r[4];
		static struct writer w;
		int cfd = open(path, O_RDWR);
		char c;

		close(go[1]);
		if (cfd < 0)
			_exit(2);
		for (i = 0; i < 4; i++)
			if (wq_reader_start(&r[i], i & 1 ? cfd : fd, 16))
				_exit(3);
		w.fd = cfd;
		if (pthread_create(&w.th, NULL, writer_fn, &w))
			_exit(4);
		if (by_kill) {
			char buf[16];

			/* the main thread blocks in a read too */
			read(cfd, buf, sizeof(buf));
			_exit(5);
		}
		/* exit_group() when the parent has seen everything parked */
		if (read(go[0], &c, 1) < 0)
			_exit(6);
		_exit(0);
	}
	close(go[0]);
	ASSERT_EQ(0, wq_wait_queued(fd, WDFQ_QUEUE_WRITE, 1));
	ASSERT_EQ(0, wq_wait_queued(fd, parked, by_kill ? 5 : 4));
	t0 = wq_now_ms();
	/* SIGKILL, or let the child call exit_group() */
	ASSERT_EQ(0, by_kill ? kill(pid, SIGKILL) :
		     write(go[1], "x", 1) != 1);
	close(go[1]);
	do {
		got = waitpid(pid, &status, WNOHANG);
		if (!got)
			wq_sleep_ms(5);
	} while (!got && wq_now_ms() - t0 < WQ_WAIT_MS);
	if (!got) {
		/* let it go before failing */
		wq_ctl(fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_START, 0);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	ASSERT_EQ(pid, got) TH_LOG("the child did not exit");
	EXPECT_TRUE(by_kill ? WIFSIGNALED(status) :
		    WIFEXITED(status) && !WEXITSTATUS(status));
	EXPECT_GT(5000, wq_now_ms() - t0)
		TH_LOG("exit took %llu ms",
		       (unsigned long long)(wq_now_ms() - t0));
	ASSERT_EQ(0, wq_stats(fd, parked, &s));
	EXPECT_EQ(0, s.queued);
	EXPECT_TRUE(wq_balanced(&s));
	ASSERT_EQ(0, wq_stats(fd, WDFQ_QUEUE_WRITE, &s));
	EXPECT_EQ(0, s.queued);
	EXPECT_TRUE(wq_balanced(&s));
}

TEST_F(fd, exit_with_parked_io_is_prompt)
{
	exit_with_parked(_metadata, self->fd, self->parked, variant->path,
			 false);
}

TEST_F(fd, sigkill_with_parked_io_is_prompt)
{
	exit_with_parked(_metadata, self->fd, self->parked, variant->path,
			 true);
}

/*
 * O_NONBLOCK read with bytes in the ring but the read queue stopped: the
 * read would wait for START, so EAGAIN, and poll reports no EPOLLIN.
 */
TEST_F(fd, nonblock_read_at_stopped_queue_eagain)
{
	static struct wq_reader r;
	struct pollfd pfd;
	char data[8] = "1234567";
	int nfd, done;

	nfd = open(variant->path, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, nfd);
	ASSERT_EQ(0, wq_inject(self->fd, data, sizeof(data),
			       WDFQ_INJECT_F_WAKE));
	ASSERT_EQ(0, wq_wait_ring(self->fd, sizeof(data)));
	ASSERT_EQ(0, wq_ctl(self->fd, WDFQ_QUEUE_READ, WDFQ_CTL_STOP,
			    WDFQ_CTL_F_WAIT));
	pfd.fd = nfd;
	pfd.events = POLLIN;
	EXPECT_EQ(0, poll(&pfd, 1, 0)) TH_LOG("revents %#x", pfd.revents);
	ASSERT_EQ(0, wq_reader_start(&r, nfd, sizeof(data)));
	done = !wq_join(r.th, 5000);
	if (!done) {
		/* parked: START lets it complete, then fail */
		wq_ctl(self->fd, WDFQ_QUEUE_READ, WDFQ_CTL_START, 0);
		ASSERT_EQ(0, wq_join(r.th, WQ_WAIT_MS));
	}
	EXPECT_TRUE(done) TH_LOG("O_NONBLOCK read parked at a stopped queue");
	if (done) {
		EXPECT_EQ(-1, r.ret);
		EXPECT_EQ(EAGAIN, r.err);
	}
	ASSERT_EQ(0, wq_ctl(self->fd, WDFQ_QUEUE_READ, WDFQ_CTL_START, 0));
	ASSERT_EQ(1, poll(&pfd, 1, WQ_WAIT_MS));
	EXPECT_TRUE(pfd.revents & POLLIN);
	if (done) {
		ASSERT_EQ((ssize_t)sizeof(data), read(nfd, r.buf, 64));
		EXPECT_EQ(0, memcmp(r.buf, data, sizeof(data)));
	}
	close(nfd);
}

/*
 * A write whose transfer is cancelled (its writer got a signal) frees a
 * slot of the write queue: an EPOLLOUT waiter wakes at once, not at the
 * next interrupt.
 */
TEST_F(fd, cancelled_write_wakes_epollout)
{
	struct epoll_event ev = { .events = EPOLLOUT }, got;
	static struct writer w;
	uint64_t t0;
	int nfd, ep;

	set_handler();
	/* one slot, a transfer that outlasts the test's wait */
	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_WRITE_LIMIT |
			    WDFQ_PARAM_WRITE_LATENCY, 10000000, 1, 0, 0));
	nfd = open(variant->path, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, nfd);
	w.fd = self->fd;
	ASSERT_EQ(0, pthread_create(&w.th, NULL, writer_fn, &w));
	ASSERT_EQ(0, wq_wait_owned(self->fd, WDFQ_QUEUE_WRITE, 1));
	ep = epoll_create1(0);
	ASSERT_LE(0, ep);
	ev.data.fd = nfd;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, nfd, &ev));
	ASSERT_EQ(0, epoll_wait(ep, &got, 1, 0));
	ASSERT_EQ(0, pthread_kill(w.th, SIGUSR1));
	t0 = wq_now_ms();
	ASSERT_EQ(1, epoll_wait(ep, &got, 1, 5000))
		TH_LOG("no EPOLLOUT after the write was cancelled");
	EXPECT_TRUE(got.events & EPOLLOUT);
	EXPECT_GT(5000, wq_now_ms() - t0);
	ASSERT_EQ(0, wq_join(w.th, WQ_WAIT_MS));
	EXPECT_EQ(-1, w.ret);
	EXPECT_EQ(EINTR, w.err);
	close(ep);
	close(nfd);
}

/*
 * A purge of the write queue while a poller waits for EPOLLOUT: the poller
 * wakes with EPOLLERR (writes now fail at once with ESHUTDOWN, even with
 * O_NONBLOCK); START clears it.
 */
TEST_F(fd, purged_write_queue_polls_err)
{
	static struct writer w;
	struct pollfd pfd;
	char buf[4] = "abc";
	uint64_t t0;
	int nfd, n;

	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_WRITE_LIMIT |
			    WDFQ_PARAM_WRITE_LATENCY, 10000000, 1, 0, 0));
	nfd = open(variant->path, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, nfd);
	w.fd = self->fd;
	ASSERT_EQ(0, pthread_create(&w.th, NULL, writer_fn, &w));
	ASSERT_EQ(0, wq_wait_owned(self->fd, WDFQ_QUEUE_WRITE, 1));
	pfd.fd = nfd;
	pfd.events = POLLOUT;
	ASSERT_EQ(0, poll(&pfd, 1, 0));
	ASSERT_EQ(0, wq_ctl(self->fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_PURGE,
			    WDFQ_CTL_F_WAIT));
	ASSERT_EQ(0, wq_join(w.th, WQ_WAIT_MS));
	EXPECT_EQ(-1, w.ret);
	t0 = wq_now_ms();
	n = poll(&pfd, 1, 5000);
	EXPECT_EQ(1, n) TH_LOG("poll reports nothing for a purged write queue");
	EXPECT_TRUE(pfd.revents & POLLERR) TH_LOG("revents %#x", pfd.revents);
	EXPECT_FALSE(pfd.revents & POLLOUT);
	EXPECT_FALSE(pfd.revents & POLLHUP);
	EXPECT_GT(5000, wq_now_ms() - t0);
	EXPECT_EQ(-1, write(nfd, buf, sizeof(buf)));
	EXPECT_EQ(ESHUTDOWN, errno);
	ASSERT_EQ(0, wq_ctl(self->fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_START, 0));
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLOUT, pfd.revents);
	close(nfd);
}

/* A poller blocked on a drained write queue wakes with EPOLLERR. */
TEST_F(fd, drained_write_queue_wakes_poller)
{
	struct epoll_event ev = { .events = EPOLLOUT }, got;
	static struct writer w;
	int nfd, ep;

	ASSERT_EQ(0, wq_ctl(self->fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_STOP,
			    WDFQ_CTL_F_WAIT));
	nfd = open(variant->path, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, nfd);
	ep = epoll_create1(0);
	ASSERT_LE(0, ep);
	ev.data.fd = nfd;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, nfd, &ev));
	ASSERT_EQ(0, epoll_wait(ep, &got, 1, 0));
	/* drain: no new writes; the stopped queue is empty, so it is done */
	ASSERT_EQ(0, wq_ctl(self->fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_DRAIN, 0));
	ASSERT_EQ(1, epoll_wait(ep, &got, 1, 5000))
		TH_LOG("no wake-up for a drained write queue");
	EXPECT_TRUE(got.events & EPOLLERR) TH_LOG("events %#x", got.events);
	EXPECT_FALSE(got.events & EPOLLOUT);
	/* a blocking write fails at once too */
	w.fd = self->fd;
	ASSERT_EQ(0, pthread_create(&w.th, NULL, writer_fn, &w));
	ASSERT_EQ(0, wq_join(w.th, WQ_WAIT_MS));
	EXPECT_EQ(-1, w.ret);
	EXPECT_EQ(ESHUTDOWN, w.err);
	ASSERT_EQ(0, wq_ctl(self->fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_START, 0));
	ASSERT_EQ(1, epoll_wait(ep, &got, 1, WQ_WAIT_MS));
	EXPECT_EQ(EPOLLOUT, got.events);
	close(ep);
	close(nfd);
}

/*
 * The read side: a purged read queue reports EPOLLHUP (reads fail at once
 * with ESHUTDOWN), and never EPOLLERR, which belongs to the write side.
 */
TEST_F(fd, purged_read_queue_polls_hup)
{
	static struct wq_reader r;
	struct pollfd pfd;
	int nfd;

	nfd = open(variant->path, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, nfd);
	pfd.fd = nfd;
	pfd.events = POLLIN | POLLOUT;
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLOUT, pfd.revents);
	/* a blocked reader of another file is cancelled by the purge */
	ASSERT_EQ(0, wq_reader_start(&r, self->fd, 16));
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 1));
	pfd.events = POLLIN;
	ASSERT_EQ(0, wq_ctl(self->fd, WDFQ_QUEUE_READ, WDFQ_CTL_PURGE, 0));
	if (self->parked != WDFQ_QUEUE_READ)
		ASSERT_EQ(0, wq_ctl(self->fd, self->parked, WDFQ_CTL_PURGE,
				    WDFQ_CTL_F_WAIT));
	ASSERT_EQ(0, wq_join(r.th, WQ_WAIT_MS));
	EXPECT_EQ(-1, r.ret);
	ASSERT_EQ(1, poll(&pfd, 1, 5000));
	EXPECT_TRUE(pfd.revents & POLLHUP) TH_LOG("revents %#x", pfd.revents);
	EXPECT_FALSE(pfd.revents & POLLERR);
	EXPECT_FALSE(pfd.revents & POLLIN);
	EXPECT_EQ(-1, read(nfd, r.buf, 16));
	EXPECT_EQ(ESHUTDOWN, errno);
	ASSERT_EQ(0, wq_ctl(self->fd, WDFQ_QUEUE_READ, WDFQ_CTL_START, 0));
	if (self->parked != WDFQ_QUEUE_READ)
		ASSERT_EQ(0, wq_ctl(self->fd, self->parked, WDFQ_CTL_START, 0));
	ASSERT_EQ(0, poll(&pfd, 1, 0));
	close(nfd);
}

TEST_HARNESS_MAIN
