// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq_bench: the reference driver beside its baselines, measured in one
 * boot, printed as one table. A benchmark, not a test: it never fails on a
 * number. Each figure is the median of RUNS runs, with their min and max.
 *
 *   wdfq_bench [-d /dev/wdfq0] [-r runs] [-s soak_requests] [-e engine.txt]
 *              [-z /dev/nullbR] [-b /dev/nullbT] [-j write.fio]
 *              [-N limit] [-L latency_us] [-t fio_seconds] [-P]
 *
 * -e names a file holding the lines the engine benchmark module printed;
 * each dispatch type's cost is set beside a /dev/zero read, and the lines
 * are shown under the table.
 * -z: a null_blk device completing in the submitter's context (irqmode=0),
 * the baseline of the read rows (O_DIRECT pread).
 * -j: the fio job (tools/wdfq-bench/fio/write.fio) of the async write rows,
 * run against /dev/wdfq0 with write_limit N and write_latency_us L, and
 * against -b, a null_blk device with a timer completion of L and N tags.
 * -P also prints the figures the pictures are drawn from, as lines
 * starting with "plot " (scripts/bench.sh takes them out of the table).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/wdfq.h>

#define MAX_RUNS	15
#define LAT_ITERS	40
#define WRITERS		16

static const char *dev_path = "/dev/wdfq0";
static int runs = 5;
static long soak_requests = 1000000;
static int ctl_fd = -1;
static const char *nullb_read_path;	/* -z: irqmode=0 */
static const char *nullb_timer_path;	/* -b: irqmode=2, L, N tags */
static const char *fio_job;		/* -j */
static unsigned int async_limit = 8;	/* -N */
static unsigned int async_lat_us = 20000;	/* -L */
static int fio_secs = 3;		/* -t */
static int plot_data;			/* -P */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "wdfq_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One figure: RUNS samples, reported as median [min..max]. */
struct figure {
	double v[MAX_RUNS];
	int n;
};

static void fig_add(struct figure *f, double v)
{
	if (f->n < MAX_RUNS)
		f->v[f->n++] = v;
}

static double fig_median(struct figure *f)
{
	qsort(f->v, f->n, sizeof(f->v[0]), cmp_double);
	if (!f->n)
		return 0;
	return f->n % 2 ? f->v[f->n / 2] :
			  (f->v[f->n / 2 - 1] + f->v[f->n / 2]) / 2;
}

static void fig_str(struct figure *f, char *buf, size_t len)
{
	double med = fig_median(f);

	snprintf(buf, len, "%.4g [%.4g..%.4g]", med, f->v[0], f->v[f->n - 1]);
}

static void print_header(void)
{
	printf("%-30s %-12s %-28s %-28s %7s  %s\n", "measure", "unit",
	       "wdfq median [min..max]", "baseline median [min..max]",
	       "ratio", "target");
}

/* A row whose baseline could not be measured on this kernel. */
static void print_missing(const char *name, const char *unit, const char *why)
{
	printf("%-30s %-12s %s\n", name, unit, why);
	fflush(stdout);
}

static void print_row(const char *name, const char *unit, struct figure *w,
		      struct figure *b, const char *target)
{
	char ws[64], bs[64];
	double ratio;

	fig_str(w, ws, sizeof(ws));
	fig_str(b, bs, sizeof(bs));
	ratio = fig_median(b) ? fig_median(w) / fig_median(b) : 0;
	printf("%-30s %-12s %-28s %-28s %7.2f  %s\n", name, unit, ws, bs,
	       ratio, target);
	fflush(stdout);
}

static void get_stats(unsigned int queue, struct wdfq_queue_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->queue = queue;
	if (ioctl(ctl_fd, WDFQ_IOC_GET_QUEUE_STATS, st))
		die("GET_QUEUE_STATS");
}

static void set_params(unsigned int mask, unsigned int latency_us,
		       unsigned int limit, unsigned int ring)
{
	struct wdfq_params p = {
		.mask = mask,
		.write_latency_us = latency_us,
		.write_limit = limit,
		.ring_size = ring,
	};

	if (ioctl(ctl_fd, WDFQ_IOC_SET_PARAMS, &p))
		die("SET_PARAMS");
}

