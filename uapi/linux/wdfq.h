/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * wdfq: user-space API of the reference driver, /dev/wdfqN.
 *
 * The device is a small simulated piece of hardware that produces data
 * through interrupts. Its requests go through the wdfq queue engine (the
 * KMDF I/O queue model): read(2), write(2) and ioctl(2) each become one
 * engine request, routed to one of the device's queues:
 *
 *   id  queue    dispatch        power-managed  role
 *   0   read     sequential      yes            satisfy from the ring, else
 *                                               forward to "pending"
 *   1   pending  manual          yes            parked reads, completed by
 *                                               the interrupt's DPC in FIFO
 *                                               order
 *   2   write    parallel(N)     yes            each write is a transfer of
 *                                               write_latency_us; its
 *                                               completion interrupt loops
 *                                               the bytes back as input
 *   3   control  parallel(0=inf) no             every ioctl; never wakes the
 *                                               device
 *   4   events   manual          no             WAIT_EVENT, completed by the
 *                                               next interrupt
 *
 * With the module parameter read_path=1 (WDFQ_READ_PATH_NOTIFY) the read
 * queue is instead a manual queue with a ready notification and there is
 * no pending queue (GET_INFO marks it WDFQ_QUEUE_F_ABSENT).
 *
 * read(2): returns at most WDFQ_MAX_IO bytes per call. It returns what the
 * ring holds (up to the requested length) at once; with the ring empty it
 * blocks until the next interrupt delivers data, and returns what that
 * interrupt delivered (up to the requested length; the rest goes to the
 * ring for the next reader). Parked reads are satisfied in arrival order.
 * A read of 0 bytes returns 0.
 * write(2): at most WDFQ_MAX_IO bytes per call; longer writes are cut to
 * WDFQ_MAX_IO and return the count taken, as for a pipe. The call returns
 * once the transfer's completion interrupt has fired; the bytes are then
 * device input, as if the device had received them.
 * poll(2)/epoll: EPOLLIN when the ring holds data, no read is parked and
 * the read queue is not stopped (a read returns at once); EPOLLOUT when a
 * write would start at once. A side whose queue no longer accepts requests
 * (drained or purged, until START) fails them at once, like a pipe whose
 * other end is gone: the read side (read or pending queue) then reports
 * EPOLLHUP, the write side EPOLLERR; a removed instance reports both.
 * close(2) ends a descriptor only: calls blocked on the open file through
 * any descriptor go on (a signal ends them, see EINTR). The last close of
 * the open file cancels what it still has queued.
 *
 * Access: /dev/wdfqN is created with mode 0666, like other test devices
 * (/dev/null): any user may open it, read, write, poll and use GET_INFO,
 * GET_QUEUE_STATS, GET_PARAMS and WAIT_EVENT. The ioctls that change the
 * device (QUEUE_CTL, SET_PARAMS, INJECT, RESET_STATS) need CAP_SYS_ADMIN.
 *
 * All structures use fixed-width types and explicit padding. Fields marked
 * "in" are read by the driver, "out" are written by it. Every flags and
 * reserved field that is "in" must be zero (else EINVAL).
 *
 * Errors (errno), for every call:
 *   EINTR / restart  a signal interrupted a call whose request was queued
 *                    (with SA_RESTART the call restarts; nothing was
 *                    transferred); an io_uring read or write cancelled in
 *                    io_uring's worker: EINTR
 *   ECANCELED        the request was cancelled by a purge of its queue
 *   ESHUTDOWN        the queue does not accept requests (drained, purged)
 *   ENODEV           the device instance was removed (unbind); also a
 *                    QUEUE_CTL or SET_PARAMS that the removal overtook
 *   ENOTTY           unknown ioctl
 *   EAGAIN           O_NONBLOCK and the call would block (read: no data
 *                    for it now, or the read queue is stopped; write: the
 *                    write queue is stopped or full; RWF_NOWAIT and
 *                    io_uring's first try of a read also when it would
 *                    wait for the device's resume or behind other reads,
 *                    though data is there); or read, write or
 *                    WAIT_EVENT found the per-open, per-user or per-device
 *                    limit of requests or bytes in progress reached
 *                    (module parameters file_max_requests, file_max_bytes,
 *                    user_max_requests, user_max_bytes, dev_max_requests,
 *                    dev_max_bytes; the per-user one is keyed by the real
 *                    uid and not applied to CAP_SYS_RESOURCE or
 *                    CAP_SYS_ADMIN). The other ioctls never wait for the
 *                    device and are never refused by these limits.
 *   EFAULT           bad pointer
 *   ENOMEM           the kernel could not allocate what the call needs;
 *                    nothing was queued or changed
 *   EINVAL           bad size, queue id, operation, flags, nonzero reserved
 *                    field, parameter out of range
 *   EPERM            QUEUE_CTL, SET_PARAMS, INJECT, RESET_STATS without
 *                    CAP_SYS_ADMIN (checked at each call, in the caller's
 *                    credentials: a descriptor opened by root gives
 *                    nothing more to an unprivileged process)
 *   EBUSY            QUEUE_CTL: an operation of the same kind is still
 *                    pending on that queue; SET_PARAMS: the ring holds more
 *                    bytes than the new ring size
 */
