/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw libaio and io_uring for the wdfq kselftests: the system calls through
 * syscall(2) and a minimal io_uring ring of our own, so that no library is
 * linked (the programs are static). Include after wdfq_util.h.
 */
#ifndef WDFQ_ASYNC_H
#define WDFQ_ASYNC_H

#include <linux/aio_abi.h>
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>

static inline int wq_io_setup(unsigned int nr, aio_context_t *ctx)
{
	return syscall(__NR_io_setup, nr, ctx);
}

static inline int wq_io_destroy(aio_context_t ctx)
{
	return syscall(__NR_io_destroy, ctx);
}

static inline int wq_io_submit(aio_context_t ctx, long n, struct iocb **iocbs)
{
	return syscall(__NR_io_submit, ctx, n, iocbs);
}

static inline int wq_io_getevents(aio_context_t ctx, long min, long max,
				  struct io_event *ev, unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	return syscall(__NR_io_getevents, ctx, min, max, ev, &ts);
}

static inline int wq_io_cancel(aio_context_t ctx, struct iocb *iocb,
			       struct io_event *ev)
{
	return syscall(__NR_io_cancel, ctx, iocb, ev);
}

static inline void wq_iocb(struct iocb *cb, int fd, int op, void *buf,
			   size_t len, uint64_t data)
{
	memset(cb, 0, sizeof(*cb));
	cb->aio_fildes = fd;
	cb->aio_lio_opcode = op;
	cb->aio_buf = (uintptr_t)buf;
	cb->aio_nbytes = len;
	cb->aio_data = data;
}

/* Submit one iocb; returns io_submit's result. */
static inline int wq_aio_one(aio_context_t ctx, int fd, int op, void *buf,
			     size_t len, uint64_t data)
{
	struct iocb cb, *cbp = &cb;

	wq_iocb(&cb, fd, op, buf, len, data);
	return wq_io_submit(ctx, 1, &cbp);
}

/* Collect exactly @n events (generous limit); returns how many came. */
static inline int wq_aio_reap(aio_context_t ctx, struct io_event *ev, int n)
{
	uint64_t end = wq_now_ms() + WQ_WAIT_MS;
	int got = 0, r;

	while (got < n && wq_now_ms() < end) {
		r = wq_io_getevents(ctx, 1, n - got, ev + got, 1000);
		if (r < 0 && errno != EINTR)
			return -1;
		if (r > 0)
			got += r;
	}
	return got;
}

/* Events ready now, without waiting (0: none). */
static inline int wq_aio_peek(aio_context_t ctx, struct io_event *ev, int max)
{
	return wq_io_getevents(ctx, 0, max, ev, 0);
}

struct wq_ring {
	int fd;
	unsigned int entries;
	unsigned int *sq_head, *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	void *sq_ptr, *cq_ptr;
	size_t sq_len, cq_len, sqe_len;
};

/* Returns 0, or -1 with errno (ENOSYS, EPERM: io_uring not available). */
static inline int wq_ring_init(struct wq_ring *r, unsigned int entries)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	memset(r, 0, sizeof(*r));
	r->fd = syscall(__NR_io_uring_setup, entries, &p);
	if (r->fd < 0) {
		r->fd = 0;
		return -1;
	}
	r->entries = p.sq_entries;
	r->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	r->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	r->sqe_len = p.sq_entries * sizeof(struct io_uring_sqe);
	r->sq_ptr = mmap(NULL, r->sq_len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	r->cq_ptr = mmap(NULL, r->cq_len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, r->sqe_len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (r->sq_ptr == MAP_FAILED || r->cq_ptr == MAP_FAILED ||
	    r->sqes == MAP_FAILED)
		return -1;
	r->sq_head = (unsigned int *)((char *)r->sq_ptr + p.sq_off.head);
	r->sq_tail = (unsigned int *)((char *)r->sq_ptr + p.sq_off.tail);
	r->sq_mask = (unsigned int *)((char *)r->sq_ptr + p.sq_off.ring_mask);
	r->sq_array = (unsigned int *)((char *)r->sq_ptr + p.sq_off.array);
	r->cq_head = (unsigned int *)((char *)r->cq_ptr + p.cq_off.head);
	r->cq_tail = (unsigned int *)((char *)r->cq_ptr + p.cq_off.tail);
	r->cq_mask = (unsigned int *)((char *)r->cq_ptr + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)((char *)r->cq_ptr + p.cq_off.cqes);
	return 0;
}

/* Unmap and close: the ring's teardown cancels what it still has. */
static inline void wq_ring_exit(struct wq_ring *r)
{
	if (r->fd <= 0)
		return;
	munmap(r->sqes, r->sqe_len);
	munmap(r->cq_ptr, r->cq_len);
	munmap(r->sq_ptr, r->sq_len);
	close(r->fd);
	r->fd = 0;
}

static inline struct io_uring_sqe *wq_ring_sqe(struct wq_ring *r)
{
	unsigned int tail = *r->sq_tail;
	unsigned int i = tail & *r->sq_mask;
	struct io_uring_sqe *sqe = &r->sqes[i];

	memset(sqe, 0, sizeof(*sqe));
	r->sq_array[i] = i;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	return sqe;
}

static inline int wq_ring_enter(struct wq_ring *r, unsigned int submit,
				unsigned int wait)
{
	return syscall(__NR_io_uring_enter, r->fd, submit, wait,
		       wait ? IORING_ENTER_GETEVENTS : 0, NULL, 0);
}

/* Completions posted and not reaped yet. */
static inline unsigned int wq_ring_ready(struct wq_ring *r)
{
	return __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE) - *r->cq_head;
}

/* Collect @n completions (generous limit); returns how many came. */
static inline int wq_ring_reap(struct wq_ring *r, struct io_uring_cqe *out,
			       int n)
{
	uint64_t end = wq_now_ms() + WQ_WAIT_MS;
	int got = 0;

	while (got < n && wq_now_ms() < end) {
		unsigned int head = *r->cq_head;

		if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE)) {
			wq_sleep_ms(2);
			continue;
		}
		out[got++] = r->cqes[head & *r->cq_mask];
		__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	}
	return got;
}

static inline void wq_prep_rw(struct io_uring_sqe *sqe, int op, int fd,
			      void *buf, unsigned int len, uint64_t data)
{
	sqe->opcode = op;
	sqe->fd = fd;
	sqe->addr = (uintptr_t)buf;
	sqe->len = len;
	sqe->off = -1ULL;	/* current position: the device is a stream */
	sqe->user_data = data;
}

#endif /* WDFQ_ASYNC_H */
