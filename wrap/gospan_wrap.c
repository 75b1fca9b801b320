// SPDX-License-Identifier: GPL-2.0
/*
 * gospan_wrap.ko: the kernel's slab API (6.10 and later: the _noprof entry
 * points that include/linux/slab.h's inline wrappers call), served by
 * gospan, for modules built from unchanged source by scripts/gospan-wrap.
 *
 * That script renames, in the module's object files, every undefined
 * symbol S for which this module exports gospan_wrap_S (objcopy
 * --redefine-sym), and links the module against this one. The README's
 * "Run your module on gospan" says why renaming beats a forced include.
 *
 * What goes where:
 *  - every allocation of the kmalloc and kmem_cache families comes from
 *    gospan, but __GFP_DMA/__GFP_DMA32 ones, caches gospan cannot hold
 *    (objects over 32 KiB, SLAB_CACHE_DMA, alignment over a gospan page),
 *    which the kernel serves as before, and kvmalloc() above 32 KiB, which
 *    vmalloc serves;
 *  - every free looks at the pointer: gospan's memory goes to gospan, and
 *    anything else (an object the kernel allocated, kstrdup()'s result, a
 *    fallback) to the kernel's own function;
 *  - a cache is a struct wrap_cache that stands in for the kmem_cache
 *    pointer the module keeps; its first word tells it from a real
 *    kmem_cache (whose first word is a per-CPU pointer or small flags), so
 *    that the kernel's own caches (names_cachep behind __getname(), say)
 *    still work when the module passes them.
 *
 * The kernel's functions keep their own names in this file: it is not
 * renamed, so kfree() here is the kernel's.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/mempool.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "../gospan.h"
#include "gospan_wrap.h"

MODULE_IMPORT_NS(GOSPAN);

/* A non-canonical address: never the first word of a real kmem_cache. */
#define WRAP_MAGIC	0x676f7370616e7731UL	/* "gospanw1" */

/* What gospan's caches take; other caches stay the kernel's. */
#define WRAP_MAX_OBJECT	(32 * 1024)

/**
 * struct wrap_cache - what a wrapped module holds as a struct kmem_cache *
 * @magic: WRAP_MAGIC
 * @gc: the gospan cache serving it, or NULL
 * @kc: else the kernel's cache serving it
 * @size: the object size the module asked for (kmem_cache_size())
 */
struct wrap_cache {
	unsigned long magic;
	struct gospan_cache *gc;
	struct kmem_cache *kc;
	unsigned int size;
};

/* Per CPU: where calls went (debugfs gospan_wrap/stats). */
struct wrap_counts {
	unsigned long gospan_allocs;
	unsigned long kernel_allocs;
	unsigned long gospan_frees;
	unsigned long kernel_frees;
};

static DEFINE_PER_CPU(struct wrap_counts, wrap_counts);
static atomic_long_t wrap_caches_gospan, wrap_caches_kernel;

static bool ours(const struct kmem_cache *s)
{
	return s && READ_ONCE(*(const unsigned long *)s) == WRAP_MAGIC;
}

static struct wrap_cache *to_wrap(struct kmem_cache *s)
{
	return (struct wrap_cache *)s;
}

static void *counted(void *p, bool gospan)
{
	if (!ZERO_OR_NULL_PTR(p)) {
		if (gospan)
			this_cpu_inc(wrap_counts.gospan_allocs);
		else
			this_cpu_inc(wrap_counts.kernel_allocs);
	}
	return p;
}

/* Whether gospan serves a kmalloc() with these flags. */
static bool gospan_flags(gfp_t flags)
{
	return !(flags & (__GFP_DMA | __GFP_DMA32));
}

/* Frees: gospan's memory to gospan. Return: false for the kernel's. */
static bool free_gospan(const void *p)
{
	if (!gospan_owns(p))
		return false;
	gospan_free(p);
	this_cpu_inc(wrap_counts.gospan_frees);
	return true;
}

/* The kmalloc family. */

/**
 * gospan_wrap___kmalloc() - kmalloc() of a size the compiler does not know
 * @size: bytes
 * @flags: GFP flags
 *
 * Context: As the kernel's function it stands for.
 * Return: the object, or NULL.
 */
void *gospan_wrap___kmalloc_noprof(size_t size, gfp_t flags)
{
	if (!gospan_flags(flags))
		return counted(__kmalloc_noprof(size, flags), false);
	return counted(gospan_alloc(size, flags), true);
}
EXPORT_SYMBOL_GPL(gospan_wrap___kmalloc_noprof);

