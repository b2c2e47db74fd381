// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq engine debugfs, /sys/kernel/debug/wdfq/<device>/{queues,power}
 * (Documentation/wdfq/debugfs.rst):
 * - the dump of a busy device lists its parked and driver-owned requests
 *   with type, state, age, the submitter's pid and flags, and queue state
 *   and counters equal to GET_QUEUE_STATS;
 * - a file open across an unbind reads an error or EOF afterwards;
 * - readers looping over every file while wdfq.0 is unbound and bound
 *   again, and while the wdfq module is removed and inserted again, get
 *   data, EOF or an error only, and so do files held open across each of
 *   these teardowns (the debug kernel's log, KASAN and lockdep included,
 *   must stay clean).
 *
 * Files are read in small pieces, so that one dump spans many read(2)
 * calls and a teardown lands between them. Every test leaves wdfq.0 bound
 * and the module loaded with the parameters it had.
 */
#include <dirent.h>
#include <stddef.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "wdfq_util.h"

#define DEV	"/dev/wdfq0"
#define DRVDIR	"/sys/bus/platform/drivers/wdfq/"
#define DBGROOT	"/sys/kernel/debug/wdfq"
#define DBGDEV	DBGROOT "/wdfq0"
#define PIECE	61	/* bytes per read(2): odd, to cut lines anywhere */
#define DUMP_MAX (1024 * 1024)
#define ROUNDS	6

/*
 * Read @path to the end in PIECE-byte reads into @buf (NUL-terminated).
 * Return: the bytes read, or -errno of the open or of the read that
 * failed.
 */
static ssize_t read_file(const char *path, char *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	for (;;) {
		n = read(fd, buf + got, got + PIECE < cap ? PIECE : cap - got - 1);
		if (n <= 0)
			break;
		got += n;
		if (got + 1 >= cap)
			break;
	}
	if (n < 0)
		n = -errno;
	close(fd);
	buf[got] = 0;
	return n < 0 ? n : (ssize_t)got;
}

/* A copy of the section of queue @name (its lines up to the next queue). */
static char *queue_section(const char *dump, const char *name)
{
	char head[64];
	const char *p, *end;

	snprintf(head, sizeof(head), "queue %s ", name);
	for (p = dump; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, head, strlen(head)))
			break;
	if (!p)
		return NULL;
	end = strstr(p + 1, "\nqueue ");
	return strndup(p, end ? (size_t)(end - p + 1) : strlen(p));
}

