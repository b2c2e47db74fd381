// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases for the wdfq engine. Forwarding between sibling queues,
 * cancellation of queued and of driver-owned requests, file cleanup.
 *
 * Each case checks the balance of every queue at its end (kt_end()) and,
 * through the environment's release action, that every submitted request
 * completed exactly once.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "kunit_helpers.h"

/*
 * forward_moves_request_to_sibling: A forward moves a driver-owned request
 * to a sibling queue of the same device, or fails and leaves it with the
 * driver.
 * See Documentation/wdfq/queue-model.rst, Rule 10.
 */
static void forward_moves_request_to_sibling(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 16, NULL);
	struct kt_env *env2 = kt_env_create(test, 4, NULL);
	struct wdfq_queue_config acfg = KT_SEQ_HOLD("a");
	struct wdfq_queue_config bcfg = KT_MANUAL("b");
	struct wdfq_queue_config ccfg = KT_PAR_HOLD("c", 0);
	struct wdfq_queue_config ocfg = KT_MANUAL("other-device");
	struct wdfq_queue *qa, *qb, *qc, *other;
	struct wdfq_request *got = NULL;
	struct wdfq_queue_state st;
	struct kt_req *x, *r, *n;

	qa = kt_queue(env, &acfg);
	qb = kt_queue(env, &bcfg);
	qc = kt_queue(env, &ccfg);
	other = kt_queue(env2, &ocfg);

	x = kt_new_submit(test, env, qb, NULL);
	r = kt_new_submit(test, env, qa, NULL);
	n = kt_new_submit(test, env, qa, NULL);
	kt_expect_pop(test, env, r);

	KUNIT_EXPECT_EQ(test, wdfq_request_forward(r->req, qa), -EINVAL);
	KUNIT_EXPECT_EQ(test, wdfq_request_forward(r->req, other), -EINVAL);
	KUNIT_EXPECT_EQ(test, wdfq_request_forward(x->req, qa), -EINVAL);
	KUNIT_EXPECT_EQ(test, wdfq_request_mark_cancelable(r->req,
							   kt_cancel_complete), 0);
	KUNIT_EXPECT_EQ(test, wdfq_request_forward(r->req, qb), -EINVAL);
	KUNIT_EXPECT_EQ(test, wdfq_request_unmark_cancelable(r->req), 0);

	KUNIT_EXPECT_EQ(test, wdfq_request_forward(r->req, qb), 0);
	KUNIT_EXPECT_PTR_EQ(test, wdfq_request_queue(r->req), qb);
	kt_expect_pop(test, env, n);	/* the source moved on */
	kt_state(qa, &st);
	KUNIT_EXPECT_EQ(test, st.forwarded_out, 1);
	KUNIT_EXPECT_EQ(test, st.driver_owned, 1);
	kt_state(qb, &st);
	KUNIT_EXPECT_EQ(test, st.forwarded_in, 1);
	KUNIT_EXPECT_EQ(test, st.queued, 2);

	/* To the tail. */
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_next(qb, &got), 0);
	KUNIT_EXPECT_PTR_EQ(test, got, x->req);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_next(qb, &got), 0);
	KUNIT_EXPECT_PTR_EQ(test, got, r->req);

	/* On again, to a presenting queue. */
	KUNIT_EXPECT_EQ(test, wdfq_request_forward(r->req, qc), 0);
	kt_expect_pop(test, env, r);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->presented), 2);
	kt_state(qb, &st);
	KUNIT_EXPECT_EQ(test, st.forwarded_out, 1);
	KUNIT_EXPECT_EQ(test, st.driver_owned, 1);	/* x */

	kt_expect_complete(test, r, 0, 0);
	kt_expect_complete(test, x, 0, 0);
	kt_expect_complete(test, n, 0, 0);
	kt_end(env2);
	kt_end(env);
}

static const struct wdfq_queue_ops kt_io_hold_cq_complete_ops = {
	.io_default = kt_io_hold,
	.io_canceled_on_queue = kt_cq_complete,
};

