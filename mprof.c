// SPDX-License-Identifier: GPL-2.0
/*
 * Heap profile sampling (Go's runtime/mprof.go, and malloc.go's
 * MemProfileRate, nextSample and fastexprand). Its place in the
 * allocation path: the allocation and free hooks (internal.h), after
 * step 2 at the top of gospan.c.
 *
 * Sampling. Every allocation subtracts its size from its CPU's
 * nextSample (mprof.h: one per-CPU instruction behind a static key, none
 * at all while memprofilerate is 0); the allocation that takes it below
 * zero is sampled, and draws the next distance from an exponential
 * distribution of mean memprofilerate bytes, as Go's fastexprand does, so
 * that every byte allocated has the same chance of being sampled,
 * whatever the size of the objects and the order in which they come.
 *
 * A sample records the object's address, its size and its stack (in the
 * stack depot) in a record from a fixed pool, hashed by address, and its
 * page is marked in the heap's arena (struct gospan_heap_arena's
 * sampled). Frees do not look (Go keeps a special record on the span,
 * which its sweep finds; gospan's free fast paths stay as they are): a
 * freed object's record is forgotten when its address is handed out again
 * (the allocation hook looks at the page's mark), when its span goes back
 * to the heap, or when the profile is read and finds the object free. A
 * record pool that is full drops the sample (counted).
 *
 * The heapprofile file aggregates the live samples by stack and scales
 * each stack's counts by Go's 1 / (1 - exp(-avg / rate)), which undoes
 * the sampling of objects of that average size (pprof's scaleHeapSample),
 * so that it estimates the live objects and bytes. It is the legacy text
 * format `go tool pprof` reads, with "@ heapprofile" (period 1: pprof does
 * not scale it again), each stack followed by its symbolized frames as
 * comments, the way Go's debug=1 output has them. scripts/gospan-pprof
 * fetches it from a guest and serves it to pprof with the symbols.
 *
 * Lock: mprof_lock (a raw spinlock, irq-safe: samples are taken in any
 * context) protects the record pool and hash and the arenas' sampled
 * counts. A leaf: nothing is taken under it (the stack depot is called
 * before it); a span's release takes it under the heap lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/jump_label.h>
#include <linux/kallsyms.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>
#include <linux/vmalloc.h>

#include "internal.h"
#include "mheap.h"
#include "mprof.h"
#include "mstats.h"

/* Live samples at most (records are preallocated). */
#define MPROF_RECORDS		4096
/* Frames kept per stack. */
#define MPROF_DEPTH		32
/* Go's randomBitCount: the exponential draw uses 26 random bits. */
#define MPROF_RANDOM_BITS	26
/* Fixed point: 32 fractional bits. */
#define FP_SHIFT		32
#define FP_ONE			BIT_ULL(FP_SHIFT)

DEFINE_STATIC_KEY_FALSE(gospan_mprof_on);
EXPORT_SYMBOL_NS_GPL(gospan_mprof_on, GOSPAN_INTERNAL);
DEFINE_PER_CPU(long, gospan_next_sample);

/**
 * struct mprof_record - one live sampled object
 * @node: in mprof_hash by address, or on mprof_free
 * @addr: the object
 * @size: its size, as counted towards the sampling
 * @stack: where it was allocated (stack depot)
 */
struct mprof_record {
	struct hlist_node node;
	unsigned long addr;
	size_t size;
	depot_stack_handle_t stack;
};

static DEFINE_RAW_SPINLOCK(mprof_lock);	/* see the top of this file */
static DEFINE_HASHTABLE(mprof_hash, 10);
static HLIST_HEAD(mprof_free_records);
static struct mprof_record *mprof_records;
static unsigned long mprof_live, mprof_sampled, mprof_dropped;	/* under mprof_lock */
static bool mprof_recording;	/* under mprof_lock: records may be taken */
/* Serializes rate changes, load and unload; protects mprof_records. */
static DEFINE_MUTEX(mprof_rate_mutex);

