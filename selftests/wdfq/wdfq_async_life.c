// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq asynchronous requests through the events of their life: a purge, a
 * system sleep and an unbind with libaio and io_uring reads and writes in
 * flight; SIGKILL, exit, close, ring teardown and io_destroy with requests
 * in flight; very deep batches against the per-open and per-device limits;
 * a write queue stopped under io_uring writes.
 *
 * Every submission gets exactly one completion (libaio event or io_uring
 * CQE) with its documented status, none comes later, and the queue counters
 * balance with nothing queued or in the driver's hands at the end.
 *
 * libaio reads park in the driver (pending queue). io_uring reads with no
 * data wait in io_uring's own poll (IOCB_NOWAIT acts as O_NONBLOCK) and are
 * not in the driver; with IOSQE_ASYNC they run on io_uring's worker
 * threads, which take the blocking path and park in the driver.
 *
 * Runs on /dev/wdfq0 (read_path 0).
 */
#include <sys/wait.h>
#include <limits.h>

#include "kselftest_harness.h"
#include "wdfq_util.h"
#include "wdfq_async.h"

#define DEV		"/dev/wdfq0"
#define DRVDIR		"/sys/bus/platform/drivers/wdfq/"
#define RPM_CONTROL	"/sys/class/misc/wdfq0/device/power/control"
#define BLK		32		/* bytes of every read and write */
#define LONG_US		10000000	/* a transfer that outlasts the test */

/* What is in flight in the life-event tests, and its user_data. */
#define NAR		4	/* libaio reads, parked in the driver */
#define NUR		2	/* io_uring reads, in io_uring's poll */
#define NAW		3	/* libaio writes */
#define NUW		3	/* io_uring writes */
#define NEV		(NAR + NAW)
#define NCQE		(NUR + NUW)
enum { K_AR, K_UR, K_AW, K_UW, K_NR };
#define UD(k, i)	((uint64_t)(k) << 16 | (i))

struct flight {
	char buf[K_NR][4][BLK];
	struct iocb cb[K_NR][4];
	long res[K_NR][4];
	int seen[K_NR][4];
};

FIXTURE(life) {
	int fd;
	struct wdfq_info info;
	unsigned int parked;
	aio_context_t ctx;
	struct wq_ring r;
};

/* QUEUE_CTL that says why it failed. */
static int ctl(int fd, unsigned int q, unsigned int op, unsigned int flags)
{
	int ret = wq_ctl(fd, q, op, flags);

	if (ret)
		ksft_print_msg("QUEUE_CTL queue %u op %u flags %u: %s\n", q, op,
			       flags, strerror(errno));
	return ret;
}

/*
 * The device behind /dev/wdfq0 and its driver's sysfs folder: the platform
 * device wdfq.0 (simulated backend) or an edu PCI device. Found while
 * /dev/wdfq0 is bound (the fixture's setup); the platform one otherwise.
 */
static char drv_dir[PATH_MAX] = DRVDIR;
static char dev0[NAME_MAX + 1] = "wdfq.0";

static void find_dev0(void)
{
	char link[PATH_MAX], dir[PATH_MAX];
	ssize_t n;
	char *base;

	n = readlink("/sys/class/misc/wdfq0/device", link, sizeof(link) - 1);
	if (n <= 0 || !realpath("/sys/class/misc/wdfq0/device/driver", dir))
		return;
	link[n] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (strlen(base) >= sizeof(dev0) || strlen(dir) + 2 > sizeof(drv_dir))
		return;
	strcpy(dev0, base);
	strcpy(drv_dir, dir);
	strcat(drv_dir, "/");
}

static int drv_file(const char *name, char *path, size_t len)
{
	return snprintf(path, len, "%s%s", drv_dir, name) >= (int)len ? -1 : 0;
}

static int bind0(void)
{
	char path[PATH_MAX];

	if (access(DEV, F_OK) &&
	    (drv_file("bind", path, sizeof(path)) ||
	     wq_sysfs_write(path, dev0)))
		return -1;
	return wq_wait_path(DEV, 1);
}

FIXTURE_SETUP(life)
{
	self->ctx = 0;
	self->r.fd = 0;
	if (geteuid())
		SKIP(return, "needs root (INJECT, QUEUE_CTL, SET_PARAMS)");
	bind0();
	find_dev0();
	self->fd = open(DEV, O_RDWR);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, DEV " not present");
	ASSERT_LE(0, self->fd) TH_LOG("open: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(self->fd, WDFQ_IOC_GET_INFO, &self->info));
	if (self->info.read_path != WDFQ_READ_PATH_FORWARD)
		SKIP(return, DEV " has read_path 1");
	self->parked = WDFQ_QUEUE_PENDING;
	ASSERT_EQ(0, wq_reset_device(self->fd, DEV));
	ASSERT_EQ(0, wq_io_setup(1024, &self->ctx));
	if (wq_ring_init(&self->r, 64) && (errno == ENOSYS || errno == EPERM))
		SKIP(return, "io_uring not available");
	ASSERT_LT(0, self->r.fd) TH_LOG("io_uring_setup: %s",
					strerror(errno));
}

FIXTURE_TEARDOWN(life)
{
	int fd;

	wq_ring_exit(&self->r);
	if (self->ctx)
		wq_io_destroy(self->ctx);
	if (self->fd >= 0)
		close(self->fd);
	if (geteuid())
		return;
	bind0();
	fd = open(DEV, O_RDWR);
	if (fd < 0)
		return;
	ctl(fd, WDFQ_QUEUE_PENDING, WDFQ_CTL_PURGE, WDFQ_CTL_F_WAIT);
	ctl(fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_PURGE, WDFQ_CTL_F_WAIT);
	wq_reset_device(fd, DEV);
	close(fd);
}

/* Wait until @q has @queued requests queued and @owned in the driver. */
static int wait_q(int fd, unsigned int q, unsigned int queued,
		  unsigned int owned)
{
	uint64_t end = wq_now_ms() + WQ_WAIT_MS;
	struct wdfq_queue_stats s;

	do {
		if (wq_stats(fd, q, &s))
			return -1;
		if (s.queued == queued && s.driver_owned == owned)
			return 0;
		wq_sleep_ms(5);
	} while (wq_now_ms() < end);
	errno = ETIMEDOUT;
	return -1;
}

/*
 * Nothing queued or in the driver on any data queue, and every queue's
 * counters balance; waits for completions still on their way.
 */
static int all_idle(struct __test_metadata *_metadata, int fd)
{
	static const unsigned int qs[] = {
		WDFQ_QUEUE_READ, WDFQ_QUEUE_PENDING, WDFQ_QUEUE_WRITE,
		WDFQ_QUEUE_EVENTS,
	};
	struct wdfq_queue_stats s;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(qs); i++) {
		if (wait_q(fd, qs[i], 0, 0)) {
			TH_LOG("queue %u: not idle", qs[i]);
			return -1;
		}
		if (wq_stats(fd, qs[i], &s) || !wq_balanced(&s)) {
			TH_LOG("queue %u: counters do not balance", qs[i]);
			return -1;
		}
	}
	if (wq_stats(fd, WDFQ_QUEUE_CONTROL, &s) || s.write_inflight) {
		TH_LOG("%u write transfers still running", s.write_inflight);
		return -1;
	}
	return 0;
}

