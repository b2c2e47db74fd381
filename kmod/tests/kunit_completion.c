// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases for the wdfq engine. Completion: exactly once, from any
 * context, driver bugs counted; zero-length reads and writes.
 *
 * Each case checks the balance of every queue at its end (kt_end()) and,
 * through the environment's release action, that every submitted request
 * completed exactly once.
 */
#include <kunit/test.h>

#include "kunit_helpers.h"

static void kt_io_timer(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);

	kt_cb_enter(kr->env);
	atomic_inc(&kr->presented);
	kt_complete_hardirq(kr, 20 * NSEC_PER_USEC);
}

static void kt_io_bh(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);

	kt_cb_enter(kr->env);
	atomic_inc(&kr->presented);
	kt_complete_bh(kr);
}

static const struct wdfq_queue_ops kt_io_bh_ops = {
	.io_default = kt_io_bh,
};

static const struct wdfq_queue_ops kt_io_timer_ops = {
	.io_default = kt_io_timer,
};

/*
 * complete_once_from_any_context: A request completes exactly once, from
 * process, bottom-half or hard interrupt context; misuse is a counted driver
 * bug that touches nothing.
 * See Documentation/wdfq/queue-model.rst, Rule 13.
 */
static void complete_once_from_any_context(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 64, NULL);
	struct wdfq_queue_config tcfg = { .name = "seq-hardirq",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL,
		.ops = &kt_io_timer_ops };
	struct wdfq_queue_config bcfg = { .name = "par-bh",
		.dispatch = WDFQ_DISPATCH_PARALLEL, .max_presented = 2,
		.ops = &kt_io_bh_ops };
	struct wdfq_queue_config scfg = KT_SEQ_HOLD("seq");
	struct wdfq_queue_config mcfg = KT_MANUAL("man");
	struct wdfq_queue *qt, *qb, *qs, *qm;
	struct wdfq_request *got = NULL;
	struct wdfq_queue_state st;
	struct kt_req *r[16], *a, *q1, *c;
	int i;

	env->allow_bugs = true;
	qt = kt_queue(env, &tcfg);
	qb = kt_queue(env, &bcfg);
	qs = kt_queue(env, &scfg);
	qm = kt_queue(env, &mcfg);

	/* From hard interrupt context (hrtimer, hard mode). */
	for (i = 0; i < 16; i++)
		r[i] = kt_new_submit(test, env, qt, NULL);
	for (i = 0; i < 16; i++) {
		kt_expect_status(test, r[i], 0);
		KUNIT_EXPECT_EQ(test, r[i]->async_rc, 0);
		KUNIT_EXPECT_TRUE(test, r[i]->done_hardirq);
		KUNIT_EXPECT_EQ(test, wdfq_request_information(r[i]->req),
				r[i]->id);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&env->hardirq_done), 16);
	/* From a bottom half. */
	for (i = 0; i < 16; i++)
		r[i] = kt_new_submit(test, env, qb, NULL);
	for (i = 0; i < 16; i++) {
		kt_expect_status(test, r[i], 0);
		KUNIT_EXPECT_EQ(test, r[i]->async_rc, 0);
		KUNIT_EXPECT_TRUE(test, r[i]->done_softirq);
	}

	/* Driver bugs: reported, refused, nothing corrupted. */
	a = kt_new_submit(test, env, qs, NULL);
	kt_expect_pop(test, env, a);
	kt_expect_complete(test, a, 0, 1);
	KUNIT_EXPECT_EQ(test, wdfq_request_complete(a->req, -EIO, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, wdfq_request_status(a->req), 0);
	KUNIT_EXPECT_EQ(test, wdfq_request_information(a->req), 1);
	kt_state(qs, &st);
	KUNIT_EXPECT_EQ(test, st.driver_bugs, 1);
	KUNIT_EXPECT_EQ(test, st.completed, 1);

	q1 = kt_new_submit(test, env, qm, NULL);
	KUNIT_EXPECT_EQ(test, wdfq_request_complete(q1->req, 0, 0), -EINVAL);
	KUNIT_EXPECT_FALSE(test, wdfq_request_is_completed(q1->req));
	kt_state(qm, &st);
	KUNIT_EXPECT_EQ(test, st.driver_bugs, 1);
	KUNIT_EXPECT_EQ(test, st.queued, 1);
	KUNIT_EXPECT_EQ(test, st.completed, 0);
	kt_check_balance(test, qm);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_next(qm, &got), 0);
	kt_expect_complete(test, q1, 0, 0);

	c = kt_new_submit(test, env, qs, NULL);
	kt_expect_pop(test, env, c);
	KUNIT_EXPECT_EQ(test, wdfq_request_mark_cancelable(c->req,
							   kt_cancel_complete), 0);
	/* A cancelable request is unmarked and completed anyway. */
	KUNIT_EXPECT_EQ(test, wdfq_request_complete(c->req, 0, 3), -EINVAL);
	kt_expect_status(test, c, 0);
	KUNIT_EXPECT_EQ(test, wdfq_request_information(c->req), 3);
	wdfq_request_cancel(c->req);
	kt_settle(env);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->cancel_calls), 0);
	kt_state(qs, &st);
	KUNIT_EXPECT_EQ(test, st.driver_bugs, 2);
	KUNIT_EXPECT_EQ(test, st.completed, 2);
	kt_check_balance(test, qs);
	kt_end(env);
}

