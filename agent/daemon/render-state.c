// SPDX-License-Identifier: GPL-2.0-only
#include "render-state.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "reconcile.h"
#include "reply.h"

static void dest_key(const struct config_addr *a, struct ipvs_dest *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->af = a->family;
	ret->port = a->port;
	memcpy(&ret->addr, a->addr, a->family == AF_INET6 ? 16 : 4);
}

/* Matched with reconcile's keys, so list pairs what a reconcile pass pairs. */
static const struct ipvs_dest *find_dest(const struct ipvs_table_service *ks,
					 const struct ipvs_dest *key)
{
	size_t i;

	for (i = 0; ks && i < ks->n_dests; i++)
		if (!reconcile_dest_cmp(&ks->dests[i], key))
			return &ks->dests[i];
	return NULL;
}

static const struct ipvs_table_service *find_service(const struct ipvs_table *t,
						     const struct ipvs_service *key)
{
	size_t i;

	for (i = 0; t && i < t->n_services; i++)
		if (!reconcile_service_cmp(&t->services[i].svc, key))
			return &t->services[i];
	return NULL;
}

/* Destination J of S as list shows it, matched with the kernel's KS. */
static void fill_dest(const struct runtime_service *s, size_t j,
		      const struct ipvs_table_service *ks, uint64_t now_ns, struct render_dest *ret)
{
	const struct policy_dest *p = &s->policy.dests[j];
	const struct health_dest_status *h =
	    s->health && j < health_count(s->health) ? health_dest(s->health, j) : NULL;
	struct ipvs_dest key;
	uint32_t want;

	memset(ret, 0, sizeof(*ret));
	ret->addr = &s->cs->dests[j].addr;
	dest_key(ret->addr, &key);
	ret->kernel = find_dest(ks, &key);
	ret->state = policy_state_name(p->state);
	ret->manual = p->manual;
	ret->configured_weight = s->cs->dests[j].weight;
	ret->applied = s->applied[j] != RUNTIME_UNKNOWN;
	if (ret->applied)
		ret->effective_weight = s->applied[j] == RUNTIME_REMOVED ? 0 : s->applied[j];
	want = runtime_weight(s, j, now_ns);
	ret->desired_weight = want == RUNTIME_REMOVED ? 0 : want;
	ret->score = h ? h->score : 1.0;
	ret->measured = h && h->measured;
	if (ret->measured) {
		ret->rtt_ms = h->rtt_us / 1000.0;
		ret->loss = h->loss;
	}
	ret->quarantines = p->quarantines;
	ret->relapses = p->relapses;
	ret->suspicions = p->suspicions;
	ret->resets = s->resets[j];
	ret->quarantined_until = p->state == POLICY_QUARANTINED && p->until_ns != POLICY_NEVER;
	if (ret->quarantined_until)
		ret->remaining_ms = p->until_ns > now_ns ? (p->until_ns - now_ns) / 1000000 : 0;
}

static struct json_object *list_json(const struct runtime *rt, const struct ipvs_table *kernel,
				     const struct ipvs_info *info,
				     const struct ipvs_timeouts *timeouts, uint64_t now_ns)
{
	struct render_service *svcs;
	struct render_dest *dests;
	struct json_object *o;
	size_t n = 0, i, j;

	if (!rt)
		return render_list(false, NULL, 0, kernel, info, timeouts);
	/* + 1: calloc(0) may return NULL, which is not running out of memory */
	svcs = calloc(rt->n_services + 1, sizeof(*svcs));
	for (i = 0; i < rt->n_services; i++)
		n += rt->services[i].cs->n_dests;
	dests = calloc(n + 1, sizeof(*dests));
	if (!svcs || !dests) {
		free(svcs);
		free(dests);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0, n = 0; i < rt->n_services; i++) {
		const struct runtime_service *s = &rt->services[i];

		svcs[i].name = s->cs->name;
		svcs[i].key = &s->key;
		svcs[i].kernel = find_service(kernel, &s->key);
		svcs[i].dests = &dests[n];
		svcs[i].n_dests = s->cs->n_dests;
		svcs[i].dry_run = !s->cs->policy.quarantine.enforce;
		for (j = 0; j < s->cs->n_dests; j++)
			fill_dest(s, j, svcs[i].kernel, now_ns, &dests[n++]);
	}
	o = render_list(true, svcs, rt->n_services, kernel, info, timeouts);
	free(dests);
	free(svcs);
	return o;
}

