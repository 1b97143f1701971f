/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host set up for vigild's services, only while it has some: vigil's
 * dummy interface for the VIP routes, the IPVS sysctls failover needs
 * (recorded with their values before, hostchange.h), and the BPF programs
 * that watch the connections (sockops on the root cgroup among them). With
 * no service configured vigild changes nothing on the host. The first
 * service, at start or on reload, sets it all up; once the last is gone and
 * vigild owns no IPVS service any more, it is undone, as vigild --cleanup
 * would: the interface deleted with its routes, the sysctls put back.
 */
#ifndef VIGIL_DAEMON_SETUP_H
#define VIGIL_DAEMON_SETUP_H

#include <stdbool.h>

#include "agent-internal.h"
#include "hostnet.h"
#include "state.h"

/*
 * Before a reconcile pass: the interface (the pass routes the VIPs through
 * it) and the sysctls, when a service is configured. 0, or -errno when the
 * interface cannot be had (vigild's start fails on it; a reload goes on).
 */
int setup_before_pass(struct agent *a);
/*
 * After a pass: watching started when a service is configured, or the host
 * undone when none is and vigild owns no service. PERIODIC: an undo that
 * failed before is not tried again (start and reload do). 0, or the -errno
 * of watching's start.
 */
int setup_after_pass(struct agent *a, bool periodic);
/* The sysctls set (again: ip_vs was loaded anew with its defaults), if agent.sysctls and a service
 * is configured. */
void setup_sysctls(struct agent *a);

/*
 * The undo steps, shared with vigild --cleanup; each logs every object it
 * removes or keeps, and why, and updates S's records. The number of objects
 * it could not undo.
 *
 * vigil's interface: S's record, else NAME; deleted with its routes if it is
 * a dummy interface, left alone if not.
 */
unsigned int setup_undo_interface(struct hostnet *h, struct state *s, const char *name);
/* Every sysctl S records, put back unless someone changed it since. */
unsigned int setup_undo_sysctls(struct state *s);
/* The cgroup2 mount vigild made for its sockops program, if it made one. */
unsigned int setup_undo_cgroup2(void);

#endif
