// SPDX-License-Identifier: GPL-2.0
/*
 * The stack allocator (Go's runtime/stack.go): gospan_stack_alloc() and
 * gospan_stack_free(). It sits beside the object path described at the top
 * of gospan.c and shares only the mheap with it.
 *
 * Stacks are power-of-two blocks, aligned to their size. Go's stacks start
 * at 2 KiB (_FixedStack) and its small orders go up to 16 KiB; gospan keeps
 * those four orders (2, 4, 8 and 16 KiB, GOSPAN_NUM_STACK_ORDERS) although
 * its page is 8 KiB, so a pool span (32 KiB, four pages, Go's
 * _StackCacheSize) holds 16, 8, 4 or 2 blocks. Larger stacks, 32 KiB up to a
 * chunk, are whole spans.
 *
 *  1. stackcache: each CPU keeps, per order, a list of free blocks linked
 *     through their first word (Go's mcache.stackcache, a stackfreelist),
 *     under the CPU's mcache lock (mcache.h): no other lock, no atomic
 *     instruction but the block's bit below.
 *  2. When a CPU's list is empty, stackcacherefill moves blocks from the
 *     stackpool until the list holds half of GOSPAN_STACK_CACHE_SIZE; when a
 *     free makes it reach GOSPAN_STACK_CACHE_SIZE, stackcacherelease gives
 *     blocks back until it holds half. An interrupt that finds the mcache
 *     busy, or a CPU whose refill found the pool empty, goes to the pool
 *     directly (Go does so when it cannot use the P's cache).
 *  3. stackpool: per order, the spans with free blocks in the pool, under
 *     the pool's lock. A span's freed_bits are its blocks free in the pool
 *     (Go's manualFreeList) and its alloc_count the blocks out of it (Go's
 *     allocCount); when every block is back, the span goes back to the
 *     mheap at once, as Go's does outside a GC cycle. A new span comes
 *     from gospan_mheap_alloc_manual() (Go's allocManual), never under the
 *     pool's lock.
 *  4. stackLarge: stacks of 32 KiB and more are spans of their own; freed
 *     ones wait on a list per log2 of their page count, at most
 *     GOSPAN_STACK_LARGE_KEEP per list, for the next stack of that size.
 *
 * Every block's bit in its span's alloc_bits is set while it is some
 * caller's stack, with an atomic test-and-set when it is handed out and a
 * test-and-clear when it is freed; that is how gospan_stack_free() tells a
 * double free from a good one, whatever cache or pool the block went to,
 * and two CPUs freeing one stack: one of them wins the bit. A block is in
 * exactly one place: some caller's (bit set), one CPU's stackcache, or its
 * span's pool bits.
 *
 * Memory pressure and CPU offline flush every stackcache (the seeds'
 * flushallmcaches: mcache.c's drain calls gospan_stackcache_flush()), and
 * the shrinker gives back the kept large stacks (mgcscavenge.c). Stack
 * spans count as StackInuse and StackSys, not as heap (mstats.c).
 *
 * Lock order: the mcache lock, then a stackpool lock or the stackLarge
 * lock, then the mheap's (the numbered block at the top of gospan.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/debugfs.h>
#include <linux/kmemleak.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "gospan.h"
#include "internal.h"
#include "mcache.h"
#include "mheap.h"
#include "stack.h"

/* Free large stacks kept per stackLarge list. */
#define GOSPAN_STACK_LARGE_KEEP	4

/**
 * struct gospan_stackpool - the global pool of one order (Go's stackpool)
 * @lock: protects @spans, @nspans, and the freed_bits and alloc_count of
 *	every span of the order
 * @spans: spans with at least one block free in the pool
 * @nspans: spans of this order, wherever their blocks are
 */
struct gospan_stackpool {
	spinlock_t lock;	/* after the mcache lock, before the heap's */
	struct list_head spans;
	unsigned long nspans;
};

/**
 * struct gospan_stacklarge - free large stacks (Go's stackLarge)
 * @lock: protects @free and @nfree
 * @free: per log2 of the page count, free stack spans
 * @nfree: spans on each list
 */
struct gospan_stacklarge {
	spinlock_t lock;	/* after the mcache lock, before the heap's */
	struct list_head free[GOSPAN_STACK_LARGE_LISTS];
	unsigned int nfree[GOSPAN_STACK_LARGE_LISTS];
};