/**
 * gospan_wrap___kmalloc_node() - kmalloc_node(), and kmalloc() from a bucket
 * @size: bytes
 * @b: the kmem_buckets (with CONFIG_SLAB_BUCKETS), not used
 * @flags: GFP flags
 * @node: NUMA node hint
 *
 * Context: As the kernel's function it stands for.
 * Return: the object, or NULL.
 */
void *gospan_wrap___kmalloc_node_noprof(DECL_BUCKET_PARAMS(size, b), gfp_t flags, int node)
{
	if (!gospan_flags(flags))
		return counted(__kmalloc_node_noprof(PASS_BUCKET_PARAMS(size, b), flags, node),
			       false);
	return counted(gospan_alloc(size, flags), true);
}
EXPORT_SYMBOL_GPL(gospan_wrap___kmalloc_node_noprof);

/**
 * gospan_wrap___kmalloc_node_track_caller() - kmalloc_track_caller()
 * @size: bytes
 * @b: the kmem_buckets (with CONFIG_SLAB_BUCKETS), not used
 * @flags: GFP flags
 * @node: NUMA node hint, not used
 * @caller: the caller's address, not used
 *
 * Context: As the kernel's function it stands for.
 * Return: the object, or NULL.
 */
void *gospan_wrap___kmalloc_node_track_caller_noprof(DECL_BUCKET_PARAMS(size, b), gfp_t flags,
						     int node, unsigned long caller)
{
	if (!gospan_flags(flags))
		return counted(__kmalloc_node_track_caller_noprof(PASS_BUCKET_PARAMS(size, b),
								  flags, node, caller), false);
	return counted(gospan_alloc(size, flags), true);
}
EXPORT_SYMBOL_GPL(gospan_wrap___kmalloc_node_track_caller_noprof);

/**
 * gospan_wrap___kmalloc_cache() - kmalloc() of a size the compiler knows
 * @s: the kernel's kmalloc cache for @size, not used
 * @flags: GFP flags
 * @size: bytes
 *
 * Context: As the kernel's function it stands for.
 * Return: the object, or NULL.
 */
void *gospan_wrap___kmalloc_cache_noprof(struct kmem_cache *s, gfp_t flags, size_t size)
{
	if (!gospan_flags(flags))
		return counted(__kmalloc_cache_noprof(s, flags, size), false);
	return counted(gospan_alloc(size, flags), true);
}
EXPORT_SYMBOL_GPL(gospan_wrap___kmalloc_cache_noprof);

/**
 * gospan_wrap___kmalloc_cache_node() - kmalloc_node() of a size the compiler knows
 * @s: the kernel's kmalloc cache for @size, not used
 * @flags: GFP flags
 * @node: NUMA node hint, not used
 * @size: bytes
 *
 * Context: As the kernel's function it stands for.
 * Return: the object, or NULL.
 */
void *gospan_wrap___kmalloc_cache_node_noprof(struct kmem_cache *s, gfp_t flags, int node,
					      size_t size)
{
	if (!gospan_flags(flags))
		return counted(__kmalloc_cache_node_noprof(s, flags, node, size), false);
	return counted(gospan_alloc(size, flags), true);
}
EXPORT_SYMBOL_GPL(gospan_wrap___kmalloc_cache_node_noprof);

/**
 * gospan_wrap___kmalloc_large() - kmalloc() of a known large size
 * @size: bytes
 * @flags: GFP flags
 *
 * Context: As the kernel's function it stands for.
 * Return: the object, or NULL.
 */
void *gospan_wrap___kmalloc_large_noprof(size_t size, gfp_t flags)
{
	if (!gospan_flags(flags))
		return counted(__kmalloc_large_noprof(size, flags), false);
	return counted(gospan_alloc(size, flags), true);
}
EXPORT_SYMBOL_GPL(gospan_wrap___kmalloc_large_noprof);

/**
 * gospan_wrap___kmalloc_large_node() - kmalloc_node() of a known large size
 * @size: bytes
 * @flags: GFP flags
 * @node: NUMA node hint, not used
 *
 * Context: As the kernel's function it stands for.
 * Return: the object, or NULL.
 */
