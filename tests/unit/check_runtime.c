// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "check_parse.h"
#include "runtime.h"

#define MS(x) ((uint64_t)(x)*1000000ull)

static const char CONFIG[] = "defaults:\n"
			     "  quarantine: { base: 10s, max: 1m, jitter: 0% }\n"
			     "  probation: { warmup: 10s }\n"
			     "services:\n"
			     "  - name: web\n"
			     "    vip: 10.96.0.1:80\n"
			     "    destinations:\n"
			     "      - 10.100.1.2:8080\n"
			     "      - { address: 10.100.2.2:8080, weight: 200 }\n"
			     "      - 10.100.3.2:8080\n"
			     "  - name: dns\n"
			     "    vip: 10.96.0.1:53\n"
			     "    protocol: udp\n"
			     "    quarantine: { action: remove }\n"
			     "    destinations: [10.100.1.2:8080, 10.100.2.2:8080]\n";

static struct vigil_flow flow_to(const char *vip, unsigned int port, unsigned int protocol)
{
	struct vigil_flow f;

	memset(&f, 0, sizeof(f));
	f.family = VIGIL_AF_INET;
	f.protocol = protocol;
	inet_pton(AF_INET, "10.100.1.1", &f.caddr.v4);
	inet_pton(AF_INET, vip, &f.vaddr.v4);
	f.cport = 40000;
	f.vport = port;
	return f;
}

static struct vigil_real real(const char *addr, unsigned int port)
{
	struct vigil_real r;

	memset(&r, 0, sizeof(r));
	r.family = VIGIL_AF_INET;
	inet_pton(AF_INET, addr, &r.addr.v4);
	r.port = port;
	return r;
}

static const struct detector_timing *timing_of(const struct vigil_flow *flow,
					       const struct vigil_real *real, void *data)
{
	struct runtime_service *s = runtime_find(data, flow, real, NULL);

	return s ? &s->timing : NULL;
}

/* A connection through the web VIP (port CPORT) to R, established after RTT. */
static void handshake(struct detector *d, unsigned int cport, struct vigil_real r, uint64_t at,
		      uint64_t rtt)
{
	struct vigil_event e;
	struct evidence ev[DETECTOR_EVIDENCE_MAX];

	memset(&e, 0, sizeof(e));
	e.flow = flow_to("10.96.0.1", 80, IPPROTO_TCP);
	e.flow.cport = cport;
	e.real = r;
	e.ts_ns = at;
	e.kind = VIGIL_EV_IPVS_PICK;
	ck_assert_int_eq(detector_on_event(d, &e, ev, DETECTOR_EVIDENCE_MAX), 0);
	e.ts_ns = at + rtt;
	e.kind = VIGIL_EV_STATE;
	e.old_state = 2; /* SYN_SENT */
	e.state = 1;     /* ESTABLISHED */
	ck_assert_int_eq(detector_on_event(d, &e, ev, DETECTOR_EVIDENCE_MAX), 0);
}

START_TEST(syn_rto_follows_the_slowest_measured_destination)
{
	struct config *c = parse(CONFIG);
	struct runtime *rt = NULL;
	struct detector *d;
	struct runtime_service *web, *dns;

	ck_assert_int_eq(runtime_new(c, NULL, 1, &rt), 0);
	d = detector_new(16, 16, timing_of, rt);
	ck_assert_ptr_nonnull(d);
	web = &rt->services[0];
	dns = &rt->services[1];
	/* nothing measured: syn_rto_max */
	ck_assert_uint_eq(runtime_syn_rto(web, d), MS(1000));
	/* 4 x 10 ms -> syn_timeout_min 200 ms; x 1.5 = 300 ms */
	handshake(d, 40000, real("10.100.1.2", 8080), MS(1000), MS(10));
	ck_assert_uint_eq(runtime_syn_rto(web, d), MS(300));
	/* the slowest measured counts: 4 x 120 ms = 480 ms; x 1.5 = 720 ms */
	handshake(d, 40001, real("10.100.2.2", 8080), MS(2000), MS(120));
	ck_assert_uint_eq(runtime_syn_rto(web, d), MS(720));
	/* 4 x 200 ms -> syn_timeout_max 900 ms; x 1.5 -> syn_rto_max 1 s */
	handshake(d, 40002, real("10.100.3.2", 8080), MS(3000), MS(200));
	ck_assert_uint_eq(runtime_syn_rto(web, d), MS(1000));
	/* UDP: no SYN, whatever its destinations' RTTs (measured through web) */
	ck_assert_uint_eq(runtime_syn_rto(dns, d), 0);
	detector_free(d);
	runtime_free(rt);
	config_free(c);
}
END_TEST

