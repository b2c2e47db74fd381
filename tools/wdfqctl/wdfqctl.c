// SPDX-License-Identifier: GPL-2.0
/*
 * wdfqctl: control utility for the wdfq reference driver (/dev/wdfqN).
 *
 * Every subcommand is one or a few ioctls of uapi/linux/wdfq.h, except
 * "trace", which follows the engine's trace events (tracefs events/wdfq)
 * of one device. The help text (wdfqctl --help) is the manual; the exit
 * codes are the EX_* values below and are listed there.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/wdfq.h>

#define WDFQCTL_VERSION	"1.0"
#define COMMANDS	"info, stats, queue, get, set, inject, wait-event, trace"
#define QUEUE_OPS	"start|stop|drain|purge|stop-purge"
#define PARAM_NAMES	"write_latency_us, write_limit, gen_rate_hz, ring_size"
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Exit codes; the EXIT STATUS section of the help text lists them. */
#define EX_OK		0	/* done */
#define EX_FAIL		1	/* the driver refused or failed the request */
#define EX_USAGE	2	/* bad command line */
#define EX_NODEV	3	/* the device node could not be opened */
#define EX_PERM		4	/* not permitted (CAP_SYS_ADMIN, root) */
#define EX_NOTRACE	5	/* no tracefs or no wdfq trace events */
#define EX_TIMEOUT	6	/* --timeout expired before the wait ended */
#define EX_INTR		130	/* interrupted (SIGINT/SIGTERM) while waiting */

static const char help_text[] =
"NAME\n"
"    wdfqctl - inspect and control wdfq devices (/dev/wdfqN)\n"
"\n"
"SYNOPSIS\n"
"    wdfqctl [-d DEVICE] COMMAND [ARGS...]\n"
"    wdfqctl --help | --version\n"
"\n"
"DESCRIPTION\n"
"    wdfqctl drives the ioctls of the wdfq reference driver (wdfq.ko; the\n"
"    API is <linux/wdfq.h>, Documentation/wdfq/userspace-api.rst). Reading\n"
"    commands (info, stats, get, wait-event) work for any user who may open\n"
"    the device; commands that change it (queue, set, inject, stats --reset)\n"
"    need CAP_SYS_ADMIN, and trace needs root (tracefs).\n"
"\n"
"OPTIONS\n"
"    -d, --device DEVICE\n"
"        The device: a path (/dev/wdfq1), a name (wdfq1) or an instance\n"
"        number (1). Default: $WDFQ_DEVICE, else /dev/wdfq0.\n"
"    -h, --help\n"
"        Print this text and exit 0.\n"
"    -V, --version\n"
"        Print the version and exit 0.\n"
"\n"
"COMMANDS\n"
"    info\n"
"        Instance, API version, read path, I/O and request limits, and the\n"
"        queue topology (id, name, dispatch type, parallel limit, flags).\n"
"\n"
"    stats [-q QUEUE] [-k] [-w [SECONDS]] [-n COUNT]\n"
"    stats --reset\n"
"        One row per queue (state, power, queued, driver-owned, counters),\n"
"        then the device counters (ring, interrupts, DPC runs, bytes,\n"
"        events, suspends, refused calls).\n"
"        -q, --queue QUEUE  only this queue (name or id)\n"
"        -k, --keys         \"queue.field=value\" lines instead of a table\n"
"                           (device counters as \"device.field=value\")\n"
"        -w, --watch[=SEC]  print again every SEC seconds (default 1)\n"
"                           until interrupted; on a terminal the screen\n"
"                           is cleared each time\n"
"        -n, --count COUNT  with --watch: stop after COUNT prints\n"
"        -r, --reset        restart all counters (RESET_STATS); no output\n"
"\n"
"    queue QUEUE start|stop|drain|purge|stop-purge [--wait] [-t SEC]\n"
"        Change one queue's state (QUEUE_CTL); QUEUE is read, pending,\n"
"        write, events or an id (control cannot be changed).\n"
"        start       accept and dispatch again\n"
"        stop        keep accepting, dispatch nothing\n"
"        drain       refuse new requests, finish the queued ones\n"
"        purge       refuse new requests, cancel the queued ones\n"
"        stop-purge  cancel what is queued, keep accepting, dispatch\n"
"                    nothing until start\n"
"        -w, --wait         return once the operation has finished\n"
"        -t, --timeout SEC  with --wait: give up after SEC seconds (exit 6;\n"
"                           the operation goes on in the driver)\n"
"\n"
"    get [PARAM...]\n"
"        Print the device parameters (GET_PARAMS) as PARAM=VALUE lines,\n"
"        all of them or those named. PARAMs: write_latency_us, write_limit,\n"
"        gen_rate_hz, ring_size.\n"
"\n"
"    set PARAM=VALUE...\n"
"        Change parameters (SET_PARAMS), all in one call; VALUE is decimal\n"
"        or 0x-prefixed hex. Ranges: write_latency_us 0..10000000,\n"
"        write_limit 1..64, gen_rate_hz 0..100000, ring_size a power of 2\n"
"        from 64 to 1048576.\n"
"\n"
"    inject [--wake] DATA\n"
"    inject [--wake] --hex HEX | --file FILE | --size N\n"
"        Feed bytes into the device input (INJECT), as the hardware would\n"
"        receive them; an input interrupt delivers them to readers.\n"
"        DATA is taken as bytes, without a newline. --hex takes pairs of\n"
"        hex digits, --file a file (- for standard input), --size N bytes\n"
"        of a counting pattern. Input longer than the driver's max_inject\n"
"        (16384) is sent in several calls.\n"
"        -W, --wake  resume a suspended device for the injection (without\n"
"                    it the bytes wait in the device until it resumes)\n"
"\n"
"    wait-event [-c COUNT] [-t SEC]\n"
"        Wait for the next interrupt (WAIT_EVENT) and print it as\n"
"        \"seq=N source=input|write-done bytes=N timestamp_ns=N\".\n"
"        -c, --count COUNT  wait for COUNT interrupts, one line each\n"
"        -t, --timeout SEC  give up after SEC seconds (exit 6)\n"
"\n"
"    trace [-n COUNT] [-t SEC] [DEVICE]\n"
"        Follow the engine's trace events (tracefs events/wdfq) live and\n"
"        print them as the kernel formats them, until interrupted. With\n"
"        DEVICE (or -d), only that device's events (a filter on the\n"
"        events' dev field); without, every wdfq device's. It uses a\n"
"        tracefs instance of its own (instances/wdfqctl-PID), so the\n"
"        global trace buffer is untouched, and removes it on exit.\n"
"        Needs root and a wdfq_engine.ko that defines the events.\n"
"        -n, --count COUNT  stop after COUNT events\n"
"        -t, --timeout SEC  stop after SEC seconds (exit 6 with -n if\n"
"                           fewer than COUNT events came)\n"
"\n"
"EXIT STATUS\n"
"    0    success (also: trace or stats --watch ended by SIGINT/SIGTERM)\n"
"    1    the driver refused or failed the request (the message names\n"
"         the ioctl and the error)\n"
"    2    usage error: unknown command or option, bad argument\n"
"    3    the device could not be opened (module not loaded, no such\n"
"         instance, node not accessible)\n"
"    4    not permitted: the command needs CAP_SYS_ADMIN (queue, set,\n"
"         inject, stats --reset) or root (trace)\n"
"    5    tracing unavailable: tracefs not mounted, or no events/wdfq\n"
"    6    a --timeout expired\n"
"    130  a wait (queue --wait, wait-event) was interrupted by SIGINT or\n"
"         SIGTERM\n"
"\n"
"ENVIRONMENT\n"
"    WDFQ_DEVICE   the default device (see -d)\n"
"    WDFQ_TRACEFS  where tracefs is mounted (default: /sys/kernel/tracing,\n"
"                  else /sys/kernel/debug/tracing)\n"
"\n"
"EXAMPLES\n"
"    wdfqctl info\n"
"    wdfqctl stats --watch=2\n"
"    wdfqctl queue write stop --wait && wdfqctl stats -q write\n"
"    wdfqctl set write_latency_us=200 write_limit=8\n"
"    wdfqctl inject --wake hello && head -c 5 /dev/wdfq0\n"
"    wdfqctl -d wdfq1 wait-event --count 3\n"
"    wdfqctl trace wdfq0\n"
"\n"
"SEE ALSO\n"
"    Documentation/wdfq/userspace-api.rst, README.md (\"wdfqctl\")\n";

