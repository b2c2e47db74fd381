// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases for the wdfq engine: at least one per numbered rule of the
 * contract (design/queue-model.md), each named after its rule. Rule 21's
 * balance is checked at the end of every case by kt_end() (and again by the
 * environment's release action, which also checks that every submitted
 * request completed exactly once).
 */
#include <kunit/test.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/pm_domain.h>
#include <linux/pm_runtime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "kunit_helpers.h"

/* Fake files: the engine only compares the pointers. */
static int kt_file_a, kt_file_b;
#define FILE_A ((struct file *)&kt_file_a)
#define FILE_B ((struct file *)&kt_file_b)

/* A queue-state callback that counts its calls and checks its context. */
struct kt_statecb {
	struct kt_env *env;
	atomic_t calls;
	atomic_t bad;
	struct task_struct *caller;
	bool inside;		/* the registering call has not returned */
	u32 queued;		/* state seen by the last call */
	u32 owned;
};

/* Lives until the device is gone: a failed case may leave it pending. */
static struct kt_statecb *kt_statecb_new(struct kt_env *env)
{
	struct kt_statecb *s = kt_zalloc(env, sizeof(*s));

	s->env = env;
	return s;
}

static void kt_state_fn(struct wdfq_queue *q, void *ctx)
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

#define KT_CALL_STATE(s, call)			\
({						\
	struct kt_statecb *__s = (s);		\
	int __r;				\
	__s->caller = current;			\
	WRITE_ONCE(__s->inside, true);		\
	__r = (call);				\
	WRITE_ONCE(__s->inside, false);		\
	__r;					\
})

static bool kt_wait_for(struct completion *c)
{
	return wait_for_completion_timeout(c, msecs_to_jiffies(KT_TIMEOUT_MS));
}

static void kt_expect_status(struct kunit *test, struct kt_req *kr, int status)
{
	KUNIT_ASSERT_NOT_NULL(test, kr);
	KUNIT_EXPECT_TRUE_MSG(test, kt_wait_done(kr), "request %d not done",
			      kr->id);
	KUNIT_EXPECT_TRUE(test, wdfq_request_is_completed(kr->req));
	KUNIT_EXPECT_EQ_MSG(test, wdfq_request_status(kr->req), status,
			    "request %d status", kr->id);
}

static struct kt_req *kt_new_submit(struct kunit *test, struct kt_env *env,
				    struct wdfq_queue *q, struct file *file)
{
	struct kt_req *kr = kt_submit_new(env, q, file);

	KUNIT_ASSERT_NOT_NULL(test, kr);
	return kr;
}

static struct kt_req *kt_expect_pop(struct kunit *test, struct kt_env *env,
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

static void kt_expect_complete(struct kunit *test, struct kt_req *kr,
			       int status, size_t info)
{
	KUNIT_EXPECT_EQ_MSG(test, wdfq_request_complete(kr->req, status, info),
			    0, "completing request %d", kr->id);
}

/* Nothing more is presented once the engine's deferred work has run. */
static void kt_expect_quiet(struct kunit *test, struct kt_env *env)
{
	kt_settle(env);
	KUNIT_EXPECT_EQ(test, kt_nheld(env), 0);
}

static const struct wdfq_queue_ops kt_io_hold_ops = {
	.io_default = kt_io_hold,
};

#define SEQ_HOLD(n) { .name = (n), .dispatch = WDFQ_DISPATCH_SEQUENTIAL, \
		      .ops = &kt_io_hold_ops }
#define PAR_HOLD(n, max) { .name = (n), .dispatch = WDFQ_DISPATCH_PARALLEL, \
			   .max_presented = (max), .ops = &kt_io_hold_ops }
#define MANUAL(n) { .name = (n), .dispatch = WDFQ_DISPATCH_MANUAL }

/* Rule 1 */
static void rule01_sequential_one_owned(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 16, NULL);
	struct wdfq_queue_config scfg = SEQ_HOLD("seq");
	struct wdfq_queue_config mcfg = MANUAL("man");
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

/* Rule 2 */
static void rule02_parallel_n(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 32, NULL);
	struct wdfq_queue_config pcfg = PAR_HOLD("par3", 3);
	struct wdfq_queue_config scfg = SEQ_HOLD("seq");
	struct wdfq_queue_config p1cfg = PAR_HOLD("par1", 1);
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

/* A MANUAL queue with a presentation handler: a configuration error. */
static const struct wdfq_queue_ops kt_read_hold_ops = {
	.io_read = kt_io_hold,
};

