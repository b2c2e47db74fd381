// SPDX-License-Identifier: GPL-2.0
/*
 * Placeholder kselftest: /dev/wdfq0 opens and reads. Replaced by the
 * driver's tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "kselftest_harness.h"

TEST(open_read)
{
	char buf[64];
	ssize_t n;
	int fd;

	fd = open("/dev/wdfq0", O_RDWR);
	ASSERT_LE(0, fd) TH_LOG("open /dev/wdfq0: %s", strerror(errno));
	n = read(fd, buf, sizeof(buf));
	EXPECT_LE(0, n) TH_LOG("read: %s", strerror(errno));
	close(fd);
}

TEST_HARNESS_MAIN
