/* SPDX-License-Identifier: GPL-2.0-only */
/* Watching the connections: the BPF programs, their events and the alarm. */
#ifndef VIGIL_DAEMON_WATCH_H
#define VIGIL_DAEMON_WATCH_H

#include <stdint.h>

#include "agent-internal.h"
#include "counters.h"

/* Loads the BPF programs and starts watching; without them, vigild goes on. */
int watch_start(struct agent *a);
/* Stops watching: the BPF programs detached and unloaded, their timers gone; watch_start() may run
 * again. */
void watch_stop(struct agent *a);
/* After a reload (OLD: the runtime before it): the VIP filter, probes in flight, deadlines. */
void watch_reload(struct agent *a, const struct runtime *old);
/* After ip_vs was loaded anew: its hooks on the old module follow to the new one. */
void watch_ipvs_back(struct agent *a);
/* The BPF side's counters, for status and the metrics. -ENOTCONN when connections are not watched.
 */
int watch_get_counters(struct agent *a, struct watch_counters *ret);
/* Sets the alarm to the next deadline of the detector, the policies and the checks. */
void watch_rearm(struct agent *a);

#endif