/* The value of " key=" in @s; -1 if absent. */
static long long kv(const char *s, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(s, pat);
	return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

/*
 * Count the request lines of @sec with @type and @state, owned by @pid,
 * whose flags are exactly @flags; -1 if any request line is malformed.
 */
/* One request line of a queue's section (Documentation/wdfq/debugfs.rst). */
static const char req_fmt[] =
	"  request id=%llu type=%31s state=%31s age_ms=%lld pid=%d flags=%127s";

static int count_reqs(const char *sec, const char *type, const char *state,
		      int pid, const char *flags)
{
	char t[32], st[32], fl[128];
	unsigned long long id;
	const char *p = sec;
	long long age;
	int n = 0, owner;

	while ((p = strstr(p, "\n  request "))) {
		p++;
		if (sscanf(p, req_fmt, &id, t, st, &age, &owner, fl) != 6 ||
		    !id || age < 0)
			return -1;
		if (!strcmp(t, type) && !strcmp(st, state) && owner == pid &&
		    !strcmp(fl, flags))
			n++;
	}
	return n;
}

/* Queue names as the driver gives them (Documentation/wdfq/). */
static const char *qname(const struct wdfq_info *info, unsigned int q)
{
	return info->queues[q].name;
}

static int wait_stat(int fd, unsigned int q, size_t off, uint32_t want)
{
	uint64_t end = wq_now_ms() + WQ_WAIT_MS;
	struct wdfq_queue_stats s;

	do {
		if (wq_stats(fd, q, &s))
			return -1;
		if (*(uint32_t *)((char *)&s + off) == want)
			return 0;
		wq_sleep_ms(5);
	} while (wq_now_ms() < end);
	errno = ETIMEDOUT;
	return -1;
}

struct writer {
	pthread_t th;
	int fd;
	ssize_t ret;
	int err;
};

static void *writer_fn(void *arg)
{
	struct writer *w = arg;

	w->ret = write(w->fd, "w", 1);
	w->err = w->ret < 0 ? errno : 0;
	return NULL;
}

/*
 * Two writes in the driver's hands (cancelable transfers of 10 s), the
 * write queue stopped with two more writes queued, two reads parked: the
 * dump shows each of them, and counters equal to GET_QUEUE_STATS.
 */
TEST(busy_queue_dump)
{
	struct wdfq_queue_stats st[WDFQ_NR_QUEUES];
	struct writer w[4];
	struct wq_reader r[2];
	struct wdfq_info info;
	char *dump, *sec, *pw;
	unsigned int q, pq;
	int fd, i, pid = getpid();

	if (access(DBGDEV "/queues", R_OK))
		SKIP(return, "no %s (debugfs not mounted, or not root)",
		     DBGDEV "/queues");
	dump = malloc(DUMP_MAX);
	pw = malloc(DUMP_MAX);
	ASSERT_TRUE(dump && pw);
	fd = open(DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, WDFQ_IOC_GET_INFO, &info));
	ASSERT_EQ(0, wq_reset_device(fd, DEV));
	pq = wq_parked_q(&info);

	ASSERT_EQ(0, wq_set(fd, WDFQ_PARAM_WRITE_LATENCY, 10000000, 0, 0, 0));
	for (i = 0; i < 2; i++) {
		w[i].fd = fd;
		ASSERT_EQ(0, pthread_create(&w[i].th, NULL, writer_fn, &w[i]));
	}
	ASSERT_EQ(0, wait_stat(fd, WDFQ_QUEUE_WRITE,
			       offsetof(struct wdfq_queue_stats, driver_owned),
			       2));
	/* stopped with two writes owned: the stop stays pending */
	ASSERT_EQ(0, wq_ctl(fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_STOP, 0));
	for (i = 2; i < 4; i++) {
		w[i].fd = fd;
		ASSERT_EQ(0, pthread_create(&w[i].th, NULL, writer_fn, &w[i]));
	}
	ASSERT_EQ(0, wq_wait_queued(fd, WDFQ_QUEUE_WRITE, 2));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, wq_reader_start(&r[i], fd, 8));
	ASSERT_EQ(0, wq_wait_queued(fd, pq, 2));

	/* nothing moves now but the control queue (these ioctls) */
	for (q = 0; q < WDFQ_NR_QUEUES; q++)
		ASSERT_EQ(0, wq_stats(fd, q, &st[q]));
	ASSERT_LT(0, read_file(DBGDEV "/queues", dump, DUMP_MAX));
	ASSERT_LT(0, read_file(DBGDEV "/power", pw, DUMP_MAX));
	TH_LOG("queues:\n%s", dump);
	TH_LOG("power:\n%s", pw);
	ASSERT_EQ(0, strncmp(dump, "device wdfq0 powered=1 ", 23));

	for (q = 0; q < WDFQ_NR_QUEUES; q++) {
		if (info.queues[q].flags & WDFQ_QUEUE_F_ABSENT ||
		    q == WDFQ_QUEUE_CONTROL)
			continue;
		sec = queue_section(dump, qname(&info, q));
		ASSERT_NE(NULL, sec) TH_LOG("no queue %s", qname(&info, q));
		EXPECT_EQ(!!(st[q].state & WDFQ_QS_ACCEPTING),
			  kv(sec, "accepting"));
		EXPECT_EQ(!!(st[q].state & WDFQ_QS_DISPATCHING),
			  kv(sec, "dispatching"));
		EXPECT_EQ(!!(st[q].state & WDFQ_QS_POWERED), kv(sec, "powered"));
		EXPECT_EQ(st[q].queued, kv(sec, "queued"));
		EXPECT_EQ(st[q].driver_owned, kv(sec, "driver_owned"));
		EXPECT_EQ(st[q].max_driver_owned, kv(sec, "max_driver_owned"));
		EXPECT_EQ(st[q].arrived, kv(sec, "arrived"));
		EXPECT_EQ(st[q].presented, kv(sec, "presented"));
		EXPECT_EQ(st[q].completed, kv(sec, "completed"));
		EXPECT_EQ(st[q].cancelled, kv(sec, "canceled"));
		EXPECT_EQ(st[q].forwarded_in, kv(sec, "forwarded_in"));
		EXPECT_EQ(st[q].forwarded_out, kv(sec, "forwarded_out"));
		EXPECT_EQ(st[q].driver_bugs, kv(sec, "driver_bugs"));
		free(sec);
	}
	/* the control queue serves this test's ioctls: it only grew */
	sec = queue_section(dump, qname(&info, WDFQ_QUEUE_CONTROL));
	ASSERT_NE(NULL, sec);
	EXPECT_LE(st[WDFQ_QUEUE_CONTROL].arrived, kv(sec, "arrived"));
	EXPECT_EQ(1, kv(sec, "accepting"));
	free(sec);

	sec = queue_section(dump, qname(&info, WDFQ_QUEUE_WRITE));
	ASSERT_NE(NULL, sec);
	EXPECT_EQ(1, kv(sec, "stop_pending"));
	EXPECT_EQ(0, kv(sec, "dispatching"));
	EXPECT_EQ(2, count_reqs(sec, "write", "queued", pid, "-"));
	EXPECT_EQ(2, count_reqs(sec, "write", "owned", pid,
				"presented,cancelable"));
	free(sec);

	/* parked reads: presented by the read queue, then forwarded */
	sec = queue_section(dump, qname(&info, pq));
	ASSERT_NE(NULL, sec);
	EXPECT_EQ(2, count_reqs(sec, "read", "queued", pid,
				pq == WDFQ_QUEUE_READ ? "-" : "presented"));
	free(sec);

	/* power: the busy write queue is counted as wanting power */
	sec = queue_section(pw, qname(&info, WDFQ_QUEUE_WRITE));
	ASSERT_NE(NULL, sec);
	EXPECT_EQ(1, kv(sec, "busy"));
	EXPECT_EQ(1, kv(sec, "power_managed"));
	free(sec);
	EXPECT_EQ(0, strncmp(pw, "device wdfq0 powered=1 ", 23));
	EXPECT_NE(NULL, strstr(pw, "\npm_dev wdfq.0 runtime_status="));

	/* clean up: cancel the writes and the parked reads */
	EXPECT_EQ(0, wq_ctl(fd, WDFQ_QUEUE_WRITE, WDFQ_CTL_PURGE,
			    WDFQ_CTL_F_WAIT));
	EXPECT_EQ(0, wq_ctl(fd, pq, WDFQ_CTL_PURGE, WDFQ_CTL_F_WAIT));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, wq_join(w[i].th, WQ_WAIT_MS));
		EXPECT_EQ(-1, w[i].ret);
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, wq_join(r[i].th, WQ_WAIT_MS));
	EXPECT_EQ(0, wq_reset_device(fd, DEV));
	close(fd);
	free(dump);
	free(pw);
}

