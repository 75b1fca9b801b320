// SPDX-License-Identifier: GPL-2.0
/*
 * Go's page allocator, pageAlloc (runtime/mpagealloc.go), over gospan page
 * numbers. mpagealloc.h states the invariants; the top of gospan.c places it
 * in the allocation path (step 5).
 *
 * The summaries form a radix tree of five levels. A leaf summarizes one
 * chunk's bitmap; a summary above merges its eight children, so that it
 * knows the free pages at the start and end of its region and the longest
 * free run inside it, including runs that cross its children's boundaries.
 * find() walks down from level 0 and stops at the first region whose
 * summaries show a fit; search_addr remembers where the first free page is,
 * so that the common search starts there and stays short.
 *
 * Page 0 (the first 8 KiB of physical memory) is never handed to gospan by
 * the buddy allocator, so 0 serves as the failure value, as in Go.
 */
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "mpagealloc.h"

/* Pages summarized by one entry at level l, as a shift (Go's levelLogPages). */
static inline unsigned int level_log_pages(unsigned int l)
{
	return GOSPAN_CHUNK_PAGES_SHIFT +
	       (GOSPAN_SUMMARY_LEVELS - 1 - l) * GOSPAN_SUMMARY_LEVEL_BITS;
}

static inline unsigned int level_bits(const struct gospan_pagealloc *p,
				      unsigned int l)
{
	return l ? GOSPAN_SUMMARY_LEVEL_BITS : p->l0_bits;
}

static inline unsigned long level_entries(const struct gospan_pagealloc *p,
					  unsigned int l)
{
	return 1UL << (p->l0_bits + l * GOSPAN_SUMMARY_LEVEL_BITS);
}

static inline unsigned long chunk_index(unsigned long page)
{
	return page >> GOSPAN_CHUNK_PAGES_SHIFT;
}

static inline unsigned int chunk_page_index(unsigned long page)
{
	return page & (GOSPAN_CHUNK_PAGES - 1);
}

static inline unsigned long chunk_base(unsigned long ci)
{
	return ci << GOSPAN_CHUNK_PAGES_SHIFT;
}

/*
 * The longest run of zeros inside x, a word of a bitmap that also holds
 * runs of max zeros elsewhere: max, or more if x has a longer one between
 * its lowest and its highest set bit (x is not 0). Go's trick in
 * pallocBits.summarize: ORing x with itself shifted right by k fills the
 * top k zeros of every run that lies below a one, so shrinking every run
 * by max (k doubling as the runs of ones grow) leaves only runs longer
 * than max; the lowest of them is the new max, and the others must then
 * beat it.
 */
static unsigned long longer_run_in_word(unsigned long x, unsigned long max)
{
	unsigned long p = max, k = 1, j;

	x >>= __ffs(x);		/* the trailing zeros are no run inside x */
	if (!(x & (x + 1)))	/* ones, then only the top zeros */
		return max;
	for (;;) {
		while (p) {
			if (p <= k) {
				x |= x >> p;
				if (!(x & (x + 1)))
					return max;
				break;
			}
			x |= x >> k;
			if (!(x & (x + 1)))
				return max;
			p -= k;
			k *= 2;
		}
		/* The lowest zero run left is j longer than max. */
		x >>= __ffs(~x);
		j = __ffs(x);
		x >>= j;
		max += j;
		if (!(x & (x + 1)))
			return max;
		p = j;
	}
}

/**
 * gospan_palloc_summarize() - the pallocSum of one chunk's bitmap
 * @d: the chunk
 *
 * Go's pallocBits.summarize, a word at a time whatever the bitmap looks
 * like: first the runs that cross words (and the start and end), then,
 * only if no run so far is as long as a word, the runs inside words.
 *
 * Context: Any context.
 * Return: the packed start, max and end free-page counts of @d.
 */
