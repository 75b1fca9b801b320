// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the rest of the kmalloc/kmem_cache contract (gospan.h),
 * each against what the kernel's function promises:
 *
 *  - gospan_realloc() as krealloc(): NULL and ZERO_SIZE_PTR, size 0, in
 *    place when the object holds the new size (and has its alignment),
 *    moved otherwise with its contents, __GFP_ZERO on what becomes usable,
 *    the old object untouched on failure, bad pointers refused;
 *  - gospan_alloc_array() and gospan_calloc() fail on overflow;
 *  - gospan_free_sensitive() zeroes the whole usable size, and never an
 *    object that is not allocated;
 *  - gospan_free_rcu(): nothing is freed before a grace period, frees are
 *    batched, an object freed already is refused, and gospan_rcu_barrier()
 *    and cache destroy lose none, and the barrier returns while others keep
 *    queueing;
 *  - GOSPAN_TYPESAFE_BY_RCU: a freed object's memory stays an object of
 *    its cache while a reader is inside rcu_read_lock(), and leaves after;
 *  - an allocation in NMI context gets NULL and touches nothing.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "gospan.h"
#include "gospan_kunit.h"
#include "internal.h"
#include "mcache.h"
#include "mcentral.h"
#include "msize.h"

static bool all_bytes(const void *p, u8 v, size_t n)
{
	return !memchr_inv(p, v, n);
}

