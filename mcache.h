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

void *gospan_mcache_alloc(unsigned int spanclass, size_t req, gfp_t gfp,
			  unsigned long __percpu *count);
void *gospan_mcache_alloc_tiny(size_t size, gfp_t gfp, unsigned long __percpu *count);
enum gospan_free_error gospan_free_tiny(struct gospan_mspan *s, const void *p);
void gospan_mcache_drain_all(unsigned int spanclass);
struct gospan_mcache *gospan_mcache_of(unsigned int cpu);
int gospan_mcache_init(void);
void gospan_mcache_exit(void);

/* gospan_mcache_drain_all(): every span class. */
#define GOSPAN_ALL_SPANCLASSES	GOSPAN_NUM_SPAN_CLASSES

#endif /* _GOSPAN_MCACHE_H */