void *gospan_wrap___kmalloc_large_node_noprof(size_t size, gfp_t flags, int node)
{
	if (!gospan_flags(flags))
		return counted(__kmalloc_large_node_noprof(size, flags, node), false);
	return counted(gospan_alloc(size, flags), true);
}
EXPORT_SYMBOL_GPL(gospan_wrap___kmalloc_large_node_noprof);

/**
 * gospan_wrap_krealloc() - krealloc(): gospan_realloc() but for the kernel's objects
 * @p: the object, NULL or ZERO_SIZE_PTR
 * @new_size: bytes
 * @flags: GFP flags
 *
 * Context: As the kernel's function it stands for.
 * Return: as krealloc().
 */
void *gospan_wrap_krealloc_noprof(const void *p, size_t new_size, gfp_t flags)
{
	if (!ZERO_OR_NULL_PTR(p) && !gospan_owns(p))
		return krealloc_noprof(p, new_size, flags);
	if (!gospan_flags(flags) && ZERO_OR_NULL_PTR(p))
		return counted(krealloc_noprof(p, new_size, flags), false);
	return gospan_realloc(p, new_size, flags);
}
EXPORT_SYMBOL_GPL(gospan_wrap_krealloc_noprof);

/**
 * gospan_wrap_kfree() - kfree(): gospan's memory to gospan_free(), the rest to the kernel
 * @p: the object, NULL or ZERO_SIZE_PTR
 *
 * Context: As the kernel's function it stands for.
 */
void gospan_wrap_kfree(const void *p)
{
	if (ZERO_OR_NULL_PTR(p) || free_gospan(p))
		return;
	this_cpu_inc(wrap_counts.kernel_frees);
	kfree(p);
}
EXPORT_SYMBOL_GPL(gospan_wrap_kfree);

/**
 * gospan_wrap_kfree_sensitive() - kfree_sensitive(): gospan_free_sensitive() for gospan's memory
 * @p: the object, NULL or ZERO_SIZE_PTR
 *
 * Context: As the kernel's function it stands for.
 */
void gospan_wrap_kfree_sensitive(const void *p)
{
	if (ZERO_OR_NULL_PTR(p))
		return;
	if (gospan_owns(p)) {
		gospan_free_sensitive(p);
		this_cpu_inc(wrap_counts.gospan_frees);
		return;
	}
	this_cpu_inc(wrap_counts.kernel_frees);
	kfree_sensitive(p);
}
EXPORT_SYMBOL_GPL(gospan_wrap_kfree_sensitive);

/**
 * gospan_wrap_kfree_const() - kfree_const() for gospan's memory too
 * @p: the object, a constant string, or NULL
 *
 * Context: As the kernel's function it stands for.
 */
void gospan_wrap_kfree_const(const void *p)
{
	if (ZERO_OR_NULL_PTR(p) || free_gospan(p))
		return;
	kfree_const(p);
}
EXPORT_SYMBOL_GPL(gospan_wrap_kfree_const);

/**
 * gospan_wrap_ksize() - ksize(): gospan_size() for gospan's memory
 * @p: the object
 *
 * Context: As the kernel's function it stands for.
 * Return: its usable size.
 */
size_t gospan_wrap_ksize(const void *p)
{
	return gospan_owns(p) ? gospan_size(p) : ksize(p);
}
EXPORT_SYMBOL_GPL(gospan_wrap_ksize);

/**
 * gospan_wrap_kmalloc_size_roundup() - kmalloc_size_roundup(): what gospan would allocate
 * @size: bytes
 *
 * Context: As the kernel's function it stands for.
 * Return: gospan_size_roundup(@size).
 */
size_t gospan_wrap_kmalloc_size_roundup(size_t size)
{
	return gospan_size_roundup(size);
}
EXPORT_SYMBOL_GPL(gospan_wrap_kmalloc_size_roundup);

/**
 * gospan_wrap___kvmalloc_node() - kvmalloc(): gospan up to 32 KiB, vmalloc above
 * @size: bytes
 * @b: the kmem_buckets (with CONFIG_SLAB_BUCKETS), not used
 * @flags: GFP flags
 * @node: NUMA node hint (not used above 32 KiB either: vmalloc's node
 *	entry point is not exported)
 *
 * Up to 32 KiB from gospan, and from the kernel's kvmalloc() if gospan
 * fails. Above, from vmalloc when @flags allow sleeping (vmalloc cannot
 * otherwise; the kernel's kvmalloc() then tries only kmalloc(), and so
 * does this: gospan's large objects).
 *
 * Context: As the kernel's function it stands for.
 * Return: the memory, or NULL.
 */
