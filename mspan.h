/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The span (Go's runtime/mspan in mheap.go) and the operations on its
 * object bitmaps (mbitmap.go, mgcsweep.go) that the mcache, the mcentral
 * and the free path share. The top of gospan.c explains how an object
 * moves between the states these bitmaps encode; mspan.c has the code.
 */
#ifndef _GOSPAN_MSPAN_H
#define _GOSPAN_MSPAN_H

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/list.h>
#include <linux/math64.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

#include "sizeclasses.h"

/* Most objects in one span: 8-byte objects in an 8 KiB page. */
#define GOSPAN_MAX_OBJECTS	(GOSPAN_PAGE_SIZE / 8)
#define GOSPAN_SPAN_WORDS	BITS_TO_LONGS(GOSPAN_MAX_OBJECTS)
/* The tiny allocator's blocks (mcache.c). */
#define GOSPAN_TINY_SIZE	16

struct gospan_mheap;

/* Go's mSpanState. */
enum gospan_span_state {
	GOSPAN_SPAN_DEAD,	/* free, or never used: not in the span map */
	GOSPAN_SPAN_IN_USE,	/* objects (a size class) or one large object */
	GOSPAN_SPAN_FREEING,	/* a large object's free won it, and zeroes it */
	GOSPAN_SPAN_MANUAL,	/* stacks (stack.c): span class 0, not the heap's */
};

/**
 * struct gospan_mspan - a run of gospan pages (Go's mspan)
 * @list: link in the list of whoever holds the span (an mcentral's span
 *	set, an mcache's kept spans), or in the span allocator's free list
 * @heap: the heap it came from (its descriptor goes back there)
 * @base: address of the first byte
 * @npages: length in gospan pages
 * @state: an enum gospan_span_state
 * @spanclass: size class (and cache) of its objects; 0 for a large object
 * @nelems: number of objects
 * @alloc_count: objects allocated as of the last sweep (meaningful while
 *	no mcache holds the span), or, while a CPU keeps it beside the span it
 *	allocates from, its alloc bits set (struct gospan_mcache_class)
 * @divmul: ceil(2^32 / @elemsize), to divide by the object size
 * @elemsize: object size in bytes
 * @limit: end of the last object
 * @nfreed: objects freed since the last sweep (bits set in @freed_bits)
 * @in_list: which of its mcentral's lists holds it (enum gospan_span_list)
 * @cpu: the CPU whose mcache holds it (allocates from it, or keeps it), -1
 *	if none: that CPU frees its objects in place; others look at that
 *	CPU's window (gospan_span_free_remote())
 * @rcu: a released span's descriptor is reused only after a grace period,
 *	so that a free racing with the release never touches another span
 * @tiny_state: for tiny-block spans, per 16-byte block: bit o set while an
 *	object starts at offset o, bit 16 while an mcache allocates from it
 * @alloc_bits: one bit per object, set while it is allocated or is free
 *	in an mcache's window (mcache.h), as of the last sweep or fold; in a
 *	stack span, set while the block is some caller's stack (stack.c)
 * @freed_bits: one bit per object, set atomically by a free, cleared by the
 *	sweep that folds it into @alloc_bits (Go's gcmarkBits, inverted: gospan
 *	learns of dead objects from frees, not from marking); in a stack span,
 *	set while the block is free in the stackpool (Go's manualFreeList)
 *
 * The mheap sets @base, @npages and @state, and @elemsize, @nelems and
 * @limit for large objects; the small-object path owns the rest.
 *
 * Locking: @base and @npages are fixed while the span is in use; @state and
 * the span map entries for it change under the mheap lock. While an mcache
 * holds the span, @alloc_count and @alloc_bits belong to that CPU (under
 * its mcache lock); otherwise to the mcentral (under its lock), which alone
 * sweeps. Their owner writes @alloc_bits a word at a time (WRITE_ONCE), and
 * frees read it without a lock. @freed_bits and @nfreed are atomic and
 * written by any CPU.
 */
struct gospan_mspan {
	struct list_head list;
	struct gospan_mheap *heap;
	unsigned long base;
	unsigned long npages;
	u8 state;
	u8 spanclass;
	u16 nelems;
	u16 alloc_count;
	u32 divmul;
	unsigned long elemsize;
	unsigned long limit;
	atomic_t nfreed;
	u8 in_list;
	int cpu;
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
	GOSPAN_LIST_EMPTY,	/* every object free, kept for reuse */
};

/**
 * gospan_span_obj_index() - the object of a span an address falls in
 * @s: a span of small objects
 * @p: an address inside it
 *
 * Context: Any context.
 * Return: the object's index (may be >= nelems in the span's tail).
 */
static inline unsigned int gospan_span_obj_index(const struct gospan_mspan *s,
						 const void *p)
{
	return ((u64)((unsigned long)p - s->base) * s->divmul) >> 32;
}

/**
 * gospan_fastdiv_of() - the multiplier gospan_fastdiv() divides with
 * @elemsize: the divisor, 2 .. 2^32 - 1
 *
 * Context: Any context.
 * Return: ceil(2^64 / @elemsize).
 */
static inline u64 gospan_fastdiv_of(unsigned int elemsize)
{
	return div64_u64(U64_MAX, elemsize) + 1;
}

/**
 * gospan_fastdiv() - divide an offset by an object size, and say if exactly
 * @off: an offset below 2^32
 * @m: gospan_fastdiv_of() the object size
 * @idx: set to @off / the object size
 *
 * One multiply, 64 by 64 bits: its high half is the quotient and its low
 * half is below @m exactly when the division has no remainder (Lemire,
 * Kaser and Kurz, "Faster Remainder by Direct Computation", 2019: exact
 * for every 32-bit dividend and divisor). The free fast paths use it to
 * find an object's bit and refuse an interior pointer at once.
 *
 * Context: Any context.
 * Return: true if @off is a multiple of the object size.
 */
static __always_inline bool gospan_fastdiv(u64 off, u64 m, unsigned long *idx)
{
#ifdef CONFIG_X86_64
	u64 lo, hi;

	/* mulq itself: GCC sets up a frame pointer for an __int128 product. */
	asm("mulq %[m]" : "=a" (lo), "=d" (hi) : "a" (off), [m] "r" (m));
	*idx = hi;
	return lo < m;
#else
	*idx = mul_u64_u64_shr(off, m, 64);
	return off * m < m;
#endif
}

/* The bits of word w of a span's bitmaps that stand for objects. */
static inline unsigned long gospan_span_word_mask(const struct gospan_mspan *s,
						  unsigned int w)
{
	unsigned int left = s->nelems - w * BITS_PER_LONG;

	return left >= BITS_PER_LONG ? ~0UL : BIT(left) - 1;
}

/* Why a free was refused (gospan.c reports it). */
enum gospan_free_error {
	GOSPAN_FREE_OK,
	GOSPAN_FREE_FOREIGN,	/* not in memory gospan owns */
	GOSPAN_FREE_NOT_ALLOCATED,	/* gospan's page, but free: a double free? */
	GOSPAN_FREE_INTERIOR,	/* inside an object, not at its start */
	GOSPAN_FREE_NOT_LARGE,	/* in a span of small objects */
	GOSPAN_FREE_WRONG_CACHE,	/* in a span of another cache's class */
	GOSPAN_FREE_STACK,	/* a stack (stack.c), not an object */
};

/* The tiny-block state of the block holding address addr of span s. */
static inline atomic_t *gospan_tiny_state_of(struct gospan_mspan *s, unsigned long addr)
{
	return &s->tiny_state[(addr - s->base) / GOSPAN_TINY_SIZE];
}

/*
 * The tiny-block state of a span a bad pointer may have found, or NULL: a
 * span of tiny blocks is in the span map before gospan_mcentral_grow()
 * gives it its state (published with a release, after its fields).
 */
static inline atomic_t *gospan_tiny_state_or_null(struct gospan_mspan *s)
{
	return smp_load_acquire(&s->tiny_state);	/* pairs with carve()'s release */
}

/* Whether a tiny object starts at p (racy, as gospan_span_allocated()). */
static inline bool gospan_tiny_allocated(struct gospan_mspan *s, const void *p)
{
	atomic_t *state = gospan_tiny_state_or_null(s);

	return state && (atomic_read(&state[((unsigned long)p - s->base) / GOSPAN_TINY_SIZE]) &
			 BIT(((unsigned long)p - s->base) % GOSPAN_TINY_SIZE));
}

bool gospan_span_allocated(struct gospan_mspan *s, unsigned int idx);
unsigned long gospan_span_fold_word(struct gospan_mspan *s, unsigned int w,
				    unsigned long window);
unsigned long gospan_span_claim_word(struct gospan_mspan *s, unsigned int w);
void gospan_span_sweep(struct gospan_mspan *s);
enum gospan_free_error gospan_span_free_remote(struct gospan_mspan *s, const void *p,
					       bool tracked);
unsigned int gospan_span_free_remote_many(struct gospan_mspan *s, void **objs,
					  unsigned int n, unsigned long *lost);

#endif /* _GOSPAN_MSPAN_H */
