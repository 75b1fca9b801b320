// SPDX-License-Identifier: GPL-2.0
/*
 * Go's mcentral (runtime/mcentral.go) and the span bitmap operations of
 * mbitmap.go and mgcsweep.go that it and the mcache share. mcentral.h
 * describes the lists; the top of gospan.c places them in the allocation
 * path (steps 3 and 4).
 *
 * Sweeping is mspan.c's: a span on the mcentral's lists is swept under
 * the mcentral's lock, before it is handed out, and when a free finds it
 * with every object free; such a span is kept on the empty list (a few per
 * class) or goes back to the mheap.
 */
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/kmemleak.h>
#include <linux/log2.h>
#include <linux/slab.h>

#include "gospan_trace.h"
#include "internal.h"
#include "mcentral.h"
#include "mspan.h"
#include "msize.h"
#include "mstats.h"

struct gospan_mcentral *gospan_centrals[GOSPAN_NUM_SPAN_CLASSES];
EXPORT_SYMBOL_NS_GPL(gospan_centrals, GOSPAN_INTERNAL);

static inline unsigned int swept(const struct gospan_mcentral *c)
{
	return (c->sweepgen >> 1) & 1;
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

/* Enough of c's spans for 128 objects, at most max_bytes, 1 .. 16. */
static unsigned int spans_for_128_objects(const struct gospan_mcentral *c,
					  unsigned long max_bytes)
{
	unsigned long bytes = (unsigned long)c->npages << GOSPAN_PAGE_SHIFT;

	return clamp(min(DIV_ROUND_UP(128UL, max(c->nelems, 1U)), max_bytes / bytes), 1UL, 16UL);
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
	c->fastdiv = gospan_fastdiv_of(elemsize);
	c->ctor = ctor;
	/*
	 * Objects sit at multiples of elemsize from the span's base: a span
	 * aligned to the largest power of two dividing elemsize (beyond the
	 * page every span is aligned to) aligns every object to it, which is
	 * how a 16 KiB or 32 KiB object gets kmalloc's alignment.
	 */
	c->align_pages = max(elemsize & -elemsize, (unsigned int)GOSPAN_PAGE_SIZE) >>
			 GOSPAN_PAGE_SHIFT;
	/* Empty spans kept, and spans each CPU keeps (mcentral.h). */
	c->nempty_max = spans_for_128_objects(c, SZ_256K);
	c->nkept_max = spans_for_128_objects(c, SZ_128K);
	/* Few objects a span: spans for 64 objects at once, up to 8 (mcentral.h). */
	c->ngrow = c->nelems < 16 ? min3(DIV_ROUND_UP(64U, max(c->nelems, 1U)), 8U,
					 c->nempty_max) : 1;
	c->sweepgen = 2;
	INIT_LIST_HEAD(&c->empty);
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

/*
 * Give spans that left the class (linked through their list) back to the
 * mheap, all at once. A TYPESAFE_BY_RCU class's readers may still look at
 * their objects: each span's pages stay as they are until a grace period
 * has passed (gospan_mheap_free_span_after_gp(), a span at a time).
 */
static void release_spans(struct gospan_mcentral *c, struct list_head *gone)
{
	struct gospan_mspan *s, *next;

	if (!c->typesafe) {
		gospan_mheap_free_spans_rcu(&gospan_heap, gone);
		return;
	}
	list_for_each_entry_safe(s, next, gone, list) {
		list_del_init(&s->list);
		gospan_mheap_free_span_after_gp(s);
	}
}

/* s leaves the class: on gone, which the caller releases once unlocked. */
static void give_up_locked(struct gospan_mcentral *c, struct gospan_mspan *s,
			   struct list_head *gone)
{
	lockdep_assert_held(&c->lock);
	c->nspans--;
	WRITE_ONCE(s->in_list, GOSPAN_LIST_NONE);
	list_add_tail(&s->list, gone);
}

/*
 * A span with no object and no pending free: keep it on the empty list (if
 * keep says so), or give it up onto gone, which the caller gives back to
 * the heap once the lock is dropped. A full empty list gives up its older
 * half, plus one for s: spans go back to the heap in batches, one heap
 * lock hold and one grace period for all (mheap.c), while the list keeps
 * the newer half, s first, for the next cacheSpan. Lock held.
 */
static void retire_locked(struct gospan_mcentral *c, struct gospan_mspan *s, bool keep,
			  struct list_head *gone)
{
	struct gospan_mspan *old;
	unsigned int n;

	lockdep_assert_held(&c->lock);
	if (!keep) {
		give_up_locked(c, s, gone);
		return;
	}
	if (c->nempty == c->nempty_max) {
		for (n = c->nempty_max / 2 + 1; n; n--) {
			old = list_last_entry(&c->empty, struct gospan_mspan, list);
			list_del(&old->list);
			c->nempty--;
			give_up_locked(c, old, gone);
		}
	}
	list_add(&s->list, &c->empty);
	c->nempty++;
	smp_store_release(&s->in_list, GOSPAN_LIST_EMPTY);	/* state first */
}

/*
 * Sweep a span nobody holds and say whether it has no object left. A
 * free sets its bit before it counts itself (then nfreed): a bit swept
 * before its free was counted leaves nfreed below 0 until the free catches
 * up. The span is not empty then; that free finds it listed with nothing
 * allocated and retires it through gospan_mcentral_note_free(), after it
 * was counted (mstats.c). The barrier pairs with the free's
 * atomic_add_return(). Lock held.
 */
static bool sweep_empty(struct gospan_mcentral *c, struct gospan_mspan *s)
{
	lockdep_assert_held(&c->lock);
	gospan_span_sweep(s);
	smp_mb();	/* the sweep before nfreed: see above */
	return !s->alloc_count && !atomic_read(&s->nfreed);
}

/* Sweep spans from an unswept list until one has a free object. */
static struct gospan_mspan *sweep_list(struct gospan_mcentral *c,
				       struct list_head *unswept)
{
	struct gospan_mspan *s;

	while ((s = list_first_entry_or_null(unswept, struct gospan_mspan, list))) {
		list_del_init(&s->list);
		gospan_span_sweep(s);
		if (s->alloc_count < s->nelems)
			return s;
		list_add(&s->list, &c->full[swept(c)]);
		WRITE_ONCE(s->in_list, GOSPAN_LIST_FULL);
	}
	return NULL;
}

/*
 * Go's cacheSpan, without the grow: a swept partial span first, then an
 * unswept one (swept now; kept even if all its objects are free, as Go's
 * sweep(preserve) does), then an empty one, then an unswept full one. The
 * span is off every list, swept. Lock held.
 */
static struct gospan_mspan *take_locked(struct gospan_mcentral *c)
{
	struct gospan_mspan *s;

	lockdep_assert_held(&c->lock);
	s = list_first_entry_or_null(&c->partial[swept(c)], struct gospan_mspan, list);
	if (s)
		list_del_init(&s->list);
	if (!s)
		s = sweep_list(c, &c->partial[!swept(c)]);
	if (!s) {
		s = list_first_entry_or_null(&c->empty, struct gospan_mspan, list);
		if (s) {
			list_del_init(&s->list);
			c->nempty--;
			gospan_span_sweep(s);	/* a racing double free may have left a bit */
		}
	}
	if (!s)
		s = sweep_list(c, &c->full[!swept(c)]);
	if (s)
		WRITE_ONCE(s->in_list, GOSPAN_LIST_NONE);
	return s;
}

static void place_checked(struct gospan_mcentral *c, struct gospan_mspan *s,
			  struct list_head *gone);

/*
 * Go's uncacheSpan, under the lock: the span is swept, and goes on the
 * list its state calls for; one with no object left is kept empty or given
 * up onto gone (retire_locked()).
 */
static void uncache_locked(struct gospan_mcentral *c, struct gospan_mspan *s,
			   struct list_head *gone)
{
	trace_gospan_uncache_span(s);
	if (sweep_empty(c, s))
		retire_locked(c, s, true, gone);
	else	/* a free that saw the span cached did not move it */
		place_checked(c, s, gone);
}

/**
 * gospan_mcentral_cache_span() - swap an mcache's span for one with room
 * @c: the mcentral
 * @old: the span the caller's mcache gives back (its window given back),
 *	or NULL
 *
 * Go's uncacheSpan of @old, then cacheSpan without the grow (take_locked()
 * says in which order), under one hold of the lock.
 *
 * Context: Any context; takes the mcentral lock (and the heap lock).
 * Return: a span, swept and now held by the caller's mcache, or NULL.
 */
struct gospan_mspan *gospan_mcentral_cache_span(struct gospan_mcentral *c,
						struct gospan_mspan *old)
{
	struct gospan_mspan *s;
	unsigned long flags;
	LIST_HEAD(gone);

	spin_lock_irqsave(&c->lock, flags);
	if (old)
		uncache_locked(c, old, &gone);
	s = take_locked(c);
	if (s)
		trace_gospan_cache_span(s);
	spin_unlock_irqrestore(&c->lock, flags);
	release_spans(c, &gone);
	return s;
}

/*
 * Make s, a new span of the class, its spans: its objects' fields, their
 * tiny-block state, their ctor. Return: false if memory ran out (s is
 * released then).
 */
static bool carve(struct gospan_mcentral *c, struct gospan_mspan *s, gfp_t gfp)
{
	unsigned int i;

	s->elemsize = c->elemsize;
	s->nelems = c->nelems;
	s->divmul = c->divmul;
	s->limit = s->base + (unsigned long)c->nelems * c->elemsize;
	s->alloc_count = 0;
	s->cpu = -1;
	if (c->spanclass == GOSPAN_TINY_SPANCLASS) {
		atomic_t *state = kcalloc(c->nelems, sizeof(atomic_t),
					  gospan_grow_gfp(gfp, 0, false));

		/* The fields first: a bad free may look (gospan_tiny_state_or_null()). */
		smp_store_release(&s->tiny_state, state);
		if (!s->tiny_state) {
			/* The span map pointed at it: a grace period first. */
			LIST_HEAD(gone);

			list_add(&s->list, &gone);
			release_spans(c, &gone);
			return false;
		}
		atomic_long_add(c->nelems * sizeof(atomic_t), &gospan_other_sys);
	}
	if (c->ctor)
		for (i = 0; i < c->nelems; i++)
			c->ctor((void *)(s->base + (unsigned long)i * c->elemsize));
	return true;
}

/**
 * gospan_mcentral_grow() - a new span from the mheap, for an mcache
 * @c: the mcentral
 * @gfp: allocation flags; may sleep if they allow it
 *
 * Go's mcentral.grow: a span of the class's length, its objects carved
 * (and constructed, if the class has a ctor) before anyone sees them. A
 * class with few objects a span makes @c->ngrow spans at once: the others
 * come from this CPU's page cache only, and wait on the empty list.
 *
 * Context: Any context that @gfp allows; no lock held.
 * Return: the span, held by the caller's mcache, or NULL.
 */
struct gospan_mspan *gospan_mcentral_grow(struct gospan_mcentral *c, gfp_t gfp)
{
	struct gospan_mspan *s, *t, *next;
	unsigned long flags;
	LIST_HEAD(more);
	LIST_HEAD(made);
	LIST_HEAD(gone);

	s = gospan_mheap_alloc_span_aligned(&gospan_heap, c->npages, c->align_pages,
					    c->spanclass, gfp);
	if (!s || !carve(c, s, gfp))
		return NULL;
	/* Extra spans: trying once, not as hard as the caller may ask. */
	if (c->ngrow > 1)
		gospan_mheap_alloc_cached_spans(&gospan_heap, c->npages, c->align_pages,
						c->spanclass, c->ngrow - 1,
						gospan_grow_gfp(gfp, 0, true) & ~__GFP_MEMALLOC,
						&more);
	list_for_each_entry_safe(t, next, &more, list) {
		list_del_init(&t->list);
		if (carve(c, t, gfp))
			list_add_tail(&t->list, &made);
	}

	spin_lock_irqsave(&c->lock, flags);
	c->nspans++;
	list_for_each_entry_safe(t, next, &made, list) {
		list_del_init(&t->list);
		c->nspans++;
		retire_locked(c, t, true, &gone);
	}
	spin_unlock_irqrestore(&c->lock, flags);
	release_spans(c, &gone);
	trace_gospan_cache_span(s);
	return s;
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
	} else if (s->alloc_count < s->nelems) {
		list_add(&s->list, &c->partial[swept(c)]);
		smp_store_release(&s->in_list, GOSPAN_LIST_PARTIAL);	/* state first */
	} else {
		list_add(&s->list, &c->full[swept(c)]);
		smp_store_release(&s->in_list, GOSPAN_LIST_FULL);	/* state first */
	}
}

/*
 * place_locked(), then catch a free that ran meanwhile and saw the span
 * where it was before (cached, or on another list), so did not move it:
 * if it was the first free into a full span or the free of the last live
 * object, do what it would have done. The barrier pairs with the full
 * barrier of the free's atomic_add_return() before it reads in_list:
 * either the free sees the span placed (and calls
 * gospan_mcentral_note_free(), which finds it placed or released) or this
 * sees its count. A span found empty is retired (retire_locked(): it may
 * go on gone, which the caller releases once unlocked). Lock held.
 */
static void place_checked(struct gospan_mcentral *c, struct gospan_mspan *s,
			  struct list_head *gone)
{
	int nfreed;

	place_locked(c, s, false);
	smp_mb();	/* in_list before nfreed: see above */
	nfreed = atomic_read(&s->nfreed);
	if (nfreed && (s->in_list == GOSPAN_LIST_FULL || nfreed == s->alloc_count)) {
		list_del_init(&s->list);
		if (sweep_empty(c, s))
			retire_locked(c, s, true, gone);
		else
			place_locked(c, s, false);
	}
}

/**
 * gospan_mcentral_uncache_span() - take a span back from an mcache
 * @c: the mcentral
 * @s: a span the caller's mcache held, its window given back
 *
 * Go's uncacheSpan: the span is swept, and goes on the list its state
 * calls for; one with no object left is kept empty or goes back to the
 * mheap.
 *
 * Context: Any context; takes the mcentral lock (and the heap lock).
 */
void gospan_mcentral_uncache_span(struct gospan_mcentral *c, struct gospan_mspan *s)
{
	unsigned long flags;
	LIST_HEAD(gone);

	spin_lock_irqsave(&c->lock, flags);
	uncache_locked(c, s, &gone);
	spin_unlock_irqrestore(&c->lock, flags);
	release_spans(c, &gone);
}

/**
 * gospan_mcentral_note_free() - a free reached a span nobody holds
 * @c: the mcentral
 * @s: the span; the caller is in an RCU read-side section
 *
 * A full span with a free goes to the unswept partial list; a span all of
 * whose objects are now free is swept, and kept empty or given back to the
 * mheap.
 *
 * Context: Any context; takes the mcentral lock (and the heap lock).
 */
void gospan_mcentral_note_free(struct gospan_mcentral *c, struct gospan_mspan *s)
{
	unsigned long flags;
	bool empty = false;
	LIST_HEAD(gone);
	u8 list;

	spin_lock_irqsave(&c->lock, flags);
	list = s->in_list;
	if (list == GOSPAN_LIST_PARTIAL || list == GOSPAN_LIST_FULL) {
		list_del_init(&s->list);
		if (atomic_read(&s->nfreed) == s->alloc_count)
			empty = sweep_empty(c, s);
		if (empty)
			retire_locked(c, s, true, &gone);
		else
			place_locked(c, s, atomic_read(&s->nfreed) > 0);
	}
	spin_unlock_irqrestore(&c->lock, flags);
	release_spans(c, &gone);
}

/**
 * gospan_mcentral_alloc_direct() - one object, without an mcache
 * @c: the mcentral
 * @gfp: allocation flags, for a grow
 *
 * For a context that found its CPU's mcache in use (an interrupt that
 * arrived while the task it interrupted was inside the mcache, or on
 * PREEMPT_RT a task that preempted it): the object comes straight from a
 * span on the mcentral's lists, under the mcentral's lock, or from a new
 * span that then goes on them.
 *
 * Context: Any context that @gfp allows.
 * Return: the object, or NULL when memory ran out.
 */
void *gospan_mcentral_alloc_direct(struct gospan_mcentral *c, gfp_t gfp)
{
	struct gospan_mspan *s;
	unsigned long flags;
	unsigned int idx;
	LIST_HEAD(gone);
	void *obj;

	spin_lock_irqsave(&c->lock, flags);
	s = take_locked(c);
	if (!s) {
		spin_unlock_irqrestore(&c->lock, flags);
		s = gospan_mcentral_grow(c, gfp);
		if (!s)
			return NULL;
		spin_lock_irqsave(&c->lock, flags);
	}
	/*
	 * Swept, so that no freed bit names a free object: a double free
	 * that raced with the last sweep may have left one, and an object
	 * handed out with it would later be taken for free.
	 */
	gospan_span_sweep(s);
	idx = find_first_zero_bit(s->alloc_bits, s->nelems);
	WRITE_ONCE(s->alloc_bits[BIT_WORD(idx)], s->alloc_bits[BIT_WORD(idx)] | BIT_MASK(idx));
	s->alloc_count++;
	obj = (void *)(s->base + (unsigned long)idx * s->elemsize);
	/*
	 * The object just taken is live: the span is retired only if a
	 * racing bad free of it got in first. Then the object is freed and
	 * its pages may go back to the heap: the caller bears that bad free.
	 */
	place_checked(c, s, &gone);
	spin_unlock_irqrestore(&c->lock, flags);
	release_spans(c, &gone);
	return obj;
}

/**
 * gospan_mcentral_reclaim() - sweep every span nobody holds
 * @c: the mcentral
 *
 * Sweeps every span on the mcentral's lists, swept or not; spans whose
 * objects are all free, the kept empty ones included, go back to the
 * mheap, the rest go on the swept lists of the next cycle. Only then does
 * the new sweep cycle start (sweepgen += 2), as Go flips sweepgen only when
 * the sweep has finished: a list is called swept only when every span on
 * it is. Spans mcaches hold are swept when they come back
 * (gospan_mcentral_uncache_span() sweeps every span it takes back).
 *
 * Context: Any context; takes the mcentral lock (and the heap lock).
 * Return: spans given back to the mheap.
 */
unsigned long gospan_mcentral_reclaim(struct gospan_mcentral *c)
{
	struct gospan_mspan *s;
	unsigned long flags, released;
	unsigned int i;
	LIST_HEAD(all);
	LIST_HEAD(kept);
	LIST_HEAD(gone);

	spin_lock_irqsave(&c->lock, flags);
	for (i = 0; i < 2; i++) {
		list_splice_init(&c->partial[i], &all);
		list_splice_init(&c->full[i], &all);
	}
	list_splice_init(&c->empty, &all);
	c->nempty = 0;
	while ((s = list_first_entry_or_null(&all, struct gospan_mspan, list))) {
		list_del_init(&s->list);
		if (sweep_empty(c, s))
			retire_locked(c, s, false, &gone);
		else
			list_add(&s->list, &kept);
	}
	c->sweepgen += 2;
	while ((s = list_first_entry_or_null(&kept, struct gospan_mspan, list))) {
		list_del_init(&s->list);
		place_checked(c, s, &gone);
	}
	spin_unlock_irqrestore(&c->lock, flags);
	released = list_count_nodes(&gone);
	release_spans(c, &gone);
	return released;
}
EXPORT_SYMBOL_NS_GPL(gospan_mcentral_reclaim, GOSPAN_INTERNAL);

/**
 * gospan_mcentral_release_empty() - give the kept empty spans back to the mheap
 * @c: the mcentral
 *
 * The shrinker's share of an mcentral: the spans on @c->empty go back to
 * the heap (after a grace period for a TYPESAFE_BY_RCU class); nothing
 * else is swept or moved.
 *
 * Context: Any context; takes the mcentral lock (and the heap lock).
 * Return: gospan pages given back to the mheap.
 */
unsigned long gospan_mcentral_release_empty(struct gospan_mcentral *c)
{
	struct gospan_mspan *s, *next;
	unsigned long flags, pages = 0;
	LIST_HEAD(empty);
	LIST_HEAD(gone);

	spin_lock_irqsave(&c->lock, flags);
	list_splice_init(&c->empty, &empty);
	c->nempty = 0;
	list_for_each_entry_safe(s, next, &empty, list) {
		list_del_init(&s->list);
		/* A racing double free may have left a bit: place what it left. */
		if (sweep_empty(c, s))
			retire_locked(c, s, false, &gone);
		else
			place_checked(c, s, &gone);
	}
	spin_unlock_irqrestore(&c->lock, flags);
	list_for_each_entry(s, &gone, list)
		pages += s->npages;
	release_spans(c, &gone);
	return pages;
}
EXPORT_SYMBOL_NS_GPL(gospan_mcentral_release_empty, GOSPAN_INTERNAL);

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