u64 gospan_palloc_summarize(const struct gospan_palloc_data *d)
{
	unsigned long start = ULONG_MAX, max = 0, cur = 0, x;
	unsigned int i;

	for (i = 0; i < BITS_TO_LONGS(GOSPAN_CHUNK_PAGES); i++) {
		x = d->alloc[i];
		if (!x) {
			cur += BITS_PER_LONG;
			continue;
		}
		cur += __ffs(x);	/* ends the run that reached this word */
		if (start == ULONG_MAX)
			start = cur;
		max = max(max, cur);
		cur = BITS_PER_LONG - 1 - __fls(x);	/* starts the next one */
	}
	if (start == ULONG_MAX)
		return gospan_palloc_sum_pack(GOSPAN_CHUNK_PAGES, GOSPAN_CHUNK_PAGES,
					      GOSPAN_CHUNK_PAGES);
	max = max(max, cur);
	/* No word holds a zero run longer than BITS_PER_LONG - 2 inside it. */
	if (max < BITS_PER_LONG - 2)
		for (i = 0; i < BITS_TO_LONGS(GOSPAN_CHUNK_PAGES); i++)
			max = longer_run_in_word(d->alloc[i], max);	/* no word is 0 */
	return gospan_palloc_sum_pack(start, max, cur);
}
EXPORT_SYMBOL_NS_GPL(gospan_palloc_summarize, GOSPAN_INTERNAL);

/**
 * gospan_merge_summaries() - merge the summaries of neighbouring regions
 * @sums: the summaries, lowest address first
 * @n: how many
 * @log_max_pages: log2 of the pages each region holds
 *
 * Go's mergeSummaries: runs that end one region and start the next join.
 *
 * Context: Any context.
 * Return: the summary of the @n regions taken as one.
 */
u64 gospan_merge_summaries(const u64 *sums, unsigned int n,
			   unsigned int log_max_pages)
{
	unsigned long start = gospan_palloc_sum_start(sums[0]);
	unsigned long max = gospan_palloc_sum_max(sums[0]);
	unsigned long end = gospan_palloc_sum_end(sums[0]);
	unsigned int i;

	for (i = 1; i < n; i++) {
		unsigned long si = gospan_palloc_sum_start(sums[i]);
		unsigned long mi = gospan_palloc_sum_max(sums[i]);
		unsigned long ei = gospan_palloc_sum_end(sums[i]);

		if (start == (unsigned long)i << log_max_pages)
			start += si;
		max = max3(max, end + si, mi);
		if (ei == 1UL << log_max_pages)
			end += 1UL << log_max_pages;
		else
			end = ei;
	}
	return gospan_palloc_sum_pack(start, max, end);
}
EXPORT_SYMBOL_NS_GPL(gospan_merge_summaries, GOSPAN_INTERNAL);

/**
 * gospan_pagealloc_init() - set up an empty page allocator
 * @p: the allocator
 * @nchunks: how many chunks its address space holds
 *
 * Allocates the summary levels (zero: nothing free) and the chunk table for
 * @nchunks chunks, rounded up to the tree's shape.
 *
 * Context: Process context; may sleep.
 * Return: 0, or -ENOMEM.
 */
int gospan_pagealloc_init(struct gospan_pagealloc *p, unsigned long nchunks)
{
	unsigned int l, bits = order_base_2(max(nchunks, 2UL));

	memset(p, 0, sizeof(*p));
	p->l0_bits = bits > 12 ? bits - 12 : 0;
	p->nchunks = level_entries(p, GOSPAN_SUMMARY_LEVELS - 1);
	for (l = 0; l < GOSPAN_SUMMARY_LEVELS; l++) {
		p->summary[l] = vcalloc(level_entries(p, l), sizeof(u64));
		if (!p->summary[l])
			goto nomem;
		p->sys += level_entries(p, l) * sizeof(u64);
	}
	p->chunks = vcalloc(p->nchunks, sizeof(*p->chunks));
	if (!p->chunks)
		goto nomem;
	p->sys += p->nchunks * sizeof(*p->chunks);
	p->search_addr = GOSPAN_MAX_SEARCH_ADDR;
	p->start = ULONG_MAX;
	return 0;
nomem:
	gospan_pagealloc_destroy(p);
	return -ENOMEM;
}
EXPORT_SYMBOL_NS_GPL(gospan_pagealloc_init, GOSPAN_INTERNAL);

