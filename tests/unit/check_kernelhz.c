// SPDX-License-Identifier: GPL-2.0-only
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "check_main.h"
#include "kernelhz.h"

static char dir[] = "/tmp/check_kernelhz.XXXXXX";

static void setup(void)
{
	strcpy(dir, "/tmp/check_kernelhz.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void write_file(const char *name, const char *text, bool gzip)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (gzip) {
		gzFile f = gzopen(path, "wb");

		ck_assert_ptr_nonnull(f);
		ck_assert_int_eq(gzputs(f, text), (int)strlen(text));
		ck_assert_int_eq(gzclose(f), Z_OK);
	} else {
		FILE *f = fopen(path, "w");

		ck_assert_ptr_nonnull(f);
		fputs(text, f);
		fclose(f);
	}
}

#define DEBIAN_CONFIG                                                                              \
	"CONFIG_HZ_PERIODIC=n\n"                                                                   \
	"# CONFIG_HZ_100 is not set\n"                                                             \
	"CONFIG_HZ_250=y\n"                                                                        \
	"CONFIG_HZ=250\n"                                                                          \
	"CONFIG_SCHED_HRTICK=y\n"

START_TEST(boot_config_first)
{
	char boot[300], proc[300], source[600], path[400];
	unsigned int hz = 0;

	write_file("config-6.1.0-1-amd64", DEBIAN_CONFIG, false);
	write_file("config.gz", "CONFIG_HZ=1000\n", true);
	snprintf(boot, sizeof(boot), "%s", dir);
	snprintf(proc, sizeof(proc), "%s/config.gz", dir);
	ck_assert_int_eq(
	    kernelhz_read(boot, dir, proc, "6.1.0-1-amd64", &hz, source, sizeof(source)), 0);
	ck_assert_uint_eq(hz, 250);
	ck_assert_str_eq(strrchr(source, '/'), "/config-6.1.0-1-amd64");
	/* another release: the gzipped one */
	ck_assert_int_eq(
	    kernelhz_read(boot, dir, proc, "7.2.0-1-amd64", &hz, source, sizeof(source)), 0);
	ck_assert_uint_eq(hz, 1000);
	ck_assert_str_eq(strrchr(source, '/'), "/config.gz");
	/* a split 7.x package's /lib/modules/RELEASE/config, before /proc */
	snprintf(path, sizeof(path), "%s/7.2.0-1-amd64", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	write_file("7.2.0-1-amd64/config", "CONFIG_HZ=300\n", false);
	ck_assert_int_eq(
	    kernelhz_read(boot, dir, proc, "7.2.0-1-amd64", &hz, source, sizeof(source)), 0);
	ck_assert_uint_eq(hz, 300);
	ck_assert_str_eq(strrchr(source, '-'), "-amd64/config");
}
END_TEST

START_TEST(neither_says_why)
{
	char boot[300], proc[300], source[600], expect[1000];
	unsigned int hz = 0;

	snprintf(boot, sizeof(boot), "%s", dir);
	snprintf(proc, sizeof(proc), "%s/config.gz", dir);
	ck_assert_int_eq(kernelhz_read(boot, dir, proc, "6.12.1", &hz, source, sizeof(source)),
			 -ENOENT);
	snprintf(expect, sizeof(expect),
		 "no %s/config-6.12.1, %s/6.12.1/config nor readable %s/config.gz", dir, dir, dir);
	ck_assert_str_eq(source, expect);
	ck_assert_uint_eq(hz, 0);

	write_file("config-6.12.1", "CONFIG_HZ_250=y\n", false);
	ck_assert_int_eq(kernelhz_read(boot, dir, proc, "6.12.1", &hz, source, sizeof(source)),
			 -ENODATA);
	snprintf(expect, sizeof(expect), "%s/config-6.12.1: no CONFIG_HZ", dir);
	ck_assert_str_eq(source, expect);
}
END_TEST

START_TEST(implausible_values)
{
	char path[300];
	unsigned int hz = 7;

	snprintf(path, sizeof(path), "%s/c", dir);
	write_file("c", "CONFIG_HZ=0\n", false);
	ck_assert_int_eq(kernelhz_from_config(path, &hz), -ERANGE);
	write_file("c", "CONFIG_HZ=25x\n", false);
	ck_assert_int_eq(kernelhz_from_config(path, &hz), -ERANGE);
	write_file("c", "CONFIG_HZ=\n", false);
	ck_assert_int_eq(kernelhz_from_config(path, &hz), -ERANGE);
	ck_assert_uint_eq(hz, 7);
	write_file("c", "CONFIG_HZ=300", false); /* no newline at the end */
	ck_assert_int_eq(kernelhz_from_config(path, &hz), 0);
	ck_assert_uint_eq(hz, 300);
}
END_TEST

START_TEST(jiffies_round_up)
{
	ck_assert_uint_eq(kernelhz_jiffies(300000000, 250), 75);
	ck_assert_uint_eq(kernelhz_jiffies(300000000, 100), 30);
	ck_assert_uint_eq(kernelhz_jiffies(1000000000, 1000), 1000);
	/* 301 ms at 250 Hz: 75.25 jiffies, so 76 (304 ms), never shorter */
	ck_assert_uint_eq(kernelhz_jiffies(301000000, 250), 76);
	ck_assert_uint_eq(kernelhz_jiffies(1, 250), 1);
	ck_assert_uint_eq(kernelhz_jiffies(0, 250), 0);
	ck_assert_uint_eq(kernelhz_jiffies(300000000, 0), 0);
	ck_assert_uint_eq(kernelhz_jiffies(UINT64_MAX, 250), UINT32_MAX);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kernelhz");
	TCase *tc = tcase_create("kernelhz");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, boot_config_first);
	tcase_add_test(tc, neither_says_why);
	tcase_add_test(tc, implausible_values);
	tcase_add_test(tc, jiffies_round_up);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