/* A submitter that sleeps in wdfq_request_wait() until signalled */
struct kt_waiter {
	struct wdfq_queue *q;
	struct kt_req *kr;
	struct task_struct *task;
	atomic_t waiting;
	bool nofreeze;
	int rc;
	struct completion done;
};

static int kt_waiter_fn(void *arg)
{
	struct kt_waiter *w = arg;

	allow_signal(SIGUSR1);
	kt_submit_q(w->q, w->kr);
	atomic_set(&w->waiting, 1);
	w->rc = w->nofreeze ? wdfq_request_wait_nofreeze(w->kr->req) :
			      wdfq_request_wait(w->kr->req);
	flush_signals(current);
	kthread_complete_and_exit(&w->done, 0);
}

/* Start a waiter on a new request to @q and let it sleep. */
static struct kt_waiter *kt_waiter_sleeping(struct kunit *test,
					    struct kt_env *env,
					    struct wdfq_queue *q, bool nofreeze)
{
	struct kt_waiter *w = kt_zalloc(env, sizeof(*w));

	w->q = q;
	w->nofreeze = nofreeze;
	w->kr = kt_req_new(env, WDFQ_REQ_READ, NULL);
	KUNIT_ASSERT_NOT_NULL(test, w->kr);
	init_completion(&w->done);
	w->task = kthread_run(kt_waiter_fn, w, "wdfq-kt-waiter");
	KUNIT_ASSERT_FALSE(test, IS_ERR(w->task));
	KUNIT_ASSERT_TRUE(test, KT_WAIT(atomic_read(&w->waiting)));
	/* its next interruptible sleep is the one in wdfq_request_wait() */
	KUNIT_ASSERT_TRUE(test, KT_WAIT(READ_ONCE(w->task->__state) &
					TASK_INTERRUPTIBLE));
	return w;
}

/* Start a waiter on a new request to @q and signal it once it sleeps. */
static struct kt_waiter *kt_waiter_signalled(struct kunit *test,
					     struct kt_env *env,
					     struct wdfq_queue *q)
{
	struct kt_waiter *w = kt_waiter_sleeping(test, env, q, false);

	send_sig(SIGUSR1, w->task, 1);
	return w;
}

/* Wait for the waiter; if it cannot finish, free it by completing. */
static bool kt_waiter_join(struct kt_waiter *w)
{
	if (kt_wait_for(&w->done))
		return true;
	wdfq_request_cancel(w->kr->req);
	wait_for_completion(&w->done);
	return false;
}

/*
 * cancel_of_queued_request: A queued request that is cancelled (cancel,
 * signal, purge) completes with -ECANCELED, or goes to io_canceled_on_queue
 * if it was presented before.
 * See Documentation/wdfq/queue-model.rst, Rule 11.
 */
