// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq allocation-failure walk: every allocation and set-up step that a
 * system call of the driver reaches is made to fail, one at a time, and the
 * call must fail cleanly or recover.
 *
 * How, three walks with the kernel's fault injection:
 * - failslab: /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION,
 *   CONFIG_FAILSLAB): writing N makes the Nth injection point this thread
 *   reaches fail. For each path below, N = 1, 2, ... until the call no
 *   longer reaches an Nth point: every slab allocation of the call, in the
 *   VFS, io_submit or the driver, fails once in turn. The page allocator's
 *   points are left out (fail_page_alloc's min-order above any order).
 * - fail_page_alloc: the same with the page allocator's points only
 *   (failslab's cache-filter on, with no cache marked), over the paths
 *   that allocate pages: the ring's resize, 16 KiB bounce buffers, the
 *   probe's kfifos.
 * - fail_function: each failure point of the engine and the driver
 *   (WDFQ_FAIL_POINT(), kmod/include/wdfq_inject.h; the kernel lists them
 *   in /sys/kernel/debug/error_injection/list) returns -ENOMEM on its Kth
 *   call (fail_function's space = K, times = 1), K = 1, 2, ... over each
 *   path that reaches it, until the path no longer makes a Kth call. Every
 *   point the modules register must be in points[] below.
 * The engine's own work items run on other threads and are not reached by
 * fail-nth.
 *
 * After each faulted call: it failed with ENOMEM (or another errno of
 * uapi/linux/wdfq.h) or succeeded; every queue balances and is idle once
 * the call has finished; nothing stays queued or owned; a fresh loopback
 * (write, then read back) works. kmemleak (scanned by the harness at the
 * end of make check) finds nothing; a lock left held is reported by
 * lockdep, which fails make check too. Each site prints what was injected
 * and what the caller saw.
 *
 * With kmemleak on, every other failslab point is kmemleak's own record of
 * the allocation before it, which falls back to its pool: those show "ok".
 *
 * Skips when the kernel has no fail-nth (the Debian kernels), and each
 * walk when the kernel lacks its injector; make check runs it on the debug
 * and kcsan kernels.
 */
#include <linux/aio_abi.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include "kselftest_harness.h"
#include "wdfq_util.h"

#define DEV		"/dev/wdfq0"
#define DRVDIR		"/sys/bus/platform/drivers/wdfq/"
#define RPM_CONTROL	"/sys/bus/platform/devices/wdfq.0/power/control"
#define DBG		"/sys/kernel/debug/"
#define FF		DBG "fail_function/"
#define MAX_SITES	400	/* far more than any path here reaches */

struct walk {
	int fd;			/* the device, opened before any fault */
	int nth;		/* /proc/thread-self/fail-nth */
	const char *point;	/* fail_function's point; NULL: fail-nth */
	aio_context_t aio;
	int left;		/* >= 0: the path ended the injection */
	char buf[WDFQ_MAX_IO];
};

/* Arm the Nth injection point of this thread; 0 disarms. */
static int nth_arm(struct walk *w, unsigned int n)
{
	char b[16];
	int len = snprintf(b, sizeof(b), "%u", n);

	return pwrite(w->nth, b, len, 0) == len ? 0 : -1;
}

/* Points left before the armed one: 0 when the fault was injected. */
static unsigned int nth_left(struct walk *w)
{
	char b[16] = "";

	if (pread(w->nth, b, sizeof(b) - 1, 0) <= 0)
		return 0;
	return strtoul(b, NULL, 10);
}

static int ff_write(const char *file, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), FF "%s", file);
	return wq_sysfs_write(path, val);
}

/* Arm the walk's injector to fail the Nth point (fail-nth) or call. */
static int inj_arm(struct walk *w, unsigned int n)
{
	char b[16];

	w->left = -1;
	if (!w->point)
		return nth_arm(w, n);
	snprintf(b, sizeof(b), "%u", n);
	/* space N: the first N - 1 calls pass */
	return ff_write("space", b) || ff_write("times", "1") ||
	       ff_write("probability", "100") ? -1 : 0;
}

/*
 * Disarm, once, right after the faulted call (before any unfaulted
 * clean-up); w->left: 0 when the fault was injected.
 */
static void inj_end(struct walk *w)
{
	char b[16] = "";

	if (w->left >= 0)
		return;
	if (!w->point) {
		w->left = nth_left(w);
		nth_arm(w, 0);
		return;
	}
	ff_write("probability", "0");
	wq_sysfs_read(FF "times", b, sizeof(b));
	w->left = strtol(b, NULL, 10) != 0;
	ff_write("times", "0");
}

static bool have_page_alloc(void)
{
	return !access(DBG "fail_page_alloc", F_OK);
}

/*
 * Which allocations fail-nth counts: slab (failslab's cache-filter off)
 * and pages (fail_page_alloc's min-order 0) or not.
 */
static int nth_select(bool slab, bool pages)
{
	if (wq_sysfs_write(DBG "failslab/cache-filter", slab ? "N" : "Y"))
		return -1;
	if (!have_page_alloc())
		return pages ? -1 : 0;
	return wq_sysfs_write(DBG "fail_page_alloc/min-order",
			      pages ? "0" : "100");
}

static int failslab_setup(void)
{
	/* GFP_KERNEL allocations too; no stack dump per failure. */
	if (wq_sysfs_write(DBG "failslab/ignore-gfp-wait", "N") ||
	    wq_sysfs_write(DBG "failslab/verbose", "0"))
		return -1;
	/* Absent when CONFIG_FAIL_PAGE_ALLOC is off. */
	if (have_page_alloc()) {
		wq_sysfs_write(DBG "fail_page_alloc/ignore-gfp-wait", "N");
		wq_sysfs_write(DBG "fail_page_alloc/ignore-gfp-highmem", "N");
		wq_sysfs_write(DBG "fail_page_alloc/verbose", "0");
	}
	return nth_select(true, false);
}

/* The paths: each makes one call and returns its result (-errno or >= 0). */

static long p_open(struct walk *w)
{
	int fd = open(DEV, O_RDWR);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static long p_read_ring(struct walk *w)
{
	ssize_t n = read(w->fd, w->buf, 8);

	return n < 0 ? -errno : n;
}

static long p_read_nonblock(struct walk *w)
{
	int fd = open(DEV, O_RDWR | O_NONBLOCK);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, w->buf, 8);
	n = n < 0 ? -errno : n;
	close(fd);
	return n;
}

static long p_write(struct walk *w)
{
	ssize_t n = write(w->fd, "walkwalk", 8);

	return n < 0 ? -errno : n;
}

/* A bounce buffer of WDFQ_MAX_IO bytes: pages, not a slab object. */
static long p_write_large(struct walk *w)
{
	ssize_t n = write(w->fd, w->buf, sizeof(w->buf));

	return n < 0 ? -errno : n;
}

static long p_ioctl(struct walk *w, unsigned long cmd, void *arg)
{
	return ioctl(w->fd, cmd, arg) < 0 ? -errno : 0;
}

static long p_get_info(struct walk *w)
{
	struct wdfq_info info;

	return p_ioctl(w, WDFQ_IOC_GET_INFO, &info);
}

static long p_get_stats(struct walk *w)
{
	struct wdfq_queue_stats s = { .queue = WDFQ_QUEUE_WRITE };

	return p_ioctl(w, WDFQ_IOC_GET_QUEUE_STATS, &s);
}

static long p_stop_wait(struct walk *w)
{
	struct wdfq_queue_ctl c = { .queue = WDFQ_QUEUE_WRITE,
				    .op = WDFQ_CTL_STOP,
				    .flags = WDFQ_CTL_F_WAIT };

	return p_ioctl(w, WDFQ_IOC_QUEUE_CTL, &c);
}

static long p_write_rebuild(struct walk *w)
{
	struct wdfq_params p = { .mask = WDFQ_PARAM_WRITE_LIMIT,
				 .write_limit = 3 };

	return p_ioctl(w, WDFQ_IOC_SET_PARAMS, &p);
}

static long p_ring_resize(struct walk *w)
{
	struct wdfq_params p = { .mask = WDFQ_PARAM_RING_SIZE,
				 .ring_size = 8192 };

	return p_ioctl(w, WDFQ_IOC_SET_PARAMS, &p);
}

static long p_ring_resize_large(struct walk *w)
{
	struct wdfq_params p = { .mask = WDFQ_PARAM_RING_SIZE,
				 .ring_size = 65536 };

	return p_ioctl(w, WDFQ_IOC_SET_PARAMS, &p);
}

static long p_inject(struct walk *w)
{
	struct wdfq_inject inj = { .data = (uintptr_t)"walk", .len = 4 };

	return p_ioctl(w, WDFQ_IOC_INJECT, &inj);
}

static long p_reset_stats(struct walk *w)
{
	struct wdfq_reset_stats r = { 0 };

	return p_ioctl(w, WDFQ_IOC_RESET_STATS, &r);
}

/* One libaio request; a parked read is then given data, unfaulted. */
static long p_aio(struct walk *w, int op)
{
	struct iocb cb = { .aio_fildes = w->fd, .aio_lio_opcode = op,
			   .aio_buf = (uintptr_t)w->buf, .aio_nbytes = 8 };
	struct iocb *cbs[1] = { &cb };
	struct io_event ev;
	long ret;

	if (op == IOCB_CMD_PWRITE)
		memcpy(w->buf, "asyncwal", 8);
	ret = syscall(__NR_io_submit, w->aio, 1, cbs);
	ret = ret < 0 ? -errno : ret;
	/* only the submission is faulted: not the completion's set-up */
	inj_end(w);
	if (ret != 1)
		return ret;
	if (op == IOCB_CMD_PREAD && wq_inject(w->fd, "aiowalk!", 8, 0))
		return -1000;
	if (syscall(__NR_io_getevents, w->aio, 1, 1, &ev, NULL) != 1)
		return -1001;
	return ev.res;
}

static long p_aio_read(struct walk *w)
{
	return p_aio(w, IOCB_CMD_PREAD);
}

static long p_aio_write(struct walk *w)
{
	return p_aio(w, IOCB_CMD_PWRITE);
}

/* Probe: bind the instance again, faulted (the caller unbound it). */
static long p_bind(struct walk *w)
{
	int fd = open(DRVDIR "bind", O_WRONLY);
	long ret;

	if (fd < 0)
		return -errno;
	ret = write(fd, "wdfq.0", 6) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

struct path {
	const char *name;
	long (*call)(struct walk *w);
	void (*before)(struct walk *w);	/* unfaulted set-up */
	void (*after)(struct walk *w);	/* unfaulted clean-up */
};

static void fill_ring(struct walk *w)
{
	wq_inject(w->fd, "ringring", 8, WDFQ_INJECT_F_WAKE);
	wq_wait_ring(w->fd, 8);
}

static void drain_ring(struct walk *w)
{
	wq_drain(DEV, NULL, 0);
}

static void on_alarm(int sig)
{
}

/*
 * A blocking read with nothing to read: its handler allocates the bounce
 * buffer and parks it; a SIGALRM (no SA_RESTART, repeated until the read
 * returns, so one arrives once it waits) ends it with EINTR.
 */
static void alarm_on(struct walk *w)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_interval = { .tv_usec = 20000 },
				.it_value = { .tv_usec = 20000 } };

	drain_ring(w);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

static void alarm_off(struct walk *w)
{
	struct itimerval it = { 0 };

	setitimer(ITIMER_REAL, &it, NULL);
	drain_ring(w);
}

static long p_read_parks(struct walk *w)
{
	ssize_t n = read(w->fd, w->buf, 8);

	return n < 0 ? -errno : n;
}

static void write_settle(struct walk *w)
{
	wq_ctl(w->fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_START, 0);
	wq_set(w->fd, WDFQ_PARAM_ALL, 1000, 4, 0, 16384);
	drain_ring(w);
}

static void unbind(struct walk *w)
{
	close(w->fd);
	w->fd = -1;
	wq_sysfs_write(DRVDIR "unbind", "wdfq.0");
}

static void rebind(struct walk *w)
{
	if (access(DEV, F_OK))
		wq_sysfs_write(DRVDIR "bind", "wdfq.0");
	w->fd = open(DEV, O_RDWR);
}

enum {
	P_OPEN, P_READ_RING, P_READ_NONBLOCK, P_READ_PARKS, P_WRITE,
	P_WRITE_LARGE, P_GET_INFO, P_GET_STATS, P_STOP_WAIT, P_WRITE_REBUILD,
	P_RING_RESIZE, P_RING_RESIZE_LARGE, P_INJECT, P_RESET_STATS,
	P_AIO_READ, P_AIO_WRITE, P_BIND, NR_PATHS
};

#define PATH(n, c, ...) { .name = n, .call = c, __VA_ARGS__ }
static const struct path paths[NR_PATHS] = {
	[P_OPEN] = PATH("open", p_open),
	[P_READ_RING] = PATH("read from the ring", p_read_ring,
			     .before = fill_ring, .after = drain_ring),
	[P_READ_NONBLOCK] = PATH("read, O_NONBLOCK, nothing to read",
				 p_read_nonblock),
	[P_READ_PARKS] = PATH("read, nothing to read (parks; EINTR)",
			      p_read_parks, .before = alarm_on,
			      .after = alarm_off),
	[P_WRITE] = PATH("write (loopback)", p_write, .after = drain_ring),
	[P_WRITE_LARGE] = PATH("write 16 KiB (loopback)", p_write_large,
			       .after = drain_ring),
	[P_GET_INFO] = PATH("GET_INFO", p_get_info),
	[P_GET_STATS] = PATH("GET_QUEUE_STATS", p_get_stats),
	[P_STOP_WAIT] = PATH("QUEUE_CTL STOP, WAIT", p_stop_wait,
			     .after = write_settle),
	[P_WRITE_REBUILD] = PATH("SET_PARAMS write_limit (queue rebuild)",
				 p_write_rebuild, .after = write_settle),
	[P_RING_RESIZE] = PATH("SET_PARAMS ring_size", p_ring_resize,
			       .after = write_settle),
	[P_RING_RESIZE_LARGE] = PATH("SET_PARAMS ring_size 64 KiB",
				     p_ring_resize_large,
				     .after = write_settle),
	[P_INJECT] = PATH("INJECT", p_inject, .after = drain_ring),
	[P_RESET_STATS] = PATH("RESET_STATS", p_reset_stats),
	[P_AIO_READ] = PATH("io_submit read (parks)", p_aio_read,
			    .after = drain_ring),
	[P_AIO_WRITE] = PATH("io_submit write", p_aio_write,
			     .after = drain_ring),
	[P_BIND] = PATH("bind (probe: queues, device)", p_bind,
			.before = unbind, .after = rebind),
};

/*
 * The paths that allocate pages: a bounce buffer and a ring too large for
 * a slab object (the ring falls back to vmalloc), the kfifos of the probe.
 */
static const unsigned int page_paths[] = {
	P_WRITE_LARGE, P_RING_RESIZE, P_RING_RESIZE_LARGE, P_BIND,
};

/* The failure points of kmod/ (WDFQ_FAIL_POINT()) and paths reaching them. */
struct point {
	const char *name;
	unsigned int nr;
	unsigned int path[4];
};

#define POINT(n, ...) { .name = n, \
	.nr = sizeof((unsigned int[]){ __VA_ARGS__ }) / sizeof(unsigned int), \
	.path = { __VA_ARGS__ } }