/**
 * gospan_pagealloc_destroy() - free the allocator's own memory
 * @p: the allocator
 *
 * Frees the summaries, the chunk table and every chunk's bitmap; the pages
 * themselves are the caller's business.
 *
 * Context: Process context; may sleep.
 */
void gospan_pagealloc_destroy(struct gospan_pagealloc *p)
{
	unsigned int l;
	unsigned long ci;

	if (p->chunks) {
		for (ci = 0; ci < p->nchunks; ci++)
			kfree(p->chunks[ci]);
		vfree(p->chunks);
	}
	for (l = 0; l < GOSPAN_SUMMARY_LEVELS; l++)
		vfree(p->summary[l]);
	memset(p, 0, sizeof(*p));
}
EXPORT_SYMBOL_NS_GPL(gospan_pagealloc_destroy, GOSPAN_INTERNAL);

/* The summary of entry i at level l, from its eight children at l + 1. */
static u64 merge_children(const struct gospan_pagealloc *p, unsigned int l,
			  unsigned long i)
{
	return gospan_merge_summaries(&p->summary[l + 1][i << GOSPAN_SUMMARY_LEVEL_BITS],
				      1U << GOSPAN_SUMMARY_LEVEL_BITS,
				      level_log_pages(l + 1));
}

/*
 * Go's update(): recompute the leaf summaries of the chunks that hold
 * [base, base + npages) and merge upwards while anything changes.
 */
static void update(struct gospan_pagealloc *p, unsigned long base,
		   unsigned long npages)
{
	unsigned long limit = base + npages - 1;
	unsigned long sc = chunk_index(base), ec = chunk_index(limit), c, i;
	u64 *leaf = p->summary[GOSPAN_SUMMARY_LEVELS - 1];
	bool changed = false;
	int l;

	for (c = sc; c <= ec; c++) {
		u64 sum = p->chunks[c] ? gospan_palloc_summarize(p->chunks[c]) : 0;

		if (leaf[c] != sum) {
			leaf[c] = sum;
			changed = true;
		}
	}
	for (l = GOSPAN_SUMMARY_LEVELS - 2; l >= 0 && changed; l--) {
		unsigned int shift = level_log_pages(l);

		changed = false;
		for (i = base >> shift; i <= limit >> shift; i++) {
			u64 sum = merge_children(p, l, i);

			if (p->summary[l][i] != sum) {
				p->summary[l][i] = sum;
				changed = true;
			}
		}
	}
}

/**
 * gospan_pagealloc_grow() - hand pages to the allocator
 * @p: the allocator
 * @base: first page
 * @npages: how many; [@base, @base + @npages) must lie in one chunk
 * @spare: a zeroed bitmap the caller allocated, used if the chunk has none
 *	yet (*@spare is then set to NULL and owned by @p)
 *
 * A chunk gets its bitmap on first growth with every page allocated, then
 * the new pages are freed into it; gospan may own only part of a chunk.
 *
 * Context: Any context; the mheap lock held. Does not allocate.
 * Return: false if the pages lie outside the address space, or the chunk
 * needs a bitmap and @spare holds none.
 */
