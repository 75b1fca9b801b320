/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-CPU caches (Go's runtime/mcache.go): each CPU, standing in for
 * Go's P, holds one span per span class and allocates from a window over
 * one word of its allocBits, with no lock and no atomic instruction. Its
 * place in the allocator is steps 2 and 3 at the top of gospan.c, which
 * also explains the window and why a double free is always caught.
 */
#ifndef _GOSPAN_MCACHE_H
#define _GOSPAN_MCACHE_H

#include <linux/compiler.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/types.h>

#include "internal.h"
#include "mcentral.h"
#include "mstats.h"

/**
 * struct gospan_mcache_class - one span class in one CPU's mcache
 * @window: bit i set: object @word * 64 + i of @span is free and this
 *	CPU's to hand out (Go's allocCache, unshifted, and written back to by
 *	this CPU's frees)
 * @base: the address of object @word * 64, the window's bit 0
 * @remote: &@span->freed_bits[@word]: frees from elsewhere into the window's
 *	word, folded in when it is not 0; a word that is always 0 when there
 *	is no span
 * @span: the span the class allocates from (Go's mcache.alloc), or NULL
 * @nmalloc: objects this CPU handed out from its windows (mstats.c)
 * @nfree: objects this CPU freed into its windows (mstats.c)
 * @elemsize: object size
 * @divmul: the span class's ceil(2^32 / @elemsize)
 * @wbytes: bytes from @base that the window's objects cover; 0 when there
 *	is no span, so that no address is in the window
 * @word: the word of @span's bitmaps the window stands for
 * @seq: odd while @span, @word or @base change, so that another CPU can
 *	read them consistently (gospan_span_free_remote())
 *
 * Every field belongs to the CPU, under its mcache lock (struct
 * gospan_mcache); other CPUs only read @span, @word, @window and @seq, and
 * the statistics.
 */
struct gospan_mcache_class {
	unsigned long window;
	unsigned long base;
	unsigned long *remote;
	struct gospan_mspan *span;
	unsigned long nmalloc;
	unsigned long nfree;
	unsigned int elemsize;
	u32 divmul;
	unsigned int wbytes;
	u16 word;
	u16 seq;
} __aligned(64);

/**
 * struct gospan_mcache - one CPU's cache (Go's mcache)
 * @busy: the mcache lock. Set while a context of the CPU uses the mcache,
 *	with preemption off (or migration off, in the slow path on
 *	PREEMPT_RT): an interrupt, or on PREEMPT_RT a task, that finds it set
 *	does not wait but allocates from the mcentral directly and frees as a
 *	remote CPU does. The kernel's local_trylock(), which 6.1 and 6.12
 *	lack. Protects every field, and the allocation state of the spans held.
 * @tiny: the current tiny block (Go's tiny), 0 if none
 * @tinyoffset: the next free byte in it
 * @cls: per span class
 *
 * The cache never holds @busy across a sleeping allocation: a refill that
 * has to grow the heap drops it and takes it again, maybe on another CPU.
 */
struct gospan_mcache {
	u8 busy;
	unsigned int tinyoffset;
	unsigned long tiny;
	struct gospan_mcache_class cls[GOSPAN_NUM_SPAN_CLASSES];
};

/* Allocated at init: too large for a module's static per-CPU reserve. */
extern struct gospan_mcache __percpu *gospan_mcaches;

/**
 * gospan_mcache_trylock() - take this CPU's mcache, if no one has it
 *
 * The fast paths' lock: preemption off, then the busy flag, which only
 * this CPU reads and writes (an interrupt that sees it clear runs to
 * completion before the interrupted code goes on). Never spins.
 *
 * @mcp: set to this CPU's mcache
 *
 * Context: Any context but NMI.
 * Return: true with the mcache locked; false (preemption as before) if it
 * is busy.
 */
static __always_inline bool gospan_mcache_trylock(struct gospan_mcache **mcp)
{
	struct gospan_mcache *mc;

	preempt_disable();
	mc = this_cpu_ptr(gospan_mcaches);
	if (unlikely(READ_ONCE(mc->busy))) {
		preempt_enable();
		return false;
	}
	WRITE_ONCE(mc->busy, 1);
	barrier();
	*mcp = mc;
	return true;
}

/* Release what gospan_mcache_trylock() took. */
static __always_inline void gospan_mcache_unlock(struct gospan_mcache *mc)
{
	barrier();
	WRITE_ONCE(mc->busy, 0);
	preempt_enable();
}

void *gospan_mcache_alloc_slow(unsigned int spanclass, gfp_t gfp);

/**
 * gospan_mcache_alloc() - allocate one object of a span class
 * @spanclass: the span class, with an mcentral; 0 for the tiny allocator
 *	(whose window is always empty: its objects take the slow path)
 * @gfp: allocation flags; a refill that must grow the heap sleeps only if
 *	they allow it, and never with the mcache locked
 *
 * The fast path, inlined into its callers: find-first-set in this CPU's
 * window for the class, clear the bit, count it; anything else is
 * gospan_mcache_alloc_slow(). A window whose word has frees from other
 * CPUs waiting goes to the slow path, which folds them in first (that is
 * also what keeps a double free that raced into the window from being
 * handed out). The object is not zeroed.
 *
 * Context: Any context that @gfp allows, but NMI.
 * Return: the object, or NULL when memory ran out.
 */
static __always_inline void *gospan_mcache_alloc(unsigned int spanclass, gfp_t gfp)
{
	struct gospan_mcache_class *rec;
	struct gospan_mcache *mc;
	unsigned long w;
	void *p;

	if (unlikely(!gospan_mcache_trylock(&mc)))
		return gospan_mcache_alloc_slow(spanclass, gfp);
	rec = &mc->cls[spanclass];
	w = rec->window;
	if (unlikely(!w || READ_ONCE(*rec->remote))) {
		gospan_mcache_unlock(mc);
		return gospan_mcache_alloc_slow(spanclass, gfp);
	}
	rec->window = w & (w - 1);
	rec->nmalloc++;
	p = (void *)(rec->base + __ffs(w) * rec->elemsize);
	gospan_mcache_unlock(mc);
	return p;
}

/**
 * __gospan_mcache_free_fast() - free an object into this CPU's window
 * @mc: this CPU's mcache, locked by the caller
 * @spanclass: the object's span class (maybe a stale guess: a pointer that
 *	is not in the class's window is simply not taken)
 * @p: the object
 *
 * The free fast path, inlined: if @p is in this CPU's window for the
 * class, is an object's start, and is neither free in the window nor freed
 * elsewhere already, its bit is set again: reusable at once, with no lock,
 * no atomic instruction and no span lookup. The free hook runs first.
 * Tiny blocks are never in a window's range (set_window() in mcache.c).
 *
 * Context: Any context but NMI; @mc locked.
 * Return: true if it freed @p; false if the caller must take the slow
 * path (which also reports bad pointers).
 */
static __always_inline bool __gospan_mcache_free_fast(struct gospan_mcache *mc,
						      unsigned int spanclass, const void *p)
{
	struct gospan_mcache_class *rec = &mc->cls[spanclass];
	unsigned long off = (unsigned long)p - rec->base, idx;

	if (unlikely(off >= rec->wbytes))
		return false;
	idx = (off * rec->divmul) >> 32;
	if (unlikely(idx * rec->elemsize != off ||
		     ((rec->window | READ_ONCE(*rec->remote)) & BIT(idx))))
		return false;
	gospan_free_hook(p, rec->elemsize, spanclass);
	rec->window |= BIT(idx);
	rec->nfree++;
	return true;
}

/**
 * gospan_mcache_free_fast() - __gospan_mcache_free_fast(), taking the lock
 * @spanclass: the object's span class
 * @p: the object
 *
 * Context: Any context but NMI.
 * Return: true if it freed @p; false if the caller must take the slow path.
 */
static __always_inline bool gospan_mcache_free_fast(unsigned int spanclass, const void *p)
{
	struct gospan_mcache *mc;
	bool done;

	if (unlikely(!gospan_mcache_trylock(&mc)))
		return false;
	done = __gospan_mcache_free_fast(mc, spanclass, p);
	gospan_mcache_unlock(mc);
	return done;
}

enum gospan_free_error gospan_mcache_free(struct gospan_mspan *s, const void *p,
					  bool tracked);
unsigned int gospan_mcache_alloc_batch(unsigned int spanclass, void **objs,
				       unsigned int n, gfp_t gfp);
void *gospan_mcache_alloc_tiny(size_t size, gfp_t gfp);

enum gospan_free_error gospan_free_tiny(struct gospan_mspan *s, const void *p);
void gospan_mcache_drain_all(unsigned int spanclass);
struct gospan_mcache *gospan_mcache_of(unsigned int cpu);
int gospan_mcache_init(void);
void gospan_mcache_exit(void);

/* gospan_mcache_drain_all(): every span class. */
#define GOSPAN_ALL_SPANCLASSES	GOSPAN_NUM_SPAN_CLASSES

#endif /* _GOSPAN_MCACHE_H */
