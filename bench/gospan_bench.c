// SPDX-License-Identifier: GPL-2.0
/*
 * gospan against SLUB, side by side in the same boot (make bench).
 *
 * Every measurement runs the same loop for both allocators through the same
 * indirect calls, with the same preemption and interrupt state (process
 * context, preemption and interrupts on), after a warm-up; it is repeated
 * REPS times and the median kept, and the cost of the loop itself (the
 * same calls to functions that do nothing) is subtracted. Times are guest
 * nanoseconds; under qemu's -icount shift=0 one nanosecond is one guest
 * instruction.
 *
 * Where it runs: the module's init, in the insmod task, runs every test
 * but two. cross-cpu pins that task to CPU 0 (the producer) and a kthread
 * to CPU 1 (the consumer); parallel runs one kthread per CPU. Under TCG
 * every vCPU shares one instruction clock (icount) or the host's 2 cores
 * (wall), so parallel shows no scaling: its rows are reported, not scored.
 *
 * Each result is one console line:
 *   CSV,<test>,<param>,<unit>,<gospan>,<slub>
 * where the unit is ns per operation (alloc + free of one object) for
 * most tests, ns per operation per CPU at <param> CPUs for parallel, ns
 * per trace event and peak kernel pages held for the trace replay. The
 * memstats line compares gospan with itself: with a statistics reader
 * running on another CPU (the gospan column) and without (the slub column).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>

#include "gospan.h"
#include "mcache.h"
#include "mcentral.h"
#include "mheap.h"

#define REPS	9

struct allocator {
	const char *name;
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *p);
	void *ctx;
};

static void *g_cache_alloc(void *ctx, size_t size)
{
	return gospan_cache_alloc(ctx, GFP_KERNEL);
}

static void g_cache_free(void *ctx, void *p)
{
	gospan_cache_free(ctx, p);
}

static void *s_cache_alloc(void *ctx, size_t size)
{
	return kmem_cache_alloc(ctx, GFP_KERNEL);
}

static void s_cache_free(void *ctx, void *p)
{
	kmem_cache_free(ctx, p);
}

static void *g_alloc(void *ctx, size_t size)
{
	return gospan_alloc(size, GFP_KERNEL);
}

static void g_free(void *ctx, void *p)
{
	gospan_free(p);
}

static void *s_alloc(void *ctx, size_t size)
{
	return kmalloc(size, GFP_KERNEL);
}

static void s_free(void *ctx, void *p)
{
	kfree(p);
}

static void *pages_alloc(void *ctx, size_t size)
{
	struct page *page = alloc_pages(GFP_KERNEL, get_order(size));

	return page ? page_address(page) : NULL;
}

static void pages_free(void *ctx, void *p)
{
	free_pages((unsigned long)p, get_order((size_t)ctx));
}

/* The loop's own cost: the same indirect calls, doing nothing. */
static void *null_alloc(void *ctx, size_t size)
{
	return ctx;
}

