// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the heap profile (mprof.c), against what Go's
 * MemProfileRate promises: one sample per rate bytes on average, each
 * byte with the same chance, so that the scaled samples of a call site
 * estimate its live objects and bytes within the sampling's statistical
 * error; freed objects leave the profile; a rate of 1 samples every
 * allocation (objects of caches, tiny and large ones too); 0 none.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/sizes.h>

#include "gospan.h"
#include "gospan_kunit.h"
#include "internal.h"
#include "mprof.h"

/* The known call site: n objects of size bytes. */
static noinline void mprof_site(void **objs, unsigned int n, size_t size)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		objs[i] = gospan_alloc(size, GFP_KERNEL);
}

static void free_all(void **objs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		gospan_free(objs[i]);
}

/*
 * 8 MiB of 1 KiB objects at a rate of 64 KiB: 128 samples expected, so
 * the estimate's relative error is about 1/sqrt(128), 9%; the case
 * allows 40% (over 4 standard deviations).
 */
static void mprof_estimates_a_site(struct kunit *test)
{
	unsigned int n = SZ_8M / SZ_1K, old = gospan_mprof_set_rate(SZ_64K), i;
	void **objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	unsigned long samples;
	u64 objects, bytes;

	KUNIT_ASSERT_NOT_NULL(test, objs);
	mprof_site(objs, n, SZ_1K);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	gospan_mprof_estimate("mprof_site", &objects, &bytes, &samples);
	kunit_info(test, "%lu samples: %llu objects, %llu bytes estimated, %u and %u live",
		   samples, objects, bytes, n, SZ_8M);
	KUNIT_EXPECT_GE(test, samples, 64UL);
	KUNIT_EXPECT_GE(test, bytes, (u64)SZ_8M * 6 / 10);
	KUNIT_EXPECT_LE(test, bytes, (u64)SZ_8M * 14 / 10);
	KUNIT_EXPECT_GE(test, objects, (u64)n * 6 / 10);
	KUNIT_EXPECT_LE(test, objects, (u64)n * 14 / 10);
	free_all(objs, n);
	gospan_mprof_estimate("mprof_site", &objects, &bytes, &samples);
	KUNIT_EXPECT_EQ(test, samples, 0UL);
	gospan_mprof_set_rate(old);
}

/* Rate 1: every allocation, exactly, of every kind; frees forget them. */
static void mprof_rate_one(struct kunit *test)
{
	unsigned int old = gospan_mprof_set_rate(1);
	struct gospan_cache *tiny = gospan_cache_create("mprof_tiny", 8, 0, GOSPAN_TINY, NULL);
	struct gospan_cache *c = gospan_cache_create("mprof_objs", 200, 0, 0, NULL);
	void *objs[10], *t[4], *o[4];
	unsigned long samples;
	u64 objects, bytes;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, tiny);
	KUNIT_ASSERT_NOT_NULL(test, c);
	mprof_site(objs, 6, 100);
	mprof_site(objs + 6, 4, 100 * 1024);	/* large */
	for (i = 0; i < 4; i++) {
		t[i] = gospan_cache_alloc(tiny, GFP_KERNEL);
		o[i] = gospan_cache_alloc(c, GFP_KERNEL);
	}
	gospan_mprof_estimate("mprof_site", &objects, &bytes, &samples);
	KUNIT_EXPECT_EQ(test, samples, 10UL);
	KUNIT_EXPECT_EQ(test, objects, 10ULL);
	KUNIT_EXPECT_EQ(test, bytes, 6ULL * 112 + 4ULL * 104 * 1024);
	/* The caller of them all: the cache objects, and mprof_site()'s. */
	gospan_mprof_estimate("mprof_rate_one", &objects, &bytes, &samples);
	KUNIT_EXPECT_EQ(test, samples, 18UL);
	KUNIT_EXPECT_EQ(test, bytes, 6ULL * 112 + 4ULL * 104 * 1024 + 4ULL * 8 + 4ULL * 200);
	free_all(objs, 10);
	for (i = 0; i < 4; i++) {
		gospan_cache_free(tiny, t[i]);
		gospan_cache_free(c, o[i]);
	}
	gospan_mprof_estimate("mprof_site", &objects, &bytes, &samples);
	KUNIT_EXPECT_EQ(test, samples, 0UL);
	gospan_mprof_estimate("mprof_rate_one", &objects, &bytes, &samples);
	KUNIT_EXPECT_EQ(test, samples, 0UL);
	gospan_cache_destroy(tiny);
	gospan_cache_destroy(c);
	gospan_mprof_set_rate(old);
}

/* Rate 0: no sample, and the static key is off. */
static void mprof_rate_zero(struct kunit *test)
{
	unsigned int old = gospan_mprof_set_rate(0), n = SZ_1M / SZ_1K;
	void **objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	unsigned long samples;
	u64 objects, bytes;

	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_EXPECT_FALSE(test, static_key_enabled(&gospan_mprof_on));
	mprof_site(objs, n, SZ_1K);
	gospan_mprof_estimate("mprof_site", &objects, &bytes, &samples);
	KUNIT_EXPECT_EQ(test, samples, 0UL);
	free_all(objs, n);
	gospan_mprof_set_rate(old);
}

struct churn {
	struct completion done;
	bool stop;
};

/* Allocate and free on another CPU until told to stop. */
static int churn_fn(void *arg)
{
	struct churn *c = arg;
	void *objs[64];
	unsigned int i;

	while (!READ_ONCE(c->stop)) {
		for (i = 0; i < ARRAY_SIZE(objs); i++)
			objs[i] = gospan_alloc(64 + i * 16, GFP_KERNEL);
		for (i = 0; i < ARRAY_SIZE(objs); i++)
			gospan_free(objs[i]);
		cond_resched();
	}
	complete(&c->done);
	return 0;
}

/*
 * The rate switched on and off while another CPU allocates and frees
 * sampled objects: no record outlives its object (mprof.c's key order).
 */
static void mprof_toggle_under_load(struct kunit *test)
{
	unsigned int old = gospan_mprof_set_rate(0), i;
	struct task_struct *t;
	struct churn c = { .stop = false };

	init_completion(&c.done);
	t = kthread_run(churn_fn, &c, "mprof_churn");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	for (i = 0; i < 40; i++) {
		gospan_mprof_set_rate(i & 1 ? 0 : 1);
		usleep_range(1000, 2000);
	}
	gospan_mprof_set_rate(1);
	WRITE_ONCE(c.stop, true);
	wait_for_completion(&c.done);
	/* Everything the churn allocated is freed: no sample may be left. */
	KUNIT_EXPECT_EQ(test, gospan_mprof_live(), 0UL);
	gospan_mprof_set_rate(old);
}

static struct kunit_case mprof_cases[] = {
	KUNIT_CASE(mprof_estimates_a_site),
	KUNIT_CASE(mprof_rate_one),
	KUNIT_CASE(mprof_rate_zero),
	KUNIT_CASE(mprof_toggle_under_load),
	{}
};

static struct kunit_suite gospan_mprof_suite = {
	.name = "gospan_mprof",
	.init = gospan_test_init,
	.exit = gospan_test_exit,
	.test_cases = mprof_cases,
};

kunit_test_suite(gospan_mprof_suite);
