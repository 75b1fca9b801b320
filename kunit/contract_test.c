// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of what kmalloc and kmem_cache promise, each written for a
 * defect that gospan once had: they fail on the code before the fix.
 *
 *  - an allocation must not fail after gospan_cache_shrink() while memory
 *    is to spare (mcentral sweep generations);
 *  - kmalloc's alignment: ARCH_KMALLOC_MINALIGN, a power-of-two size to
 *    itself, any other size to the largest power of two dividing it;
 *  - objects freed with gospan_free() are not live at cache destroy;
 *  - gospan_size_roundup() of an oversized request is a size that fails;
 *  - GFP flags: what reaches the page allocator, and what is refused;
 *  - the free paths that move spans run preemptible (PREEMPT_RT);
 *  - a large object's span descriptor waits a grace period before reuse;
 *  - GOSPAN_TINY objects cannot be cache-line aligned: refused;
 *  - fail_grow fault injection fails allocations and leaks nothing.
 */
#include <kunit/test.h>
#include <linux/fault-inject.h>
#include <linux/log2.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "gospan.h"
#include "gospan_kunit.h"
#include "internal.h"
#include "mcache.h"
#include "msize.h"

static void ctor_pattern(void *obj)
{
	memset(obj, 0x5a, 8);
}

/*
 * A shrink starts a sweep cycle; spans that were waiting to be swept must
 * be swept then, not called swept: the next allocations found unswept full
 * spans on the swept list and returned NULL with memory to spare.
 */
static void alloc_after_shrink(struct kunit *test)
{
	struct gospan_cache *c = gospan_cache_create("shrink", 1000, 0, 0, ctor_pattern);
	void **objs = kunit_kcalloc(test, 64, sizeof(void *), GFP_KERNEL);
	void **again = kunit_kcalloc(test, 64, sizeof(void *), GFP_KERNEL);
	unsigned int i, nulls = 0;

	KUNIT_ASSERT_TRUE(test, c && objs && again);
	migrate_disable();
	for (i = 0; i < 64; i++)
		objs[i] = gospan_cache_alloc(c, GFP_ATOMIC);
	migrate_enable();
	for (i = 0; i < 64; i++) {
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		if (!(i % 8)) {
			gospan_cache_free(c, objs[i]);
			objs[i] = NULL;
		}
	}
	KUNIT_EXPECT_EQ(test, gospan_cache_shrink(c), 1);
	for (i = 0; i < 64; i++) {
		again[i] = gospan_cache_alloc(c, GFP_KERNEL);
		nulls += !again[i];
	}
	KUNIT_EXPECT_EQ_MSG(test, nulls, 0U, "allocations failed after a shrink");
	for (i = 0; i < 64; i++) {
		gospan_cache_free(c, objs[i]);
		gospan_cache_free(c, again[i]);
	}
	gospan_cache_destroy(c);
}

/* The same on a size class that gospan_alloc() shares with a cache. */
static void shared_class_after_shrink(struct kunit *test)
{
	struct gospan_cache *c = gospan_cache_create("shrink-shared", 1024, 0, 0, NULL);
	void **objs = kunit_kcalloc(test, 64, sizeof(void *), GFP_KERNEL);
	void **again = kunit_kcalloc(test, 64, sizeof(void *), GFP_KERNEL);
	unsigned int i, nulls = 0;

	KUNIT_ASSERT_TRUE(test, c && objs && again);
	KUNIT_ASSERT_EQ(test, c->spanclass, gospan_size_to_class(1024));
	migrate_disable();
	for (i = 0; i < 64; i++)
		objs[i] = gospan_alloc(1024, GFP_ATOMIC);
	migrate_enable();
	for (i = 0; i < 64; i++) {
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		if (!(i % 8)) {
			gospan_free(objs[i]);
			objs[i] = NULL;
		}
	}
	gospan_cache_shrink(c);
	for (i = 0; i < 64; i++) {
		again[i] = gospan_alloc(1024, GFP_KERNEL);
		nulls += !again[i];
	}
	KUNIT_EXPECT_EQ_MSG(test, nulls, 0U, "gospan_alloc() failed after a cache's shrink");
	for (i = 0; i < 64; i++) {
		gospan_free(objs[i]);
		gospan_free(again[i]);
	}
	gospan_cache_destroy(c);
}

