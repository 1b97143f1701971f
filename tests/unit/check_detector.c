// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <netinet/tcp.h>

#include "check_main.h"
#include <stdlib.h>
#include <string.h>

#include "detector.h"

#define MS(x) ((uint64_t)(x)*1000000ull)

/* Two services with different settings; every other VIP is not watched. */
#define VIP_A       "10.96.0.10"
#define VIP_B       "10.96.0.20"
#define VIP_6       "fd00::10"
#define VIP_C       "10.96.0.30" /* with a SYN RTO of 600 ms */
#define VIP_U       "10.96.0.40" /* UDP, replies expected within 100..400 ms */
/* the destination of a fwmark service, whose clients reach any address */
#define MARKED_REAL "10.100.7.2"

#define TIMING(min, max, factor, rto)                                                              \
	{                                                                                          \
		.syn_timeout_min_ns = (min), .syn_timeout_max_ns = (max), .rtt_factor = (factor),  \
		.syn_rto_ns = (rto)                                                                \
	}

/* A and its UDP flows: a one-way protocol, no reply expected */
static const struct detector_timing timing_a = TIMING(MS(200), MS(900), 4, 0);
static const struct detector_timing timing_b = TIMING(MS(50), MS(300), 2, 0);
static const struct detector_timing timing_c = TIMING(MS(200), MS(900), 4, MS(600));
static const struct detector_timing timing_u = {
	.syn_timeout_min_ns = MS(200),
	.syn_timeout_max_ns = MS(900),
	.rtt_factor = 4,
	.expect_reply = true,
	.reply_timeout_min_ns = MS(100),
	.reply_timeout_max_ns = MS(400),
};

static const struct detector_timing *timing_of(const struct vigil_flow *flow,
					       const struct vigil_real *real, void *data)
{
	union vigil_addr a, b, c, u, v6;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	memset(&u, 0, sizeof(u));
	inet_pton(AF_INET, VIP_U, &u.v4);
	if (!memcmp(&flow->vaddr, &u, sizeof(u)))
		return &timing_u;
	inet_pton(AF_INET, VIP_A, &a.v4);
	inet_pton(AF_INET, VIP_B, &b.v4);
	inet_pton(AF_INET, VIP_C, &c.v4);
	inet_pton(AF_INET6, VIP_6, v6.v6);
	if (!memcmp(&flow->vaddr, &a, sizeof(a)) || !memcmp(&flow->vaddr, &v6, sizeof(v6)))
		return &timing_a;
	if (!memcmp(&flow->vaddr, &b, sizeof(b)))
		return &timing_b;
	if (!memcmp(&flow->vaddr, &c, sizeof(c)))
		return &timing_c;
	/* a fwmark service's flow: no VIP, its service told by the real destination */
	inet_pton(AF_INET, MARKED_REAL, &a.v4);
	if (real && real->family == VIGIL_AF_INET && !memcmp(&real->addr, &a, sizeof(a)))
		return &timing_b;
	return NULL;
}

static void addr_of(const char *s, union vigil_addr *ret, uint8_t *ret_family)
{
	memset(ret, 0, sizeof(*ret));
	if (inet_pton(AF_INET, s, &ret->v4) == 1) {
		*ret_family = VIGIL_AF_INET;
	} else {
		ck_assert_int_eq(inet_pton(AF_INET6, s, ret->v6), 1);
		*ret_family = VIGIL_AF_INET6;
	}
}

/* A client flow from port cport of the client to vip:443. */
static struct vigil_flow flow_proto(const char *vip, unsigned int cport, uint8_t protocol)
{
	struct vigil_flow f;

	memset(&f, 0, sizeof(f));
	addr_of(vip, &f.vaddr, &f.family);
	if (f.family == VIGIL_AF_INET)
		inet_pton(AF_INET, "10.0.0.1", &f.caddr.v4);
	else
		inet_pton(AF_INET6, "fd00::1", f.caddr.v6);
	f.cport = cport;
	f.vport = 443;
	f.protocol = protocol;
	return f;
}

static struct vigil_flow flow(const char *vip, unsigned int cport)
{
	return flow_proto(vip, cport, IPPROTO_TCP);
}

static struct vigil_real real(const char *addr)
{
	struct vigil_real r;

	memset(&r, 0, sizeof(r));
	addr_of(addr, &r.addr, &r.family);
	r.port = 8443;
	return r;
}

static const struct vigil_real no_real;

static struct vigil_event ev(uint8_t kind, uint64_t ts, struct vigil_flow f, struct vigil_real r,
			     uint8_t old_state, uint8_t state)
{
	struct vigil_event e;

	memset(&e, 0, sizeof(e));
	e.ts_ns = ts;
	e.flow = f;
	e.real = r;
	e.kind = kind;
	e.old_state = old_state;
	e.state = state;
	return e;
}

/* The events as the BPF side emits them. */
static struct vigil_event connect_ev(uint64_t ts, struct vigil_flow f)
{
	return ev(VIGIL_EV_CONNECT, ts, f, no_real, TCP_CLOSE, TCP_SYN_SENT);
}

static struct vigil_event pick_ev(uint64_t ts, struct vigil_flow f, struct vigil_real r)
{
	return ev(VIGIL_EV_IPVS_PICK, ts, f, r, 0, 0);
}

static struct vigil_event state_ev(uint64_t ts, struct vigil_flow f, struct vigil_real r,
				   uint8_t old_state, uint8_t state)
{
	return ev(VIGIL_EV_STATE, ts, f, r, old_state, state);
}

static struct vigil_event established_ev(uint64_t ts, struct vigil_flow f, struct vigil_real r)
{
	return state_ev(ts, f, r, TCP_SYN_SENT, TCP_ESTABLISHED);
}

static struct vigil_event retrans_ev(uint64_t ts, struct vigil_flow f, struct vigil_real r)
{
	return ev(VIGIL_EV_RETRANS, ts, f, r, TCP_SYN_SENT, TCP_SYN_SENT);
}

/* An established-side socket's first retransmission timeout, in STATE. */
static struct vigil_event stall_ev(uint64_t ts, struct vigil_flow f, struct vigil_real r,
				   uint8_t state)
{
	return ev(VIGIL_EV_RETRANS, ts, f, r, state, state);
}

static struct vigil_event reset_ev(uint64_t ts, struct vigil_flow f, struct vigil_real r,
				   uint8_t state)
{
	return ev(VIGIL_EV_RESET, ts, f, r, state, state);
}

static struct vigil_event sock_error_ev(uint64_t ts, struct vigil_flow f, struct vigil_real r,
					int error)
{
	struct vigil_event e = ev(VIGIL_EV_SOCK_ERROR, ts, f, r, 0, 0);

	e.error = error;
	return e;
}

static struct vigil_event udp_send_ev(uint64_t ts, struct vigil_flow f, struct vigil_real r)
{
	return ev(VIGIL_EV_UDP_SEND, ts, f, r, 0, 0);
}

static struct vigil_event udp_reply_ev(uint64_t ts, struct vigil_flow f, struct vigil_real r)
{
	return ev(VIGIL_EV_UDP_REPLY, ts, f, r, 0, 0);
}

static struct detector *new_detector(size_t max_attempts, size_t max_dests)
{
	struct detector *d = detector_new(max_attempts, max_dests, timing_of, NULL);

	ck_assert_ptr_nonnull(d);
	return d;
}

