// SPDX-License-Identifier: GPL-2.0-only
#include "agent.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent-internal.h"
#include "desired.h"
#include "log.h"
#include "reconcile.h"

#define N_OP_TYPES AGENT_OP_TYPES

/*
 * A periodic pass whose fingerprint of IPVS (ipvs_fingerprint) is that of
 * the last pass that found nothing to do skips the dump. Every so many
 * passes, a full one all the same: the fingerprint does not see thresholds
 * or tunnel settings, nor the VIP routes.
 */
#define FULL_PASS_EVERY 6

uint64_t agent_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int64_t agent_mono_to_real_ns(void)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	return (real.tv_sec - mono.tv_sec) * 1000000000ll + (real.tv_nsec - mono.tv_nsec);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void describe_op(const struct agent *a, const struct reconcile_op *op, char *buf,
			size_t size)
{
	const struct config_service *cs = desired_find(a->config, &op->svc);
	char svc[DESIRED_DESCRIBE_MAX], dest[DESIRED_DESCRIBE_MAX];

	desired_describe_service(&op->svc, svc, sizeof(svc));
	switch (op->type) {
	case RECONCILE_SERVICE_ADD:
	case RECONCILE_SERVICE_EDIT:
	case RECONCILE_SERVICE_DEL:
		snprintf(buf, size, "%s %s%s%s%s",
			 op->type == RECONCILE_SERVICE_ADD    ? "add service"
			 : op->type == RECONCILE_SERVICE_EDIT ? "change service"
							      : "delete service",
			 svc, cs ? " (" : "", cs ? cs->name : "", cs ? ")" : "");
		break;
	default:
		desired_describe_dest(&op->svc, &op->dest, dest, sizeof(dest));
		snprintf(buf, size, "%s %s %s %s%s%s%s",
			 op->type == RECONCILE_DEST_ADD    ? "add destination"
			 : op->type == RECONCILE_DEST_EDIT ? "change destination"
							   : "delete destination",
			 dest, op->type == RECONCILE_DEST_ADD ? "to" : "of", svc, cs ? " (" : "",
			 cs ? cs->name : "", cs ? ")" : "");
	}
}

static int apply_op(struct ipvs *h, const struct reconcile_op *op)
{
	switch (op->type) {
	case RECONCILE_SERVICE_ADD:
		return ipvs_service_add(h, &op->svc);
	case RECONCILE_SERVICE_EDIT:
		return ipvs_service_edit(h, &op->svc);
	case RECONCILE_DEST_ADD:
		return ipvs_dest_add(h, &op->svc, &op->dest);
	case RECONCILE_DEST_EDIT:
		return ipvs_dest_edit(h, &op->svc, &op->dest);
	case RECONCILE_DEST_DEL:
		return ipvs_dest_del(h, &op->svc, &op->dest);
	case RECONCILE_SERVICE_DEL:
		return ipvs_service_del(h, &op->svc);
	}
	return -EINVAL;
}

/*
 * Applies the plan as one batch; each failure is logged. The number failed.
 * unsure[i]: operation i failed in transport, and may have been applied.
 */
static size_t apply(struct agent *a, const struct reconcile_plan *plan, int *errors, bool *unsure)
{
	struct ipvs_batch_result *res = NULL;
	char what[256];
	size_t i, failed = 0;
	int r;

	r = ipvs_batch_begin(a->ipvs);
	for (i = 0; i < plan->n_ops && !r; i++)
		apply_op(a->ipvs, &plan->ops[i]);
	if (!r)
		r = ipvs_batch_end(a->ipvs, &res);
	for (i = 0; i < plan->n_ops; i++) {
		enum reconcile_op_type type = plan->ops[i].type;

		errors[i] = res && i < res->n_ops ? res->errors[i] : r;
		/* never sent (the batch did not start): surely not applied */
		unsure[i] = res && i < res->n_ops && res->unsure[i];
		if ((unsigned int)type < AGENT_OP_TYPES)
			a->netlink_ops[type]++;
		if (!errors[i])
			continue;
		if ((unsigned int)type < AGENT_OP_TYPES)
			a->netlink_errors[type]++;
		failed++;
		describe_op(a, &plan->ops[i], what, sizeof(what));
		log_error("failed to %s: %s%s", what, strerror(-errors[i]),
			  unsure[i] ? " (the kernel's answer was lost: the next pass reads "
				      "whether it was applied)"
				    : "");
	}
	ipvs_batch_result_free(res);
	return failed;
}

