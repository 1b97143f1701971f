// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <check.h>

#include "check_main.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"

#define SEC       1000000000ull
#define MS        1000000ull
#define INTERVAL  (5 * SEC) /* the default health.interval */
#define T0        (1000 * SEC)
#define MAX_DESTS 4

/* A service and a fake kernel health map, with a fake clock. */
struct fixture {
	struct config_service svc;
	struct config_dest dests[MAX_DESTS];
	struct vigil_health kernel[MAX_DESTS];
	bool present[MAX_DESTS];
	struct health *h;
	uint64_t now;
};

static struct fixture f;

static const struct vigil_health *lookup(const struct vigil_real *real, void *data)
{
	struct fixture *fx = data;
	uint32_t i;

	for (i = 0; i < fx->svc.n_dests; i++) {
		struct vigil_real r;

		ck_assert_int_eq(health_real_from_addr(&fx->dests[i].addr, &r), 0);
		if (!memcmp(&r, real, sizeof(r)))
			return fx->present[i] ? &fx->kernel[i] : NULL;
	}
	ck_abort_msg("lookup of a destination the service does not have");
	return NULL;
}

/* n destinations 10.100.<i+1>.2:8080 of weight `weight`, default settings. */
static void setup_n(uint32_t n, uint32_t weight)
{
	uint32_t i;

	memset(&f, 0, sizeof(f));
	snprintf(f.svc.name, sizeof(f.svc.name), "api");
	f.svc.protocol = IPPROTO_TCP;
	ck_assert_int_eq(config_addr_parse("10.96.0.10:80", &f.svc.vip, NULL, 0), 0);
	config_defaults(&f.svc.policy);
	for (i = 0; i < n; i++) {
		char addr[32];

		snprintf(addr, sizeof(addr), "10.100.%u.2:8080", i + 1);
		ck_assert_int_eq(config_addr_parse(addr, &f.dests[i].addr, NULL, 0), 0);
		f.dests[i].weight = weight;
	}
	f.svc.dests = f.dests;
	f.svc.n_dests = n;
	f.h = health_new();
	ck_assert_ptr_nonnull(f.h);
	ck_assert_int_eq(health_configure(f.h, &f.svc), 0);
	f.now = T0;
}

static void setup(void)
{
	setup_n(2, 100);
}

static void teardown(void)
{
	health_free(f.h);
	f.h = NULL;
}

/* Connections to dest i, each with `samples` RTT samples of rtt_ms and `segs` data segments. */
static void traffic(uint32_t i, unsigned int conns, unsigned int samples, double rtt_ms,
		    unsigned int segs, unsigned int retrans)
{
	struct vigil_health *k = &f.kernel[i];

	f.present[i] = true;
	k->conns += conns;
	k->rtt_samples += (uint64_t)conns * samples;
	k->rtt_sum_us += (uint64_t)(conns * samples * rtt_ms * 1000);
	k->data_segs += (uint64_t)conns * segs;
	k->retrans += retrans;
	if (!k->rtt_min_us || rtt_ms * 1000 < k->rtt_min_us)
		k->rtt_min_us = rtt_ms * 1000;
}

/* The next update, one interval on. */
static int tick(void)
{
	f.now += INTERVAL;
	return health_update(f.h, f.now, lookup, &f);
}

static const struct health_dest_status *dest(size_t i)
{
	const struct health_dest_status *d = health_dest(f.h, i);

	ck_assert_ptr_nonnull(d);
	return d;
}

/* The first update only starts the windows. */
static void start(void)
{
	ck_assert_int_eq(health_update(f.h, f.now, lookup, &f), 0);
}

/*
 * An interval of the usual traffic to both destinations, ten connections of
 * three samples and three data segments each, at these RTTs; then the update.
 */
static int round_at(double rtt0_ms, double rtt1_ms)
{
	traffic(0, 10, 3, rtt0_ms, 3, 0);
	traffic(1, 10, 3, rtt1_ms, 3, 0);
	return tick();
}

