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

START_TEST(unreadable_state_is_an_error_not_an_empty_one)
{
	static const char *const bad[] = {
		"{not json",
		"{\"version\": 2, \"services\": []}",
		"{\"version\": 1}",
		"{\"version\": 1, \"services\": [{\"protocol\": \"sctp\", \"vip\": "
		"\"1.2.3.4:5\"}]}",
		"{\"version\": 1, \"services\": [{\"protocol\": \"tcp\", \"vip\": \"1.2.3.4\"}]}",
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
	tcase_add_test(tc, unreadable_state_is_an_error_not_an_empty_one);
	tcase_add_test(tc, save_fails_cleanly_without_a_directory);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