static struct gospan_stackpool stackpool[GOSPAN_NUM_STACK_ORDERS];
static struct gospan_stacklarge stacklarge;
static DEFINE_PER_CPU(struct gospan_stackcache, gospan_stackcaches);

/**
 * gospan_stack_init() - set up the pools, before any mcache can drain
 *
 * Context: Process context, at load.
 */
void gospan_stack_init(void)
{
	unsigned int i;

	for (i = 0; i < GOSPAN_NUM_STACK_ORDERS; i++) {
		spin_lock_init(&stackpool[i].lock);
		INIT_LIST_HEAD(&stackpool[i].spans);
	}
	spin_lock_init(&stacklarge.lock);
	for (i = 0; i < GOSPAN_STACK_LARGE_LISTS; i++)
		INIT_LIST_HEAD(&stacklarge.free[i]);
}

/*
 * Go's stackpoolalloc, less the grow: a block of the order from the pool,
 * or NULL if the pool has none. The pool's lock held.
 */
static void *pool_take(unsigned int order)
{
	struct gospan_stackpool *pool = &stackpool[order];
	struct gospan_mspan *s;
	unsigned int b;

	lockdep_assert_held(&pool->lock);
	s = list_first_entry_or_null(&pool->spans, struct gospan_mspan, list);
	if (!s)
		return NULL;
	b = find_first_bit(s->freed_bits, s->nelems);
	__clear_bit(b, s->freed_bits);
	if (++s->alloc_count == s->nelems)
		list_del_init(&s->list);	/* no free block left */
	return (void *)(s->base + b * s->elemsize);
}

/*
 * Go's stackpoolfree: block x of span s back to the pool. Returns the span
 * if it has no block out any more: the caller gives it back to the mheap
 * once the lock is dropped. The pool's lock held.
 */
static struct gospan_mspan *pool_put(unsigned int order, struct gospan_mspan *s, void *x)
{
	struct gospan_stackpool *pool = &stackpool[order];

	lockdep_assert_held(&pool->lock);
	if (s->alloc_count == s->nelems)
		list_add(&s->list, &pool->spans);	/* free blocks again */
	__set_bit(((unsigned long)x - s->base) >> (GOSPAN_STACK_MIN_SHIFT + order),
		  s->freed_bits);
	if (--s->alloc_count)
		return NULL;
	list_del_init(&s->list);
	pool->nspans--;
	return s;
}

/* A new pool span of the order, every block free in it. */
static struct gospan_mspan *pool_grow(unsigned int order, gfp_t gfp)
{
	struct gospan_mspan *s;

	s = gospan_mheap_alloc_manual(&gospan_heap, GOSPAN_STACK_SPAN_PAGES, gfp);
	if (!s)
		return NULL;
	s->elemsize = GOSPAN_STACK_MIN << order;
	s->nelems = GOSPAN_STACK_CACHE_SIZE / s->elemsize;
	s->alloc_count = 0;
	s->cpu = -1;
	s->tiny_state = NULL;
	bitmap_zero(s->alloc_bits, s->nelems);
	bitmap_fill(s->freed_bits, s->nelems);
	return s;
}

/* A new span into the pool of the order (Go's stackpoolalloc's grow). */
static bool pool_add_span(unsigned int order, gfp_t gfp)
{
	struct gospan_stackpool *pool = &stackpool[order];
	struct gospan_mspan *s = pool_grow(order, gfp);
	unsigned long flags;

	if (!s)
		return false;
	spin_lock_irqsave(&pool->lock, flags);
	list_add(&s->list, &pool->spans);
	pool->nspans++;
	spin_unlock_irqrestore(&pool->lock, flags);
	return true;
}

/* Go's stackpoolalloc, for a caller without the mcache: one block. */
static void *pool_alloc(unsigned int order)
{
	struct gospan_stackpool *pool = &stackpool[order];
	unsigned long flags;
	void *x;

	spin_lock_irqsave(&pool->lock, flags);
	x = pool_take(order);
	spin_unlock_irqrestore(&pool->lock, flags);
	return x;
}

