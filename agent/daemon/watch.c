// SPDX-License-Identifier: GPL-2.0-only
/*
 * Watching the connections: events from the BPF programs go to the detector,
 * its evidence to each service's policy, the policy's decisions to IPVS (through
 * agent_apply_service), probes and timers close the loop. The TCP health the
 * sockops program measures adjusts the weights of the destinations in
 * rotation. Every evidence and decision is logged, one key=value line each,
 * and told to the control socket's followers.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "agent-internal.h"
#include "log.h"

#define MAX_ATTEMPTS 65536 /* connection attempts the detector follows */
#define MAX_DESTS    16384 /* destinations whose RTT it remembers */
#define TICK_BATCH   16

static const char *service_name(const struct runtime_service *s)
{
	return s->cs->name;
}

static void dest_text(const struct runtime_service *s, size_t dest, char *buf, size_t size)
{
	config_addr_format(&s->cs->dests[dest].addr, buf, size);
}

/* Degraded mode's checks, told from probation's probes in the token. */
#define TOKEN_CHECK 0x80000000u

/* A probe's token: which service and destination, in the runtime of now. */
static uint64_t token_of(const struct agent *a, const struct runtime_service *s, size_t dest)
{
	return (uint64_t)(s - a->rt->services) << 32 | dest;
}

static void handle_evidence(struct agent *a, const struct evidence *ev);
static void vip_of(const struct runtime_service *s, struct vigil_vip *ret);

/* A degraded-mode check ended: a failure is evidence like a client's. */
static void on_check_done(struct agent *a, size_t svc, size_t dest, bool passed, int err)
{
	struct runtime_service *s = &a->rt->services[svc];
	const struct config_addr *addr = &s->cs->dests[dest].addr;
	struct evidence ev = { .kind = EVIDENCE_PROBE_FAILED, .error = err };
	struct vigil_vip vip;

	if (svc >= a->n_fallback || fallback_done(&a->fallback[svc], dest, agent_now_ns()) < 0)
		return;
	if (passed)
		return;
	ev.at_ns = agent_now_ns();
	vip_of(s, &vip);
	ev.flow.family = vip.family;
	ev.flow.protocol = vip.protocol;
	ev.flow.vaddr = vip.addr;
	ev.flow.vport = vip.port;
	ev.real.family = addr->family == AF_INET6 ? VIGIL_AF_INET6 : VIGIL_AF_INET;
	ev.real.port = addr->port;
	memcpy(&ev.real.addr, addr->addr, addr->family == AF_INET6 ? 16 : 4);
	handle_evidence(a, &ev);
}

static void on_probe_done(void *data, uint64_t token, bool passed, int err)
{
	struct agent *a = data;
	size_t svc = token >> 32, dest = token & ~TOKEN_CHECK & 0xffffffff;
	struct policy_decision d;
	struct runtime_service *s;
	char real[ADDR_PORT_STRLEN];

	if (svc >= a->rt->n_services || dest >= a->rt->services[svc].cs->n_dests)
		return;
	if (token & TOKEN_CHECK) {
		on_check_done(a, svc, dest, passed, err);
		watch_rearm(a);
		return;
	}
	s = &a->rt->services[svc];
	dest_text(s, dest, real, sizeof(real));
	log_info("probe service=%s real=%s result=%s%s%s", service_name(s), real,
		 passed ? "passed" : "failed",
		 passed ? "" : " error=", passed ? "" : strerror(err));
	if (policy_on_probe(&s->policy, dest, passed, agent_now_ns(), &d) == 1)
		watch_decide(a, s, &d, NULL, 0);
	watch_rearm(a);
}

static void start_probe(struct agent *a, struct runtime_service *s, size_t dest)
{
	uint64_t timeout = s->cs->policy.probation.timeout_ms * 1000000ull;
	struct policy_decision d;
	int r;

	r = a->tcpcheck ? tcpcheck_start(a->tcpcheck, token_of(a, s, dest),
					 &s->cs->dests[dest].addr, timeout)
			: -ENOTCONN;
	/* every probe asked for gets its answer: one that could not start failed */
	if (r < 0 && policy_on_probe(&s->policy, dest, false, agent_now_ns(), &d) == 1)
		watch_decide(a, s, &d, NULL, 0);
}