static unsigned int memprofilerate = 512 * 1024;

/* log2(q) for 1 <= q < 2^32, with FP_SHIFT fractional bits (bit by bit). */
static u64 log2_fp(u32 q)
{
	unsigned int k = ilog2(q), i;
	u64 x = ((u64)q << FP_SHIFT) >> k;	/* q / 2^k in [1, 2) */
	u64 r = (u64)k << FP_SHIFT;

	for (i = 1; i <= 24; i++) {
		x = mul_u64_u64_shr(x, x, FP_SHIFT);
		if (x >= 2 * FP_ONE) {
			x >>= 1;
			r |= 1ULL << (FP_SHIFT - i);
		}
	}
	return r;
}

/*
 * Go's fastexprand(mean): -ln(q / 2^26) * mean for q uniform in
 * [1, 2^26], an exponential draw of mean @mean bytes.
 */
static long draw_sample_distance(unsigned int mean)
{
	u32 q = get_random_u32() % (1U << MPROF_RANDOM_BITS) + 1;
	u64 nlog2 = ((u64)MPROF_RANDOM_BITS << FP_SHIFT) - log2_fp(q);
	/* ln 2 in 32-bit fixed point */
	u64 nln = mul_u64_u64_shr(nlog2, 2977044472ULL, FP_SHIFT);

	if (mean == 1)
		return 0;	/* every allocation */
	return (long)mul_u64_u64_shr(nln, mean, FP_SHIFT) + 1;
}

/*
 * Add d to the arena's count of samples in p's page. A live sampled
 * object keeps its chunk's arena; the check is for a record that outlived
 * its object, which the key ordering of gospan_mprof_set_rate() prevents.
 * mprof_lock held.
 */
static void count_sampled(unsigned long p, int d)
{
	unsigned long off = p - PAGE_OFFSET;
	struct gospan_heap_arena *a;

	lockdep_assert_held(&mprof_lock);
	a = rcu_dereference_check(gospan_heap.arenas[off >> GOSPAN_CHUNK_SHIFT], true);
	if (a != &gospan_no_arena)
		a->sampled[(off >> GOSPAN_PAGE_SHIFT) & (GOSPAN_CHUNK_PAGES - 1)] += d;
}

/**
 * gospan_mprof_malloc() - sample an allocation (Go's profilealloc)
 * @p: the object, not handed out yet
 * @size: its size, as counted
 * @gfp: the allocation's flags: the stack depot may allocate with them,
 *	less direct reclaim
 *
 * Draws this CPU's next sample distance and records @p with its stack.
 *
 * Context: Any context but NMI (the allocation hooks).
 */
void gospan_mprof_malloc(const void *p, size_t size, gfp_t gfp)
{
	unsigned long entries[MPROF_DEPTH], flags;
	unsigned int rate = READ_ONCE(memprofilerate), n, skip;
	depot_stack_handle_t stack;
	struct mprof_record *r;

	this_cpu_write(gospan_next_sample, draw_sample_distance(rate ?: 1));
	n = stack_trace_save(entries, ARRAY_SIZE(entries), 1);
	/* The stack starts at gospan's caller, as Go's starts at malloc's. */
	for (skip = 0; skip < n && within_module(entries[skip], THIS_MODULE); skip++)
		;
	memmove(entries, entries + skip, (n - skip) * sizeof(entries[0]));
	n -= skip;
	stack = stack_depot_save(entries, n, (gfp & GOSPAN_GFP_RECLAIM_MASK &
					      ~__GFP_DIRECT_RECLAIM) | __GFP_NOWARN);

	raw_spin_lock_irqsave(&mprof_lock, flags);
	if (!mprof_recording) {		/* the rate went to 0 meanwhile */
		raw_spin_unlock_irqrestore(&mprof_lock, flags);
		return;
	}
	mprof_sampled++;
	r = hlist_entry_safe(mprof_free_records.first, struct mprof_record, node);
	if (!r || !stack) {
		mprof_dropped++;
	} else {
		hlist_del(&r->node);
		r->addr = (unsigned long)p;
		r->size = size;
		r->stack = stack;
		hash_add(mprof_hash, &r->node, r->addr);
		count_sampled(r->addr, 1);
		mprof_live++;
	}
	raw_spin_unlock_irqrestore(&mprof_lock, flags);
}

