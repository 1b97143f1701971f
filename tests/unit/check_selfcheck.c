// SPDX-License-Identifier: GPL-2.0-only
/* selfcheck: verdicts on the pipeline from observations, with a fake clock. */
#include <check.h>

#include "check_main.h"
#include <stdio.h>
#include <string.h>

#include "selfcheck.h"

#define MS(x)    ((uint64_t)(x)*1000000ull)
#define BIT(cap) (1u << (cap))

static struct selfcheck sc;

static void setup(void)
{
	selfcheck_init(&sc, MS(1000));
}

static enum selfcheck_verdict verdict(enum degraded_cap cap)
{
	return sc.caps[cap].verdict;
}

/* A client's connection through a VIP as a working pipeline shows it, at T ms. */
static void healthy_connection(uint64_t t)
{
	selfcheck_connect(&sc, MS(t));
	selfcheck_pick(&sc, MS(t), true, true);
	selfcheck_established(&sc, MS(t + 1));
}

START_TEST(everything_starts_unverified)
{
	size_t i;

	for (i = 0; i < DEGRADED_N_CAPS; i++)
		ck_assert_int_eq(verdict(i), SELFCHECK_UNVERIFIED);
	ck_assert_uint_eq(selfcheck_changes(&sc), 0);
	/* nothing expected, nothing judged, however long */
	selfcheck_tick(&sc, MS(100000), false);
	ck_assert_uint_eq(selfcheck_changes(&sc), 0);
}
END_TEST

START_TEST(a_working_pipeline_is_verified_once)
{
	healthy_connection(1100);
	ck_assert_int_eq(verdict(DEGRADED_CORRELATION), SELFCHECK_WORKS);
	ck_assert_int_eq(verdict(DEGRADED_EVENTS), SELFCHECK_WORKS);
	ck_assert_uint_eq(selfcheck_changes(&sc), BIT(DEGRADED_CORRELATION) | BIT(DEGRADED_EVENTS));
	healthy_connection(1200);
	selfcheck_tick(&sc, MS(10000), false);
	ck_assert_uint_eq(selfcheck_changes(&sc), 0);
	ck_assert_uint_eq(sc.caps[DEGRADED_CORRELATION].met, 2);
}
END_TEST

/* The 7.2 bug: tcp_connect reports, ip_vs_conn_new runs and reports nothing. */
START_TEST(connects_without_picks_find_the_real_destination_silent)
{
	selfcheck_connect(&sc, MS(1000));
	selfcheck_connect(&sc, MS(1010));
	/* the grace is not over */
	selfcheck_tick(&sc, MS(1499), false);
	ck_assert_int_eq(verdict(DEGRADED_CORRELATION), SELFCHECK_UNVERIFIED);
	/* two unmet: not yet a quorum */
	selfcheck_tick(&sc, MS(1500), false);
	ck_assert_int_eq(verdict(DEGRADED_CORRELATION), SELFCHECK_UNVERIFIED);
	ck_assert_uint_eq(sc.caps[DEGRADED_CORRELATION].misses, 2);
	selfcheck_connect(&sc, MS(1600));
	selfcheck_tick(&sc, MS(2099), false);
	ck_assert_uint_eq(selfcheck_changes(&sc), 0);
	selfcheck_tick(&sc, MS(2100), false);
	ck_assert_int_eq(verdict(DEGRADED_CORRELATION), SELFCHECK_SILENT);
	ck_assert_uint_eq(selfcheck_changes(&sc), BIT(DEGRADED_CORRELATION));
	ck_assert_uint_eq(sc.caps[DEGRADED_CORRELATION].silences, 1);
	ck_assert_uint_eq(sc.caps[DEGRADED_CORRELATION].since_ns, MS(2100));
	ck_assert_str_eq(sc.caps[DEGRADED_CORRELATION].why,
			 "1 connection to VIPs had no pick from ip_vs_conn_new within 500 ms");
	/* once silent, more misses change nothing */
	selfcheck_connect(&sc, MS(3000));
	selfcheck_tick(&sc, MS(4000), false);
	ck_assert_uint_eq(selfcheck_changes(&sc), 0);
	ck_assert_uint_eq(sc.caps[DEGRADED_CORRELATION].silences, 1);
}
END_TEST

