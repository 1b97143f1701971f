// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <check.h>

#include "check_main.h"
#include <stdlib.h>
#include <string.h>

#include "reconcile.h"

/* Tables built by hand: up to 4 services of up to 4 destinations each. */
struct fixture {
	struct ipvs_table table;
	struct ipvs_table_service services[4];
	struct ipvs_dest dests[4][4];
};

static struct ipvs_service svc(const char *vip, unsigned int port, const char *sched)
{
	struct ipvs_service s;

	memset(&s, 0, sizeof(s));
	s.af = AF_INET;
	s.protocol = IPPROTO_TCP;
	inet_pton(AF_INET, vip, &s.addr.v4);
	s.port = port;
	strcpy(s.scheduler, sched);
	s.netmask = 0xffffffff;
	return s;
}

static struct ipvs_dest dest(const char *addr, unsigned int port, unsigned int weight)
{
	struct ipvs_dest d;

	memset(&d, 0, sizeof(d));
	inet_pton(AF_INET, addr, &d.addr.v4);
	d.port = port;
	d.weight = weight;
	d.fwd = IPVS_FWD_MASQ;
	return d;
}

static struct ipvs_table_service *add_service(struct fixture *f, struct ipvs_service s)
{
	size_t i = f->table.n_services++;

	f->table.services = f->services;
	f->services[i].svc = s;
	f->services[i].dests = f->dests[i];
	f->services[i].n_dests = 0;
	return &f->services[i];
}

static void add_dest(struct ipvs_table_service *ts, struct ipvs_dest d)
{
	ts->dests[ts->n_dests++] = d;
}

/* What a kernel dump adds that config never has: flags, families, counters. */
static void as_dumped(struct fixture *f)
{
	size_t i, j;

	for (i = 0; i < f->table.n_services; i++) {
		f->services[i].svc.flags |= 0x0002; /* IP_VS_SVC_F_HASHED */
		f->services[i].svc.stats.conns = 42;
		for (j = 0; j < f->services[i].n_dests; j++) {
			f->dests[i][j].af = f->services[i].svc.af;
			f->dests[i][j].active_conns = 7;
		}
	}
}

static struct reconcile_plan *plan_of(struct fixture *want, struct fixture *have,
				      const struct ipvs_service *owned, size_t n_owned)
{
	struct reconcile_input in = { &want->table, &have->table, owned, n_owned };
	struct reconcile_plan *p = NULL;

	ck_assert_int_eq(reconcile_plan(&in, &p), 0);
	ck_assert_ptr_nonnull(p);
	return p;
}

static void assert_ops(const struct reconcile_plan *p, size_t n, const enum reconcile_op_type *t)
{
	size_t i;

	ck_assert_uint_eq(p->n_ops, n);
	for (i = 0; i < n; i++)
		ck_assert_msg(p->ops[i].type == t[i], "op %zu is %s, expected %s", i,
			      reconcile_op_name(p->ops[i].type), reconcile_op_name(t[i]));
}

static unsigned int dest_port(const struct reconcile_op *op)
{
	return op->dest.port;
}

START_TEST(nothing_to_do)
{
	struct fixture want = { 0 }, have = { 0 };
	struct reconcile_plan *p = plan_of(&want, &have, NULL, 0);

	ck_assert_uint_eq(p->n_ops, 0);
	ck_assert_uint_eq(p->n_owned, 0);
	reconcile_plan_free(p);
}
END_TEST

START_TEST(new_service_is_added_with_its_destinations)
{
	static const enum reconcile_op_type t[] = { RECONCILE_SERVICE_ADD, RECONCILE_DEST_ADD,
						    RECONCILE_DEST_ADD };
	struct fixture want = { 0 }, have = { 0 };
	struct ipvs_table_service *s = add_service(&want, svc("10.96.0.1", 80, "wrr"));
	struct reconcile_plan *p;

	add_dest(s, dest("10.0.0.2", 8080, 100));
	add_dest(s, dest("10.0.0.1", 8080, 200));
	p = plan_of(&want, &have, NULL, 0);
	assert_ops(p, 3, t);
	ck_assert_str_eq(p->ops[0].svc.scheduler, "wrr");
	ck_assert_uint_eq(p->ops[1].dest.af, AF_INET);
	ck_assert_uint_eq(p->n_owned, 1);
	ck_assert_int_eq(reconcile_service_cmp(&p->owned[0], &s->svc), 0);
	reconcile_plan_free(p);
}
END_TEST

