// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * vigil's connection observer.
 *
 * TCP tracepoints see the client's 4-tuple with the *virtual* destination;
 * only ip_vs_conn_new knows which real destination IPVS chose. The flows map
 * joins the two: ip_vs_conn_new stores flow -> real, every later event of the
 * flow looks the real destination up, and the entry is deleted when the TCP
 * socket closes. It is an LRU map so that a burst of flows that never close
 * (UDP, connections that bypass the local stack) evicts the oldest entries
 * instead of making inserts fail.
 */
#include "kernel.h"
#include <asm/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "core_fixes.bpf.h"
#include "vigil.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define IPPROTO_TCP           6
#define IPPROTO_UDP           17
#define TCP_ESTABLISHED       1
#define TCP_SYN_SENT          2
#define TCP_FIN_WAIT1         4
#define TCP_CLOSE             7
#define TCP_CLOSE_WAIT        8
#define TCP_LAST_ACK          9
#define IP_VS_CONN_F_TEMPLATE 0x1000
#define ECONNABORTED          103

/* Set by vigild between open and load. */
const volatile bool trace_all = false;       /* report every TCP flow, not only VIP flows */
const volatile __u32 netns_ino = 0;          /* only flows of this network namespace; 0: any */
const volatile __u64 wakeup_bytes = 1 << 19; /* wake vigild once this much is waiting */
const volatile __u32 muted = 0;              /* enum vigil_mute: attached, delivering nothing */

/* Set when the programs cannot tell task from interrupt context (see below). */
int context_unknown = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 21); /* resized by vigild before load */
} events SEC(".maps");

/*
 * A flow's entry: the real destination, and for a socket the sockops program
 * follows, what its cumulative counters have already added to that
 * destination's health. Keeping this here rather than in socket-local
 * storage spares every followed socket an allocation at establishment and a
 * free at destruction, which cost a connection storm a tenth of its rate.
 */
struct flow_entry {
	struct vigil_real real;
	__u32 retrans;   /* total_retrans */
	__u32 lost;      /* tcp_sock.lost */
	__u32 data_segs; /* data_segs_out */
	__u32 stall_una; /* snd_una of the stall last reported (on_retransmit) */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536); /* resized by vigild before load */
	__type(key, struct vigil_flow);
	__type(value, struct flow_entry);
} flows SEC(".maps");

/*
 * A UDP flow through a VIP, for its requests and replies. Keyed by the flow
 * with the client's address zeroed: an unconnected socket's datagram has no
 * source address yet when udp_sendmsg() starts (the route picks it later),
 * and a reply's destination address is the client's own; the port tells the
 * client. The entry keeps the flow as IPVS saw it, for the events.
 */
struct udp_entry {
	struct vigil_flow flow;
	struct vigil_real real;
	__u32 waiting; /* a request went out that no reply has answered yet */
	__u32 pad;
	__u64 sent_ns; /* when the request waiting went out (bpf_ktime_get_ns) */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536); /* resized by vigild before load, as flows */
	__type(key, struct vigil_flow);
	__type(value, struct udp_entry);
} udp_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VIGIL_MAX_VIPS);
	__type(key, struct vigil_vip);
	__type(value, struct vigil_vip_conf);
} vips SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VIGIL_MAX_VIPS);
	__type(key, struct vigil_fwmark);
	__type(value, __u32);
} fwmarks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VIGIL_CTR_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(enum vigil_counter which)
{
	__u32 key = which;
	__u64 *value = bpf_map_lookup_elem(&counters, &key);

	if (value)
		*value += 1; /* per-CPU slot: no other writer */
}

static __always_inline bool net_wanted(const struct net *net)
{
	return !netns_ino || BPF_CORE_READ(net, ns.inum) == netns_ino;
}

/* What vigild set for the VIP of a flow; NULL: not a VIP. */
static __always_inline struct vigil_vip_conf *vip_conf(const struct vigil_flow *flow)
{
	struct vigil_vip vip;

	__builtin_memset(&vip, 0, sizeof(vip));
	vip.addr = flow->vaddr;
	vip.port = flow->vport;
	vip.family = flow->family;
	vip.protocol = flow->protocol;
	return bpf_map_lookup_elem(&vips, &vip);
}

static __always_inline bool is_vip(const struct vigil_flow *flow)
{
	return vip_conf(flow) != NULL;
}

static __always_inline bool is_v4_mapped(const __u32 *a)
{
	return a[0] == 0 && a[1] == 0 && a[2] == bpf_htonl(0x0000ffff);
}