static bool owned_has(const struct ipvs_service *owned, size_t n, const struct ipvs_service *svc)
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

/*
 * True if a and b, n distinct services each, are the same set. Sorts b: a
 * pass over a thousand services must not compare every pair.
 */
static bool same_services(const struct ipvs_service *a, struct ipvs_service *b, size_t n)
{
	size_t i;

	qsort(b, n, sizeof(*b), cmp_service);
	for (i = 0; i < n; i++)
		if (!bsearch(&a[i], b, n, sizeof(*b), cmp_service))
			return false;
	return true;
}

/* A monotonic time as wall time, and back; 0 and POLICY_NEVER stay as they are. */
static uint64_t shift_time(uint64_t t, int64_t by)
{
	if (!t || t == POLICY_NEVER)
		return t;
	if (by < 0 && t <= (uint64_t)-by)
		return 1; /* before this boot: long ago */
	return t + by;
}

static void shift_times(struct policy_dest *p, int64_t by)
{
	p->since_ns = shift_time(p->since_ns, by);
	p->until_ns = shift_time(p->until_ns, by);
	p->next_probe_ns = shift_time(p->next_probe_ns, by);
	p->stable_since_ns = shift_time(p->stable_since_ns, by);
}

int agent_save_state(struct agent *a)
{
	int64_t off = agent_mono_to_real_ns();
	struct state_dest *dests = NULL;
	size_t n = 0, cap = 0, i, j;
	int r = 0;

	for (i = 0; a->rt && i < a->rt->n_services && !r; i++) {
		const struct runtime_service *s = &a->rt->services[i];

		for (j = 0; j < s->policy.n_dests; j++) {
			const struct policy_dest *p = &s->policy.dests[j];

			/* a destination that never failed has nothing to remember */
			if (p->state == POLICY_HEALTHY && !p->relapses && !p->quarantines)
				continue;
			if (n == cap) {
				struct state_dest *more;

				cap = cap ? 2 * cap : 16;
				more = realloc(dests, cap * sizeof(*dests));
				if (!more) {
					r = -ENOMEM;
					break;
				}
				dests = more;
			}
			memset(&dests[n], 0, sizeof(dests[n]));
			dests[n].key = s->key;
			dests[n].real = s->cs->dests[j].addr;
			dests[n].policy = *p;
			shift_times(&dests[n].policy, off);
			n++;
		}
	}
	if (!r)
		r = state_set_dests(&a->state, dests, n);
	if (!r)
		r = state_save(a->state_path, &a->state);
	if (r)
		log_error("cannot save the state file %s: %s", a->state_path, strerror(-r));
	free(dests);
	return r;
}

/* The policy state the state file kept, put back after a restart. */
static void restore_policies(struct agent *a)
{
	int64_t off = agent_mono_to_real_ns();
	char real[ADDR_PORT_STRLEN];
	size_t i;

	for (i = 0; i < a->state.n_dests; i++) {
		const struct state_dest *d = &a->state.dests[i];
		struct runtime_service *s = runtime_service_of(a->rt, &d->key);
		struct policy_dest p = d->policy;
		ssize_t j = s ? runtime_dest_index(s, &d->real) : -1;

		if (j < 0)
			continue; /* no longer configured */
		shift_times(&p, -off);
		config_addr_format(&d->real, real, sizeof(real));
		if (policy_dest_restore(&s->policy, j, &p) < 0) {
			log_warning("state of %s in service %s not restored: inconsistent", real,
				    s->cs->name);
			continue;
		}
		if (p.state != POLICY_HEALTHY)
			log_info("restored service=%s real=%s state=%s relapses=%u quarantines=%u",
				 s->cs->name, real, policy_state_name(p.state), p.relapses,
				 p.quarantines);
	}
}

static int save_owned(struct agent *a, const struct ipvs_service *owned, size_t n)
{
	int r = state_set_owned(&a->state, owned, n);

	if (r) {
		log_error("cannot save the state file %s: %s", a->state_path, strerror(-r));
		return r;
	}
	return agent_save_state(a);
}

