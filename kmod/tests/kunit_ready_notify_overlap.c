// SPDX-License-Identifier: GPL-2.0
/*
 * A second ready notification due while the first callback still runs:
 * R1, R2, R3, a delay, R4, R5 submitted to a manual queue with ready
 * notification, whose callback retrieves until the queue reports empty and
 * takes a while over each request ("Example: overlapping notifications"
 * in Documentation/wdfq/queue-model.rst). R4 arrives after the
 * callback emptied the queue but while it is still processing R3, so the
 * queue goes 0 -> 1 again and a second callback is due while the first
 * still runs.
 *
 * Round 0 submits from one kthread; later rounds from one kthread per
 * request on the same timeline.
 *
 * Under scope NONE the two callbacks may overlap; under QUEUE and DEVICE
 * they never do; in every scope each request is retrieved exactly once.
 * Under DEVICE a second manual queue of the same device gets the same
 * pattern at the same time, and the device-wide serialization must cover
 * both.
 */
#include <kunit/test.h>
#include <linux/kthread.h>

#include "kunit_helpers.h"

#define RNO_ROUNDS	3
#define RNO_WORK_MS	30	/* processing time per request */
#define RNO_DELAY_MS	75	/* the delay between R3 and R4 */

struct kt_rno {
	struct kt_env *env;
	struct wdfq_queue *q[2];
	int nq;
	atomic_t inside;	/* callbacks running now (all queues) */
	atomic_t overlap;
	atomic_t max_inside;
	atomic_t calls;
	atomic_t bad_rc;
};

static void kt_rno_ready(struct wdfq_queue *q, void *ctx)
{
	struct kt_rno *sd = ctx;
	struct wdfq_request *req;
	int n, m, ret;

	kt_cb_enter(sd->env);
	atomic_inc(&sd->calls);
	n = atomic_inc_return(&sd->inside);
	if (n > 1)
		atomic_inc(&sd->overlap);
	m = atomic_read(&sd->max_inside);
	while (n > m && atomic_cmpxchg(&sd->max_inside, m, n) != m)
		m = atomic_read(&sd->max_inside);

	/* The thread's loop: retrieve until the queue reports empty. */
	while ((ret = wdfq_queue_retrieve_next(q, &req)) == 0) {
		struct kt_req *kr = kt_of(req);

		atomic_inc(&kr->presented);
		msleep(RNO_WORK_MS);	/* ProcessReq() */
		if (wdfq_request_complete(req, 0, kr->id))
			atomic_inc(&sd->bad_rc);
	}
	if (ret != -ENOENT)
		atomic_inc(&sd->bad_rc);
	atomic_dec(&sd->inside);
}

/* R1, R2, R3, <delay>, R4, R5 into queue @idx, from one thread. */
static int kt_rno_submitter(void *arg, int idx)
{
	struct kt_rno *sd = arg;
	struct wdfq_queue *q = sd->q[idx];
	int i;

	for (i = 0; i < 5; i++) {
		if (i == 3)
			msleep(RNO_DELAY_MS);
		if (!kt_submit_new(sd->env, q, NULL))
			atomic_inc(&sd->bad_rc);
	}
	return 0;
}

/*
 * The same timeline with one thread per request, as requests from several
 * initiators arrive: thread idx submits R(idx % 5 + 1) to queue idx / 5.
 * With one thread, an engine that runs the callback inline in the
 * submitter serializes the scenario by itself; with several, the second
 * 0 -> 1 transition can come while the first callback still runs.
 */
static int kt_rno_initiator(void *arg, int idx)
{
	static const unsigned int at_ms[5] = {
		0, 5, 10, 10 + RNO_DELAY_MS, 15 + RNO_DELAY_MS,
	};
	struct kt_rno *sd = arg;

	if (at_ms[idx % 5])
		msleep(at_ms[idx % 5]);
	if (!kt_submit_new(sd->env, sd->q[idx / 5], NULL))
		atomic_inc(&sd->bad_rc);
	return 0;
}

static const enum wdfq_sync_scope kt_rno_scopes[] = {
	WDFQ_SYNC_NONE, WDFQ_SYNC_QUEUE, WDFQ_SYNC_DEVICE,
};

