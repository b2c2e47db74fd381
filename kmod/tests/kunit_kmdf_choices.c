// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases for the places where the engine could have departed from
 * KMDF and follows it instead: retrieval of a found request, zero-length
 * requests, power-down for removal, and the flags io_stop is given. Each
 * case is named after the behaviour it checks.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>

#include "kunit_helpers.h"

static bool kc_wait_for(struct completion *c)
{
	return wait_for_completion_timeout(c, msecs_to_jiffies(KT_TIMEOUT_MS));
}

static void kc_expect_status(struct kunit *test, struct kt_req *kr, int status)
{
	KUNIT_ASSERT_NOT_NULL(test, kr);
	KUNIT_EXPECT_TRUE_MSG(test, kt_wait_done(kr), "request %d not done",
			      kr->id);
	KUNIT_EXPECT_EQ_MSG(test, wdfq_request_status(kr->req), status,
			    "request %d status", kr->id);
}

static struct kt_req *kc_submit(struct kunit *test, struct kt_env *env,
				struct wdfq_queue *q)
{
	struct kt_req *kr = kt_submit_new(env, q, NULL);

	KUNIT_ASSERT_NOT_NULL(test, kr);
	return kr;
}

/* A zero-length read or write, submitted straight to @q. */
static struct kt_req *kc_submit_zero(struct kunit *test, struct kt_env *env,
				     struct wdfq_queue *q,
				     enum wdfq_request_type type)
{
	struct kt_req *kr = kt_req_new(env, type, NULL);

	KUNIT_ASSERT_NOT_NULL(test, kr);
	wdfq_request_set_buffers(kr->req, NULL, 0, NULL, 0);
	kt_submit_q(q, kr);
	return kr;
}

static void kc_expect_pop(struct kunit *test, struct kt_env *env,
			  struct kt_req *want)
{
	struct kt_req *kr = kt_pop_wait(env);

	KUNIT_ASSERT_NOT_NULL_MSG(test, kr, "nothing presented (want %d)",
				  want->id);
	KUNIT_EXPECT_PTR_EQ_MSG(test, kr, want, "presented %d, want %d",
				kr->id, want->id);
}

static void kc_complete(struct kunit *test, struct kt_req *kr, int status)
{
	KUNIT_EXPECT_EQ_MSG(test, wdfq_request_complete(kr->req, status, 0),
			    0, "completing request %d", kr->id);
}

/* io_stop: record the flags; the case acknowledges. */
static void kc_stop_record(struct wdfq_queue *q, struct wdfq_request *req,
			   unsigned int flags)
{
	struct kt_req *kr = kt_of(req);

	kt_cb_enter(kr->env);
	kr->stop_flags = flags;
	smp_wmb();	/* the flags before the count; pairs with smp_rmb() */
	atomic_inc(&kr->stops);
}

static const struct wdfq_queue_ops kc_hold_stop_record_ops = {
	.io_default = kt_io_hold,
	.io_stop = kc_stop_record,
};

/* wdfq_device_power_down() in a thread: it waits for the answers. */
struct kc_pd {
	struct wdfq_device *dev;
	unsigned int flags;
	struct completion done;
	struct kt_threads th;
};

static int kc_power_down_thread(void *arg, int idx)
{
	struct kc_pd *pd = arg;

	wdfq_device_power_down(pd->dev, pd->flags);
	complete(&pd->done);
	return 0;
}

static void kc_power_down_start(struct kunit *test, struct kc_pd *pd,
				struct wdfq_device *dev, unsigned int flags)
{
	memset(pd, 0, sizeof(*pd));
	pd->dev = dev;
	pd->flags = flags;
	init_completion(&pd->done);
	kt_threads_start(test, &pd->th, 1, kc_power_down_thread, pd);
}

/* Abort the case if power-down hangs: the device is then unusable. */
static void kc_power_down_wait(struct kunit *test, struct kc_pd *pd)
{
	KUNIT_ASSERT_TRUE(test, kc_wait_for(&pd->done));
	KUNIT_EXPECT_TRUE(test, kt_threads_wait(&pd->th));
}

static const struct wdfq_queue_ops kc_hold_ops = {
	.io_default = kt_io_hold,
};

