// SPDX-License-Identifier: GPL-2.0
/*
 * Request state cases for the wdfq engine: calls that must be refused once
 * a cancel routine was claimed, start after an unfinished (stop-and-)purge,
 * a forward refused during power-down, the publication order of a
 * completion, freeing from non-preemptible contexts, and driver bugs that
 * must neither hang nor touch freed memory.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "kunit_helpers.h"

/* What a case's callbacks saw; lives until the device is gone. */
struct kt_rs {
	struct kt_env *env;
	struct wdfq_queue *dest;	/* forward target */
	struct kt_req *first;		/* io_stop: the request that acts */
	struct kt_req *other;		/* io_stop: the request it forwards */
	int mark_rc;
	int rc;
	int rc2;
	atomic_t calls;
};

static struct kt_rs *kt_rs_new(struct kt_env *env)
{
	struct kt_rs *rs = kt_zalloc(env, sizeof(*rs));

	rs->env = env;
	rs->mark_rc = -1;
	rs->rc = -1;
	rs->rc2 = -1;
	env->priv = rs;
	return rs;
}

static struct kt_req *kt_rs_submit(struct kunit *test, struct kt_env *env,
				   struct wdfq_queue *q)
{
	struct kt_req *kr = kt_submit_new(env, q, NULL);

	KUNIT_ASSERT_NOT_NULL(test, kr);
	return kr;
}

static void kt_rs_expect_status(struct kunit *test, struct kt_req *kr,
				int status)
{
	KUNIT_EXPECT_TRUE_MSG(test, kt_wait_done(kr), "request %d not done",
			      kr->id);
	KUNIT_EXPECT_EQ_MSG(test, wdfq_request_status(kr->req), status,
			    "request %d status", kr->id);
}

static u64 kt_rs_bugs(struct wdfq_queue *q)
{
	struct wdfq_queue_state st;

	kt_state(q, &st);
	return st.driver_bugs;
}

/*
 * Handler: mark cancelable, let the caller give up (the cancel routine is
 * claimed and runs once this handler returns), then try to forward.
 */
static void kt_io_claim_forward(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);
	struct kt_rs *rs = kr->env->priv;

	kt_cb_enter(kr->env);
	atomic_inc(&kr->presented);
	rs->mark_rc = wdfq_request_mark_cancelable(req, kt_cancel_complete);
	wdfq_request_cancel(req);
	rs->rc = wdfq_request_forward(req, rs->dest);
}

static const struct wdfq_queue_ops kt_io_claim_forward_ops = {
	.io_default = kt_io_claim_forward,
};

static void forward_after_cancel_claimed_refused(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 8, NULL);
	struct kt_rs *rs = kt_rs_new(env);
	struct wdfq_queue_config scfg = { .name = "seq",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL, .scope = WDFQ_SYNC_QUEUE,
		.ops = &kt_io_claim_forward_ops };
	struct wdfq_queue_config mcfg = { .name = "dest",
		.dispatch = WDFQ_DISPATCH_MANUAL };
	struct wdfq_queue_state st;
	struct wdfq_queue *s;
	struct kt_req *a;

	env->allow_bugs = true;
	s = kt_queue(env, &scfg);
	rs->dest = kt_queue(env, &mcfg);
	a = kt_rs_submit(test, env, s);
	kt_rs_expect_status(test, a, -ECANCELED);
	KUNIT_EXPECT_EQ(test, rs->mark_rc, 0);
	KUNIT_EXPECT_EQ(test, rs->rc, -ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->cancel_calls), 1);
	KUNIT_EXPECT_EQ(test, kt_rs_bugs(s), 1);
	kt_state(rs->dest, &st);
	KUNIT_EXPECT_EQ(test, st.forwarded_in, 0);
	KUNIT_EXPECT_EQ(test, st.queued, 0);
	kt_end(env);
}