struct json_object *render_list_runtime(const struct runtime *rt, const struct ipvs_table *kernel,
					int kernel_error, const struct ipvs_info *info,
					const struct ipvs_timeouts *timeouts, uint64_t now_ns)
{
	struct json_object *o = list_json(rt, kernel, info, timeouts, now_ns);

	/* the kernel's columns are then empty: say why rather than show them as absent */
	if (!o || !kernel_error)
		return o;
	return reply_finish(o, reply_add_str(o, "kernel_error", strerror(-kernel_error)));
}

/*
 * One capability: its state, how it is attached, and when it does not work,
 * what is missing and what vigild does instead.
 */
static struct json_object *capability_json(const struct render_status *st, enum degraded_cap cap)
{
	const struct degraded_status *c = &st->degraded->caps[cap];
	struct json_object *o = json_object_new_object();
	const char *instead;
	char text[256];
	int r = 0;

	if (!o)
		return NULL;
	r |= reply_add_bool(o, "works", c->state == DEGRADED_ATTACHED);
	r |= reply_add_str(o, "state", degraded_state_name(c->state));
	/* attached is not working: seen delivering, or found silent (selfcheck.h) */
	if (c->how[0]) {
		r |= reply_add_str(o, "attached", c->how);
		r |= reply_add_bool(o, "verified", c->verified);
	}
	if (c->state == DEGRADED_SILENT)
		r |= reply_add_str(o, "silent", c->silent);
	if (c->state == DEGRADED_UNUSED)
		r |= reply_add_str(
		    o, "unused_because",
		    cap == DEGRADED_EVENTS
			? "without the real destination no event can be attributed"
			: "without the connection events it has nothing to attribute");
	/* attached through a fallback: why not the preferred program */
	if (c->why[0])
		r |= reply_add_str(o,
				   c->state == DEGRADED_ATTACHED || c->state == DEGRADED_SILENT
				       ? "fell_back"
				       : "missing",
				   c->why);
	if (c->state == DEGRADED_OFF)
		r |= reply_add_str(o, "why", "health weighting is off in the config");
	instead = degraded_instead(st->degraded, cap, st->fallback_ms, st->fallback_dests,
				   st->fallback_udp, text, sizeof(text));
	if (instead)
		r |= reply_add_str(o, "instead", instead);
	return reply_finish(o, r);
}

static struct json_object *degraded_json(const struct render_status *st)
{
	struct json_object *o = json_object_new_object();
	size_t i;
	int r = 0;

	if (!o)
		return NULL;
	r |= reply_add_bool(o, "active", degraded_any(st->degraded));
	for (i = 0; i < DEGRADED_N_CAPS; i++)
		r |= reply_add(o, degraded_cap_name(i), capability_json(st, i));
	return reply_finish(o, r);
}

/* Each TCP service's SYN RTO in ms, 0 for the kernel's own; empty when none is in force. */
static struct json_object *syn_rto_services(const struct render_status *st)
{
	struct json_object *o = json_object_new_object();
	size_t i;
	int r = 0;

	for (i = 0; o && st->syn_rto && st->rt && i < st->rt->n_services; i++) {
		const struct runtime_service *s = &st->rt->services[i];

		if (s->cs->protocol == IPPROTO_TCP)
			r |= reply_add_u64(o, s->cs->name, s->timing.syn_rto_ns / 1000000);
	}
	if (r) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

struct json_object *render_status(const struct render_status *st)
{
	size_t states[POLICY_RAMPING + 1] = { 0 }, manual = 0, dests = 0, marked = 0, i, j;
	struct json_object *o = reply_new(), *sub;
	char when[40];
	int r = 0;

	if (!o)
		return NULL;
	r |= reply_add_str(o, "version", st->version);
	r |= reply_add_str(o, "kernel", st->kernel);
	r |= reply_add_str(o, "machine", st->machine);
	r |= reply_add_str(o, "config", st->config_path);
	r |= reply_add_str(o, "socket", st->control_path);
	r |= st->metrics ? reply_add_str(o, "metrics", st->metrics) : reply_add_null(o, "metrics");
	render_time(st->started_real_ns, when, sizeof(when));
	r |= reply_add_str(o, "started", when);
	r |= reply_add_u64(o, "uptime_s", st->uptime_ns / 1000000000);
	if (st->ipvs_version) {
		char version[16];

		render_ipvs_version(st->ipvs_version, version, sizeof(version));
		r |= reply_add_str(o, "ipvs_version", version);
	}

