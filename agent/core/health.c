// SPDX-License-Identifier: GPL-2.0-only
#include "health.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "weight.h"

#define NS_PER_MS      1000000ull
#define RATE_WINDOW_NS (60000ull * NS_PER_MS)

struct dest {
	struct health_dest_status st; /* what callers see */
	bool started;                 /* base and window_start are set */
	struct vigil_health base;     /* the counters when the window opened */
	uint64_t window_start_ns;
	/* the times of its last changes, a ring: change_ns[(next - 1) % N] is the newest */
	uint64_t change_ns[HEALTH_MAX_CHANGES];
	unsigned int next_change;
};

struct health {
	struct config_health settings;
	struct dest *dests;
	size_t n;
	bool updated; /* last_update_ns is set */
	uint64_t last_update_ns;
};

int health_real_from_addr(const struct config_addr *addr, struct vigil_real *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (addr->family == AF_INET) {
		ret->family = VIGIL_AF_INET;
		memcpy(&ret->addr.v4, addr->addr, 4);
	} else if (addr->family == AF_INET6) {
		ret->family = VIGIL_AF_INET6;
		memcpy(ret->addr.v6, addr->addr, 16);
	} else {
		return -EINVAL;
	}
	ret->port = addr->port;
	return 0;
}

struct health *health_new(void)
{
	struct health *h = calloc(1, sizeof(*h));
	struct config_policy defaults;

	if (!h)
		return NULL;
	config_defaults(&defaults);
	h->settings = defaults.health;
	return h;
}

void health_free(struct health *h)
{
	if (!h)
		return;
	free(h->dests);
	free(h);
}

static const struct dest *find(const struct dest *dests, size_t n, const struct config_addr *addr)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!memcmp(&dests[i].st.addr, addr, sizeof(*addr)))
			return &dests[i];
	return NULL;
}

/* Everything back to the configured weight, as if never measured. */
static void reset(struct dest *d)
{
	d->st.score = 1;
	d->st.measured = false;
	d->st.target = d->st.effective = d->st.weight;
	d->started = false;
}

void health_reset(struct health *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		reset(&h->dests[i]);
}

int health_configure(struct health *h, const struct config_service *svc)
{
	struct dest *dests = NULL;
	uint32_t i;

	if (svc->n_dests) {
		dests = calloc(svc->n_dests, sizeof(*dests));
		if (!dests)
			return -ENOMEM;
	}
	for (i = 0; i < svc->n_dests; i++) {
		const struct config_dest *c = &svc->dests[i];
		const struct dest *old = find(h->dests, h->n, &c->addr);
		struct dest *d = &dests[i];

		if (old) {
			*d = *old;
		} else {
			d->st.addr = c->addr;
			if (health_real_from_addr(&c->addr, &d->st.real)) {
				free(dests);
				return -EINVAL;
			}
			d->st.score = 1;
		}
		d->st.weight = c->weight;
		/* the config speaks: no hysteresis, no rate limit */
		d->st.target = d->st.effective = weight_health_target(c->weight, d->st.score);
		if (!svc->policy.health.enabled)
			reset(d);
	}
	free(h->dests);
	h->dests = dests;
	h->n = svc->n_dests;
	h->settings = svc->policy.health;
	return 0;
}

static bool went_back(const struct vigil_health *now, const struct vigil_health *base)
{
	return now->conns < base->conns || now->rtt_samples < base->rtt_samples ||
	       now->rtt_sum_us < base->rtt_sum_us || now->retrans < base->retrans ||
	       now->lost < base->lost || now->data_segs < base->data_segs;
}

/* Closes the window if it has enough data, or drops the measurement if it is too old. */
static void window(struct dest *d, const struct vigil_health *now, uint64_t now_ns,
		   uint64_t max_window_ns)
{
	struct vigil_health delta;
	uint64_t sent;

	if (!d->started) {
		d->base = *now;
		d->window_start_ns = now_ns;
		d->started = true;
		return;
	}
	if (went_back(now, &d->base))
		memset(&d->base, 0, sizeof(d->base));
	delta.rtt_samples = now->rtt_samples - d->base.rtt_samples;
	if (delta.rtt_samples >= HEALTH_MIN_SAMPLES) {
		delta.rtt_sum_us = now->rtt_sum_us - d->base.rtt_sum_us;
		delta.retrans = now->retrans - d->base.retrans;
		delta.data_segs = now->data_segs - d->base.data_segs;
		delta.conns = now->conns - d->base.conns;
		sent = delta.data_segs + delta.conns;
		d->st.measured = true;
		d->st.samples = delta.rtt_samples;
		d->st.rtt_us = (double)delta.rtt_sum_us / delta.rtt_samples;
		d->st.loss = sent ? (double)delta.retrans / sent : 0;
		if (d->st.loss > 1)
			d->st.loss = 1;
	} else if (now_ns - d->window_start_ns >= max_window_ns) {
		d->st.measured = false; /* no data is not bad data */
	} else {
		return; /* keep collecting */
	}
	d->base = *now;
	d->window_start_ns = now_ns;
}

