// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for gospan's small-object path and public API (gospan.c,
 * mcache.c, mcentral.c), on gospan's own heap, with 4 CPUs: every size
 * class, the fast path and refill, reuse, spans going back to the heap,
 * cross-CPU frees, hardirq and softirq, the tiny allocator, constructors,
 * bulk, every bad input, CPU hotplug and a concurrent stress test.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/vmalloc.h>

#include "gospan.h"
#include "gospan_kunit.h"
#include "internal.h"
#include "mcache.h"
#include "msize.h"

#define check_consistent gospan_check_consistent

static void fill(void *p, size_t n)
{
	memset(p, (u8)((unsigned long)p >> 4), n);
}

static bool filled(const void *p, size_t n)
{
	return !memchr_inv(p, (u8)((unsigned long)p >> 4), n);
}

/* Every size class end to end: two spans and one more object each. */
static void every_size_class(struct kunit *test)
{
	unsigned int cls, i;

	for (cls = 1; cls < GOSPAN_NUM_SIZE_CLASSES; cls++) {
		unsigned int size = gospan_class_to_size[cls];
		unsigned int n = 2 * (gospan_class_span_bytes(cls) / size) + 1;
		unsigned int align = min(1U << __ffs(size), (unsigned int)GOSPAN_PAGE_SIZE);
		void **objs = kcalloc(n, sizeof(void *), GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, objs);
		for (i = 0; i < n; i++) {
			objs[i] = gospan_alloc(size - (i % 2), GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL_MSG(test, objs[i], "class %u #%u", cls, i);
			KUNIT_EXPECT_EQ_MSG(test, gospan_size(objs[i]), (size_t)size,
					    "class %u", cls);
			KUNIT_EXPECT_TRUE_MSG(test, IS_ALIGNED((unsigned long)objs[i], align),
					      "class %u misaligned", cls);
			fill(objs[i], size);
		}
		for (i = 0; i < n; i++) {
			KUNIT_EXPECT_TRUE_MSG(test, filled(objs[i], size), "class %u #%u", cls, i);
			gospan_free(objs[i]);
		}
		kfree(objs);
	}
	check_consistent(test);
}

/* One CPU: nextFreeFast hands out a span's objects in order, then refills. */
static void fast_path_and_refill(struct kunit *test)
{
	const unsigned int cls = gospan_size_to_class(100);	/* 112 B, 73 a span */
	const unsigned int size = gospan_class_to_size[cls];
	const unsigned int per_span = gospan_class_span_bytes(cls) / size;
	const unsigned int n = 3 * 73;
	void **objs = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	unsigned int i, breaks = 0;

	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_EQ(test, per_span, 73U);
	migrate_disable();
	for (i = 0; i < n; i++)
		objs[i] = gospan_alloc(100, GFP_KERNEL);
	migrate_enable();
	for (i = 1; i < n; i++) {
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		if (objs[i] != objs[i - 1] + size)
			breaks++;
	}
	/* Consecutive objects, except where a span ran out (or was shared). */
	KUNIT_EXPECT_LE(test, breaks, 6U);
	KUNIT_EXPECT_GE(test, breaks, 2U);
	for (i = 0; i < n; i++)
		gospan_free(objs[i]);
	check_consistent(test);
}

static unsigned int ctor_calls;

static void ctor_magic(void *obj)
{
	*(u32 *)obj = 0x60598a9;
	ctor_calls++;
}

/* Freed objects come back once their span is swept. */
static void free_then_reuse(struct kunit *test)
{
	/* A constructor gives the cache a span class of its own: fresh spans. */
	struct gospan_cache *c = gospan_cache_create("reuse", 1000, 0, 0, ctor_magic);
	void *first[8], *again[8];
	unsigned int i, j, same = 0;

	KUNIT_ASSERT_NOT_NULL(test, c);
	migrate_disable();
	/* 1024 B objects, 8 to a span: fill the cached span exactly... */
	for (i = 0; i < 8; i++)
		first[i] = gospan_cache_alloc(c, GFP_ATOMIC);
	for (i = 0; i < 8; i++)
		gospan_cache_free(c, first[i]);
	/* ...so the next allocations sweep it and reuse its objects. */
	for (i = 0; i < 8; i++)
		again[i] = gospan_cache_alloc(c, GFP_ATOMIC);
	migrate_enable();
	for (i = 0; i < 8; i++)
		for (j = 0; j < 8; j++)
			same += again[i] == first[j];
	KUNIT_EXPECT_EQ(test, same, 8U);
	for (i = 0; i < 8; i++)
		gospan_cache_free(c, again[i]);
	gospan_cache_destroy(c);
	check_consistent(test);
}

/* Pages in spans: in use, less those free in the per-CPU page caches. */
static unsigned long span_pages(void)
{
	return READ_ONCE(gospan_heap.pages_in_use) - gospan_pcache_pages();
}

/*
 * A class with few objects a span grows ngrow spans at once: the one the
 * CPU allocates from, and the others, their objects constructed, on the
 * empty list, from which the next refills take them without growing. A
 * class with many objects a span grows one.
 */
static void grow_in_batches(struct kunit *test)
{
	struct gospan_cache *few = gospan_cache_create("grow-few", 3000, 0, 0, ctor_magic);
	struct gospan_cache *many = gospan_cache_create("grow-many", 64, 0, 0, ctor_magic);
	unsigned long h0, r0, m0, h1, r1, m1;
	struct gospan_mcentral *c;
	unsigned int i, n, spans;
	void **objs;

	KUNIT_ASSERT_NOT_NULL(test, few);
	KUNIT_ASSERT_NOT_NULL(test, many);
	c = gospan_centrals[many->spanclass];
	KUNIT_EXPECT_EQ(test, c->ngrow, 1U);
	c = gospan_centrals[few->spanclass];
	KUNIT_ASSERT_EQ(test, c->nelems, 5U);
	KUNIT_ASSERT_GT(test, c->ngrow, 1U);
	n = c->ngrow * c->nelems;
	objs = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);

	migrate_disable();
	gospan_pcache_counts(&h0, &r0, &m0);
	objs[0] = gospan_cache_alloc(few, GFP_KERNEL);
	gospan_pcache_counts(&h1, &r1, &m1);
	spans = c->nspans;
	/*
	 * The others come from this CPU's page cache, fresh: all of them,
	 * unless the cache ran out of runs (a miss) first.
	 */
	KUNIT_EXPECT_GE(test, spans, 1U);
	KUNIT_EXPECT_LE(test, spans, c->ngrow);
	if (m1 == m0)
		KUNIT_EXPECT_EQ(test, spans, c->ngrow);
	KUNIT_EXPECT_EQ(test, c->nempty, spans - 1);
	n = spans * c->nelems;
	for (i = 1; i < n; i++)
		objs[i] = gospan_cache_alloc(few, GFP_KERNEL);
	migrate_enable();
	/* Every object of the batch, with no grow in between. */
	KUNIT_EXPECT_EQ(test, c->nspans, spans);
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		KUNIT_EXPECT_EQ(test, *(u32 *)objs[i], 0x60598a9U);
		gospan_cache_free(few, objs[i]);
	}
	KUNIT_EXPECT_EQ(test, gospan_cache_shrink(few), 0);
	KUNIT_EXPECT_EQ(test, c->nspans, 0UL);
	gospan_cache_destroy(few);
	gospan_cache_destroy(many);
	check_consistent(test);
}