/* Rule 3 */
static void rule03_manual_retrieve_errors(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 16, NULL);
	struct wdfq_queue_config mcfg = MANUAL("man");
	struct wdfq_queue_config pcfg = PAR_HOLD("par", 0);
	struct wdfq_queue_config bad1 = MANUAL("bad-manual");
	struct wdfq_queue_config bad2 = { .name = "bad-seq",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL };
	struct wdfq_queue_config def1 = SEQ_HOLD("def1");
	struct wdfq_queue_config def2 = SEQ_HOLD("def2");
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
	r[0] = kt_new_submit(test, env, m, FILE_A);
	r[1] = kt_new_submit(test, env, m, FILE_B);
	r[2] = kt_new_submit(test, env, m, FILE_A);
	r[3] = kt_new_submit(test, env, m, FILE_B);
	/* Manual: never presented. */
	kt_expect_quiet(test, env);
	kt_state(m, &st);
	KUNIT_EXPECT_EQ(test, st.queued, 4);
	KUNIT_EXPECT_EQ(test, st.presented, 0);
	KUNIT_EXPECT_EQ(test, st.driver_owned, 0);

	KUNIT_ASSERT_EQ(test, wdfq_queue_retrieve_next(m, &got), 0);
	KUNIT_EXPECT_PTR_EQ(test, got, r[0]->req);
	KUNIT_ASSERT_EQ(test, wdfq_queue_retrieve_by_file(m, FILE_B, &got), 0);
	KUNIT_EXPECT_PTR_EQ(test, got, r[1]->req);
	KUNIT_EXPECT_PTR_EQ(test, wdfq_request_file(got), FILE_B);
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
	KUNIT_EXPECT_EQ(test, wdfq_queue_find_request(m, NULL, FILE_B, &got),
			-ENOENT);

	/* Paused and empty are different errors. */
	KUNIT_EXPECT_EQ(test, wdfq_queue_stop(m, NULL, NULL), 0);
	got = NULL;
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_next(m, &got), -EBUSY);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_by_file(m, FILE_A, &got),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_found(m, f1), -EBUSY);
	wdfq_queue_start(m);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_by_file(m, FILE_B, &got),
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

/* Rule 4 */
static void rule04_fifo_and_requeue(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 64, NULL);
	struct wdfq_queue_config scfg = { .name = "seq-inline",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL,
		.ops = &kt_io_complete_ops };
	struct wdfq_queue_config pcfg = PAR_HOLD("par", 0);
	struct wdfq_queue_config mcfg = MANUAL("man");
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

static void kt_complete_later(struct kt_req *kr, unsigned int ms)
{
	kt_complete_hardirq(kr, (u64)ms * NSEC_PER_MSEC);
}

/* Rule 5 */
static void rule05_start_stop(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 16, NULL);
	struct wdfq_queue_config scfg = SEQ_HOLD("seq");
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

/* Rule 6 */
static void rule06_drain(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 16, NULL);
	struct wdfq_queue_config scfg = SEQ_HOLD("seq");
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

/* Rule 7 */
static void rule07_purge_and_stop_and_purge(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 32, NULL);
	struct wdfq_queue_config pcfg = PAR_HOLD("par2", 2);
	struct wdfq_queue_config mcfg = MANUAL("man");
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
	KUNIT_EXPECT_EQ(test, st.cancelled, 3);
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

/* Rule 8: calling every *_sync variant from a callback */
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

/* Rule 8 */
static void
rule08_not_accepting_and_double_callbacks_and_sync_refusal(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 16, NULL);
	struct wdfq_queue_config scfg = SEQ_HOLD("seq");
	struct wdfq_queue_config tcfg = SEQ_HOLD("dest");
	struct wdfq_queue_config ycfg = { .name = "sync-self",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL, .scope = WDFQ_SYNC_QUEUE,
		.ops = &kt_io_sync_refuse_ops };
	struct wdfq_queue_config d1cfg = { .name = "dev1",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL, .scope = WDFQ_SYNC_DEVICE,
		.ops = &kt_io_sync_refuse_ops };
	struct wdfq_queue_config d2cfg = SEQ_HOLD("dev2");
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

/* Rule 9: ready notification */
struct kt_rn {
	struct kt_env *env;
	struct wdfq_queue *q;
	int mode;		/* 0 count only, 1 retrieve loop, 2 forced */
	atomic_t calls;
	atomic_t inside;
	atomic_t overlap;
	int forced_rc;		/* retrieval in the forced-transition step */
	u32 forced_queued;	/* queued count seen then */
	struct kt_req *r1, *r2;
	int phase;
};

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

static void kt_rn_fn(struct wdfq_queue *q, void *ctx)
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

/* Rule 9 */
static void rule09_ready_notify_edges(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 32, NULL);
	struct wdfq_queue_config mcfg = MANUAL("man");
	struct wdfq_queue_config scfg = SEQ_HOLD("seq");
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

