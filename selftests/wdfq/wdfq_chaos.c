// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq chaos: everything at once on /dev/wdfq0 for a fixed time, drawn from
 * a printed seed. Threads do blocking, non-blocking, libaio and io_uring
 * reads and writes (async ones are also cancelled), WAIT_EVENT, injections,
 * every QUEUE_CTL operation with and without WDFQ_CTL_F_WAIT, SET_PARAMS
 * (write latency, write queue rebuilds, ring resizes), runtime PM control
 * toggles, system sleep cycles (pm_test=devices, freeze), unbind/bind
 * cycles, signals with and without SA_RESTART, forks whose children use the
 * inherited descriptors, and closes of descriptors other threads are parked
 * on.
 *
 * Every byte written or injected is part of an 8-byte record naming its
 * producer thread, the device incarnation (epoch: an unbind/bind makes a new
 * one) and a sequence number; every read is a multiple of 8 bytes, so the
 * device's byte stream stays record aligned. At the end:
 *   - no thread hung;
 *   - every byte read is a whole record that some call reported as written
 *     or injected (none from a failed call), and no record came back twice;
 *   - for the last incarnation: records written + injected = records read +
 *     bytes counted as overrun / 8 (and the ring is empty);
 *   - every queue balances, nothing is queued or driver owned, no driver bug
 *     was counted;
 *   - no call failed with an errno the API does not give for it.
 * The kernel log (lockdep, KASAN, KCSAN...) is checked by the harness.
 *
 * Unbind/bind cycles run in the first 60% of the time: the bytes an unbind
 * finds buffered are gone uncounted, so the balance above is checked on the
 * last incarnation, which lives long; earlier ones get the other checks.
 *
 * The generator stays off: its records cannot be told apart in the overrun
 * count. The seed replays the draws of every thread, not the interleaving.
 *
 * Environment: WDFQ_CHAOS_SECONDS (default 60 on a kernel with fault
 * injection, the debug ones; 10 elsewhere), WDFQ_CHAOS_SEED (default: from
 * the clock). "make stress" runs longer ones.
 */
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "wdfq_util.h"
#include "wdfq_async.h"

#define DEV		"/dev/wdfq0"
#define DRVDIR		"/sys/bus/platform/drivers/wdfq/"
#define PWR		"/sys/bus/platform/devices/wdfq.0/power/"
#define PM_DELAY	"/sys/module/suspend/parameters/pm_test_delay"

#define REC		8		/* bytes of one record */
#define REC_MAGIC	0xc5ull
#define MAX_THREADS	48		/* producer ids are 6 bits */
#define MAX_EPOCHS	1024		/* epochs are 10 bits */
#define MAX_SEQ		2097152		/* records per producer */
#define SEQ_WORDS	(MAX_SEQ / 64)
#define NPROBLEMS	16
#define HIGH_FD		700		/* closer's descriptors: never reused */
#define JOIN_MS		120000		/* limit to end after the stop */

enum role {
	R_SIGNALLER, R_READER, R_WRITER, R_AIO, R_URING, R_WAITER, R_INJECTOR, R_CTL,
	R_PARAMS, R_PM, R_UNBIND, R_FORKER, R_CLOSER, R_MAIN,
	R_NR
};

/* The signaller first: it is joined first, it names the others. */
static const char * const role_name[R_NR] = {
	"signaller", "reader", "writer", "aio", "uring", "waiter", "injector", "ctl",
	"params", "pm", "unbind", "forker", "closer", "main",
};

/* How many threads of each role. */
static const unsigned int role_count[R_NR] = {
	[R_READER] = 4, [R_WRITER] = 3, [R_AIO] = 2, [R_URING] = 2,
	[R_WAITER] = 2, [R_INJECTOR] = 1, [R_CTL] = 2, [R_PARAMS] = 1,
	[R_PM] = 1, [R_UNBIND] = 1, [R_FORKER] = 1, [R_CLOSER] = 1,
	[R_SIGNALLER] = 1,
};

/* Shared with forked children (MAP_SHARED): what was written and read. */
struct book {
	uint64_t ok[MAX_THREADS][SEQ_WORDS];	/* reported written */
	uint64_t seen[MAX_THREADS][SEQ_WORDS];	/* read back */
	uint64_t ok_ep[MAX_EPOCHS];		/* records written, by epoch */
	uint64_t seen_ep[MAX_EPOCHS];		/* records read, by epoch */
	uint64_t dups, garbage, unexpected, hangs, freeze_fail;
	uint64_t reads, writes, async_ops, events, injects, ctls, params;
	uint64_t sleeps, unbinds, forks, closes, signals;
	uint64_t eintr, ecanceled, eshutdown, eagain, enodev, ebusy;
	unsigned int nproblems;
	char problem[NPROBLEMS][160];
};

struct chaos;

struct th {
	struct chaos *c;
	pthread_t pt;
	unsigned int id;
	enum role role;
	uint64_t rng;
	int fd, nb;		/* blocking and O_NONBLOCK opens */
	unsigned int ep;	/* epoch of fd and nb */
	uint64_t seq;		/* next record number */
	int done;
	char buf[4][WDFQ_MAX_IO];
};

struct chaos {
	struct book *b;
	struct th *t[MAX_THREADS];
	unsigned int nth;
	int stop;
	int started;		/* every thread is created */
	unsigned int epoch;
	uint64_t unbind_until;	/* the last incarnation lives this long */
	int can_unbind, can_sleep, have_rpm;
	char old_ctl[32], old_delay[32], old_pm_delay[32];
};

static inline void add(uint64_t *p, uint64_t n)
{
	__atomic_add_fetch(p, n, __ATOMIC_RELAXED);
}

static int stopped(struct chaos *c)
{
	return __atomic_load_n(&c->stop, __ATOMIC_RELAXED);
}

static unsigned int cur_epoch(struct chaos *c)
{
	return __atomic_load_n(&c->epoch, __ATOMIC_ACQUIRE);
}

