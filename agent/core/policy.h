/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The quarantine policy: evidence, probe results and the time in, decisions
 * about each real destination of a service out. Pure: no system calls, no
 * logging, no globals; the caller passes the time (CLOCK_MONOTONIC) and the
 * only randomness is a PRNG seeded by the caller and kept in the service.
 *
 * Per destination:
 *
 *   HEALTHY -evidence-> QUARANTINED -time-> PROBATION -passes-> RAMPING -warmup-> HEALTHY
 *                        ^  ^   |              |                  ^  |
 *                        |  |   +--no probes---|------------------+  |
 *                        |  +--probe failed----+                     |
 *                        +--evidence (a relapse)---------------------+
 *
 *   HEALTHY or RAMPING -uncertain evidence-> SUSPECT -a probe passes-> back, as it was
 *                                               |
 *                                               +--confirm_tries probes fail, or certain
 *                                                  evidence, or an outlier--> QUARANTINED
 *
 * QUARANTINED, PROBATION and SUSPECT are out of rotation (weight 0, or
 * removed: the agent's business), RAMPING and HEALTHY are in it.
 *
 * Suspect, then confirm. A lost SYN on a lossy but healthy path looks, to
 * one connection, just like a dead destination; so evidence that is not
 * certain (anything but a refusal) makes the destination SUSPECT: out of
 * rotation at once, which protects the clients (IPVS reschedules their
 * retransmitted SYNs), and probed at once. A probe that passes puts it back
 * as it was (ramp included) within about an RTT, with no relapse counted and
 * its backoff untouched; confirm_tries probes that fail in a row confirm it:
 * QUARANTINED, a relapse. Certain evidence (a refusal) quarantines at once.
 * Without probes (probe none) or with confirm_tries 0, all evidence is taken
 * as certain.
 *
 * Outliers, judged against the peers. Each destination counts its connection
 * attempts (policy_on_attempt()) and the uncertain evidence against them
 * (not a stall's: POLICY_EV_NOT_ATTEMPT),
 * and its suspect probes and their failures, over the last `window` (two
 * half-window buckets). When at least
 * outlier_min_attempts attempts were made to it, their failure share
 * exceeds the share of all its peers' attempts by outlier_percent points or
 * more, and that many failures would be very unlikely (POLICY_OUTLIER_P) at
 * the peers' share, it is failing where its peers succeed: quarantined
 * without waiting for a probe (a destination behind heavy loss answers a
 * probe now and then, and would otherwise come back at once). Loss on every
 * link raises every share alike, so it ejects nobody.
 *
 * - `failures` pieces of evidence within `window` take a destination in
 *   rotation out (to SUSPECT or QUARANTINED, see above); a quarantine lasts
 *   d = min(max, base x multiplier^relapses), jittered to
 *   d x (1 + jitter x r), r uniform in [-1, 1). `relapses` counts the
 *   quarantines since the destination last stayed in rotation (ramping counts)
 *   for a whole `max` without being taken out or failing open; then it is 0.
 * - Fail open: at most floor(n_dests x max_ejected_percent / 100) destinations
 *   are out of rotation when evidence would take one more out; otherwise the
 *   evidence gives a FAIL_OPEN decision (once per `window` per destination,
 *   so a failing destination kept in does not flood the log) and the
 *   destination stays in. Destinations the operator took out count towards
 *   that budget (they are out all the same) but are never refused by it.
 * - PROBATION asks for a probe on entry and then every probe_interval after
 *   the previous ask, never while one is outstanding; `successes` passes in a
 *   row release it, a failure is a relapse. Every PROBE decision must be
 *   answered by exactly one policy_on_probe() (the agent times it out as a
 *   failure); a result no probe is awaited for is ignored.
 * - RAMPING: the weight factor climbs a staircase from POLICY_RAMP_FLOOR to 1
 *   in POLICY_RAMP_STEPS equal steps over `warmup` (10%, 20%, ... 90%, then
 *   HEALTHY at 100%), so the agent reprograms a weight a bounded number of
 *   times; each step is a deadline of policy_next_deadline().
 * - The operator's quarantine (optionally timed) ignores the budget and no
 *   timer ends it but its own; a timed one ends in PROBATION like any other.
 *   policy_release() puts any destination out of rotation back into RAMPING.
 *
 * Everything that must survive a restart is struct policy_dest, times in the
 * monotonic clock (the agent converts them to wall time and back). Restoring
 * one with policy_dest_restore() neither releases a quarantined destination
 * nor forgets its backoff; the same call carries a destination's state into
 * the service rebuilt on a reload.
 */
#ifndef VIGIL_AGENT_POLICY_H
#define VIGIL_AGENT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config_policy;

#define POLICY_NEVER      UINT64_MAX /* a deadline that does not come */
#define POLICY_RAMP_FLOOR 0.1        /* the weight factor a ramp starts at */
#define POLICY_RAMP_STEPS 9u         /* steps from the floor to 1: 10%, 20%, ... 90% */
#define POLICY_MAX_DESTS  1000u      /* CONFIG_MAX_DESTINATIONS */
#define POLICY_OUTLIER_P  1e-3       /* how unlikely an outlier's failures must be by chance */

enum policy_state {
	POLICY_HEALTHY,
	POLICY_QUARANTINED,
	POLICY_PROBATION,
	POLICY_RAMPING,
	POLICY_SUSPECT, /* out of rotation while a probe confirms or clears the evidence */
};

enum policy_action {
	POLICY_ACT_QUARANTINE,        /* evidence took it out of rotation */
	POLICY_ACT_FAIL_OPEN,         /* evidence ignored: max_ejected_percent */
	POLICY_ACT_PROBE,             /* start a probe now */
	POLICY_ACT_PROBE_FAILED,      /* back to QUARANTINED, a relapse */
	POLICY_ACT_RELEASE_TO_RAMP,   /* back in rotation at the ramp's floor */
	POLICY_ACT_HEALTHY,           /* full weight: ramp done, or no warmup */
	POLICY_ACT_MANUAL_QUARANTINE, /* the operator took it out */
	POLICY_ACT_MANUAL_RELEASE,    /* the operator put it back */
	POLICY_ACT_SUSPECT,           /* uncertain evidence: out of rotation, probe it now */
	POLICY_ACT_CLEARED,           /* a suspect's probe passed: back as it was */
};

struct policy_settings {
	uint32_t failures;        /* this many pieces of evidence ... */
	uint64_t window_ns;       /* ... within this long take a destination out */
	uint64_t base_ns, max_ns; /* quarantine durations */
	double multiplier;        /* >= 1 */
	double jitter;            /* 0 <= jitter < 1 */
	uint32_t max_ejected_percent;
	bool probe;         /* false: QUARANTINED goes straight to RAMPING */
	uint32_t successes; /* probe passes in a row that end PROBATION */
	uint64_t probe_interval_ns;
	uint64_t warmup_ns;       /* 0: released straight to HEALTHY */
	uint32_t confirm_tries;   /* probes that must fail to confirm a suspect; 0: no suspects */
	uint32_t outlier_percent; /* failure share above the peers' that ejects; 0: off */
	uint32_t outlier_min_attempts; /* attempts within window before the share counts */
};

/* One destination: everything to persist across a restart, nothing else. */
struct policy_dest {
	enum policy_state state;
	bool manual;  /* QUARANTINED by the operator */
	bool probing; /* PROBATION: a probe is outstanding */
	/*
	 * Out of rotation on evidence of silence (confirmed, or taken as
	 * certain), not for a refusal nor by the operator: what makes its
	 * clients' stalled sockets worth resetting. Not kept across a restart.
	 */
	bool silent;
	uint32_t relapses;         /* quarantines since it last stayed in rotation for max */
	uint32_t quarantines;      /* every entry into QUARANTINED, for the CLI and metrics */
	uint32_t passes;           /* PROBATION: probes passed in a row */
	uint64_t since_ns;         /* entered the current state */
	uint64_t until_ns;         /* QUARANTINED: its end (POLICY_NEVER: until released);
				      RAMPING: end of the warm-up */
	uint64_t next_probe_ns;    /* PROBATION: when the next probe is due */
	uint64_t last_duration_ns; /* of the last quarantine, for the CLI */
	uint64_t stable_since_ns;  /* in rotation without failing since; relapses reset after max */
	/* SUSPECT only (a restart forgets a suspicion: the state file has `prior`) */
	enum policy_state prior; /* HEALTHY or RAMPING: where a cleared suspicion goes back to */
	uint32_t tries;          /* confirmation probes failed so far */
	int suspect_evidence;    /* the evidence kind that made it suspect */
	uint64_t suspect_ns;     /* when it became suspect */
	uint32_t suspicions;     /* every entry into SUSPECT, for the CLI and metrics */
};

/* What the caller must log and act on. */
struct policy_decision {
	enum policy_action action;
	size_t dest; /* index in the service's destinations */
	uint64_t at_ns;
	enum policy_state from, to;
	uint64_t until_ns;    /* quarantines: the end, POLICY_NEVER until released;
				 RELEASE_TO_RAMP: end of the warm-up */
	uint64_t duration_ns; /* quarantines: until_ns - at_ns (0 for POLICY_NEVER) */
	uint32_t relapses;    /* QUARANTINE, PROBE_FAILED: the exponent of the backoff */
	int evidence;         /* QUARANTINE, FAIL_OPEN: the caller's evidence kind */
};

/* Private: recent evidence against one destination, forgotten on a restart. */
struct policy_recent {
	uint64_t *at; /* settings.failures times, a ring */
	uint32_t next, count;
	bool failed_open; /* a FAIL_OPEN was reported at fail_open_ns */
	uint64_t fail_open_ns;
	/* the outlier window: [0] the previous half-window, [1] the current one */
	uint64_t bucket; /* the current half-window's number: now / (window / 2) */
	uint32_t attempts[2], failed[2];
};

/*
 * One service. Read dests[] freely (state, counts for the CLI); change them
 * only through the functions below. It owns its arrays: do not copy it.
 */
struct policy_service {
	struct policy_settings set;
	uint64_t prng;
	uint64_t clock_ns; /* the latest now_ns passed in */
	size_t n_dests;
	struct policy_dest *dests; /* config order */
	struct policy_recent *recent;
};

/* Milliseconds to nanoseconds; probe from probation.probe (AUTO: TCP services only). */
void policy_settings_from_config(const struct config_policy *p, uint8_t protocol,
				 struct policy_settings *ret);

/*
 * All destinations HEALTHY. -EINVAL for settings out of range or more than
 * POLICY_MAX_DESTS destinations, -ENOMEM. Allocates 8 x failures bytes of
 * evidence ring per destination; nothing after that.
 */
int policy_service_init(struct policy_service *s, const struct policy_settings *set, size_t n_dests,
			uint64_t seed);
/* Accepts a zeroed or cleared service. */
void policy_service_clear(struct policy_service *s);

/* How a piece of evidence counts, for policy_on_evidence(); 0: uncertain, in the share. */
enum policy_evidence_flag {
	/* it cannot come from a healthy destination (a refusal): no probe confirms it */
	POLICY_EV_CERTAIN = 1u << 0,
	/*
	 * not the failure of an attempt (a stall of a long-lived connection):
	 * left out of the outlier share, whose denominator is attempts
	 */
	POLICY_EV_NOT_ATTEMPT = 1u << 1,
};

/*
 * One piece of evidence of kind EVIDENCE (passed through to the decision);
 * FLAGS: enum policy_evidence_flag (true and false still mean certain and
 * not). Returns 1 with *ret filled when it decides (SUSPECT, QUARANTINE or
 * FAIL_OPEN), 0 when not (too little evidence yet, already out of rotation
 * or suspect), -EINVAL.
 */
int policy_on_evidence(struct policy_service *s, size_t dest, int evidence, unsigned int flags,
		       uint64_t now_ns, struct policy_decision *ret);

/* A connection attempt IPVS sent to the destination: the outliers' denominator. */
void policy_on_attempt(struct policy_service *s, size_t dest, uint64_t now_ns);

/* Its attempts and failed ones within the outlier window at now_ns, for the CLI. */
void policy_attempts(const struct policy_service *s, size_t dest, uint64_t now_ns,
		     uint32_t *ret_attempts, uint32_t *ret_failed);

/*
 * The result of the outstanding probe of a destination in PROBATION or
 * SUSPECT. 1 with *ret when it decides (PROBATION: PROBE_FAILED,
 * RELEASE_TO_RAMP or HEALTHY; SUSPECT: CLEARED, PROBE for the next try, or
 * QUARANTINE once confirmed), 0 when not (more passes needed, no probe
 * outstanding), -EINVAL.
 */
int policy_on_probe(struct policy_service *s, size_t dest, bool passed, uint64_t now_ns,
		    struct policy_decision *ret);

/*
 * The timed transitions due at now_ns (quarantine over: PROBE, or
 * RELEASE_TO_RAMP/HEALTHY without probes; next probe due: PROBE; warm-up
 * over: HEALTHY), at most MAX of them, written to OUT; returns how many.
 * When it returns MAX, call it again. It also resets the backoff of
 * destinations that have been stable for `max` (no decision). Weight factors
 * change only at these deadlines and the other calls, so the agent recomputes
 * weights after each.
 */
size_t policy_tick(struct policy_service *s, uint64_t now_ns, struct policy_decision *out,
		   size_t max);

/* When policy_tick() next has something to do; POLICY_NEVER: nothing timed. */
uint64_t policy_next_deadline(const struct policy_service *s);

/*
 * The operator's quarantine, for FOR_NS (0: until policy_release()), from any
 * state and regardless of max_ejected_percent. 1 with *ret, or -EINVAL.
 */
int policy_quarantine(struct policy_service *s, size_t dest, uint64_t now_ns, uint64_t for_ns,
		      struct policy_decision *ret);

/*
 * The operator's release of a destination out of rotation: to RAMPING, or
 * HEALTHY without warmup; its backoff is kept. 1 with *ret, 0 if it was in
 * rotation already, -EINVAL.
 */
int policy_release(struct policy_service *s, size_t dest, uint64_t now_ns,
		   struct policy_decision *ret);

/*
 * At now_ns: 0 out of rotation, the ramp's step when RAMPING, 1 when HEALTHY.
 * weight.h turns it into a weight.
 */
double policy_weight_factor(const struct policy_service *s, size_t dest, uint64_t now_ns);

/* The state to save for a restart: a suspicion is not kept, its prior state is. */
void policy_dest_persistent(const struct policy_dest *d, struct policy_dest *ret);

/*
 * Sets a destination's state from a saved (restart) or previous (reload)
 * struct policy_dest. Its recent evidence is forgotten and an outstanding
 * probe is asked again, since its result will not come. -EINVAL for an index
 * out of range or an inconsistent struct.
 */
int policy_dest_restore(struct policy_service *s, size_t dest, const struct policy_dest *d);

const char *policy_state_name(enum policy_state state);
const char *policy_action_name(enum policy_action action);

#endif