void *gospan_wrap___kvmalloc_node_noprof(DECL_BUCKET_PARAMS(size, b), gfp_t flags, int node)
{
	void *p = NULL;

	if (!gospan_flags(flags))
		return counted(__kvmalloc_node_noprof(PASS_BUCKET_PARAMS(size, b), flags, node),
			       false);
	if (size <= WRAP_MAX_OBJECT) {
		p = gospan_alloc(size, flags | __GFP_NOWARN);
		if (p)
			return counted(p, true);
		return counted(__kvmalloc_node_noprof(PASS_BUCKET_PARAMS(size, b), flags, node),
			       false);
	}
	if (!gfpflags_allow_blocking(flags))
		return counted(gospan_alloc(size, flags), true);
	return counted(__vmalloc_noprof(size, flags), false);
}
EXPORT_SYMBOL_GPL(gospan_wrap___kvmalloc_node_noprof);

/**
 * gospan_wrap_kvrealloc() - kvrealloc() across gospan and the kernel
 * @p: the memory, or NULL
 * @size: bytes
 * @flags: GFP flags
 *
 * Context: As the kernel's function it stands for.
 * Return: the memory, or NULL (@p is untouched then).
 */
void *gospan_wrap_kvrealloc_noprof(const void *p, size_t size, gfp_t flags)
{
	void *n;

	if (!p)
		return gospan_wrap___kvmalloc_node_noprof(PASS_BUCKET_PARAMS(size, NULL), flags,
							  NUMA_NO_NODE);
	if (!gospan_owns(p))
		return kvrealloc_noprof(p, size, flags);
	if (size <= WRAP_MAX_OBJECT) {
		n = gospan_realloc(p, size, flags | __GFP_NOWARN);
		if (n)
			return n;
	}
	/* Too big for gospan, or gospan failed: the kernel's kvmalloc(). */
	n = __kvmalloc_node_noprof(PASS_BUCKET_PARAMS(size, NULL), flags, NUMA_NO_NODE);
	if (!n)
		return NULL;
	memcpy(n, p, min(size, gospan_size(p)));
	gospan_free(p);
	return counted(n, false);
}
EXPORT_SYMBOL_GPL(gospan_wrap_kvrealloc_noprof);

/**
 * gospan_wrap_kvfree() - kvfree(): gospan's memory to gospan_free(), the rest to the kernel
 * @p: the memory, or NULL
 *
 * Context: As the kernel's function it stands for.
 */
void gospan_wrap_kvfree(const void *p)
{
	if (ZERO_OR_NULL_PTR(p) || free_gospan(p))
		return;
	this_cpu_inc(wrap_counts.kernel_frees);
	kvfree(p);
}
EXPORT_SYMBOL_GPL(gospan_wrap_kvfree);

/**
 * gospan_wrap_kvfree_sensitive() - kvfree_sensitive(): gospan_free_sensitive() for gospan's memory
 * @p: the memory, or NULL
 * @len: bytes to zero (gospan zeroes the whole usable size)
 *
 * Context: As the kernel's function it stands for.
 */
void gospan_wrap_kvfree_sensitive(const void *p, size_t len)
{
	if (gospan_owns(p)) {
		gospan_free_sensitive(p);
		this_cpu_inc(wrap_counts.gospan_frees);
		return;
	}
	kvfree_sensitive(p, len);
}
EXPORT_SYMBOL_GPL(gospan_wrap_kvfree_sensitive);

/**
 * gospan_wrap_kvfree_call_rcu() - kfree_rcu() and kvfree_rcu() for gospan's memory too
 * @head: the rcu_head in the object, or NULL
 * @ptr: the object
 *
 * Context: As the kernel's function it stands for.
 */
void gospan_wrap_kvfree_call_rcu(struct rcu_head *head, void *ptr)
{
	if (gospan_owns(ptr))
		gospan_free_call_rcu(head, ptr);
	else
		kvfree_call_rcu(head, ptr);
}
EXPORT_SYMBOL_GPL(gospan_wrap_kvfree_call_rcu);

/**
 * gospan_wrap_kvfree_rcu_barrier() - kvfree_rcu_barrier() for gospan's batches too
 *
 * Context: Process context; sleeps.
 */