/* Give a list of blocks of one order back to the pool, with one lock hold. */
static void pool_free_list(unsigned int order, void *list)
{
	struct gospan_stackpool *pool = &stackpool[order];
	struct gospan_mspan *s, *next;
	unsigned long flags;
	LIST_HEAD(empty);

	if (!list)
		return;
	spin_lock_irqsave(&pool->lock, flags);
	while (list) {
		void *x = list;

		list = *(void **)x;
		/* The block's span cannot go while the block is out of it. */
		s = gospan_span_of(x);
		s = pool_put(order, s, x);
		if (s)
			list_add(&s->list, &empty);
	}
	spin_unlock_irqrestore(&pool->lock, flags);
	list_for_each_entry_safe(s, next, &empty, list) {
		list_del_init(&s->list);
		gospan_mheap_free_manual(&gospan_heap, s);
	}
}

/*
 * Go's stackcacherefill: half a cache's worth of blocks from the pool,
 * without growing it. The mcache lock held.
 */
static void cache_refill(struct gospan_stackfreelist *c, unsigned int order)
{
	struct gospan_stackpool *pool = &stackpool[order];
	size_t size = GOSPAN_STACK_MIN << order;
	unsigned long flags;
	void *x;

	spin_lock_irqsave(&pool->lock, flags);
	while (c->size < GOSPAN_STACK_CACHE_SIZE / 2 && (x = pool_take(order))) {
		*(void **)x = c->list;
		c->list = x;
		c->size += size;
	}
	spin_unlock_irqrestore(&pool->lock, flags);
}

/*
 * Go's stackcacherelease: blocks back to the pool until the cache holds
 * half its capacity. The mcache lock held.
 */
static void cache_release(struct gospan_stackfreelist *c, unsigned int order)
{
	size_t size = GOSPAN_STACK_MIN << order;
	void *list = NULL, *x;

	while (c->size > GOSPAN_STACK_CACHE_SIZE / 2) {
		x = c->list;
		c->list = *(void **)x;
		*(void **)x = list;
		list = x;
		c->size -= size;
	}
	pool_free_list(order, list);
}

/**
 * gospan_stackcache_flush() - give back everything a CPU's stackcache holds
 * @cpu: the CPU; its mcache lock held, or the CPU offline
 *
 * The seeds' stackcache_clear: every order's list goes back to the pool.
 *
 * Context: Any context but NMI; the CPU's mcache lock held.
 */
void gospan_stackcache_flush(unsigned int cpu)
{
	struct gospan_stackcache *sc = per_cpu_ptr(&gospan_stackcaches, cpu);
	unsigned int order;

	gospan_mcache_assert_held(cpu);
	for (order = 0; order < GOSPAN_NUM_STACK_ORDERS; order++) {
		void *list = sc->order[order].list;

		sc->order[order].list = NULL;
		sc->order[order].size = 0;
		pool_free_list(order, list);
	}
}

/**
 * gospan_stackcache_bytes() - bytes one order of a CPU's stackcache holds
 * @cpu: the CPU
 * @order: the order
 *
 * A racy look, for statistics and tests.
 *
 * Context: Any context.
 * Return: the bytes.
 */
size_t gospan_stackcache_bytes(unsigned int cpu, unsigned int order)
{
	return READ_ONCE(per_cpu_ptr(&gospan_stackcaches, cpu)->order[order].size);
}
EXPORT_SYMBOL_NS_GPL(gospan_stackcache_bytes, GOSPAN_INTERNAL);

/* A large stack: a kept span of its size, or a new one. */
static void *large_alloc(unsigned int log2npages, gfp_t gfp)
{
	struct gospan_mspan *s;
	unsigned long flags;

	spin_lock_irqsave(&stacklarge.lock, flags);
	s = list_first_entry_or_null(&stacklarge.free[log2npages], struct gospan_mspan, list);
	if (s) {
		list_del_init(&s->list);
		stacklarge.nfree[log2npages]--;
	}
	spin_unlock_irqrestore(&stacklarge.lock, flags);
	if (!s) {
		s = gospan_mheap_alloc_manual(&gospan_heap, 1UL << log2npages, gfp);
		if (!s)
			return NULL;
		s->nelems = 1;
		s->alloc_count = 1;
		s->cpu = -1;
		s->tiny_state = NULL;
		bitmap_zero(s->alloc_bits, 1);
		bitmap_zero(s->freed_bits, 1);
	}
	return (void *)s->base;
}

