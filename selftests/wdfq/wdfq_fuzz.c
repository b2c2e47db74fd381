// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq fuzzer: random ioctls and random read/write calls on /dev/wdfq0, as
 * root and as an unprivileged uid, for a fixed time with a printed seed.
 *
 * Commands are drawn inside the driver's magic (the real ones with random
 * contents, reserved fields and flags set; random numbers, directions and
 * sizes) and outside it. Arguments are valid buffers ending at a guard page,
 * NULL, a kernel address, an unmapped page, a buffer straddling the guard
 * page, or a random value. A periodic timer interrupts calls that wait
 * (WAIT_EVENT, a transfer, a QUEUE_CTL with WAIT), so nothing hangs.
 *
 * Checked on every call:
 *   - only errnos that uapi/linux/wdfq.h documents come back;
 *   - an unknown command gets ENOTTY;
 *   - a privileged command never succeeds for the unprivileged uid (EPERM);
 *   - a failed call leaves the caller's buffer untouched, and a successful
 *     GET_* leaves no byte of kernel memory in reserved fields or after a
 *     name's NUL;
 *   - read and write never report more than asked or than WDFQ_MAX_IO.
 * At the end the device is reset: every queue must balance, be idle and have
 * no driver bug, and the device must still loop bytes back.
 *
 * Environment: WDFQ_FUZZ_SECONDS (default 60 on a kernel with fault
 * injection, the debug ones, 20 elsewhere; split between root and the
 * unprivileged uid), WDFQ_FUZZ_SEED (default: from the clock). "make fuzz"
 * runs longer ones.
 */
#include <grp.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "wdfq_util.h"

#define DEV		"/dev/wdfq0"
#define NOBODY		65534
#define PG		4096
#define AREA_PAGES	8	/* the last one is the guard page */
#define KERNEL_PTR	0xffffffff81000000ull

/* Command numbers the VFS handles before the driver: never drawn. */
static const unsigned char vfs_types[] = { 'T', 'X', 'f', 0x94, 0x15, 0x12 };

static const unsigned int known_cmds[] = {
	WDFQ_IOC_GET_INFO, WDFQ_IOC_GET_QUEUE_STATS, WDFQ_IOC_QUEUE_CTL,
	WDFQ_IOC_SET_PARAMS, WDFQ_IOC_GET_PARAMS, WDFQ_IOC_INJECT,
	WDFQ_IOC_WAIT_EVENT, WDFQ_IOC_RESET_STATS,
};

struct fz {
	uint64_t rng;
	uint8_t *area;		/* AREA_PAGES pages, the last one PROT_NONE */
	uint8_t *guard;
	uint8_t *shadow;	/* copy of the argument before the call */
	int fd;
	bool root;
	unsigned long calls;
	unsigned long ioctl_ok;	/* ioctls that succeeded: paths reached */
	unsigned long failures;
	char first[256];	/* the first failure, for the report */
};

static uint64_t fz_rand(struct fz *f)
{
	/* xorshift64*: small, and the seed alone replays the draw */
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return f->rng * 2685821657736338717ull;
}

static unsigned int fz_below(struct fz *f, unsigned int n)
{
	return n ? fz_rand(f) % n : 0;
}

static void fz_fail(struct fz *f, const char *what, unsigned int cmd,
		    long ret, int err)
{
	f->failures++;
	if (f->failures == 1)
		snprintf(f->first, sizeof(f->first),
			 "%s: cmd %#x returned %ld errno %d (%s)", what, cmd,
			 ret, err, strerror(err));
}

static bool fz_documented(int err)
{
	switch (err) {
	case EINTR: case ECANCELED: case ESHUTDOWN: case ENODEV: case ENOTTY:
	case EAGAIN: case EFAULT: case EINVAL: case EPERM: case EBUSY:
		return true;
	default:
		return false;
	}
}

static bool fz_is_known(unsigned int cmd)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(known_cmds); i++)
		if (cmd == known_cmds[i])
			return true;
	return false;
}

