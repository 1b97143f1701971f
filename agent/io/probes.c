// SPDX-License-Identifier: GPL-2.0-only
#include "probes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
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

/*
 * libbpf's messages (the verifier log among them) are kept, not printed, so
 * that a failed load can show the end of them and a good one stays quiet.
 * libbpf's print callback takes no context, hence the file-level buffer.
 */
static struct {
	char text[16384];
	size_t len;
} libbpf_log;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t room = sizeof(libbpf_log.text) - libbpf_log.len;
	int n;

	if (level == LIBBPF_DEBUG && log_get_max_level() < LOG_DEBUG)
		return 0;
	if (log_get_max_level() >= LOG_DEBUG) {
		/* through the log, so each line has its priority under journald */
		char *text = NULL;
		int len = vasprintf(&text, fmt, ap);

		if (len < 0)
			return len;
		log_text(level == LIBBPF_WARN   ? LOG_WARNING
			 : level == LIBBPF_INFO ? LOG_INFO
						: LOG_DEBUG,
			 text);
		free(text);
		return len;
	}
	if (room < 512) {
		/* keep the newer half: the end of a verifier log says why */
		memmove(libbpf_log.text, libbpf_log.text + sizeof(libbpf_log.text) / 2,
			sizeof(libbpf_log.text) / 2);
		libbpf_log.len -= sizeof(libbpf_log.text) / 2;
		room = sizeof(libbpf_log.text) - libbpf_log.len;
	}
	n = vsnprintf(libbpf_log.text + libbpf_log.len, room, fmt, ap);
	if (n > 0)
		libbpf_log.len += (size_t)n < room ? (size_t)n : room - 1;
	return n;
}

static void libbpf_log_dump(void)
{
	char *line, *save = NULL;

	for (line = strtok_r(libbpf_log.text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		log_error("libbpf: %s", line);
	libbpf_log.len = 0;
	libbpf_log.text[0] = '\0';
}

/* strerror() for what the BPF syscalls return, kernel-internal codes included. */
static const char *bpf_strerror(int r)
{
	if (r == -524) /* ENOTSUPP, which never reaches libc's table */
		return "not supported by this kernel";
	return strerror(-r);
}

/* "Operation not supported (EOPNOTSUPP)": the text, and the name to search for. */
static const char *cause_text(int r, char *buf, size_t size)
{
	const char *name = r == -524 ? "ENOTSUPP" : strerrorname_np(-r);

	snprintf(buf, size, "%s (%s)", bpf_strerror(r), name ? name : "?");
	return buf;
}

struct attachment_name {
	const char *name;
	unsigned int bit;
};

/* A testing aid's comma-separated list of attachments (ENV=LIST), as bits. */
static unsigned int parse_aid(const char *env, const char *list, const char *effect,
			      const struct attachment_name *names, size_t n_names)
{
	unsigned int bits = 0;
	char buf[256], expected[128] = "", *word, *save = NULL;
	size_t i, len = 0;

	for (i = 0; i < n_names; i++)
		len += snprintf(expected + len, sizeof(expected) - len, "%s%s", i ? ", " : "",
				names[i].name);
	snprintf(buf, sizeof(buf), "%s", list);
	for (word = strtok_r(buf, ", ", &save); word; word = strtok_r(NULL, ", ", &save)) {
		for (i = 0; i < n_names; i++)
			if (!strcmp(word, names[i].name))
				break;
		if (i == n_names)
			log_warning("%s: unknown attachment \"%s\" ignored (expected %s)", env,
				    word, expected);
		else
			bits |= names[i].bit;
	}
	if (bits)
		log_warning("%s=%s: %s (a testing aid)", env, list, effect);
	return bits;
}

static unsigned int parse_disabled(const char *list)
{
	static const struct attachment_name names[] = {
		{ "events", DISABLE_EVENTS },   { "ipvs", DISABLE_IPVS },
		{ "sockops", DISABLE_SOCKOPS }, { "trampolines", DISABLE_TRAMPOLINES },
		{ "kprobes", DISABLE_KPROBES },
	};

	return parse_aid(PROBES_DISABLE_ENV, list, "making these attachments fail on purpose",
			 names, sizeof(names) / sizeof(names[0]));
}

static unsigned int parse_muted(const char *list)
{
	static const struct attachment_name names[] = {
		{ "events", VIGIL_MUTE_EVENTS },
		{ "ipvs", VIGIL_MUTE_IPVS },
		{ "sockops", VIGIL_MUTE_SOCKOPS },
	};

	return parse_aid(PROBES_MUTE_ENV, list,
			 "these attachments attach but deliver nothing, on purpose", names,
			 sizeof(names) / sizeof(names[0]));
}

/* Whether VIGIL_DISABLE_PROBES makes this program's attachment fail. */
static bool disabled(const struct probes *p, const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);
	bool ipvs = strstr(sec, "ip_vs_") != NULL;

	if (!strncmp(sec, "fentry/", 7) || !strncmp(sec, "fexit/", 6))
		if (p->disabled & DISABLE_TRAMPOLINES)
			return true;
	if (!strncmp(sec, "kprobe/", 7) || !strncmp(sec, "kretprobe/", 10))
		if (p->disabled & DISABLE_KPROBES)
			return true;
	if (!strcmp(sec, "sockops"))
		return p->disabled & DISABLE_SOCKOPS;
	return p->disabled & (ipvs ? DISABLE_IPVS : DISABLE_EVENTS);
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

	if (disabled(p, prog))
		degraded_why(c, "%s: disabled by %s", bpf_program__section_name(prog),
			     PROBES_DISABLE_ENV);
	else
		degraded_why(c, "%s: %s", bpf_program__section_name(prog),
			     cause_text(r, text, sizeof(text)));
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
	if (disabled(p, prog))
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
			 bpf_strerror(r), bpf_program__section_name(h->fallback));
	} else if (p->trampolines_err) {
		degraded_why(c, "%s: not loaded (%s)", bpf_program__section_name(h->prog),
			     cause_text(p->trampolines_err, text, sizeof(text)));
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
		 bpf_strerror(r));
	libbpf_log_dump();
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

