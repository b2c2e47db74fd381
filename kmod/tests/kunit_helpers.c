// SPDX-License-Identifier: GPL-2.0
/*
 * Shared scaffolding of the wdfq engine KUnit suite: environments, tracked
 * requests, generic handlers, balance checks and test threads. See
 * kunit_helpers.h.
 */
#include <kunit/resource.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include <wdfq_compat.h>
#include <wdfq_kunit.h>

#include "kunit_helpers.h"

/* Data for every request: zero-length reads and writes are rule 15's. */
static char kt_buf[64];

u32 kt_rand(u32 *state)
{
	u32 x = *state ? *state : 0x9e3779b9;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

/* Done callback: any context, hard interrupts included; atomics only. */
static void kt_done(struct wdfq_request *req, void *data)
{
	struct kt_req *kr = data;
	struct kt_env *env = kr->env;

	if (in_hardirq()) {
		kr->done_hardirq = true;
		atomic_inc(&env->hardirq_done);
	}
	if (in_serving_softirq())
		kr->done_softirq = true;
	if (atomic_inc_return(&kr->done) > 1)
		atomic_inc(&env->double_done);
	atomic_dec(&env->outstanding);
}

static void kt_env_release(void *data)
{
	struct kt_env *env = data;
	struct kunit *test = env->test;
	unsigned int i, n, left = 0;

	n = min_t(unsigned int, atomic_read(&env->nreq), env->cap);
	if (env->dev) {
		for (i = 0; i < env->nq; i++)
			if (env->q[i])
				kt_check_balance(test, env->q[i]);
		/*
		 * A case that failed half-way may leave driver-owned requests
		 * behind; deletion would wait for them for ever. Complete
		 * them (queued ones are refused and then purged by the
		 * deletion).
		 */
		for (i = 0; i < n; i++) {
			struct kt_req *kr = &env->kr[i];

			if (!kr->submitted || atomic_read(&kr->done))
				continue;
			if (kr->timer_used)
				hrtimer_cancel(&kr->timer);
			if (kr->bh_used)
				cancel_work_sync(&kr->bh_work);
			if (!atomic_read(&kr->done)) {
				left++;
				wdfq_request_complete(kr->req, -ECANCELED, 0);
			}
		}
		if (left)
			KUNIT_FAIL(test, "%u requests unfinished at the end", left);
		wdfq_device_delete(env->dev);
		env->dev = NULL;
	}
	for (i = 0; i < n; i++) {
		struct kt_req *kr = &env->kr[i];

		if (kr->timer_used)
			hrtimer_cancel(&kr->timer);
		if (kr->bh_used)
			cancel_work_sync(&kr->bh_work);
		if (kr->submitted)
			KUNIT_EXPECT_EQ_MSG(test, atomic_read(&kr->done), 1,
					    "request %u: done callbacks", i);
		wdfq_request_put(kr->req);
	}
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&env->double_done), 0,
			    "requests completed more than once");
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&env->bad_ctx), 0,
			    "callbacks in a forbidden context");
	kvfree(env->kr);
	kvfree(env->held);
	kvfree(env->log);
	for (i = 0; i < env->nallocs; i++)
		kfree(env->allocs[i]);
}

/**
 * kt_zalloc() - zeroed memory that outlives the engine device
 * @env: the environment
 * @size: bytes
 *
 * For callback contexts: freed only after the device is deleted, so a
 * callback left pending by a failed case never touches freed memory.
 *
 * Return: the memory; the case is aborted on failure.
 */