/* xorshift64*: each thread draws from its own, derived from the seed */
static uint64_t rnd64(struct th *t)
{
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return t->rng * 0x2545f4914f6cdd1dull;
}

static unsigned int rnd(struct th *t, unsigned int n)
{
	return n ? (rnd64(t) >> 32) % n : 0;
}

static void problem(struct book *b, const char *fmt, ...)
{
	unsigned int i = __atomic_fetch_add(&b->nproblems, 1, __ATOMIC_RELAXED);
	va_list ap;

	if (i >= NPROBLEMS)
		return;
	va_start(ap, fmt);
	vsnprintf(b->problem[i], sizeof(b->problem[i]), fmt, ap);
	va_end(ap);
}

/* Count an error a call may return; anything else is a failure. */
static void count_err(struct th *t, const char *call, int err, int extra)
{
	struct book *b = t->c->b;

	switch (err) {
	case EINTR:
		add(&b->eintr, 1);
		return;
	case ECANCELED:
		add(&b->ecanceled, 1);
		return;
	case ESHUTDOWN:
		add(&b->eshutdown, 1);
		return;
	case EAGAIN:
		add(&b->eagain, 1);
		return;
	case ENODEV:
		add(&b->enodev, 1);
		return;
	case EBUSY:
		add(&b->ebusy, 1);
		return;
	}
	if (err && err == extra)
		return;
	add(&b->unexpected, 1);
	problem(b, "%s %u: %s: unexpected %s", role_name[t->role], t->id, call,
		strerror(err));
}

/*
 * Open the device for @t: fd and nb belong to the epoch read before the
 * open and unchanged after it (an unbind in between: open again).
 */
static int th_open(struct th *t)
{
	struct chaos *c = t->c;

	while (t->fd < 0) {
		unsigned int e = cur_epoch(c);
		int fd = open(DEV, O_RDWR), nb = open(DEV, O_RDWR | O_NONBLOCK);

		if (fd >= 0 && nb >= 0 && cur_epoch(c) == e) {
			t->fd = fd;
			t->nb = nb;
			t->ep = e;
			return 0;
		}
		if (fd >= 0)
			close(fd);
		if (nb >= 0)
			close(nb);
		if (stopped(c) && cur_epoch(c) == e && fd < 0)
			return -1;
		wq_sleep_ms(2);
	}
	return 0;
}

static void th_close(struct th *t)
{
	if (t->fd >= 0) {
		close(t->fd);
		close(t->nb);
	}
	t->fd = -1;
	t->nb = -1;
}

/* After a failed call: a removed instance needs a new open. */
static void th_err(struct th *t, const char *call, int err, int extra)
{
	count_err(t, call, err, extra);
	if (err == ENODEV)
		th_close(t);
}

/* Fill @buf with @n records of @t's next numbers in epoch @ep. */
static void make_records(struct th *t, void *buf, unsigned int n,
			 unsigned int ep, uint64_t first)
{
	uint64_t *p = buf;
	unsigned int i;

	for (i = 0; i < n; i++)
		p[i] = REC_MAGIC << 56 | (uint64_t)t->id << 50 |
		       (uint64_t)(ep % MAX_EPOCHS) << 40 | (first + i);
}

/* Take @n records from @first as reported written (@ep: their epoch). */
static void mark_ok(struct book *b, unsigned int id, uint64_t first,
		    unsigned int n, unsigned int ep)
{
	uint64_t s;

	for (s = first; s < first + n; s++)
		__atomic_fetch_or(&b->ok[id][s / 64], 1ull << (s % 64),
				  __ATOMIC_RELAXED);
	add(&b->ok_ep[ep % MAX_EPOCHS], n);
}

/* Room for @n more records of @t? */
static int seq_room(struct th *t, unsigned int n)
{
	return t->seq + n <= MAX_SEQ;
}

/* Account the bytes a read returned: whole records, each seen once. */
static void take(struct th *t, const void *buf, ssize_t len)
{
	struct book *b = t->c->b;
	const uint64_t *p = buf;
	ssize_t i;

	if (len % REC) {
		add(&b->garbage, 1);
		problem(b, "%s %u: read returned %zd bytes, not whole records",
			role_name[t->role], t->id, len);
	}
	for (i = 0; i < len / REC; i++) {
		uint64_t v = p[i], s = v & ((1ull << 40) - 1), old;
		unsigned int id = (v >> 50) & 63, ep = (v >> 40) & 1023;

		if (v >> 56 != REC_MAGIC || id >= MAX_THREADS || s >= MAX_SEQ) {
			add(&b->garbage, 1);
			problem(b, "read %#llx: not a record",
				(unsigned long long)v);
			continue;
		}
		old = __atomic_fetch_or(&b->seen[id][s / 64], 1ull << (s % 64),
					__ATOMIC_RELAXED);
		if (old & 1ull << (s % 64)) {
			add(&b->dups, 1);
			problem(b, "record %u/%u/%llu read twice", id, ep,
				(unsigned long long)s);
			continue;
		}
		add(&b->seen_ep[ep], 1);
	}
}

/* A length in whole records, 1..@max records, mostly small. */
static unsigned int rec_len(struct th *t, unsigned int max)
{
	if (rnd(t, 8))
		max = max < 64 ? max : 64;
	return REC * (1 + rnd(t, max));
}

static void *reader(void *arg)
{
	struct th *t = arg;
	ssize_t n;

	while (!stopped(t->c)) {
		int nb = rnd(t, 3) == 0;

		if (th_open(t))
			break;
		n = read(nb ? t->nb : t->fd, t->buf[0],
			 rec_len(t, WDFQ_MAX_IO / REC));
		add(&t->c->b->reads, 1);
		if (n >= 0)
			take(t, t->buf[0], n);
		else
			th_err(t, "read", errno, 0);
	}
	return NULL;
}

