/* source-root.c - run the Check suites from the source tree (see source-root.h). */
#include "tests/common/source-root.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef MOSAIC_SOURCE_DIR
#error "the Makefile defines MOSAIC_SOURCE_DIR (the source tree's absolute path)"
#endif

void test_chdir_source_root(void)
{
	if (chdir(MOSAIC_SOURCE_DIR) != 0) {
		fprintf(stderr, "cannot enter the source tree '%s' (its test data lives there): %s\n",
			MOSAIC_SOURCE_DIR, strerror(errno));
		exit(1);
	}
}
