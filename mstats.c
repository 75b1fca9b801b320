// SPDX-License-Identifier: GPL-2.0
/*
 * gospan's statistics (Go's runtime/mstats.go), a layer on top of the
 * allocator as mm/percpu-stats.c is on top of mm/percpu.c: mstats.h has
 * the counters the hot paths bump (the top of gospan.c explains that
 * path); this file folds them (gospan_read_memstats()) and has every
 * debugfs view of the allocator's state: memstats, classes, cpus, caches,
 * errors, pages and sizeclasses. It reads the other components through
 * what they export; what they call in it is the counters' upkeep (a
 * private class retired, its counts for its cache).
 *
 * Consistent without stopping the world. Go's ReadMemStats stops every P
 * to flush its mcache; gospan stops nobody. Every count lives in a per-CPU
 * counter that only its CPU writes, and a reader folds them all, under
 * three rules that make any snapshot obey the invariants documented with
 * struct gospan_memstats:
 *
 *  1. An object's allocation is counted before the object is handed out,
 *     and its free is counted before its span can leave its mcentral (in
 *     gospan_free_small(), before the free can release the span).
 *  2. The reader sums every CPU's frees of a span class first, then (after
 *     smp_rmb()) every CPU's allocations. A free it saw happened after the
 *     allocation it undoes, so it sees that allocation too: per class,
 *     mallocs >= frees, and mallocs - frees counts only objects that were
 *     live at some moment of the read.
 *  3. The reader holds the heap lock throughout. No span can be created or
 *     go back to the heap meanwhile, so every object it counts as live sits
 *     in a span that HeapInuse counts: Alloc <= HeapInuse. The heap's own
 *     counters (pages, large objects) change only under that lock.
 *
 * HeapIdle is HeapSys - HeapInuse and Sys is the sum of the *Sys fields,
 * both from one locked read of the heap, so those invariants hold by
 * construction. The heap lock is held for one pass over the per-CPU
 * counters (two loads per CPU and span class in use); allocations do not
 * take it on their common path, so a reader slows them down only by the
 * cache lines it shares with them (measured by make bench, "memstats").
 *
 * A private span class that a destroyed cache gives up has its counters
 * folded into the retired_* totals (under the heap lock, with no object of
 * the class alive), so that the class can be reused with another size.
 */
#define CREATE_TRACE_POINTS
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>

#include "gospan.h"
#include "gospan_trace.h"
#include "internal.h"
#include "mcache.h"
#include "mheap.h"
#include "mpagealloc.h"
#include "mstats.h"
#include "msize.h"
#include "sizeclasses.h"
#include "stack.h"

struct gospan_mstats_cpu __percpu *gospan_mstats;
EXPORT_SYMBOL_NS_GPL(gospan_mstats, GOSPAN_INTERNAL);

unsigned int gospan_spanclass_size[GOSPAN_NUM_SPAN_CLASSES];
atomic_long_t gospan_other_sys;

/* Counts of span classes given up by destroyed caches (under the heap lock). */
static u64 retired_mallocs, retired_frees, retired_bytes;

/**
 * gospan_mstats_init() - allocate the per-CPU counters
 *
 * Context: Process context; may sleep.
 * Return: 0, or -ENOMEM.
 */
int gospan_mstats_init(void)
{
	gospan_mstats = alloc_percpu(struct gospan_mstats_cpu);
	return gospan_mstats ? 0 : -ENOMEM;
}

/**
 * gospan_mstats_exit() - free the per-CPU counters, when nothing counts
 *
 * Context: Process context.
 */
void gospan_mstats_exit(void)
{
	free_percpu(gospan_mstats);
	gospan_mstats = NULL;
}

/* One span class's counts over every CPU, frees read first (rule 2). */
static void fold_class(unsigned int spc, u64 *mallocs, u64 *frees, u64 *req, u64 *samples)
{
	u64 m = 0, f = 0, r = 0, n = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		f += READ_ONCE(per_cpu_ptr(gospan_mstats, cpu)->class[spc].frees) +
		     READ_ONCE(per_cpu_ptr(gospan_mcaches, cpu)->cls[spc].nfree);
	smp_rmb();	/* pairs with the order of rule 1 on the writing CPUs */
	for_each_possible_cpu(cpu) {
		const struct gospan_class_stats *cs = &per_cpu_ptr(gospan_mstats, cpu)->class[spc];

		m += READ_ONCE(cs->mallocs) +
		     READ_ONCE(per_cpu_ptr(gospan_mcaches, cpu)->cls[spc].nmalloc);
		r += READ_ONCE(cs->req_bytes);
		n += READ_ONCE(cs->req_samples);
	}
	*mallocs = m;
	*frees = f;
	*req = r;
	*samples = n;
}

