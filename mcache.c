// SPDX-License-Identifier: GPL-2.0
/*
 * Go's mcache (runtime/mcache.go): refill (nextFree), the slow paths of the
 * window (mcache.h has the fast paths), the spans a CPU keeps, bulk
 * allocation, the tiny allocator, draining. The top of gospan.c places it
 * in the allocation path (steps 2 and 3).
 *
 * Kept spans (struct gospan_mcache_class's @kept, SLUB's per-CPU partial
 * slabs): a span the window leaves full stays with the CPU, up to its
 * mcentral's nkept_max (and GOSPAN_KEPT_PAGES for all classes), and refill
 * takes a kept span with an object to hand out before it asks the
 * mcentral. While kept, a span is the CPU's as the one it allocates from
 * is (@cpu, the alloc bits, and alloc_count, which counts the alloc bits
 * set), except that no window covers it: its alloc bits alone say which
 * objects are free, its objects freed on this CPU clear them in place,
 * and those freed elsewhere set freed bits, folded when the span is
 * installed again. It is on no mcentral list (in_list is
 * GOSPAN_LIST_NONE), so frees never move it; a drain gives every kept
 * span back.
 */
#include <linux/bitops.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/workqueue.h>

#include "mcache.h"
#include "mspan.h"
#include "mstats.h"
#include "stack.h"

struct gospan_mcache __percpu *gospan_mcaches;
DEFINE_PER_CPU(struct gospan_mcache_local, gospan_mcache_local);

/* What a window's remote word points at when there is no span (mcache.h). */
unsigned long gospan_no_remote;
EXPORT_SYMBOL_NS_GPL(gospan_no_remote, GOSPAN_INTERNAL);

/**
 * gospan_mcache_of() - a CPU's mcache, for tests and statistics
 * @cpu: the CPU
 *
 * Context: Any context; what it points to changes under the CPU's lock.
 * Return: the mcache.
 */
struct gospan_mcache *gospan_mcache_of(unsigned int cpu)
{
	return per_cpu_ptr(gospan_mcaches, cpu);
}
EXPORT_SYMBOL_NS_GPL(gospan_mcache_of, GOSPAN_INTERNAL);

/**
 * gospan_mcache_lock_slow() - take this CPU's mcache in the slow paths
 *
 * gospan_mcache_trylock(), but on PREEMPT_RT with migration rather than
 * preemption off, so that the mcentral and heap locks (sleeping spinlock_t
 * there) may be taken under it. A task that preempts the holder finds the
 * mcache busy, like an interrupt elsewhere.
 *
 * Context: Any context but NMI.
 * Return: the mcache, locked; NULL if it is busy.
 */
struct gospan_mcache *gospan_mcache_lock_slow(void)
{
	struct gospan_mcache *mc;

	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		return gospan_mcache_trylock(&mc) ? mc : NULL;
	migrate_disable();
	preempt_disable();	/* test and set, with no other task between */
	if (this_cpu_read(gospan_mcache_local.busy)) {
		preempt_enable();
		migrate_enable();
		return NULL;
	}
	this_cpu_write(gospan_mcache_local.busy, 1);
	preempt_enable();
	return this_cpu_ptr(gospan_mcaches);
}
EXPORT_SYMBOL_NS_GPL(gospan_mcache_lock_slow, GOSPAN_INTERNAL);

/**
 * gospan_mcache_unlock_slow() - release what gospan_mcache_lock_slow() took
 * @mc: the mcache
 *
 * Context: Any context but NMI.
 */
void gospan_mcache_unlock_slow(struct gospan_mcache *mc)
{
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		return gospan_mcache_unlock(mc);
	barrier();
	this_cpu_write(gospan_mcache_local.busy, 0);
	migrate_enable();
}
EXPORT_SYMBOL_NS_GPL(gospan_mcache_unlock_slow, GOSPAN_INTERNAL);

