/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket's replies and events that carry vigild's own state
 * (the runtime, policy, health, detector and degraded mode), laid out with
 * proto's builders (reply.h, render.h). Pure functions of that state and the
 * time, so the unit tests check them; each returns a new object
 * (json_object_put() it), or NULL with errno = ENOMEM. The fields are listed
 * in proto/control.md, their names and types in proto/control.schema.json,
 * which tests/unit/control_samples.c holds these functions to.
 */
#ifndef VIGIL_DAEMON_RENDER_STATE_H
#define VIGIL_DAEMON_RENDER_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "counters.h"
#include "degraded.h"
#include "detector.h"
#include "ipvs.h"
#include "policy.h"
#include "render.h"
#include "runtime.h"

/*
 * The list reply (render_list()) for vigild: every service of RT (config
 * order) with what its policy and health say and what KERNEL has for it, then
 * the kernel's services vigild does not manage. RT may be NULL (no agent),
 * KERNEL too (no dump: KERNEL_ERROR, -errno, says why; 0 for none); INFO and
 * TIMEOUTS may be NULL.
 */
struct json_object *render_list_runtime(const struct runtime *rt, const struct ipvs_table *kernel,
					int kernel_error, const struct ipvs_info *info,
					const struct ipvs_timeouts *timeouts, uint64_t now_ns);

/* What status reports; the caller gathers it, render_status() lays it out. */
struct render_status {
	const char *version;
	const char *kernel;  /* uname release */
	const char *machine; /* uname machine */
	const char *config_path;
	const char *control_path;
	const char *metrics; /* the address /metrics is served on; NULL: not served */
	int64_t started_real_ns;
	uint64_t uptime_ns;
	uint32_t ipvs_version; /* 0: unknown */
	/* the BPF side; watching false: none of it */
	bool watching;
	const char *attached; /* probes_attached() */
	bool sockops;
	/* per capability, how or why not; NULL: no degraded section */
	const struct degraded *degraded;
	uint64_t fallback_ms;  /* degraded mode: the shortest check interval */
	size_t fallback_dests; /* degraded mode: destinations checked */
	size_t fallback_udp;   /* of those, checked by udpcheck */
	bool have_counters;
	struct watch_counters counters;
	bool have_detector;
	struct detector_stats detector;
	/*
	 * The SYN RTO sockops sets: in force or why not; the kernel's HZ (0:
	 * unknown) and where it was read, or why not. When in force, each TCP
	 * service of rt has its own (timing.syn_rto_ns).
	 */
	bool syn_rto;
	const char *syn_rto_why;
	unsigned int hz;
	const char *hz_source;
	uint64_t evidence, decisions;
	/* resets.h: the mechanism (NULL: connections not watched) and why not a better one */
	const char *reset_mechanism;
	const char *reset_why;
	uint64_t resets, resets_failed, reset_sweeps;
	size_t reset_targets;
	/* the last reconcile pass; at_real_ns 0: none yet */
	int64_t reconcile_real_ns;
	const char *reconcile_why;
	double reconcile_ms;
	size_t reconcile_ops, reconcile_failed, reconcile_skipped;
	size_t owned;
	size_t unclaimed; /* configured, not created: their claims could not be written */
	size_t clients, subscribers;
	const struct runtime *rt; /* for the counts of destinations per state */
};

struct json_object *render_status(const struct render_status *st);

/*
 * One piece of evidence against destination REAL of SERVICE, for events:
 * {"event":"evidence",...} with the client 4-tuple behind it.
 */
struct json_object *render_evidence(const struct evidence *ev, const char *service,
				    int64_t mono_to_real_ns, uint64_t now_ns);

/*
 * One socket reset, for events: {"event":"reset",...}: the client's 4-tuple,
 * the real destination, how long it had stalled, the mechanism; ERROR
 * (-errno) when it could not be reset. AT_NS: when (CLOCK_MONOTONIC).
 */
struct json_object *render_reset(const struct vigil_flow *flow, const struct vigil_real *real,
				 uint64_t stalled_ns, int error, const char *service,
				 const char *mechanism, uint64_t at_ns, int64_t mono_to_real_ns);

/* One decision; CAUSE: the evidence that made it, or NULL. */
struct json_object *render_decision(const struct policy_decision *d, const char *service,
				    const struct config_addr *real, const struct evidence *cause,
				    int64_t mono_to_real_ns);

/*
 * The reply to events: the N slots of the ring RECENT from its oldest, at
 * FIRST, on (empty slots, NULL, skipped); FOLLOW as asked.
 */
struct json_object *render_events(struct json_object *const *recent, size_t n, size_t first,
				  bool follow);

/*
 * The reply to quarantine and release: destination J of S as the request
 * left it; CHANGED false when it was so already.
 */
struct json_object *render_target(const struct runtime_service *s, size_t j, bool changed,
				  uint64_t now_ns);

/* The reply to a reload that was taken: the file read and how many services it has. */
struct json_object *render_reload(const char *config_path, size_t services);

#endif
