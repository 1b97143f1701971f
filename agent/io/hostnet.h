/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host set-up for local clients (libnl-route-3): a dummy interface (default
 * vigil0) carrying one /32 or /128 route per VIP. A connect() to a VIP needs
 * a route before IPVS, in the OUTPUT hook, ever sees the SYN; the dummy
 * device gives it one without claiming the address as local.
 */
#ifndef VIGIL_AGENT_HOSTNET_H
#define VIGIL_AGENT_HOSTNET_H

#include <stddef.h>
#include <stdint.h>

struct hostnet;

struct hostnet_vip {
	uint16_t af;      /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network byte order */
};

struct hostnet_sync {
	unsigned int added, removed;
};

int hostnet_open(struct hostnet **ret);
void hostnet_close(struct hostnet *h);

/*
 * Creates the dummy interface NAME unless it exists, brings it up and returns
 * its index. -EEXIST if NAME exists and is not a dummy interface.
 */
int hostnet_link_ensure(struct hostnet *h, const char *name, int *ret_ifindex);

/*
 * The dummy interface NAME, without creating it: its index, -ENOENT if
 * there is none, -EEXIST if NAME is not a dummy interface.
 */
int hostnet_link_find(struct hostnet *h, const char *name, int *ret_ifindex);

/* Deletes the interface IFINDEX, and with it every route through it. */
int hostnet_link_delete(struct hostnet *h, int ifindex);

/*
 * Makes the host routes on IFINDEX exactly VIPS: adds the missing ones and
 * deletes the others (routes on vigil's own interface are vigil's). Stops at
 * the first failure.
 */
int hostnet_routes_sync(struct hostnet *h, int ifindex, const struct hostnet_vip *vips, size_t n,
			struct hostnet_sync *ret);

/* The VIPs that have a host route on IFINDEX now, as an array to free(). */
int hostnet_routes_list(struct hostnet *h, int ifindex, struct hostnet_vip **ret, size_t *ret_n);

#endif