START_TEST(real_from_addr)
{
	struct config_addr a;
	struct vigil_real r;
	uint32_t v4;

	ck_assert_int_eq(config_addr_parse("10.100.1.2:8080", &a, NULL, 0), 0);
	ck_assert_int_eq(health_real_from_addr(&a, &r), 0);
	inet_pton(AF_INET, "10.100.1.2", &v4);
	ck_assert_uint_eq(r.family, VIGIL_AF_INET);
	ck_assert_uint_eq(r.addr.v4, v4);
	ck_assert_uint_eq(r.addr.v6_32[1] | r.addr.v6_32[2] | r.addr.v6_32[3], 0);
	ck_assert_uint_eq(r.port, 8080);
	ck_assert_uint_eq(r.pad, 0);
	ck_assert_int_eq(config_addr_parse("[fd00::2]:443", &a, NULL, 0), 0);
	ck_assert_int_eq(health_real_from_addr(&a, &r), 0);
	ck_assert_uint_eq(r.family, VIGIL_AF_INET6);
	ck_assert_uint_eq(r.addr.v6[0], 0xfd);
	ck_assert_uint_eq(r.addr.v6[15], 2);
	ck_assert_uint_eq(r.port, 443);
	a.family = 0;
	ck_assert_int_eq(health_real_from_addr(&a, &r), -EINVAL);
}
END_TEST

START_TEST(starts_at_configured_weight)
{
	ck_assert_uint_eq(health_count(f.h), 2);
	ck_assert_uint_eq(dest(0)->effective, 100);
	ck_assert_double_eq(dest(0)->score, 1);
	ck_assert(!dest(0)->measured);
	ck_assert_uint_eq(health_next_update(f.h), 0);
	start();
	ck_assert_uint_eq(health_next_update(f.h), T0 + INTERVAL);
	ck_assert_ptr_eq(health_find(f.h, &f.dests[1].addr), dest(1));
}
END_TEST

START_TEST(rtt_formula)
{
	double expect = (1000 + HEALTH_RTT_SLACK_US) / (201000 + HEALTH_RTT_SLACK_US);

	start();
	ck_assert_int_eq(round_at(1, 201), 1);
	ck_assert(dest(0)->measured && dest(1)->measured);
	ck_assert_double_eq_tol(dest(0)->rtt_us, 1000, 1e-6);
	ck_assert_double_eq_tol(dest(1)->rtt_us, 201000, 1e-6);
	ck_assert_uint_eq(dest(1)->samples, 30);
	ck_assert_double_eq(dest(0)->score, 1);
	ck_assert_double_eq_tol(dest(1)->score, expect, 1e-9);
	ck_assert_double_lt(dest(1)->score, 0.06);
	ck_assert_uint_eq(dest(0)->effective, 100);
	ck_assert_uint_eq(dest(1)->effective, 5);
	ck_assert_uint_eq(dest(1)->changes, 1);
}
END_TEST

START_TEST(small_rtt_differences_barely_count)
{
	start();
	ck_assert_int_eq(round_at(1, 3), 1);
	ck_assert_double_gt(dest(1)->score, 0.84);
	ck_assert_uint_eq(dest(1)->effective, 85);
}
END_TEST

START_TEST(loss_formula)
{
	start();
	/* 30 retransmits for 90 data segments and 10 SYNs: loss 0.3 */
	traffic(0, 10, 3, 1, 9, 30);
	traffic(1, 10, 3, 1, 9, 0);
	ck_assert_int_eq(tick(), 1);
	ck_assert_double_eq_tol(dest(0)->loss, 0.3, 1e-9);
	ck_assert_double_eq_tol(dest(0)->score, 1 / (1 + HEALTH_LOSS_PENALTY * 0.3), 1e-9);
	ck_assert_uint_eq(dest(0)->effective, 25);
	ck_assert_double_eq(dest(1)->loss, 0);
	ck_assert_uint_eq(dest(1)->effective, 100);
}
END_TEST

