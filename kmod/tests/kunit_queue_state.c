// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases for the wdfq engine. Queue state changes: start, stop, drain,
 * purge, stop-and-purge, the refusals of a non-accepting queue and of a
 * second pending callback, and the state and counters of
 * wdfq_queue_get_state().
 *
 * Each case checks the balance of every queue at its end (kt_end()) and,
 * through the environment's release action, that every submitted request
 * completed exactly once.
 */
#include <kunit/test.h>

#include "kunit_helpers.h"

/*
 * stop_keeps_accepting_and_holds_dispatch: A stopped queue accepts but
 * presents nothing; its callback runs once nothing is driver-owned; start
 * resumes dispatching.
 * See Documentation/wdfq/queue-model.rst, Rule 5.
 */
static void stop_keeps_accepting_and_holds_dispatch(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 16, NULL);
	struct wdfq_queue_config scfg = KT_SEQ_HOLD("seq");
	struct wdfq_queue_state st;
	struct kt_statecb *sc = kt_statecb_new(env);
	struct wdfq_queue *s;
	struct kt_req *a, *b, *c;

	s = kt_queue(env, &scfg);
	a = kt_new_submit(test, env, s, NULL);
	kt_expect_pop(test, env, a);
	b = kt_new_submit(test, env, s, NULL);

	KUNIT_EXPECT_EQ(test, KT_CALL_STATE(sc, wdfq_queue_stop(s, kt_state_fn, sc)), 0);
	kt_state(s, &st);
	KUNIT_EXPECT_TRUE(test, st.accepting);
	KUNIT_EXPECT_FALSE(test, st.dispatching);
	KUNIT_EXPECT_EQ(test, wdfq_queue_stop(s, kt_state_fn, sc), -EBUSY);
	kt_settle(env);
	KUNIT_EXPECT_EQ(test, atomic_read(&sc->calls), 0);	/* a owned */

	/* Still accepting; nothing presented. */
	c = kt_new_submit(test, env, s, NULL);
	kt_state(s, &st);
	KUNIT_EXPECT_EQ(test, st.queued, 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->done), 0);

	kt_expect_complete(test, a, 0, 0);
	KUNIT_EXPECT_TRUE(test, KT_WAIT(atomic_read(&sc->calls) == 1));
	smp_rmb();	/* pairs with the callback's smp_wmb() */
	KUNIT_EXPECT_EQ(test, sc->owned, 0);
	KUNIT_EXPECT_EQ(test, sc->queued, 2);	/* queued requests stay */
	kt_expect_quiet(test, env);
	KUNIT_EXPECT_EQ(test, atomic_read(&sc->calls), 1);

	wdfq_queue_start(s);
	kt_state(s, &st);
	KUNIT_EXPECT_TRUE(test, st.dispatching);
	kt_expect_pop(test, env, b);
	kt_expect_complete(test, b, 0, 0);
	kt_expect_pop(test, env, c);

	/* stop_sync sleeps until nothing is driver-owned. */
	kt_complete_later(c, 100);
	KUNIT_EXPECT_EQ(test, wdfq_queue_stop_sync(s), 0);
	KUNIT_EXPECT_TRUE(test, wdfq_request_is_completed(c->req));
	KUNIT_EXPECT_EQ(test, wdfq_queue_stop_sync(s), 0);
	wdfq_queue_start(s);
	KUNIT_EXPECT_EQ(test, atomic_read(&sc->bad), 0);
	kt_end(env);
}

/*
 * drain_refuses_new_and_presents_queued: A draining queue refuses new
 * requests, still presents what is queued, and calls back once nothing is
 * queued or driver-owned.
 * See Documentation/wdfq/queue-model.rst, Rule 6.
 */
