/* check-main.c - the main() every Check suite shares (see check-main.h). */
#include "tests/common/check-main.h"

#include <stdlib.h>

int main(void)
{
	SRunner *sr;
	int failed;

	test_chdir_source_root();
	sr = srunner_create(test_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