/*
 * The open file's budget is whole again: file_max_requests libaio reads
 * all park (none gets -EAGAIN); a purge then ends them with -ECANCELED.
 */
static int budget_whole(struct __test_metadata *_metadata, int fd,
			aio_context_t ctx, unsigned int max)
{
	static struct io_event ev[1024];
	static char in[64];
	struct iocb *cbp[1024];
	static struct iocb cb[1024];
	unsigned int i;
	int n;

	if (max > 1024)
		return -1;
	for (i = 0; i < max; i++) {
		wq_iocb(&cb[i], fd, IOCB_CMD_PREAD, in, sizeof(in), i);
		cbp[i] = &cb[i];
	}
	if (wq_io_submit(ctx, max, cbp) != (int)max)
		return -1;
	if (wait_q(fd, WDFQ_QUEUE_PENDING, max, 0)) {
		TH_LOG("budget not whole: %d events", wq_aio_peek(ctx, ev, 1024));
		return -1;
	}
	if (ctl(fd, WDFQ_QUEUE_PENDING, WDFQ_CTL_PURGE, WDFQ_CTL_F_WAIT))
		return -1;
	n = wq_aio_reap(ctx, ev, max);
	if (n != (int)max)
		return -1;
	for (i = 0; i < max; i++)
		if ((long)ev[i].res != -ECANCELED)
			return -1;
	return ctl(fd, WDFQ_QUEUE_PENDING, WDFQ_CTL_START, 0);
}

static void fill(char *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (char)(seed * 131 + i * 7 + 1);
}

/*
 * Put the flight in the air: NAR libaio reads parked, NUR io_uring reads
 * in io_uring's poll, then NAW libaio and NUW io_uring writes against a
 * write queue of limit 4: the libaio ones and the first io_uring one run,
 * the other io_uring writes wait in io_uring's poll.
 */
static int launch(struct __test_metadata *_metadata, int fd,
		  aio_context_t ctx, struct wq_ring *r, struct flight *f,
		  unsigned int latency_us)
{
	struct iocb *cbp[4];
	struct wdfq_queue_stats s;
	int i;

	memset(f, 0, sizeof(*f));
	if (wq_set(fd, WDFQ_PARAM_WRITE_LATENCY | WDFQ_PARAM_WRITE_LIMIT,
		   latency_us, 4, 0, 0) || wq_reset_stats(fd))
		return -1;
	for (i = 0; i < NAR; i++) {
		wq_iocb(&f->cb[K_AR][i], fd, IOCB_CMD_PREAD, f->buf[K_AR][i],
			BLK, UD(K_AR, i));
		cbp[i] = &f->cb[K_AR][i];
	}
	if (wq_io_submit(ctx, NAR, cbp) != NAR ||
	    wait_q(fd, WDFQ_QUEUE_PENDING, NAR, 0))
		return -1;
	for (i = 0; i < NUR; i++)
		wq_prep_rw(wq_ring_sqe(r), IORING_OP_READ, fd, f->buf[K_UR][i],
			   BLK, UD(K_UR, i));
	if (wq_ring_enter(r, NUR, 0) != NUR)
		return -1;
	for (i = 0; i < NAW; i++) {
		memset(f->buf[K_AW][i], 'A' + i, BLK);
		wq_iocb(&f->cb[K_AW][i], fd, IOCB_CMD_PWRITE, f->buf[K_AW][i],
			BLK, UD(K_AW, i));
		cbp[i] = &f->cb[K_AW][i];
	}
	if (wq_io_submit(ctx, NAW, cbp) != NAW)
		return -1;
	for (i = 0; i < NUW; i++) {
		memset(f->buf[K_UW][i], 'a' + i, BLK);
		wq_prep_rw(wq_ring_sqe(r), IORING_OP_WRITE, fd,
			   f->buf[K_UW][i], BLK, UD(K_UW, i));
	}
	if (wq_ring_enter(r, NUW, 0) != NUW)
		return -1;
	/* The io_uring reads are not in the driver. */
	if (wq_stats(fd, WDFQ_QUEUE_PENDING, &s) || s.queued != NAR) {
		TH_LOG("pending: %u queued", s.queued);
		return -1;
	}
	return 0;
}

/* Record one completion; -1 if it is unknown or a second one. */
static int note(struct flight *f, uint64_t ud, long res)
{
	unsigned int k = ud >> 16, i = ud & 0xffff;

	if (k >= K_NR || i >= 4 || f->seen[k][i]++)
		return -1;
	f->res[k][i] = res;
	return 0;
}

/* Collect every completion of the flight, exactly once each. */
static int land(struct __test_metadata *_metadata, aio_context_t ctx,
		struct wq_ring *r, struct flight *f)
{
	struct io_event ev[NEV];
	struct io_uring_cqe cqe[NCQE];
	int i, n;

	n = wq_aio_reap(ctx, ev, NEV);
	if (n != NEV) {
		TH_LOG("%d of %d libaio events", n, NEV);
		return -1;
	}
	for (i = 0; i < NEV; i++)
		if (note(f, ev[i].data, (long)ev[i].res))
			return -1;
	n = wq_ring_reap(r, cqe, NCQE);
	if (n != NCQE) {
		TH_LOG("%d of %d io_uring completions", n, NCQE);
		return -1;
	}
	for (i = 0; i < NCQE; i++)
		if (note(f, cqe[i].user_data, cqe[i].res))
			return -1;
	return 0;
}

/*
 * None comes after: data injected now stays in the ring (no forgotten read
 * takes it) and no completion is posted.
 */
static int none_after(struct __test_metadata *_metadata, int fd,
		      aio_context_t ctx, struct wq_ring *r)
{
	struct io_event ev[4];
	char data[64];

	fill(data, sizeof(data), 77);
	if (wq_inject(fd, data, sizeof(data), 0) ||
	    wq_wait_ring(fd, sizeof(data)))
		return -1;
	if (wq_aio_peek(ctx, ev, 4) || wq_ring_ready(r)) {
		TH_LOG("a completion after the last one");
		return -1;
	}
	return wq_drain(DEV, NULL, 0) == sizeof(data) ? 0 : -1;
}

static void log_flight(struct __test_metadata *_metadata, struct flight *f)
{
	static const char *const kn[K_NR] = { "aio-r", "uring-r", "aio-w",
					       "uring-w" };
	int k;

	for (k = 0; k < K_NR; k++)
		TH_LOG("%s: %ld %ld %ld %ld", kn[k], f->res[k][0],
		       f->res[k][1], f->res[k][2], f->res[k][3]);
}

/*
 * A purge of the read side and of the write queue with the flight in the
 * air: parked libaio reads and running writes end with -ECANCELED; the
 * io_uring requests waiting in io_uring's poll were never queued and fail
 * like any new request on a side that refuses them, -ESHUTDOWN.
 */