void gospan_wrap_kvfree_rcu_barrier(void)
{
	gospan_rcu_barrier();
	kvfree_rcu_barrier();
}
EXPORT_SYMBOL_GPL(gospan_wrap_kvfree_rcu_barrier);

/* The kmem_cache family. */

/**
 * gospan_wrap___kmem_cache_create_args() - kmem_cache_create(), on gospan where it can
 * @name: the cache's name
 * @object_size: bytes
 * @args: alignment, constructor (usercopy and freeptr fields are not used), or NULL
 * @flags: SLAB_ flags (SLAB_HWCACHE_ALIGN and SLAB_TYPESAFE_BY_RCU carry over)
 *
 * Context: As the kernel's function it stands for.
 * Return: a stand-in for the cache, or NULL.
 */
struct kmem_cache *gospan_wrap___kmem_cache_create_args(const char *name,
							unsigned int object_size,
							struct kmem_cache_args *args,
							slab_flags_t flags)
{
	unsigned int align = args ? args->align : 0, gflags = 0;
	struct wrap_cache *w = kzalloc(sizeof(*w), GFP_KERNEL);

	if (!w)
		goto fail;
	w->magic = WRAP_MAGIC;
	w->size = object_size;
	if (flags & SLAB_HWCACHE_ALIGN)
		gflags |= GOSPAN_HWCACHE_ALIGN;
	if (flags & SLAB_TYPESAFE_BY_RCU)
		gflags |= GOSPAN_TYPESAFE_BY_RCU;
	if (object_size && object_size <= WRAP_MAX_OBJECT && align <= PAGE_SIZE &&
	    !(flags & (SLAB_CACHE_DMA | SLAB_CACHE_DMA32)))
		w->gc = gospan_cache_create(name, object_size, align, gflags,
					    args ? args->ctor : NULL);
	if (w->gc) {
		atomic_long_inc(&wrap_caches_gospan);
		return (struct kmem_cache *)w;
	}
	w->kc = __kmem_cache_create_args(name, object_size, args, flags);
	if (w->kc) {
		atomic_long_inc(&wrap_caches_kernel);
		return (struct kmem_cache *)w;
	}
	kfree(w);
fail:
	if (flags & SLAB_PANIC)
		panic("gospan_wrap: cannot create cache %s\n", name);
	return NULL;
}
EXPORT_SYMBOL_GPL(gospan_wrap___kmem_cache_create_args);

/**
 * gospan_wrap_kmem_cache_destroy() - kmem_cache_destroy()
 * @s: the cache, or NULL
 *
 * Context: As the kernel's function it stands for.
 */
void gospan_wrap_kmem_cache_destroy(struct kmem_cache *s)
{
	struct wrap_cache *w = to_wrap(s);

	if (!ours(s)) {
		kmem_cache_destroy(s);
		return;
	}
	if (w->gc) {
		gospan_cache_destroy(w->gc);
		atomic_long_dec(&wrap_caches_gospan);
	} else {
		kmem_cache_destroy(w->kc);
		atomic_long_dec(&wrap_caches_kernel);
	}
	w->magic = 0;
	kfree(w);
}
EXPORT_SYMBOL_GPL(gospan_wrap_kmem_cache_destroy);

/**
 * gospan_wrap_kmem_cache_shrink() - kmem_cache_shrink()
 * @s: the cache
 *
 * Context: As the kernel's function it stands for.
 * Return: as the cache's own shrink.
 */
int gospan_wrap_kmem_cache_shrink(struct kmem_cache *s)
{
	if (!ours(s))
		return kmem_cache_shrink(s);
	return to_wrap(s)->gc ? gospan_cache_shrink(to_wrap(s)->gc) :
				kmem_cache_shrink(to_wrap(s)->kc);
}
EXPORT_SYMBOL_GPL(gospan_wrap_kmem_cache_shrink);

/**
 * gospan_wrap_kmem_cache_size() - kmem_cache_size()
 * @s: the cache
 *
 * Context: As the kernel's function it stands for.
 * Return: the object size the cache was created with.
 */
unsigned int gospan_wrap_kmem_cache_size(struct kmem_cache *s)
{
	return ours(s) ? to_wrap(s)->size : kmem_cache_size(s);
}
EXPORT_SYMBOL_GPL(gospan_wrap_kmem_cache_size);

