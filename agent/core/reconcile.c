// SPDX-License-Identifier: GPL-2.0-only
#include "reconcile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The service flags vigild sets; the kernel adds others (HASHED) to dumps. */
#define SERVICE_FLAGS_MANAGED                                                                      \
	(IPVS_SVC_F_PERSISTENT | IPVS_SVC_F_ONEPACKET | IPVS_SVC_F_SCHED1 | IPVS_SVC_F_SCHED2 |    \
	 IPVS_SVC_F_SCHED3)

#define N_OP_TYPES (RECONCILE_SERVICE_DEL + 1)

static int cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

int reconcile_service_cmp(const struct ipvs_service *a, const struct ipvs_service *b)
{
	int r;

	if ((r = cmp_u32(a->af, b->af)) || (r = cmp_u32(a->fwmark, b->fwmark)) ||
	    (r = cmp_u32(a->protocol, b->protocol)))
		return r;
	if ((r = memcmp(&a->addr, &b->addr, sizeof(a->addr))))
		return r;
	return cmp_u32(a->port, b->port);
}

int reconcile_dest_cmp(const struct ipvs_dest *a, const struct ipvs_dest *b)
{
	int r;

	if ((r = cmp_u32(a->af, b->af)) || (r = memcmp(&a->addr, &b->addr, sizeof(a->addr))))
		return r;
	return cmp_u32(a->port, b->port);
}

const char *reconcile_op_name(enum reconcile_op_type type)
{
	static const char *const names[N_OP_TYPES] = {
		[RECONCILE_SERVICE_ADD] = "service-add", [RECONCILE_SERVICE_EDIT] = "service-edit",
		[RECONCILE_DEST_ADD] = "dest-add",       [RECONCILE_DEST_EDIT] = "dest-edit",
		[RECONCILE_DEST_DEL] = "dest-del",       [RECONCILE_SERVICE_DEL] = "service-del",
	};

	return (unsigned int)type < N_OP_TYPES ? names[type] : "unknown";
}

static bool service_differs(const struct ipvs_service *want, const struct ipvs_service *have)
{
	if (strcmp(want->scheduler, have->scheduler) || strcmp(want->pe_name, have->pe_name))
		return true;
	if ((want->flags & SERVICE_FLAGS_MANAGED) != (have->flags & SERVICE_FLAGS_MANAGED))
		return true;
	/* timeout and netmask mean something only for persistent services */
	return (want->flags & IPVS_SVC_F_PERSISTENT) &&
	       (want->timeout != have->timeout || want->netmask != have->netmask);
}

static bool dest_differs(const struct ipvs_dest *want, const struct ipvs_dest *have)
{
	if (want->fwd != have->fwd || want->weight != have->weight ||
	    want->u_threshold != have->u_threshold || want->l_threshold != have->l_threshold)
		return true;
	return want->fwd == IPVS_FWD_TUNNEL &&
	       (want->tun_type != have->tun_type || want->tun_port != have->tun_port ||
		want->tun_flags != have->tun_flags);
}

struct op_list {
	struct reconcile_op *ops;
	size_t n, cap;
};

struct planner {
	struct op_list lists[N_OP_TYPES];
	struct ipvs_service *conflicts, *owned;
	size_t n_conflicts, n_owned;
	int error;
};

static void push_op(struct planner *p, enum reconcile_op_type type, const struct ipvs_service *svc,
		    const struct ipvs_dest *dest)
{
	struct op_list *l = &p->lists[type];
	struct reconcile_op *op;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct reconcile_op *ops = realloc(l->ops, cap * sizeof(*ops));

		if (!ops) {
			p->error = -ENOMEM;
			return;
		}
		l->ops = ops;
		l->cap = cap;
	}
	op = &l->ops[l->n++];
	memset(op, 0, sizeof(*op));
	op->type = type;
	op->svc = *svc;
	memset(&op->svc.stats, 0, sizeof(op->svc.stats));
	if (dest) {
		op->dest = *dest;
		op->dest.active_conns = op->dest.inactive_conns = op->dest.persist_conns = 0;
		memset(&op->dest.stats, 0, sizeof(op->dest.stats));
	}
}

/* The destinations of a service sorted by key, each with its family filled in. */
static struct ipvs_dest *sorted_dests(const struct ipvs_table_service *ts)
{
	struct ipvs_dest *d = malloc((ts->n_dests ? ts->n_dests : 1) * sizeof(*d));
	size_t i;

	if (!d)
		return NULL;
	for (i = 0; i < ts->n_dests; i++) {
		d[i] = ts->dests[i];
		if (!d[i].af)
			d[i].af = ts->svc.af;
	}
	qsort(d, ts->n_dests, sizeof(*d), (int (*)(const void *, const void *))reconcile_dest_cmp);
	return d;
}

static void plan_dests(struct planner *p, const struct ipvs_table_service *want,
		       const struct ipvs_table_service *have)
{
	struct ipvs_dest *w = sorted_dests(want), *h = have ? sorted_dests(have) : NULL;
	size_t i = 0, j = 0, nw = want->n_dests, nh = have ? have->n_dests : 0;

	if (!w || (have && !h)) {
		p->error = -ENOMEM;
		goto out;
	}
	while (i < nw || j < nh) {
		int c = i == nw ? 1 : j == nh ? -1 : reconcile_dest_cmp(&w[i], &h[j]);

		if (c < 0) {
			push_op(p, RECONCILE_DEST_ADD, &want->svc, &w[i++]);
		} else if (c > 0) {
			push_op(p, RECONCILE_DEST_DEL, &want->svc, &h[j++]);
		} else {
			if (dest_differs(&w[i], &h[j]))
				push_op(p, RECONCILE_DEST_EDIT, &want->svc, &w[i]);
			i++;
			j++;
		}
	}
out:
	free(w);
	free(h);
}