/* One write of whole records, blocking or not, on @fd of epoch @ep. */
static void write_records(struct th *t, int fd, unsigned int ep)
{
	unsigned int n = rec_len(t, 256) / REC;
	uint64_t first = t->seq;
	ssize_t r;

	if (!seq_room(t, n)) {
		wq_sleep_ms(10);
		return;
	}
	t->seq += n;
	make_records(t, t->buf[1], n, ep, first);
	r = write(fd, t->buf[1], n * REC);
	add(&t->c->b->writes, 1);
	if (r < 0) {
		th_err(t, "write", errno, 0);
		return;
	}
	if (r % REC || r > n * REC) {
		add(&t->c->b->garbage, 1);
		problem(t->c->b, "write of %u bytes returned %zd", n * REC, r);
	}
	mark_ok(t->c->b, t->id, first, r / REC, ep);
}

static void *writer(void *arg)
{
	struct th *t = arg;

	while (!stopped(t->c)) {
		if (th_open(t))
			break;
		write_records(t, rnd(t, 3) ? t->fd : t->nb, t->ep);
	}
	return NULL;
}

/* One async operation of a batch. */
struct aop {
	int write;
	unsigned int n;		/* records (write) */
	uint64_t first;		/* first record (write) */
	int done;
};

/* A finished async operation: account its result. */
static void aop_done(struct th *t, struct aop *op, unsigned int i, long res,
		     unsigned int ep)
{
	op->done = 1;
	add(&t->c->b->async_ops, 1);
	if (res < 0) {
		th_err(t, op->write ? "async write" : "async read", -res, 0);
		return;
	}
	if (!op->write) {
		take(t, t->buf[i], res);
		return;
	}
	if (res % REC || res > op->n * REC) {
		add(&t->c->b->garbage, 1);
		problem(t->c->b, "async write of %u bytes returned %ld",
			op->n * REC, res);
	}
	mark_ok(t->c->b, t->id, op->first, res / REC, ep);
}

/* Draw a batch of 1..3 operations; writes get their records. */
static unsigned int draw_batch(struct th *t, struct aop *ops, unsigned int ep)
{
	unsigned int k = 1 + rnd(t, 3), i;

	for (i = 0; i < k; i++) {
		memset(&ops[i], 0, sizeof(ops[i]));
		ops[i].write = rnd(t, 2);
		ops[i].n = rec_len(t, ops[i].write ? 256 : WDFQ_MAX_IO / REC) /
			   REC;
		if (ops[i].write) {
			if (!seq_room(t, ops[i].n)) {
				ops[i].write = 0;
				continue;
			}
			ops[i].first = t->seq;
			t->seq += ops[i].n;
			make_records(t, t->buf[i], ops[i].n, ep, ops[i].first);
		}
	}
	return k;
}

/* Wait for the batch's end; stuck after the stop plus JOIN_MS: a hang. */
static int batch_overdue(struct th *t, uint64_t *stop_at)
{
	if (!stopped(t->c))
		return 0;
	if (!*stop_at)
		*stop_at = wq_now_ms();
	return wq_now_ms() > *stop_at + JOIN_MS;
}

static void *aio_thread(void *arg)
{
	struct th *t = arg;
	aio_context_t ctx = 0;
	struct iocb cb[3], *cbs[3];
	struct io_event ev[3];
	struct aop ops[3];

	if (wq_io_setup(8, &ctx)) {
		problem(t->c->b, "io_setup: %s", strerror(errno));
		add(&t->c->b->unexpected, 1);
		return NULL;
	}
	while (!stopped(t->c)) {
		unsigned int k, i, left, ep;
		uint64_t stop_at = 0, last_cancel = 0;
		int fd, own = 0, r;

		if (th_open(t))
			break;
		fd = t->fd;
		ep = t->ep;
		/* Sometimes a descriptor of its own, closed once submitted. */
		if (!rnd(t, 4)) {
			fd = open(DEV, O_RDWR);
			if (fd < 0 || cur_epoch(t->c) != ep) {
				if (fd >= 0)
					close(fd);
				continue;
			}
			own = 1;
		}
		k = draw_batch(t, ops, ep);
		for (i = 0; i < k; i++) {
			wq_iocb(&cb[i], fd, ops[i].write ? IOCB_CMD_PWRITE :
				IOCB_CMD_PREAD, t->buf[i], ops[i].n * REC, i);
			cbs[i] = &cb[i];
		}
		r = wq_io_submit(ctx, k, cbs);
		if (own)
			close(fd);
		if (r < 0) {
			th_err(t, "io_submit", errno, 0);
			r = 0;
		}
		/* not submitted: failed writes, their records never come */
		for (i = r; i < k; i++)
			ops[i].done = 1;
		left = r;
		r = wq_io_getevents(ctx, 0, left, ev, rnd(t, 30));
		while (left) {
			int j;

			for (j = 0; j < r; j++) {
				aop_done(t, &ops[ev[j].data], ev[j].data,
					 ev[j].res, ep);
				left--;
			}
			if (!left)
				break;
			if (batch_overdue(t, &stop_at)) {
				add(&t->c->b->hangs, 1);
				problem(t->c->b, "aio %u: %u operations never ended",
					t->id, left);
				goto out;
			}
			if (wq_now_ms() >= last_cancel + 200) {
				last_cancel = wq_now_ms();
				for (i = 0; i < k; i++) {
					struct io_event e;

					if (ops[i].done)
						continue;
					/* pre-5.x kernels give the event here */
					if (!wq_io_cancel(ctx, &cb[i], &e)) {
						aop_done(t, &ops[e.data], e.data,
							 e.res, ep);
						left--;
					}
				}
			}
			r = wq_io_getevents(ctx, 1, left, ev, 100);
			if (r < 0) {
				if (errno != EINTR)
					th_err(t, "io_getevents", errno, 0);
				r = 0;
			}
		}
	}
out:
	wq_io_destroy(ctx);
	return NULL;
}

