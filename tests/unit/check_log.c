// SPDX-License-Identifier: GPL-2.0-only
#include <check.h>

#include "check_main.h"
#include <string.h>

#include "log.h"

START_TEST(journal_stream_must_name_stderr)
{
	ck_assert(log_is_journal_stream("8:1234", 8, 1234));
	/* dev_t as systemd prints it: the whole number, not major:minor */
	ck_assert(log_is_journal_stream("18446744073709551615:1", (dev_t)-1, 1));
	/* unset, or inherited by a process whose stderr goes elsewhere */
	ck_assert(!log_is_journal_stream(NULL, 8, 1234));
	ck_assert(!log_is_journal_stream("8:1234", 8, 1235));
	ck_assert(!log_is_journal_stream("8:1234", 9, 1234));
}
END_TEST

START_TEST(journal_stream_malformed)
{
	static const char *const bad[] = {
		"",
		":",
		"8",
		"8:",
		":1234",
		"8:1234x",
		"x8:1234",
		"-8:1234",
		"8:-1234",
		" 8:1234",
		"8: 1234",
		"8:1234:5",
		"99999999999999999999999:1234",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!log_is_journal_stream(bad[i], 8, 1234), "accepted \"%s\"", bad[i]);
}
END_TEST

START_TEST(journal_lines_carry_the_priority)
{
	static const struct {
		int level;
		const char *want;
	} cases[] = {
		{ LOG_ERR, "<3>started\n" },    { LOG_WARNING, "<4>started\n" },
		{ LOG_NOTICE, "<5>started\n" }, { LOG_INFO, "<6>started\n" },
		{ LOG_DEBUG, "<7>started\n" },
	};
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n =
		    log_format_line(buf, sizeof(buf), true, "vigild", cases[i].level, "started");

		ck_assert_str_eq(buf, cases[i].want);
		ck_assert_uint_eq(n, strlen(cases[i].want));
	}
}
END_TEST

START_TEST(terminal_lines_keep_the_name)
{
	char buf[128];
	size_t n;

	n = log_format_line(buf, sizeof(buf), false, "vigild", LOG_NOTICE,
			    "decision action=quarantine service=api real=10.0.0.2:80");
	ck_assert_str_eq(buf, "vigild: decision action=quarantine service=api real=10.0.0.2:80\n");
	ck_assert_uint_eq(n, strlen(buf));
	/* no priority, whatever the level */
	log_format_line(buf, sizeof(buf), false, "vigild", LOG_ERR, "x");
	ck_assert_str_eq(buf, "vigild: x\n");
}
END_TEST

START_TEST(one_event_one_line)
{
	char buf[128];

	log_format_line(buf, sizeof(buf), true, "vigild", LOG_ERR,
			"f.yaml:3:5: unknown key \"a\nb\"\tx\r\x01\x7f");
	ck_assert_str_eq(buf, "<3>f.yaml:3:5: unknown key \"a\\nb\"\\tx\\r\\x01\\x7f\n");
	/* bytes of UTF-8 pass as they are */
	log_format_line(buf, sizeof(buf), false, "vigild", LOG_INFO, "caf\xc3\xa9");
	ck_assert_str_eq(buf, "vigild: caf\xc3\xa9\n");
}
END_TEST

START_TEST(long_messages_are_cut_not_split)
{
	char buf[12];
	size_t n;

	n = log_format_line(buf, sizeof(buf), true, "vigild", LOG_INFO, "abcdefghijklmnop");
	ck_assert_str_eq(buf, "<6>abcdefg\n");
	ck_assert_uint_eq(n, 11);
	/* an escape that does not fit is left out whole */
	log_format_line(buf, sizeof(buf), true, "vigild", LOG_INFO, "abcdef\x01");
	ck_assert_str_eq(buf, "<6>abcdef\n");
	/* the prefix alone is longer than the buffer */
	log_format_line(buf, sizeof(buf), false, "a-very-long-ident", LOG_INFO, "x");
	ck_assert_str_eq(buf, "a-very-lon\n");
	ck_assert_uint_eq(log_format_line(buf, 2, true, "vigild", LOG_INFO, "x"), 1);
	ck_assert_str_eq(buf, "\n");
	ck_assert_uint_eq(log_format_line(buf, 1, true, "vigild", LOG_INFO, "x"), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_test(tc, journal_stream_must_name_stderr);
	tcase_add_test(tc, journal_stream_malformed);
	tcase_add_test(tc, journal_lines_carry_the_priority);
	tcase_add_test(tc, terminal_lines_keep_the_name);
	tcase_add_test(tc, one_event_one_line);
	tcase_add_test(tc, long_messages_are_cut_not_split);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
