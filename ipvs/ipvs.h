/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small IPVS library over generic netlink (libnl-genl-3): services,
 * destinations, dumps, timeouts and the net.ipv4.vs sysctls.
 *
 * Every function that can fail returns 0 or -errno. Errors from the kernel
 * keep the kernel's own errno, so callers can tell them apart:
 *   -ESRCH   no such service
 *   -ENOENT  no such destination (also: unknown scheduler or persistence engine)
 *   -EEXIST  the service or destination already exists
 *   -EPERM   not allowed (CAP_NET_ADMIN is needed to change anything)
 *
 * A handle is not thread-safe: use one per thread, or lock around it.
 */
#ifndef VIGIL_IPVS_H
#define VIGIL_IPVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Lengths include the terminating NUL, as in the kernel. */
#define IPVS_SCHED_NAME_MAX 16
#define IPVS_PE_NAME_MAX    16

/* Service flags (the kernel's IP_VS_SVC_F_* values). */
#define IPVS_SVC_F_PERSISTENT 0x0001
#define IPVS_SVC_F_ONEPACKET  0x0004
#define IPVS_SVC_F_SCHED1     0x0008 /* sh, mh: fallback */
#define IPVS_SVC_F_SCHED2     0x0010 /* sh, mh: hash the port too */
#define IPVS_SVC_F_SCHED3     0x0020

/* Forwarding methods (the kernel's IP_VS_CONN_F_* values). */
enum ipvs_fwd {
	IPVS_FWD_MASQ = 0,
	IPVS_FWD_LOCAL = 1,
	IPVS_FWD_TUNNEL = 2,
	IPVS_FWD_ROUTE = 3, /* direct routing, "gatewaying" in ipvsadm */
	IPVS_FWD_BYPASS = 4,
};

/* Tunnel encapsulations, for IPVS_FWD_TUNNEL. */
enum ipvs_tun_type {
	IPVS_TUN_IPIP = 0,
	IPVS_TUN_GUE = 1,
	IPVS_TUN_GRE = 2,
};

/* Tunnel flags (GUE and GRE). 0 means no checksum. */
#define IPVS_TUN_F_CSUM    0x0001
#define IPVS_TUN_F_REMCSUM 0x0002

/* An IPv4 address sits in v4; both are in network byte order. */
union ipvs_addr {
	uint32_t v4;
	uint8_t v6[16];
};

struct ipvs_stats {
	uint64_t conns, inpkts, outpkts, inbytes, outbytes;
	uint64_t cps, inpps, outpps, inbps, outbps; /* current rates */
};

/*
 * A virtual service. Its key is (af, fwmark) when fwmark is nonzero, else
 * (af, protocol, addr, port); the other fields are its settings.
 */
struct ipvs_service {
	uint16_t af;       /* AF_INET or AF_INET6 */
	uint16_t protocol; /* IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP; 0 with fwmark */
	union ipvs_addr addr;
	uint16_t port; /* host byte order */
	uint32_t fwmark;
	char scheduler[IPVS_SCHED_NAME_MAX]; /* "rr", "wrr", "wlc", "sh", "mh", ... */
	char pe_name[IPVS_PE_NAME_MAX];      /* persistence engine ("sip"); "" for none */
	uint32_t flags;                      /* IPVS_SVC_F_* */
	uint32_t timeout;                    /* persistence timeout, seconds */
	/*
	 * Persistence granularity, as the kernel keeps it: for IPv4 a mask in
	 * network byte order (htonl(0xffffffff) for one client address), for
	 * IPv6 a prefix length (128 for one client address).
	 */
	uint32_t netmask;
	struct ipvs_stats stats; /* filled by dumps, ignored otherwise */
};

/* A destination (real server) of a service. */
struct ipvs_dest {
	/* 0: the service's family (dumps always fill it in); another needs IPVS_FWD_TUNNEL */
	uint16_t af;
	union ipvs_addr addr;
	/*
	 * Host byte order. Only NAT rewrites the port; the kernel keeps any
	 * port for the other methods (ipvsadm puts the service's there).
	 */
	uint16_t port;
	uint32_t fwd;         /* enum ipvs_fwd */
	uint32_t weight;      /* 0 quiesces; at most INT32_MAX */
	uint32_t u_threshold; /* max active + inactive connections; 0: no limit */
	uint32_t l_threshold; /* resume below this; 0: u_threshold * 3 / 4 */
	uint8_t tun_type;     /* enum ipvs_tun_type */
	uint16_t tun_port;    /* GUE destination port, host byte order */
	uint16_t tun_flags;   /* IPVS_TUN_F_* */
	/* filled by dumps, ignored otherwise */
	uint32_t active_conns, inactive_conns, persist_conns;
	struct ipvs_stats stats;
};

struct ipvs_table_service {
	struct ipvs_service svc;
	struct ipvs_dest *dests;
	size_t n_dests;
};

/* Everything IPVS holds, as one dump saw it. */
struct ipvs_table {
	struct ipvs_table_service *services;
	size_t n_services;
	size_t n_dests; /* of all services */
};

struct ipvs_info {
	uint32_t version;       /* 0x010201 is 1.2.1 */
	uint32_t conn_tab_size; /* buckets of the connection hash table */
};

/* Connection timeouts in seconds. For ipvs_timeout_set, 0 leaves one as it is. */
struct ipvs_timeouts {
	uint32_t tcp, tcp_fin, udp;
};

