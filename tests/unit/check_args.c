// SPDX-License-Identifier: GPL-2.0-only
#include <check.h>
#include <errno.h>
#include <string.h>

#include "args.h"
#include "check_main.h"

static char err[256];

/* Parses a NULL-terminated argv after "vigilctl"; the result of args_parse. */
#define PARSE(ret, ...)                                                                            \
	({                                                                                         \
		char *argv_[] = { "vigilctl", __VA_ARGS__, NULL };                                 \
		args_parse(sizeof(argv_) / sizeof(argv_[0]) - 1, argv_, (ret), err, sizeof(err));  \
	})

START_TEST(list_options)
{
	struct args a;

	ck_assert_int_eq(PARSE(&a, "list"), 0);
	ck_assert_int_eq(a.command, ARGS_LIST);
	ck_assert_str_eq(a.socket, "/run/vigil/vigil.sock");
	ck_assert_int_eq(a.view, FORMAT_VIEW_DEFAULT);
	ck_assert(!a.json && !a.numeric);
	/* ipvsadm habits: -n anywhere, options before the command */
	ck_assert_int_eq(PARSE(&a, "-n", "list", "--stats", "--json"), 0);
	ck_assert(a.numeric && a.json);
	ck_assert_int_eq(a.view, FORMAT_VIEW_STATS);
	ck_assert_int_eq(PARSE(&a, "list", "--rate"), 0);
	ck_assert_int_eq(a.view, FORMAT_VIEW_RATE);
	ck_assert_int_eq(PARSE(&a, "list", "--stats", "--rate"), -EINVAL);
	ck_assert_str_eq(err, "--stats and --rate do not go together");
}
END_TEST

START_TEST(socket_option)
{
	struct args a;

	ck_assert_int_eq(PARSE(&a, "-s", "/tmp/v.sock", "status"), 0);
	ck_assert_str_eq(a.socket, "/tmp/v.sock");
	ck_assert_int_eq(a.command, ARGS_STATUS);
	ck_assert_int_eq(PARSE(&a, "status", "--socket=/tmp/w.sock", "--json"), 0);
	ck_assert_str_eq(a.socket, "/tmp/w.sock");
	ck_assert(a.json);
	ck_assert_int_eq(PARSE(&a, "status", "--socket", "/tmp/x.sock"), 0);
	ck_assert_str_eq(a.socket, "/tmp/x.sock");
	ck_assert_int_eq(PARSE(&a, "status", "-s"), -EINVAL);
	ck_assert_str_eq(err, "-s needs a PATH");
	ck_assert_int_eq(PARSE(&a, "status", "--sockets=/x"), -EINVAL);
	ck_assert_str_eq(err, "unknown option '--sockets=/x'");
}
END_TEST

START_TEST(events_follow)
{
	struct args a;

	ck_assert_int_eq(PARSE(&a, "events"), 0);
	ck_assert(!a.follow);
	ck_assert_int_eq(PARSE(&a, "events", "-f", "--json"), 0);
	ck_assert(a.follow && a.json);
	ck_assert_int_eq(PARSE(&a, "events", "--follow"), 0);
	ck_assert(a.follow);
	ck_assert_int_eq(PARSE(&a, "list", "--follow"), -EINVAL);
	ck_assert_str_eq(err, "--follow does not go with list");
}
END_TEST