/* Ready callback: retrieve, mark, give up, then try to requeue. */
static void kt_ready_claim_requeue(struct wdfq_queue *q, void *ctx)
{
	struct kt_rs *rs = ctx;
	struct wdfq_request *req;

	kt_cb_enter(rs->env);
	if (atomic_inc_return(&rs->calls) > 1 ||
	    wdfq_queue_retrieve_next(q, &req))
		return;
	atomic_inc(&kt_of(req)->presented);
	rs->mark_rc = wdfq_request_mark_cancelable(req, kt_cancel_complete);
	wdfq_request_cancel(req);
	rs->rc = wdfq_request_requeue(req);
}

static void requeue_after_cancel_claimed_refused(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 8, NULL);
	struct kt_rs *rs = kt_rs_new(env);
	struct wdfq_queue_config mcfg = { .name = "man",
		.dispatch = WDFQ_DISPATCH_MANUAL, .scope = WDFQ_SYNC_QUEUE };
	struct wdfq_queue *m;
	struct kt_req *a;

	env->allow_bugs = true;
	m = kt_queue(env, &mcfg);
	KUNIT_ASSERT_EQ(test, wdfq_queue_ready_notify(m, kt_ready_claim_requeue,
						      rs), 0);
	a = kt_rs_submit(test, env, m);
	kt_rs_expect_status(test, a, -ECANCELED);
	KUNIT_EXPECT_EQ(test, rs->mark_rc, 0);
	KUNIT_EXPECT_EQ(test, rs->rc, -ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->cancel_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->presented), 1);
	KUNIT_EXPECT_EQ(test, kt_rs_bugs(m), 1);
	KUNIT_EXPECT_EQ(test, wdfq_queue_stop_sync(m), 0);
	KUNIT_EXPECT_EQ(test, wdfq_queue_ready_notify(m, NULL, NULL), 0);
	wdfq_queue_start(m);
	kt_end(env);
}

/* Cancel routine that tries to forward and requeue before completing. */
static void kt_cancel_forward(struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);
	struct kt_rs *rs = kr->env->priv;

	kt_cb_enter(kr->env);
	atomic_inc(&kr->cancel_calls);
	rs->rc = wdfq_request_forward(req, rs->dest);
	rs->rc2 = wdfq_request_requeue(req);
	if (!rs->rc || !rs->rc2)
		return;		/* no longer ours */
	if (wdfq_request_complete(req, -ECANCELED, 0))
		atomic_inc(&kr->env->bad_ctx);
}

static const struct wdfq_queue_ops kt_io_complete_cq_complete_ops = {
	.io_default = kt_io_complete,
	.io_canceled_on_queue = kt_io_complete,
};

static void forward_from_cancel_routine_refused(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 8, NULL);
	struct kt_rs *rs = kt_rs_new(env);
	struct wdfq_queue_config mcfg = { .name = "man",
		.dispatch = WDFQ_DISPATCH_MANUAL };
	struct wdfq_queue_config dcfg = { .name = "dest",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL,
		.ops = &kt_io_complete_cq_complete_ops };
	struct wdfq_request *got = NULL;
	struct wdfq_queue_state st;
	struct wdfq_queue *m;
	struct kt_req *a;

	env->allow_bugs = true;
	m = kt_queue(env, &mcfg);
	rs->dest = kt_queue(env, &dcfg);
	a = kt_rs_submit(test, env, m);
	KUNIT_ASSERT_EQ(test, wdfq_queue_retrieve_next(m, &got), 0);
	KUNIT_EXPECT_EQ(test, wdfq_request_mark_cancelable(a->req,
							   kt_cancel_forward),
			0);
	wdfq_request_cancel(a->req);
	kt_rs_expect_status(test, a, -ECANCELED);
	KUNIT_EXPECT_EQ(test, rs->rc, -ECANCELED);
	KUNIT_EXPECT_EQ(test, rs->rc2, -ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->cancel_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->presented), 0);
	KUNIT_EXPECT_EQ(test, kt_rs_bugs(m), 2);
	kt_state(rs->dest, &st);
	KUNIT_EXPECT_EQ(test, st.forwarded_in, 0);
	kt_end(env);
}

struct kt_rs_pd {
	struct wdfq_device *dev;
	unsigned int flags;
	struct completion done;
	bool returned;		/* wdfq_device_power_down() returned */
};