/* Forget r. mprof_lock held. */
static void forget(struct mprof_record *r)
{
	lockdep_assert_held(&mprof_lock);
	hash_del(&r->node);
	count_sampled(r->addr, -1);
	hlist_add_head(&r->node, &mprof_free_records);
	mprof_live--;
}

/* The record of the object at p, or NULL. mprof_lock held. */
static struct mprof_record *find(unsigned long p)
{
	struct mprof_record *r;

	lockdep_assert_held(&mprof_lock);
	hash_for_each_possible(mprof_hash, r, node, p)
		if (r->addr == p)
			return r;
	return NULL;
}

/**
 * gospan_mprof_alloc_check() - forget the sample of an object freed before
 * @p: an object being handed out again, in a page
 *	gospan_mprof_page_marked() says is marked
 *
 * Frees do not look for samples (their fast paths stay as they are): the
 * record of a freed object is forgotten when its address is handed out
 * again, here, when its span goes back to the heap, or when the profile
 * is read and finds the object free.
 *
 * Context: Any context but NMI (the allocation hooks, sampling on).
 */
void gospan_mprof_alloc_check(const void *p)
{
	struct mprof_record *r;
	unsigned long flags;

	raw_spin_lock_irqsave(&mprof_lock, flags);
	r = find((unsigned long)p);
	if (r)
		forget(r);
	raw_spin_unlock_irqrestore(&mprof_lock, flags);
}

/**
 * gospan_mprof_span_freed() - forget the samples of a span going back
 * @base: the span's first byte
 * @npages: its pages
 *
 * Every object of the span is free: their records go, before the pages
 * (and maybe their chunk's arena) can.
 *
 * Context: Any context; the heap lock held (mprof_lock nests inside it).
 */
void gospan_mprof_span_freed(unsigned long base, unsigned long npages)
{
	unsigned long end = base + (npages << GOSPAN_PAGE_SHIFT), pg, flags;
	struct mprof_record *r;
	struct hlist_node *tmp;
	unsigned int b;
	bool marked = false;

	for (pg = base; pg < end && !marked; pg += GOSPAN_PAGE_SIZE)
		marked = gospan_mprof_page_marked((void *)pg);
	if (!marked)
		return;
	raw_spin_lock_irqsave(&mprof_lock, flags);
	hash_for_each_safe(mprof_hash, b, tmp, r, node)
		if (r->addr >= base && r->addr < end)
			forget(r);
	raw_spin_unlock_irqrestore(&mprof_lock, flags);
}

/* Whether the object at p is allocated now (racy, as the free path's look). */
static bool still_allocated(unsigned long p)
{
	struct gospan_mspan *s;
	unsigned int idx;
	bool live = false;

	rcu_read_lock();
	s = gospan_span_of_rcu(&gospan_heap, (void *)p);
	if (!s || READ_ONCE(s->state) != GOSPAN_SPAN_IN_USE) {
		live = false;
	} else if (!s->spanclass) {
		live = p == s->base;
	} else if (s->spanclass == GOSPAN_TINY_SPANCLASS) {
		live = gospan_tiny_allocated(s, (void *)p);
	} else {
		idx = gospan_span_obj_index(s, (void *)p);
		live = idx < s->nelems && gospan_span_allocated(s, idx);
	}
	rcu_read_unlock();
	return live;
}

/* Forget the records of objects that are free now. Process context. */
static void sweep(void)
{
	struct mprof_record *r;
	struct hlist_node *tmp;
	unsigned long flags;
	unsigned int b;

	raw_spin_lock_irqsave(&mprof_lock, flags);
	hash_for_each_safe(mprof_hash, b, tmp, r, node)
		if (!still_allocated(r->addr))
			forget(r);
	raw_spin_unlock_irqrestore(&mprof_lock, flags);
}

