// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases for the wdfq engine. Dispatch types: sequential, parallel and
 * manual queues, FIFO order and requeue at the head.
 *
 * Each case checks the balance of every queue at its end (kt_end()) and,
 * through the environment's release action, that every submitted request
 * completed exactly once.
 */
#include <kunit/test.h>

#include "kunit_helpers.h"

/*
 * sequential_presents_one_at_a_time: A sequential queue has at most one
 * driver-owned request; the next is presented only once the current one has
 * left the driver.
 * See Documentation/wdfq/queue-model.rst, Rule 1.
 */
static void sequential_presents_one_at_a_time(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 16, NULL);
	struct wdfq_queue_config scfg = KT_SEQ_HOLD("seq");
	struct wdfq_queue_config mcfg = KT_MANUAL("man");
	struct wdfq_queue *q = kt_queue(env, &scfg);
	struct wdfq_queue *m = kt_queue(env, &mcfg);
	struct wdfq_queue_state st;
	struct wdfq_request *got = NULL;
	struct kt_req *r[5];
	int i;

	for (i = 0; i < 5; i++)
		r[i] = kt_new_submit(test, env, q, NULL);
	kt_expect_pop(test, env, r[0]);
	kt_expect_quiet(test, env);
	kt_state(q, &st);
	KUNIT_EXPECT_EQ(test, st.driver_owned, 1);
	KUNIT_EXPECT_EQ(test, st.queued, 4);

	/* Completion lets the next one in. */
	kt_expect_complete(test, r[0], 0, 10);
	kt_expect_status(test, r[0], 0);
	KUNIT_EXPECT_EQ(test, wdfq_request_information(r[0]->req), 10);
	kt_expect_pop(test, env, r[1]);
	kt_expect_quiet(test, env);

	/* So does a forward, once the destination has the request. */
	KUNIT_EXPECT_EQ(test, wdfq_request_forward(r[1]->req, m), 0);
	kt_expect_pop(test, env, r[2]);
	kt_expect_quiet(test, env);
	kt_state(q, &st);
	KUNIT_EXPECT_EQ(test, st.driver_owned, 1);
	KUNIT_EXPECT_EQ(test, st.forwarded_out, 1);

	for (i = 2; i < 5; i++) {
		kt_expect_complete(test, r[i], 0, 0);
		if (i < 4) {
			kt_expect_pop(test, env, r[i + 1]);
			kt_expect_quiet(test, env);
		}
	}
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_next(m, &got), 0);
	KUNIT_EXPECT_PTR_EQ(test, got, r[1]->req);
	kt_expect_complete(test, r[1], 0, 0);

	kt_state(q, &st);
	KUNIT_EXPECT_EQ(test, st.max_driver_owned, 1);
	KUNIT_EXPECT_EQ(test, st.presented, 5);
	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_EQ(test, atomic_read(&r[i]->presented), 1);
	kt_end(env);
}

static void kt_cq_hold(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);

	kt_cb_enter(kr->env);
	atomic_inc(&kr->cancel_calls);
	kt_hold(kr->env, kr);
}

static const struct wdfq_queue_ops kt_io_hold_cq_hold_ops = {
	.io_default = kt_io_hold,
	.io_canceled_on_queue = kt_cq_hold,
};

/*
 * parallel_presents_at_most_max: A parallel queue has at most max_presented
 * driver-owned requests, io_canceled_on_queue hand-backs included.
 * See Documentation/wdfq/queue-model.rst, Rule 2.
 */