/* Feeds e; returns how much evidence it made, into out. */
static int feed(struct detector *d, struct vigil_event e, struct evidence *out)
{
	int n = detector_on_event(d, &e, out, DETECTOR_EVIDENCE_MAX);

	ck_assert_int_ge(n, 0);
	ck_assert_int_le(n, DETECTOR_EVIDENCE_MAX);
	return n;
}

static void feed_none(struct detector *d, struct vigil_event e)
{
	struct evidence out[DETECTOR_EVIDENCE_MAX];
	int n = feed(d, e, out);

	ck_assert_msg(n == 0, "event %s at %llu made %d evidence, first %s",
		      event_kind_name(e.kind), (unsigned long long)e.ts_ns, n,
		      evidence_kind_name(out[0].kind));
}

static void assert_evidence(const struct evidence *ev, enum evidence_kind kind, uint64_t at,
			    struct vigil_flow f, struct vigil_real r)
{
	ck_assert_msg(ev->kind == kind, "evidence is %s, expected %s", evidence_kind_name(ev->kind),
		      evidence_kind_name(kind));
	ck_assert_uint_eq(ev->at_ns, at);
	ck_assert_mem_eq(&ev->flow, &f, sizeof(f));
	ck_assert_mem_eq(&ev->real, &r, sizeof(r));
}

/* Feeds e and checks it made exactly this one piece of evidence. */
static void feed_one(struct detector *d, struct vigil_event e, enum evidence_kind kind, uint64_t at,
		     struct vigil_real r)
{
	struct evidence out[DETECTOR_EVIDENCE_MAX];

	ck_assert_int_eq(feed(d, e, out), 1);
	assert_evidence(&out[0], kind, at, e.flow, r);
}

static size_t expire(struct detector *d, uint64_t now, struct evidence *out, size_t max)
{
	return detector_expire(d, now, out, max);
}

static size_t expire_count(struct detector *d, uint64_t now)
{
	struct evidence out[8];

	return expire(d, now, out, 8);
}

/* The client's SYN at ts and IPVS's pick of r for it: nothing to tell yet. */
static void syn_sent(struct detector *d, uint64_t ts, struct vigil_flow f, struct vigil_real r)
{
	feed_none(d, connect_ev(ts, f));
	feed_none(d, pick_ev(ts, f, r));
}

/* Expires at now, which must be exactly one SYN_TIMEOUT, due now, of f to r. */
static struct evidence expire_syn_timeout(struct detector *d, uint64_t now, struct vigil_flow f,
					  struct vigil_real r)
{
	struct evidence out[8];

	ck_assert_uint_eq(expire(d, now, out, 8), 1);
	assert_evidence(&out[0], EVIDENCE_SYN_TIMEOUT, now, f, r);
	return out[0];
}

/* A whole accepted connection: connect, pick, established after rtt. */
static void accepted(struct detector *d, uint64_t ts, struct vigil_flow f, struct vigil_real r,
		     uint64_t rtt)
{
	syn_sent(d, ts, f, r);
	feed_none(d, established_ev(ts + rtt, f, r));
	feed_none(d, state_ev(ts + rtt + MS(5), f, r, TCP_ESTABLISHED, TCP_FIN_WAIT1));
	feed_none(d, state_ev(ts + rtt + MS(6), f, r, TCP_FIN_WAIT1, TCP_CLOSE));
}

START_TEST(accepted_connection_teaches_rtt)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow(VIP_A, 40000);
	struct vigil_real r = real("192.168.1.10");
	struct detector_stats st;

	ck_assert_uint_eq(detector_syn_timeout(d, &f, &r), MS(900));
	accepted(d, MS(1000), f, r, MS(100));
	ck_assert_uint_eq(expire_count(d, MS(100000)), 0);
	ck_assert_uint_eq(detector_next_deadline(d), UINT64_MAX);
	/* 4 x 100 ms */
	ck_assert_uint_eq(detector_syn_timeout(d, &f, &r), MS(400));

	/* smoothed like srtt: 100 + (20 - 100) / 8 = 90 ms */
	accepted(d, MS(2000), flow(VIP_A, 40001), r, MS(20));
	ck_assert_uint_eq(detector_syn_timeout(d, &f, &r), MS(360));

	/* a fast destination: factor x rtt falls under min */
	for (int i = 0; i < 100; i++)
		accepted(d, MS(3000 + i * 10), flow(VIP_A, 40002 + i), r, MS(1));
	ck_assert_uint_eq(detector_syn_timeout(d, &f, &r), MS(200));

	detector_get_stats(d, &st);
	ck_assert_uint_eq(st.attempts, 0);
	ck_assert_uint_eq(st.dests, 1);
	detector_free(d);
}
END_TEST

START_TEST(slow_destination_is_capped_at_max)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow(VIP_A, 40000);
	struct vigil_real r = real("192.168.1.10");

	accepted(d, MS(1000), f, r, MS(500));
	ck_assert_uint_eq(detector_syn_timeout(d, &f, &r), MS(900));
	detector_free(d);
}
END_TEST

START_TEST(silent_destination_is_told_once_per_attempt)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow(VIP_A, 40000);
	struct vigil_real r = real("192.168.1.10");
	struct evidence out[8];
	uint64_t t0 = MS(5000);

	syn_sent(d, t0, f, r);
	/* no RTT known yet: syn_timeout max */
	ck_assert_uint_eq(detector_next_deadline(d), t0 + MS(900));
	ck_assert_uint_eq(expire(d, t0 + MS(900) - 1, out, 8), 0);
	expire_syn_timeout(d, t0 + MS(900), f, r);
	ck_assert_uint_eq(expire(d, t0 + MS(950), out, 8), 0);
	ck_assert_uint_eq(detector_next_deadline(d), UINT64_MAX);

	/*
	 * the client's own retransmits and its giving up: the same attempt, so
	 * no more evidence (the policy counts failed attempts)
	 */
	feed_none(d, retrans_ev(t0 + MS(1000), f, r));
	feed_none(d, retrans_ev(t0 + MS(2000), f, r));
	ck_assert_uint_eq(expire(d, t0 + MS(100000), out, 8), 0);
	feed_none(d, state_ev(t0 + MS(3500), f, r, TCP_SYN_SENT, TCP_CLOSE));
	ck_assert_uint_eq(expire(d, t0 + MS(100000), out, 8), 0);

	/* a retransmit before the syn_timeout is the attempt's one piece of evidence */
	f = flow(VIP_A, 40001);
	syn_sent(d, t0, f, r);
	feed_one(d, retrans_ev(t0 + MS(300), f, r), EVIDENCE_RETRANS, t0 + MS(300), r);
	ck_assert_uint_eq(expire(d, t0 + MS(100000), out, 8), 0);
	detector_free(d);
}
END_TEST