static void realloc_null_and_zero(struct kunit *test)
{
	void *p = gospan_realloc(NULL, 100, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_GE(test, gospan_size(p), (size_t)100);
	/* A size of 0 frees, and says so with ZERO_SIZE_PTR. */
	KUNIT_EXPECT_PTR_EQ(test, gospan_realloc(p, 0, GFP_KERNEL), ZERO_SIZE_PTR);
	p = gospan_realloc(ZERO_SIZE_PTR, 40, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_FALSE(test, ZERO_OR_NULL_PTR(p));
	gospan_free(p);
	KUNIT_EXPECT_PTR_EQ(test, gospan_realloc(NULL, 0, GFP_KERNEL), ZERO_SIZE_PTR);
}

static void realloc_in_place_and_moved(struct kunit *test)
{
	u8 *p = gospan_alloc(100, GFP_KERNEL), *q;
	size_t ks;

	KUNIT_ASSERT_NOT_NULL(test, p);
	ks = gospan_size(p);
	memset(p, 0xa5, 100);
	/*
	 * Shrinking and growing inside the usable size keep the object (with
	 * init_on_alloc, as krealloc(), the shrink zeroes what lies past 60).
	 */
	KUNIT_EXPECT_PTR_EQ(test, gospan_realloc(p, 60, GFP_KERNEL), (void *)p);
	KUNIT_EXPECT_PTR_EQ(test, gospan_realloc(p, ks, GFP_KERNEL), (void *)p);
	KUNIT_EXPECT_TRUE(test, all_bytes(p, 0xa5, 60));
	/* __GFP_ZERO zeroes what lies past the new size. */
	memset(p, 0xa5, ks);
	KUNIT_EXPECT_PTR_EQ(test, gospan_realloc(p, 50, GFP_KERNEL | __GFP_ZERO), (void *)p);
	KUNIT_EXPECT_TRUE(test, all_bytes(p, 0xa5, 50));
	KUNIT_EXPECT_TRUE(test, all_bytes(p + 50, 0, ks - 50));
	/* Growing past it moves the contents; __GFP_ZERO zeroes the new tail. */
	memset(p, 0x3c, ks);
	q = gospan_realloc(p, 5000, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_NE(test, (void *)q, (void *)p);
	KUNIT_EXPECT_TRUE(test, all_bytes(q, 0x3c, ks));
	KUNIT_EXPECT_TRUE(test, all_bytes(q + ks, 0, 5000 - ks));
	/* The old object was freed: freeing it again is a double free. */
	gospan_free(p);
	gospan_expect_reports(test, 1);
	/* A large object grows inside its pages, and moves past them. */
	p = gospan_realloc(q, 40000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, all_bytes(p, 0x3c, ks));
	ks = gospan_size(p);
	KUNIT_EXPECT_EQ(test, ks, (size_t)ALIGN(40000, GOSPAN_PAGE_SIZE));
	KUNIT_EXPECT_PTR_EQ(test, gospan_realloc(p, ks, GFP_KERNEL), (void *)p);
	q = gospan_realloc(p, ks + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_NE(test, (void *)q, (void *)p);
	KUNIT_EXPECT_TRUE(test, all_bytes(q, 0x3c, 100));
	gospan_free(q);
}

/*
 * kmalloc(32) is aligned to 32 bytes: a 48-byte object that shrinks to 32
 * bytes may stay only where that holds (krealloc() would not check).
 */
static void realloc_keeps_alignment(struct kunit *test)
{
	void *objs[16], *q;
	unsigned int i, moved = 0;

	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = gospan_alloc(48, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		q = gospan_realloc(objs[i], 32, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, q);
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)q, 32));
		moved += q != objs[i];
		objs[i] = q;
	}
	/* Objects at 48-byte steps: every other one is 32-byte aligned. */
	KUNIT_EXPECT_GT(test, moved, 0U);
	KUNIT_EXPECT_LT(test, moved, (unsigned int)ARRAY_SIZE(objs));
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		gospan_free(objs[i]);
}

static void realloc_failure_and_bad_pointers(struct kunit *test)
{
	u8 *p = gospan_alloc(64, GFP_KERNEL), *k = kmalloc(64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, k);
	memset(p, 0x77, 64);
	/* Over the limit: NULL, reported, and the old object is untouched. */
	KUNIT_EXPECT_NULL(test, gospan_realloc(p, GOSPAN_MAX_SIZE + 1, GFP_KERNEL));
	KUNIT_EXPECT_TRUE(test, all_bytes(p, 0x77, 64));
	/* A pointer inside an object, and one gospan does not own. */
	KUNIT_EXPECT_NULL(test, gospan_realloc(p + 8, 128, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, gospan_realloc(k, 128, GFP_KERNEL));
	gospan_free(p);
	/* A freed object is not resized: it may be someone else's. */
	KUNIT_EXPECT_NULL(test, gospan_realloc(p, 128, GFP_KERNEL));
	gospan_expect_reports(test, 4);
	kfree(k);
}

static void array_overflow(struct kunit *test)
{
	u8 *p;

	KUNIT_EXPECT_NULL(test, gospan_alloc_array(SIZE_MAX / 2, 3, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, gospan_calloc(3, SIZE_MAX / 2, GFP_KERNEL));
	gospan_expect_reports(test, 2);
	p = gospan_alloc_array(10, 100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_GE(test, gospan_size(p), (size_t)1000);
	memset(p, 0xff, 1000);
	gospan_free(p);
	/* Whatever object it gets (perhaps that one again), it is zeroed. */
	p = gospan_calloc(10, 100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, all_bytes(p, 0, 1000));
	gospan_free(p);
	KUNIT_EXPECT_PTR_EQ(test, gospan_calloc(0, 8, GFP_KERNEL), ZERO_SIZE_PTR);
}

/*
 * A cache of a class of its own (GOSPAN_TYPESAFE_BY_RCU gives one), so that
 * nothing else reuses a freed object while the case looks at it.
 */
static void free_sensitive(struct kunit *test)
{
	struct gospan_cache *c = gospan_cache_create("sensitive", 200, 0,
						     GOSPAN_TYPESAFE_BY_RCU, NULL);
	u8 *a, *b;
	size_t ks;

	KUNIT_ASSERT_NOT_NULL(test, c);
	a = gospan_cache_alloc(c, GFP_KERNEL);
	b = gospan_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, a && b);
	ks = gospan_size(a);
	KUNIT_EXPECT_GE(test, ks, (size_t)200);
	memset(a, 0xaa, ks);
	memset(b, 0xbb, ks);
	/* The whole usable size is zeroed, not only what was asked for. */
	gospan_free_sensitive(a);
	KUNIT_EXPECT_TRUE(test, all_bytes(a, 0, ks));
	KUNIT_EXPECT_EQ(test, gospan_cache_live(c), 1L);
	/* A double free is refused before anything is zeroed. */
	gospan_cache_free(c, b);
	gospan_free_sensitive(b);
	gospan_expect_reports(test, 1);
	KUNIT_EXPECT_TRUE(test, want_init_on_free() || all_bytes(b, 0xbb, ks));
	KUNIT_EXPECT_EQ(test, gospan_cache_live(c), 0L);
	gospan_free_sensitive(NULL);
	gospan_free_sensitive(ZERO_SIZE_PTR);
	/* A large object: its pages are zeroed and given back. */
	a = gospan_alloc(100000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	memset(a, 0xaa, 100000);
	gospan_free_sensitive(a);
	gospan_cache_destroy(c);
}

struct rcu_obj {
	unsigned long payload[4];
	struct rcu_head rcu;
	unsigned long tail;
};

static void ctor_nop(void *obj)
{
}

/* Nothing is freed before a grace period; frees are batched per CPU. */
static void free_rcu_batched(struct kunit *test)
{
	struct gospan_cache *c = gospan_cache_create("free_rcu", sizeof(struct rcu_obj), 0, 0,
						     ctor_nop);
	const unsigned int n = 3000;
	struct rcu_obj **objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	unsigned long batches, flags;
	struct rcu_obj *k;
	unsigned int i;

	KUNIT_ASSERT_TRUE(test, c && objs);
	for (i = 0; i < n; i++) {
		objs[i] = gospan_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	gospan_rcu_barrier();
	batches = gospan_rcufree_batches();
	rcu_read_lock();
	for (i = 0; i < n; i++) {
		if (i % 2) {
			gospan_free_rcu(objs[i], rcu);
			continue;
		}
		/* Any context: interrupts off too. */
		local_irq_save(flags);
		gospan_free_rcu(objs[i], rcu);
		local_irq_restore(flags);
	}
	k = NULL;
	gospan_free_rcu(k, rcu);	/* a no-op */
	/*
	 * Batches start within GOSPAN_RCU_DELAY (20 ms): wait for longer. The
	 * grace period cannot end while this reader is inside.
	 */
	mdelay(60);
	KUNIT_EXPECT_EQ(test, gospan_cache_live(c), (long)n);
	rcu_read_unlock();
	gospan_rcu_barrier();
	KUNIT_EXPECT_EQ(test, gospan_cache_live(c), 0L);
	/* A few batches (each 1024 objects start one), not one per object. */
	KUNIT_EXPECT_GE(test, gospan_rcufree_batches() - batches, 1UL);
	KUNIT_EXPECT_LE(test, gospan_rcufree_batches() - batches, 2UL * num_possible_cpus() + 4);

	/* An object freed already: reported at once, nothing queued. */
	k = gospan_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, k);
	gospan_cache_free(c, k);
	gospan_free_rcu(k, rcu);
	gospan_expect_reports(test, 1);

	/* gospan_alloc() objects, and a cache destroyed right after. */
	for (i = 0; i < 100; i++) {
		objs[i] = gospan_alloc(sizeof(struct rcu_obj), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		gospan_free_rcu(objs[i], rcu);
	}
	for (i = 0; i < 100; i++) {
		objs[i] = gospan_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		gospan_free_rcu(objs[i], rcu);
	}
	/* No live object at destroy: it waited for them. */
	gospan_cache_destroy(c);
	gospan_rcu_barrier();
}

struct rcu_flood {
	struct gospan_cache *cache;
	bool stop;
	unsigned long queued;
};

/* Queue objects through gospan_free_rcu() as fast as they come. */
static int rcu_flood_fn(void *arg)
{
	struct rcu_flood *fl = arg;
	struct rcu_obj *o;

	while (!READ_ONCE(fl->stop)) {
		o = gospan_cache_alloc(fl->cache, GFP_KERNEL);
		if (o) {
			gospan_free_rcu(o, rcu);
			fl->queued++;
		}
		if (!(fl->queued % 32))
			cond_resched();
	}
	return 0;
}

/*
 * gospan_rcu_barrier() while other CPUs keep queueing: it waits for what
 * was queued before it, and returns although the queues never empty.
 */
static void rcu_barrier_under_load(struct kunit *test)
{
	struct gospan_cache *mine = gospan_cache_create("rcu_mine", sizeof(struct rcu_obj), 0, 0,
							ctor_nop);
	struct rcu_flood fl = {
		.cache = gospan_cache_create("rcu_flood", sizeof(struct rcu_obj), 0, 0, ctor_nop),
	};
	struct task_struct *t[2];
	unsigned long start;
	struct rcu_obj *o;
	unsigned int i;

	KUNIT_ASSERT_TRUE(test, mine && fl.cache);
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		t[i] = kthread_run(rcu_flood_fn, &fl, "gospan_rcuflood%u", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t[i]));
		get_task_struct(t[i]);
	}
	msleep(50);
	for (i = 0; i < 500; i++) {
		o = gospan_cache_alloc(mine, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, o);
		gospan_free_rcu(o, rcu);
	}
	start = jiffies;
	gospan_rcu_barrier();
	kunit_info(test, "barrier: %u ms under a flood of %lu objects",
		   jiffies_to_msecs(jiffies - start), READ_ONCE(fl.queued));
	KUNIT_EXPECT_EQ(test, gospan_cache_live(mine), 0L);
	KUNIT_EXPECT_LT(test, jiffies - start, 30UL * HZ);
	WRITE_ONCE(fl.stop, true);
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		kthread_stop(t[i]);
		put_task_struct(t[i]);
	}
	gospan_cache_destroy(mine);
	gospan_cache_destroy(fl.cache);
}

#define TYPESAFE_MAGIC	0x7e57a11eU

struct typesafe_obj {
	u32 magic;	/* set by the constructor, never changed */
	u32 gen;
	u8 pad[248];
};

static void typesafe_ctor(void *obj)
{
	((struct typesafe_obj *)obj)->magic = TYPESAFE_MAGIC;
}

struct typesafe_reader {
	struct typesafe_obj *obj;
	unsigned int spanclass;
	struct completion inside;
	bool done;
	unsigned long reads;
	unsigned long broken;
};

/* Inside one read-side section, look at a freed object until told to stop. */
static int typesafe_read(void *arg)
{
	struct typesafe_reader *r = arg;
	struct gospan_mspan *s;

	rcu_read_lock();
	complete(&r->inside);
	while (!READ_ONCE(r->done)) {
		s = gospan_span_of(r->obj);
		if (!s || s->spanclass != r->spanclass ||
		    READ_ONCE(r->obj->magic) != TYPESAFE_MAGIC)
			r->broken++;
		r->reads++;
		cpu_relax();
	}
	rcu_read_unlock();
	return 0;
}

/*
 * Every object freed and the cache shrunk while a reader holds a pointer:
 * the span stays the cache's, and other allocations do not get its pages,
 * until the reader leaves its read-side section. Without the flag the
 * span leaves at once: the case can tell the difference.
 */
static void typesafe_by_rcu_reader(struct kunit *test)
{
	struct gospan_cache *c = gospan_cache_create("typesafe", sizeof(struct typesafe_obj), 0,
						     GOSPAN_TYPESAFE_BY_RCU, typesafe_ctor);
	struct gospan_cache *plain = gospan_cache_create("not_typesafe",
							 sizeof(struct typesafe_obj), 0, 0,
							 typesafe_ctor);
	void **objs = kunit_kcalloc(test, 64, sizeof(void *), GFP_KERNEL);
	void **other = kunit_kcalloc(test, 256, sizeof(void *), GFP_KERNEL);
	struct typesafe_reader r = { .done = false };
	struct task_struct *t;
	unsigned int i;

	KUNIT_ASSERT_TRUE(test, c && plain && objs && other);
	KUNIT_EXPECT_NE(test, c->spanclass, plain->spanclass);
	KUNIT_EXPECT_GE(test, c->spanclass, (unsigned int)GOSPAN_FIRST_PRIVATE_SPANCLASS);

	/* The control: without the flag the span leaves the cache at once. */
	for (i = 0; i < 64; i++)
		objs[i] = gospan_cache_alloc(plain, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs[0]);
	r.obj = objs[0];
	for (i = 0; i < 64; i++)
		gospan_cache_free(plain, objs[i]);
	gospan_cache_shrink(plain);
	rcu_read_lock();
	KUNIT_EXPECT_TRUE(test, !gospan_span_of(r.obj) ||
			  gospan_span_of(r.obj)->spanclass != plain->spanclass);
	rcu_read_unlock();

	for (i = 0; i < 64; i++) {
		objs[i] = gospan_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	r.obj = objs[0];
	r.spanclass = c->spanclass;
	init_completion(&r.inside);
	t = kthread_run(typesafe_read, &r, "gospan_typesafe");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);
	wait_for_completion(&r.inside);
	for (i = 0; i < 64; i++)
		gospan_cache_free(c, objs[i]);
	KUNIT_EXPECT_EQ(test, gospan_cache_shrink(c), 0);
	/* Pages the span gave up would be these objects' first choice. */
	for (i = 0; i < 256; i++) {
		other[i] = gospan_alloc(sizeof(struct typesafe_obj), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, other[i]);
		memset(other[i], 0xee, sizeof(struct typesafe_obj));
	}
	msleep(20);
	WRITE_ONCE(r.done, true);
	kthread_stop(t);
	put_task_struct(t);
	KUNIT_EXPECT_GT(test, r.reads, 0UL);
	KUNIT_EXPECT_EQ(test, r.broken, 0UL);
	/* Two grace periods later the span has gone back to the heap. */
	gospan_mheap_rcu_barrier();
	rcu_read_lock();
	KUNIT_EXPECT_TRUE(test, !gospan_span_of(r.obj) ||
			  gospan_span_of(r.obj)->spanclass != c->spanclass);
	rcu_read_unlock();
	for (i = 0; i < 256; i++)
		gospan_free(other[i]);
	gospan_cache_destroy(c);
	gospan_cache_destroy(plain);
}

#define TS_SLOTS	64

struct typesafe_stress {
	struct gospan_cache *cache;
	struct typesafe_obj *slot[TS_SLOTS];
	bool stop;
	unsigned long reads, broken, cycles, scribbles;
};

/* Write over whatever memory other classes get: freed pages, if any. */
static int typesafe_scribble(void *arg)
{
	struct typesafe_stress *st = arg;
	void *p[32];
	unsigned int i;

	while (!READ_ONCE(st->stop)) {
		for (i = 0; i < ARRAY_SIZE(p); i++) {
			p[i] = gospan_alloc(sizeof(struct typesafe_obj), GFP_KERNEL);
			if (p[i])
				memset(p[i], 0xee, sizeof(struct typesafe_obj));
		}
		for (i = 0; i < ARRAY_SIZE(p); i++)
			gospan_free(p[i]);
		st->scribbles++;
		cond_resched();
	}
	return 0;
}

/* Allocate into random slots, freeing what was there. */
static int typesafe_churn(void *arg)
{
	struct typesafe_stress *st = arg;
	struct typesafe_obj *o, *old;
	unsigned int k;

	while (!READ_ONCE(st->stop)) {
		k = get_random_u32_below(TS_SLOTS);
		o = gospan_cache_alloc(st->cache, GFP_KERNEL);
		if (o)
			WRITE_ONCE(o->gen, o->gen + 1);
		old = xchg(&st->slot[k], o);
		if (old)
			gospan_cache_free(st->cache, old);
		if (!(++st->cycles % 256))
			cond_resched();
	}
	return 0;
}

/* Read random slots under rcu_read_lock(), with the objects changing hands. */
static int typesafe_check(void *arg)
{
	struct typesafe_stress *st = arg;
	struct typesafe_obj *o;
	struct gospan_mspan *s;
	unsigned int k, i;

	while (!READ_ONCE(st->stop)) {
		rcu_read_lock();
		for (i = 0; i < 64; i++) {
			k = get_random_u32_below(TS_SLOTS);
			o = READ_ONCE(st->slot[k]);
			if (!o)
				continue;
			s = gospan_span_of(o);
			if (!s || s->spanclass != st->cache->spanclass ||
			    READ_ONCE(o->magic) != TYPESAFE_MAGIC)
				st->broken++;
			st->reads++;
		}
		rcu_read_unlock();
		cond_resched();
	}
	return 0;
}

/*
 * Two CPUs free and reuse objects while a third reads them, and the cache
 * is shrunk meanwhile: what a reader sees is always an object of the cache.
 */
static void typesafe_by_rcu_stress(struct kunit *test)
{
	static int (* const fns[])(void *) = {
		typesafe_check, typesafe_churn, typesafe_churn, typesafe_scribble,
	};
	struct typesafe_stress *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	struct task_struct *t[ARRAY_SIZE(fns)];
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, st);
	st->cache = gospan_cache_create("typesafe_stress", sizeof(struct typesafe_obj), 0,
					GOSPAN_TYPESAFE_BY_RCU, typesafe_ctor);
	KUNIT_ASSERT_NOT_NULL(test, st->cache);
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		t[i] = kthread_create(fns[i], st, "gospan_ts%u", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t[i]));
		get_task_struct(t[i]);
		kthread_bind(t[i], cpumask_nth(i % num_online_cpus(), cpu_online_mask));
		wake_up_process(t[i]);
	}
	for (i = 0; i < 20; i++) {
		msleep(50);
		gospan_cache_shrink(st->cache);
	}
	WRITE_ONCE(st->stop, true);
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		kthread_stop(t[i]);
		put_task_struct(t[i]);
	}
	kunit_info(test, "%lu reads, %lu alloc/free cycles, %lu scribbles", st->reads,
		   st->cycles, st->scribbles);
	KUNIT_EXPECT_GT(test, st->reads, 0UL);
	KUNIT_EXPECT_EQ(test, st->broken, 0UL);
	for (i = 0; i < TS_SLOTS; i++)
		gospan_cache_free(st->cache, st->slot[i]);
	gospan_cache_destroy(st->cache);
}

