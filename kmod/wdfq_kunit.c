// SPDX-License-Identifier: GPL-2.0
/* Placeholder KUnit suite; replaced by the engine's rule cases. */
#include <kunit/test.h>
#include <linux/module.h>

static void wdfq_pipe_case(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 1 + 1, 2);
}

static struct kunit_case wdfq_pipe_cases[] = {
	KUNIT_CASE(wdfq_pipe_case),
	{}
};

static struct kunit_suite wdfq_pipe_suite = {
	.name = "wdfq_pipe",
	.test_cases = wdfq_pipe_cases,
};
kunit_test_suite(wdfq_pipe_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for the wdfq queue engine");