static void null_free(void *ctx, void *p)
{
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 median(u64 *v, unsigned int n)
{
	sort(v, n, sizeof(*v), cmp_u64, NULL);
	return v[n / 2];
}

/* ns per alloc+free pair, median of REPS, after one warm-up round. */
static u64 time_pairs(const struct allocator *a, size_t size, unsigned int n)
{
	u64 t[REPS];
	unsigned int r, i;

	for (r = 0; r <= REPS; r++) {
		u64 t0 = ktime_get_ns();

		for (i = 0; i < n; i++) {
			void *p = a->alloc(a->ctx, size);

			if (!p)
				return 0;
			a->free(a->ctx, p);
		}
		if (r)
			t[r - 1] = ktime_get_ns() - t0;
		cond_resched();
	}
	return median(t, REPS) / n;
}

enum order { LIFO, FIFO, RANDOM };

/* ns per object for n allocations followed by n frees in the given order. */
static u64 time_batch(const struct allocator *a, size_t size, unsigned int n,
		      enum order ord, void **objs, unsigned int *perm)
{
	u64 t[REPS];
	unsigned int r, i;

	for (r = 0; r <= REPS; r++) {
		u64 t0 = ktime_get_ns();

		for (i = 0; i < n; i++) {
			objs[i] = a->alloc(a->ctx, size);
			if (!objs[i])
				return 0;
		}
		for (i = 0; i < n; i++) {
			unsigned int k = ord == LIFO ? n - 1 - i : ord == FIFO ? i : perm[i];

			a->free(a->ctx, objs[k]);
		}
		if (r)
			t[r - 1] = ktime_get_ns() - t0;
		cond_resched();
	}
	return median(t, REPS) / n;
}

static const struct allocator null_alloc_ops = { "null", null_alloc, null_free, (void *)1 };

static void report_unit(const char *test, const char *param, const char *unit,
			u64 g, u64 s)
{
	pr_info("CSV,%s,%s,%s,%llu,%llu\n", test, param, unit, g, s);
}

/* Nanoseconds per operation, the loop's own cost taken off. */
static void report(const char *test, const char *param, u64 g, u64 s, u64 overhead)
{
	g = g > overhead ? g - overhead : 0;
	s = s > overhead ? s - overhead : 0;
	report_unit(test, param, "ns/op", g, s);
}

/* 1. pair: every size class, caches and the untyped API. */
static void bench_pair(void)
{
	const struct allocator g = { "gospan", g_alloc, g_free, NULL };
	const struct allocator s = { "kmalloc", s_alloc, s_free, NULL };
	u64 overhead = time_pairs(&null_alloc_ops, 0, 4000);
	unsigned int size;
	char param[16];

	/* Every size class: each class size is the roundup of one byte more. */
	for (size = gospan_size_roundup(1); size <= 32768;
	     size = gospan_size_roundup(size + 1)) {
		struct gospan_cache *gc = gospan_cache_create("bench", size, 0, 0, NULL);
		struct kmem_cache *kc = kmem_cache_create("bench", size, 0, 0, NULL);
		struct allocator gca = { "gospan_cache", g_cache_alloc, g_cache_free, gc };
		struct allocator kca = { "kmem_cache", s_cache_alloc, s_cache_free, kc };

		snprintf(param, sizeof(param), "%u", size);
		if (gc && kc)
			report("pair-cache", param, time_pairs(&gca, size, 4000),
			       time_pairs(&kca, size, 4000), overhead);
		report("pair-kmalloc", param, time_pairs(&g, size, 4000),
		       time_pairs(&s, size, 4000), overhead);
		gospan_cache_destroy(gc);
		kmem_cache_destroy(kc);
	}
}

/* 2. batch: N allocations, then N frees in LIFO, FIFO or random order. */
static void bench_batch(void)
{
	static const unsigned int ns[] = { 100, 10000 };
	static const unsigned int sizes[] = { 64, 256, 1024 };
	static const char * const names[] = { "lifo", "fifo", "random" };
	void **objs = vmalloc(10000 * sizeof(void *));
	unsigned int *perm = vmalloc(10000 * sizeof(unsigned int));
	unsigned int i, k, z, o;
	char test[32], param[32];

	if (!objs || !perm)
		goto out;
	for (z = 0; z < ARRAY_SIZE(sizes); z++) {
		struct gospan_cache *gc = gospan_cache_create("bench", sizes[z], 0, 0, NULL);
		struct kmem_cache *kc = kmem_cache_create("bench", sizes[z], 0, 0, NULL);
		struct allocator gca = { "gospan_cache", g_cache_alloc, g_cache_free, gc };
		struct allocator kca = { "kmem_cache", s_cache_alloc, s_cache_free, kc };

		for (k = 0; k < ARRAY_SIZE(ns) && gc && kc; k++) {
			unsigned int n = ns[k];
			u64 overhead;

			for (i = 0; i < n; i++)
				perm[i] = i;
			/* Fisher-Yates; swap() evaluates its arguments twice. */
			for (i = n - 1; i > 0; i--) {
				unsigned int j = get_random_u32() % (i + 1);

				swap(perm[i], perm[j]);
			}
			for (o = 0; o < 3; o++) {
				overhead = time_batch(&null_alloc_ops, 0, n, o, objs, perm);
				snprintf(test, sizeof(test), "batch-%s", names[o]);
				snprintf(param, sizeof(param), "%ux%u", n, sizes[z]);
				report(test, param, time_batch(&gca, sizes[z], n, o, objs, perm),
				       time_batch(&kca, sizes[z], n, o, objs, perm), overhead);
			}
		}
		gospan_cache_destroy(gc);
		kmem_cache_destroy(kc);
	}
out:
	vfree(objs);
	vfree(perm);
}

/* 5. large: gospan against kmalloc (the page allocator above 8 KiB) and alloc_pages. */
static void bench_large(void)
{
	static const size_t sizes[] = { 64 << 10, 256 << 10, 1 << 20, 4 << 20 };
	const struct allocator g = { "gospan", g_alloc, g_free, NULL };
	const struct allocator s = { "kmalloc", s_alloc, s_free, NULL };
	u64 overhead = time_pairs(&null_alloc_ops, 0, 200);
	unsigned int i;
	char param[24];

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct allocator pa = { "alloc_pages", pages_alloc, pages_free, (void *)sizes[i] };
		u64 gt = time_pairs(&g, sizes[i], 200);

		snprintf(param, sizeof(param), "%zuK", sizes[i] >> 10);
		report("large-kmalloc", param, gt, time_pairs(&s, sizes[i], 200), overhead);
		report("large-alloc_pages", param, gt, time_pairs(&pa, sizes[i], 200), overhead);
	}
}

