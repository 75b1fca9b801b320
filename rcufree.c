// SPDX-License-Identifier: GPL-2.0
/*
 * gospan_free_rcu(): kfree_rcu() for gospan's objects. Go has no such
 * thing (its collector knows when nothing can reach an object); the
 * kernel's RCU readers are the collector's roots here. How objects move
 * through gospan is explained at the top of gospan.c.
 *
 * As kvfree_rcu() does (kernel/rcu/tree.c), frees are batched per CPU so
 * that a grace period is waited for once per batch, not once per object:
 *
 *   gospan_free_call_rcu()   the object joins its CPU's @pending list,
 *                            chained through its own rcu_head (nothing is
 *                            allocated: the call cannot fail)
 *   monitor (delayed work)   after GOSPAN_RCU_DELAY, or at once when
 *                            GOSPAN_RCU_BATCH objects wait, the whole list
 *                            becomes a batch: one queue_rcu_work()
 *   batch (rcu_work)         after the grace period, in process context,
 *                            every object of the batch goes to gospan_free()
 *
 * A rcu_head's ->func holds the offset of the head inside its object, as
 * kfree_rcu() encodes it, so the object is found again from its head.
 *
 * Locking: struct gospan_rcu_cpu's fields are under its @lock, a raw
 * spinlock taken with interrupts off (the call comes from any context but
 * NMI, on PREEMPT_RT too, as kvfree_rcu()'s per-CPU lock is raw). It is a
 * leaf: nothing else is taken under it but the timer, workqueue and
 * call_rcu() internals (raw locks all), as under kvfree_rcu()'s.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "gospan.h"
#include "internal.h"

/* How long a CPU's objects may wait before they become a batch. */
#define GOSPAN_RCU_DELAY	(HZ / 50)
/* How many may wait before they become a batch at once. */
#define GOSPAN_RCU_BATCH	1024

/**
 * struct gospan_rcu_batch - objects waiting for one grace period
 * @rwork: queued once per batch (call_rcu(), then a work item)
 * @objs: the batch's objects, chained through their rcu_heads; NULL while
 *	the slot is free. Set by the monitor and cleared by the batch's work
 *	once every object is freed, both under the CPU's lock; the work reads
 *	the list without it (nobody else touches a busy slot).
 * @n: how many objects @objs holds (the walk stops there, whatever the
 *	chain says: see gospan_free_call_rcu() on double frees)
 * @first: the sequence number of its oldest object
 * @owner: the CPU's state
 */
struct gospan_rcu_batch {
	struct rcu_work rwork;
	struct rcu_head *objs;
	unsigned long n;
	unsigned long first;
	struct gospan_rcu_cpu *owner;
};

/**
 * struct gospan_rcu_cpu - one CPU's objects on their way to gospan_free()
 * @lock: protects everything below but @monitor
 * @pending: objects not yet in a batch, newest first, chained through their
 *	rcu_heads: @queued - @formed of them
 * @queued: objects queued on this CPU since load: the sequence number of
 *	the newest (sequence numbers are per CPU and start at 1)
 * @formed: the sequence number of the newest object in a batch: @pending
 *	holds those after it
 * @batch: two slots, as kvfree_rcu() has: a new batch can start while the
 *	last one waits; when both wait, @pending keeps growing
 * @monitor: turns @pending into a batch
 * @batches: batches started on this CPU since load (statistics)
 *
 * Every object with a sequence number up to some S is freed once @formed
 * >= S and no busy slot's @first is <= S: what gospan_rcu_barrier() waits
 * for, with S read when it starts, so that objects queued meanwhile do not
 * keep it waiting.
 */
struct gospan_rcu_cpu {
	raw_spinlock_t lock;
	struct rcu_head *pending;
	unsigned long queued;
	unsigned long formed;
	struct gospan_rcu_batch batch[2];
	struct delayed_work monitor;
	unsigned long batches;
};

static DEFINE_PER_CPU(struct gospan_rcu_cpu, gospan_rcu_cpus);
/* Objects queued and not yet freed, on every CPU: the barrier's shortcut. */
static atomic_long_t gospan_rcu_inflight;

static void *rcu_head_object(struct rcu_head *head)
{
	return (void *)head - (unsigned long)head->func;
}

/* After the grace period: free the batch's objects. */
static void batch_work(struct work_struct *work)
{
	struct gospan_rcu_batch *b = container_of(to_rcu_work(work),
						  struct gospan_rcu_batch, rwork);
	struct rcu_head *head = READ_ONCE(b->objs), *next;
	unsigned long flags, n = READ_ONCE(b->n), i;

	/* The slot is this work's until @objs is NULL again. */
	for (i = 0; i < n && head; i++, head = next) {
		next = head->next;	/* the head is inside the object */
		gospan_free(rcu_head_object(head));
		if (!(i % 64))
			cond_resched();
	}
	raw_spin_lock_irqsave(&b->owner->lock, flags);
	b->objs = NULL;
	smp_mb__before_atomic();	/* the frees before the count: see the barrier */
	atomic_long_sub(n, &gospan_rcu_inflight);
	raw_spin_unlock_irqrestore(&b->owner->lock, flags);
}