void *kt_zalloc(struct kt_env *env, size_t size)
{
	void *p;

	KUNIT_ASSERT_LT(env->test, env->nallocs, KT_MAX_ALLOCS);
	p = kzalloc(size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(env->test, p);
	env->allocs[env->nallocs++] = p;
	return p;
}

/**
 * kt_env_create() - a new engine device with request tracking
 * @test: the case
 * @cap: most requests the case allocates
 * @pm_dev: runtime-PM device for power-managed queues, or NULL
 *
 * Driver bugs are reported quietly (the cases that provoke them on purpose
 * check the driver_bugs counter instead of the log); every other case
 * checks at its end that the counter stayed 0.
 *
 * Return: the environment; the case is aborted on failure.
 */
struct kt_env *kt_env_create(struct kunit *test, unsigned int cap,
			     struct device *pm_dev)
{
	struct wdfq_device_config dcfg = {
		.name = "wdfq-kunit",
		.pm_dev = pm_dev,
		.request_ctx_size = sizeof(struct kt_req *),
	};
	struct kt_env *env;
	int ret;

	env = kunit_kzalloc(test, sizeof(*env), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, env);
	env->test = test;
	env->cap = cap;
	spin_lock_init(&env->lock);
	env->kr = kvcalloc(cap, sizeof(*env->kr), GFP_KERNEL);
	env->held = kvcalloc(cap, sizeof(*env->held), GFP_KERNEL);
	env->log = kvcalloc(cap * 4, sizeof(*env->log), GFP_KERNEL);
	ret = kunit_add_action_or_reset(test, kt_env_release, env);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_NOT_NULL(test, env->kr);
	KUNIT_ASSERT_NOT_NULL(test, env->held);
	KUNIT_ASSERT_NOT_NULL(test, env->log);

	dcfg.context = env;
	env->dev = wdfq_device_create(&dcfg);
	if (IS_ERR(env->dev)) {
		ret = PTR_ERR(env->dev);
		env->dev = NULL;
		KUNIT_ASSERT_EQ_MSG(test, ret, 0, "wdfq_device_create");
	}
	wdfq_kunit_quiet_driver_bugs(env->dev);
	KUNIT_ASSERT_PTR_EQ(test, wdfq_device_context(env->dev), (void *)env);
	return env;
}

/**
 * kt_queue() - create a queue on the environment's device
 * @env: the environment
 * @cfg: configuration; its context defaults to @env
 *
 * Return: the queue; the case is aborted on failure.
 */
struct wdfq_queue *kt_queue(struct kt_env *env, struct wdfq_queue_config *cfg)
{
	struct kunit *test = env->test;
	struct wdfq_queue *q;

	KUNIT_ASSERT_LT(test, env->nq, KT_MAX_QUEUES);
	if (!cfg->context)
		cfg->context = env;
	q = wdfq_queue_create(env->dev, cfg);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_OR_NULL(q),
			       "wdfq_queue_create(%s): %ld", cfg->name,
			       PTR_ERR(q));
	KUNIT_ASSERT_PTR_EQ(test, wdfq_queue_device(q), env->dev);
	env->q[env->nq++] = q;
	return q;
}

/* The case deleted @q itself: stop checking it. */
void kt_queue_deleted(struct kt_env *env, struct wdfq_queue *q)
{
	unsigned int i;

	for (i = 0; i < env->nq; i++)
		if (env->q[i] == q)
			env->q[i] = NULL;
}

/* The case deleted the device itself. */
void kt_device_deleted(struct kt_env *env)
{
	unsigned int i;

	for (i = 0; i < env->nq; i++)
		env->q[i] = NULL;
	env->dev = NULL;
}

/**
 * kt_req_new() - allocate a tracked request
 * @env: the environment
 * @type: request type
 * @file: its file, or NULL
 *
 * The request has 64-byte input and output buffers, so it is presented
 * (rule 15 completes zero-length reads and writes without presenting them).
 * Safe from test threads (no KUnit assertion).
 *
 * Return: the request, or NULL.
 */
struct kt_req *kt_req_new(struct kt_env *env, enum wdfq_request_type type,
			  struct file *file)
{
	int id = atomic_inc_return(&env->nreq) - 1;
	struct kt_req *kr;

	if (id >= env->cap)
		return NULL;
	kr = &env->kr[id];
	kr->env = env;
	kr->id = id;
	atomic_set(&kr->done, 0);
	atomic_set(&kr->presented, 0);
	atomic_set(&kr->cancel_calls, 0);
	atomic_set(&kr->stops, 0);
	atomic_set(&kr->resumes, 0);
	kr->req = wdfq_request_alloc(env->dev, type, file, GFP_KERNEL);
	if (IS_ERR(kr->req)) {
		kr->req = NULL;
		return NULL;
	}
	*(struct kt_req **)wdfq_request_ctx(kr->req) = kr;
	wdfq_request_set_buffers(kr->req, kt_buf, sizeof(kt_buf), kt_buf,
				 sizeof(kt_buf));
	wdfq_request_set_done(kr->req, kt_done, kr);
	return kr;
}

