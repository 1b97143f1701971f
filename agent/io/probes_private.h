/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the files of the BPF loader share: the handle, and the helpers each
 * offers the others. probes.c loads and attaches, probes_sockops.c attaches
 * the health program, probes_maps.c reads what the programs deliver,
 * probes_log.c keeps libbpf's messages, probes_aids.c reads the testing
 * aids. Not for use outside agent/io.
 */
#ifndef VIGIL_AGENT_PROBES_PRIVATE_H
#define VIGIL_AGENT_PROBES_PRIVATE_H

#include <stdarg.h>
#include <stddef.h>
#include <bpf/libbpf.h>

#include "probes.h"
#include "vigil.skel.h"

/* What VIGIL_DISABLE_PROBES can make fail (see probes.h). */
enum {
	DISABLE_EVENTS = 1 << 0,
	DISABLE_IPVS = 1 << 1,
	DISABLE_SOCKOPS = 1 << 2,
	DISABLE_TRAMPOLINES = 1 << 3,
	DISABLE_KPROBES = 1 << 4,
};

struct probes {
	struct vigil_bpf *skel;
	struct ring_buffer *rb;
	probes_event_fn fn;
	void *data;
	uint64_t bad_records;
	bool error_report;     /* the kernel has tracepoint sock:inet_sk_error_report */
	bool ipvs;             /* the ip_vs programs are loaded (the module has BTF) */
	int trampolines_err;   /* why fentry/fexit were left out of the load; 0: they were not */
	unsigned int disabled; /* DISABLE_* */
	unsigned int muted;    /* enum vigil_mute */
	struct degraded degraded;
	char attached[512];
	size_t attached_len; /* of attached without the sockops program */
};

/* probes_log.c: libbpf's messages, kept until a failure shows them. */
int probes_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap);
/* Logs what libbpf said since the last dump or forget, as errors. */
void probes_libbpf_dump(void);
void probes_libbpf_forget(void);
/* strerror() for what the BPF syscalls return, kernel-internal codes included. */
const char *probes_strerror(int r);
/* "Operation not supported (EOPNOTSUPP)": the text, and the name to search for. */
const char *probes_cause(int r, char *buf, size_t size);

/* probes_aids.c: the testing aids (see probes.h). */
unsigned int probes_aid_disabled(const char *list); /* DISABLE_* */
unsigned int probes_aid_muted(const char *list);    /* enum vigil_mute */
/* Whether VIGIL_DISABLE_PROBES makes this program's attachment fail. */
bool probes_aid_fails(const struct probes *p, const struct bpf_program *prog);

/* probes_sockops.c: the sockops program on the root cgroup v2; the health capability says how. */
int probes_sockops_attach(struct probes *p);

/* probes_maps.c: hands ring-buffer records to the callback. */
int probes_ring_buffer_open(struct probes *p);

#endif