/* After a ring-buffer overflow: the attempts in flight are forgotten, unjudged, the rest go on. */
START_TEST(forgotten_attempts_make_no_evidence)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_real r = real("192.168.1.10");
	struct detector_stats st;
	uint64_t t0 = MS(5000);

	syn_sent(d, t0, flow(VIP_A, 40000), r);
	syn_sent(d, t0 + MS(10), flow(VIP_A, 40001), r);
	ck_assert_uint_eq(detector_forget_attempts(d), 2);
	ck_assert_uint_eq(detector_next_deadline(d), UINT64_MAX);
	ck_assert_uint_eq(expire_count(d, t0 + MS(100000)), 0);
	/* a late answer of a forgotten attempt is no evidence either */
	feed_none(d, state_ev(t0 + MS(3500), flow(VIP_A, 40000), r, TCP_SYN_SENT, TCP_CLOSE));
	detector_get_stats(d, &st);
	ck_assert_uint_eq(st.attempts, 0);
	ck_assert_uint_eq(detector_forget_attempts(d), 0);

	/* the next attempt is judged as ever */
	syn_sent(d, t0 + MS(4000), flow(VIP_A, 40002), r);
	expire_syn_timeout(d, t0 + MS(4900), flow(VIP_A, 40002), r);
	detector_free(d);
}
END_TEST

START_TEST(giving_up_before_the_syn_timeout_is_no_evidence)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow(VIP_A, 40150);
	struct vigil_real r = real("192.168.1.10");

	/* a Happy Eyeballs loser: closed 50 ms after its SYN */
	syn_sent(d, MS(1000), f, r);
	feed_none(d, state_ev(MS(1050), f, r, TCP_SYN_SENT, TCP_CLOSE));
	ck_assert_uint_eq(detector_next_deadline(d), UINT64_MAX);
	detector_free(d);
}
END_TEST

START_TEST(syn_timeout_follows_the_learned_rtt)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow(VIP_A, 40100);
	struct vigil_real r = real("192.168.1.10");
	struct evidence out[8];

	accepted(d, MS(1000), flow(VIP_A, 40000), r, MS(100));
	feed_none(d, pick_ev(MS(2000), f, r));
	ck_assert_uint_eq(detector_next_deadline(d), MS(2400));
	ck_assert_uint_eq(expire(d, MS(2399), out, 8), 0);
	expire_syn_timeout(d, MS(2400), f, r);
	detector_free(d);
}
END_TEST

START_TEST(retransmitted_handshake_teaches_no_rtt)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow(VIP_A, 40000);
	struct vigil_real r = real("192.168.1.10");
	struct detector_stats st;

	feed_none(d, pick_ev(0, f, r));
	ck_assert_uint_eq(expire_count(d, MS(900)), 1);
	feed_none(d, retrans_ev(MS(1000), f, r));
	/* which SYN was answered is unknown, and 1 s of it was the RTO (Karn) */
	feed_none(d, established_ev(MS(1010), f, r));
	ck_assert_uint_eq(detector_syn_timeout(d, &f, &r), MS(900));
	detector_get_stats(d, &st);
	ck_assert_uint_eq(st.dests, 0);
	ck_assert_uint_eq(st.attempts, 0);
	detector_free(d);
}
END_TEST

START_TEST(refused_is_not_also_gave_up)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow(VIP_A, 40000);
	struct vigil_real r = real("192.168.1.10");

	syn_sent(d, MS(1000), f, r);
	feed_one(d, reset_ev(MS(1001), f, r, TCP_SYN_SENT), EVIDENCE_REFUSED, MS(1001), r);
	/* refused is an outcome: no SYN_TIMEOUT comes after it */
	ck_assert_uint_eq(detector_next_deadline(d), UINT64_MAX);
	feed_none(d, state_ev(MS(1001), f, r, TCP_SYN_SENT, TCP_CLOSE));
	ck_assert_uint_eq(expire_count(d, MS(100000)), 0);
	detector_free(d);
}
END_TEST

START_TEST(refused_after_timeout_is_both)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow(VIP_A, 40000);
	struct vigil_real r = real("192.168.1.10");

	feed_none(d, pick_ev(0, f, r));
	ck_assert_uint_eq(expire_count(d, MS(900)), 1);
	feed_one(d, reset_ev(MS(950), f, r, TCP_SYN_SENT), EVIDENCE_REFUSED, MS(950), r);
	feed_none(d, state_ev(MS(950), f, r, TCP_SYN_SENT, TCP_CLOSE));
	detector_free(d);
}
END_TEST

START_TEST(reset_of_a_connection_is_not_refusal)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow(VIP_A, 40000);
	struct vigil_real r = real("192.168.1.10");

	syn_sent(d, 0, f, r);
	feed_none(d, established_ev(MS(1), f, r));
	feed_none(d, reset_ev(MS(5000), f, r, TCP_ESTABLISHED));
	feed_none(d, state_ev(MS(5000), f, r, TCP_ESTABLISHED, TCP_CLOSE));
	ck_assert_uint_eq(expire_count(d, MS(100000)), 0);
	detector_free(d);
}
END_TEST

START_TEST(rescheduled_syn_moves_the_attempt)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow(VIP_A, 40000);
	struct vigil_real a = real("192.168.1.10"), b = real("192.168.1.11");
	struct evidence out[8];

	syn_sent(d, 0, f, a);
	expire_syn_timeout(d, MS(900), f, a);

	/*
	 * a is at weight 0 now; the first retransmit is rescheduled to b, and
	 * reported after IPVS picked b: it carried the SYN to b, no evidence.
	 */
	feed_none(d, pick_ev(MS(1000), f, b));
	ck_assert_uint_eq(detector_next_deadline(d), MS(1900));
	feed_none(d, retrans_ev(MS(1000), f, b));
	ck_assert_uint_eq(expire(d, MS(1899), out, 8), 0);
	expire_syn_timeout(d, MS(1900), f, b);
	/* b is silent too, and told once; a never again */
	feed_none(d, retrans_ev(MS(2000), f, b));
	feed_none(d, retrans_ev(MS(2100), f, a));
	feed_none(d, state_ev(MS(2500), f, b, TCP_SYN_SENT, TCP_CLOSE));
	detector_free(d);
}
END_TEST

START_TEST(rescheduled_syn_answered_teaches_the_new_destination)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow(VIP_A, 40000);
	struct vigil_real a = real("192.168.1.10"), b = real("192.168.1.11");

	feed_none(d, pick_ev(0, f, a));
	/* a quarantined on others' evidence before this attempt's deadline */
	feed_none(d, pick_ev(MS(300), f, b));
	ck_assert_uint_eq(detector_next_deadline(d), MS(1200));
	ck_assert_uint_eq(expire_count(d, MS(900)), 0);
	feed_none(d, retrans_ev(MS(300), f, b));
	/* b answered its first SYN 10 ms after the pick: a clean sample */
	feed_none(d, established_ev(MS(310), f, b));
	ck_assert_uint_eq(detector_syn_timeout(d, &f, &b), MS(200));
	ck_assert_uint_eq(detector_syn_timeout(d, &f, &a), MS(900));
	ck_assert_uint_eq(detector_next_deadline(d), UINT64_MAX);
	ck_assert_uint_eq(expire_count(d, MS(100000)), 0);
	detector_free(d);
}
END_TEST

START_TEST(rescheduled_after_the_deadline_still_blames_the_old_destination)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow(VIP_A, 40000);
	struct vigil_real a = real("192.168.1.10"), b = real("192.168.1.11");

	feed_none(d, pick_ev(0, f, a));
	/* the timer was late: the pick of b shows a's deadline went by unanswered */
	feed_one(d, pick_ev(MS(1000), f, b), EVIDENCE_SYN_TIMEOUT, MS(900), a);
	ck_assert_uint_eq(detector_next_deadline(d), MS(1900));
	ck_assert_uint_eq(expire_count(d, MS(1000)), 0);
	detector_free(d);
}
END_TEST