/*
 * A span whose objects are all freed stays with the CPU that filled it (up
 * to its class's nkept_max, beside the one it allocates from) or on its
 * mcentral's empty list, up to a bound, or goes back to the mheap; shrink
 * gives back the kept ones.
 */
static void span_returns_to_heap(struct kunit *test)
{
	struct gospan_cache *c = gospan_cache_create("back", 3000, 0, 0, ctor_magic);
	void **objs = kunit_kcalloc(test, 200, sizeof(void *), GFP_KERNEL);
	struct gospan_mcentral *central;
	unsigned long in_use;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_GE(test, c->spanclass, (unsigned int)GOSPAN_FIRST_PRIVATE_SPANCLASS);
	central = gospan_centrals[c->spanclass];
	/* 5 objects in a span of 2 pages: 40 spans, more than are kept. */
	KUNIT_ASSERT_EQ(test, central->nelems, 5U);
	KUNIT_ASSERT_LT(test, central->nkept_max + central->nempty_max, 39U);
	in_use = span_pages();
	migrate_disable();
	for (i = 0; i < 200; i++)
		objs[i] = gospan_cache_alloc(c, GFP_ATOMIC);
	migrate_enable();
	/* Grown several at a time: those not filled wait on the empty list. */
	KUNIT_EXPECT_LT(test, central->nempty, central->ngrow);
	KUNIT_EXPECT_EQ(test, span_pages(), in_use + (40 + central->nempty) * central->npages);
	/*
	 * The CPU holds the span it allocates from and nkept_max others it
	 * filled, freed or not; it gave the others back full. Of those, each
	 * one's last free empties it: the mcentral keeps up to nempty_max of
	 * them for reuse, and gives them back in batches when it has more,
	 * keeping the newer half.
	 */
	for (i = 0; i < 200; i++) {
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		gospan_cache_free(c, objs[i]);
	}
	KUNIT_EXPECT_GE(test, central->nempty, central->nempty_max / 2);
	KUNIT_EXPECT_LE(test, central->nempty, central->nempty_max);
	KUNIT_EXPECT_EQ(test, span_pages(),
			in_use + (1 + central->nkept_max + central->nempty) * central->npages);
	/* The rest goes with shrink, which drains the mcaches. */
	KUNIT_EXPECT_EQ(test, gospan_cache_shrink(c), 0);
	KUNIT_EXPECT_EQ(test, central->nempty, 0U);
	KUNIT_EXPECT_EQ(test, span_pages(), in_use);
	KUNIT_EXPECT_NULL(test, gospan_span_of(objs[0]));
	gospan_cache_destroy(c);
	check_consistent(test);
}