static const struct point points[] = {
	POINT("wdfq_fail_device_create", P_BIND),
	POINT("wdfq_fail_queue_create", P_BIND, P_WRITE_REBUILD),
	POINT("wdfq_fail_request_alloc", P_READ_RING, P_WRITE, P_GET_INFO,
	      P_AIO_WRITE),
	POINT("drv_fail_kfifo_alloc", P_BIND),
	POINT("drv_fail_misc_register", P_BIND),
	POINT("drv_fail_open", P_OPEN),
	POINT("drv_fail_aio_new", P_AIO_READ, P_AIO_WRITE),
	POINT("drv_fail_ring_resize", P_RING_RESIZE),
	POINT("drv_fail_write_route", P_WRITE_REBUILD),
};

/*
 * A write loops back and is read again: the device still works. On
 * failure @why says which step failed and what was read.
 */
static int loopback(int fd, char *why, size_t len)
{
	struct wdfq_queue_stats s = { 0 };
	char b[9] = "";
	ssize_t n;

	if (write(fd, "alive!!!", 8) != 8) {
		snprintf(why, len, "write: %s", strerror(errno));
		return -1;
	}
	if (wq_wait_ring(fd, 8)) {
		wq_stats(fd, WDFQ_QUEUE_CONTROL, &s);
		snprintf(why, len, "ring holds %llu bytes: %s",
			 (unsigned long long)s.ring_bytes, strerror(errno));
		return -1;
	}
	n = read(fd, b, 8);
	if (n != 8 || memcmp(b, "alive!!!", 8)) {
		snprintf(why, len, "read %zd: \"%.*s\"%s", n,
			 n > 0 ? (int)n : 0, b, n < 0 ? strerror(errno) : "");
		return -1;
	}
	return 0;
}