static int kt_rs_power_down(void *arg, int idx)
{
	struct kt_rs_pd *pd = arg;

	wdfq_device_power_down(pd->dev, pd->flags);
	pd->returned = true;
	complete(&pd->done);
	return 0;
}

static void kt_rs_power_down_start(struct kunit *test, struct kt_env *env,
				   struct kt_threads *th, struct kt_rs_pd *pd)
{
	memset(th, 0, sizeof(*th));
	init_completion(&pd->done);
	pd->dev = env->dev;
	pd->flags = WDFQ_STOP_SUSPEND;
	pd->returned = false;
	kt_threads_start(test, th, 1, kt_rs_power_down, pd);
}

static bool kt_rs_wait(struct completion *c)
{
	return wait_for_completion_timeout(c, msecs_to_jiffies(KT_TIMEOUT_MS));
}

/* io_stop: the caller gives up now, then the driver asks for a requeue. */
static void kt_stop_claim_requeue(struct wdfq_queue *q,
				  struct wdfq_request *req, unsigned int flags)
{
	struct kt_req *kr = kt_of(req);

	kt_cb_enter(kr->env);
	atomic_inc(&kr->stops);
	wdfq_request_cancel(req);
	wdfq_request_stop_acknowledge(req, true);
}

static const struct wdfq_queue_ops kt_io_hold_stop_claim_requeue_ops = {
	.io_default = kt_io_hold,
	.io_stop = kt_stop_claim_requeue,
};

static void stop_ack_requeue_after_cancel_claimed_kept(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 8, NULL);
	struct kt_threads *th = kunit_kzalloc(test, sizeof(*th), GFP_KERNEL);
	struct wdfq_queue_config pcfg = { .name = "pm",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL, .scope = WDFQ_SYNC_QUEUE,
		.power_managed = true,
		.ops = &kt_io_hold_stop_claim_requeue_ops };
	struct kt_rs_pd pd;
	struct wdfq_queue *p;
	struct kt_req *a, *kr;

	KUNIT_ASSERT_NOT_NULL(test, th);
	env->allow_bugs = true;
	p = kt_queue(env, &pcfg);
	a = kt_rs_submit(test, env, p);
	kr = kt_pop_wait(env);
	KUNIT_ASSERT_PTR_EQ(test, kr, a);
	KUNIT_EXPECT_EQ(test, wdfq_request_mark_cancelable(a->req,
							   kt_cancel_complete),
			0);
	kt_rs_power_down_start(test, env, th, &pd);
	/* The refused requeue left a with the driver: its cancel routine ran. */
	kt_rs_expect_status(test, a, -ECANCELED);
	KUNIT_EXPECT_TRUE(test, kt_rs_wait(&pd.done));
	KUNIT_EXPECT_TRUE(test, kt_threads_wait(th));
	KUNIT_EXPECT_TRUE(test, pd.returned);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->stops), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->cancel_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->presented), 1);
	KUNIT_EXPECT_EQ(test, kt_rs_bugs(p), 1);
	wdfq_device_power_up(env->dev);
	kt_end(env);
}