static void parallel_presents_at_most_max(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 32, NULL);
	struct wdfq_queue_config pcfg = KT_PAR_HOLD("par3", 3);
	struct wdfq_queue_config scfg = KT_SEQ_HOLD("seq");
	struct wdfq_queue_config p1cfg = KT_PAR_HOLD("par1", 1);
	struct wdfq_queue *p, *s, *p1;
	struct wdfq_queue_state st;
	struct kt_req *r[8], *a, *b, *c, *d, *x;
	int i;

	pcfg.ops = &kt_io_hold_cq_hold_ops;
	p = kt_queue(env, &pcfg);
	s = kt_queue(env, &scfg);
	p1 = kt_queue(env, &p1cfg);

	for (i = 0; i < 8; i++)
		r[i] = kt_new_submit(test, env, p, NULL);
	KUNIT_ASSERT_TRUE(test, KT_WAIT(kt_nheld(env) == 3));
	kt_settle(env);
	KUNIT_EXPECT_EQ(test, kt_nheld(env), 3);
	kt_state(p, &st);
	KUNIT_EXPECT_EQ(test, st.driver_owned, 3);
	KUNIT_EXPECT_EQ(test, st.queued, 5);
	/* FIFO, and one completion lets exactly one more in. */
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_PTR_EQ(test, kt_pop(env), r[i]);
	kt_expect_complete(test, r[0], 0, 0);
	kt_expect_pop(test, env, r[3]);
	kt_expect_quiet(test, env);
	for (i = 1; i < 8; i++) {
		kt_expect_complete(test, r[i], 0, 0);
		if (i + 3 < 8)
			kt_expect_pop(test, env, r[i + 3]);
	}
	kt_state(p, &st);
	KUNIT_EXPECT_EQ(test, st.max_driver_owned, 3);
	KUNIT_EXPECT_EQ(test, st.queued, 0);

	/* A request taken through io_canceled_on_queue counts against N. */
	a = kt_new_submit(test, env, p, NULL);
	b = kt_new_submit(test, env, p, NULL);
	c = kt_new_submit(test, env, p, NULL);
	kt_expect_pop(test, env, a);
	kt_expect_pop(test, env, b);
	kt_expect_pop(test, env, c);
	x = kt_new_submit(test, env, s, NULL);
	kt_expect_pop(test, env, x);
	KUNIT_ASSERT_EQ(test, wdfq_request_forward(x->req, p), 0);
	kt_expect_quiet(test, env);
	kt_state(p, &st);
	KUNIT_EXPECT_EQ(test, st.queued, 1);
	wdfq_request_cancel(x->req);
	kt_expect_pop(test, env, x);
	KUNIT_EXPECT_EQ(test, atomic_read(&x->cancel_calls), 1);
	kt_state(p, &st);
	KUNIT_EXPECT_EQ(test, st.driver_owned, 4);
	d = kt_new_submit(test, env, p, NULL);
	kt_expect_complete(test, a, 0, 0);
	kt_expect_quiet(test, env);	/* b, c, x still owned: 3 */
	kt_expect_complete(test, x, -ECANCELED, 0);
	kt_expect_pop(test, env, d);
	kt_expect_complete(test, b, 0, 0);
	kt_expect_complete(test, c, 0, 0);
	kt_expect_complete(test, d, 0, 0);

	/* PARALLEL(1) behaves like SEQUENTIAL. */
	for (i = 0; i < 3; i++)
		r[i] = kt_new_submit(test, env, p1, NULL);
	for (i = 0; i < 3; i++) {
		kt_expect_pop(test, env, r[i]);
		kt_expect_quiet(test, env);
		kt_expect_complete(test, r[i], 0, 0);
	}
	kt_state(p1, &st);
	KUNIT_EXPECT_EQ(test, st.max_driver_owned, 1);
	kt_end(env);
}

/* A KT_MANUAL queue with a presentation handler: a configuration error. */
static const struct wdfq_queue_ops kt_read_hold_ops = {
	.io_read = kt_io_hold,
};

/*
 * manual_never_presents_only_retrieves: A manual queue presents nothing;
 * retrieval takes the head, a file's first request or a found one, and tells
 * -ENOENT from -EBUSY.
 * See Documentation/wdfq/queue-model.rst, Rule 3.
 */
