/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared scaffolding of the wdfq engine KUnit suite (wdfq_kunit.ko).
 * "Rule N" in the suites' comments: the section "Rule N" of
 * Documentation/wdfq/queue-model.rst.
 *
 * Every case builds a &struct kt_env: one engine device, its queues, and a
 * table of tracked requests. The test plays both roles, submitter and
 * driver. Each request carries a pointer to its &struct kt_req in its driver
 * context, and a done callback that counts completions per request, so
 * "completed exactly once" is checked for every request of every case.
 *
 * Callbacks of the engine never use KUNIT_EXPECT (they may run on other
 * threads, or in hard interrupt context for done callbacks): they count
 * violations in atomics, which the test thread checks.
 *
 * kt_env_create() registers a KUnit action that, when the case ends (or
 * aborts), checks the balance of every live queue, deletes the engine
 * device, checks that every submitted request completed exactly once, and
 * drops every request.
 */
#ifndef _WDFQ_KUNIT_HELPERS_H
#define _WDFQ_KUNIT_HELPERS_H

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include <wdfq.h>

#define KT_MAX_QUEUES	8
/* Generous: the debug kernel runs under QEMU TCG with KASAN and lockdep. */
#define KT_TIMEOUT_MS	30000
#define KT_MAX_THREADS	16
#define KT_MAX_ALLOCS	16

struct kt_env;

/**
 * struct kt_req - a tracked request
 * @env: its test environment
 * @req: the engine request (the test holds one reference until the end)
 * @id: index in &kt_env.kr
 * @submitted: handed to the engine
 * @done: done callbacks seen (must end at 1)
 * @presented: presentations to a handler (or retrievals done by helpers)
 * @cancel_calls: cancel routine and io_canceled_on_queue calls
 * @stops: io_stop calls
 * @resumes: io_resume calls
 * @stop_flags: flags of the last io_stop call
 * @done_hardirq: the done callback ran in hard interrupt context
 * @done_softirq: the done callback ran in a bottom half
 * @async_rc: return value of an asynchronous (timer, BH) completion
 * @timer: for completions from hard interrupt context
 * @timer_used: @timer was set up
 * @bh_work: for completions from a bottom half
 * @bh_used: @bh_work was used
 * @hops: forwards so far (for cases that bounce requests around)
 * @priv: free for the case
 */
struct kt_req {
	struct kt_env *env;
	struct wdfq_request *req;
	int id;
	bool submitted;
	atomic_t done;
	atomic_t presented;
	atomic_t cancel_calls;
	atomic_t stops;
	atomic_t resumes;
	unsigned int stop_flags;
	bool done_hardirq;
	bool done_softirq;
	int async_rc;
	struct hrtimer timer;
	bool timer_used;
	struct work_struct bh_work;
	bool bh_used;
	int hops;
	unsigned long priv;
};

/**
 * struct kt_env - one case's world
 * @test: the KUnit case
 * @dev: the engine device
 * @q: live queues (NULL once deleted by the case)
 * @nq: queues created
 * @kr: tracked requests
 * @cap: size of @kr
 * @nreq: requests allocated so far
 * @outstanding: submitted requests not yet done
 * @double_done: done callbacks beyond the first one of a request
 * @bad_ctx: callbacks that ran in a context the contract forbids
 * @hardirq_done: done callbacks that ran in hard interrupt context
 * @lock: protects @held and @log
 * @held: FIFO of driver-owned requests handed to the test by handlers
 * @held_head: next to pop
 * @held_tail: next free slot
 * @log: presentation order (request ids)
 * @nlog: entries in @log
 * @allow_bugs: the case provokes driver bugs on purpose
 * @priv: free for the case
 * @allocs: kt_zalloc() memory, freed after the device
 * @nallocs: entries in @allocs
 */
struct kt_env {
	struct kunit *test;
	struct wdfq_device *dev;
	struct wdfq_queue *q[KT_MAX_QUEUES];
	unsigned int nq;
	struct kt_req *kr;
	unsigned int cap;
	atomic_t nreq;
	atomic_t outstanding;
	atomic_t double_done;
	atomic_t bad_ctx;
	atomic_t hardirq_done;
	spinlock_t lock;	/* protects held[] and log[] */
	struct kt_req **held;
	unsigned int held_head;
	unsigned int held_tail;
	int *log;
	unsigned int nlog;
	bool allow_bugs;
	void *priv;
	void *allocs[KT_MAX_ALLOCS];
	unsigned int nallocs;
};

/* Environment */
struct kt_env *kt_env_create(struct kunit *test, unsigned int cap,
			     struct device *pm_dev);
struct wdfq_queue *kt_queue(struct kt_env *env, struct wdfq_queue_config *cfg);
void kt_queue_deleted(struct kt_env *env, struct wdfq_queue *q);
void kt_device_deleted(struct kt_env *env);
void *kt_zalloc(struct kt_env *env, size_t size);

