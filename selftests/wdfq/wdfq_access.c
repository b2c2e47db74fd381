// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq access rules for an ordinary user: /dev/wdfqN is 0666, so any uid
 * opens it, reads, writes and uses the unprivileged ioctls; the
 * privileged ioctls (QUEUE_CTL, SET_PARAMS, INJECT, RESET_STATS) need
 * CAP_SYS_ADMIN and fail with EPERM. Checked as a real unprivileged uid
 * (setuid in a forked child), not only with dropped capabilities.
 */
#include <grp.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "wdfq_util.h"

#define DEV	"/dev/wdfq0"
#define NOBODY	65534

/* Become uid/gid 65534 with no supplementary groups and no capability. */
static int become_nobody(void)
{
	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return -1;
	return getuid() == NOBODY && geteuid() == NOBODY ? 0 : -1;
}

/* Run @fn(@fd) in a child as uid 65534; returns its exit status. */
static int as_nobody(int (*fn)(int fd), int fd)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		if (become_nobody())
			_exit(100);
		_exit(fn(fd));
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* Each privileged ioctl fails with EPERM; returns a bit per failure. */
static int privileged_refused(int fd)
{
	int bad = 0;

	if (wq_ctl(fd, WDFQ_QUEUE_READ, WDFQ_CTL_START, 0) != -1 ||
	    errno != EPERM)
		bad |= 1;
	if (wq_set(fd, WDFQ_PARAM_WRITE_LATENCY, 1000, 0, 0, 0) != -1 ||
	    errno != EPERM)
		bad |= 2;
	if (wq_inject(fd, "x", 1, 0) != -1 || errno != EPERM)
		bad |= 4;
	if (wq_reset_stats(fd) != -1 || errno != EPERM)
		bad |= 8;
	return bad;
}

struct ev_waiter {
	pthread_t th;
	int fd;
	int ret;
	struct wdfq_event ev;
};

static void *ev_waiter_fn(void *arg)
{
	struct ev_waiter *w = arg;

	memset(&w->ev, 0, sizeof(w->ev));
	w->ret = ioctl(w->fd, WDFQ_IOC_WAIT_EVENT, &w->ev);
	return NULL;
}

/* An ordinary user opens the device and uses what is not privileged. */
static int user_session(int unused)
{
	struct wdfq_queue_stats s;
	struct wdfq_params p = { 0 };
	struct wdfq_info info;
	struct ev_waiter w = { 0 };
	char buf[8];
	int fd, bad;

	fd = open(DEV, O_RDWR);
	if (fd < 0)
		return 10;	/* EACCES: the node is root-only */
	if (ioctl(fd, WDFQ_IOC_GET_INFO, &info))
		return 11;
	if (wq_stats(fd, WDFQ_QUEUE_WRITE, &s))
		return 12;
	if (ioctl(fd, WDFQ_IOC_GET_PARAMS, &p))
		return 13;
	bad = privileged_refused(fd);
	if (bad)
		return 20 + bad;
	/* WAIT_EVENT is open to everyone: our own write's interrupt ends it. */
	w.fd = fd;
	if (pthread_create(&w.th, NULL, ev_waiter_fn, &w))
		return 14;
	if (wq_wait_queued(fd, WDFQ_QUEUE_EVENTS, 1))
		return 15;
	if (write(fd, "u", 1) != 1)
		return 16;
	if (wq_join(w.th, WQ_WAIT_MS))
		return 17;
	if (w.ret || w.ev.source != WDFQ_EVT_WRITE_DONE)
		return 18;
	/* The write looped back: read it. */
	if (read(fd, buf, sizeof(buf)) != 1 || buf[0] != 'u')
		return 19;
	close(fd);
	return 0;
}

static int check_mode(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -1;
	return S_ISCHR(st.st_mode) ? (int)(st.st_mode & 07777) : -1;
}

/* The node's mode is what a user expects of this test device. */
TEST(device_node_mode_0666)
{
	EXPECT_EQ(0666, check_mode(DEV))
		TH_LOG("%s mode %o", DEV, check_mode(DEV));
	if (!access("/dev/wdfq1", F_OK))
		EXPECT_EQ(0666, check_mode("/dev/wdfq1"));
}

/* A real unprivileged uid opens, reads, writes, waits for events. */
TEST(unprivileged_user_uses_device)
{
	int fd, ret;

	if (geteuid())
		SKIP(return, "needs root to setuid");
	fd = open(DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, wq_reset_device(fd, DEV));
	ret = as_nobody(user_session, -1);
	EXPECT_EQ(0, ret) TH_LOG("child failed at step %d (10: open)", ret);
	wq_reset_device(fd, DEV);
	close(fd);
}

/* A descriptor opened by root gives the unprivileged uid nothing more. */
static int inherited_fd(int fd)
{
	return privileged_refused(fd);
}

TEST(unprivileged_user_privileged_ioctls_eperm)
{
	int fd, ret;

	if (geteuid())
		SKIP(return, "needs root to setuid");
	fd = open(DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ret = as_nobody(inherited_fd, fd);
	EXPECT_EQ(0, ret) TH_LOG("failure bits %#x (1 ctl, 2 set, 4 inject, 8 reset)",
				 ret);
	close(fd);
}

TEST_HARNESS_MAIN
