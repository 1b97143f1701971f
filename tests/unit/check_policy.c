// SPDX-License-Identifier: GPL-2.0-only
#include <check.h>

#include "check_main.h"
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <string.h>

#include "config.h"
#include "policy.h"

#define MS 1000000ull
#define S  (1000 * MS)

/* Any evidence kind: the policy passes it through without looking at it. */
#define KIND 3

/* No jitter unless a test asks, so durations are exact. */
static struct policy_settings settings(void)
{
	return (struct policy_settings){
		.failures = 1,
		.window_ns = 10 * S,
		.base_ns = 1 * S,
		.max_ns = 60 * S,
		.multiplier = 2.0,
		.jitter = 0.0,
		.max_ejected_percent = 50,
		.probe = true,
		.successes = 1,
		.probe_interval_ns = 1 * S,
		.warmup_ns = 9 * S, /* one step a second */
	};
}

static void init(struct policy_service *s, const struct policy_settings *set, size_t n)
{
	ck_assert_int_eq(policy_service_init(s, set, n, 42), 0);
}

static struct policy_decision evidence(struct policy_service *s, size_t i, uint64_t now,
				       enum policy_action want)
{
	struct policy_decision d;

	ck_assert_int_eq(policy_on_evidence(s, i, KIND, false, now, &d), 1);
	ck_assert_msg(d.action == want, "evidence gave %s, expected %s",
		      policy_action_name(d.action), policy_action_name(want));
	ck_assert_uint_eq(d.dest, i);
	ck_assert_uint_eq(d.at_ns, now);
	ck_assert_int_eq(d.evidence, KIND);
	return d;
}

static void no_decision_on_evidence(struct policy_service *s, size_t i, uint64_t now)
{
	struct policy_decision d;

	ck_assert_int_eq(policy_on_evidence(s, i, KIND, false, now, &d), 0);
}

/* A tick that must make exactly one decision, ACTION about destination I. */
static struct policy_decision tick_one(struct policy_service *s, uint64_t now, size_t i,
				       enum policy_action want)
{
	struct policy_decision out[4];

	ck_assert_uint_eq(policy_tick(s, now, out, 4), 1);
	ck_assert_msg(out[0].action == want, "tick gave %s, expected %s",
		      policy_action_name(out[0].action), policy_action_name(want));
	ck_assert_uint_eq(out[0].dest, i);
	ck_assert_uint_eq(out[0].at_ns, now);
	return out[0];
}

static void tick_none(struct policy_service *s, uint64_t now)
{
	struct policy_decision out[4];

	ck_assert_uint_eq(policy_tick(s, now, out, 4), 0);
}

static struct policy_decision probe(struct policy_service *s, size_t i, bool passed, uint64_t now,
				    enum policy_action want)
{
	struct policy_decision d;

	ck_assert_int_eq(policy_on_probe(s, i, passed, now, &d), 1);
	ck_assert_msg(d.action == want, "probe gave %s, expected %s", policy_action_name(d.action),
		      policy_action_name(want));
	ck_assert_uint_eq(d.dest, i);
	return d;
}

static enum policy_state state(const struct policy_service *s, size_t i)
{
	return s->dests[i].state;
}

/* A service of two destinations, and evidence at 0 that quarantines destination I. */
static struct policy_decision init_quarantined(struct policy_service *s,
					       const struct policy_settings *set, size_t i)
{
	init(s, set, 2);
	return evidence(s, i, 0, POLICY_ACT_QUARANTINE);
}

/* Quarantine D of destination I ends and its probe fails: the next quarantine. */
static struct policy_decision relapse(struct policy_service *s, size_t i, struct policy_decision d)
{
	tick_one(s, d.until_ns, i, POLICY_ACT_PROBE);
	return probe(s, i, false, d.until_ns, POLICY_ACT_PROBE_FAILED);
}

/* Quarantined at AT, probed and back in rotation when its quarantine ends. */
static uint64_t through_probation(struct policy_service *s, size_t i, uint64_t at)
{
	uint64_t until = s->dests[i].until_ns;

	ck_assert_uint_ge(until, at);
	tick_one(s, until, i, POLICY_ACT_PROBE);
	probe(s, i, true, until, POLICY_ACT_RELEASE_TO_RAMP);
	return until;
}

START_TEST(settings_come_from_the_config_in_nanoseconds)
{
	struct config_policy p;
	struct policy_settings set;

	memset(&p, 0, sizeof(p));
	p.quarantine = (struct config_quarantine){
		.base_ms = 10000,
		.max_ms = 300000,
		.multiplier = 2.0,
		.jitter = 0.1,
		.max_ejected_percent = 50,
		.failures = 3,
		.window_ms = 10000,
	};
	p.probation = (struct config_probation){
		.probe = CONFIG_PROBE_TCP,
		.interval_ms = 1000,
		.timeout_ms = 1000,
		.successes = 2,
		.warmup_ms = 30000,
	};
	policy_settings_from_config(&p, IPPROTO_TCP, &set);
	ck_assert_uint_eq(set.failures, 3);
	ck_assert_uint_eq(set.window_ns, 10 * S);
	ck_assert_uint_eq(set.base_ns, 10 * S);
	ck_assert_uint_eq(set.max_ns, 300 * S);
	ck_assert_double_eq(set.multiplier, 2.0);
	ck_assert_double_eq(set.jitter, 0.1);
	ck_assert_uint_eq(set.max_ejected_percent, 50);
	ck_assert(set.probe);
	ck_assert_uint_eq(set.successes, 2);
	ck_assert_uint_eq(set.probe_interval_ns, 1 * S);
	ck_assert_uint_eq(set.warmup_ns, 30 * S);

	p.probation.probe = CONFIG_PROBE_NONE;
	policy_settings_from_config(&p, IPPROTO_TCP, &set);
	ck_assert(!set.probe);
	p.probation.probe = CONFIG_PROBE_AUTO;
	policy_settings_from_config(&p, IPPROTO_UDP, &set);
	ck_assert(!set.probe);
	policy_settings_from_config(&p, IPPROTO_TCP, &set);
	ck_assert(set.probe);
	/* UDP services probe with a DNS query or a datagram (udpcheck.h) */
	p.probation.probe = CONFIG_PROBE_DNS;
	policy_settings_from_config(&p, IPPROTO_UDP, &set);
	ck_assert(set.probe);
	p.probation.probe = CONFIG_PROBE_UDP;
	policy_settings_from_config(&p, IPPROTO_UDP, &set);
	ck_assert(set.probe);
}
END_TEST

START_TEST(bad_settings_and_arguments_are_refused)
{
	struct policy_settings base = settings(), set;
	struct policy_service s = { 0 };
	struct policy_decision d;
	struct policy_dest pd = { 0 };

	set = base, set.failures = 0;
	ck_assert_int_eq(policy_service_init(&s, &set, 2, 1), -EINVAL);
	set = base, set.multiplier = 0.5;
	ck_assert_int_eq(policy_service_init(&s, &set, 2, 1), -EINVAL);
	set = base, set.multiplier = NAN;
	ck_assert_int_eq(policy_service_init(&s, &set, 2, 1), -EINVAL);
	set = base, set.jitter = 1.0;
	ck_assert_int_eq(policy_service_init(&s, &set, 2, 1), -EINVAL);
	set = base, set.max_ns = set.base_ns - 1;
	ck_assert_int_eq(policy_service_init(&s, &set, 2, 1), -EINVAL);
	set = base, set.max_ejected_percent = 101;
	ck_assert_int_eq(policy_service_init(&s, &set, 2, 1), -EINVAL);
	set = base, set.successes = 0;
	ck_assert_int_eq(policy_service_init(&s, &set, 2, 1), -EINVAL);
	ck_assert_int_eq(policy_service_init(&s, &base, POLICY_MAX_DESTS + 1, 1), -EINVAL);
	policy_service_clear(&s);

	init(&s, &base, 2);
	ck_assert_int_eq(policy_on_evidence(&s, 2, KIND, false, 0, &d), -EINVAL);
	ck_assert_int_eq(policy_on_probe(&s, 2, true, 0, &d), -EINVAL);
	ck_assert_int_eq(policy_quarantine(&s, 2, 0, 0, &d), -EINVAL);
	ck_assert_int_eq(policy_release(&s, 2, 0, &d), -EINVAL);
	ck_assert_int_eq(policy_dest_restore(&s, 2, &pd), -EINVAL);
	ck_assert_double_eq(policy_weight_factor(&s, 2, 0), 0.0);
	policy_service_clear(&s);
	policy_service_clear(&s);
	policy_service_clear(NULL);

	/* a service may have no destinations yet */
	init(&s, &base, 0);
	ck_assert_uint_eq(policy_next_deadline(&s), POLICY_NEVER);
	ck_assert_uint_eq(policy_tick(&s, 5 * S, &d, 1), 0);
	policy_service_clear(&s);
}
END_TEST

