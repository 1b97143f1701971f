/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What vigild knows about its services while it runs: per service, its
 * config, its IPVS key, its quarantine policy and the health factor of each
 * destination; from that, the weight every destination should have, by
 * weight.h's rules (the one place they are worked out). Pure: the agent does
 * the I/O and passes the time.
 */
#ifndef VIGIL_AGENT_RUNTIME_H
#define VIGIL_AGENT_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "config.h"
#include "detector.h"
#include "health.h"
#include "ipvs.h"
#include "policy.h"
#include "weight.h"

/* Weight of a destination to take out of IPVS (quarantine action remove). */
#define RUNTIME_REMOVED        WEIGHT_REMOVED
/* An applied weight vigild has not programmed or seen yet. */
#define RUNTIME_UNKNOWN        (UINT32_MAX - 1)
/* Counters per destination, indexed by enum evidence_kind (0 unused). */
#define RUNTIME_EVIDENCE_KINDS (EVIDENCE_STALL + 1)

struct runtime_service {
	const struct config_service *cs; /* into the runtime's config */
	struct ipvs_service key;
	struct policy_service policy;
	struct detector_timing timing;
	struct health *health;
	uint32_t *applied; /* per destination: the weight last programmed, or RUNTIME_UNKNOWN */
	/*
	 * Per destination: evidence seen, for the metrics. Carried across
	 * reloads, not restarts: a Prometheus counter may start again at 0.
	 */
	uint64_t (*evidence)[RUNTIME_EVIDENCE_KINDS];
	/* Per destination: its clients' sockets vigild reset; carried like evidence. */
	uint64_t *resets;
};

/* A destination of a fwmark service: indexes of the service and of the destination in it. */
struct runtime_marked {
	uint32_t svc, dest;
};

struct runtime {
	const struct config *config;      /* not owned */
	struct runtime_service *services; /* config order */
	size_t n_services;
	/* open addressing over the VIPs, for events */
	uint32_t *index;
	size_t index_size;
	/* open addressing over the destinations of the fwmark services, for their events */
	struct runtime_marked *marked;
	size_t marked_size, n_marked;
	/*
	 * Destinations that two fwmark services of one family and protocol
	 * share: their events go to the first service. How many, and the
	 * first pair (the first service's, the other's), for a warning.
	 */
	size_t n_shared;
	struct runtime_marked shared[2];
};

/*
 * A runtime for CONFIG. Destinations that OLD knew (same service key, same
 * address) keep their policy state and health (OLD's health state is moved:
 * free OLD afterwards, do not use it); the others start healthy. SEED seeds
 * the services' PRNGs.
 */
int runtime_new(const struct config *config, struct runtime *old, uint64_t seed,
		struct runtime **ret);
void runtime_free(struct runtime *rt);

/*
 * The service of a flow's VIP (and the index of REAL in it, or -1); for a
 * flow to no VIP, the fwmark service (of the flow's family and protocol)
 * that has REAL, which only a flow IPVS scheduled names. NULL: not ours.
 */
struct runtime_service *runtime_find(const struct runtime *rt, const struct vigil_flow *flow,
				     const struct vigil_real *real, ssize_t *ret_dest);
/* The service with this IPVS key, or NULL. */
struct runtime_service *runtime_service_of(const struct runtime *rt,
					   const struct ipvs_service *key);
/* The destination of service S at ADDR, or -1. */
ssize_t runtime_dest_index(const struct runtime_service *s, const struct config_addr *addr);

/* Counts one piece of evidence of KIND against destination DEST of S. */
void runtime_count_evidence(struct runtime_service *s, size_t dest, enum evidence_kind kind);

/*
 * Whether the stalled sockets of DEST's clients are to be reset now: S has
 * quarantine.reset_established stalled and enforces, and DEST is out of
 * rotation (quarantined or on probation) on evidence of silence. A refusal
 * already reset them (RSTs, ICMP errors); the operator's quarantine may be a
 * drain; a suspect may be one lost packet.
 */
bool runtime_reset_wanted(const struct runtime_service *s, size_t dest);

/* The weight destination DEST of S should have now (RUNTIME_REMOVED: none). */
uint32_t runtime_weight(const struct runtime_service *s, size_t dest, uint64_t now_ns);

/*
 * Whether IPVS can send a new connection of S somewhere: vigild programmed
 * one of its destinations with a weight above 0.
 */
bool runtime_schedulable(const struct runtime_service *s);

/* The IPVS table everything asks for now: all services, or only S. */
int runtime_desired(const struct runtime *rt, uint64_t now_ns, struct ipvs_table **ret);
int runtime_desired_service(const struct runtime_service *s, uint64_t now_ns,
			    struct ipvs_table **ret);

/*
 * S as vigild last programmed it (its applied weights), or -ENODATA when a
 * weight is not known: what a weight change is planned against without a dump.
 */
int runtime_applied_service(const struct runtime_service *s, struct ipvs_table **ret);

/* The earliest policy deadline of any service; POLICY_NEVER if none. */
uint64_t runtime_next_deadline(const struct runtime *rt);

/* vigil_real <-> config_addr, for matching events to destinations. */
void runtime_real_addr(const struct vigil_real *real, struct config_addr *ret);

/*
 * The SYN RTO S's clients should get now (detector_syn_rto() over the
 * syn_timeouts D measured for its destinations), in ns; 0 when its
 * quarantine.syn_rto is off or it is a UDP service. Whether the kernel can take it is the caller's.
 */
uint64_t runtime_syn_rto(const struct runtime_service *s, const struct detector *d);

/* S's VIP as the BPF side keys it (the vips map, a check's evidence); zero for fwmark. */
void runtime_vip(const struct runtime_service *s, struct vigil_vip *ret);

#endif