static void drain_refuses_new_and_presents_queued(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 16, NULL);
	struct wdfq_queue_config scfg = KT_SEQ_HOLD("seq");
	struct kt_statecb *sc = kt_statecb_new(env);
	struct kt_statecb *sc2 = kt_statecb_new(env);
	struct wdfq_queue_state st;
	struct kt_req *r[3], *d, *e, *f;
	struct wdfq_queue *s;
	int i;

	s = kt_queue(env, &scfg);
	for (i = 0; i < 3; i++)
		r[i] = kt_new_submit(test, env, s, NULL);
	kt_expect_pop(test, env, r[0]);

	KUNIT_EXPECT_EQ(test, KT_CALL_STATE(sc, wdfq_queue_drain(s, kt_state_fn, sc)), 0);
	kt_state(s, &st);
	KUNIT_EXPECT_FALSE(test, st.accepting);
	KUNIT_EXPECT_TRUE(test, st.dispatching);
	d = kt_new_submit(test, env, s, NULL);
	kt_expect_status(test, d, -ESHUTDOWN);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->presented), 0);
	KUNIT_EXPECT_EQ(test, wdfq_queue_drain(s, kt_state_fn, sc), -EBUSY);
	KUNIT_EXPECT_EQ(test, wdfq_queue_purge(s, kt_state_fn, sc), -EBUSY);

	/* Dispatch goes on; the callback waits for the last one. */
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, atomic_read(&sc->calls), 0);
		kt_expect_complete(test, r[i], 0, 0);
		if (i < 2)
			kt_expect_pop(test, env, r[i + 1]);
	}
	KUNIT_EXPECT_TRUE(test, KT_WAIT(atomic_read(&sc->calls) == 1));
	smp_rmb();	/* pairs with the callback's smp_wmb() */
	KUNIT_EXPECT_EQ(test, sc->queued, 0);
	KUNIT_EXPECT_EQ(test, sc->owned, 0);

	/* A stopped queue finishes draining only once started. */
	wdfq_queue_start(s);
	kt_state(s, &st);
	KUNIT_EXPECT_TRUE(test, st.accepting);
	KUNIT_EXPECT_EQ(test, wdfq_queue_stop(s, NULL, NULL), 0);
	e = kt_new_submit(test, env, s, NULL);
	KUNIT_EXPECT_EQ(test, wdfq_queue_drain(s, kt_state_fn, sc2), 0);
	kt_expect_quiet(test, env);
	KUNIT_EXPECT_EQ(test, atomic_read(&sc2->calls), 0);
	wdfq_queue_start(s);
	kt_expect_pop(test, env, e);
	KUNIT_EXPECT_EQ(test, atomic_read(&sc2->calls), 0);
	kt_expect_complete(test, e, 0, 0);
	KUNIT_EXPECT_TRUE(test, KT_WAIT(atomic_read(&sc2->calls) == 1));

	/* drain_sync sleeps until empty. */
	wdfq_queue_start(s);
	f = kt_new_submit(test, env, s, NULL);
	kt_expect_pop(test, env, f);
	kt_complete_later(f, 100);
	KUNIT_EXPECT_EQ(test, wdfq_queue_drain_sync(s), 0);
	KUNIT_EXPECT_TRUE(test, wdfq_request_is_completed(f->req));
	wdfq_queue_start(s);
	kt_settle(env);
	KUNIT_EXPECT_EQ(test, atomic_read(&sc->calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&sc->bad) + atomic_read(&sc2->bad), 0);
	kt_end(env);
}

/*
 * purge_and_stop_and_purge_cancel_queued: Purge cancels what is queued and
 * refuses new requests; stop-and-purge cancels what is queued and keeps
 * accepting; both wait for the driver-owned requests that are not
 * cancelable.
 * See Documentation/wdfq/queue-model.rst, Rule 7.
 */