START_TEST(late_established_before_the_deadline_is_no_timeout)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow(VIP_A, 40000);
	struct vigil_real r = real("192.168.1.10");

	syn_sent(d, 0, f, r);
	/*
	 * It is 950 ms now: the deadline (900) has passed, and the loop drains
	 * the ring buffer before it expires. The ESTABLISHED found there is
	 * stamped 850 ms: in time.
	 */
	feed_none(d, established_ev(MS(850), f, r));
	ck_assert_uint_eq(expire_count(d, MS(950)), 0);
	ck_assert_uint_eq(detector_syn_timeout(d, &f, &r), MS(900));
	detector_free(d);
}
END_TEST

START_TEST(late_established_after_the_deadline_is_one_timeout)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow(VIP_A, 40000);
	struct vigil_real r = real("192.168.1.10");
	struct evidence out[8];

	feed_none(d, pick_ev(0, f, r));
	/* stamped 920 ms: too late, whenever the loop gets to expire */
	feed_one(d, established_ev(MS(920), f, r), EVIDENCE_SYN_TIMEOUT, MS(900), r);
	ck_assert_uint_eq(expire(d, MS(950), out, 8), 0);

	/* the same with expire on time: the same single piece of evidence */
	f = flow(VIP_A, 40001);
	feed_none(d, pick_ev(MS(1000), f, r));
	expire_syn_timeout(d, MS(1900), f, r);
	feed_none(d, established_ev(MS(1920), f, r));
	detector_free(d);
}
END_TEST

START_TEST(overdue_timeout_comes_before_the_event_evidence)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow(VIP_A, 40000);
	struct vigil_real r = real("192.168.1.10");
	struct evidence out[DETECTOR_EVIDENCE_MAX];

	feed_none(d, pick_ev(0, f, r));
	/* the retransmit itself adds nothing: the attempt was told silent at its deadline */
	ck_assert_int_eq(feed(d, retrans_ev(MS(1000), f, r), out), 1);
	assert_evidence(&out[0], EVIDENCE_SYN_TIMEOUT, MS(900), f, r);
	ck_assert_uint_eq(expire_count(d, MS(1000)), 0);

	f = flow(VIP_A, 40001);
	feed_none(d, pick_ev(MS(2000), f, r));
	ck_assert_int_eq(feed(d, reset_ev(MS(3000), f, r, TCP_SYN_SENT), out), 2);
	assert_evidence(&out[0], EVIDENCE_SYN_TIMEOUT, MS(2900), f, r);
	assert_evidence(&out[1], EVIDENCE_REFUSED, MS(3000), f, r);
	detector_free(d);
}
END_TEST

START_TEST(four_tuple_reuse_after_close_is_a_new_attempt)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow(VIP_A, 40000);
	struct vigil_real a = real("192.168.1.10"), b = real("192.168.1.11");

	accepted(d, 0, f, a, MS(10));
	/* same 4-tuple, new connection, to a silent destination */
	syn_sent(d, MS(60000), f, b);
	ck_assert_uint_eq(detector_next_deadline(d), MS(60900));
	expire_syn_timeout(d, MS(60900), f, b);
	feed_none(d, state_ev(MS(61000), f, b, TCP_SYN_SENT, TCP_CLOSE));

	/* and again, to a, which answers: nothing left of the failed one */
	accepted(d, MS(70000), f, a, MS(10));
	ck_assert_uint_eq(expire_count(d, MS(100000)), 0);
	detector_free(d);
}
END_TEST

START_TEST(connect_over_a_lost_close_forgets_the_stale_attempt)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow(VIP_A, 40000);
	struct vigil_real a = real("192.168.1.10"), b = real("192.168.1.11");
	struct detector_stats st;

	feed_none(d, pick_ev(0, f, a));
	/* its ESTABLISHED and CLOSE were lost; the port is in use again */
	feed_none(d, connect_ev(MS(100), f));
	ck_assert_uint_eq(detector_next_deadline(d), UINT64_MAX);
	detector_get_stats(d, &st);
	ck_assert_uint_eq(st.attempts, 0);
	feed_none(d, pick_ev(MS(100), f, b));
	ck_assert_uint_eq(detector_next_deadline(d), MS(1000));
	detector_free(d);
}
END_TEST

START_TEST(direct_connections_are_ignored)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow("10.1.2.3", 40000);
	struct vigil_flow w = flow(VIP_A, 40001);
	struct vigil_flow u = flow("10.96.0.99", 40002);
	struct vigil_real r = real("192.168.1.10");
	struct detector_stats st;

	/* not through IPVS: no real destination on any event */
	feed_none(d, connect_ev(0, f));
	feed_none(d, retrans_ev(MS(1000), f, no_real));
	feed_none(d, reset_ev(MS(1500), f, no_real, TCP_SYN_SENT));
	feed_none(d, state_ev(MS(1500), f, no_real, TCP_SYN_SENT, TCP_CLOSE));
	/* to a watched VIP, but IPVS never picked (no rules): no attempt */
	feed_none(d, connect_ev(0, w));
	feed_none(d, retrans_ev(MS(1000), w, no_real));
	feed_none(d, state_ev(MS(1500), w, no_real, TCP_SYN_SENT, TCP_CLOSE));
	/* through an IPVS service vigil does not watch */
	syn_sent(d, 0, u, r);
	feed_none(d, retrans_ev(MS(1000), u, r));
	feed_none(d, state_ev(MS(1500), u, r, TCP_SYN_SENT, TCP_CLOSE));
	ck_assert_uint_eq(detector_syn_timeout(d, &u, &r), 0);
	/* a kind from a newer BPF side */
	feed_none(d, ev(200, 0, w, r, 0, 0));

	ck_assert_uint_eq(detector_next_deadline(d), UINT64_MAX);
	ck_assert_uint_eq(expire_count(d, MS(100000)), 0);
	detector_get_stats(d, &st);
	ck_assert_uint_eq(st.attempts, 0);
	detector_free(d);
}
END_TEST

START_TEST(udp_errors_are_evidence)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow_proto(VIP_A, 50000, IPPROTO_UDP);
	struct vigil_flow u = flow_proto("10.96.0.99", 50001, IPPROTO_UDP);
	struct vigil_real r = real("192.168.1.10");
	struct evidence out[DETECTOR_EVIDENCE_MAX];

	/* a UDP pick starts nothing to time */
	feed_none(d, pick_ev(0, f, r));
	ck_assert_uint_eq(detector_next_deadline(d), UINT64_MAX);
	ck_assert_uint_eq(expire_count(d, MS(100000)), 0);

	ck_assert_int_eq(feed(d, sock_error_ev(MS(3), f, r, ECONNREFUSED), out), 1);
	assert_evidence(&out[0], EVIDENCE_UDP_ERROR, MS(3), f, r);
	ck_assert_int_eq(out[0].error, ECONNREFUSED);
	ck_assert_int_eq(feed(d, sock_error_ev(MS(4), f, r, EHOSTUNREACH), out), 1);
	ck_assert_int_eq(out[0].error, EHOSTUNREACH);

	/* the path's MTU, no error, no destination, not watched: nothing */
	feed_none(d, sock_error_ev(MS(5), f, r, EMSGSIZE));
	feed_none(d, sock_error_ev(MS(5), f, r, 0));
	feed_none(d, sock_error_ev(MS(5), f, no_real, ECONNREFUSED));
	feed_none(d, sock_error_ev(MS(5), u, r, ECONNREFUSED));
	/* the same tuple over TCP is another flow */
	feed_none(d, sock_error_ev(MS(5), flow(VIP_A, 50000), r, ECONNREFUSED));
	detector_free(d);
}
END_TEST

