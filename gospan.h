/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface other modules use to allocate from gospan: kmalloc-like
 * (gospan_alloc) and kmem_cache-like (gospan_cache_*). Semantics follow
 * kmalloc and kmem_cache where nothing else is said; the kernel-doc of
 * each function is in gospan.c, and how the allocator works is explained
 * at the top of it.
 *
 * Every symbol here is exported GPL-only in the GOSPAN namespace: a module
 * that calls gospan says MODULE_IMPORT_NS(GOSPAN).
 */
#ifndef _GOSPAN_H
#define _GOSPAN_H

#include <linux/gfp.h>
#include <linux/stddef.h>
#include <linux/types.h>

struct rcu_head;

struct gospan_cache;

/*
 * Alignment. gospan_alloc() keeps kmalloc's promise: every object is
 * aligned to ARCH_KMALLOC_MINALIGN, and to the largest power of two that
 * divides the requested size, so a power-of-two size is aligned to itself
 * (up to the 4 MiB limit). Go's size classes stay as they are: a request
 * whose class cannot give that alignment (2560 B: class 2688 B gives only
 * 128 B) is served from the next class that can (3072 B), and
 * gospan_size_roundup() says so. Cache objects are aligned to the cache's
 * alignment (gospan_cache_create()), at most a gospan page (8 KiB).
 *
 * GFP flags, one by one (gospan_alloc(), gospan_cache_alloc(), bulk):
 *  honoured:  __GFP_DIRECT_RECLAIM, __GFP_KSWAPD_RECLAIM, __GFP_IO, __GFP_FS,
 *             __GFP_HIGH, __GFP_MEMALLOC, __GFP_NOMEMALLOC, __GFP_NORETRY,
 *             __GFP_RETRY_MAYFAIL, __GFP_NOLOCKDEP: passed to the page
 *             allocator when the heap grows (GFP_ATOMIC never sleeps);
 *             __GFP_ZERO zeroes the object (refused for a cache with a
 *             constructor), never the pages.
 *  __GFP_NOFAIL: passed on when the heap grows by a block of order 0 or
 *             1 (spans of one gospan page: most small objects); the page
 *             allocator refuses it above order 1, so bigger spans and
 *             large objects try with __GFP_RETRY_MAYFAIL and can fail.
 *             Never part of the opportunistic try for a whole 4 MiB chunk.
 *  ignored:   __GFP_ACCOUNT (the heap is shared: charging a 4 MiB chunk to
 *             whichever cgroup grew it would be wrong; gospan's memory is
 *             not accounted to memcg), __GFP_THISNODE and node hints (no
 *             NUMA placement), __GFP_MOVABLE, __GFP_RECLAIMABLE (gospan's
 *             memory never moves), __GFP_COMP, __GFP_NOWARN (a grow never
 *             warns: its failure is the caller's NULL), __GFP_WRITE,
 *             __GFP_HARDWALL, __GFP_NOLOCKDEP beyond the page allocator.
 *  refused:   __GFP_DMA and __GFP_DMA32 (a shared heap cannot promise a
 *             zone), __GFP_HIGHMEM (slab memory is never highmem) and
 *             unknown bits: reported, counted (GOSPAN_ERR_BAD_FLAGS), NULL.
 */

/* gospan_cache_create() flags. */
#define GOSPAN_HWCACHE_ALIGN	0x1U	/* align objects to cache lines */
/*
 * GOSPAN_TINY: objects under 16 B share 16-byte blocks (Go's tiny
 * allocator), aligned only to their size's lowest power of two; no ctor,
 * no GOSPAN_HWCACHE_ALIGN, no larger alignment (refused).
 */
#define GOSPAN_TINY		0x2U
/*
 * GOSPAN_TYPESAFE_BY_RCU: SLAB_TYPESAFE_BY_RCU's meaning. A freed object
 * may be handed out again by the same cache at once, but its memory stays
 * an object of this cache (it goes to no other class, and not back to the
 * kernel) until an RCU grace period has passed: a reader under
 * rcu_read_lock() that still holds a pointer reads an object of this type,
 * perhaps another one, and must check that it is the one it wanted.
 * init_on_alloc and init_on_free do not zero such objects (as SLUB, they
 * would destroy what the reader checks); __GFP_ZERO still does. The cache
 * gets span classes of its own; not with GOSPAN_TINY.
 */
#define GOSPAN_TYPESAFE_BY_RCU	0x4U

/* Kinds of bad input gospan refuses and counts (gospan_error_count()). */
enum gospan_error {
	GOSPAN_ERR_DOUBLE_FREE,		/* freeing an object that is not allocated */
	GOSPAN_ERR_FOREIGN,		/* a pointer gospan does not own */
	GOSPAN_ERR_INTERIOR,		/* a pointer inside an object, not at its start */
	GOSPAN_ERR_WRONG_CACHE,		/* an object freed to a cache it is not from */
	GOSPAN_ERR_BAD_SIZE,		/* a size of 0 (caches) or over the limit */
	GOSPAN_ERR_BAD_FLAGS,		/* unknown flags, bad alignment, or flags that conflict */
	GOSPAN_ERR_LIVE_AT_DESTROY,	/* a cache destroyed with objects still allocated */
	GOSPAN_ERR_BAD_CONTEXT,		/* an allocation in NMI context */
	GOSPAN_NR_ERRORS
};