/* Rule 10 */
static void rule10_forward(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 16, NULL);
	struct kt_env *env2 = kt_env_create(test, 4, NULL);
	struct wdfq_queue_config acfg = SEQ_HOLD("a");
	struct wdfq_queue_config bcfg = MANUAL("b");
	struct wdfq_queue_config ccfg = PAR_HOLD("c", 0);
	struct wdfq_queue_config ocfg = MANUAL("other-device");
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

static void kt_cq_complete(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);

	kt_cb_enter(kr->env);
	atomic_inc(&kr->cancel_calls);
	if (wdfq_request_complete(req, -ECANCELED, 77))
		atomic_inc(&kr->env->bad_ctx);
}

static const struct wdfq_queue_ops kt_cq_complete_ops = {
	.io_canceled_on_queue = kt_cq_complete,
};

static const struct wdfq_queue_ops kt_io_hold_cq_complete_ops = {
	.io_default = kt_io_hold,
	.io_canceled_on_queue = kt_cq_complete,
};

/* Rule 11: a submitter that sleeps in wdfq_request_wait() until signalled */
struct kt_waiter {
	struct wdfq_queue *q;
	struct kt_req *kr;
	struct task_struct *task;
	atomic_t waiting;
	int rc;
	struct completion done;
};

static int kt_waiter_fn(void *arg)
{
	struct kt_waiter *w = arg;

	allow_signal(SIGUSR1);
	kt_submit_q(w->q, w->kr);
	atomic_set(&w->waiting, 1);
	w->rc = wdfq_request_wait(w->kr->req);
	flush_signals(current);
	kthread_complete_and_exit(&w->done, 0);
}

/* Start a waiter on a new request to @q and signal it once it sleeps. */
static struct kt_waiter *kt_waiter_signalled(struct kunit *test,
					     struct kt_env *env,
					     struct wdfq_queue *q)
{
	struct kt_waiter *w = kt_zalloc(env, sizeof(*w));

	w->q = q;
	w->kr = kt_req_new(env, WDFQ_REQ_READ, NULL);
	KUNIT_ASSERT_NOT_NULL(test, w->kr);
	init_completion(&w->done);
	w->task = kthread_run(kt_waiter_fn, w, "wdfq-kt-waiter");
	KUNIT_ASSERT_FALSE(test, IS_ERR(w->task));
	KUNIT_ASSERT_TRUE(test, KT_WAIT(atomic_read(&w->waiting)));
	/* its next interruptible sleep is the one in wdfq_request_wait() */
	KUNIT_ASSERT_TRUE(test, KT_WAIT(READ_ONCE(w->task->__state) &
					TASK_INTERRUPTIBLE));
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

/* Rule 11 */
static void rule11_cancel_queued(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 16, NULL);
	struct wdfq_queue_config acfg = SEQ_HOLD("a");
	struct wdfq_queue_config mcfg = MANUAL("m");
	struct wdfq_queue_config bcfg = MANUAL("b-coq");
	struct wdfq_queue_config ccfg = SEQ_HOLD("c-coq");
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
	KUNIT_EXPECT_EQ(test, st.cancelled, 1);
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

/* Rule 12: a cancel routine that waits for the test's go-ahead */
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

/* Rule 12 */
static void rule12_cancel_owned(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 256, NULL);
	struct wdfq_queue_config scfg = SEQ_HOLD("seq");
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

/* Rule 13 */
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

static void rule13_complete_once_any_context(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 64, NULL);
	struct wdfq_queue_config tcfg = { .name = "seq-hardirq",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL,
		.ops = &kt_io_timer_ops };
	struct wdfq_queue_config bcfg = { .name = "par-bh",
		.dispatch = WDFQ_DISPATCH_PARALLEL, .max_presented = 2,
		.ops = &kt_io_bh_ops };
	struct wdfq_queue_config scfg = SEQ_HOLD("seq");
	struct wdfq_queue_config mcfg = MANUAL("man");
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

/* Rule 14 */
static void rule14_file_cleanup(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 16, NULL);
	struct wdfq_queue_config m1cfg = MANUAL("m1");
	struct wdfq_queue_config m2cfg = MANUAL("m2");
	struct wdfq_queue_config scfg = SEQ_HOLD("seq");
	struct wdfq_queue *m1, *m2, *s;
	struct kt_req *a1, *b1, *a2, *b2, *ao, *aq, *bq;
	struct wdfq_request *got = NULL;

	m1 = kt_queue(env, &m1cfg);
	m2 = kt_queue(env, &m2cfg);
	s = kt_queue(env, &scfg);

	a1 = kt_new_submit(test, env, m1, FILE_A);
	b1 = kt_new_submit(test, env, m1, FILE_B);
	a2 = kt_new_submit(test, env, m2, FILE_A);
	b2 = kt_new_submit(test, env, m2, FILE_B);
	ao = kt_new_submit(test, env, s, FILE_A);	/* driver-owned */
	kt_expect_pop(test, env, ao);
	aq = kt_new_submit(test, env, s, FILE_A);	/* queued behind it */
	bq = kt_new_submit(test, env, s, FILE_B);