static bool clean_errno(long ret)
{
	switch (-ret) {
	case ENOMEM: case EAGAIN: case EINTR: case ENODEV:
		return true;
	default:
		return ret >= 0;
	}
}

/* The runner reads a pipe: show each line as it comes. */
static void __attribute__((constructor)) line_buffered(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* A site may not hang the walk: a blocked call ends with EINTR instead. */
#define SITE_LIMIT_S	30

static void site_alarm(int sig)
{
}

FIXTURE(faults) {
	struct walk w;
	char rpm_control[32];
};

FIXTURE_SETUP(faults)
{
	struct wdfq_queue_stats st;

	self->w.fd = -1;
	self->rpm_control[0] = 0;
	if (access("/proc/thread-self/fail-nth", W_OK) ||
	    access(DBG "failslab", F_OK))
		SKIP(return, "no fail-nth or failslab in this kernel");
	ASSERT_EQ(0, failslab_setup());
	TH_LOG("failslab set up");
	/*
	 * Kept active (power/control=on): input injected without WAKE into
	 * a runtime-suspended device waits there until it resumes (by
	 * design; wdfq_pm covers it), and a walk slow enough to let it
	 * autosuspend between two steps would find those bytes only in its
	 * next loopback.
	 */
	ASSERT_EQ(0, wq_sysfs_read(RPM_CONTROL, self->rpm_control,
				   sizeof(self->rpm_control)));
	ASSERT_EQ(0, wq_sysfs_write(RPM_CONTROL, "on"));
	self->w.nth = open("/proc/thread-self/fail-nth", O_RDWR);
	ASSERT_LE(0, self->w.nth);
	/* touched now: no page fault of the walk's own is faulted */
	memset(self->w.buf, 'w', sizeof(self->w.buf));
	self->w.fd = open(DEV, O_RDWR);
	ASSERT_LE(0, self->w.fd);
	ASSERT_EQ(0, wq_reset_device(self->w.fd, DEV));
	TH_LOG("device reset");
	/* What an earlier program left behind would take our bytes. */
	ASSERT_EQ(0, wq_settled(self->w.fd, &st)) {
		TH_LOG("busy before the walk: queue %u queued %u owned %u",
		       st.queue, st.queued, st.driver_owned);
	}
	ASSERT_EQ(0, syscall(__NR_io_setup, 64, &self->w.aio));
	ASSERT_EQ(0, sigaction(SIGALRM, &(struct sigaction){
		.sa_handler = site_alarm }, NULL));
}

FIXTURE_TEARDOWN(faults)
{
	nth_select(true, false);
	/* a walk ended (timeout, assertion) between unbind and rebind */
	if (self->w.fd < 0 && access(DEV, F_OK) && !access(DRVDIR, F_OK))
		rebind(&self->w);
	if (self->w.aio)
		syscall(__NR_io_destroy, self->w.aio);
	if (self->w.fd >= 0) {
		wq_reset_device(self->w.fd, DEV);
		close(self->w.fd);
	}
	if (self->rpm_control[0])
		wq_sysfs_write(RPM_CONTROL, self->rpm_control);
}

/*
 * Fail the 1st, 2nd, ... injection point (or call of w->point) that @p
 * reaches, until it reaches no more; print what the caller saw at each.
 * Return: the number of sites.
 */
static unsigned int walk_path(struct __test_metadata *_metadata,
			      struct walk *w, const char *what,
			      const struct path *p)
{
	struct wdfq_queue_stats st;
	unsigned int n, sites;
	uint64_t t0, took;
	char line[2048], why[128];
	size_t at;
	long ret;

	at = snprintf(line, sizeof(line), "%s: %s:", what, p->name);
	for (n = 1, sites = 0; n <= MAX_SITES; n++) {
		alarm(SITE_LIMIT_S);
		if (p->before)
			p->before(w);
		if (inj_arm(w, n)) {
			alarm(0);
			EXPECT_TRUE(0) TH_LOG("%s: cannot arm %u", what, n);
			break;
		}
		t0 = wq_now_ms();
		ret = p->call(w);
		took = wq_now_ms() - t0;
		inj_end(w);
		if (w->left) {	/* the call ended before point n */
			if (p->after)
				p->after(w);
			break;
		}
		sites++;
		if (at < sizeof(line) - 32)
			at += snprintf(line + at, sizeof(line) - at, " %u:%s",
				       n, ret < 0 ? strerror(-ret) : "ok");
		if (p->after)
			p->after(w);
		ASSERT_LE(0, w->fd);
		/* only the watchdog's alarm ended it: it hung */
		EXPECT_GT(SITE_LIMIT_S * 1000 - 1000, took) {
			TH_LOG("%s: %s, fault %u: blocked until the alarm",
			       what, p->name, n);
		}
		EXPECT_TRUE(clean_errno(ret)) {
			TH_LOG("%s: %s, fault %u: returned %ld", what,
			       p->name, n, ret);
		}
		EXPECT_EQ(0, wq_settled(w->fd, &st)) {
			TH_LOG("%s: %s, fault %u: queue %u queued %u owned %u bugs %llu",
			       what, p->name, n, st.queue, st.queued,
			       st.driver_owned,
			       (unsigned long long)st.driver_bugs);
		}
		EXPECT_EQ(0, loopback(w->fd, why, sizeof(why))) {
			TH_LOG("%s: %s, fault %u: no loopback afterwards (%s)",
			       what, p->name, n, why);
		}
		alarm(0);
	}
	alarm(0);
	EXPECT_LT(n, MAX_SITES);
	printf("# %s (%u sites)\n", line, sites);
	fflush(stdout);
	return sites;
}

TEST_F_TIMEOUT(faults, every_allocation_of_every_path, 1200)
{
	unsigned int i;

	for (i = 0; i < NR_PATHS; i++)
		walk_path(_metadata, &self->w, "failslab", &paths[i]);
}

TEST_F_TIMEOUT(faults, every_page_allocation, 1200)
{
	unsigned int i;

	if (!have_page_alloc())
		SKIP(return, "no fail_page_alloc in this kernel");
	ASSERT_EQ(0, nth_select(false, true));
	for (i = 0; i < ARRAY_SIZE(page_paths); i++)
		walk_path(_metadata, &self->w, "fail_page_alloc",
			  &paths[page_paths[i]]);
	ASSERT_EQ(0, nth_select(true, false));
}

/* Is @name one of points[]? */
static bool known_point(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(points); i++)
		if (!strcmp(points[i].name, name))
			return true;
	return false;
}

