/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The controllers the benchmarks compare, side by side on one VIP of the
 * three-destination lab (d1, d2, d3 at 10.100.N.2:8080): none (IPVS as
 * ipvsadm left it), keepalived (TCP_CHECK delay_loop 1, connect_timeout 1,
 * inhibit_on_failure) with the default sysctls and with expire_nodest_conn=1,
 * the latter also with retry 0 (a destination out at its first failed check,
 * where keepalived's default retries once a second later), and vigild.
 */
#ifndef VIGIL_BENCH_CONTROLLER_H
#define VIGIL_BENCH_CONTROLLER_H

#include <sys/types.h>

#include "vmtest.h"

#define BENCH_VIP       "10.96.0.10:80"
#define BENCH_STATE_DIR "/tmp/bench-state"

enum bench_controller {
	BENCH_NONE,
	BENCH_KEEPALIVED,
	BENCH_KEEPALIVED_NODEST,
	BENCH_KEEPALIVED_RETRY0,
	BENCH_VIGILD,
	BENCH_N_CONTROLLERS
};

extern const char *const bench_controller_names[BENCH_N_CONTROLLERS];
/* d1, d2, d3 */
extern const char *const bench_reals[3];

/* The lab's three destinations, made once (lab dest). */
void bench_lab_up(void);
void bench_lab_down(void);

/* No controller, IPVS empty, every destination live, the sysctls at their defaults. */
void bench_fresh(void);

/*
 * Starts controller C on the VIP; its pid (0: none), or -1. vigild gets
 * `defaults: { scheduler: rr, DEFAULTS }`, with DEFAULTS a flow mapping's
 * entries ("health: { enabled: false }", or "" for vigil's own defaults),
 * and runs as AGENT.
 */
pid_t bench_start(enum bench_controller c, struct vt_agent *agent, const char *defaults);
void bench_stop(enum bench_controller c, pid_t pid, struct vt_agent *agent);

#endif
