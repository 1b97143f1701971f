/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigil's BPF programs, loaded and attached: where each hook is attached
 * (with a kprobe fallback where the kernel cannot attach the preferred
 * program), the event stream, the kernel-side counters, the VIP filter and,
 * when asked for, the sockops program on the root cgroup v2 with the TCP
 * health metrics it keeps per real destination.
 */
#ifndef VIGIL_AGENT_PROBES_H
#define VIGIL_AGENT_PROBES_H

#include <stdbool.h>
#include <stdint.h>
#include "degraded.h"
#include "event.h"

_Static_assert(sizeof(struct vigil_health) == 56, "vigil_health layout");
_Static_assert(sizeof(struct vigil_vip_conf) == 8, "vigil_vip_conf layout");
_Static_assert(sizeof(struct vigil_fwmark) == 8, "vigil_fwmark layout");

struct probes_opts {
	bool trace_all;         /* every TCP flow of the namespace, not only flows to VIPs */
	uint32_t netns_ino;     /* only flows of this network namespace; 0: all */
	uint32_t ringbuf_bytes; /* 0: PROBES_DEFAULT_RINGBUF_BYTES */
	uint32_t max_flows;     /* 0: PROBES_DEFAULT_MAX_FLOWS */
	/*
	 * Attach the sockops program to the root cgroup v2 (mounting cgroup2 on
	 * PROBES_CGROUP2_MOUNT when the system has it nowhere): TCP health per
	 * real destination. Without it the health map stays empty.
	 */
	bool sockops;
};

#define PROBES_DEFAULT_RINGBUF_BYTES (4u << 20)
#define PROBES_DEFAULT_MAX_FLOWS     65536u
/*
 * Only urgent events wake the consumer at once; the rest are collected by a
 * drain at least this often (see wakeup_flag() in vigil.bpf.c).
 */
#define PROBES_DRAIN_INTERVAL_MS     50
/*
 * A testing aid: a comma-separated list of attachments to fail as if the
 * kernel refused them (EOPNOTSUPP), so that degraded mode can be tested on
 * kernels that have everything. events: the TCP tracepoints and tcp_connect;
 * ipvs: ip_vs_conn_new (the real destination); sockops; trampolines: every
 * fentry/fexit (the kprobe fallbacks then attach); kprobes: every
 * kprobe/kretprobe. See vigild(8).
 */
#define PROBES_DISABLE_ENV           "VIGIL_DISABLE_PROBES"
/*
 * The other testing aid: a comma-separated list of attachments that attach
 * as usual but deliver nothing (enum vigil_mute), as when a kernel change
 * breaks a hook silently; vigild's check of its own pipeline (selfcheck.h)
 * must find it. events: tcp_connect and the TCP tracepoints; ipvs:
 * ip_vs_conn_new; sockops. See vigild(8).
 */
#define PROBES_MUTE_ENV              "VIGIL_MUTE_PROBES"

/* Where cgroup2 is mounted when neither /sys/fs/cgroup nor /sys/fs/cgroup/unified has it. */
#define PROBES_CGROUP2_MOUNT "/run/vigil/cgroup2"

/*
 * Unmounts the cgroup2 that the sockops program's attach mounted on
 * PROBES_CGROUP2_MOUNT (only ever when the system had no cgroup v2): 1 if it
 * did, 0 if none is mounted there, or -errno.
 */
int probes_cgroup2_unmount(void);

/* Called for every event; a negative errno stops consumption. */
typedef int (*probes_event_fn)(const struct vigil_event *e, void *data);

struct probes;

/*
 * Checks the kernel, loads and attaches the programs. 0 when the connection
 * events and the real destination both attached (a missing sockops program
 * does not fail it: see probes_sockops_attached()); otherwise -errno, the
 * first failure, and nothing stays attached. Either way *ret_degraded (may
 * be NULL) says per capability how it is attached or exactly why not (not
 * root, no BTF, no ip_vs module or its BTF, each program the kernel refused
 * with its errno, no cgroup v2). Details are logged at info level; saying
 * what it means is the caller's.
 */
int probes_open(const struct probes_opts *opts, probes_event_fn fn, void *data, struct probes **ret,
		struct degraded *ret_degraded);
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

/* Watches VIP, or sets what it has (CONF NULL: all zero, the kernel's SYN RTO). */
int probes_vip_set(struct probes *p, const struct vigil_vip *vip,
		   const struct vigil_vip_conf *conf);
/* Watches VIP with the kernel's SYN RTO. */
int probes_vip_add(struct probes *p, const struct vigil_vip *vip);
int probes_vip_del(struct probes *p, const struct vigil_vip *vip);
/*
 * Watches the flows IPVS schedules for the fwmark service FWMARK (of its
 * family): their events then name their real destination, as a VIP's do.
 */
int probes_fwmark_add(struct probes *p, const struct vigil_fwmark *fwmark);
int probes_fwmark_del(struct probes *p, const struct vigil_fwmark *fwmark);

/* Whether the sockops program is attached (health metrics are being collected). */
bool probes_sockops_attached(const struct probes *p);
/*
 * Attaches or detaches the sockops program (say, when health weighting is
 * switched off on reload); the health map keeps its counters. -EINVAL if the
 * probes were opened without opts.sockops (the program is not loaded).
 */
/*
 * After ip_vs was loaded anew: a kretprobe on ip_vs_conn_new was on the old
 * module's function, and is gone with it; attaches it to the new one. (fexit
 * pins the module: it cannot have been unloaded.) 1 if it was attached again,
 * 0 if there was nothing to do, or -errno.
 */
int probes_ipvs_reattach(struct probes *p);
int probes_sockops_set(struct probes *p, bool attached);

/* What works and what does not, as probes_open() found it (health kept current). */
const struct degraded *probes_degraded(const struct probes *p);

/*
 * Called for every real destination in the health map with its counters
 * summed over CPUs (rtt_min_us: the lowest of them). A negative errno stops
 * the walk.
 */
typedef int (*probes_health_fn)(const struct vigil_real *real, const struct vigil_health *h,
				void *data);

/*
 * Walks the health map. Entries may come and go while it runs (LRU): one
 * present throughout is seen at least once, and twice only if another was
 * evicted meanwhile. The number of callbacks made, or -errno (the
 * callback's included).
 */
int probes_health_read(const struct probes *p, probes_health_fn fn, void *data);

#endif