/* The flow of a TCP or connected UDP socket, seen from the client. False if not IPv4/IPv6. */
static __always_inline bool sk_flow(const struct sock *sk, __u8 protocol, struct vigil_flow *flow)
{
	unsigned short family = BPF_CORE_READ(sk, __sk_common.skc_family);

	__builtin_memset(flow, 0, sizeof(*flow));
	flow->protocol = protocol;
	/*
	 * inet_sport, not skc_num: on the way to CLOSE the kernel releases the
	 * port (zeroing skc_num) before the state change is traced.
	 */
	flow->cport = bpf_ntohs(BPF_CORE_READ((const struct inet_sock *)sk, inet_sport));
	flow->vport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == VIGIL_AF_INET6) {
		BPF_CORE_READ_INTO(&flow->vaddr.v6, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
		/* A dual-stack socket connected to an IPv4 address: IPVS sees IPv4. */
		if (!is_v4_mapped(flow->vaddr.v6_32)) {
			BPF_CORE_READ_INTO(&flow->caddr.v6, sk,
					   __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
			flow->family = VIGIL_AF_INET6;
			return true;
		}
		/*
		 * All of it, not the ::ffff word alone: the address is read into
		 * v4 below, and the copy left in the last word would make a key
		 * that no IPVS pick or vips entry has.
		 */
		__builtin_memset(&flow->vaddr, 0, sizeof(flow->vaddr));
	} else if (family != VIGIL_AF_INET) {
		return false;
	}
	flow->caddr.v4 = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
	flow->vaddr.v4 = BPF_CORE_READ(sk, __sk_common.skc_daddr);
	flow->family = VIGIL_AF_INET;
	return true;
}

/* A socket the connection events report: its protocol, of our namespace, events not muted. */
static __always_inline bool sk_wanted(const struct sock *sk, __u16 protocol)
{
	return !(muted & VIGIL_MUTE_EVENTS) && BPF_CORE_READ(sk, sk_protocol) == protocol &&
	       net_wanted(BPF_CORE_READ(sk, __sk_common.skc_net.net));
}

/*
 * Waking vigild for every event would cost it a wakeup and a system call per
 * event: most of its CPU in a connection storm. Only events that call for
 * action now (a failed or failing connection attempt) wake it; the others
 * wait for its periodic drain (PROBES_DRAIN_INTERVAL_MS), or for the ring
 * buffer to fill past wakeup_bytes. vigild drains before every decision it
 * takes on a timer, so a late ESTABLISHED never looks like a missing one.
 */
static __always_inline __u64 wakeup_flag(__u8 kind, __u8 state, __u8 old_state)
{
	bool urgent = kind == VIGIL_EV_RETRANS || kind == VIGIL_EV_RESET ||
		      kind == VIGIL_EV_SOCK_ERROR ||
		      (kind == VIGIL_EV_STATE && old_state == TCP_SYN_SENT && state == TCP_CLOSE);

	if (urgent || bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void emit_error(__u8 kind, const struct vigil_flow *flow,
				       const struct vigil_real *real, __u8 state, __u8 old_state,
				       __u8 error)
{
	struct vigil_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count(VIGIL_CTR_RINGBUF_DROPS);
		return;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->flow = *flow;
	if (real)
		e->real = *real;
	else
		__builtin_memset(&e->real, 0, sizeof(e->real));
	e->kind = kind;
	e->state = state;
	e->old_state = old_state;
	e->error = error;
	bpf_ringbuf_submit(e, wakeup_flag(kind, state, old_state));
	count(VIGIL_CTR_EVENTS);
}

static __always_inline void emit(__u8 kind, const struct vigil_flow *flow,
				 const struct vigil_real *real, __u8 state, __u8 old_state)
{
	emit_error(kind, flow, real, state, old_state, 0);
}

/*
 * The CLOSE -> SYN_SENT transition fires before connect() has chosen the
 * source port; tcp_connect() runs after the port is bound and just before the
 * SYN is built, so the open event is taken from there.
 */
static __always_inline bool connect_flow(const struct sock *sk, struct vigil_flow *flow)
{
	if (!sk_wanted(sk, IPPROTO_TCP) || !sk_flow(sk, IPPROTO_TCP, flow))
		return false;
	return trace_all || is_vip(flow);
}

SEC("kprobe/tcp_connect")
int BPF_KPROBE(tcp_connect_kprobe, struct sock *sk)
{
	struct vigil_flow flow;

	if (connect_flow(sk, &flow))
		emit(VIGIL_EV_CONNECT, &flow, NULL, TCP_SYN_SENT, TCP_CLOSE);
	return 0;
}

/* Looks the real destination of a flow up into *real. */
static __always_inline bool flow_real(const struct vigil_flow *flow, struct vigil_real *real)
{
	struct flow_entry *found = bpf_map_lookup_elem(&flows, flow);

	if (!found)
		return false;
	*real = found->real;
	return true;
}

static __always_inline int on_set_state(const struct sock *sk, int oldstate, int newstate)
{
	struct vigil_flow flow;
	struct vigil_real real;
	bool known;

	if (oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT)
		return 0; /* reported by tcp_connect, with its source port */
	if (!sk_wanted(sk, IPPROTO_TCP) || !sk_flow(sk, IPPROTO_TCP, &flow))
		return 0;
	known = flow_real(&flow, &real);
	if (!known && !trace_all) {
		if (!is_vip(&flow))
			return 0;
		/*
		 * A flow to a VIP whose entry is gone: evicted from the LRU map
		 * (agent.max_flows), or made before vigild ran. Its end still
		 * ends vigild's attempt, which would otherwise look unanswered.
		 */
		count(VIGIL_CTR_FLOWS_MISSING);
	}
	emit(VIGIL_EV_STATE, &flow, known ? &real : NULL, newstate, oldstate);
	if (known && newstate == TCP_CLOSE)
		bpf_map_delete_elem(&flows, &flow);
	return 0;
}

/*
 * An established-side socket (data or a FIN unacknowledged) whose real
 * destination has gone silent retransmits on its RTO. Only the first timeout
 * of a stall is reported: icsk_retransmits is 1 at the tracepoint then.
 * tcp_retransmit_timer() counts the timeout before it retransmits the head of
 * the queue: "icsk->icsk_retransmits++" right before tcp_retransmit_skb() in
 * 6.1, tcp_update_rto_stats() in the same place since 6.7. Fast retransmits
 * and tail-loss probes see 0, since tcp_ack() zeroes it whenever snd_una
 * advances; the later timeouts of the same stall see 2, 3... The "shrunk
 * window" branch (a peer that advertised a zero window, so is alive)
 * retransmits without counting.
 */
static __always_inline bool stall_state(__u8 state)
{
	return state == TCP_ESTABLISHED || state == TCP_CLOSE_WAIT || state == TCP_FIN_WAIT1 ||
	       state == TCP_LAST_ACK;
}

/*
 * Once per stall: an ACK-driven retransmit after the timeout (SACKs from a
 * peer that answers, snd_una not moving) still sees icsk_retransmits 1. The
 * entry keeps the snd_una of the stall it reported.
 */
static __always_inline bool stall_first(const struct sock *sk, const struct vigil_flow *flow,
					struct vigil_real *real)
{
	struct flow_entry *found;
	__u32 una;

	if (VIGIL_CORE_READ_INT((const struct inet_connection_sock *)sk, icsk_retransmits) != 1)
		return false;
	found = bpf_map_lookup_elem(&flows, flow);
	if (!found)
		return false;
	una = BPF_CORE_READ((const struct tcp_sock *)sk, snd_una);
	if (found->stall_una == una)
		return false;
	found->stall_una = una;
	*real = found->real;
	return true;
}

static __always_inline int on_retransmit(const struct sock *sk)
{
	struct vigil_flow flow;
	struct vigil_real real;
	__u8 state = BPF_CORE_READ(sk, __sk_common.skc_state);
	bool known;

	if (state != TCP_SYN_SENT && !stall_state(state))
		return 0;
	if (!sk_wanted(sk, IPPROTO_TCP) || !sk_flow(sk, IPPROTO_TCP, &flow))
		return 0;
	if (state != TCP_SYN_SENT) {
		/* VIP flows only: a stall is evidence against the destination IPVS chose */
		if (stall_first(sk, &flow, &real))
			emit(VIGIL_EV_RETRANS, &flow, &real, state, state);
		return 0;
	}
	known = flow_real(&flow, &real);
	if (!known && !trace_all)
		return 0;
	emit(VIGIL_EV_RETRANS, &flow, known ? &real : NULL, TCP_SYN_SENT, TCP_SYN_SENT);
	return 0;
}

static __always_inline int on_receive_reset(const struct sock *sk)
{
	struct vigil_flow flow;
	struct vigil_real real;
	__u8 state;
	bool known;

	if (!sk_wanted(sk, IPPROTO_TCP) || !sk_flow(sk, IPPROTO_TCP, &flow))
		return 0;
	known = flow_real(&flow, &real);
	if (!known && !trace_all)
		return 0;
	state = BPF_CORE_READ(sk, __sk_common.skc_state);
	emit(VIGIL_EV_RESET, &flow, known ? &real : NULL, state, state);
	return 0;
}

/*
 * A connected UDP socket learns of an ICMP error (port or host unreachable)
 * through sk_err, which sk_error_report() announces; for UDP that is the
 * only sign that a destination refuses. Only flows IPVS scheduled are
 * reported, with the destination it chose.
 */
static __always_inline int on_error_report(const struct sock *sk)
{
	struct vigil_flow flow;
	struct vigil_real real;
	__u8 state;
	int err;

	if (!sk_wanted(sk, IPPROTO_UDP) || !sk_flow(sk, IPPROTO_UDP, &flow))
		return 0;
	if (!flow_real(&flow, &real))
		return 0;
	err = BPF_CORE_READ(sk, sk_err);
	if (err <= 0)
		return 0; /* already taken by the owner (sock_error() clears it) */
	/*
	 * No ICMP error becomes ECONNABORTED: this is a socket reset from this
	 * machine (vigild's own resets, ss -K), which says nothing of the
	 * destination.
	 */
	if (err == ECONNABORTED)
		return 0;
	state = BPF_CORE_READ(sk, __sk_common.skc_state);
	emit_error(VIGIL_EV_SOCK_ERROR, &flow, &real, state, state, err > 255 ? 255 : err);
	return 0;
}

static __always_inline void read_inet_addr(union vigil_addr *dst, const union nf_inet_addr *src,
					   __u16 family)
{
	/* IPVS sets only the first word of an IPv4 address; the rest is stale. */
	if (family == VIGIL_AF_INET6)
		bpf_core_read(dst, sizeof(*dst), &src->all);
	else
		dst->v4 = BPF_CORE_READ(src, ip);
}

/*
 * The datagram IPVS just scheduled is the flow's first request: the pick
 * starts it (udp_sendmsg() ran before IPVS, and found no entry).
 */
static __always_inline void udp_flow_add(const struct vigil_flow *flow,
					 const struct vigil_real *real)
{
	struct vigil_flow key = *flow;
	struct udp_entry entry;

	__builtin_memset(&entry, 0, sizeof(entry));
	entry.flow = *flow;
	entry.real = *real;
	entry.waiting = 1;
	entry.sent_ns = bpf_ktime_get_ns();
	__builtin_memset(&key.caddr, 0, sizeof(key.caddr));
	if (bpf_map_update_elem(&udp_flows, &key, &entry, BPF_ANY))
		count(VIGIL_CTR_FLOW_ERRORS);
}

/*
 * Whether IPVS scheduled CP for a fwmark service vigild watches: the mark of
 * the packet that found the service. Only then does a flow to no VIP have a
 * service. A kernel without the field (none known) watches no fwmark
 * service rather than failing the load of the whole program.
 */
static __always_inline bool is_marked(const struct ip_vs_conn *cp, __u16 af)
{
	struct vigil_fwmark key;

	if (!bpf_core_field_exists(cp->fwmark))
		return false;
	__builtin_memset(&key, 0, sizeof(key));
	key.fwmark = VIGIL_CORE_READ_INT(cp, fwmark);
	key.family = af;
	return key.fwmark && bpf_map_lookup_elem(&fwmarks, &key);
}

/*
 * ip_vs_conn_new() has seven arguments, the seventh on the stack, but
 * everything vigil needs is in the connection it returns: read it from there.
 */
static __always_inline int on_ipvs_conn(const struct ip_vs_conn *cp, bool task)
{
	struct vigil_flow flow;
	struct flow_entry entry;
	struct vigil_real *real = &entry.real;
	__u16 af, daf, protocol;

	if (!cp || (muted & VIGIL_MUTE_IPVS))
		return 0;
	/* persistence templates carry no client port and are not flows */
	if (VIGIL_CORE_READ_INT(cp, flags) & IP_VS_CONN_F_TEMPLATE)
		return 0;
	protocol = VIGIL_CORE_READ_INT(cp, protocol);
	if (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP)
		return 0;
	if (!net_wanted(BPF_CORE_READ(cp, ipvs, net)))
		return 0;
	/* u16 up to 6.x, u8 since: see core_fixes.bpf.h */
	af = VIGIL_CORE_READ_INT(cp, af);
	daf = VIGIL_CORE_READ_INT(cp, daf);
	if ((af != VIGIL_AF_INET && af != VIGIL_AF_INET6) ||
	    (daf != VIGIL_AF_INET && daf != VIGIL_AF_INET6))
		return 0;

	__builtin_memset(&flow, 0, sizeof(flow));
	flow.family = af;
	flow.protocol = protocol;
	read_inet_addr(&flow.caddr, &cp->caddr, af);
	read_inet_addr(&flow.vaddr, &cp->vaddr, af);
	flow.cport = bpf_ntohs(BPF_CORE_READ(cp, cport));
	flow.vport = bpf_ntohs(BPF_CORE_READ(cp, vport));
	if (!trace_all && !is_vip(&flow) && !is_marked(cp, af))
		return 0;

	__builtin_memset(&entry, 0, sizeof(entry));
	real->family = daf;
	read_inet_addr(&real->addr, &cp->daddr, daf);
	real->port = bpf_ntohs(BPF_CORE_READ(cp, dport));

	/* BPF_ANY: a rescheduled SYN (expire_nodest_conn) replaces the old pick */
	if (bpf_map_update_elem(&flows, &flow, &entry, BPF_ANY))
		count(VIGIL_CTR_FLOW_ERRORS);
	if (protocol == IPPROTO_UDP)
		udp_flow_add(&flow, real);
	emit(VIGIL_EV_IPVS_PICK, &flow, real, task ? VIGIL_PICK_TASK : 0, 0);
	return 0;
}

SEC("kretprobe/ip_vs_conn_new")
int BPF_KRETPROBE(ip_vs_conn_new_kretprobe, const struct ip_vs_conn *cp)
{
	return on_ipvs_conn(cp, vigil_in_interrupt() == 0);
}

/*
 * The kernel will not run a tracing program on a CPU where that same program
 * is already running: a hit that arrives in an interrupt while the program
 * runs in task context is skipped, only counted in the program's
 * recursion_misses. A softirq delivering another socket's ACK during a
 * close() in task context is such a hit, and its state change would be lost.
 * So a hook that fires in both contexts gets three programs:
 *
 *  - the task program acts in task context only;
 *  - the irq program acts in interrupt context only;
 *  - the backup also acts in interrupt context, when the irq program did not.
 *
 * In task context all three run, the two irq ones only long enough to see
 * the context. A softirq that lands meanwhile finds at most one of the three
 * busy: if that is the task program, the irq program takes the hit; if it is
 * the irq program, the backup does; if the backup, the irq program. The irq
 * program notes, per CPU, which hit it acted on (its arguments: the socket and
 * the transition, the packet, the connection); the backup, which runs after
 * it on the same hit, acts unless that hit is this one. A hit, not a flag: when
 * the backup was the one busy, the irq program acted and nothing cleared
 * what it noted, and a flag left up would make the backup skip the next hit
 * that the irq program missed.
 *
 * Task context can nest too, where the kernel preempts tracing programs:
 * since 6.19 tracepoints call them under SRCU, not with preemption off, and
 * Debian's 7.x kernels preempt (PREEMPT_LAZY). A task preempted inside the
 * task program leaves it busy on that CPU for the next task's hit. So the
 * task program notes its hit too, in the task's own storage (a per-CPU note
 * would be overwritten by the task that preempts it), and in task context
 * the backup acts unless its task's note is this hit.
 *
 * Both notes need the programs to run task, irq, backup: tracepoints call
 * their programs in the order they were attached, trampolines (fentry,
 * fexit) in the reverse order, and vigild attaches accordingly. Where the
 * context cannot be told, the task program acts alone and says so in
 * context_unknown.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} irq_acted SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} task_acted SEC(".maps");

/* In task context: the task program acts, and notes HIT for the backup. */
static __always_inline bool task_turn(__u64 hit)
{
	int irq = vigil_in_interrupt();
	__u64 *acted;

	if (irq < 0)
		context_unknown = 1;
	if (irq > 0)
		return false;
	acted = bpf_task_storage_get(&task_acted, bpf_get_current_task_btf(), 0,
				     BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (acted)
		*acted = hit;
	return true;
}

/* In interrupt context: the irq program acts, and notes HIT for the backup. */
static __always_inline bool irq_turn(void)
{
	return vigil_in_interrupt() > 0;
}

static __always_inline void irq_note(__u64 hit)
{
	__u32 zero = 0;
	__u64 *acted = bpf_map_lookup_elem(&irq_acted, &zero);

	if (acted)
		*acted = hit;
}

/* On a hit the program of its context (task or irq) did not act on. */
static __always_inline bool backup_turn(__u64 hit)
{
	int irq = vigil_in_interrupt();
	__u32 zero = 0;
	__u64 *acted;

	if (irq < 0)
		return false; /* the task program acts alone */
	if (irq == 0) {
		/* no note: this task never got to run the task program */
		acted = bpf_task_storage_get(&task_acted, bpf_get_current_task_btf(), 0, 0);
		if (!acted)
			return true;
	} else {
		acted = bpf_map_lookup_elem(&irq_acted, &zero);
		if (!acted)
			return false;
	}
	if (*acted == hit) {
		*acted = 0;
		return false;
	}
	return true;
}

/*
 * A hit on socket SK as a number: its ports and peer, which name one
 * connection of this machine, and WHAT of it happened. Numbers, not the
 * socket's address: the verifier allows no arithmetic on a kernel pointer.
 * inet_sport, not skc_num, as in sk_flow().
 */
static __always_inline __u64 sk_hit(const struct sock *sk, __u32 what)
{
	__u32 ports = (__u32)BPF_CORE_READ((const struct inet_sock *)sk, inet_sport) << 16 |
		      BPF_CORE_READ(sk, __sk_common.skc_dport);

	return (__u64)(BPF_CORE_READ(sk, __sk_common.skc_daddr) ^ what) << 32 | ports;
}

/* HIT: an expression of ARGS that tells one hit of the hook from another. */
#define THREE_PROGRAMS(section, name, args, hit, call)                                             \
	SEC(section)                                                                               \
	int BPF_PROG(name, args)                                                                   \
	{                                                                                          \
		return task_turn(hit) ? call : 0;                                                  \
	}                                                                                          \
	SEC(section)                                                                               \
	int BPF_PROG(name##_irq, args)                                                             \
	{                                                                                          \
		if (!irq_turn())                                                                   \
			return 0;                                                                  \
		irq_note(hit);                                                                     \
		return call;                                                                       \
	}                                                                                          \
	SEC(section)                                                                               \
	int BPF_PROG(name##_backup, args)                                                          \
	{                                                                                          \
		return backup_turn(hit) ? call : 0;                                                \
	}

#define ARGS(...) __VA_ARGS__

/* a connection's transition happens once: the connection and the states tell it */
THREE_PROGRAMS("tp_btf/inet_sock_set_state", inet_sock_set_state,
	       ARGS(const struct sock *sk, int oldstate, int newstate),
	       sk_hit(sk, (__u32)oldstate << 8 | newstate), on_set_state(sk, oldstate, newstate))
/*
 * a SYN is retransmitted once per timeout, a stall reported once: the state
 * tells nothing, but a repeat is far apart
 */
THREE_PROGRAMS("tp_btf/tcp_retransmit_skb", tcp_retransmit_skb,
	       ARGS(const struct sock *sk, const struct sk_buff *skb), sk_hit(sk, 1 << 16),
	       on_retransmit(sk))
THREE_PROGRAMS("tp_btf/tcp_receive_reset", tcp_receive_reset, ARGS(const struct sock *sk),
	       sk_hit(sk, 2 << 16), on_receive_reset(sk))
/* ICMP errors arrive in softirq; errors can also be reported in task context */
THREE_PROGRAMS("tp_btf/inet_sk_error_report", inet_sk_error_report, ARGS(const struct sock *sk),
	       sk_hit(sk, 3 << 16), on_error_report(sk))

/*
 * connect() runs in task context only: the task program and its backup,
 * whose turns are taken for connections to a VIP only.
 */
SEC("fentry/tcp_connect")
int BPF_PROG(tcp_connect_fentry, struct sock *sk)
{
	struct vigil_flow flow;

	if (connect_flow(sk, &flow) && task_turn(sk_hit(sk, 4 << 16)))
		emit(VIGIL_EV_CONNECT, &flow, NULL, TCP_SYN_SENT, TCP_CLOSE);
	return 0;
}

SEC("fentry/tcp_connect")
int BPF_PROG(tcp_connect_fentry_backup, struct sock *sk)
{
	struct vigil_flow flow;

	if (connect_flow(sk, &flow) && backup_turn(sk_hit(sk, 4 << 16)))
		emit(VIGIL_EV_CONNECT, &flow, NULL, TCP_SYN_SENT, TCP_CLOSE);
	return 0;
}

/* sockaddr_in and sockaddr_in6 as sendto() gives them: UAPI, fixed layouts */
struct vigil_sin {
	__u16 family;
	__be16 port;
	__be32 addr;
};

struct vigil_sin6 {
	__u16 family;
	__be16 port;
	__u32 flowinfo;
	__u8 addr[16];
};

/*
 * The udp_flows key of a datagram SK sends: to MSG's address (sendto) or to
 * the socket's peer (connected). udpv6_sendmsg() hands IPv4 destinations,
 * v4-mapped ones included, to udp_sendmsg(), so V6 takes IPv6 ones only.
 */
static __always_inline bool udp_send_key(const struct sock *sk, const struct msghdr *msg, bool v6,
					 struct vigil_flow *key)
{
	const void *name = BPF_CORE_READ(msg, msg_name);

	__builtin_memset(key, 0, sizeof(*key));
	key->protocol = IPPROTO_UDP;
	/* 0: not bound yet, so this is the flow's first datagram, which IPVS reports */
	key->cport = bpf_ntohs(BPF_CORE_READ((const struct inet_sock *)sk, inet_sport));
	if (!key->cport)
		return false;
	if (name) {
		__u16 family = 0;

		bpf_probe_read_kernel(&family, sizeof(family), name);
		if (!v6 && family == VIGIL_AF_INET) {
			struct vigil_sin sin;

			bpf_probe_read_kernel(&sin, sizeof(sin), name);
			key->vaddr.v4 = sin.addr;
			key->vport = bpf_ntohs(sin.port);
		} else if (v6 && family == VIGIL_AF_INET6) {
			struct vigil_sin6 sin6;

			bpf_probe_read_kernel(&sin6, sizeof(sin6), name);
			__builtin_memcpy(key->vaddr.v6, sin6.addr, sizeof(sin6.addr));
			key->vport = bpf_ntohs(sin6.port);
		} else {
			return false;
		}
	} else if (v6) {
		BPF_CORE_READ_INTO(&key->vaddr.v6, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
		key->vport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	} else {
		key->vaddr.v4 = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		key->vport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	}
	if (v6 && is_v4_mapped(key->vaddr.v6_32))
		return false;
	key->family = v6 ? VIGIL_AF_INET6 : VIGIL_AF_INET;
	return true;
}

/*
 * The flow a datagram leaves on, if it starts a request there: a flow IPVS
 * scheduled whose last request was answered. Looked up before the task
 * program's turn, so that the machine's other UDP traffic costs a lookup.
 */
static __always_inline struct udp_entry *udp_request_of(const struct sock *sk,
							const struct msghdr *msg, bool v6)
{
	struct vigil_flow key;
	struct udp_entry *entry;

	if (muted & VIGIL_MUTE_EVENTS)
		return NULL;
	if (!udp_send_key(sk, msg, v6, &key))
		return NULL;
	entry = bpf_map_lookup_elem(&udp_flows, &key);
	if (!entry || entry->waiting)
		return NULL;
	if (!net_wanted(BPF_CORE_READ(sk, __sk_common.skc_net.net)))
		return NULL;
	return entry;
}

/*
 * The record is reserved before the flow is marked waiting: a reply on
 * another CPU that sees the mark reserves its record after this one, so the
 * ring buffer never has a flow's reply before its request.
 */
static __always_inline int udp_request(struct udp_entry *entry)
{
	struct vigil_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count(VIGIL_CTR_RINGBUF_DROPS);
		return 0;
	}
	e->ts_ns = bpf_ktime_get_ns();
	entry->sent_ns = e->ts_ns;
	entry->waiting = 1;
	e->flow = entry->flow;
	e->real = entry->real;
	e->kind = VIGIL_EV_UDP_SEND;
	e->state = 0;
	e->old_state = 0;
	e->error = 0;
	bpf_ringbuf_submit(e, wakeup_flag(VIGIL_EV_UDP_SEND, 0, 0));
	count(VIGIL_CTR_EVENTS);
	return 0;
}

/* sendmsg runs in task context only: the task program and its backup, as tcp_connect */
SEC("fentry/udp_sendmsg")
int BPF_PROG(udp_sendmsg_fentry, struct sock *sk, struct msghdr *msg)
{
	struct udp_entry *entry = udp_request_of(sk, msg, false);

	return entry && task_turn(sk_hit(sk, 5 << 16)) ? udp_request(entry) : 0;
}

SEC("fentry/udp_sendmsg")
int BPF_PROG(udp_sendmsg_fentry_backup, struct sock *sk, struct msghdr *msg)
{
	struct udp_entry *entry = udp_request_of(sk, msg, false);

	return entry && backup_turn(sk_hit(sk, 5 << 16)) ? udp_request(entry) : 0;
}

SEC("fentry/udpv6_sendmsg")
int BPF_PROG(udpv6_sendmsg_fentry, struct sock *sk, struct msghdr *msg)
{
	struct udp_entry *entry = udp_request_of(sk, msg, true);

	return entry && task_turn(sk_hit(sk, 6 << 16)) ? udp_request(entry) : 0;
}

SEC("fentry/udpv6_sendmsg")
int BPF_PROG(udpv6_sendmsg_fentry_backup, struct sock *sk, struct msghdr *msg)
{
	struct udp_entry *entry = udp_request_of(sk, msg, true);

	return entry && backup_turn(sk_hit(sk, 6 << 16)) ? udp_request(entry) : 0;
}

/* Without trampolines: kprobes run with preemption off, one program is enough. */
SEC("kprobe/udp_sendmsg")
int BPF_KPROBE(udp_sendmsg_kprobe, struct sock *sk, struct msghdr *msg)
{
	struct udp_entry *entry = udp_request_of(sk, msg, false);

	return entry ? udp_request(entry) : 0;
}

SEC("kprobe/udpv6_sendmsg")
int BPF_KPROBE(udpv6_sendmsg_kprobe, struct sock *sk, struct msghdr *msg)
{
	struct udp_entry *entry = udp_request_of(sk, msg, true);

	return entry ? udp_request(entry) : 0;
}

struct vigil_udphdr {
	__be16 source;
	__be16 dest;
	__be16 len;
	__sum16 check;
};

/*
 * A datagram queued to a client socket, IPv4 or IPv6 (both queue through
 * __udp_enqueue_schedule_skb()). IPVS has already put the VIP back as its
 * source, so the packet's own headers give the flow: the client's port and
 * the VIP. A datagram that the full receive queue then drops still proves
 * that the destination answered.
 */
static __always_inline int on_udp_enqueue(const struct sock *sk, const struct sk_buff *skb)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header), th = BPF_CORE_READ(skb, transport_header);
	struct vigil_udphdr uh;
	struct vigil_flow key;
	struct udp_entry *entry;
	__u8 version;

	if (muted & VIGIL_MUTE_EVENTS)
		return 0;
	if (bpf_probe_read_kernel(&version, 1, head + nh) ||
	    bpf_probe_read_kernel(&uh, sizeof(uh), head + th))
		return 0;
	__builtin_memset(&key, 0, sizeof(key));
	key.protocol = IPPROTO_UDP;
	key.cport = bpf_ntohs(uh.dest);
	key.vport = bpf_ntohs(uh.source);
	version >>= 4;
	if (version == 4) {
		key.family = VIGIL_AF_INET;
		bpf_probe_read_kernel(&key.vaddr.v4, 4, head + nh + 12); /* iphdr.saddr */
	} else if (version == 6) {
		key.family = VIGIL_AF_INET6;
		bpf_probe_read_kernel(&key.vaddr.v6, 16, head + nh + 8); /* ipv6hdr.saddr */
	} else {
		return 0;
	}
	entry = bpf_map_lookup_elem(&udp_flows, &key);
	if (!entry || !entry->waiting)
		return 0;
	if (!net_wanted(BPF_CORE_READ(sk, __sk_common.skc_net.net)))
		return 0;
	entry->waiting = 0;
	emit(VIGIL_EV_UDP_REPLY, &entry->flow, &entry->real, 0, 0);
	return 0;
}

SEC("fentry/__udp_enqueue_schedule_skb")
int BPF_PROG(udp_enqueue_fentry, struct sock *sk, struct sk_buff *skb)
{
	return on_udp_enqueue(sk, skb);
}

SEC("kprobe/__udp_enqueue_schedule_skb")
int BPF_KPROBE(udp_enqueue_kprobe, struct sock *sk, struct sk_buff *skb)
{
	return on_udp_enqueue(sk, skb);
}

/* seven arguments, so the return value is the eighth slot of the context */
#define IPVS_CONN(ctx) ((const struct ip_vs_conn *)(ctx)[7])

/* The hit: the client's address and port of the connection made (0 if none was). */
static __always_inline __u64 conn_hit(const struct ip_vs_conn *cp)
{
	return (__u64)BPF_CORE_READ(cp, caddr.ip) << 32 | BPF_CORE_READ(cp, cport);
}

SEC("fexit/ip_vs_conn_new")
int ip_vs_conn_new_fexit(__u64 *ctx)
{
	/* in task context unless the context cannot be told (then: not known to be) */
	return task_turn(conn_hit(IPVS_CONN(ctx))) ? on_ipvs_conn(IPVS_CONN(ctx), !context_unknown)
						   : 0;
}

SEC("fexit/ip_vs_conn_new")
int ip_vs_conn_new_fexit_irq(__u64 *ctx)
{
	if (!irq_turn())
		return 0;
	irq_note(conn_hit(IPVS_CONN(ctx)));
	return on_ipvs_conn(IPVS_CONN(ctx), false);
}

SEC("fexit/ip_vs_conn_new")
int ip_vs_conn_new_fexit_backup(__u64 *ctx)
{
	return backup_turn(conn_hit(IPVS_CONN(ctx))) ? on_ipvs_conn(IPVS_CONN(ctx), false) : 0;
}

/*
 * TCP health per real destination, measured on the client's own sockets.
 *
 * The program is attached to the root cgroup v2, so the kernel runs it for a
 * handful of operations of every TCP socket on the machine (timeout and
 * window initialisation, connect, establishment). Those it leaves at once,
 * except TIMEOUT_INIT of a socket connecting to a VIP (its SYN RTO, below)
 * and ACTIVE_ESTABLISHED: there a client socket whose flow IPVS scheduled
 * (it has an entry in the flows map, made by ip_vs_conn_new) is counted, and
 * only that socket asks for the RTT and retransmit callbacks, which find the
 * socket's entry again by its 4-tuple. Every other socket gets no callback
 * flag, so the kernel's per-ACK and per-retransmit tests stay a single bit
 * test for them.
 *
 * STATE_CB is not asked for: the counters a socket reports are cumulative,
 * and what it gained is added at its next RTT sample or retransmit, the
 * events that move them; a socket's last few segments may go uncounted.
 */

/*
 * Per CPU, so that the sockets of one destination on different CPUs never
 * share a cache line; and LRU, so that a churn of destinations cannot fill
 * it (one that has seen no traffic for long is the one to go). Updates are
 * atomic adds all the same: a sockops program can be preempted in task
 * context or interrupted by a softirq that runs it for another socket of the
 * same destination on the same CPU. rtt_min_us is a plain store: a race
 * loses at most one lower value, which the socket's next sample restores.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct vigil_real);
	__type(value, struct vigil_health);
} health SEC(".maps");

#define TCP_SRTT_SHIFT 3 /* tp->srtt_us holds 8 x the smoothed RTT */

static __always_inline struct vigil_health *health_of(const struct vigil_real *real)
{
	struct vigil_health *h = bpf_map_lookup_elem(&health, real);
	struct vigil_health zero;

	if (h)
		return h;
	__builtin_memset(&zero, 0, sizeof(zero));
	/* NOEXIST: when another CPU added it first, its entry is kept */
	bpf_map_update_elem(&health, real, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&health, real);
}

static __always_inline void rtt_sample(struct vigil_health *h, const struct bpf_sock_ops *skops)
{
	__u32 srtt = skops->srtt_us >> TCP_SRTT_SHIFT, min = skops->rtt_min;

	if (!srtt)
		return; /* no sample yet */
	__sync_fetch_and_add(&h->rtt_samples, 1);
	__sync_fetch_and_add(&h->rtt_sum_us, srtt);
	if (min && (!h->rtt_min_us || min < h->rtt_min_us))
		h->rtt_min_us = min;
}

/*
 * Adds what the socket's cumulative counters gained since its last report
 * (kept in its flow's entry). Its callbacks run under the socket's lock, so
 * *d has one writer.
 */
static __always_inline void flush(struct vigil_health *h, struct flow_entry *d,
				  const struct bpf_sock_ops *skops, const struct tcp_sock *tp)
{
	__u32 retrans = skops->total_retrans, segs = skops->data_segs_out;

	if (retrans != d->retrans) {
		__sync_fetch_and_add(&h->retrans, retrans - d->retrans);
		d->retrans = retrans;
	}
	if (segs != d->data_segs) {
		__sync_fetch_and_add(&h->data_segs, segs - d->data_segs);
		d->data_segs = segs;
	}
	if (tp && tp->lost != d->lost) {
		__u32 lost = tp->lost;

		__sync_fetch_and_add(&h->lost, lost - d->lost);
		d->lost = lost;
	}
}

/* The flow of a client socket from the sockops context (the client is local). */
static __always_inline bool skops_flow(const struct bpf_sock_ops *skops, struct vigil_flow *flow)
{
	__u32 family = skops->family;

	__builtin_memset(flow, 0, sizeof(*flow));
	flow->protocol = IPPROTO_TCP;
	flow->cport = skops->local_port;
	/* the port sits in the upper half, in network order: ntohl gives host order */
	flow->vport = bpf_ntohl(skops->remote_port);
	if (family == VIGIL_AF_INET6) {
		/* one 4-byte load per word: the context allows nothing wider */
		flow->vaddr.v6_32[0] = skops->remote_ip6[0];
		flow->vaddr.v6_32[1] = skops->remote_ip6[1];
		flow->vaddr.v6_32[2] = skops->remote_ip6[2];
		flow->vaddr.v6_32[3] = skops->remote_ip6[3];
		if (!is_v4_mapped(flow->vaddr.v6_32)) {
			flow->caddr.v6_32[0] = skops->local_ip6[0];
			flow->caddr.v6_32[1] = skops->local_ip6[1];
			flow->caddr.v6_32[2] = skops->local_ip6[2];
			flow->caddr.v6_32[3] = skops->local_ip6[3];
			flow->family = VIGIL_AF_INET6;
			return true;
		}
		/* a dual-stack socket connected to an IPv4 address: IPVS sees IPv4 */
		__builtin_memset(&flow->vaddr, 0, sizeof(flow->vaddr));
	} else if (family != VIGIL_AF_INET) {
		return false;
	}
	flow->caddr.v4 = skops->local_ip4;
	flow->vaddr.v4 = skops->remote_ip4;
	flow->family = VIGIL_AF_INET;
	return true;
}

/* Whether a sockops socket belongs to the namespace watched (always, when any is). */
static __always_inline bool skops_net_wanted(struct bpf_sock_ops *skops)
{
	struct bpf_sock *sk;
	struct tcp_sock *tp;

	if (!netns_ino)
		return true;
	sk = skops->sk;
	tp = sk ? bpf_skc_to_tcp_sock(sk) : NULL;
	return tp && ((struct sock *)tp)->__sk_common.skc_net.net->ns.inum == netns_ino;
}

static __always_inline void on_active_established(struct bpf_sock_ops *skops)
{
	struct vigil_flow flow;
	struct flow_entry *f;
	struct vigil_real real;
	struct vigil_health *h;

	if (!skops_flow(skops, &flow))
		return;
	f = bpf_map_lookup_elem(&flows, &flow);
	if (!f)
		return; /* not through a VIP: this socket costs nothing more */
	/* the flows of another namespace with the same addresses are not ours */
	if (!skops_net_wanted(skops))
		return;
	real = f->real;
	h = health_of(&real);
	if (!h) {
		count(VIGIL_CTR_HEALTH_ERRORS);
		return;
	}
	__sync_fetch_and_add(&h->conns, 1);
	rtt_sample(h, skops); /* the handshake's */
	/* retransmitted SYNs; the losses behind them come with the first retransmit */
	flush(h, f, skops, NULL);
	bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags | BPF_SOCK_OPS_RTT_CB_FLAG |
					     BPF_SOCK_OPS_RETRANS_CB_FLAG);
}

/* RTT_CB and RETRANS_CB: only sockets on_active_established() chose get these. */
static __always_inline void on_followed(struct bpf_sock_ops *skops, bool rtt)
{
	struct vigil_flow flow;
	struct flow_entry *f;
	struct vigil_real real;
	struct vigil_health *h;

	if (!skops_flow(skops, &flow))
		return;
	f = bpf_map_lookup_elem(&flows, &flow);
	if (!f)
		return; /* evicted: the socket's last figures go uncounted */
	real = f->real;
	h = health_of(&real);
	if (!h) {
		count(VIGIL_CTR_HEALTH_ERRORS);
		return;
	}
	if (rtt) {
		rtt_sample(h, skops);
		flush(h, f, skops, NULL);
	} else {
		struct bpf_sock *sk = skops->sk;

		/* tcp_sock.lost moves with losses, which come before retransmits */
		flush(h, f, skops, sk ? bpf_skc_to_tcp_sock(sk) : NULL);
	}
}

/*
 * The initial RTO of a client socket's SYN (tcp_connect_init(), once the
 * addresses and ports are set): vigild's for a VIP, so that the retransmit
 * IPVS reschedules away from a dead destination (expire_nodest_conn) leaves
 * in a few hundred milliseconds rather than at 1 s. The kernel takes the
 * reply only when the program returns 1, and 0 (left as is) means its own.
 */
static __always_inline void on_timeout_init(struct bpf_sock_ops *skops)
{
	struct vigil_vip_conf *conf;
	struct vigil_flow flow;

	/* only the active side: a request socket's SYN-ACK is not ours to time */
	if (!skops->is_fullsock || skops->state != TCP_SYN_SENT)
		return;
	if (!skops_flow(skops, &flow))
		return;
	conf = vip_conf(&flow);
	if (!conf || !conf->syn_rto_jiffies || !skops_net_wanted(skops))
		return;
	skops->reply = conf->syn_rto_jiffies;
}

SEC("sockops")
int tcp_health(struct bpf_sock_ops *skops)
{
	if (muted & VIGIL_MUTE_SOCKOPS)
		return 1;
	switch (skops->op) {
	case BPF_SOCK_OPS_TIMEOUT_INIT:
		on_timeout_init(skops);
		break;
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
		on_active_established(skops);
		break;
	case BPF_SOCK_OPS_RTT_CB:
		on_followed(skops, true);
		break;
	case BPF_SOCK_OPS_RETRANS_CB:
		on_followed(skops, false);
		break;
	}
	/* 1: the operation may proceed; reply untouched but for TIMEOUT_INIT to a VIP */
	return 1;
}

/*
 * Resets of stalled client sockets to quarantined destinations.
 *
 * vigild fills reset_targets with the real destinations taken out of
 * rotation for silence, and runs these socket iterators: each writes a
 * record for every socket of its namespace that is stalled on a target.
 * Stalled, for TCP: a socket that still exchanges data (ESTABLISHED,
 * CLOSE_WAIT, FIN_WAIT1, LAST_ACK) with data in flight that the retransmit
 * timer has fired on, or window probes unanswered; a socket with nothing in
 * flight is left alone until it sends. For UDP: a connected socket whose
 * flow's last request is unanswered (udp_flows).
 *
 * Two variants of each: one destroys the socket it visits with
 * bpf_sock_destroy() ("bpf: Add bpf_sock_destroy kfunc", v6.5), which the
 * kernel allows from these iterators only, on the socket being visited,
 * whose lock the iterator holds; the other only reports, for vigild to
 * destroy the socket by SOCK_DESTROY over inet_diag where the kernel lacks
 * the kfunc. vigild loads the destroying ones only where the kernel's BTF
 * has the kfunc.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VIGIL_MAX_RESET_TARGETS);
	__type(key, struct vigil_reset_target);
	__type(value, __u8);
} reset_targets SEC(".maps");

extern int bpf_sock_destroy(struct sock_common *sk) __ksym __weak;

static __always_inline bool reset_target(const struct vigil_real *real, __u8 protocol)
{
	struct vigil_reset_target t;

	__builtin_memset(&t, 0, sizeof(t));
	t.addr = real->addr;
	t.port = real->port;
	t.family = real->family;
	t.protocol = protocol;
	return bpf_map_lookup_elem(&reset_targets, &t) != NULL;
}

static __always_inline bool tcp_state_sends(__u8 state)
{
	return state == TCP_ESTABLISHED || state == TCP_CLOSE_WAIT || state == TCP_FIN_WAIT1 ||
	       state == TCP_LAST_ACK;
}

/* Whether SK is a stalled TCP socket to a target; its record in *REC if so. */
static __always_inline bool tcp_stalled(const struct sock *sk, struct vigil_reset_record *rec)
{
	const struct inet_connection_sock *icsk = (const struct inet_connection_sock *)sk;
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;
	struct flow_entry *f;
	__u32 in_flight;

	/* first: listening, request and timewait sockets are not full sockets */
	if (!tcp_state_sends(BPF_CORE_READ(sk, __sk_common.skc_state)))
		return false;
	in_flight = BPF_CORE_READ(tp, packets_out);
	if (!(in_flight && VIGIL_CORE_READ_INT(icsk, icsk_retransmits)) &&
	    !VIGIL_CORE_READ_INT(icsk, icsk_probes_out))
		return false;
	__builtin_memset(rec, 0, sizeof(*rec));
	if (!sk_flow(sk, IPPROTO_TCP, &rec->flow))
		return false;
	f = bpf_map_lookup_elem(&flows, &rec->flow);
	if (!f)
		return false;
	rec->real = f->real;
	if (!reset_target(&rec->real, IPPROTO_TCP))
		return false;
	/* jiffies are u32 in the socket: the difference is right across a wrap */
	rec->stalled_jiffies = (__u32)bpf_jiffies64() - BPF_CORE_READ(tp, rcv_tstamp);
	return true;
}

/* Whether SK is a connected UDP socket to a target with a request unanswered. */
static __always_inline bool udp_stalled(const struct sock *sk, struct vigil_reset_record *rec)
{
	struct vigil_flow key;
	struct udp_entry *entry;
	__u64 now;

	/* connect() puts a UDP socket in ESTABLISHED */
	if (BPF_CORE_READ(sk, __sk_common.skc_state) != TCP_ESTABLISHED)
		return false;
	__builtin_memset(rec, 0, sizeof(*rec));
	if (!sk_flow(sk, IPPROTO_UDP, &rec->flow))
		return false;
	key = rec->flow;
	__builtin_memset(&key.caddr, 0, sizeof(key.caddr)); /* as udp_flows is keyed */
	entry = bpf_map_lookup_elem(&udp_flows, &key);
	if (!entry || !entry->waiting)
		return false;
	rec->real = entry->real;
	if (!reset_target(&rec->real, IPPROTO_UDP))
		return false;
	now = bpf_ktime_get_ns();
	rec->stalled_ns = entry->sent_ns && now > entry->sent_ns ? now - entry->sent_ns : 0;
	return true;
}

/* DESTROY is a constant: the variant that only reports has no kfunc call. */
static __always_inline int reset_tcp(struct bpf_iter__tcp *ctx, bool destroy)
{
	struct sock_common *skc = ctx->sk_common;
	struct vigil_reset_record rec;

	if (!skc || !tcp_stalled((const struct sock *)skc, &rec))
		return 0;
	rec.cookie = bpf_get_socket_cookie(skc);
	if (destroy)
		rec.error = bpf_sock_destroy(skc);
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

static __always_inline int reset_udp(struct bpf_iter__udp *ctx, bool destroy)
{
	struct udp_sock *udp = ctx->udp_sk;
	struct vigil_reset_record rec;

	if (!udp || !udp_stalled((const struct sock *)udp, &rec))
		return 0;
	rec.cookie = bpf_get_socket_cookie(udp);
	if (destroy)
		rec.error = bpf_sock_destroy((struct sock_common *)udp);
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

SEC("iter/tcp")
int reset_tcp_destroy(struct bpf_iter__tcp *ctx)
{
	return reset_tcp(ctx, true);
}

SEC("iter/tcp")
int reset_tcp_report(struct bpf_iter__tcp *ctx)
{
	return reset_tcp(ctx, false);
}

SEC("iter/udp")
int reset_udp_destroy(struct bpf_iter__udp *ctx)
{
	return reset_udp(ctx, true);
}

SEC("iter/udp")
int reset_udp_report(struct bpf_iter__udp *ctx)
{
	return reset_udp(ctx, false);
}
