// SPDX-License-Identifier: GPL-2.0
/*
 * Go's mcentral (runtime/mcentral.go) and the span bitmap operations of
 * mbitmap.go and mgcsweep.go that it and the mcache share. mcentral.h
 * describes the lists; the top of gospan.c places them in the allocation
 * path (steps 3 and 4).
 *
 * Sweeping. Go learns which objects died by marking; gospan learns it from
 * frees, each of which sets the object's bit in the span's freed_bits. A
 * sweep folds those bits into alloc_bits, counts what is left, and restarts
 * the search for free objects at index 0. Only the owner of a span's
 * allocation state sweeps it: the mcentral, under its lock, for a span no
 * mcache holds; or the mcache holding it. A free reads that state without a
 * lock, so a sweep writes alloc_bits before it resets freeindex
 * (smp_wmb(), paired with the smp_rmb() in the free path).
 */
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/kmemleak.h>
#include <linux/log2.h>
#include <linux/slab.h>

#include "gospan_trace.h"
#include "internal.h"
#include "mcentral.h"
#include "msize.h"
#include "mstats.h"

static_assert(BITS_PER_LONG == 64, "allocCache is one word of alloc_bits");

struct gospan_mcentral *gospan_centrals[GOSPAN_NUM_SPAN_CLASSES];
EXPORT_SYMBOL_NS_GPL(gospan_centrals, GOSPAN_INTERNAL);

static inline unsigned int swept(const struct gospan_mcentral *c)
{
	return (c->sweepgen >> 1) & 1;
}

/* Go's refillAllocCache: the complement of the alloc bits from index i. */
static inline void refill_alloc_cache(struct gospan_mspan *s, unsigned int i)
{
	s->alloc_cache = ~(u64)s->alloc_bits[i / BITS_PER_LONG];
}

/**
 * gospan_span_next_free_index() - the next free object of a span
 * @s: a span whose allocation state the caller owns
 *
 * Go's nextFreeIndex: scans allocCache, refilling it from alloc_bits 64
 * objects at a time, and advances freeindex past the object returned.
 *
 * Context: Any context; the span's owner.
 * Return: the index of a free object, or nelems if there is none.
 */
unsigned int gospan_span_next_free_index(struct gospan_mspan *s)
{
	unsigned int idx = s->freeindex, n = s->nelems, bit, result;
	u64 cache = s->alloc_cache;

	if (idx == n)
		return n;
	while (!cache) {
		idx = ALIGN(idx + 1, 64);
		if (idx >= n) {
			WRITE_ONCE(s->freeindex, n);
			return n;
		}
		refill_alloc_cache(s, idx);
		cache = s->alloc_cache;
	}
	bit = __ffs64(cache);
	result = idx + bit;
	if (result >= n) {
		WRITE_ONCE(s->freeindex, n);
		return n;
	}
	s->alloc_cache = bit == 63 ? 0 : cache >> (bit + 1);
	idx = result + 1;
	if (!(idx % 64) && idx != n)
		refill_alloc_cache(s, idx);
	WRITE_ONCE(s->freeindex, idx);
	return result;
}

/*
 * Fold the frees that reached s into its alloc bits and restart its search
 * for free objects. Everything below freeindex is allocated (Go's rule), so
 * it is folded in first.
 */
static void sweep(struct gospan_mspan *s)
{
	unsigned int w, nw = BITS_TO_LONGS(s->nelems), nfreed = 0;

	bitmap_set(s->alloc_bits, 0, s->freeindex);
	for (w = 0; w < nw; w++) {
		unsigned long f = xchg(&s->freed_bits[w], 0);

		s->alloc_bits[w] &= ~f;
		nfreed += hweight_long(f);
	}
	atomic_sub(nfreed, &s->nfreed);
	WRITE_ONCE(s->alloc_count, bitmap_weight(s->alloc_bits, s->nelems));
	smp_wmb();	/* alloc_bits before freeindex: see gospan_free_small() */
	WRITE_ONCE(s->freeindex, 0);
	refill_alloc_cache(s, 0);
	trace_gospan_sweep(s);
}

/**
 * gospan_span_sweep_cached() - sweep a span an mcache holds, in place
 * @s: the span, held by the calling CPU's mcache
 *
 * When the mcache's span fills up but frees have reached it, sweeping it
 * where it is saves a round trip through the mcentral (a departure from
 * Go, where a cached span is never swept).
 *
 * Context: the mcache's local lock held.
 * Return: true if the span has free objects now.
 */