static void purge_and_stop_and_purge_cancel_queued(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 32, NULL);
	struct wdfq_queue_config pcfg = KT_PAR_HOLD("par2", 2);
	struct wdfq_queue_config mcfg = KT_MANUAL("man");
	struct kt_req *a, *b, *q[3], *f, *m0, *m1, *m2, *g, *h, *i1, *i2, *k;
	struct wdfq_request *got = NULL;
	struct kt_statecb *sc = kt_statecb_new(env);
	struct kt_statecb *sc2 = kt_statecb_new(env);
	struct wdfq_queue_state st;
	struct wdfq_queue *p, *m;
	int i, ret;

	p = kt_queue(env, &pcfg);
	m = kt_queue(env, &mcfg);

	a = kt_new_submit(test, env, p, NULL);
	b = kt_new_submit(test, env, p, NULL);
	kt_expect_pop(test, env, a);
	kt_expect_pop(test, env, b);
	KUNIT_EXPECT_EQ(test, wdfq_request_mark_cancelable(a->req,
							   kt_cancel_complete), 0);
	for (i = 0; i < 3; i++)
		q[i] = kt_new_submit(test, env, p, NULL);

	KUNIT_EXPECT_EQ(test, KT_CALL_STATE(sc, wdfq_queue_purge(p, kt_state_fn, sc)), 0);
	for (i = 0; i < 3; i++)
		kt_expect_status(test, q[i], -ECANCELED);
	kt_expect_status(test, a, -ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->cancel_calls), 1);
	/* While purging, mark-cancelable turns into cancellation. */
	KUNIT_EXPECT_EQ(test, wdfq_request_mark_cancelable(b->req,
							   kt_cancel_complete),
			-ECANCELED);
	f = kt_new_submit(test, env, p, NULL);
	kt_expect_status(test, f, -ESHUTDOWN);
	kt_settle(env);
	KUNIT_EXPECT_EQ(test, atomic_read(&sc->calls), 0);	/* b owned */
	KUNIT_EXPECT_EQ(test, atomic_read(&b->cancel_calls), 0);
	kt_expect_complete(test, b, 0, 0);
	KUNIT_EXPECT_TRUE(test, KT_WAIT(atomic_read(&sc->calls) == 1));
	kt_state(p, &st);
	KUNIT_EXPECT_EQ(test, st.canceled, 3);
	KUNIT_EXPECT_FALSE(test, st.accepting);

	/* While purging, requeue turns into cancellation. */
	m0 = kt_new_submit(test, env, m, NULL);
	m1 = kt_new_submit(test, env, m, NULL);
	KUNIT_ASSERT_EQ(test, wdfq_queue_retrieve_next(m, &got), 0);
	KUNIT_EXPECT_EQ(test, wdfq_queue_purge(m, NULL, NULL), 0);
	kt_expect_status(test, m1, -ECANCELED);
	KUNIT_EXPECT_EQ(test, wdfq_request_requeue(m0->req), 0);
	kt_expect_status(test, m0, -ECANCELED);
	wdfq_queue_start(m);
	m2 = kt_new_submit(test, env, m, NULL);
	KUNIT_EXPECT_EQ(test, wdfq_queue_purge_sync(m), 0);
	kt_expect_status(test, m2, -ECANCELED);
	wdfq_queue_start(m);

	/* Stop-and-purge: cancel what is there, keep accepting, no dispatch. */
	wdfq_queue_start(p);
	g = kt_new_submit(test, env, p, NULL);
	h = kt_new_submit(test, env, p, NULL);
	kt_expect_pop(test, env, g);
	kt_expect_pop(test, env, h);
	KUNIT_EXPECT_EQ(test, wdfq_request_mark_cancelable(g->req,
							   kt_cancel_complete), 0);
	i1 = kt_new_submit(test, env, p, NULL);
	i2 = kt_new_submit(test, env, p, NULL);
	ret = KT_CALL_STATE(sc2, wdfq_queue_stop_and_purge(p, kt_state_fn, sc2));
	KUNIT_EXPECT_EQ(test, ret, 0);
	kt_expect_status(test, i1, -ECANCELED);
	kt_expect_status(test, i2, -ECANCELED);
	kt_expect_status(test, g, -ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&g->cancel_calls), 1);
	kt_state(p, &st);
	KUNIT_EXPECT_TRUE(test, st.accepting);
	KUNIT_EXPECT_FALSE(test, st.dispatching);
	k = kt_new_submit(test, env, p, NULL);
	kt_settle(env);
	KUNIT_EXPECT_EQ(test, atomic_read(&sc2->calls), 0);	/* h owned */
	kt_expect_complete(test, h, 0, 0);
	KUNIT_EXPECT_TRUE(test, KT_WAIT(atomic_read(&sc2->calls) == 1));
	kt_expect_quiet(test, env);
	KUNIT_EXPECT_EQ(test, atomic_read(&k->done), 0);
	kt_state(p, &st);
	KUNIT_EXPECT_EQ(test, st.queued, 1);
	wdfq_queue_start(p);
	kt_expect_pop(test, env, k);
	kt_expect_complete(test, k, 0, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&sc->bad) + atomic_read(&sc2->bad), 0);
	kt_end(env);
}

/* Calling every *_sync variant from a callback */
struct kt_sync_refusal {
	struct wdfq_queue *other;	/* DEVICE-scope sibling, or NULL */
	int rc[5];
	atomic_t ran;
};

