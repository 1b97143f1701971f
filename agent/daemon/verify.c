// SPDX-License-Identifier: GPL-2.0-only
#include "verify.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "degrade.h"
#include "log.h"

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
		if (!degraded_instead(d, cap, a->fallback_ms, a->fallback_dests, a->fallback_udp,
				      instead, sizeof(instead)))
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

/* Acts on the verdicts selfcheck changed: evidence, fallback, health weighting, the log. */
void verify_apply(struct agent *a)
{
	unsigned int changed = selfcheck_changes(&a->selfcheck);
	struct degraded d;
	size_t i;
	int r;

	if (!changed)
		return;
	if (changed & (1u << DEGRADED_EVENTS))
		dispatch_release_held(&a->dispatch, clock_now_ns());
	if ((changed & (1u << DEGRADED_HEALTH)) &&
	    a->selfcheck.caps[DEGRADED_HEALTH].verdict == SELFCHECK_SILENT) {
		/* what sockops measured can no longer be trusted: the configured weights */
		for (i = 0; i < a->rt->n_services; i++) {
			health_reset(a->rt->services[i].health);
			apply_service(&a->apply, &a->rt->services[i], 0);
		}
	}
	/* active checks for what the probes no longer see, for as long as they do not */
	if (degrade_watching(a) != a->passive) {
		a->passive = !a->passive;
		r = degrade_start(a);
		if (r < 0)
			log_error("cannot start degraded mode's active checks: %s", strerror(-r));
	}
	degrade_current(a, &d);
	for (i = 0; i < DEGRADED_N_CAPS; i++)
		if (changed & (1u << i))
			report(a, i, &d);
}

/* The VIPs' new connections as IPVS counts them, TCP and UDP: conns of the watched services. */
int verify_watched_conns(struct agent *a, uint64_t *ret)
{
	struct ipvs_table *t;
	size_t i;
	int r;

	r = ipvs_dump_services(a->apply.ipvs, &t);
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
bool verify_lost_since(struct agent *a)
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

/*
 * What the event proves of the pipeline (selfcheck.h). The BPF side reports
 * only flows to the VIPs vigild gave it (and picks of those), so only a
 * connect needs its service, to know whether IPVS had anywhere to send it.
 */
void verify_observe(struct agent *a, const struct vigil_event *e)
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
	case VIGIL_EV_UDP_REPLY: {
		bool first = !sc->udp_replies;

		if (!e->real.family)
			break;
		selfcheck_udp_reply(sc, e->ts_ns);
		/* the no-replies held until now mean something */
		if (first)
			dispatch_release_held(&a->dispatch, clock_now_ns());
		break;
	}
	case VIGIL_EV_SOCK_ERROR:
	case VIGIL_EV_UDP_SEND:
		/* the flow of a pick: the programs read its socket right */
		if (e->real.family)
			selfcheck_event(sc, e->ts_ns);
		break;
	}
	if (sc->changed)
		verify_apply(a);
}