START_TEST(loss_is_capped)
{
	start();
	/* SYN retransmits of connections that sent nothing else */
	traffic(0, 5, 1, 1, 0, 40);
	ck_assert_int_eq(tick(), 1);
	ck_assert_double_eq(dest(0)->loss, 1);
	ck_assert_double_eq_tol(dest(0)->score, 1 / (1 + HEALTH_LOSS_PENALTY), 1e-9);
}
END_TEST

START_TEST(no_data_is_not_bad_data)
{
	start();
	/* too few samples: the window stays open, nobody is measured */
	traffic(1, 1, 4, 500, 3, 0);
	ck_assert_int_eq(tick(), 0);
	ck_assert(!dest(0)->measured && !dest(1)->measured);
	ck_assert_double_eq(dest(1)->score, 1);
	ck_assert_uint_eq(dest(1)->effective, 100);
	/* dest 0 never seen by the kernel at all: still score 1 */
	ck_assert_int_eq(tick(), 0);
	ck_assert_double_eq(dest(0)->score, 1);
	ck_assert_uint_eq(dest(0)->effective, 100);
}
END_TEST

START_TEST(window_grows_until_enough_samples)
{
	start();
	traffic(0, 10, 3, 1, 3, 0);
	traffic(1, 1, 3, 201, 3, 0);
	ck_assert_int_eq(tick(), 0); /* dest 1: 3 samples, not yet */
	ck_assert(!dest(1)->measured);
	traffic(0, 10, 3, 1, 3, 0);
	traffic(1, 1, 3, 201, 3, 0);
	ck_assert_int_eq(tick(), 1); /* 6 samples over two intervals */
	ck_assert(dest(1)->measured);
	ck_assert_uint_eq(dest(1)->samples, 6);
	ck_assert_uint_eq(dest(1)->effective, 5);
}
END_TEST

START_TEST(measurement_held_then_dropped)
{
	int i;

	start();
	ck_assert_int_eq(round_at(1, 201), 1);
	ck_assert_uint_eq(dest(1)->effective, 5);
	/* dest 1 gets (almost) nothing now: it keeps its score while its window is young */
	for (i = 1; i < HEALTH_MAX_WINDOW; i++) {
		traffic(0, 10, 3, 1, 3, 0);
		ck_assert_int_eq(tick(), 0);
		ck_assert(dest(1)->measured);
		ck_assert_uint_eq(dest(1)->effective, 5);
	}
	/* HEALTH_MAX_WINDOW intervals without enough data: back to score 1 */
	traffic(0, 10, 3, 1, 3, 0);
	ck_assert_int_eq(tick(), 1);
	ck_assert(!dest(1)->measured);
	ck_assert_double_eq(dest(1)->score, 1);
	ck_assert_uint_eq(dest(1)->effective, 100);
}
END_TEST

START_TEST(hysteresis)
{
	start();
	/* 4 ms against 1 ms: score 0.786, target 79: a change of 21 >= 10 */
	ck_assert_int_eq(round_at(1, 4), 1);
	ck_assert_uint_eq(dest(1)->effective, 79);
	/* 3.5 ms: target 81, within 10% of the configured 100 of 79: ignored */
	ck_assert_int_eq(round_at(1, 3.5), 0);
	ck_assert_uint_eq(dest(1)->target, 81);
	ck_assert_uint_eq(dest(1)->effective, 79);
	/* 2 ms: target 92, 13 away: applied */
	ck_assert_int_eq(round_at(1, 2), 1);
	ck_assert_uint_eq(dest(1)->effective, 92);
	/* min_change 0: every change goes through */
	f.svc.policy.health.min_change = 0;
	ck_assert_int_eq(health_configure(f.h, &f.svc), 0);
	ck_assert_int_eq(round_at(1, 1.5), 1);
	ck_assert_uint_eq(dest(1)->effective, 96);
}
END_TEST

/* An interval of traffic: dest 0 at 1 ms, dest 1 at 201 ms or 1 ms. */
static int round_with(bool slow)
{
	return round_at(1, slow ? 201 : 1);
}

