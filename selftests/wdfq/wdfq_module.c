// SPDX-License-Identifier: GPL-2.0
/*
 * wdfq module and instance lifetime: unbinding the platform device while
 * files are open (ENODEV), rmmod while open (refused) and after close
 * (clean), and reloading the module.
 *
 * Runs first: it leaves the module loaded with count=2 read_path=0,1 so
 * that the read tests also run on /dev/wdfq1, the ready-notify read path
 * (the R1..R5 example of Documentation/wdfq/queue-model.rst). The module
 * file is $WDFQ_KO, else /wdfq/modules/wdfq.ko (the test VM's layout);
 * without it the reload tests are skipped.
 */
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "wdfq_util.h"

#define DRVDIR	"/sys/bus/platform/drivers/wdfq/"

/* Unbind with open files: they get ENODEV; bind brings it back. */
TEST(unbind_with_open_file)
{
	struct wq_reader r;
	char buf[8];
	struct wdfq_info info;
	int fd;

	if (geteuid() || access(DRVDIR "unbind", W_OK))
		SKIP(return, "needs root and %s", DRVDIR "unbind");
	fd = open("/dev/wdfq0", O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, WDFQ_IOC_GET_INFO, &info));
	ASSERT_EQ(0, wq_reader_start(&r, fd, 8));
	ASSERT_EQ(0, wq_wait_queued(fd, wq_parked_q(&info), 1));
	ASSERT_EQ(0, wq_sysfs_write(DRVDIR "unbind", "wdfq.0"));
	ASSERT_EQ(0, wq_join(r.th, WQ_WAIT_MS));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(ENODEV, r.err);
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-1, write(fd, buf, sizeof(buf)));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-1, ioctl(fd, WDFQ_IOC_GET_INFO, &info));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(0, wq_wait_path("/dev/wdfq0", 0));
	ASSERT_EQ(0, wq_sysfs_write(DRVDIR "bind", "wdfq.0"));
	ASSERT_EQ(0, wq_wait_path("/dev/wdfq0", 1));
	fd = open("/dev/wdfq0", O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, WDFQ_IOC_GET_INFO, &info));
	ASSERT_EQ(1, write(fd, "z", 1));
	ASSERT_EQ(1, read(fd, buf, sizeof(buf)));
	close(fd);
}

/* rmmod while open is refused; after close it is clean; reload. */
TEST(rmmod_while_open_then_reload)
{
	struct wdfq_info info;
	int fd;

	if (geteuid())
		SKIP(return, "needs root");
	if (!wq_mod_loaded("wdfq"))
		SKIP(return, "wdfq is built in or not loaded");
	if (access(wq_ko_path(), R_OK))
		SKIP(return, "no module file %s (set WDFQ_KO)", wq_ko_path());
	/* The KUnit module uses wdfq's symbols; it has run already. */
	if (wq_mod_loaded("wdfq_kunit") &&
	    syscall(SYS_delete_module, "wdfq_kunit", O_NONBLOCK))
		SKIP(return, "cannot unload wdfq_kunit: %s", strerror(errno));

	fd = open("/dev/wdfq0", O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, syscall(SYS_delete_module, "wdfq", O_NONBLOCK));
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY)
		TH_LOG("rmmod while open: %s", strerror(errno));
	EXPECT_TRUE(wq_mod_loaded("wdfq"));
	close(fd);

	ASSERT_EQ(0, syscall(SYS_delete_module, "wdfq", O_NONBLOCK))
		TH_LOG("rmmod after close: %s", strerror(errno));
	EXPECT_FALSE(wq_mod_loaded("wdfq"));
	EXPECT_EQ(0, wq_wait_path("/dev/wdfq0", 0));

	/* Bad parameters are refused. */
	EXPECT_EQ(-1, wq_load_driver("count=0"));
	EXPECT_EQ(-1, wq_load_driver("read_path=7"));

	/* Two instances: wdfq0 forwards, wdfq1 uses ready notify. */
	ASSERT_EQ(0, wq_load_driver("count=2 read_path=0,1"))
		TH_LOG("insmod: %s", strerror(errno));
	ASSERT_EQ(0, wq_wait_path("/dev/wdfq0", 1));
	ASSERT_EQ(0, wq_wait_path("/dev/wdfq1", 1));
	fd = open("/dev/wdfq1", O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, WDFQ_IOC_GET_INFO, &info));
	EXPECT_EQ(1, info.instance);
	EXPECT_EQ(WDFQ_READ_PATH_NOTIFY, info.read_path);
	EXPECT_TRUE(info.queues[WDFQ_QUEUE_PENDING].flags &
		    WDFQ_QUEUE_F_ABSENT);
	close(fd);
}

TEST_HARNESS_MAIN