/**
 * gospan_mstats_class_counts() - a span class's allocations and frees
 * @spc: the span class
 * @mallocs: set to its objects handed out
 * @frees: set to its objects freed, at most @mallocs
 *
 * For a cache with a span class of its own, whose objects are exactly the
 * class's, however they are freed (the caches file). Rule 2 keeps
 * frees below mallocs but for one thing: a double free that raced with a
 * first free is counted, then taken back by the CPU that finds it, which
 * a reader may see in that order. @frees is capped at @mallocs for it.
 *
 * Context: Any context.
 */
void gospan_mstats_class_counts(unsigned int spc, u64 *mallocs, u64 *frees)
{
	u64 req, samples;

	fold_class(spc, mallocs, frees, &req, &samples);
	*frees = min(*frees, *mallocs);
}

/**
 * gospan_read_memstats() - a snapshot of gospan's statistics, like Go's ReadMemStats
 * @stats: filled in
 *
 * Go's ReadMemStats, without stopping any CPU: the invariants listed with
 * struct gospan_memstats hold in every snapshot, whatever other CPUs
 * allocate and free meanwhile (the top of this file says why).
 *
 * Context: Any context; takes the heap lock with interrupts saved.
 */
void gospan_read_memstats(struct gospan_memstats *stats)
{
	struct gospan_mheap *h = &gospan_heap;
	u64 mallocs, frees, req, samples, tiny = 0;
	unsigned long flags, pcache;
	unsigned int spc, cpu;

	memset(stats, 0, sizeof(*stats));
	spin_lock_irqsave(&h->lock, flags);
	for_each_possible_cpu(cpu)
		tiny += READ_ONCE(per_cpu_ptr(gospan_mstats, cpu)->tiny_allocs);
	for (spc = 1; spc < GOSPAN_NUM_SPAN_CLASSES; spc++) {
		u64 size = READ_ONCE(gospan_spanclass_size[spc]);

		if (!size)
			continue;
		fold_class(spc, &mallocs, &frees, &req, &samples);
		stats->mallocs += mallocs;
		stats->frees += frees;
		stats->alloc += (mallocs - frees) * size;
		stats->total_alloc += mallocs * size;
	}
	/*
	 * Pages free in the per-CPU page caches are in pages_in_use but in no
	 * span: read after the class counters (mpagecache.c says why).
	 */
	smp_rmb();
	pcache = gospan_pcache_pages();
	stats->mallocs += retired_mallocs + h->large_allocs + tiny;
	stats->frees += retired_frees + h->large_frees + tiny;
	stats->alloc += h->large_bytes;
	stats->total_alloc += retired_bytes + h->large_bytes_total;
	/* Stack spans are StackInuse and StackSys, not the heap's (Go's rule). */
	stats->heap_sys = (u64)(h->pages_owned + h->pages_released - h->pages_manual) <<
			  GOSPAN_PAGE_SHIFT;
	stats->heap_inuse = (u64)(h->pages_in_use - h->pages_manual - pcache) << GOSPAN_PAGE_SHIFT;
	stats->stack_inuse = (u64)h->pages_manual << GOSPAN_PAGE_SHIFT;
	stats->stack_sys = stats->stack_inuse;
	stats->heap_released = (u64)h->pages_released << GOSPAN_PAGE_SHIFT;
	stats->other_sys = h->pages.sys + h->arena_sys;
	stats->large_allocs = h->large_allocs;
	stats->large_frees = h->large_frees;
	stats->heap_grows = h->blocks_grown;
	stats->chunks_returned = h->chunks_returned;
	spin_lock(&h->spanalloc.lock);
	stats->mspan_inuse = h->spanalloc.inuse;
	stats->mspan_sys = h->spanalloc.sys;
	spin_unlock(&h->spanalloc.lock);
	spin_unlock_irqrestore(&h->lock, flags);

	stats->tiny_allocs = tiny;
	stats->heap_alloc = stats->alloc;
	stats->heap_idle = stats->heap_sys - stats->heap_inuse;
	stats->heap_objects = stats->mallocs - stats->frees;
	stats->mcache_inuse = (u64)num_possible_cpus() *
			      (sizeof(struct gospan_mcache) + sizeof(struct gospan_mcache_local));
	stats->mcache_sys = stats->mcache_inuse;
	stats->other_sys += atomic_long_read(&gospan_other_sys) +
			    (u64)num_possible_cpus() * sizeof(struct gospan_mstats_cpu);
	stats->sys = stats->heap_sys + stats->stack_sys + stats->mspan_sys +
		     stats->mcache_sys + stats->other_sys;
}
EXPORT_SYMBOL_NS_GPL(gospan_read_memstats, GOSPAN);