static void manual_never_presents_only_retrieves(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 16, NULL);
	struct wdfq_queue_config mcfg = KT_MANUAL("man");
	struct wdfq_queue_config pcfg = KT_PAR_HOLD("par", 0);
	struct wdfq_queue_config bad1 = KT_MANUAL("bad-manual");
	struct wdfq_queue_config bad2 = { .name = "bad-seq",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL };
	struct wdfq_queue_config def1 = KT_SEQ_HOLD("def1");
	struct wdfq_queue_config def2 = KT_SEQ_HOLD("def2");
	struct wdfq_request *got = NULL, *f1 = NULL, *f2 = NULL;
	struct wdfq_queue *m, *p, *bad;
	struct wdfq_queue_state st;
	struct kt_req *r[5];

	/* Configuration errors. */
	bad1.ops = &kt_read_hold_ops;
	bad = wdfq_queue_create(env->dev, &bad1);
	KUNIT_EXPECT_TRUE(test, IS_ERR(bad));
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(bad), -EINVAL);
	bad = wdfq_queue_create(env->dev, &bad2);
	KUNIT_EXPECT_TRUE(test, IS_ERR(bad));
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(bad), -EINVAL);
	def1.default_queue = true;
	def2.default_queue = true;
	kt_queue(env, &def1);
	bad = wdfq_queue_create(env->dev, &def2);
	KUNIT_EXPECT_TRUE(test, IS_ERR(bad));
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(bad), -EINVAL);

	m = kt_queue(env, &mcfg);
	p = kt_queue(env, &pcfg);

	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_next(m, &got), -ENOENT);
	KUNIT_EXPECT_EQ(test, wdfq_queue_find_request(m, NULL, NULL, &f1),
			-ENOENT);
	r[0] = kt_new_submit(test, env, m, KT_FILE_A);
	r[1] = kt_new_submit(test, env, m, KT_FILE_B);
	r[2] = kt_new_submit(test, env, m, KT_FILE_A);
	r[3] = kt_new_submit(test, env, m, KT_FILE_B);
	/* Manual: never presented. */
	kt_expect_quiet(test, env);
	kt_state(m, &st);
	KUNIT_EXPECT_EQ(test, st.queued, 4);
	KUNIT_EXPECT_EQ(test, st.presented, 0);
	KUNIT_EXPECT_EQ(test, st.driver_owned, 0);

	KUNIT_ASSERT_EQ(test, wdfq_queue_retrieve_next(m, &got), 0);
	KUNIT_EXPECT_PTR_EQ(test, got, r[0]->req);
	KUNIT_ASSERT_EQ(test, wdfq_queue_retrieve_by_file(m, KT_FILE_B, &got), 0);
	KUNIT_EXPECT_PTR_EQ(test, got, r[1]->req);
	KUNIT_EXPECT_PTR_EQ(test, wdfq_request_file(got), KT_FILE_B);
	kt_state(m, &st);
	KUNIT_EXPECT_EQ(test, st.driver_owned, 2);
	KUNIT_EXPECT_EQ(test, st.presented, 2);

	/* Find, then retrieve what was found. */
	KUNIT_ASSERT_EQ(test, wdfq_queue_find_request(m, NULL, NULL, &f1), 0);
	KUNIT_EXPECT_PTR_EQ(test, f1, r[2]->req);
	KUNIT_ASSERT_EQ(test, wdfq_queue_find_request(m, f1, NULL, &f2), 0);
	KUNIT_EXPECT_PTR_EQ(test, f2, r[3]->req);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_found(m, f2), 0);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_found(m, f2), -ENOENT);
	KUNIT_EXPECT_EQ(test, wdfq_queue_find_request(m, f2, NULL, &got),
			-ENOENT);
	wdfq_request_put(f2);
	KUNIT_EXPECT_EQ(test, wdfq_queue_find_request(m, NULL, KT_FILE_B, &got),
			-ENOENT);

	/* Paused and empty are different errors. */
	KUNIT_EXPECT_EQ(test, wdfq_queue_stop(m, NULL, NULL), 0);
	got = NULL;
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_next(m, &got), -EBUSY);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_by_file(m, KT_FILE_A, &got),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_found(m, f1), -EBUSY);
	wdfq_queue_start(m);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_by_file(m, KT_FILE_B, &got),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_found(m, f1), 0);
	wdfq_request_put(f1);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_next(m, &got), -ENOENT);

	/* Retrieval from a PARALLEL queue is an error. */
	r[4] = kt_new_submit(test, env, p, NULL);
	kt_expect_pop(test, env, r[4]);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_next(p, &got), -EINVAL);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_by_file(p, NULL, &got),
			-EINVAL);

	kt_expect_complete(test, r[0], 0, 0);
	kt_expect_complete(test, r[1], 0, 0);
	kt_expect_complete(test, r[2], 0, 0);
	kt_expect_complete(test, r[3], 0, 0);
	kt_expect_complete(test, r[4], 0, 0);
	kt_end(env);
}

static const struct wdfq_queue_ops kt_io_complete_ops = {
	.io_default = kt_io_complete,
};

/*
 * fifo_order_and_requeue_at_head: Requests are presented and retrieved in
 * arrival order; a requeued one goes back to the head.
 * See Documentation/wdfq/queue-model.rst, Rule 4.
 */