static void kt_rno_scope_desc(const enum wdfq_sync_scope *s, char *desc)
{
	static const char * const names[] = { "NONE", "QUEUE", "DEVICE" };

	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "scope_%s", names[*s]);
}

KUNIT_ARRAY_PARAM(kt_rno_scope, kt_rno_scopes, kt_rno_scope_desc);

static void second_edge_overlaps_only_without_scope(struct kunit *test)
{
	const enum wdfq_sync_scope *scope = test->param_value;
	struct kt_env *env = kt_env_create(test, 2 * 5 * RNO_ROUNDS, NULL);
	struct kt_threads *th = kunit_kzalloc(test, sizeof(*th), GFP_KERNEL);
	struct kt_rno *sd = kunit_kzalloc(test, sizeof(*sd), GFP_KERNEL);
	struct wdfq_queue_config cfg = { .dispatch = WDFQ_DISPATCH_MANUAL };
	int round, i, n;

	KUNIT_ASSERT_TRUE(test, th && sd);
	sd->env = env;
	cfg.scope = *scope;
	cfg.name = "rno-a";
	sd->q[0] = kt_queue(env, &cfg);
	sd->nq = 1;
	if (*scope == WDFQ_SYNC_DEVICE) {
		cfg.name = "rno-b";
		sd->q[1] = kt_queue(env, &cfg);
		sd->nq = 2;
	}
	for (i = 0; i < sd->nq; i++)
		KUNIT_ASSERT_EQ(test, wdfq_queue_ready_notify(sd->q[i],
							      kt_rno_ready, sd),
				0);

	for (round = 0; round < RNO_ROUNDS; round++) {
		memset(th, 0, sizeof(*th));
		if (round == 0)
			kt_threads_start(test, th, sd->nq, kt_rno_submitter,
					 sd);
		else
			kt_threads_start(test, th, 5 * sd->nq,
					 kt_rno_initiator, sd);
		KUNIT_EXPECT_TRUE(test, kt_threads_wait(th));
		KUNIT_ASSERT_TRUE_MSG(test, kt_wait_all(env),
				      "round %d: %d requests never retrieved",
				      round, atomic_read(&env->outstanding));
	}

	/* Every request retrieved exactly once, in every scope. */
	n = min_t(int, atomic_read(&env->nreq), env->cap);
	KUNIT_EXPECT_EQ(test, n, 5 * RNO_ROUNDS * sd->nq);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&env->kr[i].presented), 1,
				    "request %d retrievals", i);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&env->kr[i].done), 1,
				    "request %d completions", i);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&sd->bad_rc), 0);
	KUNIT_EXPECT_GE(test, atomic_read(&sd->calls), RNO_ROUNDS * sd->nq);

	if (*scope == WDFQ_SYNC_NONE)
		kunit_info(test, "scope NONE: %d callbacks, %d overlapping (allowed), at most %d at once\n",
			   atomic_read(&sd->calls), atomic_read(&sd->overlap),
			   atomic_read(&sd->max_inside));
	else
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&sd->overlap), 0,
				    "callbacks overlapped under scope %s",
				    *scope == WDFQ_SYNC_QUEUE ? "QUEUE" :
				    "DEVICE");

	for (i = 0; i < sd->nq; i++) {
		KUNIT_EXPECT_EQ(test, wdfq_queue_stop_sync(sd->q[i]), 0);
		KUNIT_EXPECT_EQ(test, wdfq_queue_ready_notify(sd->q[i], NULL,
							      NULL), 0);
		wdfq_queue_start(sd->q[i]);
	}
	kt_end(env);
}

static struct kunit_case wdfq_ready_notify_overlap_cases[] = {
	KUNIT_CASE_PARAM(second_edge_overlaps_only_without_scope,
			 kt_rno_scope_gen_params),
	{}
};

static struct kunit_suite wdfq_ready_notify_overlap_suite = {
	.name = "wdfq_ready_notify_overlap",
	.test_cases = wdfq_ready_notify_overlap_cases,
};

kunit_test_suite(wdfq_ready_notify_overlap_suite);