/* A constructor runs when a span is carved; objects stay constructed. */
static void ctor_semantics(struct kunit *test)
{
	unsigned long zeroes = gospan_error_count(GOSPAN_ERR_BAD_FLAGS);
	struct gospan_cache *c;
	unsigned int calls;
	u32 *a, *b;

	ctor_calls = 0;
	c = gospan_cache_create("ctor", 200, 0, 0, ctor_magic);
	KUNIT_ASSERT_NOT_NULL(test, c);
	/* One CPU: another would carve (and construct) a span of its own. */
	migrate_disable();
	a = gospan_cache_alloc(c, GFP_KERNEL);
	calls = ctor_calls;
	b = gospan_cache_alloc(c, GFP_KERNEL);
	migrate_enable();
	KUNIT_ASSERT_TRUE(test, a && b);
	KUNIT_EXPECT_EQ(test, *a, 0x60598a9U);
	KUNIT_EXPECT_EQ(test, calls, gospan_centrals[c->spanclass]->nelems);
	KUNIT_EXPECT_EQ(test, *b, 0x60598a9U);
	KUNIT_EXPECT_EQ(test, ctor_calls, gospan_centrals[c->spanclass]->nelems);
	/* __GFP_ZERO would destroy the constructed state: refused. */
	KUNIT_EXPECT_NULL(test, gospan_cache_alloc(c, GFP_KERNEL | __GFP_ZERO));
	KUNIT_EXPECT_EQ(test, gospan_error_count(GOSPAN_ERR_BAD_FLAGS), zeroes + 1);
	gospan_expect_reports(test, 1);
	gospan_cache_free(c, a);
	gospan_cache_free(c, b);
	gospan_cache_destroy(c);
}

/* Caches share a size class unless they cannot; each pins gospan. */
static void cache_classes(struct kunit *test)
{
	int refs = gospan_module_refs();
	struct gospan_cache *a = gospan_cache_create("a", 100, 0, 0, NULL);
	struct gospan_cache *b = gospan_cache_create("b", 100, 64, 0, NULL);
	struct gospan_cache *h = gospan_cache_create("h", 40, 0, GOSPAN_HWCACHE_ALIGN, NULL);
	void *p;

	KUNIT_ASSERT_TRUE(test, a && b && h);
	KUNIT_EXPECT_EQ(test, gospan_module_refs(), refs + 3);
	KUNIT_EXPECT_EQ(test, a->spanclass, gospan_size_to_class(100));
	KUNIT_EXPECT_NE(test, b->spanclass, a->spanclass);
	p = gospan_cache_alloc(b, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)p, 64));
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, 100));
	gospan_cache_free(b, p);
	p = gospan_cache_alloc(h, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)p, 64));
	gospan_cache_free(h, p);
	gospan_cache_destroy(a);
	gospan_cache_destroy(b);
	gospan_cache_destroy(h);
	KUNIT_EXPECT_EQ(test, gospan_module_refs(), refs);
}

