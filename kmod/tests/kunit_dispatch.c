// SPDX-License-Identifier: GPL-2.0
/*
 * Dispatch cases for the wdfq engine: who runs a callback, and when.
 *
 * - io_stop never precedes or overlaps its request's presentation handler,
 *   in every scope (KMDF lets presentation finish before EvtIoStop).
 * - A callback may call the device's routing, queue and file-cleanup calls
 *   while wdfq_device_power_down() waits for io_stop answers.
 * - Stacked devices: a handler of one device submits to another, which
 *   presents inline, without lockdep reports.
 * - A submitter presents inline only its own request; the other requests'
 *   callbacks run in the device's workqueue, never in an unrelated task.
 */
#include <kunit/test.h>
#include <linux/debug_locks.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "kunit_helpers.h"

#define KD_IN_HANDLER	BIT(0)
#define KD_HANDLED	BIT(1)

struct kd_case {
	struct kt_env *env;
	struct kt_env *lower;		/* stacked cases: the lower device */
	struct wdfq_queue *lower_q;
	struct kt_req *blocker;		/* its handler waits for @release */
	struct kt_req *keep;		/* kept by its handler, cancelable */
	struct completion release;
	struct completion blocked;	/* the blocker's handler is running */
	struct completion stop_called;
	atomic_t bad_order;		/* io_stop before or during presentation */
	atomic_t stops;
	atomic_t bad_rc;
	atomic_t inline_lower;		/* lower presentation in the same task */
	struct task_struct *lower_task;
	int round;
};

static struct kd_case *kd_of(struct kt_env *env)
{
	return env->priv;
}

/* Wait for a completion, bounded. */
static bool kd_wait(struct completion *c)
{
	return wait_for_completion_timeout(c, msecs_to_jiffies(KT_TIMEOUT_MS));
}

/*
 * Handler: flags the request as in presentation; the blocker waits for the
 * case to release it. Keeps every request for io_stop, which completes it.
 */
static void kd_io_present(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);
	struct kd_case *kc = kd_of(kr->env);

	kt_cb_enter(kr->env);
	WRITE_ONCE(kr->priv, KD_IN_HANDLER);
	atomic_inc(&kr->presented);
	if (kr == kc->blocker) {
		complete(&kc->blocked);
		kd_wait(&kc->release);
	} else {
		/* leave room for an io_stop racing with presentation */
		usleep_range(200, 400);
	}
	smp_wmb();	/* the handler's work before the flag */
	WRITE_ONCE(kr->priv, KD_HANDLED);
}

/* io_stop: presentation must be over; the request is then completed. */
static void kd_io_stop(struct wdfq_queue *q, struct wdfq_request *req,
		       unsigned int flags)
{
	struct kt_req *kr = kt_of(req);
	struct kd_case *kc = kd_of(kr->env);

	kt_cb_enter(kr->env);
	if (READ_ONCE(kr->priv) != KD_HANDLED)
		atomic_inc(&kc->bad_order);
	atomic_inc(&kr->stops);
	atomic_inc(&kc->stops);
	complete(&kc->stop_called);
	if (wdfq_request_complete(req, 0, 0))
		atomic_inc(&kc->bad_rc);
}

struct kd_pd {
	struct wdfq_device *dev;
	struct completion done;
};

static int kd_power_down_thread(void *arg, int idx)
{
	struct kd_pd *pd = arg;

	wdfq_device_power_down(pd->dev, WDFQ_STOP_SUSPEND);
	complete(&pd->done);
	return 0;
}

static int kd_submit_thread(void *arg, int idx)
{
	struct kt_req *kr = arg;

	kt_submit_q(kr->env->q[0], kr);
	return 0;
}

static u32 kd_owned(struct wdfq_queue *q)
{
	struct wdfq_queue_state st;

	kt_state(q, &st);
	return st.driver_owned;
}

static const enum wdfq_sync_scope kd_scopes[] = {
	WDFQ_SYNC_NONE, WDFQ_SYNC_QUEUE, WDFQ_SYNC_DEVICE,
};