static int cmp_table_service(const void *a, const void *b)
{
	const struct ipvs_table_service *const *x = a, *const *y = b;

	return reconcile_service_cmp(&(*x)->svc, &(*y)->svc);
}

static const struct ipvs_table_service **sorted_services(const struct ipvs_table *t)
{
	const struct ipvs_table_service **v;
	size_t i;

	v = malloc(((t ? t->n_services : 0) + 1) * sizeof(*v));
	if (!v)
		return NULL;
	for (i = 0; t && i < t->n_services; i++)
		v[i] = &t->services[i];
	qsort(v, t ? t->n_services : 0, sizeof(*v), cmp_table_service);
	return v;
}

static bool is_owned(const struct reconcile_input *in, const struct ipvs_service *owned_sorted,
		     const struct ipvs_service *svc)
{
	return bsearch(svc, owned_sorted, in->n_owned, sizeof(*owned_sorted),
		       (int (*)(const void *, const void *))reconcile_service_cmp) != NULL;
}

static void keep_owned(struct planner *p, const struct ipvs_service *svc)
{
	struct ipvs_service *key = &p->owned[p->n_owned++];

	memset(key, 0, sizeof(*key));
	key->af = svc->af;
	key->protocol = svc->protocol;
	key->addr = svc->addr;
	key->port = svc->port;
	key->fwmark = svc->fwmark;
}

static void plan_services(struct planner *p, const struct reconcile_input *in,
			  const struct ipvs_service *owned, const struct ipvs_table_service **w,
			  size_t nw, const struct ipvs_table_service **h, size_t nh)
{
	size_t i = 0, j = 0;

	while ((i < nw || j < nh) && !p->error) {
		int c = i == nw ? 1 : j == nh ? -1 : reconcile_service_cmp(&w[i]->svc, &h[j]->svc);

		if (c < 0) {
			/* missing: new, or owned and deleted behind our back */
			push_op(p, RECONCILE_SERVICE_ADD, &w[i]->svc, NULL);
			plan_dests(p, w[i], NULL);
			keep_owned(p, &w[i]->svc);
			i++;
		} else if (c > 0) {
			if (is_owned(in, owned, &h[j]->svc))
				push_op(p, RECONCILE_SERVICE_DEL, &h[j]->svc, NULL);
			j++;
		} else if (!is_owned(in, owned, &h[j]->svc)) {
			p->conflicts[p->n_conflicts++] = w[i]->svc;
			i++;
			j++;
		} else {
			if (service_differs(&w[i]->svc, &h[j]->svc))
				push_op(p, RECONCILE_SERVICE_EDIT, &w[i]->svc, NULL);
			plan_dests(p, w[i], h[j]);
			keep_owned(p, &w[i]->svc);
			i++;
			j++;
		}
	}
}

static int finish(struct planner *p, struct reconcile_plan *plan)
{
	size_t total = 0, t;

	for (t = 0; t < N_OP_TYPES; t++)
		total += p->lists[t].n;
	plan->ops = malloc((total ? total : 1) * sizeof(*plan->ops));
	if (!plan->ops)
		return -ENOMEM;
	for (t = 0; t < N_OP_TYPES; t++) {
		/* an empty list has no array: memcpy() wants a valid pointer even for 0 bytes */
		if (p->lists[t].n)
			memcpy(plan->ops + plan->n_ops, p->lists[t].ops,
			       p->lists[t].n * sizeof(*plan->ops));
		plan->n_ops += p->lists[t].n;
	}
	plan->conflicts = p->conflicts;
	plan->n_conflicts = p->n_conflicts;
	plan->owned = p->owned;
	plan->n_owned = p->n_owned;
	p->conflicts = p->owned = NULL;
	return 0;
}

int reconcile_plan(const struct reconcile_input *in, struct reconcile_plan **ret)
{
	size_t nw = in->desired ? in->desired->n_services : 0;
	size_t nh = in->actual ? in->actual->n_services : 0;
	const struct ipvs_table_service **w = sorted_services(in->desired);
	const struct ipvs_table_service **h = sorted_services(in->actual);
	struct ipvs_service *owned = malloc((in->n_owned + 1) * sizeof(*owned));
	struct reconcile_plan *plan = calloc(1, sizeof(*plan));
	struct planner p = { 0 };
	size_t t;
	int r = -ENOMEM;

	p.conflicts = malloc((nw + 1) * sizeof(*p.conflicts));
	p.owned = malloc((nw + 1) * sizeof(*p.owned));
	if (!w || !h || !owned || !plan || !p.conflicts || !p.owned)
		goto out;
	if (in->n_owned) /* in->owned may be NULL then */
		memcpy(owned, in->owned, in->n_owned * sizeof(*owned));
	qsort(owned, in->n_owned, sizeof(*owned),
	      (int (*)(const void *, const void *))reconcile_service_cmp);

	plan_services(&p, in, owned, w, nw, h, nh);
	r = p.error ? p.error : finish(&p, plan);
	if (r == 0) {
		*ret = plan;
		plan = NULL;
	}
out:
	for (t = 0; t < N_OP_TYPES; t++)
		free(p.lists[t].ops);
	free(p.conflicts);
	free(p.owned);
	free(owned);
	free(w);
	free(h);
	reconcile_plan_free(plan);
	return r;
}

void reconcile_plan_free(struct reconcile_plan *plan)
{
	if (!plan)
		return;
	free(plan->ops);
	free(plan->conflicts);
	free(plan->owned);
	free(plan);
}