/*
 * Ownership is written ahead: the services about to be created are recorded
 * before they exist, so a crash in between leaves a claim on a service that
 * is missing (re-added next time) rather than a service nobody owns.
 */
static int claim_new_services(struct agent *a, const struct reconcile_plan *plan)
{
	struct ipvs_service *owned;
	size_t i, before = a->state.n_owned, n = before;
	int r;

	owned = malloc((n + plan->n_ops + 1) * sizeof(*owned));
	if (!owned)
		return -ENOMEM;
	if (n)
		memcpy(owned, a->state.owned, n * sizeof(*owned));
	for (i = 0; i < plan->n_ops; i++)
		if (plan->ops[i].type == RECONCILE_SERVICE_ADD &&
		    !owned_has(owned, n, &plan->ops[i].svc))
			owned[n++] = plan->ops[i].svc;
	r = n == before ? 0 : save_owned(a, owned, n);
	/* not on disk, so not ours yet: the claims in memory go too */
	if (r && state_set_owned(&a->state, owned, before) < 0)
		log_error("cannot take back the unrecorded claims: %s", strerror(ENOMEM));
	if (r)
		a->unclaimed = n - before;
	free(owned);
	return r;
}

/*
 * The claims could not be written (a full or read-only disk): the services
 * they name are not created, since a crash would orphan them, but the plan's
 * repairs of the services already owned go on. Drops every operation on a
 * service not owned yet, and that service from the forecast.
 */
static void keep_repairs_only(struct agent *a, struct reconcile_plan *plan)
{
	size_t i, n = 0;

	for (i = 0; i < plan->n_ops; i++)
		if (owned_has(a->state.owned, a->state.n_owned, &plan->ops[i].svc))
			plan->ops[n++] = plan->ops[i];
	plan->n_ops = n;
	for (i = 0, n = 0; i < plan->n_owned; i++)
		if (owned_has(a->state.owned, a->state.n_owned, &plan->owned[i]))
			plan->owned[n++] = plan->owned[i];
	plan->n_owned = n;
	log_error("%zu service%s not created: vigild cannot record that it owns them in %s; "
		  "the services it owns are still repaired",
		  a->unclaimed, a->unclaimed == 1 ? "" : "s", a->state_path);
}

/*
 * What is owned after the plan ran: its forecast, corrected by the failures
 * the kernel answered. An add whose answer was lost keeps its claim: had it
 * been applied, dropping the claim would orphan the service, while a claim
 * on a service that is missing is only re-added by the next pass, which
 * reads IPVS.
 */
static int settle_ownership(struct agent *a, const struct reconcile_plan *plan, const int *errors,
			    const bool *unsure)
{
	struct ipvs_service *owned;
	size_t i, j, n = 0;
	bool same;
	int r;

	owned = malloc((plan->n_owned + plan->n_ops + 1) * sizeof(*owned));
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

	same = n == a->state.n_owned && same_services(a->state.owned, owned, n);
	r = same ? 0 : save_owned(a, owned, n);
	free(owned);
	return r;
}

static int cmp_vip(const void *a, const void *b)
{
	const struct hostnet_vip *x = a, *y = b;

	if (x->af != y->af)
		return x->af < y->af ? -1 : 1;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

/* Host routes for the VIPs of the services vigild owns and the config wants. */
static void sync_routes(struct agent *a, struct hostnet_sync *ret)
{
	struct hostnet_vip *vips = calloc(a->state.n_owned + 1, sizeof(*vips));
	size_t i, n = 0, kept = 0;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!vips) {
		log_error("cannot update the routes on %s: %s", a->config->agent.interface,
			  strerror(ENOMEM));
		return;
	}
	for (i = 0; i < a->state.n_owned; i++) {
		const struct ipvs_service *svc = &a->state.owned[i];

		if (svc->fwmark || !runtime_service_of(a->rt, svc))
			continue;
		vips[n].af = svc->af;
		memcpy(vips[n].addr, &svc->addr, sizeof(vips[n].addr));
		n++;
	}
	/* one route per address, however many services (ports, protocols) share it */
	qsort(vips, n, sizeof(*vips), cmp_vip);
	for (i = 0; i < n; i++)
		if (!kept || cmp_vip(&vips[kept - 1], &vips[i]))
			vips[kept++] = vips[i];
	r = hostnet_routes_sync(a->hostnet, a->ifindex, vips, kept, ret);
	if (r)
		log_error("cannot update the VIP routes on %s: %s", a->config->agent.interface,
			  strerror(-r));
	free(vips);
}

