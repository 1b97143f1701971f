// SPDX-License-Identifier: GPL-2.0-only
#include "activecheck.h"

#include <errno.h>

int activecheck_start(struct agent *a, const struct runtime_service *s, size_t dest, uint64_t token,
		      uint64_t timeout_ns)
{
	const struct config_probation *pr = &s->cs->policy.probation;
	const struct config_addr *target = &s->cs->dests[dest].addr;

	if (pr->probe == CONFIG_PROBE_DNS || pr->probe == CONFIG_PROBE_UDP)
		return a->udpcheck ? udpcheck_start(a->udpcheck, token, target, pr, timeout_ns)
				   : -ENOTCONN;
	return a->tcpcheck ? tcpcheck_start(a->tcpcheck, token, target, timeout_ns) : -ENOTCONN;
}
