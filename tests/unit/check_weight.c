// SPDX-License-Identifier: GPL-2.0-only
#include <check.h>
#include <stdint.h>

#include "check_main.h"
#include "health.h"
#include "policy.h"
#include "weight.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ipvsadm's and the config's largest weight; the kernel takes up to INT_MAX. */
#define IPVS_MAX_WEIGHT 65535u
#define KERNEL_MAX      2147483647u

/*
 * Factors that are exact in binary (0.5, 0.25, 0.75) put the product on a
 * .5 where rounding is asked; the others name the constants the policy and
 * health weighting use.
 */
static const struct effective_case {
	const char *what;
	struct weight_inputs in;
	uint32_t want;
} effective_cases[] = {
	{ "configured 0 in rotation", { .configured = 0, .ramp = 1 }, 0 },
	{ "configured 0 with health", { .configured = 0, .health = true, .ramp = 1 }, 0 },
	{ "configured 0 ramping", { .configured = 0, .ramp = 0.5 }, 0 },
	{ "configured 0 out of rotation", { .configured = 0, .ramp = 0 }, 0 },
	{ "configured 0 removed", { .configured = 0, .ramp = 0, .remove = true }, WEIGHT_REMOVED },
	{ "out of rotation", { .configured = 100, .ramp = 0 }, 0 },
	{ "out of rotation, health", { 100, true, 100, 0, false, false, false }, 0 },
	{ "out of rotation removed",
	  { .configured = 100, .ramp = 0, .remove = true },
	  WEIGHT_REMOVED },
	{ "in rotation is not removed", { .configured = 100, .ramp = 1, .remove = true }, 100 },
	{ "ramp at its floor", { .configured = 100, .ramp = POLICY_RAMP_FLOOR }, 10 },
	{ "ramp midway", { .configured = 100, .ramp = 0.5 }, 50 },
	{ "ramp full", { .configured = 100, .ramp = 1 }, 100 },
	{ "ramp floor, weight 1", { .configured = 1, .ramp = POLICY_RAMP_FLOOR }, 1 },
	{ "health at 1", { 100, true, 100, 1, false, false, false }, 100 },
	{ "health low", { 100, true, 25, 1, false, false, false }, 25 },
	{ "health low, ramping", { 100, true, 25, 0.5, false, false, false }, 13 },
	{ "health at its floor", { 100, true, 1, 1, false, false, false }, 1 },
	{ "health floor, ramp floor", { 100, true, 1, POLICY_RAMP_FLOOR, false, false, false }, 1 },
	{ "health weight 0 in rotation", { 100, true, 0, 1, false, false, false }, 1 },
	{ "health above configured", { 10, true, 20, 1, false, false, false }, 10 },
	{ "health off ignores health", { 100, false, 5, 1, false, false, false }, 100 },
	{ "health off, ramping", { 100, false, 5, 0.5, false, false, false }, 50 },
	{ "0.4 up to the floor", { .configured = 4, .ramp = POLICY_RAMP_FLOOR }, 1 },
	{ "0.25 up to the floor", { .configured = 1, .ramp = 0.25 }, 1 },
	{ "0.5 rounds up", { .configured = 1, .ramp = 0.5 }, 1 },
	{ "1.5 rounds up", { .configured = 3, .ramp = 0.5 }, 2 },
	{ "2.5 rounds up", { .configured = 5, .ramp = 0.5 }, 3 },
	{ "1.5 health rounds up", { 100, true, 6, 0.25, false, false, false }, 2 },
	{ "2.25 rounds down", { .configured = 9, .ramp = 0.25 }, 2 },
	{ "2.75 rounds up", { .configured = 11, .ramp = 0.25 }, 3 },
	{ "ipvs max", { .configured = IPVS_MAX_WEIGHT, .ramp = 1 }, IPVS_MAX_WEIGHT },
	{ "ipvs max, 32767.5", { .configured = IPVS_MAX_WEIGHT, .ramp = 0.5 }, 32768 },
	{ "ipvs max, ramp floor",
	  { .configured = IPVS_MAX_WEIGHT, .ramp = POLICY_RAMP_FLOOR },
	  6554 },
	{ "ipvs max, health",
	  { IPVS_MAX_WEIGHT, true, IPVS_MAX_WEIGHT, 0.75, false, false, false },
	  49151 },
	{ "kernel max", { .configured = KERNEL_MAX, .ramp = 1 }, KERNEL_MAX },
	{ "kernel max, halved", { .configured = KERNEL_MAX, .ramp = 0.5 }, 1073741824 },
	{ "kernel max, health",
	  { KERNEL_MAX, true, KERNEL_MAX, 1, false, false, false },
	  KERNEL_MAX },
	{ "largest weight", { .configured = UINT32_MAX - 2, .ramp = 1 }, UINT32_MAX - 2 },
	{ "dry run: quarantined stays in", { .configured = 100, .ramp = 0, .dry_run = true }, 100 },
	{ "dry run: removed stays in",
	  { .configured = 100, .ramp = 0, .remove = true, .dry_run = true },
	  100 },
	{ "dry run: ramp not applied", { .configured = 100, .ramp = 0.5, .dry_run = true }, 100 },
	{ "dry run: health still applies", { 100, true, 25, 0, false, true, false }, 25 },
	{ "dry run: the operator's quarantine applies",
	  { .configured = 100, .ramp = 0, .dry_run = true, .manual = true },
	  0 },
	{ "dry run: configured 0 stays 0", { .configured = 0, .ramp = 0, .dry_run = true }, 0 },
};