static void kd_scope_desc(const enum wdfq_sync_scope *s, char *desc)
{
	static const char * const names[] = { "NONE", "QUEUE", "DEVICE" };

	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "scope %s", names[*s]);
}

static const struct wdfq_queue_ops kd_io_present_stop_ops = {
	.io_default = kd_io_present,
	.io_stop = kd_io_stop,
};

KUNIT_ARRAY_PARAM(kd_scope, kd_scopes, kd_scope_desc);

/*
 * A PARALLEL power-managed queue; the blocker's presentation is running
 * (by a submitter thread, or the workqueue) when power-down starts, and a
 * second request is being presented by another submitter thread. io_stop
 * of either must wait until their presentation returned.
 */
static void io_stop_waits_for_presentation(struct kunit *test)
{
	const enum wdfq_sync_scope *scope = test->param_value;
	struct kt_env *env = kt_env_create(test, 64, NULL);
	struct kd_case *kc = kt_zalloc(env, sizeof(*kc));
	struct kt_threads *tha = kt_zalloc(env, sizeof(*tha));
	struct kt_threads *thb = kt_zalloc(env, sizeof(*thb));
	struct kt_threads *thp = kt_zalloc(env, sizeof(*thp));
	struct kd_pd *pd = kt_zalloc(env, sizeof(*pd));
	struct wdfq_queue_config cfg = { .name = "pm-par",
		.dispatch = WDFQ_DISPATCH_PARALLEL, .scope = *scope,
		.power_managed = true,
		.ops = &kd_io_present_stop_ops };
	struct wdfq_queue *q;
	struct kt_req *a, *b;
	int round;

	env->priv = kc;
	kc->env = env;
	q = kt_queue(env, &cfg);
	for (round = 0; round < 4; round++) {
		init_completion(&kc->release);
		init_completion(&kc->blocked);
		init_completion(&kc->stop_called);
		init_completion(&pd->done);
		pd->dev = env->dev;

		a = kt_req_new(env, WDFQ_REQ_READ, NULL);
		b = kt_req_new(env, WDFQ_REQ_READ, NULL);
		KUNIT_ASSERT_NOT_NULL(test, a);
		KUNIT_ASSERT_NOT_NULL(test, b);
		kc->blocker = a;
		kt_threads_start(test, tha, 1, kd_submit_thread, a);
		KUNIT_ASSERT_TRUE(test, kd_wait(&kc->blocked));
		/* b: presented, or claimed and waiting for the scope mutex */
		kt_threads_start(test, thb, 1, kd_submit_thread, b);
		KUNIT_ASSERT_TRUE(test, KT_WAIT(kd_owned(q) == 2));
		kt_threads_start(test, thp, 1, kd_power_down_thread, pd);
		/* give a wrong io_stop the chance to run into the handler */
		wait_for_completion_timeout(&kc->stop_called,
					    msecs_to_jiffies(200));
		complete(&kc->release);
		KUNIT_ASSERT_TRUE(test, kd_wait(&pd->done));
		KUNIT_EXPECT_EQ(test, atomic_read(&a->stops), 1);
		KUNIT_EXPECT_EQ(test, atomic_read(&b->stops), 1);
		KUNIT_EXPECT_TRUE(test, kt_threads_wait(tha));
		KUNIT_EXPECT_TRUE(test, kt_threads_wait(thb));
		KUNIT_EXPECT_TRUE(test, kt_threads_wait(thp));
		wdfq_device_power_up(env->dev);
		KUNIT_ASSERT_TRUE(test, kt_wait_all(env));
	}
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&kc->bad_order), 0,
			    "io_stop before or during its presentation");
	KUNIT_EXPECT_EQ(test, atomic_read(&kc->bad_rc), 0);
	kt_end(env);
}

/* io_stop: the device's routing and queue calls must not deadlock. */
static void kd_io_stop_reconfigure(struct wdfq_queue *q,
				   struct wdfq_request *req, unsigned int flags)
{
	struct wdfq_queue_config tcfg = { .name = "temp",
		.dispatch = WDFQ_DISPATCH_MANUAL };
	struct kt_req *kr = kt_of(req);
	struct kd_case *kc = kd_of(kr->env);
	struct wdfq_device *dev = wdfq_queue_device(q);
	struct wdfq_queue *t;