static void *cache_alloc(struct kmem_cache *s, gfp_t flags)
{
	if (!ours(s))
		return counted(kmem_cache_alloc_noprof(s, flags), false);
	if (!to_wrap(s)->gc)
		return counted(kmem_cache_alloc_noprof(to_wrap(s)->kc, flags), false);
	return counted(gospan_cache_alloc(to_wrap(s)->gc, flags), true);
}

/**
 * gospan_wrap_kmem_cache_alloc() - kmem_cache_alloc()
 * @s: the cache (the module's, or one of the kernel's)
 * @flags: GFP flags
 *
 * Context: As the kernel's function it stands for.
 * Return: the object, or NULL.
 */
void *gospan_wrap_kmem_cache_alloc_noprof(struct kmem_cache *s, gfp_t flags)
{
	return cache_alloc(s, flags);
}
EXPORT_SYMBOL_GPL(gospan_wrap_kmem_cache_alloc_noprof);

/**
 * gospan_wrap_kmem_cache_alloc_lru() - kmem_cache_alloc_lru()
 * @s: the cache
 * @lru: the list_lru (memcg's), for the kernel's caches only: gospan's
 *	memory is not charged to memcg
 * @flags: GFP flags
 *
 * Context: As the kernel's function it stands for.
 * Return: the object, or NULL.
 */
void *gospan_wrap_kmem_cache_alloc_lru_noprof(struct kmem_cache *s, struct list_lru *lru,
					      gfp_t flags)
{
	if (!ours(s))
		return counted(kmem_cache_alloc_lru_noprof(s, lru, flags), false);
	return cache_alloc(s, flags);
}
EXPORT_SYMBOL_GPL(gospan_wrap_kmem_cache_alloc_lru_noprof);

/**
 * gospan_wrap_kmem_cache_alloc_node() - kmem_cache_alloc_node()
 * @s: the cache
 * @flags: GFP flags
 * @node: NUMA node hint
 *
 * Context: As the kernel's function it stands for.
 * Return: the object, or NULL.
 */
void *gospan_wrap_kmem_cache_alloc_node_noprof(struct kmem_cache *s, gfp_t flags, int node)
{
	if (!ours(s))
		return counted(kmem_cache_alloc_node_noprof(s, flags, node), false);
	return cache_alloc(s, flags);
}
EXPORT_SYMBOL_GPL(gospan_wrap_kmem_cache_alloc_node_noprof);

/**
 * gospan_wrap_kmem_cache_alloc_bulk() - kmem_cache_alloc_bulk()
 * @s: the cache
 * @flags: GFP flags
 * @nr: how many
 * @p: where to put them
 *
 * Context: As the kernel's function it stands for.
 * Return: @nr, or 0 with nothing allocated.
 */
int gospan_wrap_kmem_cache_alloc_bulk_noprof(struct kmem_cache *s, gfp_t flags, size_t nr,
					     void **p)
{
	struct kmem_cache *kc = ours(s) ? to_wrap(s)->kc : s;

	if (ours(s) && to_wrap(s)->gc) {
		nr = gospan_cache_alloc_bulk(to_wrap(s)->gc, flags, nr, p);
		this_cpu_add(wrap_counts.gospan_allocs, nr);
		return nr;
	}
	nr = kmem_cache_alloc_bulk_noprof(kc, flags, nr, p);
	this_cpu_add(wrap_counts.kernel_allocs, nr);
	return nr;
}
EXPORT_SYMBOL_GPL(gospan_wrap_kmem_cache_alloc_bulk_noprof);

/**
 * gospan_wrap_kmem_cache_free() - kmem_cache_free() for gospan's objects too
 * @s: the cache
 * @x: the object, or NULL
 *
 * Context: As the kernel's function it stands for.
 */
void gospan_wrap_kmem_cache_free(struct kmem_cache *s, void *x)
{
	if (!x)
		return;
	if (gospan_owns(x)) {
		/* To a cache that is not gospan's: gospan_free() checks it. */
		if (ours(s) && to_wrap(s)->gc)
			gospan_cache_free(to_wrap(s)->gc, x);
		else
			gospan_free(x);
		this_cpu_inc(wrap_counts.gospan_frees);
		return;
	}
	this_cpu_inc(wrap_counts.kernel_frees);
	if (!ours(s))
		kmem_cache_free(s, x);
	else if (to_wrap(s)->kc)
		kmem_cache_free(to_wrap(s)->kc, x);
	else
		kfree(x);	/* the kernel's object, freed to a gospan cache */
}
EXPORT_SYMBOL_GPL(gospan_wrap_kmem_cache_free);

