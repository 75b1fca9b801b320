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
#include <linux/lockdep.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sizes.h>
#include <linux/types.h>

#include "internal.h"
#include "mcentral.h"
#include "mspan.h"
#include "mstats.h"

/**
 * struct gospan_mcache_class - one span class in one CPU's mcache
 * @window: bit i set: object @word * 64 + i of @span is free and this
 *	CPU's to hand out (Go's allocCache, unshifted, and written back to by
 *	this CPU's frees)
 * @base: the address of object @word * 64, the window's bit 0
 * @remote: &span->freed_bits[@word]: frees from elsewhere into the window's
 *	word, folded in when it is not 0; &gospan_no_remote, a word that is
 *	always 0, when there is no span. It also names the span the class
 *	allocates from (Go's mcache.alloc): gospan_mcache_span().
 * @fastdiv: ceil(2^64 / @elemsize), for gospan_fastdiv()
 * @elemsize: object size
 * @wbytes: bytes from @base that the window's objects cover; 0 when there
 *	is no span (and for tiny blocks), so that no address is in it
 * @sbytes: bytes from @sbase that the span's objects cover; 0 likewise
 * @word: the word of the span's bitmaps the window stands for
 * @nmalloc: objects this CPU handed out from its windows (mstats.c)
 * @nfree: objects this CPU freed into its spans (mstats.c)
 * @sbase: the span's base
 * @seq: odd while @remote, @word or @base change, so that another CPU can
 *	read them consistently (gospan_span_free_remote())
 * @kept: spans of the class this CPU keeps beside the one it allocates
 *	from, linked through their @list (SLUB's per-CPU partial slabs): at
 *	most the mcentral's @nkept_max; those that regained room on this CPU
 *	first, the ones it filled last (a refill looks at the first few:
 *	take_kept()). Their alloc bits
 *	are this CPU's, exact (no window), and their @alloc_count counts
 *	them; their @cpu is this CPU. An object of one that is freed on this
 *	CPU is free again at once, in place (gospan_mcache_free_held()).
 * @nkept: spans on @kept
 *
 * Every field belongs to the CPU, under its mcache lock (struct
 * gospan_mcache_local); other CPUs only read @remote, @word, @window and
 * @seq, and the statistics. The fields the fast paths use, in the
 * window's word, are in the first 64 bytes.
 */
struct gospan_mcache_class {
	unsigned long window;
	unsigned long base;
	unsigned long *remote;
	u64 fastdiv;
	unsigned int elemsize;
	unsigned int wbytes;
	unsigned int sbytes;
	u16 word;
	unsigned long nmalloc;
	unsigned long nfree;
	unsigned long sbase;
	u32 seq;
	u32 nkept;
	struct list_head kept;
} __aligned(128);

/* What a window's @remote points at when there is no span: always 0. */
extern unsigned long gospan_no_remote;

/* The span whose freed_bits[word] is at remote. */
static __always_inline struct gospan_mspan *gospan_window_span(unsigned long *remote,
							       unsigned int word)
{
	return container_of(remote - word, struct gospan_mspan, freed_bits[0]);
}

/**
 * gospan_mcache_span() - the span a class of an mcache allocates from
 * @rec: the class in the mcache
 *
 * Context: the mcache's lock held, or a racy look (gospan_span_free_remote()).
 * Return: the span, or NULL.
 */
static inline struct gospan_mspan *gospan_mcache_span(const struct gospan_mcache_class *rec)
{
	unsigned long *remote = READ_ONCE(rec->remote);

	if (remote == &gospan_no_remote)
		return NULL;
	return gospan_window_span(remote, READ_ONCE(rec->word));
}

/**
 * gospan_mcache_peek() - another CPU's span and window for a class
 * @rec: the class in that CPU's mcache
 * @window: set to the window, read consistently with the span
 *
 * For statistics: a racy look made consistent by @rec's seq. The span may
 * leave the mcache at once; the caller's RCU section keeps its descriptor.
 *
 * Context: Any context, in an RCU read-side section.
 * Return: the span, or NULL (none, or the CPU was changing it).
 */