/* Point the window at word w of s, with the objects in avail. */
static void set_window(struct gospan_mcache_class *rec, struct gospan_mspan *s,
		       unsigned int w, unsigned long avail)
{
	WRITE_ONCE(rec->seq, rec->seq + 1);
	smp_wmb();	/* seq odd before the fields: gospan_span_free_remote() */
	WRITE_ONCE(rec->word, w);
	rec->base = s->base + (unsigned long)w * BITS_PER_LONG * s->elemsize;
	/* Tiny blocks hold several objects: their frees never use the window. */
	rec->wbytes = s->spanclass == GOSPAN_TINY_SPANCLASS ? 0 :
		      min_t(unsigned int, s->nelems - w * BITS_PER_LONG, BITS_PER_LONG) *
		      s->elemsize;
	WRITE_ONCE(rec->remote, &s->freed_bits[w]);
	WRITE_ONCE(rec->window, avail);
	smp_wmb();	/* the fields before seq even */
	WRITE_ONCE(rec->seq, rec->seq + 1);
}

/*
 * The window is empty: fold frees into its word, or claim the next word
 * with free objects, going round the span once (Go's nextFreeIndex and
 * refillAllocCache, a word at a time). Return: false if the span is full.
 */
static bool refill_window(struct gospan_mcache_class *rec)
{
	struct gospan_mspan *s = gospan_mcache_span(rec);
	unsigned int w, i, nw;
	unsigned long avail;

	if (!s)
		return false;
	avail = READ_ONCE(*rec->remote) ? gospan_span_fold_word(s, rec->word, rec->window) : 0;
	if (avail) {
		WRITE_ONCE(rec->window, rec->window | avail);
		return true;
	}
	if (rec->window)
		return true;
	/*
	 * The other words: the window's own has nothing to claim, since this
	 * CPU frees its objects into the window, and its frees from elsewhere
	 * were just folded.
	 */
	nw = BITS_TO_LONGS(s->nelems);
	for (i = 1, w = rec->word; i < nw; i++) {
		if (++w == nw)
			w = 0;
		avail = gospan_span_claim_word(s, w);
		if (avail) {
			set_window(rec, s, w, avail);
			return true;
		}
	}
	return false;
}

/*
 * Give back the window of the class's span, and return the span (or NULL),
 * still this CPU's: its alloc bits exact, and counted in its alloc_count.
 */
static struct gospan_mspan *detach(struct gospan_mcache_class *rec)
{
	struct gospan_mspan *s = gospan_mcache_span(rec);
	unsigned int w = rec->word, i, count = 0;
	unsigned long window;

	if (!s)
		return NULL;
	window = rec->window;
	if (READ_ONCE(*rec->remote))
		window |= gospan_span_fold_word(s, w, window);
	WRITE_ONCE(s->alloc_bits[w], s->alloc_bits[w] & ~window);
	WRITE_ONCE(rec->seq, rec->seq + 1);
	smp_wmb();	/* see set_window() */
	WRITE_ONCE(rec->remote, &gospan_no_remote);
	WRITE_ONCE(rec->window, 0);
	rec->wbytes = 0;
	rec->sbytes = 0;
	rec->sbase = 0;
	rec->base = 0;
	smp_wmb();	/* the fields before seq even */
	WRITE_ONCE(rec->seq, rec->seq + 1);
	for (i = 0; i < BITS_TO_LONGS(s->nelems); i++)
		count += hweight_long(s->alloc_bits[i]);
	WRITE_ONCE(s->alloc_count, count);
	return s;
}

/*
 * Whether a span this CPU keeps has an object to hand out: one whose
 * alloc bit is clear, or one freed from elsewhere. A positive nfreed means
 * freed bits not yet folded (a free sets its bit before it counts it, and
 * a fold uncounts only the bits it takes; the acquire orders the claim's
 * read of the bits after it), and with every alloc bit set they are all
 * objects a claim will honour.
 */
static bool kept_has_room(const struct gospan_mspan *s)
{
	return s->alloc_count < s->nelems || atomic_read_acquire(&s->nfreed) > 0;
}

/* Count s, just put on or taken off a kept list, in or out of lc's pages. */
static void kept_count(struct gospan_mcache_local *lc, struct gospan_mspan *s, int sign)
{
	long pages = sign * (long)s->npages;

	WRITE_ONCE(lc->kept_pages, lc->kept_pages + pages);
	if (!s->alloc_count)
		WRITE_ONCE(lc->kept_empty_pages, lc->kept_empty_pages + pages);
}

/* Take s off rec's kept list, which is lc's CPU's. */
static void unkeep(struct gospan_mcache_local *lc, struct gospan_mcache_class *rec,
		   struct gospan_mspan *s)
{
	list_del_init(&s->list);
	kept_count(lc, s, -1);
	WRITE_ONCE(rec->nkept, rec->nkept - 1);
}