void watch_decide(struct agent *a, struct runtime_service *s, const struct policy_decision *d,
		  const struct evidence *cause, uint64_t origin_ns)
{
	char real[ADDR_PORT_STRLEN], until[64] = "";

	a->decision_count++;
	if ((unsigned int)d->action < AGENT_ACTIONS)
		a->decisions[d->action]++;
	dest_text(s, d->dest, real, sizeof(real));
	if (d->action == POLICY_ACT_QUARANTINE || d->action == POLICY_ACT_PROBE_FAILED ||
	    d->action == POLICY_ACT_MANUAL_QUARANTINE)
		snprintf(until, sizeof(until), " for_ms=%llu relapses=%u",
			 (unsigned long long)(d->duration_ns / 1000000), d->relapses);
	log_notice("decision action=%s service=%s real=%s state=%s->%s%s%s%s",
		   policy_action_name(d->action), service_name(s), real, policy_state_name(d->from),
		   policy_state_name(d->to), until, d->evidence ? " evidence=" : "",
		   d->evidence ? evidence_kind_name(d->evidence) : "");
	switch (d->action) {
	case POLICY_ACT_PROBE:
		start_probe(a, s, d->dest);
		break;
	case POLICY_ACT_FAIL_OPEN:
		break;
	default:
		agent_apply_service(a, s, origin_ns);
		agent_save_state(a);
	}
	/*
	 * IPVS first, then the control socket's followers (the evidence that
	 * caused it, then the decision): rendering JSON is not on the path from
	 * evidence to weight 0.
	 */
	if (cause)
		commands_evidence(a, s, cause);
	commands_decision(a, s, d, cause);
}

/* Evidence that counts: logged, counted and judged by its service's policy. */
static void judge_evidence(struct agent *a, const struct evidence *ev)
{
	char client[ADDR_PORT_STRLEN], vip[ADDR_PORT_STRLEN], real[ADDR_PORT_STRLEN];
	struct runtime_service *s;
	struct policy_decision d;
	ssize_t dest;

	s = runtime_find(a->rt, &ev->flow, &ev->real, &dest);
	addr_port_format(ev->real.family, &ev->real.addr, ev->real.port, real, sizeof(real));
	if (!s || dest < 0) {
		log_debug("evidence against %s, which no service has", real);
		return;
	}
	a->evidence_count++;
	runtime_count_evidence(s, dest, ev->kind);
	/* vigild's own checks have no client */
	if (ev->flow.cport)
		addr_port_format(ev->flow.family, &ev->flow.caddr, ev->flow.cport, client,
				 sizeof(client));
	else
		snprintf(client, sizeof(client), "-");
	addr_port_format(ev->flow.family, &ev->flow.vaddr, ev->flow.vport, vip, sizeof(vip));
	log_info("evidence kind=%s service=%s real=%s client=%s vip=%s age_ms=%.2f%s%s",
		 evidence_kind_name(ev->kind), service_name(s), real, client, vip,
		 (agent_now_ns() - ev->at_ns) / 1e6, ev->error ? " error=" : "",
		 ev->error ? strerror(ev->error) : "");
	/* evidence that makes a decision is told with it, once IPVS has it */
	if (policy_on_evidence(&s->policy, dest, ev->kind, agent_now_ns(), &d) == 1)
		watch_decide(a, s, &d, ev, ev->at_ns);
	else
		commands_evidence(a, s, ev);
}

/* Evidence, unless what would have answered it is not known to arrive (selfcheck_gate). */
static void handle_evidence(struct agent *a, const struct evidence *ev)
{
	switch (selfcheck_gate(&a->selfcheck, ev->kind)) {
	case SELFCHECK_HOLD:
		/* the oldest goes first: a late syn-timeout still means as much */
		if (a->n_held == WATCH_HELD)
			memmove(a->held, a->held + 1, --a->n_held * sizeof(a->held[0]));
		a->held[a->n_held++] = *ev;
		return;
	case SELFCHECK_DROP:
		log_debug("evidence kind=%s dropped: the connection events are silent",
			  evidence_kind_name(ev->kind));
		return;
	case SELFCHECK_PASS:
		judge_evidence(a, ev);
	}
}