#define KC_SEQ(n) { .name = (n), .dispatch = WDFQ_DISPATCH_SEQUENTIAL, \
		    .ops = &kc_hold_ops }
#define KC_MANUAL(n) { .name = (n), .dispatch = WDFQ_DISPATCH_MANUAL }

/*
 * KMDF 1.11 and later refuse WdfIoQueueRetrieveFoundRequest on any queue
 * but a manual one: on a SEQUENTIAL queue it would hand out a second
 * driver-owned request behind the back of the dispatcher.
 */
static void retrieve_found_only_on_manual_queues(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 8, NULL);
	struct wdfq_queue_config scfg = KC_SEQ("seq");
	struct wdfq_queue_config mcfg = KC_MANUAL("man");
	struct wdfq_request *found = NULL;
	struct wdfq_queue_state st;
	struct wdfq_queue *s, *m;
	struct kt_req *a, *b, *c;

	s = kt_queue(env, &scfg);
	m = kt_queue(env, &mcfg);

	a = kc_submit(test, env, s);
	kc_expect_pop(test, env, a);
	b = kc_submit(test, env, s);
	KUNIT_ASSERT_EQ(test, wdfq_queue_find_request(s, NULL, NULL, &found),
			0);
	KUNIT_EXPECT_PTR_EQ(test, found, b->req);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_found(s, found), -EINVAL);
	wdfq_request_put(found);
	kt_state(s, &st);
	KUNIT_EXPECT_EQ(test, st.queued, 1);
	KUNIT_EXPECT_EQ(test, st.driver_owned, 1);
	/* b is still the dispatcher's to present. */
	kc_complete(test, a, 0);
	kc_expect_pop(test, env, b);
	kc_complete(test, b, 0);

	/* A manual queue hands it out. */
	c = kc_submit(test, env, m);
	KUNIT_ASSERT_EQ(test, wdfq_queue_find_request(m, NULL, NULL, &found),
			0);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_found(m, found), 0);
	wdfq_request_put(found);
	kc_complete(test, c, 0);
	kt_end(env);
}

/*
 * KMDF completes a zero-length read or write when it would present it (or
 * hand it out by retrieval), not when it arrives: a stopped or powered-off
 * queue keeps it queued, it keeps its place in the FIFO, and a purge
 * cancels it like any other queued request.
 */
static void zero_length_completes_at_dispatch(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 16, NULL);
	struct wdfq_queue_config scfg = KC_SEQ("seq");
	struct wdfq_queue_config mcfg = KC_MANUAL("man");
	struct wdfq_request *got = NULL, *found = NULL;
	struct kt_req *z[6], *a, *b, *c;
	struct wdfq_queue_state st;
	struct wdfq_queue *s, *m;

	scfg.power_managed = true;
	s = kt_queue(env, &scfg);
	m = kt_queue(env, &mcfg);

	/* Stopped: it waits for the start. */
	KUNIT_ASSERT_EQ(test, wdfq_queue_stop(s, NULL, NULL), 0);
	z[0] = kc_submit_zero(test, env, s, WDFQ_REQ_READ);
	KUNIT_EXPECT_EQ(test, atomic_read(&z[0]->done), 0);
	kt_state(s, &st);
	KUNIT_EXPECT_EQ(test, st.queued, 1);
	wdfq_queue_start(s);
	kc_expect_status(test, z[0], 0);
	KUNIT_EXPECT_EQ(test, wdfq_request_information(z[0]->req), 0);

	/* In FIFO order: behind the driver-owned request of a SEQUENTIAL queue. */
	a = kc_submit(test, env, s);
	kc_expect_pop(test, env, a);
	z[1] = kc_submit_zero(test, env, s, WDFQ_REQ_WRITE);
	b = kc_submit(test, env, s);
	KUNIT_EXPECT_EQ(test, atomic_read(&z[1]->done), 0);
	kc_complete(test, a, 0);
	kc_expect_status(test, z[1], 0);
	kc_expect_pop(test, env, b);
	kc_complete(test, b, 0);

	/* Powered off: it waits for power. */
	KUNIT_EXPECT_EQ(test, wdfq_device_power_down(env->dev,
						     WDFQ_STOP_SUSPEND), 0);
	z[2] = kc_submit_zero(test, env, s, WDFQ_REQ_READ);
	KUNIT_EXPECT_EQ(test, atomic_read(&z[2]->done), 0);
	wdfq_device_power_up(env->dev);
	kc_expect_status(test, z[2], 0);
	kt_state(s, &st);
	KUNIT_EXPECT_EQ(test, st.presented, 2);	/* a and b only */

	/* Manual: retrieval completes it and hands out the next one. */
	z[3] = kc_submit_zero(test, env, m, WDFQ_REQ_READ);
	c = kc_submit(test, env, m);
	KUNIT_EXPECT_EQ(test, atomic_read(&z[3]->done), 0);
	KUNIT_ASSERT_EQ(test, wdfq_queue_retrieve_next(m, &got), 0);
	KUNIT_EXPECT_PTR_EQ(test, got, c->req);
	kc_expect_status(test, z[3], 0);
	kc_complete(test, c, 0);
	z[4] = kc_submit_zero(test, env, m, WDFQ_REQ_WRITE);
	KUNIT_ASSERT_EQ(test, wdfq_queue_find_request(m, NULL, NULL, &found),
			0);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_found(m, found), -ENOENT);
	wdfq_request_put(found);
	kc_expect_status(test, z[4], 0);
	kt_state(m, &st);
	KUNIT_EXPECT_EQ(test, st.presented, 1);	/* c only */

	/* Queued, so a purge cancels it. */
	KUNIT_ASSERT_EQ(test, wdfq_queue_stop(s, NULL, NULL), 0);
	z[5] = kc_submit_zero(test, env, s, WDFQ_REQ_READ);
	KUNIT_EXPECT_EQ(test, wdfq_queue_purge_sync(s), 0);
	kc_expect_status(test, z[5], -ECANCELED);
	kt_end(env);
}