static void report_conflicts(struct agent *a, const struct reconcile_plan *plan, bool loud)
{
	char svc[DESIRED_DESCRIBE_MAX];
	size_t i;

	/* every pass finds them again: say it when the set changes, not every 10 s */
	if (!loud && plan->n_conflicts == a->conflicts_reported)
		return;
	for (i = 0; i < plan->n_conflicts; i++) {
		const struct config_service *cs = desired_find(a->config, &plan->conflicts[i]);

		log_warning("service %s (%s) is not programmed: IPVS already has a service at "
			    "that address that vigild did not create, and vigild leaves it alone",
			    desired_describe_service(&plan->conflicts[i], svc, sizeof(svc)),
			    cs ? cs->name : "?");
	}
	a->conflicts_reported = plan->n_conflicts;
}

/* A periodic pass that finds IPVS as the last full pass left it: no dump. */
/* What the pass programmed: watch.c skips services whose weights it already has. */
static void remember_applied(struct agent *a, const struct ipvs_table *desired)
{
	size_t i, j;

	for (i = 0; i < desired->n_services && i < a->rt->n_services; i++) {
		struct runtime_service *s = &a->rt->services[i];

		for (j = 0; j < s->cs->n_dests; j++)
			s->applied[j] = runtime_weight(s, j, agent_now_ns());
	}
}

static bool unchanged_since_last_pass(struct agent *a)
{
	double t0 = now_ms();
	uint64_t fp;

	if (!a->quiet_valid || a->skipped_passes >= FULL_PASS_EVERY - 1 ||
	    ipvs_fingerprint(&fp) < 0 || fp != a->quiet_fingerprint)
		return false;
	a->skipped_passes++;
	a->reconcile_skipped_count++;
	log_debug("reconcile why=periodic fingerprint=unchanged fingerprint_ms=%.1f",
		  now_ms() - t0);
	return true;
}

static void set_sysctls(void);

static bool table_has(const struct ipvs_table *t, const struct ipvs_service *svc)
{
	size_t i;

	for (i = 0; i < t->n_services; i++)
		if (!reconcile_service_cmp(&t->services[i].svc, svc))
			return true;
	return false;
}

static bool vip_routed(const struct hostnet_vip *vips, size_t n, const struct ipvs_service *svc)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (vips[i].af == svc->af &&
		    !memcmp(vips[i].addr, &svc->addr, svc->af == AF_INET ? 4 : 16))
			return true;
	return false;
}

/*
 * No state file at start: a first start, or the file was lost (deleted; a
 * purge, then a reinstall). The host routes on vigil's own interface outlive
 * it, and only vigild makes them, for the VIPs of the services it owns. So a
 * configured service that IPVS has, at an address routed through that
 * interface, is one vigild created: it is adopted back. Otherwise vigild
 * would take its own services for someone else's, leave them unrepaired, and
 * remove their routes.
 */
static void adopt_lost_services(struct agent *a, const struct ipvs_table *desired,
				const struct ipvs_table *actual)
{
	struct ipvs_service *owned = NULL;
	struct hostnet_vip *vips = NULL;
	char svc[DESIRED_DESCRIBE_MAX];
	size_t i, n_vips = 0, n = a->state.n_owned;
	int r;

	r = hostnet_routes_list(a->hostnet, a->ifindex, &vips, &n_vips);
	if (!r && n_vips) {
		owned = malloc((n + desired->n_services + 1) * sizeof(*owned));
		r = owned ? 0 : -ENOMEM;
	}
	if (r) {
		log_error("cannot read the VIP routes on %s to adopt back the services of a lost "
			  "state file: %s",
			  a->config->agent.interface, strerror(-r));
		goto out;
	}
	a->state_missing = false;
	if (!n_vips)
		goto out;
	if (n)
		memcpy(owned, a->state.owned, n * sizeof(*owned));
	for (i = 0; i < desired->n_services; i++) {
		const struct ipvs_service *d = &desired->services[i].svc;

		if (d->fwmark || owned_has(owned, n, d) || !table_has(actual, d) ||
		    !vip_routed(vips, n_vips, d))
			continue;
		owned[n++] = *d;
		log_notice("adopted service %s: no state file, and its VIP is routed through %s, "
			   "which only vigild does for the services it creates",
			   desired_describe_service(d, svc, sizeof(svc)),
			   a->config->agent.interface);
	}
	if (n != a->state.n_owned)
		save_owned(a, owned, n);
out:
	free(owned);
	free(vips);
}

