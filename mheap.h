/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mheap (Go's runtime/mheap.go): every page gospan has taken from the
 * kernel, the spans cut from them, and the map from an address to its span.
 * Its place in the allocator is steps 4 and 5 at the top of gospan.c.
 */
#ifndef _GOSPAN_MHEAP_H
#define _GOSPAN_MHEAP_H

#include <linux/list.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "mfixalloc.h"
#include "mpagealloc.h"
#include "sizeclasses.h"

/* A chunk: 512 gospan pages, 4 MiB, the heap's unit of growth. */
#define GOSPAN_CHUNK_SHIFT	(GOSPAN_CHUNK_PAGES_SHIFT + GOSPAN_PAGE_SHIFT)
#define GOSPAN_CHUNK_BYTES	BIT(GOSPAN_CHUNK_SHIFT)
#define GOSPAN_CHUNK_ORDER	(GOSPAN_CHUNK_SHIFT - PAGE_SHIFT)
/* Kernel pages in one gospan page. */
#define GOSPAN_PAGE_ORDER	(GOSPAN_PAGE_SHIFT - PAGE_SHIFT)

/* Most objects in one span: 8-byte objects in an 8 KiB page. */
#define GOSPAN_MAX_OBJECTS	(GOSPAN_PAGE_SIZE / 8)

struct gospan_mheap;

/* Go's mSpanState (gospan has no mSpanManual: it has no stacks yet). */
enum gospan_span_state {
	GOSPAN_SPAN_DEAD,	/* free, or never used: not in the span map */
	GOSPAN_SPAN_IN_USE,	/* objects (a size class) or one large object */
};

/**
 * struct gospan_mspan - a run of gospan pages (Go's mspan)
 * @list: link in the list of whoever holds the span (an mcentral's span
 *	set, an mcache), or in the span allocator's free list
 * @heap: the heap it came from (its descriptor goes back there)
 * @base: address of the first byte
 * @npages: length in gospan pages
 * @state: an enum gospan_span_state
 * @spanclass: size class (and cache) of its objects; 0 for a large object
 * @freeindex: objects below it are allocated; the search for a free one
 *	starts here (Go's freeindex)
 * @nelems: number of objects
 * @alloc_count: objects allocated
 * @divmul: ceil(2^32 / @elemsize), to divide by the object size
 * @sweepgen: sweep generation (Go's sweepgen), for the small-object path
 * @alloc_cache: complement of @alloc_bits from @freeindex on, 64 at a time,
 *	for nextFreeFast's count-trailing-zeros
 * @elemsize: object size in bytes
 * @limit: end of the last object
 * @nfreed: objects freed since the last sweep (bits set in @freed_bits)
 * @in_list: which of its mcentral's lists holds it (enum gospan_span_list)
 * @rcu: a released span's descriptor is reused only after a grace period,
 *	so that a free racing with the release never touches another span
 * @tiny_state: for tiny-block spans, per 16-byte block: bit o set while an
 *	object starts at offset o, bit 16 while an mcache allocates from it
 * @alloc_bits: one bit per object, set when allocated as of the last sweep
 *	(objects below @freeindex are allocated whatever their bit says)
 * @freed_bits: one bit per object, set atomically by a free, cleared by the
 *	sweep that folds it into @alloc_bits (Go's gcmarkBits, inverted: gospan
 *	learns of dead objects from frees, not from marking)
 *
 * The mheap sets @base, @npages and @state, and @elemsize, @nelems and
 * @limit for large objects; the small-object path owns the rest.
 *
 * Locking: @base and @npages are fixed while the span is in use; @state and
 * the span map entries for it change under the mheap lock. While an mcache
 * holds the span, @freeindex, @alloc_cache, @alloc_count and @alloc_bits
 * belong to that CPU (under its local lock); otherwise to the mcentral
 * (under its lock), which alone sweeps. @freed_bits and @nfreed are atomic
 * and written by any CPU.
 */
struct gospan_mspan {
	struct list_head list;
	struct gospan_mheap *heap;
	unsigned long base;
	unsigned long npages;
	u8 state;
	u8 spanclass;
	u16 freeindex;
	u16 nelems;
	u16 alloc_count;
	u32 divmul;
	u32 sweepgen;
	u64 alloc_cache;
	unsigned long elemsize;
	unsigned long limit;
	atomic_t nfreed;
	u8 in_list;
	struct rcu_head rcu;
	atomic_t *tiny_state;
	DECLARE_BITMAP(alloc_bits, GOSPAN_MAX_OBJECTS);
	DECLARE_BITMAP(freed_bits, GOSPAN_MAX_OBJECTS);
};

/* Which list of its mcentral holds a span. */
enum gospan_span_list {
	GOSPAN_LIST_NONE,	/* cached by an mcache, or being swept */
	GOSPAN_LIST_PARTIAL,
	GOSPAN_LIST_FULL,
};

/**
 * struct gospan_heap_arena - what the heap knows of one chunk slot
 * @rcu: the arena is freed after a grace period, so that a lockless lookup
 *	of a foreign pointer never reads freed memory (first: kfree_rcu()
 *	wants it within the first 4 KiB)
 * @spans: the span of each page, NULL for free pages and pages that are not
 *	gospan's (Go's heapArena.spans)
 * @owned: pages gospan took from the kernel and has not given back
 * @nowned: how many
 *
 * Locking: written under the mheap lock; @spans is read locklessly (under
 * RCU) by gospan_span_of().
 */
struct gospan_heap_arena {
	struct rcu_head rcu;
	struct gospan_mspan *spans[GOSPAN_CHUNK_PAGES];
	DECLARE_BITMAP(owned, GOSPAN_CHUNK_PAGES);
	unsigned int nowned;
};

/**
 * struct gospan_mheap - the page heap (Go's mheap)
 * @lock: the heap lock (Go's mheap_.lock); taken with interrupts saved, for
 *	as short as possible, never across a page allocation
 * @pages: the page allocator: which pages are free (under @lock)
 * @arenas: per chunk slot, NULL where gospan owns nothing (under @lock,
 *	read under RCU)
 * @nchunks: chunk slots covering the direct map
 * @spanalloc: the allocator of span descriptors (its own lock)
 * @max_grow_order: largest block a grow asks the buddy allocator for
 *	(GOSPAN_CHUNK_ORDER; tests lower it to force the fallback)
 * @pages_owned: gospan pages held from the kernel (under @lock)
 * @pages_in_use: of those, in spans (under @lock)
 * @pages_returned: given back to the kernel since init (under @lock)
 * @blocks_grown: alloc_pages() blocks taken since init (under @lock)
 * @chunks_returned: arenas emptied and freed since init (under @lock)
 * @large_allocs: large objects allocated since init (under @lock)
 * @large_frees: large objects freed since init (under @lock)
 * @large_bytes: bytes of live large objects, whole pages (under @lock)
 * @large_bytes_total: bytes of large objects allocated since init (ditto)
 * @arena_sys: bytes of the arena table and the arenas (under @lock)
 *
 * Lock order: an mcentral's lock, then @lock, then @spanalloc's lock.
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
	unsigned long pages_returned;
	unsigned long blocks_grown;
	unsigned long chunks_returned;
	unsigned long large_allocs;
	unsigned long large_frees;
	unsigned long large_bytes;
	unsigned long large_bytes_total;
	size_t arena_sys;
};

/* Why gospan_mheap_free_large() refused a pointer. */
enum gospan_free_error {
	GOSPAN_FREE_OK,
	GOSPAN_FREE_FOREIGN,	/* not in memory gospan owns */
	GOSPAN_FREE_NOT_ALLOCATED,	/* gospan's page, but free: a double free? */
	GOSPAN_FREE_INTERIOR,	/* inside an object, not at its start */
	GOSPAN_FREE_NOT_LARGE,	/* in a span of small objects */
	GOSPAN_FREE_WRONG_CACHE,	/* in a span of another cache's class */
};

extern struct gospan_mheap gospan_heap;

int gospan_mheap_init(struct gospan_mheap *h);
unsigned long gospan_mheap_destroy(struct gospan_mheap *h);
struct gospan_mspan *gospan_mheap_alloc_span_aligned(struct gospan_mheap *h,
						     unsigned long npages,
						     unsigned long align,
						     unsigned int spanclass, gfp_t gfp);
struct gospan_mspan *gospan_mheap_alloc_span(struct gospan_mheap *h,
					     unsigned long npages,
					     unsigned int spanclass, gfp_t gfp);
void gospan_mheap_free_span(struct gospan_mheap *h, struct gospan_mspan *s);
void gospan_mheap_free_span_rcu(struct gospan_mheap *h, struct gospan_mspan *s);
void *gospan_mheap_alloc_large(struct gospan_mheap *h, size_t size, gfp_t gfp);
enum gospan_free_error gospan_mheap_free_large(struct gospan_mheap *h,
					       const void *ptr);
unsigned long gospan_mheap_release(struct gospan_mheap *h);
bool gospan_mheap_owns(struct gospan_mheap *h, const void *p);
void gospan_mheap_debugfs_init(struct dentry *root);

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
	if (!a)
		return NULL;
	return READ_ONCE(a->spans[(off >> GOSPAN_PAGE_SHIFT) & (GOSPAN_CHUNK_PAGES - 1)]);
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
