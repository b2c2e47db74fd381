// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency cases for the wdfq engine: kthreads submit through the
 * device's routing while handlers complete inline, from hard interrupts
 * (hrtimer, hard mode) and from bottom halves, forward between queues, and
 * hold cancelable requests; other kthreads cancel, clean up files, and cycle
 * purge / stop-and-purge / drain / start. At the end every request must have
 * completed exactly once and every queue must balance (rule 21) and be idle.
 */
#include <kunit/test.h>
#include <linux/kthread.h>
#include <linux/sched.h>

#include "kunit_helpers.h"

static int kt_storm_file_a, kt_storm_file_b;
#define STORM_FILE_A ((struct file *)&kt_storm_file_a)
#define STORM_FILE_B ((struct file *)&kt_storm_file_b)

#define STORM_SUBMITTERS	4
#define STORM_PER_SUBMITTER	250
#define STORM_REQS		(STORM_SUBMITTERS * STORM_PER_SUBMITTER)
#define STORM_MAX_HOPS		3

struct kt_storm {
	struct kt_env *env;
	struct wdfq_queue *p;	/* PARALLEL(4), io_canceled_on_queue */
	struct wdfq_queue *s;	/* SEQUENTIAL */
	struct wdfq_queue *m;	/* MANUAL with ready notify */
	spinlock_t hold_lock;
	struct kt_req *hold[STORM_REQS];
	unsigned int hold_in;
	unsigned int hold_out;
	atomic_t submitting;	/* submitters still running */
	atomic_t stop;		/* helpers: stop now */
	atomic_t errors;	/* engine calls that failed unexpectedly */
	atomic_t unmark_lost;	/* unmark said -EINVAL after the routine ran */
	atomic_t cycles;	/* purge/stop/drain cycles */
	atomic_t cancels;
	atomic_t forwards;
	atomic_t held;
	atomic_t routine_calls;
	atomic_t coq_calls;
	atomic_t ready_calls;
};

static u32 kt_storm_pick(struct kt_req *kr)
{
	u32 seed = (u32)kr->id * 2654435761u + atomic_read(&kr->presented) * 97 +
		   kr->hops * 13 + 1;

	return kt_rand(&seed);
}

static void kt_storm_cancel_routine(struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);
	struct kt_storm *st = kr->env->priv;

	kt_cb_enter(kr->env);
	atomic_inc(&st->routine_calls);
	atomic_inc(&kr->cancel_calls);
	if (wdfq_request_complete(req, -ECANCELED, 0))
		atomic_inc(&st->errors);
}

static void kt_storm_coq(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);
	struct kt_storm *st = kr->env->priv;

	kt_cb_enter(kr->env);
	atomic_inc(&st->coq_calls);
	atomic_inc(&kr->cancel_calls);
	if (wdfq_request_complete(req, -ECANCELED, 0))
		atomic_inc(&st->errors);
}

static void kt_storm_complete(struct kt_storm *st, struct kt_req *kr, int how)
{
	switch (how) {
	case 0:
		if (wdfq_request_complete(kr->req, 0, kr->id))
			atomic_inc(&st->errors);
		break;
	case 1:
		kt_complete_hardirq(kr, (10 + kt_storm_pick(kr) % 200) *
				    NSEC_PER_USEC);
		break;
	default:
		kt_complete_bh(kr);
		break;
	}
}

/* Forward, or complete if the destination refuses. */
static void kt_storm_forward(struct kt_storm *st, struct kt_req *kr,
			     struct wdfq_queue *dest)
{
	int ret;

	kr->hops++;
	ret = wdfq_request_forward(kr->req, dest);
	if (ret == 0) {
		atomic_inc(&st->forwards);
		return;
	}
	if (ret != -ESHUTDOWN)
		atomic_inc(&st->errors);
	if (wdfq_request_complete(kr->req, ret, 0))
		atomic_inc(&st->errors);
}