START_TEST(a_destination_goes_round_the_whole_cycle)
{
	struct policy_settings set = settings();
	struct policy_service s;
	struct policy_decision d;

	init(&s, &set, 2);
	ck_assert_int_eq(state(&s, 0), POLICY_HEALTHY);
	ck_assert_double_eq(policy_weight_factor(&s, 0, 0), 1.0);
	ck_assert_uint_eq(policy_next_deadline(&s), POLICY_NEVER);

	d = evidence(&s, 0, 100 * MS, POLICY_ACT_QUARANTINE);
	ck_assert_int_eq(d.from, POLICY_HEALTHY);
	ck_assert_int_eq(d.to, POLICY_QUARANTINED);
	ck_assert_uint_eq(d.duration_ns, 1 * S);
	ck_assert_uint_eq(d.until_ns, 1100 * MS);
	ck_assert_uint_eq(d.relapses, 0);
	ck_assert_int_eq(state(&s, 0), POLICY_QUARANTINED);
	ck_assert_uint_eq(s.dests[0].quarantines, 1);
	ck_assert_double_eq(policy_weight_factor(&s, 0, 100 * MS), 0.0);
	ck_assert_double_eq(policy_weight_factor(&s, 1, 100 * MS), 1.0);
	ck_assert_uint_eq(policy_next_deadline(&s), 1100 * MS);

	tick_none(&s, 1099 * MS);
	d = tick_one(&s, 1100 * MS, 0, POLICY_ACT_PROBE);
	ck_assert_int_eq(d.from, POLICY_QUARANTINED);
	ck_assert_int_eq(d.to, POLICY_PROBATION);
	ck_assert_int_eq(state(&s, 0), POLICY_PROBATION);
	ck_assert_double_eq(policy_weight_factor(&s, 0, 1100 * MS), 0.0);
	/* nothing is timed while the probe is out: the agent times it */
	ck_assert_uint_eq(policy_next_deadline(&s), POLICY_NEVER);

	d = probe(&s, 0, true, 1150 * MS, POLICY_ACT_RELEASE_TO_RAMP);
	ck_assert_int_eq(d.from, POLICY_PROBATION);
	ck_assert_int_eq(d.to, POLICY_RAMPING);
	ck_assert_uint_eq(d.until_ns, 10150 * MS);
	ck_assert_int_eq(state(&s, 0), POLICY_RAMPING);
	ck_assert_double_eq_tol(policy_weight_factor(&s, 0, 1150 * MS), POLICY_RAMP_FLOOR, 1e-9);
	ck_assert_uint_eq(policy_next_deadline(&s), 2150 * MS); /* the ramp's next step */

	d = tick_one(&s, 10150 * MS, 0, POLICY_ACT_HEALTHY);
	ck_assert_int_eq(d.from, POLICY_RAMPING);
	ck_assert_int_eq(d.to, POLICY_HEALTHY);
	ck_assert_int_eq(state(&s, 0), POLICY_HEALTHY);
	ck_assert_double_eq(policy_weight_factor(&s, 0, 10150 * MS), 1.0);
	/* the only thing left: forgiving its relapse a whole max after it came back */
	ck_assert_uint_eq(s.dests[0].relapses, 1);
	ck_assert_uint_eq(policy_next_deadline(&s), 1150 * MS + 60 * S);
	tick_none(&s, 1150 * MS + 60 * S);
	ck_assert_uint_eq(s.dests[0].relapses, 0);
	ck_assert_uint_eq(s.dests[0].quarantines, 1);
	ck_assert_uint_eq(policy_next_deadline(&s), POLICY_NEVER);
	policy_service_clear(&s);
}
END_TEST

START_TEST(evidence_against_a_destination_out_of_rotation_is_ignored)
{
	struct policy_settings set = settings();
	struct policy_service s;

	init_quarantined(&s, &set, 0);
	no_decision_on_evidence(&s, 0, 10 * MS);
	tick_one(&s, 1 * S, 0, POLICY_ACT_PROBE);
	no_decision_on_evidence(&s, 0, 1 * S);
	ck_assert_int_eq(state(&s, 0), POLICY_PROBATION);
	ck_assert_uint_eq(s.dests[0].quarantines, 1);
	policy_service_clear(&s);
}
END_TEST

START_TEST(backoff_doubles_with_each_relapse_up_to_max)
{
	static const uint64_t want[] = { 1, 2, 4, 8, 16, 32, 60, 60, 60 };
	struct policy_settings set = settings();
	struct policy_service s;
	struct policy_decision d;
	uint64_t now = 0;
	size_t k;

	d = init_quarantined(&s, &set, 0);
	for (k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		ck_assert_uint_eq(d.relapses, k);
		ck_assert_uint_eq(d.duration_ns, want[k] * S);
		ck_assert_uint_eq(d.until_ns, now + want[k] * S);
		now = d.until_ns;
		tick_one(&s, now, 0, POLICY_ACT_PROBE);
		/* alternate the two kinds of relapse: a failed probe, evidence while ramping */
		if (k % 2) {
			d = probe(&s, 0, false, now, POLICY_ACT_PROBE_FAILED);
			ck_assert_int_eq(d.from, POLICY_PROBATION);
		} else {
			probe(&s, 0, true, now, POLICY_ACT_RELEASE_TO_RAMP);
			now += 500 * MS;
			d = evidence(&s, 0, now, POLICY_ACT_QUARANTINE);
			ck_assert_int_eq(d.from, POLICY_RAMPING);
		}
	}
	ck_assert_uint_eq(s.dests[0].quarantines, k + 1);
	ck_assert_uint_eq(s.dests[0].last_duration_ns, 60 * S);
	policy_service_clear(&s);
}
END_TEST

/* The durations of the first N quarantines of one destination with this seed. */
static void durations(const struct policy_settings *set, uint64_t seed, uint64_t *out, size_t n)
{
	struct policy_service s;
	struct policy_decision d;
	size_t k;

	ck_assert_int_eq(policy_service_init(&s, set, 2, seed), 0);
	d = evidence(&s, 0, 0, POLICY_ACT_QUARANTINE);
	for (k = 0; k < n; k++) {
		out[k] = d.duration_ns;
		d = relapse(&s, 0, d);
	}
	policy_service_clear(&s);
}

START_TEST(jitter_stays_within_its_bounds_for_every_seed)
{
	struct policy_settings set = settings();
	double lo = 2, hi = 0;
	uint64_t got[8];
	uint64_t seed;
	size_t k;

	set.jitter = 0.25;
	for (seed = 0; seed < 500; seed++) {
		durations(&set, seed, got, 8);
		for (k = 0; k < 8; k++) {
			double d = fmin(60.0, pow(2, (double)k)) * S;
			double f = (double)got[k] / d;

			ck_assert_msg(
			    f >= 0.75 - 1e-9 && f <= 1.25 + 1e-9,
			    "seed %llu quarantine %zu: %llu ns is outside %g x (1 +- 0.25)",
			    (unsigned long long)seed, k, (unsigned long long)got[k], d);
			lo = fmin(lo, f);
			hi = fmax(hi, f);
		}
	}
	/* and the jitter does spread them */
	ck_assert_double_lt(lo, 0.76);
	ck_assert_double_gt(hi, 1.24);
}
END_TEST

START_TEST(jitter_is_deterministic_for_a_seed)
{
	struct policy_settings set = settings();
	uint64_t a[8], b[8], c[8];

	set.jitter = 0.1;
	durations(&set, 7, a, 8);
	durations(&set, 7, b, 8);
	durations(&set, 8, c, 8);
	ck_assert_mem_eq(a, b, sizeof(a));
	ck_assert(memcmp(a, c, sizeof(a)) != 0);
}
END_TEST

START_TEST(relapses_are_forgiven_after_a_whole_max_in_rotation)
{
	struct policy_settings set = settings();
	struct policy_service s;
	struct policy_decision d;
	uint64_t back;

	init_quarantined(&s, &set, 0);
	back = through_probation(&s, 0, 0);
	tick_one(&s, back + 9 * S, 0, POLICY_ACT_HEALTHY);
	/* one tick short of max since it came back: still a relapse */
	tick_none(&s, back + 60 * S - 1);
	d = evidence(&s, 0, back + 60 * S - 1, POLICY_ACT_QUARANTINE);
	ck_assert_uint_eq(d.relapses, 1);
	ck_assert_uint_eq(d.duration_ns, 2 * S);

	back = through_probation(&s, 0, d.at_ns);
	ck_assert_uint_eq(s.dests[0].relapses, 2);
	/* a whole max: forgiven even without a tick in between */
	d = evidence(&s, 0, back + 60 * S, POLICY_ACT_QUARANTINE);
	ck_assert_uint_eq(d.relapses, 0);
	ck_assert_uint_eq(d.duration_ns, 1 * S);
	ck_assert_uint_eq(s.dests[0].quarantines, 3);
	policy_service_clear(&s);
}
END_TEST

