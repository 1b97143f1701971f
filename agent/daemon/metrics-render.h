/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigild's metrics in Prometheus' text exposition format (version 0.0.4):
 * a pure function of a snapshot the agent gathers, so the unit tests check
 * the text byte for byte. Every family has # HELP and # TYPE, even when it
 * has no sample now (not watching connections: no BPF counters), so a
 * dashboard finds its names. The families are listed in vigild(8).
 */
#ifndef VIGIL_AGENT_METRICS_RENDER_H
#define VIGIL_AGENT_METRICS_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "degraded.h"
#include "policy.h"
#include "reconcile.h"
#include "runtime.h"

#define METRICS_OP_TYPES (RECONCILE_SERVICE_DEL + 1) /* by enum reconcile_op_type */
#define METRICS_ACTIONS  (POLICY_ACT_CLEARED + 1)    /* by enum policy_action */

struct metrics_snapshot {
	const char *version;
	int64_t started_real_ns; /* CLOCK_REALTIME */
	/* the last reload (the first load counts): taken, and when one last was */
	bool reload_ok;
	int64_t reload_ok_real_ns; /* CLOCK_REALTIME */
	/* the BPF side; have_counters false: not watching, no samples */
	bool watching;
	bool have_counters;
	struct watch_counters counters;
	/* what works now, per capability (degraded.h), and how often each was found silent */
	struct degraded degraded;
	uint64_t silences[DEGRADED_N_CAPS];
	uint64_t evidence;
	uint64_t reset_failures; /* sockets resets.h could not reset */
	uint64_t decisions[METRICS_ACTIONS];
	uint64_t netlink_ops[METRICS_OP_TYPES], netlink_errors[METRICS_OP_TYPES];
	/* reconcile passes; reconciles 0: no duration yet */
	uint64_t reconciles, reconciles_skipped;
	double reconcile_seconds; /* the last pass */
	size_t owned;
	const struct runtime *rt; /* NULL: no services */
};

/* The exposition text, NUL-terminated, in *RET_TEXT (free() it). -ENOMEM. */
int metrics_render(const struct metrics_snapshot *m, char **ret_text, size_t *ret_len);

/*
 * VALUE as a label value: backslash, double quote and newline escaped.
 * Writes at most SIZE bytes with the NUL; returns the length it needs.
 */
size_t metrics_escape(const char *value, char *buf, size_t size);

#endif