/**
 * gospan_mstats_retire_class() - fold a span class's counts into the totals
 * @spanclass: a private span class no cache uses any more, with no live
 *	object and no span left
 *
 * Context: Process context (under gospan_caches_mutex); takes the heap lock.
 */
void gospan_mstats_retire_class(unsigned int spanclass)
{
	u64 size = gospan_spanclass_size[spanclass], mallocs = 0, frees = 0;
	unsigned long flags;
	unsigned int cpu;

	spin_lock_irqsave(&gospan_heap.lock, flags);
	for_each_possible_cpu(cpu) {
		struct gospan_class_stats *cs = &per_cpu_ptr(gospan_mstats, cpu)->class[spanclass];
		struct gospan_mcache_class *rec = &per_cpu_ptr(gospan_mcaches, cpu)->cls[spanclass];

		mallocs += cs->mallocs + rec->nmalloc;
		frees += cs->frees + rec->nfree;
		memset(cs, 0, sizeof(*cs));
		rec->nmalloc = 0;
		rec->nfree = 0;
	}
	retired_mallocs += mallocs;
	retired_frees += frees;
	retired_bytes += mallocs * size;
	WRITE_ONCE(gospan_spanclass_size[spanclass], 0);
	spin_unlock_irqrestore(&gospan_heap.lock, flags);
}

