// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <check.h>

#include "check_main.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reconcile.h"
#include "state.h"

static char dir[] = "/tmp/check-state-XXXXXX";
static char path[256];

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.json", dir);
}

static void teardown(void)
{
	unlink(path);
	rmdir(dir);
	strcpy(dir, "/tmp/check-state-XXXXXX");
}

static void write_text(const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(missing_file_is_an_empty_state)
{
	struct state s;
	char err[128];

	ck_assert_int_eq(state_load(path, &s, err, sizeof(err)), 0);
	ck_assert_uint_eq(s.n_owned, 0);
	state_clear(&s);
}
END_TEST

START_TEST(round_trip)
{
	struct ipvs_service owned[2];
	struct state s = { 0 }, back;
	char err[128], tmp[300];

	memset(owned, 0, sizeof(owned));
	owned[0].af = AF_INET;
	owned[0].protocol = IPPROTO_TCP;
	inet_pton(AF_INET, "10.96.0.10", &owned[0].addr.v4);
	owned[0].port = 443;
	owned[1].af = AF_INET6;
	owned[1].protocol = IPPROTO_UDP;
	inet_pton(AF_INET6, "fd00::10", owned[1].addr.v6);
	owned[1].port = 53;
	strcpy(owned[1].scheduler, "rr"); /* not a key: not stored */

	ck_assert_int_eq(state_set_owned(&s, owned, 2), 0);
	ck_assert_int_eq(state_save(path, &s), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	ck_assert_int_ne(access(tmp, F_OK), 0);
	ck_assert_int_eq(state_load(path, &back, err, sizeof(err)), 0);
	ck_assert_uint_eq(back.n_owned, 2);
	ck_assert_int_eq(reconcile_service_cmp(&back.owned[0], &owned[0]), 0);
	ck_assert_int_eq(reconcile_service_cmp(&back.owned[1], &owned[1]), 0);
	ck_assert_str_eq(back.owned[1].scheduler, "");
	state_clear(&s);
	state_clear(&back);
}
END_TEST

START_TEST(destinations_round_trip)
{
	struct state s = { 0 }, back;
	struct state_dest d[2];
	char err[128];

	memset(d, 0, sizeof(d));
	d[0].key.af = AF_INET;
	d[0].key.protocol = IPPROTO_TCP;
	inet_pton(AF_INET, "10.96.0.10", &d[0].key.addr.v4);
	d[0].key.port = 443;
	ck_assert_int_eq(config_addr_parse("10.0.0.2:8443", &d[0].real, NULL, 0), 0);
	d[0].policy.state = POLICY_QUARANTINED;
	d[0].policy.relapses = 3;
	d[0].policy.quarantines = 7;
	d[0].policy.since_ns = 1700000000123000000ull;
	d[0].policy.until_ns = 1700000060123000000ull;
	d[0].policy.next_probe_ns = POLICY_NEVER;
	d[0].policy.last_duration_ns = 60000000000ull;
	d[0].policy.stable_since_ns = POLICY_NEVER;
	d[1] = d[0];
	ck_assert_int_eq(config_addr_parse("[fd00::2]:8443", &d[1].real, NULL, 0), 0);
	d[1].policy.manual = true;
	d[1].policy.until_ns = POLICY_NEVER;

	ck_assert_int_eq(state_set_dests(&s, d, 2), 0);
	ck_assert_int_eq(state_save(path, &s), 0);
	ck_assert_int_eq(state_load(path, &back, err, sizeof(err)), 0);
	ck_assert_uint_eq(back.n_dests, 2);
	ck_assert_int_eq(reconcile_service_cmp(&back.dests[0].key, &d[0].key), 0);
	ck_assert_mem_eq(&back.dests[0].real, &d[0].real, sizeof(d[0].real));
	ck_assert_mem_eq(&back.dests[0].policy, &d[0].policy, sizeof(d[0].policy));
	ck_assert_mem_eq(&back.dests[1].real, &d[1].real, sizeof(d[1].real));
	ck_assert(back.dests[1].policy.manual);
	ck_assert_uint_eq(back.dests[1].policy.until_ns, POLICY_NEVER);
	state_clear(&s);
	state_clear(&back);
}
END_TEST

START_TEST(unreadable_state_is_an_error_not_an_empty_one)
{
	static const char *const bad[] = {
		"{not json",
		"{\"version\": 2, \"services\": []}",
		"{\"version\": 1}",
		"{\"version\": 1, \"services\": [{\"protocol\": \"sctp\", \"vip\": "
		"\"1.2.3.4:5\"}]}",
		"{\"version\": 1, \"services\": [{\"protocol\": \"tcp\", \"vip\": \"1.2.3.4\"}]}",
		"{\"version\": 1, \"services\": [], \"destinations\": [{\"protocol\": \"tcp\"}]}",
		"{\"version\": 1, \"services\": [], \"destinations\": {}}",
		"",
	};
	struct state s;
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_text(bad[i]);
		err[0] = '\0';
		ck_assert_int_eq(state_load(path, &s, err, sizeof(err)), -EBADMSG);
		ck_assert_msg(err[0], "no reason given for \"%s\"", bad[i]);
		ck_assert_uint_eq(s.n_owned, 0);
	}
}
END_TEST

START_TEST(save_fails_cleanly_without_a_directory)
{
	struct state s = { 0 };

	ck_assert_int_eq(state_save("/nonexistent-dir/state.json", &s), -ENOENT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("state");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, missing_file_is_an_empty_state);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, destinations_round_trip);
	tcase_add_test(tc, unreadable_state_is_an_error_not_an_empty_one);
	tcase_add_test(tc, save_fails_cleanly_without_a_directory);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