	kt_cb_enter(kr->env);
	atomic_inc(&kr->stops);
	complete(&kc->stop_called);
	if (wdfq_device_route(dev, WDFQ_REQ_READ, q))
		atomic_inc(&kc->bad_rc);
	wdfq_device_file_cleanup(dev, (struct file *)kc);
	t = wdfq_queue_create(dev, &tcfg);
	if (IS_ERR(t))
		atomic_inc(&kc->bad_rc);
	else
		wdfq_queue_delete(t);
	wdfq_request_stop_acknowledge(req, false);
	atomic_inc(&kc->stops);
}

static const struct wdfq_queue_ops kt_io_hold_stop_reconfigure_ops = {
	.io_default = kt_io_hold,
	.io_stop = kd_io_stop_reconfigure,
};

static void power_down_callback_may_reconfigure(struct kunit *test)
{
	const enum wdfq_sync_scope *scope = test->param_value;
	struct kt_env *env = kt_env_create(test, 8, NULL);
	struct kd_case *kc = kt_zalloc(env, sizeof(*kc));
	struct kt_threads *th = kt_zalloc(env, sizeof(*th));
	struct kd_pd *pd = kt_zalloc(env, sizeof(*pd));
	struct wdfq_queue_config cfg = { .name = "pm-par",
		.dispatch = WDFQ_DISPATCH_PARALLEL, .scope = *scope,
		.power_managed = true,
		.ops = &kt_io_hold_stop_reconfigure_ops };
	struct wdfq_queue *q;
	struct kt_req *kr;
	bool ok;

	env->priv = kc;
	kc->env = env;
	init_completion(&kc->stop_called);
	init_completion(&pd->done);
	pd->dev = env->dev;
	q = kt_queue(env, &cfg);
	kr = kt_submit_new(env, q, NULL);
	KUNIT_ASSERT_NOT_NULL(test, kr);
	KUNIT_ASSERT_PTR_EQ(test, kt_pop_wait(env), kr);

	kt_threads_start(test, th, 1, kd_power_down_thread, pd);
	KUNIT_ASSERT_TRUE(test, kd_wait(&kc->stop_called));
	ok = wait_for_completion_timeout(&pd->done, msecs_to_jiffies(3000));
	KUNIT_EXPECT_TRUE_MSG(test, ok,
			      "power-down deadlocked with its io_stop callback");
	if (!ok) {
		/* unblock it: io_stop's own answer is then a driver bug */
		env->allow_bugs = true;
		wdfq_request_stop_acknowledge(kr->req, false);
		KUNIT_ASSERT_TRUE(test, kd_wait(&pd->done));
	}
	KUNIT_EXPECT_TRUE(test, KT_WAIT(atomic_read(&kc->stops) == 1));
	KUNIT_EXPECT_TRUE(test, kt_threads_wait(th));
	KUNIT_EXPECT_EQ(test, atomic_read(&kc->bad_rc), 0);
	wdfq_device_power_up(env->dev);
	KUNIT_EXPECT_EQ(test, wdfq_request_complete(kr->req, 0, 0), 0);
	kt_end(env);
}

/* Lower device: complete at once, noting whether it ran in the submitter. */
static void kd_lower_io(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);
	struct kd_case *kc = kd_of(kr->env);

	kt_cb_enter(kr->env);
	atomic_inc(&kr->presented);
	if (READ_ONCE(kc->lower_task) == current)
		atomic_inc(&kc->inline_lower);
	if (wdfq_request_complete(req, 0, 0))
		atomic_inc(&kc->bad_rc);
}

