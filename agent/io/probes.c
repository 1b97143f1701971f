// SPDX-License-Identifier: GPL-2.0-only
/*
 * The loader: opens the object, chooses its programs, loads it, attaches
 * each hook (or its fallback) and opens the ring buffer, saying per
 * capability how each is attached or why not.
 */
#include "probes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "probes_private.h"

/*
 * What each failed step means for which capability, written into the
 * degraded report as it happens; probes_open() stays one line per step.
 */

/* Nothing attached yet; health metrics off unless asked for. */
static void note_start(struct degraded *d, const struct probes_opts *opts)
{
	memset(d, 0, sizeof(*d));
	if (!opts->sockops)
		d->caps[DEGRADED_HEALTH].state = DEGRADED_OFF;
}

/* Nothing can be done without memory for the handle. */
static int note_out_of_memory(struct degraded *d, const struct probes_opts *opts)
{
	char text[128];

	if (d) {
		note_start(d, opts);
		degraded_all_missing(d, "%s", probes_cause(-ENOMEM, text, sizeof(text)));
	}
	return -ENOMEM;
}

/* Health metrics not asked for are off, whatever else failed. */
static void note_health_asked(struct degraded *d, const struct probes_opts *opts)
{
	if (opts->sockops)
		return;
	memset(&d->caps[DEGRADED_HEALTH], 0, sizeof(d->caps[DEGRADED_HEALTH]));
	d->caps[DEGRADED_HEALTH].state = DEGRADED_OFF;
}

/* The object did not open or load: nothing can be attached. */
static void note_load_failed(struct degraded *d, int r)
{
	char text[128];

	if (r == -EPERM)
		degraded_all_missing(
		    d,
		    "the kernel refused to load BPF programs: %s (vigild needs root: "
		    "CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN)",
		    probes_cause(r, text, sizeof(text)));
	else
		degraded_all_missing(d, "cannot load the BPF programs: %s",
				     probes_cause(r, text, sizeof(text)));
	probes_libbpf_dump();
}

/* Without ip_vs's BTF neither ip_vs_conn_new program loads: both say why. */
static void note_ipvs_missing(struct degraded *d, const char *why)
{
	struct degraded_status *c = &d->caps[DEGRADED_CORRELATION];

	c->state = DEGRADED_MISSING;
	degraded_why(c, "fexit/ip_vs_conn_new, kretprobe/ip_vs_conn_new: %s", why);
}

static void note_attached(struct probes *p, struct degraded_status *c,
			  const struct bpf_program *prog)
{
	size_t len = strlen(p->attached);

	snprintf(p->attached + len, sizeof(p->attached) - len, "%s%s", len ? " " : "",
		 bpf_program__section_name(prog));
	degraded_how(c, bpf_program__section_name(prog));
}

/* "fexit/ip_vs_conn_new: kprobes disabled (EOPNOTSUPP)" into the capability's why. */
static void note_failed(const struct probes *p, struct degraded_status *c,
			const struct bpf_program *prog, int r)
{
	char text[128];

	if (probes_aid_fails(p, prog))
		degraded_why(c, "%s: disabled by %s", bpf_program__section_name(prog),
			     PROBES_DISABLE_ENV);
	else
		degraded_why(c, "%s: %s", bpf_program__section_name(prog),
			     probes_cause(r, text, sizeof(text)));
}

/* Events without the real destination cannot be attributed, nor it used without them. */
static void note_unattributable(struct degraded *d)
{
	struct degraded_status *events = &d->caps[DEGRADED_EVENTS],
			       *real = &d->caps[DEGRADED_CORRELATION];

	if (events->state == DEGRADED_ATTACHED && real->state == DEGRADED_MISSING)
		events->state = DEGRADED_UNUSED;
	if (real->state == DEGRADED_ATTACHED && events->state == DEGRADED_MISSING)
		real->state = DEGRADED_UNUSED;
}

/* Health weighting is worth having with the rest, not alone. */
static void note_health_without_events(struct degraded *d)
{
	d->caps[DEGRADED_HEALTH].state = DEGRADED_MISSING;
	degraded_why(&d->caps[DEGRADED_HEALTH],
		     "sockops: not attached without the connection probes");
}

static void note_ring_buffer_failed(struct degraded *d, int r)
{
	char text[128];

	d->caps[DEGRADED_EVENTS].state = DEGRADED_MISSING;
	degraded_why(&d->caps[DEGRADED_EVENTS], "ring buffer: %s",
		     probes_cause(r, text, sizeof(text)));
}

/* What stops every program from loading; the cause in D. */
static int check_kernel(struct degraded *d)
{
	if (geteuid() != 0) {
		degraded_all_missing(d, "loading BPF programs needs root (CAP_BPF, CAP_PERFMON, "
					"CAP_NET_ADMIN)");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) < 0) {
		degraded_all_missing(d, "the kernel has no BTF: /sys/kernel/btf/vmlinux is missing "
					"(vigil needs CONFIG_DEBUG_INFO_BTF=y)");
		return -EOPNOTSUPP;
	}
	return 0;
}