START_TEST(failing_open_keeps_the_backoff)
{
	struct policy_settings set = settings();
	struct policy_service s;
	struct policy_decision d;
	uint64_t back, t;

	/* dest 1 relapses, then fails open for longer than max: that is not stable */
	init_quarantined(&s, &set, 1);
	back = through_probation(&s, 1, 0);
	evidence(&s, 0, back, POLICY_ACT_QUARANTINE);
	for (t = back + 10 * S; t < back + 80 * S; t += 10 * S)
		evidence(&s, 1, t, POLICY_ACT_FAIL_OPEN);
	ck_assert_int_eq(policy_release(&s, 0, t, &d), 1);
	d = evidence(&s, 1, t, POLICY_ACT_QUARANTINE);
	ck_assert_uint_eq(d.relapses, 1);
	policy_service_clear(&s);
}
END_TEST

START_TEST(failures_must_fall_within_the_window)
{
	struct policy_settings set = settings();
	struct policy_service s;

	set.failures = 2;
	init(&s, &set, 2);
	/* one inside, then one after the window: not enough */
	no_decision_on_evidence(&s, 0, 0);
	no_decision_on_evidence(&s, 0, 10 * S + 1);
	ck_assert_int_eq(state(&s, 0), POLICY_HEALTHY);
	/* that one and the next are within it */
	evidence(&s, 0, 15 * S, POLICY_ACT_QUARANTINE);
	/* two at once on the other */
	no_decision_on_evidence(&s, 1, 15 * S);
	ck_assert_int_eq(state(&s, 1), POLICY_HEALTHY);
	policy_service_clear(&s);

	/* the window slides: the last three count, not a fixed period */
	set.failures = 3;
	set.max_ejected_percent = 100;
	init(&s, &set, 2);
	no_decision_on_evidence(&s, 0, 0);
	no_decision_on_evidence(&s, 0, 5 * S);
	no_decision_on_evidence(&s, 0, 11 * S);
	evidence(&s, 0, 12 * S, POLICY_ACT_QUARANTINE);
	/* evidence from before a quarantine does not count after it */
	through_probation(&s, 0, 12 * S);
	no_decision_on_evidence(&s, 0, 14 * S);
	no_decision_on_evidence(&s, 0, 14 * S);
	evidence(&s, 0, 14 * S, POLICY_ACT_QUARANTINE);
	/* the window's edge is inside it */
	no_decision_on_evidence(&s, 1, 20 * S);
	no_decision_on_evidence(&s, 1, 25 * S);
	evidence(&s, 1, 30 * S, POLICY_ACT_QUARANTINE);
	policy_service_clear(&s);
}
END_TEST

/* How many of N destinations evidence against all of them takes out at PCT. */
static size_t ejected(size_t n, uint32_t pct)
{
	struct policy_settings set = settings();
	struct policy_service s;
	struct policy_decision d;
	size_t i, out = 0, open = 0, in = 0;

	set.max_ejected_percent = pct;
	init(&s, &set, n);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(policy_on_evidence(&s, i, KIND, false, i * MS, &d), 1);
		if (d.action == POLICY_ACT_QUARANTINE) {
			out++;
		} else {
			ck_assert_int_eq(d.action, POLICY_ACT_FAIL_OPEN);
			ck_assert_int_eq(d.from, POLICY_HEALTHY);
			ck_assert_int_eq(d.to, POLICY_HEALTHY);
			open++;
		}
	}
	for (i = 0; i < n; i++)
		in += policy_weight_factor(&s, i, n * MS) > 0;
	ck_assert_uint_eq(out + open, n);
	ck_assert_uint_eq(in, open);
	policy_service_clear(&s);
	return out;
}

START_TEST(fail_open_bounds_what_evidence_takes_out)
{
	static const size_t ns[] = { 1, 2, 3, 4, 10 };
	static const uint32_t pcts[] = { 0, 10, 25, 33, 50, 75, 99, 100 };
	size_t i, j;

	/* the documented arithmetic: floor(n x pct / 100) */
	ck_assert_uint_eq(ejected(1, 50), 0); /* a lone destination is never taken out */
	ck_assert_uint_eq(ejected(2, 50), 1);
	ck_assert_uint_eq(ejected(3, 50), 1);
	ck_assert_uint_eq(ejected(4, 50), 2);
	ck_assert_uint_eq(ejected(10, 50), 5);
	ck_assert_uint_eq(ejected(10, 0), 0);
	ck_assert_uint_eq(ejected(10, 100), 10);
	ck_assert_uint_eq(ejected(3, 33), 0);
	ck_assert_uint_eq(ejected(4, 25), 1);
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		for (j = 0; j < sizeof(pcts) / sizeof(pcts[0]); j++)
			ck_assert_uint_eq(ejected(ns[i], pcts[j]), ns[i] * pcts[j] / 100);
}
END_TEST

START_TEST(fail_open_is_reported_once_a_window_and_ends_when_there_is_room)
{
	struct policy_settings set = settings();
	struct policy_service s;
	struct policy_decision d;

	init_quarantined(&s, &set, 0);
	d = evidence(&s, 1, 100 * MS, POLICY_ACT_FAIL_OPEN);
	ck_assert_int_eq(d.to, POLICY_HEALTHY);
	ck_assert_uint_eq(s.dests[1].quarantines, 0);
	no_decision_on_evidence(&s, 1, 200 * MS);
	no_decision_on_evidence(&s, 1, 10 * S);
	evidence(&s, 1, 10100 * MS, POLICY_ACT_FAIL_OPEN);
	ck_assert_double_eq(policy_weight_factor(&s, 1, 10100 * MS), 1.0);

	/* dest 0 comes back (it is still ramping: in rotation), so dest 1 may go */
	tick_one(&s, 10200 * MS, 0, POLICY_ACT_PROBE);
	probe(&s, 0, true, 10200 * MS, POLICY_ACT_RELEASE_TO_RAMP);
	d = evidence(&s, 1, 11 * S, POLICY_ACT_QUARANTINE);
	ck_assert_uint_eq(d.relapses, 0);
	/* and now dest 0, ramping, fails open in its turn */
	evidence(&s, 0, 12 * S, POLICY_ACT_FAIL_OPEN);
	ck_assert_int_eq(state(&s, 0), POLICY_RAMPING);
	policy_service_clear(&s);
}
END_TEST

START_TEST(probation_needs_its_successes_and_a_failure_relapses)
{
	struct policy_settings set = settings();
	struct policy_service s;
	struct policy_decision d;

	set.successes = 3;
	init(&s, &set, 2);
	/* a result nobody asked for changes nothing */
	ck_assert_int_eq(policy_on_probe(&s, 0, false, 0, &d), 0);
	ck_assert_int_eq(state(&s, 0), POLICY_HEALTHY);

	evidence(&s, 0, 0, POLICY_ACT_QUARANTINE);
	tick_one(&s, 1 * S, 0, POLICY_ACT_PROBE);
	ck_assert_int_eq(policy_on_probe(&s, 0, true, 1100 * MS, &d), 0);
	ck_assert_uint_eq(s.dests[0].passes, 1);
	/* the next probe an interval after the previous was asked for */
	ck_assert_uint_eq(policy_next_deadline(&s), 2 * S);
	tick_none(&s, 1500 * MS);
	ck_assert_int_eq(policy_on_probe(&s, 0, true, 1600 * MS, &d), 0); /* none out */
	ck_assert_uint_eq(s.dests[0].passes, 1);
	d = tick_one(&s, 2 * S, 0, POLICY_ACT_PROBE);
	ck_assert_int_eq(d.from, POLICY_PROBATION);
	ck_assert_int_eq(d.to, POLICY_PROBATION);
	ck_assert_int_eq(policy_on_probe(&s, 0, true, 2 * S, &d), 0);
	tick_one(&s, 3 * S, 0, POLICY_ACT_PROBE);
	d = probe(&s, 0, false, 3500 * MS, POLICY_ACT_PROBE_FAILED);
	ck_assert_int_eq(d.from, POLICY_PROBATION);
	ck_assert_int_eq(d.to, POLICY_QUARANTINED);
	ck_assert_uint_eq(d.relapses, 1);
	ck_assert_uint_eq(d.duration_ns, 2 * S);
	ck_assert_uint_eq(d.until_ns, 5500 * MS);
	ck_assert_uint_eq(s.dests[0].passes, 0);
	ck_assert_uint_eq(s.dests[0].quarantines, 2);

	/* three passes in a row this time */
	tick_none(&s, 5 * S);
	tick_one(&s, 5500 * MS, 0, POLICY_ACT_PROBE);
	ck_assert_int_eq(policy_on_probe(&s, 0, true, 5600 * MS, &d), 0);
	tick_one(&s, 6500 * MS, 0, POLICY_ACT_PROBE);
	ck_assert_int_eq(policy_on_probe(&s, 0, true, 7 * S, &d), 0);
	/* a slow answer: the next is due at once */
	tick_one(&s, 7500 * MS, 0, POLICY_ACT_PROBE);
	ck_assert_uint_eq(policy_next_deadline(&s), POLICY_NEVER);
	d = probe(&s, 0, true, 9 * S, POLICY_ACT_RELEASE_TO_RAMP);
	ck_assert_uint_eq(d.until_ns, 18 * S);
	ck_assert_int_eq(state(&s, 0), POLICY_RAMPING);
	policy_service_clear(&s);
}
END_TEST