/*
 * Let go of the class's span (after detach()): this CPU keeps it, at the
 * tail of its kept list, if it keeps fewer than its mcentral's nkept_max
 * (and fewer pages than GOSPAN_KEPT_PAGES in all). Else the first kept
 * span of the class without room makes way for it, the one filled longest
 * ago: a list of spans that stay full would turn keeping off, and the span
 * filled last is the likeliest to see its objects freed soon. (Spans of
 * other classes that stay full can still hold the CPU's budget: they are
 * bounded by it, and a drain gives them back.) Tiny blocks are never
 * freed in place: their spans are not kept. Return: the span the caller
 * gives to the mcentral, cpu -1 (@s or the one that made way), or NULL.
 */
static struct gospan_mspan *keep(struct gospan_mcache_class *rec, unsigned int spc,
				 struct gospan_mspan *s)
{
	struct gospan_mcache_local *lc = this_cpu_ptr(&gospan_mcache_local);
	struct gospan_mspan *out = s;

	if (!s)
		return NULL;
	if (spc == GOSPAN_TINY_SPANCLASS)
		goto give;
	/* Full, or the CPU's budget spent: a span of the class makes way. */
	if (rec->nkept >= gospan_centrals[spc]->nkept_max ||
	    lc->kept_pages + s->npages > GOSPAN_KEPT_PAGES) {
		list_for_each_entry(out, &rec->kept, list)
			if (!kept_has_room(out))
				break;
		if (list_entry_is_head(out, &rec->kept, list)) {
			out = s;
			goto give;
		}
		unkeep(lc, rec, out);
	} else {
		out = NULL;
	}
	list_add_tail(&s->list, &rec->kept);
	kept_count(lc, s, 1);
	WRITE_ONCE(rec->nkept, rec->nkept + 1);
	if (!out)
		return NULL;
give:
	WRITE_ONCE(out->cpu, -1);
	return out;
}

/* Kept spans take_kept() looks at for room, from the head of the list. */
#define KEPT_LOOKS	4

/*
 * A span this CPU keeps that has an object to hand out, off the list: the
 * first of the KEPT_LOOKS at the head that has one. A free on this CPU puts
 * a span that was full first (gospan_mcache_free_held()). One that regains
 * room from other CPUs' frees shows nothing here: it reaches the head in
 * turn, as keep() gives the spans without room there to the mcentral.
 * Looking at every kept span on each refill would cost a pass over a list
 * of full spans per span allocated, in a batch that fills them all.
 */
static struct gospan_mspan *take_kept(struct gospan_mcache_class *rec)
{
	struct gospan_mspan *s;
	unsigned int looks = 0;

	list_for_each_entry(s, &rec->kept, list) {
		if (kept_has_room(s)) {
			unkeep(this_cpu_ptr(&gospan_mcache_local), rec, s);
			return s;
		}
		if (++looks == KEPT_LOOKS)
			break;
	}
	return NULL;
}

/* Let go of the class's span: kept, or given to the mcentral. */
static void uncache(struct gospan_mcache_class *rec, unsigned int spc)
{
	struct gospan_mspan *s = keep(rec, spc, detach(rec));

	if (s)
		gospan_mcentral_uncache_span(gospan_centrals[spc], s);
}

/* Give every span of the class CPU cpu holds back to its mcentral. */
static void uncache_all(struct gospan_mcache_class *rec, unsigned int spc, unsigned int cpu)
{
	struct gospan_mcache_local *lc = per_cpu_ptr(&gospan_mcache_local, cpu);
	struct gospan_mspan *s = detach(rec), *next;

	if (s) {
		WRITE_ONCE(s->cpu, -1);
		gospan_mcentral_uncache_span(gospan_centrals[spc], s);
	}
	list_for_each_entry_safe(s, next, &rec->kept, list) {
		unkeep(lc, rec, s);
		WRITE_ONCE(s->cpu, -1);
		gospan_mcentral_uncache_span(gospan_centrals[spc], s);
	}
}

/*
 * Hold s, a swept span with free objects, and point the window at its
 * first word with free objects. A word whose claim found none has all its
 * bits set: a window over it is empty and claimed, as refill_window()
 * expects.
 */