TEST_F(life, purge)
{
	static struct flight f;
	struct wdfq_queue_stats s;
	int i, ecanceled = 0;

	ASSERT_EQ(0, launch(_metadata, self->fd, self->ctx, &self->r, &f,
			    LONG_US));
	ASSERT_EQ(0, wait_q(self->fd, WDFQ_QUEUE_WRITE, 0, 4));
	ASSERT_EQ(0, ctl(self->fd, WDFQ_QUEUE_PENDING, WDFQ_CTL_PURGE,
			 WDFQ_CTL_F_WAIT));
	ASSERT_EQ(0, ctl(self->fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_PURGE,
			 WDFQ_CTL_F_WAIT));
	ASSERT_EQ(0, land(_metadata, self->ctx, &self->r, &f));
	log_flight(_metadata, &f);
	for (i = 0; i < NAR; i++)
		EXPECT_EQ(-ECANCELED, f.res[K_AR][i]);
	for (i = 0; i < NUR; i++)
		EXPECT_EQ(-ESHUTDOWN, f.res[K_UR][i]);
	for (i = 0; i < NAW; i++)
		EXPECT_EQ(-ECANCELED, f.res[K_AW][i]);
	/*
	 * The running one is cancelled; one waiting in poll that io_uring
	 * moved to its worker (woken by the first purge, the queue still
	 * full) was queued, and is cancelled too; the others fail.
	 */
	for (i = 0; i < NUW; i++) {
		ecanceled += f.res[K_UW][i] == -ECANCELED;
		EXPECT_TRUE(f.res[K_UW][i] == -ECANCELED ||
			    f.res[K_UW][i] == -ESHUTDOWN);
	}
	EXPECT_LE(1, ecanceled);
	ASSERT_EQ(0, all_idle(_metadata, self->fd));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_PENDING, &s));
	EXPECT_EQ(NAR, s.cancelled);
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &s));
	EXPECT_EQ(0, s.ring_bytes);	/* no aborted write looped back */
	ASSERT_EQ(0, ctl(self->fd, WDFQ_QUEUE_PENDING, WDFQ_CTL_START, 0));
	ASSERT_EQ(0, ctl(self->fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_START, 0));
	ASSERT_EQ(0, none_after(_metadata, self->fd, self->ctx, &self->r));
	ASSERT_EQ(0, budget_whole(_metadata, self->fd, self->ctx,
				  self->info.file_max_requests));
	ASSERT_EQ(0, all_idle(_metadata, self->fd));
}

/*
 * One system sleep (pm_test=devices, freeze) with runtime suspend forbidden
 * (power/control=on) across it: the way from "freeze" to the device's
 * suspend can take seconds on a loaded machine, long enough for the flight
 * to land and the device to autosuspend first, and its system-sleep
 * callbacks would then have nothing to power down. Forbidden, the sleep
 * always finds the device powered.
 */
static int sleep_freeze(struct __test_metadata *_metadata)
{
	char old_delay[16] = "", old_control[16];
	int fd, ret = 0;

	if (wq_sysfs_read(RPM_CONTROL, old_control, sizeof(old_control)) ||
	    wq_sysfs_write(RPM_CONTROL, "on"))
		return -1;
	wq_sysfs_read("/sys/module/suspend/parameters/pm_test_delay",
		      old_delay, sizeof(old_delay));
	wq_sysfs_write("/sys/module/suspend/parameters/pm_test_delay", "1");
	if (wq_sysfs_write("/sys/power/pm_test", "devices")) {
		wq_sysfs_write(RPM_CONTROL, old_control);
		return -1;
	}
	fd = open("/sys/power/state", O_WRONLY);
	if (fd < 0 || write(fd, "freeze", 6) != 6) {
		TH_LOG("freeze: %s", strerror(errno));
		ret = -1;
	}
	if (fd >= 0)
		close(fd);
	wq_sysfs_write("/sys/power/pm_test", "none");
	if (old_delay[0])
		wq_sysfs_write("/sys/module/suspend/parameters/pm_test_delay",
			       old_delay);
	if (wq_sysfs_write(RPM_CONTROL, old_control))
		ret = -1;
	return ret;
}

/*
 * A system sleep (pm_test=devices, freeze) with the flight in the air:
 * nothing is lost or cancelled; after the resume every write completes
 * and its bytes reach exactly one read (the libaio reads first, in order,
 * then the io_uring reads), nothing is left over.
 */
TEST_F(life, system_sleep)
{
	static struct flight f;
	static char all[NAR + NUR][BLK];
	struct wdfq_queue_stats s0, s;
	int i, k, j, found, n = 0;

	if (access("/sys/power/pm_test", W_OK) ||
	    access("/sys/power/state", W_OK))
		SKIP(return, "no /sys/power/pm_test (CONFIG_PM_DEBUG)");
	ASSERT_EQ(0, launch(_metadata, self->fd, self->ctx, &self->r, &f,
			    300000));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &s0));
	ASSERT_EQ(0, sleep_freeze(_metadata));
	ASSERT_EQ(0, land(_metadata, self->ctx, &self->r, &f));
	log_flight(_metadata, &f);
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &s));
	EXPECT_LE(1, s.sys_suspends - s0.sys_suspends);
	EXPECT_LE(1, s.sys_resumes - s0.sys_resumes);
	for (i = 0; i < NAW; i++)
		EXPECT_EQ(BLK, f.res[K_AW][i]);
	for (i = 0; i < NUW; i++)
		EXPECT_EQ(BLK, f.res[K_UW][i]);
	for (i = 0; i < NAR; i++) {
		EXPECT_EQ(BLK, f.res[K_AR][i]);
		memcpy(all[n++], f.buf[K_AR][i], BLK);
	}
	for (i = 0; i < NUR; i++) {
		EXPECT_EQ(BLK, f.res[K_UR][i]);
		memcpy(all[n++], f.buf[K_UR][i], BLK);
	}
	/* Each write's block reached exactly one read. */
	for (k = K_AW; k <= K_UW; k++)
		for (i = 0; i < (k == K_AW ? NAW : NUW); i++) {
			found = 0;
			for (j = 0; j < n; j++)
				found += !memcmp(all[j], f.buf[k][i], BLK);
			EXPECT_EQ(1, found) TH_LOG("write %d/%d seen %d times",
						   k, i, found);
		}
	ASSERT_EQ(0, all_idle(_metadata, self->fd));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_PENDING, &s));
	EXPECT_EQ(0, s.cancelled);
	ASSERT_EQ(0, none_after(_metadata, self->fd, self->ctx, &self->r));
	ASSERT_EQ(0, budget_whole(_metadata, self->fd, self->ctx,
				  self->info.file_max_requests));
}

/*
 * Unbind with the flight in the air: every request ends with -ENODEV,
 * the queued, parked and running ones through the removal's purge, the
 * io_uring ones waiting in poll when they retry on the removed instance.
 * Each gets exactly one completion; the instance binds again and works.
 */