#ifndef _UAPI_LINUX_WDFQ_H
#define _UAPI_LINUX_WDFQ_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* All _IO* numbers of this device use this magic (free in ioctl-number.rst). */
#define WDFQ_IOC_MAGIC		0xB9

/* Version of this API, reported by GET_INFO. */
#define WDFQ_API_VERSION	1

/* Most bytes one read(2) or write(2) transfers (the kernel bounce buffer). */
#define WDFQ_MAX_IO		16384
/* Most bytes one INJECT feeds. */
#define WDFQ_MAX_INJECT		16384
/* Number of queue slots in struct wdfq_info. */
#define WDFQ_MAX_QUEUES		8

/* Queue ids (struct wdfq_queue_stats.queue, struct wdfq_queue_ctl.queue). */
#define WDFQ_QUEUE_READ		0
#define WDFQ_QUEUE_PENDING	1
#define WDFQ_QUEUE_WRITE	2
#define WDFQ_QUEUE_CONTROL	3
#define WDFQ_QUEUE_EVENTS	4
#define WDFQ_NR_QUEUES		5

/*
 * Dispatch types (struct wdfq_queue_info.dispatch); the same values as the
 * engine's enum wdfq_dispatch, under names of their own.
 */
#define WDFQ_DISP_SEQUENTIAL	0
#define WDFQ_DISP_PARALLEL	1
#define WDFQ_DISP_MANUAL	2

/* struct wdfq_queue_info.flags */
#define WDFQ_QUEUE_F_POWER_MANAGED	0x1	/* held off while suspended */
#define WDFQ_QUEUE_F_READY_NOTIFY	0x2	/* manual queue with ready notify */
#define WDFQ_QUEUE_F_ABSENT		0x4	/* no such queue in this topology */

/* Read paths (struct wdfq_info.read_path, module parameter read_path). */
#define WDFQ_READ_PATH_FORWARD	0	/* sequential read -> manual pending */
#define WDFQ_READ_PATH_NOTIFY	1	/* manual read queue + ready notify */

/**
 * struct wdfq_queue_info - one queue of the topology
 * @id: WDFQ_QUEUE_* (out)
 * @dispatch: WDFQ_DISP_* (out)
 * @max_presented: parallel queues: most requests in progress at once,
 *	0 = unlimited; 1 for sequential queues, 0 for manual ones (out)
 * @flags: WDFQ_QUEUE_F_* (out)
 * @name: NUL-terminated name (out)
 */
struct wdfq_queue_info {
	__u32 id;
	__u32 dispatch;
	__u32 max_presented;
	__u32 flags;
	char name[16];
};