static void cancel_of_queued_request(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 16, NULL);
	struct wdfq_queue_config acfg = KT_SEQ_HOLD("a");
	struct wdfq_queue_config mcfg = KT_MANUAL("m");
	struct wdfq_queue_config bcfg = KT_MANUAL("b-coq");
	struct wdfq_queue_config ccfg = KT_SEQ_HOLD("c-coq");
	struct wdfq_queue *qa, *qm, *qb, *qc;
	struct wdfq_queue_state st;
	struct kt_req *m0, *p, *r, *a2, *b2, *c1, *c2;
	struct kt_waiter *w;

	bcfg.ops = &kt_cq_complete_ops;
	ccfg.ops = &kt_io_hold_cq_complete_ops;
	qa = kt_queue(env, &acfg);
	qm = kt_queue(env, &mcfg);
	qb = kt_queue(env, &bcfg);
	qc = kt_queue(env, &ccfg);

	/* Never presented: the engine completes it as cancelled. */
	m0 = kt_new_submit(test, env, qm, NULL);
	wdfq_request_cancel(m0->req);
	kt_expect_status(test, m0, -ECANCELED);
	KUNIT_EXPECT_TRUE(test, wdfq_request_is_canceled(m0->req));
	kt_state(qm, &st);
	KUNIT_EXPECT_EQ(test, st.canceled, 1);
	KUNIT_EXPECT_EQ(test, st.queued, 0);
	wdfq_request_cancel(m0->req);	/* completed: nothing happens */
	kt_settle(env);
	KUNIT_EXPECT_EQ(test, atomic_read(&m0->done), 1);

	/* ... even on a queue with io_canceled_on_queue. */
	p = kt_new_submit(test, env, qb, NULL);
	wdfq_request_cancel(p->req);
	kt_expect_status(test, p, -ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&p->cancel_calls), 0);

	/* Presented before, then forwarded: the driver gets it back. */
	r = kt_new_submit(test, env, qa, NULL);
	kt_expect_pop(test, env, r);
	KUNIT_ASSERT_EQ(test, wdfq_request_forward(r->req, qb), 0);
	wdfq_request_cancel(r->req);
	kt_expect_status(test, r, -ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->cancel_calls), 1);
	KUNIT_EXPECT_EQ(test, wdfq_request_information(r->req), 77);

	/* Same on a presenting queue that cannot take it yet. */
	c1 = kt_new_submit(test, env, qc, NULL);
	kt_expect_pop(test, env, c1);
	a2 = kt_new_submit(test, env, qa, NULL);
	kt_expect_pop(test, env, a2);
	KUNIT_ASSERT_EQ(test, wdfq_request_forward(a2->req, qc), 0);
	c2 = kt_new_submit(test, env, qc, NULL);	/* never presented */
	wdfq_request_cancel(a2->req);
	wdfq_request_cancel(c2->req);
	kt_expect_status(test, a2, -ECANCELED);
	kt_expect_status(test, c2, -ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&a2->cancel_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c2->cancel_calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c2->presented), 0);
	kt_expect_complete(test, c1, 0, 0);

	/* Queued behind an owned one on a sequential queue. */
	a2 = kt_new_submit(test, env, qa, NULL);
	kt_expect_pop(test, env, a2);
	b2 = kt_new_submit(test, env, qa, NULL);
	wdfq_request_cancel(b2->req);
	kt_expect_status(test, b2, -ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&b2->presented), 0);
	kt_expect_complete(test, a2, 0, 0);
	kt_expect_quiet(test, env);

	/* A signal to a submitter sleeping in wdfq_request_wait(): queued. */
	w = kt_waiter_signalled(test, env, qm);
	KUNIT_EXPECT_TRUE(test, kt_waiter_join(w));
	KUNIT_EXPECT_EQ(test, w->rc, -ERESTARTSYS);
	kt_expect_status(test, w->kr, -ECANCELED);
	/* Driver-owned, not cancelable: it waits on; a success is kept. */
	w = kt_waiter_signalled(test, env, qa);
	kt_expect_pop(test, env, w->kr);
	/* the signal turned into a cancel; the waiter sleeps on, uninterruptibly */
	KUNIT_EXPECT_TRUE(test, KT_WAIT(wdfq_request_is_canceled(w->kr->req)));
	KUNIT_EXPECT_TRUE(test, KT_WAIT(READ_ONCE(w->task->__state) &
					TASK_UNINTERRUPTIBLE));
	KUNIT_EXPECT_FALSE(test, completion_done(&w->done));
	KUNIT_EXPECT_TRUE(test, wdfq_request_is_canceled(w->kr->req));
	kt_expect_complete(test, w->kr, 0, 8);
	KUNIT_EXPECT_TRUE(test, kt_waiter_join(w));
	KUNIT_EXPECT_EQ(test, w->rc, 0);
	kt_expect_status(test, w->kr, 0);
	/* Completed before the wait (and never waited for): no sleep. */
	KUNIT_EXPECT_EQ(test, wdfq_request_wait(c1->req), 0);
	kt_end(env);
}

