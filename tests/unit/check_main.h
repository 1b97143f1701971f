/* SPDX-License-Identifier: GPL-2.0-only */
/* The end of every unit test's main(): run the suite, exit non-zero on failure. */
#ifndef VIGIL_TESTS_CHECK_MAIN_H
#define VIGIL_TESTS_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

static inline int check_main(Suite *s, enum print_output mode)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, mode);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
