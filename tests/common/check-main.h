/*
 * check-main.h - the one main() of every Check suite (tests/test-<lib>.c).
 * A suite file defines test_suite(), which builds its Suite; main()
 * (check-main.c) moves to the source tree (test_chdir_source_root, so the
 * suite finds its committed data wherever it is started from), runs the
 * suite in CK_NORMAL verbosity, and exits 0 when every test passed, 1 when
 * any failed.  CK_FORK and the other Check variables apply as usual.
 */
#ifndef MOSAIC_TESTS_CHECK_MAIN_H
#define MOSAIC_TESTS_CHECK_MAIN_H

#include <check.h>

#include "tests/common/source-root.h"

/* The suite of this test program (defined once per tests/test-<lib>.c). */
Suite *test_suite(void);

#endif
