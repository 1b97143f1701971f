/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The few kernel types vigil's BPF programs read, declared for CO-RE.
 *
 * Only the fields we touch are listed. preserve_access_index makes every
 * access a relocation that libbpf resolves against the running kernel's BTF
 * (and, for struct ip_vs_conn, against the ip_vs module's BTF) at load time,
 * so neither the layout nor the order of fields here needs to match any
 * kernel. Fields that the kernel nests inside anonymous unions and structs
 * are declared flat: libbpf looks through anonymous members when it matches
 * a field by name.
 */
#ifndef VIGIL_EBPF_KERNEL_H
#define VIGIL_EBPF_KERNEL_H

#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct ns_common {
	unsigned int inum;
};

struct net {
	struct ns_common ns;
};

typedef struct {
	struct net *net;
} possible_net_t;

struct in6_addr {
	union {
		__u8 u6_addr8[16];
		__u32 u6_addr32[4];
	} in6_u;
};

struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	unsigned short skc_family;
	volatile unsigned char skc_state;
	possible_net_t skc_net;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
};

struct sock {
	struct sock_common __sk_common;
	__u16 sk_protocol;
	int sk_err;
};

/* The sockops program reaches it through bpf_skc_to_tcp_sock(); the socket iterators, by cast. */
struct tcp_sock {
	__u32 lost;        /* data segments marked lost, ever */
	__u32 snd_una;     /* first byte not acknowledged */
	__u32 packets_out; /* segments in flight, unacknowledged */
	__u32 rcv_tstamp;  /* jiffies when the last ACK was received */
};

/* The head of a TCP socket (tcp_sock starts with it). */
struct inet_connection_sock {
	__u8 icsk_retransmits; /* timeouts of the current stall: 0 once data is acknowledged */
	__u8 icsk_probes_out;  /* window (or keepalive) probes unanswered */
};

struct inet_sock {
	struct sock sk;
	__be16 inet_sport;
};

union nf_inet_addr {
	__u32 all[4];
	__be32 ip;
	__be32 ip6[4];
};

struct netns_ipvs {
	struct net *net;
};

struct ip_vs_conn {
	__be16 cport;
	__be16 dport;
	__be16 vport;
	__u16 af;
	union nf_inet_addr caddr;
	union nf_inet_addr vaddr;
	union nf_inet_addr daddr;
	volatile __u32 flags;
	__u16 protocol;
	__u16 daf;
	struct netns_ipvs *ipvs;
	__u32 fwmark; /* the packet's mark, which found a fwmark service */
};

struct udp_sock {
	struct inet_sock inet;
};

struct seq_file;

/* The contexts of the socket iterators (iter/tcp, iter/udp). */
struct bpf_iter_meta {
	struct seq_file *seq;
};

struct bpf_iter__tcp {
	struct bpf_iter_meta *meta;
	struct sock_common *sk_common; /* any TCP socket: listening, request and timewait too */
};

struct bpf_iter__udp {
	struct bpf_iter_meta *meta;
	struct udp_sock *udp_sk;
};

struct msghdr {
	void *msg_name; /* the kernel's copy of sendto()'s address; NULL: connected */
};

struct sk_buff {
	unsigned char *head;
	__u16 transport_header; /* offsets from head */
	__u16 network_header;
};

#pragma clang attribute pop

#endif
