/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SOCK_DESTROY over NETLINK_SOCK_DIAG, as `ss -K` sends it: one socket of
 * this network namespace, named by its 4-tuple and its cookie. The kernel
 * aborts it (ECONNABORTED to its owner; an RST for TCP) when it was built
 * with CONFIG_INET_DIAG_DESTROY. Its tcp_diag and udp_diag modules load on
 * the first request for their protocol.
 */
#ifndef VIGIL_AGENT_SOCKDIAG_H
#define VIGIL_AGENT_SOCKDIAG_H

#include <stdint.h>
#include <linux/types.h>
#include "vigil.h"

struct sockdiag {
	int fd; /* -1: closed */
	uint32_t seq;
};

/* 0 or -errno. */
int sockdiag_open(struct sockdiag *d);
void sockdiag_close(struct sockdiag *d);

/*
 * Destroys the socket of FLOW (its own address and port, and its peer's)
 * whose cookie is COOKIE: 0, or the kernel's -errno (-ENOENT: no such
 * socket, -ESTALE: another socket has that 4-tuple now).
 */
int sockdiag_destroy(struct sockdiag *d, const struct vigil_flow *flow, uint64_t cookie);

/*
 * Whether SOCK_DESTROY works here for PROTOCOL (IPPROTO_TCP, IPPROTO_UDP):
 * 0, or -errno with the cause in words in *RET_WHY: -EOPNOTSUPP (the kernel
 * lacks CONFIG_INET_DIAG_DESTROY), -EPERM (no CAP_NET_ADMIN), -ENOENT (no
 * inet_diag for the protocol: the module is missing).
 */
int sockdiag_probe(struct sockdiag *d, uint8_t protocol, const char **ret_why);

#endif