/*
 * In NMI context every allocation entry point returns NULL at once and
 * leaves the CPU's mcache alone. The NMI is simulated: its preempt-count
 * bits are what in_nmi() reads.
 */
static void nmi_refused(struct kunit *test)
{
	struct gospan_cache *c = gospan_cache_create("nmi", 64, 0, 0, NULL);
	unsigned long refusals = gospan_error_count(GOSPAN_ERR_BAD_CONTEXT);
	unsigned int cls = gospan_alloc_class(64);
	struct gospan_mcache_class before, after;
	void *objs[4], *p, *q;
	unsigned long flags;

	KUNIT_ASSERT_NOT_NULL(test, c);
	q = gospan_alloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	local_irq_save(flags);
	before = gospan_mcache_of(smp_processor_id())->cls[cls];
	__preempt_count_add(NMI_OFFSET + HARDIRQ_OFFSET);
	p = gospan_alloc(64, GFP_ATOMIC);
	KUNIT_EXPECT_NULL(test, gospan_cache_alloc(c, GFP_ATOMIC));
	KUNIT_EXPECT_EQ(test, gospan_cache_alloc_bulk(c, GFP_ATOMIC, 4, objs), 0);
	gospan_free_rcu((struct rcu_obj *)q, rcu);	/* refused too: q stays */
	__preempt_count_sub(NMI_OFFSET + HARDIRQ_OFFSET);
	after = gospan_mcache_of(smp_processor_id())->cls[cls];
	local_irq_restore(flags);
	KUNIT_EXPECT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, gospan_error_count(GOSPAN_ERR_BAD_CONTEXT), refusals + 4);
	KUNIT_EXPECT_EQ(test, after.window, before.window);
	KUNIT_EXPECT_EQ(test, after.nmalloc, before.nmalloc);
	KUNIT_EXPECT_EQ(test, after.seq, before.seq);
	gospan_free(q);
	gospan_cache_destroy(c);
}

static struct kunit_case gospan_kmalloc_cases[] = {
	KUNIT_CASE(realloc_null_and_zero),
	KUNIT_CASE(realloc_in_place_and_moved),
	KUNIT_CASE(realloc_keeps_alignment),
	KUNIT_CASE(realloc_failure_and_bad_pointers),
	KUNIT_CASE(array_overflow),
	KUNIT_CASE(free_sensitive),
	KUNIT_CASE_SLOW(free_rcu_batched),
	KUNIT_CASE_SLOW(rcu_barrier_under_load),
	KUNIT_CASE(typesafe_by_rcu_reader),
	KUNIT_CASE_SLOW(typesafe_by_rcu_stress),
	KUNIT_CASE(nmi_refused),
	{}
};

static struct kunit_suite gospan_kmalloc_suite = {
	.name = "gospan_kmalloc",
	.init = gospan_test_init,
	.exit = gospan_test_exit,
	.test_cases = gospan_kmalloc_cases,
};

kunit_test_suite(gospan_kmalloc_suite);