/* Start ends a (stop-and-)purge that has not finished: nothing is cancelled */
static void kt_start_after(struct kunit *test, bool stop_and_purge)
{
	struct kt_env *env = kt_env_create(test, 8, NULL);
	struct wdfq_queue_config mcfg = { .name = "man",
		.dispatch = WDFQ_DISPATCH_MANUAL };
	struct wdfq_request *got = NULL;
	struct wdfq_queue_state st;
	struct wdfq_queue *m;
	struct kt_req *a, *b;
	int ret;

	m = kt_queue(env, &mcfg);
	a = kt_rs_submit(test, env, m);
	KUNIT_ASSERT_EQ(test, wdfq_queue_retrieve_next(m, &got), 0);
	/* a is driver-owned and not cancelable: the operation stays pending */
	if (stop_and_purge)
		KUNIT_ASSERT_EQ(test, wdfq_queue_stop_and_purge(m, NULL, NULL),
				0);
	else
		KUNIT_ASSERT_EQ(test, wdfq_queue_purge(m, NULL, NULL), 0);
	wdfq_queue_start(m);
	kt_state(m, &st);
	KUNIT_EXPECT_TRUE(test, st.accepting);
	KUNIT_EXPECT_TRUE(test, st.dispatching);

	b = kt_rs_submit(test, env, m);
	KUNIT_ASSERT_EQ(test, wdfq_queue_retrieve_next(m, &got), 0);
	KUNIT_ASSERT_PTR_EQ(test, got, b->req);
	ret = wdfq_request_mark_cancelable(b->req, kt_cancel_complete);
	KUNIT_EXPECT_EQ(test, ret, 0);
	if (!ret)
		KUNIT_EXPECT_EQ(test, wdfq_request_unmark_cancelable(b->req), 0);
	KUNIT_EXPECT_FALSE(test, wdfq_request_is_canceled(b->req));
	/* requeue puts it back instead of cancelling it */
	KUNIT_EXPECT_EQ(test, wdfq_request_requeue(b->req), 0);
	kt_settle(env);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->done), 0);
	kt_state(m, &st);
	KUNIT_EXPECT_EQ(test, st.queued, atomic_read(&b->done) ? 0 : 1);
	if (!atomic_read(&b->done)) {
		KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_next(m, &got), 0);
		KUNIT_EXPECT_EQ(test, wdfq_request_complete(b->req, 0, 0), 0);
	}
	KUNIT_EXPECT_EQ(test, wdfq_request_complete(a->req, 0, 0), 0);
	kt_end(env);
}

static void start_clears_stop_and_purge(struct kunit *test)
{
	kt_start_after(test, true);
}

static void start_clears_purge(struct kunit *test)
{
	kt_start_after(test, false);
}

/*
 * io_stop of the first request forwards the second one to a queue that
 * does not accept: the second still gets its io_stop.
 */
static void kt_stop_forward_other(struct wdfq_queue *q,
				  struct wdfq_request *req, unsigned int flags)
{
	struct kt_req *kr = kt_of(req);
	struct kt_rs *rs = kr->env->priv;

	kt_cb_enter(kr->env);
	if (kr == rs->first) {
		rs->rc = wdfq_request_forward(rs->other->req, rs->dest);
		wdfq_request_stop_acknowledge(req, false);
	}
	smp_wmb();	/* rc before the count; pairs with smp_rmb() */
	atomic_inc(&kr->stops);
}

static const struct wdfq_queue_ops kt_io_hold_stop_forward_other_ops = {
	.io_default = kt_io_hold,
	.io_stop = kt_stop_forward_other,
};

static void forward_refused_in_power_down_keeps_io_stop(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 8, NULL);
	struct kt_threads *th = kunit_kzalloc(test, sizeof(*th), GFP_KERNEL);
	struct kt_rs *rs = kt_rs_new(env);
	struct wdfq_queue_config pcfg = { .name = "pm",
		.dispatch = WDFQ_DISPATCH_PARALLEL, .power_managed = true,
		.ops = &kt_io_hold_stop_forward_other_ops };
	struct wdfq_queue_config dcfg = { .name = "closed",
		.dispatch = WDFQ_DISPATCH_MANUAL };
	struct kt_rs_pd pd;
	struct wdfq_queue *p;
	struct kt_req *a, *b;
	bool ok;

	KUNIT_ASSERT_NOT_NULL(test, th);
	p = kt_queue(env, &pcfg);
	rs->dest = kt_queue(env, &dcfg);
	KUNIT_ASSERT_EQ(test, wdfq_queue_drain_sync(rs->dest), 0);
	a = kt_rs_submit(test, env, p);
	b = kt_rs_submit(test, env, p);
	KUNIT_ASSERT_PTR_EQ(test, kt_pop_wait(env), a);
	KUNIT_ASSERT_PTR_EQ(test, kt_pop_wait(env), b);
	rs->first = a;
	rs->other = b;

	kt_rs_power_down_start(test, env, th, &pd);
	KUNIT_EXPECT_TRUE(test, KT_WAIT(atomic_read(&a->stops) == 1));
	smp_rmb();	/* pairs with the callback's smp_wmb() */
	KUNIT_EXPECT_EQ(test, rs->rc, -ESHUTDOWN);
	/* b is still the driver's: it gets io_stop, power-down waits for it */
	ok = KT_WAIT(atomic_read(&b->stops) == 1);
	KUNIT_EXPECT_TRUE_MSG(test, ok, "no io_stop for the request kept");
	KUNIT_EXPECT_FALSE(test, completion_done(&pd.done));
	wdfq_request_stop_acknowledge(b->req, false);
	KUNIT_EXPECT_TRUE(test, kt_rs_wait(&pd.done));
	KUNIT_EXPECT_TRUE(test, kt_threads_wait(th));
	KUNIT_EXPECT_TRUE(test, pd.returned);
	wdfq_device_power_up(env->dev);
	KUNIT_EXPECT_EQ(test, wdfq_request_complete(a->req, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, wdfq_request_complete(b->req, 0, 0), 0);
	wdfq_queue_start(rs->dest);
	kt_end(env);
}