START_TEST(matching_kernel_state_needs_no_operation)
{
	struct fixture want = { 0 }, have = { 0 };
	struct ipvs_table_service *s;
	struct reconcile_plan *p;

	s = add_service(&want, svc("10.96.0.1", 80, "wrr"));
	add_dest(s, dest("10.0.0.1", 8080, 100));
	add_dest(s, dest("10.0.0.2", 8080, 100));
	s = add_service(&have, svc("10.96.0.1", 80, "wrr"));
	add_dest(s, dest("10.0.0.2", 8080, 100)); /* the kernel's order differs */
	add_dest(s, dest("10.0.0.1", 8080, 100));
	as_dumped(&have);
	p = plan_of(&want, &have, &want.services[0].svc, 1);
	ck_assert_uint_eq(p->n_ops, 0);
	ck_assert_uint_eq(p->n_owned, 1); /* adopted, not flushed */
	ck_assert_uint_eq(p->n_conflicts, 0);
	reconcile_plan_free(p);
}
END_TEST

START_TEST(weight_change_is_one_edit)
{
	static const enum reconcile_op_type t[] = { RECONCILE_DEST_EDIT };
	struct fixture want = { 0 }, have = { 0 };
	struct ipvs_table_service *s;
	struct reconcile_plan *p;

	s = add_service(&want, svc("10.96.0.1", 80, "wrr"));
	add_dest(s, dest("10.0.0.1", 8080, 100));
	add_dest(s, dest("10.0.0.2", 8080, 0));
	s = add_service(&have, svc("10.96.0.1", 80, "wrr"));
	add_dest(s, dest("10.0.0.1", 8080, 100));
	add_dest(s, dest("10.0.0.2", 8080, 100));
	as_dumped(&have);
	p = plan_of(&want, &have, &want.services[0].svc, 1);
	assert_ops(p, 1, t);
	ck_assert_uint_eq(p->ops[0].dest.weight, 0);
	ck_assert_uint_eq(p->ops[0].dest.active_conns, 0);
	reconcile_plan_free(p);
}
END_TEST

START_TEST(replaced_destination_is_added_before_the_old_one_goes)
{
	static const enum reconcile_op_type t[] = { RECONCILE_DEST_ADD, RECONCILE_DEST_DEL };
	struct fixture want = { 0 }, have = { 0 };
	struct ipvs_table_service *s;
	struct reconcile_plan *p;

	s = add_service(&want, svc("10.96.0.1", 80, "wrr"));
	add_dest(s, dest("10.0.0.9", 9999, 100));
	s = add_service(&have, svc("10.96.0.1", 80, "wrr"));
	add_dest(s, dest("10.0.0.1", 1111, 100));
	as_dumped(&have);
	p = plan_of(&want, &have, &want.services[0].svc, 1);
	assert_ops(p, 2, t);
	ck_assert_uint_eq(dest_port(&p->ops[0]), 9999);
	ck_assert_uint_eq(dest_port(&p->ops[1]), 1111);
	reconcile_plan_free(p);
}
END_TEST

START_TEST(service_settings_are_edited)
{
	static const enum reconcile_op_type t[] = { RECONCILE_SERVICE_EDIT };
	struct fixture want = { 0 }, have = { 0 };
	struct reconcile_plan *p;

	add_service(&want, svc("10.96.0.1", 80, "rr"));
	add_service(&have, svc("10.96.0.1", 80, "wlc"));
	as_dumped(&have);
	p = plan_of(&want, &have, &want.services[0].svc, 1);
	assert_ops(p, 1, t);
	ck_assert_str_eq(p->ops[0].svc.scheduler, "rr");
	reconcile_plan_free(p);
}
END_TEST