static const char *prog = "wdfqctl";
static const char *dev_path;
static char dev_buf[PATH_MAX];
static int dev_fd = -1;
static struct wdfq_info dev_info;
/* Set by on_signal(); read only after a system call returned EINTR. */
static sig_atomic_t got_signal;

static void say_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	return EX_USAGE;
}

/* A --count or --timeout that is not a number in range. */
static int bad_number(const char *cmd, const char *opt, const char *arg)
{
	return usage_error("%s: %s: bad value '%s' (%s)", cmd, opt, arg,
			   !strcmp(opt, "--count") ? "a positive number" :
			   !strcmp(opt, "--watch") ? "0.1 to 86400 seconds" :
			   "1 to 86400 seconds");
}

/* Map an errno to the exit code, adding what the error means here. */
static int ioctl_error(const char *what, int err)
{
	const char *hint = "";

	switch (err) {
	case EPERM:
	case EACCES:
		hint = " (this command needs CAP_SYS_ADMIN: run it as root)";
		break;
	case ENODEV:
		hint = " (the instance was removed)";
		break;
	case ENOTTY:
		hint = " (not a wdfq device, or a driver of another API version)";
		break;
	case EBUSY:
		hint = " (an operation of the same kind is still pending, or the ring holds more)";
		break;
	case ESHUTDOWN:
		hint = " (the queue is drained or purged: 'queue NAME start' reopens it)";
		break;
	}
	say_err("%s on %s failed: %s%s", what, dev_path, strerror(err), hint);
	return (err == EPERM || err == EACCES) ? EX_PERM : EX_FAIL;
}

static void on_signal(int sig)
{
	got_signal = sig;
}

/*
 * SIGINT, SIGTERM and SIGALRM (--timeout) end a blocking call with EINTR
 * instead of killing the program, so that it can report and clean up.
 */
static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
}

