/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The detector: connection events and the time in, evidence against real
 * destinations out. Pure: no system calls, the caller passes the time
 * (CLOCK_MONOTONIC, the clock of the events), so tests drive it with a fake
 * clock.
 *
 * It follows every connection attempt through a VIP from its IPVS pick to its
 * outcome. Evidence is:
 *   - a SYN retransmitted to the destination (it did not answer in time);
 *   - a reset received in SYN_SENT (it refused);
 *   - SYN_SENT -> CLOSE without a reset, after the syn_timeout (the client
 *     gave up on it; giving up sooner says nothing of the destination);
 *   - no SYN-ACK within the destination's syn_timeout, timed here, so that a
 *     silent destination is caught before the client's first retransmit (1 s);
 *   - an error reported on a connected UDP socket (ICMP port unreachable);
 *   - no reply within the destination's reply_timeout to a request on a UDP
 *     flow (NO_REPLY), for services whose protocol answers (udp.expect_reply);
 *   - an established connection through a VIP that timed out on data its
 *     destination does not acknowledge (STALL): the BPF side reports the
 *     first retransmission timeout of each stall, one piece of evidence each.
 *     It is no attempt's: attempts are left as they are.
 * Each piece of evidence keeps what, when and which client 4-tuple. Silence
 * (the first three and SYN_TIMEOUT) is told once per attempt and destination:
 * the policy counts failed attempts, not the retransmits of one.
 *
 * syn_timeout = clamp(factor x the destination's smoothed handshake RTT,
 * min, max), max when it has shown no RTT yet; handshake RTT is the time from
 * the IPVS pick to ESTABLISHED.
 *
 * A UDP request starts at the flow's IPVS pick (its first datagram) or at a
 * UDP_SEND (a datagram after the last request was answered) and ends at its
 * UDP_REPLY. reply_timeout = clamp(factor x the destination's smoothed reply
 * RTT, udp.reply_timeout_min, udp.reply_timeout_max), max when none is known:
 * well under a stub resolver's 1 s retry, so that the retry finds the
 * destination out of rotation. Reply RTTs are kept apart from handshake RTTs:
 * a resolver's answer includes its own work.
 *
 * Whether an attempt timed out depends only on the events' timestamps, never
 * on when detector_expire() happens to be called: an ESTABLISHED stamped
 * before the deadline means no SYN_TIMEOUT even if it is read after the
 * deadline; any event of an attempt stamped at or after its deadline first
 * yields the SYN_TIMEOUT that expiry would have.
 */
#ifndef VIGIL_AGENT_DETECTOR_H
#define VIGIL_AGENT_DETECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event.h"

enum evidence_kind {
	EVIDENCE_RETRANS = 1, /* SYN retransmitted */
	EVIDENCE_REFUSED,     /* RST in SYN_SENT */
	EVIDENCE_GAVE_UP,     /* SYN_SENT -> CLOSE, no RST */
	EVIDENCE_SYN_TIMEOUT, /* no SYN-ACK within syn_timeout */
	EVIDENCE_UDP_ERROR,   /* error on a connected UDP socket */
	EVIDENCE_NO_REPLY,    /* no reply to a UDP request within reply_timeout */
	/*
	 * Degraded mode (fallback.h): vigild's own active check failed. Not
	 * the detector's; here so that every kind has one name.
	 */
	EVIDENCE_PROBE_FAILED,
	EVIDENCE_STALL, /* an established connection's data timed out (its first RTO) */
};

struct evidence {
	enum evidence_kind kind;
	uint64_t at_ns;         /* CLOCK_MONOTONIC: of the event, or the deadline */
	struct vigil_flow flow; /* the client's 4-tuple and the VIP */
	struct vigil_real real;
	int error; /* EVIDENCE_UDP_ERROR, EVIDENCE_PROBE_FAILED: the errno */
};

/* The most evidence one event can make: an overdue SYN_TIMEOUT and its own. */
#define DETECTOR_EVIDENCE_MAX 2

/* The timing settings of one service (from its config_quarantine). */
struct detector_timing {
	uint64_t syn_timeout_min_ns;
	uint64_t syn_timeout_max_ns;
	uint32_t rtt_factor;
	/*
	 * The SYN RTO its clients' sockets get from sockops; 0: the kernel's
	 * own (1 s). When set, every syn_timeout is at most 2/3 of it: the
	 * weight must be 0 before the client retransmits, or IPVS sends the
	 * retransmitted SYN to the same dead destination.
	 */
	uint64_t syn_rto_ns;
	/* UDP services: whether requests get replies, and how long to wait */
	bool expect_reply;
	uint64_t reply_timeout_min_ns;
	uint64_t reply_timeout_max_ns;
};

