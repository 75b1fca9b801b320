// SPDX-License-Identifier: GPL-2.0
/*
 * The page heap (Go's mheap.go): growth from the buddy allocator, spans,
 * the span map, large objects and returning memory. mheap.h documents the
 * structures and their locks; the top of gospan.c places the heap in the
 * allocation path (steps 4 and 5).
 *
 * Memory comes from alloc_pages() in blocks of 1 MiB (order 8,
 * GOSPAN_GROW_ORDER), or as large as a request needs, up to a whole chunk,
 * and of smaller powers of two when the buddy allocator has none. Go
 * reserves arenas and commits pages as it touches them; the kernel commits
 * every page it hands out, so a block a quarter of a chunk bounds the idle
 * tail of a growing heap. A block is naturally aligned, so it lies inside
 * one chunk slot of the direct map and its pages keep their addresses as
 * page numbers: neighbouring blocks are neighbouring memory, and the page
 * allocator may join them. Each block is split into independent kernel
 * pages, so that gospan can give memory back in any amount later.
 *
 * The heap lock is taken with interrupts saved and is never held across
 * alloc_pages(): the heap works for callers with interrupts disabled, and a
 * GFP_ATOMIC grow does not sleep.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/gfp.h>
#include <linux/kmemleak.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "gospan_trace.h"
#include "internal.h"
#include "mheap.h"
#include "mprof.h"
#include "mstats.h"

/* gospan's own heap. */
struct gospan_mheap gospan_heap;
EXPORT_SYMBOL_NS_GPL(gospan_heap, GOSPAN_INTERNAL);

/*
 * Fault injection (Documentation/fault-injection/): with it on, asking the
 * mheap for a span (mcentral.grow, a large object) or fixalloc for a page
 * of span descriptors fails as if the kernel had no memory to give.
 * Configured like failslab, in /sys/kernel/debug/gospan/fail_grow/.
 */
#ifdef CONFIG_FAULT_INJECTION
struct fault_attr gospan_fail_grow = FAULT_ATTR_INITIALIZER;
EXPORT_SYMBOL_NS_GPL(gospan_fail_grow, GOSPAN_INTERNAL);
#endif

/**
 * gospan_grow_gfp() - the GFP flags gospan passes to the page allocator
 * @gfp: the caller's flags
 * @order: the order of the block asked for
 * @opportunistic: whether this is the try for a bigger block than needed
 *
 * gospan.h says flag by flag what gospan does with a caller's flags. Only
 * how hard to try reaches the page allocator: the heap is shared, so where
 * its memory comes from (__GFP_DMA*, __GFP_HIGHMEM, __GFP_MOVABLE, nodes),
 * whom it is charged to (__GFP_ACCOUNT) and what it holds (__GFP_ZERO,
 * __GFP_COMP) are never the caller's to choose. As SLUB does, the try for
 * a whole chunk gives up at once (__GFP_NORETRY) and never carries
 * __GFP_NOFAIL; the page allocator supports __GFP_NOFAIL only up to order 1,
 * so a block larger than that is asked for with __GFP_RETRY_MAYFAIL. Every
 * grow is __GFP_NOWARN: a failure is the caller's NULL, not a splat.
 *
 * Context: Any context.
 * Return: the flags for alloc_pages().
 */
gfp_t gospan_grow_gfp(gfp_t gfp, unsigned int order, bool opportunistic)
{
	gfp = (gfp & GOSPAN_GFP_RECLAIM_MASK) | __GFP_NOWARN;
	if (opportunistic)
		return (gfp | __GFP_NORETRY) & ~(__GFP_NOFAIL | __GFP_RETRY_MAYFAIL);
	if (order > 1 && (gfp & __GFP_NOFAIL))
		gfp = (gfp & ~__GFP_NOFAIL) | __GFP_RETRY_MAYFAIL;
	return gfp;
}
EXPORT_SYMBOL_NS_GPL(gospan_grow_gfp, GOSPAN_INTERNAL);

static inline unsigned long addr_to_page(unsigned long addr)
{
	return (addr - PAGE_OFFSET) >> GOSPAN_PAGE_SHIFT;
}

static inline unsigned long page_to_addr(unsigned long page)
{
	return PAGE_OFFSET + (page << GOSPAN_PAGE_SHIFT);
}

static inline unsigned int page_in_chunk(unsigned long page)
{
	return page & (GOSPAN_CHUNK_PAGES - 1);
}

/* Read-only: a stray write into it faults rather than maps pages. */
struct gospan_heap_arena gospan_no_arena __ro_after_init;

/**
 * gospan_mheap_init() - set up an empty heap
 * @h: the heap
 *
 * Sizes the page allocator and the arena table to the direct map.
 *
 * Context: Process context; may sleep.
 * Return: 0, or -ENOMEM.
 */