START_TEST(persistence_timeout_matters_only_when_persistent)
{
	static const enum reconcile_op_type t[] = { RECONCILE_SERVICE_EDIT };
	struct fixture want = { 0 }, have = { 0 };
	struct reconcile_plan *p;

	add_service(&want, svc("10.96.0.1", 80, "rr"));
	add_service(&have, svc("10.96.0.1", 80, "rr"))->svc.timeout = 300;
	p = plan_of(&want, &have, &want.services[0].svc, 1);
	ck_assert_uint_eq(p->n_ops, 0);
	reconcile_plan_free(p);

	want.services[0].svc.flags = IPVS_SVC_F_PERSISTENT;
	want.services[0].svc.timeout = 600;
	have.services[0].svc.flags = IPVS_SVC_F_PERSISTENT;
	p = plan_of(&want, &have, &want.services[0].svc, 1);
	assert_ops(p, 1, t);
	ck_assert_uint_eq(p->ops[0].svc.timeout, 600);
	reconcile_plan_free(p);
}
END_TEST

START_TEST(owned_service_removed_from_config_is_deleted)
{
	static const enum reconcile_op_type t[] = { RECONCILE_SERVICE_DEL };
	struct fixture want = { 0 }, have = { 0 };
	struct ipvs_table_service *s = add_service(&have, svc("10.96.0.1", 80, "rr"));
	struct ipvs_service owned = s->svc;
	struct reconcile_plan *p;

	add_dest(s, dest("10.0.0.1", 8080, 100));
	as_dumped(&have);
	p = plan_of(&want, &have, &owned, 1);
	assert_ops(p, 1, t);
	ck_assert_uint_eq(p->n_owned, 0);
	reconcile_plan_free(p);
}
END_TEST

START_TEST(foreign_service_is_never_touched)
{
	struct fixture want = { 0 }, have = { 0 };
	struct ipvs_table_service *s;
	struct reconcile_plan *p;

	/* same VIP as the config wants, but vigild did not create it */
	s = add_service(&want, svc("10.96.0.1", 80, "rr"));
	add_dest(s, dest("10.0.0.1", 8080, 100));
	s = add_service(&have, svc("10.96.0.1", 80, "wlc"));
	add_dest(s, dest("10.0.0.7", 8080, 1));
	/* and one the config does not mention at all */
	add_service(&have, svc("10.96.0.99", 80, "rr"));
	as_dumped(&have);
	p = plan_of(&want, &have, NULL, 0);
	ck_assert_uint_eq(p->n_ops, 0);
	ck_assert_uint_eq(p->n_conflicts, 1);
	ck_assert_int_eq(reconcile_service_cmp(&p->conflicts[0], &want.services[0].svc), 0);
	ck_assert_uint_eq(p->n_owned, 0);
	reconcile_plan_free(p);
}
END_TEST

START_TEST(owned_service_deleted_by_someone_else_is_added_again)
{
	static const enum reconcile_op_type t[] = { RECONCILE_SERVICE_ADD, RECONCILE_DEST_ADD };
	struct fixture want = { 0 }, have = { 0 };
	struct ipvs_table_service *s = add_service(&want, svc("10.96.0.1", 80, "rr"));
	struct reconcile_plan *p;

	add_dest(s, dest("10.0.0.1", 8080, 100));
	p = plan_of(&want, &have, &s->svc, 1);
	assert_ops(p, 2, t);
	ck_assert_uint_eq(p->n_owned, 1);
	reconcile_plan_free(p);
}
END_TEST

START_TEST(stale_ownership_is_forgotten)
{
	struct fixture want = { 0 }, have = { 0 };
	struct ipvs_service gone = svc("10.96.0.5", 80, "rr");
	struct reconcile_plan *p = plan_of(&want, &have, &gone, 1);

	ck_assert_uint_eq(p->n_ops, 0);
	ck_assert_uint_eq(p->n_owned, 0);
	reconcile_plan_free(p);
}
END_TEST

START_TEST(every_add_comes_before_every_removal)
{
	struct fixture want = { 0 }, have = { 0 };
	struct ipvs_service owned[3];
	struct ipvs_table_service *s;
	struct reconcile_plan *p;
	size_t i;

	s = add_service(&want, svc("10.96.0.1", 80, "rr"));
	add_dest(s, dest("10.0.0.2", 80, 1));
	s = add_service(&want, svc("10.96.0.3", 80, "rr"));
	add_dest(s, dest("10.0.0.3", 80, 1));
	s = add_service(&have, svc("10.96.0.1", 80, "rr"));
	add_dest(s, dest("10.0.0.1", 80, 1));
	s = add_service(&have, svc("10.96.0.2", 80, "rr"));
	add_dest(s, dest("10.0.0.1", 80, 1));
	as_dumped(&have);
	owned[0] = want.services[0].svc;
	owned[1] = have.services[1].svc;
	owned[2] = want.services[1].svc;
	p = plan_of(&want, &have, owned, 3);
	/* service-add .3, dest-add .3, dest-add .2, dest-del .1 (of .1), service-del .2 */
	ck_assert_uint_eq(p->n_ops, 5);
	for (i = 1; i < p->n_ops; i++)
		ck_assert_int_le(p->ops[i - 1].type, p->ops[i].type);
	ck_assert_int_eq(p->ops[4].type, RECONCILE_SERVICE_DEL);
	ck_assert_uint_eq(p->n_owned, 2);
	reconcile_plan_free(p);
}
END_TEST