/* Requests */
struct kt_req *kt_req_new(struct kt_env *env, enum wdfq_request_type type,
			  struct file *file);
void kt_submit(struct kt_req *kr);
void kt_submit_q(struct wdfq_queue *q, struct kt_req *kr);
struct kt_req *kt_submit_new(struct kt_env *env, struct wdfq_queue *q,
			     struct file *file);
static inline struct kt_req *kt_of(struct wdfq_request *req)
{
	return *(struct kt_req **)wdfq_request_ctx(req);
}

/* Handlers and callbacks */
bool kt_cb_enter(struct kt_env *env);
void kt_log(struct kt_env *env, struct kt_req *kr);
void kt_hold(struct kt_env *env, struct kt_req *kr);
struct kt_req *kt_pop(struct kt_env *env);
struct kt_req *kt_pop_wait(struct kt_env *env);
unsigned int kt_nheld(struct kt_env *env);
void kt_io_hold(struct wdfq_queue *q, struct wdfq_request *req);
void kt_io_complete(struct wdfq_queue *q, struct wdfq_request *req);
void kt_cancel_complete(struct wdfq_request *req);
void kt_complete_hardirq(struct kt_req *kr, u64 delay_ns);
void kt_complete_bh(struct kt_req *kr);

/* Checks */
void kt_state(struct wdfq_queue *q, struct wdfq_queue_state *st);
void kt_check_balance(struct kunit *test, struct wdfq_queue *q);
void kt_check_idle(struct kt_env *env, struct wdfq_queue *q);
void kt_settle(struct kt_env *env);
bool kt_wait_done(struct kt_req *kr);
bool kt_wait_all(struct kt_env *env);
void kt_end(struct kt_env *env);

/* Threads */
struct kt_threads {
	struct completion done[KT_MAX_THREADS];
	int (*fn)(void *arg, int idx);
	void *arg;
	int n;
	atomic_t next;
};

void kt_threads_start(struct kunit *test, struct kt_threads *th, int n,
		      int (*fn)(void *arg, int idx), void *arg);
bool kt_threads_wait(struct kt_threads *th);

/* Pseudo-random numbers, cheap and callable from any context. */
u32 kt_rand(u32 *state);

/**
 * KT_WAIT() - poll a condition until true or KT_TIMEOUT_MS
 * @cond: expression to poll, from process context
 *
 * Return: true if @cond became true.
 */
#define KT_WAIT(cond)							\
({									\
	unsigned long __end = jiffies + msecs_to_jiffies(KT_TIMEOUT_MS);\
	bool __ok;							\
	for (;;) {							\
		__ok = (cond);						\
		if (__ok || time_after(jiffies, __end))			\
			break;						\
		usleep_range(500, 1000);				\
	}								\
	__ok;								\
})

/*
 * Shared by the suites of the queue model: fake files (the engine only
 * compares the pointers) and canned queue configurations.
 */
extern int kt_file_a, kt_file_b;
#define KT_FILE_A ((struct file *)&kt_file_a)
#define KT_FILE_B ((struct file *)&kt_file_b)

extern const struct wdfq_queue_ops kt_io_hold_ops;	/* io_default: kt_io_hold */
extern const struct wdfq_queue_ops kt_cq_complete_ops;	/* io_canceled_on_queue */

#define KT_SEQ_HOLD(n) { .name = (n), .dispatch = WDFQ_DISPATCH_SEQUENTIAL, \
			 .ops = &kt_io_hold_ops }
#define KT_PAR_HOLD(n, max) { .name = (n), .dispatch = WDFQ_DISPATCH_PARALLEL, \
			      .max_presented = (max), .ops = &kt_io_hold_ops }
#define KT_MANUAL(n) { .name = (n), .dispatch = WDFQ_DISPATCH_MANUAL }

/* Expectations */
bool kt_wait_for(struct completion *c);
void kt_expect_status(struct kunit *test, struct kt_req *kr, int status);
struct kt_req *kt_new_submit(struct kunit *test, struct kt_env *env,
			     struct wdfq_queue *q, struct file *file);
struct kt_req *kt_expect_pop(struct kunit *test, struct kt_env *env,
			     struct kt_req *want);
void kt_expect_complete(struct kunit *test, struct kt_req *kr,
			int status, size_t info);
void kt_expect_quiet(struct kunit *test, struct kt_env *env);
void kt_complete_later(struct kt_req *kr, unsigned int ms);
void kt_cq_complete(struct wdfq_queue *q, struct wdfq_request *req);

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

struct kt_statecb *kt_statecb_new(struct kt_env *env);
void kt_state_fn(struct wdfq_queue *q, void *ctx);

/* Runs @call with @s marked as inside it: its callback must not run then. */
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

/* A ready-notification callback: counts, detects overlap, may retrieve. */
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

void kt_rn_fn(struct wdfq_queue *q, void *ctx);

#endif /* _WDFQ_KUNIT_HELPERS_H */