/* The exit code for a wait ended by a signal. */
static int signal_exit(const char *what, unsigned int timeout)
{
	if (got_signal == SIGALRM) {
		say_err("%s on %s: timed out after %u s", what, dev_path, timeout);
		return EX_TIMEOUT;
	}
	say_err("%s on %s: interrupted", what, dev_path);
	return EX_INTR;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static void set_device(const char *s)
{
	size_t i, digits = 1;

	for (i = 0; s[i]; i++)
		digits &= s[i] >= '0' && s[i] <= '9';
	if (strchr(s, '/'))
		snprintf(dev_buf, sizeof(dev_buf), "%s", s);
	else if (digits && *s)
		snprintf(dev_buf, sizeof(dev_buf), "/dev/wdfq%s", s);
	else
		snprintf(dev_buf, sizeof(dev_buf), "/dev/%s", s);
	dev_path = dev_buf;
}

/* Open the device and read its GET_INFO; returns 0 or an exit code. */
static int open_dev(void)
{
	int err;

	dev_fd = open(dev_path, O_RDWR | O_CLOEXEC);
	if (dev_fd < 0 && (errno == EACCES || errno == EPERM))
		dev_fd = open(dev_path, O_RDONLY | O_CLOEXEC);
	if (dev_fd < 0) {
		err = errno;
		say_err("cannot open %s: %s%s", dev_path, strerror(err),
			err == ENOENT ? " (is wdfq.ko loaded? 'modprobe wdfq'; see -d)" :
			err == EACCES ? " (see the node's mode and group: ls -l)" : "");
		return EX_NODEV;
	}
	memset(&dev_info, 0, sizeof(dev_info));
	if (ioctl(dev_fd, WDFQ_IOC_GET_INFO, &dev_info)) {
		err = errno;
		if (err == ENOTTY) {
			say_err("%s is not a wdfq device (GET_INFO: %s)", dev_path,
				strerror(err));
			return EX_NODEV;
		}
		return ioctl_error("GET_INFO", err);
	}
	if (dev_info.nr_queues > WDFQ_MAX_QUEUES)
		dev_info.nr_queues = WDFQ_MAX_QUEUES;
	return 0;
}

static int queue_exists(unsigned int q)
{
	return q < dev_info.nr_queues &&
	       !(dev_info.queues[q].flags & WDFQ_QUEUE_F_ABSENT);
}

static const char *queue_name(unsigned int q)
{
	static char buf[16];

	if (q < dev_info.nr_queues && dev_info.queues[q].name[0]) {
		memcpy(buf, dev_info.queues[q].name, sizeof(buf) - 1);
		buf[sizeof(buf) - 1] = 0;
		return buf;
	}
	snprintf(buf, sizeof(buf), "queue%u", q);
	return buf;
}

/* A queue by name or id, as GET_INFO names it; -1 if there is none. */
static int find_queue(const char *s)
{
	unsigned long id;
	unsigned int q;

	if (!parse_uint(s, WDFQ_MAX_QUEUES - 1, &id))
		return queue_exists(id) ? (int)id : -1;
	for (q = 0; q < dev_info.nr_queues; q++)
		if (queue_exists(q) && !strcmp(s, queue_name(q)))
			return q;
	return -1;
}

static void list_queues(FILE *f)
{
	unsigned int q;
	const char *sep = "";

	for (q = 0; q < dev_info.nr_queues; q++) {
		if (!queue_exists(q))
			continue;
		fprintf(f, "%s%s", sep, queue_name(q));
		sep = ", ";
	}
}

/* ---- info ---- */

static const char *dispatch_name(unsigned int d)
{
	switch (d) {
	case WDFQ_DISP_SEQUENTIAL: return "sequential";
	case WDFQ_DISP_PARALLEL: return "parallel";
	case WDFQ_DISP_MANUAL: return "manual";
	}
	return "?";
}

/*
 * The device behind /dev/wdfqN: "platform device wdfq.N" (simulated
 * hardware) or "PCI device 0000:00:04.0" (QEMU's edu), from sysfs.
 */
static const char *bus_device(unsigned int n, char *buf, size_t len)
{
	char path[64], link[PATH_MAX];
	const char *base;
	ssize_t r;

	snprintf(path, sizeof(path), "/sys/class/misc/wdfq%u/device", n);
	r = readlink(path, link, sizeof(link) - 1);
	if (r <= 0) {
		snprintf(buf, len, "platform device wdfq.%u", n);
		return buf;
	}
	link[r] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	snprintf(buf, len, "%s device %.*s",
		 strncmp(base, "wdfq.", 5) ? "PCI" : "platform", 64, base);
	return buf;
}

static int cmd_info(int argc, char **argv)
{
	const struct wdfq_info *i = &dev_info;
	char bus[96];
	unsigned int q;
	int ret;

	if (argc > 1)
		return usage_error("info: unexpected argument '%s'", argv[1]);
	ret = open_dev();
	if (ret)
		return ret;
	printf("device:      %s (instance %u, %s)\n", dev_path, i->instance,
	       bus_device(i->instance, bus, sizeof(bus)));
	printf("api version: %u\n", i->version);
	printf("read path:   %s (%u)\n",
	       i->read_path == WDFQ_READ_PATH_NOTIFY ? "notify" : "forward",
	       i->read_path);
	printf("max io:      %u bytes per read/write, %u per inject\n",
	       i->max_io, i->max_inject);
	printf("limits:      per open file %u requests, %llu bytes\n",
	       i->file_max_requests, (unsigned long long)i->file_max_bytes);
	printf("             per user      %u requests, %llu bytes\n",
	       i->user_max_requests, (unsigned long long)i->user_max_bytes);
	printf("             per device    %u requests, %llu bytes\n",
	       i->dev_max_requests, (unsigned long long)i->dev_max_bytes);
	printf("queues:\n");
	printf("  %-3s %-8s %-11s %-6s %s\n", "id", "name", "dispatch", "limit",
	       "flags");
	for (q = 0; q < i->nr_queues; q++) {
		const struct wdfq_queue_info *qi = &i->queues[q];
		char flags[64] = "", limit[16];

		if (qi->flags & WDFQ_QUEUE_F_ABSENT) {
			printf("  %-3u %-8s (absent in this read path)\n", q,
			       queue_name(q));
			continue;
		}
		if (qi->flags & WDFQ_QUEUE_F_POWER_MANAGED)
			strcat(flags, " power-managed");
		if (qi->flags & WDFQ_QUEUE_F_READY_NOTIFY)
			strcat(flags, " ready-notify");
		if (qi->dispatch == WDFQ_DISP_MANUAL)
			strcpy(limit, "-");
		else if (!qi->max_presented)
			strcpy(limit, "inf");
		else
			snprintf(limit, sizeof(limit), "%u", qi->max_presented);
		printf("  %-3u %-8s %-11s %-6s %s\n", q, queue_name(q),
		       dispatch_name(qi->dispatch), limit,
		       flags[0] ? flags + 1 : "-");
	}
	return EX_OK;
}

/* ---- stats ---- */

static const char *state_name(unsigned int st)
{
	int acc = !!(st & WDFQ_QS_ACCEPTING);
	int disp = !!(st & WDFQ_QS_DISPATCHING);

	if (acc && disp)
		return "started";
	if (acc)
		return "stopped";
	if (disp)
		return "closed";
	return "closed,stopped";
}

static int get_stats(unsigned int q, struct wdfq_queue_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->queue = q;
	if (ioctl(dev_fd, WDFQ_IOC_GET_QUEUE_STATS, s))
		return ioctl_error("GET_QUEUE_STATS", errno);
	return 0;
}

#define U(x) ((unsigned long long)(x))

static void print_keys(unsigned int q, const struct wdfq_queue_stats *s)
{
	const char *n = queue_name(q);

	printf("%s.state=%s\n", n, state_name(s->state));
	printf("%s.accepting=%d\n", n, !!(s->state & WDFQ_QS_ACCEPTING));
	printf("%s.dispatching=%d\n", n, !!(s->state & WDFQ_QS_DISPATCHING));
	printf("%s.powered=%d\n", n, !!(s->state & WDFQ_QS_POWERED));
	printf("%s.queued=%u\n", n, s->queued);
	printf("%s.driver_owned=%u\n", n, s->driver_owned);
	printf("%s.max_driver_owned=%u\n", n, s->max_driver_owned);
	printf("%s.arrived=%llu\n", n, U(s->arrived));
	printf("%s.presented=%llu\n", n, U(s->presented));
	printf("%s.completed=%llu\n", n, U(s->completed));
	printf("%s.cancelled=%llu\n", n, U(s->cancelled));
	printf("%s.forwarded_in=%llu\n", n, U(s->forwarded_in));
	printf("%s.forwarded_out=%llu\n", n, U(s->forwarded_out));
	printf("%s.driver_bugs=%llu\n", n, U(s->driver_bugs));
}

static void print_device_keys(const struct wdfq_queue_stats *s)
{
	printf("device.armed=%d\n", !!(s->dev_state & WDFQ_DS_ARMED));
	printf("device.suspended=%d\n",
	       !!(s->dev_state & WDFQ_DS_RPM_SUSPENDED));
	printf("device.ring_size=%u\n", s->ring_size);
	printf("device.ring_bytes=%llu\n", U(s->ring_bytes));
	printf("device.write_inflight=%u\n", s->write_inflight);
	printf("device.write_inflight_max=%u\n", s->write_inflight_max);
	printf("device.interrupts=%llu\n", U(s->interrupts));
	printf("device.dpc_runs=%llu\n", U(s->dpc_runs));
	printf("device.input_bytes=%llu\n", U(s->input_bytes));
	printf("device.direct_bytes=%llu\n", U(s->direct_bytes));
	printf("device.overrun_bytes=%llu\n", U(s->overrun_bytes));
	printf("device.overruns=%llu\n", U(s->overruns));
	printf("device.events=%llu\n", U(s->events));
	printf("device.rpm_suspends=%llu\n", U(s->rpm_suspends));
	printf("device.rpm_resumes=%llu\n", U(s->rpm_resumes));
	printf("device.sys_suspends=%llu\n", U(s->sys_suspends));
	printf("device.sys_resumes=%llu\n", U(s->sys_resumes));
	printf("device.requests_limited=%llu\n", U(s->requests_limited));
}

static void print_row(unsigned int q, const struct wdfq_queue_stats *s)
{
	printf("%-8s %-14s %-5s %6u %5u %5u %9llu %9llu %9llu %9llu %7llu %7llu %4llu\n",
	       queue_name(q), state_name(s->state),
	       s->state & WDFQ_QS_POWERED ? "on" : "off", s->queued,
	       s->driver_owned, s->max_driver_owned, U(s->arrived),
	       U(s->presented), U(s->completed), U(s->cancelled),
	       U(s->forwarded_in), U(s->forwarded_out), U(s->driver_bugs));
}

static void print_device(const struct wdfq_queue_stats *s)
{
	printf("\ndevice %s: %s, %s; ring %llu/%u bytes; write transfers %u (max %u)\n",
	       dev_path, s->dev_state & WDFQ_DS_ARMED ? "armed" : "disarmed",
	       s->dev_state & WDFQ_DS_RPM_SUSPENDED ? "suspended" : "active",
	       U(s->ring_bytes), s->ring_size, s->write_inflight,
	       s->write_inflight_max);
	printf("  interrupts %llu  dpc_runs %llu  events %llu\n",
	       U(s->interrupts), U(s->dpc_runs), U(s->events));
	printf("  input_bytes %llu  direct_bytes %llu  overrun_bytes %llu (%llu overruns)\n",
	       U(s->input_bytes), U(s->direct_bytes), U(s->overrun_bytes),
	       U(s->overruns));
	printf("  runtime suspends/resumes %llu/%llu", U(s->rpm_suspends),
	       U(s->rpm_resumes));
	printf("  system suspends/resumes %llu/%llu", U(s->sys_suspends),
	       U(s->sys_resumes));
	printf("  requests_limited %llu\n", U(s->requests_limited));
}

static int show_stats(int only, int keys)
{
	struct wdfq_queue_stats s;
	unsigned int q;
	int ret, have = 0;

	if (!keys)
		printf("%-8s %-14s %-5s %6s %5s %5s %9s %9s %9s %9s %7s %7s %4s\n",
		       "queue", "state", "power", "queued", "owned", "max",
		       "arrived", "presented", "completed", "cancelled",
		       "fwd-in", "fwd-out", "bugs");
	for (q = 0; q < dev_info.nr_queues; q++) {
		if (!queue_exists(q) || (only >= 0 && (int)q != only))
			continue;
		ret = get_stats(q, &s);
		if (ret)
			return ret;
		have = 1;
		if (keys)
			print_keys(q, &s);
		else
			print_row(q, &s);
	}
	if (!have)
		return EX_OK;
	if (keys)
		print_device_keys(&s);
	else
		print_device(&s);
	return EX_OK;
}

static int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "queue", required_argument, NULL, 'q' },
		{ "keys", no_argument, NULL, 'k' },
		{ "watch", optional_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'n' },
		{ "reset", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *qarg = NULL;
	unsigned long interval_ms = 0, count = 0, n;
	int keys = 0, reset = 0, only = -1, c, ret, done;

	while ((c = getopt_long(argc, argv, "q:kw::n:rh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			qarg = optarg;
			break;
		case 'k':
			keys = 1;
			break;
		case 'w':
			interval_ms = 1000;
			if (optarg) {
				double sec;
				char *end;

				sec = strtod(optarg, &end);
				if (*end || !(sec >= 0.1 && sec <= 86400))
					return bad_number("stats", "--watch", optarg);
				interval_ms = (unsigned long)(sec * 1000);
			}
			break;
		case 'n':
			if (parse_uint(optarg, UINT_MAX, &count) || !count)
				return bad_number("stats", "--count", optarg);
			break;
		case 'r':
			reset = 1;
			break;
		case 'h':
			fputs(help_text, stdout);
			return EX_OK;
		default:
			return usage_error("stats: bad option");
		}
	}
	if (optind < argc)
		return usage_error("stats: unexpected argument '%s'", argv[optind]);
	if (reset && (qarg || keys || interval_ms || count))
		return usage_error("stats: --reset takes no other option");
	if (count && !interval_ms)
		return usage_error("stats: --count needs --watch");
	ret = open_dev();
	if (ret)
		return ret;
	if (reset) {
		struct wdfq_reset_stats r = { 0 };

		if (ioctl(dev_fd, WDFQ_IOC_RESET_STATS, &r))
			return ioctl_error("RESET_STATS", errno);
		return EX_OK;
	}
	if (qarg) {
		only = find_queue(qarg);
		if (only < 0) {
			fprintf(stderr, "%s: stats: no queue '%s' on %s (queues: ",
				prog, qarg, dev_path);
			list_queues(stderr);
			fprintf(stderr, ")\n");
			return EX_USAGE;
		}
	}
	if (!interval_ms)
		return show_stats(only, keys);

	catch_signals();
	for (n = 0, done = 0; !done; n++) {
		struct timespec ts;
		char when[32];
		time_t now = time(NULL);

		strftime(when, sizeof(when), "%F %T", localtime(&now));
		if (isatty(STDOUT_FILENO))
			printf("\033[H\033[2J");
		else if (n)
			printf("\n");
		printf("Every %.1fs: wdfqctl stats   %s   %s\n\n",
		       interval_ms / 1000.0, dev_path, when);
		ret = show_stats(only, keys);
		fflush(stdout);
		if (ret)
			return ret;
		if (count && n + 1 >= count)
			break;
		ts.tv_sec = interval_ms / 1000;
		ts.tv_nsec = (interval_ms % 1000) * 1000000L;
		/* A signal ends the sleep (EINTR) and the watch. */
		if (nanosleep(&ts, NULL) && got_signal)
			done = 1;
	}
	return EX_OK;
}

/* ---- queue ---- */

static const struct {
	const char *name;
	unsigned int op;
} queue_ops[] = {
	{ "start", WDFQ_CTL_START },
	{ "stop", WDFQ_CTL_STOP },
	{ "drain", WDFQ_CTL_DRAIN },
	{ "purge", WDFQ_CTL_PURGE },
	{ "stop-purge", WDFQ_CTL_STOP_PURGE },
};

static int cmd_queue(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "wait", no_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct wdfq_queue_ctl ctl = { 0 };
	unsigned long timeout = 0;
	char what[64];
	int c, q, ret, wait = 0;
	unsigned int i;

	while ((c = getopt_long(argc, argv, "wt:h", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			wait = 1;
			break;
		case 't':
			if (parse_uint(optarg, 86400, &timeout) || !timeout)
				return bad_number("queue", "--timeout", optarg);
			break;
		case 'h':
			fputs(help_text, stdout);
			return EX_OK;
		default:
			return usage_error("queue: bad option");
		}
	}
	if (argc - optind != 2)
		return usage_error("usage: %s queue QUEUE %s [--wait] [--timeout SEC]",
				   prog, QUEUE_OPS);
	if (timeout && !wait)
		return usage_error("queue: --timeout needs --wait");
	for (i = 0; i < ARRAY_SIZE(queue_ops); i++)
		if (!strcmp(argv[optind + 1], queue_ops[i].name))
			break;
	if (i == ARRAY_SIZE(queue_ops))
		return usage_error("queue: unknown operation '%s' (%s)",
				   argv[optind + 1], QUEUE_OPS);
	ret = open_dev();
	if (ret)
		return ret;
	q = find_queue(argv[optind]);
	if (q < 0 || q == WDFQ_QUEUE_CONTROL) {
		fprintf(stderr, "%s: queue: %s '%s' on %s (queues that can be changed: ",
			prog, q < 0 ? "no queue" : "cannot change the queue",
			argv[optind], dev_path);
		for (c = 0; c < (int)dev_info.nr_queues; c++)
			if (queue_exists(c) && c != WDFQ_QUEUE_CONTROL)
				fprintf(stderr, "%s%s", c ? ", " : "",
					queue_name(c));
		fprintf(stderr, ")\n");
		return EX_USAGE;
	}
	ctl.queue = q;
	ctl.op = queue_ops[i].op;
	ctl.flags = wait ? WDFQ_CTL_F_WAIT : 0;
	snprintf(what, sizeof(what), "QUEUE_CTL %s %s%s", queue_name(q),
		 queue_ops[i].name, wait ? " --wait" : "");
	catch_signals();
	if (timeout)
		alarm(timeout);
	if (ioctl(dev_fd, WDFQ_IOC_QUEUE_CTL, &ctl)) {
		if (errno == EINTR && got_signal)
			return signal_exit(what, timeout);
		return ioctl_error(what, errno);
	}
	alarm(0);
	return EX_OK;
}

/* ---- get / set ---- */

static const struct {
	const char *name;
	unsigned int mask;
	size_t off;
	unsigned long max;
} params[] = {
	{ "write_latency_us", WDFQ_PARAM_WRITE_LATENCY,
	  offsetof(struct wdfq_params, write_latency_us), UINT32_MAX },
	{ "write_limit", WDFQ_PARAM_WRITE_LIMIT,
	  offsetof(struct wdfq_params, write_limit), UINT32_MAX },
	{ "gen_rate_hz", WDFQ_PARAM_GEN_RATE,
	  offsetof(struct wdfq_params, gen_rate_hz), UINT32_MAX },
	{ "ring_size", WDFQ_PARAM_RING_SIZE,
	  offsetof(struct wdfq_params, ring_size), UINT32_MAX },
};

#define NR_PARAMS	ARRAY_SIZE(params)

static __u32 *param_field(struct wdfq_params *p, unsigned int i)
{
	return (__u32 *)((char *)p + params[i].off);
}

static int find_param(const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < NR_PARAMS; i++)
		if (strlen(params[i].name) == len &&
		    !strncmp(params[i].name, name, len))
			return i;
	return -1;
}

static int cmd_get(int argc, char **argv)
{
	struct wdfq_params p = { 0 };
	unsigned int i;
	int a, ret;

	for (a = 1; a < argc; a++)
		if (find_param(argv[a], strlen(argv[a])) < 0)
			return usage_error("get: unknown parameter '%s' (%s)",
					   argv[a], PARAM_NAMES);
	ret = open_dev();
	if (ret)
		return ret;
	if (ioctl(dev_fd, WDFQ_IOC_GET_PARAMS, &p))
		return ioctl_error("GET_PARAMS", errno);
	if (argc == 1) {
		for (i = 0; i < NR_PARAMS; i++)
			printf("%s=%u\n", params[i].name, *param_field(&p, i));
		return EX_OK;
	}
	for (a = 1; a < argc; a++) {
		i = find_param(argv[a], strlen(argv[a]));
		printf("%s=%u\n", params[i].name, *param_field(&p, i));
	}
	return EX_OK;
}

static int cmd_set(int argc, char **argv)
{
	struct wdfq_params p = { 0 };
	char what[256] = "SET_PARAMS";
	unsigned long v;
	int a, i, ret;

	if (argc < 2)
		return usage_error("usage: %s set PARAM=VALUE... (PARAM: %s)",
				   prog, PARAM_NAMES);
	for (a = 1; a < argc; a++) {
		const char *eq = strchr(argv[a], '=');

		i = eq ? find_param(argv[a], eq - argv[a]) : -1;
		if (i < 0)
			return usage_error("set: '%s' is not PARAM=VALUE (PARAM: %s)",
					   argv[a], PARAM_NAMES);
		if (parse_uint(eq + 1, params[i].max, &v))
			return usage_error("set: %s: '%s' is not a number", params[i].name,
					   eq + 1);
		if (p.mask & params[i].mask)
			return usage_error("set: %s given twice", params[i].name);
		p.mask |= params[i].mask;
		*param_field(&p, i) = v;
		if (strlen(what) + strlen(argv[a]) + 2 < sizeof(what)) {
			strcat(what, " ");
			strcat(what, argv[a]);
		}
	}
	ret = open_dev();
	if (ret)
		return ret;
	if (ioctl(dev_fd, WDFQ_IOC_SET_PARAMS, &p)) {
		if (errno == EINVAL) {
			say_err("%s on %s failed: %s (ranges: write_latency_us 0..10000000, write_limit 1..64, gen_rate_hz 0..100000, ring_size a power of 2 from 64 to 1048576)",
				what, dev_path, strerror(errno));
			return EX_FAIL;
		}
		return ioctl_error(what, errno);
	}
	return EX_OK;
}

/* ---- inject ---- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int inject_buf(const unsigned char *data, size_t len, unsigned int flags)
{
	size_t max = dev_info.max_inject ? dev_info.max_inject : WDFQ_MAX_INJECT;

	while (len) {
		size_t n = len < max ? len : max;
		struct wdfq_inject inj = {
			.data = (uintptr_t)data, .len = n, .flags = flags,
		};

		if (ioctl(dev_fd, WDFQ_IOC_INJECT, &inj))
			return ioctl_error("INJECT", errno);
		data += n;
		len -= n;
	}
	return EX_OK;
}

static int cmd_inject(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "wake", no_argument, NULL, 'W' },
		{ "hex", required_argument, NULL, 'x' },
		{ "file", required_argument, NULL, 'f' },
		{ "size", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *hex = NULL, *file = NULL;
	unsigned long size = 0;
	unsigned char *buf = NULL;
	size_t len = 0, i;
	unsigned int flags = 0;
	int c, sources, ret;

	while ((c = getopt_long(argc, argv, "Wx:f:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'W':
			flags |= WDFQ_INJECT_F_WAKE;
			break;
		case 'x':
			hex = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 's':
			if (parse_uint(optarg, 64ul << 20, &size) || !size)
				return usage_error("inject: --size: bad size '%s' (1 to 67108864)",
						   optarg);
			break;
		case 'h':
			fputs(help_text, stdout);
			return EX_OK;
		default:
			return usage_error("inject: bad option");
		}
	}
	sources = !!hex + !!file + !!size + (optind < argc);
	if (sources != 1 || argc - optind > 1)
		return usage_error("usage: %s inject [--wake] %s", prog,
				   "DATA | --hex HEX | --file FILE | --size N");
	if (optind < argc && !*argv[optind])
		return usage_error("inject: DATA is empty");
	if (hex) {
		len = strlen(hex);
		if (!len || len % 2)
			return usage_error("inject: --hex wants pairs of hex digits");
		buf = malloc(len / 2);
		if (!buf)
			return EX_FAIL;
		for (i = 0; i < len / 2; i++) {
			int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

			if (hi < 0 || lo < 0) {
				free(buf);
				return usage_error("inject: --hex: '%c%c' is not a hex byte",
						   hex[2 * i], hex[2 * i + 1]);
			}
			buf[i] = hi << 4 | lo;
		}
		len /= 2;
	} else if (size) {
		len = size;
		buf = malloc(len);
		if (!buf)
			return EX_FAIL;
		for (i = 0; i < len; i++)
			buf[i] = 'a' + i % 26;
	} else if (file) {
		FILE *f = strcmp(file, "-") ? fopen(file, "rb") : stdin;
		size_t cap = 0, n;

		if (!f) {
			say_err("inject: cannot open %s: %s", file, strerror(errno));
			return EX_USAGE;
		}
		for (;;) {
			if (len == cap) {
				unsigned char *nb = realloc(buf, cap + 65536);

				if (!nb) {
					free(buf);
					return EX_FAIL;
				}
				buf = nb;
				cap += 65536;
			}
			n = fread(buf + len, 1, cap - len, f);
			len += n;
			if (!n)
				break;
		}
		if (ferror(f)) {
			say_err("inject: reading %s: %s", file, strerror(errno));
			free(buf);
			return EX_USAGE;
		}
		if (f != stdin)
			fclose(f);
		if (!len) {
			free(buf);
			return usage_error("inject: %s is empty", file);
		}
	}
	ret = open_dev();
	if (!ret)
		ret = inject_buf(buf ? buf : (unsigned char *)argv[optind],
				 buf ? len : strlen(argv[optind]), flags);
	free(buf);
	return ret;
}

/* ---- wait-event ---- */

static int cmd_wait_event(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	unsigned long count = 1, timeout = 0, n;
	int c, ret;

	while ((c = getopt_long(argc, argv, "c:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (parse_uint(optarg, UINT_MAX, &count) || !count)
				return bad_number("wait-event", "--count", optarg);
			break;
		case 't':
			if (parse_uint(optarg, 86400, &timeout) || !timeout)
				return bad_number("wait-event", "--timeout", optarg);
			break;
		case 'h':
			fputs(help_text, stdout);
			return EX_OK;
		default:
			return usage_error("wait-event: bad option");
		}
	}
	if (optind < argc)
		return usage_error("wait-event: unexpected argument '%s'", argv[optind]);
	ret = open_dev();
	if (ret)
		return ret;
	catch_signals();
	if (timeout)
		alarm(timeout);
	for (n = 0; n < count; n++) {
		struct wdfq_event ev = { 0 };

		if (ioctl(dev_fd, WDFQ_IOC_WAIT_EVENT, &ev)) {
			if (errno == EINTR && got_signal)
				return signal_exit("WAIT_EVENT", timeout);
			return ioctl_error("WAIT_EVENT", errno);
		}
		printf("seq=%llu source=%s bytes=%u timestamp_ns=%llu\n",
		       U(ev.seq),
		       ev.source == WDFQ_EVT_INPUT ? "input" :
		       ev.source == WDFQ_EVT_WRITE_DONE ? "write-done" : "?",
		       ev.bytes, U(ev.timestamp_ns));
		fflush(stdout);
	}
	alarm(0);
	return EX_OK;
}

/* ---- trace ---- */

/*
 * The events' subsystem and the string field naming the device. Another
 * subsystem can be built in to try the code on a kernel without the wdfq
 * events (e.g. -DTRACE_SYSTEM='"irq"' -DTRACE_DEV_FIELD='"name"').
 */
#ifndef TRACE_SYSTEM
#define TRACE_SYSTEM	"wdfq"
#endif
#ifndef TRACE_DEV_FIELD
#define TRACE_DEV_FIELD	"dev"
#endif
#define EVENTS		"events/" TRACE_SYSTEM

static char trace_dir[PATH_MAX + 64];	/* tracefs, or the instance in it */

/* Write a string to a tracefs file below trace_dir; 0 or an errno. */
static int trace_write(const char *file, const char *val)
{
	char path[PATH_MAX + 160];
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", trace_dir, file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return errno;
	n = write(fd, val, strlen(val));
	if (n != (ssize_t)strlen(val))
		err = n < 0 ? errno : EIO;
	close(fd);
	return err;
}

/* Does the event's format (below trace_dir) have the device field? */
static int event_has_dev(const char *event)
{
	char path[PATH_MAX + 400], line[512];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s/format", trace_dir, EVENTS,
		 event);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, "field:") &&
			strstr(line, " " TRACE_DEV_FIELD ";");
	fclose(f);
	return found;
}