/* A cancel routine that waits for the test's go-ahead */
struct kt_gate {
	struct completion entered;
	struct completion go;
};

static void kt_cancel_gated(struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);
	struct kt_gate *g = kr->env->priv;

	kt_cb_enter(kr->env);
	atomic_inc(&kr->cancel_calls);
	complete(&g->entered);
	if (!wait_for_completion_timeout(&g->go,
					 msecs_to_jiffies(KT_TIMEOUT_MS)))
		atomic_inc(&kr->env->bad_ctx);
	if (wdfq_request_complete(req, -ECANCELED, 0))
		atomic_inc(&kr->env->bad_ctx);
}

struct kt_race {
	struct kt_env *env;
	struct kt_req *cur;
	atomic_t stop;
	u32 seed;
};

static int kt_race_canceller(void *arg, int idx)
{
	struct kt_race *rc = arg;
	struct kt_req *kr;

	while (!atomic_read(&rc->stop)) {
		kr = READ_ONCE(rc->cur);
		if (!kr) {
			cpu_relax();
			continue;
		}
		udelay(kt_rand(&rc->seed) % 100);
		wdfq_request_cancel(kr->req);
		while (READ_ONCE(rc->cur) == kr && !atomic_read(&rc->stop))
			cond_resched();
	}
	return 0;
}

/*
 * cancel_of_owned_request_only_when_marked: A driver-owned request is
 * cancelled only while marked cancelable; mark, unmark and cancel race
 * safely, and the routine owns the request.
 * See Documentation/wdfq/queue-model.rst, Rule 12.
 */
