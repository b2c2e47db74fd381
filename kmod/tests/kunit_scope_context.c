// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases for the wdfq engine. Synchronization scopes (QUEUE, DEVICE,
 * NONE), the execution context of callbacks, and the dispatch loop's bounded
 * recursion.
 *
 * Each case checks the balance of every queue at its end (kt_end()) and,
 * through the environment's release action, that every submitted request
 * completed exactly once.
 */
#include <kunit/test.h>

#include "kunit_helpers.h"

/* Overlap detection */
struct kt_overlap {
	atomic_t inside;
	atomic_t overlap;
	atomic_t max;
};

static void kt_ov_enter(struct kt_overlap *ov)
{
	int n = atomic_inc_return(&ov->inside);
	int m = atomic_read(&ov->max);

	if (n > 1)
		atomic_inc(&ov->overlap);
	while (n > m && atomic_cmpxchg(&ov->max, m, n) != m)
		m = atomic_read(&ov->max);
	usleep_range(2000, 3000);
}

static void kt_ov_exit(struct kt_overlap *ov)
{
	atomic_dec(&ov->inside);
}

struct kt_sync_case {
	struct kt_env *env;
	struct kt_overlap *ov[2];	/* per queue (ov[1] may alias ov[0]) */
	struct wdfq_queue *q[2];
	int per_thread;
	atomic_t held_to_cancel;
	struct kt_req *cancel_list[64];
	atomic_t ncancel;
};

static struct kt_overlap *kt_ov_of(struct kt_sync_case *sc,
				   struct wdfq_queue *q)
{
	return q == sc->q[0] ? sc->ov[0] : sc->ov[1];
}

static void kt_ov_cancel(struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);
	struct kt_sync_case *sc = kr->env->priv;
	struct kt_overlap *ov = kt_ov_of(sc, wdfq_request_queue(req));

	kt_cb_enter(kr->env);
	kt_ov_enter(ov);
	atomic_inc(&kr->cancel_calls);
	if (wdfq_request_complete(req, -ECANCELED, 0))
		atomic_inc(&kr->env->bad_ctx);
	kt_ov_exit(ov);
}

static void kt_io_ov(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);
	struct kt_sync_case *sc = kr->env->priv;
	struct kt_overlap *ov = kt_ov_of(sc, q);
	int slot;

	kt_cb_enter(kr->env);
	kt_ov_enter(ov);
	atomic_inc(&kr->presented);
	if (kr->id % 4 == 3) {
		/* Leave it for the canceller. */
		if (wdfq_request_mark_cancelable(req, kt_ov_cancel) == 0) {
			slot = atomic_inc_return(&sc->ncancel) - 1;
			if (slot < ARRAY_SIZE(sc->cancel_list)) {
				WRITE_ONCE(sc->cancel_list[slot], kr);
				kt_ov_exit(ov);
				return;
			}
			if (wdfq_request_unmark_cancelable(req))
				goto out;	/* the routine completes it */
		}
	}
	if (wdfq_request_complete(req, 0, kr->id))
		atomic_inc(&kr->env->bad_ctx);
out:
	kt_ov_exit(ov);
}

static int kt_sync_submitter(void *arg, int idx)
{
	struct kt_sync_case *sc = arg;
	struct kt_req *kr;
	int i;

	for (i = 0; i < sc->per_thread; i++) {
		kr = kt_submit_new(sc->env, sc->q[(i + idx) & 1], NULL);
		if (!kr)
			atomic_inc(&sc->env->bad_ctx);
	}
	return 0;
}

static int kt_sync_canceller(void *arg, int idx)
{
	struct kt_sync_case *sc = arg;
	struct kt_env *env = sc->env;
	unsigned long end = jiffies + msecs_to_jiffies(KT_TIMEOUT_MS);
	int done = 0, n;

	while (atomic_read(&env->outstanding) > 0 && time_before(jiffies, end)) {
		n = min_t(int, atomic_read(&sc->ncancel),
			  ARRAY_SIZE(sc->cancel_list));
		while (done < n) {
			struct kt_req *kr = READ_ONCE(sc->cancel_list[done]);

			if (!kr)
				break;
			wdfq_request_cancel(kr->req);
			done++;
		}
		usleep_range(500, 1000);
	}
	return 0;
}