static bool fz_is_privileged(unsigned int cmd)
{
	return cmd == WDFQ_IOC_QUEUE_CTL || cmd == WDFQ_IOC_SET_PARAMS ||
	       cmd == WDFQ_IOC_INJECT || cmd == WDFQ_IOC_RESET_STATS;
}

/* A command: a real one, one inside the magic, or one outside it. */
static unsigned int fz_cmd(struct fz *f)
{
	unsigned int r = fz_below(f, 100), type, i;

	if (r < 45)
		return known_cmds[fz_below(f, ARRAY_SIZE(known_cmds))];
	if (r < 75)
		return _IOC(fz_below(f, 4), WDFQ_IOC_MAGIC, fz_below(f, 16),
			    fz_below(f, 4) ? fz_below(f, 256) :
					     fz_below(f, _IOC_SIZEMASK + 1));
	do {
		type = fz_below(f, 256);
		for (i = 0; i < ARRAY_SIZE(vfs_types); i++)
			if (type == vfs_types[i])
				type = WDFQ_IOC_MAGIC;
	} while (type == WDFQ_IOC_MAGIC);
	return _IOC(fz_below(f, 4), type, fz_below(f, 256),
		    fz_below(f, 1024));
}

/* Random bytes, or plausible fields with the odd reserved bit set. */
static void fz_fill(struct fz *f, uint8_t *p, size_t len, unsigned int cmd)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = fz_rand(f);
	if (!fz_below(f, 3) || len < 16)
		return;
	memset(p, 0, len);
	/* the first words: queue ids, ops, masks and flags are small */
	for (i = 0; i + 4 <= len && i < 16; i += 4)
		*(uint32_t *)(p + i) = fz_below(f, 8);
	if (cmd == WDFQ_IOC_SET_PARAMS && len >= 20) {
		/* short transfers, so that a timer tick ends a wait */
		*(uint32_t *)(p + 4) = fz_below(f, 20000);
		*(uint32_t *)(p + 12) = fz_below(f, 4) ? 0 : fz_below(f, 2000);
		*(uint32_t *)(p + 16) = 64u << fz_below(f, 16);
	}
	if (cmd == WDFQ_IOC_INJECT && len >= 16) {
		*(uint64_t *)p = (uintptr_t)(f->area + PG);
		*(uint32_t *)(p + 8) = fz_below(f, 64);
	}
	if (fz_below(f, 5) == 0)
		p[len - 1 - fz_below(f, len)] |= 1u << fz_below(f, 8);
}

/* An argument for @len bytes; *@checkable when it is ours to inspect. */
static void *fz_arg(struct fz *f, size_t len, unsigned int cmd,
		    bool *checkable)
{
	size_t room = (AREA_PAGES - 1) * PG;
	uint8_t *p;

	*checkable = false;
	switch (fz_below(f, 10)) {
	case 0:
		return NULL;
	case 1:
		return (void *)(uintptr_t)KERNEL_PTR;
	case 2:
		return f->guard;
	case 3:
		return f->guard - (len > 1 ? len / 2 : 1);
	case 4:
		return (void *)(uintptr_t)fz_rand(f);
	default:
		if (len > room)
			return f->area;
		p = f->guard - len;	/* ends at the guard page */
		fz_fill(f, p, len, cmd);
		*checkable = true;
		return p;
	}
}

static bool fz_zero(const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len--)
		if (*b++)
			return false;
	return true;
}

static bool fz_name_clean(const char *name, size_t len)
{
	size_t n = strnlen(name, len);

	return n < len && fz_zero(name + n, len - n);
}