static void inject(const void *data, size_t len)
{
	struct wdfq_inject in = {
		.data = (uintptr_t)data,
		.len = len,
		.flags = WDFQ_INJECT_F_WAKE,
	};

	if (ioctl(ctl_fd, WDFQ_IOC_INJECT, &in))
		die("INJECT");
}

/* Inject @total bytes and wait until the ring holds them. */
static void fill_ring(size_t total)
{
	static char chunk[WDFQ_MAX_INJECT];
	struct wdfq_queue_stats st;
	double deadline;
	size_t want;

	get_stats(WDFQ_QUEUE_READ, &st);
	want = st.ring_bytes + total;
	while (total) {
		size_t n = total < sizeof(chunk) ? total : sizeof(chunk);
		uint64_t before;

		get_stats(WDFQ_QUEUE_READ, &st);
		before = st.ring_bytes;
		inject(chunk, n);
		deadline = now_s() + 10;
		do {
			get_stats(WDFQ_QUEUE_READ, &st);
			if (st.ring_bytes >= before + n)
				break;
			sched_yield();
		} while (now_s() < deadline);
		total -= n;
	}
	get_stats(WDFQ_QUEUE_READ, &st);
	if (st.ring_bytes < want)
		fprintf(stderr, "wdfq_bench: ring holds %llu of %zu bytes\n",
			(unsigned long long)st.ring_bytes, want);
}

/* reads/s of @size-byte reads of @total bytes from an open fd */
static double time_reads(int fd, size_t size, size_t total)
{
	static char buf[WDFQ_MAX_IO];
	size_t done = 0;
	long count = 0;
	double t0 = now_s();

	while (done < total) {
		ssize_t n = read(fd, buf, size);

		if (n <= 0)
			die("read");
		done += n;
		count++;
	}
	return count / (now_s() - t0);
}

/* Blocks of the null_blk devices the reads cycle over (any fit: 1 GiB). */
#define NULLB_SPAN	(64 * 1024 * 1024)

/* reads/s of @count O_DIRECT preads of @size bytes from a block device */
static double time_preads(int fd, size_t size, long count)
{
	static char *buf;
	off_t off = 0;
	double t0;
	long i;

	if (!buf && posix_memalign((void **)&buf, 4096, WDFQ_MAX_IO))
		die("posix_memalign");
	t0 = now_s();
	for (i = 0; i < count; i++) {
		if (pread(fd, buf, size, off) != (ssize_t)size)
			die("null_blk pread");
		off = (off + size) % NULLB_SPAN;
	}
	return count / (now_s() - t0);
}

/* O_DIRECT preads/s of @size bytes from the irqmode=0 null_blk device. */
static int nullb_reads(size_t size, long count, struct figure *f)
{
	int fd, i;

	if (!nullb_read_path)
		return -1;
	fd = open(nullb_read_path, O_RDONLY | O_DIRECT);
	if (fd < 0)
		die(nullb_read_path);
	for (i = 0; i < runs; i++)
		fig_add(f, time_preads(fd, size, count));
	close(fd);
	return 0;
}

/*
 * Reads of data already in the ring, beside a /dev/zero read of the same
 * size and an O_DIRECT pread of @nb_size bytes from null_blk (a block
 * device's floor; its smallest read is 512 B, so the 64 B row faces 512).
 */
static void bench_buffered_read(size_t size, size_t nb_size)
{
	struct figure w = { 0 }, z = { 0 }, n = { 0 };
	size_t total = size * 4096;
	int fd, zfd, i;
	char name[64];

	if (total > 512 * 1024)
		total = 512 * 1024;
	fd = open(dev_path, O_RDONLY);
	zfd = open("/dev/zero", O_RDONLY);
	if (fd < 0 || zfd < 0)
		die("open");
	for (i = 0; i < runs; i++) {
		fill_ring(total);
		fig_add(&w, time_reads(fd, size, total));
		fig_add(&z, time_reads(zfd, size, total));
	}
	close(fd);
	close(zfd);
	snprintf(name, sizeof(name), "buffered read %zu B", size);
	/* The performance targets: 0.5x /dev/zero at 64 B; 1.5x null_blk
	 * beside its 512 B read, 1.0x at 4 KiB.
	 */
	print_row(name, "reads/s", &w, &z,
		  size <= 64 ? ">= 0.5 (vs /dev/zero)" : "(vs /dev/zero)");
	snprintf(name, sizeof(name), "  vs null_blk %zu B O_DIRECT", nb_size);
	if (nullb_reads(nb_size, total / size, &n))
		print_missing(name, "reads/s", "null_blk unavailable on this kernel");
	else
		print_row(name, "reads/s", &w, &n, nb_size < 4096 ?
			  ">= 1.5 (vs null_blk irqmode=0)" :
			  ">= 1.0 (vs null_blk irqmode=0)");
}

