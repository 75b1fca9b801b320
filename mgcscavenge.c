// SPDX-License-Identifier: GPL-2.0
/*
 * Giving memory back (Go's runtime/mgcscavenge.go): the background
 * scavenger and gospan's shrinker. The top of gospan.c explains the heap
 * they give back from; mheap.c's gospan_mheap_scavenge() does the giving.
 *
 * The scavenger is a deferrable delayed work item (Go's bgscavenge). Each
 * period (scavenge_period_ms, 1 s by default) it notes the highest number
 * of pages the heap had in spans since the last period, and keeps what
 * recent use calls for:
 *
 *	retain = peak + max(peak / 10, one grow block of 1 MiB)
 *
 * where peak is the highest of the last GOSPAN_SCAVENGE_WINDOW periods'
 * peaks. Every whole free 1 MiB grow block above that goes back to the
 * kernel, the highest first (gospan_mheap_scavenge() says why whole blocks:
 * pages given back one by one from blocks gospan keeps would scatter its
 * heap over the direct map). Go retains 10% above its heap goal; gospan has no
 * garbage collector and so no goal, and the recent peak in use is its
 * stand-in: memory the heap has not needed for a whole window (5 s) is
 * idle, and a load that stays level keeps what it uses plus a margin, so
 * that nothing is returned and grown back over and over (a KUnit case
 * shows it). The floor of one grow block keeps a small heap from giving
 * back the pages its next grow would take again.
 *
 * Like Go's, the scavenger costs at most about 1% of one CPU
 * (scavenge_percent): a run stops when it has worked 1% of a period, and
 * the next run waits at least 100 times what this one took. It never
 * touches pages in spans (objects, the mcentrals' kept empty spans, stack
 * spans) nor pages cached per CPU: only the page allocator's free pages.
 *
 * The shrinker answers the kernel's memory pressure at once, and goes
 * further: it gives back free heap pages first, every one, whole blocks or
 * not (memory is short now); then, if the kernel asked
 * for more, the mcentrals' kept empty spans and the stack pools' free
 * spans; then every CPU's mcache, stackcache and page cache, and the heap
 * again. It counts what is free but held (struct shrinker's count) in
 * kernel pages.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "internal.h"
#include "mcache.h"
#include "mcentral.h"
#include "mheap.h"
#include "stack.h"

/*
 * Shrinkers: 6.7 replaced register_shrinker() with shrinker_alloc() and
 * shrinker_register() (Kbuild defines GOSPAN_SHRINKER_ALLOC from 6.7 on).
 * gospan's whole compat surface for it (and this file its only user).
 */
#ifdef GOSPAN_SHRINKER_ALLOC
static struct shrinker *
gospan_shrinker_register(const char *name,
			 unsigned long (*count)(struct shrinker *, struct shrink_control *),
			 unsigned long (*scan)(struct shrinker *, struct shrink_control *))
{
	struct shrinker *s = shrinker_alloc(0, "%s", name);

	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
	shrinker_register(s);
	return s;
}

static void gospan_shrinker_unregister(struct shrinker *s)
{
	shrinker_free(s);
}
#else
static struct shrinker *
gospan_shrinker_register(const char *name,
			 unsigned long (*count)(struct shrinker *, struct shrink_control *),
			 unsigned long (*scan)(struct shrinker *, struct shrink_control *))
{
	struct shrinker *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
	if (register_shrinker(s, "%s", name)) {
		kfree(s);
		return NULL;
	}
	return s;
}

static void gospan_shrinker_unregister(struct shrinker *s)
{
	unregister_shrinker(s);
	kfree(s);
}
#endif

/* Periods whose peaks the retained amount follows. */
#define GOSPAN_SCAVENGE_WINDOW		5
/* Pages kept at least: one grow block (GOSPAN_GROW_ORDER). */
#define GOSPAN_SCAVENGE_MIN_RETAIN	BIT(GOSPAN_GROW_ORDER - GOSPAN_PAGE_ORDER)

/**
 * struct gospan_scavenger - the scavenger's and the shrinker's state
 * @mutex: serializes runs with each other and with readers of the fields
 *	below (the work item, the period's setters, the debugfs file)
 * @work: the periodic run
 * @peaks: the peak pages in use of each of the last periods
 * @slot: where the next peak goes
 * @retain: the pages the last run decided to keep
 * @runs: runs since load
 * @released: gospan pages the runs gave back
 * @work_ns: time the runs took, in all
 * @max_run_ns: the longest run
 * @shrink_scans: calls of the shrinker's scan
 * @shrink_released: gospan pages the shrinker gave back
 * @shrink_drains: times it drained every CPU's caches
 * @shrinker: registered at init
 */
