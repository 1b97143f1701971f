// SPDX-License-Identifier: GPL-2.0-only
/* The line `systemctl status vigild` shows (STATUS=). */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "check_parse.h"
#include "runtime.h"
#include "status-line.h"

#define NOW 1000000000000ull

static const char *format(const struct status_line *st)
{
	static char buf[STATUS_LINE_MAX];

	status_line_format(st, buf, sizeof(buf));
	return buf;
}

START_TEST(counts_services_and_destinations_in_rotation)
{
	struct config *c =
	    parse("services:\n"
		  "  - { name: web, vip: 10.96.0.1:80,\n"
		  "      destinations: [10.100.1.2:80, 10.100.2.2:80, 10.100.3.2:80] }\n"
		  "  - { name: api, vip: 10.96.0.2:80,\n"
		  "      destinations: [10.100.1.2:81, { address: 10.100.2.2:81, weight: 0 "
		  "}] }\n");
	struct runtime *rt = NULL;
	struct policy_decision d;
	struct status_line st = { 0 };

	ck_assert_int_eq(runtime_new(c, NULL, NOW, &rt), 0);
	/* one quarantined: out of rotation, as is the destination configured at weight 0 */
	ck_assert_int_eq(policy_quarantine(&rt->services[0].policy, 1, NOW, 0, &d), 1);
	status_line_count(rt, NOW, &st);
	ck_assert_uint_eq(st.services, 2);
	ck_assert_uint_eq(st.dests, 5);
	ck_assert_uint_eq(st.in_rotation, 3);
	ck_assert_str_eq(format(&st), "2 services, 3 of 5 destinations in rotation");
	runtime_free(rt);
	config_free(c);
}
END_TEST

START_TEST(no_services_says_the_host_is_untouched)
{
	struct status_line st = { 0 };

	status_line_count(NULL, NOW, &st);
	ck_assert_str_eq(format(&st), "no services configured: the host is left as it is");
	st.services = 1;
	st.dests = 1;
	st.in_rotation = 1;
	ck_assert_str_eq(format(&st), "1 service, 1 of 1 destination in rotation");
}
END_TEST

START_TEST(says_what_is_degraded_and_a_rejected_reload)
{
	struct degraded d = { 0 };
	struct status_line st = { .services = 1, .dests = 2, .in_rotation = 2, .degraded = &d };

	/* all attached, or off as asked: nothing to say */
	d.caps[DEGRADED_HEALTH].state = DEGRADED_OFF;
	ck_assert_str_eq(format(&st), "1 service, 2 of 2 destinations in rotation");
	d.caps[DEGRADED_CORRELATION].state = DEGRADED_MISSING;
	d.caps[DEGRADED_EVENTS].state = DEGRADED_UNUSED;
	d.caps[DEGRADED_HEALTH].state = DEGRADED_SILENT;
	ck_assert_str_eq(format(&st), "1 service, 2 of 2 destinations in rotation; degraded: "
				      "connection_events unused, real_destination missing, "
				      "health_metrics silent");
	memset(&d, 0, sizeof(d));
	st.reload_error = "/etc/vigil/vigil.yaml:5:20: weight: expected an integer, got \"lots\"";
	ck_assert_str_eq(format(&st), "1 service, 2 of 2 destinations in rotation; last reload "
				      "rejected: /etc/vigil/vigil.yaml:5:20: weight: expected an "
				      "integer, got \"lots\"");
}
END_TEST

START_TEST(a_long_line_is_cut)
{
	struct status_line st = { .services = 1, .dests = 1, .in_rotation = 1 };
	char buf[32], reason[2000];

	memset(reason, 'x', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	st.reload_error = reason;
	status_line_format(&st, buf, sizeof(buf));
	ck_assert_uint_eq(strlen(buf), sizeof(buf) - 1);
	ck_assert_str_eq(buf, "1 service, 1 of 1 destination i");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("status_line");
	TCase *tc = tcase_create("status_line");

	tcase_add_test(tc, counts_services_and_destinations_in_rotation);
	tcase_add_test(tc, no_services_says_the_host_is_untouched);
	tcase_add_test(tc, says_what_is_degraded_and_a_rejected_reload);
	tcase_add_test(tc, a_long_line_is_cut);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
