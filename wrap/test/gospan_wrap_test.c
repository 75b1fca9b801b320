// SPDX-License-Identifier: GPL-2.0
/*
 * gospan_wrap_test.ko: an ordinary module that knows nothing of gospan and
 * uses the kernel's slab API as any module does. scripts/gospan-wrap builds
 * it, and scripts/gospan-test loads it after gospan.ko and gospan_wrap.ko:
 * each check below is a promise of include/linux/slab.h that must still
 * hold with the calls going to gospan. Its init prints one line per failed
 * check and then "gospan_wrap_test: N passed, M failed"; it fails to load
 * if any failed.
 */
#include <linux/align.h>
#include <linux/mempool.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

static unsigned int passed, failed;

#define CHECK(cond)							\
do {									\
	if (cond) {							\
		passed++;						\
	} else {							\
		failed++;						\
		pr_err("gospan_wrap_test: FAIL line %d: %s\n", __LINE__, #cond); \
	}								\
} while (0)

struct item {
	u32 magic;
	struct rcu_head rcu;
	char name[40];
};

#define ITEM_MAGIC	0x17e3c0deU

static void item_ctor(void *obj)
{
	((struct item *)obj)->magic = ITEM_MAGIC;
}

static void kmalloc_checks(void)
{
	static const size_t sizes[] = { 1, 8, 24, 64, 100, 256, 1000, 2048, 4096, 9000,
					32768, 65536, 300000 };
	unsigned int i;
	char *s, *p, *q;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t size = sizes[i], align = size & -size;

		p = kmalloc(size, GFP_KERNEL);
		CHECK(p);
		if (!p)
			continue;
		CHECK(IS_ALIGNED((unsigned long)p, min_t(size_t, align, PAGE_SIZE)) &&
		      IS_ALIGNED((unsigned long)p, ARCH_KMALLOC_MINALIGN));
		CHECK(ksize(p) >= size);
		CHECK(kmalloc_size_roundup(size) >= size);
		memset(p, 0x5a, size);
		kfree(p);
		p = kzalloc(size, GFP_KERNEL);
		CHECK(p && !memchr_inv(p, 0, size));
		kfree(p);
	}
	/* krealloc() keeps the contents, in place or not. */
	p = kmalloc(100, GFP_KERNEL);
	CHECK(p);
	if (p) {
		memset(p, 0x11, 100);
		q = krealloc(p, 5000, GFP_KERNEL);
		CHECK(q && !memchr_inv(q, 0x11, 100));
		p = q ?: p;
		q = krealloc(p, 50, GFP_KERNEL);
		CHECK(q && !memchr_inv(q, 0x11, 50));
		kfree(q ?: p);
	}
	p = kcalloc(10, 100, GFP_KERNEL);
	CHECK(p && !memchr_inv(p, 0, 1000));
	kfree_sensitive(p);
	CHECK(!kmalloc_array(SIZE_MAX / 2, 3, GFP_KERNEL));
	/* The kernel's memory, freed by the module: the kernel's kfree(). */
	s = kstrdup("allocated by the kernel", GFP_KERNEL);
	CHECK(s);
	kfree(s);
	kfree(NULL);
	kfree(ZERO_SIZE_PTR);
	CHECK(kmalloc(0, GFP_KERNEL) == ZERO_SIZE_PTR);
	p = kmalloc(64, GFP_ATOMIC);
	CHECK(p);
	kfree(p);
}

static void kvmalloc_checks(void)
{
	char *p = kvmalloc(1000, GFP_KERNEL), *q;

	CHECK(p && !is_vmalloc_addr(p));
	kvfree(p);
	p = kvzalloc(1 << 20, GFP_KERNEL);
	CHECK(p && !memchr_inv(p, 0, 1 << 20));
	if (p) {
		memset(p, 0x22, 4096);
		q = kvrealloc(p, 2 << 20, GFP_KERNEL);
		CHECK(q && !memchr_inv(q, 0x22, 4096));
		kvfree(q ?: p);
	}
	p = kvmalloc(8000, GFP_KERNEL);
	CHECK(p);
	if (p) {
		memset(p, 0x33, 8000);
		q = kvrealloc(p, 100000, GFP_KERNEL);
		CHECK(q && !memchr_inv(q, 0x33, 8000));
		kvfree(q ?: p);
	}
}