/* Submit through the device's routing. */
void kt_submit(struct kt_req *kr)
{
	/* kr->req before the flag; pairs with the storm canceller */
	smp_store_release(&kr->submitted, true);
	atomic_inc(&kr->env->outstanding);
	wdfq_device_submit(kr->env->dev, kr->req);
}

/* Submit straight to @q. */
void kt_submit_q(struct wdfq_queue *q, struct kt_req *kr)
{
	/* kr->req before the flag; pairs with the storm canceller */
	smp_store_release(&kr->submitted, true);
	atomic_inc(&kr->env->outstanding);
	wdfq_queue_submit(q, kr->req);
}

/**
 * kt_submit_new() - allocate a READ request and submit it to @q
 * @env: the environment
 * @q: the queue
 * @file: its file, or NULL
 *
 * Return: the request, or NULL if it could not be allocated.
 */
struct kt_req *kt_submit_new(struct kt_env *env, struct wdfq_queue *q,
			     struct file *file)
{
	struct kt_req *kr = kt_req_new(env, WDFQ_REQ_READ, file);

	if (kr)
		kt_submit_q(q, kr);
	return kr;
}

/**
 * kt_cb_enter() - check the context of an engine callback
 * @env: the environment
 *
 * Rule 18: callbacks run in process context, preemptible (so never under a
 * spinlock or with interrupts off), and may sleep.
 *
 * Return: true if the context is right.
 */
bool kt_cb_enter(struct kt_env *env)
{
	bool ok = in_task() && !irqs_disabled();

#ifdef CONFIG_PREEMPT_COUNT
	ok = ok && preemptible();
#endif
	if (!ok)
		atomic_inc(&env->bad_ctx);
	might_sleep();
	return ok;
}

/* Append @kr to the presentation log. */
void kt_log(struct kt_env *env, struct kt_req *kr)
{
	spin_lock(&env->lock);
	if (env->nlog < env->cap * 4)
		env->log[env->nlog++] = kr->id;
	spin_unlock(&env->lock);
}

/* Hand a driver-owned request to the test thread. */
void kt_hold(struct kt_env *env, struct kt_req *kr)
{
	spin_lock(&env->lock);
	env->held[env->held_tail++ % env->cap] = kr;
	spin_unlock(&env->lock);
}

/* Oldest held request, or NULL. */
struct kt_req *kt_pop(struct kt_env *env)
{
	struct kt_req *kr = NULL;

	spin_lock(&env->lock);
	if (env->held_head != env->held_tail)
		kr = env->held[env->held_head++ % env->cap];
	spin_unlock(&env->lock);
	return kr;
}

unsigned int kt_nheld(struct kt_env *env)
{
	unsigned int n;

	spin_lock(&env->lock);
	n = env->held_tail - env->held_head;
	spin_unlock(&env->lock);
	return n;
}

/* Wait for a held request and pop it; NULL on timeout. */
struct kt_req *kt_pop_wait(struct kt_env *env)
{
	if (!KT_WAIT(kt_nheld(env) > 0))
		return NULL;
	return kt_pop(env);
}

/* Handler: keep the request for the test thread. */
void kt_io_hold(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);
	struct kt_env *env = kr->env;

	kt_cb_enter(env);
	atomic_inc(&kr->presented);
	kt_log(env, kr);
	kt_hold(env, kr);
}

/* Handler: complete at once with status 0 and the request id as bytes. */
void kt_io_complete(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);
	struct kt_env *env = kr->env;

	kt_cb_enter(env);
	atomic_inc(&kr->presented);
	kt_log(env, kr);
	if (wdfq_request_complete(req, 0, kr->id))
		atomic_inc(&env->bad_ctx);
}

/* Cancel routine: complete the request as cancelled. */
void kt_cancel_complete(struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);

	kt_cb_enter(kr->env);
	atomic_inc(&kr->cancel_calls);
	if (wdfq_request_complete(req, -ECANCELED, 0))
		atomic_inc(&kr->env->bad_ctx);
}