bool gospan_pagealloc_grow(struct gospan_pagealloc *p, unsigned long base,
			   unsigned long npages, struct gospan_palloc_data **spare)
{
	unsigned long ci = chunk_index(base);

	if (!npages || ci >= p->nchunks || chunk_index(base + npages - 1) != ci)
		return false;
	if (!p->chunks[ci]) {
		if (!spare || !*spare)
			return false;
		p->chunks[ci] = *spare;
		*spare = NULL;
		p->sys += sizeof(*p->chunks[ci]);
		bitmap_fill(p->chunks[ci]->alloc, GOSPAN_CHUNK_PAGES);
	}
	p->start = min(p->start, ci);
	p->end = max(p->end, ci + 1);
	gospan_pagealloc_free(p, base, npages);
	return true;
}
EXPORT_SYMBOL_NS_GPL(gospan_pagealloc_grow, GOSPAN_INTERNAL);

/*
 * The lowest region known to hold a free page, narrowed as find() descends
 * (Go's firstFree): a region nested in the current one replaces it, any
 * other region found later lies above it and changes nothing.
 */
struct first_free {
	unsigned long base, bound;
};

static void found_free(struct first_free *ff, unsigned long addr,
		       unsigned long npages)
{
	if (ff->base <= addr && addr + npages - 1 <= ff->bound) {
		ff->base = addr;
		ff->bound = addr + npages - 1;
	}
}

/*
 * Go's find(): the first run of npages free pages, walking the summaries
 * from level 0 down. Also returns, in *search, the lowest page that may be
 * free, the new search_addr.
 */
static unsigned long find(struct gospan_pagealloc *p, unsigned long npages,
			  unsigned long *search)
{
	struct first_free ff = { 0, GOSPAN_MAX_SEARCH_ADDR };
	unsigned long i = 0, idx;
	unsigned int l, j, j0;

	for (l = 0; l < GOSPAN_SUMMARY_LEVELS; l++) {
		unsigned int per_block = 1U << level_bits(p, l);
		unsigned int log_pages = level_log_pages(l);
		unsigned long base = 0, size = 0, search_idx;
		const u64 *entries;

		i <<= level_bits(p, l);
		entries = &p->summary[l][i];
		/* Start at search_addr when it lies in this block. */
		j0 = 0;
		if (p->search_addr != GOSPAN_MAX_SEARCH_ADDR) {
			search_idx = p->search_addr >> log_pages;
			if ((search_idx & ~(unsigned long)(per_block - 1)) == i)
				j0 = search_idx & (per_block - 1);
		}
		for (j = j0; j < per_block; j++) {
			u64 sum = entries[j];
			unsigned long s;

			if (!sum) {
				size = 0;
				continue;
			}
			found_free(&ff, (i + j) << log_pages, 1UL << log_pages);
			s = gospan_palloc_sum_start(sum);
			if (size + s >= npages) {
				/* The run found so far ends in this region's start. */
				if (!size)
					base = (unsigned long)j << log_pages;
				size += s;
				break;
			}
			if (gospan_palloc_sum_max(sum) >= npages) {
				/* It fits inside this region: look closer. */
				i += j;
				goto next_level;
			}
			if (!size || s < 1UL << log_pages) {
				/* A run may begin at this region's end. */
				size = gospan_palloc_sum_end(sum);
				base = ((unsigned long)j + 1) << log_pages;
				base -= size;
				continue;
			}
			/* The whole region is free: the run goes on. */
			size += 1UL << log_pages;
		}
		if (size >= npages) {
			*search = ff.base;
			return (i << log_pages) + base;
		}
		if (l)
			pr_err("gospan: pageAlloc summaries inconsistent at level %u\n", l);
		*search = GOSPAN_MAX_SEARCH_ADDR;
		return 0;
next_level:
		continue;
	}

	/* i is a chunk whose bitmap holds the run. */
	idx = bitmap_find_next_zero_area(p->chunks[i]->alloc, GOSPAN_CHUNK_PAGES,
					 0, npages, 0);
	if (idx >= GOSPAN_CHUNK_PAGES) {
		pr_err("gospan: pageAlloc summary of chunk %lu inconsistent\n", i);
		*search = GOSPAN_MAX_SEARCH_ADDR;
		return 0;
	}
	j = find_first_zero_bit(p->chunks[i]->alloc, GOSPAN_CHUNK_PAGES);
	found_free(&ff, chunk_base(i) + j, GOSPAN_CHUNK_PAGES - j);
	*search = ff.base;
	return chunk_base(i) + idx;
}