/*
 * With a device: filter and enable each event that has the device field
 * (a subsystem-wide filter would let the events without it through
 * unfiltered); the others stay off and are named. Returns how many are
 * enabled, or -errno.
 */
static int enable_filtered(const char *filter)
{
	char file[PATH_MAX + 400];
	struct dirent *e;
	int enabled = 0, err = 0;
	DIR *dir;

	snprintf(file, sizeof(file), "%s/%s", trace_dir, EVENTS);
	dir = opendir(file);
	if (!dir)
		return -errno;
	while (!err && (e = readdir(dir))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "enable") ||
		    !strcmp(e->d_name, "filter"))
			continue;
		if (!event_has_dev(e->d_name)) {
			say_err("trace: event %s has no '%s' field: not traced",
				e->d_name, TRACE_DEV_FIELD);
			continue;
		}
		snprintf(file, sizeof(file), "%s/%s/filter", EVENTS, e->d_name);
		err = trace_write(file, filter);
		if (err) {
			say_err("trace: setting the filter '%s' of %s/%s failed: %s",
				filter, EVENTS, e->d_name, strerror(err));
			break;
		}
		snprintf(file, sizeof(file), "%s/%s/enable", EVENTS, e->d_name);
		err = trace_write(file, "1");
		enabled++;
	}
	closedir(dir);
	return err ? -err : enabled;
}