/* Upper device: a filter that sends a new request down, then completes. */
static void kd_upper_io(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);
	struct kd_case *kc = kd_of(kr->env);
	struct kt_req *down;

	kt_cb_enter(kr->env);
	atomic_inc(&kr->presented);
	down = kt_req_new(kc->lower, WDFQ_REQ_READ, NULL);
	if (!down) {
		atomic_inc(&kc->bad_rc);
	} else {
		WRITE_ONCE(kc->lower_task, current);
		kt_submit_q(kc->lower_q, down);
		if (wdfq_request_wait(down->req) ||
		    wdfq_request_status(down->req))
			atomic_inc(&kc->bad_rc);
		WRITE_ONCE(kc->lower_task, NULL);
	}
	if (wdfq_request_complete(req, 0, 0))
		atomic_inc(&kc->bad_rc);
}

static const struct wdfq_queue_ops kd_lower_io_ops = {
	.io_default = kd_lower_io,
};

static const struct wdfq_queue_ops kd_upper_io_ops = {
	.io_default = kd_upper_io,
};

/*
 * Two devices, each with a QUEUE-scope and a DEVICE-scope queue; the upper
 * handlers submit to the lower queues of the same scope. The lower request
 * is presented inline in the upper handler's task (a filter calling the
 * driver below it), and lockdep stays quiet.
 */
static void stacked_devices_nest_without_lockdep(struct kunit *test)
{
	struct kt_env *upper = kt_env_create(test, 16, NULL);
	struct kt_env *lower = kt_env_create(test, 16, NULL);
	struct kd_case *kc = kt_zalloc(upper, sizeof(*kc));
	struct wdfq_queue_config ucfg = { .dispatch = WDFQ_DISPATCH_PARALLEL,
		.ops = &kd_upper_io_ops };
	struct wdfq_queue_config lcfg = { .dispatch = WDFQ_DISPATCH_PARALLEL,
		.ops = &kd_lower_io_ops };
	bool locks_before = debug_locks;
	struct wdfq_queue *uq, *lq[2];
	struct kt_req *kr;
	int i, s;

	upper->priv = kc;
	lower->priv = kc;
	kc->env = upper;
	kc->lower = lower;
	for (s = 0; s < 2; s++) {
		lcfg.scope = s ? WDFQ_SYNC_DEVICE : WDFQ_SYNC_QUEUE;
		lcfg.name = s ? "lower-dev" : "lower-queue";
		lq[s] = kt_queue(lower, &lcfg);
	}
	for (s = 0; s < 2; s++) {
		ucfg.scope = s ? WDFQ_SYNC_DEVICE : WDFQ_SYNC_QUEUE;
		ucfg.name = s ? "upper-dev" : "upper-queue";
		uq = kt_queue(upper, &ucfg);
		for (i = 0; i < 2; i++) {
			kc->lower_q = lq[(s + i) % 2];
			kr = kt_submit_new(upper, uq, NULL);
			KUNIT_ASSERT_NOT_NULL(test, kr);
			KUNIT_EXPECT_TRUE(test, kt_wait_done(kr));
		}
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&kc->bad_rc), 0);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&kc->inline_lower), 4,
			    "the lower device presented inline");
	if (locks_before)
		KUNIT_EXPECT_TRUE_MSG(test, debug_locks,
				      "lockdep reported (see the log)");
	kt_end(lower);
	kt_end(upper);
}

/* Cancel routine recording the task that ran it. */
static void kd_cancel_who(struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);

	kt_cb_enter(kr->env);
	WRITE_ONCE(kr->priv, (unsigned long)current);
	atomic_inc(&kr->cancel_calls);
	if (wdfq_request_complete(req, -ECANCELED, 0))
		atomic_inc(&kr->env->bad_ctx);
}

/* Handler recording the task that ran it; the blocker waits for release. */
static void kd_io_who(struct wdfq_queue *q, struct wdfq_request *req)
{
	struct kt_req *kr = kt_of(req);
	struct kd_case *kc = kd_of(kr->env);

	kt_cb_enter(kr->env);
	WRITE_ONCE(kr->priv, (unsigned long)current);
	atomic_inc(&kr->presented);
	if (kr == kc->keep) {
		if (wdfq_request_mark_cancelable(req, kd_cancel_who))
			atomic_inc(&kc->bad_rc);
		return;
	}
	if (kr == kc->blocker) {
		complete(&kc->blocked);
		kd_wait(&kc->release);
	}
	if (wdfq_request_complete(req, 0, 0))
		atomic_inc(&kc->bad_rc);
}

