/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Making IPVS what the runtime wants, in one place: reconcile passes (a dump,
 * a plan, one netlink batch) and single services' weights (against what was
 * last applied, no dump), ownership written ahead in the state file, the VIP
 * routes on vigil's interface, and the record of what was applied. Depends
 * on the planner (reconcile.h, ownership.h), the IPVS library, the state
 * file and the host routes; every failure is logged here, naming the object.
 */
#ifndef VIGIL_IO_APPLY_H
#define VIGIL_IO_APPLY_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "hostnet.h"
#include "ipvs.h"
#include "reconcile.h"
#include "runtime.h"
#include "state.h"

#define APPLY_OP_TYPES (RECONCILE_SERVICE_DEL + 1) /* by enum reconcile_op_type */

/* What the passes did, for status and the metrics. */
struct apply_stats {
	/* the last pass that ran */
	int64_t real_ns;
	const char *why; /* a string literal */
	double ms;
	size_t ops, failed;
	unsigned int skipped; /* passes since then that found IPVS unchanged */
	/* since start */
	uint64_t count, skipped_count;
	uint64_t netlink_ops[APPLY_OP_TYPES], netlink_errors[APPLY_OP_TYPES];
};

struct apply {
	struct ipvs *ipvs;
	struct hostnet *hostnet;
	int ifindex; /* vigil's interface; 0 while none is set up (no service configured) */
	struct state state;
	char state_path[PATH_MAX];
	/* no state file at start: its services may be adopted back */
	bool state_missing;
	/* services not created: their claims could not be written */
	size_t unclaimed;
	size_t conflicts_reported;
	/* the IPVS family: gone (ip_vs unloaded), and the id it had */
	bool ipvs_gone;
	int ipvs_family;
	/* the fingerprint of IPVS when a full pass last found nothing to do */
	bool quiet_valid;
	uint64_t quiet_fingerprint;
	struct apply_stats stats;
	/* what it applies; the daemon swaps both on reload */
	const struct config *config;
	struct runtime *rt;
	/* told when ip_vs was loaded anew, before the pass programs it: its sysctls are back at
	 * their defaults */
	void (*on_ipvs_back)(void *data);
	void *data;
};

/* Closes what the daemon opened into AP (IPVS, the routes, the state). */
void apply_close(struct apply *ap);
/* Puts back the policy state the state file kept (after a restart). */
void apply_restore_policies(struct apply *ap);
/*
 * A reconcile pass: IPVS made to match the runtime's services, and the
 * VIP routes. WHY: "start", "reload", "periodic" (which may skip the dump when
 * IPVS is as the last quiet pass left it).
 */
int apply_pass(struct apply *ap, const char *why);
/*
 * Programs the weights service S should have now, if they changed, against
 * the weights last applied (a dump of that service when they are unknown).
 * origin_ns: the event that made it necessary, for the latency in the log; 0: none.
 */
int apply_service(struct apply *ap, struct runtime_service *s, uint64_t origin_ns);
/* Writes the state file: ownership and every destination's policy state. */
int apply_save_state(struct apply *ap);

#endif