static void *uring_thread(void *arg)
{
	struct th *t = arg;
	struct wq_ring ring;
	struct aop ops[3];

	if (wq_ring_init(&ring, 16)) {
		/* io_uring may be off (ENOSYS, EPERM): nothing to do here */
		ksft_print_msg("uring %u: no io_uring (%s)\n", t->id,
			       strerror(errno));
		return NULL;
	}
	while (!stopped(t->c)) {
		unsigned int k, i, left, ep;
		uint64_t stop_at = 0, last_cancel, wait_until;
		int fd, own = 0, r;

		if (th_open(t))
			break;
		fd = t->fd;
		ep = t->ep;
		if (!rnd(t, 4)) {
			fd = open(DEV, O_RDWR);
			if (fd < 0 || cur_epoch(t->c) != ep) {
				if (fd >= 0)
					close(fd);
				continue;
			}
			own = 1;
		}
		k = draw_batch(t, ops, ep);
		for (i = 0; i < k; i++) {
			struct io_uring_sqe *sqe = wq_ring_sqe(&ring);

			wq_prep_rw(sqe, ops[i].write ? IORING_OP_WRITE :
				   IORING_OP_READ, fd, t->buf[i],
				   ops[i].n * REC, i);
			if (!rnd(t, 4))
				sqe->rw_flags = RWF_NOWAIT;
		}
		r = wq_ring_enter(&ring, k, 0);
		if (own)
			close(fd);
		if (r != (int)k) {
			/* the ring is ours and has room: all are taken */
			add(&t->c->b->unexpected, 1);
			problem(t->c->b, "io_uring_enter: %d (%s)", r,
				strerror(errno));
			break;
		}
		left = k;
		wait_until = wq_now_ms() + rnd(t, 30);
		last_cancel = 0;
		while (left) {
			unsigned int head = *ring.cq_head;

			if (head != __atomic_load_n(ring.cq_tail,
						    __ATOMIC_ACQUIRE)) {
				struct io_uring_cqe cqe =
					ring.cqes[head & *ring.cq_mask];

				__atomic_store_n(ring.cq_head, head + 1,
						 __ATOMIC_RELEASE);
				if (cqe.user_data < 3 &&
				    !ops[cqe.user_data].done) {
					aop_done(t, &ops[cqe.user_data],
						 cqe.user_data, cqe.res, ep);
					left--;
				}
				continue;
			}
			if (batch_overdue(t, &stop_at)) {
				add(&t->c->b->hangs, 1);
				problem(t->c->b, "uring %u: %u operations never ended",
					t->id, left);
				goto out;
			}
			if (wq_now_ms() >= wait_until &&
			    wq_now_ms() >= last_cancel + 200) {
				/* cancel what is left (its cqes: user_data 8) */
				last_cancel = wq_now_ms();
				for (i = 0; i < k; i++) {
					struct io_uring_sqe *sqe;

					if (ops[i].done)
						continue;
					sqe = wq_ring_sqe(&ring);
					sqe->opcode = IORING_OP_ASYNC_CANCEL;
					sqe->addr = i;
					sqe->user_data = 8;
					sqe->fd = -1;
					wq_ring_enter(&ring, 1, 0);
				}
			}
			wq_sleep_ms(1);
		}
	}
out:
	/* the teardown cancels and reaps cancel completions left */
	wq_ring_exit(&ring);
	return NULL;
}

static void *waiter(void *arg)
{
	struct th *t = arg;
	struct wdfq_event ev;

	while (!stopped(t->c)) {
		if (th_open(t))
			break;
		memset(&ev, 0, sizeof(ev));
		add(&t->c->b->events, 1);
		if (ioctl(rnd(t, 4) ? t->fd : t->nb, WDFQ_IOC_WAIT_EVENT, &ev))
			th_err(t, "WAIT_EVENT", errno, 0);
	}
	return NULL;
}

static void *injector(void *arg)
{
	struct th *t = arg;

	while (!stopped(t->c)) {
		unsigned int n = rec_len(t, WDFQ_MAX_INJECT / REC) / REC;
		uint64_t first = t->seq;
		unsigned int ep;

		if (th_open(t))
			break;
		ep = t->ep;
		if (!seq_room(t, n))
			break;
		t->seq += n;
		make_records(t, t->buf[0], n, ep, first);
		add(&t->c->b->injects, 1);
		if (wq_inject(t->fd, t->buf[0], n * REC,
			      rnd(t, 4) ? 0 : WDFQ_INJECT_F_WAKE))
			th_err(t, "INJECT", errno, 0);
		else
			mark_ok(t->c->b, t->id, first, n, ep);
		wq_sleep_ms(rnd(t, 5));
	}
	return NULL;
}

static const unsigned int ctl_queues[] = {
	WDFQ_QUEUE_READ, WDFQ_QUEUE_PENDING, WDFQ_QUEUE_WRITE,
	WDFQ_QUEUE_EVENTS,
};

static void *controller(void *arg)
{
	struct th *t = arg;

	while (!stopped(t->c)) {
		unsigned int q = ctl_queues[rnd(t, 4)];
		unsigned int op = 1 + rnd(t, 5);

		if (th_open(t))
			break;
		add(&t->c->b->ctls, 1);
		/* the pending queue is absent with read_path=1: EINVAL */
		if (wq_ctl(t->fd, q, op, rnd(t, 2) ? WDFQ_CTL_F_WAIT : 0))
			th_err(t, "QUEUE_CTL", errno,
			       q == WDFQ_QUEUE_PENDING ? EINVAL : 0);
		wq_sleep_ms(rnd(t, 20));
		if (t->fd >= 0 && wq_ctl(t->fd, q, WDFQ_CTL_START, 0))
			th_err(t, "QUEUE_CTL START", errno,
			       q == WDFQ_QUEUE_PENDING ? EINVAL : 0);
		wq_sleep_ms(rnd(t, 20));
	}
	return NULL;
}