bool gospan_span_sweep_cached(struct gospan_mspan *s)
{
	sweep(s);
	return s->alloc_count < s->nelems;
}

/* Go's rule for a span class's span: the smallest with at most 1/8 lost. */
static unsigned int span_pages(unsigned int spanclass, unsigned int elemsize)
{
	unsigned long bytes = GOSPAN_PAGE_SIZE;

	if (spanclass < GOSPAN_NUM_SIZE_CLASSES)
		return gospan_class_to_allocnpages[spanclass];
	while (bytes % elemsize > bytes / 8)
		bytes += GOSPAN_PAGE_SIZE;
	return bytes / GOSPAN_PAGE_SIZE;
}

/**
 * gospan_mcentral_init() - set up the mcentral of a span class
 * @c: the mcentral
 * @spanclass: its span class
 * @elemsize: object size, 8 .. GOSPAN_MAX_SMALL_SIZE
 * @ctor: run on each object when a span is carved, or NULL
 *
 * Context: Any context.
 * Return: 0, or -EINVAL when no span of the class could hold its objects
 * with an exact divide.
 */
int gospan_mcentral_init(struct gospan_mcentral *c, unsigned int spanclass,
			 unsigned int elemsize, void (*ctor)(void *obj))
{
	unsigned long bytes, n;

	memset(c, 0, sizeof(*c));
	spin_lock_init(&c->lock);
	c->spanclass = spanclass;
	c->elemsize = elemsize;
	c->npages = span_pages(spanclass, elemsize);
	bytes = (unsigned long)c->npages << GOSPAN_PAGE_SHIFT;
	c->nelems = bytes / elemsize;
	c->divmul = DIV_ROUND_UP_ULL(1ULL << 32, elemsize);
	c->ctor = ctor;
	/*
	 * Objects sit at multiples of elemsize from the span's base: a span
	 * aligned to the largest power of two dividing elemsize (beyond the
	 * page every span is aligned to) aligns every object to it, which is
	 * how a 16 KiB or 32 KiB object gets kmalloc's alignment.
	 */
	c->align_pages = max(elemsize & -elemsize, (unsigned int)GOSPAN_PAGE_SIZE) >>
			 GOSPAN_PAGE_SHIFT;
	c->sweepgen = 2;
	INIT_LIST_HEAD(&c->partial[0]);
	INIT_LIST_HEAD(&c->partial[1]);
	INIT_LIST_HEAD(&c->full[0]);
	INIT_LIST_HEAD(&c->full[1]);
	if (!c->nelems || c->nelems > GOSPAN_MAX_OBJECTS ||
	    c->npages > GOSPAN_CHUNK_PAGES || c->align_pages > roundup_pow_of_two(c->npages))
		return -EINVAL;
	/* The multiply-shift divide must be exact over the whole span. */
	for (n = 0; n <= bytes; n += 8)
		if (((n * c->divmul) >> 32) != n / elemsize)
			return -EINVAL;
	WRITE_ONCE(gospan_spanclass_size[spanclass], elemsize);
	return 0;
}

/* Take s off its list and hand it to an mcache. Lock held. */
static struct gospan_mspan *cache_locked(struct gospan_mcentral *c,
					 struct gospan_mspan *s)
{
	lockdep_assert_held(&c->lock);
	list_del_init(&s->list);
	WRITE_ONCE(s->in_list, GOSPAN_LIST_NONE);
	s->sweepgen = c->sweepgen + 3;
	trace_gospan_cache_span(s);
	return s;
}

/* Sweep spans from an unswept list until one has a free object. */
static struct gospan_mspan *sweep_list(struct gospan_mcentral *c,
				       struct list_head *unswept)
{
	struct gospan_mspan *s;

	while ((s = list_first_entry_or_null(unswept, struct gospan_mspan, list))) {
		list_del_init(&s->list);
		sweep(s);
		if (s->alloc_count < s->nelems)
			return s;
		list_add(&s->list, &c->full[swept(c)]);
		WRITE_ONCE(s->in_list, GOSPAN_LIST_FULL);
		s->sweepgen = c->sweepgen;
	}
	return NULL;
}

/**
 * gospan_mcentral_cache_span() - a span with a free object, for an mcache
 * @c: the mcentral
 *
 * Go's cacheSpan, without the grow: a swept partial span first, then an
 * unswept one (swept now; kept even if all its objects are free, as Go's
 * sweep(preserve) does), then an unswept full one.
 *
 * Context: Any context; takes the mcentral lock.
 * Return: the span, now held by the caller's mcache, or NULL.
 */
