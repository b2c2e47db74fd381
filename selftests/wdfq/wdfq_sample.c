// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq_sample: the example driver (samples/wdfq_sample), an echo device
 * built out of tree on the engine. A write hands its bytes to the oldest
 * parked read, or fails with EAGAIN when no read is parked; a signal
 * cancels a parked read. The tests wait on the device's "parked" count
 * (sysfs) instead of sleeping. All skip if /dev/wdfq_sample is absent.
 */
#include "kselftest_harness.h"
#include "wdfq_util.h"

#define SAMPLE_DEV	"/dev/wdfq_sample"
#define SAMPLE_PARKED	"/sys/class/misc/wdfq_sample/parked"

/* Reads parked on the device, or -1. */
static int sample_parked(void)
{
	char buf[32];

	if (wq_sysfs_read(SAMPLE_PARKED, buf, sizeof(buf)))
		return -1;
	return atoi(buf);
}

/* Wait until exactly @n reads are parked. */
static int sample_wait_parked(int n)
{
	uint64_t end = wq_now_ms() + WQ_WAIT_MS;

	do {
		if (sample_parked() == n)
			return 0;
		wq_sleep_ms(5);
	} while (wq_now_ms() < end);
	errno = ETIMEDOUT;
	return -1;
}

static void sample_on_signal(int sig)
{
}

FIXTURE(sample) {
	int fd;
};

FIXTURE_SETUP(sample)
{
	self->fd = -1;
	if (access(SAMPLE_DEV, F_OK))
		SKIP(return, SAMPLE_DEV " absent (wdfq_sample.ko not loaded)");
	self->fd = open(SAMPLE_DEV, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open: %s", strerror(errno));
	ASSERT_EQ(0, sample_parked());
}

FIXTURE_TEARDOWN(sample)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* With no read parked, a write fails at once and nothing is queued. */
TEST_F(sample, write_without_reader_eagain)
{
	EXPECT_EQ(-1, write(self->fd, "x", 1));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, sample_parked());
}

/* A parked read gets the bytes of the next write. */
TEST_F(sample, write_then_read)
{
	struct wq_reader r;

	ASSERT_EQ(0, wq_reader_start(&r, self->fd, 64));
	ASSERT_EQ(0, sample_wait_parked(1));
	EXPECT_EQ(5, write(self->fd, "hello", 5));
	ASSERT_EQ(0, wq_join(r.th, WQ_WAIT_MS));
	EXPECT_EQ(5, r.ret);
	EXPECT_EQ(0, memcmp(r.buf, "hello", 5));
	EXPECT_EQ(0, sample_parked());
}

/* A write longer than the reader's buffer is cut short. */
TEST_F(sample, short_read_short_write)
{
	struct wq_reader r;

	ASSERT_EQ(0, wq_reader_start(&r, self->fd, 4));
	ASSERT_EQ(0, sample_wait_parked(1));
	EXPECT_EQ(4, write(self->fd, "abcdefgh", 8));
	ASSERT_EQ(0, wq_join(r.th, WQ_WAIT_MS));
	EXPECT_EQ(4, r.ret);
	EXPECT_EQ(0, memcmp(r.buf, "abcd", 4));
}

/* Several parked reads are filled oldest first by several writes. */
TEST_F(sample, parked_reads_filled_in_order)
{
	struct wq_reader r[4];
	char msg[16];
	int i, n;

	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, wq_reader_start(&r[i], self->fd, 64));
		ASSERT_EQ(0, sample_wait_parked(i + 1));
	}
	for (i = 0; i < 4; i++) {
		n = snprintf(msg, sizeof(msg), "message %d", i);
		EXPECT_EQ(n, write(self->fd, msg, n));
	}
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, wq_join(r[i].th, WQ_WAIT_MS));
		n = snprintf(msg, sizeof(msg), "message %d", i);
		EXPECT_EQ(n, r[i].ret);
		EXPECT_EQ(0, memcmp(r[i].buf, msg, n))
			TH_LOG("reader %d got '%.*s'", i, (int)r[i].ret,
			       r[i].buf);
	}
	EXPECT_EQ(0, sample_parked());
}

/*
 * A signal (no SA_RESTART) to a parked reader: read(2) fails with EINTR,
 * the read is gone from the queue, and a write finds no reader.
 */