	wdfq_device_file_cleanup(env->dev, FILE_A);
	kt_expect_status(test, a1, -ECANCELED);
	kt_expect_status(test, a2, -ECANCELED);
	kt_expect_status(test, aq, -ECANCELED);
	kt_settle(env);
	KUNIT_EXPECT_EQ(test, atomic_read(&b1->done), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&b2->done), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&bq->done), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ao->done), 0);
	KUNIT_EXPECT_FALSE(test, wdfq_request_is_canceled(ao->req));

	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_by_file(m1, FILE_A, &got),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_by_file(m1, FILE_B, &got), 0);
	KUNIT_EXPECT_PTR_EQ(test, got, b1->req);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_next(m2, &got), 0);
	KUNIT_EXPECT_PTR_EQ(test, got, b2->req);
	kt_expect_complete(test, b1, 0, 0);
	kt_expect_complete(test, b2, 0, 0);
	kt_expect_complete(test, ao, 0, 0);
	kt_expect_pop(test, env, bq);
	kt_expect_complete(test, bq, 0, 0);
	/* Nothing left of file B to cancel; this is harmless. */
	wdfq_device_file_cleanup(env->dev, FILE_B);
	kt_end(env);
}

/* Rule 15 */
static void rule15_zero_length(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 16, NULL);
	struct wdfq_queue_config scfg = SEQ_HOLD("no-zero");
	struct wdfq_queue_config zcfg = SEQ_HOLD("zero-ok");
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

/* Rule 16: runtime PM through a PM domain on a KUnit device */
struct kt_pm {
	struct kt_env *env;
	struct device *dev;
	bool powered;		/* set by the callbacks around the engine calls */
	atomic_t suspends;
	atomic_t resumes;
	atomic_t unpowered_presentations;
	atomic_t stop_acks_pending;
	bool forward_engine;
	struct wdfq_queue *pmq[4];
	int npmq;
	atomic_t resume_saw_off;
};

static struct kt_pm *kt_pm_of(struct device *dev)
{
	return dev_get_drvdata(dev);
}

static int kt_rpm_suspend(struct device *dev)
{
	struct kt_pm *pm = kt_pm_of(dev);

	if (READ_ONCE(pm->forward_engine))
		wdfq_device_power_down(pm->env->dev, WDFQ_STOP_SUSPEND);
	WRITE_ONCE(pm->powered, false);
	atomic_inc(&pm->suspends);
	return 0;
}

static int kt_rpm_resume(struct device *dev)
{
	struct kt_pm *pm = kt_pm_of(dev);

	msleep(30);	/* widen the window before power is back */
	WRITE_ONCE(pm->powered, true);
	atomic_inc(&pm->resumes);
	if (READ_ONCE(pm->forward_engine))
		wdfq_device_power_up(pm->env->dev);
	return 0;
}

static struct dev_pm_domain kt_pm_domain = {
	.ops = {
		.runtime_suspend = kt_rpm_suspend,
		.runtime_resume = kt_rpm_resume,
	},
};

static void kt_pm_dev_release(struct device *dev)
{
	kfree(dev);
}

static void kt_pm_release(void *data)
{
	struct kt_pm *pm = data;

	pm_runtime_disable(pm->dev);
	pm_runtime_dont_use_autosuspend(pm->dev);
	pm_runtime_set_suspended(pm->dev);
	device_del(pm->dev);
	put_device(pm->dev);
}

/*
 * A bus-less device whose PM domain supplies the runtime-PM callbacks, as a
 * driver's would: they report power transitions to the engine.
 */
static struct kt_pm *kt_pm_create(struct kunit *test, const char *name)
{
	struct kt_pm *pm = kunit_kzalloc(test, sizeof(*pm), GFP_KERNEL);
	struct device *dev;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, pm);
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	device_initialize(dev);
	dev->release = kt_pm_dev_release;
	dev->pm_domain = &kt_pm_domain;
	ret = dev_set_name(dev, "%s", name);
	if (!ret)
		ret = device_add(dev);
	if (ret) {
		put_device(dev);
		KUNIT_ASSERT_EQ(test, ret, 0);
	}
	pm->dev = dev;
	dev_set_drvdata(pm->dev, pm);
	pm_runtime_set_autosuspend_delay(pm->dev, 20);
	pm_runtime_use_autosuspend(pm->dev);
	pm_runtime_set_active(pm->dev);
	pm->powered = true;
	pm_runtime_enable(pm->dev);
	ret = kunit_add_action_or_reset(test, kt_pm_release, pm);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return pm;
}