START_TEST(attempts_are_bounded_oldest_forgotten_first)
{
	struct detector *d = new_detector(4, 16);
	struct vigil_real r = real("192.168.1.10");
	struct detector_stats st;
	unsigned int i;

	for (i = 0; i < 6; i++)
		feed_none(d, pick_ev(MS(i), flow(VIP_A, 40000 + i), r));
	detector_get_stats(d, &st);
	ck_assert_uint_eq(st.attempts, 4);
	ck_assert_uint_eq(st.attempts_forgotten, 2);
	ck_assert_uint_eq(detector_next_deadline(d), MS(902));
	/* the two oldest are gone, the others still count */
	feed_none(d, retrans_ev(MS(800), flow(VIP_A, 40000), r));
	feed_none(d, retrans_ev(MS(800), flow(VIP_A, 40001), r));
	feed_one(d, retrans_ev(MS(800), flow(VIP_A, 40002), r), EVIDENCE_RETRANS, MS(800), r);
	/* 40002 was told silent by its retransmit already */
	ck_assert_uint_eq(expire_count(d, MS(905)), 3);

	/* finished attempts give their room back */
	for (i = 2; i < 6; i++)
		feed_none(d, state_ev(MS(1000), flow(VIP_A, 40000 + i), r, TCP_SYN_SENT,
				      TCP_ESTABLISHED));
	detector_get_stats(d, &st);
	ck_assert_uint_eq(st.attempts, 0);
	for (i = 0; i < 4; i++)
		feed_none(d, pick_ev(MS(2000), flow(VIP_A, 41000 + i), r));
	detector_get_stats(d, &st);
	ck_assert_uint_eq(st.attempts, 4);
	ck_assert_uint_eq(st.attempts_forgotten, 2);
	detector_free(d);
}
END_TEST

START_TEST(forgetting_an_overdue_attempt_keeps_its_timeout)
{
	struct detector *d = new_detector(1, 16);
	struct vigil_flow f = flow(VIP_A, 40000), g = flow(VIP_A, 40001);
	struct vigil_real r = real("192.168.1.10");
	struct evidence out[DETECTOR_EVIDENCE_MAX];

	feed_none(d, pick_ev(0, f, r));
	ck_assert_int_eq(feed(d, pick_ev(MS(1000), g, r), out), 1);
	assert_evidence(&out[0], EVIDENCE_SYN_TIMEOUT, MS(900), f, r);
	ck_assert_uint_eq(detector_next_deadline(d), MS(1900));
	/* forgotten before its deadline: nothing */
	feed_none(d, pick_ev(MS(1100), f, r));
	ck_assert_uint_eq(detector_next_deadline(d), MS(2000));
	detector_free(d);
}
END_TEST

START_TEST(destinations_are_bounded_least_recently_updated_forgotten_first)
{
	struct detector *d = new_detector(16, 2);
	struct vigil_flow f = flow(VIP_A, 40000);
	struct vigil_real a = real("192.168.1.10"), b = real("192.168.1.11");
	struct vigil_real c = real("192.168.1.12"), e = real("192.168.1.13");
	struct detector_stats st;

	accepted(d, MS(0), f, a, MS(100));
	accepted(d, MS(1000), f, b, MS(100));
	accepted(d, MS(2000), f, c, MS(100));
	detector_get_stats(d, &st);
	ck_assert_uint_eq(st.dests, 2);
	ck_assert_uint_eq(st.dests_forgotten, 1);
	/* forgotten: back to max, the safe side */
	ck_assert_uint_eq(detector_syn_timeout(d, &f, &a), MS(900));
	ck_assert_uint_eq(detector_syn_timeout(d, &f, &b), MS(400));
	ck_assert_uint_eq(detector_syn_timeout(d, &f, &c), MS(400));

	/* b learns again, so c is now the least recently updated */
	accepted(d, MS(3000), f, b, MS(100));
	accepted(d, MS(4000), f, e, MS(100));
	ck_assert_uint_eq(detector_syn_timeout(d, &f, &b), MS(400));
	ck_assert_uint_eq(detector_syn_timeout(d, &f, &c), MS(900));
	ck_assert_uint_eq(detector_syn_timeout(d, &f, &e), MS(400));
	detector_get_stats(d, &st);
	ck_assert_uint_eq(st.dests, 2);
	ck_assert_uint_eq(st.dests_forgotten, 2);
	detector_free(d);
}
END_TEST

/* A deterministic pseudo-random sequence (glibc's rand_r is not pure enough to rely on). */
static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

START_TEST(next_deadline_over_many_attempts)
{
	enum {
		N = 20000
	};
	struct detector *d = new_detector(N, 1024);
	static struct vigil_flow flows[N];
	static uint64_t deadline[N];
	static unsigned int real_of[N];
	static bool open[N];
	struct evidence out[64];
	struct vigil_real reals[64];
	uint64_t now = MS(1000), last_at = 0, want;
	size_t n, total = 0, expected = 0;
	uint32_t seed = 42;
	unsigned int i, j, k;
	char addr[32];

	/* 64 destinations, 16 of which learn an RTT: deadlines interleave */
	for (j = 0; j < 64; j++) {
		snprintf(addr, sizeof(addr), "192.168.%u.%u", j / 200, j % 200 + 1);
		reals[j] = real(addr);
		if (j < 16)
			accepted(d, 0, flow(VIP_B, 1000 + j), reals[j], MS(50 + j * 10));
	}
	for (i = 0; i < N; i++) {
		flows[i] = flow(VIP_A, 1024 + i);
		flows[i].caddr.v4 ^= htonl(lcg(&seed) % 8);
		real_of[i] = lcg(&seed) % 64;
		now += lcg(&seed) % 50000; /* up to 50 us apart */
		feed_none(d, pick_ev(now, flows[i], reals[real_of[i]]));
		deadline[i] = now + detector_syn_timeout(d, &flows[i], &reals[real_of[i]]);
		open[i] = true;
		/*
		 * A third of the time, one of the last 1000 (< 50 ms old, all
		 * before their deadline) is answered: out of the middle of the heap.
		 */
		if (lcg(&seed) % 3 == 0) {
			k = i - lcg(&seed) % (i < 1000 ? i + 1 : 1000);
			if (open[k]) {
				feed_none(d, established_ev(now, flows[k], reals[real_of[k]]));
				open[k] = false;
			}
		}
		if (i % 97 == 0) {
			want = UINT64_MAX;
			for (j = 0; j <= i; j++)
				if (open[j] && deadline[j] < want)
					want = deadline[j];
			ck_assert_uint_eq(detector_next_deadline(d), want);
		}
	}
	for (i = 0; i < N; i++)
		expected += open[i];

	/* expiry in steps of 10 ms, in batches smaller than what is due */
	for (now = MS(1000); total < expected && now < MS(100000); now += MS(10)) {
		while ((n = expire(d, now, out, 64)) > 0) {
			for (j = 0; j < n; j++) {
				i = out[j].flow.cport - 1024;
				ck_assert_msg(open[i], "attempt %u expired twice or answered", i);
				open[i] = false;
				ck_assert_uint_eq(out[j].at_ns, deadline[i]);
				ck_assert_uint_le(out[j].at_ns, now);
				ck_assert_uint_ge(out[j].at_ns, last_at);
				last_at = out[j].at_ns;
			}
			total += n;
			if (n < 64)
				break;
		}
		ck_assert_uint_gt(detector_next_deadline(d), now);
	}
	ck_assert_uint_eq(total, expected);
	ck_assert_uint_eq(detector_next_deadline(d), UINT64_MAX);
	detector_free(d);
}
END_TEST