/* 6. bulk: 100 objects at a time. */
static void bench_bulk(void)
{
	const unsigned int n = 100, size = 128;
	struct gospan_cache *gc = gospan_cache_create("bench", size, 0, 0, NULL);
	struct kmem_cache *kc = kmem_cache_create("bench", size, 0, 0, NULL);
	void **objs = kcalloc(n, sizeof(void *), GFP_KERNEL);
	u64 gt[REPS], st[REPS], t0;
	unsigned int r;

	if (!gc || !kc || !objs)
		goto out;
	for (r = 0; r <= REPS; r++) {
		t0 = ktime_get_ns();
		if (gospan_cache_alloc_bulk(gc, GFP_KERNEL, n, objs) != n)
			goto out;
		gospan_cache_free_bulk(gc, n, objs);
		if (r)
			gt[r - 1] = ktime_get_ns() - t0;
		t0 = ktime_get_ns();
		if (kmem_cache_alloc_bulk(kc, GFP_KERNEL, n, objs) != n)
			goto out;
		kmem_cache_free_bulk(kc, n, objs);
		if (r)
			st[r - 1] = ktime_get_ns() - t0;
	}
	report("bulk", "100x128", median(gt, REPS) / n, median(st, REPS) / n, 0);
out:
	kfree(objs);
	gospan_cache_destroy(gc);
	kmem_cache_destroy(kc);
}

/* 3. cross-CPU: CPU 0 allocates, CPU 1 frees, through a ring. */
#define RING	256

struct xcpu {
	const struct allocator *a;
	void *ring[RING];
	atomic_t head, tail;
	unsigned int n;
	struct completion done;
};

static int xcpu_consumer(void *arg)
{
	struct xcpu *x = arg;
	unsigned int i;

	for (i = 0; i < x->n; i++) {
		while (atomic_read(&x->tail) == atomic_read_acquire(&x->head))
			cpu_relax();
		x->a->free(x->a->ctx, x->ring[atomic_read(&x->tail) % RING]);
		/* The slot is read before tail lets the producer reuse it. */
		smp_mb__before_atomic();
		atomic_inc(&x->tail);
	}
	complete(&x->done);
	return 0;
}

static u64 time_xcpu(const struct allocator *a, size_t size, unsigned int n)
{
	struct xcpu *x = kzalloc(sizeof(*x), GFP_KERNEL);
	struct task_struct *t;
	unsigned int i;
	u64 t0, ns = 0;

	if (!x)
		return 0;
	x->a = a;
	x->n = n;
	init_completion(&x->done);
	t = kthread_create_on_cpu(xcpu_consumer, x, 1, "gospan-bench-free");
	if (IS_ERR(t))
		goto out;
	/* The producer stays on CPU 0: every free is a remote one. */
	set_cpus_allowed_ptr(current, cpumask_of(0));
	t0 = ktime_get_ns();
	wake_up_process(t);
	for (i = 0; i < n; i++) {
		while (atomic_read(&x->head) - atomic_read_acquire(&x->tail) >= RING)
			cpu_relax();
		x->ring[atomic_read(&x->head) % RING] = a->alloc(a->ctx, size);
		/* The slot is written before head publishes it. */
		smp_mb__before_atomic();
		atomic_inc(&x->head);
	}
	wait_for_completion(&x->done);
	ns = (ktime_get_ns() - t0) / n;
	set_cpus_allowed_ptr(current, cpu_possible_mask);
out:
	kfree(x);
	return ns;
}