/* What a successful GET_* wrote must hold no stray kernel bytes. */
static bool fz_output_clean(unsigned int cmd, const void *p)
{
	const struct wdfq_info *info = p;
	const struct wdfq_queue_stats *st = p;
	const struct wdfq_params *par = p;
	const struct wdfq_event *ev = p;
	unsigned int i;

	switch (cmd) {
	case WDFQ_IOC_GET_INFO:
		if (info->flags || !fz_zero(info->reserved,
					    sizeof(info->reserved)))
			return false;
		for (i = 0; i < WDFQ_MAX_QUEUES; i++)
			if (!fz_name_clean(info->queues[i].name,
					   sizeof(info->queues[i].name)))
				return false;
		for (i = info->nr_queues; i < WDFQ_MAX_QUEUES; i++)
			if (!fz_zero(&info->queues[i],
				     sizeof(info->queues[i])))
				return false;
		return true;
	case WDFQ_IOC_GET_QUEUE_STATS:
		return !st->flags && fz_zero(st->reserved, sizeof(st->reserved));
	case WDFQ_IOC_GET_PARAMS:
		return !par->mask && fz_zero(par->reserved,
					     sizeof(par->reserved));
	case WDFQ_IOC_WAIT_EVENT:
		return !ev->flags && !ev->reserved;
	default:
		return true;
	}
}

static void fz_ioctl(struct fz *f)
{
	unsigned int cmd = fz_cmd(f);
	size_t len = _IOC_SIZE(cmd);
	bool checkable;
	void *arg = fz_arg(f, len, cmd, &checkable);
	int ret, err;

	if (checkable)
		memcpy(f->shadow, arg, len);
	ret = ioctl(f->fd, cmd, arg);
	err = errno;
	f->calls++;
	f->ioctl_ok += ret >= 0;
	if (ret < 0 && !fz_documented(err))
		fz_fail(f, "undocumented errno", cmd, ret, err);
	else if (!fz_is_known(cmd) && !(ret < 0 && err == ENOTTY))
		fz_fail(f, "unknown command not ENOTTY", cmd, ret, err);
	else if (!f->root && fz_is_privileged(cmd) &&
		 !(ret < 0 && err == EPERM))
		fz_fail(f, "privileged command not EPERM", cmd, ret, err);
	else if (ret < 0 && checkable && memcmp(f->shadow, arg, len))
		fz_fail(f, "failed call wrote the buffer", cmd, ret, err);
	else if (!ret && checkable && (_IOC_DIR(cmd) & _IOC_READ) &&
		 !fz_output_clean(cmd, arg))
		fz_fail(f, "stray bytes in the output", cmd, ret, err);
}

/* read, write, pread, pwrite, readv or writev with random arguments. */
static void fz_rw(struct fz *f)
{
	static const size_t sizes[] = { 0, 1, 7, 64, 4096, WDFQ_MAX_IO,
					WDFQ_MAX_IO + 1, 1 << 20 };
	struct iovec iov[4];
	unsigned int op = fz_below(f, 6), n = fz_below(f, 5), i;
	size_t len = fz_below(f, 2) ? sizes[fz_below(f, ARRAY_SIZE(sizes))] :
				      fz_below(f, 2 * WDFQ_MAX_IO);
	size_t total = 0;
	bool checkable;
	void *p = fz_arg(f, len, 0, &checkable);
	ssize_t ret;
	int err;

	for (i = 0; i < n; i++) {
		iov[i].iov_len = fz_below(f, 2 * PG);
		iov[i].iov_base = fz_arg(f, iov[i].iov_len, 0, &checkable);
		total += iov[i].iov_len;
	}
	switch (op) {
	case 0:
		ret = read(f->fd, p, len);
		break;
	case 1:
		ret = write(f->fd, p, len);
		break;
	case 2:
		ret = pread(f->fd, p, len, fz_rand(f) >> 1);
		break;
	case 3:
		ret = pwrite(f->fd, p, len, fz_rand(f) >> 1);
		break;
	case 4:
		len = total;
		ret = readv(f->fd, iov, n);
		break;
	default:
		len = total;
		ret = writev(f->fd, iov, n);
		break;
	}
	err = errno;
	f->calls++;
	if (ret < 0 && !fz_documented(err))
		fz_fail(f, "read/write: undocumented errno", op, ret, err);
	else if (ret > 0 && ((size_t)ret > len || ret > WDFQ_MAX_IO))
		fz_fail(f, "read/write: more than asked", op, ret, 0);
}

static void fz_tick(int sig)
{
}

/* Interrupt whatever waits, every 20 ms, without SA_RESTART. */
static int fz_timer(bool on)
{
	struct itimerval it = { { 0, on ? 20000 : 0 }, { 0, on ? 20000 : 0 } };
	struct sigaction sa = { .sa_handler = fz_tick };

	if (sigaction(SIGALRM, &sa, NULL))
		return -1;
	return setitimer(ITIMER_REAL, &it, NULL);
}

