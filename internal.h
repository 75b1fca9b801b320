/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What gospan's components share with each other and nobody
 * else. The design is explained at the top of gospan.c.
 */
#ifndef _GOSPAN_INTERNAL_H
#define _GOSPAN_INTERNAL_H

#include <linux/fault-inject.h>
#include <linux/gfp.h>
#include <linux/kmemleak.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "gospan.h"
#include "mprof.h"
#include "sizeclasses.h"

/*
 * The largest request gospan serves: the same bound as kmalloc() on the
 * running kernel. Larger requests fail cleanly.
 */
#define GOSPAN_MAX_SIZE		KMALLOC_MAX_SIZE

struct dentry;
struct gospan_mcache_class;

/**
 * struct gospan_cache_counts - one CPU's counts for a cache
 * @allocs: objects allocated on this CPU
 * @frees: objects freed on this CPU
 */
struct gospan_cache_counts {
	unsigned long allocs;
	unsigned long frees;
};

/**
 * struct gospan_cache - a kmem_cache-like cache (see gospan_cache_create())
 * @name: its name, for reports and statistics
 * @size: object size asked for
 * @align: the objects' alignment: what was asked for, raised to a cache
 *	line by GOSPAN_HWCACHE_ALIGN and to ARCH_KMALLOC_MINALIGN (but for
 *	tiny objects); shown in the caches file
 * @spanclass: the span class its objects come from: a size class shared
 *	with gospan_alloc() and other caches, the tiny class, or a class of
 *	its own
 * @pcp: in every CPU's mcache, the class whose window the fast paths use:
 *	@spanclass's, but class 0's (which never has one) for tiny objects
 * @ctor: constructor, or NULL
 * @refused: GFP flags refused (gospan.h's, and __GFP_ZERO with @ctor), all
 *	in GOSPAN_GFP_SLOW, which the fast path tests
 * @counts: per-CPU counts of its own allocations and frees, which the
 *	statistics show for a shared class; a class of its own shows the
 *	class's counts (gospan_cache_read_counts())
 * @errors: bad inputs refused for this cache
 * @list: in the list of caches (under gospan_caches_mutex)
 */
struct gospan_cache {
	const char *name;
	unsigned int size;
	unsigned int align;
	unsigned int spanclass;
	struct gospan_mcache_class __percpu *pcp;
	void (*ctor)(void *obj);
	gfp_t refused;
	struct gospan_cache_counts __percpu *counts;
	atomic_long_t errors;
	struct list_head list;
};

/*
 * gospan.c: taken by cache create and destroy, and by statistics readers
 * that look at private span classes (which those two create and free).
 */
extern struct mutex gospan_caches_mutex;
extern struct list_head gospan_caches;	/* under gospan_caches_mutex */
void gospan_cache_read_counts(struct gospan_cache *c, u64 *allocs, u64 *frees);
long gospan_cache_live(struct gospan_cache *c);
const char *gospan_error_name(enum gospan_error kind);

/* msize.c */
void gospan_msize_init(void);

int gospan_module_refs(void);

/*
 * The GFP flags that may reach the page allocator: how hard to try, never
 * where from or whom to charge (the GFP_RECLAIM_MASK of mm/, which
 * SLUB applies too; gospan_grow_gfp() in mheap.c explains the rest).
 */
#define GOSPAN_GFP_RECLAIM_MASK	(__GFP_RECLAIM | __GFP_HIGH | __GFP_IO | __GFP_FS | \
				 __GFP_NOWARN | __GFP_RETRY_MAYFAIL | __GFP_NOFAIL | \
				 __GFP_NORETRY | __GFP_MEMALLOC | __GFP_NOMEMALLOC | \
				 __GFP_NOLOCKDEP)
/* Flags gospan refuses, with a report: it cannot honour them (gospan.h). */
#define GOSPAN_GFP_REFUSED	(__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM | \
				 ~__GFP_BITS_MASK)
/*
 * Flags that send an allocation to its slow path at the fast path's first
 * test: those refused, and __GFP_ZERO (zeroed out of line, by the hooks).
 * It holds every flag a cache refuses (gospan_cache_create()).
 */
#define GOSPAN_GFP_SLOW		(GOSPAN_GFP_REFUSED | __GFP_ZERO)

/* gospan.c: a double free found by the owner of a span when it folded. */
struct gospan_mspan;
void gospan_report_late_double_frees(struct gospan_mspan *s, unsigned int word,
				     unsigned long bits);

/*
 * Span classes init_on_alloc and init_on_free leave alone: those of a cache
 * with a constructor (its objects are freed constructed) and those of a
 * GOSPAN_TYPESAFE_BY_RCU cache (readers may still look at a freed object).
 */
extern unsigned long gospan_noinit_classes[];

/*
 * The hooks every object passes, as SLUB's slab_post_alloc_hook() and
 * slab_free_hook(): zeroing as __GFP_ZERO, init_on_alloc and init_on_free
 * ask (static keys: nothing when they are off; never for a class with a
 * constructor), kmemleak, and the heap profile's sample (mprof.c: the
 * caller counted the allocation with gospan_mprof_count(), which said
 * whether to sample it). Tracepoints are gospan.c's (they name the
 * caller); the free hook runs before the object can be reused.
 */