static void bench_xcpu(void)
{
	const unsigned int size = 256;
	struct gospan_cache *gc = gospan_cache_create("bench", size, 0, 0, NULL);
	struct kmem_cache *kc = kmem_cache_create("bench", size, 0, 0, NULL);
	struct allocator gca = { "gospan_cache", g_cache_alloc, g_cache_free, gc };
	struct allocator kca = { "kmem_cache", s_cache_alloc, s_cache_free, kc };
	u64 g[REPS], s[REPS];
	unsigned int r;

	if (gc && kc && num_online_cpus() > 1) {
		for (r = 0; r < REPS; r++) {
			g[r] = time_xcpu(&gca, size, 20000);
			s[r] = time_xcpu(&kca, size, 20000);
		}
		report("cross-cpu", "256", median(g, REPS), median(s, REPS), 0);
	}
	gospan_cache_destroy(gc);
	kmem_cache_destroy(kc);
}

/* 4. parallel: pair and batch loops on 1 .. all CPUs at once. */
#define PAR_OPS		20000
#define PAR_BATCH	100

struct par {
	const struct allocator *a;
	size_t size;
	unsigned int batch;	/* objects allocated before they are freed (LIFO) */
	atomic_t *go;
	u64 ns;
	struct completion done;
	void *objs[PAR_BATCH];
};

static int par_fn(void *arg)
{
	struct par *p = arg;
	unsigned int i, k;
	u64 t0;

	while (!atomic_read_acquire(p->go))
		cpu_relax();
	t0 = ktime_get_ns();
	for (i = 0; i < PAR_OPS; i += p->batch) {
		for (k = 0; k < p->batch; k++)
			p->objs[k] = p->a->alloc(p->a->ctx, p->size);
		while (k--)
			if (p->objs[k])
				p->a->free(p->a->ctx, p->objs[k]);
	}
	p->ns = ktime_get_ns() - t0;
	complete(&p->done);
	return 0;
}

/*
 * ns per operation per CPU: the slowest CPU's time over its operations, on
 * CPUs first .. first + cpus - 1.
 */
static u64 time_parallel_on(const struct allocator *a, size_t size, unsigned int batch,
			    unsigned int first, unsigned int cpus)
{
	struct par *p = kcalloc(cpus, sizeof(*p), GFP_KERNEL);
	atomic_t go = ATOMIC_INIT(0);
	unsigned int i;
	u64 worst = 0;

	if (!p)
		return 0;
	for (i = 0; i < cpus; i++) {
		struct task_struct *t;

		p[i].a = a;
		p[i].size = size;
		p[i].batch = batch;
		p[i].go = &go;
		init_completion(&p[i].done);
		t = kthread_create_on_cpu(par_fn, &p[i], first + i, "gospan-bench-par");
		if (IS_ERR(t)) {
			cpus = i;
			break;
		}
		wake_up_process(t);
	}
	atomic_set_release(&go, 1);
	for (i = 0; i < cpus; i++) {
		wait_for_completion(&p[i].done);
		worst = max(worst, p[i].ns);
	}
	kfree(p);
	return worst / PAR_OPS;
}

static u64 time_parallel(const struct allocator *a, size_t size, unsigned int batch,
			 unsigned int cpus)
{
	return time_parallel_on(a, size, batch, 0, cpus);
}