/*
 * The submitter may complete its own zero-length request inline, in every
 * scope; that is engine work, not a presentation: no scope mutex is left
 * held and no presentation stays counted, so the next request is presented.
 */
static void zero_length_inline_in_every_scope(struct kunit *test)
{
	static const enum wdfq_sync_scope scopes[] = {
		WDFQ_SYNC_NONE, WDFQ_SYNC_QUEUE, WDFQ_SYNC_DEVICE,
	};
	struct kt_env *env = kt_env_create(test, 16, NULL);
	struct wdfq_queue_config cfg = KC_SEQ("scoped");
	struct kc_pd *pd = kt_zalloc(env, sizeof(*pd));
	struct wdfq_queue_state st;
	struct wdfq_queue *q = NULL;
	struct kt_req *z, *a, *h;
	int i;

	cfg.power_managed = true;
	cfg.ops = &kc_hold_stop_record_ops;

	for (i = 0; i < ARRAY_SIZE(scopes); i++) {
		cfg.scope = scopes[i];
		cfg.context = NULL;
		q = kt_queue(env, &cfg);
		z = kc_submit_zero(test, env, q, WDFQ_REQ_READ);
		kc_expect_status(test, z, 0);
		a = kc_submit(test, env, q);
		kc_expect_pop(test, env, a);
		kc_complete(test, a, 0);
		kt_state(q, &st);
		KUNIT_EXPECT_EQ(test, st.presented, 1);
		KUNIT_EXPECT_EQ(test, st.completed, 2);
	}
	/* io_stop still comes: nothing counts as being presented */
	h = kc_submit(test, env, q);
	kc_expect_pop(test, env, h);
	kc_power_down_start(test, pd, env->dev, WDFQ_STOP_SUSPEND);
	KUNIT_EXPECT_TRUE(test, KT_WAIT(atomic_read(&h->stops) == 1));
	wdfq_request_stop_acknowledge(h->req, false);
	kc_power_down_wait(test, pd);
	wdfq_device_power_up(env->dev);
	kc_complete(test, h, 0);
	kt_end(env);
}

/*
 * KMDF's power-down for removal purges each power-managed queue before it
 * calls EvtIoStop with the purge action: queued requests are cancelled,
 * cancelable driver-owned ones get their cancel routine (and no EvtIoStop),
 * new requests are refused, and an acknowledgment with requeue cancels
 * the request. The queue stays purged after power-up until it is started.
 */