static int kt_usage(struct kt_pm *pm)
{
	return atomic_read(&pm->dev->power.usage_count);
}

static void kt_io_pm_hold(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);
	struct kt_pm *pm = kr->env->priv;

	if (!READ_ONCE(pm->powered))
		atomic_inc(&pm->unpowered_presentations);
	kt_io_hold(q, req);
}

static const struct wdfq_queue_ops kt_io_pm_hold_ops = {
	.io_default = kt_io_pm_hold,
};

static void rule16_power_managed_runtime(struct kunit *test)
{
	struct kt_pm *pm = kt_pm_create(test, "wdfq-rpm");
	struct kt_env *env = kt_env_create(test, 16, pm->dev);
	struct wdfq_queue_config qcfg = { .name = "pm-seq",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL, .power_managed = true,
		.ops = &kt_io_pm_hold_ops };
	struct wdfq_queue_config ncfg = MANUAL("not-pm");
	struct wdfq_request *got = NULL;
	struct wdfq_queue_state st;
	struct wdfq_queue *q, *n;
	struct kt_req *a, *b, *c, *x;

	pm->env = env;
	env->priv = pm;
	pm->forward_engine = true;
	q = kt_queue(env, &qcfg);
	n = kt_queue(env, &ncfg);
	KUNIT_EXPECT_EQ(test, kt_usage(pm), 0);

	/* One usage reference while the queue has work. */
	a = kt_new_submit(test, env, q, NULL);
	kt_expect_pop(test, env, a);
	KUNIT_EXPECT_EQ(test, kt_usage(pm), 1);
	b = kt_new_submit(test, env, q, NULL);
	KUNIT_EXPECT_EQ(test, kt_usage(pm), 1);
	kt_expect_complete(test, a, 0, 0);
	kt_expect_pop(test, env, b);
	KUNIT_EXPECT_EQ(test, kt_usage(pm), 1);
	kt_expect_complete(test, b, 0, 0);
	KUNIT_EXPECT_TRUE(test, KT_WAIT(kt_usage(pm) == 0));

	/* Released with autosuspend: the device suspends. */
	KUNIT_ASSERT_TRUE(test, KT_WAIT(pm_runtime_status_suspended(pm->dev)));
	KUNIT_EXPECT_EQ(test, atomic_read(&pm->suspends), 1);
	kt_state(q, &st);
	KUNIT_EXPECT_FALSE(test, st.powered);

	/* A queue that is not power-managed ignores the power state. */
	x = kt_new_submit(test, env, n, NULL);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_next(n, &got), 0);
	kt_expect_complete(test, x, 0, 0);
	kt_state(n, &st);
	KUNIT_EXPECT_TRUE(test, st.powered);
	KUNIT_EXPECT_EQ(test, kt_usage(pm), 0);
	KUNIT_EXPECT_TRUE(test, pm_runtime_status_suspended(pm->dev));

	/* Arrival while suspended: queued, resume, then presented. */
	c = kt_new_submit(test, env, q, NULL);
	kt_expect_pop(test, env, c);
	KUNIT_EXPECT_EQ(test, atomic_read(&pm->resumes), 1);
	KUNIT_EXPECT_EQ(test, kt_usage(pm), 1);
	kt_state(q, &st);
	KUNIT_EXPECT_TRUE(test, st.powered);
	kt_expect_complete(test, c, 0, 0);
	KUNIT_EXPECT_TRUE(test, KT_WAIT(kt_usage(pm) == 0));
	KUNIT_EXPECT_TRUE(test, KT_WAIT(pm_runtime_status_suspended(pm->dev)));
	KUNIT_EXPECT_EQ(test, atomic_read(&pm->unpowered_presentations), 0);
	kt_end(env);
	/* The teardown must not race with PM callbacks into the engine. */
	WRITE_ONCE(pm->forward_engine, false);
}

/* Rule 16: forced power-down (system sleep) */
static void kt_stop_requeue(struct wdfq_queue *q, struct wdfq_request *req,
			    unsigned int flags)
{
	struct kt_req *kr = kt_of(req);

	kt_cb_enter(kr->env);
	kr->stop_flags = flags;
	atomic_inc(&kr->stops);
	wdfq_request_stop_acknowledge(req, true);
}

static void kt_stop_record(struct wdfq_queue *q, struct wdfq_request *req,
			   unsigned int flags)
{
	struct kt_req *kr = kt_of(req);

	kt_cb_enter(kr->env);
	kr->stop_flags = flags;
	smp_wmb();	/* fields before the count; pairs with smp_rmb() */
	atomic_inc(&kr->stops);
}

