/*
 * source-root.h - the Check suites find their committed data (tests/data/...)
 * wherever they are started from: main() calls test_chdir_source_root()
 * first, which moves to the source tree the Makefile compiled them in
 * (MOSAIC_SOURCE_DIR, its absolute path).  Committed data that is absent
 * there is a failure, never a skip; optional external data (../shared) is
 * found relative to the same directory and reported as SKIP when absent.
 */
#ifndef MOSAIC_TESTS_SOURCE_ROOT_H
#define MOSAIC_TESTS_SOURCE_ROOT_H

/* chdir() to MOSAIC_SOURCE_DIR; exits 1 with a message when that fails. */
void test_chdir_source_root(void);

#endif