/* A large stack freed: kept for the next one of its size, or given back. */
static void large_free(struct gospan_mspan *s)
{
	unsigned int l = ilog2(s->npages);
	unsigned long flags;

	spin_lock_irqsave(&stacklarge.lock, flags);
	if (stacklarge.nfree[l] < GOSPAN_STACK_LARGE_KEEP) {
		list_add(&s->list, &stacklarge.free[l]);
		stacklarge.nfree[l]++;
		s = NULL;
	}
	spin_unlock_irqrestore(&stacklarge.lock, flags);
	if (s)
		gospan_mheap_free_manual(&gospan_heap, s);
}

/* Hand block x out: its bit says it is a stack now. */
static void *hand_out(void *x, size_t size, gfp_t gfp)
{
	struct gospan_mspan *s = gospan_span_of(x);

	if (test_and_set_bit(((unsigned long)x - s->base) / size, s->alloc_bits)) {
		/* Cannot happen: a block in a cache or the pool has its bit clear. */
		pr_err("stack %p handed out twice: leaked\n", x);
		return NULL;
	}
	if (want_init_on_alloc(gfp))
		memset(x, 0, size);
	kmemleak_alloc(x, size, 1, gfp);
	return x;
}

/*
 * A block of the order from this CPU's stackcache, refilled from the pool
 * if it is empty; from the pool directly if the mcache is busy. NULL if
 * the pool has none either.
 */
static void *cache_alloc(unsigned int order, size_t size)
{
	struct gospan_stackfreelist *c;
	struct gospan_mcache *mc;
	void *x;

	mc = gospan_mcache_lock_slow();
	if (!mc)
		return pool_alloc(order);
	c = &this_cpu_ptr(&gospan_stackcaches)->order[order];
	if (!c->list)
		cache_refill(c, order);
	x = c->list;
	if (x) {
		c->list = *(void **)x;
		c->size -= size;
	}
	gospan_mcache_unlock_slow(mc);
	return x;
}

/**
 * gospan_stack_alloc() - allocate a stack, like Go's stackalloc
 * @size: bytes: a power of two from 2 KiB (GOSPAN_STACK_MIN) to 4 MiB
 *	(GOSPAN_STACK_MAX)
 * @gfp: GFP flags as for gospan_alloc(); __GFP_ZERO zeroes the stack
 *
 * The block is aligned to @size. Up to 16 KiB it comes from this CPU's
 * stackcache, refilled from the stackpool; larger stacks are spans of
 * their own (stackLarge). A size that is not a power of two in range is
 * reported and counted (GOSPAN_ERR_BAD_SIZE); so are refused flags.
 *
 * Context: Any context but NMI; may sleep if @gfp allows it.
 * Return: the stack, or NULL.
 */
void *gospan_stack_alloc(size_t size, gfp_t gfp)
{
	unsigned int order;
	void *x;

	if (gospan_nmi_refused())
		return NULL;
	might_alloc(gfp);
	if (unlikely(!is_power_of_2(size) || size < GOSPAN_STACK_MIN ||
		     size > GOSPAN_STACK_MAX)) {
		gospan_report_stack(GOSPAN_ERR_BAD_SIZE, NULL, size, _RET_IP_);
		return NULL;
	}
	if (unlikely(gfp & GOSPAN_GFP_REFUSED)) {
		gospan_report_stack(GOSPAN_ERR_BAD_FLAGS, NULL, (__force unsigned long)gfp,
				    _RET_IP_);
		return NULL;
	}
	if (size >= GOSPAN_STACK_CACHE_SIZE) {
		x = large_alloc(ilog2(size >> GOSPAN_PAGE_SHIFT), gfp);
		return x ? hand_out(x, size, gfp) : NULL;
	}
	order = ilog2(size) - GOSPAN_STACK_MIN_SHIFT;
	x = cache_alloc(order, size);
	/*
	 * The pool had nothing for the refill: grow it, outside the mcache
	 * lock (the grow may sleep), and try again. Someone else may take the
	 * new span's blocks first; then this takes one from the pool itself.
	 */
	if (!x && pool_add_span(order, gfp)) {
		x = cache_alloc(order, size);
		if (!x)
			x = pool_alloc(order);
	}
	return x ? hand_out(x, size, gfp) : NULL;
}
EXPORT_SYMBOL_NS_GPL(gospan_stack_alloc, GOSPAN);

/*
 * Whether x is the start of a live stack of the given size in s; if not,
 * the report to make.
 */
static enum gospan_error check_free(struct gospan_mspan *s, const void *x, size_t size)
{
	unsigned long off;

