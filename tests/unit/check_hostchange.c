// SPDX-License-Identifier: GPL-2.0-only
/* The sysctl records vigild keeps to undo its changes, and what undoing each one means. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "check_main.h"
#include "hostchange.h"

START_TEST(the_first_record_stays)
{
	struct hostchange_sysctl *list = NULL;
	size_t n = 0;

	ck_assert_int_eq(hostchange_sysctl_record(&list, &n, "expire_nodest_conn", 0, 1), 1);
	/* a restart reads vigild's own 1: the host's 0 must not be lost */
	ck_assert_int_eq(hostchange_sysctl_record(&list, &n, "expire_nodest_conn", 1, 1), 0);
	ck_assert_int_eq(hostchange_sysctl_record(&list, &n, "expire_quiescent_template", 0, 1), 1);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(hostchange_sysctl_find(list, n, "expire_nodest_conn")->was, 0);
	ck_assert_ptr_null(hostchange_sysctl_find(list, n, "conn_reuse_mode"));
	hostchange_sysctl_forget(list, &n, "expire_nodest_conn");
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(list[0].name, "expire_quiescent_template");
	/* forgotten (restored): the next change records the host's value afresh */
	ck_assert_int_eq(hostchange_sysctl_record(&list, &n, "expire_nodest_conn", 2, 1), 1);
	ck_assert_int_eq(hostchange_sysctl_find(list, n, "expire_nodest_conn")->was, 2);
	ck_assert_int_eq(hostchange_sysctl_record(&list, &n,
						  "a_name_far_too_long_to_be_any_sysctl_of_net_"
						  "ipv4_vs_that_vigild_could_change",
						  0, 1),
			 -EINVAL);
	free(list);
}
END_TEST

START_TEST(undo_restores_only_what_still_has_vigilds_value)
{
	const struct hostchange_sysctl rec = { "expire_nodest_conn", 0, 1 };

	ck_assert_int_eq(hostchange_sysctl_undo(&rec, 0, 1), HOSTCHANGE_RESTORE);
	ck_assert_int_eq(hostchange_sysctl_undo(&rec, 0, 0), HOSTCHANGE_UNCHANGED);
	/* an operator's value since is theirs */
	ck_assert_int_eq(hostchange_sysctl_undo(&rec, 0, 2), HOSTCHANGE_CHANGED);
	/* ip_vs unloaded: the sysctl went with it */
	ck_assert_int_eq(hostchange_sysctl_undo(&rec, -ENOENT, 0), HOSTCHANGE_GONE);
	ck_assert_int_eq(hostchange_sysctl_undo(&rec, -EACCES, 0), HOSTCHANGE_UNREADABLE);
}
END_TEST

START_TEST(a_record_goes_once_undone)
{
	ck_assert(hostchange_sysctl_done(HOSTCHANGE_RESTORE, 0));
	/* the write failed: kept, so that cleanup can try again */
	ck_assert(!hostchange_sysctl_done(HOSTCHANGE_RESTORE, -EACCES));
	ck_assert(hostchange_sysctl_done(HOSTCHANGE_UNCHANGED, 0));
	ck_assert(hostchange_sysctl_done(HOSTCHANGE_CHANGED, 0));
	ck_assert(hostchange_sysctl_done(HOSTCHANGE_GONE, 0));
	ck_assert(!hostchange_sysctl_done(HOSTCHANGE_UNREADABLE, 0));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hostchange");
	TCase *tc = tcase_create("sysctls");

	tcase_add_test(tc, the_first_record_stays);
	tcase_add_test(tc, undo_restores_only_what_still_has_vigilds_value);
	tcase_add_test(tc, a_record_goes_once_undone);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