TEST_F(life, unbind)
{
	static struct flight f;
	struct wdfq_queue_stats s;
	struct io_event ev[4];
	char unbind[PATH_MAX];
	int i, k, fd;

	ASSERT_EQ(0, drv_file("unbind", unbind, sizeof(unbind)));
	if (access(unbind, W_OK))
		SKIP(return, "no unbind file in the driver's sysfs folder");
	ASSERT_EQ(0, launch(_metadata, self->fd, self->ctx, &self->r, &f,
			    LONG_US));
	ASSERT_EQ(0, wait_q(self->fd, WDFQ_QUEUE_WRITE, 0, 4));
	ASSERT_EQ(0, wq_sysfs_write(unbind, dev0));
	ASSERT_EQ(0, wq_wait_path(DEV, 0));
	ASSERT_EQ(0, land(_metadata, self->ctx, &self->r, &f));
	log_flight(_metadata, &f);
	for (k = 0; k < K_NR; k++)
		for (i = 0; i < 4; i++)
			if (f.seen[k][i])
				EXPECT_EQ(-ENODEV, f.res[k][i]);
	ASSERT_EQ(-1, wq_stats(self->fd, WDFQ_QUEUE_PENDING, &s));
	EXPECT_EQ(ENODEV, errno);
	/* No late completion from the removed instance. */
	EXPECT_EQ(0, wq_aio_peek(self->ctx, ev, 4));
	EXPECT_EQ(0, wq_ring_ready(&self->r));
	ASSERT_EQ(0, bind0());
	fd = open(DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, wq_reset_device(fd, DEV));
	ASSERT_EQ(0, budget_whole(_metadata, fd, self->ctx,
				  self->info.file_max_requests));
	ASSERT_EQ(0, none_after(_metadata, fd, self->ctx, &self->r));
	ASSERT_EQ(0, all_idle(_metadata, fd));
	close(fd);
}

/*
 * Wake io_uring's polls with no data for them: a QUEUE_CTL wakes every
 * poller. A kernel whose io_uring then gives up polling (6.1 does at the
 * first wake-up that finds nothing) hands the reads to its workers, which
 * park them in the driver; newer ones poll again.
 */
static int wake_pollers(int fd)
{
	return ctl(fd, WDFQ_QUEUE_READ, WDFQ_CTL_START, 0);
}

/*
 * A child with 8 io_uring reads (4 with IOSQE_ASYNC), in io_uring's poll
 * or parked in the driver (see wake_pollers()), and 2 io_uring writes
 * running; it exits (@kill_it 0) or is killed. Returns its status, or -1
 * if it did not end in time.
 */
static int uring_child(int fd, int kill_it)
{
	uint64_t end;
	pid_t pid;
	int st, p[2];
	char c;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		static char in[8][BLK], out[2][BLK];
		struct io_uring_sqe *sqe;
		struct wq_ring r;
		int i;

		if (wq_ring_init(&r, 16))
			_exit(2);
		for (i = 0; i < 8; i++) {
			sqe = wq_ring_sqe(&r);
			wq_prep_rw(sqe, IORING_OP_READ, fd, in[i], BLK, i);
			if (i >= 4)
				sqe->flags = IOSQE_ASYNC;
		}
		for (i = 0; i < 2; i++)
			wq_prep_rw(wq_ring_sqe(&r), IORING_OP_WRITE, fd, out[i],
				   BLK, 8 + i);
		if (wq_ring_enter(&r, 10, 0) != 10)
			_exit(3);
		if (wait_q(fd, WDFQ_QUEUE_WRITE, 0, 2) || wake_pollers(fd))
			_exit(4);
		if (write(p[1], "r", 1) != 1)
			_exit(5);
		if (kill_it)
			for (;;)
				pause();
		exit(0);	/* the ring goes with the process */
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		c = 0;
	close(p[0]);
	if (kill_it && c == 'r')
		kill(pid, SIGKILL);
	end = wq_now_ms() + WQ_WAIT_MS;
	while (wq_now_ms() < end) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		wq_sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

/*
 * io_uring: a process that exits and one that is killed, with reads
 * waiting in poll, reads parked in the driver by io_uring's workers and
 * writes running: both end promptly (the running transfers are aborted or
 * end on their own), the parked reads are cancelled, nothing stays queued
 * or charged.
 */
TEST_F(life, uring_exit_and_sigkill)
{
	struct wdfq_queue_stats s;
	int st, pass;

	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_WRITE_LATENCY, 5000000, 0,
			    0, 0));
	for (pass = 0; pass < 2; pass++) {
		ASSERT_EQ(0, wq_reset_stats(self->fd));
		st = uring_child(self->fd, pass);
		ASSERT_NE(-1, st);
		if (pass) {
			ASSERT_TRUE(WIFSIGNALED(st));
		} else {
			ASSERT_TRUE(WIFEXITED(st));
			ASSERT_EQ(0, WEXITSTATUS(st));
		}
		ASSERT_EQ(0, all_idle(_metadata, self->fd));
		ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_PENDING, &s));
		ksft_print_msg("pass %d: %llu io_uring reads parked in the driver\n",
			       pass, (unsigned long long)s.arrived);
		EXPECT_EQ(s.arrived, s.cancelled);
		EXPECT_EQ(0, s.completed);
		/* the writes' bytes, for no reader */
		ASSERT_EQ(0, wq_wait_ring(self->fd, 2 * BLK));
		ASSERT_EQ(2 * BLK, wq_drain(DEV, NULL, 0));
	}
	ASSERT_EQ(0, none_after(_metadata, self->fd, self->ctx, &self->r));
	ASSERT_EQ(0, budget_whole(_metadata, self->fd, self->ctx,
				  self->info.file_max_requests));
}

/*
 * close(2) of the device descriptor with requests in flight ends nothing
 * (they hold the open file); the io_uring ring's teardown then cancels its
 * reads, and the libaio requests complete normally with data arriving
 * later. The open file goes after the last completion.
 */
TEST_F(life, close_and_ring_teardown)
{
	static char uin[4][BLK], uout[2][BLK], ain[2][BLK], aout[BLK];
	static char data[2][BLK], all[3][BLK];
	struct io_event ev[3];
	struct io_uring_sqe *sqe;
	struct wdfq_queue_stats s;
	struct wq_ring r2;
	int fd2, i, k, found, n;

	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_WRITE_LATENCY, 2000000, 0,
			    0, 0));
	/* io_uring: 4 reads (see wake_pollers()), 2 writes running */
	fd2 = open(DEV, O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, wq_ring_init(&r2, 16));
	for (i = 0; i < 4; i++) {
		sqe = wq_ring_sqe(&r2);
		wq_prep_rw(sqe, IORING_OP_READ, fd2, uin[i], BLK, i);
		if (i >= 2)
			sqe->flags = IOSQE_ASYNC;
	}
	for (i = 0; i < 2; i++)
		wq_prep_rw(wq_ring_sqe(&r2), IORING_OP_WRITE, fd2, uout[i], BLK,
			   4 + i);
	ASSERT_EQ(6, wq_ring_enter(&r2, 6, 0));
	ASSERT_EQ(0, wait_q(self->fd, WDFQ_QUEUE_WRITE, 0, 2));
	ASSERT_EQ(0, wake_pollers(self->fd));
	ASSERT_EQ(0, close(fd2));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_WRITE, &s));
	EXPECT_EQ(2, s.driver_owned);	/* close ended nothing */
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_PENDING, &s));
	EXPECT_EQ(0, s.cancelled);
	wq_ring_exit(&r2);
	ASSERT_EQ(0, all_idle(_metadata, self->fd));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_PENDING, &s));
	EXPECT_EQ(s.arrived, s.cancelled);
	EXPECT_EQ(0, s.completed);
	wq_drain(DEV, NULL, 0);

	/* libaio: 2 reads parked, 1 write running; close; data comes */
	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_WRITE_LATENCY, 200000, 0,
			    0, 0));
	ASSERT_EQ(0, wq_reset_stats(self->fd));
	fd2 = open(DEV, O_RDWR);
	ASSERT_LE(0, fd2);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(1, wq_aio_one(self->ctx, fd2, IOCB_CMD_PREAD, ain[i],
					BLK, i));
	ASSERT_EQ(0, wait_q(self->fd, WDFQ_QUEUE_PENDING, 2, 0));
	memset(aout, 'w', BLK);
	ASSERT_EQ(1, wq_aio_one(self->ctx, fd2, IOCB_CMD_PWRITE, aout, BLK, 2));
	ASSERT_EQ(0, close(fd2));
	fill(data[0], BLK, 1);
	fill(data[1], BLK, 2);
	ASSERT_EQ(0, wq_inject(self->fd, data[0], BLK, 0));
	ASSERT_EQ(0, wq_inject(self->fd, data[1], BLK, 0));
	ASSERT_EQ(3, wq_aio_reap(self->ctx, ev, 3));
	for (i = 0; i < 3; i++) {
		uint64_t ud = ev[i].data;

		EXPECT_EQ(BLK, (long)ev[i].res) TH_LOG("event %llu",
						       (unsigned long long)ud);
	}
	/* Two injected blocks and the write's: each once, reads or ring. */
	memcpy(all[0], ain[0], BLK);
	memcpy(all[1], ain[1], BLK);
	ASSERT_EQ(0, wq_wait_ring(self->fd, BLK));
	n = wq_drain(DEV, all[2], BLK);
	ASSERT_EQ(BLK, n);
	for (k = 0; k < 3; k++) {
		const char *want = k < 2 ? data[k] : aout;

		found = 0;
		for (i = 0; i < 3; i++)
			found += !memcmp(all[i], want, BLK);
		EXPECT_EQ(1, found) TH_LOG("block %d seen %d times", k, found);
	}
	ASSERT_EQ(0, all_idle(_metadata, self->fd));
	ASSERT_EQ(0, none_after(_metadata, self->fd, self->ctx, &self->r));
}