static void bench_parallel(void)
{
	static const unsigned int batches[] = { 1, PAR_BATCH };
	const unsigned int size = 128;
	struct gospan_cache *gc = gospan_cache_create("bench", size, 0, 0, NULL);
	struct kmem_cache *kc = kmem_cache_create("bench", size, 0, 0, NULL);
	struct allocator gca = { "gospan_cache", g_cache_alloc, g_cache_free, gc };
	struct allocator kca = { "kmem_cache", s_cache_alloc, s_cache_free, kc };
	unsigned int cpus, r, b;
	u64 g[5], s[5];
	char param[8];

	for (b = 0; b < ARRAY_SIZE(batches) && gc && kc; b++) {
		for (cpus = 1; cpus <= num_online_cpus(); cpus++) {
			for (r = 0; r < 5; r++) {
				g[r] = time_parallel(&gca, size, batches[b], cpus);
				s[r] = time_parallel(&kca, size, batches[b], cpus);
			}
			snprintf(param, sizeof(param), "%u", cpus);
			report(b ? "parallel-batch" : "parallel-pair", param,
			       median(g, 5), median(s, 5), 0);
		}
	}
	gospan_cache_destroy(gc);
	kmem_cache_destroy(kc);
}

/*
 * 8. memstats: what a reader looping on gospan_read_memstats() on CPU 0
 * costs the pair loop on every other CPU. Reported as gospan with the
 * reader against gospan without it, CPU 0 idle (not against SLUB). Under
 * TCG this is an upper bound: the reader's own instructions compete with
 * the others for the guest clock (-icount) or the host's cores (wall),
 * while the real cost, cache lines shared with the counters, is not
 * modelled at all.
 */
static int reader_fn(void *arg)
{
	struct gospan_memstats *st = kmalloc(sizeof(*st), GFP_KERNEL);
	unsigned long *reads = arg;

	while (!kthread_should_stop()) {
		if (st) {
			gospan_read_memstats(st);
			(*reads)++;
		}
		cond_resched();
	}
	kfree(st);
	return 0;
}

/* The parallel pair loop on CPUs 1.., with CPU 0 reading statistics. */
static u64 time_beside_reader(const struct allocator *a, size_t size, unsigned int cpus,
			      unsigned long *reads)
{
	struct task_struct *t;
	u64 ns;

	t = kthread_create_on_cpu(reader_fn, reads, 0, "gospan-bench-reader");
	if (IS_ERR(t))
		return 0;
	wake_up_process(t);
	ns = time_parallel_on(a, size, 1, 1, cpus);
	kthread_stop(t);
	return ns;
}

static void bench_memstats(void)
{
	const unsigned int size = 128, cpus = num_online_cpus() - 1;
	struct gospan_cache *gc = gospan_cache_create("bench", size, 0, 0, NULL);
	struct allocator gca = { "gospan_cache", g_cache_alloc, g_cache_free, gc };
	unsigned long reads = 0;
	u64 with[5], without[5];
	unsigned int r;
	char param[16];

	if (!gc || !cpus)
		goto out;
	for (r = 0; r < 5; r++) {
		without[r] = time_parallel_on(&gca, size, 1, 1, cpus);
		with[r] = time_beside_reader(&gca, size, cpus, &reads);
	}
	pr_info("memstats: %lu snapshots read meanwhile\n", reads);
	snprintf(param, sizeof(param), "%ucpus", cpus);
	report_unit("memstats-reader", param, "ns/op", median(with, 5), median(without, 5));
out:
	gospan_cache_destroy(gc);
}

/*
 * 7. replay: a real kernel allocation trace (bench/trace/, made by
 * scripts/gospan-trace), through gospan_alloc() and kmalloc(), on one CPU.
 * gospan-bench turns the replay file into an array of events, read here
 * from @replay: bit 31 set, free object (low bits); clear, allocate that
 * many bytes (the n-th allocation is object n).
 */
#define REPLAY_FREE	BIT(31)

struct replay_ev {
	u32 word;
	u32 cpu;	/* where the kernel did it: kept, unused by this replay */
};

static char *replay = "/modules/replay.bin";
module_param(replay, charp, 0444);
MODULE_PARM_DESC(replay, "the trace replay file (gospan-bench writes it)");

/*
 * Kernel pages each allocator holds from the kernel. gospan: every page
 * of its heap, idle ones included, and its metadata (span descriptors,
 * arenas, the page allocator's bitmaps and summaries), in kernel pages.
 */