static inline struct gospan_mspan *gospan_mcache_peek(const struct gospan_mcache_class *rec,
						      unsigned long *window)
{
	u32 seq = READ_ONCE(rec->seq);
	unsigned long *remote;
	unsigned int word;

	if (seq & 1)
		return NULL;
	smp_rmb();	/* pairs with set_window()'s smp_wmb()s */
	remote = READ_ONCE(rec->remote);
	word = READ_ONCE(rec->word);
	*window = READ_ONCE(rec->window);
	smp_rmb();	/* the fields before seq again */
	if (READ_ONCE(rec->seq) != seq || remote == &gospan_no_remote)
		return NULL;
	return gospan_window_span(remote, word);
}

/**
 * struct gospan_mcache_local - the rest of one CPU's mcache
 * @busy: the mcache lock. Set while a context of the CPU uses the mcache,
 *	with preemption off (or migration off, in the slow path on
 *	PREEMPT_RT): an interrupt, or on PREEMPT_RT a task, that finds it set
 *	does not wait but allocates from the mcentral directly and frees as a
 *	remote CPU does. The kernel's local_trylock(), which 6.1 and 6.12
 *	lack. Protects every field of the CPU's mcache, and the allocation
 *	state of the spans it holds.
 * @tiny: the current tiny block (Go's tiny), 0 if none
 * @tinyoffset: the next free byte in it
 * @kept_pages: pages of the spans the CPU keeps (struct
 *	gospan_mcache_class's @kept), at most GOSPAN_KEPT_PAGES
 * @kept_empty_pages: those of them in spans with no object allocated as
 *	this CPU sees them (alloc_count 0): what a drain gives back to the
 *	heap at least, which the shrinker counts
 *
 * A static per-CPU variable, so that the fast paths test and set @busy
 * with one %gs-relative instruction each. The cache never holds @busy
 * across a sleeping allocation: a refill that has to grow the heap drops
 * it and takes it again, maybe on another CPU.
 */
struct gospan_mcache_local {
	unsigned int busy;
	unsigned int tinyoffset;
	unsigned long tiny;
	unsigned long kept_pages;
	unsigned long kept_empty_pages;
};

/* The most pages of kept spans one CPU holds, all classes together: 1 MiB. */
#define GOSPAN_KEPT_PAGES	(SZ_1M / GOSPAN_PAGE_SIZE)

DECLARE_PER_CPU(struct gospan_mcache_local, gospan_mcache_local);

/*
 * "The mcache lock held" for CPU cpu's mcache, asserted as lockdep asserts
 * a lock (a no-op without CONFIG_LOCKDEP): its busy flag is set.
 */
#define gospan_mcache_assert_held(cpu) \
	lockdep_assert(READ_ONCE(per_cpu(gospan_mcache_local, cpu).busy))

/**
 * struct gospan_mcache - one CPU's cache (Go's mcache): its span classes
 * @cls: per span class, a cache line pair each (32 KiB in all, the most
 *	alloc_percpu() gives; struct gospan_mcache_local has the rest)
 */
struct gospan_mcache {
	struct gospan_mcache_class cls[GOSPAN_NUM_SPAN_CLASSES];
};

/* Allocated at init: too large for a module's static per-CPU reserve. */
extern struct gospan_mcache __percpu *gospan_mcaches;

/*
 * The x86 per-CPU operand of a variable: 6.12's macro, or 6.1's variable
 * itself (its asm adds the %gs: prefix). gospan's whole compat surface
 * for per-CPU asm, and gospan_mcache_test_and_set_busy() its only user.
 */
#ifdef __my_cpu_var
#define gospan_my_cpu_var(var)	__my_cpu_var(var)
#else
#define gospan_my_cpu_var(var)	(var)
#endif

/*
 * Set this CPU's busy flag. Return: whether it was set already. On x86 one
 * instruction, bts on the %gs-relative flag, with no LOCK prefix: only this
 * CPU writes the flag (and the CPU hotplug callback, once the CPU is
 * dead: mcache.c). Elsewhere a read and a write, which are just as
 * safe: an interrupt that comes between them finds the flag clear, and
 * leaves it clear. The caller has preemption off.
 */