static enum hrtimer_restart kt_timer_fn(struct hrtimer *t)
{
	struct kt_req *kr = container_of(t, struct kt_req, timer);

	kr->async_rc = wdfq_request_complete(kr->req, 0, kr->id);
	return HRTIMER_NORESTART;
}

/**
 * kt_complete_hardirq() - complete a driver-owned request from a hard-mode
 *	hrtimer
 * @kr: the request; it must not be used by the case until it is done
 * @delay_ns: when
 */
void kt_complete_hardirq(struct kt_req *kr, u64 delay_ns)
{
	if (!kr->timer_used) {
		hrtimer_setup(&kr->timer, kt_timer_fn, CLOCK_MONOTONIC,
			      HRTIMER_MODE_REL_HARD);
		kr->timer_used = true;
	}
	hrtimer_start(&kr->timer, ns_to_ktime(delay_ns),
		      HRTIMER_MODE_REL_HARD);
}

static void kt_bh_fn(struct work_struct *w)
{
	struct kt_req *kr = container_of(w, struct kt_req, bh_work);

	kr->async_rc = wdfq_request_complete(kr->req, 0, kr->id);
}

/* Complete a driver-owned request from a bottom half (BH workqueue). */
void kt_complete_bh(struct kt_req *kr)
{
	if (!kr->bh_used) {
		INIT_WORK(&kr->bh_work, kt_bh_fn);
		kr->bh_used = true;
	}
	queue_work(system_bh_wq, &kr->bh_work);
}

void kt_state(struct wdfq_queue *q, struct wdfq_queue_state *st)
{
	memset(st, 0, sizeof(*st));
	wdfq_queue_get_state(q, st);
}

/**
 * kt_check_balance() - rule 21's equation on one queue
 * @test: the case
 * @q: the queue
 */
void kt_check_balance(struct kunit *test, struct wdfq_queue *q)
{
	struct wdfq_queue_state st;
	u64 in, out;

	kt_state(q, &st);
	in = st.arrived + st.forwarded_in;
	out = st.completed + st.canceled + st.forwarded_out + st.queued +
	      st.driver_owned;
	KUNIT_EXPECT_EQ_MSG(test, in, out,
			    "unbalanced: arrived %llu + fwd_in %llu != completed %llu + cancelled %llu + fwd_out %llu + queued %u + owned %u",
			    st.arrived, st.forwarded_in, st.completed,
			    st.canceled, st.forwarded_out, st.queued,
			    st.driver_owned);
	KUNIT_EXPECT_LE(test, st.driver_owned, st.max_driver_owned);
}

/* Balance, nothing queued or owned, and no driver bug seen. */
void kt_check_idle(struct kt_env *env, struct wdfq_queue *q)
{
	struct kunit *test = env->test;
	struct wdfq_queue_state st;

	kt_check_balance(test, q);
	kt_state(q, &st);
	KUNIT_EXPECT_EQ(test, st.queued, 0);
	KUNIT_EXPECT_EQ(test, st.driver_owned, 0);
	if (!env->allow_bugs)
		KUNIT_EXPECT_EQ(test, st.driver_bugs, 0);
}

/* Wait until @kr is done; true if it is. */
bool kt_wait_done(struct kt_req *kr)
{
	bool ok = KT_WAIT(atomic_read(&kr->done) > 0);

	smp_rmb();	/* fields written before the done count */
	return ok;
}

/* Wait until every submitted request is done; true if they are. */
bool kt_wait_all(struct kt_env *env)
{
	bool ok = KT_WAIT(atomic_read(&env->outstanding) == 0);

	smp_rmb();	/* done callbacks' writes before outstanding drops */
	return ok;
}

/**
 * kt_end() - the common end of a case
 * @env: the environment
 *
 * Waits for every submitted request and for the device's deferred work,
 * then checks every live queue: rule 21's balance, idle, and no driver bug
 * unless the case provoked some.
 */
/*
 * Let the engine's deferred work run out, so that a check that nothing
 * (more) happened does not depend on a sleep being long enough. Callbacks
 * that the engine runs on the device's workqueue have all run on return.
 */