static void selfcheck_apply(struct agent *a);

/*
 * What the event proves of the pipeline (selfcheck.h). The BPF side reports
 * only flows to the VIPs vigild gave it (and picks of those), so only a
 * connect needs its service, to know whether IPVS had anywhere to send it.
 */
static void observe(struct agent *a, const struct vigil_event *e)
{
	struct selfcheck *sc = &a->selfcheck;
	struct runtime_service *s;

	switch (e->kind) {
	case VIGIL_EV_CONNECT:
		s = runtime_find(a->rt, &e->flow, NULL, NULL);
		/* a service with no destination to pick gets no pick */
		if (s && runtime_schedulable(s))
			selfcheck_connect(sc, e->ts_ns);
		break;
	case VIGIL_EV_IPVS_PICK:
		selfcheck_pick(sc, e->ts_ns, e->flow.protocol == IPPROTO_TCP,
			       e->state == VIGIL_PICK_TASK);
		break;
	case VIGIL_EV_STATE:
		if (e->old_state == TCP_SYN_SENT && e->state == TCP_ESTABLISHED) {
			selfcheck_established(sc, e->ts_ns);
			break;
		}
		/* fall through */
	case VIGIL_EV_RETRANS:
	case VIGIL_EV_RESET:
	case VIGIL_EV_SOCK_ERROR:
		/* the flow of a pick: the programs read its socket right */
		if (e->real.family)
			selfcheck_event(sc, e->ts_ns);
		break;
	}
	if (sc->changed)
		selfcheck_apply(a);
}

static int on_event(const struct vigil_event *e, void *data)
{
	struct agent *a = data;
	struct evidence ev[DETECTOR_EVIDENCE_MAX];
	int i, n;

	observe(a, e);
	n = detector_on_event(a->detector, e, ev, DETECTOR_EVIDENCE_MAX);
	for (i = 0; i < n; i++)
		handle_evidence(a, &ev[i]);
	return 0;
}

static void consume(struct agent *a)
{
	int r = probes_consume(a->probes);

	if (r < 0)
		log_error("cannot read connection events: %s", strerror(-r));
}

static int on_events(struct loop *loop, int fd, uint32_t events, void *data)
{
	struct agent *a = data;

	consume(a);
	watch_rearm(a);
	return 0;
}

/* Non-urgent events wait in the ring buffer (see wakeup_flag in vigil.bpf.c). */
static int on_drain(struct loop *loop, void *data)
{
	return on_events(loop, -1, 0, data);
}

static void tick_policies(struct agent *a, uint64_t now)
{
	struct policy_decision d[TICK_BATCH];
	size_t i, j, n;

	for (i = 0; i < a->rt->n_services; i++) {
		struct runtime_service *s = &a->rt->services[i];

		if (policy_next_deadline(&s->policy) > now)
			continue;
		do {
			n = policy_tick(&s->policy, now, d, TICK_BATCH);
			for (j = 0; j < n; j++)
				watch_decide(a, s, &d[j], NULL, 0);
		} while (n == TICK_BATCH);
		/* a ramp's step changes a weight without a decision */
		agent_apply_service(a, s, 0);
	}
}

static void start_check(struct agent *a, size_t svc, size_t dest)
{
	struct runtime_service *s = &a->rt->services[svc];
	int r;

	r = a->tcpcheck ? tcpcheck_start(a->tcpcheck, token_of(a, s, dest) | TOKEN_CHECK,
					 &s->cs->dests[dest].addr, a->fallback[svc].timeout_ns)
			: -ENOTCONN;
	/* a check that cannot start failed, like a probation probe */
	if (r < 0)
		on_check_done(a, svc, dest, false, -r);
}