static void kt_resume_record(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);
	struct kt_pm *pm = kr->env->priv;
	struct wdfq_queue_state st;
	int i;

	kt_cb_enter(kr->env);
	/* Every queue is powered before any restarts. */
	for (i = 0; i < pm->npmq; i++) {
		kt_state(pm->pmq[i], &st);
		if (!st.powered)
			atomic_inc(&pm->resume_saw_off);
	}
	atomic_inc(&kr->resumes);
}

struct kt_pd {
	struct wdfq_device *dev;
	unsigned int flags;
	struct completion done;
	int rc;
};

static int kt_power_down_thread(void *arg, int idx)
{
	struct kt_pd *pd = arg;

	pd->rc = wdfq_device_power_down(pd->dev, pd->flags);
	complete(&pd->done);
	return 0;
}

static const struct wdfq_queue_ops kt_io_hold_stop_record_resume_record_ops = {
	.io_default = kt_io_hold,
	.io_stop = kt_stop_record,
	.io_resume = kt_resume_record,
};

static const struct wdfq_queue_ops kt_io_hold_stop_requeue_resume_record_ops = {
	.io_default = kt_io_hold,
	.io_stop = kt_stop_requeue,
	.io_resume = kt_resume_record,
};

static void rule16_power_managed_forced(struct kunit *test)
{
	struct kt_pm *pm = kt_pm_create(test, "wdfq-sleep");
	struct kt_env *env = kt_env_create(test, 32, pm->dev);
	struct kt_threads *th = kunit_kzalloc(test, sizeof(*th), GFP_KERNEL);
	struct wdfq_queue_config q1cfg = { .name = "pm-requeue",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL, .power_managed = true,
		.ops = &kt_io_hold_stop_requeue_resume_record_ops };
	struct wdfq_queue_config q2cfg = { .name = "pm-keep",
		.dispatch = WDFQ_DISPATCH_PARALLEL, .power_managed = true,
		.ops = &kt_io_hold_stop_record_resume_record_ops };
	struct wdfq_queue_config q3cfg = { .name = "pm-nostop",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL, .power_managed = true,
		.ops = &kt_io_hold_ops };
	struct wdfq_queue_config mcfg = { .name = "pm-manual",
		.dispatch = WDFQ_DISPATCH_MANUAL, .power_managed = true };
	struct wdfq_queue_config ncfg = SEQ_HOLD("not-pm");
	struct wdfq_queue *q1, *q2, *q3, *m, *n;
	struct kt_req *a, *b, *c, *d, *e, *f, *g, *x, *y, *z;
	struct kt_rn *rn = kt_zalloc(env, sizeof(*rn));
	struct wdfq_request *got = NULL;
	struct wdfq_queue_state st;
	struct kt_pd pd;
	u64 presented;

	KUNIT_ASSERT_NOT_NULL(test, th);
	pm->env = env;
	env->priv = pm;
	/* The test reports power itself, as a system-sleep callback would. */
	WRITE_ONCE(pm->forward_engine, false);
	pm_runtime_get_noresume(pm->dev);
	q1 = kt_queue(env, &q1cfg);
	q2 = kt_queue(env, &q2cfg);
	q3 = kt_queue(env, &q3cfg);
	m = kt_queue(env, &mcfg);
	n = kt_queue(env, &ncfg);
	pm->pmq[0] = q1;
	pm->pmq[1] = q2;
	pm->pmq[2] = q3;
	pm->pmq[3] = m;
	pm->npmq = 4;
	rn->env = env;
	rn->mode = 1;
	KUNIT_ASSERT_EQ(test, wdfq_queue_ready_notify(m, kt_rn_fn, rn), 0);

	a = kt_new_submit(test, env, q1, NULL);
	kt_expect_pop(test, env, a);
	b = kt_new_submit(test, env, q1, NULL);
	c = kt_new_submit(test, env, q2, NULL);
	kt_expect_pop(test, env, c);
	d = kt_new_submit(test, env, q2, NULL);
	kt_expect_pop(test, env, d);
	KUNIT_EXPECT_EQ(test, wdfq_request_mark_cancelable(d->req,
							   kt_cancel_complete), 0);
	f = kt_new_submit(test, env, q3, NULL);
	kt_expect_pop(test, env, f);
	x = kt_new_submit(test, env, n, NULL);
	kt_expect_pop(test, env, x);

	init_completion(&pd.done);
	pd.dev = env->dev;
	pd.flags = WDFQ_STOP_SUSPEND;
	pd.rc = -1;
	kt_threads_start(test, th, 1, kt_power_down_thread, &pd);
	KUNIT_EXPECT_TRUE(test, KT_WAIT(atomic_read(&a->stops) == 1 &&
					atomic_read(&c->stops) == 1 &&
					atomic_read(&d->stops) == 1));
	smp_rmb();	/* pairs with the callback's smp_wmb() */
	KUNIT_EXPECT_EQ(test, a->stop_flags, WDFQ_STOP_SUSPEND);
	KUNIT_EXPECT_EQ(test, c->stop_flags, WDFQ_STOP_SUSPEND);
	KUNIT_EXPECT_EQ(test, d->stop_flags,
			WDFQ_STOP_SUSPEND | WDFQ_STOP_CANCELABLE);
	KUNIT_EXPECT_EQ(test, atomic_read(&x->stops), 0);
	/*
	 * Waits for the acknowledgements... No event marks "still waiting":
	 * the power-down thread sleeps inside the engine; give a wrong early
	 * return time to show.
	 */
	msleep(100);
	KUNIT_EXPECT_FALSE(test, completion_done(&pd.done));
	wdfq_request_stop_acknowledge(c->req, false);
	wdfq_request_stop_acknowledge(d->req, false);
	/* ... and, without io_stop, for completion (no event either). */
	msleep(50);
	KUNIT_EXPECT_FALSE(test, completion_done(&pd.done));
	kt_expect_complete(test, f, 0, 0);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(&pd.done));
	KUNIT_EXPECT_TRUE(test, kt_threads_wait(th));
	KUNIT_EXPECT_EQ(test, pd.rc, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->stops), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->stops), 1);

	kt_state(q1, &st);
	KUNIT_EXPECT_FALSE(test, st.powered);
	KUNIT_EXPECT_EQ(test, st.queued, 2);	/* a requeued, b */
	KUNIT_EXPECT_EQ(test, st.driver_owned, 0);
	kt_state(q2, &st);
	KUNIT_EXPECT_EQ(test, st.driver_owned, 2);
	presented = st.presented;

	/* Nothing is presented while off; retrieval is paused. */
	e = kt_new_submit(test, env, q1, NULL);
	y = kt_new_submit(test, env, m, NULL);
	KUNIT_EXPECT_EQ(test, wdfq_queue_retrieve_next(m, &got), -EBUSY);
	kt_state(n, &st);
	KUNIT_EXPECT_TRUE(test, st.powered);
	z = kt_new_submit(test, env, n, NULL);
	kt_expect_complete(test, x, 0, 0);
	kt_expect_pop(test, env, z);	/* not power-managed */
	kt_expect_complete(test, z, 0, 0);
	kt_expect_quiet(test, env);
	kt_state(q1, &st);
	KUNIT_EXPECT_EQ(test, st.queued, 3);
	/* Rule 9: no ready notification while off. */
	KUNIT_EXPECT_EQ(test, atomic_read(&rn->calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&y->done), 0);
	/* Again while down: nothing happens. */
	KUNIT_EXPECT_EQ(test, wdfq_device_power_down(env->dev,
						     WDFQ_STOP_SUSPEND), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->stops), 1);

	wdfq_device_power_up(env->dev);
	KUNIT_EXPECT_TRUE(test, KT_WAIT(atomic_read(&c->resumes) == 1 &&
					atomic_read(&d->resumes) == 1));
	KUNIT_EXPECT_EQ(test, atomic_read(&pm->resume_saw_off), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->resumes), 0);
	/* The requeued one first, again. */
	kt_expect_pop(test, env, a);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->presented), 2);
	kt_expect_complete(test, a, 0, 0);
	kt_expect_pop(test, env, b);
	kt_expect_complete(test, b, 0, 0);
	kt_expect_pop(test, env, e);
	kt_expect_complete(test, e, 0, 0);
	/* Power-on re-armed ready notification on the non-empty queue. */
	kt_expect_status(test, y, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&y->presented), 1);
	KUNIT_EXPECT_GE(test, atomic_read(&rn->calls), 1);
	kt_state(q2, &st);
	KUNIT_EXPECT_EQ(test, st.presented, presented);
	kt_expect_complete(test, c, 0, 0);
	KUNIT_EXPECT_EQ(test, wdfq_request_unmark_cancelable(d->req), 0);
	kt_expect_complete(test, d, 0, 0);

	/* Power-down for removal: io_stop gets PURGE. */
	g = kt_new_submit(test, env, q2, NULL);
	kt_expect_pop(test, env, g);
	memset(th, 0, sizeof(*th));
	init_completion(&pd.done);
	pd.flags = WDFQ_STOP_PURGE;
	pd.rc = -1;
	kt_threads_start(test, th, 1, kt_power_down_thread, &pd);
	KUNIT_EXPECT_TRUE(test, KT_WAIT(atomic_read(&g->stops) == 1));
	smp_rmb();	/* pairs with kt_stop_record()'s smp_wmb() */
	KUNIT_EXPECT_EQ(test, g->stop_flags, WDFQ_STOP_PURGE);
	wdfq_request_stop_acknowledge(g->req, false);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(&pd.done));
	KUNIT_EXPECT_TRUE(test, kt_threads_wait(th));
	KUNIT_EXPECT_EQ(test, pd.rc, 0);
	wdfq_device_power_up(env->dev);
	KUNIT_EXPECT_TRUE(test, KT_WAIT(atomic_read(&g->resumes) == 1));
	kt_expect_complete(test, g, 0, 0);
	KUNIT_EXPECT_EQ(test, wdfq_queue_stop_sync(m), 0);
	KUNIT_EXPECT_EQ(test, wdfq_queue_ready_notify(m, NULL, NULL), 0);
	wdfq_queue_start(m);
	kt_end(env);
	/* Only our own reference is left. */
	KUNIT_EXPECT_TRUE(test, KT_WAIT(kt_usage(pm) == 1));
	pm_runtime_put_noidle(pm->dev);
}