struct gospan_mspan *gospan_mcentral_cache_span(struct gospan_mcentral *c)
{
	struct gospan_mspan *s;
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	s = list_first_entry_or_null(&c->partial[swept(c)], struct gospan_mspan, list);
	if (!s)
		s = sweep_list(c, &c->partial[!swept(c)]);
	if (!s)
		s = sweep_list(c, &c->full[!swept(c)]);
	if (s)
		cache_locked(c, s);
	spin_unlock_irqrestore(&c->lock, flags);
	return s;
}

/**
 * gospan_mcentral_grow() - a new span from the mheap, for an mcache
 * @c: the mcentral
 * @gfp: allocation flags; may sleep if they allow it
 *
 * Go's mcentral.grow: a span of the class's length, its objects carved
 * (and constructed, if the class has a ctor) before anyone sees them.
 *
 * Context: Any context that @gfp allows; no lock held.
 * Return: the span, held by the caller's mcache, or NULL.
 */
struct gospan_mspan *gospan_mcentral_grow(struct gospan_mcentral *c, gfp_t gfp)
{
	struct gospan_mspan *s;
	unsigned long flags;
	unsigned int i;

	s = gospan_mheap_alloc_span_aligned(&gospan_heap, c->npages, c->align_pages,
					    c->spanclass, gfp);
	if (!s)
		return NULL;
	s->elemsize = c->elemsize;
	s->nelems = c->nelems;
	s->divmul = c->divmul;
	s->limit = s->base + (unsigned long)c->nelems * c->elemsize;
	s->alloc_cache = ~0ULL;
	if (c->spanclass == GOSPAN_TINY_SPANCLASS) {
		s->tiny_state = kcalloc(c->nelems, sizeof(atomic_t),
					gospan_grow_gfp(gfp, 0, false));
		if (!s->tiny_state) {
			/* The span map pointed at it: a grace period first. */
			gospan_mheap_free_span_rcu(&gospan_heap, s);
			return NULL;
		}
		atomic_long_add(c->nelems * sizeof(atomic_t), &gospan_other_sys);
	}
	if (c->ctor)
		for (i = 0; i < c->nelems; i++)
			c->ctor((void *)(s->base + (unsigned long)i * c->elemsize));

	spin_lock_irqsave(&c->lock, flags);
	s->sweepgen = c->sweepgen + 3;
	c->nspans++;
	spin_unlock_irqrestore(&c->lock, flags);
	trace_gospan_cache_span(s);
	return s;
}

/*
 * Sweep a span nobody holds whose objects may all be free; maybe release it.
 * A released span is on no list: in_list says so, so that a free that saw
 * it on a list and waits for the lock (gospan_mcentral_note_free()) leaves
 * it alone instead of releasing it a second time. Lock held.
 */
static bool sweep_or_release(struct gospan_mcentral *c, struct gospan_mspan *s)
{
	lockdep_assert_held(&c->lock);
	sweep(s);
	/*
	 * A free sets its bit before it counts itself (gospan_count_free(),
	 * then nfreed): a bit swept before its free was counted leaves nfreed
	 * below 0 until the free catches up. Keep the span then; that free
	 * finds it listed with nothing allocated and releases it through
	 * gospan_mcentral_note_free(), after it was counted (mstats.c). The
	 * barrier pairs with the free's atomic_inc_return().
	 */
	smp_mb();
	if (s->alloc_count || atomic_read(&s->nfreed))
		return false;
	c->nspans--;
	WRITE_ONCE(s->in_list, GOSPAN_LIST_NONE);
	return true;
}

/*
 * Put a span nobody holds on the list its state calls for. Lock held. The
 * release store of in_list orders the span's state (alloc_count) before
 * it, for a free that reads in_list with an acquire.
 */
static void place_locked(struct gospan_mcentral *c, struct gospan_mspan *s,
			 bool unswept)
{
	lockdep_assert_held(&c->lock);
	if (unswept) {
		list_add_tail(&s->list, &c->partial[!swept(c)]);
		smp_store_release(&s->in_list, GOSPAN_LIST_PARTIAL);	/* state first */
		s->sweepgen = c->sweepgen - 2;
	} else if (s->alloc_count < s->nelems) {
		list_add(&s->list, &c->partial[swept(c)]);
		smp_store_release(&s->in_list, GOSPAN_LIST_PARTIAL);	/* state first */
		s->sweepgen = c->sweepgen;
	} else {
		list_add(&s->list, &c->full[swept(c)]);
		smp_store_release(&s->in_list, GOSPAN_LIST_FULL);	/* state first */
		s->sweepgen = c->sweepgen;
	}
}