struct gospan_scavenger {
	struct mutex mutex;	/* see the kernel-doc above */
	struct delayed_work work;
	unsigned long peaks[GOSPAN_SCAVENGE_WINDOW];
	unsigned int slot;
	unsigned long retain;
	unsigned long runs;
	unsigned long released;
	u64 work_ns;
	u64 max_run_ns;
	atomic_long_t shrink_scans;
	atomic_long_t shrink_released;
	atomic_long_t shrink_drains;
	struct shrinker *shrinker;
};

static struct gospan_scavenger scav = {
	.mutex = __MUTEX_INITIALIZER(scav.mutex),
};

static bool scavenger_started;	/* under scav.mutex */

/* A new period takes effect at once: the next run is now. */
static void kick(void)
{
	/* Under the mutex: gospan_scavenger_exit() clears the flag under it. */
	mutex_lock(&scav.mutex);
	if (scavenger_started)
		mod_delayed_work(system_unbound_wq, &scav.work, 0);
	mutex_unlock(&scav.mutex);
}

static int set_period(const char *val, const struct kernel_param *kp)
{
	int err = param_set_uint(val, kp);

	if (!err)
		kick();
	return err;
}

static const struct kernel_param_ops period_ops = {
	.set = set_period,
	.get = param_get_uint,
};

static unsigned int scavenge_period_ms = 1000;
module_param_cb(scavenge_period_ms, &period_ops, &scavenge_period_ms, 0644);
MODULE_PARM_DESC(scavenge_period_ms,
		 "how often the scavenger gives idle pages back, in ms (0: never)");

/* The scavenger's share of one CPU, in percent (Go's 1%: scavengePercent). */
static unsigned int scavenge_percent = 1;
module_param(scavenge_percent, uint, 0644);
MODULE_PARM_DESC(scavenge_percent, "the scavenger's share of one CPU, 1-100 (default 1)");

static unsigned int percent(void)
{
	return clamp(READ_ONCE(scavenge_percent), 1U, 100U);
}

/*
 * Note this period's peak and decide what to keep. Returns how many pages
 * to give back. scav.mutex held.
 */
static unsigned long scavenge_goal(struct gospan_mheap *h)
{
	unsigned long flags, peak, owned;
	unsigned int i;

	lockdep_assert_held(&scav.mutex);
	spin_lock_irqsave(&h->lock, flags);
	peak = h->inuse_peak;
	h->inuse_peak = h->pages_in_use;
	owned = h->pages_owned;
	spin_unlock_irqrestore(&h->lock, flags);

	scav.peaks[scav.slot++ % GOSPAN_SCAVENGE_WINDOW] = peak;
	for (i = 0; i < GOSPAN_SCAVENGE_WINDOW; i++)
		peak = max(peak, scav.peaks[i]);
	scav.retain = peak + max(peak / 10, GOSPAN_SCAVENGE_MIN_RETAIN);
	return owned > scav.retain ? owned - scav.retain : 0;
}

/* One run: give back what the goal allows, within the CPU budget. */
static u64 scavenge_run(unsigned int period_ms)
{
	u64 start = ktime_get_ns(), budget, took;
	unsigned long want, done = 0, n;

	budget = (u64)period_ms * NSEC_PER_MSEC * percent() / 100;
	mutex_lock(&scav.mutex);
	want = scavenge_goal(&gospan_heap);
	/* Whole grow blocks only (mheap.c says why), one at a time. */
	while (want - done >= GOSPAN_RELEASE_BLOCK_PAGES) {
		n = gospan_mheap_scavenge(&gospan_heap, GOSPAN_RELEASE_BLOCK_PAGES,
					  GOSPAN_RELEASE_BLOCK_PAGES);
		if (!n)
			break;
		done += n;
		if (ktime_get_ns() - start > budget)
			break;
	}
	took = ktime_get_ns() - start;
	scav.runs++;
	scav.released += done;
	scav.work_ns += took;
	scav.max_run_ns = max(scav.max_run_ns, took);
	mutex_unlock(&scav.mutex);
	return took;
}

static void scavenge_work(struct work_struct *work)
{
	unsigned int period = READ_ONCE(scavenge_period_ms);
	unsigned long delay;
	u64 took;

	if (!period)
		return;
	took = scavenge_run(period);
	/* At most scavenge_percent of a CPU, however long a run took. */
	delay = max(msecs_to_jiffies(period), nsecs_to_jiffies(took * 100 / percent()));
	queue_delayed_work(system_unbound_wq, &scav.work, delay);
}