static bool is_cgroup2(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC;
}

/*
 * The root of the cgroup v2 hierarchy, opened: where systemd mounts it
 * (/sys/fs/cgroup in the unified layout, /sys/fs/cgroup/unified in the
 * hybrid one), else on a mount of our own, which stays for the next start.
 * The fd or -errno; *ret_path says where.
 */
static int open_cgroup2(struct degraded_status *c, const char **ret_path)
{
	static const char *const where[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified",
					     PROBES_CGROUP2_MOUNT };
	size_t i;
	int fd;

	for (i = 0; i < sizeof(where) / sizeof(where[0]); i++)
		if (is_cgroup2(where[i]))
			break;
	if (i == sizeof(where) / sizeof(where[0])) {
		i--;
		if ((mkdir("/run/vigil", 0755) < 0 && errno != EEXIST) ||
		    (mkdir(PROBES_CGROUP2_MOUNT, 0755) < 0 && errno != EEXIST) ||
		    mount("cgroup2", PROBES_CGROUP2_MOUNT, "cgroup2",
			  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
			int r = -errno;
			char text[128];

			log_info("the sockops program needs cgroup v2: neither /sys/fs/cgroup nor "
				 "/sys/fs/cgroup/unified is a cgroup2 mount, and mounting cgroup2 "
				 "on %s failed: %s",
				 PROBES_CGROUP2_MOUNT, strerror(-r));
			degraded_why(c,
				     "sockops: no cgroup v2 (neither /sys/fs/cgroup nor "
				     "/sys/fs/cgroup/unified is cgroup2, and mounting it on %s "
				     "failed: %s)",
				     PROBES_CGROUP2_MOUNT, cause_text(r, text, sizeof(text)));
			return r;
		}
		log_info("mounted fs=cgroup2 path=%s for=sockops", PROBES_CGROUP2_MOUNT);
	}
	fd = open(where[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int r = -errno;
		char text[128];

		log_info("cannot open the cgroup v2 root %s: %s", where[i], strerror(-r));
		degraded_why(c, "sockops: cannot open the cgroup v2 root %s: %s", where[i],
			     cause_text(r, text, sizeof(text)));
		return r;
	}
	*ret_path = where[i];
	return fd;
}

/*
 * The root cgroup, so that every socket of the machine is seen whatever
 * cgroup its process is in; the link keeps the cgroup, not the mount.
 */
static int attach_sockops(struct probes *p)
{
	struct degraded_status *c = &p->degraded.caps[DEGRADED_HEALTH];
	const char *path = NULL;
	char text[128];
	size_t len;
	int fd, r = 0;

	memset(c, 0, sizeof(*c));
	c->state = DEGRADED_MISSING;
	p->attached_len = strlen(p->attached);
	/* it finds the real destination in the map ip_vs_conn_new fills */
	if (p->degraded.caps[DEGRADED_CORRELATION].state == DEGRADED_MISSING) {
		degraded_why(c, "sockops: needs the real destination, which is missing");
		return -EOPNOTSUPP;
	}
	if (p->disabled & DISABLE_SOCKOPS) {
		degraded_why(c, "sockops: disabled by %s", PROBES_DISABLE_ENV);
		return -EOPNOTSUPP;
	}
	fd = open_cgroup2(c, &path);
	if (fd < 0)
		return fd;
	p->skel->links.tcp_health = bpf_program__attach_cgroup(p->skel->progs.tcp_health, fd);
	if (!p->skel->links.tcp_health) {
		r = -errno;
		log_info("cannot attach the sockops program to the cgroup v2 root %s: %s", path,
			 bpf_strerror(r));
		degraded_why(c, "sockops on %s: %s", path, cause_text(r, text, sizeof(text)));
		libbpf_log_dump();
	} else {
		len = strlen(p->attached);
		snprintf(p->attached + len, sizeof(p->attached) - len, " sockops:%s", path);
		c->state = DEGRADED_ATTACHED;
		snprintf(c->how, sizeof(c->how), "sockops:%s", path);
	}
	close(fd);
	return r;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct probes *p = ctx;
	struct vigil_event e;

	if (event_decode(data, size, &e) < 0) {
		p->bad_records++;
		return 0;
	}
	return p->fn(&e, p->data);
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
	libbpf_set_print(libbpf_print);
	p = calloc(1, sizeof(*p));
	if (!p) {
		degraded_all_missing(ret_degraded, "%s", cause_text(-ENOMEM, text, sizeof(text)));
		return -ENOMEM;
	}
	p->fn = fn;
	p->data = data;
	p->degraded = *ret_degraded;
	p->disabled = env && *env ? parse_disabled(env) : 0;
	p->muted = mute && *mute ? parse_muted(mute) : 0;
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
			 bpf_strerror(r));
		p->trampolines_err = r;
		r = load(p, opts, false);
	}
	if (r) {
		if (r == -EPERM)
			degraded_all_missing(&p->degraded,
					     "the kernel refused to load BPF programs: %s (vigild "
					     "needs root: CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN)",
					     cause_text(r, text, sizeof(text)));
		else
			degraded_all_missing(&p->degraded, "cannot load the BPF programs: %s",
					     cause_text(r, text, sizeof(text)));
		health_asked(&p->degraded, opts);
		libbpf_log_dump();
		goto fail;
	}
	r = attach_all(p);
	/* health weighting is worth having without the rest, not alone */
	if (!r && opts->sockops)
		attach_sockops(p);
	else if (opts->sockops) {
		p->degraded.caps[DEGRADED_HEALTH].state = DEGRADED_MISSING;
		degraded_why(&p->degraded.caps[DEGRADED_HEALTH],
			     "sockops: not attached without the connection probes");
	}
	if (r)
		goto fail;
	p->rb = ring_buffer__new(bpf_map__fd(p->skel->maps.events), on_record, p, NULL);
	if (!p->rb) {
		r = -errno;
		p->degraded.caps[DEGRADED_EVENTS].state = DEGRADED_MISSING;
		degraded_why(&p->degraded.caps[DEGRADED_EVENTS], "ring buffer: %s",
			     cause_text(r, text, sizeof(text)));
		goto fail;
	}
	libbpf_log.len = 0;
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

int probes_fd(const struct probes *p)
{
	return ring_buffer__epoll_fd(p->rb);
}

int probes_consume(struct probes *p)
{
	return ring_buffer__consume(p->rb);
}

int probes_counters(const struct probes *p, uint64_t ret[VIGIL_CTR_MAX])
{
	int fd = bpf_map__fd(p->skel->maps.counters);
	int cpus = libbpf_num_possible_cpus();
	uint64_t *values;
	uint32_t key;
	int i, r = 0;

	if (cpus < 0)
		return cpus;
	values = calloc(cpus, sizeof(*values));
	if (!values)
		return -ENOMEM;
	for (key = 0; key < VIGIL_CTR_MAX; key++) {
		ret[key] = 0;
		if (bpf_map_lookup_elem(fd, &key, values) < 0) {
			r = -errno;
			break;
		}
		for (i = 0; i < cpus; i++)
			ret[key] += values[i];
	}
	free(values);
	return r;
}

/*
 * A skipped run of a program that has interrupt-context twins lost nothing:
 * a twin took the hit (see vigil.bpf.c). Unless the programs cannot tell the
 * contexts apart; then the task programs act alone and their misses count.
 */
static bool miss_is_loss(const struct probes *p, const struct bpf_program *prog)
{
	const struct vigil_bpf *s = p->skel;
	/* the task programs of the hooks with interrupt-context twins */
	// clang-format off
	const struct bpf_program *task[] = {
		s->progs.inet_sock_set_state,
		s->progs.tcp_retransmit_skb,
		s->progs.tcp_receive_reset,
		s->progs.inet_sk_error_report,
		s->progs.ip_vs_conn_new_fexit,
	};
	// clang-format on
	const char *name = bpf_program__name(prog);
	size_t i, len = strlen(name);

	if ((len > 4 && !strcmp(name + len - 4, "_irq")) ||
	    (len > 7 && !strcmp(name + len - 7, "_backup")))
		return false;
	for (i = 0; i < sizeof(task) / sizeof(task[0]); i++)
		if (prog == task[i])
			return s->bss->context_unknown;
	return true;
}

uint64_t probes_missed(const struct probes *p)
{
	struct bpf_program *prog;
	uint64_t missed = 0;

	bpf_object__for_each_program(prog, p->skel->obj)
	{
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);
		int fd = bpf_program__fd(prog);

		memset(&info, 0, sizeof(info));
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) < 0 || !info.recursion_misses)
			continue;
		if (!miss_is_loss(p, prog)) {
			log_debug("%s skipped %llu nested runs, its twin took them",
				  bpf_program__name(prog),
				  (unsigned long long)info.recursion_misses);
			continue;
		}
		log_warning("%s skipped %llu nested runs: their events are lost",
			    bpf_program__name(prog), (unsigned long long)info.recursion_misses);
		missed += info.recursion_misses;
	}
	return missed;
}

