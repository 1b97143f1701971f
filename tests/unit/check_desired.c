// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <check.h>

#include "check_main.h"
#include "check_parse.h"
#include <stdlib.h>
#include <string.h>

#include "desired.h"

START_TEST(minimal_config)
{
	struct config *c = parse("services:\n"
				 "  - name: api\n"
				 "    vip: 10.96.0.10:443\n"
				 "    protocol: tcp\n"
				 "    scheduler: wrr\n"
				 "    destinations:\n"
				 "      - 192.168.1.10:8443\n"
				 "      - { address: 192.168.1.11:8443, weight: 200 }\n");
	struct ipvs_table *t = NULL;
	const struct ipvs_table_service *s;
	char buf[DESIRED_DESCRIBE_MAX];
	uint32_t want;

	ck_assert_int_eq(desired_build(c, &t), 0);
	ck_assert_uint_eq(t->n_services, 1);
	ck_assert_uint_eq(t->n_dests, 2);
	s = &t->services[0];
	ck_assert_uint_eq(s->svc.af, AF_INET);
	ck_assert_uint_eq(s->svc.protocol, IPPROTO_TCP);
	inet_pton(AF_INET, "10.96.0.10", &want);
	ck_assert_uint_eq(s->svc.addr.v4, want);
	ck_assert_uint_eq(s->svc.port, 443);
	ck_assert_str_eq(s->svc.scheduler, "wrr");
	ck_assert_uint_eq(s->svc.flags, 0);
	ck_assert_uint_eq(s->n_dests, 2);
	ck_assert_uint_eq(s->dests[0].weight, 100);
	ck_assert_uint_eq(s->dests[1].weight, 200);
	ck_assert_uint_eq(s->dests[1].port, 8443);
	ck_assert_uint_eq(s->dests[1].fwd, IPVS_FWD_MASQ);
	ck_assert_str_eq(desired_describe_service(&s->svc, buf, sizeof(buf)), "tcp 10.96.0.10:443");
	ck_assert_str_eq(desired_describe_dest(&s->svc, &s->dests[0], buf, sizeof(buf)),
			 "192.168.1.10:8443");
	ck_assert_str_eq(desired_find(c, &s->svc)->name, "api");
	ipvs_table_free(t);
	config_free(c);
}
END_TEST

START_TEST(persistence_forwarding_ipv6_udp)
{
	struct config *c = parse("defaults:\n"
				 "  forwarding: route\n"
				 "services:\n"
				 "  - name: dns\n"
				 "    vip: \"[fd00::53]:53\"\n"
				 "    protocol: udp\n"
				 "    persistence: 300s\n"
				 "    scheduler: sh\n"
				 "    destinations: [\"[fd00:1::1]:53\"]\n"
				 "  - name: web\n"
				 "    vip: 10.96.0.1:80\n"
				 "    forwarding: masq\n"
				 "    destinations: [10.0.0.1:8080]\n");
	struct ipvs_table *t = NULL;
	struct ipvs_service other;
	char buf[DESIRED_DESCRIBE_MAX];

	ck_assert_int_eq(desired_build(c, &t), 0);
	ck_assert_uint_eq(t->n_services, 2);
	ck_assert_uint_eq(t->services[0].svc.af, AF_INET6);
	ck_assert_uint_eq(t->services[0].svc.protocol, IPPROTO_UDP);
	ck_assert_uint_eq(t->services[0].svc.flags, IPVS_SVC_F_PERSISTENT);
	ck_assert_uint_eq(t->services[0].svc.timeout, 300);
	ck_assert_uint_eq(t->services[0].svc.netmask, 128);
	ck_assert_uint_eq(t->services[0].dests[0].fwd, IPVS_FWD_ROUTE);
	ck_assert_uint_eq(t->services[0].dests[0].af, AF_INET6);
	ck_assert_str_eq(desired_describe_service(&t->services[0].svc, buf, sizeof(buf)),
			 "udp [fd00::53]:53");
	ck_assert_uint_eq(t->services[1].dests[0].fwd, IPVS_FWD_MASQ);
	ck_assert_uint_eq(t->services[1].svc.netmask, 0xffffffff);
	ck_assert_str_eq(desired_find(c, &t->services[1].svc)->name, "web");
	other = t->services[1].svc;
	other.protocol = IPPROTO_UDP;
	ck_assert_ptr_null(desired_find(c, &other));
	ipvs_table_free(t);
	config_free(c);
}
END_TEST

START_TEST(no_services)
{
	struct config *c = parse("agent:\n  interface: vigil1\nservices: []\n");
	struct ipvs_table *t = NULL;

	ck_assert_int_eq(desired_build(c, &t), 0);
	ck_assert_uint_eq(t->n_services, 0);
	ipvs_table_free(t);
	config_free(c);
}
END_TEST

/* Weights of the services built, by their index in what was passed. */
static uint32_t weight_from(const void *ctx, size_t svc, size_t dest)
{
	const uint32_t(*weights)[2] = ctx;

	return weights[svc][dest];
}

