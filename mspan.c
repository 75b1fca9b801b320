// SPDX-License-Identifier: GPL-2.0
/*
 * The span's object bitmaps (Go's mbitmap.go and the sweeping half of
 * mgcsweep.go). mspan.h describes the span; the top of gospan.c explains
 * the states an object goes through and why a double free is always
 * caught. The rules this file keeps:
 *
 *  - alloc_bits has one owner at a time (the mcache holding the span, or
 *    its mcentral under its lock), which writes it a word at a time; a free
 *    reads it without a lock.
 *  - freed_bits is set by frees, with an atomic test-and-set, from any CPU,
 *    and cleared only by the owner, a word at a time with xchg(), when it
 *    folds the word: Go's sweep, one word at a time.
 *  - A folded freed bit is honoured only for an object that is allocated
 *    (its alloc bit set, and not free in the owner's window). Any other bit
 *    is a double free that raced with the object's first free or with the
 *    owner handing the object back: it is reported then, by the owner, and
 *    the free it counted is taken back.
 */
#include <linux/bitmap.h>
#include <linux/kmemleak.h>

#include "gospan_trace.h"
#include "internal.h"
#include "mcache.h"
#include "mcentral.h"
#include "mspan.h"
#include "mstats.h"

static_assert(BITS_PER_LONG == 64, "a window is one word of alloc_bits");

/*
 * Take word w's freed bits (clearing them) and return those of objects in
 * @live; report the others as double frees. The caller owns the span's
 * allocation state.
 */
static unsigned long take_frees(struct gospan_mspan *s, unsigned int w, unsigned long live)
{
	unsigned long f = READ_ONCE(s->freed_bits[w]), bogus;

	if (!f)
		return 0;
	f = xchg(&s->freed_bits[w], 0);
	atomic_sub(hweight_long(f), &s->nfreed);
	bogus = f & ~live;
	if (unlikely(bogus))
		gospan_report_late_double_frees(s, w, bogus);
	return f & live;
}

/**
 * gospan_span_fold_word() - fold the frees of an mcache's window word
 * @s: the span, held by the calling CPU's mcache
 * @w: the word its window covers (claimed: all its alloc bits are set)
 * @window: the objects of the word free in the window
 *
 * Context: the mcache lock held.
 * Return: the objects freed from other CPUs (or from the slow path) since
 * the last fold, now free: the caller adds them to the window.
 */
unsigned long gospan_span_fold_word(struct gospan_mspan *s, unsigned int w,
				    unsigned long window)
{
	gospan_mcache_assert_held(s->cpu);
	return take_frees(s, w, gospan_span_word_mask(s, w) & ~window);
}

/**
 * gospan_span_claim_word() - take every free object of a word for a window
 * @s: the span, held by the calling CPU's mcache
 * @w: a word of its bitmaps
 *
 * Folds the word's frees, then marks its free objects allocated: from now
 * on they belong to the window the caller builds from the return value.
 *
 * Context: the mcache lock held.
 * Return: the objects of the word that were free (now the window's).
 */
unsigned long gospan_span_claim_word(struct gospan_mspan *s, unsigned int w)
{
	unsigned long alloc = READ_ONCE(s->alloc_bits[w]), avail;

	gospan_mcache_assert_held(s->cpu);
	alloc &= ~take_frees(s, w, alloc);
	avail = ~alloc & gospan_span_word_mask(s, w);
	WRITE_ONCE(s->alloc_bits[w], alloc | avail);
	return avail;
}

/**
 * gospan_span_sweep() - fold every freed bit of a span into its alloc bits
 * @s: a span nobody else owns (its mcentral's lock held, or a window just
 *	given back)
 *
 * Go's sweep: afterwards alloc_bits holds exactly the live objects and
 * alloc_count counts them.
 *
 * Context: Any context; the owner of the span's allocation state.
 */
void gospan_span_sweep(struct gospan_mspan *s)
{
	unsigned int w, nw = BITS_TO_LONGS(s->nelems), count = 0;

	for (w = 0; w < nw; w++) {
		unsigned long alloc = READ_ONCE(s->alloc_bits[w]);

		alloc &= ~take_frees(s, w, alloc);
		WRITE_ONCE(s->alloc_bits[w], alloc);
		count += hweight_long(alloc);
	}
	WRITE_ONCE(s->alloc_count, count);
	trace_gospan_sweep(s);
}

/*
 * Is object idx of s free in the window of the CPU holding s? A racy look
 * at that CPU's mcache, consistent through its seq: never true for an
 * object that is allocated, since no window takes an allocated object. It
 * catches a double free of an object another CPU freed into its window,
 * at once; a free racing with that CPU's own is caught when it folds.
 */
static bool free_in_window(struct gospan_mspan *s, unsigned int idx)
{
	struct gospan_mcache_class *rec;
	int cpu = READ_ONCE(s->cpu);
	bool hit;
	u32 seq;

	if (cpu < 0 || !gospan_mcaches)
		return false;
	rec = &per_cpu_ptr(gospan_mcaches, cpu)->cls[s->spanclass];
	seq = READ_ONCE(rec->seq);
	if (seq & 1)
		return false;
	smp_rmb();	/* pairs with the smp_wmb()s of set_window() in mcache.c */
	/* The window is over the object's word of s: @remote says both. */
	hit = READ_ONCE(rec->remote) == &s->freed_bits[BIT_WORD(idx)] &&
	      (READ_ONCE(rec->window) & BIT_MASK(idx));
	smp_rmb();	/* the fields before seq again */
	return hit && READ_ONCE(rec->seq) == seq;
}

