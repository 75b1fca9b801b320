// SPDX-License-Identifier: GPL-2.0
/*
 * gospan_torture: an rcutorture-style torture test of gospan
 * (scripts/gospan-torture).
 *
 * Loading the module starts a control kthread that runs the test for
 * duration seconds, prints a progress line every stat_interval seconds and
 * ends with one line "gospan-torture: SUMMARY ...: PASS" (or FAIL), which
 * scripts/gospan-torture waits for. Unloading it before then stops the test
 * early; the summary is printed all the same. While it runs:
 *
 *  - workers (threads_per_cpu kthreads per CPU online at load, pinned to it,
 *    and pinned again when it comes back from being offline) each keep
 *    WORKER_SLOTS live objects and replace them at random: gospan_alloc()
 *    from 1 B to 32 KiB, and now and then large objects up to
 *    KMALLOC_MAX_SIZE; objects of the fixed caches (size classes shared with
 *    gospan_alloc(), private classes for an odd size and a constructor,
 *    GOSPAN_HWCACHE_ALIGN, explicit alignments of 256 and 4096, tiny
 *    caches); bulk allocations and bulk frees; GFP_KERNEL and GFP_ATOMIC
 *    (sometimes with interrupts off), sometimes with __GFP_ZERO;
 *  - churn caches are created, used and destroyed, each only once all its
 *    objects are freed wherever they went, and gospan_cache_shrink() runs on
 *    caches whose size classes other workers allocate from meanwhile;
 *  - objects go to another CPU's inbox (an llist) to be freed there;
 *  - cache objects are freed with gospan_free() too, as kfree() may free
 *    kmem_cache objects, and objects without a constructor through
 *    gospan_free_call_rcu() (the rcu_head at their start), as kfree_rcu();
 *  - gospan_alloc() objects are resized with gospan_realloc(), their
 *    contents checked where they moved;
 *  - workers keep a few stacks (gospan_stack_alloc(), 2 KiB to 256 KiB),
 *    checked for alignment and for their marks when they are freed;
 *  - an hrtimer per CPU (hard interrupt; a soft one on PREEMPT_RT, where
 *    hard interrupts may not allocate) and a timer (softirq) allocate and
 *    free with GFP_ATOMIC;
 *  - a kthread takes CPUs other than 0 offline and brings them back;
 *  - with inject=1 the control kthread turns gospan_fail_grow on and off in
 *    phases of a few seconds.
 *
 * Every object is filled with a pattern made of its address and a tag of
 * its own, so that two live objects that overlap are caught as well as
 * stray writes, and checked before it is freed (objects over DENSE_MAX at
 * the start of every SAMPLE_STRIDE bytes and at their end). Objects of a
 * cache with a constructor are checked to be constructed when allocated and
 * put back in that state before they are freed; tiny objects are filled to
 * their exact size. Alignment, usable size and zeroing are checked with
 * every allocation, and the invariants of struct gospan_memstats with
 * every snapshot (the control kthread reads them all the time, workers and
 * interrupts now and then). An allocation may fail only if fault injection
 * was on at some moment of it (each reads the injection generation before
 * and after), or, for a large object, if the kernel itself has no free
 * block of its order when asked at once with the same flags (above
 * PAGE_ALLOC_COSTLY_ORDER the page allocator may fail GFP_KERNEL, and
 * kmalloc with it; the summary counts these as kernel_refused).
 *
 * gospan_cache_shrink() of a cache none of whose span class's objects is
 * live (a churn cache with a class of its own before it is destroyed, every
 * cache at the end) must leave no span. At the end every object is freed,
 * every cache destroyed, every mcache drained and every mcentral swept, and
 * the heap gives its free chunks back: gospan must then hold no page and no
 * object, and must have refused no bad input (gospan_error_count()).
 *
 * The summary line counts operations (worker and interrupt), allocation
 * failures and those allowed (injection, or the kernel's refusal),
 * corruptions (pattern, alignment,
 * size, zeroing, construction), invariant breaks, pages held at the end, CPU
 * hotplug cycles, objects still counted live and bad inputs gospan refused;
 * the line before it says where the time went, by kind of operation.
 */
#define pr_fmt(fmt) "gospan-torture: " fmt

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/fault-inject.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kasan-checks.h>
#include <linux/kthread.h>
#include <linux/llist.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <linux/wait.h>

#include "gospan.h"
#include "internal.h"
#include "mcache.h"
#include "mcentral.h"
#include "mheap.h"
#include "stack.h"

static int duration = 60;
module_param(duration, int, 0444);
MODULE_PARM_DESC(duration, "seconds to run (default 60)");

static int threads_per_cpu = 1;
module_param(threads_per_cpu, int, 0444);
MODULE_PARM_DESC(threads_per_cpu, "worker kthreads per CPU (default 1)");

static char *mix = "all";
module_param(mix, charp, 0444);
MODULE_PARM_DESC(mix, "operations: \"all\", a bitmask, or names separated by commas (alloc,large,cache,bulk,churn,shrink,remote,kfree,hardirq,softirq,hotplug,stats,realloc,rcu); a leading -name removes one from all");

static bool inject;
module_param(inject, bool, 0444);
MODULE_PARM_DESC(inject, "inject grow failures in phases (default 0)");

static int stat_interval = 10;
module_param(stat_interval, int, 0444);
MODULE_PARM_DESC(stat_interval, "seconds between progress lines (default 10)");

/* The kinds of operation, selected by the mix parameter. */
enum torture_op {
	T_ALLOC,	/* gospan_alloc() up to 32 KiB */
	T_LARGE,	/* gospan_alloc() above 32 KiB */
	T_CACHE,	/* objects of the fixed caches */
	T_BULK,		/* gospan_cache_alloc_bulk() and gospan_cache_free_bulk() */
	T_CHURN,	/* caches created, used and destroyed */
	T_SHRINK,	/* gospan_cache_shrink() */
	T_REMOTE,	/* objects freed by another CPU */
	T_KFREE,	/* gospan_free() of cache objects */
	T_HARDIRQ,	/* an hrtimer per CPU */
	T_SOFTIRQ,	/* a timer per CPU */
	T_HOTPLUG,	/* CPUs offline and back */
	T_STATS,	/* MemStats read by workers and interrupts */
	T_REALLOC,	/* gospan_realloc() of gospan_alloc() objects */
	T_RCU,		/* gospan_free_call_rcu() instead of a free */
	T_NR
};

static const char * const op_names[T_NR] = {
	[T_ALLOC] = "alloc", [T_LARGE] = "large", [T_CACHE] = "cache",
	[T_BULK] = "bulk", [T_CHURN] = "churn", [T_SHRINK] = "shrink",
	[T_REMOTE] = "remote", [T_KFREE] = "kfree", [T_HARDIRQ] = "hardirq",
	[T_SOFTIRQ] = "softirq", [T_HOTPLUG] = "hotplug", [T_STATS] = "stats",
	[T_REALLOC] = "realloc", [T_RCU] = "rcu",
};

#define T_ALL		GENMASK(T_NR - 1, 0)

static unsigned long mix_mask;
#define MIXED(op)	(mix_mask & BIT(op))

#define WORKER_SLOTS	128	/* live objects per worker */
#define IRQ_SLOTS	16	/* live objects per interrupt handler */
#define BULK_MAX	32	/* objects per bulk call */
#define NR_CHURN	8	/* churn caches alive at once, at most */
#define MAX_LARGE	3	/* large objects a worker holds, at most */
#define DENSE_MAX	SZ_64K	/* larger objects are patterned in samples */
#define SAMPLE_STRIDE	SZ_4K
#define SAMPLE_LEN	64
#define CTOR_TAG	0	/* the constructed state; objects' tags are odd */
/*
 * Interrupt handlers fire every 1-3 ms (hrtimer) and every 1-4 jiffies
 * (timer), or less often: each waits IRQ_IDLE_FACTOR times as long as it
 * ran before it fires again, so that interrupts take no more than about a
 * tenth of a CPU. Under TCG with KASAN an operation can take milliseconds,
 * and interrupts at a fixed rate starve the workers.
 */
#define HARDIRQ_PERIOD_NS	(2 * NSEC_PER_MSEC)
#define IRQ_IDLE_FACTOR		9
#define IRQ_MAX_DELAY_NS	(200 * NSEC_PER_MSEC)

/* Where a context's time goes, for the summary's time line. */
enum ttime { TM_SLOT, TM_LARGE, TM_IRQSOFF, TM_BULK, TM_CHURN, TM_SHRINK, TM_STATS,
	     TM_INBOX, TM_IRQ, TM_HOTPLUG, TM_STACK, TM_NR };

static const char * const time_names[TM_NR] = {
	[TM_SLOT] = "slot", [TM_LARGE] = "large", [TM_IRQSOFF] = "irqs_off",
	[TM_BULK] = "bulk", [TM_CHURN] = "churn", [TM_SHRINK] = "shrink",
	[TM_STATS] = "stats", [TM_INBOX] = "inbox", [TM_IRQ] = "irq",
	[TM_HOTPLUG] = "hotplug", [TM_STACK] = "stack",
};