static void install(struct gospan_mcache_class *rec, struct gospan_mspan *s)
{
	unsigned int w, nw = BITS_TO_LONGS(s->nelems);
	unsigned long avail = 0;

	rec->elemsize = s->elemsize;
	rec->fastdiv = gospan_centrals[s->spanclass]->fastdiv;
	rec->sbase = s->base;
	/* Tiny blocks hold several objects: their frees never take the fast path. */
	rec->sbytes = s->spanclass == GOSPAN_TINY_SPANCLASS ? 0 : s->nelems * s->elemsize;
	WRITE_ONCE(s->cpu, smp_processor_id());
	for (w = 0; w < nw; w++) {
		avail = gospan_span_claim_word(s, w);
		if (avail)
			break;
	}
	set_window(rec, s, avail ? w : 0, avail);
}

/* An object without the mcache, counted as the mcache would. */
static void *alloc_direct(unsigned int spc, gfp_t gfp)
{
	void *p = gospan_mcentral_alloc_direct(gospan_centrals[spc], gfp);

	if (p)
		this_cpu_inc(gospan_mstats->class[spc].mallocs);
	return p;
}

/*
 * Go's mcache.nextFree and refill. Called with the mcache locked (*mcp);
 * may drop the lock to grow the heap and take it again, maybe on another
 * CPU, so *mcp is updated, and NULL if the mcache was busy then (the
 * object comes from the mcentral directly, and the lock is not held).
 */
static void *next_free(struct gospan_mcache **mcp, unsigned int spc, gfp_t gfp)
{
	struct gospan_mcentral *c = gospan_centrals[spc];
	struct gospan_mcache *mc = *mcp;
	struct gospan_mcache_class *rec = &mc->cls[spc];
	struct gospan_mspan *s, *old;
	unsigned long w;

	if (!refill_window(rec)) {
		/* A span this CPU keeps, then the mcentral's (Go's cacheSpan). */
		s = take_kept(rec);
		/* Kept for sure if s was taken: that made room. */
		old = keep(rec, spc, detach(rec));
		if (s) {
			install(rec, s);
			if (likely(rec->window))
				goto take;
			/* Not reached (kept_has_room() says why); as good as full. */
			old = keep(rec, spc, detach(rec));
		}
		s = gospan_mcentral_cache_span(c, old);
		if (!s) {
			/* Growing may sleep: never with the mcache locked. */
			gospan_mcache_unlock_slow(mc);
			s = gospan_mcentral_grow(c, gfp);
			mc = gospan_mcache_lock_slow();
			*mcp = mc;
			if (!mc) {
				if (!s)
					return NULL;
				gospan_mcentral_uncache_span(c, s);
				return alloc_direct(spc, gfp);
			}
			if (!s)
				return NULL;
			rec = &mc->cls[spc];
			/* Another task may have refilled this CPU's class meanwhile. */
			uncache(rec, spc);
		}
		install(rec, s);
	}
take:
	w = rec->window;
	if (unlikely(!w))
		return NULL;
	WRITE_ONCE(rec->window, w & (w - 1));
	rec->nmalloc++;
	return (void *)(rec->base + __ffs(w) * rec->elemsize);
}

/**
 * gospan_mcache_alloc_slow() - allocate when the fast path cannot
 * @spanclass: the span class, with an mcentral
 * @gfp: allocation flags
 *
 * Folds the frees into the window, or moves it on in the span, or takes
 * another span from the mcentral (Go's nextFree, refill); if the mcache is
 * busy, allocates from the mcentral directly.
 *
 * Context: Any context that @gfp allows, but NMI.
 * Return: the object, or NULL when memory ran out.
 */
void *gospan_mcache_alloc_slow(unsigned int spanclass, gfp_t gfp)
{
	struct gospan_mcache *mc = gospan_mcache_lock_slow();
	void *p;

	if (!mc)
		return alloc_direct(spanclass, gfp);
	p = next_free(&mc, spanclass, gfp);
	if (mc)
		gospan_mcache_unlock_slow(mc);
	return p;
}