static void cancel_of_owned_request_only_when_marked(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 256, NULL);
	struct wdfq_queue_config scfg = KT_SEQ_HOLD("seq");
	struct kt_threads *th = kunit_kzalloc(test, sizeof(*th), GFP_KERNEL);
	struct kt_race race = { .env = env, .seed = 12345 };
	struct kt_req *a, *b, *c, *d, *kr;
	int i, won = 0, lost = 0, rc, u;
	struct kt_gate *gate = kt_zalloc(env, sizeof(*gate));
	struct wdfq_queue *s;
	u32 seed = 777;

	KUNIT_ASSERT_NOT_NULL(test, th);
	init_completion(&gate->entered);
	init_completion(&gate->go);
	env->priv = gate;
	s = kt_queue(env, &scfg);

	/* Marked, then cancelled: the routine runs and completes it. */
	a = kt_new_submit(test, env, s, NULL);
	kt_expect_pop(test, env, a);
	KUNIT_EXPECT_EQ(test, wdfq_request_mark_cancelable(a->req,
							   kt_cancel_complete), 0);
	KUNIT_EXPECT_EQ(test, wdfq_request_mark_cancelable(a->req,
							   kt_cancel_complete),
			-EINVAL);
	wdfq_request_cancel(a->req);
	kt_expect_status(test, a, -ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->cancel_calls), 1);

	/* Cancelled before being marked: marking fails, fn never runs. */
	b = kt_new_submit(test, env, s, NULL);
	kt_expect_pop(test, env, b);
	KUNIT_EXPECT_EQ(test, wdfq_request_unmark_cancelable(b->req), -EINVAL);
	wdfq_request_cancel(b->req);
	KUNIT_EXPECT_TRUE(test, wdfq_request_is_canceled(b->req));
	KUNIT_EXPECT_FALSE(test, wdfq_request_is_completed(b->req));
	KUNIT_EXPECT_EQ(test, wdfq_request_mark_cancelable(b->req,
							   kt_cancel_complete),
			-ECANCELED);
	kt_settle(env);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->cancel_calls), 0);
	kt_expect_complete(test, b, -ECANCELED, 0);

	/* Mark, unmark, complete normally. */
	c = kt_new_submit(test, env, s, NULL);
	kt_expect_pop(test, env, c);
	KUNIT_EXPECT_EQ(test, wdfq_request_mark_cancelable(c->req,
							   kt_cancel_complete), 0);
	KUNIT_EXPECT_EQ(test, wdfq_request_unmark_cancelable(c->req), 0);
	KUNIT_EXPECT_EQ(test, wdfq_request_unmark_cancelable(c->req), -EINVAL);
	kt_expect_complete(test, c, 0, 5);
	kt_expect_status(test, c, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->cancel_calls), 0);

	/* The routine won: unmark says so, and the routine completes. */
	d = kt_new_submit(test, env, s, NULL);
	kt_expect_pop(test, env, d);
	KUNIT_EXPECT_EQ(test, wdfq_request_mark_cancelable(d->req,
							   kt_cancel_gated), 0);
	wdfq_request_cancel(d->req);
	KUNIT_ASSERT_TRUE(test, kt_wait_for(&gate->entered));
	KUNIT_EXPECT_EQ(test, wdfq_request_unmark_cancelable(d->req),
			-ECANCELED);
	complete(&gate->go);
	kt_expect_status(test, d, -ECANCELED);

	/* ... and still says so once the routine has completed it. */
	d = kt_new_submit(test, env, s, NULL);
	kt_expect_pop(test, env, d);
	KUNIT_EXPECT_EQ(test, wdfq_request_mark_cancelable(d->req,
							   kt_cancel_complete), 0);
	wdfq_request_cancel(d->req);
	kt_expect_status(test, d, -ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->cancel_calls), 1);
	KUNIT_EXPECT_EQ(test, wdfq_request_unmark_cancelable(d->req),
			-ECANCELED);

	/* Cancelling a queued request is not a driver-owned cancellation. */
	kr = kt_new_submit(test, env, s, NULL);
	kt_expect_pop(test, env, kr);
	d = kt_new_submit(test, env, s, NULL);
	KUNIT_EXPECT_EQ(test, wdfq_request_mark_cancelable(d->req,
							   kt_cancel_complete),
			-EINVAL);
	kt_expect_complete(test, kr, 0, 0);
	kt_expect_pop(test, env, d);
	kt_expect_complete(test, d, 0, 0);

	/* Race: cancel against unmark, many times. */
	kt_threads_start(test, th, 1, kt_race_canceller, &race);
	for (i = 0; i < 150; i++) {
		kr = kt_new_submit(test, env, s, NULL);
		kt_expect_pop(test, env, kr);
		rc = wdfq_request_mark_cancelable(kr->req, kt_cancel_complete);
		KUNIT_EXPECT_EQ(test, rc, 0);
		WRITE_ONCE(race.cur, kr);
		udelay(kt_rand(&seed) % 200);
		if (rc == 0) {
			u = wdfq_request_unmark_cancelable(kr->req);
			if (u == 0) {
				kt_expect_complete(test, kr, 0, 0);
				kr->priv = 1;
				won++;
			} else {
				KUNIT_EXPECT_EQ(test, u, -ECANCELED);
				lost++;
			}
		} else {
			kt_expect_complete(test, kr, 0, 0);
		}
		KUNIT_EXPECT_TRUE(test, kt_wait_done(kr));
		WRITE_ONCE(race.cur, NULL);
	}
	atomic_set(&race.stop, 1);
	KUNIT_EXPECT_TRUE(test, kt_threads_wait(th));
	kt_end(env);
	/* The routine never runs after a successful unmark. */
	for (i = 0; i < atomic_read(&env->nreq) && i < env->cap; i++) {
		kr = &env->kr[i];
		if (kr->priv == 1)
			KUNIT_EXPECT_EQ_MSG(test, atomic_read(&kr->cancel_calls),
					    0, "request %d", i);
	}
	kunit_info(test, "race: unmark won %d, cancel routine won %d\n", won,
		   lost);
}

/*
 * file_cleanup_cancels_queued_of_file: File cleanup cancels the queued
 * requests of that file in every queue and leaves driver-owned ones and
 * other files' requests alone.
 * See Documentation/wdfq/queue-model.rst, Rule 14.
 */