static void power_down_purge_purges_power_managed_queues(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 16, NULL);
	struct wdfq_queue_config pcfg = { .name = "pm-par",
		.dispatch = WDFQ_DISPATCH_PARALLEL, .power_managed = true,
		.ops = &kc_hold_stop_record_ops };
	struct wdfq_queue_config mcfg = KC_MANUAL("pm-man");
	struct wdfq_queue_config ncfg = KC_SEQ("not-pm");
	struct kt_req *a, *b, *c, *d, *e, *f, *qd, *x;
	struct wdfq_queue *p, *m, *n;
	struct wdfq_queue_state st;
	struct kc_pd *pd = kt_zalloc(env, sizeof(*pd));

	mcfg.power_managed = true;
	p = kt_queue(env, &pcfg);
	m = kt_queue(env, &mcfg);
	n = kt_queue(env, &ncfg);

	a = kc_submit(test, env, p);	/* acknowledged with requeue */
	kc_expect_pop(test, env, a);
	b = kc_submit(test, env, p);	/* cancelable */
	kc_expect_pop(test, env, b);
	KUNIT_ASSERT_EQ(test, wdfq_request_mark_cancelable(b->req,
							   kt_cancel_complete),
			0);
	c = kc_submit(test, env, p);	/* acknowledged, kept */
	kc_expect_pop(test, env, c);
	qd = kc_submit(test, env, m);	/* queued */
	x = kc_submit(test, env, n);	/* not power-managed */
	kc_expect_pop(test, env, x);

	kc_power_down_start(test, pd, env->dev, WDFQ_STOP_PURGE);
	KUNIT_EXPECT_TRUE(test, KT_WAIT(atomic_read(&a->stops) == 1 &&
					atomic_read(&c->stops) == 1));
	smp_rmb();	/* pairs with kc_stop_record()'s smp_wmb() */
	KUNIT_EXPECT_EQ(test, a->stop_flags, WDFQ_STOP_PURGE);
	KUNIT_EXPECT_EQ(test, c->stop_flags, WDFQ_STOP_PURGE);
	kc_expect_status(test, qd, -ECANCELED);
	kc_expect_status(test, b, -ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->cancel_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->stops), 0);
	/* Refused while purging. */
	d = kc_submit(test, env, p);
	kc_expect_status(test, d, -ESHUTDOWN);
	/* A requeue turns into cancellation. */
	wdfq_request_stop_acknowledge(a->req, true);
	kc_expect_status(test, a, -ECANCELED);
	wdfq_request_stop_acknowledge(c->req, false);
	kc_power_down_wait(test, pd);
	/* The queue that is not power-managed is left alone. */
	kt_state(n, &st);
	KUNIT_EXPECT_TRUE(test, st.accepting);
	kc_complete(test, x, 0);

	wdfq_device_power_up(env->dev);
	kc_complete(test, c, 0);
	kt_state(p, &st);
	KUNIT_EXPECT_FALSE(test, st.accepting);
	kt_state(m, &st);
	KUNIT_EXPECT_FALSE(test, st.accepting);
	e = kc_submit(test, env, p);
	kc_expect_status(test, e, -ESHUTDOWN);
	wdfq_queue_start(p);
	f = kc_submit(test, env, p);
	kc_expect_pop(test, env, f);
	kc_complete(test, f, 0);
	wdfq_queue_start(m);
	kt_end(env);
}

/*
 * KMDF stops I/O with the hold action when the device leaves D0, and purges
 * at removal even though the device is already off: the removal still
 * purges, and the requests the driver kept get io_stop again, with PURGE.
 */
