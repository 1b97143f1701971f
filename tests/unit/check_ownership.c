// SPDX-License-Identifier: GPL-2.0-only
/*
 * Ownership around a batch: the claims written ahead, what a failed batch
 * leaves owned, and a crash between the write-ahead and the netlink batch,
 * replayed through the state file and the planner as a restart would.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "check_parse.h"
#include "desired.h"
#include "ownership.h"
#include "reconcile.h"
#include "state.h"

/* web (10.96.0.1:80) and api (10.96.0.2:80), or fewer; web of one or two destinations. */
#define WEB "  - { name: web, vip: 10.96.0.1:80, destinations: [10.100.1.2:8080] }\n"
#define WEB2                                                                                       \
	"  - { name: web, vip: 10.96.0.1:80, destinations: [10.100.1.2:8080, 10.100.2.2:8080] }\n"
#define API "  - { name: api, vip: 10.96.0.2:80, destinations: [10.100.1.2:8080] }\n"

/* The IPVS table of config TEXT: what vigild wants, or (as a fake dump) what IPVS has. */
static struct ipvs_table *table(const char *text)
{
	struct config *c = parse(text);
	struct ipvs_table *t = NULL;

	ck_assert_int_eq(desired_build(c, &t), 0);
	config_free(c);
	return t;
}

static struct reconcile_plan *plan_of(const struct ipvs_table *desired,
				      const struct ipvs_table *actual,
				      const struct ipvs_service *owned, size_t n_owned)
{
	struct reconcile_input in = { desired, actual, owned, n_owned };
	struct reconcile_plan *plan = NULL;

	ck_assert_int_eq(reconcile_plan(&in, &plan), 0);
	return plan;
}

static size_t count(const struct reconcile_plan *plan, enum reconcile_op_type type)
{
	size_t i, n = 0;

	for (i = 0; i < plan->n_ops; i++)
		n += plan->ops[i].type == type;
	return n;
}

/* What vigild wants, what IPVS has, and the plan between them. */
struct scene {
	struct ipvs_table *desired, *actual;
	struct reconcile_plan *plan;
};

/* The plan from HAVE to WANT, the first N_OWNED services of WANT (or of HAVE) owned. */
static struct scene scene(const char *want, const char *have, bool owned_from_actual,
			  size_t n_owned)
{
	struct scene sc = { table(want), table(have), NULL };
	const struct ipvs_table *from = owned_from_actual ? sc.actual : sc.desired;

	sc.plan = plan_of(sc.desired, sc.actual, n_owned ? &from->services[0].svc : NULL, n_owned);
	return sc;
}

static void scene_free(struct scene *sc)
{
	reconcile_plan_free(sc->plan);
	ipvs_table_free(sc->desired);
	ipvs_table_free(sc->actual);
}

