// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of how gospan holds and gives back pages: the scavenger and
 * the shrinker (mgcscavenge.c) and the per-CPU page caches
 * (mpagecache.c), against what the issue and Go promise:
 *
 *  - after a burst and a quiet period the scavenger gives the idle pages
 *    back, in whole 1 MiB grow blocks: HeapReleased rises and the
 *    kernel's free memory comes back;
 *  - under a steady load it gives nothing back and the heap never grows
 *    again (no churn);
 *  - when a memory hog puts the kernel under pressure, the shrinker gives
 *    free pages back although the scavenger is off;
 *  - spans of objects come from the CPU's page cache without the heap
 *    lock, most of the time; a CPU going offline gives its cache back.
 */
#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include "gospan.h"
#include "gospan_kunit.h"
#include "internal.h"
#include "mcache.h"
#include "mheap.h"
#include "msize.h"

/* Bytes gospan's heap holds from the kernel: HeapSys less HeapReleased. */
static u64 heap_held(void)
{
	struct gospan_memstats s;

	gospan_read_memstats(&s);
	return s.heap_sys - s.heap_released;
}

static void **alloc_many(struct kunit *test, unsigned int n, size_t size)
{
	void **objs = kunit_kmalloc_array(test, n, sizeof(*objs), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (i = 0; i < n; i++) {
		objs[i] = gospan_alloc(size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	return objs;
}

static void free_many(void **objs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		gospan_free(objs[i]);
}

/*
 * A burst, then quiet: the scavenger gives the idle pages back, within its
 * share of a CPU at first (1%, measured), then faster (50%) to finish.
 */
static void scavenge_after_burst(struct kunit *test)
{
	unsigned int n = SZ_16M / SZ_4K, old = gospan_scavenger_period(0), waited, still;
	unsigned int old_pct = gospan_scavenger_percent(1);
	struct gospan_scavenger_stats st0, st1, st2;
	struct sysinfo mid, after;
	struct gospan_memstats s;
	u64 max_released = 0, t0, wall, bound;
	void **objs;

	gospan_mcache_drain_all(GOSPAN_ALL_SPANCLASSES);
	gospan_mheap_release(&gospan_heap);
	objs = alloc_many(test, n, SZ_4K);
	free_many(objs, n);
	KUNIT_EXPECT_GE(test, heap_held(), (u64)SZ_16M);
	si_meminfo(&mid);

	/*
	 * 50 ms periods: the burst's peak leaves the 5-period window, and the
	 * scavenger starts giving pages back at its 1% (a slow machine paces
	 * its runs further apart: wait up to 5 s for the first pages).
	 */
	gospan_scavenger_read(&st0);
	t0 = ktime_get_ns();
	gospan_scavenger_period(50);
	for (waited = 0; waited < 5000; waited += 100) {
		msleep(100);
		gospan_scavenger_read(&st1);
		if (st1.released > st0.released && waited >= 900)
			break;
	}
	wall = ktime_get_ns() - t0;
	kunit_info(test, "1%% share: %lu runs, %lu pages in %llu us of %llu ms",
		   st1.runs - st0.runs, st1.released - st0.released,
		   (st1.work_ns - st0.work_ns) / NSEC_PER_USEC, wall / NSEC_PER_MSEC);
	KUNIT_EXPECT_GT(test, st1.released, st0.released);
	/*
	 * 1% of the time, and the run the period change started at once: a
	 * run is paced by the one before it.
	 */
	KUNIT_EXPECT_LE(test, st1.work_ns - st0.work_ns, wall / 100 + 2 * st1.max_run_ns);

	/*
	 * It gives back whole 1 MiB grow blocks (mheap.c says why): besides
	 * its goal, a block stays where a CPU's page cache still has pages
	 * (the guests of make test have 4 CPUs; a larger machine counts 4).
	 */
	bound = SZ_4M + (u64)min(num_online_cpus(), 4U) * GOSPAN_RELEASE_BLOCK_PAGES *
			GOSPAN_PAGE_SIZE;
	gospan_scavenger_percent(50);
	/* Until it has given nothing back for 3 s: its goal. */
	for (waited = 0, still = 0; waited < 15000 && still < 3000; waited += 50) {
		u64 held = heap_held();

		gospan_read_memstats(&s);
		max_released = max(max_released, s.heap_released);
		msleep(50);
		still = heap_held() < held ? 0 : still + 50;
	}
	gospan_read_memstats(&s);
	max_released = max(max_released, s.heap_released);
	gospan_scavenger_period(old);
	gospan_scavenger_percent(old_pct);
	gospan_scavenger_read(&st2);
	si_meminfo(&after);
	kunit_info(test, "held %llu KiB after %u ms more, scavenged %lu pages, keeps %lu, HeapReleased peaked at %llu KiB",
		   heap_held() >> 10, waited, st2.released - st0.released, st2.retain,
		   max_released >> 10);
	KUNIT_EXPECT_LE(test, heap_held(), bound);
	KUNIT_EXPECT_EQ(test, (st2.released - st0.released) % GOSPAN_RELEASE_BLOCK_PAGES, 0UL);
	KUNIT_EXPECT_GE(test, (st2.released - st0.released) * GOSPAN_PAGE_SIZE,
			(unsigned long)SZ_8M);
	KUNIT_EXPECT_GT(test, max_released, 0ULL);
	KUNIT_EXPECT_LE(test, s.heap_released, s.heap_idle);
	/*
	 * The kernel's free memory grew by what was given back: half of it at
	 * least, the rest of the kernel (KASAN's quarantine, kmemleak) being
	 * busy meanwhile.
	 */
	KUNIT_EXPECT_GE(test, (long)(after.freeram - mid.freeram) * (long)after.mem_unit,
			(long)((st2.released - st0.released) * GOSPAN_PAGE_SIZE / 2));
}

/*
 * A steady load: nothing given back and grown again, over and over. On
 * one CPU: a load that moves to a CPU it never ran on makes that CPU fill
 * its kept spans (struct gospan_mcache_class), a grow that is not churn.
 */
static void scavenge_steady_no_churn(struct kunit *test)
{
	unsigned int n = SZ_2M / SZ_4K, old = gospan_scavenger_period(20), round, i;
	struct gospan_scavenger_stats st0, st1;
	struct gospan_memstats s0, s1;
	void **objs;

	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(raw_smp_processor_id())),
			0);
	gospan_mcache_drain_all(GOSPAN_ALL_SPANCLASSES);
	gospan_mheap_release(&gospan_heap);
	objs = alloc_many(test, n, SZ_4K);
	/* 200 rounds of churn, 2 ms each: the first 50 let the scavenger settle. */
	for (round = 0; round < 200; round++) {
		if (round == 50) {
			gospan_read_memstats(&s0);
			gospan_scavenger_read(&st0);
		}
		for (i = 0; i < 32; i++) {
			unsigned int k = get_random_u32() % n;

			gospan_free(objs[k]);
			objs[k] = gospan_alloc(SZ_4K, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, objs[k]);
		}
		usleep_range(2000, 2500);
	}
	gospan_read_memstats(&s1);
	gospan_scavenger_read(&st1);
	gospan_scavenger_period(old);
	free_many(objs, n);
	set_cpus_allowed_ptr(current, cpu_possible_mask);
	kunit_info(test, "steady: %lu runs, %lu pages scavenged, %llu grows, %llu KiB held",
		   st1.runs - st0.runs, st1.released - st0.released,
		   s1.heap_grows - s0.heap_grows, (s1.heap_sys - s1.heap_released) >> 10);
	KUNIT_EXPECT_GT(test, st1.runs, st0.runs);
	KUNIT_EXPECT_EQ(test, st1.released, st0.released);
	KUNIT_EXPECT_EQ(test, s1.heap_grows, s0.heap_grows);
}

/* A memory hog: the kernel's pressure makes the shrinker give pages back. */
static void shrinker_under_pressure(struct kunit *test)
{
	unsigned int n = SZ_32M / SZ_4K, old = gospan_scavenger_period(0);
	struct gospan_scavenger_stats st0, st;
	unsigned long hogged = 0;
	struct page *page, *next;
	struct sysinfo si;
	LIST_HEAD(hog);
	u64 held0;
	void **objs;

	gospan_mcache_drain_all(GOSPAN_ALL_SPANCLASSES);
	gospan_mheap_release(&gospan_heap);
	objs = alloc_many(test, n, SZ_4K);
	free_many(objs, n);
	held0 = heap_held();
	gospan_scavenger_read(&st0);
	for (;;) {
		page = alloc_page(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN);
		if (!page)
			break;
		list_add(&page->lru, &hog);
		if (++hogged % 256)
			continue;
		gospan_scavenger_read(&st);
		if (st.shrunk > st0.shrunk)
			break;
		si_meminfo(&si);
		if (si.freeram < si.totalram / 16)
			usleep_range(10000, 11000);	/* kswapd's turn */
	}
	gospan_scavenger_read(&st);
	list_for_each_entry_safe(page, next, &hog, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
	gospan_scavenger_period(old);
	kunit_info(test, "hogged %lu MiB; shrinker: %lu scans, %lu pages given back; held %llu -> %llu KiB",
		   hogged >> (20 - PAGE_SHIFT), st.scans - st0.scans, st.shrunk - st0.shrunk,
		   held0 >> 10, heap_held() >> 10);
	KUNIT_EXPECT_GT(test, st.scans, st0.scans);
	KUNIT_EXPECT_GT(test, st.shrunk, st0.shrunk);
	KUNIT_EXPECT_LT(test, heap_held(), held0);
}

/* Spans of objects come from the CPU's page cache, not under the heap lock. */
static void pcache_serves_spans(struct kunit *test)
{
	unsigned long h0, r0, m0, h1, r1, m1;
	struct gospan_memstats s;
	unsigned int n = 48;
	void **objs;

	migrate_disable();
	gospan_mcache_drain_all(GOSPAN_ALL_SPANCLASSES);
	gospan_mcentral_release_empty(gospan_centrals[gospan_alloc_class(SZ_8K)]);
	KUNIT_EXPECT_EQ(test, gospan_pcache_pages(), 0UL);
	gospan_pcache_counts(&h0, &r0, &m0);
	/* One object per one-page span: every allocation makes a span. */
	objs = alloc_many(test, n, SZ_8K);
	gospan_pcache_counts(&h1, &r1, &m1);
	kunit_info(test, "%u spans: %lu from the page cache, %lu refills, %lu misses",
		   n, h1 - h0, r1 - r0, m1 - m0);
	KUNIT_EXPECT_GE(test, h1 - h0, (unsigned long)n * 3 / 4);
	KUNIT_EXPECT_LE(test, r1 - r0, 4UL);
	gospan_read_memstats(&s);
	/* Pages free in the cache are idle, not in use. */
	KUNIT_EXPECT_GE(test, s.heap_idle, (u64)gospan_pcache_pages() * GOSPAN_PAGE_SIZE);
	KUNIT_EXPECT_GE(test, s.heap_inuse, (u64)n * SZ_8K);
	KUNIT_EXPECT_EQ(test, s.heap_inuse + s.heap_idle, s.heap_sys);
	KUNIT_EXPECT_LE(test, s.heap_alloc, s.heap_inuse);
	free_many(objs, n);
	migrate_enable();
	gospan_mcache_drain_all(GOSPAN_ALL_SPANCLASSES);
	KUNIT_EXPECT_EQ(test, gospan_pcache_pages(), 0UL);
}

static int fill_pcache(void *arg)
{
	void *p[40];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(p); i++)
		p[i] = gospan_alloc(SZ_8K, GFP_KERNEL);
	for (i = 0; i < ARRAY_SIZE(p); i++)
		gospan_free(p[i]);
	return 0;
}

/* A CPU going offline gives its page cache back. */
static void pcache_cpu_offline(struct kunit *test)
{
	unsigned int cpu;
	int err;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	cpu = cpumask_last(cpu_online_mask);
	gospan_mcache_drain_all(GOSPAN_ALL_SPANCLASSES);
	gospan_mcentral_release_empty(gospan_centrals[gospan_alloc_class(SZ_8K)]);
	KUNIT_ASSERT_EQ(test, smp_call_on_cpu(cpu, fill_pcache, NULL, false), 0);
	KUNIT_EXPECT_GT(test, gospan_pcache_pages(), 0UL);
	err = remove_cpu(cpu);
	if (err)
		kunit_skip(test, "remove_cpu(%u): %d", cpu, err);
	KUNIT_EXPECT_EQ(test, gospan_pcache_pages(), 0UL);
	KUNIT_EXPECT_EQ(test, add_cpu(cpu), 0);
}

static struct kunit_case pages_cases[] = {
	KUNIT_CASE(pcache_serves_spans),
	KUNIT_CASE(pcache_cpu_offline),
	KUNIT_CASE(scavenge_after_burst),
	KUNIT_CASE(scavenge_steady_no_churn),
	KUNIT_CASE(shrinker_under_pressure),
	{}
};

static struct kunit_suite gospan_pages_suite = {
	.name = "gospan_pages",
	.init = gospan_test_init,
	.exit = gospan_test_exit,
	.test_cases = pages_cases,
};

kunit_test_suite(gospan_pages_suite);
