/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Resetting the stalled sockets of a silent destination's clients
 * (sockreset.h does it): which destinations are targets now
 * (runtime_reset_wanted()), a sweep as soon as one becomes a target and then
 * every RESETS_SWEEP_MS while any is, and each reset counted, logged and
 * handed to the notify sink vigild.c registers.
 */
#ifndef VIGIL_DAEMON_RESETS_H
#define VIGIL_DAEMON_RESETS_H

#include "agent-internal.h"

/*
 * How often a target's clients are looked at again: a socket that was idle
 * when its destination went out stalls at its first retransmission timeout
 * (200 ms at the least) after it sends, and is reset at the next sweep.
 */
#define RESETS_SWEEP_MS 250

/* After watch_start(): chooses the mechanism ($VIGIL_RESET_MECHANISM to force one) and says which.
 */
int resets_start(struct agent *a);
void resets_stop(struct agent *a);
/* The policies' states changed (a decision, a reload): the targets again. */
void resets_update(struct agent *a);

#endif