static void *params(void *arg)
{
	struct th *t = arg;
	struct wdfq_params p;
	int r = 0;

	while (!stopped(t->c)) {
		if (th_open(t))
			break;
		add(&t->c->b->params, 1);
		switch (rnd(t, 4)) {
		case 0:
			r = wq_set(t->fd, WDFQ_PARAM_WRITE_LIMIT, 0,
				   1 + rnd(t, 8), 0, 0);
			break;
		case 1:
			/* EBUSY when the buffered bytes do not fit */
			r = wq_set(t->fd, WDFQ_PARAM_RING_SIZE, 0, 0, 0,
				   64u << rnd(t, 11));
			break;
		case 2:
			r = wq_set(t->fd, WDFQ_PARAM_WRITE_LATENCY,
				   rnd(t, 3000), 0, 0, 0);
			break;
		case 3:
			memset(&p, 0, sizeof(p));
			r = ioctl(t->fd, WDFQ_IOC_GET_PARAMS, &p);
			break;
		}
		if (r)
			th_err(t, "SET_PARAMS", errno, 0);
		wq_sleep_ms(rnd(t, 50));
	}
	return NULL;
}

/* One system sleep cycle: devices suspended and resumed (pm_test). */
static void sleep_cycle(struct th *t)
{
	int fd;

	if (wq_sysfs_write("/sys/power/pm_test", "devices"))
		return;
	fd = open("/sys/power/state", O_WRONLY);
	if (fd >= 0) {
		add(&t->c->b->sleeps, 1);
		if (write(fd, "freeze", 6) != 6) {
			add(&t->c->b->freeze_fail, 1);
			problem(t->c->b, "freeze: %s", strerror(errno));
		}
		close(fd);
	}
	wq_sysfs_write("/sys/power/pm_test", "none");
}

static void *pm(void *arg)
{
	struct th *t = arg;
	uint64_t next_sleep = wq_now_ms() + 1000 + rnd(t, 3000);
	char v[16];

	while (!stopped(t->c)) {
		if (t->c->have_rpm) {
			wq_sysfs_write(PWR "control", rnd(t, 2) ? "on" : "auto");
			snprintf(v, sizeof(v), "%u", rnd(t, 50));
			if (!rnd(t, 4))
				wq_sysfs_write(PWR "autosuspend_delay_ms", v);
		}
		if (t->c->can_sleep && wq_now_ms() >= next_sleep) {
			sleep_cycle(t);
			next_sleep = wq_now_ms() + 1000 + rnd(t, 4000);
		}
		wq_sleep_ms(rnd(t, 100));
	}
	return NULL;
}

static int bind0(struct chaos *c)
{
	uint64_t end = wq_now_ms() + WQ_WAIT_MS;

	if (access(DEV, F_OK) && wq_sysfs_write(DRVDIR "bind", "wdfq.0"))
		return -1;
	while (access(DEV, F_OK) && wq_now_ms() < end)
		wq_sleep_ms(5);
	return access(DEV, F_OK);
}

static void *unbinder(void *arg)
{
	struct th *t = arg;
	struct chaos *c = t->c;

	while (!stopped(c)) {
		wq_sleep_ms(500 + rnd(t, 2500));
		if (stopped(c) || wq_now_ms() >= c->unbind_until)
			break;
		if (wq_sysfs_write(DRVDIR "unbind", "wdfq.0")) {
			add(&c->b->unexpected, 1);
			problem(c->b, "unbind: %s", strerror(errno));
			break;
		}
		__atomic_add_fetch(&c->epoch, 1, __ATOMIC_RELEASE);
		add(&c->b->unbinds, 1);
		wq_sleep_ms(rnd(t, 50));
		if (bind0(c)) {
			add(&c->b->unexpected, 1);
			problem(c->b, "bind: %s", strerror(errno));
			break;
		}
	}
	return NULL;
}

static void on_sig(int sig)
{
}

/*
 * A child that inherits @t's descriptors: non-blocking reads, a write and
 * a blocking read that a timer interrupts (SIGALRM has no SA_RESTART), then
 * it exits. Its records are @t's, numbers first.. reserved by the parent.
 */
static void forked(struct th *t, uint64_t first, unsigned int n)
{
	struct itimerval it = { { 0, 50000 }, { 0, 50000 } };
	ssize_t r;
	int i;

	setitimer(ITIMER_REAL, &it, NULL);
	for (i = 0; i < 3; i++) {
		r = read(t->nb, t->buf[0], rec_len(t, 512));
		if (r >= 0)
			take(t, t->buf[0], r);
		else
			count_err(t, "child read", errno, 0);
	}
	make_records(t, t->buf[1], n, t->ep, first);
	r = write(t->fd, t->buf[1], n * REC);
	if (r >= 0)
		mark_ok(t->c->b, t->id, first, r / REC, t->ep);
	else
		count_err(t, "child write", errno, 0);
	r = read(t->fd, t->buf[0], rec_len(t, 512));
	if (r >= 0)
		take(t, t->buf[0], r);
	else
		count_err(t, "child read", errno, 0);
	_exit(0);
}

static void *forker(void *arg)
{
	struct th *t = arg;

	while (!stopped(t->c)) {
		unsigned int n = rec_len(t, 64) / REC;
		uint64_t end, first = t->seq;
		pid_t pid;
		int st;

		if (th_open(t))
			break;
		if (!seq_room(t, n))
			break;
		t->seq += n;
		pid = fork();
		if (pid < 0) {
			count_err(t, "fork", errno, 0);
			continue;
		}
		if (!pid)
			forked(t, first, n);
		add(&t->c->b->forks, 1);
		end = wq_now_ms() + JOIN_MS;
		while (waitpid(pid, &st, WNOHANG) == 0 && wq_now_ms() < end)
			wq_sleep_ms(5);
		if (wq_now_ms() >= end) {
			add(&t->c->b->hangs, 1);
			problem(t->c->b, "forked child %d hung", pid);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
		}
		/* a child's ENODEV: open again */
		th_close(t);
		wq_sleep_ms(rnd(t, 100));
	}
	return NULL;
}