static void tick_fallback(struct agent *a, uint64_t now)
{
	size_t due[TICK_BATCH], i, j, n;

	for (i = 0; i < a->n_fallback; i++) {
		if (fallback_next_deadline(&a->fallback[i]) > now)
			continue;
		do {
			n = fallback_due(&a->fallback[i], &a->rt->services[i].policy, now, due,
					 TICK_BATCH);
			for (j = 0; j < n; j++)
				start_check(a, i, due[j]);
		} while (n == TICK_BATCH);
	}
}

/* How often at most the ring buffer's overflows are told (they come in bursts). */
#define RESYNC_WARN_NS (10 * 1000000000ull)

/*
 * Events the ring buffer dropped may be the answers of the attempts in
 * flight, which would then look unanswered: syn-timeouts against healthy
 * destinations. So when a drop is seen, before any attempt is judged, every
 * attempt in flight is forgotten and the evidence held with them; the
 * attempts after it are judged afresh.
 */
static void resync_after_drops(struct agent *a, uint64_t now)
{
	uint64_t ctr[VIGIL_CTR_MAX], lost;
	size_t n;

	if (probes_counters(a->probes, ctr) < 0 || ctr[VIGIL_CTR_RINGBUF_DROPS] == a->drops_seen)
		return;
	lost = ctr[VIGIL_CTR_RINGBUF_DROPS] - a->drops_seen;
	a->drops_seen = ctr[VIGIL_CTR_RINGBUF_DROPS];
	n = detector_forget_attempts(a->detector);
	n += a->n_held;
	a->n_held = 0;
	a->resyncs++;
	log_msg(now - a->resync_warned_ns >= RESYNC_WARN_NS || !a->resync_warned_ns ? LOG_WARNING
										    : LOG_DEBUG,
		"the ring buffer overflowed: %" PRIu64 " connection events lost; the %zu "
		"connection attempts in flight are not judged, since their answers may be "
		"among them (agent.ringbuf_size %" PRIu64 " bytes)",
		lost, n, (uint64_t)a->config->agent.ringbuf_size);
	if (now - a->resync_warned_ns >= RESYNC_WARN_NS || !a->resync_warned_ns)
		a->resync_warned_ns = now;
}

static int on_alarm(struct loop *loop, void *data)
{
	struct agent *a = data;
	struct evidence ev[64];
	uint64_t now;
	size_t i, n;

	/* an ESTABLISHED still in the ring buffer must not look like a missing one */
	if (a->probes)
		consume(a);
	now = agent_now_ns();
	/* a map read per due deadline, not per alarm of every kind */
	if (a->probes && a->detector && detector_next_deadline(a->detector) <= now)
		resync_after_drops(a, now);
	if (a->detector) {
		do {
			n = detector_expire(a->detector, now, ev, 64);
			for (i = 0; i < n; i++)
				handle_evidence(a, &ev[i]);
		} while (n == 64);
	}
	tick_policies(a, now);
	tick_fallback(a, now);
	watch_rearm(a);
	return 0;
}

int watch_get_counters(struct agent *a, struct watch_counters *ret)
{
	uint64_t ctr[VIGIL_CTR_MAX];
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!a->probes)
		return -ENOTCONN;
	r = probes_counters(a->probes, ctr);
	if (r < 0)
		return r;
	ret->events = ctr[VIGIL_CTR_EVENTS];
	ret->ringbuf_drops = ctr[VIGIL_CTR_RINGBUF_DROPS];
	ret->flow_errors = ctr[VIGIL_CTR_FLOW_ERRORS];
	ret->flows_missing = ctr[VIGIL_CTR_FLOWS_MISSING];
	ret->health_errors = ctr[VIGIL_CTR_HEALTH_ERRORS];
	ret->missed = probes_missed(a->probes);
	ret->resyncs = a->resyncs;
	ret->bad_records = probes_bad_records(a->probes);
	return 0;
}