/**
 * gospan_mcache_free_held() - free an object of a span this CPU holds
 * @mc: this CPU's mcache, locked
 * @s: the object's span, which this CPU holds (@s->cpu is this CPU: the
 *	span it allocates from, or one it keeps); the caller is in an RCU
 *	read-side section
 * @p: the object
 * @tracked: @p was registered with kmemleak
 *
 * In place, with no atomic instruction: into the window if @p is in the
 * window's word, else by clearing its alloc bit (this CPU owns them),
 * which the next claim of its word finds. A kept span counts the object
 * out of its alloc_count, and one that was full goes first on the kept
 * list. Bad pointers are refused as the fast path would refuse them.
 *
 * Context: Any context but NMI; the caller reports the answer.
 * Return: GOSPAN_FREE_OK, or why @p was refused (nothing is changed then).
 */
enum gospan_free_error gospan_mcache_free_held(struct gospan_mcache *mc,
					       struct gospan_mspan *s, const void *p,
					       bool tracked)
{
	struct gospan_mcache_class *rec = &mc->cls[s->spanclass];
	bool allocating = gospan_mcache_span(rec) == s, in_window;
	unsigned long idx, w, bit, alloc;

	gospan_mcache_assert_held(smp_processor_id());
	idx = gospan_span_obj_index(s, p);
	if (idx >= s->nelems || s->base + idx * s->elemsize != (unsigned long)p)
		return GOSPAN_FREE_INTERIOR;
	w = BIT_WORD(idx);
	bit = BIT_MASK(idx);
	alloc = s->alloc_bits[w];
	in_window = allocating && w == rec->word;
	if ((READ_ONCE(s->freed_bits[w]) & bit) ||
	    (in_window ? rec->window & bit : !(alloc & bit)))
		return GOSPAN_FREE_NOT_ALLOCATED;
	if (tracked)
		gospan_free_hook(p, s->elemsize, s->spanclass);
	if (in_window) {
		WRITE_ONCE(rec->window, rec->window | bit);
	} else {
		WRITE_ONCE(s->alloc_bits[w], alloc & ~bit);
		if (!allocating)
			gospan_kept_freed(rec, s);
	}
	rec->nfree++;
	return GOSPAN_FREE_OK;
}

/**
 * gospan_mcache_free() - free a small object, the slow way
 * @s: its span; the caller is in an RCU read-side section
 * @p: the object
 * @tracked: @p was registered with kmemleak
 *
 * For what the fast paths did not take. An object of a span this CPU
 * holds is freed in place (gospan_mcache_free_held()); any other object,
 * or any object while this CPU's mcache is busy, by setting its freed bit.
 *
 * Context: Any context but NMI.
 * Return: GOSPAN_FREE_OK, or why @p was refused (nothing is changed then).
 */
enum gospan_free_error gospan_mcache_free(struct gospan_mspan *s, const void *p,
					  bool tracked)
{
	enum gospan_free_error err;
	struct gospan_mcache *mc;

	/*
	 * Held by another CPU, or by none: a freed bit. A stale look is
	 * harmless: only this CPU makes the span its own, and a freed bit is
	 * right for any span. Under the lock the look is exact.
	 */
	if (READ_ONCE(s->cpu) != raw_smp_processor_id())
		return gospan_span_free_remote(s, p, tracked);
	mc = gospan_mcache_lock_slow();
	if (!mc)
		return gospan_span_free_remote(s, p, tracked);
	if (READ_ONCE(s->cpu) != smp_processor_id()) {
		gospan_mcache_unlock_slow(mc);
		return gospan_span_free_remote(s, p, tracked);
	}
	err = gospan_mcache_free_held(mc, s, p, tracked);
	gospan_mcache_unlock_slow(mc);
	return err;
}

/**
 * gospan_mcache_alloc_batch() - several objects at once, for bulk
 * @spanclass: the span class, with an mcentral
 * @objs: where to put them
 * @n: how many
 * @gfp: allocation flags
 *
 * Takes whole windows under one lock, refilling them from the span and
 * the mcentral as it goes; only a grow of the heap leaves the section (and
 * takes the lock again).
 *
 * Context: Any context that @gfp allows, but NMI.
 * Return: how many objects it put in @objs, 0 to @n (fewer when memory ran
 * out).
 */