/* Park-to-wake: a reader blocked in read(); time from the producer's act
 * to the read's return.
 */
struct waker {
	int fd;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int go, done;
	pid_t tid;
	double t_return;
};

static void *waker_reader(void *arg)
{
	struct waker *wk = arg;
	char buf[64];

	wk->tid = syscall(SYS_gettid);
	for (;;) {
		pthread_mutex_lock(&wk->lock);
		while (!wk->go)
			pthread_cond_wait(&wk->cond, &wk->lock);
		wk->go = 0;
		pthread_mutex_unlock(&wk->lock);
		if (wk->fd < 0)
			return NULL;
		if (read(wk->fd, buf, 8) <= 0)
			die("park read");
		pthread_mutex_lock(&wk->lock);
		wk->t_return = now_s();
		wk->done = 1;
		pthread_cond_signal(&wk->cond);
		pthread_mutex_unlock(&wk->lock);
	}
}

/* Is thread @tid asleep (state S) right now? */
static int thread_sleeping(pid_t tid)
{
	char path[64], buf[256], *p;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

static unsigned int parked_queue(void)
{
	struct wdfq_info info;

	memset(&info, 0, sizeof(info));
	if (ioctl(ctl_fd, WDFQ_IOC_GET_INFO, &info))
		die("GET_INFO");
	return info.read_path == WDFQ_READ_PATH_NOTIFY ? WDFQ_QUEUE_READ :
							 WDFQ_QUEUE_PENDING;
}

/* Median park-to-wake latency (us) over LAT_ITERS wakes. */
static double park_to_wake(int use_pipe)
{
	struct waker wk = { .lock = PTHREAD_MUTEX_INITIALIZER,
			    .cond = PTHREAD_COND_INITIALIZER };
	unsigned int pq = parked_queue();
	double lat[LAT_ITERS], t0, deadline;
	struct wdfq_queue_stats st;
	int pfd[2] = { -1, -1 };
	pthread_t th;
	char byte8[8] = "parked!";
	int i;

	if (use_pipe) {
		if (pipe(pfd))
			die("pipe");
		wk.fd = pfd[0];
	} else {
		wk.fd = open(dev_path, O_RDONLY);
		if (wk.fd < 0)
			die("open");
	}
	pthread_create(&th, NULL, waker_reader, &wk);
	for (i = 0; i < LAT_ITERS; i++) {
		pthread_mutex_lock(&wk.lock);
		wk.go = 1;
		wk.done = 0;
		pthread_cond_signal(&wk.cond);
		pthread_mutex_unlock(&wk.lock);
		/* wait until the reader is parked */
		deadline = now_s() + 10;
		for (;;) {
			int parked = wk.tid && thread_sleeping(wk.tid);

			if (parked && !use_pipe) {
				get_stats(pq, &st);
				parked = st.queued == 1;
			}
			if (parked || now_s() > deadline)
				break;
			usleep(200);
		}
		t0 = now_s();
		if (use_pipe) {
			if (write(pfd[1], byte8, 8) != 8)
				die("pipe write");
		} else {
			inject(byte8, 8);
		}
		pthread_mutex_lock(&wk.lock);
		while (!wk.done)
			pthread_cond_wait(&wk.cond, &wk.lock);
		lat[i] = (wk.t_return - t0) * 1e6;
		pthread_mutex_unlock(&wk.lock);
	}
	pthread_mutex_lock(&wk.lock);
	close(wk.fd);
	wk.fd = -1;
	wk.go = 1;
	pthread_cond_signal(&wk.cond);
	pthread_mutex_unlock(&wk.lock);
	pthread_join(th, NULL);
	if (use_pipe)
		close(pfd[1]);
	qsort(lat, LAT_ITERS, sizeof(lat[0]), cmp_double);
	return lat[LAT_ITERS / 2];
}

static void bench_park_to_wake(void)
{
	struct figure w = { 0 }, p = { 0 };
	int i;

	for (i = 0; i < runs; i++) {
		fig_add(&w, park_to_wake(0));
		fig_add(&p, park_to_wake(1));
	}
	print_row("park-to-wake latency", "us", &w, &p, "<= 1.5 (vs pipe)");
}

struct writer {
	int fd;
	int count;
};

static void *writer_thread(void *arg)
{
	struct writer *wr = arg;
	char buf[64] = { 0 };
	int i;

	for (i = 0; i < wr->count; i++)
		if (write(wr->fd, buf, sizeof(buf)) != sizeof(buf))
			die("write");
	return NULL;
}

/* writes/s with @limit transfers in parallel, @lat_us each */
static double write_throughput(unsigned int limit, unsigned int lat_us,
			       int per_thread)
{
	struct writer wr[WRITERS];
	pthread_t th[WRITERS];
	double t0;
	int fd, i;

	set_params(WDFQ_PARAM_WRITE_LATENCY | WDFQ_PARAM_WRITE_LIMIT, lat_us,
		   limit, 0);
	fd = open(dev_path, O_WRONLY);
	if (fd < 0)
		die("open");
	t0 = now_s();
	for (i = 0; i < WRITERS; i++) {
		wr[i].fd = fd;
		wr[i].count = per_thread;
		pthread_create(&th[i], NULL, writer_thread, &wr[i]);
	}
	for (i = 0; i < WRITERS; i++)
		pthread_join(th[i], NULL);
	t0 = now_s() - t0;
	close(fd);
	return WRITERS * per_thread / t0;
}

static void drain_ring(void)
{
	char buf[WDFQ_MAX_IO];
	int fd = open(dev_path, O_RDONLY | O_NONBLOCK);

	if (fd < 0)
		die("open");
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

static void bench_parallel_writes(void)
{
	static const unsigned int ns[] = { 1, 2, 4, 8 };
	const unsigned int lat_us = 20000;
	struct figure w[4] = { 0 }, ideal[4] = { 0 };
	char name[64];
	unsigned int i;
	int r;

	for (r = 0; r < runs; r++) {
		double base = 0;

		for (i = 0; i < 4; i++) {
			double t = write_throughput(ns[i], lat_us, 8);

			if (i == 0)
				base = t;
			fig_add(&w[i], t);
			fig_add(&ideal[i], base * ns[i]);
			drain_ring();
		}
	}
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "parallel writes N=%u (%u ms)",
			 ns[i], lat_us / 1000);
		print_row(name, "writes/s", &w[i], &ideal[i],
			  ">= 0.9 (vs N x N=1)");
	}
}