static const struct wdfq_queue_ops kt_io_ov_ops = {
	.io_default = kt_io_ov,
};

static void kt_sync_scope_run(struct kunit *test, enum wdfq_sync_scope scope,
			      bool two_queues_share)
{
	struct kt_env *env = kt_env_create(test, 128, NULL);
	struct kt_threads *th = kunit_kzalloc(test, sizeof(*th), GFP_KERNEL);
	struct kt_threads *tc = kunit_kzalloc(test, sizeof(*tc), GFP_KERNEL);
	struct kt_sync_case *sc = kunit_kzalloc(test, sizeof(*sc), GFP_KERNEL);
	struct kt_overlap *ov0 = kunit_kzalloc(test, sizeof(*ov0), GFP_KERNEL);
	struct kt_overlap *ov1 = kunit_kzalloc(test, sizeof(*ov1), GFP_KERNEL);
	struct wdfq_queue_config c0 = { .name = "sync0",
		.dispatch = WDFQ_DISPATCH_PARALLEL, .scope = scope,
		.ops = &kt_io_ov_ops };
	struct wdfq_queue_config c1 = { .name = "sync1",
		.dispatch = WDFQ_DISPATCH_PARALLEL, .scope = scope,
		.ops = &kt_io_ov_ops };
	int i, n;

	KUNIT_ASSERT_TRUE(test, th && tc && sc && ov0 && ov1);
	sc->env = env;
	sc->ov[0] = ov0;
	sc->ov[1] = two_queues_share ? ov0 : ov1;
	sc->per_thread = 8;
	env->priv = sc;
	sc->q[0] = kt_queue(env, &c0);
	sc->q[1] = kt_queue(env, &c1);

	atomic_inc(&env->outstanding);	/* keeps the canceller alive */
	kt_threads_start(test, tc, 1, kt_sync_canceller, sc);
	kt_threads_start(test, th, 4, kt_sync_submitter, sc);
	KUNIT_EXPECT_TRUE(test, kt_threads_wait(th));
	atomic_dec(&env->outstanding);
	KUNIT_EXPECT_TRUE(test, kt_wait_all(env));
	KUNIT_EXPECT_TRUE(test, kt_threads_wait(tc));

	n = min_t(int, atomic_read(&env->nreq), env->cap);
	KUNIT_EXPECT_EQ(test, n, 32);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, atomic_read(&env->kr[i].presented), 1);
	if (scope == WDFQ_SYNC_NONE) {
		kunit_info(test, "scope NONE: most callbacks at once %d/%d\n",
			   atomic_read(&ov0->max), atomic_read(&ov1->max));
	} else {
		KUNIT_EXPECT_EQ(test, atomic_read(&ov0->overlap), 0);
		KUNIT_EXPECT_EQ(test, atomic_read(&ov1->overlap), 0);
		KUNIT_EXPECT_LE(test, atomic_read(&ov0->max), 1);
	}
	KUNIT_EXPECT_GT(test, atomic_read(&sc->ncancel), 0);
	kt_end(env);
}

/*
 * queue_scope_serializes_queue_callbacks: Under QUEUE scope the callbacks of
 * one queue never overlap.
 * See Documentation/wdfq/queue-model.rst, Rule 17.
 */
static void queue_scope_serializes_queue_callbacks(struct kunit *test)
{
	kt_sync_scope_run(test, WDFQ_SYNC_QUEUE, false);
}

/*
 * device_scope_serializes_device_callbacks: Under DEVICE scope the callbacks
 * of all DEVICE-scope queues of a device never overlap.
 * See Documentation/wdfq/queue-model.rst, Rule 17.
 */
static void device_scope_serializes_device_callbacks(struct kunit *test)
{
	/* One detector for both queues: the device mutex covers them both. */
	kt_sync_scope_run(test, WDFQ_SYNC_DEVICE, true);
}

/*
 * none_scope_adds_no_serialization: Under NONE scope the engine adds no
 * serialization; every request is still presented exactly once.
 * See Documentation/wdfq/queue-model.rst, Rule 17.
 */
static void none_scope_adds_no_serialization(struct kunit *test)
{
	kt_sync_scope_run(test, WDFQ_SYNC_NONE, false);
}