/* Closer's helpers: one blocking read each on the descriptor closed. */
struct helper {
	struct th th;
	int fd;
	int done;
};

static void *helper_fn(void *arg)
{
	struct helper *h = arg;
	ssize_t n = read(h->fd, h->th.buf[0], rec_len(&h->th, 64));

	if (n >= 0)
		take(&h->th, h->th.buf[0], n);
	else
		count_err(&h->th, "read on closed fd", errno, EBADF);
	__atomic_store_n(&h->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Park two reads on a descriptor, close it under them, then end them with
 * data or a signal. The descriptor number is high: nothing else reuses it,
 * so a helper that reads only after the close gets EBADF.
 */
static void *closer(void *arg)
{
	struct th *t = arg;
	struct helper *h = calloc(2, sizeof(*h));
	unsigned int i, slot = 0;

	while (h && !stopped(t->c)) {
		uint64_t end;
		int fd = open(DEV, O_RDWR), hi;

		if (fd < 0) {
			wq_sleep_ms(5);
			continue;
		}
		hi = fcntl(fd, F_DUPFD, HIGH_FD + slot++ % 100);
		close(fd);
		if (hi < 0)
			continue;
		for (i = 0; i < 2; i++) {
			h[i].th.c = t->c;
			h[i].th.id = t->id;
			h[i].th.role = R_CLOSER;
			h[i].th.rng = rnd64(t);
			h[i].fd = hi;
			h[i].done = 0;
			pthread_create(&h[i].th.pt, NULL, helper_fn, &h[i]);
		}
		wq_sleep_ms(rnd(t, 20));
		close(hi);
		add(&t->c->b->closes, 1);
		wq_sleep_ms(rnd(t, 50));
		end = wq_now_ms() + JOIN_MS;
		for (i = 0; i < 2; i++) {
			while (!__atomic_load_n(&h[i].done, __ATOMIC_ACQUIRE) &&
			       wq_now_ms() < end) {
				pthread_kill(h[i].th.pt, SIGUSR1);
				wq_sleep_ms(20);
			}
			if (!__atomic_load_n(&h[i].done, __ATOMIC_ACQUIRE)) {
				add(&t->c->b->hangs, 1);
				problem(t->c->b, "read on a closed fd hung");
				return NULL;
			}
			pthread_join(h[i].th.pt, NULL);
		}
	}
	free(h);
	return NULL;
}

/* Threads a signal may hit while they wait in the driver. */
static int signal_target(enum role r)
{
	return r == R_READER || r == R_WRITER || r == R_WAITER ||
	       r == R_CTL || r == R_AIO || r == R_URING || r == R_INJECTOR;
}

static void *signaller(void *arg)
{
	struct th *t = arg;
	struct chaos *c = t->c;

	while (!__atomic_load_n(&c->started, __ATOMIC_ACQUIRE))
		wq_sleep_ms(1);
	while (!stopped(c)) {
		struct th *v = c->t[rnd(t, c->nth)];

		if (signal_target(v->role)) {
			pthread_kill(v->pt, rnd(t, 2) ? SIGUSR1 : SIGUSR2);
			add(&c->b->signals, 1);
		}
		wq_sleep_ms(1 + rnd(t, 10));
	}
	return NULL;
}

static void *(*const role_fn[R_NR])(void *) = {
	[R_READER] = reader, [R_WRITER] = writer, [R_AIO] = aio_thread,
	[R_URING] = uring_thread, [R_WAITER] = waiter,
	[R_INJECTOR] = injector, [R_CTL] = controller, [R_PARAMS] = params,
	[R_PM] = pm, [R_UNBIND] = unbinder, [R_FORKER] = forker,
	[R_CLOSER] = closer, [R_SIGNALLER] = signaller,
};

static struct th *new_thread(struct chaos *c, enum role r, uint64_t seed)
{
	struct th *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->c = c;
	t->id = c->nth;
	t->role = r;
	t->fd = -1;
	t->nb = -1;
	/* distinct, nonzero streams from the one seed */
	t->rng = (seed ^ (0x9e3779b97f4a7c15ull * (t->id + 1))) | 1;
	c->t[c->nth++] = t;
	return t;
}

/* Read what is buffered now through @t; returns the bytes read. */
static uint64_t drain_into(struct th *t)
{
	uint64_t got = 0;
	int quiet = 0;

	while (quiet < 3) {
		ssize_t n = read(t->nb, t->buf[0], WDFQ_MAX_IO);

		if (n > 0) {
			take(t, t->buf[0], n);
			got += n;
			quiet = 0;
		} else {
			quiet++;
			wq_sleep_ms(30);
		}
	}
	return got;
}

/* What the stuck threads wait for, for the report. */
static void dump_stuck(struct chaos *c)
{
	char f[96], buf[4096];
	unsigned int i;

	for (i = 0; i < c->nth; i++) {
		struct th *t = c->t[i];

		if (__atomic_load_n(&t->done, __ATOMIC_ACQUIRE) == 2)
			continue;
		ksft_print_msg("thread %u (%s) stuck\n", i,
			       role_name[t->role]);
	}
	for (i = 0; i < 128; i++) {
		snprintf(f, sizeof(f), "/proc/%d/task/%d/stack", getpid(),
			 getpid() + i);
		if (wq_sysfs_read(f, buf, sizeof(buf)) || !buf[0])
			continue;
		ksft_print_msg("task %d:\n%s\n", getpid() + i, buf);
	}
}

static void print_book(struct book *b, uint64_t seed, unsigned int secs)
{
	unsigned int i;

	ksft_print_msg("seed %llu, %u s: %llu reads, %llu writes, %llu async,",
		       (unsigned long long)seed, secs,
		       (unsigned long long)b->reads,
		       (unsigned long long)b->writes,
		       (unsigned long long)b->async_ops);
	printf(" %llu waits, %llu injects\n",
	       (unsigned long long)b->events,
	       (unsigned long long)b->injects);
	ksft_print_msg("  %llu ctls, %llu params, %llu sleeps, %llu unbinds,",
		       (unsigned long long)b->ctls,
		       (unsigned long long)b->params,
		       (unsigned long long)b->sleeps,
		       (unsigned long long)b->unbinds);
	printf(" %llu forks, %llu closes, %llu signals\n",
	       (unsigned long long)b->forks,
	       (unsigned long long)b->closes,
	       (unsigned long long)b->signals);
	ksft_print_msg("  EINTR %llu ECANCELED %llu ESHUTDOWN %llu EAGAIN %llu",
		       (unsigned long long)b->eintr,
		       (unsigned long long)b->ecanceled,
		       (unsigned long long)b->eshutdown,
		       (unsigned long long)b->eagain);
	printf(" ENODEV %llu EBUSY %llu\n",
	       (unsigned long long)b->enodev,
	       (unsigned long long)b->ebusy);
	for (i = 0; i < b->nproblems && i < NPROBLEMS; i++)
		ksft_print_msg("  problem: %s\n", b->problem[i]);
}

/* Records read that no call reported written (checked after the end). */
static uint64_t phantoms(struct chaos *c)
{
	struct book *b = c->b;
	uint64_t n = 0, w;
	unsigned int id, i;

	for (id = 0; id < MAX_THREADS; id++) {
		for (i = 0; i < SEQ_WORDS; i++) {
			w = b->seen[id][i] & ~b->ok[id][i];
			if (!w)
				continue;
			if (!n)
				problem(b, "record %u/-/%u read, but its call failed",
					id, i * 64 + __builtin_ctzll(w));
			n += __builtin_popcountll(w);
		}
	}
	return n;
}

FIXTURE(chaos) {
	struct chaos c;
	uint64_t seed;
	unsigned int secs;
};

FIXTURE_SETUP(chaos)
{
	const char *s = getenv("WDFQ_CHAOS_SEED");
	const char *d = getenv("WDFQ_CHAOS_SECONDS");
	const char *sl;
	struct sigaction sa;
	char buf[32];
	int fd;

	if (geteuid())
		SKIP(return, "needs root");
	memset(&self->c, 0, sizeof(self->c));
	self->seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL);
	self->secs = d ? strtoul(d, NULL, 0) :
		     !access("/proc/self/fail-nth", F_OK) ? 60 : 10;
	self->c.b = mmap(NULL, sizeof(struct book), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->c.b);
	fd = open(DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, wq_reset_device(fd, DEV));
	close(fd);

	self->c.can_unbind = !access(DRVDIR "unbind", W_OK);
	self->c.have_rpm =
		!wq_sysfs_read(PWR "control", self->c.old_ctl,
			       sizeof(self->c.old_ctl)) &&
		!wq_sysfs_read(PWR "autosuspend_delay_ms", self->c.old_delay,
			       sizeof(self->c.old_delay));
	/* System sleep cycles where pm_test exists; WDFQ_CHAOS_SLEEP=0: none. */
	sl = getenv("WDFQ_CHAOS_SLEEP");
	self->c.can_sleep = !(sl && !strcmp(sl, "0")) &&
			    !access("/sys/power/pm_test", W_OK) &&
			    !wq_sysfs_read("/sys/power/pm_test", buf,
					   sizeof(buf));
	if (self->c.can_sleep &&
	    !wq_sysfs_read(PM_DELAY, self->c.old_pm_delay,
			   sizeof(self->c.old_pm_delay)))
		wq_sysfs_write(PM_DELAY, "0");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR2, &sa, NULL);
}