/*
 * Async writes through fio: one thread, libaio or io_uring, at several
 * iodepths, against /dev/wdfq0 and against a null_blk device that completes
 * each request by a timer after the same latency with the same number of
 * tags. The job is a file (-j); its ${BENCH_*} variables come from the
 * environment. fio's terse output (version 3) is one line of fields
 * separated by ';'; these are the write side's (1-based).
 */
#define TERSE_WRITE_IOPS	49
#define TERSE_WRITE_CLAT_PCT	59	/* 17 fields "P%=usec", 1% .. 99.99% */
#define FIO_PCTS		17
#define FIO_OUT_MAX		65536

struct fio_result {
	double iops;
	double pct[FIO_PCTS];
	double clat_us[FIO_PCTS];
};

/* One series (a target, engine and iodepth): RUNS fio runs. */
struct fio_series {
	struct figure iops;
	struct figure clat[FIO_PCTS];
	double pct[FIO_PCTS];
	int failed;
};

/* Parse one terse line; 0 when it held every write figure. */
static int fio_parse_terse(char *line, struct fio_result *r)
{
	int field = 0, got = 0, i;
	char *tok;

	while ((tok = strsep(&line, ";"))) {
		field++;
		i = field - TERSE_WRITE_CLAT_PCT;
		if (field == TERSE_WRITE_IOPS) {
			r->iops = atof(tok);
			got++;
		} else if (i >= 0 && i < FIO_PCTS &&
			   sscanf(tok, "%lf%%=%lf", &r->pct[i],
				  &r->clat_us[i]) == 2) {
			got++;
		}
	}
	return got == 1 + FIO_PCTS ? 0 : -1;
}