	if (!s)
		return gospan_mheap_owns(&gospan_heap, x) ? GOSPAN_ERR_DOUBLE_FREE :
							    GOSPAN_ERR_FOREIGN;
	if (READ_ONCE(s->state) != GOSPAN_SPAN_MANUAL)
		return GOSPAN_ERR_WRONG_CACHE;	/* an object, not a stack */
	off = (unsigned long)x - s->base;
	if (off % s->elemsize)
		return GOSPAN_ERR_INTERIOR;
	if (size != s->elemsize)
		return GOSPAN_ERR_BAD_SIZE;
	if (!test_and_clear_bit(off / s->elemsize, s->alloc_bits))
		return GOSPAN_ERR_DOUBLE_FREE;
	return GOSPAN_NR_ERRORS;
}

/**
 * gospan_stack_free() - free a stack, like Go's stackfree
 * @p: from gospan_stack_alloc(), or NULL (a no-op)
 * @size: the size it was allocated with
 *
 * A wrong size (GOSPAN_ERR_BAD_SIZE), a stack already freed
 * (GOSPAN_ERR_DOUBLE_FREE), an address inside a stack
 * (GOSPAN_ERR_INTERIOR), an object rather than a stack
 * (GOSPAN_ERR_WRONG_CACHE) or memory not gospan's (GOSPAN_ERR_FOREIGN) is
 * reported, counted and refused: nothing changes. A stack may be freed on
 * any CPU; it goes to that CPU's stackcache.
 *
 * Context: Any context but NMI; never sleeps.
 */
void gospan_stack_free(void *p, size_t size)
{
	struct gospan_stackfreelist *c;
	struct gospan_mcache *mc;
	struct gospan_mspan *s;
	enum gospan_error err;
	unsigned int order;

	if (!p)
		return;
	rcu_read_lock();
	s = gospan_span_of(p);
	err = check_free(s, p, size);
	rcu_read_unlock();
	if (err != GOSPAN_NR_ERRORS) {
		gospan_report_stack(err, p, size, _RET_IP_);
		return;
	}
	/* Ours now: the span stays while the block is out of its pool. */
	kmemleak_free(p);
	if (want_init_on_free())
		memset(p, 0, size);
	if (size >= GOSPAN_STACK_CACHE_SIZE) {
		large_free(s);
		return;
	}
	order = ilog2(size) - GOSPAN_STACK_MIN_SHIFT;
	mc = gospan_mcache_lock_slow();
	if (!mc) {
		*(void **)p = NULL;
		pool_free_list(order, p);
		return;
	}
	c = &this_cpu_ptr(&gospan_stackcaches)->order[order];
	*(void **)p = c->list;
	c->list = p;
	c->size += size;
	if (c->size >= GOSPAN_STACK_CACHE_SIZE)
		cache_release(c, order);
	gospan_mcache_unlock_slow(mc);
}
EXPORT_SYMBOL_NS_GPL(gospan_stack_free, GOSPAN);

/* Blocks of an order free in its pool, and the pool's spans. */
static unsigned long pool_free_blocks(unsigned int order, unsigned long *nspans)
{
	struct gospan_stackpool *pool = &stackpool[order];
	unsigned long flags, free = 0;
	struct gospan_mspan *s;

	spin_lock_irqsave(&pool->lock, flags);
	*nspans = pool->nspans;
	list_for_each_entry(s, &pool->spans, list)
		free += s->nelems - s->alloc_count;
	spin_unlock_irqrestore(&pool->lock, flags);
	return free;
}

/**
 * gospan_stack_free_pages() - stack memory held without a stack in it
 * @reclaimable: only what a drain and gospan_stack_release() can give
 *	back: the stackcaches and the kept large stacks, not the free blocks
 *	of pool spans that still have stacks in use
 *
 * In gospan pages (rounded down): what the pages file calls free but held,
 * and the shrinker's count.
 *
 * Context: Any context; takes the pool locks.
 * Return: the pages.
 */
