// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq budgets: the limits on requests and bounce-buffer bytes in progress.
 *
 * - Control ioctls (GET_INFO, GET_QUEUE_STATS, QUEUE_CTL, ...) are never
 *   refused by the limits: an administrator can always look and purge.
 * - A user (real uid) has a budget of its own across all its open files
 *   (module parameters user_max_requests, user_max_bytes), below the
 *   device's, so one user cannot take the whole device; CAP_SYS_RESOURCE
 *   or CAP_SYS_ADMIN lifts the per-user bound, not the device's.
 *
 * The users are real: a child of the test (root) opens nothing itself, it
 * inherits descriptors opened by root and drops to uid 65534 or 65533
 * with setuid(), so the node's mode does not matter. Its reads park on the
 * pending queue; each reader thread reports how its read ended through a
 * pipe: 'A' EAGAIN, 'D' data, 'E' another error.
 */
#include <grp.h>
#include <poll.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "wdfq_util.h"

#define PATH		"/dev/wdfq0"
#define PARAM(x)	"/sys/module/wdfq/parameters/" x
#define NR_PARAMS	5
#define MAX_KIDS	4

static const char *const params[NR_PARAMS] = {
	PARAM("dev_max_requests"), PARAM("dev_max_bytes"),
	PARAM("file_max_requests"), PARAM("user_max_requests"),
	PARAM("user_max_bytes"),
};

FIXTURE(budget) {
	int fd;
	struct wdfq_info info;
	unsigned int parked;
	char old[NR_PARAMS][32];
	bool saved[NR_PARAMS];
	pid_t kids[MAX_KIDS];
	int nkids;
};

FIXTURE_SETUP(budget)
{
	int i;

	self->fd = open(PATH, O_RDWR);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, PATH " not present");
	ASSERT_LE(0, self->fd) TH_LOG("open: %s", strerror(errno));
	if (geteuid())
		SKIP(return, "needs root (setuid, QUEUE_CTL, parameters)");
	ASSERT_EQ(0, ioctl(self->fd, WDFQ_IOC_GET_INFO, &self->info));
	self->parked = wq_parked_q(&self->info);
	for (i = 0; i < NR_PARAMS; i++)
		self->saved[i] = !wq_sysfs_read(params[i], self->old[i],
						sizeof(self->old[i]));
	ASSERT_EQ(0, wq_reset_device(self->fd, PATH));
}

FIXTURE_TEARDOWN(budget)
{
	int i;

	for (i = 0; i < self->nkids; i++) {
		kill(self->kids[i], SIGKILL);
		waitpid(self->kids[i], NULL, 0);
	}
	for (i = 0; i < NR_PARAMS; i++)
		if (self->saved[i])
			wq_sysfs_write(params[i], self->old[i]);
	if (self->fd >= 0) {
		wq_ctl(self->fd, self->parked, WDFQ_CTL_PURGE, WDFQ_CTL_F_WAIT);
		wq_reset_device(self->fd, PATH);
		close(self->fd);
	}
}

static int set_param(const char *name, unsigned long val)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), PARAM("%s"), name);
	snprintf(buf, sizeof(buf), "%lu", val);
	return wq_sysfs_write(path, buf);
}

struct kid_reader {
	pthread_t th;
	int fd;
	size_t len;
	int report;
};

static void *kid_reader_fn(void *arg)
{
	struct kid_reader *r = arg;
	static char buf[WDFQ_MAX_IO];
	ssize_t n = read(r->fd, buf, r->len);
	char c = n >= 0 ? 'D' : errno == EAGAIN ? 'A' : 'E';

	if (write(r->report, &c, 1) != 1)
		_exit(9);
	return NULL;
}

/*
 * Fork a child that becomes @uid and starts @n reads of @len bytes, read i
 * on fds[i % nfds]; its reports come on the returned pipe.
 */
static int spawn_user(pid_t *kids, int *nkids, uid_t uid, const int *fds,
		      int nfds, int n, size_t len)
{
	int p[2], i;
	pid_t pid;

	if (*nkids == MAX_KIDS || pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		static struct kid_reader r[64];

		close(p[0]);
		if (setgroups(0, NULL) || setgid(uid) || setuid(uid) ||
		    getuid() != uid || geteuid() != uid)
			_exit(7);
		for (i = 0; i < n && i < 64; i++) {
			r[i].fd = fds[i % nfds];
			r[i].len = len;
			r[i].report = p[1];
			if (pthread_create(&r[i].th, NULL, kid_reader_fn, &r[i]))
				_exit(8);
		}
		for (;;)
			pause();
	}
	close(p[1]);
	kids[(*nkids)++] = pid;
	return p[0];
}