START_TEST(syn_rto_off_is_zero)
{
	struct config *c = parse("services:\n"
				 "  - name: web\n"
				 "    vip: 10.96.0.1:80\n"
				 "    quarantine: { syn_rto: off }\n"
				 "    destinations: [10.100.1.2:8080]\n"
				 "  - name: api\n"
				 "    vip: 10.96.0.1:443\n"
				 "    quarantine: { syn_rto_min: 100ms, syn_rto_max: 200ms }\n"
				 "    destinations: [10.100.1.2:8080]\n");
	struct runtime *rt = NULL;
	struct detector *d;

	ck_assert_int_eq(runtime_new(c, NULL, 1, &rt), 0);
	d = detector_new(16, 16, timing_of, rt);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(runtime_syn_rto(&rt->services[0], d), 0);
	ck_assert_uint_eq(runtime_syn_rto(&rt->services[1], d), MS(200));
	detector_free(d);
	runtime_free(rt);
	config_free(c);
}
END_TEST

START_TEST(events_find_their_service_and_destination)
{
	struct config *c = parse(CONFIG);
	struct runtime *rt = NULL;
	struct vigil_flow f = flow_to("10.96.0.1", 80, IPPROTO_TCP);
	struct vigil_real r = real("10.100.2.2", 8080);
	struct runtime_service *s;
	ssize_t d;

	ck_assert_int_eq(runtime_new(c, NULL, 1, &rt), 0);
	s = runtime_find(rt, &f, &r, &d);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->cs->name, "web");
	ck_assert_int_eq(d, 1);
	f = flow_to("10.96.0.1", 53, IPPROTO_UDP);
	s = runtime_find(rt, &f, &r, &d);
	ck_assert_str_eq(s->cs->name, "dns");
	ck_assert_int_eq(d, 1);
	/* a destination the service does not have, a VIP vigil does not serve */
	r = real("10.100.9.9", 8080);
	ck_assert_ptr_nonnull(runtime_find(rt, &f, &r, &d));
	ck_assert_int_eq(d, -1);
	f = flow_to("10.96.0.2", 80, IPPROTO_TCP);
	ck_assert_ptr_null(runtime_find(rt, &f, &r, &d));
	runtime_free(rt);
	config_free(c);
}
END_TEST

/*
 * A fwmark service's flows reach addresses of the clients' choosing: they are
 * told by the family, the protocol and the real destination IPVS picked.
 */
