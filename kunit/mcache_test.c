// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the window fast path (mcache.[ch], mspan.c): every row
 * of the double-free argument at the top of gospan.c, interrupts that use
 * a class while a task is inside its fast path, windows over a span's
 * last word, the spans a CPU keeps, spans that move between CPUs while
 * remote frees land, and bulk allocation of every size class.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "gospan.h"
#include "gospan_kunit.h"
#include "internal.h"
#include "mcache.h"
#include "msize.h"

static void ctor_nop(void *obj)
{
}

static int cmp_ptr(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

static void pin(struct kunit *test, unsigned int cpu)
{
	KUNIT_ASSERT_TRUE(test, cpu_online(cpu));
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(cpu)), 0);
}

static void unpin(void)
{
	set_cpus_allowed_ptr(current, cpu_possible_mask);
}

static u64 frees_now(void)
{
	struct gospan_memstats *st = kmalloc(sizeof(*st), GFP_KERNEL);
	u64 f = 0;

	if (st) {
		gospan_read_memstats(st);
		f = st->frees;
		kfree(st);
	}
	return f;
}

/* A double free on the CPU that freed it first: the window's bit says so. */
static void double_free_local(struct kunit *test)
{
	struct gospan_cache *c = gospan_cache_create("df-local", 64, 0, 0, NULL);
	void *p, *q;
	u64 frees;

	KUNIT_ASSERT_NOT_NULL(test, c);
	pin(test, 0);
	p = gospan_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	frees = frees_now();
	gospan_cache_free(c, p);
	gospan_cache_free(c, p);
	gospan_free(p);
	gospan_expect_reports(test, 2);
	KUNIT_EXPECT_EQ(test, frees_now() - frees, 1ULL);
	/* Free once: handed out once, and the next object is another. */
	p = gospan_cache_alloc(c, GFP_KERNEL);
	q = gospan_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_NE(test, p, q);
	gospan_cache_free(c, p);
	gospan_cache_free(c, q);
	unpin();
	gospan_cache_destroy(c);
}

/* Freed into CPU 0's window, then freed again on CPU 1: caught at once. */
static void double_free_window_then_remote(struct kunit *test)
{
	struct gospan_cache *c = gospan_cache_create("df-remote", 96, 0, 0, NULL);
	void *p, *q;

	KUNIT_ASSERT_NOT_NULL(test, c);
	pin(test, 0);
	p = gospan_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	gospan_cache_free(c, p);
	pin(test, 1);
	gospan_cache_free(c, p);
	gospan_free(p);
	gospan_expect_reports(test, 2);
	pin(test, 0);
	p = gospan_cache_alloc(c, GFP_KERNEL);
	q = gospan_cache_alloc(c, GFP_KERNEL);
	KUNIT_EXPECT_PTR_NE(test, p, q);
	gospan_cache_free(c, p);
	gospan_cache_free(c, q);
	unpin();
	gospan_cache_destroy(c);
}

/*
 * Freed on CPU 1 (its freed bit set), then again on CPU 1 and on CPU 0,
 * whose window covers it; and the same for a span no CPU holds.
 */
static void double_free_remote_then_local(struct kunit *test)
{
	struct gospan_cache *c = gospan_cache_create("df-remote2", 128, 0, 0, NULL);
	void *p, *q;

	KUNIT_ASSERT_NOT_NULL(test, c);
	pin(test, 0);
	p = gospan_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	pin(test, 1);
	gospan_cache_free(c, p);
	gospan_cache_free(c, p);
	pin(test, 0);
	gospan_cache_free(c, p);
	gospan_expect_reports(test, 2);

	/* A span nobody holds: every free is a freed bit. */
	p = gospan_cache_alloc(c, GFP_KERNEL);
	q = gospan_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	gospan_mcache_drain_all(c->spanclass);
	KUNIT_EXPECT_NULL(test, gospan_mcache_span(&gospan_mcache_of(0)->cls[c->spanclass]));
	gospan_cache_free(c, p);
	gospan_cache_free(c, p);
	gospan_expect_reports(test, 3);
	gospan_cache_free(c, q);
	unpin();
	gospan_cache_destroy(c);
}

/* Two CPUs free the same object at the same moment, many times. */
struct racer {
	struct kunit *test;
	struct gospan_cache *cache;
	void *obj;
	atomic_t go, done;
	unsigned int rounds;
	struct completion exited;
};