int gospan_mheap_init(struct gospan_mheap *h)
{
	unsigned long ci;

	memset(h, 0, sizeof(*h));
	spin_lock_init(&h->lock);
	h->nchunks = DIV_ROUND_UP((unsigned long)high_memory - PAGE_OFFSET,
				  GOSPAN_CHUNK_BYTES);
	if (gospan_pagealloc_init(&h->pages, h->nchunks))
		return -ENOMEM;
	h->arenas = vmalloc_array(h->nchunks, sizeof(*h->arenas));
	if (!h->arenas) {
		gospan_pagealloc_destroy(&h->pages);
		return -ENOMEM;
	}
	for (ci = 0; ci < h->nchunks; ci++)
		RCU_INIT_POINTER(h->arenas[ci], &gospan_no_arena);
	h->arena_sys = h->nchunks * sizeof(*h->arenas);
	gospan_fixalloc_init(&h->spanalloc, sizeof(struct gospan_mspan));
	h->max_grow_order = GOSPAN_GROW_ORDER;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(gospan_mheap_init, GOSPAN_INTERNAL);

/* Give n kernel-page-split gospan pages from page number first back. */
static void free_pages_run(unsigned long first, unsigned long n)
{
	unsigned long addr = page_to_addr(first);
	unsigned long i, count = n << GOSPAN_PAGE_ORDER;

	for (i = 0; i < count; i++)
		__free_page(virt_to_page((void *)(addr + i * PAGE_SIZE)));
}

/* What alloc_span() asks the page allocator for, and whether it got it. */
struct span_req {
	struct gospan_mspan *s;
	unsigned long npages;
	unsigned long align;
	unsigned int spanclass;
	enum gospan_span_state state;
	bool taken;
};

static bool take_locked(struct gospan_mheap *h, struct span_req *r);

/*
 * Go's mheap.grow(): take a block from the buddy allocator, preferring a
 * whole chunk and falling back to smaller blocks, but never smaller than
 * the request, and hand its pages to the page allocator. A buddy block is
 * aligned to its size, so a block for the request also starts aligned to
 * any power of two up to its length (what gospan_mheap_alloc_span_aligned()
 * needs). The request takes its span from the new pages under the same
 * hold of the heap lock, as Go's allocSpan does under its own (which it
 * keeps across the grow): otherwise other CPUs could take them first, over
 * and over, and a large request fail while the kernel had memory for it.
 * Return: whether the heap grew (@r->taken says whether the span came).
 */
static bool grow(struct gospan_mheap *h, struct span_req *r, gfp_t gfp)
{
	unsigned long npages = r->npages;
	unsigned int need = order_base_2(npages) + GOSPAN_PAGE_ORDER;
	unsigned int order = max(min(READ_ONCE(h->max_grow_order),
				     (unsigned int)GOSPAN_CHUNK_ORDER), need);
	gfp_t g = gospan_grow_gfp(gfp, 0, false);
	struct gospan_palloc_data *pd;
	struct gospan_heap_arena *spare, *a;
	unsigned long first, n, ci, flags;
	struct page *page;
	bool ok;

	if (need > GOSPAN_CHUNK_ORDER)
		return false;
	for (;; order--) {
		page = alloc_pages(gospan_grow_gfp(gfp, order, order > need), order);
		if (page || order == need)
			break;
	}
	if (!page)
		return false;
	first = addr_to_page((unsigned long)page_address(page));
	n = 1UL << (order - GOSPAN_PAGE_ORDER);
	ci = first >> GOSPAN_CHUNK_PAGES_SHIFT;
	if (ci >= h->nchunks) {
		/* Memory added (hotplug) above the direct map gospan sized for. */
		__free_pages(page, order);
		return false;
	}
	split_page(page, order);

	/* The chunk's metadata, in case this is its first block. */
	pd = kzalloc(sizeof(*pd), g);
	spare = kzalloc(sizeof(*spare), g);
	if (!pd || !spare) {
		kfree(pd);
		kfree(spare);
		free_pages_run(first, n);
		return false;
	}

	spin_lock_irqsave(&h->lock, flags);
	a = gospan_mheap_arena_locked(h, ci);
	if (!a) {
		a = spare;
		spare = NULL;
		rcu_assign_pointer(h->arenas[ci], a);
		h->arena_sys += sizeof(*a);
	}
	/* Pages the scavenger gave back may come back: no longer released. */
	h->pages_released -= gospan_pagealloc_unscavenge(&h->pages, first, n);
	bitmap_set(a->owned, page_in_chunk(first), n);
	a->nowned += n;
	h->pages_owned += n;
	h->blocks_grown++;
	ok = gospan_pagealloc_grow(&h->pages, first, n, &pd);
	r->taken = ok && take_locked(h, r);
	spin_unlock_irqrestore(&h->lock, flags);

	if (!ok)	/* cannot happen: ci is in range and pd was there */
		pr_err("page allocator refused %lu pages at page %lu\n", n, first);
	else
		trace_gospan_heap_grow(page_to_addr(first), n);
	kfree(pd);
	kfree(spare);
	return ok;
}

/*
 * Point the span map at s (or NULL) for each of its pages, with its class.
 * The heap lock held, or the pages taken from this CPU's page cache: then
 * they are allocated in the page allocator, so their chunk keeps its arena,
 * and nobody else writes their entries.
 */
static void set_spans(struct gospan_mheap *h, unsigned long first,
		      unsigned long npages, struct gospan_mspan *s, bool cached)
{
	unsigned int spanclass = s ? s->spanclass : 0, i, n;
	unsigned long page = first, left = npages;

	/* A chunk at a time: one arena lookup each. */
	while (left) {
		struct gospan_heap_arena *a;

		a = rcu_dereference_check(h->arenas[page >> GOSPAN_CHUNK_PAGES_SHIFT],
					  cached || lockdep_is_held(&h->lock));
		n = min_t(unsigned long, left, GOSPAN_CHUNK_PAGES - page_in_chunk(page));
		for (i = page_in_chunk(page); i < page_in_chunk(page) + n; i++) {
			WRITE_ONCE(a->spans[i], s);
			WRITE_ONCE(a->spanclass[i], spanclass);
		}
		page += n;
		left -= n;
	}
}

/* Go's initSpan: the heap's fields of a new span, and its map entries. */
static void init_span(struct gospan_mheap *h, struct gospan_mspan *s, unsigned long base,
		      unsigned long npages, unsigned int spanclass,
		      enum gospan_span_state state, bool cached)
{
	INIT_LIST_HEAD(&s->list);
	s->heap = h;
	s->base = page_to_addr(base);
	s->npages = npages;
	s->state = state;
	s->spanclass = spanclass;
	s->elemsize = npages << GOSPAN_PAGE_SHIFT;
	s->nelems = 1;
	s->limit = s->base + s->elemsize;
	set_spans(h, base, npages, s, cached);
}

/* Under the heap lock: the request's pages, if a run is free, made its span. */
static bool take_locked(struct gospan_mheap *h, struct span_req *r)
{
	unsigned long base;

	lockdep_assert_held(&h->lock);
	base = gospan_pagealloc_alloc_aligned(&h->pages, r->npages, r->align);
	if (!base)
		return false;
	init_span(h, r->s, base, r->npages, r->spanclass, r->state, false);
	h->pages_in_use += r->npages;
	h->inuse_peak = max(h->inuse_peak, h->pages_in_use);
	if (r->state == GOSPAN_SPAN_MANUAL) {
		h->pages_manual += r->npages;
	} else if (!r->spanclass) {
		h->large_allocs++;
		h->large_bytes += r->s->elemsize;
		h->large_bytes_total += r->s->elemsize;
	}
	return true;
}

/* Go's allocSpan: a span of @state, mapped, its pages counted. */
static struct gospan_mspan *alloc_span(struct gospan_mheap *h, unsigned long npages,
				       unsigned long align, unsigned int spanclass,
				       enum gospan_span_state state, gfp_t gfp)
{
	struct span_req r = { .npages = npages, .align = align, .spanclass = spanclass,
			      .state = state };
	unsigned long base, flags;
	bool taken;

	if (!npages || npages > GOSPAN_CHUNK_PAGES || !is_power_of_2(align) ||
	    align > roundup_pow_of_two(npages))
		return NULL;
	if (gospan_should_fail_grow(npages << GOSPAN_PAGE_SHIFT))
		return NULL;
	r.s = gospan_fixalloc_alloc(&h->spanalloc, gfp);
	if (!r.s)
		return NULL;
	/*
	 * Go's allocSpan: small spans of objects from this CPU's page cache,
	 * which holds pages of gospan's own heap only (tests make others).
	 */
	if (h == &gospan_heap && state == GOSPAN_SPAN_IN_USE && spanclass &&
	    npages < GOSPAN_PCACHE_PAGES / 4) {
		base = gospan_pcache_alloc(h, npages, align);
		if (base) {
			init_span(h, r.s, base, npages, spanclass, state, true);
			return r.s;
		}
	}
	/* First fit, else grow, which hands the span its new pages. */
	spin_lock_irqsave(&h->lock, flags);
	taken = take_locked(h, &r);
	spin_unlock_irqrestore(&h->lock, flags);
	if (!taken && grow(h, &r, gfp))
		taken = r.taken;
	if (taken)
		return r.s;
	gospan_fixalloc_free(&h->spanalloc, r.s);
	return NULL;
}

/**
 * gospan_mheap_alloc_span_aligned() - allocate a span that starts aligned
 * @h: the heap
 * @npages: its length in gospan pages, 1 .. GOSPAN_CHUNK_PAGES
 * @align: its first page is a multiple of this many pages: a power of two,
 *	at most @npages rounded up to one
 * @spanclass: the span class its objects will have, 0 for a large object
 * @gfp: how the heap may grow; GFP_ATOMIC never sleeps
 *
 * Go's mheap.alloc(): first fit from the page allocator, growing the heap
 * when no run is long enough. The span is in the span map when this
 * returns; its memory is not zeroed.
 *
 * Context: Any context that @gfp allows; takes the heap lock.
 * Return: the span, or NULL when memory ran out (or fail_grow said so).
 */
struct gospan_mspan *gospan_mheap_alloc_span_aligned(struct gospan_mheap *h,
						     unsigned long npages,
						     unsigned long align,
						     unsigned int spanclass, gfp_t gfp)
{
	return alloc_span(h, npages, align, spanclass, GOSPAN_SPAN_IN_USE, gfp);
}
EXPORT_SYMBOL_NS_GPL(gospan_mheap_alloc_span_aligned, GOSPAN_INTERNAL);

/**
 * gospan_mheap_alloc_cached_spans() - more spans of objects, from the page cache
 * @h: the heap (gospan's own: only it has page caches)
 * @npages: each span's length in gospan pages, under GOSPAN_PCACHE_PAGES / 4
 * @align: its first page is a multiple of this many pages
 * @spanclass: the span class their objects will have, not 0
 * @n: how many
 * @gfp: allocation flags, for a page of span descriptors
 * @spans: where they go, linked through their @list
 *
 * For a class that grows several spans at once (gospan_mcentral_grow()):
 * spans as gospan_mheap_alloc_span_aligned() makes them, but only from
 * this CPU's page cache (which takes the heap lock only to refill); it
 * stops at the first that the cache cannot serve. They are extra:
 * fail_grow does not fail them, though it may fail a page of descriptors
 * (the first span of the grow is the one it may fail).
 *
 * Context: Any context that @gfp allows.
 * Return: how many spans it put on @spans.
 */
unsigned int gospan_mheap_alloc_cached_spans(struct gospan_mheap *h, unsigned long npages,
					     unsigned long align, unsigned int spanclass,
					     unsigned int n, gfp_t gfp, struct list_head *spans)
{
	struct gospan_mspan *s;
	unsigned long base;
	unsigned int i;

	if (h != &gospan_heap || !spanclass || npages >= GOSPAN_PCACHE_PAGES / 4)
		return 0;
	for (i = 0; i < n; i++) {
		s = gospan_fixalloc_alloc(&h->spanalloc, gfp);
		if (!s)
			break;
		base = gospan_pcache_alloc(h, npages, align);
		if (!base) {
			gospan_fixalloc_free(&h->spanalloc, s);
			break;
		}
		init_span(h, s, base, npages, spanclass, GOSPAN_SPAN_IN_USE, true);
		list_add_tail(&s->list, spans);
	}
	return i;
}

/**
 * gospan_mheap_alloc_span() - allocate a span of whole pages
 * @h: the heap
 * @npages: its length in gospan pages, 1 .. GOSPAN_CHUNK_PAGES
 * @spanclass: the span class its objects will have, 0 for a large object
 * @gfp: how the heap may grow; GFP_ATOMIC never sleeps
 *
 * gospan_mheap_alloc_span_aligned() with no alignment beyond a page.
 *
 * Context: Any context that @gfp allows; takes the heap lock.
 * Return: the span, or NULL when memory ran out.
 */
struct gospan_mspan *gospan_mheap_alloc_span(struct gospan_mheap *h,
					     unsigned long npages,
					     unsigned int spanclass, gfp_t gfp)
{
	return gospan_mheap_alloc_span_aligned(h, npages, 1, spanclass, gfp);
}
EXPORT_SYMBOL_NS_GPL(gospan_mheap_alloc_span, GOSPAN_INTERNAL);

/*
 * The chunk whose page-allocator summaries a batch of frees left out of
 * date (ULONG_MAX: none): spans freed together mostly share a chunk, and
 * its summaries are brought up to date once for all of them.
 */
struct free_batch {
	unsigned long chunk;
};

static void batch_update(struct gospan_mheap *h, struct free_batch *b)
{
	if (b->chunk != ULONG_MAX)
		gospan_pagealloc_update(&h->pages, b->chunk << GOSPAN_CHUNK_PAGES_SHIFT,
					GOSPAN_CHUNK_PAGES);
	b->chunk = ULONG_MAX;
}

/*
 * Give s's pages back to the page allocator. With a batch, a span within
 * one chunk leaves that chunk's summaries to batch_update(), which the
 * caller calls before it drops the heap lock.
 */
static void free_span_locked(struct gospan_mheap *h, struct gospan_mspan *s,
			     struct free_batch *b)
{
	unsigned long first = addr_to_page(s->base), last = first + s->npages - 1;

	lockdep_assert_held(&h->lock);
	/* Samples of the span's objects go with it (mprof.c; gospan's own heap). */
	if (static_branch_unlikely(&gospan_mprof_on) && h == &gospan_heap)
		gospan_mprof_span_freed(s->base, s->npages);

	set_spans(h, first, s->npages, NULL, false);
	if (!b || (first ^ last) >> GOSPAN_CHUNK_PAGES_SHIFT) {
		gospan_pagealloc_free(&h->pages, first, s->npages);
	} else {
		if (b->chunk != first >> GOSPAN_CHUNK_PAGES_SHIFT)
			batch_update(h, b);
		gospan_pagealloc_free_deferred(&h->pages, first, s->npages);
		b->chunk = first >> GOSPAN_CHUNK_PAGES_SHIFT;
	}
	h->pages_in_use -= s->npages;
	if (s->state == GOSPAN_SPAN_MANUAL) {
		h->pages_manual -= s->npages;
	} else if (!s->spanclass) {
		h->large_frees++;
		h->large_bytes -= s->elemsize;
	}
	s->state = GOSPAN_SPAN_DEAD;
}

/**
 * gospan_mheap_free_span() - give a span's pages back to the heap
 * @h: the heap
 * @s: a span from gospan_mheap_alloc_span() on @h, no longer used
 *
 * Its pages coalesce with their free neighbours in the page allocator.
 *
 * Context: Any context; takes the heap lock.
 */
void gospan_mheap_free_span(struct gospan_mheap *h, struct gospan_mspan *s)
{
	unsigned long flags;

	spin_lock_irqsave(&h->lock, flags);
	free_span_locked(h, s, NULL);
	spin_unlock_irqrestore(&h->lock, flags);
	gospan_fixalloc_free(&h->spanalloc, s);
}
EXPORT_SYMBOL_NS_GPL(gospan_mheap_free_span, GOSPAN_INTERNAL);

/* A released span's descriptor, a grace period after its release. */
static void free_descriptor(struct gospan_mspan *s)
{
	unsigned int w;

	/*
	 * The span was swept empty before it was released: a freed bit set
	 * since is a double free that raced with the last free (mspan.c).
	 * Nobody else will fold it: report it here.
	 */
	for (w = 0; s->spanclass && w < BITS_TO_LONGS(s->nelems); w++)
		if (READ_ONCE(s->freed_bits[w]))
			gospan_report_late_double_frees(s, w, xchg(&s->freed_bits[w], 0));
	if (s->tiny_state) {
		atomic_long_sub(s->nelems * sizeof(atomic_t), &gospan_other_sys);
		kfree(s->tiny_state);
	}
	gospan_fixalloc_free(&s->heap->spanalloc, s);
}

/* The descriptors of a batch: the first, and the others linked to it. */
static void spans_rcu_free(struct rcu_head *rcu)
{
	struct gospan_mspan *first = container_of(rcu, struct gospan_mspan, rcu), *s, *next;

	list_for_each_entry_safe(s, next, &first->list, list)
		free_descriptor(s);
	free_descriptor(first);
}

/**
 * gospan_mheap_free_spans_rcu() - free spans whose descriptors others may read
 * @h: the heap
 * @spans: spans from @h, no longer used, linked through their @list (the
 *	list is empty on return)
 *
 * Their pages go back to the heap at once, under one hold of the heap
 * lock, the page allocator's summaries brought up to date once per chunk;
 * the descriptors (and their tiny-block state) are reused only after an
 * RCU grace period, one for all of them: frees run under rcu_read_lock()
 * and may still look at them (the rule at the top of gospan.c).
 *
 * Context: Any context; takes the heap lock.
 */
void gospan_mheap_free_spans_rcu(struct gospan_mheap *h, struct list_head *spans)
{
	struct free_batch b = { .chunk = ULONG_MAX };
	struct gospan_mspan *s, *first;
	unsigned long flags;

	if (list_empty(spans))
		return;
	list_for_each_entry(s, spans, list)
		trace_gospan_span_free(s);
	spin_lock_irqsave(&h->lock, flags);
	list_for_each_entry(s, spans, list)
		free_span_locked(h, s, &b);
	batch_update(h, &b);
	spin_unlock_irqrestore(&h->lock, flags);
	/* The descriptors stay linked through @list, without the caller's head. */
	first = list_first_entry(spans, struct gospan_mspan, list);
	list_del_init(spans);
	call_rcu(&first->rcu, spans_rcu_free);
}

/**
 * gospan_mheap_free_span_rcu() - free a span whose descriptor others may read
 * @h: the heap
 * @s: a span from @h, no longer used, on no list
 *
 * gospan_mheap_free_spans_rcu() for one span.
 *
 * Context: Any context; takes the heap lock.
 */
void gospan_mheap_free_span_rcu(struct gospan_mheap *h, struct gospan_mspan *s)
{
	LIST_HEAD(one);

	list_add(&s->list, &one);
	gospan_mheap_free_spans_rcu(h, &one);
}

static void span_gp_release(struct rcu_head *rcu)
{
	struct gospan_mspan *s = container_of(rcu, struct gospan_mspan, rcu);

	gospan_mheap_free_span_rcu(s->heap, s);
}

/**
 * gospan_mheap_free_span_after_gp() - free a span a grace period from now
 * @s: a span that a GOSPAN_TYPESAFE_BY_RCU class no longer uses
 *
 * Until the grace period ends the span stays what it is: its pages are
 * still in use and mapped to it, so readers under rcu_read_lock() read
 * objects of its cache. Then it goes back to its heap as
 * gospan_mheap_free_span_rcu() says, its descriptor another grace period
 * later: gospan_mheap_rcu_barrier() waits for all of it.
 *
 * Context: Any context.
 */
void gospan_mheap_free_span_after_gp(struct gospan_mspan *s)
{
	call_rcu(&s->rcu, span_gp_release);
}

/**
 * gospan_mheap_rcu_barrier() - wait for every span on its way back
 *
 * Two rcu_barrier()s: the first for the spans that wait a grace period
 * before they are freed (gospan_mheap_free_span_after_gp()), the second
 * for the descriptors every freed span's callback queues then.
 *
 * Context: Process context; sleeps.
 */
void gospan_mheap_rcu_barrier(void)
{
	rcu_barrier();
	rcu_barrier();
}
EXPORT_SYMBOL_NS_GPL(gospan_mheap_rcu_barrier, GOSPAN_INTERNAL);

/**
 * gospan_mheap_alloc_manual() - allocate a span for stacks (Go's allocManual)
 * @h: the heap
 * @npages: its length in gospan pages, a power of two up to a chunk
 * @gfp: how the heap may grow
 *
 * The span starts aligned to its length, so that a stack carved from it
 * at a multiple of its own size is aligned to that size. Its pages count
 * as StackInuse, not HeapInuse; its span class is 0 and its state
 * GOSPAN_SPAN_MANUAL, so that gospan_free() refuses its addresses. The
 * caller (stack.c) owns every field but @base, @npages and @state.
 *
 * Context: Any context that @gfp allows; takes the heap lock.
 * Return: the span, or NULL.
 */
struct gospan_mspan *gospan_mheap_alloc_manual(struct gospan_mheap *h, unsigned long npages,
					       gfp_t gfp)
{
	if (!is_power_of_2(npages))
		return NULL;
	return alloc_span(h, npages, npages, 0, GOSPAN_SPAN_MANUAL, gfp);
}
EXPORT_SYMBOL_NS_GPL(gospan_mheap_alloc_manual, GOSPAN_INTERNAL);

/**
 * gospan_mheap_free_manual() - give a stack span back (Go's freeManual)
 * @h: the heap
 * @s: a span from gospan_mheap_alloc_manual(), with no stack in use
 *
 * Its descriptor is reused after a grace period: stack frees look spans
 * up under RCU, as object frees do.
 *
 * Context: Any context; takes the heap lock.
 */
void gospan_mheap_free_manual(struct gospan_mheap *h, struct gospan_mspan *s)
{
	gospan_mheap_free_span_rcu(h, s);
}
EXPORT_SYMBOL_NS_GPL(gospan_mheap_free_manual, GOSPAN_INTERNAL);

/**
 * gospan_mheap_alloc_large() - allocate an object larger than 32 KiB
 * @h: the heap
 * @size: bytes, up to GOSPAN_MAX_SIZE (kmalloc's limit)
 * @gfp: allocation flags; __GFP_ZERO zeroes the whole usable size
 *
 * The object is a span of its own, @size rounded up to whole pages, and is
 * registered with kmemleak like any slab object. It is aligned as kmalloc
 * promises: to the largest power of two that divides @size (so a
 * power-of-two size to itself), and to a page at least.
 *
 * Context: Any context that @gfp allows.
 * Return: the object, or NULL if @size is 0 or over the limit, or memory
 * ran out.
 */
void *gospan_mheap_alloc_large(struct gospan_mheap *h, size_t size, gfp_t gfp)
{
	struct gospan_mspan *s;

	if (!size || size > GOSPAN_MAX_SIZE)
		return NULL;
	s = gospan_mheap_alloc_span_aligned(h, DIV_ROUND_UP(size, GOSPAN_PAGE_SIZE),
					    max(size & -size, GOSPAN_PAGE_SIZE) >>
					    GOSPAN_PAGE_SHIFT, 0, gfp);
	if (!s)
		return NULL;
	if (want_init_on_alloc(gfp))
		memset((void *)s->base, 0, s->elemsize);
	kmemleak_alloc((void *)s->base, size, 1, gfp);
	return (void *)s->base;
}
EXPORT_SYMBOL_NS_GPL(gospan_mheap_alloc_large, GOSPAN_INTERNAL);

/**
 * gospan_mheap_owns() - whether an address is in memory gospan holds
 * @h: the heap
 * @p: any address
 *
 * True for every page gospan took from the kernel and has not given back,
 * free or not.
 *
 * Context: Any context.
 * Return: true if @p is gospan's.
 */
bool gospan_mheap_owns(struct gospan_mheap *h, const void *p)
{
	unsigned long page = addr_to_page((unsigned long)p);
	unsigned long ci = page >> GOSPAN_CHUNK_PAGES_SHIFT;
	struct gospan_heap_arena *a;
	bool owned;

	if (ci >= h->nchunks)
		return false;
	rcu_read_lock();
	a = rcu_dereference(h->arenas[ci]);
	owned = test_bit(page_in_chunk(page), a->owned);
	rcu_read_unlock();
	return owned;
}
EXPORT_SYMBOL_NS_GPL(gospan_mheap_owns, GOSPAN_INTERNAL);

/**
 * gospan_mheap_free_large() - free a large object
 * @h: the heap
 * @ptr: the object
 *
 * Refuses, without touching anything, a pointer that is not the start of a
 * live large object; the caller reports it. With init_on_free the object
 * is zeroed first, outside the heap lock, by the one free that won it. The
 * span's descriptor is reused only after an RCU grace period, as every
 * span's is.
 *
 * Context: Any context; takes the heap lock.
 * Return: GOSPAN_FREE_OK, or why @ptr was refused.
 */
enum gospan_free_error gospan_mheap_free_large(struct gospan_mheap *h,
					       const void *ptr)
{
	struct gospan_mspan *s = gospan_span_of_heap(h, ptr);
	unsigned long flags;

	if (!s)
		return gospan_mheap_owns(h, ptr) ? GOSPAN_FREE_NOT_ALLOCATED :
						   GOSPAN_FREE_FOREIGN;
	if (s->spanclass)
		return GOSPAN_FREE_NOT_LARGE;
	if (READ_ONCE(s->state) == GOSPAN_SPAN_MANUAL)
		return GOSPAN_FREE_STACK;
	if ((unsigned long)ptr != s->base)
		return GOSPAN_FREE_INTERIOR;
	if (want_init_on_free()) {
		/* Only the winner of a racing double free touches the object. */
		if (cmpxchg(&s->state, GOSPAN_SPAN_IN_USE, GOSPAN_SPAN_FREEING) !=
		    GOSPAN_SPAN_IN_USE)
			return GOSPAN_FREE_NOT_ALLOCATED;
		memset((void *)ptr, 0, s->elemsize);
	}

	spin_lock_irqsave(&h->lock, flags);
	/* A racing free of the same pointer got here first. */
	if (gospan_span_of_heap(h, ptr) != s || s->state == GOSPAN_SPAN_MANUAL) {
		spin_unlock_irqrestore(&h->lock, flags);
		return GOSPAN_FREE_NOT_ALLOCATED;
	}
	kmemleak_free(ptr);
	free_span_locked(h, s, NULL);
	spin_unlock_irqrestore(&h->lock, flags);
	trace_gospan_span_free(s);
	INIT_LIST_HEAD(&s->list);	/* a batch of one */
	call_rcu(&s->rcu, spans_rcu_free);
	return GOSPAN_FREE_OK;
}
EXPORT_SYMBOL_NS_GPL(gospan_mheap_free_large, GOSPAN_INTERNAL);

/*
 * Chunk ci holds no page of gospan's any more: it leaves the heap, and its
 * released pages leave HeapSys with it (Go keeps its address space for
 * ever; gospan's is the kernel's direct map). Returns the arena, now
 * unpublished, for the caller to free after a grace period.
 */
static struct gospan_heap_arena *detach_chunk(struct gospan_mheap *h, unsigned long ci)
{
	struct gospan_heap_arena *a = gospan_mheap_arena_locked(h, ci);

	lockdep_assert_held(&h->lock);
	h->pages_released -= gospan_pagealloc_unscavenge(&h->pages,
							 ci << GOSPAN_CHUNK_PAGES_SHIFT,
							 GOSPAN_CHUNK_PAGES);
	h->chunks_returned++;
	h->arena_sys -= sizeof(*a);
	RCU_INIT_POINTER(h->arenas[ci], &gospan_no_arena);
	return a;
}

/* Gospan pages the scavenger releases under one hold of the heap lock. */
#define SCAVENGE_BATCH	64

/**
 * gospan_mheap_scavenge() - give free pages back to the kernel
 * @h: the heap
 * @max: at most this many gospan pages
 * @align: 1 for any free page; GOSPAN_RELEASE_BLOCK_PAGES for whole grow
 *	blocks only (a power of two up to a chunk)
 *
 * Go's scavenge: the highest runs of free pages first, up to
 * SCAVENGE_BATCH pages (or one @align block) per hold of the heap lock. A
 * released page leaves @h->pages_owned and is counted in
 * @h->pages_released (Go's HeapReleased: still HeapSys and HeapIdle)
 * until a grow brings it back; a chunk left with no page of gospan's
 * leaves the heap. Pages in spans, and pages cached per CPU (out of the
 * page allocator), are never touched.
 *
 * Why whole blocks: a released page is the kernel's, and gospan cannot ask
 * for it back; it grows by new 1 MiB blocks. Pages given back one by one
 * from blocks gospan keeps leave holes the buddy allocator cannot merge, no
 * grow gets them back, and the heap wanders over the direct map, its
 * unmovable pages with it: in a 600 s torture run on the perf kernel
 * HeapSys (pages owned, and released ones not yet back) reached 909 MB for
 * 10 to 20 MB in use. A whole block given back merges in the buddy
 * allocator and is what the next grow most likely gets: the same run
 * peaked at 59 MB.
 *
 * Context: Process context (frees memory; takes the heap lock).
 * Return: the number of gospan pages given back.
 */
unsigned long gospan_mheap_scavenge(struct gospan_mheap *h, unsigned long max,
				    unsigned int align)
{
	unsigned long flags, base, n, released = 0;
	unsigned long batch = max_t(unsigned long, SCAVENGE_BATCH, align);

	while (released < max) {
		struct gospan_heap_arena *gone = NULL, *a;
		unsigned long ci;

		spin_lock_irqsave(&h->lock, flags);
		n = gospan_pagealloc_scavenge_one(&h->pages, min(max - released, batch),
						  align, &base);
		if (!n) {
			spin_unlock_irqrestore(&h->lock, flags);
			break;
		}
		ci = base >> GOSPAN_CHUNK_PAGES_SHIFT;
		a = gospan_mheap_arena_locked(h, ci);
		bitmap_clear(a->owned, page_in_chunk(base), n);
		a->nowned -= n;
		h->pages_owned -= n;
		h->pages_released += n;
		h->pages_returned += n;
		if (!a->nowned)
			gone = detach_chunk(h, ci);
		spin_unlock_irqrestore(&h->lock, flags);

		trace_gospan_heap_release(page_to_addr(base), n);
		free_pages_run(base, n);
		if (gone)
			kfree_rcu(gone, rcu);
		released += n;
		cond_resched();
	}
	return released;
}
EXPORT_SYMBOL_NS_GPL(gospan_mheap_scavenge, GOSPAN_INTERNAL);

/**
 * gospan_mheap_release() - give every free page back to the kernel
 * @h: the heap
 *
 * gospan_mheap_scavenge() of every free page, with no limit: what teardown
 * and the tests call (the shrinker gives back free pages one by one too,
 * up to what the kernel asks for: memory is short then).
 *
 * Context: Process context (frees memory; takes the heap lock).
 * Return: the number of gospan pages given back.
 */
unsigned long gospan_mheap_release(struct gospan_mheap *h)
{
	return gospan_mheap_scavenge(h, ULONG_MAX, 1);
}
EXPORT_SYMBOL_NS_GPL(gospan_mheap_release, GOSPAN_INTERNAL);

/**
 * gospan_mheap_destroy() - return every page and free the heap's metadata
 * @h: the heap
 *
 * Pages still in spans cannot go back: they are reported and kept, never
 * freed under whoever holds them.
 *
 * Context: Process context; may sleep.
 * Return: gospan pages still owned (0 when everything went back).
 */
unsigned long gospan_mheap_destroy(struct gospan_mheap *h)
{
	unsigned long ci, left;
	size_t spans;

	gospan_mheap_rcu_barrier();	/* descriptors on their way back to spanalloc */
	gospan_mheap_release(h);
	left = h->pages_owned;
	if (left)
		pr_err("%lu pages (%lu in spans) still owned at teardown: kept\n",
		       left, h->pages_in_use);
	spans = gospan_fixalloc_destroy(&h->spanalloc);
	if (spans)
		pr_err("%zu span descriptors still in use at teardown: kept\n",
		       spans / h->spanalloc.size);
	for (ci = 0; ci < h->nchunks; ci++) {
		struct gospan_heap_arena *a = rcu_dereference_protected(h->arenas[ci], true);

		if (a != &gospan_no_arena)
			kfree(a);
	}
	/* The arenas gospan_mheap_release() queued with kfree_rcu() need nothing of ours. */
	vfree(h->arenas);
	h->arenas = NULL;
	gospan_pagealloc_destroy(&h->pages);
	return left;
}
EXPORT_SYMBOL_NS_GPL(gospan_mheap_destroy, GOSPAN_INTERNAL);

/* The heap's fault injection, in debugfs; its pages file is mstats.c's. */
void gospan_mheap_debugfs_init(struct dentry *root)
{
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
	fault_create_debugfs_attr("fail_grow", root, &gospan_fail_grow);
#endif
}