/* Read @n reports within @ms; count each kind. Returns how many came. */
static int reports(int rfd, int n, unsigned int ms, int *again, int *data,
		   int *other)
{
	struct pollfd pfd = { .fd = rfd, .events = POLLIN };
	uint64_t end = wq_now_ms() + ms;
	int got = 0;
	char c;

	while (got < n) {
		uint64_t now = wq_now_ms();

		if (now >= end || poll(&pfd, 1, end - now) <= 0)
			break;
		if (read(rfd, &c, 1) != 1)
			break;
		got++;
		if (c == 'A')
			(*again)++;
		else if (c == 'D')
			(*data)++;
		else
			(*other)++;
	}
	return got;
}

/*
 * Wait until @n requests are parked, through GET_QUEUE_STATS: 0, or -1
 * with errno (a refused stats call's, or ETIMEDOUT).
 */
static int wait_parked(int fd, unsigned int q, unsigned int n)
{
	return wq_wait_queued(fd, q, n);
}

/*
 * An unprivileged user fills the device budget with parked reads from
 * several descriptors. Root's statistics, info and queue control still
 * work (only root's own reads are refused: the device is full), and the
 * purge frees the device.
 */
TEST_F(budget, control_ioctls_not_refused_by_full_budget)
{
	struct wdfq_queue_stats s;
	struct wdfq_info info;
	int fds[2], rfd, again = 0, data = 0, other = 0;
	char buf[16];

	ASSERT_EQ(0, set_param("dev_max_requests", 4));
	/* let one user fill it (no per-user bound before the fix) */
	set_param("user_max_requests", 4);
	fds[0] = open(PATH, O_RDWR);
	fds[1] = open(PATH, O_RDWR);
	ASSERT_LE(0, fds[0]);
	ASSERT_LE(0, fds[1]);
	rfd = spawn_user(self->kids, &self->nkids, 65534, fds, 2, 4, 16);
	ASSERT_LE(0, rfd);
	/* the 4th read takes the last unit of the device budget */
	EXPECT_EQ(0, wait_parked(self->fd, self->parked, 4))
		TH_LOG("GET_QUEUE_STATS with the budget full: %s",
		       strerror(errno));
	EXPECT_EQ(0, reports(rfd, 4, 100, &again, &data, &other));
	EXPECT_EQ(0, ioctl(self->fd, WDFQ_IOC_GET_INFO, &info))
		TH_LOG("GET_INFO: %s", strerror(errno));
	EXPECT_EQ(0, wq_stats(self->fd, WDFQ_QUEUE_CONTROL, &s))
		TH_LOG("GET_QUEUE_STATS: %s", strerror(errno));
	/* the data path is full for root too: EAGAIN, documented */
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	/* the administrator recovers */
	EXPECT_EQ(0, wq_ctl(self->fd, self->parked, WDFQ_CTL_PURGE,
			    WDFQ_CTL_F_WAIT))
		TH_LOG("PURGE with the budget full: %s", strerror(errno));
	EXPECT_EQ(4, reports(rfd, 4, WQ_WAIT_MS, &again, &data, &other));
	EXPECT_EQ(4, other);
	EXPECT_EQ(0, wq_ctl(self->fd, self->parked, WDFQ_CTL_START, 0));
	EXPECT_EQ(0, wq_reset_stats(self->fd));
	close(rfd);
	close(fds[0]);
	close(fds[1]);
}

/*
 * User 65534 wants 6 parked reads from 3 descriptors; its bound is 4, the
 * device's 8. It gets 4 (2 EAGAIN), and user 65533 and root still get
 * theirs until the device is full. Killed, the user gets its budget back.
 */