static unsigned long gospan_pages_held(void)
{
	struct gospan_mheap *h = &gospan_heap;
	size_t meta = READ_ONCE(h->spanalloc.sys) + READ_ONCE(h->arena_sys) +
		      READ_ONCE(h->pages.sys);

	return (READ_ONCE(h->pages_owned) << GOSPAN_PAGE_ORDER) + DIV_ROUND_UP(meta, PAGE_SIZE);
}

/*
 * gospan gives back what earlier tests left idle (every mcache drained,
 * every class swept, free chunks returned), so that the replay's peak is
 * not paid for by pages it held already. SLUB keeps its partial slabs: it
 * has no such call for modules (which can only make SLUB look better).
 */
static void gospan_give_back(void)
{
	unsigned int spc;

	gospan_mcache_drain_all(GOSPAN_ALL_SPANCLASSES);
	for (spc = 1; spc < GOSPAN_NUM_SPAN_CLASSES; spc++)
		if (gospan_centrals[spc])
			gospan_mcentral_reclaim(gospan_centrals[spc]);
	rcu_barrier();
	gospan_mheap_release(&gospan_heap);
}

/*
 * Slab pages and kmalloc's large pages are both counted here; the global
 * counter lags the per-CPU deltas by at most the vmstat threshold of the
 * one CPU that runs the replay (tens of pages).
 */
static unsigned long slub_pages_held(void)
{
	return global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B);
}

/*
 * Replay the events once: the time it took, and with @held, the peak of
 * held() above where it started (sampled after every allocation).
 */
static u64 replay_once(const struct allocator *a, const struct replay_ev *ev,
		       size_t nev, void **objs, unsigned long (*held)(void),
		       unsigned long *peak, unsigned long *failed)
{
	unsigned long base = held ? held() : 0, top = base, now;
	size_t i, id = 0;
	u64 t0 = ktime_get_ns();

	for (i = 0; i < nev; i++) {
		u32 w = ev[i].word;

		if (w & REPLAY_FREE) {
			a->free(a->ctx, objs[w & ~REPLAY_FREE]);
			continue;
		}
		objs[id] = a->alloc(a->ctx, w);
		*failed += !objs[id];
		id++;
		if (held) {
			now = held();
			top = max(top, now);
		}
		if (!(i & 4095))
			cond_resched();
	}
	t0 = ktime_get_ns() - t0;
	if (peak)
		*peak = top - base;
	return t0;
}

/*
 * The replay's events, read with plain VFS reads: kernel_read_file() asks
 * the LSMs, and Debian's IPE warns about a read it has no rule for.
 */
static ssize_t read_replay(const char *path, void **bufp)
{
	struct file *f = filp_open(path, O_RDONLY, 0);
	loff_t size, pos = 0;
	ssize_t n;
	void *buf;

	if (IS_ERR(f))
		return PTR_ERR(f);
	size = i_size_read(file_inode(f));
	buf = size > 0 && size < INT_MAX ? vmalloc(size) : NULL;
	if (!buf) {
		filp_close(f, NULL);
		return -ENOMEM;
	}
	while (pos < size) {
		n = kernel_read(f, buf + pos, size - pos, &pos);
		if (n <= 0)
			break;
	}
	filp_close(f, NULL);
	if (pos != size) {
		vfree(buf);
		return -EIO;
	}
	*bufp = buf;
	return size;
}

