/* SPDX-License-Identifier: GPL-2.0-only */
/* The control socket's requests, and its followers' stream of evidence and decisions. */
#ifndef VIGIL_DAEMON_COMMANDS_H
#define VIGIL_DAEMON_COMMANDS_H

#include "agent-internal.h"

/* Opens the control socket; -EADDRINUSE when another vigild answers on it. */
int commands_start(struct agent *a);
void commands_stop(struct agent *a);
/* The notify sink dispatch.h tells (data: the agent). */
void commands_evidence(void *data, const struct runtime_service *s, const struct evidence *ev);
void commands_decision(void *data, const struct runtime_service *s, const struct policy_decision *d,
		       const struct evidence *cause);
/* resets.h's notify sink (data: the agent). */
void commands_reset(void *data, const struct runtime_service *s, const struct sockreset_result *r,
		    const char *mechanism);

#endif
