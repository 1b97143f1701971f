// SPDX-License-Identifier: GPL-2.0-only
#include "detector.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/*
 * Records live in fixed arrays and link to each other by index; index 0 is
 * no record, so arrays fresh from calloc() are already empty hash buckets.
 */
#define NIL 0u

/* Far more than any bound the agent sets; keeps every index within 32 bits. */
#define TABLE_CAP_MAX (1u << 24)

/* The smoothing of TCP's srtt (RFC 6298): srtt += (sample - srtt) / 8. */
#define SRTT_SHIFT 3

/* The links every record starts with. */
struct node {
	uint32_t hnext; /* next in its hash bucket, or in the free list */
	uint32_t older, newer;
};

/*
 * A fixed-capacity set of records keyed by bytes, with an age list (oldest
 * first) for eviction. Keys are compared and hashed as bytes: the structs
 * shared with BPF have explicit padding, zeroed by whoever fills them.
 */
struct table {
	unsigned char *slots; /* record i at slots + i * size; 0 unused */
	size_t size, key_off, key_len;
	uint32_t cap, count;
	uint32_t hwm;  /* highest index ever used: the rest was never touched */
	uint32_t free; /* records given back, linked by hnext */
	uint32_t *buckets, mask;
	uint32_t oldest, newest;
};

/*
 * One connection attempt through a VIP, from its IPVS pick to its outcome;
 * for UDP, one request, from its pick or UDP_SEND to its reply.
 */
struct attempt {
	struct node node;
	struct vigil_flow flow; /* the key */
	struct vigil_real real; /* where IPVS sent the SYN last */
	uint64_t pick_ns;
	uint64_t deadline_ns;
	uint64_t seq;      /* creation order: breaks deadline ties, oldest first */
	uint32_t heap_pos; /* in the deadline heap, 1-based; 0: not waiting */
	bool retransmitted;
	bool carrier_pending;
	bool refused;
	bool told; /* it was evidence of silence against real: once is enough */
};

/* A destination, apart for each protocol: a UDP reply RTT is no handshake RTT. */
struct dest_key {
	struct vigil_real real;
	uint8_t protocol;
	uint8_t pad[3];
};

/* What a destination's handshakes (TCP) or replies (UDP) have taught. */
struct dest {
	struct node node;
	struct dest_key key;
	uint64_t srtt_ns;
};

struct detector {
	detector_timing_fn timing;
	void *data;
	struct table attempts;
	/* the attempts still waiting for an answer, earliest deadline on top */
	uint32_t *heap; /* 1-based */
	uint32_t heap_n;
	uint64_t seq;
	uint64_t attempts_forgotten;
	struct table dests; /* oldest = least recently updated */
	uint64_t dests_forgotten;
};

/*
 * FNV-1a. The keys are made by the local kernel (local address and port, a
 * configured VIP, a configured destination), not chosen by a peer, so a
 * keyed hash buys nothing here.
 */
static uint32_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return (uint32_t)(h ^ (h >> 32));
}

static struct node *node_at(const struct table *t, uint32_t i)
{
	return (struct node *)(t->slots + (size_t)i * t->size);
}

static const void *key_at(const struct table *t, uint32_t i)
{
	return t->slots + (size_t)i * t->size + t->key_off;
}

static int table_init(struct table *t, size_t cap, size_t size, size_t key_off, size_t key_len)
{
	size_t n_buckets = 1;

	/* at most one record per bucket on average */
	while (n_buckets < cap)
		n_buckets <<= 1;
	memset(t, 0, sizeof(*t));
	t->size = size;
	t->key_off = key_off;
	t->key_len = key_len;
	t->cap = cap;
	t->mask = n_buckets - 1;
	/* calloc: pages of records never used are never touched */
	t->slots = calloc(cap + 1, size);
	t->buckets = calloc(n_buckets, sizeof(*t->buckets));
	if (!t->slots || !t->buckets)
		return -ENOMEM;
	return 0;
}

static void table_fini(struct table *t)
{
	free(t->slots);
	free(t->buckets);
}

