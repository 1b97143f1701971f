// SPDX-License-Identifier: GPL-2.0-only
#include "dispatch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "event.h"
#include "log.h"

/* Decisions a policy may return from one tick, per call. */
#define TICK_BATCH 16

static void dest_text(const struct runtime_service *s, size_t dest, char *buf, size_t size)
{
	config_addr_format(&s->cs->dests[dest].addr, buf, size);
}

/* A probe asked for gets its answer: one that could not start failed. */
static void start_probe(struct dispatch *d, struct runtime_service *s, size_t dest, uint64_t now_ns)
{
	struct policy_decision pd;
	int r = d->act.probe ? d->act.probe(d->act.data, s, dest) : -ENOTCONN;

	if (r < 0 && policy_on_probe(&s->policy, dest, false, now_ns, &pd) == 1)
		dispatch_decide(d, s, &pd, NULL, 0, now_ns);
}

void dispatch_decide(struct dispatch *d, struct runtime_service *s,
		     const struct policy_decision *pd, const struct evidence *cause,
		     uint64_t origin_ns, uint64_t now_ns)
{
	char real[ADDR_PORT_STRLEN], until[64] = "";

	d->decision_count++;
	if ((unsigned int)pd->action < DISPATCH_ACTIONS)
		d->decisions[pd->action]++;
	dest_text(s, pd->dest, real, sizeof(real));
	if (pd->action == POLICY_ACT_QUARANTINE || pd->action == POLICY_ACT_PROBE_FAILED ||
	    pd->action == POLICY_ACT_MANUAL_QUARANTINE)
		snprintf(until, sizeof(until), " for_ms=%llu relapses=%u",
			 (unsigned long long)(pd->duration_ns / 1000000), pd->relapses);
	log_msg(pd->action == POLICY_ACT_SUSPECT || pd->action == POLICY_ACT_CLEARED ||
			(pd->action == POLICY_ACT_PROBE && pd->from == POLICY_SUSPECT)
		    ? LOG_INFO
		    : LOG_NOTICE,
		"decision action=%s service=%s real=%s state=%s->%s%s%s%s%s",
		policy_action_name(pd->action), s->cs->name, real, policy_state_name(pd->from),
		policy_state_name(pd->to), until, pd->evidence ? " evidence=" : "",
		pd->evidence ? evidence_kind_name(pd->evidence) : "",
		s->cs->policy.quarantine.enforce ? "" : " enforce=false (IPVS left as it is)");
	switch (pd->action) {
	case POLICY_ACT_PROBE:
		start_probe(d, s, pd->dest, now_ns);
		break;
	case POLICY_ACT_FAIL_OPEN:
		break;
	case POLICY_ACT_SUSPECT:
		/* weight 0 first: the clients' retransmitted SYNs go elsewhere while it is probed
		 */
		d->act.apply(d->act.data, s, origin_ns);
		start_probe(d, s, pd->dest, now_ns);
		break;
	case POLICY_ACT_CLEARED:
		/* a suspicion is not saved (policy_dest_persistent()), so neither is its end */
		d->act.apply(d->act.data, s, 0);
		break;
	default:
		d->act.apply(d->act.data, s, origin_ns);
		d->act.save(d->act.data);
		if (d->act.resets)
			d->act.resets(d->act.data);
	}
	/* IPVS first, then the followers: the evidence that caused it, then the decision */
	if (cause)
		d->notify.evidence(d->notify.data, s, cause);
	d->notify.decision(d->notify.data, s, pd, cause);
}