static void power_down_purge_after_suspend_still_purges(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 8, NULL);
	struct wdfq_queue_config pcfg = { .name = "pm-seq",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL, .power_managed = true,
		.ops = &kc_hold_stop_record_ops };
	struct kc_pd *pd = kt_zalloc(env, sizeof(*pd));
	struct wdfq_queue_state st;
	struct wdfq_queue *p;
	struct kt_req *c, *qd;

	p = kt_queue(env, &pcfg);
	c = kc_submit(test, env, p);
	kc_expect_pop(test, env, c);
	qd = kc_submit(test, env, p);

	kc_power_down_start(test, pd, env->dev, WDFQ_STOP_SUSPEND);
	KUNIT_EXPECT_TRUE(test, KT_WAIT(atomic_read(&c->stops) == 1));
	smp_rmb();	/* pairs with kc_stop_record()'s smp_wmb() */
	KUNIT_EXPECT_EQ(test, c->stop_flags, WDFQ_STOP_SUSPEND);
	wdfq_request_stop_acknowledge(c->req, false);
	kc_power_down_wait(test, pd);
	KUNIT_EXPECT_EQ(test, atomic_read(&qd->done), 0);

	/* Removal while off. */
	kc_power_down_start(test, pd, env->dev, WDFQ_STOP_PURGE);
	kc_expect_status(test, qd, -ECANCELED);
	KUNIT_EXPECT_TRUE(test, KT_WAIT(atomic_read(&c->stops) == 2));
	smp_rmb();	/* pairs with kc_stop_record()'s smp_wmb() */
	KUNIT_EXPECT_EQ(test, c->stop_flags, WDFQ_STOP_PURGE);
	wdfq_request_stop_acknowledge(c->req, false);
	kc_power_down_wait(test, pd);
	kt_state(p, &st);
	KUNIT_EXPECT_FALSE(test, st.accepting);
	/* Once purged, a second removal has nothing more to do. */
	KUNIT_EXPECT_EQ(test, wdfq_device_power_down(env->dev,
						     WDFQ_STOP_PURGE), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->stops), 2);

	wdfq_device_power_up(env->dev);
	kc_complete(test, c, 0);
	wdfq_queue_start(p);
	kt_end(env);
}

/*
 * A DEVICE-scope handler of a second queue holds the device's callback
 * mutex until the case lets it go; io_stop of the first queue waits for
 * that mutex. Whatever the handler (or the caller) does to the request
 * meanwhile must show in what io_stop is told.
 */
struct kc_gate {
	struct completion entered;
	struct completion go;
	struct kt_req *target;
	bool unmark;
	int unmark_rc;
};

static void kc_io_gate(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct kc_gate *g = wdfq_queue_context(q);
	struct kt_req *kr = kt_of(req);

	kt_cb_enter(kr->env);
	complete(&g->entered);
	if (!wait_for_completion_timeout(&g->go,
					 msecs_to_jiffies(KT_TIMEOUT_MS)))
		atomic_inc(&kr->env->bad_ctx);
	if (g->unmark)
		g->unmark_rc = wdfq_request_unmark_cancelable(g->target->req);
	if (wdfq_request_complete(req, 0, 0))
		atomic_inc(&kr->env->bad_ctx);
}

static int kc_submit_thread(void *arg, int idx)
{
	kt_submit(arg);
	return 0;
}

