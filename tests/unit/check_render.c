// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check_main.h"
#include "render.h"

#include "fixture_render.h"

START_TEST(list_without_agent_or_kernel)
{
	struct ipvs_timeouts timeouts = { .tcp = 900, .tcp_fin = 120, .udp = 300 };
	struct json_object *o = render_list(false, NULL, 0, kernel_table(), NULL, NULL);

	ck_assert_str_eq(str(o, "agent"), "false");
	ck_assert_ptr_null(at(o, "ipvs"));
	ck_assert_int_eq(json_object_array_length(at(o, "services")), 3);
	ck_assert_str_eq(str(o, "services.0.managed"), "false");
	ck_assert_str_eq(str(o, "services.0.destinations.0.weight"), "100");
	/* where the kernel's dump has each: ipvsadm's order starts there */
	ck_assert_str_eq(str(o, "services.1.kernel_index"), "1");
	ck_assert_str_eq(str(o, "services.0.destinations.2.kernel_index"), "2");
	/* the scheduler's flags by the names ipvsadm gives them under sh */
	ck_assert_str_eq(str(o, "services.2.sched_flags.0"), "sh-fallback");
	ck_assert_str_eq(str(o, "services.2.sched_flags.1"), "sh-port");
	ck_assert_ptr_null(at(o, "services.0.sched_flags"));
	json_object_put(o);
	/* the timeouts alone make an ipvs section */
	o = render_list(false, NULL, 0, NULL, NULL, &timeouts);
	ck_assert_str_eq(str(o, "ipvs.timeout.tcp"), "900");
	ck_assert_str_eq(str(o, "ipvs.timeout.tcp_fin"), "120");
	ck_assert_str_eq(str(o, "ipvs.timeout.udp"), "300");
	ck_assert_ptr_null(at(o, "ipvs.version"));
	json_object_put(o);
	o = render_list(false, NULL, 0, NULL, NULL, NULL);
	ck_assert_int_eq(json_object_array_length(at(o, "services")), 0);
	ck_assert_str_eq(str(o, "kernel"), "false");
	json_object_put(o);
}
END_TEST

/*
 * What vigild fills in, merged with the kernel's table: its own destinations
 * first, matched to the kernel's by vigild, then the ones someone else added.
 */
START_TEST(list_merges_what_vigild_fills_in)
{
	struct ipvs_table *t = kernel_table();
	struct config_addr a[2] = {
		{ .family = AF_INET, .port = 8080 },
		{ .family = AF_INET, .port = 8080 },
	};
	struct render_dest d[2] = {
		{ .addr = &a[0],
		  .kernel = &t->services[0].dests[0],
		  .state = "healthy",
		  .configured_weight = 100,
		  .applied = true,
		  .effective_weight = 100,
		  .desired_weight = 100,
		  .score = 1.0 },
		{ .addr = &a[1],
		  .state = "quarantined",
		  .manual = true,
		  .configured_weight = 200,
		  .score = 0.5,
		  .measured = true,
		  .rtt_ms = 1.25,
		  .loss = 0.125,
		  .quarantines = 1,
		  .quarantined_until = true,
		  .remaining_ms = 59000 },
	};
	struct render_service s = { .name = "web",
				    .key = &t->services[0].svc,
				    .kernel = &t->services[0],
				    .dests = d,
				    .n_dests = 2 };
	struct json_object *o;

	inet_pton(AF_INET, "10.100.1.2", a[0].addr);
	inet_pton(AF_INET, "10.100.2.2", a[1].addr);
	o = render_list(true, &s, 1, t, NULL, NULL);
	ck_assert_str_eq(str(o, "agent"), "true");
	/* web, then the kernel's two that vigild does not manage */
	ck_assert_int_eq(json_object_array_length(at(o, "services")), 3);
	ck_assert_str_eq(str(o, "services.0.name"), "web");
	ck_assert_str_eq(str(o, "services.1.managed"), "false");
	ck_assert_int_eq(json_object_array_length(at(o, "services.0.destinations")), 4);
	ck_assert_str_eq(str(o, "services.0.destinations.0.active_conns"), "3");
	ck_assert_str_eq(str(o, "services.0.destinations.1.in_kernel"), "false");
	ck_assert_ptr_null(at(o, "services.0.destinations.1.kernel_index"));
	ck_assert_str_eq(str(o, "services.0.destinations.2.kernel_index"), "1");
	ck_assert_ptr_null(at(o, "services.0.destinations.1.effective_weight"));
	ck_assert_str_eq(str(o, "services.0.destinations.1.manual"), "true");
	ck_assert_str_eq(str(o, "services.0.destinations.1.rtt_ms"), "1.250");
	ck_assert_str_eq(str(o, "services.0.destinations.1.loss"), "0.1250");
	ck_assert_str_eq(str(o, "services.0.destinations.1.remaining_ms"), "59000");
	ck_assert_ptr_null(at(o, "services.0.destinations.0.remaining_ms"));
	ck_assert_str_eq(str(o, "services.0.destinations.2.address"), "10.100.3.2:8080");
	ck_assert_str_eq(str(o, "services.0.destinations.2.managed"), "false");
	json_object_put(o);
}
END_TEST

START_TEST(names_and_times)
{
	char buf[40];

	render_time(1767225600123000000ll, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2026-01-01T00:00:00.123Z");
	ck_assert_str_eq(render_protocol(IPPROTO_SCTP, buf, sizeof(buf)), "sctp");
	ck_assert_str_eq(render_protocol(47, buf, sizeof(buf)), "proto-47");
	ck_assert_str_eq(render_forward(IPVS_FWD_TUNNEL), "tunnel");
	ck_assert_str_eq(render_forward(99), "?");
	render_ipvs_version(0x010201, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1.2.1");
}
END_TEST

static Suite *render_suite(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("json");

	tcase_add_test(tc, list_without_agent_or_kernel);
	tcase_add_test(tc, list_merges_what_vigild_fills_in);
	tcase_add_test(tc, names_and_times);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(render_suite(), CK_NORMAL);
}