TEST_F_TIMEOUT(faults, every_failure_point, 1200)
{
	struct walk *w = &self->w;
	char what[96], file[128], line[256], name[128], mod[64];
	unsigned int i, k, sites, found = 0;
	FILE *list;

	if (access(FF "inject", W_OK))
		SKIP(return, "no fail_function in this kernel");
	/* Every point the modules register is walked, and only those. */
	list = fopen(DBG "error_injection/list", "r");
	ASSERT_NE(NULL, list);
	while (fgets(line, sizeof(line), list)) {
		if (sscanf(line, "%127s [%63[^]]]", name, mod) != 2 ||
		    (strcmp(mod, "wdfq") && strcmp(mod, "wdfq_engine")))
			continue;
		found++;
		EXPECT_TRUE(known_point(name)) {
			TH_LOG("%s [%s] is not in points[]", name, mod);
		}
	}
	fclose(list);
	EXPECT_EQ(ARRAY_SIZE(points), found);

	ASSERT_EQ(0, ff_write("probability", "0"));
	ASSERT_EQ(0, ff_write("times", "0"));
	ASSERT_EQ(0, ff_write("interval", "1"));
	ASSERT_EQ(0, ff_write("verbose", "0"));
	ASSERT_EQ(0, ff_write("task-filter", "N"));
	for (i = 0; i < ARRAY_SIZE(points); i++) {
		const struct point *pt = &points[i];

		ASSERT_EQ(0, ff_write("inject", pt->name)) {
			TH_LOG("%s: not an injection point", pt->name);
		}
		snprintf(file, sizeof(file), "%s/retval", pt->name);
		/* -ENOMEM as a 64-bit value (fail_function takes it so) */
		ASSERT_EQ(0, ff_write(file, "0xfffffffffffffff4"));
		snprintf(what, sizeof(what), "fail_function %s = -ENOMEM",
			 pt->name);
		w->point = pt->name;
		for (k = 0; k < pt->nr; k++) {
			sites = walk_path(_metadata, w, what,
					  &paths[pt->path[k]]);
			EXPECT_LT(0, sites) {
				TH_LOG("%s: not reached by %s", pt->name,
				       paths[pt->path[k]].name);
			}
		}
		w->point = NULL;
		snprintf(line, sizeof(line), "!%s", pt->name);
		ASSERT_EQ(0, ff_write("inject", line));
	}
}

TEST_HARNESS_MAIN
