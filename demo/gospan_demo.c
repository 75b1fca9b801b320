// SPDX-License-Identifier: GPL-2.0
/*
 * The demonstration workload of `make run`.
 *
 * It takes a mix of request sizes shaped like a kernel's (the sizes of
 * common slab objects, weighted roughly by how often they are allocated),
 * allocates them from gospan with a working set of WORKING_SET live objects
 * (the oldest is freed when a new one comes), and keeps the last working
 * set until it is unloaded, so that gospan's debugfs files show a heap in
 * use. It also reports the bytes lost to rounding, beside kmalloc's
 * rounding of the same requests on the same kernel, and runs a cache of
 * 192-byte objects with a constructor.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "gospan.h"

/* Typical kernel object sizes and a relative frequency for each. */
static const struct {
	unsigned int size, weight;
} demo_mix[] = {
	{ 8, 40 }, { 16, 60 }, { 24, 30 }, { 40, 40 }, { 56, 30 },
	{ 64, 50 }, { 72, 20 }, { 96, 30 }, { 104, 40 }, { 136, 20 },
	{ 184, 15 }, { 192, 40 }, { 232, 10 }, { 256, 30 }, { 320, 10 },
	{ 448, 10 }, { 512, 20 }, { 600, 25 }, { 704, 10 }, { 1024, 15 },
	{ 1100, 8 }, { 1536, 5 }, { 2048, 8 }, { 3000, 3 }, { 4096, 10 },
	{ 5000, 2 }, { 8192, 4 }, { 12000, 2 }, { 40000, 1 }, { 100000, 1 },
};

static unsigned int nr_requests = 100000;
module_param(nr_requests, uint, 0444);
MODULE_PARM_DESC(nr_requests, "how many requests to draw from the mix");

#define WORKING_SET	4096

static void *live[WORKING_SET];
static struct gospan_cache *demo_cache;
static void *cached[256];

static void demo_ctor(void *obj)
{
	memset(obj, 0x5a, 192);
}

/*
 * The working set's requests and the cache's objects. Not __init: the heap
 * profile names the frames of its samples when it is read, after init's
 * text is gone.
 */
static noinline void gospan_demo_run(void)
{
	unsigned int i, total_weight = 0;
	u64 asked = 0, gospan_bytes = 0, kmalloc_bytes = 0;
	unsigned int failed = 0;
	struct rnd_state rnd;

	prandom_seed_state(&rnd, 42);
	for (i = 0; i < ARRAY_SIZE(demo_mix); i++)
		total_weight += demo_mix[i].weight;

	for (i = 0; i < nr_requests; i++) {
		u32 pick = prandom_u32_state(&rnd) % total_weight;
		unsigned int j = 0;
		size_t size;

		while (pick >= demo_mix[j].weight)
			pick -= demo_mix[j++].weight;
		/* Jitter each request within 1/8 below its object size. */
		size = demo_mix[j].size - prandom_u32_state(&rnd) % (demo_mix[j].size / 8 + 1);
		asked += size;
		gospan_bytes += gospan_size_roundup(size);
		kmalloc_bytes += kmalloc_size_roundup(size);
		gospan_free(live[i % WORKING_SET]);
		live[i % WORKING_SET] = gospan_alloc(size, GFP_KERNEL);
		if (!live[i % WORKING_SET])
			failed++;
	}

	demo_cache = gospan_cache_create("demo-192", 192, 0, 0, demo_ctor);
	if (demo_cache)
		for (i = 0; i < ARRAY_SIZE(cached); i++)
			cached[i] = gospan_cache_alloc(demo_cache, GFP_KERNEL);

	pr_info("%u requests, %llu bytes asked, %u failed; %u kept live\n",
		nr_requests, asked, failed, min_t(unsigned int, nr_requests, WORKING_SET));
	pr_info("gospan rounds them to %llu bytes (%llu.%02llu%% lost to rounding)\n",
		gospan_bytes, div64_u64((gospan_bytes - asked) * 100, gospan_bytes),
		div64_u64((gospan_bytes - asked) * 10000, gospan_bytes) % 100);
	pr_info("kmalloc rounds them to %llu bytes (%llu.%02llu%% lost to rounding)\n",
		kmalloc_bytes, div64_u64((kmalloc_bytes - asked) * 100, kmalloc_bytes),
		div64_u64((kmalloc_bytes - asked) * 10000, kmalloc_bytes) % 100);
}

static int __init gospan_demo_init(void)
{
	gospan_demo_run();
	return 0;
}

static void __exit gospan_demo_exit(void)
{
	unsigned int i;

	for (i = 0; i < WORKING_SET; i++)
		gospan_free(live[i]);
	if (demo_cache) {
		gospan_cache_free_bulk(demo_cache, ARRAY_SIZE(cached), cached);
		gospan_cache_destroy(demo_cache);
	}
}

module_init(gospan_demo_init);
module_exit(gospan_demo_exit);

MODULE_IMPORT_NS(GOSPAN);
MODULE_DESCRIPTION("gospan's demonstration workload");
MODULE_LICENSE("GPL");