/* Stop recording and forget every sample (the rate went to 0, or unload). */
static void stop_recording(void)
{
	struct mprof_record *r;
	struct hlist_node *tmp;
	unsigned long flags;
	unsigned int b;

	raw_spin_lock_irqsave(&mprof_lock, flags);
	mprof_recording = false;
	hash_for_each_safe(mprof_hash, b, tmp, r, node)
		forget(r);
	raw_spin_unlock_irqrestore(&mprof_lock, flags);
}

/*
 * Records are taken only while mprof_recording, which is cleared, every
 * record forgotten, under one hold of mprof_lock when the rate goes to 0:
 * a sample racing with it is dropped, so none outlives the profile. The
 * keys bracket that: allocations check for stale records (the hooks key)
 * and span releases forget theirs (gospan_mprof_on) from before the first
 * record is taken until after the last is forgotten.
 */
static void set_rate_locked(unsigned int rate)
{
	unsigned int old = memprofilerate, cpu;
	unsigned long flags;

	lockdep_assert_held(&mprof_rate_mutex);
	WRITE_ONCE(memprofilerate, rate);
	for_each_possible_cpu(cpu)
		WRITE_ONCE(per_cpu(gospan_next_sample, cpu),
			   rate ? draw_sample_distance(rate) : 0);
	if (rate && !old) {
		/* Every allocation checks for stale records before any is taken. */
		static_branch_inc(&gospan_alloc_hooks);
		static_branch_enable(&gospan_mprof_on);
		raw_spin_lock_irqsave(&mprof_lock, flags);
		mprof_recording = true;
		raw_spin_unlock_irqrestore(&mprof_lock, flags);
	}
	if (!rate && old) {
		/* ... and until the last is forgotten, span releases look too. */
		stop_recording();
		static_branch_disable(&gospan_mprof_on);
		static_branch_dec(&gospan_alloc_hooks);
	}
}

/**
 * gospan_mprof_set_rate() - set MemProfileRate
 * @rate: bytes per sample on average; 1 samples every allocation, 0
 *	turns sampling off (and forgets the live samples)
 *
 * What writing the memprofilerate parameter does.
 *
 * Context: Process context.
 * Return: the old rate.
 */
unsigned int gospan_mprof_set_rate(unsigned int rate)
{
	unsigned int old;

	mutex_lock(&mprof_rate_mutex);
	old = memprofilerate;
	if (mprof_records)
		set_rate_locked(rate);
	mutex_unlock(&mprof_rate_mutex);
	return old;
}
EXPORT_SYMBOL_NS_GPL(gospan_mprof_set_rate, GOSPAN_INTERNAL);

static int set_rate_param(const char *val, const struct kernel_param *kp)
{
	unsigned int rate;
	int err = kstrtouint(val, 0, &rate);

	if (err)
		return err;
	mutex_lock(&mprof_rate_mutex);
	if (mprof_records)
		set_rate_locked(rate);
	else	/* before load: gospan_mprof_init() applies it */
		memprofilerate = rate;
	mutex_unlock(&mprof_rate_mutex);
	return 0;
}

static const struct kernel_param_ops rate_ops = {
	.set = set_rate_param,
	.get = param_get_uint,
};
module_param_cb(memprofilerate, &rate_ops, &memprofilerate, 0644);
MODULE_PARM_DESC(memprofilerate,
		 "heap profile: one sample per this many bytes allocated (0: off, 1: every one)");

/* One stack's live samples. */
struct mprof_bucket {
	depot_stack_handle_t stack;
	u64 objects, bytes;
};

static int cmp_bucket(const void *a, const void *b)
{
	const struct mprof_bucket *x = a, *y = b;

	return x->stack < y->stack ? -1 : x->stack > y->stack;
}