/* A lockless poller: once a request reads as completed, its status is final */
struct kt_poll {
	struct wdfq_request *cur;	/* to watch; NULL when seen */
	int want;
	atomic_t stop;
	atomic_t seen;
	atomic_t bad;
	int bad_status;
};

static int kt_poller(void *arg, int idx)
{
	struct kt_poll *p = arg;
	struct wdfq_request *req;
	int status;

	while (!atomic_read(&p->stop)) {
		/* pairs with the test's release: a request it set up */
		req = smp_load_acquire(&p->cur);
		if (!req) {
			cpu_relax();
			continue;
		}
		while (!wdfq_request_is_completed(req) &&
		       !atomic_read(&p->stop))
			cpu_relax();
		status = wdfq_request_status(req);
		if (status != p->want && wdfq_request_is_completed(req)) {
			p->bad_status = status;
			atomic_inc(&p->bad);
		}
		atomic_inc(&p->seen);
		/* done with req before the test may free it */
		smp_store_release(&p->cur, NULL);
	}
	return 0;
}

#define POLL_ROUNDS	200

static void kt_poll_run(struct kunit *test, struct kt_env *env,
			struct wdfq_queue *q, int want)
{
	struct kt_threads *th = kunit_kzalloc(test, sizeof(*th), GFP_KERNEL);
	struct kt_poll *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	struct wdfq_request *req;
	unsigned long end;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, th);
	KUNIT_ASSERT_NOT_NULL(test, p);
	p->want = want;
	kt_threads_start(test, th, 1, kt_poller, p);
	for (i = 0; i < POLL_ROUNDS; i++) {
		req = wdfq_request_alloc(env->dev, WDFQ_REQ_READ, NULL,
					 GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, req);
		/* req set up before the poller sees it */
		smp_store_release(&p->cur, req);
		/* let the poller reach its spin first, most of the time */
		udelay(i % 4);
		if (q)
			wdfq_queue_submit(q, req);
		else
			wdfq_device_submit(env->dev, req);
		end = jiffies + msecs_to_jiffies(KT_TIMEOUT_MS);
		/* pairs with the poller's release when it is done */
		while (smp_load_acquire(&p->cur) && time_before(jiffies, end))
			cpu_relax();
		if (READ_ONCE(p->cur)) {
			atomic_set(&p->stop, 1);
			kt_threads_wait(th);
			wdfq_request_put(req);
			KUNIT_FAIL(test, "poller stuck");
			return;
		}
		wdfq_request_put(req);
	}
	atomic_set(&p->stop, 1);
	KUNIT_EXPECT_TRUE(test, kt_threads_wait(th));
	KUNIT_EXPECT_EQ(test, atomic_read(&p->seen), POLL_ROUNDS);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&p->bad), 0,
			    "completed with status %d, final status %d",
			    p->bad_status, want);
}

/*
 * The same from a hard interrupt on the submitter's own CPU: a timer that
 * expires while the engine holds a queue lock fires the moment the lock is
 * dropped, in the middle of the completion, whatever the host's scheduling.
 */
#define IRQ_POLL_ROUNDS		10000
#define IRQ_POLL_PERIOD_NS	8000

struct kt_irq_poll {
	struct hrtimer timer;
	struct wdfq_request *cur;	/* written by the submitter, same CPU */
	int want;
	int bad_status;
	unsigned int seen;
	unsigned int bad;
};