unsigned int gospan_mcache_alloc_batch(unsigned int spanclass, void **objs,
				       unsigned int n, gfp_t gfp)
{
	struct gospan_mcache_class *rec;
	struct gospan_mcache *mc;
	unsigned int i = 0;
	unsigned long w;

	mc = gospan_mcache_lock_slow();
	if (!mc)
		goto direct;
	while (i < n) {
		rec = &mc->cls[spanclass];
		w = rec->window;
		if (w && !READ_ONCE(*rec->remote)) {
			unsigned long base = rec->base, size = rec->elemsize, taken = 0;

			while (w && i + taken < n) {
				objs[i + taken++] = (void *)(base + __ffs(w) * size);
				w &= w - 1;
			}
			WRITE_ONCE(rec->window, w);
			rec->nmalloc += taken;
			i += taken;
			continue;
		}
		objs[i] = next_free(&mc, spanclass, gfp);
		if (!mc) {	/* busy after a grow: the rest directly */
			if (!objs[i])
				return i;
			i++;
			goto direct;
		}
		if (!objs[i])
			break;
		i++;
	}
	gospan_mcache_unlock_slow(mc);
	return i;
direct:
	for (; i < n; i++) {
		objs[i] = alloc_direct(spanclass, gfp);
		if (!objs[i])
			break;
	}
	return i;
}

/* The tiny block bit an mcache holds while it allocates from the block. */
#define TINY_HELD	BIT(GOSPAN_TINY_SIZE)

/* Drop the mcache's hold on its tiny block; free the block if it is empty. */
static void tiny_retire(struct gospan_mcache_local *mc)
{
	struct gospan_mspan *s;

	if (!mc->tiny)
		return;
	rcu_read_lock();
	s = gospan_span_of((void *)mc->tiny);
	if (atomic_fetch_andnot(TINY_HELD, gospan_tiny_state_of(s, mc->tiny)) == TINY_HELD)
		gospan_span_free_remote(s, (void *)mc->tiny, false);
	rcu_read_unlock();
	mc->tiny = 0;
}

/**
 * gospan_mcache_alloc_tiny() - Go's tiny allocator
 * @size: 1 .. 15 bytes
 * @gfp: allocation flags
 *
 * Several tiny objects share one 16-byte block, aligned only as Go aligns
 * them: to 8 bytes if @size is a multiple of 8, to 4 or 2 likewise, else
 * not at all. The block goes back to its span when every object in it has
 * been freed and no mcache allocates from it. With the mcache busy, the
 * object gets a block of its own from the mcentral.
 *
 * Context: Any context that @gfp allows, but NMI.
 * Return: the object, or NULL when memory ran out.
 */
void *gospan_mcache_alloc_tiny(size_t size, gfp_t gfp)
{
	struct gospan_mcache_local *lc;
	struct gospan_mcache *mc;
	unsigned long block;
	unsigned int off;
	void *p = NULL;

	mc = gospan_mcache_lock_slow();
	if (!mc) {
		p = alloc_direct(GOSPAN_TINY_SPANCLASS, gfp);
		if (p) {
			atomic_set(gospan_tiny_state_of(gospan_span_of(p), (unsigned long)p),
				   BIT(0));
			this_cpu_inc(gospan_mstats->tiny_allocs);
		}
		return p;
	}
	lc = this_cpu_ptr(&gospan_mcache_local);
	off = lc->tinyoffset;
	if (!(size & 7))
		off = ALIGN(off, 8);
	else if (!(size & 3))
		off = ALIGN(off, 4);
	else if (!(size & 1))
		off = ALIGN(off, 2);
	if (lc->tiny && off + size <= GOSPAN_TINY_SIZE) {
		struct gospan_mspan *s = gospan_span_of((void *)lc->tiny);

		atomic_or(BIT(off), gospan_tiny_state_of(s, lc->tiny));
		p = (void *)(lc->tiny + off);
		lc->tinyoffset = off + size;
		goto out;
	}
	p = next_free(&mc, GOSPAN_TINY_SPANCLASS, gfp);
	if (!mc) {
		if (p) {
			atomic_set(gospan_tiny_state_of(gospan_span_of(p), (unsigned long)p),
				   BIT(0));
			this_cpu_inc(gospan_mstats->tiny_allocs);
		}
		return p;
	}
	lc = this_cpu_ptr(&gospan_mcache_local);	/* maybe another CPU now */
	if (!p)
		goto out;
	block = (unsigned long)p;
	/* Keep whichever block has more room left, as Go does. */
	if (!lc->tiny || size < lc->tinyoffset) {
		tiny_retire(lc);
		atomic_set(gospan_tiny_state_of(gospan_span_of(p), block), TINY_HELD | BIT(0));
		lc->tiny = block;
		lc->tinyoffset = size;
	} else {
		atomic_set(gospan_tiny_state_of(gospan_span_of(p), block), BIT(0));
	}
out:
	if (p)
		this_cpu_inc(gospan_mstats->tiny_allocs);
	gospan_mcache_unlock_slow(mc);
	return p;
}

