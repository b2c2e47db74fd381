// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases for the wdfq engine. Power-managed queues: runtime PM through
 * a PM domain on a KUnit device, and a forced power-down (system sleep) with
 * io_stop and io_resume.
 *
 * Each case checks the balance of every queue at its end (kt_end()) and,
 * through the environment's release action, that every submitted request
 * completed exactly once.
 */
#include <kunit/test.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/pm_domain.h>
#include <linux/pm_runtime.h>

#include "kunit_helpers.h"

/* Runtime PM through a PM domain on a KUnit device */
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

/*
 * runtime_pm_reference_while_busy: A power-managed queue holds a runtime-PM
 * reference while it has work, and presents nothing while the device is off.
 * See Documentation/wdfq/queue-model.rst, Rule 16.
 */
static void runtime_pm_reference_while_busy(struct kunit *test)
{
	struct kt_pm *pm = test->priv;
	struct kt_env *env = kt_env_create(test, 16, pm->dev);
	struct wdfq_queue_config qcfg = { .name = "pm-seq",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL, .power_managed = true,
		.ops = &kt_io_pm_hold_ops };
	struct wdfq_queue_config ncfg = KT_MANUAL("not-pm");
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

/* Forced power-down (system sleep) */
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
	bool returned;		/* wdfq_device_power_down() returned */
};

static int kt_power_down_thread(void *arg, int idx)
{
	struct kt_pd *pd = arg;

	wdfq_device_power_down(pd->dev, pd->flags);
	pd->returned = true;
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

/*
 * forced_power_down_stops_owned_requests: A forced power-down calls io_stop
 * once per driver-owned request of the power-managed queues and lasts until
 * every reply is in; power-up resumes them.
 * See Documentation/wdfq/queue-model.rst, Rule 16.
 */
static void forced_power_down_stops_owned_requests(struct kunit *test)
{
	struct kt_pm *pm = test->priv;
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
	struct wdfq_queue_config ncfg = KT_SEQ_HOLD("not-pm");
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
	pd.returned = false;
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
	KUNIT_EXPECT_TRUE(test, pd.returned);
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
	/* No ready notification while off. */
	KUNIT_EXPECT_EQ(test, atomic_read(&rn->calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&y->done), 0);
	/* Again while down: nothing happens. */
	wdfq_device_power_down(env->dev, WDFQ_STOP_SUSPEND);
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
	pd.returned = false;
	kt_threads_start(test, th, 1, kt_power_down_thread, &pd);
	KUNIT_EXPECT_TRUE(test, KT_WAIT(atomic_read(&g->stops) == 1));
	smp_rmb();	/* pairs with kt_stop_record()'s smp_wmb() */
	KUNIT_EXPECT_EQ(test, g->stop_flags, WDFQ_STOP_PURGE);
	wdfq_request_stop_acknowledge(g->req, false);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(&pd.done));
	KUNIT_EXPECT_TRUE(test, kt_threads_wait(th));
	KUNIT_EXPECT_TRUE(test, pd.returned);
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

/*
 * Every case gets a fresh runtime-PM device in test->priv; the action that
 * kt_pm_create() registers removes it after the case's engine device.
 */
static int kt_power_init(struct kunit *test)
{
	test->priv = kt_pm_create(test, "wdfq-kt-pm");
	return 0;
}

static struct kunit_case wdfq_power_cases[] = {
	KUNIT_CASE(runtime_pm_reference_while_busy),
	KUNIT_CASE(forced_power_down_stops_owned_requests),
	{}
};

static struct kunit_suite wdfq_power_suite = {
	.name = "wdfq_power",
	.init = kt_power_init,
	.test_cases = wdfq_power_cases,
};

kunit_test_suite(wdfq_power_suite);