static void kt_io_ctx(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);
	static DEFINE_MUTEX(kt_ctx_mutex);

	kt_cb_enter(kr->env);
	/* May sleep and take mutexes. */
	mutex_lock(&kt_ctx_mutex);
	usleep_range(100, 200);
	mutex_unlock(&kt_ctx_mutex);
	atomic_inc(&kr->presented);
	switch (kr->id % 3) {
	case 0:
		kt_complete_hardirq(kr, 10 * NSEC_PER_USEC);
		break;
	case 1:
		kt_complete_bh(kr);
		break;
	default:
		if (wdfq_request_complete(req, 0, kr->id))
			atomic_inc(&kr->env->bad_ctx);
	}
}

static const struct wdfq_queue_ops kt_io_ctx_ops = {
	.io_default = kt_io_ctx,
};

/*
 * callbacks_run_in_process_context: Every callback runs in process context
 * and may sleep, even for work that became due in hard interrupt or bottom-
 * half context.
 * See Documentation/wdfq/queue-model.rst, Rule 18.
 */
static void callbacks_run_in_process_context(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 64, NULL);
	struct wdfq_queue_config scfg = { .name = "seq-ctx",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL,
		.ops = &kt_io_ctx_ops };
	struct wdfq_queue_config pcfg = { .name = "par-ctx",
		.dispatch = WDFQ_DISPATCH_PARALLEL, .max_presented = 2,
		.scope = WDFQ_SYNC_QUEUE,
		.ops = &kt_io_ctx_ops };
	struct wdfq_queue_config mcfg = KT_MANUAL("man-ctx");
	struct wdfq_queue *s, *p, *m;
	struct kt_statecb *stc = kt_statecb_new(env);
	struct kt_rn *rn = kt_zalloc(env, sizeof(*rn));
	struct kt_req *r[24];
	int i;

	s = kt_queue(env, &scfg);
	p = kt_queue(env, &pcfg);
	mcfg.scope = WDFQ_SYNC_DEVICE;
	m = kt_queue(env, &mcfg);
	rn->env = env;
	rn->mode = 1;
	KUNIT_ASSERT_EQ(test, wdfq_queue_ready_notify(m, kt_rn_fn, rn), 0);

	/*
	 * Completions from hard interrupts and bottom halves: the next
	 * presentation must still run in process context (checked by
	 * kt_cb_enter() in every callback).
	 */
	for (i = 0; i < 24; i++)
		r[i] = kt_new_submit(test, env, i & 1 ? p : s, NULL);
	for (i = 0; i < 24; i++) {
		kt_expect_status(test, r[i], 0);
		KUNIT_EXPECT_EQ(test, r[i]->async_rc, 0);
		KUNIT_EXPECT_EQ(test, atomic_read(&r[i]->presented), 1);
	}
	KUNIT_EXPECT_GT(test, atomic_read(&env->hardirq_done), 0);

	/* Ready notification and state callbacks too. */
	for (i = 0; i < 4; i++)
		r[i] = kt_new_submit(test, env, m, NULL);
	for (i = 0; i < 4; i++)
		kt_expect_status(test, r[i], 0);
	KUNIT_EXPECT_EQ(test, KT_CALL_STATE(stc, wdfq_queue_stop(s, kt_state_fn, stc)), 0);
	KUNIT_EXPECT_TRUE(test, KT_WAIT(atomic_read(&stc->calls) == 1));
	KUNIT_EXPECT_EQ(test, atomic_read(&stc->bad), 0);
	wdfq_queue_start(s);
	KUNIT_EXPECT_EQ(test, atomic_read(&env->bad_ctx), 0);
	kt_end(env);
}

struct kt_nest {
	spinlock_t lock;	/* protects in[] */
	struct task_struct *in[8];	/* tasks inside a handler, under lock */
	atomic_t recursion;
	atomic_t calls;
	struct wdfq_queue *fwd_to;
};

static bool kt_nest_enter(struct kt_nest *ns)
{
	bool ok = false;
	int i;

	spin_lock(&ns->lock);
	for (i = 0; i < ARRAY_SIZE(ns->in); i++)
		if (ns->in[i] == current)
			atomic_inc(&ns->recursion);
	for (i = 0; i < ARRAY_SIZE(ns->in); i++) {
		if (!ns->in[i]) {
			ns->in[i] = current;
			ok = true;
			break;
		}
	}
	spin_unlock(&ns->lock);
	return ok;
}

