// SPDX-License-Identifier: GPL-2.0
/*
 * The suite hooks of gospan's API suites (gospan_kunit.h).
 *
 * Reports: gospan's report() finds a resource named "gospan_reports" on
 * the test its task runs and counts into it. A case that provokes reports
 * says how many with gospan_expect_reports(); the .exit hook fails any case
 * whose count differs, so an unexpected report fails the case that caused
 * it, and an expected one that did not come fails too.
 *
 * Leaks: after every case every CPU's mcache (with its stackcache and page
 * cache) is drained, the kept large stacks are given back and every span
 * class is swept. Then no page may be in a span and no span descriptor in use
 * (after a grace period, when freed descriptors come back): each case must
 * free what it allocates, and gospan must give back what was freed.
 */
#include <kunit/resource.h>
#include <linux/atomic.h>
#include <linux/rcupdate.h>

#include "gospan_kunit.h"
#include "internal.h"
#include "mcache.h"
#include "stack.h"

struct reports {
	atomic_t count;
	int expected;
};

static struct kunit_resource reports_resource;
static struct reports reports;

int gospan_test_init(struct kunit *test)
{
	atomic_set(&reports.count, 0);
	reports.expected = 0;
	kunit_add_named_resource(test, NULL, NULL, &reports_resource, "gospan_reports",
				 &reports.count);
	return 0;
}

void gospan_expect_reports(struct kunit *test, int n)
{
	reports.expected = n;
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&reports.count), n,
			    "gospan reported %d bad inputs, the case expects %d",
			    atomic_read(&reports.count), n);
}

/* Everything the heap and mcentral lists say must agree. */
void gospan_check_consistent(struct kunit *test)
{
	unsigned long flags;

	spin_lock_irqsave(&gospan_heap.lock, flags);
	KUNIT_EXPECT_EQ(test, gospan_pagealloc_check(&gospan_heap.pages), 0);
	KUNIT_EXPECT_LE(test, gospan_heap.pages_in_use, gospan_heap.pages_owned);
	spin_unlock_irqrestore(&gospan_heap.lock, flags);
}

void gospan_test_exit(struct kunit *test)
{
	unsigned long in_use, large, descs, flags;
	unsigned int spc;

	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&reports.count), reports.expected,
			    "gospan reported %d bad inputs, the case expected %d",
			    atomic_read(&reports.count), reports.expected);
	gospan_check_consistent(test);

	/* Every mcache, stackcache and page cache; the kept large stacks. */
	gospan_mcache_drain_all(GOSPAN_ALL_SPANCLASSES);
	gospan_stack_release();
	for (spc = 1; spc < GOSPAN_NUM_SPAN_CLASSES; spc++)
		if (gospan_centrals[spc])
			gospan_mcentral_reclaim(gospan_centrals[spc]);
	/* Freed span descriptors come back after a grace period or two. */
	gospan_mheap_rcu_barrier();
	spin_lock_irqsave(&gospan_heap.lock, flags);
	in_use = gospan_heap.pages_in_use;
	large = gospan_heap.large_bytes;
	spin_unlock_irqrestore(&gospan_heap.lock, flags);
	spin_lock_irqsave(&gospan_heap.spanalloc.lock, flags);
	descs = gospan_heap.spanalloc.inuse;
	spin_unlock_irqrestore(&gospan_heap.spanalloc.lock, flags);
	KUNIT_EXPECT_EQ_MSG(test, in_use, 0UL, "pages still in spans after the case");
	KUNIT_EXPECT_EQ_MSG(test, large, 0UL, "large objects still allocated after the case");
	KUNIT_EXPECT_EQ_MSG(test, descs, 0UL, "span descriptors still in use after the case");
}