START_TEST(quarantine_and_release)
{
	struct args a;

	ck_assert_int_eq(PARSE(&a, "quarantine", "web", "10.0.0.1:80"), 0);
	ck_assert_int_eq(a.command, ARGS_QUARANTINE);
	ck_assert_str_eq(a.service, "web");
	ck_assert_str_eq(a.dest, "10.0.0.1:80");
	ck_assert_ptr_null(a.for_text);
	ck_assert_int_eq(PARSE(&a, "quarantine", "web", "10.0.0.1:80", "--for", "5m"), 0);
	ck_assert_str_eq(a.for_text, "5m");
	ck_assert_uint_eq(a.for_ms, 300000);
	ck_assert_int_eq(PARSE(&a, "quarantine", "--for=90s", "web", "[fd00::1]:80"), 0);
	ck_assert_uint_eq(a.for_ms, 90000);
	ck_assert_str_eq(a.dest, "[fd00::1]:80");
	ck_assert_int_eq(PARSE(&a, "quarantine", "web", "10.0.0.1:80", "--for", "soon"), -EINVAL);
	ck_assert_str_eq(err, "--for soon: not a duration (e.g. 30s, 5m, 1h)");
	ck_assert_int_eq(PARSE(&a, "quarantine", "web", "10.0.0.1:80", "--for"), -EINVAL);
	ck_assert_int_eq(PARSE(&a, "quarantine", "web"), -EINVAL);
	ck_assert_str_eq(err, "quarantine needs more arguments; usage: vigilctl quarantine "
			      "SERVICE DEST [--for DURATION]");
	ck_assert_int_eq(PARSE(&a, "release", "web", "10.0.0.1:80"), 0);
	ck_assert_int_eq(a.command, ARGS_RELEASE);
	ck_assert_int_eq(PARSE(&a, "release", "web", "10.0.0.1:80", "--for", "1m"), -EINVAL);
	ck_assert_str_eq(err, "--for does not go with release");
	ck_assert_int_eq(PARSE(&a, "release", "web", "10.0.0.1:80", "extra"), -EINVAL);
	ck_assert_str_eq(err, "release takes fewer arguments; usage: vigilctl release SERVICE "
			      "DEST");
}
END_TEST

START_TEST(check_reload_help_version)
{
	struct args a;

	ck_assert_int_eq(PARSE(&a, "check", "/etc/vigil/vigil.yaml"), 0);
	ck_assert_int_eq(a.command, ARGS_CHECK);
	ck_assert_str_eq(a.file, "/etc/vigil/vigil.yaml");
	ck_assert_int_eq(PARSE(&a, "check"), -EINVAL);
	ck_assert_int_eq(PARSE(&a, "reload"), 0);
	ck_assert_int_eq(a.command, ARGS_RELOAD);
	ck_assert_int_eq(PARSE(&a, "reload", "--json"), -EINVAL);
	ck_assert_str_eq(err, "--json does not go with reload");
	ck_assert_int_eq(PARSE(&a, "--help"), 0);
	ck_assert_int_eq(a.command, ARGS_HELP);
	ck_assert_int_eq(PARSE(&a, "list", "-h"), 0);
	ck_assert_int_eq(a.command, ARGS_HELP);
	ck_assert_int_eq(PARSE(&a, "-V"), 0);
	ck_assert_int_eq(a.command, ARGS_VERSION);
}
END_TEST

START_TEST(usage_errors)
{
	struct args a;
	char *none[] = { "vigilctl", NULL };

	ck_assert_int_eq(args_parse(1, none, &a, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "no command given");
	ck_assert_int_eq(PARSE(&a, "lst"), -EINVAL);
	ck_assert_str_eq(err, "unknown command 'lst'");
	ck_assert_int_eq(PARSE(&a, "list", "--frobnicate"), -EINVAL);
	ck_assert_str_eq(err, "unknown option '--frobnicate'");
	/* after --, a dash is an argument: a service may be called "-x" */
	ck_assert_int_eq(PARSE(&a, "release", "--", "-x", "10.0.0.1:80"), 0);
	ck_assert_str_eq(a.service, "-x");
}
END_TEST

static Suite *args_suite(void)
{
	Suite *s = suite_create("args");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, list_options);
	tcase_add_test(tc, socket_option);
	tcase_add_test(tc, events_follow);
	tcase_add_test(tc, quarantine_and_release);
	tcase_add_test(tc, check_reload_help_version);
	tcase_add_test(tc, usage_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(args_suite(), CK_NORMAL);
}