/* Counts of one context, written only by it and read by the control kthread. */
struct tcounts {
	unsigned long ns[TM_NR];
	unsigned long ops;
	unsigned long allocs;
	unsigned long frees;
	unsigned long xfers;
	unsigned long bulks;
	unsigned long reallocs;
	unsigned long churned;
	unsigned long shrinks;
	unsigned long reads;
	unsigned long stacks;
};

/* Count on a context's own counter (others only read it). */
static void count_add(unsigned long *counter, unsigned long k)
{
	WRITE_ONCE(*counter, *counter + k);
}

/* What a worker, an interrupt handler or the control kthread works with. */
struct tctx {
	struct rnd_state rnd;
	struct tcounts n;
	bool atomic;		/* GFP_ATOMIC only: interrupts, or interrupts off */
	bool irq;		/* an interrupt handler: small objects, few */
	const char *where;	/* for reports */
	unsigned int home;	/* index of its CPU in homes[] */
};

struct churn_slot;

/* A cache the torture allocates from: a fixed one, or a churn slot's. */
struct tcache {
	const char *name;
	unsigned int size;
	unsigned int align;
	unsigned int flags;
	void (*ctor)(void *obj);
	struct gospan_cache *cache;
	unsigned int obj_align;	/* the alignment every object must have */
	struct churn_slot *slot;	/* NULL for a fixed cache */
};

/* A live object. */
struct tobj {
	void *p;		/* NULL: the slot is empty */
	struct tcache *tc;	/* NULL: from gospan_alloc() */
	u32 size;		/* bytes asked for, all of them patterned */
	u32 tag;		/* its own part of the pattern (odd) */
};

/*
 * An object on its way to another CPU: written over the object's first
 * bytes when it is big enough (kmalloc() and a kfree() on another CPU cost
 * more than the rest of the transfer under TCG), or else kmalloc()ed.
 */
struct txfer {
	struct llist_node node;
	struct tobj o;
	bool embedded;
};

enum churn_state { CHURN_EMPTY, CHURN_LIVE, CHURN_DYING };

/* A cache that comes and goes. */
struct churn_slot {
	struct mutex lock;	/* serializes create, allocations and destroy */
	struct tcache tc;	/* the cache, unless CHURN_EMPTY */
	enum churn_state state;
	unsigned int allocs_left;	/* before it starts dying */
	atomic_t live;		/* its objects not freed yet, wherever they are */
	unsigned int index;
	unsigned long generation;
	char name[32];
};

/* Stacks a worker keeps (gospan_stack_alloc()): address and size. */
#define WORKER_STACKS	4

struct tstack {
	unsigned long *p;
	size_t size;
};

struct tworker {
	struct tctx x;
	struct task_struct *task;
	unsigned int cpu;
	unsigned int nlarge;	/* large objects in @slots */
	struct tobj slots[WORKER_SLOTS];
	struct tstack stacks[WORKER_STACKS];
};

/* The interrupt handlers of one CPU. */
struct tirq_side {
	struct tctx x;
	struct tobj ring[IRQ_SLOTS];
};

struct tirq {
	struct hrtimer hrt;
	struct timer_list timer;
	struct tirq_side hard;
	struct tirq_side soft;
};

static unsigned int *homes;	/* the CPUs online at load */
static unsigned int nr_homes;
static struct llist_head *inboxes;	/* per home: objects to free there */
static struct tworker *workers;
static unsigned int nr_workers;
static struct tirq *irqs;	/* per home */
static struct task_struct *hotplug_task;
static bool irqs_ready;		/* their timers are set up */
static struct tctx ctl;		/* the control kthread's */
static struct tctx hotplug_ctx;	/* the hotplug kthread's */
static struct churn_slot churn[NR_CHURN];

static struct task_struct *main_task;
static DECLARE_COMPLETION(main_done);
static DECLARE_WAIT_QUEUE_HEAD(stop_wq);
static bool t_abort;		/* module unload: stop early */
static bool irq_stop;		/* interrupt handlers: do not rearm */
static bool workers_stop;	/* workers: free everything and wait */

static atomic_long_t nr_alloc_failures;
static atomic_long_t nr_allowed_failures;
static atomic_long_t nr_kernel_refused;	/* of those: no free block in the kernel */
static atomic_long_t nr_corruptions;
static atomic_long_t nr_invariant_breaks;
static atomic_long_t nr_torture_errors;	/* the test's own trouble */
static atomic_long_t nr_hotplugs;
static atomic_long_t nr_inject_phases;
/* Odd while injection is on; bumped at every change (see inject_set()). */
static atomic_long_t inject_gen;
static bool injecting;		/* inject=1 and the kernel can */
static unsigned long errors_at_start[GOSPAN_NR_ERRORS];

static DEFINE_RATELIMIT_STATE(fail_rs, 5 * HZ, 40);

static __printf(2, 3) void tfail(atomic_long_t *counter, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (counter)
		atomic_long_inc(counter);
	if (!__ratelimit(&fail_rs))
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err("FAIL %pV\n", &vaf);
	va_end(args);
}

static u32 rnd(struct tctx *x, u32 n)
{
	return prandom_u32_state(&x->rnd) % n;
}

/* --- the pattern ------------------------------------------------------ */

/*
 * The word at address a (8-byte aligned) of an object with a tag: linear in
 * the address, so that filling and checking cost an addition per word, and
 * different for every tag and every shift of the object. The loops below
 * are not instrumented by KASAN (a check per word made them the torture's
 * main cost under TCG): walk_obj() checks each range with KASAN once.
 */
#define PAT_MUL		0x9e3779b97f4a7c15ULL
#define PAT_TAG_MUL	0xc2b2ae3d27d4eb4fULL

static u64 pat_word(unsigned long a, u32 tag)
{
	return a * PAT_MUL + tag * PAT_TAG_MUL;
}

static u8 pat_byte(unsigned long a, u32 tag)
{
	return pat_word(a & ~7UL, tag) >> (8 * (a & 7));
}

static __no_sanitize_address unsigned long fill_range(unsigned long a, unsigned long end,
						      u32 tag)
{
	u64 v;

	for (; a < end && (a & 7); a++)
		*(u8 *)a = pat_byte(a, tag);
	for (v = pat_word(a, tag); a + 8 <= end; a += 8, v += 8 * PAT_MUL)
		*(u64 *)a = v;
	for (; a < end; a++)
		*(u8 *)a = pat_byte(a, tag);
	return 0;
}

/* The first byte of [a, end) off the pattern, or 0. */
static __no_sanitize_address unsigned long check_range(unsigned long a, unsigned long end,
						       u32 tag)
{
	u64 v;

	for (; a < end && (a & 7); a++)
		if (*(u8 *)a != pat_byte(a, tag))
			return a;
	for (v = pat_word(a, tag); a + 8 <= end; a += 8, v += 8 * PAT_MUL)
		if (*(u64 *)a != v)
			break;
	for (; a < end; a++)
		if (*(u8 *)a != pat_byte(a, tag))
			return a;
	return 0;
}

/* The first byte of [a, end) that is not zero, or 0. */
static unsigned long check_range_zero(unsigned long a, unsigned long end, u32 unused)
{
	return (unsigned long)memchr_inv((void *)a, 0, end - a);
}

/*
 * Apply fn to the bytes of an object that carry the pattern: all of them,
 * or for objects over DENSE_MAX the first SAMPLE_LEN of every SAMPLE_STRIDE
 * and the last SAMPLE_LEN; each range is checked by KASAN first (a use
 * after gospan gave the memory back is reported there). Returns the first
 * non-zero result of fn, or 0.
 */
static unsigned long walk_obj(const void *p, size_t size, u32 tag, bool write,
			      unsigned long (*fn)(unsigned long a, unsigned long end, u32 tag))
{
	unsigned long a = (unsigned long)p, bad;
	size_t off, len = size > DENSE_MAX ? SAMPLE_LEN : size;

	for (off = 0; off < size; off += size > DENSE_MAX ? SAMPLE_STRIDE : size) {
		if (size > DENSE_MAX && off + SAMPLE_STRIDE >= size)
			off = size - SAMPLE_LEN;	/* the last bytes */
		if (write)
			kasan_check_write(p + off, len);
		else
			kasan_check_read(p + off, len);
		bad = fn(a + off, a + off + len, tag);
		if (bad)
			return bad;
	}
	return 0;
}

static void fill_obj(void *p, size_t size, u32 tag)
{
	walk_obj(p, size, tag, true, fill_range);
}

static __no_sanitize_address void ctor_fill(void *obj, size_t size)
{
	fill_range((unsigned long)obj, (unsigned long)obj + size, CTOR_TAG);
}

static void ctor_72(void *obj)
{
	ctor_fill(obj, 72);
}

static void ctor_200(void *obj)
{
	ctor_fill(obj, 200);
}

/* --- caches ----------------------------------------------------------- */

static struct tcache fixed[] = {
	{ .name = "gt-shared192", .size = 192 },
	{ .name = "gt-shared24", .size = 24 },
	{ .name = "gt-shared30000", .size = 30000 },
	{ .name = "gt-odd2701", .size = 2701 },
	{ .name = "gt-odd36", .size = 36 },
	{ .name = "gt-hwc100", .size = 100, .flags = GOSPAN_HWCACHE_ALIGN },
	{ .name = "gt-ctor200", .size = 200, .ctor = ctor_200 },
	{ .name = "gt-align256", .size = 300, .align = 256 },
	{ .name = "gt-align4096", .size = 5000, .align = 4096 },
	{ .name = "gt-tiny1", .size = 1, .flags = GOSPAN_TINY },
	{ .name = "gt-tiny6", .size = 6, .flags = GOSPAN_TINY },
	{ .name = "gt-tiny12", .size = 12, .flags = GOSPAN_TINY },
};

