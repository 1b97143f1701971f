/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Active probes for destinations on probation: a TCP connect from vigild
 * straight to the real address (not through the VIP, so IPVS stays out of
 * it), passed when the handshake completes within the timeout. Healthy
 * destinations are never probed: vigil learns about them from the clients'
 * own connections.
 */
#ifndef VIGIL_AGENT_PROBER_H
#define VIGIL_AGENT_PROBER_H

#include <stdbool.h>
#include <stdint.h>
#include "config.h"
#include "loop.h"

struct prober;

/* err: 0 when passed, else why not (ETIMEDOUT, ECONNREFUSED, ...). */
typedef void (*prober_done_fn)(void *data, uint64_t token, bool passed, int err);

struct prober *prober_new(struct loop *loop, prober_done_fn fn, void *data);
/* Cancels the probes in flight (their callbacks are not called). */
void prober_free(struct prober *p);

/* Starts a probe; fn gets token back with the result. At most one per token. */
int prober_start(struct prober *p, uint64_t token, const struct config_addr *target,
		 uint64_t timeout_ns);
/* Probes in flight. */
unsigned int prober_busy(const struct prober *p);

#endif
