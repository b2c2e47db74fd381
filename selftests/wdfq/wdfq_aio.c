// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq asynchronous I/O through libaio's system calls (io_setup,
 * io_submit, io_getevents, called with syscall(2) so that no
 * library is linked) and preadv2/pwritev2.
 *
 * Runs on /dev/wdfq0 (read_path 0: reads park on the pending queue).
 */
#include <linux/aio_abi.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "wdfq_util.h"

#define PATH		"/dev/wdfq0"

static int io_setup(unsigned int nr, aio_context_t *ctx)
{
	return syscall(__NR_io_setup, nr, ctx);
}

static int io_destroy(aio_context_t ctx)
{
	return syscall(__NR_io_destroy, ctx);
}

static int io_submit(aio_context_t ctx, long n, struct iocb **iocbs)
{
	return syscall(__NR_io_submit, ctx, n, iocbs);
}

static int io_getevents(aio_context_t ctx, long min, long max,
			struct io_event *ev, unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	return syscall(__NR_io_getevents, ctx, min, max, ev, &ts);
}

static void prep(struct iocb *cb, int fd, int op, void *buf, size_t len,
		 uint64_t data)
{
	memset(cb, 0, sizeof(*cb));
	cb->aio_fildes = fd;
	cb->aio_lio_opcode = op;
	cb->aio_buf = (uintptr_t)buf;
	cb->aio_nbytes = len;
	cb->aio_data = data;
}

/* Collect exactly @n events (generous limit). */
static int get_all(aio_context_t ctx, struct io_event *ev, int n)
{
	uint64_t end = wq_now_ms() + WQ_WAIT_MS;
	int got = 0, r;

	while (got < n && wq_now_ms() < end) {
		r = io_getevents(ctx, 1, n - got, ev + got, 1000);
		if (r < 0 && errno != EINTR)
			return -1;
		if (r > 0)
			got += r;
	}
	return got;
}

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
	ASSERT_EQ(0, io_setup(128, &self->ctx));
}

FIXTURE_TEARDOWN(aio)
{
	if (self->ctx)
		io_destroy(self->ctx);
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

	prep(&cb, self->fd, IOCB_CMD_PWRITE, out, 300, 7);
	ASSERT_EQ(1, io_submit(self->ctx, 1, &cbp)) TH_LOG("%s",
							   strerror(errno));
	ASSERT_EQ(1, get_all(self->ctx, &ev, 1));
	EXPECT_EQ(7, ev.data);
	EXPECT_EQ(300, ev.res);
	ASSERT_EQ(0, wq_wait_ring(self->fd, 300));
	memset(in, 0, sizeof(in));
	prep(&cb, self->fd, IOCB_CMD_PREAD, in, 300, 8);
	ASSERT_EQ(1, io_submit(self->ctx, 1, &cbp));
	ASSERT_EQ(1, get_all(self->ctx, &ev, 1));
	EXPECT_EQ(8, ev.data);
	EXPECT_EQ(300, ev.res);
	EXPECT_EQ(0, memcmp(out, in, 300));
}

TEST_HARNESS_MAIN