START_TEST(equal_deadlines_expire_oldest_first)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_real r = real("192.168.1.10");
	struct evidence out[8];
	unsigned int i;

	for (i = 0; i < 5; i++)
		feed_none(d, pick_ev(MS(10), flow(VIP_A, 40010 - i), r));
	ck_assert_uint_eq(expire(d, MS(910), out, 8), 5);
	for (i = 0; i < 5; i++)
		assert_evidence(&out[i], EVIDENCE_SYN_TIMEOUT, MS(910), flow(VIP_A, 40010 - i), r);
	detector_free(d);
}
END_TEST

START_TEST(timing_is_per_service)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow fa = flow(VIP_A, 40000), fb = flow(VIP_B, 40000);
	struct vigil_real r = real("192.168.1.10");

	/* one destination behind both services */
	ck_assert_uint_eq(detector_syn_timeout(d, &fa, &r), MS(900));
	ck_assert_uint_eq(detector_syn_timeout(d, &fb, &r), MS(300));
	feed_none(d, pick_ev(0, fa, r));
	feed_none(d, pick_ev(0, fb, r));
	ck_assert_uint_eq(detector_next_deadline(d), MS(300));
	expire_syn_timeout(d, MS(300), fb, r);
	expire_syn_timeout(d, MS(900), fa, r);

	/* its RTT is its own; the settings of each service clamp it */
	accepted(d, MS(1000), flow(VIP_A, 40001), r, MS(10));
	ck_assert_uint_eq(detector_syn_timeout(d, &fa, &r), MS(200)); /* 40 -> min 200 */
	ck_assert_uint_eq(detector_syn_timeout(d, &fb, &r), MS(50));  /* 20 -> min 50 */
	/* learned through either service: srtt 10 + (170 - 10) / 8 = 30 ms */
	accepted(d, MS(2000), flow(VIP_A, 40002), r, MS(170));
	ck_assert_uint_eq(detector_syn_timeout(d, &fa, &r), MS(200)); /* 120 -> min 200 */
	ck_assert_uint_eq(detector_syn_timeout(d, &fb, &r), MS(60));
	detector_free(d);
}
END_TEST

START_TEST(syn_timeout_stays_under_two_thirds_of_the_syn_rto)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow(VIP_C, 40000);
	struct vigil_flow fa = flow(VIP_A, 1), unwatched = flow("10.1.1.1", 1);
	struct vigil_real fast = real("192.168.1.10"), slow = real("192.168.1.11");

	/* nothing measured: max 900 ms, capped at 600 x 2/3 = 400 ms */
	ck_assert_uint_eq(detector_syn_timeout(d, &f, &fast), MS(400));
	ck_assert_uint_eq(detector_measured_syn_timeout(d, &f, &fast), 0);
	feed_none(d, pick_ev(MS(1000), f, fast));
	ck_assert_uint_eq(detector_next_deadline(d), MS(1400));
	expire_syn_timeout(d, MS(1400), f, fast);

	/* 4 x 10 ms -> min 200 ms: under the cap, kept */
	accepted(d, MS(2000), flow(VIP_C, 40001), fast, MS(10));
	ck_assert_uint_eq(detector_syn_timeout(d, &f, &fast), MS(200));
	ck_assert_uint_eq(detector_measured_syn_timeout(d, &f, &fast), MS(200));
	/* 4 x 150 ms = 600 ms: measured as such, capped at 400 ms */
	accepted(d, MS(3000), flow(VIP_C, 40002), slow, MS(150));
	ck_assert_uint_eq(detector_measured_syn_timeout(d, &f, &slow), MS(600));
	ck_assert_uint_eq(detector_syn_timeout(d, &f, &slow), MS(400));
	/* the same destination behind a service without a SYN RTO: uncapped */
	ck_assert_uint_eq(detector_syn_timeout(d, &fa, &slow), MS(600));
	ck_assert_uint_eq(detector_measured_syn_timeout(d, &unwatched, &slow), 0);
	detector_free(d);
}
END_TEST

START_TEST(syn_rto_is_three_halves_of_the_largest_syn_timeout)
{
	/* nothing measured: the max */
	ck_assert_uint_eq(detector_syn_rto(0, MS(300), MS(1000)), MS(1000));
	ck_assert_uint_eq(detector_syn_rto(MS(200), MS(300), MS(1000)), MS(300));
	ck_assert_uint_eq(detector_syn_rto(MS(300), MS(300), MS(1000)), MS(450));
	ck_assert_uint_eq(detector_syn_rto(MS(401), MS(300), MS(1000)), 601500000);
	ck_assert_uint_eq(detector_syn_rto(MS(900), MS(300), MS(1000)), MS(1000));
	/* the floor */
	ck_assert_uint_eq(detector_syn_rto(MS(10), MS(100), MS(1000)), MS(100));
	ck_assert_uint_eq(detector_syn_rto(UINT64_MAX, MS(100), MS(1000)), MS(1000));
}
END_TEST

START_TEST(ipv6_flows_are_followed)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow(VIP_6, 40000);
	struct vigil_real r = real("fd00:1::10");
	struct evidence e;

	syn_sent(d, 0, f, r);
	e = expire_syn_timeout(d, MS(900), f, r);
	ck_assert_uint_eq(e.real.family, VIGIL_AF_INET6);
	detector_free(d);
}
END_TEST

START_TEST(stall_of_a_connection_is_evidence_per_event)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow(VIP_A, 40000), g = flow(VIP_A, 40001);
	struct vigil_real r = real("192.168.1.10");

	accepted(d, 0, f, r, MS(1));
	accepted(d, 0, g, r, MS(2));
	/* one per stall the BPF side reports, each with its own client */
	feed_one(d, stall_ev(MS(5000), f, r, TCP_ESTABLISHED), EVIDENCE_STALL, MS(5000), r);
	feed_one(d, stall_ev(MS(5001), g, r, TCP_ESTABLISHED), EVIDENCE_STALL, MS(5001), r);
	feed_one(d, stall_ev(MS(9000), f, r, TCP_ESTABLISHED), EVIDENCE_STALL, MS(9000), r);
	/* the other states with data in flight */
	feed_one(d, stall_ev(MS(9100), f, r, TCP_CLOSE_WAIT), EVIDENCE_STALL, MS(9100), r);
	feed_one(d, stall_ev(MS(9200), f, r, TCP_FIN_WAIT1), EVIDENCE_STALL, MS(9200), r);
	feed_one(d, stall_ev(MS(9300), f, r, TCP_LAST_ACK), EVIDENCE_STALL, MS(9300), r);
	ck_assert_uint_eq(expire_count(d, MS(100000)), 0);
	detector_free(d);
}
END_TEST