static void cache_checks(void)
{
	struct kmem_cache *c = KMEM_CACHE(item, SLAB_HWCACHE_ALIGN);
	struct kmem_cache *ts = kmem_cache_create("gospan_wrap_test_ts", sizeof(struct item), 0,
						  SLAB_TYPESAFE_BY_RCU, item_ctor);
	struct kmem_cache *big = kmem_cache_create("gospan_wrap_test_big", 65536, 0, 0, NULL);
	void *objs[40], *mixed[4];
	struct item *it;
	mempool_t *pool;
	unsigned int i;

	CHECK(c && ts && big);
	if (!c || !ts || !big)
		goto out;
	CHECK(kmem_cache_size(c) == sizeof(struct item));
	it = kmem_cache_alloc(c, GFP_KERNEL);
	CHECK(it && IS_ALIGNED((unsigned long)it, 64));
	kmem_cache_free(c, it);
	it = kmem_cache_zalloc(c, GFP_KERNEL);
	CHECK(it && !memchr_inv(it, 0, sizeof(*it)));
	kfree(it);	/* kfree() of a kmem_cache object is allowed */

	it = kmem_cache_alloc(ts, GFP_KERNEL);
	CHECK(it && it->magic == ITEM_MAGIC);
	kmem_cache_free(ts, it);

	CHECK(kmem_cache_alloc_bulk(c, GFP_KERNEL, ARRAY_SIZE(objs), objs) == ARRAY_SIZE(objs));
	kmem_cache_free_bulk(c, ARRAY_SIZE(objs), objs);
	/* kfree_bulk() of the module's and the kernel's objects together. */
	mixed[0] = kmalloc(32, GFP_KERNEL);
	mixed[1] = kstrdup("the kernel's", GFP_KERNEL);
	mixed[2] = kmalloc(5000, GFP_KERNEL);
	mixed[3] = kstrdup("the kernel's too", GFP_KERNEL);
	kfree_bulk(ARRAY_SIZE(mixed), mixed);

	/* A cache gospan cannot hold: the kernel's, transparently. */
	it = kmem_cache_alloc(big, GFP_KERNEL);
	CHECK(it);
	kmem_cache_free(big, it);

	pool = mempool_create_slab_pool(4, c);
	CHECK(pool);
	if (pool) {
		for (i = 0; i < 8; i++) {
			objs[i] = mempool_alloc(pool, GFP_KERNEL);
			CHECK(objs[i]);
		}
		for (i = 0; i < 8; i++)
			if (objs[i])
				mempool_free(objs[i], pool);
		mempool_destroy(pool);
	}

	for (i = 0; i < 100; i++) {
		it = kmalloc(sizeof(*it), GFP_KERNEL);
		if (it)
			kfree_rcu(it, rcu);
		it = kmem_cache_alloc(c, GFP_KERNEL);
		if (it)
			kfree_rcu(it, rcu);
	}
	kvfree_rcu_barrier();
	CHECK(kmem_cache_shrink(c) >= 0);
out:
	kmem_cache_destroy(big);
	kmem_cache_destroy(ts);
	kmem_cache_destroy(c);
}

static int __init gospan_wrap_test_init(void)
{
	kmalloc_checks();
	kvmalloc_checks();
	cache_checks();
	pr_info("gospan_wrap_test: %u passed, %u failed\n", passed, failed);
	return failed ? -EINVAL : 0;
}

static void __exit gospan_wrap_test_exit(void)
{
}

module_init(gospan_wrap_test_init);
module_exit(gospan_wrap_test_exit);

MODULE_DESCRIPTION("the kernel's slab API, checked through gospan-wrap");
MODULE_LICENSE("GPL");