static void bench_replay(void)
{
	const struct allocator g = { "gospan", g_alloc, g_free, NULL };
	const struct allocator s = { "kmalloc", s_alloc, s_free, NULL };
	const struct replay_ev *ev;
	unsigned long gpeak, speak, failed = 0;
	size_t nev, i, nobj = 0;
	u64 gt[REPS], st[REPS];
	void *buf = NULL, **objs;
	unsigned int r;
	ssize_t len;
	char param[24];

	len = read_replay(replay, &buf);
	if (len < 0) {
		pr_err("replay: cannot read %s (%zd)\n", replay, len);
		return;
	}
	ev = buf;
	nev = len / sizeof(*ev);
	for (i = 0; i < nev; i++) {
		if ((ev[i].word & REPLAY_FREE) && (ev[i].word & ~REPLAY_FREE) >= nobj) {
			pr_err("replay: event %zu frees an object not yet allocated\n", i);
			goto out;
		}
		nobj += !(ev[i].word & REPLAY_FREE);
	}
	objs = vcalloc(nobj ?: 1, sizeof(void *));
	if (!objs)
		goto out;
	for (r = 0; r <= REPS; r++) {
		u64 t;

		t = replay_once(&g, ev, nev, objs, NULL, NULL, &failed);
		if (r)
			gt[r - 1] = t;
		t = replay_once(&s, ev, nev, objs, NULL, NULL, &failed);
		if (r)
			st[r - 1] = t;
	}
	gospan_give_back();
	replay_once(&g, ev, nev, objs, gospan_pages_held, &gpeak, &failed);
	replay_once(&s, ev, nev, objs, slub_pages_held, &speak, &failed);
	if (failed)
		pr_err("replay: %lu allocations failed\n", failed);
	snprintf(param, sizeof(param), "%zu", nev);
	report_unit("replay-time", param, "ns/event", median(gt, REPS) / nev,
		    median(st, REPS) / nev);
	report_unit("replay-peak", param, "pages", gpeak, speak);
	vfree(objs);
out:
	vfree(buf);
}

/*
 * 9. mprof: what the heap profile costs. pair-kmalloc at three sizes with
 * memprofilerate at Go's default, 512 KiB (gospan column), and at 0 (SLUB
 * column): gospan against itself. Every other test runs with sampling off,
 * as SLUB has no sampling profiler on in these kernels.
 */
static void bench_mprof(void)
{
	static const unsigned int sizes[] = { 16, 256, 4096 };
	const struct allocator g = { "gospan", g_alloc, g_free, NULL };
	u64 overhead = time_pairs(&null_alloc_ops, 0, 4000), off, on;
	char param[16];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		gospan_mprof_set_rate(0);
		off = time_pairs(&g, sizes[i], 4000);
		gospan_mprof_set_rate(512 * 1024);
		on = time_pairs(&g, sizes[i], 4000);
		gospan_mprof_set_rate(0);
		snprintf(param, sizeof(param), "%u", sizes[i]);
		report("mprof-on-vs-off", param, on, off, overhead);
	}
}

/*
 * The per-CPU page caches over the whole run: spans made without the heap
 * lock (gospan column) out of every small span of objects made (SLUB
 * column).
 */
static void report_pcache(void)
{
	unsigned long hits, refills, misses;

	gospan_pcache_counts(&hits, &refills, &misses);
	pr_info("pcache: %lu spans without the heap lock, %lu refills, %lu misses\n",
		hits, refills, misses);
	report_unit("pcache-spans-without-heap-lock", "all", "spans", hits, hits + misses);
}

static char *tests = "pair,batch,xcpu,parallel,large,bulk,replay,memstats,mprof";
module_param(tests, charp, 0444);
MODULE_PARM_DESC(tests, "comma-separated benchmarks to run");

static int __init gospan_bench_init(void)
{
	unsigned int rate = gospan_mprof_set_rate(0);
	unsigned int period = gospan_scavenger_period(0);

	pr_info("start: %u CPUs\n", num_online_cpus());
	if (strstr(tests, "pair"))
		bench_pair();
	if (strstr(tests, "batch"))
		bench_batch();
	if (strstr(tests, "xcpu"))
		bench_xcpu();
	if (strstr(tests, "parallel"))
		bench_parallel();
	if (strstr(tests, "large"))
		bench_large();
	if (strstr(tests, "bulk"))
		bench_bulk();
	if (strstr(tests, "replay"))
		bench_replay();
	if (strstr(tests, "memstats"))
		bench_memstats();
	if (strstr(tests, "mprof"))
		bench_mprof();
	report_pcache();
	gospan_scavenger_period(period);
	gospan_mprof_set_rate(rate);
	pr_info("done\n");
	return 0;
}

static void __exit gospan_bench_exit(void)
{
}

module_init(gospan_bench_init);
module_exit(gospan_bench_exit);

MODULE_IMPORT_NS(GOSPAN);
MODULE_IMPORT_NS(GOSPAN_INTERNAL);
MODULE_DESCRIPTION("gospan against SLUB, side by side");
MODULE_LICENSE("GPL");
