// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for gospan's page heap (mheap.c) and span allocator
 * (mfixalloc.c). Each case builds a heap of its own, so that it knows
 * exactly what the heap holds, and destroys it at the end: the teardown
 * must give every page back.
 */
#include <kunit/test.h>
#include <linux/irqflags.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>

#include "internal.h"
#include "mheap.h"

static struct gospan_mheap *new_heap(struct kunit *test)
{
	struct gospan_mheap *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_ASSERT_EQ(test, gospan_mheap_init(h), 0);
	KUNIT_EXPECT_EQ(test, h->max_grow_order, (unsigned int)GOSPAN_GROW_ORDER);
	/* These cases reason in whole chunks; grow_fallback sets its own. */
	h->max_grow_order = GOSPAN_CHUNK_ORDER;
	return h;
}

/* Tear down and check that every page grown went back to the kernel. */
static void destroy_heap(struct kunit *test, struct gospan_mheap *h)
{
	unsigned long before = h->pages_returned + h->pages_owned;

	KUNIT_EXPECT_EQ(test, h->pages_in_use, 0UL);
	KUNIT_EXPECT_EQ(test, gospan_mheap_destroy(h), 0UL);
	KUNIT_EXPECT_EQ(test, h->pages_owned, 0UL);
	KUNIT_EXPECT_EQ(test, h->pages_returned, before);
}

/* Every page of a span, and interior addresses, map to it; its ends do not leak. */
static void span_map(struct kunit *test)
{
	struct gospan_mheap *h = new_heap(test);
	struct gospan_mspan *a, *b;
	unsigned long i;

	a = gospan_mheap_alloc_span(h, 5, 0, GFP_KERNEL);
	b = gospan_mheap_alloc_span(h, 3, 7, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, a->npages, 5UL);
	KUNIT_EXPECT_EQ(test, a->state, (u8)GOSPAN_SPAN_IN_USE);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(a->base, GOSPAN_PAGE_SIZE));
	/* First fit: b follows a. */
	KUNIT_EXPECT_EQ(test, b->base, a->base + 5 * GOSPAN_PAGE_SIZE);
	for (i = 0; i < 5 * GOSPAN_PAGE_SIZE; i += 512)
		KUNIT_EXPECT_PTR_EQ(test, gospan_span_of_heap(h, (void *)(a->base + i)), a);
	KUNIT_EXPECT_PTR_EQ(test, gospan_span_of_heap(h, (void *)(a->limit - 1)), a);
	KUNIT_EXPECT_PTR_EQ(test, gospan_span_of_heap(h, (void *)a->limit), b);
	KUNIT_EXPECT_PTR_EQ(test, gospan_span_of_heap(h, (void *)(b->limit - 1)), b);
	KUNIT_EXPECT_NULL(test, gospan_span_of_heap(h, (void *)b->limit));
	KUNIT_EXPECT_TRUE(test, gospan_mheap_owns(h, (void *)b->limit));

	gospan_mheap_free_span(h, a);
	KUNIT_EXPECT_NULL(test, gospan_span_of_heap(h, (void *)(b->base - 1)));
	gospan_mheap_free_span(h, b);
	KUNIT_EXPECT_EQ(test, gospan_pagealloc_check(&h->pages), 0);
	destroy_heap(test, h);
}

/* Pointers gospan does not own are recognised as foreign. */
static void foreign_pointers(struct kunit *test)
{
	struct gospan_mheap *h = new_heap(test);
	void *k = kmalloc(64, GFP_KERNEL), *v = vmalloc(PAGE_SIZE);
	struct gospan_mspan *s = gospan_mheap_alloc_span(h, 1, 0, GFP_KERNEL);
	int on_stack;
	const void *foreign[] = {
		k, v, &on_stack, test, (void *)PAGE_OFFSET, NULL,
		(void *)foreign_pointers, (void *)-1L, ZERO_SIZE_PTR,
	};
	unsigned int i;

	KUNIT_ASSERT_TRUE(test, k && v && s);
	for (i = 0; i < ARRAY_SIZE(foreign); i++) {
		KUNIT_EXPECT_NULL_MSG(test, gospan_span_of_heap(h, foreign[i]), "#%u", i);
		KUNIT_EXPECT_FALSE_MSG(test, gospan_mheap_owns(h, foreign[i]), "#%u", i);
		KUNIT_EXPECT_EQ_MSG(test, gospan_mheap_free_large(h, foreign[i]),
				    GOSPAN_FREE_FOREIGN, "#%u", i);
	}
	gospan_mheap_free_span(h, s);
	kfree(k);
	vfree(v);
	destroy_heap(test, h);
}