static __always_inline bool gospan_mcache_test_and_set_busy(void)
{
#ifdef CONFIG_X86_64
	bool was;

	asm volatile("btsl $0, " __percpu_arg([busy]) CC_SET(c)
		     : CC_OUT(c) (was),
		       [busy] "+m" (gospan_my_cpu_var(gospan_mcache_local.busy))
		     : : "memory");
	return was;
#else
	if (this_cpu_read(gospan_mcache_local.busy))
		return true;
	this_cpu_write(gospan_mcache_local.busy, 1);
	barrier();
	return false;
#endif
}

/**
 * gospan_mcache_lock_fast() - take this CPU's mcache, if no one has it
 *
 * The fast paths' lock: preemption off, then the busy flag, which only
 * this CPU reads and writes (an interrupt that sees it clear runs to
 * completion before the interrupted code goes on). Never spins. The fast
 * paths then read and write their class in this CPU's mcache field by
 * field, with __this_cpu ops on a gospan_mcache_rec() (a cache keeps its
 * own): each a %gs-relative instruction, with no pointer to compute.
 *
 * Context: Any context but NMI.
 * Return: true with the mcache locked; false (preemption as before) if it
 * is busy.
 */
static __always_inline bool gospan_mcache_lock_fast(void)
{
	preempt_disable();
	if (unlikely(gospan_mcache_test_and_set_busy())) {
		preempt_enable();
		return false;
	}
	return true;
}

/*
 * Release the mcache that gospan_mcache_lock_fast() took, but not
 * preemption: the caller goes on in the RCU read-side section that
 * preemption off is, and then calls preempt_enable().
 */
static __always_inline void gospan_mcache_unlock_keep_preempt(void)
{
	barrier();
	this_cpu_write(gospan_mcache_local.busy, 0);
}

/* Release what gospan_mcache_lock_fast() took. */
static __always_inline void gospan_mcache_unlock_fast(void)
{
	gospan_mcache_unlock_keep_preempt();
	preempt_enable();
}

/**
 * gospan_mcache_trylock() - gospan_mcache_lock_fast(), with the mcache
 * @mcp: set to this CPU's mcache
 *
 * Context: Any context but NMI.
 * Return: true with the mcache locked; false if it is busy.
 */
static __always_inline bool gospan_mcache_trylock(struct gospan_mcache **mcp)
{
	if (!gospan_mcache_lock_fast())
		return false;
	*mcp = this_cpu_ptr(gospan_mcaches);
	return true;
}

/* Release what gospan_mcache_trylock() took. */
static __always_inline void gospan_mcache_unlock(struct gospan_mcache *mc)
{
	gospan_mcache_unlock_fast();
}

/* A class of every CPU's mcache: this_cpu_ptr() of it is this CPU's. */
static __always_inline struct gospan_mcache_class __percpu *gospan_mcache_rec(unsigned int spc)
{
	return &gospan_mcaches->cls[spc];
}

/* The span class of a gospan_mcache_rec(). */
static inline unsigned int gospan_mcache_rec_class(struct gospan_mcache_class __percpu *pcp)
{
	return ((__force unsigned long)pcp - (__force unsigned long)gospan_mcaches) /
	       sizeof(struct gospan_mcache_class);
}

struct gospan_mcache *gospan_mcache_lock_slow(void);
void gospan_mcache_unlock_slow(struct gospan_mcache *mc);
void *gospan_mcache_alloc_slow(unsigned int spanclass, gfp_t gfp);

/**
 * gospan_mcache_alloc_fast() - allocate one object from this CPU's window
 * @pcp: the span class in every CPU's mcache (gospan_mcache_rec()); class
 *	0 (no window, ever) sends every request to the slow path, which the
 *	tiny allocator uses
 * @pp: set to the object
 *
 * The fast path, inlined into its callers: find-first-set in this CPU's
 * window for the class, clear the bit, count it. Anything else is the
 * caller's slow path (gospan_mcache_alloc_slow()), which the caller calls
 * itself, so that this path needs no registers saved; the answer is a
 * bool rather than a NULL object, so that once inlined the caller's test
 * of it folds into this function's own branches. A window whose word has
 * frees from other CPUs waiting goes to the slow path, which folds them in
 * first: they are reusable at once, and a double free that raced into the
 * window is found before its object can be handed out. The object is not
 * zeroed.
 *
 * Context: Any context but NMI.
 * Return: true with *@pp set; false if the slow path must run.
 */