static int racer_fn(void *arg)
{
	struct racer *r = arg;
	unsigned int round;

	current->kunit_test = r->test;	/* its reports count for the case */
	for (round = 1; round <= r->rounds; round++) {
		while (atomic_read(&r->go) != round)
			cpu_relax();
		gospan_cache_free(r->cache, READ_ONCE(r->obj));
		atomic_set(&r->done, round);
	}
	current->kunit_test = NULL;
	complete(&r->exited);
	return 0;
}

static void double_free_both_at_once(struct kunit *test)
{
	struct racer *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	unsigned long before = gospan_error_count(GOSPAN_ERR_DOUBLE_FREE);
	struct task_struct *t;
	unsigned int round, k;
	void *probe[8];

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->test = test;
	r->rounds = 200;
	r->cache = gospan_cache_create("df-race", 48, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, r->cache);
	init_completion(&r->exited);
	pin(test, 0);
	t = kthread_create(racer_fn, r, "gospan-racer");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	kthread_bind(t, 1);
	wake_up_process(t);
	for (round = 1; round <= r->rounds; round++) {
		WRITE_ONCE(r->obj, gospan_cache_alloc(r->cache, GFP_KERNEL));
		KUNIT_ASSERT_NOT_NULL(test, r->obj);
		atomic_set(&r->go, round);
		gospan_cache_free(r->cache, r->obj);
		while (atomic_read(&r->done) != round)
			cpu_relax();
		/*
		 * Exactly one free counts; the other is reported now, or when
		 * CPU 0 folds its window (which these allocations make it do).
		 * Either way the object is handed out once.
		 */
		for (k = 0; k < ARRAY_SIZE(probe); k++)
			probe[k] = gospan_cache_alloc(r->cache, GFP_KERNEL);
		for (k = 0; k < ARRAY_SIZE(probe); k++) {
			KUNIT_ASSERT_NOT_NULL(test, probe[k]);
			KUNIT_EXPECT_EQ(test, k ? probe[k] != probe[k - 1] : true, true);
		}
		for (k = 0; k < ARRAY_SIZE(probe); k++)
			gospan_cache_free(r->cache, probe[k]);
	}
	wait_for_completion(&r->exited);
	unpin();
	/* Every report is in: the folds ran on CPU 0, in this task. */
	KUNIT_EXPECT_EQ(test, gospan_error_count(GOSPAN_ERR_DOUBLE_FREE) - before,
			(unsigned long)r->rounds);
	gospan_expect_reports(test, r->rounds);
	gospan_cache_destroy(r->cache);
}

/* An hrtimer that allocates and frees while the task is in the fast path. */
struct irq_hammer {
	struct hrtimer timer;
	struct gospan_cache *cache;
	atomic_t fired, bad;
	bool stop;
};