/*
 * A dump that worked after IPVS was gone, or under a new family id: ip_vs was
 * loaded anew, with an empty table (which this pass fills again) and its
 * sysctls back at their defaults.
 */
static void ipvs_came_back(struct agent *a)
{
	int family = ipvs_family_id(a->ipvs);

	if (a->ipvs_gone || (a->ipvs_family && family != a->ipvs_family)) {
		log_notice("IPVS is back (the ip_vs module was loaded again): programming the "
			   "%zu services vigild owns",
			   a->state.n_owned);
		if (a->config->agent.sysctls)
			set_sysctls();
		watch_ipvs_back(a);
	}
	a->ipvs_gone = false;
	a->ipvs_family = family;
}

static int agent_reconcile(struct agent *a, const char *why)
{
	struct ipvs_table *actual = NULL, *desired = NULL;
	struct reconcile_plan *plan = NULL;
	size_t counts[N_OP_TYPES] = { 0 }, failed = 0, i;
	struct hostnet_sync routes = { 0 };
	bool periodic = !strcmp(why, "periodic");
	double t0 = now_ms(), read_ms = 0, ipvs_ms;
	int *errors = NULL, r;
	bool *unsure = NULL;
	bool fingerprinted;
	uint64_t fp;

	if (periodic && unchanged_since_last_pass(a))
		return 0;
	a->reconcile_why = why;
	a->skipped_passes = 0;
	a->quiet_valid = false;
	/* taken before the dump: a change after it shows as a new fingerprint */
	fingerprinted = ipvs_fingerprint(&fp) == 0;
	r = ipvs_dump(a->ipvs, &actual);
	if (r == -EPROTONOSUPPORT) {
		/* said once: every pass until it is back would say it again */
		if (!a->ipvs_gone)
			log_error("IPVS is gone: the kernel has no IPVS netlink family (was the "
				  "ip_vs module unloaded?); the %zu services vigild owns are "
				  "programmed again once it is back",
				  a->state.n_owned);
		a->ipvs_gone = true;
		goto out;
	}
	if (r) {
		log_error("cannot read the IPVS table: %s", strerror(-r));
		goto out;
	}
	ipvs_came_back(a);
	read_ms = now_ms() - t0;
	r = runtime_desired(a->rt, agent_now_ns(), &desired);
	if (!r && a->state_missing)
		adopt_lost_services(a, desired, actual);
	if (!r) {
		struct reconcile_input in = { desired, actual, a->state.owned, a->state.n_owned };

		r = reconcile_plan(&in, &plan);
	}
	if (!r) {
		errors = calloc(plan->n_ops + 1, sizeof(*errors));
		unsure = calloc(plan->n_ops + 1, sizeof(*unsure));
		if (!errors || !unsure)
			r = -ENOMEM;
	}
	if (r) {
		log_error("cannot plan the IPVS changes: %s", strerror(-r));
		goto out;
	}
	report_conflicts(a, plan, !periodic);
	a->unclaimed = 0;
	if (plan->n_ops && claim_new_services(a, plan))
		keep_repairs_only(a, plan);
	if (plan->n_ops)
		failed = apply(a, plan, errors, unsure);
	settle_ownership(a, plan, errors, unsure);
	remember_applied(a, desired);
	ipvs_ms = now_ms() - t0;
	/* a pass that left services uncreated is not quiet: the next one tries again */
	if (!plan->n_ops && !a->unclaimed && fingerprinted) {
		a->quiet_valid = true;
		a->quiet_fingerprint = fp;
	}
	sync_routes(a, &routes);

	for (i = 0; i < plan->n_ops; i++)
		counts[plan->ops[i].type]++;
	if (plan->n_ops || routes.added || routes.removed || !periodic ||
	    log_get_max_level() >= LOG_DEBUG)
		log_msg(plan->n_ops || !periodic ? LOG_INFO : LOG_DEBUG,
			"reconcile why=%s ops=%zu service_add=%zu service_edit=%zu dest_add=%zu "
			"dest_edit=%zu dest_del=%zu service_del=%zu failed=%zu conflicts=%zu "
			"owned=%zu routes_added=%u routes_removed=%u read_ms=%.1f ipvs_ms=%.1f "
			"duration_ms=%.1f",
			why, plan->n_ops, counts[RECONCILE_SERVICE_ADD],
			counts[RECONCILE_SERVICE_EDIT], counts[RECONCILE_DEST_ADD],
			counts[RECONCILE_DEST_EDIT], counts[RECONCILE_DEST_DEL],
			counts[RECONCILE_SERVICE_DEL], failed, plan->n_conflicts, a->state.n_owned,
			routes.added, routes.removed, read_ms, ipvs_ms, now_ms() - t0);
	a->reconcile_real_ns = agent_now_ns() + agent_mono_to_real_ns();
	a->reconcile_ms = now_ms() - t0;
	a->reconcile_count++;
	a->reconcile_ops = plan->n_ops;
	a->reconcile_failed = failed;
out:
	free(errors);
	free(unsure);
	reconcile_plan_free(plan);
	ipvs_table_free(desired);
	ipvs_table_free(actual);
	return r;
}