static __always_inline bool gospan_mcache_alloc_fast(struct gospan_mcache_class __percpu *pcp,
						     void **pp)
{
	unsigned long w;

	if (unlikely(!gospan_mcache_lock_fast()))
		return false;
	w = __this_cpu_read(pcp->window);
	if (unlikely(!w || READ_ONCE(*__this_cpu_read(pcp->remote)))) {
		gospan_mcache_unlock_fast();
		return false;
	}
	this_cpu_write(pcp->window, w & (w - 1));	/* read by free_in_window() */
	__this_cpu_inc(pcp->nmalloc);
	*pp = (void *)(__this_cpu_read(pcp->base) + __ffs(w) * __this_cpu_read(pcp->elemsize));
	gospan_mcache_unlock_fast();
	return true;
}

/**
 * __gospan_mcache_free_fast() - free an object of this CPU's span in place
 * @pcp: the object's span class in every CPU's mcache
 *	(gospan_mcache_rec()); maybe a stale guess: a pointer that is not in
 *	the class's span is simply not taken
 * @p: the object
 *
 * The free fast path, inlined: if @p is an object of the span this CPU
 * allocates from, and is neither free already nor freed elsewhere, it is
 * free again at once, with no lock, no atomic instruction and no span
 * lookup: in the window's word its bit goes back into the window, in any
 * other word its alloc bit is cleared (this CPU owns them), for the next
 * claim of that word. kmemleak hears of it first; with init_on_free on,
 * the slow path frees it (and zeroes it). Tiny blocks are never taken
 * (their @sbytes is 0).
 *
 * Context: Any context but NMI; this CPU's mcache locked
 * (gospan_mcache_lock_fast()).
 * Return: true if it freed @p; false if the caller must take the slow
 * path (which also reports bad pointers).
 */
static __always_inline bool __gospan_mcache_free_fast(struct gospan_mcache_class __percpu *pcp,
						      const void *p)
{
	unsigned long off = (unsigned long)p - __this_cpu_read(pcp->base), idx, bit, w, alloc;
	struct gospan_mspan *s;

	/* init_on_free zeroes in the slow path, out of line. */
	if (unlikely(want_init_on_free()))
		return false;
	if (likely(off < __this_cpu_read(pcp->wbytes))) {
		/* In the window's word: its bit goes back into the window. */
		if (unlikely(!gospan_fastdiv(off, __this_cpu_read(pcp->fastdiv), &idx)))
			return false;
		w = __this_cpu_read(pcp->window);
		if (unlikely((w | READ_ONCE(*__this_cpu_read(pcp->remote))) & BIT(idx)))
			return false;
		kmemleak_free(p);
		this_cpu_write(pcp->window, w | BIT(idx));
		__this_cpu_inc(pcp->nfree);
		return true;
	}
	/* Another word of the span: clear its alloc bit (this CPU owns them). */
	off = (unsigned long)p - __this_cpu_read(pcp->sbase);
	if (unlikely(off >= __this_cpu_read(pcp->sbytes)))
		return false;
	if (unlikely(!gospan_fastdiv(off, __this_cpu_read(pcp->fastdiv), &idx)))
		return false;
	w = BIT_WORD(idx);
	bit = BIT_MASK(idx);
	s = gospan_window_span(__this_cpu_read(pcp->remote), __this_cpu_read(pcp->word));
	alloc = s->alloc_bits[w];
	if (unlikely(!(alloc & bit) || (READ_ONCE(s->freed_bits[w]) & bit)))
		return false;
	kmemleak_free(p);
	WRITE_ONCE(s->alloc_bits[w], alloc & ~bit);
	__this_cpu_inc(pcp->nfree);
	return true;
}