static void file_cleanup_cancels_queued_of_file(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 16, NULL);
	struct wdfq_queue_config m1cfg = KT_MANUAL("m1");
	struct wdfq_queue_config m2cfg = KT_MANUAL("m2");
	struct wdfq_queue_config scfg = KT_SEQ_HOLD("seq");
	struct wdfq_queue *m1, *m2, *s;
	struct kt_req *a1, *b1, *a2, *b2, *ao, *aq, *bq;
	struct wdfq_request *got = NULL;

	m1 = kt_queue(env, &m1cfg);
	m2 = kt_queue(env, &m2cfg);
	s = kt_queue(env, &scfg);

	a1 = kt_new_submit(test, env, m1, KT_FILE_A);
	b1 = kt_new_submit(test, env, m1, KT_FILE_B);
	a2 = kt_new_submit(test, env, m2, KT_FILE_A);
	b2 = kt_new_submit(test, env, m2, KT_FILE_B);
	ao = kt_new_submit(test, env, s, KT_FILE_A);	/* driver-owned */
	kt_expect_pop(test, env, ao);
	aq = kt_new_submit(test, env, s, KT_FILE_A);	/* queued behind it */
	bq = kt_new_submit(test, env, s, KT_FILE_B);

	wdfq_device_file_cleanup(env->dev, KT_FILE_A);
	kt_expect_status(test, a1, -ECANCELED);
	kt_expect_status(test, a2, -ECANCELED);
	kt_expect_status(test, aq, -ECANCELED);
	kt_settle(env);
	KUNIT_EXPECT_EQ(test, atomic_read(&b1->done), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&b2->done), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&bq->done), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ao->done), 0);
	KUNIT_EXPECT_FALSE(test, wdfq_request_is_canceled(ao->req));

	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_by_file(m1, KT_FILE_A, &got),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_by_file(m1, KT_FILE_B, &got), 0);
	KUNIT_EXPECT_PTR_EQ(test, got, b1->req);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_next(m2, &got), 0);
	KUNIT_EXPECT_PTR_EQ(test, got, b2->req);
	kt_expect_complete(test, b1, 0, 0);
	kt_expect_complete(test, b2, 0, 0);
	kt_expect_complete(test, ao, 0, 0);
	kt_expect_pop(test, env, bq);
	kt_expect_complete(test, bq, 0, 0);
	/* Nothing left of file B to cancel; this is harmless. */
	wdfq_device_file_cleanup(env->dev, KT_FILE_B);
	kt_end(env);
}

/*
 * wait_nofreeze: wdfq_request_wait() sleeps freezable,
 * wdfq_request_wait_nofreeze() does not (a caller holding a lock must not
 * be frozen there); a signal (as the freezer's wake-up) cancels a queued
 * request in both, and a completion ends both waits with its status.
 */
static void wait_nofreeze(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 16, NULL);
	struct wdfq_queue_config mcfg = KT_MANUAL("m");
	struct wdfq_queue *qm = kt_queue(env, &mcfg);
	struct wdfq_request *req;
	struct kt_waiter *w;
	int i;

	for (i = 0; i < 2; i++) {
		bool nofreeze = i;

		/* Woken by a signal: the queued request is canceled. */
		w = kt_waiter_sleeping(test, env, qm, nofreeze);
		KUNIT_EXPECT_EQ(test,
				!!(READ_ONCE(w->task->__state) & TASK_FREEZABLE),
				!nofreeze);
		send_sig(SIGUSR1, w->task, 1);
		KUNIT_ASSERT_TRUE(test, kt_waiter_join(w));
		KUNIT_EXPECT_EQ(test, w->rc, -ERESTARTSYS);
		kt_expect_status(test, w->kr, -ECANCELED);

		/* Completed while it sleeps: its status, no cancel. */
		w = kt_waiter_sleeping(test, env, qm, nofreeze);
		KUNIT_ASSERT_EQ(test, wdfq_queue_retrieve_next(qm, &req), 0);
		KUNIT_ASSERT_PTR_EQ(test, req, w->kr->req);
		wdfq_request_complete(req, 0, 3);
		KUNIT_ASSERT_TRUE(test, kt_waiter_join(w));
		KUNIT_EXPECT_EQ(test, w->rc, 0);
		kt_expect_status(test, w->kr, 0);
		KUNIT_EXPECT_FALSE(test, wdfq_request_is_canceled(w->kr->req));
	}
}