/* What churn caches are made of; a size of 0 is drawn at random. */
static const struct tcache churn_specs[] = {
	{ .size = 0 },
	{ .size = 0 },
	{ .size = 192 },
	{ .size = 24 },
	{ .size = 2701 },
	{ .size = 36 },
	{ .size = 100, .flags = GOSPAN_HWCACHE_ALIGN },
	{ .size = 72, .ctor = ctor_72 },
	{ .size = 72, .flags = GOSPAN_HWCACHE_ALIGN, .ctor = ctor_72 },
	{ .size = 300, .align = 256 },
	{ .size = 5000, .align = 4096 },
	{ .size = 40, .align = 64 },
	{ .size = 5, .flags = GOSPAN_TINY },
	{ .size = 8, .flags = GOSPAN_TINY },
};

/* The alignment gospan promises for the objects of a cache. */
static unsigned int cache_obj_align(const struct tcache *tc)
{
	unsigned int align = max(tc->align, 1U);

	if (tc->flags & GOSPAN_TINY)
		return 1U << __ffs(tc->size);
	if (tc->flags & GOSPAN_HWCACHE_ALIGN) {
		unsigned int ralign = cache_line_size();

		while (tc->size <= ralign / 2)
			ralign /= 2;
		align = max(align, ralign);
	}
	return max_t(unsigned int, align, ARCH_KMALLOC_MINALIGN);
}

/*
 * The alignment gospan promises for gospan_alloc(size), kmalloc's: the
 * largest power of two dividing the size, and ARCH_KMALLOC_MINALIGN.
 */
static unsigned long alloc_obj_align(size_t size)
{
	return max_t(unsigned long, 1UL << __ffs(size), ARCH_KMALLOC_MINALIGN);
}

static int create_cache(struct tcache *tc)
{
	tc->obj_align = cache_obj_align(tc);
	tc->cache = gospan_cache_create(tc->name, tc->size, tc->align, tc->flags, tc->ctor);
	if (tc->cache)
		return 0;
	tfail(&nr_alloc_failures,
	      "gospan_cache_create(%s, size %u, align %u, flags %#x, %s) returned NULL",
	      tc->name, tc->size, tc->align, tc->flags, tc->ctor ? "ctor" : "no ctor");
	return -ENOMEM;
}

/* --- fault injection -------------------------------------------------- */

/* The injection generation before an operation. */
static unsigned long inject_begin(void)
{
	unsigned long gen = atomic_long_read(&inject_gen);

	smp_rmb();	/* read the generation before the operation reads the attr */
	return gen;
}

/* Whether injection was on at some moment since inject_begin() gave gen. */
static bool inject_allowed(unsigned long gen)
{
	smp_rmb();	/* pairs with the barriers of inject_set() */
	return (gen & 1) || atomic_long_read(&inject_gen) != gen;
}

#ifdef CONFIG_FAULT_INJECTION
static struct {
	unsigned long probability;
	unsigned long interval;
	unsigned long verbose;
	int times;
	int space;
	bool task_filter;
} saved_attr;

static bool inject_possible(void)
{
	struct fault_attr *a = &gospan_fail_grow;

	saved_attr.probability = a->probability;
	saved_attr.interval = a->interval;
	saved_attr.verbose = a->verbose;
	saved_attr.times = atomic_read(&a->times);
	saved_attr.space = atomic_read(&a->space);
	saved_attr.task_filter = a->task_filter;
	return true;
}

/*
 * Turning injection on bumps the generation (to odd) before any grow can
 * fail; turning it off bumps it (to even) after no grow can fail any more.
 * So an operation that failed by injection saw an odd generation before
 * it, or a different one after it.
 */
static void inject_set(bool on, unsigned int probability)
{
	struct fault_attr *a = &gospan_fail_grow;

	if (on) {
		atomic_long_inc(&inject_gen);
		/* The generation is odd before any grow can fail. */
		smp_mb__after_atomic();
		a->verbose = 0;		/* no stack dump per failure */
		a->interval = 1;
		a->task_filter = false;
		atomic_set(&a->space, 0);
		atomic_set(&a->times, -1);
		/* The other fields are set before failures start. */
		smp_wmb();
		WRITE_ONCE(a->probability, probability);
		atomic_long_inc(&nr_inject_phases);
	} else {
		WRITE_ONCE(a->probability, 0);
		/* No grow can fail any more when the generation turns even. */
		smp_mb();
		atomic_long_inc(&inject_gen);
	}
}

static void inject_restore(void)
{
	struct fault_attr *a = &gospan_fail_grow;

	atomic_set(&a->times, saved_attr.times);
	atomic_set(&a->space, saved_attr.space);
	a->interval = saved_attr.interval;
	a->task_filter = saved_attr.task_filter;
	a->verbose = saved_attr.verbose;
	WRITE_ONCE(a->probability, saved_attr.probability);
}
#else
static bool inject_possible(void)
{
	return false;
}

static void inject_set(bool on, unsigned int probability)
{
}

static void inject_restore(void)
{
}
#endif

/* --- MemStats --------------------------------------------------------- */

static __printf(3, 4) void invariant(bool ok, const char *where, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (ok)
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	tfail(&nr_invariant_breaks, "invariant (%s): %pV", where, &vaf);
	va_end(args);
}

static void monotonic(u64 now, u64 before, const char *name, const char *where)
{
	invariant(now >= before, where, "%s went back from %llu to %llu", name, before, now);
}

/* The invariants of struct gospan_memstats; and that counts only grow. */
static void check_memstats(const struct gospan_memstats *s,
			   const struct gospan_memstats *prev, const char *where)
{
	invariant(s->heap_inuse + s->heap_idle == s->heap_sys && s->heap_inuse <= s->heap_sys,
		  where, "heap_inuse %llu + heap_idle %llu != heap_sys %llu",
		  s->heap_inuse, s->heap_idle, s->heap_sys);
	invariant(s->mallocs - s->frees == s->heap_objects && s->frees <= s->mallocs,
		  where, "mallocs %llu - frees %llu != heap_objects %llu",
		  s->mallocs, s->frees, s->heap_objects);
	invariant(s->alloc == s->heap_alloc && s->heap_alloc <= s->heap_inuse,
		  where, "alloc %llu, heap_alloc %llu, heap_inuse %llu",
		  s->alloc, s->heap_alloc, s->heap_inuse);
	invariant(s->sys >= s->heap_sys + s->mspan_sys + s->mcache_sys + s->stack_sys,
		  where, "sys %llu < heap_sys %llu + mspan_sys %llu + mcache_sys %llu + stack %llu",
		  s->sys, s->heap_sys, s->mspan_sys, s->mcache_sys, s->stack_sys);
	invariant(s->alloc <= s->total_alloc, where, "alloc %llu > total_alloc %llu",
		  s->alloc, s->total_alloc);
	invariant(s->heap_released <= s->heap_idle, where,
		  "heap_released %llu > heap_idle %llu", s->heap_released, s->heap_idle);
	invariant(s->stack_inuse <= s->stack_sys, where,
		  "stack_inuse %llu > stack_sys %llu", s->stack_inuse, s->stack_sys);
	invariant(s->large_frees <= s->large_allocs, where, "large_frees %llu > large_allocs %llu",
		  s->large_frees, s->large_allocs);
	invariant(s->mspan_inuse <= s->mspan_sys, where, "mspan_inuse %llu > mspan_sys %llu",
		  s->mspan_inuse, s->mspan_sys);
	if (!prev)
		return;
	monotonic(s->mallocs, prev->mallocs, "mallocs", where);
	monotonic(s->frees, prev->frees, "frees", where);
	monotonic(s->total_alloc, prev->total_alloc, "total_alloc", where);
	monotonic(s->tiny_allocs, prev->tiny_allocs, "tiny_allocs", where);
	monotonic(s->large_allocs, prev->large_allocs, "large_allocs", where);
	monotonic(s->large_frees, prev->large_frees, "large_frees", where);
	monotonic(s->heap_grows, prev->heap_grows, "heap_grows", where);
	monotonic(s->chunks_returned, prev->chunks_returned, "chunks_returned", where);
}

static void stats_op(struct tctx *x)
{
	struct gospan_memstats s;

	gospan_read_memstats(&s);
	check_memstats(&s, NULL, x->where);
	count_add(&x->n.reads, 1);
}

/* --- objects ---------------------------------------------------------- */

static const char *obj_name(const struct tobj *o)
{
	return o->tc ? o->tc->name : "gospan_alloc";
}

static bool is_large(const struct tobj *o)
{
	return !o->tc && o->size > GOSPAN_MAX_SMALL_SIZE;
}

/*
 * Whether the kernel itself has no free block for a large object of size
 * bytes now. Above PAGE_ALLOC_COSTLY_ORDER the page allocator may fail
 * even GFP_KERNEL (it compacts, and gives up), and so may kmalloc and
 * gospan, which grows by such a block for a large object: asked at once
 * with the same flags, the kernel answers whether it could have been done.
 */