START_TEST(a_pick_answers_every_connect_before_it)
{
	selfcheck_connect(&sc, MS(1000));
	selfcheck_connect(&sc, MS(1001));
	selfcheck_connect(&sc, MS(1002));
	selfcheck_pick(&sc, MS(1003), true, true);
	selfcheck_tick(&sc, MS(5000), false);
	ck_assert_int_eq(verdict(DEGRADED_CORRELATION), SELFCHECK_WORKS);
	ck_assert_uint_eq(sc.caps[DEGRADED_CORRELATION].misses, 0);
	ck_assert_uint_eq(sc.caps[DEGRADED_CORRELATION].unmet, 0);
}
END_TEST

/* A met expectation between misses starts the count again: no quorum. */
START_TEST(misses_must_come_in_a_row)
{
	selfcheck_connect(&sc, MS(1000));
	selfcheck_connect(&sc, MS(1000));
	selfcheck_tick(&sc, MS(1500), false);
	healthy_connection(1600);
	selfcheck_connect(&sc, MS(1700));
	selfcheck_tick(&sc, MS(2200), false);
	ck_assert_int_eq(verdict(DEGRADED_CORRELATION), SELFCHECK_WORKS);
	ck_assert_uint_eq(sc.caps[DEGRADED_CORRELATION].misses, 1);
	ck_assert_uint_eq(sc.caps[DEGRADED_CORRELATION].unmet, 3);
}
END_TEST

START_TEST(silent_then_working_again)
{
	selfcheck_connect(&sc, MS(1000));
	selfcheck_connect(&sc, MS(1000));
	selfcheck_connect(&sc, MS(1000));
	selfcheck_tick(&sc, MS(1500), false);
	ck_assert_int_eq(verdict(DEGRADED_CORRELATION), SELFCHECK_SILENT);
	selfcheck_changes(&sc);
	selfcheck_pick(&sc, MS(9000), false, false);
	ck_assert_int_eq(verdict(DEGRADED_CORRELATION), SELFCHECK_WORKS);
	ck_assert_uint_eq(selfcheck_changes(&sc), BIT(DEGRADED_CORRELATION));
	ck_assert_str_eq(sc.caps[DEGRADED_CORRELATION].why, "");
	ck_assert_uint_eq(sc.caps[DEGRADED_CORRELATION].since_ns, MS(9000));
}
END_TEST

/* IPVS counts connections (from anywhere) while no pick arrives at all. */
START_TEST(ipvs_counters_moving_without_picks)
{
	/* the first read is only a baseline */
	selfcheck_ipvs_conns(&sc, MS(1000), 500);
	ck_assert_int_eq(verdict(DEGRADED_CORRELATION), SELFCHECK_UNVERIFIED);
	selfcheck_ipvs_conns(&sc, MS(2000), 502);
	ck_assert_uint_eq(sc.caps[DEGRADED_CORRELATION].misses, 2);
	selfcheck_ipvs_conns(&sc, MS(3000), 503);
	ck_assert_int_eq(verdict(DEGRADED_CORRELATION), SELFCHECK_SILENT);
	ck_assert_str_eq(sc.caps[DEGRADED_CORRELATION].why,
			 "IPVS counted 1 new connection to the watched services and "
			 "ip_vs_conn_new reported no pick");
}
END_TEST

/*
 * IPVS's counters show a connection up to 2 s after its pick (its rate
 * estimator sums them): a pick within the lag before the last read may be
 * the one a gain is made of.
 */
