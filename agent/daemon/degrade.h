/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Degraded mode in vigild: what the probes cannot see now (as attached, with
 * what the self-check found silent since), and the schedule of active TCP
 * checks (fallback.h) that stands in for them. A failed check is evidence
 * for the same policy (dispatch.h).
 */
#ifndef VIGIL_DAEMON_DEGRADE_H
#define VIGIL_DAEMON_DEGRADE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent-internal.h"

/* Degraded mode's checks, told from probation's probes in a tcpcheck or udpcheck token. */
#define DEGRADE_TOKEN_CHECK 0x80000000u

/* A tcpcheck or udpcheck token: which service and destination, in the runtime of now. */
static inline uint64_t degrade_token(const struct agent *a, const struct runtime_service *s,
				     size_t dest)
{
	return (uint64_t)(s - a->rt->services) << 32 | dest;
}

/* What works and what does not now. */
void degrade_current(const struct agent *a, struct degraded *ret);
/* Whether connections are watched (passive detection works). */
bool degrade_watching(const struct agent *a);
/*
 * Starts the checks of every service that can be checked (a TCP service, a
 * UDP service with a probe: fallback_applies()), unless
 * connections are watched; again after a reload (other services, other
 * indexes). Stops the old ones first.
 */
int degrade_start(struct agent *a);
void degrade_stop(struct agent *a);
/* Starts the checks that are due. */
void degrade_tick(struct agent *a, uint64_t now_ns);
/* A check of service SVC's destination DEST ended. */
void degrade_check_done(struct agent *a, size_t svc, size_t dest, bool passed, int err);
/* The one warning that says what is missing and what vigild does instead. */
void degrade_log(const struct agent *a);

#endif