static int can_unbind(void)
{
	return !geteuid() && !access(DRVDIR "unbind", W_OK);
}

static int unbind0(void)
{
	if (wq_sysfs_write(DRVDIR "unbind", "wdfq.0"))
		return -1;
	return wq_wait_path(DEV, 0);
}

static int bind0(void)
{
	if (access(DEV, F_OK) && wq_sysfs_write(DRVDIR "bind", "wdfq.0"))
		return -1;
	return wq_wait_path(DEV, 1);
}

/* wdfq0's files, opened and read from before a teardown */
struct held {
	int fd[2];
};

static const char * const held_files[2] = { "queues", "power" };

static int held_open(struct held *h)
{
	char buf[PIECE], path[128];
	int i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), DBGDEV "/%s", held_files[i]);
		h->fd[i] = open(path, O_RDONLY);
		if (h->fd[i] < 0 || read(h->fd[i], buf, PIECE) != PIECE)
			return -1;
	}
	return 0;
}

/*
 * After the teardown: the first read of each file fails with EIO or reads
 * EOF; read on to the end whatever it said, past what seq_file buffered,
 * then close. Return: how many files read anything else.
 */
static int held_finish(struct __test_metadata *_metadata, struct held *h)
{
	char buf[256];
	ssize_t n;
	int i, k, bad = 0;

	for (i = 0; i < 2; i++) {
		n = read(h->fd[i], buf, sizeof(buf));
		if (!(n == 0 || (n < 0 && errno == EIO))) {
			TH_LOG("%s after teardown: %zd (%s)", held_files[i], n,
			       n < 0 ? strerror(errno) : "data");
			bad++;
		}
		for (k = 0; n > 0 && k < 100000; k++)
			n = read(h->fd[i], buf, sizeof(buf));
		close(h->fd[i]);
	}
	return bad;
}