/* Start a batch with the CPU's pending objects, if a slot is free. Lock held. */
static void start_batch_locked(struct gospan_rcu_cpu *rc)
{
	unsigned int i;

	lockdep_assert_held(&rc->lock);
	for (i = 0; i < ARRAY_SIZE(rc->batch) && rc->pending; i++) {
		if (rc->batch[i].objs)
			continue;
		rc->batch[i].objs = rc->pending;
		rc->batch[i].n = rc->queued - rc->formed;
		rc->batch[i].first = rc->formed + 1;
		rc->formed = rc->queued;
		rc->pending = NULL;
		rc->batches++;
		queue_rcu_work(system_wq, &rc->batch[i].rwork);
	}
}

static void monitor_work(struct work_struct *work)
{
	struct gospan_rcu_cpu *rc = container_of(to_delayed_work(work),
						 struct gospan_rcu_cpu, monitor);
	unsigned long flags;

	raw_spin_lock_irqsave(&rc->lock, flags);
	start_batch_locked(rc);
	/* Both slots wait for their grace periods: look again later. */
	if (rc->pending)
		mod_delayed_work(system_wq, &rc->monitor, GOSPAN_RCU_DELAY);
	raw_spin_unlock_irqrestore(&rc->lock, flags);
}

/**
 * gospan_free_call_rcu() - free an object after a grace period, like kvfree_call_rcu()
 * @head: the struct rcu_head inside the object, or NULL
 * @ptr: the object, from gospan_alloc() or a cache
 *
 * What gospan_free_rcu() calls; kvfree_call_rcu() for gospan. The object
 * joins its CPU's pending list, which becomes a batch after a short delay
 * or when it is long: one grace period per batch. With @head NULL (the
 * object has no rcu_head: kfree_rcu_mightsleep()), the caller waits for a
 * grace period and frees the object itself.
 *
 * A pointer that is not an allocated object is reported and refused here.
 * An object queued twice before its batch frees it cannot be told from a
 * good one (kfree_rcu() cannot either, without CONFIG_DEBUG_OBJECTS_RCU_HEAD):
 * its rcu_head is rewritten, the batch reports the second free, and the
 * objects queued on that CPU between the two calls may be lost (leaked,
 * never freed early).
 *
 * Context: Any context but NMI, which is refused with a report; with
 * @head NULL, process context (sleeps).
 */
void gospan_free_call_rcu(struct rcu_head *head, void *ptr)
{
	struct gospan_rcu_cpu *rc;
	unsigned long flags, n;

	if (gospan_nmi_refused())
		return;
	if (!head) {
		might_sleep();
		synchronize_rcu();
		gospan_free(ptr);
		return;
	}
	if (unlikely(!gospan_allocated(ptr, _RET_IP_)))
		return;
	head->func = (rcu_callback_t)((unsigned long)head - (unsigned long)ptr);
	atomic_long_inc(&gospan_rcu_inflight);
	local_irq_save(flags);
	rc = this_cpu_ptr(&gospan_rcu_cpus);
	raw_spin_lock(&rc->lock);
	head->next = rc->pending;
	rc->pending = head;
	rc->queued++;
	n = rc->queued - rc->formed;	/* objects pending */
	if (n == 1)
		queue_delayed_work(system_wq, &rc->monitor, GOSPAN_RCU_DELAY);
	else if (!(n % GOSPAN_RCU_BATCH))
		mod_delayed_work(system_wq, &rc->monitor, 0);
	raw_spin_unlock(&rc->lock);
	local_irq_restore(flags);
}
EXPORT_SYMBOL_NS_GPL(gospan_free_call_rcu, GOSPAN);

/*
 * Wait for every batch started so far to be freed: one grace period for
 * all of them, then their work items, to their end.
 */
static void flush_batches(void)
{
	struct gospan_rcu_cpu *rc;
	unsigned int cpu, i;

	rcu_barrier();
	for_each_possible_cpu(cpu) {
		rc = per_cpu_ptr(&gospan_rcu_cpus, cpu);
		for (i = 0; i < ARRAY_SIZE(rc->batch); i++)
			flush_work(&rc->batch[i].rwork.work);
	}
}

/* Whether every object a CPU queued up to sequence number seq is freed. */
static bool done_until(struct gospan_rcu_cpu *rc, unsigned long seq)
{
	unsigned long flags;
	unsigned int i;
	bool done;

	raw_spin_lock_irqsave(&rc->lock, flags);
	done = rc->formed >= seq;
	for (i = 0; i < ARRAY_SIZE(rc->batch); i++)
		if (rc->batch[i].objs && rc->batch[i].first <= seq)
			done = false;
	if (!done)
		start_batch_locked(rc);	/* a slot may have come free */
	raw_spin_unlock_irqrestore(&rc->lock, flags);
	return done;
}

