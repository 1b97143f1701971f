// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mechanism of the resets: which one works here, the targets in the
 * kernel, and a sweep that runs the socket iterators and destroys what they
 * report (or hears what they destroyed).
 */
#include "sockreset.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <netinet/in.h>

#include "probes_private.h"
#include "sockdiag.h"

struct sockreset {
	struct probes *p;
	unsigned int hz;
	enum sockreset_mechanism mechanism;
	char why[384];
	/* the iterators of the mechanism, attached: they find the sockets */
	struct bpf_link *tcp, *udp;
	struct sockdiag diag; /* inet_diag: the sockets' destroyer */
	size_t targets;
};

static const char *const names[] = {
	[SOCKRESET_NONE] = "none",
	[SOCKRESET_BPF_DESTROY] = "bpf_sock_destroy",
	[SOCKRESET_INET_DIAG] = "inet_diag",
};

const char *sockreset_mechanism_name(enum sockreset_mechanism m)
{
	return (size_t)m < sizeof(names) / sizeof(names[0]) ? names[m] : "none";
}

static bool mechanism_of(const char *name, enum sockreset_mechanism *ret)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i])) {
			*ret = i;
			return true;
		}
	return false;
}

/* Adds "MECHANISM: cause" to why, "; " between two. */
static void __attribute__((format(printf, 3, 4)))
why(struct sockreset *r, enum sockreset_mechanism m, const char *fmt, ...)
{
	size_t len = strlen(r->why);
	va_list ap;

	if (len >= sizeof(r->why) - 1)
		return;
	snprintf(r->why + len, sizeof(r->why) - len, "%s%s: ", len ? "; " : "",
		 sockreset_mechanism_name(m));
	len = strlen(r->why);
	va_start(ap, fmt);
	vsnprintf(r->why + len, sizeof(r->why) - len, fmt, ap);
	va_end(ap);
}

static void detach(struct sockreset *r)
{
	bpf_link__destroy(r->tcp);
	bpf_link__destroy(r->udp);
	r->tcp = r->udp = NULL;
}

/* Attaches the iterators TCP and UDP for mechanism M; 0, or -errno said in why. */
static int attach_iterators(struct sockreset *r, enum sockreset_mechanism m,
			    struct bpf_program *tcp, struct bpf_program *udp)
{
	struct bpf_program *failed = tcp;
	char text[128];
	int e;

	r->tcp = bpf_program__attach_iter(tcp, NULL);
	if (r->tcp) {
		failed = udp;
		r->udp = bpf_program__attach_iter(udp, NULL);
		if (r->udp)
			return 0;
	}
	e = -errno;
	why(r, m, "cannot attach %s (%s): %s", bpf_program__section_name(failed),
	    bpf_program__name(failed), probes_cause(e, text, sizeof(text)));
	detach(r);
	return e;
}

static int try_bpf_destroy(struct sockreset *r)
{
	struct vigil_bpf *s;

	if (!r->p || !r->p->reset_destroy) {
		why(r, SOCKRESET_BPF_DESTROY, "%s",
		    r->p ? r->p->reset_destroy_why : "the BPF programs are not loaded");
		return -EOPNOTSUPP;
	}
	s = r->p->skel;
	return attach_iterators(r, SOCKRESET_BPF_DESTROY, s->progs.reset_tcp_destroy,
				s->progs.reset_udp_destroy);
}

/* Whether SOCK_DESTROY works for PROTOCOL; why not in why. */
static int probe_diag(struct sockreset *r, uint8_t protocol)
{
	const char *cause = NULL, *what = protocol == IPPROTO_TCP ? "TCP" : "UDP";
	int e = sockdiag_probe(&r->diag, protocol, &cause);
	char text[128];

	probes_cause(e, text, sizeof(text));
	if (e && cause)
		why(r, SOCKRESET_INET_DIAG, "SOCK_DESTROY of %s sockets: %s: %s", what, text,
		    cause);
	else if (e)
		why(r, SOCKRESET_INET_DIAG, "SOCK_DESTROY of %s sockets: %s", what, text);
	return e;
}

static int try_inet_diag(struct sockreset *r)
{
	struct vigil_bpf *s;
	int e;

	if (!r->p || !r->p->reset_report) {
		why(r, SOCKRESET_INET_DIAG, "no socket iterators to find the sockets: %s",
		    r->p ? r->p->reset_why : "the BPF programs are not loaded");
		return -EOPNOTSUPP;
	}
	e = sockdiag_open(&r->diag);
	if (e) {
		why(r, SOCKRESET_INET_DIAG, "cannot open a NETLINK_SOCK_DIAG socket: %s",
		    probes_strerror(e));
		return e;
	}
	e = probe_diag(r, IPPROTO_TCP);
	if (!e)
		e = probe_diag(r, IPPROTO_UDP);
	if (!e) {
		s = r->p->skel;
		e = attach_iterators(r, SOCKRESET_INET_DIAG, s->progs.reset_tcp_report,
				     s->progs.reset_udp_report);
	}
	if (e)
		sockdiag_close(&r->diag);
	return e;
}