void watch_rearm(struct agent *a)
{
	uint64_t next = runtime_next_deadline(a->rt);
	size_t i;

	for (i = 0; i < a->n_fallback; i++) {
		uint64_t d = fallback_next_deadline(&a->fallback[i]);

		if (d < next)
			next = d;
	}
	if (a->detector) {
		uint64_t d = detector_next_deadline(a->detector);

		if (d < next)
			next = d;
	}
	if (a->alarm)
		loop_alarm_set(a->alarm, next == POLICY_NEVER ? 0 : next);
}

/* Health: the sockops counters of every destination, one read per update. */
struct health_snapshot {
	struct vigil_real *reals;
	struct vigil_health *health;
	size_t n, cap;
};

static int snapshot_add(const struct vigil_real *real, const struct vigil_health *h, void *data)
{
	struct health_snapshot *snap = data;

	if (snap->n == snap->cap) {
		size_t cap = snap->cap ? 2 * snap->cap : 64;
		struct vigil_real *r = realloc(snap->reals, cap * sizeof(*r));
		struct vigil_health *hh;

		if (!r)
			return -ENOMEM;
		snap->reals = r;
		hh = realloc(snap->health, cap * sizeof(*hh));
		if (!hh)
			return -ENOMEM;
		snap->health = hh;
		snap->cap = cap;
	}
	snap->reals[snap->n] = *real;
	snap->health[snap->n++] = *h;
	return 0;
}

static const struct vigil_health *snapshot_lookup(const struct vigil_real *real, void *data)
{
	const struct health_snapshot *snap = data;
	size_t i;

	for (i = 0; i < snap->n; i++)
		if (!memcmp(&snap->reals[i], real, sizeof(*real)))
			return &snap->health[i];
	return NULL;
}

static int on_health(struct loop *loop, void *data)
{
	struct agent *a = data;
	struct health_snapshot snap = { 0 };
	uint64_t now = agent_now_ns();
	uint64_t conns = 0;
	size_t i;
	int r;

	/* the establishments consumed by now have been counted by sockops */
	consume(a);
	r = probes_health_read(a->probes, snapshot_add, &snap);
	if (r < 0) {
		log_error("cannot read the TCP health of the destinations: %s", strerror(-r));
		goto out;
	}
	for (i = 0; i < snap.n; i++)
		conns += snap.health[i].conns;
	selfcheck_health_conns(&a->selfcheck, now, conns);
	selfcheck_apply(a);
	/* silent: the configured weights (selfcheck_apply reset them) */
	if (a->selfcheck.caps[DEGRADED_HEALTH].verdict == SELFCHECK_SILENT)
		goto out;
	for (i = 0; i < a->rt->n_services; i++) {
		struct runtime_service *s = &a->rt->services[i];

		if (!s->cs->policy.health.enabled)
			continue;
		if (health_update(s->health, now, snapshot_lookup, &snap) > 0)
			agent_apply_service(a, s, 0);
	}
out:
	free(snap.reals);
	free(snap.health);
	return 0;
}

static const struct detector_timing *timing_of(const struct vigil_flow *flow, void *data)
{
	struct agent *a = data;
	struct runtime_service *s = runtime_find(a->rt, flow, NULL, NULL);

	return s ? &s->timing : NULL;
}

static void vip_of(const struct runtime_service *s, struct vigil_vip *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = s->key.af == AF_INET6 ? VIGIL_AF_INET6 : VIGIL_AF_INET;
	ret->protocol = s->key.protocol;
	ret->port = s->key.port;
	memcpy(&ret->addr, &s->key.addr, s->key.af == AF_INET6 ? 16 : 4);
}

/* every service the config can hold has its entry: none is left unwatched */
_Static_assert(CONFIG_MAX_SERVICES <= VIGIL_MAX_VIPS, "the vips map holds fewer than the config");

