/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One active check of a destination, by its service's probation.probe: a
 * TCP connect (tcpcheck.h) for probe tcp and for TCP services, a DNS query
 * or a datagram (udpcheck.h) for probes dns and udp. Probation's probes,
 * suspects' and degraded mode's checks all go through here, so a UDP
 * service is checked the way its probe says wherever it is checked.
 */
#ifndef VIGIL_DAEMON_ACTIVECHECK_H
#define VIGIL_DAEMON_ACTIVECHECK_H

#include <stddef.h>
#include <stdint.h>

#include "agent-internal.h"

/*
 * Starts a check of S's destination DEST; the checker's callback gets TOKEN
 * back. 0, -ENOTCONN when that checker is not there (vigild is stopping),
 * or the checker's -errno.
 */
int activecheck_start(struct agent *a, const struct runtime_service *s, size_t dest, uint64_t token,
		      uint64_t timeout_ns);

#endif
