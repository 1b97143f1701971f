/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Health weighting: a score and an effective weight for each destination of
 * a service, from the TCP metrics the sockops program keeps per real
 * destination (struct vigil_health: counters that only grow). Pure: the
 * caller reads the kernel's counters and passes them in with the time
 * (CLOCK_MONOTONIC), so tests drive it with a fake clock.
 *
 * Windows. Each destination's data is the difference between the counters
 * now and at the start of its window. A window closes, and its figures
 * become the destination's measurement, once it holds HEALTH_MIN_SAMPLES
 * RTT samples; until then it keeps growing and the destination keeps its
 * measurement (a destination with a low weight gets little traffic and
 * would otherwise swing back and forth). A window still open after
 * HEALTH_MAX_WINDOW intervals drops the measurement: no data is not bad
 * data, the score is 1 again. Counters that went backwards (the kernel's
 * entry was evicted and made anew) count from zero.
 *
 * Measurement of a window:
 *   rtt  = rtt_sum_us / rtt_samples
 *          the mean smoothed RTT of the destination's connections, sampled at
 *          their establishment and at each ACK that yields an RTT sample;
 *   loss = min(1, retrans / (data_segs + conns))
 *          segments retransmitted per segment sent, SYNs counted as sent.
 *
 * Score (HEALTH_MIN_SCORE .. 1), comparing the destinations of the service:
 *   score  = max(HEALTH_MIN_SCORE, f_rtt * f_loss)
 *   f_rtt  = (best + HEALTH_RTT_SLACK_US) / (rtt + HEALTH_RTT_SLACK_US)
 *            best: the lowest rtt among the service's measured destinations;
 *            the slack keeps differences of a few ms on a LAN from counting
 *            (1 ms against 3 ms: 0.85) while 1 ms against 201 ms gives 0.05;
 *   f_loss = 1 / (1 + HEALTH_LOSS_PENALTY * loss)
 *            1% retransmitted: 0.91; 5%: 0.67; 30%: 0.25.
 *   An unmeasured destination scores 1.
 *
 * Weight: the target is weight_health_target() of the score (weight.h:
 * max(1, round(weight x score)), 0 for a configured 0). The effective
 * weight moves to the target only when
 *   - it differs by at least min_change x the configured weight (hysteresis:
 *     so the effective weight may rest up to that far from the target), and
 *   - the destination changed fewer than max_changes_per_minute times in the
 *     last 60 s (rate limit; a change held back is tried again at the next
 *     update).
 * With health disabled every effective weight is the configured one.
 */
#ifndef VIGIL_AGENT_HEALTH_H
#define VIGIL_AGENT_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "config.h"
#include "vigil.h"

#define HEALTH_MIN_SAMPLES  5       /* RTT samples that close a window */
#define HEALTH_MAX_WINDOW   12      /* intervals a window may stay open */
#define HEALTH_RTT_SLACK_US 10000.0 /* see f_rtt */
#define HEALTH_LOSS_PENALTY 10.0    /* see f_loss */
#define HEALTH_MIN_SCORE    0.01
/* The largest max_changes_per_minute the config allows. */
#define HEALTH_MAX_CHANGES  60

struct health_dest_status {
	struct config_addr addr;
	struct vigil_real real;
	uint32_t weight;    /* configured; 0: not in rotation */
	uint32_t effective; /* in force: what IPVS should get (unless quarantined) */
	uint32_t target;    /* what the score asks for; effective lags (hysteresis, rate limit) */
	double score;       /* HEALTH_MIN_SCORE .. 1 */
	bool measured;      /* rtt_us, loss and samples are of a closed window */
	double rtt_us;
	double loss;
	uint64_t samples; /* RTT samples of that window */
	uint64_t changes; /* effective weight changes so far */
};

/* One service's destinations. */
struct health;

struct health *health_new(void);
void health_free(struct health *h);

/*
 * Takes the service's health settings and destinations (in config order),
 * keeping the state of destinations that stay. A destination whose
 * configured weight changed takes its new target at once. -ENOMEM, or
 * -EINVAL for an address family vigil does not know.
 */
int health_configure(struct health *h, const struct config_service *svc);

/*
 * Every destination back to its configured weight, unmeasured, as if health
 * weighting had just started (its measurements can no longer be trusted).
 */
void health_reset(struct health *h);

/* A destination's cumulative counters; NULL if the kernel has none (zero). */
typedef const struct vigil_health *(*health_lookup_fn)(const struct vigil_real *real, void *data);

/*
 * An update at now_ns: does nothing (0) before the service's interval has
 * passed since the last one; the first one only starts the windows.
 * Returns how many effective weights changed.
 */
int health_update(struct health *h, uint64_t now_ns, health_lookup_fn lookup, void *data);

/* When health_update() next has work; 0 if it never ran. */
uint64_t health_next_update(const struct health *h);

size_t health_count(const struct health *h);
/* The destination at config index i (i < health_count()). */
const struct health_dest_status *health_dest(const struct health *h, size_t i);
/* The destination with this address, or NULL. */
const struct health_dest_status *health_find(const struct health *h,
					     const struct config_addr *addr);

/* The key of the kernel's health map for a destination address. -EINVAL: unknown family. */
int health_real_from_addr(const struct config_addr *addr, struct vigil_real *ret);

#endif