START_TEST(without_probes_quarantine_ends_in_the_ramp)
{
	struct config_policy p;
	struct policy_settings set = settings();
	struct policy_service s;
	struct policy_decision d;

	memset(&p, 0, sizeof(p));
	p.quarantine = (struct config_quarantine){ .base_ms = 1000,
						   .max_ms = 60000,
						   .multiplier = 2,
						   .max_ejected_percent = 50,
						   .failures = 1,
						   .window_ms = 10000 };
	p.probation = (struct config_probation){
		.probe = CONFIG_PROBE_AUTO, .interval_ms = 1000, .successes = 1, .warmup_ms = 9000
	};
	policy_settings_from_config(&p, IPPROTO_UDP, &set);
	init_quarantined(&s, &set, 1);
	d = tick_one(&s, 1 * S, 1, POLICY_ACT_RELEASE_TO_RAMP);
	ck_assert_int_eq(d.from, POLICY_QUARANTINED);
	ck_assert_int_eq(d.to, POLICY_RAMPING);
	ck_assert_uint_eq(d.until_ns, 10 * S);
	ck_assert_double_eq_tol(policy_weight_factor(&s, 1, 1 * S), 0.1, 1e-9);
	/* a relapse while ramping, then straight back to full weight without a warm-up */
	d = evidence(&s, 1, 2 * S, POLICY_ACT_QUARANTINE);
	ck_assert_uint_eq(d.duration_ns, 2 * S);
	policy_service_clear(&s);

	set.warmup_ns = 0;
	init_quarantined(&s, &set, 1);
	d = tick_one(&s, 1 * S, 1, POLICY_ACT_HEALTHY);
	ck_assert_int_eq(d.from, POLICY_QUARANTINED);
	ck_assert_int_eq(d.to, POLICY_HEALTHY);
	ck_assert_double_eq(policy_weight_factor(&s, 1, 1 * S), 1.0);
	policy_service_clear(&s);
}
END_TEST

START_TEST(probes_turned_off_by_a_reload_release_probation)
{
	struct policy_settings set = settings();
	struct policy_service s, next;

	init_quarantined(&s, &set, 0);
	tick_one(&s, 1 * S, 0, POLICY_ACT_PROBE);
	set.probe = false;
	init(&next, &set, 2);
	ck_assert_int_eq(policy_dest_restore(&next, 0, &s.dests[0]), 0);
	ck_assert_uint_eq(policy_next_deadline(&next), 0);
	tick_one(&next, 2 * S, 0, POLICY_ACT_RELEASE_TO_RAMP);
	policy_service_clear(&s);
	policy_service_clear(&next);
}
END_TEST

START_TEST(the_ramp_climbs_in_steps_over_the_warmup)
{
	struct policy_settings set = settings();
	struct policy_service s;
	uint64_t t0, t, prev_t;
	double prev;
	size_t steps = 0;

	init_quarantined(&s, &set, 0);
	t0 = through_probation(&s, 0, 0); /* 1 s; warm-up 9 s */
	ck_assert_double_eq_tol(policy_weight_factor(&s, 0, t0), 0.1, 1e-9);
	ck_assert_double_eq_tol(policy_weight_factor(&s, 0, t0 + 999 * MS), 0.1, 1e-9);
	ck_assert_double_eq_tol(policy_weight_factor(&s, 0, t0 + 1 * S), 0.2, 1e-9);
	ck_assert_double_eq_tol(policy_weight_factor(&s, 0, t0 + 4500 * MS), 0.5, 1e-9);
	ck_assert_double_eq_tol(policy_weight_factor(&s, 0, t0 + 9 * S - 1), 0.9, 1e-9);
	ck_assert_double_eq(policy_weight_factor(&s, 0, t0 + 9 * S), 1.0);
	policy_service_clear(&s);

	/* a warm-up the steps do not divide: every deadline is a step up, the last is HEALTHY */
	set.warmup_ns = 10 * S + 7;
	init_quarantined(&s, &set, 0);
	t0 = through_probation(&s, 0, 0);
	prev = policy_weight_factor(&s, 0, t0);
	prev_t = t0;
	for (;;) {
		struct policy_decision out[2];
		size_t n;

		t = policy_next_deadline(&s);
		ck_assert_uint_gt(t, prev_t);
		ck_assert_double_eq_tol(policy_weight_factor(&s, 0, t - 1), prev, 1e-9);
		n = policy_tick(&s, t, out, 2);
		ck_assert_double_gt(policy_weight_factor(&s, 0, t), prev);
		prev = policy_weight_factor(&s, 0, t);
		prev_t = t;
		steps++;
		if (n) {
			ck_assert_int_eq(out[0].action, POLICY_ACT_HEALTHY);
			break;
		}
	}
	ck_assert_uint_eq(t, t0 + 10 * S + 7);
	ck_assert_uint_eq(steps, POLICY_RAMP_STEPS);
	ck_assert_double_eq(prev, 1.0);
	policy_service_clear(&s);
}
END_TEST

START_TEST(manual_quarantine_until_released)
{
	struct policy_settings set = settings();
	struct policy_service s;
	struct policy_decision d;

	/* one destination: evidence never takes it out, the operator does */
	init(&s, &set, 1);
	evidence(&s, 0, 0, POLICY_ACT_FAIL_OPEN);
	ck_assert_int_eq(policy_quarantine(&s, 0, 1 * S, 0, &d), 1);
	ck_assert_int_eq(d.action, POLICY_ACT_MANUAL_QUARANTINE);
	ck_assert_int_eq(d.from, POLICY_HEALTHY);
	ck_assert_int_eq(d.to, POLICY_QUARANTINED);
	ck_assert_uint_eq(d.until_ns, POLICY_NEVER);
	ck_assert_uint_eq(d.duration_ns, 0);
	ck_assert(s.dests[0].manual);
	ck_assert_uint_eq(s.dests[0].quarantines, 1);
	ck_assert_uint_eq(s.dests[0].relapses, 0); /* the operator's choice is no relapse */
	ck_assert_double_eq(policy_weight_factor(&s, 0, 1 * S), 0.0);
	ck_assert_uint_eq(policy_next_deadline(&s), POLICY_NEVER);
	tick_none(&s, 86400 * S);
	ck_assert_int_eq(state(&s, 0), POLICY_QUARANTINED);
	no_decision_on_evidence(&s, 0, 86400 * S);

	ck_assert_int_eq(policy_release(&s, 0, 86401 * S, &d), 1);
	ck_assert_int_eq(d.action, POLICY_ACT_MANUAL_RELEASE);
	ck_assert_int_eq(d.from, POLICY_QUARANTINED);
	ck_assert_int_eq(d.to, POLICY_RAMPING);
	ck_assert_uint_eq(d.until_ns, 86410 * S);
	ck_assert(!s.dests[0].manual);
	ck_assert_double_eq_tol(policy_weight_factor(&s, 0, 86401 * S), 0.1, 1e-9);
	ck_assert_int_eq(policy_release(&s, 0, 86402 * S, &d), 0); /* in rotation already */
	policy_service_clear(&s);

	/* without a warm-up, straight to full weight */
	set.warmup_ns = 0;
	init(&s, &set, 1);
	ck_assert_int_eq(policy_quarantine(&s, 0, 0, 0, &d), 1);
	ck_assert_int_eq(policy_release(&s, 0, 1 * S, &d), 1);
	ck_assert_int_eq(d.action, POLICY_ACT_MANUAL_RELEASE);
	ck_assert_int_eq(d.to, POLICY_HEALTHY);
	ck_assert_double_eq(policy_weight_factor(&s, 0, 1 * S), 1.0);
	policy_service_clear(&s);
}
END_TEST

START_TEST(manual_quarantine_for_a_while_ends_in_probation)
{
	struct policy_settings set = settings();
	struct policy_service s;
	struct policy_decision d;

	set.max_ejected_percent = 0;
	init(&s, &set, 3);
	ck_assert_int_eq(policy_quarantine(&s, 0, 0, 5 * S, &d), 1);
	ck_assert_int_eq(policy_quarantine(&s, 1, 0, 5 * S, &d), 1);
	ck_assert_uint_eq(d.until_ns, 5 * S);
	ck_assert_uint_eq(d.duration_ns, 5 * S);
	ck_assert_uint_eq(policy_next_deadline(&s), 5 * S);
	tick_none(&s, 5 * S - 1);
	ck_assert_uint_eq(policy_tick(&s, 5 * S, (struct policy_decision[4]){ 0 }, 4), 2);
	ck_assert_int_eq(state(&s, 0), POLICY_PROBATION);
	ck_assert(!s.dests[0].manual);
	d = probe(&s, 0, false, 5 * S, POLICY_ACT_PROBE_FAILED);
	ck_assert_uint_eq(d.relapses, 0); /* its first automatic quarantine */
	ck_assert_uint_eq(d.duration_ns, 1 * S);
	policy_service_clear(&s);
}
END_TEST