static void kt_nest_exit(struct kt_nest *ns)
{
	int i;

	spin_lock(&ns->lock);
	for (i = ARRAY_SIZE(ns->in) - 1; i >= 0; i--) {
		if (ns->in[i] == current) {
			ns->in[i] = NULL;
			break;
		}
	}
	spin_unlock(&ns->lock);
}

static void kt_io_nest(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);
	struct kt_nest *ns = kr->env->priv;
	bool in = kt_nest_enter(ns);

	atomic_inc(&ns->calls);
	atomic_inc(&kr->presented);
	if (ns->fwd_to && q != ns->fwd_to) {
		if (wdfq_request_forward(req, ns->fwd_to))
			atomic_inc(&kr->env->bad_ctx);
	} else if (wdfq_request_complete(req, 0, 0)) {
		atomic_inc(&kr->env->bad_ctx);
	}
	if (in)
		kt_nest_exit(ns);
}

static const struct wdfq_queue_ops kt_io_nest_ops = {
	.io_default = kt_io_nest,
};

/*
 * dispatch_iterates_not_recurses: Handlers that complete or forward inline
 * do not make the engine recurse: the stack does not grow with the queue.
 * See Documentation/wdfq/queue-model.rst, Rule 19.
 */
static void dispatch_iterates_not_recurses(struct kunit *test)
{
	const int n = 10000;
	struct kt_env *env = kt_env_create(test, n + 1000, NULL);
	struct kt_nest *ns = kunit_kzalloc(test, sizeof(*ns), GFP_KERNEL);
	struct wdfq_queue_config scfg = { .name = "seq-inline",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL,
		.ops = &kt_io_nest_ops };
	struct wdfq_queue_config fcfg = { .name = "seq-forward",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL,
		.ops = &kt_io_nest_ops };
	struct wdfq_queue_config dcfg = { .name = "par-dest",
		.dispatch = WDFQ_DISPATCH_PARALLEL,
		.ops = &kt_io_nest_ops };
	struct wdfq_queue *s, *f, *d;
	struct wdfq_queue_state st;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, ns);
	spin_lock_init(&ns->lock);
	env->priv = ns;
	s = kt_queue(env, &scfg);
	f = kt_queue(env, &fcfg);
	d = kt_queue(env, &dcfg);

	/* A long queue whose handler completes inline. */
	KUNIT_ASSERT_EQ(test, wdfq_queue_stop(s, NULL, NULL), 0);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_NOT_NULL(test, kt_submit_new(env, s, NULL));
	wdfq_queue_start(s);
	KUNIT_EXPECT_TRUE(test, kt_wait_all(env));
	kt_state(s, &st);
	KUNIT_EXPECT_EQ(test, st.completed, n);
	KUNIT_EXPECT_EQ(test, atomic_read(&ns->recursion), 0);

	/* One whose handler forwards inline to a queue that completes inline. */
	ns->fwd_to = d;
	KUNIT_ASSERT_EQ(test, wdfq_queue_stop(f, NULL, NULL), 0);
	for (i = 0; i < 500; i++)
		KUNIT_ASSERT_NOT_NULL(test, kt_submit_new(env, f, NULL));
	wdfq_queue_start(f);
	KUNIT_EXPECT_TRUE(test, kt_wait_all(env));
	/*
	 * The last request may complete on d before the handler that
	 * forwarded it has returned and f counted it out (Rule 10): let
	 * that handler finish before f's counters are read.
	 */
	kt_settle(env);
	kt_state(f, &st);
	KUNIT_EXPECT_EQ(test, st.forwarded_out, 500);
	KUNIT_EXPECT_EQ(test, atomic_read(&ns->recursion), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ns->calls), n + 1000);
	kt_end(env);
}

static struct kunit_case wdfq_scope_context_cases[] = {
	KUNIT_CASE(queue_scope_serializes_queue_callbacks),
	KUNIT_CASE(device_scope_serializes_device_callbacks),
	KUNIT_CASE(none_scope_adds_no_serialization),
	KUNIT_CASE(callbacks_run_in_process_context),
	KUNIT_CASE(dispatch_iterates_not_recurses),
	{}
};

static struct kunit_suite wdfq_scope_context_suite = {
	.name = "wdfq_scope_context",
	.test_cases = wdfq_scope_context_cases,
};

kunit_test_suite(wdfq_scope_context_suite);