static void sync_vips(struct agent *a, const struct runtime *old)
{
	struct vigil_vip vip;
	size_t i;
	int r;

	for (i = 0; old && i < old->n_services; i++) {
		if (runtime_service_of(a->rt, &old->services[i].key))
			continue;
		vip_of(&old->services[i], &vip);
		probes_vip_del(a->probes, &vip);
	}
	for (i = 0; i < a->rt->n_services; i++) {
		vip_of(&a->rt->services[i], &vip);
		r = probes_vip_add(a->probes, &vip);
		if (r < 0)
			log_error("cannot watch the VIP of service %s: %s",
				  a->rt->services[i].cs->name, strerror(-r));
	}
}

/* The smallest health interval of the services that weight by health; 0: none. */
static uint64_t health_interval_ns(const struct config *c)
{
	uint64_t ms = 0;
	uint32_t i;

	for (i = 0; i < c->n_services; i++) {
		const struct config_health *h = &c->services[i].policy.health;

		if (h->enabled && (!ms || h->interval_ms < ms))
			ms = h->interval_ms;
	}
	return ms * 1000000ull;
}

static void start_health(struct agent *a)
{
	uint64_t interval = health_interval_ns(a->config);
	int r;

	loop_remove(a->loop, a->health_timer);
	a->health_timer = NULL;
	if (!interval || !a->probes || !probes_sockops_attached(a->probes))
		return;
	/* each service's own interval is kept by health_update */
	r = loop_add_timer(a->loop, interval, on_health, a, &a->health_timer);
	if (r < 0)
		log_error("cannot start health weighting: %s", strerror(-r));
}

static void stop_fallback(struct agent *a)
{
	size_t i;

	for (i = 0; i < a->n_fallback; i++)
		fallback_service_clear(&a->fallback[i]);
	free(a->fallback);
	a->fallback = NULL;
	a->n_fallback = 0;
	a->fallback_ms = 0;
	a->fallback_dests = 0;
}

/*
 * Degraded mode: without the connection probes, a schedule of active checks
 * for every service that can be checked with TCP (runtime order). Again
 * after a reload, since the services and their indexes change.
 */
static int start_fallback(struct agent *a)
{
	uint64_t now = agent_now_ns();
	size_t i;
	int r;

	stop_fallback(a);
	if (watch_watching(a) || !a->rt->n_services)
		return 0;
	a->fallback = calloc(a->rt->n_services, sizeof(*a->fallback));
	if (!a->fallback)
		return -ENOMEM;
	a->n_fallback = a->rt->n_services;
	for (i = 0; i < a->rt->n_services; i++) {
		const struct config_service *cs = a->rt->services[i].cs;

		if (!fallback_applies(cs))
			continue;
		r = fallback_service_init(&a->fallback[i], &cs->policy.fallback, cs->n_dests, now);
		if (r < 0) {
			stop_fallback(a);
			return r;
		}
		a->fallback_dests += cs->n_dests;
		if (!a->fallback_ms || cs->policy.fallback.interval_ms < a->fallback_ms)
			a->fallback_ms = cs->policy.fallback.interval_ms;
	}
	return 0;
}

void watch_degraded(const struct agent *a, struct degraded *ret)
{
	*ret = a->probes ? *probes_degraded(a->probes) : a->degraded;
	if (a->probes)
		selfcheck_overlay(&a->selfcheck, ret);
}

bool watch_watching(const struct agent *a)
{
	struct degraded d;

	if (!a->probes)
		return false;
	watch_degraded(a, &d);
	return degraded_watching(&d);
}

/* The one line that says what is missing and what vigild does instead. */
static void log_degraded(const struct agent *a)
{
	struct degraded d;
	char text[2048];

	watch_degraded(a, &d);
	degraded_summary(&d, true, a->fallback_ms, a->fallback_dests, text, sizeof(text));
	if (text[0])
		log_warning("degraded mode: %s", text);
}

static const char *const cap_words[DEGRADED_N_CAPS] = {
	[DEGRADED_EVENTS] = "connection events",
	[DEGRADED_CORRELATION] = "real destination",
	[DEGRADED_HEALTH] = "health metrics",
};

