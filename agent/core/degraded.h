/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What vigild can and cannot watch on this kernel, per capability, and why:
 * probes.c fills it while it loads and attaches the BPF programs, degrade.c
 * decides what to do instead (fallback.h), render-state.c and the start-up
 * log say it. Pure: names and text, no I/O.
 *
 *   connection events    the TCP tracepoints (and tcp_connect): what
 *                        clients' connections do; without them no passive
 *                        detection
 *   real destination     ip_vs_conn_new (fexit, else kretprobe): which real
 *                        destination IPVS chose; without it the events and
 *                        the sockops metrics name only the VIP, so neither
 *                        can be used
 *   health metrics       sockops on the root cgroup v2: TCP health per
 *                        destination; without it the configured weights
 *
 * Attached is not working: selfcheck.h finds a capability that delivers
 * nothing, and it is then silent, with the same consequences as missing.
 */
#ifndef VIGIL_AGENT_DEGRADED_H
#define VIGIL_AGENT_DEGRADED_H

#include <stdbool.h>
#include <stddef.h>

enum degraded_cap {
	DEGRADED_EVENTS,
	DEGRADED_CORRELATION,
	DEGRADED_HEALTH,
	DEGRADED_N_CAPS,
};

enum degraded_state {
	DEGRADED_ATTACHED, /* works (perhaps through a fallback: see how) */
	DEGRADED_UNUSED,   /* attached, but useless without another capability */
	DEGRADED_MISSING,  /* the kernel (or VIGIL_DISABLE_PROBES) refused it: see why */
	DEGRADED_OFF,      /* not asked for (health weighting off in the config) */
	DEGRADED_SILENT,   /* attached, but found delivering nothing (selfcheck.h): see silent */
};

struct degraded_status {
	enum degraded_state state;
	bool verified;    /* attached and seen delivering what it should (selfcheck.h) */
	char how[256];    /* the programs attached: "fexit/ip_vs_conn_new" */
	char why[512];    /* causes, "; "-separated: "kretprobe/ip_vs_conn_new: ..." */
	char silent[192]; /* SILENT: what was expected of it and did not arrive */
};

struct degraded {
	struct degraded_status caps[DEGRADED_N_CAPS];
};

/* All three MISSING for CAUSE (printf-style): nothing could be loaded. */
void degraded_all_missing(struct degraded *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends a cause to the capability's why, "; " after the previous one. */
void degraded_why(struct degraded_status *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends a program to the capability's how, " " after the previous one. */
void degraded_how(struct degraded_status *c, const char *prog);

/*
 * Whether connections are watched: events and the real destination both
 * attached. Otherwise degraded mode checks the destinations itself.
 */
bool degraded_watching(const struct degraded *d);
/* Whether anything is not as asked for (off is as asked). */
bool degraded_any(const struct degraded *d);

/*
 * One line for the log: every capability not attached (or silent), what it lacks and, when
 * instead is not NULL, what vigild does instead (degraded_instead()'s
 * arguments follow it): "real destination missing (kretprobe/ip_vs_conn_new:
 * ...), instead active TCP checks ...; health metrics ...". Empty when all
 * is attached or off.
 */
void degraded_summary(const struct degraded *d, bool instead, unsigned long long fallback_ms,
		      size_t fallback_dests, size_t fallback_udp, char *buf, size_t size);

/* "connection_events", "real_destination", "health_metrics" (status keys). */
const char *degraded_cap_name(enum degraded_cap cap);
/* "attached", "unused", "missing", "off", "silent". */
const char *degraded_state_name(enum degraded_state state);

/*
 * What vigild does instead of capability CAP, in words ("active TCP checks
 * of 7 destinations every 2s", "configured weights"), or NULL when it works.
 * fallback_ms: the shortest fallback.interval of the checked services;
 * fallback_dests: the destinations checked; fallback_udp: how many of them
 * by udpcheck (probes dns and udp), the rest by a TCP connect.
 */
const char *degraded_instead(const struct degraded *d, enum degraded_cap cap,
			     unsigned long long fallback_ms, size_t fallback_dests,
			     size_t fallback_udp, char *buf, size_t size);

#endif