/* Whether an object of span class spc is zeroed when allocated with gfp. */
static __always_inline bool gospan_alloc_zeroes(gfp_t gfp, unsigned int spc)
{
	/* __GFP_ZERO never reaches a class with a constructor: refused. */
	return unlikely(want_init_on_alloc(gfp)) &&
	       ((gfp & __GFP_ZERO) || !test_bit(spc, gospan_noinit_classes));
}

static __always_inline void gospan_alloc_hook(void *p, size_t size, size_t req,
					      gfp_t gfp, unsigned int spc, bool sample)
{
	if (gospan_alloc_zeroes(gfp, spc))
		memset(p, 0, size);
	kmemleak_alloc(p, req, 1, gfp);
	if (sample)
		gospan_mprof_malloc(p, size, gfp);
}

/*
 * On while an allocation hook other than kmemleak and __GFP_ZERO is on:
 * init_on_alloc (the kernel's key, set at boot) or the heap profile
 * (mprof.c). One key for both, so that with both off the fast paths test
 * what they tested before either existed (gospan.c counts its users).
 */
DECLARE_STATIC_KEY_FALSE(gospan_alloc_hooks);

/* Whether gospan_alloc_hook() has anything to do besides a sample. */
static __always_inline bool gospan_alloc_hook_needed(gfp_t gfp)
{
	return IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) || want_init_on_alloc(gfp);
}

/*
 * Whether an allocation needs gospan_alloc_hook() at all: the fast paths
 * call it out of line, so that with every hook off they stay leaf code.
 */
static __always_inline bool gospan_alloc_hooks_on(gfp_t gfp)
{
	return IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) || static_branch_unlikely(&gospan_alloc_hooks) ||
	       (gfp & __GFP_ZERO);
}

static __always_inline void gospan_free_hook(const void *p, size_t size, unsigned int spc)
{
	kmemleak_free(p);
	if (unlikely(want_init_on_free()) && !test_bit(spc, gospan_noinit_classes))
		memset((void *)p, 0, size);
}

/* gospan.c: an allocation in NMI context, refused: counted, reported later. */
void gospan_refuse_nmi(void);

/*
 * What every allocation entry point asks first: in NMI context it gets
 * NULL before it touches any per-CPU state or lock (gospan.c explains).
 */
static __always_inline bool gospan_nmi_refused(void)
{
	if (likely(!in_nmi()))
		return false;
	gospan_refuse_nmi();
	return true;
}

bool gospan_allocated(const void *ptr, unsigned long caller);

/* rcufree.c */
void gospan_rcufree_init(struct dentry *root);
void gospan_rcufree_exit(void);
unsigned long gospan_rcufree_batches(void);

/* mheap.c */
gfp_t gospan_grow_gfp(gfp_t gfp, unsigned int order, bool opportunistic);

/* gospan.c: a bad stack free or request (stack.c), reported as any other. */
void gospan_report_stack(enum gospan_error kind, const void *ptr, unsigned long what,
			 unsigned long caller);

/**
 * struct gospan_held - pages gospan holds with no object in them, by reason
 * @heap_free: free in the page allocator (the scavenger's to give back)
 * @pcache: free in the per-CPU page caches
 * @empty_spans: in spans the mcentrals keep empty
 * @kept_spans: in spans the CPUs keep beside those they allocate from
 *	(struct gospan_mcache_class) with no object allocated as their CPU
 *	sees them (objects freed on other CPUs are not counted)
 * @stacks: in stack blocks and large stacks nobody uses
 * @retain: the pages the scavenger last decided to keep, in use or not
 */
struct gospan_held {
	unsigned long heap_free;
	unsigned long pcache;
	unsigned long empty_spans;
	unsigned long kept_spans;
	unsigned long stacks;
	unsigned long retain;
};

/* mgcscavenge.c: the scavenger and the shrinker. */
int gospan_scavenger_init(struct dentry *root);
void gospan_scavenger_exit(void);
unsigned int gospan_scavenger_period(unsigned int ms);
/**
 * struct gospan_scavenger_stats - what the scavenger and the shrinker did
 * @runs: scavenger runs since load
 * @released: gospan pages the scavenger gave back
 * @work_ns: time its runs took
 * @max_run_ns: the longest run
 * @retain: the pages its last run decided to keep
 * @shrunk: gospan pages the shrinker gave back
 * @scans: shrinker scans
 */
struct gospan_scavenger_stats {
	unsigned long runs;
	unsigned long released;
	u64 work_ns;
	u64 max_run_ns;
	unsigned long retain;
	unsigned long shrunk;
	unsigned long scans;
};

void gospan_scavenger_read(struct gospan_scavenger_stats *st);
unsigned int gospan_scavenger_percent(unsigned int pct);
void gospan_held_free_pages(struct gospan_held *held, bool reclaim);
void gospan_held_show(struct seq_file *m);

/*
 * fail_grow fault injection (mheap.c). It exists only with
 * CONFIG_FAULT_INJECTION: 6.1's fault-inject.h declares nothing without it
 * (6.12 stubs it), so this is gospan's whole compat surface for it.
 */
#ifdef CONFIG_FAULT_INJECTION
extern struct fault_attr gospan_fail_grow;

static inline bool gospan_should_fail_grow(size_t bytes)
{
	return should_fail(&gospan_fail_grow, bytes);
}
#else
static inline bool gospan_should_fail_grow(size_t bytes)
{
	return false;
}
#endif

#endif /* _GOSPAN_INTERNAL_H */