START_TEST(manual_quarantine_overrides_an_automatic_one)
{
	struct policy_settings set = settings();
	struct policy_service s;
	struct policy_decision d;

	init_quarantined(&s, &set, 0);
	ck_assert_int_eq(policy_quarantine(&s, 0, 100 * MS, 0, &d), 1);
	ck_assert_int_eq(d.from, POLICY_QUARANTINED);
	ck_assert_uint_eq(s.dests[0].quarantines, 1); /* the same stay out */
	tick_none(&s, 10 * S);                        /* its own timer no longer ends it */
	/* an operator's destination uses up the budget: dest 1 fails open */
	evidence(&s, 1, 10 * S, POLICY_ACT_FAIL_OPEN);
	/* the operator may take the last one out */
	ck_assert_int_eq(policy_quarantine(&s, 1, 10 * S, 0, &d), 1);
	ck_assert_double_eq(policy_weight_factor(&s, 1, 10 * S), 0.0);
	/* and put back one in probation, without waiting for probes */
	ck_assert_int_eq(policy_release(&s, 0, 11 * S, &d), 1);
	evidence(&s, 0, 12 * S, POLICY_ACT_FAIL_OPEN);
	ck_assert_uint_eq(s.dests[0].relapses, 1); /* the backoff is kept */
	policy_service_clear(&s);
}
END_TEST

START_TEST(a_late_probe_result_is_ignored)
{
	struct policy_settings set = settings();
	struct policy_service s;
	struct policy_decision d;

	init_quarantined(&s, &set, 0);
	tick_one(&s, 1 * S, 0, POLICY_ACT_PROBE);
	ck_assert_int_eq(policy_quarantine(&s, 0, 1100 * MS, 0, &d), 1);
	ck_assert_int_eq(d.from, POLICY_PROBATION);
	ck_assert_int_eq(policy_on_probe(&s, 0, true, 1200 * MS, &d), 0);
	ck_assert_int_eq(state(&s, 0), POLICY_QUARANTINED);
	ck_assert_uint_eq(s.dests[0].quarantines, 2);
	policy_service_clear(&s);
}
END_TEST

START_TEST(a_restart_keeps_quarantine_and_backoff)
{
	struct policy_settings set = settings();
	struct policy_service s;
	struct policy_dest saved, bad;
	struct policy_decision d;
	int k;

	d = init_quarantined(&s, &set, 1);
	for (k = 0; k < 2; k++)
		d = relapse(&s, 1, d);
	ck_assert_uint_eq(d.until_ns, 7 * S); /* 1 + 2 + 4 */
	saved = s.dests[1];
	policy_service_clear(&s);

	/* the new process: its clock may be anywhere, the agent converted the times */
	ck_assert_int_eq(policy_service_init(&s, &set, 2, 99), 0);
	ck_assert_int_eq(policy_dest_restore(&s, 1, &saved), 0);
	ck_assert_int_eq(state(&s, 1), POLICY_QUARANTINED);
	ck_assert_uint_eq(s.dests[1].relapses, 3);
	ck_assert_uint_eq(s.dests[1].quarantines, 3);
	ck_assert_uint_eq(policy_next_deadline(&s), 7 * S);
	ck_assert_double_eq(policy_weight_factor(&s, 1, 6 * S), 0.0);
	tick_none(&s, 7 * S - 1);
	tick_one(&s, 7 * S, 1, POLICY_ACT_PROBE);
	saved = s.dests[1];
	policy_service_clear(&s);

	/* a probe out when the old process died is asked again */
	ck_assert_int_eq(policy_service_init(&s, &set, 2, 99), 0);
	ck_assert_int_eq(policy_dest_restore(&s, 1, &saved), 0);
	ck_assert(!s.dests[1].probing);
	ck_assert_int_eq(policy_on_probe(&s, 1, true, 7500 * MS, &d), 0);
	ck_assert_uint_eq(policy_next_deadline(&s), 8 * S);
	tick_one(&s, 8 * S, 1, POLICY_ACT_PROBE);
	d = probe(&s, 1, false, 8 * S, POLICY_ACT_PROBE_FAILED);
	ck_assert_uint_eq(d.relapses, 3);
	ck_assert_uint_eq(d.duration_ns, 8 * S);

	/* nonsense is refused */
	bad = saved, bad.state = (enum policy_state)7;
	ck_assert_int_eq(policy_dest_restore(&s, 0, &bad), -EINVAL);
	bad = saved, bad.state = POLICY_HEALTHY, bad.manual = true;
	ck_assert_int_eq(policy_dest_restore(&s, 0, &bad), -EINVAL);
	bad = saved, bad.state = POLICY_QUARANTINED, bad.until_ns = POLICY_NEVER;
	ck_assert_int_eq(policy_dest_restore(&s, 0, &bad), -EINVAL);
	ck_assert_int_eq(state(&s, 0), POLICY_HEALTHY);
	policy_service_clear(&s);
}
END_TEST

START_TEST(a_reload_carries_destinations_over_by_address)
{
	struct policy_settings set = settings();
	struct policy_service old, next;
	static const size_t from[] = { 2, 0 }; /* old dests c, a in the new order; b is gone */
	size_t i;

	set.max_ejected_percent = 100;
	init(&old, &set, 3);
	evidence(&old, 1, 0, POLICY_ACT_QUARANTINE);
	through_probation(&old, 1, 0);
	evidence(&old, 0, 1 * S, POLICY_ACT_QUARANTINE); /* until 2 s */

	set.base_ns = 2 * S;
	init(&next, &set, 2);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(policy_dest_restore(&next, i, &old.dests[from[i]]), 0);
	policy_service_clear(&old);
	ck_assert_int_eq(state(&next, 0), POLICY_HEALTHY);
	ck_assert_int_eq(state(&next, 1), POLICY_QUARANTINED);
	ck_assert_uint_eq(next.dests[1].until_ns, 2 * S); /* the old quarantine stands */
	ck_assert_uint_eq(next.dests[1].relapses, 1);
	ck_assert_uint_eq(policy_next_deadline(&next), 2 * S);
	tick_one(&next, 2 * S, 1, POLICY_ACT_PROBE);
	/* the new settings apply from the next decision on: 2 s x 2^1 */
	ck_assert_uint_eq(probe(&next, 1, false, 2 * S, POLICY_ACT_PROBE_FAILED).duration_ns,
			  4 * S);
	policy_service_clear(&next);
}
END_TEST

START_TEST(next_deadline_is_the_earliest)
{
	struct policy_settings set = settings();
	struct policy_service s;
	struct policy_decision out[1];

	set.max_ejected_percent = 100;
	init(&s, &set, 3);
	ck_assert_uint_eq(policy_next_deadline(&s), POLICY_NEVER);
	evidence(&s, 2, 0, POLICY_ACT_QUARANTINE); /* until 1 s */
	ck_assert_uint_eq(policy_next_deadline(&s), 1 * S);
	ck_assert_int_eq(policy_quarantine(&s, 0, 100 * MS, 500 * MS, out), 1);
	ck_assert_uint_eq(policy_next_deadline(&s), 600 * MS);
	ck_assert_int_eq(policy_quarantine(&s, 1, 100 * MS, 0, out), 1);
	ck_assert_uint_eq(policy_next_deadline(&s), 600 * MS);

	/* a tick with room for one decision makes one and leaves the rest due */
	ck_assert_uint_eq(policy_tick(&s, 2 * S, out, 1), 1);
	ck_assert_uint_eq(out[0].dest, 0);
	ck_assert_uint_eq(policy_next_deadline(&s), 1 * S);
	ck_assert_uint_eq(policy_tick(&s, 2 * S, out, 1), 1);
	ck_assert_uint_eq(out[0].dest, 2);
	ck_assert_uint_eq(policy_tick(&s, 2 * S, out, 1), 0);
	ck_assert_uint_eq(policy_tick(&s, 2 * S, out, 0), 0);
	/* two probing, the third held by the operator: nothing timed */
	ck_assert_uint_eq(policy_next_deadline(&s), POLICY_NEVER);
	probe(&s, 0, true, 2500 * MS, POLICY_ACT_RELEASE_TO_RAMP);
	ck_assert_uint_eq(policy_next_deadline(&s), 3500 * MS); /* its ramp's first step */
	policy_service_clear(&s);
}
END_TEST

/* The agent's weight of a destination configured at 100. */
static unsigned int agent_weight(double factor)
{
	unsigned int w = (unsigned int)lround(100 * factor);

	return factor > 0 && w < 1 ? 1 : w;
}

struct flap {
	size_t quarantines, rotation_changes, weight_changes;
	uint64_t durations[32];
	enum policy_state end;
};

/*
 * Destination 0 fails a client every 2 s for 30 s but answers vigild's
 * probes; the agent is simulated in 10 ms steps, acting at every deadline.
 */
static struct flap flapping(const struct policy_settings *set, uint64_t seed, uint64_t until)
{
	struct flap f = { 0 };
	struct policy_service s;
	struct policy_decision d[4];
	uint64_t t, probe_due = POLICY_NEVER;
	unsigned int w, prev_w = 100;
	bool in, prev_in = true;
	size_t i, n;