	if (st->degraded)
		r |= reply_add(o, "degraded", degraded_json(st));

	sub = json_object_new_object();
	if (sub) {
		r |= reply_add_bool(sub, "watching", st->watching);
		if (st->watching) {
			r |= reply_add_str(sub, "attached", st->attached ? st->attached : "");
			r |= reply_add_bool(sub, "sockops", st->sockops);
		}
		if (st->have_counters) {
			r |= reply_add_u64(sub, "events", st->counters.events);
			r |= reply_add_u64(sub, "ringbuf_drops", st->counters.ringbuf_drops);
			r |= reply_add_u64(sub, "resyncs", st->counters.resyncs);
			r |= reply_add_u64(sub, "flow_errors", st->counters.flow_errors);
			r |= reply_add_u64(sub, "flows_missing", st->counters.flows_missing);
			r |= reply_add_u64(sub, "health_errors", st->counters.health_errors);
			r |= reply_add_u64(sub, "missed", st->counters.missed);
			r |= reply_add_u64(sub, "bad_records", st->counters.bad_records);
		}
	}
	r |= reply_add(o, "probes", sub);

	sub = json_object_new_object();
	if (sub) {
		r |= reply_add_u64(sub, "evidence", st->evidence);
		r |= reply_add_u64(sub, "decisions", st->decisions);
		if (st->have_detector) {
			r |= reply_add_u64(sub, "attempts", st->detector.attempts);
			r |= reply_add_u64(sub, "rtt_dests", st->detector.dests);
			r |= reply_add_u64(sub, "attempts_forgotten",
					   st->detector.attempts_forgotten);
			r |=
			    reply_add_u64(sub, "rtt_dests_forgotten", st->detector.dests_forgotten);
		}
	}
	r |= reply_add(o, "detection", sub);

	sub = json_object_new_object();
	if (sub) {
		r |= reply_add_bool(sub, "in_force", st->syn_rto);
		if (!st->syn_rto && st->syn_rto_why)
			r |= reply_add_str(sub, "why", st->syn_rto_why);
		if (st->hz)
			r |= reply_add_u64(sub, "hz", st->hz);
		if (st->hz_source)
			r |= reply_add_str(sub, st->hz ? "hz_from" : "hz_unknown", st->hz_source);
		r |= reply_add(sub, "service_ms", syn_rto_services(st));
	}
	r |= reply_add(o, "syn_rto", sub);

	sub = json_object_new_object();
	if (sub && st->reconcile_real_ns) {
		render_time(st->reconcile_real_ns, when, sizeof(when));
		r |= reply_add_str(sub, "time", when);
		r |= reply_add_str(sub, "why", st->reconcile_why ? st->reconcile_why : "");
		r |= reply_add_double(sub, "duration_ms", st->reconcile_ms, 1);
		r |= reply_add_u64(sub, "ops", st->reconcile_ops);
		r |= reply_add_u64(sub, "failed", st->reconcile_failed);
	}
	if (sub)
		r |= reply_add_u64(sub, "skipped_since", st->reconcile_skipped);
	r |= reply_add(o, "last_reconcile", sub);

	for (i = 0; st->rt && i < st->rt->n_services; i++) {
		const struct policy_service *p = &st->rt->services[i].policy;

		marked += st->rt->services[i].key.fwmark != 0;
		for (j = 0; j < p->n_dests; j++) {
			if (p->dests[j].state <= POLICY_RAMPING)
				states[p->dests[j].state]++;
			manual += p->dests[j].manual;
			dests++;
		}
	}
	sub = json_object_new_object();
	if (sub) {
		r |= reply_add_u64(sub, "services", st->rt ? st->rt->n_services : 0);
		r |= reply_add_u64(sub, "owned", st->owned);
		r |= reply_add_u64(sub, "unclaimed", st->unclaimed);
		r |= reply_add_u64(sub, "destinations", dests);
		for (i = 0; i <= POLICY_RAMPING; i++)
			r |= reply_add_u64(sub, policy_state_name(i), states[i]);
		r |= reply_add_u64(sub, "manual", manual);
		/*
		 * fwmark services are watched from IPVS's pick on, by their real
		 * destinations: one that two of them share is judged in the first
		 */
		r |= reply_add_u64(sub, "fwmark", marked);
		r |=
		    reply_add_u64(sub, "fwmark_shared_destinations", st->rt ? st->rt->n_shared : 0);
	}
	r |= reply_add(o, "services", sub);

