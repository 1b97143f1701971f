// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hot path without a kernel: evidence through dispatch to decisions, and
 * the weights those leave, handed to fake sinks that record the order of
 * what they were told, with a fake clock.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "check_parse.h"
#include "dispatch.h"
#include "log.h"

#define MS(x) ((uint64_t)(x)*1000000ull)
#define T0    MS(1000000) /* the clock's start: far from 0 */

static const char CONFIG[] =
    "defaults:\n"
    "  quarantine: { base: 10s, max: 1m, jitter: 0%, failures: 1 }\n"
    "  probation: { warmup: 0s, interval: 1s, successes: 1 }\n"
    "  health: { enabled: false }\n"
    "services:\n"
    "  - name: web\n"
    "    vip: 10.96.0.1:80\n"
    "    destinations: [10.100.1.2:8080, 10.100.2.2:8080, 10.100.3.2:8080]\n";

/* What the sinks were told, in order: one letter each, and the weights applied. */
struct record {
	char calls[64];
	size_t n;
	uint32_t weights[3]; /* of the last apply */
	uint64_t origin_ns;  /* of the last apply */
	enum policy_action decided;
	bool decision_had_cause;
	int probe_result; /* what the probe action returns */
	size_t probed;    /* the destination of the last probe */
};

static struct config *config;
static struct runtime *rt;
static struct selfcheck sc;
static struct dispatch d;
static struct record rec;
static uint64_t now;

static void called(char c)
{
	ck_assert_uint_lt(rec.n, sizeof(rec.calls) - 1);
	rec.calls[rec.n++] = c;
}

static void fake_apply(void *data, struct runtime_service *s, uint64_t origin_ns)
{
	size_t i;

	called('A');
	for (i = 0; i < 3; i++)
		rec.weights[i] = runtime_weight(s, i, now);
	rec.origin_ns = origin_ns;
}

static void fake_save(void *data)
{
	called('S');
}

static int fake_probe(void *data, struct runtime_service *s, size_t dest)
{
	called('P');
	rec.probed = dest;
	return rec.probe_result;
}

static void fake_evidence(void *data, const struct runtime_service *s, const struct evidence *ev)
{
	called('e');
}

static void fake_decision(void *data, const struct runtime_service *s,
			  const struct policy_decision *pd, const struct evidence *cause)
{
	called('d');
	rec.decided = pd->action;
	rec.decision_had_cause = cause != NULL;
}

static void setup(void)
{
	log_set_max_level(LOG_ERR);
	config = parse(CONFIG);
	ck_assert_int_eq(runtime_new(config, NULL, 7, &rt), 0);
	now = T0;
	selfcheck_init(&sc, now);
	memset(&rec, 0, sizeof(rec));
	d = (struct dispatch){
		.rt = rt,
		.selfcheck = &sc,
		.act = { fake_apply, fake_save, fake_probe, NULL },
		.notify = { fake_evidence, fake_decision, NULL },
	};
}

static void teardown(void)
{
	runtime_free(rt);
	config_free(config);
}

/* A SYN without answer to destination DEST of web (10.100.DEST+1.2:8080). */
static struct evidence syn_timeout(size_t dest, uint64_t at)
{
	struct evidence ev;
	char real[16];

	memset(&ev, 0, sizeof(ev));
	ev.kind = EVIDENCE_SYN_TIMEOUT;
	ev.at_ns = at;
	ev.flow.family = VIGIL_AF_INET;
	ev.flow.protocol = IPPROTO_TCP;
	inet_pton(AF_INET, "10.100.9.9", &ev.flow.caddr.v4);
	inet_pton(AF_INET, "10.96.0.1", &ev.flow.vaddr.v4);
	ev.flow.cport = 40000;
	ev.flow.vport = 80;
	ev.real.family = VIGIL_AF_INET;
	snprintf(real, sizeof(real), "10.100.%zu.2", dest + 1);
	inet_pton(AF_INET, real, &ev.real.addr.v4);
	ev.real.port = 8080;
	return ev;
}

static void events_verified(void)
{
	sc.caps[DEGRADED_EVENTS].verdict = SELFCHECK_WORKS;
}

static void assert_calls(const char *want)
{
	rec.calls[rec.n] = '\0';
	ck_assert_str_eq(rec.calls, want);
	rec.n = 0;
}

/* A refusal by destination DEST, with the events verified: certain, it goes out at once. */
static void quarantine_by_evidence(size_t dest)
{
	struct evidence ev = syn_timeout(dest, now);

	ev.kind = EVIDENCE_REFUSED;
	events_verified();
	dispatch_evidence(&d, &ev, now);
	assert_calls("ASed");
}