START_TEST(fwmark_flows_find_their_service_by_destination)
{
	struct config *c = parse("services:\n"
				 "  - name: web\n"
				 "    vip: 10.96.0.1:80\n"
				 "    destinations: [10.100.1.2:8080]\n"
				 "  - name: marked\n"
				 "    fwmark: 7\n"
				 "    destinations: [10.100.1.2:8080, 10.100.2.2:8080]\n"
				 "  - name: marked-udp\n"
				 "    fwmark: 8\n"
				 "    protocol: udp\n"
				 "    destinations: [10.100.2.2:8080]\n"
				 "  - name: other\n"
				 "    fwmark: 9\n"
				 "    destinations: [10.100.3.2:8080, 10.100.2.2:8080]\n");
	struct runtime *rt = NULL;
	struct vigil_flow f = flow_to("203.0.113.5", 443, IPPROTO_TCP);
	struct vigil_real r = real("10.100.2.2", 8080);
	struct runtime_service *s;
	struct ipvs_service key;
	struct vigil_vip vip;
	ssize_t d;

	ck_assert_int_eq(runtime_new(c, NULL, 1, &rt), 0);
	s = runtime_find(rt, &f, &r, &d);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->cs->name, "marked");
	ck_assert_int_eq(d, 1);
	ck_assert_uint_eq(s->key.fwmark, 7);
	f.protocol = IPPROTO_UDP;
	ck_assert_str_eq(runtime_find(rt, &f, &r, &d)->cs->name, "marked-udp");
	ck_assert_int_eq(d, 0);
	/* another family, no real destination known, a destination nobody has */
	f.family = VIGIL_AF_INET6;
	ck_assert_ptr_null(runtime_find(rt, &f, &r, &d));
	ck_assert_int_eq(d, -1);
	f = flow_to("203.0.113.5", 443, IPPROTO_TCP);
	ck_assert_ptr_null(runtime_find(rt, &f, NULL, NULL));
	r = real("10.100.9.9", 8080);
	ck_assert_ptr_null(runtime_find(rt, &f, &r, &d));
	/* a VIP wins: its flows are its own, whatever destination they name */
	f = flow_to("10.96.0.1", 80, IPPROTO_TCP);
	r = real("10.100.3.2", 8080);
	ck_assert_str_eq(runtime_find(rt, &f, &r, &d)->cs->name, "web");
	ck_assert_int_eq(d, -1);
	/* services by key: the marks are apart, however equal the rest */
	memset(&key, 0, sizeof(key));
	key.af = AF_INET;
	key.fwmark = 9;
	ck_assert_str_eq(runtime_service_of(rt, &key)->cs->name, "other");
	key.fwmark = 8;
	ck_assert_str_eq(runtime_service_of(rt, &key)->cs->name, "marked-udp");
	/* what a check's evidence of a fwmark service carries finds it again */
	runtime_vip(&rt->services[3], &vip);
	ck_assert_uint_eq(vip.protocol, IPPROTO_TCP);
	f = flow_to("0.0.0.0", 0, IPPROTO_TCP);
	f.cport = 0;
	r = real("10.100.3.2", 8080);
	ck_assert_str_eq(runtime_find(rt, &f, &r, &d)->cs->name, "other");
	ck_assert_int_eq(d, 0);
	/* 10.100.2.2:8080 in both TCP services of mark: the first has it, and it is told */
	ck_assert_uint_eq(rt->n_shared, 1);
	ck_assert_uint_eq(rt->shared[0].svc, 1);
	ck_assert_uint_eq(rt->shared[0].dest, 1);
	ck_assert_uint_eq(rt->shared[1].svc, 3);
	ck_assert_uint_eq(rt->shared[1].dest, 1);
	/* no SYN RTO: sockops has no VIP to give it at */
	ck_assert_uint_eq(runtime_syn_rto(&rt->services[1], NULL), 0);
	runtime_free(rt);
	config_free(c);
}
END_TEST

START_TEST(weights_follow_policy_and_health)
{
	struct config *c = parse(CONFIG);
	struct runtime *rt = NULL;
	struct policy_decision dec;
	struct runtime_service *web;
	struct ipvs_table *t = NULL;

	ck_assert_int_eq(runtime_new(c, NULL, 1, &rt), 0);
	web = &rt->services[0];
	ck_assert_uint_eq(runtime_weight(web, 0, MS(1)), 100);
	ck_assert_uint_eq(runtime_weight(web, 1, MS(1)), 200);
	/* quarantined: weight 0, and the table keeps it at 0 */
	ck_assert_int_eq(
	    policy_on_evidence(&web->policy, 2, EVIDENCE_REFUSED, true, MS(1000), &dec), 1);
	ck_assert_int_eq(dec.action, POLICY_ACT_QUARANTINE);
	ck_assert_uint_eq(runtime_weight(web, 2, MS(1001)), 0);
	ck_assert_int_eq(runtime_desired(rt, MS(1001), &t), 0);
	ck_assert_uint_eq(t->n_services, 2);
	ck_assert_uint_eq(t->services[0].n_dests, 3);
	ck_assert_uint_eq(t->services[0].dests[2].weight, 0);
	ipvs_table_free(t);
	/* with action remove, a quarantined destination leaves the table */
	ck_assert_int_eq(policy_on_evidence(&rt->services[1].policy, 0, EVIDENCE_UDP_ERROR, true,
					    MS(1000), &dec),
			 1);
	ck_assert_uint_eq(runtime_weight(&rt->services[1], 0, MS(1001)), RUNTIME_REMOVED);
	ck_assert_int_eq(runtime_desired_service(&rt->services[1], MS(1001), &t), 0);
	ck_assert_uint_eq(t->n_services, 1);
	ck_assert_uint_eq(t->services[0].n_dests, 1);
	ipvs_table_free(t);
	ck_assert_uint_le(runtime_next_deadline(rt), MS(11000));
	runtime_free(rt);
	config_free(c);
}
END_TEST

