// SPDX-License-Identifier: GPL-2.0-only
/*
 * sockreset without the kernel's help: the names of the mechanisms, what
 * FORCE asks for, and a handle without probes (vm_sockreset has the rest).
 */
#include <check.h>

#include <errno.h>
#include <string.h>

#include "check_main.h"
#include "sockreset.h"

START_TEST(names)
{
	ck_assert_str_eq(sockreset_mechanism_name(SOCKRESET_NONE), "none");
	ck_assert_str_eq(sockreset_mechanism_name(SOCKRESET_BPF_DESTROY), "bpf_sock_destroy");
	ck_assert_str_eq(sockreset_mechanism_name(SOCKRESET_INET_DIAG), "inet_diag");
	ck_assert_str_eq(sockreset_mechanism_name((enum sockreset_mechanism)42), "none");
}
END_TEST

START_TEST(unknown_mechanism_is_none_and_says_so)
{
	struct sockreset *r = sockreset_new(NULL, 250, "ss-K");

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(sockreset_mechanism(r), SOCKRESET_NONE);
	ck_assert_str_eq(
	    sockreset_why(r),
	    "unknown mechanism \"ss-K\" asked for (bpf_sock_destroy, inet_diag, none)");
	sockreset_free(r);
}
END_TEST

START_TEST(none_asked_for)
{
	struct sockreset *r = sockreset_new(NULL, 250, "none");

	ck_assert_int_eq(sockreset_mechanism(r), SOCKRESET_NONE);
	ck_assert_str_eq(sockreset_why(r), "none asked for");
	ck_assert_int_eq(sockreset_sweep(r, NULL, NULL), 0);
	sockreset_free(r);
}
END_TEST

/* Without probes, no mechanism can find a socket: each says why, and nothing is done. */
START_TEST(without_probes)
{
	struct sockreset_target t = { .protocol = 6 };
	struct sockreset *r = sockreset_new(NULL, 250, NULL);

	ck_assert_int_eq(sockreset_mechanism(r), SOCKRESET_NONE);
	ck_assert_str_eq(sockreset_why(r),
			 "bpf_sock_destroy: the BPF programs are not loaded; inet_diag: no socket "
			 "iterators to find the sockets: the BPF programs are not loaded");
	ck_assert_int_eq(sockreset_set_targets(r, NULL, 0), 0);
	ck_assert_int_eq(sockreset_set_targets(r, &t, 1), -EOPNOTSUPP);
	ck_assert_int_eq(sockreset_sweep(r, NULL, NULL), 0);
	sockreset_free(r);
	sockreset_free(NULL);
}
END_TEST

/* Forcing one mechanism does not fall back to the other. */
START_TEST(forced_does_not_fall_back)
{
	struct sockreset *r = sockreset_new(NULL, 250, "bpf_sock_destroy");

	ck_assert_int_eq(sockreset_mechanism(r), SOCKRESET_NONE);
	ck_assert_str_eq(sockreset_why(r), "bpf_sock_destroy: the BPF programs are not loaded");
	sockreset_free(r);
	r = sockreset_new(NULL, 250, "inet_diag");
	ck_assert_str_eq(sockreset_why(r),
			 "bpf_sock_destroy: not asked for (inet_diag); inet_diag: no socket "
			 "iterators to find the sockets: the BPF programs are not loaded");
	sockreset_free(r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sockreset");
	TCase *tc = tcase_create("sockreset");

	tcase_add_test(tc, names);
	tcase_add_test(tc, unknown_mechanism_is_none_and_says_so);
	tcase_add_test(tc, none_asked_for);
	tcase_add_test(tc, without_probes);
	tcase_add_test(tc, forced_does_not_fall_back);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
