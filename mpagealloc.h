/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Go's page allocator (runtime/mpagealloc.go): which gospan pages are free,
 * and a radix tree of summaries that finds the first run of n free pages
 * without looking at every chunk. Its place in the allocator is step 5 at
 * the top of gospan.c.
 *
 * Addresses here are gospan page numbers: page p is the 8 KiB at
 * PAGE_OFFSET + p * GOSPAN_PAGE_SIZE in the kernel's direct map, and chunk c
 * holds pages [c * 512, (c + 1) * 512). Because the direct map is linear,
 * neighbouring chunks are neighbouring memory, and a run of free pages may
 * cross chunk boundaries, exactly as in Go's address space.
 *
 * Invariants (checked by gospan_pagealloc_check()):
 *  - a chunk without data (never grown) is all allocated: summary 0;
 *  - bit i of a chunk's bitmap is set when page i is allocated or is not
 *    gospan's memory at all (a chunk may be only partly owned);
 *  - every summary at the leaf level summarizes its chunk's bitmap, and
 *    every summary above merges its 8 children (Go's mergeSummaries);
 *  - no page below search_addr is free.
 */
#ifndef _GOSPAN_MPAGEALLOC_H
#define _GOSPAN_MPAGEALLOC_H

#include <linux/bitmap.h>
#include <linux/bits.h>
#include <linux/types.h>

#define GOSPAN_CHUNK_PAGES_SHIFT	9
#define GOSPAN_CHUNK_PAGES		BIT(GOSPAN_CHUNK_PAGES_SHIFT)
#define GOSPAN_SUMMARY_LEVELS		5
#define GOSPAN_SUMMARY_LEVEL_BITS	3

/*
 * A pallocSum packs three page counts of a region into 64 bits: the free
 * pages at its start, the longest free run, and the free pages at its end,
 * 21 bits each. A region of 2^21 free pages (all three at their maximum) is
 * the single bit 63.
 */
#define GOSPAN_LOG_MAX_PACKED	(GOSPAN_CHUNK_PAGES_SHIFT + \
				 (GOSPAN_SUMMARY_LEVELS - 1) * GOSPAN_SUMMARY_LEVEL_BITS)
#define GOSPAN_MAX_PACKED	BIT(GOSPAN_LOG_MAX_PACKED)
#define GOSPAN_PALLOC_SUM_FREE	BIT_ULL(63)

static inline u64 gospan_palloc_sum_pack(unsigned long start, unsigned long max,
					 unsigned long end)
{
	if (max == GOSPAN_MAX_PACKED)
		return GOSPAN_PALLOC_SUM_FREE;
	return (start & (GOSPAN_MAX_PACKED - 1)) |
	       (u64)(max & (GOSPAN_MAX_PACKED - 1)) << GOSPAN_LOG_MAX_PACKED |
	       (u64)(end & (GOSPAN_MAX_PACKED - 1)) << (2 * GOSPAN_LOG_MAX_PACKED);
}

static inline unsigned long gospan_palloc_sum_start(u64 sum)
{
	if (sum & GOSPAN_PALLOC_SUM_FREE)
		return GOSPAN_MAX_PACKED;
	return sum & (GOSPAN_MAX_PACKED - 1);
}

static inline unsigned long gospan_palloc_sum_max(u64 sum)
{
	if (sum & GOSPAN_PALLOC_SUM_FREE)
		return GOSPAN_MAX_PACKED;
	return (sum >> GOSPAN_LOG_MAX_PACKED) & (GOSPAN_MAX_PACKED - 1);
}

static inline unsigned long gospan_palloc_sum_end(u64 sum)
{
	if (sum & GOSPAN_PALLOC_SUM_FREE)
		return GOSPAN_MAX_PACKED;
	return (sum >> (2 * GOSPAN_LOG_MAX_PACKED)) & (GOSPAN_MAX_PACKED - 1);
}

/**
 * struct gospan_palloc_data - one chunk's bitmaps (Go's pallocData)
 * @alloc: a bit set for each page that is allocated, or that gospan does
 *	not hold (never grown, or released)
 * @scavenged: a bit set for each page the scavenger gave back to the
 *	kernel and the heap has not grown into again (Go's scavenged bits)
 *
 * Go's scavenged page is free and allocatable: its address space stays the
 * heap's, and touching it again brings memory back. gospan's address space
 * is the direct map, where a page given back is the kernel's to give to
 * anyone: a scavenged page is therefore also allocated in @alloc until a
 * grow gets that same page back from alloc_pages() (mheap.c). So
 * @scavenged is a subset of @alloc.
 */