/* Large objects from just over 32 KiB up to kmalloc's limit, and one past it. */
static void large_objects(struct kunit *test)
{
	static const size_t sizes[] = {
		GOSPAN_MAX_SMALL_SIZE + 1, 64 << 10, 100000, 1 << 20,
		GOSPAN_MAX_SIZE - 1, GOSPAN_MAX_SIZE,
	};
	struct gospan_mheap *h = new_heap(test);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u8 *p = gospan_mheap_alloc_large(h, sizes[i], GFP_KERNEL | __GFP_ZERO);
		struct gospan_mspan *s;

		KUNIT_ASSERT_NOT_NULL_MSG(test, p, "size %zu", sizes[i]);
		s = gospan_span_of_heap(h, p);
		KUNIT_ASSERT_NOT_NULL(test, s);
		KUNIT_EXPECT_EQ(test, s->npages, DIV_ROUND_UP(sizes[i], GOSPAN_PAGE_SIZE));
		KUNIT_EXPECT_EQ(test, s->spanclass, 0);
		KUNIT_EXPECT_EQ(test, p[0] | p[sizes[i] - 1] | p[s->elemsize - 1], 0);
		memset(p, 0xa5, s->elemsize);
		KUNIT_EXPECT_PTR_EQ(test, gospan_span_of_heap(h, p + sizes[i] - 1), s);
		KUNIT_EXPECT_EQ(test, gospan_mheap_free_large(h, p), GOSPAN_FREE_OK);
	}
	KUNIT_EXPECT_EQ(test, h->large_allocs, (unsigned long)ARRAY_SIZE(sizes));
	KUNIT_EXPECT_EQ(test, h->large_frees, (unsigned long)ARRAY_SIZE(sizes));
	KUNIT_EXPECT_NULL(test, gospan_mheap_alloc_large(h, GOSPAN_MAX_SIZE + 1, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, gospan_mheap_alloc_large(h, SIZE_MAX, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, gospan_mheap_alloc_large(h, 0, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, h->large_allocs, (unsigned long)ARRAY_SIZE(sizes));
	destroy_heap(test, h);
}

/* A bad free is refused and changes nothing. */
static void bad_frees(struct kunit *test)
{
	struct gospan_mheap *h = new_heap(test);
	u8 *p = gospan_mheap_alloc_large(h, 100000, GFP_KERNEL);
	struct gospan_mspan *small = gospan_mheap_alloc_span(h, 1, 3, GFP_KERNEL);
	unsigned long in_use;

	KUNIT_ASSERT_TRUE(test, p && small);
	in_use = h->pages_in_use;
	KUNIT_EXPECT_EQ(test, gospan_mheap_free_large(h, p + 8), GOSPAN_FREE_INTERIOR);
	KUNIT_EXPECT_EQ(test, gospan_mheap_free_large(h, p + GOSPAN_PAGE_SIZE),
			GOSPAN_FREE_INTERIOR);
	KUNIT_EXPECT_EQ(test, gospan_mheap_free_large(h, (void *)small->base),
			GOSPAN_FREE_NOT_LARGE);
	KUNIT_EXPECT_EQ(test, h->pages_in_use, in_use);
	KUNIT_EXPECT_EQ(test, gospan_mheap_free_large(h, p), GOSPAN_FREE_OK);
	KUNIT_EXPECT_EQ(test, gospan_mheap_free_large(h, p), GOSPAN_FREE_NOT_ALLOCATED);
	KUNIT_EXPECT_EQ(test, h->large_frees, 1UL);
	gospan_mheap_free_span(h, small);
	destroy_heap(test, h);
}

/* Without a 4 MiB block the heap grows by smaller ones, never below the request. */
static void grow_fallback(struct kunit *test)
{
	struct gospan_mheap *h = new_heap(test);
	struct gospan_mspan *a, *b, *c;

	h->max_grow_order = GOSPAN_CHUNK_ORDER - 2;	/* "no block over 1 MiB" */
	a = gospan_mheap_alloc_span(h, 1, 0, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_EQ(test, h->blocks_grown, 1UL);
	KUNIT_EXPECT_EQ(test, h->pages_owned, GOSPAN_CHUNK_PAGES / 4);
	/* 200 pages need an order-9 block: the limit gives way to the request. */
	b = gospan_mheap_alloc_span(h, 200, 0, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, h->blocks_grown, 2UL);
	KUNIT_EXPECT_EQ(test, h->pages_owned, GOSPAN_CHUNK_PAGES / 4 + GOSPAN_CHUNK_PAGES / 2);
	/* The normal case: a whole chunk. */
	h->max_grow_order = GOSPAN_CHUNK_ORDER;
	c = gospan_mheap_alloc_span(h, GOSPAN_CHUNK_PAGES, 0, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_EQ(test, h->blocks_grown, 3UL);
	gospan_mheap_free_span(h, a);
	gospan_mheap_free_span(h, b);
	gospan_mheap_free_span(h, c);
	KUNIT_EXPECT_EQ(test, gospan_pagealloc_check(&h->pages), 0);
	destroy_heap(test, h);
}

/* A GFP_ATOMIC grow with interrupts off does not sleep (DEBUG_ATOMIC_SLEEP watches). */
/*
 * GFP_ATOMIC's context: interrupts off; on PREEMPT_RT, where nothing may
 * allocate with interrupts off (kmalloc neither), a spinlock_t held, which
 * spin_lock_irqsave() gives on both.
 */
static DEFINE_SPINLOCK(atomic_ctx);

static void atomic_grow(struct kunit *test)
{
	struct gospan_mheap *h = new_heap(test);
	struct gospan_mspan *s;
	unsigned long flags;
	void *p;

	spin_lock_irqsave(&atomic_ctx, flags);
	s = gospan_mheap_alloc_span(h, 3, 0, GFP_ATOMIC);
	p = gospan_mheap_alloc_large(h, 70000, GFP_ATOMIC);
	spin_unlock_irqrestore(&atomic_ctx, flags);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_NOT_NULL(test, p);
	spin_lock_irqsave(&atomic_ctx, flags);
	gospan_mheap_free_span(h, s);
	KUNIT_EXPECT_EQ(test, gospan_mheap_free_large(h, p), GOSPAN_FREE_OK);
	spin_unlock_irqrestore(&atomic_ctx, flags);
	destroy_heap(test, h);
}

/*
 * Freed spans coalesce so that a whole chunk fits again. Free pages go
 * back to the kernel while their chunk still holds spans (Go's scavenged
 * pages: HeapReleased, still HeapSys), and the chunk leaves the heap with
 * its last page.
 */
static void release_and_coalesce(struct kunit *test)
{
	struct gospan_mheap *h = new_heap(test);
	struct gospan_mspan *s[64];
	unsigned long base, base0, freed = 0, total = 0, owned;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(s); i++) {
		s[i] = gospan_mheap_alloc_span(h, 1 + i % 13, i % 5, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, s[i]);
	}
	KUNIT_EXPECT_EQ(test, h->pages_owned, (unsigned long)GOSPAN_CHUNK_PAGES);
	for (i = 0; i < ARRAY_SIZE(s); i++)
		gospan_mheap_free_span(h, s[i]);
	/* Coalesced: the whole chunk is one free run again. */
	s[0] = gospan_mheap_alloc_span(h, GOSPAN_CHUNK_PAGES, 0, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s[0]);
	KUNIT_EXPECT_EQ(test, h->blocks_grown, 1UL);
	gospan_mheap_free_span(h, s[0]);

	for (i = 0; i < ARRAY_SIZE(s); i++) {
		s[i] = gospan_mheap_alloc_span(h, 1 + i % 13, i % 5, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, s[i]);
		total += s[i]->npages;
	}
	KUNIT_EXPECT_EQ(test, h->blocks_grown, 1UL);
	base0 = s[0]->base;
	for (i = 1; i < ARRAY_SIZE(s); i += 2) {
		freed += s[i]->npages;
		gospan_mheap_free_span(h, s[i]);
	}
	/*
	 * Spans in use keep their pages; the free ones between them go back,
	 * and so do those after the last span.
	 */
	KUNIT_EXPECT_EQ(test, gospan_mheap_release(h), freed + GOSPAN_CHUNK_PAGES - total);
	KUNIT_EXPECT_EQ(test, h->pages_owned, total - freed);
	KUNIT_EXPECT_EQ(test, h->pages_released, freed + GOSPAN_CHUNK_PAGES - total);
	KUNIT_EXPECT_EQ(test, h->chunks_returned, 0UL);
	KUNIT_EXPECT_FALSE(test, gospan_mheap_owns(h, (void *)s[1]->base));
	KUNIT_EXPECT_TRUE(test, gospan_mheap_owns(h, (void *)s[0]->base));
	KUNIT_EXPECT_EQ(test, gospan_pagealloc_check(&h->pages), 0);
	/* Released pages are not handed out: a new span needs a new block. */
	base = s[1]->base;
	s[1] = gospan_mheap_alloc_span(h, 1, 0, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s[1]);
	KUNIT_EXPECT_TRUE(test, gospan_mheap_owns(h, (void *)s[1]->base));
	gospan_mheap_free_span(h, s[1]);
	owned = h->pages_owned;
	KUNIT_EXPECT_EQ(test, gospan_mheap_release(h), owned - (total - freed));
	KUNIT_EXPECT_FALSE(test, gospan_mheap_owns(h, (void *)base));

	for (i = 0; i < ARRAY_SIZE(s); i += 2)
		gospan_mheap_free_span(h, s[i]);
	KUNIT_EXPECT_EQ(test, h->pages_in_use, 0UL);
	KUNIT_EXPECT_EQ(test, gospan_mheap_release(h), total - freed);
	KUNIT_EXPECT_EQ(test, h->pages_owned, 0UL);
	/* The chunk left the heap, and its released pages with it. */
	KUNIT_EXPECT_EQ(test, h->pages_released, 0UL);
	KUNIT_EXPECT_GE(test, h->chunks_returned, 1UL);
	KUNIT_EXPECT_FALSE(test, gospan_mheap_owns(h, (void *)base0));
	KUNIT_EXPECT_EQ(test, gospan_pagealloc_check(&h->pages), 0);
	destroy_heap(test, h);
}

/* Span descriptors come from pages, many to a page, and are reused. */
static void span_descriptors(struct kunit *test)
{
	struct gospan_fixalloc f;
	void *a, *b, *c;

	gospan_fixalloc_init(&f, sizeof(struct gospan_mspan));
	a = gospan_fixalloc_alloc(&f, GFP_KERNEL);
	b = gospan_fixalloc_alloc(&f, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, a && b);
	KUNIT_EXPECT_EQ(test, f.sys, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, f.inuse, 2 * f.size);
	KUNIT_EXPECT_PTR_EQ(test, b, a + f.size);
	memset(a, 0xff, f.size);
	gospan_fixalloc_free(&f, a);
	c = gospan_fixalloc_alloc(&f, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, c, a);
	KUNIT_EXPECT_NULL(test, memchr_inv(c, 0, f.size));
	/* Still in use: destroy keeps the pages and says so. */
	KUNIT_EXPECT_EQ(test, gospan_fixalloc_destroy(&f), 2 * f.size);
	gospan_fixalloc_free(&f, b);
	gospan_fixalloc_free(&f, c);
	KUNIT_EXPECT_EQ(test, gospan_fixalloc_destroy(&f), (size_t)0);
	KUNIT_EXPECT_EQ(test, f.sys, (size_t)0);
}

static struct kunit_case mheap_cases[] = {
	KUNIT_CASE(span_map),
	KUNIT_CASE(foreign_pointers),
	KUNIT_CASE(large_objects),
	KUNIT_CASE(bad_frees),
	KUNIT_CASE(grow_fallback),
	KUNIT_CASE(atomic_grow),
	KUNIT_CASE(release_and_coalesce),
	KUNIT_CASE(span_descriptors),
	{}
};

static struct kunit_suite mheap_suite = {
	.name = "gospan_mheap",
	.test_cases = mheap_cases,
};

kunit_test_suite(mheap_suite);