/* Says once what changed of capability CAP, and what vigild does now. */
static void report(const struct agent *a, enum degraded_cap cap, const struct degraded *d)
{
	const struct selfcheck_cap *c = &a->selfcheck.caps[cap];
	const struct degraded_status *st = &d->caps[cap];
	char instead[256];

	switch (c->verdict) {
	case SELFCHECK_SILENT:
		if (!degraded_instead(d, cap, a->fallback_ms, a->fallback_dests, instead,
				      sizeof(instead)))
			snprintf(instead, sizeof(instead), "nothing");
		log_warning("%s not working on kernel %s: %s attached, but %s; instead %s",
			    cap_words[cap], a->kernel, st->how, c->why, instead);
		break;
	case SELFCHECK_WORKS:
		if (c->silences)
			log_notice("%s working again on kernel %s: %s delivers", cap_words[cap],
				   a->kernel, st->how);
		else
			log_info("verified capability=%s hook=\"%s\"", degraded_cap_name(cap),
				 st->how);
		break;
	case SELFCHECK_UNVERIFIED:
		break;
	}
}

/* The syn-timeouts held: judged once the events are verified, dropped when silent. */
static void release_held(struct agent *a)
{
	struct evidence held[WATCH_HELD];
	size_t i, n = a->n_held;

	memcpy(held, a->held, n * sizeof(held[0]));
	a->n_held = 0;
	for (i = 0; i < n; i++)
		handle_evidence(a, &held[i]);
}

/* Acts on the verdicts selfcheck changed: evidence, fallback, health weighting, the log. */
static void selfcheck_apply(struct agent *a)
{
	unsigned int changed = selfcheck_changes(&a->selfcheck);
	struct degraded d;
	size_t i;
	int r;

	if (!changed)
		return;
	if (changed & (1u << DEGRADED_EVENTS))
		release_held(a);
	if ((changed & (1u << DEGRADED_HEALTH)) &&
	    a->selfcheck.caps[DEGRADED_HEALTH].verdict == SELFCHECK_SILENT) {
		/* what sockops measured can no longer be trusted: the configured weights */
		for (i = 0; i < a->rt->n_services; i++) {
			health_reset(a->rt->services[i].health);
			agent_apply_service(a, &a->rt->services[i], 0);
		}
	}
	/* active checks for what the probes no longer see, for as long as they do not */
	if (watch_watching(a) != a->passive) {
		a->passive = !a->passive;
		r = start_fallback(a);
		if (r < 0)
			log_error("cannot start degraded mode's active checks: %s", strerror(-r));
		watch_rearm(a);
	}
	watch_degraded(a, &d);
	for (i = 0; i < DEGRADED_N_CAPS; i++)
		if (changed & (1u << i))
			report(a, i, &d);
}

/* The VIPs' new connections as IPVS counts them, TCP and UDP: conns of the watched services. */
static int watched_conns(struct agent *a, uint64_t *ret)
{
	struct ipvs_table *t;
	size_t i;
	int r;

	r = ipvs_dump_services(a->ipvs, &t);
	if (r < 0)
		return r;
	*ret = 0;
	for (i = 0; i < t->n_services; i++)
		if (runtime_service_of(a->rt, &t->services[i].svc))
			*ret += t->services[i].svc.stats.conns;
	ipvs_table_free(t);
	return 0;
}

/* Whether the kernel side lost events or correlation entries since the last check. */
static bool lost_since(struct agent *a)
{
	uint64_t ctr[VIGIL_CTR_MAX], mark;
	bool lost;

	if (probes_counters(a->probes, ctr) < 0)
		return true;
	mark = ctr[VIGIL_CTR_RINGBUF_DROPS] + ctr[VIGIL_CTR_FLOW_ERRORS];
	lost = mark != a->lost_mark;
	a->lost_mark = mark;
	return lost;
}

