// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq_bench: figures for the queue engine alone, printed on load.
 *
 * Cost per request of submission, presentation and completion through each
 * dispatch type, with a trivial handler that completes inline (MANUAL:
 * submit, retrieve, complete), as the median of several runs; and engine
 * memory per request, from the slab counters around allocating requests and
 * queueing them on a stopped queue. Uses the public API (wdfq.h) only.
 *
 * Not a test: it never fails on a number. Load it, read the log, remove it.
 * Kernels with KASAN or lockdep inflate both figures; compare like with like.
 * make bench's program (tools/wdfq-bench/wdfq_bench.c) reads the dispatch
 * lines ("NAME median min max") and sets each beside a /dev/zero read:
 * keep that form.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>

#include <wdfq.h>

static unsigned int nr_requests = 20000;
module_param(nr_requests, uint, 0444);
MODULE_PARM_DESC(nr_requests, "requests per timed run (default 20000)");

static unsigned int nr_runs = 5;
module_param(nr_runs, uint, 0444);
MODULE_PARM_DESC(nr_runs, "timed runs per dispatch type; the median is shown (default 5)");

static unsigned int nr_queued = 10000;
module_param(nr_queued, uint, 0444);
MODULE_PARM_DESC(nr_queued, "requests queued for the memory figure (default 10000)");

#define BENCH_MAX_RUNS	15

static atomic_long_t bench_done;

static void bench_done_fn(struct wdfq_request *req, void *data)
{
	atomic_long_inc(&bench_done);
}

static void bench_io_complete(struct wdfq_queue *q, struct wdfq_request *req)
{
	wdfq_request_complete(req, 0, 0);
}

static const struct wdfq_queue_ops bench_ops = {
	.io_default = bench_io_complete,
};

struct bench_case {
	const char *name;
	enum wdfq_dispatch dispatch;
	unsigned int max_presented;
};

static const struct bench_case bench_cases[] = {
	{ "SEQUENTIAL", WDFQ_DISPATCH_SEQUENTIAL, 0 },
	{ "PARALLEL(4)", WDFQ_DISPATCH_PARALLEL, 4 },
	{ "PARALLEL(0)", WDFQ_DISPATCH_PARALLEL, 0 },
	{ "MANUAL", WDFQ_DISPATCH_MANUAL, 0 },
};

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static int bench_cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

static int bench_alloc(struct wdfq_device *dev, struct wdfq_request **reqs,
		       unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		reqs[i] = wdfq_request_alloc(dev, WDFQ_REQ_READ, NULL,
					     GFP_KERNEL);
		if (IS_ERR(reqs[i]))
			goto fail;
		wdfq_request_set_done(reqs[i], bench_done_fn, NULL);
	}
	return 0;
fail:
	while (i--)
		wdfq_request_put(reqs[i]);
	return -ENOMEM;
}

static void bench_put(struct wdfq_request **reqs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		wdfq_request_put(reqs[i]);
}

/* One timed run: ns per request, 0 on failure. */
static u64 bench_run(struct wdfq_device *dev, struct wdfq_queue *q,
		     const struct bench_case *bc, struct wdfq_request **reqs)
{
	struct wdfq_request *got;
	unsigned int i;
	u64 t0, t1;

	if (bench_alloc(dev, reqs, nr_requests))
		return 0;
	atomic_long_set(&bench_done, 0);
	t0 = ktime_get_ns();
	if (bc->dispatch == WDFQ_DISPATCH_MANUAL) {
		for (i = 0; i < nr_requests; i++) {
			wdfq_queue_submit(q, reqs[i]);
			if (wdfq_queue_retrieve_next(q, &got) == 0)
				wdfq_request_complete(got, 0, 0);
		}
	} else {
		for (i = 0; i < nr_requests; i++)
			wdfq_queue_submit(q, reqs[i]);
	}
	t1 = ktime_get_ns();
	if (atomic_long_read(&bench_done) != nr_requests) {
		/* Presentation deferred to the workqueue: wait for it. */
		wdfq_queue_drain_sync(q);
		wdfq_queue_start(q);
		t1 = ktime_get_ns();
	}
	if (atomic_long_read(&bench_done) != nr_requests)
		pr_warn("%s: %ld of %u requests completed\n", bc->name,
			atomic_long_read(&bench_done), nr_requests);
	bench_put(reqs, nr_requests);
	return div_u64(t1 - t0, nr_requests);
}