static void kt_storm_io(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);
	struct kt_storm *st = kr->env->priv;
	u32 r;
	int ret;

	kt_cb_enter(kr->env);
	r = kt_storm_pick(kr);
	atomic_inc(&kr->presented);
	switch (r % 6) {
	case 0:
	case 1:
	case 2:
		kt_storm_complete(st, kr, r % 3);
		return;
	case 3:
		if (kr->hops < STORM_MAX_HOPS) {
			kt_storm_forward(st, kr, q == st->s ? st->m : st->s);
			return;
		}
		kt_storm_complete(st, kr, 0);
		return;
	default:
		/* Hold it, cancelable, for the completer thread. */
		ret = wdfq_request_mark_cancelable(req,
						   kt_storm_cancel_routine);
		if (ret) {
			if (ret != -ECANCELED)
				atomic_inc(&st->errors);
			if (wdfq_request_complete(req, -ECANCELED, 0))
				atomic_inc(&st->errors);
			return;
		}
		atomic_inc(&st->held);
		spin_lock(&st->hold_lock);
		st->hold[st->hold_in++ % STORM_REQS] = kr;
		spin_unlock(&st->hold_lock);
		return;
	}
}

static void kt_storm_ready(struct wdfq_queue *q, void *ctx)
{
	struct kt_storm *st = ctx;
	struct wdfq_request *req;
	struct kt_req *kr;
	u32 r;

	kt_cb_enter(st->env);
	atomic_inc(&st->ready_calls);
	while (wdfq_queue_retrieve_next(q, &req) == 0) {
		kr = kt_of(req);
		atomic_inc(&kr->presented);
		r = kt_storm_pick(kr);
		if (r % 3 == 0 && kr->hops < STORM_MAX_HOPS)
			kt_storm_forward(st, kr, st->p);
		else
			kt_storm_complete(st, kr, r % 3);
	}
}

static int kt_storm_submitter(void *arg, int idx)
{
	static const enum wdfq_request_type types[] = {
		WDFQ_REQ_READ, WDFQ_REQ_WRITE, WDFQ_REQ_IOCTL, WDFQ_REQ_READ,
	};
	struct kt_storm *st = arg;
	u32 seed = 1000 + idx;
	struct kt_req *kr;
	struct file *file;
	int i;

	for (i = 0; i < STORM_PER_SUBMITTER; i++) {
		u32 r = kt_rand(&seed);

		file = r & 1 ? STORM_FILE_A : STORM_FILE_B;
		kr = kt_req_new(st->env, types[(r >> 1) % ARRAY_SIZE(types)],
				file);
		if (!kr) {
			atomic_inc(&st->errors);
			continue;
		}
		kt_submit(kr);
		if ((r >> 8) % 16 == 0)
			usleep_range(100, 500);
	}
	atomic_dec(&st->submitting);
	return 0;
}

static int kt_storm_canceller(void *arg, int idx)
{
	struct kt_storm *st = arg;
	struct kt_env *env = st->env;
	u32 seed = 77 + idx;
	unsigned int n;
	struct kt_req *kr;

	while (!atomic_read(&st->stop)) {
		n = min_t(unsigned int, atomic_read(&env->nreq), env->cap);
		if (n) {
			kr = &env->kr[kt_rand(&seed) % n];
			/* pairs with kt_submit(): kr->req is set */
			if (smp_load_acquire(&kr->submitted)) {
				wdfq_request_cancel(kr->req);
				atomic_inc(&st->cancels);
			}
		}
		if (kt_rand(&seed) % 8 == 0)
			wdfq_device_file_cleanup(env->dev, STORM_FILE_A);
		usleep_range(200, 800);
	}
	return 0;
}

static bool kt_storm_rc_ok(int ret)
{
	return ret == 0 || ret == -EBUSY;
}

static int kt_storm_cycler(void *arg, int idx)
{
	struct kt_storm *st = arg;
	u32 seed = 4242;
	int ret = 0;

	/* At least one cycle, however fast the submitters are. */
	do {
		switch (kt_rand(&seed) % 5) {
		case 0:
			ret = wdfq_queue_purge_sync(st->m);
			wdfq_queue_start(st->m);
			break;
		case 1:
			ret = wdfq_queue_stop_and_purge(st->p, NULL, NULL);
			usleep_range(500, 2000);
			wdfq_queue_start(st->p);
			break;
		case 2:
			ret = wdfq_queue_stop_sync(st->s);
			usleep_range(500, 2000);
			wdfq_queue_start(st->s);
			break;
		case 3:
			ret = wdfq_queue_drain_sync(st->s);
			wdfq_queue_start(st->s);
			break;
		default:
			ret = wdfq_queue_purge(st->p, NULL, NULL);
			usleep_range(200, 1000);
			wdfq_queue_start(st->p);
			break;
		}
		if (!kt_storm_rc_ok(ret))
			atomic_inc(&st->errors);
		atomic_inc(&st->cycles);
		usleep_range(2000, 6000);
	} while (atomic_read(&st->submitting) > 0 && !atomic_read(&st->stop));
	return 0;
}