/* Tiny objects share 16-byte blocks; a block is freed with its last object. */
static void tiny_blocks(struct kunit *test)
{
	struct gospan_cache *c = gospan_cache_create("tiny4", 4, 0, GOSPAN_TINY, NULL);
	unsigned long doubles = gospan_error_count(GOSPAN_ERR_DOUBLE_FREE);
	struct gospan_mspan *s;
	u8 *p[8];
	unsigned int i;
	unsigned long block;

	KUNIT_ASSERT_NOT_NULL(test, c);
	migrate_disable();
	for (i = 0; i < ARRAY_SIZE(p); i++)
		p[i] = gospan_cache_alloc(c, GFP_ATOMIC);
	migrate_enable();
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)p[i], 4));
		memset(p[i], i, 4);
	}
	/* Four 4-byte objects to a block, one after the other. */
	block = (unsigned long)p[0] & ~15UL;
	for (i = 1; i < 4; i++)
		KUNIT_EXPECT_PTR_EQ(test, p[i], p[0] + 4 * i);
	KUNIT_EXPECT_EQ(test, (unsigned long)p[4] & 15, 0UL);
	for (i = 0; i < ARRAY_SIZE(p); i++)
		KUNIT_EXPECT_EQ(test, p[i][3], (u8)i);

	s = gospan_span_of(p[0]);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->spanclass, (u8)GOSPAN_TINY_SPANCLASS);
	for (i = 0; i < 3; i++)
		gospan_cache_free(c, p[i]);
	/* A double free of a tiny object is caught. */
	gospan_cache_free(c, p[1]);
	KUNIT_EXPECT_EQ(test, gospan_error_count(GOSPAN_ERR_DOUBLE_FREE), doubles + 1);
	gospan_expect_reports(test, 1);
	KUNIT_EXPECT_FALSE(test, test_bit((block - s->base) / 16, s->freed_bits));
	/* The last object frees the block (no mcache holds it any more). */
	gospan_cache_free(c, p[3]);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->tiny_state[(block - s->base) / 16]), 0);
	for (i = 4; i < ARRAY_SIZE(p); i++)
		gospan_cache_free(c, p[i]);
	KUNIT_EXPECT_EQ(test, gospan_cache_shrink(c), 0);
	gospan_cache_destroy(c);
	check_consistent(test);
}

/*
 * All or nothing, also when a refill fails (fail_grow) after the objects
 * of the CPU's span were taken; and nothing leaks then (the .exit hook).
 */
static void bulk_all_or_nothing(struct kunit *test)
{
	/* A class of its own (the constructor): only this case grows it. */
	struct gospan_cache *c = gospan_cache_create("bulk", 96, 0, 0, ctor_magic);
	void **objs = kunit_kcalloc(test, 200, sizeof(void *), GFP_KERNEL);
	static struct gospan_memstats before, after;
	unsigned int i;

	KUNIT_ASSERT_TRUE(test, c && objs);
	KUNIT_ASSERT_EQ(test, gospan_cache_alloc_bulk(c, GFP_KERNEL, 100, objs), 100);
	for (i = 0; i < 100; i++) {
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		KUNIT_EXPECT_EQ(test, *(u32 *)objs[i], 0x60598a9U);
		fill(objs[i] + 4, 92);
	}
	for (i = 0; i < 100; i++) {
		KUNIT_EXPECT_TRUE(test, filled(objs[i] + 4, 92));
		*(u32 *)objs[i] = 0x60598a9;	/* back to the constructed state */
	}
	gospan_cache_free_bulk(c, 100, objs);

#ifdef CONFIG_FAULT_INJECTION
{
	void *one;

	/* Every span the heap is asked for from now on fails. */
	migrate_disable();
	one = gospan_cache_alloc(c, GFP_ATOMIC);	/* this CPU holds a span */
	KUNIT_ASSERT_NOT_NULL(test, one);
	gospan_fail_grow.verbose = 0;
	atomic_set(&gospan_fail_grow.times, -1);
	WRITE_ONCE(gospan_fail_grow.probability, 100);
	gospan_mcentral_reclaim(gospan_centrals[c->spanclass]);
	KUNIT_EXPECT_EQ(test, gospan_cache_alloc_bulk(c, GFP_ATOMIC, 200, objs), 0);
	WRITE_ONCE(gospan_fail_grow.probability, 0);
	migrate_enable();
	gospan_cache_free(c, one);
	KUNIT_EXPECT_EQ(test, gospan_cache_live(c), 0L);
}
#endif

	/* The batched path counts what it hands out, like single allocations. */
	gospan_read_memstats(&before);
	KUNIT_ASSERT_EQ(test, gospan_cache_alloc_bulk(c, GFP_KERNEL, 100, objs), 100);
	gospan_read_memstats(&after);
	KUNIT_EXPECT_EQ(test, after.mallocs - before.mallocs, 100ULL);
	KUNIT_EXPECT_EQ(test, after.alloc - before.alloc, 100ULL * 96);
	gospan_cache_free_bulk(c, 100, objs);
	gospan_cache_destroy(c);
	check_consistent(test);
}