static bool kernel_refuses(size_t size, gfp_t gfp)
{
	unsigned int order = get_order(size);
	struct page *page;

	if (size <= GOSPAN_MAX_SMALL_SIZE || order <= PAGE_ALLOC_COSTLY_ORDER ||
	    (gfp & __GFP_NOFAIL))
		return false;
	page = alloc_pages(gfp | __GFP_NOWARN, order);
	if (!page)
		return true;
	__free_pages(page, order);
	return false;
}

static void alloc_failed(struct tctx *x, unsigned long gen, const char *what,
			 size_t size, gfp_t gfp)
{
	atomic_long_inc(&nr_alloc_failures);
	if (inject_allowed(gen)) {
		atomic_long_inc(&nr_allowed_failures);
		return;
	}
	if (kernel_refuses(size, gfp)) {
		atomic_long_inc(&nr_allowed_failures);
		atomic_long_inc(&nr_kernel_refused);
		return;
	}
	tfail(NULL, "%s: %s of %zu bytes (%pGg) returned NULL without injection",
	      x->where, what, size, &gfp);
}

/* Whether the object still carries its pattern; reports it if not. */
static bool check_obj(struct tctx *x, const struct tobj *o, u32 tag, const char *when)
{
	unsigned long bad = walk_obj(o->p, o->size, tag, false, check_range);

	if (!bad)
		return true;
	tfail(&nr_corruptions,
	      "%s: %s object %p of %u bytes (tag %#x) %s: byte %lu is %#x, not %#x",
	      x->where, obj_name(o), o->p, o->size, tag, when, bad - (unsigned long)o->p,
	      *(u8 *)bad, pat_byte(bad, tag));
	return false;
}

/* What every new object must be: aligned, big enough, zeroed, constructed. */
static void check_new(struct tctx *x, const struct tobj *o, gfp_t gfp)
{
	unsigned long align = o->tc ? o->tc->obj_align : alloc_obj_align(o->size);
	bool tiny = o->tc && (o->tc->flags & GOSPAN_TINY);
	size_t usable = gospan_size(o->p);
	unsigned long nz;

	if ((unsigned long)o->p & (align - 1))
		tfail(&nr_corruptions, "%s: %s object %p of %u bytes is not aligned to %lu",
		      x->where, obj_name(o), o->p, o->size, align);
	if (tiny ? usable : usable < o->size)
		tfail(&nr_corruptions, "%s: %s object %p of %u bytes: gospan_size() says %zu",
		      x->where, obj_name(o), o->p, o->size, usable);
	if (gfp & __GFP_ZERO) {
		nz = walk_obj(o->p, o->size, 0, false, check_range_zero);
		if (nz)
			tfail(&nr_corruptions,
			      "%s: %s object %p of %u bytes with __GFP_ZERO: byte %lu is %#x",
			      x->where, obj_name(o), o->p, o->size, nz - (unsigned long)o->p,
			      *(u8 *)nz);
	}
	if (o->tc && o->tc->ctor)
		check_obj(x, o, CTOR_TAG, "not constructed when allocated");
}

static gfp_t pick_gfp(struct tctx *x, const struct tcache *tc, size_t size)
{
	gfp_t gfp = GFP_KERNEL;

	if (x->atomic || (size <= SZ_256K && !rnd(x, 4)))
		gfp = GFP_ATOMIC;
	if (!(tc && tc->ctor) && !rnd(x, 8))
		gfp |= __GFP_ZERO;
	return gfp;
}

/* A size for gospan_alloc(): mostly small. */
static size_t small_size(struct tctx *x)
{
	u32 r = rnd(x, 100);

	if (x->irq && r < 90)
		return 1 + rnd(x, 512);
	if (r < 60)
		return 1 + rnd(x, 256);
	if (r < 85)
		return 257 + rnd(x, 4096 - 256);
	return 4097 + rnd(x, GOSPAN_MAX_SMALL_SIZE - 4096);
}

/* A size above 32 KiB, up to max: as many of each power of two. */
static size_t large_size(struct tctx *x, size_t max)
{
	unsigned int top = ilog2(max), shift = 15 + rnd(x, top - 15);

	if (!rnd(x, 4))
		return (size_t)1 << (shift + 1);
	return ((size_t)1 << shift) + 1 + rnd(x, 1U << shift);
}

/* Allocate one object into o: from tc, or gospan_alloc(size). */
static bool obj_alloc(struct tctx *x, struct tobj *o, struct tcache *tc, size_t size,
		      gfp_t gfp)
{
	unsigned long gen = inject_begin();
	void *p;

	p = tc ? gospan_cache_alloc(tc->cache, gfp) : gospan_alloc(size, gfp);
	if (!p) {
		alloc_failed(x, gen, tc ? tc->name : "gospan_alloc", tc ? tc->size : size, gfp);
		return false;
	}
	o->p = p;
	o->tc = tc;
	o->size = tc ? tc->size : size;
	o->tag = prandom_u32_state(&x->rnd) | 1;
	check_new(x, o, gfp);
	fill_obj(o->p, o->size, o->tag);
	count_add(&x->n.allocs, 1);
	return true;
}

static void churn_put(struct tcache *tc, unsigned int n)
{
	if (tc && tc->slot) {
		smp_mb__before_atomic();	/* the frees before the count */
		atomic_sub(n, &tc->slot->live);
	}
}

/*
 * Whether a cache's objects may be freed with gospan_free(). A cache that
 * shares a size class cannot tell those frees from the class's others, and
 * its destroy may count them as live (gospan_cache_destroy()) while other
 * objects of the class are: so not for churn caches that share a class.
 * Fixed caches are destroyed when nothing is live any more.
 */
static bool kfree_allowed(const struct tcache *tc)
{
	return MIXED(T_KFREE) &&
	       (!tc->slot || tc->cache->spanclass >= GOSPAN_FIRST_PRIVATE_SPANCLASS);
}

/* Check an object and free it, one way or another. */
static void obj_free(struct tctx *x, struct tobj *o)
{
	struct tcache *tc = o->tc;

	check_obj(x, o, o->tag, "before its free");
	if (tc && tc->ctor)
		fill_obj(o->p, o->size, CTOR_TAG);
	/*
	 * kfree_rcu(): the rcu_head overwrites the object's start, so not for
	 * a constructor's objects, and the free is gospan_free()'s.
	 */
	if (MIXED(T_RCU) && o->size >= sizeof(struct rcu_head) && !((unsigned long)o->p & 7) &&
	    (!tc || (!tc->ctor && kfree_allowed(tc))) && !rnd(x, 8))
		gospan_free_call_rcu(o->p, o->p);
	else if (tc && !(kfree_allowed(tc) && !rnd(x, 4)))
		gospan_cache_free(tc->cache, o->p);
	else
		gospan_free(o->p);
	o->p = NULL;
	churn_put(tc, 1);
	count_add(&x->n.frees, 1);
}

/* Hand an object to another CPU, which frees it. */
static bool xfer(struct tctx *x, struct tobj *o)
{
	bool embedded = o->size >= sizeof(struct txfer) && !((unsigned long)o->p & 7);
	struct txfer *t;
	unsigned int to;

	if (nr_homes < 2)
		return false;
	t = embedded ? o->p : kmalloc(sizeof(*t), x->atomic ? GFP_ATOMIC : GFP_KERNEL);
	if (!t)
		return false;
	t->o = *o;
	t->embedded = embedded;
	to = rnd(x, nr_homes - 1);
	if (to >= x->home)
		to++;
	llist_add(&t->node, &inboxes[to]);
	o->p = NULL;
	count_add(&x->n.xfers, 1);
	return true;
}

static void drain_inbox(struct tctx *x, unsigned int home)
{
	struct llist_node *list = llist_del_all(&inboxes[home]);
	struct txfer *t, *next;

	struct tobj o;

	llist_for_each_entry_safe(t, next, list, node) {
		o = t->o;
		if (!t->embedded) {
			kfree(t);
		} else if (o.p != t || !(o.tag & 1)) {
			tfail(&nr_corruptions, "%s: transferred object %p: header overwritten",
			      x->where, t);
			continue;	/* leaked: nothing about it can be trusted */
		} else {
			/* Back to the pattern where the header was. */
			kasan_check_write(t, sizeof(*t));
			fill_range((unsigned long)t, (unsigned long)(t + 1), o.tag);
		}
		obj_free(x, &o);
	}
}

/* An empty slot near a random one, or NULL. */
static struct tobj *empty_slot(struct tctx *x, struct tobj *slots, unsigned int nslots)
{
	unsigned int i, start = rnd(x, nslots);

	for (i = 0; i < 8; i++)
		if (!slots[(start + i) % nslots].p)
			return &slots[(start + i) % nslots];
	return NULL;
}