/**
 * struct wdfq_info - WDFQ_IOC_GET_INFO
 * @version: WDFQ_API_VERSION (out)
 * @instance: N of /dev/wdfqN and of the platform device wdfq.N (out)
 * @read_path: WDFQ_READ_PATH_* (out)
 * @nr_queues: entries used in @queues, WDFQ_NR_QUEUES (out)
 * @max_io: WDFQ_MAX_IO (out)
 * @max_inject: WDFQ_MAX_INJECT (out)
 * @file_max_requests: most requests one open file may have queued or in
 *	progress (out)
 * @dev_max_requests: the same for the whole device (out)
 * @file_max_bytes: most bounce-buffer bytes one open file may pin (out)
 * @dev_max_bytes: the same for the whole device (out)
 * @flags: 0 (out)
 * @user_max_requests: most requests one user (real uid) may have queued
 *	or in progress, over all its open files of all instances; not
 *	applied to CAP_SYS_RESOURCE or CAP_SYS_ADMIN (out)
 * @user_max_bytes: the same for bounce-buffer bytes (out)
 * @reserved: 0 (out)
 * @queues: the topology, indexed by queue id (out)
 */
struct wdfq_info {
	__u32 version;
	__u32 instance;
	__u32 read_path;
	__u32 nr_queues;
	__u32 max_io;
	__u32 max_inject;
	__u32 file_max_requests;
	__u32 dev_max_requests;
	__u64 file_max_bytes;
	__u64 dev_max_bytes;
	__u32 flags;
	__u32 user_max_requests;
	__u64 user_max_bytes;
	__u32 reserved[4];
	struct wdfq_queue_info queues[WDFQ_MAX_QUEUES];
};

/* struct wdfq_queue_stats.state */
#define WDFQ_QS_ACCEPTING	0x1	/* new requests are taken */
#define WDFQ_QS_DISPATCHING	0x2	/* requests are presented/retrievable */
#define WDFQ_QS_POWERED		0x4	/* not held off by the power state */

/* struct wdfq_queue_stats.dev_state */
#define WDFQ_DS_ARMED		0x1	/* hardware powered: interrupts armed */
#define WDFQ_DS_RPM_SUSPENDED	0x2	/* runtime PM status is "suspended" */

/**
 * struct wdfq_queue_stats - WDFQ_IOC_GET_QUEUE_STATS
 * @queue: WDFQ_QUEUE_* to report (in)
 * @flags: 0 (in)
 * @state: WDFQ_QS_* (out)
 * @queued: requests on the queue (out)
 * @driver_owned: requests presented or retrieved and not yet finished (out)
 * @max_driver_owned: highest @driver_owned since the last reset (out)
 * @arrived: requests submitted to the queue (out)
 * @presented: presentations and retrievals (out)
 * @completed: requests completed by the driver, or by the engine on
 *	arrival (out)
 * @cancelled: queued requests cancelled (signal, close, purge) (out)
 * @forwarded_in: requests forwarded here from another queue (out)
 * @forwarded_out: requests forwarded from here to another queue (out)
 * @driver_bugs: driver bugs the engine detected on this queue (out)
 * @dev_state: WDFQ_DS_* (out)
 * @write_inflight: write transfers running now (out)
 * @write_inflight_max: most write transfers running at once since the
 *	last reset (out)
 * @ring_size: bytes the ring can hold (out)
 * @ring_bytes: bytes in the ring now (out)
 * @interrupts: interrupts raised: input latches and write completions; on
 *	the edu PCI backend every interrupt of the device, as counted on its
 *	line in /proc/interrupts (out)
 * @dpc_runs: runs of the DPC (tasklet or BH work) (out)
 * @input_bytes: bytes latched by the interrupt handler (out)
 * @direct_bytes: bytes the DPC gave straight to parked reads (out)
 * @overrun_bytes: bytes dropped because the ring (or the hardware FIFO) was
 *	full (out)
 * @overruns: interrupts/DPC runs that dropped bytes (out)
 * @events: WAIT_EVENT requests completed (out)
 * @rpm_suspends: runtime suspends of the instance's device (platform, or
 *	edu PCI) (out)
 * @rpm_resumes: runtime resumes of the instance's device (out)
 * @sys_suspends: system sleep transitions that powered the device down (out)
 * @sys_resumes: system resumes that powered the device up (out)
 * @requests_limited: calls refused with EAGAIN by the per-open or
 *	per-device limits (out)
 * @reserved: 0 (out)
 *
 * The queue counters balance: @arrived + @forwarded_in = @completed +
 * @cancelled + @forwarded_out + @queued + @driver_owned. The device counters
 * (from @dev_state on) are the same whichever queue is asked for. Asking
 * never wakes the device.
 */