	ck_assert_int_eq(policy_service_init(&s, set, 2, seed), 0);
	for (t = 0; t <= until; t += 10 * MS) {
		n = policy_tick(&s, t, d, 4);
		for (i = 0; i < n; i++)
			if (d[i].action == POLICY_ACT_PROBE)
				probe_due = t + 20 * MS;
		if (t >= probe_due) {
			probe_due = POLICY_NEVER;
			if (policy_on_probe(&s, 0, true, t, d) == 1)
				ck_assert_int_eq(d[0].to,
						 set->warmup_ns ? POLICY_RAMPING : POLICY_HEALTHY);
		}
		if (t < 30 * S && t % (2 * S) == 0 &&
		    policy_on_evidence(&s, 0, KIND, false, t, d) == 1) {
			ck_assert_int_eq(d[0].action, POLICY_ACT_QUARANTINE);
			ck_assert_uint_lt(f.quarantines, 32);
			f.durations[f.quarantines++] = d[0].duration_ns;
		}
		w = agent_weight(policy_weight_factor(&s, 0, t));
		in = w > 0;
		f.weight_changes += w != prev_w;
		f.rotation_changes += in != prev_in;
		prev_w = w;
		prev_in = in;
		ck_assert_double_eq(policy_weight_factor(&s, 1, t), 1.0);
	}
	f.end = state(&s, 0);
	policy_service_clear(&s);
	return f;
}

START_TEST(a_flapping_destination_changes_state_a_bounded_number_of_times)
{
	struct policy_settings set = settings();
	struct flap f;
	uint64_t seed;
	size_t k;

	set.jitter = 0.1;
	for (seed = 1; seed <= 20; seed++) {
		/* without a warm-up every weight change is a state change */
		set.warmup_ns = 0;
		f = flapping(&set, seed, 40 * S);
		/* out for about 1, 2, 4, 8 and 16 s, back in between: 5 times out, not 15 */
		ck_assert_uint_le(f.quarantines, 5);
		ck_assert_uint_le(f.rotation_changes, 2 * f.quarantines);
		ck_assert_uint_eq(f.weight_changes, f.rotation_changes);
		for (k = 1; k < f.quarantines; k++)
			ck_assert_uint_ge(f.durations[k], f.durations[k - 1]);

		/*
		 * While it flaps, a warm-up adds at most one step of the ramp to
		 * each of the 4 returns: the next failure is never 2 s away.
		 */
		set.warmup_ns = 9 * S;
		f = flapping(&set, seed, 30 * S);
		ck_assert_uint_le(f.quarantines, 5);
		ck_assert_uint_le(f.rotation_changes, 9);
		ck_assert_uint_le(f.weight_changes, f.rotation_changes + 4);
	}

	/* without backoff it would be out and back in every 2 s */
	set.multiplier = 1.0;
	set.warmup_ns = 0;
	f = flapping(&set, 1, 40 * S);
	ck_assert_uint_eq(f.quarantines, 15);
	ck_assert_uint_eq(f.rotation_changes, 30);

	/* once it stops failing it comes back for good */
	set.multiplier = 2.0;
	set.warmup_ns = 9 * S;
	f = flapping(&set, 1, 120 * S);
	ck_assert_int_eq(f.end, POLICY_HEALTHY);
}
END_TEST

START_TEST(names)
{
	ck_assert_str_eq(policy_state_name(POLICY_HEALTHY), "healthy");
	ck_assert_str_eq(policy_state_name(POLICY_QUARANTINED), "quarantined");
	ck_assert_str_eq(policy_state_name(POLICY_PROBATION), "probation");
	ck_assert_str_eq(policy_state_name(POLICY_RAMPING), "ramping");
	ck_assert_str_eq(policy_state_name((enum policy_state)42), "unknown");
	ck_assert_str_eq(policy_action_name(POLICY_ACT_QUARANTINE), "quarantine");
	ck_assert_str_eq(policy_action_name(POLICY_ACT_FAIL_OPEN), "fail-open");
	ck_assert_str_eq(policy_action_name(POLICY_ACT_PROBE), "probe");
	ck_assert_str_eq(policy_action_name(POLICY_ACT_PROBE_FAILED), "probe-failed");
	ck_assert_str_eq(policy_action_name(POLICY_ACT_RELEASE_TO_RAMP), "release-to-ramp");
	ck_assert_str_eq(policy_action_name(POLICY_ACT_HEALTHY), "healthy");
	ck_assert_str_eq(policy_action_name(POLICY_ACT_MANUAL_QUARANTINE), "manual-quarantine");
	ck_assert_str_eq(policy_action_name(POLICY_ACT_MANUAL_RELEASE), "manual-release");
	ck_assert_str_eq(policy_action_name(POLICY_ACT_SUSPECT), "suspect");
	ck_assert_str_eq(policy_action_name(POLICY_ACT_CLEARED), "cleared");
	ck_assert_str_eq(policy_state_name(POLICY_SUSPECT), "suspect");
	ck_assert_str_eq(policy_action_name((enum policy_action) - 1), "unknown");
}
END_TEST

/* Suspect, then confirm: the settings vigild's defaults have. */
static struct policy_settings confirming(void)
{
	struct policy_settings set = settings();

	set.confirm_tries = 3;
	set.outlier_percent = 30;
	set.outlier_min_attempts = 5;
	return set;
}

static struct policy_decision uncertain(struct policy_service *s, size_t i, uint64_t now,
					enum policy_action want)
{
	struct policy_decision d;

	ck_assert_int_eq(policy_on_evidence(s, i, KIND, false, now, &d), 1);
	ck_assert_msg(d.action == want, "evidence gave %s, expected %s",
		      policy_action_name(d.action), policy_action_name(want));
	ck_assert_uint_eq(d.dest, i);
	ck_assert_int_eq(d.evidence, KIND);
	return d;
}

static void attempts(struct policy_service *s, size_t i, unsigned int n, uint64_t now)
{
	while (n--)
		policy_on_attempt(s, i, now);
}

START_TEST(a_suspect_whose_probe_passes_is_back_without_a_relapse)
{
	struct policy_service s;
	struct policy_settings set = confirming();
	struct policy_decision d;

	init(&s, &set, 3);
	d = uncertain(&s, 1, 5 * S, POLICY_ACT_SUSPECT);
	ck_assert_int_eq(d.from, POLICY_HEALTHY);
	ck_assert_int_eq(d.to, POLICY_SUSPECT);
	/* out of rotation at once, and a probe is out */
	ck_assert_double_eq(policy_weight_factor(&s, 1, 5 * S), 0.0);
	ck_assert(s.dests[1].probing);
	ck_assert_uint_eq(policy_next_deadline(&s), POLICY_NEVER);
	/* more evidence while suspect decides nothing */
	no_decision_on_evidence(&s, 1, 5 * S + MS);
	d = probe(&s, 1, true, 5 * S + 2 * MS, POLICY_ACT_CLEARED);
	ck_assert_int_eq(d.from, POLICY_SUSPECT);
	ck_assert_int_eq(d.to, POLICY_HEALTHY);
	ck_assert_int_eq(state(&s, 1), POLICY_HEALTHY);
	ck_assert_double_eq(policy_weight_factor(&s, 1, 5 * S + 2 * MS), 1.0);
	ck_assert_uint_eq(s.dests[1].relapses, 0);
	ck_assert_uint_eq(s.dests[1].quarantines, 0);
	ck_assert_uint_eq(s.dests[1].suspicions, 1);
	/* and the next lost SYN is a suspicion again, not a relapse */
	uncertain(&s, 1, 6 * S, POLICY_ACT_SUSPECT);
	ck_assert_uint_eq(s.dests[1].suspicions, 2);
	policy_service_clear(&s);
}
END_TEST

START_TEST(a_suspect_is_quarantined_when_its_tries_all_fail)
{
	struct policy_service s;
	struct policy_settings set = confirming();
	struct policy_decision d;

	init(&s, &set, 3);
	uncertain(&s, 0, 0, POLICY_ACT_SUSPECT);
	d = probe(&s, 0, false, 200 * MS, POLICY_ACT_PROBE);
	ck_assert_int_eq(d.from, POLICY_SUSPECT);
	ck_assert_int_eq(d.to, POLICY_SUSPECT);
	probe(&s, 0, false, 400 * MS, POLICY_ACT_PROBE);
	d = probe(&s, 0, false, 600 * MS, POLICY_ACT_QUARANTINE);
	ck_assert_int_eq(d.from, POLICY_SUSPECT);
	ck_assert_int_eq(d.to, POLICY_QUARANTINED);
	ck_assert_int_eq(d.evidence, KIND); /* the evidence that made it suspect */
	ck_assert_uint_eq(d.relapses, 0);
	ck_assert_uint_eq(d.duration_ns, 1 * S);
	ck_assert_uint_eq(d.until_ns, 600 * MS + 1 * S);
	ck_assert_uint_eq(s.dests[0].relapses, 1);
	ck_assert_uint_eq(s.dests[0].quarantines, 1);
	/* its quarantine ends in probation like any other */
	tick_one(&s, 1600 * MS, 0, POLICY_ACT_PROBE);
	ck_assert_int_eq(state(&s, 0), POLICY_PROBATION);
	policy_service_clear(&s);
}
END_TEST

