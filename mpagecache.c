// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU page caches (Go's runtime/mpagecache.go). Each CPU keeps a
 * block of up to GOSPAN_PCACHE_PAGES free pages that it took from the page
 * allocator under the heap lock in one go (allocToCache), and serves spans
 * of fewer than GOSPAN_PCACHE_PAGES / 4 pages from it without that lock
 * (pageCache.alloc); the heap lock is then taken once per refill instead of
 * once per span. Its place in the allocator is step 4 at the top of
 * gospan.c: the mcentral's grow.
 *
 * Invariants:
 *  - a CPU's cache is used only under that CPU's mcache lock (the busy
 *    flag, mcache.h), as Go's is by its P; an allocation that finds the
 *    mcache busy takes the heap lock instead;
 *  - a page in a cache is allocated in the page allocator, so nothing
 *    else hands it out and the scavenger never gives it back; it is
 *    counted in the heap's pages_in_use from the moment it enters the
 *    cache, and @npages says how many of those are still free in it:
 *    HeapInuse is pages_in_use less every cache's @npages (mstats.c reads
 *    @npages after the class counters, and a span leaves a cache, @npages
 *    first, before any of its objects is counted, so Alloc <= HeapInuse
 *    still holds in every snapshot);
 *  - @npages changes with the pages' entry and exit (refill and flush)
 *    under the heap lock, so a MemStats reader sees both or neither;
 *  - only spans of objects (an mcentral's grow) use the caches: large
 *    objects and stacks keep counters that live under the heap lock.
 * A CPU's cache goes back to the page allocator when the CPU goes
 * offline, when every mcache is drained (the shrinker), at unload, and
 * when it has failed GOSPAN_PCACHE_MISSES spans in a row.
 */
#include <linux/bitops.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>

#include "mcache.h"
#include "mheap.h"

/**
 * struct gospan_pcache - one CPU's page cache (Go's pageCache)
 * @base: the first page of the cached block
 * @cache: bit i set: page @base + i is free in the cache
 * @npages: the bits set in @cache (read by other CPUs)
 * @hits: spans served without the heap lock
 * @refills: blocks taken under the heap lock
 * @misses: spans the cache could not serve (no run long enough)
 * @miss_streak: misses since the last hit
 */
struct gospan_pcache {
	unsigned long base;
	unsigned long cache;
	unsigned long npages;
	unsigned long hits;
	unsigned long refills;
	unsigned long misses;
	unsigned int miss_streak;
};

static DEFINE_PER_CPU(struct gospan_pcache, gospan_pcaches);

/* Misses in a row after which a cache gives its pages back. */
#define GOSPAN_PCACHE_MISSES	8

/*
 * Go's findBitRange64: the first run of n set bits in c, by shrinking every
 * run of ones from the top until only the positions where a long enough run
 * starts are left; then only those at a multiple of align count.
 */
static unsigned int find_bit_range(unsigned long c, unsigned long n, unsigned long align)
{
	/* Bit i set for every multiple i of align (up to 16): 0x55..., 0x11... */
	unsigned long starts = align == 1 ? ~0UL : ~0UL / (BIT(align) - 1);
	unsigned long p = n - 1, k = 1;

	while (p) {
		if (p <= k) {
			c &= c >> p;
			break;
		}
		c &= c >> k;
		if (!c)
			return BITS_PER_LONG;
		p -= k;
		k *= 2;
	}
	c &= starts;
	return c ? __ffs(c) : BITS_PER_LONG;
}

/* Go's pageCache.alloc and allocN, with the span's alignment. */
static unsigned long cache_take(struct gospan_pcache *pc, unsigned long npages,
				unsigned long align)
{
	unsigned int i = find_bit_range(pc->cache, npages, align);

	if (i >= GOSPAN_PCACHE_PAGES)
		return 0;
	pc->cache &= ~((BIT(npages) - 1) << i);
	return pc->base + i;
}

/* The cache's pages back to the page allocator; its CPU's mcache lock held. */
static void flush_locked(struct gospan_mheap *h, struct gospan_pcache *pc)
{
	unsigned long flags;

	if (!pc->cache)
		return;
	spin_lock_irqsave(&h->lock, flags);
	gospan_pagealloc_free_cache(&h->pages, pc->base, pc->cache);
	h->pages_in_use -= pc->npages;
	WRITE_ONCE(pc->npages, 0);
	spin_unlock_irqrestore(&h->lock, flags);
	pc->cache = 0;
}

/**
 * gospan_pcache_alloc() - a run of pages from this CPU's page cache
 * @h: the heap
 * @npages: how many, fewer than GOSPAN_PCACHE_PAGES / 4
 * @align: the run starts at a multiple of this many pages (a power of two)
 *
 * Refills an empty cache under the heap lock (Go's allocToCache); a cache
 * that has held no fitting run GOSPAN_PCACHE_MISSES times in a row is
 * flushed (Go leaves it as it is).
 *
 * Context: Any context but NMI, with preemption enabled or not; takes the
 * CPU's mcache lock (returns 0 if it is busy).
 * Return: the first page number of the run, or 0.
 */
unsigned long gospan_pcache_alloc(struct gospan_mheap *h, unsigned long npages,
				  unsigned long align)
{
	struct gospan_pcache *pc;
	struct gospan_mcache *mc;
	unsigned long flags, base;

	mc = gospan_mcache_lock_slow();
	if (!mc)
		return 0;
	pc = this_cpu_ptr(&gospan_pcaches);
	if (!pc->cache) {
		spin_lock_irqsave(&h->lock, flags);
		pc->cache = gospan_pagealloc_alloc_to_cache(&h->pages, &pc->base);
		WRITE_ONCE(pc->npages, hweight_long(pc->cache));
		h->pages_in_use += pc->npages;
		h->inuse_peak = max(h->inuse_peak, h->pages_in_use);
		spin_unlock_irqrestore(&h->lock, flags);
		pc->refills += !!pc->cache;
	}
	base = cache_take(pc, npages, align);
	if (base) {
		WRITE_ONCE(pc->npages, pc->npages - npages);
		smp_wmb();	/* @npages before the span's objects are counted */
		WRITE_ONCE(pc->hits, pc->hits + 1);
		pc->miss_streak = 0;
	} else {
		/*
		 * No fitting run: the caller takes the heap lock. Go keeps the
		 * cache as it is, where its pages may stay unusable to others
		 * and to the scavenger for good; after a few misses in a row
		 * gospan gives them back, and the next span refills.
		 */
		WRITE_ONCE(pc->misses, pc->misses + 1);
		if (++pc->miss_streak >= GOSPAN_PCACHE_MISSES) {
			flush_locked(h, pc);
			pc->miss_streak = 0;
		}
	}
	gospan_mcache_unlock_slow(mc);
	return base;
}

/**
 * gospan_pcache_flush() - give a CPU's cached pages back (Go's pageCache.flush)
 * @h: the heap
 * @cpu: the CPU; its mcache lock held, or the CPU offline
 *
 * Context: Any context but NMI; takes the heap lock.
 */
void gospan_pcache_flush(struct gospan_mheap *h, unsigned int cpu)
{
	gospan_mcache_assert_held(cpu);
	flush_locked(h, per_cpu_ptr(&gospan_pcaches, cpu));
}

/**
 * gospan_pcache_pages() - pages free in every CPU's page cache
 *
 * Context: Any context (a racy sum; mstats.c says when it is exact).
 * Return: the pages.
 */
unsigned long gospan_pcache_pages(void)
{
	unsigned long n = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		n += READ_ONCE(per_cpu_ptr(&gospan_pcaches, cpu)->npages);
	return n;
}
EXPORT_SYMBOL_NS_GPL(gospan_pcache_pages, GOSPAN_INTERNAL);

/**
 * gospan_pcache_counts() - the page caches' counts, summed over every CPU
 * @hits: spans made without the heap lock
 * @refills: blocks taken under it
 * @misses: spans the caches could not serve
 *
 * Context: Any context (racy sums).
 */
void gospan_pcache_counts(unsigned long *hits, unsigned long *refills, unsigned long *misses)
{
	unsigned int cpu;

	*hits = *refills = *misses = 0;
	for_each_possible_cpu(cpu) {
		struct gospan_pcache *pc = per_cpu_ptr(&gospan_pcaches, cpu);

		*hits += READ_ONCE(pc->hits);
		*refills += READ_ONCE(pc->refills);
		*misses += READ_ONCE(pc->misses);
	}
}
EXPORT_SYMBOL_NS_GPL(gospan_pcache_counts, GOSPAN_INTERNAL);

/**
 * gospan_pcache_show() - the page caches, for the pages file
 * @m: the file
 *
 * Context: Process context.
 */
void gospan_pcache_show(struct seq_file *m)
{
	unsigned long hits, refills, misses;
	unsigned int cpu;

	seq_puts(m, "per-CPU page caches (cpu: free pages):");
	for_each_online_cpu(cpu)
		seq_printf(m, " %u:%lu", cpu, READ_ONCE(per_cpu_ptr(&gospan_pcaches, cpu)->npages));
	gospan_pcache_counts(&hits, &refills, &misses);
	seq_printf(m, "\npcache_hits        %lu  (spans made without the heap lock)\n", hits);
	seq_printf(m, "pcache_refills     %lu  (blocks taken under it)\n", refills);
	seq_printf(m, "pcache_misses      %lu  (no fitting run: the heap lock)\n", misses);
}
