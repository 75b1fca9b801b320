// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for gospan's statistics (mstats.c): the MemStats counts
 * follow allocations and frees exactly, a destroyed cache's counts are
 * kept, and thousands of snapshots taken while other CPUs allocate and
 * free all satisfy MemStats' invariants.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "gospan.h"
#include "msize.h"

/* The invariants documented with struct gospan_memstats. */
static bool memstats_consistent(struct kunit *test, const struct gospan_memstats *s)
{
	bool ok = true;

	ok &= s->heap_inuse + s->heap_idle == s->heap_sys;
	ok &= s->heap_released <= s->heap_idle;
	ok &= s->stack_inuse <= s->stack_sys;
	ok &= s->frees <= s->mallocs;
	ok &= s->mallocs - s->frees == s->heap_objects;
	ok &= s->alloc == s->heap_alloc;
	ok &= s->heap_alloc <= s->heap_inuse;
	ok &= s->sys >= s->heap_sys + s->mspan_sys + s->mcache_sys + s->stack_sys;
	ok &= s->mspan_inuse <= s->mspan_sys;
	if (!ok)
		kunit_err(test, "inconsistent: Alloc %llu HeapInuse %llu HeapIdle %llu HeapSys %llu Mallocs %llu Frees %llu HeapObjects %llu Sys %llu",
			  s->alloc, s->heap_inuse, s->heap_idle, s->heap_sys, s->mallocs,
			  s->frees, s->heap_objects, s->sys);
	return ok;
}

/* Allocations and frees move the counts by exactly what they did. */
static void memstats_counts(struct kunit *test)
{
	const unsigned int n = 100, nlarge = 3, large = 64 << 10;
	const unsigned int size = gospan_class_to_size[gospan_size_to_class(100)];
	struct gospan_memstats *snap = kunit_kcalloc(test, 3, sizeof(*snap), GFP_KERNEL);
	void **objs = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	struct gospan_memstats *a, *b, *c;
	void *big[3];
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, snap);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	a = &snap[0];
	b = &snap[1];
	c = &snap[2];
	gospan_read_memstats(a);
	for (i = 0; i < n; i++)
		objs[i] = gospan_alloc(100, GFP_KERNEL);
	for (i = 0; i < nlarge; i++)
		big[i] = gospan_alloc(large, GFP_KERNEL);
	gospan_read_memstats(b);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	for (i = 0; i < nlarge; i++)
		KUNIT_ASSERT_NOT_NULL(test, big[i]);
	KUNIT_EXPECT_EQ(test, b->mallocs - a->mallocs, (u64)n + nlarge);
	KUNIT_EXPECT_EQ(test, b->frees, a->frees);
	KUNIT_EXPECT_EQ(test, b->heap_objects - a->heap_objects, (u64)n + nlarge);
	KUNIT_EXPECT_EQ(test, b->alloc - a->alloc, (u64)n * size + (u64)nlarge * large);
	KUNIT_EXPECT_EQ(test, b->total_alloc - a->total_alloc, (u64)n * size + (u64)nlarge * large);
	KUNIT_EXPECT_EQ(test, b->large_allocs - a->large_allocs, (u64)nlarge);
	KUNIT_EXPECT_GE(test, b->heap_inuse - a->heap_inuse, (u64)nlarge * large);
	KUNIT_EXPECT_TRUE(test, memstats_consistent(test, b));

	for (i = 0; i < n; i++)
		gospan_free(objs[i]);
	for (i = 0; i < nlarge; i++)
		gospan_free(big[i]);
	gospan_read_memstats(c);
	KUNIT_EXPECT_EQ(test, c->frees - b->frees, (u64)n + nlarge);
	KUNIT_EXPECT_EQ(test, c->mallocs, b->mallocs);
	KUNIT_EXPECT_EQ(test, c->heap_objects, a->heap_objects);
	KUNIT_EXPECT_EQ(test, c->alloc, a->alloc);
	KUNIT_EXPECT_EQ(test, c->total_alloc, b->total_alloc);
	KUNIT_EXPECT_EQ(test, c->large_frees - a->large_frees, (u64)nlarge);
	KUNIT_EXPECT_TRUE(test, memstats_consistent(test, c));
}

/* Tiny objects count one by one in Mallocs, Frees and TinyAllocs, as in Go. */
static void memstats_tiny(struct kunit *test)
{
	struct gospan_cache *c = gospan_cache_create("mstats-tiny", 4, 0, GOSPAN_TINY, NULL);
	struct gospan_memstats *snap = kunit_kcalloc(test, 3, sizeof(*snap), GFP_KERNEL);
	void *objs[40];
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, snap);
	gospan_read_memstats(&snap[0]);
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		objs[i] = gospan_cache_alloc(c, GFP_KERNEL);
	gospan_read_memstats(&snap[1]);
	/* 40 objects of 4 B fill at least 10 blocks of 16 B. */
	KUNIT_EXPECT_EQ(test, snap[1].tiny_allocs - snap[0].tiny_allocs, 40ULL);
	KUNIT_EXPECT_GE(test, snap[1].mallocs - snap[0].mallocs, 50ULL);
	KUNIT_EXPECT_GE(test, snap[1].alloc - snap[0].alloc, 10ULL * 16);
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		gospan_cache_free(c, objs[i]);
	gospan_cache_shrink(c);
	gospan_read_memstats(&snap[2]);
	KUNIT_EXPECT_EQ(test, snap[2].heap_objects, snap[0].heap_objects);
	KUNIT_EXPECT_EQ(test, snap[2].alloc, snap[0].alloc);
	gospan_cache_destroy(c);
}

static void ctor_nop(void *obj)
{
}