/* Rule 17: overlap detection */
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

static void rule17_sync_scope_queue(struct kunit *test)
{
	kt_sync_scope_run(test, WDFQ_SYNC_QUEUE, false);
}

static void rule17_sync_scope_device(struct kunit *test)
{
	/* One detector for both queues: the device mutex covers them both. */
	kt_sync_scope_run(test, WDFQ_SYNC_DEVICE, true);
}

static void rule17_sync_scope_none(struct kunit *test)
{
	kt_sync_scope_run(test, WDFQ_SYNC_NONE, false);
}

/* Rule 18 */
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

static void rule18_context(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 64, NULL);
	struct wdfq_queue_config scfg = { .name = "seq-ctx",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL,
		.ops = &kt_io_ctx_ops };
	struct wdfq_queue_config pcfg = { .name = "par-ctx",
		.dispatch = WDFQ_DISPATCH_PARALLEL, .max_presented = 2,
		.scope = WDFQ_SYNC_QUEUE,
		.ops = &kt_io_ctx_ops };
	struct wdfq_queue_config mcfg = MANUAL("man-ctx");
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

/* Rule 19 */
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

static void rule19_no_recursion(struct kunit *test)
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
	kt_state(f, &st);
	KUNIT_EXPECT_EQ(test, st.forwarded_out, 500);
	KUNIT_EXPECT_EQ(test, atomic_read(&ns->recursion), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ns->calls), n + 1000);
	kt_end(env);
}