/**
 * gospan_pagealloc_alloc_range() - mark pages allocated
 * @p: the allocator
 * @base: first page
 * @npages: how many, all currently free
 *
 * Context: Any context; the mheap lock held.
 */
void gospan_pagealloc_alloc_range(struct gospan_pagealloc *p, unsigned long base,
				  unsigned long npages)
{
	unsigned long page = base, left = npages;

	while (left) {
		unsigned int i = chunk_page_index(page);
		unsigned int n = min_t(unsigned long, left, GOSPAN_CHUNK_PAGES - i);

		bitmap_set(p->chunks[chunk_index(page)]->alloc, i, n);
		page += n;
		left -= n;
	}
	update(p, base, npages);
}
EXPORT_SYMBOL_NS_GPL(gospan_pagealloc_alloc_range, GOSPAN_INTERNAL);

/**
 * gospan_pagealloc_alloc() - allocate a run of free pages, first fit
 * @p: the allocator
 * @npages: how many, at least 1
 *
 * Go's pageAlloc.alloc(): when search_addr's chunk has room, look there
 * first; otherwise walk the summaries.
 *
 * Context: Any context; the mheap lock held. Does not allocate.
 * Return: the first page of the run, or 0 if no run is long enough.
 */
unsigned long gospan_pagealloc_alloc(struct gospan_pagealloc *p, unsigned long npages)
{
	unsigned long addr, search = 0, ci = chunk_index(p->search_addr);
	u64 leaf;

	if (p->search_addr == GOSPAN_MAX_SEARCH_ADDR || ci >= p->end)
		return 0;
	/* Fast path: the run fits in what is left of search_addr's chunk. */
	leaf = p->summary[GOSPAN_SUMMARY_LEVELS - 1][ci];
	if (GOSPAN_CHUNK_PAGES - chunk_page_index(p->search_addr) >= npages &&
	    gospan_palloc_sum_max(leaf) >= npages) {
		unsigned long *bits = p->chunks[ci]->alloc;
		unsigned int from = chunk_page_index(p->search_addr);
		unsigned long j;

		j = bitmap_find_next_zero_area(bits, GOSPAN_CHUNK_PAGES, from, npages, 0);
		if (j < GOSPAN_CHUNK_PAGES) {
			addr = chunk_base(ci) + j;
			search = find_next_zero_bit(bits, GOSPAN_CHUNK_PAGES, from);
			search += chunk_base(ci);
			goto found;
		}
	}
	addr = find(p, npages, &search);
	if (!addr) {
		if (npages == 1)
			p->search_addr = GOSPAN_MAX_SEARCH_ADDR;
		return 0;
	}
found:
	gospan_pagealloc_alloc_range(p, addr, npages);
	if (p->search_addr < search)
		p->search_addr = search;
	return addr;
}
EXPORT_SYMBOL_NS_GPL(gospan_pagealloc_alloc, GOSPAN_INTERNAL);

/* Whether every page of [base, base + npages) is gospan's and free. */
static bool run_free(const struct gospan_pagealloc *p, unsigned long base,
		     unsigned long npages)
{
	while (npages) {
		unsigned long ci = chunk_index(base);
		unsigned int i = chunk_page_index(base);
		unsigned int n = min_t(unsigned long, npages, GOSPAN_CHUNK_PAGES - i);

		if (ci >= p->end || !p->chunks[ci] ||
		    find_next_bit(p->chunks[ci]->alloc, i + n, i) < i + n)
			return false;
		base += n;
		npages -= n;
	}
	return true;
}