/* Errors of a kind counted since the snapshot before[]. */
static unsigned long since(const unsigned long *before, enum gospan_error kind)
{
	return gospan_error_count(kind) - before[kind];
}

/* Every bad input is reported, counted and refused; nothing breaks. */
static void bad_inputs(struct kunit *test)
{
	unsigned long before[GOSPAN_NR_ERRORS];
	struct gospan_cache *a, *b, *priv;
	void *k = kmalloc(64, GFP_KERNEL);
	void *p, *q, *large, *pa, *pp;
	unsigned int kind;
	int on_stack;

	for (kind = 0; kind < GOSPAN_NR_ERRORS; kind++)
		before[kind] = gospan_error_count(kind);

	p = gospan_alloc(200, GFP_KERNEL);
	large = gospan_alloc(100000, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, k && p && large);
	gospan_free(k);				/* foreign: kmalloc's */
	gospan_free(&on_stack);			/* foreign: a stack */
	gospan_free(test);			/* foreign */
	KUNIT_EXPECT_EQ(test, since(before, GOSPAN_ERR_FOREIGN), 3UL);
	gospan_free(p + 8);			/* interior */
	gospan_free(large + 4096);		/* interior of a large object */
	KUNIT_EXPECT_EQ(test, gospan_size(p + 1), (size_t)0);
	KUNIT_EXPECT_EQ(test, since(before, GOSPAN_ERR_INTERIOR), 3UL);
	gospan_free(p);
	gospan_free(p);				/* double */
	gospan_free(large);
	gospan_free(large);			/* double, large */
	KUNIT_EXPECT_EQ(test, since(before, GOSPAN_ERR_DOUBLE_FREE), 2UL);
	kfree(k);

	KUNIT_EXPECT_PTR_EQ(test, gospan_alloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	gospan_free(ZERO_SIZE_PTR);
	gospan_free(NULL);
	KUNIT_EXPECT_NULL(test, gospan_alloc(GOSPAN_MAX_SIZE + 1, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, gospan_alloc(SIZE_MAX, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, gospan_cache_create("zero", 0, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, gospan_cache_create("huge", 40000, 0, 0, NULL));
	KUNIT_EXPECT_EQ(test, since(before, GOSPAN_ERR_BAD_SIZE), 4UL);
	KUNIT_EXPECT_NULL(test, gospan_cache_create("flags", 64, 0, 0x80, NULL));
	KUNIT_EXPECT_NULL(test, gospan_cache_create("align", 64, 3, 0, NULL));
	KUNIT_EXPECT_NULL(test, gospan_cache_create("tiny", 32, 0, GOSPAN_TINY, NULL));
	KUNIT_EXPECT_EQ(test, since(before, GOSPAN_ERR_BAD_FLAGS), 3UL);

	/* Wrong cache: refused, and the object stays allocated. */
	a = gospan_cache_create("wrong-a", 64, 0, 0, NULL);
	b = gospan_cache_create("wrong-b", 512, 0, 0, NULL);
	KUNIT_ASSERT_TRUE(test, a && b);
	q = gospan_cache_alloc(a, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	gospan_cache_free(b, q);
	KUNIT_EXPECT_EQ(test, since(before, GOSPAN_ERR_WRONG_CACHE), 1UL);
	gospan_cache_free(a, q);
	KUNIT_EXPECT_EQ(test, since(before, GOSPAN_ERR_DOUBLE_FREE), 2UL);

	/* Destroyed with live objects: reported, memory kept, still freeable. */
	pa = gospan_cache_alloc(a, GFP_KERNEL);
	priv = gospan_cache_create("wrong-priv", 300, 0, 0, ctor_magic);
	KUNIT_ASSERT_NOT_NULL(test, priv);
	pp = gospan_cache_alloc(priv, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, pa && pp);
	gospan_cache_destroy(a);
	gospan_cache_destroy(priv);
	KUNIT_EXPECT_EQ(test, since(before, GOSPAN_ERR_LIVE_AT_DESTROY), 2UL);
	KUNIT_EXPECT_EQ(test, *(u32 *)pp, 0x60598a9U);
	gospan_free(pa);
	gospan_free(pp);
	gospan_cache_destroy(b);
	KUNIT_EXPECT_EQ(test, since(before, GOSPAN_ERR_DOUBLE_FREE), 2UL);
	KUNIT_EXPECT_EQ(test, since(before, GOSPAN_ERR_FOREIGN), 3UL);

	/* Every report above, and no other. */
	gospan_expect_reports(test, 18);
	/* Still consistent, and still working. */
	check_consistent(test);
	p = gospan_alloc(200, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	gospan_free(p);
}

/* Allocation and free from hardirq (irq_work) and softirq (a timer). */
struct irq_ctx {
	struct irq_work work;
	struct timer_list timer;
	void *objs[16];
	bool hardirq, softirq;
	struct completion done;
};

static void irq_alloc_free(struct irq_ctx *x)
{
	unsigned int i;

	for (i = 0; i < 16; i++) {
		x->objs[i] = gospan_alloc(24 + 40 * i, GFP_ATOMIC);
		if (x->objs[i])
			fill(x->objs[i], 24 + 40 * i);
	}
	for (i = 0; i < 16; i += 2)
		gospan_free(x->objs[i]);
}

static void hardirq_fn(struct irq_work *w)
{
	struct irq_ctx *x = container_of(w, struct irq_ctx, work);

	x->hardirq = in_hardirq();
	irq_alloc_free(x);
	complete(&x->done);
}

static void softirq_fn(struct timer_list *t)
{
	struct irq_ctx *x = container_of(t, struct irq_ctx, timer);

	x->softirq = in_serving_softirq();
	irq_alloc_free(x);
	complete(&x->done);
}

static void irq_contexts(struct kunit *test)
{
	struct irq_ctx *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	unsigned int i, round;

	KUNIT_ASSERT_NOT_NULL(test, x);
	for (round = 0; round < 2; round++) {
		init_completion(&x->done);
		if (!round) {
			init_irq_work(&x->work, hardirq_fn);
			irq_work_queue(&x->work);
		} else {
			timer_setup(&x->timer, softirq_fn, 0);
			mod_timer(&x->timer, jiffies + 1);
		}
		KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&x->done, 10 * HZ), 0UL);
		if (round)
			del_timer_sync(&x->timer);
		/* The odd ones were allocated in interrupt context and are freed here. */
		for (i = 1; i < 16; i += 2) {
			KUNIT_ASSERT_NOT_NULL(test, x->objs[i]);
			KUNIT_EXPECT_TRUE(test, filled(x->objs[i], 24 + 40 * i));
			gospan_free(x->objs[i]);
		}
	}
	/*
	 * On PREEMPT_RT irq_work runs in a thread, as nothing may allocate in
	 * hard interrupt context there (kmalloc neither).
	 */
	KUNIT_EXPECT_EQ(test, x->hardirq, !IS_ENABLED(CONFIG_PREEMPT_RT));
	KUNIT_EXPECT_TRUE(test, x->softirq);
	check_consistent(test);
}

/* A ring between kthreads on different CPUs: one allocates, the next frees. */
#define RING 64

struct ring_thread {
	struct task_struct *task;
	void *ring[RING];
	atomic_t head, tail;	/* producer writes head, consumer tail */
	struct ring_thread *next;
	bool produced;		/* all rounds made */
	unsigned long made, freed, bad;
	unsigned int rounds;
	struct completion done;
};

static int ring_fn(void *arg)
{
	struct ring_thread *t = arg;
	struct rnd_state rnd;
	unsigned int made = 0;

	prandom_seed_state(&rnd, (unsigned long)t);
	/* Until we are done making and the next thread's ring is done too. */
	while (made < t->rounds || !smp_load_acquire(&t->next->produced) ||
	       atomic_read(&t->next->tail) != atomic_read_acquire(&t->next->head)) {
		/* Produce into our ring... */
		if (made < t->rounds &&
		    atomic_read(&t->head) - atomic_read_acquire(&t->tail) < RING) {
			size_t size = 8 + prandom_u32_state(&rnd) % 2000;
			void *p = gospan_alloc(size, GFP_KERNEL);

			if (p) {
				fill(p, 8);
				t->ring[atomic_read(&t->head) % RING] = p;
				/* Publish p: the slot is written before head moves. */
				smp_mb__before_atomic();
				atomic_inc(&t->head);
				t->made++;
			}
			if (++made == t->rounds) {
				/* Done: the consumer of our ring may stop once it is empty. */
				smp_store_release(&t->produced, true);
			}
		}
		/* ...and consume from the next thread's, on another CPU. */
		if (atomic_read(&t->next->tail) != atomic_read_acquire(&t->next->head)) {
			void *p = t->next->ring[atomic_read(&t->next->tail) % RING];

			if (!filled(p, 8))
				t->bad++;
			gospan_free(p);
			/* The slot is read before tail lets it be reused. */
			smp_mb__before_atomic();
			atomic_inc(&t->next->tail);
			t->freed++;
		}
		cond_resched();
	}
	complete(&t->done);
	/* Wait for kthread_stop(): the next thread may still drain our ring. */
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static void run_ring(struct kunit *test, unsigned int rounds)
{
	unsigned int n = min(num_online_cpus(), 4U), i;
	unsigned long doubles = gospan_error_count(GOSPAN_ERR_DOUBLE_FREE);
	struct ring_thread *t = kunit_kcalloc(test, n, sizeof(*t), GFP_KERNEL);
	unsigned long made = 0, freed = 0, bad = 0;

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_GE(test, n, 2U);
	for (i = 0; i < n; i++) {
		t[i].next = &t[(i + 1) % n];
		t[i].rounds = rounds;
		init_completion(&t[i].done);
		t[i].task = kthread_create_on_cpu(ring_fn, &t[i], i, "gospan-ring/%u");
		KUNIT_ASSERT_FALSE(test, IS_ERR(t[i].task));
	}
	for (i = 0; i < n; i++)
		wake_up_process(t[i].task);
	for (i = 0; i < n; i++)
		wait_for_completion(&t[i].done);
	/* Drain whatever is left in the rings. */
	for (i = 0; i < n; i++) {
		kthread_stop(t[i].task);
		while (atomic_read(&t[i].tail) != atomic_read(&t[i].head)) {
			gospan_free(t[i].ring[atomic_read(&t[i].tail) % RING]);
			atomic_inc(&t[i].tail);
			freed++;
		}
	}
	for (i = 0; i < n; i++) {
		made += t[i].made;
		freed += t[i].freed;
		bad += t[i].bad;
	}
	KUNIT_EXPECT_EQ(test, made, freed);
	KUNIT_EXPECT_EQ(test, bad, 0UL);
	KUNIT_EXPECT_EQ(test, gospan_error_count(GOSPAN_ERR_DOUBLE_FREE), doubles);
	check_consistent(test);
}

static void cross_cpu_frees(struct kunit *test)
{
	run_ring(test, 3000);
}

/* A CPU goes offline with objects outstanding; its mcache is drained. */
static void cpu_offline_online(struct kunit *test)
{
	const unsigned int cpu = 1, cls = gospan_size_to_class(500);
	struct gospan_mcache *mc = gospan_mcache_of(cpu);
	void *objs[20];
	unsigned int i;

	KUNIT_ASSERT_TRUE(test, cpu_online(cpu));
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(cpu)), 0);
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = gospan_alloc(500, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		fill(objs[i], 500);
	}
	KUNIT_EXPECT_NOT_NULL(test, gospan_mcache_span(&mc->cls[cls]));
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(0)), 0);
	KUNIT_ASSERT_EQ(test, remove_cpu(cpu), 0);
	KUNIT_EXPECT_NULL(test, gospan_mcache_span(&mc->cls[cls]));
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		KUNIT_EXPECT_TRUE(test, filled(objs[i], 500));
		gospan_free(objs[i]);
	}
	KUNIT_ASSERT_EQ(test, add_cpu(cpu), 0);
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(cpu)), 0);
	objs[0] = gospan_alloc(500, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, objs[0]);
	gospan_free(objs[0]);
	set_cpus_allowed_ptr(current, cpu_possible_mask);
	check_consistent(test);
}