static const struct wdfq_queue_ops kd_io_who_ops = {
	.io_default = kd_io_who,
};

/* The fast path: an idle queue presents in the submitter's own task. */
static void submit_presents_own_request_inline(struct kunit *test)
{
	const enum wdfq_sync_scope *scope = test->param_value;
	struct kt_env *env = kt_env_create(test, 8, NULL);
	struct kd_case *kc = kt_zalloc(env, sizeof(*kc));
	struct wdfq_queue_config cfg = { .name = "seq",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL, .scope = *scope,
		.ops = &kd_io_who_ops };
	struct wdfq_queue *q;
	struct kt_req *kr;
	int i;

	env->priv = kc;
	q = kt_queue(env, &cfg);
	for (i = 0; i < 4; i++) {
		kr = kt_submit_new(env, q, NULL);
		KUNIT_ASSERT_NOT_NULL(test, kr);
		KUNIT_EXPECT_EQ(test, atomic_read(&kr->done), 1);
		KUNIT_EXPECT_PTR_EQ(test, (void *)kr->priv, (void *)current);
	}
	kt_end(env);
}

/*
 * The workqueue is inside the blocker's handler while other requests wait
 * to be presented: a new submitter must not present them in its own task.
 */
static void submit_does_not_present_others(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 8, NULL);
	struct kd_case *kc = kt_zalloc(env, sizeof(*kc));
	struct wdfq_queue_config cfg = { .name = "par",
		.dispatch = WDFQ_DISPATCH_PARALLEL, .scope = WDFQ_SYNC_NONE,
		.ops = &kd_io_who_ops };
	struct kt_req *b, *r[3];
	struct wdfq_queue *q;
	int i;

	env->priv = kc;
	init_completion(&kc->release);
	init_completion(&kc->blocked);
	q = kt_queue(env, &cfg);
	KUNIT_ASSERT_EQ(test, wdfq_queue_stop(q, NULL, NULL), 0);
	b = kt_req_new(env, WDFQ_REQ_READ, NULL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	kc->blocker = b;
	kt_submit_q(q, b);
	wdfq_queue_start(q);		/* the workqueue presents b */
	KUNIT_ASSERT_TRUE(test, kd_wait(&kc->blocked));
	KUNIT_EXPECT_NE(test, b->priv, (unsigned long)current);

	KUNIT_ASSERT_EQ(test, wdfq_queue_stop(q, NULL, NULL), 0);
	for (i = 0; i < 2; i++) {
		r[i] = kt_submit_new(env, q, NULL);
		KUNIT_ASSERT_NOT_NULL(test, r[i]);
	}
	wdfq_queue_start(q);		/* the busy workqueue is due */
	r[2] = kt_submit_new(env, q, NULL);
	KUNIT_ASSERT_NOT_NULL(test, r[2]);
	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_NE_MSG(test, r[i]->priv,
				    (unsigned long)current,
				    "request %d presented in another submitter",
				    i);
	complete(&kc->release);
	KUNIT_EXPECT_TRUE(test, kt_wait_all(env));
	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_NE(test, r[i]->priv, (unsigned long)current);
	KUNIT_EXPECT_EQ(test, atomic_read(&kc->bad_rc), 0);
	kt_end(env);
}

struct kd_waiter {
	struct wdfq_queue *q;
	struct kt_req *kr;
	struct task_struct *task;
	atomic_t waiting;
	int rc;
	struct completion done;
};

static int kd_waiter_fn(void *arg)
{
	struct kd_waiter *w = arg;

	allow_signal(SIGUSR1);
	kt_submit_q(w->q, w->kr);
	atomic_set(&w->waiting, 1);
	w->rc = wdfq_request_wait(w->kr->req);
	flush_signals(current);
	kthread_complete_and_exit(&w->done, 0);
}

/*
 * A waiter woken by a signal cancels its own request: it must not run the
 * cancel routine of another request in its task (whose signal is pending).
 */