TEST_F(budget, one_user_cannot_take_device_budget)
{
	int fds[3], ra, rb, ra2, i, again = 0, data = 0, other = 0;
	struct wq_reader root_r;
	struct wdfq_info info;
	char buf[16];

	ASSERT_EQ(0, set_param("dev_max_requests", 8));
	EXPECT_EQ(0, set_param("user_max_requests", 4))
		TH_LOG("no per-user bound (user_max_requests)");
	ASSERT_EQ(0, ioctl(self->fd, WDFQ_IOC_GET_INFO, &info));
	EXPECT_EQ(4, info.user_max_requests);
	EXPECT_EQ(8, info.dev_max_requests);
	for (i = 0; i < 3; i++) {
		fds[i] = open(PATH, O_RDWR);
		ASSERT_LE(0, fds[i]);
	}
	ra = spawn_user(self->kids, &self->nkids, 65534, fds, 3, 6, 16);
	ASSERT_LE(0, ra);
	EXPECT_EQ(2, reports(ra, 2, 5000, &again, &data, &other))
		TH_LOG("user 65534 was not bounded");
	EXPECT_EQ(2, again);
	ASSERT_EQ(0, wait_parked(self->fd, self->parked, again ? 4 : 6));

	/* another user, on one of the same open files */
	rb = spawn_user(self->kids, &self->nkids, 65533, fds, 1, 3, 16);
	ASSERT_LE(0, rb);
	again = 0;
	data = 0;
	other = 0;
	EXPECT_EQ(0, reports(rb, 3, 300, &again, &data, &other))
		TH_LOG("user 65533 refused %d reads", again);
	ASSERT_EQ(0, wait_parked(self->fd, self->parked, 7))
		TH_LOG("user 65533 could not park its reads");

	/* root takes the last unit; then the device is full for everyone */
	ASSERT_EQ(0, wq_reader_start(&root_r, self->fd, 16));
	ASSERT_EQ(0, wait_parked(self->fd, self->parked, 8));
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);

	/* exit returns the user's budget: a new process of 65534 gets 4 */
	kill(self->kids[0], SIGKILL);
	waitpid(self->kids[0], NULL, 0);
	self->kids[0] = self->kids[--self->nkids];
	close(ra);
	ASSERT_EQ(0, wait_parked(self->fd, self->parked, 4));
	ra2 = spawn_user(self->kids, &self->nkids, 65534, fds, 3, 4, 16);
	ASSERT_LE(0, ra2);
	again = 0;
	data = 0;
	other = 0;
	ASSERT_EQ(0, wait_parked(self->fd, self->parked, 8));
	EXPECT_EQ(0, reports(ra2, 4, 100, &again, &data, &other));

	ASSERT_EQ(0, wq_ctl(self->fd, self->parked, WDFQ_CTL_PURGE,
			    WDFQ_CTL_F_WAIT));
	ASSERT_EQ(0, wq_join(root_r.th, WQ_WAIT_MS));
	EXPECT_EQ(-1, root_r.ret);
	close(rb);
	close(ra2);
	for (i = 0; i < 3; i++)
		close(fds[i]);
}

/* The per-user bound on bounce-buffer bytes. */
TEST_F(budget, user_bytes_bound)
{
	int fds[2], ra, again = 0, data = 0, other = 0;

	ASSERT_EQ(0, set_param("user_max_bytes", 2 * WDFQ_MAX_IO))
		TH_LOG("no per-user bound (user_max_bytes)");
	fds[0] = open(PATH, O_RDWR);
	fds[1] = open(PATH, O_RDWR);
	ASSERT_LE(0, fds[0]);
	ASSERT_LE(0, fds[1]);
	ra = spawn_user(self->kids, &self->nkids, 65534, fds, 2, 3, WDFQ_MAX_IO);
	ASSERT_LE(0, ra);
	EXPECT_EQ(1, reports(ra, 1, 5000, &again, &data, &other));
	EXPECT_EQ(1, again);
	ASSERT_EQ(0, wait_parked(self->fd, self->parked, 2));
	close(ra);
	close(fds[0]);
	close(fds[1]);
}

/* CAP_SYS_ADMIN (root) is not held to the per-user bound. */
TEST_F(budget, privileged_user_not_bound_per_user)
{
	static struct wq_reader r[6];
	int fds[3], i;

	ASSERT_EQ(0, set_param("user_max_requests", 2))
		TH_LOG("no per-user bound (user_max_requests)");
	for (i = 0; i < 3; i++) {
		fds[i] = open(PATH, O_RDWR);
		ASSERT_LE(0, fds[i]);
	}
	for (i = 0; i < 6; i++)
		ASSERT_EQ(0, wq_reader_start(&r[i], fds[i % 3], 16));
	ASSERT_EQ(0, wait_parked(self->fd, self->parked, 6));
	for (i = 0; i < 6; i++)
		EXPECT_FALSE(wq_reader_done(&r[i]));
	ASSERT_EQ(0, wq_ctl(self->fd, self->parked, WDFQ_CTL_PURGE,
			    WDFQ_CTL_F_WAIT));
	for (i = 0; i < 6; i++) {
		ASSERT_EQ(0, wq_join(r[i].th, WQ_WAIT_MS));
		EXPECT_EQ(-1, r[i].ret);
	}
	for (i = 0; i < 3; i++)
		close(fds[i]);
}

TEST_HARNESS_MAIN