/* Every file open (and read from) before an unbind reads -EIO or EOF. */
TEST(open_across_unbind)
{
	struct held h;
	char buf[256];

	if (!can_unbind())
		SKIP(return, "needs root and %s", DRVDIR "unbind");
	if (access(DBGDEV "/queues", R_OK))
		SKIP(return, "no %s", DBGDEV "/queues");
	ASSERT_EQ(0, held_open(&h));
	ASSERT_EQ(0, unbind0());
	EXPECT_NE(0, access(DBGDEV, F_OK));
	EXPECT_EQ(0, held_finish(_metadata, &h));
	ASSERT_EQ(0, bind0());
	ASSERT_EQ(0, wq_wait_path(DBGDEV "/queues", 1));
	EXPECT_LT(0, read_file(DBGDEV "/queues", buf, sizeof(buf)));
}

/* Readers looping over every file of every device until told to stop. */
struct readers {
	pthread_t th[2];
	int stop;
	long dumps;		/* files read to EOF */
	long errors;		/* opens or reads that failed as expected */
	long bad;		/* anything else */
	int bad_err;
};

static void read_everything(struct readers *rs, char *buf)
{
	char path[1024];
	struct dirent *de, *fe;
	DIR *root, *dir;
	ssize_t n;

	root = opendir(DBGROOT);
	if (!root)
		return;
	while ((de = readdir(root))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), DBGROOT "/%s", de->d_name);
		dir = opendir(path);
		if (!dir) {
			__atomic_add_fetch(&rs->errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		while ((fe = readdir(dir))) {
			if (fe->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), DBGROOT "/%s/%s",
				 de->d_name, fe->d_name);
			n = read_file(path, buf, DUMP_MAX);
			if (n >= 0) {
				__atomic_add_fetch(&rs->dumps, 1,
						   __ATOMIC_RELAXED);
			} else if (n == -EIO || n == -ENOENT) {
				__atomic_add_fetch(&rs->errors, 1,
						   __ATOMIC_RELAXED);
			} else {
				__atomic_add_fetch(&rs->bad, 1,
						   __ATOMIC_RELAXED);
				rs->bad_err = -n;
			}
		}
		closedir(dir);
	}
	closedir(root);
}

static void *readers_fn(void *arg)
{
	struct readers *rs = arg;
	char *buf = malloc(DUMP_MAX);

	if (!buf)
		return NULL;
	while (!__atomic_load_n(&rs->stop, __ATOMIC_ACQUIRE))
		read_everything(rs, buf);
	free(buf);
	return NULL;
}

static int readers_start(struct readers *rs)
{
	int i;

	memset(rs, 0, sizeof(*rs));
	for (i = 0; i < 2; i++)
		if (pthread_create(&rs->th[i], NULL, readers_fn, rs))
			return -1;
	return 0;
}

static int readers_stop(struct readers *rs)
{
	int i, ret = 0;

	__atomic_store_n(&rs->stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 2; i++)
		ret |= wq_join(rs->th[i], WQ_WAIT_MS);
	return ret;
}

/* Wait until the readers have read @n more files. */
static int readers_progress(struct readers *rs, long n)
{
	long want = __atomic_load_n(&rs->dumps, __ATOMIC_RELAXED) + n;
	uint64_t end = wq_now_ms() + WQ_WAIT_MS;

	while (__atomic_load_n(&rs->dumps, __ATOMIC_RELAXED) < want) {
		if (wq_now_ms() > end)
			return -1;
		wq_sleep_ms(1);
	}
	return 0;
}

/*
 * Unbind and bind wdfq.0 while readers loop, with a read parked (so the
 * teardown purges a busy queue) and the files being read.
 */
