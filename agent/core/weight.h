/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one home of a destination's weight: what IPVS should get, from the
 * operator's weight, health weighting and the quarantine policy's ramp.
 * The others only report: policy.h the ramp factor (0 out of rotation),
 * health.h the score and when its health-weighted weight may move
 * (hysteresis, rate limit). Pure arithmetic.
 *
 *   out of rotation   0, or WEIGHT_REMOVED with `action: remove`
 *                     (ramp 0: quarantined, on probation)
 *   configured 0      0: the operator's own drain stays a drain
 *   in rotation       max(1, round(health-weighted x ramp)), at most the
 *                     configured weight; with health weighting off the
 *                     configured weight stands for the health-weighted one
 *   dry run           quarantine.enforce false: the policy's verdict (ramp)
 *                     is shown, not applied, so the ramp counts as 1; the
 *                     operator's own quarantine still applies
 *
 * Rounding is round(): halves away from zero. The floor of 1 keeps a
 * destination in rotation reachable; weight 0 would drain it.
 */
#ifndef VIGIL_AGENT_WEIGHT_H
#define VIGIL_AGENT_WEIGHT_H

#include <stdbool.h>
#include <stdint.h>

/* The destination leaves IPVS (quarantine action remove). */
#define WEIGHT_REMOVED UINT32_MAX

struct weight_inputs {
	uint32_t configured;      /* the operator's weight */
	bool health;              /* health weighting on: health_weighted applies */
	uint32_t health_weighted; /* health.h's effective weight */
	double ramp;              /* policy_weight_factor(): 0 out of rotation, up to 1 */
	bool remove;              /* out of rotation means out of IPVS */
	bool dry_run;             /* quarantine.enforce false: ramp ignored ... */
	bool manual;              /* ... unless the operator took it out */
};

/* The weight the destination should have now, or WEIGHT_REMOVED. */
uint32_t weight_effective(const struct weight_inputs *in);

/*
 * What health weighting asks for at SCORE (0 < score <= 1):
 * max(1, round(configured x score)), 0 for a configured 0. health.c's
 * effective weight follows it, lagging by its hysteresis and rate limit.
 */
uint32_t weight_health_target(uint32_t configured, double score);

#endif
