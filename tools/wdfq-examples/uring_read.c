// SPDX-License-Identifier: GPL-2.0
/*
 * Driving /dev/wdfq0 with io_uring (liburing): a write and a read of its
 * loopback in one submission, then a read cancelled with
 * IORING_OP_ASYNC_CANCEL. README.md ("Driving the device from C") quotes
 * it; "make check" runs it in the VM (scripts/guest/init).
 *
 *   uring_read [/dev/wdfqN]    exit status 0 when every step did what
 *                              the comments say
 *
 * Build: make, which links -luring (Debian: liburing-dev).
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MSG	"hello, wdfq"

static int failed;

static void expect(int ok, const char *what)
{
	printf("%s %s\n", ok ? "ok:  " : "FAIL:", what);
	if (!ok)
		failed = 1;
}

/* Read away what an earlier user left in the ring. */
static void drain(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_NONBLOCK);

	if (fd < 0)
		return;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

/* Wait for @n completions; store each one's result by its user_data. */
static int reap(struct io_uring *ring, int n, int res[], int nres)
{
	struct io_uring_cqe *cqe;
	int ret;

	while (n--) {
		ret = io_uring_wait_cqe(ring, &cqe);
		if (ret < 0)
			return ret;
		if (cqe->user_data < (unsigned int)nres)
			res[cqe->user_data] = cqe->res;
		io_uring_cqe_seen(ring, cqe);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/dev/wdfq0";
	char in[64] = "";
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	int res[4] = { 0 };
	int fd, ret;

	drain(path);
	/* Not O_NONBLOCK: io_uring itself waits for the device. */
	fd = open(path, O_RDWR);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	ret = io_uring_queue_init(8, &ring, 0);
	if (ret < 0) {
		fprintf(stderr, "io_uring_queue_init: %s\n", strerror(-ret));
		return 1;
	}

	/*
	 * 1. Write and read in one submission. The read finds the ring empty
	 * and waits in io_uring's poll; the write's transfer ends (about
	 * write_latency_us later), the bytes loop back and the read
	 * completes with them. The offset (0) is ignored by the device.
	 */
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_write(sqe, fd, MSG, sizeof(MSG), 0);
	sqe->user_data = 0;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, in, sizeof(in), 0);
	sqe->user_data = 1;
	ret = io_uring_submit(&ring);
	expect(ret == 2, "io_uring_submit: both requests taken");
	ret = ret == 2 ? reap(&ring, 2, res, 4) : -1;
	expect(!ret && res[0] == sizeof(MSG), "write: cqe->res is the count written");
	expect(!ret && res[1] == sizeof(MSG) && !strcmp(in, MSG),
	       "read: cqe->res is the count read, the bytes written");

	/*
	 * 2. Cancel a waiting read. With nothing to read it waits in
	 * io_uring's poll; IORING_OP_ASYNC_CANCEL names it by its user_data.
	 * The read completes with -ECANCELED, the cancel with 0 (found;
	 * -ENOENT: nothing of that user_data in flight any more, -EALREADY:
	 * it was running and may still complete).
	 */
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, in, sizeof(in), 0);
	sqe->user_data = 2;
	ret = io_uring_submit(&ring);
	expect(ret == 1, "io_uring_submit: the read waits (the ring is empty)");
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_cancel64(sqe, 2, 0);
	sqe->user_data = 3;
	ret = io_uring_submit(&ring) == 1 ? reap(&ring, 2, res, 4) : -1;
	expect(!ret && res[2] == -ECANCELED, "cancelled read: cqe->res is -ECANCELED");
	expect(!ret && res[3] == 0, "IORING_OP_ASYNC_CANCEL: cqe->res is 0");

	io_uring_queue_exit(&ring);
	close(fd);
	return failed;
}