/**
 * gospan_rcu_barrier() - wait for gospan_free_rcu()s, like kvfree_rcu_barrier()
 *
 * Like kvfree_rcu_barrier(): returns when every object queued by
 * gospan_free_call_rcu() before the call has been freed. Objects queued
 * meanwhile do not keep it waiting: it waits for each CPU's sequence
 * number as it was when it started (struct gospan_rcu_cpu).
 *
 * Context: Process context; sleeps.
 */
void gospan_rcu_barrier(void)
{
	unsigned long *snap, flags;
	struct gospan_rcu_cpu *rc;
	unsigned int cpu;
	bool again;

	might_sleep();
	/*
	 * Nothing queued and not yet freed: nothing to wait for (a batch
	 * lowers the count under its CPU's lock after its frees, which the
	 * acquire makes visible here).
	 */
	if (!atomic_long_read_acquire(&gospan_rcu_inflight))
		return;
	snap = kcalloc(nr_cpu_ids, sizeof(*snap), GFP_KERNEL | __GFP_NOFAIL);
	for_each_possible_cpu(cpu) {
		rc = per_cpu_ptr(&gospan_rcu_cpus, cpu);
		raw_spin_lock_irqsave(&rc->lock, flags);
		snap[cpu] = rc->queued;
		start_batch_locked(rc);
		raw_spin_unlock_irqrestore(&rc->lock, flags);
	}
	do {
		/*
		 * A CPU whose old objects waited for a free slot starts a batch
		 * of them in done_until(), for the next round.
		 */
		flush_batches();
		again = false;
		for_each_possible_cpu(cpu)
			if (!done_until(per_cpu_ptr(&gospan_rcu_cpus, cpu), snap[cpu]))
				again = true;
	} while (again);
	kfree(snap);
}
EXPORT_SYMBOL_NS_GPL(gospan_rcu_barrier, GOSPAN);

/*
 * /sys/kernel/debug/gospan/rcu: per CPU, objects waiting for a batch,
 * batches waiting for their grace period, and the totals since load.
 */
static int rcu_show(struct seq_file *m, void *unused)
{
	unsigned long queued = 0, batches = 0, flags;
	unsigned int cpu, i, waiting;

	seq_puts(m, "# cpu    pending  batches_waiting      queued     batches\n");
	for_each_possible_cpu(cpu) {
		struct gospan_rcu_cpu *rc = per_cpu_ptr(&gospan_rcu_cpus, cpu);
		unsigned long pending, q, b;

		raw_spin_lock_irqsave(&rc->lock, flags);
		pending = rc->queued - rc->formed;
		for (i = 0, waiting = 0; i < ARRAY_SIZE(rc->batch); i++)
			waiting += !!rc->batch[i].objs;
		q = rc->queued;
		b = rc->batches;
		raw_spin_unlock_irqrestore(&rc->lock, flags);
		queued += q;
		batches += b;
		seq_printf(m, "%5u %10lu %16u %11lu %11lu\n", cpu, pending, waiting, q, b);
	}
	seq_printf(m, "# total: %lu objects in %lu batches, %ld not yet freed\n",
		   queued, batches, atomic_long_read(&gospan_rcu_inflight));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rcu);

/**
 * gospan_rcufree_batches() - batches started since load, on every CPU
 *
 * For the tests, which check that frees are batched.
 *
 * Context: Any context.
 * Return: the count.
 */
unsigned long gospan_rcufree_batches(void)
{
	unsigned long n = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		n += READ_ONCE(per_cpu_ptr(&gospan_rcu_cpus, cpu)->batches);
	return n;
}
EXPORT_SYMBOL_NS_GPL(gospan_rcufree_batches, GOSPAN_INTERNAL);

void gospan_rcufree_init(struct dentry *root)
{
	unsigned int cpu, i;

	for_each_possible_cpu(cpu) {
		struct gospan_rcu_cpu *rc = per_cpu_ptr(&gospan_rcu_cpus, cpu);

		raw_spin_lock_init(&rc->lock);
		INIT_DELAYED_WORK(&rc->monitor, monitor_work);
		for (i = 0; i < ARRAY_SIZE(rc->batch); i++) {
			INIT_RCU_WORK(&rc->batch[i].rwork, batch_work);
			rc->batch[i].owner = rc;
		}
	}
	debugfs_create_file("rcu", 0444, root, NULL, &rcu_fops);
}

/* At unload: nothing may be left queued, nor a work item pending. */
void gospan_rcufree_exit(void)
{
	unsigned int cpu;

	gospan_rcu_barrier();
	for_each_possible_cpu(cpu)
		cancel_delayed_work_sync(&per_cpu_ptr(&gospan_rcu_cpus, cpu)->monitor);
	/* A batch's work may still be returning after it cleared its slot. */
	flush_batches();
}
