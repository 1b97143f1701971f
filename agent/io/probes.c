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

/*
 * Both ip_vs_conn_new programs read struct ip_vs_conn through CO-RE, so
 * without the module's BTF neither fexit nor kretprobe can load: say so
 * for both and load the rest, to learn what still works.
 */
static bool check_ipvs(struct degraded_status *c)
{
	const char *why = NULL;

	if (access("/sys/module/ip_vs", F_OK) < 0)
		why = "the kernel module ip_vs is not loaded (modprobe ip_vs)";
	else if (access("/sys/kernel/btf/ip_vs", R_OK) < 0)
		why = "no BTF for module ip_vs: /sys/kernel/btf/ip_vs is missing (vigil needs "
		      "CONFIG_DEBUG_INFO_BTF_MODULES=y)";
	if (!why)
		return true;
	c->state = DEGRADED_MISSING;
	degraded_why(c, "fexit/ip_vs_conn_new, kretprobe/ip_vs_conn_new: %s", why);
	return false;
}

/*
 * Opens, configures and loads the object. With trampolines false the fentry
 * and fexit programs are left out, for kernels that cannot load them; their
 * kprobe twins are always loaded so that attach can fall back to them.
 */
static int load(struct probes *p, const struct probes_opts *opts, bool trampolines)
{
	uint32_t ringbuf_bytes =
	    opts->ringbuf_bytes ? opts->ringbuf_bytes : PROBES_DEFAULT_RINGBUF_BYTES;
	struct vigil_bpf *skel;
	int r;

	skel = vigil_bpf__open();
	if (!skel)
		return -errno;
	skel->rodata->trace_all = opts->trace_all;
	skel->rodata->netns_ino = opts->netns_ino;
	skel->rodata->muted = p->muted;
	/* a quarter full: room for four drain intervals' worth before it overflows */
	skel->rodata->wakeup_bytes = ringbuf_bytes / 4;
	r = bpf_map__set_max_entries(skel->maps.events, ringbuf_bytes);
	if (!r)
		r = bpf_map__set_max_entries(
		    skel->maps.flows, opts->max_flows ? opts->max_flows : PROBES_DEFAULT_MAX_FLOWS);
	if (!r && !trampolines) {
		bpf_program__set_autoload(skel->progs.tcp_connect_fentry, false);
		bpf_program__set_autoload(skel->progs.ip_vs_conn_new_fexit, false);
		bpf_program__set_autoload(skel->progs.ip_vs_conn_new_fexit_irq, false);
		bpf_program__set_autoload(skel->progs.ip_vs_conn_new_fexit_backup, false);
	}
	if (!r && !p->error_report) {
		bpf_program__set_autoload(skel->progs.inet_sk_error_report, false);
		bpf_program__set_autoload(skel->progs.inet_sk_error_report_irq, false);
		bpf_program__set_autoload(skel->progs.inet_sk_error_report_backup, false);
	}
	if (!r && !opts->sockops)
		bpf_program__set_autoload(skel->progs.tcp_health, false);
	if (!r && !p->ipvs) {
		bpf_program__set_autoload(skel->progs.ip_vs_conn_new_fexit, false);
		bpf_program__set_autoload(skel->progs.ip_vs_conn_new_fexit_irq, false);
		bpf_program__set_autoload(skel->progs.ip_vs_conn_new_fexit_backup, false);
		bpf_program__set_autoload(skel->progs.ip_vs_conn_new_kretprobe, false);
	}
	if (!r)
		r = vigil_bpf__load(skel);
	if (r) {
		vigil_bpf__destroy(skel);
		return r;
	}
	p->skel = skel;
	return 0;
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

/*
 * A hook: the program to attach, with its interrupt-context twins when it has
 * them (see vigil.bpf.c), and a kprobe to fall back to when the kernel cannot
 * attach the first.
 */
struct hook {
	struct bpf_program *prog, *irq, *backup, *fallback;
	struct bpf_link **link, **irq_link, **backup_link, **fallback_link;
	/*
	 * Trampolines (fentry/fexit) run the program attached last first;
	 * tracepoints, the one attached first. The irq program must run
	 * before its backup.
	 */
	bool last_runs_first;
	/* left out, not loaded, where the kernel lacks the hook */
	bool optional;
	enum degraded_cap cap;
};

static int attach_prog(const struct probes *p, struct bpf_program *prog, struct bpf_link **link)
{
	if (probes_aid_fails(p, prog))
		return -EOPNOTSUPP; /* as a kernel without the hook would */
	*link = bpf_program__attach(prog);
	return *link ? 0 : -errno;
}

static int attach_twins(const struct probes *p, const struct hook *h,
			struct bpf_program **ret_failed)
{
	int r;

	if (!h->irq)
		return 0;
	if (h->last_runs_first) {
		*ret_failed = h->backup;
		r = attach_prog(p, h->backup, h->backup_link);
		if (!r) {
			*ret_failed = h->irq;
			r = attach_prog(p, h->irq, h->irq_link);
		}
	} else {
		*ret_failed = h->irq;
		r = attach_prog(p, h->irq, h->irq_link);
		if (!r) {
			*ret_failed = h->backup;
			r = attach_prog(p, h->backup, h->backup_link);
		}
	}
	return r;
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
static int attach(struct probes *p, const struct hook *h)
{
	struct degraded_status *c = &p->degraded.caps[h->cap];
	struct bpf_program *failed = h->prog;
	char text[128];
	int r = -ENOENT;

	if (h->optional && !bpf_program__autoload(h->prog))
		return 0;
	if (bpf_program__autoload(h->prog)) {
		r = attach_prog(p, h->prog, h->link);
		if (!r)
			r = attach_twins(p, h, &failed);
		if (!r) {
			note_attached(p, c, h->prog);
			return 0;
		}
		detach(h->link);
		detach(h->irq_link);
		detach(h->backup_link);
		note_failed(p, c, failed, r);
		if (!h->fallback)
			goto fail;
		log_info("cannot attach %s (%s), using %s", bpf_program__section_name(failed),
			 probes_strerror(r), bpf_program__section_name(h->fallback));
	} else if (p->trampolines_err) {
		degraded_why(c, "%s: not loaded (%s)", bpf_program__section_name(h->prog),
			     probes_cause(p->trampolines_err, text, sizeof(text)));
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

#define HOOK(s, name)                                                                              \
	.prog = (s)->progs.name, .irq = (s)->progs.name##_irq, .backup = (s)->progs.name##_backup, \
	.link = &(s)->links.name, .irq_link = &(s)->links.name##_irq,                              \
	.backup_link = &(s)->links.name##_backup

/*
 * Every hook, failures or not, so that status can say all that is missing;
 * the first error, or 0 when both the events and the real destination work.
 */
static int attach_all(struct probes *p)
{
	struct vigil_bpf *s = p->skel;
	const struct hook hooks[] = {
		{ .prog = s->progs.tcp_connect_fentry,
		  .link = &s->links.tcp_connect_fentry,
		  .fallback = s->progs.tcp_connect_kprobe,
		  .fallback_link = &s->links.tcp_connect_kprobe },
		{ HOOK(s, inet_sock_set_state) },
		{ HOOK(s, tcp_retransmit_skb) },
		{ HOOK(s, tcp_receive_reset) },
		{ HOOK(s, inet_sk_error_report), .optional = true },
		/* fexit needs trampolines for seven arguments: x86 has them since 6.6 */
		{ HOOK(s, ip_vs_conn_new_fexit), .last_runs_first = true,
		  .fallback = s->progs.ip_vs_conn_new_kretprobe,
		  .fallback_link = &s->links.ip_vs_conn_new_kretprobe,
		  .cap = DEGRADED_CORRELATION },
	};
	struct degraded_status *events = &p->degraded.caps[DEGRADED_EVENTS],
			       *real = &p->degraded.caps[DEGRADED_CORRELATION];
	size_t i;
	int r, first = 0;

	for (i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		if (hooks[i].cap == DEGRADED_CORRELATION && !p->ipvs)
			continue; /* check_ipvs() said why */
		r = attach(p, &hooks[i]);
		if (r) {
			p->degraded.caps[hooks[i].cap].state = DEGRADED_MISSING;
			if (!first)
				first = r;
		}
	}
	if (!p->ipvs && !first)
		first = -EOPNOTSUPP;
	/* without the real destination the events cannot be attributed */
	if (events->state == DEGRADED_ATTACHED && real->state == DEGRADED_MISSING)
		events->state = DEGRADED_UNUSED;
	if (real->state == DEGRADED_ATTACHED && events->state == DEGRADED_MISSING)
		real->state = DEGRADED_UNUSED;
	return first;
}

/* Health metrics not asked for are off, whatever else failed. */
static void health_asked(struct degraded *d, const struct probes_opts *opts)
{
	if (opts->sockops)
		return;
	memset(&d->caps[DEGRADED_HEALTH], 0, sizeof(d->caps[DEGRADED_HEALTH]));
	d->caps[DEGRADED_HEALTH].state = DEGRADED_OFF;
}

int probes_open(const struct probes_opts *opts, probes_event_fn fn, void *data, struct probes **ret,
		struct degraded *ret_degraded)
{
	struct degraded unused;
	const char *env = getenv(PROBES_DISABLE_ENV), *mute = getenv(PROBES_MUTE_ENV);
	char text[128];
	struct probes *p;
	int r;

	if (!ret_degraded)
		ret_degraded = &unused;
	memset(ret_degraded, 0, sizeof(*ret_degraded));
	if (!opts->sockops)
		ret_degraded->caps[DEGRADED_HEALTH].state = DEGRADED_OFF;
	r = check_kernel(ret_degraded);
	if (r) {
		health_asked(ret_degraded, opts);
		return r;
	}
	libbpf_set_print(probes_libbpf_print);
	p = calloc(1, sizeof(*p));
	if (!p) {
		degraded_all_missing(ret_degraded, "%s", probes_cause(-ENOMEM, text, sizeof(text)));
		return -ENOMEM;
	}
	p->fn = fn;
	p->data = data;
	p->degraded = *ret_degraded;
	p->disabled = env && *env ? probes_aid_disabled(env) : 0;
	p->muted = mute && *mute ? probes_aid_muted(mute) : 0;
	p->ipvs = check_ipvs(&p->degraded.caps[DEGRADED_CORRELATION]);
	/*
	 * Tracepoint sock:inet_sk_error_report came with "net: sock: add
	 * trace for socket errors" (v5.14); older kernels go without UDP
	 * error events rather than without vigil.
	 */
	p->error_report = libbpf_find_vmlinux_btf_id("inet_sk_error_report", BPF_TRACE_RAW_TP) >= 0;
	if (!p->error_report)
		log_info("the kernel has no tracepoint sock:inet_sk_error_report: errors on "
			 "connected UDP sockets go unreported");

	r = load(p, opts, true);
	if (r && r != -EPERM) {
		log_info("loading with fentry/fexit failed (%s), retrying with kprobes",
			 probes_strerror(r));
		p->trampolines_err = r;
		r = load(p, opts, false);
	}
	if (r) {
		if (r == -EPERM)
			degraded_all_missing(&p->degraded,
					     "the kernel refused to load BPF programs: %s (vigild "
					     "needs root: CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN)",
					     probes_cause(r, text, sizeof(text)));
		else
			degraded_all_missing(&p->degraded, "cannot load the BPF programs: %s",
					     probes_cause(r, text, sizeof(text)));
		health_asked(&p->degraded, opts);
		probes_libbpf_dump();
		goto fail;
	}
	r = attach_all(p);
	/* health weighting is worth having without the rest, not alone */
	if (!r && opts->sockops)
		probes_sockops_attach(p);
	else if (opts->sockops) {
		p->degraded.caps[DEGRADED_HEALTH].state = DEGRADED_MISSING;
		degraded_why(&p->degraded.caps[DEGRADED_HEALTH],
			     "sockops: not attached without the connection probes");
	}
	if (r)
		goto fail;
	r = probes_ring_buffer_open(p);
	if (r) {
		p->degraded.caps[DEGRADED_EVENTS].state = DEGRADED_MISSING;
		degraded_why(&p->degraded.caps[DEGRADED_EVENTS], "ring buffer: %s",
			     probes_cause(r, text, sizeof(text)));
		goto fail;
	}
	probes_libbpf_forget();
	*ret_degraded = p->degraded;
	*ret = p;
	return 0;
fail:
	/* nothing watched: what attached is of no use and is detached */
	*ret_degraded = p->degraded;
	probes_free(p);
	return r;
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