struct sockreset *sockreset_new(struct probes *p, unsigned int hz, const char *force)
{
	struct sockreset *r = calloc(1, sizeof(*r));
	enum sockreset_mechanism m = SOCKRESET_NONE;

	if (!r)
		return NULL;
	r->p = p;
	r->hz = hz;
	r->diag.fd = -1;
	if (force && *force && !mechanism_of(force, &m)) {
		snprintf(r->why, sizeof(r->why),
			 "unknown mechanism \"%s\" asked for (bpf_sock_destroy, inet_diag, none)",
			 force);
		return r;
	}
	if (force && *force && m == SOCKRESET_NONE) {
		snprintf(r->why, sizeof(r->why), "none asked for");
		return r;
	}
	if (!(force && *force) || m == SOCKRESET_BPF_DESTROY) {
		if (!try_bpf_destroy(r)) {
			r->mechanism = SOCKRESET_BPF_DESTROY;
			return r;
		}
		if (force && *force)
			return r;
	} else {
		why(r, SOCKRESET_BPF_DESTROY, "not asked for (%s)", force);
	}
	if (!try_inet_diag(r))
		r->mechanism = SOCKRESET_INET_DIAG;
	return r;
}

enum sockreset_mechanism sockreset_mechanism(const struct sockreset *r)
{
	return r->mechanism;
}

const char *sockreset_why(const struct sockreset *r)
{
	return r->why;
}

static void clear_targets(struct sockreset *r)
{
	int fd = bpf_map__fd(r->p->skel->maps.reset_targets);
	struct vigil_reset_target key;

	/* the map is only read by the sweeps, which run in this thread */
	while (!bpf_map_get_next_key(fd, NULL, &key))
		if (bpf_map_delete_elem(fd, &key) < 0)
			break;
	r->targets = 0;
}

int sockreset_set_targets(struct sockreset *r, const struct sockreset_target *t, size_t n)
{
	int fd;
	size_t i;

	if (!r->p)
		return n ? -EOPNOTSUPP : 0;
	clear_targets(r);
	fd = bpf_map__fd(r->p->skel->maps.reset_targets);
	for (i = 0; i < n && i < VIGIL_MAX_RESET_TARGETS; i++) {
		struct vigil_reset_target key;
		uint8_t one = 1;

		memset(&key, 0, sizeof(key));
		key.addr = t[i].real.addr;
		key.port = t[i].real.port;
		key.family = t[i].real.family;
		key.protocol = t[i].protocol;
		if (bpf_map_update_elem(fd, &key, &one, BPF_ANY) < 0) {
			int e = -errno;

			clear_targets(r);
			return e;
		}
	}
	r->targets = i;
	return n > i ? -E2BIG : 0;
}

struct sweep {
	sockreset_fn fn;
	void *data;
	int reset;
	unsigned int diag_sent;
};

/* One socket an iterator found: destroyed already, or to destroy now. */
static void on_record(struct sockreset *r, struct sweep *w, const struct vigil_reset_record *rec)
{
	struct sockreset_result res;

	memset(&res, 0, sizeof(res));
	res.flow = rec->flow;
	res.real = rec->real;
	if (rec->flow.protocol == IPPROTO_TCP)
		res.stalled_ns = r->hz ? (uint64_t)rec->stalled_jiffies * 1000000000u / r->hz : 0;
	else
		res.stalled_ns = rec->stalled_ns;
	if (r->mechanism == SOCKRESET_BPF_DESTROY) {
		res.error = rec->error;
	} else {
		if (w->diag_sent >= SOCKRESET_MAX_DIAG_PER_SWEEP)
			return; /* still stalled at the next sweep */
		w->diag_sent++;
		res.error = sockdiag_destroy(&r->diag, &rec->flow, rec->cookie);
	}
	if (!res.error)
		w->reset++;
	if (w->fn)
		w->fn(&res, w->data);
}

/* Runs the iterator of LINK once, to its end. */
static int run_iterator(struct sockreset *r, struct sweep *w, struct bpf_link *link)
{
	/* whole records: the iterator writes one at a time and read() stops past the size asked */
	char buf[sizeof(struct vigil_reset_record) * 64];
	size_t have = 0;
	int fd, e = 0;

	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - have);
		size_t off = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = -errno;
			break;
		}
		if (n == 0)
			break;
		have += n;
		for (; have - off >= sizeof(struct vigil_reset_record);
		     off += sizeof(struct vigil_reset_record)) {
			struct vigil_reset_record rec;

			memcpy(&rec, buf + off, sizeof(rec));
			on_record(r, w, &rec);
		}
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	close(fd);
	return e;
}

int sockreset_sweep(struct sockreset *r, sockreset_fn fn, void *data)
{
	struct sweep w = { .fn = fn, .data = data };
	int e;

	if (r->mechanism == SOCKRESET_NONE || !r->targets)
		return 0;
	e = run_iterator(r, &w, r->tcp);
	if (!e)
		e = run_iterator(r, &w, r->udp);
	return e ? e : w.reset;
}

void sockreset_free(struct sockreset *r)
{
	if (!r)
		return;
	detach(r);
	sockdiag_close(&r->diag);
	free(r);
}