START_TEST(ipvs_counters_lag_behind_the_picks)
{
	selfcheck_ipvs_conns(&sc, MS(10000), 500);
	selfcheck_pick(&sc, MS(9000), false, false);
	selfcheck_ipvs_conns(&sc, MS(11000), 600);
	ck_assert_uint_eq(sc.caps[DEGRADED_CORRELATION].unmet, 0);
	/* still the same picks, shown late */
	selfcheck_ipvs_conns(&sc, MS(13000), 606);
	ck_assert_uint_eq(sc.caps[DEGRADED_CORRELATION].unmet, 0);
	selfcheck_ipvs_conns(&sc, MS(14000), 607);
	ck_assert_uint_eq(sc.caps[DEGRADED_CORRELATION].unmet, 0);
	selfcheck_ipvs_conns(&sc, MS(15000), 607);
	/* made since 15 s, more than the lag after the last pick: no pick for this one */
	selfcheck_ipvs_conns(&sc, MS(16000), 608);
	ck_assert_uint_eq(sc.caps[DEGRADED_CORRELATION].unmet, 1);
}
END_TEST

/* Reads skipped while picks arrive, then taken up again: still judged, a lag later. */
START_TEST(ipvs_counters_are_read_only_when_they_could_tell)
{
	ck_assert(selfcheck_ipvs_wanted(&sc, MS(1000)));
	selfcheck_ipvs_conns(&sc, MS(1000), 10);
	selfcheck_pick(&sc, MS(1500), true, false);
	ck_assert(!selfcheck_ipvs_wanted(&sc, MS(2000)));
	ck_assert(!selfcheck_ipvs_wanted(&sc, MS(6500)));
	ck_assert(selfcheck_ipvs_wanted(&sc, MS(6501)));
	/* the picks stopped at 1.5 s; counted late, those are theirs */
	selfcheck_ipvs_conns(&sc, MS(7000), 20);
	ck_assert_uint_eq(sc.caps[DEGRADED_CORRELATION].unmet, 0);
	selfcheck_ipvs_conns(&sc, MS(8000), 23);
	ck_assert_int_eq(verdict(DEGRADED_CORRELATION), SELFCHECK_SILENT);
}
END_TEST

START_TEST(ipvs_counters_going_back_or_forgotten)
{
	selfcheck_ipvs_conns(&sc, MS(1000), 500);
	/* services made anew: their counters start again */
	selfcheck_ipvs_conns(&sc, MS(2000), 10);
	ck_assert_uint_eq(sc.caps[DEGRADED_CORRELATION].unmet, 0);
	/* a reload: other services, no comparison with the last read */
	selfcheck_ipvs_forget(&sc);
	selfcheck_ipvs_conns(&sc, MS(3000), 1000);
	ck_assert_uint_eq(sc.caps[DEGRADED_CORRELATION].unmet, 0);
	selfcheck_ipvs_conns(&sc, MS(4000), 1000);
	ck_assert_uint_eq(sc.caps[DEGRADED_CORRELATION].unmet, 0);
	ck_assert_int_eq(verdict(DEGRADED_CORRELATION), SELFCHECK_UNVERIFIED);
}
END_TEST

/* Picks arrive, the TCP tracepoints deliver nothing: events silent. */
START_TEST(picks_without_tcp_events_find_the_events_silent)
{
	selfcheck_pick(&sc, MS(1000), true, true);
	/* UDP picks, and picks outside the client's task, expect no TCP event */
	selfcheck_pick(&sc, MS(1000), false, true);
	selfcheck_pick(&sc, MS(1000), true, false);
	selfcheck_pick(&sc, MS(1100), true, true);
	selfcheck_pick(&sc, MS(1200), true, true);
	selfcheck_tick(&sc, MS(3999), false);
	ck_assert_int_eq(verdict(DEGRADED_EVENTS), SELFCHECK_UNVERIFIED);
	selfcheck_tick(&sc, MS(4000), false);
	ck_assert_int_eq(verdict(DEGRADED_EVENTS), SELFCHECK_SILENT);
	ck_assert_str_eq(sc.caps[DEGRADED_EVENTS].why,
			 "3 connections that IPVS picked had no state change, retransmit or reset "
			 "within 3000 ms");
	ck_assert_int_eq(verdict(DEGRADED_CORRELATION), SELFCHECK_WORKS);
}
END_TEST