START_TEST(evidence_reaches_weight_0_before_anyone_is_told)
{
	struct evidence ev = syn_timeout(1, now - MS(3));

	events_verified();
	dispatch_evidence(&d, &ev, now);
	/* IPVS, the confirming probe, then the followers: the evidence, then the decision */
	assert_calls("APed");
	ck_assert_uint_eq(rec.weights[0], 100);
	ck_assert_uint_eq(rec.weights[1], 0);
	ck_assert_uint_eq(rec.weights[2], 100);
	ck_assert_uint_eq(rec.origin_ns, ev.at_ns); /* the latency is the evidence's */
	ck_assert_uint_eq(rec.probed, 1);
	ck_assert_int_eq(rec.decided, POLICY_ACT_SUSPECT);
	ck_assert(rec.decision_had_cause);
	ck_assert_uint_eq(d.evidence_count, 1);
	ck_assert_uint_eq(d.decision_count, 1);
	ck_assert_uint_eq(d.decisions[POLICY_ACT_SUSPECT], 1);
}
END_TEST

START_TEST(a_stall_is_a_suspect_outside_the_outlier_share)
{
	struct runtime_service *s = &rt->services[0];
	struct evidence ev = syn_timeout(2, now);
	uint32_t a, f;

	ev.kind = EVIDENCE_STALL;
	/* no attempt's answer is awaited: it passes the self-check unverified */
	dispatch_evidence(&d, &ev, now);
	assert_calls("APed");
	ck_assert_int_eq(rec.decided, POLICY_ACT_SUSPECT);
	ck_assert_uint_eq(rec.weights[2], 0);
	ck_assert_uint_eq(s->evidence[2][EVIDENCE_STALL], 1);
	policy_attempts(&s->policy, 2, now, &a, &f);
	ck_assert_uint_eq(a, 0);
	ck_assert_uint_eq(f, 0);
}
END_TEST

START_TEST(a_suspect_whose_probe_passes_is_back_unsaved)
{
	struct runtime_service *s = &rt->services[0];
	struct evidence ev = syn_timeout(1, now);

	events_verified();
	dispatch_evidence(&d, &ev, now);
	assert_calls("APed");
	dispatch_probe_done(&d, s, 1, true, 0, now + MS(1));
	/* a suspicion is not in the state file, so its end is not written either */
	assert_calls("Ad");
	ck_assert_int_eq(rec.decided, POLICY_ACT_CLEARED);
	ck_assert_uint_eq(rec.weights[1], 100);
	ck_assert_uint_eq(s->policy.dests[1].quarantines, 0);
	ck_assert_uint_eq(s->policy.dests[1].relapses, 0);
}
END_TEST

START_TEST(a_suspect_is_quarantined_after_its_tries_fail)
{
	struct runtime_service *s = &rt->services[0];
	struct evidence ev = syn_timeout(1, now);

	events_verified();
	dispatch_evidence(&d, &ev, now);
	assert_calls("APed");
	/* confirm_tries 3: two more probes, then the quarantine, saved */
	dispatch_probe_done(&d, s, 1, false, ETIMEDOUT, now + MS(200));
	assert_calls("Pd");
	dispatch_probe_done(&d, s, 1, false, ETIMEDOUT, now + MS(400));
	assert_calls("Pd");
	dispatch_probe_done(&d, s, 1, false, ETIMEDOUT, now + MS(600));
	assert_calls("ASd");
	ck_assert_int_eq(rec.decided, POLICY_ACT_QUARANTINE);
	ck_assert_uint_eq(rec.weights[1], 0);
	ck_assert_uint_eq(s->policy.dests[1].quarantines, 1);
	ck_assert_uint_eq(rec.probed, 1);
}
END_TEST

START_TEST(evidence_that_decides_nothing_is_told_alone)
{
	struct evidence ev = syn_timeout(1, now);

	quarantine_by_evidence(1);
	/* out of rotation already: counted and told, nothing applied */
	dispatch_evidence(&d, &ev, now + MS(1));
	assert_calls("e");
	ck_assert_uint_eq(d.evidence_count, 2);
	ck_assert_uint_eq(d.decision_count, 1);
}
END_TEST

START_TEST(evidence_no_service_has_is_dropped)
{
	struct evidence ev = syn_timeout(1, now);

	events_verified();
	ev.real.port = 9999;
	dispatch_evidence(&d, &ev, now);
	assert_calls("");
	ck_assert_uint_eq(d.evidence_count, 0);
}
END_TEST

START_TEST(syn_timeouts_wait_for_the_events_to_be_verified)
{
	struct evidence ev = syn_timeout(2, now);

	dispatch_evidence(&d, &ev, now);
	assert_calls("");
	ck_assert_uint_eq(d.n_held, 1);
	events_verified();
	dispatch_release_held(&d, now + MS(100));
	assert_calls("APed");
	ck_assert_uint_eq(rec.weights[2], 0);
	ck_assert_uint_eq(d.n_held, 0);
}
END_TEST