#define UDP_REPLIES_MISSING                                                                        \
	"the kernel cannot trace UDP sends and receives: silent UDP destinations go undetected, "  \
	"refusing ones are still found"

#define HOOK(s, name)                                                                              \
	.prog = (s)->progs.name, .irq = (s)->progs.name##_irq, .backup = (s)->progs.name##_backup, \
	.link = &(s)->links.name, .irq_link = &(s)->links.name##_irq,                              \
	.backup_link = &(s)->links.name##_backup

/* Each hook with its twins and its fallback, in the order they are attached. */
static void hooks_init(struct probes *p)
{
	struct vigil_bpf *s = p->skel;
	const struct probes_hook hooks[] = {
		{ .prog = s->progs.tcp_connect_fentry,
		  .link = &s->links.tcp_connect_fentry,
		  .backup = s->progs.tcp_connect_fentry_backup,
		  .backup_link = &s->links.tcp_connect_fentry_backup,
		  .last_runs_first = true,
		  .fallback = s->progs.tcp_connect_kprobe,
		  .fallback_link = &s->links.tcp_connect_kprobe },
		{ HOOK(s, inet_sock_set_state) },
		{ HOOK(s, tcp_retransmit_skb) },
		{ HOOK(s, tcp_receive_reset) },
		/*
		 * Tracepoint sock:inet_sk_error_report came with "net: sock: add
		 * trace for socket errors" (v5.14); older kernels go without UDP
		 * error events rather than without vigil.
		 */
		{ HOOK(s, inet_sk_error_report),
		  .optional = "the kernel has no tracepoint sock:inet_sk_error_report: errors on "
			      "connected UDP sockets go unreported" },
		/* the requests and replies of UDP flows, for silent UDP destinations */
		{ .prog = s->progs.udp_sendmsg_fentry,
		  .link = &s->links.udp_sendmsg_fentry,
		  .backup = s->progs.udp_sendmsg_fentry_backup,
		  .backup_link = &s->links.udp_sendmsg_fentry_backup,
		  .last_runs_first = true,
		  .fallback = s->progs.udp_sendmsg_kprobe,
		  .fallback_link = &s->links.udp_sendmsg_kprobe,
		  .optional = UDP_REPLIES_MISSING },
		{ .prog = s->progs.udpv6_sendmsg_fentry,
		  .link = &s->links.udpv6_sendmsg_fentry,
		  .backup = s->progs.udpv6_sendmsg_fentry_backup,
		  .backup_link = &s->links.udpv6_sendmsg_fentry_backup,
		  .last_runs_first = true,
		  .fallback = s->progs.udpv6_sendmsg_kprobe,
		  .fallback_link = &s->links.udpv6_sendmsg_kprobe,
		  .optional = UDP_REPLIES_MISSING },
		{ .prog = s->progs.udp_enqueue_fentry,
		  .link = &s->links.udp_enqueue_fentry,
		  .fallback = s->progs.udp_enqueue_kprobe,
		  .fallback_link = &s->links.udp_enqueue_kprobe,
		  .optional = UDP_REPLIES_MISSING },
		/* fexit needs trampolines for seven arguments: x86 has them since 6.6 */
		{ HOOK(s, ip_vs_conn_new_fexit), .last_runs_first = true,
		  .fallback = s->progs.ip_vs_conn_new_kretprobe,
		  .fallback_link = &s->links.ip_vs_conn_new_kretprobe,
		  .cap = DEGRADED_CORRELATION },
	};

	_Static_assert(sizeof(hooks) == sizeof(p->hooks), "PROBES_N_HOOKS");
	memcpy(p->hooks, hooks, sizeof(hooks));
}

/* Opens the object and sets what is fixed at load time. */
static int open_object(struct probes *p, const struct probes_opts *opts)
{
	const char *env = getenv(PROBES_DISABLE_ENV), *mute = getenv(PROBES_MUTE_ENV);
	uint32_t ringbuf_bytes =
	    opts->ringbuf_bytes ? opts->ringbuf_bytes : PROBES_DEFAULT_RINGBUF_BYTES;
	uint32_t max_flows = opts->max_flows ? opts->max_flows : PROBES_DEFAULT_MAX_FLOWS;
	int r;

	libbpf_set_print(probes_libbpf_print);
	p->disabled = env && *env ? probes_aid_disabled(env) : 0;
	p->muted = mute && *mute ? probes_aid_muted(mute) : 0;
	p->skel = vigil_bpf__open();
	if (!p->skel) {
		r = -errno;
		note_load_failed(&p->degraded, r);
		return r;
	}
	hooks_init(p);
	p->skel->rodata->trace_all = opts->trace_all;
	p->skel->rodata->netns_ino = opts->netns_ino;
	p->skel->rodata->muted = p->muted;
	/* a quarter full: room for four drain intervals' worth before it overflows */
	p->skel->rodata->wakeup_bytes = ringbuf_bytes / 4;
	r = bpf_map__set_max_entries(p->skel->maps.events, ringbuf_bytes);
	if (!r)
		r = bpf_map__set_max_entries(p->skel->maps.flows, max_flows);
	if (!r)
		r = bpf_map__set_max_entries(p->skel->maps.udp_flows, max_flows);
	if (r)
		note_load_failed(&p->degraded, r);
	return r;
}

