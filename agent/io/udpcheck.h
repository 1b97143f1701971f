/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Active UDP checks, the sibling of tcpcheck.h for UDP services: for
 * destinations on probation, suspects and degraded mode. vigild sends one
 * datagram from a connected UDP socket straight to the real address (not
 * through the VIP, so IPVS stays out of it): a DNS query (probe dns,
 * dnsmsg.h), passed by a well-formed response whatever its RCODE, or the
 * configured payload (probe udp), passed by any datagram back. An ICMP
 * error (port unreachable: ECONNREFUSED) fails it at once, silence at the
 * timeout (ETIMEDOUT).
 */
#ifndef VIGIL_AGENT_UDPCHECK_H
#define VIGIL_AGENT_UDPCHECK_H

#include <stdbool.h>
#include <stdint.h>
#include "config.h"
#include "loop.h"

struct udpcheck;

/* err: 0 when passed, else why not (ETIMEDOUT, ECONNREFUSED, ...). As tcpcheck_done_fn. */
typedef void (*udpcheck_done_fn)(void *data, uint64_t token, bool passed, int err);

struct udpcheck *udpcheck_new(struct loop *loop, udpcheck_done_fn fn, void *data);
/* Cancels the probes in flight (their callbacks are not called). */
void udpcheck_free(struct udpcheck *p);

/*
 * Starts a probe of TARGET as PROBATION says (probe dns with its dns_name,
 * or udp with its udp_payload); fn gets token back with the result. At most
 * one per token: -EBUSY. -EINVAL for another probe kind or a bad DNS name.
 * An error of the socket calls (no route, say) is reported through fn from
 * the loop, like a failed probe.
 */
int udpcheck_start(struct udpcheck *p, uint64_t token, const struct config_addr *target,
		   const struct config_probation *probation, uint64_t timeout_ns);
/* Probes in flight. */
unsigned int udpcheck_busy(const struct udpcheck *p);

#endif