START_TEST(stall_leaves_the_attempt_alone)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow(VIP_A, 40000);
	struct vigil_real r = real("192.168.1.10");
	struct evidence out[DETECTOR_EVIDENCE_MAX];

	/* an attempt whose ESTABLISHED was lost: the stall says nothing of it */
	syn_sent(d, 0, f, r);
	feed_one(d, stall_ev(MS(300), f, r, TCP_ESTABLISHED), EVIDENCE_STALL, MS(300), r);
	ck_assert_uint_eq(detector_next_deadline(d), MS(900));
	/* past its deadline, the stall still makes no SYN_TIMEOUT of its own */
	ck_assert_int_eq(feed(d, stall_ev(MS(1000), f, r, TCP_ESTABLISHED), out), 1);
	assert_evidence(&out[0], EVIDENCE_STALL, MS(1000), f, r);
	ck_assert_uint_eq(expire(d, MS(1000), out, DETECTOR_EVIDENCE_MAX), 1);
	assert_evidence(&out[0], EVIDENCE_SYN_TIMEOUT, MS(900), f, r);
	/* nor does it count as the SYN retransmit that the attempt tells once */
	syn_sent(d, MS(2000), flow(VIP_A, 40001), r);
	feed_one(d, stall_ev(MS(2100), flow(VIP_A, 40001), r, TCP_ESTABLISHED), EVIDENCE_STALL,
		 MS(2100), r);
	feed_one(d, retrans_ev(MS(2200), flow(VIP_A, 40001), r), EVIDENCE_RETRANS, MS(2200), r);
	detector_free(d);
}
END_TEST

START_TEST(stall_needs_a_watched_tcp_flow_and_its_destination)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_real r = real("192.168.1.10");

	feed_none(d, stall_ev(MS(10), flow("10.96.0.99", 40000), r, TCP_ESTABLISHED));
	feed_none(d, stall_ev(MS(10), flow(VIP_A, 40000), no_real, TCP_ESTABLISHED));
	feed_none(d, stall_ev(MS(10), flow_proto(VIP_U, 40000, IPPROTO_UDP), r, TCP_ESTABLISHED));
	feed_one(d, stall_ev(MS(10), flow(VIP_6, 40000), real("fd00::1:10"), TCP_ESTABLISHED),
		 EVIDENCE_STALL, MS(10), real("fd00::1:10"));
	detector_free(d);
}
END_TEST

START_TEST(stall_is_silence_outside_the_share)
{
	struct evidence ev = { .kind = EVIDENCE_STALL };

	ck_assert_str_eq(evidence_kind_name(EVIDENCE_STALL), "stall");
	ck_assert(!evidence_certain(&ev));
	ck_assert(!evidence_per_attempt(&ev));
	ev.kind = EVIDENCE_RETRANS;
	ck_assert(evidence_per_attempt(&ev));
	ev.kind = EVIDENCE_SYN_TIMEOUT;
	ck_assert(evidence_per_attempt(&ev));
	ev.kind = EVIDENCE_NO_REPLY;
	ck_assert(evidence_per_attempt(&ev));
}
END_TEST

START_TEST(bad_arguments)
{
	struct detector *d;
	struct vigil_event e = connect_ev(0, flow(VIP_A, 1));
	struct evidence out[DETECTOR_EVIDENCE_MAX];
	struct detector_stats st;

	errno = 0;
	ck_assert_ptr_null(detector_new(0, 16, timing_of, NULL));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(detector_new(16, 0, timing_of, NULL));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(detector_new(16, 16, NULL, NULL));
	ck_assert_int_eq(errno, EINVAL);
	detector_free(NULL);

	d = new_detector(16, 16);
	/* room for less than one event's worth of evidence */
	ck_assert_int_eq(detector_on_event(d, &e, out, DETECTOR_EVIDENCE_MAX - 1), -EINVAL);
	ck_assert_int_eq(detector_on_event(d, NULL, out, DETECTOR_EVIDENCE_MAX), -EINVAL);
	ck_assert_uint_eq(detector_next_deadline(NULL), UINT64_MAX);
	detector_get_stats(NULL, &st);
	ck_assert_uint_eq(st.attempts, 0);
	ck_assert_str_eq(evidence_kind_name(EVIDENCE_SYN_TIMEOUT), "syn-timeout");
	ck_assert_str_eq(evidence_kind_name(EVIDENCE_UDP_ERROR), "udp-error");
	ck_assert_str_eq(evidence_kind_name(0), "unknown");
	detector_free(d);
}
END_TEST

/* A request nobody answers is evidence at reply_timeout max, before a resolver retries. */
START_TEST(udp_request_without_reply_is_no_reply)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow_proto(VIP_U, 50000, IPPROTO_UDP);
	struct vigil_real r = real("10.0.3.2");
	struct evidence out[4];

	feed_none(d, pick_ev(MS(10), f, r));
	ck_assert_uint_eq(detector_next_deadline(d), MS(410));
	ck_assert_uint_eq(expire(d, MS(409), out, 4), 0);
	ck_assert_uint_eq(expire(d, MS(410), out, 4), 1);
	assert_evidence(&out[0], EVIDENCE_NO_REPLY, MS(410), f, r);
	ck_assert(!evidence_certain(&out[0]));
	/* told once: the reply that never comes is not evidence again */
	ck_assert_uint_eq(expire(d, MS(5000), out, 4), 0);
	ck_assert_str_eq(evidence_kind_name(EVIDENCE_NO_REPLY), "no-reply");
	detector_free(d);
}
END_TEST

/* Replies end requests and teach the reply RTT, which the next request's timeout follows. */
START_TEST(udp_reply_ends_the_request_and_teaches_its_rtt)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow_proto(VIP_U, 50000, IPPROTO_UDP);
	struct vigil_real r = real("10.0.3.2");
	struct detector_stats st;
	struct evidence out[4];

	feed_none(d, pick_ev(0, f, r));
	feed_none(d, udp_reply_ev(MS(30), f, r));
	detector_get_stats(d, &st);
	ck_assert_uint_eq(st.attempts, 0);
	ck_assert_uint_eq(expire(d, MS(5000), out, 4), 0);
	/* 4 x 30 ms */
	ck_assert_uint_eq(detector_syn_timeout(d, &f, &r), MS(120));
	/* the next request on the flow */
	feed_none(d, udp_send_ev(MS(1000), f, r));
	ck_assert_uint_eq(expire(d, MS(1119), out, 4), 0);
	ck_assert_uint_eq(expire(d, MS(1120), out, 4), 1);
	assert_evidence(&out[0], EVIDENCE_NO_REPLY, MS(1120), f, r);
	/* a late reply teaches nothing: it may answer a datagram sent again */
	feed_none(d, udp_reply_ev(MS(1500), f, r));
	ck_assert_uint_eq(detector_syn_timeout(d, &f, &r), MS(120));
	detector_free(d);
}
END_TEST

/* A reply read after its deadline passed still yields the timeout first. */
START_TEST(udp_late_reply_is_one_no_reply)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow_proto(VIP_U, 50000, IPPROTO_UDP);
	struct vigil_real r = real("10.0.3.2");

	feed_none(d, pick_ev(0, f, r));
	feed_one(d, udp_reply_ev(MS(450), f, r), EVIDENCE_NO_REPLY, MS(400), r);
	ck_assert_uint_eq(expire_count(d, MS(5000)), 0);
	detector_free(d);
}
END_TEST