/* kmalloc's promise for a request of @size bytes. */
static unsigned long kmalloc_align(size_t size)
{
	return max_t(unsigned long, ARCH_KMALLOC_MINALIGN, size & -size);
}

/* Allocate n objects of size, check their alignment and usable size, free. */
static unsigned int misaligned(struct kunit *test, size_t size, unsigned int n)
{
	void *objs[8];
	unsigned int i, bad = 0;

	for (i = 0; i < n; i++) {
		objs[i] = gospan_alloc(size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL_MSG(test, objs[i], "size %zu", size);
		if (!IS_ALIGNED((unsigned long)objs[i], kmalloc_align(size))) {
			bad++;
			kunit_info(test, "size %zu at %p: not %lu-aligned", size, objs[i],
				   kmalloc_align(size));
		}
		KUNIT_EXPECT_EQ_MSG(test, gospan_size(objs[i]), gospan_size_roundup(size),
				    "size %zu", size);
		KUNIT_EXPECT_GE(test, gospan_size(objs[i]), size);
	}
	for (i = 0; i < n; i++)
		gospan_free(objs[i]);
	return bad;
}

/*
 * Documentation/core-api/memory-allocation.rst: aligned to at least
 * ARCH_KMALLOC_MINALIGN; a power-of-two size to its size; other sizes to
 * the largest power of two dividing them. Every multiple of 8 up to 32 KiB,
 * every power of two up to the limit, and large sizes with big divisors.
 */
static void kmalloc_alignment(struct kunit *test)
{
	static const size_t large[] = { 40960, 49152, 65536 + 8192, 3 * 65536,
					5 * 131072, 3 << 20 };
	unsigned int bad = 0, i;
	size_t size;

	for (size = 8; size <= GOSPAN_MAX_SMALL_SIZE; size += 8)
		bad += misaligned(test, size, size >= 8192 ? 3 : 1);
	for (size = 1; size <= GOSPAN_MAX_SIZE; size <<= 1)
		bad += misaligned(test, size, size > (1 << 20) ? 2 : 8);
	for (i = 0; i < ARRAY_SIZE(large); i++)
		bad += misaligned(test, large[i], 3);
	KUNIT_EXPECT_EQ(test, bad, 0U);
}

/* A cache's alignment holds in every object, also across spans. */
static void cache_alignment(struct kunit *test)
{
	static const unsigned int cases[][2] = {	/* size, align */
		{ 24, 16 }, { 100, 64 }, { 1000, 512 }, { 3000, 1024 },
		{ 5000, 4096 }, { 16384, 8192 }, { 12000, 0 }, { 32768, 8192 },
	};
	unsigned int k, i;

	for (k = 0; k < ARRAY_SIZE(cases); k++) {
		struct gospan_cache *c = gospan_cache_create("aligned", cases[k][0],
							     cases[k][1], 0, NULL);
		unsigned long align = max_t(unsigned long, cases[k][1], ARCH_KMALLOC_MINALIGN);
		void *objs[12];

		KUNIT_ASSERT_NOT_NULL(test, c);
		KUNIT_EXPECT_GE(test, (unsigned long)c->align, align);
		for (i = 0; i < ARRAY_SIZE(objs); i++) {
			objs[i] = gospan_cache_alloc(c, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, objs[i]);
			KUNIT_EXPECT_TRUE_MSG(test, IS_ALIGNED((unsigned long)objs[i], align),
					      "size %u align %u: %p", cases[k][0],
					      cases[k][1], objs[i]);
		}
		for (i = 0; i < ARRAY_SIZE(objs); i++)
			gospan_cache_free(c, objs[i]);
		gospan_cache_destroy(c);
	}
}

/*
 * kfree() may free kmem_cache objects: gospan_free() of a cache's objects
 * leaves none live at destroy, and a private class goes away with its cache.
 */
static void destroy_after_gospan_free(struct kunit *test)
{
	unsigned long live_reports = gospan_error_count(GOSPAN_ERR_LIVE_AT_DESTROY);
	struct gospan_cache *priv = gospan_cache_create("free-priv", 300, 0, 0, ctor_pattern);
	struct gospan_cache *shared = gospan_cache_create("free-shared", 200, 0, 0, NULL);
	unsigned int spc, i;
	void *objs[40];

	KUNIT_ASSERT_TRUE(test, priv && shared);
	spc = priv->spanclass;
	KUNIT_ASSERT_GE(test, spc, (unsigned int)GOSPAN_FIRST_PRIVATE_SPANCLASS);
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = gospan_cache_alloc(priv, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		gospan_free(objs[i]);
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = gospan_cache_alloc(shared, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		gospan_free(objs[i]);
	gospan_cache_destroy(priv);
	gospan_cache_destroy(shared);
	KUNIT_EXPECT_EQ(test, gospan_error_count(GOSPAN_ERR_LIVE_AT_DESTROY), live_reports);
	KUNIT_EXPECT_NULL_MSG(test, READ_ONCE(gospan_centrals[spc]),
			      "the private class outlived its cache");
}

/* A cache destroyed with live objects still says so, with their count. */
static void destroy_with_live_objects(struct kunit *test)
{
	struct gospan_cache *priv = gospan_cache_create("live-priv", 300, 0, 0, ctor_pattern);
	void *a, *b, *c;

	KUNIT_ASSERT_NOT_NULL(test, priv);
	a = gospan_cache_alloc(priv, GFP_KERNEL);
	b = gospan_cache_alloc(priv, GFP_KERNEL);
	c = gospan_cache_alloc(priv, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, a && b && c);
	gospan_free(a);
	gospan_cache_destroy(priv);	/* b and c: reported, kept */
	gospan_expect_reports(test, 1);
	KUNIT_EXPECT_GE(test, gospan_size(b), (size_t)300);
	gospan_free(b);
	gospan_free(c);
	gospan_expect_reports(test, 1);
}

/* Like kmalloc_size_roundup(): allocating the result fails when @size would. */
static void size_roundup(struct kunit *test)
{
	static const size_t sizes[] = { 1, 8, 9, 100, 2560, 16384, 32767, 32768,
					32769, 100000, GOSPAN_MAX_SIZE };
	unsigned int i;

	KUNIT_EXPECT_EQ(test, gospan_size_roundup(0), (size_t)0);
	KUNIT_EXPECT_GT(test, gospan_size_roundup(GOSPAN_MAX_SIZE + 1), (size_t)GOSPAN_MAX_SIZE);
	KUNIT_EXPECT_EQ(test, gospan_size_roundup(SIZE_MAX), (size_t)SIZE_MAX);
	KUNIT_EXPECT_NULL(test, gospan_alloc(gospan_size_roundup(GOSPAN_MAX_SIZE + 1),
					     GFP_KERNEL));
	gospan_expect_reports(test, 1);	/* the oversized request */
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t r = gospan_size_roundup(sizes[i]);
		void *p = gospan_alloc(r, GFP_KERNEL);

		KUNIT_EXPECT_GE(test, r, sizes[i]);
		KUNIT_ASSERT_NOT_NULL_MSG(test, p, "size %zu rounded to %zu", sizes[i], r);
		KUNIT_EXPECT_EQ(test, gospan_size(p), r);
		KUNIT_EXPECT_EQ(test, gospan_size_roundup(r), r);
		gospan_free(p);
	}
}

/*
 * What reaches the page allocator: how hard to try, never where from or
 * whom to charge; never __GFP_NOFAIL in the try for a whole chunk nor
 * above order 1. DMA zones cannot come from a shared heap: refused.
 */
static void gfp_flags(struct kunit *test)
{
	const gfp_t never = __GFP_ACCOUNT | __GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM |
			    __GFP_ZERO | __GFP_COMP | __GFP_MOVABLE | __GFP_THISNODE;
	const gfp_t all = GFP_KERNEL | never | __GFP_NOFAIL;
	struct gospan_cache *c = gospan_cache_create("gfp", 64, 0, 0, NULL);
	void *p;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_FALSE(test, gospan_grow_gfp(all, 10, true) & (never | __GFP_NOFAIL));
	KUNIT_EXPECT_TRUE(test, gospan_grow_gfp(all, 10, true) & __GFP_NORETRY);
	KUNIT_EXPECT_TRUE(test, gospan_grow_gfp(all, 10, true) & __GFP_NOWARN);
	KUNIT_EXPECT_FALSE(test, gospan_grow_gfp(all, 3, false) & (never | __GFP_NOFAIL));
	KUNIT_EXPECT_TRUE(test, gospan_grow_gfp(all, 3, false) & __GFP_RETRY_MAYFAIL);
	KUNIT_EXPECT_FALSE(test, gospan_grow_gfp(all, 1, false) & never);
	KUNIT_EXPECT_TRUE(test, gospan_grow_gfp(all, 1, false) & __GFP_NOFAIL);
	KUNIT_EXPECT_TRUE(test, gospan_grow_gfp(all, 1, false) & __GFP_DIRECT_RECLAIM);
	KUNIT_EXPECT_FALSE(test, gospan_grow_gfp(GFP_ATOMIC, 1, false) & __GFP_DIRECT_RECLAIM);

	/* Refused, reported: nothing is allocated. */
	KUNIT_EXPECT_NULL(test, gospan_alloc(64, GFP_KERNEL | __GFP_DMA));
	KUNIT_EXPECT_NULL(test, gospan_alloc(100000, GFP_KERNEL | __GFP_DMA32));
	KUNIT_EXPECT_NULL(test, gospan_cache_alloc(c, GFP_KERNEL | __GFP_DMA));
	KUNIT_EXPECT_NULL(test, gospan_alloc(64, GFP_KERNEL | __GFP_HIGHMEM));
	gospan_expect_reports(test, 4);
	/* Honoured or harmlessly ignored. */
	p = gospan_alloc(64, GFP_KERNEL | __GFP_ACCOUNT | __GFP_NOFAIL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, 64));
	gospan_free(p);
	p = gospan_alloc(200000, GFP_KERNEL | __GFP_NOFAIL | __GFP_ACCOUNT);
	KUNIT_ASSERT_NOT_NULL(test, p);
	gospan_free(p);
	gospan_cache_destroy(c);
}

/*
 * The frees that move a span take the mcentral, heap and fixalloc locks:
 * spinlock_t, which sleeps on PREEMPT_RT. Every such free is done here
 * from a task, so that on the debug-rt kernel a free path that holds
 * preemption off while taking them says "BUG: sleeping function called
 * from invalid context" (the harness fails on it).
 */
static void free_paths_preemptible(struct kunit *test)
{
	struct gospan_cache *c = gospan_cache_create("rt-free", 2000, 0, 0, ctor_pattern);
	struct gospan_cache *t = gospan_cache_create("rt-tiny", 8, 0, GOSPAN_TINY, NULL);
	void *objs[12], *large, *tiny[2];
	unsigned int i;

	KUNIT_ASSERT_TRUE(test, c && t);
	might_sleep();
	migrate_disable();
	for (i = 0; i < ARRAY_SIZE(objs); i++)	/* 4 a span: three full spans */
		objs[i] = gospan_cache_alloc(c, GFP_ATOMIC);
	migrate_enable();
	tiny[0] = gospan_cache_alloc(t, GFP_KERNEL);
	tiny[1] = gospan_cache_alloc(t, GFP_KERNEL);
	large = gospan_alloc(70000, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, large && tiny[0] && tiny[1]);
	/* First free into a full span nobody holds: it moves lists. */
	gospan_free(objs[0]);
	/* The last object of such a span: it goes back to the heap. */
	for (i = 1; i < 4; i++)
		gospan_cache_free(c, objs[i]);
	for (i = 4; i < ARRAY_SIZE(objs); i++)
		gospan_cache_free(c, objs[i]);
	gospan_free(large);
	gospan_cache_free(t, tiny[0]);
	gospan_cache_free(t, tiny[1]);
	gospan_cache_destroy(c);
	gospan_cache_destroy(t);
}

/*
 * A free looks a span up under RCU; the span's descriptor must not be
 * reused before a grace period, or a racing bad free of a large object
 * could act on another object's span.
 */
static void large_descriptor_grace_period(struct kunit *test)
{
	unsigned int state = GOSPAN_SPAN_IN_USE;
	struct gospan_mspan *s, *t;
	unsigned long base = 0;
	void *p, *q;

	p = gospan_alloc(100000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	/* No grace period until the unlock: expectations only after it. */
	rcu_read_lock();
	s = gospan_span_of(p);
	gospan_free(p);
	q = gospan_alloc(100000, GFP_ATOMIC);
	t = q ? gospan_span_of(q) : NULL;
	if (s) {
		/* The old descriptor still reads as the dead span it was. */
		base = s->base;
		state = s->state;
	}
	rcu_read_unlock();
	KUNIT_EXPECT_NOT_NULL(test, s);
	KUNIT_EXPECT_PTR_NE(test, t, s);
	KUNIT_EXPECT_EQ(test, base, (unsigned long)p);
	KUNIT_EXPECT_EQ(test, state, (unsigned int)GOSPAN_SPAN_DEAD);
	KUNIT_ASSERT_NOT_NULL(test, q);
	gospan_free(q);
}

/* Tiny objects share 16-byte blocks: no cache-line alignment for them. */
static void tiny_hwcache_refused(struct kunit *test)
{
	KUNIT_EXPECT_NULL(test, gospan_cache_create("tiny-hw", 8, 0,
						    GOSPAN_TINY | GOSPAN_HWCACHE_ALIGN, NULL));
	KUNIT_EXPECT_NULL(test, gospan_cache_create("tiny-al", 12, 8, GOSPAN_TINY, NULL));
	gospan_expect_reports(test, 2);
}

#ifdef CONFIG_FAULT_INJECTION
static void fail_grow_on(unsigned int probability)
{
	gospan_fail_grow.verbose = 0;
	atomic_set(&gospan_fail_grow.times, -1);
	WRITE_ONCE(gospan_fail_grow.probability, probability);
}

/*
 * fail_grow: a span the heap cannot give is a NULL, not a report; the
 * allocator works again as soon as it is off, and the failed paths leak
 * nothing (the .exit hook counts pages and descriptors).
 */
static void fail_grow(struct kunit *test)
{
	struct gospan_cache *c = gospan_cache_create("fail", 700, 0, 0, ctor_pattern);
	unsigned int i, failed = 0;
	void *objs[64], *p;

	KUNIT_ASSERT_NOT_NULL(test, c);
	fail_grow_on(100);
	KUNIT_EXPECT_NULL(test, gospan_alloc(300000, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, gospan_cache_alloc(c, GFP_KERNEL));
	fail_grow_on(50);
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = i % 2 ? gospan_cache_alloc(c, GFP_KERNEL) :
			  gospan_alloc(40000 + i * 1000, GFP_KERNEL);
		failed += !objs[i];
	}
	WRITE_ONCE(gospan_fail_grow.probability, 0);
	KUNIT_EXPECT_GT(test, failed, 0U);
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		if (i % 2)
			gospan_cache_free(c, objs[i]);
		else
			gospan_free(objs[i]);
	}
	p = gospan_alloc(300000, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, p);
	gospan_free(p);
	p = gospan_cache_alloc(c, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, p);
	gospan_cache_free(c, p);
	gospan_cache_destroy(c);
}
#else
static void fail_grow(struct kunit *test)
{
	kunit_skip(test, "no CONFIG_FAULT_INJECTION");
}
#endif

static struct kunit_case gospan_contract_cases[] = {
	KUNIT_CASE(alloc_after_shrink),
	KUNIT_CASE(shared_class_after_shrink),
	KUNIT_CASE(kmalloc_alignment),
	KUNIT_CASE(cache_alignment),
	KUNIT_CASE(destroy_after_gospan_free),
	KUNIT_CASE(destroy_with_live_objects),
	KUNIT_CASE(size_roundup),
	KUNIT_CASE(gfp_flags),
	KUNIT_CASE(free_paths_preemptible),
	KUNIT_CASE(large_descriptor_grace_period),
	KUNIT_CASE(tiny_hwcache_refused),
	KUNIT_CASE(fail_grow),
	{}
};

static struct kunit_suite gospan_contract_suite = {
	.name = "gospan_contract",
	.init = gospan_test_init,
	.exit = gospan_test_exit,
	.test_cases = gospan_contract_cases,
};

kunit_test_suite(gospan_contract_suite);