/* exp(-x) for x >= 0 in FP: Taylor series on x / 2^k, then squared k times. */
static u64 exp_neg_fp(u64 x)
{
	unsigned int k = 0, i;
	u64 term, sum;

	while (x > FP_ONE / 2 && k < 16) {
		x >>= 1;
		k++;
	}
	if (x > FP_ONE / 2)
		return 0;
	sum = FP_ONE;
	term = FP_ONE;
	for (i = 1; i <= 12; i++) {
		term = div_u64(mul_u64_u64_shr(term, x, FP_SHIFT), i);
		sum += (i & 1) ? -term : term;
	}
	while (k--)
		sum = mul_u64_u64_shr(sum, sum, FP_SHIFT);
	return sum;
}

/*
 * pprof's scaleHeapSample: count and bytes of objects of average size
 * avg, sampled at rate, scaled by 1 / (1 - exp(-avg / rate)).
 */
static void scale(struct mprof_bucket *b, unsigned int rate)
{
	u64 avg, p;

	if (rate <= 1 || !b->objects)
		return;
	avg = div64_u64(b->bytes, b->objects);
	p = FP_ONE - exp_neg_fp(div64_u64(avg << FP_SHIFT, rate));	/* P(sampled) */
	if (!p)
		return;
	b->objects = div64_u64(b->objects << FP_SHIFT, p);
	b->bytes = div64_u64(b->bytes << FP_SHIFT, p);
}

/* The live samples, one bucket per stack, unscaled; vfree() the result. */
static struct mprof_bucket *collect(unsigned int *nbuckets)
{
	struct mprof_bucket *b;
	struct mprof_record *r;
	unsigned long flags;
	unsigned int n = 0, i, out = 0, bkt;

	b = vmalloc(MPROF_RECORDS * sizeof(*b));
	if (!b)
		return NULL;
	sweep();
	raw_spin_lock_irqsave(&mprof_lock, flags);
	hash_for_each(mprof_hash, bkt, r, node) {
		b[n].stack = r->stack;
		b[n].objects = 1;
		b[n].bytes = r->size;
		n++;
	}
	raw_spin_unlock_irqrestore(&mprof_lock, flags);
	sort(b, n, sizeof(*b), cmp_bucket, NULL);
	for (i = 0; i < n; i++) {
		if (out && b[out - 1].stack == b[i].stack) {
			b[out - 1].objects += b[i].objects;
			b[out - 1].bytes += b[i].bytes;
		} else {
			b[out++] = b[i];
		}
	}
	*nbuckets = out;
	return b;
}

/**
 * gospan_mprof_estimate() - the profile's estimate for one allocation site
 * @func: a function name; stacks with a frame in it count
 * @objects: estimated live objects allocated there
 * @bytes: estimated live bytes
 * @samples: live samples behind the estimate
 *
 * For tests: what the heapprofile file says of that function.
 *
 * Context: Process context.
 */
void gospan_mprof_estimate(const char *func, u64 *objects, u64 *bytes, unsigned long *samples)
{
	unsigned int rate = READ_ONCE(memprofilerate), n = 0, i, j, nr;
	char sym[KSYM_SYMBOL_LEN];
	struct mprof_bucket *b;
	unsigned long *entries;

	*objects = *bytes = *samples = 0;
	b = collect(&n);
	if (!b)
		return;
	for (i = 0; i < n; i++) {
		nr = stack_depot_fetch(b[i].stack, &entries);
		for (j = 0; j < nr; j++) {
			size_t len = strlen(func);

			/* "name" or, in a module, "name [module]" */
			snprintf(sym, sizeof(sym), "%ps", (void *)entries[j]);
			if (!strncmp(sym, func, len) && (!sym[len] || sym[len] == ' '))
				break;
		}
		if (j == nr)
			continue;
		*samples += b[i].objects;
		scale(&b[i], rate);
		*objects += b[i].objects;
		*bytes += b[i].bytes;
	}
	vfree(b);
}
EXPORT_SYMBOL_NS_GPL(gospan_mprof_estimate, GOSPAN_INTERNAL);

