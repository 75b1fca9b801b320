// SPDX-License-Identifier: GPL-2.0
/*
 * Go's mcache (runtime/mcache.go), nextFreeFast (malloc.go) and the tiny
 * allocator, per CPU. mcache.h describes the structure and its lock; the
 * top of gospan.c places it in the allocation path (steps 2 and 3).
 */
#include <linux/bitops.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/kmemleak.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>

#include "mcache.h"
#include "mstats.h"

DEFINE_PER_CPU(struct gospan_mcache, gospan_mcaches) = {
	.lock = INIT_LOCAL_LOCK(lock),
};

/**
 * gospan_mcache_of() - a CPU's mcache, for tests and statistics
 * @cpu: the CPU
 *
 * Context: Any context; what it points to changes under the CPU's lock.
 * Return: the mcache.
 */
struct gospan_mcache *gospan_mcache_of(unsigned int cpu)
{
	return per_cpu_ptr(&gospan_mcaches, cpu);
}
EXPORT_SYMBOL_NS_GPL(gospan_mcache_of, GOSPAN_INTERNAL);

/* The tiny block bit an mcache holds while it allocates from the block. */
#define TINY_HELD	BIT(GOSPAN_TINY_SIZE)

/*
 * Go's mcache.nextFree and refill. Called with the local lock held; may
 * drop it to grow the heap and take it again, maybe on another CPU, so
 * *mcp and *flags are updated.
 */
static void *next_free(struct gospan_mcache **mcp, unsigned int spc, gfp_t gfp,
		       unsigned long *flags)
{
	struct gospan_mcentral *c = gospan_centrals[spc];
	struct gospan_mcache *mc = *mcp;
	struct gospan_mspan *s = mc->alloc[spc], *fresh;
	unsigned int idx;

	if (s) {
		idx = gospan_span_next_free_index(s);
		if (idx < s->nelems)
			goto found;
		/* Full, but frees reached it: sweep it where it is and keep it. */
		if (atomic_read(&s->nfreed) && gospan_span_sweep_cached(s))
			goto take;
		mc->alloc[spc] = NULL;
		gospan_mcentral_uncache_span(c, s);
	}
	s = gospan_mcentral_cache_span(c);
	if (!s) {
		/* Growing may sleep: never with the local lock held. */
		local_unlock_irqrestore(&gospan_mcaches.lock, *flags);
		fresh = gospan_mcentral_grow(c, gfp);
		local_lock_irqsave(&gospan_mcaches.lock, *flags);
		mc = this_cpu_ptr(&gospan_mcaches);
		*mcp = mc;
		if (!fresh)
			return NULL;
		/* Another task may have refilled this CPU's cache meanwhile. */
		if (mc->alloc[spc])
			gospan_mcentral_uncache_span(c, mc->alloc[spc]);
		s = fresh;
	}
	mc->alloc[spc] = s;
take:
	idx = gospan_span_next_free_index(s);
	if (unlikely(idx >= s->nelems))
		return NULL;
found:
	s->alloc_count++;
	return (void *)(s->base + (unsigned long)idx * s->elemsize);
}

static __always_inline void *alloc_locked(struct gospan_mcache **mcp, unsigned int spc,
					  gfp_t gfp, unsigned long *flags)
{
	struct gospan_mspan *s = (*mcp)->alloc[spc];
	void *p = s ? gospan_next_free_fast(s) : NULL;

	if (unlikely(!p))
		p = next_free(mcp, spc, gfp, flags);
	return p;
}

/**
 * gospan_mcache_alloc_slow() - gospan_mcache_alloc() when nextFreeFast fails
 * @spanclass: the span class, with an mcentral
 * @req: the bytes the caller asked for (for the statistics)
 * @gfp: allocation flags
 * @count: per-CPU allocation counter of a cache to bump on success, or NULL
 *
 * Takes the local lock again (the caller dropped it), refills the cache's
 * span (Go's nextFree, refill) and counts the object as the fast path does.
 *
 * Context: Any context that @gfp allows.
 * Return: the object, or NULL when memory ran out.
 */
void *gospan_mcache_alloc_slow(unsigned int spanclass, size_t req, gfp_t gfp,
			       unsigned long __percpu *count)
{
	struct gospan_mcache *mc;
	unsigned long flags;
	void *p;

	local_lock_irqsave(&gospan_mcaches.lock, flags);
	mc = this_cpu_ptr(&gospan_mcaches);
	p = alloc_locked(&mc, spanclass, gfp, &flags);
	if (likely(p)) {
		gospan_count_malloc(spanclass, req);
		if (count)
			this_cpu_inc(*count);
	}
	local_unlock_irqrestore(&gospan_mcaches.lock, flags);
	return p;
}

