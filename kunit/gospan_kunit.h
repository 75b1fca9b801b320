/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every KUnit suite of gospan's public API shares: the suite hooks
 * that count gospan's reports (as lib/slub_kunit.c counts SLUB's) and that
 * check, after every case, that the heap is consistent and nothing leaked.
 */
#ifndef _GOSPAN_KUNIT_H
#define _GOSPAN_KUNIT_H

#include <kunit/test.h>

int gospan_test_init(struct kunit *test);
void gospan_test_exit(struct kunit *test);
void gospan_expect_reports(struct kunit *test, int n);
void gospan_check_consistent(struct kunit *test);

#endif /* _GOSPAN_KUNIT_H */