static void kt_io_sync_refuse(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);
	struct kt_sync_refusal *sr = kr->env->priv;
	struct wdfq_queue *t = sr->other ? sr->other : q;

	kt_cb_enter(kr->env);
	atomic_inc(&kr->presented);
	sr->rc[0] = wdfq_queue_stop_sync(t);
	sr->rc[1] = wdfq_queue_drain_sync(t);
	sr->rc[2] = wdfq_queue_purge_sync(t);
	sr->rc[3] = wdfq_queue_stop_and_purge_sync(t);
	sr->rc[4] = wdfq_request_complete(req, 0, 0);
	smp_wmb();	/* fields before the count; pairs with smp_rmb() */
	atomic_inc(&sr->ran);
}

static const struct wdfq_queue_ops kt_io_sync_refuse_ops = {
	.io_default = kt_io_sync_refuse,
};

/*
 * not_accepting_second_callback_and_sync_refused: A non-accepting queue
 * completes new requests with -ESHUTDOWN, a second pending callback is
 * refused with -EBUSY, and a *_sync call from a callback with -EDEADLK.
 * See Documentation/wdfq/queue-model.rst, Rule 8.
 */
static void
not_accepting_second_callback_and_sync_refused(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 16, NULL);
	struct wdfq_queue_config scfg = KT_SEQ_HOLD("seq");
	struct wdfq_queue_config tcfg = KT_SEQ_HOLD("dest");
	struct wdfq_queue_config ycfg = { .name = "sync-self",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL, .scope = WDFQ_SYNC_QUEUE,
		.ops = &kt_io_sync_refuse_ops };
	struct wdfq_queue_config d1cfg = { .name = "dev1",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL, .scope = WDFQ_SYNC_DEVICE,
		.ops = &kt_io_sync_refuse_ops };
	struct wdfq_queue_config d2cfg = KT_SEQ_HOLD("dev2");
	struct wdfq_queue *s, *t, *y, *d1, *d2;
	struct kt_sync_refusal *sr = kt_zalloc(env, sizeof(*sr));
	struct kt_statecb *sc = kt_statecb_new(env);
	struct kt_statecb *sc2 = kt_statecb_new(env);
	struct wdfq_queue_state st;
	struct kt_req *x, *a, *b, *c;
	int i;

	env->priv = sr;
	/* The engine may count -EDEADLK refusals as driver bugs. */
	env->allow_bugs = true;
	d2cfg.scope = WDFQ_SYNC_DEVICE;
	s = kt_queue(env, &scfg);
	t = kt_queue(env, &tcfg);
	y = kt_queue(env, &ycfg);
	d1 = kt_queue(env, &d1cfg);
	d2 = kt_queue(env, &d2cfg);

	/* Arrival at a queue that does not accept: completed at once. */
	KUNIT_EXPECT_EQ(test, wdfq_queue_drain_sync(t), 0);
	x = kt_new_submit(test, env, t, NULL);
	kt_expect_status(test, x, -ESHUTDOWN);
	KUNIT_EXPECT_EQ(test, atomic_read(&x->presented), 0);
	/* A forward to it fails and the driver keeps the request. */
	a = kt_new_submit(test, env, s, NULL);
	kt_expect_pop(test, env, a);
	KUNIT_EXPECT_EQ(test, wdfq_request_forward(a->req, t), -ESHUTDOWN);
	KUNIT_EXPECT_FALSE(test, wdfq_request_is_completed(a->req));
	kt_state(s, &st);
	KUNIT_EXPECT_EQ(test, st.driver_owned, 1);
	KUNIT_EXPECT_EQ(test, st.forwarded_out, 0);
	kt_expect_complete(test, a, 0, 0);
	wdfq_queue_start(t);

	/* One pending stop and one pending drain/purge callback at most. */
	b = kt_new_submit(test, env, s, NULL);
	kt_expect_pop(test, env, b);
	KUNIT_EXPECT_EQ(test, wdfq_queue_stop(s, kt_state_fn, sc), 0);
	KUNIT_EXPECT_EQ(test, wdfq_queue_stop(s, kt_state_fn, sc), -EBUSY);
	KUNIT_EXPECT_EQ(test, wdfq_queue_stop_and_purge(s, kt_state_fn, sc),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, wdfq_queue_drain(s, kt_state_fn, sc2), 0);
	KUNIT_EXPECT_EQ(test, wdfq_queue_drain(s, kt_state_fn, sc2), -EBUSY);
	KUNIT_EXPECT_EQ(test, wdfq_queue_purge(s, kt_state_fn, sc2), -EBUSY);
	kt_settle(env);
	KUNIT_EXPECT_EQ(test, atomic_read(&sc->calls), 0);
	kt_expect_complete(test, b, 0, 0);
	KUNIT_EXPECT_TRUE(test, KT_WAIT(atomic_read(&sc->calls) == 1));
	/* Each fires exactly once (the drain one possibly only after start). */
	wdfq_queue_start(s);
	KUNIT_EXPECT_TRUE(test, KT_WAIT(atomic_read(&sc2->calls) == 1));
	kt_settle(env);
	KUNIT_EXPECT_EQ(test, atomic_read(&sc->calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&sc2->calls), 1);
	wdfq_queue_start(s);

	/* *_sync from the queue's own callback: refused, no deadlock. */
	c = kt_new_submit(test, env, y, NULL);
	KUNIT_ASSERT_TRUE(test, KT_WAIT(atomic_read(&sr->ran) == 1));
	smp_rmb();	/* pairs with the callback's smp_wmb() */
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ_MSG(test, sr->rc[i], -EDEADLK, "sync call %d", i);
	KUNIT_EXPECT_EQ(test, sr->rc[4], 0);
	kt_expect_status(test, c, 0);
	kt_state(y, &st);
	KUNIT_EXPECT_TRUE(test, st.accepting);
	KUNIT_EXPECT_TRUE(test, st.dispatching);

	/* ... and on a DEVICE-scope sibling from a DEVICE-scope callback. */
	sr->other = d2;
	c = kt_new_submit(test, env, d1, NULL);
	KUNIT_ASSERT_TRUE(test, KT_WAIT(atomic_read(&sr->ran) == 2));
	smp_rmb();	/* pairs with the callback's smp_wmb() */
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ_MSG(test, sr->rc[i], -EDEADLK,
				    "device-scope sync call %d", i);
	KUNIT_EXPECT_EQ(test, sr->rc[4], 0);
	kt_expect_status(test, c, 0);
	kt_state(d2, &st);
	KUNIT_EXPECT_TRUE(test, st.accepting);
	KUNIT_EXPECT_TRUE(test, st.dispatching);
	KUNIT_EXPECT_EQ(test, atomic_read(&sc->bad) + atomic_read(&sc2->bad), 0);
	kt_end(env);
}