static double score_of(const struct dest *d, double best_us)
{
	double f_rtt, f_loss, score;

	if (!d->st.measured)
		return 1;
	f_rtt = (best_us + HEALTH_RTT_SLACK_US) / (d->st.rtt_us + HEALTH_RTT_SLACK_US);
	f_loss = 1 / (1 + HEALTH_LOSS_PENALTY * d->st.loss);
	score = f_rtt * f_loss;
	if (score > 1)
		score = 1;
	return score < HEALTH_MIN_SCORE ? HEALTH_MIN_SCORE : score;
}

/* Fewer than max changes in the last minute: the max-th newest is older than that. */
static bool may_change(const struct dest *d, unsigned int max, uint64_t now_ns)
{
	unsigned int oldest = (d->next_change + HEALTH_MAX_CHANGES - max) % HEALTH_MAX_CHANGES;

	return d->st.changes < max || now_ns - d->change_ns[oldest] >= RATE_WINDOW_NS;
}

/* Moves the effective weight towards the target if hysteresis and rate limit let it. */
static bool move_towards_target(struct dest *d, const struct config_health *s, uint64_t now_ns)
{
	uint32_t from = d->st.effective, to = d->st.target;
	unsigned int max = s->max_changes_per_minute;
	double step = (double)(to > from ? to - from : from - to);

	if (to == from || step < s->min_change * d->st.weight)
		return false;
	if (max > HEALTH_MAX_CHANGES)
		max = HEALTH_MAX_CHANGES;
	if (max == 0 || !may_change(d, max, now_ns))
		return false;
	d->st.effective = to;
	d->st.changes++;
	d->change_ns[d->next_change] = now_ns;
	d->next_change = (d->next_change + 1) % HEALTH_MAX_CHANGES;
	return true;
}

int health_update(struct health *h, uint64_t now_ns, health_lookup_fn lookup, void *data)
{
	uint64_t interval_ns = h->settings.interval_ms * NS_PER_MS;
	double best = INFINITY;
	int changed = 0;
	size_t i;

	if (h->updated && now_ns - h->last_update_ns < interval_ns)
		return 0;
	h->updated = true;
	h->last_update_ns = now_ns;
	if (!h->settings.enabled)
		return 0; /* health_configure() put every weight back */

	for (i = 0; i < h->n; i++) {
		struct dest *d = &h->dests[i];
		const struct vigil_health *now = lookup(&d->st.real, data);
		struct vigil_health zero;

		if (!now) {
			memset(&zero, 0, sizeof(zero));
			now = &zero;
		}
		window(d, now, now_ns, HEALTH_MAX_WINDOW * interval_ns);
		if (d->st.measured && d->st.rtt_us < best)
			best = d->st.rtt_us;
	}
	for (i = 0; i < h->n; i++) {
		struct dest *d = &h->dests[i];

		d->st.score = score_of(d, best);
		d->st.target = weight_health_target(d->st.weight, d->st.score);
		changed += move_towards_target(d, &h->settings, now_ns);
	}
	return changed;
}

uint64_t health_next_update(const struct health *h)
{
	return h->updated ? h->last_update_ns + h->settings.interval_ms * NS_PER_MS : 0;
}

size_t health_count(const struct health *h)
{
	return h->n;
}

const struct health_dest_status *health_dest(const struct health *h, size_t i)
{
	return i < h->n ? &h->dests[i].st : NULL;
}

const struct health_dest_status *health_find(const struct health *h, const struct config_addr *addr)
{
	const struct dest *d = find(h->dests, h->n, addr);

	return d ? &d->st : NULL;
}