/**
 * gospan_mcache_alloc_batch() - several objects from the CPU's span, at once
 * @spanclass: the span class, with an mcentral
 * @req: the bytes the caller asked for per object (for the statistics)
 * @objs: where to put them
 * @n: at most how many
 * @count: per-CPU allocation counter of a cache to bump, or NULL
 *
 * nextFreeFast in a loop under one local lock, for bulk allocation; stops
 * where the span (or its allocCache) runs out, and never refills.
 *
 * Context: Any context.
 * Return: how many objects it put in @objs, 0 to @n.
 */
unsigned int gospan_mcache_alloc_batch(unsigned int spanclass, size_t req, void **objs,
				       unsigned int n, unsigned long __percpu *count)
{
	struct gospan_mspan *s;
	unsigned long flags;
	unsigned int i = 0;

	local_lock_irqsave(&gospan_mcaches.lock, flags);
	s = this_cpu_read(gospan_mcaches.alloc[spanclass]);
	for (; s && i < n; i++) {
		objs[i] = gospan_next_free_fast(s);
		if (!objs[i])
			break;
	}
	if (i) {
		gospan_count_mallocs(spanclass, i, i * req);
		if (count)
			this_cpu_add(*count, i);
	}
	local_unlock_irqrestore(&gospan_mcaches.lock, flags);
	return i;
}

static atomic_t *tiny_state_of(struct gospan_mspan *s, unsigned long block)
{
	return &s->tiny_state[(block - s->base) / GOSPAN_TINY_SIZE];
}

/* Drop the mcache's hold on its tiny block; free the block if it is empty. */
static void tiny_retire(struct gospan_mcache *mc)
{
	struct gospan_mspan *s;

	if (!mc->tiny)
		return;
	rcu_read_lock();
	s = gospan_span_of((void *)mc->tiny);
	if (atomic_fetch_andnot(TINY_HELD, tiny_state_of(s, mc->tiny)) == TINY_HELD)
		gospan_free_small(s, (void *)mc->tiny, false);
	rcu_read_unlock();
	mc->tiny = 0;
}

/**
 * gospan_mcache_alloc_tiny() - Go's tiny allocator
 * @size: 1 .. 15 bytes
 * @gfp: allocation flags
 * @count: per-CPU allocation counter to bump on success
 *
 * Several tiny objects share one 16-byte block, aligned only as Go aligns
 * them: to 8 bytes if @size is a multiple of 8, to 4 or 2 likewise, else
 * not at all. The block goes back to its span when every object in it has
 * been freed and no mcache allocates from it.
 *
 * Context: Any context that @gfp allows.
 * Return: the object, or NULL when memory ran out.
 */
void *gospan_mcache_alloc_tiny(size_t size, gfp_t gfp, unsigned long __percpu *count)
{
	struct gospan_mcache *mc;
	unsigned long flags, block;
	unsigned int off;
	void *p = NULL;

	local_lock_irqsave(&gospan_mcaches.lock, flags);
	mc = this_cpu_ptr(&gospan_mcaches);
	off = mc->tinyoffset;
	if (!(size & 7))
		off = ALIGN(off, 8);
	else if (!(size & 3))
		off = ALIGN(off, 4);
	else if (!(size & 1))
		off = ALIGN(off, 2);
	if (mc->tiny && off + size <= GOSPAN_TINY_SIZE) {
		struct gospan_mspan *s = gospan_span_of((void *)mc->tiny);

		atomic_or(BIT(off), tiny_state_of(s, mc->tiny));
		p = (void *)(mc->tiny + off);
		mc->tinyoffset = off + size;
		goto out;
	}
	p = alloc_locked(&mc, GOSPAN_TINY_SPANCLASS, gfp, &flags);
	if (!p)
		goto out;
	gospan_count_malloc(GOSPAN_TINY_SPANCLASS, GOSPAN_TINY_SIZE);
	block = (unsigned long)p;
	/* Keep whichever block has more room left, as Go does. */
	if (!mc->tiny || size < mc->tinyoffset) {
		tiny_retire(mc);
		atomic_set(tiny_state_of(gospan_span_of(p), block), TINY_HELD | BIT(0));
		mc->tiny = block;
		mc->tinyoffset = size;
	} else {
		atomic_set(tiny_state_of(gospan_span_of(p), block), BIT(0));
	}
out:
	if (p) {
		this_cpu_inc(gospan_mstats->tiny_allocs);
		this_cpu_inc(*count);
	}
	local_unlock_irqrestore(&gospan_mcaches.lock, flags);
	return p;
}