/*
 * state_counters_balance: The state and counters of wdfq_queue_get_state()
 * balance at every step, across presentation, forwarding, cancellation and a
 * stats reset.
 * See Documentation/wdfq/queue-model.rst, Rule 21.
 */
static void state_counters_balance(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 32, NULL);
	struct wdfq_queue_config scfg = KT_PAR_HOLD("par2", 2);
	struct wdfq_queue_config mcfg = KT_MANUAL("man");
	struct wdfq_request *got = NULL;
	struct wdfq_queue_state st;
	struct wdfq_queue *s, *m;
	struct kt_req *r[6], *x;
	int i;

	s = kt_queue(env, &scfg);
	m = kt_queue(env, &mcfg);
	kt_state(s, &st);
	KUNIT_EXPECT_TRUE(test, st.accepting);
	KUNIT_EXPECT_TRUE(test, st.dispatching);
	KUNIT_EXPECT_TRUE(test, st.powered);
	KUNIT_EXPECT_EQ(test, st.arrived, 0);

	for (i = 0; i < 6; i++)
		r[i] = kt_new_submit(test, env, s, NULL);
	kt_expect_pop(test, env, r[0]);
	kt_expect_pop(test, env, r[1]);
	kt_state(s, &st);
	KUNIT_EXPECT_EQ(test, st.arrived, 6);
	KUNIT_EXPECT_EQ(test, st.queued, 4);
	KUNIT_EXPECT_EQ(test, st.driver_owned, 2);
	KUNIT_EXPECT_EQ(test, st.presented, 2);
	kt_check_balance(test, s);

	kt_expect_complete(test, r[0], 0, 0);			/* completed */
	KUNIT_EXPECT_EQ(test, wdfq_request_forward(r[1]->req, m), 0);
	kt_expect_pop(test, env, r[2]);
	kt_expect_pop(test, env, r[3]);
	wdfq_request_cancel(r[5]->req);				/* cancelled */
	kt_expect_status(test, r[5], -ECANCELED);
	kt_state(s, &st);
	KUNIT_EXPECT_EQ(test, st.completed, 1);
	KUNIT_EXPECT_EQ(test, st.forwarded_out, 1);
	KUNIT_EXPECT_EQ(test, st.canceled, 1);
	KUNIT_EXPECT_EQ(test, st.queued, 1);
	KUNIT_EXPECT_EQ(test, st.driver_owned, 2);
	KUNIT_EXPECT_EQ(test, st.presented, 4);
	KUNIT_EXPECT_EQ(test, st.max_driver_owned, 2);
	kt_check_balance(test, s);
	kt_state(m, &st);
	KUNIT_EXPECT_EQ(test, st.forwarded_in, 1);
	KUNIT_EXPECT_EQ(test, st.queued, 1);
	KUNIT_EXPECT_EQ(test, st.arrived, 0);
	kt_check_balance(test, m);

	/* Reset: arrived = queued + owned, max = owned, the rest 0. */
	wdfq_queue_reset_stats(s);
	kt_state(s, &st);
	KUNIT_EXPECT_EQ(test, st.arrived, 3);
	KUNIT_EXPECT_EQ(test, st.max_driver_owned, 2);
	KUNIT_EXPECT_EQ(test, st.completed, 0);
	KUNIT_EXPECT_EQ(test, st.canceled, 0);
	KUNIT_EXPECT_EQ(test, st.forwarded_out, 0);
	KUNIT_EXPECT_EQ(test, st.presented, 0);
	KUNIT_EXPECT_EQ(test, st.queued, 1);
	KUNIT_EXPECT_EQ(test, st.driver_owned, 2);
	kt_check_balance(test, s);

	/* State flags follow stop, drain and start. */
	KUNIT_EXPECT_EQ(test, wdfq_queue_stop(s, NULL, NULL), 0);
	kt_state(s, &st);
	KUNIT_EXPECT_TRUE(test, st.accepting);
	KUNIT_EXPECT_FALSE(test, st.dispatching);
	wdfq_queue_start(s);
	KUNIT_EXPECT_EQ(test, wdfq_queue_drain(s, NULL, NULL), 0);
	kt_state(s, &st);
	KUNIT_EXPECT_FALSE(test, st.accepting);
	KUNIT_EXPECT_TRUE(test, st.dispatching);
	x = kt_new_submit(test, env, s, NULL);			/* refused */
	kt_expect_status(test, x, -ESHUTDOWN);
	kt_state(s, &st);
	KUNIT_EXPECT_EQ(test, st.arrived, 4);
	KUNIT_EXPECT_EQ(test, st.completed, 1);
	kt_check_balance(test, s);

	kt_expect_complete(test, r[2], 0, 0);
	kt_expect_pop(test, env, r[4]);
	kt_expect_complete(test, r[3], 0, 0);
	kt_expect_complete(test, r[4], 0, 0);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_next(m, &got), 0);
	kt_expect_complete(test, r[1], 0, 0);
	kt_state(s, &st);
	KUNIT_EXPECT_EQ(test, st.completed, 4);
	KUNIT_EXPECT_EQ(test, st.max_driver_owned, 2);
	kt_state(m, &st);
	KUNIT_EXPECT_EQ(test, st.completed, 1);
	KUNIT_EXPECT_EQ(test, st.presented, 1);
	wdfq_queue_start(s);
	kt_end(env);
}

static struct kunit_case wdfq_queue_state_cases[] = {
	KUNIT_CASE(stop_keeps_accepting_and_holds_dispatch),
	KUNIT_CASE(drain_refuses_new_and_presents_queued),
	KUNIT_CASE(purge_and_stop_and_purge_cancel_queued),
	KUNIT_CASE(not_accepting_second_callback_and_sync_refused),
	KUNIT_CASE(state_counters_balance),
	{}
};

static struct kunit_suite wdfq_queue_state_suite = {
	.name = "wdfq_queue_state",
	.test_cases = wdfq_queue_state_cases,
};

kunit_test_suite(wdfq_queue_state_suite);