static enum hrtimer_restart kt_irq_poll_fn(struct hrtimer *t)
{
	struct kt_irq_poll *p = container_of(t, struct kt_irq_poll, timer);
	struct wdfq_request *req = READ_ONCE(p->cur);
	int status;

	if (req && wdfq_request_is_completed(req)) {
		status = wdfq_request_status(req);
		p->seen++;
		if (status != p->want) {
			p->bad_status = status;
			p->bad++;
		}
	}
	hrtimer_forward_now(t, ns_to_ktime(IRQ_POLL_PERIOD_NS));
	return HRTIMER_RESTART;
}

static void kt_irq_poll_run(struct kunit *test, struct kt_env *env,
			    struct wdfq_queue *q, int want)
{
	struct kt_irq_poll *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	struct wdfq_request *req;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	p->want = want;
	hrtimer_setup(&p->timer, kt_irq_poll_fn, CLOCK_MONOTONIC,
		      HRTIMER_MODE_REL_PINNED_HARD);
	/* the timer's CPU: sleeping is still allowed */
	migrate_disable();
	hrtimer_start(&p->timer, ns_to_ktime(IRQ_POLL_PERIOD_NS),
		      HRTIMER_MODE_REL_PINNED_HARD);
	for (i = 0; i < IRQ_POLL_ROUNDS; i++) {
		req = wdfq_request_alloc(env->dev, WDFQ_REQ_READ, NULL,
					 GFP_KERNEL);
		if (IS_ERR(req))
			break;
		WRITE_ONCE(p->cur, req);
		if (q)
			wdfq_queue_submit(q, req);
		else
			wdfq_device_submit(env->dev, req);
		/* the timer runs on this CPU: it is not inside req now */
		WRITE_ONCE(p->cur, NULL);
		wdfq_request_put(req);
	}
	hrtimer_cancel(&p->timer);
	migrate_enable();
	KUNIT_EXPECT_EQ(test, i, IRQ_POLL_ROUNDS);
	KUNIT_EXPECT_EQ_MSG(test, p->bad, 0,
			    "%u of %u interrupts saw completed with status %d, final status %d",
			    p->bad, p->seen, p->bad_status, want);
}

static void is_completed_publishes_status(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 4, NULL);
	struct wdfq_queue_config mcfg = { .name = "closed",
		.dispatch = WDFQ_DISPATCH_MANUAL };
	struct wdfq_queue *m = kt_queue(env, &mcfg);

	KUNIT_ASSERT_EQ(test, wdfq_queue_drain_sync(m), 0);
	/* refused on arrival */
	kt_irq_poll_run(test, env, m, -ESHUTDOWN);
	kt_poll_run(test, env, m, -ESHUTDOWN);
	/* routed nowhere */
	kt_irq_poll_run(test, env, NULL, -ENOTTY);
	kt_poll_run(test, env, NULL, -ENOTTY);
	wdfq_queue_start(m);
	kt_end(env);
}

/*
 * Request ids (the trace events' "req") are unique and grow; a cancel
 * reason changes nothing but the trace.
 */
static void ids_grow_and_cancel_reason_cancels(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 4, NULL);
	struct wdfq_queue_config mcfg = KT_MANUAL("m");
	struct wdfq_queue *m = kt_queue(env, &mcfg);
	struct kt_req *a = kt_new_submit(test, env, m, NULL);
	struct kt_req *b = kt_new_submit(test, env, m, NULL);

	KUNIT_EXPECT_GT(test, wdfq_request_id(a->req), 0ULL);
	KUNIT_EXPECT_GT(test, wdfq_request_id(b->req),
			wdfq_request_id(a->req));
	wdfq_request_cancel_reason(a->req, WDFQ_CANCEL_AIO);
	kt_expect_status(test, a, -ECANCELED);
	wdfq_request_cancel_reason(b->req, WDFQ_CANCEL_CLOSE);
	kt_expect_status(test, b, -ECANCELED);
	kt_check_idle(env, m);
	kt_end(env);
}