/**
 * gospan_free_tiny() - free a tiny object
 * @s: its span; the caller is in an RCU read-side section
 * @p: the object
 * @size: its size if known (gospan_cache_free() knows it), or 0: what
 *	init_on_free zeroes (gospan_free() of a tiny object zeroes nothing)
 *
 * Context: Any context.
 * Return: GOSPAN_FREE_OK, or GOSPAN_FREE_NOT_ALLOCATED when no object
 * starts at @p (a double free), or GOSPAN_FREE_INTERIOR past the last block.
 */
enum gospan_free_error gospan_free_tiny(struct gospan_mspan *s, const void *p,
					size_t size)
{
	unsigned long off = (unsigned long)p - s->base;
	unsigned int o = off % GOSPAN_TINY_SIZE;
	unsigned long block = (unsigned long)p - o;
	int old;

	/* No state yet: a span still being made, with no block handed out. */
	if (!gospan_tiny_state_or_null(s))
		return GOSPAN_FREE_NOT_ALLOCATED;
	if (off / GOSPAN_TINY_SIZE >= s->nelems)
		return GOSPAN_FREE_INTERIOR;
	if (!(atomic_read(gospan_tiny_state_of(s, block)) & BIT(o)))
		return GOSPAN_FREE_NOT_ALLOCATED;
	kmemleak_free(p);	/* before the block can be reused */
	if (size && want_init_on_free())
		memset((void *)p, 0, size);
	old = atomic_fetch_andnot(BIT(o), gospan_tiny_state_of(s, block));
	if (!(old & BIT(o)))
		return GOSPAN_FREE_NOT_ALLOCATED;	/* a racing double free */
	if (old == BIT(o))	/* the last object, and no mcache holds the block */
		return gospan_span_free_remote(s, (void *)block, false);
	return GOSPAN_FREE_OK;
}

/* Give a CPU's spans of one span class (or all) back to their mcentrals. */
static void drain_mcache(unsigned int cpu, unsigned int spc)
{
	struct gospan_mcache *mc = per_cpu_ptr(gospan_mcaches, cpu);
	unsigned int i;

	if (spc == GOSPAN_ALL_SPANCLASSES || spc == GOSPAN_TINY_SPANCLASS)
		tiny_retire(per_cpu_ptr(&gospan_mcache_local, cpu));
	for (i = 1; i < GOSPAN_NUM_SPAN_CLASSES; i++)
		if (spc == GOSPAN_ALL_SPANCLASSES || spc == i)
			uncache_all(&mc->cls[i], i, cpu);
	/* Everything: the seeds' flushallmcaches, stacks and pages too. */
	if (spc == GOSPAN_ALL_SPANCLASSES) {
		gospan_stackcache_flush(cpu);
		gospan_pcache_flush(&gospan_heap, cpu);
	}
}

static DEFINE_MUTEX(drain_mutex);
static DEFINE_PER_CPU(struct work_struct, drain_work);
static unsigned int drain_class;	/* under drain_mutex */

static void drain_work_fn(struct work_struct *work)
{
	struct gospan_mcache *mc;

	/* Busy only while a task it preempted holds it (PREEMPT_RT): wait. */
	while (!(mc = gospan_mcache_lock_slow()))
		schedule_timeout_uninterruptible(1);
	drain_mcache(smp_processor_id(), READ_ONCE(drain_class));
	gospan_mcache_unlock_slow(mc);
}

/*
 * The drains' own workqueue: WQ_MEM_RECLAIM gives it a rescuer, so that the
 * shrinker's drain runs even when no new worker can be created under
 * memory pressure.
 */
static struct workqueue_struct *drain_wq;

/*
 * Each online CPU drains its own mcache; drain_mutex and cpus_read_lock()
 * held (modules cannot assert the latter: lockdep_assert_cpus_held() is
 * not exported).
 */
