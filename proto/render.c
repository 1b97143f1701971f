// SPDX-License-Identifier: GPL-2.0-only
#include "render.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "event.h"
#include "reconcile.h"

/* Adders: 0, or -ENOMEM (the value is freed); chained with |= and checked once. */
static int add(struct json_object *o, const char *key, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static int add_str(struct json_object *o, const char *key, const char *v)
{
	return add(o, key, json_object_new_string(v));
}

static int add_u64(struct json_object *o, const char *key, uint64_t v)
{
	return add(o, key, json_object_new_uint64(v));
}

static int add_bool(struct json_object *o, const char *key, bool v)
{
	return add(o, key, json_object_new_boolean(v));
}

static int add_double(struct json_object *o, const char *key, double v, int decimals)
{
	char text[32];

	/* fixed precision: a score of 0.8500000000000001 helps nobody */
	snprintf(text, sizeof(text), "%.*f", decimals, v);
	return add(o, key, json_object_new_double_s(v, text));
}

static int add_null(struct json_object *o, const char *key)
{
	return json_object_object_add(o, key, NULL) ? -ENOMEM : 0;
}

static int append(struct json_object *array, struct json_object *v)
{
	return json_object_array_add(array, v) ? -ENOMEM : 0;
}

/* Adds the array under KEY if building it went well (R is 0); else frees it. */
static int add_array(struct json_object *o, const char *key, struct json_object *array, int r)
{
	if (r) {
		json_object_put(array);
		return r;
	}
	return add(o, key, array);
}

static struct json_object *finish(struct json_object *o, int r)
{
	if (!r)
		return o;
	json_object_put(o);
	errno = ENOMEM;
	return NULL;
}

static struct json_object *new_reply(void)
{
	struct json_object *o = json_object_new_object();

	if (o && add_bool(o, "ok", true)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

void render_time(int64_t real_ns, char *buf, size_t size)
{
	time_t sec = real_ns / 1000000000;
	struct tm tm;

	gmtime_r(&sec, &tm);
	/* not strftime(): glibc's calls tzset(), which reads /etc/localtime */
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(real_ns / 1000000 % 1000));
}

const char *render_protocol(uint16_t protocol, char *buf, size_t size)
{
	switch (protocol) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_SCTP:
		return "sctp";
	}
	snprintf(buf, size, "proto-%u", protocol);
	return buf;
}

const char *render_forward(uint32_t fwd)
{
	static const char *const names[] = {
		[IPVS_FWD_MASQ] = "masq",     [IPVS_FWD_LOCAL] = "local",
		[IPVS_FWD_TUNNEL] = "tunnel", [IPVS_FWD_ROUTE] = "route",
		[IPVS_FWD_BYPASS] = "bypass",
	};

	return fwd < sizeof(names) / sizeof(names[0]) ? names[fwd] : "?";
}

/* The kernel's IPVS version, 0x010203, as "1.2.3". */
static void ipvs_version_format(uint32_t version, char *buf, size_t size)
{
	snprintf(buf, size, "%u.%u.%u", version >> 16, (version >> 8) & 0xff, version & 0xff);
}

static void ipvs_addr_format(uint16_t af, const union ipvs_addr *addr, uint16_t port, char *buf,
			     size_t size)
{
	struct config_addr a = { .family = af, .port = port };

	memcpy(a.addr, addr, af == AF_INET6 ? 16 : 4);
	if (config_addr_format(&a, buf, size) < 0)
		snprintf(buf, size, "?");
}

static struct json_object *stats_json(const struct ipvs_stats *s)
{
	struct json_object *o = json_object_new_object();
	int r = 0;

	if (!o)
		return NULL;
	r |= add_u64(o, "conns", s->conns);
	r |= add_u64(o, "inpkts", s->inpkts);
	r |= add_u64(o, "outpkts", s->outpkts);
	r |= add_u64(o, "inbytes", s->inbytes);
	r |= add_u64(o, "outbytes", s->outbytes);
	r |= add_u64(o, "cps", s->cps);
	r |= add_u64(o, "inpps", s->inpps);
	r |= add_u64(o, "outpps", s->outpps);
	r |= add_u64(o, "inbps", s->inbps);
	r |= add_u64(o, "outbps", s->outbps);
	return finish(o, r);
}

/* The service's key and settings, as the kernel or the config has them. */
static int service_fields(struct json_object *o, const struct ipvs_service *svc)
{
	char text[ADDR_PORT_STRLEN], proto[16];
	int r = 0;

	r |= add_str(o, "family", svc->af == AF_INET6 ? "inet6" : "inet");
	if (svc->fwmark) {
		r |= add_u64(o, "fwmark", svc->fwmark);
	} else {
		r |= add_str(o, "protocol", render_protocol(svc->protocol, proto, sizeof(proto)));
		ipvs_addr_format(svc->af, &svc->addr, svc->port, text, sizeof(text));
		r |= add_str(o, "vip", text);
	}
	r |= add_str(o, "scheduler", svc->scheduler);
	if (svc->flags & IPVS_SVC_F_PERSISTENT) {
		r |= add_u64(o, "persistent", svc->timeout);
		r |=
		    add_u64(o, "netmask", svc->af == AF_INET6 ? svc->netmask : ntohl(svc->netmask));
	}
	if (svc->pe_name[0])
		r |= add_str(o, "pe", svc->pe_name);
	if (svc->flags & IPVS_SVC_F_ONEPACKET)
		r |= add_bool(o, "ops", true);
	return r;
}

static int kernel_dest_fields(struct json_object *o, const struct ipvs_dest *d)
{
	int r = 0;

	r |= add_str(o, "forward", render_forward(d->fwd));
	r |= add_u64(o, "weight", d->weight);
	r |= add_u64(o, "active_conns", d->active_conns);
	r |= add_u64(o, "inactive_conns", d->inactive_conns);
	r |= add_u64(o, "persist_conns", d->persist_conns);
	r |= add(o, "stats", stats_json(&d->stats));
	return r;
}

static struct json_object *kernel_dest_json(const struct ipvs_dest *d)
{
	struct json_object *o = json_object_new_object();
	char text[ADDR_PORT_STRLEN];
	int r = 0;

	if (!o)
		return NULL;
	ipvs_addr_format(d->af, &d->addr, d->port, text, sizeof(text));
	r |= add_str(o, "address", text);
	r |= add_bool(o, "managed", false);
	r |= add_bool(o, "in_kernel", true);
	r |= kernel_dest_fields(o, d);
	return finish(o, r);
}

static void dest_key(const struct config_addr *a, struct ipvs_dest *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->af = a->family;
	ret->port = a->port;
	memcpy(&ret->addr, a->addr, a->family == AF_INET6 ? 16 : 4);
}

static const struct ipvs_dest *find_dest(const struct ipvs_table_service *ks,
					 const struct ipvs_dest *key)
{
	size_t i;

	for (i = 0; ks && i < ks->n_dests; i++)
		if (!reconcile_dest_cmp(&ks->dests[i], key))
			return &ks->dests[i];
	return NULL;
}

static struct json_object *managed_dest_json(const struct runtime_service *s, size_t j,
					     const struct ipvs_table_service *ks, uint64_t now_ns)
{
	const struct policy_dest *p = &s->policy.dests[j];
	const struct health_dest_status *h =
	    s->health && j < health_count(s->health) ? health_dest(s->health, j) : NULL;
	struct json_object *o = json_object_new_object();
	const struct ipvs_dest *kd;
	char text[ADDR_PORT_STRLEN];
	struct ipvs_dest key;
	uint32_t want;
	int r = 0;

	if (!o)
		return NULL;
	dest_key(&s->cs->dests[j].addr, &key);
	kd = find_dest(ks, &key);
	config_addr_format(&s->cs->dests[j].addr, text, sizeof(text));
	r |= add_str(o, "address", text);
	r |= add_bool(o, "managed", true);
	r |= add_str(o, "state", policy_state_name(p->state));
	if (p->manual)
		r |= add_bool(o, "manual", true);
	r |= add_u64(o, "configured_weight", s->cs->dests[j].weight);
	/* what vigild last programmed; unknown before its first pass */
	if (s->applied[j] == RUNTIME_UNKNOWN)
		r |= add_null(o, "effective_weight");
	else
		r |= add_u64(o, "effective_weight",
			     s->applied[j] == RUNTIME_REMOVED ? 0 : s->applied[j]);
	want = runtime_weight(s, j, now_ns);
	r |= add_u64(o, "desired_weight", want == RUNTIME_REMOVED ? 0 : want);
	r |= add_double(o, "score", h ? h->score : 1.0, 2);
	if (h && h->measured) {
		r |= add_double(o, "rtt_ms", h->rtt_us / 1000.0, 3);
		r |= add_double(o, "loss", h->loss, 4);
	}
	r |= add_u64(o, "quarantines", p->quarantines);
	r |= add_u64(o, "relapses", p->relapses);
	if (p->state == POLICY_QUARANTINED && p->until_ns != POLICY_NEVER)
		r |= add_u64(o, "remaining_ms",
			     p->until_ns > now_ns ? (p->until_ns - now_ns) / 1000000 : 0);
	r |= add_bool(o, "in_kernel", kd != NULL);
	if (kd)
		r |= kernel_dest_fields(o, kd);
	return finish(o, r);
}

static struct json_object *service_json(const struct runtime_service *s,
					const struct ipvs_table_service *ks, uint64_t now_ns)
{
	struct json_object *o = json_object_new_object(), *dests = json_object_new_array();
	const struct ipvs_service *svc = ks ? &ks->svc : &s->key;
	size_t i, j;
	int r = 0;

	if (!o || !dests) {
		json_object_put(dests);
		return finish(o, -ENOMEM);
	}
	if (s)
		r |= add_str(o, "name", s->cs->name);
	r |= add_bool(o, "managed", s != NULL);
	r |= service_fields(o, svc);
	r |= add_bool(o, "in_kernel", ks != NULL);
	if (ks)
		r |= add(o, "stats", stats_json(&ks->svc.stats));
	for (j = 0; s && j < s->cs->n_dests && !r; j++)
		r |= append(dests, managed_dest_json(s, j, ks, now_ns));
	/* what someone else added to the service, after vigil's own */
	for (i = 0; ks && i < ks->n_dests && !r; i++) {
		struct config_addr a = { .family = ks->dests[i].af, .port = ks->dests[i].port };

		memcpy(a.addr, &ks->dests[i].addr, a.family == AF_INET6 ? 16 : 4);
		if (s && runtime_dest_index(s, &a) >= 0)
			continue;
		r |= append(dests, kernel_dest_json(&ks->dests[i]));
	}
	return finish(o, add_array(o, "destinations", dests, r));
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

struct json_object *render_list(const struct runtime *rt, const struct ipvs_table *kernel,
				const struct ipvs_info *info, uint64_t now_ns)
{
	struct json_object *o = new_reply(), *svcs = json_object_new_array(), *ipvs;
	size_t i;
	int r = 0;

	if (!o || !svcs) {
		json_object_put(svcs);
		return finish(o, -ENOMEM);
	}
	if (info) {
		char version[16];

		ipvs = json_object_new_object();
		ipvs_version_format(info->version, version, sizeof(version));
		r |= ipvs ? add_str(ipvs, "version", version) : -ENOMEM;
		r |= ipvs ? add_u64(ipvs, "size", info->conn_tab_size) : 0;
		r |= add(o, "ipvs", ipvs);
	}
	r |= add_bool(o, "agent", rt != NULL);
	r |= add_bool(o, "kernel", kernel != NULL);
	for (i = 0; rt && i < rt->n_services && !r; i++) {
		const struct runtime_service *s = &rt->services[i];

		r |= append(svcs, service_json(s, find_service(kernel, &s->key), now_ns));
	}
	for (i = 0; kernel && i < kernel->n_services && !r; i++) {
		const struct ipvs_table_service *ks = &kernel->services[i];

		if (rt && runtime_service_of(rt, &ks->svc))
			continue;
		r |= append(svcs, service_json(NULL, ks, now_ns));
	}
	return finish(o, add_array(o, "services", svcs, r));
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
	r |= add_bool(o, "works", c->state == DEGRADED_ATTACHED);
	r |= add_str(o, "state", degraded_state_name(c->state));
	/* attached is not working: seen delivering, or found silent (selfcheck.h) */
	if (c->how[0]) {
		r |= add_str(o, "attached", c->how);
		r |= add_bool(o, "verified", c->verified);
	}
	if (c->state == DEGRADED_SILENT)
		r |= add_str(o, "silent", c->silent);
	if (c->state == DEGRADED_UNUSED)
		r |= add_str(o, "unused_because",
			     cap == DEGRADED_EVENTS
				 ? "without the real destination no event can be attributed"
				 : "without the connection events it has nothing to attribute");
	/* attached through a fallback: why not the preferred program */
	if (c->why[0])
		r |= add_str(o,
			     c->state == DEGRADED_ATTACHED || c->state == DEGRADED_SILENT
				 ? "fell_back"
				 : "missing",
			     c->why);
	if (c->state == DEGRADED_OFF)
		r |= add_str(o, "why", "health weighting is off in the config");
	instead = degraded_instead(st->degraded, cap, st->fallback_ms, st->fallback_dests, text,
				   sizeof(text));
	if (instead)
		r |= add_str(o, "instead", instead);
	return finish(o, r);
}

static struct json_object *degraded_json(const struct render_status *st)
{
	struct json_object *o = json_object_new_object();
	size_t i;
	int r = 0;

	if (!o)
		return NULL;
	r |= add_bool(o, "active", degraded_any(st->degraded));
	for (i = 0; i < DEGRADED_N_CAPS; i++)
		r |= add(o, degraded_cap_name(i), capability_json(st, i));
	return finish(o, r);
}

struct json_object *render_status(const struct render_status *st)
{
	size_t states[POLICY_RAMPING + 1] = { 0 }, manual = 0, dests = 0, i, j;
	struct json_object *o = new_reply(), *sub;
	char when[40];
	int r = 0;

	if (!o)
		return NULL;
	r |= add_str(o, "version", st->version);
	r |= add_str(o, "kernel", st->kernel);
	r |= add_str(o, "machine", st->machine);
	r |= add_str(o, "config", st->config_path);
	r |= add_str(o, "socket", st->control_path);
	r |= st->metrics ? add_str(o, "metrics", st->metrics) : add_null(o, "metrics");
	render_time(st->started_real_ns, when, sizeof(when));
	r |= add_str(o, "started", when);
	r |= add_u64(o, "uptime_s", st->uptime_ns / 1000000000);
	if (st->ipvs_version) {
		char version[16];

		ipvs_version_format(st->ipvs_version, version, sizeof(version));
		r |= add_str(o, "ipvs_version", version);
	}

	if (st->degraded)
		r |= add(o, "degraded", degraded_json(st));

	sub = json_object_new_object();
	if (sub) {
		r |= add_bool(sub, "watching", st->watching);
		if (st->watching) {
			r |= add_str(sub, "attached", st->attached ? st->attached : "");
			r |= add_bool(sub, "sockops", st->sockops);
		}
		if (st->have_counters) {
			r |= add_u64(sub, "events", st->events);
			r |= add_u64(sub, "ringbuf_drops", st->ringbuf_drops);
			r |= add_u64(sub, "resyncs", st->resyncs);
			r |= add_u64(sub, "flow_errors", st->flow_errors);
			r |= add_u64(sub, "flows_missing", st->flows_missing);
			r |= add_u64(sub, "health_errors", st->health_errors);
			r |= add_u64(sub, "missed", st->missed);
			r |= add_u64(sub, "bad_records", st->bad_records);
		}
	}
	r |= add(o, "probes", sub);

	sub = json_object_new_object();
	if (sub) {
		r |= add_u64(sub, "evidence", st->evidence);
		r |= add_u64(sub, "decisions", st->decisions);
		if (st->have_detector) {
			r |= add_u64(sub, "attempts", st->detector.attempts);
			r |= add_u64(sub, "rtt_dests", st->detector.dests);
			r |= add_u64(sub, "attempts_forgotten", st->detector.attempts_forgotten);
			r |= add_u64(sub, "rtt_dests_forgotten", st->detector.dests_forgotten);
		}
	}
	r |= add(o, "detection", sub);

	sub = json_object_new_object();
	if (sub && st->reconcile_real_ns) {
		render_time(st->reconcile_real_ns, when, sizeof(when));
		r |= add_str(sub, "time", when);
		r |= add_str(sub, "why", st->reconcile_why ? st->reconcile_why : "");
		r |= add_double(sub, "duration_ms", st->reconcile_ms, 1);
		r |= add_u64(sub, "ops", st->reconcile_ops);
		r |= add_u64(sub, "failed", st->reconcile_failed);
	}
	if (sub)
		r |= add_u64(sub, "skipped_since", st->reconcile_skipped);
	r |= add(o, "last_reconcile", sub);

	for (i = 0; st->rt && i < st->rt->n_services; i++) {
		const struct policy_service *p = &st->rt->services[i].policy;

		for (j = 0; j < p->n_dests; j++) {
			if (p->dests[j].state <= POLICY_RAMPING)
				states[p->dests[j].state]++;
			manual += p->dests[j].manual;
			dests++;
		}
	}
	sub = json_object_new_object();
	if (sub) {
		r |= add_u64(sub, "services", st->rt ? st->rt->n_services : 0);
		r |= add_u64(sub, "owned", st->owned);
		r |= add_u64(sub, "unclaimed", st->unclaimed);
		r |= add_u64(sub, "destinations", dests);
		for (i = 0; i <= POLICY_RAMPING; i++)
			r |= add_u64(sub, policy_state_name(i), states[i]);
		r |= add_u64(sub, "manual", manual);
	}
	r |= add(o, "services", sub);

	sub = json_object_new_object();
	if (sub) {
		r |= add_u64(sub, "clients", st->clients);
		r |= add_u64(sub, "followers", st->subscribers);
	}
	r |= add(o, "control", sub);
	return finish(o, r);
}

static int flow_fields(struct json_object *o, const struct vigil_flow *flow)
{
	char text[ADDR_PORT_STRLEN];
	int r = 0;

	r |= add_str(o, "protocol", config_protocol_name(flow->protocol));
	/* no client port: vigild's own check (degraded mode), no client behind it */
	if (flow->cport) {
		addr_port_format(flow->family, &flow->caddr, flow->cport, text, sizeof(text));
		r |= add_str(o, "client", text);
	}
	addr_port_format(flow->family, &flow->vaddr, flow->vport, text, sizeof(text));
	r |= add_str(o, "vip", text);
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
	r |= add_str(o, "event", "evidence");
	render_time((int64_t)ev->at_ns + mono_to_real_ns, when, sizeof(when));
	r |= add_str(o, "time", when);
	r |= add_str(o, "kind", evidence_kind_name(ev->kind));
	r |= add_str(o, "service", service);
	addr_port_format(ev->real.family, &ev->real.addr, ev->real.port, text, sizeof(text));
	r |= add_str(o, "real", text);
	r |= flow_fields(o, &ev->flow);
	r |= add_double(o, "age_ms", now_ns > ev->at_ns ? (now_ns - ev->at_ns) / 1e6 : 0, 2);
	if (ev->error)
		r |= add_str(o, "error", event_error_name(ev->error, num, sizeof(num)));
	return finish(o, r);
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
	r |= add_str(o, "event", "decision");
	render_time((int64_t)d->at_ns + mono_to_real_ns, when, sizeof(when));
	r |= add_str(o, "time", when);
	r |= add_str(o, "action", policy_action_name(d->action));
	r |= add_str(o, "service", service);
	if (config_addr_format(real, text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "?");
	r |= add_str(o, "real", text);
	r |= add_str(o, "from", policy_state_name(d->from));
	r |= add_str(o, "to", policy_state_name(d->to));
	if (d->action == POLICY_ACT_QUARANTINE || d->action == POLICY_ACT_PROBE_FAILED ||
	    d->action == POLICY_ACT_MANUAL_QUARANTINE) {
		/* for_ms null: until the operator releases it */
		if (d->until_ns == POLICY_NEVER)
			r |= add_null(o, "for_ms");
		else
			r |= add_u64(o, "for_ms", d->duration_ns / 1000000);
		r |= add_u64(o, "relapses", d->relapses);
	}
	if (d->evidence)
		r |= add_str(o, "evidence", evidence_kind_name(d->evidence));
	if (cause)
		r |= flow_fields(o, &cause->flow);
	return finish(o, r);
}
