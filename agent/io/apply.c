// SPDX-License-Identifier: GPL-2.0-only
#include "apply.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "desired.h"
#include "log.h"
#include "ownership.h"

/*
 * A periodic pass whose fingerprint of IPVS (ipvs_fingerprint) is that of
 * the last pass that found nothing to do skips the dump. Every so many
 * passes, a full one all the same: the fingerprint does not see thresholds
 * or tunnel settings, nor the VIP routes.
 */
#define FULL_PASS_EVERY 6

static double now_ms(void)
{
	return clock_now_ns() / 1e6;
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

/* A plan, and room for its batch's result: an errno and an unsure flag per operation. */
static int plan_batch(const struct reconcile_input *in, struct reconcile_plan **ret_plan,
		      int **ret_errors, bool **ret_unsure)
{
	int r = reconcile_plan(in, ret_plan);

	if (r)
		return r;
	*ret_errors = calloc((*ret_plan)->n_ops + 1, sizeof(**ret_errors));
	*ret_unsure = calloc((*ret_plan)->n_ops + 1, sizeof(**ret_unsure));
	return *ret_errors && *ret_unsure ? 0 : -ENOMEM;
}

/*
 * Applies the plan as one batch; each failure is logged. The number failed.
 * unsure[i]: operation i failed in transport, and may have been applied.
 */
static size_t run_batch(struct apply *ap, const struct reconcile_plan *plan, int *errors,
			bool *unsure)
{
	struct ipvs_batch_result *res = NULL;
	char what[256];
	size_t i, failed = 0;
	int r;

	r = ipvs_batch_begin(ap->ipvs);
	for (i = 0; i < plan->n_ops && !r; i++)
		apply_op(ap->ipvs, &plan->ops[i]);
	if (!r)
		r = ipvs_batch_end(ap->ipvs, &res);
	for (i = 0; i < plan->n_ops; i++) {
		enum reconcile_op_type type = plan->ops[i].type;

		errors[i] = res && i < res->n_ops ? res->errors[i] : r;
		/* never sent (the batch did not start): surely not applied */
		unsure[i] = res && i < res->n_ops && res->unsure[i];
		if ((unsigned int)type < APPLY_OP_TYPES)
			ap->stats.netlink_ops[type]++;
		if (!errors[i])
			continue;
		if ((unsigned int)type < APPLY_OP_TYPES)
			ap->stats.netlink_errors[type]++;
		failed++;
		desired_describe_op(ap->config, &plan->ops[i], what, sizeof(what));
		log_error("failed to %s: %s%s", what, strerror(-errors[i]),
			  unsure[i] ? " (the kernel's answer was lost: the next pass reads "
				      "whether it was applied)"
				    : "");
	}
	ipvs_batch_result_free(res);
	return failed;
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

int apply_save_state(struct apply *ap)
{
	int64_t off = clock_mono_to_real_ns();
	struct state_dest *dests = NULL;
	size_t n = 0, cap = 0, i, j;
	int r = 0;

	for (i = 0; ap->rt && i < ap->rt->n_services && !r; i++) {
		const struct runtime_service *s = &ap->rt->services[i];

		for (j = 0; j < s->policy.n_dests; j++) {
			struct policy_dest saved, *p = &saved;

			policy_dest_persistent(&s->policy.dests[j], &saved);
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
		r = state_set_dests(&ap->state, dests, n);
	if (!r)
		r = state_save(ap->state_path, &ap->state);
	if (r)
		log_error("cannot save the state file %s: %s", ap->state_path, strerror(-r));
	free(dests);
	return r;
}

void apply_restore_policies(struct apply *ap)
{
	int64_t off = clock_mono_to_real_ns();
	char real[ADDR_PORT_STRLEN];
	size_t i;

	for (i = 0; i < ap->state.n_dests; i++) {
		const struct state_dest *d = &ap->state.dests[i];
		struct runtime_service *s = runtime_service_of(ap->rt, &d->key);
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

static int save_owned(struct apply *ap, const struct ipvs_service *owned, size_t n)
{
	int r = state_set_owned(&ap->state, owned, n);

	if (r) {
		log_error("cannot save the state file %s: %s", ap->state_path, strerror(-r));
		return r;
	}
	return apply_save_state(ap);
}

/* Ownership written ahead (ownership.h): the claims on disk before the batch runs. */
static int claim_new_services(struct apply *ap, const struct reconcile_plan *plan)
{
	struct ipvs_service *owned;
	size_t before = ap->state.n_owned, n;
	int r = ownership_claim(ap->state.owned, before, plan, &owned, &n);

	if (r)
		return r;
	r = n == before ? 0 : save_owned(ap, owned, n);
	/* not on disk, so not ours yet: the claims in memory go too */
	if (r && state_set_owned(&ap->state, owned, before) < 0)
		log_error("cannot take back the unrecorded claims: %s", strerror(ENOMEM));
	if (r)
		ap->unclaimed = n - before;
	free(owned);
	return r;
}

/*
 * The claims could not be written (a full or read-only disk): the services
 * they name are not created, since a crash would orphan them, but the plan's
 * repairs of the services already owned go on.
 */
static void keep_repairs_only(struct apply *ap, struct reconcile_plan *plan)
{
	ownership_repairs_only(plan, ap->state.owned, ap->state.n_owned);
	log_error("%zu service%s not created: vigild cannot record that it owns them in %s; "
		  "the services it owns are still repaired",
		  ap->unclaimed, ap->unclaimed == 1 ? "" : "s", ap->state_path);
}

/* What is owned after the plan ran, recorded when it changed. */
static int settle_ownership(struct apply *ap, const struct reconcile_plan *plan, const int *errors,
			    const bool *unsure)
{
	struct ipvs_service *owned;
	size_t n;
	int r = ownership_settle(plan, errors, unsure, &owned, &n);

	if (r)
		return r;
	if (n != ap->state.n_owned || !ownership_same(ap->state.owned, owned, n))
		r = save_owned(ap, owned, n);
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
static void sync_routes(struct apply *ap, struct hostnet_sync *ret)
{
	struct hostnet_vip *vips = calloc(ap->state.n_owned + 1, sizeof(*vips));
	size_t i, n = 0, kept = 0;
	int r;

	memset(ret, 0, sizeof(*ret));
	/* no interface while no service is configured: no route to keep */
	if (!ap->ifindex) {
		free(vips);
		return;
	}
	if (!vips) {
		log_error("cannot update the routes on %s: %s", ap->config->agent.interface,
			  strerror(ENOMEM));
		return;
	}
	for (i = 0; i < ap->state.n_owned; i++) {
		const struct ipvs_service *svc = &ap->state.owned[i];

		if (svc->fwmark || !runtime_service_of(ap->rt, svc))
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
	r = hostnet_routes_sync(ap->hostnet, ap->ifindex, vips, kept, ret);
	if (r)
		log_error("cannot update the VIP routes on %s: %s", ap->config->agent.interface,
			  strerror(-r));
	free(vips);
}

static void report_conflicts(struct apply *ap, const struct reconcile_plan *plan, bool loud)
{
	char svc[DESIRED_DESCRIBE_MAX];
	size_t i;

	/* every pass finds them again: say it when the set changes, not every 10 s */
	if (!loud && plan->n_conflicts == ap->conflicts_reported)
		return;
	for (i = 0; i < plan->n_conflicts; i++) {
		const struct config_service *cs = desired_find(ap->config, &plan->conflicts[i]);

		log_warning("service %s (%s) is not programmed: IPVS already has a service at "
			    "that address that vigild did not create, and vigild leaves it alone",
			    desired_describe_service(&plan->conflicts[i], svc, sizeof(svc)),
			    cs ? cs->name : "?");
	}
	ap->conflicts_reported = plan->n_conflicts;
}

/* What the pass programmed: apply_service skips services whose weights it already has. */
static void remember_applied(struct apply *ap, const struct ipvs_table *desired)
{
	size_t i, j;

	for (i = 0; i < desired->n_services && i < ap->rt->n_services; i++) {
		struct runtime_service *s = &ap->rt->services[i];

		for (j = 0; j < s->cs->n_dests; j++)
			s->applied[j] = runtime_weight(s, j, clock_now_ns());
	}
}

/* A periodic pass that finds IPVS as the last full pass left it: no dump. */
static bool unchanged_since_last_pass(struct apply *ap)
{
	double t0 = now_ms();
	uint64_t fp;

	if (!ap->quiet_valid || ap->stats.skipped >= FULL_PASS_EVERY - 1 ||
	    ipvs_fingerprint(&fp) < 0 || fp != ap->quiet_fingerprint)
		return false;
	ap->stats.skipped++;
	ap->stats.skipped_count++;
	log_debug("reconcile why=periodic fingerprint=unchanged fingerprint_ms=%.1f",
		  now_ms() - t0);
	return true;
}

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
static void adopt_lost_services(struct apply *ap, const struct ipvs_table *desired,
				const struct ipvs_table *actual)
{
	struct ipvs_service *owned = NULL;
	struct hostnet_vip *vips = NULL;
	char svc[DESIRED_DESCRIBE_MAX];
	size_t i, n_vips = 0, n = ap->state.n_owned;
	int r;

	r = hostnet_routes_list(ap->hostnet, ap->ifindex, &vips, &n_vips);
	if (!r && n_vips) {
		owned = malloc((n + desired->n_services + 1) * sizeof(*owned));
		r = owned ? 0 : -ENOMEM;
	}
	if (r) {
		log_error("cannot read the VIP routes on %s to adopt back the services of a lost "
			  "state file: %s",
			  ap->config->agent.interface, strerror(-r));
		goto out;
	}
	ap->state_missing = false;
	if (!n_vips)
		goto out;
	if (n)
		memcpy(owned, ap->state.owned, n * sizeof(*owned));
	for (i = 0; i < desired->n_services; i++) {
		const struct ipvs_service *d = &desired->services[i].svc;

		if (d->fwmark || ownership_has(owned, n, d) || !table_has(actual, d) ||
		    !vip_routed(vips, n_vips, d))
			continue;
		owned[n++] = *d;
		log_notice("adopted service %s: no state file, and its VIP is routed through %s, "
			   "which only vigild does for the services it creates",
			   desired_describe_service(d, svc, sizeof(svc)),
			   ap->config->agent.interface);
	}
	if (n != ap->state.n_owned)
		save_owned(ap, owned, n);
out:
	free(owned);
	free(vips);
}

/*
 * A dump that worked after IPVS was gone, or under a new family id: ip_vs was
 * loaded anew, with an empty table (which this pass fills again) and its
 * sysctls back at their defaults (which on_ipvs_back sets again).
 */
static void ipvs_came_back(struct apply *ap)
{
	int family = ipvs_family_id(ap->ipvs);

	if (ap->ipvs_gone || (ap->ipvs_family && family != ap->ipvs_family)) {
		log_notice("IPVS is back (the ip_vs module was loaded again): programming the "
			   "%zu services vigild owns",
			   ap->state.n_owned);
		if (ap->on_ipvs_back)
			ap->on_ipvs_back(ap->data);
	}
	ap->ipvs_gone = false;
	ap->ipvs_family = family;
}

int apply_pass(struct apply *ap, const char *why)
{
	struct ipvs_table *actual = NULL, *desired = NULL;
	struct reconcile_plan *plan = NULL;
	size_t counts[APPLY_OP_TYPES] = { 0 }, failed = 0, i;
	struct hostnet_sync routes = { 0 };
	bool periodic = !strcmp(why, "periodic");
	double t0 = now_ms(), read_ms = 0, ipvs_ms;
	int *errors = NULL, r;
	bool *unsure = NULL;
	bool fingerprinted;
	uint64_t fp;

	if (periodic && unchanged_since_last_pass(ap))
		return 0;
	ap->stats.why = why;
	ap->stats.skipped = 0;
	ap->quiet_valid = false;
	/* taken before the dump: a change after it shows as a new fingerprint */
	fingerprinted = ipvs_fingerprint(&fp) == 0;
	r = ipvs_dump(ap->ipvs, &actual);
	if (r == -EPROTONOSUPPORT) {
		/* said once: every pass until it is back would say it again */
		if (!ap->ipvs_gone)
			log_error("IPVS is gone: the kernel has no IPVS netlink family (was the "
				  "ip_vs module unloaded?); the %zu services vigild owns are "
				  "programmed again once it is back",
				  ap->state.n_owned);
		ap->ipvs_gone = true;
		goto out;
	}
	if (r) {
		log_error("cannot read the IPVS table: %s", strerror(-r));
		goto out;
	}
	ipvs_came_back(ap);
	read_ms = now_ms() - t0;
	r = runtime_desired(ap->rt, clock_now_ns(), &desired);
	/* the routes tell what was vigild's: without the interface, nothing is */
	if (!r && ap->state_missing && ap->ifindex)
		adopt_lost_services(ap, desired, actual);
	if (!r) {
		struct reconcile_input in = { desired, actual, ap->state.owned, ap->state.n_owned };

		r = plan_batch(&in, &plan, &errors, &unsure);
	}
	if (r) {
		log_error("cannot plan the IPVS changes: %s", strerror(-r));
		goto out;
	}
	report_conflicts(ap, plan, !periodic);
	ap->unclaimed = 0;
	if (plan->n_ops && claim_new_services(ap, plan))
		keep_repairs_only(ap, plan);
	if (plan->n_ops)
		failed = run_batch(ap, plan, errors, unsure);
	settle_ownership(ap, plan, errors, unsure);
	remember_applied(ap, desired);
	ipvs_ms = now_ms() - t0;
	/* a pass that left services uncreated is not quiet: the next one tries again */
	if (!plan->n_ops && !ap->unclaimed && fingerprinted) {
		ap->quiet_valid = true;
		ap->quiet_fingerprint = fp;
	}
	sync_routes(ap, &routes);

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
			counts[RECONCILE_SERVICE_DEL], failed, plan->n_conflicts, ap->state.n_owned,
			routes.added, routes.removed, read_ms, ipvs_ms, now_ms() - t0);
	ap->stats.real_ns = clock_now_ns() + clock_mono_to_real_ns();
	ap->stats.ms = now_ms() - t0;
	ap->stats.count++;
	ap->stats.ops = plan->n_ops;
	ap->stats.failed = failed;
out:
	free(errors);
	free(unsure);
	reconcile_plan_free(plan);
	ipvs_table_free(desired);
	ipvs_table_free(actual);
	return r;
}

int apply_service(struct apply *ap, struct runtime_service *s, uint64_t origin_ns)
{
	struct ipvs_table *want = NULL, *have = NULL;
	struct reconcile_plan *plan = NULL;
	uint64_t now = clock_now_ns();
	size_t i, failed = 0;
	int *errors = NULL, r;
	bool *unsure = NULL;
	bool same = true;

	for (i = 0; i < s->cs->n_dests; i++)
		same = same && s->applied[i] == runtime_weight(s, i, now);
	if (same)
		return 0;
	/* a service at an address someone else's service holds is not vigild's to change */
	if (!ownership_has(ap->state.owned, ap->state.n_owned, &s->key))
		return 0;
	r = runtime_desired_service(s, now, &want);
	/*
	 * Against what vigild last programmed, not a dump: a quarantine must
	 * reach IPVS within milliseconds of the evidence, and a round trip less
	 * counts. Should someone have changed the service meanwhile, an
	 * operation fails and the next reconcile pass, which dumps, repairs it.
	 */
	if (!r && (r = runtime_applied_service(s, &have)) == -ENODATA)
		r = ipvs_dump_service(ap->ipvs, &s->key, &have);
	if (!r) {
		struct reconcile_input in = { want, have, &s->key, 1 };

		r = plan_batch(&in, &plan, &errors, &unsure);
	}
	if (r) {
		log_error("cannot program the weights of service %s: %s", s->cs->name,
			  strerror(-r));
		goto out;
	}
	if (plan->n_ops)
		failed = run_batch(ap, plan, errors, unsure);
	for (i = 0; i < s->cs->n_dests; i++)
		s->applied[i] = failed ? RUNTIME_UNKNOWN : runtime_weight(s, i, now);
	/* latency: from the event that made the change necessary to IPVS having it */
	if (plan->n_ops && origin_ns)
		log_info("weights service=%s ops=%zu failed=%zu latency_ms=%.2f", s->cs->name,
			 plan->n_ops, failed, (clock_now_ns() - origin_ns) / 1e6);
	else if (plan->n_ops)
		log_info("weights service=%s ops=%zu failed=%zu", s->cs->name, plan->n_ops, failed);
	/* the kernel changed: the next periodic pass must not trust the old fingerprint */
	ap->quiet_valid = false;
out:
	free(errors);
	free(unsure);
	reconcile_plan_free(plan);
	ipvs_table_free(want);
	ipvs_table_free(have);
	return r;
}

void apply_close(struct apply *ap)
{
	hostnet_close(ap->hostnet);
	ap->hostnet = NULL;
	ipvs_close(ap->ipvs);
	ap->ipvs = NULL;
	state_clear(&ap->state);
}
