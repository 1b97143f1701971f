/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigil's BPF programs, loaded and attached: where each hook is attached
 * (with a kprobe fallback where the kernel cannot attach the preferred
 * program), the event stream, the kernel-side counters and the VIP filter.
 */
#ifndef VIGIL_AGENT_PROBES_H
#define VIGIL_AGENT_PROBES_H

#include <stdbool.h>
#include <stdint.h>
#include "event.h"

struct probes_opts {
	bool trace_all;         /* every TCP flow of the namespace, not only flows to VIPs */
	uint32_t netns_ino;     /* only flows of this network namespace; 0: all */
	uint32_t ringbuf_bytes; /* 0: PROBES_DEFAULT_RINGBUF_BYTES */
	uint32_t max_flows;     /* 0: PROBES_DEFAULT_MAX_FLOWS */
};

#define PROBES_DEFAULT_RINGBUF_BYTES (4u << 20)
#define PROBES_DEFAULT_MAX_FLOWS     65536u
/*
 * Only urgent events wake the consumer at once; the rest are collected by a
 * drain at least this often (see wakeup_flag() in vigil.bpf.c).
 */
#define PROBES_DRAIN_INTERVAL_MS     50

/* Called for every event; a negative errno stops consumption. */
typedef int (*probes_event_fn)(const struct vigil_event *e, void *data);

struct probes;

/*
 * Checks the kernel, loads and attaches the programs. Logs what is missing
 * (not root, no BTF, no ip_vs module) and returns -errno on failure.
 */
int probes_open(const struct probes_opts *opts, probes_event_fn fn, void *data,
		struct probes **ret);
void probes_free(struct probes *p);

/* Readable when events are waiting (epoll). */
int probes_fd(const struct probes *p);
/* Hands every waiting event to the callback; the count or -errno. */
int probes_consume(struct probes *p);
/* Kernel-side counters summed over CPUs, indexed by enum vigil_counter. */
int probes_counters(const struct probes *p, uint64_t ret[VIGIL_CTR_MAX]);
/*
 * Runs of the programs the kernel skipped because the same program was
 * already running on that CPU (an interrupt nested in it): lost events.
 */
uint64_t probes_missed(const struct probes *p);
/* Ring-buffer records that did not decode (a BPF/userspace mismatch). */
uint64_t probes_bad_records(const struct probes *p);
/* How each hook is attached, e.g. "fentry/tcp_connect tp_btf/inet_sock_set_state ..." */
const char *probes_attached(const struct probes *p);

int probes_vip_add(struct probes *p, const struct vigil_vip *vip);
int probes_vip_del(struct probes *p, const struct vigil_vip *vip);

#endif
