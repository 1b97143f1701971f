// SPDX-License-Identifier: GPL-2.0-only
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "check_main.h"
#include "check_parse.h"
#include "config.h"
#include "detector.h"
#include "fallback.h"
#include "policy.h"

#define MS 1000000ull
#define S  (1000 * MS)

static const struct config_fallback EVERY_2S = { .interval_ms = 2000, .timeout_ms = 1000 };

/* Exactly the destinations in WANT (-1 ends it) are due at now. */
static void due(struct fallback_service *f, const struct policy_service *p, uint64_t now,
		const int *want)
{
	size_t out[8], n, i;

	n = fallback_due(f, p, now, out, 8);
	for (i = 0; want[i] >= 0; i++) {
		ck_assert_msg(i < n, "at %llu ms: %zu due, expected more",
			      (unsigned long long)(now / MS), n);
		ck_assert_uint_eq(out[i], (size_t)want[i]);
	}
	ck_assert_msg(n == i, "at %llu ms: %zu due, expected %zu", (unsigned long long)(now / MS),
		      n, i);
}

#define DUE(f, p, now, ...) due(f, p, now, (const int[]){ __VA_ARGS__, -1 })
#define NONE_DUE(f, p, now) due(f, p, now, (const int[]){ -1 })

START_TEST(tcp_services_and_udp_ones_with_a_probe)
{
	struct config *c = parse("services:\n"
				 "  - {name: web, vip: 10.0.0.1:80, destinations: [10.1.0.1:80]}\n"
				 "  - {name: dns, vip: 10.0.0.1:53, protocol: udp,\n"
				 "     destinations: [10.1.0.1:53]}\n"
				 "  - {name: dns-tcp, vip: 10.0.0.2:53, protocol: udp,\n"
				 "     probation: {probe: tcp}, destinations: [10.1.0.1:53]}\n"
				 "  - {name: syslog, vip: 10.0.0.3:514, protocol: udp,\n"
				 "     destinations: [10.1.0.1:514]}\n"
				 "  - {name: game, vip: 10.0.0.4:7777, protocol: udp,\n"
				 "     probation: {probe: udp}, destinations: [10.1.0.1:7777]}\n"
				 "  - {name: web-unprobed, vip: 10.0.0.5:80,\n"
				 "     probation: {probe: none}, destinations: [10.1.0.1:80]}\n");

	ck_assert(fallback_applies(&c->services[0]));
	/* port 53: probe auto is dns, which udpcheck can do */
	ck_assert(fallback_applies(&c->services[1]));
	ck_assert(fallback_applies(&c->services[2]));
	/* another UDP service says nothing of how to check it */
	ck_assert(!fallback_applies(&c->services[3]));
	ck_assert(fallback_applies(&c->services[4]));
	/* a TCP service is checked with a connect whatever its probe */
	ck_assert(fallback_applies(&c->services[5]));
	config_free(c);
}
END_TEST

START_TEST(first_checks_are_spread_over_one_interval)
{
	struct fallback_service f;

	ck_assert_int_eq(fallback_service_init(&f, &EVERY_2S, 4, 10 * S), 0);
	ck_assert_uint_eq(f.timeout_ns, 1 * S);
	ck_assert_uint_eq(fallback_next_deadline(&f), 10 * S);
	DUE(&f, NULL, 10 * S, 0);
	ck_assert_uint_eq(fallback_next_deadline(&f), 10 * S + 500 * MS);
	NONE_DUE(&f, NULL, 10 * S + 499 * MS);
	DUE(&f, NULL, 10 * S + 500 * MS, 1);
	/* late: both that are due at once */
	DUE(&f, NULL, 11 * S + 600 * MS, 2, 3);
	fallback_service_clear(&f);
	fallback_service_clear(&f);
}
END_TEST

