// SPDX-License-Identifier: GPL-2.0-only
#include "ownership.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool ownership_has(const struct ipvs_service *owned, size_t n, const struct ipvs_service *svc)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (reconcile_service_cmp(&owned[i], svc) == 0)
			return true;
	return false;
}

static int cmp_service(const void *a, const void *b)
{
	return reconcile_service_cmp(a, b);
}

bool ownership_same(const struct ipvs_service *a, struct ipvs_service *b, size_t n)
{
	size_t i;

	qsort(b, n, sizeof(*b), cmp_service);
	for (i = 0; i < n; i++)
		if (!bsearch(&a[i], b, n, sizeof(*b), cmp_service))
			return false;
	return true;
}

int ownership_claim(const struct ipvs_service *owned, size_t n, const struct reconcile_plan *plan,
		    struct ipvs_service **ret, size_t *ret_n)
{
	struct ipvs_service *claims = malloc((n + plan->n_ops + 1) * sizeof(*claims));
	size_t i;

	if (!claims)
		return -ENOMEM;
	if (n)
		memcpy(claims, owned, n * sizeof(*claims));
	for (i = 0; i < plan->n_ops; i++)
		if (plan->ops[i].type == RECONCILE_SERVICE_ADD &&
		    !ownership_has(claims, n, &plan->ops[i].svc))
			claims[n++] = plan->ops[i].svc;
	*ret = claims;
	*ret_n = n;
	return 0;
}

void ownership_repairs_only(struct reconcile_plan *plan, const struct ipvs_service *owned,
			    size_t n_owned)
{
	size_t i, n = 0;

	for (i = 0; i < plan->n_ops; i++)
		if (ownership_has(owned, n_owned, &plan->ops[i].svc))
			plan->ops[n++] = plan->ops[i];
	plan->n_ops = n;
	for (i = 0, n = 0; i < plan->n_owned; i++)
		if (ownership_has(owned, n_owned, &plan->owned[i]))
			plan->owned[n++] = plan->owned[i];
	plan->n_owned = n;
}

int ownership_settle(const struct reconcile_plan *plan, const int *errors, const bool *unsure,
		     struct ipvs_service **ret, size_t *ret_n)
{
	struct ipvs_service *owned = malloc((plan->n_owned + plan->n_ops + 1) * sizeof(*owned));
	size_t i, j, n = 0;

	if (!owned)
		return -ENOMEM;
	for (i = 0; i < plan->n_owned; i++) {
		bool add_failed = false;

		for (j = 0; j < plan->n_ops; j++)
			if (errors[j] && !unsure[j] && plan->ops[j].type == RECONCILE_SERVICE_ADD &&
			    !reconcile_service_cmp(&plan->ops[j].svc, &plan->owned[i]))
				add_failed = true;
		if (!add_failed)
			owned[n++] = plan->owned[i];
	}
	for (j = 0; j < plan->n_ops; j++)
		if (errors[j] && plan->ops[j].type == RECONCILE_SERVICE_DEL)
			owned[n++] = plan->ops[j].svc; /* still there, still ours */
	*ret = owned;
	*ret_n = n;
	return 0;
}

static bool table_has(const struct ipvs_table *t, const struct ipvs_service *svc)
{
	size_t i;

	for (i = 0; t && i < t->n_services; i++)
		if (!reconcile_service_cmp(&t->services[i].svc, svc))
			return true;
	return false;
}

int ownership_cleanup(const struct ipvs_service *owned, size_t n, const struct ipvs_table *actual,
		      struct ownership_cleanup_item **ret, size_t *ret_n)
{
	size_t n_actual = actual ? actual->n_services : 0, i, k = 0;
	struct ownership_cleanup_item *items = calloc(n + n_actual + 1, sizeof(*items));

	if (!items)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		/* a record twice (never written so, but a file can be edited) is one service */
		if (ownership_has(owned, i, &owned[i]))
			continue;
		items[k].svc = owned[i];
		items[k++].verdict =
		    table_has(actual, &owned[i]) ? OWNERSHIP_REMOVE : OWNERSHIP_GONE;
	}
	for (i = 0; i < n_actual; i++) {
		if (ownership_has(owned, n, &actual->services[i].svc))
			continue;
		items[k].svc = actual->services[i].svc;
		items[k++].verdict = OWNERSHIP_FOREIGN;
	}
	*ret = items;
	*ret_n = k;
	return 0;
}
