// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases for the wdfq engine. Teardown: device deletion waits for every
 * request and callback.
 *
 * Each case checks the balance of every queue at its end (kt_end()) and,
 * through the environment's release action, that every submitted request
 * completed exactly once.
 */
#include <kunit/test.h>

#include "kunit_helpers.h"

/*
 * delete_waits_for_everything: Deleting the device waits until every request
 * completed and no callback runs; nothing calls back afterwards.
 * See Documentation/wdfq/queue-model.rst, Rule 20.
 */
static void delete_waits_for_everything(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 32, NULL);
	struct wdfq_queue_config scfg = KT_SEQ_HOLD("seq");
	struct wdfq_queue_config pcfg = KT_PAR_HOLD("par", 0);
	struct wdfq_queue_config mcfg = KT_MANUAL("man");
	struct wdfq_queue_config ccfg = KT_MANUAL("coq");
	struct wdfq_queue_config xcfg = KT_SEQ_HOLD("deleted-alone");
	struct kt_req *so, *sq, *pc, *pn, *mq[3], *cq, *xo, *xq;
	struct wdfq_queue *s, *p, *m, *c, *x;
	struct kt_statecb *stc = kt_statecb_new(env);
	struct kt_statecb *drc = kt_statecb_new(env);
	struct kt_rn *rn = kt_zalloc(env, sizeof(*rn));
	int i, calls;

	ccfg.ops = &kt_cq_complete_ops;
	s = kt_queue(env, &scfg);
	p = kt_queue(env, &pcfg);
	m = kt_queue(env, &mcfg);
	c = kt_queue(env, &ccfg);
	x = kt_queue(env, &xcfg);

	/* One queue deleted alone, with one owned and one queued request. */
	xo = kt_new_submit(test, env, x, NULL);
	kt_expect_pop(test, env, xo);
	xq = kt_new_submit(test, env, x, NULL);
	kt_complete_later(xo, 100);
	kt_check_balance(test, x);
	wdfq_queue_delete(x);
	kt_queue_deleted(env, x);
	KUNIT_EXPECT_EQ(test, atomic_read(&xo->done), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&xq->done), 1);
	KUNIT_EXPECT_EQ(test, wdfq_request_status(xq->req), -ECANCELED);

	/* The whole device, with work everywhere. */
	so = kt_new_submit(test, env, s, NULL);		/* owned */
	kt_expect_pop(test, env, so);
	sq = kt_new_submit(test, env, s, NULL);		/* queued */
	pc = kt_new_submit(test, env, p, NULL);		/* owned, cancelable */
	kt_expect_pop(test, env, pc);
	KUNIT_EXPECT_EQ(test, wdfq_request_mark_cancelable(pc->req,
							   kt_cancel_complete), 0);
	pn = kt_new_submit(test, env, p, NULL);		/* owned, not */
	kt_expect_pop(test, env, pn);
	rn->env = env;
	rn->mode = 0;					/* leaves them queued */
	KUNIT_ASSERT_EQ(test, wdfq_queue_ready_notify(m, kt_rn_fn, rn), 0);
	for (i = 0; i < 3; i++)
		mq[i] = kt_new_submit(test, env, m, NULL);
	KUNIT_EXPECT_TRUE(test, KT_WAIT(atomic_read(&rn->calls) == 1));
	cq = kt_new_submit(test, env, s, NULL);		/* queued on s ... */
	/* a presented-before request queued on a queue with coq */
	kt_expect_complete(test, so, 0, 0);
	kt_expect_pop(test, env, sq);
	KUNIT_EXPECT_EQ(test, wdfq_request_forward(sq->req, c), 0);
	kt_expect_pop(test, env, cq);			/* owned on s */
	KUNIT_EXPECT_EQ(test, wdfq_queue_stop(s, kt_state_fn, stc), 0);
	KUNIT_EXPECT_EQ(test, wdfq_queue_drain(p, kt_state_fn, drc), 0);

	kt_complete_later(cq, 100);
	kt_complete_later(pn, 150);
	for (i = 0; i < env->nq; i++)
		if (env->q[i])
			kt_check_balance(test, env->q[i]);
	wdfq_device_delete(env->dev);
	kt_device_deleted(env);

	/* Everything reached completion before delete returned. */
	KUNIT_EXPECT_EQ(test, atomic_read(&env->outstanding), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&cq->done), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&pn->done), 1);
	KUNIT_EXPECT_EQ(test, wdfq_request_status(pc->req), -ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&pc->cancel_calls), 1);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, wdfq_request_status(mq[i]->req),
				-ECANCELED);
	KUNIT_EXPECT_EQ(test, wdfq_request_status(sq->req), -ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&sq->cancel_calls), 1);
	/* No callback after delete returned. */
	calls = atomic_read(&stc->calls) + atomic_read(&drc->calls) +
		atomic_read(&rn->calls);
	/*
	 * Nothing is left to wait on: the device and its workqueue are gone,
	 * so only a bug could still call back; give it time to show.
	 */
	msleep(50);
	KUNIT_EXPECT_EQ(test, atomic_read(&stc->calls) + atomic_read(&drc->calls) +
			atomic_read(&rn->calls), calls);
	KUNIT_EXPECT_LE(test, atomic_read(&stc->calls), 1);
	KUNIT_EXPECT_LE(test, atomic_read(&drc->calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&stc->bad) + atomic_read(&drc->bad), 0);
	kt_end(env);
}

static struct kunit_case wdfq_teardown_cases[] = {
	KUNIT_CASE(delete_waits_for_everything),
	{}
};

static struct kunit_suite wdfq_teardown_suite = {
	.name = "wdfq_teardown",
	.test_cases = wdfq_teardown_cases,
};

kunit_test_suite(wdfq_teardown_suite);