/**
 * gospan_pagealloc_alloc_aligned() - allocate a run that starts aligned
 * @p: the allocator
 * @npages: how many, at least 1
 * @align: the first page's number must be a multiple of it: a power of two
 *	(1 is gospan_pagealloc_alloc())
 *
 * Go's page allocator has no aligned find: gospan adds one for kmalloc's
 * alignment promise (objects of a power-of-two size aligned to it). It
 * tries every aligned start from search_addr on, skipping chunks whose leaf
 * summary says they have no free page, and takes the first fit. Only spans
 * of classes whose objects need more than a page's alignment and large
 * objects of such sizes come here.
 *
 * Context: Any context; the mheap lock held. Does not allocate.
 * Return: the first page of the run, or 0 if no aligned run is free.
 */
unsigned long gospan_pagealloc_alloc_aligned(struct gospan_pagealloc *p,
					     unsigned long npages, unsigned long align)
{
	unsigned long base, limit = chunk_base(p->end);

	if (align <= 1)
		return gospan_pagealloc_alloc(p, npages);
	if (p->search_addr == GOSPAN_MAX_SEARCH_ADDR)
		return 0;
	for (base = ALIGN(max(p->search_addr, chunk_base(p->start)), align);
	     base + npages <= limit; base += align) {
		unsigned long ci = chunk_index(base);

		if (!p->summary[GOSPAN_SUMMARY_LEVELS - 1][ci]) {
			/* No free page here: the next aligned start past the chunk. */
			base = ALIGN(chunk_base(ci + 1), align) - align;
			continue;
		}
		if (run_free(p, base, npages)) {
			gospan_pagealloc_alloc_range(p, base, npages);
			return base;
		}
	}
	return 0;
}
EXPORT_SYMBOL_NS_GPL(gospan_pagealloc_alloc_aligned, GOSPAN_INTERNAL);

/**
 * gospan_pagealloc_free_deferred() - free a run of pages, summaries later
 * @p: the allocator
 * @base: first page
 * @npages: how many
 *
 * gospan_pagealloc_free() without its summary update, for a caller that
 * frees several runs under one hold of the mheap lock: it calls
 * gospan_pagealloc_update() for them (once for runs of the same chunk)
 * before it drops the lock, which no one takes until then.
 *
 * Context: Any context; the mheap lock held.
 */
void gospan_pagealloc_free_deferred(struct gospan_pagealloc *p, unsigned long base,
				    unsigned long npages)
{
	unsigned long page = base, left = npages;

	if (base < p->search_addr)
		p->search_addr = base;
	while (left) {
		unsigned int i = chunk_page_index(page);
		unsigned int n = min_t(unsigned long, left, GOSPAN_CHUNK_PAGES - i);

		bitmap_clear(p->chunks[chunk_index(page)]->alloc, i, n);
		page += n;
		left -= n;
	}
}
EXPORT_SYMBOL_NS_GPL(gospan_pagealloc_free_deferred, GOSPAN_INTERNAL);

/**
 * gospan_pagealloc_update() - bring the summaries of a run of pages up to date
 * @p: the allocator
 * @base: first page
 * @npages: how many
 *
 * Context: Any context; the mheap lock held.
 */
void gospan_pagealloc_update(struct gospan_pagealloc *p, unsigned long base,
			     unsigned long npages)
{
	update(p, base, npages);
}
EXPORT_SYMBOL_NS_GPL(gospan_pagealloc_update, GOSPAN_INTERNAL);

/**
 * gospan_pagealloc_free() - free a run of allocated pages
 * @p: the allocator
 * @base: first page
 * @npages: how many
 *
 * Free runs coalesce through the summaries: nothing else to merge.
 *
 * Context: Any context; the mheap lock held.
 */
void gospan_pagealloc_free(struct gospan_pagealloc *p, unsigned long base,
			   unsigned long npages)
{
	gospan_pagealloc_free_deferred(p, base, npages);
	update(p, base, npages);
}
EXPORT_SYMBOL_NS_GPL(gospan_pagealloc_free, GOSPAN_INTERNAL);

