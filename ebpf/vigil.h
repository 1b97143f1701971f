/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What vigil's BPF programs and vigild share: the event record streamed over
 * the ring buffer, the keys of the maps userspace reads or fills, and their
 * constants. No includes: the includer provides __u8 .. __u64 (linux/types.h
 * in userspace, kernel.h on the BPF side). Fixed-width fields, explicit
 * padding; userspace asserts the sizes.
 */
#ifndef VIGIL_EBPF_VIGIL_H
#define VIGIL_EBPF_VIGIL_H

#define VIGIL_AF_INET  2
#define VIGIL_AF_INET6 10

enum vigil_event_kind {
	/* connect() is sending its SYN; the source port is known from here on */
	VIGIL_EV_CONNECT = 1,
	/* TCP state change (old_state -> state) */
	VIGIL_EV_STATE = 2,
	/*
	 * A TCP retransmission, state says in which state. SYN_SENT: a SYN was
	 * retransmitted, the destination has not answered yet (every one).
	 * ESTABLISHED, CLOSE_WAIT, FIN_WAIT1 or LAST_ACK: a flow through a VIP
	 * timed out on unacknowledged data, the first timeout of a stall (one
	 * per stall, never for a fast retransmit or a loss probe), with the real
	 * destination always known.
	 */
	VIGIL_EV_RETRANS = 3,
	/* an RST was received; state says in which state (SYN_SENT = refused) */
	VIGIL_EV_RESET = 4,
	/* IPVS scheduled the flow to a real destination */
	VIGIL_EV_IPVS_PICK = 5,
	/* an error reached a connected UDP socket (an ICMP error); error says which */
	VIGIL_EV_SOCK_ERROR = 6,
	/*
	 * A datagram left on a UDP flow IPVS scheduled, the flow's last
	 * request having been answered: a new request starts (the first one
	 * starts at the IPVS pick). Sends while a request is unanswered are
	 * not reported.
	 */
	VIGIL_EV_UDP_SEND = 7,
	/* the first datagram back on such a flow since its request started */
	VIGIL_EV_UDP_REPLY = 8,
	VIGIL_EV_KIND_MAX = VIGIL_EV_UDP_REPLY,
};

/* An IPv4 address is stored in v4, the other 12 bytes zero. Network order. */
union vigil_addr {
	__u32 v4;
	__u32 v6_32[4];
	__u8 v6[16];
};

/*
 * A flow as the client sees it: its own address and port and the address it
 * connected to (the VIP for IPVS flows). Also the key of the correlation map,
 * so every byte, padding included, must be zeroed before it is filled.
 */
struct vigil_flow {
	union vigil_addr caddr;
	union vigil_addr vaddr;
	__u16 cport;   /* host byte order */
	__u16 vport;   /* host byte order */
	__u8 family;   /* VIGIL_AF_INET or VIGIL_AF_INET6 */
	__u8 protocol; /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad[2];
};

/* The real destination IPVS chose; family 0 when unknown. */
struct vigil_real {
	union vigil_addr addr;
	__u16 port; /* host byte order */
	__u8 family;
	__u8 pad;
};

/*
 * VIGIL_EV_IPVS_PICK's state: IPVS picked in the context of the task that
 * connected, so the flow is a socket of this machine sending its first SYN
 * (0: in interrupt context: a retransmitted SYN, or a packet from elsewhere).
 */
#define VIGIL_PICK_TASK 1

struct vigil_event {
	__u64 ts_ns; /* CLOCK_MONOTONIC */
	struct vigil_flow flow;
	struct vigil_real real;
	__u8 kind;      /* enum vigil_event_kind */
	__u8 state;     /* TCP state after the event (TCP_* as in the kernel) */
	__u8 old_state; /* VIGIL_EV_STATE: the state before */
	__u8 error;     /* VIGIL_EV_SOCK_ERROR: the socket's errno (sk_err); else 0 */
};

/*
 * Entries of the vips map (and of the fwmarks map): one per service, so the
 * config holds no more (CONFIG_MAX_SERVICES, asserted in agent/daemon/watch.c).
 */
#define VIGIL_MAX_VIPS 4096

/* A service address the agent cares about (key of the vips map). */
struct vigil_vip {
	union vigil_addr addr;
	__u16 port; /* host byte order */
	__u8 family;
	__u8 protocol;
};

