// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq race load: two processes per CPU, each pinned to its CPU, call into
 * /dev/wdfq0 at the same time for a bounded time: non-blocking and blocking
 * writes and reads, GET_QUEUE_STATS, GET_INFO and poll. One of them also
 * stops and starts the write queue a few times. It gives a data-race
 * detector something to see: on a kernel with KCSAN
 * (/sys/module/kcsan/parameters) the test makes its watchpoints longer and
 * denser for the run (udelay_task 2000 us, skip_watch 200) and puts the old
 * values back at the end, also when the test fails or is killed. With
 * QEMU's single TCG thread the other vCPU runs only when this one is
 * switched out, so KCSAN's default, short watchpoints rarely overlap an
 * access of the other CPU.
 *
 * Checked:
 *   - every process ends (a timer interrupts blocking calls, so none can
 *     hang; one that does not end in time is killed and fails the test);
 *   - calls fail only with the errnos this load can cause: EAGAIN
 *     (non-blocking, or a budget is full) and EINTR (the timer, also in
 *     an ioctl waiting on the control queue);
 *   - afterwards every queue balances, is idle and has no driver bug, and
 *     the device still loops bytes back (inject, then read).
 * The data races themselves are judged on the kernel log by
 * scripts/parse-results.sh.
 *
 * Environment: WDFQ_RACE_SECONDS (default 60 on a kernel with KCSAN, 5
 * elsewhere; at most 200).
 */
#define _GNU_SOURCE
#include <poll.h>
#include <sched.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "wdfq_util.h"

#define DEV		"/dev/wdfq0"
#define KCSAN_PARAMS	"/sys/module/kcsan/parameters"
#define RACE_MAX_S	200
#define RACE_IO		8	/* small calls: many of them per second */
#define CTL_CYCLES	5	/* stop/start pairs on the write queue */

FIXTURE(race) {
	int fd;
	int kcsan;		/* KCSAN parameters saved, to be restored */
	char udelay[32];
	char skip[32];
	unsigned int secs;
};

static int kcsan_set(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), KCSAN_PARAMS "/%s", name);
	return wq_sysfs_write(path, val);
}

static int kcsan_get(const char *name, char *buf, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), KCSAN_PARAMS "/%s", name);
	return wq_sysfs_read(path, buf, len);
}

/*
 * A guard in a session of its own puts KCSAN's parameters back once the
 * test process and its workers are gone, however they went: it waits for
 * the end of a pipe whose write end only they hold. The runner's timeout
 * kills the test's process group, the harness's teardown with it; the
 * guard is not in that group. Return: 0, or -1 if it could not start.
 */
static int kcsan_guard(const char *udelay, const char *skip)
{
	int p[2], null;
	char c;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (!pid) {
		close(p[1]);
		setsid();
		/* the runner reads our output until every writer is gone */
		null = open("/dev/null", O_RDWR);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		kcsan_set("udelay_task", udelay);
		kcsan_set("skip_watch", skip);
		_exit(0);
	}
	close(p[0]);
	return 0;
}

FIXTURE_SETUP(race)
{
	const char *t = getenv("WDFQ_RACE_SECONDS");
	int kcsan = !access(KCSAN_PARAMS, F_OK);

	self->kcsan = 0;
	self->secs = t ? strtoul(t, NULL, 0) : kcsan ? 60 : 5;
	if (self->secs > RACE_MAX_S)
		self->secs = RACE_MAX_S;
	self->fd = open(DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, wq_reset_device(self->fd, DEV));
	if (kcsan) {
		ASSERT_EQ(0, kcsan_get("udelay_task", self->udelay,
				       sizeof(self->udelay)));
		ASSERT_EQ(0, kcsan_get("skip_watch", self->skip,
				       sizeof(self->skip)));
		/* the teardown runs only once the setup succeeded */
		if (kcsan_set("udelay_task", "2000") ||
		    kcsan_set("skip_watch", "200")) {
			kcsan_set("udelay_task", self->udelay);
			kcsan_set("skip_watch", self->skip);
			ASSERT_TRUE(0) TH_LOG("cannot set KCSAN's parameters");
		}
		self->kcsan = 1;
		ASSERT_EQ(0, kcsan_guard(self->udelay, self->skip));
		TH_LOG("KCSAN: udelay_task %s -> 2000, skip_watch %s -> 200",
		       self->udelay, self->skip);
	}
}

/*
 * In the harness's process that waits for the test (self is shared with
 * the test's), so that KCSAN's parameters come back also when the test dies
 * of a signal. A timeout that kills both leaves it to kcsan_guard().
 */
FIXTURE_TEARDOWN_PARENT(race)
{
	int fd;

	if (self->kcsan) {
		EXPECT_EQ(0, kcsan_set("udelay_task", self->udelay));
		EXPECT_EQ(0, kcsan_set("skip_watch", self->skip));
	}
	fd = open(DEV, O_RDWR);
	if (fd >= 0) {
		wq_ctl(fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_START, 0);
		close(fd);
	}
}

static void on_alarm(int sig)
{
}

/* An errno this load may cause; anything else is a failure. */
static int expected_errno(int e)
{
	return e == EAGAIN || e == EINTR;
}

static int bad(int id, const char *what, int e)
{
	fprintf(stderr, "# worker %d: %s: %s\n", id, what, strerror(e));
	return 1;
}