/* Pick what to allocate: false if the mix allows nothing. */
static bool pick_alloc(struct tctx *x, bool allow_large, struct tcache **tcp, size_t *sizep)
{
	u32 w_alloc = MIXED(T_ALLOC) ? 50 : 0, w_cache = MIXED(T_CACHE) ? 50 : 0;
	u32 w_large = MIXED(T_LARGE) && allow_large ? (x->irq ? 1 : 2) : 0, r;

	if (!(w_alloc + w_cache + w_large))
		return false;
	r = rnd(x, w_alloc + w_cache + w_large);
	*tcp = NULL;
	if (r < w_alloc)
		*sizep = small_size(x);
	else if (r < w_alloc + w_cache)
		*tcp = &fixed[rnd(x, ARRAY_SIZE(fixed))];
	else
		*sizep = large_size(x, x->irq ? SZ_128K : x->atomic ? SZ_256K : KMALLOC_MAX_SIZE);
	return true;
}

/*
 * gospan_realloc() of a gospan_alloc() object of up to DENSE_MAX bytes to
 * another such size: what it held must be where it is now (the pattern is
 * made of the old addresses). Whether a large object was involved.
 */
static bool resize(struct tctx *x, struct tobj *o, unsigned int *nlarge)
{
	size_t size = rnd(x, 8) ? small_size(x) : GOSPAN_MAX_SMALL_SIZE + 1 +
			rnd(x, DENSE_MAX - GOSPAN_MAX_SMALL_SIZE);
	bool was_large = is_large(o), large = size > GOSPAN_MAX_SMALL_SIZE;
	unsigned long old = (unsigned long)o->p, i, keep = min_t(size_t, size, o->size);
	gfp_t gfp = pick_gfp(x, NULL, size);
	unsigned long gen;
	u8 *p;

	if (large && !was_large && nlarge && *nlarge >= MAX_LARGE)
		return false;
	check_obj(x, o, o->tag, "before gospan_realloc()");
	gen = inject_begin();
	p = gospan_realloc(o->p, size, gfp);
	if (!p) {
		alloc_failed(x, gen, "gospan_realloc", size, gfp);
		return false;
	}
	count_add(&x->n.reallocs, 1);
	for (i = 0; i < keep; i++) {
		if (p[i] != pat_byte(old + i, o->tag)) {
			tfail(&nr_corruptions,
			      "%s: gospan_realloc(%#lx, %zu) to %p: byte %lu of %u is %#x, not %#x",
			      x->where, old, size, p, i, o->size, p[i],
			      pat_byte(old + i, o->tag));
			break;
		}
	}
	if (nlarge)
		*nlarge += (int)large - (int)was_large;
	o->p = p;
	o->size = size;
	o->tag = prandom_u32_state(&x->rnd) | 1;
	check_new(x, o, gfp & ~__GFP_ZERO);
	fill_obj(o->p, o->size, o->tag);
	return large || was_large;
}

/* Free or replace one object of a set; whether it was a large one. */
static bool slot_op(struct tctx *x, struct tobj *slots, unsigned int nslots,
		    unsigned int *nlarge)
{
	struct tobj *o = &slots[rnd(x, nslots)];
	struct tcache *tc;
	size_t size = 0;
	bool large;

	count_add(&x->n.ops, 1);
	if (o->p && MIXED(T_REALLOC) && !o->tc && o->size <= DENSE_MAX && !rnd(x, 4))
		return resize(x, o, nlarge);
	if (o->p) {
		large = is_large(o);
		if (nlarge && large)
			(*nlarge)--;
		if (!(MIXED(T_REMOTE) && !rnd(x, 4) && xfer(x, o)))
			obj_free(x, o);
		return large;
	}
	if (!pick_alloc(x, !nlarge || *nlarge < MAX_LARGE, &tc, &size))
		return false;
	large = !tc && size > GOSPAN_MAX_SMALL_SIZE;
	if (obj_alloc(x, o, tc, size, pick_gfp(x, tc, size)) && nlarge && large)
		(*nlarge)++;
	return large;
}

/*
 * A bulk allocation from tc: every object is checked and patterned, a few
 * are kept in empty slots (if slots), the others freed in bulk.
 */
static void bulk_op(struct tctx *x, struct tcache *tc, struct tobj *slots,
		    unsigned int nslots)
{
	unsigned int i, k, nr = 1 + rnd(x, x->irq ? BULK_MAX / 4 : BULK_MAX);
	gfp_t gfp = pick_gfp(x, tc, tc->size);
	u32 tag = prandom_u32_state(&x->rnd) | 1;
	void *objs[BULK_MAX];
	unsigned long gen;
	struct tobj o, *s;
	int got;

	count_add(&x->n.ops, 1);
	count_add(&x->n.bulks, 1);
	gen = inject_begin();
	got = gospan_cache_alloc_bulk(tc->cache, gfp, nr, objs);
	if (!got) {
		alloc_failed(x, gen, "bulk allocation", tc->size, gfp);
		return;
	}
	if (tc->slot)
		atomic_add(got, &tc->slot->live);
	if (got != (int)nr) {
		tfail(&nr_corruptions, "%s: bulk allocation of %u from %s returned %d",
		      x->where, nr, tc->name, got);
		if (got < 0 || got > (int)nr)
			return;
		nr = got;
	}
	count_add(&x->n.allocs, nr);
	o.tc = tc;
	o.size = tc->size;
	for (i = 0; i < nr; i++) {
		o.p = objs[i];
		o.tag = tag + 2 * i;
		check_new(x, &o, gfp);
		fill_obj(o.p, o.size, o.tag);
	}
	for (i = 0, k = 0; i < nr; i++) {
		o.p = objs[i];
		o.tag = tag + 2 * i;
		check_obj(x, &o, o.tag, "after a bulk allocation");
		if (slots && !rnd(x, 4)) {
			s = empty_slot(x, slots, nslots);
			if (s) {
				*s = o;
				continue;
			}
		}
		if (tc->ctor)
			fill_obj(o.p, o.size, CTOR_TAG);
		objs[k++] = o.p;
	}
	gospan_cache_free_bulk(tc->cache, k, objs);
	churn_put(tc, k);
	count_add(&x->n.frees, k);
}

/* Free in bulk the objects of one fixed cache found in a worker's slots. */
static void bulk_free_slots(struct tctx *x, struct tobj *slots, unsigned int nslots)
{
	struct tcache *tc = &fixed[rnd(x, ARRAY_SIZE(fixed))];
	void *objs[BULK_MAX];
	unsigned int i, k = 0;

	count_add(&x->n.ops, 1);
	for (i = 0; i < nslots && k < BULK_MAX; i++) {
		struct tobj *o = &slots[i];

		if (!o->p || o->tc != tc)
			continue;
		check_obj(x, o, o->tag, "before its bulk free");
		if (tc->ctor)
			fill_obj(o->p, o->size, CTOR_TAG);
		objs[k++] = o->p;
		o->p = NULL;
	}
	if (!k)
		return;
	gospan_cache_free_bulk(tc->cache, k, objs);
	count_add(&x->n.bulks, 1);
	count_add(&x->n.frees, k);
}

/* --- churn caches ----------------------------------------------------- */

/*
 * gospan_cache_shrink() of a cache none of whose span class's objects is
 * live: every span must go back to the heap (it returns 0). That holds for
 * a cache with a class of its own once its objects are freed, and for any
 * cache at the end.
 */
static void shrink_empty(struct tctx *x, struct tcache *tc)
{
	if (gospan_cache_shrink(tc->cache))
		tfail(&nr_invariant_breaks,
		      "%s: gospan_cache_shrink(%s) left spans, with no object of span class %u live",
		      x->where, tc->name, tc->cache->spanclass);
	count_add(&x->n.shrinks, 1);
}

static void churn_create(struct tctx *x, struct churn_slot *cs)
{
	struct tcache *tc = &cs->tc;

	*tc = churn_specs[rnd(x, ARRAY_SIZE(churn_specs))];
	if (!tc->size)
		tc->size = 1 + rnd(x, rnd(x, 2) ? 512 : GOSPAN_MAX_SMALL_SIZE);
	snprintf(cs->name, sizeof(cs->name), "gt-churn%u.%lu", cs->index, ++cs->generation);
	tc->name = cs->name;
	tc->slot = cs;
	if (create_cache(tc))
		return;
	atomic_set(&cs->live, 0);
	cs->allocs_left = 16 + rnd(x, 240);
	cs->state = CHURN_LIVE;
}

static void churn_op(struct tworker *w)
{
	struct tctx *x = &w->x;
	struct churn_slot *cs = &churn[rnd(x, NR_CHURN)];
	struct tcache *tc = &cs->tc;
	struct tobj tmp, *o;
	unsigned int n;

	count_add(&x->n.ops, 1);
	if (!mutex_trylock(&cs->lock))
		return;
	switch (cs->state) {
	case CHURN_EMPTY:
		churn_create(x, cs);
		break;
	case CHURN_LIVE:
		if (!cs->allocs_left || !rnd(x, 8)) {
			cs->state = CHURN_DYING;
			break;
		}
		if (MIXED(T_BULK) && !rnd(x, 4)) {
			cs->allocs_left--;
			bulk_op(x, tc, w->slots, WORKER_SLOTS);
			break;
		}
		for (n = 1 + rnd(x, 8); n && cs->allocs_left; n--, cs->allocs_left--) {
			o = empty_slot(x, w->slots, WORKER_SLOTS) ?: &tmp;
			if (!obj_alloc(x, o, tc, 0, pick_gfp(x, tc, tc->size)))
				continue;
			atomic_inc(&cs->live);
			if (o == &tmp)
				obj_free(x, o);
		}
		if (MIXED(T_SHRINK) && !rnd(x, 8)) {
			gospan_cache_shrink(tc->cache);
			count_add(&x->n.shrinks, 1);
		}
		break;
	case CHURN_DYING:
		if (atomic_read_acquire(&cs->live))
			break;
		if (tc->cache->spanclass >= GOSPAN_FIRST_PRIVATE_SPANCLASS) {
			shrink_empty(x, tc);
		} else if (MIXED(T_SHRINK) && rnd(x, 2)) {
			gospan_cache_shrink(tc->cache);
			count_add(&x->n.shrinks, 1);
		}
		gospan_cache_destroy(tc->cache);
		tc->cache = NULL;
		cs->state = CHURN_EMPTY;
		count_add(&x->n.churned, 1);
		break;
	}
	mutex_unlock(&cs->lock);
}

