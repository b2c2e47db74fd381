// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq trace events (Documentation/wdfq/tracing.rst): with events/wdfq
 * enabled in tracefs, run a write, reads (from the ring, and parked then
 * completed by the DPC), cancels (a signal, io_cancel), queue state changes
 * (stop, drain, purge, stop-and-purge, start) and a system sleep with a
 * write in flight; then read the trace back and check every request's life
 * cycle: arrive first, exactly one complete and nothing after it, a cancel
 * reason on every cancel, a cancel before every -ECANCELED, mark
 * cancelable and io_stop only while driver-owned. The operations done must
 * show up as their events.
 *
 * The trace clock is "counter" during the test: strictly increasing across
 * CPUs, so the trace is in the order in which the events were recorded
 * (the engine records a request's events under its queue lock).
 *
 * Runs on /dev/wdfq0 with read_path 0 (reads park on the pending queue).
 */
#include <linux/aio_abi.h>
#include <sys/mount.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "wdfq_util.h"
#include "wdfq_async.h"

#define DEV		"/dev/wdfq0"
#define DEV_NOTIFY	"/dev/wdfq1"	/* read_path 1 after wdfq_module */
#define MAX_REQS	8192
#define HIST		160	/* characters of event history kept per request */

/* One request seen in the trace. */
struct trace_req {
	unsigned long long id;
	int nev;
	int completed;
	int canceled;
	int owned;		/* presented, retrieved or canceled-on-queue */
	char hist[HIST];
};

/* What the whole trace showed. */
struct trace_sum {
	int lines;
	int lost;
	int errors;
	int reqs;
	int complete;
	int reason[5];		/* caller, signal, close, purge, aio */
	int present, retrieve, forward, io_stop, stop_ack;
	int q_start, q_stop, q_drain, q_purge, q_stop_purge;
	int done_stop, done_drain, done_purge, done_stop_purge;
	int power_down, power_down_done, power_up, hold, release;
	int isr_enter, isr_exit, dpc_enter, dpc_exit, ready;
	unsigned long long first_id;	/* lowest id that arrived */
	struct trace_req *req;
};

static const char *const reasons[] = {
	"caller", "signal", "close", "purge", "aio",
};

static char tracefs[64];

static int tf_path(char *buf, size_t len, const char *file)
{
	return snprintf(buf, len, "%s/%s", tracefs, file) >= (int)len ? -1 : 0;
}

static int tf_write(const char *file, const char *val)
{
	char p[128];

	if (tf_path(p, sizeof(p), file))
		return -1;
	return wq_sysfs_write(p, val);
}

static int tf_read(const char *file, char *buf, size_t len)
{
	char p[128];

	if (tf_path(p, sizeof(p), file))
		return -1;
	return wq_sysfs_read(p, buf, len);
}

/* tracefs: mounted, mountable, or under debugfs. */
static int find_tracefs(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char p[128];
	int i;

	for (i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/trace", dirs[i]);
		if (access(p, F_OK) && i == 0)
			mount("nodev", dirs[0], "tracefs", 0, NULL);
		if (!access(p, W_OK)) {
			snprintf(tracefs, sizeof(tracefs), "%s", dirs[i]);
			return 0;
		}
	}
	return -1;
}

/* Value of " key=" in an event's fields, copied to @out; -1 if absent. */
static int field(const char *fields, const char *key, char *out, size_t len)
{
	char pat[32];
	const char *p;
	size_t n = 0;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(fields, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	while (p[n] && p[n] != ' ' && p[n] != '\n' && n + 1 < len) {
		out[n] = p[n];
		n++;
	}
	out[n] = 0;
	return 0;
}

static struct trace_req *find_req(struct trace_sum *s, unsigned long long id)
{
	int i;

	for (i = s->reqs - 1; i >= 0; i--)
		if (s->req[i].id == id)
			return &s->req[i];
	if (s->reqs == MAX_REQS)
		return NULL;
	s->req[s->reqs].id = id;
	return &s->req[s->reqs++];
}

/* A broken life cycle: counted and told, with the request's events. */
static __printf(3, 4) void
bad(struct trace_sum *s, struct trace_req *r, const char *fmt, ...)
{
	char what[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	s->errors++;
	ksft_print_msg("req %llu: %s (events: %s)\n", r->id, what, r->hist);
}

/* One request event, in trace order. */
static void request_event(struct trace_sum *s, const char *ev,
			  const char *fields)
{
	char v[32];
	unsigned long long id;
	struct trace_req *r;
	int i;

	if (field(fields, "req", v, sizeof(v))) {
		s->errors++;
		ksft_print_msg("%s without req: %s", ev, fields);
		return;
	}
	id = strtoull(v, NULL, 10);
	r = find_req(s, id);
	if (!r) {
		s->errors++;
		return;
	}
	if (strlen(r->hist) + strlen(ev) + 2 < HIST) {
		strcat(r->hist, ev);
		strcat(r->hist, " ");
	}
	if (!r->nev++ && strcmp(ev, "request_arrive")) {
		/* in flight before the trace started: not judged */
		if (!s->first_id || id < s->first_id)
			r->completed = -1;
		else
			bad(s, r, "first event %s, not request_arrive", ev);
	}
	if (r->completed < 0)
		return;
	if (r->completed) {
		bad(s, r, "%s after request_complete", ev);
		return;
	}
	if (!strcmp(ev, "request_arrive")) {
		if (r->nev > 1)
			bad(s, r, "second request_arrive");
		if (!s->first_id || id < s->first_id)
			s->first_id = id;
	} else if (!strcmp(ev, "request_complete")) {
		r->completed = 1;
		s->complete++;
		if (field(fields, "status", v, sizeof(v)))
			bad(s, r, "complete without status");
		else if (atoi(v) == -ECANCELED && !r->canceled)
			bad(s, r, "-ECANCELED without request_cancel");
	} else if (!strcmp(ev, "request_cancel")) {
		if (r->canceled)
			bad(s, r, "canceled twice");
		r->canceled = 1;
		field(fields, "reason", v, sizeof(v));
		for (i = 0; i < 5; i++)
			if (!strcmp(v, reasons[i]))
				break;
		if (i == 5)
			bad(s, r, "cancel reason \"%s\"", v);
		else
			s->reason[i]++;
	} else if (!strcmp(ev, "request_present") ||
		   !strcmp(ev, "request_retrieve") ||
		   !strcmp(ev, "request_canceled_on_queue")) {
		if (r->owned)
			bad(s, r, "%s while driver-owned", ev);
		r->owned = 1;
		s->present += !strcmp(ev, "request_present");
		s->retrieve += !strcmp(ev, "request_retrieve");
	} else if (!strcmp(ev, "request_forward") ||
		   !strcmp(ev, "request_requeue")) {
		if (!r->owned)
			bad(s, r, "%s while not driver-owned", ev);
		r->owned = 0;
		s->forward += !strcmp(ev, "request_forward");
	} else if (!strcmp(ev, "stop_acknowledge")) {
		if (!r->owned)
			bad(s, r, "%s while not driver-owned", ev);
		field(fields, "requeue", v, sizeof(v));
		if (!strcmp(v, "1"))
			r->owned = 0;
		s->stop_ack++;
	} else if (!strcmp(ev, "request_mark_cancelable") ||
		   !strcmp(ev, "io_stop") || !strcmp(ev, "io_resume")) {
		if (!r->owned)
			bad(s, r, "%s while not driver-owned", ev);
		s->io_stop += !strcmp(ev, "io_stop");
	} else if (strcmp(ev, "request_unmark_cancelable")) {
		bad(s, r, "unknown request event %s", ev);
	}
}

/* Other events: counted. */
static void other_event(struct trace_sum *s, const char *ev,
			const char *fields)
{
	static const struct {
		const char *name;
		size_t off;
	} count[] = {
#define C(n, m) { n, offsetof(struct trace_sum, m) }
		C("queue_start", q_start), C("queue_stop", q_stop),
		C("queue_drain", q_drain), C("queue_purge", q_purge),
		C("queue_stop_and_purge", q_stop_purge),
		C("device_power_down", power_down),
		C("device_power_down_done", power_down_done),
		C("device_power_up", power_up),
		C("power_hold", hold), C("power_release", release),
		C("isr_enter", isr_enter), C("isr_exit", isr_exit),
		C("dpc_enter", dpc_enter), C("dpc_exit", dpc_exit),
		C("ready_notify", ready),
#undef C
	};
	char v[32];
	size_t i;

	if (!strcmp(ev, "queue_done")) {
		field(fields, "change", v, sizeof(v));
		s->done_stop += !strcmp(v, "stop");
		s->done_drain += !strcmp(v, "drain");
		s->done_purge += !strcmp(v, "purge");
		s->done_stop_purge += !strcmp(v, "stop_and_purge");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(count); i++)
		if (!strcmp(ev, count[i].name)) {
			(*(int *)((char *)s + count[i].off))++;
			return;
		}
}

/*
 * Parse the trace ("...  <ts>: wdfq_<event>: dev=... queue=... ...") and
 * judge each request; returns the number of problems found.
 */
static int check_trace(struct trace_sum *s)
{
	char p[128], *line = NULL, *name, *fields, *colon;
	size_t cap = 0;
	FILE *f;
	int i;

	if (tf_path(p, sizeof(p), "trace"))
		return 1;
	f = fopen(p, "r");
	if (!f)
		return 1;
	while (getline(&line, &cap, f) > 0) {
		if (line[0] == '#')
			continue;
		if (strstr(line, "LOST") && strstr(line, "EVENTS")) {
			s->lost++;
			continue;
		}
		name = strstr(line, ": wdfq_");
		if (!name)
			continue;
		name += strlen(": wdfq_");
		colon = strchr(name, ':');
		if (!colon)
			continue;
		*colon = 0;
		/* the contract of every event: dev and queue */
		fields = colon + 1;
		if (!strstr(fields, " dev=") || !strstr(fields, " queue=")) {
			s->errors++;
			ksft_print_msg("%s without dev or queue:%s", name,
				       fields);
		}
		s->lines++;
		if (strstr(fields, " req="))
			request_event(s, name, fields);
		else
			other_event(s, name, fields);
	}
	free(line);
	fclose(f);
	for (i = 0; i < s->reqs; i++)
		if (!s->req[i].completed)
			bad(s, &s->req[i], "no request_complete");
	if (s->lost) {
		s->errors++;
		ksft_print_msg("the trace lost events (%d lines)\n", s->lost);
	}
	return s->errors;
}

FIXTURE(trace) {
	int fd;
	unsigned int parked;
	char old_clock[32];
	char old_kb[32];
	char old_delay[16];
};

static void on_signal(int sig)
{
}

FIXTURE_SETUP(trace)
{
	struct wdfq_info info;
	char buf[512], *b, *e;
	struct sigaction sa;

	self->fd = -1;
	self->old_clock[0] = 0;
	self->old_kb[0] = 0;
	self->old_delay[0] = 0;
	if (geteuid())
		SKIP(return, "needs root (tracefs, QUEUE_CTL)");
	self->fd = open(DEV, O_RDWR);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, DEV " not present");
	ASSERT_LE(0, self->fd);
	if (find_tracefs())
		SKIP(return, "no tracefs (CONFIG_TRACING)");
	if (tf_read("events/wdfq/enable", buf, sizeof(buf)))
		SKIP(return, "no events/wdfq in %s", tracefs);
	ASSERT_EQ(0, ioctl(self->fd, WDFQ_IOC_GET_INFO, &info));
	if (info.read_path != WDFQ_READ_PATH_FORWARD)
		SKIP(return, "needs read_path 0");
	self->parked = wq_parked_q(&info);
	ASSERT_EQ(0, wq_reset_device(self->fd, DEV));

	/* A handler without SA_RESTART: the signal ends a blocked read. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));

	ASSERT_EQ(0, tf_write("events/wdfq/enable", "0"));
	/* "local [global] counter ...": remember the bracketed one */
	ASSERT_EQ(0, tf_read("trace_clock", buf, sizeof(buf)));
	b = strchr(buf, '[');
	e = b ? strchr(b, ']') : NULL;
	if (b && e) {
		*e = 0;
		snprintf(self->old_clock, sizeof(self->old_clock), "%.31s",
			 b + 1);
	}
	ASSERT_EQ(0, tf_write("trace_clock", "counter"));
	/* "1408", or "7 (expanded: 1408)" before first use: keep that */
	ASSERT_EQ(0, tf_read("buffer_size_kb", buf, sizeof(buf)));
	if (!strchr(buf, ' '))
		snprintf(self->old_kb, sizeof(self->old_kb), "%.31s", buf);
	ASSERT_EQ(0, tf_write("buffer_size_kb", "4096"));
	ASSERT_EQ(0, tf_write("trace", ""));
	ASSERT_EQ(0, tf_write("events/wdfq/enable", "1"));
	ASSERT_EQ(0, tf_write("tracing_on", "1"));
}

FIXTURE_TEARDOWN(trace)
{
	if (self->fd < 0)
		return;
	wq_sysfs_write("/sys/power/pm_test", "none");
	if (self->old_delay[0])
		wq_sysfs_write("/sys/module/suspend/parameters/pm_test_delay",
			       self->old_delay);
	if (tracefs[0]) {
		tf_write("events/wdfq/enable", "0");
		if (self->old_clock[0])
			tf_write("trace_clock", self->old_clock);
		if (self->old_kb[0])
			tf_write("buffer_size_kb", self->old_kb);
	}
	wq_reset_device(self->fd, DEV);
	close(self->fd);
}

/*
 * On a device with read_path 1 (a manual read queue with ready
 * notification), if there is one: a read parked, then served.
 */
static int notify_read(void)
{
	static struct wq_reader r;
	struct wdfq_info info;
	char buf[16] = "0123456789abcdef";
	int fd, ret = -1;

	fd = open(DEV_NOTIFY, O_RDWR);
	if (fd < 0)
		return 0;
	if (ioctl(fd, WDFQ_IOC_GET_INFO, &info) ||
	    info.read_path != WDFQ_READ_PATH_NOTIFY) {
		close(fd);
		return 0;
	}
	if (!wq_reset_device(fd, DEV_NOTIFY) &&
	    !wq_reader_start(&r, fd, 16)) {
		if (!wq_wait_queued(fd, WDFQ_QUEUE_READ, 1) &&
		    !wq_inject(fd, buf, 16, 0) && !wq_join(r.th, WQ_WAIT_MS))
			ret = r.ret == 16 ? 1 : -1;
		else
			pthread_kill(r.th, SIGUSR1);
	}
	close(fd);
	return ret;
}

/* A writer thread for the system sleep. */
struct trace_writer {
	pthread_t th;
	int fd;
	char buf[32];
	ssize_t ret;
};

static void *trace_writer_fn(void *arg)
{
	struct trace_writer *w = arg;

	w->ret = write(w->fd, w->buf, sizeof(w->buf));
	return NULL;
}

TEST_F(trace, life_cycles)
{
	static struct trace_sum sum;
	static struct wq_reader r;
	static struct trace_writer w;
	struct iocb cb, *cbp = &cb;
	struct wdfq_queue_stats st;
	aio_context_t ctx = 0;
	struct io_event ev;
	char buf[64];
	int q, fd, notify;

	/* A write, and a read served from the ring. */
	memset(buf, 'w', sizeof(buf));
	ASSERT_EQ(32, write(self->fd, buf, 32));
	ASSERT_EQ(0, wq_wait_ring(self->fd, 32));
	ASSERT_EQ(32, read(self->fd, buf, 32));

	/* A read parked, then completed by the DPC with injected input. */
	ASSERT_EQ(0, wq_reader_start(&r, self->fd, 16));
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 1));
	ASSERT_EQ(0, wq_inject(self->fd, buf, 16, 0));
	ASSERT_EQ(0, wq_join(r.th, WQ_WAIT_MS));
	EXPECT_EQ(16, r.ret);

	/* The same on the other read path, for ready notification. */
	notify = notify_read();
	ASSERT_LE(0, notify);

	/* A parked read interrupted by a signal. */
	ASSERT_EQ(0, wq_reader_start(&r, self->fd, 16));
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 1));
	ASSERT_EQ(0, pthread_kill(r.th, SIGUSR1));
	ASSERT_EQ(0, wq_join(r.th, WQ_WAIT_MS));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EINTR, r.err);

	/* A parked libaio read canceled with io_cancel(2). */
	ASSERT_EQ(0, wq_io_setup(8, &ctx));
	wq_iocb(&cb, self->fd, IOCB_CMD_PREAD, buf, 16, 7);
	ASSERT_EQ(1, wq_io_submit(ctx, 1, &cbp));
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 1));
	EXPECT_EQ(-1, wq_io_cancel(ctx, &cb, &ev));
	ASSERT_EQ(1, wq_aio_reap(ctx, &ev, 1));
	EXPECT_EQ(-ECANCELED, (long)ev.res);
	wq_io_destroy(ctx);

	/* A parked read purged, then the queue started again. */
	ASSERT_EQ(0, wq_reader_start(&r, self->fd, 16));
	ASSERT_EQ(0, wq_wait_queued(self->fd, self->parked, 1));
	ASSERT_EQ(0, wq_ctl(self->fd, self->parked, WDFQ_CTL_PURGE,
			    WDFQ_CTL_F_WAIT));
	ASSERT_EQ(0, wq_join(r.th, WQ_WAIT_MS));
	EXPECT_EQ(ECANCELED, r.err);
	ASSERT_EQ(0, wq_ctl(self->fd, self->parked, WDFQ_CTL_START, 0));

	/* The other state changes, each undone. */
	q = WDFQ_QUEUE_WRITE;
	ASSERT_EQ(0, wq_ctl(self->fd, q, WDFQ_CTL_STOP, WDFQ_CTL_F_WAIT));
	ASSERT_EQ(0, wq_ctl(self->fd, q, WDFQ_CTL_START, 0));
	ASSERT_EQ(0, wq_ctl(self->fd, q, WDFQ_CTL_DRAIN, WDFQ_CTL_F_WAIT));
	ASSERT_EQ(0, wq_ctl(self->fd, q, WDFQ_CTL_START, 0));
	ASSERT_EQ(0, wq_ctl(self->fd, q, WDFQ_CTL_STOP_PURGE,
			    WDFQ_CTL_F_WAIT));
	ASSERT_EQ(0, wq_ctl(self->fd, q, WDFQ_CTL_START, 0));

	/*
	 * A system sleep with a write in flight: io_stop for it. The
	 * transfer lasts 3 s, longer than the way from "freeze" to the
	 * device's suspend even on a loaded TCG machine; requeued by
	 * io_stop, it starts again after resume.
	 */
	if (access("/sys/power/pm_test", W_OK) ||
	    access("/sys/power/state", W_OK)) {
		ksft_print_msg("no /sys/power/pm_test: no system sleep\n");
	} else {
		ASSERT_EQ(0, wq_set(self->fd, WDFQ_PARAM_WRITE_LATENCY,
				    3000000, 0, 0, 0));
		w.fd = self->fd;
		memset(w.buf, 's', sizeof(w.buf));
		ASSERT_EQ(0, pthread_create(&w.th, NULL, trace_writer_fn, &w));
		do {
			ASSERT_EQ(0, wq_stats(self->fd, q, &st));
		} while (!st.driver_owned && (wq_sleep_ms(2), 1));
		wq_sysfs_read("/sys/module/suspend/parameters/pm_test_delay",
			      self->old_delay, sizeof(self->old_delay));
		wq_sysfs_write("/sys/module/suspend/parameters/pm_test_delay",
			       "1");
		ASSERT_EQ(0, wq_sysfs_write("/sys/power/pm_test", "devices"));
		fd = open("/sys/power/state", O_WRONLY);
		ASSERT_LE(0, fd);
		EXPECT_EQ(6, write(fd, "freeze", 6))
			TH_LOG("freeze: %s", strerror(errno));
		close(fd);
		wq_sysfs_write("/sys/power/pm_test", "none");
		ASSERT_EQ(0, wq_join(w.th, WQ_WAIT_MS));
		EXPECT_EQ(32, w.ret);
	}

	ASSERT_EQ(0, tf_write("tracing_on", "0"));
	sum.req = calloc(MAX_REQS, sizeof(*sum.req));
	ASSERT_NE(NULL, sum.req);
	EXPECT_EQ(0, check_trace(&sum));
	ksft_print_msg("%d events, %d requests, %d completed\n",
		       sum.lines, sum.reqs, sum.complete);
	ksft_print_msg("cancel reasons: signal %d, aio %d, purge %d, caller %d, close %d\n",
		       sum.reason[1], sum.reason[4], sum.reason[3],
		       sum.reason[0], sum.reason[2]);
	ksft_print_msg("present %d, retrieve %d, forward %d, ready %d; isr %d/%d, dpc %d/%d\n",
		       sum.present, sum.retrieve, sum.forward, sum.ready,
		       sum.isr_enter, sum.isr_exit, sum.dpc_enter,
		       sum.dpc_exit);
	ksft_print_msg("power down %d/%d, up %d, io_stop %d, stop_acknowledge %d\n",
		       sum.power_down, sum.power_down_done, sum.power_up,
		       sum.io_stop, sum.stop_ack);
	ksft_print_msg("power hold %d, release %d\n", sum.hold, sum.release);
	ASSERT_EQ(0, tf_write("tracing_on", "1"));

	/* The operations done show up as their events. */
	EXPECT_LE(1, sum.reason[1]);	/* signal */
	EXPECT_LE(1, sum.reason[4]);	/* aio */
	EXPECT_LE(1, sum.reason[3]);	/* purge */
	EXPECT_LE(3, sum.present);
	EXPECT_LE(1, sum.retrieve);
	EXPECT_LE(1, sum.forward);
	EXPECT_LE(1, sum.q_purge);
	EXPECT_LE(1, sum.done_purge);
	EXPECT_LE(1, sum.q_stop);
	EXPECT_LE(1, sum.done_stop);
	EXPECT_LE(1, sum.q_drain);
	EXPECT_LE(1, sum.done_drain);
	EXPECT_LE(1, sum.q_stop_purge);
	EXPECT_LE(1, sum.done_stop_purge);
	EXPECT_LE(4, sum.q_start);
	EXPECT_LE(1, sum.hold);
	EXPECT_LE(1, sum.release);
	if (notify)
		EXPECT_LE(1, sum.ready);
	EXPECT_LE(1, sum.isr_enter);
	EXPECT_LE(1, sum.isr_exit);
	EXPECT_LE(1, sum.dpc_enter);
	EXPECT_LE(1, sum.dpc_exit);
	if (!access("/sys/power/pm_test", W_OK)) {
		EXPECT_LE(1, sum.power_down);
		EXPECT_LE(1, sum.power_down_done);
		EXPECT_LE(1, sum.power_up);
		EXPECT_LE(1, sum.io_stop);
		EXPECT_LE(1, sum.stop_ack);
	}
	free(sum.req);
}

TEST_HARNESS_MAIN