/* Threads on every CPU: random sizes, patterns verified before every free. */
struct stress {
	struct task_struct *task;
	unsigned long bad, ops;
	struct completion done;
	struct { void *p; size_t n; } slot[128];
};

static int stress_fn(void *arg)
{
	struct stress *st = arg;
	typeof(st->slot[0]) *slot = st->slot;
	const unsigned int nslots = ARRAY_SIZE(st->slot);
	struct rnd_state rnd;
	unsigned int i, k;

	prandom_seed_state(&rnd, (unsigned long)st);
	for (i = 0; i < 6000; i++) {
		u32 r = prandom_u32_state(&rnd);
		size_t n = r % 64 ? 1 + (r >> 8) % 1500 : 33000 + (r >> 8) % 70000;

		k = (r >> 20) % nslots;
		if (slot[k].p) {
			if (!filled(slot[k].p, slot[k].n))
				st->bad++;
			gospan_free(slot[k].p);
		}
		slot[k].p = gospan_alloc(n, (r & 1) ? GFP_KERNEL : GFP_ATOMIC);
		slot[k].n = n;
		if (slot[k].p)
			fill(slot[k].p, n);
		st->ops++;
		if (!(i % 64))
			cond_resched();
	}
	for (k = 0; k < nslots; k++) {
		if (slot[k].p && !filled(slot[k].p, slot[k].n))
			st->bad++;
		gospan_free(slot[k].p);
	}
	complete(&st->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static void concurrent_stress(struct kunit *test)
{
	unsigned int n = num_online_cpus(), i;
	struct stress *st = kunit_kcalloc(test, n, sizeof(*st), GFP_KERNEL);
	unsigned long errors = 0, k;

	KUNIT_ASSERT_NOT_NULL(test, st);
	for (k = 0; k < GOSPAN_NR_ERRORS; k++)
		errors += gospan_error_count(k);
	for (i = 0; i < n; i++) {
		init_completion(&st[i].done);
		st[i].task = kthread_create_on_cpu(stress_fn, &st[i], i, "gospan-stress/%u");
		KUNIT_ASSERT_FALSE(test, IS_ERR(st[i].task));
		wake_up_process(st[i].task);
	}
	for (i = 0; i < n; i++) {
		wait_for_completion(&st[i].done);
		kthread_stop(st[i].task);
		KUNIT_EXPECT_EQ_MSG(test, st[i].bad, 0UL, "CPU %u saw corrupted objects", i);
		KUNIT_EXPECT_EQ(test, st[i].ops, 6000UL);
	}
	for (k = 0; k < GOSPAN_NR_ERRORS; k++)
		errors -= gospan_error_count(k);
	KUNIT_EXPECT_EQ(test, errors, 0UL);
	check_consistent(test);
	/* Everything was freed: sweeping every class leaves no span in use. */
	gospan_mcache_drain_all(GOSPAN_ALL_SPANCLASSES);
	for (k = 1; k < GOSPAN_NUM_SPAN_CLASSES; k++)
		if (gospan_centrals[k])
			gospan_mcentral_reclaim(gospan_centrals[k]);
	KUNIT_EXPECT_EQ(test, gospan_heap.pages_in_use, 0UL);
}

/*
 * A pointer into a span of tiny blocks that is still being made: in the
 * span map, its block state not allocated yet (gospan_mcentral_grow()
 * fills it in after the heap maps the span). A free of it, and a look at
 * its size, are refused and reported, as any pointer to no object is.
 */
static void bad_free_in_new_tiny_span(struct kunit *test)
{
	struct gospan_mcentral *c = gospan_centrals[GOSPAN_TINY_SPANCLASS];
	struct gospan_mspan *s;

	KUNIT_ASSERT_NOT_NULL(test, c);
	s = gospan_mheap_alloc_span_aligned(&gospan_heap, c->npages, 1,
					    GOSPAN_TINY_SPANCLASS, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_NULL(test, s->tiny_state);
	gospan_free((void *)s->base);
	gospan_expect_reports(test, 1);
	KUNIT_EXPECT_EQ(test, gospan_size((void *)s->base), (size_t)0);
	gospan_expect_reports(test, 2);
	synchronize_rcu();	/* the free's and the size's looks at it are over */
	gospan_mheap_free_span(&gospan_heap, s);
}

static struct kunit_case gospan_api_cases[] = {
	KUNIT_CASE(every_size_class),
	KUNIT_CASE(fast_path_and_refill),
	KUNIT_CASE(free_then_reuse),
	KUNIT_CASE(grow_in_batches),
	KUNIT_CASE(span_returns_to_heap),
	KUNIT_CASE(ctor_semantics),
	KUNIT_CASE(cache_classes),
	KUNIT_CASE(tiny_blocks),
	KUNIT_CASE(bulk_all_or_nothing),
	KUNIT_CASE(bad_inputs),
	KUNIT_CASE(bad_free_in_new_tiny_span),
	KUNIT_CASE(irq_contexts),
	KUNIT_CASE(cross_cpu_frees),
	KUNIT_CASE(cpu_offline_online),
	KUNIT_CASE(concurrent_stress),
	{}
};

static struct kunit_suite gospan_api_suite = {
	.name = "gospan_api",
	.init = gospan_test_init,
	.exit = gospan_test_exit,
	.test_cases = gospan_api_cases,
};

kunit_test_suite(gospan_api_suite);