static void signalled_waiter_runs_no_other_callback(struct kunit *test)
{
	struct kt_env *env = kt_env_create(test, 8, NULL);
	struct kd_case *kc = kt_zalloc(env, sizeof(*kc));
	struct kd_waiter *w = kt_zalloc(env, sizeof(*w));
	struct wdfq_queue_config cfg = { .name = "par",
		.dispatch = WDFQ_DISPATCH_PARALLEL, .scope = WDFQ_SYNC_NONE,
		.ops = &kd_io_who_ops };
	struct wdfq_queue *q;
	struct kt_req *b, *o;

	env->priv = kc;
	init_completion(&kc->release);
	init_completion(&kc->blocked);
	init_completion(&w->done);
	q = kt_queue(env, &cfg);
	/* o: driver-owned and cancelable */
	o = kt_req_new(env, WDFQ_REQ_READ, NULL);
	KUNIT_ASSERT_NOT_NULL(test, o);
	kc->keep = o;
	kt_submit_q(q, o);
	KUNIT_ASSERT_EQ(test, atomic_read(&o->presented), 1);
	/* the workqueue blocks in b's handler */
	KUNIT_ASSERT_EQ(test, wdfq_queue_stop(q, NULL, NULL), 0);
	b = kt_req_new(env, WDFQ_REQ_READ, NULL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	kc->blocker = b;
	kt_submit_q(q, b);
	wdfq_queue_start(q);
	KUNIT_ASSERT_TRUE(test, kd_wait(&kc->blocked));
	KUNIT_ASSERT_EQ(test, wdfq_queue_stop(q, NULL, NULL), 0);

	/* the waiter's request stays queued on the stopped queue */
	w->q = q;
	w->kr = kt_req_new(env, WDFQ_REQ_READ, NULL);
	KUNIT_ASSERT_NOT_NULL(test, w->kr);
	w->task = kthread_run(kd_waiter_fn, w, "wdfq-kd-waiter");
	KUNIT_ASSERT_FALSE(test, IS_ERR(w->task));
	KUNIT_ASSERT_TRUE(test, KT_WAIT(atomic_read(&w->waiting)));
	/* its next interruptible sleep is the one in wdfq_request_wait() */
	KUNIT_ASSERT_TRUE(test, KT_WAIT(READ_ONCE(w->task->__state) &
					TASK_INTERRUPTIBLE));
	/* o's cancel routine is due while the workqueue is busy */
	wdfq_request_cancel(o->req);
	send_sig(SIGUSR1, w->task, 1);
	KUNIT_ASSERT_TRUE(test, kd_wait(&w->done));
	KUNIT_EXPECT_EQ(test, w->rc, -ERESTARTSYS);
	KUNIT_EXPECT_NE_MSG(test, o->priv, (unsigned long)w->task,
			    "a signalled waiter ran another request's cancel routine");
	complete(&kc->release);
	wdfq_queue_start(q);
	KUNIT_EXPECT_TRUE(test, kt_wait_all(env));
	KUNIT_EXPECT_EQ(test, atomic_read(&o->cancel_calls), 1);
	KUNIT_EXPECT_NE(test, o->priv, (unsigned long)w->task);
	KUNIT_EXPECT_EQ(test, atomic_read(&kc->bad_rc), 0);
	kt_end(env);
}

static struct kunit_case wdfq_dispatch_cases[] = {
	KUNIT_CASE_PARAM(io_stop_waits_for_presentation, kd_scope_gen_params),
	KUNIT_CASE_PARAM(power_down_callback_may_reconfigure,
			 kd_scope_gen_params),
	KUNIT_CASE(stacked_devices_nest_without_lockdep),
	KUNIT_CASE_PARAM(submit_presents_own_request_inline,
			 kd_scope_gen_params),
	KUNIT_CASE(submit_does_not_present_others),
	KUNIT_CASE(signalled_waiter_runs_no_other_callback),
	{}
};

static struct kunit_suite wdfq_dispatch_suite = {
	.name = "wdfq_dispatch",
	.test_cases = wdfq_dispatch_cases,
};

kunit_test_suite(wdfq_dispatch_suite);