static int memstats_show(struct seq_file *m, void *unused)
{
	struct gospan_memstats s;

	gospan_read_memstats(&s);
#define F(name, field) seq_printf(m, "%-15s %llu\n", name, s.field)
	F("Alloc", alloc);
	F("TotalAlloc", total_alloc);
	F("Sys", sys);
	F("Mallocs", mallocs);
	F("Frees", frees);
	F("HeapAlloc", heap_alloc);
	F("HeapSys", heap_sys);
	F("HeapIdle", heap_idle);
	F("HeapInuse", heap_inuse);
	F("HeapReleased", heap_released);
	F("HeapObjects", heap_objects);
	F("StackInuse", stack_inuse);
	F("StackSys", stack_sys);
	F("MSpanInuse", mspan_inuse);
	F("MSpanSys", mspan_sys);
	F("MCacheInuse", mcache_inuse);
	F("MCacheSys", mcache_sys);
	F("OtherSys", other_sys);
	F("TinyAllocs", tiny_allocs);
	F("LargeAllocs", large_allocs);
	F("LargeFrees", large_frees);
	F("HeapGrows", heap_grows);
	F("ChunksReturned", chunks_returned);
#undef F
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(memstats);

/* One row of the classes table, and the Total row's sums. */
struct class_row {
	unsigned long cached, partial, full, spans, pages;
	u64 inuse, free, mallocs, frees, tail, round;
};

static void class_row(unsigned int spc, struct class_row *r)
{
	struct gospan_mcentral *c = gospan_centrals[spc];
	struct gospan_mspan *s;
	unsigned long flags;
	unsigned int cpu, i;
	u64 req, samples;

	memset(r, 0, sizeof(*r));
	for_each_online_cpu(cpu) {
		struct gospan_mcache_class *rec = &gospan_mcache_of(cpu)->cls[spc];

		r->cached += (READ_ONCE(rec->remote) != &gospan_no_remote) + READ_ONCE(rec->nkept);
	}
	spin_lock_irqsave(&c->lock, flags);
	for (i = 0; i < 2; i++) {
		list_for_each_entry(s, &c->partial[i], list)
			r->partial++;
		list_for_each_entry(s, &c->full[i], list)
			r->full++;
	}
	r->spans = c->nspans;
	/* Under the mcentral lock no span of the class comes or goes (rule 3). */
	fold_class(spc, &r->mallocs, &r->frees, &req, &samples);
	spin_unlock_irqrestore(&c->lock, flags);
	r->pages = r->spans * c->npages;
	r->inuse = r->mallocs - r->frees;
	r->free = (u64)r->spans * c->nelems - r->inuse;
	r->tail = (u64)r->spans * (((u64)c->npages << GOSPAN_PAGE_SHIFT) -
				   (u64)c->nelems * c->elemsize);
	/* The rounding of the live objects, estimated from all allocations. */
	r->round = samples ? div64_u64((samples * c->elemsize - req) * r->inuse, samples) : 0;
}

static void class_row_print(struct seq_file *m, const char *name, unsigned int size,
			    const struct class_row *r)
{
	seq_printf(m, "%5s %6u %6lu %7lu %5lu %5lu %9llu %9llu %11llu %11llu %10llu %10llu\n",
		   name, size, r->cached, r->partial, r->full, r->pages, r->inuse, r->free,
		   r->mallocs, r->frees, r->tail, r->round);
}

/*
 * The classes table, zsmalloc-style: a row per span class with an mcentral
 * (the size classes, "tiny", and private classes as pN), then a Total row.
 * cached: spans CPUs hold (those they allocate from, and those they keep:
 * mcache.c); partial/full: spans on its mcentral's
 * lists; inuse/free: objects; mallocs/frees: since load (Go's BySize);
 * tail: bytes lost at the ends of its spans; round: bytes lost rounding the
 * live objects up to the class size, estimated from the mean rounding of a
 * sample of the class's allocations: those that refilled a window (the
 * fast path counts nothing but the object, mstats.h).
 */
static int classes_show(struct seq_file *m, void *unused)
{
	struct class_row r, total = {};
	unsigned int spc;
	char name[8];

	seq_puts(m, "class   size cached partial  full pages     inuse      free     mallocs       frees       tail      round\n");
	mutex_lock(&gospan_caches_mutex);	/* private mcentrals stay */
	for (spc = 1; spc < GOSPAN_NUM_SPAN_CLASSES; spc++) {
		if (!gospan_centrals[spc] || !gospan_spanclass_size[spc])
			continue;
		class_row(spc, &r);
		if (spc == GOSPAN_TINY_SPANCLASS)
			strscpy(name, "tiny", sizeof(name));
		else if (spc >= GOSPAN_FIRST_PRIVATE_SPANCLASS)
			snprintf(name, sizeof(name), "p%u", spc);
		else
			snprintf(name, sizeof(name), "%u", spc);
		class_row_print(m, name, gospan_spanclass_size[spc], &r);
		total.cached += r.cached;
		total.partial += r.partial;
		total.full += r.full;
		total.pages += r.pages;
		total.inuse += r.inuse;
		total.free += r.free;
		total.mallocs += r.mallocs;
		total.frees += r.frees;
		total.tail += r.tail;
		total.round += r.round;
	}
	mutex_unlock(&gospan_caches_mutex);
	class_row_print(m, "Total", 0, &total);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(classes);

/*
 * Each online CPU's mcache: the spans it holds (class:objects free in the
 * window/objects in the span, and +N for the N more spans of the class it
 * keeps), its tiny block (offset of the next free byte), and its own
 * counters, which a reader folds with the other CPUs' (they are never
 * flushed).
 */
static int cpus_show(struct seq_file *m, void *unused)
{
	unsigned int cpu, spc;

	for_each_online_cpu(cpu) {
		struct gospan_mcache *mc = gospan_mcache_of(cpu);
		struct gospan_mstats_cpu *st = per_cpu_ptr(gospan_mstats, cpu);
		struct gospan_mcache_local *lc;
		unsigned long mallocs = 0, frees = 0, tiny;

		for (spc = 0; spc < GOSPAN_NUM_SPAN_CLASSES; spc++) {
			frees += READ_ONCE(st->class[spc].frees) + READ_ONCE(mc->cls[spc].nfree);
			mallocs += READ_ONCE(st->class[spc].mallocs) +
				   READ_ONCE(mc->cls[spc].nmalloc);
		}
		lc = per_cpu_ptr(&gospan_mcache_local, cpu);
		tiny = READ_ONCE(lc->tiny);
		seq_printf(m, "cpu %u: mallocs %lu frees %lu tiny_allocs %lu tiny_block %s",
			   cpu, mallocs, frees, READ_ONCE(st->tiny_allocs),
			   tiny ? "held" : "none");
		if (tiny)
			seq_printf(m, " (next byte %u of %u)", READ_ONCE(lc->tinyoffset),
				   GOSPAN_TINY_SIZE);
		seq_puts(m, "\n  spans:");
		/* A racy look: the CPU may swap its spans meanwhile; RCU keeps them. */
		rcu_read_lock();
		for (spc = 1; spc < GOSPAN_NUM_SPAN_CLASSES; spc++) {
			unsigned int kept = READ_ONCE(mc->cls[spc].nkept);
			struct gospan_mspan *s;
			unsigned long window;

			s = gospan_mcache_peek(&mc->cls[spc], &window);
			if (s)
				seq_printf(m, " %u:%lu/%u", spc, hweight_long(window), s->nelems);
			else if (kept)
				seq_printf(m, " %u:", spc);
			if (kept)
				seq_printf(m, "+%u", kept);
		}
		rcu_read_unlock();
		seq_putc(m, '\n');
		gospan_stack_cpu_show(m, cpu);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(cpus);

/*
 * One row per cache, /proc/slabinfo-style. class: its span class; spans:
 * "shared" with gospan_alloc() and the other caches of a size class, or
 * "own"; active: objects allocated and not freed (frees read first, so
 * never negative; gospan_cache_read_counts()); total: the objects the
 * spans of its span class hold.
 */
static int caches_show(struct seq_file *m, void *unused)
{
	struct gospan_cache *c;

	seq_puts(m, "# name                     objsize  elemsize class spans      active     total      allocs       frees  errors  align\n");
	mutex_lock(&gospan_caches_mutex);
	list_for_each_entry(c, &gospan_caches, list) {
		struct gospan_mcentral *central = gospan_centrals[c->spanclass];
		unsigned long flags, total;
		u64 allocs, frees;

		gospan_cache_read_counts(c, &allocs, &frees);
		spin_lock_irqsave(&central->lock, flags);
		total = central->nspans * central->nelems;
		spin_unlock_irqrestore(&central->lock, flags);
		seq_printf(m, "%-24s %9u %9u %5u %-6s %9llu %9lu %11llu %11llu %7ld %6u\n",
			   c->name, c->size,
			   c->spanclass == GOSPAN_TINY_SPANCLASS ? c->size : central->elemsize,
			   c->spanclass,
			   c->spanclass < GOSPAN_FIRST_PRIVATE_SPANCLASS ? "shared" : "own",
			   allocs - frees, total, allocs, frees, atomic_long_read(&c->errors),
			   c->align);
	}
	mutex_unlock(&gospan_caches_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(caches);

static int errors_show(struct seq_file *m, void *unused)
{
	unsigned int k;

	for (k = 0; k < GOSPAN_NR_ERRORS; k++)
		seq_printf(m, "%-36s %lu\n", gospan_error_name(k), gospan_error_count(k));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(errors);

/* The longest run of free pages: Go's merge over the level-0 summaries. */
static unsigned long largest_free_run(const struct gospan_pagealloc *p)
{
	unsigned long i, run = 0, best = 0;

	for (i = 0; i < 1UL << p->l0_bits; i++) {
		u64 sum = p->summary[0][i];
		unsigned long e = gospan_palloc_sum_end(sum);

		best = max3(best, run + gospan_palloc_sum_start(sum),
			    gospan_palloc_sum_max(sum));
		run = e == GOSPAN_MAX_PACKED ? run + e : e;
	}
	return best;
}

static int pages_show(struct seq_file *m, void *unused)
{
	struct gospan_mheap *h = &gospan_heap;
	unsigned long flags, owned, in_use, returned, grown, freed, large, arenas = 0;
	unsigned long released, manual;
	unsigned long largest, search, ci, i;
	size_t spans_inuse, spans_sys;

	spin_lock_irqsave(&h->lock, flags);
	owned = h->pages_owned;
	in_use = h->pages_in_use;
	returned = h->pages_returned;
	released = h->pages_released;
	manual = h->pages_manual;
	grown = h->blocks_grown;
	freed = h->chunks_returned;
	large = h->large_allocs - h->large_frees;
	largest = largest_free_run(&h->pages);
	search = h->pages.search_addr;
	for (ci = 0; ci < h->nchunks; ci++)
		arenas += !!gospan_mheap_arena_locked(h, ci);
	spin_unlock_irqrestore(&h->lock, flags);
	spin_lock_irqsave(&h->spanalloc.lock, flags);
	spans_inuse = h->spanalloc.inuse;
	spans_sys = h->spanalloc.sys;
	spin_unlock_irqrestore(&h->spanalloc.lock, flags);

	seq_printf(m, "page_size          %lu\n", GOSPAN_PAGE_SIZE);
	seq_printf(m, "chunk_size         %lu\n", GOSPAN_CHUNK_BYTES);
	seq_printf(m, "chunks_owned       %lu\n", arenas);
	seq_printf(m, "chunk_slots        %lu\n", h->nchunks);
	seq_printf(m, "pages_owned        %lu\n", owned);
	seq_printf(m, "pages_in_use       %lu\n", in_use);
	seq_printf(m, "pages_free         %lu  (in no span, per-CPU page caches included)\n",
		   owned - in_use + gospan_pcache_pages());
	seq_printf(m, "pages_released     %lu  (given back, still HeapSys: HeapReleased)\n",
		   released);
	seq_printf(m, "pages_stacks       %lu\n", manual);
	seq_printf(m, "pages_returned     %lu  (given back since load)\n", returned);
	seq_printf(m, "blocks_grown       %lu\n", grown);
	seq_printf(m, "chunks_returned    %lu\n", freed);
	seq_printf(m, "large_objects      %lu\n", large);
	seq_printf(m, "span_descs_bytes   %zu of %zu\n", spans_inuse, spans_sys);
	seq_printf(m, "largest_free_run   %lu\n", largest);
	if (search == GOSPAN_MAX_SEARCH_ADDR)
		seq_puts(m, "search_addr        none\n");
	else
		seq_printf(m, "search_addr        %lu\n", search);
	gospan_held_show(m);
	gospan_pcache_show(m);
	seq_puts(m, "level0 summaries (index: start max end), non-empty only:\n");
	spin_lock_irqsave(&h->lock, flags);
	for (i = 0; i < 1UL << h->pages.l0_bits; i++) {
		u64 sum = h->pages.summary[0][i];

		if (sum)
			seq_printf(m, "  %lu: %lu %lu %lu\n", i, gospan_palloc_sum_start(sum),
				   gospan_palloc_sum_max(sum), gospan_palloc_sum_end(sum));
	}
	spin_unlock_irqrestore(&h->lock, flags);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pages);

/*
 * One row per class, with the columns and meanings of the comment table Go
 * prints into sizeclasses.go. max_waste is the share of a span lost when
 * every object is one byte larger than the previous class (the worst fit)
 * plus the tail; it is printed in hundredths of a percent, rounded.
 */
static int sizeclasses_show(struct seq_file *m, void *unused)
{
	unsigned int c, prev = 0;

	seq_puts(m, "class  bytes/obj  bytes/span  objects  tail_waste  max_waste  min_align\n");
	for (c = 1; c < GOSPAN_NUM_SIZE_CLASSES; c++) {
		u32 size = gospan_class_to_size[c];
		u32 span = gospan_class_span_bytes(c);
		u32 objects = span / size;
		u32 tail = span - objects * size;
		u64 waste = (u64)(size - prev - 1) * objects + tail;
		u32 hundredths = div_u64(waste * 20000 + span, 2 * span);
		u32 align = 1U << min_t(u32, __ffs(size), GOSPAN_PAGE_SHIFT);

		seq_printf(m, "%5u  %9u  %10u  %7u  %10u  %5u.%02u%%  %9u\n",
			   c, size, span, objects, tail,
			   hundredths / 100, hundredths % 100, align);
		prev = size;
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sizeclasses);

/**
 * gospan_mstats_debugfs_init() - create the statistics files
 * @root: gospan's debugfs directory
 *
 * memstats, classes, cpus, caches, errors, pages and sizeclasses. The
 * scavenger, the heap profile, the RCU frees, the stacks and fail_grow
 * fault injection have files their components make (mgcscavenge.c,
 * mprof.c, rcufree.c, stack.c, mheap.c).
 *
 * Context: Process context, at module init.
 */
void gospan_mstats_debugfs_init(struct dentry *root)
{
	debugfs_create_file("memstats", 0444, root, NULL, &memstats_fops);
	debugfs_create_file("classes", 0444, root, NULL, &classes_fops);
	debugfs_create_file("cpus", 0444, root, NULL, &cpus_fops);
	debugfs_create_file("caches", 0444, root, NULL, &caches_fops);
	debugfs_create_file("errors", 0444, root, NULL, &errors_fops);
	debugfs_create_file("pages", 0444, root, NULL, &pages_fops);
	debugfs_create_file("sizeclasses", 0444, root, NULL, &sizeclasses_fops);
}