TEST(readers_during_unbind)
{
	struct readers rs;
	struct wq_reader r;
	struct wdfq_info info;
	struct held h;
	int round, fd;

	if (!can_unbind())
		SKIP(return, "needs root and %s", DRVDIR "unbind");
	if (access(DBGDEV "/queues", R_OK))
		SKIP(return, "no %s", DBGDEV "/queues");
	ASSERT_EQ(0, readers_start(&rs));
	for (round = 0; round < ROUNDS; round++) {
		fd = open(DEV, O_RDWR);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, ioctl(fd, WDFQ_IOC_GET_INFO, &info));
		ASSERT_EQ(0, wq_reader_start(&r, fd, 8));
		ASSERT_EQ(0, wq_wait_queued(fd, wq_parked_q(&info), 1));
		ASSERT_EQ(0, readers_progress(&rs, 4));
		ASSERT_EQ(0, held_open(&h));
		ASSERT_EQ(0, unbind0());
		ASSERT_EQ(0, wq_join(r.th, WQ_WAIT_MS));
		EXPECT_EQ(ENODEV, r.err);
		close(fd);
		EXPECT_EQ(0, held_finish(_metadata, &h));
		ASSERT_EQ(0, bind0());
	}
	ASSERT_EQ(0, wq_wait_path(DBGDEV "/queues", 1));
	ASSERT_EQ(0, readers_progress(&rs, 4));
	ASSERT_EQ(0, readers_stop(&rs));
	TH_LOG("%ld files read, %ld ended in EIO/ENOENT", rs.dumps, rs.errors);
	EXPECT_EQ(0, rs.bad) TH_LOG("unexpected error: %s",
				    strerror(rs.bad_err));
}

/* rmmod, retrying while something (a test's file) still holds it. */
static int unload(void)
{
	uint64_t end = wq_now_ms() + WQ_WAIT_MS;

	while (syscall(SYS_delete_module, "wdfq", O_NONBLOCK)) {
		if ((errno != EAGAIN && errno != EBUSY) || wq_now_ms() > end)
			return -1;
		wq_sleep_ms(10);
	}
	return 0;
}

/* Remove and insert the driver module while readers loop. */
TEST(readers_during_reload)
{
	char count[32], paths[128], params[192];
	struct readers rs;
	struct held h;
	int round;

	if (geteuid())
		SKIP(return, "needs root");
	if (!wq_mod_loaded("wdfq"))
		SKIP(return, "wdfq is built in or not loaded");
	if (access(wq_ko_path(), R_OK))
		SKIP(return, "no module file %s (set WDFQ_KO)", wq_ko_path());
	if (access(DBGDEV "/queues", R_OK))
		SKIP(return, "no %s", DBGDEV "/queues");
	/* The KUnit module uses wdfq's symbols; it has run already. */
	if (wq_mod_loaded("wdfq_kunit") &&
	    syscall(SYS_delete_module, "wdfq_kunit", O_NONBLOCK))
		SKIP(return, "cannot unload wdfq_kunit: %s", strerror(errno));
	/* reload with the parameters it has (wdfq_module sets them) */
	ASSERT_EQ(0, wq_sysfs_read("/sys/module/wdfq/parameters/count",
				   count, sizeof(count)));
	ASSERT_EQ(0, wq_sysfs_read("/sys/module/wdfq/parameters/read_path",
				   paths, sizeof(paths)));
	snprintf(params, sizeof(params), "count=%s read_path=%s", count,
		 paths);

	ASSERT_EQ(0, readers_start(&rs));
	for (round = 0; round < ROUNDS; round++) {
		ASSERT_EQ(0, readers_progress(&rs, 4));
		ASSERT_EQ(0, held_open(&h));
		ASSERT_EQ(0, unload()) TH_LOG("rmmod: %s", strerror(errno));
		ASSERT_EQ(0, wq_wait_path(DEV, 0));
		EXPECT_EQ(0, held_finish(_metadata, &h));
		ASSERT_EQ(0, wq_load_driver(params))
			TH_LOG("insmod %s: %s", params, strerror(errno));
		ASSERT_EQ(0, wq_wait_path(DEV, 1));
	}
	ASSERT_EQ(0, wq_wait_path(DBGDEV "/queues", 1));
	ASSERT_EQ(0, readers_progress(&rs, 4));
	ASSERT_EQ(0, readers_stop(&rs));
	TH_LOG("%ld files read, %ld ended in EIO/ENOENT", rs.dumps, rs.errors);
	EXPECT_EQ(0, rs.bad) TH_LOG("unexpected error: %s",
				    strerror(rs.bad_err));
}

TEST_HARNESS_MAIN