uint64_t probes_bad_records(const struct probes *p)
{
	return p->bad_records;
}

const char *probes_attached(const struct probes *p)
{
	return p->attached;
}

int probes_vip_add(struct probes *p, const struct vigil_vip *vip)
{
	uint8_t one = 1;

	if (bpf_map__update_elem(p->skel->maps.vips, vip, sizeof(*vip), &one, sizeof(one), BPF_ANY))
		return -errno;
	return 0;
}

int probes_vip_del(struct probes *p, const struct vigil_vip *vip)
{
	if (bpf_map__delete_elem(p->skel->maps.vips, vip, sizeof(*vip), 0) && errno != ENOENT)
		return -errno;
	return 0;
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

bool probes_sockops_attached(const struct probes *p)
{
	return p->skel->links.tcp_health != NULL;
}

int probes_sockops_set(struct probes *p, bool attached)
{
	if (!bpf_program__autoload(p->skel->progs.tcp_health))
		return -EINVAL;
	if (attached == probes_sockops_attached(p))
		return 0;
	if (attached)
		return attach_sockops(p);
	bpf_link__destroy(p->skel->links.tcp_health);
	p->skel->links.tcp_health = NULL;
	p->attached[p->attached_len] = '\0';
	memset(&p->degraded.caps[DEGRADED_HEALTH], 0, sizeof(p->degraded.caps[DEGRADED_HEALTH]));
	p->degraded.caps[DEGRADED_HEALTH].state = DEGRADED_OFF;
	return 0;
}

const struct degraded *probes_degraded(const struct probes *p)
{
	return &p->degraded;
}

/* Sums one destination's per-CPU counters. */
static void health_sum(const struct vigil_health *cpu, int cpus, struct vigil_health *ret)
{
	int i;

	memset(ret, 0, sizeof(*ret));
	for (i = 0; i < cpus; i++) {
		ret->conns += cpu[i].conns;
		ret->rtt_samples += cpu[i].rtt_samples;
		ret->rtt_sum_us += cpu[i].rtt_sum_us;
		ret->retrans += cpu[i].retrans;
		ret->lost += cpu[i].lost;
		ret->data_segs += cpu[i].data_segs;
		if (cpu[i].rtt_min_us && (!ret->rtt_min_us || cpu[i].rtt_min_us < ret->rtt_min_us))
			ret->rtt_min_us = cpu[i].rtt_min_us;
	}
}

int probes_health_read(const struct probes *p, probes_health_fn fn, void *data)
{
	const struct bpf_map *map = p->skel->maps.health;
	int fd = bpf_map__fd(map), cpus = libbpf_num_possible_cpus(), n = 0, r = 0;
	/* bounds the walk: a key deleted under it makes the kernel start over */
	unsigned int left = 2 * bpf_map__max_entries(map);
	struct vigil_real key, next;
	struct vigil_health *values, sum;
	const void *prev = NULL;

	if (cpus < 0)
		return cpus;
	/* vigil_health is a multiple of 8 bytes: per-CPU values are packed */
	values = calloc(cpus, sizeof(*values));
	if (!values)
		return -ENOMEM;
	while (left-- > 0) {
		if (bpf_map_get_next_key(fd, prev, &next) < 0) {
			if (errno != ENOENT)
				r = -errno;
			break;
		}
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, values) < 0) {
			if (errno == ENOENT)
				continue; /* evicted meanwhile */
			r = -errno;
			break;
		}
		health_sum(values, cpus, &sum);
		r = fn(&key, &sum, data);
		if (r < 0)
			break;
		r = 0;
		n++;
	}
	free(values);
	return r < 0 ? r : n;
}