START_TEST(one_check_at_a_time_each_interval_without_drift)
{
	struct fallback_service f;

	ck_assert_int_eq(fallback_service_init(&f, &EVERY_2S, 1, 0), 0);
	DUE(&f, NULL, 0, 0);
	/* running: never twice, and not a deadline */
	ck_assert_uint_eq(fallback_next_deadline(&f), POLICY_NEVER);
	NONE_DUE(&f, NULL, 5 * S);
	ck_assert_int_eq(fallback_done(&f, 0, 300 * MS), 0);
	ck_assert_int_eq(fallback_done(&f, 0, 300 * MS), -EINVAL);
	/* due one interval after the last was due, not after it ended */
	ck_assert_uint_eq(fallback_next_deadline(&f), 2 * S);
	DUE(&f, NULL, 2 * S + 10 * MS, 0);
	ck_assert_int_eq(fallback_done(&f, 0, 2 * S + 900 * MS), 0);
	ck_assert_uint_eq(fallback_next_deadline(&f), 4 * S);
	/* a check that outlasts its turn: the next at once when it ends */
	DUE(&f, NULL, 4 * S, 0);
	ck_assert_int_eq(fallback_done(&f, 0, 7 * S), 0);
	ck_assert_uint_eq(fallback_next_deadline(&f), 7 * S);
	/* a clock that jumped ahead: one check, not the missed turns */
	DUE(&f, NULL, 100 * S, 0);
	ck_assert_int_eq(fallback_done(&f, 0, 100 * S), 0);
	ck_assert_uint_eq(fallback_next_deadline(&f), 101 * S);
	fallback_service_clear(&f);
}
END_TEST

START_TEST(bad_arguments_are_refused)
{
	struct config_fallback zero = { 0 };
	struct fallback_service f;

	ck_assert_int_eq(fallback_service_init(&f, &zero, 1, 0), -EINVAL);
	ck_assert_int_eq(fallback_service_init(&f, &EVERY_2S, POLICY_MAX_DESTS + 1, 0), -EINVAL);
	ck_assert_int_eq(fallback_service_init(&f, &EVERY_2S, 0, 0), 0);
	ck_assert_uint_eq(fallback_next_deadline(&f), POLICY_NEVER);
	ck_assert_int_eq(fallback_done(&f, 0, 0), -EINVAL);
	fallback_service_clear(&f);
}
END_TEST

/*
 * What watch.c does with a check's result: a failure is evidence for the
 * policy. Returns the policy's answer (1 with *d when it decided).
 */
static int check_ended(struct fallback_service *f, struct policy_service *p, size_t dest,
		       bool passed, uint64_t now, struct policy_decision *d)
{
	ck_assert_int_eq(fallback_done(f, dest, now), 0);
	if (passed)
		return 0;
	return policy_on_evidence(p, dest, EVIDENCE_PROBE_FAILED, true, now, d);
}

/* The policy and the fallback checks of cs, as vigild keeps them. */
static void start_service(const struct config_service *cs, struct policy_service *p,
			  struct fallback_service *f)
{
	struct policy_settings set;

	policy_settings_from_config(&cs->policy, cs->protocol, &set);
	ck_assert_int_eq(policy_service_init(p, &set, cs->n_dests, 1), 0);
	ck_assert_int_eq(fallback_service_init(f, &cs->policy.fallback, cs->n_dests, 0), 0);
}

static void stop_service(struct config *c, struct policy_service *p, struct fallback_service *f)
{
	policy_service_clear(p);
	fallback_service_clear(f);
	config_free(c);
}