/*
 * A fwmark service (key of the fwmarks map; the value is unused). Its
 * clients connect to addresses of their own choosing that netfilter marks,
 * so no VIP names its flows: ip_vs_conn_new takes a flow whose VIP is not
 * watched when the connection's firewall mark is. Every protocol of the
 * mark: IPVS counts them all in the service, and the self-check compares.
 */
struct vigil_fwmark {
	__u32 fwmark;
	__u8 family;
	__u8 pad[3];
};

/* What vigild sets for a VIP (value of the vips map). */
struct vigil_vip_conf {
	/*
	 * The initial SYN RTO of client sockets connecting to the VIP, in
	 * jiffies (vigild knows the kernel's HZ; the program need not); 0: the
	 * kernel's own (TCP_TIMEOUT_INIT, 1 s).
	 */
	__u32 syn_rto_jiffies;
	__u32 pad;
};

/*
 * TCP health of one real destination: the value of the health map (key
 * struct vigil_real), filled by the sockops program from the client sockets
 * whose flow went through a VIP to that destination. Every field is a
 * counter that only grows (rtt_min_us aside), so userspace takes the
 * difference of two reads for a period. The map is per-CPU: userspace sums
 * the CPUs' counters and takes the lowest non-zero rtt_min_us.
 */
struct vigil_health {
	__u64 conns;       /* connections established */
	__u64 rtt_samples; /* RTT samples: at establishment, then on every ACK that gives one */
	__u64 rtt_sum_us;  /* the socket's smoothed RTT (srtt) at each sample, summed */
	__u64 retrans;     /* segments retransmitted, SYNs included (tcp total_retrans) */
	__u64 lost;        /* segments the stack marked lost (tcp_sock.lost) */
	__u64 data_segs;   /* data segments sent, retransmissions included */
	__u32 rtt_min_us;  /* the lowest rtt_min of any of its sockets; 0: none yet */
	__u32 pad;
};

/*
 * Entries of the reset_targets map: real destinations whose stalled client
 * sockets are reset, the ones out of rotation for silence. Destinations
 * past it are not reset (sockreset_set_targets() says so).
 */
#define VIGIL_MAX_RESET_TARGETS 4096

/* A real destination whose stalled sockets are reset (key of the reset_targets map). */
struct vigil_reset_target {
	union vigil_addr addr;
	__u16 port; /* host byte order */
	__u8 family;
	__u8 protocol; /* IPPROTO_TCP or IPPROTO_UDP */
};

/*
 * What the socket iterators write (bpf_seq_write) for each stalled socket to
 * a target: a TCP socket with data unacknowledged and being retransmitted,
 * or window probes unanswered; a connected UDP socket whose last request is
 * unanswered.
 */
struct vigil_reset_record {
	__u64 cookie;     /* the socket's cookie: SOCK_DESTROY matches it, not a reused 4-tuple */
	__u64 stalled_ns; /* UDP: since its unanswered request went out; TCP: 0 */
	struct vigil_flow flow; /* the socket's own 4-tuple (the VIP as its peer) */
	struct vigil_real real;
	__u32 stalled_jiffies; /* TCP: since the socket last received an ACK; UDP: 0 */
	__s32 error; /* what bpf_sock_destroy() returned; 0 where the iterator only reports */
	__u32 pad;
};

/*
 * A testing aid (VIGIL_MUTE_PROBES in vigild): hooks that stay attached but
 * deliver nothing, as a kernel change can make them, so that vigild's check
 * of its own pipeline is tested on every kernel. Bits of the muted setting.
 */
enum vigil_mute {
	VIGIL_MUTE_EVENTS = 1 << 0,  /* tcp_connect and the TCP tracepoints */
	VIGIL_MUTE_IPVS = 1 << 1,    /* ip_vs_conn_new: no pick, no correlation */
	VIGIL_MUTE_SOCKOPS = 1 << 2, /* the sockops program counts nothing, sets no SYN RTO */
};

/* Indexes of the per-CPU counters map. */
enum vigil_counter {
	VIGIL_CTR_EVENTS = 0,    /* events submitted to the ring buffer */
	VIGIL_CTR_RINGBUF_DROPS, /* events lost because the ring buffer was full */
	VIGIL_CTR_FLOW_ERRORS,   /* correlation entries that could not be stored */
	VIGIL_CTR_HEALTH_ERRORS, /* VIP sockets sockops could not count (health map full) */
	VIGIL_CTR_FLOWS_MISSING, /* state changes of VIP flows whose entry was gone (evicted) */
	VIGIL_CTR_MAX,
};

#endif
