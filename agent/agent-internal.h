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

#include "config.h"
#include "detector.h"
#include "hostnet.h"
#include "ipvs.h"
#include "loop.h"
#include "prober.h"
#include "probes.h"
#include "runtime.h"
#include "state.h"

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
	/* the fingerprint of IPVS when a full pass last found nothing to do */
	bool quiet_valid;
	uint64_t quiet_fingerprint;
	unsigned int skipped_passes;

	/* watch.c; probes is NULL when connections cannot be watched */
	struct probes *probes;
	struct detector *detector;
	struct prober *prober;
	struct loop_source *events, *alarm, *drain, *health_timer;
	uint64_t evidence_count, decision_count;
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

/* watch.c */
/* Loads the BPF programs and starts watching; without them, vigild goes on. */
int watch_start(struct agent *a);
void watch_stop(struct agent *a);
/* After a reload (OLD: the runtime before it): the VIP filter, probes in flight, deadlines. */
void watch_reload(struct agent *a, const struct runtime *old);
/* Sets the alarm to the next deadline of the detector and the policies. */
void watch_rearm(struct agent *a);

#endif
