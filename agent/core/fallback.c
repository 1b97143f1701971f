// SPDX-License-Identifier: GPL-2.0-only
#include "fallback.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>

bool fallback_applies(const struct config_service *cs)
{
	enum config_probe probe = cs->policy.probation.probe;

	return cs->protocol == IPPROTO_TCP || probe == CONFIG_PROBE_TCP ||
	       probe == CONFIG_PROBE_DNS || probe == CONFIG_PROBE_UDP;
}

int fallback_service_init(struct fallback_service *f, const struct config_fallback *cfg,
			  size_t n_dests, uint64_t now_ns)
{
	size_t i;

	*f = (struct fallback_service){ 0 };
	if (!cfg->interval_ms || n_dests > POLICY_MAX_DESTS)
		return -EINVAL;
	f->interval_ns = cfg->interval_ms * 1000000ull;
	f->timeout_ns = cfg->timeout_ms * 1000000ull;
	if (n_dests) {
		f->dests = calloc(n_dests, sizeof(*f->dests));
		if (!f->dests)
			return -ENOMEM;
	}
	f->n_dests = n_dests;
	/* evenly over one interval, the first at once */
	for (i = 0; i < n_dests; i++)
		f->dests[i].next_ns = now_ns + f->interval_ns * i / n_dests;
	return 0;
}

void fallback_service_clear(struct fallback_service *f)
{
	free(f->dests);
	*f = (struct fallback_service){ 0 };
}

static bool out_of_rotation(const struct policy_service *policy, size_t dest)
{
	enum policy_state st;

	if (!policy || dest >= policy->n_dests)
		return false;
	st = policy->dests[dest].state;
	return st == POLICY_QUARANTINED || st == POLICY_PROBATION || st == POLICY_SUSPECT;
}

/* The turn after the one due at next_ns: the first one after now_ns, without drift. */
static uint64_t next_turn(const struct fallback_service *f, uint64_t next_ns, uint64_t now_ns)
{
	if (now_ns < next_ns)
		return next_ns;
	/* turns missed (a long check, a stopped clock) are not made up in a burst */
	return next_ns + ((now_ns - next_ns) / f->interval_ns + 1) * f->interval_ns;
}

size_t fallback_due(struct fallback_service *f, const struct policy_service *policy,
		    uint64_t now_ns, size_t *out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < f->n_dests && n < max; i++) {
		struct fallback_dest *d = &f->dests[i];

		if (d->busy || d->next_ns > now_ns)
			continue;
		d->next_ns = next_turn(f, d->next_ns, now_ns);
		if (out_of_rotation(policy, i))
			continue;
		d->busy = true;
		out[n++] = i;
	}
	return n;
}

int fallback_done(struct fallback_service *f, size_t dest, uint64_t now_ns)
{
	struct fallback_dest *d;

	if (dest >= f->n_dests || !f->dests[dest].busy)
		return -EINVAL;
	d = &f->dests[dest];
	d->busy = false;
	/* a check that outlasted its turn: the next one at once, not two at a time */
	if (d->next_ns < now_ns)
		d->next_ns = now_ns;
	return 0;
}

uint64_t fallback_next_deadline(const struct fallback_service *f)
{
	uint64_t next = POLICY_NEVER;
	size_t i;

	for (i = 0; i < f->n_dests; i++)
		if (!f->dests[i].busy && f->dests[i].next_ns < next)
			next = f->dests[i].next_ns;
	return next;
}
