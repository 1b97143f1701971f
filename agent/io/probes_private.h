/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the files of the BPF loader share: the handle, and the helpers each
 * offers the others. probes.c loads and attaches, probes_features.c finds
 * what the kernel offers before that, probes_sockops.c attaches
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

struct btf;

/* What VIGIL_DISABLE_PROBES can make fail (see probes.h). */
enum {
	DISABLE_EVENTS = 1 << 0,
	DISABLE_IPVS = 1 << 1,
	DISABLE_SOCKOPS = 1 << 2,
	DISABLE_TRAMPOLINES = 1 << 3,
	DISABLE_KPROBES = 1 << 4,
};

/*
 * A hook: the program to attach, with its interrupt-context twins when it has
 * them (see vigil.bpf.c), and a kprobe to fall back to when the kernel cannot
 * attach the first.
 */
struct probes_hook {
	struct bpf_program *prog, *irq, *backup, *fallback;
	struct bpf_link **link, **irq_link, **backup_link, **fallback_link;
	/*
	 * Trampolines (fentry/fexit) run the program attached last first;
	 * tracepoints, the one attached first. The task and irq programs must
	 * run before their backup.
	 */
	bool last_runs_first;
	/* where the kernel lacks it: left out without a word in status, this logged instead */
	const char *optional;
	enum degraded_cap cap;
	/* why prog and its twins were left out of the load (NULL: they were loaded) */
	const char *left_out;
};

#define PROBES_N_HOOKS 9

struct probes {
	struct vigil_bpf *skel;
	struct ring_buffer *rb;
	probes_event_fn fn;
	void *data;
	uint64_t bad_records;
	bool ipvs;             /* the ip_vs programs are loaded (the module has BTF) */
	unsigned int disabled; /* DISABLE_* */
	unsigned int muted;    /* enum vigil_mute */
	struct probes_hook hooks[PROBES_N_HOOKS];
	struct degraded degraded;
	char attached[512];
	size_t attached_len; /* of attached without the sockops program */
	/* the socket iterators of sockreset.c: which are loaded, and why not the others */
	bool reset_report;             /* reset_*_report: they report stalled sockets */
	bool reset_destroy;            /* reset_*_destroy: they destroy them too */
	const char *reset_why;         /* why not reset_report (NULL: loaded) */
	const char *reset_destroy_why; /* why not reset_destroy (NULL: loaded) */
};

/* probes_features.c: what the kernel offers, found before loading. */
struct probes_features {
	struct btf *vmlinux;
	struct btf *ip_vs;    /* NULL: the module is not loaded, or has no BTF */
	const char *ipvs_why; /* why ip_vs is NULL */
	bool tracing;         /* BPF_PROG_TYPE_TRACING programs load: tp_btf, fentry, fexit */
	bool sock_destroy;    /* the kernel has the bpf_sock_destroy() kfunc */
};

/* 0, or -errno with every capability missing in D (no kernel BTF to read). */
int probes_features_find(struct probes_features *f, struct degraded *d);
void probes_features_free(struct probes_features *f);
/*
 * Why the program of SECTION ("fentry/tcp_connect", "iter/tcp") cannot load
 * on this kernel, in words; NULL when nothing says it cannot.
 */
const char *probes_features_lack(const struct probes_features *f, const char *section);

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