/**
 * gospan_wrap_kmem_cache_free_bulk() - kmem_cache_free_bulk(), and kfree_bulk() when @s is NULL
 * @s: the cache, or NULL
 * @nr: how many
 * @p: the objects
 *
 * Context: As the kernel's function it stands for.
 */
void gospan_wrap_kmem_cache_free_bulk(struct kmem_cache *s, size_t nr, void **p)
{
	size_t i;

	for (i = 0; ours(s) && to_wrap(s)->gc && i < nr; i++)
		if (p[i] && !gospan_owns(p[i]))
			break;
	if (ours(s) && to_wrap(s)->gc && i == nr) {
		gospan_cache_free_bulk(to_wrap(s)->gc, nr, p);
		this_cpu_add(wrap_counts.gospan_frees, nr);
		return;
	}
	/* The kernel's objects among them, or not a gospan cache: one by one. */
	for (i = 0; i < nr; i++) {
		if (s)
			gospan_wrap_kmem_cache_free(s, p[i]);
		else
			gospan_wrap_kfree(p[i]);	/* kfree_bulk() */
	}
}
EXPORT_SYMBOL_GPL(gospan_wrap_kmem_cache_free_bulk);

/**
 * gospan_wrap_mempool_alloc_slab() - mempool_alloc_slab() for mempool_create_slab_pool()
 * @flags: GFP flags
 * @pool_data: the module's cache
 *
 * Context: As the kernel's function it stands for.
 * Return: the object, or NULL.
 */
void *gospan_wrap_mempool_alloc_slab(gfp_t flags, void *pool_data)
{
	return cache_alloc(pool_data, flags);
}
EXPORT_SYMBOL_GPL(gospan_wrap_mempool_alloc_slab);

/**
 * gospan_wrap_mempool_free_slab() - mempool_free_slab() for mempool_create_slab_pool()
 * @element: the object
 * @pool_data: the module's cache
 *
 * Context: As the kernel's function it stands for.
 */
void gospan_wrap_mempool_free_slab(void *element, void *pool_data)
{
	gospan_wrap_kmem_cache_free(pool_data, element);
}
EXPORT_SYMBOL_GPL(gospan_wrap_mempool_free_slab);

/**
 * gospan_wrap_kfree_link() - kfree_link(), the VFS's delayed free of a get_link() result
 * @p: the link
 *
 * Context: As the kernel's function it stands for.
 */
void gospan_wrap_kfree_link(void *p)
{
	gospan_wrap_kfree(p);
}
EXPORT_SYMBOL_GPL(gospan_wrap_kfree_link);

/* /sys/kernel/debug/gospan_wrap/stats: where the wrapped calls went. */
static int stats_show(struct seq_file *m, void *unused)
{
	struct wrap_counts sum = {};
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct wrap_counts *c = per_cpu_ptr(&wrap_counts, cpu);

		sum.gospan_allocs += READ_ONCE(c->gospan_allocs);
		sum.kernel_allocs += READ_ONCE(c->kernel_allocs);
		sum.gospan_frees += READ_ONCE(c->gospan_frees);
		sum.kernel_frees += READ_ONCE(c->kernel_frees);
	}
	seq_printf(m, "gospan_allocs %lu\nkernel_allocs %lu\ngospan_frees %lu\nkernel_frees %lu\n",
		   sum.gospan_allocs, sum.kernel_allocs, sum.gospan_frees, sum.kernel_frees);
	seq_printf(m, "caches_gospan %ld\ncaches_kernel %ld\n",
		   atomic_long_read(&wrap_caches_gospan), atomic_long_read(&wrap_caches_kernel));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static struct dentry *wrap_dir;

static int __init gospan_wrap_init(void)
{
	wrap_dir = debugfs_create_dir("gospan_wrap", NULL);
	debugfs_create_file("stats", 0444, wrap_dir, NULL, &stats_fops);
	return 0;
}

static void __exit gospan_wrap_exit(void)
{
	debugfs_remove_recursive(wrap_dir);
}

module_init(gospan_wrap_init);
module_exit(gospan_wrap_exit);

MODULE_DESCRIPTION("gospan: the kernel's slab API on gospan, for modules built by gospan-wrap");
MODULE_LICENSE("GPL");
