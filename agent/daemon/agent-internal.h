/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside vigild's agent mode: agent.c keeps IPVS matching the configuration
 * (start-up, reloads, reconcile passes, state); watch.c watches the
 * connections (events, detector, policy, probes, health) and asks agent.c to
 * program the weights it decides.
 */
#ifndef VIGIL_AGENT_AGENT_INTERNAL_H
#define VIGIL_AGENT_AGENT_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "config.h"
#include "control.h"
#include "degraded.h"
#include "detector.h"
#include "fallback.h"
#include "hostnet.h"
#include "ipvs.h"
#include "loop.h"
#include "metrics.h"
#include "tcpcheck.h"
#include "probes.h"
#include "reconcile.h"
#include "runtime.h"
#include "selfcheck.h"
#include "state.h"

/* Evidence and decisions the control socket keeps for `events`. */
#define COMMANDS_RECENT 256

/* Syn-timeouts held until the connection events are verified (selfcheck_gate). */
#define WATCH_HELD 64

#define AGENT_OP_TYPES (RECONCILE_SERVICE_DEL + 1)     /* by enum reconcile_op_type */
#define AGENT_ACTIONS  (POLICY_ACT_MANUAL_RELEASE + 1) /* by enum policy_action */

struct agent {
	const char *config_path;
	struct config *config;
	struct runtime *rt;
	struct ipvs *ipvs;
	struct hostnet *hostnet;
	int ifindex;
	struct state state;
	char state_path[PATH_MAX];
	struct loop *loop;
	struct loop_source *timer;
	size_t conflicts_reported;
	/* services not created: their claims could not be written */
	size_t unclaimed;
	/* the IPVS family: gone (ip_vs unloaded), and the id it had */
	bool ipvs_gone;
	int ipvs_family;
	/* no state file at start: its services may be adopted back (adopt_lost_services) */
	bool state_missing;
	/* the fingerprint of IPVS when a full pass last found nothing to do */
	bool quiet_valid;
	uint64_t quiet_fingerprint;
	unsigned int skipped_passes;
	/* the last reconcile pass that ran, for status */
	int64_t reconcile_real_ns;
	const char *reconcile_why; /* a string literal */
	double reconcile_ms;
	size_t reconcile_ops, reconcile_failed;
	/* since start, for the metrics */
	uint64_t reconcile_count, reconcile_skipped_count;
	uint64_t netlink_ops[AGENT_OP_TYPES], netlink_errors[AGENT_OP_TYPES];
	int64_t started_real_ns;
	uint64_t started_ns;

	/* watch.c; probes is NULL when connections cannot be watched */
	struct probes *probes;
	struct detector *detector;
	struct tcpcheck *tcpcheck;
	struct loop_source *events, *alarm, *drain, *health_timer;
	uint64_t evidence_count, decision_count;
	uint64_t decisions[AGENT_ACTIONS];
	/* whether what is attached delivers (selfcheck.h), checked every SELFCHECK_INTERVAL_MS */
	struct selfcheck selfcheck;
	bool passive; /* connections are watched: no active checks (watch_watching) */
	struct loop_source *selfcheck_timer;
	uint64_t lost_mark; /* ring-buffer drops and flow errors at the last check */
	/* ring-buffer drops the detector has been resynchronised after (resync_after_drops) */
	uint64_t drops_seen, resyncs, resync_warned_ns;
	struct evidence held[WATCH_HELD];
	size_t n_held;
	char kernel[65]; /* uname -r, for the warnings */
	/* what the probes could not do (as attached), and degraded mode's checks instead */
	struct degraded degraded;
	struct fallback_service *fallback; /* per service of rt; NULL while watching */
	size_t n_fallback;
	uint64_t fallback_ms;  /* the shortest interval of the checked services */
	size_t fallback_dests; /* destinations checked */

	/* commands.c; control is NULL when the socket could not be opened */
	struct control *control;
	struct json_object *recent[COMMANDS_RECENT]; /* the latest events, a ring */
	size_t recent_next;

	/* exporter.c; metrics is NULL when off or when it could not listen */
	struct metrics *metrics;
	struct config_addr metrics_addr; /* the agent.metrics it serves, or tried to */
};

uint64_t agent_now_ns(void);
/* CLOCK_REALTIME minus CLOCK_MONOTONIC, for times that must survive a reboot. */
int64_t agent_mono_to_real_ns(void);

/*
 * Programs the weights service S should have now, if they changed, through
 * the reconcile path (a plan against the weights vigild last programmed, or
 * against a dump of that service when one is unknown; a batch). origin_ns:
 * the event that made it necessary, for the latency in the log; 0: none.
 */
int agent_apply_service(struct agent *a, struct runtime_service *s, uint64_t origin_ns);
/* Writes the state file: ownership and every destination's policy state. */
int agent_save_state(struct agent *a);
/*
 * Loads the configuration again (SIGHUP, or the control socket). A config
 * that does not load is rejected whole and the running one stays: -errno,
 * with FILE:LINE:COL: message in WHY.
 */
int agent_reload(struct agent *a, char *why, size_t why_size);

/* watch.c */
/* Loads the BPF programs and starts watching; without them, vigild goes on. */
int watch_start(struct agent *a);
void watch_stop(struct agent *a);
/* After a reload (OLD: the runtime before it): the VIP filter, probes in flight, deadlines. */
void watch_reload(struct agent *a, const struct runtime *old);
/* After ip_vs was loaded anew: its hooks on the old module follow to the new one. */
void watch_ipvs_back(struct agent *a);
/* The BPF side's counters, for status and the metrics. */
struct watch_counters {
	uint64_t events, ringbuf_drops, flow_errors, health_errors, missed, bad_records;
	uint64_t flows_missing; /* state changes of VIP flows whose entry was evicted */
	uint64_t resyncs; /* attempts in flight forgotten after the ring buffer overflowed */
};
/* -ENOTCONN when connections are not watched. */
int watch_get_counters(struct agent *a, struct watch_counters *ret);
/*
 * What works and what does not now: as attached, with what selfcheck found
 * silent since. Whether connections are watched (passive detection works).
 */
void watch_degraded(const struct agent *a, struct degraded *ret);
bool watch_watching(const struct agent *a);
/* Sets the alarm to the next deadline of the detector and the policies. */
void watch_rearm(struct agent *a);
/*
 * Acts on a decision of S's policy (the operator's included): logs it, tells
 * the control socket's followers, programs IPVS and saves the state. CAUSE:
 * the evidence behind it, or NULL.
 */
void watch_decide(struct agent *a, struct runtime_service *s, const struct policy_decision *d,
		  const struct evidence *cause, uint64_t origin_ns);

/* commands.c: the control socket's requests */
/* Opens the control socket; -EADDRINUSE when another vigild answers on it. */
int commands_start(struct agent *a);
void commands_stop(struct agent *a);
/* Evidence and decisions, for `events` and its followers. */
void commands_evidence(struct agent *a, const struct runtime_service *s, const struct evidence *ev);
void commands_decision(struct agent *a, const struct runtime_service *s,
		       const struct policy_decision *d, const struct evidence *cause);

/* exporter.c: the metrics endpoint; its failures are logged, never fatal */
void exporter_start(struct agent *a);
/* After a reload: listens on agent.metrics if it changed (or failed before). */
void exporter_reload(struct agent *a);
void exporter_stop(struct agent *a);

#endif