/* A silent destination's SYN is retransmitted: that event counts. */
START_TEST(a_retransmit_answers_the_picks)
{
	selfcheck_pick(&sc, MS(1000), true, true);
	selfcheck_pick(&sc, MS(1000), true, true);
	selfcheck_pick(&sc, MS(1000), true, true);
	selfcheck_event(&sc, MS(2000));
	selfcheck_tick(&sc, MS(9000), false);
	ck_assert_int_eq(verdict(DEGRADED_EVENTS), SELFCHECK_WORKS);
}
END_TEST

/* Events the kernel side lost (ring buffer full) are not held against it. */
START_TEST(losses_are_not_judged)
{
	selfcheck_connect(&sc, MS(1000));
	selfcheck_connect(&sc, MS(1000));
	selfcheck_connect(&sc, MS(1000));
	selfcheck_pick(&sc, MS(1000), true, true);
	selfcheck_connect(&sc, MS(1000));
	selfcheck_tick(&sc, MS(5000), true);
	ck_assert_uint_eq(sc.caps[DEGRADED_CORRELATION].unmet, 0);
	ck_assert_uint_eq(sc.caps[DEGRADED_EVENTS].unmet, 0);
	selfcheck_tick(&sc, MS(6000), false);
	ck_assert_uint_eq(sc.caps[DEGRADED_CORRELATION].unmet, 0);
}
END_TEST

START_TEST(sockops_that_never_counts)
{
	int i;

	selfcheck_health_conns(&sc, MS(1000), 40); /* a baseline */
	for (i = 0; i < 2; i++)
		healthy_connection(1100 + i);
	selfcheck_health_conns(&sc, MS(6000), 40);
	ck_assert_uint_eq(sc.caps[DEGRADED_HEALTH].misses, 2);
	ck_assert_int_eq(verdict(DEGRADED_HEALTH), SELFCHECK_UNVERIFIED);
	/* no establishment, no expectation */
	selfcheck_health_conns(&sc, MS(11000), 40);
	ck_assert_uint_eq(sc.caps[DEGRADED_HEALTH].misses, 2);
	healthy_connection(11100);
	selfcheck_health_conns(&sc, MS(16000), 40);
	ck_assert_int_eq(verdict(DEGRADED_HEALTH), SELFCHECK_SILENT);
	ck_assert_str_eq(sc.caps[DEGRADED_HEALTH].why,
			 "1 connection was established through VIPs and the sockops program "
			 "counted none");
	/* it counts again */
	healthy_connection(16100);
	selfcheck_health_conns(&sc, MS(21000), 41);
	ck_assert_int_eq(verdict(DEGRADED_HEALTH), SELFCHECK_WORKS);
	/* entries evicted: the count went back, nothing to compare */
	healthy_connection(21100);
	selfcheck_health_conns(&sc, MS(26000), 3);
	ck_assert_int_eq(verdict(DEGRADED_HEALTH), SELFCHECK_WORKS);
	ck_assert_uint_eq(sc.caps[DEGRADED_HEALTH].misses, 0);
}
END_TEST

START_TEST(syn_timeouts_wait_for_the_events)
{
	ck_assert_int_eq(selfcheck_gate(&sc, EVIDENCE_SYN_TIMEOUT), SELFCHECK_HOLD);
	/* every other kind is an event that arrived */
	ck_assert_int_eq(selfcheck_gate(&sc, EVIDENCE_RETRANS), SELFCHECK_PASS);
	ck_assert_int_eq(selfcheck_gate(&sc, EVIDENCE_REFUSED), SELFCHECK_PASS);
	ck_assert_int_eq(selfcheck_gate(&sc, EVIDENCE_PROBE_FAILED), SELFCHECK_PASS);
	selfcheck_event(&sc, MS(1000));
	ck_assert_int_eq(selfcheck_gate(&sc, EVIDENCE_SYN_TIMEOUT), SELFCHECK_PASS);
	selfcheck_init(&sc, 0);
	selfcheck_pick(&sc, MS(1000), true, true);
	selfcheck_pick(&sc, MS(1000), true, true);
	selfcheck_pick(&sc, MS(1000), true, true);
	selfcheck_tick(&sc, MS(4000), false);
	ck_assert_int_eq(selfcheck_gate(&sc, EVIDENCE_SYN_TIMEOUT), SELFCHECK_DROP);
}
END_TEST