START_TEST(syn_timeouts_are_dropped_while_the_events_are_silent)
{
	struct evidence ev = syn_timeout(2, now);

	sc.caps[DEGRADED_EVENTS].verdict = SELFCHECK_SILENT;
	dispatch_evidence(&d, &ev, now);
	assert_calls("");
	ck_assert_uint_eq(d.n_held, 0);
	/* a refusal does not depend on them */
	ev.kind = EVIDENCE_REFUSED;
	dispatch_evidence(&d, &ev, now);
	assert_calls("ASed");
}
END_TEST

START_TEST(held_evidence_is_bounded_and_can_be_forgotten)
{
	struct evidence ev = syn_timeout(0, now);
	size_t i;

	for (i = 0; i < DISPATCH_HELD + 5; i++)
		dispatch_evidence(&d, &ev, now);
	ck_assert_uint_eq(d.n_held, DISPATCH_HELD);
	ck_assert_uint_eq(dispatch_forget_held(&d), DISPATCH_HELD);
	ck_assert_uint_eq(d.n_held, 0);
	assert_calls("");
}
END_TEST

START_TEST(quarantine_ends_in_a_probe_and_a_pass_puts_it_back)
{
	struct runtime_service *s = &rt->services[0];

	quarantine_by_evidence(0);
	/* before the 10 s are over: nothing is due */
	dispatch_tick(&d, now + MS(9999));
	assert_calls("");
	ck_assert_uint_eq(runtime_weight(s, 0, now + MS(9999)), 0);
	now += MS(10000);
	dispatch_tick(&d, now);
	assert_calls("PdA");
	ck_assert_uint_eq(rec.probed, 0);
	ck_assert_int_eq(rec.decided, POLICY_ACT_PROBE);
	ck_assert(!rec.decision_had_cause);
	dispatch_probe_done(&d, s, 0, true, 0, now + MS(5));
	/* no warmup: straight back to full weight */
	assert_calls("ASd");
	ck_assert_int_eq(rec.decided, POLICY_ACT_HEALTHY);
	ck_assert_uint_eq(rec.weights[0], 100);
	ck_assert_uint_eq(d.decisions[POLICY_ACT_PROBE], 1);
}
END_TEST

START_TEST(a_probe_that_cannot_start_failed)
{
	quarantine_by_evidence(0);
	rec.probe_result = -ENOTCONN;
	now += MS(10000);
	dispatch_tick(&d, now);
	/* the probe's decision is told after the relapse it caused */
	assert_calls("PASddA");
	ck_assert_uint_eq(d.decisions[POLICY_ACT_PROBE_FAILED], 1);
	ck_assert_uint_eq(rec.weights[0], 0);
}
END_TEST

START_TEST(an_operators_quarantine_goes_the_same_way)
{
	struct runtime_service *s = &rt->services[0];
	struct policy_decision pd;

	ck_assert_int_eq(policy_quarantine(&s->policy, 2, now, 0, &pd), 1);
	dispatch_decide(&d, s, &pd, NULL, 0, now);
	assert_calls("ASd");
	ck_assert_int_eq(rec.decided, POLICY_ACT_MANUAL_QUARANTINE);
	ck_assert_uint_eq(rec.weights[2], 0);
	ck_assert_uint_eq(rec.origin_ns, 0);
}
END_TEST

START_TEST(fail_open_changes_no_weight)
{
	struct evidence ev;
	size_t i;

	events_verified();
	/* max_ejected_percent 50: one of three out (a suspect is out), the second is refused */
	for (i = 0; i < 2; i++) {
		ev = syn_timeout(i, now);
		dispatch_evidence(&d, &ev, now);
	}
	assert_calls("APeded");
	ck_assert_int_eq(rec.decided, POLICY_ACT_FAIL_OPEN);
	ck_assert_uint_eq(rec.weights[1], 100);
}
END_TEST

static Suite *dispatch_suite(void)
{
	Suite *s = suite_create("dispatch");
	TCase *tc = tcase_create("dispatch");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, evidence_reaches_weight_0_before_anyone_is_told);
	tcase_add_test(tc, a_stall_is_a_suspect_outside_the_outlier_share);
	tcase_add_test(tc, a_suspect_whose_probe_passes_is_back_unsaved);
	tcase_add_test(tc, a_suspect_is_quarantined_after_its_tries_fail);
	tcase_add_test(tc, evidence_that_decides_nothing_is_told_alone);
	tcase_add_test(tc, evidence_no_service_has_is_dropped);
	tcase_add_test(tc, syn_timeouts_wait_for_the_events_to_be_verified);
	tcase_add_test(tc, syn_timeouts_are_dropped_while_the_events_are_silent);
	tcase_add_test(tc, held_evidence_is_bounded_and_can_be_forgotten);
	tcase_add_test(tc, quarantine_ends_in_a_probe_and_a_pass_puts_it_back);
	tcase_add_test(tc, a_probe_that_cannot_start_failed);
	tcase_add_test(tc, an_operators_quarantine_goes_the_same_way);
	tcase_add_test(tc, fail_open_changes_no_weight);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(dispatch_suite(), CK_NORMAL);
}