/*
 * Where the detector asks for a service's settings: by the flow's VIP, or
 * for a fwmark service's flow (no VIP) by REAL, the destination IPVS picked
 * (NULL or family 0 when not known). NULL: not a service vigil watches; its
 * flows are ignored.
 */
typedef const struct detector_timing *(*detector_timing_fn)(const struct vigil_flow *flow,
							    const struct vigil_real *real,
							    void *data);

/* What the detector holds and what its bounds made it forget, for status. */
struct detector_stats {
	size_t attempts;             /* connection attempts followed now */
	size_t dests;                /* destinations with a smoothed RTT */
	uint64_t attempts_forgotten; /* evicted, oldest first, to stay within max_attempts */
	uint64_t dests_forgotten;    /* RTTs evicted, least recently updated first */
};

struct detector;

/*
 * max_attempts bounds the attempts it follows (the oldest are forgotten
 * first), max_dests the destinations whose RTT it remembers (the least
 * recently updated are forgotten first, and fall back to syn_timeout max).
 * Both are at least 1; the memory is reserved here, so feeding events never
 * allocates.
 */
struct detector *detector_new(size_t max_attempts, size_t max_dests, detector_timing_fn timing,
			      void *data);
void detector_free(struct detector *d);

/*
 * Feeds one event, at its own ts_ns; writes the evidence it makes into out
 * (max must be at least DETECTOR_EVIDENCE_MAX) and returns how many, or
 * -errno. Events of one flow must come in order.
 */
int detector_on_event(struct detector *d, const struct vigil_event *e, struct evidence *out,
		      size_t max);

/*
 * Evidence of the attempts whose syn_timeout has passed at now_ns (each once),
 * earliest deadline first. The caller drains the ring buffer first, so that an
 * ESTABLISHED still waiting there does not look like a missing one. Returns
 * the count written; max means more may be due: call again.
 */
size_t detector_expire(struct detector *d, uint64_t now_ns, struct evidence *out, size_t max);

/*
 * Forgets every attempt in flight, without evidence: their answers may have
 * been lost before they reached the detector (a ring buffer that overflowed).
 * Returns how many.
 */
size_t detector_forget_attempts(struct detector *d);

/* When detector_expire() next has something to say; UINT64_MAX: never. */
uint64_t detector_next_deadline(const struct detector *d);

/*
 * The syn_timeout the destination has now (for a UDP flow, its
 * reply_timeout), for status and tests; 0 when the flow's VIP is not watched.
 */
uint64_t detector_syn_timeout(const struct detector *d, const struct vigil_flow *flow,
			      const struct vigil_real *real);

/*
 * The syn_timeout the destination's measured handshake RTT asks for in
 * FLOW's service, without the cap syn_rto_ns puts on it; 0 when it has no
 * RTT measured yet or the VIP is not watched. What detector_syn_rto() takes.
 */
uint64_t detector_measured_syn_timeout(const struct detector *d, const struct vigil_flow *flow,
				       const struct vigil_real *real);

/*
 * The SYN RTO for the clients of a service: clamp(3/2 x LARGEST, MIN, MAX),
 * LARGEST being the largest measured syn_timeout of its destinations, or MAX
 * when none is measured (LARGEST 0). 3/2 leaves the detector's syn_timeout,
 * capped at 2/3 of it, its time, and an answering destination whose
 * handshake is slow no spurious retransmit.
 */
uint64_t detector_syn_rto(uint64_t largest_ns, uint64_t min_ns, uint64_t max_ns);

void detector_get_stats(const struct detector *d, struct detector_stats *ret);

const char *evidence_kind_name(enum evidence_kind kind);

/*
 * Whether the evidence can only come from a destination that is down: a
 * refusal (a reset to the SYN, an ICMP error, a check refused). Silence can
 * also be a packet lost on a healthy path; the policy confirms it first.
 */
bool evidence_certain(const struct evidence *ev);

/*
 * Whether the evidence is the failure of one attempt (a new connection or
 * request IPVS scheduled, or a probe), so that it counts in the failure
 * share the policy judges outliers by (attempts are its denominator). A
 * stall is not: it comes from a connection made long before, and the count
 * of a destination's stalls grows with its long-lived connections, not with
 * its picks. Under loss that hits every destination alike, the one holding
 * the most long-lived connections would have the most stalls per pick and
 * look like an outlier; its stalls still go through the suspect probe.
 */
bool evidence_per_attempt(const struct evidence *ev);

#endif
