/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Resets of the client's own sockets that are stalled on a quarantined real
 * destination, so that the application gets an error at once (ECONNABORTED)
 * and reconnects through the VIP, instead of waiting for the kernel to give
 * up (tcp_retries2, about 15 minutes).
 *
 * The socket iterators of vigil.bpf.c find the sockets (the rule is there);
 * a mechanism destroys them: bpf_sock_destroy() from the iterator itself
 * (kernels 6.5 and later), else SOCK_DESTROY over inet_diag, as `ss -K` does
 * (CONFIG_INET_DIAG_DESTROY, which Debian's kernels have), else none.
 * Sockets of the namespace vigild runs in only.
 */
#ifndef VIGIL_AGENT_SOCKRESET_H
#define VIGIL_AGENT_SOCKRESET_H

#include <stddef.h>
#include <stdint.h>
#include "probes.h"

_Static_assert(sizeof(struct vigil_reset_target) == 20, "vigil_reset_target layout");
_Static_assert(sizeof(struct vigil_reset_record) == 88, "vigil_reset_record layout");

/* The testing override of the mechanism, for vigild: a name of sockreset_mechanism_name(). */
#define SOCKRESET_MECHANISM_ENV "VIGIL_RESET_MECHANISM"

/* At most this many SOCK_DESTROY requests per sweep; the rest wait for the next one. */
#define SOCKRESET_MAX_DIAG_PER_SWEEP 1024

enum sockreset_mechanism {
	SOCKRESET_NONE = 0,
	SOCKRESET_BPF_DESTROY,
	SOCKRESET_INET_DIAG
};

struct sockreset_target {
	struct vigil_real real;
	uint8_t protocol; /* IPPROTO_TCP or IPPROTO_UDP */
};

struct sockreset_result {
	struct vigil_flow flow; /* the client's 4-tuple and the VIP */
	struct vigil_real real;
	uint64_t stalled_ns; /* 0: unknown (e.g. HZ unknown) */
	int error;           /* 0: reset; -errno: could not be reset */
};

typedef void (*sockreset_fn)(const struct sockreset_result *r, void *data);

struct sockreset;

/*
 * P: vigild's loaded probes (their maps and iterator programs), which must
 * outlive the handle; HZ: the kernel's, 0 unknown; FORCE: NULL (or "") for
 * the best mechanism that works here, or a mechanism's name (testing:
 * $VIGIL_RESET_MECHANISM). Never NULL but out of memory (errno set): a
 * mechanism of NONE says why in sockreset_why().
 */
struct sockreset *sockreset_new(struct probes *p, unsigned int hz, const char *force);
enum sockreset_mechanism sockreset_mechanism(const struct sockreset *r);
/* "bpf_sock_destroy", "inet_diag", "none" */
const char *sockreset_mechanism_name(enum sockreset_mechanism m);
/* Why not a better mechanism than the one in use; "" if none is better. */
const char *sockreset_why(const struct sockreset *r);

/*
 * Replaces the targets: real destinations (address, port, protocol) whose
 * stalled sockets the sweeps reset. Past VIGIL_MAX_RESET_TARGETS, the first
 * that many are set and -E2BIG says the rest are not; on any other error
 * the targets are none.
 */
int sockreset_set_targets(struct sockreset *r, const struct sockreset_target *t, size_t n);

/*
 * Resets the stalled sockets to the targets now; FN once per socket; returns
 * how many were reset, or -errno. Bounded work; never blocks long (netlink
 * replies are read at once). Without targets, or without a mechanism, 0 at
 * once.
 */
int sockreset_sweep(struct sockreset *r, sockreset_fn fn, void *data);
void sockreset_free(struct sockreset *r);

#endif