/* Pages held by spans without objects: the mcentrals' kept empty spans. */
static unsigned long empty_span_pages(bool reclaim)
{
	unsigned int spc, last = GOSPAN_FIRST_PRIVATE_SPANCLASS;
	unsigned long pages = 0;
	bool locked;

	/* Private classes come and go under the mutex; reclaim may not wait. */
	locked = reclaim ? mutex_trylock(&gospan_caches_mutex) :
			   !mutex_lock_interruptible(&gospan_caches_mutex);
	if (locked)
		last = GOSPAN_NUM_SPAN_CLASSES;
	for (spc = 1; spc < last; spc++) {
		struct gospan_mcentral *c = gospan_centrals[spc];

		if (c)
			pages += (unsigned long)READ_ONCE(c->nempty) * c->npages;
	}
	if (locked)
		mutex_unlock(&gospan_caches_mutex);
	return pages;
}

/* Give the mcentrals' kept empty spans back to the heap. */
static unsigned long release_empty_spans(void)
{
	unsigned int spc, last = GOSPAN_FIRST_PRIVATE_SPANCLASS;
	unsigned long pages = 0;
	bool locked = mutex_trylock(&gospan_caches_mutex);

	if (locked)
		last = GOSPAN_NUM_SPAN_CLASSES;
	for (spc = 1; spc < last; spc++)
		if (gospan_centrals[spc])
			pages += gospan_mcentral_release_empty(gospan_centrals[spc]);
	if (locked)
		mutex_unlock(&gospan_caches_mutex);
	return pages;
}

/**
 * gospan_held_free_pages() - pages gospan holds without an object in them
 * @held: filled in, by reason
 * @reclaim: called from reclaim: take no lock that may wait, and count
 *	only what the shrinker can give back
 *
 * Context: Process context.
 */
void gospan_held_free_pages(struct gospan_held *held, bool reclaim)
{
	struct gospan_mheap *h = &gospan_heap;
	unsigned long flags;
	unsigned int cpu;

	spin_lock_irqsave(&h->lock, flags);
	held->heap_free = h->pages_owned - h->pages_in_use;
	spin_unlock_irqrestore(&h->lock, flags);
	/* Pages in the page caches are in pages_in_use already. */
	held->pcache = gospan_pcache_pages();
	held->empty_spans = empty_span_pages(reclaim);
	held->kept_spans = 0;
	for_each_possible_cpu(cpu)
		held->kept_spans += READ_ONCE(per_cpu(gospan_mcache_local, cpu).kept_empty_pages);
	held->stacks = gospan_stack_free_pages(reclaim);
	held->retain = READ_ONCE(scav.retain);
}

static unsigned long shrink_count(struct shrinker *s, struct shrink_control *sc)
{
	struct gospan_held held;
	unsigned long pages;

	gospan_held_free_pages(&held, true);
	pages = held.heap_free + held.pcache + held.empty_spans + held.kept_spans + held.stacks;
	return pages ? pages << GOSPAN_PAGE_ORDER : SHRINK_EMPTY;
}

static unsigned long shrink_scan(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long want = DIV_ROUND_UP(sc->nr_to_scan, 1UL << GOSPAN_PAGE_ORDER);
	unsigned long done;

	atomic_long_inc(&scav.shrink_scans);
	done = gospan_mheap_scavenge(&gospan_heap, want, 1);
	if (done < want) {
		release_empty_spans();
		gospan_stack_release();
		done += gospan_mheap_scavenge(&gospan_heap, want - done, 1);
	}
	/* Every CPU's mcache, stackcache and page cache (mcache.c's drain). */
	if (done < want && gospan_mcache_try_drain_all()) {
		atomic_long_inc(&scav.shrink_drains);
		release_empty_spans();
		done += gospan_mheap_scavenge(&gospan_heap, want - done, 1);
	}
	atomic_long_add(done, &scav.shrink_released);
	sc->nr_scanned = done << GOSPAN_PAGE_ORDER;
	return done ? done << GOSPAN_PAGE_ORDER : SHRINK_STOP;
}

/**
 * gospan_scavenger_period() - set the scavenger's period
 * @ms: the new period in milliseconds, 0 to stop it
 *
 * What writing the scavenge_period_ms parameter does, for tests.
 *
 * Context: Process context.
 * Return: the old period.
 */
unsigned int gospan_scavenger_period(unsigned int ms)
{
	unsigned int old = xchg(&scavenge_period_ms, ms);

	kick();
	return old;
}
EXPORT_SYMBOL_NS_GPL(gospan_scavenger_period, GOSPAN_INTERNAL);

/**
 * gospan_scavenger_read() - what the scavenger and the shrinker did
 * @st: filled in
 *
 * Context: Process context.
 */