/* Completes held requests: unmark, then complete unless the routine won. */
static int kt_storm_completer(void *arg, int idx)
{
	struct kt_storm *st = arg;
	struct kt_req *kr;
	int ret;

	while (!atomic_read(&st->stop)) {
		kr = NULL;
		spin_lock(&st->hold_lock);
		if (st->hold_out != st->hold_in)
			kr = st->hold[st->hold_out++ % STORM_REQS];
		spin_unlock(&st->hold_lock);
		if (!kr) {
			usleep_range(200, 500);
			continue;
		}
		/* Leave it cancelable for a while: cancels and purges race. */
		usleep_range(1000, 2000);
		ret = wdfq_request_unmark_cancelable(kr->req);
		if (ret == 0)
			kt_storm_complete(st, kr, kt_storm_pick(kr) % 3);
		else if (ret == -EINVAL && atomic_read(&kr->cancel_calls))
			atomic_inc(&st->unmark_lost);
		else if (ret != -ECANCELED)
			atomic_inc(&st->errors);
	}
	return 0;
}

/*
 * Held requests the completer did not take before it stopped. A cancel or a
 * purge may complete a held request while it waits in the ring, and the
 * completer stops once every request is done, so a few may be left; each
 * must have been completed by its cancel routine. Called when no handler can
 * still be running: submitters and helpers have exited, the device is flushed.
 */
static void kt_storm_check_left_held(struct kunit *test, struct kt_storm *st)
{
	struct kt_req *kr;

	while (st->hold_out != st->hold_in) {
		kr = st->hold[st->hold_out++ % STORM_REQS];
		KUNIT_EXPECT_EQ_MSG(test,
				    wdfq_request_unmark_cancelable(kr->req),
				    -ECANCELED,
				    "request %d left held, not canceled", kr->id);
		KUNIT_EXPECT_GT(test, atomic_read(&kr->cancel_calls), 0);
	}
}

/* The three helper threads of the storm, by index. */
static int kt_storm_helper(void *arg, int idx)
{
	switch (idx) {
	case 0:
		return kt_storm_canceller(arg, idx);
	case 1:
		return kt_storm_cycler(arg, idx);
	default:
		return kt_storm_completer(arg, idx);
	}
}

static const enum wdfq_sync_scope kt_scopes[] = {
	WDFQ_SYNC_NONE, WDFQ_SYNC_QUEUE, WDFQ_SYNC_DEVICE,
};

static void kt_scope_desc(const enum wdfq_sync_scope *s, char *desc)
{
	static const char * const names[] = { "NONE", "QUEUE", "DEVICE" };

	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "scope_%s", names[*s]);
}

static const struct wdfq_queue_ops kt_storm_coq_ops = {
	.io_canceled_on_queue = kt_storm_coq,
};

static const struct wdfq_queue_ops kt_storm_io_storm_coq_ops = {
	.io_default = kt_storm_io,
	.io_canceled_on_queue = kt_storm_coq,
};

KUNIT_ARRAY_PARAM(kt_scope, kt_scopes, kt_scope_desc);

