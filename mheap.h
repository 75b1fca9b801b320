/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mheap (Go's runtime/mheap.go): every page gospan has taken from the
 * kernel, the spans cut from them, and the map from an address to its span.
 * Its place in the allocator is steps 4 and 5 at the top of gospan.c.
 */
#ifndef _GOSPAN_MHEAP_H
#define _GOSPAN_MHEAP_H

#include <linux/list.h>
#include <linux/seq_file.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "mfixalloc.h"
#include "mpagealloc.h"
#include "mspan.h"
#include "sizeclasses.h"

/* A chunk: 512 gospan pages, 4 MiB, the unit of the page allocator's summaries. */
#define GOSPAN_CHUNK_SHIFT	(GOSPAN_CHUNK_PAGES_SHIFT + GOSPAN_PAGE_SHIFT)
#define GOSPAN_CHUNK_BYTES	BIT(GOSPAN_CHUNK_SHIFT)
#define GOSPAN_CHUNK_ORDER	(GOSPAN_CHUNK_SHIFT - PAGE_SHIFT)
/* The heap grows by blocks of this order (1 MiB) at least: mheap.c. */
#define GOSPAN_GROW_ORDER	(GOSPAN_CHUNK_ORDER - 2)
/* The gospan pages of such a block: what the scavenger gives back whole. */
#define GOSPAN_RELEASE_BLOCK_PAGES	BIT(GOSPAN_GROW_ORDER - GOSPAN_PAGE_ORDER)
/* Kernel pages in one gospan page. */
#define GOSPAN_PAGE_ORDER	(GOSPAN_PAGE_SHIFT - PAGE_SHIFT)

/**
 * struct gospan_heap_arena - what the heap knows of one chunk slot
 * @rcu: the arena is freed after a grace period, so that a lockless lookup
 *	of a foreign pointer never reads freed memory (first: kfree_rcu()
 *	wants it within the first 4 KiB)
 * @spans: the span of each page, NULL for free pages and pages that are not
 *	gospan's (Go's heapArena.spans)
 * @spanclass: the span class of each page's span (0: large, or none), so
 *	that gospan_free() finds an object's class in two loads
 * @owned: pages gospan took from the kernel and has not given back
 * @nowned: how many
 * @sampled: per page, live objects the heap profile sampled in it, so
 *	that their frees find the sample (under mprof.c's lock; read locklessly
 *	by the free paths)
 *
 * Locking: written under the mheap lock; @spans and @spanclass are read
 * locklessly (under RCU) by gospan_span_of() and gospan_spanclass_of_rcu().
 * A chunk slot gospan owns nothing in points at gospan_no_arena, never
 * NULL, so that those lookups need no test for it.
 */
struct gospan_heap_arena {
	struct rcu_head rcu;
	struct gospan_mspan *spans[GOSPAN_CHUNK_PAGES];
	u8 spanclass[GOSPAN_CHUNK_PAGES];
	DECLARE_BITMAP(owned, GOSPAN_CHUNK_PAGES);
	unsigned int nowned;
	u16 sampled[GOSPAN_CHUNK_PAGES];
};

/*
 * The arena of every chunk slot gospan owns nothing in: all zero, never
 * written (no span, class 0, nothing owned or sampled).
 */
extern struct gospan_heap_arena gospan_no_arena;

/**
 * struct gospan_mheap - the page heap (Go's mheap)
 * @lock: the heap lock (Go's mheap_.lock); taken with interrupts saved, for
 *	as short as possible, never across a page allocation
 * @pages: the page allocator: which pages are free (under @lock)
 * @arenas: per chunk slot, &gospan_no_arena where gospan owns nothing
 *	(under @lock, read under RCU)
 * @nchunks: chunk slots covering the direct map
 * @spanalloc: the allocator of span descriptors (its own lock)
 * @max_grow_order: largest block a grow asks the buddy allocator for
 *	unless a request needs more (GOSPAN_GROW_ORDER; tests change it)
 * @pages_owned: gospan pages held from the kernel (under @lock)
 * @pages_in_use: of those, in spans (under @lock)
 * @pages_manual: of @pages_in_use, in stack spans (Go's StackInuse, which
 *	HeapInuse and HeapSys leave out; under @lock)
 * @pages_released: pages given back to the kernel in chunks the heap still
 *	has (scavenged, Go's HeapReleased): part of HeapSys and HeapIdle, not
 *	of @pages_owned (under @lock)
 * @inuse_peak: the highest @pages_in_use since the scavenger last looked
 *	(under @lock; mgcscavenge.c)
 * @pages_returned: given back to the kernel since init (under @lock)
 * @blocks_grown: alloc_pages() blocks taken since init (under @lock)
 * @chunks_returned: arenas emptied and freed since init (under @lock)
 * @large_allocs: large objects allocated since init (under @lock)
 * @large_frees: large objects freed since init (under @lock)
 * @large_bytes: bytes of live large objects, whole pages (under @lock)
 * @large_bytes_total: bytes of large objects allocated since init (ditto)
 * @arena_sys: bytes of the arena table and the arenas (under @lock)
 *
 * Lock order: the numbered block at the top of gospan.c.
 */
struct gospan_mheap {
	spinlock_t lock;	/* the heap lock: see the kernel-doc above */
	struct gospan_pagealloc pages;
	struct gospan_heap_arena __rcu **arenas;
	unsigned long nchunks;
	struct gospan_fixalloc spanalloc;
	unsigned int max_grow_order;
	unsigned long pages_owned;
	unsigned long pages_in_use;
	unsigned long pages_manual;
	unsigned long pages_released;
	unsigned long inuse_peak;
	unsigned long pages_returned;
	unsigned long blocks_grown;
	unsigned long chunks_returned;
	unsigned long large_allocs;
	unsigned long large_frees;
	unsigned long large_bytes;
	unsigned long large_bytes_total;
	size_t arena_sys;
};

extern struct gospan_mheap gospan_heap;

int gospan_mheap_init(struct gospan_mheap *h);
unsigned long gospan_mheap_destroy(struct gospan_mheap *h);
struct gospan_mspan *gospan_mheap_alloc_span_aligned(struct gospan_mheap *h,
						     unsigned long npages,
						     unsigned long align,
						     unsigned int spanclass, gfp_t gfp);
unsigned int gospan_mheap_alloc_cached_spans(struct gospan_mheap *h, unsigned long npages,
					     unsigned long align, unsigned int spanclass,
					     unsigned int n, gfp_t gfp, struct list_head *spans);
struct gospan_mspan *gospan_mheap_alloc_span(struct gospan_mheap *h,
					     unsigned long npages,
					     unsigned int spanclass, gfp_t gfp);
void gospan_mheap_free_span(struct gospan_mheap *h, struct gospan_mspan *s);
struct gospan_mspan *gospan_mheap_alloc_manual(struct gospan_mheap *h, unsigned long npages,
					       gfp_t gfp);
void gospan_mheap_free_manual(struct gospan_mheap *h, struct gospan_mspan *s);
void gospan_mheap_free_span_after_gp(struct gospan_mspan *s);
void gospan_mheap_rcu_barrier(void);
void gospan_mheap_free_span_rcu(struct gospan_mheap *h, struct gospan_mspan *s);
void gospan_mheap_free_spans_rcu(struct gospan_mheap *h, struct list_head *spans);
void *gospan_mheap_alloc_large(struct gospan_mheap *h, size_t size, gfp_t gfp);
enum gospan_free_error gospan_mheap_free_large(struct gospan_mheap *h,
					       const void *ptr);
unsigned long gospan_mheap_scavenge(struct gospan_mheap *h, unsigned long max,
				    unsigned int align);
unsigned long gospan_mheap_release(struct gospan_mheap *h);
bool gospan_mheap_owns(struct gospan_mheap *h, const void *p);

/* mpagecache.c: the per-CPU page caches. */
unsigned long gospan_pcache_alloc(struct gospan_mheap *h, unsigned long npages,
				  unsigned long align);
void gospan_pcache_flush(struct gospan_mheap *h, unsigned int cpu);
unsigned long gospan_pcache_pages(void);
void gospan_pcache_counts(unsigned long *hits, unsigned long *refills, unsigned long *misses);
void gospan_pcache_show(struct seq_file *m);
void gospan_mheap_debugfs_init(struct dentry *root);

/**
 * gospan_mheap_arena_locked() - the arena of a chunk slot
 * @h: the heap
 * @ci: the chunk slot, below @h->nchunks
 *
 * Context: the heap lock held.
 * Return: the arena, or NULL if gospan owns nothing in the chunk.
 */
static inline struct gospan_heap_arena *gospan_mheap_arena_locked(struct gospan_mheap *h,
								  unsigned long ci)
{
	struct gospan_heap_arena *a;

	a = rcu_dereference_protected(h->arenas[ci], lockdep_is_held(&h->lock));
	return a == &gospan_no_arena ? NULL : a;
}

/**
 * gospan_span_of_rcu() - the in-use span holding an address (Go's spanOf)
 * @h: the heap
 * @p: any address
 *
 * Two loads: the chunk's arena, then the page's span. An address outside
 * the direct map, or in a chunk or page gospan does not hold in a span,
 * gives NULL. The free path's lookup: no lock of its own.
 *
 * Context: Any context, inside an RCU read-side section of any flavour
 * (rcu_read_lock(), or preemption or interrupts disabled), which also
 * keeps the span's descriptor from being reused while the caller looks.
 * Return: the span, or NULL.
 */
static inline struct gospan_mspan *gospan_span_of_rcu(struct gospan_mheap *h,
						      const void *p)
{
	unsigned long off = (unsigned long)p - PAGE_OFFSET;
	unsigned long ci = off >> GOSPAN_CHUNK_SHIFT;
	struct gospan_heap_arena *a;

	if (ci >= h->nchunks)
		return NULL;
	a = rcu_dereference_check(h->arenas[ci], rcu_read_lock_any_held());
	return READ_ONCE(a->spans[(off >> GOSPAN_PAGE_SHIFT) & (GOSPAN_CHUNK_PAGES - 1)]);
}

/**
 * gospan_spanclass_of_rcu() - the span class of the span holding an address
 * @p: any address
 *
 * The free path's first look (two loads: the chunk's arena, then the
 * page's class byte), before it knows whether it needs the span at all.
 * A stale or foreign address gives a class that the caller must confirm
 * (gospan_free() does: the object must be in that class's window).
 *
 * Context: Any context, inside an RCU read-side section of any flavour.
 * Return: the span class, or 0 (large, free, or not gospan's).
 */
static __always_inline unsigned int gospan_spanclass_of_rcu(const void *p)
{
	unsigned long off = (unsigned long)p - PAGE_OFFSET;
	unsigned long ci = off >> GOSPAN_CHUNK_SHIFT;
	struct gospan_heap_arena *a;

	if (unlikely(ci >= gospan_heap.nchunks))
		return 0;
	a = rcu_dereference_check(gospan_heap.arenas[ci], rcu_read_lock_any_held());
	return READ_ONCE(a->spanclass[(off >> GOSPAN_PAGE_SHIFT) & (GOSPAN_CHUNK_PAGES - 1)]);
}

/**
 * gospan_span_of_heap() - gospan_span_of_rcu() in an RCU section of its own
 * @h: the heap
 * @p: any address
 *
 * Context: Any context. The span may be freed once this returns unless
 * the caller holds it some other way (or is itself in an RCU section).
 * Return: the span, or NULL.
 */
static inline struct gospan_mspan *gospan_span_of_heap(struct gospan_mheap *h,
						       const void *p)
{
	struct gospan_mspan *s;

	rcu_read_lock();
	s = gospan_span_of_rcu(h, p);
	rcu_read_unlock();
	return s;
}

/**
 * gospan_span_of() - gospan_span_of_heap() on gospan's own heap
 * @p: any address
 *
 * Context: Any context.
 * Return: the span, or NULL.
 */
static inline struct gospan_mspan *gospan_span_of(const void *p)
{
	return gospan_span_of_heap(&gospan_heap, p);
}

#endif /* _GOSPAN_MHEAP_H */