/**
 * gospan_free_tiny() - free a tiny object
 * @s: its span; the caller is in an RCU read-side section
 * @p: the object
 *
 * Context: Any context.
 * Return: GOSPAN_FREE_OK, or GOSPAN_FREE_NOT_ALLOCATED when no object
 * starts at @p (a double free), or GOSPAN_FREE_INTERIOR past the last block.
 */
enum gospan_free_error gospan_free_tiny(struct gospan_mspan *s, const void *p)
{
	unsigned long off = (unsigned long)p - s->base;
	unsigned int o = off % GOSPAN_TINY_SIZE;
	unsigned long block = (unsigned long)p - o;
	int old;

	if (off / GOSPAN_TINY_SIZE >= s->nelems)
		return GOSPAN_FREE_INTERIOR;
	if (!(atomic_read(tiny_state_of(s, block)) & BIT(o)))
		return GOSPAN_FREE_NOT_ALLOCATED;
	kmemleak_free(p);	/* before the block can be reused */
	old = atomic_fetch_andnot(BIT(o), tiny_state_of(s, block));
	if (!(old & BIT(o)))
		return GOSPAN_FREE_NOT_ALLOCATED;	/* a racing double free */
	if (old == BIT(o))	/* the last object, and no mcache holds the block */
		return gospan_free_small(s, (void *)block, false);
	return GOSPAN_FREE_OK;
}

/* Give the spans of one span class (or all) back to their mcentrals. */
static void drain_mcache(struct gospan_mcache *mc, unsigned int spc)
{
	unsigned int i;

	if (spc == GOSPAN_ALL_SPANCLASSES || spc == GOSPAN_TINY_SPANCLASS)
		tiny_retire(mc);
	for (i = 0; i < GOSPAN_NUM_SPAN_CLASSES; i++) {
		struct gospan_mspan *s = mc->alloc[i];

		if (!s || (spc != GOSPAN_ALL_SPANCLASSES && spc != i))
			continue;
		mc->alloc[i] = NULL;
		gospan_mcentral_uncache_span(gospan_centrals[i], s);
	}
}

static DEFINE_MUTEX(drain_mutex);
static DEFINE_PER_CPU(struct work_struct, drain_work);
static unsigned int drain_class;	/* under drain_mutex */

static void drain_work_fn(struct work_struct *work)
{
	unsigned long flags;

	local_lock_irqsave(&gospan_mcaches.lock, flags);
	drain_mcache(this_cpu_ptr(&gospan_mcaches), READ_ONCE(drain_class));
	local_unlock_irqrestore(&gospan_mcaches.lock, flags);
}

/**
 * gospan_mcache_drain_all() - every CPU gives back its spans of a class
 * @spanclass: the span class, or GOSPAN_ALL_SPANCLASSES
 *
 * Runs a work item on each online CPU, which drains its own mcache under
 * its local lock (so it works on PREEMPT_RT too).
 *
 * Context: Process context; sleeps.
 */
void gospan_mcache_drain_all(unsigned int spanclass)
{
	unsigned int cpu;

	mutex_lock(&drain_mutex);
	WRITE_ONCE(drain_class, spanclass);
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct work_struct *w = per_cpu_ptr(&drain_work, cpu);

		INIT_WORK(w, drain_work_fn);
		queue_work_on(cpu, system_wq, w);
	}
	for_each_online_cpu(cpu)
		flush_work(per_cpu_ptr(&drain_work, cpu));
	cpus_read_unlock();
	mutex_unlock(&drain_mutex);
}
EXPORT_SYMBOL_NS_GPL(gospan_mcache_drain_all, GOSPAN_INTERNAL);

/* A CPU went offline: give back what its mcache held (it runs nothing now). */
static int gospan_cpu_dead(unsigned int cpu)
{
	drain_mcache(per_cpu_ptr(&gospan_mcaches, cpu), GOSPAN_ALL_SPANCLASSES);
	return 0;
}

static enum cpuhp_state cpuhp_state;

/**
 * gospan_mcache_init() - register the CPU hotplug callback
 *
 * Context: Process context.
 * Return: 0, or a negative errno.
 */
int gospan_mcache_init(void)
{
	int ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "gospan:dead",
					    NULL, gospan_cpu_dead);

	if (ret < 0)
		return ret;
	cpuhp_state = ret;
	return 0;
}

/**
 * gospan_mcache_exit() - drain every CPU's mcache for good
 *
 * Called at unload, when nothing can allocate from gospan any more.
 *
 * Context: Process context.
 */
void gospan_mcache_exit(void)
{
	unsigned int cpu;

	cpuhp_remove_state_nocalls(cpuhp_state);
	for_each_possible_cpu(cpu)
		drain_mcache(per_cpu_ptr(&gospan_mcaches, cpu), GOSPAN_ALL_SPANCLASSES);
}