/*
 * place_locked(), then catch a free that ran meanwhile and saw the span
 * where it was before (cached, or on another list), so did not move it:
 * if it was the first free into a full span or the free of the last live
 * object, do what it would have done. The barrier pairs with the full
 * barrier of the free's atomic_inc_return() before it reads in_list:
 * either the free sees the span placed (and calls
 * gospan_mcentral_note_free(), which finds it placed or released) or this
 * sees its count. Lock held. Return: true if the span was released (the
 * caller gives it back to the heap once the lock is dropped).
 */
static bool place_checked(struct gospan_mcentral *c, struct gospan_mspan *s,
			  bool unswept)
{
	int nfreed;

	place_locked(c, s, unswept);
	smp_mb();	/* in_list before nfreed: see above */
	nfreed = atomic_read(&s->nfreed);
	if (nfreed && (s->in_list == GOSPAN_LIST_FULL || nfreed == s->alloc_count)) {
		list_del_init(&s->list);
		if (sweep_or_release(c, s))
			return true;
		place_locked(c, s, false);
	}
	return false;
}

/**
 * gospan_mcentral_uncache_span() - take a span back from an mcache
 * @c: the mcentral
 * @s: a span the caller's mcache held
 *
 * Go's uncacheSpan. A span whose objects have all been freed is swept and
 * goes back to the mheap; one with frees pending waits, unswept, for the
 * next cacheSpan.
 *
 * Context: Any context; takes the mcentral lock (and the heap lock).
 */
void gospan_mcentral_uncache_span(struct gospan_mcentral *c, struct gospan_mspan *s)
{
	bool release = false;
	unsigned long flags;
	int nfreed;

	trace_gospan_uncache_span(s);
	spin_lock_irqsave(&c->lock, flags);
	nfreed = atomic_read(&s->nfreed);
	if (nfreed && nfreed == s->alloc_count)
		release = sweep_or_release(c, s);
	/* A free that saw the span cached did not move it: place_checked(). */
	if (!release)
		release = place_checked(c, s, nfreed || s->sweepgen == c->sweepgen + 1);
	spin_unlock_irqrestore(&c->lock, flags);
	if (release)
		gospan_mheap_free_span_rcu(&gospan_heap, s);
}

/**
 * gospan_mcentral_note_free() - a free reached a span nobody holds
 * @c: the mcentral
 * @s: the span; the caller is in an RCU read-side section
 *
 * A full span with a free goes to the unswept partial list; a span all of
 * whose objects are now free is swept and goes back to the mheap.
 *
 * Context: Any context; takes the mcentral lock (and the heap lock).
 */
void gospan_mcentral_note_free(struct gospan_mcentral *c, struct gospan_mspan *s)
{
	bool release = false;
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	if (s->in_list != GOSPAN_LIST_NONE) {
		list_del_init(&s->list);
		if (atomic_read(&s->nfreed) == s->alloc_count)
			release = sweep_or_release(c, s);
		if (!release)
			place_locked(c, s, atomic_read(&s->nfreed) > 0);
	}
	spin_unlock_irqrestore(&c->lock, flags);
	if (release)
		gospan_mheap_free_span_rcu(&gospan_heap, s);
}

/**
 * gospan_mcentral_reclaim() - sweep every span nobody holds
 * @c: the mcentral
 *
 * Sweeps every span on the mcentral's lists, swept or not; spans whose
 * objects are all free go back to the mheap, the rest go on the swept
 * lists of the next cycle. Only then does the new sweep cycle start
 * (sweepgen += 2), as Go flips sweepgen only when the sweep has finished:
 * a list is called swept only when every span on it is. Spans mcaches hold
 * are swept when they come back (their sweepgen is now that of the last
 * cycle, which gospan_mcentral_uncache_span() checks).
 *
 * Context: Any context; takes the mcentral lock (and the heap lock).
 * Return: spans given back to the mheap.
 */