/* With action remove, a suspect only goes to weight 0: the evidence may be a lost packet. */
START_TEST(a_suspect_is_not_removed)
{
	struct config *c = parse(CONFIG);
	struct runtime *rt = NULL;
	struct policy_decision dec;

	ck_assert_int_eq(runtime_new(c, NULL, 1, &rt), 0);
	ck_assert_int_eq(policy_on_evidence(&rt->services[1].policy, 1, EVIDENCE_NO_REPLY, false,
					    MS(1000), &dec),
			 1);
	ck_assert_int_eq(dec.action, POLICY_ACT_SUSPECT);
	ck_assert_uint_eq(runtime_weight(&rt->services[1], 1, MS(1001)), 0);
	runtime_free(rt);
	config_free(c);
}
END_TEST

START_TEST(a_reload_keeps_what_it_knew)
{
	struct config *c = parse(CONFIG), *c2;
	struct runtime *rt = NULL, *rt2 = NULL;
	struct policy_decision dec;
	char text[sizeof(CONFIG) + 64];

	ck_assert_int_eq(runtime_new(c, NULL, 1, &rt), 0);
	ck_assert_int_eq(
	    policy_on_evidence(&rt->services[0].policy, 2, EVIDENCE_REFUSED, true, MS(1000), &dec),
	    1);
	runtime_count_evidence(&rt->services[0], 2, EVIDENCE_REFUSED);
	runtime_count_evidence(&rt->services[0], 2, EVIDENCE_REFUSED);
	runtime_count_evidence(&rt->services[0], 1, EVIDENCE_RETRANS);
	/* out of range: ignored, not a crash */
	runtime_count_evidence(&rt->services[0], 99, EVIDENCE_RETRANS);
	runtime_count_evidence(&rt->services[0], 0, 99);
	/* the new config drops a destination before the quarantined one */
	snprintf(text, sizeof(text), "%s", CONFIG);
	memmove(strstr(text, "      - 10.100.1.2:8080\n"),
		strstr(text, "      - 10.100.1.2:8080\n") + strlen("      - 10.100.1.2:8080\n"),
		strlen(strstr(text, "      - 10.100.1.2:8080\n") + 24) + 1);
	c2 = parse(text);
	ck_assert_uint_eq(c2->services[0].n_dests, 2);
	ck_assert_int_eq(runtime_new(c2, rt, 2, &rt2), 0);
	/* 10.100.3.2 is now index 1 and still quarantined */
	ck_assert_uint_eq(runtime_weight(&rt2->services[0], 1, MS(2000)), 0);
	ck_assert_uint_eq(rt2->services[0].policy.dests[1].quarantines, 1);
	/* its evidence counters move with it; those of the new index 0 are 10.100.2.2's */
	ck_assert_uint_eq(rt2->services[0].evidence[1][EVIDENCE_REFUSED], 2);
	ck_assert_uint_eq(rt2->services[0].evidence[0][EVIDENCE_RETRANS], 1);
	ck_assert_uint_eq(runtime_weight(&rt2->services[0], 0, MS(2000)), 200);
	runtime_free(rt2);
	runtime_free(rt);
	config_free(c2);
	config_free(c);
}
END_TEST

/* Silence confirmed: out of rotation on evidence that is not a refusal. */
static void confirm_silence(struct runtime_service *s, size_t dest, uint64_t now)
{
	struct policy_decision dec;
	unsigned int i;

	ck_assert_int_eq(
	    policy_on_evidence(&s->policy, dest, EVIDENCE_SYN_TIMEOUT, false, now, &dec), 1);
	ck_assert_int_eq(dec.action, POLICY_ACT_SUSPECT);
	for (i = 0; i < s->policy.set.confirm_tries; i++)
		ck_assert_int_eq(policy_on_probe(&s->policy, dest, false, now + MS(i + 1), &dec),
				 1);
	ck_assert_int_eq(dec.action, POLICY_ACT_QUARANTINE);
}