/* Run calls until @ms milliseconds have passed; 0 when every call passed. */
static int fz_run(struct fz *f, uint64_t seed, unsigned int ms)
{
	uint64_t end = wq_now_ms() + ms;

	f->rng = seed | 1;
	f->area = mmap(NULL, AREA_PAGES * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	f->shadow = malloc((AREA_PAGES - 1) * PG);
	if (f->area == MAP_FAILED || !f->shadow)
		return -1;
	f->guard = f->area + (AREA_PAGES - 1) * PG;
	if (mprotect(f->guard, PG, PROT_NONE))
		return -1;
	f->fd = open(DEV, O_RDWR | O_NONBLOCK);
	if (f->fd < 0 || fz_timer(true))
		return -1;
	while (wq_now_ms() < end) {
		if (fz_below(f, 3))
			fz_ioctl(f);
		else
			fz_rw(f);
	}
	fz_timer(false);
	close(f->fd);
	return f->failures ? 1 : 0;
}

static int fz_become_nobody(void)
{
	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return -1;
	return geteuid() == NOBODY ? 0 : -1;
}

/* Report and return the child's verdict: 0 pass, 1 fail, other: setup. */
static int fz_child(uint64_t seed, unsigned int ms, bool root)
{
	struct fz f = { .root = root };
	int ret;

	if (!root && fz_become_nobody())
		return 2;
	ret = fz_run(&f, seed, ms);
	printf("# %s: seed %llu, %lu calls (%lu ioctls succeeded), %lu failures%s%s\n",
	       root ? "root" : "uid 65534", (unsigned long long)seed, f.calls,
	       f.ioctl_ok, f.failures, f.failures ? "; first: " : "", f.first);
	fflush(stdout);
	return ret < 0 ? 3 : ret;
}

static int fz_fork(uint64_t seed, unsigned int ms, bool root)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (!pid)
		_exit(fz_child(seed, ms, root));
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

FIXTURE(fuzz) {
	int fd;
	uint64_t seed;
	unsigned int ms;
};

FIXTURE_SETUP(fuzz)
{
	const char *s = getenv("WDFQ_FUZZ_SEED");
	const char *t = getenv("WDFQ_FUZZ_SECONDS");

	self->seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL);
	self->ms = (t ? strtoul(t, NULL, 0) :
		    !access("/proc/self/fail-nth", F_OK) ? 60 : 20) * 1000;
	self->fd = open(DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, wq_reset_device(self->fd, DEV));
}

FIXTURE_TEARDOWN(fuzz)
{
	wq_reset_device(self->fd, DEV);
	close(self->fd);
}

TEST_F_TIMEOUT(fuzz, root_then_unprivileged, 3600)
{
	struct wdfq_queue_stats st;
	char buf[8];

	TH_LOG("seed %llu (WDFQ_FUZZ_SEED=%llu replays the draw)",
	       (unsigned long long)self->seed,
	       (unsigned long long)self->seed);
	EXPECT_EQ(0, fz_fork(self->seed, self->ms / 2, true));
	EXPECT_EQ(0, fz_fork(self->seed + 1, self->ms / 2, false));

	/* The device must be whole afterwards. */
	ASSERT_EQ(0, wq_reset_device(self->fd, DEV));
	EXPECT_EQ(0, wq_settled(self->fd, &st)) {
		TH_LOG("queue %u: queued %u owned %u bugs %llu", st.queue,
		       st.queued, st.driver_owned,
		       (unsigned long long)st.driver_bugs);
	}
	/* transfers that ended while settling looped bytes back */
	wq_drain(DEV, NULL, 0);
	ASSERT_EQ(0, wq_inject(self->fd, "fuzz", 4, WDFQ_INJECT_F_WAKE));
	ASSERT_EQ(0, wq_wait_ring(self->fd, 4));
	ASSERT_EQ(4, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "fuzz", 4));
}

TEST_HARNESS_MAIN