/* One worker: returns its exit status (0: every call behaved). */
static int worker(int id, int cpu, unsigned int secs)
{
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	uint64_t end = wq_now_ms() + secs * 1000ull;
	uint64_t ctl_every = secs * 1000ull / (CTL_CYCLES + 1);
	uint64_t next_ctl = wq_now_ms() + ctl_every;
	struct wdfq_queue_stats st;
	struct wdfq_info info;
	char buf[RACE_IO] = "racerace";
	unsigned long calls = 0, ok = 0, cycles = 0;
	int fd, nb, rc = 0;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return bad(id, "sched_setaffinity", errno);
	sigaction(SIGALRM, &sa, NULL);
	fd = open(DEV, O_RDWR);
	nb = open(DEV, O_RDWR | O_NONBLOCK);
	if (fd < 0 || nb < 0)
		return bad(id, "open", errno);
	setitimer(ITIMER_REAL, &it, NULL);

	while (!rc && wq_now_ms() < end) {
		struct pollfd p = { .fd = nb, .events = POLLIN | POLLOUT };
		ssize_t n = 0;

		switch (calls++ % 8) {
		case 0:
		case 6:
			n = write(nb, buf, sizeof(buf));
			break;
		case 1:
		case 7:
			n = read(nb, buf, sizeof(buf));
			break;
		case 2:
			n = write(fd, buf, sizeof(buf));
			break;
		case 3:
			/* block only when there is something to read */
			n = poll(&p, 1, 0) > 0 && (p.revents & POLLIN) ?
			    read(fd, buf, sizeof(buf)) : 0;
			break;
		case 4:
			/* ioctls wait their turn on the control queue */
			if (wq_stats(fd, calls / 8 % WDFQ_NR_QUEUES, &st) &&
			    !expected_errno(errno))
				rc = bad(id, "GET_QUEUE_STATS", errno);
			memset(&info, 0, sizeof(info));
			n = ioctl(fd, WDFQ_IOC_GET_INFO, &info);
			break;
		case 5:
			n = poll(&p, 1, 10);
			break;
		}
		if (n < 0 && !rc && !expected_errno(errno))
			rc = bad(id, "read/write/poll/GET_INFO", errno);
		ok += n >= 0;

		if (id == 0 && cycles < CTL_CYCLES && wq_now_ms() >= next_ctl) {
			if (wq_ctl(fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_STOP, 0))
				rc = bad(id, "QUEUE_CTL STOP", errno);
			wq_sleep_ms(50);	/* writes pile up meanwhile */
			if (wq_ctl(fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_START, 0))
				rc = bad(id, "QUEUE_CTL START", errno);
			cycles++;
			next_ctl += ctl_every;
		}
	}
	it = (struct itimerval){ };
	setitimer(ITIMER_REAL, &it, NULL);
	if (id == 0 && wq_ctl(fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_START, 0))
		rc = bad(id, "QUEUE_CTL START", errno);
	fprintf(stderr, "# process %d on cpu %d: %lu calls, %lu succeeded, %lu stop/start\n",
		id, cpu, calls, ok, cycles);
	close(nb);
	close(fd);
	return rc;
}

TEST_F_TIMEOUT(race, pinned_processes_on_every_cpu, 300)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int nproc = ncpu < 1 ? 2 : 2 * ncpu;
	pid_t pid[2 * CPU_SETSIZE];
	struct wdfq_queue_stats st;
	uint64_t end;
	int i, left, failed = 0, status;
	char buf[16];

	if (nproc > 2 * CPU_SETSIZE)
		nproc = 2 * CPU_SETSIZE;
	TH_LOG("%d processes on %ld CPUs for %u s", nproc, ncpu, self->secs);
	for (i = 0; i < nproc; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (!pid[i])
			_exit(worker(i, i % (nproc / 2), self->secs));
	}
	/* a blocked call ends at the next timer tick: allow for slow TCG */
	end = wq_now_ms() + self->secs * 1000ull + WQ_WAIT_MS;
	for (left = nproc; left && wq_now_ms() < end; ) {
		for (i = 0; i < nproc; i++) {
			if (!pid[i] || waitpid(pid[i], &status, WNOHANG) <= 0)
				continue;
			if (!WIFEXITED(status) || WEXITSTATUS(status)) {
				TH_LOG("worker %d failed (status 0x%x)", i, status);
				failed++;
			}
			pid[i] = 0;
			left--;
		}
		wq_sleep_ms(50);
	}
	for (i = 0; i < nproc; i++) {
		if (!pid[i])
			continue;
		TH_LOG("worker %d did not end in time: killed", i);
		kill(pid[i], SIGKILL);
		waitpid(pid[i], NULL, 0);
	}
	EXPECT_EQ(0, left);
	EXPECT_EQ(0, failed);

	ASSERT_EQ(0, wq_ctl(self->fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_START, 0));
	EXPECT_EQ(0, wq_settled(self->fd, &st)) {
		TH_LOG("queue %u: queued %u owned %u bugs %llu", st.queue,
		       st.queued, st.driver_owned,
		       (unsigned long long)st.driver_bugs);
	}
	/* what the load wrote and nobody read is still in the ring */
	wq_drain(DEV, NULL, 0);
	ASSERT_EQ(0, wq_inject(self->fd, "race", 4, WDFQ_INJECT_F_WAKE));
	ASSERT_EQ(0, wq_wait_ring(self->fd, 4));
	ASSERT_EQ(4, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "race", 4));
}

TEST_HARNESS_MAIN
