// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for gospan's page allocator (mpagealloc.c).
 *
 * Go's own tests, carried over from Go 1.19 (Debian's golang-1.19-src):
 *  - mpagealloc_test.go TestPageAllocAlloc, TestPageAllocFree and
 *    TestPageAllocAllocAndFree: every case, converted from Go's tables by
 *    scripts/go-pagealloc-cases into go_pagealloc_cases.h, and checked as Go
 *    checks them (checkPageAlloc: start, end and every chunk's bitmap), plus
 *    the summaries verified against the bitmaps;
 *  - TestPageAllocExhaust: ported as a loop, as in Go;
 *  - mpallocbits_test.go TestPallocBitsSummarize: its nine cases, by hand,
 *    and TestPallocBitsSummarizeRandom, with more bitmaps of long runs;
 * Not carried over, and why:
 *  - the scav columns of TestPageAllocAlloc (the bytes of scavenged memory
 *    an allocation reuses): gospan keeps no per-page scavenged bits; it
 *    returns memory to the kernel a whole chunk at a time (mheap.c);
 *  - the Discontiguous* cases keep their layout but jump 0x10000 chunks
 *    instead of 0x100000: they target summary memory Go has not mapped, and
 *    gospan allocates all of its summaries up front;
 *  - TestPageAllocGrow checks Go's inUse list of mapped address ranges,
 *    which gospan does not have (its address space is the direct map);
 *  - mpagecache_test.go (the per-P pageCache): gospan has no page cache
 *    yet; it belongs with the per-CPU mcache;
 *  - the remaining mpallocbits_test.go cases test Go's own word-at-a-time
 *    bit searches, which gospan replaces with the kernel's bitmap library
 *    (its summaries are Go's, a word at a time).
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "mpagealloc.h"

#define GO_END		0xffffffffU
#define PAGES		((int)GOSPAN_CHUNK_PAGES)

struct go_range {
	unsigned int i, n;
};

struct go_chunk {
	unsigned int chunk;
	struct go_range r[4];
	unsigned int nr;
};

struct go_hit {
	bool alloc;
	unsigned long npages, base;
};

struct go_case {
	const char *name;
	const struct go_chunk *before, *after;
	const struct go_hit *hits;
};

#include "go_pagealloc_cases.h"

/* Go's NewPageAlloc: grow each chunk, then mark its ranges allocated. */
static struct gospan_pagealloc *new_pagealloc(struct kunit *test,
					      const struct go_chunk *layout)
{
	struct gospan_pagealloc *p;
	unsigned int max = 0, k, r;

	for (k = 0; layout[k].chunk != GO_END; k++)
		max = max(max, layout[k].chunk);
	p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, gospan_pagealloc_init(p, max + 1UL), 0);
	for (k = 0; layout[k].chunk != GO_END; k++) {
		struct gospan_palloc_data *spare = kzalloc(sizeof(*spare), GFP_KERNEL);
		unsigned long base = (unsigned long)layout[k].chunk * PAGES;

		KUNIT_ASSERT_NOT_NULL(test, spare);
		KUNIT_ASSERT_TRUE(test, gospan_pagealloc_grow(p, base, PAGES, &spare));
		KUNIT_EXPECT_NULL(test, spare);
		for (r = 0; r < layout[k].nr; r++)
			if (layout[k].r[r].n)
				gospan_pagealloc_alloc_range(p, base + layout[k].r[r].i,
							     layout[k].r[r].n);
	}
	return p;
}

static void free_pagealloc(struct gospan_pagealloc *p)
{
	gospan_pagealloc_destroy(p);
}

/* Go's checkPageAlloc, plus the summaries checked against the bitmaps. */
static void check_pagealloc(struct kunit *test, const char *name,
			    struct gospan_pagealloc *want, struct gospan_pagealloc *got)
{
	unsigned long ci;

	KUNIT_EXPECT_EQ_MSG(test, got->start, want->start, "%s: start", name);
	KUNIT_EXPECT_EQ_MSG(test, got->end, want->end, "%s: end", name);
	for (ci = want->start; ci < want->end && ci < got->nchunks; ci++) {
		struct gospan_palloc_data *w = want->chunks[ci], *g = got->chunks[ci];

		KUNIT_EXPECT_EQ_MSG(test, !w, !g, "%s: chunk 0x%lx exists?", name, ci);
		if (w && g)
			KUNIT_EXPECT_TRUE_MSG(test, bitmap_equal(w->alloc, g->alloc, PAGES),
					      "%s: chunk 0x%lx: bitmaps differ (%*pbl vs %*pbl)",
					      name, ci, PAGES, g->alloc, PAGES, w->alloc);
	}
	KUNIT_EXPECT_EQ_MSG(test, gospan_pagealloc_check(got), 0, "%s: summaries", name);
}

static void run_case(struct kunit *test, const struct go_case *c)
{
	struct gospan_pagealloc *b = new_pagealloc(test, c->before);
	const struct go_hit *h;
	unsigned int n = 1;

	for (h = c->hits; h->npages; h++, n++) {
		if (h->alloc) {
			unsigned long got = gospan_pagealloc_alloc(b, h->npages);

			KUNIT_ASSERT_EQ_MSG(test, got, h->base,
					    "%s: alloc #%u of %lu pages", c->name, n, h->npages);
		} else {
			gospan_pagealloc_free(b, h->base, h->npages);
		}
		KUNIT_ASSERT_EQ_MSG(test, gospan_pagealloc_check(b), 0,
				    "%s: after step #%u", c->name, n);
	}
	if (c->after) {
		struct gospan_pagealloc *want = new_pagealloc(test, c->after);

		check_pagealloc(test, c->name, want, b);
		free_pagealloc(want);
	}
	free_pagealloc(b);
}

static void go_case_desc(const struct go_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(go_pagealloc, go_pagealloc_cases, go_case_desc);

static void go_pagealloc_tables(struct kunit *test)
{
	run_case(test, test->param_value);
}

/* Hand-built layouts for what Go's tables leave implicit. */
static const struct go_chunk frag_before[] = {
	/* Holes of 3 pages everywhere in the first chunk... */
	{ 0x10, { { 0, 100 }, { 103, 200 }, { 306, 206 } }, 3 },
	/* ...nothing in the second... */
	{ 0x11, { { 0, PAGES } }, 1 },
	/* ...and one 40-page hole in the middle of the third. */
	{ 0x12, { { 0, 200 }, { 240, 272 } }, 2 },
	{ GO_END }
};

static const struct go_hit frag_hits[] = {
	/* Only the third chunk's max finds 40 pages: the holes are skipped. */
	{ true, 40, 0x12 * PAGES + 200 },
	/* 3 pages still go to the first hole, at the lowest address. */
	{ true, 3, 0x10 * PAGES + 100 },
	{ true, 4, 0 },
	{ .npages = 0 }
};

static const struct go_chunk edge_before[] = {
	/* Free: 5 at the start, 7 in the middle, 9 at the end of 0x20; 0x21 full. */
	{ 0x20, { { 5, 100 }, { 112, 391 } }, 2 },
	{ 0x21, { { 0, PAGES } }, 1 },
	{ GO_END }
};

static const struct go_hit edge_hits[] = {
	{ true, 9, 0x20 * PAGES + 503 },	/* the end */
	{ true, 6, 0x20 * PAGES + 105 },	/* the middle */
	{ true, 5, 0x20 * PAGES + 0 },	/* the start */
	{ true, 1, 0x20 * PAGES + 111 },
	{ true, 1, 0 },			/* full */
	{ false, 2, 0x20 * PAGES + 3 },	/* a free below search_addr... */
	{ true, 2, 0x20 * PAGES + 3 },	/* ...is found again */
	{ .npages = 0 }
};

static const struct go_chunk cross_before[] = {
	/* 10 free pages at the end of 0x30, all of 0x31, 20 at the start of 0x32. */
	{ 0x30, { { 0, 502 } }, 1 },
	{ 0x31, { }, 0 },
	{ 0x32, { { 20, 492 } }, 1 },
	{ GO_END }
};

static const struct go_hit cross_hits[] = {
	{ true, 10 + PAGES + 20, 0x30 * PAGES + 502 },	/* crosses two boundaries */
	{ true, 1, 0 },
	{ false, 10 + PAGES + 20, 0x30 * PAGES + 502 },	/* coalesces again */
	{ true, 11, 0x30 * PAGES + 502 },		/* crosses one */
	{ .npages = 0 }
};

static const struct go_case hand_cases[] = {
	{ "fragmented: only max finds the run", frag_before, NULL, frag_hits },
	{ "runs at a chunk's start, middle and end", edge_before, NULL, edge_hits },
	{ "runs across chunk boundaries", cross_before, NULL, cross_hits },
};

KUNIT_ARRAY_PARAM(hand_pagealloc, hand_cases, go_case_desc);

static void hand_built_layouts(struct kunit *test)
{
	run_case(test, test->param_value);
}

/* Go's TestPageAllocExhaust. */
static void exhaust(struct kunit *test)
{
	static const unsigned long sizes[] = {
		1, 2, 3, 4, 5, 8, 16, 64, 1024, 1025, 2048, 2049
	};
	const unsigned long base = 0xc000UL * PAGES;
	static struct go_chunk four_free[5];
	unsigned int s, k;

	for (k = 0; k < 4; k++)
		four_free[k] = (struct go_chunk){ .chunk = 0xc000 + k };
	four_free[4].chunk = GO_END;

	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		struct gospan_pagealloc *b = new_pagealloc(test, four_free);
		unsigned long n = sizes[s], nalloc = 4 * PAGES / n, i, left;

		for (i = 0; i < nalloc; i++)
			KUNIT_ASSERT_EQ_MSG(test, gospan_pagealloc_alloc(b, n), base + i * n,
					    "npages %lu, alloc #%lu", n, i + 1);
		KUNIT_EXPECT_EQ_MSG(test, gospan_pagealloc_alloc(b, n), 0UL, "npages %lu", n);
		left = nalloc * n;
		for (k = 0; k < 4; k++) {
			unsigned long used = min_t(unsigned long, left, PAGES);
			unsigned long *bits = b->chunks[0xc000 + k]->alloc;

			KUNIT_EXPECT_EQ_MSG(test, bitmap_weight(bits, PAGES), used,
					    "npages %lu chunk %u", n, k);
			KUNIT_EXPECT_EQ_MSG(test, find_first_zero_bit(bits, PAGES), used,
					    "npages %lu chunk %u", n, k);
			left -= used;
		}
		KUNIT_EXPECT_EQ(test, gospan_pagealloc_check(b), 0);
		free_pagealloc(b);
	}
}

/* Go's TestPallocBitsSummarize: free ranges in, summary out. */
static void summarize(struct kunit *test)
{
	static const struct {
		const char *name;
		struct go_range free[3];
		unsigned long start, max, end;
	} cases[] = {
		{ "NoneFree", { }, 0, 0, 0 },
		{ "OnlyStart", { { 0, 10 } }, 10, 10, 0 },
		{ "OnlyEnd", { { PAGES - 40, 40 } }, 0, 40, 40 },
		{ "StartAndEnd", { { 0, 11 }, { PAGES - 23, 23 } }, 11, 23, 23 },
		{ "StartMaxEnd", { { 0, 4 }, { 50, 100 }, { PAGES - 4, 4 } }, 4, 100, 4 },
		{ "OnlyMax", { { 1, 20 }, { 35, 241 }, { PAGES - 50, 30 } }, 0, 241, 0 },
		{ "MultiMax", { { 35, 2 }, { 40, 5 }, { 100, 5 } }, 0, 5, 0 },
		{ "One", { { 2, 1 } }, 0, 1, 0 },
		{ "AllFree", { { 0, PAGES } }, PAGES, PAGES, PAGES },
	};
	struct gospan_palloc_data d;
	unsigned int c, r;

	for (c = 0; c < ARRAY_SIZE(cases); c++) {
		bitmap_fill(d.alloc, PAGES);
		for (r = 0; r < ARRAY_SIZE(cases[c].free); r++)
			bitmap_clear(d.alloc, cases[c].free[r].i, cases[c].free[r].n);
		KUNIT_EXPECT_EQ_MSG(test, gospan_palloc_summarize(&d),
				    gospan_palloc_sum_pack(cases[c].start, cases[c].max,
							   cases[c].end),
				    "%s", cases[c].name);
	}
}

/* Go's SummarizeSlow: the reference, a bit at a time. */
static u64 summarize_slow(const struct gospan_palloc_data *d)
{
	unsigned long start = 0, end = 0, max = 0, run = 0, i;

	while (start < PAGES && !test_bit(start, d->alloc))
		start++;
	while (end < PAGES && !test_bit(PAGES - 1 - end, d->alloc))
		end++;
	for (i = 0; i < PAGES; i++) {
		run = test_bit(i, d->alloc) ? 0 : run + 1;
		max = max(max, run);
	}
	return gospan_palloc_sum_pack(start, max, end);
}

/*
 * Go's TestPallocBitsSummarizeRandom (random words, so short runs), and
 * bitmaps made of runs whose lengths cluster around a word's (63, 64, 65)
 * and its fractions, where the word-at-a-time summary changes method.
 */
static void summarize_random(struct kunit *test)
{
	static const unsigned int lens[] = { 1, 2, 3, 7, 31, 32, 33, 61, 62, 63, 64, 65, 127, 200 };
	struct gospan_palloc_data d;
	struct rnd_state rnd;
	unsigned int i, w, pos, n;
	bool set;

	prandom_seed_state(&rnd, 19);
	for (i = 0; i < 1000; i++) {
		for (w = 0; w < BITS_TO_LONGS(PAGES); w++)
			d.alloc[w] = ((unsigned long)prandom_u32_state(&rnd) << 32) |
				     prandom_u32_state(&rnd);
		KUNIT_ASSERT_EQ_MSG(test, gospan_palloc_summarize(&d), summarize_slow(&d),
				    "random words, bitmap %u", i);
	}
	for (i = 0; i < 1000; i++) {
		set = prandom_u32_state(&rnd) & 1;
		for (pos = 0; pos < PAGES; pos += n, set = !set) {
			n = lens[prandom_u32_state(&rnd) % ARRAY_SIZE(lens)];
			n = min_t(unsigned int, n, PAGES - pos);
			if (set)
				bitmap_set(d.alloc, pos, n);
			else
				bitmap_clear(d.alloc, pos, n);
		}
		KUNIT_ASSERT_EQ_MSG(test, gospan_palloc_summarize(&d), summarize_slow(&d),
				    "runs, bitmap %u", i);
	}
}

/* pallocSum packing, the all-free special case, and the merge rules. */
static void pack_and_merge(struct kunit *test)
{
	const unsigned long top = GOSPAN_MAX_PACKED - 1;
	u64 sums[8], free_chunk = gospan_palloc_sum_pack(PAGES, PAGES, PAGES);
	u64 s = gospan_palloc_sum_pack(top, top, top);
	unsigned int i, l;

	KUNIT_EXPECT_EQ(test, gospan_palloc_sum_start(s), top);
	KUNIT_EXPECT_EQ(test, gospan_palloc_sum_max(s), top);
	KUNIT_EXPECT_EQ(test, gospan_palloc_sum_end(s), top);
	s = gospan_palloc_sum_pack(3, 17, 5);
	KUNIT_EXPECT_EQ(test, gospan_palloc_sum_start(s), 3UL);
	KUNIT_EXPECT_EQ(test, gospan_palloc_sum_max(s), 17UL);
	KUNIT_EXPECT_EQ(test, gospan_palloc_sum_end(s), 5UL);
	/* All free at the top level: only bit 63, and it reads back whole. */
	s = gospan_palloc_sum_pack(GOSPAN_MAX_PACKED, GOSPAN_MAX_PACKED, GOSPAN_MAX_PACKED);
	KUNIT_EXPECT_EQ(test, s, GOSPAN_PALLOC_SUM_FREE);
	KUNIT_EXPECT_EQ(test, gospan_palloc_sum_start(s), GOSPAN_MAX_PACKED);
	KUNIT_EXPECT_EQ(test, gospan_palloc_sum_max(s), GOSPAN_MAX_PACKED);
	KUNIT_EXPECT_EQ(test, gospan_palloc_sum_end(s), GOSPAN_MAX_PACKED);
	KUNIT_EXPECT_EQ(test, gospan_palloc_sum_pack(0, 0, 0), 0ULL);

	/*
	 * Eight free regions merge into one free region eight times larger, at
	 * every level; at the top, 2^21 free pages are the special case.
	 */
	s = free_chunk;
	for (l = 0; l < GOSPAN_SUMMARY_LEVELS - 1; l++) {
		unsigned int log = GOSPAN_CHUNK_PAGES_SHIFT + 3 * l;

		for (i = 0; i < 8; i++)
			sums[i] = s;
		s = gospan_merge_summaries(sums, 8, log);
		if (l < GOSPAN_SUMMARY_LEVELS - 2)
			KUNIT_EXPECT_EQ(test, s, gospan_palloc_sum_pack(8UL << log, 8UL << log,
									8UL << log));
	}
	KUNIT_EXPECT_EQ(test, s, GOSPAN_PALLOC_SUM_FREE);

	/* Runs join across neighbours: end of one + start of the next. */
	sums[0] = gospan_palloc_sum_pack(2, 10, 30);
	sums[1] = gospan_palloc_sum_pack(40, 40, 1);
	sums[2] = free_chunk;
	sums[3] = gospan_palloc_sum_pack(7, 9, 0);
	s = gospan_merge_summaries(sums, 4, GOSPAN_CHUNK_PAGES_SHIFT);
	KUNIT_EXPECT_EQ(test, gospan_palloc_sum_start(s), 2UL);
	KUNIT_EXPECT_EQ(test, gospan_palloc_sum_max(s), 1UL + PAGES + 7);
	KUNIT_EXPECT_EQ(test, gospan_palloc_sum_end(s), 0UL);
	/* A fully free first region extends the start. */
	sums[0] = free_chunk;
	sums[1] = gospan_palloc_sum_pack(3, 3, 0);
	s = gospan_merge_summaries(sums, 2, GOSPAN_CHUNK_PAGES_SHIFT);
	KUNIT_EXPECT_EQ(test, s, gospan_palloc_sum_pack(PAGES + 3, PAGES + 3, 0));
}

/*
 * Thousands of random allocations and frees, each checked against a plain
 * bitmap of the same pages searched first-fit, and the summaries verified
 * after every step. The layout has gaps, neighbours and a chunk gospan
 * owns only in part.
 */
static void random_model(struct kunit *test)
{
	static const unsigned int grown[] = { 3, 4, 5, 9, 17, 18 };
	const unsigned long lo = 3 * PAGES, span = 16 * PAGES;
	struct gospan_pagealloc *p;
	unsigned long *model, *live_base, *live_n, nlive = 0, step;
	struct rnd_state rnd;
	unsigned int k;

	p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	model = kunit_kzalloc(test, BITS_TO_LONGS(span) * sizeof(long), GFP_KERNEL);
	live_base = kunit_kcalloc(test, 4096, sizeof(long), GFP_KERNEL);
	live_n = kunit_kcalloc(test, 4096, sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, p && model && live_base && live_n);
	KUNIT_ASSERT_EQ(test, gospan_pagealloc_init(p, 32), 0);

	bitmap_fill(model, span);
	for (k = 0; k < ARRAY_SIZE(grown); k++) {
		struct gospan_palloc_data *spare = kzalloc(sizeof(*spare), GFP_KERNEL);
		unsigned long base = (unsigned long)grown[k] * PAGES, n = PAGES;

		if (grown[k] == 18) {	/* owned in part: pages 64..191 */
			base += 64;
			n = 128;
		}
		KUNIT_ASSERT_NOT_NULL(test, spare);
		KUNIT_ASSERT_TRUE(test, gospan_pagealloc_grow(p, base, n, &spare));
		kfree(spare);
		bitmap_clear(model, base - lo, n);
	}

	prandom_seed_state(&rnd, 0x60598a9);
	for (step = 0; step < 5000; step++) {
		bool do_alloc = nlive < 4096 && (!nlive || prandom_u32_state(&rnd) % 100 < 55);

		if (do_alloc) {
			u32 r = prandom_u32_state(&rnd);
			/* Mostly small runs, sometimes more than a chunk. */
			unsigned long n = r % 8 ? 1 + r % 13 : 1 + r % 700;
			unsigned long want = bitmap_find_next_zero_area(model, span, 0, n, 0);
			unsigned long got = gospan_pagealloc_alloc(p, n);

			want = want + n <= span ? want + lo : 0;
			KUNIT_ASSERT_EQ_MSG(test, got, want, "step %lu: alloc %lu pages", step, n);
			if (got) {
				bitmap_set(model, got - lo, n);
				live_base[nlive] = got;
				live_n[nlive++] = n;
			}
		} else {
			unsigned long v = prandom_u32_state(&rnd) % nlive;

			gospan_pagealloc_free(p, live_base[v], live_n[v]);
			bitmap_clear(model, live_base[v] - lo, live_n[v]);
			live_base[v] = live_base[--nlive];
			live_n[v] = live_n[nlive];
		}
		KUNIT_ASSERT_EQ_MSG(test, gospan_pagealloc_check(p), 0, "step %lu", step);
	}
	gospan_pagealloc_destroy(p);
}

static struct kunit_case mpagealloc_cases[] = {
	KUNIT_CASE(pack_and_merge),
	KUNIT_CASE(summarize),
	KUNIT_CASE(summarize_random),
	KUNIT_CASE_PARAM(go_pagealloc_tables, go_pagealloc_gen_params),
	KUNIT_CASE(exhaust),
	KUNIT_CASE_PARAM(hand_built_layouts, hand_pagealloc_gen_params),
	KUNIT_CASE(random_model),
	{}
};

static struct kunit_suite mpagealloc_suite = {
	.name = "gospan_mpagealloc",
	.test_cases = mpagealloc_cases,
};

kunit_test_suite(mpagealloc_suite);
