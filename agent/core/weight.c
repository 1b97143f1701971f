// SPDX-License-Identifier: GPL-2.0-only
#include "weight.h"

#include <math.h>

/* round(base x factor), at least 1 and at most CAP: a weight in rotation, never a drain. */
static uint32_t scale(uint32_t base, double factor, uint32_t cap)
{
	double w = round(base * factor);

	return w < 1 ? 1 : w > cap ? cap : (uint32_t)w;
}

uint32_t weight_effective(const struct weight_inputs *in)
{
	double ramp = in->dry_run && !in->manual ? 1.0 : in->ramp;

	/* before the configured 0: a removed destination leaves IPVS whatever its weight */
	if (ramp <= 0)
		return in->remove ? WEIGHT_REMOVED : 0;
	if (!in->configured)
		return 0;
	return scale(in->health ? in->health_weighted : in->configured, ramp, in->configured);
}

uint32_t weight_health_target(uint32_t configured, double score)
{
	/* the cap is no clamp: a score is at most 1 */
	return configured ? scale(configured, score, configured) : 0;
}