START_TEST(failed_checks_quarantine_through_the_policy)
{
	/* two failures within the window quarantine; probation probes, warm-up off */
	struct config *c = parse("defaults:\n"
				 "  quarantine: {failures: 2, window: 10s, base: 5s, jitter: 0%}\n"
				 "  probation: {warmup: 0s}\n"
				 "services:\n"
				 "  - name: web\n"
				 "    vip: 10.0.0.1:80\n"
				 "    destinations: [10.1.0.1:80, 10.1.0.2:80]\n");
	const struct config_service *cs = &c->services[0];
	struct policy_service p = { 0 };
	struct fallback_service f;
	struct policy_decision d;
	size_t out[4];
	uint64_t t;

	start_service(cs, &p, &f);

	/* 0 s: both checked (dest 1 a second later), dest 0 fails once: not yet */
	DUE(&f, &p, 0, 0);
	ck_assert_int_eq(check_ended(&f, &p, 0, false, 1 * S, &d), 0);
	DUE(&f, &p, 1 * S, 1);
	ck_assert_int_eq(check_ended(&f, &p, 1, true, 1 * S + 10 * MS, &d), 0);
	/* 2 s: the second failure within the window quarantines it */
	DUE(&f, &p, 2 * S, 0);
	ck_assert_int_eq(check_ended(&f, &p, 0, false, 3 * S, &d), 1);
	ck_assert_int_eq(d.action, POLICY_ACT_QUARANTINE);
	ck_assert_int_eq(d.evidence, EVIDENCE_PROBE_FAILED);
	ck_assert_str_eq(evidence_kind_name(d.evidence), "probe-failed");
	ck_assert_uint_eq(d.duration_ns, 5 * S);
	/* out of rotation: its turns go by unchecked, the other's go on */
	DUE(&f, &p, 3 * S, 1);
	ck_assert_int_eq(check_ended(&f, &p, 1, true, 3 * S, &d), 0);
	NONE_DUE(&f, &p, 4 * S);
	ck_assert_uint_eq(fallback_next_deadline(&f), 5 * S);
	/* 8 s: the quarantine ends in probation, which probes it itself */
	t = 8 * S;
	ck_assert_uint_eq(policy_tick(&p, t, &d, 1), 1);
	ck_assert_int_eq(d.action, POLICY_ACT_PROBE);
	ck_assert_uint_eq(fallback_due(&f, &p, t, out, 4), 1);
	ck_assert_uint_eq(out[0], 1);
	ck_assert_int_eq(fallback_done(&f, 1, t), 0);
	ck_assert_int_eq(policy_on_probe(&p, 0, true, t + 10 * MS, &d), 1);
	ck_assert_int_eq(d.action, POLICY_ACT_HEALTHY);
	/* back in rotation: checked again at its next turn (dest 1's came at 9 s) */
	DUE(&f, &p, 10 * S, 0, 1);
	ck_assert_int_eq(check_ended(&f, &p, 0, true, 10 * S, &d), 0);

	stop_service(c, &p, &f);
}
END_TEST

START_TEST(failed_checks_fail_open)
{
	/* every destination failing: max_ejected_percent keeps half in */
	struct config *c = parse("services:\n"
				 "  - name: web\n"
				 "    vip: 10.0.0.1:80\n"
				 "    destinations: [10.1.0.1:80, 10.1.0.2:80]\n");
	const struct config_service *cs = &c->services[0];
	struct policy_service p = { 0 };
	struct fallback_service f;
	struct policy_decision d;

	start_service(cs, &p, &f);
	DUE(&f, &p, 0, 0);
	ck_assert_int_eq(check_ended(&f, &p, 0, false, 1 * S, &d), 1);
	ck_assert_int_eq(d.action, POLICY_ACT_QUARANTINE);
	DUE(&f, &p, 1 * S, 1);
	ck_assert_int_eq(check_ended(&f, &p, 1, false, 2 * S, &d), 1);
	ck_assert_int_eq(d.action, POLICY_ACT_FAIL_OPEN);
	ck_assert_int_eq(d.evidence, EVIDENCE_PROBE_FAILED);
	/* kept in rotation, so still checked */
	DUE(&f, &p, 3 * S, 1);
	stop_service(c, &p, &f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fallback");
	TCase *tc = tcase_create("fallback");

	tcase_add_test(tc, tcp_services_and_udp_ones_with_a_probe);
	tcase_add_test(tc, first_checks_are_spread_over_one_interval);
	tcase_add_test(tc, one_check_at_a_time_each_interval_without_drift);
	tcase_add_test(tc, bad_arguments_are_refused);
	tcase_add_test(tc, failed_checks_quarantine_through_the_policy);
	tcase_add_test(tc, failed_checks_fail_open);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