START_TEST(claims_are_the_owned_and_the_adds)
{
	struct scene sc = scene("services:\n" WEB API, "services:\n" WEB, false, 1);
	const struct ipvs_service *web = &sc.desired->services[0].svc,
				  *api = &sc.desired->services[1].svc;
	struct ipvs_service *claims;
	size_t n;

	ck_assert_int_eq(ownership_claim(web, 1, sc.plan, &claims, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert(ownership_has(claims, n, web));
	ck_assert(ownership_has(claims, n, api));
	free(claims);
	scene_free(&sc);
}
END_TEST

START_TEST(an_add_the_kernel_refused_is_not_owned_one_whose_answer_was_lost_is)
{
	struct scene sc = scene("services:\n" WEB API, "services: []\n", false, 0);
	const struct ipvs_service *web = &sc.desired->services[0].svc;
	int *errors = calloc(sc.plan->n_ops, sizeof(int));
	bool *unsure = calloc(sc.plan->n_ops, sizeof(bool));
	struct ipvs_service *owned;
	size_t i, n;

	ck_assert_uint_eq(count(sc.plan, RECONCILE_SERVICE_ADD), 2);
	for (i = 0; i < sc.plan->n_ops; i++) {
		if (sc.plan->ops[i].type != RECONCILE_SERVICE_ADD)
			continue;
		errors[i] = -ENOBUFS;
		/* the first add's answer was lost; the second was refused */
		unsure[i] = !reconcile_service_cmp(&sc.plan->ops[i].svc, web);
	}
	ck_assert_int_eq(ownership_settle(sc.plan, errors, unsure, &owned, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(ownership_has(owned, n, web));
	free(owned);
	free(errors);
	free(unsure);
	scene_free(&sc);
}
END_TEST

START_TEST(a_delete_that_failed_keeps_its_service)
{
	struct scene sc = scene("services: []\n", "services:\n" WEB, true, 1);
	int errors[4] = { -EBUSY, -EBUSY, -EBUSY, -EBUSY };
	bool unsure[4] = { false };
	struct ipvs_service *owned;
	size_t n;

	ck_assert_uint_eq(count(sc.plan, RECONCILE_SERVICE_DEL), 1);
	ck_assert_uint_le(sc.plan->n_ops, 4);
	ck_assert_int_eq(ownership_settle(sc.plan, errors, unsure, &owned, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(ownership_same(&sc.actual->services[0].svc, owned, n));
	free(owned);
	scene_free(&sc);
}
END_TEST

START_TEST(unrecorded_claims_leave_only_the_repairs)
{
	/* the owned service lost a destination, the new one is not there yet */
	struct scene sc = scene("services:\n" WEB2 API, "services:\n" WEB, false, 1);
	const struct ipvs_service *web = &sc.desired->services[0].svc;

	ck_assert_uint_eq(count(sc.plan, RECONCILE_SERVICE_ADD), 1);
	ck_assert_uint_eq(count(sc.plan, RECONCILE_DEST_ADD), 2);
	ownership_repairs_only(sc.plan, web, 1);
	ck_assert_uint_eq(sc.plan->n_ops, 1);
	ck_assert_int_eq(sc.plan->ops[0].type, RECONCILE_DEST_ADD);
	ck_assert(!reconcile_service_cmp(&sc.plan->ops[0].svc, web));
	ck_assert_uint_eq(sc.plan->n_owned, 1);
	scene_free(&sc);
}
END_TEST

/*
 * The claims are on disk, then vigild dies before the batch: after the
 * restart the service is still claimed, missing from IPVS, and the next plan
 * adds it as vigild's own, not as a conflict. Without the write-ahead, a
 * crash after the batch would leave a service nobody owns.
 */
START_TEST(a_crash_between_the_write_ahead_and_the_batch_is_repaired)
{
	char dir[] = "/tmp/check_ownership.XXXXXX", path[64];
	struct ipvs_table *desired = table("services:\n" WEB), *empty = table("services: []\n");
	struct ipvs_table *actual;
	struct reconcile_plan *plan;
	struct state st = { 0 }, after = { 0 };
	struct ipvs_service *claims;
	char why[128];
	size_t n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.json", dir);
	/* the first pass: claims written ahead, then the crash */
	plan = plan_of(desired, empty, NULL, 0);
	ck_assert_int_eq(ownership_claim(NULL, 0, plan, &claims, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(state_set_owned(&st, claims, n), 0);
	ck_assert_int_eq(state_save(path, &st), 0);
	free(claims);
	reconcile_plan_free(plan);
	/* the restart: IPVS never got the service */
	ck_assert_int_eq(state_load(path, &after, why, sizeof(why)), 0);
	ck_assert_uint_eq(after.n_owned, 1);
	plan = plan_of(desired, empty, after.owned, after.n_owned);
	ck_assert_uint_eq(plan->n_conflicts, 0);
	ck_assert_uint_eq(count(plan, RECONCILE_SERVICE_ADD), 1);
	ck_assert_uint_eq(plan->n_owned, 1);
	reconcile_plan_free(plan);
	/* had the batch run, the claim matches the service found: no conflict either */
	actual = table("services:\n" WEB);
	plan = plan_of(desired, actual, after.owned, after.n_owned);
	ck_assert_uint_eq(plan->n_conflicts, 0);
	ck_assert_uint_eq(plan->n_ops, 0);
	reconcile_plan_free(plan);
	/* and without a claim, that service is someone else's */
	plan = plan_of(desired, actual, NULL, 0);
	ck_assert_uint_eq(plan->n_conflicts, 1);
	reconcile_plan_free(plan);
	state_clear(&st);
	state_clear(&after);
	ipvs_table_free(desired);
	ipvs_table_free(empty);
	ipvs_table_free(actual);
	unlink(path);
	rmdir(dir);
}
END_TEST

/*
 * vigild --cleanup removes what the state file says is vigild's and is in
 * the kernel, forgets what is already gone, and leaves the rest alone.
 */
START_TEST(cleanup_removes_the_owned_and_keeps_the_foreign)
{
	/* IPVS has web and api; vigild's records say web and a service gone since */
	struct ipvs_table *actual = table("services:\n" WEB API);
	struct ipvs_table *records =
	    table("services:\n" WEB "  - { name: gone, vip: 10.96.0.3:53, protocol: udp, "
		  "destinations: [10.100.1.2:53] }\n");
	struct ipvs_service owned[2] = { records->services[0].svc, records->services[1].svc };
	struct ownership_cleanup_item *items = NULL;
	char text[DESIRED_DESCRIBE_MAX];
	size_t n = 0;

	ck_assert_int_eq(ownership_cleanup(owned, 2, actual, &items, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(desired_describe_service(&items[0].svc, text, sizeof(text)),
			 "tcp 10.96.0.1:80");
	ck_assert_int_eq(items[0].verdict, OWNERSHIP_REMOVE);
	ck_assert_str_eq(desired_describe_service(&items[1].svc, text, sizeof(text)),
			 "udp 10.96.0.3:53");
	ck_assert_int_eq(items[1].verdict, OWNERSHIP_GONE);
	ck_assert_str_eq(desired_describe_service(&items[2].svc, text, sizeof(text)),
			 "tcp 10.96.0.2:80");
	ck_assert_int_eq(items[2].verdict, OWNERSHIP_FOREIGN);
	free(items);
	ipvs_table_free(records);
	ipvs_table_free(actual);
}
END_TEST

/* Nothing recorded: every service is someone else's; nothing in IPVS: nothing to do. */
START_TEST(cleanup_without_records_removes_nothing)
{
	struct ipvs_table *actual = table("services:\n" WEB API), empty = { 0 };
	struct ownership_cleanup_item *items = NULL;
	size_t n = 0, i;

	ck_assert_int_eq(ownership_cleanup(NULL, 0, actual, &items, &n), 0);
	ck_assert_uint_eq(n, 2);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(items[i].verdict, OWNERSHIP_FOREIGN);
	free(items);
	/* a record written twice by hand is one service, removed once */
	{
		struct ipvs_service twice[2] = { actual->services[0].svc, actual->services[0].svc };

		ck_assert_int_eq(ownership_cleanup(twice, 2, actual, &items, &n), 0);
		ck_assert_uint_eq(n, 2);
		ck_assert_int_eq(items[0].verdict, OWNERSHIP_REMOVE);
		ck_assert_int_eq(items[1].verdict, OWNERSHIP_FOREIGN);
		free(items);
	}
	ck_assert_int_eq(ownership_cleanup(NULL, 0, &empty, &items, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(items);
	ipvs_table_free(actual);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ownership");
	TCase *tc = tcase_create("ownership");

	tcase_add_test(tc, claims_are_the_owned_and_the_adds);
	tcase_add_test(tc, an_add_the_kernel_refused_is_not_owned_one_whose_answer_was_lost_is);
	tcase_add_test(tc, a_delete_that_failed_keeps_its_service);
	tcase_add_test(tc, unrecorded_claims_leave_only_the_repairs);
	tcase_add_test(tc, a_crash_between_the_write_ahead_and_the_batch_is_repaired);
	tcase_add_test(tc, cleanup_removes_the_owned_and_keeps_the_foreign);
	tcase_add_test(tc, cleanup_without_records_removes_nothing);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
