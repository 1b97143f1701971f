/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Keeping IPVS matching the configuration while vigild runs: the periodic
 * reconcile pass and reloads (SIGHUP, or the control socket). The passes
 * themselves are apply.h's.
 */
#ifndef VIGIL_DAEMON_AGENT_H
#define VIGIL_DAEMON_AGENT_H

#include <stddef.h>

#include "agent-internal.h"

/* Starts (again, when the interval changed) the periodic pass. */
int agent_start_timer(struct agent *a);
/*
 * Loads the configuration again. A config that does not load is rejected
 * whole and the running one stays: -errno, with FILE:LINE:COL: message in WHY.
 */
int agent_reload(struct agent *a, char *why, size_t why_size);

#endif