static int on_selfcheck(struct loop *loop, void *data)
{
	struct agent *a = data;
	uint64_t conns = 0;
	int r;

	/* IPVS first: every connection it counted has submitted its events by then */
	r = a->rt->n_services && selfcheck_ipvs_wanted(&a->selfcheck, agent_now_ns())
		? watched_conns(a, &conns)
		: -ENOENT;
	consume(a);
	if (r == 0)
		selfcheck_ipvs_conns(&a->selfcheck, agent_now_ns(), conns);
	else if (r != -ENOENT)
		log_debug("selfcheck: cannot read the IPVS counters: %s", strerror(-r));
	/* drops are looked for here too: attempts in flight may wait for no deadline soon */
	if (a->detector)
		resync_after_drops(a, agent_now_ns());
	selfcheck_tick(&a->selfcheck, agent_now_ns(), lost_since(a));
	selfcheck_apply(a);
	watch_rearm(a);
	return 0;
}

static uint32_t own_netns_ino(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) == 0 ? (uint32_t)st.st_ino : 0;
}

void watch_ipvs_back(struct agent *a)
{
	int r = a->probes ? probes_ipvs_reattach(a->probes) : 0;

	if (r < 0)
		log_error("cannot attach kretprobe/ip_vs_conn_new to the new ip_vs module: %s",
			  strerror(-r));
	else if (r)
		log_info("attached kretprobe/ip_vs_conn_new to the new ip_vs module");
}

int watch_start(struct agent *a)
{
	struct probes_opts opts = {
		.netns_ino = own_netns_ino(),
		.ringbuf_bytes = a->config->agent.ringbuf_size,
		.max_flows = a->config->agent.max_flows,
		.sockops = health_interval_ns(a->config) != 0,
	};
	struct utsname uts;
	int r;

	selfcheck_init(&a->selfcheck, agent_now_ns());
	snprintf(a->kernel, sizeof(a->kernel), "%s", uname(&uts) == 0 ? uts.release : "?");
	a->tcpcheck = tcpcheck_new(a->loop, on_probe_done, a);
	a->detector = detector_new(MAX_ATTEMPTS, MAX_DESTS, timing_of, a);
	if (!a->tcpcheck || !a->detector)
		return -ENOMEM;
	r = loop_add_alarm(a->loop, on_alarm, a, &a->alarm);
	if (r < 0)
		return r;
	r = probes_open(&opts, on_event, a, &a->probes, &a->degraded);
	if (r < 0) {
		/* IPVS is programmed all the same; vigild checks the destinations itself */
		a->probes = NULL;
		r = start_fallback(a);
		if (r < 0)
			log_error("cannot start degraded mode's active checks: %s", strerror(-r));
		log_degraded(a);
		watch_rearm(a);
		return 0;
	}
	a->passive = true;
	log_info("watching attached=\"%s\"", probes_attached(a->probes));
	log_degraded(a);
	sync_vips(a, NULL);
	r = loop_add_io(a->loop, probes_fd(a->probes), EPOLLIN, on_events, a, &a->events);
	if (!r)
		r = loop_add_timer(a->loop, PROBES_DRAIN_INTERVAL_MS * 1000000ull, on_drain, a,
				   &a->drain);
	if (!r)
		r = loop_add_timer(a->loop, SELFCHECK_INTERVAL_MS * 1000000ull, on_selfcheck, a,
				   &a->selfcheck_timer);
	if (r < 0)
		return r;
	start_health(a);
	watch_rearm(a);
	return 0;
}

void watch_reload(struct agent *a, const struct runtime *old)
{
	int r;

	/* probes in flight carry indexes of the old runtime: ask them again */
	tcpcheck_free(a->tcpcheck);
	a->tcpcheck = tcpcheck_new(a->loop, on_probe_done, a);
	if (a->probes)
		sync_vips(a, old);
	/* other services, other counters */
	selfcheck_ipvs_forget(&a->selfcheck);
	r = start_fallback(a);
	if (r < 0)
		log_error("cannot restart degraded mode's active checks: %s", strerror(-r));
	start_health(a);
	watch_rearm(a);
}

void watch_stop(struct agent *a)
{
	tcpcheck_free(a->tcpcheck);
	a->tcpcheck = NULL;
	detector_free(a->detector);
	a->detector = NULL;
	probes_free(a->probes);
	a->probes = NULL;
	stop_fallback(a);
}