struct wdfq_queue_stats {
	__u32 queue;
	__u32 flags;
	__u32 state;
	__u32 queued;
	__u32 driver_owned;
	__u32 max_driver_owned;
	__u64 arrived;
	__u64 presented;
	__u64 completed;
	__u64 cancelled;
	__u64 forwarded_in;
	__u64 forwarded_out;
	__u64 driver_bugs;
	__u32 dev_state;
	__u32 write_inflight;
	__u32 write_inflight_max;
	__u32 ring_size;
	__u64 ring_bytes;
	__u64 interrupts;
	__u64 dpc_runs;
	__u64 input_bytes;
	__u64 direct_bytes;
	__u64 overrun_bytes;
	__u64 overruns;
	__u64 events;
	__u64 rpm_suspends;
	__u64 rpm_resumes;
	__u64 sys_suspends;
	__u64 sys_resumes;
	__u64 requests_limited;
	__u64 reserved[4];
};

/* struct wdfq_queue_ctl.op */
#define WDFQ_CTL_START		1	/* accept and dispatch */
#define WDFQ_CTL_STOP		2	/* accept, dispatch nothing */
#define WDFQ_CTL_DRAIN		3	/* refuse new (ESHUTDOWN), finish old */
#define WDFQ_CTL_PURGE		4	/* refuse new, cancel all (ECANCELED) */
#define WDFQ_CTL_STOP_PURGE	5	/* cancel what is there, keep accepting,
					 * dispatch nothing until START
					 */

/* struct wdfq_queue_ctl.flags */
#define WDFQ_CTL_F_WAIT		0x1	/* return once the operation finished:
					 * STOP/STOP_PURGE: nothing in progress;
					 * DRAIN/PURGE: nothing queued or in
					 * progress. Only this call's operation
					 * ends the wait. A signal ends it with
					 * EINTR; the operation goes on (io_uring
					 * task work is no signal). ENODEV if the
					 * instance is removed first.
					 */

/**
 * struct wdfq_queue_ctl - WDFQ_IOC_QUEUE_CTL (CAP_SYS_ADMIN)
 * @queue: WDFQ_QUEUE_* except WDFQ_QUEUE_CONTROL (in)
 * @op: WDFQ_CTL_* (in)
 * @flags: WDFQ_CTL_F_* (in)
 * @reserved: 0 (in)
 *
 * A drained or purged queue accepts requests again after WDFQ_CTL_START.
 * START also ends a purge or stop-and-purge issued without
 * WDFQ_CTL_F_WAIT that is still cancelling: requests that arrive, or are
 * started, after it are served, not cancelled.
 */
struct wdfq_queue_ctl {
	__u32 queue;
	__u32 op;
	__u32 flags;
	__u32 reserved;
};

/* struct wdfq_params.mask: which fields SET_PARAMS applies */
#define WDFQ_PARAM_WRITE_LATENCY	0x1
#define WDFQ_PARAM_WRITE_LIMIT		0x2
#define WDFQ_PARAM_GEN_RATE		0x4
#define WDFQ_PARAM_RING_SIZE		0x8
#define WDFQ_PARAM_ALL			0xf

/**
 * struct wdfq_params - WDFQ_IOC_SET_PARAMS (CAP_SYS_ADMIN), WDFQ_IOC_GET_PARAMS
 * @mask: SET: WDFQ_PARAM_* bits of the fields to apply, others ignored;
 *	GET: 0 (in)
 * @write_latency_us: duration of one write transfer, 0..10000000; applies
 *	to transfers that start afterwards (in for SET, out for GET)
 * @write_limit: most write transfers in progress at once (the write
 *	queue's parallel limit), 1..64. The engine fixes a queue's limit when
 *	it creates the queue, so SET rebuilds the write queue at once: new
 *	writes go to a new queue with the new limit while the old queue
 *	drains. The module parameter write_limit gives the value for new
 *	instances (in for SET, out for GET)
 * @gen_rate_hz: generator rate in records (8 bytes: a little-endian
 *	sequence number) per second, 0 = off, up to 100000; runs only while
 *	the device is powered (in for SET, out for GET)
 * @ring_size: bytes of the ring buffer, a power of 2 from 64 to 1048576;
 *	applies at once, buffered bytes are kept (EBUSY if they do not fit)
 *	(in for SET, out for GET)
 * @reserved: 0 (in)
 */