/* --- workers ---------------------------------------------------------- */

/* A stack's first and last words, and one between, hold its address. */
static void stack_fill(struct tstack *st)
{
	size_t n = st->size / sizeof(long);
	unsigned long mark = (unsigned long)st->p ^ st->size;

	st->p[0] = mark;
	st->p[n / 2] = mark;
	st->p[n - 1] = mark;
}

static void stack_check_free(struct tctx *x, struct tstack *st)
{
	size_t n = st->size / sizeof(long);
	unsigned long want = (unsigned long)st->p ^ st->size;

	if (st->p[0] != want || st->p[n / 2] != want || st->p[n - 1] != want) {
		tfail(&nr_corruptions, "%s: stack %p of %zu overwritten", x->where,
		      st->p, st->size);
	}
	gospan_stack_free(st->p, st->size);
	st->p = NULL;
}

/* Replace one of the worker's stacks: 2 KiB to 256 KiB, aligned to its size. */
static void stack_op(struct tworker *w)
{
	struct tctx *x = &w->x;
	struct tstack *st = &w->stacks[rnd(x, WORKER_STACKS)];

	unsigned long gen;

	count_add(&x->n.ops, 1);
	if (st->p)
		stack_check_free(x, st);
	st->size = GOSPAN_STACK_MIN << rnd(x, 8);
	gen = inject_begin();
	st->p = gospan_stack_alloc(st->size, GFP_KERNEL);
	if (!st->p) {
		alloc_failed(x, gen, "gospan_stack_alloc", st->size, GFP_KERNEL);
		return;
	}
	if (!IS_ALIGNED((unsigned long)st->p, st->size))
		tfail(&nr_corruptions, "%s: stack %p of %zu not aligned to its size",
		      x->where, st->p, st->size);
	stack_fill(st);
	count_add(&x->n.stacks, 1);
}

static void worker_op(struct tworker *w)
{
	struct tctx *x = &w->x;
	u32 r = rnd(x, 1000);
	enum ttime tm = TM_SLOT;
	u64 t0 = local_clock();
	unsigned long flags;

	if (r < 5 && MIXED(T_STATS)) {
		count_add(&x->n.ops, 1);
		stats_op(x);
		tm = TM_STATS;
	} else if (r >= 5 && r < 30 && MIXED(T_CHURN)) {
		churn_op(w);
		tm = TM_CHURN;
	} else if (r >= 32 && r < 35) {
		stack_op(w);
		tm = TM_STACK;
	} else if (r >= 30 && r < 32 && MIXED(T_SHRINK)) {
		count_add(&x->n.ops, 1);
		gospan_cache_shrink(fixed[rnd(x, ARRAY_SIZE(fixed))].cache);
		count_add(&x->n.shrinks, 1);
		tm = TM_SHRINK;
	} else if (r >= 35 && r < 45 && MIXED(T_BULK)) {
		bulk_op(x, &fixed[rnd(x, ARRAY_SIZE(fixed))], w->slots, WORKER_SLOTS);
		tm = TM_BULK;
	} else if (r >= 45 && r < 50 && MIXED(T_BULK)) {
		bulk_free_slots(x, w->slots, WORKER_SLOTS);
		tm = TM_BULK;
	} else if (r >= 50 && r < 75 && !IS_ENABLED(CONFIG_PREEMPT_RT)) {
		/* As callers with interrupts off do (not allowed on RT). */
		local_irq_save(flags);
		x->atomic = true;
		x->where = "worker, irqs off";
		slot_op(x, w->slots, WORKER_SLOTS, &w->nlarge);
		slot_op(x, w->slots, WORKER_SLOTS, &w->nlarge);
		x->atomic = false;
		x->where = "worker";
		local_irq_restore(flags);
		tm = TM_IRQSOFF;
	} else if (slot_op(x, w->slots, WORKER_SLOTS, &w->nlarge)) {
		tm = TM_LARGE;
	}
	count_add(&x->n.ns[tm], local_clock() - t0);
}

