/* fuzz-plan.c - libFuzzer target: plan_load on arbitrary bytes must return
 * a plan or an error, never crash or leak; a loaded plan survives clone. */
#include <stddef.h>
#include <stdint.h>

#include "planner/planner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct plan *p = NULL, *c;
	struct mo_err err;

	if (plan_load_string((const char *)data, size, "fuzz.json", &p, &err) == 0) {
		c = plan_clone(p);
		plan_free(c);
		plan_free(p);
	}
	return 0;
}