static void fifo_order_and_requeue_at_head(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 64, NULL);
	struct wdfq_queue_config scfg = { .name = "seq-inline",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL,
		.ops = &kt_io_complete_ops };
	struct wdfq_queue_config pcfg = KT_PAR_HOLD("par", 0);
	struct wdfq_queue_config mcfg = KT_MANUAL("man");
	struct wdfq_queue *s, *p, *m;
	struct wdfq_request *got = NULL;
	struct kt_req *r[20], *k;
	int i;

	s = kt_queue(env, &scfg);
	p = kt_queue(env, &pcfg);
	m = kt_queue(env, &mcfg);

	/* Presentation order is arrival order. */
	KUNIT_ASSERT_EQ(test, wdfq_queue_stop(s, NULL, NULL), 0);
	for (i = 0; i < 20; i++)
		r[i] = kt_new_submit(test, env, s, NULL);
	wdfq_queue_start(s);
	for (i = 0; i < 20; i++)
		kt_expect_status(test, r[i], 0);
	KUNIT_ASSERT_GE(test, env->nlog, 20);
	for (i = 0; i < 20; i++)
		KUNIT_EXPECT_EQ(test, env->log[i], r[i]->id);

	for (i = 0; i < 6; i++)
		r[i] = kt_new_submit(test, env, p, NULL);
	for (i = 0; i < 6; i++)
		kt_expect_pop(test, env, r[i]);

	/* Requeue: back at the head of a manual queue. */
	for (i = 6; i < 11; i++)
		r[i] = kt_new_submit(test, env, m, NULL);
	KUNIT_ASSERT_EQ(test, wdfq_queue_retrieve_next(m, &got), 0);
	KUNIT_EXPECT_PTR_EQ(test, got, r[6]->req);
	KUNIT_ASSERT_EQ(test, wdfq_queue_retrieve_next(m, &got), 0);
	KUNIT_EXPECT_PTR_EQ(test, got, r[7]->req);
	KUNIT_EXPECT_EQ(test, wdfq_request_requeue(r[7]->req), 0);
	KUNIT_EXPECT_EQ(test, wdfq_request_requeue(r[7]->req), -EINVAL);
	KUNIT_ASSERT_EQ(test, wdfq_queue_retrieve_next(m, &got), 0);
	KUNIT_EXPECT_PTR_EQ(test, got, r[7]->req);
	KUNIT_ASSERT_EQ(test, wdfq_queue_retrieve_next(m, &got), 0);
	KUNIT_EXPECT_PTR_EQ(test, got, r[8]->req);
	KUNIT_EXPECT_EQ(test, wdfq_request_requeue(r[8]->req), 0);
	KUNIT_EXPECT_EQ(test, wdfq_request_requeue(r[7]->req), 0);
	for (i = 7; i < 11; i++) {
		KUNIT_ASSERT_EQ(test, wdfq_queue_retrieve_next(m, &got), 0);
		KUNIT_EXPECT_PTR_EQ_MSG(test, got, r[i]->req, "retrieval %d",
					i);
	}
	/* Not on non-manual queues, not when cancelable. */
	KUNIT_EXPECT_EQ(test, wdfq_request_requeue(r[0]->req), -EINVAL);
	KUNIT_EXPECT_EQ(test, wdfq_request_mark_cancelable(r[9]->req,
							   kt_cancel_complete), 0);
	KUNIT_EXPECT_EQ(test, wdfq_request_requeue(r[9]->req), -EINVAL);
	KUNIT_EXPECT_EQ(test, wdfq_request_unmark_cancelable(r[9]->req), 0);

	for (i = 0; i < 11; i++)
		kt_expect_complete(test, r[i], 0, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&r[9]->cancel_calls), 0);
	k = kt_pop(env);
	KUNIT_EXPECT_NULL(test, k);
	kt_end(env);
}

static struct kunit_case wdfq_dispatch_types_cases[] = {
	KUNIT_CASE(sequential_presents_one_at_a_time),
	KUNIT_CASE(parallel_presents_at_most_max),
	KUNIT_CASE(manual_never_presents_only_retrieves),
	KUNIT_CASE(fifo_order_and_requeue_at_head),
	{}
};

static struct kunit_suite wdfq_dispatch_types_suite = {
	.name = "wdfq_dispatch_types",
	.test_cases = wdfq_dispatch_types_cases,
};

kunit_test_suite(wdfq_dispatch_types_suite);