static int find_tracefs(char *root, size_t size)
{
	const char *env = getenv("WDFQ_TRACEFS");
	static const char * const cand[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[PATH_MAX + 16];
	unsigned int i;

	if (env && *env) {
		snprintf(root, size, "%s", env);
		snprintf(path, sizeof(path), "%s/trace_pipe", root);
		return access(path, F_OK) ? -errno : 0;
	}
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/trace_pipe", cand[i]);
		if (!access(path, F_OK)) {
			snprintf(root, size, "%s", cand[i]);
			return 0;
		}
		/* debugfs is root-only: that is a permission problem. */
		if (errno == EACCES)
			return -EACCES;
	}
	return -ENOENT;
}

static int cmd_trace(int argc, char **argv, int dev_given)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	unsigned long count = 0, timeout = 0, lines = 0;
	char root[PATH_MAX], path[PATH_MAX + 96], filter[96], buf[4096];
	const char *name = NULL;
	int c, err, fd, ret = EX_OK, instance = 0;
	size_t i;
	ssize_t n;

	while ((c = getopt_long(argc, argv, "n:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_uint(optarg, UINT_MAX, &count) || !count)
				return bad_number("trace", "--count", optarg);
			break;
		case 't':
			if (parse_uint(optarg, 86400, &timeout) || !timeout)
				return bad_number("trace", "--timeout", optarg);
			break;
		case 'h':
			fputs(help_text, stdout);
			return EX_OK;
		default:
			return usage_error("trace: bad option");
		}
	}
	if (argc - optind > 1)
		return usage_error("usage: %s trace [-n COUNT] [-t SEC] [DEVICE]", prog);
	if (optind < argc)
		set_device(argv[optind]);
	if (optind < argc || dev_given) {
		name = strrchr(dev_path, '/') ? strrchr(dev_path, '/') + 1 : dev_path;
		for (i = 0; name[i]; i++)
			if (!(name[i] == '_' || name[i] == '-' || name[i] == '.' ||
			      (name[i] >= '0' && name[i] <= '9') ||
			      (name[i] >= 'a' && name[i] <= 'z') ||
			      (name[i] >= 'A' && name[i] <= 'Z')))
				return usage_error("trace: '%s' is not a device name", name);
		if (!*name || strlen(name) > 64)
			return usage_error("trace: '%s' is not a device name", name);
	}

	err = find_tracefs(root, sizeof(root));
	if (err == -EACCES) {
		say_err("trace: tracefs is not accessible: %s (tracing needs root)",
			strerror(-err));
		return EX_PERM;
	}
	if (err) {
		say_err("trace: tracefs is not mounted (no trace_pipe in %s): mount it with 'mount -t tracefs nodev /sys/kernel/tracing' or set WDFQ_TRACEFS",
			getenv("WDFQ_TRACEFS") && *getenv("WDFQ_TRACEFS") ?
			getenv("WDFQ_TRACEFS") :
			"/sys/kernel/tracing or /sys/kernel/debug/tracing");
		return EX_NOTRACE;
	}
	snprintf(path, sizeof(path), "%s/" EVENTS "/enable", root);
	if (access(path, F_OK)) {
		err = errno;
		if (err == EACCES) {
			say_err("trace: %s: %s (tracing needs root)", path, strerror(err));
			return EX_PERM;
		}
		say_err("trace: no wdfq trace events (%s/%s: %s): the loaded wdfq_engine.ko defines none, or it is not loaded",
			root, EVENTS, strerror(err));
		return EX_NOTRACE;
	}

	/* An instance of our own: the global buffer and its users are left alone. */
	snprintf(trace_dir, sizeof(trace_dir), "%s/instances/wdfqctl-%d", root,
		 (int)getpid());
	if (mkdir(trace_dir, 0755)) {
		err = errno;
		if (err == EACCES || err == EPERM) {
			say_err("trace: cannot create the tracefs instance %s: %s (tracing needs root)",
				trace_dir, strerror(err));
			return EX_PERM;
		}
		say_err("trace: cannot create the tracefs instance %s: %s",
			trace_dir, strerror(err));
		return EX_NOTRACE;
	}
	instance = 1;
	catch_signals();
	signal(SIGPIPE, SIG_IGN);
	if (name) {
		snprintf(filter, sizeof(filter), TRACE_DEV_FIELD " == \"%s\"", name);
		c = enable_filtered(filter);
		if (c <= 0) {
			if (!c)
				say_err("trace: no event in %s/%s has a '%s' field to filter on",
					trace_dir, EVENTS, TRACE_DEV_FIELD);
			ret = c == -EACCES || c == -EPERM ? EX_PERM : EX_NOTRACE;
			goto out;
		}
	} else {
		err = trace_write(EVENTS "/enable", "1");
		if (err) {
			say_err("trace: enabling %s/%s failed: %s", trace_dir,
				EVENTS, strerror(err));
			ret = err == EACCES || err == EPERM ? EX_PERM : EX_NOTRACE;
			goto out;
		}
	}
	snprintf(path, sizeof(path), "%s/trace_pipe", trace_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		say_err("trace: cannot open %s: %s", path, strerror(errno));
		ret = EX_NOTRACE;
		goto out;
	}
	fprintf(stderr, "%s: tracing the wdfq events of %s; Ctrl-C stops\n",
		prog, name ? name : "every device");
	if (timeout)
		alarm(timeout);
	while (!got_signal && (!count || lines < count)) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			say_err("trace: reading %s: %s", path, strerror(errno));
			ret = EX_FAIL;
			break;
		}
		if (!n)
			break;
		/* Stop after COUNT lines exactly, even within one read. */
		for (i = 0; i < (size_t)n; i++)
			if (buf[i] == '\n' && ++lines == count) {
				n = i + 1;
				break;
			}
		if (fwrite(buf, 1, n, stdout) != (size_t)n || fflush(stdout))
			break;	/* the reader went away (EPIPE): a normal end */
	}
	close(fd);
	if (count && lines < count && got_signal == SIGALRM) {
		say_err("trace: %lu of %lu events after %lu s", lines, count,
			timeout);
		ret = EX_TIMEOUT;
	}
