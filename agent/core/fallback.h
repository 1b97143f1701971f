/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Degraded mode's active checks: when the BPF programs cannot watch the
 * clients' connections (or cannot tell which real destination IPVS chose,
 * which makes the events useless), vigild connects to every destination in
 * rotation itself, each fallback.interval, and a failed connect is evidence
 * (EVIDENCE_PROBE_FAILED) for the same policy. This is the schedule: which
 * destination to check when. Pure: the caller passes the time
 * (CLOCK_MONOTONIC) and does the checks (activecheck.h: a TCP connect, or
 * the UDP service's DNS query or datagram).
 *
 * - The first checks of a service are spread evenly over one interval, so
 *   that a service of many destinations does not send a burst of SYNs.
 * - A destination is checked at most once at a time: its next check is one
 *   interval after the previous one was due, but never while one is still
 *   running (then it is due as soon as that one is done).
 * - Destinations out of rotation (quarantined, on probation) are skipped:
 *   probation probes them already, and evidence against them is ignored.
 *   Their turns go by as if checked.
 */
#ifndef VIGIL_AGENT_FALLBACK_H
#define VIGIL_AGENT_FALLBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "policy.h"

struct fallback_dest {
	uint64_t next_ns; /* when its next check is due */
	bool busy;        /* a check is running */
};

/* One service's schedule. It owns its array: do not copy it. */
struct fallback_service {
	uint64_t interval_ns, timeout_ns;
	size_t n_dests;
	struct fallback_dest *dests; /* config order */
};

/*
 * Whether a service is checked in degraded mode: TCP services, and UDP
 * services whose probation.probe says how (dns, udp, or tcp if the operator
 * says a TCP connect tells of the UDP server); probe none, never.
 */
bool fallback_applies(const struct config_service *cs);

/*
 * From the service's fallback settings, its first checks spread over one
 * interval from now_ns. -EINVAL for a zero interval or more than
 * POLICY_MAX_DESTS destinations, -ENOMEM.
 */
int fallback_service_init(struct fallback_service *f, const struct config_fallback *cfg,
			  size_t n_dests, uint64_t now_ns);
/* Accepts a zeroed or cleared schedule. */
void fallback_service_clear(struct fallback_service *f);

/*
 * The destinations whose check is due at now_ns, at most MAX of them, written
 * to OUT (indexes) and marked busy; returns how many. When it returns MAX,
 * call it again. POLICY (may be NULL) tells which destinations are out of
 * rotation: they are skipped.
 */
size_t fallback_due(struct fallback_service *f, const struct policy_service *policy,
		    uint64_t now_ns, size_t *out, size_t max);

/* A check of DEST ended (passed or not) at now_ns. -EINVAL if none was running. */
int fallback_done(struct fallback_service *f, size_t dest, uint64_t now_ns);

/* When fallback_due() next has something to return; POLICY_NEVER: nothing. */
uint64_t fallback_next_deadline(const struct fallback_service *f);

#endif