START_TEST(effective)
{
	const struct effective_case *c = &effective_cases[_i];
	uint32_t got = weight_effective(&c->in);

	ck_assert_msg(got == c->want, "%s: got %u, want %u", c->what, got, c->want);
}
END_TEST

static const struct target_case {
	const char *what;
	uint32_t configured;
	double score;
	uint32_t want;
} target_cases[] = {
	{ "configured 0", 0, 1, 0 },
	{ "configured 0, score floor", 0, HEALTH_MIN_SCORE, 0 },
	{ "score 1", 100, 1, 100 },
	{ "score low", 100, 0.25, 25 },
	{ "score at its floor", 100, HEALTH_MIN_SCORE, 1 },
	{ "0.1 up to the floor", 10, HEALTH_MIN_SCORE, 1 },
	{ "1.5 rounds up", 3, 0.5, 2 },
	{ "2.5 rounds up", 5, 0.5, 3 },
	{ "2.25 rounds down", 9, 0.25, 2 },
	{ "ipvs max", IPVS_MAX_WEIGHT, 1, IPVS_MAX_WEIGHT },
	{ "ipvs max, score floor", IPVS_MAX_WEIGHT, HEALTH_MIN_SCORE, 655 },
	{ "kernel max, halved", KERNEL_MAX, 0.5, 1073741824 },
};

START_TEST(health_target)
{
	const struct target_case *c = &target_cases[_i];
	uint32_t got = weight_health_target(c->configured, c->score);

	ck_assert_msg(got == c->want, "%s: got %u, want %u", c->what, got, c->want);
}
END_TEST

/*
 * A release with a warm-up of 9 s, through the policy: one weight a second
 * from 10 to 100 on a weight of 100, none skipped or repeated.
 */
START_TEST(ramp_staircase)
{
	const uint64_t s_ns = 1000000000ull;
	struct policy_settings set = {
		.failures = 1,
		.window_ns = 10 * s_ns,
		.base_ns = s_ns,
		.max_ns = 60 * s_ns,
		.multiplier = 1,
		.max_ejected_percent = 100,
		.warmup_ns = 9 * s_ns,
	};
	struct weight_inputs in = { .configured = 100 };
	struct policy_service ps;
	struct policy_decision d;
	uint64_t k;

	ck_assert_int_eq(policy_service_init(&ps, &set, 1, 1), 0);
	ck_assert_int_eq(policy_quarantine(&ps, 0, 0, 0, &d), 1);
	ck_assert_int_eq(policy_release(&ps, 0, s_ns, &d), 1);
	for (k = 0; k <= POLICY_RAMP_STEPS; k++) {
		in.ramp = policy_weight_factor(&ps, 0, (1 + k) * s_ns);
		ck_assert_uint_eq(weight_effective(&in), 10 * (k + 1));
	}
	policy_service_clear(&ps);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("weight");
	TCase *tc = tcase_create("weight");

	tcase_add_loop_test(tc, effective, 0, ARRAY_SIZE(effective_cases));
	tcase_add_loop_test(tc, health_target, 0, ARRAY_SIZE(target_cases));
	tcase_add_test(tc, ramp_staircase);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