/*
 * zero_length_completed_on_its_turn: A zero-length read or write is
 * completed by the engine with 0 bytes when its turn comes, unless the queue
 * allows zero-length requests.
 * See Documentation/wdfq/queue-model.rst, Rule 15.
 */
static void zero_length_completed_on_its_turn(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 16, NULL);
	struct wdfq_queue_config scfg = KT_SEQ_HOLD("no-zero");
	struct wdfq_queue_config zcfg = KT_SEQ_HOLD("zero-ok");
	static char buf[8];
	struct wdfq_queue *s, *z;
	struct wdfq_queue_state st;
	struct kt_req *r, *w, *io, *ok, *zr;

	zcfg.allow_zero_length = true;
	s = kt_queue(env, &scfg);
	z = kt_queue(env, &zcfg);
	KUNIT_ASSERT_EQ(test, wdfq_device_route(env->dev, WDFQ_REQ_READ, s), 0);
	KUNIT_ASSERT_EQ(test, wdfq_device_route(env->dev, WDFQ_REQ_WRITE, s), 0);
	KUNIT_ASSERT_EQ(test, wdfq_device_route(env->dev, WDFQ_REQ_IOCTL, s), 0);

	r = kt_req_new(env, WDFQ_REQ_READ, NULL);
	w = kt_req_new(env, WDFQ_REQ_WRITE, NULL);
	io = kt_req_new(env, WDFQ_REQ_IOCTL, NULL);
	ok = kt_req_new(env, WDFQ_REQ_READ, NULL);
	zr = kt_req_new(env, WDFQ_REQ_READ, NULL);
	KUNIT_ASSERT_TRUE(test, r && w && io && ok && zr);
	wdfq_request_set_buffers(r->req, NULL, 0, buf, 0);
	wdfq_request_set_buffers(w->req, buf, 0, NULL, 0);
	wdfq_request_set_ioctl_code(io->req, 0x1234);
	wdfq_request_set_buffers(ok->req, NULL, 0, buf, sizeof(buf));
	wdfq_request_set_buffers(zr->req, NULL, 0, NULL, 0);

	kt_submit(r);
	kt_submit(w);
	kt_expect_status(test, r, 0);
	kt_expect_status(test, w, 0);
	/* a completed request can be waited for again, any number of times */
	KUNIT_EXPECT_EQ(test, wdfq_request_wait(r->req), 0);
	KUNIT_EXPECT_EQ(test, wdfq_request_wait(r->req), 0);
	KUNIT_EXPECT_EQ(test, wdfq_request_information(r->req), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->presented), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&w->presented), 0);
	kt_state(s, &st);
	KUNIT_EXPECT_EQ(test, st.presented, 0);
	KUNIT_EXPECT_EQ(test, st.completed, 2);

	/* Only reads and writes. */
	kt_submit(io);
	kt_expect_pop(test, env, io);
	KUNIT_EXPECT_EQ(test, wdfq_request_ioctl_code(io->req), 0x1234);
	kt_expect_complete(test, io, 0, 0);
	kt_submit(ok);
	kt_expect_pop(test, env, ok);
	kt_expect_complete(test, ok, 0, sizeof(buf));

	/* Unless allowed. */
	kt_submit_q(z, zr);
	kt_expect_pop(test, env, zr);
	kt_expect_complete(test, zr, 0, 0);
	kt_state(z, &st);
	KUNIT_EXPECT_EQ(test, st.presented, 1);
	kt_end(env);
}

static struct kunit_case wdfq_completion_cases[] = {
	KUNIT_CASE(complete_once_from_any_context),
	KUNIT_CASE(zero_length_completed_on_its_turn),
	{}
};

static struct kunit_suite wdfq_completion_suite = {
	.name = "wdfq_completion",
	.test_cases = wdfq_completion_cases,
};

kunit_test_suite(wdfq_completion_suite);