void kt_settle(struct kt_env *env)
{
	wdfq_device_flush(env->dev);
}

void kt_end(struct kt_env *env)
{
	struct kunit *test = env->test;
	unsigned int i, n;

	KUNIT_EXPECT_TRUE_MSG(test, kt_wait_all(env),
			      "%d requests never completed",
			      atomic_read(&env->outstanding));
	/* a forwarding handler may still be counting its request out */
	if (env->dev)
		kt_settle(env);
	for (i = 0; i < env->nq; i++)
		if (env->q[i])
			kt_check_idle(env, env->q[i]);
	n = min_t(unsigned int, atomic_read(&env->nreq), env->cap);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, env->kr[i].async_rc, 0,
				    "request %u: asynchronous completion", i);
	KUNIT_EXPECT_EQ(test, atomic_read(&env->double_done), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&env->bad_ctx), 0);
}

static int kt_thread_fn(void *data)
{
	struct kt_threads *th = data;
	int idx = atomic_inc_return(&th->next) - 1;

	th->fn(th->arg, idx);
	kthread_complete_and_exit(&th->done[idx], 0);
}

/**
 * kt_threads_start() - run @fn(@arg, i) in @n kthreads
 * @test: the case
 * @th: thread set, zeroed
 * @n: how many, at most KT_MAX_THREADS
 * @fn: body
 * @arg: its argument
 */
void kt_threads_start(struct kunit *test, struct kt_threads *th, int n,
		      int (*fn)(void *arg, int idx), void *arg)
{
	struct task_struct *t;
	int i;

	KUNIT_ASSERT_LE(test, n, KT_MAX_THREADS);
	th->fn = fn;
	th->arg = arg;
	th->n = n;
	atomic_set(&th->next, 0);
	for (i = 0; i < n; i++)
		init_completion(&th->done[i]);
	for (i = 0; i < n; i++) {
		t = kthread_run(kt_thread_fn, th, "wdfq-kt/%d", i);
		if (IS_ERR(t)) {
			/* Threads 0..i-1 run and take indices 0..i-1. */
			th->n = i;
			KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(t));
			break;
		}
	}
}

/* Wait for every thread; false if one is still running after the timeout. */
bool kt_threads_wait(struct kt_threads *th)
{
	unsigned long end = jiffies + msecs_to_jiffies(KT_TIMEOUT_MS * 2);
	bool ok = true;
	int i;

	for (i = 0; i < th->n; i++) {
		long left = (long)(end - jiffies);

		if (left <= 0 ||
		    !wait_for_completion_timeout(&th->done[i], left))
			ok = false;
	}
	return ok;
}

MODULE_LICENSE("GPL");
WDFQ_COMPAT_IMPORT_FOR_KUNIT();
MODULE_DESCRIPTION("KUnit tests for the wdfq queue engine");

/*
 * Shared by the suites of the queue model (kunit_dispatch_types.c,
 * kunit_queue_state.c, ...): expectations, state callbacks, ready
 * notification and canned queue configurations.
 */

/* Fake files: the engine only compares the pointers. */
int kt_file_a, kt_file_b;

/* Lives until the device is gone: a failed case may leave it pending. */
struct kt_statecb *kt_statecb_new(struct kt_env *env)
{
	struct kt_statecb *s = kt_zalloc(env, sizeof(*s));

	s->env = env;
	return s;
}

void kt_state_fn(struct wdfq_queue *q, void *ctx)
{
	struct kt_statecb *s = ctx;
	struct wdfq_queue_state st;

	if (!kt_cb_enter(s->env))
		atomic_inc(&s->bad);
	/* Never from inside the call that registered it. */
	if (READ_ONCE(s->inside) && s->caller == current)
		atomic_inc(&s->bad);
	kt_state(q, &st);
	s->queued = st.queued;
	s->owned = st.driver_owned;
	smp_wmb();	/* fields before the count; pairs with smp_rmb() */
	atomic_inc(&s->calls);
}

bool kt_wait_for(struct completion *c)
{
	return wait_for_completion_timeout(c, msecs_to_jiffies(KT_TIMEOUT_MS));
}