int agent_apply_service(struct agent *a, struct runtime_service *s, uint64_t origin_ns)
{
	struct ipvs_table *want = NULL, *have = NULL;
	struct reconcile_plan *plan = NULL;
	uint64_t now = agent_now_ns();
	size_t i, failed = 0;
	int *errors = NULL, r;
	bool *unsure = NULL;
	bool same = true;

	for (i = 0; i < s->cs->n_dests; i++)
		same = same && s->applied[i] == runtime_weight(s, i, now);
	if (same)
		return 0;
	/* a service at an address someone else's service holds is not vigild's to change */
	if (!owned_has(a->state.owned, a->state.n_owned, &s->key))
		return 0;
	r = runtime_desired_service(s, now, &want);
	/*
	 * Against what vigild last programmed, not a dump: a quarantine must
	 * reach IPVS within milliseconds of the evidence, and a round trip less
	 * counts. Should someone have changed the service meanwhile, an
	 * operation fails and the next reconcile pass, which dumps, repairs it.
	 */
	if (!r && (r = runtime_applied_service(s, &have)) == -ENODATA)
		r = ipvs_dump_service(a->ipvs, &s->key, &have);
	if (!r) {
		struct reconcile_input in = { want, have, &s->key, 1 };

		r = reconcile_plan(&in, &plan);
	}
	if (!r) {
		errors = calloc(plan->n_ops + 1, sizeof(*errors));
		unsure = calloc(plan->n_ops + 1, sizeof(*unsure));
		if (!errors || !unsure)
			r = -ENOMEM;
	}
	if (r) {
		log_error("cannot program the weights of service %s: %s", s->cs->name,
			  strerror(-r));
		goto out;
	}
	if (plan->n_ops)
		failed = apply(a, plan, errors, unsure);
	for (i = 0; i < s->cs->n_dests; i++)
		s->applied[i] = failed ? RUNTIME_UNKNOWN : runtime_weight(s, i, now);
	/* latency: from the event that made the change necessary to IPVS having it */
	if (plan->n_ops && origin_ns)
		log_info("weights service=%s ops=%zu failed=%zu latency_ms=%.2f", s->cs->name,
			 plan->n_ops, failed, (agent_now_ns() - origin_ns) / 1e6);
	else if (plan->n_ops)
		log_info("weights service=%s ops=%zu failed=%zu", s->cs->name, plan->n_ops, failed);
	/* the kernel changed: the next periodic pass must not trust the old fingerprint */
	a->quiet_valid = false;
out:
	free(errors);
	free(unsure);
	reconcile_plan_free(plan);
	ipvs_table_free(want);
	ipvs_table_free(have);
	return r;
}

