// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the stack allocator (stack.c), against what Go's
 * stackalloc/stackfree promise and what stack.c states:
 *
 *  - every order and large sizes: aligned to their size, in manual spans
 *    that gospan_free() refuses, counted in StackInuse and not HeapInuse;
 *  - a CPU's stackcache refills to half its capacity and releases down
 *    to half (Go's stackcacherefill and stackcacherelease);
 *  - large stacks are reused from their stackLarge list, a bounded number
 *    kept;
 *  - wrong sizes, double frees, interior and foreign pointers, and
 *    objects and stacks mixed up are reported and refused;
 *  - a stack freed on another CPU goes to that CPU's stackcache;
 *  - a CPU going offline gives its stackcache back;
 *  - atomic context.
 */
#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>

#include "gospan.h"
#include "gospan_kunit.h"
#include "internal.h"
#include "mcache.h"
#include "stack.h"

static size_t cache_bytes(unsigned int cpu)
{
	size_t n = 0;
	unsigned int o;

	for (o = 0; o < GOSPAN_NUM_STACK_ORDERS; o++)
		n += gospan_stackcache_bytes(cpu, o);
	return n;
}

static bool memstats_ok(struct kunit *test, struct gospan_memstats *s)
{
	gospan_read_memstats(s);
	KUNIT_EXPECT_LE(test, s->stack_inuse, s->stack_sys);
	KUNIT_EXPECT_EQ(test, s->heap_inuse + s->heap_idle, s->heap_sys);
	KUNIT_EXPECT_GE(test, s->sys, s->heap_sys + s->stack_sys + s->mspan_sys + s->mcache_sys);
	return s->stack_inuse <= s->stack_sys;
}

/* Each order and some large sizes: aligned, manual, counted as stacks. */
static void stack_sizes(struct kunit *test)
{
	static const size_t sizes[] = { SZ_2K, SZ_4K, SZ_8K, SZ_16K, SZ_32K, SZ_64K,
					SZ_256K, SZ_1M };
	struct gospan_memstats before, during;
	void *p[ARRAY_SIZE(sizes)];
	unsigned int i;

	gospan_mcache_drain_all(GOSPAN_ALL_SPANCLASSES);
	memstats_ok(test, &before);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct gospan_mspan *s;

		p[i] = gospan_stack_alloc(sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		KUNIT_EXPECT_TRUE_MSG(test, IS_ALIGNED((unsigned long)p[i], sizes[i]),
				      "stack of %zu at %lx", sizes[i], (unsigned long)p[i]);
		memset(p[i], 0x5a, sizes[i]);
		s = gospan_span_of(p[i]);
		KUNIT_ASSERT_NOT_NULL(test, s);
		KUNIT_EXPECT_EQ(test, s->state, (u8)GOSPAN_SPAN_MANUAL);
		KUNIT_EXPECT_EQ(test, s->elemsize, (unsigned long)sizes[i]);
	}
	memstats_ok(test, &during);
	KUNIT_EXPECT_GE(test, during.stack_inuse - before.stack_inuse,
			(u64)(SZ_32K * 4 + SZ_32K + SZ_64K + SZ_256K + SZ_1M));
	KUNIT_EXPECT_EQ(test, during.heap_inuse, before.heap_inuse);
	KUNIT_EXPECT_EQ(test, during.heap_objects, before.heap_objects);
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		gospan_stack_free(p[i], sizes[i]);

	/* Not a power of two, too small, too large: reported, NULL. */
	KUNIT_EXPECT_NULL(test, gospan_stack_alloc(3000, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, gospan_stack_alloc(SZ_1K, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, gospan_stack_alloc(GOSPAN_STACK_MAX * 2, GFP_KERNEL));
	gospan_expect_reports(test, 3);

	gospan_mcache_drain_all(GOSPAN_ALL_SPANCLASSES);
	gospan_stack_release();
	gospan_read_memstats(&during);
	KUNIT_EXPECT_EQ(test, during.stack_inuse, before.stack_inuse);
}

/* Go's stackcacherefill and stackcacherelease: halves of 32 KiB, each order. */
static void stackcache_halves(struct kunit *test)
{
	unsigned int cpu, order;

	migrate_disable();
	cpu = smp_processor_id();
	for (order = 0; order < GOSPAN_NUM_STACK_ORDERS; order++) {
		size_t size = GOSPAN_STACK_MIN << order;
		unsigned int n = GOSPAN_STACK_CACHE_SIZE / 2 / size + 1, i;
		void *p[9];

		gospan_mcache_drain_all(GOSPAN_ALL_SPANCLASSES);
		KUNIT_ASSERT_EQ(test, gospan_stackcache_bytes(cpu, order), (size_t)0);
		/* The first takes half a cache's worth from the pool. */
		p[0] = gospan_stack_alloc(size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[0]);
		KUNIT_EXPECT_EQ(test, gospan_stackcache_bytes(cpu, order),
				GOSPAN_STACK_CACHE_SIZE / 2 - size);
		/* Empty it, then one more refills it. */
		for (i = 1; i < n; i++) {
			p[i] = gospan_stack_alloc(size, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, p[i]);
		}
		KUNIT_EXPECT_EQ(test, gospan_stackcache_bytes(cpu, order),
				GOSPAN_STACK_CACHE_SIZE / 2 - size);
		/* Freed back: it reaches 32 KiB and goes down to 16 KiB. */
		for (i = 0; i < n; i++)
			gospan_stack_free(p[i], size);
		KUNIT_EXPECT_EQ(test, gospan_stackcache_bytes(cpu, order),
				(size_t)GOSPAN_STACK_CACHE_SIZE / 2);
	}
	migrate_enable();
}

/* stackLarge: a freed large stack is the next one of its size; a few kept. */
static void stack_large_reuse(struct kunit *test)
{
	void *p[6], *q;
	unsigned int i;

	gospan_stack_release();
	KUNIT_EXPECT_EQ(test, gospan_stack_free_pages(false), 0UL);
	p[0] = gospan_stack_alloc(SZ_64K, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p[0]);
	gospan_stack_free(p[0], SZ_64K);
	KUNIT_EXPECT_EQ(test, gospan_stack_free_pages(false),
			(unsigned long)SZ_64K / GOSPAN_PAGE_SIZE);
	q = gospan_stack_alloc(SZ_64K, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, q, p[0]);
	gospan_stack_free(q, SZ_64K);

	for (i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = gospan_stack_alloc(SZ_64K, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	for (i = 0; i < ARRAY_SIZE(p); i++)
		gospan_stack_free(p[i], SZ_64K);
	/* Four kept, the rest went back to the heap. */
	KUNIT_EXPECT_EQ(test, gospan_stack_free_pages(false),
			4UL * SZ_64K / GOSPAN_PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, gospan_stack_release(), 4UL * SZ_64K / GOSPAN_PAGE_SIZE);
}

/* Bad frees: reported, counted, refused; the stack stays allocated. */
static void stack_bad_frees(struct kunit *test)
{
	unsigned long before = gospan_error_count(GOSPAN_ERR_BAD_SIZE);
	void *p = gospan_stack_alloc(SZ_4K, GFP_KERNEL);
	void *obj = gospan_alloc(64, GFP_KERNEL);
	void *k = kmalloc(SZ_4K, GFP_KERNEL);
	void *big = gospan_stack_alloc(SZ_64K, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_ASSERT_NOT_NULL(test, k);
	KUNIT_ASSERT_NOT_NULL(test, big);
	gospan_stack_free(p, SZ_8K);		/* wrong size */
	gospan_stack_free(big, SZ_32K);		/* wrong size, large */
	gospan_stack_free(p + SZ_2K, SZ_2K);	/* inside it */
	gospan_stack_free(k, SZ_4K);		/* foreign */
	gospan_stack_free(obj, 64);		/* an object */
	gospan_free(p);				/* a stack as an object */
	gospan_expect_reports(test, 6);
	KUNIT_EXPECT_EQ(test, gospan_error_count(GOSPAN_ERR_BAD_SIZE), before + 2);
	/* Still allocated: the right free works, and only once. */
	memset(p, 1, SZ_4K);
	gospan_stack_free(p, SZ_4K);
	gospan_stack_free(p, SZ_4K);
	gospan_stack_free(big, SZ_64K);
	gospan_stack_free(big, SZ_64K);
	gospan_stack_free(NULL, SZ_4K);		/* a no-op */
	gospan_expect_reports(test, 8);
	gospan_free(obj);
	kfree(k);
}

struct remote_free {
	void *p;
	size_t size;
	size_t cached;
};

static int free_here(void *arg)
{
	struct remote_free *rf = arg;
	struct gospan_mcache *mc;

	gospan_stack_free(rf->p, rf->size);
	/* Read under this CPU's mcache lock, so that nothing moves meanwhile. */
	mc = gospan_mcache_lock_slow();
	if (mc) {
		rf->cached = gospan_stackcache_bytes(smp_processor_id(), 1);
		gospan_mcache_unlock_slow(mc);
	}
	return 0;
}

/* A stack freed on another CPU lands in that CPU's stackcache. */
static void stack_free_other_cpu(struct kunit *test)
{
	struct remote_free rf = { .size = SZ_4K };
	unsigned int here, there;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	gospan_mcache_drain_all(GOSPAN_ALL_SPANCLASSES);
	migrate_disable();
	here = smp_processor_id();
	rf.p = gospan_stack_alloc(SZ_4K, GFP_KERNEL);
	migrate_enable();
	KUNIT_ASSERT_NOT_NULL(test, rf.p);
	there = cpumask_any_but(cpu_online_mask, here);
	KUNIT_ASSERT_EQ(test, smp_call_on_cpu(there, free_here, &rf, false), 0);
	KUNIT_EXPECT_EQ(test, rf.cached, (size_t)SZ_4K);
	KUNIT_EXPECT_EQ(test, gospan_stackcache_bytes(here, 1),
			(size_t)GOSPAN_STACK_CACHE_SIZE / 2 - SZ_4K);
	/* And it is free: freeing it again is a double free. */
	gospan_stack_free(rf.p, SZ_4K);
	gospan_expect_reports(test, 1);
}

static int fill_here(void *arg)
{
	void *p = gospan_stack_alloc(SZ_2K, GFP_KERNEL);

	gospan_stack_free(p, SZ_2K);
	return p ? 0 : -ENOMEM;
}

/* A CPU that goes offline gives its stackcache back (flushallmcaches). */
static void stack_cpu_offline(struct kunit *test)
{
	unsigned int cpu;
	int err;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	cpu = cpumask_last(cpu_online_mask);
	KUNIT_ASSERT_EQ(test, smp_call_on_cpu(cpu, fill_here, NULL, false), 0);
	KUNIT_EXPECT_GT(test, cache_bytes(cpu), (size_t)0);
	err = remove_cpu(cpu);
	if (err)
		kunit_skip(test, "remove_cpu(%u): %d", cpu, err);
	KUNIT_EXPECT_EQ(test, cache_bytes(cpu), (size_t)0);
	KUNIT_EXPECT_EQ(test, add_cpu(cpu), 0);
}

/* Any context kmalloc allows: under a spinlock, with GFP_ATOMIC. */
static void stack_atomic(struct kunit *test)
{
	static DEFINE_SPINLOCK(lock);
	unsigned long flags;
	void *p, *q;

	spin_lock_irqsave(&lock, flags);
	p = gospan_stack_alloc(SZ_8K, GFP_ATOMIC | __GFP_ZERO);
	q = gospan_stack_alloc(SZ_128K, GFP_ATOMIC);
	spin_unlock_irqrestore(&lock, flags);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, SZ_8K));
	spin_lock_irqsave(&lock, flags);
	gospan_stack_free(p, SZ_8K);
	gospan_stack_free(q, SZ_128K);
	spin_unlock_irqrestore(&lock, flags);
}

static struct kunit_case stack_cases[] = {
	KUNIT_CASE(stack_sizes),
	KUNIT_CASE(stackcache_halves),
	KUNIT_CASE(stack_large_reuse),
	KUNIT_CASE(stack_bad_frees),
	KUNIT_CASE(stack_free_other_cpu),
	KUNIT_CASE(stack_cpu_offline),
	KUNIT_CASE(stack_atomic),
	{}
};

static struct kunit_suite gospan_stack_suite = {
	.name = "gospan_stack",
	.init = gospan_test_init,
	.exit = gospan_test_exit,
	.test_cases = stack_cases,
};

kunit_test_suite(gospan_stack_suite);