/*
 * The last reference dropped where sleeping is not allowed: the memory is
 * freed later, never under the caller. If it were freed at once, reading it
 * before the section ends is a use-after-free (KASAN); on PREEMPT_RT the
 * slab allocator itself may sleep there.
 */
static void put_in_atomic_defers_free(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 4, NULL);
	static DEFINE_RAW_SPINLOCK(raw);
	enum wdfq_request_type type;
	struct wdfq_request *req;
	int i;

	for (i = 0; i < 3; i++) {
		req = wdfq_request_alloc(env->dev, WDFQ_REQ_WRITE, NULL,
					 GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, req);
		/* no KUnit call inside: a failed expectation allocates */
		switch (i) {
		case 0:
			preempt_disable();
			wdfq_request_put(req);
			type = wdfq_request_type(req);
			preempt_enable();
			break;
		case 1:
			raw_spin_lock(&raw);
			wdfq_request_put(req);
			type = wdfq_request_type(req);
			raw_spin_unlock(&raw);
			break;
		default:
			local_bh_disable();
			rcu_read_lock_sched();
			wdfq_request_put(req);
			type = wdfq_request_type(req);
			rcu_read_unlock_sched();
			local_bh_enable();
			break;
		}
		KUNIT_EXPECT_EQ_MSG(test, type, WDFQ_REQ_WRITE, "case %d", i);
	}
	/* from a preemptible context it may be freed at once */
	req = wdfq_request_alloc(env->dev, WDFQ_REQ_READ, NULL, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, req);
	wdfq_request_put(req);
	rcu_barrier();
	kt_end(env);
}

/* Driver bugs that must neither hang nor touch freed memory */
static void kt_io_delete_device(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);
	struct kt_rs *rs = kr->env->priv;

	kt_cb_enter(kr->env);
	atomic_inc(&kr->presented);
	wdfq_device_delete(wdfq_queue_device(q));
	atomic_inc(&rs->calls);
	if (wdfq_request_complete(req, 0, 0))
		atomic_inc(&kr->env->bad_ctx);
}

static const struct wdfq_queue_ops kt_io_delete_device_ops = {
	.io_default = kt_io_delete_device,
};

static void device_delete_from_callback_refused(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 8, NULL);
	struct kt_rs *rs = kt_rs_new(env);
	struct wdfq_queue_config scfg = { .name = "seq",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL,
		.ops = &kt_io_delete_device_ops };
	struct wdfq_queue *s;
	struct kt_req *a, *b;

	env->allow_bugs = true;
	s = kt_queue(env, &scfg);
	a = kt_rs_submit(test, env, s);
	kt_rs_expect_status(test, a, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&rs->calls), 1);
	KUNIT_EXPECT_EQ(test, kt_rs_bugs(s), 1);
	/* refused: the device and its queue still work */
	b = kt_rs_submit(test, env, s);
	kt_rs_expect_status(test, b, 0);
	kt_end(env);
}

static void kt_io_delete_queue(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);
	struct kt_rs *rs = kr->env->priv;

	kt_cb_enter(kr->env);
	atomic_inc(&kr->presented);
	wdfq_queue_delete(q);
	atomic_inc(&rs->calls);
	if (wdfq_request_complete(req, 0, 0))
		atomic_inc(&kr->env->bad_ctx);
}

static const struct wdfq_queue_ops kt_io_delete_queue_ops = {
	.io_default = kt_io_delete_queue,
};

static void queue_delete_from_own_callback_refused(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 8, NULL);
	struct kt_rs *rs = kt_rs_new(env);
	struct wdfq_queue_config scfg = { .name = "seq",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL, .scope = WDFQ_SYNC_QUEUE,
		.ops = &kt_io_delete_queue_ops };
	struct wdfq_queue *s;
	struct kt_req *a;

	env->allow_bugs = true;
	s = kt_queue(env, &scfg);
	a = kt_rs_submit(test, env, s);
	kt_rs_expect_status(test, a, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&rs->calls), 1);
	KUNIT_EXPECT_EQ(test, kt_rs_bugs(s), 1);
	/* refused: the queue is intact, and deleted from outside (no leak) */
	kt_check_idle(env, s);
	kt_end(env);
	kt_queue_deleted(env, s);
	wdfq_queue_delete(s);
}