START_TEST(certain_evidence_quarantines_at_once_and_confirms_a_suspect)
{
	struct policy_service s;
	struct policy_settings set = confirming();
	struct policy_decision d;

	init(&s, &set, 4);
	ck_assert_int_eq(policy_on_evidence(&s, 0, KIND, true, 0, &d), 1);
	ck_assert_int_eq(d.action, POLICY_ACT_QUARANTINE);
	ck_assert_int_eq(d.from, POLICY_HEALTHY);

	uncertain(&s, 1, 0, POLICY_ACT_SUSPECT);
	ck_assert_int_eq(policy_on_evidence(&s, 1, KIND, true, MS, &d), 1);
	ck_assert_int_eq(d.action, POLICY_ACT_QUARANTINE);
	ck_assert_int_eq(d.from, POLICY_SUSPECT);
	ck_assert(!s.dests[1].probing);
	/* the answer of the probe it no longer awaits is ignored */
	ck_assert_int_eq(policy_on_probe(&s, 1, true, 2 * MS, &d), 0);
	ck_assert_int_eq(state(&s, 1), POLICY_QUARANTINED);
	policy_service_clear(&s);
}
END_TEST

START_TEST(a_ramping_suspect_goes_back_to_its_ramp)
{
	struct policy_service s;
	struct policy_settings set = confirming();
	struct policy_decision d;
	uint64_t at;

	init(&s, &set, 2);
	ck_assert_int_eq(policy_on_evidence(&s, 0, KIND, true, 0, &d), 1);
	at = through_probation(&s, 0, 0);
	ck_assert_int_eq(state(&s, 0), POLICY_RAMPING);
	uncertain(&s, 0, at + 2 * S, POLICY_ACT_SUSPECT);
	d = probe(&s, 0, true, at + 2 * S + MS, POLICY_ACT_CLEARED);
	ck_assert_int_eq(d.to, POLICY_RAMPING);
	ck_assert_uint_eq(d.until_ns, at + 9 * S);
	ck_assert_uint_eq(s.dests[0].since_ns, at);
	/* the ramp's third step: 30% */
	ck_assert_double_eq_tol(policy_weight_factor(&s, 0, at + 2 * S + MS), 0.3, 1e-9);
	ck_assert_uint_eq(s.dests[0].relapses, 1);
	policy_service_clear(&s);
}
END_TEST

START_TEST(stalls_of_long_lived_connections_make_no_outlier)
{
	struct policy_service s;
	struct policy_settings set = confirming();
	struct policy_decision d;
	uint32_t a, f;
	size_t i;

	init(&s, &set, 3);
	for (i = 0; i < 3; i++)
		attempts(&s, i, 10, 1 * S);
	/*
	 * 0 holds the long-lived connections, and loss stalls one of them now
	 * and then. Counted in the share, the fifth stall would make it an
	 * outlier (a_destination_failing_where_its_peers_succeed_is_an_outlier);
	 * not counted, each is a suspicion that its probe clears.
	 */
	for (i = 1; i <= 8; i++) {
		ck_assert_int_eq(policy_on_evidence(&s, 0, KIND, POLICY_EV_NOT_ATTEMPT, i * S, &d),
				 1);
		ck_assert_int_eq(d.action, POLICY_ACT_SUSPECT);
		ck_assert_int_eq(d.evidence, KIND);
		/* more stalls while it is suspect decide nothing */
		ck_assert_int_eq(policy_on_evidence(&s, 0, KIND, POLICY_EV_NOT_ATTEMPT, i * S, &d),
				 0);
		probe(&s, 0, true, i * S + MS, POLICY_ACT_CLEARED);
	}
	/* its 10 attempts and the 8 probes, none failed */
	policy_attempts(&s, 0, 8 * S + MS, &a, &f);
	ck_assert_uint_eq(a, 18);
	ck_assert_uint_eq(f, 0);
	ck_assert_uint_eq(s.dests[0].quarantines, 0);
	ck_assert_uint_eq(s.dests[0].suspicions, 8);
	/* a stall is still confirmed by failed probes, like any silence */
	ck_assert_int_eq(policy_on_evidence(&s, 0, KIND, POLICY_EV_NOT_ATTEMPT, 9 * S, &d), 1);
	ck_assert_int_eq(d.action, POLICY_ACT_SUSPECT);
	probe(&s, 0, false, 9 * S + 200 * MS, POLICY_ACT_PROBE);
	probe(&s, 0, false, 9 * S + 400 * MS, POLICY_ACT_PROBE);
	d = probe(&s, 0, false, 9 * S + 600 * MS, POLICY_ACT_QUARANTINE);
	ck_assert_int_eq(d.from, POLICY_SUSPECT);
	policy_service_clear(&s);
}
END_TEST

START_TEST(a_destination_failing_where_its_peers_succeed_is_an_outlier)
{
	struct policy_service s;
	struct policy_settings set = confirming();
	struct policy_decision d;
	size_t i;

	init(&s, &set, 3);
	for (i = 0; i < 3; i++)
		attempts(&s, i, 10, 1 * S);
	/*
	 * The peers lost none of their 20 attempts; their smoothed share is
	 * 1/22. Each suspicion of 0 is cleared by a probe, which is one more
	 * attempt: 1 of 10, 2 of 11, 3 of 12 and 4 of 13 failed would all
	 * happen by chance at 1/22 more often than once in a thousand (4 of 13:
	 * 0.22%), so each is a suspect whose probe clears it.
	 */
	for (i = 1; i <= 4; i++) {
		uncertain(&s, 0, i * S, POLICY_ACT_SUSPECT);
		probe(&s, 0, true, i * S + MS, POLICY_ACT_CLEARED);
	}
	/* 5 of 14 would not (0.027%), and it is 36 points above them: out without a probe */
	d = uncertain(&s, 0, 5 * S, POLICY_ACT_QUARANTINE);
	ck_assert_int_eq(d.from, POLICY_HEALTHY);
	ck_assert_uint_eq(s.dests[0].relapses, 1);
	policy_service_clear(&s);
}
END_TEST

START_TEST(failed_probes_of_a_suspect_count_towards_an_outlier)
{
	struct policy_service s;
	struct policy_settings set = confirming();
	struct policy_decision d;

	set.confirm_tries = 10;
	init(&s, &set, 3);
	attempts(&s, 0, 5, 0);
	attempts(&s, 1, 10, 0);
	attempts(&s, 2, 10, 0);
	/* 1 of 5, then each failed probe one more of one more: 2 of 6, 3 of 7 */
	uncertain(&s, 0, S, POLICY_ACT_SUSPECT);
	probe(&s, 0, false, S + 200 * MS, POLICY_ACT_PROBE);
	probe(&s, 0, false, S + 400 * MS, POLICY_ACT_PROBE);
	/* 4 of 8 at the peers' 1/22 happens once in 3000: confirmed with 7 tries left */
	d = probe(&s, 0, false, S + 600 * MS, POLICY_ACT_QUARANTINE);
	ck_assert_int_eq(d.from, POLICY_SUSPECT);
	ck_assert_int_eq(d.evidence, KIND);
	policy_service_clear(&s);
}
END_TEST

START_TEST(loss_on_every_link_makes_no_outlier)
{
	struct policy_service s;
	struct policy_settings set = confirming();
	uint32_t a, f;
	size_t i, k;

	init(&s, &set, 3);
	for (i = 0; i < 3; i++)
		attempts(&s, i, 10, 1 * S);
	/* every destination loses half its attempts: the network, not one of them */
	for (k = 0; k < 5; k++)
		for (i = 0; i < 3; i++) {
			uncertain(&s, i, 1 * S + k * MS, POLICY_ACT_SUSPECT);
			probe(&s, i, true, 1 * S + k * MS, POLICY_ACT_CLEARED);
		}
	/* 10 attempts of clients and 5 probes, 5 of them failed */
	policy_attempts(&s, 0, 1 * S + 5 * MS, &a, &f);
	ck_assert_uint_eq(a, 15);
	ck_assert_uint_eq(f, 5);
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(s.dests[i].quarantines, 0);
		ck_assert_uint_eq(s.dests[i].suspicions, 5);
	}
	policy_service_clear(&s);
}
END_TEST

