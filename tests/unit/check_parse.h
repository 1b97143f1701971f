/* SPDX-License-Identifier: GPL-2.0-only */
/* A config from YAML text, for the suites that start from one; the test fails if it is bad. */
#ifndef VIGIL_TESTS_CHECK_PARSE_H
#define VIGIL_TESTS_CHECK_PARSE_H

#include <check.h>
#include <string.h>

#include "config.h"

static inline struct config *parse(const char *text)
{
	struct config_error err;
	struct config *c = NULL;

	ck_assert_msg(config_parse(text, strlen(text), "t.yaml", &c, &err) == 0, "%u:%u: %s",
		      err.line, err.column, err.message);
	return c;
}

#endif
