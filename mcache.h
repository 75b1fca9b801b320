/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-CPU caches (Go's runtime/mcache.go): each CPU, standing in for
 * Go's P, holds one span per span class and allocates from it without a
 * lock. Its place in the allocator is steps 2 and 3 at the top of gospan.c.
 */
#ifndef _GOSPAN_MCACHE_H
#define _GOSPAN_MCACHE_H

#include <linux/local_lock.h>
#include <linux/percpu.h>
#include <linux/types.h>

#include "mcentral.h"
#include "mstats.h"

/**
 * struct gospan_mcache - one CPU's cache (Go's mcache)
 * @lock: makes the CPU's use of the cache safe against preemption and
 *	interrupts (local_lock_irqsave(): a per-CPU spinlock on PREEMPT_RT);
 *	protects every field, and the allocation state of the spans held
 * @alloc: the span each span class allocates from, or NULL
 * @tiny: the current tiny block (Go's tiny), 0 if none
 * @tinyoffset: the next free byte in it
 *
 * The cache never holds @lock across a sleeping allocation: a refill that
 * has to grow the heap drops it and takes it again, maybe on another CPU.
 */
struct gospan_mcache {
	local_lock_t lock;	/* see above */
	struct gospan_mspan *alloc[GOSPAN_NUM_SPAN_CLASSES];
	unsigned long tiny;
	unsigned int tinyoffset;
};

DECLARE_PER_CPU(struct gospan_mcache, gospan_mcaches);

void *gospan_mcache_alloc_slow(unsigned int spanclass, size_t req, gfp_t gfp,
			       unsigned long __percpu *count);

/*
 * Go's nextFreeFast: the next free object from the 64-bit allocCache by
 * counting trailing zeros, or NULL when the cache is empty or spent.
 */
static __always_inline void *gospan_next_free_fast(struct gospan_mspan *s)
{
	u64 cache = s->alloc_cache;
	unsigned int bit, result;

	if (!cache)
		return NULL;
	bit = __ffs64(cache);
	result = s->freeindex + bit;
	if (result >= s->nelems)
		return NULL;
	if (!((result + 1) % 64) && result + 1 != s->nelems)
		return NULL;	/* the cache needs a refill: the slow path */
	s->alloc_cache = bit == 63 ? 0 : cache >> (bit + 1);
	WRITE_ONCE(s->freeindex, result + 1);
	s->alloc_count++;
	return (void *)(s->base + (unsigned long)result * s->elemsize);
}

/**
 * gospan_mcache_alloc() - allocate one object of a span class
 * @spanclass: the span class, with an mcentral
 * @req: the bytes the caller asked for (for the statistics)
 * @gfp: allocation flags; a refill that must grow the heap sleeps only if
 *	they allow it, and never with the local lock held
 * @count: per-CPU allocation counter of a cache to bump on success, or NULL
 *
 * The fast path, inlined into its callers: this CPU's span for the class,
 * nextFreeFast, no lock but the local one; anything else is
 * gospan_mcache_alloc_slow(). The object is not zeroed. The class's
 * counters (mstats.h) are bumped before the object is handed out.
 *
 * Context: Any context that @gfp allows.
 * Return: the object, or NULL when memory ran out.
 */
static __always_inline void *gospan_mcache_alloc(unsigned int spanclass, size_t req,
						 gfp_t gfp, unsigned long __percpu *count)
{
	struct gospan_mspan *s;
	unsigned long flags;
	void *p = NULL;

	local_lock_irqsave(&gospan_mcaches.lock, flags);
	s = this_cpu_read(gospan_mcaches.alloc[spanclass]);
	if (likely(s))
		p = gospan_next_free_fast(s);
	if (likely(p)) {
		gospan_count_malloc(spanclass, req);
		if (count)
			this_cpu_inc(*count);
	}
	local_unlock_irqrestore(&gospan_mcaches.lock, flags);
	if (unlikely(!p))
		p = gospan_mcache_alloc_slow(spanclass, req, gfp, count);
	return p;
}

unsigned int gospan_mcache_alloc_batch(unsigned int spanclass, size_t req, void **objs,
				       unsigned int n, unsigned long __percpu *count);
void *gospan_mcache_alloc_tiny(size_t size, gfp_t gfp, unsigned long __percpu *count);
enum gospan_free_error gospan_free_tiny(struct gospan_mspan *s, const void *p);
void gospan_mcache_drain_all(unsigned int spanclass);
struct gospan_mcache *gospan_mcache_of(unsigned int cpu);
int gospan_mcache_init(void);
void gospan_mcache_exit(void);

/* gospan_mcache_drain_all(): every span class. */
#define GOSPAN_ALL_SPANCLASSES	GOSPAN_NUM_SPAN_CLASSES

#endif /* _GOSPAN_MCACHE_H */