START_TEST(an_outlier_needs_enough_attempts_within_the_window)
{
	struct policy_service s;
	struct policy_settings set = confirming();
	uint32_t a, f;

	init(&s, &set, 2);
	/* 4 attempts, all failed: too few to judge (outlier_min_attempts 5) */
	attempts(&s, 0, 4, 1 * S);
	attempts(&s, 1, 10, 1 * S);
	uncertain(&s, 0, 1 * S, POLICY_ACT_SUSPECT);
	probe(&s, 0, true, 1 * S, POLICY_ACT_CLEARED);
	uncertain(&s, 0, 1 * S, POLICY_ACT_SUSPECT);
	probe(&s, 0, true, 1 * S, POLICY_ACT_CLEARED);
	/* window 10 s, in halves of 5 s: [0, 5) and [5, 10) count at 9.999 s, not at 10 s */
	policy_attempts(&s, 0, 10 * S - 1, &a, &f);
	ck_assert_uint_eq(a, 6); /* with the two probes */
	ck_assert_uint_eq(f, 2);
	policy_attempts(&s, 0, 10 * S, &a, &f);
	ck_assert_uint_eq(a, 0);
	ck_assert_uint_eq(f, 0);
	/* the old failures are forgotten: 5 fresh attempts, 1 failed, is no outlier */
	attempts(&s, 0, 5, 11 * S);
	uncertain(&s, 0, 11 * S, POLICY_ACT_SUSPECT);
	policy_service_clear(&s);
}
END_TEST

START_TEST(a_suspect_counts_against_max_ejected_percent)
{
	struct policy_service s;
	struct policy_settings set = confirming();

	init(&s, &set, 3);
	uncertain(&s, 0, 0, POLICY_ACT_SUSPECT);
	uncertain(&s, 1, MS, POLICY_ACT_FAIL_OPEN);
	ck_assert_int_eq(state(&s, 1), POLICY_HEALTHY);
	policy_service_clear(&s);
}
END_TEST

START_TEST(a_suspicion_is_not_saved_and_a_restored_one_is_probed_again)
{
	struct policy_service s, next;
	struct policy_settings set = confirming();
	struct policy_dest saved;
	struct policy_decision d;

	init(&s, &set, 2);
	uncertain(&s, 1, 0, POLICY_ACT_SUSPECT);
	policy_dest_persistent(&s.dests[1], &saved);
	ck_assert_int_eq(saved.state, POLICY_HEALTHY);
	ck_assert(!saved.probing);
	/* a reload carries it over as it is; its probe's answer is gone, so it asks again */
	init(&next, &set, 2);
	ck_assert_int_eq(policy_dest_restore(&next, 1, &s.dests[1]), 0);
	ck_assert_int_eq(state(&next, 1), POLICY_SUSPECT);
	ck_assert_uint_eq(policy_next_deadline(&next), 0);
	d = tick_one(&next, MS, 1, POLICY_ACT_PROBE);
	ck_assert_int_eq(d.from, POLICY_SUSPECT);
	probe(&next, 1, true, 2 * MS, POLICY_ACT_CLEARED);
	/* a suspect with no state to go back to is refused */
	saved = s.dests[1];
	saved.prior = POLICY_QUARANTINED;
	ck_assert_int_eq(policy_dest_restore(&next, 1, &saved), -EINVAL);
	policy_service_clear(&next);
	policy_service_clear(&s);
}
END_TEST

START_TEST(without_probes_evidence_is_taken_as_certain)
{
	struct policy_service s;
	struct policy_settings set = confirming();

	set.probe = false;
	init(&s, &set, 2);
	uncertain(&s, 0, 0, POLICY_ACT_QUARANTINE);
	policy_service_clear(&s);
}
END_TEST

/* What makes its clients' stalled sockets worth resetting (runtime_reset_wanted()). */
START_TEST(only_a_quarantine_for_silence_is_silent)
{
	struct policy_service s;
	struct policy_settings set = confirming();
	struct policy_decision d;

	set.max_ejected_percent = 100;
	init(&s, &set, 5);
	/* confirmed by its probes: silent, through probation, until back in rotation */
	uncertain(&s, 0, 0, POLICY_ACT_SUSPECT);
	ck_assert(!s.dests[0].silent);
	probe(&s, 0, false, 200 * MS, POLICY_ACT_PROBE);
	probe(&s, 0, false, 400 * MS, POLICY_ACT_PROBE);
	probe(&s, 0, false, 600 * MS, POLICY_ACT_QUARANTINE);
	ck_assert(s.dests[0].silent);
	tick_one(&s, 1600 * MS, 0, POLICY_ACT_PROBE);
	ck_assert_int_eq(state(&s, 0), POLICY_PROBATION);
	ck_assert(s.dests[0].silent);
	probe(&s, 0, false, 1700 * MS, POLICY_ACT_PROBE_FAILED);
	ck_assert(s.dests[0].silent);
	ck_assert_int_eq(policy_release(&s, 0, 1800 * MS, &d), 1);
	ck_assert(!s.dests[0].silent);

	/* a refusal, even one that confirms a suspicion, is not */
	ck_assert_int_eq(policy_on_evidence(&s, 1, KIND, true, 0, &d), 1);
	ck_assert_int_eq(d.action, POLICY_ACT_QUARANTINE);
	ck_assert(!s.dests[1].silent);
	uncertain(&s, 2, 0, POLICY_ACT_SUSPECT);
	ck_assert_int_eq(policy_on_evidence(&s, 2, KIND, true, MS, &d), 1);
	ck_assert(!s.dests[2].silent);

	/* nor the operator's quarantine, even of a silent one */
	uncertain(&s, 3, 0, POLICY_ACT_SUSPECT);
	probe(&s, 3, false, 200 * MS, POLICY_ACT_PROBE);
	probe(&s, 3, false, 400 * MS, POLICY_ACT_PROBE);
	probe(&s, 3, false, 600 * MS, POLICY_ACT_QUARANTINE);
	ck_assert_int_eq(policy_quarantine(&s, 3, 700 * MS, 0, &d), 1);
	ck_assert(!s.dests[3].silent);
	policy_service_clear(&s);

	/* without probes, silence taken as certain is still silence */
	set.probe = false;
	init(&s, &set, 2);
	uncertain(&s, 0, 0, POLICY_ACT_QUARANTINE);
	ck_assert(s.dests[0].silent);
	policy_service_clear(&s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("policy");

	tcase_add_test(tc, settings_come_from_the_config_in_nanoseconds);
	tcase_add_test(tc, a_suspect_whose_probe_passes_is_back_without_a_relapse);
	tcase_add_test(tc, a_suspect_is_quarantined_when_its_tries_all_fail);
	tcase_add_test(tc, certain_evidence_quarantines_at_once_and_confirms_a_suspect);
	tcase_add_test(tc, a_ramping_suspect_goes_back_to_its_ramp);
	tcase_add_test(tc, a_destination_failing_where_its_peers_succeed_is_an_outlier);
	tcase_add_test(tc, failed_probes_of_a_suspect_count_towards_an_outlier);
	tcase_add_test(tc, loss_on_every_link_makes_no_outlier);
	tcase_add_test(tc, stalls_of_long_lived_connections_make_no_outlier);
	tcase_add_test(tc, an_outlier_needs_enough_attempts_within_the_window);
	tcase_add_test(tc, a_suspect_counts_against_max_ejected_percent);
	tcase_add_test(tc, a_suspicion_is_not_saved_and_a_restored_one_is_probed_again);
	tcase_add_test(tc, without_probes_evidence_is_taken_as_certain);
	tcase_add_test(tc, only_a_quarantine_for_silence_is_silent);
	tcase_add_test(tc, bad_settings_and_arguments_are_refused);
	tcase_add_test(tc, a_destination_goes_round_the_whole_cycle);
	tcase_add_test(tc, evidence_against_a_destination_out_of_rotation_is_ignored);
	tcase_add_test(tc, backoff_doubles_with_each_relapse_up_to_max);
	tcase_add_test(tc, jitter_stays_within_its_bounds_for_every_seed);
	tcase_add_test(tc, jitter_is_deterministic_for_a_seed);
	tcase_add_test(tc, relapses_are_forgiven_after_a_whole_max_in_rotation);
	tcase_add_test(tc, failing_open_keeps_the_backoff);
	tcase_add_test(tc, failures_must_fall_within_the_window);
	tcase_add_test(tc, fail_open_bounds_what_evidence_takes_out);
	tcase_add_test(tc, fail_open_is_reported_once_a_window_and_ends_when_there_is_room);
	tcase_add_test(tc, probation_needs_its_successes_and_a_failure_relapses);
	tcase_add_test(tc, without_probes_quarantine_ends_in_the_ramp);
	tcase_add_test(tc, probes_turned_off_by_a_reload_release_probation);
	tcase_add_test(tc, the_ramp_climbs_in_steps_over_the_warmup);
	tcase_add_test(tc, manual_quarantine_until_released);
	tcase_add_test(tc, manual_quarantine_for_a_while_ends_in_probation);
	tcase_add_test(tc, manual_quarantine_overrides_an_automatic_one);
	tcase_add_test(tc, a_late_probe_result_is_ignored);
	tcase_add_test(tc, a_restart_keeps_quarantine_and_backoff);
	tcase_add_test(tc, a_reload_carries_destinations_over_by_address);
	tcase_add_test(tc, next_deadline_is_the_earliest);
	tcase_add_test(tc, a_flapping_destination_changes_state_a_bounded_number_of_times);
	tcase_add_test(tc, names);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