static int worker_fn(void *arg)
{
	struct tworker *w = arg;
	unsigned long n = 0;
	unsigned int i;
	u64 t0;

	set_cpus_allowed_ptr(current, cpumask_of(w->cpu));
	while (!READ_ONCE(workers_stop) && !kthread_should_stop()) {
		worker_op(w);
		if (++n % 16)
			continue;
		t0 = local_clock();
		drain_inbox(&w->x, w->x.home);
		count_add(&w->x.n.ns[TM_INBOX], local_clock() - t0);
		/* Back home after the CPU was offline. */
		if (raw_smp_processor_id() != w->cpu && cpu_online(w->cpu))
			set_cpus_allowed_ptr(current, cpumask_of(w->cpu));
		cond_resched();
	}
	for (i = 0; i < WORKER_SLOTS; i++)
		if (w->slots[i].p)
			obj_free(&w->x, &w->slots[i]);
	for (i = 0; i < WORKER_STACKS; i++)
		if (w->stacks[i].p)
			stack_check_free(&w->x, &w->stacks[i]);
	/* Every worker frees its objects at once; kthread_stop() collects them. */
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* --- interrupts ------------------------------------------------------- */

/* A few operations in an interrupt handler; how long until the next run. */
static u64 irq_ops(struct tirq_side *q)
{
	struct tctx *x = &q->x;
	u64 t0 = local_clock();
	unsigned int n;
	u32 r;

	for (n = 1 + rnd(x, 2); n; n--) {
		r = rnd(x, 64);
		if (!r && MIXED(T_STATS)) {
			count_add(&x->n.ops, 1);
			stats_op(x);
		} else if (r == 1 && MIXED(T_BULK)) {
			bulk_op(x, &fixed[rnd(x, ARRAY_SIZE(fixed))], q->ring, IRQ_SLOTS);
		} else {
			slot_op(x, q->ring, IRQ_SLOTS, NULL);
		}
	}
	t0 = local_clock() - t0;
	count_add(&x->n.ns[TM_IRQ], t0);
	return min_t(u64, t0 * IRQ_IDLE_FACTOR, IRQ_MAX_DELAY_NS);
}

static enum hrtimer_restart hardirq_fn(struct hrtimer *t)
{
	struct tirq *q = container_of(t, struct tirq, hrt);
	u64 delay;

	if (READ_ONCE(irq_stop))
		return HRTIMER_NORESTART;
	delay = irq_ops(&q->hard);
	delay = max_t(u64, delay, HARDIRQ_PERIOD_NS / 2 + rnd(&q->hard.x, HARDIRQ_PERIOD_NS));
	hrtimer_forward_now(t, ns_to_ktime(delay));
	return HRTIMER_RESTART;
}

static void softirq_fn(struct timer_list *t)
{
	struct tirq *q = from_timer(q, t, timer);
	unsigned long delay;

	if (READ_ONCE(irq_stop))
		return;
	delay = nsecs_to_jiffies(irq_ops(&q->soft));
	mod_timer(t, jiffies + max(delay, 1UL + rnd(&q->soft.x, 4)));
}

/* On PREEMPT_RT hard interrupts may not allocate: a soft hrtimer there. */
#ifdef CONFIG_PREEMPT_RT
#define TORTURE_HRTIMER_MODE	HRTIMER_MODE_REL_PINNED_SOFT
#define TORTURE_HRTIMER_WHERE	"hrtimer (soft, RT)"
#else
#define TORTURE_HRTIMER_MODE	HRTIMER_MODE_REL_PINNED_HARD
#define TORTURE_HRTIMER_WHERE	"hardirq"
#endif

/* On the CPU itself (an IPI), so that the pinned hrtimer stays there. */
static void irq_start(void *arg)
{
	struct tirq *q = arg;

	if (MIXED(T_HARDIRQ))
		hrtimer_start(&q->hrt, ns_to_ktime(HARDIRQ_PERIOD_NS), TORTURE_HRTIMER_MODE);
	if (MIXED(T_SOFTIRQ))
		mod_timer(&q->timer, jiffies + 1);
}

/* --- CPU hotplug ------------------------------------------------------ */

/* Sleep up to ms, or less when told to stop. */
static void hotplug_sleep(unsigned int ms)
{
	wait_event_interruptible_timeout(stop_wq, kthread_should_stop(),
					 msecs_to_jiffies(ms));
}

/* A random online CPU other than 0, or nr_cpu_ids. */
static unsigned int pick_offline_victim(struct tctx *x)
{
	unsigned int cpu, n = 0, pick;

	for_each_online_cpu(cpu)
		if (cpu)
			n++;
	if (!n)
		return nr_cpu_ids;
	pick = rnd(x, n);
	for_each_online_cpu(cpu)
		if (cpu && !pick--)
			return cpu;
	return nr_cpu_ids;
}

static int hotplug_fn(void *arg)
{
	struct tctx *x = arg;
	unsigned int cpu, tries;
	u64 t0;
	int err;

	while (!kthread_should_stop()) {
		hotplug_sleep(1000 + rnd(x, 2000));
		if (kthread_should_stop())
			break;
		cpu = pick_offline_victim(x);
		if (cpu >= nr_cpu_ids)
			continue;
		t0 = local_clock();
		err = remove_cpu(cpu);
		count_add(&x->n.ns[TM_HOTPLUG], local_clock() - t0);
		if (err) {
			pr_info_once("note: remove_cpu(%u) refused: %d\n", cpu, err);
			continue;
		}
		hotplug_sleep(200 + rnd(x, 600));
		t0 = local_clock();
		for (tries = 0; (err = add_cpu(cpu)) && tries < 10; tries++)
			hotplug_sleep(100);
		count_add(&x->n.ns[TM_HOTPLUG], local_clock() - t0);
		if (err)
			tfail(&nr_torture_errors, "add_cpu(%u) failed: %d", cpu, err);
		else
			atomic_long_inc(&nr_hotplugs);
	}
	return 0;
}

/* --- the control kthread ---------------------------------------------- */

static void init_ctx(struct tctx *x, const char *where, unsigned int home, bool irq)
{
	prandom_seed_state(&x->rnd, get_random_u64());
	x->where = where;
	x->home = home;
	x->atomic = irq;
	x->irq = irq;
}

static void add_counts(struct tcounts *sum, const struct tcounts *c)
{
	unsigned int i;

	for (i = 0; i < TM_NR; i++)
		sum->ns[i] += READ_ONCE(c->ns[i]);
	sum->ops += READ_ONCE(c->ops);
	sum->allocs += READ_ONCE(c->allocs);
	sum->frees += READ_ONCE(c->frees);
	sum->xfers += READ_ONCE(c->xfers);
	sum->bulks += READ_ONCE(c->bulks);
	sum->reallocs += READ_ONCE(c->reallocs);
	sum->churned += READ_ONCE(c->churned);
	sum->shrinks += READ_ONCE(c->shrinks);
	sum->reads += READ_ONCE(c->reads);
	sum->stacks += READ_ONCE(c->stacks);
}

/* Everything counted so far: workers and control in *all, interrupts in *irq. */
static void sum_counts(struct tcounts *all, struct tcounts *irq)
{
	unsigned int i;

	memset(all, 0, sizeof(*all));
	memset(irq, 0, sizeof(*irq));
	for (i = 0; workers && i < nr_workers; i++)
		add_counts(all, &workers[i].x.n);
	for (i = 0; irqs && i < nr_homes; i++) {
		add_counts(irq, &irqs[i].hard.x.n);
		add_counts(irq, &irqs[i].soft.x.n);
	}
	add_counts(all, &ctl.n);
	add_counts(all, &hotplug_ctx.n);
}

/* Where the time went: worker ops by kind, interrupts, hotplug. */
static void print_times(const struct tcounts *all, const struct tcounts *irq)
{
	char buf[200];
	unsigned int i, len = 0;

	for (i = 0; i < TM_NR; i++)
		len += scnprintf(buf + len, sizeof(buf) - len, " %s=%llu", time_names[i],
				 div_u64(all->ns[i] + irq->ns[i], NSEC_PER_MSEC));
	pr_info("time (ms, all CPUs):%s\n", buf);
}

static void progress(unsigned long secs, const struct gospan_memstats *s)
{
	struct tcounts all, irq;

	sum_counts(&all, &irq);
	pr_info("%lus: ops=%lu irq_ops=%lu allocs=%lu frees=%lu xfers=%lu bulk=%lu reallocs=%lu churned=%lu shrinks=%lu reads=%lu stacks=%lu alloc_failures=%ld allowed=%ld corruptions=%ld invariant_breaks=%ld cpu_hotplugs=%ld inject=%s heap_inuse=%lluK heap_sys=%lluK objects=%llu\n",
		secs, all.ops, irq.ops, all.allocs + irq.allocs, all.frees + irq.frees,
		all.xfers + irq.xfers, all.bulks + irq.bulks, all.reallocs + irq.reallocs,
		all.churned,
		all.shrinks, all.reads + irq.reads, all.stacks,
		atomic_long_read(&nr_alloc_failures), atomic_long_read(&nr_allowed_failures),
		atomic_long_read(&nr_corruptions), atomic_long_read(&nr_invariant_breaks),
		atomic_long_read(&nr_hotplugs),
		!injecting ? "no" : atomic_long_read(&inject_gen) & 1 ? "on" : "off",
		s->heap_inuse >> 10, s->heap_sys >> 10, s->heap_objects);
}

static int setup(void)
{
	unsigned int cpu, i, t;
	struct tworker *w;

	homes = kcalloc(nr_cpu_ids, sizeof(*homes), GFP_KERNEL);
	if (!homes)
		return -ENOMEM;
	cpus_read_lock();
	for_each_online_cpu(cpu)
		homes[nr_homes++] = cpu;
	cpus_read_unlock();
	inboxes = kcalloc(nr_homes, sizeof(*inboxes), GFP_KERNEL);
	irqs = kcalloc(nr_homes, sizeof(*irqs), GFP_KERNEL);
	nr_workers = nr_homes * threads_per_cpu;
	workers = kvcalloc(nr_workers, sizeof(*workers), GFP_KERNEL);
	if (!inboxes || !irqs || !workers)
		return -ENOMEM;
	for (i = 0; i < nr_homes; i++)
		init_llist_head(&inboxes[i]);

	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		if (create_cache(&fixed[i]))
			return -ENOMEM;
	for (i = 0; i < NR_CHURN; i++) {
		mutex_init(&churn[i].lock);
		churn[i].index = i;
	}

	for (i = 0; i < nr_homes; i++) {
		struct tirq *q = &irqs[i];

		init_ctx(&q->hard.x, TORTURE_HRTIMER_WHERE, i, true);
		init_ctx(&q->soft.x, "softirq", i, true);
		hrtimer_init(&q->hrt, CLOCK_MONOTONIC, TORTURE_HRTIMER_MODE);
		q->hrt.function = hardirq_fn;
		timer_setup(&q->timer, softirq_fn, TIMER_PINNED);
	}
	irqs_ready = true;

	for (i = 0; i < nr_homes; i++) {
		for (t = 0; t < threads_per_cpu; t++) {
			w = &workers[i * threads_per_cpu + t];
			init_ctx(&w->x, "worker", i, false);
			w->cpu = homes[i];
			w->task = kthread_create(worker_fn, w, "gt-worker/%u.%u", w->cpu, t);
			if (IS_ERR(w->task)) {
				int err = PTR_ERR(w->task);

				w->task = NULL;
				return err;
			}
			wake_up_process(w->task);
		}
	}
	for (i = 0; i < nr_homes; i++)
		if (smp_call_function_single(homes[i], irq_start, &irqs[i], 1))
			pr_info("note: CPU %u went offline: no interrupts of its own\n", homes[i]);

	if (MIXED(T_HOTPLUG) && nr_homes > 1 && IS_ENABLED(CONFIG_HOTPLUG_CPU)) {
		init_ctx(&hotplug_ctx, "hotplug", 0, false);
		hotplug_task = kthread_run(hotplug_fn, &hotplug_ctx, "gt-hotplug");
		if (IS_ERR(hotplug_task)) {
			int err = PTR_ERR(hotplug_task);

			hotplug_task = NULL;
			return err;
		}
	}
	return 0;
}

/* Stop everything, free everything; false if something was left. */
static bool teardown(void)
{
	struct churn_slot *cs;
	unsigned int i;
	bool ok = true;

	if (injecting) {
		if (atomic_long_read(&inject_gen) & 1)
			inject_set(false, 0);
		inject_restore();
	}
	if (hotplug_task)
		kthread_stop(hotplug_task);
	WRITE_ONCE(workers_stop, true);
	for (i = 0; workers && i < nr_workers; i++)
		if (workers[i].task)
			kthread_stop(workers[i].task);
	WRITE_ONCE(irq_stop, true);
	for (i = 0; irqs_ready && i < nr_homes; i++) {
		struct tirq *q = &irqs[i];
		unsigned int k;

		hrtimer_cancel(&q->hrt);
		del_timer_sync(&q->timer);
		for (k = 0; k < IRQ_SLOTS; k++) {
			if (q->hard.ring[k].p)
				obj_free(&ctl, &q->hard.ring[k]);
			if (q->soft.ring[k].p)
				obj_free(&ctl, &q->soft.ring[k]);
		}
	}
	for (i = 0; inboxes && i < nr_homes; i++)
		drain_inbox(&ctl, i);
	/* The frees gospan_free_call_rcu() has yet to do. */
	gospan_rcu_barrier();

	for (cs = churn; cs < churn + NR_CHURN; cs++) {
		if (cs->state == CHURN_EMPTY)
			continue;
		if (atomic_read(&cs->live)) {
			tfail(&nr_torture_errors, "%s: %d objects not freed at the end",
			      cs->name, atomic_read(&cs->live));
			ok = false;
			continue;
		}
		shrink_empty(&ctl, &cs->tc);
		gospan_cache_destroy(cs->tc.cache);
		cs->state = CHURN_EMPTY;
	}
	for (i = 0; i < ARRAY_SIZE(fixed); i++) {
		if (!fixed[i].cache)
			continue;
		shrink_empty(&ctl, &fixed[i]);
		gospan_cache_destroy(fixed[i].cache);
		fixed[i].cache = NULL;
	}
	kvfree(workers);
	workers = NULL;
	kfree(irqs);
	irqs = NULL;
	kfree(inboxes);
	inboxes = NULL;
	kfree(homes);
	homes = NULL;
	return ok;
}

static const char * const error_names[GOSPAN_NR_ERRORS] = {
	[GOSPAN_ERR_DOUBLE_FREE] = "double free",
	[GOSPAN_ERR_FOREIGN] = "foreign pointer",
	[GOSPAN_ERR_INTERIOR] = "interior pointer",
	[GOSPAN_ERR_WRONG_CACHE] = "wrong cache",
	[GOSPAN_ERR_BAD_SIZE] = "bad size",
	[GOSPAN_ERR_BAD_FLAGS] = "bad flags",
	[GOSPAN_ERR_LIVE_AT_DESTROY] = "live at destroy",
	[GOSPAN_ERR_BAD_CONTEXT] = "NMI allocation",
};

/* Bad input gospan refused during the test: there should be none. */
static unsigned long count_gospan_errors(void)
{
	unsigned long n, total = 0;
	unsigned int k;

	for (k = 0; k < GOSPAN_NR_ERRORS; k++) {
		n = gospan_error_count(k) - errors_at_start[k];
		if (n)
			tfail(NULL, "gospan refused %lu inputs as \"%s\"", n, error_names[k]);
		total += n;
	}
	return total;
}

/* Give every page back that can be; what is left is held. */
static void reclaim_all(struct gospan_memstats *s)
{
	struct gospan_mcentral *c;
	unsigned int spc;

	gospan_mcache_drain_all(GOSPAN_ALL_SPANCLASSES);	/* stackcaches too */
	gospan_stack_release();
	for (spc = 1; spc < GOSPAN_NUM_SPAN_CLASSES; spc++) {
		c = READ_ONCE(gospan_centrals[spc]);
		if (c)
			gospan_mcentral_reclaim(c);
	}
	gospan_mheap_release(&gospan_heap);
	gospan_read_memstats(s);
}

/* The control kthread's snapshots (too big for its stack with KASAN). */
static struct gospan_memstats ctl_stats, ctl_prev;

static int torture_main(void *unused)
{
	struct gospan_memstats *s = &ctl_stats, *prev = &ctl_prev;
	unsigned long start, end, next_stat, next_phase, gerrs;
	unsigned long pages_held;
	struct tcounts all, irq;
	unsigned int k;
	bool ok;

	init_ctx(&ctl, "control", 0, false);
	for (k = 0; k < GOSPAN_NR_ERRORS; k++)
		errors_at_start[k] = gospan_error_count(k);
	injecting = inject && inject_possible();
	if (inject && !injecting)
		pr_info("note: inject=1 ignored: the kernel has no CONFIG_FAULT_INJECTION\n");
	gospan_read_memstats(prev);
	check_memstats(prev, NULL, "control");

	ok = !setup();
	if (!ok)
		tfail(&nr_torture_errors, "setup failed");
	else
		pr_info("started: %u CPUs, %d threads each, mix %#lx, inject %s, %d s\n",
			nr_homes, threads_per_cpu, mix_mask, injecting ? "on" : "off",
			duration);

	start = jiffies;
	end = start + duration * HZ;
	next_stat = start + stat_interval * HZ;
	next_phase = start + HZ + rnd(&ctl, 2 * HZ);
	while (ok && time_before(jiffies, end) && !READ_ONCE(t_abort)) {
		gospan_read_memstats(s);
		check_memstats(s, prev, "control");
		*prev = *s;
		count_add(&ctl.n.reads, 1);
		if (injecting && time_after_eq(jiffies, next_phase)) {
			inject_set(!(atomic_long_read(&inject_gen) & 1), 20 + rnd(&ctl, 31));
			next_phase = jiffies + msecs_to_jiffies(1500 + rnd(&ctl, 2500));
		}
		if (time_after_eq(jiffies, next_stat)) {
			progress((jiffies - start) / HZ, s);
			next_stat = jiffies + stat_interval * HZ;
		}
		wait_event_interruptible_timeout(stop_wq, READ_ONCE(t_abort),
						 msecs_to_jiffies(50));
	}
	if (READ_ONCE(t_abort))
		pr_info("unloaded after %lu s: stopping early\n", (jiffies - start) / HZ);

	sum_counts(&all, &irq);
	ok &= teardown();
	gerrs = count_gospan_errors();
	reclaim_all(s);
	check_memstats(s, prev, "control, at the end");
	pages_held = s->heap_sys >> GOSPAN_PAGE_SHIFT;
	if (s->heap_sys || s->heap_inuse || s->stack_inuse)
		tfail(NULL, "gospan holds %lu pages (%llu in spans, %llu of stacks), all freed",
		      pages_held, s->heap_inuse >> GOSPAN_PAGE_SHIFT,
		      s->stack_inuse >> GOSPAN_PAGE_SHIFT);
	if (s->heap_objects || s->alloc)
		tfail(NULL, "gospan counts %llu objects (%llu bytes) live with everything freed",
		      s->heap_objects, s->alloc);
	ok &= !atomic_long_read(&nr_torture_errors) &&
	      atomic_long_read(&nr_alloc_failures) == atomic_long_read(&nr_allowed_failures) &&
	      !atomic_long_read(&nr_corruptions) && !atomic_long_read(&nr_invariant_breaks) &&
	      !pages_held && !s->heap_inuse && !s->stack_inuse && !s->heap_objects && !s->alloc &&
	      !gerrs;
	print_times(&all, &irq);
	pr_info("SUMMARY ops=%lu alloc_failures=%ld allowed_failures=%ld kernel_refused=%ld corruptions=%ld invariant_breaks=%ld pages_held=%lu cpu_hotplugs=%ld live_objects=%llu gospan_errors=%lu inject_phases=%ld: %s\n",
		all.ops + irq.ops, atomic_long_read(&nr_alloc_failures),
		atomic_long_read(&nr_allowed_failures), atomic_long_read(&nr_kernel_refused),
		atomic_long_read(&nr_corruptions),
		atomic_long_read(&nr_invariant_breaks), pages_held,
		atomic_long_read(&nr_hotplugs), s->heap_objects, gerrs,
		atomic_long_read(&nr_inject_phases), ok ? "PASS" : "FAIL");
	kthread_complete_and_exit(&main_done, 0);
}

static int parse_mix(const char *s)
{
	char *buf, *p, *tok;
	unsigned long bits;
	bool first = true;
	int i, err = 0;

	if (!kstrtoul(s, 0, &mix_mask))
		return mix_mask && !(mix_mask & ~T_ALL) ? 0 : -EINVAL;
	buf = kstrdup(s, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	mix_mask = 0;
	for (p = buf; !err && (tok = strsep(&p, ",")); first = false) {
		bool minus = *tok == '-';

		tok += minus;
		if (!strcmp(tok, "all")) {
			bits = T_ALL;
		} else {
			i = match_string(op_names, T_NR, tok);
			if (i < 0) {
				err = -EINVAL;
				break;
			}
			bits = BIT(i);
		}
		if (minus && first)
			mix_mask = T_ALL;
		if (minus)
			mix_mask &= ~bits;
		else
			mix_mask |= bits;
	}
	kfree(buf);
	return err;
}

static int __init gospan_torture_init(void)
{
	if (parse_mix(mix)) {
		pr_err("bad mix \"%s\": \"all\", a bitmask, or names from alloc,large,cache,bulk,churn,shrink,remote,kfree,hardirq,softirq,hotplug,stats (-name to leave one out)\n",
		       mix);
		return -EINVAL;
	}
	if (duration < 1 || threads_per_cpu < 1 || threads_per_cpu > 16 || stat_interval < 1) {
		pr_err("duration and stat_interval must be at least 1, threads_per_cpu 1 to 16\n");
		return -EINVAL;
	}
	main_task = kthread_run(torture_main, NULL, "gospan-torture");
	return PTR_ERR_OR_ZERO(main_task);
}

static void __exit gospan_torture_exit(void)
{
	WRITE_ONCE(t_abort, true);
	wake_up_all(&stop_wq);
	wait_for_completion(&main_done);
}

module_init(gospan_torture_init);
module_exit(gospan_torture_exit);

MODULE_IMPORT_NS(GOSPAN);
MODULE_IMPORT_NS(GOSPAN_INTERNAL);
MODULE_DESCRIPTION("gospan torture test");
MODULE_LICENSE("GPL");
