/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket's replies and events as JSON: pure functions of the
 * runtime, a dump of IPVS and the time, so the unit tests check them and
 * vigilctl renders the kernel's table the same way when vigild is down.
 * Every function returns a new object (json_object_put() it), or NULL with
 * errno = ENOMEM. The fields are listed in proto/control.md.
 */
#ifndef VIGIL_AGENT_RENDER_H
#define VIGIL_AGENT_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "degraded.h"
#include "detector.h"
#include "ipvs.h"
#include "policy.h"
#include "runtime.h"

/*
 * {"ok":true,"ipvs":{...},"services":[...]}: every service of RT (config
 * order) merged with what KERNEL has for it (counters, connections, the
 * weight in force), then the kernel's services vigild does not manage.
 * RT or KERNEL may be NULL (no agent; no dump); INFO may be NULL.
 */
struct json_object *render_list(const struct runtime *rt, const struct ipvs_table *kernel,
				const struct ipvs_info *info, uint64_t now_ns);

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
	bool have_counters;
	uint64_t events, ringbuf_drops, flow_errors, health_errors, missed, bad_records, resyncs;
	uint64_t flows_missing;
	bool have_detector;
	struct detector_stats detector;
	uint64_t evidence, decisions;
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

/* One decision; CAUSE: the evidence that made it, or NULL. */
struct json_object *render_decision(const struct policy_decision *d, const char *service,
				    const struct config_addr *real, const struct evidence *cause,
				    int64_t mono_to_real_ns);

/* "2026-11-23T15:44:57.123Z" for a CLOCK_REALTIME time in ns. */
void render_time(int64_t real_ns, char *buf, size_t size);

/* "tcp", "udp", "sctp", or "proto-N" in buf. */
const char *render_protocol(uint16_t protocol, char *buf, size_t size);
/* "masq", "local", "tunnel", "route", "bypass"; "?" otherwise. */
const char *render_forward(uint32_t fwd);

#endif