void gospan_scavenger_read(struct gospan_scavenger_stats *st)
{
	mutex_lock(&scav.mutex);
	st->runs = scav.runs;
	st->released = scav.released;
	st->work_ns = scav.work_ns;
	st->max_run_ns = scav.max_run_ns;
	st->retain = scav.retain;
	mutex_unlock(&scav.mutex);
	st->shrunk = atomic_long_read(&scav.shrink_released);
	st->scans = atomic_long_read(&scav.shrink_scans);
}
EXPORT_SYMBOL_NS_GPL(gospan_scavenger_read, GOSPAN_INTERNAL);

/**
 * gospan_scavenger_percent() - set the scavenger's share of a CPU
 * @pct: percent, 1-100
 *
 * What writing the scavenge_percent parameter does, for tests; the next
 * run starts at once, rather than when the last run's pacing at the old
 * share says.
 *
 * Context: Process context.
 * Return: the old share.
 */
unsigned int gospan_scavenger_percent(unsigned int pct)
{
	unsigned int old = xchg(&scavenge_percent, pct);

	kick();
	return old;
}
EXPORT_SYMBOL_NS_GPL(gospan_scavenger_percent, GOSPAN_INTERNAL);

/**
 * gospan_held_show() - the "free but held" lines of the pages file
 * @m: the file
 *
 * Context: Process context.
 */
void gospan_held_show(struct seq_file *m)
{
	struct gospan_held held;

	gospan_held_free_pages(&held, false);
	seq_puts(m, "free but held, in pages, and why:\n");
	seq_printf(m, "  heap_free          %lu  (the page allocator's; the scavenger keeps %lu, and gives back whole 1 MiB blocks only)\n",
		   held.heap_free, held.retain);
	seq_printf(m, "  per_cpu_pcache     %lu  (per-CPU page caches)\n", held.pcache);
	seq_printf(m, "  empty_spans        %lu  (mcentrals' kept empty spans)\n",
		   held.empty_spans);
	seq_printf(m, "  kept_spans         %lu  (spans CPUs keep, with no object allocated)\n",
		   held.kept_spans);
	seq_printf(m, "  stack_free         %lu  (stack pools and stackcaches)\n", held.stacks);
}

static int scavenger_show(struct seq_file *m, void *unused)
{
	unsigned int i;

	mutex_lock(&scav.mutex);
	seq_printf(m, "period_ms          %u\n", READ_ONCE(scavenge_period_ms));
	seq_printf(m, "window             %u periods\n", GOSPAN_SCAVENGE_WINDOW);
	seq_puts(m, "peaks_in_use      ");
	for (i = 0; i < GOSPAN_SCAVENGE_WINDOW; i++)
		seq_printf(m, " %lu", scav.peaks[i]);
	seq_putc(m, '\n');
	seq_printf(m, "retain             %lu pages\n", scav.retain);
	seq_printf(m, "runs               %lu\n", scav.runs);
	seq_printf(m, "released           %lu pages\n", scav.released);
	seq_printf(m, "work_us            %llu\n", scav.work_ns / NSEC_PER_USEC);
	seq_printf(m, "max_run_us         %llu\n", scav.max_run_ns / NSEC_PER_USEC);
	mutex_unlock(&scav.mutex);
	seq_printf(m, "shrinker_scans     %ld\n", atomic_long_read(&scav.shrink_scans));
	seq_printf(m, "shrinker_released  %ld pages\n", atomic_long_read(&scav.shrink_released));
	seq_printf(m, "shrinker_drains    %ld\n", atomic_long_read(&scav.shrink_drains));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(scavenger);

/**
 * gospan_scavenger_init() - register the shrinker, start the scavenger
 * @root: gospan's debugfs directory
 *
 * Context: Process context.
 * Return: 0, or -ENOMEM.
 */
int gospan_scavenger_init(struct dentry *root)
{
	scav.shrinker = gospan_shrinker_register("gospan", shrink_count, shrink_scan);
	if (!scav.shrinker)
		return -ENOMEM;
	INIT_DEFERRABLE_WORK(&scav.work, scavenge_work);
	mutex_lock(&scav.mutex);
	scavenger_started = true;
	mutex_unlock(&scav.mutex);
	queue_delayed_work(system_unbound_wq, &scav.work,
			   msecs_to_jiffies(READ_ONCE(scavenge_period_ms)));
	debugfs_create_file("scavenger", 0444, root, NULL, &scavenger_fops);
	return 0;
}

/**
 * gospan_scavenger_exit() - stop the scavenger, unregister the shrinker
 *
 * Context: Process context; sleeps.
 */
void gospan_scavenger_exit(void)
{
	mutex_lock(&scav.mutex);
	scavenger_started = false;
	WRITE_ONCE(scavenge_period_ms, 0);
	mutex_unlock(&scav.mutex);
	cancel_delayed_work_sync(&scav.work);
	gospan_shrinker_unregister(scav.shrinker);
}