/**
 * gospan_pagealloc_alloc_to_cache() - take 64 pages' worth for a page cache
 * @p: the allocator
 * @base: set to the first page of the block
 *
 * Go's allocToCache: the first free page, and with it every free page of
 * its aligned block of GOSPAN_PCACHE_PAGES (one word of the chunk's
 * bitmap), become allocated; the caller's per-CPU page cache hands them
 * out (mpagecache.c). No page below the block is free, so search_addr
 * moves past it.
 *
 * Context: Any context; the mheap lock held.
 * Return: the pages taken, a bit per page from @base (0: none free).
 */
unsigned long gospan_pagealloc_alloc_to_cache(struct gospan_pagealloc *p, unsigned long *base)
{
	unsigned long addr, search, *word, free;

	BUILD_BUG_ON(GOSPAN_PCACHE_PAGES != BITS_PER_LONG);
	if (p->search_addr == GOSPAN_MAX_SEARCH_ADDR || chunk_index(p->search_addr) >= p->end)
		return 0;
	addr = find(p, 1, &search);
	if (!addr) {
		p->search_addr = GOSPAN_MAX_SEARCH_ADDR;
		return 0;
	}
	word = &p->chunks[chunk_index(addr)]->alloc[chunk_page_index(addr) / BITS_PER_LONG];
	free = ~*word;
	*word = ~0UL;
	*base = round_down(addr, GOSPAN_PCACHE_PAGES);
	update(p, *base, GOSPAN_PCACHE_PAGES);
	p->search_addr = max(p->search_addr, *base + GOSPAN_PCACHE_PAGES);
	return free;
}
EXPORT_SYMBOL_NS_GPL(gospan_pagealloc_alloc_to_cache, GOSPAN_INTERNAL);

/**
 * gospan_pagealloc_free_cache() - give a page cache's pages back (Go's pageCache.flush)
 * @p: the allocator
 * @base: the block's first page
 * @cache: the pages still free in the cache, a bit per page from @base
 *
 * Context: Any context; the mheap lock held.
 */
void gospan_pagealloc_free_cache(struct gospan_pagealloc *p, unsigned long base,
				 unsigned long cache)
{
	p->chunks[chunk_index(base)]->alloc[chunk_page_index(base) / BITS_PER_LONG] &= ~cache;
	if (base < p->search_addr)
		p->search_addr = base;
	update(p, base, GOSPAN_PCACHE_PAGES);
}
EXPORT_SYMBOL_NS_GPL(gospan_pagealloc_free_cache, GOSPAN_INTERNAL);

/**
 * gospan_pagealloc_scavenge_one() - take the highest run of free pages to give back
 * @p: the allocator
 * @max: at most this many pages
 * @align: a power of two up to a chunk: only whole aligned blocks of this
 *	many pages are taken (1: any free page)
 * @base: set to the run's first page
 *
 * Go's pageAlloc.scavengeOne, less the release itself: the highest free
 * run of whole @align blocks (allocation prefers low addresses, so the
 * scavenger works from the top, as Go's does), or its top @max pages
 * rounded down to whole blocks, becomes allocated and scavenged. The
 * caller gives the pages back to the kernel. Chunks whose longest free run
 * is shorter than @align are skipped by their summary alone.
 *
 * Context: Any context; the mheap lock held.
 * Return: the number of pages taken (0: none free).
 */
