// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq demo: a narrated tour of /dev/wdfq0 that also checks what it shows.
 * "make run" runs it with --narrate (plain text); "make check" runs it
 * without arguments (TAP, narration as "#" lines) after the kselftests,
 * its exit status giving one result line (scripts/guest/init).
 *
 * It shows a read parked on the pending queue and satisfied by an
 * interrupt and its DPC, loopback through the write queue, queue state
 * changes (stop/start, purge), and a runtime suspend/wake cycle through
 * power/runtime_status.
 */
#include <stdarg.h>

#include "wdfq_util.h"

#define DEV	"/dev/wdfq0"
#define PWR	"/sys/class/misc/wdfq0/device/power/"

static int narrate;
static int failures;

static void say(const char *fmt, ...)
{
	va_list ap;

	if (*fmt == '\n') {
		printf(narrate ? "\n" : "#\n");
		fmt++;
	}
	printf(narrate ? "" : "# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void check(int ok, const char *what)
{
	if (!ok) {
		failures++;
		say("FAILED: %s", what);
	}
}

static const char *qname(unsigned int q)
{
	static const char * const n[] = {
		"read", "pending", "write", "control", "events",
	};

	return q < WDFQ_NR_QUEUES ? n[q] : "?";
}

static void show_queue(int fd, unsigned int q)
{
	struct wdfq_queue_stats s;

	if (wq_stats(fd, q, &s)) {
		say("  %-8s (absent)", qname(q));
		return;
	}
	say("  %-8s %s%s%s: queued %u, in driver %u (max %u)", qname(q),
	    s.state & WDFQ_QS_ACCEPTING ? "accepting " : "refusing ",
	    s.state & WDFQ_QS_DISPATCHING ? "dispatching " : "stopped ",
	    s.state & WDFQ_QS_POWERED ? "powered" : "held-off",
	    s.queued, s.driver_owned, s.max_driver_owned);
	say("           arrived %llu, completed %llu, cancelled %llu, forwarded in/out %llu/%llu",
	    (unsigned long long)s.arrived, (unsigned long long)s.completed,
	    (unsigned long long)s.cancelled,
	    (unsigned long long)s.forwarded_in,
	    (unsigned long long)s.forwarded_out);
}

static void show_device(int fd)
{
	struct wdfq_queue_stats s;
	char st[32] = "?";

	wq_sysfs_read(PWR "runtime_status", st, sizeof(st));
	if (wq_stats(fd, WDFQ_QUEUE_CONTROL, &s))
		return;
	say("  device: power/runtime_status=%s, hardware %s, runtime suspends/resumes %llu/%llu",
	    st, s.dev_state & WDFQ_DS_ARMED ? "armed" : "disarmed",
	    (unsigned long long)s.rpm_suspends,
	    (unsigned long long)s.rpm_resumes);
	say("          interrupts %llu, DPC runs %llu, ring %llu/%u bytes, overrun %llu bytes",
	    (unsigned long long)s.interrupts, (unsigned long long)s.dpc_runs,
	    (unsigned long long)s.ring_bytes, s.ring_size,
	    (unsigned long long)s.overrun_bytes);
}

static int wait_rpm(const char *want, unsigned int ms)
{
	uint64_t end = wq_now_ms() + ms;
	char st[32];

	do {
		if (wq_sysfs_read(PWR "runtime_status", st, sizeof(st)))
			return -1;
		if (!strcmp(st, want))
			return 0;
		wq_sleep_ms(10);
	} while (wq_now_ms() < end);
	return -1;
}

static void demo(int fd, const struct wdfq_info *info)
{
	unsigned int parked = wq_parked_q(info);
	static struct wq_reader r;
	struct wdfq_queue_stats s;
	char old_delay[32] = "", buf[64];
	int have_pm, i;
	ssize_t n;

	say("== /dev/wdfq0: API %u, read path %s, %u queues",
	    info->version, info->read_path ? "notify" : "forward",
	    info->nr_queues);
	for (i = 0; i < (int)info->nr_queues; i++) {
		const struct wdfq_queue_info *q = &info->queues[i];

		if (q->flags & WDFQ_QUEUE_F_ABSENT)
			continue;
		say("  %-8s %s%s%s", q->name,
		    q->dispatch == WDFQ_DISP_SEQUENTIAL ? "sequential" :
		    q->dispatch == WDFQ_DISP_PARALLEL ? "parallel" :
		    "manual",
		    q->flags & WDFQ_QUEUE_F_POWER_MANAGED ?
		    ", power-managed" : "",
		    q->flags & WDFQ_QUEUE_F_READY_NOTIFY ? ", ready notify" : "");
	}

	have_pm = !wq_sysfs_read(PWR "autosuspend_delay_ms", old_delay,
				 sizeof(old_delay));
	if (have_pm) {
		wq_sysfs_write(PWR "control", "auto");
		wq_sysfs_write(PWR "autosuspend_delay_ms", "300");
		say("\n== idle: autosuspend after 300 ms");
		check(!wait_rpm("suspended", WQ_WAIT_MS), "autosuspend");
		show_device(fd);
		for (i = 0; i < 5; i++)
			wq_stats(fd, WDFQ_QUEUE_READ, &s);
		say("  (5 stats ioctls later: the control queue is not power-managed)");
		show_device(fd);
		check(!wait_rpm("suspended", 0), "stats do not wake");
	}

	say("\n== a blocking read parks on '%s' (it holds the device awake)",
	    qname(parked));
	wq_reader_start(&r, fd, sizeof(buf));
	check(!wq_wait_queued(fd, parked, 1), "read parked");
	if (have_pm)
		check(!wait_rpm("active", WQ_WAIT_MS), "parked read wakes");
	show_queue(fd, WDFQ_QUEUE_READ);
	if (parked != WDFQ_QUEUE_READ)
		show_queue(fd, parked);
	show_device(fd);

	say("\n== INJECT 'hello from the ISR': hard irq latches, DPC completes the parked read");
	wq_inject(fd, "hello from the ISR", 18, 0);
	check(!wq_join(r.th, WQ_WAIT_MS), "read completed");
	say("  read returned %zd bytes: '%.*s'", r.ret,
	    (int)(r.ret > 0 ? r.ret : 0), r.buf);
	check(r.ret == 18, "18 bytes");
	show_queue(fd, parked);
	show_device(fd);

	say("\n== write 'loopback!': a transfer on the parallel write queue, looped back as input");
	n = write(fd, "loopback!", 9);
	say("  write returned %zd", n);
	n = read(fd, buf, sizeof(buf));
	say("  read returned %zd bytes: '%.*s'", n, (int)(n > 0 ? n : 0), buf);
	check(n == 9 && !memcmp(buf, "loopback!", 9), "loopback");
	show_queue(fd, WDFQ_QUEUE_WRITE);

	say("\n== queue control: STOP '%s', a read waits although data arrives",
	    qname(WDFQ_QUEUE_READ));
	wq_ctl(fd, WDFQ_QUEUE_READ, WDFQ_CTL_STOP, WDFQ_CTL_F_WAIT);
	wq_reader_start(&r, fd, sizeof(buf));
	check(!wq_wait_queued(fd, WDFQ_QUEUE_READ, 1), "read held");
	wq_inject(fd, "held", 4, 0);
	wq_wait_ring(fd, 4);
	show_queue(fd, WDFQ_QUEUE_READ);
	show_device(fd);
	say("  START '%s': the read gets the buffered bytes", qname(WDFQ_QUEUE_READ));
	wq_ctl(fd, WDFQ_QUEUE_READ, WDFQ_CTL_START, 0);
	check(!wq_join(r.th, WQ_WAIT_MS), "released");
	say("  read returned %zd bytes: '%.*s'", r.ret,
	    (int)(r.ret > 0 ? r.ret : 0), r.buf);
	show_queue(fd, WDFQ_QUEUE_READ);

	say("\n== PURGE '%s' with a parked read: it completes with ECANCELED",
	    qname(parked));
	wq_reader_start(&r, fd, sizeof(buf));
	check(!wq_wait_queued(fd, parked, 1), "parked again");
	wq_ctl(fd, parked, WDFQ_CTL_PURGE, WDFQ_CTL_F_WAIT);
	check(!wq_join(r.th, WQ_WAIT_MS), "purged");
	say("  read returned %zd (%s)", r.ret, strerror(r.err));
	check(r.ret == -1 && r.err == ECANCELED, "ECANCELED");
	show_queue(fd, parked);
	n = read(fd, buf, sizeof(buf));
	say("  a new read now fails: %s", n < 0 ? strerror(errno) : "?");
	wq_ctl(fd, parked, WDFQ_CTL_START, 0);
	say("  START '%s': accepting again", qname(parked));
	show_queue(fd, parked);

	if (have_pm) {
		say("\n== idle again: suspend, then a write wakes the device");
		check(!wait_rpm("suspended", WQ_WAIT_MS), "suspends again");
		show_device(fd);
		n = write(fd, "wake", 4);
		say("  write returned %zd", n);
		show_device(fd);
		n = read(fd, buf, sizeof(buf));
		say("  read back %zd bytes", n);
		check(!wait_rpm("suspended", WQ_WAIT_MS), "suspends after");
		show_device(fd);
		wq_sysfs_write(PWR "autosuspend_delay_ms", old_delay);
	}
}

int main(int argc, char **argv)
{
	struct wdfq_info info;
	int fd;

	narrate = argc > 1 && !strcmp(argv[1], "--narrate");
	if (!narrate)
		printf("TAP version 13\n1..1\n");
	fd = open(DEV, O_RDWR);
	if (fd < 0 || ioctl(fd, WDFQ_IOC_GET_INFO, &info)) {
		say("cannot use %s: %s", DEV, strerror(errno));
		if (!narrate)
			printf("not ok 1 demo\n");
		return 1;
	}
	if (geteuid()) {
		if (!narrate)
			printf("ok 1 demo # SKIP needs root\n");
		return narrate ? 1 : 4;
	}
	wq_reset_device(fd, DEV);
	demo(fd, &info);
	wq_reset_device(fd, DEV);
	close(fd);
	if (narrate) {
		say("\n== demo %s", failures ? "FAILED" : "done");
	} else {
		printf("%s 1 demo\n", failures ? "not ok" : "ok");
		printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n",
		       !failures, !!failures);
	}
	return failures ? 1 : 0;
}