START_TEST(rate_limit)
{
	int i;

	f.svc.policy.health.max_changes_per_minute = 3;
	ck_assert_int_eq(health_configure(f.h, &f.svc), 0);
	start();
	/* three changes, at T0 + 5, 10 and 15 s */
	ck_assert_int_eq(round_with(true), 1);
	ck_assert_int_eq(round_with(false), 1);
	ck_assert_int_eq(round_with(true), 1);
	ck_assert_uint_eq(dest(1)->changes, 3);
	/* then none for the rest of the minute, however much the score asks */
	for (i = 0; i < 9; i++) {
		ck_assert_int_eq(round_with(false), 0);
		ck_assert_uint_eq(dest(1)->target, 100);
		ck_assert_uint_eq(dest(1)->effective, 5);
	}
	ck_assert_uint_eq(f.now, T0 + 60 * SEC);
	/* each of the first three changes leaves the last minute in turn */
	ck_assert_int_eq(round_with(false), 1);
	ck_assert_uint_eq(dest(1)->effective, 100);
	ck_assert_int_eq(round_with(true), 1);
	ck_assert_int_eq(round_with(false), 1);
	ck_assert_uint_eq(dest(1)->changes, 6);
	/* three changes at T0 + 65, 70 and 75 s: the next must wait until T0 + 125 s */
	ck_assert_int_eq(round_with(true), 0);
	ck_assert_uint_eq(dest(1)->effective, 100);
}
END_TEST

START_TEST(floor_of_one)
{
	f.dests[1].weight = 10;
	ck_assert_int_eq(health_configure(f.h, &f.svc), 0);
	start();
	/* 10 s against 1 ms: the score is at its floor, 10 x 0.01 rounds to 0 */
	traffic(0, 10, 3, 1, 3, 0);
	traffic(1, 10, 3, 10000, 3, 30);
	ck_assert_int_eq(tick(), 1);
	ck_assert_double_eq(dest(1)->score, HEALTH_MIN_SCORE);
	ck_assert_uint_eq(dest(1)->target, 1);
	ck_assert_uint_eq(dest(1)->effective, 1);
}
END_TEST

START_TEST(weight_zero_stays_zero)
{
	f.dests[1].weight = 0;
	ck_assert_int_eq(health_configure(f.h, &f.svc), 0);
	ck_assert_uint_eq(dest(1)->effective, 0);
	start();
	ck_assert_int_eq(round_at(201, 1), 1);
	ck_assert_uint_eq(dest(1)->effective, 0);
	ck_assert_uint_eq(dest(0)->effective, 5);
}
END_TEST

START_TEST(recovery)
{
	start();
	ck_assert_int_eq(round_at(1, 201), 1);
	ck_assert_uint_eq(dest(1)->effective, 5);
	/* the delay is gone: at weight 5 it still gets enough connections */
	traffic(0, 20, 3, 1, 3, 0);
	traffic(1, 2, 3, 1.2, 3, 0);
	ck_assert_int_eq(tick(), 1);
	ck_assert_double_gt(dest(1)->score, 0.98);
	ck_assert_uint_eq(dest(1)->effective, 98);
}
END_TEST

START_TEST(counters_going_back_count_from_zero)
{
	start();
	ck_assert_int_eq(round_at(1, 1), 0);
	/* the kernel's entry for dest 1 was evicted and made anew */
	memset(&f.kernel[1], 0, sizeof(f.kernel[1]));
	traffic(0, 10, 3, 1, 3, 0);
	traffic(1, 2, 3, 201, 3, 0);
	ck_assert_int_eq(tick(), 1);
	ck_assert_uint_eq(dest(1)->samples, 6);
	ck_assert_double_eq_tol(dest(1)->rtt_us, 201000, 1e-6);
	ck_assert_uint_eq(dest(1)->effective, 5);
}
END_TEST