out:
	/* (an instance's filters go with it; the top level is never used) */
	trace_write(EVENTS "/enable", "0");
	if (instance && rmdir(trace_dir))
		say_err("trace: could not remove the tracefs instance %s: %s",
			trace_dir, strerror(errno));
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ }
	};
	const char *env = getenv("WDFQ_DEVICE");
	int c, dev_given = 0;
	char **cargv;
	int cargc;

	set_device(env && *env ? env : "/dev/wdfq0");
	/* "+": options after the command are the command's. */
	while ((c = getopt_long(argc, argv, "+d:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (!*optarg)
				return usage_error("--device: empty name");
			set_device(optarg);
			dev_given = 1;
			break;
		case 'h':
			fputs(help_text, stdout);
			return EX_OK;
		case 'V':
			printf("wdfqctl %s (wdfq API %d)\n", WDFQCTL_VERSION,
			       WDFQ_API_VERSION);
			return EX_OK;
		default:
			return usage_error("bad option");
		}
	}
	if (optind >= argc)
		return usage_error("no command (%s)", COMMANDS);
	cargv = argv + optind;
	cargc = argc - optind;
	/*
	 * Each command parses its own options from cargv[1]; 0 makes glibc
	 * start over, in its default order (options may follow operands).
	 */
	optind = 0;

	if (!strcmp(cargv[0], "info"))
		return cmd_info(cargc, cargv);
	if (!strcmp(cargv[0], "stats"))
		return cmd_stats(cargc, cargv);
	if (!strcmp(cargv[0], "queue"))
		return cmd_queue(cargc, cargv);
	if (!strcmp(cargv[0], "get"))
		return cmd_get(cargc, cargv);
	if (!strcmp(cargv[0], "set"))
		return cmd_set(cargc, cargv);
	if (!strcmp(cargv[0], "inject"))
		return cmd_inject(cargc, cargv);
	if (!strcmp(cargv[0], "wait-event"))
		return cmd_wait_event(cargc, cargv);
	if (!strcmp(cargv[0], "trace"))
		return cmd_trace(cargc, cargv, dev_given);
	if (!strcmp(cargv[0], "help")) {
		fputs(help_text, stdout);
		return EX_OK;
	}
	return usage_error("unknown command '%s' (%s)", cargv[0], COMMANDS);
}