static void drain_online(unsigned int spanclass)
{
	unsigned int cpu;

	lockdep_assert_held(&drain_mutex);
	WRITE_ONCE(drain_class, spanclass);
	for_each_online_cpu(cpu) {
		struct work_struct *w = per_cpu_ptr(&drain_work, cpu);

		INIT_WORK(w, drain_work_fn);
		queue_work_on(cpu, drain_wq, w);
	}
	for_each_online_cpu(cpu)
		flush_work(per_cpu_ptr(&drain_work, cpu));
}

/**
 * gospan_mcache_drain_all() - every CPU gives back its spans of a class
 * @spanclass: the span class, or GOSPAN_ALL_SPANCLASSES
 *
 * Runs a work item on each online CPU, which drains its own mcache under
 * its lock (so it works on PREEMPT_RT too).
 *
 * Context: Process context; sleeps.
 */
void gospan_mcache_drain_all(unsigned int spanclass)
{
	mutex_lock(&drain_mutex);
	cpus_read_lock();
	drain_online(spanclass);
	cpus_read_unlock();
	mutex_unlock(&drain_mutex);
}
EXPORT_SYMBOL_NS_GPL(gospan_mcache_drain_all, GOSPAN_INTERNAL);

/**
 * gospan_mcache_try_drain_all() - gospan_mcache_drain_all() from reclaim
 *
 * Every CPU gives back every span it holds, unless another drain or a CPU
 * hotplug operation is under way: whoever holds those may be allocating
 * memory, and the shrinker that calls this must not wait for them.
 *
 * Context: Process context (a shrinker); sleeps.
 * Return: true if the mcaches were drained.
 */
bool gospan_mcache_try_drain_all(void)
{
	if (!mutex_trylock(&drain_mutex))
		return false;
	if (!cpus_read_trylock()) {
		mutex_unlock(&drain_mutex);
		return false;
	}
	drain_online(GOSPAN_ALL_SPANCLASSES);
	cpus_read_unlock();
	mutex_unlock(&drain_mutex);
	return true;
}

/*
 * A CPU went offline: give back what its mcache held. It runs nothing
 * now; its busy flag is set for the assertions of what drain_mcache() calls.
 */
static int gospan_cpu_dead(unsigned int cpu)
{
	WRITE_ONCE(per_cpu(gospan_mcache_local, cpu).busy, 1);
	drain_mcache(cpu, GOSPAN_ALL_SPANCLASSES);
	WRITE_ONCE(per_cpu(gospan_mcache_local, cpu).busy, 0);
	return 0;
}

static enum cpuhp_state cpuhp_state;

/**
 * gospan_mcache_init() - allocate the mcaches, register the hotplug callback
 *
 * Context: Process context.
 * Return: 0, or a negative errno.
 */
int gospan_mcache_init(void)
{
	unsigned int cpu, spc;
	int ret;

	drain_wq = alloc_workqueue("gospan_drain", WQ_MEM_RECLAIM, 0);
	if (!drain_wq)
		return -ENOMEM;
	gospan_mcaches = alloc_percpu(struct gospan_mcache);
	if (!gospan_mcaches) {
		destroy_workqueue(drain_wq);
		return -ENOMEM;
	}
	for_each_possible_cpu(cpu) {
		for (spc = 0; spc < GOSPAN_NUM_SPAN_CLASSES; spc++) {
			struct gospan_mcache_class *rec;

			rec = &per_cpu_ptr(gospan_mcaches, cpu)->cls[spc];
			rec->remote = &gospan_no_remote;
			INIT_LIST_HEAD(&rec->kept);
		}
	}
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "gospan:dead",
					NULL, gospan_cpu_dead);
	if (ret < 0) {
		free_percpu(gospan_mcaches);
		destroy_workqueue(drain_wq);
		return ret;
	}
	cpuhp_state = ret;
	return 0;
}

/**
 * gospan_mcache_exit() - drain every CPU's mcache for good
 *
 * Called at unload, when nothing can allocate from gospan any more and the
 * statistics files are gone (they read the mcaches' counters).
 *
 * Context: Process context.
 */
void gospan_mcache_exit(void)
{
	unsigned int cpu;

	cpuhp_remove_state_nocalls(cpuhp_state);
	for_each_possible_cpu(cpu)
		gospan_cpu_dead(cpu);
	free_percpu(gospan_mcaches);
	gospan_mcaches = NULL;
	destroy_workqueue(drain_wq);
}