/*
 * io_destroy(2) with libaio reads parked and writes running and queued:
 * it returns once all have ended (the running transfers aborted, not
 * finished: nothing loops back), with nothing left in the driver.
 */
TEST_F(life, io_destroy_in_flight)
{
	static char in[4][BLK], out[6][BLK];
	struct wdfq_queue_stats s;
	aio_context_t ctx = 0;
	int i;

	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_WRITE_LATENCY |
			    WDFQ_PARAM_WRITE_LIMIT, LONG_US, 4, 0, 0));
	ASSERT_EQ(0, wq_reset_stats(self->fd));
	ASSERT_EQ(0, wq_io_setup(16, &ctx));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(1, wq_aio_one(ctx, self->fd, IOCB_CMD_PREAD, in[i],
					BLK, i));
	for (i = 0; i < 6; i++)
		ASSERT_EQ(1, wq_aio_one(ctx, self->fd, IOCB_CMD_PWRITE, out[i],
					BLK, 4 + i));
	ASSERT_EQ(0, wait_q(self->fd, WDFQ_QUEUE_PENDING, 4, 0));
	ASSERT_EQ(0, wait_q(self->fd, WDFQ_QUEUE_WRITE, 2, 4));
	ASSERT_EQ(0, wq_io_destroy(ctx));
	/* No waiting here: io_destroy returned after the last completion. */
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_PENDING, &s));
	EXPECT_EQ(0, s.queued);
	EXPECT_EQ(0, s.driver_owned);
	EXPECT_EQ(4, s.cancelled);
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_WRITE, &s));
	EXPECT_EQ(0, s.queued);
	EXPECT_EQ(0, s.driver_owned);
	EXPECT_EQ(6, s.completed + s.cancelled);
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &s));
	EXPECT_EQ(0, s.ring_bytes);
	EXPECT_EQ(0, s.write_inflight);
	ASSERT_EQ(0, all_idle(_metadata, self->fd));
	ASSERT_EQ(0, budget_whole(_metadata, self->fd, self->ctx,
				  self->info.file_max_requests));
}

/*
 * Depth 32 from one open file works: 32 libaio reads park and 32 io_uring
 * writes run at once (write_limit 32), none refused.
 */
TEST_F(life, depth_32_one_open)
{
	static char in[32][BLK], out[32][BLK];
	static struct io_uring_cqe cqe[32];
	struct io_event ev[32];
	struct wq_ring r;
	int i;

	ASSERT_LE(64, self->info.file_max_requests);
	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_WRITE_LATENCY |
			    WDFQ_PARAM_WRITE_LIMIT, LONG_US, 32, 0, 0));
	for (i = 0; i < 32; i++)
		ASSERT_EQ(1, wq_aio_one(self->ctx, self->fd, IOCB_CMD_PREAD,
					in[i], BLK, i));
	ASSERT_EQ(0, wait_q(self->fd, WDFQ_QUEUE_PENDING, 32, 0));
	ASSERT_EQ(0, wq_ring_init(&r, 32));
	for (i = 0; i < 32; i++)
		wq_prep_rw(wq_ring_sqe(&r), IORING_OP_WRITE, self->fd, out[i],
			   BLK, i);
	ASSERT_EQ(32, wq_ring_enter(&r, 32, 0));
	ASSERT_EQ(0, wait_q(self->fd, WDFQ_QUEUE_WRITE, 0, 32));
	EXPECT_EQ(0, wq_aio_peek(self->ctx, ev, 32));
	EXPECT_EQ(0, wq_ring_ready(&r));
	ASSERT_EQ(0, ctl(self->fd, WDFQ_QUEUE_PENDING, WDFQ_CTL_PURGE,
			 WDFQ_CTL_F_WAIT));
	ASSERT_EQ(0, ctl(self->fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_PURGE,
			 WDFQ_CTL_F_WAIT));
	ASSERT_EQ(32, wq_aio_reap(self->ctx, ev, 32));
	ASSERT_EQ(32, wq_ring_reap(&r, cqe, 32));
	for (i = 0; i < 32; i++) {
		EXPECT_EQ(-ECANCELED, (long)ev[i].res);
		EXPECT_EQ(-ECANCELED, cqe[i].res);
	}
	wq_ring_exit(&r);
	ASSERT_EQ(0, all_idle(_metadata, self->fd));
}

/*
 * Submit up to *@total libaio reads of 64 bytes round-robin over @nfd open
 * files in chunks, reaping as we go; stop early once DEEP_MS have passed
 * (a debug kernel submits a few hundred times slower), leaving in *@total
 * how many went. Every event that comes while the reads are parked must be
 * -EAGAIN (a refusal by a limit). Returns the -EAGAIN count.
 */
#define DEEP_MS		60000