START_TEST(interval_gates_updates)
{
	start();
	traffic(0, 10, 3, 1, 3, 0);
	traffic(1, 10, 3, 201, 3, 0);
	/* too early: nothing happens, the windows keep their data */
	ck_assert_int_eq(health_update(f.h, T0 + INTERVAL - 1, lookup, &f), 0);
	ck_assert(!dest(1)->measured);
	ck_assert_int_eq(health_update(f.h, T0 + INTERVAL, lookup, &f), 1);
	ck_assert(dest(1)->measured);
	ck_assert_uint_eq(health_next_update(f.h), T0 + 2 * INTERVAL);
}
END_TEST

START_TEST(disabled_keeps_configured_weights)
{
	start();
	ck_assert_int_eq(round_at(1, 201), 1);
	ck_assert_uint_eq(dest(1)->effective, 5);
	f.svc.policy.health.enabled = false;
	ck_assert_int_eq(health_configure(f.h, &f.svc), 0);
	ck_assert_uint_eq(dest(1)->effective, 100);
	ck_assert_double_eq(dest(1)->score, 1);
	ck_assert_int_eq(round_at(1, 201), 0);
	ck_assert_uint_eq(dest(1)->effective, 100);
}
END_TEST

START_TEST(reconfigure_keeps_state)
{
	start();
	ck_assert_int_eq(round_at(1, 201), 1);
	/* dest 0 goes, a new one comes, dest 1's weight doubles: its score stays */
	f.dests[0] = f.dests[1];
	f.dests[0].weight = 200;
	ck_assert_int_eq(config_addr_parse("10.100.9.2:8080", &f.dests[1].addr, NULL, 0), 0);
	f.kernel[0] = f.kernel[1];
	memset(&f.kernel[1], 0, sizeof(f.kernel[1]));
	f.present[1] = false;
	ck_assert_int_eq(health_configure(f.h, &f.svc), 0);
	ck_assert_uint_eq(health_count(f.h), 2);
	ck_assert(dest(0)->measured);
	ck_assert_uint_eq(dest(0)->weight, 200);
	ck_assert_uint_eq(dest(0)->effective, 10);
	ck_assert(!dest(1)->measured);
	ck_assert_uint_eq(dest(1)->effective, 100);
	ck_assert_ptr_null(health_find(f.h, &(struct config_addr){ 0 }));
}
END_TEST

START_TEST(three_destinations_compared)
{
	teardown(); /* the fixture's two destinations make way for three */
	setup_n(3, 100);
	start();
	traffic(0, 10, 3, 2, 3, 0);
	traffic(1, 10, 3, 1, 3, 0);
	traffic(2, 10, 3, 101, 3, 0);
	ck_assert_int_eq(tick(), 1);
	/* dest 1 is the best; dest 0 within the slack; dest 2 far off */
	ck_assert_double_eq(dest(1)->score, 1);
	ck_assert_uint_eq(dest(0)->effective, 100); /* 92: under min_change */
	ck_assert_uint_eq(dest(0)->target, 92);
	ck_assert_uint_eq(dest(2)->effective, 10);
	ck_assert_double_lt(dest(2)->score, dest(0)->score);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("health");
	TCase *tc = tcase_create("health");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, real_from_addr);
	tcase_add_test(tc, starts_at_configured_weight);
	tcase_add_test(tc, rtt_formula);
	tcase_add_test(tc, small_rtt_differences_barely_count);
	tcase_add_test(tc, loss_formula);
	tcase_add_test(tc, loss_is_capped);
	tcase_add_test(tc, no_data_is_not_bad_data);
	tcase_add_test(tc, window_grows_until_enough_samples);
	tcase_add_test(tc, measurement_held_then_dropped);
	tcase_add_test(tc, hysteresis);
	tcase_add_test(tc, rate_limit);
	tcase_add_test(tc, floor_of_one);
	tcase_add_test(tc, weight_zero_stays_zero);
	tcase_add_test(tc, recovery);
	tcase_add_test(tc, counters_going_back_count_from_zero);
	tcase_add_test(tc, interval_gates_updates);
	tcase_add_test(tc, disabled_keeps_configured_weights);
	tcase_add_test(tc, reconfigure_keeps_state);
	tcase_add_test(tc, three_destinations_compared);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
