// SPDX-License-Identifier: GPL-2.0-only
#include "policy.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define NS_PER_MS 1000000ull

#define N_STATES  (POLICY_SUSPECT + 1)
#define N_ACTIONS (POLICY_ACT_CLEARED + 1)

_Static_assert(POLICY_MAX_DESTS >= CONFIG_MAX_DESTINATIONS, "every configured service fits");

const char *policy_state_name(enum policy_state state)
{
	static const char *const names[N_STATES] = {
		[POLICY_HEALTHY] = "healthy",     [POLICY_QUARANTINED] = "quarantined",
		[POLICY_PROBATION] = "probation", [POLICY_RAMPING] = "ramping",
		[POLICY_SUSPECT] = "suspect",
	};

	return (unsigned int)state < N_STATES ? names[state] : "unknown";
}

const char *policy_action_name(enum policy_action action)
{
	static const char *const names[N_ACTIONS] = {
		[POLICY_ACT_QUARANTINE] = "quarantine",
		[POLICY_ACT_FAIL_OPEN] = "fail-open",
		[POLICY_ACT_PROBE] = "probe",
		[POLICY_ACT_PROBE_FAILED] = "probe-failed",
		[POLICY_ACT_RELEASE_TO_RAMP] = "release-to-ramp",
		[POLICY_ACT_HEALTHY] = "healthy",
		[POLICY_ACT_MANUAL_QUARANTINE] = "manual-quarantine",
		[POLICY_ACT_MANUAL_RELEASE] = "manual-release",
		[POLICY_ACT_SUSPECT] = "suspect",
		[POLICY_ACT_CLEARED] = "cleared",
	};

	return (unsigned int)action < N_ACTIONS ? names[action] : "unknown";
}

void policy_settings_from_config(const struct config_policy *p, uint8_t protocol,
				 struct policy_settings *ret)
{
	const struct config_quarantine *q = &p->quarantine;
	const struct config_probation *pr = &p->probation;
	bool probe = pr->probe == CONFIG_PROBE_TCP || pr->probe == CONFIG_PROBE_DNS ||
		     pr->probe == CONFIG_PROBE_UDP;

	/* config resolves AUTO for services; settle it anyway for `defaults:` */
	if (pr->probe == CONFIG_PROBE_AUTO)
		probe = protocol == IPPROTO_TCP;
	*ret = (struct policy_settings){
		.failures = q->failures,
		.window_ns = q->window_ms * NS_PER_MS,
		.base_ns = q->base_ms * NS_PER_MS,
		.max_ns = q->max_ms * NS_PER_MS,
		.multiplier = q->multiplier,
		.jitter = q->jitter,
		.max_ejected_percent = q->max_ejected_percent,
		.probe = probe,
		.successes = pr->successes,
		.probe_interval_ns = pr->interval_ms * NS_PER_MS,
		.warmup_ns = pr->warmup_ms * NS_PER_MS,
		.confirm_tries = q->confirm_tries,
		.outlier_percent = q->outlier_percent,
		.outlier_min_attempts = q->outlier_min_attempts,
	};
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Whether D has passed since SINCE; a SINCE in the future (clock skew between callers) has not. */
static bool elapsed(uint64_t since, uint64_t now, uint64_t d)
{
	return now >= since && now - since >= d;
}

/*
 * splitmix64's finaliser: seeds that differ in one bit (1, 2, 3 in tests, or
 * a clock) start xorshift far apart, and only a seed of one exact value maps
 * to the all-zero state xorshift cannot leave.
 */
static uint64_t prng_seed(uint64_t seed)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return z ? z : 0x9e3779b97f4a7c15ull;
}

/* xorshift64* (Vigna): small, fast, and reproducible from the seed for tests. */
static uint64_t prng_next(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 0x2545f4914f6cdd1dull;
}