static void setenv_int(const char *name, int value)
{
	char num[16];

	snprintf(num, sizeof(num), "%d", value);
	setenv(name, num, 1);
}

/* Run the fio job on @dev; its standard output into @buf. 0 if fio did. */
static int fio_run(const char *dev, const char *engine, int qd, int direct,
		   char *buf, size_t len)
{
	size_t got = 0;
	int pfd[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		dup2(pfd[1], STDOUT_FILENO);
		close(pfd[0]);
		close(pfd[1]);
		setenv("BENCH_DEV", dev, 1);
		setenv("BENCH_ENGINE", engine, 1);
		setenv_int("BENCH_QD", qd);
		setenv_int("BENCH_DIRECT", direct);
		setenv_int("BENCH_SECS", fio_secs);
		execlp("fio", "fio", "--output-format=terse",
		       "--terse-version=3", fio_job, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while (got < len - 1 &&
	       (n = read(pfd[0], buf + got, len - 1 - got)) > 0)
		got += n;
	buf[got] = 0;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

/* The terse line in fio's output (it starts with its version, "3;"). */
static char *fio_terse_line(char *out)
{
	char *line = out;

	while (line && strncmp(line, "3;", 2)) {
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	if (line)
		line[strcspn(line, "\n")] = 0;
	return line;
}

/* One fio run into @s; a failed run marks the series failed. */
static void fio_sample(struct fio_series *s, const char *dev,
		       const char *engine, int qd, int direct)
{
	static char out[FIO_OUT_MAX];
	struct fio_result r = { 0 };
	char *line = NULL;
	int i;

	if (s->failed)
		return;
	if (fio_run(dev, engine, qd, direct, out, sizeof(out)) == 0)
		line = fio_terse_line(out);
	if (!line || fio_parse_terse(line, &r)) {
		fprintf(stderr, "wdfq_bench: fio %s %s iodepth %d failed\n",
			dev, engine, qd);
		s->failed = 1;
		return;
	}
	fig_add(&s->iops, r.iops);
	for (i = 0; i < FIO_PCTS; i++) {
		fig_add(&s->clat[i], r.clat_us[i]);
		s->pct[i] = r.pct[i];
	}
}

static void print_async_header(void)
{
	printf("\nasync writes: fio %s, one thread, %d s a run; ",
	       fio_job, fio_secs);
	printf("wdfq write_limit N=%u, write_latency_us L=%u\n",
	       async_limit, async_lat_us);
	printf("ideal = min(iodepth, N) / L; null_blk: the same job, O_DIRECT, ");
	printf("queue_mode=2 irqmode=2 completion_nsec=L hw_queue_depth=N\n\n");
	printf("%-9s %7s %-28s %8s %7s  %-28s %7s  %s\n", "engine", "iodepth",
	       "wdfq writes/s [min..max]", "ideal", "w/ideal",
	       "null_blk writes/s [min..max]", "w/nullb", "target");
}

static void print_async_row(const char *engine, int qd, struct fio_series *w,
			    double ideal, struct fio_series *nb)
{
	char ws[64], ns[64];
	double wm = fig_median(&w->iops);

	if (w->failed) {
		printf("%-9s %7d fio failed on %s\n", engine, qd, dev_path);
		return;
	}
	fig_str(&w->iops, ws, sizeof(ws));
	printf("%-9s %7d %-28s %8.4g %7.2f  ", engine, qd, ws, ideal,
	       wm / ideal);
	if (!nullb_timer_path) {
		printf("%-28s %7s  ", "null_blk unavailable", "-");
	} else if (nb->failed) {
		printf("%-28s %7s  ", "fio failed on null_blk", "-");
	} else {
		fig_str(&nb->iops, ns, sizeof(ns));
		printf("%-28s %7.2f  ", ns, wm / fig_median(&nb->iops));
	}
	printf(">= 0.9 (vs ideal), >= 1.0 (vs null_blk)\n");
	fflush(stdout);
}

/* The lines the pictures are drawn from (-P): medians of the runs. */
static void print_plot(const char *target, const char *engine, int qd,
		       struct fio_series *s)
{
	int i;

	if (!plot_data || s->failed || !s->iops.n)
		return;
	printf("plot iops %s %s %d %.6g\n", target, engine, qd,
	       fig_median(&s->iops));
	for (i = 0; i < FIO_PCTS; i++)
		printf("plot clat %s %s %d %g %.6g\n", target, engine, qd,
		       s->pct[i], fig_median(&s->clat[i]));
}

static void bench_async_writes(void)
{
	static const char *const engines[] = { "libaio", "io_uring" };
	static const int depths[] = { 1, 4, 16 };
	unsigned int e, d;
	int r;

	if (!fio_job)
		return;
	set_params(WDFQ_PARAM_WRITE_LATENCY | WDFQ_PARAM_WRITE_LIMIT,
		   async_lat_us, async_limit, 0);
	print_async_header();
	for (e = 0; e < 2; e++) {
		for (d = 0; d < 3; d++) {
			struct fio_series w = { 0 }, nb = { 0 };
			int qd = depths[d];
			unsigned int busy = (unsigned int)qd < async_limit ?
					    (unsigned int)qd : async_limit;

			for (r = 0; r < runs; r++) {
				fio_sample(&w, dev_path, engines[e], qd, 0);
				if (nullb_timer_path)
					fio_sample(&nb, nullb_timer_path,
						   engines[e], qd, 1);
			}
			drain_ring();
			print_async_row(engines[e], qd, &w,
					busy * 1e6 / async_lat_us, &nb);
			if (plot_data && !e)
				printf("plot iops ideal any %d %.6g\n", qd,
				       busy * 1e6 / async_lat_us);
			print_plot("wdfq", engines[e], qd, &w);
			print_plot("null_blk", engines[e], qd, &nb);
		}
	}
}

static long slab_kib(void)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %ld kB", &v) == 1)
			break;
	fclose(f);
	return v;
}

static void bench_soak(void)
{
	struct wdfq_reset_stats rs = { 0 };
	struct wdfq_queue_stats st;
	uint64_t arrived = 0, finished = 0, in_flight = 0;
	long slab0, slab1, i, issued = 0;
	char buf[64] = { 0 };
	double t0;
	int fd, q, balanced = 1;

	set_params(WDFQ_PARAM_WRITE_LATENCY | WDFQ_PARAM_WRITE_LIMIT, 0, 4, 0);
	drain_ring();
	fd = open(dev_path, O_RDWR);
	if (fd < 0)
		die("open");
	if (ioctl(ctl_fd, WDFQ_IOC_RESET_STATS, &rs))
		die("RESET_STATS");
	slab0 = slab_kib();
	t0 = now_s();
	/* write, read it back, ask for stats: three requests a round */
	for (i = 0; issued < soak_requests; i++) {
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			die("soak write");
		if (read(fd, buf, sizeof(buf)) <= 0)
			die("soak read");
		st.queue = WDFQ_QUEUE_WRITE;
		st.flags = 0;
		if (ioctl(fd, WDFQ_IOC_GET_QUEUE_STATS, &st))
			die("soak stats");
		issued += 3;
	}
	t0 = now_s() - t0;
	close(fd);
	drain_ring();
	slab1 = slab_kib();
	for (q = 0; q < WDFQ_NR_QUEUES; q++) {
		if (q == WDFQ_QUEUE_CONTROL)
			continue;	/* our own stats calls are in flight */
		get_stats(q, &st);
		arrived += st.arrived;
		finished += st.completed + st.cancelled;
		in_flight += st.queued + st.driver_owned;
		if (st.arrived + st.forwarded_in != st.completed +
		    st.cancelled + st.forwarded_out + st.queued +
		    st.driver_owned)
			balanced = 0;
	}
	printf("\nsoak: %ld requests (write+read+ioctl rounds) in %.1f s, %.0f requests/s\n",
	       issued, t0, issued / t0);
	printf("soak: slab before %ld KiB, after %ld KiB (%+ld KiB)\n", slab0,
	       slab1, slab1 - slab0);
	printf("soak: read/pending/write/events arrived %llu, finished %llu, ",
	       (unsigned long long)arrived, (unsigned long long)finished);
	printf("in flight %llu, counters %s\n",
	       (unsigned long long)in_flight,
	       balanced ? "balance" : "DO NOT BALANCE");
}

/* ns per 64-byte read(2) of /dev/zero, RUNS samples. */
static void zero_read_ns(struct figure *f)
{
	const size_t total = 64 * 4096;
	int fd, i;

	fd = open("/dev/zero", O_RDONLY);
	if (fd < 0)
		die("/dev/zero");
	for (i = 0; i < runs; i++)
		fig_add(f, 1e9 / time_reads(fd, 64, total));
	close(fd);
}

/*
 * The engine module's dispatch lines ("SEQUENTIAL  median min max", ns per
 * request), each beside a 64-byte /dev/zero read measured now: what the
 * engine adds to a request in units of the cheapest system call that
 * moves data.
 */
static void bench_engine(const char *path)
{
	struct figure z = { 0 };
	unsigned long med, lo, hi;
	char line[512], type[32], name[64];
	FILE *f;

	if (!path)
		return;
	f = fopen(path, "r");
	if (!f)
		return;
	zero_read_ns(&z);
	while (fgets(line, sizeof(line), f)) {
		struct figure e = { 0 };

		if (sscanf(line, "%31s %lu %lu %lu", type, &med, &lo, &hi) != 4)
			continue;
		/* a figure whose median, min and max are the module's */
		fig_add(&e, lo);
		fig_add(&e, med);
		fig_add(&e, hi);
		snprintf(name, sizeof(name), "engine alone %s", type);
		print_row(name, "ns/request", &e, &z,
			  "(vs /dev/zero 64 B read)");
	}
	fclose(f);
}

static void print_engine(const char *path)
{
	char line[512];
	FILE *f;

	if (!path)
		return;
	f = fopen(path, "r");
	if (!f)
		return;
	printf("\nengine alone (wdfq_bench.ko, no device):\n");
	while (fgets(line, sizeof(line), f))
		fputs(line, stdout);
	fclose(f);
}

static void set_power_control(const char *value)
{
	FILE *f = fopen("/sys/bus/platform/devices/wdfq.0/power/control", "w");

	if (!f)
		return;
	fputs(value, f);
	fclose(f);
}

static void print_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-d dev] [-r runs] [-s soak_requests] [-e engine.txt]\n"
		"       [-z nullb_irqmode0] [-b nullb_timer] [-j write.fio]\n"
		"       [-N limit] [-L latency_us] [-t fio_seconds] [-P]\n",
		prog);
}