static enum hrtimer_restart hammer_fn(struct hrtimer *t)
{
	struct irq_hammer *h = container_of(t, struct irq_hammer, timer);
	void *objs[4];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = gospan_cache_alloc(h->cache, GFP_ATOMIC);
		if (objs[i])
			memset(objs[i], 0x5a, 64);
	}
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		if (!objs[i] || memchr_inv(objs[i], 0x5a, 64))
			atomic_inc(&h->bad);
		gospan_cache_free(h->cache, objs[i]);
	}
	atomic_inc(&h->fired);
	if (READ_ONCE(h->stop))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime(20 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static void irq_inside_fast_path(struct kunit *test)
{
	struct irq_hammer *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	const unsigned int n = 32;
	void **objs = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	unsigned long deadline, direct = 0;
	unsigned int i, rounds = 0, cpu;

	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	h->cache = gospan_cache_create("irq-hammer", 64, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, h->cache);
	pin(test, 0);
	hrtimer_init(&h->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	h->timer.function = hammer_fn;
	hrtimer_start(&h->timer, ns_to_ktime(20 * NSEC_PER_USEC), HRTIMER_MODE_REL);
	deadline = jiffies + HZ;
	while (time_before(jiffies, deadline) || atomic_read(&h->fired) < 50) {
		for (i = 0; i < n; i++) {
			objs[i] = gospan_cache_alloc(h->cache, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, objs[i]);
			memset(objs[i], i, 64);
		}
		for (i = 0; i < n; i++) {
			KUNIT_EXPECT_FALSE(test, memchr_inv(objs[i], i, 64));
			gospan_cache_free(h->cache, objs[i]);
		}
		rounds++;
		if (time_after(jiffies, deadline + 30 * HZ))
			break;
	}
	WRITE_ONCE(h->stop, true);
	hrtimer_cancel(&h->timer);
	unpin();
	/* Objects the timer took from the mcentral: it found the mcache busy. */
	for_each_possible_cpu(cpu)
		direct += per_cpu_ptr(gospan_mstats, cpu)->class[h->cache->spanclass].mallocs;
	kunit_info(test, "%u task rounds, %d timer callbacks, %lu objects allocated while the task held the mcache",
		   rounds, atomic_read(&h->fired), direct);
	KUNIT_EXPECT_GE(test, atomic_read(&h->fired), 50);
	KUNIT_EXPECT_EQ(test, atomic_read(&h->bad), 0);
	gospan_cache_destroy(h->cache);
}

/*
 * What an interrupt that arrives inside the fast path does, deterministic:
 * with this CPU's mcache held, allocations come from the mcentral and
 * frees set freed bits, double frees are still caught, and nothing is
 * handed out twice.
 */
static void busy_mcache_goes_direct(struct kunit *test)
{
	struct gospan_cache *c = gospan_cache_create("busy", 64, 0, 0, NULL);
	const unsigned int n = 100;
	void **objs = kunit_kcalloc(test, n + 1, sizeof(void *), GFP_KERNEL);
	void **sorted = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	unsigned long before = 0, after = 0;
	struct gospan_mcache *mc;
	unsigned int i, cpu;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_NOT_NULL(test, sorted);
	pin(test, 0);
	objs[n] = gospan_cache_alloc(c, GFP_KERNEL);	/* CPU 0 holds a span now */
	KUNIT_ASSERT_NOT_NULL(test, objs[n]);
	for_each_possible_cpu(cpu)
		before += per_cpu_ptr(gospan_mstats, cpu)->class[c->spanclass].mallocs;
	mc = gospan_mcache_lock_slow();
	KUNIT_ASSERT_NOT_NULL(test, mc);
	for (i = 0; i < n; i++) {
		objs[i] = gospan_cache_alloc(c, GFP_ATOMIC);
		if (objs[i])
			memset(objs[i], i, 64);
	}
	for (i = 0; i < n; i += 2)
		gospan_cache_free(c, objs[i]);
	gospan_cache_free(c, objs[0]);		/* a double free, caught at once */
	gospan_cache_free(c, objs[n]);		/* the held span's: a freed bit */
	gospan_mcache_unlock_slow(mc);
	gospan_expect_reports(test, 1);
	for_each_possible_cpu(cpu)
		after += per_cpu_ptr(gospan_mstats, cpu)->class[c->spanclass].mallocs;
	KUNIT_EXPECT_EQ(test, after - before, (unsigned long)n);
	/* Handed out once each, and the live ones kept their contents. */
	memcpy(sorted, objs, n * sizeof(void *));
	sort(sorted, n, sizeof(void *), cmp_ptr, NULL);
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_NOT_NULL(test, sorted[i]);
		if (i)
			KUNIT_EXPECT_PTR_NE(test, sorted[i], sorted[i - 1]);
	}
	for (i = 1; i < n; i += 2) {
		KUNIT_EXPECT_FALSE(test, memchr_inv(objs[i], i, 64));
		gospan_cache_free(c, objs[i]);
	}
	unpin();
	gospan_cache_destroy(c);
}

/* Windows over a span's last word, which holds fewer than 64 objects. */
static void window_last_word(struct kunit *test)
{
	/* 24-byte objects, a class of their own: 341 in a page, 21 in word 5. */
	struct gospan_cache *c = gospan_cache_create("lastword", 24, 0, 0, ctor_nop);
	unsigned int i, n, per_span, in_first = 0;
	struct gospan_mspan *first;
	void **objs;

	KUNIT_ASSERT_NOT_NULL(test, c);
	per_span = gospan_centrals[c->spanclass]->nelems;
	KUNIT_ASSERT_EQ(test, per_span, 341U);
	n = 2 * per_span + 5;
	objs = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	pin(test, 2);
	for (i = 0; i < n; i++) {
		objs[i] = gospan_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		memset(objs[i], i & 0xff, 24);
	}
	first = gospan_span_of(objs[0]);
	KUNIT_ASSERT_NOT_NULL(test, first);
	for (i = 0; i < n; i++) {
		struct gospan_mspan *s = gospan_span_of(objs[i]);
		unsigned long off = (unsigned long)objs[i] - s->base;

		KUNIT_EXPECT_EQ(test, off % 24, 0UL);
		KUNIT_EXPECT_LT(test, off / 24, (unsigned long)per_span);
		KUNIT_EXPECT_FALSE(test, memchr_inv(objs[i], i & 0xff, 24));
		in_first += s == first;
	}
	/* The whole span, its last word included, before another. */
	KUNIT_EXPECT_EQ(test, in_first, per_span);
	for (i = 0; i < n; i++)
		gospan_cache_free(c, objs[n - 1 - i]);
	/* Again, after the frees went back into windows and freed bits. */
	for (i = 0; i < n; i++) {
		objs[i] = gospan_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	sort(objs, n, sizeof(void *), cmp_ptr, NULL);
	for (i = 1; i < n; i++)
		KUNIT_EXPECT_PTR_NE(test, objs[i], objs[i - 1]);
	for (i = 0; i < n; i++)
		gospan_cache_free(c, objs[i]);
	unpin();
	gospan_cache_destroy(c);
}

/*
 * Spans a CPU keeps (its mcentral's nkept_max beside the one it allocates
 * from): 1 KiB objects, 8 to a span, as many as they hold. Freed on the
 * same CPU, every object is free again in place, with no freed bit; the
 * spans stay with the CPU, and the next batch is the same objects with no
 * new span. A double free there is refused on the same CPU and on
 * another; a free from another CPU comes back through the owner's fold;
 * and a shrink gives every kept span back.
 */
static void kept_spans(struct kunit *test)
{
	struct gospan_cache *c = gospan_cache_create("kept", 1024, 0, 0, ctor_nop);
	struct gospan_mcentral *central;
	struct gospan_mcache_class *rec;
	unsigned int i, n, kept;
	unsigned long nspans;
	void **objs, **again;
	u64 frees;

	KUNIT_ASSERT_NOT_NULL(test, c);
	central = gospan_centrals[c->spanclass];
	KUNIT_ASSERT_EQ(test, central->nelems, 8U);
	KUNIT_ASSERT_GE(test, central->nkept_max, 2U);
	n = (central->nkept_max + 1) * central->nelems;
	objs = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	again = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_NOT_NULL(test, again);
	pin(test, 0);
	rec = &gospan_mcache_of(0)->cls[c->spanclass];
	for (i = 0; i < n; i++) {
		objs[i] = gospan_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	nspans = READ_ONCE(central->nspans);
	/* The spans filled, and the ones grown with them, on the empty list. */
	KUNIT_EXPECT_EQ(test, nspans - central->nempty, (unsigned long)central->nkept_max + 1);
	KUNIT_EXPECT_EQ(test, rec->nkept, central->nkept_max);
	frees = frees_now();
	for (i = 0; i < n; i++)
		gospan_cache_free(c, objs[n - 1 - i]);
	KUNIT_EXPECT_EQ(test, frees_now() - frees, (u64)n);
	for (i = 0, kept = 0; i < n; i++) {
		struct gospan_mspan *s = gospan_span_of(objs[i]);

		KUNIT_EXPECT_EQ(test, READ_ONCE(s->cpu), 0);
		KUNIT_EXPECT_EQ(test, atomic_read(&s->nfreed), 0);
		kept += s != gospan_mcache_span(rec) && !(i % central->nelems);
	}
	KUNIT_EXPECT_EQ(test, kept, central->nkept_max);

	/* Freed again, on CPU 0 and on CPU 1: refused, and counted once. */
	gospan_cache_free(c, objs[0]);
	gospan_free(objs[1]);
	pin(test, 1);
	gospan_cache_free(c, objs[2]);
	gospan_expect_reports(test, 3);
	KUNIT_EXPECT_EQ(test, frees_now() - frees, (u64)n);

	/* The same objects again, from the same spans: no span added. */
	pin(test, 0);
	for (i = 0; i < n; i++) {
		again[i] = gospan_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, again[i]);
	}
	KUNIT_EXPECT_EQ(test, READ_ONCE(central->nspans), nspans);
	sort(objs, n, sizeof(void *), cmp_ptr, NULL);
	sort(again, n, sizeof(void *), cmp_ptr, NULL);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_PTR_EQ(test, objs[i], again[i]);

	/* Freed from CPU 1: freed bits, folded back by CPU 0, then a double free. */
	pin(test, 1);
	for (i = 0; i < n; i++)
		gospan_cache_free(c, again[i]);
	pin(test, 0);
	for (i = 0; i < n; i++) {
		again[i] = gospan_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, again[i]);
	}
	KUNIT_EXPECT_EQ(test, READ_ONCE(central->nspans), nspans);
	pin(test, 1);
	gospan_cache_free(c, again[0]);
	pin(test, 0);
	gospan_cache_free(c, again[0]);
	gospan_expect_reports(test, 4);
	for (i = 1; i < n; i++)
		gospan_cache_free(c, again[i]);
	unpin();
	KUNIT_EXPECT_EQ(test, gospan_cache_live(c), 0L);
	/* A shrink takes them all back, kept spans too. */
	KUNIT_EXPECT_EQ(test, gospan_cache_shrink(c), 0);
	KUNIT_EXPECT_EQ(test, rec->nkept, 0U);
	gospan_cache_destroy(c);
}

/*
 * Spans that stay full make way: a CPU that filled nkept_max + 1 spans
 * with objects that live on, then as many with objects it frees at once,
 * keeps the later ones, and frees their objects in place (no freed bit).
 */
static void kept_spans_make_way(struct kunit *test)
{
	struct gospan_cache *c = gospan_cache_create("kept-way", 1024, 0, 0, ctor_nop);
	struct gospan_mcentral *central;
	void **old, **new;
	unsigned int i, n;

	KUNIT_ASSERT_NOT_NULL(test, c);
	central = gospan_centrals[c->spanclass];
	n = (central->nkept_max + 1) * central->nelems;
	old = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	new = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, old);
	KUNIT_ASSERT_NOT_NULL(test, new);
	pin(test, 0);
	for (i = 0; i < n; i++) {
		old[i] = gospan_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, old[i]);
	}
	for (i = 0; i < n; i++) {
		new[i] = gospan_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, new[i]);
	}
	for (i = 0; i < n; i++)
		gospan_cache_free(c, new[i]);
	for (i = 0; i < n; i++) {
		struct gospan_mspan *s = gospan_span_of(new[i]);

		KUNIT_EXPECT_EQ(test, READ_ONCE(s->cpu), 0);
		KUNIT_EXPECT_EQ(test, atomic_read(&s->nfreed), 0);
	}
	for (i = 0; i < n; i++)
		gospan_cache_free(c, old[i]);
	unpin();
	KUNIT_EXPECT_EQ(test, gospan_cache_live(c), 0L);
	gospan_cache_destroy(c);
}