static long deep_aio(struct __test_metadata *_metadata, aio_context_t ctx,
		     const int *fds, int nfd, long *total)
{
	uint64_t end = wq_now_ms() + DEEP_MS;
	static struct iocb cb[1000];
	static struct io_event ev[4096];
	static char in[64];
	struct iocb *cbp[1000];
	long done = 0, eagain = 0;
	int i, n, chunk;

	while (done < *total && (done < 1000 || wq_now_ms() < end)) {
		chunk = *total - done < 1000 ? *total - done : 1000;
		for (i = 0; i < chunk; i++) {
			wq_iocb(&cb[i], fds[(done + i) % nfd], IOCB_CMD_PREAD,
				in, sizeof(in), done + i);
			cbp[i] = &cb[i];
		}
		n = wq_io_submit(ctx, chunk, cbp);
		if (n <= 0) {
			TH_LOG("io_submit: %d %s", n, strerror(errno));
			return -1;
		}
		done += n;
		while ((n = wq_aio_peek(ctx, ev, 4096)) > 0)
			for (i = 0; i < n; i++) {
				if ((long)ev[i].res != -EAGAIN) {
					TH_LOG("event %llu: %lld", ev[i].data,
					       (long long)ev[i].res);
					return -1;
				}
				eagain++;
			}
	}
	*total = done;
	return eagain;
}

/*
 * fio iodepth=100000 with libaio: the reads over the per-open limit (one
 * file) and over the per-device limit (20 files) get events with -EAGAIN
 * at once; the driver never holds more than the limit; io_destroy ends
 * the parked ones and everything balances. (A debug kernel stops short of
 * 100000, see deep_aio(); the depth reached is printed.)
 */
TEST_F_TIMEOUT(life, deep_libaio_batch, 280)
{
	unsigned int fmax = self->info.file_max_requests;
	unsigned int dmax = self->info.dev_max_requests;
	struct wdfq_queue_stats s, c0, c;
	aio_context_t ctx = 0;
	int fds[20], i;
	long eagain, want, total = 2000;
	char b[8] = { 0 };

	ASSERT_GE(1024, dmax);
	ASSERT_LT(fmax, dmax);
	uint64_t t0 = wq_now_ms();

	/* One open file: 2000 deep, fmax park. */
	ASSERT_EQ(0, wq_io_setup(4096, &ctx));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &c0));
	eagain = deep_aio(_metadata, ctx, &self->fd, 1, &total);
	want = total - fmax;
	while (eagain >= 0 && eagain < want) {
		struct io_event ev[64];
		int n = wq_io_getevents(ctx, 1, 64, ev, 2000);

		ASSERT_LT(0, n);
		for (i = 0; i < n; i++)
			ASSERT_EQ(-EAGAIN, (long)ev[i].res);
		eagain += n;
	}
	ASSERT_EQ(want, eagain);
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_PENDING, &s));
	EXPECT_EQ(fmax, s.queued);
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &c));
	EXPECT_EQ(want, c.requests_limited - c0.requests_limited);
	ASSERT_EQ(0, wq_io_destroy(ctx));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_PENDING, &s));
	EXPECT_EQ(0, s.queued);
	EXPECT_EQ(fmax, s.cancelled);

	/* 20 open files: 100000 deep, the device's limit parks. */
	for (i = 0; i < 20; i++) {
		fds[i] = open(DEV, O_RDWR);
		ASSERT_LE(0, fds[i]);
	}
	ASSERT_LT(dmax, 20 * fmax);
	ASSERT_EQ(0, wq_reset_stats(self->fd));
	ctx = 0;
	ASSERT_EQ(0, wq_io_setup(4096, &ctx));
	total = 100000;
	eagain = deep_aio(_metadata, ctx, fds, 20, &total);
	ksft_print_msg("libaio depth %ld over 20 files\n", total);
	ASSERT_LE(10 * dmax, total);
	want = total - dmax;
	while (eagain >= 0 && eagain < want) {
		struct io_event ev[64];
		int n = wq_io_getevents(ctx, 1, 64, ev, 2000);

		ASSERT_LT(0, n);
		for (i = 0; i < n; i++)
			ASSERT_EQ(-EAGAIN, (long)ev[i].res);
		eagain += n;
	}
	ASSERT_EQ(want, eagain);
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_PENDING, &s));
	EXPECT_EQ(dmax, s.queued);
	EXPECT_EQ(want, s.requests_limited);
	/* The device is full: read(2) and write(2) fail with EAGAIN too. */
	EXPECT_EQ(-1, read(self->fd, b, sizeof(b)));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, write(self->fd, b, sizeof(b)));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, wq_io_destroy(ctx));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_PENDING, &s));
	EXPECT_EQ(0, s.queued);
	EXPECT_EQ(dmax, s.cancelled);
	for (i = 0; i < 20; i++)
		close(fds[i]);
	ksft_print_msg("libaio batches in %llu ms\n",
		       (unsigned long long)(wq_now_ms() - t0));
	ASSERT_EQ(0, all_idle(_metadata, self->fd));
	ASSERT_EQ(0, budget_whole(_metadata, self->fd, self->ctx, fmax));
}

/*
 * io_uring, a deep batch on a big ring: 4096 reads with no data wait in
 * io_uring's poll and pin nothing in the driver; IORING_ASYNC_CANCEL_ANY
 * ends each with -ECANCELED. With the open file's budget taken by parked
 * libaio reads, io_uring writes over it complete with -EAGAIN (after
 * io_uring's own retries), as do read(2) and write(2); 1024 writes on a
 * free budget all complete and loop back, the write queue never holding
 * more than the limits.
 */