struct ipvs_batch_result {
	size_t n_ops;    /* operations queued between ipvs_batch_begin and _end */
	size_t n_failed; /* of which failed */
	/*
	 * Per operation: its error came from the transport (a lost answer, a
	 * timeout, a failed send), not from the kernel's verdict, so it may
	 * have been applied all the same. A dump tells.
	 */
	bool *unsure;
	int errors[]; /* per operation, in the order queued: 0 or -errno */
};

struct ipvs;

/*
 * Opens a handle: one netlink socket, with the IPVS generic netlink family
 * resolved. Returns -EPROTONOSUPPORT when the kernel has no IPVS family,
 * i.e. the ip_vs module is not loaded. Should ip_vs be unloaded later, a
 * query resolves the family anew: -EPROTONOSUPPORT while it is gone, the
 * answer once it is loaded again (under a new family id). The first full dump of 64 services or
 * more, on a machine with two CPUs or more, adds a second socket to the
 * handle and a thread for the length of each such dump (see ipvs_dump).
 * A handle is for one thread at a time.
 */
int ipvs_open(struct ipvs **ret);
/* Closes the handle; requests of an unfinished batch that were not sent yet never are. */
void ipvs_close(struct ipvs *h);
/* The IPVS generic netlink family id in use: a new one means ip_vs was loaded anew. */
int ipvs_family_id(const struct ipvs *h);

/* Commands. Only the key fields of a service are used to name it. */
int ipvs_service_add(struct ipvs *h, const struct ipvs_service *svc);
int ipvs_service_edit(struct ipvs *h, const struct ipvs_service *svc);
int ipvs_service_del(struct ipvs *h, const struct ipvs_service *svc);
/* Only addr, port and af of a destination name it for _del. */
int ipvs_dest_add(struct ipvs *h, const struct ipvs_service *svc, const struct ipvs_dest *dest);
int ipvs_dest_edit(struct ipvs *h, const struct ipvs_service *svc, const struct ipvs_dest *dest);
int ipvs_dest_del(struct ipvs *h, const struct ipvs_service *svc, const struct ipvs_dest *dest);
/* Deletes every service and destination. */
int ipvs_flush(struct ipvs *h);
int ipvs_timeout_set(struct ipvs *h, const struct ipvs_timeouts *t);

/* Queries; they return -EBUSY inside a batch. */
int ipvs_info(struct ipvs *h, struct ipvs_info *ret);
int ipvs_timeout_get(struct ipvs *h, struct ipvs_timeouts *ret);

/*
 * Batches: between ipvs_batch_begin() and ipvs_batch_end(), the commands above
 * queue their request and return 0 at once (or -errno if it could not be
 * queued, which is then also its result). Requests go to the kernel many at a
 * time and it reports only failures, so a large change costs a few system
 * calls per hundred operations. ipvs_batch_end() sends what is left, waits for
 * every answer and returns 0 if every operation succeeded, else the error of
 * the first that failed; *ret (if ret is not NULL) gets each operation's
 * result, in order, to be freed with ipvs_batch_result_free(). An operation
 * whose answer was lost (-ENOBUFS, -ETIMEDOUT) may or may not have been
 * applied: its unsure flag says so.
 */
int ipvs_batch_begin(struct ipvs *h);
int ipvs_batch_end(struct ipvs *h, struct ipvs_batch_result **ret);
void ipvs_batch_result_free(struct ipvs_batch_result *r);

/*
 * Dumps every service with its destinations: two dumps of the services and
 * one of the destinations of each, those shared between two sockets and
 * threads when the table is large. A dump that was disturbed (a change while
 * it ran, a lost or truncated message) is thrown away and taken again from
 * the start; after 5 tries it gives up with -EAGAIN. It never returns part of
 * a table. Free the table with ipvs_table_free().
 */
int ipvs_dump(struct ipvs *h, struct ipvs_table **ret);
/*
 * The destinations of one service, as a table of that service alone (its
 * settings copied from svc, not read back). The kernel answers a service it
 * does not have with no destinations rather than an error. A dump cut short
 * is taken again, as ipvs_dump's.
 */
int ipvs_dump_service(struct ipvs *h, const struct ipvs_service *svc, struct ipvs_table **ret);
/*
 * The services alone, with their counters and no destinations: one dump, a
 * round trip for the whole table, cheap enough to poll. A dump cut short is
 * taken again, as ipvs_dump's.
 */
int ipvs_dump_services(struct ipvs *h, struct ipvs_table **ret);
void ipvs_table_free(struct ipvs_table *t);

/*
 * A hash of the IPVS table as /proc/net/ip_vs shows it, connection counters
 * left out: equal fingerprints mean that no service or destination changed
 * in what that file shows (addresses, ports, schedulers, persistence,
 * forwarding methods, weights). It does not show thresholds, tunnel settings
 * or persistence engines: a change of only those keeps the fingerprint.
 * One read of one file, where ipvs_dump() takes a round trip per service.
 */
int ipvs_fingerprint(uint64_t *ret);

/*
 * /proc/sys/net/ipv4/vs/NAME, for integer sysctls; NAME is [a-z_]+
 * (-EINVAL otherwise). -ENOENT: no such sysctl, or ip_vs is not loaded.
 */
int ipvs_sysctl_get(const char *name, int *ret);
int ipvs_sysctl_set(const char *name, int value);
/* Whether NAME can name one: [a-z_]+, short enough; never a path out of the directory. */
bool ipvs_sysctl_name_valid(const char *name);

#endif