START_TEST(stalled_sockets_are_reset_only_for_silence_enforced)
{
	struct config *c = parse(CONFIG);
	struct runtime *rt = NULL, *rt2 = NULL;
	struct policy_decision dec;

	ck_assert_int_eq(runtime_new(c, NULL, 1, &rt), 0);
	/* room for all three out at once */
	rt->services[0].policy.set.max_ejected_percent = 100;
	/* a suspect is not: it may be one lost SYN */
	ck_assert_int_eq(policy_on_evidence(&rt->services[0].policy, 0, EVIDENCE_SYN_TIMEOUT, false,
					    MS(1000), &dec),
			 1);
	ck_assert(!runtime_reset_wanted(&rt->services[0], 0));
	/* confirmed silent: its clients' stalled sockets are reset */
	confirm_silence(&rt->services[0], 1, MS(1000));
	ck_assert(runtime_reset_wanted(&rt->services[0], 1));
	/* a refusal already reset them */
	ck_assert_int_eq(
	    policy_on_evidence(&rt->services[0].policy, 2, EVIDENCE_REFUSED, true, MS(1000), &dec),
	    1);
	ck_assert(!runtime_reset_wanted(&rt->services[0], 2));
	ck_assert(!runtime_reset_wanted(&rt->services[0], 99));
	/* the count, and the mark, move with the destination on a reload */
	rt->services[0].resets[1] = 3;
	ck_assert_int_eq(runtime_new(c, rt, 2, &rt2), 0);
	ck_assert(runtime_reset_wanted(&rt2->services[0], 1));
	ck_assert_uint_eq(rt2->services[0].resets[1], 3);
	runtime_free(rt2);
	/* reset_established: none, or a dry run, reset nothing */
	c->services[0].policy.quarantine.reset_established = CONFIG_RESET_NONE;
	ck_assert(!runtime_reset_wanted(&rt->services[0], 1));
	c->services[0].policy.quarantine.reset_established = CONFIG_RESET_STALLED;
	c->services[0].policy.quarantine.enforce = false;
	ck_assert(!runtime_reset_wanted(&rt->services[0], 1));
	runtime_free(rt);
	config_free(c);
}
END_TEST

/* What vigild last programmed, as a table: unknown until every weight is known. */
START_TEST(the_applied_table_is_what_was_programmed)
{
	struct config *c = parse(CONFIG);
	struct runtime *rt = NULL;
	struct runtime_service *dns;
	struct ipvs_table *t = NULL;

	ck_assert_int_eq(runtime_new(c, NULL, 1, &rt), 0);
	dns = &rt->services[1];
	ck_assert_int_eq(runtime_applied_service(dns, &t), -ENODATA);
	dns->applied[0] = 7;
	ck_assert_int_eq(runtime_applied_service(dns, &t), -ENODATA);
	dns->applied[1] = RUNTIME_REMOVED;
	ck_assert_int_eq(runtime_applied_service(dns, &t), 0);
	ck_assert_uint_eq(t->n_services, 1);
	ck_assert_uint_eq(t->services[0].svc.port, 53);
	/* a removed destination is not in IPVS, so not in the table */
	ck_assert_uint_eq(t->services[0].n_dests, 1);
	ck_assert_uint_eq(t->services[0].dests[0].weight, 7);
	ipvs_table_free(t);
	runtime_free(rt);
	config_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("runtime");
	TCase *tc = tcase_create("runtime");

	tcase_add_test(tc, events_find_their_service_and_destination);
	tcase_add_test(tc, fwmark_flows_find_their_service_by_destination);
	tcase_add_test(tc, syn_rto_follows_the_slowest_measured_destination);
	tcase_add_test(tc, syn_rto_off_is_zero);
	tcase_add_test(tc, weights_follow_policy_and_health);
	tcase_add_test(tc, a_suspect_is_not_removed);
	tcase_add_test(tc, a_reload_keeps_what_it_knew);
	tcase_add_test(tc, stalled_sockets_are_reset_only_for_silence_enforced);
	tcase_add_test(tc, the_applied_table_is_what_was_programmed);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
