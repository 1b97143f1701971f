/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A text compared byte for byte with tests/unit/golden/NAME (GOLDEN_DIR);
 * VIGIL_UPDATE_GOLDEN=1 rewrites the file first (then review the diff).
 */
#ifndef VIGIL_TESTS_CHECK_GOLDEN_H
#define VIGIL_TESTS_CHECK_GOLDEN_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void check_golden(const char *name, const char *text)
{
	char path[512], *want = NULL;
	size_t size = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, name);
	if (getenv("VIGIL_UPDATE_GOLDEN")) {
		f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fputs(text, f);
		fclose(f);
	}
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot read %s", path);
	want = malloc(1 << 20);
	size = fread(want, 1, (1 << 20) - 1, f);
	want[size] = '\0';
	fclose(f);
	ck_assert_msg(!strcmp(want, text), "%s differs; got:\n%s", path, text);
	free(want);
}

#endif