static void bench_dispatch(struct wdfq_device *dev,
			   struct wdfq_request **reqs)
{
	u64 ns[BENCH_MAX_RUNS];
	unsigned int c, r, runs = clamp(nr_runs, 1U, BENCH_MAX_RUNS);

	pr_info("%-12s %10s %10s %10s  (ns per request: submit + present + complete, %u requests x %u runs)\n",
		"dispatch", "median", "min", "max", nr_requests, runs);
	for (c = 0; c < ARRAY_SIZE(bench_cases); c++) {
		const struct bench_case *bc = &bench_cases[c];
		struct wdfq_queue_config cfg = {
			.name = bc->name,
			.dispatch = bc->dispatch,
			.max_presented = bc->max_presented,
		};
		struct wdfq_queue *q;

		if (bc->dispatch != WDFQ_DISPATCH_MANUAL)
			cfg.ops = &bench_ops;
		q = wdfq_queue_create(dev, &cfg);
		if (IS_ERR(q)) {
			pr_warn("%s: queue: %ld\n", bc->name, PTR_ERR(q));
			continue;
		}
		/* One warm-up run, then the timed ones. */
		bench_run(dev, q, bc, reqs);
		for (r = 0; r < runs; r++)
			ns[r] = bench_run(dev, q, bc, reqs);
		wdfq_queue_delete(q);
		sort(ns, runs, sizeof(ns[0]), bench_cmp_u64, NULL);
		pr_info("%-12s %10llu %10llu %10llu\n", bc->name, ns[runs / 2],
			ns[0], ns[runs - 1]);
	}
}

static long bench_slab_bytes(void)
{
	return (long)(global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B) +
		      global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B)) <<
		PAGE_SHIFT;
}

static void bench_memory(struct wdfq_device *dev, struct wdfq_request **reqs)
{
	struct wdfq_queue_config cfg = {
		.name = "bench-stopped",
		.dispatch = WDFQ_DISPATCH_SEQUENTIAL,
		.ops = &bench_ops,
	};
	long s0, s1, s2, per_alloc[3], per_queue[3];
	unsigned int i, n = min(nr_queued, nr_requests);
	struct wdfq_queue *q;
	int r;

	for (r = 0; r < 3; r++) {
		q = wdfq_queue_create(dev, &cfg);
		if (IS_ERR(q))
			return;
		wdfq_queue_stop(q, NULL, NULL);
		s0 = bench_slab_bytes();
		if (bench_alloc(dev, reqs, n)) {
			wdfq_queue_delete(q);
			return;
		}
		s1 = bench_slab_bytes();
		for (i = 0; i < n; i++)
			wdfq_queue_submit(q, reqs[i]);
		s2 = bench_slab_bytes();
		per_alloc[r] = (s1 - s0) / (long)n;
		per_queue[r] = (s2 - s1) / (long)n;
		wdfq_queue_delete(q);	/* cancels them all */
		bench_put(reqs, n);
	}
	sort(per_alloc, 3, sizeof(long), bench_cmp_long, NULL);
	sort(per_queue, 3, sizeof(long), bench_cmp_long, NULL);
	pr_info("memory: %ld bytes of slab per allocated request, %+ld more once queued (%u requests on a stopped queue, median of 3; target <= 256)\n",
		per_alloc[1], per_queue[1], n);
}

static int __init wdfq_bench_init(void)
{
	struct wdfq_device_config dcfg = { .name = "wdfq-bench" };
	struct wdfq_request **reqs;
	struct wdfq_device *dev;

	if (!nr_requests)
		return -EINVAL;
	reqs = vmalloc(array_size(nr_requests, sizeof(*reqs)));
	if (!reqs)
		return -ENOMEM;
	dev = wdfq_device_create(&dcfg);
	if (IS_ERR(dev)) {
		vfree(reqs);
		return PTR_ERR(dev);
	}
	pr_info("engine figures%s%s\n",
		IS_ENABLED(CONFIG_KASAN) ? " (KASAN on: inflated)" : "",
		IS_ENABLED(CONFIG_PROVE_LOCKING) ? " (lockdep on: inflated)" : "");
	bench_dispatch(dev, reqs);
	bench_memory(dev, reqs);
	wdfq_device_delete(dev);
	vfree(reqs);
	return 0;
}

static void __exit wdfq_bench_exit(void)
{
}

module_init(wdfq_bench_init);
module_exit(wdfq_bench_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Micro-benchmark of the wdfq queue engine");