/* Evidence that counts: logged, counted and judged by its service's policy. */
static void judge(struct dispatch *d, const struct evidence *ev, uint64_t now_ns)
{
	char client[ADDR_PORT_STRLEN], vip[ADDR_PORT_STRLEN], real[ADDR_PORT_STRLEN];
	struct runtime_service *s;
	struct policy_decision pd;
	unsigned int flags;
	ssize_t dest;

	s = runtime_find(d->rt, &ev->flow, &ev->real, &dest);
	addr_port_format(ev->real.family, &ev->real.addr, ev->real.port, real, sizeof(real));
	if (!s || dest < 0) {
		log_debug("evidence against %s, which no service has", real);
		return;
	}
	d->evidence_count++;
	runtime_count_evidence(s, dest, ev->kind);
	/* vigild's own checks have no client */
	if (ev->flow.cport)
		addr_port_format(ev->flow.family, &ev->flow.caddr, ev->flow.cport, client,
				 sizeof(client));
	else
		snprintf(client, sizeof(client), "-");
	addr_port_format(ev->flow.family, &ev->flow.vaddr, ev->flow.vport, vip, sizeof(vip));
	log_info("evidence kind=%s service=%s real=%s client=%s vip=%s age_ms=%.2f%s%s",
		 evidence_kind_name(ev->kind), s->cs->name, real, client, vip,
		 (now_ns - ev->at_ns) / 1e6, ev->error ? " error=" : "",
		 ev->error ? strerror(ev->error) : "");
	flags = (evidence_certain(ev) ? POLICY_EV_CERTAIN : 0) |
		(evidence_per_attempt(ev) ? 0 : POLICY_EV_NOT_ATTEMPT);
	/* evidence that makes a decision is told with it, once IPVS has it */
	if (policy_on_evidence(&s->policy, dest, ev->kind, flags, now_ns, &pd) == 1)
		dispatch_decide(d, s, &pd, ev, ev->at_ns, now_ns);
	else
		d->notify.evidence(d->notify.data, s, ev);
}

/* Evidence, unless what would have answered it is not known to arrive (selfcheck_gate). */
void dispatch_evidence(struct dispatch *d, const struct evidence *ev, uint64_t now_ns)
{
	switch (selfcheck_gate(d->selfcheck, ev->kind)) {
	case SELFCHECK_HOLD:
		/* the oldest goes first: a late syn-timeout still means as much */
		if (d->n_held == DISPATCH_HELD)
			memmove(d->held, d->held + 1, --d->n_held * sizeof(d->held[0]));
		d->held[d->n_held++] = *ev;
		return;
	case SELFCHECK_DROP:
		log_debug("evidence kind=%s dropped: the connection events are silent",
			  evidence_kind_name(ev->kind));
		return;
	case SELFCHECK_PASS:
		judge(d, ev, now_ns);
	}
}

void dispatch_probe_done(struct dispatch *d, struct runtime_service *s, size_t dest, bool passed,
			 int err, uint64_t now_ns)
{
	struct policy_decision pd;
	char real[ADDR_PORT_STRLEN];

	dest_text(s, dest, real, sizeof(real));
	log_info("probe service=%s real=%s result=%s%s%s", s->cs->name, real,
		 passed ? "passed" : "failed",
		 passed ? "" : " error=", passed ? "" : strerror(err));
	if (policy_on_probe(&s->policy, dest, passed, now_ns, &pd) == 1)
		dispatch_decide(d, s, &pd, NULL, 0, now_ns);
}

void dispatch_tick(struct dispatch *d, uint64_t now_ns)
{
	struct policy_decision pd[TICK_BATCH];
	size_t i, j, n;

	for (i = 0; i < d->rt->n_services; i++) {
		struct runtime_service *s = &d->rt->services[i];

		if (policy_next_deadline(&s->policy) > now_ns)
			continue;
		do {
			n = policy_tick(&s->policy, now_ns, pd, TICK_BATCH);
			for (j = 0; j < n; j++)
				dispatch_decide(d, s, &pd[j], NULL, 0, now_ns);
		} while (n == TICK_BATCH);
		/* a ramp's step changes a weight without a decision */
		d->act.apply(d->act.data, s, 0);
	}
}

void dispatch_release_held(struct dispatch *d, uint64_t now_ns)
{
	struct evidence held[DISPATCH_HELD];
	size_t i, n = d->n_held;

	memcpy(held, d->held, n * sizeof(held[0]));
	d->n_held = 0;
	for (i = 0; i < n; i++)
		dispatch_evidence(d, &held[i], now_ns);
}

size_t dispatch_forget_held(struct dispatch *d)
{
	size_t n = d->n_held;

	d->n_held = 0;
	return n;
}
