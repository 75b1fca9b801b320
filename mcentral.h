/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The central free lists (Go's runtime/mcentral.go): one mcentral per span
 * class hands spans with free objects to the mcaches and takes them back.
 * Its place in the allocator is steps 3 and 4 at the top of gospan.c.
 *
 * Span classes: 0 is "large" (no mcentral); 1 .. GOSPAN_NUM_SIZE_CLASSES - 1
 * are the size classes, shared by gospan_alloc() and by every cache whose
 * objects fit one; GOSPAN_TINY_SPANCLASS holds the tiny allocator's 16-byte
 * blocks; the rest belong to caches of their own (a ctor, or a size or
 * alignment no size class suits).
 */
#ifndef _GOSPAN_MCENTRAL_H
#define _GOSPAN_MCENTRAL_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "mheap.h"

#define GOSPAN_NUM_SPAN_CLASSES		256
#define GOSPAN_TINY_SPANCLASS		GOSPAN_NUM_SIZE_CLASSES
#define GOSPAN_FIRST_PRIVATE_SPANCLASS	(GOSPAN_TINY_SPANCLASS + 1)

/**
 * struct gospan_mcentral - the spans of one span class (Go's mcentral)
 * @lock: protects the lists, @sweepgen, @nspans, @nempty, and the alloc
 *	bits of every span of the class that no mcache holds
 * @spanclass: the span class
 * @elemsize: object size
 * @npages: span length in gospan pages
 * @nelems: objects per span
 * @divmul: ceil(2^32 / @elemsize)
 * @fastdiv: gospan_fastdiv_of(@elemsize), for the mcache's windows
 * @align_pages: spans start at a multiple of this many pages, so that every
 *	object is aligned to the largest power of two dividing @elemsize
 * @ctor: run on every object when its span is carved, or NULL
 * @sweepgen: Go's sweepgen, per class. It grows by 2 when
 *	gospan_mcentral_reclaim() has swept every listed span, which swaps the
 *	roles of the swept and unswept lists below, so that a list called swept
 *	holds only swept spans (as in Go). Spans carry no sweepgen of their
 *	own: the list that holds a span says whether it is swept, and an
 *	mcache gives every span back to be swept (uncacheSpan sweeps it).
 * @partial: spans with free objects, [(@sweepgen / 2) % 2] swept, the
 *	other unswept (Go's partialSwept/partialUnswept; the roles swap when
 *	@sweepgen grows, as in Go)
 * @full: spans without free objects, indexed the same way
 * @empty: swept spans all of whose objects are free, kept for the next
 *	cacheSpan instead of going back to the mheap (at most @nempty_max:
 *	one more gives up the older half with it, in one batch;
 *	gospan_mcentral_reclaim() gives them back)
 * @nempty: spans on @empty
 * @nempty_max: the bound: enough spans for 128 objects, at most 256 KiB
 * @nkept_max: how many spans of the class each CPU keeps beside the one
 *	it allocates from (struct gospan_mcache_class's @kept): enough for
 *	128 objects, at most 128 KiB, 1 .. 16
 * @ngrow: spans gospan_mcentral_grow() makes at once: 1, or for a class
 *	with fewer than 16 objects a span, enough for 64 objects, at most 8
 *	and @nempty_max (the spans of objects the caller does not take wait
 *	on @empty)
 * @nspans: spans of the class, wherever they are
 * @typesafe: the class of a GOSPAN_TYPESAFE_BY_RCU cache: a span that
 *	leaves it keeps its pages out of the heap for a grace period (set
 *	before the class is published, then fixed)
 *
 * A span enters an unswept list when a free reaches it while it is full;
 * the mcentral sweeps it (folds its freed_bits into its alloc_bits) before
 * handing it out, and keeps it on @empty, or gives it back to the mheap,
 * once all its objects are free.
 */
struct gospan_mcentral {
	spinlock_t lock;	/* see above; after the mcache's, before the heap's */
	unsigned int spanclass;
	unsigned int elemsize;
	unsigned int npages;
	unsigned int nelems;
	u32 divmul;
	u64 fastdiv;
	unsigned int align_pages;
	void (*ctor)(void *obj);
	u32 sweepgen;
	struct list_head partial[2];
	struct list_head full[2];
	struct list_head empty;
	unsigned int nempty;
	unsigned int nempty_max;
	unsigned int nkept_max;
	unsigned int ngrow;
	unsigned long nspans;
	bool typesafe;
};

extern struct gospan_mcentral *gospan_centrals[GOSPAN_NUM_SPAN_CLASSES];

int gospan_mcentral_init(struct gospan_mcentral *c, unsigned int spanclass,
			 unsigned int elemsize, void (*ctor)(void *obj));
struct gospan_mspan *gospan_mcentral_cache_span(struct gospan_mcentral *c,
						struct gospan_mspan *old);
struct gospan_mspan *gospan_mcentral_grow(struct gospan_mcentral *c, gfp_t gfp);
void gospan_mcentral_uncache_span(struct gospan_mcentral *c, struct gospan_mspan *s);
void gospan_mcentral_note_free(struct gospan_mcentral *c, struct gospan_mspan *s);
unsigned long gospan_mcentral_reclaim(struct gospan_mcentral *c);
unsigned long gospan_mcentral_release_empty(struct gospan_mcentral *c);
long gospan_mcentral_live(struct gospan_mcentral *c);
void *gospan_mcentral_alloc_direct(struct gospan_mcentral *c, gfp_t gfp);

#endif /* _GOSPAN_MCENTRAL_H */