static void concurrency_storm(struct kunit *test)
{
	const enum wdfq_sync_scope *scope = test->param_value;
	struct kt_env *env = kt_env_create(test, STORM_REQS, NULL);
	struct kt_threads *subs = kunit_kzalloc(test, sizeof(*subs), GFP_KERNEL);
	struct kt_threads *help = kunit_kzalloc(test, sizeof(*help), GFP_KERNEL);
	struct kt_storm *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	struct wdfq_queue_config pcfg = { .name = "storm-par",
		.dispatch = WDFQ_DISPATCH_PARALLEL, .max_presented = 4,
		.ops = &kt_storm_io_storm_coq_ops };
	struct wdfq_queue_config scfg = { .name = "storm-seq",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL,
		.ops = &kt_storm_io_storm_coq_ops };
	struct wdfq_queue_config mcfg = { .name = "storm-man",
		.dispatch = WDFQ_DISPATCH_MANUAL,
		.ops = &kt_storm_coq_ops };
	struct wdfq_queue_state qs;
	unsigned int i, n;
	int helpers_ok;

	KUNIT_ASSERT_TRUE(test, subs && help && st);
	st->env = env;
	spin_lock_init(&st->hold_lock);
	env->priv = st;
	pcfg.scope = *scope;
	scfg.scope = *scope;
	mcfg.scope = *scope;
	st->p = kt_queue(env, &pcfg);
	st->s = kt_queue(env, &scfg);
	st->m = kt_queue(env, &mcfg);
	KUNIT_ASSERT_EQ(test, wdfq_device_route(env->dev, WDFQ_REQ_READ, st->p),
			0);
	KUNIT_ASSERT_EQ(test, wdfq_device_route(env->dev, WDFQ_REQ_WRITE,
						st->s), 0);
	KUNIT_ASSERT_EQ(test, wdfq_device_route(env->dev, WDFQ_REQ_IOCTL,
						st->m), 0);
	KUNIT_ASSERT_EQ(test, wdfq_queue_ready_notify(st->m, kt_storm_ready, st),
			0);

	atomic_set(&st->submitting, STORM_SUBMITTERS);
	kt_threads_start(test, help, 3, kt_storm_helper, st);
	kt_threads_start(test, subs, STORM_SUBMITTERS, kt_storm_submitter, st);
	KUNIT_EXPECT_TRUE(test, kt_threads_wait(subs));

	/* Let everything settle: queues started, held requests completed. */
	KUNIT_EXPECT_TRUE_MSG(test, kt_wait_all(env),
			      "%d requests never completed",
			      atomic_read(&env->outstanding));
	atomic_set(&st->stop, 1);
	helpers_ok = kt_threads_wait(help);
	KUNIT_EXPECT_TRUE(test, helpers_ok);

	n = min_t(unsigned int, atomic_read(&env->nreq), env->cap);
	KUNIT_EXPECT_EQ(test, n, STORM_REQS);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&env->kr[i].done), 1,
				    "request %u", i);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->errors), 0);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&st->unmark_lost), 0,
			    "unmark returned -EINVAL, not -ECANCELED, after the cancel routine ran (rule 12)");
	kt_settle(env);
	kt_storm_check_left_held(test, st);
	kt_state(st->p, &qs);
	kunit_info(test, "par: arrived %llu presented %llu completed %llu cancelled %llu fwd in/out %llu/%llu max owned %u\n",
		   qs.arrived, qs.presented, qs.completed, qs.canceled,
		   qs.forwarded_in, qs.forwarded_out, qs.max_driver_owned);
	/* Rules 1 and 2: only io_canceled_on_queue may exceed the limit. */
	KUNIT_EXPECT_LE(test, qs.max_driver_owned,
			4 + atomic_read(&st->coq_calls));
	kt_state(st->s, &qs);
	KUNIT_EXPECT_LE(test, qs.max_driver_owned,
			1 + atomic_read(&st->coq_calls));
	kunit_info(test, "cycles %d cancels %d forwards %d held %d routines %d coq %d ready %d hardirq %d\n",
		   atomic_read(&st->cycles), atomic_read(&st->cancels),
		   atomic_read(&st->forwards), atomic_read(&st->held),
		   atomic_read(&st->routine_calls),
		   atomic_read(&st->coq_calls), atomic_read(&st->ready_calls),
		   atomic_read(&env->hardirq_done));
	KUNIT_EXPECT_GT(test, atomic_read(&st->forwards), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&env->hardirq_done), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&st->cycles), 0);
	kt_end(env);
}

static struct kunit_case wdfq_concurrency_cases[] = {
	KUNIT_CASE_PARAM(concurrency_storm, kt_scope_gen_params),
	{}
};

static struct kunit_suite wdfq_concurrency_suite = {
	.name = "wdfq_concurrency",
	.test_cases = wdfq_concurrency_cases,
};

kunit_test_suite(wdfq_concurrency_suite);