int main(int argc, char **argv)
{
	const char *engine = NULL;
	struct wdfq_params saved = { 0 };
	int opt;

	while ((opt = getopt(argc, argv, "d:r:s:e:z:b:j:N:L:t:P")) != -1) {
		switch (opt) {
		case 'd':
			dev_path = optarg;
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		case 's':
			soak_requests = atol(optarg);
			break;
		case 'e':
			engine = optarg;
			break;
		case 'z':
			nullb_read_path = optarg;
			break;
		case 'b':
			nullb_timer_path = optarg;
			break;
		case 'j':
			fio_job = optarg;
			break;
		case 'N':
			async_limit = atoi(optarg);
			break;
		case 'L':
			async_lat_us = atoi(optarg);
			break;
		case 't':
			fio_secs = atoi(optarg);
			break;
		case 'P':
			plot_data = 1;
			break;
		default:
			print_usage(argv[0]);
			return 2;
		}
	}
	if (runs < 1 || runs > MAX_RUNS)
		runs = 5;
	if (!async_limit || !async_lat_us || fio_secs < 1) {
		print_usage(argv[0]);
		return 2;
	}
	ctl_fd = open(dev_path, O_RDWR);
	if (ctl_fd < 0)
		die(dev_path);
	if (ioctl(ctl_fd, WDFQ_IOC_GET_PARAMS, &saved))
		die("GET_PARAMS");
	/* measure the driver, not runtime-PM wake-ups */
	set_power_control("on");
	set_params(WDFQ_PARAM_RING_SIZE, 0, 0, 1024 * 1024);
	drain_ring();

	printf("wdfq_bench: %d runs per figure; ratios matter, not absolute figures\n\n",
	       runs);
	print_header();
	bench_buffered_read(64, 512);
	bench_buffered_read(4096, 4096);
	bench_park_to_wake();
	bench_parallel_writes();
	bench_engine(engine);
	bench_async_writes();
	if (soak_requests > 0)
		bench_soak();
	print_engine(engine);

	saved.mask = WDFQ_PARAM_ALL;
	ioctl(ctl_fd, WDFQ_IOC_SET_PARAMS, &saved);
	set_power_control("auto");
	close(ctl_fd);
	return 0;
}
