/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the wdfq kselftests. Timing on QEMU TCG is slow and
 * uneven: tests synchronize on the driver's statistics (GET_QUEUE_STATS)
 * instead of sleeping, and every wait has a generous limit.
 */
#ifndef WDFQ_UTIL_H
#define WDFQ_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/wdfq.h>

/* EXPECT_EQ(1, some_u32) compares int with unsigned: harmless here. */
#pragma GCC diagnostic ignored "-Wsign-compare"

#define WQ_WAIT_MS	20000	/* limit for anything we wait for */

static inline uint64_t wq_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static inline void wq_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static inline int wq_stats(int fd, unsigned int q, struct wdfq_queue_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->queue = q;
	return ioctl(fd, WDFQ_IOC_GET_QUEUE_STATS, s);
}

static inline int wq_ctl(int fd, unsigned int q, unsigned int op,
			 unsigned int flags)
{
	struct wdfq_queue_ctl c = { .queue = q, .op = op, .flags = flags };

	return ioctl(fd, WDFQ_IOC_QUEUE_CTL, &c);
}

static inline int wq_inject(int fd, const void *p, size_t n,
			    unsigned int flags)
{
	struct wdfq_inject inj = {
		.data = (uintptr_t)p, .len = n, .flags = flags,
	};

	return ioctl(fd, WDFQ_IOC_INJECT, &inj);
}

static inline int wq_set(int fd, unsigned int mask, unsigned int latency_us,
			 unsigned int limit, unsigned int gen,
			 unsigned int ring)
{
	struct wdfq_params p = {
		.mask = mask, .write_latency_us = latency_us,
		.write_limit = limit, .gen_rate_hz = gen, .ring_size = ring,
	};

	return ioctl(fd, WDFQ_IOC_SET_PARAMS, &p);
}

static inline int wq_reset_stats(int fd)
{
	struct wdfq_reset_stats r = { 0 };

	return ioctl(fd, WDFQ_IOC_RESET_STATS, &r);
}

/* The queue reads park on: pending, or the manual read queue. */
static inline unsigned int wq_parked_q(const struct wdfq_info *info)
{
	return info->read_path == WDFQ_READ_PATH_NOTIFY ?
	       WDFQ_QUEUE_READ : WDFQ_QUEUE_PENDING;
}

/* Wait until queue @q has exactly @n queued requests. */
static inline int wq_wait_queued(int fd, unsigned int q, unsigned int n)
{
	uint64_t end = wq_now_ms() + WQ_WAIT_MS;
	struct wdfq_queue_stats s;

	do {
		if (wq_stats(fd, q, &s))
			return -1;
		if (s.queued == n)
			return 0;
		wq_sleep_ms(5);
	} while (wq_now_ms() < end);
	errno = ETIMEDOUT;
	return -1;
}

/* Wait until queue @q has exactly @n requests in the driver's hands. */
static inline int wq_wait_owned(int fd, unsigned int q, unsigned int n)
{
	uint64_t end = wq_now_ms() + WQ_WAIT_MS;
	struct wdfq_queue_stats s;

	do {
		if (wq_stats(fd, q, &s))
			return -1;
		if (s.driver_owned == n)
			return 0;
		wq_sleep_ms(5);
	} while (wq_now_ms() < end);
	errno = ETIMEDOUT;
	return -1;
}

/* Wait until @path exists (@present) or is gone (!@present). */
static inline int wq_wait_path(const char *path, int present)
{
	uint64_t end = wq_now_ms() + WQ_WAIT_MS;

	do {
		if ((access(path, F_OK) == 0) == present)
			return 0;
		wq_sleep_ms(10);
	} while (wq_now_ms() < end);
	errno = ETIMEDOUT;
	return -1;
}

/* Is module @name in /proc/modules? */
static inline int wq_mod_loaded(const char *name)
{
	char line[256];
	size_t n = strlen(name);
	FILE *f = fopen("/proc/modules", "r");
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ' ')
			found = 1;
	fclose(f);
	return found;
}

/* The driver module's file: $WDFQ_KO, or where the test VM keeps it. */
static inline const char *wq_ko_path(void)
{
	const char *p = getenv("WDFQ_KO");

	return p ? p : "/wdfq/modules/wdfq.ko";
}

/* Insert the driver module with @params (finit_module). */
static inline int wq_load_driver(const char *params)
{
	int fd = open(wq_ko_path(), O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, params, 0);
	close(fd);
	return ret;
}