static uint32_t *bucket_of(const struct table *t, const void *key)
{
	return &t->buckets[hash_bytes(key, t->key_len) & t->mask];
}

static uint32_t table_find(const struct table *t, const void *key)
{
	uint32_t i;

	for (i = *bucket_of(t, key); i != NIL; i = node_at(t, i)->hnext)
		if (!memcmp(key_at(t, i), key, t->key_len))
			return i;
	return NIL;
}

static void list_unlink(struct table *t, uint32_t i)
{
	struct node *n = node_at(t, i);

	if (n->older != NIL)
		node_at(t, n->older)->newer = n->newer;
	else
		t->oldest = n->newer;
	if (n->newer != NIL)
		node_at(t, n->newer)->older = n->older;
	else
		t->newest = n->older;
}

static void list_append(struct table *t, uint32_t i)
{
	struct node *n = node_at(t, i);

	n->older = t->newest;
	n->newer = NIL;
	if (t->newest != NIL)
		node_at(t, t->newest)->newer = i;
	else
		t->oldest = i;
	t->newest = i;
}

/* A zeroed record holding key, the newest. The caller made room. */
static uint32_t table_insert(struct table *t, const void *key)
{
	uint32_t *bucket = bucket_of(t, key);
	struct node *n;
	uint32_t i;

	if (t->free != NIL) {
		i = t->free;
		t->free = node_at(t, i)->hnext;
	} else {
		i = ++t->hwm;
	}
	n = node_at(t, i);
	memset(n, 0, t->size);
	memcpy((unsigned char *)n + t->key_off, key, t->key_len);
	n->hnext = *bucket;
	*bucket = i;
	list_append(t, i);
	t->count++;
	return i;
}

static void table_remove(struct table *t, uint32_t i)
{
	uint32_t *p = bucket_of(t, key_at(t, i));

	while (*p != i)
		p = &node_at(t, *p)->hnext;
	*p = node_at(t, i)->hnext;
	list_unlink(t, i);
	node_at(t, i)->hnext = t->free;
	t->free = i;
	t->count--;
}

/* Makes record i the newest. */
static void table_touch(struct table *t, uint32_t i)
{
	list_unlink(t, i);
	list_append(t, i);
}

static struct attempt *attempt_at(const struct detector *d, uint32_t i)
{
	return (struct attempt *)node_at(&d->attempts, i);
}

static struct dest *dest_at(const struct detector *d, uint32_t i)
{
	return (struct dest *)node_at(&d->dests, i);
}

static bool heap_before(const struct detector *d, uint32_t i, uint32_t j)
{
	const struct attempt *a = attempt_at(d, i), *b = attempt_at(d, j);

	if (a->deadline_ns != b->deadline_ns)
		return a->deadline_ns < b->deadline_ns;
	return a->seq < b->seq;
}

static void heap_set(struct detector *d, uint32_t pos, uint32_t i)
{
	d->heap[pos] = i;
	attempt_at(d, i)->heap_pos = pos;
}

static void heap_up(struct detector *d, uint32_t pos)
{
	uint32_t i = d->heap[pos];

	while (pos > 1 && heap_before(d, i, d->heap[pos / 2])) {
		heap_set(d, pos, d->heap[pos / 2]);
		pos /= 2;
	}
	heap_set(d, pos, i);
}

static void heap_down(struct detector *d, uint32_t pos)
{
	uint32_t i = d->heap[pos], child;

	while ((child = 2 * pos) <= d->heap_n) {
		if (child < d->heap_n && heap_before(d, d->heap[child + 1], d->heap[child]))
			child++;
		if (!heap_before(d, d->heap[child], i))
			break;
		heap_set(d, pos, d->heap[child]);
		pos = child;
	}
	heap_set(d, pos, i);
}

static void heap_push(struct detector *d, uint32_t i)
{
	d->heap[++d->heap_n] = i;
	heap_up(d, d->heap_n);
}