/*
 * A consumer on CPU 1 frees what the producer allocates, while the
 * producer hops between CPUs 0, 2 and 3 and drains now and then: spans
 * move between mcaches and the mcentral while remote frees land.
 */
#define HOP_RING 128

struct hop {
	void *ring[HOP_RING];
	atomic_t head, tail;
	struct gospan_cache *cache;
	bool stop;
	unsigned long bad, freed;
	struct completion exited;
};

static int hop_consumer(void *arg)
{
	struct hop *h = arg;

	for (;;) {
		int tail = atomic_read(&h->tail);

		if (tail == atomic_read(&h->head)) {
			if (READ_ONCE(h->stop))
				break;
			cond_resched();
			continue;
		}
		smp_rmb();	/* the slot after head */
		{
			u8 *p = h->ring[tail % HOP_RING];

			if (memchr_inv(p + 1, p[0], 63))
				h->bad++;
			gospan_cache_free(h->cache, p);
			h->freed++;
		}
		atomic_set_release(&h->tail, tail + 1);
	}
	complete(&h->exited);
	return 0;
}

static void spans_move_between_cpus(struct kunit *test)
{
	static const unsigned int cpus[] = { 0, 2, 3 };
	struct hop *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	const unsigned int n = 20000;
	struct task_struct *t;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, h);
	h->cache = gospan_cache_create("hop", 64, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, h->cache);
	init_completion(&h->exited);
	t = kthread_create(hop_consumer, h, "gospan-hop");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	kthread_bind(t, 1);
	wake_up_process(t);
	for (i = 0; i < n; i++) {
		int head = atomic_read(&h->head);
		u8 *p;

		if (!(i % 500))
			pin(test, cpus[(i / 500) % ARRAY_SIZE(cpus)]);
		if (!(i % 3000))
			gospan_mcache_drain_all(h->cache->spanclass);
		while (head - atomic_read_acquire(&h->tail) >= HOP_RING)
			cond_resched();
		p = gospan_cache_alloc(h->cache, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		memset(p, i & 0xff, 64);
		h->ring[head % HOP_RING] = p;
		smp_wmb();	/* the slot before head */
		atomic_set(&h->head, head + 1);
	}
	WRITE_ONCE(h->stop, true);
	wait_for_completion(&h->exited);
	unpin();
	KUNIT_EXPECT_EQ(test, h->freed, (unsigned long)n);
	KUNIT_EXPECT_EQ(test, h->bad, 0UL);
	gospan_cache_destroy(h->cache);
}