/*
 * cancel_now: wdfq_request_cancel_now() completes a queued request that no
 * driver callback is due for in the caller's task, before it returns; a
 * driver-owned request is only flagged; one due to io_canceled_on_queue
 * still goes to that callback. See Documentation/wdfq/queue-model.rst,
 * Rule 11.
 */
static void cancel_now(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 32, NULL);
	struct wdfq_queue_config acfg = KT_SEQ_HOLD("a");
	struct wdfq_queue_config mcfg = KT_MANUAL("m");
	struct wdfq_queue_config bcfg = KT_MANUAL("b-coq");
	struct wdfq_queue *qa, *qm, *qb;
	struct wdfq_queue_state st;
	struct kt_req *m0, *a1, *a2, *r;
	int i;

	bcfg.ops = &kt_cq_complete_ops;
	qa = kt_queue(env, &acfg);
	qm = kt_queue(env, &mcfg);
	qb = kt_queue(env, &bcfg);

	/* Queued, never presented: completed before the call returns. */
	for (i = 0; i < 20; i++) {
		m0 = kt_new_submit(test, env, qm, NULL);
		KUNIT_EXPECT_TRUE(test, wdfq_request_cancel_now(m0->req));
		KUNIT_EXPECT_TRUE(test, wdfq_request_is_completed(m0->req));
		kt_expect_status(test, m0, -ECANCELED);
	}
	kt_state(qm, &st);
	KUNIT_EXPECT_EQ(test, st.queued, 0);
	KUNIT_EXPECT_EQ(test, st.canceled, 20);
	/* completed: nothing more happens */
	KUNIT_EXPECT_TRUE(test, wdfq_request_cancel_now(m0->req));

	/* Queued behind an owned one; the owned one is only flagged. */
	a1 = kt_new_submit(test, env, qa, NULL);
	kt_expect_pop(test, env, a1);
	a2 = kt_new_submit(test, env, qa, NULL);
	KUNIT_EXPECT_TRUE(test, wdfq_request_cancel_now(a2->req));
	kt_expect_status(test, a2, -ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&a2->presented), 0);
	KUNIT_EXPECT_FALSE(test, wdfq_request_cancel_now(a1->req));
	KUNIT_EXPECT_TRUE(test, wdfq_request_is_canceled(a1->req));
	kt_expect_complete(test, a1, 0, 0);

	/* Presented before, forwarded: io_canceled_on_queue gets it. */
	r = kt_new_submit(test, env, qa, NULL);
	kt_expect_pop(test, env, r);
	KUNIT_ASSERT_EQ(test, wdfq_request_forward(r->req, qb), 0);
	wdfq_request_cancel_now(r->req);
	kt_expect_status(test, r, -ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->cancel_calls), 1);
	kt_expect_quiet(test, env);
	kt_end(env);
}

static struct kunit_case wdfq_forward_cancel_cases[] = {
	KUNIT_CASE(forward_moves_request_to_sibling),
	KUNIT_CASE(cancel_of_queued_request),
	KUNIT_CASE(wait_nofreeze),
	KUNIT_CASE(cancel_now),
	KUNIT_CASE(cancel_of_owned_request_only_when_marked),
	KUNIT_CASE(file_cleanup_cancels_queued_of_file),
	{}
};

static struct kunit_suite wdfq_forward_cancel_suite = {
	.name = "wdfq_forward_cancel",
	.test_cases = wdfq_forward_cancel_cases,
};

kunit_test_suite(wdfq_forward_cancel_suite);