/**
 * gospan_mprof_live() - live samples
 *
 * The records of objects freed since are forgotten first.
 *
 * Context: Process context.
 * Return: the records held.
 */
unsigned long gospan_mprof_live(void)
{
	unsigned long flags, n;

	sweep();
	raw_spin_lock_irqsave(&mprof_lock, flags);
	n = mprof_live;
	raw_spin_unlock_irqrestore(&mprof_lock, flags);
	return n;
}
EXPORT_SYMBOL_NS_GPL(gospan_mprof_live, GOSPAN_INTERNAL);

static int heapprofile_show(struct seq_file *m, void *unused)
{
	unsigned int rate = READ_ONCE(memprofilerate), n = 0, i, j, nr;
	u64 objects = 0, bytes = 0;
	struct mprof_bucket *b;
	unsigned long *entries, flags, sampled, dropped, live;

	b = collect(&n);
	if (!b)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		scale(&b[i], rate);
		objects += b[i].objects;
		bytes += b[i].bytes;
	}
	/* Legacy heap profile; alloc counts are not kept: they equal in-use. */
	seq_printf(m, "heap profile: %llu: %llu [%llu: %llu] @ heapprofile\n",
		   objects, bytes, objects, bytes);
	for (i = 0; i < n; i++) {
		seq_printf(m, "%llu: %llu [%llu: %llu] @", b[i].objects, b[i].bytes,
			   b[i].objects, b[i].bytes);
		nr = stack_depot_fetch(b[i].stack, &entries);
		for (j = 0; j < nr; j++)
			seq_printf(m, " %#lx", entries[j]);
		seq_putc(m, '\n');
		for (j = 0; j < nr; j++)
			seq_printf(m, "#\t%#lx\t%pS\n", entries[j], (void *)entries[j]);
		seq_putc(m, '\n');
	}
	raw_spin_lock_irqsave(&mprof_lock, flags);
	sampled = mprof_sampled;
	dropped = mprof_dropped;
	live = mprof_live;
	raw_spin_unlock_irqrestore(&mprof_lock, flags);
	seq_printf(m, "# memprofilerate %u, live samples %lu, samples taken %lu, dropped %lu\n",
		   rate, live, sampled, dropped);
	seq_puts(m, "# estimates: each stack's sampled counts scaled by 1/(1-exp(-avg/rate))\n");
	vfree(b);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(heapprofile);

/**
 * gospan_mprof_init() - set up the records and the heapprofile file
 * @root: gospan's debugfs directory
 *
 * Context: Process context, at load.
 * Return: 0, or a negative errno.
 */
int gospan_mprof_init(struct dentry *root)
{
	struct mprof_record *records;
	unsigned int i, rate;

	if (stack_depot_init())
		return -ENOMEM;
	records = vcalloc(MPROF_RECORDS, sizeof(*records));
	if (!records)
		return -ENOMEM;
	atomic_long_add(MPROF_RECORDS * sizeof(*records), &gospan_other_sys);
	for (i = 0; i < MPROF_RECORDS; i++)
		hlist_add_head(&records[i].node, &mprof_free_records);
	mutex_lock(&mprof_rate_mutex);
	mprof_records = records;
	rate = memprofilerate;
	memprofilerate = 0;
	set_rate_locked(rate);
	mutex_unlock(&mprof_rate_mutex);
	debugfs_create_file("heapprofile", 0444, root, NULL, &heapprofile_fops);
	return 0;
}

/**
 * gospan_mprof_exit() - stop sampling, free the records
 *
 * Context: Process context, at unload.
 */
void gospan_mprof_exit(void)
{
	struct mprof_record *records;

	mutex_lock(&mprof_rate_mutex);
	if (mprof_records)	/* init may have failed before it set the rate */
		set_rate_locked(0);
	records = mprof_records;
	mprof_records = NULL;
	mutex_unlock(&mprof_rate_mutex);
	if (records)
		atomic_long_sub(MPROF_RECORDS * sizeof(*records), &gospan_other_sys);
	vfree(records);
}
