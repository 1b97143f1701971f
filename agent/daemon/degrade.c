// SPDX-License-Identifier: GPL-2.0-only
#include "degrade.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activecheck.h"
#include "clock.h"
#include "log.h"

/* Checks a schedule may make due at once, per call. */
#define TICK_BATCH 16

/* A degraded-mode check ended: a failure is evidence like a client's. */
void degrade_check_done(struct agent *a, size_t svc, size_t dest, bool passed, int err)
{
	struct runtime_service *s = &a->rt->services[svc];
	const struct config_addr *addr = &s->cs->dests[dest].addr;
	struct evidence ev = { .kind = EVIDENCE_PROBE_FAILED, .error = err };
	struct vigil_vip vip;

	if (svc >= a->n_fallback || fallback_done(&a->fallback[svc], dest, clock_now_ns()) < 0)
		return;
	if (passed)
		return;
	ev.at_ns = clock_now_ns();
	runtime_vip(s, &vip);
	ev.flow.family = vip.family;
	ev.flow.protocol = vip.protocol;
	ev.flow.vaddr = vip.addr;
	ev.flow.vport = vip.port;
	ev.real.family = addr->family == AF_INET6 ? VIGIL_AF_INET6 : VIGIL_AF_INET;
	ev.real.port = addr->port;
	memcpy(&ev.real.addr, addr->addr, addr->family == AF_INET6 ? 16 : 4);
	dispatch_evidence(&a->dispatch, &ev, ev.at_ns);
}

static void start_check(struct agent *a, size_t svc, size_t dest)
{
	struct runtime_service *s = &a->rt->services[svc];
	int r;

	r = activecheck_start(a, s, dest, degrade_token(a, s, dest) | DEGRADE_TOKEN_CHECK,
			      a->fallback[svc].timeout_ns);
	/* a check that cannot start failed, like a probation probe */
	if (r < 0)
		degrade_check_done(a, svc, dest, false, -r);
}

void degrade_tick(struct agent *a, uint64_t now)
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

void degrade_stop(struct agent *a)
{
	size_t i;

	for (i = 0; i < a->n_fallback; i++)
		fallback_service_clear(&a->fallback[i]);
	free(a->fallback);
	a->fallback = NULL;
	a->n_fallback = 0;
	a->fallback_ms = 0;
	a->fallback_dests = 0;
	a->fallback_udp = 0;
}

/*
 * Degraded mode: without the connection probes, a schedule of active checks
 * for every service that can be checked (fallback_applies(); runtime order). Again
 * after a reload, since the services and their indexes change.
 */
int degrade_start(struct agent *a)
{
	uint64_t now = clock_now_ns();
	size_t i;
	int r;

	degrade_stop(a);
	if (degrade_watching(a) || !a->rt->n_services)
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
			degrade_stop(a);
			return r;
		}
		a->fallback_dests += cs->n_dests;
		if (cs->policy.probation.probe == CONFIG_PROBE_DNS ||
		    cs->policy.probation.probe == CONFIG_PROBE_UDP)
			a->fallback_udp += cs->n_dests;
		if (!a->fallback_ms || cs->policy.fallback.interval_ms < a->fallback_ms)
			a->fallback_ms = cs->policy.fallback.interval_ms;
	}
	return 0;
}

void degrade_current(const struct agent *a, struct degraded *ret)
{
	*ret = a->probes ? *probes_degraded(a->probes) : a->degraded;
	if (a->probes)
		selfcheck_overlay(&a->selfcheck, ret);
}

bool degrade_watching(const struct agent *a)
{
	struct degraded d;

	if (!a->probes)
		return false;
	degrade_current(a, &d);
	return degraded_watching(&d);
}

/* The one line that says what is missing and what vigild does instead. */
void degrade_log(const struct agent *a)
{
	struct degraded d;
	char text[2048];

	degrade_current(a, &d);
	degraded_summary(&d, true, a->fallback_ms, a->fallback_dests, a->fallback_udp, text,
			 sizeof(text));
	if (text[0])
		log_warning("degraded mode: %s", text);
}