/*
 * An object of s, a span this CPU keeps (on rec's list), was freed in
 * place: count it out of alloc_count. A span that was full has room now:
 * it goes first, to be taken first. One with nothing left allocated
 * counts for the shrinker (struct gospan_mcache_local's @kept_empty_pages).
 */
static inline void gospan_kept_freed(struct gospan_mcache_class *rec, struct gospan_mspan *s)
{
	struct gospan_mcache_local *lc;
	unsigned int n = s->alloc_count;

	if (n == s->nelems)
		list_move(&s->list, &rec->kept);
	if (n == 1) {
		lc = this_cpu_ptr(&gospan_mcache_local);
		WRITE_ONCE(lc->kept_empty_pages, lc->kept_empty_pages + s->npages);
	}
	WRITE_ONCE(s->alloc_count, n - 1);
}

/**
 * gospan_mcache_free_kept() - free an object of a span this CPU keeps
 * @pcp: the span class in every CPU's mcache (gospan_mcache_rec())
 * @s: the object's span, of that class, with @s->cpu this CPU: the span
 *	it allocates from, or one it keeps; the caller is in an RCU
 *	read-side section
 * @p: the object
 *
 * The fast paths' second try, inlined after a span lookup: an object of
 * a kept span that is allocated and not freed elsewhere has its alloc bit
 * cleared (this CPU owns them), with no atomic instruction. The span that
 * the window is over is not taken (the first try turned it down), nor is
 * anything else: gospan_mcache_free_held() then gives the answer, and
 * zeroes for init_on_free. @pcp's @fastdiv is the class's: this CPU
 * allocated from @s, so it installed the class since the class began.
 *
 * Context: Any context but NMI; this CPU's mcache locked.
 * Return: true if it freed @p.
 */
static __always_inline bool gospan_mcache_free_kept(struct gospan_mcache_class __percpu *pcp,
						    struct gospan_mspan *s, const void *p)
{
	unsigned long off = (unsigned long)p - s->base, idx, w, bit, alloc;
	unsigned int n;

	if (unlikely(want_init_on_free()) || s->base == __this_cpu_read(pcp->sbase))
		return false;
	if (unlikely(!gospan_fastdiv(off, __this_cpu_read(pcp->fastdiv), &idx) ||
		     idx >= s->nelems))
		return false;
	w = BIT_WORD(idx);
	bit = BIT_MASK(idx);
	alloc = s->alloc_bits[w];
	if (unlikely(!(alloc & bit) || (READ_ONCE(s->freed_bits[w]) & bit)))
		return false;
	kmemleak_free(p);
	WRITE_ONCE(s->alloc_bits[w], alloc & ~bit);
	n = s->alloc_count;
	/* Full until now, or now empty: gospan_kept_freed() has work. */
	if (unlikely(n == s->nelems || n == 1))
		gospan_kept_freed(this_cpu_ptr(pcp), s);
	else
		WRITE_ONCE(s->alloc_count, n - 1);
	__this_cpu_inc(pcp->nfree);
	return true;
}

enum gospan_free_error gospan_mcache_free(struct gospan_mspan *s, const void *p,
					  bool tracked);
enum gospan_free_error gospan_mcache_free_held(struct gospan_mcache *mc,
					       struct gospan_mspan *s, const void *p,
					       bool tracked);
unsigned int gospan_mcache_alloc_batch(unsigned int spanclass, void **objs,
				       unsigned int n, gfp_t gfp);
void *gospan_mcache_alloc_tiny(size_t size, gfp_t gfp);

enum gospan_free_error gospan_free_tiny(struct gospan_mspan *s, const void *p,
					size_t size);
void gospan_mcache_drain_all(unsigned int spanclass);
bool gospan_mcache_try_drain_all(void);
struct gospan_mcache *gospan_mcache_of(unsigned int cpu);
int gospan_mcache_init(void);
void gospan_mcache_exit(void);

/* gospan_mcache_drain_all(): every span class. */
#define GOSPAN_ALL_SPANCLASSES	GOSPAN_NUM_SPAN_CLASSES

#endif /* _GOSPAN_MCACHE_H */