/* A hook's program and its twins, to be loaded or not. */
static void hook_autoload(const struct probes_hook *h, bool load)
{
	bpf_program__set_autoload(h->prog, load);
	if (h->irq)
		bpf_program__set_autoload(h->irq, load);
	if (h->backup)
		bpf_program__set_autoload(h->backup, load);
}

/*
 * The socket iterators of sockreset.c: the ones that only report wherever
 * the kernel has the iterators, and the ones that destroy too where it has
 * bpf_sock_destroy() (both then, so that either mechanism can be chosen).
 */
static void choose_iterators(struct probes *p, const struct probes_features *f)
{
	struct vigil_bpf *s = p->skel;

	p->reset_why = probes_features_lack(f, "iter/tcp");
	if (!p->reset_why)
		p->reset_why = probes_features_lack(f, "iter/udp");
	p->reset_report = !p->reset_why;
	if (!p->reset_report)
		p->reset_destroy_why = p->reset_why;
	else if (!f->sock_destroy)
		p->reset_destroy_why =
		    "the kernel has no bpf_sock_destroy() kfunc (v6.5 and later)";
	p->reset_destroy = !p->reset_destroy_why;
	bpf_program__set_autoload(s->progs.reset_tcp_report, p->reset_report);
	bpf_program__set_autoload(s->progs.reset_udp_report, p->reset_report);
	bpf_program__set_autoload(s->progs.reset_tcp_destroy, p->reset_destroy);
	bpf_program__set_autoload(s->progs.reset_udp_destroy, p->reset_destroy);
}

/*
 * Leaves out of the load what the kernel cannot load (its fallback stays in)
 * and what was not asked for.
 */
static void choose_programs(struct probes *p, const struct probes_features *f,
			    const struct probes_opts *opts)
{
	size_t i;

	p->ipvs = f->ip_vs != NULL;
	if (!p->ipvs)
		note_ipvs_missing(&p->degraded, f->ipvs_why);
	for (i = 0; i < PROBES_N_HOOKS; i++) {
		struct probes_hook *h = &p->hooks[i];

		if (h->cap == DEGRADED_CORRELATION && !p->ipvs) {
			hook_autoload(h, false);
			bpf_program__set_autoload(h->fallback, false);
			continue;
		}
		h->left_out = probes_features_lack(f, bpf_program__section_name(h->prog));
		if (!h->left_out)
			continue;
		hook_autoload(h, false);
		if (h->optional)
			log_info("%s", h->optional);
	}
	bpf_program__set_autoload(p->skel->progs.tcp_health, opts->sockops);
	choose_iterators(p, f);
}

static int load_object(struct probes *p)
{
	int r = vigil_bpf__load(p->skel);

	if (r)
		note_load_failed(&p->degraded, r);
	return r;
}

static int attach_prog(const struct probes *p, struct bpf_program *prog, struct bpf_link **link)
{
	if (probes_aid_fails(p, prog))
		return -EOPNOTSUPP; /* as a kernel without the hook would */
	*link = bpf_program__attach(prog);
	return *link ? 0 : -errno;
}

/*
 * A hook's programs, to run in the order task, irq, backup (see vigil.bpf.c):
 * attached in that order, or the reverse where the last attached runs first.
 * On failure, *RET_FAILED is the program that failed.
 */
static int attach_in_run_order(const struct probes *p, const struct probes_hook *h,
			       struct bpf_program **ret_failed)
{
	struct bpf_program *progs[] = { h->prog, h->irq, h->backup };
	struct bpf_link **links[] = { h->link, h->irq_link, h->backup_link };
	size_t i, n = sizeof(progs) / sizeof(progs[0]);
	int r;

	for (i = 0; i < n; i++) {
		size_t k = h->last_runs_first ? n - 1 - i : i;

		if (!progs[k])
			continue;
		r = attach_prog(p, progs[k], links[k]);
		if (r) {
			*ret_failed = progs[k];
			return r;
		}
	}
	return 0;
}

static void detach(struct bpf_link **link)
{
	if (link) {
		bpf_link__destroy(*link);
		*link = NULL;
	}
}