/* One-way protocols (syslog) never reply: their flows are not timed. */
START_TEST(udp_one_way_service_is_never_judged)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow_proto(VIP_A, 50000, IPPROTO_UDP);
	struct vigil_real r = real("10.0.3.2");
	struct detector_stats st;

	feed_none(d, pick_ev(0, f, r));
	feed_none(d, udp_send_ev(MS(10), f, r));
	detector_get_stats(d, &st);
	ck_assert_uint_eq(st.attempts, 0);
	ck_assert_uint_eq(expire_count(d, MS(60000)), 0);
	detector_free(d);
}
END_TEST

/* A destination's handshakes and its replies are timed apart. */
START_TEST(udp_reply_rtt_is_kept_apart_from_handshakes)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow t = flow(VIP_U, 40000), u = flow_proto(VIP_U, 50000, IPPROTO_UDP);
	struct vigil_real r = real("10.0.3.2");

	syn_sent(d, 0, t, r);
	feed_none(d, established_ev(MS(10), t, r));
	ck_assert_uint_eq(detector_syn_timeout(d, &t, &r), MS(200));
	/* nothing measured for UDP yet: reply_timeout max */
	ck_assert_uint_eq(detector_syn_timeout(d, &u, &r), MS(400));
	feed_none(d, pick_ev(MS(100), u, r));
	feed_none(d, udp_reply_ev(MS(190), u, r));
	ck_assert_uint_eq(detector_syn_timeout(d, &u, &r), MS(360));
	ck_assert_uint_eq(detector_syn_timeout(d, &t, &r), MS(200));
	detector_free(d);
}
END_TEST

/*
 * IPVS picks again for a flow whose destination was taken out (a pinned
 * client's next datagram): the request now waits on the new destination.
 */
START_TEST(udp_repick_moves_the_request)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow_proto(VIP_U, 50000, IPPROTO_UDP);
	struct vigil_real r1 = real("10.0.3.2"), r2 = real("10.0.4.2");
	struct evidence out[4];

	feed_none(d, pick_ev(0, f, r1));
	ck_assert_uint_eq(expire(d, MS(400), out, 4), 1);
	assert_evidence(&out[0], EVIDENCE_NO_REPLY, MS(400), f, r1);
	feed_none(d, pick_ev(MS(1000), f, r2));
	feed_none(d, udp_reply_ev(MS(1020), f, r2));
	ck_assert_uint_eq(expire_count(d, MS(5000)), 0);
	ck_assert_uint_eq(detector_syn_timeout(d, &f, &r2), MS(100));
	detector_free(d);
}
END_TEST

/*
 * A fwmark service's flow reaches no VIP: the detector asks for its service
 * with the real destination of its pick, and follows it as any other.
 */
START_TEST(marked_flow_is_timed_by_its_real_destination)
{
	struct detector *d = new_detector(16, 16);
	struct vigil_flow f = flow("203.0.113.9", 41000);
	struct vigil_real r = real(MARKED_REAL), other = real("10.100.8.2");
	struct evidence out[DETECTOR_EVIDENCE_MAX];

	/* the pick starts the attempt: there was no connect event for it */
	feed_none(d, pick_ev(MS(1000), f, r));
	ck_assert_uint_eq(detector_syn_timeout(d, &f, &r), MS(300));
	ck_assert_uint_eq(expire_count(d, MS(1299)), 0);
	expire_syn_timeout(d, MS(1300), f, r);
	/* a stall of an established one is evidence too */
	f = flow("203.0.113.9", 41001);
	feed_one(d, stall_ev(MS(2000), f, r, TCP_ESTABLISHED), EVIDENCE_STALL, MS(2000), r);
	/* a destination no service has: not followed */
	f = flow("203.0.113.9", 41002);
	feed_none(d, pick_ev(MS(3000), f, other));
	ck_assert_uint_eq(expire_count(d, MS(10000)), 0);
	ck_assert_int_eq(feed(d, stall_ev(MS(3100), f, other, TCP_ESTABLISHED), out), 0);
	detector_free(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("detector");
	TCase *tc = tcase_create("detector");

	tcase_add_test(tc, accepted_connection_teaches_rtt);
	tcase_add_test(tc, marked_flow_is_timed_by_its_real_destination);
	tcase_add_test(tc, syn_timeout_stays_under_two_thirds_of_the_syn_rto);
	tcase_add_test(tc, syn_rto_is_three_halves_of_the_largest_syn_timeout);
	tcase_add_test(tc, slow_destination_is_capped_at_max);
	tcase_add_test(tc, silent_destination_is_told_once_per_attempt);
	tcase_add_test(tc, syn_timeout_follows_the_learned_rtt);
	tcase_add_test(tc, retransmitted_handshake_teaches_no_rtt);
	tcase_add_test(tc, refused_is_not_also_gave_up);
	tcase_add_test(tc, giving_up_before_the_syn_timeout_is_no_evidence);
	tcase_add_test(tc, forgotten_attempts_make_no_evidence);
	tcase_add_test(tc, refused_after_timeout_is_both);
	tcase_add_test(tc, reset_of_a_connection_is_not_refusal);
	tcase_add_test(tc, rescheduled_syn_moves_the_attempt);
	tcase_add_test(tc, rescheduled_syn_answered_teaches_the_new_destination);
	tcase_add_test(tc, rescheduled_after_the_deadline_still_blames_the_old_destination);
	tcase_add_test(tc, late_established_before_the_deadline_is_no_timeout);
	tcase_add_test(tc, late_established_after_the_deadline_is_one_timeout);
	tcase_add_test(tc, overdue_timeout_comes_before_the_event_evidence);
	tcase_add_test(tc, four_tuple_reuse_after_close_is_a_new_attempt);
	tcase_add_test(tc, connect_over_a_lost_close_forgets_the_stale_attempt);
	tcase_add_test(tc, direct_connections_are_ignored);
	tcase_add_test(tc, udp_errors_are_evidence);
	tcase_add_test(tc, udp_request_without_reply_is_no_reply);
	tcase_add_test(tc, udp_reply_ends_the_request_and_teaches_its_rtt);
	tcase_add_test(tc, udp_late_reply_is_one_no_reply);
	tcase_add_test(tc, udp_one_way_service_is_never_judged);
	tcase_add_test(tc, udp_reply_rtt_is_kept_apart_from_handshakes);
	tcase_add_test(tc, udp_repick_moves_the_request);
	tcase_add_test(tc, attempts_are_bounded_oldest_forgotten_first);
	tcase_add_test(tc, forgetting_an_overdue_attempt_keeps_its_timeout);
	tcase_add_test(tc, destinations_are_bounded_least_recently_updated_forgotten_first);
	tcase_add_test(tc, next_deadline_over_many_attempts);
	tcase_add_test(tc, equal_deadlines_expire_oldest_first);
	tcase_add_test(tc, timing_is_per_service);
	tcase_add_test(tc, ipv6_flows_are_followed);
	tcase_add_test(tc, stall_of_a_connection_is_evidence_per_event);
	tcase_add_test(tc, stall_leaves_the_attempt_alone);
	tcase_add_test(tc, stall_needs_a_watched_tcp_flow_and_its_destination);
	tcase_add_test(tc, stall_is_silence_outside_the_share);
	tcase_add_test(tc, bad_arguments);
	suite_add_tcase(s, tc);
	return check_main(s, CK_NORMAL);
}
