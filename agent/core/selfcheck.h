/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigild's check of its own pipeline. A program that attached may still
 * deliver nothing: a kernel that changed a struct the program reads, or a
 * call path that no longer passes the hook. So each capability is judged by
 * what vigild observes against what an independent source says should have
 * arrived:
 *
 *   real destination   (ip_vs_conn_new) every connection a client of this
 *                      machine opens to a VIP (tcp_connect) is followed by
 *                      IPVS's pick for it within SELFCHECK_PICK_GRACE_MS; and
 *                      when IPVS's own counters of new connections to the
 *                      watched services move, picks arrive.
 *   connection events  (the TCP tracepoints) every connection that IPVS
 *                      picked in the connecting task's context (a socket of
 *                      this machine) is followed by a state change, SYN
 *                      retransmit or reset of a connection through a VIP
 *                      within SELFCHECK_EVENT_GRACE_MS: a SYN is answered,
 *                      retransmitted after its 1 s timeout or given up.
 *   health metrics     (sockops) connections established through VIPs show
 *                      in the sockops program's counters at the next read.
 *
 * SELFCHECK_QUORUM expectations unmet, with none met in between, find a
 * capability silent; the first one met finds it working (again). So a
 * capability is never trusted blindly for more than SELFCHECK_QUORUM
 * connections and one grace period plus one tick (SELFCHECK_INTERVAL_MS) or,
 * for health metrics, one health interval. Expectations are not judged
 * across a loss the kernel side reported (ring buffer full, correlation map
 * full): those already say why events are missing.
 *
 * Pure: the caller feeds what it observed with its time (CLOCK_MONOTONIC)
 * and ticks; nothing here reads a clock or the kernel.
 */
#ifndef VIGIL_AGENT_SELFCHECK_H
#define VIGIL_AGENT_SELFCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "degraded.h"
#include "detector.h"

#define SELFCHECK_QUORUM         3
/* A pick comes microseconds after its connect; this covers the drain interval. */
#define SELFCHECK_PICK_GRACE_MS  500
#define SELFCHECK_EVENT_GRACE_MS 3000
/* How often the caller reads IPVS's counters and calls selfcheck_tick(). */
#define SELFCHECK_INTERVAL_MS    1000
/*
 * How late IPVS's counters may show a connection: they are summed from
 * per-CPU counters by its rate estimator, every 2 s.
 */
#define SELFCHECK_IPVS_LAG_MS    5000

enum selfcheck_verdict {
	SELFCHECK_UNVERIFIED, /* attached, nothing seen either way yet */
	SELFCHECK_WORKS,      /* seen delivering what was expected */
	SELFCHECK_SILENT,     /* expected deliveries did not arrive: not working */
};

struct selfcheck_cap {
	enum selfcheck_verdict verdict;
	uint64_t since_ns;   /* of the verdict */
	uint64_t met, unmet; /* expectations, since start */
	uint64_t silences;   /* times it was found silent */
	unsigned int misses; /* unmet since the last one met */
	char why[192];       /* SILENT: what was expected and did not arrive */
};

/* Expectations waiting for what meets them: how many, and since when. */
struct selfcheck_wait {
	unsigned int n;
	uint64_t first_ns;
};

struct selfcheck {
	struct selfcheck_cap caps[DEGRADED_N_CAPS];
	unsigned int changed;           /* bits (1 << enum degraded_cap) of verdicts changed */
	struct selfcheck_wait connects; /* connects to VIPs waiting for a pick */
	struct selfcheck_wait picks;    /* task-context TCP picks waiting for an event */
	uint64_t last_pick_ns;          /* 0: none yet */
	/* the last IPVS read */
	bool have_ipvs;
	uint64_t ipvs_conns, ipvs_read_ns;
	/* since the last health read */
	uint64_t established;
	bool have_health;
	uint64_t health_conns;
	/* a reply on a UDP flow arrived: the receive hook delivers */
	bool udp_replies;
};

/* Every capability unverified from now_ns. */
void selfcheck_init(struct selfcheck *sc, uint64_t now_ns);

/*
 * Observations, each at the time of its event. A connect to the VIP of a
 * service IPVS can schedule (a destination with a weight above 0); a pick
 * for a watched VIP (tcp: of a TCP connection; task: made in the connecting
 * task's context); a state change, retransmit, reset or socket error of a
 * flow through a VIP; of which an establishment (SYN_SENT -> ESTABLISHED).
 */
void selfcheck_connect(struct selfcheck *sc, uint64_t ts_ns);
void selfcheck_pick(struct selfcheck *sc, uint64_t ts_ns, bool tcp, bool task);
void selfcheck_event(struct selfcheck *sc, uint64_t ts_ns);
void selfcheck_established(struct selfcheck *sc, uint64_t ts_ns);
/* A reply on a UDP flow through a VIP. */
void selfcheck_udp_reply(struct selfcheck *sc, uint64_t ts_ns);

/*
 * IPVS's count of new connections to the watched services, read at now_ns
 * after the events before it were consumed. Picks must have come for the
 * connections it gained since the last read, which happened at most
 * SELFCHECK_IPVS_LAG_MS before that read. forget: the watched services
 * changed (a reload), the next read starts over.
 */
void selfcheck_ipvs_conns(struct selfcheck *sc, uint64_t now_ns, uint64_t conns);
void selfcheck_ipvs_forget(struct selfcheck *sc);
/*
 * Whether a read of IPVS's counters at now_ns could find anything: not
 * while picks arrive (within SELFCHECK_IPVS_LAG_MS), which spares a dump of
 * every service each second to all but idle or broken machines.
 */
bool selfcheck_ipvs_wanted(const struct selfcheck *sc, uint64_t now_ns);

/*
 * The sockops program's count of connections established, summed over every
 * destination, read at now_ns: it must have moved with the establishments
 * since the last read.
 */
void selfcheck_health_conns(struct selfcheck *sc, uint64_t now_ns, uint64_t conns);

/*
 * Judges the expectations whose grace has passed at now_ns. lossy: the
 * kernel side lost events or correlation entries since the last tick, so
 * what is missing is not judged.
 */
void selfcheck_tick(struct selfcheck *sc, uint64_t now_ns, bool lossy);

/* The capabilities whose verdict changed since the last call (bits), cleared. */
unsigned int selfcheck_changes(struct selfcheck *sc);

enum selfcheck_gate {
	SELFCHECK_PASS, /* evidence as usual */
	SELFCHECK_HOLD, /* keep it until the events are verified (or found silent) */
	SELFCHECK_DROP, /* no evidence: what would have answered it is silent */
};

/*
 * Whether evidence of KIND counts now. A syn-timeout says no state change
 * answered a SYN in time, which means something only once state changes are
 * known to arrive: until then it is held, and while they are silent it is
 * dropped. Likewise a no-reply is held until a UDP reply has been seen to
 * arrive: a receive hook that a new kernel no longer calls must not make
 * every request look unanswered. Every other kind is itself an event that
 * arrived.
 */
enum selfcheck_gate selfcheck_gate(const struct selfcheck *sc, enum evidence_kind kind);

/* "unverified", "works", "silent". */
const char *selfcheck_verdict_name(enum selfcheck_verdict v);

/* D with the silent capabilities marked DEGRADED_SILENT, their why added. */
void selfcheck_overlay(const struct selfcheck *sc, struct degraded *d);

#endif