unsigned long gospan_stack_free_pages(bool reclaimable)
{
	unsigned long flags, bytes = 0, nspans;
	unsigned int i, cpu;

	for_each_possible_cpu(cpu)
		for (i = 0; i < GOSPAN_NUM_STACK_ORDERS; i++)
			bytes += gospan_stackcache_bytes(cpu, i);
	for (i = 0; i < GOSPAN_NUM_STACK_ORDERS && !reclaimable; i++)
		bytes += pool_free_blocks(i, &nspans) * (GOSPAN_STACK_MIN << i);
	spin_lock_irqsave(&stacklarge.lock, flags);
	for (i = 0; i < GOSPAN_STACK_LARGE_LISTS; i++)
		bytes += ((unsigned long)stacklarge.nfree[i] << i) << GOSPAN_PAGE_SHIFT;
	spin_unlock_irqrestore(&stacklarge.lock, flags);
	return bytes >> GOSPAN_PAGE_SHIFT;
}
EXPORT_SYMBOL_NS_GPL(gospan_stack_free_pages, GOSPAN_INTERNAL);

/**
 * gospan_stack_release() - give the kept large stacks back to the mheap
 *
 * Context: Any context; takes the stackLarge lock and the heap lock.
 * Return: gospan pages given back.
 */
unsigned long gospan_stack_release(void)
{
	struct gospan_mspan *s, *next;
	unsigned long flags, pages = 0;
	unsigned int i;
	LIST_HEAD(gone);

	spin_lock_irqsave(&stacklarge.lock, flags);
	for (i = 0; i < GOSPAN_STACK_LARGE_LISTS; i++) {
		list_splice_init(&stacklarge.free[i], &gone);
		stacklarge.nfree[i] = 0;
	}
	spin_unlock_irqrestore(&stacklarge.lock, flags);
	list_for_each_entry_safe(s, next, &gone, list) {
		list_del_init(&s->list);
		pages += s->npages;
		gospan_mheap_free_manual(&gospan_heap, s);
	}
	return pages;
}
EXPORT_SYMBOL_NS_GPL(gospan_stack_release, GOSPAN_INTERNAL);

/**
 * gospan_stack_cpu_show() - a CPU's stackcache, for the cpus file
 * @m: the file
 * @cpu: the CPU
 *
 * Context: Process context.
 */
void gospan_stack_cpu_show(struct seq_file *m, unsigned int cpu)
{
	unsigned int i;

	seq_puts(m, "  stackcache:");
	for (i = 0; i < GOSPAN_NUM_STACK_ORDERS; i++)
		seq_printf(m, " %luK:%zu", (GOSPAN_STACK_MIN << i) >> 10,
			   gospan_stackcache_bytes(cpu, i) / (GOSPAN_STACK_MIN << i));
	seq_putc(m, '\n');
}

static int stacks_show(struct seq_file *m, void *unused)
{
	unsigned long flags;
	unsigned int i;

	seq_puts(m, "order  size  spans  free_in_pool\n");
	for (i = 0; i < GOSPAN_NUM_STACK_ORDERS; i++) {
		unsigned long nspans, free = pool_free_blocks(i, &nspans);

		seq_printf(m, "%5u %4luK %6lu %13lu\n", i, (GOSPAN_STACK_MIN << i) >> 10,
			   nspans, free);
	}
	seq_puts(m, "stackLarge (pages: kept free):");
	spin_lock_irqsave(&stacklarge.lock, flags);
	for (i = 0; i < GOSPAN_STACK_LARGE_LISTS; i++)
		if (stacklarge.nfree[i])
			seq_printf(m, " %lu:%u", 1UL << i, stacklarge.nfree[i]);
	spin_unlock_irqrestore(&stacklarge.lock, flags);
	seq_putc(m, '\n');
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stacks);

/**
 * gospan_stack_debugfs_init() - the stacks file
 * @root: gospan's debugfs directory
 *
 * Context: Process context, at load.
 */
void gospan_stack_debugfs_init(struct dentry *root)
{
	debugfs_create_file("stacks", 0444, root, NULL, &stacks_fops);
}

/**
 * gospan_stack_exit() - give back the kept large stacks at unload
 *
 * The stackcaches were flushed with the mcaches (gospan_mcache_exit());
 * pool spans go back as their last block does. Stacks still in use are
 * reported by the heap's teardown.
 *
 * Context: Process context.
 */
void gospan_stack_exit(void)
{
	unsigned int i;

	gospan_stack_release();
	for (i = 0; i < GOSPAN_NUM_STACK_ORDERS; i++)
		if (stackpool[i].nspans)
			pr_err("stack order %u: %lu spans with stacks in use at unload\n",
			       i, stackpool[i].nspans);
}