	sub = json_object_new_object();
	if (sub) {
		r |= reply_add_str(sub, "mechanism",
				   st->reset_mechanism ? st->reset_mechanism : "none");
		if (!st->reset_mechanism)
			r |= reply_add_str(sub, "why",
					   st->watching ? "not chosen yet"
							: "connections are not watched");
		else if (st->reset_why && *st->reset_why)
			r |= reply_add_str(sub, "why", st->reset_why);
		r |= reply_add_u64(sub, "count", st->resets);
		r |= reply_add_u64(sub, "failed", st->resets_failed);
		r |= reply_add_u64(sub, "sweeps", st->reset_sweeps);
		r |= reply_add_u64(sub, "targets", st->reset_targets);
	}
	r |= reply_add(o, "resets", sub);

	sub = json_object_new_object();
	if (sub) {
		r |= reply_add_u64(sub, "clients", st->clients);
		r |= reply_add_u64(sub, "followers", st->subscribers);
	}
	r |= reply_add(o, "control", sub);
	return reply_finish(o, r);
}

static int flow_fields(struct json_object *o, const struct vigil_flow *flow)
{
	char text[ADDR_PORT_STRLEN];
	int r = 0;

	r |= reply_add_str(o, "protocol", config_protocol_name(flow->protocol));
	/* no client port: vigild's own check (degraded mode), no client behind it */
	if (flow->cport) {
		addr_port_format(flow->family, &flow->caddr, flow->cport, text, sizeof(text));
		r |= reply_add_str(o, "client", text);
	}
	addr_port_format(flow->family, &flow->vaddr, flow->vport, text, sizeof(text));
	r |= reply_add_str(o, "vip", text);
	return r;
}

struct json_object *render_evidence(const struct evidence *ev, const char *service,
				    int64_t mono_to_real_ns, uint64_t now_ns)
{
	struct json_object *o = json_object_new_object();
	char text[ADDR_PORT_STRLEN], when[40], num[16];
	int r = 0;

	if (!o)
		return NULL;
	r |= reply_add_str(o, "event", "evidence");
	render_time((int64_t)ev->at_ns + mono_to_real_ns, when, sizeof(when));
	r |= reply_add_str(o, "time", when);
	r |= reply_add_str(o, "kind", evidence_kind_name(ev->kind));
	r |= reply_add_str(o, "service", service);
	addr_port_format(ev->real.family, &ev->real.addr, ev->real.port, text, sizeof(text));
	r |= reply_add_str(o, "real", text);
	r |= flow_fields(o, &ev->flow);
	r |= reply_add_double(o, "age_ms", now_ns > ev->at_ns ? (now_ns - ev->at_ns) / 1e6 : 0, 2);
	if (ev->error)
		r |= reply_add_str(o, "error", event_error_name(ev->error, num, sizeof(num)));
	return reply_finish(o, r);
}

struct json_object *render_reset(const struct vigil_flow *flow, const struct vigil_real *real,
				 uint64_t stalled_ns, int error, const char *service,
				 const char *mechanism, uint64_t at_ns, int64_t mono_to_real_ns)
{
	struct json_object *o = json_object_new_object();
	char text[ADDR_PORT_STRLEN], when[40], num[16];
	int r = 0;

	if (!o)
		return NULL;
	r |= reply_add_str(o, "event", "reset");
	render_time((int64_t)at_ns + mono_to_real_ns, when, sizeof(when));
	r |= reply_add_str(o, "time", when);
	r |= reply_add_str(o, "service", service);
	addr_port_format(real->family, &real->addr, real->port, text, sizeof(text));
	r |= reply_add_str(o, "real", text);
	r |= flow_fields(o, flow);
	r |= reply_add_u64(o, "stalled_ms", stalled_ns / 1000000);
	r |= reply_add_str(o, "mechanism", mechanism);
	if (error)
		r |= reply_add_str(o, "error", event_error_name(-error, num, sizeof(num)));
	return reply_finish(o, r);
}

struct json_object *render_decision(const struct policy_decision *d, const char *service,
				    const struct config_addr *real, const struct evidence *cause,
				    int64_t mono_to_real_ns)
{
	struct json_object *o = json_object_new_object();
	char text[ADDR_PORT_STRLEN], when[40];
	int r = 0;

	if (!o)
		return NULL;
	r |= reply_add_str(o, "event", "decision");
	render_time((int64_t)d->at_ns + mono_to_real_ns, when, sizeof(when));
	r |= reply_add_str(o, "time", when);
	r |= reply_add_str(o, "action", policy_action_name(d->action));
	r |= reply_add_str(o, "service", service);
	if (config_addr_format(real, text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "?");
	r |= reply_add_str(o, "real", text);
	r |= reply_add_str(o, "from", policy_state_name(d->from));
	r |= reply_add_str(o, "to", policy_state_name(d->to));
	if (d->action == POLICY_ACT_QUARANTINE || d->action == POLICY_ACT_PROBE_FAILED ||
	    d->action == POLICY_ACT_MANUAL_QUARANTINE) {
		/* for_ms null: until the operator releases it */
		if (d->until_ns == POLICY_NEVER)
			r |= reply_add_null(o, "for_ms");
		else
			r |= reply_add_u64(o, "for_ms", d->duration_ns / 1000000);
		r |= reply_add_u64(o, "relapses", d->relapses);
	}
	if (d->evidence)
		r |= reply_add_str(o, "evidence", evidence_kind_name(d->evidence));
	if (cause)
		r |= flow_fields(o, &cause->flow);
	return reply_finish(o, r);
}

struct json_object *render_events(struct json_object *const *recent, size_t n, size_t first,
				  bool follow)
{
	struct json_object *o = reply_new(), *list = json_object_new_array();
	size_t i;
	int r = 0;

	if (!o || !list) {
		json_object_put(list);
		return reply_finish(o, -ENOMEM);
	}
	r |= reply_add_bool(o, "follow", follow);
	for (i = 0; i < n && !r; i++) {
		struct json_object *e = recent[(first + i) % n];

		/* shared with the ring: the reply holds its own reference */
		if (e && reply_append(list, json_object_get(e))) {
			json_object_put(e);
			r = -ENOMEM;
		}
	}
	return reply_finish(o, reply_add_array(o, "events", list, r));
}

struct json_object *render_target(const struct runtime_service *s, size_t j, bool changed,
				  uint64_t now_ns)
{
	const struct policy_dest *p = &s->policy.dests[j];
	struct json_object *o = reply_new();
	char real[CONFIG_ADDR_STRLEN];
	int r = 0;

	if (!o)
		return NULL;
	if (config_addr_format(&s->cs->dests[j].addr, real, sizeof(real)) < 0)
		snprintf(real, sizeof(real), "?");
	r |= reply_add_str(o, "service", s->cs->name);
	r |= reply_add_str(o, "dest", real);
	r |= reply_add_bool(o, "changed", changed);
	r |= reply_add_str(o, "state", policy_state_name(p->state));
	/* for_ms null: until the operator releases it */
	if (p->state == POLICY_QUARANTINED) {
		if (p->until_ns == POLICY_NEVER)
			r |= reply_add_null(o, "for_ms");
		else
			r |= reply_add_u64(o, "for_ms",
					   p->until_ns > now_ns ? (p->until_ns - now_ns) / 1000000
								: 0);
	}
	/* false: IPVS could not be programmed (see the log); the next pass retries */
	r |= reply_add_bool(o, "applied", s->applied[j] == runtime_weight(s, j, now_ns));
	return reply_finish(o, r);
}

struct json_object *render_reload(const char *config_path, size_t services)
{
	struct json_object *o = reply_new();
	int r = 0;

	if (!o)
		return NULL;
	r |= reply_add_str(o, "config", config_path);
	r |= reply_add_u64(o, "services", services);
	return reply_finish(o, r);
}