unsigned long gospan_pagealloc_scavenge_one(struct gospan_pagealloc *p, unsigned long max,
					    unsigned int align, unsigned long *base)
{
	const u64 *leaf = p->summary[GOSPAN_SUMMARY_LEVELS - 1];
	unsigned long ci;

	max = round_down(max, align);
	for (ci = p->end; max && ci-- > p->start;) {
		struct gospan_palloc_data *d = p->chunks[ci];
		unsigned int start, end, top_start = 0, top_end = 0;
		unsigned long n;

		if (!d || gospan_palloc_sum_max(leaf[ci]) < align)
			continue;
		for_each_clear_bitrange(start, end, d->alloc, GOSPAN_CHUNK_PAGES) {
			if (round_down(end, align) > round_up(start, align)) {
				top_start = round_up(start, align);
				top_end = round_down(end, align);
			}
		}
		if (top_end == top_start)
			continue;
		n = min_t(unsigned long, max, top_end - top_start);
		*base = chunk_base(ci) + top_end - n;
		bitmap_set(d->alloc, top_end - n, n);
		bitmap_set(d->scavenged, top_end - n, n);
		update(p, *base, n);
		return n;
	}
	return 0;
}
EXPORT_SYMBOL_NS_GPL(gospan_pagealloc_scavenge_one, GOSPAN_INTERNAL);

/**
 * gospan_pagealloc_unscavenge() - forget that pages were given back
 * @p: the allocator
 * @base: first page
 * @npages: how many, inside one chunk
 *
 * The heap grew into these pages again (they came back from the kernel),
 * or gave up their chunk altogether.
 *
 * Context: Any context; the mheap lock held.
 * Return: how many of them were scavenged.
 */
unsigned long gospan_pagealloc_unscavenge(struct gospan_pagealloc *p, unsigned long base,
					  unsigned long npages)
{
	struct gospan_palloc_data *d = p->chunks[chunk_index(base)];
	unsigned int i, first = chunk_page_index(base);
	unsigned long n = 0;

	if (!d)
		return 0;
	for (i = first; i < first + npages; i++)
		n += __test_and_clear_bit(i, d->scavenged);
	return n;
}
EXPORT_SYMBOL_NS_GPL(gospan_pagealloc_unscavenge, GOSPAN_INTERNAL);

/**
 * gospan_pagealloc_check() - verify every summary against the bitmaps
 * @p: the allocator
 *
 * Recomputes the whole tree bottom-up (slow: for tests and debugging).
 *
 * Context: Any context; the mheap lock held.
 * Return: 0, or -EINVAL after reporting the first inconsistency.
 */
int gospan_pagealloc_check(const struct gospan_pagealloc *p)
{
	unsigned long i, ci;
	unsigned int l;

	for (ci = 0; ci < p->nchunks; ci++) {
		u64 want = p->chunks[ci] ? gospan_palloc_summarize(p->chunks[ci]) : 0;

		if (p->summary[GOSPAN_SUMMARY_LEVELS - 1][ci] != want) {
			pr_err("gospan: chunk %lu summary %llx, bitmap says %llx\n",
			       ci, p->summary[GOSPAN_SUMMARY_LEVELS - 1][ci], want);
			return -EINVAL;
		}
		if (p->chunks[ci] && chunk_base(ci) + GOSPAN_CHUNK_PAGES <= p->search_addr &&
		    p->search_addr != GOSPAN_MAX_SEARCH_ADDR &&
		    !bitmap_full(p->chunks[ci]->alloc, GOSPAN_CHUNK_PAGES)) {
			pr_err("gospan: chunk %lu has free pages below search_addr %lu\n",
			       ci, p->search_addr);
			return -EINVAL;
		}
		if (p->chunks[ci] && !bitmap_subset(p->chunks[ci]->scavenged,
						    p->chunks[ci]->alloc, GOSPAN_CHUNK_PAGES)) {
			pr_err("gospan: chunk %lu has a scavenged page that is free\n", ci);
			return -EINVAL;
		}
	}
	for (l = 0; l < GOSPAN_SUMMARY_LEVELS - 1; l++) {
		for (i = 0; i < level_entries(p, l); i++) {
			u64 want = merge_children(p, l, i);

			if (p->summary[l][i] != want) {
				pr_err("gospan: level %u summary %lu is %llx, children say %llx\n",
				       l, i, p->summary[l][i], want);
				return -EINVAL;
			}
		}
	}
	return 0;
}
EXPORT_SYMBOL_NS_GPL(gospan_pagealloc_check, GOSPAN_INTERNAL);