struct kt_blob {
	struct rcu_head rcu;
};

/*
 * Make kfree_rcu() calls made on this CPU take effect: fill the per-CPU
 * batches of objects of @size (a full one goes to call_rcu()), then wait
 * for the grace periods and for the other batches (a cache's destruction
 * waits for them).
 */
static void kt_rs_kfree_rcu_flush(struct kunit *test, size_t size)
{
	struct kmem_cache *c;
	struct kt_blob *b;
	int i;

	for (i = 0; i < 512; i++) {
		b = kmalloc(size, GFP_KERNEL);
		if (!b)
			break;
		kfree_rcu(b, rcu);
	}
	rcu_barrier();
	c = kmem_cache_create("wdfq_kt_flush", 64, 0, 0, NULL);
	kmem_cache_destroy(c);
	rcu_barrier();
}

/* A request completed on a queue that is gone since, memory freed. */
static struct kt_req *kt_rs_orphan(struct kunit *test, struct kt_env *env)
{
	struct wdfq_queue_config mcfg = { .name = "gone",
		.dispatch = WDFQ_DISPATCH_MANUAL };
	struct wdfq_request *got = NULL;
	struct wdfq_queue *m = kt_queue(env, &mcfg);
	struct kt_req *a = kt_rs_submit(test, env, m);
	size_t size = ksize(m);

	KUNIT_ASSERT_EQ(test, wdfq_queue_retrieve_next(m, &got), 0);
	KUNIT_ASSERT_EQ(test, wdfq_request_complete(a->req, 0, 7), 0);
	kt_queue_deleted(env, m);
	/* the queue is freed with kfree_rcu() on this CPU */
	migrate_disable();
	wdfq_queue_delete(m);
	kt_rs_kfree_rcu_flush(test, size);
	migrate_enable();
	return a;
}

static void complete_twice_after_queue_deleted(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 8, NULL);
	struct kt_req *a = kt_rs_orphan(test, env);

	KUNIT_EXPECT_EQ(test, wdfq_request_complete(a->req, -EIO, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, wdfq_request_status(a->req), 0);
	KUNIT_EXPECT_EQ(test, wdfq_request_information(a->req), 7);
	kt_end(env);
}

static void stop_ack_after_queue_deleted(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 8, NULL);
	struct kt_req *a = kt_rs_orphan(test, env);

	wdfq_request_stop_acknowledge(a->req, false);
	wdfq_request_stop_acknowledge(a->req, true);
	KUNIT_EXPECT_EQ(test, wdfq_request_status(a->req), 0);
	kt_end(env);
}

static struct kunit_case wdfq_request_state_cases[] = {
	KUNIT_CASE(forward_after_cancel_claimed_refused),
	KUNIT_CASE(requeue_after_cancel_claimed_refused),
	KUNIT_CASE(forward_from_cancel_routine_refused),
	KUNIT_CASE(stop_ack_requeue_after_cancel_claimed_kept),
	KUNIT_CASE(start_clears_stop_and_purge),
	KUNIT_CASE(start_clears_purge),
	KUNIT_CASE(forward_refused_in_power_down_keeps_io_stop),
	KUNIT_CASE(is_completed_publishes_status),
	KUNIT_CASE(ids_grow_and_cancel_reason_cancels),
	KUNIT_CASE(put_in_atomic_defers_free),
	{}
};

static struct kunit_suite wdfq_request_state_suite = {
	.name = "wdfq_request_state",
	.test_cases = wdfq_request_state_cases,
};

static struct kunit_case wdfq_driver_bug_cases[] = {
	KUNIT_CASE(complete_twice_after_queue_deleted),
	KUNIT_CASE(stop_ack_after_queue_deleted),
	KUNIT_CASE(queue_delete_from_own_callback_refused),
	KUNIT_CASE(device_delete_from_callback_refused),
	{}
};

static struct kunit_suite wdfq_driver_bug_suite = {
	.name = "wdfq_driver_bugs",
	.test_cases = wdfq_driver_bug_cases,
};

kunit_test_suites(&wdfq_request_state_suite, &wdfq_driver_bug_suite);