TEST_F(sample, signal_cancels_parked_read)
{
	struct sigaction sa = { .sa_handler = sample_on_signal };
	struct wq_reader r;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, wq_reader_start(&r, self->fd, 64));
	ASSERT_EQ(0, sample_wait_parked(1));
	ASSERT_EQ(0, pthread_kill(r.th, SIGUSR1));
	ASSERT_EQ(0, wq_join(r.th, WQ_WAIT_MS));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EINTR, r.err);
	EXPECT_EQ(0, sample_parked());
	EXPECT_EQ(-1, write(self->fd, "x", 1));
	EXPECT_EQ(EAGAIN, errno);
	signal(SIGUSR1, SIG_DFL);
}

#define PAR_WRITERS	2
#define PAR_READERS	4
#define PAR_MSGS	50	/* per writer */
#define PAR_READS	(PAR_WRITERS * PAR_MSGS / PAR_READERS)

struct par_writer {
	pthread_t th;
	int fd;
	int id;
	int failed;
};

struct par_reader {
	pthread_t th;
	int fd;
	int failed;
	int got[PAR_READS];	/* writer * PAR_MSGS + index */
};

static void *par_write_fn(void *arg)
{
	struct par_writer *w = arg;
	uint64_t end = wq_now_ms() + 2 * WQ_WAIT_MS;
	char msg[16];
	int i, n;

	for (i = 0; i < PAR_MSGS; i++) {
		n = snprintf(msg, sizeof(msg), "%d %d", w->id, i);
		/* EAGAIN until a reader is parked */
		while (write(w->fd, msg, n) != n) {
			if (errno != EAGAIN || wq_now_ms() > end) {
				w->failed = 1;
				return NULL;
			}
			wq_sleep_ms(1);
		}
	}
	return NULL;
}

static void *par_read_fn(void *arg)
{
	struct par_reader *r = arg;
	char buf[16];
	int i, id, idx;
	ssize_t n;

	for (i = 0; i < PAR_READS; i++) {
		n = read(r->fd, buf, sizeof(buf) - 1);
		if (n <= 0) {
			r->failed = 1;
			return NULL;
		}
		buf[n] = 0;
		if (sscanf(buf, "%d %d", &id, &idx) != 2) {
			r->failed = 1;
			return NULL;
		}
		r->got[i] = id * PAR_MSGS + idx;
	}
	return NULL;
}

/* Two writers at once feed four readers: every message arrives once. */
TEST_F(sample, two_writers_in_parallel)
{
	struct par_writer w[PAR_WRITERS];
	struct par_reader r[PAR_READERS];
	int seen[PAR_WRITERS * PAR_MSGS] = { 0 };
	int i, j, bad = 0, first = -1;

	memset(r, 0, sizeof(r));
	for (i = 0; i < PAR_READERS; i++) {
		r[i].fd = self->fd;
		ASSERT_EQ(0, pthread_create(&r[i].th, NULL, par_read_fn, &r[i]));
	}
	for (i = 0; i < PAR_WRITERS; i++) {
		w[i] = (struct par_writer){ .fd = self->fd, .id = i };
		ASSERT_EQ(0, pthread_create(&w[i].th, NULL, par_write_fn, &w[i]));
	}
	for (i = 0; i < PAR_WRITERS; i++) {
		ASSERT_EQ(0, wq_join(w[i].th, 3 * WQ_WAIT_MS));
		EXPECT_EQ(0, w[i].failed) TH_LOG("writer %d failed", i);
	}
	for (i = 0; i < PAR_READERS; i++) {
		ASSERT_EQ(0, wq_join(r[i].th, WQ_WAIT_MS));
		ASSERT_EQ(0, r[i].failed) TH_LOG("reader %d failed", i);
		for (j = 0; j < PAR_READS; j++) {
			ASSERT_LE(0, r[i].got[j]);
			ASSERT_GT(PAR_WRITERS * PAR_MSGS, r[i].got[j]);
			seen[r[i].got[j]]++;
		}
	}
	for (i = 0; i < PAR_WRITERS * PAR_MSGS; i++) {
		if (seen[i] == 1)
			continue;
		if (!bad++)
			first = i;
	}
	EXPECT_EQ(0, bad) TH_LOG("%d messages not received once, first %d",
				 bad, first);
	EXPECT_EQ(0, sample_parked());
}

TEST_HARNESS_MAIN
