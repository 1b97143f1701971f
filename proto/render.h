/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The list reply (proto/control.md): the kernel's IPVS table, merged with
 * what vigild says of the services it manages. vigild fills the plain structs
 * below from its runtime; vigilctl, when vigild is down, passes none, and
 * both get the same layout. Pure: every function returns a new object
 * (json_object_put() it), or NULL with errno = ENOMEM.
 */
#ifndef VIGIL_PROTO_RENDER_H
#define VIGIL_PROTO_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "config.h"
#include "ipvs.h"

/* One destination vigild manages: what its policy and health checks say. */
struct render_dest {
	const struct config_addr *addr; /* as configured */
	const struct ipvs_dest *kernel; /* the kernel's for it; NULL: not in the kernel */
	const char *state;              /* the policy's state */
	bool manual;                    /* quarantined by the operator */
	uint32_t configured_weight;
	bool applied; /* false: vigild has not programmed it yet, effective weight unknown */
	uint32_t effective_weight;
	uint32_t desired_weight;
	double score;
	bool measured; /* rtt_ms and loss hold a measurement */
	double rtt_ms, loss;
	uint32_t quarantines, relapses;
	uint32_t suspicions;    /* times it was suspect (each cleared or confirmed) */
	uint64_t resets;        /* its clients' stalled sockets vigild reset */
	bool quarantined_until; /* remaining_ms: a quarantine that ends by itself */
	uint64_t remaining_ms;
};

/* One service vigild manages, in config order. */
struct render_service {
	const char *name;
	const struct ipvs_service *key;          /* as configured */
	const struct ipvs_table_service *kernel; /* the kernel's for it; NULL: not in the kernel */
	const struct render_dest *dests;
	size_t n_dests;
	bool dry_run; /* quarantine.enforce false: decisions shown, IPVS left alone */
};

/*
 * {"ok":true,"ipvs":{...},"agent":..,"kernel":..,"services":[...]}: each of
 * SVCS with what its kernel service has (counters, connections, the weight
 * in force), the kernel's destinations vigild does not manage after its own;
 * then the kernel's services no entry of SVCS points to. Whatever is in the
 * kernel carries its place in KERNEL (kernel_index), the order ipvsadm
 * starts from. AGENT false: no agent (and no SVCS); KERNEL NULL: no dump;
 * INFO and TIMEOUTS NULL: no ipvs section (or no part of it).
 */
struct json_object *render_list(bool agent, const struct render_service *svcs, size_t n_svcs,
				const struct ipvs_table *kernel, const struct ipvs_info *info,
				const struct ipvs_timeouts *timeouts);

/* "2026-11-23T15:44:57.123Z" for a CLOCK_REALTIME time in ns. */
void render_time(int64_t real_ns, char *buf, size_t size);
/* The kernel's IPVS version, 0x010203, as "1.2.3". */
void render_ipvs_version(uint32_t version, char *buf, size_t size);

/* "tcp", "udp", "sctp", or "proto-N" in buf. */
const char *render_protocol(uint16_t protocol, char *buf, size_t size);
/* "masq", "local", "tunnel", "route", "bypass"; "?" otherwise. */
const char *render_forward(uint32_t fwd);

#endif