static void set_sysctls(void)
{
	/*
	 * expire_nodest_conn: a SYN retransmitted towards a destination whose
	 * weight is now 0 is rescheduled to a healthy one at once, the
	 * mechanism behind vigil's failover. expire_quiescent_template: the
	 * same for persistence templates pinned to such a destination.
	 */
	static const char *const names[] = { "expire_nodest_conn", "expire_quiescent_template" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int was = -1, r;

		ipvs_sysctl_get(names[i], &was);
		if (was == 1)
			continue;
		r = ipvs_sysctl_set(names[i], 1);
		if (r)
			log_error("cannot set net.ipv4.vs.%s=1: %s", names[i], strerror(-r));
		else
			log_notice("sysctl net.ipv4.vs.%s=1 was=%d", names[i], was);
	}
}

static int on_timer(struct loop *loop, void *data)
{
	agent_reconcile(data, "periodic");
	return 0;
}

static int start_timer(struct agent *a)
{
	int r;

	loop_remove(a->loop, a->timer);
	a->timer = NULL;
	r = loop_add_timer(a->loop, a->config->agent.reconcile_interval_ms * 1000000ull, on_timer,
			   a, &a->timer);
	if (r)
		log_error("cannot start the reconcile timer: %s", strerror(-r));
	return r;
}

static bool same_string(const char *x, const char *y, const char *key)
{
	if (!strcmp(x, y))
		return true;
	log_warning("agent.%s changed from %s to %s: takes effect when vigild restarts", key, x, y);
	return false;
}

int agent_reload(struct agent *a, char *why, size_t why_size)
{
	struct config_error err;
	struct config *c = NULL, *old;
	struct runtime *rt = NULL, *old_rt;
	char text[1024];
	uint64_t old_interval = a->config->agent.reconcile_interval_ms;
	int r;

	r = config_load(a->config_path, &c, &err);
	if (r) {
		config_error_format(&err, text, sizeof(text));
		log_error("reload rejected, the running configuration stays: %s", text);
		snprintf(why, why_size, "%s", text);
		return r;
	}
	/* where vigild keeps its state and routes is fixed while it runs */
	if (!same_string(a->config->agent.interface, c->agent.interface, "interface"))
		memcpy(c->agent.interface, a->config->agent.interface, sizeof(c->agent.interface));
	if (!same_string(a->config->agent.state_dir, c->agent.state_dir, "state_dir"))
		memcpy(c->agent.state_dir, a->config->agent.state_dir, sizeof(c->agent.state_dir));
	if (!same_string(a->config->agent.control_socket, c->agent.control_socket,
			 "control_socket"))
		memcpy(c->agent.control_socket, a->config->agent.control_socket,
		       sizeof(c->agent.control_socket));
	if (!same_string(a->config->agent.control_group, c->agent.control_group, "control_group"))
		memcpy(c->agent.control_group, a->config->agent.control_group,
		       sizeof(c->agent.control_group));
	r = runtime_new(c, a->rt, agent_now_ns(), &rt);
	if (r) {
		log_error("reload failed, the running configuration stays: %s", strerror(-r));
		snprintf(why, why_size, "%s: %s", a->config_path, strerror(-r));
		config_free(c);
		return r;
	}
	old_rt = a->rt;
	a->rt = rt;
	old = a->config;
	a->config = c;
	watch_reload(a, old_rt);
	exporter_reload(a);
	/* the old runtime points into the old config */
	runtime_free(old_rt);
	config_free(old);
	log_info("reloaded config=%s services=%u", a->config_path, c->n_services);
	if (c->agent.sysctls)
		set_sysctls();
	if (c->agent.reconcile_interval_ms != old_interval)
		start_timer(a);
	agent_reconcile(a, "reload");
	return 0;
}