/**
 * struct gospan_memstats - a snapshot of gospan's statistics
 * @alloc: bytes of live objects (Go's Alloc; the same as @heap_alloc)
 * @total_alloc: bytes of objects allocated since gospan was loaded
 * @sys: bytes taken from the kernel: the sum of the *_sys fields
 * @mallocs: objects allocated since load; tiny objects count here one by
 *	one and again in @frees, as in Go, since their lifetimes are not
 *	tracked (their 16-byte blocks are)
 * @frees: objects freed since load
 * @heap_alloc: bytes of live objects in the heap
 * @heap_sys: bytes of the heap's pages (@heap_inuse + @heap_idle), those
 *	given back to the kernel (@heap_released) included, as in Go
 * @heap_idle: bytes of the heap's pages in no span, released ones included
 * @heap_inuse: bytes of the heap's pages in spans
 * @heap_released: bytes of pages the scavenger (or a shrink) gave back to
 *	the kernel, in chunks the heap still has: Go's HeapReleased, part of
 *	@heap_idle. @heap_sys - @heap_released is what gospan's heap holds.
 *	A chunk with no page left leaves the heap, its released pages with it
 *	(Go keeps its address space; gospan's is the kernel's direct map).
 * @heap_objects: live objects: @mallocs - @frees
 * @stack_inuse: bytes of stack spans (gospan_stack_alloc()): the blocks in
 *	use, in the per-CPU stackcaches and in the stackpool, and the free
 *	large stacks kept; not part of the heap fields
 * @stack_sys: @stack_inuse (Go adds stacks taken from the OS directly;
 *	gospan takes every stack from its heap)
 * @mspan_inuse: bytes of span descriptors in use
 * @mspan_sys: bytes of pages holding span descriptors
 * @mcache_inuse: bytes of the per-CPU mcaches
 * @mcache_sys: likewise (they are static per-CPU data)
 * @other_sys: bytes of other metadata: the page allocator's summaries and
 *	bitmaps, the span map, tiny-block state, mcentrals, caches, counters
 * @tiny_allocs: tiny objects allocated since load
 * @large_allocs: objects over 32 KiB allocated since load
 * @large_frees: objects over 32 KiB freed since load
 * @heap_grows: blocks the heap took from alloc_pages() since load
 * @chunks_returned: chunks the heap gave back to the kernel since load
 *
 * The fields with Go's names have Go's meanings (runtime.MemStats); those
 * that only make sense with a garbage collector are left out. Every
 * snapshot satisfies heap_inuse + heap_idle == heap_sys, heap_released <=
 * heap_idle, stack_inuse <= stack_sys, mallocs - frees ==
 * heap_objects, alloc == heap_alloc <= heap_inuse and sys >= heap_sys +
 * mspan_sys + mcache_sys + stack_sys, whatever runs meanwhile.
 */
struct gospan_memstats {
	u64 alloc;
	u64 total_alloc;
	u64 sys;
	u64 mallocs;
	u64 frees;
	u64 heap_alloc;
	u64 heap_sys;
	u64 heap_idle;
	u64 heap_inuse;
	u64 heap_released;
	u64 heap_objects;
	u64 stack_inuse;
	u64 stack_sys;
	u64 mspan_inuse;
	u64 mspan_sys;
	u64 mcache_inuse;
	u64 mcache_sys;
	u64 other_sys;
	u64 tiny_allocs;
	u64 large_allocs;
	u64 large_frees;
	u64 heap_grows;
	u64 chunks_returned;
};

void *gospan_alloc(size_t size, gfp_t gfp);
void *gospan_alloc_array(size_t n, size_t size, gfp_t gfp);
void *gospan_calloc(size_t n, size_t size, gfp_t gfp);
void *gospan_realloc(const void *ptr, size_t new_size, gfp_t gfp);
void gospan_free(const void *ptr);
void gospan_free_sensitive(const void *ptr);
size_t gospan_size(const void *ptr);
size_t gospan_size_roundup(size_t size);
bool gospan_owns(const void *ptr);

void gospan_free_call_rcu(struct rcu_head *head, void *ptr);
void gospan_rcu_barrier(void);

/**
 * gospan_free_rcu() - free an object after an RCU grace period, like kfree_rcu()
 * @ptr: the object (from gospan_alloc() or a cache), or NULL (a no-op)
 * @rhf: the name of the struct rcu_head field inside *@ptr
 *
 * The object is freed with gospan_free() once every RCU read-side
 * section that began before this call has ended. Frees are batched per
 * CPU (gospan_free_call_rcu()). gospan_rcu_barrier() waits for all of
 * them; gospan_cache_destroy() and gospan's unload call it.
 *
 * Context: Any context but NMI; never sleeps.
 */
#define gospan_free_rcu(ptr, rhf)						\
do {										\
	typeof(ptr) ___p = (ptr);						\
										\
	if (___p)								\
		gospan_free_call_rcu((struct rcu_head *)((void *)___p +		\
					offsetof(typeof(*___p), rhf)),		\
				     (void *)___p);				\
} while (0)

struct gospan_cache *gospan_cache_create(const char *name, unsigned int size,
					 unsigned int align, unsigned int flags,
					 void (*ctor)(void *));
void *gospan_cache_alloc(struct gospan_cache *cache, gfp_t gfp);
void gospan_cache_free(struct gospan_cache *cache, void *obj);
int gospan_cache_alloc_bulk(struct gospan_cache *cache, gfp_t gfp, size_t nr,
			    void **objs);
void gospan_cache_free_bulk(struct gospan_cache *cache, size_t nr, void **objs);
int gospan_cache_shrink(struct gospan_cache *cache);
void gospan_cache_destroy(struct gospan_cache *cache);

void *gospan_stack_alloc(size_t size, gfp_t gfp);
void gospan_stack_free(void *p, size_t size);

unsigned long gospan_error_count(enum gospan_error kind);
void gospan_read_memstats(struct gospan_memstats *stats);

#endif /* _GOSPAN_H */