/* Uniform in [-1, 1): the top 53 bits are exactly what a double holds. */
static double prng_signed_unit(uint64_t *x)
{
	return (double)(prng_next(x) >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

static bool settings_valid(const struct policy_settings *set)
{
	/* the negated comparisons also refuse NaN */
	if (set->failures < 1 || !set->base_ns || set->max_ns < set->base_ns)
		return false;
	if (!(set->multiplier >= 1.0) || !(set->jitter >= 0.0 && set->jitter < 1.0))
		return false;
	if (set->max_ejected_percent > 100 || set->outlier_percent > 100)
		return false;
	if (set->outlier_percent && !set->outlier_min_attempts)
		return false;
	return !set->probe || (set->successes >= 1 && set->probe_interval_ns > 0);
}

void policy_service_clear(struct policy_service *s)
{
	if (!s)
		return;
	if (s->recent)
		free(s->recent[0].at);
	free(s->recent);
	free(s->dests);
	memset(s, 0, sizeof(*s));
}

int policy_service_init(struct policy_service *s, const struct policy_settings *set, size_t n_dests,
			uint64_t seed)
{
	uint64_t *at;
	size_t i;

	if (!s || !set)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	if (!settings_valid(set) || n_dests > POLICY_MAX_DESTS)
		return -EINVAL;
	/* one extra element each, so that zero destinations still allocate */
	s->dests = calloc(n_dests + 1, sizeof(*s->dests));
	s->recent = calloc(n_dests + 1, sizeof(*s->recent));
	at = calloc((n_dests + 1) * set->failures, sizeof(*at));
	if (!s->dests || !s->recent || !at) {
		free(at);
		policy_service_clear(s);
		return -ENOMEM;
	}
	for (i = 0; i <= n_dests; i++)
		s->recent[i].at = at + i * set->failures;
	s->set = *set;
	s->n_dests = n_dests;
	s->prng = prng_seed(seed);
	return 0;
}

/* The deadlines of ramps are the next step after the latest time we were told. */
static void see(struct policy_service *s, uint64_t now)
{
	if (now > s->clock_ns)
		s->clock_ns = now;
}

static bool out_of_rotation(enum policy_state st)
{
	return st == POLICY_QUARANTINED || st == POLICY_PROBATION || st == POLICY_SUSPECT;
}

/* Whether a suspicion can be confirmed or cleared by probing; else evidence is certain. */
static bool confirms(const struct policy_settings *set)
{
	return set->probe && set->confirm_tries > 0;
}

static void forget_evidence(struct policy_recent *r)
{
	r->next = r->count = 0;
	r->failed_open = false;
}

static void decide(struct policy_decision *ret, enum policy_action action, size_t dest,
		   uint64_t now, enum policy_state from, enum policy_state to)
{
	*ret = (struct policy_decision){
		.action = action,
		.dest = dest,
		.at_ns = now,
		.from = from,
		.to = to,
	};
}

/* A destination that stayed in rotation for a whole max has recovered: backoff from base again. */
static void maybe_forgive(const struct policy_service *s, struct policy_dest *d, uint64_t now)
{
	if (!out_of_rotation(d->state) && elapsed(d->stable_since_ns, now, s->set.max_ns))
		d->relapses = 0;
}

static uint64_t backoff(struct policy_service *s, uint32_t relapses)
{
	double d = (double)s->set.base_ns * pow(s->set.multiplier, relapses);
	double r = prng_signed_unit(&s->prng);

	if (d > (double)s->set.max_ns)
		d = (double)s->set.max_ns;
	d *= 1.0 + s->set.jitter * r;
	/* 2^64 is not a uint64_t; the conversion of anything at or above it is undefined */
	if (d >= 18446744073709551616.0)
		return UINT64_MAX;
	return d < 1.0 ? 1 : (uint64_t)d;
}

/* Out of rotation for the next, longer backoff: evidence or a failed probe. */
static void relapse(struct policy_service *s, size_t i, uint64_t now, enum policy_action action,
		    struct policy_decision *ret)
{
	struct policy_dest *d = &s->dests[i];
	uint64_t dur = backoff(s, d->relapses);

	decide(ret, action, i, now, d->state, POLICY_QUARANTINED);
	ret->relapses = d->relapses;
	ret->duration_ns = dur;
	ret->until_ns = add_sat(now, dur);
	if (d->relapses < UINT32_MAX)
		d->relapses++;
	if (d->quarantines < UINT32_MAX)
		d->quarantines++;
	d->state = POLICY_QUARANTINED;
	d->manual = d->probing = false;
	d->passes = d->tries = 0;
	d->since_ns = now;
	d->until_ns = ret->until_ns;
	d->last_duration_ns = dur;
	forget_evidence(&s->recent[i]);
}

/* Back in rotation: at the ramp's floor, or at full weight without a warm-up. */
static void enter_rotation(struct policy_service *s, size_t i, uint64_t now,
			   enum policy_action action, struct policy_decision *ret)
{
	struct policy_dest *d = &s->dests[i];
	enum policy_state to = s->set.warmup_ns ? POLICY_RAMPING : POLICY_HEALTHY;

	if (to == POLICY_HEALTHY && action == POLICY_ACT_RELEASE_TO_RAMP)
		action = POLICY_ACT_HEALTHY;
	decide(ret, action, i, now, d->state, to);
	d->state = to;
	d->manual = d->probing = d->silent = false;
	d->passes = d->tries = 0;
	d->since_ns = d->stable_since_ns = now;
	d->until_ns = to == POLICY_RAMPING ? add_sat(now, s->set.warmup_ns) : 0;
	if (to == POLICY_RAMPING)
		ret->until_ns = d->until_ns;
	forget_evidence(&s->recent[i]);
}

static void ask_probe(struct policy_service *s, size_t i, uint64_t now, struct policy_decision *ret)
{
	struct policy_dest *d = &s->dests[i];

	decide(ret, POLICY_ACT_PROBE, i, now, d->state, POLICY_PROBATION);
	if (d->state != POLICY_PROBATION) {
		d->state = POLICY_PROBATION;
		d->manual = false;
		d->passes = 0;
		d->since_ns = now;
		d->until_ns = 0;
	}
	d->probing = true;
	/* counted from the ask, so probes come every interval when they answer quickly */
	d->next_probe_ns = add_sat(now, s->set.probe_interval_ns);
}

static size_t count_out(const struct policy_service *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->n_dests; i++)
		n += out_of_rotation(s->dests[i].state);
	return n;
}

/* Records one piece of evidence; whether `failures` of them now lie within `window`. */
static bool enough_evidence(const struct policy_settings *set, struct policy_recent *r,
			    uint64_t now)
{
	r->at[r->next] = now;
	r->next = (r->next + 1) % set->failures;
	if (r->count < set->failures)
		r->count++;
	/* full, the ring's next slot holds the oldest of the last `failures` */
	return r->count == set->failures &&
	       !elapsed(r->at[r->next], now, add_sat(set->window_ns, 1));
}

/* The outlier window's half-windows, moved on to NOW's; a clock that went back moves nothing. */
static void roll(const struct policy_settings *set, struct policy_recent *r, uint64_t now)
{
	uint64_t half = set->window_ns / 2 ? set->window_ns / 2 : 1, b = now / half;

	if (b <= r->bucket)
		return;
	if (b == r->bucket + 1) {
		r->attempts[0] = r->attempts[1];
		r->failed[0] = r->failed[1];
	} else {
		r->attempts[0] = r->failed[0] = 0;
	}
	r->attempts[1] = r->failed[1] = 0;
	r->bucket = b;
}

static uint32_t sum_sat(uint32_t a, uint32_t b)
{
	return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

void policy_on_attempt(struct policy_service *s, size_t dest, uint64_t now_ns)
{
	struct policy_recent *r;

	if (!s || dest >= s->n_dests)
		return;
	r = &s->recent[dest];
	roll(&s->set, r, now_ns);
	r->attempts[1] = sum_sat(r->attempts[1], 1);
}

/* A failed attempt; never more failures than attempts (an attempt seen before a restart). */
static void count_failure(const struct policy_settings *set, struct policy_recent *r, uint64_t now)
{
	roll(set, r, now);
	r->failed[1] = sum_sat(r->failed[1], 1);
	if (r->attempts[1] < r->failed[1])
		r->attempts[1] = r->failed[1];
}

void policy_attempts(const struct policy_service *s, size_t dest, uint64_t now_ns,
		     uint32_t *ret_attempts, uint32_t *ret_failed)
{
	struct policy_recent r;

	*ret_attempts = *ret_failed = 0;
	if (!s || dest >= s->n_dests)
		return;
	r = s->recent[dest];
	roll(&s->set, &r, now_ns);
	*ret_attempts = sum_sat(r.attempts[0], r.attempts[1]);
	*ret_failed = sum_sat(r.failed[0], r.failed[1]);
}

/*
 * P(X >= f) for X ~ Binomial(n, p): how likely F or more failures of N
 * attempts are when each fails with probability P. From the term at f
 * upwards; past the mean the terms shrink, so it stops once they no longer
 * count, which keeps it short however many attempts a busy client makes.
 */
static double binomial_tail(uint64_t n, uint64_t f, double p)
{
	double term, sum, ratio = p / (1.0 - p);
	uint64_t k;

	if (!f || p >= 1.0)
		return 1.0;
	if (f > n || p <= 0.0)
		return 0.0;
	term = exp(lgamma((double)n + 1) - lgamma((double)f + 1) - lgamma((double)(n - f) + 1) +
		   (double)f * log(p) + (double)(n - f) * log1p(-p));
	sum = term;
	for (k = f; k < n && k - f < 10000 && term > sum * 1e-12; k++) {
		term *= (double)(n - k) / (double)(k + 1) * ratio;
		sum += term;
	}
	return sum > 1.0 ? 1.0 : sum;
}

/*
 * Whether destination I fails where its peers succeed. Three conditions:
 *   - at least outlier_min_attempts attempts to it within the window;
 *   - its failure share at least outlier_percent points above the peers'
 *     share (all its peers' attempts together; loss on every link raises
 *     both alike);
 *   - and that many failures very unlikely (below POLICY_OUTLIER_P) if it
 *     failed only as often as its peers: 2 of 5 happen by chance on a lossy
 *     path, 4 of 7 hardly. The peers' share is smoothed, (failed + 1) /
 *     (attempts + 2), so that a few clean peer attempts do not make any
 *     failure look significant.
 */
static bool outlier(const struct policy_service *s, size_t i, uint64_t now)
{
	uint64_t att, fail, peer_att = 0, peer_fail = 0;
	double share, peers, p;
	uint32_t a, f;
	size_t j;

	if (!s->set.outlier_percent)
		return false;
	policy_attempts(s, i, now, &a, &f);
	att = a, fail = f;
	if (!att || att < s->set.outlier_min_attempts)
		return false;
	for (j = 0; j < s->n_dests; j++) {
		if (j == i)
			continue;
		policy_attempts(s, j, now, &a, &f);
		peer_att += a, peer_fail += f;
	}
	share = (double)fail / (double)att;
	peers = peer_att ? (double)peer_fail / (double)peer_att : 0.0;
	if (share * 100.0 < peers * 100.0 + s->set.outlier_percent)
		return false;
	p = ((double)peer_fail + 1.0) / ((double)peer_att + 2.0);
	return binomial_tail(att, fail, p) < POLICY_OUTLIER_P;
}

/* Out of rotation while probes confirm or clear the evidence. */
static void suspect(struct policy_service *s, size_t i, uint64_t now, int evidence,
		    struct policy_decision *ret)
{
	struct policy_dest *d = &s->dests[i];

	decide(ret, POLICY_ACT_SUSPECT, i, now, d->state, POLICY_SUSPECT);
	ret->evidence = evidence;
	d->prior = d->state;
	d->state = POLICY_SUSPECT;
	d->probing = true;
	d->tries = 0;
	d->suspect_evidence = evidence;
	d->suspect_ns = now;
	if (d->suspicions < UINT32_MAX)
		d->suspicions++;
}

/* A suspect's probe passed: back as it was, its ramp's times and backoff untouched. */
static void clear_suspicion(struct policy_service *s, size_t i, uint64_t now,
			    struct policy_decision *ret)
{
	struct policy_dest *d = &s->dests[i];

	decide(ret, POLICY_ACT_CLEARED, i, now, POLICY_SUSPECT, d->prior);
	if (d->prior == POLICY_RAMPING)
		ret->until_ns = d->until_ns;
	d->state = d->prior;
	d->probing = false;
	d->tries = 0;
	/* the evidence that made it suspect is answered; the outlier counts stay */
	forget_evidence(&s->recent[i]);
}

/* Asks the next confirmation probe of a suspect. */
static void ask_confirm(struct policy_service *s, size_t i, uint64_t now,
			struct policy_decision *ret)
{
	decide(ret, POLICY_ACT_PROBE, i, now, POLICY_SUSPECT, POLICY_SUSPECT);
	s->dests[i].probing = true;
}

/*
 * Confirmed: quarantined like any relapse, telling the evidence that made it
 * suspect. SILENT: the evidence was silence, not a refusal.
 */
static void confirm(struct policy_service *s, size_t i, uint64_t now, int evidence, bool silent,
		    struct policy_decision *ret)
{
	relapse(s, i, now, POLICY_ACT_QUARANTINE, ret);
	ret->evidence = evidence;
	s->dests[i].silent = silent;
}

int policy_on_evidence(struct policy_service *s, size_t dest, int evidence, unsigned int flags,
		       uint64_t now_ns, struct policy_decision *ret)
{
	bool certain = flags & POLICY_EV_CERTAIN;
	bool silent = !certain;
	struct policy_recent *r;
	struct policy_dest *d;
	size_t allowed;

	if (!s || dest >= s->n_dests || !ret)
		return -EINVAL;
	see(s, now_ns);
	d = &s->dests[dest];
	r = &s->recent[dest];
	if (!certain && !(flags & POLICY_EV_NOT_ATTEMPT))
		count_failure(&s->set, r, now_ns);
	if (!confirms(&s->set))
		certain = true;
	/* a refusal, or an outlier, needs no probe to confirm the suspicion */
	if (d->state == POLICY_SUSPECT) {
		if (!certain && !outlier(s, dest, now_ns))
			return 0;
		confirm(s, dest, now_ns, evidence, silent, ret);
		return 1;
	}
	/* late evidence from connections made before it went out says nothing new */
	if (out_of_rotation(d->state))
		return 0;
	if (!enough_evidence(&s->set, r, now_ns))
		return 0;
	maybe_forgive(s, d, now_ns);

	allowed = s->n_dests * s->set.max_ejected_percent / 100;
	if (count_out(s) >= allowed) {
		/* failing, so not stable: it keeps its backoff for when there is room */
		d->stable_since_ns = now_ns;
		if (r->failed_open && !elapsed(r->fail_open_ns, now_ns, s->set.window_ns))
			return 0;
		r->failed_open = true;
		r->fail_open_ns = now_ns;
		decide(ret, POLICY_ACT_FAIL_OPEN, dest, now_ns, d->state, d->state);
		ret->evidence = evidence;
		return 1;
	}
	if (certain || outlier(s, dest, now_ns))
		confirm(s, dest, now_ns, evidence, silent, ret);
	else
		suspect(s, dest, now_ns, evidence, ret);
	return 1;
}

int policy_on_probe(struct policy_service *s, size_t dest, bool passed, uint64_t now_ns,
		    struct policy_decision *ret)
{
	struct policy_dest *d;

	if (!s || dest >= s->n_dests || !ret)
		return -EINVAL;
	see(s, now_ns);
	d = &s->dests[dest];
	if (d->state == POLICY_SUSPECT && d->probing) {
		d->probing = false;
		/* a probe is an attempt too: it doubles what a quiet service tells of its outliers
		 */
		policy_on_attempt(s, dest, now_ns);
		if (passed) {
			clear_suspicion(s, dest, now_ns, ret);
			return 1;
		}
		count_failure(&s->set, &s->recent[dest], now_ns);
		if (++d->tries < s->set.confirm_tries && !outlier(s, dest, now_ns))
			ask_confirm(s, dest, now_ns, ret);
		else
			confirm(s, dest, now_ns, d->suspect_evidence, true, ret);
		return 1;
	}
	/* a late answer to a probe from before a manual action or a restart */
	if (d->state != POLICY_PROBATION || !d->probing)
		return 0;
	d->probing = false;
	if (!passed) {
		relapse(s, dest, now_ns, POLICY_ACT_PROBE_FAILED, ret);
		return 1;
	}
	if (++d->passes < s->set.successes)
		return 0;
	enter_rotation(s, dest, now_ns, POLICY_ACT_RELEASE_TO_RAMP, ret);
	return 1;
}

/* One due transition of destination I into *ret; false if none is due. */
static bool tick_dest(struct policy_service *s, size_t i, uint64_t now, struct policy_decision *ret)
{
	struct policy_dest *d = &s->dests[i];

	switch (d->state) {
	case POLICY_QUARANTINED:
		if (d->until_ns == POLICY_NEVER || now < d->until_ns)
			return false;
		if (s->set.probe)
			ask_probe(s, i, now, ret);
		else
			enter_rotation(s, i, now, POLICY_ACT_RELEASE_TO_RAMP, ret);
		return true;
	case POLICY_PROBATION:
		/* probes turned off by a reload: nothing left to wait for */
		if (!s->set.probe) {
			enter_rotation(s, i, now, POLICY_ACT_RELEASE_TO_RAMP, ret);
			return true;
		}
		if (d->probing || now < d->next_probe_ns)
			return false;
		ask_probe(s, i, now, ret);
		return true;
	case POLICY_RAMPING:
		if (now < d->until_ns)
			return false;
		decide(ret, POLICY_ACT_HEALTHY, i, now, POLICY_RAMPING, POLICY_HEALTHY);
		d->state = POLICY_HEALTHY;
		d->since_ns = now;
		d->until_ns = 0;
		return true;
	case POLICY_SUSPECT:
		/* probes turned off by a reload: the suspicion cannot be confirmed */
		if (!confirms(&s->set)) {
			clear_suspicion(s, i, now, ret);
			return true;
		}
		/* restored or reloaded: the probe's answer went with the old one */
		if (d->probing)
			return false;
		ask_confirm(s, i, now, ret);
		return true;
	case POLICY_HEALTHY:
		break;
	}
	return false;
}

size_t policy_tick(struct policy_service *s, uint64_t now_ns, struct policy_decision *out,
		   size_t max)
{
	size_t i, n = 0;

	if (!s)
		return 0;
	see(s, now_ns);
	for (i = 0; i < s->n_dests; i++) {
		maybe_forgive(s, &s->dests[i], now_ns);
		if (n < max && tick_dest(s, i, now_ns, &out[n]))
			n++;
	}
	return n;
}

/* Step k of a ramp begins ceil(k x warmup / STEPS) after its start. */
static uint64_t ramp_step_start(uint64_t warmup, uint64_t k)
{
	return (warmup / POLICY_RAMP_STEPS) * k +
	       ((warmup % POLICY_RAMP_STEPS) * k + POLICY_RAMP_STEPS - 1) / POLICY_RAMP_STEPS;
}

/* The step a ramp is on after E of its WARMUP: 0 .. STEPS - 1. */
static uint64_t ramp_step(uint64_t warmup, uint64_t e)
{
	uint64_t k = 0;

	if (e >= warmup)
		return POLICY_RAMP_STEPS;
	/* at most STEPS rounds, and no e x STEPS to overflow */
	while (k + 1 < POLICY_RAMP_STEPS && ramp_step_start(warmup, k + 1) <= e)
		k++;
	return k;
}

static uint64_t dest_deadline(const struct policy_service *s, const struct policy_dest *d)
{
	uint64_t t = POLICY_NEVER, warmup, k;

	switch (d->state) {
	case POLICY_QUARANTINED:
		return d->until_ns;
	case POLICY_PROBATION:
		/* probes turned off by a reload: the next tick releases it */
		if (!s->set.probe)
			return 0;
		return d->probing ? POLICY_NEVER : d->next_probe_ns;
	case POLICY_SUSPECT:
		return d->probing && confirms(&s->set) ? POLICY_NEVER : 0;
	case POLICY_RAMPING:
		t = d->until_ns;
		/* each step is a weight change the agent must program */
		if (d->until_ns > d->since_ns) {
			warmup = d->until_ns - d->since_ns;
			k = s->clock_ns > d->since_ns ? ramp_step(warmup, s->clock_ns - d->since_ns)
						      : 0;
			k++;
			if (k < POLICY_RAMP_STEPS)
				t = d->since_ns + ramp_step_start(warmup, k);
		}
		break;
	case POLICY_HEALTHY:
		break;
	}
	/* when maybe_forgive() will reset its backoff, so that the CLI shows it */
	if (d->relapses && !out_of_rotation(d->state)) {
		uint64_t forgive = add_sat(d->stable_since_ns, s->set.max_ns);

		if (forgive < t)
			t = forgive;
	}
	return t;
}

uint64_t policy_next_deadline(const struct policy_service *s)
{
	uint64_t t = POLICY_NEVER;
	size_t i;

	for (i = 0; s && i < s->n_dests; i++) {
		uint64_t d = dest_deadline(s, &s->dests[i]);

		if (d < t)
			t = d;
	}
	return t;
}

double policy_weight_factor(const struct policy_service *s, size_t dest, uint64_t now_ns)
{
	const struct policy_dest *d;
	uint64_t warmup;

	if (!s || dest >= s->n_dests)
		return 0.0;
	d = &s->dests[dest];
	switch (d->state) {
	case POLICY_HEALTHY:
		return 1.0;
	case POLICY_RAMPING:
		if (now_ns >= d->until_ns)
			return 1.0;
		if (now_ns <= d->since_ns)
			return POLICY_RAMP_FLOOR;
		warmup = d->until_ns - d->since_ns;
		return POLICY_RAMP_FLOOR + (1.0 - POLICY_RAMP_FLOOR) / POLICY_RAMP_STEPS *
					       (double)ramp_step(warmup, now_ns - d->since_ns);
	case POLICY_QUARANTINED:
	case POLICY_PROBATION:
	case POLICY_SUSPECT:
		break;
	}
	return 0.0;
}

int policy_quarantine(struct policy_service *s, size_t dest, uint64_t now_ns, uint64_t for_ns,
		      struct policy_decision *ret)
{
	struct policy_dest *d;

	if (!s || dest >= s->n_dests || !ret)
		return -EINVAL;
	see(s, now_ns);
	d = &s->dests[dest];
	decide(ret, POLICY_ACT_MANUAL_QUARANTINE, dest, now_ns, d->state, POLICY_QUARANTINED);
	ret->until_ns = for_ns ? add_sat(now_ns, for_ns) : POLICY_NEVER;
	ret->duration_ns = for_ns;
	ret->relapses = d->relapses;
	/* the operator's choice: the backoff is left as it was, not grown */
	if (d->state != POLICY_QUARANTINED && d->quarantines < UINT32_MAX)
		d->quarantines++;
	if (d->state != POLICY_QUARANTINED)
		d->since_ns = now_ns;
	d->state = POLICY_QUARANTINED;
	d->manual = true;
	d->probing = d->silent = false;
	d->passes = d->tries = 0;
	d->until_ns = ret->until_ns;
	d->last_duration_ns = for_ns;
	forget_evidence(&s->recent[dest]);
	return 1;
}

int policy_release(struct policy_service *s, size_t dest, uint64_t now_ns,
		   struct policy_decision *ret)
{
	if (!s || dest >= s->n_dests || !ret)
		return -EINVAL;
	see(s, now_ns);
	if (!out_of_rotation(s->dests[dest].state))
		return 0;
	enter_rotation(s, dest, now_ns, POLICY_ACT_MANUAL_RELEASE, ret);
	return 1;
}

int policy_dest_restore(struct policy_service *s, size_t dest, const struct policy_dest *d)
{
	struct policy_dest *to;

	if (!s || dest >= s->n_dests || !d || (unsigned int)d->state >= N_STATES)
		return -EINVAL;
	if (d->manual && d->state != POLICY_QUARANTINED)
		return -EINVAL;
	if (d->state == POLICY_SUSPECT && d->prior != POLICY_HEALTHY && d->prior != POLICY_RAMPING)
		return -EINVAL;
	/* only the operator's quarantine may last until released */
	if (d->state == POLICY_QUARANTINED && !d->manual && d->until_ns == POLICY_NEVER)
		return -EINVAL;
	to = &s->dests[dest];
	*to = *d;
	/* its answer went with the old process, or is for a probe we no longer await */
	to->probing = false;
	forget_evidence(&s->recent[dest]);
	return 0;
}

void policy_dest_persistent(const struct policy_dest *d, struct policy_dest *ret)
{
	*ret = *d;
	if (d->state != POLICY_SUSPECT)
		return;
	/* the clients' next connections say again whether it is dead */
	ret->state = d->prior;
	ret->probing = false;
	ret->tries = 0;
}