TEST_F_TIMEOUT(life, deep_uring_batch, 280)
{
	unsigned int fmax = self->info.file_max_requests;
	static struct io_uring_cqe cqe[4097];
	static char in[BLK], out[1024][16], lb[1024 * 16];
	struct wdfq_queue_stats s, c0, c;
	struct io_uring_sqe *sqe;
	struct io_event ev[64];
	struct wq_ring r;
	int i, n, ok, again, got;

	uint64_t t0 = wq_now_ms();

	ASSERT_EQ(0, wq_ring_init(&r, 4096));
	ASSERT_EQ(4096, r.entries);
	for (i = 0; i < 4096; i++)
		wq_prep_rw(wq_ring_sqe(&r), IORING_OP_READ, self->fd, in, BLK,
			   i);
	ASSERT_EQ(4096, wq_ring_enter(&r, 4096, 0));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_PENDING, &s));
	EXPECT_EQ(0, s.queued);
	EXPECT_EQ(0, s.arrived);
	EXPECT_EQ(0, wq_ring_ready(&r));
	sqe = wq_ring_sqe(&r);
	sqe->opcode = IORING_OP_ASYNC_CANCEL;
	sqe->fd = -1;
	sqe->cancel_flags = IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL;
	sqe->user_data = 100000;
	ASSERT_EQ(1, wq_ring_enter(&r, 1, 0));
	ASSERT_EQ(4097, wq_ring_reap(&r, cqe, 4097));
	for (i = 0; i < 4097; i++) {
		if (cqe[i].user_data == 100000) {
			EXPECT_EQ(4096, cqe[i].res);
		} else {
			ASSERT_EQ(-ECANCELED, cqe[i].res)
				TH_LOG("read %llu", cqe[i].user_data);
		}
	}
	EXPECT_EQ(0, wq_ring_ready(&r));
	ASSERT_EQ(0, all_idle(_metadata, self->fd));

	/* Over the open file's budget. */
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &c0));
	for (i = 0; i < (int)fmax; i++)
		ASSERT_EQ(1, wq_aio_one(self->ctx, self->fd, IOCB_CMD_PREAD,
					in, BLK, i));
	ASSERT_EQ(0, wait_q(self->fd, WDFQ_QUEUE_PENDING, fmax, 0));
	for (i = 0; i < 8; i++)
		wq_prep_rw(wq_ring_sqe(&r), IORING_OP_WRITE, self->fd, out[i],
			   16, i);
	ASSERT_EQ(8, wq_ring_enter(&r, 8, 0));
	ASSERT_EQ(8, wq_ring_reap(&r, cqe, 8));
	for (i = 0; i < 8; i++)
		EXPECT_EQ(-EAGAIN, cqe[i].res);
	EXPECT_EQ(-1, read(self->fd, in, BLK));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, write(self->fd, in, BLK));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &c));
	EXPECT_LE(10, c.requests_limited - c0.requests_limited);
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_WRITE, &s));
	EXPECT_EQ(0, s.arrived);
	ASSERT_EQ(0, ctl(self->fd, WDFQ_QUEUE_PENDING, WDFQ_CTL_PURGE,
			 WDFQ_CTL_F_WAIT));
	n = 0;
	while (n < (int)fmax) {
		got = wq_aio_reap(self->ctx, ev, fmax - n < 64 ? fmax - n : 64);
		ASSERT_LT(0, got);
		for (i = 0; i < got; i++)
			EXPECT_EQ(-ECANCELED, (long)ev[i].res);
		n += got;
	}
	ASSERT_EQ(0, ctl(self->fd, WDFQ_QUEUE_PENDING, WDFQ_CTL_START, 0));

	/* 1024 writes on a free budget: all complete, all loop back. */
	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_ALL, 1000, 4, 0, 1 << 20));
	ASSERT_EQ(0, wq_reset_stats(self->fd));
	for (i = 0; i < 1024; i++) {
		fill(out[i], 16, i);
		out[i][0] = (char)i;
		out[i][1] = (char)(i >> 8);
		wq_prep_rw(wq_ring_sqe(&r), IORING_OP_WRITE, self->fd, out[i],
			   16, i);
	}
	ASSERT_EQ(1024, wq_ring_enter(&r, 1024, 0));
	ok = 0;
	again = 0;
	for (n = 0; n < 1024; n += got) {
		ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_WRITE, &s));
		ASSERT_GE(fmax, s.queued + s.driver_owned);
		got = wq_ring_reap(&r, cqe, 1024 - n < 64 ? 1024 - n : 64);
		ASSERT_LT(0, got);
		for (i = 0; i < got; i++) {
			ok += cqe[i].res == 16;
			again += cqe[i].res == -EAGAIN;
		}
	}
	ksft_print_msg("1024 io_uring writes: %d done, %d EAGAIN; %llu ms\n",
		       ok, again, (unsigned long long)(wq_now_ms() - t0));
	EXPECT_EQ(1024, ok + again);
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_WRITE, &s));
	EXPECT_GE(4, s.max_driver_owned);
	EXPECT_EQ(ok, s.completed);
	ASSERT_EQ(0, wq_wait_ring(self->fd, ok * 16));
	n = wq_drain(DEV, lb, sizeof(lb));
	EXPECT_EQ(ok * 16, n);
	ASSERT_EQ(0, all_idle(_metadata, self->fd));
	wq_ring_exit(&r);
}

struct stopper {
	pthread_t th;
	int fd;
	int ret;
	int err;
};

/* QUEUE_CTL STOP of the write queue with WDFQ_CTL_F_WAIT. */
static void *stop_fn(void *arg)
{
	struct stopper *st = arg;

	st->ret = ctl(st->fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_STOP, WDFQ_CTL_F_WAIT);
	st->err = errno;
	return NULL;
}

/*
 * A write queue stopped under io_uring writes: W1 (libaio) runs a long
 * transfer with write_limit 1; W2 and W3 (io_uring, W3 with IOSQE_ASYNC)
 * cannot start and wait in io_uring's poll. STOP (WDFQ_CTL_F_WAIT, in a
 * thread), then io_cancel(W1) frees the slot and the STOP returns: with
 * the stop acknowledged (not dispatching, nothing in the driver's hands)
 * the CQ stays empty, though the freed slot woke the pollers: a retry
 * finds the queue stopped, and one that io_uring hands to its worker
 * waits on the stopped queue. START: W2 and W3 complete with their bytes
 * looped back once; W1's aborted bytes never. Then a transfer that is
 * already running when STOP comes is not held: the STOP waits for it and
 * its CQE comes.
 */
TEST_F(life, uring_write_waits_for_start)
{
	static char w1[BLK], w2[BLK], w3[BLK], lb[4 * BLK];
	struct io_uring_cqe cqe[2];
	struct io_uring_sqe *sqe;
	struct wdfq_queue_stats s;
	struct stopper stop = { 0 };
	struct iocb cb;
	struct io_event ev;
	int i, n;

	memset(w1, '1', BLK);
	memset(w2, '2', BLK);
	memset(w3, '3', BLK);
	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_WRITE_LATENCY |
			    WDFQ_PARAM_WRITE_LIMIT, LONG_US, 1, 0, 0));
	wq_iocb(&cb, self->fd, IOCB_CMD_PWRITE, w1, BLK, 1);
	{
		struct iocb *cbp = &cb;

		ASSERT_EQ(1, wq_io_submit(self->ctx, 1, &cbp));
	}
	ASSERT_EQ(0, wait_q(self->fd, WDFQ_QUEUE_WRITE, 0, 1));
	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_WRITE_LATENCY, 1000, 0, 0,
			    0));
	wq_prep_rw(wq_ring_sqe(&self->r), IORING_OP_WRITE, self->fd, w2, BLK,
		   2);
	sqe = wq_ring_sqe(&self->r);
	wq_prep_rw(sqe, IORING_OP_WRITE, self->fd, w3, BLK, 3);
	sqe->flags = IOSQE_ASYNC;
	ASSERT_EQ(2, wq_ring_enter(&self->r, 2, 0));
	ASSERT_EQ(0, wait_q(self->fd, WDFQ_QUEUE_WRITE, 0, 1));
	EXPECT_EQ(0, wq_ring_ready(&self->r));
	stop.fd = self->fd;
	ASSERT_EQ(0, pthread_create(&stop.th, NULL, stop_fn, &stop));
	do {
		ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_WRITE, &s));
	} while ((s.state & WDFQ_QS_DISPATCHING) && (wq_sleep_ms(2), 1));
	EXPECT_EQ(-1, wq_io_cancel(self->ctx, &cb, &ev));
	EXPECT_EQ(EINPROGRESS, errno);
	ASSERT_EQ(1, wq_aio_reap(self->ctx, &ev, 1));
	EXPECT_EQ(-ECANCELED, (long)ev.res);
	/* The stop is acknowledged: nothing runs, nothing is dispatched. */
	ASSERT_EQ(0, wq_join(stop.th, WQ_WAIT_MS));
	ASSERT_EQ(0, stop.ret) TH_LOG("STOP: %s", strerror(stop.err));
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_WRITE, &s));
	EXPECT_FALSE(s.state & WDFQ_QS_DISPATCHING);
	EXPECT_EQ(0, s.driver_owned);
	EXPECT_EQ(0, s.write_inflight);
	EXPECT_EQ(0, s.ring_bytes);
	EXPECT_EQ(0, wq_ring_ready(&self->r));
	ASSERT_EQ(0, ctl(self->fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_START, 0));
	ASSERT_EQ(2, wq_ring_reap(&self->r, cqe, 2));
	for (i = 0; i < 2; i++) {
		uint64_t ud = cqe[i].user_data;

		EXPECT_EQ(BLK, cqe[i].res) TH_LOG("write %llu",
						  (unsigned long long)ud);
	}
	EXPECT_NE(cqe[0].user_data, cqe[1].user_data);
	ASSERT_EQ(0, wq_wait_ring(self->fd, 2 * BLK));
	n = wq_drain(DEV, lb, sizeof(lb));
	ASSERT_EQ(2 * BLK, n);
	EXPECT_TRUE((!memcmp(lb, w2, BLK) && !memcmp(lb + BLK, w3, BLK)) ||
		    (!memcmp(lb, w3, BLK) && !memcmp(lb + BLK, w2, BLK)));
	ASSERT_EQ(0, all_idle(_metadata, self->fd));
	EXPECT_EQ(0, wq_ring_ready(&self->r));

	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_WRITE_LATENCY |
			    WDFQ_PARAM_WRITE_LIMIT, 200000, 4, 0, 0));
	wq_prep_rw(wq_ring_sqe(&self->r), IORING_OP_WRITE, self->fd, w1, BLK,
		   4);
	ASSERT_EQ(1, wq_ring_enter(&self->r, 1, 0));
	ASSERT_EQ(0, ctl(self->fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_STOP,
			 WDFQ_CTL_F_WAIT));
	ASSERT_EQ(1, wq_ring_reap(&self->r, cqe, 1));
	EXPECT_EQ(BLK, cqe[0].res);
	ASSERT_EQ(0, wq_wait_ring(self->fd, BLK));
	ASSERT_EQ(BLK, wq_drain(DEV, lb, sizeof(lb)));
	EXPECT_EQ(0, memcmp(lb, w1, BLK));
	ASSERT_EQ(0, ctl(self->fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_START, 0));
	ASSERT_EQ(0, all_idle(_metadata, self->fd));
}