/* Rule 20 */
static void rule20_teardown(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 32, NULL);
	struct wdfq_queue_config scfg = SEQ_HOLD("seq");
	struct wdfq_queue_config pcfg = PAR_HOLD("par", 0);
	struct wdfq_queue_config mcfg = MANUAL("man");
	struct wdfq_queue_config ccfg = MANUAL("coq");
	struct wdfq_queue_config xcfg = SEQ_HOLD("deleted-alone");
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

/* Rule 21 */
static void rule21_state_counters(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 32, NULL);
	struct wdfq_queue_config scfg = PAR_HOLD("par2", 2);
	struct wdfq_queue_config mcfg = MANUAL("man");
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
	KUNIT_EXPECT_EQ(test, st.cancelled, 1);
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
	KUNIT_EXPECT_EQ(test, st.cancelled, 0);
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

static struct kunit_case wdfq_rule_cases[] = {
	KUNIT_CASE(rule01_sequential_one_owned),
	KUNIT_CASE(rule02_parallel_n),
	KUNIT_CASE(rule03_manual_retrieve_errors),
	KUNIT_CASE(rule04_fifo_and_requeue),
	KUNIT_CASE(rule05_start_stop),
	KUNIT_CASE(rule06_drain),
	KUNIT_CASE(rule07_purge_and_stop_and_purge),
	KUNIT_CASE(rule08_not_accepting_and_double_callbacks_and_sync_refusal),
	KUNIT_CASE(rule09_ready_notify_edges),
	KUNIT_CASE(rule10_forward),
	KUNIT_CASE(rule11_cancel_queued),
	KUNIT_CASE(rule12_cancel_owned),
	KUNIT_CASE(rule13_complete_once_any_context),
	KUNIT_CASE(rule14_file_cleanup),
	KUNIT_CASE(rule15_zero_length),
	KUNIT_CASE(rule16_power_managed_runtime),
	KUNIT_CASE(rule16_power_managed_forced),
	KUNIT_CASE(rule17_sync_scope_queue),
	KUNIT_CASE(rule17_sync_scope_device),
	KUNIT_CASE(rule17_sync_scope_none),
	KUNIT_CASE(rule18_context),
	KUNIT_CASE(rule19_no_recursion),
	KUNIT_CASE(rule20_teardown),
	KUNIT_CASE(rule21_state_counters),
	{}
};

static struct kunit_suite wdfq_rules_suite = {
	.name = "wdfq_rules",
	.test_cases = wdfq_rule_cases,
};

kunit_test_suite(wdfq_rules_suite);