/* Wait until the ring holds at least @n bytes. */
static inline int wq_wait_ring(int fd, uint64_t n)
{
	uint64_t end = wq_now_ms() + WQ_WAIT_MS;
	struct wdfq_queue_stats s;

	do {
		if (wq_stats(fd, WDFQ_QUEUE_CONTROL, &s))
			return -1;
		if (s.ring_bytes >= n)
			return 0;
		wq_sleep_ms(5);
	} while (wq_now_ms() < end);
	errno = ETIMEDOUT;
	return -1;
}

/* Read everything buffered now (non-blocking); returns the bytes read. */
static inline ssize_t wq_drain(const char *path, void *buf, size_t cap)
{
	int fd = open(path, O_RDWR | O_NONBLOCK);
	size_t got = 0;
	char tmp[WDFQ_MAX_IO];
	int quiet = 0;

	if (fd < 0)
		return -1;
	while (quiet < 3) {
		ssize_t n = read(fd, tmp, sizeof(tmp));

		if (n > 0) {
			if (buf && got + n <= cap)
				memcpy((char *)buf + got, tmp, n);
			got += n;
			quiet = 0;
		} else {
			quiet++;
			wq_sleep_ms(30);
		}
	}
	close(fd);
	return got;
}

/* Put the device back into a known state: defaults, all queues started. */
static inline int wq_reset_device(int fd, const char *path)
{
	unsigned int q;

	for (q = 0; q < WDFQ_NR_QUEUES; q++)
		if (q != WDFQ_QUEUE_CONTROL)
			wq_ctl(fd, q, WDFQ_CTL_START, 0);
	/*
	 * Empty the ring before it shrinks back to the default: the driver
	 * refuses (EBUSY) to shrink a ring below the bytes it holds.
	 */
	if (wq_set(fd, WDFQ_PARAM_GEN_RATE, 0, 0, 0, 0))
		return -1;
	wq_drain(path, NULL, 0);
	if (wq_set(fd, WDFQ_PARAM_ALL, 1000, 4, 0, 16384))
		return -1;
	return wq_reset_stats(fd);
}

/* A thread blocked in one read(2). */
struct wq_reader {
	pthread_t th;
	int fd;
	size_t len;
	ssize_t ret;
	int err;
	int done;
	char buf[WDFQ_MAX_IO];
};

static inline void *wq_reader_fn(void *arg)
{
	struct wq_reader *r = arg;

	r->ret = read(r->fd, r->buf, r->len);
	r->err = r->ret < 0 ? errno : 0;
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static inline int wq_reader_start(struct wq_reader *r, int fd, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->len = len;
	return pthread_create(&r->th, NULL, wq_reader_fn, r);
}

static inline int wq_reader_done(struct wq_reader *r)
{
	return __atomic_load_n(&r->done, __ATOMIC_ACQUIRE);
}

/* Join with a limit; returns 0 if the thread finished. */
static inline int wq_join(pthread_t th, unsigned int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return pthread_timedjoin_np(th, NULL, &ts);
}

/* sysfs helpers */
static inline int wq_sysfs_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

static inline int wq_sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -1 : 0;
}

/* Check the balance rule of the engine's counters. */
static inline int wq_balanced(const struct wdfq_queue_stats *s)
{
	return s->arrived + s->forwarded_in ==
	       s->completed + s->cancelled + s->forwarded_out + s->queued +
	       s->driver_owned;
}

/*
 * Wait until every queue balances, holds nothing and counts no driver bug
 * (the control queue holds the GET_QUEUE_STATS asking). -1 at once on an
 * unbalanced queue or a driver bug, or after WQ_WAIT_MS; @st is then the
 * queue that failed.
 */
static inline int wq_settled(int fd, struct wdfq_queue_stats *st)
{
	uint64_t end = wq_now_ms() + WQ_WAIT_MS;
	unsigned int q, quiet;

	do {
		for (q = 0, quiet = 0; q < WDFQ_NR_QUEUES; q++) {
			if (wq_stats(fd, q, st)) {
				quiet++;	/* absent in this topology */
				continue;
			}
			if (!wq_balanced(st) || st->driver_bugs)
				return -1;
			quiet += !st->queued &&
				 st->driver_owned <= (q == WDFQ_QUEUE_CONTROL);
		}
		if (quiet == WDFQ_NR_QUEUES)
			return 0;
		wq_sleep_ms(10);
	} while (wq_now_ms() < end);
	return -1;
}

#endif /* WDFQ_UTIL_H */
