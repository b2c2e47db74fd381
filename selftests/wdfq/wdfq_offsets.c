// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq file offsets: like /dev/zero and /dev/null, the device accepts
 * pread(2), pwrite(2), preadv(2)/pwritev(2) and lseek(2) and ignores the
 * offset. The bytes loop back in the order they were written, whatever
 * offsets the calls named; lseek succeeds and returns 0, and the file
 * position stays 0 across reads and writes (fio's sync and psync engines
 * rely on this).
 */
#include <limits.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "wdfq_util.h"

#define DEV "/dev/wdfq0"

FIXTURE(offsets) {
	int fd;
};

FIXTURE_SETUP(offsets)
{
	self->fd = open(DEV, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DEV, strerror(errno));
	if (geteuid())
		SKIP(return, "needs root (SET_PARAMS to reset the device)");
	ASSERT_EQ(0, wq_reset_device(self->fd, DEV));
}

FIXTURE_TEARDOWN(offsets)
{
	if (self->fd >= 0) {
		wq_reset_device(self->fd, DEV);
		close(self->fd);
	}
}

/* pread until @len bytes came back (a read returns what one interrupt gave). */
static ssize_t pread_full(int fd, char *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, off);

		if (n <= 0)
			return n < 0 ? n : (ssize_t)got;
		got += n;
	}
	return got;
}

static const off_t offs[] = { 0, 1, 4096, 12345, (off_t)1 << 40 };
#define NR_OFFS ARRAY_SIZE(offs)

/* pwrite at one offset, pread at another: the bytes come back in order. */
TEST_F(offsets, pwrite_pread_loop_back_at_any_offset)
{
	char msg[64], buf[64];
	unsigned int i;

	for (i = 0; i < NR_OFFS; i++) {
		int len = snprintf(msg, sizeof(msg), "offset message %u at %lld",
				   i, (long long)offs[i]);

		ASSERT_EQ(len, pwrite(self->fd, msg, len, offs[i]))
			TH_LOG("pwrite at %lld: %s", (long long)offs[i],
			       strerror(errno));
		memset(buf, 0, sizeof(buf));
		ASSERT_EQ(len, pread_full(self->fd, buf, len,
					  offs[NR_OFFS - 1 - i]))
			TH_LOG("pread at %lld: %s",
			       (long long)offs[NR_OFFS - 1 - i], strerror(errno));
		ASSERT_EQ(0, memcmp(msg, buf, len)) TH_LOG("got '%.*s'", len, buf);
	}
	/* Nothing was read twice or skipped: the ring is empty. */
	ASSERT_EQ(0, wq_drain(DEV, NULL, 0));
}

/* Several pwrites first, then preads: arrival order, offsets ignored. */
TEST_F(offsets, pwrites_then_preads_keep_order)
{
	char msg[NR_OFFS][32], buf[32];
	unsigned int i;

	for (i = 0; i < NR_OFFS; i++) {
		snprintf(msg[i], sizeof(msg[i]), "record %u of %zu ........",
			 i, NR_OFFS);
		ASSERT_EQ(32, pwrite(self->fd, msg[i], 32, offs[i]))
			TH_LOG("pwrite: %s", strerror(errno));
	}
	ASSERT_EQ(0, wq_wait_ring(self->fd, 32 * NR_OFFS));
	for (i = 0; i < NR_OFFS; i++) {
		ASSERT_EQ(32, pread_full(self->fd, buf, 32, offs[0]))
			TH_LOG("pread: %s", strerror(errno));
		ASSERT_EQ(0, memcmp(msg[i], buf, 32)) TH_LOG("record %u", i);
	}
}

/* The vector forms take offsets too. */
TEST_F(offsets, pwritev_preadv_loop_back)
{
	char a[] = "vector-a:", b[] = "vector-b", out[sizeof(a) + sizeof(b)];
	struct iovec wv[2] = {
		{ .iov_base = a, .iov_len = sizeof(a) - 1 },
		{ .iov_base = b, .iov_len = sizeof(b) - 1 },
	};
	size_t len = sizeof(a) + sizeof(b) - 2;
	struct iovec rv = { .iov_base = out, .iov_len = len };
	size_t got = 0;

	ASSERT_EQ((ssize_t)len, pwritev(self->fd, wv, 2, 777))
		TH_LOG("pwritev: %s", strerror(errno));
	memset(out, 0, sizeof(out));
	while (got < len) {
		ssize_t n;

		rv.iov_base = out + got;
		rv.iov_len = len - got;
		n = preadv(self->fd, &rv, 1, 999);
		ASSERT_LT(0, n) TH_LOG("preadv: %s", strerror(errno));
		got += n;
	}
	ASSERT_EQ(0, memcmp(out, "vector-a:vector-b", len));
}

/*
 * lseek succeeds and always returns 0 (the position never moves), for
 * every whence, before and after I/O through read(2) and write(2).
 */
TEST_F(offsets, lseek_succeeds_and_returns_zero)
{
	char buf[16];

	ASSERT_EQ(0, lseek(self->fd, 0, SEEK_CUR)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, lseek(self->fd, 4096, SEEK_SET)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, lseek(self->fd, 100, SEEK_CUR));
	ASSERT_EQ(0, lseek(self->fd, 0, SEEK_END));
	ASSERT_EQ(0, lseek(self->fd, -5, SEEK_END));

	/* read/write after a seek: the same loopback, the position stays 0. */
	ASSERT_EQ(0, lseek(self->fd, 1 << 20, SEEK_SET));
	ASSERT_EQ(11, write(self->fd, "after seek\n", 11));
	ASSERT_EQ(0, lseek(self->fd, 0, SEEK_CUR));
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(11, pread_full(self->fd, buf, 11, 0));
	ASSERT_EQ(0, memcmp(buf, "after seek\n", 11));
	ASSERT_EQ(5, write(self->fd, "more\n", 5));
	ASSERT_EQ(5, read(self->fd, buf, 5));
	ASSERT_EQ(0, memcmp(buf, "more\n", 5));
	ASSERT_EQ(0, lseek(self->fd, 0, SEEK_CUR));
}

TEST_HARNESS_MAIN