START_TEST(weights_from_the_caller)
{
	struct config *c = parse("services:\n"
				 "  - name: api\n"
				 "    vip: 10.96.0.10:443\n"
				 "    destinations: [192.168.1.10:8443, 192.168.1.11:8443]\n"
				 "  - name: dns\n"
				 "    vip: 10.96.0.10:53\n"
				 "    protocol: udp\n"
				 "    destinations: [192.168.1.10:53, 192.168.1.11:53]\n");
	static const uint32_t weights[][2] = { { 5, DESIRED_OMIT } };
	struct ipvs_table *t = NULL;

	/* the second service alone: index 0 of what it was given */
	ck_assert_int_eq(desired_build_weighted(c->services + 1, 1, weight_from, weights, &t), 0);
	ck_assert_uint_eq(t->n_services, 1);
	ck_assert_uint_eq(t->services[0].svc.port, 53);
	ck_assert_uint_eq(t->n_dests, 1);
	ck_assert_uint_eq(t->services[0].n_dests, 1);
	ck_assert_uint_eq(t->services[0].dests[0].port, 53);
	ck_assert_uint_eq(t->services[0].dests[0].weight, 5);
	ipvs_table_free(t);
	/* no function: the configured weights */
	ck_assert_int_eq(desired_build_weighted(c->services, 2, NULL, NULL, &t), 0);
	ck_assert_uint_eq(t->n_dests, 4);
	ck_assert_uint_eq(t->services[1].dests[1].weight, 100);
	ipvs_table_free(t);
	config_free(c);
}
END_TEST

/*
 * A fwmark service is keyed by family and mark only, as the kernel's dumps
 * give it (protocol, address and port 0): reconcile must find it equal.
 */
START_TEST(fwmark_and_ops)
{
	struct config *c = parse("services:\n"
				 "  - name: web\n"
				 "    fwmark: 10\n"
				 "    persistence: 60s\n"
				 "    forwarding: route\n"
				 "    destinations: [10.0.0.1:80]\n"
				 "  - name: web6\n"
				 "    fwmark: 10\n"
				 "    destinations: [\"[fd00::1]:80\"]\n"
				 "  - name: dns\n"
				 "    vip: 10.96.0.53:53\n"
				 "    protocol: udp\n"
				 "    ops: true\n"
				 "    destinations: [10.0.0.53:53]\n");
	struct ipvs_table *t = NULL, *again = NULL;
	struct reconcile_input in = { 0 };
	struct reconcile_plan *plan = NULL;
	struct ipvs_service dumped;
	char buf[DESIRED_DESCRIBE_MAX];

	ck_assert_int_eq(desired_build(c, &t), 0);
	ck_assert_uint_eq(t->n_services, 3);
	ck_assert_uint_eq(t->services[0].svc.af, AF_INET);
	ck_assert_uint_eq(t->services[0].svc.fwmark, 10);
	ck_assert_uint_eq(t->services[0].svc.protocol, 0);
	ck_assert_uint_eq(t->services[0].svc.port, 0);
	ck_assert_uint_eq(t->services[0].svc.addr.v4, 0);
	ck_assert_uint_eq(t->services[0].svc.flags, IPVS_SVC_F_PERSISTENT);
	ck_assert_uint_eq(t->services[0].svc.netmask, 0xffffffff);
	ck_assert_uint_eq(t->services[0].dests[0].fwd, IPVS_FWD_ROUTE);
	ck_assert_str_eq(desired_describe_service(&t->services[0].svc, buf, sizeof(buf)),
			 "fwmark 10");
	ck_assert_uint_eq(t->services[1].svc.af, AF_INET6);
	ck_assert_uint_eq(t->services[1].svc.fwmark, 10);
	ck_assert_str_eq(desired_describe_service(&t->services[1].svc, buf, sizeof(buf)),
			 "fwmark 10 inet6");
	ck_assert_uint_eq(t->services[2].svc.flags, IPVS_SVC_F_ONEPACKET);
	ck_assert_uint_eq(t->services[2].svc.fwmark, 0);

	/* the kernel's own view of the first: its mark and family, nothing else of a key */
	memset(&dumped, 0, sizeof(dumped));
	dumped.af = AF_INET;
	dumped.fwmark = 10;
	ck_assert_str_eq(desired_find(c, &dumped)->name, "web");
	dumped.af = AF_INET6;
	ck_assert_str_eq(desired_find(c, &dumped)->name, "web6");
	dumped.fwmark = 11;
	ck_assert_ptr_null(desired_find(c, &dumped));

	/* owned and in the kernel as desired: nothing to do; ops lost: an edit */
	ck_assert_int_eq(desired_build(c, &again), 0);
	again->services[2].svc.flags = 0;
	in.desired = t;
	in.actual = again;
	in.owned =
	    (struct ipvs_service[]){ t->services[0].svc, t->services[1].svc, t->services[2].svc };
	in.n_owned = 3;
	ck_assert_int_eq(reconcile_plan(&in, &plan), 0);
	ck_assert_uint_eq(plan->n_conflicts, 0);
	ck_assert_uint_eq(plan->n_ops, 1);
	ck_assert_int_eq(plan->ops[0].type, RECONCILE_SERVICE_EDIT);
	ck_assert_str_eq(desired_describe_op(c, &plan->ops[0], buf, sizeof(buf)),
			 "change service udp 10.96.0.53:53 (dns)");
	ck_assert_uint_eq(plan->ops[0].svc.flags, IPVS_SVC_F_ONEPACKET);
	reconcile_plan_free(plan);

	/* someone else's fwmark 10: a conflict, left alone */
	in.n_owned = 0;
	again->services[2].svc.flags = IPVS_SVC_F_ONEPACKET;
	ck_assert_int_eq(reconcile_plan(&in, &plan), 0);
	ck_assert_uint_eq(plan->n_ops, 0);
	ck_assert_uint_eq(plan->n_conflicts, 3);
	reconcile_plan_free(plan);
	ipvs_table_free(again);
	ipvs_table_free(t);
	config_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("desired");
	TCase *tc = tcase_create("desired");

	tcase_add_test(tc, minimal_config);
	tcase_add_test(tc, persistence_forwarding_ipv6_udp);
	tcase_add_test(tc, no_services);
	tcase_add_test(tc, weights_from_the_caller);
	tcase_add_test(tc, fwmark_and_ops);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
