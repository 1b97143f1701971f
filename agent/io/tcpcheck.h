/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Active TCP checks, for destinations on probation and for degraded mode: a
 * TCP connect from vigild straight to the real address (not through the
 * VIP, so IPVS stays out of it), passed when the handshake completes within
 * the timeout. Healthy destinations are never checked: vigil learns about
 * them from the clients' own connections.
 */
#ifndef VIGIL_AGENT_TCPCHECK_H
#define VIGIL_AGENT_TCPCHECK_H

#include <stdbool.h>
#include <stdint.h>
#include "config.h"
#include "loop.h"

struct tcpcheck;

/* err: 0 when passed, else why not (ETIMEDOUT, ECONNREFUSED, ...). */
typedef void (*tcpcheck_done_fn)(void *data, uint64_t token, bool passed, int err);

struct tcpcheck *tcpcheck_new(struct loop *loop, tcpcheck_done_fn fn, void *data);
/* Cancels the probes in flight (their callbacks are not called). */
void tcpcheck_free(struct tcpcheck *p);

/* Starts a probe; fn gets token back with the result. At most one per token. */
int tcpcheck_start(struct tcpcheck *p, uint64_t token, const struct config_addr *target,
		   uint64_t timeout_ns);
/* Probes in flight. */
unsigned int tcpcheck_busy(const struct tcpcheck *p);

#endif