/* A cache destroyed with its private span class keeps its counts. */
static void memstats_retired_class(struct kunit *test)
{
	struct gospan_memstats *snap = kunit_kcalloc(test, 3, sizeof(*snap), GFP_KERNEL);
	struct gospan_memstats *a, *b, *c;
	struct gospan_cache *cache;
	void *obj;

	KUNIT_ASSERT_NOT_NULL(test, snap);
	a = &snap[0];
	b = &snap[1];
	c = &snap[2];
	gospan_read_memstats(a);
	cache = gospan_cache_create("mstats-private", 700, 0, 0, ctor_nop);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	obj = gospan_cache_alloc(cache, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	gospan_cache_free(cache, obj);
	gospan_read_memstats(b);
	gospan_cache_destroy(cache);
	gospan_read_memstats(c);
	KUNIT_EXPECT_EQ(test, b->mallocs - a->mallocs, 1ULL);
	KUNIT_EXPECT_EQ(test, c->mallocs, b->mallocs);
	KUNIT_EXPECT_EQ(test, c->frees, b->frees);
	KUNIT_EXPECT_EQ(test, c->total_alloc, b->total_alloc);
	KUNIT_EXPECT_EQ(test, c->heap_objects, a->heap_objects);
	KUNIT_EXPECT_TRUE(test, memstats_consistent(test, c));
}

struct churn {
	struct task_struct *task;
	struct gospan_cache *cache;
	unsigned long ops;
};

/* The free that matches where live[k] came from. */
static void churn_free(struct churn *ch, void **live, unsigned long *cached,
		       unsigned int k)
{
	if (test_and_clear_bit(k, cached))
		gospan_cache_free(ch->cache, live[k]);
	else
		gospan_free(live[k]);
	live[k] = NULL;
}

/* Allocate and free a random mix, small, cached and large, until stopped. */
static int churn_fn(void *arg)
{
	struct churn *ch = arg;
	DECLARE_BITMAP(cached, 64) = {};
	void *live[64] = {};
	unsigned int i;

	while (!kthread_should_stop()) {
		unsigned int k = get_random_u32() % ARRAY_SIZE(live);
		u32 r = get_random_u32();

		if (live[k]) {
			churn_free(ch, live, cached, k);
		} else if (r % 64 == 0) {
			live[k] = gospan_alloc(40000 + r % 30000, GFP_KERNEL);
		} else if (r % 4 == 0) {
			live[k] = gospan_cache_alloc(ch->cache, GFP_KERNEL);
			if (live[k])
				__set_bit(k, cached);
		} else {
			live[k] = gospan_alloc(1 + r % 4096, GFP_KERNEL);
		}
		ch->ops++;
		if (!(ch->ops % 64))
			cond_resched();
	}
	for (i = 0; i < ARRAY_SIZE(live); i++)
		churn_free(ch, live, cached, i);
	return 0;
}

/* Snapshots taken while other CPUs allocate and free are all consistent. */
static void memstats_invariants_concurrent(struct kunit *test)
{
	struct gospan_cache *cache = gospan_cache_create("mstats-churn", 300, 0, 0, ctor_nop);
	struct gospan_memstats *snap = kunit_kcalloc(test, 2, sizeof(*snap), GFP_KERNEL);
	struct gospan_memstats *prev, *s;
	struct churn ch[3] = {};
	unsigned int i, n = 0, bad = 0, cpu = 0;
	unsigned long ops = 0, live_at_destroy;

	KUNIT_ASSERT_NOT_NULL(test, cache);
	KUNIT_ASSERT_NOT_NULL(test, snap);
	prev = &snap[0];
	s = &snap[1];
	for (i = 0; i < ARRAY_SIZE(ch); i++) {
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			break;
		ch[i].cache = cache;
		ch[i].task = kthread_create_on_cpu(churn_fn, &ch[i], cpu, "gospan-churn/%u");
		KUNIT_ASSERT_FALSE(test, IS_ERR(ch[i].task));
		wake_up_process(ch[i].task);
	}
	KUNIT_ASSERT_GT_MSG(test, i, 0U, "needs a second CPU");
	gospan_read_memstats(prev);
	for (n = 0; n < 3000; n++) {
		gospan_read_memstats(s);
		if (!memstats_consistent(test, s) || s->mallocs < prev->mallocs ||
		    s->frees < prev->frees || s->total_alloc < prev->total_alloc)
			bad++;
		*prev = *s;
		if (!(n % 16))
			cond_resched();
	}
	for (i = 0; i < ARRAY_SIZE(ch); i++) {
		if (!ch[i].task)
			continue;
		kthread_stop(ch[i].task);
		ops += ch[i].ops;
	}
	KUNIT_EXPECT_EQ(test, bad, 0U);
	/* The snapshots did race with real work. */
	KUNIT_EXPECT_GT(test, ops, 1000UL);
	kunit_info(test, "%u snapshots during %lu allocations and frees\n", n, ops);
	/* Every object went back: destroying the cache reports nothing. */
	live_at_destroy = gospan_error_count(GOSPAN_ERR_LIVE_AT_DESTROY);
	gospan_cache_destroy(cache);
	KUNIT_EXPECT_EQ(test, gospan_error_count(GOSPAN_ERR_LIVE_AT_DESTROY), live_at_destroy);
}

static struct kunit_case mstats_cases[] = {
	KUNIT_CASE(memstats_counts),
	KUNIT_CASE(memstats_tiny),
	KUNIT_CASE(memstats_retired_class),
	KUNIT_CASE(memstats_invariants_concurrent),
	{}
};

static struct kunit_suite mstats_suite = {
	.name = "gospan_mstats",
	.test_cases = mstats_cases,
};

kunit_test_suite(mstats_suite);