void kt_expect_status(struct kunit *test, struct kt_req *kr, int status)
{
	KUNIT_ASSERT_NOT_NULL(test, kr);
	KUNIT_EXPECT_TRUE_MSG(test, kt_wait_done(kr), "request %d not done",
			      kr->id);
	KUNIT_EXPECT_TRUE(test, wdfq_request_is_completed(kr->req));
	KUNIT_EXPECT_EQ_MSG(test, wdfq_request_status(kr->req), status,
			    "request %d status", kr->id);
}

struct kt_req *kt_new_submit(struct kunit *test, struct kt_env *env,
			     struct wdfq_queue *q, struct file *file)
{
	struct kt_req *kr = kt_submit_new(env, q, file);

	KUNIT_ASSERT_NOT_NULL(test, kr);
	return kr;
}

struct kt_req *kt_expect_pop(struct kunit *test, struct kt_env *env,
			     struct kt_req *want)
{
	struct kt_req *kr = kt_pop_wait(env);

	KUNIT_ASSERT_NOT_NULL_MSG(test, kr, "nothing presented (want %d)",
				  want ? want->id : -1);
	if (want)
		KUNIT_EXPECT_PTR_EQ_MSG(test, kr, want,
					"presented %d, want %d", kr->id,
					want->id);
	return kr;
}

void kt_expect_complete(struct kunit *test, struct kt_req *kr,
			int status, size_t info)
{
	KUNIT_EXPECT_EQ_MSG(test, wdfq_request_complete(kr->req, status, info),
			    0, "completing request %d", kr->id);
}

/* Nothing more is presented once the engine's deferred work has run. */
void kt_expect_quiet(struct kunit *test, struct kt_env *env)
{
	kt_settle(env);
	KUNIT_EXPECT_EQ(test, kt_nheld(env), 0);
}

const struct wdfq_queue_ops kt_io_hold_ops = {
	.io_default = kt_io_hold,
};

void kt_complete_later(struct kt_req *kr, unsigned int ms)
{
	kt_complete_hardirq(kr, (u64)ms * NSEC_PER_MSEC);
}

static void kt_rn_retrieve_all(struct kt_rn *rn, struct wdfq_queue *q)
{
	struct wdfq_request *req;

	while (wdfq_queue_retrieve_next(q, &req) == 0) {
		struct kt_req *kr = kt_of(req);

		atomic_inc(&kr->presented);
		if (wdfq_request_complete(req, 0, kr->id))
			atomic_inc(&rn->env->bad_ctx);
	}
}

void kt_rn_fn(struct wdfq_queue *q, void *ctx)
{
	struct kt_rn *rn = ctx;
	struct wdfq_queue_state st;
	struct wdfq_request *req;

	kt_cb_enter(rn->env);
	if (atomic_inc_return(&rn->inside) > 1)
		atomic_inc(&rn->overlap);
	switch (READ_ONCE(rn->mode)) {
	case 0:
		break;
	case 1:
		kt_rn_retrieve_all(rn, q);
		break;
	case 2:
		if (rn->phase == 0) {
			/*
			 * Cancel the only queued request from inside the
			 * callback, so its cancellation may be deferred, and
			 * look for work: none, though the count may still be 1.
			 * Then add a request: the count may go 1 -> 2, yet the
			 * callback must come back for it.
			 */
			rn->phase = 1;
			wdfq_request_cancel(rn->r1->req);
			rn->forced_rc = wdfq_queue_retrieve_next(q, &req);
			kt_state(q, &st);
			rn->forced_queued = st.queued;
			if (rn->forced_rc == 0)	/* must not happen */
				wdfq_request_complete(req, -EIO, 0);
			kt_submit_q(q, rn->r2);
		} else {
			kt_rn_retrieve_all(rn, q);
		}
		break;
	}
	atomic_dec(&rn->inside);
	atomic_inc(&rn->calls);
}

void kt_cq_complete(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);

	kt_cb_enter(kr->env);
	atomic_inc(&kr->cancel_calls);
	if (wdfq_request_complete(req, -ECANCELED, 77))
		atomic_inc(&kr->env->bad_ctx);
}

const struct wdfq_queue_ops kt_cq_complete_ops = {
	.io_canceled_on_queue = kt_cq_complete,
};