unsigned long gospan_mcentral_reclaim(struct gospan_mcentral *c)
{
	struct gospan_mspan *s, *next;
	unsigned long flags, released = 0;
	unsigned int i;
	LIST_HEAD(all);
	LIST_HEAD(kept);
	LIST_HEAD(empty);

	spin_lock_irqsave(&c->lock, flags);
	for (i = 0; i < 2; i++) {
		list_splice_init(&c->partial[i], &all);
		list_splice_init(&c->full[i], &all);
	}
	while ((s = list_first_entry_or_null(&all, struct gospan_mspan, list)))
		list_move(&s->list, sweep_or_release(c, s) ? &empty : &kept);
	c->sweepgen += 2;
	while ((s = list_first_entry_or_null(&kept, struct gospan_mspan, list))) {
		list_del_init(&s->list);
		if (place_checked(c, s, false))
			list_add(&s->list, &empty);
	}
	spin_unlock_irqrestore(&c->lock, flags);
	list_for_each_entry_safe(s, next, &empty, list) {
		list_del(&s->list);
		gospan_mheap_free_span_rcu(&gospan_heap, s);
		released++;
	}
	return released;
}
EXPORT_SYMBOL_NS_GPL(gospan_mcentral_reclaim, GOSPAN_INTERNAL);

/**
 * gospan_mcentral_live() - live objects in the spans an mcentral holds
 * @c: the mcentral
 *
 * Spans mcaches hold are not counted: drain them first for a full count.
 *
 * Context: Any context; takes the mcentral lock.
 * Return: objects allocated and not freed in the listed spans.
 */
long gospan_mcentral_live(struct gospan_mcentral *c)
{
	struct gospan_mspan *s;
	unsigned long flags;
	unsigned int i;
	long live = 0;

	spin_lock_irqsave(&c->lock, flags);
	for (i = 0; i < 2; i++) {
		list_for_each_entry(s, &c->partial[i], list)
			live += s->alloc_count - atomic_read(&s->nfreed);
		list_for_each_entry(s, &c->full[i], list)
			live += s->alloc_count - atomic_read(&s->nfreed);
	}
	spin_unlock_irqrestore(&c->lock, flags);
	return live;
}

/**
 * gospan_free_small() - free an object of a span of small objects
 * @s: the span holding @p; the caller is in an RCU read-side section
 * @p: the object
 * @tracked: @p was registered with kmemleak (every object handed out is;
 *	a tiny allocator's block is not)
 *
 * Marks the object dead in freed_bits (atomically: any CPU, any context)
 * and tells the mcentral only when the span needs to move: the first free
 * into a full span, or the last live object of a span nobody holds. The
 * object's memory is reused after the span's next sweep.
 *
 * Context: Any context.
 * Return: GOSPAN_FREE_OK, or why @p was refused (nothing is changed then).
 */
enum gospan_free_error gospan_free_small(struct gospan_mspan *s, const void *p,
					 bool tracked)
{
	unsigned int idx = gospan_span_obj_index(s, p);
	struct gospan_mcentral *c;
	int list, n;
	bool live;

	if (idx >= s->nelems || s->base + (unsigned long)idx * s->elemsize != (unsigned long)p)
		return GOSPAN_FREE_INTERIOR;
	/* Allocated: below freeindex, or allocated as of the last sweep. */
	live = idx < READ_ONCE(s->freeindex);
	smp_rmb();	/* freeindex before alloc_bits: see sweep() */
	if ((!live && !test_bit(idx, s->alloc_bits)) || test_bit(idx, s->freed_bits))
		return GOSPAN_FREE_NOT_ALLOCATED;
	/* Before the object can be swept and handed out again. */
	if (tracked)
		kmemleak_free(p);
	if (test_and_set_bit(idx, s->freed_bits))
		return GOSPAN_FREE_NOT_ALLOCATED;	/* a racing double free */
	/* Counted before the span may go back to the heap: see mstats.c. */
	gospan_count_free(s->spanclass);
	n = atomic_inc_return(&s->nfreed);
	list = smp_load_acquire(&s->in_list);	/* see place_locked() */
	if (list == GOSPAN_LIST_FULL ||
	    (list == GOSPAN_LIST_PARTIAL && n == READ_ONCE(s->alloc_count))) {
		/* NULL only if a racing destroy retired the class: a caller bug. */
		c = READ_ONCE(gospan_centrals[s->spanclass]);
		if (c)
			gospan_mcentral_note_free(c, s);
	}
	return GOSPAN_FREE_OK;
}