/*
 * Booted with init_on_alloc=1 init_on_free=1 (make test does, for this
 * case alone): every object comes zeroed and is zeroed when freed, as
 * SLUB's are, through the window, in place and as a freed bit; a class
 * with a constructor keeps its objects constructed. Skipped otherwise.
 */
static int ctor_seen;

static void ctor_mark(void *obj)
{
	memset(obj, 0x3c, 96);
	ctor_seen++;
}

static void init_on_alloc_free(struct kunit *test)
{
	static const unsigned int sizes[] = { 8, 64, 96, 1024, 4096, 32768 };
	struct gospan_cache *ctor;
	unsigned int i, k;
	u8 *p, *q;

	if (!want_init_on_alloc(GFP_KERNEL) || !want_init_on_free())
		kunit_skip(test, "boot with init_on_alloc=1 init_on_free=1");
	pin(test, 0);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t size = sizes[i];

		for (k = 0; k < 3; k++) {
			p = gospan_alloc(size, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, p);
			KUNIT_EXPECT_FALSE_MSG(test, memchr_inv(p, 0, size), "size %zu", size);
			memset(p, 0xa5, size);
			if (k == 1)
				pin(test, 1);	/* this one is freed from another CPU */
			gospan_free(p);
			/* gospan never poisons: the freed object can be looked at. */
			KUNIT_EXPECT_FALSE_MSG(test, memchr_inv(p, 0, size),
					       "size %zu not zeroed when freed", size);
			pin(test, 0);
		}
	}
	ctor = gospan_cache_create("init-ctor", 96, 0, 0, ctor_mark);
	KUNIT_ASSERT_NOT_NULL(test, ctor);
	p = gospan_cache_alloc(ctor, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_FALSE(test, memchr_inv(p, 0x3c, 96));
	gospan_cache_free(ctor, p);
	KUNIT_EXPECT_FALSE(test, memchr_inv(p, 0x3c, 96));
	q = gospan_cache_alloc(ctor, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_FALSE(test, memchr_inv(q, 0x3c, 96));
	gospan_cache_free(ctor, q);
	gospan_cache_destroy(ctor);

	/*
	 * TYPESAFE_BY_RCU: a reader may still look at a freed object, so
	 * neither hook zeroes it (as SLUB); __GFP_ZERO still does.
	 */
	ctor = gospan_cache_create("init-typesafe", 96, 0, GOSPAN_TYPESAFE_BY_RCU, NULL);
	KUNIT_ASSERT_NOT_NULL(test, ctor);
	p = gospan_cache_alloc(ctor, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x77, 96);
	gospan_cache_free(ctor, p);
	KUNIT_EXPECT_FALSE(test, memchr_inv(p, 0x77, 96));
	q = gospan_cache_alloc(ctor, GFP_KERNEL);
	KUNIT_ASSERT_PTR_EQ(test, q, p);	/* the window hands it out again */
	KUNIT_EXPECT_FALSE(test, memchr_inv(q, 0x77, 96));
	gospan_cache_free(ctor, q);
	q = gospan_cache_alloc(ctor, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_FALSE(test, memchr_inv(q, 0, 96));
	gospan_cache_free(ctor, q);
	gospan_cache_destroy(ctor);
	unpin();
}

/*
 * Bulk allocation and free of every size class, and of tiny objects; with
 * __GFP_ZERO, every object comes zeroed.
 */
static void bulk_every_class(struct kunit *test)
{
	const unsigned int n = 300;
	void **objs = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	unsigned int cls, i;

	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (cls = 0; cls < GOSPAN_NUM_SIZE_CLASSES; cls++) {
		unsigned int size = cls ? gospan_class_to_size[cls] : 7;
		struct gospan_cache *c = gospan_cache_create("bulk", size, 0,
							     cls ? 0 : GOSPAN_TINY, NULL);
		unsigned int nr = min(n, cls ? 3 * (gospan_class_span_bytes(cls) / size) + 1 : n);

		KUNIT_ASSERT_NOT_NULL(test, c);
		KUNIT_ASSERT_EQ_MSG(test, gospan_cache_alloc_bulk(c, GFP_KERNEL, nr, objs),
				    (int)nr, "size %u", size);
		for (i = 0; i < nr; i++)
			memset(objs[i], i & 0xff, size);
		for (i = 0; i < nr; i++)
			KUNIT_EXPECT_FALSE_MSG(test, memchr_inv(objs[i], i & 0xff, size),
					       "size %u object %u", size, i);
		sort(objs, nr, sizeof(void *), cmp_ptr, NULL);
		for (i = 1; i < nr; i++)
			KUNIT_EXPECT_GE_MSG(test, (char *)objs[i] - (char *)objs[i - 1],
					    (long)size, "size %u", size);
		gospan_cache_free_bulk(c, nr, objs);
		/* __GFP_ZERO: every object zeroed, the ones just dirtied too. */
		KUNIT_ASSERT_EQ_MSG(test,
				    gospan_cache_alloc_bulk(c, GFP_KERNEL | __GFP_ZERO, nr, objs),
				    (int)nr, "size %u", size);
		for (i = 0; i < nr; i++)
			KUNIT_EXPECT_FALSE_MSG(test, memchr_inv(objs[i], 0, size),
					       "size %u object %u not zeroed", size, i);
		gospan_cache_free_bulk(c, nr, objs);
		gospan_cache_destroy(c);
	}
}

/*
 * Bulk free of spans this CPU does not hold: runs of one span go with one
 * atomic OR a word; a NULL is skipped, a pointer twice in the array is a
 * double free, reported once, and the counts stay exact.
 */
static void bulk_free_runs(struct kunit *test)
{
	struct gospan_cache *c = gospan_cache_create("runs", 128, 0, 0, NULL);
	const unsigned int n = 300;
	void **objs = kunit_kcalloc(test, n + 2, sizeof(void *), GFP_KERNEL);
	u64 frees;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_EQ(test, gospan_cache_alloc_bulk(c, GFP_KERNEL, n, objs), (int)n);
	for (i = 0; i < n; i++)
		memset(objs[i], 0x77, 128);
	gospan_mcache_drain_all(c->spanclass);	/* no CPU holds their spans */
	objs[n] = objs[n / 2];			/* freed twice */
	objs[n + 1] = NULL;
	frees = frees_now();
	gospan_cache_free_bulk(c, n + 2, objs);
	gospan_expect_reports(test, 1);
	KUNIT_EXPECT_EQ(test, frees_now() - frees, (u64)n);
	/* All of them free: a new batch of as many fits in the same pages. */
	KUNIT_ASSERT_EQ(test, gospan_cache_alloc_bulk(c, GFP_KERNEL, n, objs), (int)n);
	gospan_cache_free_bulk(c, n, objs);
	gospan_cache_destroy(c);
}

static struct kunit_case gospan_mcache_cases[] = {
	KUNIT_CASE(double_free_local),
	KUNIT_CASE(double_free_window_then_remote),
	KUNIT_CASE(double_free_remote_then_local),
	KUNIT_CASE_SLOW(double_free_both_at_once),
	KUNIT_CASE_SLOW(irq_inside_fast_path),
	KUNIT_CASE(busy_mcache_goes_direct),
	KUNIT_CASE(window_last_word),
	KUNIT_CASE(kept_spans),
	KUNIT_CASE(kept_spans_make_way),
	KUNIT_CASE_SLOW(spans_move_between_cpus),
	KUNIT_CASE_SLOW(bulk_every_class),
	KUNIT_CASE(bulk_free_runs),
	KUNIT_CASE(init_on_alloc_free),
	{}
};

static struct kunit_suite gospan_mcache_suite = {
	.name = "gospan_mcache",
	.init = gospan_test_init,
	.exit = gospan_test_exit,
	.test_cases = gospan_mcache_cases,
};

kunit_test_suite(gospan_mcache_suite);
