/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * From evidence to weights, the hot path: evidence passes the self-check's
 * gate, its service's policy judges it, and each decision is counted, logged,
 * handed to the actions (IPVS, then the state file; or a probe) and then to
 * the notify sink (the control socket's followers). The daemon registers
 * both; dispatch calls nothing of the daemon's itself, and takes the time as
 * an argument, so check_dispatch drives it with fake sinks and a fake clock.
 */
#ifndef VIGIL_DAEMON_DISPATCH_H
#define VIGIL_DAEMON_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detector.h"
#include "policy.h"
#include "runtime.h"
#include "selfcheck.h"

/* Syn-timeouts held until the connection events are verified (selfcheck_gate). */
#define DISPATCH_HELD 64

#define DISPATCH_ACTIONS (POLICY_ACT_CLEARED + 1) /* by enum policy_action */

/* What a decision makes happen: the daemon's I/O. */
struct dispatch_actions {
	/* programs the weights S should have now, if they changed; origin_ns: the event behind it,
	 * or 0 */
	void (*apply)(void *data, struct runtime_service *s, uint64_t origin_ns);
	/* records every destination's policy state (the state file) */
	void (*save)(void *data);
	/* starts a probation probe of S's destination DEST: 0, or -errno when it cannot start */
	int (*probe)(void *data, struct runtime_service *s, size_t dest);
	/* a destination went out of rotation or came back: whose stalled sockets to reset; may be
	 * NULL */
	void (*resets)(void *data);
	void *data;
};

/* Who is told, after IPVS has it: rendering is not on the path to weight 0. */
struct dispatch_notify {
	void (*evidence)(void *data, const struct runtime_service *s, const struct evidence *ev);
	/* CAUSE: the evidence behind the decision, or NULL */
	void (*decision)(void *data, const struct runtime_service *s,
			 const struct policy_decision *d, const struct evidence *cause);
	void *data;
};

struct dispatch {
	struct runtime *rt;          /* the services now; the daemon swaps it on reload */
	struct selfcheck *selfcheck; /* whose gate the evidence passes */
	struct dispatch_actions act;
	struct dispatch_notify notify;
	struct evidence held[DISPATCH_HELD];
	size_t n_held;
	/* since start, for status and the metrics */
	uint64_t evidence_count, decision_count;
	uint64_t decisions[DISPATCH_ACTIONS];
};

/* Evidence from the detector, or from a failed active check. */
void dispatch_evidence(struct dispatch *d, const struct evidence *ev, uint64_t now_ns);
/*
 * Acts on a decision of S's policy (the operator's included). CAUSE: the
 * evidence behind it, or NULL; origin_ns: the event that made it necessary,
 * for the latency in the log; 0: none.
 */
void dispatch_decide(struct dispatch *d, struct runtime_service *s,
		     const struct policy_decision *pd, const struct evidence *cause,
		     uint64_t origin_ns, uint64_t now_ns);
/* A probation probe of S's destination DEST ended. */
void dispatch_probe_done(struct dispatch *d, struct runtime_service *s, size_t dest, bool passed,
			 int err, uint64_t now_ns);
/* The policies whose deadline has come: their decisions, and ramp steps. */
void dispatch_tick(struct dispatch *d, uint64_t now_ns);
/* The evidence held: judged once the events are verified. */
void dispatch_release_held(struct dispatch *d, uint64_t now_ns);
/* The evidence held, forgotten (its answers may have been lost); how many. */
size_t dispatch_forget_held(struct dispatch *d);

#endif