struct injector {
	pthread_t th;
	int fd;
	int ret;
};

/* Once the write queue drains, feed data for the io_uring read. */
static void *inject_fn(void *arg)
{
	struct injector *in = arg;
	uint64_t end = wq_now_ms() + WQ_WAIT_MS;
	struct wdfq_queue_stats s;

	in->ret = -1;
	do {
		if (wq_stats(in->fd, WDFQ_QUEUE_WRITE, &s))
			return NULL;
		if (!(s.state & WDFQ_QS_ACCEPTING))
			break;
		wq_sleep_ms(2);
	} while (wq_now_ms() < end);
	in->ret = wq_inject(in->fd, "0123456789abcdef", 16, 0);
	return NULL;
}

/* Once a write transfer runs, feed data for the io_uring read. */
static void *inject_busy_fn(void *arg)
{
	struct injector *in = arg;
	uint64_t end = wq_now_ms() + WQ_WAIT_MS;
	struct wdfq_queue_stats s;

	in->ret = -1;
	do {
		if (wq_stats(in->fd, WDFQ_QUEUE_WRITE, &s))
			return NULL;
		if (s.driver_owned)
			break;
		wq_sleep_ms(2);
	} while (wq_now_ms() < end);
	in->ret = wq_inject(in->fd, "0123456789abcdef", 16, 0);
	return NULL;
}

/*
 * A QUEUE_CTL wait (WDFQ_CTL_F_WAIT) in a thread that owns an io_uring
 * ring: an io_uring completion for that thread during the wait (io_uring
 * task work, TIF_NOTIFY_SIGNAL, no signal) does not end the wait with
 * EINTR; it ends when the drain finished, and the CQE comes.
 */
TEST_F(life, ctl_wait_not_ended_by_uring_task_work)
{
	static char in[16], out[BLK];
	struct injector inj = { .fd = self->fd };
	struct io_uring_cqe cqe;
	struct wdfq_queue_stats s;

	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_WRITE_LATENCY, 2000000, 0,
			    0, 0));
	wq_prep_rw(wq_ring_sqe(&self->r), IORING_OP_READ, self->fd, in, 16,
		   1);
	ASSERT_EQ(1, wq_ring_enter(&self->r, 1, 0));
	ASSERT_EQ(1, wq_aio_one(self->ctx, self->fd, IOCB_CMD_PWRITE, out, BLK,
				2));
	ASSERT_EQ(0, wait_q(self->fd, WDFQ_QUEUE_WRITE, 0, 1));
	ASSERT_EQ(0, pthread_create(&inj.th, NULL, inject_fn, &inj));
	EXPECT_EQ(0, ctl(self->fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_DRAIN,
			 WDFQ_CTL_F_WAIT));
	ASSERT_EQ(0, wq_join(inj.th, WQ_WAIT_MS));
	EXPECT_EQ(0, inj.ret);
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_WRITE, &s));
	EXPECT_EQ(0, s.driver_owned);
	EXPECT_EQ(1, s.completed);
	ASSERT_EQ(1, wq_ring_reap(&self->r, &cqe, 1));
	EXPECT_EQ(16, cqe.res);
	EXPECT_EQ(0, memcmp(in, "0123456789abcdef", 16));
	/* the write's bytes */
	ASSERT_EQ(0, wq_wait_ring(self->fd, BLK));
	EXPECT_EQ(BLK, wq_drain(DEV, NULL, 0));
	ASSERT_EQ(0, ctl(self->fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_START, 0));
	ASSERT_EQ(0, all_idle(_metadata, self->fd));
}

/*
 * A blocking write(2) in a thread that owns an io_uring ring: an io_uring
 * completion for that thread during the write (task work) restarts the
 * call as a signal with SA_RESTART would, so that the task work runs (it
 * may be what the call waits for): the transfer starts again, the call
 * returns once with its count and its bytes loop back once.
 */
TEST_F(life, sync_write_with_uring_task_work)
{
	static char in[16], out[BLK];
	struct injector inj = { .fd = self->fd };
	struct io_uring_cqe cqe;
	struct wdfq_queue_stats s;

	ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_WRITE_LATENCY, 2000000, 0,
			    0, 0));
	ASSERT_EQ(0, wq_reset_stats(self->fd));
	wq_prep_rw(wq_ring_sqe(&self->r), IORING_OP_READ, self->fd, in, 16,
		   1);
	ASSERT_EQ(1, wq_ring_enter(&self->r, 1, 0));
	ASSERT_EQ(0, pthread_create(&inj.th, NULL, inject_busy_fn, &inj));
	EXPECT_EQ(BLK, write(self->fd, out, BLK));
	ASSERT_EQ(0, wq_join(inj.th, WQ_WAIT_MS));
	EXPECT_EQ(0, inj.ret);
	ASSERT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_WRITE, &s));
	ksft_print_msg("one write: %llu presentations\n",
		       (unsigned long long)s.presented);
	EXPECT_LE(1, s.presented);
	ASSERT_EQ(1, wq_ring_reap(&self->r, &cqe, 1));
	EXPECT_EQ(16, cqe.res);
	ASSERT_EQ(0, wq_wait_ring(self->fd, BLK));
	EXPECT_EQ(BLK, wq_drain(DEV, NULL, 0));
	ASSERT_EQ(0, all_idle(_metadata, self->fd));
}

TEST_HARNESS_MAIN