/* A no-reply means something once a UDP reply was seen: the receive hook delivers. */
START_TEST(no_replies_wait_for_a_udp_reply)
{
	ck_assert_int_eq(selfcheck_gate(&sc, EVIDENCE_NO_REPLY), SELFCHECK_HOLD);
	/* TCP events prove the TCP hooks, not the UDP receive hook */
	selfcheck_event(&sc, MS(1000));
	ck_assert_int_eq(selfcheck_gate(&sc, EVIDENCE_NO_REPLY), SELFCHECK_HOLD);
	ck_assert_int_eq(selfcheck_gate(&sc, EVIDENCE_UDP_ERROR), SELFCHECK_PASS);
	selfcheck_udp_reply(&sc, MS(1100));
	ck_assert_int_eq(selfcheck_gate(&sc, EVIDENCE_NO_REPLY), SELFCHECK_PASS);
}
END_TEST

START_TEST(overlay_marks_the_silent)
{
	struct degraded d;

	memset(&d, 0, sizeof(d));
	snprintf(d.caps[DEGRADED_CORRELATION].how, sizeof(d.caps[0].how), "fexit/ip_vs_conn_new");
	d.caps[DEGRADED_HEALTH].state = DEGRADED_OFF;
	selfcheck_event(&sc, MS(1000));
	selfcheck_connect(&sc, MS(1000));
	selfcheck_connect(&sc, MS(1000));
	selfcheck_connect(&sc, MS(1000));
	selfcheck_tick(&sc, MS(2000), false);
	selfcheck_overlay(&sc, &d);
	ck_assert_int_eq(d.caps[DEGRADED_CORRELATION].state, DEGRADED_SILENT);
	ck_assert_str_eq(d.caps[DEGRADED_CORRELATION].silent,
			 "3 connections to VIPs had no pick from ip_vs_conn_new within 500 ms");
	ck_assert(!d.caps[DEGRADED_CORRELATION].verified);
	/* verified, but of no use without the real destination */
	ck_assert_int_eq(d.caps[DEGRADED_EVENTS].state, DEGRADED_UNUSED);
	ck_assert(d.caps[DEGRADED_EVENTS].verified);
	ck_assert_int_eq(d.caps[DEGRADED_HEALTH].state, DEGRADED_OFF);
	ck_assert(!degraded_watching(&d));
	ck_assert(degraded_any(&d));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("selfcheck");
	TCase *tc = tcase_create("selfcheck");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, everything_starts_unverified);
	tcase_add_test(tc, a_working_pipeline_is_verified_once);
	tcase_add_test(tc, connects_without_picks_find_the_real_destination_silent);
	tcase_add_test(tc, a_pick_answers_every_connect_before_it);
	tcase_add_test(tc, misses_must_come_in_a_row);
	tcase_add_test(tc, silent_then_working_again);
	tcase_add_test(tc, ipvs_counters_moving_without_picks);
	tcase_add_test(tc, ipvs_counters_lag_behind_the_picks);
	tcase_add_test(tc, ipvs_counters_going_back_or_forgotten);
	tcase_add_test(tc, ipvs_counters_are_read_only_when_they_could_tell);
	tcase_add_test(tc, picks_without_tcp_events_find_the_events_silent);
	tcase_add_test(tc, a_retransmit_answers_the_picks);
	tcase_add_test(tc, losses_are_not_judged);
	tcase_add_test(tc, sockops_that_never_counts);
	tcase_add_test(tc, syn_timeouts_wait_for_the_events);
	tcase_add_test(tc, no_replies_wait_for_a_udp_reply);
	tcase_add_test(tc, overlay_marks_the_silent);
	suite_add_tcase(s, tc);
	return check_main(s, CK_VERBOSE);
}