START_TEST(ipv6_and_udp_are_distinct_keys)
{
	struct fixture want = { 0 }, have = { 0 };
	struct ipvs_service v6 = svc("10.96.0.1", 80, "rr"), udp = svc("10.96.0.1", 80, "rr");
	struct reconcile_plan *p;

	v6.af = AF_INET6;
	memset(&v6.addr, 0, sizeof(v6.addr));
	inet_pton(AF_INET6, "fd00::1", v6.addr.v6);
	udp.protocol = IPPROTO_UDP;
	add_service(&want, svc("10.96.0.1", 80, "rr"));
	add_service(&want, v6);
	add_service(&want, udp);
	p = plan_of(&want, &have, NULL, 0);
	ck_assert_uint_eq(p->n_ops, 3);
	ck_assert_uint_eq(p->n_owned, 3);
	reconcile_plan_free(p);
}
END_TEST

START_TEST(ten_thousand_services_plan_quickly)
{
	enum {
		N = 10000,
		D = 10
	};
	struct ipvs_table want = { 0 }, have = { 0 };
	struct ipvs_service *owned = calloc(N, sizeof(*owned));
	struct reconcile_input in = { &want, &have, owned, N };
	struct reconcile_plan *p;
	struct ipvs_table *tables[2] = { &want, &have };
	size_t t, i, j;

	for (t = 0; t < 2; t++) {
		tables[t]->services = calloc(N, sizeof(struct ipvs_table_service));
		tables[t]->n_services = N;
		for (i = 0; i < N; i++) {
			/* the kernel's dump order is not ours: reverse one side */
			size_t k = t ? N - 1 - i : i;
			struct ipvs_table_service *ts = &tables[t]->services[k];

			ts->svc = svc("10.96.0.0", 80, "wrr");
			ts->svc.addr.v4 = htonl(0x0a600000 + i);
			ts->dests = calloc(D, sizeof(*ts->dests));
			ts->n_dests = D;
			for (j = 0; j < D; j++) {
				ts->dests[j] = dest("10.1.0.0", 8080, 100);
				ts->dests[j].addr.v4 = htonl(0x0a010000 + j);
			}
			owned[i] = ts->svc;
		}
	}
	ck_assert_int_eq(reconcile_plan(&in, &p), 0);
	ck_assert_uint_eq(p->n_ops, 0);
	ck_assert_uint_eq(p->n_owned, N);
	reconcile_plan_free(p);
	for (t = 0; t < 2; t++) {
		for (i = 0; i < N; i++)
			free(tables[t]->services[i].dests);
		free(tables[t]->services);
	}
	free(owned);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reconcile");
	TCase *tc = tcase_create("plan");

	tcase_add_test(tc, nothing_to_do);
	tcase_add_test(tc, new_service_is_added_with_its_destinations);
	tcase_add_test(tc, matching_kernel_state_needs_no_operation);
	tcase_add_test(tc, weight_change_is_one_edit);
	tcase_add_test(tc, replaced_destination_is_added_before_the_old_one_goes);
	tcase_add_test(tc, service_settings_are_edited);
	tcase_add_test(tc, persistence_timeout_matters_only_when_persistent);
	tcase_add_test(tc, owned_service_removed_from_config_is_deleted);
	tcase_add_test(tc, foreign_service_is_never_touched);
	tcase_add_test(tc, owned_service_deleted_by_someone_else_is_added_again);
	tcase_add_test(tc, stale_ownership_is_forgotten);
	tcase_add_test(tc, every_add_comes_before_every_removal);
	tcase_add_test(tc, ipv6_and_udp_are_distinct_keys);
	tcase_add_test(tc, ten_thousand_services_plan_quickly);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
