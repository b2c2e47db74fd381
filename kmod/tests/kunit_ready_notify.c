// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases for the wdfq engine. Ready notification of manual queues:
 * edges, stopped queues, registration and removal.
 *
 * Each case checks the balance of every queue at its end (kt_end()) and,
 * through the environment's release action, that every submitted request
 * completed exactly once.
 */
#include <kunit/test.h>

#include "kunit_helpers.h"

/*
 * ready_notify_fires_on_empty_to_nonempty: Ready notification fires on the 0
 * -> 1 edge of a dispatching manual queue only; an edge while stopped fires
 * at start; registration rules.
 * See Documentation/wdfq/queue-model.rst, Rule 9.
 */
static void ready_notify_fires_on_empty_to_nonempty(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 32, NULL);
	struct wdfq_queue_config mcfg = KT_MANUAL("man");
	struct wdfq_queue_config scfg = KT_SEQ_HOLD("seq");
	struct wdfq_request *got = NULL;
	struct wdfq_queue *m, *s;
	struct kt_req *a, *b, *c, *d, *e, *f, *g;
	struct kt_rn *rn = kt_zalloc(env, sizeof(*rn));

	mcfg.scope = WDFQ_SYNC_QUEUE;
	m = kt_queue(env, &mcfg);
	s = kt_queue(env, &scfg);
	rn->env = env;
	rn->q = m;

	KUNIT_EXPECT_EQ(test, wdfq_queue_ready_notify(s, kt_rn_fn, rn),
			-EINVAL);
	KUNIT_ASSERT_EQ(test, wdfq_queue_ready_notify(m, kt_rn_fn, rn), 0);
	KUNIT_EXPECT_EQ(test, wdfq_queue_ready_notify(m, kt_rn_fn, rn),
			-EBUSY);
	kt_settle(env);
	KUNIT_EXPECT_EQ(test, atomic_read(&rn->calls), 0);

	/* Edge-triggered: 0 -> 1 fires, 1 -> 2 does not. */
	a = kt_new_submit(test, env, m, NULL);
	KUNIT_EXPECT_TRUE(test, KT_WAIT(atomic_read(&rn->calls) == 1));
	b = kt_new_submit(test, env, m, NULL);
	kt_settle(env);
	KUNIT_EXPECT_EQ(test, atomic_read(&rn->calls), 1);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_next(m, &got), 0);
	KUNIT_EXPECT_PTR_EQ(test, got, a->req);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_next(m, &got), 0);
	KUNIT_EXPECT_PTR_EQ(test, got, b->req);
	kt_expect_complete(test, a, 0, 0);
	kt_expect_complete(test, b, 0, 0);
	c = kt_new_submit(test, env, m, NULL);
	KUNIT_EXPECT_TRUE(test, KT_WAIT(atomic_read(&rn->calls) == 2));
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_next(m, &got), 0);
	kt_expect_complete(test, c, 0, 0);

	/* Only while dispatching; start re-arms on a non-empty queue. */
	KUNIT_EXPECT_EQ(test, wdfq_queue_stop(m, NULL, NULL), 0);
	d = kt_new_submit(test, env, m, NULL);
	kt_settle(env);
	KUNIT_EXPECT_EQ(test, atomic_read(&rn->calls), 2);
	wdfq_queue_start(m);
	KUNIT_EXPECT_TRUE(test, KT_WAIT(atomic_read(&rn->calls) == 3));
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_next(m, &got), 0);
	KUNIT_EXPECT_PTR_EQ(test, got, d->req);
	kt_expect_complete(test, d, 0, 0);

	/* A callback that loops until empty gets everything exactly once. */
	WRITE_ONCE(rn->mode, 1);
	e = kt_new_submit(test, env, m, NULL);
	f = kt_new_submit(test, env, m, NULL);
	kt_expect_status(test, e, 0);
	kt_expect_status(test, f, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&e->presented), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->presented), 1);

	/* Unregistering only while stopped. */
	KUNIT_EXPECT_EQ(test, wdfq_queue_ready_notify(m, NULL, NULL), -EBUSY);
	KUNIT_EXPECT_EQ(test, wdfq_queue_stop_sync(m), 0);
	KUNIT_EXPECT_EQ(test, wdfq_queue_ready_notify(m, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, wdfq_queue_ready_notify(m, NULL, NULL), -EINVAL);

	/* Registered while stopped with work queued: start fires it. */
	g = kt_new_submit(test, env, m, NULL);
	KUNIT_ASSERT_EQ(test, wdfq_queue_ready_notify(m, kt_rn_fn, rn), 0);
	kt_settle(env);
	KUNIT_EXPECT_EQ(test, atomic_read(&g->done), 0);
	wdfq_queue_start(m);
	kt_expect_status(test, g, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&g->presented), 1);

	/*
	 * Forced transition: a retrieval that finds only a request in
	 * mid-cancel makes the next insertion fire the callback.
	 */
	KUNIT_EXPECT_EQ(test, wdfq_queue_stop_sync(m), 0);
	rn->r1 = kt_req_new(env, WDFQ_REQ_READ, NULL);
	rn->r2 = kt_req_new(env, WDFQ_REQ_READ, NULL);
	KUNIT_ASSERT_NOT_NULL(test, rn->r1);
	KUNIT_ASSERT_NOT_NULL(test, rn->r2);
	rn->phase = 0;
	WRITE_ONCE(rn->mode, 2);
	wdfq_queue_start(m);
	kt_submit_q(m, rn->r1);
	kt_expect_status(test, rn->r1, -ECANCELED);
	kt_expect_status(test, rn->r2, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&rn->r2->presented), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&rn->r1->presented), 0);
	KUNIT_EXPECT_EQ(test, rn->forced_rc, -ENOENT);
	kunit_info(test, "forced transition: queued count %u when retrieval found nothing%s\n",
		   rn->forced_queued,
		   rn->forced_queued ? " (mid-cancel window hit)" : "");
	KUNIT_EXPECT_EQ(test, atomic_read(&rn->overlap), 0);
	KUNIT_EXPECT_EQ(test, wdfq_queue_stop_sync(m), 0);
	KUNIT_EXPECT_EQ(test, wdfq_queue_ready_notify(m, NULL, NULL), 0);
	wdfq_queue_start(m);
	kt_end(env);
}

static struct kunit_case wdfq_ready_notify_cases[] = {
	KUNIT_CASE(ready_notify_fires_on_empty_to_nonempty),
	{}
};

static struct kunit_suite wdfq_ready_notify_suite = {
	.name = "wdfq_ready_notify",
	.test_cases = wdfq_ready_notify_cases,
};

kunit_test_suite(wdfq_ready_notify_suite);