struct wdfq_params {
	__u32 mask;
	__u32 write_latency_us;
	__u32 write_limit;
	__u32 gen_rate_hz;
	__u32 ring_size;
	__u32 reserved[3];
};

/* struct wdfq_inject.flags */
#define WDFQ_INJECT_F_WAKE	0x1	/* resume the device for the injection;
					 * without it, bytes injected while it
					 * is suspended wait in the device until
					 * it resumes
					 */

/**
 * struct wdfq_inject - WDFQ_IOC_INJECT (CAP_SYS_ADMIN)
 * @data: user pointer to the bytes (in)
 * @len: bytes at @data, 1..WDFQ_MAX_INJECT (in)
 * @flags: WDFQ_INJECT_F_* (in)
 * @reserved: 0 (in)
 *
 * The bytes enter the device's input buffer and raise an input interrupt
 * (once the device is powered). Bytes that do not fit the input buffer are
 * dropped and counted as overrun.
 */
struct wdfq_inject {
	__u64 data;
	__u32 len;
	__u32 flags;
	__u64 reserved;
};

/* struct wdfq_event.source */
#define WDFQ_EVT_INPUT		1	/* input interrupt (inject, generator) */
#define WDFQ_EVT_WRITE_DONE	2	/* a write transfer completed */

/**
 * struct wdfq_event - WDFQ_IOC_WAIT_EVENT
 * @flags: 0 (in)
 * @source: WDFQ_EVT_* of the interrupt (out)
 * @seq: sequence number of the interrupt, from 1 (out)
 * @timestamp_ns: CLOCK_MONOTONIC time of the interrupt (out)
 * @bytes: bytes that interrupt latched (out)
 * @reserved: 0 (out)
 *
 * The call parks until the first interrupt that happens after the driver
 * took it (no interrupt is missed, however close) and returns that
 * interrupt's record (the latest one, if several happened
 * before the DPC ran). All waiters released by one DPC run get the same
 * record.
 */
struct wdfq_event {
	__u32 flags;
	__u32 source;
	__u64 seq;
	__u64 timestamp_ns;
	__u32 bytes;
	__u32 reserved;
};

/**
 * struct wdfq_reset_stats - WDFQ_IOC_RESET_STATS (CAP_SYS_ADMIN)
 * @flags: 0 (in)
 * @reserved: 0 (in)
 *
 * Restarts the counters of every queue (the balance still holds) and the
 * device counters, except @ring_bytes and @write_inflight which are states.
 */
struct wdfq_reset_stats {
	__u32 flags;
	__u32 reserved;
};

#define WDFQ_IOC_GET_INFO	_IOR(WDFQ_IOC_MAGIC, 0x00, struct wdfq_info)
#define WDFQ_IOC_GET_QUEUE_STATS _IOWR(WDFQ_IOC_MAGIC, 0x01, struct wdfq_queue_stats)
#define WDFQ_IOC_QUEUE_CTL	_IOW(WDFQ_IOC_MAGIC, 0x02, struct wdfq_queue_ctl)
#define WDFQ_IOC_SET_PARAMS	_IOW(WDFQ_IOC_MAGIC, 0x03, struct wdfq_params)
#define WDFQ_IOC_GET_PARAMS	_IOWR(WDFQ_IOC_MAGIC, 0x04, struct wdfq_params)
#define WDFQ_IOC_INJECT		_IOW(WDFQ_IOC_MAGIC, 0x05, struct wdfq_inject)
#define WDFQ_IOC_WAIT_EVENT	_IOWR(WDFQ_IOC_MAGIC, 0x06, struct wdfq_event)
#define WDFQ_IOC_RESET_STATS	_IOW(WDFQ_IOC_MAGIC, 0x07, struct wdfq_reset_stats)

#endif /* _UAPI_LINUX_WDFQ_H */