FIXTURE_TEARDOWN(chaos)
{
	struct chaos *c = &self->c;
	unsigned int i;
	int fd;

	if (!c->b)
		return;
	if (c->have_rpm) {
		wq_sysfs_write(PWR "autosuspend_delay_ms", c->old_delay);
		wq_sysfs_write(PWR "control", c->old_ctl);
	}
	if (c->old_pm_delay[0])
		wq_sysfs_write(PM_DELAY, c->old_pm_delay);
	bind0(c);
	fd = open(DEV, O_RDWR);
	if (fd >= 0) {
		wq_reset_device(fd, DEV);
		close(fd);
	}
	for (i = 0; i < c->nth; i++)
		if (c->t[i]->done == 2)
			free(c->t[i]);
	munmap(c->b, sizeof(struct book));
}

/* Start all queues, end parked reads and waits, feed input; @m's fd. */
static void unblock(struct th *m)
{
	unsigned int q, n = 4;

	if (th_open(m))
		return;
	for (q = 0; q < WDFQ_NR_QUEUES; q++)
		if (q != WDFQ_QUEUE_CONTROL)
			wq_ctl(m->fd, q, WDFQ_CTL_START, 0);
	/* stop-and-purge: a drain left pending refuses a purge (EBUSY) */
	wq_ctl(m->fd, WDFQ_QUEUE_EVENTS, WDFQ_CTL_STOP_PURGE, 0);
	wq_ctl(m->fd, WDFQ_QUEUE_PENDING, WDFQ_CTL_STOP_PURGE, 0);
	wq_ctl(m->fd, WDFQ_QUEUE_READ, WDFQ_CTL_STOP_PURGE, 0);
	for (q = 0; q < WDFQ_NR_QUEUES; q++)
		if (q != WDFQ_QUEUE_CONTROL)
			wq_ctl(m->fd, q, WDFQ_CTL_START, 0);
	if (!seq_room(m, n))
		return;
	make_records(m, m->buf[1], n, m->ep, m->seq);
	if (!wq_inject(m->fd, m->buf[1], n * REC, WDFQ_INJECT_F_WAKE))
		mark_ok(m->c->b, m->id, m->seq, n, m->ep);
	else if (errno == ENODEV)
		th_close(m);
	m->seq += n;
}

