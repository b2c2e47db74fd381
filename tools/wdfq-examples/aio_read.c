// SPDX-License-Identifier: GPL-2.0
/*
 * Driving /dev/wdfq0 with Linux AIO (libaio): a write and a read of its
 * loopback in one io_submit(), then a parked read cancelled with
 * io_cancel(). README.md ("Driving the device from C") quotes it; "make
 * check" runs it in the VM (scripts/guest/init).
 *
 *   aio_read [/dev/wdfqN]      exit status 0 when every step did what
 *                              the comments say
 *
 * Build: make, which links -laio (Debian: libaio-dev). libaio's calls return
 * a negative errno (they do not set errno).
 */
#include <errno.h>
#include <fcntl.h>
#include <libaio.h>
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

/* Wait for @n events; store each one's result by its data cookie. */
static int reap(io_context_t ctx, int n, long res[], int nres)
{
	struct io_event ev[4];
	int i, got;

	while (n > 0) {
		got = io_getevents(ctx, 1, n < 4 ? n : 4, ev, NULL);
		if (got < 0)
			return got;
		for (i = 0; i < got; i++)
			if ((unsigned long)ev[i].data < (unsigned int)nres)
				res[(unsigned long)ev[i].data] = (long)ev[i].res;
		n -= got;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/dev/wdfq0";
	char in[64] = "";
	io_context_t ctx = 0;
	struct iocb cb[3], *cbs[2] = { &cb[0], &cb[1] }, *cbp;
	struct io_event ev;
	long res[3] = { 0 };
	int fd, ret;

	drain(path);
	fd = open(path, O_RDWR);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	ret = io_setup(8, &ctx);
	if (ret < 0) {
		fprintf(stderr, "io_setup: %s\n", strerror(-ret));
		return 1;
	}

	/*
	 * 1. Write and read in one io_submit(), which returns at once. The
	 * read parks in the driver until the write's transfer ends and its
	 * bytes loop back. Offsets are ignored by the device.
	 */
	io_prep_pwrite(&cb[0], fd, MSG, sizeof(MSG), 0);
	cb[0].data = (void *)0;
	io_prep_pread(&cb[1], fd, in, sizeof(in), 0);
	cb[1].data = (void *)1;
	ret = io_submit(ctx, 2, cbs);
	expect(ret == 2, "io_submit: both requests taken");
	ret = ret == 2 ? reap(ctx, 2, res, 3) : -1;
	expect(!ret && res[0] == sizeof(MSG), "write: event res is the count written");
	expect(!ret && res[1] == sizeof(MSG) && !strcmp(in, MSG),
	       "read: event res is the count read, the bytes written");

	/*
	 * 2. Cancel a parked read. io_cancel() returns -EINPROGRESS: the
	 * driver cancelled it, and its event still comes through
	 * io_getevents(), with res -ECANCELED. (-EINVAL: the request is no
	 * longer in flight, its event has come or is coming.)
	 */
	io_prep_pread(&cb[2], fd, in, sizeof(in), 0);
	cb[2].data = (void *)2;
	cbp = &cb[2];
	ret = io_submit(ctx, 1, &cbp);
	expect(ret == 1, "io_submit: the read parks (the ring is empty)");
	ret = io_cancel(ctx, &cb[2], &ev);
	expect(ret == -EINPROGRESS, "io_cancel: returns -EINPROGRESS");
	ret = reap(ctx, 1, res, 3);
	expect(!ret && res[2] == -ECANCELED, "cancelled read: event res is -ECANCELED");

	io_destroy(ctx);
	close(fd);
	return failed;
}