/*
 * Attaches a hook, or its fallback; either way the capability hears how,
 * and why the preferred program is not the one attached.
 */
static int attach(struct probes *p, const struct probes_hook *h)
{
	struct degraded_status *c = &p->degraded.caps[h->cap];
	struct bpf_program *failed = h->prog;
	int r = -EOPNOTSUPP;

	if (h->left_out && h->optional)
		return 0;
	if (h->left_out) {
		degraded_why(c, "%s: not loaded (%s)", bpf_program__section_name(h->prog),
			     h->left_out);
	} else {
		r = attach_in_run_order(p, h, &failed);
		if (!r) {
			note_attached(p, c, h->prog);
			return 0;
		}
		detach(h->link);
		detach(h->irq_link);
		detach(h->backup_link);
		note_failed(p, c, failed, r);
		if (h->fallback)
			log_info("cannot attach %s (%s), using %s",
				 bpf_program__section_name(failed), probes_strerror(r),
				 bpf_program__section_name(h->fallback));
	}
	if (!h->fallback)
		goto fail;
	r = attach_prog(p, h->fallback, h->fallback_link);
	if (!r) {
		note_attached(p, c, h->fallback);
		return 0;
	}
	failed = h->fallback;
	note_failed(p, c, failed, r);
fail:
	log_info("cannot attach BPF program %s: %s", bpf_program__section_name(failed),
		 probes_strerror(r));
	probes_libbpf_dump();
	return r;
}

/*
 * Every hook, failures or not, so that status can say all that is missing;
 * the first error, or 0 when both the events and the real destination work.
 */
static int attach_all(struct probes *p)
{
	size_t i;
	int r, first = 0;

	for (i = 0; i < PROBES_N_HOOKS; i++) {
		if (p->hooks[i].cap == DEGRADED_CORRELATION && !p->ipvs)
			continue; /* note_ipvs_missing() said why */
		r = attach(p, &p->hooks[i]);
		if (r) {
			p->degraded.caps[p->hooks[i].cap].state = DEGRADED_MISSING;
			if (!first)
				first = r;
		}
	}
	if (!p->ipvs && !first)
		first = -EOPNOTSUPP;
	note_unattributable(&p->degraded);
	return first;
}

/* The sockops program, if asked for, and only when the rest attached. */
static void attach_health(struct probes *p, const struct probes_opts *opts, int attached)
{
	if (!opts->sockops)
		return;
	if (attached == 0)
		probes_sockops_attach(p);
	else
		note_health_without_events(&p->degraded);
}

static int open_ring_buffer(struct probes *p)
{
	int r = probes_ring_buffer_open(p);

	if (r)
		note_ring_buffer_failed(&p->degraded, r);
	return r;
}

int probes_open(const struct probes_opts *opts, probes_event_fn fn, void *data, struct probes **ret,
		struct degraded *ret_degraded)
{
	struct probes_features features = { 0 };
	struct probes *p;
	int r;

	p = calloc(1, sizeof(*p));
	if (!p)
		return note_out_of_memory(ret_degraded, opts);
	p->fn = fn;
	p->data = data;
	note_start(&p->degraded, opts);
	r = check_kernel(&p->degraded); /* root, the kernel's BTF */
	if (r)
		goto cleanup;
	r = open_object(p, opts); /* the testing aids, load-time settings */
	if (r)
		goto cleanup;
	r = probes_features_find(&features, &p->degraded); /* before loading */
	if (r)
		goto cleanup;
	choose_programs(p, &features, opts); /* what the kernel cannot load is left out */
	r = load_object(p);                  /* once */
	if (r)
		goto cleanup;
	r = attach_all(p); /* each hook, else its fallback */
	attach_health(p, opts, r);
	if (r)
		goto cleanup;
	r = open_ring_buffer(p);
cleanup:
	probes_features_free(&features);
	note_health_asked(&p->degraded, opts);
	if (ret_degraded)
		*ret_degraded = p->degraded;
	if (r) {
		/* nothing watched: what attached is of no use and is detached */
		probes_free(p);
		return r;
	}
	probes_libbpf_forget();
	*ret = p;
	return 0;
}

void probes_free(struct probes *p)
{
	if (!p)
		return;
	ring_buffer__free(p->rb);
	vigil_bpf__destroy(p->skel);
	free(p);
}

int probes_ipvs_reattach(struct probes *p)
{
	struct bpf_link **link = &p->skel->links.ip_vs_conn_new_kretprobe;
	int r;

	if (!*link)
		return 0;
	detach(link);
	r = attach_prog(p, p->skel->progs.ip_vs_conn_new_kretprobe, link);
	return r < 0 ? r : 1;
}

const struct degraded *probes_degraded(const struct probes *p)
{
	return &p->degraded;
}