static void *run_thread(void *arg)
{
	struct th *t = arg;

	role_fn[t->role](t);
	th_close(t);
	__atomic_store_n(&t->done, 2, __ATOMIC_RELEASE);
	return NULL;
}

TEST_F_TIMEOUT(chaos, everything_at_once, 86400)
{
	struct chaos *c = &self->c;
	struct book *b = c->b;
	struct wdfq_queue_stats s0, s, prev;
	struct th *m;
	uint64_t end, got, ovr0, expect, seen;
	unsigned int r, i, q, joined, ep0;

	TH_LOG("seed %llu, %u s (WDFQ_CHAOS_SEED=%llu WDFQ_CHAOS_SECONDS=%u replay the draws)",
	       (unsigned long long)self->seed, self->secs,
	       (unsigned long long)self->seed, self->secs);
	TH_LOG("system sleep cycles: %s", c->can_sleep ? "on" :
	       "off (WDFQ_CHAOS_SLEEP=0, or no /sys/power/pm_test)");
	m = new_thread(c, R_MAIN, self->seed);
	ASSERT_EQ(0, th_open(m));
	ASSERT_EQ(0, wq_stats(m->fd, WDFQ_QUEUE_CONTROL, &s0));
	ep0 = m->ep;
	for (r = 0; r < R_NR; r++) {
		if (r == R_UNBIND && !c->can_unbind)
			continue;
		for (i = 0; i < role_count[r]; i++)
			ASSERT_NE(NULL, new_thread(c, r, self->seed));
	}
	/* unbinds in the first 60%: the last incarnation is long */
	c->unbind_until = wq_now_ms() + self->secs * 600;
	for (i = 1; i < c->nth; i++)
		ASSERT_EQ(0, pthread_create(&c->t[i]->pt, NULL, run_thread,
					    c->t[i]));
	__atomic_store_n(&c->started, 1, __ATOMIC_RELEASE);
	wq_sleep_ms(self->secs * 1000);
	__atomic_store_n(&c->stop, 1, __ATOMIC_RELAXED);

	/* Unblock whoever waits in the driver until all have ended. */
	end = wq_now_ms() + JOIN_MS;
	joined = 1;
	while (joined < c->nth && wq_now_ms() < end) {
		unblock(m);
		wq_sleep_ms(50);
		while (joined < c->nth &&
		       __atomic_load_n(&c->t[joined]->done,
				       __ATOMIC_ACQUIRE) == 2) {
			pthread_join(c->t[joined]->pt, NULL);
			joined++;
		}
	}
	if (joined < c->nth)
		dump_stuck(c);
	ASSERT_EQ(c->nth, joined) TH_LOG("threads stuck");
	ASSERT_EQ(0, bind0(c));
	ASSERT_EQ(0, th_open(m));

	/* All input delivered: keep it powered, read until nothing moves. */
	if (c->have_rpm)
		wq_sysfs_write(PWR "control", "on");
	for (q = 0; q < WDFQ_NR_QUEUES; q++)
		if (q != WDFQ_QUEUE_CONTROL)
			wq_ctl(m->fd, q, WDFQ_CTL_START, 0);
	memset(&prev, 0, sizeof(prev));
	end = wq_now_ms() + JOIN_MS;
	do {
		wq_sleep_ms(200);
		got = drain_into(m);
		ASSERT_EQ(0, wq_stats(m->fd, WDFQ_QUEUE_CONTROL, &s));
		if (!got && !s.ring_bytes && !s.write_inflight &&
		    s.interrupts == prev.interrupts)
			break;
		prev = s;
	} while (wq_now_ms() < end);

	/* Counters of this incarnation: from the start, or from its bind. */
	ovr0 = m->ep == ep0 ? s0.overrun_bytes : 0;
	expect = b->ok_ep[m->ep % MAX_EPOCHS];
	seen = b->seen_ep[m->ep % MAX_EPOCHS];
	EXPECT_EQ(0, phantoms(c));
	print_book(b, self->seed, self->secs);
	ksft_print_msg("epoch %u: %llu records written, %llu read, %llu bytes overrun,",
		       m->ep, (unsigned long long)expect,
		       (unsigned long long)seen,
		       (unsigned long long)(s.overrun_bytes - ovr0));
	printf(" %llu in the ring\n", (unsigned long long)s.ring_bytes);
	EXPECT_EQ(0, b->unexpected);
	EXPECT_EQ(0, b->hangs);
	EXPECT_EQ(0, b->dups);
	EXPECT_EQ(0, b->garbage);
	EXPECT_EQ(0, (s.overrun_bytes - ovr0) % REC);
	EXPECT_EQ(0, s.ring_bytes);
	EXPECT_EQ(0, s.write_inflight);
	EXPECT_EQ(expect, seen + (s.overrun_bytes - ovr0) / REC)
		TH_LOG("records lost or made up");
	EXPECT_LT(0, seen) TH_LOG("no record went through the last incarnation");
	for (i = 0; i < MAX_EPOCHS; i++)
		EXPECT_LE(b->seen_ep[i], b->ok_ep[i]) TH_LOG("epoch %u", i);
	for (q = 0; q < WDFQ_NR_QUEUES; q++) {
		if (wq_stats(m->fd, q, &s))
			continue;
		EXPECT_TRUE(wq_balanced(&s)) TH_LOG("queue %u", q);
		EXPECT_EQ(q == WDFQ_QUEUE_CONTROL, s.driver_owned)
			TH_LOG("queue %u", q);
		EXPECT_EQ(0, s.queued) TH_LOG("queue %u", q);
		EXPECT_EQ(0, s.driver_bugs) TH_LOG("queue %u", q);
	}
	th_close(m);
	m->done = 2;
}

TEST_HARNESS_MAIN