/* Takes attempt i off the heap if it is there: it waits no more. */
static void heap_remove(struct detector *d, uint32_t i)
{
	uint32_t pos = attempt_at(d, i)->heap_pos, last;

	if (pos == 0)
		return;
	attempt_at(d, i)->heap_pos = 0;
	last = d->heap[d->heap_n--];
	if (last == i)
		return;
	heap_set(d, pos, last);
	if (pos > 1 && heap_before(d, last, d->heap[pos / 2]))
		heap_up(d, pos);
	else
		heap_down(d, pos);
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* What the destination's RTT asks for, in PROTOCOL's bounds; the caller has checked ds. */
static uint64_t rtt_timeout(const struct detector_timing *t, const struct dest *ds,
			    uint8_t protocol)
{
	uint64_t v, min = t->syn_timeout_min_ns, max = t->syn_timeout_max_ns;

	if (protocol == IPPROTO_UDP) {
		min = t->reply_timeout_min_ns;
		max = t->reply_timeout_max_ns;
	}
	if (t->rtt_factor && ds->srtt_ns > UINT64_MAX / t->rtt_factor)
		v = UINT64_MAX;
	else
		v = ds->srtt_ns * t->rtt_factor;
	if (v > max)
		v = max;
	/* min last: a config with min above max still gets a sane floor */
	if (v < min)
		v = min;
	return v;
}

/* How long an attempt of PROTOCOL waits for an answer from DS (NULL: none measured). */
static uint64_t wait_timeout(const struct detector_timing *t, const struct dest *ds,
			     uint8_t protocol)
{
	uint64_t v;

	if (protocol == IPPROTO_UDP)
		return ds ? rtt_timeout(t, ds, protocol) : t->reply_timeout_max_ns;
	v = ds ? rtt_timeout(t, ds, protocol) : t->syn_timeout_max_ns;
	/* last, over min: the client's own retransmit must find the weight at 0 */
	if (t->syn_rto_ns && v > t->syn_rto_ns * 2 / 3)
		v = t->syn_rto_ns * 2 / 3;
	return v;
}

static struct dest_key dest_key(const struct vigil_real *real, uint8_t protocol)
{
	struct dest_key k;

	memset(&k, 0, sizeof(k));
	k.real = *real;
	k.protocol = protocol;
	return k;
}

static const struct dest *dest_find(const struct detector *d, const struct vigil_real *real,
				    uint8_t protocol)
{
	struct dest_key k = dest_key(real, protocol);
	uint32_t i = table_find(&d->dests, &k);

	return i == NIL ? NULL : dest_at(d, i);
}

static void rtt_learn(struct detector *d, const struct vigil_real *real, uint8_t protocol,
		      uint64_t sample)
{
	struct dest_key k = dest_key(real, protocol);
	uint32_t i = table_find(&d->dests, &k);
	struct dest *ds;

	if (i == NIL) {
		/*
		 * Forgetting a destination only makes its syn_timeout max again:
		 * slower detection, never a false one.
		 */
		if (d->dests.count == d->dests.cap) {
			table_remove(&d->dests, d->dests.oldest);
			d->dests_forgotten++;
		}
		i = table_insert(&d->dests, &k);
		dest_at(d, i)->srtt_ns = sample;
		return;
	}
	ds = dest_at(d, i);
	if (sample >= ds->srtt_ns)
		ds->srtt_ns += (sample - ds->srtt_ns) >> SRTT_SHIFT;
	else
		ds->srtt_ns -= (ds->srtt_ns - sample) >> SRTT_SHIFT;
	table_touch(&d->dests, i);
}

static bool real_eq(const struct vigil_real *a, const struct vigil_real *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static void evidence_set(struct evidence *ev, enum evidence_kind kind, uint64_t at_ns,
			 const struct vigil_flow *flow, const struct vigil_real *real, int error)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->at_ns = at_ns;
	ev->flow = *flow;
	ev->real = *real;
	ev->error = error;
}

static void attempt_evidence(struct evidence *ev, enum evidence_kind kind, uint64_t at_ns,
			     const struct attempt *a)
{
	evidence_set(ev, kind, at_ns, &a->flow, &a->real, 0);
}

/*
 * Evidence that the attempt's destination is silent (SYN_TIMEOUT, RETRANS,
 * GAVE_UP): once per attempt and destination, so that the policy's failure
 * share counts attempts, not the retransmits of one. 1 if written.
 */
static int silence_evidence(struct evidence *ev, enum evidence_kind kind, uint64_t at_ns,
			    struct attempt *a)
{
	if (a->told)
		return 0;
	a->told = true;
	attempt_evidence(ev, kind, at_ns, a);
	return 1;
}

/* What an attempt that timed out is evidence of. */
static enum evidence_kind timeout_kind(const struct attempt *a)
{
	return a->flow.protocol == IPPROTO_UDP ? EVIDENCE_NO_REPLY : EVIDENCE_SYN_TIMEOUT;
}

/*
 * The SYN_TIMEOUT (NO_REPLY) detector_expire() would have made had it been called at
 * the deadline: an event stamped at or after it proves that nothing arrived
 * in time (events of a flow come in order). This makes the outcome depend on
 * the events' timestamps only, not on when the loop's timer fired.
 */
static int overdue(struct detector *d, uint32_t i, uint64_t ts, struct evidence *out)
{
	struct attempt *a = attempt_at(d, i);

	if (a->heap_pos == 0 || a->deadline_ns > ts)
		return 0;
	heap_remove(d, i);
	return silence_evidence(out, timeout_kind(a), a->deadline_ns, a);
}

static void attempt_end(struct detector *d, uint32_t i)
{
	heap_remove(d, i);
	table_remove(&d->attempts, i);
}

size_t detector_forget_attempts(struct detector *d)
{
	size_t n = d->attempts.count;

	while (d->attempts.count)
		attempt_end(d, d->attempts.oldest);
	return n;
}

/* Starts waiting on a->real from ts: a first pick, or IPVS picked again. */
static void attempt_wait(struct detector *d, uint32_t i, const struct detector_timing *t,
			 uint64_t ts)
{
	struct attempt *a = attempt_at(d, i);

	a->pick_ns = ts;
	a->deadline_ns = add_sat(
	    ts, wait_timeout(t, dest_find(d, &a->real, a->flow.protocol), a->flow.protocol));
	heap_remove(d, i);
	heap_push(d, i);
}

/*
 * A tcp_connect() for a 4-tuple that still has an attempt: the kernel reused
 * it, so the end of the old one was lost (ring buffer full). What it could
 * still prove was proven by its deadline; the rest is unknown.
 */
static int on_connect(struct detector *d, const struct vigil_event *e, struct evidence *out)
{
	uint32_t i = table_find(&d->attempts, &e->flow);
	int n;

	if (i == NIL)
		return 0;
	n = overdue(d, i, e->ts_ns, out);
	attempt_end(d, i);
	return n;
}

/* The settings of FLOW's service if its attempts are timed; NULL if not. */
static const struct detector_timing *timed(const struct detector *d, const struct vigil_flow *flow,
					   const struct vigil_real *real)
{
	const struct detector_timing *t = d->timing(flow, real, d->data);

	/* a one-way protocol (syslog) never replies: silence says nothing */
	if (t && flow->protocol == IPPROTO_UDP && !t->expect_reply)
		return NULL;
	return t;
}

/*
 * An IPVS pick starts an attempt; for UDP also a UDP_SEND, the next request
 * of a flow whose last one was answered.
 */
static int on_pick(struct detector *d, const struct vigil_event *e, struct evidence *out)
{
	const struct detector_timing *t;
	struct attempt *a;
	uint32_t i;
	int n = 0;

	if ((e->flow.protocol != IPPROTO_TCP && e->flow.protocol != IPPROTO_UDP) ||
	    e->real.family == 0)
		return 0;
	t = timed(d, &e->flow, &e->real);
	i = table_find(&d->attempts, &e->flow);
	if (i != NIL) {
		n = overdue(d, i, e->ts_ns, out);
		if (!t) {
			attempt_end(d, i);
			return n;
		}
		/*
		 * IPVS rescheduled a retransmitted SYN (expire_nodest_conn): the
		 * old destination is out of this attempt, the new one gets a
		 * syn_timeout of its own. The kernel reports the retransmit after
		 * the packet went through IPVS, so the RETRANS that follows is
		 * the one that carried the SYN here: not the new one's fault.
		 */
		a = attempt_at(d, i);
		a->real = e->real;
		a->retransmitted = false;
		a->refused = false;
		a->told = false;
		a->carrier_pending = e->flow.protocol == IPPROTO_TCP;
		attempt_wait(d, i, t, e->ts_ns);
		return n;
	}
	if (!t)
		return 0;
	if (d->attempts.count == d->attempts.cap) {
		/* forgetting loses the future of the oldest attempt, not its past */
		n = overdue(d, d->attempts.oldest, e->ts_ns, out);
		attempt_end(d, d->attempts.oldest);
		d->attempts_forgotten++;
	}
	i = table_insert(&d->attempts, &e->flow);
	a = attempt_at(d, i);
	a->real = e->real;
	a->seq = d->seq++;
	attempt_wait(d, i, t, e->ts_ns);
	return n;
}

static int on_state(struct detector *d, const struct vigil_event *e, struct evidence *out)
{
	uint32_t i = table_find(&d->attempts, &e->flow);
	bool from_syn_sent = e->old_state == TCP_SYN_SENT;
	struct attempt *a;
	int n;

	if (i == NIL)
		return 0;
	a = attempt_at(d, i);
	n = overdue(d, i, e->ts_ns, out);
	/* a destination other than ours: its pick was lost, say nothing of it */
	if (!real_eq(&a->real, &e->real))
		from_syn_sent = false;
	if (e->state == TCP_ESTABLISHED) {
		/*
		 * Karn's rule: after a retransmit, the SYN-ACK may answer any of
		 * the SYNs, and the time includes the retransmit timeout.
		 */
		if (from_syn_sent && !a->retransmitted && e->ts_ns >= a->pick_ns)
			rtt_learn(d, &a->real, IPPROTO_TCP, e->ts_ns - a->pick_ns);
		attempt_end(d, i);
	} else if (e->state == TCP_CLOSE) {
		/*
		 * The close that follows a reset is the reset's, already told. A
		 * client that gives up before the destination's syn_timeout
		 * (the losing half of a Happy Eyeballs race, a very short
		 * connect timeout) says nothing about the destination.
		 */
		if (from_syn_sent && !a->refused && e->ts_ns >= a->deadline_ns)
			n += silence_evidence(&out[n], EVIDENCE_GAVE_UP, e->ts_ns, a);
		attempt_end(d, i);
	}
	return n;
}

/*
 * A stall of an established connection: evidence of its own against the
 * destination IPVS picked for it, on a service vigil watches. An attempt
 * the flow may still have (its ESTABLISHED lost) is left alone.
 */
static int on_stall(struct detector *d, const struct vigil_event *e, struct evidence *out)
{
	if (e->flow.protocol != IPPROTO_TCP || e->real.family == 0)
		return 0;
	if (!d->timing(&e->flow, &e->real, d->data))
		return 0;
	evidence_set(out, EVIDENCE_STALL, e->ts_ns, &e->flow, &e->real, 0);
	return 1;
}

static int on_retrans(struct detector *d, const struct vigil_event *e, struct evidence *out)
{
	uint32_t i;
	struct attempt *a;
	int n;

	if (e->state != TCP_SYN_SENT)
		return on_stall(d, e, out);
	i = table_find(&d->attempts, &e->flow);
	if (i == NIL)
		return 0;
	a = attempt_at(d, i);
	n = overdue(d, i, e->ts_ns, out);
	if (!real_eq(&a->real, &e->real))
		return n;
	if (a->carrier_pending) {
		a->carrier_pending = false;
		return n;
	}
	a->retransmitted = true;
	return n + silence_evidence(&out[n], EVIDENCE_RETRANS, e->ts_ns, a);
}

static int on_reset(struct detector *d, const struct vigil_event *e, struct evidence *out)
{
	uint32_t i = table_find(&d->attempts, &e->flow);
	struct attempt *a;
	int n;

	if (i == NIL)
		return 0;
	a = attempt_at(d, i);
	n = overdue(d, i, e->ts_ns, out);
	/* a reset in any other state ends a connection, not an attempt */
	if (e->state != TCP_SYN_SENT || a->refused || !real_eq(&a->real, &e->real))
		return n;
	/* the outcome is known: no SYN_TIMEOUT after it; kept until its CLOSE */
	a->refused = true;
	heap_remove(d, i);
	attempt_evidence(&out[n++], EVIDENCE_REFUSED, e->ts_ns, a);
	return n;
}

static int on_sock_error(struct detector *d, const struct vigil_event *e, struct evidence *out)
{
	if (e->flow.protocol != IPPROTO_UDP || e->real.family == 0 || e->error == 0)
		return 0;
	/* ICMP "fragmentation needed" is the path's MTU, which the kernel handles */
	if (e->error == EMSGSIZE)
		return 0;
	if (!d->timing(&e->flow, &e->real, d->data))
		return 0;
	evidence_set(out, EVIDENCE_UDP_ERROR, e->ts_ns, &e->flow, &e->real, e->error);
	return 1;
}

/*
 * A reply ends the request. Its time teaches the destination's reply RTT
 * when it came in time: a late one may answer an earlier datagram the client
 * sent again on the same flow (Karn's rule, as for SYNs).
 */
static int on_udp_reply(struct detector *d, const struct vigil_event *e, struct evidence *out)
{
	uint32_t i = table_find(&d->attempts, &e->flow);
	struct attempt *a;
	int n;

	if (i == NIL)
		return 0;
	a = attempt_at(d, i);
	n = overdue(d, i, e->ts_ns, out);
	if (a->heap_pos && real_eq(&a->real, &e->real) && e->ts_ns >= a->pick_ns)
		rtt_learn(d, &a->real, IPPROTO_UDP, e->ts_ns - a->pick_ns);
	attempt_end(d, i);
	return n;
}

struct detector *detector_new(size_t max_attempts, size_t max_dests, detector_timing_fn timing,
			      void *data)
{
	struct detector *d;

	if (!timing || max_attempts < 1 || max_attempts > TABLE_CAP_MAX || max_dests < 1 ||
	    max_dests > TABLE_CAP_MAX) {
		errno = EINVAL;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->timing = timing;
	d->data = data;
	if (table_init(&d->attempts, max_attempts, sizeof(struct attempt),
		       offsetof(struct attempt, flow), sizeof(struct vigil_flow)) ||
	    table_init(&d->dests, max_dests, sizeof(struct dest), offsetof(struct dest, key),
		       sizeof(struct dest_key)))
		goto fail;
	d->heap = calloc(max_attempts + 1, sizeof(*d->heap));
	if (!d->heap)
		goto fail;
	return d;
fail:
	detector_free(d);
	errno = ENOMEM;
	return NULL;
}

void detector_free(struct detector *d)
{
	if (!d)
		return;
	table_fini(&d->attempts);
	table_fini(&d->dests);
	free(d->heap);
	free(d);
}

int detector_on_event(struct detector *d, const struct vigil_event *e, struct evidence *out,
		      size_t max)
{
	if (!d || !e || !out || max < DETECTOR_EVIDENCE_MAX)
		return -EINVAL;
	switch (e->kind) {
	case VIGIL_EV_CONNECT:
		return on_connect(d, e, out);
	case VIGIL_EV_IPVS_PICK:
		return on_pick(d, e, out);
	case VIGIL_EV_STATE:
		return on_state(d, e, out);
	case VIGIL_EV_RETRANS:
		return on_retrans(d, e, out);
	case VIGIL_EV_RESET:
		return on_reset(d, e, out);
	case VIGIL_EV_SOCK_ERROR:
		return on_sock_error(d, e, out);
	case VIGIL_EV_UDP_SEND:
		return e->flow.protocol == IPPROTO_UDP ? on_pick(d, e, out) : 0;
	case VIGIL_EV_UDP_REPLY:
		return on_udp_reply(d, e, out);
	}
	return 0;
}

size_t detector_expire(struct detector *d, uint64_t now_ns, struct evidence *out, size_t max)
{
	size_t n = 0;
	uint32_t i;

	if (!d || !out)
		return 0;
	/* still tracked after this: a later RETRANS, RST or CLOSE is evidence too */
	while (n < max && d->heap_n && attempt_at(d, d->heap[1])->deadline_ns <= now_ns) {
		i = d->heap[1];
		heap_remove(d, i);
		n += silence_evidence(&out[n], timeout_kind(attempt_at(d, i)),
				      attempt_at(d, i)->deadline_ns, attempt_at(d, i));
	}
	return n;
}

uint64_t detector_next_deadline(const struct detector *d)
{
	if (!d || !d->heap_n)
		return UINT64_MAX;
	return attempt_at(d, d->heap[1])->deadline_ns;
}

uint64_t detector_syn_timeout(const struct detector *d, const struct vigil_flow *flow,
			      const struct vigil_real *real)
{
	const struct detector_timing *t;

	if (!d || !flow || !real)
		return 0;
	t = d->timing(flow, real, d->data);
	if (!t)
		return 0;
	return wait_timeout(t, dest_find(d, real, flow->protocol), flow->protocol);
}

uint64_t detector_measured_syn_timeout(const struct detector *d, const struct vigil_flow *flow,
				       const struct vigil_real *real)
{
	const struct detector_timing *t;
	const struct dest *ds;

	if (!d || !flow || !real)
		return 0;
	t = d->timing(flow, real, d->data);
	ds = dest_find(d, real, flow->protocol);
	return t && ds ? rtt_timeout(t, ds, flow->protocol) : 0;
}

uint64_t detector_syn_rto(uint64_t largest_ns, uint64_t min_ns, uint64_t max_ns)
{
	uint64_t v;

	if (!largest_ns)
		return max_ns; /* nothing measured: the safest of the shortened */
	v = largest_ns > UINT64_MAX / 3 ? UINT64_MAX : largest_ns * 3 / 2;
	if (v > max_ns)
		v = max_ns;
	if (v < min_ns)
		v = min_ns;
	return v;
}

void detector_get_stats(const struct detector *d, struct detector_stats *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!d)
		return;
	ret->attempts = d->attempts.count;
	ret->dests = d->dests.count;
	ret->attempts_forgotten = d->attempts_forgotten;
	ret->dests_forgotten = d->dests_forgotten;
}

const char *evidence_kind_name(enum evidence_kind kind)
{
	static const char *const names[] = {
		[EVIDENCE_RETRANS] = "retrans",     [EVIDENCE_REFUSED] = "refused",
		[EVIDENCE_GAVE_UP] = "gave-up",     [EVIDENCE_SYN_TIMEOUT] = "syn-timeout",
		[EVIDENCE_UDP_ERROR] = "udp-error", [EVIDENCE_PROBE_FAILED] = "probe-failed",
		[EVIDENCE_NO_REPLY] = "no-reply",   [EVIDENCE_STALL] = "stall",
	};

	if ((unsigned int)kind < sizeof(names) / sizeof(names[0]) && names[kind])
		return names[kind];
	return "unknown";
}

bool evidence_certain(const struct evidence *ev)
{
	switch (ev->kind) {
	case EVIDENCE_REFUSED:
	case EVIDENCE_UDP_ERROR: /* an ICMP error came back: something answered, refusing */
		return true;
	case EVIDENCE_PROBE_FAILED:
		return ev->error == ECONNREFUSED;
	default:
		/* silence: a dead destination, or a SYN lost on a lossy path */
		return false;
	}
}

bool evidence_per_attempt(const struct evidence *ev)
{
	return ev->kind != EVIDENCE_STALL;
}