/*
 * count freed bits were just set on s: count them (before the span may go
 * back to the heap: see mstats.c), and tell the mcentral if s must move:
 * the first free into a full span, or the one that frees the last live
 * object of a partial one.
 */
static __always_inline void count_frees(struct gospan_mspan *s, unsigned int count)
{
	struct gospan_mcentral *c;
	int list, n, ac;

	this_cpu_add(gospan_mstats->class[s->spanclass].frees, count);
	n = atomic_add_return(count, &s->nfreed);
	list = smp_load_acquire(&s->in_list);	/* see place_checked() in mcentral.c */
	ac = READ_ONCE(s->alloc_count);
	if (list == GOSPAN_LIST_FULL ||
	    (list == GOSPAN_LIST_PARTIAL && n - (int)count < ac && ac <= n)) {
		/* NULL only if a racing destroy retired the class: a caller bug. */
		c = READ_ONCE(gospan_centrals[s->spanclass]);
		if (c)
			gospan_mcentral_note_free(c, s);
	}
}

/* gospan_span_allocated(), inlined into the frees of this file. */
static __always_inline bool span_allocated(struct gospan_mspan *s, unsigned int idx)
{
	return (READ_ONCE(s->alloc_bits[BIT_WORD(idx)]) & BIT_MASK(idx)) &&
	       !test_bit(idx, s->freed_bits) && !free_in_window(s, idx);
}

/**
 * gospan_span_allocated() - whether an object is allocated
 * @s: a span of small objects; the caller is in an RCU read-side section
 * @idx: the object's index
 *
 * Allocated, and free nowhere: not in the freed bits, not in the window
 * of the CPU holding @s. Exact unless the object is freed or allocated
 * meanwhile (a racing free of the same object is a double free, which the
 * free path catches on its own).
 *
 * Context: Any context.
 * Return: true if the object may be freed.
 */
bool gospan_span_allocated(struct gospan_mspan *s, unsigned int idx)
{
	return span_allocated(s, idx);
}

/**
 * gospan_span_free_remote() - free an object by setting its freed bit
 * @s: the span holding @p; the caller is in an RCU read-side section
 * @p: the object
 * @tracked: @p was registered with kmemleak (every object handed out is;
 *	a tiny allocator's block is not)
 *
 * The free every CPU and context may do (Go's model: the object is dead
 * until the span's owner folds the bit, as a sweep would). Only when a span
 * nobody holds must move is the mcentral told: the first free into a full
 * span, or the last live object of a partial one.
 *
 * Context: Any context.
 * Return: GOSPAN_FREE_OK, or why @p was refused (nothing is changed then).
 */
enum gospan_free_error gospan_span_free_remote(struct gospan_mspan *s, const void *p,
					       bool tracked)
{
	unsigned int idx = gospan_span_obj_index(s, p);

	if (idx >= s->nelems || s->base + (unsigned long)idx * s->elemsize != (unsigned long)p)
		return GOSPAN_FREE_INTERIOR;
	if (!span_allocated(s, idx))
		return GOSPAN_FREE_NOT_ALLOCATED;
	/* Before the object can be folded and handed out again. */
	if (tracked)
		gospan_free_hook(p, s->elemsize, s->spanclass);
	if (test_and_set_bit(idx, s->freed_bits))
		return GOSPAN_FREE_NOT_ALLOCATED;	/* a racing double free */
	count_frees(s, 1);
	return GOSPAN_FREE_OK;
}

/**
 * gospan_span_free_remote_many() - free a run of objects of one span
 * @s: the span; the caller is in an RCU read-side section
 * @objs: objects, the first in @s
 * @n: how many there are
 * @lost: per word of @s, zeroed by the caller: set to the objects it took
 *	that a racing free had freed first
 *
 * Bulk free's detached freelist (SLUB's build_detached_freelist()), as
 * freed bits: the leading objects of @objs that are good objects of @s
 * are checked one by one, then freed with one atomic OR per word of the
 * span and one count. It stops at a NULL, at the first object of another
 * span, and at the first bad one (a double free, or a pointer inside an
 * object), which the caller frees one by one, with a report.
 *
 * Context: Any context.
 * Return: how many of @objs it took, all of them freed but those in @lost
 * (the caller reports them as double frees).
 */
unsigned int gospan_span_free_remote_many(struct gospan_mspan *s, void **objs,
					  unsigned int n, unsigned long *lost)
{
	unsigned long mask[GOSPAN_SPAN_WORDS] = {}, old, dup;
	unsigned int k, idx, w, freed = 0;

	for (k = 0; k < n; k++) {
		unsigned long p = (unsigned long)objs[k];

		if (p - s->base >= s->limit - s->base)
			break;
		idx = gospan_span_obj_index(s, objs[k]);
		if (s->base + (unsigned long)idx * s->elemsize != p ||
		    !span_allocated(s, idx) ||
		    (mask[BIT_WORD(idx)] & BIT_MASK(idx)))
			break;
		/* Before the object can be folded and handed out again. */
		gospan_free_hook(objs[k], s->elemsize, s->spanclass);
		mask[BIT_WORD(idx)] |= BIT_MASK(idx);
	}
	for (w = 0; w < BITS_TO_LONGS(s->nelems); w++) {
		if (!mask[w])
			continue;
		old = atomic_long_fetch_or(mask[w], (atomic_long_t *)&s->freed_bits[w]);
		dup = old & mask[w];	/* racing frees won these first */
		lost[w] = dup;
		freed += hweight_long(mask[w] & ~dup);
	}
	if (freed)
		count_frees(s, freed);
	return k;
}