/* Hold the device mutex in the gate, power down, act, let the gate go. */
static void kc_gated_power_down(struct kunit *test, struct kt_env *env,
				struct kc_gate *g, struct kc_pd *pd,
				void (*act)(struct kt_req *target))
{
	struct kt_threads *th = kt_zalloc(env, sizeof(*th));
	struct kt_req *s;

	init_completion(&g->entered);
	init_completion(&g->go);
	s = kt_req_new(env, WDFQ_REQ_WRITE, NULL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	/* the handler blocks: not in the test thread */
	kt_threads_start(test, th, 1, kc_submit_thread, s);
	KUNIT_ASSERT_TRUE(test, kc_wait_for(&g->entered));
	kc_power_down_start(test, pd, env->dev, WDFQ_STOP_SUSPEND);
	/*
	 * Let the engine take up io_stop, which then waits for the mutex.
	 * If it is slower than this, the case still holds; it only stops
	 * telling a stale snapshot from a fresh one.
	 */
	msleep(200);
	if (act)
		act(g->target);
	complete(&g->go);
	kc_expect_status(test, s, 0);
	KUNIT_EXPECT_TRUE(test, kt_threads_wait(th));
}

static void kc_cancel(struct kt_req *target)
{
	wdfq_request_cancel(target->req);
}

static const struct wdfq_queue_ops kc_io_gate_ops = {
	.io_default = kc_io_gate,
};

static void io_stop_flags_computed_at_delivery(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 8, NULL);
	struct kc_gate *g = kt_zalloc(env, sizeof(*g));
	struct kc_pd *pd = kt_zalloc(env, sizeof(*pd));
	struct wdfq_queue_config acfg = { .name = "pm-dev",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL, .power_managed = true,
		.scope = WDFQ_SYNC_DEVICE,
		.ops = &kc_hold_stop_record_ops };
	struct wdfq_queue_config bcfg = { .name = "gate",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL,
		.scope = WDFQ_SYNC_DEVICE,
		.context = g,
		.ops = &kc_io_gate_ops };
	struct wdfq_queue *a, *b;
	struct kt_req *r;

	a = kt_queue(env, &acfg);
	b = kt_queue(env, &bcfg);
	KUNIT_ASSERT_EQ(test, wdfq_device_route(env->dev, WDFQ_REQ_WRITE, b),
			0);

	r = kc_submit(test, env, a);
	kc_expect_pop(test, env, r);
	KUNIT_ASSERT_EQ(test, wdfq_request_mark_cancelable(r->req,
							   kt_cancel_complete),
			0);
	g->target = r;
	g->unmark = true;
	kc_gated_power_down(test, env, g, pd, NULL);
	KUNIT_EXPECT_EQ(test, g->unmark_rc, 0);
	KUNIT_EXPECT_TRUE(test, KT_WAIT(atomic_read(&r->stops) == 1));
	smp_rmb();	/* pairs with kc_stop_record()'s smp_wmb() */
	/* no longer cancelable when io_stop ran */
	KUNIT_EXPECT_EQ(test, r->stop_flags, WDFQ_STOP_SUSPEND);
	wdfq_request_stop_acknowledge(r->req, false);
	kc_power_down_wait(test, pd);
	wdfq_device_power_up(env->dev);
	kc_complete(test, r, 0);
	kt_end(env);
}

/*
 * KMDF does not call EvtIoStop for a request that was cancelled: its cancel
 * routine completes it, and power-down waits for that.
 */
static void io_stop_not_delivered_once_cancel_routine_claimed(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 8, NULL);
	struct kc_gate *g = kt_zalloc(env, sizeof(*g));
	struct kc_pd *pd = kt_zalloc(env, sizeof(*pd));
	struct wdfq_queue_config acfg = { .name = "pm-dev",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL, .power_managed = true,
		.scope = WDFQ_SYNC_DEVICE,
		.ops = &kc_hold_stop_record_ops };
	struct wdfq_queue_config bcfg = { .name = "gate",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL,
		.scope = WDFQ_SYNC_DEVICE,
		.context = g,
		.ops = &kc_io_gate_ops };
	struct wdfq_queue *a, *b;
	struct kt_req *r;

	a = kt_queue(env, &acfg);
	b = kt_queue(env, &bcfg);
	KUNIT_ASSERT_EQ(test, wdfq_device_route(env->dev, WDFQ_REQ_WRITE, b),
			0);

	r = kc_submit(test, env, a);
	kc_expect_pop(test, env, r);
	KUNIT_ASSERT_EQ(test, wdfq_request_mark_cancelable(r->req,
							   kt_cancel_complete),
			0);
	g->target = r;
	kc_gated_power_down(test, env, g, pd, kc_cancel);
	kc_expect_status(test, r, -ECANCELED);
	kc_power_down_wait(test, pd);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->cancel_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->stops), 0);
	wdfq_device_power_up(env->dev);
	kt_end(env);
}

static struct kunit_case wdfq_kmdf_choices_cases[] = {
	KUNIT_CASE(retrieve_found_only_on_manual_queues),
	KUNIT_CASE(zero_length_completes_at_dispatch),
	KUNIT_CASE(zero_length_inline_in_every_scope),
	KUNIT_CASE(power_down_purge_purges_power_managed_queues),
	KUNIT_CASE(power_down_purge_after_suspend_still_purges),
	KUNIT_CASE(io_stop_flags_computed_at_delivery),
	KUNIT_CASE(io_stop_not_delivered_once_cancel_routine_claimed),
	{}
};

static struct kunit_suite wdfq_kmdf_choices_suite = {
	.name = "wdfq_kmdf_choices",
	.test_cases = wdfq_kmdf_choices_cases,
};

kunit_test_suite(wdfq_kmdf_choices_suite);
