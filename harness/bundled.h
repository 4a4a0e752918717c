/*
 * bundled.h - the workload specs shipped in workloads/ (the .json files), embedded in the
 * mosaic binary at build time so `mosaic bench` runs from anywhere, installed
 * or not.  A command that takes a SPEC accepts a file path or, when no such
 * file exists, the name of a bundled spec ("clip", "qwen3-vl", ...).
 */
#ifndef MOSAIC_HARNESS_BUNDLED_H
#define MOSAIC_HARNESS_BUNDLED_H

#include <stddef.h>

struct bundled_spec {
	const char *name; /* file name without .json */
	const char *json; /* NUL-terminated */
	size_t len;
};
extern const struct bundled_spec bundled_specs[]; /* bundled_spec_count entries, then zeros */
extern const int bundled_spec_count;

#endif
