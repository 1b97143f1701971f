/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigild's context, shared by the daemon's modules (agent/README.md draws
 * who calls whom): vigild.c starts and stops them; agent.c keeps IPVS
 * matching the configuration through apply.h (periodic passes, reloads);
 * watch.c feeds the connections' events to the detector and its evidence to
 * dispatch.h, which hands the weights to apply.h and tells commands.c's
 * followers through the sinks vigild.c registers; degrade.c checks the
 * destinations itself when the probes cannot see; verify.c acts on what the
 * self-check finds; commands.c and exporter.c read it for the control
 * socket and the metrics; resets.c resets the stalled sockets of the clients
 * of destinations quarantined for silence; setup.c sets the host up while
 * services are configured, and undoes it when none is left; supervisor.c
 * tells systemd how vigild is.
 */
#ifndef VIGIL_DAEMON_AGENT_INTERNAL_H
#define VIGIL_DAEMON_AGENT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "apply.h"
#include "config.h"
#include "control.h"
#include "degraded.h"
#include "detector.h"
#include "dispatch.h"
#include "fallback.h"
#include "loop.h"
#include "metrics.h"
#include "probes.h"
#include "runtime.h"
#include "selfcheck.h"
#include "sockreset.h"
#include "tcpcheck.h"
#include "udpcheck.h"

/* resets.c: the stalled sockets of silent destinations' clients */
struct agent_resets {
	struct sockreset *sr; /* NULL while connections are not watched */
	struct loop_source *alarm;
	struct sockreset_target *targets; /* now */
	size_t n_targets;
	uint64_t count, failed, sweeps; /* since start */
	bool sweep_failed;              /* the last sweep failed (said once) */
	/* who is told of each reset: the control socket's followers */
	void (*notify)(void *data, const struct runtime_service *s,
		       const struct sockreset_result *r, const char *mechanism);
	void *notify_data;
};

/* setup.c: the host set up for the services (vigil's interface, sysctls, watching) */
struct agent_setup {
	bool watching;    /* watch_start() and resets_start() ran: watch_stop() undoes them */
	bool undo_failed; /* the last undo left something: retried on start and reload only */
};

/* supervisor.c: what systemd is told, and the last reload's verdict (metrics) */
struct agent_supervisor {
	struct loop_source *watchdog; /* NULL: systemd wants no watchdog */
	char status[512];             /* the last STATUS= sent */
	bool reload_failed;           /* the last reload was rejected */
	char reload_error[1024];      /* why: FILE:LINE:COL: message */
	int64_t reload_ok_real_ns;    /* the last successful load (start counts), CLOCK_REALTIME */
};

/* Evidence and decisions the control socket keeps for `events`. */
#define COMMANDS_RECENT 256

struct agent {
	const char *config_path;
	struct config *config;
	struct runtime *rt;
	struct loop *loop;
	struct loop_source *timer; /* the periodic reconcile pass */
	int64_t started_real_ns;
	uint64_t started_ns;
	/* IPVS, its ownership, the routes and the state file */
	struct apply apply;
	/* evidence to decisions to weights */
	struct dispatch dispatch;

	/* watch.c; probes is NULL when connections cannot be watched */
	struct probes *probes;
	struct detector *detector;
	struct tcpcheck *tcpcheck;
	struct udpcheck *udpcheck; /* probes dns and udp (activecheck.h) */
	struct loop_source *events, *alarm, *drain, *health_timer;
	/* ring-buffer drops the detector has been resynchronised after (resync_after_drops) */
	uint64_t drops_seen, resyncs, resync_warned_ns;
	/*
	 * The kernel's HZ, which the SYN RTO sockops sets is counted in (0:
	 * unknown, so no service gets one), and the file it came from or why
	 * not; syn_rto_why: why no service's SYN RTO is in force, NULL if some may be.
	 */
	unsigned int hz;
	char hz_source[320];
	const char *syn_rto_why;
	/* an RTT was learned since the SYN RTOs were computed, at syn_rto_at_ns */
	bool syn_rto_dirty;
	uint64_t syn_rto_at_ns;

	struct agent_resets resets;
	struct agent_setup setup;
	struct agent_supervisor supervisor;

	/* verify.c: whether what is attached delivers (selfcheck.h) */
	struct selfcheck selfcheck;
	bool passive; /* connections are watched: no active checks (degrade_watching) */
	struct loop_source *selfcheck_timer;
	uint64_t lost_mark; /* ring-buffer drops and flow errors at the last check */
	char kernel[65];    /* uname -r, for the warnings */

	/* degrade.c: what the probes could not do (as attached), and the checks instead */
	struct degraded degraded;
	struct fallback_service *fallback; /* per service of rt; NULL while watching */
	size_t n_fallback;
	uint64_t fallback_ms;  /* the shortest interval of the checked services */
	size_t fallback_dests; /* destinations checked */
	size_t fallback_udp;   /* of those, checked by udpcheck (probes dns and udp) */

	/* commands.c; control is NULL when the socket could not be opened */
	struct control *control;
	struct json_object *recent[COMMANDS_RECENT]; /* the latest events, a ring */
	size_t recent_next;

	/* exporter.c; metrics is NULL when off or when it could not listen */
	struct metrics *metrics;
	struct config_addr metrics_addr; /* the agent.metrics it serves, or tried to */
};

#endif