static int on_signal(struct loop *loop, int signo, void *data)
{
	struct agent *a = data;

	char why[1024];

	if (signo == SIGHUP) {
		agent_reload(a, why, sizeof(why));
		return 0;
	}
	log_info("exiting signal=\"%s\" ipvs=left-as-it-is", strsignal(signo));
	loop_exit(loop, 0);
	return 0;
}

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int open_state(struct agent *a)
{
	const char *dir = a->config->agent.state_dir;
	char why[256] = "";
	int r;

	r = mkdir_p(dir);
	if (r) {
		log_error("cannot create the state directory %s: %s", dir, strerror(-r));
		return r;
	}
	snprintf(a->state_path, sizeof(a->state_path), "%s/state.json", dir);
	a->state_missing = access(a->state_path, F_OK) < 0 && errno == ENOENT;
	r = state_load(a->state_path, &a->state, why, sizeof(why));
	if (r)
		log_error("cannot read the state file %s: %s (move it away to start afresh; "
			  "vigild then adopts back the services at the VIPs routed through its "
			  "interface)",
			  a->state_path, why[0] ? why : strerror(-r));
	else
		log_info("state file=%s owned=%zu", a->state_path, a->state.n_owned);
	return r;
}

static int open_ipvs(struct agent *a)
{
	struct ipvs_info info;
	int r = ipvs_open(&a->ipvs);

	/* resolving the family needs no privilege; every IPVS command does */
	if (!r)
		r = ipvs_info(a->ipvs, &info);
	if (!r)
		log_info("ipvs version=%u.%u.%u conn_tab_size=%u", info.version >> 16,
			 (info.version >> 8) & 0xff, info.version & 0xff, info.conn_tab_size);

	if (r == -EPROTONOSUPPORT || r == -ENOENT)
		log_error("IPVS is not available: the kernel has no IPVS netlink family "
			  "(is the ip_vs module loaded? modprobe ip_vs)");
	else if (r == -EPERM || r == -EACCES)
		log_error("not allowed to use IPVS: vigild needs root (CAP_NET_ADMIN)");
	else if (r)
		log_error("cannot open IPVS: %s", strerror(-r));
	return r;
}

static int open_hostnet(struct agent *a)
{
	const char *ifname = a->config->agent.interface;
	int r = hostnet_open(&a->hostnet);

	if (!r)
		r = hostnet_link_ensure(a->hostnet, ifname, &a->ifindex);
	if (r == -EEXIST)
		log_error("interface %s exists and is not a dummy interface: vigild will not "
			  "route VIPs through it (set agent.interface to another name)",
			  ifname);
	else if (r)
		log_error("cannot set up interface %s for the VIP routes: %s", ifname,
			  strerror(-r));
	return r;
}

static void agent_free(struct agent *a)
{
	exporter_stop(a);
	commands_stop(a);
	watch_stop(a);
	runtime_free(a->rt);
	hostnet_close(a->hostnet);
	ipvs_close(a->ipvs);
	state_clear(&a->state);
	config_free(a->config);
	loop_free(a->loop);
}

int agent_run(const char *config_path)
{
	static const int signals[] = { SIGHUP, SIGINT, SIGTERM };
	struct agent a = { .config_path = config_path,
			   .started_ns = agent_now_ns(),
			   .started_real_ns = agent_now_ns() + agent_mono_to_real_ns() };
	struct config_error err;
	char text[1024];
	int r;

	r = config_load(config_path, &a.config, &err);
	if (r) {
		config_error_format(&err, text, sizeof(text));
		log_error("%s", text);
		return r;
	}
	a.loop = loop_new();
	if (!a.loop)
		return -errno;
	r = loop_add_signals(a.loop, signals, 3, on_signal, &a, NULL);
	/* before IPVS is touched: a second vigild must not fight the first */
	if (!r)
		r = commands_start(&a);
	if (!r)
		r = open_ipvs(&a);
	if (!r)
		r = open_state(&a);
	if (!r)
		r = open_hostnet(&a);
	if (!r) {
		r = runtime_new(a.config, NULL, agent_now_ns(), &a.rt);
		if (r)
			log_error("cannot set up the services: %s", strerror(-r));
	}
	if (r)
		goto out;
	restore_policies(&a);
	if (a.config->agent.sysctls)
		set_sysctls();
	log_info("started config=%s services=%u", config_path, a.config->n_services);
	agent_reconcile(&a, "start");
	r = watch_start(&a);
	if (!r)
		exporter_start(&a);
	if (!r)
		r = start_timer(&a);
	if (!r)
		r = loop_run(a.loop);
	if (r < 0)
		log_error("event loop failed: %s", strerror(-r));
out:
	agent_free(&a);
	return r;
}