struct gospan_palloc_data {
	DECLARE_BITMAP(alloc, GOSPAN_CHUNK_PAGES);
	DECLARE_BITMAP(scavenged, GOSPAN_CHUNK_PAGES);
};

/**
 * struct gospan_pagealloc - Go's pageAlloc over gospan page numbers
 * @summary: the radix tree; level l has 1 << (@l0_bits + 3 * l) entries,
 *	each summarizing 1 << (9 + 3 * (4 - l)) pages; level 4 is one
 *	entry per chunk.
 * @l0_bits: log2 of the number of level-0 entries (Go's summaryL0Bits,
 *	here sized from the address space at init).
 * @chunks: per-chunk bitmaps, NULL for chunks never grown.
 * @nchunks: capacity, in chunks, of the address space covered.
 * @search_addr: no page below this one is free (Go's searchAddr);
 *	GOSPAN_MAX_SEARCH_ADDR when nothing is known to be free.
 * @start: lowest chunk ever grown.
 * @end: one past the highest chunk ever grown.
 * @sys: bytes of the allocator's own memory: summaries, chunk table and
 *	chunk bitmaps (part of OtherSys in gospan's MemStats)
 *
 * The summaries and bitmaps are allocated by gospan_pagealloc_init() and
 * gospan_pagealloc_grow()'s caller, so that nothing here allocates memory
 * or sleeps. Each chunk's scavenged bitmap records the pages given back
 * to the kernel (struct gospan_palloc_data).
 *
 * Locking: every field is protected by the lock of the owning mheap
 * (struct gospan_mheap::lock); gospan_pagealloc does no locking itself.
 */
struct gospan_pagealloc {
	u64 *summary[GOSPAN_SUMMARY_LEVELS];
	unsigned int l0_bits;
	struct gospan_palloc_data **chunks;
	unsigned long nchunks;
	unsigned long search_addr;
	unsigned long start, end;
	size_t sys;
};

#define GOSPAN_MAX_SEARCH_ADDR	ULONG_MAX

int gospan_pagealloc_init(struct gospan_pagealloc *p, unsigned long nchunks);
void gospan_pagealloc_destroy(struct gospan_pagealloc *p);
bool gospan_pagealloc_grow(struct gospan_pagealloc *p, unsigned long base,
			   unsigned long npages, struct gospan_palloc_data **spare);
unsigned long gospan_pagealloc_alloc(struct gospan_pagealloc *p, unsigned long npages);
unsigned long gospan_pagealloc_alloc_aligned(struct gospan_pagealloc *p,
					     unsigned long npages, unsigned long align);
void gospan_pagealloc_alloc_range(struct gospan_pagealloc *p, unsigned long base,
				  unsigned long npages);
void gospan_pagealloc_free(struct gospan_pagealloc *p, unsigned long base,
			   unsigned long npages);
void gospan_pagealloc_free_deferred(struct gospan_pagealloc *p, unsigned long base,
				    unsigned long npages);
void gospan_pagealloc_update(struct gospan_pagealloc *p, unsigned long base,
			     unsigned long npages);
/* Pages a per-CPU page cache takes at once (Go's pageCachePages). */
#define GOSPAN_PCACHE_PAGES	64
unsigned long gospan_pagealloc_alloc_to_cache(struct gospan_pagealloc *p, unsigned long *base);
void gospan_pagealloc_free_cache(struct gospan_pagealloc *p, unsigned long base,
				 unsigned long cache);
unsigned long gospan_pagealloc_scavenge_one(struct gospan_pagealloc *p, unsigned long max,
					    unsigned int align, unsigned long *base);
unsigned long gospan_pagealloc_unscavenge(struct gospan_pagealloc *p, unsigned long base,
					  unsigned long npages);
u64 gospan_palloc_summarize(const struct gospan_palloc_data *d);
u64 gospan_merge_summaries(const u64 *sums, unsigned int n,
			   unsigned int log_max_pages);
int gospan_pagealloc_check(const struct gospan_pagealloc *p);

#endif /* _GOSPAN_MPAGEALLOC_H */
